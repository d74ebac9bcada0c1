#!/usr/bin/env bash
# test_group_sentinel.sh — scale-out mode behind Sentinel (issue 13): two `worker --group`
# processes and gen reach the master through the sentinels; the master is killed with -9 mid-run
# and the sentinels promote the replica. The workers follow the failover and, once gen is done,
# the new master's 1s rollups hold exactly the events its partition streams hold (replication
# carries a commit's rollups, checkpoint and acks in one piece: whatever prefix the replica had,
# its rollups and its streams agree), per series against a brute-force pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_sentinel.sh"
W=$WARROOM
CHECK="python3 $WR_ROOT/tests/tools/rollcheck.py"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
sentinel_setup || { notok sentinel_setup "cannot start the replica and sentinels"; wr_done; }
T=$REDIS_DIR
OLD=$REDIS_PORT
NEW=$REPLICA_PORT
export REDIS_URL=$SENT_URL
tfield() { $CHECK 127.0.0.1 "$NEW" wr 8 totals | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
owned() { grep -o " partitions=[0-9,-]*" "$T/$1.out" | tail -1 | cut -d= -f2; }

"$W" gen --rate 2000 --series 30 --count 24000 --give-up 60s >"$T/gen.out" 2>&1 &
GEN=$!
wr_defer "kill $GEN 2>/dev/null"
for w in s1 s2; do
    "$W" worker --group --id $w --lease 2s --raw --interval 200ms >"$T/$w.out" 2>&1 &
    wr_defer "kill $! 2>/dev/null"
done
wait_for '[ "$(owned s1)" != - ] && [ -n "$(owned s1)" ] && [ "$(owned s2)" != - ] && [ -n "$(owned s2)" ]' 20 &&
    ok "sentinel: two workers share the partitions" || notok "share" "s1=$(owned s1) s2=$(owned s2)"
wait_for '[ "$(grep -o " periods=[0-9]*" "$T/s1.out" | tail -1 | cut -d= -f2)" -gt 10 ]' 20
kill -9 "$(redis_pid)"
sentinel_wait_failover "$OLD" 30 && ok "the sentinels promoted the replica" ||
    notok failover "$(tail -3 "$T/sentinel-1.log")"
wait $GEN
wait_for '[ "$(tfield 1s)" = "$(tfield raw)" ]' 40
[ "$(tfield 1s)" = "$(tfield raw)" ] && [ "$(tfield raw)" -gt 0 ] &&
    ok "after the failover: rollups = the new master's streams ($(tfield raw) events)" ||
    notok "exact after failover" "$($CHECK 127.0.0.1 "$NEW" wr 8 totals)"
out=$($CHECK 127.0.0.1 "$NEW" wr 8 compare)
[ $? = 0 ] && ok "per series = brute force ($out)" || notok "brute force" "$out"
wr_done
