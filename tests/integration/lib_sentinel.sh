# lib_sentinel.sh — a replica set behind Sentinel for a test: the master from lib.sh's
# redis_start, one replica and three sentinels on free ports in the test's temp dir (each
# sentinel on its own writable copy of its config: Sentinel rewrites it). Source lib.sh first.
#
#   sentinel_setup                # exports SENT_PORTS (3 ports), REPLICA_PORT, SENT_URL
#                                 # (redis+sentinel://.../mymaster); stopped on exit
#   scli N ARGS...                # redis-cli to sentinel N (1..3)
#   sentinel_master_port          # the master's port as sentinel 1 says it
#   sentinel_wait_failover OLD T [N...]  # waits up to T s (scaled) until sentinels N (default:
#                                 # all three) name another master than port OLD
#
# Run directly (the runner runs every *.sh here), it does nothing and succeeds.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

SENT_MASTER_NAME=mymaster

scli() {
    local n=$1
    shift
    redis-cli -p "${SENT_PORTS[$((n - 1))]}" "$@"
}

sentinel_master_port() {
    scli 1 SENTINEL get-master-addr-by-name "$SENT_MASTER_NAME" 2>/dev/null | sed -n 2p
}

# Sentinels $2... (default all) name a master other than port $1.
_sentinels_moved() {
    local n p old=$1
    shift
    for n in ${*:-1 2 3}; do
        p=$(scli "$n" SENTINEL get-master-addr-by-name "$SENT_MASTER_NAME" 2>/dev/null | sed -n 2p)
        [ -n "$p" ] && [ "$p" != "$old" ] || return 1
    done
}

sentinel_wait_failover() {
    local old=$1 t=$2
    shift 2
    wait_for "_sentinels_moved $old ${*:-1 2 3}" "$t"
}

# A daemon from lib.sh's point of view: closes inherited descriptors first (see redis_relaunch).
_sent_daemon() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        exec "$@" >/dev/null
    )
}

_sent_stop_all() {
    local f pid
    for f in "$REDIS_DIR"/replica.pid "$REDIS_DIR"/sentinel-*.pid; do
        [ -s "$f" ] || continue
        pid=$(cat "$f")
        kill -TERM "$pid" 2>/dev/null
        wait_for "! pid_alive $pid" 5 || kill -KILL "$pid" 2>/dev/null
    done
}

# Needs redis_start to have run (the master is REDIS_PORT). Tries up to three times with fresh
# ports (a port picked free can be taken before the daemon binds it); each failed try says on
# stderr which step failed, with the tail of that daemon's log, so a CI log shows why.
sentinel_setup() {
    local try
    wr_defer _sent_stop_all
    for try in 1 2 3; do
        _sentinel_try "$try" && return 0
        _sent_stop_all
        rm -f "$REDIS_DIR"/replica.pid "$REDIS_DIR"/sentinel-*.pid
    done
    return 1
}

# Step $2 of try $1 failed: says so, with the last lines of the logs named after it.
_sent_fail() {
    local try=$1 what=$2 f
    shift 2
    echo "# sentinel_setup try $try: $what" >&2
    for f in "$@"; do
        [ -f "$f" ] && tail -5 "$f" | sed "s|^|#   ${f##*/}: |" >&2
    done
    return 1
}

_sentinel_try() {
    local try=$1 i p conf hosts=""
    REPLICA_PORT=$(free_port) || return 1
    _sent_daemon redis-server --port "$REPLICA_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
        --dbfilename replica.rdb --save '' --appendonly no --daemonize yes \
        --replicaof 127.0.0.1 "$REDIS_PORT" --pidfile "$REDIS_DIR/replica.pid" \
        --logfile "$REDIS_DIR/replica.log" ||
        _sent_fail "$try" "redis-server (replica) exited at start" "$REDIS_DIR/replica.log" ||
        return 1
    wait_for "redis-cli -p $REPLICA_PORT INFO replication | grep -q 'master_link_status:up'" 20 ||
        _sent_fail "$try" "the replica on $REPLICA_PORT never linked to the master on $REDIS_PORT" \
            "$REDIS_DIR/replica.log" "$REDIS_DIR/redis.log" || return 1
    SENT_PORTS=()
    for i in 1 2 3; do
        p=$(free_port) || return 1
        SENT_PORTS+=("$p")
        conf=$REDIS_DIR/sentinel-$i.conf
        cat >"$conf" <<EOF
port $p
bind 127.0.0.1
dir $REDIS_DIR
daemonize yes
pidfile $REDIS_DIR/sentinel-$i.pid
logfile $REDIS_DIR/sentinel-$i.log
sentinel monitor $SENT_MASTER_NAME 127.0.0.1 $REDIS_PORT 2
sentinel down-after-milliseconds $SENT_MASTER_NAME 1000
sentinel failover-timeout $SENT_MASTER_NAME 5000
sentinel parallel-syncs $SENT_MASTER_NAME 1
EOF
        _sent_daemon redis-sentinel "$conf" ||
            _sent_fail "$try" "redis-sentinel $i exited at start" \
                "$REDIS_DIR/sentinel-$i.log" || return 1
        hosts="$hosts${hosts:+,}127.0.0.1:$p"
    done
    # a failover needs the sentinels to know each other and the replica (hello messages, ~2 s;
    # the master's INFO, every 10 s)
    for i in 1 2 3; do
        wait_for "scli $i PING | grep -qx PONG" 20 ||
            _sent_fail "$try" "sentinel $i never answered on ${SENT_PORTS[$((i - 1))]}" \
                "$REDIS_DIR/sentinel-$i.log" || return 1
    done
    for i in 1 2 3; do
        wait_for "scli $i SENTINEL master $SENT_MASTER_NAME | grep -A1 '^num-other-sentinels' |
            tail -1 | grep -qx 2" 30 ||
            _sent_fail "$try" "sentinel $i does not see the two others" \
                "$REDIS_DIR/sentinel-$i.log" || return 1
        wait_for "scli $i SENTINEL master $SENT_MASTER_NAME | grep -A1 '^num-slaves' |
            tail -1 | grep -qx 1" 30 ||
            _sent_fail "$try" "sentinel $i does not see the replica" \
                "$REDIS_DIR/sentinel-$i.log" || return 1
    done
    SENT_URL="redis+sentinel://$hosts/$SENT_MASTER_NAME"
    export SENT_PORTS REPLICA_PORT SENT_URL
}
