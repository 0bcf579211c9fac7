#!/bin/sh
# SPDX-License-Identifier: ISC
# bench/timing: are pushprobe's figures the network's, or the loop's queue?
#
# In a network namespace of its own (loopback only), one HTTP check to an
# nginx on 8080 is run alone, then beside 60 concurrent TLS handshakes (to a
# second nginx on 8443, 60 addresses), RUNS times each.  Reported: the HTTP
# check's median connect, first-byte and total times in both cases and their
# ratio (target: within 1 ms or 10%), and every check's connect time against
# the SYN -> SYN-ACK time tcpdump saw for the same connection in the same
# runs (target: within 1 ms at the median).  Not a test: figures only.
#
# Needs root, nginx, openssl, tcpdump, python3.  Run it on a release build
# (a separate build directory configured with CFLAGS=-O2).
# Usage: sudo sh bench/timing.sh [BUILD_DIR] [RUNS]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
PUSHPROBE=${1:-$here}/pushprobe
RUNS=${2:-15}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
for t in ip nginx openssl tcpdump python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "SKIP: $t is not installed"; exit 77; }
done
[ -x "$PUSHPROBE" ] || { echo "no pushprobe at $PUSHPROBE"; exit 1; }

NS=ppt$(( $$ % 100000 ))
TMP=$(mktemp -d)
PIDS=""
down() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    pids=$(ip netns pids "$NS" 2>/dev/null)
    [ -n "$pids" ] && kill $pids 2>/dev/null
    sleep 0.2
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap down EXIT INT TERM
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up
sh "$here/tests/lab/mkcerts.sh" "$TMP/certs" >/dev/null

# Two nginx instances, so that the HTTP server is not queued behind the TLS
# server's handshakes: what is measured is pushprobe, not nginx.
for role in http tls; do
    mkdir -p "$TMP/$role"
    if [ $role = http ]; then
        listen="listen 8080 backlog=512;"
    else
        listen="listen 8443 ssl backlog=512; ssl_certificate $TMP/certs/public.pem; ssl_certificate_key $TMP/certs/public.key;"
    fi
    cat > "$TMP/$role.conf" <<NGX
user root;
worker_processes 1;
pid $TMP/$role/nginx.pid;
error_log $TMP/$role/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $TMP/$role/body;
    proxy_temp_path $TMP/$role/proxy;
    fastcgi_temp_path $TMP/$role/fastcgi;
    uwsgi_temp_path $TMP/$role/uwsgi;
    scgi_temp_path $TMP/$role/scgi;
    server { $listen location / { return 200 "ok\n"; } }
}
NGX
    ip netns exec "$NS" nginx -c "$TMP/$role.conf" -g 'daemon off;' >>"$TMP/servers.log" 2>&1 &
    PIDS="$PIDS $!"
done
i=0
while [ $i -lt 100 ]; do
    n=$(ip netns exec "$NS" ss -lntH | grep -c -E ':(8080|8443) ')
    [ "$n" -ge 2 ] && break
    sleep 0.05
    i=$((i + 1))
done

# Every run uses addresses of its own (127.R.0.x), so that tcpdump's
# packets are matched to the run's checks by destination address.
ip netns exec "$NS" tcpdump -i lo -n -tt --time-stamp-precision=micro -l \
    'tcp[tcpflags] & tcp-syn != 0 or (tcp port 8080 and tcp[tcpflags] & tcp-push != 0)' >"$TMP/syn.txt" 2>"$TMP/tcpdump.err" &
TPID=$!
PIDS="$PIDS $TPID"
sleep 1
r=1
while [ $r -le "$RUNS" ]; do
    ip netns exec "$NS" "$PUSHPROBE" --profile none --json --timeout 5 \
        "http://127.$r.0.200:8080/" >"$TMP/alone.$r.json" 2>/dev/null
    b=$((r + 100))
    set -- "http://127.$b.0.200:8080/"
    k=1
    while [ $k -le 60 ]; do
        set -- "$@" "tls://127.$b.0.$k:8443"
        k=$((k + 1))
    done
    ip netns exec "$NS" "$PUSHPROBE" --profile none --json --timeout 5 "$@" \
        >"$TMP/beside.$r.json" 2>/dev/null
    r=$((r + 1))
done
sleep 0.5
kill "$TPID" 2>/dev/null
wait "$TPID" 2>/dev/null

python3 - "$TMP" "$RUNS" <<'PY'
import glob, json, re, statistics, sys

tmp, runs = sys.argv[1], int(sys.argv[2])

def load(kind):
    out = []
    for r in range(1, runs + 1):
        try:
            with open(f"{tmp}/{kind}.{r}.json") as f:
                out.append(json.load(f))
        except Exception as e:
            print(f"run {kind} {r}: no report ({e})")
    return out

def http_check(doc):
    for k in doc["checks"]:
        if k["port"] == 8080:
            return k
    return None

def med(xs):
    return statistics.median(xs) if xs else float("nan")

alone, beside = load("alone"), load("beside")
print(f"{runs} runs each; HTTP check to loopback nginx, alone and beside 60 TLS handshakes")
print(f"{'figure':<12} {'alone ms':>10} {'beside ms':>10} {'diff ms':>9} {'ratio':>7}")
for fig in ("connect", "first_byte", "total"):
    a = [http_check(d)["timings_ms"][fig] for d in alone if http_check(d)]
    b = [http_check(d)["timings_ms"][fig] for d in beside if http_check(d)]
    a = [x for x in a if x is not None]
    b = [x for x in b if x is not None]
    ma, mb = med(a), med(b)
    print(f"{fig:<12} {ma:>10.3f} {mb:>10.3f} {mb - ma:>9.3f} {mb / ma if ma else float('nan'):>7.2f}")
tls = [k for d in beside for k in d["checks"] if k["port"] == 8443]
states = {}
for k in tls:
    states[k["state"]] = states.get(k["state"], 0) + 1
print("TLS checks beside:", states)

# tcpdump: "TS IP 127.0.0.1.SPORT > DST.DPORT: Flags [S], ..." and [S.] back.
syn, synack = {}, {}
pat = re.compile(r"^(\d+\.\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[(S|S\.)\]")
with open(f"{tmp}/syn.txt") as f:
    for line in f:
        m = pat.match(line)
        if not m:
            continue
        ts, src, sport, dst, dport, fl = m.groups()
        if fl == "S":
            syn.setdefault((dst, dport, src, sport), float(ts))
        else:
            synack.setdefault((src, sport, dst, dport), float(ts))
wire = {}
for key, t0 in syn.items():
    if key in synack:
        wire.setdefault((key[0], int(key[1])), []).append((synack[key] - t0) * 1000.0)
diffs, ours, theirs = [], [], []
for d in alone + beside:
    for k in d["checks"]:
        w = wire.get((k["address"], k["port"]))
        c = k["timings_ms"]["connect"]
        if w is None or c is None or len(w) != 1:
            continue
        ours.append(c)
        theirs.append(w[0])
        diffs.append(c - w[0])
# The HTTP check's request and its answer on the wire (PSH segments).
push = {}
pat2 = re.compile(r"^(\d+\.\d+) IP (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[P\.\]")
with open(f"{tmp}/syn.txt") as f:
    for line in f:
        m = pat2.match(line)
        if not m:
            continue
        ts, src, sport, dst, dport, _ = m.groups() + ("",)
        if dport == "8080":
            push.setdefault(dst, [None, None])[0] = push.get(dst, [None, None])[0] or float(ts)
        elif sport == "8080":
            p = push.setdefault(src, [None, None])
            if p[1] is None:
                p[1] = float(ts)
for kind, docs in (("alone", alone), ("beside", beside)):
    fb, wire_fb = [], []
    for d in docs:
        k = http_check(d)
        p = push.get(k["address"]) if k else None
        if p and p[0] and p[1] and k["timings_ms"]["first_byte"] is not None:
            fb.append(k["timings_ms"]["first_byte"])
            wire_fb.append((p[1] - p[0]) * 1000.0)
    print(f"first byte {kind}: pushprobe median {med(fb):.3f} ms, tcpdump request->answer "
          f"median {med(wire_fb):.3f} ms ({len(fb)} runs)")
print(f"connect vs tcpdump SYN->SYN-ACK, {len(diffs)} connections matched:")
print(f"  pushprobe median {med(ours):.3f} ms, tcpdump median {med(theirs):.3f} ms, "
      f"median difference {med(diffs):.3f} ms, 90th percentile "
      f"{sorted(diffs)[int(len(diffs) * 0.9)] if diffs else float('nan'):.3f} ms")
PY
