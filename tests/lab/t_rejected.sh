#!/bin/sh
# SPDX-License-Identifier: ISC
# The router rejects with ICMP: administratively prohibited on 5223 (both
# families), host unreachable for one Apple address on 443, and nft's
# default port unreachable on 2197.  Each is classified and the router
# that sent the ICMP is named.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw meta nfproto ipv4 tcp dport 5223 reject with icmp type admin-prohibited
lab_fw meta nfproto ipv6 tcp dport 5223 reject with icmpv6 type admin-prohibited
lab_fw ip daddr 17.253.1.10 tcp dport 443 reject with icmp type host-unreachable
lab_fw meta nfproto ipv4 tcp dport 2197 reject

J=$LAB_TMP/rejected.json
pp_run "$J" --timeout 3
expect_rc 4   # degraded: 443 works for push, albert.apple.com over IPv6
jcheck "$J" 'all(k["state"] == "blocked" and k["reason"] == "admin-prohibited" for k in cs(port=5223))' "5223 blocked: admin-prohibited"
jcheck "$J" 'all(k["icmp_from"] == "10.10.0.1" for k in cs(port=5223, fam="ipv4"))' "IPv4 ICMP sender is the router"
jcheck "$J" 'all(k["icmp_from"] == "fd00:10::1" for k in cs(port=5223, fam="ipv6"))' "IPv6 ICMP sender is the router"
jcheck "$J" 'all(k["timings_ms"]["connect"] < 1500 for k in cs(port=5223))' "a rejection is immediate, not a timeout"
jcheck "$J" 'c("albert.apple.com", 443)["state"] == "unreachable" and c("albert.apple.com", 443)["reason"] == "host-unreach" and c("albert.apple.com", 443)["icmp_from"] == "10.10.0.1"' "host unreachable with its sender"
jcheck "$J" 'c("albert.apple.com", 443, "ipv6")["state"] == "ok"' "the other family is unaffected"
jcheck "$J" 'c("api.push.apple.com", 2197)["state"] == "blocked" and c("api.push.apple.com", 2197)["reason"] == "port-unreach"' "nft default reject: port unreachable"
jcheck "$J" '"10.10.0.1" in c("courier.push.apple.com", 5223)["message"]' "the message names the router"
lab_finish
