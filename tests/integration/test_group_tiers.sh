#!/usr/bin/env bash
# test_group_tiers.sh — the 1m rollup tier (issue 13): three minutes of events stamped in the
# past (in time order, so none is late) are folded by a group worker into 1s periods, and every
# complete minute into one 1m entry per partition; the 1m tier then holds exactly what the 1s tier
# and the raw events hold (counts and per-series count/sum/min/max). The 1h tier is the same code
# one level up (grouptier.c). Also: the 1s tier is trimmed by age (--keep-1s).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
W=$WARROOM
CHECK="python3 $WR_ROOT/tests/tools/rollcheck.py"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR
tfield() { $CHECK 127.0.0.1 "$REDIS_PORT" wr 8 totals | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

rcli HSET wr:meta version 2 partitions 8 >/dev/null
python3 - >"$T/cmds" <<'PY'
import random, time
now = int(time.time() * 1000)
start = (now // 60000) * 60000 - 480000
random.seed(7)
for i in range(12000):
    print("XADD wr:ev:{p%d} * metric lat value %.3f labels svc=s%d ts %d"
          % (i % 8, random.random() * 100, i % 6, start + i * 15))
PY
rcli --pipe <"$T/cmds" >/dev/null || notok load "redis-cli --pipe failed"
"$W" worker --group --lease 2s --keep-1s 5m --raw --interval 200ms >"$T/w.out" 2>&1 &
WP=$!
wr_defer "kill $WP 2>/dev/null"
wait_for '[ "$(tfield ckpt_events)" = 12000 ]' 30 && ok "checkpoints: 12000 events folded" || notok "folded" "$(tfield ckpt_events)"
wait_for '[ "$(tfield 1m)" = 12000 ]' 30 && ok "1m tier: every complete minute derived (12000)" ||
    notok "1m tier" "1m=$(tfield 1m); $(for i in 0 1 2 3 4 5 6 7; do printf '%s/%s ' "$(rcli XLEN "wr:roll:1m:{p$i}")" "$(rcli XLEN "wr:roll:1s:{p$i}")"; done); $(grep -v 'owned=' "$T/w.out" | tail -5)"
out=$($CHECK 127.0.0.1 "$REDIS_PORT" wr 8 compare 1m)
[ $? = 0 ] && ok "1m tier per series = brute force ($out)" || notok "1m brute force" "$out"
n=$(rcli XLEN "wr:roll:1m:{p0}")
[ "$n" -ge 3 ] && [ "$n" -le 5 ] && ok "one 1m entry per minute ($n in p0)" || notok "1m entries" "$n"
id=$(rcli XRANGE "wr:roll:1m:{p0}" - + COUNT 1 | head -1)
[ $(( ${id%-*} % 60000 )) = 0 ] && ok "1m entry ID = its minute's start ($id)" || notok "1m id" "$id"
# an instant query over whole minutes reads them from the 1m tier (the 1s tier is trimmed by
# now): still every event, and the same numbers as embedded mode on the raw events
q() { "$W" query 'p99(lat) by (svc)' --window 10m --json 2>/dev/null; }
q >"$T/q.group"
rcli HSET wr:meta mode embedded >/dev/null
q >"$T/q.embedded"
rcli HSET wr:meta mode group >/dev/null
python3 - "$T/q.group" "$T/q.embedded" >"$T/q.cmp" 2>&1 <<'PY'
import json, sys
g, e = ({r["key"]: r for r in json.load(open(f))["rows"]} for f in sys.argv[1:3])
assert g.keys() == e.keys() and len(g) == 6, (sorted(g), sorted(e))
assert sum(r["count"] for r in g.values()) == 12000, [r["count"] for r in g.values()]
for k in g:
    assert g[k]["count"] == e[k]["count"], (k, g[k], e[k])
    assert abs(g[k]["p99"] - e[k]["p99"]) <= 0.01 * abs(e[k]["p99"]), (k, g[k], e[k])
print("6 groups, 12000 events")
PY
[ $? = 0 ] && ok "query over whole minutes (1m tier) = embedded mode ($(cat "$T/q.cmp"))" ||
    notok "1m query" "$(cat "$T/q.cmp")"

# the interface's start-up (the embedded worker: the same reader) takes the window's older whole
# minutes from the 1m tier: every event, although the 1s tier has been trimmed to 5 minutes
wait_for '[ "$(rcli XLEN "wr:roll:1s:{p0}")" -lt 180 ]' 20
"$W" worker --exit-after-replay --raw >"$T/start.out" 2>&1
ev=$(grep -o "^totals: .* events=[0-9]*" "$T/start.out" | grep -o "events=[0-9]*$" | cut -d= -f2)
[ "$ev" = 12000 ] && ok "start-up from rollups: the 1m tier's minutes, every event ($ev)" ||
    notok "start-up 1m" "$(tail -2 "$T/start.out")"
# read partition by partition and series by series, the history counts no late event (the
# workers wrote none): the order of reading is not event time
late=$(grep -o "^totals: .* late=[0-9]*" "$T/start.out" | grep -o "late=[0-9]*$" | cut -d= -f2)
[ "$late" = 0 ] && ok "start-up from rollups counts no event late ($late)" ||
    notok "start-up late" "$(tail -2 "$T/start.out")"

# --keep-1s 5m: the 1s tier is trimmed by age (MINID ~: whole stream nodes of 100 entries)
n=$(rcli XLEN "wr:roll:1s:{p0}")
[ "$n" -lt 180 ] && ok "1s tier trimmed by age (--keep-1s 5m: $n of 180 entries left in p0)" ||
    notok "trim" "$n entries in p0"
"$W" worker --group --keep-1s 2m >/dev/null 2>"$T/bad2.err"
[ $? = 2 ] && grep -q "keep-1s must be at least 5m" "$T/bad2.err" && ok "--keep-1s under 5m: usage error" ||
    notok "keep-1s min" "$(cat "$T/bad2.err")"
"$W" worker --group --keep-1m soon >/dev/null 2>"$T/bad.err"
[ $? = 2 ] && grep -q "keep-1m needs a duration" "$T/bad.err" && ok "bad --keep-1m: usage error" ||
    notok "bad keep" "$(cat "$T/bad.err")"
# a partition with nothing new to commit still gets its minutes merged (by the heartbeat): a
# worker restarted on an idle namespace whose 1m tier is gone derives it again from the 1s tier
kill "$WP"
wait_for 'grep -q "^totals:" "$T/w.out"' 10
rcli HSET idle:meta version 2 partitions 8 >/dev/null
python3 - >"$T/cmds2" <<'PY'
import time
now = int(time.time() * 1000)
start = (now // 60000) * 60000 - 180000
for i in range(3000):
    print("XADD idle:ev:{p%d} * metric m value %d ts %d" % (i % 8, i, start + i * 30))
PY
rcli --pipe <"$T/cmds2" >/dev/null
idle1m() { $CHECK 127.0.0.1 "$REDIS_PORT" idle 8 totals | python3 -c "import json,sys; print(json.load(sys.stdin)['1m'])"; }
"$W" worker --ns idle --group --lease 2s --quiet >"$T/i1.out" 2>&1 &
I1=$!
wait_for '[ "$(idle1m)" = 3000 ]' 30 || notok "idle ns 1m" "$(idle1m)"
kill "$I1"
wait_for 'grep -q "^totals:" "$T/i1.out"' 10
for i in $(seq 0 7); do rcli DEL "idle:roll:1m:{p$i}" >/dev/null; done
"$W" worker --ns idle --group --lease 2s --quiet >"$T/i2.out" 2>&1 &
wr_defer "kill $! 2>/dev/null"
wait_for '[ "$(idle1m)" = 3000 ]' 30 && ok "idle partitions: minutes merged without new events (3000)" ||
    notok "idle derivation" "1m=$(idle1m)"
grep -E "  error: |  partition [0-9]+: " "$T/w.out" && notok "no refusals" "see above"
wr_done
