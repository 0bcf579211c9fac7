#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/audit: the firewall audit against nmap -sT -T4 and a bare C loop of
# non-blocking connects, side by side in one run.  Each figure is the median
# of REPEAT runs (default 5; the machine may be shared), run alternately.
#  1. Loopback, 10,000 and 60,000 closed ports on 127.0.0.1 (in a network
#     namespace of its own, so nothing else listens): checks per second of
#     pushprobe, nmap and bench/connect_loop.c, and peak RSS.
#  2. Memory at scale: 131,072, 524,288 and 1,048,576 checks (loopback
#     127.0.0.0/19, /17, /16 x 16 ports) with --csv and --jsonl both
#     written: peak RSS.
#  3. The lab's mostly silent /20 (tests/lab/lab.sh lab_audit_wide, 4,096
#     addresses x 4 ports) with the default adaptive timeout against nmap
#     -sT -T4 on the same targets: every port's state compared, wall time.
#  4. The lab's 254 hosts x 12 ports (lab_audit_net), as 3.
# Needs root, the lab's tools, nmap, GNU time, a C compiler.  Build
# pushprobe for it in a directory of its own with CFLAGS=-O2.
# Usage: sudo sh bench/audit.sh [BUILD_DIR]   (REPEAT=N, SKIP_MEMORY=1, SKIP_LAB=1)
# BASELINE=/path/to/an/older/pushprobe adds its figures ("before") to 1, 2
# and 3 (CSV on standard output, the fixed 2 s timeout in 3).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=$(cd "${1:-$here}" && pwd)/pushprobe
export top_srcdir PUSHPROBE
REPEAT=${REPEAT:-5}
. "$here/tests/lab/lab.sh"
command -v nmap >/dev/null || lab_skip "install nmap (contrib/debian-deps.sh --bench)"
[ -x /usr/bin/time ] || lab_skip "install GNU time"
lab_up
R=$LAB_TMP/results
: > "$R"
cc -O2 -o "$LAB_TMP/connect_loop" "$here/bench/connect_loop.c"

# One line per run into $R: KIND SIZE WALL_S PEAK_KIB USER_S SYS_S [RATE]
lo() { # ARGS run in a namespace with only loopback
    unshare -n sh -c 'ip link set lo up; exec "$@"' sh "$@"
}
timed() { # KIND SIZE command...
    kind=$1 size=$2; shift 2
    lo /usr/bin/time -f "%e %M %U %S" -o "$LAB_TMP/t" "$@" > "$LAB_TMP/out" 2>&1
    echo "$kind $size $(tail -1 "$LAB_TMP/t")" >> "$R"
}

# 1. Loopback.
for n in 10000 60000; do
    hi=$((20000 + n - 1))
    [ $n -eq 60000 ] && hi=$((1025 + n - 1))
    lo_p=$((hi - n + 1))
    i=0
    while [ $i -lt "$REPEAT" ]; do
        timed pushprobe $n "$PUSHPROBE" --no-config --audit --csv --parallel 128 -p $lo_p-$hi 127.0.0.1
        [ -n "${BASELINE:-}" ] &&
            timed before $n "$BASELINE" --no-config --audit --csv --parallel 128 -p $lo_p-$hi 127.0.0.1
        timed nmap $n nmap -sT -Pn -n -T4 -p $lo_p-$hi 127.0.0.1 -oG -
        timed bare $n "$LAB_TMP/connect_loop" $lo_p $hi 128
        sed -i "\$s/\$/ $(cat "$LAB_TMP/out")/" "$R"
        i=$((i + 1))
    done
done

# 2. Memory at scale.
if [ -z "${SKIP_MEMORY:-}" ]; then
    for b in 19 17 16; do
        timed memory $((65536 * 16 >> (b - 16))) "$PUSHPROBE" --no-config --audit \
            --parallel 256 -p 1-16 127.0.0.0/$b --csv="$LAB_TMP/m.csv" --jsonl="$LAB_TMP/m.jsonl"
        echo "rows $((65536 * 16 >> (b - 16))) $(($(wc -l < "$LAB_TMP/m.csv") - 1)) $(grep -c '"type":"check"' "$LAB_TMP/m.jsonl")" >> "$R"
        rm -f "$LAB_TMP/m.csv" "$LAB_TMP/m.jsonl"
        [ -n "${BASELINE:-}" ] && timed before-memory $((65536 * 16 >> (b - 16))) "$BASELINE" \
            --no-config --audit --parallel 256 -p 1-16 127.0.0.0/$b --csv
    done
fi

# 3 and 4. The lab: same targets, states compared on every port.
if [ -z "${SKIP_LAB:-}" ]; then
lab_audit_net
lab_audit_wide
compare() { # NAME NMAP_RUNS PORTS TARGET
    name=$1 nruns=$2 ports=$3 target=$4
    i=0
    while [ $i -lt "$REPEAT" ]; do
        lab_c /usr/bin/time -f "%e %M %U %S" -o "$LAB_TMP/t" "$PUSHPROBE" --no-config --audit \
            --parallel 1024 -p "$ports" "$target" --jsonl > "$LAB_TMP/$name.pp.$i" 2>/dev/null
        echo "lab-pp $name $(tail -1 "$LAB_TMP/t")" >> "$R"
        if [ $i -lt "$nruns" ]; then
            lab_c /usr/bin/time -f "%e %M %U %S" -o "$LAB_TMP/t" nmap -sT -Pn -n -T4 --reason \
                -p "$ports" -oG - "$target" > "$LAB_TMP/$name.nmap.$i" 2>/dev/null
            echo "lab-nmap $name $(tail -1 "$LAB_TMP/t")" >> "$R"
        fi
        i=$((i + 1))
    done
    echo "nruns $name $nruns" >> "$R"
}
# nmap takes minutes on the /20: once (NMAP_WIDE_RUNS), pushprobe REPEAT times.
compare wide "${NMAP_WIDE_RUNS:-1}" 22,443,3389,8080 10.40.0.0/20
if [ -n "${BASELINE:-}" ]; then
    lab_c /usr/bin/time -f "%e %M %U %S" -o "$LAB_TMP/t" "$BASELINE" --no-config --audit \
        --timeout 2 --parallel 1024 -p 22,443,3389,8080 10.40.0.0/20 --csv > "$LAB_TMP/wide.before" 2>/dev/null
    echo "lab-before wide $(tail -1 "$LAB_TMP/t")" >> "$R"
fi
compare net "$REPEAT" 443,5223,8443,8000-8003,9000-9004 10.30.0.0/24
fi

python3 - "$LAB_TMP" "$REPEAT" <<'PY'
import json, re, statistics as st, sys
d, rep = sys.argv[1], int(sys.argv[2])
rows = [l.split() for l in open(d + "/results")]
def med(kind, size, col):
    v = [float(r[col]) for r in rows if r[0] == kind and r[1] == str(size)]
    return st.median(v) if v else float("nan")
def cpu_rate(kind, n):   # checks per CPU second (user + system): steadier on a shared machine
    v = [n / (float(r[4]) + float(r[5])) for r in rows if r[0] == kind and r[1] == str(n)
         and float(r[4]) + float(r[5]) > 0]
    return st.median(v) if v else float("nan")
print(f"medians of {rep} runs")
print("1. loopback, closed ports, 128 at once (checks/s; peak RSS)")
for n in (10000, 60000):
    pp, nm = n / med("pushprobe", n, 2), n / med("nmap", n, 2)
    bare = med("bare", n, 6)
    print(f"  {n:6d} ports: pushprobe {pp:7.0f}/s {med('pushprobe', n, 3)/1024:5.1f} MiB | "
          f"nmap {nm:7.0f}/s {med('nmap', n, 3)/1024:5.1f} MiB | bare loop {bare:7.0f}/s (its own clock)")
    print(f"                 pushprobe/nmap {pp/nm:.2f} (target >= 1.2), pushprobe/bare {pp/bare:.2f} (target >= 0.8)")
    cp, cn, cb = cpu_rate("pushprobe", n), cpu_rate("nmap", n), cpu_rate("bare", n)
    print(f"                 per CPU second: pushprobe {cp:7.0f}, nmap {cn:7.0f}, bare loop {cb:7.0f} "
          f"(pushprobe/nmap {cp/cn:.2f}, pushprobe/bare {cp/cb:.2f})")
    if any(r[0] == "before" for r in rows):
        b = n / med("before", n, 2)
        print(f"                 before: {b:7.0f}/s {med('before', n, 3)/1024:5.1f} MiB, "
              f"{cpu_rate('before', n):7.0f} per CPU second")
mem = [r for r in rows if r[0] == "memory"]
if mem:
    print("2. memory at scale (--csv and --jsonl written)")
    for r in mem:
        rr = [x for x in rows if x[0] == "rows" and x[1] == r[1]][0]
        print(f"  {int(r[1]):8d} checks: peak RSS {int(r[3])/1024:5.1f} MiB, wall {float(r[2]):6.1f} s, "
              f"{rr[2]} CSV rows, {rr[3]} JSON Lines checks")
        bm = [x for x in rows if x[0] == "before-memory" and x[1] == r[1]]
        if bm:
            print(f"                  before (CSV only): peak RSS {int(bm[0][3])/1024:6.1f} MiB, wall {float(bm[0][2]):6.1f} s")
def states_pp(path):
    out = {}
    for line in open(path):
        o = json.loads(line)
        if o["type"] == "check":
            out[(o["address"], o["port"])] = {"ok": "open", "closed": "closed"}.get(o["state"], "filtered")
    return out
def states_nmap(path, keys):
    out = {}
    for line in open(path):
        m = re.match(r"Host: (\S+) .*Ports: (.*)", line)
        if not m:
            continue
        for p in m.group(2).split(", "):
            f = p.split("/")
            if len(f) > 2 and f[0].strip().isdigit():
                out[(m.group(1), int(f[0]))] = f[1]
    for k in keys:   # nmap does not list hosts where every port looks filtered
        out.setdefault(k, "filtered")
    return out
for i, (name, title) in enumerate((("wide", "the mostly silent /20, 4,096 addresses x 4 ports"),
                                   ("net", "254 hosts x 12 ports"))):
    if not any(r[0] == "lab-pp" and r[1] == name for r in rows):
        continue
    print(f"{3 + i}. lab: {title}, pushprobe --timeout auto (default) vs nmap -sT -T4")
    dis_total = 0
    nruns = int([r for r in rows if r[0] == "nruns" and r[1] == name][0][2])
    # Every pushprobe run against every nmap run.
    for k in range(rep):
        pp = states_pp(f"{d}/{name}.pp.{k}")
        for j in range(nruns):
            nm = states_nmap(f"{d}/{name}.nmap.{j}", pp)
            dis = [(x, pp[x], nm[x]) for x in sorted(pp) if pp[x] != nm.get(x)]
            dis_total += len(dis)
            for x in dis[:5]:
                print(f"    pushprobe run {k}, nmap run {j}: {x[0][0]}:{x[0][1]} pushprobe={x[1]} nmap={x[2]}")
    pw, nw = med("lab-pp", name, 2), med("lab-nmap", name, 2)
    counts = {}
    for v in pp.values():
        counts[v] = counts.get(v, 0) + 1
    cpu = lambda kind: st.median([float(r[4]) + float(r[5]) for r in rows if r[0] == kind and r[1] == name])
    print(f"  {len(pp)} checks {counts}; disagreements ({rep} pushprobe x {nruns} nmap runs): {dis_total}")
    print(f"  pushprobe wall {pw:.2f} s cpu {cpu('lab-pp'):.2f} s {med('lab-pp', name, 3)/1024:.1f} MiB | "
          f"nmap wall {nw:.2f} s cpu {cpu('lab-nmap'):.2f} s {med('lab-nmap', name, 3)/1024:.1f} MiB | "
          f"ratio {pw/nw:.2f} (target <= 0.8)")
    bw = [r for r in rows if r[0] == "lab-before" and r[1] == name]
    if bw:
        print(f"  before (fixed 2 s): wall {float(bw[0][2]):.2f} s {int(bw[0][3])/1024:.1f} MiB")
PY
