#!/usr/bin/env bash
# test_limits.sh — limits that must show, never crash or lie: the series cap (bench core past
# it, the worker's status line, query's stderr), running out of memory (a message and exit 1,
# not a silent SIGABRT), a --max-series memory cannot hold, and rates over a window that data
# cannot fill (query's true rate and its decimals: 0.50/s, not 500m/s), and a server whose
# replies announce arrays of two billion elements (refused with a message, not reserved).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

# Under AddressSanitizer an address-space limit (ulimit -v) stops the program before main.
asan_build() {
    ldd "$WARROOM" 2>/dev/null | grep -q libasan
}

# ---------------------------------------------------------------------------------------------
# bench core: series that are not in the table (no event, or refused by the cap) are skipped,
# not dereferenced; a reached cap is reported with the option that raises it

"$WARROOM" bench core --series 200000 --events 2000 --warm-events 2000 --parse-events 100 \
    >"$T/b1.out" 2>"$T/b1.err"
rc=$?
if [ $rc -eq 0 ] && grep -q '^| 200k series, max quantile error | 0\.[0-9]* % ' "$T/b1.out" &&
    grep -q '^| busy series' "$T/b1.out" && ! grep -q 'mismatch' "$T/b1.err"; then
    ok bench_sparse_series_no_crash
else
    notok bench_sparse_series_no_crash "exit $rc: $(tail -3 "$T/b1.err") $(tail -3 "$T/b1.out")"
fi

"$WARROOM" bench core --series 2000 --max-series 500 --events 20000 --warm-events 20000 \
    --parse-events 2000 >"$T/b2.out" 2>"$T/b2.err"
rc=$?
err=$(awk -F'|' '/max quantile error/ { gsub(/[ %]/, "", $3); print $3 }' "$T/b2.out")
if [ $rc -eq 0 ] && grep -q 'series cap 500 reached, 500 series kept, [1-9][0-9]* events dropped (raise --max-series)' "$T/b2.out" &&
    grep -q '^warroom bench: series cap 500 reached: [1-9][0-9]* events dropped; raise --max-series$' "$T/b2.err" &&
    awk -v e="$err" 'BEGIN { exit !(e != "" && e <= 1.0) }' && ! grep -q 'mismatch' "$T/b2.err"; then
    ok bench_cap_reported
else
    notok bench_cap_reported "exit $rc err=$err: $(cat "$T/b2.err") $(grep -i cap "$T/b2.out")"
fi

if asan_build; then
    ok "bench_out_of_memory_message # skip: ulimit -v and ASan do not mix"
else
    (ulimit -v 300000; exec "$WARROOM" bench core --series 2000000 --events 1000 \
        --warm-events 1000 --parse-events 10) >"$T/b3.out" 2>"$T/b3.err"
    rc=$?
    if [ $rc -eq 1 ] && grep -q '^warroom bench: out of memory (allocating [0-9]* bytes)$' "$T/b3.err"; then
        ok bench_out_of_memory_message
    else
        notok bench_out_of_memory_message "exit $rc: $(tail -2 "$T/b3.err")"
    fi
fi

# ---------------------------------------------------------------------------------------------
# worker: --max-series 5 and 10 series; the status line says the cap is reached and how to
# raise it, and so does a line of its own and the totals

NS=cap
for i in $(seq 0 9); do
    echo "capm{i=$i} 1"
    echo "capm{i=$i} 2"
done | "$WARROOM" ingest --ns $NS >/dev/null 2>&1 || notok ingest_cap "could not write events"

"$WARROOM" worker --ns $NS --max-series 5 --interval 100ms >"$T/w1.out" 2>&1 &
W1=$!
wr_defer "kill -TERM $W1 2>/dev/null"
capline='series cap 5 reached: 10 events dropped; raise --max-series'
if wait_for "grep -E '^[0-9:]{8}  .* ! $capline\$' '$T/w1.out'" 10; then
    ok worker_status_line_shows_cap
else
    notok worker_status_line_shows_cap "$(tail -4 "$T/w1.out")"
fi
kill -TERM $W1 2>/dev/null
wait $W1
rc=$?
if [ $rc -eq 0 ] && [ "$(grep -c "  warning: $capline\$" "$T/w1.out")" = 1 ] &&
    grep -q '^totals: .* series=5 .* series_dropped=10 ' "$T/w1.out"; then
    ok worker_cap_warning_once_and_totals
else
    notok worker_cap_warning_once_and_totals "exit $rc: $(grep -v '^[0-9:]*  [a-z]* *[0-9]' "$T/w1.out" | tail -4)"
fi

"$WARROOM" worker --ns $NS --max-series 5 --raw --interval 100ms >"$T/w2.out" 2>&1 &
W2=$!
wr_defer "kill -TERM $W2 2>/dev/null"
if wait_for "grep -q 'series_dropped=10 .* warning=\"$capline\"\$' '$T/w2.out'" 10; then
    ok worker_raw_line_shows_cap
else
    notok worker_raw_line_shows_cap "$(tail -2 "$T/w2.out")"
fi
kill -TERM $W2 2>/dev/null
wait $W2

# a cap memory cannot hold is said at start; running out of memory is said before dying
if asan_build; then
    ok "worker_out_of_memory_message # skip: ulimit -v and ASan do not mix"
else
    NS=oom
    # a series with one event costs a few hundred bytes (issue 15): 600k of them outgrow 150 MB
    seq 1 600000 | awk '{ print "oomm{i=" $1 "} 1" }' | "$WARROOM" ingest --ns $NS >/dev/null 2>&1 ||
        notok ingest_oom "could not write events"
    (ulimit -v 150000; exec "$WARROOM" worker --ns $NS --max-series 1000000 --interval 1s) \
        >"$T/w3.out" 2>"$T/w3.err"
    rc=$?
    if [ $rc -eq 1 ] &&
        grep -q '^warroom worker: warning: --max-series 1000000 needs at least .* lower --max-series$' "$T/w3.err" &&
        grep -q '^warroom worker: out of memory (allocating [0-9]* bytes)$' "$T/w3.err"; then
        ok worker_out_of_memory_message
    else
        notok worker_out_of_memory_message "exit $rc: $(tail -3 "$T/w3.err")"
    fi
fi

# ---------------------------------------------------------------------------------------------
# query: the cap on stderr, the answer still given

NS=cap
"$WARROOM" query --ns $NS --max-series 5 --json >"$T/q1.json" 2>"$T/q1.err"
rc=$?
if [ $rc -eq 0 ] &&
    grep -q "^warroom query: warning: $capline (the answer leaves those series out)\$" "$T/q1.err" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (d["series_dropped"] == 10 and len(d["series"]) == 5))' "$T/q1.json"; then
    ok query_cap_on_stderr
else
    notok query_cap_on_stderr "exit $rc: $(cat "$T/q1.err")"
fi
"$WARROOM" query --ns $NS >/dev/null 2>"$T/q2.err"
[ ! -s "$T/q2.err" ] && ok query_no_warning_under_cap || notok query_no_warning_under_cap "$(cat "$T/q2.err")"

# ---------------------------------------------------------------------------------------------
# query rates: right after a short send, the rate of the last minute (30 events: 0.5/s), with
# its decimals; over a window longer than the streams keep, per second of what they keep

NS=rate
for i in $(seq 1 30); do echo "rt{k=a} $i"; done | "$WARROOM" ingest --ns $NS >/dev/null 2>&1 ||
    notok ingest_rate "could not write events"
"$WARROOM" query --ns $NS --window 1m >"$T/r1.out" 2>&1
read -r _ count rate _ <<<"$(grep '^rt{k=a}' "$T/r1.out")"
if [ "$count" = 30 ] && [ "$rate" = "0.50/s" ]; then
    ok query_rate_decimals
else
    notok query_rate_decimals "count=$count rate=$rate: $(cat "$T/r1.out")"
fi
"$WARROOM" query --ns $NS --window 1m --json >"$T/r2.json" 2>&1
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["series"][0]; sys.exit(not (r["count"] == 30 and r["rate"] == 0.5 and d["covered_s"] == 60))' "$T/r2.json"; then
    ok query_rate_true_after_send
else
    notok query_rate_true_after_send "$(cat "$T/r2.json")"
fi
"$WARROOM" query --ns $NS --window 2h --retention 1h --json >"$T/r3.json" 2>&1
"$WARROOM" query --ns $NS --window 2h --retention 1h >"$T/r3.out" 2>&1
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["series"][0]; sys.exit(not (d["window_s"] == 7200 and d["covered_s"] == 3600 and abs(r["rate"] - 30 / 3600) < 1e-15))' "$T/r3.json" &&
    grep -q '^(streams keep 1h (--retention): only that much of the 2h window can hold events; rates are per second of it)$' "$T/r3.out" &&
    grep -q '^rt{k=a} *30 *0.0083/s ' "$T/r3.out"; then
    ok query_rate_over_retention
else
    notok query_rate_over_retention "$(cat "$T/r3.json") $(cat "$T/r3.out")"
fi

# ---------------------------------------------------------------------------------------------
# A hostile or broken server answering every command with "*2000000000": the synchronous
# connections (commands here) refuse the array (app/redis/rreply.c) and say so; hiredis' own
# functions would reserve 16 GB for it (under AddressSanitizer: over its allocation limit, an
# abort).
hport=$(free_port)
python3 - "$hport" >"$T/hostile.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    c.settimeout(10)
    try:
        while c.recv(65536):
            c.sendall(b"*2000000000\r\n")
    except OSError:
        pass
    c.close()
PY
hpid=$!
wr_defer "kill $hpid 2>/dev/null"
wait_for "grep -q listening $T/hostile.log" 5
bad=""
for cmd in "alerts list" "workers" "query cpu"; do
    # shellcheck disable=SC2086 # the command's words
    timeout 60 "$WARROOM" $cmd --redis "redis://127.0.0.1:$hport" >"$T/h.out" 2>"$T/h.err"
    rc=$?
    if [ $rc -ne 4 ] || ! grep -q "reply refused: an array of 2000000000 elements (over the limit of 67108864)" "$T/h.err"; then
        bad="$bad [$cmd: exit $rc: $(head -c 300 "$T/h.err")]"
    fi
done
if [ -z "$bad" ]; then
    ok hostile_array_header_refused
else
    notok hostile_array_header_refused "$bad"
fi
kill $hpid 2>/dev/null

wr_done
