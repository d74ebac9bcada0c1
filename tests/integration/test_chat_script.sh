#!/usr/bin/env bash
# test_chat_script.sh — chat sends by EVALSHA and loads the script again by itself (issue 15.5):
#  - in steady state every message is an EVALSHA, no EVAL;
#  - after SCRIPT FLUSH, lines sent at once (in flight together, all refused with NOSCRIPT)
#    each arrive exactly once, in order, with one EVAL for the lot;
#  - after a Redis restart (empty script cache): the first send on the new connection is the
#    EVAL, each line arrives once, in order;
#  - --say after SCRIPT FLUSH: stored once, exit 0, one EVAL.
# (Sentinel failover: test_sentinel.sh; a cluster master without the script: test_cluster.sh.)
set -u
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }

# stat CMD FIELD: a field of INFO commandstats for CMD (eval, evalsha), 0 when never called
stat() {
    rcli INFO commandstats | tr -d '\r' |
        awk -F'[:,=]' -v c="cmdstat_$1" -v f="$2" '$1 == c { for (i = 2; i < NF; i += 2) if ($i == f) print $(i + 1) }' |
        grep . || echo 0
}
evals() { stat eval calls; }
# EVALSHA calls that ran the script (NOSCRIPT refusals count as failed calls)
evalshas_ok() { echo $(($(stat evalsha calls) - $(stat evalsha failed_calls))); }
# count FILE TEXT: lines of FILE that end with "> TEXT"
count() { grep -c -- "> $2\$" "$1"; }
# stored TEXT: entries of the room's log with that text
stored() { rcli XRANGE wr:chat:ops:log - + | grep -cx -- "$1"; }
# in_order FILE TEXT...: the texts appear in FILE once each, in this order
in_order() {
    local f=$1 want
    shift
    want=$(printf '%s\n' "$@")
    [ "$(grep -oE -- "> ($(IFS='|'; echo "$*"))\$" "$f" | cut -c3-)" = "$want" ]
}

mkfifo "$T/s.in"
"$W" chat ops --listen --history 0 --nick watcher --redis "$REDIS_URL" >"$T/l.out" 2>"$T/l.err" &
LPID=$!
wait_for "rcli PUBSUB NUMSUB wr:chat:ops | tail -1 | grep -qx 1" 10 || notok listening "$(cat "$T/l.err")"
"$W" chat ops --history 0 --nick sender --redis "$REDIS_URL" <"$T/s.in" >"$T/s.out" 2>"$T/s.err" &
SPID=$!
exec 3>"$T/s.in"
wr_defer "kill $LPID $SPID 2>/dev/null"
wait_for "grep -q 'sender has joined' '$T/l.out'" 10 || notok joined "$(cat "$T/s.err" "$T/l.err")"

# ---- steady state: EVALSHA only ---------------------------------------------------------------
echo "warm" >&3
wait_for "grep -q '> warm$' '$T/l.out'" 10
rcli CONFIG RESETSTAT >/dev/null
printf 'a1\na2\na3\na4\n' >&3
wait_for "grep -q '> a4$' '$T/l.out'" 10
e=$(evals) s=$(evalshas_ok)
if in_order "$T/l.out" a1 a2 a3 a4 && [ "$e" = 0 ] && [ "$s" -ge 4 ]; then
    ok steady_state_is_evalsha
else
    notok steady_state_is_evalsha "EVAL $e, EVALSHA ok $s; got: $(tail -4 "$T/l.out")"
fi

# ---- SCRIPT FLUSH, then lines in flight together ----------------------------------------------
rcli SCRIPT FLUSH >/dev/null
rcli CONFIG RESETSTAT >/dev/null
printf 'b1\nb2\nb3\nb4\nb5\n' >&3
wait_for "grep -q '> b5$' '$T/l.out'" 10
e=$(evals) s=$(evalshas_ok) f=$(stat evalsha failed_calls)
once=1
for x in b1 b2 b3 b4 b5; do
    [ "$(count "$T/l.out" "$x")" = 1 ] && [ "$(stored "$x")" = 1 ] || once=0
done
if [ "$once" = 1 ] && in_order "$T/l.out" b1 b2 b3 b4 b5 && [ "$e" = 1 ] && [ "$f" -ge 1 ] &&
    [ "$s" -ge 4 ]; then
    ok after_script_flush_each_once_in_order_one_eval
else
    notok after_script_flush_each_once_in_order_one_eval \
        "EVAL $e, EVALSHA ok $s failed $f; got: $(tail -6 "$T/l.out"); $(cat "$T/s.err")"
fi
# and back to EVALSHA only
rcli CONFIG RESETSTAT >/dev/null
echo "b6" >&3
wait_for "grep -q '> b6$' '$T/l.out'" 10
e=$(evals)
[ "$e" = 0 ] && [ "$(count "$T/l.out" b6)" = 1 ] && ok after_flush_evalsha_again ||
    notok after_flush_evalsha_again "EVAL $e"

# ---- Redis restart ----------------------------------------------------------------------------
redis_restart || notok restart "cannot restart redis-server"
# both clients are back when both are subscribed again (line mode subscribes too)
wait_for "rcli PUBSUB NUMSUB wr:chat:ops | tail -1 | grep -qx 2" 20 ||
    notok resubscribed "$(cat "$T/l.err")"
printf 'c1\nc2\nc3\n' >&3
wait_for "grep -q '> c3$' '$T/l.out'" 20
e=$(evals) s=$(evalshas_ok)
once=1
for x in c1 c2 c3; do
    [ "$(count "$T/l.out" "$x")" = 1 ] && [ "$(stored "$x")" = 1 ] || once=0
done
if [ "$once" = 1 ] && in_order "$T/l.out" c1 c2 c3 && [ "$e" = 1 ] && [ "$s" -ge 2 ]; then
    ok after_restart_each_once_in_order_one_eval
else
    notok after_restart_each_once_in_order_one_eval \
        "EVAL $e, EVALSHA ok $s; got: $(tail -5 "$T/l.out"); $(cat "$T/s.err")"
fi

# ---- --say after SCRIPT FLUSH -----------------------------------------------------------------
rcli SCRIPT FLUSH >/dev/null
rcli CONFIG RESETSTAT >/dev/null
id=$("$W" chat ops --say "d1" --nick sayer --redis "$REDIS_URL" 2>"$T/say.err")
rc=$?
wait_for "grep -q '> d1$' '$T/l.out'" 10
e=$(evals) f=$(stat evalsha failed_calls)
if [ "$rc" = 0 ] && [[ "$id" =~ ^[0-9]+-[0-9]+$ ]] && [ "$(stored d1)" = 1 ] &&
    [ "$(count "$T/l.out" d1)" = 1 ] && [ "$e" = 1 ] && [ "$f" = 1 ]; then
    ok say_after_script_flush_once
else
    notok say_after_script_flush_once "exit $rc, EVAL $e, NOSCRIPT $f: $(cat "$T/say.err")"
fi
rcli CONFIG RESETSTAT >/dev/null
"$W" chat ops --say "d2" --nick sayer --redis "$REDIS_URL" >/dev/null 2>"$T/say.err"
e=$(evals) s=$(evalshas_ok)
[ "$e" = 0 ] && [ "$s" = 1 ] && [ "$(stored d2)" = 1 ] && ok say_is_one_evalsha ||
    notok say_is_one_evalsha "EVAL $e, EVALSHA ok $s: $(cat "$T/say.err")"

exec 3>&-
wait "$SPID"
rc=$?
[ "$rc" = 0 ] && ok sender_exits_0 || notok sender_exits_0 "exit $rc: $(cat "$T/s.err")"
wr_done
