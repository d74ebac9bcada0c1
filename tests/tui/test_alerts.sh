#!/usr/bin/env bash
# test_alerts.sh — the alerts panel in two interfaces on one Redis (tmux): an anomaly from
# `warroom gen` shows as a firing row with its value against the threshold on both; /ack typed
# in one chat marks it acked by that nick on both; `s` in the other's panel silences it on both;
# Enter on a per-series alert opens its detail view; a new page alert rings the bell.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

# the second interface runs in its own tmux session "u" on the same server
cap_u() {
    tui_tmux capture-pane -t =u: -p
}
both_show_re() {
    tui_cap | grep -qE -- "$1" && cap_u | grep -qE -- "$1"
}
dump_both() {
    echo "--- alice ($1)" >&2
    tui_cap >&2
    echo "--- bob ($1)" >&2
    cap_u >&2
}

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
cat > "$T/rules.conf" <<'EOF'
[rule api_slow]
expr = max(latency_ms{service=api}) by (service) over 3s > 1000
for = 2s
severity = page
summary = api latency {{value}} ms
[rule api_series_slow]
expr = max(latency_ms{service=api}) over 3s > 1000
severity = warning
EOF
"$WARROOM" gen --redis "$REDIS_URL" --rate 400 --series 32 --count 400 >/dev/null 2>&1

TUI_ENV="" tui_start 240 50 --rules "$T/rules.conf" --nick alice ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_tmux new-session -d -s u -x 240 -y 50 \
    env -i HOME="$HOME" PATH="$PATH" TERM=tmux-256color LANG=C.UTF-8 \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$WARROOM" --redis "$REDIS_URL" --rules "$T/rules.conf" --nick bob ||
    { notok start_u "second interface"; wr_done; }
tui_tmux set-option -t =u: status off >/dev/null
wait_for 'cap_u | grep -q partitions' 10 || { dump_both start; notok start_u "no screen"; }
wait_for 'tui_cap | grep -q "leader" || cap_u | grep -q "leader"' 15 ||
    { dump_both leader; notok leader "no instance took the lease"; }

bells() { # the bell flags of both windows: "00", "11", ...
    local f='#{window_bell_flag}'
    echo "$(tui_tmux display -p -t =t: "$f")$(tui_tmux display -p -t =u: "$f")"
}
bells_before=$(bells)
"$WARROOM" gen --redis "$REDIS_URL" --rate 400 --series 32 --duration 90s \
    --anomaly 'latency_ms{service=api}' --anomaly-factor 50 --anomaly-at 1s \
    --anomaly-for 80s >/dev/null 2>&1 &
GEN=$!
wr_defer "kill $GEN 2>/dev/null"

# ---- the firing alert, with its value against the threshold, on both --------------------------
row='PAGE FIRING +[0-9a-f]{6} api_slow\{service=api\} +[0-9][0-9.]* > 1000'
if wait_for 'both_show_re "$row"' 20; then
    ok "both panels show the firing alert with its value against the threshold"
else
    dump_both firing; notok firing_row "no firing row with value"
fi
# the bell: tmux flags a window whose program rang it
if [ "$bells_before" = 00 ] && [ "$(bells)" = 11 ]; then
    ok "a new page alert rings the bell on both"
else
    notok bell "bell flags before: $bells_before, after: $(bells)"
fi
tui_cap | grep -E "$row" | grep -qE "warn +FIRING" && notok order "a warning listed first" ||
    ok "page severity listed before warning"
short=$(rcli HGET 'wr:{alerts}:state' 'api_slow{service=api}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["short"])' 2>/dev/null)

# ---- /ack in alice's chat: acked by alice on both ----------------------------------------------
tui_keys 3
tui_type "/ack $short"
tui_keys Enter
if wait_for 'both_show_re "api_slow\{service=api\}.*ack:alice"' 10; then
    ok "/ack in one chat marks the alert acked by that nick on both instances"
else
    dump_both ack; notok ack "not acked on both"
fi
wait_for 'tui_cap | grep -q "alice acknowledged api_slow"' 5 && ok "the ack is noted in the room" ||
    { dump_both ack-note; notok ack_note "no chat note"; }

# ---- `s` in bob's panel on the per-series alert: silenced on both ------------------------------
tui_tmux send-keys -t =u: 2
wait_for 'cap_u | grep -qE "warn +FIRING.*api_series_slow"' 10 ||
    { dump_both series; notok series_row "no per-series alert"; }
# rows: page first, then the warning(s); select the first warning row
n=$(cap_u | grep -E '(PAGE|CRIT|warn|info) +(FIRING|pending)' | grep -n 'api_series_slow' |
    head -1 | cut -d: -f1)
for _ in $(seq 2 "${n:-2}"); do tui_tmux send-keys -t =u: j; done
tui_tmux send-keys -t =u: s
if wait_for 'both_show_re "api_series_slow.*silenced"' 10; then
    ok "s in one panel silences the alert on both instances"
else
    dump_both silence; notok silence "not silenced on both"
fi
[ "$(rcli HLEN wr:{alerts}:silences)" = 1 ] && ok "the silence is stored in Redis" ||
    notok silence_stored "$(rcli HGETALL wr:{alerts}:silences)"

# ---- Enter on the per-series alert opens its detail view ---------------------------------------
tui_tmux send-keys -t =u: Enter
if wait_for 'cap_u | grep -qE "latency_ms\{region=[a-z-]+,service=api\} · last"' 5; then
    ok "Enter on a per-series alert opens its series' detail view"
else
    dump_both detail; notok detail "no detail view"
fi
tui_tmux send-keys -t =u: Escape

# ---- quitting ----------------------------------------------------------------------------------
tui_keys Escape q
tui_tmux send-keys -t =u: q
wait_for 'tui_cap | grep -q "$TUI_PROMPT"' 8 && ok "quits with q" || { tui_dump quit; notok quit; }
wr_done
