#!/usr/bin/env bash
# test_rconn.sh — the Redis connection layer (app/rconn, app/redisaddr, app/localredis) against
# a private redis-server: runs each scenario of rconn_test in its own process, so that a crash
# in one shows up as a failure of that scenario and the others still run.
# The binary comes from `make $(BUILD)/tests/rconn_test` (RCONN_TEST overrides its path).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

bin=${RCONN_TEST:-$(dirname "$WARROOM")/tests/rconn_test}
if [ ! -x "$bin" ]; then
    notok rconn_test_built "$bin is missing: run 'make $(dirname "$WARROOM")/tests/rconn_test'"
    wr_done
fi
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

RCONN_CLOSED_PORT=$(free_port)
RCONN_STOP_CMD="bash -c \". '$WR_LIB'; redis_stop\""
RCONN_START_CMD="bash -c \". '$WR_LIB'; redis_relaunch\""
export RCONN_CLOSED_PORT RCONN_STOP_CMD RCONN_START_CMD

# run SCENARIO: passes the scenario's ok/not ok lines through; a crash or a non-zero exit
# without a "not ok" line is a failure too.
run() {
    local out rc
    out=$(${RCONN_WRAP:-} "$bin" "$1" 2>"$REDIS_DIR/$1.err")
    rc=$?
    printf '%s\n' "$out"
    WR_FAILED=$((WR_FAILED + $(printf '%s\n' "$out" | grep -c '^not ok ')))
    if [ "$rc" -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^not ok '; then
        notok "$1" "rconn_test exited with status $rc: $(tail -3 "$REDIS_DIR/$1.err" | tr '\n' ' ')"
    fi
}

for s in pure basic unix unreachable blocking pubsub timeout close restart; do
    run "$s"
done
run auth # last: it changes the server's password (and restores it)

# localredis: private dirs under the test's temp dir; the announcement goes to stderr.
export XDG_RUNTIME_DIR=$REDIS_DIR/xdg-run XDG_STATE_HOME=$REDIS_DIR/xdg-state
mkdir -p "$XDG_RUNTIME_DIR"
wr_defer "XDG_RUNTIME_DIR='$XDG_RUNTIME_DIR' XDG_STATE_HOME='$XDG_STATE_HOME' \
    redis-cli -s '$XDG_RUNTIME_DIR/warroom/redis.sock' shutdown nosave >/dev/null 2>&1"
run localredis
want="warroom: started a private redis-server at unix://$XDG_RUNTIME_DIR/warroom/redis.sock;"
want="$want stop it with 'warroom server stop'"
if grep -qxF "$want" "$REDIS_DIR/localredis.err"; then
    ok local_announces_on_stderr
else
    notok local_announces_on_stderr "stderr was: $(head -3 "$REDIS_DIR/localredis.err")"
fi

wr_done
