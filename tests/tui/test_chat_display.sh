#!/usr/bin/env bash
# test_chat_display.sh — what the chat pane shows: an emoji ZWJ sequence (👩‍👩‍👧) leaves the
# pane's right border where it was, also after the line has scrolled (the screen equals a full
# redraw, Ctrl-L); a bare PUBLISH without "ts" shows the time it arrived, not 00:00; `/filter
# alerts` hides alert lines (the title says so) and shows them again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
TUI_ENV="TZ=UTC" tui_start 100 30 --nick alice --room ops --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_keys 3
tui_wait "alice has joined" 10 || notok joined "no join line"

# every screen row ends with a border glyph in the last column, counted as curses counts
rows_ok() {
    tui_cap | python3 -c '
import sys, unicodedata
def w(ch):
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
bad = 0
for y, line in enumerate(sys.stdin.read().split("\n")[:28]):
    if sum(w(c) for c in line.rstrip()) != 100 and line.strip():
        print("row", y, "is", sum(w(c) for c in line), "columns:", line); bad += 1
sys.exit(1 if bad else 0)'
}

tui_type "family 👩‍👩‍👧 here and more text"
tui_keys Enter
tui_wait "here and more text" 10 || { tui_dump zwj; notok zwj_shown "message not shown"; }
for i in 1 2 3; do
    tui_type "line $i after the family"
    tui_keys Enter
done
# the posted line (not the typed text still in the input line) and an empty input line
tui_wait "<alice> line 3 after the family" 10 || notok more_lines "not shown"
wait_for '! tui_cap | grep -qF "] line 3 after the family"' 5 || notok more_lines "input not cleared"
# the right half (the chat pane): the status line holds the clock, and the alerts pane may
# change on its own (it says STALE once it sees that nobody evaluates the rules)
chat_half() { tui_cap | head -28 | python3 -c 'import sys; [print(l.rstrip("\n")[40:]) for l in sys.stdin]'; }
before=$(chat_half)
rows_ok && ok "zwj_keeps_the_border (every row 100 columns)" ||
    { tui_dump zwj; notok zwj_keeps_the_border "$(rows_ok)"; }
tui_keys C-l
wait_for 'tui_cap | grep -qF "<alice> line 3 after"' 5
after=$(chat_half)
[ "$before" = "$after" ] && ok zwj_screen_equals_a_full_redraw ||
    { notok zwj_screen_equals_a_full_redraw "$(diff <(echo "$before") <(echo "$after"))"; }

# ---- a PUBLISH without ts: the arrival time --------------------------------------------------
rcli PUBLISH wr:chat:ops '{"nick":"bot","kind":"msg","text":"no ts here"}' >/dev/null
tui_wait "no ts here" 10 || notok bare_publish "not shown"
line=$(tui_cap | grep -F "no ts here")
now=$(date -u +%s)
ok_time=0
for d in -60 0 60; do # the minute it arrived (or one next to it, at a minute's edge)
    t=$(date -u -d "@$((now + d))" +%H:%M)
    case "$line" in *"$t <bot> no ts here"*) ok_time=1 ;; esac
done
[ $ok_time = 1 ] && ok bare_publish_shows_arrival_time ||
    notok bare_publish_shows_arrival_time "$line"

# ---- /filter alerts ----------------------------------------------------------------------------
"$WARROOM" chat ops --redis "$REDIS_URL" --nick alerts --kind alert \
    --say "FIRING critical hot{host=a} 10 > 5 [036226]" >/dev/null
tui_wait "[alert] FIRING critical hot{host=a} 10 > 5" 10 ||
    { tui_dump alert; notok alert_line_shown "not shown"; }
tui_type "/filter alerts"
tui_keys Enter
tui_gone "[alert] FIRING" 10 && tui_wait "alerts hidden" 5 && ok filter_alerts_hides_them ||
    { tui_dump filter; notok filter_alerts_hides_them "still shown"; }
tui_cap | grep -qF "no ts here" && ok filter_keeps_other_lines || notok filter_keeps_other_lines
tui_type "/filter alerts"
tui_keys Enter
tui_wait "[alert] FIRING critical hot" 10 && tui_gone "alerts hidden" 5 &&
    ok filter_alerts_again_shows_them || { tui_dump unfilter; notok filter_alerts_again_shows_them; }
wr_done
