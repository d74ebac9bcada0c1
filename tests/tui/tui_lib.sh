# tui_lib.sh — helpers for the TUI tests: the real binary in a tmux server on a private socket,
# inside a shell (so the tests can see the prompt come back), driven with send-keys and read with
# capture-pane, always polling for the expected text instead of sleeping.
#
#   . "$(dirname "$0")/tui_lib.sh"      # also sources tests/integration/lib.sh
#   tui_start W H [warroom args...]     # a shell in a W x H pane, then warroom --redis $REDIS_URL
#   tui_wait 'text' [timeout_s]         # the pane shows text (fixed string); 1 on timeout
#   tui_wait_re 'regex' [timeout_s]     # same with an extended regex
#   tui_gone 'text' [timeout_s]         # the pane no longer shows text
#   tui_keys KEY...                     # tmux send-keys (names: Enter, Escape, Tab, Up ...)
#   tui_type 'text'                     # literal text
#   tui_cap [-e]                        # the pane's text (with -e: with SGR sequences)
#   tui_resize W H
#   tui_line N                          # line N (0-based) of the pane
#
# The runner executes every tests/tui/*.sh; run directly, this file does nothing.
[ "${BASH_SOURCE[0]}" = "$0" ] && exit 0

. "$(cd "$(dirname "${BASH_SOURCE[0]}")/../integration" && pwd)/lib.sh"

TUI_SOCK=wrtest-$$
TUI_PROMPT='wr-prompt$ '

tui_tmux() {
    tmux -L "$TUI_SOCK" "$@"
}

# Stops what runs in the panes while their terminal still exists (SIGTERM, as a user closing
# it), then the tmux server. Killing the server first hangs up the terminal under a running
# interface; a sanitizer build's leak check at exit could then hang, spinning a core for the
# rest of the run. Whatever has not exited after the wait is killed, with its children.
tui_stop() {
    local pane kids="" k
    for pane in $(tui_tmux list-panes -a -F '#{pane_pid}' 2>/dev/null); do
        kids="$kids $(pgrep -P "$pane" 2>/dev/null | tr '\n' ' ')"
    done
    if [ -n "${kids// /}" ]; then
        kill -TERM $kids 2>/dev/null
        if ! wait_for "_tui_all_gone $kids" 10; then
            for k in $kids; do
                pkill -KILL -P "$k" 2>/dev/null
                kill -KILL "$k" 2>/dev/null
            done
        fi
    fi
    tui_tmux kill-server >/dev/null 2>&1
    # tmux leaves its socket file behind after kill-server: remove it once the server is gone,
    # or the wait below runs to its limit after every test
    wait_for '! tui_tmux has-session >/dev/null 2>&1' 5
    rm -f "$(tui_socket_path)"
    # a new session started while the old server is still exiting would attach to the dying one
    wait_for '! tui_tmux has-session >/dev/null 2>&1 && [ ! -S "$(tui_socket_path)" ]' 5
    return 0
}

_tui_all_gone() {
    local p
    for p; do
        pid_alive "$p" && return 1
    done
    return 0
}

tui_socket_path() {
    echo "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$TUI_SOCK"
}

# tui_shell W H [ENV=VALUE ...]: a tmux session running an interactive shell with a known prompt.
tui_shell() {
    local w=$1 h=$2
    shift 2
    tui_stop
    tui_tmux -f /dev/null new-session -d -s t -x "$w" -y "$h" \
        env -i HOME="$HOME" PATH="$PATH" TERM=tmux-256color LANG=C.UTF-8 PS1="$TUI_PROMPT" \
        ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
        ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} "$@" \
        bash --norc --noprofile || return 1
    tui_tmux set-option -t =t: status off >/dev/null
    tui_tmux set-option -t =t: window-size manual >/dev/null 2>&1
    tui_wait "wr-prompt" 5
}

# tui_run 'command line': types a command into the shell.
tui_run() {
    tui_tmux send-keys -t =t: -l "$1"
    tui_tmux send-keys -t =t: Enter
}

tui_start() {
    local w=$1 h=$2
    shift 2
    tui_shell "$w" "$h" ${TUI_ENV:-} || return 1
    tui_run "exec_warroom() { \"$WARROOM\" --redis \"$REDIS_URL\" \"\$@\"; }; exec_warroom $*"
    tui_wait "partitions" 10
}

tui_cap() {
    tui_tmux capture-pane -t =t: -p "$@"
}

tui_line() {
    tui_cap | sed -n "$(($1 + 1))p"
}

tui_wait() {
    TUI_WANT=$1
    wait_for 'tui_cap | grep -qF -- "$TUI_WANT"' "${2:-10}"
}

tui_wait_re() {
    TUI_WANT=$1
    wait_for 'tui_cap | grep -qE -- "$TUI_WANT"' "${2:-10}"
}

tui_gone() {
    TUI_WANT=$1
    wait_for '! tui_cap | grep -qF -- "$TUI_WANT"' "${2:-10}"
}

tui_keys() {
    tui_tmux send-keys -t =t: "$@"
}

tui_type() {
    tui_tmux send-keys -t =t: -l "$1"
}

tui_resize() {
    tui_tmux resize-window -t =t: -x "$1" -y "$2"
}

# Prints the screen to stderr when a check failed, to see why.
tui_dump() {
    echo "--- screen ($1) ---" >&2
    tui_cap >&2
    echo "---" >&2
}

wr_defer tui_stop
