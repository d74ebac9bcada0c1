#!/usr/bin/env bash
# Runs every cmocka unit-test binary given on the command line and sums their results.
# Prints one closing line "N passed, N failed" and exits non-zero if any test failed.
set -u
passed=0; failed=0; broken=""
for bin in "$@"; do
    out=$("$bin" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^\[  (PASSED|FAILED)  \]|^\[  ERROR   \]' | sed "s|^|$(basename "$bin"): |"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
    if [ "$rc" -ne 0 ]; then
        broken="$broken $(basename "$bin")"
        [ -z "$f" ] && failed=$((failed + 1))
        printf '%s\n' "$out" | tail -40
    fi
done
echo "unit: $passed passed, $failed failed"
[ -z "$broken" ] || { echo "failing:$broken"; exit 1; }
