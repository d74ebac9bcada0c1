#!/usr/bin/env bash
# test_chat.sh — the chat protocol end to end: two line-mode clients and redis-cli writers (the
# documented script, and XADD + PUBLISH by hand) see the same messages, exact text, in stream
# order, each once; a late joiner reads history; a Redis restart while the clients are away loses
# nothing; hostile bytes are made visible; --say and stdin limits give exit codes a script can use.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
export TZ=UTC
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
ROOM=t1
LOG=wr:chat:$ROOM:log
CHAN=wr:chat:$ROOM

# The send script exactly as docs/protocol.md documents it.
SCRIPT="local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'nick', ARGV[1], 'kind', ARGV[2], 'text', ARGV[3], 'ts', ARGV[4])
local sent = redis.pcall('PUBLISH', ARGV[6], cjson.encode({id = id, ts = tonumber(ARGV[4]), nick = ARGV[1], kind = ARGV[2], text = ARGV[3]}))
if type(sent) == 'table' and sent.err then return {id, sent.err} end
return id"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
eval_send() { # NICK KIND TEXT
    rcli EVAL "$SCRIPT" 1 "$LOG" "$1" "$2" "$3" "$(now_ms)" 10000 "$CHAN"
}
hand_send() { # NICK TEXT (plain ASCII text): XADD, then PUBLISH with the new ID
    local ts id
    ts=$(now_ms)
    id=$(rcli XADD "$LOG" MAXLEN '~' 10000 '*' nick "$1" kind msg text "$2" ts "$ts")
    rcli PUBLISH "$CHAN" "{\"id\":\"$id\",\"ts\":$ts,\"nick\":\"$1\",\"kind\":\"msg\",\"text\":\"$2\"}" >/dev/null
}
# Lines of a line-mode output without their HH:MM:SS stamp.
body() { sed -E 's/^[0-9]{2}:[0-9]{2}:[0-9]{2} //' "$1"; }
stamped() { grep -cvE '^[0-9]{2}:[0-9]{2}:[0-9]{2} ' "$1"; }
# The room's stream rendered as line mode renders it (plain text only), in stream order.
stream_lines() {
    redis-cli -p "$REDIS_PORT" -2 --json XRANGE "$LOG" - + | python3 -c '
import json, sys
for eid, f in json.load(sys.stdin):
    d = dict(zip(f[0::2], f[1::2]))
    k, n, t = d["kind"], d["nick"], d["text"]
    if k == "msg": print("<%s> %s" % (n, t))
    elif k == "me": print("* %s %s" % (n, t))
    elif k == "join": print("-!- %s has joined #'"$ROOM"'" % n)
    elif k == "part": print("-!- %s has left #'"$ROOM"'" % n + (" (%s)" % t if t else ""))
    else: print("-!- %s" % t)'
}
# in_both TEXT: both clients printed a line containing TEXT
in_both() { grep -qF -- "$1" "$T/a.out" && grep -qF -- "$1" "$T/b.out"; }

# ---- two clients and two redis-cli writers ---------------------------------------------------
mkfifo "$T/a.in" "$T/b.in"
"$W" chat "$ROOM" --nick alice <"$T/a.in" >"$T/a.out" 2>"$T/a.err" &
APID=$!
exec 3>"$T/a.in"
wait_for "grep -q 'alice has joined' '$T/a.out'" 10 || notok a_joins "$(cat "$T/a.err")"
"$W" chat "$ROOM" --nick bob <"$T/b.in" >"$T/b.out" 2>"$T/b.err" 3>&- & # keeps no a.in writer
BPID=$!
exec 4>"$T/b.in"
wr_defer "kill $APID $BPID 2>/dev/null"
wait_for "in_both 'bob has joined'" 10 || notok b_joins "$(cat "$T/b.err")"

echo "hello from alice" >&3
wait_for "in_both 'hello from alice'" 5
echo "hi alice, this is bob" >&4
wait_for "in_both 'this is bob'" 5
eval_send carol msg "carol via eval" >/dev/null
wait_for "in_both 'carol via eval'" 5
hand_send dave "dave by hand"
wait_for "in_both 'dave by hand'" 5
echo "/me waves" >&3
wait_for "in_both '* alice waves'" 5
echo "日本語の文 and ünïcödé" >&4
wait_for "in_both 'ünïcödé'" 5

expected='-!- alice has joined #t1
-!- bob has joined #t1
<alice> hello from alice
<bob> hi alice, this is bob
<carol> carol via eval
<dave> dave by hand
* alice waves
<bob> 日本語の文 and ünïcödé'
[ "$(body "$T/a.out")" = "$expected" ] && ok alice_sees_exact_order ||
    notok alice_sees_exact_order "got: $(cat "$T/a.out")"
[ "$(body "$T/b.out")" = "$expected" ] && ok bob_sees_exact_order ||
    notok bob_sees_exact_order "got: $(cat "$T/b.out")"
[ "$(stream_lines)" = "$expected" ] && ok stream_holds_same_order ||
    notok stream_holds_same_order "stream: $(stream_lines)"
[ "$(stamped "$T/a.out")" = 0 ] && ok lines_have_timestamps || notok lines_have_timestamps

# the published JSON carries the stream ID, so receivers can de-duplicate
redis-cli -p "$REDIS_PORT" SUBSCRIBE "$CHAN" >"$T/sub.out" 3>&- 4>&- &
SUBPID=$!
wr_defer "kill $SUBPID 2>/dev/null"
wait_for "rcli PUBSUB NUMSUB '$CHAN' | tail -1 | grep -q 3" 5
id=$(eval_send carol msg "json check")
wait_for "grep -q 'json check' '$T/sub.out'" 5
kill $SUBPID 2>/dev/null
payload=$(grep 'json check' "$T/sub.out")
python3 - "$payload" "$id" <<'EOF' && ok publish_payload_json || notok publish_payload_json "$payload"
import json, sys
d = json.loads(sys.argv[1])
assert d["id"] == sys.argv[2] and d["nick"] == "carol" and d["kind"] == "msg"
assert d["text"] == "json check" and isinstance(d["ts"], int) and d["ts"] > 1600000000000
assert set(d) == {"id", "ts", "nick", "kind", "text"}
EOF
wait_for "in_both 'json check'" 5

# ---- presence ----------------------------------------------------------------------------------
members=$(rcli ZRANGE wr:presence:$ROOM 0 -1 | sort | tr '\n' ' ')
[ "$members" = "alice bob " ] && ok presence_heartbeats || notok presence_heartbeats "$members"

# ---- a late joiner reads history ---------------------------------------------------------------
"$W" chat "$ROOM" --nick late --dump >"$T/late.out" 2>"$T/late.err"
rc=$?
[ $rc = 0 ] && [ "$(body "$T/late.out")" = "$expected
<carol> json check" ] && ok late_joiner_sees_history ||
    notok late_joiner_sees_history "exit $rc: $(cat "$T/late.out" "$T/late.err")"
"$W" chat "$ROOM" --dump --history 2 >"$T/late2.out"
[ "$(body "$T/late2.out")" = "<bob> 日本語の文 and ünïcödé
<carol> json check" ] && ok history_n_is_the_newest || notok history_n_is_the_newest "$(cat "$T/late2.out")"
"$W" chat "$ROOM" --dump --json --history 3 >"$T/late.json"
python3 - "$T/late.json" "$id" <<'EOF' && ok json_lines || notok json_lines "$(cat "$T/late.json")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["kind"] for r in rows] == ["me", "msg", "msg"], rows
assert rows[0]["text"] == "waves" and rows[1]["text"] == "日本語の文 and ünïcödé"
assert rows[2]["id"] == sys.argv[2] and rows[2]["nick"] == "carol"
EOF
grep -q "late" <(rcli XRANGE "$LOG" - +) && notok dump_is_silent "--dump posted to the room" ||
    ok dump_is_silent

# ---- hostile text is shown, never obeyed ------------------------------------------------------
evil_nick=$(printf 'ev\xe2\x80\x8bil\x1b[31m')
evil_text=$(printf 'a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\rd\xe2\x80\xaee\xff\xc2\x9b1m')
eval_send "$evil_nick" msg "$evil_text" >/dev/null
wait_for "in_both 'ZXZpbA'" 5
want=$(printf '<evil^[[31m> a^[]52;c;ZXZpbA==^Gb^[[2Jc^Mde\xef\xbf\xbd<9B>1m')
got=$(body "$T/a.out" | grep ZXZpbA)
[ "$got" = "$want" ] && ok hostile_text_visible || notok hostile_text_visible "got: $got"
if LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$T/a.out" "$T/b.out"; then
    notok no_control_bytes_out "a control byte reached stdout"
else
    ok no_control_bytes_out
fi
"$W" chat "$ROOM" --dump --json --history 1 >"$T/evil.json"
python3 - "$T/evil.json" <<'EOF' && ok hostile_json_escaped || notok hostile_json_escaped "$(cat -v "$T/evil.json")"
import json, sys
raw = open(sys.argv[1], "rb").read()
assert all(b >= 0x20 for b in raw[:-1]) and b"\xc2\x9b" not in raw and b"\xe2\x80\xae" not in raw
d = json.loads(raw)
assert d["text"] == "a\x1b]52;c;ZXZpbA==\x07b\x1b[2Jc\rd\u202ee\ufffd\x9b1m", repr(d["text"])
EOF

# ---- a Redis restart while the clients are away loses nothing ---------------------------------
echo "before restart" >&3
wait_for "in_both 'before restart'" 5
kill -STOP $APID $BPID # both clients frozen: they see the restart only when they wake up
redis_restart 3>&- 4>&- || notok redis_restart "cannot restart" # the daemon keeps no fifo
eval_send carol msg "written while away 1" >/dev/null
hand_send dave "written while away 2"
echo "bob typed while away" >&4 # waits in the pipe; sent once bob is back
kill -CONT $APID $BPID
wait_for "in_both 'bob typed while away'" 15 || notok back_after_restart "$(cat "$T/a.err" "$T/b.err")"
echo "after restart" >&3
wait_for "in_both 'after restart'" 10
grep -q "connection: reconnecting" "$T/a.err" && grep -q "connection: up" "$T/a.err" &&
    ok restart_was_seen || notok restart_was_seen "$(cat "$T/a.err")"
tail_expected='<alice> before restart
<carol> written while away 1
<dave> written while away 2
<bob> bob typed while away
<alice> after restart'
for who in a b; do
    got=$(body "$T/$who.out" | grep -A4 -F '<alice> before restart')
    [ "$got" = "$tail_expected" ] && ok "restart_nothing_lost_$who" ||
        notok "restart_nothing_lost_$who" "got: $got"
    dups=$(body "$T/$who.out" | sort | uniq -d)
    [ -z "$dups" ] && ok "no_duplicates_$who" || notok "no_duplicates_$who" "$dups"
done
[ "$(stream_lines | grep -v ZXZpbA)" = "$(body "$T/a.out" | grep -v ZXZpbA)" ] &&
    ok client_equals_stream || notok client_equals_stream "$(stream_lines)"

# ---- limits: size cap, rate limit, --say exit codes ------------------------------------------
big=$(head -c 5000 /dev/zero | tr '\0' x)
echo "$big" >&4
echo "after the big one" >&4
wait_for "in_both 'after the big one'" 5
grep -q "longer than 4096 bytes, not sent\|4096" "$T/b.err" && ! grep -q xxxxxxxxxx "$T/a.out" &&
    ok long_line_refused || notok long_line_refused "$(cat "$T/b.err")"
for i in $(seq 1 20); do echo "burst $i"; done >&4
wait_for "in_both 'burst 20'" 15
got=$(body "$T/a.out" | grep -F '<bob> burst' | tr '\n' ',')
want=$(for i in $(seq 1 20); do printf '<bob> burst %s,' "$i"; done)
[ "$got" = "$want" ] && ok rate_limited_burst_in_order || notok rate_limited_burst_in_order "$got"
grep -q "rate limit" "$T/b.err" && ok rate_limit_notice || notok rate_limit_notice "$(cat "$T/b.err")"

out=$("$W" chat "$ROOM" --nick sayer --say "said once" 2>&1)
rc=$?
[ $rc = 0 ] && rcli XRANGE "$LOG" "$out" "$out" | grep -q "said once" && ok say_prints_id ||
    notok say_prints_id "exit $rc: $out"
wait_for "in_both '<sayer> said once'" 5 && ok say_reaches_clients || notok say_reaches_clients
"$W" chat "$ROOM" --nick sayer --say "/me says hi" >/dev/null
wait_for "in_both '* sayer says hi'" 5 && ok say_me_action || notok say_me_action
before=$(rcli XLEN "$LOG")
"$W" chat "$ROOM" --say "$big" 2>"$T/say.err"
rc=$?
[ $rc = 3 ] && [ "$(rcli XLEN "$LOG")" = "$before" ] && grep -q 4096 "$T/say.err" &&
    ok say_too_long_exit_3 || notok say_too_long_exit_3 "exit $rc: $(cat "$T/say.err")"
"$W" chat "$ROOM" --nick 'bad nick' --say x 2>/dev/null
rc=$?
[ $rc = 2 ] && ok bad_nick_exit_2 || notok bad_nick_exit_2 "exit $rc"
"$W" chat 'no:colons' --say x 2>/dev/null
rc=$?
[ $rc = 2 ] && ok bad_room_exit_2 || notok bad_room_exit_2 "exit $rc"
port=$(free_port)
"$W" chat "$ROOM" --redis "redis://127.0.0.1:$port" --say x 2>/dev/null
rc=$?
[ $rc = 4 ] && ok unreachable_exit_4 || notok unreachable_exit_4 "exit $rc"
"$W" chat "$ROOM" --redis "redis://127.0.0.1:$port" </dev/null >/dev/null 2>&1
rc=$?
[ $rc = 4 ] && ok line_mode_unreachable_exit_4 || notok line_mode_unreachable_exit_4 "exit $rc"

# ---- EOF on stdin: part and exit 0 --------------------------------------------------------------
exec 3>&-
wait "$APID"
rc=$?
[ $rc = 0 ] && ok eof_exits_0 || notok eof_exits_0 "exit $rc: $(cat "$T/a.err")"
wait_for "grep -q 'alice has left #t1' '$T/b.out'" 5 && ok part_seen || notok part_seen
members=$(rcli ZRANGE wr:presence:$ROOM 0 -1 | tr '\n' ' ')
[ "$members" = "bob " ] && ok presence_removed_on_part || notok presence_removed_on_part "$members"
exec 4>&-
wait "$BPID"
rc=$?
[ $rc = 3 ] && ok refused_line_exit_3 || notok refused_line_exit_3 "exit $rc"

wr_done
