#!/bin/sh
# SPDX-License-Identifier: ISC
# --hold: keep the courier connection idle, as a device does.  The lab's
# courier on 5223 hangs up 2 s after the handshake, as a router or firewall
# that drops idle connections would; on 443 it keeps connections for 30 s,
# and after the hold the connection must still carry traffic.  Then the
# router forgets idle flows after 2 s (conntrack) and drops the packets of
# flows it does not know, without a reset: only using the connection again
# shows it is gone.
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
jcheck "$J" 'all(k["details"]["liveness"] == "tls-key-update" and k["details"]["liveness_ms"] < 1000 for k in cs(port=443, service="apns-device"))' "443: after the hold, a TLS key update was acknowledged"
jcheck "$J" 'f("IDLE_TIMEOUT") is not None and all(k["id"] in f("IDLE_TIMEOUT")["checks"] for k in cs(port=5223))' "IDLE_TIMEOUT explains the 5223 losses"
jcheck "$J" 'not any(x["severity"] == "critical" for x in doc["findings"])' "no critical finding"

# A courier that sends without end during the hold (yes(1) through TLS):
# the check still ends when the hold does, and so does the run.
LAB_TLS_CMD='exec yes'
lab_courier_cert "$LAB_TMP/certs/courier.pem" "$LAB_TMP/certs/courier.key"
LAB_TLS_CMD=
J3=$LAB_TMP/flood.json
pp_run "$J3" --timeout 3 --hold 2 -4
jcheck "$J3" 'all(k["state"] == "ok" and k["details"]["held_s"] >= 1.9 for k in cs(port=5223))' "5223: a server that never stops sending is held for the whole 2 s"
jcheck "$J3" 'doc["duration_ms"] < 2000 + 3000 + 2000' "the run ends after the hold, however much the server sends"

# The router forgets established flows after 2 s idle and drops what it
# does not know (no mid-stream pick-up): a silent NAT/firewall timeout.
lab_fw ct state invalid drop
lab_r sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0 \
    net.netfilter.nf_conntrack_tcp_timeout_established=2
J2=$LAB_TMP/forgot.json
pp_run "$J2" --timeout 2 --hold 4 -4
jcheck "$J2" 'all(k["state"] == "unexpected" and k["reason"] == "conn-lost" and k["details"]["liveness"] == "tls-key-update" and k["details"]["held_s"] >= 3.9 for k in cs(port=443, service="apns-device"))' "443: the forgotten flow is conn-lost after the hold"
jcheck "$J2" '"no longer carries traffic" in c("courier.push.apple.com", 443)["message"]' "the message says the connection no longer carries traffic"
jcheck "$J2" 'f("IDLE_TIMEOUT") is not None and "idle timeout" in f("IDLE_TIMEOUT")["advice"]["admin"] and "keepalive" in f("IDLE_TIMEOUT")["advice"]["admin"] and "forgotten" in f("IDLE_TIMEOUT")["detail"]' "IDLE_TIMEOUT names idle timeouts and the keepalive"
jcheck "$J2" 'all(k["id"] in f("IDLE_TIMEOUT")["checks"] for k in cs(port=443, service="apns-device"))' "IDLE_TIMEOUT explains the 443 losses"
jcheck "$J2" 'doc["duration_ms"] < 4000 + 2000 + 3000' "the proof waits one --timeout, not more"
lab_finish
