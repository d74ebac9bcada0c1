#!/usr/bin/env bash
# Replays every fuzz target's seed corpus (tests/fuzz/corpus/NAME/) through the corpus-driver
# binaries given on the command line (built from tests/fuzz/fuzz_NAME.c + tests/fuzz/driver.c).
# Run from the repository root. Prints one line per target and a closing
# "fuzz corpora: N targets, N inputs ok, N failed"; exits non-zero if any target failed.
set -u
targets=0; inputs=0; failed=0; broken=""
for bin in "$@"; do
    targets=$((targets + 1))
    out=$("$bin" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^fuzz [^ ]+: [0-9]+ inputs ok$' | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$line" ]; then
        echo "$line"
        inputs=$((inputs + $(printf '%s\n' "$line" | sed 's/.*: \([0-9]*\) inputs ok/\1/')))
    else
        failed=$((failed + 1))
        broken="$broken $(basename "$bin")"
        echo "fuzz $(basename "$bin" | sed 's/^fuzz_//'): FAILED (exit $rc)"
        printf '%s\n' "$out" | tail -40
    fi
done
echo "fuzz corpora: $targets targets, $inputs inputs ok, $failed failed"
[ -z "$broken" ] || { echo "failing:$broken"; exit 1; }
