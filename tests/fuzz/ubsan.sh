#!/bin/sh
# SPDX-License-Identifier: ISC
# Sanitized builds must stop on undefined behaviour: replay a deliberate
# signed overflow through a test-only harness and expect a failure with
# UBSan's report; a benign input must pass.  Skipped (77) in builds
# without sanitizers, where undefined behaviour is not trapped.
: "${top_builddir:=.}"
bin=$top_builddir/tests/fuzz/fuzz_ubcheck
[ "${PP_UBSAN_FATAL:-no}" = yes ] || { echo "SKIP: not a sanitized build"; exit 77; }
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
printf 'ok' > "$tmp/benign"
printf 'UB!' > "$tmp/ub"
if ! "$bin" -runs=0 "$tmp/benign" >"$tmp/out" 2>&1; then
    cat "$tmp/out"; echo "FAIL: a benign input failed"; exit 1
fi
if "$bin" -runs=0 "$tmp/ub" >"$tmp/out" 2>&1; then
    cat "$tmp/out"; echo "FAIL: undefined behaviour did not stop the run (UBSan in recover mode?)"; exit 1
fi
grep -q 'runtime error' "$tmp/out" || { cat "$tmp/out"; echo "FAIL: no UBSan report"; exit 1; }
echo "ok: undefined behaviour stops a sanitized run"
