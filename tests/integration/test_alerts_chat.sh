#!/usr/bin/env bash
# test_alerts_chat.sh — alerts do not drown the chat: firing and resolved are posted (pending is
# not), one line each with severity, rule{labels}, value against the threshold and the short
# id; a burst of transitions becomes one line with counts; `/filter alerts` in line mode hides
# alert lines.
set -u
. "$(dirname "$0")/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
W=$WARROOM
T=$REDIS_DIR # removed at exit
NS=ac
cat >"$T/rules.conf" <<'R'
[rule hot]
expr = max(temp) over 2s > 5
severity = critical
summary = long summary text that stays out of the chat line

[rule warm]
expr = max(temp) over 2s > 5
for = 1h
severity = info

[rule cold]
expr = min(temp) over 2s < -5
severity = warning
R
send() { "$W" send --redis "$REDIS_URL" --ns $NS "$@" >/dev/null; }
alert_lines() { grep -F -- "-!- [alert]" "$T/chat.out"; }

"$W" chat ops --redis "$REDIS_URL" --ns $NS --listen --nick reader >"$T/chat.out" 2>&1 &
CPID=$!
# a second reader that hides alert lines: its stdin is a pipe that stays open
mkfifo "$T/in"
"$W" chat ops --redis "$REDIS_URL" --ns $NS --nick filterer --no-echo <"$T/in" >"$T/f.out" 2>&1 &
FPID=$!
exec 5>"$T/in"
echo "/filter alerts" >&5
"$W" worker --redis "$REDIS_URL" --ns $NS --rules "$T/rules.conf" --quiet >"$T/w.out" 2>&1 &
WPID=$!
wr_defer "exec 5>&-; kill $CPID $FPID $WPID 2>/dev/null"
wait_for 'grep -q "alerts: leader" "$T/w.out"' 15 || notok leader "$(cat "$T/w.out")"
wait_for 'grep -q "reader has joined" "$T/chat.out"' 10 || notok reader "$(cat "$T/chat.out")"

# ---- one firing alert: one line; the pending one beside it: none ------------------------------
send temp 10 host=a
wait_for 'alert_lines | grep -q FIRING' 15 || notok fired "$(cat "$T/chat.out" "$T/w.out")"
wait_for 'grep -q "announced pending.*warm" "$T/w.out"' 10 || notok warm_pending "$(cat "$T/w.out")"
line=$(alert_lines | head -1)
echo "$line" | grep -qE -- '-!- \[alert\] FIRING critical hot\{host=a\} 10 > 5 \[[0-9a-f]{6}\]$' &&
    ok "firing_is_one_line (${line#* })" || notok firing_is_one_line "$line"
grep -q PENDING "$T/chat.out" && notok pending_not_posted "$(alert_lines)" || ok pending_not_posted

# ---- it resolves: one line with the value and the limit it was held against -------------------
sleep 3 # event time must move past the 2 s window: the next event carries it
send temp 1 host=a
wait_for 'alert_lines | grep -q RESOLVED' 15 || notok resolved "$(cat "$T/chat.out" "$T/w.out")"
line=$(alert_lines | grep RESOLVED | head -1)
echo "$line" | grep -qE -- 'RESOLVED critical hot\{host=a\} 1, limit > 5 \[[0-9a-f]{6}\]$' &&
    ok "resolved_is_one_line (${line#* })" || notok resolved_is_one_line "$line"

# ---- a burst: four instances in one evaluation, one line with counts ---------------------------
"$W" ingest --redis "$REDIS_URL" --ns $NS >/dev/null 2>&1 <<'E'
temp{host=b} -10
temp{host=c} -10
temp{host=d} -10
temp{host=e} -10
E
wait_for 'grep -c "announced firing.*cold" "$T/w.out" | grep -q 4' 15 ||
    notok burst_fired "$(cat "$T/w.out")"
wait_for 'alert_lines | grep -q "cold"' 10 || notok burst_posted "$(cat "$T/chat.out")"
sleep 3 # longer than the burst window: nothing else may follow for these four
n=$(alert_lines | grep -c cold)
line=$(alert_lines | grep cold)
[ "$n" = 1 ] && echo "$line" | grep -qF "4 alerts: FIRING 4, worst warning: cold x4" &&
    ok "burst_is_one_line (${line#* })" || notok burst_is_one_line "$(alert_lines)"
[ "$(alert_lines | wc -l)" = 3 ] && ok three_alert_lines_in_all ||
    notok three_alert_lines_in_all "$(alert_lines)"

# ---- /filter alerts hides them in line mode ------------------------------------------------------
echo "after the alerts" >&5
"$W" chat ops --redis "$REDIS_URL" --ns $NS --say "a word from ops" --nick ops >/dev/null
wait_for 'grep -q "a word from ops" "$T/f.out"' 10 || notok filter_reader "$(cat "$T/f.out")"
grep -q "\[alert\]" "$T/f.out" && notok filter_alerts_hides "$(cat "$T/f.out")" ||
    ok filter_alerts_hides
wr_done
