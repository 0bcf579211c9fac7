#!/bin/sh
# A dead DNS server: first nothing listens (ICMP port unreachable: the
# server cannot be reached), then the router drops DNS (a timeout).  Every
# check ends dns-failed with the matching reason, within the deadline.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
kill "$LAB_DNS_PID"
sleep 0.2

J=$LAB_TMP/dead.json
pp_run "$J" --timeout 2
expect_rc 1
jcheck "$J" 'len(checks) == 25 and all(k["state"] == "dns-failed" and k["reason"] == "dns-unreachable" for k in checks)' "no DNS server: dns-unreachable everywhere"

lab_fw udp dport 53 drop
lab_fw tcp dport 53 drop
J=$LAB_TMP/dropped.json
pp_run "$J" --timeout 1.5
expect_rc 1
jcheck "$J" 'all(k["state"] == "dns-failed" and k["reason"] == "dns-timeout" for k in checks)' "DNS dropped: dns-timeout everywhere"
jcheck "$J" 'doc["duration_ms"] < 5000' "the run ends near the DNS deadline"
lab_finish
