#!/usr/bin/env bash
# test_tui_data.sh — what the interface shows for known data written with `warroom ingest`:
# the right count and p99 in a series' row, sorting and filtering changing the rows as
# expected, the detail view with its histogram, and NO_COLOR drawing without colours.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# Known data, stamped now (no ts: the entry ID's time): one series with the values 1..500,
# three more with 30, 20 and 10 events.
{
    for i in $(seq 1 500); do echo "tuitest_size{case=p99} $i"; done
    for i in $(seq 1 30); do echo "tuitest_lat_ms{svc=api} $((10 + i))"; done
    for i in $(seq 1 10); do echo "tuitest_lat_ms{svc=web} 100"; echo "tuitest_lat_ms{svc=web} 120"; done
    for i in $(seq 1 10); do echo "tuitest_req{svc=api} 1"; done
} | "$WARROOM" ingest --redis "$REDIS_URL" >/dev/null 2>&1 || notok ingest "could not write events"

# The whitespace-separated cells of the row of a series (selection glyph dropped).
row_cells() {
    tui_cap | grep -F -- "$1" | head -1 | sed 's/[┃│|]/ /g; s/▶/ /'
}

# Screen rows of the test series, in the order they appear.
# The series names in the table, top to bottom (not the title, which may quote the filter, nor
# the status and hint lines: the hint line repeats the selected row's key). Labels every row
# shares are left out of the names.
order() {
    tui_cap | tail -n +2 | head -n -2 | grep -oE 'tuitest_[a-z_]+(\{[a-z0-9=]+\})?' | tr '\n' ' '
}

tui_start 160 48 || { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "tuitest_req{svc=api}" 10 || { tui_dump data; notok data "rows did not appear"; }

# ---- count and p99 of the known series ------------------------------------------------------
read -r key rate count avg p50 p90 p99 max _ <<<"$(row_cells 'tuitest_size{case=p99}')"
# true p99 of 1..500 is the value at the nearest rank ceil(0.99 * 500) = 495: 495; the sketch is
# within 1 % and the display rounds to 3 digits
if [ "$count" = 500 ] && [ "$max" = 500 ] &&
    awk -v v="$p99" 'BEGIN { exit !(v >= 495 * 0.985 && v <= 495 * 1.015) }'; then
    ok "row of tuitest_size: count 500, p99 $p99 (true 495), max 500"
else
    tui_dump row; notok "count and p99" "count=$count p99=$p99 max=$max"
fi
read -r key rate count _ <<<"$(row_cells 'tuitest_lat_ms{svc=web}')"
read -r _ _ _ avg _ <<<"$(row_cells 'tuitest_lat_ms{svc=web}')"
# 10 x 100 and 10 x 120 in ms: avg 110 ms, shown as a duration because of the _ms suffix
[ "$count" = 20 ] && [ "$avg" = "110ms" ] && ok "a _ms series shows durations (avg 110ms)" ||
    { tui_dump ms; notok "duration column" "count=$count avg=$avg"; }

# ---- sort -------------------------------------------------------------------------------------
want_rate='tuitest_size{case=p99} tuitest_lat_ms{svc=api} tuitest_lat_ms{svc=web} tuitest_req{svc=api} '
wait_for '[ "$(order)" = "$want_rate" ]' 5 && ok "default sort: by rate, largest first" ||
    { tui_dump sort; notok "sort by rate" "$(order)"; }
tui_keys S
want_rev='tuitest_req{svc=api} tuitest_lat_ms{svc=web} tuitest_lat_ms{svc=api} tuitest_size{case=p99} '
wait_for '[ "$(order)" = "$want_rev" ]' 5 && ok "S reverses the order" ||
    { tui_dump reverse; notok "S reverse" "$(order)"; }
tui_keys S
for _ in 1 2 3 4 5 6 7; do tui_keys s; done
want_key='tuitest_lat_ms{svc=api} tuitest_lat_ms{svc=web} tuitest_req{svc=api} tuitest_size{case=p99} '
if tui_wait "by key" 5 && wait_for '[ "$(order)" = "$want_key" ]' 5; then
    ok "s cycles the sort column: by key, A to Z"
else
    tui_dump key; notok "sort by key" "$(order)"
fi
tui_keys s s s s s s
want_p99='tuitest_size{case=p99} tuitest_lat_ms{svc=web} tuitest_lat_ms{svc=api} tuitest_req{svc=api} '
if tui_wait "by p99" 5 && wait_for '[ "$(order)" = "$want_p99" ]' 5; then
    ok "sort by p99, largest first"
else
    tui_dump p99; notok "sort by p99" "$(order)"
fi

# ---- selection keys and the window ---------------------------------------------------------------
# rows (by p99 now): size, web, api, req; the table starts on row 2 of the screen
sel_row() {
    tui_cap | grep -n "▶" | head -1 | cut -d: -f1
}
tui_keys End
wait_for '[ "$(sel_row)" = 6 ]' 3 && tui_keys k && wait_for '[ "$(sel_row)" = 5 ]' 3 &&
    tui_keys Home && wait_for '[ "$(sel_row)" = 3 ]' 3 && tui_keys j Down &&
    wait_for '[ "$(sel_row)" = 5 ]' 3 && tui_keys PageUp && wait_for '[ "$(sel_row)" = 3 ]' 3 &&
    tui_keys PageDown && wait_for '[ "$(sel_row)" = 6 ]' 3 &&
    ok "selection: End, k, Home, j, Down, PgUp, PgDn move the marked row" ||
    { tui_dump select; notok "selection keys" "row $(sel_row)"; }
tui_keys w
tui_wait "last 5m" 3 && tui_keys w && tui_wait "last 15m" 3 && tui_keys w &&
    tui_wait "last 10s" 3 && tui_keys w && tui_wait "last 1m" 3 &&
    ok "w cycles the window: 5m, 15m, 10s, 1m" || { tui_dump window; notok "window cycle"; }

# ---- filter: substring, then selector ----------------------------------------------------------
tui_keys /
tui_type "svc=api"
tui_keys Enter
if tui_wait "2 of 4 match" 5 && [ "$(order)" = 'tuitest_lat_ms tuitest_req ' ] &&
    tui_wait "· svc=api ━" 1; then
    ok "filter 'svc=api' (substring): the two api series (svc=api said once, in the title)"
else
    tui_dump filter; notok "substring filter" "$(order)"
fi
tui_keys Escape
tui_wait "4 series" 5 && ok "Esc clears the filter" || { tui_dump esc; notok "Esc clears"; }
tui_keys /
tui_type 'tuitest_lat_ms{svc=~w.*}'
tui_wait "(selector)" 5 && ok "a filter with braces is read as a selector" ||
    { tui_dump sel; notok "selector note"; }
tui_keys Enter
if tui_wait "1 of 4 match" 5 && [ "$(order)" = 'tuitest_lat_ms{svc=web} ' ]; then
    ok "selector filter tuitest_lat_ms{svc=~w.*}: only the web series"
else
    tui_dump selector; notok "selector filter" "$(order)"
fi
tui_keys Escape
# the query language's substring matcher and an expression's selector (issue 14)
# filter_case TEXT NOTE CHECK NAME: types the filter, waits for its note, keeps it, runs CHECK
filter_case() {
    tui_keys /
    tui_type "$1"
    if tui_wait "($2)" 5 && tui_keys Enter && eval "$3"; then ok "$4"; else
        tui_dump filter_case; notok "$4" "$(order)"; fi
    tui_keys Escape
}
filter_case '~"SVC=WEB"' selector 'wait_for "[ \"\$(order)\" = \"tuitest_lat_ms{svc=web} \" ]" 5' \
    'filter ~"SVC=WEB": a substring matcher, case ignored'
filter_case 'p99(*{~api}) by (svc) over 5m' "selector of the expression" 'tui_wait "2 of 4 match" 5' \
    "filter with an expression: its selector picks the two api series"

# c cycles the sparkline statistic through the query language's aggregations, then back to rate
tui_keys c c c c c c c c c
tui_wait "first" 5 && tui_keys c c c c && tui_wait "increase" 5 && tui_keys c &&
    tui_wait "rate" 5 && tui_gone "increase" 5 && ok "c reaches first and increase, then rate again" ||
    { tui_dump stat; notok "c cycle"; }

# ---- detail view --------------------------------------------------------------------------------
tui_keys /
tui_type "case=p99"
tui_keys Enter
wait_for '[ "$(order)" = "tuitest_size{case=p99} " ]' 5 || notok "filter case=p99" "$(order)"
tui_keys Enter
if tui_wait "Distribution, last 1m" 5 && tui_wait "◀ p50" 2 && tui_wait "p99" 1 &&
    tui_cap | grep -q "█" && tui_wait "over the last 1m" 1 && tui_wait "Sessions" 1 &&
    tui_wait "count 500" 1 && tui_wait "late 0   expired 0" 1; then
    ok "Enter opens the detail view: histogram bars with p50/p90/p99 markers, chart, sessions"
else
    tui_dump detail; notok "detail view"
fi
# the histogram rows add up to the count: sum the count column of the bar rows
sum=$(tui_cap | python3 -c '
import re, sys
total = 0
row = re.compile(r"[0-9.]+[a-zµ]*–[0-9.]+[a-zµA-Z]* [█▏▎▍▌▋▊▉ ]+?([0-9.]+)(k?)(?: |┃|$)")
for line in sys.stdin:
    m = row.search(line)
    if m:
        total += float(m.group(1)) * (1000 if m.group(2) else 1)
print(int(total))')
[ "$sum" = 500 ] && ok "histogram rows sum to the series' count (500)" ||
    { tui_dump hist; notok "histogram counts" "sum=$sum"; }
tui_keys Escape
tui_wait "Series" 5 && tui_gone "Distribution" 3 && ok "Esc returns to the table" ||
    { tui_dump back; notok "detail back"; }
tui_keys q
tui_wait "$TUI_PROMPT" 5 || notok "quit"

# ---- mouse (--mouse): a click selects a row and focuses a pane -----------------------------------
# X10 mouse reports as a terminal sends them: ESC [ M, button + 32, column + 33, row + 33; a
# press (button 0) then the release (button 3)
mouse_click() {
    local x y
    x="\\x$(printf %x $((33 + $1)))"
    y="\\x$(printf %x $((33 + $2)))"
    tui_type "$(printf '\033[M%b%b%b\033[M%b%b%b' "\\x20" "$x" "$y" "\\x23" "$x" "$y")"
}
tui_start 100 30 --mouse && tui_wait "tuitest_req" 5
mouse_click 10 4 # third table row (border and header above)
if wait_for 'tui_line 4 | grep -q "▶"' 5; then
    ok "mouse: a click selects the row under the pointer"
else
    tui_dump click; notok "mouse click row"
fi
mouse_click 5 20 # inside the alerts pane
if wait_for 'tui_cap | grep -q "┏━ Alerts"' 5; then
    ok "mouse: a click focuses the pane under the pointer"
else
    tui_dump focus; notok "mouse focus"
fi
tui_keys q
tui_wait "$TUI_PROMPT" 5

# ---- colours and NO_COLOR -------------------------------------------------------------------------
# SGR parameters that set a colour: 30-38, 40-48, 90-97, 100-107 (39 and 49 are resets to the
# default, which tmux writes for every cell).
colour_sgr() {
    python3 -c '
import re, sys
n = 0
for m in re.finditer(r"\x1b\[([0-9;:]*)m", sys.stdin.read()):
    ps = [p for p in re.split("[;:]", m.group(1)) if p]
    i = 0
    while i < len(ps):
        v = int(ps[i])
        if 30 <= v <= 38 or 40 <= v <= 48 or 90 <= v <= 97 or 100 <= v <= 107:
            n += 1
        if v in (38, 48):
            i += 2 if i + 1 < len(ps) and ps[i + 1] == "5" else 4
        i += 1
print(n)'
}
tui_start 100 30 && tui_wait "tuitest_req" 5
with=$(tui_cap -e | colour_sgr)
tui_keys q
tui_wait "$TUI_PROMPT" 5
TUI_ENV="NO_COLOR=1" tui_start 100 30 && tui_wait "tuitest_req" 5
without=$(tui_cap -e | colour_sgr)
if [ "$with" -gt 0 ] && [ "$without" = 0 ] && tui_cap | grep -q "▶"; then
    ok "NO_COLOR: no colour sequences ($with with colours), selection still marked"
else
    tui_dump nocolor; notok "NO_COLOR" "colour SGRs with=$with without=$without"
fi
tui_keys q

wr_done
