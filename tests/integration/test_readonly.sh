#!/usr/bin/env bash
# test_readonly.sh — read paths only read (issue 9.6): `query`, `worker` (without rules) and
# `alerts` start and answer for a read-only ACL user and on a Redis full at maxmemory with
# noeviction; they never create NS:meta (a namespace nobody wrote is reported as empty); the
# commands that do write say "writing" when the write is refused.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

for v in 1 2 3; do
    "$WARROOM" send ro_metric "$v" k=v >/dev/null || notok send "event $v"
done

# expect_events FILE N: the JSON of `query --json` in FILE counts N events, none unreadable.
expect_events() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == int(sys.argv[2]) and d["unreadable"] == [], d' "$1" "$2"
}

# ---- readers never create the namespace's meta ---------------------------------------------------
"$WARROOM" query --ns fresh >"$T/f.out" 2>"$T/f.err"
rc=$?
if [ "$rc" = 0 ] && [ "$(rcli EXISTS fresh:meta)" = 0 ] &&
    grep -qF "nothing in namespace 'fresh' yet (no producer has written fresh:meta)" "$T/f.err"; then
    ok "query on an unused namespace: exit 0, says nothing is there yet, writes no meta"
else
    notok "query fresh" "rc=$rc exists=$(rcli EXISTS fresh:meta) $(cat "$T/f.err")"
fi
"$WARROOM" worker --ns fresh --exit-after-replay >"$T/fw.out" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(rcli EXISTS fresh:meta)" = 0 ] &&
    grep -qF "worker: nothing in namespace fresh yet" "$T/fw.out"; then
    ok "worker on an unused namespace: runs, says nothing is there yet, writes no meta"
else
    notok "worker fresh" "rc=$rc exists=$(rcli EXISTS fresh:meta) $(cat "$T/fw.out")"
fi

# ---- a read-only ACL user --------------------------------------------------------------------------
rcli ACL SETUSER ro on '>pw' '~*' '&*' +@read +@connection +subscribe +psubscribe -@write \
    >/dev/null
RO=redis://ro:pw@127.0.0.1:$REDIS_PORT
[ "$(redis-cli -u "$RO" --no-auth-warning SET probe x 2>&1 | grep -c NOPERM)" = 1 ] ||
    notok "ro user" "the read-only user can write"

"$WARROOM" query --redis "$RO" --json >"$T/ro.json" 2>"$T/ro.err"
rc=$?
if [ "$rc" = 0 ] && expect_events "$T/ro.json" 3; then
    ok "read-only user: query starts and reads every event"
else
    notok "ro query" "rc=$rc $(cat "$T/ro.json" "$T/ro.err")"
fi
"$WARROOM" worker --redis "$RO" --exit-after-replay >"$T/ro.w" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^totals: .* events=3 ' "$T/ro.w"; then
    ok "read-only user: worker starts, replays and counts every event"
else
    notok "ro worker" "rc=$rc $(cat "$T/ro.w")"
fi
"$WARROOM" alerts --redis "$RO" >"$T/ro.a" 2>&1
rc=$?
[ "$rc" = 0 ] && ok "read-only user: alerts (list) starts" || notok "ro alerts" "rc=$rc $(cat "$T/ro.a")"
"$WARROOM" send --redis "$RO" ro_metric 4 >/dev/null 2>"$T/ro.send"
rc=$?
# (wr:meta exists: a producer only reads it, so the refusal comes with the event's XADD)
if [ "$rc" != 0 ] && grep -qF "Redis refused the event: NOPERM" "$T/ro.send"; then
    ok "read-only user: send is refused and says it was writing"
else
    notok "ro send" "rc=$rc $(cat "$T/ro.send")"
fi

"$WARROOM" send --redis "$RO" --ns fresh2 ro_metric 4 >/dev/null 2>"$T/ro.meta"
rc=$?
if [ "$rc" != 0 ] && grep -qF "writing fresh2:meta: NOPERM" "$T/ro.meta"; then
    ok "read-only user: send to a new namespace is refused and says it was writing its meta"
else
    notok "ro meta" "rc=$rc $(cat "$T/ro.meta")"
fi

# ---- a Redis full at maxmemory with noeviction -----------------------------------------------------
rcli CONFIG SET maxmemory-policy noeviction >/dev/null
rcli CONFIG SET maxmemory 1mb >/dev/null
payload=$(head -c 10000 /dev/zero | tr '\0' x)
for i in $(seq 1 500); do
    rcli SET "fill:$i" "$payload" 2>&1 | grep -q OOM && break
done
if rcli SET probe x 2>&1 | grep -q OOM; then
    ok "Redis is full: writes are refused with OOM"
else
    notok "fill" "writes still accepted"
fi
"$WARROOM" query --json >"$T/oom.json" 2>"$T/oom.err"
rc=$?
if [ "$rc" = 0 ] && expect_events "$T/oom.json" 3; then
    ok "full Redis: query starts and reads every event"
else
    notok "oom query" "rc=$rc $(cat "$T/oom.json" "$T/oom.err")"
fi
"$WARROOM" worker --exit-after-replay >"$T/oom.w" 2>&1
rc=$?
if [ "$rc" = 0 ] && grep -q '^totals: .* events=3 ' "$T/oom.w"; then
    ok "full Redis: worker starts, replays and counts every event"
else
    notok "oom worker" "rc=$rc $(cat "$T/oom.w")"
fi
"$WARROOM" send --ns fresh2 ro_metric 5 >/dev/null 2>"$T/oom.meta"
rc=$?
if [ "$rc" != 0 ] && grep -qF "writing fresh2:meta: OOM" "$T/oom.meta"; then
    ok "full Redis: send to a new namespace is refused and says it was writing its meta"
else
    notok "oom meta" "rc=$rc $(cat "$T/oom.meta")"
fi
"$WARROOM" send ro_metric 5 >/dev/null 2>"$T/oom.send"
rc=$?
if [ "$rc" != 0 ] && grep -qF "Redis refused the event: OOM" "$T/oom.send"; then
    ok "full Redis: send is refused and says it was writing"
else
    notok "oom send" "rc=$rc $(cat "$T/oom.send")"
fi

wr_done
