#!/usr/bin/env bash
# test_rollread.sh — the read side of group mode (NS:meta mode group) against a real Redis:
# rollup entries written by tests/tools/mkroll (what `worker --group` writes for the same
# events) are what `query` (table, --json, the 1m tier for --window 7d, the 1h tier past 7 days,
# sessions) and the embedded `worker` (and the alert rules it evaluates) read; their numbers
# equal embedded mode on the raw events; hostile rollups (garbage blobs, a rollup key of another
# type) are counted and shown, never fatal.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
MKROLL=${MKROLL:-$(dirname "$W")/tests/mkroll}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
[ -x "$MKROLL" ] || { notok mkroll "build it: make $(dirname "$W")/tests/mkroll"; wr_done; }
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# total_field FILE FIELD: FIELD's value in the totals line of a worker output file.
total_field() {
    grep '^totals:' "$1" | grep -o " $2=[0-9.]*" | cut -d= -f2
}

# ---- data: 40 s of events of 4 series (one with a single event: a compact slot) -------------
now=$(date +%s%3N)
python3 - "$now" >"$T/events.txt" <<'EOF'
import random, sys
now = int(sys.argv[1])
rnd = random.Random(13)
series = ["lat{region=eu,svc=api}", "lat{region=us,svc=api}", "req{svc=web}"]
for i in range(1500):
    ts = now - 45000 + rnd.randrange(40000)
    v = round(rnd.lognormvariate(3, 1) * 64) / 64  # sums exact in any order
    print(f"{series[i % 3]} {v} {ts}")
print(f"once{{svc=db}} 7.25 {now - 30000}")
EOF
# in time order, so embedded mode counts no late event either (rollups of sorted periods have none)
sort -k3,3n "$T/events.txt" -o "$T/events.txt"
"$W" ingest --redis "$REDIS_URL" --ns r "$T/events.txt" >/dev/null 2>"$T/ingest.err" ||
    notok ingest "$(cat "$T/ingest.err")"
"$MKROLL" --ns r --tier 1s <"$T/events.txt" | rcli --pipe >"$T/pipe.out" 2>&1 ||
    notok mkroll "$(cat "$T/pipe.out")"

# ---- 1. query: group mode on rollups equals embedded mode on raw events ---------------------
"$W" query --redis "$REDIS_URL" --ns r --json >"$T/embedded.json" 2>"$T/embedded.err"
rcli HSET r:meta mode group >/dev/null
"$W" query --redis "$REDIS_URL" --ns r --json >"$T/group.json" 2>"$T/group.err"
rc=$?
if out=$(python3 - "$T/embedded.json" "$T/group.json" <<'EOF' 2>&1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["source"] == "raw events" and b["source"] == "rollups 1s", (a["source"], b["source"])
assert a["events"] == b["events"] == 1501, (a["events"], b["events"])
ra = {r["key"]: r for r in a["series"]}
rb = {r["key"]: r for r in b["series"]}
assert sorted(ra) == sorted(rb) and len(ra) == 4, (sorted(ra), sorted(rb))
for k in ra:
    x, y = ra[k], rb[k]
    for f in ("count", "sum", "min", "max", "first", "last", "late", "expired"):
        assert x[f] == y[f], (k, f, x[f], y[f])
    for f in ("avg", "stddev", "var.p"):
        assert abs(x[f] - y[f]) <= 1e-9 * max(1, abs(x[f])), (k, f, x[f], y[f])
    for f in ("p50", "p90", "p99", "p999"):
        assert abs(x[f] - y[f]) <= 0.01 * abs(x[f]), (k, f, x[f], y[f])
EOF
); then
    [ $rc -eq 0 ] && ok "query --json: group mode on rollups equals embedded mode on raw events" ||
        notok "query group rc" "rc=$rc $(cat "$T/group.err")"
else
    notok "query group = embedded" "$out"
fi
grep -q "note: source: rollups 1s (group mode): .* 1501 events" "$T/group.err" &&
    ok "query --json says its source on stderr" || notok "json source note" "$(cat "$T/group.err")"

"$W" query --redis "$REDIS_URL" --ns r 'lat{region=eu}' >"$T/table.out" 2>&1
want=$(python3 - "$T/events.txt" <<'EOF'
import sys
n = sum(1 for l in open(sys.argv[1]) if l.startswith("lat{region=eu,"))
print(n)
EOF
)
if grep -qE "^lat\{region=eu,svc=api\} +$want " "$T/table.out" &&
    grep -qF "(source: rollups 1s (group mode):" "$T/table.out"; then
    ok "query table: count $want from rollups, source line under the table"
else
    notok "query table" "$(cat "$T/table.out")"
fi

# ---- 2. --window 7d answers from the 1m tier: exact against a brute force --------------------
python3 - "$now" >"$T/days.txt" <<'EOF'
import random, sys
now = int(sys.argv[1])
rnd = random.Random(7)
for i in range(3000):
    ts = now - 3 * 86400000 + rnd.randrange(3 * 86400000 - 120000)
    v = rnd.randrange(1, 100000) / 16
    print(f"disk{{host=h{i % 2}}} {v} {ts}")
EOF
"$MKROLL" --ns d --tier 1m <"$T/days.txt" | rcli --pipe >/dev/null 2>&1
rcli HSET d:meta mode group >/dev/null
"$W" query --redis "$REDIS_URL" --ns d --window 7d --json >"$T/days.json" 2>"$T/days.err"
if out=$(python3 - "$T/days.txt" "$T/days.json" <<'EOF' 2>&1
import json, sys
ev = {}
for l in open(sys.argv[1]):
    k, v, ts = l.split()
    ev.setdefault(k, []).append(float(v))
doc = json.load(open(sys.argv[2]))
assert doc["source"] == "rollups 1m", doc["source"]
rows = {r["key"]: r for r in doc["series"]}
assert sorted(rows) == sorted(ev), sorted(rows)
for k, vs in ev.items():
    r, vs = rows[k], sorted(vs)
    assert r["count"] == len(vs) and r["sum"] == sum(vs), (k, r["count"], r["sum"])
    assert r["min"] == vs[0] and r["max"] == vs[-1], k
    true99 = vs[-(-99 * len(vs) // 100) - 1]
    assert abs(r["p99"] - true99) <= 0.01 * true99, (k, r["p99"], true99)
EOF
); then
    ok "query --window 7d: the 1m tier, counts/sum/min/max exact, p99 within 1 %"
else
    notok "query 7d from 1m" "$out $(cat "$T/days.err")"
fi

# a range over the same days: one row per 6-hour window and host, each count exact
"$W" query --redis "$REDIS_URL" --ns d --range 3d --step 6h --json 'count(disk) by (host)' \
    >"$T/range.json" 2>"$T/range.err"
if out=$(python3 - "$T/days.txt" "$T/range.json" <<'EOF' 2>&1
import json, sys
ev = [l.split() for l in open(sys.argv[1])]
doc = json.load(open(sys.argv[2]))
assert doc["source"] == "rollups 1m" and len(doc["rows"]) >= 24, (doc["source"], len(doc["rows"]))
total = 0
for r in doc["rows"]:
    host = r["labels"]["host"]
    want = sum(1 for k, v, ts in ev if k == f"disk{{host={host}}}" and
               r["start_ms"] <= int(ts) < r["end_ms"])
    assert r["count"] == want, (host, r["start_ms"], r["count"], want)
    total += want
assert total == len(ev), (total, len(ev))
EOF
); then
    ok "query --range 3d --step 6h from the 1m tier: every window's count exact"
else
    notok "range from 1m" "$out $(cat "$T/range.err")"
fi

# ---- 2b. sessions from the 1s tier equal sessions from the raw events ----------------------------
# two bursts of one series 3 minutes apart (a --session-gap 2m splits them), another series
# throughout; the same events raw in ns se (embedded), as 1s rollups in ns sg (group)
python3 - "$now" >"$T/sess.txt" <<'EOF2'
import random, sys
now = int(sys.argv[1])
rnd = random.Random(5)
ev = []
for base in (now - 600000, now - 300000):
    for i in range(200):
        ev.append((f"burst{{svc=db}}", rnd.randrange(1, 5000) / 8, base + rnd.randrange(60000)))
for i in range(300):
    ev.append(("steady{svc=web}", rnd.randrange(1, 5000) / 8, now - 660000 + i * 2000))
for k, v, ts in sorted(ev, key=lambda e: e[2]):
    print(f"{k} {v} {ts}")
EOF2
"$W" ingest --redis "$REDIS_URL" --ns se "$T/sess.txt" >/dev/null 2>&1
"$MKROLL" --ns sg --tier 1s <"$T/sess.txt" | rcli --pipe >/dev/null 2>&1
rcli HSET sg:meta version 2 partitions 8 mode group >/dev/null
for ns in se sg; do
    "$W" query --redis "$REDIS_URL" --ns $ns --json --session-gap 2m --range 15m \
        'max(burst{svc=db})' >"$T/sess.$ns.json" 2>"$T/sess.$ns.err"
done
if out=$(python3 - "$T/sess.se.json" "$T/sess.sg.json" <<'EOF2' 2>&1
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert b["source"] == "rollups 1s", b["source"]
rows = lambda d: [(r["start_ms"], r["end_ms"], r["count"], r["max"]) for r in d["rows"]]
assert len(a["rows"]) == 2, rows(a)
assert rows(a) == rows(b), (rows(a), rows(b))
EOF2
); then
    ok "query --session-gap in group mode: the same two sessions as from the raw events"
else
    notok "sessions group" "$out $(cat "$T/sess.sg.err")"
fi

# ---- 2c. past 7 days the 1h tier: exact counts, sums, min, max ----------------------------------
python3 - "$now" >"$T/hours.txt" <<'EOF2'
import random, sys
now = int(sys.argv[1])
rnd = random.Random(11)
for i in range(2000):
    ts = now - 20 * 86400000 + rnd.randrange(20 * 86400000 - 7200000)
    print(f"mem{{host=h{i % 3}}} {rnd.randrange(1, 100000) / 4} {ts}")
EOF2
"$MKROLL" --ns h --tier 1h <"$T/hours.txt" | rcli --pipe >/dev/null 2>&1
rcli HSET h:meta version 2 partitions 8 mode group >/dev/null
"$W" query --redis "$REDIS_URL" --ns h --window 30d --json >"$T/hours.json" 2>"$T/hours.err"
if out=$(python3 - "$T/hours.txt" "$T/hours.json" <<'EOF2' 2>&1
import json, sys
ev = {}
for l in open(sys.argv[1]):
    k, v, ts = l.split()
    ev.setdefault(k, []).append(float(v))
doc = json.load(open(sys.argv[2]))
assert doc["source"] == "rollups 1h", doc["source"]
rows = {r["key"]: r for r in doc["series"]}
assert sorted(rows) == sorted(ev), sorted(rows)
for k, vs in ev.items():
    r = rows[k]
    assert r["count"] == len(vs) and r["sum"] == sum(vs), (k, r["count"], len(vs))
    assert r["min"] == min(vs) and r["max"] == max(vs), k
EOF2
); then
    ok "query --window 30d: the 1h tier, counts/sum/min/max exact"
else
    notok "query 30d from 1h" "$out $(cat "$T/hours.err")"
fi

# ---- 3. the embedded worker reads rollups in group mode ----------------------------------------
"$W" worker --redis "$REDIS_URL" --ns r --raw --exit-after-replay >"$T/w.out" 2>&1
if head -1 "$T/w.out" | grep -q "reading rollups 1s" &&
    [ "$(total_field "$T/w.out" events)" = 1501 ] &&
    [ "$(total_field "$T/w.out" series)" = 4 ] &&
    [ "$(total_field "$T/w.out" roll_rejected)" = 0 ]; then
    ok "worker in group mode: rollups 1s on its first line, 1501 events of 4 series"
else
    notok "worker group" "$(head -1 "$T/w.out") $(tail -1 "$T/w.out")"
fi
rcli HSET r:meta mode embedded >/dev/null
"$W" worker --redis "$REDIS_URL" --ns r --raw --interval 100ms --exit-after-replay >"$T/w2.out" 2>&1
head -1 "$T/w2.out" | grep -q "reading raw events" &&
    [ "$(total_field "$T/w2.out" events)" = 1501 ] &&
    ok "mode embedded: the worker reads raw events again" || notok "worker embedded" "$(head -1 "$T/w2.out") $(tail -1 "$T/w2.out")"

# ---- 3b. alert evaluation on rollups: a rule fires from the rollups alone ----------------------
# 20 s of alarm{svc=x} at 500 as 1s rollups only (no raw event) in ns al; the worker's rules read
# what its reader reads: in group mode the rollups (the rule fires), in embedded mode nothing
cat >"$T/al.rules" <<'EOF2'
[rule alarm_high]
expr = max(alarm{svc=x}) over 10s > 100
for = 2s
EOF2
t0=$(date +%s%3N)
for i in $(seq 0 79); do echo "alarm{svc=x} 500 $((t0 - 20000 + i * 250))"; done |
    "$MKROLL" --ns al --tier 1s | rcli --pipe >/dev/null 2>&1
rcli HSET al:meta version 2 partitions 8 mode group >/dev/null
"$W" worker --redis "$REDIS_URL" --ns al --rules "$T/al.rules" --quiet --nick rr \
    >"$T/al.out" 2>&1 &
apid=$!
wr_defer "kill $apid 2>/dev/null"
if wait_for 'grep -q "alert pending->firing .*alarm_high" "$T/al.out"' 15; then
    ok "worker --rules in group mode: a rule fires from the rollups (no raw event)"
else
    notok "alert group" "$(tail -5 "$T/al.out")"
fi
kill -TERM $apid 2>/dev/null
wait $apid 2>/dev/null
rcli DEL 'al:{alerts}:state' >/dev/null
rcli HSET al:meta mode embedded >/dev/null
"$W" worker --redis "$REDIS_URL" --ns al --rules "$T/al.rules" --quiet --nick rr \
    --duration 6s >"$T/al2.out" 2>&1
! grep -q "alert .*->firing" "$T/al2.out" && grep -q "reading raw events" "$T/al2.out" &&
    ok "the same rule in embedded mode (no raw event): does not fire" ||
    notok "alert embedded" "$(tail -5 "$T/al2.out")"

# ---- 4. hostile rollups: counted and shown, never fatal ----------------------------------------
"$MKROLL" --ns x --tier 1s <"$T/events.txt" | rcli --pipe >/dev/null 2>&1
rcli HSET x:meta mode group >/dev/null
rcli XADD 'x:roll:1s:{p0}' "$((now - 2000))-0" 'bad{k=v}' 'garbage' >/dev/null
rcli XADD 'x:roll:1s:{p0}' "$((now - 1000))-0" 'trunc{k=v}' "$(printf '\001\005')" >/dev/null
empty=""
for i in 0 1 2 3 4 5 6 7; do
    [ "$(rcli EXISTS "x:roll:1s:{p$i}")" = 0 ] && { empty=$i; break; }
done
[ -n "$empty" ] && rcli SET "x:roll:1s:{p$empty}" notastream >/dev/null
"$W" worker --redis "$REDIS_URL" --ns x --interval 100ms >"$T/h.out" 2>&1 &
hpid=$!
wr_defer "kill $hpid 2>/dev/null"
if wait_for 'grep -q "! 2 rollups rejected (x:roll:1s:{p0} .*trunc{k=v}" "$T/h.out"' 10 &&
    grep -q "partition $empty unreadable: x:roll:1s:{p$empty} is a string" "$T/h.out"; then
    ok "worker: bad blobs counted and named, a rollup key of another type named"
else
    notok "worker hostile" "$(tail -4 "$T/h.out")"
fi
kill -TERM $hpid 2>/dev/null
wait $hpid
hrc=$?
[ $hrc -eq 0 ] && [ "$(total_field "$T/h.out" roll_rejected)" = 2 ] &&
    [ "$(total_field "$T/h.out" events)" = 1501 ] && [ "$(total_field "$T/h.out" series)" = 4 ] &&
    ok "worker survives hostile rollups (exit 0, 1501 good events, 2 rejected, no series of theirs)" ||
    notok "worker hostile totals" "rc=$hrc $(tail -3 "$T/h.out")"
"$W" query --redis "$REDIS_URL" --ns x --window 1h --json >"$T/x.json" 2>"$T/x.err"
xrc=$?
if [ $xrc -eq 1 ] && grep -q "2 rollups rejected" "$T/x.err" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["roll_rejected"]==2 and d["events"]==1501' "$T/x.json"; then
    ok "query: hostile rollups counted on stderr and in the JSON, the unreadable partition exits 1"
else
    notok "query hostile" "rc=$xrc $(cat "$T/x.err")"
fi
dbsize=$(rcli DBSIZE)
"$W" query --redis "$REDIS_URL" --ns x >/dev/null 2>&1
[ "$(rcli EXISTS 'x:dlq:{p0}')" = 0 ] && [ "$(rcli DBSIZE)" = "$dbsize" ] &&
    ok "bad rollups are never dead-lettered" || notok "no dlq" "$(rcli KEYS 'x:dlq*')"

wr_done
