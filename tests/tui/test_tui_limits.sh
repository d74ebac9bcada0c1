#!/usr/bin/env bash
# test_tui_limits.sh — what the interface says about its limits and how it writes small numbers:
# a reached series cap in the status line (with the option that raises it), a window that the
# replayed history cannot fill in the title ("1m (21s of data)") with the rate per second of
# that part, values below 1 as decimals (0.70, not 700m), and a constant series' quantiles
# exactly its value.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# the cells of a series' row (selection glyph and borders dropped), the row named $1 exactly
# (not the hint line, which repeats the selected row's whole key)
row_cells() {
    tui_cap | head -n -2 | sed 's/[┃│|]/ /g; s/▶/ /' | awk -v k="$1" '$1 == k' | head -1
}

# ---- the series cap in the status line ------------------------------------------------------
for i in $(seq 0 9); do
    echo "capm{i=$i} 1"
    echo "capm{i=$i} 2"
done | "$WARROOM" ingest --redis "$REDIS_URL" --ns cap >/dev/null 2>&1 ||
    notok ingest "could not write events"
tui_start 170 30 --ns cap --max-series 5 || { tui_dump start; notok start "no interface"; wr_done; }
# the status line is the one with the address and the partitions (above the key hints); the
# refused events count as rejected, which moves up right after the warnings (issue 11.10)
if tui_wait "series cap 5 reached: 10 events dropped; raise --max-series" 10 &&
    tui_line 28 | grep -q "^ . redis://.* live  │ ▲ series cap 5 reached: 10 events dropped; raise --max-series  │ rejected 10 (d) │ ns cap │ 8 partitions"; then
    ok status_line_shows_series_cap
else
    tui_dump cap
    notok status_line_shows_series_cap "$(tui_line 28)"
fi
tui_keys q
tui_wait "wr-prompt" 5

# ---- a window longer than the replay; small numbers ---------------------------------------
{
    for i in $(seq 1 30); do echo "lim_req{svc=api} 1"; done
    for i in $(seq 1 10); do echo "lim_frac{svc=api} 0.7"; done
} | "$WARROOM" ingest --redis "$REDIS_URL" --ns lim >/dev/null 2>&1 ||
    notok ingest "could not write events"
# 20 s of history replayed: the default 1-minute window holds 20 s and a few of data
tui_start 170 30 --ns lim --window 20s || { tui_dump start; notok start "no interface"; wr_done; }
tui_wait "lim_frac " 10 || tui_dump rows
if tui_wait_re "Series . last 1m \([0-9]+s of data\) . by rate" 10; then
    ok title_says_window_not_full
else
    tui_dump title
    notok title_says_window_not_full "$(tui_line 0)"
fi
# both rows share svc=api: the title says it once, the rows are named lim_req and lim_frac
read -r _ rate count _ <<<"$(row_cells 'lim_req')"
# 30 events over the seconds that could hold data (from the oldest event read, as the title
# says, in whole seconds rounded down: the true span is c to c + 1), not over 60 (0.50)
covered=$(tui_line 0 | sed -n 's/.*(\([0-9]*\)s of data).*/\1/p')
if [ "$count" = 30 ] && [ -n "$covered" ] &&
    awk -v r="$rate" -v c="$covered" 'BEGIN { exit !(r + 0 > 0.5 && r * c <= 36 && r * (c + 1) >= 24) }'; then
    ok rate_over_covered_part
else
    tui_dump rate
    notok rate_over_covered_part "rate=$rate count=$count covered=$covered"
fi
read -r _ rate count avg p50 p90 p99 max _ <<<"$(row_cells 'lim_frac')"
if [ "$count" = 10 ] && [ "$avg" = 0.70 ] && [ "$p50" = 0.70 ] && [ "$p99" = 0.70 ] &&
    [ "$max" = 0.70 ]; then
    ok small_values_as_decimals_and_exact_quantiles
else
    tui_dump frac
    notok small_values_as_decimals_and_exact_quantiles "avg=$avg p50=$p50 p99=$p99 max=$max"
fi
# the 10 s window lies inside the replayed 20 s: a full window, no note
tui_keys w w w
if tui_wait_re "Series . last 10s . by rate" 5 && ! tui_cap | grep -q "of data"; then
    ok full_window_no_note
else
    tui_dump window
    notok full_window_no_note "$(tui_line 0)"
fi
tui_keys q
tui_wait "wr-prompt" 5

wr_done
