#!/usr/bin/env bash
# test_alerts_rows.sh — alert rows that read true (tmux): in a narrow pane (80x24: the alerts pane
# is 32 columns) a row keeps its state, rule, labels and value before the summary; a row resolved
# with a value under the threshold says "500 ≤ 1000", never "500 > 1000".
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
cat > "$T/rules.conf" <<'EOF'
[rule slow]
expr = max(lat_ms{svc=api}) by (svc) over 3s > 1000
severity = critical
summary = api latency {{value}} ms is far too high for anyone
EOF

send() { "$WARROOM" send --redis "$REDIS_URL" lat_ms "$1" svc=api >/dev/null 2>&1; }

TUI_ENV="" tui_start 80 24 --rules "$T/rules.conf" ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "leader" 15 || { tui_dump leader; notok leader "no lease"; }

# ---- firing, narrow: state, rule{labels}, value > threshold, all inside the 32-column pane ----
(for _ in $(seq 1 40); do send 2000; sleep 0.25; done) &
FEED=$!
wr_defer "kill $FEED 2>/dev/null"
if tui_wait_re "FIRE slow\{svc=api\} +2000( |│)" 20; then
    ok "narrow pane: a firing row shows state, rule, labels and value in full"
else
    tui_dump firing; notok "narrow firing row" "$(tui_cap | grep -F slow | head -2)"
fi
wait "$FEED" 2>/dev/null

# ---- resolved under the threshold: the negated comparison -----------------------------------
(for _ in $(seq 1 60); do send 500; sleep 0.25; done) &
FEED=$!
wr_defer "kill $FEED 2>/dev/null"
if tui_wait_re "reso slow\{svc=api\} +500( |│)" 25; then
    ok "narrow pane: the resolved row shows its value"
else
    tui_dump resolved; notok "resolved row" "$(tui_cap | grep -F slow | head -2)"
fi
tui_cap | grep -qE "500 > 1000" && notok "resolved row lies" "shows 500 > 1000" ||
    ok "no resolved row shows its value as meeting the threshold"
kill "$FEED" 2>/dev/null

# ---- wide: the severity word, the full state, the short id and the comparison come back -------
tui_resize 200 40
if tui_wait_re "CRIT resolved +[0-9a-f]{6} slow\{svc=api\} +500 ≤ 1000" 10; then
    ok "wide pane: a resolved row says 500 ≤ 1000 (never 500 > 1000), with severity, state, id"
else
    tui_dump wide; notok "wide resolved row" "$(tui_cap | grep -F slow | head -2)"
fi
tui_keys q
wait_for 'tui_cap | grep -q "$TUI_PROMPT"' 8 && ok "quits with q" || { tui_dump quit; notok quit; }
wr_done
