#!/bin/sh
# Run every test against each build directory given (normally build and
# build-asan) and end with one line: "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
pass=0
fail=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for b in "$@"; do
    echo "== build: $b"
    for t in "$b"/tests/test_*; do
        [ -x "$t" ] || continue
        "$t" >"$log" 2>&1
        rc=$?
        cat "$log"
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
        pass=$((pass + ${p:-0}))
        fail=$((fail + ${f:-0}))
        if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
            echo "FAIL: $t exited $rc"
            fail=$((fail + 1))
        fi
    done
    /usr/bin/python3 tests/e2e.py "$b/wxingest" >"$log" 2>&1
    cat "$log"
    line=$(grep '^e2e: ' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^e2e: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$p" ]; then echo "FAIL: e2e did not finish"; fail=$((fail + 1)); fi
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
    /usr/bin/python3 tests/fetch_test.py "$b/wxingest" >"$log" 2>&1
    cat "$log"
    line=$(grep '^fetch: [0-9]* passed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^fetch: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$p" ]; then echo "FAIL: fetch tests did not finish"; fail=$((fail + 1)); fi
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
    # bad-input matrix, regex worst cases, no file/network access, fuzz
    # regressions; a hang is cut off and counts as a failure
    timeout -k 10 900 /usr/bin/python3 tests/test_robust.py "$b" >"$log" 2>&1
    cat "$log"
    line=$(grep '^robust: [0-9]* passed' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/^robust: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$p" ]; then echo "FAIL: robustness tests did not finish"; fail=$((fail + 1)); fi
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
