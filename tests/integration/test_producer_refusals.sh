#!/usr/bin/env bash
# test_producer_refusals.sh — producers on a Redis that refuses writes (maxmemory reached with
# noeviction: every XADD answered "OOM ..."): `gen` and `ingest` report the refusals on stderr
# while they happen (at most one line a second), stop with exit 1 once Redis has refused every
# event for --give-up, and their final lines count what was accepted and what was refused;
# `send` says Redis refused its event and exits 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ ! -x "$WARROOM" ]; then
    notok warroom_built "$WARROOM is missing: run make"
    wr_done
fi
# 2 MB: an empty server uses about 1 MB, so a few thousand events fill it
redis_start --maxmemory 2mb --maxmemory-policy noeviction ||
    { notok redis_start "cannot start redis-server"; wr_done; }
T=$REDIS_DIR
W() { "$WARROOM" "$@" --redis "$REDIS_URL"; }

# xsum NS: total entries over the 8 partition streams of a namespace.
xsum() {
    local n=0 i
    for ((i = 0; i < 8; i++)); do
        n=$((n + $(rcli XLEN "$1:ev:{p$i}")))
    done
    echo "$n"
}
notes() { grep -cE "^warroom $1: Redis refused [0-9]+ events in [0-9.]+ s \([0-9]+ accepted\): OOM" "$2"; }

# ---------------------------------------------------------------- gen reports as it happens
# A long --give-up: the run is stopped by the test, so what is checked is what gen said while
# it was still running.
"$WARROOM" gen --rate 4000 --duration 120s --give-up 100s --ns g1 --redis "$REDIS_URL" \
    >"$T/g1.out" 2>"$T/g1.err" &
gpid=$!
wr_defer "kill $gpid 2>/dev/null"
if wait_for "[ \$(notes gen '$T/g1.err') -ge 3 ]" 20 && pid_alive "$gpid"; then
    ok gen_reports_refusals_while_running
else
    notok gen_reports_refusals_while_running "$(notes gen "$T/g1.err") refusal lines: $(cat "$T/g1.err")"
fi
kill -TERM "$gpid"
wait "$gpid"
rc=$?
# at most one line a second: every line after the first covers at least 1.0 s
short=$(grep -E '^warroom gen: Redis refused' "$T/g1.err" | tail -n +2 |
    sed -E 's/.* in ([0-9.]+) s .*/\1/' | awk '$1 < 1.0' | wc -l)
if [ "$short" = 0 ] && [ "$(notes gen "$T/g1.err")" -ge 2 ]; then
    ok gen_refusal_lines_rate_limited
else
    notok gen_refusal_lines_rate_limited "$short lines cover less than 1 s: $(cat "$T/g1.err")"
fi
acked=$(sed -n 's/^gen: \([0-9]*\) events accepted.*/\1/p' "$T/g1.err")
refused=$(sed -n 's/.*, \([0-9]*\) refused by Redis,.*/\1/p' "$T/g1.err")
if [ "$rc" -eq 1 ] && [ -n "$acked" ] && [ "$acked" = "$(xsum g1)" ] && [ "${refused:-0}" -gt 0 ]; then
    ok gen_final_line_counts_accepted_and_refused
else
    notok gen_final_line_counts_accepted_and_refused \
        "exit $rc, accepted '$acked', refused '$refused', in the streams $(xsum g1): $(cat "$T/g1.err")"
fi

# ---------------------------------------------------------------- gen stops when nothing is accepted
rcli FLUSHALL >/dev/null
W gen --rate 4000 --duration 60s --give-up 2s --ns g2 >"$T/g2.out" 2>"$T/g2.err"
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'warroom gen: Redis refused every event for [0-9]* s' "$T/g2.err" &&
    grep -q 'giving up' "$T/g2.err" && [ "$(notes gen "$T/g2.err")" -ge 1 ]; then
    ok gen_gives_up_on_refusals_exit_1
else
    notok gen_gives_up_on_refusals_exit_1 "exit $rc: $(cat "$T/g2.err")"
fi
# it stopped because of the refusals, long before --duration: its own clock says so
secs=$(sed -n 's/^gen: [0-9]* events accepted in \([0-9]*\)\..*/\1/p' "$T/g2.err")
if [ -n "$secs" ] && [ "$secs" -lt 60 ]; then
    ok gen_stopped_before_duration
else
    notok gen_stopped_before_duration "ran '$secs' s: $(cat "$T/g2.err")"
fi

# ---------------------------------------------------------------- ingest: a live pipe, then a file
rcli FLUSHALL >/dev/null
# a writer that never ends: only the refusals can stop ingest
(while :; do
    for ((i = 0; i < 200; i++)); do echo "ing{k=v$i} $i"; done
    sleep 0.01
done) 2>/dev/null | W ingest --give-up 2s --ns i1 >"$T/i1.out" 2>"$T/i1.err" &
ipid=$!
wr_defer "kill $ipid 2>/dev/null"
if wait_for "! pid_alive $ipid" 60; then
    wait "$ipid"
    rc=$?
else
    rc=timeout
fi
acked=$(sed -n 's/^ingested \([0-9]*\) events.*/\1/p' "$T/i1.err")
if [ "$rc" = 1 ] && [ "$(notes ingest "$T/i1.err")" -ge 1 ] &&
    grep -q 'Redis refused every event for' "$T/i1.err" &&
    grep -qE '^ingested [0-9]+ events, [0-9]+ refused by Redis' "$T/i1.err" &&
    [ "$acked" = "$(xsum i1)" ]; then
    ok ingest_reports_and_gives_up_exit_1
else
    notok ingest_reports_and_gives_up_exit_1 "exit $rc, in the streams $(xsum i1): $(cat "$T/i1.err")"
fi

# a file whose every event is refused once the producer has started: each partition key of the
# namespace holds a string (WRONGTYPE), with room to spare in memory
rcli FLUSHALL >/dev/null
W send setup 1 --ns i2 >/dev/null 2>&1
for ((i = 0; i < 8; i++)); do rcli SET "i2:ev:{p$i}" x >/dev/null; done
seq -f 'ingf{k=a} %g' 1 100 >"$T/in.txt"
W ingest "$T/in.txt" --ns i2 >"$T/i2.out" 2>"$T/i2.err"
rc=$?
if [ "$rc" = 1 ] && grep -q '^ingested 0 events, 100 refused by Redis, rejected 0 lines' "$T/i2.err" &&
    grep -q 'warroom ingest: Redis refused 100 events; first reason: WRONGTYPE' "$T/i2.err" &&
    grep -q 'warroom ingest: Redis refused 100 events in [0-9.]* s (0 accepted): WRONGTYPE' \
        "$T/i2.err"; then
    ok ingest_file_all_refused_exit_1
else
    notok ingest_file_all_refused_exit_1 "exit $rc: $(cat "$T/i2.err")"
fi
W send sendm 1 --ns i2 >"$T/s1.out" 2>"$T/s1.err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'warroom send: Redis refused the event: WRONGTYPE' "$T/s1.err" &&
    [ ! -s "$T/s1.out" ]; then
    ok send_refused_exit_1
else
    notok send_refused_exit_1 "exit $rc, stdout '$(cat "$T/s1.out")': $(cat "$T/s1.err")"
fi

# ---------------------------------------------------------------- send on a full Redis
W gen --rate 0 --count 100000 --ns full >/dev/null 2>&1 # fills it
W send sendm 1 --ns full >"$T/s2.out" 2>"$T/s2.err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'OOM' "$T/s2.err" && [ ! -s "$T/s2.out" ]; then
    ok send_full_redis_exit_1
else
    notok send_full_redis_exit_1 "exit $rc, stdout '$(cat "$T/s2.out")': $(cat "$T/s2.err")"
fi

wr_done
