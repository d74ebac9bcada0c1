#!/usr/bin/env bash
# test_tui_redis.sh — the interface keeps running without Redis: killed and restarted during a
# run (reconnecting with the attempt count, then live data again), and down at start.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

"$WARROOM" send --redis "$REDIS_URL" tuitest_before 1 >/dev/null || notok send "first event"
tui_start 100 30 || { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "tuitest_before" 10 && tui_wait " live " 10 ||
    { tui_dump before; notok "before" "no live data"; }

# ---- killed during a run -------------------------------------------------------------------------
pid=$(redis_pid)
kill -KILL "$pid"
wait_for "! pid_alive $pid" 5
rm -f "$REDIS_DIR/redis.pid"
if tui_wait_re "reconnecting \(attempt [0-9]+\)" 15; then
    ok "Redis killed: the status line says reconnecting, with the attempt count"
else
    tui_dump killed; notok "reconnecting shown"
fi
tui_keys j k
tui_wait "tuitest_before" 2 && ok "the interface still runs (keys work, data kept)" ||
    { tui_dump alive; notok "still running"; }
redis_relaunch || notok relaunch "redis did not restart"
"$WARROOM" send --redis "$REDIS_URL" tuitest_after 2 >/dev/null || notok send "second event"
if tui_wait " live " 20 && tui_wait "tuitest_after" 15; then
    ok "Redis back: live again, and a new event appears"
else
    tui_dump back; notok "resumed"
fi
tui_keys q
tui_wait "$TUI_PROMPT" 5 || notok quit "no prompt"

# ---- down at start ------------------------------------------------------------------------------
port=$(free_port)
dir=$REDIS_DIR/late
mkdir -p "$dir"
wr_defer "redis-cli -p $port shutdown nosave >/dev/null 2>&1"
tui_shell 100 30
tui_run "\"$WARROOM\" --redis redis://127.0.0.1:$port"
if tui_wait_re "reconnecting \(attempt [0-9]+\)" 15 && tui_wait "Cannot reach Redis" 2; then
    ok "Redis down at start: the interface runs and says reconnecting"
else
    tui_dump down; notok "down at start"
fi
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
wait_for "redis-cli -p $port ping | grep -q PONG" 10 || notok "late redis" "did not start"
"$WARROOM" send --redis "redis://127.0.0.1:$port" tuitest_late 3 >/dev/null || notok send late
if tui_wait " live " 20 && tui_wait "tuitest_late" 15; then
    ok "Redis up later: live, and its data shows"
else
    tui_dump late; notok "late start"
fi
tui_keys C-c
tui_wait "$TUI_PROMPT" 5 && tui_gone "partitions" 3 && ok "Ctrl-C quits" ||
    { tui_dump ctrlc; notok "Ctrl-C"; }

wr_done
