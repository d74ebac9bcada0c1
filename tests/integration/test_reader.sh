#!/usr/bin/env bash
# test_reader.sh — the reader side against a private redis-server: `warroom query` (exact stats,
# selectors, JSON, exit codes) and `warroom worker` (replay then live, dead letters, a Redis
# restart with no loss and no double count, several workers on one Redis). Events are written
# with redis-cli XADD following the wire format (docs/protocol.md), partition computed in python3.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR
PARTS=8

# ---------------------------------------------------------------------------------------------
# Helpers

# The event writer and checker, in python3: crc16-xmodem partitioning, redis-cli command lines,
# expected statistics, and comparison with the JSON of `warroom query`.
cat >"$T/ev.py" <<'EOF'
import json, math, random, sys
from fractions import Fraction

def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc

def key_of(metric, labels):
    if not labels:
        return metric
    return metric + "{" + ",".join("%s=%s" % kv for kv in sorted(labels.items())) + "}"

def stream_of(ns, key, parts):
    return "%s:ev:{p%d}" % (ns, crc16(key.encode()) % parts)

def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'

def xadd(ns, parts, metric, labels, value, ts=None):
    key = key_of(metric, labels)
    args = ["XADD", q(stream_of(ns, key, parts)), "*", "metric", q(metric), "value", q(value)]
    if ts is not None:
        args += ["ts", str(ts)]
    if labels:
        args += ["labels", q(",".join("%s=%s" % kv for kv in labels.items()))]
    return " ".join(args)

def cmd_gen(ns, parts, now_ms, n, seed, expect_path):
    """n in-window events over 3 series (explicit ts within the last 30 s), plus 50 events
    stamped 5 minutes ago that a 1-minute window must not count."""
    rnd = random.Random(int(seed))
    series = [("lat", {"svc": "api", "dc": "eu"}), ("lat", {"svc": "web", "dc": "eu"}),
              ("req", {"svc": "api"})]
    vals = {key_of(m, l): [] for m, l in series}
    for i in range(n):
        m, l = series[rnd.randrange(3)]
        if m == "lat":
            v = round(rnd.lognormvariate(3, 1), 3)
        else:
            v = float(rnd.randrange(-50, 200))
        ts = now_ms - rnd.randrange(0, 30000)
        vals[key_of(m, l)].append(v)
        print(xadd(ns, parts, m, l, repr(v), ts))
    for i in range(50):
        m, l = series[i % 3]
        print(xadd(ns, parts, m, l, "1e6", now_ms - 300000 - i))
    exp = {}
    for k, vs in vals.items():
        vs.sort()
        c = len(vs)
        mean = sum(vs) / c
        # nearest rank: the value at rank ceil(q * c), 1-based, q as the decimal written
        pct = {p: vs[max(1, math.ceil(Fraction(qq) * c)) - 1] for p, qq in
               (("p50", "0.5"), ("p90", "0.9"), ("p95", "0.95"), ("p99", "0.99"), ("p999", "0.999"))}
        exp[k] = dict(count=c, sum=math.fsum(vs), min=vs[0], max=vs[-1], avg=mean,
                      stddev=math.sqrt(math.fsum((v - mean) ** 2 for v in vs) / c), **pct)
    json.dump(exp, open(expect_path, "w"))

def cmd_plain(ns, parts, n, metric, label):
    """n valid events of one series, without ts (the entry ID's time is the event time)."""
    for i in range(int(n)):
        print(xadd(ns, parts, metric, {"k": label}, str(i % 7)))

def cmd_ordered(ns, parts, now_ms):
    """A busy series and a quiet one in two different partitions, stamped over the last 100 s
    and written in time order: read back in entry-ID order, none of them is late."""
    busy, quiet = ("ord", {"s": "busy"}), None
    pb = crc16(key_of(*busy).encode()) % parts
    for i in range(100):
        cand = ("ord", {"s": "quiet%d" % i})
        if crc16(key_of(*cand).encode()) % parts != pb:
            quiet = cand
            break
    for i in range(2000):
        ts = now_ms - 100000 + i * 50
        print(xadd(ns, parts, busy[0], busy[1], "1", ts))
        if i % 100 == 0:
            print(xadd(ns, parts, quiet[0], quiet[1], "2", ts))

def cmd_check(expect_path, json_path, only=None):
    exp = json.load(open(expect_path))
    got = json.load(open(json_path))
    errs = []
    for f in ("window_s", "now_ms", "series", "rejected"):
        if f not in got:
            errs.append("missing top-level field " + f)
    want = {k: v for k, v in exp.items() if only is None or k in only.split(";")}
    rows = {r["key"]: r for r in got.get("series", [])}
    if set(rows) != set(want):
        errs.append("series %s, expected %s" % (sorted(rows), sorted(want)))
    for k, e in want.items():
        r = rows.get(k)
        if r is None:
            continue
        for f in ("key", "metric", "labels", "count", "rate", "sum", "min", "max", "avg",
                  "stddev", "p50", "p90", "p95", "p99", "p999"):
            if f not in r:
                errs.append("%s: missing field %s" % (k, f))
        if r.get("count") != e["count"]:
            errs.append("%s: count %s != %s" % (k, r.get("count"), e["count"]))
        for f in ("min", "max"):
            if r.get(f) != e[f]:
                errs.append("%s: %s %r != %r" % (k, f, r.get(f), e[f]))
        for f in ("sum", "avg", "stddev"):
            if not math.isclose(r.get(f, 0), e[f], rel_tol=1e-9, abs_tol=1e-9):
                errs.append("%s: %s %r != %r" % (k, f, r.get(f), e[f]))
        if not math.isclose(r.get("rate", 0), e["count"] / got["window_s"], rel_tol=1e-9):
            errs.append("%s: rate %r" % (k, r.get("rate")))
        for f in ("p50", "p90", "p95", "p99", "p999"):
            if abs(r.get(f, 1e300) - e[f]) > 0.01 * abs(e[f]) + 1e-9:
                errs.append("%s: %s %r not within 1%% of %r" % (k, f, r.get(f), e[f]))
        metric = k.split("{")[0]
        if r.get("metric") != metric:
            errs.append("%s: metric %r" % (k, r.get("metric")))
        lab = dict(p.split("=") for p in k[len(metric) + 1:-1].split(",")) if "{" in k else {}
        if r.get("labels") != lab:
            errs.append("%s: labels %r != %r" % (k, r.get("labels"), lab))
    if errs:
        print("; ".join(errs[:6]))
        sys.exit(1)

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        cmd_gen(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]),
                sys.argv[6], sys.argv[7])
    elif cmd == "ordered":
        cmd_ordered(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif cmd == "plain":
        cmd_plain(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    elif cmd == "check":
        cmd_check(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None)
EOF

ev() {
    python3 "$T/ev.py" "$@"
}

# jget EXPR: evaluates a python expression on the JSON document on stdin (named d).
jget() {
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# Sum of the counts of a `query --json` answer on stdin.
count_sum() {
    jget 'sum(r["count"] for r in d["series"])'
}

now_ms() {
    date +%s%3N
}

# Sum of XLEN over the partitions of namespace $1.
xlen_sum() {
    local ns=$1 i n=0
    for i in $(seq 0 $((PARTS - 1))); do
        n=$((n + $(rcli XLEN "$ns:ev:{p$i}")))
    done
    echo "$n"
}

# Last exact value of FIELD=N in a --raw worker output file.
last_field() {
    grep -o " $2=[0-9]*" "$1" | tail -1 | cut -d= -f2
}

# Value of FIELD in the totals line of a worker output file.
total_field() {
    grep '^totals:' "$1" | grep -o " $2=[0-9.]*" | cut -d= -f2
}

WORKER_PIDS=""
start_worker() { # OUTFILE ARGS...
    local out=$1
    shift
    "$WARROOM" worker --raw --interval 100ms "$@" >"$out" 2>&1 &
    WORKER_PIDS="$WORKER_PIDS $!"
    LAST_WORKER=$!
}
wr_defer 'for p in $WORKER_PIDS; do kill -TERM $p 2>/dev/null; done'

# stop_worker PID: SIGTERM, then waits; sets WORKER_RC.
stop_worker() {
    kill -TERM "$1" 2>/dev/null
    wait "$1"
    WORKER_RC=$?
}

# ---------------------------------------------------------------------------------------------
# query: exact statistics over the window

NS=q1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
ev gen "$NS" $PARTS "$(now_ms)" 3000 7 "$T/q1.expect" >"$T/q1.cmds"
rcli <"$T/q1.cmds" >/dev/null
"$WARROOM" query --ns $NS --json >"$T/q1.json" 2>"$T/q1.err"
rc=$?
if [ $rc -ne 0 ]; then
    notok query_json_exit "exit $rc: $(cat "$T/q1.err")"
elif ! python3 -m json.tool "$T/q1.json" >/dev/null 2>&1; then
    notok query_json_valid "not JSON: $(head -c 200 "$T/q1.json")"
else
    ok query_json_valid
    if why=$(ev check "$T/q1.expect" "$T/q1.json"); then
        ok query_exact_stats
    else
        notok query_exact_stats "$why"
    fi
fi
hdr=$(jget 'd["window_s"] == 60 and d["rejected"] == 0 and isinstance(d["now_ms"], int)' \
    <"$T/q1.json" 2>&1)
if [ "$hdr" = True ]; then
    ok query_json_header
else
    notok query_json_header "$(head -c 200 "$T/q1.json")"
fi

# a window of 10 minutes also counts the 50 events stamped 5 minutes ago
n=$("$WARROOM" query --ns $NS --json --window 10m | count_sum)
[ "$n" = 3050 ] && ok query_window_10m || notok query_window_10m "total count $n, expected 3050"

# selectors (a 2-minute window: the events are up to 30 s old when written, and a loaded
# machine under ASan can take that long to get here; the 5-minute-old ones stay out)
"$WARROOM" query --ns $NS --json --window 2m 'lat{svc=api}' >"$T/sel1.json"
if why=$(ev check "$T/q1.expect" "$T/sel1.json" 'lat{dc=eu,svc=api}'); then
    ok query_selector_eq
else
    notok query_selector_eq "$why"
fi
"$WARROOM" query --ns $NS --json --window 2m 'lat{svc!=api}' >"$T/sel2.json"
if why=$(ev check "$T/q1.expect" "$T/sel2.json" 'lat{dc=eu,svc=web}'); then
    ok query_selector_ne
else
    notok query_selector_ne "$why"
fi
"$WARROOM" query --ns $NS --json --window 2m '*{svc=~a.*}' >"$T/sel3.json"
if why=$(ev check "$T/q1.expect" "$T/sel3.json" 'lat{dc=eu,svc=api};req{svc=api}'); then
    ok query_selector_regex
else
    notok query_selector_regex "$why"
fi

# the human table: header, one aligned row per series, sorted by count
"$WARROOM" query --ns $NS >"$T/table.txt" 2>&1
hdr=$(head -1 "$T/table.txt" | tr -s ' ')
if [ "$hdr" = "series count rate sum min max avg stddev p50 p90 p95 p99 p999" ] &&
    [ "$(grep -c '^lat{\|^req{' "$T/table.txt")" = 3 ] &&
    [ "$(awk 'NR <= 4 { print length($0) }' "$T/table.txt" | sort -u | wc -l)" = 1 ]; then
    ok query_table
else
    notok query_table "$(cat "$T/table.txt")"
fi
"$WARROOM" query --ns $NS --sort key --limit 1 >"$T/table2.txt"
if [ "$(sed -n 2p "$T/table2.txt" | cut -d' ' -f1)" = 'lat{dc=eu,svc=api}' ] &&
    grep -q '(1 of 3 series shown)' "$T/table2.txt"; then
    ok query_sort_limit
else
    notok query_sort_limit "$(cat "$T/table2.txt")"
fi

# nothing matches: exit 0, a note, an empty list
out=$("$WARROOM" query --ns $NS 'nosuchmetric' 2>&1)
rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q 'no series matched' && ok query_empty_table ||
    notok query_empty_table "exit $rc: $out"
out=$("$WARROOM" query --ns $NS --json 'nosuchmetric' 2>&1)
rc=$?
[ $rc -eq 0 ] && printf '%s' "$out" | grep -q '"series":\[\]' && ok query_empty_json ||
    notok query_empty_json "exit $rc: $out"

# bad selector: exit 2 with the parse error
out=$("$WARROOM" query --ns $NS 'lat{svc=' 2>&1)
rc=$?
[ $rc -eq 2 ] && printf '%s' "$out" | grep -q "bad selector.*missing '}'" &&
    ok query_bad_selector || notok query_bad_selector "exit $rc: $out"

# unreachable: exit 4 with a message, bounded by --timeout
port=$(free_port)
out=$("$WARROOM" query --redis "redis://127.0.0.1:$port" --timeout 1s 2>&1)
rc=$?
[ $rc -eq 4 ] && printf '%s' "$out" | grep -q "cannot connect to redis://127.0.0.1:$port" &&
    ok query_unreachable || notok query_unreachable "exit $rc: $out"

# ---------------------------------------------------------------------------------------------
# dead letters: each malformed entry lands once in its partition's NS:dlq:{pI}, under its own
# entry ID, with its reason; worker and query count them

NS=d1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
{
    echo 'XADD "d1:ev:{p0}" * metric cpu'                       # missing value
    echo 'XADD "d1:ev:{p1}" * metric cpu value abc'             # not a number
    echo 'XADD "d1:ev:{p2}" * metric cpu value NaN'             # not finite
    echo 'XADD "d1:ev:{p3}" * metric "bad metric!" value 1'     # bad metric character
    echo 'XADD "d1:ev:{p4}" * metric cpu value 1 value 2'       # a field twice
    echo 'XADD "d1:ev:{p5}" * value 1'                          # no metric
    echo 'XADD "d1:ev:{p6}" * metric cpu value 1 labels "a=b,c"' # labels syntax
    ev plain "$NS" $PARTS 20 ok x
} >"$T/d1.cmds"
rcli <"$T/d1.cmds" >"$T/d1.ids"
"$WARROOM" worker --ns $NS --exit-after-replay >"$T/d1.out" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(total_field "$T/d1.out" rejected)" = 7 ] &&
    [ "$(total_field "$T/d1.out" events)" = 20 ] &&
    [ "$(total_field "$T/d1.out" dlq_written)" = 7 ]; then
    ok worker_counts_rejects
else
    notok worker_counts_rejects "exit $rc: $(tail -2 "$T/d1.out")"
fi
# every partition's dead letters: "pI ID reason field,field,..." per entry
dlq_dump() {
    for p in $(seq 0 $((PARTS - 1))); do
        echo "$p $(rcli --json XRANGE "$1:dlq:{p$p}" - + | tr -d '\n')"
    done | python3 -c '
import json, sys
for line in sys.stdin:
    p, _, js = line.partition(" ")
    for eid, f in json.loads(js):
        d = dict(zip(f[0::2], f[1::2]))
        print("p%s %s %s %s" % (p, eid, d.get("reason", "?"), ",".join(f[0::2])))'
}
dlq_dump d1 >"$T/dlq.txt"
want=$(paste -d' ' <(printf 'p%s\n' 0 1 2 3 4 5 6) <(head -7 "$T/d1.ids") <(printf '%s\n' \
    'missing field metric,reason,detail' 'value not a number metric,value,reason,detail' \
    'value not finite metric,value,reason,detail' 'bad metric name metric,value,reason,detail' \
    'duplicate field metric,value,value,reason,detail' 'missing field value,reason,detail' \
    'syntax error metric,value,labels,reason,detail'))
[ "$(cat "$T/dlq.txt")" = "$want" ] && ok dlq_per_partition_own_id ||
    notok dlq_per_partition_own_id "got: $(cat "$T/dlq.txt") want: $want"
[ "$(rcli EXISTS d1:dlq)" = 0 ] && [ -z "$(rcli --scan --pattern 'd1:dlq:seen*')" ] &&
    ok dlq_no_v1_key_no_markers || notok dlq_no_v1_key_no_markers "$(rcli --scan --pattern 'd1:dlq*')"
# the original fields are kept
rcli --raw XRANGE 'd1:dlq:{p3}' - + | tr '\n' ' ' |
    grep -q 'metric bad metric! value 1 reason bad metric name' &&
    ok dlq_keeps_fields || notok dlq_keeps_fields "$(rcli --raw XRANGE 'd1:dlq:{p3}' - + | tr '\n' ' ')"
# a second worker (a restart, or another instance) does not dead-letter them again: Redis
# refuses the same ID, and that counts as a duplicate, not a failure
"$WARROOM" worker --ns $NS --exit-after-replay >"$T/d2.out" 2>&1
dlq_dump d1 >"$T/dlq2.txt"
[ "$(total_field "$T/d2.out" rejected)" = 7 ] &&
    [ "$(total_field "$T/d2.out" dlq_duplicate)" = 7 ] &&
    [ "$(total_field "$T/d2.out" dlq_failed)" = 0 ] && cmp -s "$T/dlq.txt" "$T/dlq2.txt" &&
    ok dlq_once || notok dlq_once "$(tail -1 "$T/d2.out"), $(cat "$T/dlq2.txt")"
n=$("$WARROOM" query --ns $NS --window 1h --json |
    jget '"%d %d" % (d["rejected"], d["series"][0]["count"])')
[ "$n" = "7 20" ] && ok query_counts_rejects || notok query_counts_rejects "rejected, count: $n"
"$WARROOM" query --ns $NS --window 1h >"$T/q.txt" 2>&1
grep -qF "(7 invalid entries in the window; workers copy each to the dead letters of its partition, d1:dlq:{p0} ... d1:dlq:{p7}: redis-cli XRANGE 'd1:dlq:{p0}' - +)" "$T/q.txt" &&
    ok query_hint_names_dlq_keys || notok query_hint_names_dlq_keys "$(tail -3 "$T/q.txt")"

# ---------------------------------------------------------------------------------------------
# worker: replay of the history, then live events

NS=w1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
ev plain "$NS" $PARTS 500 hist a >"$T/w1a.cmds"
rcli <"$T/w1a.cmds" >/dev/null
start_worker "$T/w1.out" --ns $NS
W1=$LAST_WORKER
if wait_for "grep -q 'replay done: 500 entries' '$T/w1.out'" 20; then
    ok worker_replays_history
else
    notok worker_replays_history "$(tail -3 "$T/w1.out")"
fi
ev plain "$NS" $PARTS 300 live b >"$T/w1b.cmds"
rcli <"$T/w1b.cmds" >/dev/null
if wait_for "[ \"\$(last_field '$T/w1.out' entries)\" = 800 ]" 20; then
    ok worker_counts_live
else
    notok worker_counts_live "$(tail -2 "$T/w1.out")"
fi
grep -q 'state="live"' "$T/w1.out" && ok worker_state_live ||
    notok worker_state_live "$(tail -2 "$T/w1.out")"
stop_worker "$W1"
[ "$WORKER_RC" -eq 0 ] && [ "$(total_field "$T/w1.out" entries)" = 800 ] &&
    [ "$(total_field "$T/w1.out" series)" = 2 ] && ok worker_sigterm_totals ||
    notok worker_sigterm_totals "exit $WORKER_RC: $(tail -1 "$T/w1.out")"

# the replay feeds entries in ID order across partitions: a busy partition's batches do not
# run ahead of a quiet one's, so nothing written in time order is counted late
NS=o1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
ev ordered "$NS" $PARTS "$(now_ms)" >"$T/o1.cmds"
rcli <"$T/o1.cmds" >/dev/null
"$WARROOM" worker --ns $NS --exit-after-replay >"$T/o1.out" 2>&1
[ "$(total_field "$T/o1.out" entries)" = 2020 ] && [ "$(total_field "$T/o1.out" late)" = 0 ] &&
    ok worker_replay_in_id_order || notok worker_replay_in_id_order "$(tail -1 "$T/o1.out")"
# the same with tiny batches: every XREAD comes back full, the merge stops at the cutoff, and the
# next XREAD (sent before the reply is processed) starts from the last entry taken per partition:
# nothing lost, nothing twice, nothing late
"$WARROOM" worker --ns $NS --count 7 --exit-after-replay >"$T/o2.out" 2>&1
[ "$(total_field "$T/o2.out" entries)" = 2020 ] && [ "$(total_field "$T/o2.out" late)" = 0 ] &&
    ok worker_small_batches_exact || notok worker_small_batches_exact "$(tail -1 "$T/o2.out")"

# the classic status lines (no --raw) have a header and the state column
timeout 10 "$WARROOM" worker --ns $NS --interval 100ms --duration 500ms >"$T/w1c.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q 'events/s' "$T/w1c.out" && grep -qE '^[0-9:]+ +live ' "$T/w1c.out" &&
    ok worker_status_lines || notok worker_status_lines "exit $rc: $(cat "$T/w1c.out")"

# ---------------------------------------------------------------------------------------------
# several workers on one Redis each see every event; SIGINT stops cleanly too

NS=m1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
start_worker "$T/m1.out" --ns $NS
M1=$LAST_WORKER
start_worker "$T/m2.out" --ns $NS
M2=$LAST_WORKER
start_worker "$T/m3.out" --ns $NS
M3=$LAST_WORKER
for f in m1 m2 m3; do
    wait_for "grep -q 'replay done' '$T/$f.out'" 20
done
ev plain "$NS" $PARTS 400 multi c >"$T/m.cmds"
echo 'XADD "m1:ev:{p2}" * metric x value oops' >>"$T/m.cmds"
rcli <"$T/m.cmds" >/dev/null
all=1
for f in m1 m2 m3; do
    wait_for "[ \"\$(last_field '$T/$f.out' entries)\" = 401 ]" 20 || all=0
done
kill -INT "$M1"; wait "$M1"; rc1=$?
stop_worker "$M2"; rc2=$WORKER_RC
stop_worker "$M3"; rc3=$WORKER_RC
for f in m1 m2 m3; do
    [ "$(total_field "$T/$f.out" events)" = 400 ] &&
        [ "$(total_field "$T/$f.out" rejected)" = 1 ] || all=0
done
[ $all = 1 ] && ok workers_each_see_all || notok workers_each_see_all \
    "$(tail -qn1 "$T/m1.out" "$T/m2.out" "$T/m3.out")"
[ "$rc1$rc2$rc3" = 000 ] && ok worker_sigint_exit0 ||
    notok worker_sigint_exit0 "exit codes $rc1 $rc2 $rc3"
[ "$(rcli XLEN 'm1:dlq:{p2}')" = 1 ] && ok workers_dlq_once ||
    notok workers_dlq_once "XLEN $(rcli XLEN 'm1:dlq:{p2}')"
# three workers wrote the same dead letter at once: one was stored, two were told "already
# recorded" by Redis (not failures)
dup=0 failed=0
for f in m1 m2 m3; do
    dup=$((dup + $(total_field "$T/$f.out" dlq_duplicate)))
    failed=$((failed + $(total_field "$T/$f.out" dlq_failed)))
done
[ "$dup$failed" = 20 ] && ok workers_dlq_race_duplicates ||
    notok workers_dlq_race_duplicates "duplicates $dup failed $failed"

# ---------------------------------------------------------------------------------------------
# a Redis restart while events are being written: the worker reconnects, resumes from its last
# IDs, and ends with exactly as many entries as the streams hold

NS=r1
rcli HSET "$NS:meta" version 2 partitions $PARTS >/dev/null
start_worker "$T/r1.out" --ns $NS
R1=$LAST_WORKER
wait_for "grep -q 'replay done' '$T/r1.out'" 20
# producer: one redis-cli per event, so some XADDs fail while Redis is down; that is fine, the
# reference is what the streams hold in the end
(
    for i in $(seq 1 600); do
        ev_key=$((i % 5))
        rcli XADD "r1:ev:{p$((i % PARTS))}" '*' metric restart value "$i" labels "k=$ev_key" \
            >/dev/null 2>&1
    done
) &
PROD=$!
wait_for "[ \"\$(last_field '$T/r1.out' entries)\" -ge 100 ]" 30
redis_restart || notok redis_restart "redis did not come back"
wait "$PROD"
total=$(xlen_sum $NS)
if wait_for "[ \"\$(last_field '$T/r1.out' entries)\" = $total ]" 30; then
    ok worker_restart_resumes
else
    notok worker_restart_resumes "streams hold $total, worker: $(tail -1 "$T/r1.out")"
fi
# the connection lines: lost (reconnecting, with the attempt number), then up again
if grep -v ' entries=' "$T/r1.out" | grep -A100 'ingest connection: reconnecting (attempt [0-9]*)' |
    grep -q 'ingest connection: up'; then
    ok worker_shows_reconnecting
else
    notok worker_shows_reconnecting "$(grep -v ' entries=' "$T/r1.out")"
fi
stop_worker "$R1"
if [ "$WORKER_RC" -eq 0 ] && [ "$(total_field "$T/r1.out" entries)" = "$total" ] &&
    [ "$(total_field "$T/r1.out" events)" = "$total" ] &&
    [ "$(total_field "$T/r1.out" reconnects)" -ge 1 ]; then
    ok worker_restart_no_loss_no_double
else
    notok worker_restart_no_loss_no_double "streams $total: $(tail -1 "$T/r1.out")"
fi
# and a query after the restart agrees
n=$("$WARROOM" query --ns $NS --json --window 10m | count_sum)
[ "$n" = "$total" ] && ok query_after_restart ||
    notok query_after_restart "query $n, streams $total"

wr_done
