#!/usr/bin/env bash
# test_group.sh — scale-out mode (issue 13): three `worker --group` processes share the
# partitions while gen writes; one is killed with -9, one is stopped past its lease and
# continued (its late writes refused by the fencing token), Redis restarts mid-run (AOF on).
# After gen stops, the 1s rollups hold every event exactly once: counts equal what the streams
# hold, and per series count/sum/min/max equal a brute-force pass over the raw events
# (tests/tools/rollcheck.py reads the blobs independently). Then: a replayed checkpoint rewrites
# the same period IDs and Redis refuses them (counted, nothing doubled); a late event is counted,
# not folded; a hostile checkpoint is refused with a message, the rest keeps working.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
W=$WARROOM
P=8
CHECK="python3 $WR_ROOT/tests/tools/rollcheck.py"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

totals() { $CHECK 127.0.0.1 "$REDIS_PORT" wr $P totals; }
tfield() { totals | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
raw_field() { grep -o " $2=[0-9]*" "$T/$1.out" | tail -1 | cut -d= -f2; }
owned() { grep -o " partitions=[0-9,-]*" "$T/$1.out" | tail -1 | cut -d= -f2; }
start_worker() {
    "$W" worker --group --id "$1" --lease 2s --raw --interval 200ms >>"$T/$1.out" \
        2>>"$T/$1.err" &
    eval "PID_$1=$!"
    wr_defer "kill -CONT $! 2>/dev/null; kill $! 2>/dev/null"
}

N=45000
"$W" gen --rate 2500 --series 64 --count $N --give-up 60s >"$T/gen.out" 2>"$T/gen.err" &
GEN=$!
wr_defer "kill $GEN 2>/dev/null"
for w in w1 w2 w3; do start_worker $w; done

# every partition owned, by exactly one of the three, spread evenly (the first to start takes
# everything, then hands over as the others join)
spread() { for w in w1 w2 w3; do owned $w | tr ',' '\n' | grep -cv -- -; done | sort -n | tr '\n' ' '; }
all_owned() {
    local o
    o=$( (owned w1; owned w2; owned w3) | tr ',' '\n' | grep -v -- - | sort -n | tr '\n' ' ')
    [ "$o" = "0 1 2 3 4 5 6 7 " ] && [ "$(spread)" = "2 3 3 " ]
}
wait_for all_owned 20 && ok "3 workers: every partition owned by exactly one, spread 2/3/3" ||
    notok "ownership" "w1=$(owned w1) w2=$(owned w2) w3=$(owned w3)"
grep -q "mode" <(rcli HGETALL wr:meta) && [ "$(rcli HGET wr:meta mode)" = group ] &&
    ok "namespace marked: wr:meta mode group" || notok "meta mode" "$(rcli HGETALL wr:meta)"

# kill -9 one: the others take its partitions within the lease
wait_for '[ "$(raw_field w2 events)" -gt 1000 ]' 20
{ kill -9 "$PID_w2" && wait "$PID_w2"; } 2>/dev/null
two_owned() {
    local o
    o=$( (owned w1; owned w3) | tr ',' '\n' | grep -v -- - | sort -n | tr '\n' ' ')
    [ "$o" = "0 1 2 3 4 5 6 7 " ]
}
wait_for two_owned 20 && ok "kill -9: its partitions taken over by the other two" ||
    notok "takeover" "w1=$(owned w1) w3=$(owned w3)"

# SIGSTOP one past its lease, then SIGCONT: it finds its leases gone, its writes are refused
kill -STOP "$PID_w3"
one_owned() { [ "$(owned w1)" = "0,1,2,3,4,5,6,7" ]; }
wait_for one_owned 20 && ok "stopped worker: w1 took every partition after the lease" ||
    notok "takeover after SIGSTOP" "w1=$(owned w1)"
kill -CONT "$PID_w3"
wait_for 'grep -q "lost (token" "$T/w3.out"' 20 &&
    ok "continued worker: says its leases are lost (fenced)" ||
    notok "fenced" "$(tail -3 "$T/w3.out")"
wait_for '[ "$(raw_field w3 fenced)" -gt 0 ] || [ "$(raw_field w3 lost)" -gt 0 ]' 10 &&
    ok "continued worker counts the refusal" || notok "fenced count" "$(tail -1 "$T/w3.out")"

# Redis restart mid-run (AOF): gen and the workers reconnect
redis_restart || notok "redis restart" "cannot restart"
wait_for '[ "$(raw_field w1 events)" -gt 0 ] && grep -q "connection: up" "$T/w1.out"' 10
start_worker w4 # a new member joins: partitions rebalance to it
wait_for '[ -n "$(owned w4)" ] && [ "$(owned w4)" != - ]' 20 &&
    ok "a joining worker gets a share" || notok "join" "w4=$(owned w4)"

wait $GEN
grep -q "^gen: $N events accepted" "$T/gen.out" "$T/gen.err" || notok gen "$(tail -2 "$T/gen.err")"
RAW=$(tfield raw)
wait_for '[ "$(tfield 1s)" = "$RAW" ]' 30
TOT=$(totals)
[ "$(tfield 1s)" = "$RAW" ] && [ "$RAW" -ge $N ] &&
    ok "exact: 1s rollup counts = events in the streams ($RAW)" || notok "exact count" "$TOT"
[ "$(tfield ckpt_events)" = "$RAW" ] && [ "$(tfield ckpt_late)" = 0 ] &&
    ok "checkpoints count the same, nothing late" || notok "checkpoint counts" "$TOT"
out=$($CHECK 127.0.0.1 "$REDIS_PORT" wr $P compare)
[ $? = 0 ] && ok "per series count/sum/min/max = brute force ($out)" || notok "brute force" "$out"
for i in $(seq 0 $((P - 1))); do
    pend=$(rcli XPENDING "wr:ev:{p$i}" warroom | head -1)
    [ "$pend" = 0 ] || notok "acked p$i" "pending=$pend"
done
ok "every read entry acknowledged (XPENDING 0)"

# query in group mode (rollups) = query in embedded mode (raw events) on the same data
qjson() { "$W" query 'p99(latency_ms) by (service)' --window 30m --json 2>>"$T/q.err"; }
qcount() { "$W" query --window 30m --json 2>>"$T/q.err" |
    python3 -c 'import json,sys; print(sum(r["count"] for r in json.load(sys.stdin)["series"]))'; }
qjson >"$T/q.group"
[ "$(qcount)" = "$RAW" ] && ok "query in group mode counts every event ($RAW)" ||
    notok "query group count" "$(qcount) vs $RAW"
rcli HSET wr:meta mode embedded >/dev/null
qjson >"$T/q.embedded"
rcli HSET wr:meta mode group >/dev/null
python3 - "$T/q.group" "$T/q.embedded" >"$T/q.cmp" 2>&1 <<'PY'
import json, sys
g, e = (json.load(open(f))["rows"] for f in sys.argv[1:3])
g = {r["key"]: r for r in g}
e = {r["key"]: r for r in e}
assert g.keys() == e.keys() and len(g) > 0, (sorted(g), sorted(e))
for k in g:
    assert g[k]["count"] == e[k]["count"], (k, g[k], e[k])
    assert abs(g[k]["p99"] - e[k]["p99"]) <= 0.01 * abs(e[k]["p99"]), (k, g[k], e[k])
print("%d groups" % len(g))
PY
[ $? = 0 ] && ok "query by (service): group mode = embedded mode ($(cat "$T/q.cmp"): counts, p99 within 1 %)" ||
    notok "group vs embedded" "$(cat "$T/q.cmp" "$T/q.err" | tail -5)"

# clean leave: a stopped worker releases its leases at once
kill "$PID_w4"
wait_for 'grep -q "^totals:" "$T/w4.out"' 10 && grep -q "released (token" "$T/w4.out" &&
    ok "SIGTERM: leases released, totals printed" || notok "clean leave" "$(tail -2 "$T/w4.out")"

# a late event: counted in the checkpoint and the summaries, folded nowhere
kill "$PID_w1" "$PID_w3" 2>/dev/null
wait_for 'grep -q "^totals:" "$T/w1.out"' 10
for i in $(seq 0 $((P - 1))); do rcli DEL "wr:own:{p$i}" >/dev/null; done
now=$(($(date +%s%3N)))
rcli XADD "wr:ev:{p0}" '*' metric late_one value 1 ts $((now - 60000)) >/dev/null
start_worker w5
wait_for '[ "$(tfield ckpt_late)" = 1 ]' 20 && ok "late event counted (checkpoint late=1)" ||
    notok "late" "$(totals)"
wait_for '[ "$(tfield 1s_late)" = 1 ]' 20 && ok "late event attributed to its series' summary" ||
    notok "late in summary" "$(totals)"
[ "$(tfield 1s)" = "$RAW" ] && ok "late event not folded into any period" ||
    notok "late folded" "$(totals)"

# replay: rewind partition 1's checkpoint to the start; the worker reads it all again and every
# period it closes is refused by Redis (same IDs): counted, nothing doubled
kill "$PID_w5"
wait_for 'grep -q "^totals:" "$T/w5.out"' 10
before=$(rcli XLEN "wr:roll:1s:{p1}")
rcli HSET "wr:ckpt:{p1}" last 0-0 state "" >/dev/null
start_worker w6
wait_for '[ "$(tfield ckpt_refused)" -gt 0 ]' 30 &&
    ok "replayed periods refused by Redis ($(tfield ckpt_refused) refused)" ||
    notok "replay refused" "$(totals)"
wait_for 'grep -q "refused as replays" "$T/w6.out"' 10 && ok "replay refusal said on a line" ||
    notok "replay line" "$(tail -3 "$T/w6.out")"
[ "$(rcli XLEN "wr:roll:1s:{p1}")" = "$before" ] && [ "$(tfield 1s)" = "$RAW" ] &&
    ok "replay added nothing (counts still exact)" || notok "replay doubled" "$(totals)"

# a hostile checkpoint: refused with a message, the other partitions keep working
kill "$PID_w6"
wait_for 'grep -q "^totals:" "$T/w6.out"' 10
rcli HSET "wr:ckpt:{p2}" state "$(printf 'garbage\001\377')" >/dev/null
rcli SET "wr:roll:1s:{p3}" "not a stream" >/dev/null
start_worker w7
wait_for 'grep -q "partition 2: .*cannot be read" "$T/w7.out"' 20 &&
    ok "hostile checkpoint: refused with a message" || notok "hostile ckpt" "$(cat "$T/w7.out" | head)"
"$W" gen --count 800 --rate 0 --series 64 >/dev/null 2>&1
wait_for 'grep -q "partition 3: .*WRTYPE" "$T/w7.out"' 20 &&
    ok "wrong-typed rollup key: named on a line" || notok "wrongtype" "$(grep 'partition 3' "$T/w7.out" | head -3)"
wait_for '[ "$(raw_field w7 events)" -gt 500 ]' 20 && ok "the other partitions keep working" ||
    notok "others" "$(tail -1 "$T/w7.out")"
pid_alive "$PID_w7" && ok "worker alive after hostile keys" || notok alive "gone"
wr_done
