#!/usr/bin/env bash
# test_regex.sh — issue 9.2 in the interface (tmux): with pathological silences planted in
# wr:{alerts}:silences (x followed by 20 and 25 '+'; glibc's regcomp grew to 720 MB and past
# 8 GB), the interface comes up with a bounded RSS and says in its alerts panel that the
# silences were rejected (and /alerts in chat why); a refused regex typed in the `/` filter is
# shown as invalid, keystroke by keystroke; /silence with a bad regex in chat gets the error
# back and stores nothing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

RSS_LIMIT_KB=200000
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
cat >"$T/rules.conf" <<'EOF'
[rule hot]
expr = max(temp{site=~"a[0-9]+"}) by (site) over 10s > 50
for = 1s
EOF

plus() { # x followed by $1 '+'
    printf 'x%*s' "$1" '' | tr ' ' '+'
}
until_ms=$(($(date +%s%3N) + 3600000))
for n in 20 25; do
    m="*{a=~$(plus $n)}"
    rcli HSET wr:{alerts}:silences "$m" "{\"type\":\"silence\",\"matcher\":\"$m\",\
\"until_ms\":$until_ms,\"who\":\"mallory\",\"comment\":\"\"}" >/dev/null
done
"$WARROOM" send --redis "$REDIS_URL" temp 20 site=a1 >/dev/null

# the interface, under a watchdog from its first moment: the largest VmRSS seen (kB) goes to
# $T/rss, and past the limit the interface is killed (the unfixed code grows to gigabytes)
tui_shell 200 50 || { notok start "no shell"; wr_done; }
tui_run "\"$WARROOM\" --redis \"$REDIS_URL\" --rules \"$T/rules.conf\" --nick alice"
pane=$(tui_tmux display -p -t =t: '#{pane_pid}')
wait_for '[ -n "$(ps -o pid= --ppid "$pane")" ]' 5 || { notok start "no interface process"; wr_done; }
PID=$(ps -o pid= --ppid "$pane" | tr -d ' ' | head -1)
echo 0 >"$T/rss"
(
    max=0
    while pid_alive "$PID"; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status" 2>/dev/null)
        if [ -n "$kb" ] && [ "$kb" -gt "$max" ]; then
            max=$kb
            echo "$max" >"$T/rss.tmp" && mv -f "$T/rss.tmp" "$T/rss"
        fi
        [ "$max" -gt "$RSS_LIMIT_KB" ] && { kill -9 "$PID"; break; }
        sleep 0.05
    done
) &
WATCH=$!
wr_defer "kill $WATCH 2>/dev/null"
tui_wait "partitions" 10 || { tui_dump start; notok start "interface did not come up"; }
small() {
    pid_alive "$PID" && [ "$(cat "$T/rss")" -le "$RSS_LIMIT_KB" ]
}

# ---- the alerts panel says so, next to the role --------------------------------------------------
# the panel shows the note of the latest event for 6 s (the lease: "now leader"), then its lasting
# state; the next board change shows it (a valid silence, published every half second, makes
# those; straight through redis-cli, as no warroom command may load the planted silences here)
hot='{"type":"silence","matcher":"hot","until_ms":'$until_ms',"who":"bob","comment":""}'
if wait_for 'rcli HSET wr:{alerts}:silences hot "$hot" && rcli PUBLISH wr:alerts "$hot" && sleep 0.5 &&
             tui_cap | grep -qE "2 silences rejected; (leader|follower)"' 20; then
    ok "the alerts panel shows '2 silences rejected' next to the role"
else
    tui_dump count; notok panel_count "no count (max VmRSS $(cat "$T/rss") kB)"
fi

# ---- the / filter: a refused regex is shown as invalid at each keystroke -----------------------
tui_keys /
tui_type 'temp{site=~a'
tui_wait "(substring: not a complete selector)" 5 || { tui_dump partial; notok filter_partial; }
tui_type '+'
tui_type '+'
tui_type '}'
if tui_wait "(invalid: bad regex for label 'site' ('+' after a quantifier" 5; then
    ok "a refused regex in the / filter is shown as invalid"
else
    tui_dump invalid; notok filter_invalid "no invalid note"
fi
tui_keys BSpace BSpace
tui_type '}'
tui_wait "(selector)" 5 && ok "and as a selector again once it is valid" ||
    { tui_dump valid; notok filter_valid "not a selector again"; }
tui_keys Escape

# ---- /silence with a bad regex in chat: the error comes back, nothing is stored ----------------
tui_keys 3
tui_type '/silence *{site=~a**} 1h'
tui_keys Enter
if tui_wait "bad matcher '*{site=~a**}': bad regex for label 'site'" 5; then
    ok "/silence with a bad regex gets the error back in the chat pane"
else
    tui_dump chat; notok chat_error "no error in chat"
fi
tui_type '/alerts'
tui_keys Enter
if tui_wait_re "silence \*\{a=~x\+{25}\} REJECTED, not applied: bad regex for label 'a'" 5 &&
    tui_wait_re "silence \*\{a=~x\+{20}\} REJECTED" 1; then
    ok "/alerts lists the rejected silences with the reason"
else
    tui_dump alerts; notok chat_alerts "no rejected silences in /alerts"
fi
n=$(rcli HLEN wr:{alerts}:silences)
[ "$n" = 3 ] && ! rcli HEXISTS wr:{alerts}:silences '*{site=~a**}' | grep -q 1 &&
    ok "the bad silence was not stored" || notok not_stored "$(rcli HKEYS wr:{alerts}:silences)"

small && ok "the interface is alive with a bounded RSS (max VmRSS $(cat "$T/rss") kB)" ||
    notok alive "max VmRSS $(cat "$T/rss") kB, limit $RSS_LIMIT_KB"

tui_keys Escape q
wait_for 'tui_cap | grep -q "$TUI_PROMPT"' 8 && ok "quits with q" || { tui_dump quit; notok quit; }
wr_done
