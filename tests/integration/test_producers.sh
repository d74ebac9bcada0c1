#!/usr/bin/env bash
# test_producers.sh — `warroom send`, `ingest` and `gen` against a private redis-server: where
# events land (the partition is computed here independently, in Python), what is rejected and
# how, exact counts, reconnect through a Redis restart, and the exit codes of the failure cases.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ ! -x "$WARROOM" ]; then
    notok warroom_built "$WARROOM is missing: run make"
    wr_done
fi
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$REDIS_DIR
W() { "$WARROOM" "$@" --redis "$REDIS_URL"; }

# partition_of KEY NPARTS: CRC16/XMODEM of the canonical key, mod NPARTS
# (docs/protocol.md, Partitioning).
partition_of() {
    python3 - "$1" "$2" <<'EOF'
import sys
crc = 0
for b in sys.argv[1].encode():
    crc ^= b << 8
    for _ in range(8):
        crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
print(crc % int(sys.argv[2]))
EOF
}

# xsum NS NPARTS: total entries over the partition streams of a namespace.
xsum() {
    local n=0 i
    for ((i = 0; i < $2; i++)); do
        n=$((n + $(rcli XLEN "$1:ev:{p$i}")))
    done
    echo "$n"
}

# field STREAM ID NAME: one field of one entry.
field() {
    rcli --raw XRANGE "$1" "$2" "$2" | awk -v f="$3" 'NR > 1 && (NR % 2 == 0) && $0 == f { getline; print; exit }'
}

# ---------------------------------------------------------------- sanity of the checker itself
if [ "$(python3 -c 'print(1)')" = 1 ] && [ "$(partition_of 123456789 65536)" = $((0x31C3)) ]; then
    ok crc16_reference
else
    notok crc16_reference "the test's CRC16 does not give 0x31C3 for 123456789"
fi

# ---------------------------------------------------------------- send
id=$(W send http_ms 12.5 service=api host=a 2>"$T/send.err")
rc=$?
key='http_ms{host=a,service=api}'
p=$(partition_of "$key" 8)
if [ "$rc" -ne 0 ]; then
    notok send_id "exit $rc: $(cat "$T/send.err")"
elif ! [[ "$id" =~ ^[0-9]+-[0-9]+$ ]]; then
    notok send_id "stdout is not an entry ID: '$id'"
elif [ "$(rcli XRANGE "wr:ev:{p$p}" "$id" "$id" | head -1)" != "$id" ]; then
    notok send_id "entry $id is not in wr:ev:{p$p}, the partition of $key"
elif [ "$(xsum wr 8)" != 1 ]; then
    notok send_id "expected exactly 1 entry over all partitions, found $(xsum wr 8)"
else
    ok send_id
fi
m=$(field "wr:ev:{p$p}" "$id" metric)
v=$(field "wr:ev:{p$p}" "$id" value)
l=$(field "wr:ev:{p$p}" "$id" labels)
t=$(field "wr:ev:{p$p}" "$id" ts)
if [ "$m" = http_ms ] && [ "$v" = 12.5 ] && [ "$l" = 'host=a,service=api' ] && [ -z "$t" ]; then
    ok send_fields
else
    notok send_fields "metric='$m' value='$v' labels='$l' ts='$t'"
fi

# a label value that needs quoting, a key given with braces, an explicit ts, a value that has no
# short exact decimal form
ts=$(($(date +%s%3N) - 5000))
id=$(W send 'q_total{path="/a b"}' 0.1 'note=x,y "z"' --ts "$ts" 2>"$T/send2.err")
key='q_total{note="x,y \"z\"",path="/a b"}'
p=$(partition_of "$key" 8)
l=$(field "wr:ev:{p$p}" "$id" labels)
v=$(field "wr:ev:{p$p}" "$id" value)
t=$(field "wr:ev:{p$p}" "$id" ts)
if [ "$l" = 'note="x,y \"z\"",path="/a b"' ] && [ "$v" = 0.1 ] && [ "$t" = "$ts" ]; then
    ok send_quoting_and_ts
else
    notok send_quoting_and_ts "id '$id' in p$p: labels='$l' value='$v' ts='$t' ($(cat "$T/send2.err"))"
fi

before=$(rcli DBSIZE)
bad_ok=1
why=""
# (`send cpu 1 x` is a usage error, exit 2: test_cli.sh)
for args in "cpu notanumber" "cpu 1 bad-label=1" "1cpu 5" "cpu nan" "cpu 1 --ts 12"; do
    # shellcheck disable=SC2086 # word splitting wanted
    W send $args >"$T/bad.out" 2>"$T/bad.err"
    rc=$?
    if [ "$rc" -ne 3 ] || [ ! -s "$T/bad.err" ] || [ -s "$T/bad.out" ]; then
        bad_ok=0
        why="$why [send $args: exit $rc, stderr '$(head -1 "$T/bad.err")']"
    fi
done
if [ "$bad_ok" = 1 ] && [ "$(rcli DBSIZE)" = "$before" ]; then
    ok send_rejects_with_exit_3
else
    notok send_rejects_with_exit_3 "$why; keys before $before, after $(rcli DBSIZE)"
fi
W send cpu notanumber 2>"$T/bad.err"
if grep -q 'not a number' "$T/bad.err"; then
    ok send_reject_message
else
    notok send_reject_message "stderr: $(cat "$T/bad.err")"
fi

# ---------------------------------------------------------------- ingest
now=$(date +%s%3N)
cat >"$T/in.txt" <<EOF
# comment line, skipped
cpu{host=a} 1.5
cpu{host=b} 2 $now

{"metric":"lat_ms","value":3.25,"labels":{"svc":"api","zone":"eu 1"}}
not-a-metric 1
{"metric":"lat_ms","value":"7","ts":$now}
cpu{host=a} abc
{"metric":"lat_ms","value":true}
{"metric":"lat_ms",
cpu{host=c,host=d} 1
requests 1
EOF
W ingest "$T/in.txt" --ns ing >"$T/ing.out" 2>"$T/ing.err"
rc=$?
total=$(xsum ing 8)
if [ "$rc" -eq 3 ] && [ "$total" = 5 ]; then
    ok ingest_counts_and_exit_3
else
    notok ingest_counts_and_exit_3 "exit $rc, $total entries (want 3 and 5): $(cat "$T/ing.err")"
fi
missing=""
for n in 6 8 9 10 11; do
    grep -q "^$T/in.txt:$n: " "$T/ing.err" || missing="$missing $n"
done
nerr=$(grep -c "^$T/in.txt:[0-9]*: " "$T/ing.err")
if [ -z "$missing" ] && [ "$nerr" = 5 ]; then
    ok ingest_names_file_line
else
    notok ingest_names_file_line "missing lines:$missing; $nerr error lines: $(cat "$T/ing.err")"
fi
if grep -q 'ingested 5 events, rejected 5 lines' "$T/ing.err"; then
    ok ingest_summary
else
    notok ingest_summary "stderr: $(tail -2 "$T/ing.err")"
fi
key='lat_ms{svc=api,zone="eu 1"}'
p=$(partition_of "$key" 8)
got=$(rcli --raw XRANGE "ing:ev:{p$p}" - + | tr '\n' '|')
if [[ "$got" == *'|labels|svc=api,zone="eu 1"|'* ]] && [[ "$got" == *'|value|3.25|'* ]]; then
    ok ingest_json_fields
else
    notok ingest_json_fields "ing:ev:{p$p} holds: $got"
fi

# stdin, '-' and a file together; exit 0 when nothing is rejected
printf 'a 1\nb 2\n' >"$T/in2.txt"
printf 'c 3\n{"metric":"d","value":4}\n' | W ingest "$T/in2.txt" - --ns ing2 2>"$T/ing2.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(xsum ing2 8)" = 4 ]; then
    ok ingest_stdin_exit_0
else
    notok ingest_stdin_exit_0 "exit $rc, $(xsum ing2 8) entries: $(cat "$T/ing2.err")"
fi

# many bad lines: the first 20 are shown, the rest counted
python3 -c 'import sys; sys.stdout.write("".join("bad line %d\n" % i for i in range(100)))' \
    >"$T/bad.txt"
W ingest "$T/bad.txt" --ns ing3 2>"$T/ing3.err"
rc=$?
shown=$(grep -c "^$T/bad.txt:" "$T/ing3.err")
if [ "$rc" -eq 3 ] && [ "$shown" = 20 ] && grep -q 'rejected 100 lines' "$T/ing3.err" &&
    grep -q '80 more' "$T/ing3.err"; then
    ok ingest_caps_messages
else
    notok ingest_caps_messages "exit $rc, $shown shown: $(tail -2 "$T/ing3.err")"
fi

# values round-trip: what is stored reads back as the same double (Python's float() rounds
# correctly, as the core's parser does), whatever the form: random bit patterns, few decimals,
# subnormals, huge, negative zero
python3 - "$T/rt.txt" <<'EOF'
import random, struct, sys
rng = random.Random(7)
vals = [0.1, -0.0, 5e-324, 1.7976931348623157e308, 0.30000000000000004, 1e-7, 123456.789]
while len(vals) < 3000:
    k = len(vals) % 3
    if k == 0:
        v = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
        if v != v or v in (float("inf"), float("-inf")):
            continue
    elif k == 1:
        v = rng.randrange(-10**9, 10**9) / 10 ** rng.randrange(0, 9)
    else:
        v = rng.lognormvariate(0, 8)
    vals.append(v)
with open(sys.argv[1], "w") as f:
    for i, v in enumerate(vals):
        f.write("rt{i=%d} %r\n" % (i, v))
EOF
W ingest "$T/rt.txt" --ns rt 2>"$T/rt.err"
rc=$?
for ((i = 0; i < 8; i++)); do rcli --raw XRANGE "rt:ev:{p$i}" - +; done >"$T/rt.out"
bad=$(python3 - "$T/rt.txt" "$T/rt.out" <<'EOF'
import math, sys
want = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    want[k[5:-1]] = float(v)  # rt{i=K} -> K
got, entry = {}, {}
it = iter(open(sys.argv[2]).read().split("\n"))
for l in it:  # XRANGE --raw: ID, then field and value lines
    if l in ("metric", "value", "labels", "ts"):
        entry[l] = next(it)
        if "value" in entry and "labels" in entry:
            got[entry["labels"][2:]] = float(entry["value"])  # i=K -> K
            entry = {}
same = lambda a, b: a == b and math.copysign(1, a) == math.copysign(1, b)
bad = [k for k in want if k not in got or not same(got[k], want[k])]
print(len(bad), len(got), bad[:3])
EOF
)
if [ "$rc" -eq 0 ] && [ "${bad%% *}" = 0 ] && [ "$(echo "$bad" | cut -d' ' -f2)" = 3000 ]; then
    ok ingest_value_round_trip
else
    notok ingest_value_round_trip "exit $rc; bad, stored, examples: $bad; $(tail -1 "$T/rt.err")"
fi

# ---------------------------------------------------------------- gen
W gen --count 5000 --rate 0 --ns gen1 --series 40 2>"$T/gen1.err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(xsum gen1 8)" = 5000 ] && grep -q '^gen: 5000 events' "$T/gen1.err"
then
    ok gen_count_exact
else
    notok gen_count_exact "exit $rc, $(xsum gen1 8) entries: $(cat "$T/gen1.err")"
fi
# every generated entry parses as an event of the catalogue, with a ts
n=$(rcli --raw XRANGE "gen1:ev:{p0}" - + COUNT 50 | grep -c '^ts$')
if [ "$n" -gt 0 ] && [ "$n" = "$(rcli --raw XRANGE "gen1:ev:{p0}" - + COUNT 50 | grep -c '^metric$')" ]
then
    ok gen_entries_have_ts
else
    notok gen_entries_have_ts "$n entries with ts in the first 50 of gen1:ev:{p0}"
fi

# an anomaly multiplies the values of the matching series: all latency_ms of service=api are
# 1000x their usual size (tens of ms) from the start
W gen --count 2000 --rate 0 --ns gen2 --anomaly 'latency_ms{service=api}' \
    --anomaly-factor 1000 2>"$T/gen2.err"
min=$(for ((i = 0; i < 8; i++)); do rcli --raw XRANGE "gen2:ev:{p$i}" - +; done |
    awk '/^metric$/ { getline m } /^value$/ { getline v } /^labels$/ { getline l;
         if (m == "latency_ms" && l ~ /service=api/) print v }' | sort -g | head -1)
if [ -n "$min" ] && awk -v m="$min" 'BEGIN { exit !(m > 1000) }'; then
    ok gen_anomaly
else
    notok gen_anomaly "smallest latency_ms{service=api} value '$min': $(cat "$T/gen2.err")"
fi

# Redis restarts in the middle of a paced run: gen reconnects, resends, and what it counts as
# acknowledged is all in the streams (more is fine: at-least-once)
W gen --rate 20000 --duration 6s --ns gen3 >"$T/gen3.out" 2>"$T/gen3.err" &
gpid=$!
wait_for "[ \$(xsum gen3 8) -gt 10000 ]" 10 || true
redis_restart
wait "$gpid"
rc=$?
acked=$(sed -n 's/^gen: \([0-9]*\) events.*/\1/p' "$T/gen3.err")
recon=$(sed -n 's/.* \([0-9]*\) reconnects.*/\1/p' "$T/gen3.err")
total=$(xsum gen3 8)
if [ "$rc" -eq 0 ] && [ -n "$acked" ] && [ "${recon:-0}" -ge 1 ] && [ "$total" -ge "$acked" ] &&
    [ "$acked" -gt 10000 ]; then
    ok gen_survives_restart
else
    notok gen_survives_restart "exit $rc, acked '$acked', reconnects '$recon', XLEN sum $total: $(cat "$T/gen3.err")"
fi

# ingest through a restart: a paced writer feeds stdin, Redis restarts under it; every line
# ends up in the streams at least once
(
    for ((i = 0; i < 40; i++)); do
        for ((j = 0; j < 500; j++)); do echo "ing_r{batch=b$i} $j"; done
        sleep 0.1
    done
) | W ingest --ns ingr >"$T/ingr.out" 2>"$T/ingr.err" &
ipid=$!
wait_for "[ \$(xsum ingr 8) -gt 3000 ]" 10 || true
redis_restart
wait "$ipid"
rc=$?
total=$(xsum ingr 8)
if [ "$rc" -eq 0 ] && [ "$total" -ge 20000 ] && grep -q 'ingested 20000 events' "$T/ingr.err" &&
    grep -q 'reconnect' "$T/ingr.err"; then
    ok ingest_survives_restart
else
    notok ingest_survives_restart "exit $rc, $total entries: $(cat "$T/ingr.err")"
fi

# Redis stays away: gen gives up after --give-up with a clear error and exit 4
W gen --rate 1000 --duration 60s --give-up 1s --ns gen4 >"$T/gen4.out" 2>"$T/gen4.err" &
gpid=$!
wait_for "[ \$(xsum gen4 8) -gt 100 ]" 10 || true
redis_stop
wait "$gpid"
rc=$?
redis_relaunch || { notok redis_relaunch "cannot start redis-server again"; wr_done; }
if [ "$rc" -eq 4 ] && grep -q 'gave up reconnecting' "$T/gen4.err"; then
    ok gen_gives_up_exit_4
else
    notok gen_gives_up_exit_4 "exit $rc: $(cat "$T/gen4.err")"
fi

# ---------------------------------------------------------------- failures
port=$(free_port)
all4=1
why=""
for cmd in "send cpu 1" "ingest $T/in2.txt" "gen --count 10"; do
    # shellcheck disable=SC2086
    timeout 20 "$WARROOM" $cmd --redis "redis://127.0.0.1:$port" >/dev/null 2>"$T/unr.err"
    rc=$?
    if [ "$rc" -ne 4 ] || ! grep -q "127.0.0.1:$port" "$T/unr.err"; then
        all4=0
        why="$why [$cmd: exit $rc, $(cat "$T/unr.err")]"
    fi
done
if [ "$all4" = 1 ]; then ok unreachable_exit_4; else notok unreachable_exit_4 "$why"; fi

W send cpu 1 --ns pm --partitions 8 >/dev/null 2>&1
W send cpu 1 --ns pm --partitions 4 >/dev/null 2>"$T/pm.err"
rc=$?
if [ "$rc" -ne 0 ] && grep -q 8 "$T/pm.err" && grep -q 4 "$T/pm.err" && [ "$(xsum pm 8)" = 1 ]; then
    ok partition_mismatch
else
    notok partition_mismatch "exit $rc: $(cat "$T/pm.err")"
fi

# wrong password (last: it changes the server's configuration, and restores it)
rcli CONFIG SET requirepass s3cret >/dev/null
"$WARROOM" send cpu 1 --redis "redis://:wrong@127.0.0.1:$REDIS_PORT" >/dev/null 2>"$T/auth.err"
rc=$?
"$WARROOM" send cpu 1 --ns authns --redis "redis://:s3cret@127.0.0.1:$REDIS_PORT" >/dev/null \
    2>"$T/auth2.err"
rc2=$?
REDIS_PASSWORD=s3cret rcli CONFIG SET requirepass "" >/dev/null
if [ "$rc" -eq 4 ] && grep -qi auth "$T/auth.err" && ! grep -q wrong "$T/auth.err" &&
    [ "$rc2" -eq 0 ]; then
    ok auth_failure_exit_4
else
    notok auth_failure_exit_4 "exit $rc: $(cat "$T/auth.err"); with the right password: exit $rc2 $(cat "$T/auth2.err")"
fi

wr_done
