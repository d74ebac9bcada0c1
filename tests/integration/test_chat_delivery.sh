#!/usr/bin/env bash
# test_chat_delivery.sh — chat tells exactly what happened to a message, and line mode delivers
# every stdin line:
#  - an ACL user without PUBLISH: the message is stored in the history but not broadcast; --say
#    prints its ID, says so on stderr and exits 5; line mode does the same for its lines; live
#    readers do not get it, a later history read does;
#  - an ACL user without XADD: nothing is stored; --say and line mode exit 1;
#  - more lines on stdin than the send queue holds (CHAT_QUEUE_MAX, 200): stdin is read as the
#    rate limit lets messages go (backpressure), every line arrives once, in order, exit 0.
set -u
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
export TZ=UTC
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
rcli ACL SETUSER nopub on '>pw' '~*' '&*' +@all -publish >/dev/null
rcli ACL SETUSER noxadd on '>pw' '~*' '&*' +@all -xadd >/dev/null
NOPUB=redis://nopub:pw@127.0.0.1:$REDIS_PORT
NOXADD=redis://noxadd:pw@127.0.0.1:$REDIS_PORT

# texts ROOM: the text field of every entry of the room's log, in stream order
texts() {
    redis-cli -p "$REDIS_PORT" -2 --json XRANGE "wr:chat:$1:log" - + | python3 -c '
import json, sys
for eid, f in json.load(sys.stdin):
    d = dict(zip(f[0::2], f[1::2]))
    if d["kind"] in ("msg", "me"): print(d["text"])'
}

# ---- stored but not broadcast ----------------------------------------------------------------
# a live reader with full rights
"$W" chat ops --listen --history 0 --nick watcher --redis "$REDIS_URL" >"$T/live.out" 2>"$T/live.err" &
LPID=$!
wr_defer "kill $LPID 2>/dev/null"
wait_for "rcli ZSCORE wr:presence:ops watcher | grep -q ." 10 || notok listener_up "$(cat "$T/live.err")"
wait_for "rcli PUBSUB NUMSUB wr:chat:ops | tail -1 | grep -q 1" 10 || notok listener_subscribed

id=$("$W" chat ops --say "stored only" --nick np --redis "$NOPUB" 2>"$T/say.err")
rc=$?
if [ "$rc" = 5 ] && [[ "$id" =~ ^[0-9]+-[0-9]+$ ]] &&
    [ "$(rcli XRANGE wr:chat:ops:log "$id" "$id" | grep -c 'stored only')" = 1 ] &&
    grep -q "message stored in the history of #ops as $id but not broadcast" "$T/say.err" &&
    grep -q "refused the PUBLISH" "$T/say.err"; then
    ok say_stored_not_broadcast_exit_5
else
    notok say_stored_not_broadcast_exit_5 "exit $rc, stdout '$id': $(cat "$T/say.err")"
fi
# a message that is broadcast, sent after it, reaches the reader; the stored-only one did not
"$W" chat ops --say "broadcast after" --nick ok --redis "$REDIS_URL" >/dev/null 2>&1
wait_for "grep -q 'broadcast after' '$T/live.out'" 10
if grep -q 'broadcast after' "$T/live.out" && ! grep -q 'stored only' "$T/live.out"; then
    ok live_reader_did_not_get_it
else
    notok live_reader_did_not_get_it "live reader printed: $(cat "$T/live.out")"
fi
"$W" chat ops --dump --history 10 --redis "$REDIS_URL" >"$T/dump.out" 2>&1
if grep -q '<np> stored only' "$T/dump.out"; then
    ok history_has_it
else
    notok history_has_it "$(cat "$T/dump.out")"
fi

# line mode: every line stored, each said to be not broadcast, exit 5; the sender sees them
printf 'line one\nline two\n' | "$W" chat ops --nick np2 --history 0 --redis "$NOPUB" \
    >"$T/lm.out" 2>"$T/lm.err"
rc=$?
n=$(grep -c '^warroom chat: message stored in the history of #ops as [0-9-]* but not broadcast' "$T/lm.err")
if [ "$rc" = 5 ] && [ "$n" = 2 ] && [ "$(texts ops | grep -c '^line \(one\|two\)$')" = 2 ] &&
    ! grep -q 'not sent' "$T/lm.err"; then
    ok line_mode_stored_not_broadcast_exit_5
else
    notok line_mode_stored_not_broadcast_exit_5 "exit $rc, $n notes: $(cat "$T/lm.err")"
fi

# ---- not stored at all ------------------------------------------------------------------------
"$W" chat ops --say "never stored" --nick nx --redis "$NOXADD" >"$T/nx.out" 2>"$T/nx.err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'message not sent' "$T/nx.err" && [ ! -s "$T/nx.out" ] &&
    ! texts ops | grep -q 'never stored'; then
    ok say_not_stored_exit_1
else
    notok say_not_stored_exit_1 "exit $rc: $(cat "$T/nx.out" "$T/nx.err")"
fi
printf 'never stored either\n' | "$W" chat ops --nick nx2 --history 0 --redis "$NOXADD" \
    >"$T/nxl.out" 2>"$T/nxl.err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'message not sent' "$T/nxl.err"; then
    ok line_mode_not_stored_exit_1
else
    notok line_mode_not_stored_exit_1 "exit $rc: $(cat "$T/nxl.err")"
fi

# ---- backpressure: more lines than the queue holds --------------------------------------------
# The rate limit (8 at once, then 4 a second) makes this take about a minute.
N=230
seq -f 'L%03g' 1 "$N" >"$T/lines.txt"
"$W" chat flood --nick flooder --history 0 --redis "$REDIS_URL" <"$T/lines.txt" \
    >"$T/flood.out" 2>"$T/flood.err"
rc=$?
texts flood >"$T/flood.got"
if [ "$rc" = 0 ] && cmp -s "$T/lines.txt" "$T/flood.got"; then
    ok line_mode_backpressure_all_lines_in_order
else
    notok line_mode_backpressure_all_lines_in_order \
        "exit $rc, $(wc -l <"$T/flood.got") of $N lines stored ($(sort "$T/flood.got" | uniq -d | wc -l) duplicated): $(head -5 "$T/flood.err")"
fi
if [ "$rc" = 0 ] && [ -s "$T/flood.got" ] && ! grep -q 'already waiting\|not sent' "$T/flood.err"; then
    ok line_mode_backpressure_nothing_refused
else
    notok line_mode_backpressure_nothing_refused "$(head -5 "$T/flood.err")"
fi

wr_done
