#!/usr/bin/env bash
# test_wire_cluster.sh — wire format v2 on a real 3-master Redis Cluster (issue 12): every script
# of app/ names keys of one hash tag and takes channels as ARGV. Four checks:
#  - the cluster refuses a script whose keys cross slots (CROSSSLOT): the check below can fail;
#  - the scripts, exactly as compiled (read from the C sources), EVAL on the cluster with the
#    key and argument layout the code uses, with no CROSSSLOT;
#  - the real commands (send, a worker with rules that announces, dead-letters and posts to chat,
#    alerts ack/silence/unsilence, chat --say) against the node that serves the slots they use,
#    and no node counts a CROSSSLOT error afterwards;
#  - `warroom migrate` on the cluster: v1 keys spread over the nodes move across slots
#    (DUMP/RESTORE, redirects followed).
# The slots are assigned by hand so that node A serves wr:meta, wr:ev:{p0} (and wr:dlq:{p0}),
# wr:{alerts}:*, wr:chat:t1:log: warroom itself has no cluster routing here, only the wire format
# is tested. The channels wr:alerts and wr:chat:t1 hash to other slots (on B), so a script that
# named them in KEYS would be refused.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/wr-cluster.XXXXXX")
# in this order: the servers (found by their pid files), then the directory
wr_defer 'for p in $(jobs -p); do kill -9 $p 2>/dev/null; done'
wr_defer 'for f in "$T"/*/redis.pid; do [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done'
wr_defer "rm -rf '$T'"
trap _wr_exit EXIT
trap 'exit 130' INT TERM

# three nodes on free ports whose cluster bus ports (+10000) are free too (lib.sh); a port taken
# between the check and the bind (the node aborts) is given up for another, up to five times
c() { local p=$1; shift; redis-cli -p "$p" "$@"; }
ports=()
tries=0
while [ ${#ports[@]} -lt 3 ] && [ $tries -lt 15 ]; do
    tries=$((tries + 1))
    p=$(cluster_free_port) || break
    case " ${ports[*]} " in *" $p "*) continue ;; esac
    mkdir -p "$T/$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes --cluster-config-file nodes.conf \
        --dir "$T/$p" --save '' --appendonly no --daemonize yes --pidfile "$T/$p/redis.pid" \
        --logfile "$T/$p/redis.log" >/dev/null
    if wait_for "c $p PING | grep -q PONG || grep -q aborting '$T/$p/redis.log'" 10 &&
        c "$p" PING | grep -q PONG; then
        ports+=("$p")
    else
        echo "node on port $p did not start: $(tail -2 "$T/$p/redis.log")" >&2
        [ -s "$T/$p/redis.pid" ] && kill -9 "$(cat "$T/$p/redis.pid")" 2>/dev/null
        rm -rf "${T:?}/$p"
    fi
done
[ ${#ports[@]} = 3 ] || { notok cluster_start "3 nodes did not start"; wr_done; }
A=${ports[0]} B=${ports[1]} C=${ports[2]}
# A: 0-5460 and 12000-16383 ({alerts} 4569, wr:meta 12652, {p0} 15882, wr:chat:t1:log 14027);
# B: 5461-8999 (channels are not keys, but a script naming them in KEYS would hash them:
# wr:alerts 7872); C: 9000-11999
c "$A" CLUSTER ADDSLOTSRANGE 0 5460 12000 16383 >/dev/null
c "$B" CLUSTER ADDSLOTSRANGE 5461 8999 >/dev/null
c "$C" CLUSTER ADDSLOTSRANGE 9000 11999 >/dev/null
e=1
for p in "${ports[@]}"; do c "$p" CLUSTER SET-CONFIG-EPOCH $e >/dev/null; e=$((e + 1)); done
c "$A" CLUSTER MEET 127.0.0.1 "$B" >/dev/null
c "$A" CLUSTER MEET 127.0.0.1 "$C" >/dev/null
cluster_ok() {
    for p in "${ports[@]}"; do c "$p" CLUSTER INFO | grep -q 'cluster_state:ok' || return 1; done
}
if wait_for cluster_ok 20; then
    ok "cluster of 3 masters up"
else
    notok cluster_up "$(c "$A" CLUSTER INFO | head -3)"
    wr_done
fi
[ "$(c "$A" CLUSTER KEYSLOT 'wr:{alerts}:state')$(c "$A" CLUSTER KEYSLOT wr:alerts)" = 45697872 ] ||
    notok slots "unexpected key slots"

# ---- the cluster refuses keys of two slots in one script --------------------------------------
out=$(c "$A" EVAL "return 1" 2 'wr:{alerts}:state' wr:alerts 2>&1)
case "$out" in *CROSSSLOT*) ok "control: a script naming the channel in KEYS is refused (CROSSSLOT)" ;;
*) notok crossslot_control "$out" ;; esac

# ---- static: no script of app/ publishes to a KEYS entry (a channel is an argument) ----------
bad=$(grep -rn "PUBLISH', *KEYS" "$WR_ROOT/app" "$WR_ROOT/docs" "$WR_ROOT/tests" | grep -v test_wire_cluster)
[ -z "$bad" ] && ok "no script passes a channel in KEYS (app, docs, tests)" || notok channel_in_keys "$bad"

# ---- the compiled scripts, EVALed with the code's layout -------------------------------------
# script NAME FILE: the C string literal NAME of FILE, as the compiler joins it
script() {
    python3 - "$WR_ROOT/$2" "$1" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
m = re.search(r"\b%s\[\]\s*=\s*((?:\s*\"(?:[^\"\\]|\\.)*\")+)\s*;" % re.escape(sys.argv[2]), src)
parts = re.findall(r"\"((?:[^\"\\]|\\.)*)\"", m.group(1))
sys.stdout.write(bytes("".join(parts), "utf-8").decode("unicode_escape"))
EOF
}
ANNOUNCE=$(script alerts_announce_script app/alerts/alerts.c)
ACK=$(script alerts_ack_script app/alerts/alerts.c)
SILENCE=$(script alerts_silence_script app/alerts/alerts.c)
CHAT=$(script chat_send_script app/chat/chat.c)
[ -n "$ANNOUNCE" ] && [ -n "$ACK" ] && [ -n "$SILENCE" ] && [ -n "$CHAT" ] ||
    notok scripts_found "could not read the scripts from the sources"
now=$(date +%s%3N)
J='{"type":"transition","id":"r{a=b}","short":"abc123","state":"firing","to":"firing"}'
c "$A" SET 'x:{alerts}:lease' tok >/dev/null
out=$(c "$A" EVAL "$ANNOUNCE" 4 'x:{alerts}:lease' 'x:{alerts}:state' 'x:{alerts}:log' \
    'x:{alerts}:acks' tok 'r{a=b}' firing "$J" 10000 x:alerts 2>&1)
[[ "$out" =~ ^[0-9]+-[0-9]+$ ]] && [ "$(c "$A" HGET 'x:{alerts}:state' 'r{a=b}')" = "$J" ] &&
    ok "announce script: one slot, transition stored" || notok announce_script "$out"
out=$(c "$A" EVAL "$ACK" 3 'x:{alerts}:state' 'x:{alerts}:acks' 'x:{alerts}:log' 'r{a=b}' \
    '{"type":"ack","who":"al"}' 10000 x:alerts 2>&1)
[ "$out" = 1 ] && [ "$(c "$A" HLEN 'x:{alerts}:acks')" = 1 ] && ok "ack script: one slot, ack stored" ||
    notok ack_script "$out"
out=$(c "$A" EVAL "$SILENCE" 2 'x:{alerts}:silences' 'x:{alerts}:log' m \
    "{\"until_ms\":$((now + 60000))}" 10000 set x:alerts 2>&1)
[ "$out" = 1 ] && [ "$(c "$A" HLEN 'x:{alerts}:silences')" = 1 ] &&
    ok "silence script: one slot, silence stored" || notok silence_script "$out"
out=$(c "$A" EVAL "$CHAT" 1 wr:chat:t1:log bob msg hi "$now" 10000 wr:chat:t1 2>&1)
[[ "$out" =~ ^[0-9]+-[0-9]+$ ]] && ok "chat send script: one key, channel as ARGV" ||
    notok chat_script "$out"
# the live messages still reach a subscriber on another node (PUBLISH is broadcast)
timeout 20 redis-cli -p "$C" SUBSCRIBE x:alerts >"$T/sub.out" 2>&1 &
SUBPID=$!
wait_for "grep -q '^subscribe' '$T/sub.out'" 10
c "$A" EVAL "$ACK" 3 'x:{alerts}:state' 'x:{alerts}:acks' 'x:{alerts}:log' 'r{a=b}' \
    '{"type":"ack","who":"zed"}' 10000 x:alerts >/dev/null
wait_for "grep -q '\"who\":\"zed\"' '$T/sub.out'" 10 && ok "the channel argument is published to every node" ||
    notok publish_broadcast "$(cat "$T/sub.out")"
kill "$SUBPID" 2>/dev/null
wait "$SUBPID" 2>/dev/null

# ---- the real commands, on node A -------------------------------------------------------------
R=(--redis "redis://127.0.0.1:$A" --partitions 1)
"$W" send "${R[@]}" cpu 1 >/dev/null 2>"$T/err" && [ "$(c "$A" HGET wr:meta version)" = 2 ] &&
    ok "send on a cluster node: meta version 2 written" || notok send "$(cat "$T/err")"
printf '[rule hot]\nexpr = max(cpu) over 5s > 50\nsummary = cpu {{value}}\n' >"$T/rules.conf"
"$W" worker "${R[@]}" --rules "$T/rules.conf" --room t1 --raw --interval 200ms >"$T/w.out" 2>&1 &
WPID=$!
(while :; do "$W" send "${R[@]}" cpu 90 >/dev/null 2>&1; sleep 0.2; done) &
SPID=$!
c "$A" XADD 'wr:ev:{p0}' '*' metric cpu value abc >"$T/bad.id"
if wait_for '[ "$(c "$A" HGET "wr:{alerts}:state" hot | grep -c "\"state\":\"firing\"")" = 1 ]' 30; then
    ok "worker on a cluster node: the alert is announced (announce script, one slot)"
else
    notok announce_real "$(tail -5 "$T/w.out"); state $(c "$A" HGETALL 'wr:{alerts}:state')"
fi
kill "$SPID" 2>/dev/null
wait "$SPID" 2>/dev/null
wait_for 'c "$A" XRANGE wr:chat:t1:log - + | grep -q "^alert$"' 10 &&
    ok "the announcement is posted to the room's log (chat script, one key)" ||
    notok chat_post "$(c "$A" XRANGE wr:chat:t1:log - + | tail -8)"
wait_for '[ "$(c "$A" XLEN "wr:dlq:{p0}")" = 1 ]' 10 &&
    [ "$(c "$A" XRANGE 'wr:dlq:{p0}' - + | head -1)" = "$(cat "$T/bad.id")" ] &&
    ok "the bad entry is dead-lettered in wr:dlq:{p0} under its own ID" ||
    notok dlq_real "$(c "$A" XRANGE 'wr:dlq:{p0}' - +)"
short=$(c "$A" HGET 'wr:{alerts}:state' hot |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["short"])' 2>/dev/null)
"$W" alerts "${R[@]}" ack "$short" --nick alice >"$T/ack.out" 2>&1 &&
    [ "$(c "$A" HEXISTS 'wr:{alerts}:acks' hot)" = 1 ] && ok "warroom alerts ack on a cluster node" ||
    notok ack_real "$(cat "$T/ack.out")"
"$W" alerts "${R[@]}" silence hot 1h test >"$T/sil.out" 2>&1 &&
    "$W" alerts "${R[@]}" unsilence hot >>"$T/sil.out" 2>&1 &&
    [ "$(c "$A" XRANGE 'wr:{alerts}:log' - + | grep -cx -e silence -e unsilence)" = 2 ] &&
    ok "warroom alerts silence and unsilence on a cluster node" || notok silence_real "$(cat "$T/sil.out")"
"$W" chat t1 "${R[@]}" --say "hello cluster" >"$T/say.out" 2>&1 &&
    c "$A" XRANGE wr:chat:t1:log - + | grep -qx "hello cluster" &&
    ok "warroom chat --say on a cluster node" || notok say_real "$(cat "$T/say.out")"
kill -TERM "$WPID" 2>/dev/null
wait "$WPID"
grep -q "dlq_failed=0" "$T/w.out" && ! grep -qi crossslot "$T/w.out" &&
    ok "the worker stopped cleanly, no failed dead letter" || notok worker_clean "$(tail -3 "$T/w.out")"
errs=""
for p in "${ports[@]}"; do
    n=$(c "$p" INFO errorstats | grep -o 'errorstat_CROSSSLOT:count=[0-9]*' | cut -d= -f2)
    errs="$errs${n:-0} "
done
[ "$errs" = "1 0 0 " ] && ok "no CROSSSLOT on any node but the control's one" ||
    notok crossslot_count "CROSSSLOT errors per node: $errs"

# ---- warroom migrate across slots and nodes --------------------------------------------------
# v1 keys of namespace m: m:alerts:state etc. hash to various slots on all three nodes
for k in m:alerts:state m:alerts:acks m:alerts:silences m:alerts:log m:dlq m:meta; do
    printf '%s slot %s\n' "$k" "$(c "$A" CLUSTER KEYSLOT "$k")"
done >"$T/slots.txt"
cc() { redis-cli -c -p "$A" "$@"; }
cc HSET m:meta version 1 partitions 2 >/dev/null
cc HSET m:alerts:state 'r{a=b}' "$J" >/dev/null
cc HSET m:alerts:silences m '{"until_ms":1}' >/dev/null
cc XADD m:alerts:log 1-1 type transition id 'r{a=b}' to firing json j >/dev/null
cc XADD m:dlq 9-0 metric cpu value x reason r detail d stream 'm:ev:{p1}' id 5-0 >/dev/null
cc XADD m:dlq 9-1 metric cpu value y reason r detail d stream 'm:ev:{p0}' id 6-0 >/dev/null
"$W" migrate --redis "redis://127.0.0.1:$B" --ns m >"$T/mig.out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(cc HGET 'm:{alerts}:state' 'r{a=b}')" = "$J" ] &&
    [ "$(cc HGET 'm:{alerts}:silences' m)" = '{"until_ms":1}' ] &&
    [ "$(cc XRANGE 'm:{alerts}:log' - + | head -1)" = 1-1 ] &&
    [ "$(cc XRANGE 'm:dlq:{p1}' - + | head -1)" = 5-0 ] && [ "$(cc XRANGE 'm:dlq:{p0}' - + | head -1)" = 6-0 ] &&
    [ "$(cc EXISTS m:alerts:state)$(cc EXISTS m:dlq)$(cc HGET m:meta version)" = 002 ] &&
    ok "migrate on a cluster moves keys across slots and nodes" ||
    notok migrate_cluster "exit $rc: $(cat "$T/mig.out" "$T/slots.txt")"
"$W" migrate --redis "redis://127.0.0.1:$C" --ns m >"$T/mig2.out" 2>&1 &&
    grep -q "nothing to migrate: namespace m is at version 2 already" "$T/mig2.out" &&
    ok "migrate on a cluster, second run: nothing to move" || notok migrate_cluster_twice "$(cat "$T/mig2.out")"

wr_done
