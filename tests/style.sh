#!/bin/sh
# SPDX-License-Identifier: ISC
# The written style, checked by a machine (see STYLE in README.md):
# 4-space indents and no tabs, lines of at most 100 columns, no trailing
# white space, only /* */ comments, none of the banned functions, and the
# licence's SPDX line at the top of every source file and script.
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 1
fail=0
files=$(ls src/*/*.c src/*/*.h probes/*.c probes/*.h ui/*.c ui/*.h tests/unit/*.c tests/fuzz/*.c 2>/dev/null)
report() {
    echo "FAIL: $1"
    echo "$2" | head -10
    fail=1
}
out=$(grep -n "$(printf '\t')" $files) && report "tabs" "$out"
out=$(grep -n '[[:space:]]$' $files) && report "trailing white space" "$out"
out=$(awk 'length($0) > 100 { print FILENAME ":" FNR ": " length($0) " columns" }' $files) && [ -n "$out" ] && report "lines over 100 columns" "$out"
out=$(grep -n '^[^"]*//' $files | grep -v '://') && report "// comments" "$out"
out=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets|atoi|atol|strtok|tmpnam)[[:space:]]*\(' $files) && report "banned functions" "$out"
out=$(for f in $files $(ls tests/*.sh tests/lab/*.sh tests/fuzz/*.sh bench/*.sh bench/*.c \
        contrib/*.sh .ci/* 2>/dev/null); do
    head -n 3 "$f" | grep -q 'SPDX-License-Identifier: ISC' || echo "$f"; done)
[ -n "$out" ] && report "files without the SPDX line (SPDX-License-Identifier: ISC)" "$out"
[ $fail = 0 ] && echo "ok: style of $(echo $files | wc -w) files"
exit $fail
