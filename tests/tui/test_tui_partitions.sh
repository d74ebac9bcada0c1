#!/usr/bin/env bash
# test_tui_partitions.sh — a partition key of the wrong type is named on the interface's status
# line while the other partitions keep feeding the table (issue 9.5); once the key is deleted the
# note goes away and that partition's events show.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

rcli HSET wr:meta version 2 partitions 4 >/dev/null
rcli SET 'wr:ev:{p0}' x >/dev/null
rcli XADD 'wr:ev:{p1}' '*' metric tuipart_one value 1 >/dev/null

tui_start 120 30 || { tui_dump start; notok start "interface did not come up"; wr_done; }
if tui_wait "partition 0 unreadable: wr:ev:{p0} is a string" 10 && tui_wait "tuipart_one" 10; then
    ok "status line names the unreadable partition; the others still fill the table"
else
    tui_dump unreadable; notok "status line"
fi
rcli XADD 'wr:ev:{p3}' '*' metric tuipart_three value 1 >/dev/null
tui_wait "tuipart_three" 10 && ok "live events of the other partitions keep coming" ||
    { tui_dump live; notok "live"; }

rcli DEL 'wr:ev:{p0}' >/dev/null
rcli XADD 'wr:ev:{p0}' '*' metric tuipart_zero value 1 >/dev/null
if tui_gone "unreadable" 10 && tui_wait "tuipart_zero" 10; then
    ok "key deleted: the note goes and partition 0 is read again"
else
    tui_dump recovered; notok "recovery"
fi
tui_keys q
tui_wait "$TUI_PROMPT" 5 || notok quit "no prompt"

wr_done
