# bash completion for warroom — commands, options, rule and event files, themes, and chat rooms
# read from Redis. Everything but the file names comes from the program itself (its --help
# texts and the hidden `warroom help --commands|--benchmarks|--rooms`), so it stays true.
# Installed by `make install` to $(PREFIX)/share/bash-completion/completions/warroom.

# _warroom_opts ARGS...: the options `warroom ARGS --help` documents, one a line; with
# _WARROOM_VALUED set, only those that take a value ("--ns NAME").
_warroom_opts() {
    local re='--[a-z][a-z-]*'
    [ -n "${_WARROOM_VALUED:-}" ] && re='--[a-z][a-z-]*[ =][A-Z][A-Z_]*'
    "${_warroom_bin:-warroom}" "$@" --help 2>/dev/null | grep -oE -- "$re" | sed 's/[ =].*//' |
        sort -u
}

# The rooms in the Redis and namespace the line names (--redis, --ns), quietly.
_warroom_rooms() {
    local args=() i
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        case ${COMP_WORDS[i]} in
        --redis | --ns | --config) args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}") ;;
        --redis=* | --ns=* | --config=*) args+=("${COMP_WORDS[i]}") ;;
        esac
    done
    "${_warroom_bin:-warroom}" help --rooms "${args[@]}" 2>/dev/null
}

_warroom() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
    local _warroom_bin=${COMP_WORDS[0]}
    command -v "$_warroom_bin" >/dev/null 2>&1 || _warroom_bin=warroom
    COMPREPLY=()

    # the command: the first word that is neither an option nor an option's value
    # (options before it are the common ones; after it, the command's own too)
    local cmd="" i w valued npos=0
    valued=" $(_WARROOM_VALUED=1 _warroom_opts --quiet | tr '\n' ' ') "
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w == --*=* ]]; then
            continue
        elif [[ $w == -* ]]; then
            [[ $valued == *" $w "* ]] && ((i++))
        elif [ -z "$cmd" ]; then
            cmd=$w
            valued=" $(_WARROOM_VALUED=1 _warroom_opts "$cmd" | tr '\n' ' ') $valued"
        else
            npos=$((npos + 1))
        fi
    done

    # the value of an option
    case $prev in
    --rules | --config)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
        ;;
    --theme)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -W "dark light" -- "$cur") $(compgen -f -X '!*.theme' -- "$cur"))
        return 0
        ;;
    --room)
        COMPREPLY=($(compgen -W "$(_warroom_rooms)" -- "$cur"))
        return 0
        ;;
    --redis)
        COMPREPLY=($(compgen -W "redis:// unix:// redis+sentinel://" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return 0
        ;;
    --sort)
        COMPREPLY=($(compgen -W "key rate count sum avg min max stddev p50 p90 p95 p99 p999" \
            -- "$cur"))
        return 0
        ;;
    esac
    if [[ $valued == *" $prev "* ]]; then
        return 0 # a value we cannot guess (a number, a duration, a name)
    fi

    if [[ $cur == -* ]]; then
        if [ -z "$cmd" ]; then
            COMPREPLY=($(compgen -W "$(_warroom_opts --quiet) --demo --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_warroom_opts "$cmd")" -- "$cur"))
        fi
        return 0
    fi

    case $cmd in
    "")
        COMPREPLY=($(compgen -W "$("$_warroom_bin" help --commands 2>/dev/null | cut -d' ' -f1) help" \
            -- "$cur"))
        ;;
    chat)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "$(_warroom_rooms)" -- "$cur"))
        ;;
    rules)
        if [ "$npos" -eq 0 ]; then
            COMPREPLY=($(compgen -W "check" -- "$cur"))
        else
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
        ;;
    server)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "stop status" -- "$cur"))
        ;;
    alerts)
        [ "$npos" -eq 0 ] && COMPREPLY=($(compgen -W "list ack silence unsilence" -- "$cur"))
        ;;
    bench)
        [ "$npos" -eq 0 ] &&
            COMPREPLY=($(compgen -W "$("$_warroom_bin" help --benchmarks 2>/dev/null)" -- "$cur"))
        ;;
    ingest)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        ;;
    esac
    return 0
}

complete -F _warroom warroom
