#!/usr/bin/env bash
# test_tui_workers.sh — the workers view (issue 13, workers): W opens it; a namespace not in
# group mode says so; once workers write their keys the view shows them without a key press
# (it reads every 2 s while open): live and dead workers, owners, the unowned partition, the
# consumer group's pending entries; a takeover shows up by itself; hostile text is shown as
# visible text; Esc goes back and the reads stop.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"
. "$here/../integration/lib_workers.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
rcli HSET wr:meta version 2 partitions 8 >/dev/null

TUI_ENV="" tui_start 150 40 --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_keys W
tui_wait "not in group mode" 10 && tui_cap | grep -qF "Workers" &&
    ok "W opens the workers view; not in group mode is said" ||
    { tui_dump mode; notok "W opens the workers view" "no 'not in group mode'"; }

workers_populate "$(date +%s%3N)"
if tui_wait "group mode: 3 workers (1 dead), 8 partitions (1 unowned)" 15 &&
    tui_cap | grep -qE '^┃?w-a +host-a +101 +4 ' && tui_cap | grep -qE 'w-dead .* dead' &&
    tui_cap | grep -qE '7 +\(unowned\)'; then
    ok "the view refreshes by itself: workers, dead mark, unowned partition"
else
    tui_dump populated
    notok "the view refreshes by itself" "workers or partitions not shown"
fi
# partition 0: pending 1, lag 1 (PART OWNER TOKEN TTL CKPT LAST CLOSED PENDING LAG)
tui_cap | grep -qE '┃0 +w-a +10 +[0-9.hms]+ +[0-9.hms]+ +[0-9]+-0 +[0-9:]+Z +1 +1 +0 ' &&
    ok "partition 0: owner, token, pending and lag" ||
    { tui_dump p0; notok "partition 0 row" "not as expected"; }

rcli SET 'wr:own:{p7}' 'w-b 42' PX 600000 >/dev/null
tui_wait_re '┃7 +w-b +42 ' 15 && tui_wait "8 partitions (0 unowned)" 10 &&
    ok "a takeover shows up without a key press" ||
    { tui_dump takeover; notok "a takeover shows up" "partition 7 still unowned"; }

rcli HSET wr:worker:w-b host "$(printf 'evil\033]0;pwned\007')" events lots >/dev/null
if tui_wait 'evil^[]0;pwned^G' 15 && tui_wait "events is not a count: lots" 10 &&
    [ "$(tui_tmux display -p -t =t: '#{pane_title}')" != pwned ]; then
    ok "hostile text is visible text; a bad value is named"
else
    tui_dump hostile
    notok "hostile values" "title: $(tui_tmux display -p -t =t: '#{pane_title}')"
fi

tui_keys Escape
tui_gone "Workers" 10 && tui_wait "partitions" 5 && ok "Esc goes back to the series table" ||
    { tui_dump back; notok "Esc goes back" "still in the view"; }
wr_done
