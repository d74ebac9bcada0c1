#!/usr/bin/env bash
# test_chat_lines.sh — line-mode chat behaves like the interface: /me, /nick, /who, /part are
# commands, not text; your own messages appear in the output, in order, before it exits (even
# when stdin ends at once); --no-echo hides them; a typo'd command is refused with exit code 3.
set -u
. "$(dirname "$0")/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
W=$WARROOM
T=$REDIS_DIR # removed at exit
chat() { "$W" chat "$@" --redis "$REDIS_URL" --ns cl; }
history() { chat ops --dump --nick reader; }

printf 'one\ntwo\n/me three\n/who\n/nick zed\nfour\n//slash\n' |
    chat ops --nick ann --history 0 >"$T/a.out" 2>"$T/a.err"
rc=$?
[ $rc = 0 ] && ok "line_mode_exit_0" || notok line_mode_exit_0 "rc $rc: $(cat "$T/a.err")"
# own messages, in order, all before the exit
want='<ann> one
<ann> two
* ann three
-!- ann is now known as zed
<zed> four
<zed> /slash'
got=$(grep -v "online in" "$T/a.out" | cut -d' ' -f2-)
[ "$got" = "$want" ] && ok own_messages_echoed_in_order ||
    notok own_messages_echoed_in_order "$(cat "$T/a.out")"
grep -q -- "-!- online in #ops (1): ann" "$T/a.out" && ok who_lists_who_is_online ||
    notok who_lists_who_is_online "$(cat "$T/a.out")"
history | grep -qE "<ann> /(who|nick|me)" && notok commands_not_sent_as_text "$(history)" ||
    ok commands_not_sent_as_text
history | grep -qF "* ann three" && ok me_is_an_action || notok me_is_an_action "$(history)"

# ---- unknown commands are refused, not sent ----------------------------------------------------
printf 'before\n/bogus x\nafter\n' | chat ops --nick bee --history 0 >"$T/b.out" 2>"$T/b.err"
rc=$?
[ $rc = 3 ] && grep -q "/bogus is not a command" "$T/b.err" && ok unknown_command_refused_exit_3 ||
    notok unknown_command_refused_exit_3 "rc $rc: $(cat "$T/b.err")"
history | grep -q "bogus" && notok unknown_command_not_sent "$(history)" ||
    ok unknown_command_not_sent
grep -q "<bee> after" "$T/b.out" && ok lines_after_an_error_still_go ||
    notok lines_after_an_error_still_go "$(cat "$T/b.out")"

# ---- /part leaves: the reason goes out, the rest of stdin does not -----------------------------
printf 'hello\n/part bye now\nnever sent\n' | chat ops --nick cat --history 0 >"$T/c.out" 2>&1
rc=$?
history | grep -qF -- "-!- cat has left #ops (bye now)" && ok part_with_reason ||
    notok part_with_reason "$(history)"
[ $rc = 0 ] && ! history | grep -q "never sent" && ok part_stops_reading ||
    notok part_stops_reading "rc $rc $(history)"

# ---- --no-echo and --json ------------------------------------------------------------------------
printf 'quiet one\n' | chat ops --nick dee --history 0 --no-echo >"$T/d.out" 2>&1
! grep -q "quiet one" "$T/d.out" && history | grep -q "<dee> quiet one" && ok no_echo_hides_own ||
    notok no_echo_hides_own "$(cat "$T/d.out")"
printf 'json one\n/who\n' | chat ops --nick eve --history 0 --json >"$T/e.out" 2>&1
python3 - "$T/e.out" <<'PY' && ok json_echo_and_who || notok json_echo_and_who "$(cat "$T/e.out")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert any(r["nick"] == "eve" and r["text"] == "json one" and r["id"] for r in rows), rows
assert any(r["kind"] == "system" and r["text"].startswith("online in #ops") for r in rows), rows
PY
wr_done
