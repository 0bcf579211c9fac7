#!/bin/sh
# SPDX-License-Identifier: ISC
# Firewalls that answer with a TCP reset.  First the router resets TCP 5223
# to Apple ("reject with tcp reset") and resets connections to the other
# Apple services on 443 right after the TLS ClientHello (nftables matches
# the handshake record in the payload, as server-name filters do); then it
# resets 5223 and 443 to the courier both.  The checks stay honest (closed
# conn-refused; tls-failed conn-reset with the phase), the findings name
# the firewall.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw ip daddr 17.0.0.0/8 tcp dport 5223 reject with tcp reset
lab_fw ip6 daddr 2620:149::/32 tcp dport 5223 reject with tcp reset
# A TLS record of type handshake (0x16) carrying a ClientHello (type 1).
lab_fw ip daddr 17.253.1.10 tcp dport 443 @ih,0,8 0x16 @ih,40,8 0x01 reject with tcp reset

J=$LAB_TMP/reset.json
pp_run "$J" --timeout 2
jcheck "$J" 'all(k["state"] == "closed" and k["reason"] == "conn-refused" for k in cs(port=5223)) and len(cs(port=5223)) == 8' "5223: closed, conn-refused"
jcheck "$J" 'f("PUSH_FIREWALL_RESET")["severity"] == "warning" and "degraded" in f("PUSH_FIREWALL_RESET")["title"] and "reset" in f("PUSH_FIREWALL_RESET")["title"]' "push degraded by a firewall that resets"
jcheck "$J" 'len(f("PUSH_FIREWALL_RESET")["checks"]) == 8' "the finding holds the 8 checks"
jcheck "$J" 'v("push") == "degraded"' "push verdict degraded (443 works)"
jcheck "$J" 'c("albert.apple.com", 443)["state"] == "tls-failed" and c("albert.apple.com", 443)["reason"] == "conn-reset"' "443 to 17.253.1.10: tls-failed, conn-reset"
jcheck "$J" 'c("albert.apple.com", 443)["details"]["reset_phase"] == "after-client-hello" and c("albert.apple.com", 443)["details"]["tls_bytes_received"] == 0 and c("albert.apple.com", 443)["details"]["tls_bytes_sent"] > 0' "the phase is in the evidence"
jcheck "$J" '"ClientHello" in c("albert.apple.com", 443)["message"]' "the message says reset after the ClientHello"
jcheck "$J" 'c("albert.apple.com", 443, "ipv6")["state"] == "ok"' "IPv6 is not filtered"
jcheck "$J" 'f("TLS_SNI_FILTER") is not None and "server name" in f("TLS_SNI_FILTER")["title"] and "albert.apple.com:443" in f("TLS_SNI_FILTER")["detail"]' "TLS_SNI_FILTER names the host"
jcheck "$J" 'v("enrollment") == "degraded"' "enrollment degraded (IPv6 works)"
jcheck "$J" '"APNS_FALLBACK_443" not in codes and "TARGET_FAILED" not in codes and "APNS_BLOCKED" not in codes' "no other push finding"
jcheck "$J" 'not any(x["severity"] == "critical" for x in doc["findings"])' "no critical finding"

# Both courier ports reset: push blocked, one critical finding.
lab_fw ip daddr 17.57.144.10 tcp dport 443 reject with tcp reset
lab_fw ip6 daddr 2620:149:a44::10 tcp dport 443 reject with tcp reset
J2=$LAB_TMP/reset2.json
pp_run "$J2" --timeout 2
jcheck "$J2" 'all(k["state"] == "closed" for k in cs(service="apns-device"))' "every courier check closed"
jcheck "$J2" 'f("PUSH_FIREWALL_RESET")["severity"] == "critical" and "blocked" in f("PUSH_FIREWALL_RESET")["title"]' "push blocked by a firewall that resets"
jcheck "$J2" 'v("push") == "blocked"' "push verdict blocked"
jcheck "$J2" 'not any(x["severity"] == "critical" and x["code"] != "PUSH_FIREWALL_RESET" for x in doc["findings"])' "no unrelated critical finding"
lab_finish
