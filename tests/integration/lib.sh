# lib.sh — helpers every integration test sources: a private redis-server per test script (its
# own port, unix socket and temp dir, stopped and removed on exit), "ok"/"not ok" printers that
# tests/run-integration.sh counts, and wait_for, a polling helper (no fixed sleeps).
#
#   . "$(dirname "$0")/lib.sh"
#   redis_start [redis-server args...]  # exports REDIS_PORT REDIS_URL REDIS_SOCK REDIS_DIR
#                                       # REDIS_PID; stops the server and removes the dir on exit
#   rcli GET k                          # redis-cli against that server
#   ok "name"; notok "name" "why"       # result lines
#   wait_for 'rcli exists k | grep -q 1' 5 || notok ...
#   redis_restart                       # stop, then start again: same port, dir, AOF and args
#   wr_done                             # last line of a test: exit status from the results
#
# The runner executes every tests/integration/*.sh, this file included: run directly, it does
# nothing and succeeds.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

WR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
WARROOM=${WARROOM:-$WR_ROOT/build/warroom}
WR_LIB=$WR_ROOT/tests/integration/lib.sh
WR_FAILED=${WR_FAILED:-0}
WR_CLEANUP=${WR_CLEANUP:-}

ok() {
    echo "ok $1"
}

notok() {
    local name=$1
    shift
    echo "not ok $name: ${*:-failed}"
    WR_FAILED=$((WR_FAILED + 1))
}

# check NAME CMD...: runs CMD and prints ok or not ok for it.
check() {
    local name=$1
    shift
    if "$@"; then ok "$name"; else notok "$name" "command failed: $*"; fi
}

# Exit status for the end of a test script: 1 if any notok was printed.
wr_done() {
    [ "$WR_FAILED" -eq 0 ]
    exit $?
}

# wait_for CMD TIMEOUT_S: evaluates CMD every 50 ms until it succeeds (returns 0) or TIMEOUT_S
# seconds pass (returns 1). TIMEOUT_S may be fractional.
# Every timeout is multiplied by WR_TIMEOUT_SCALE (default 3): the limits were tuned on a quiet
# machine, and a loaded one (CI, sanitizers) must not turn slowness into failures. Success
# returns at once, so a larger limit only lengthens a run that fails anyway.
wait_for() {
    local cmd=$1 timeout=${2:-5}
    # milliseconds through awk ("%.0f": mawk's "%d" stops at 2^31-1, i.e. 2.1 s in ns)
    local end=$(($(date +%s%3N) + $(awk -v t="$timeout" -v k="${WR_TIMEOUT_SCALE:-3}" \
        'BEGIN { printf "%.0f", t * k * 1000 }')))
    while :; do
        eval "$cmd" >/dev/null 2>&1 && return 0
        [ "$(date +%s%3N)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# Runs CMD at exit, before the server is stopped (for a test's own cleanup).
wr_defer() {
    WR_CLEANUP="$WR_CLEANUP
$1"
}

# A TCP port on 127.0.0.1 that nothing listens on right now (random, 20000-59999).
free_port() {
    local p i
    for i in $(seq 1 100); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

rcli() {
    redis-cli -p "$REDIS_PORT" --no-auth-warning ${REDIS_PASSWORD:+-a "$REDIS_PASSWORD"} "$@"
}

redis_pid() {
    cat "$REDIS_DIR/redis.pid" 2>/dev/null
}

# Whether process $1 is alive. A zombie counts as gone: in a container nobody may reap the
# daemonized server.
pid_alive() {
    [ -r "/proc/$1/stat" ] || return 1
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# Starts redis-server with the exported settings and waits until it answers PING.
redis_relaunch() {
    # the server must not inherit the test's descriptors (a pipe it held open would keep a
    # client that reads it from ever seeing end of input): close them in a subshell first
    # shellcheck disable=SC2086 # REDIS_ARGS is a word list by design
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        exec redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" \
            --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
            --appendonly yes --save '' --daemonize yes \
            --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
            $REDIS_ARGS >/dev/null
    ) || return 1
    wait_for 'rcli ping | grep -q PONG' 10 || return 1
    wait_for '[ -s "$REDIS_DIR/redis.pid" ]' 5 || return 1
    REDIS_PID=$(redis_pid)
    export REDIS_PID
}

# Stops the server gracefully (SIGTERM: Redis writes the AOF and exits), waking it first in case
# a test left it stopped, and waits until the process is gone.
redis_stop() {
    local pid
    pid=$(redis_pid)
    [ -n "$pid" ] || return 0
    kill -CONT "$pid" 2>/dev/null
    kill -TERM "$pid" 2>/dev/null || return 0
    if ! wait_for "! pid_alive $pid" 10; then
        kill -KILL "$pid" 2>/dev/null
        wait_for "! pid_alive $pid" 5
    fi
    rm -f "$REDIS_DIR/redis.pid"
}

redis_restart() {
    redis_stop && redis_relaunch
}

_wr_exit() {
    local rc=$?
    eval "$WR_CLEANUP"
    if [ -n "${REDIS_DIR:-}" ] && [ -d "$REDIS_DIR" ]; then
        redis_stop
        rm -rf "$REDIS_DIR"
    fi
    exit "$rc"
}

# redis_start [ARGS...]: a fresh server in a new temp dir, on a free port and on a unix socket.
# ARGS go to redis-server as they are (and again on redis_restart). Exports REDIS_PORT,
# REDIS_URL (TCP), REDIS_SOCK, REDIS_DIR, REDIS_PID, REDIS_ARGS. Returns 1 if it cannot start.
redis_start() {
    REDIS_ARGS="$*"
    REDIS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wr-test.XXXXXX") || return 1
    REDIS_SOCK=$REDIS_DIR/redis.sock
    export REDIS_DIR REDIS_SOCK REDIS_ARGS
    trap _wr_exit EXIT
    trap 'exit 130' INT TERM
    local try
    for try in 1 2 3 4 5; do
        REDIS_PORT=$(free_port) || return 1
        export REDIS_PORT
        REDIS_URL=redis://127.0.0.1:$REDIS_PORT
        export REDIS_URL
        redis_relaunch && return 0
        redis_stop # lost a race for the port: try another
    done
    echo "redis_start: cannot start redis-server; log:" >&2
    tail -5 "$REDIS_DIR/redis.log" >&2
    return 1
}

# ---- Redis Cluster -----------------------------------------------------------------------------
# cluster_start [N]: N (default 3) redis-server --cluster-enabled yes masters on free ports in a
# new temp dir (AOF with fsync always, so a node killed with -9 and relaunched keeps every write
# it acknowledged), joined with redis-cli --cluster create, waited for until cluster_state:ok.
# Exports CLUSTER_DIR, CLUSTER_PORTS (space separated) and CLUSTER_URL (the first node). Every
# node is stopped and the dir removed on exit. Returns 1 if it cannot start.
cluster_node_launch() {
    local p=$1
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] && eval "exec $fd>&-" 2>/dev/null
        done
        cd "$CLUSTER_DIR/$p" || exit 1
        exec redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
            --unixsocket "$CLUSTER_DIR/$p/redis.sock" --unixsocketperm 700 \
            --cluster-config-file nodes.conf --cluster-node-timeout 5000 --dir "$CLUSTER_DIR/$p" \
            --appendonly yes --appendfsync always --save '' --daemonize yes \
            --pidfile "$CLUSTER_DIR/$p/redis.pid" --logfile "$CLUSTER_DIR/$p/redis.log" >/dev/null
    ) || return 1
    # a bus port taken meanwhile makes it abort: notice that at once rather than time out
    wait_for "redis-cli -p $p ping | grep -q PONG || grep -q aborting '$CLUSTER_DIR/$p/redis.log'" 10
    redis-cli -p "$p" ping | grep -q PONG
}

cluster_node_kill() {
    local pid
    pid=$(cat "$CLUSTER_DIR/$1/redis.pid" 2>/dev/null)
    [ -n "$pid" ] || return 0
    kill -"${2:-TERM}" "$pid" 2>/dev/null
    wait_for "! pid_alive $pid" 10
    rm -f "$CLUSTER_DIR/$1/redis.pid"
}

_cluster_stop_all() {
    local p
    for p in $CLUSTER_PORTS; do cluster_node_kill "$p" TERM; done
    rm -rf "$CLUSTER_DIR"
}

cluster_ok() {
    local p
    for p in $CLUSTER_PORTS; do
        redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || return 1
    done
}

# A free port P whose cluster bus port P+10000 is free too (and at most 65535). Both below the
# kernel's ephemeral range when it leaves room (P in 20000 .. start-10001): a client's outgoing
# connection then cannot take the bus port between this check and the node's bind.
cluster_free_port() {
    local p i lo=20000 span=0 eph
    eph=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null)
    [ -n "$eph" ] && [ "$eph" -gt 30001 ] 2>/dev/null && span=$((eph - 10000 - lo))
    for i in $(seq 1 50); do
        if [ "$span" -gt 100 ]; then
            p=$((lo + (RANDOM * 32768 + RANDOM) % span))
            (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
        else
            p=$(free_port) || return 1
        fi
        [ "$p" -le 55535 ] || continue
        (exec 3<>"/dev/tcp/127.0.0.1/$((p + 10000))") 2>/dev/null && continue
        echo "$p"
        return 0
    done
    return 1
}

cluster_start() {
    local n=${1:-3} i p addrs=""
    CLUSTER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/wr-cluster.XXXXXX") || return 1
    CLUSTER_PORTS=""
    export CLUSTER_DIR
    trap _wr_exit EXIT
    trap 'exit 130' INT TERM
    wr_defer _cluster_stop_all
    local try
    for i in $(seq 1 "$n"); do
        for try in 1 2 3 4 5; do # a port can be taken between the check and the bind
            p=$(cluster_free_port) || return 1
            mkdir -p "$CLUSTER_DIR/$p"
            cluster_node_launch "$p" && break
            echo "cluster_start: redis-server on port $p did not start:" >&2
            tail -2 "$CLUSTER_DIR/$p/redis.log" >&2
            cluster_node_kill "$p" KILL
            rm -rf "${CLUSTER_DIR:?}/$p"
            [ "$try" = 5 ] && return 1
        done
        CLUSTER_PORTS="$CLUSTER_PORTS $p"
        addrs="$addrs 127.0.0.1:$p"
    done
    CLUSTER_PORTS=${CLUSTER_PORTS# }
    export CLUSTER_PORTS
    CLUSTER_URL=redis://127.0.0.1:${CLUSTER_PORTS%% *}
    export CLUSTER_URL
    # shellcheck disable=SC2086 # addrs is a word list
    if ! redis-cli --cluster create $addrs --cluster-replicas 0 --cluster-yes \
        >"$CLUSTER_DIR/create.log" 2>&1 || ! wait_for cluster_ok 20; then
        echo "cluster_start: the cluster did not form; create log and cluster state:" >&2
        tail -5 "$CLUSTER_DIR/create.log" >&2
        for p in $CLUSTER_PORTS; do redis-cli -p "$p" cluster info 2>&1 | head -1 >&2; done
        return 1
    fi
}

# cluster_owner KEY: the port of the master that owns KEY's slot (the one that does not answer
# MOVED).
cluster_owner() {
    local p
    for p in $CLUSTER_PORTS; do
        redis-cli -p "$p" exists "$1" 2>&1 | grep -q MOVED || { echo "$p"; return 0; }
    done
    return 1
}
