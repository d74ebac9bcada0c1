#!/usr/bin/env bash
# test_help_chat.sh — help and hints follow the focus (issue 11.7): while typing in the chat the
# hint line shows the chat's keys (not `q quit ... z zoom`, which would type letters), letters
# typed there are text, Esc gives the list keys back, and the ?/F1 overlay opened from the chat
# starts at the chat's keys and lists every chat /command.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
TUI_ENV="" tui_start 100 30 --nick alice --room ops --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
hints() { tui_cap | tail -1; }
hints_have() { hints | grep -qF -- "$1"; }

wait_for 'hints_have "q quit" && hints_have "z zoom"' 10 && ok "series table: global hints" ||
    { tui_dump hints0; notok hints0 "$(hints)"; }

tui_keys 3
if wait_for 'hints_have "Enter send" && hints_have "Esc stop typing" && hints_have "Tab nick"' 10 &&
    ! hints_have "q quit" && ! hints_have "z zoom"; then
    ok "typing in chat: the hint line shows the chat keys"
else
    tui_dump hints1
    notok "typing in chat: the hint line shows the chat keys" "$(hints)"
fi

# q, ? and z are text here: they appear in the input line and nothing else happens
tui_type "q?z1"
wait_for 'tui_cap | grep -qF "[alice] q?z1"' 10 && ! tui_cap | grep -qF "Keys (" &&
    ok "typing in chat: q ? z 1 are text" || { tui_dump text; notok text "not in the input line"; }
tui_keys C-u # Ctrl-U from the key table clears the line
wait_for '! tui_cap | grep -qF "q?z1"' 10 && ok "typing in chat: Ctrl-U clears the line" ||
    { tui_dump ctrlu; notok ctrlu "line not cleared"; }

# F1 opens the help while typing, at the chat's keys, with the commands a page below
tui_keys F1
if wait_for 'tui_cap | grep -qF "Keys (" && tui_cap | grep -qF "Typing in the chat pane"' 10 &&
    tui_cap | grep -qF "complete the nick of someone online" &&
    ! tui_cap | grep -qF "focus the next pane"; then
    ok "F1 from the chat opens the help at the chat keys"
else
    tui_dump f1
    notok "F1 from the chat opens the help at the chat keys" "chat section not first"
fi
tui_keys End
missing=""
wait_for 'tui_cap | grep -qF "Chat commands"' 10
for c in "/me ACTION" "/nick NEWNICK" "/join ROOM" "/part" "/who" "/clear" "/help" "/quit" \
    "//TEXT" "/ack ID" "/silence" "/unsilence" "/alerts"; do
    tui_cap | grep -qF -- "$c" || missing="$missing $c"
done
[ -z "$missing" ] && ok "the help lists every chat command" ||
    { tui_dump commands; notok "the help lists every chat command" "missing:$missing"; }
tui_keys Home
wait_for 'tui_cap | grep -qF "focus the next pane"' 10 && ok "the help scrolls to the global keys" ||
    { tui_dump home; notok home "Home did not reach the top"; }
tui_keys Escape
wait_for '! tui_cap | grep -qF "Keys ("' 10 || notok close "help still open"

# Esc leaves the input line: the list keys and their hints come back; i types again
wait_for 'hints_have "Enter send"' 10 || notok back "not typing after the help"
tui_keys Escape
if wait_for 'hints_have "q quit" && hints_have "i type"' 10 && ! hints_have "Enter send"; then
    ok "after Esc: list hints (q quit, i type)"
else
    tui_dump esc
    notok "after Esc: list hints (q quit, i type)" "$(hints)"
fi
tui_keys '?'
wait_for 'tui_cap | grep -qF "Chat pane, not typing"' 10 && ok "? from the chat pane opens at its keys" ||
    { tui_dump q; notok "? from the chat pane opens at its keys" "no chat section"; }
tui_keys Escape
wait_for '! tui_cap | grep -qF "Keys ("' 10
tui_keys i
wait_for 'hints_have "Enter send"' 10 && ok "i types again" || { tui_dump i; notok i "$(hints)"; }
tui_keys Escape q
wait_for 'tui_cap | grep -qF "wr-prompt"' 10 && ok "q quits after Esc" ||
    { tui_dump quit; notok quit "still running"; }

wr_done
