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

# Each script's wall time goes on the line after its summary, "  (42 s)",
# and each cmocka binary's after its output, "  (3 s) build/tests/test_db",
# so the slow ones show in every CI log.
now() { date +%s; }
took() { echo "  ($(($(now) - $1)) s)${2:+ $2}"; }

# Run one Python test script on a binary; it ends with "NAME: N passed, N
# failed" (or "NAME: not run" when it needs ../shared and it is absent).
# A script that dies before its summary, or hangs (cut off after 15
# minutes), counts as one failure.
run_script() {
    name=$1 script=$2 bin=$3
    t0=$(now)
    timeout -k 10 900 /usr/bin/python3 "$script" "$bin" >"$log" 2>&1
    cat "$log"
    took "$t0"
    grep -q "^$name: not run" "$log" && return
    line=$(grep "^$name: [0-9]* passed" "$log" | tail -n 1)
    p=$(echo "$line" | sed -n "s/^$name: \([0-9]*\) passed.*/\1/p")
    f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$p" ]; then echo "FAIL: $script did not finish"; fail=$((fail + 1)); fi
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0}))
}

for b in "$@"; do
    echo "== build: $b"
    # The sanitizer pass (a binary built with -fsanitize=address) is told so:
    # scripts then leave out checks the sanitizer cannot change, such as
    # external validators reading output the normal pass already validated
    # (tests/README.md, "The sanitizer pass").
    if grep -q __asan_init "$b/wxingest" 2>/dev/null; then
        export WX_SANITIZER_PASS=1
    else
        unset WX_SANITIZER_PASS
    fi
    for t in "$b"/tests/test_*; do
        [ -x "$t" ] || continue
        t0=$(now)
        "$t" >"$log" 2>&1
        rc=$?
        cat "$log"
        took "$t0" "$t"
        p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
        f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
        pass=$((pass + ${p:-0}))
        fail=$((fail + ${f:-0}))
        if [ "$rc" -ne 0 ] && [ -z "$f" ]; then
            echo "FAIL: $t exited $rc"
            fail=$((fail + 1))
        fi
    done
    run_script e2e tests/e2e.py "$b/wxingest"
    # every record of every sample and case, byte for byte (tests/golden/)
    run_script golden tests/golden_test.py "$b/wxingest"
    # official notices field by field (tests/notices: 40 real archives)
    run_script notices tests/notices_test.py "$b/wxingest"
    run_script fetch tests/fetch_test.py "$b/wxingest"
    # fetch/run --images against a loopback image server; records from the store
    run_script images tests/images_test.py "$b/wxingest"
    # WARC/ARC inputs: warcio's files, built faults, wget --warc-file (127.0.0.1)
    run_script warc tests/warc_test.py "$b/wxingest"
    # URL discovery: CDX, album, history, saved pages, against a loopback server
    run_script discover tests/discover_test.py "$b/wxingest"
    # --fallback wayback, status_history, run --changes, --shard auto (127.0.0.1)
    run_script fallback tests/fallback_test.py "$b/wxingest"
    run_script db tests/db_test.py "$b/wxingest"
    # make install / uninstall into a scratch DESTDIR; the man page against --help
    run_script install tests/install_test.py "$b/wxingest"
    # OCR: accuracy on the rendered fixtures, parse --ocr and its cache
    run_script ocr tests/ocr_test.py "$b/wxingest"
    # markdown archives at scale: needs ../shared, says "not run" without it
    run_script picker tests/picker_test.py "$b/wxingest"
    # 30 real articles with every date labelled by hand (tests/dates/)
    run_script dates tests/dates_test.py "$b/wxingest"
    # bad-input matrix, regex worst cases, no file/network access, fuzz
    # regressions
    run_script robust tests/test_robust.py "$b"
    # hostile shapes (linear CPU time), symlinked temp names, odd paths
    run_script hostile tests/hostile_test.py "$b/wxingest"
done
# the ordered thread pool under ThreadSanitizer (make check builds it)
unset WX_SANITIZER_PASS
if [ -x build-tsan/wxingest ]; then
    echo "== build: build-tsan"
    run_script tsan tests/tsan_test.py build-tsan/wxingest
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
