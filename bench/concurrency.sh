#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/concurrency: 60 TCP checks in the lab, 20 of them silently dropped
# by the router, --timeout 2.  pushprobe runs them all at once; the way a
# help desk does it today is nc -z one target after another.  Reports wall
# time, CPU time and peak RSS of both, and the ratio.
#
# Needs root (network namespaces) and: ip nft dnsmasq socat openssl python3,
# GNU time (/usr/bin/time), nc (netcat-openbsd).
# Usage: sudo sh bench/concurrency.sh [BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
[ -x /usr/bin/time ] || lab_skip "install GNU time (apt-get install time)"
command -v nc >/dev/null || lab_skip "install nc (apt-get install netcat-openbsd)"
lab_up

# 60 fake hosts 17.1.0.1-60 behind the router; one listener answers all.
for n in $(seq 1 60); do ip -n "$NS_I" addr add 17.1.0.$n/32 dev lo; done
lab_bg "$NS_I" socat TCP4-LISTEN:8443,reuseaddr,fork,backlog=256 SYSTEM:'sleep 3'
lab_wait_listen "$NS_I" 8443
lab_fw ip daddr 17.1.0.41-17.1.0.60 tcp dport 8443 drop
targets=""
for n in $(seq 1 60); do targets="$targets 17.1.0.$n:8443"; done

T=2
measure() { # label command...
    label=$1; shift
    lab_c /usr/bin/time -f "%e %U %S %M" -o "$LAB_TMP/time" "$@" >"$LAB_TMP/out" 2>&1
    read -r wall user sys rss <<EOT
$(tail -n 1 "$LAB_TMP/time")
EOT
    cpu=$(echo "$user + $sys" | bc -l 2>/dev/null || python3 -c "print($user+$sys)")
    printf '%-28s wall %6.2f s   cpu %5.2f s   peak RSS %6.1f MiB\n' "$label" "$wall" "$cpu" \
        "$(python3 -c "print($rss/1024)")"
    echo "$wall" > "$LAB_TMP/wall.$label"
    echo "$rss" > "$LAB_TMP/rss.$label"
}

echo "60 checks, 20 dropped, timeout ${T}s"
measure pushprobe "$PUSHPROBE" --profile none --json --timeout $T $targets
python3 - "$LAB_TMP/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
st = {}
for k in d["checks"]:
    st[k["state"]] = st.get(k["state"], 0) + 1
print("  pushprobe states:", st)
PY
cat > "$LAB_TMP/nc.sh" <<NC
for t in $targets; do nc -z -w $T \${t%:*} \${t#*:} 2>/dev/null; done
NC
measure nc-loop sh "$LAB_TMP/nc.sh"
pw=$(cat "$LAB_TMP/wall.pushprobe"); nw=$(cat "$LAB_TMP/wall.nc-loop")
pr=$(cat "$LAB_TMP/rss.pushprobe")
python3 - "$pw" "$nw" "$pr" "$T" <<'PY'
import sys
pw, nw, pr, t = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
print(f"pushprobe wall / timeout = {pw/t:.2f} (target < 1.3)")
print(f"nc loop / pushprobe wall = {nw/pw:.1f}x")
print(f"pushprobe peak RSS = {pr/1024:.1f} MiB (target < 16 MiB)")
PY
