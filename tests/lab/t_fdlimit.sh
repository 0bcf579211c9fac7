#!/bin/sh
# SPDX-License-Identifier: ISC
# A short descriptor table: 60 checks under `ulimit -n 16` with seven
# descriptors already taken.  Checks wait for a free descriptor instead of
# failing; none may be reported as a network state or as local-resource.
# Loopback only (127.0.0.0/8 on Linux), no root needed.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
[ "$(uname -s)" = Linux ] || lab_skip "needs all of 127.0.0.0/8 on loopback (Linux)"
command -v python3 >/dev/null 2>&1 || lab_skip "python3 is not installed"
LAB_TMP=$(mktemp -d)
trap 'kill $SRV 2>/dev/null; rm -rf "$LAB_TMP"' EXIT

# A listener on 0.0.0.0 accepts every 127.x address; it prints its port.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("0.0.0.0", 0)); s.listen(512)
print(s.getsockname()[1]); sys.stdout.flush()
conns = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])
    except OSError:
        pass
' > "$LAB_TMP/port" &
SRV=$!
i=0
while [ ! -s "$LAB_TMP/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(cat "$LAB_TMP/port")
targets=""
for n in $(seq 1 60); do targets="$targets 127.0.0.$n:$PORT"; done

J=$LAB_TMP/fd.json
PP_RC=0
# Descriptors 3-9 are taken before pushprobe starts: only a few are left.
(
    ulimit -n 16
    exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null \
         9</dev/null
    "$PUSHPROBE" --profile none --json --timeout 5 $targets
) > "$J" 2> "$J.err" || PP_RC=$?
expect_rc 0
jcheck "$J" 'len(checks) == 60' "all 60 checks reported"
jcheck "$J" 'all(k["state"] == "ok" for k in checks)' "every check ok despite the short descriptor table"
jcheck "$J" 'not any(k["reason"] == "local-resource" for k in checks)' "no check reported as local-resource"
lab_finish
