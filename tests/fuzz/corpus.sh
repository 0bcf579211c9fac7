#!/bin/sh
# SPDX-License-Identifier: ISC
# Replay the seed corpora through the fuzz harnesses (make check).  With
# --enable-fuzzing the harnesses are libFuzzer binaries: -runs=0 makes
# them replay the directory and exit; the plain driver ignores the flag.
: "${top_builddir:=.}"
: "${top_srcdir:=.}"

failed=0
for dir in "$top_srcdir"/tests/fuzz/corpus/*/; do
    name=$(basename "$dir")
    bin=$top_builddir/tests/fuzz/fuzz_$name
    if [ ! -x "$bin" ]; then
        echo "FAIL: $bin is not built"
        failed=1
        continue
    fi
    if [ ! -d "$dir" ]; then
        echo "FAIL: no corpus $dir"
        failed=1
        continue
    fi
    out=$("$bin" -runs=0 "$dir" 2>&1)
    rc=$?
    if [ $rc -ne 0 ]; then
        printf '%s\n' "$out"
        echo "FAIL: fuzz_$name exited $rc on $dir"
        failed=1
    else
        n=$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9]*\) inputs$/\1/p' | tail -n 1)
        echo "ok: fuzz_$name replayed ${n:-the} corpus/$name inputs"
    fi
done
# Every harness has a corpus (the test-only fuzz_ubcheck excepted).
for src in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
    name=$(basename "$src" .c); name=${name#fuzz_}
    [ "$name" = ubcheck ] && continue
    [ -d "$top_srcdir/tests/fuzz/corpus/$name" ] || { echo "FAIL: fuzz_$name has no corpus directory"; failed=1; }
    # ... and names the functions make fuzz-coverage expects it to reach.
    grep -q "^$name [a-z]" "$top_srcdir/tests/fuzz/functions.txt" ||
        { echo "FAIL: fuzz_$name has no line in tests/fuzz/functions.txt"; failed=1; }
done
exit $failed
