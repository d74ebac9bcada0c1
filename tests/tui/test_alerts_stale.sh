#!/usr/bin/env bash
# test_alerts_stale.sh — the alert board says when it is stale: while a worker evaluates, the
# alerts pane of a display-only interface names no staleness; once nobody holds the announcer
# lease (the worker killed), the pane's title says "STALE since HH:MM:SS" and `warroom
# alerts` warns that the list may be stale, with when the board last changed; a new evaluator
# clears it.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$REDIS_DIR # removed at exit
mkdir -p "$T/cfg"
printf '[rule hot]\nexpr = max(temp) over 1h > 5\nseverity = warning\n' >"$T/rules.conf"
worker() {
    "$WARROOM" worker --redis "$REDIS_URL" --rules "$T/rules.conf" --quiet >"$T/w$1.out" 2>&1 &
    echo $!
}
list_err() { "$WARROOM" alerts --redis "$REDIS_URL" 2>&1 >/dev/null; }

WA=$(worker A)
wr_defer "kill $WA 2>/dev/null"
wait_for 'grep -q "alerts: leader" "$T/wA.out"' 15 || notok leader "$(cat "$T/wA.out")"
"$WARROOM" send --redis "$REDIS_URL" temp 10 host=a >/dev/null
wait_for '"$WARROOM" alerts --redis "$REDIS_URL" 2>/dev/null | grep -q "^firing"' 15 ||
    notok fires "$("$WARROOM" alerts --redis "$REDIS_URL")"

# 200 columns: an alerts pane of 60+ columns shows full rows (state word, short id)
TUI_ENV="XDG_CONFIG_HOME=$T/cfg" tui_start 200 40 --nick viewer ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "display on" 10 && tui_wait_re "FIRING +[0-9a-f]{6} +hot" 10 ||
    { tui_dump display; notok display_only "no display-only board"; }
! tui_cap | grep -q "STALE" && ok "not stale while a worker evaluates" ||
    { tui_dump fresh; notok fresh "says stale"; }
[ -z "$(list_err)" ] && ok "warroom alerts: no warning while a worker evaluates" ||
    notok cli_fresh "$(list_err)"

# ---- nobody evaluates --------------------------------------------------------------------------
kill -9 "$WA"
killed=$(date +%s)
tui_wait_re "STALE since [0-9]{2}:[0-9]{2}:[0-9]{2}" 20 &&
    ok "the alerts pane says nobody evaluates, and since when" ||
    { tui_dump stale; notok stale_pane "no staleness in the pane"; }
since=$(tui_cap | grep -oE "STALE since [0-9:]{8}" | awk '{ print $3 }')
s=$(date -d "$since" +%s 2>/dev/null || echo 0)
# the time shown is when it was seen: after the kill, within the lease (5 s) plus checks
[ "$s" -ge $((killed - 1)) ] && ok "since $since (killed at $(date -d "@$killed" +%T))" ||
    notok stale_since "since $since, killed at $(date -d "@$killed" +%T)"
tui_wait_re "FIRING +[0-9a-f]{6} +hot" 2 && ok "the stale board still lists the alert" ||
    notok stale_rows "rows gone"
list_err | grep -qE "nobody evaluates the rules .*last changed at [0-9:]{8}: the list may be stale" &&
    ok "warroom alerts warns that the list may be stale" || notok cli_stale "$(list_err)"

# ---- someone evaluates again ------------------------------------------------------------------
WB=$(worker B)
wr_defer "kill $WB 2>/dev/null"
tui_gone "STALE" 20 && ok "a new evaluator clears the staleness" ||
    { tui_dump again; notok stale_cleared "still stale"; }
wait_for '[ -z "$(list_err)" ]' 10 && ok "warroom alerts: no warning again" ||
    notok cli_again "$(list_err)"
tui_keys q
wr_done
