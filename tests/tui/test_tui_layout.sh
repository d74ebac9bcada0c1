#!/usr/bin/env bash
# test_tui_layout.sh — the interface's frame: panes at 80x24 and 160x48, stacked when narrow,
# after a live resize, zoom and focus, the too-small message, the help overlay from the key
# table, and q giving the shell back with the terminal restored.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# Row (0-based) of the first screen line matching a fixed string, or -1.
row_of() {
    tui_cap | grep -nF -- "$1" | head -1 | cut -d: -f1 | awk '{ print $1 - 1 }' | grep . ||
        echo -1
}

# Column (0-based, in characters) where a fixed string starts on its line, or -1.
col_of() {
    tui_cap | python3 -c '
import sys
t = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    i = line.find(t)
    if i >= 0:
        print(i); break
else:
    print(-1)' "$1"
}

# ---- 80x24: dashboard on top, alerts | chat side by side, status and hint lines ------------
if tui_start 80 24 && tui_wait "No alerts" && tui_wait "Chat #"; then
    top=$(row_of "Series")
    a=$(row_of "Alerts")
    c=$(row_of "Chat")
    st=$(row_of "partitions")
    hint=$(row_of "? help")
    if [ "$top" = 0 ] && [ "$a" = "$c" ] && [ "$a" -gt 5 ] && [ "$st" = 22 ] && [ "$hint" = 23 ] &&
        [ "$(col_of Chat)" -gt "$(col_of Alerts)" ]; then
        ok "80x24: dashboard on top, alerts and chat side by side, status and hints at the bottom"
    else
        tui_dump 80x24
        notok "80x24 layout" "rows series=$top alerts=$a chat=$c status=$st hints=$hint"
    fi
    tui_cap | grep -q "redis://127.0.0.1:$REDIS_PORT" && tui_cap | grep -q "ns wr" &&
        tui_cap | grep -q "8 partitions" && tui_cap | grep -qE "[0-9]{2}:[0-9]{2}:[0-9]{2}" &&
        ok "status line: address, namespace, partitions, clock" ||
        { tui_dump status; notok "status line" "missing parts"; }
else
    tui_dump start; notok "80x24 layout" "interface did not come up"
fi

# ---- a live resize to 160x48 ----------------------------------------------------------------
tui_resize 160 48
if wait_for '[ "$(row_of partitions)" = 46 ]' 5 && [ "$(tui_cap | wc -l)" -ge 48 ] &&
    [ "$(col_of Chat)" -ge 64 ]; then
    ok "resize to 160x48: relayout at once (status on row 46, chat at column 64)"
else
    tui_dump 160x48; notok "resize to 160x48" "status row $(row_of partitions)"
fi

# ---- narrow: stacked ------------------------------------------------------------------------
tui_resize 70 24
if wait_for '[ "$(row_of Alerts)" -gt 0 ] && [ "$(row_of Chat)" -gt "$(row_of Alerts)" ]' 5; then
    ok "70x24: alerts and chat stacked"
else
    tui_dump 70x24; notok "70x24 stacked" "alerts $(row_of Alerts) chat $(row_of Chat)"
fi

# ---- too small, then big enough again -------------------------------------------------------
tui_resize 50 10
if tui_wait "Terminal too small: 50x10" 5 && tui_wait "needs at least 60x15" 1; then
    ok "too small: the message states the size needed"
else
    tui_dump 50x10; notok "too small message"
fi
tui_resize 80 24
tui_wait "No alerts" 5 && ok "back from too small: panes again" ||
    { tui_dump back; notok "back from too small"; }

# ---- focus and zoom --------------------------------------------------------------------------
tui_keys Tab z
if tui_wait "No alerts" 3 && wait_for '[ "$(row_of Alerts)" = 0 ] && ! tui_cap | grep -q Series' 5
then
    ok "Tab then z: the alerts pane zoomed to the whole main area"
else
    tui_dump zoom; notok "zoom"
fi
tui_keys z BTab
tui_wait "Series" 3 && [ "$(row_of Series)" = 0 ] && ok "z again unzooms" ||
    { tui_dump unzoom; notok "unzoom"; }

# ---- help overlay from the key table --------------------------------------------------------
tui_keys '?'
if tui_wait "Keys (? or Esc closes)" 3 && tui_wait "quit from anywhere" 1; then
    ok "? shows the help overlay, listing the key table"
else
    tui_dump help; notok "help overlay"
fi
tui_keys End
if tui_wait "the pending and firing alerts" 3 && tui_wait "Quantiles are within 1 %" 1; then
    ok "the help scrolls to the last sections (End): chat commands, notes"
else
    tui_dump help; notok "help overlay"
fi
tui_keys Escape
tui_gone "Keys (? or Esc closes)" 3 && ok "Esc closes the help" || notok "help close"
tui_keys F1
tui_wait "Keys (? or Esc closes)" 3 && ok "F1 opens the help too" || notok "F1 help"
tui_keys q
tui_gone "Keys (? or Esc closes)" 3 || notok "q closes the help"

# ---- p pauses ----------------------------------------------------------------------------------
tui_keys p
tui_wait "PAUSED" 3 && ok "p shows the PAUSED banner" || { tui_dump pause; notok "pause"; }
tui_keys p
tui_gone "PAUSED" 3 && ok "p again resumes" || notok "resume"

# ---- q: the shell comes back, terminal sane ---------------------------------------------------
tui_keys q
if tui_wait "$TUI_PROMPT" 5 && tui_gone "partitions" 3; then
    tui_run "echo restored-\$((40+2))"
    if tui_wait "restored-42" 5; then
        # the typed command is echoed (echo mode back) and nothing is left in reverse or bold
        last=$(tui_cap -e | grep -F "restored-42" | tail -1)
        if tui_cap | grep -qF 'echo restored-$((40+2))' &&
            ! printf '%s' "$last" | grep -qE $'\e\\[[0-9;]*[1-9][0-9;]*m'; then
            ok "q exits: prompt back, typed text echoed, no attributes left over"
        else
            tui_dump restored; notok "terminal restored" "echo or attributes: $(printf %q "$last")"
        fi
    else
        tui_dump shell; notok "terminal restored" "the shell does not answer"
    fi
else
    tui_dump quit; notok "q exits"
fi

wr_done
