#!/usr/bin/env bash
# test_deadletters.sh — dead letters one key away (issue 11.10): real bad entries in the
# partition streams are counted on the status line ("rejected N (d)"); d, or a click on that
# segment with --mouse, opens a view listing them by partition with reason, detail, ID and the
# original fields; hostile text shows as visible text (no title change); r reads again; a Redis
# error is shown in the view; Esc goes back.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
# X10 mouse report as a terminal sends it: ESC [ M, button + 32, column + 33, row + 33
mouse_click() {
    local x y
    x="\\x$(printf %x $((33 + $1)))"
    y="\\x$(printf %x $((33 + $2)))"
    tui_type "$(printf '\033[M%b%b%b\033[M%b%b%b' "\\x20" "$x" "$y" "\\x23" "$x" "$y")"
}
status_row() { tui_cap | grep -n ' rejected ' | head -1 | cut -d: -f1; }

TUI_ENV="" tui_start 120 30 --mouse --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
rcli XADD 'wr:ev:{p1}' '*' metric cpu value abc >/dev/null
rcli XADD 'wr:ev:{p2}' '*' value 1 >/dev/null
rcli XADD 'wr:ev:{p3}' '*' metric "$(printf 'evil\033]0;pwned\007')" value 2 >/dev/null
tui_wait "rejected 3 (d)" 15 && ok "the status line counts the rejected entries" ||
    { tui_dump count; notok count "no 'rejected 3 (d)'"; }

tui_keys d
if tui_wait "Dead letters wr:dlq:{p0}" 10 && tui_wait "3 rejected entries kept" 10 &&
    tui_cap | grep -qF "partition 1" && tui_cap | grep -qF "partition 2" &&
    tui_cap | grep -qF "partition 3"; then
    ok "d opens the dead letters, by partition"
else
    tui_dump open
    notok "d opens the dead letters, by partition" "view not as expected"
fi
tui_cap | grep -qF 'value not a number' && tui_cap | grep -qF 'value "abc" is not a number' &&
    tui_cap | grep -qF 'metric=cpu value=abc' && ok "reason, detail and fields are shown" ||
    { tui_dump p1; notok "reason, detail and fields are shown" "partition 1's entry"; }
id1=$(rcli XRANGE 'wr:ev:{p1}' - + | head -1)
tui_cap | grep -qF -- "$id1" && ok "the rejected entry's ID is shown" ||
    { tui_dump id; notok "the rejected entry's ID is shown" "no $id1"; }
if tui_cap | grep -qF 'metric=evil^[]0;pwned^G' &&
    [ "$(tui_tmux display -p -t =t: '#{pane_title}')" != pwned ]; then
    ok "hostile text is shown as visible text"
else
    tui_dump hostile
    notok "hostile text is shown as visible text" "title: $(tui_tmux display -p -t =t: '#{pane_title}')"
fi
hints=$(tui_cap | tail -1)
echo "$hints" | grep -qF "r refresh" && echo "$hints" | grep -qF "Esc back" &&
    ok "the hint line shows the view's keys" || notok "dead-letter hints" "$hints"

# a new bad entry appears after r
rcli XADD 'wr:ev:{p0}' '*' metric mem value 1e999 >/dev/null
tui_wait "rejected 4 (d)" 15 || notok count4 "not counted"
tui_keys r
tui_wait "4 rejected entries kept" 10 && tui_wait "partition 0" 5 && ok "r reads the dead letters again" ||
    { tui_dump refresh; notok "r reads the dead letters again" "no partition 0"; }

tui_keys Escape
tui_wait "Series" 10 && tui_gone "Dead letters" 5 && ok "Esc goes back to the table" ||
    { tui_dump back; notok "Esc goes back to the table"; }

# a click on "rejected 4 (d)" on the status line opens it too
row=$(status_row)
col=$(tui_line $((row - 1)) | python3 -c 'import sys; print(sys.stdin.read().index("rejected"))')
mouse_click $((col + 2)) $((row - 1))
tui_wait "Dead letters wr:dlq:{p0}" 10 && ok "a click on 'rejected N' opens the dead letters" ||
    { tui_dump click; notok "a click on 'rejected N' opens the dead letters" "row $row col $col"; }
tui_keys Escape
tui_gone "Dead letters" 5

# a read Redis refuses is said in the view
rcli DEL 'wr:dlq:{p1}' >/dev/null
rcli SET 'wr:dlq:{p1}' notastream >/dev/null
tui_keys d
tui_wait "reading wr:dlq:{p1}: WRONGTYPE" 10 && ok "a refused read is shown in the view" ||
    { tui_dump wrongtype; notok "a refused read is shown in the view" "no WRONGTYPE"; }
tui_keys q
tui_gone "Dead letters" 5 && tui_keys q && tui_wait "$TUI_PROMPT" 10 && ok "q leaves the view, then quits" ||
    { tui_dump quit; notok quit "did not quit"; }

wr_done
