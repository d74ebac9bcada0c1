#!/usr/bin/env bash
# test_soak.sh — issue 9.1: an interface (with rules, competing for the lease with a rules
# worker) under WR_SOAK_S seconds of churn: alerts appearing, firing, resolving, reappearing and
# vanishing; acks from the panel (`a`), from chat (/ack) and from `warroom alerts ack`; silences
# from the panel (`s`), from chat (/silence, /unsilence) and from `warroom alerts`; chat from a
# line-mode `warroom chat` client and from the interface; /alerts; and a Redis restart halfway.
# Then: the interface still runs, its screen shows the status line and exactly the alerts, states
# and acks Redis holds, the last chat messages went both ways, and no sanitizer report was written
# by the interface, the worker or the chat client.
# WR_SOAK_S (default 10) is the churn time: `make check` (the ASan + UBSan build) exports 60.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"
# what a sanitizer or glibc's allocator writes to stderr when it stops the program
CRASH_RE='ERROR: (Address|Leak)Sanitizer|runtime error|double free|corrupt|invalid pointer|'
CRASH_RE+='(free|malloc|realloc|munmap_chunk)\(\):'

SOAK_S=${WR_SOAK_S:-10}
T0=$(date +%s%3N)
mark() { echo "# $(($(date +%s%3N) - T0)) ms: $1" >&2; }
KEYS="a b c d e f"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
mkdir -p "$T/cfg"
cat > "$T/rules.conf" <<'EOF'
[rule hot]
expr = max(temp) by (k) over 1s > 50
for = 3s
severity = critical
summary = temp {{value}}
EOF

# board.py STATE ACKS CAPTURE [ID,ID...]: whether the panel (capture-pane text) lists exactly the
# alerts of Redis' state hash (HGETALL output), each with its state and whether it is acked (HKEYS
# of the acks hash), and its title counts match; with ids given, also that those are the firing
# ones. Prints both sides when not.
cat > "$T/board.py" <<'EOF'
import json, re, sys

def redis_board(state_file, acks_file):
    lines = open(state_file).read().split("\n")
    acked = set(l for l in open(acks_file).read().split("\n") if l)
    out = []
    for i in range(0, len(lines) - 1, 2):
        if not lines[i]:
            continue
        m = json.loads(lines[i + 1])
        st = m["state"]
        out.append((m["short"], st, st in ("pending", "firing") and lines[i] in acked, lines[i]))
    return sorted(out)

def panel_board(cap_file):
    rows, title = [], None
    for line in open(cap_file, encoding="utf-8").read().split("\n"):
        idx = [i for i, ch in enumerate(line) if ch in "\u2502\u2503|"]
        if "Alerts" in line and title is None:
            t = re.search(r"(\d+) firing, (\d+) pending", line.split("Chat")[0])
            title = (int(t.group(1)), int(t.group(2))) if t else (0, 0)
        if len(idx) < 2:
            continue
        cell = line[idx[0] + 1 : idx[1]]  # the alerts pane: the leftmost one on its lines
        m = re.search(r"(PAGE|CRIT|warn|info) +(FIRING|pending|resolved) +([0-9a-f]{6}) (\S+)",
                      cell)
        if m:
            st = m.group(2).lower()
            rows.append((m.group(3), st, "ack:" in cell, m.group(4)))
    return sorted(rows), title

want = set(sys.argv[4].split(",")) if len(sys.argv) > 4 and sys.argv[4] else None
r = redis_board(sys.argv[1], sys.argv[2])
p, title = panel_board(sys.argv[3])
firing = set(x[3] for x in r if x[1] == "firing")
counts = (len(firing), sum(1 for x in r if x[1] == "pending"))
ok = r == p and title == counts and (want is None or firing == want)
if not ok:
    print("redis:", r, "\npanel:", p, "\ntitle:", title, "counts:", counts, "\nwant:", want)
sys.exit(0 if ok else 1)
EOF

"$WARROOM" worker --redis "$REDIS_URL" --rules "$T/rules.conf" --quiet --nick worker \
    > "$T/worker.out" 2> "$T/worker.err" &
WORKER=$!
wr_defer "kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null"

TUI_ENV="XDG_CONFIG_HOME=$T/cfg" \
    tui_start 200 50 --rules "$T/rules.conf" --nick alice --room ops "2>$T/tui.err" ||
    { tui_dump start; notok start "interface did not come up"; wr_done; }
PANE_SHELL=$(tui_tmux display -p -t =t: '#{pane_pid}')
TUI_PID=$(pgrep -P "$PANE_SHELL" | head -1)
alive() {
    [ -n "$TUI_PID" ] && pid_alive "$TUI_PID" && ! tui_cap | grep -qF "$TUI_PROMPT"
}

# the values: one event per key every 250 ms into one `warroom ingest`, until $T/stop exists.
# Key k is hot (100) for HOT_MS[k] of every 8 s, out of phase with the others, else cold (1):
# a spell of 300 ms holds the condition (1 s window) under the 3 s of `for`, so it goes pending
# and vanishes; one of 4 s or more fires, then resolves; every key comes back the next period.
# Once $T/final exists: a, c and e hot, the others cold.
declare -A HOT_MS=([a]=300 [b]=4000 [c]=500 [d]=5000 [e]=300 [f]=4500)
drive() {
    local k v j t
    while [ ! -e "$T/stop" ]; do
        t=$((${EPOCHREALTIME/./} / 1000)) j=0
        for k in $KEYS; do
            if [ -e "$T/final" ]; then
                case $k in a | c | e) v=100 ;; *) v=1 ;; esac
            elif [ $(((t + j * 1300) % 8000)) -lt "${HOT_MS[$k]}" ]; then
                v=100
            else
                v=1
            fi
            echo "temp{k=$k} $v"
            j=$((j + 1))
        done
        sleep 0.25
    done
}
drive | "$WARROOM" ingest --redis "$REDIS_URL" > "$T/ingest.out" 2> "$T/ingest.err" &
INGEST=$!
wr_defer "kill $INGEST 2>/dev/null; wait $INGEST 2>/dev/null"

# bob: a line-mode chat client reading a FIFO, kept open on fd 7
mkfifo "$T/bob.in"
"$WARROOM" chat ops --redis "$REDIS_URL" --nick bob --history 0 < "$T/bob.in" \
    > "$T/bob.out" 2> "$T/bob.err" &
BOB=$!
wr_defer "kill $BOB 2>/dev/null; wait $BOB 2>/dev/null"
exec 7> "$T/bob.in"
tui_wait "bob has joined #ops" 10 || { tui_dump join; notok bob_join "no join line for bob"; }

# alice types in her chat: Enter first (starts typing if the pane was in list mode; an empty
# line is not sent), Esc after (back to list mode, so the next digits are keys again)
say() {
    tui_keys 3 Enter
    tui_type "$1"
    tui_keys Enter Escape
}
bob_says() {
    echo "$1" >&7
}
# the short id of a pending or firing alert in Redis, "" when none
some_short() {
    rcli HVALS wr:{alerts}:state | grep -E '"state":"(firing|pending)"' |
        grep -m1 -oE '"short":"[0-9a-f]{6}"' | cut -d'"' -f4
}
cli() {
    "$WARROOM" "$@" --redis "$REDIS_URL" --nick carol >/dev/null 2>&1
}

# ---- churn ---------------------------------------------------------------------------------
mark "churn"
start=$(date +%s%3N)
end=$((start + SOAK_S * 1000))
mid=$((start + SOAK_S * 500))
restarted=0 i=0
# every round of five steps acks (CLI, panel, chat), silences and lifts silences (panel, chat,
# CLI), chats both ways and lists /alerts; at least two rounds, whatever the time
while [ "$(date +%s%3N)" -lt "$end" ] || [ $i -lt 10 ]; do
    pid_alive "$TUI_PID" || break # keys would go to the shell
    case $((i % 5)) in
    0) s=$(some_short); [ -n "$s" ] && cli alerts ack "$s"
       bob_says "bob line $i" ;;
    1) tui_keys 2 a
       say "alice line $i" ;;
    2) s=$(some_short); [ -n "$s" ] && say "/ack $s"
       say "/silence hot 300s soak" ;;
    3) say "/unsilence hot"
       tui_keys 2 j s ;;
    4) if [ $((i % 10)) = 4 ]; then cli alerts silence '{k=b}' 30s; else
           cli alerts unsilence '{k=b}'; fi
       bob_says "bob line $i"
       say "/alerts"
       tui_keys 2 k s ;;
    esac
    if [ $restarted = 0 ] && [ "$(date +%s%3N)" -ge "$mid" ]; then
        restarted=1
        # without fd 7: the daemonized server would hold bob's stdin open forever
        redis_restart 7>&- || notok redis_restart "redis-server did not come back"
    fi
    i=$((i + 1))
    sleep 0.1 # pacing of the load, not a wait for a result
done
echo "# $i steps in ${SOAK_S}s" >&2
if alive; then
    ok "the interface is still running"
else
    tui_dump alive
    notok alive "interface gone after $i steps: $(head -c 2000 "$T/tui.err")"
    wr_done
fi
[ $restarted = 1 ] && ok "churned for ${SOAK_S}s with a Redis restart halfway ($i steps)" ||
    notok churn "no restart happened"

# the churn happened: transitions of every kind, acks and silences reached the log
mark "churn done"
log_has() {
    rcli XRANGE wr:{alerts}:log - + | grep -cx "$1"
}
n_firing=$(rcli XRANGE wr:{alerts}:log - + | grep -c '"to":"firing"')
n_resolved=$(rcli XRANGE wr:{alerts}:log - + | grep -c '"to":"resolved"')
n_inactive=$(rcli XRANGE wr:{alerts}:log - + | grep -c '"to":"inactive"')
n_ack=$(log_has ack)
n_sil=$(log_has silence)
n_unsil=$(log_has unsilence)
echo "# log: firing $n_firing resolved $n_resolved inactive $n_inactive ack $n_ack" \
    "silence $n_sil unsilence $n_unsil" >&2
if [ "$n_firing" -ge 2 ] && [ "$n_resolved" -ge 1 ] && [ "$n_inactive" -ge 1 ] &&
    [ "$n_ack" -ge 1 ] && [ "$n_sil" -ge 1 ] && [ "$n_unsil" -ge 1 ]; then
    ok "alerts fired, resolved and vanished; acks, silences and unsilences were recorded"
else
    notok churn_log "firing $n_firing resolved $n_resolved inactive $n_inactive ack $n_ack" \
        "silence $n_sil unsilence $n_unsil"
fi

# ---- the screen shows what Redis holds -------------------------------------------------------
mark "board"
# hold a, c and e hot and the rest cold until Redis and the panel agree on firing a, c, e
touch "$T/final"
tui_keys 2
board_agrees() { # Redis' state and acks, and the panel, agree on firing a, c, e
    rcli HGETALL wr:{alerts}:state > "$T/state"
    rcli HKEYS wr:{alerts}:acks > "$T/acks"
    tui_cap > "$T/cap"
    python3 "$T/board.py" "$T/state" "$T/acks" "$T/cap" 'hot{k=a},hot{k=c},hot{k=e}' > "$T/diff"
}
settled=0
wait_for board_agrees 10 && settled=1
if [ $settled = 1 ]; then
    ok "the panel lists exactly the alerts, states, acks and counts in Redis (firing a, c, e)"
else
    tui_dump board; cat "$T/diff" >&2; notok board "panel and Redis disagree"
fi

# ---- the last chat messages went both ways; the status line -----------------------------------
mark "chat"
nonce=$RANDOM$RANDOM
bob_says "bob final $nonce"
say "alice final $nonce"
tui_wait "<bob> bob final $nonce" 10 && ok "bob's last message is on alice's screen" ||
    { tui_dump chat; notok chat_bob "not shown"; }
wait_for 'grep -qF "<alice> alice final $nonce" "$T/bob.out"' 10 &&
    ok "alice's last message reached the line-mode client" ||
    { tail -5 "$T/bob.out" >&2; notok chat_alice "not in bob's output"; }
status=$(tui_cap | grep -F "partitions" | tail -1)
case $status in
*live*"ns wr"*"8 partitions"*) ok "the status line renders, live" ;;
*) notok status "status line: $status" ;;
esac

# ---- clean ends and clean stderr -------------------------------------------------------------
mark "ends"
touch "$T/stop"
wait_for '! pid_alive $INGEST' 10 && wait $INGEST
rc=$?
[ $rc = 0 ] && ok "the producer wrote every event across the restart (ingest exit 0)" ||
    notok ingest_exit "exit $rc: $(tail -3 "$T/ingest.err")"
exec 7>&-
wait_for '! pid_alive $BOB' 10 && wait $BOB
rc=$?
[ $rc = 0 ] && ok "the line-mode client leaves at the end of its input (exit 0)" ||
    notok bob_exit "exit $rc: $(tail -3 "$T/bob.err")"
if alive; then tui_keys Escape q; fi
if wait_for 'tui_cap | grep -qF "$TUI_PROMPT"' 10; then
    tui_run 'echo "exit=$?"'
    wait_for 'tui_cap | grep -q "^exit=0"' 5 && ok "the interface quits with exit 0" ||
        { tui_dump exit; notok exit_status "not exit 0"; }
else
    tui_dump quit; notok quit "did not quit"
fi
kill -TERM $WORKER 2>/dev/null
wait_for '! pid_alive $WORKER' 10 && wait $WORKER
rc=$?
[ $rc = 0 ] && ok "the worker stops cleanly on SIGTERM" || notok worker_exit "exit $rc"
for f in tui worker bob ingest; do
    if grep -qE "$CRASH_RE" \
        "$T/$f.err"; then
        notok "sanitizer_$f" "$(head -c 2000 "$T/$f.err")"
    else
        ok "no sanitizer report from the $f"
    fi
done
# tmux leaves its socket behind on kill-server: remove it, or tui_stop waits for it in vain
tui_tmux kill-server 2>/dev/null
wait_for '! tui_tmux has-session' 5 && rm -f "$(tui_socket_path)"
mark "done"
wr_done
