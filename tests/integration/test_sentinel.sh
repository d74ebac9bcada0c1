#!/usr/bin/env bash
# test_sentinel.sh — warroom behind Sentinel (issue 12): a master, a replica and three sentinels
# (lib_sentinel.sh). `kill -9` of the master while `gen --min-replicas 1`, a worker, the
# interface (tmux) and two line-mode chat clients run: all follow the promoted replica; the old
# master, restarted, becomes a replica and gets no write from warroom (MONITOR); every event gen
# reported as confirmed is on the new master, and the worker counts what the streams hold plus
# what it reports lost (read on the old master, never replicated).
# Before that the sentinel the clients listen to is stopped: they move to the next one.
# Also: ROLE refuses a "master" that is a replica (sync and async paths), `query` works on a
# replica and with a read-only ACL user, and producers say when a replica is not there to WAIT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tui/tui_lib.sh"
. "$here/lib_sentinel.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
sentinel_setup || { notok sentinel_setup "cannot start the replica and sentinels"; wr_done; }
T=$REDIS_DIR
W=$WARROOM
OLD=$REDIS_PORT
NEW=$REPLICA_PORT
P=8
export REDIS_URL=$SENT_URL

# xlen_sum PORT: entries in all partition streams of namespace wr on that node.
xlen_sum() {
    local i n=0
    for i in $(seq 0 $((P - 1))); do
        n=$((n + $(redis-cli -p "$1" XLEN "wr:ev:{p$i}")))
    done
    echo "$n"
}

# ---- the URL, ROLE and WAIT ------------------------------------------------------------------
printf '[redis]\nmin-replicas = 1\n' >"$T/repl.conf" # the config key, as --min-replicas 1
id=$("$W" send --config "$T/repl.conf" warm 1 2>"$T/send.err")
if [ -n "$id" ] && grep -qF "1 confirmed on 1 replica(s), 0 unconfirmed" "$T/send.err" &&
    [ "$(xlen_sum "$NEW")" = 1 ]; then
    ok "send through the sentinels reaches the master; min-replicas (config key): confirmed"
else
    notok "send" "id=$id $(cat "$T/send.err")"
fi

# a sentinel that names a replica as the master of "fake": ROLE says no, nothing is written
scli 1 SENTINEL MONITOR fake 127.0.0.1 "$NEW" 2 >/dev/null
FAKE="redis+sentinel://127.0.0.1:${SENT_PORTS[0]}/fake"
before=$(xlen_sum "$NEW")
"$W" send --redis "$FAKE" fake 1 >/dev/null 2>"$T/fake.err"
rc=$?
if [ "$rc" != 0 ] && grep -qF "127.0.0.1:$NEW is a replica, not a master" "$T/fake.err"; then
    ok "sync path: ROLE refuses a node the sentinels call master that is a replica"
else
    notok "role sync" "rc=$rc $(cat "$T/fake.err")"
fi
# the interface starts even when Redis refuses it now, and then keeps trying on the loop
REDIS_URL=$FAKE tui_start 200 30
if tui_wait "127.0.0.1:$NEW is a replica, not the master" 10; then
    ok "async path: the connection refuses the replica and keeps asking the sentinels"
else
    notok "role async" "$(tui_cap)"
fi
tui_stop
scli 1 SENTINEL REMOVE fake >/dev/null
[ "$(xlen_sum "$NEW")" = "$before" ] || notok "fake" "the replica changed"

"$W" gen --redis "redis://127.0.0.1:$OLD" --min-replicas 2 --count 10 --rate 0 \
    --give-up 1s >/dev/null 2>"$T/short.err"
rc=$?
if [ "$rc" = 1 ] && grep -qF "not yet on 2 replica(s)" "$T/short.err" &&
    grep -qF "0 confirmed on 2 replica(s), 10 unconfirmed" "$T/short.err"; then
    ok "WAIT short of --min-replicas: said while waiting, counted unconfirmed, exit 1"
else
    notok "wait short" "rc=$rc $(cat "$T/short.err")"
fi

# ---- everyone runs, then the master dies ---------------------------------------------------
"$W" worker --raw --interval 200ms >"$T/w.out" 2>"$T/w.err" &
WPID=$!
mkfifo "$T/a.in" "$T/b.in"
"$W" chat ops --nick alice <"$T/a.in" >"$T/a.out" 2>"$T/a.err" &
APID=$!
exec 3>"$T/a.in"
"$W" chat ops --nick bob <"$T/b.in" >"$T/b.out" 2>"$T/b.err" 3>&- &
BPID=$!
exec 4>"$T/b.in"
"$W" gen --min-replicas 1 --rate 2000 --series 50 >/dev/null 2>"$T/gen.err" &
GPID=$!
wr_defer "kill $WPID $APID $BPID $GPID 2>/dev/null"
tui_start 200 30
wr_defer tui_stop
in_both() { grep -qF -- "$1" "$T/a.out" && grep -qF -- "$1" "$T/b.out"; }
wait_for "in_both 'bob has joined'" 10 || notok joins "$(cat "$T/a.err" "$T/b.err")"
echo "before the failover" >&3
wait_for "in_both 'before the failover'" 10 || notok "chat before" "$(cat "$T/b.out")"
tui_wait "mymaster at 127.0.0.1:$OLD" 10 || notok "tui master" "$(tui_cap)"
wait_for "[ \$(xlen_sum $OLD) -gt 2000 ]" 10 || notok "gen runs" "$(cat "$T/gen.err")"

# the sentinel the long-running clients listen to goes first: they move to the next one
kill -TERM "$(cat "$T/sentinel-1.pid")"
wait_for "grep -qF 'lost sentinel redis://127.0.0.1:${SENT_PORTS[0]} ' '$T/w.err'" 10 &&
    ok "a lost sentinel: the clients move to the next one" ||
    notok "sentinel lost" "$(tail -3 "$T/w.err")"
kill -9 "$(redis_pid)"
if sentinel_wait_failover "$OLD" 30 2 3; then
    ok "the sentinels promoted the replica"
else
    notok failover "$(tail -5 "$T/sentinel-1.log")"
fi
followed="master mymaster moved from 127.0.0.1:$OLD to 127.0.0.1:$NEW (failover followed"
wait_for "grep -qF '$followed' '$T/w.err'" 10 &&
    ok "worker: says it followed the failover" || notok "worker follows" "$(tail -5 "$T/w.err")"
wait_for "grep -qF '$followed' '$T/a.err' && grep -qF '$followed' '$T/b.err'" 10 &&
    ok "chat clients: say they followed the failover" ||
    notok "chat follows" "$(cat "$T/a.err" "$T/b.err")"
if tui_wait_re "mymaster at 127.0.0.1:$NEW, failover followed [0-9]{2}:[0-9]{2}:[0-9]{2}" 10; then
    ok "interface: the status line names the new master and the failover followed"
else
    notok "tui follows" "$(tui_cap | tail -3)"
fi
echo "after the failover" >&4
wait_for "in_both 'after the failover'" 10 &&
    ok "chat: a message after the failover reaches both clients" ||
    notok "chat after" "$(tail -3 "$T/a.out")"

# ---- the old master comes back: it must get no write from warroom ----------------------------
# No second failover from here on: on a loaded machine the new master can miss the 1 s
# down-after while it forks for the old master's full sync, and the sentinels would then hand
# the master role back to the old one (seen once in CI)
for n in 2 3; do scli "$n" SENTINEL SET mymaster down-after-milliseconds 60000 >/dev/null; done
# what the sentinels did, for a failure's message
sent_events() {
    local n
    for n in 2 3; do
        echo "sentinel $n names port $(scli "$n" SENTINEL get-master-addr-by-name mymaster |
            sed -n 2p):"
        grep -E '[+-](switch-master|sdown|odown|tilt|convert-to-slave|failover-end|slave) ' \
            "$T/sentinel-$n.log" | tail -8
    done
}
redis_relaunch || notok restart "the old master did not restart"
redis-cli -p "$OLD" MONITOR >"$T/monitor.out" 2>&1 &
MPID=$!
wr_defer "kill $MPID 2>/dev/null"
if wait_for "redis-cli -p $OLD INFO replication | grep -q 'master_port:$NEW' &&
        redis-cli -p $OLD INFO replication | grep -q 'master_link_status:up'" 40; then
    ok "the old master restarted and became a replica of the new one"
else
    notok "demotion" "$(redis-cli -p "$OLD" INFO replication | head -5) (new master: $NEW)
$(sent_events)"
fi
# gen confirms again (WAIT 1 needs the old master as a replica): let it run a bit, then stop it
n0=$(xlen_sum "$NEW")
wait_for "[ \$(xlen_sum $NEW) -gt $((n0 + 2000)) ]" 20 || notok "gen resumes" "$(cat "$T/gen.err")"
kill -INT "$GPID"
wait "$GPID"
grc=$?
kill "$MPID" 2>/dev/null
# writes on the restarted node from anyone but its master link (the new master's port) or the
# sentinels' hello channel; warroom writes XADD, HSETNX, EVALSHA/EVAL, PUBLISH, ZADD, SET, XTRIM
writes=$(grep -E '"(XADD|HSETNX|HSET|EVAL|EVALSHA|PUBLISH|ZADD|SET|XTRIM|DEL|EXPIRE)"' \
    "$T/monitor.out" | grep -v "127.0.0.1:$NEW\]" | grep -v '__sentinel__' | grep -vc '\[0 lua\]')
# MONITOR was on the whole time: it saw the sentinels' hellos
hellos=$(grep -c '"PUBLISH" "__sentinel__:hello"' "$T/monitor.out")
if [ "$writes" = 0 ] && [ "$hellos" -gt 0 ]; then
    ok "the restarted old master received no write from warroom (MONITOR: $hellos sentinel hellos)"
else
    notok "no writes to the old master" "writes=$writes hellos=$hellos
MONITOR: $(wc -l <"$T/monitor.out") lines, first: $(head -2 "$T/monitor.out")
$(grep -E '"(XADD|HSETNX|EVALSHA|PUBLISH|ZADD)"' "$T/monitor.out" | grep -v "127.0.0.1:$NEW\]" |
        head -3)"
fi

line=$(grep '^gen: ' "$T/gen.err" | tail -1)
confirmed=$(echo "$line" | sed -n 's/.*, \([0-9]*\) confirmed on 1 replica(s).*/\1/p')
total=$(xlen_sum "$NEW")
if [ "$grc" = 0 ] && [ -n "$confirmed" ] && [ "$confirmed" -gt 0 ] && [ "$confirmed" -le "$total" ]; then
    ok "gen: every confirmed event is on the new master ($confirmed confirmed <= $total held)"
else
    notok "confirmed" "rc=$grc confirmed=$confirmed total=$total: $line"
fi

raw_field() { grep -o " $1=[0-9]*" "$T/w.out" | tail -1 | cut -d= -f2; }
# Replication is asynchronous: an entry the worker read on the old master may never have reached
# the replica. The worker checks after the failover and reports such events as lost=N (still
# counted; usually 0): what it counts is exactly what the new master holds plus that.
exact() { [ "$(raw_field events)" = $((total + $(raw_field lost))) ]; }
if wait_for exact 20; then
    ok "worker: counts exactly what the new master holds plus the reported lost ($total + $(raw_field lost))"
else
    notok "worker count" "worker=$(raw_field events) xlen=$total lost=$(raw_field lost)" \
        "$(tail -3 "$T/w.err")"
fi
lost=$(raw_field lost)
if [ "$lost" -gt 0 ] && ! grep -qF "warning: $lost event" "$T/w.out"; then
    notok "lost said" "lost=$lost but no warning line"
fi

# the long-running clients stop cleanly; nothing went wrong in them (sanitizer builds included)
exec 3>&- 4>&-
kill -TERM "$WPID" "$APID" "$BPID" 2>/dev/null
for pid in "$WPID" "$APID" "$BPID"; do
    wait_for "! pid_alive $pid" 10 || kill -KILL "$pid" 2>/dev/null
done
if grep -lE 'AddressSanitizer|LeakSanitizer|runtime error:' "$T"/*.err >/dev/null 2>&1; then
    notok "sanitizers" "$(grep -hE -A5 'AddressSanitizer|LeakSanitizer|runtime error:' "$T"/*.err |
        head -20)"
else
    ok "worker, chat clients and gen stopped without a sanitizer report"
fi

# ---- readers on a replica, and a read-only user ------------------------------------------------
"$W" query --redis "redis://127.0.0.1:$OLD" --window 1h --json >"$T/q.json" 2>"$T/q.err"
rc=$?
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$T/q.json" \
    2>/dev/null)
if [ "$rc" = 0 ] && [ "$got" = "$total" ]; then
    ok "query on a replica reads every event ($got)"
else
    notok "query replica" "rc=$rc got=$got want=$total $(cat "$T/q.err")"
fi
for port in "$NEW" "$OLD"; do # ACLs are not replicated: the same user on both nodes
    redis-cli -p "$port" ACL SETUSER ro on '>pw' '~*' '&*' +@read +@connection -@write >/dev/null
done
"$W" query --redis "redis://ro:pw@127.0.0.1:$OLD" --json >"$T/qro.json" 2>"$T/qro.err"
rc1=$?
"$W" query --redis "redis+sentinel://ro:pw@127.0.0.1:${SENT_PORTS[1]}/mymaster" --json \
    >"$T/qros.json" 2>"$T/qros.err"
rc2=$?
if [ "$rc1" = 0 ] && [ "$rc2" = 0 ] && grep -q '"events"' "$T/qro.json" "$T/qros.json"; then
    ok "query with a read-only ACL user: on the replica, and on the master through the sentinels"
else
    notok "query ro" "rc=$rc1/$rc2 $(cat "$T/qro.err" "$T/qros.err")"
fi

# the interface on the replica: it reads the streams and writes nothing to wr:meta
tui_stop
REDIS_URL=redis://127.0.0.1:$OLD tui_start 200 30
if tui_wait "51 series" 10 && tui_wait "redis://127.0.0.1:$OLD live" 5; then
    ok "the interface runs on a replica and shows the replicated series"
else
    notok "tui on replica" "$(tui_cap)"
fi

wr_done
