#!/usr/bin/env bash
# test_tui_exit.sh — every way out gives the terminal back: SIGTERM, a crash signal (SIGSEGV,
# through the fatal-signal handler), a usage error before the screen is taken; and the ASCII
# fallbacks: --ascii, and automatically when the locale is not UTF-8.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tui_lib.sh"

redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
"$WARROOM" send --redis "$REDIS_URL" tuitest_exit 1 >/dev/null || notok send "event"

# PID of the program the pane's shell is running (the shell's child).
child_pid() {
    local shell
    shell=$(tui_tmux display-message -p -t =t: '#{pane_pid}')
    ps -o pid= --ppid "$shell" | head -1 | tr -d ' '
}

# The shell answers and echoes what is typed, with no attribute left on.
shell_sane() {
    local tag=$1
    tui_wait "$TUI_PROMPT" 5 || return 1
    tui_run "echo $tag-\$((40+2))"
    tui_wait "$tag-42" 5 || return 1
    tui_cap | grep -qF "echo $tag-\$((40+2))" || return 1
    ! tui_cap -e | grep -F "$tag-42" | tail -1 | grep -qE $'\e\\[[0-9;]*[1-9][0-9;]*m'
}

# ---- SIGTERM --------------------------------------------------------------------------------------
tui_start 80 24 && tui_wait "tuitest_exit" 10
pid=$(child_pid)
if [ -n "$pid" ] && kill -TERM "$pid" && tui_gone "partitions" 5 && shell_sane term; then
    ok "SIGTERM: the interface leaves and the terminal is restored"
else
    tui_dump term; notok "SIGTERM" "pid=$pid"
fi

# ---- a crash signal ----------------------------------------------------------------------------------
tui_start 80 24 && tui_wait "tuitest_exit" 10
pid=$(child_pid)
if [ -n "$pid" ] && kill -SEGV "$pid" && tui_gone "partitions" 5 && shell_sane segv; then
    ok "SIGSEGV: the fatal-signal handler restores the terminal before dying"
else
    tui_dump segv; notok "SIGSEGV" "pid=$pid"
fi

# ---- an error before the screen is taken --------------------------------------------------------------
tui_run "\"$WARROOM\" --theme no-such-theme"
if tui_wait "theme 'no-such-theme' not found" 5 && shell_sane usage; then
    ok "a bad theme is reported as plain text, before the screen is taken"
else
    tui_dump theme; notok "bad theme"
fi

# ---- ASCII ------------------------------------------------------------------------------------------
non_ascii() {
    tui_cap | LC_ALL=C grep -c $'[\x80-\xff]'
}
tui_start 80 24 --ascii && tui_wait "tuitest_exit" 10
if [ "$(non_ascii)" = 0 ] && tui_cap | grep -q '^#=' && tui_cap | grep -qF '+- Alerts'; then
    ok "--ascii: ASCII borders and glyphs only"
else
    tui_dump ascii; notok "--ascii" "$(non_ascii) lines with non-ASCII bytes"
fi
tui_keys q
tui_wait "$TUI_PROMPT" 5
TUI_ENV="LANG=C LC_ALL=C" tui_start 80 24 && tui_wait "tuitest_exit" 10
if [ "$(non_ascii)" = 0 ] && tui_cap | grep -qF '+- Chat'; then
    ok "a non-UTF-8 locale falls back to ASCII by itself"
else
    tui_dump locale; notok "locale fallback" "$(non_ascii) lines with non-ASCII bytes"
fi
tui_keys q

wr_done
