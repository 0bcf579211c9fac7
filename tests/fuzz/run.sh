#!/bin/sh
# SPDX-License-Identifier: ISC
# make fuzz-run SECONDS=N [RUNS=M] [FUZZERS="a b"]: run every libFuzzer
# harness (or those FUZZERS names) for N seconds in turn, or until it has
# made M executions, on a copy of its seed corpus; print executions, their
# rate, coverage and corpus growth, then merge what it found, minimised,
# back into tests/fuzz/corpus.  Every corpus directory names a harness, so
# a new harness is a new directory (and its fuzz_NAME program in
# Makefile.am).
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
secs=${1:-60}
runs=${RUNS:-}
case $secs in ''|*[!0-9]*) echo "fuzz-run: SECONDS must be a whole number" >&2; exit 2;; esac
case $runs in *[!0-9]*) echo "fuzz-run: RUNS must be a whole number" >&2; exit 2;; esac
if [ -n "${FUZZERS:-}" ]; then
    dirs=
    for name in $FUZZERS; do
        [ -d "$top_srcdir/tests/fuzz/corpus/$name" ] ||
            { echo "fuzz-run: no harness named '$name' (tests/fuzz/corpus/$name)" >&2; exit 2; }
        dirs="$dirs $top_srcdir/tests/fuzz/corpus/$name/"
    done
else
    dirs=$(ls -d "$top_srcdir"/tests/fuzz/corpus/*/)
fi
failed=0
printf '%-10s %12s %9s %6s %8s %8s %8s\n' harness execs execs/s secs cov before after
for dir in $dirs; do
    name=$(basename "$dir")
    bin=$top_builddir/tests/fuzz/fuzz_$name
    if ! "$bin" -help=1 2>&1 | grep -q 'libFuzzer'; then
        echo "fuzz-run: $bin is not a libFuzzer binary (configure --enable-fuzzing CC=clang)" >&2
        exit 2
    fi
    work=$(mktemp -d) || exit 1
    cp "$dir"* "$work"/ 2>/dev/null
    before=$(ls "$dir" | wc -l)
    t0=$(date +%s)
    # An input that runs a minute is a hang (libFuzzer's default: 20).
    "$bin" -max_total_time="$secs" ${runs:+-runs="$runs"} -timeout=60 -print_final_stats=1 \
        "$work" >"$work.log" 2>&1
    rc=$?
    took=$(( $(date +%s) - t0 ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work.log" | tail -n 1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' "$work.log" | tail -n 1)
    if [ $rc -ne 0 ]; then
        tail -n 40 "$work.log"
        echo "fuzz-run: fuzz_$name failed (exit $rc); crash inputs are in the current directory"
        failed=1
    else
        "$bin" -merge=1 "$dir" "$work" >"$work.merge" 2>&1 || { cat "$work.merge"; failed=1; }
    fi
    after=$(ls "$dir" | wc -l)
    printf '%-10s %12s %9s %6s %8s %8s %8s\n' "$name" "${execs:-?}" "${rate:-?}" "$took" \
        "${cov:-?}" "$before" "$after"
    rm -rf "$work" "$work.log" "$work.merge"
done
exit $failed
