#!/usr/bin/env bash
# test_docs.sh — the documentation stays navigable: README.md is short, every relative link in
# README.md and docs/*.md points to an existing file and, with a #anchor, to an existing heading
# (GitHub's anchor rules), and every `docs/PAGE.md §N` cited in code comments exists; the commands
# and benchmarks the program dispatches are the ones README.md, docs/commands.md, the man page and
# the help texts list. No Redis.
. "$(dirname "$0")/lib.sh"
cd "$WR_ROOT" || exit 1

n=$(wc -l < README.md)
[ "$n" -le 250 ] && ok readme_short || notok readme_short "README.md has $n lines (max 250)"

# check_links: one "FILE: message" line per broken link, nothing when all resolve.
check_links() {
    python3 - README.md docs/*.md <<'EOF'
import os, re, sys

def anchors(path):
    """GitHub's heading ids: lower case, punctuation dropped, spaces to '-', -1/-2 for repeats."""
    seen, out, fence = {}, set(), None
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*(```|~~~)", line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        m = None if fence else re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", m.group(1))  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.lower()).replace(" ", "-")
        k = seen.get(slug, 0)
        seen[slug] = k + 1
        out.add(slug if k == 0 else f"{slug}-{k}")
    return out

def links(path):
    fence = None
    for no, line in enumerate(open(path, encoding="utf-8"), 1):
        m = re.match(r"\s*(```|~~~)", line)
        if m:
            fence = None if fence == m.group(1) else (fence or m.group(1))
            continue
        if fence:
            continue
        line = re.sub(r"`[^`]*`", "", line)  # code spans are not links
        for target in re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", line):
            yield no, target

cache, bad = {}, 0
for src in sys.argv[1:]:
    for no, target in links(src):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: ...
            continue
        file, _, frag = target.partition("#")
        dest = os.path.normpath(os.path.join(os.path.dirname(src), file)) if file else src
        if not os.path.exists(dest):
            print(f"{src}:{no}: {target}: no such file")
            bad += 1
            continue
        if frag and dest.endswith(".md"):
            if dest not in cache:
                cache[dest] = anchors(dest)
            if frag not in cache[dest]:
                print(f"{src}:{no}: {target}: no heading with that anchor in {dest}")
                bad += 1
sys.exit(1 if bad else 0)
EOF
}
if out=$(check_links 2>&1); then
    ok doc_links_resolve
else
    notok doc_links_resolve "$(printf '%s' "$out" | head -20 | tr '\n' ';')"
fi

# Code comments cite docs pages (and numbered sections of docs/architecture.md) that exist.
missing=""
while IFS= read -r cite; do
    page=${cite%% *}
    [ -f "$page" ] || { missing="$missing $cite"; continue; }
    case $cite in
    *§*)
        sec=${cite##*§}
        grep -qE "^#{2,3} ${sec//./\\.}\.? " "$page" || missing="$missing $cite"
        ;;
    esac
done < <(grep -rhoE 'docs/[a-z_]+\.md( §[0-9]+(\.[0-9]+)?)?' app ui core tests assets Makefile |
    sort -u)
[ -z "$missing" ] && ok code_cites_docs || notok code_cites_docs "no such page or section:$missing"

# Nothing in the repository points outside it for its documentation.
outside=$(grep -rlE 'design\.md|design §|/work/shared' README.md docs app ui core tests assets \
    Makefile 2>/dev/null | grep -v 'tests/integration/test_docs.sh')
[ -z "$outside" ] && ok no_outside_doc_refs || notok no_outside_doc_refs "$outside"

# The command table (app/main.c, `warroom help --commands`) against README.md's commands table,
# the synopsis at the top of docs/commands.md and the man page's SYNOPSIS: the same commands,
# none missing and none extra.
# list_commands FILE: the NAME of every `warroom NAME` README row, synopsis line or
# `.B warroom NAME` line.
list_commands() {
    case $1 in
    docs/commands.md) sed -n '/^```/,/^```/p' "$1" | sed -n '1,/^```$/{/^warroom /p}' |
        sed -nE 's/^warroom ([a-z][a-z0-9]*).*/\1/p' ;;
    *.md) sed -n '/^## Commands/,/^## /p' "$1" | grep '^| `warroom ' | cut -d'|' -f2 |
        grep -oE '`warroom [a-z][a-z0-9]*' | cut -d' ' -f2 ;;
    *) sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p' "$1" |
        sed -nE 's/^\.B warroom ([a-z][a-z0-9]*).*/\1/p' ;;
    esac | sort -u
}
table=$("$WARROOM" help --commands | cut -d' ' -f1 | sort -u)
if [ -z "$table" ]; then
    notok commands_listed "warroom help --commands printed nothing"
else
    for doc in README.md docs/commands.md assets/warroom.1; do
        d=$(diff <(printf '%s\n' "$table") <(list_commands "$doc") | grep '^[<>]' | tr '\n' ' ')
        [ -z "$d" ] && ok "commands_in_$doc" || notok "commands_in_$doc" \
            "'<' in the command table only, '>' in $doc only: $d"
    done
fi

# The benchmarks bench.c dispatches (`warroom help --benchmarks`) are the ones every list names:
# `warroom --help`, `warroom bench --help`, README.md, docs/commands.md and the man page.
benches=$("$WARROOM" help --benchmarks | sort -u)
# names: the bench names on stdin, as "warroom bench a|b|c" or one "warroom bench NAME" a line.
names() {
    grep -oE 'warroom bench [a-z0-9|\\]+' | cut -d' ' -f3 | tr -d '\\' | tr '|' '\n' | sort -u
}
# bench_lists: one "PLACE: a b c " line per place that lists the benchmarks.
bench_lists() {
    local man_synopsis man_text
    man_synopsis=$(sed -n '/^\.B warroom bench/{n;p}' assets/warroom.1 | grep -oE '[a-z0-9]+')
    man_text=$(sed -n '/^\.B bench$/,/^\.B make bench/p' assets/warroom.1 |
        sed -nE 's/^\.B ([a-z0-9]+)$/\1/p' | grep -v '^bench$')
    echo "warroom --help: $("$WARROOM" --help | names | tr '\n' ' ')"
    echo "warroom bench --help: $("$WARROOM" bench --help | names | tr '\n' ' ')"
    echo "README.md: $(names < README.md | tr '\n' ' ')"
    echo "docs/commands.md synopsis: $(grep -E '^warroom bench [a-z0-9|]+$' docs/commands.md |
        names | tr '\n' ' ')"
    echo "docs/commands.md bench: $(sed -n '/^## bench/,/^## /p' docs/commands.md | names |
        tr '\n' ' ')"
    echo "assets/warroom.1 SYNOPSIS: $(printf '%s\n' "$man_synopsis" | sort -u | tr '\n' ' ')"
    echo "assets/warroom.1 bench: $(printf '%s\n' "$man_text" | sort -u | tr '\n' ' ')"
}
want=$(printf '%s\n' "$benches" | tr '\n' ' ')
bad=$(bench_lists | while IFS= read -r line; do
    [ "${line#*: }" = "$want" ] || printf '%s; ' "$line"
done)
if [ -z "$benches" ]; then
    notok bench_lists_agree "warroom help --benchmarks printed nothing"
elif [ -z "$bad" ]; then
    ok bench_lists_agree
else
    notok bench_lists_agree "bench.c dispatches: $want; but $bad"
fi

# keys are written once, in ui/keys.c: docs/interface.md holds `warroom help --keys` verbatim,
# right under its "generated by" marker
keys_want=$("$WARROOM" help --keys 2>&1)
keys_have=$(awk '/^<!-- generated by `warroom help --keys`/ { on = 1; next } on && /^$/ { exit }
    on' "$WR_ROOT/docs/interface.md")
if [ -n "$keys_want" ] && [ "$keys_want" = "$keys_have" ]; then
    ok keys_table_generated
else
    notok keys_table_generated "docs/interface.md differs from warroom help --keys: $(diff <(echo "$keys_want") <(echo "$keys_have") | head -4)"
fi

# ncurses lives in ui/ only: no file of app/ reads a curses header, directly or through another
# header (the preprocessor lists every header it opens with -H)
bad=""
for f in "$WR_ROOT"/app/*.c "$WR_ROOT"/app/*/*.c; do
    ${CC:-cc} -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -D_XOPEN_SOURCE_EXTENDED \
        -I"$WR_ROOT" -E -H "$f" -o /dev/null 2>&1 | grep -q 'curses\.h' && bad="$bad ${f#"$WR_ROOT"/}"
done
[ -z "$bad" ] && ok no_curses_in_app || notok no_curses_in_app "read a curses header:$bad"

wr_done
