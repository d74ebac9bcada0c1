#!/usr/bin/env bash
# test_docs.sh — the documentation stays navigable: README.md is short, every relative link in
# README.md and docs/*.md points to an existing file and, with a #anchor, to an existing heading
# (GitHub's anchor rules), and every `docs/PAGE.md §N` cited in code comments exists. No Redis.
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

wr_done
