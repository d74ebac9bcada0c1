#!/usr/bin/env bash
# test_regex.sh — issue 9.2: a pathological regex from Redis must not take the workers down.
# Silences `*{a=~x++++...}` (20 and 25 '+': glibc's regcomp grew to 720 MB and past 8 GB) are
# planted in NS:{alerts}:silences and published on NS:alerts while a rules worker runs, and before
# a second one starts. Both stay alive with a bounded RSS (a watchdog samples VmRSS and kills a
# worker past the limit), report each rejected silence once, and still evaluate and announce
# alerts (unsilenced); `warroom alerts` lists the rejected silences and can remove them;
# `alerts silence`, `query` and `rules check` refuse bad regexes with their column.
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
wr_defer 'for p in $(jobs -p); do kill -9 $p 2>/dev/null; done'
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
NS=rx
RSS_LIMIT_KB=200000

plus() { # x followed by $1 '+'
    printf 'x%*s' "$1" '' | tr ' ' '+'
}
BOMB20="*{a=~$(plus 20)}"
BOMB25="*{a=~$(plus 25)}"

# watch NAME PID LOG: samples VmRSS every 50 ms into $T/NAME.rss (the largest seen, in kB) and
# kills the process once it passes RSS_LIMIT_KB, saying so in LOG: the unfixed code grows to
# gigabytes within seconds and would take the machine down with it.
watch() {
    local name=$1 pid=$2 log=$3 max=0 kb
    while pid_alive "$pid"; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
        if [ -n "$kb" ] && [ "$kb" -gt "$max" ]; then
            max=$kb
            echo "$max" >"$T/$name.rss.tmp" && mv -f "$T/$name.rss.tmp" "$T/$name.rss" # never read half-written
        fi
        if [ "$max" -gt "$RSS_LIMIT_KB" ]; then
            echo "killed by the test: VmRSS $max kB" >>"$log"
            kill -9 "$pid"
            break
        fi
        sleep 0.05
    done
}

# guarded OUT ERR CMD...: runs CMD (stdout to OUT, stderr to ERR) under the watchdog; returns
# its exit status (137 when the watchdog killed it).
guarded() {
    local out=$1 err=$2
    shift 2
    "$@" >"$out" 2>"$err" &
    local pid=$!
    watch cmd "$pid" "$err"
    wait "$pid"
}

# ---- rule files and one-shot commands ---------------------------------------------------------
cat >"$T/rules.conf" <<'EOF'
[rule hot]
expr = max(temp{site=~"a[0-9]+|b.*"}) by (site) over 10s > 50
for = 1s
severity = warning
EOF
printf '[rule r]\nexpr = max(temp{site=~"x++"}) > 1\n' >"$T/bad.conf"
guarded /dev/null "$T/err" "$W" rules check "$T/bad.conf"
rc=$?
err=$(cat "$T/err")
want="$T/bad.conf:2:26: bad selector: bad regex for label 'site' ('+' after a quantifier: stacked"
[ $rc = 2 ] && [ "${err#"$want"}" != "$err" ] && ok rules_check_bad_regex_file_line_col ||
    notok rules_check_bad_regex_file_line_col "exit $rc: $err"

guarded /dev/null "$T/err" "$W" query --redis "$REDIS_URL" --ns $NS "$BOMB25"
rc=$?
err=$(cat "$T/err")
[ $rc = 2 ] && [[ "$err" == *"at column 8: bad selector: bad regex for label 'a'"* ]] &&
    ok query_refuses_bad_regex || notok query_refuses_bad_regex "exit $rc: $err"

guarded /dev/null "$T/err" "$W" alerts --redis "$REDIS_URL" --ns $NS silence "$BOMB20" 1h
rc=$?
err=$(cat "$T/err")
[ $rc = 2 ] && [[ "$err" == *"bad regex for label 'a'"* ]] &&
    [ "$(rcli HLEN "$NS:{alerts}:silences")" = 0 ] &&
    ok alerts_silence_refuses_bad_regex || notok alerts_silence_refuses_bad_regex "exit $rc: $err"

start_worker() { # $1: name
    "$W" worker --redis "$REDIS_URL" --ns $NS --rules "$T/rules.conf" --quiet --nick "w$1" \
        >"$T/w$1.out" 2>&1 &
    local pid=$!
    eval "W$1=$pid"
    echo 0 >"$T/w$1.rss"
    watch "w$1" "$pid" "$T/w$1.out" &
}

dump() {
    for w in A B; do
        [ -e "$T/w$w.out" ] && { echo "--- worker $w (max VmRSS $(cat "$T/w$w.rss") kB)"; cat "$T/w$w.out"; }
    done
    echo "--- silences"
    rcli HGETALL "$NS:{alerts}:silences"
}

# plant MATCHER: what any Redis client can do: the hash field and the live message
plant() {
    local json
    json=$(python3 -c 'import json, sys, time
print(json.dumps({"type": "silence", "matcher": sys.argv[1],
                  "until_ms": int(time.time() * 1000) + 3600000, "who": "mallory",
                  "comment": "planted"}))' "$1")
    rcli HSET "$NS:{alerts}:silences" "$1" "$json" >/dev/null
    rcli PUBLISH "$NS:alerts" "$json" >/dev/null
}

alive_and_small() { # $1: name
    local pid
    eval "pid=\$W$1"
    pid_alive "$pid" && [ "$(cat "$T/w$1.rss")" -le "$RSS_LIMIT_KB" ]
}

"$W" send --redis "$REDIS_URL" --ns $NS temp 20 site=a1 >/dev/null
start_worker A
wait_for 'grep -q "alerts: leader" "$T/wA.out"' 10 || notok worker_a_leads "$(dump)"

plant "$BOMB20"
plant "$BOMB25"
wait_for 'grep -qF "silence $BOMB25 rejected" "$T/wA.out"' 10 &&
    grep -qF "silence $BOMB20 rejected (not applied): bad regex for label 'a' ('+' after a quantifier" \
        "$T/wA.out" &&
    ok running_worker_reports_rejected_silences ||
    notok running_worker_reports_rejected_silences "$(dump)"

# a worker that starts with the bombs in the hash (the load path)
start_worker B
wait_for 'grep -qF "silence $BOMB25 rejected" "$T/wB.out" &&
          grep -qF "silence $BOMB20 rejected" "$T/wB.out"' 10 &&
    ok starting_worker_reports_rejected_silences ||
    notok starting_worker_reports_rejected_silences "$(dump)"

# alerts are still evaluated and announced, and the planted silences silence nothing
state_of() {
    rcli HGET "$NS:{alerts}:state" 'hot{site=a1}' | python3 -c '
import json, sys
t = sys.stdin.read().strip()
j = json.loads(t) if t else {}
print(j.get("state", "inactive"), "silenced" if j.get("silenced") else "-")'
}
for i in 1 2 3 4 5 6; do
    "$W" send --redis "$REDIS_URL" --ns $NS temp 80 site=a1 >/dev/null
done
wait_for '[ "$(state_of)" = "firing -" ]' 15 &&
    wait_for 'grep -q "alert pending->firing .* hot{site=a1}" "$T/wA.out" &&
              grep -q "alert pending->firing .* hot{site=a1}" "$T/wB.out"' 10 &&
    ok alerts_still_announced_unsilenced || notok alerts_still_announced_unsilenced "$(state_of); $(dump)"

alive_and_small A && alive_and_small B &&
    ok "workers_alive_with_bounded_rss (max VmRSS A $(cat "$T/wA.rss") kB, B $(cat "$T/wB.rss") kB)" ||
    notok workers_alive_with_bounded_rss "limit $RSS_LIMIT_KB kB; $(dump)"

# each rejection is reported once per worker, even across the live message and a reload
n=$(grep -cF "silence $BOMB20 rejected" "$T/wA.out")
m=$(grep -cF "silence $BOMB20 rejected" "$T/wB.out")
[ "$n" = 1 ] && [ "$m" = 1 ] && ok rejection_reported_once || notok rejection_reported_once "A $n, B $m"

# ---- warroom alerts: listed with the reason, removable -----------------------------------------
guarded "$T/list.out" "$T/list.err" "$W" alerts --redis "$REDIS_URL" --ns $NS
rc=$?
out=$(cat "$T/list.out")
[ $rc = 0 ] && [[ "$out" == *"silence  $BOMB20 until "*" REJECTED, not applied: bad regex for label 'a'"* ]] &&
    [[ "$out" == *"silence  $BOMB25 until "*"REJECTED"* ]] &&
    grep -q "2 silences rejected" "$T/list.err" &&
    ok alerts_lists_rejected || notok alerts_lists_rejected "exit $rc: $out; $(cat "$T/list.err")"
guarded "$T/list.json" /dev/null "$W" alerts --redis "$REDIS_URL" --ns $NS --json
n=$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["rejected_silences"]), len(d["silences"]))' <"$T/list.json")
[ "$n" = "2 0" ] && ok alerts_json_lists_rejected || notok alerts_json_lists_rejected "$n"

guarded "$T/uns.out" "$T/uns.err" "$W" alerts --redis "$REDIS_URL" --ns $NS unsilence "$BOMB20" &&
    [ "$(rcli HEXISTS "$NS:{alerts}:silences" "$BOMB20")" = 0 ] &&
    wait_for 'grep -qF "alert unsilence $BOMB20" "$T/wA.out"' 5 &&
    ok unsilence_removes_rejected || notok unsilence_removes_rejected "$(cat "$T/uns.out" "$T/uns.err"); $(dump)"

# ---- a stored value that is not a silence at all: listed as rejected, never silently dropped --
rcli HSET "$NS:{alerts}:silences" garbage 'not json' >/dev/null
guarded "$T/g.out" "$T/g.err" "$W" alerts --redis "$REDIS_URL" --ns $NS
grep -qF "silence  garbage until ? REJECTED, not applied: the stored value is not a silence" \
    "$T/g.out" && grep -q "silences\? rejected" "$T/g.err" &&
    ok unreadable_silence_listed || notok unreadable_silence_listed "$(cat "$T/g.out" "$T/g.err")"
guarded "$T/g.json" /dev/null "$W" alerts --redis "$REDIS_URL" --ns $NS --json
python3 -c 'import json,sys; r=json.load(sys.stdin)["rejected_silences"]
sys.exit(0 if [x["until_ms"] for x in r if x["matcher"] == "garbage"] == [None] else 1)' \
    <"$T/g.json" && ok unreadable_silence_json || notok unreadable_silence_json "$(cat "$T/g.json")"
start_worker C
wait_for 'grep -qF "silence garbage rejected (not applied): the stored value is not a silence" "$T/wC.out"' 10 &&
    ok unreadable_silence_reported_by_worker || notok unreadable_silence_reported_by_worker "$(cat "$T/wC.out")"
kill -TERM "$WC" 2>/dev/null
wait "$WC" 2>/dev/null
guarded /dev/null /dev/null "$W" alerts --redis "$REDIS_URL" --ns $NS unsilence garbage &&
    [ "$(rcli HEXISTS "$NS:{alerts}:silences" garbage)" = 0 ] && ok unreadable_silence_removable ||
    notok unreadable_silence_removable "$(rcli HGETALL "$NS:{alerts}:silences")"

alive_and_small A && alive_and_small B && ok workers_still_alive ||
    notok workers_still_alive "$(dump)"
kill -TERM "$WA" "$WB" 2>/dev/null
wait "$WA"
rca=$?
wait "$WB"
rcb=$?
wait
[ $rca = 0 ] && [ $rcb = 0 ] && ! grep -q Sanitizer "$T/wA.out" "$T/wB.out" &&
    ok workers_stop_cleanly || notok workers_stop_cleanly "exit $rca, $rcb; $(dump)"
wr_done
