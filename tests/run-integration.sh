#!/usr/bin/env bash
# Runs every tests/integration/test_*.sh and tests/tui/test_*.sh script. Each script prints "ok NAME" or
# "not ok NAME: why" per case and exits non-zero on any failure. WARROOM names the binary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
passed=0; failed=0; failures=""
for t in "$here"/integration/test_*.sh "$here"/tui/test_*.sh; do
    [ -e "$t" ] || continue
    out=$(bash "$t" 2>&1); rc=$?
    printf '%s\n' "$out" | grep -E '^(ok|not ok) ' | sed "s|^|$(basename "$t"): |"
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^not ok ')
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1; printf '%s\n' "$out" | tail -30
        failures+="  $(basename "$t"): exit $rc with no 'not ok' line"$'\n'
    fi
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v -E '^ok ' | tail -30
    [ "$f" -gt 0 ] && failures+=$(printf '%s\n' "$out" | grep -E '^not ok ' | cut -c1-160 |
        sed "s|^|  $(basename "$t"): |")$'\n'
    passed=$((passed + p)); failed=$((failed + f))
done
# the failures again, last, where a truncated log still shows them
[ -n "$failures" ] && printf 'failed cases:\n%s' "$failures"
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
