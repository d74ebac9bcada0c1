#!/usr/bin/env bash
# test_bench_e2e.sh — `warroom bench e2e` (every row, with its ratio) and `--cluster`, with tiny
# counts: it starts its own servers (one Redis, a 3-master cluster, a master + replica), prints
# every table row, and the `--min-replicas 1` run confirms on the replica every event it got
# accepted. Never timings.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"

# the plain table: each producer next to redis-cli --pipe and the reader next to its ceiling, each
# a ratio from the same run
"$W" bench e2e --events 2000 >"$T/plain" 2>"$T/perr"
rc=$?
rows=0
for what in 'producer: file -> XADD (`warroom ingest` vs `redis-cli --pipe`)' \
    'producer: synthetic -> XADD (`warroom gen --rate 0` vs `redis-cli --pipe`)' \
    'reader: XREAD -> core (warroom reader vs discarding XREAD loop)'; do
    grep -qF "| $what | " "$T/plain" &&
        grep -F "| $what | " "$T/plain" | grep -qE '\| \*\*[0-9]+ %\*\* \|$' && rows=$((rows + 1))
done
if [ $rc = 0 ] && [ $rows = 3 ]; then
    ok bench_e2e_rows
else
    notok bench_e2e_rows "exit $rc, $rows rows: $(tail -3 "$T/perr") $(cat "$T/plain")"
fi

"$W" bench e2e --cluster --events 2000 >"$T/out" 2>"$T/err"
rc=$?
if [ $rc = 0 ] &&
    grep -q '^| producer: file -> XADD (`warroom ingest`) | [0-9]* k ev/s' "$T/out" &&
    grep -q '^| reader: XREAD -> core (warroom reader) | [0-9]* k ev/s' "$T/out"; then
    ok bench_cluster_rows
else
    notok bench_cluster_rows "exit $rc: $(tail -3 "$T/err") $(cat "$T/out")"
fi

# | producer: `warroom gen` -> XADD | 31 k ev/s (2000 events, 0.07 s) | 36 k ev/s (2000 events, ...
prod=$(grep '^| producer: `warroom gen` -> XADD |' "$T/out")
none=$(printf '%s' "$prod" | sed -nE 's/^[^|]*\|[^|]*\| [0-9]+ k ev\/s \(([0-9]+) events, .*/\1/p')
with=$(printf '%s' "$prod" | sed -nE 's/.*\| [0-9]+ k ev\/s \(([0-9]+) events, [0-9.]+ s\) \| [0-9]+ % \|$/\1/p')
if [ -n "$none" ] && [ "$none" -gt 0 ] && [ -n "$with" ] && [ "$with" -gt 0 ]; then
    ok bench_min_replicas_row
else
    notok bench_min_replicas_row "no-WAIT '$none', with WAIT '$with': $prod $(tail -3 "$T/err")"
fi

# | confirmed by WAIT | - | C of A accepted, U unconfirmed (replica holds H) | |
conf=$(sed -nE 's/^\| confirmed by WAIT \| - \| ([0-9]+) of ([0-9]+) accepted, ([0-9]+) unconfirmed \(replica holds ([0-9]+)\) \| \|$/\1 \2 \3 \4/p' "$T/out")
read -r c a u h <<<"$conf"
if [ -n "$conf" ] && [ "$c" = "$a" ] && [ "$a" = "$with" ] && [ "$u" = 0 ] && [ "$h" -ge "$c" ]; then
    ok bench_min_replicas_all_confirmed
else
    notok bench_min_replicas_all_confirmed "'$conf' (gen sent '$with'): $(grep WAIT "$T/out")"
fi

wr_done
