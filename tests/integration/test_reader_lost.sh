#!/usr/bin/env bash
# test_reader_lost.sh — events a failover loses are reported, not silent (issue 12): a worker
# reads entries, then the server comes back without the last K of them (restarted from an RDB
# saved before they were written, as a replica promoted before they were replicated would be).
# The worker says lost=K (raw line, warning line, totals), keeps running, counts what comes
# after, and a later reconnect does not count the same loss twice. The interface's status line
# says it too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tui/tui_lib.sh" # also sources lib.sh
W=$WARROOM
P=8  # partitions (gen's default)
K=37 # events the restarted server lacks

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

xlen_sum() {
    local i n=0
    for i in $(seq 0 $((P - 1))); do
        n=$((n + $(rcli XLEN "wr:ev:{p$i}")))
    done
    echo "$n"
}
raw_field() { grep -o " $1=[0-9]*" "$T/w.out" | tail -1 | cut -d= -f2; }

"$W" gen --count 500 --rate 0 --series 20 >/dev/null 2>"$T/gen1.err" ||
    notok gen1 "$(cat "$T/gen1.err")"
"$W" worker --raw --interval 200ms >"$T/w.out" 2>"$T/w.err" &
WPID=$!
wr_defer "kill $WPID 2>/dev/null"
wait_for '[ "$(raw_field events)" = 500 ]' 20 || notok "worker reads" "$(tail -3 "$T/w.out")"
[ "$(raw_field lost)" = 0 ] && ok "worker: lost=0 while nothing was lost" ||
    notok "lost=0" "$(tail -1 "$T/w.out")"

tui_start 220 30
wr_defer tui_stop
tui_wait "live" 20 || notok "tui live" "$(tui_cap | tail -2)"

# the server's state now, then K more events the worker reads, then a restart from that state
rcli SAVE >/dev/null
"$W" gen --count $K --rate 0 --series 21 >/dev/null 2>"$T/gen2.err" ||
    notok gen2 "$(cat "$T/gen2.err")"
wait_for "[ \"\$(raw_field events)\" = $((500 + K)) ]" 20 ||
    notok "worker reads K" "$(tail -3 "$T/w.out")"
# the interface read them too (at least the one of the new series; how many it cannot show)
tui_wait "21 series" 20 || notok "tui reads" "$(tui_cap | tail -2)"
rcli SHUTDOWN NOSAVE >/dev/null 2>&1
wait_for "! pid_alive $REDIS_PID" 10 || notok shutdown "redis-server still runs"
rm -f "$T/redis.pid"
REDIS_ARGS="--appendonly no" # load dump.rdb (saved before the K events), not the AOF
redis_relaunch || notok restart "$(tail -3 "$T/redis.log")"
[ "$(xlen_sum)" = 500 ] || notok "restored" "xlen=$(xlen_sum), want 500"

if wait_for "[ \"\$(raw_field lost)\" = $K ]" 20; then
    ok "worker: the $K events the restarted server lacks are reported (lost=$K)"
else
    notok "lost=K" "lost=$(raw_field lost) $(tail -3 "$T/w.out") $(tail -3 "$T/w.err")"
fi
if grep -qF "warning: $K events read before a failover are not on the new master (lost by replication; counted; partition" "$T/w.out"; then
    ok "worker: a warning line says the events were lost and stay counted"
else
    notok "warning line" "$(grep warning "$T/w.out")"
fi

if tui_wait_re "[0-9]+ events? read before a failover (is|are) not on the new master" 20; then
    ok "interface: the status line says the events were lost"
else
    notok "tui lost" "$(tui_cap | tail -2)"
fi

# it keeps reading: events written now are counted; worker events = held + lost, exactly
"$W" gen --count 100 --rate 0 --series 20 >/dev/null 2>"$T/gen3.err" ||
    notok gen3 "$(cat "$T/gen3.err")"
held=$(xlen_sum)
if pid_alive "$WPID" && wait_for "[ \"\$(raw_field events)\" = $((held + K)) ]" 20; then
    ok "worker: keeps running and counts the events written after ($held held + $K lost)"
else
    notok "after" "held=$held events=$(raw_field events) $(tail -2 "$T/w.out")"
fi

# another reconnect to the same server: the loss is not counted twice
rcli CLIENT KILL TYPE normal >/dev/null
"$W" gen --count 10 --rate 0 --series 20 >/dev/null 2>"$T/gen4.err"
held=$(xlen_sum)
if wait_for "[ \"\$(raw_field events)\" = $((held + K)) ]" 20 && [ "$(raw_field lost)" = $K ]; then
    ok "a reconnect to the same server finds nothing new lost (lost=$K)"
else
    notok "no double count" "held=$held $(tail -1 "$T/w.out")"
fi

kill -TERM "$WPID"
wait_for "! pid_alive $WPID" 10
if grep -qE "^totals: .* lost=$K unreadable=0\$" "$T/w.out"; then
    ok "worker totals: lost=$K"
else
    notok totals "$(grep '^totals' "$T/w.out")"
fi
if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T/w.err"; then
    notok sanitizers "$(head -20 "$T/w.err")"
fi
wr_done
