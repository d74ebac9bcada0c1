#!/usr/bin/env bash
# test_partitions.sh — one partition key of the wrong type must not stop ingest silently
# (issue 9.5): the worker and `query` name the unreadable partition, keep counting the events of
# the others exactly, and once the key is deleted the worker reads that partition again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

# xadd_n PART N METRIC: N events of METRIC straight into partition PART (wire format, docs/protocol.md).
xadd_n() {
    local i
    for i in $(seq 1 "$2"); do
        echo "XADD wr:ev:{p$1} * metric $3 value $i"
    done | rcli >/dev/null
}

# Last exact value of FIELD=N in a --raw worker output file.
last_field() {
    grep -o " $2=[0-9]*" "$1" | tail -1 | cut -d= -f2
}

rcli HSET wr:meta version 2 partitions 4 >/dev/null
rcli SET 'wr:ev:{p0}' x >/dev/null
xadd_n 1 10 part_one
xadd_n 2 20 part_two
xadd_n 3 30 part_three

# ---- worker -------------------------------------------------------------------------------------
"$WARROOM" worker --raw --interval 100ms >"$T/w.out" 2>&1 &
WPID=$!
wr_defer "kill -TERM $WPID 2>/dev/null"

if wait_for "grep -qF 'partition 0 unreadable: wr:ev:{p0} is a string' '$T/w.out'" 10; then
    ok "worker: the wrong-typed partition is named, with its type"
else
    notok "worker names the partition" "$(tail -5 "$T/w.out")"
fi
if wait_for "[ \"\$(last_field '$T/w.out' events)\" = 60 ] && grep -q 'replay done' '$T/w.out'" 10; then
    ok "worker: the other partitions are read and counted exactly (60), and the replay ends"
else
    notok "worker reads the others" "events=$(last_field "$T/w.out" events)"
fi
if wait_for "tail -1 '$T/w.out' | grep -q 'state=\"live\" unreadable=1'" 5; then
    ok "worker: every status line carries the unreadable count"
else
    notok "raw status" "$(tail -1 "$T/w.out")"
fi
xadd_n 3 5 part_three
if wait_for "[ \"\$(last_field '$T/w.out' events)\" = 65 ]" 10; then
    ok "worker: live events of the other partitions keep flowing"
else
    notok "live" "events=$(last_field "$T/w.out" events)"
fi

# ---- query, with the bad key in place -----------------------------------------------------------
"$WARROOM" query --json >"$T/q.json" 2>"$T/q.err"
rc=$?
if [ "$rc" = 1 ] &&
    python3 - "$T/q.json" <<'EOF'; then
import json, sys
d = json.load(open(sys.argv[1]))
counts = {s["key"]: s["count"] for s in d["series"]}
assert counts == {"part_one": 10, "part_two": 20, "part_three": 35}, counts
assert d["events"] == 65, d
assert d["unreadable"] == [{"partition": 0, "key": "wr:ev:{p0}",
                            "error": "wr:ev:{p0} is a string"}], d["unreadable"]
EOF
    ok "query --json: exit 1, the other partitions' rows exact, the unreadable one listed"
else
    notok "query --json" "rc=$rc $(cat "$T/q.json" "$T/q.err")"
fi
if grep -qF "warroom query: partition 0 unreadable: wr:ev:{p0} is a string" "$T/q.err" &&
    grep -qF "the results cover the other 3 of 4 partitions" "$T/q.err"; then
    ok "query: stderr names the partition and what the results cover"
else
    notok "query stderr" "$(cat "$T/q.err")"
fi
"$WARROOM" query >"$T/q.txt" 2>/dev/null
rc=$?
if [ "$rc" = 1 ] && grep -q '^part_three ' "$T/q.txt" &&
    grep -qF "(1 of 4 partitions unreadable" "$T/q.txt"; then
    ok "query table: rows of the others, a note under them, exit 1"
else
    notok "query table" "rc=$rc $(cat "$T/q.txt")"
fi

# ---- the key is deleted: the partition is read again --------------------------------------------
rcli DEL 'wr:ev:{p0}' >/dev/null
xadd_n 0 7 part_zero
if wait_for "grep -qF 'partition 0 readable again' '$T/w.out'" 10 &&
    wait_for "[ \"\$(last_field '$T/w.out' events)\" = 72 ]" 10 &&
    wait_for "tail -1 '$T/w.out' | grep -q 'unreadable=0'" 5; then
    ok "worker: after DEL the partition is read again (72 events, none unreadable)"
else
    notok "recovery" "$(tail -3 "$T/w.out")"
fi
"$WARROOM" query --json >"$T/q2.json" 2>"$T/q2.err"
rc=$?
if [ "$rc" = 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["events"] == 72 and d["unreadable"] == [], d' "$T/q2.json" && [ ! -s "$T/q2.err" ]; then
    ok "query: exit 0 and every partition counted once the key is gone"
else
    notok "query after DEL" "rc=$rc $(cat "$T/q2.json" "$T/q2.err")"
fi

# ---- an unreadable partition that is fixed while the worker runs keeps its last ID ----------------
rcli DEL 'wr:ev:{p2}' >/dev/null
rcli HSET 'wr:ev:{p2}' a b >/dev/null
xadd_n 1 3 part_one
wait_for "grep -qF 'partition 2 unreadable: wr:ev:{p2} is a hash' '$T/w.out'" 10 &&
    wait_for "[ \"\$(last_field '$T/w.out' events)\" = 75 ]" 10 &&
    ok "worker: a partition that turns bad later is named too, the others still counted" ||
    notok "later failure" "$(tail -3 "$T/w.out")"
rcli DEL 'wr:ev:{p2}' >/dev/null
xadd_n 2 4 part_two
if wait_for "[ \"\$(last_field '$T/w.out' events)\" = 79 ]" 10; then
    ok "worker: fixed again, its new events are read exactly once"
else
    notok "second recovery" "events=$(last_field "$T/w.out" events)"
fi

kill -TERM "$WPID"
wait "$WPID"
rc=$?
if [ "$rc" = 0 ] && grep -q '^totals: .* events=79 .* unreadable=0$' "$T/w.out"; then
    ok "worker: clean stop, totals exact"
else
    notok "worker stop" "rc=$rc $(grep totals "$T/w.out")"
fi

wr_done
