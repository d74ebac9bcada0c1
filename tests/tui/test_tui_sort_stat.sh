#!/usr/bin/env bash
# test_tui_sort_stat.sh — `s` reaches the statistics that have no column of their own: after
# the fixed columns it sorts by the trend column's statistic (`c`), with the arrow on that
# column's title; S reverses it, `c` moves the order along, `s` again goes back to the key.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

now_ms=$(($(date +%s%3N)))
# stddev: mid 49.5 > low 8.2 > flat 0; no other column orders them that way (rate and count:
# flat, low, mid; key: flat, low, mid; avg, p99, max: flat first)
{
    for i in 1 2 3 4; do echo "lat{svc=flat} 200 $((now_ms - 2000 - i))"; done
    for v in 40 50 60; do echo "lat{svc=low} $v $((now_ms - 2000 - v))"; done
    for v in 1 100; do echo "lat{svc=mid} $v $((now_ms - 2000 - v))"; done
} | "$WARROOM" ingest --redis "$REDIS_URL" >/dev/null 2>&1 || notok ingest "events not written"

# The services of the table's rows, top to bottom.
order() { tui_cap | sed -n '3,5p' | grep -o 'svc=[a-z]*' | cut -d= -f2 | tr '\n' ' '; }

if tui_start 120 40 && tui_wait "3 series"; then
    tui_keys w w # 15m: the events stay in the window for the whole test
    tui_wait "last 15m" 5
    for _ in $(seq 12); do tui_keys c; done # rate count avg p50 p90 p99 max min sum first last range stddev
    tui_wait "stddev" 5
    for _ in $(seq 6); do tui_keys s; done # count avg p50 p90 p99 max
    tui_wait "▼max" 5
    tui_keys s # after max: the trend's statistic
    if tui_wait "by stddev" 5 && tui_wait "stddev▼" 5 &&
        wait_for '[ "$(order)" = "mid low flat " ]' 5; then
        ok "s after max sorts by the trend column's statistic (stddev▼): mid, low, flat"
    else
        tui_dump stddev; notok "sort by stddev" "order '$(order)'"
    fi
    tui_keys S
    if tui_wait "stddev▲" 5 && wait_for '[ "$(order)" = "flat low mid " ]' 5; then
        ok "S reverses it: stddev▲, flat, low, mid"
    else
        tui_dump stddev_asc; notok "sort by stddev ascending" "order '$(order)'"
    fi
    tui_keys S c # stddev -> increase: the order moves along with the trend column
    if tui_wait "by increase" 5 && tui_wait "increase▼" 5; then
        ok "c while sorted by the trend's statistic: the order follows it (by increase)"
    else
        tui_dump follow; notok "sort follows c"
    fi
    tui_keys s
    if tui_wait "series▲" 5 && tui_wait "by key" 5 && ! tui_cap | grep -q "increase▼" &&
        wait_for '[ "$(order)" = "flat low mid " ]' 5; then
        ok "s again: back to the key (series▲), the trend column without arrow"
    else
        tui_dump key; notok "back to key" "order '$(order)'"
    fi
    tui_keys q
else
    tui_dump start; notok "sort by statistic" "interface did not come up"
fi

wr_done
