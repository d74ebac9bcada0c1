# lib_workers.sh — writes the keys `warroom worker --group` writes, as such workers would (for
# test_workers_cmd.sh and tests/tui/test_tui_workers.sh), with redis-cli (lib.sh's rcli): two
# live workers, w-a (partitions 0-3) and w-b (4-6), leases of 10 min, a dead one (w-dead:
# heartbeat 60 s old, no hash), partition 7 unowned, a checkpoint per partition, the consumer group `warroom` on every stream,
# and on partition 0 two entries, one delivered and not acknowledged (pending 1, lag 1).

# workers_populate NOW_MS: through rcli, or the command in WORKERS_CLI (e.g. redis-cli -c -p P
# on a cluster).
workers_populate() {
    local now=$1 i
    _wcli HSET wr:meta version 2 partitions 8 mode group >/dev/null
    _wcli ZADD wr:workers "$now" w-a "$now" w-b $((now - 60000)) w-dead >/dev/null
    _wcli HSET wr:worker:w-a host host-a pid 101 started $((now - 100000)) partitions 0,1,2,3 \
        events 1000 late 3 rate 250 lease 600000 ts "$now" >/dev/null
    _wcli HSET wr:worker:w-b host host-b pid 202 started $((now - 100000)) partitions 4,5,6 \
        events 2000 late 0 rate 99 lease 600000 ts "$now" >/dev/null
    for i in 0 1 2 3 4 5 6; do
        _wcli SET "wr:own:{p$i}" "$([ "$i" -lt 4 ] && echo w-a || echo w-b) $((i + 10))" \
            PX 600000 >/dev/null
    done
    for i in 0 1 2 3 4 5 6 7; do
        _wcli HSET "wr:ckpt:{p$i}" fence $((i + 10)) owner w-a last "$now-$i" \
            closed $((now - 2000)) events $((i * 100)) late "$i" rejected 0 refused $((i % 2)) \
            ts $((now - 1000)) >/dev/null
        _wcli XGROUP CREATE "wr:ev:{p$i}" warroom '$' MKSTREAM >/dev/null
    done
    _wcli XADD 'wr:ev:{p0}' '*' metric cpu value 1 >/dev/null
    _wcli XADD 'wr:ev:{p0}' '*' metric cpu value 2 >/dev/null
    _wcli XREADGROUP GROUP warroom w-a COUNT 1 STREAMS 'wr:ev:{p0}' '>' >/dev/null
}

_wcli() {
    ${WORKERS_CLI:-rcli} "$@"
}
