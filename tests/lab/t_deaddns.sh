#!/bin/sh
# SPDX-License-Identifier: ISC
# DNS failures: a server that refuses the query (dns-refused); a dead
# server, where nothing listens and the ICMP port unreachable comes back
# (dns-unreachable); DNS dropped by the router (dns-timeout).  Every check
# ends dns-failed with the matching reason, within the deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up

# dnsmasq refuses names it has neither data nor an upstream server for.
J=$LAB_TMP/refused.json
pp_run "$J" --timeout 2 --profile none www.elsewhere.test:443 courier.push.apple.com:5223
jcheck "$J" 'c("www.elsewhere.test", 443, None)["state"] == "dns-failed" and c("www.elsewhere.test", 443, None)["reason"] == "dns-refused"' "a refusing server: dns-refused"
jcheck "$J" 'c("courier.push.apple.com", 5223)["state"] == "ok"' "the same server still answers other names"

kill "$LAB_DNS_PID"
sleep 0.2
J=$LAB_TMP/dead.json
pp_run "$J" --timeout 2
expect_rc 1
# The ICMP port unreachable comes back at once; under load c-ares may still
# reach its own timeout on a retry first, so both reasons are accepted,
# but the refusal must be seen.
jcheck "$J" 'len(checks) >= 25 and all(k["state"] == "dns-failed" and k["reason"] in ("dns-unreachable", "dns-timeout") for k in checks) and any(k["reason"] == "dns-unreachable" for k in checks)' "no DNS server: dns-unreachable (or its timeout) everywhere"

lab_fw udp dport 53 drop
lab_fw tcp dport 53 drop
J=$LAB_TMP/dropped.json
pp_run "$J" --timeout 1.5
expect_rc 1
jcheck "$J" 'all(k["state"] == "dns-failed" and k["reason"] == "dns-timeout" for k in checks)' "DNS dropped: dns-timeout everywhere"
jcheck "$J" 'doc["duration_ms"] < 5000' "the run ends near the DNS deadline"
lab_finish
