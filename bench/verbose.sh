#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/verbose: what -v and -vv cost on a full lab run (the Apple profile
# plus an MDM, a SUS, two distribution points, SMB and AFP, as
# bench/services.sh): the best and the median wall time of N runs each
# without -v, with -v and with -vv (standard error to a file), and the
# step lines written.  The instruction count with -v off is measured apart
# (valgrind --tool=callgrind on a loopback audit, see NEWS).
# Needs root and the lab's tools.  Usage: sudo sh bench/verbose.sh [BUILD_DIR] [N]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
N=${2:-7}
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
ARGS="--timeout 3 --ca-file $C/corp-root.pem --mdm https://mdm.corp.test --sus sus.corp.test \
--dp https://dp.corp.test/pkgs/Tool.pkg --dp https://dp.corp.test/private/x.pkg \
--smb files.corp.test --afp files.corp.test"

# Interleaved (off, -v, -vv, off, ...) so that the lab's drift falls on
# all three alike.
: > "$LAB_TMP/times"
i=0
while [ $i -lt "$N" ]; do
    for v in off -v -vv; do
        f=$v
        [ "$v" = off ] && f=""
        s=$(date +%s.%N)
        lab_c "$PUSHPROBE" --json --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" \
            $f $ARGS > "$LAB_TMP/pp.json" 2> "$LAB_TMP/pp$v.err"
        e=$(date +%s.%N)
        python3 -c "import json; print('$v', $e - $s, json.load(open('$LAB_TMP/pp.json'))['duration_ms'])" \
            >> "$LAB_TMP/times"
    done
    i=$((i + 1))
done
for v in off -v -vv; do
    python3 - "$LAB_TMP/times" "$v" "$(grep -c '^\* \[' "$LAB_TMP/pp$v.err")" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split()[0] == sys.argv[2]]
w = sorted(float(r[1]) for r in rows)
d = sorted(float(r[2]) for r in rows)
print("%-4s %d runs: wall best %.3f s, median %.3f s; the run's own duration median %.1f ms; "
      "%s step lines" % (sys.argv[2], len(w), w[0], statistics.median(w), statistics.median(d),
                         sys.argv[3]))
PY
done
