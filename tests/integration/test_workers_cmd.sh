#!/usr/bin/env bash
# test_workers_cmd.sh — `warroom workers [--json]` (issue 13, workers): a namespace not in group
# mode is said (exit 0); two live workers, a dead one, 8 partitions, one unowned, a consumer
# group with a pending entry show exactly as written, in the table and the JSON, also through a
# read-only replica and on a 3-master Redis Cluster (the keys span slots); hostile values
# (wrong-typed keys, binary junk, huge numbers) are named, never trusted (exit 1), and the
# output stays terminal-safe; usage is exit 2, no Redis exit 4.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/lib_workers.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export REDIS_URL
T=$REDIS_DIR

# ---- not in group mode -----------------------------------------------------------------------------
rcli HSET wr:meta version 2 partitions 8 >/dev/null
"$WARROOM" workers >"$T/n.out" 2>"$T/n.err"
rc=$?
[ "$rc" = 0 ] && grep -qF "namespace wr is not in group mode (wr:meta mode is absent" "$T/n.out" &&
    ok "not in group mode: said on one line, exit 0" ||
    notok "not in group mode" "rc=$rc $(cat "$T/n.out" "$T/n.err")"
rcli HSET wr:meta mode embedded >/dev/null
"$WARROOM" workers --json >"$T/n.json" 2>"$T/n.err"
rc=$?
[ "$rc" = 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["group"] is False and d["mode"] == "embedded" and d["workers"] == [], d' "$T/n.json" &&
    ok "not in group mode: --json says group false, mode embedded" ||
    notok "not in group mode --json" "rc=$rc $(cat "$T/n.json" "$T/n.err")"

# ---- two workers, a dead one, an unowned partition ---------------------------------------------
workers_populate "$(date +%s%3N)"

# check_json FILE: the JSON of the populated namespace, exactly
check_json() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["group"] is True and d["mode"] == "group" and d["partitions_count"] == 8, d
assert d["errors"] == [] and d["workers_total"] == 3, d
w = {x["id"]: x for x in d["workers"]}
assert sorted(w) == ["w-a", "w-b", "w-dead"], w
a, b, x = w["w-a"], w["w-b"], w["w-dead"]
assert (a["host"], a["pid"], a["owned"], a["events"], a["late"], a["rate"]) == \
    ("host-a", 101, 4, 1000, 3, 250), a
assert (b["host"], b["pid"], b["owned"], b["events"], b["rate"]) == ("host-b", 202, 3, 2000, 99), b
assert a["dead"] is False and b["dead"] is False and x["dead"] is True, (a, b, x)
assert x["host"] is None and x["heartbeat_age_ms"] >= 60000, x
assert 0 <= a["heartbeat_age_ms"] < 60000 and a["error"] is None, a
p = d["partitions"]
assert [q["partition"] for q in p] == list(range(8)), p
for i, q in enumerate(p[:7]):
    owner = "w-a" if i < 4 else "w-b"
    assert (q["state"], q["owner"], q["token"], q["fence"]) == ("owned", owner, i + 10, i + 10), q
    assert 0 < q["ttl_ms"] <= 600000, q
assert (p[7]["state"], p[7]["owner"], p[7]["token"], p[7]["ttl_ms"]) == \
    ("unowned", None, None, None), p[7]
for i, q in enumerate(p):
    assert (q["events"], q["late"], q["refused"], q["rejected"]) == (i * 100, i, i % 2, 0), q
    assert q["group"] is True and q["last"].endswith("-%d" % i) and q["error"] is None, q
    assert q["checkpoint_age_ms"] >= 1000 and q["closed_ms"] > 0, q
assert (p[0]["pending"], p[0]["lag"]) == (1, 1), p[0]
assert all((q["pending"], q["lag"]) == (0, 0) for q in p[1:]), p
PY
}

"$WARROOM" workers >"$T/t.out" 2>"$T/t.err"
rc=$?
if [ "$rc" = 0 ] && [ ! -s "$T/t.err" ] &&
    grep -qF "namespace wr: group mode, 8 partitions (1 unowned), 3 workers (1 dead)" "$T/t.out" &&
    grep -qE '^w-a +host-a +101 +4 +250 +1000 +3 +[0-9.]+m?s +live$' "$T/t.out" &&
    grep -qE '^w-b +host-b +202 +3 +99 +2000 +0 +[0-9.]+m?s +live$' "$T/t.out" &&
    grep -qE '^w-dead +- +- +0 +- +- +- +1m0[0-9]s +dead$' "$T/t.out" &&
    grep -qE '^0 +w-a +10 +[0-9hms.]+ +[0-9.]+s +[0-9]+-0 +[0-9:]+Z +1 +1 +0 +0 +0$' "$T/t.out" &&
    grep -qE '^5 +w-b +15 +[0-9hms.]+ +[0-9.]+s +[0-9]+-5 +[0-9:]+Z +0 +0 +500 +5 +1$' "$T/t.out" &&
    grep -qE '^7 +\(unowned\) +- +- +[0-9.]+s +[0-9]+-7 ' "$T/t.out"; then
    ok "the table: live and dead workers, owners, tokens, pending, lag, unowned partition"
else
    notok "the table" "rc=$rc $(cat "$T/t.out" "$T/t.err")"
fi
"$WARROOM" workers --json >"$T/t.json" 2>"$T/t.err"
rc=$?
[ "$rc" = 0 ] && check_json "$T/t.json" 2>"$T/t.py" && ok "--json: exactly what the workers wrote" ||
    notok "--json" "rc=$rc $(cat "$T/t.py" "$T/t.err" "$T/t.json")"

# ---- through a read-only replica -----------------------------------------------------------------
RP=$(free_port)
redis-server --port "$RP" --bind 127.0.0.1 --dir "$T" --dbfilename replica.rdb --save '' \
    --appendonly no --daemonize yes --replicaof 127.0.0.1 "$REDIS_PORT" \
    --pidfile "$T/replica.pid" --logfile "$T/replica.log" >/dev/null
wr_defer 'kill "$(cat "$T/replica.pid" 2>/dev/null)" 2>/dev/null'
if wait_for "redis-cli -p $RP INFO replication | grep -q 'master_link_status:up' &&
        [ \"\$(redis-cli -p $RP XINFO GROUPS 'wr:ev:{p0}' | grep -c warroom)\" = 1 ]" 20; then
    "$WARROOM" workers --json --redis "redis://127.0.0.1:$RP" >"$T/r.json" 2>"$T/r.err"
    rc=$?
    [ "$rc" = 0 ] && check_json "$T/r.json" 2>"$T/r.py" &&
        ok "through a read-only replica: the same answer" ||
        notok "replica" "rc=$rc $(cat "$T/r.py" "$T/r.err")"
else
    notok "replica" "the replica never linked: $(tail -3 "$T/replica.log")"
fi

# ---- hostile values ------------------------------------------------------------------------------
rcli HSET wr:worker:w-b events lots rate NaN host "$(printf 'evil\033]0;pwned\007\r')" >/dev/null
rcli DEL 'wr:own:{p5}' >/dev/null
rcli HSET 'wr:own:{p5}' a b >/dev/null                          # wrong type
rcli SET 'wr:own:{p4}' 'garbage' PX 600000 >/dev/null          # no token
rcli HSET 'wr:ckpt:{p3}' events 99999999999999999999999 late -1 >/dev/null # huge, negative
rcli DEL 'wr:ckpt:{p6}' >/dev/null
rcli SET 'wr:ckpt:{p6}' x >/dev/null                            # wrong type
printf 'ZADD wr:workers 1 "\\x00\\xff\\x1b[2J"\r\n' | rcli >/dev/null # binary junk member
"$WARROOM" workers >"$T/h.out" 2>"$T/h.err"
rc=$?
if [ "$rc" = 1 ] && ! grep -q $'\033\|\r' "$T/h.out" "$T/h.err" &&
    grep -qF 'evil^[]0;pwned^G^M' "$T/h.out" &&
    grep -qF "warroom workers: worker w-b: events is not a count: lots" "$T/h.err" &&
    grep -qF "warroom workers: partition 5: wr:own:{p5}: WRONGTYPE" "$T/h.err" &&
    grep -qF "warroom workers: partition 4: owner key is not \"ID TOKEN\": garbage" "$T/h.err" &&
    grep -qF "partition 3: checkpoint events is not a count: 99999999999999999999999" "$T/h.err" &&
    grep -qF "warroom workers: partition 6: wr:ckpt:{p6}: WRONGTYPE" "$T/h.err" &&
    grep -qE '^3 +w-a +13 .* \? +\? +1$' "$T/h.out" && grep -qE '^5 +\? +\? ' "$T/h.out" &&
    grep -qE '^6 +w-b +16 +[0-9hms.]+ +\? +- +\? +0 +0 +\? +\? +\?$' "$T/h.out" &&
    grep -qF '^@�^[[2J' "$T/h.out"; then
    ok "hostile values: named on stderr, ? in the table, terminal-safe, exit 1"
else
    notok "hostile values" "rc=$rc $(cat "$T/h.out" "$T/h.err")"
fi
"$WARROOM" workers --json >"$T/h.json" 2>/dev/null
rc=$?
[ "$rc" = 1 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
w = {x["id"]: x for x in d["workers"]}
assert w["w-b"]["events"] is None and w["w-b"]["rate"] is None, w["w-b"]
assert "events is not a count" in w["w-b"]["error"], w["w-b"]
p = d["partitions"]
assert p[5]["state"] == "unreadable" and "WRONGTYPE" in p[5]["error"], p[5]
assert p[4]["state"] == "unreadable" and p[3]["events"] is None, (p[3], p[4])
assert "WRONGTYPE" in p[6]["error"] and p[6]["events"] is None, p[6]' "$T/h.json" 2>"$T/h.py" &&
    ok "hostile values: --json has null values and the errors" ||
    notok "hostile --json" "rc=$rc $(cat "$T/h.py")"

rcli DEL wr:workers >/dev/null
rcli SET wr:workers junk >/dev/null
"$WARROOM" workers >"$T/z.out" 2>"$T/z.err"
rc=$?
[ "$rc" = 1 ] && grep -qF "warroom workers: wr:workers: WRONGTYPE" "$T/z.err" &&
    grep -qF "0 workers (0 dead)" "$T/z.out" &&
    ok "a workers key of the wrong type: named, exit 1, the partitions still shown" ||
    notok "wrong-typed wr:workers" "rc=$rc $(cat "$T/z.out" "$T/z.err")"

# ---- usage and no Redis --------------------------------------------------------------------------
"$WARROOM" workers --bogus >/dev/null 2>"$T/u.err"
rc=$?
[ "$rc" = 2 ] && grep -qF "warroom workers: unknown argument '--bogus'" "$T/u.err" &&
    ok "an unknown option: exit 2" || notok usage "rc=$rc $(cat "$T/u.err")"
"$WARROOM" workers --redis "redis://127.0.0.1:$(free_port)" >/dev/null 2>"$T/x.err"
rc=$?
[ "$rc" = 4 ] && ok "no Redis: exit 4" || notok unreachable "rc=$rc $(cat "$T/x.err")"

# ---- Redis Cluster: the keys span slots ----------------------------------------------------------
cluster_start 3 || { notok cluster_start "cannot start a 3-master cluster"; wr_done; }
read -r P1 _ <<<"$CLUSTER_PORTS"
WORKERS_CLI="redis-cli -c -p $P1" workers_populate "$(date +%s%3N)"
"$WARROOM" workers --json --redis "$CLUSTER_URL" >"$T/c.json" 2>"$T/c.err"
rc=$?
[ "$rc" = 0 ] && check_json "$T/c.json" 2>"$T/c.py" &&
    ok "Redis Cluster: the same answer, every key read on its node" ||
    notok cluster "rc=$rc $(cat "$T/c.py" "$T/c.err")"
wr_done
