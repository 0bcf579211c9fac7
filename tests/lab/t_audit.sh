#!/bin/sh
# SPDX-License-Identifier: ISC
# The firewall audit on 254 hosts x 12 ports behind the router's known mix
# of open, reset, dropped and rejected ports (lab_audit_net), with an
# expectations file; every state and every deviation is asserted.  The
# /24 also holds .0 and .255, where no host answers (filtered).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_audit_net
P=443,5223,8443,8000-8003,9000-9004

cat > "$LAB_TMP/expect" <<'EXP'
# what the policy says should be
open tcp 10.30.0.0/24 443,8443
open tcp 10.30.0.0/24 5223          # deviates on .200-.254 (dropped)
closed tcp 10.30.0.0/24 8000-8003,9000-9004
open tcp 10.30.0.7 8000             # deviates: dropped there
tls tcp 10.30.0.9 443               # deviates: plain TCP, no TLS
EXP
# The default, adaptive timeout (--timeout auto) first; a fixed 2 s below
# must give the same state on every port.
J=$LAB_TMP/audit.json
pp_run "$J" --audit -p $P 10.30.0.0/24 --expect "$LAB_TMP/expect" --parallel 512
expect_rc 1
H='lambda k: 1 <= int(k["address"].split(".")[3]) <= 254'
jcheck "$J" 'len(checks) == 256 * 12' "the /24 (254 hosts, .0 and .255) x 12 ports"
jcheck "$J" 'all(k["state"] == "filtered" for k in checks if int(k["address"].split(".")[3]) in (0, 255) and k["port"] != 8003)' ".0 and .255: nothing answers"
jcheck "$J" "all(k['state'] == 'ok' for k in checks if k['port'] in (443, 8443) and ($H)(k) and k['probe'] == 'tcp')" "443 and 8443 open on every host"
jcheck "$J" "[k['probe'] for k in checks if k['address'] == '10.30.0.9' and k['port'] == 443] == ['tls']" "a tls rule makes its check a TLS handshake"
jcheck "$J" 'all(k["state"] == "filtered" and k["reason"] == "no-response" for k in checks if k["port"] in (8000, 8001) and int(k["address"].split(".")[3]) <= 127)' "8000-8001 dropped on .1-.127"
jcheck "$J" "all(k['state'] == 'closed' for k in checks if k['port'] in (8000, 8001) and 127 < int(k['address'].split('.')[3]) < 255)" "8000-8001 closed elsewhere"
jcheck "$J" 'all(k["state"] == "blocked" and k["icmp_from"] == "10.10.0.1" for k in checks if k["port"] == 8002 and 128 <= int(k["address"].split(".")[3]) <= 191)' "8002 rejected by the router on .128-.191"
jcheck "$J" 'all(k["state"] == "closed" and k["reason"] == "conn-refused" for k in checks if k["port"] == 8003)' "8003 reset by the router, even where no host is"
jcheck "$J" "all(k['state'] == 'closed' and k['reason'] == 'conn-refused' for k in checks if k['port'] in (9000, 9004) and ($H)(k))" "9000-9004 closed on every host"
jcheck "$J" "all(k['state'] == 'filtered' for k in checks if k['port'] == 5223 and int(k['address'].split('.')[3]) >= 200) and all(k['state'] == 'ok' for k in checks if k['port'] == 5223 and 1 <= int(k['address'].split('.')[3]) < 200)" "5223 dropped on .200-.254 only"
jcheck "$J" 'doc["audit"]["deviations"] == 55 + 6 + 1 + 1 and doc["audit"]["unmatched"] == 0' "63 deviations: 5223 on .200-.254, the open ports of .0 and .255, 10.30.0.7:8000, 10.30.0.9:443"
jcheck "$J" 'len(doc["audit"]["results"]) == 63 and all(r["verdict"] == "deviation" for r in doc["audit"]["results"]) and doc["audit"]["results_omitted"] == 0' "the audit's results: the 63 deviations"
jcheck "$J" 'sum(k["verdict"] == "deviation" for k in checks) == 63 and all(k["verdict"] == "pass" for k in checks if k["address"] == "10.30.0.5")' "every check carries its verdict"
jcheck "$J" 'doc["audit"]["timeout"]["mode"] == "auto" and 100 <= doc["audit"]["timeout"]["min_ms"] <= doc["audit"]["timeout"]["max_ms"] <= 2000 and all(k["attempts"] == 2 for k in checks if k["state"] == "filtered") and all(k["attempts"] in (1, 2) and 100 <= k["timeout_ms"] <= 2000 for k in checks)' "auto: the timeout used is reported, silent ports tried twice"
jcheck "$J" 'doc["audit"]["states"] == {s: sum(k["state"] == s for k in checks) for s in set(k["state"] for k in checks)} and sum(p.get("ok", 0) for p in doc["audit"]["ports"] if p["port"] == 443) == 253' "per-state and per-port tallies"
J2=$LAB_TMP/audit-fixed.json
pp_run "$J2" --audit --timeout 2 -p $P 10.30.0.0/24 --expect "$LAB_TMP/expect" --parallel 512
if python3 - "$J" "$J2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
sa = {k["id"]: (k["state"], k["reason"]) for k in a["checks"]}
sb = {k["id"]: (k["state"], k["reason"]) for k in b["checks"]}
diff = [(i, sa.get(i), sb.get(i)) for i in sorted(set(sa) | set(sb)) if sa.get(i) != sb.get(i)]
for d in diff[:10]:
    print("   ", d)
sys.exit(0 if len(sa) == 256 * 12 and not diff and b["audit"]["timeout"]["mode"] == "fixed" else 1)
PY
then echo "ok: --timeout auto gives the same state and reason as a fixed 2 s on all 3,072 ports"; else
    echo "FAIL: --timeout auto and --timeout 2 disagree"; LAB_FAILS=$((LAB_FAILS + 1)); fi
jcheck "$J" 'any(r["id"] == "10.30.0.9:443" and r["verdict"] == "deviation" and r["expected"] == "tls" for r in doc["audit"]["results"])' "the tls rule deviates where TLS is missing"
jcheck "$J" '[x for x in doc["audit"]["rules"] if x["rule"].startswith("open tcp 10.30.0.7")][0]["deviations"] == 1' "per-rule counts"

# CSV: one row per check, and the text report leads with deviations.
lab_c "$PUSHPROBE" --no-config --audit --timeout 2 -p 5223,8003 10.30.0.200/30 --expect "$LAB_TMP/expect" --csv > "$LAB_TMP/a.csv" || true
if [ "$(wc -l < "$LAB_TMP/a.csv")" -eq 9 ] && head -1 "$LAB_TMP/a.csv" | grep -q '^host,address,family,port' && [ "$(grep -c ',deviation,' "$LAB_TMP/a.csv")" -eq 4 ]; then
    echo "ok: CSV: a header and one row per check, the 4 deviations among them"
else
    echo "FAIL: CSV"; cat "$LAB_TMP/a.csv"; wc -l < "$LAB_TMP/a.csv"; LAB_FAILS=$((LAB_FAILS + 1))
fi
lab_c "$PUSHPROBE" --no-config --audit --timeout 2 -p 5223 10.30.0.200/30 --expect "$LAB_TMP/expect" > "$LAB_TMP/a.txt" || true
if grep -q '^Deviations' "$LAB_TMP/a.txt" && grep -q '4 deviations' "$LAB_TMP/a.txt"; then
    echo "ok: text report: deviations first"
else
    echo "FAIL: text report"; cat "$LAB_TMP/a.txt"; LAB_FAILS=$((LAB_FAILS + 1))
fi

# --shuffle and --rate still give the same states.
J=$LAB_TMP/shuffle.json
pp_run "$J" --audit --timeout 2 -p 443,8003 10.30.0.0/27 --shuffle --rate 200
jcheck "$J" 'len(checks) == 64 and all(k["state"] == ("ok" if k["port"] == 443 else "closed") for k in checks if k["address"] != "10.30.0.0")' "--shuffle --rate: same states"
jcheck "$J" 'doc["duration_ms"] >= 250' "--rate 200 spreads 64 connections over at least 0.3 s"

# Checks that fail inside connect() end at once and make room for the next;
# the run's deadline must still cut 16 million of them short.  In a
# namespace of its own with no route at all (only loopback), so nothing is
# sent anywhere.
t0=$(date +%s)
unshare -n sh -c 'ip link set lo up; exec "$0" --no-config --profile none --audit -p 9 2001:db8::/104 --timeout 1 --run-timeout 2 --csv' \
    "$PUSHPROBE" > "$LAB_TMP/noroute.csv" 2> "$LAB_TMP/noroute.err"
t1=$(date +%s)
if [ $((t1 - t0)) -le 15 ] && grep -q 'were not run' "$LAB_TMP/noroute.err" &&
   grep -q ',unreachable,no-route,' "$LAB_TMP/noroute.csv"; then
    echo "ok: immediate failures: the run's deadline holds ($((t1 - t0)) s)"
else
    echo "FAIL: immediate failures ran past the deadline ($((t1 - t0)) s)"; LAB_FAILS=$((LAB_FAILS + 1))
fi
# A --targets file of 20,000 lines (20,000 items): every address checked
# once, on its own line's port (loopback, in a namespace of its own).
python3 -c '
for i in range(20000):
    print("127.%d.%d.%d %d" % (i >> 16 & 255, i >> 8 & 255, i & 255, 9 + i % 3))' > "$LAB_TMP/t20k.txt"
unshare -n sh -c 'ip link set lo up; exec "$0" --no-config --profile none --audit --targets "$1" --timeout 1 --csv' \
    "$PUSHPROBE" "$LAB_TMP/t20k.txt" > "$LAB_TMP/t20k.csv" 2>/dev/null
if python3 - "$LAB_TMP/t20k.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
seen = {(r["address"], int(r["port"])) for r in rows}
want = {("127.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), 9 + i % 3) for i in range(20000)}
sys.exit(0 if len(rows) == 20000 and seen == want and all(r["state"] == "closed" for r in rows) else 1)
PY
then echo "ok: 20,000 target lines: each address once, on its port"; else
    echo "FAIL: 20,000 target lines"; LAB_FAILS=$((LAB_FAILS + 1)); fi
# JSON Lines: one object per check, then one summary; every line valid.
lab_c "$PUSHPROBE" --no-config --audit -p 443,8002,8003 10.30.0.124/30 10.30.0.128/30 --expect "$LAB_TMP/expect" --jsonl > "$LAB_TMP/a.jsonl" || true
if python3 - "$LAB_TMP/a.jsonl" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "ends with a newline"
objs = [json.loads(l) for l in lines[:-1]]
checks = [o for o in objs if o["type"] == "check"]
assert len(checks) == 24 and objs[-1]["type"] == "summary" and [o["type"] for o in objs].count("summary") == 1
s = objs[-1]
assert s["checks"] == 24 and not s["interrupted"] and s["not_run"] == 0
assert s["deviations"] == sum(o["verdict"] == "deviation" for o in checks)
assert all(o["expect"] in ("open", "closed", "tls") and "expected" not in o for o in checks)
assert s["states"] == {st: sum(o["state"] == st for o in checks) for st in set(o["state"] for o in checks)}
assert {o["state"] for o in checks if o["port"] == 8002 and o["address"] >= "10.30.0.128"} == {"blocked"}
assert {o["state"] for o in checks if o["port"] == 8002 and o["address"] < "10.30.0.128"} == {"closed"}
PY
then echo "ok: --jsonl: 24 check objects and a summary, each a valid line"; else
    echo "FAIL: --jsonl"; LAB_FAILS=$((LAB_FAILS + 1)); fi

# Ctrl-C: an audit of dropped ports with a long fixed timeout, interrupted
# once it runs; CSV, JSON Lines and the JSON document stay valid, the
# summary says it was interrupted, exit 130.
ip netns exec "$NS_C" "$PUSHPROBE" --no-config --audit --timeout 60 --parallel 16 -p 443,8000 \
    10.30.0.0/25 --csv="$LAB_TMP/int.csv" --jsonl="$LAB_TMP/int.jsonl" --json \
    > "$LAB_TMP/int.json" 2> "$LAB_TMP/int.err" &
pid=$!
i=0
while [ $i -lt 100 ] && ! [ -s "$LAB_TMP/int.csv" ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
kill -INT $pid
wait $pid
rc=$?
if [ $rc -eq 130 ] && grep -q 'interrupted' "$LAB_TMP/int.err" && python3 - "$LAB_TMP" <<'PY'
import csv, json, sys
d = sys.argv[1]
raw = open(d + "/int.csv", newline="").read()
assert raw.endswith("\r\n")
rows = list(csv.DictReader(raw.splitlines()))
assert rows and all(len(r) == 16 and None not in r.values() and r["attempts"] for r in rows)
lines = open(d + "/int.jsonl").read().split("\n")
assert lines[-1] == ""
objs = [json.loads(l) for l in lines[:-1]]
s = objs[-1]
assert s["type"] == "summary" and s["interrupted"] and s["not_run"] > 0
assert s["checks"] == len(rows) == len(objs) - 1
doc = json.load(open(d + "/int.json"))
assert doc["audit"]["interrupted"] and len(doc["checks"]) == len(rows)
assert all(r["state"] in ("ok", "filtered") for r in rows)
PY
then echo "ok: Ctrl-C: exit 130, whole CSV rows, valid JSON Lines and JSON, the summary says interrupted"; else
    echo "FAIL: Ctrl-C (exit $rc)"; cat "$LAB_TMP/int.err"; LAB_FAILS=$((LAB_FAILS + 1)); fi

# Memory follows --parallel, not the number of checks: 10,000 and 100,000
# closed loopback ports (in a namespace of its own) peak within a little of
# each other, with CSV and JSON Lines both written.  (ASan's quarantine
# would otherwise hold freed checks.)
peak() { # CHECKS-SPEC -> peak RSS in KiB
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:detect_leaks=0" \
    unshare -n sh -c 'ip link set lo up; exec /usr/bin/time -f %M -o "$2" "$0" --no-config --profile none --audit -p 1-10000 "$1" --parallel 256 --csv="$3.csv" --jsonl="$3.jsonl"' \
        "$PUSHPROBE" "$1" "$LAB_TMP/peak" "$LAB_TMP/mem" >/dev/null 2>&1
    tail -1 "$LAB_TMP/peak"
}
if [ -x /usr/bin/time ]; then
    small=$(peak 127.0.0.1)
    rows_small=$(($(wc -l < "$LAB_TMP/mem.csv") - 1))
    big=$(peak 127.0.0.0/29)
    rows_big=$(($(wc -l < "$LAB_TMP/mem.csv") - 1))
    if [ "$rows_small" -eq 10000 ] && [ "$rows_big" -eq 80000 ] && [ "$big" -le $((small * 5 / 4 + 4096)) ]; then
        echo "ok: memory: 10,000 checks peak at $small KiB, 80,000 at $big KiB"
    else
        echo "FAIL: memory grows with the checks: $rows_small rows $small KiB, $rows_big rows $big KiB"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
else
    echo "skip: memory (no GNU time)"
fi
lab_finish
