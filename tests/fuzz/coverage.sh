#!/bin/sh
# SPDX-License-Identifier: ISC
# make fuzz-coverage [FUZZERS="a b"]: replay each harness's corpus with
# libFuzzer's -print_coverage=1 and print what it reaches of the project
# (outside tests/: the functions reached, and the edges reached of those
# functions' edges), then check that it reaches every function
# tests/fuzz/functions.txt names for it.  Needs --enable-fuzzing.
: "${top_builddir:=.}"
: "${top_srcdir:=.}"
table=$top_srcdir/tests/fuzz/functions.txt
failed=0
names=${FUZZERS:-$(ls "$top_srcdir"/tests/fuzz/corpus)}
printf '%-10s %6s %13s  %s\n' harness funcs edges named
for name in $names; do
    bin=$top_builddir/tests/fuzz/fuzz_$name
    if ! "$bin" -help=1 2>&1 | grep -q 'libFuzzer'; then
        echo "fuzz-coverage: $bin is not a libFuzzer binary (configure --enable-fuzzing CC=clang)" >&2
        exit 2
    fi
    want=$(sed -n "s/^$name //p" "$table")
    [ -n "$want" ] || { echo "fuzz-coverage: $name has no line in $table"; failed=1; continue; }
    out=$(mktemp) || exit 1
    "$bin" -runs=0 -print_coverage=1 "$top_srcdir/tests/fuzz/corpus/$name" 2>&1 |
        grep '^COVERED_FUNC:' | grep -v '/tests/' >"$out"
    funcs=$(wc -l <"$out")
    edges=$(awk '{ split($5, e, "/"); a += e[1]; b += e[2] } END { printf "%d/%d", a, b }' "$out")
    missing=
    for f in $want; do
        awk -v f="$f" '$6 == f { found = 1 } END { exit !found }' "$out" || missing="$missing $f"
    done
    if [ -n "$missing" ]; then
        printf '%-10s %6s %13s  NOT REACHED:%s\n' "$name" "$funcs" "$edges" "$missing"
        failed=1
    else
        printf '%-10s %6s %13s  all %s reached\n' "$name" "$funcs" "$edges" "$(echo $want | wc -w)"
    fi
    rm -f "$out"
done
exit $failed
