#!/usr/bin/env bash
# test_query.sh — `warroom query` in the query language (docs/query.md) against a real Redis:
# groups merged exactly (a group's p99 equals the p99 of one query over the union), --json and
# --csv read back by Python's json and csv modules, --sort by any aggregation, range rows
# (tumbling and hopping, empty and unfinished windows included) and sessions equal to a brute
# force over the events written, late counts per series, errors that point at the column.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# ---- data: 40 minutes of events for 5 series, with a 6-minute gap, written with their times ----
now=$(date +%s%3N)
python3 - "$now" > "$T/events.txt" <<'EOF'
import random, sys
now = int(sys.argv[1])
rnd = random.Random(14)
series = ["lat{region=eu,service=api}", "lat{region=us,service=api}", "lat{region=eu,service=web}",
          "lat{region=us,service=db}", "req{service=api}"]
for i in range(6000):
    ts = now - 40 * 60000 + rnd.randrange(40 * 60000 - 2000)
    if now - 25 * 60000 <= ts < now - 19 * 60000:
        continue  # a gap longer than every window below
    k = rnd.randrange(len(series))
    v = round(rnd.lognormvariate(3, 1) * 64) / 64  # sums are exact in any order
    print(f"{series[k]} {v} {ts}")
EOF
"$W" ingest --redis "$REDIS_URL" --ns q "$T/events.txt" > /dev/null 2>"$T/ingest.err" ||
    notok ingest "$(cat "$T/ingest.err")"

# check NAME PYTHON-ARGS...: runs the Python check below on the files given; prints ok/not ok.
pycheck() {
    local name=$1
    shift
    if out=$(python3 - "$@" 2>&1); then ok "$name"; else notok "$name" "$out"; fi
}

# ---- 1. by-groups merged exactly; JSON and CSV agree -----------------------------------------
"$W" query --redis "$REDIS_URL" --ns q --json \
    'p99(lat{service=~"api|web"}) by (service) over 45m' > "$T/g.json" 2>"$T/g.err"
"$W" query --redis "$REDIS_URL" --ns q --csv \
    'p99(lat{service=~"api|web"}) by (service) over 45m' > "$T/g.csv" 2>>"$T/g.err"
"$W" query --redis "$REDIS_URL" --ns q --json --window 45m 'p99(lat{service="api"}) by ()' \
    > "$T/api.json" 2>>"$T/g.err"
pycheck "p99 by (service): one row per group, merged exactly, counts and p99 as brute force" \
    "$T/g.json" "$T/g.csv" "$T/api.json" "$T/events.txt" <<'EOF'
import csv, json, math, sys
g = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
api = json.load(open(sys.argv[3]))
vals = {}
for line in open(sys.argv[4]):
    key, v, ts = line.split()
    if key.startswith("lat{") and int(ts) <= g["now_ms"]:
        svc = key.split("service=")[1].rstrip("}")
        vals.setdefault(svc, []).append(float(v))
assert g["mode"] == "instant" and g["window_s"] == 2700, g
assert sorted(r["key"] for r in g["rows"]) == ["service=api", "service=web"], g["rows"]
assert g["rows"][0]["p99"] >= g["rows"][1]["p99"]  # sorted by the aggregation, largest first
for r in g["rows"]:
    vs = sorted(vals[r["labels"]["service"]])
    assert r["count"] == len(vs), (r, len(vs))
    exact = vs[math.ceil(0.99 * len(vs)) - 1]
    assert abs(r["p99"] - exact) <= 0.01 * exact, (r, exact)
    assert r["series"] == (2 if r["key"] == "service=api" else 1)
    assert r["expired"] == 0
# the group's value is the one of a single query over the union, bit for bit
(union,) = api["rows"]
(api_row,) = [r for r in g["rows"] if r["key"] == "service=api"]
assert union["key"] == "" and union["p99"] == api_row["p99"], (union, api_row)
# CSV: the same rows, numbers read back exactly
assert [r["group"] for r in rows] == [r["key"] for r in g["rows"]], rows
for r, j in zip(rows, g["rows"]):
    assert float(r["p99"]) == j["p99"] and int(r["count"]) == j["count"], (r, j)
    assert int(r["series"]) == j["series"] and int(r["late"]) == j["late"]
EOF

# ---- 2. every aggregation by name, --sort first, bare selectors and ~substrings -----------------
"$W" query --redis "$REDIS_URL" --ns q --json --window 45m --sort first 'lat' > "$T/b.json" \
    2>"$T/b.err"
"$W" query --redis "$REDIS_URL" --ns q --csv --window 45m --sort first --asc '~"EU"' \
    > "$T/b.csv" 2>>"$T/b.err"
pycheck "bare selector: every aggregation as brute force, --sort first, ~\"EU\" in CSV" \
    "$T/b.json" "$T/b.csv" "$T/events.txt" <<'EOF'
import csv, json, math, statistics, sys
b = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
ev = {}
for line in open(sys.argv[3]):
    key, v, ts = line.split()
    if int(ts) <= b["now_ms"]:
        ev.setdefault(key, []).append((int(ts), float(v)))
got = b["series"]
assert len(got) == 4, got
firsts = []
for s in got:
    e = sorted(ev[s["key"]], key=lambda t: t[0])
    vs = [v for _, v in e]
    n = len(vs)
    want = {"count": n, "sum": sum(vs), "min": min(vs), "max": max(vs), "first": e[0][1],
            "last": e[-1][1], "range": max(vs) - min(vs), "increase": e[-1][1] - e[0][1],
            "avg": sum(vs) / n, "var.p": statistics.pvariance(vs), "var.s": statistics.variance(vs),
            "stddev": statistics.pstdev(vs), "std.s": statistics.stdev(vs)}
    for k, w in want.items():
        assert math.isclose(s[k], w, rel_tol=1e-9, abs_tol=1e-9), (s["key"], k, s[k], w)
    srt = sorted(vs)
    for k, q in (("p50", .5), ("p90", .9), ("p99", .99)):
        x = srt[math.ceil(q * n) - 1]
        assert abs(s[k] - x) <= 0.01 * x, (s["key"], k, s[k], x)
    firsts.append(s["first"])
assert firsts == sorted(firsts, reverse=True), firsts
keys = [r["series"] for r in rows]
assert sorted(keys) == ["lat{region=eu,service=api}", "lat{region=eu,service=web}"], keys
fs = [float(r["first"]) for r in rows]
assert fs == sorted(fs), fs  # --asc
EOF

# ---- 3. range queries: tumbling and hopping windows against brute force -------------------------
"$W" query --redis "$REDIS_URL" --ns q --json 'sum(lat) by (region)' --range 30m --step 1m \
    > "$T/t.json" 2>"$T/t.err"
# the CSV rows are checked against the windows of the JSON run's now: both runs in one minute (a
# minute that turns between them moves every window), tried again when it turned
for try in 1 2 3; do
    minute=$(($(date +%s) / 60))
    "$W" query --redis "$REDIS_URL" --ns q --csv 'lat{service=api}' --range 30m --step 1m \
        --width 5m > "$T/h.csv" 2>"$T/h.err"
    "$W" query --redis "$REDIS_URL" --ns q --json 'lat{service=api}' --range 30m --step 1m \
        --width 5m > "$T/h.json" 2>>"$T/h.err"
    [ "$(($(date +%s) / 60))" = "$minute" ] && break
done
# in a range, `over` is the width: the same rows as --width 5m
"$W" query --redis "$REDIS_URL" --ns q --json 'p99(lat{service=api}) over 5m' --range 30m \
    --step 1m > "$T/o.json" 2>>"$T/h.err"
"$W" query --redis "$REDIS_URL" --ns q --json 'p99(lat{service=api})' --range 30m --step 1m \
    --width 5m > "$T/w.json" 2>>"$T/h.err"
pycheck "in a range query, 'over 5m' is --width 5m" "$T/o.json" "$T/w.json" <<'EOF'
import json, sys
o, w = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert o["width_s"] == w["width_s"] == 300 and o["step_s"] == 60, (o["width_s"], w["width_s"])
strip = lambda d: [(r["start_ms"], r["end_ms"], r["key"], r["count"], r["p99"]) for r in d["rows"]]
if o["now_ms"] // 60000 == w["now_ms"] // 60000:  # the same minute: the same windows
    assert strip(o) == strip(w), (strip(o)[:3], strip(w)[:3])
assert o["rows"] and all(r["end_ms"] - r["start_ms"] == 300000 for r in o["rows"])
EOF
pycheck "range rows (tumbling 1m, hopping 5m/1m) equal brute force, empty and open windows too" \
    "$T/t.json" "$T/h.csv" "$T/h.json" "$T/events.txt" <<'EOF'
import csv, json, math, sys
t = json.load(open(sys.argv[1]))
h = list(csv.DictReader(open(sys.argv[2])))
hj = json.load(open(sys.argv[3]))
ev = [(l.split()[0], float(l.split()[1]), int(l.split()[2])) for l in open(sys.argv[4])]

def window_rows(doc, step, width, keyfn):
    now = doc["now_ms"]
    first = ((now - 30 * 60000) // 1000 // step) * step
    last = (now // 1000 // step) * step
    out = {}
    for a in range(first, last + 1, step):
        for k, v, ts in ev:
            g = keyfn(k)
            if g is None:
                continue
            out.setdefault((a * 1000, g), [])
            if a * 1000 <= ts < (a + width) * 1000 and ts <= now:
                out[(a * 1000, g)].append((ts, v))
    return out

region = lambda k: ("region=" + k.split("region=")[1].split(",")[0]) if k.startswith("lat{") else None
want = window_rows(t, 60, 60, region)
got = {(r["start_ms"], r["key"]): r for r in t["rows"]}
assert set(got) == set(want), sorted(set(got) ^ set(want))[:5]
empty = 0
for k, vals in want.items():
    r = got[k]
    assert r["end_ms"] - r["start_ms"] == 60000
    assert r["count"] == len(vals), (k, r, len(vals))
    if vals:
        assert r["sum"] == sum(v for _, v in vals), (k, r)
    else:
        empty += 1
        assert r["sum"] is None, r
assert empty >= 10, empty  # the gap shows as empty windows
assert max(s for s, _ in got) + 60000 > t["now_ms"]  # the unfinished window is listed

api = lambda k: k if k.startswith("lat{") and "service=api" in k else None
want = window_rows(hj, 60, 300, api)
assert len(h) == len(want) == len(hj["rows"]), (len(h), len(want))
for r in h:
    vals = sorted(want[(int(r["start_ms"]), r["series"])], key=lambda x: x[0])
    assert int(r["end_ms"]) - int(r["start_ms"]) == 300000
    assert int(r["count"]) == len(vals), (r, len(vals))
    if vals:
        vs = sorted(v for _, v in vals)
        assert float(r["min"]) == vs[0] and float(r["max"]) == vs[-1], r
        assert float(r["sum"]) == sum(vs), r
    else:
        assert r["sum"] == "" and r["p99"] == "", r
for r in hj["rows"]:
    vals = sorted(want[(r["start_ms"], r["key"])], key=lambda x: x[0])
    if vals:
        assert r["first"] == vals[0][1] and r["last"] == vals[-1][1], r
EOF

# a range past what the streams keep says from when on rows can count (stdout under the table,
# stderr with --csv, so the CSV stays clean); within the retention, no note
"$W" query --redis "$REDIS_URL" --ns q 'sum(lat)' --retention 10m --range 30m --step 10m \
    > "$T/r.txt" 2>&1
"$W" query --redis "$REDIS_URL" --ns q --csv 'sum(lat)' --retention 10m --range 30m --step 10m \
    > "$T/r.csv" 2>"$T/r.err"
"$W" query --redis "$REDIS_URL" --ns q 'sum(lat)' --range 30m --step 10m > "$T/r2.txt" 2>&1
if grep -q '^(the streams keep 10m (--retention): nothing before 20[0-9-]*T[0-9:]*Z can be counted)$' \
    "$T/r.txt" && grep -q '^warroom query: note: the streams keep 10m' "$T/r.err" &&
    ! grep -q 'streams keep' "$T/r.csv" "$T/r2.txt"; then
    ok "a range past --retention says from when on rows can count"
else
    notok "a range past --retention says from when on rows can count" \
        "$(tail -2 "$T/r.txt") | $(cat "$T/r.err") | $(tail -1 "$T/r2.txt")"
fi

# ---- 4. sessions per series --------------------------------------------------------------------
"$W" query --redis "$REDIS_URL" --ns q --json --session-gap 2m --range 45m 'max(lat{service=db})' \
    > "$T/s.json" 2>"$T/s.err"
pycheck "--session-gap 2m: sessions (start, end, count, max) as brute force over 1-s slots" \
    "$T/s.json" "$T/events.txt" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
now = s["now_ms"]
secs = {}
for l in open(sys.argv[2]):
    k, v, ts = l.split()
    if k == "lat{region=us,service=db}" and now - 45 * 60000 <= int(ts) <= now:
        secs.setdefault(int(ts) // 1000, []).append(float(v))
sessions, cur = [], None
for sec in sorted(secs):
    if cur and sec - cur[1] < 120:
        cur[1] = sec + 1
        cur[2] += secs[sec]
    else:
        cur = [sec, sec + 1, list(secs[sec])]
        sessions.append(cur)
got = [(r["start_ms"], r["end_ms"], r["count"], r["max"]) for r in s["rows"]]
want = [(a * 1000, b * 1000, len(v), max(v)) for a, b, v in sessions]
assert got == want, (got, want)
assert len(got) == 2, got  # the gap splits the series in two sessions
EOF

# ---- 5. late counts per series: behind the watermark of the series' own partition --------------
# (times from now, not from the script's start: the sections above take minutes under ASan)
python3 - "$(date +%s%3N)" > "$T/late.txt" <<'EOF'
import sys
now = int(sys.argv[1])
for i, off in enumerate([0, 1000, 9000, 2000, 8000, 20000, 3000]):  # 2 s, 3 s: late (5 s lateness)
    print(f"latecomer {i} {now - 30000 + off}")
EOF
"$W" ingest --redis "$REDIS_URL" --ns late "$T/late.txt" > /dev/null 2>&1
"$W" query --redis "$REDIS_URL" --ns late --json --window 10m latecomer > "$T/late.json" 2>&1
pycheck "late counts per series in --json (2 of 7 behind the watermark)" "$T/late.json" <<'EOF'
import json, sys
(s,) = json.load(open(sys.argv[1]))["series"]
assert s["count"] == 7 and s["late"] == 2 and s["expired"] == 0, s
EOF

# ---- 6. errors name the column; a bare word is a metric, with a hint ---------------------------
"$W" query --redis "$REDIS_URL" --ns q 'p99(lat) by service' > /dev/null 2>"$T/e1.err"
rc=$?
[ $rc = 2 ] && grep -q "at column 13: expected '(' after 'by', found 'service'" "$T/e1.err" &&
    [ "$(sed -n 3p "$T/e1.err")" = "              ^" ] &&
    ok "a bad expression: exit 2, the column and a caret under it" ||
    notok "expression error" "rc=$rc $(cat "$T/e1.err")"
"$W" query --redis "$REDIS_URL" --ns q --window 45m eu > "$T/eu.out" 2>"$T/eu.err"
grep -q "(no series matched" "$T/eu.out" &&
    grep -q "no metric is named 'eu'; 2 series keys contain it: warroom query '~eu'" "$T/eu.err" &&
    ok "query eu: the metric eu (none), and a hint naming ~eu" ||
    notok "query eu" "$(cat "$T/eu.out" "$T/eu.err")"
"$W" query --redis "$REDIS_URL" --ns q --window 45m --sort nosuch lat > /dev/null 2>"$T/s.err"
[ $? = 2 ] && grep -q "unknown column 'nosuch'" "$T/s.err" && ok "--sort with an unknown column" ||
    notok "--sort unknown" "$(cat "$T/s.err")"

wr_done
