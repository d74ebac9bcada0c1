#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh and tests/tui/test_*.sh script. Each script prints "ok NAME" or
# "not ok NAME: why" per case and exits non-zero on any failure. WARROOM names the binary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0; failed=0
for t in "$here"/integration/test_*.sh "$here"/tui/test_*.sh; do
    [ -e "$t" ] || continue
    out=$(bash "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|not ok) ' | sed "s|^|$(basename "$t"): |"
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; printf '%s\n' "$out" | tail -30; fi
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v -E '^ok ' | tail -30
    passed=$((passed + p)); failed=$((failed + f))
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
