#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/services: a full run of the default Apple profile plus an MDM, a
# SUS, two distribution points, SMB and AFP, in the lab, against the way a
# help desk does it today: nc -z, openssl s_client and curl one after
# another over the same targets.  Reports both wall times, the ratio, and
# pushprobe's wall time against its slowest single check.
#
# Needs root and the lab's tools, plus curl and nc (netcat-openbsd).
# Usage: sudo sh bench/services.sh [BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
command -v curl >/dev/null || lab_skip "install curl"
command -v nc >/dev/null || lab_skip "install nc (netcat-openbsd)"
lab_up
lab_corp
C=$LAB_TMP/certs
T=3
ARGS="--timeout $T --ca-file $C/corp-root.pem --mdm https://mdm.corp.test --sus sus.corp.test \
--dp https://dp.corp.test/pkgs/Tool.pkg --dp https://dp.corp.test/private/x.pkg \
--smb files.corp.test --afp files.corp.test"

# pushprobe: best of three runs.
best=""
for i in 1 2 3; do
    s=$(date +%s.%N)
    lab_c "$PUSHPROBE" --json --resolver 203.0.113.53 --apple-ca "$C/apple-root.pem" $ARGS \
        > "$LAB_TMP/pp.json" 2>/dev/null
    e=$(date +%s.%N)
    w=$(python3 -c "print($e - $s)")
    best=$(python3 -c "print(min(float('${best:-1e9}'), $w))")
done
python3 - "$LAB_TMP/pp.json" "$best" > "$LAB_TMP/pp.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ks = d["checks"]
slow = max(ks, key=lambda k: k["timings_ms"]["total"] or 0)
print(len(ks), slow["timings_ms"]["total"] / 1000.0, slow["id"], float(sys.argv[2]))
PY
read -r n slowest slowid pw < "$LAB_TMP/pp.txt"

# The sequential way, over the same hosts and ports (one family).
cat > "$LAB_TMP/seq.sh" <<SEQ
R="--resolve"
for hp in courier.push.apple.com:5223 1-courier.push.apple.com:5223 20-courier.push.apple.com:5223 \
    40-courier.push.apple.com:5223 courier.push.apple.com:443 1-courier.push.apple.com:443 \
    gateway.push.apple.com:2195 feedback.push.apple.com:2196 albert.apple.com:443 \
    deviceenrollment.apple.com:443 iprofiles.apple.com:443 mdmenrollment.apple.com:443 \
    identity.apple.com:443 vpp.itunes.apple.com:443 gdmf.apple.com:443 valid.apple.com:443; do
    timeout $T openssl s_client -connect \$hp -servername \${hp%:*} -CAfile $C/apple-root.pem \
        </dev/null >/dev/null 2>&1
done
for hp in mesu.apple.com:443 swscan.apple.com:443 swcdn.apple.com:443 updates.cdn-apple.com:443 \
    ocsp.apple.com:80 crl.apple.com:80 files.corp.test:445 files.corp.test:548; do
    nc -z -w $T \${hp%:*} \${hp#*:} >/dev/null 2>&1
done
for u in https://api.push.apple.com/3/device/00 https://api.push.apple.com:2197/3/device/00 \
    http://captive.apple.com/hotspot-detect.html https://mdm.corp.test:8443/healthCheck.html \
    http://sus.corp.test:8088/index.sucatalog https://dp.corp.test/pkgs/Tool.pkg \
    https://dp.corp.test/private/x.pkg; do
    curl -s -o /dev/null -m $T --cacert $C/corp-root.pem --http2 -X GET \$u
done
SEQ
# The sequential tools need the lab's DNS: give the client a resolv.conf.
mkdir -p /etc/netns/$NS_C
echo "nameserver 203.0.113.53" > /etc/netns/$NS_C/resolv.conf
s=$(date +%s.%N)
lab_c sh "$LAB_TMP/seq.sh"
e=$(date +%s.%N)
rm -rf /etc/netns/$NS_C
sw=$(python3 -c "print($e - $s)")
python3 - "$pw" "$sw" "$slowest" "$n" "$slowid" <<'PY'
import sys
pw, sw, slow, n, sid = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"pushprobe: {n} checks (both families) in {pw:.3f} s (best of 3)")
print(f"sequential nc/openssl/curl over the same hosts (one family): {sw:.3f} s")
print(f"speed-up: {sw/pw:.1f}x (target >= 10x)")
print(f"slowest single check: {slow:.3f} s ({sid}); pushprobe wall / slowest = {pw/slow:.2f} (target <= 1.2)")
PY
