#!/usr/bin/env bash
# test_completion.sh — shell completion (issue 11.13), driven as bash drives it: the script from
# assets/completion is sourced, COMP_WORDS/COMP_CWORD set, _warroom called, COMPREPLY checked.
# Commands, options (before and after the command), option values, rule files, and chat rooms
# read from a real Redis (per namespace). zsh's function is exercised when zsh is installed.
. "$(dirname "$0")/lib.sh"
redis_start
T=$REDIS_DIR/compl
mkdir -p "$T/bin"
ln -sf "$WARROOM" "$T/bin/warroom"
PATH="$T/bin:$PATH"

rcli XADD wr:chat:ops:log '*' nick a kind msg text hi ts 1 >/dev/null
rcli XADD wr:chat:inc-42:log '*' nick a kind msg text hi ts 1 >/dev/null
rcli ZADD wr:presence:war-room 1 alice >/dev/null
rcli SET 'wr:chat:bad room:log' x >/dev/null # not a room name: never offered
rcli XADD x:chat:xonly:log '*' nick a kind msg text hi ts 1 >/dev/null

. "$WR_ROOT/assets/completion/warroom.bash"

# complete 'LINE': the words of LINE (a trailing blank starts an empty word); prints COMPREPLY
# sorted, one a line.
complete_line() {
    read -r -a COMP_WORDS <<<"$1"
    [[ $1 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _warroom
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect NAME 'LINE' WORD...: every WORD is offered. refuse NAME 'LINE' WORD...: none is.
expect() {
    local name=$1 line=$2 got w missing=""
    shift 2
    got=$(complete_line "$line")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" || missing="$missing $w"
    done
    [ -z "$missing" ] && ok "$name" || notok "$name" "'$line' lacks$missing; got: $(echo $got)"
}
refuse() {
    local name=$1 line=$2 got w there=""
    shift 2
    got=$(complete_line "$line")
    for w in "$@"; do
        grep -qxF -- "$w" <<<"$got" && there="$there $w"
    done
    [ -z "$there" ] && ok "$name" || notok "$name" "'$line' offers$there"
}

expect commands "warroom " query chat alerts rules server send ingest gen worker bench demo help
expect command_prefix "warroom q" query
refuse command_prefix_only "warroom q" chat
expect commands_after_options "warroom --ns x --redis $REDIS_URL q" query
expect query_options "warroom query --so" --sort
expect query_common_options "warroom query --re" --redis --retention
expect sort_values "warroom query --sort p9" p90 p95 p99 p999
expect top_options "warroom --th" --theme
expect theme_values "warroom --theme " dark light
expect chat_options "warroom chat --hi" --history
expect rooms "warroom --redis $REDIS_URL chat " ops inc-42 war-room
refuse rooms_only_rooms "warroom --redis $REDIS_URL chat " "bad room" xonly
expect rooms_after_command "warroom chat --redis $REDIS_URL " ops
expect rooms_of_namespace "warroom --ns x --redis $REDIS_URL chat " xonly
refuse rooms_of_namespace_only "warroom --ns x --redis $REDIS_URL chat " ops
expect rooms_after_valued_option "warroom chat --redis $REDIS_URL --history 5 " ops
refuse one_room_only "warroom chat --redis $REDIS_URL ops " ops
expect room_option "warroom --redis $REDIS_URL --room " ops war-room
expect server_sub "warroom server s" stop status
expect alerts_sub "warroom alerts " ack silence unsilence
expect bench_names "warroom bench " core e2e tui chat alerts
expect rules_check "warroom rules " check
mkdir -p "$T/rules" && touch "$T/rules/team.conf" "$T/rules/other.conf"
(cd "$T/rules" && expect rule_files "warroom rules check " team.conf other.conf)
(cd "$T/rules" && expect rules_option_files "warroom --rules t" team.conf)
# no Redis: no rooms, no error on the terminal, quickly
out=$(complete_line "warroom --redis redis://127.0.0.1:$(free_port) chat " 2>&1)
[ -z "$out" ] && ok rooms_without_redis_silent || notok rooms_without_redis_silent "$out"

# `warroom help --rooms` itself: sorted, de-duplicated, exit 4 without Redis
got=$("$WARROOM" help --rooms --redis "$REDIS_URL" | tr '\n' ' ')
[ "$got" = "inc-42 ops war-room " ] && ok help_rooms || notok help_rooms "got '$got'"
"$WARROOM" help --rooms --redis "redis://127.0.0.1:$(free_port)" >/dev/null 2>&1
[ $? = 4 ] && ok help_rooms_unreachable || notok help_rooms_unreachable "exit $?"

# zsh: the same answers through its completion system, when zsh is here
if command -v zsh >/dev/null 2>&1; then
    # the function called as the completion system would, words set, compadd's words captured
    sed '$d' "$WR_ROOT/assets/completion/_warroom" >"$T/_warroom.fn" # without the final call
    cat >"$T/zdrive.zsh" <<ZSH
compadd() { local a; for a in "\$@"; do [[ \$a == -* ]] || print -r -- \$a; done; }
_files() { print -r -- FILES; }
_alternative() { print -r -- ALT; }
source "$T/_warroom.fn"
words=(warroom --redis "$REDIS_URL" chat ""); CURRENT=5; PREFIX=""
_warroom
words=(warroom q); CURRENT=2; PREFIX=q
_warroom
words=(warroom rules check ""); CURRENT=4; PREFIX=""
_warroom
ZSH
    zgot=$(zsh -f "$T/zdrive.zsh" 2>&1 | sort | tr '\n' ' ')
    for w in ops inc-42 war-room query FILES; do
        [[ " $zgot " == *" $w "* ]] || zmiss="${zmiss:-} $w"
    done
    [ -z "${zmiss:-}" ] && ok zsh_completion || notok zsh_completion "missing$zmiss; got $zgot"
else
    ok "zsh_completion # skip: zsh is not installed"
fi

wr_done
