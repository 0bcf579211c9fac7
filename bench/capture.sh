#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/capture: pushprobe --read on a large saved capture, against tcpdump
# reading the same file (tcpdump -n -r FILE -w /dev/null: reading alone) and
# tshark summing up its TCP conversations (tshark -n -r FILE -q -z conv,tcp),
# in one run.
#  1. bench/gencap.c writes a synthetic capture of PACKETS packets (default
#     2,000,000, about 1 GB) and one of half as many: TCP flows with
#     handshakes, TLS and FIN closes, APNs courier flows, unanswered SYNs,
#     refusals, resets, ICMP errors, DNS, IPv6; at most 2,000 flows open at
#     once.  The packet count is checked with capinfos.
#  2. Each tool reads the big file three times: best wall time, its user +
#     system CPU time and the peak RSS (GNU time), packets per second.
#     pushprobe runs with --filter '' (no BPF filter: it sees every packet,
#     as tcpdump does), with --json to /dev/null; the text report and the
#     default filter are timed once each.
#  3. Targets (issue 6): pushprobe's rate >= 0.5x tcpdump's and >= 10x
#     tshark's; peak RSS bound to flows, not packets: pushprobe's RSS on the
#     half-size file against the full one, and again with --flows-max 16384
#     (the table full at both sizes).
#     The big file is also rewritten as pcapng (editcap -F pcapng) and read
#     three times by pushprobe (its own pcapng reader, issue 17) and by
#     tcpdump (libpcap's), and gzip-compressed (gzip -1) and read once.
#  4. Sanity: pushprobe's JSON against what gencap says it wrote (packets,
#     flows, outcomes by service, push devices, DNS); tshark's conversation
#     count against gencap's TCP flows.  Exit 1 when any of them differ.
# The files sit in the page cache (they were just written): this measures
# decoding and analysis, not the disk.  Needs a C compiler, tcpdump, tshark,
# capinfos, GNU time, python3, and a release build of pushprobe:
#   mkdir /tmp/rel && cd /tmp/rel && /work/main/configure CFLAGS=-O2 && make -j2
# Usage: sh bench/capture.sh BUILD_DIR [PACKETS]     (KEEP=1 keeps the files)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
die() {
    echo "capture.sh: $*" >&2
    exit 1
}
[ $# -ge 1 ] || die "usage: sh bench/capture.sh BUILD_DIR [PACKETS]"
B=$(cd "$1" 2>/dev/null && pwd) || die "no build directory $1"
N=${2:-2000000}
case $N in
    ''|*[!0-9]*) die "PACKETS: want a number, got '$N'" ;;
esac
[ "$N" -ge 1000 ] || die "PACKETS: at least 1000"
H=$((N / 2))
PP=$B/pushprobe
for t in cc tcpdump tshark python3 editcap gzip; do
    command -v $t >/dev/null || die "needs $t"
done
if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        die "needs GNU time (/usr/bin/time)"
    fi
    echo "installing GNU time (apt-get install -y time)"
    apt-get install -y time >/dev/null
fi
if [ ! -x "$PP" ]; then
    die "no $PP: configure a release build, e.g.
  mkdir /tmp/rel && cd /tmp/rel && $here/configure CFLAGS=-O2 && make -j2"
fi
if grep -q -e '-fsanitize' -e '--enable-debug' "$B/config.log" 2>/dev/null; then
    echo "capture.sh: WARNING: $B is a debug build; its figures mean nothing" >&2
fi
if [ -n "$(find "$here/src" "$here/ui" "$here/probes" -name '*.[ch]' -newer "$PP" | head -1)" ]
then
    echo "$PP is older than the sources: make -j2 in $B"
    (cd "$B" && make -j2 >/dev/null) || die "make -j2 in $B failed"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ppcap.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
    trap 'echo "files kept in $T"' EXIT
else
    trap 'rm -rf "$T"' EXIT
fi
trap 'exit 130' INT TERM

echo "== capture benchmark: $N packets, $(nproc) CPUs, $(uname -r)"
echo "   $("$PP" --version 2>&1 | head -1) ($PP)"
echo "   $(tcpdump --version 2>&1 | head -1); $(tshark -v 2>/dev/null | head -1)"

cc -O2 -o "$T/gencap" "$here/bench/gencap.c"
for n in $N $H; do
    s=$(date +%s.%N)
    "$T/gencap" "$n" "$T/cap$n.pcap" 2> "$T/gencap$n.txt"
    e=$(date +%s.%N)
    echo "generated $T/cap$n.pcap: $(wc -c < "$T/cap$n.pcap" | tr -d ' ') bytes in" \
        "$(python3 -c "print(f'{$e - $s:.1f}')") s"
    if command -v capinfos >/dev/null; then
        got=$(capinfos -c -M "$T/cap$n.pcap" | awk '/Number of packets/ {print $NF}')
    else
        got=$(tcpdump -n -r "$T/cap$n.pcap" 2>/dev/null | wc -l)
    fi
    [ "$got" = "$n" ] || die "$T/cap$n.pcap holds $got packets, not $n"
    echo "  capinfos: $got packets, as asked"
done
sed -n 's/^gencap: //p' "$T/gencap$N.txt" | grep -v '^expect' | sed 's/^/  /'

# measure NAME LABEL RUNS OUT ALLOWED_EXIT command...: GNU time's "wall
# user sys maxrss_kb" of each run, one line a run, in $T/NAME.times.
measure() {
    name=$1 label=$2 runs=$3 out=$4 ok=$5
    shift 5
    : > "$T/$name.times"
    i=0
    while [ $i -lt "$runs" ]; do
        rc=0
        /usr/bin/time -f "%e %U %S %M" -o "$T/$name.t" "$@" > "$out" 2> "$T/$name.err" || rc=$?
        if [ $rc != 0 ] && [ $rc != "$ok" ]; then
            cat "$T/$name.err" >&2
            die "$name: exit status $rc"
        fi
        tail -n 1 "$T/$name.t" >> "$T/$name.times"
        i=$((i + 1))
    done
    echo "  $label: $(awk '{ printf "%s%ss", (NR > 1 ? ", " : ""), $1 }' "$T/$name.times")"
}
F=$T/cap$N.pcap
G=$T/cap$H.pcap
echo "timing (wall time of each run):"
# pushprobe exits 1 when the capture shows a failure, as this one does
# (4 when it shows only warnings).
measure pp "pushprobe --json, $N" 3 /dev/null 1 \
    "$PP" --no-config --read "$F" --filter '' --json
measure tcpdump "tcpdump -w /dev/null, $N" 3 /dev/null 0 tcpdump -n -r "$F" -w /dev/null
measure tshark "tshark -z conv,tcp, $N" 3 "$T/conv.txt" 0 tshark -n -r "$F" -q -z conv,tcp
measure pp_text "pushprobe text, $N" 1 "$T/pp.txt" 1 "$PP" --no-config --read "$F" --filter ''
measure pp_deffilter "pushprobe --json default filter, $N" 1 /dev/null 1 \
    "$PP" --no-config --read "$F" --json
measure pp_half "pushprobe --json, $H" 3 /dev/null 1 \
    "$PP" --no-config --read "$G" --filter '' --json
measure pp_cap16k "pushprobe --json --flows-max 16384, $N" 1 /dev/null 1 \
    "$PP" --no-config --read "$F" --filter '' --json --flows-max 16384
measure pp_cap16k_half "pushprobe --json --flows-max 16384, $H" 1 /dev/null 1 \
    "$PP" --no-config --read "$G" --filter '' --json --flows-max 16384
editcap -F pcapng "$F" "$T/cap$N.pcapng"
measure pp_ng "pushprobe --json pcapng, $N" 3 /dev/null 1 \
    "$PP" --no-config --read "$T/cap$N.pcapng" --filter '' --json
measure tcpdump_ng "tcpdump -w /dev/null pcapng, $N" 3 /dev/null 0 \
    tcpdump -n -r "$T/cap$N.pcapng" -w /dev/null
rm -f "$T/cap$N.pcapng"
gzip -1 -c "$F" > "$T/cap$N.pcap.gz"
measure pp_gz "pushprobe --json gzip pcap, $N" 1 /dev/null 1 \
    "$PP" --no-config --read "$T/cap$N.pcap.gz" --filter '' --json
rc=0
"$PP" --no-config --read "$T/cap$N.pcap.gz" --filter '' --json > "$T/pp_gz.json" 2>/dev/null || rc=$?
[ $rc -le 1 ] || [ $rc = 4 ] || die "pushprobe --json on the gzip file: exit status $rc"
rm -f "$T/cap$N.pcap.gz"
rc=0
"$PP" --no-config --read "$F" --filter '' --json > "$T/pp.json" 2>/dev/null || rc=$?
"$PP" --no-config --read "$G" --filter '' --json > "$T/pp_half.json" 2>/dev/null || true
[ $rc -le 1 ] || [ $rc = 4 ] || die "pushprobe --json: exit status $rc"

python3 - "$T" "$N" "$H" <<'PY'
import json, re, sys
d, n, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def runs(name):
    return [tuple(float(x) for x in l.split()) for l in open(f"{d}/{name}.times")]

def best(name):
    r = runs(name)
    w = min(r, key=lambda x: x[0])
    return w[0], w[1] + w[2], max(x[3] for x in r) / 1024

print()
print(f"{'':24} {'best wall':>9} {'cpu':>7} {'peak RSS':>10} {'packets/s':>11}")
rows = [("pp", "pushprobe --json", n), ("pp_text", "pushprobe (text)", n),
        ("pp_deffilter", "pushprobe default filter", n), ("tcpdump", "tcpdump -w /dev/null", n),
        ("tshark", "tshark -z conv,tcp", n), ("pp_ng", "pushprobe pcapng", n),
        ("tcpdump_ng", "tcpdump pcapng", n), ("pp_gz", "pushprobe gzip pcap", n)]
fig = {}
for key, label, pk in rows:
    w, c, r = best(key)
    fig[key] = (w, c, r)
    print(f"{label:24} {w:8.2f}s {c:6.2f}s {r:8.1f} MB {pk / w:11,.0f}")
ppw, tdw, tsw = fig["pp"][0], fig["tcpdump"][0], fig["tshark"][0]
r1, r2 = tdw / ppw, tsw / ppw
print()
print(f"pushprobe rate / tcpdump rate = {r1:.2f}  (target >= 0.5: "
      f"{'met' if r1 >= 0.5 else 'MISSED'})")
print(f"pushprobe rate / tshark rate  = {r2:.1f}  (target >= 10: "
      f"{'met' if r2 >= 10 else 'MISSED'})")
print(f"pcapng: pushprobe's reader / libpcap's (tcpdump) = {fig['tcpdump_ng'][0] / fig['pp_ng'][0]:.2f}"
      f" x the rate; pcapng / pcap for pushprobe: {fig['pp_ng'][0] / ppw:.2f} x the time")
hw, hc, hr = best("pp_half")
c1, c2 = best("pp_cap16k_half")[2], best("pp_cap16k")[2]

def gencap(k, pattern):
    for line in open(f"{d}/gencap{k}.txt"):
        m = re.match("gencap: " + pattern, line)
        if m:
            return int(m.group(1))

fh, fn = gencap(h, r"expect flows_total (\d+)"), gencap(n, r"expect flows_total (\d+)")
wh, wn = gencap(h, r".*at most (\d+) open"), gencap(n, r".*at most (\d+) open")
print(f"pushprobe peak RSS: {hr:.1f} MB at {h:,} packets, {fig['pp'][2]:.1f} MB at {n:,} "
      f"(x{fig['pp'][2] / hr:.2f} for x{n / h:.0f} packets); "
      f"best wall {hw:.2f} s at {h:,} ({h / hw:,.0f} packets/s)")
kept = {}
for k, f in ((h, "pp_half.json"), (n, "pp.json")):
    doc = json.load(open(f"{d}/{f}"))
    kept[k] = (len(doc["flows"]), doc["capture"]["flows_retired"], doc["capture"]["flows_evicted"])
print(f"  flows in the table at the end (flows that ended well retire; --flows-max 65536): "
      f"{kept[h][0]:,} of {fh:,} at {h:,} ({kept[h][1]:,} retired, {kept[h][2]:,} evicted), "
      f"{kept[n][0]:,} of {fn:,} at {n:,} ({kept[n][1]:,} retired, {kept[n][2]:,} evicted); "
      f"at most {wh:,} and {wn:,} open at once")
full = "the table full at both sizes" if fh >= 16384 else "too few flows to fill the table"
print(f"  with --flows-max 16384 ({full}): {c1:.1f} MB at {h:,}, "
      f"{c2:.1f} MB at {n:,} (x{c2 / c1:.2f})")

# Sanity: pushprobe's view against what gencap wrote.
exp = {}
for line in open(f"{d}/gencap{n}.txt"):
    m = re.match(r"gencap: expect (\S+) (\d+)", line)
    if m:
        exp[m.group(1)] = int(m.group(2))
c = json.load(open(f"{d}/pp.json"))["capture"]
got = {"packets": c["packets"], "flows_total": c["flows_total"],
       "not-ip": c["decode"]["not-ip"], "icmp_errors": None}
for svc, outs in c["outcomes"].items():
    for o, v in outs.items():
        got[f"outcome.{svc}.{o}"] = v
for k in ("connections", "established", "unanswered", "failed", "syns_unanswered"):
    got[f"devices.{k}"] = sum(x[k] for x in c["push_devices"])
got["dns.queries"] = sum(x["queries"] for x in c["dns"])
got["dns.answers"] = sum(x["answers"] for x in c["dns"])
# icmp_errors is not in the JSON; the ICMP outcomes stand for it.
exp.pop("icmp_errors", None)
got.pop("icmp_errors", None)
for k in got:
    if k.startswith("outcome.") and k not in exp:
        exp[k] = 0
bad = 0
print()
print(f"sanity, pushprobe against gencap ({c['flows_evicted']:,} flows evicted from the "
      f"table, {c['decode']['malformed']} malformed, {c['icmp_unmatched']} ICMP unmatched):")
for k in sorted(exp, key=lambda k: (not k[0].isalpha(), k)):
    g = got.get(k, 0)
    ok = g == exp[k]
    bad += not ok
    print(f"  {k:40} {g:>10,} {'ok' if ok else 'DIFFERS: gencap wrote ' + format(exp[k], ',')}")
conv = 0
for line in open(f"{d}/conv.txt"):
    if re.match(r"^\S+:\d+\s+<->\s+\S+:\d+", line):
        conv += 1
tcp = exp["flows_total"] - exp.get("outcome.dns.udp", 0)
ok = conv == tcp
bad += not ok
print(f"  {'tshark TCP conversations':40} {conv:>10,} "
      f"{'ok' if ok else 'DIFFERS: gencap wrote ' + format(tcp, ',')} TCP flows")
if c["packets"] != n:
    print(f"FAIL: pushprobe counted {c['packets']:,} packets, the file holds {n:,}")
    sys.exit(1)
gz = json.load(open(f"{d}/pp_gz.json"))["capture"]
if (gz["packets"], gz["flows_total"], gz["outcomes"]) != (c["packets"], c["flows_total"], c["outcomes"]):
    print("FAIL: the gzip-compressed file gives other counts than the plain one")
    sys.exit(1)
if bad:
    print(f"FAIL: {bad} figure(s) differ from what gencap wrote")
    sys.exit(1)
PY
