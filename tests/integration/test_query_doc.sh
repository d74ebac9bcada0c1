#!/usr/bin/env bash
# test_query_doc.sh — the examples of docs/query.md are true: the ```sh block under "Examples"
# loads its data into a fresh Redis, then every "$ warroom ..." line of the ```console blocks
# runs and must print exactly the lines shown (stdout and stderr; times and unix-ms values of
# range rows and now_ms are masked, since they depend on the minute the test runs in).
. "$(dirname "$0")/lib.sh"
W=${WARROOM:?WARROOM must name the warroom binary}
T=$(mktemp -d)
wr_defer "rm -rf '$T'"
redis_start || { notok redis_start "cannot start redis-server"; wr_done; }
export HOME=$T REDIS_URL XDG_CONFIG_HOME=$T

# split the Examples section into $T/setup.sh and $T/ex.N.cmd / $T/ex.N.want
python3 - "$WR_ROOT/docs/query.md" "$T" <<'EOF' || notok extract "cannot read the examples"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
ex = text.split("\n## Examples\n", 1)[1]
setup = re.search(r"```sh\n(.*?)```", ex, re.S).group(1)
open(f"{sys.argv[2]}/setup.sh", "w").write(setup)
n = 0
for block in re.findall(r"```console\n(.*?)```", ex, re.S):
    lines = block.rstrip("\n").split("\n")
    assert lines[0].startswith("$ warroom "), lines[0]
    open(f"{sys.argv[2]}/ex.{n}.cmd", "w").write(lines[0][2:] + "\n")
    open(f"{sys.argv[2]}/ex.{n}.want", "w").write("\n".join(lines[1:]) + "\n")
    n += 1
assert n >= 8, n
EOF

warroom() { "$W" "$@"; }
mask() { sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g; s/\b1[0-9]{12}\b/MS/g'; }

# run_all NS: loads the data into namespace NS and runs every example; $T/ex.N.got
run_all() {
    export WARROOM_NS=$1
    (cd "$T" && . ./setup.sh) > /dev/null 2>"$T/setup.err" || return 1
    for cmd in "$T"/ex.*.cmd; do
        (cd "$T" && eval "$(cat "$cmd")") > "${cmd%.cmd}.got" 2>&1
    done
}

# The data sits in the minutes before the current one: a minute that turns during the run shifts
# the windows, so such a run is repeated (never more than 3 times).
for attempt in 1 2 3; do
    before=$(($(date +%s) / 60))
    run_all "doc$attempt" || notok setup "$(cat "$T/setup.err")"
    [ "$(($(date +%s) / 60))" = "$before" ] && break
done
n=0
for cmd in "$T"/ex.*.cmd; do
    n=$((n + 1))
    base=${cmd%.cmd}
    if diff <(mask < "$base.want") <(mask < "$base.got") > "$base.diff"; then
        ok "docs/query.md example: $(cat "$cmd")"
    else
        notok "docs/query.md example: $(cat "$cmd")" "$(cat "$base.diff")"
    fi
done
[ "$n" -ge 8 ] && ok "$n examples run" || notok examples "only $n examples found"
wr_done
