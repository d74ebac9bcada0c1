#!/usr/bin/env bash
# test_chat.sh — the chat pane in two interfaces on one Redis (tmux): messages both ways, /nick
# and /me rendered on both, Chinese text wrapped at the pane's right column, a message full of
# escape sequences shown as visible text with the rest of the screen intact (no title, clipboard
# or mouse change), Tab completion, a mention ringing the bell (and not with --quiet), the unread
# marker, bracketed paste (asking above 5 lines), unknown commands, and leaving with Esc q.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

cap_u() { tui_tmux capture-pane -t =u: -p "$@"; }
keys_u() { tui_tmux send-keys -t =u: "$@"; }
type_u() { tui_tmux send-keys -t =u: -l "$1"; }
both_show() { tui_cap | grep -qF -- "$1" && cap_u | grep -qF -- "$1"; }
dump_both() {
    echo "--- alice ($1)" >&2
    tui_cap >&2
    echo "--- bob ($1)" >&2
    cap_u >&2
    echo "--- the room's log, newest 12" >&2
    rcli XREVRANGE "wr:chat:$ROOM:log" + - COUNT 12 | tr '\n' ' ' | cut -c1-1500 >&2
    echo >&2
}
# The chat pane's inner text, one line per row: what lies between the last two vertical
# borders of each screen line (the chat pane is the rightmost one at 100x30).
chat_rows() {
    python3 -c '
import sys
for line in sys.stdin.read().split("\n"):
    idx = [i for i, ch in enumerate(line) if ch in "\u2502\u2503|"]
    if len(idx) >= 2:
        print(line[idx[-2] + 1 : idx[-1]])'
}

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
ROOM=ops
SCRIPT="local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 'nick', ARGV[1], 'kind', ARGV[2], 'text', ARGV[3], 'ts', ARGV[4])
local sent = redis.pcall('PUBLISH', ARGV[6], cjson.encode({id = id, ts = tonumber(ARGV[4]), nick = ARGV[1], kind = ARGV[2], text = ARGV[3]}))
if type(sent) == 'table' and sent.err then return {id, sent.err} end
return id"

TUI_ENV="" tui_start 100 30 --nick alice --room "$ROOM" --quiet ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
tui_tmux new-session -d -s u -x 100 -y 30 \
    env -i HOME="$HOME" PATH="$PATH" TERM=tmux-256color LANG=C.UTF-8 TZ=UTC \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
    "$WARROOM" chat "$ROOM" --redis "$REDIS_URL" --nick bob ||
    { notok start_u "second interface"; wr_done; }
tui_tmux set-option -t =u: status off >/dev/null
wait_for 'cap_u | grep -q partitions' 10 || { dump_both start; notok start_u "no screen"; }
wait_for 'both_show "bob has joined #ops"' 10 && ok "both interfaces join the room" ||
    { dump_both join; notok join "no join line"; }
wait_for 'tui_cap | grep -q "2 online: alice, bob"' 10 && ok "the pane title lists who is online" ||
    { dump_both online; notok online "no online list"; }

# ---- messages both ways; `warroom chat ROOM` on a terminal opened with the chat focused ------
tui_keys 3 # alice focuses the chat pane; bob's is focused already
tui_type "hello from alice"
tui_keys Enter
type_u "hi alice, bob here"
keys_u Enter
wait_for 'both_show "<alice> hello from alice" && both_show "<bob> hi alice, bob here"' 10 &&
    ok "messages go both ways" || { dump_both messages; notok messages "not on both"; }

# ---- /me and /nick --------------------------------------------------------------------------
tui_type "/me deploys v2.1"
tui_keys Enter
wait_for 'both_show "* alice deploys v2.1"' 10 && ok "/me renders as an action on both" ||
    { dump_both me; notok me "no action line"; }
type_u "/nick robert"
keys_u Enter
wait_for 'both_show "-!- bob is now known as robert"' 10 && ok "/nick announced on both" ||
    { dump_both nick; notok nick "no nick line"; }
wait_for 'tui_cap | grep -q "online: alice, robert"' 10 && ok "the online list follows the nick" ||
    { dump_both nick-online; notok nick_online "title not updated"; }
wait_for 'cap_u | grep -q "\[robert\]"' 5 && ok "the input prompt shows the new nick" ||
    { dump_both prompt; notok prompt "no [robert] prompt"; }

# ---- Chinese text wraps at the right column ------------------------------------------------
cjk="中文测试这是一段很长的中文文本用来检查宽字符在聊天窗格中的换行是否正确处理不会被切成两半"
tui_type "$cjk"
tui_keys Enter
wait_for 'cap_u | grep -qF "<alice> 中文测试"' 10 || { dump_both cjk; notok cjk "not shown"; }
if cap_u | chat_rows | python3 -c '
import sys, unicodedata
cjk = sys.argv[1]
rows = sys.stdin.read().split("\n")
def cols(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
i = next(k for k, r in enumerate(rows) if "<alice> \u4e2d\u6587" in r)
width = cols(rows[i])
first = rows[i].split("<alice> ", 1)[1].rstrip(" ")
got = first
k = i + 1
while len(got) < len(cjk):
    assert rows[k].startswith("      "), ("no hanging indent", rows[k])
    got += rows[k].strip(" ")
    k += 1
assert got == cjk, ("text changed by wrapping", got)
used = cols(rows[i].rstrip(" "))
# the first line is filled to the right edge (one column may stay empty: a wide character
# never straddles the border)
assert width - used in (0, 1), ("first line not filled", used, width)
print("ok")' "$cjk" | grep -q ok; then
    ok "Chinese text wraps at the pane's right column, nothing lost or split"
else
    dump_both cjk-wrap
    notok cjk_wrap "$(cap_u | chat_rows | grep -A2 -F '<alice> 中文')"
fi

# ---- a hostile message is shown, never obeyed ----------------------------------------------
evil_text=$(printf 'A\x1b]52;c;eA==\x07B\x1b[2JC\rD\xe2\x80\xaeE\xff\x1b]0;PWNED\x07\x1b[?1000hF')
rcli EVAL "$SCRIPT" 1 "wr:chat:$ROOM:log" "$(printf 'ev\xe2\x80\x8bil')" msg \
    "$evil_text" "$(date +%s%3N)" 10000 "wr:chat:$ROOM" >/dev/null
want='A^[]52;c;eA==^GB^[[2JC^MDE�^[]0;PWNED^G^[[?1000hF'
wait_for 'cap_u | grep -qF -- "$want"' 10 && tui_cap | grep -qF -- "$want" &&
    ok "escape sequences, \\r, U+202E and invalid UTF-8 render as visible text" ||
    { dump_both hostile; notok hostile "not rendered as text"; }
cap_u | grep -qF '<evil>' && ok "zero-width characters are stripped from nicks" ||
    notok nick_zw "no <evil>"
[ "$(tui_tmux display -p -t =u: '#{pane_title}')" != PWNED ] &&
    [ "$(tui_tmux display -p -t =t: '#{pane_title}')" != PWNED ] &&
    ok "the terminal title is unchanged" || notok title "title changed"
[ "$(tui_tmux display -p -t =u: '#{mouse_any_flag}')" = 0 ] && ok "mouse mode is unchanged" ||
    notok mouse "mouse mode turned on"
tui_tmux list-buffers 2>/dev/null | grep -q . && notok clipboard "a tmux buffer was set" ||
    ok "the clipboard is untouched (OSC 52 not obeyed)"
cap_u -e | grep -F ']52;c;eA==' | grep -qF $'\e[7m^[' &&
    ok "control characters are drawn in reverse video" || notok reverse "no reverse ^["
top=$(cap_u | sed -n 1p)
case "$top" in
[┌┏]*Series*) ok "the rest of the screen is intact (series pane, status line)" ;;
*) dump_both intact; notok intact "top line: $top" ;;
esac
cap_u | grep -q "partitions" || notok status_line "status line gone"

# ---- Tab completion, mention, bell (and none with --quiet) --------------------------------
[ "$(tui_tmux display -p -t =u: '#{window_bell_flag}')" = 0 ] || notok bell_before "bell already"
tui_type "rob"
tui_keys Tab
wait_for 'tui_cap | grep -qF "[alice] robert: "' 5 && ok "Tab completes an online nick" ||
    { dump_both tab; notok tab "no completion"; }
tui_type "look at the graphs"
tui_keys Enter
wait_for 'cap_u | grep -qF "<alice> robert: look at the graphs"' 10 ||
    { dump_both mention; notok mention "not received"; }
wait_for '[ "$(tui_tmux display -p -t =u: "#{window_bell_flag}")" = 1 ]' 5 &&
    ok "a mention rings the bell" || notok bell "no bell"
cap_u -e | grep -F 'look at the graphs' | grep -qP '\e\[(?:[0-9;]*;)?7(?:;[0-9;]*)?m' &&
    ok "the mention is highlighted" || notok mention_hl "no highlight"
type_u "alice: ack"
keys_u Enter
wait_for 'tui_cap | grep -qF "<robert> alice: ack"' 10 || notok mention2 "not received"
[ "$(tui_tmux display -p -t =t: '#{window_bell_flag}')" = 0 ] &&
    ok "--quiet: no bell on a mention" || notok quiet "bell rang with --quiet"

# ---- unknown command, /who ------------------------------------------------------------------
type_u "/frobnicate now"
keys_u Enter
wait_for 'cap_u | grep -qF "unknown command /frobnicate"' 5 && ok "unknown commands are answered" ||
    { dump_both unknown; notok unknown "no message"; }
rcli XRANGE "wr:chat:$ROOM:log" - + | grep -q frobnicate && notok unknown_sent "it was sent" ||
    ok "an unknown command sends nothing"
type_u "/who"
keys_u Enter
wait_for 'cap_u | grep -qF "online in #ops (2): alice robert"' 5 && ok "/who lists who is online" ||
    { dump_both who; notok who "no list"; }

# ---- unread marker while the pane is not focused ------------------------------------------
keys_u Escape 1 # bob: leave the input line, focus the series table
tui_type "one while you look away"
tui_keys Enter
wait_for 'cap_u | grep -qF "one while you look away"' 10 || notok away "not received"
cap_u | chat_rows | grep -B1 -F "one while you look away" | head -1 | grep -q " new " &&
    ok "the unread marker sits above the first unread message" ||
    { dump_both unread; notok unread "no marker"; }

# ---- bracketed paste: 3 lines go at once, 7 lines ask first -------------------------------
tui_tmux set-buffer "$(printf 'paste one\npaste two\npaste three')"
tui_tmux paste-buffer -p -t =t:
wait_for 'cap_u | grep -qF "<alice> paste three"' 10 && cap_u | grep -qF "<alice> paste one" &&
    ok "a 3-line paste is sent as 3 messages" || { dump_both paste3; notok paste3 "not sent"; }
tui_tmux set-buffer "$(for i in 1 2 3 4 5 6 7; do echo "bulk $i"; done)"
tui_tmux paste-buffer -p -t =t:
wait_for 'tui_cap | grep -qF "Send 7 pasted lines"' 5 && ok "a 7-line paste asks first" ||
    { dump_both paste7; notok paste7_ask "no question"; }
cap_u | grep -qF "<alice> bulk 1" && notok paste7_early "sent before the answer"
tui_keys y
wait_for 'cap_u | grep -qF "<alice> bulk 7"' 10 && ok "y sends the 7 lines" ||
    { dump_both paste7-y; notok paste7_send "not sent"; }

# ---- leaving: Esc then q quits, the others see the part -----------------------------------
tui_keys Escape q
wait_for 'tui_cap | grep -q "wr-prompt"' 10 && ok "Esc then q leaves the interface" ||
    { dump_both quit; notok quit "still running"; }
tui_cap | grep -qE "Sanitizer|runtime error" && notok sanitizer "$(tui_cap | tail -5)"
wait_for 'cap_u | grep -qF "alice has left #ops"' 10 && ok "leaving posts a part message" ||
    { dump_both part; notok part "no part line"; }
keys_u 3
type_u "/quit bye"
keys_u Enter
wait_for '! tui_tmux has-session -t =u: 2>/dev/null' 10 && ok "/quit leaves the interface" ||
    { dump_both quit2; notok quit2 "still running"; }
rcli XREVRANGE "wr:chat:$ROOM:log" + - COUNT 1 | grep -qx bye && ok "/quit REASON is the part's text" ||
    notok quit_reason "$(rcli XREVRANGE "wr:chat:$ROOM:log" + - COUNT 1 | tr '\n' ' ')"

wr_done
