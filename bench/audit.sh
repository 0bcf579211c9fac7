#!/bin/sh
# bench/audit: the firewall audit against nmap, side by side in one run.
#  1. The lab's 254 hosts x 12 ports (tests/lab/lab.sh lab_audit_net):
#     pushprobe --audit against nmap -sT -Pn -T4 -n --reason over the same
#     targets: every port's state compared (disagreements listed), wall
#     time, CPU time and peak RSS side by side.
#  2. The loopback limit: 10,000 closed ports on 127.0.0.1, checks per
#     second for pushprobe, nmap and a bare C loop of non-blocking connects.
# Needs root, the lab's tools, nmap, GNU time, a C compiler.
# Usage: sudo sh bench/audit.sh [BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
command -v nmap >/dev/null || lab_skip "install nmap"
[ -x /usr/bin/time ] || lab_skip "install GNU time"
lab_up
lab_audit_net
P=443,5223,8443,8000-8003,9000-9004
T=2

measure() { # OUT TIMEFILE command...
    out=$1 tf=$2; shift 2
    lab_c /usr/bin/time -f "%e %U %S %M" -o "$tf" "$@" > "$out" 2>/dev/null
}
measure "$LAB_TMP/pp.json" "$LAB_TMP/pp.time" "$PUSHPROBE" --no-config --audit --json \
    --timeout $T --parallel 1024 -p $P 10.30.0.0/24
measure "$LAB_TMP/nmap.txt" "$LAB_TMP/nmap.time" nmap -sT -Pn -T4 -n --reason -p $P \
    --max-retries 1 -oG - 10.30.0.0/24
python3 - "$LAB_TMP" <<'PY'
import json, re, sys
d = sys.argv[1]
pp = {}
for k in json.load(open(d + "/pp.json"))["checks"]:
    s = {"ok": "open", "closed": "closed"}.get(k["state"], "filtered")
    pp[(k["address"], k["port"])] = s
nm = {}
for line in open(d + "/nmap.txt"):
    m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
    if not m:
        continue
    for p in m.group(2).split(", "):
        f = p.split("/")
        if len(f) > 2 and f[0].strip().isdigit():
            nm[(m.group(1), int(f[0]))] = f[1]
# nmap does not list hosts where every port looks filtered
for key in pp:
    nm.setdefault(key, "filtered")
dis = [(k, pp[k], nm[k]) for k in sorted(pp) if pp[k] != nm.get(k)]
def t(name):
    w, u, s, r = open(d + "/" + name + ".time").read().split()[-4:]
    return float(w), float(u) + float(s), int(r) / 1024
pw, pc, pr = t("pp"); nw, nc, nr = t("nmap")
print(f"audit of 256 addresses x 12 ports ({len(pp)} checks), timeout/retries as configured")
print(f"  pushprobe: wall {pw:.2f} s, cpu {pc:.2f} s, peak RSS {pr:.1f} MiB")
print(f"  nmap -sT -T4: wall {nw:.2f} s, cpu {nc:.2f} s, peak RSS {nr:.1f} MiB")
print(f"  wall ratio pushprobe/nmap = {pw/nw:.2f} (target <= 1.0)")
print(f"  states agree on {len(pp) - len(dis)} of {len(pp)} ports; disagreements: {len(dis)}")
for k, a, b in dis[:10]:
    print(f"    {k[0]}:{k[1]} pushprobe={a} nmap={b}")
PY

# The loopback limit: closed ports on 127.0.0.1.
cc -O2 -o "$LAB_TMP/connect_loop" "$here/bench/connect_loop.c"
s=$(date +%s.%N)
"$PUSHPROBE" --no-config --audit --json --timeout 2 --parallel 128 -p 20000-29999 127.0.0.1 > "$LAB_TMP/lo.json"
e=$(date +%s.%N)
s2=$(date +%s.%N)
nmap -sT -Pn -n -T4 -p 20000-29999 127.0.0.1 -oG - > /dev/null
e2=$(date +%s.%N)
base=$("$LAB_TMP/connect_loop" 20000 29999 128)
python3 - "$s" "$e" "$s2" "$e2" "$base" <<'PY'
import sys
s, e, s2, e2, base = map(float, sys.argv[1:])
print("loopback, 10,000 closed ports, 128 at once:")
print(f"  pushprobe {10000/(e-s):.0f} checks/s, nmap {10000/(e2-s2):.0f}/s, bare C loop {base:.0f}/s")
PY
