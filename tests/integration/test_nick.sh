#!/usr/bin/env bash
# test_nick.sh — who did what is traceable: the default nick is $USER, then $LOGNAME, then the
# passwd login name (never a random anon-XXXX), for chat messages and for `warroom alerts ack`.
set -u
. "$(dirname "$0")/lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
T=$REDIS_DIR # removed at exit
NS=nk

# say TEXT ENV...: sends TEXT with the given environment (no --nick anywhere)
say() {
    local text=$1
    shift
    env -i PATH="$PATH" HOME="$HOME" "$@" "$WARROOM" chat ops --redis "$REDIS_URL" --ns $NS \
        --say "$text" >/dev/null
}
said() { # the line of the history that holds TEXT
    "$WARROOM" chat ops --redis "$REDIS_URL" --ns $NS --dump --nick reader | grep -F -- "$1"
}

say "from user" USER=uu LOGNAME=ll
said "from user" | grep -qF "<uu> from user" && ok nick_is_user ||
    notok nick_is_user "$(said "from user")"
say "from logname" LOGNAME=ll
said "from logname" | grep -qF "<ll> from logname" && ok nick_falls_back_to_logname ||
    notok nick_falls_back_to_logname "$(said "from logname")"
say "bad user" "USER=has space" LOGNAME=ll2
said "bad user" | grep -qF "<ll2> bad user" && ok invalid_user_is_skipped ||
    notok invalid_user_is_skipped "$(said "bad user")"
me=$(id -un)
say "from passwd"
said "from passwd" | grep -qF "<$me> from passwd" && ok nick_falls_back_to_passwd_name ||
    notok nick_falls_back_to_passwd_name "want <$me>: $(said "from passwd")"
"$WARROOM" chat ops --redis "$REDIS_URL" --ns $NS --dump --nick reader | grep -q "anon-" &&
    notok no_random_nick "$("$WARROOM" chat ops --redis "$REDIS_URL" --ns $NS --dump)" ||
    ok no_random_nick

# ---- an ack from `warroom alerts ack` is signed with the same default --------------------------
printf '[rule hot]\nexpr = max(temp) over 1m > 5\nseverity = warning\n' >"$T/rules.conf"
"$WARROOM" worker --redis "$REDIS_URL" --ns $NS --rules "$T/rules.conf" --quiet >"$T/w.out" 2>&1 &
WPID=$!
wr_defer "kill $WPID 2>/dev/null"
wait_for 'grep -q "alerts: leader" "$T/w.out"' 15 || notok leader "$(cat "$T/w.out")"
"$WARROOM" send --redis "$REDIS_URL" --ns $NS temp 10 host=a >/dev/null
wait_for '"$WARROOM" alerts --redis "$REDIS_URL" --ns $NS | grep -q "^firing"' 15 ||
    notok fires "$("$WARROOM" alerts --redis "$REDIS_URL" --ns $NS)"
short=$("$WARROOM" alerts --redis "$REDIS_URL" --ns $NS | awk '/^firing/ { print $3; exit }')
env -i PATH="$PATH" HOME="$HOME" LOGNAME=oncall1 "$WARROOM" alerts --redis "$REDIS_URL" --ns $NS \
    ack "$short" >"$T/ack.out" 2>&1 && grep -q "as oncall1" "$T/ack.out" &&
    ok ack_says_the_default_nick || notok ack_says_the_default_nick "$(cat "$T/ack.out")"
wait_for '"$WARROOM" alerts --redis "$REDIS_URL" --ns $NS | grep -q "acked by oncall1"' 10 &&
    ok ack_recorded_with_the_default_nick ||
    notok ack_recorded_with_the_default_nick "$("$WARROOM" alerts --redis "$REDIS_URL" --ns $NS)"
wr_done
