#!/usr/bin/env bash
# test_tui_unreachable.sh — an unreachable Redis or a wrong password never looks like an empty
# system (issue 9.7): the main area says what failed and what to check, q then exits 4 (never
# connected); once a server starts on that address the interface connects, shows live data, and
# exits 0.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
rcli CONFIG SET requirepass s3cret >/dev/null
export REDIS_PASSWORD=s3cret

# Runs the interface in the pane and prints its exit code after it, as "exit=N".
tui_run_exit() {
    tui_shell 100 30
    tui_run "\"$WARROOM\" --redis '$1'; echo \"exit=\$?\""
}

# ---- nothing listens on the port ------------------------------------------------------------------
# Below the ephemeral range (32768-60999 by default), so that the interface's own connection
# attempts can never take the port (a TCP self-connect) before the server below binds it.
port=$(free_port)
while [ "$port" -ge 32768 ]; do port=$(free_port); done
tui_run_exit "redis://127.0.0.1:$port"
if tui_wait "Cannot reach Redis at redis://127.0.0.1:$port" 15 && tui_wait "connection refused" 5 &&
    tui_wait "is redis-server running there? check --redis or REDIS_URL" 5 &&
    ! tui_cap | grep -qF "No series yet"; then
    ok "connection refused: the main area names the address, the failure and what to check"
else
    tui_dump refused; notok "connection refused shown"
fi
tui_keys q
if tui_wait "exit=4" 5; then
    ok "q without ever reaching Redis exits 4"
else
    tui_dump refused-exit; notok "exit 4 after refused"
fi
tui_cap | grep -qF "warroom: never reached Redis at redis://127.0.0.1:$port: connection refused" &&
    ok "and says so on stderr once the screen is gone" ||
    { tui_dump refused-stderr; notok "stderr after refused"; }

# ---- a wrong password -----------------------------------------------------------------------------
tui_run_exit "redis://:wrong@127.0.0.1:$REDIS_PORT"
if tui_wait "Redis at redis://127.0.0.1:$REDIS_PORT refused the connection" 15 &&
    tui_wait "WRONGPASS" 5 && tui_wait "check the user and password in --redis or REDIS_URL" 5 &&
    ! tui_cap | grep -qF "No series yet" && ! tui_cap | grep -qF "wrong@"; then
    ok "wrong password: the main area says the credentials were refused, never the password"
else
    tui_dump auth; notok "auth failure shown"
fi
tui_keys q
tui_wait "exit=4" 5 && ok "q after a refused password exits 4" ||
    { tui_dump auth-exit; notok "exit 4 after auth failure"; }

# ---- down at start, then up: connects, shows live data, exits 0 ------------------------------------
dir=$REDIS_DIR/late
mkdir -p "$dir"
wr_defer "redis-cli -p $port shutdown nosave >/dev/null 2>&1"
tui_run_exit "redis://127.0.0.1:$port"
tui_wait "Cannot reach Redis at redis://127.0.0.1:$port" 15 || { tui_dump late-down; notok "late: down"; }
redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
wait_for "redis-cli -p $port ping | grep -q PONG" 10 ||
    notok "late redis" "did not start: $(tail -3 "$dir/redis.log" 2>/dev/null)"
"$WARROOM" send --redis "redis://127.0.0.1:$port" unreach_late 3 >/dev/null || notok send late
if tui_wait " live " 20 && tui_wait "unreach_late" 15 && tui_gone "Cannot reach Redis" 5; then
    ok "Redis started on that port: the interface connects and shows live data"
else
    tui_dump late; notok "late start"
fi
tui_keys q
tui_wait "exit=0" 5 && ok "q after it connected exits 0" || { tui_dump late-exit; notok "exit 0"; }

wr_done
