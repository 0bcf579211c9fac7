#!/bin/sh
# SPDX-License-Identifier: ISC
# Local routing outcomes: routes in the client's own namespace refuse the
# connect() before any packet leaves (what VPN kill switches install): a
# blackhole route for the courier's IPv4 address, a prohibit route for its
# IPv6 one, an "unreachable" route for the other Apple services over IPv4.
# Then no default route at all.  Each is unreachable with reason
# local-route (no-route without a route), explained by LOCAL_ROUTE, never
# "error internal" or TARGET_FAILED.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
ip -n "$NS_C" route add blackhole 17.57.144.10/32
ip -n "$NS_C" -6 route add prohibit 2620:149:a44::10/128
ip -n "$NS_C" route add unreachable 17.253.1.10/32

UNRELATED='not any(x["severity"] == "critical" and x["code"] not in ("LOCAL_ROUTE", "APNS_BLOCKED") for x in doc["findings"])'

J=$LAB_TMP/routes.json
pp_run "$J" --timeout 2
expect_rc 1
jcheck "$J" 'all(k["state"] == "unreachable" and k["reason"] == "local-route" and k["details"]["local_route"] == "blackhole" for k in cs(port=5223, fam="ipv4"))' "blackhole route: unreachable, local-route"
jcheck "$J" 'all(k["state"] == "unreachable" and k["reason"] == "local-route" and k["details"]["local_route"] == "prohibit" for k in cs(port=5223, fam="ipv6"))' "prohibit route: unreachable, local-route"
jcheck "$J" 'c("albert.apple.com", 443)["reason"] == "local-route" and c("albert.apple.com", 443)["details"]["local_route"] == "unreachable"' "unreachable route: local-route"
jcheck "$J" 'c("albert.apple.com", 443, "ipv6")["state"] == "ok"' "the other family is unaffected"
jcheck "$J" 'not any(k["state"] == "error" for k in checks)' "no check is an error"
jcheck "$J" '"LOCAL_ROUTE" in codes and "TARGET_FAILED" not in codes' "LOCAL_ROUTE, no TARGET_FAILED"
jcheck "$J" 'f("LOCAL_ROUTE")["severity"] == "critical" and "routing table" in f("LOCAL_ROUTE")["advice"]["admin"] and "VPN" in f("LOCAL_ROUTE")["advice"]["user"]' "the advice names the routing table and the VPN"
jcheck "$J" '"courier.push.apple.com:5223" in f("LOCAL_ROUTE")["detail"] and "blackhole route" in f("LOCAL_ROUTE")["detail"]' "the detail names the hosts and the route"
jcheck "$J" 'v("push") == "blocked"' "push blocked"
jcheck "$J" "$UNRELATED" "no unrelated critical finding"

# No default route (a VPN that took it down, a Wi-Fi without DHCP router):
# a free target outside the client's subnet has no route.
ip -n "$NS_C" route del default
J2=$LAB_TMP/noroute.json
pp_run "$J2" --profile none -4 17.253.1.10:80 203.0.113.2:80
expect_rc 1
jcheck "$J2" 'all(k["state"] == "unreachable" and k["reason"] in ("no-route", "local-route") for k in checks) and len(checks) == 2' "no default route: unreachable, no-route"
jcheck "$J2" 'codes[0] == "LOCAL_ROUTE" and "TARGET_FAILED" not in codes and "no route at all" in f("LOCAL_ROUTE")["detail"]' "LOCAL_ROUTE names a missing route"
lab_finish
