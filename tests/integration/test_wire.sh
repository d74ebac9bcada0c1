#!/usr/bin/env bash
# test_wire.sh — wire format v2 against a real redis-server (issue 12): a namespace in version 1
# (NS:meta says so, or it holds v1 keys and no version) is refused by every command with a message
# naming `warroom migrate`, and no meta is written into it; a fresh namespace gets version 2;
# `warroom migrate` moves hand-made v1 alert keys and dead letters to their v2 keys (contents
# checked exactly), --dry-run writes nothing, a second run moves nothing, a namespace of another
# version and a conflicting key are refused.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$REDIS_DIR
R=(--redis "$REDIS_URL")

# refused NAME NS CMD...: CMD exits 1 and says the namespace is v1 and how to migrate
refused() {
    local name=$1 ns=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err" </dev/null
    local rc=$?
    if [ $rc = 1 ] && grep -qF "namespace '$ns' is in wire format version 1" "$T/err" &&
        grep -qF "run \`warroom migrate --ns $ns\`" "$T/err"; then
        ok "$name"
    else
        notok "$name" "exit $rc: $(cat "$T/err" "$T/out")"
    fi
}

# ---- a v1 namespace is refused by every command ---------------------------------------------
rcli HSET v1a:meta version 1 partitions 4 >/dev/null
refused send_refuses_v1 v1a "$W" send "${R[@]}" --ns v1a cpu 1
refused ingest_refuses_v1 v1a "$W" ingest "${R[@]}" --ns v1a
refused gen_refuses_v1 v1a "$W" gen "${R[@]}" --ns v1a --count 10
refused query_refuses_v1 v1a "$W" query "${R[@]}" --ns v1a
refused worker_refuses_v1 v1a "$W" worker "${R[@]}" --ns v1a --exit-after-replay
refused alerts_refuses_v1 v1a "$W" alerts "${R[@]}" --ns v1a
refused chat_say_refuses_v1 v1a "$W" chat ops "${R[@]}" --ns v1a --say hi
refused chat_line_refuses_v1 v1a "$W" chat ops "${R[@]}" --ns v1a
grep -qF "v1a:meta says version 1" "$T/err" && ok refusal_names_the_meta ||
    notok refusal_names_the_meta "$(cat "$T/err")"
[ "$(rcli XLEN 'v1a:ev:{p0}')$(rcli HGET v1a:meta version)" = 01 ] &&
    ok v1_left_untouched || notok v1_left_untouched "$(rcli --scan --pattern 'v1a*')"

# v1 keys and no version: refused too, and no meta is created over them
rcli HSET v1b:alerts:state 'x{a=b}' '{}' >/dev/null
refused send_refuses_v1_keys v1b "$W" send "${R[@]}" --ns v1b cpu 1
grep -qF "it has v1b:alerts:state and no version in v1b:meta" "$T/err" &&
    [ "$(rcli EXISTS v1b:meta)" = 0 ] && ok v1_keys_named_no_meta_written ||
    notok v1_keys_named_no_meta_written "$(cat "$T/err"), meta $(rcli HGETALL v1b:meta)"
rcli XADD v1c:dlq '*' metric x reason r detail d stream 'v1c:ev:{p0}' id 1-1 >/dev/null
refused query_refuses_v1_dlq v1c "$W" query "${R[@]}" --ns v1c

# another version: the message names it
rcli HSET v3:meta version 3 partitions 4 >/dev/null
"$W" query "${R[@]}" --ns v3 >/dev/null 2>"$T/err"
rc=$?
[ $rc = 1 ] && grep -qF "namespace 'v3' has wire format version 3; this warroom speaks version 2" \
    "$T/err" && ok other_version_refused || notok other_version_refused "exit $rc: $(cat "$T/err")"

# a fresh namespace is created in version 2
"$W" send "${R[@]}" --ns fresh cpu 1 >/dev/null 2>"$T/err" &&
    [ "$(rcli HGET fresh:meta version)" = 2 ] && ok fresh_is_v2 ||
    notok fresh_is_v2 "$(cat "$T/err") $(rcli HGETALL fresh:meta)"

# ---- migrate: a hand-made v1 namespace --------------------------------------------------------
NS=mig
now=$(date +%s%3N)
STATE='{"type":"transition","id":"api_slow{service=api}","short":"3fa2c1","rule":"api_slow",'
STATE+='"labels":"service=api","expr":"max(latency_ms{service=api}) by (service) over 3s > 1000",'
STATE+='"series":"","from":"pending","to":"firing","state":"firing","severity":"critical",'
STATE+="\"value\":1500,\"threshold\":1000,\"since_ms\":$now,\"active_since_ms\":$now,"
STATE+='"summary":"api slow","runbook":"","silenced":false,"by":"h:1:x"}'
ACK="{\"type\":\"ack\",\"id\":\"api_slow{service=api}\",\"short\":\"3fa2c1\",\"who\":\"alice\",\"at_ms\":$now}"
SIL="{\"type\":\"silence\",\"matcher\":\"disk_full\",\"until_ms\":$((now + 3600000)),\"who\":\"bob\",\"comment\":\"maint\"}"
rcli HSET "$NS:alerts:state" 'api_slow{service=api}' "$STATE" >/dev/null
rcli HSET "$NS:alerts:acks" 'api_slow{service=api}' "$ACK" >/dev/null
rcli HSET "$NS:alerts:silences" disk_full "$SIL" >/dev/null
{
    echo "HSET $NS:meta version 1 partitions 4"
    echo "XADD $NS:alerts:log 1000-1 type transition id api_slow{service=api} to pending json p"
    echo "XADD $NS:alerts:log 2000-1 type transition id api_slow{service=api} to firing json f"
    echo "XADD $NS:alerts:log 3000-1 type ack id api_slow{service=api} json a"
    echo "SET $NS:alerts:lease h:1:x PX 600000"
    # v1 dead letters, in the order v1 readers wrote them (not in ID order within a partition):
    # original fields, reason, detail, stream, id
    echo "XADD $NS:dlq 5000-0 metric cpu value abc reason r1 detail d1 stream $NS:ev:{p1} id 30-0"
    echo "XADD $NS:dlq 5000-1 metric cpu value xyz reason r2 detail d2 stream $NS:ev:{p1} id 20-5"
    echo "XADD $NS:dlq 5000-2 value 1 reason r3 detail d3 stream $NS:ev:{p3} id 40-0"
    # the same rejected entry twice (a v1 marker had expired): kept once
    echo "XADD $NS:dlq 5000-3 metric cpu value xyz reason r2 detail d2 stream $NS:ev:{p1} id 20-5"
    # no stream/id fields: the partition comes from the series key, the ID is the letter's own
    # (http_latency_ms{route=/api,service=checkout}: crc16 61218, mod 4 = 2; docs/protocol.md)
    echo "XADD $NS:dlq 5000-4 metric http_latency_ms labels route=/api,service=checkout value q reason r4 detail d4"
    # nothing to place it by: partition 0
    echo "XADD $NS:dlq 5000-5 metric bad! value 1 reason r5 detail d5"
    echo "SET $NS:dlq:seen:p1:20-5 1 PX 600000"
    echo "SET $NS:dlq:seen:p3:40-0 1 PX 600000"
} | rcli >/dev/null

snapshot() { # every key of the namespace with its contents, one line each
    for k in $(rcli --scan --pattern "$NS:*" | sort); do
        case "$(rcli TYPE "$k")" in
        hash) echo "$k hash $(rcli --json HGETALL "$k")" ;;
        stream) echo "$k stream $(rcli --json XRANGE "$k" - +)" ;;
        string) echo "$k string $(rcli GET "$k")" ;;
        *) echo "$k $(rcli TYPE "$k")" ;;
        esac
    done
}
snapshot >"$T/before"
"$W" migrate "${R[@]}" --ns $NS --dry-run >"$T/dry.out" 2>&1
rc=$?
snapshot >"$T/after_dry"
[ $rc = 0 ] && cmp -s "$T/before" "$T/after_dry" && grep -q "^would move $NS:alerts:state" "$T/dry.out" &&
    grep -q "^would move 5 dead letters from $NS:dlq" "$T/dry.out" &&
    ok migrate_dry_run_writes_nothing || notok migrate_dry_run_writes_nothing "exit $rc: $(cat "$T/dry.out")"

"$W" migrate "${R[@]}" --ns $NS >"$T/m1.out" 2>&1
rc=$?
[ $rc = 0 ] && ok migrate_exit_0 || notok migrate_exit_0 "exit $rc: $(cat "$T/m1.out")"
want="namespace $NS: wire format version 1, 4 partitions
moved $NS:alerts:log -> $NS:{alerts}:log (stream, 3 entries)
moved $NS:alerts:state -> $NS:{alerts}:state (hash, 1 field)
moved $NS:alerts:acks -> $NS:{alerts}:acks (hash, 1 field)
moved $NS:alerts:silences -> $NS:{alerts}:silences (hash, 1 field)
deleted $NS:alerts:lease (the v1 announcer lease; a v2 announcer takes $NS:{alerts}:lease)
moved 5 dead letters from $NS:dlq to $NS:dlq:{pI}: p0 1, p1 2, p2 1, p3 1
  1 more were copies of these (same partition and ID): dropped
  1 without a known partition (no stream field, no valid metric): put in partition 0
deleted 2 dead-letter markers $NS:dlq:seen:*
namespace $NS is now wire format version 2"
[ "$(cat "$T/m1.out")" = "$want" ] && ok migrate_says_what_it_moved ||
    notok migrate_says_what_it_moved "$(diff <(echo "$want") "$T/m1.out")"

# exact contents
[ "$(rcli HGET "$NS:{alerts}:state" 'api_slow{service=api}')" = "$STATE" ] &&
    [ "$(rcli HGET "$NS:{alerts}:acks" 'api_slow{service=api}')" = "$ACK" ] &&
    [ "$(rcli HGET "$NS:{alerts}:silences" disk_full)" = "$SIL" ] &&
    [ "$(rcli HLEN "$NS:{alerts}:state")$(rcli HLEN "$NS:{alerts}:acks")$(rcli HLEN "$NS:{alerts}:silences")" = 111 ] &&
    ok migrate_alert_hashes_exact || notok migrate_alert_hashes_exact "$(snapshot)"
got=$(rcli --json XRANGE "$NS:{alerts}:log" - +)
want='[["1000-1",["type","transition","id","api_slow{service=api}","to","pending","json","p"]],["2000-1",["type","transition","id","api_slow{service=api}","to","firing","json","f"]],["3000-1",["type","ack","id","api_slow{service=api}","json","a"]]]'
[ "$(echo "$got" | tr -d ' \n')" = "$want" ] && ok migrate_alert_log_exact ||
    notok migrate_alert_log_exact "$got"
dlq() { rcli --json XRANGE "$NS:dlq:{p$1}" - + | tr -d ' \n'; }
[ "$(dlq 0)" = '[["5000-5",["metric","bad!","value","1","reason","r5","detail","d5"]]]' ] &&
    [ "$(dlq 1)" = '[["20-5",["metric","cpu","value","xyz","reason","r2","detail","d2"]],["30-0",["metric","cpu","value","abc","reason","r1","detail","d1"]]]' ] &&
    [ "$(dlq 2)" = '[["5000-4",["metric","http_latency_ms","labels","route=/api,service=checkout","value","q","reason","r4","detail","d4"]]]' ] &&
    [ "$(dlq 3)" = '[["40-0",["value","1","reason","r3","detail","d3"]]]' ] &&
    ok migrate_dead_letters_exact ||
    notok migrate_dead_letters_exact "p0 $(dlq 0) p1 $(dlq 1) p2 $(dlq 2) p3 $(dlq 3)"
left=$(rcli --scan --pattern "$NS:*" | grep -v -e "^$NS:{alerts}:" -e "^$NS:dlq:{p[0-3]}\$" -e "^$NS:meta\$")
[ -z "$left" ] && [ "$(rcli HGET $NS:meta version)$(rcli HGET $NS:meta partitions)" = 24 ] &&
    ok migrate_leaves_only_v2_keys || notok migrate_leaves_only_v2_keys "$left; $(rcli HGETALL $NS:meta)"

# warroom reads the migrated namespace
"$W" alerts "${R[@]}" --ns $NS >"$T/al.out" 2>&1 && grep -q "firing .*3fa2c1.*acked by alice" "$T/al.out" &&
    grep -q "disk_full" "$T/al.out" && ok alerts_after_migrate || notok alerts_after_migrate "$(cat "$T/al.out")"
"$W" query "${R[@]}" --ns $NS >/dev/null 2>"$T/err" && ok query_after_migrate ||
    notok query_after_migrate "$(cat "$T/err")"

# a second run moves nothing and changes nothing
snapshot >"$T/s1"
"$W" migrate "${R[@]}" --ns $NS >"$T/m2.out" 2>&1
rc=$?
snapshot >"$T/s2"
[ $rc = 0 ] && cmp -s "$T/s1" "$T/s2" &&
    grep -qx "nothing to migrate: namespace $NS is at version 2 already" "$T/m2.out" &&
    ok migrate_twice_is_idempotent || notok migrate_twice_is_idempotent "exit $rc: $(cat "$T/m2.out")"

# an interrupted run (some dead letters already written, the v1 stream still there) completes
rcli HSET m2:meta version 1 partitions 2 >/dev/null
rcli XADD 'm2:dlq' 9-0 metric a value x reason r detail d stream 'm2:ev:{p1}' id 7-0 >/dev/null
rcli XADD 'm2:dlq' 9-1 metric b value x reason r detail d stream 'm2:ev:{p1}' id 8-0 >/dev/null
rcli XADD 'm2:dlq:{p1}' 7-0 metric a value x reason r detail d >/dev/null
"$W" migrate "${R[@]}" --ns m2 >"$T/m3.out" 2>&1
rc=$?
[ $rc = 0 ] && [ "$(rcli XLEN 'm2:dlq:{p1}')$(rcli EXISTS m2:dlq)$(rcli HGET m2:meta version)" = 202 ] &&
    grep -qF "1 of them were in m2:dlq:{pI} already" "$T/m3.out" && ok migrate_resumes_interrupted_run ||
    notok migrate_resumes_interrupted_run "exit $rc: $(cat "$T/m3.out")"

# refusals: another version; a v2 key that differs from the v1 one it would replace
"$W" migrate "${R[@]}" --ns v3 >"$T/m4.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -qF "namespace 'v3' has wire format version 3; this warroom migrates version 1 to 2 only" \
    "$T/m4.out" && ok migrate_refuses_other_version || notok migrate_refuses_other_version "exit $rc: $(cat "$T/m4.out")"
rcli HSET c1:meta version 1 partitions 2 >/dev/null
rcli HSET c1:alerts:state a 1 >/dev/null
rcli HSET 'c1:{alerts}:state' a 2 >/dev/null
"$W" migrate "${R[@]}" --ns c1 >"$T/m5.out" 2>&1
rc=$?
[ $rc = 1 ] && grep -qF "both c1:alerts:state and c1:{alerts}:state exist with different contents" "$T/m5.out" &&
    [ "$(rcli HGET c1:alerts:state a)$(rcli HGET c1:meta version)" = 11 ] &&
    ok migrate_refuses_conflict_keeps_both || notok migrate_refuses_conflict_keeps_both "exit $rc: $(cat "$T/m5.out")"
"$W" migrate "${R[@]}" --ns nothing_here >"$T/m6.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -qx "nothing to migrate: namespace nothing_here holds no warroom data" "$T/m6.out" &&
    [ "$(rcli EXISTS nothing_here:meta)" = 0 ] && ok migrate_empty_namespace ||
    notok migrate_empty_namespace "exit $rc: $(cat "$T/m6.out")"
port=$(free_port)
"$W" migrate --redis "redis://127.0.0.1:$port" --timeout 1s >/dev/null 2>&1
rc=$?
[ $rc = 4 ] && ok migrate_unreachable_exit_4 || notok migrate_unreachable_exit_4 "exit $rc"

wr_done
