#!/usr/bin/env bash
# test_tui_readonly.sh — the interface without producers only reads (issue 9.6): it opens on
# live data for a read-only ACL user and on a Redis full at maxmemory with noeviction, and never
# creates NS:meta.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
"$WARROOM" send --redis "$REDIS_URL" tuiro_metric 1 >/dev/null || notok send "event"

# tui_open_exit URL ARGS...: the interface in the pane, its exit code printed after it.
tui_open_exit() {
    local url=$1
    shift
    tui_shell 100 30
    tui_run "\"$WARROOM\" --redis '$url' $*; echo \"exit=\$?\""
}

# ---- a read-only ACL user ----------------------------------------------------------------------
rcli ACL SETUSER ro on '>pw' '~*' '&*' +@read +@connection +subscribe +psubscribe -@write \
    >/dev/null
tui_open_exit "redis://ro:pw@127.0.0.1:$REDIS_PORT"
if tui_wait "tuiro_metric" 10 && tui_wait " live " 10; then
    ok "read-only user: the interface opens on live data"
else
    tui_dump ro; notok "ro interface"
fi
tui_keys q
tui_wait "exit=0" 5 && ok "read-only user: q exits 0" || { tui_dump ro-exit; notok "ro exit"; }

# ---- an unused namespace: nothing is written ------------------------------------------------------
tui_open_exit "$REDIS_URL" --ns fresh
tui_wait "No series yet: waiting for events on fresh:ev:" 10 ||
    { tui_dump fresh; notok "fresh namespace shown"; }
tui_keys q
tui_wait "exit=0" 5
[ "$(rcli EXISTS fresh:meta)" = 0 ] && ok "an unused namespace: the interface writes no meta" ||
    notok "fresh meta" "fresh:meta was created"

# ---- a Redis full at maxmemory with noeviction -----------------------------------------------------
rcli CONFIG SET maxmemory-policy noeviction >/dev/null
rcli CONFIG SET maxmemory 1mb >/dev/null
payload=$(head -c 10000 /dev/zero | tr '\0' x)
for i in $(seq 1 500); do
    rcli SET "fill:$i" "$payload" 2>&1 | grep -q OOM && break
done
rcli SET probe x 2>&1 | grep -q OOM || notok "fill" "writes still accepted"
tui_open_exit "$REDIS_URL"
if tui_wait "tuiro_metric" 10 && tui_wait " live " 10; then
    ok "full Redis: the interface opens on live data"
else
    tui_dump oom; notok "oom interface"
fi
tui_keys q
tui_wait "exit=0" 5 && ok "full Redis: q exits 0" || { tui_dump oom-exit; notok "oom exit"; }

wr_done
