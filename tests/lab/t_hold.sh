#!/bin/sh
# --hold: keep the courier connection idle, as a device does.  The lab's
# courier on 5223 hangs up 2 s after the handshake, as a router or firewall
# that drops idle connections would; on 443 it keeps connections for 30 s.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
kill "$LAB_COURIER443_PID"
for i in $(seq 100); do
    lab_i ss -lnHt "sport = :443" | grep -q 17.57.144.10 || break
    sleep 0.05
done
lab_tls 17.57.144.10 443 "$LAB_TMP/certs/courier.pem" "$LAB_TMP/certs/courier.key" 30
# (nginx listens on 443 too, on another address: wait for this one.)
for i in $(seq 100); do
    lab_i ss -lnHt "sport = :443" | grep -q 17.57.144.10 && break
    sleep 0.05
done

J=$LAB_TMP/hold.json
pp_run "$J" --timeout 3 --hold 4 -4
jcheck "$J" 'all(k["state"] == "unexpected" and k["reason"] == "conn-lost" and 1.5 <= k["details"]["held_s"] <= 3.5 for k in cs(port=5223))' "5223: the idle connection is lost after about 2 s"
jcheck "$J" '"after" in c("courier.push.apple.com", 5223)["message"]' "the message says how long it lasted"
jcheck "$J" 'all(k["state"] == "ok" and k["details"]["held_s"] >= 3.9 for k in cs(port=443, service="apns-device"))' "443: held idle for the whole 4 s"
jcheck "$J" 'doc["duration_ms"] < 4000 + 3000' "the run ends after the hold, not later"
lab_finish
