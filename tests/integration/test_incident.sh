#!/usr/bin/env bash
# test_incident.sh — `warroom incident`: a scripted incident (gen --anomaly fires a rule, alice
# acks, bob and a hostile client talk in the room, the anomaly ends and the alert resolves) read
# back as one timeline: --json content checked exactly (order, kinds, who acked, the chat lines,
# values per step against the anomaly), --markdown and the table (hostile text sanitized, pipes
# escaped), the full id, unknown and ambiguous ids (exit 1).
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
wr_defer 'for p in $(jobs -p); do kill -9 $p 2>/dev/null; done'
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
NS=inc
ID='api_slow{service=api}'
cat >"$T/rules.conf" <<'EOF'
[rule api_slow]
expr = max(latency_ms{service=api}) by (service) over 3s > 1000
for = 2s
severity = critical
EOF
wr() { "$W" "$@" --redis "$REDIS_URL" --ns $NS; }
state_of() {
    rcli HGET "$NS:{alerts}:state" "$ID" | python3 -c '
import json, sys
t = sys.stdin.read().strip()
print(json.loads(t)["state"] if t else "inactive")'
}

wr gen --rate 400 --series 32 --count 400 >/dev/null 2>&1
# started directly, not through wr(): $! must be the worker itself, or the kill at the end
# stops only the subshell and leaves the worker running after the test
"$W" worker --rules "$T/rules.conf" --quiet --nick w1 --redis "$REDIS_URL" --ns $NS \
    >"$T/w.out" 2>&1 &
WPID=$!
wait_for 'grep -q "alerts: leader" "$T/w.out"' 15 || notok leader "$(cat "$T/w.out")"

# the incident: normal latency for 4 s, 50 times higher for 25 s, normal again
wr gen --rate 400 --series 32 --seed 3 --duration 45s --anomaly 'latency_ms{service=api}' \
    --anomaly-factor 50 --anomaly-at 4s --anomaly-for 25s >"$T/gen.out" 2>&1 &
GEN=$!
wait_for '[ "$(state_of)" = firing ]' 20 || notok fires "state $(state_of); $(cat "$T/w.out")"
short=$(rcli HGET "$NS:{alerts}:state" "$ID" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["short"])')
wr alerts ack "$short" --nick alice >"$T/ack.out" 2>&1 || notok ack "$(cat "$T/ack.out")"
wr chat ops --say "looking at api latency" --nick bob >/dev/null 2>&1 || notok say
# a client that writes the room's log itself: escape sequences and Markdown table syntax
ts=$(date +%s%3N)
rcli XADD "$NS:chat:ops:log" '*' nick "mallory" kind msg \
    text "$(printf 'rm |x| \033[2J *bold* done')" ts "$ts" >/dev/null
wait_for '[ "$(state_of)" = resolved ]' 40 || notok resolves "state $(state_of)"
wait $GEN

# ---- --json: the exact timeline ----------------------------------------------------------------
wr incident "$short" --before 10s --after 3s --step 1s --json >"$T/inc.json" 2>"$T/inc.err"
rc=$?
[ $rc = 0 ] && ok incident_json_exit_0 || notok incident_json_exit_0 "exit $rc: $(cat "$T/inc.err")"
python3 - "$T/inc.json" "$short" >"$T/check.out" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
short = sys.argv[2]
ev = doc["events"]
bad = []
def need(cond, what):
    if not cond:
        bad.append(what)
need(doc["id"] == "api_slow{service=api}" and doc["short"] == short, "id %r" % doc["id"])
need(doc["rule"] == "api_slow" and doc["expr_from"] == "announcement", "rule/expr_from")
need(doc["expr"] == "max(latency_ms{service=api}) by (service) over 3s > 1000", doc["expr"])
need(doc["room"] == "ops" and doc["step_s"] == 1, "room/step")
need([e["at_ms"] for e in ev] == sorted(e["at_ms"] for e in ev), "not in time order")
# alert events: exactly these, in this order
alerts = [(e["kind"], e.get("from"), e.get("to"), e.get("who")) for e in ev
          if e["kind"] in ("transition", "ack", "silence", "unsilence")]
want = [("transition", "inactive", "pending", None), ("transition", "pending", "firing", None),
        ("ack", None, None, "alice"), ("transition", "firing", "resolved", None)]
need(alerts == want, "alert events %r" % alerts)
# chat: bob and mallory in the order they spoke; the announcements, FIRING before RESOLVED (the
# FIRING line may come after bob: the announcer gathers a burst for ALERTS_CHAT_BURST_MS first)
chat = [(e["who"], e["text"]) for e in ev if e["kind"] == "chat"]
people = [c for c in chat if c[0] != "alerts"]
posted = [c[1] for c in chat if c[0] == "alerts"]
need(people == [("bob", "looking at api latency"), ("mallory", "rm |x| \x1b[2J *bold* done")],
     "people %r" % people)
need(len(posted) == 2 and posted[0].startswith("FIRING critical api_slow{service=api} ")
     and posted[1].startswith("RESOLVED critical api_slow{service=api} ")
     and all(p.endswith("[%s]" % short) for p in posted), "announcements %r" % posted)
# values: one per second; high while it fired, normal well before it
vals = [e for e in ev if e["kind"] == "value"]
need(all(vals[i + 1]["at_ms"] - vals[i]["at_ms"] == 1000 for i in range(len(vals) - 1)),
     "value steps")
need(len(vals) >= 20, "only %d values" % len(vals))
t = {(e.get("to")): e["at_ms"] for e in ev if e["kind"] == "transition"}
firing = [e["value"] for e in vals if t["firing"] <= e["at_ms"] <= t["resolved"] - 4000]
before = [e["value"] for e in vals if e["at_ms"] < t["pending"] - 5000]
need(firing and all(v is not None and v > 1000 for v in firing), "firing values %r" % firing)
# (null: a window with no event, between the setup's events and the incident's)
need(any(v is not None for v in before) and all(v is None or v < 1000 for v in before),
     "values before %r" % before)
need(vals[0]["at_ms"] >= doc["from_ms"] and vals[-1]["at_ms"] <= doc["to_ms"], "values range")
fv = [e["value"] for e in ev if e.get("to") == "firing"][0]
need(fv is not None and fv > 1000, "firing transition value %r" % fv)
print("\n".join(bad) if bad else "OK")
PY
[ "$(cat "$T/check.out")" = OK ] && ok incident_json_exact_timeline ||
    notok incident_json_exact_timeline "$(cat "$T/check.out") :: $(cat "$T/inc.json")"

# the full instance id gives the same timeline
wr incident "$ID" --before 10s --after 3s --step 1s --json >"$T/inc2.json" 2>&1
python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(a["events"] != b["events"])' "$T/inc.json" "$T/inc2.json" &&
    ok incident_full_id_same || notok incident_full_id_same "$(cat "$T/inc2.json")"

# group mode: the value rows come from the 1s rollups (written here by mkroll from the same raw
# events, as `worker --group` would; the raw streams moved away meanwhile) and equal the ones
# read from the raw events
MKROLL=${MKROLL:-$(dirname "$W")/tests/mkroll}
parts=$(rcli HGET $NS:meta partitions)
for i in $(seq 0 $((parts - 1))); do rcli --raw XRANGE "$NS:ev:{p$i}" - +; done | python3 -c '
import re, sys
lines = sys.stdin.read().split("\n")
i = 0
while i < len(lines):
    if not re.fullmatch(r"\d+-\d+", lines[i]):
        i += 1
        continue
    ms, f, i = int(lines[i].split("-")[0]), {}, i + 1
    while i + 1 < len(lines) and not re.fullmatch(r"\d+-\d+", lines[i]):
        f[lines[i]] = lines[i + 1]
        i += 2
    print("%s{%s} %s %s" % (f["metric"], f.get("labels", ""), f["value"], f.get("ts", ms)))
' >"$T/raw.txt"
"$MKROLL" --ns $NS --partitions "$parts" --tier 1s <"$T/raw.txt" | rcli --pipe >/dev/null 2>&1
rcli HSET $NS:meta mode group >/dev/null
for i in $(seq 0 $((parts - 1))); do rcli RENAME "$NS:ev:{p$i}" "$NS:away:{p$i}" >/dev/null; done
wr incident "$short" --before 10s --after 3s --step 1s --json >"$T/incg.json" 2>"$T/incg.err"
for i in $(seq 0 $((parts - 1))); do rcli RENAME "$NS:away:{p$i}" "$NS:ev:{p$i}" >/dev/null; done
rcli HSET $NS:meta mode embedded >/dev/null
python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
va = [(e["at_ms"], e["value"]) for e in a["events"] if e["kind"] == "value"]
vb = [(e["at_ms"], e["value"]) for e in b["events"] if e["kind"] == "value"]
sys.exit(not va or va != vb)' "$T/inc.json" "$T/incg.json" &&
    [ "$(rcli XLEN "$NS:roll:1s:{p0}")" -gt 0 ] && ok incident_group_mode_same_values ||
    notok incident_group_mode_same_values "$(wc -l <"$T/raw.txt") events; $(cat "$T/incg.err")"

# ---- --markdown: a table to paste; hostile text sanitized, table syntax escaped ------------------
wr incident "$short" --before 10s --after 3s --step 1s --markdown >"$T/inc.md" 2>&1
head -1 "$T/inc.md" | grep -qxF "### Incident api\\_slow{service=api} (\`$short\`)" &&
    grep -qxF '| time (UTC) | kind | who | what |' "$T/inc.md" &&
    grep -qE '^\| [0-9-]+ [0-9:.]+ \| ack \| alice \| acknowledged \|$' "$T/inc.md" &&
    grep -qF '| chat | bob | looking at api latency |' "$T/inc.md" &&
    grep -qF '| chat | mallory | rm \|x\| ^\[\[2J \*bold\* done |' "$T/inc.md" &&
    ! grep -q $'\033' "$T/inc.md" &&
    [ "$(grep -c '| value |' "$T/inc.md")" = "$(python3 -c '
import json, sys; print(sum(e["kind"] == "value" for e in json.load(open(sys.argv[1]))["events"]))' \
        "$T/inc.json")" ] &&
    ok incident_markdown || notok incident_markdown "$(cat -v "$T/inc.md")"

# ---- the table: sanitized too ---------------------------------------------------------------------
wr incident "$short" --before 10s --after 3s --step 1s >"$T/inc.txt" 2>&1
grep -qE '^[0-9-]+ [0-9:.]+  transition  -  +pending -> firing, value [0-9]' "$T/inc.txt" &&
    grep -qF 'rm |x| ^[[2J *bold* done' "$T/inc.txt" && ! grep -q $'\033' "$T/inc.txt" &&
    ok incident_table || notok incident_table "$(cat -v "$T/inc.txt")"

# ---- unknown and ambiguous ids -----------------------------------------------------------------
wr incident nosuch >/dev/null 2>"$T/e1"
rc=$?
[ $rc = 1 ] && grep -q "no alert 'nosuch' in the alert log" "$T/e1" && ok incident_unknown_exit_1 ||
    notok incident_unknown_exit_1 "exit $rc: $(cat "$T/e1")"
for r in a b; do
    rcli XADD "amb:{alerts}:log" '*' type transition id "r{x=$r}" to firing json \
        "{\"type\":\"transition\",\"id\":\"r{x=$r}\",\"short\":\"abcdef\",\"rule\":\"r\",\"from\":\"pending\",\"to\":\"firing\",\"state\":\"firing\"}" >/dev/null
done
"$W" incident abcdef --redis "$REDIS_URL" --ns amb >/dev/null 2>"$T/e2"
rc=$?
[ $rc = 1 ] && [ "$(cat "$T/e2")" = "warroom incident: 'abcdef' is ambiguous: it is the short id of r{x=a}, r{x=b}; give the full instance id" ] &&
    ok incident_ambiguous_exit_1 || notok incident_ambiguous_exit_1 "exit $rc: $(cat "$T/e2")"
kill $WPID 2>/dev/null; wait $WPID 2>/dev/null
wr_done
