#!/usr/bin/env bash
# test_tui_rollups.sh — the interface in group mode (NS:meta mode group): it loads its window
# from the 1-s rollups (written here by tests/tools/mkroll, as `worker --group` would), shows
# their exact counts, says "rollups 1s" on its status line ("raw events" in embedded mode), names
# a rollup that does not decode there, live, instead of failing; merges a partition's entries
# series by series whatever order they name the series in; and shows the same numbers as
# embedded mode on the same events.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"
MKROLL=${MKROLL:-$(dirname "$WARROOM")/tests/mkroll}
[ -x "$MKROLL" ] || { notok mkroll "build it: make $(dirname "$WARROOM")/tests/mkroll"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# Known data: 300 and 40 events, and a series of one event, as rollups and as raw events; one
# more series (rollonly) as a rollup only.
now=$(date +%s%3N)
{
    for i in $(seq 1 300); do echo "rolltest_size{case=a} $i $((now - 25000 + i * 50))"; done
    for i in $(seq 1 40); do echo "rolltest_lat{svc=api} $((i * 2)) $((now - 20000 + i * 250))"; done
    echo "rolltest_once{svc=db} 9 $((now - 15000))"
} >"$T/events.txt"
{ cat "$T/events.txt"; echo "rollonly{x=1} 5 $((now - 12000))"; } | "$MKROLL" --tier 1s |
    rcli --pipe >/dev/null 2>&1
# the same events raw (but rollonly), for embedded mode (read only there)
"$WARROOM" ingest --redis "$REDIS_URL" "$T/events.txt" >/dev/null 2>&1
rcli HSET wr:meta mode group >/dev/null

# The whitespace-separated cells of the row of a series (selection glyph dropped).
row_cells() {
    tui_cap | grep -F -- "$1" | head -1 | sed 's/[┃│|]/ /g; s/▶/ /'
}

tui_start 200 40 || { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "rolltest_once" 10 && tui_wait "rollonly{x=1}" 5 ||
    { tui_dump data; notok data "rows did not appear"; }
tui_wait "rollups 1s" 5 && ok "status line says rollups 1s" ||
    { tui_dump source; notok "status source" "no 'rollups 1s'"; }
read -r _ _ count _ <<<"$(row_cells 'rolltest_size{case=a}')"
read -r _ _ count2 _ <<<"$(row_cells 'rolltest_lat{svc=api}')"
read -r _ _ count3 _ <<<"$(row_cells 'rolltest_once{svc=db}')"
[ "$count" = 300 ] && [ "$count2" = 40 ] && [ "$count3" = 1 ] &&
    ok "rows from rollups: counts 300, 40, 1" || { tui_dump counts; notok counts "$count $count2 $count3"; }
# count, avg, p50, p90, p99, max of the three rows (rate left out: embedded mode's windows end
# now, group mode's at the newest second the rollups hold)
stats_of() {
    for k in 'rolltest_size{case=a}' 'rolltest_lat{svc=api}' 'rolltest_once{svc=db}'; do
        row_cells "$k" | awk '{print $1, $3, $4, $5, $6, $7, $8}'
    done
}
group_stats=$(stats_of)

# a rollup that does not decode, arriving live: named on the status line, the rest still shown
rcli XADD 'wr:roll:1s:{p0}' '*' 'bad{k=v}' 'garbage' >/dev/null
tui_wait "1 rollup rejected (wr:roll:1s:{p0}" 10 && tui_cap | grep -q "rolltest_size" &&
    ok "a bad rollup is named on the status line, the rows stay" ||
    { tui_dump hostile; notok hostile "not shown"; }
tui_stop

# Start-up merges a partition's entries series by series (reader_roll.c): 24 series with an
# event in every second, their entries naming the keys in one order (ns so) or in an order drawn
# anew for every entry (ns ss, mkroll --shuffle); every series' count exact in both.
for i in $(seq 0 23); do
    for s in $(seq 0 11); do
        for k in $(seq 0 $((i % 4))); do
            printf 'shuf{i=%02d} %d %d\n' "$i" $((i * 10 + k)) $((now - 30000 + s * 1000 + k * 100 + i))
        done
    done
done >"$T/shuf.txt"
for ns in so ss; do
    shuffle=0
    [ $ns = ss ] && shuffle=7
    "$MKROLL" --ns $ns --shuffle $shuffle <"$T/shuf.txt" | rcli --pipe >/dev/null 2>&1
    rcli HSET $ns:meta version 2 partitions 8 mode group >/dev/null
    tui_start 200 60 --ns $ns || { tui_dump "start $ns"; notok "start $ns" "no interface"; continue; }
    tui_wait "shuf{i=23}" 10 || tui_dump "rows $ns"
    bad=""
    for i in $(seq 0 23); do
        read -r _ _ c _ <<<"$(row_cells "shuf{i=$(printf %02d "$i")}")"
        [ "$c" = $((12 * (i % 4 + 1))) ] || bad+=" $i:$c"
    done
    [ -z "$bad" ] && ok "start-up series by series (ns $ns, shuffle $shuffle): 24 counts exact" ||
        { tui_dump "counts $ns"; notok "counts $ns" "$bad"; }
    tui_stop
done

rcli HSET wr:meta mode embedded >/dev/null
tui_start 200 40 || { tui_dump start2; notok start2 "interface did not come up"; wr_done; }
tui_wait "raw events" 10 && tui_wait "rolltest_once" 10 && ! tui_cap | grep -q "rollonly" &&
    ok "embedded mode: raw events on the status line, no rollup read" ||
    { tui_dump embedded; notok embedded "status"; }
[ "$(stats_of)" = "$group_stats" ] && [ -n "$group_stats" ] &&
    ok "the interface shows the same numbers in group and embedded mode on the same events" ||
    { tui_dump same; notok same "group: $group_stats / embedded: $(stats_of)"; }
tui_stop
wr_done
