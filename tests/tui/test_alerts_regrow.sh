#!/usr/bin/env bash
# test_alerts_regrow.sh — issue 9.1: the alerts panel of an open interface survives its list
# shrinking and growing again (it freed the ids of vanished rows and freed them again when the
# list grew, or at exit: "double free", an abort under ASan). The issue's repro: a rules worker
# announces five pending alerts, they go inactive (the list empties), five come back; the
# interface must still run and list the five rows Redis holds. Then: the selection stays on the
# selected alert when a new one is listed above it (`a` acks what the screen showed selected),
# and after the list shrank once more the interface quits with exit 0 and a clean stderr.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"
# what a sanitizer or glibc's allocator writes to stderr when it stops the program
CRASH_RE='ERROR: (Address|Leak)Sanitizer|runtime error|double free|corrupt|invalid pointer|'
CRASH_RE+='(free|malloc|realloc|munmap_chunk)\(\):'

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
mkdir -p "$T/cfg"
# flip: the issue's rule; sel: a long window, so its alerts stay while keys are pressed
cat > "$T/f.conf" <<'EOF'
[rule flip]
expr = max(flip) by (k) over 2s > 5
for = 1m
[rule sel]
expr = max(sel) by (k) over 1m > 5
for = 1h
EOF
KEYS="a b c d e"

"$WARROOM" worker --redis "$REDIS_URL" --rules "$T/f.conf" --quiet --nick worker \
    > "$T/worker.out" 2>&1 &
WORKER=$!
wr_defer "kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null"
wait_for 'grep -q "alerts: leader" "$T/worker.out"' 10 ||
    { cat "$T/worker.out" >&2; notok worker_leader "the rules worker took no lease"; wr_done; }

# the interface (display only: no rules of its own), its stderr kept for sanitizer reports
TUI_ENV="XDG_CONFIG_HOME=$T/cfg" tui_start 160 40 --nick alice "2>$T/tui.err" ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
PANE_SHELL=$(tui_tmux display -p -t =t: '#{pane_pid}')
TUI_PID=$(pgrep -P "$PANE_SHELL" | head -1)

send() { "$WARROOM" send --redis "$REDIS_URL" "$@" >/dev/null; }
send_all() { # send_all METRIC VALUE: one event per key, at once (one process: the window is 2 s)
    local k
    for k in $KEYS; do echo "$1{k=$k} $2"; done |
        "$WARROOM" ingest --redis "$REDIS_URL" >/dev/null 2>&1
}
# rows_are METRIC: the panel shows the five keys' alerts of METRIC pending, and nothing else
rows_are() {
    local k cap
    cap=$(tui_cap)
    grep -qF "0 firing, 5 pending" <<<"$cap" || return 1
    for k in $KEYS; do grep -qE "pending +[0-9a-f]{6} $1\{k=$k\}" <<<"$cap" || return 1; done
}
# nothing pending or firing, on the board in Redis and in the panel
emptied() {
    [ "$(rcli HLEN wr:{alerts}:state)" = 0 ] && tui_cap | grep -qF "No alerts"
}
alive() {
    [ -n "$TUI_PID" ] && pid_alive "$TUI_PID" && ! tui_cap | grep -qF "$TUI_PROMPT"
}

send_all flip 10
if wait_for 'rows_are flip' 10; then
    ok "five pending alerts listed"
else
    tui_dump pending; notok pending "not the five pending rows"
fi

# pause the others and lower a: event time moves on, every window empties, all go inactive
if wait_for 'send flip 1 k=a; emptied' 15; then
    ok "the list empties when the alerts go inactive"
else
    tui_dump shrink; notok shrink "the alerts did not go inactive: $(rcli HKEYS wr:{alerts}:state)"
fi

# ... and grows again: this is where the old code freed the ids a second time
send_all flip 10
if wait_for 'rows_are flip' 10 && alive; then
    ok "the interface survives the list shrinking and growing again"
else
    tui_dump regrow; notok regrow "interface gone or rows wrong"
    alive || { notok alive "$(head -c 2000 "$T/tui.err")"; wr_done; }
fi
[ "$(rcli HLEN wr:{alerts}:state)" = 5 ] && ok "five alerts in Redis, five rows shown" ||
    notok state_count "$(rcli HKEYS wr:{alerts}:state)"
wait_for 'send flip 1 k=a; emptied' 15 ||
    { tui_dump shrink2; notok shrink_again "the alerts did not go inactive"; }

# ---- the selection stays on its alert when the list changes under it ---------------------------
# select the last row (End: the same alert whether the key or the new alert arrives first); a
# new alert (k=0: newest, and first by id) is listed at the top; `a` must ack the selected alert,
# not the row that moved into its place
send_all sel 10
wait_for 'rows_are sel' 10 || { tui_dump sel; notok sel_rows "the five sel alerts not listed"; }
target=$(tui_cap | grep -E 'pending +[0-9a-f]{6} sel\{k=' | tail -1 | grep -oE 'sel\{k=[a-e]\}')
tui_keys 2 G
send sel 10 k=0
wait_for 'tui_cap | grep -qF "0 firing, 6 pending"' 10 ||
    { tui_dump six; notok six "the sixth alert is not listed"; }
first=$(tui_cap | grep -E 'pending +[0-9a-f]{6} sel\{k=' | head -1)
case $first in *'sel{k=0}'*) ;; *) notok order "k=0 not listed first: $first" ;; esac
tui_keys a
wait_for '[ "$(rcli HLEN wr:{alerts}:acks)" = 1 ]' 10
acked=$(rcli HKEYS wr:{alerts}:acks)
[ -n "$target" ] && [ "$acked" = "$target" ] &&
    ok "a acks the alert that was selected after the list changed" ||
    { tui_dump ack; notok selection_follows "acked '$acked', selected '$target'"; }

# ---- shrink once more, then quit: freeing the panel must not free a vanished row's id again ----
# an event 2 minutes ahead moves event time past every window
wait_for "send flip 1 k=a --ts $(($(date +%s%3N) + 120000)); emptied" 15 ||
    { tui_dump shrink3; notok shrink_last "the alerts did not go inactive"; }
if alive; then tui_keys Escape q; fi
if wait_for 'tui_cap | grep -qF "$TUI_PROMPT"' 10; then
    tui_run 'echo "exit=$?"'
    wait_for 'tui_cap | grep -q "^exit=0"' 5 && ok "quits with exit 0 after the list shrank" ||
        { tui_dump exit; notok exit_status "not exit 0"; }
else
    tui_dump quit; notok quit "did not quit"
fi
if grep -qE "$CRASH_RE" "$T/tui.err"
then
    notok sanitizer "$(head -c 2000 "$T/tui.err")"
else
    ok "no sanitizer report on the interface's stderr"
fi
wr_done
