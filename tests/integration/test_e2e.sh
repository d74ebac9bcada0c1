#!/usr/bin/env bash
# test_e2e.sh — producers to query, end to end: what send, ingest, gen and a redis-cli XADD
# written by docs/protocol.md's rules write, `warroom query` reads back exactly; errors a script can
# rely on; the private server commands.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# json_field FILE KEY FIELD: a number from query --json output for the series KEY
json_field() {
    python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for s in d["series"]:
    if s["key"] == sys.argv[2]:
        v = s[sys.argv[3]]
        print(repr(float(v)) if sys.argv[3] != "count" else v)
        break
else:
    print("missing")
EOF
}

# 1. send: 100 events with values 1..100, then query gives exact stats and p99 within 1 %.
for v in $(seq 1 100); do
    "$W" send --redis "$REDIS_URL" --ns s1 lat_ms "$v" service=api >/dev/null || break
done
# (10 minutes: 100 sends, each its own process, can take most of a minute under ASan)
"$W" query --redis "$REDIS_URL" --ns s1 --json --window 10m > "$T/s1.json" 2>"$T/s1.err"
count=$(json_field "$T/s1.json" 'lat_ms{service=api}' count)
sum=$(json_field "$T/s1.json" 'lat_ms{service=api}' sum)
mn=$(json_field "$T/s1.json" 'lat_ms{service=api}' min)
mx=$(json_field "$T/s1.json" 'lat_ms{service=api}' max)
p99=$(json_field "$T/s1.json" 'lat_ms{service=api}' p99)
if [ "$count" = 100 ] && [ "$sum" = 5050.0 ] && [ "$mn" = 1.0 ] && [ "$mx" = 100.0 ] &&
    python3 -c "import sys; sys.exit(0 if abs($p99 - 99) <= 0.99 else 1)"; then
    ok send_then_query_exact
else
    notok send_then_query_exact "count=$count sum=$sum min=$mn max=$mx p99=$p99 $(cat "$T/s1.err")"
fi

# 2. ingest: text and JSON lines with known values; one bad line is reported, exit 3.
now=$(($(date +%s) * 1000))
{
    for i in $(seq 1 500); do echo "req_ms{route=/a} $i $((now - i))"; done
    for i in $(seq 1 500); do echo "{\"metric\":\"req_ms\",\"value\":$((i * 2)),\"labels\":{\"route\":\"/b\"}}"; done
    echo 'req_ms{route=/a} not-a-number'
} > "$T/in.txt"
"$W" ingest --redis "$REDIS_URL" --ns s2 "$T/in.txt" 2>"$T/in.err"
rc=$?
grep -q "in.txt:1001: " "$T/in.err" && [ $rc = 3 ] && ok ingest_reports_bad_line ||
    notok ingest_reports_bad_line "exit $rc: $(cat "$T/in.err")"
"$W" query --redis "$REDIS_URL" --ns s2 --json > "$T/s2.json"
a=$(json_field "$T/s2.json" 'req_ms{route=/a}' count)/$(json_field "$T/s2.json" 'req_ms{route=/a}' sum)
b=$(json_field "$T/s2.json" 'req_ms{route=/b}' count)/$(json_field "$T/s2.json" 'req_ms{route=/b}' max)
[ "$a" = "500/125250.0" ] && [ "$b" = "500/1000.0" ] && ok ingest_then_query_exact ||
    notok ingest_then_query_exact "route /a count/sum $a, route /b count/max $b"

# 3. gen: exactly N events, counted by query and by a worker.
"$W" gen --redis "$REDIS_URL" --ns s3 --count 5000 --rate 0 --series 16 2>"$T/gen.err"
"$W" query --redis "$REDIS_URL" --ns s3 --json > "$T/s3.json"
total=$(python3 -c "import json; print(sum(s['count'] for s in json.load(open('$T/s3.json'))['series']))")
[ "$total" = 5000 ] && ok gen_then_query_count || notok gen_then_query_count "query counted $total"
out=$("$W" worker --redis "$REDIS_URL" --ns s3 --exit-after-replay --quiet 2>&1 | tail -1)
case "$out" in
*" events=5000 "*) ok gen_then_worker_count ;;
*) notok gen_then_worker_count "$out" ;;
esac

# 4. docs/protocol.md's copy-paste example: redis-cli XADD to the partition the rule names.
# (no wr:meta yet: readers never write it, and read the default 8 partitions)
rcli XADD 'wr:ev:{p2}' MINID '~' $(($(date +%s%3N) - 3600000)) '*' \
    metric http_latency_ms value 12.5 labels 'route=/api,service=checkout' >/dev/null
"$W" query --redis "$REDIS_URL" --json 'http_latency_ms' > "$T/s4.json"
n=$(json_field "$T/s4.json" 'http_latency_ms{route=/api,service=checkout}' count)
[ "$n" = 1 ] && ok readme_redis_cli_example || notok readme_redis_cli_example "count $n"
# ...and warroom send puts the same series in that same partition
"$W" send --redis "$REDIS_URL" http_latency_ms 13 route=/api service=checkout >/dev/null
[ "$(rcli XLEN 'wr:ev:{p2}')" = 2 ] && ok send_uses_documented_partition ||
    notok send_uses_documented_partition "XLEN wr:ev:{p2} = $(rcli XLEN 'wr:ev:{p2}')"

# 5. A server that accepts connections but never answers: a clear error, no hang.
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', 0)); s.listen(8); print(s.getsockname()[1], flush=True)
time.sleep(60)" > "$T/port" &
mute_pid=$!
wr_defer "kill $mute_pid 2>/dev/null"
wait_for "[ -s '$T/port' ]" 5
mute=$(cat "$T/port")
timeout 30 "$W" query --redis "redis://127.0.0.1:$mute" --timeout 1s > /dev/null 2>"$T/mute.err"
rc=$?
[ $rc = 4 ] && grep -q "127.0.0.1:$mute" "$T/mute.err" && ok silent_server_times_out ||
    notok silent_server_times_out "exit $rc: $(cat "$T/mute.err")"

# 6. The private server commands, in a private runtime dir and with 6379 out of the picture.
export XDG_RUNTIME_DIR="$T/run" XDG_STATE_HOME="$T/state"
mkdir -m 700 "$T/run"
"$W" server status > "$T/st.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "no private redis-server" "$T/st.out" && ok server_status_none ||
    notok server_status_none "exit $rc: $(cat "$T/st.out")"
"$W" server stop > "$T/stop.out" 2>&1
rc=$? # nothing running is what `stop` asks for: exit 0, and it says so
[ $rc = 0 ] && grep -q "no private redis-server" "$T/stop.out" && ok server_stop_none ||
    notok server_stop_none "exit $rc: $(cat "$T/stop.out")"

wr_done
