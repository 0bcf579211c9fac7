#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/trace: the wall time of a path trace.  16 routed hops in network
# namespaces (tests/lab/chain.sh), the server at hop 16, TCP 5223 dropped
# by router 3: the trace must wait out the silence from hop 4 on, once.
#   pushprobe   --trace -t T on 17.57.144.10:5223: the run's wall time less
#               that of the same run without --trace (the check itself
#               waits T too), median of 3
#   traceroute  -T -p 5223 -q 3 -w T -m 16 (Debian's traceroute: 16 probes
#               in flight at once by default)
#   mtr         -T -P 5223 --report -c 3 -Z T -m 16 (mtr-tiny; -Z: how long
#               a TCP probe waits)
# Target: about one timeout, and not slower than either.
# Needs root, ip, nft, socat, traceroute, mtr.
# Usage: sudo sh bench/trace.sh [BUILD_DIR] [T]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
T=${2:-2}
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
. "$here/tests/lab/chain.sh"
[ "$(id -u)" = 0 ] || lab_skip "needs root (network namespaces)"
for t in ip nft socat traceroute mtr python3; do
    command -v $t >/dev/null 2>&1 || lab_skip "install $t"
done
[ -x "$PUSHPROBE" ] || { echo "no pushprobe at $PUSHPROBE"; exit 1; }
LAB_TMP=$(mktemp -d)
trap chain_down EXIT INT TERM
set --
i=1
while [ $i -le 16 ]; do
    set -- "$@" "10.100.$i fd00:100:$i::"
    i=$((i + 1))
done
chain_net "$@"
lab_bg "$NS_I" socat TCP4-LISTEN:5223,bind=17.57.144.10,reuseaddr,fork SYSTEM:'sleep 1'
lab_wait_listen "$NS_I" 5223
chain_nft 3 add rule inet hop forward tcp dport 5223 drop

now() { date +%s.%N; }
# wall CMD...: seconds the command takes.
wall() {
    s=$(now)
    "$@" > "$LAB_TMP/out" 2>&1
    e=$(now)
    echo "$s $e" | awk '{printf "%.2f", $2 - $1}'
}
median() { tr ' ' '\n' | sort -n | sed -n 2p; }

# No DNS in this lab: the hop names are asked of nobody (loopback refuses).
pp="lab_c $PUSHPROBE --no-config --profile none --no-tui --json --resolver 127.0.0.1 -t $T 17.57.144.10:5223"
with="" without=""
for k in 1 2 3; do
    with="$with $(wall $pp --trace)"
    cp "$LAB_TMP/out" "$LAB_TMP/pp.json"
    without="$without $(wall $pp)"
done
w=$(echo $with | median)
wo=$(echo $without | median)
end=$(python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["checks"][0]["path"]; print(p["end"], "after hop", p["end_hop"], p["end_address"])' "$LAB_TMP/pp.json")
tr=$(wall lab_c traceroute -n -T -p 5223 -q 3 -w "$T" -m 16 17.57.144.10)
grep -q '^ 3  10.100.3.1' "$LAB_TMP/out" || { echo "traceroute saw another path:"; cat "$LAB_TMP/out"; }
mt=$(wall lab_c mtr -n -T -P 5223 --report -c 3 -Z "$T" -m 16 17.57.144.10)
grep -q '3.|-- 10.100.3.1' "$LAB_TMP/out" || { echo "mtr saw another path:"; cat "$LAB_TMP/out"; }

echo "16 hops, TCP 5223 dropped at hop 3, timeout T = $T s"
echo "pushprobe: $end"
printf '  %-34s %6s s\n' "pushprobe trace (run - run alone)" \
    "$(echo "$w $wo" | awk '{printf "%.2f", $1 - $2}')"
printf '  %-34s %6s s  (%s)\n' "  pushprobe run with --trace" "$w" "median of:$with"
printf '  %-34s %6s s  (%s)\n' "  pushprobe run without" "$wo" "median of:$without"
printf '  %-34s %6s s\n' "traceroute -T -q 3 -w T" "$tr"
printf '  %-34s %6s s\n' "mtr -T --report -c 3 -Z T" "$mt"
