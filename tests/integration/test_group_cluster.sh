#!/usr/bin/env bash
# test_group_cluster.sh — scale-out mode on a 3-master Redis Cluster (issue 13): two
# `worker --group` processes seeded at different masters share the partitions, whose keys (the
# stream, the lease, the checkpoint, the rollup tiers: one {pI} hash tag) live on three masters;
# gen writes through a third; one worker is killed with -9 mid-run. The 1s rollups then hold every
# event exactly once (counts and per-series count/sum/min/max against the raw events).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
CHECK="python3 $WR_ROOT/tests/tools/rollcheck.py"

cluster_start 3 || { notok cluster_start "cannot start a 3-master cluster"; wr_done; }
T=$CLUSTER_DIR
read -r P1 P2 P3 <<<"$CLUSTER_PORTS"
U1=redis://127.0.0.1:$P1 U2=redis://127.0.0.1:$P2 U3=redis://127.0.0.1:$P3

tfield() { $CHECK 127.0.0.1 "$P1" wr 8 totals | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
owned() { grep -o " partitions=[0-9,-]*" "$T/$1.out" | tail -1 | cut -d= -f2; }

N=20000
"$W" gen --redis "$U3" --rate 2000 --series 40 --count $N >"$T/gen.out" 2>&1 &
GEN=$!
wr_defer "kill $GEN 2>/dev/null"
"$W" worker --redis "$U1" --group --id c1 --lease 2s --raw --interval 200ms >"$T/c1.out" 2>&1 &
C1=$!
"$W" worker --redis "$U2" --group --id c2 --lease 2s --raw --interval 200ms >"$T/c2.out" 2>&1 &
C2=$!
wr_defer "kill $C1 $C2 2>/dev/null"
both() {
    local o
    o=$( (owned c1; owned c2) | tr ',' '\n' | grep -v -- - | sort -n | tr '\n' ' ')
    [ "$o" = "0 1 2 3 4 5 6 7 " ] && [ "$(owned c1)" != - ] && [ "$(owned c2)" != - ]
}
wait_for both 20 && ok "cluster: two workers share the 8 partitions" ||
    notok "cluster share" "c1=$(owned c1) c2=$(owned c2)"
held=0
for p in $CLUSTER_PORTS; do
    [ -n "$(redis-cli -p "$p" --scan --pattern 'wr:ckpt:*' | head -1)" ] && held=$((held + 1))
done
[ "$held" -ge 2 ] && ok "checkpoints live on $held masters (keys follow their partition's slot)" ||
    notok "spread" "checkpoints on $held masters"
sleep 2
{ kill -9 "$C2" && wait "$C2"; } 2>/dev/null
wait_for '[ "$(owned c1)" = "0,1,2,3,4,5,6,7" ]' 20 && ok "cluster: kill -9, the other takes over" ||
    notok "cluster takeover" "c1=$(owned c1)"
wait $GEN
wait_for '[ "$(tfield 1s)" = "$(tfield raw)" ]' 30
[ "$(tfield 1s)" = "$(tfield raw)" ] && [ "$(tfield raw)" -ge $N ] &&
    ok "cluster: exact rollup counts ($(tfield raw) events)" ||
    notok "cluster exact" "$($CHECK 127.0.0.1 "$P1" wr 8 totals)"
out=$($CHECK 127.0.0.1 "$P1" wr 8 compare)
[ $? = 0 ] && ok "cluster: per series = brute force ($out)" || notok "cluster brute force" "$out"
grep -E "  error: |  partition [0-9]+: " "$T/c1.out" && notok "no refusals" "$(grep -E "  error: |  partition [0-9]+: " "$T/c1.out" | head -3)"
wr_done
