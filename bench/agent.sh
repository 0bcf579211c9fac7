#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/agent: the agent side by side with blackbox_exporter, in the lab.
#  1. Probing 60 hosts once (TCP connect to port 443 of 10.30.0.1-60):
#     one pushprobe run against one blackbox_exporter scrape per target
#     (/probe?module=tcp_connect&target=...), CPU and wall time of each.
#  2. /metrics under load: wrk with 50 connections for 10 s against the
#     agent and against blackbox_exporter's own /metrics: requests per
#     second and p99 latency, with one wrk thread and with two.
#  3. Soak: the agent cycling every 10 ms over 20 loopback targets: RSS and
#     open descriptors after 10 runs and after 1,000.
# Needs root, the lab's tools, prometheus-blackbox-exporter, wrk, curl.
# Usage: sudo sh bench/agent.sh [BUILD_DIR]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
top_srcdir=$here
PUSHPROBE=${1:-$here}/pushprobe
export top_srcdir PUSHPROBE
. "$here/tests/lab/lab.sh"
for t in prometheus-blackbox-exporter wrk curl; do
    command -v $t >/dev/null 2>&1 || lab_skip "install $t"
done
lab_up
lab_audit_net

# 1. One run against 60 scrapes.
cat > "$LAB_TMP/bb.yml" <<'YML'
modules:
  tcp_connect:
    prober: tcp
    timeout: 2s
YML
lab_bg "$NS_C" prometheus-blackbox-exporter --config.file="$LAB_TMP/bb.yml" \
    --web.listen-address=127.0.0.1:9115
BBPID=$!
lab_wait_listen "$NS_C" 9115
cpu_of() { # PID -> utime+stime in seconds
    awk '{print ($14 + $15) / 100}' /proc/$1/stat
}
bbpid=$(ip netns pids "$NS_C" | while read p; do
    grep -q blackbox /proc/$p/cmdline 2>/dev/null && echo $p; done | head -1)
c0=$(cpu_of "$bbpid")
s=$(date +%s.%N)
for n in $(seq 1 60); do
    lab_c curl -s -o /dev/null "http://127.0.0.1:9115/probe?module=tcp_connect&target=10.30.0.$n:443" &
done
wait_jobs() { for j in $(jobs -p); do [ "$j" = "$BBPID" ] || wait "$j" 2>/dev/null; done; }
while [ "$(ip netns pids "$NS_C" | wc -l)" -gt 2 ]; do sleep 0.02; done
e=$(date +%s.%N)
c1=$(cpu_of "$bbpid")
for n in $(seq 1 60); do echo "10.30.0.$n"; done > "$LAB_TMP/t.txt"
# Ten runs, for a CPU time above the clock's resolution.
cat > "$LAB_TMP/ten.sh" <<TEN
for i in 1 2 3 4 5 6 7 8 9 10; do
    "$PUSHPROBE" --no-config --audit --csv --timeout 2 -p 443 --targets "$LAB_TMP/t.txt" > /dev/null
done
TEN
lab_c /usr/bin/time -f "%e %U %S" -o "$LAB_TMP/pp.time" sh "$LAB_TMP/ten.sh" > /dev/null 2>&1
read -r pw pu ps <<EOT
$(tail -n 1 "$LAB_TMP/pp.time")
EOT
pw=$(python3 -c "print($pw / 10)"); pu=$(python3 -c "print($pu / 10)"); ps=$(python3 -c "print($ps / 10)")
python3 - "$s" "$e" "$c0" "$c1" "$pw" "$pu" "$ps" <<'PY'
import sys
s, e, c0, c1, pw, pu, ps = map(float, sys.argv[1:])
print("1. probing 60 hosts once (TCP 443):")
print(f"   blackbox_exporter, 60 parallel scrapes: wall {e-s:.2f} s, exporter CPU {c1-c0:.3f} s "
      f"({(c1-c0)/60*1000:.2f} ms a probe)")
print(f"   pushprobe, one run of 60 checks (mean of 10): wall {pw:.3f} s, CPU {pu+ps:.3f} s "
      f"({(pu+ps)/60*1000:.2f} ms a check, process start-up included)")
PY

# 2. /metrics under load.
lab_bg "$NS_C" "$PUSHPROBE" --no-config --serve 127.0.0.1:9898 --interval 5 --timeout 2 \
    --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem"
lab_wait_listen "$NS_C" 9898
i=0
while [ $i -lt 100 ] && [ "$(lab_c curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9898/metrics)" != 200 ]; do
    sleep 0.1; i=$((i + 1))
done
# wrk -t1 leaves one of a 2-core machine's cores to the server; -t2 puts
# three busy threads on two cores, and the tail is then the scheduler's.
for t in 1 2; do
    for url in http://127.0.0.1:9898/metrics http://127.0.0.1:9115/metrics; do
        lab_c wrk -t$t -c50 -d10s --latency "$url" > "$LAB_TMP/wrk.txt" 2>&1
        rps=$(sed -n 's/^Requests\/sec: *//p' "$LAB_TMP/wrk.txt")
        p99=$(awk '$1 == "99%" {print $2}' "$LAB_TMP/wrk.txt")
        echo "2. wrk -t$t -c50 10s $url: $rps requests/s, p99 $p99"
    done
done

# 3. Soak on loopback: RSS and descriptors after 10 and 1,000 runs.
targets=""
for n in $(seq 1 20); do targets="$targets 127.0.0.$n:9"; done
lab_bg "$NS_C" "$PUSHPROBE" --no-config --profile none --serve 127.0.0.1:9899 --interval 0.01 \
    --timeout 1 $targets
lab_wait_listen "$NS_C" 9899
agent=$(ip netns pids "$NS_C" | while read p; do
    grep -q 9899 /proc/$p/cmdline 2>/dev/null && echo $p; done | head -1)
runs() { lab_c curl -s http://127.0.0.1:9899/metrics | sed -n 's/^pushprobe_runs_total //p'; }
sample() { # label: the run count, RSS, and the fewest descriptors over 10 looks (a
           # run in progress holds its sockets for a moment)
    fds=$(for i in 1 2 3 4 5 6 7 8 9 10; do ls /proc/$agent/fd | wc -l; sleep 0.01; done | sort -n | head -1)
    echo "$1 $(runs) $(awk '/^VmRSS/ {print $2}' /proc/$agent/status) $fds"
}
while [ "$(runs)" = "" ] || [ "$(runs)" -lt 10 ]; do sleep 0.05; done
sample early > "$LAB_TMP/soak"
while [ "$(runs)" -lt 1000 ]; do sleep 0.5; done
sample late >> "$LAB_TMP/soak"
python3 - "$LAB_TMP/soak" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
(_, r0, m0, f0), (_, r1, m1, f1) = rows
print(f"3. soak: after {r0} runs RSS {int(m0)/1024:.1f} MiB, {f0} descriptors; after {r1} runs "
      f"RSS {int(m1)/1024:.1f} MiB, {f1} descriptors; RSS growth {100*(int(m1)-int(m0))/int(m0):.2f}%")
PY
