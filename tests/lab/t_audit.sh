#!/bin/sh
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
J=$LAB_TMP/audit.json
pp_run "$J" --audit --timeout 2 -p $P 10.30.0.0/24 --expect "$LAB_TMP/expect" --parallel 512
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
jcheck "$J" '[r["verdict"] for r in doc["audit"]["results"]][:63] == ["deviation"] * 63 and doc["audit"]["results"][63]["verdict"] != "deviation"' "deviations come first"
jcheck "$J" 'any(r["id"] == "10.30.0.9:443" and r["verdict"] == "deviation" and r["expected"] == "tls" for r in doc["audit"]["results"])' "the tls rule deviates where TLS is missing"
jcheck "$J" '[x for x in doc["audit"]["rules"] if x["rule"].startswith("open tcp 10.30.0.7")][0]["deviations"] == 1' "per-rule counts"

# CSV: one row per check, and the text report leads with deviations.
lab_c "$PUSHPROBE" --no-config --audit --timeout 2 -p 5223,8003 10.30.0.200/30 --expect "$LAB_TMP/expect" --csv > "$LAB_TMP/a.csv" || true
if [ "$(wc -l < "$LAB_TMP/a.csv")" -eq 9 ] && head -1 "$LAB_TMP/a.csv" | grep -q '^host,address,family,port' && sed -n 2p "$LAB_TMP/a.csv" | grep -q ',deviation,'; then
    echo "ok: CSV: a header and one row per check, deviations first"
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
lab_finish
