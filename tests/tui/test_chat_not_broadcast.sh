#!/usr/bin/env bash
# test_chat_not_broadcast.sh — the interface of an ACL user without PUBLISH: a message typed in
# the chat pane is stored in the room's history but cannot be broadcast. The pane shows the
# message (it is in the history) and a notice that says exactly that, with the entry ID.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
rcli ACL SETUSER nopub on '>pw' '~*' '&*' +@all -publish >/dev/null
REDIS_URL="redis://nopub:pw@127.0.0.1:$REDIS_PORT" # the interface's user

# The chat pane's text (the rightmost pane: between the last two vertical borders of each
# line), as one line with runs of blanks squeezed, so a wrapped notice reads as one.
pane_text() {
    tui_cap | python3 -c '
import sys
rows = []
for line in sys.stdin.read().split("\n"):
    idx = [i for i, ch in enumerate(line) if ch in "\u2502\u2503|"]
    if len(idx) >= 2:
        rows.append(line[idx[-2] + 1 : idx[-1]])
print(" ".join(" ".join(rows).split()))'
}

tui_start 120 30 --nick np --room ops --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_wait "Chat #ops" 10 || tui_dump chat
tui_keys 3
tui_type "typed but not broadcast"
tui_keys Enter
wait_for 'rcli XRANGE wr:chat:ops:log - + | grep -q "typed but not broadcast"' 10
id=$(rcli XRANGE wr:chat:ops:log - + | grep -B6 'typed but not broadcast' | grep -E '^[0-9]+-[0-9]+$' | tail -1)
if [ -n "$id" ] && wait_for "pane_text | grep -qF 'message stored in the history of #ops as $id but not broadcast (Redis refused the PUBLISH'" 10; then
    ok pane_notice_stored_not_broadcast
else
    tui_dump notice
    notok pane_notice_stored_not_broadcast "id '$id'; pane: $(pane_text)"
fi
if tui_wait "<np> typed but not broadcast" 5; then
    ok pane_shows_the_stored_message
else
    tui_dump message
    notok pane_shows_the_stored_message "$(pane_text)"
fi
if ! pane_text | grep -q 'message not sent'; then
    ok pane_does_not_say_not_sent
else
    notok pane_does_not_say_not_sent "$(pane_text)"
fi

tui_keys Escape q
tui_wait "wr-prompt" 10 || { tui_dump quit; notok quit "the interface did not exit"; }
wr_done
