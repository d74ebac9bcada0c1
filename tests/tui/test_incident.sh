#!/usr/bin/env bash
# test_incident.sh — `t` in the alerts panel (tmux): the incident timeline of the selected alert
# opens over the screen, read without blocking (the alert log on the alerts' connection, the chat
# received, the series table in memory): its transitions, alice's ack, bob's chat line, values
# per step above the threshold while it fires; Esc closes it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
cat >"$T/rules.conf" <<'EOF'
[rule api_slow]
expr = max(latency_ms{service=api}) by (service) over 3s > 1000
for = 2s
severity = critical
EOF
"$WARROOM" gen --redis "$REDIS_URL" --rate 400 --series 32 --count 400 >/dev/null 2>&1
TUI_ENV="" tui_start 200 70 --rules "$T/rules.conf" --nick carol ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
wait_for 'tui_cap | grep -q "leader"' 15 || { tui_dump leader; notok leader "no lease"; }
"$WARROOM" gen --redis "$REDIS_URL" --rate 400 --series 32 --duration 90s \
    --anomaly 'latency_ms{service=api}' --anomaly-factor 50 --anomaly-at 1s \
    --anomaly-for 80s >/dev/null 2>&1 &
GEN=$!
wr_defer "kill $GEN 2>/dev/null"
wait_for 'tui_cap | grep -qE "FIRING +[0-9a-f]{6} api_slow"' 20 ||
    { tui_dump firing; notok firing "no firing row"; }
short=$(rcli HGET 'wr:{alerts}:state' 'api_slow{service=api}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["short"])' 2>/dev/null)
"$WARROOM" alerts --redis "$REDIS_URL" ack "$short" --nick alice >/dev/null 2>&1 ||
    notok ack "warroom alerts ack failed"
"$WARROOM" chat ops --redis "$REDIS_URL" --say "looking at api latency" --nick bob >/dev/null 2>&1
wait_for 'tui_cap | grep -q "looking at api latency"' 10 || { tui_dump chat; notok chat_seen; }
wait_for 'tui_cap | grep -q "ack:alice"' 10 || { tui_dump ack; notok ack_seen; }

# ---- t on the selected alert: the timeline ------------------------------------------------------
tui_keys 2 t
if wait_for 'tui_cap | grep -qF "Incident api_slow{service=api} [$short]"' 5; then
    ok "t opens the incident timeline of the selected alert"
else
    tui_dump timeline; notok timeline_title "no overlay"
fi
tl_has() { tui_cap | grep -qE -- "$1"; }
if wait_for 'tl_has "transition +- +inactive -> pending, value [0-9]"' 10 &&
    tl_has "transition +- +pending -> firing, value [0-9]" &&
    tl_has "ack +alice +acknowledged" && tl_has "chat +bob +looking at api latency" &&
    tl_has "expression: max\(latency_ms\{service=api\}\) by \(service\) over 3s > 1000"; then
    ok "the timeline lists the transitions, the ack with who, and the chat line"
else
    tui_dump timeline; notok timeline_content "missing lines"
fi
# values per step: those after the alert went pending lie above the threshold, some before below
vals=$(tui_cap | awk '/inactive -> pending/ { on = 1; next }
    on && match($0, /[0-9][0-9]:[0-9][0-9]:[0-9][0-9]  value +- +[^ ]+/) {
        n = split(substr($0, RSTART, RLENGTH), f, " +"); print f[n] }')
if [ -n "$vals" ] && echo "$vals" | awk '$1 + 0 <= 1000 && $1 != "-" { bad = 1 } END { exit bad }'; then
    ok "values per step above the threshold while it fires ($(echo $vals | wc -w) shown)"
else
    tui_dump values; notok timeline_values "values after pending: $vals"
fi
before=$(tui_cap | awk '/inactive -> pending/ { exit }
    match($0, /[0-9][0-9]:[0-9][0-9]:[0-9][0-9]  value +- +[0-9][^ ]*/) {
        n = split(substr($0, RSTART, RLENGTH), f, " +"); print f[n] }')
echo "$before" | awk '$1 + 0 < 1000 { low = 1 } END { exit !low }' &&
    ok "values before the anomaly lie below the threshold" ||
    { tui_dump before; notok timeline_values_before "values before pending: $before"; }
tui_keys Escape
wait_for '! tui_cap | grep -q "Incident api_slow"' 5 && ok "Esc closes the timeline" ||
    { tui_dump close; notok timeline_close; }
tui_keys q
wait_for 'tui_cap | grep -q "$TUI_PROMPT"' 8 && ok "quits with q" || { tui_dump quit; notok quit; }
wr_done
