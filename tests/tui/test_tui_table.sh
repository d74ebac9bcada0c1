#!/usr/bin/env bash
# test_tui_table.sh — the series table and detail chart as a user reads them (tmux, 80x24,
# 120x40, 200x60): labels shared by every row said once in the title, long names cut in the
# middle, the selected key in full on the hint line, width shared at 200 columns; `g` grouping
# with merged counts and Enter expanding; a header that does not move with the sort arrow, ▲ for
# A..Z; filter matches underlined; `m` and `T` say what they did; the detail chart spanning its
# axis with labels under the instants they name.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# Column (0-based, in characters) where a fixed string starts on screen line $2 (0-based), -1
# when absent.
col_on() {
    tui_cap | python3 -c '
import sys
t, n = sys.argv[1], int(sys.argv[2])
lines = sys.stdin.read().split("\n")
print(lines[n].find(t) if n < len(lines) else -1)' "$1" "$2"
}

row_of() {
    tui_cap | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }' | grep . || echo -1
}

now_ms=$(($(date +%s%3N)))
# eu-west: five services, one with a long name; us-east: one series, so region differs between
# rows unless filtered; counts per series are known for the group checks
{
    for s in api auth billing search; do
        for i in 1 2 3; do echo "requests{region=eu-west,service=$s} 1 $((now_ms - 2000 - i))"; done
    done
    for i in 1 2 3 4 5; do
        echo "requests{region=eu-west,service=payments-reconciliation-worker} 2 $((now_ms - 2000 - i))"
    done
    for i in 1 2; do echo "requests{region=us-east,service=api} 7 $((now_ms - 2000 - i))"; done
} | "$WARROOM" ingest --redis "$REDIS_URL" >/dev/null 2>&1 || notok ingest "events not written"

# ---- 80x24: shared labels in the title, names cut in the middle, full key on the hint line ----
if tui_start 80 24 && tui_wait "6 series"; then
    tui_keys w w # 15m: the events stay in the window for the whole test
    tui_wait "last 15m" 5
    tui_keys /
    tui_type eu-west
    tui_keys Enter
    if tui_wait "region=eu-west ━" 5 && tui_wait "requests{service=auth}" 5 &&
        ! tui_cap | sed -n '3,9p' | grep -q "region=eu-west"; then
        ok "80x24: the label every shown row shares is said once in the title, not in each row"
    else
        tui_dump common; notok "shared label in the title"
    fi
    # the long name keeps its end (what tells it apart) with the ellipsis in the middle
    if tui_cap | grep -qE "requests\{ser[^ ]*…[^ ]*-worker\}"; then
        ok "80x24: a long name loses its middle, not its distinguishing end"
    else
        tui_dump middle; notok "middle elision"
    fi
    # the selected row's whole key on the hint line (the table shows it shortened)
    sel=$(tui_cap | grep -F "▶ requests" | head -1 | sed 's/.*▶ \(requests[^ ]*\).*/\1/')
    if tui_line 23 | grep -qF "▶ requests{region=eu-west," && tui_line 23 | grep -qF -- "-worker}" &&
        [ -n "$sel" ] && ! echo "$sel" | grep -q region; then
        ok "80x24: the hint line shows the selected row's full key"
    else
        tui_dump hint; notok "full key on the hint line" "row '$sel'"
    fi
    # filter matches underlined in the name column (SGR 4 right before the match)
    tui_keys Escape /
    tui_type AUTH
    tui_keys Enter
    if tui_wait "1 of 6 match" 5 && tui_cap -e | grep -qE $'\e\\[[0-9;]*4[0-9;]*m(\e\\[[0-9;]*m)*auth'; then
        ok "a substring filter's match is underlined in the name (case-insensitive)"
    else
        tui_dump match; notok "filter match highlight" "$(tui_cap -e | grep auth | cat -v | head -2)"
    fi
    tui_keys Escape
else
    tui_dump start; notok "80x24 table" "interface did not come up"
fi

# ---- the header does not move with the sort arrow; ▼ largest first, ▲ A..Z ------------------
tui_wait "6 series" 5
r=1 # the header row
rate_before=$(col_on "rate" "$r")
count_before=$(col_on "count" "$r")
tui_keys s # by count
if tui_wait "▼count" 5 && [ "$(col_on rate "$r")" = "$rate_before" ] &&
    [ "$(col_on count "$r")" = "$count_before" ]; then
    ok "the column titles stay put when the sort arrow moves (rate at $rate_before, count at $count_before)"
else
    tui_dump header; notok "header shift" "rate $rate_before -> $(col_on rate "$r"), count $count_before -> $(col_on count "$r")"
fi
for _ in 1 2 3 4 5 6; do tui_keys s; done # avg p50 p90 p99 max key
first_key() { tui_cap | sed -n '3p' | sed 's/^┃. *//' | awk '{ print $1 }'; }
# A..Z by the whole key: eu-west api, auth, billing, payments-…, search, then us-east api
if tui_wait "series▲" 5 && tui_wait "by key" 2 && first_key | grep -q "service=api}" &&
    tui_cap | sed -n '4p' | grep -q "auth}" && tui_cap | sed -n '7p' | grep -q "search}"; then
    ok "by key A..Z: the arrow is ▲ (smallest first), rows in A..Z order"
else
    tui_dump key; notok "A..Z arrow" "first row $(first_key)"
fi
tui_keys S
if tui_wait "series▼" 5 && wait_for 'tui_cap | sed -n "4p" | grep -q "search}"' 5; then
    ok "by key Z..A: the arrow is ▼"
else
    tui_dump keydesc; notok "Z..A arrow" "first row $(first_key)"
fi
tui_keys S s # back to A..Z then by rate

# ---- m and T say what they did --------------------------------------------------------------
tui_keys m
tui_wait "mouse on" 5 && ok "m: the status line says the mouse is on" ||
    { tui_dump mouse; notok "mouse feedback (on)"; }
tui_keys m
tui_wait "mouse off" 5 && ok "m again: the status line says it is off" ||
    { tui_dump mouse2; notok "mouse feedback (off)"; }
sgr_before=$(tui_cap -e | sed -n '1p')
tui_keys T
if tui_wait "theme light" 5 && [ "$(tui_cap -e | sed -n '1p')" != "$sgr_before" ]; then
    ok "T: switches to the light theme (colours change) and says so"
else
    tui_dump theme; notok "theme switch"
fi
tui_keys T
tui_wait_re "theme [a-z]+ \\(3 of" 5 && ok "T again: the next shipped theme (solarized)" ||
    { tui_dump theme2; notok "theme cycle"; }

# ---- 200x60: the name column takes what names need, numbers stay next to them ---------------
tui_resize 200 60
if wait_for '[ "$(col_on rate 1)" -gt 0 ] && [ "$(col_on rate 1)" -lt 80 ]' 5; then
    ok "200x60: the name column ends after the longest name (rate at column $(col_on rate 1))"
else
    tui_dump 200; notok "200x60 name width" "rate at column $(col_on rate 1)"
fi

# ---- 120x40: g groups by a label, counts merged, Enter expands ------------------------------
tui_resize 120 40
tui_keys g
if tui_wait "grouped by region" 5 && tui_wait_re "▸ region=eu-west \\(5\\) +[0-9.]+ +17 " 5 &&
    tui_wait_re "▸ region=us-east \\(1\\) +[0-9.]+ +2 " 2; then
    ok "g: one row per region with member count and merged event count (12 + 5 = 17)"
else
    tui_dump group; notok "grouping by region"
fi
# the merged max is the members' max (2), the us-east max is 7
tui_cap | grep -E "▸ region=eu-west" | grep -qE " 2 +[▁▂▃▄▅▆▇█ ]*┃$" &&
    tui_cap | grep -E "▸ region=us-east" | grep -qE " 7 +[▁▂▃▄▅▆▇█ ]*┃$" &&
    ok "group rows merge max exactly" || { tui_dump groupmax; notok "group max"; }
tui_keys Enter
if tui_wait "▾ region=eu-west (5)" 5 &&
    wait_for '[ "$(tui_cap | grep -cE "^┃   +requests\{service=")" = 5 ]' 5; then
    ok "Enter expands a group: its 5 members listed under it"
else
    tui_dump expand; notok "expand group"
fi
tui_keys g
tui_wait "grouped by service" 5 && tui_wait "▸ service=api (2)" 5 &&
    ok "g again: grouped by the next label" || { tui_dump group2; notok "next label"; }
tui_keys g
tui_wait "grouping off" 5 && tui_wait "6 series" 2 && ok "g after the last label: back to series" ||
    { tui_dump group3; notok "grouping off"; }
for _ in 1 2 3; do # back to the shell whatever is open
    tui_cap | grep -q "$TUI_PROMPT" || tui_keys Escape q
    tui_wait "$TUI_PROMPT" 3 && break
done

# ---- the detail chart spans its axis --------------------------------------------------------
# a series with one event every second for the last 3 minutes, and on while the test runs: the
# last minute is full up to now
now_ms=$(($(date +%s%3N)))
chart_from_s=$((now_ms / 1000 - 180)) # the oldest event's second
for i in $(seq 1 180); do echo "chart_ms{k=v} 5 $((now_ms - i * 1000))"; done |
    "$WARROOM" ingest --redis "$REDIS_URL" >/dev/null 2>&1
(while :; do "$WARROOM" send --redis "$REDIS_URL" chart_ms 5 k=v >/dev/null 2>&1; sleep 0.3; done) &
SENDER=$!
wr_defer "kill $SENDER 2>/dev/null"
tui_resize 100 30
tui_run "exec_warroom"
if tui_wait "chart_ms" 10; then
    tui_keys /
    tui_type chart
    tui_keys Enter Enter
    tui_wait "over the last 1m" 5
    axis=$(row_of "now┃")
    plot=$((axis - 1)) # the chart's bottom row: a count every second fills it
    c_left=$(col_on "-1m" "$axis")
    c_30=$(col_on "-30s" "$axis")
    c_now=$(col_on "now┃" "$axis")
    spans=$(tui_cap | sed -n "$((plot + 1))p" | python3 -c '
import sys
line = sys.stdin.read().rstrip("\n")
cells = [i for i, ch in enumerate(line) if "\u2801" <= ch <= "\u28ff"]
print(cells[0], cells[-1]) if cells else print(-1, -1)')
    first=${spans% *}
    last=${spans#* }
    width=$((c_now + 3 - c_left))
    mid=$((c_left + width / 2))
    # the plot starts under -1m and ends under the w of now (the second still filling is not
    # drawn: one column of lag allowed); -30s starts at the middle (±1)
    if [ "$first" = "$c_left" ] && [ "$last" -ge "$((c_now + 1))" ] &&
        [ "$last" -le "$((c_now + 2))" ] &&
        [ "$c_30" -ge $((mid - 1)) ] && [ "$c_30" -le $((mid + 1)) ]; then
        ok "detail chart: the plot spans its axis (columns $first..$last under -1m..now), -30s at the middle ($c_30)"
    else
        tui_dump chart
        notok "detail chart spans its axis" "plot $first..$last, -1m at $c_left, now ends $((c_now + 2)), -30s at $c_30 (middle $mid)"
    fi
    tui_keys w # 5m: the data starts where the labels say its first second is
    if tui_wait "over the last 5m" 5; then
        axis=$(row_of "now┃")
        c3=$(col_on "-3m" "$axis")
        c2=$(col_on "-2m" "$axis")
        ago=$(($(date +%s) - chart_from_s)) # seconds back to the first event now
        want=$((c3 - (ago - 180) * (c2 - c3) / 60)) # on the scale the labels set
        first=$(tui_cap | sed -n "${axis}p" | python3 -c '
import sys
line = sys.stdin.read()
cells = [i for i, ch in enumerate(line) if "\u2801" <= ch <= "\u28ff"]
print(cells[0] if cells else -1)')
        if [ "$c3" -ge 0 ] && [ "$c2" -gt "$c3" ] && [ "$first" -ge $((want - 3)) ] &&
            [ "$first" -le $((want + 3)) ]; then
            ok "detail chart 5m: data from ${ago}s ago starts where the -3m/-2m labels put it ($first vs $want)"
        else
            tui_dump chart5; notok "5m chart labels" "data from column $first, want $want (-3m at $c3, -2m at $c2, ${ago}s)"
        fi
    fi
    tui_keys q q
    kill $SENDER 2>/dev/null
else
    tui_dump chart_start; notok "detail chart" "series not shown"
fi

wr_done
