#!/bin/sh
# Run each libFuzzer target for SECONDS and print one line per target with
# the executions it ran; exit 1 when any target crashed, leaked or timed
# out (the input is kept in DIR/crashes/; copy it to tests/fuzz/regressions/).
# Usage: tests/fuzz/run.sh SECONDS DIR TARGET...   (make fuzz calls it)
set -u
secs=$1 dir=$2
shift 2
mkdir -p "$dir/crashes" "$dir/logs"
failed=0 total=0
for t in "$@"; do
    mkdir -p "$dir/corpus/$t"
    log="$dir/logs/$t.log"
    seeds="" dict=""
    [ -d "tests/fuzz/seeds/$t" ] && seeds="tests/fuzz/seeds/$t"
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # new inputs go to the first directory, build-fuzz/corpus/TARGET
    "$dir/fuzz/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=262144 \
        -print_final_stats=1 -artifact_prefix="$dir/crashes/$t-" $dict \
        "$dir/corpus/$t" $seeds >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    total=$((total + ${execs:-0}))
    if [ "$rc" -ne 0 ]; then
        failed=$((failed + 1))
        echo "fuzz: $t: FAILED (exit $rc) after ${execs:-?} executions; report:"
        grep -E 'ERROR|SUMMARY|Test unit written|runtime error' "$log" | head -n 20
        echo "fuzz: full log in $log"
    else
        echo "fuzz: $t: ${execs:-?} executions in $secs s, coverage ${cov:-?}, no crash"
    fi
done
echo "fuzz: $# targets, $total executions, $failed failed"
[ "$failed" -eq 0 ]
