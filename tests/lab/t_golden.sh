#!/bin/sh
# SPDX-License-Identifier: ISC
# Golden files: the text report of two lab scenarios, compared line by
# line with tests/data/golden/ after masking what changes from run to run
# (times, dates, days left, the clock offset, nginx's version).
# UPDATE_GOLDEN=1 rewrites the golden files instead (then review the diff).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
G=$LAB_DIR_SRC/../data/golden

mask() {
    sed -E -e 's/started [0-9T:-]+Z, ([0-9]+) checks in [0-9.]+ s/started <time>, \1 checks in <t> s/' \
        -e 's/ +[0-9]+(\.[0-9]+)? (ms|s)  / <t>  /g' \
        -e 's/-?[0-9]+ days left/<n> days left/g' \
        -e 's/clock offset [-+]?[0-9.]+ s/clock offset <o> s/g' \
        -e 's/nginx\/[0-9.]+/nginx\/<v>/g' \
        -e 's/^  Host: .*/  Host: <this machine>/' \
        -e 's/^  Proxy: .*/  Proxy: <environment>/'
}

run_text() { # NAME ARGS...
    name=$1; shift
    lab_c "$PUSHPROBE" --no-config --color never --resolver 203.0.113.53 \
        --apple-ca "$C/apple-root.pem" "$@" > "$LAB_TMP/$name.raw" 2>&1
    mask < "$LAB_TMP/$name.raw" > "$LAB_TMP/$name.txt"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$LAB_TMP/$name.txt" "$G/$name.txt"
        echo "ok: $name: golden file written"
    elif diff -u "$G/$name.txt" "$LAB_TMP/$name.txt" > "$LAB_TMP/$name.diff"; then
        echo "ok: $name: the text report matches its golden file"
    else
        echo "FAIL: $name: the text report differs from $G/$name.txt"
        cat "$LAB_TMP/$name.diff"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
}

CORP="--ca-file $C/corp-root.pem --mdm https://mdm.corp.test --sus sus.corp.test --dp https://dp.corp.test/pkgs/Tool.pkg --smb files.corp.test"
run_text healthy -4 --timeout 3 $CORP
lab_fw meta nfproto ipv4 tcp dport 5223 reject with icmp type admin-prohibited
run_text blocked-5223 -4 --timeout 3 $CORP
lab_finish
