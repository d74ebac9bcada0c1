#!/usr/bin/env bash
# test_cli.sh — the command line as scripts and people meet it (issue 11.11, 11.12): common
# options before the command work as after it; every error line starts with "warroom CMD: "
# ("warroom: " without a command); --sort lists its columns; usage mistakes exit 2.
. "$(dirname "$0")/lib.sh"
redis_start
W=$WARROOM
T=$REDIS_DIR/cli
mkdir -p "$T"

# --- 11.12: common options before the command ----------------------------------------------
"$W" --redis "$REDIS_URL" --ns before send 'lat{host=a}' 5 >"$T/send.out" 2>"$T/send.err"
rc=$?
n=0
for p in $(seq 0 7); do n=$((n + $(rcli xlen "before:ev:{p$p}"))); done
[ $rc = 0 ] && [ "$n" = 1 ] && ok send_options_before ||
    notok send_options_before "exit $rc, $n events in before:ev:*: $(cat "$T/send.err")"

# the same query, options before and after the command: the same answer
"$W" --redis "$REDIS_URL" --ns before query --json >"$T/q1.json" 2>"$T/q1.err"
rc1=$?
"$W" query --json --redis "$REDIS_URL" --ns before >"$T/q2.json" 2>"$T/q2.err"
rc2=$?
strip() { sed 's/"now_ms":[0-9]*//' "$1"; }
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && grep -q '"lat{host=a}"' "$T/q1.json" &&
    [ "$(strip "$T/q1.json")" = "$(strip "$T/q2.json")" ]; then
    ok query_options_before
else
    notok query_options_before "exit $rc1/$rc2: $(cat "$T/q1.json" "$T/q1.err" "$T/q2.json")"
fi
"$W" --ns=before --redis="$REDIS_URL" query --json >"$T/q3.json" 2>&1
[ $? = 0 ] && [ "$(strip "$T/q3.json")" = "$(strip "$T/q2.json")" ] && ok query_options_before_eq ||
    notok query_options_before_eq "$(cat "$T/q3.json")"

# `warroom --ns x chat ops --say`: the message lands in x's room, not wr's
"$W" --ns x --redis "$REDIS_URL" chat ops --say 'hello from before' --nick cli >"$T/chat.out" 2>&1
rc=$?
if [ $rc = 0 ] && rcli xrange x:chat:ops:log - + | grep -q 'hello from before' &&
    [ "$(rcli exists wr:chat:ops:log)" = 0 ]; then
    ok chat_options_before
else
    notok chat_options_before "exit $rc: $(cat "$T/chat.out")"
fi

# `warroom --timeout 1s --redis URL alerts --json` and a flag (--ascii) before the command
"$W" --timeout 1s --ascii --redis "$REDIS_URL" alerts --json >"$T/al.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q '^\[\|^{' "$T/al.out" && ok alerts_options_before ||
    notok alerts_options_before "exit $rc: $(cat "$T/al.out")"

# --help and --demo after common options, and options alone still mean the interface
"$W" --ns x --help >"$T/help.out" 2>&1
[ $? = 0 ] && grep -q '^usage: warroom' "$T/help.out" && ok help_after_options ||
    notok help_after_options "$(head -3 "$T/help.out")"
"$W" --ns x query --help >"$T/qhelp.out" 2>&1
[ $? = 0 ] && grep -q '^usage: warroom query' "$T/qhelp.out" && ok command_help_after_options ||
    notok command_help_after_options "$(head -3 "$T/qhelp.out")"
"$W" --redis "$REDIS_URL" </dev/null >"$T/tui.out" 2>&1
rc=$?
[ $rc != 0 ] && grep -q '^warroom: the interface needs a terminal' "$T/tui.out" &&
    ok options_alone_mean_interface || notok options_alone_mean_interface "exit $rc: $(cat "$T/tui.out")"
# a bad common option before the command is that command's usage error
"$W" --ns 'a b' query >"$T/badns.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^warroom query: namespace 'a b'" "$T/badns.out" && ok bad_option_before ||
    notok bad_option_before "exit $rc: $(cat "$T/badns.out")"

# --- 11.11: --sort bogus names the columns; send m 1 foo is a usage error -------------------
"$W" query --redis "$REDIS_URL" --sort bogus >"$T/sort.out" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "unknown column 'bogus' for --sort; one of: key rate count sum avg" \
    "$T/sort.out" && grep -q 'p99 p999 (or any pNN' "$T/sort.out"; then
    ok sort_lists_columns
else
    notok sort_lists_columns "exit $rc: $(cat "$T/sort.out")"
fi
"$W" send --redis "$REDIS_URL" m 1 foo >"$T/s2.out" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "^warroom send: label argument 'foo' is not NAME=VALUE" "$T/s2.out" &&
    ok send_bad_label_is_usage || notok send_bad_label_is_usage "exit $rc: $(cat "$T/s2.out")"
"$W" send --redis "$REDIS_URL" m nan >"$T/s3.out" 2>&1
rc=$?
[ $rc = 3 ] && ok send_bad_value_is_rejected || notok send_bad_value_is_rejected "exit $rc"

# --- 11.11: one error prefix --------------------------------------------------------------
# Each case: EXPECTED_PREFIX<TAB>ARGS (a shell word list). The first stderr line must start
# with the prefix; no line may start with the old "warroom: CMD:" form.
dead="redis://127.0.0.1:$(free_port)"
while IFS=$'\t' read -r want args; do
    [ -z "$want" ] && continue
    eval "set -- $args"
    "$W" "$@" </dev/null >/dev/null 2>"$T/err.txt"
    rc=$?
    first=$(head -1 "$T/err.txt")
    if [ $rc != 0 ] && [ "${first#"$want"}" != "$first" ] &&
        ! grep -qE '^warroom: [a-z]+: ' "$T/err.txt"; then
        ok "prefix: $args"
    else
        notok "prefix: $args" "exit $rc, stderr: $(head -3 "$T/err.txt")"
    fi
done <<CASES
warroom: 	nosuch
warroom: 	--redis $REDIS_URL
warroom query: 	query --limit x
warroom query: 	query --bogus
warroom query: 	query a b
warroom query: 	query --redis $dead
warroom query: 	query --ns a:b
warroom send: 	send
warroom send: 	send m nan --redis $REDIS_URL
warroom send: 	send m 1 --redis $dead
warroom send: 	send m 1 --redis bogus://x
warroom chat: 	chat --kind zzz --say x
warroom chat: 	chat 'bad room!' --say x
warroom chat: 	chat ops --say x --redis $dead
warroom alerts: 	alerts bogus
warroom alerts: 	alerts silence x notaduration
warroom alerts: 	alerts --redis $dead
warroom rules: 	rules
warroom rules: 	rules check /nonexistent/rules.conf
warroom server: 	server bogus
warroom gen: 	gen --bogus
warroom gen: 	gen --rate x
warroom gen: 	gen --count 1 --redis $dead
warroom ingest: 	ingest --bogus
warroom ingest: 	ingest --redis $REDIS_URL /nonexistent/events.txt
warroom ingest: 	ingest --redis $dead /dev/null
warroom worker: 	worker --bogus
warroom worker: 	worker --redis $dead
warroom demo: 	demo --plain --seconds x
warroom bench: 	bench nosuch
warroom demo: 	demo --ns a:b
CASES

# huge pages: where the kernel gives them on request only, a worker (a command that builds a
# series table) starts itself once more with glibc.malloc.hugetlb=1; a user's own setting stays;
# a one-shot command runs as before (a sanitizer build never restarts: its allocator is its own)
environ_of() { tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep '^GLIBC_TUNABLES=' || true; }
if ldd "$W" 2>/dev/null | grep -q libasan; then
    ok "sanitizer build: no second start for huge pages to check"
elif grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    "$W" worker --redis "$REDIS_URL" --ns thp --quiet --duration 5s >/dev/null 2>&1 &
    p1=$!
    GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$W" worker --redis "$REDIS_URL" --ns thp --quiet \
        --duration 5s >/dev/null 2>&1 &
    p2=$!
    wait_for "environ_of $p1 | grep -q hugetlb" 5
    if [ "$(environ_of $p1)" = GLIBC_TUNABLES=glibc.malloc.hugetlb=1 ] &&
        [ "$(environ_of $p2)" = GLIBC_TUNABLES=glibc.malloc.hugetlb=0 ]; then
        ok "worker restarts itself with glibc.malloc.hugetlb=1; a user's hugetlb=0 is kept"
    else
        notok "huge pages" "worker: '$(environ_of $p1)' with hugetlb=0: '$(environ_of $p2)'"
    fi
    kill $p1 $p2 2>/dev/null
    wait $p1 $p2 2>/dev/null
    "$W" send --redis "$REDIS_URL" --ns thp 'x{a=b}' 1 &&
        ok "a one-shot command runs as before" || notok "send thp" "exit $?"
else
    ok "huge pages not on request on this kernel: nothing to check"
fi

wr_done
