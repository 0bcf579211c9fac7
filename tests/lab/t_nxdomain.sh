#!/bin/sh
# SPDX-License-Identifier: ISC
# The resolver says NXDOMAIN for the courier names (as a DNS blocklist
# does): one dns-failed check per target, with no address.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_dns $LAB_COURIER_NAMES

J=$LAB_TMP/nx.json
pp_run "$J" --timeout 3
expect_rc 1
jcheck "$J" 'all(k["state"] == "dns-failed" and k["reason"] == "nxdomain" and k["address"] is None and k["family"] is None for k in cs(service="apns-device"))' "courier names: dns-failed nxdomain, no address"
jcheck "$J" 'len(cs(service="apns-device")) == 6' "one check per target, not per family"
jcheck "$J" 'all(k["timings_ms"]["dns"] is not None and k["timings_ms"]["connect"] is None for k in cs(service="apns-device"))' "DNS time kept, no connect"
jcheck "$J" 'c("api.push.apple.com", 443)["state"] == "ok"' "other names still resolve"

# A DNS blocklist that sinkholes Apple's push names (as Pi-hole does):
# answers 0.0.0.0 and ::, or a private address.  Nothing to connect to.
LAB_DNS_EXTRA="--host-record=courier.push.apple.com,0.0.0.0,:: --host-record=1-courier.push.apple.com,10.99.0.1"
lab_dns $LAB_COURIER_NAMES
LAB_DNS_EXTRA=""
J=$LAB_TMP/sinkhole.json
pp_run "$J" --timeout 3
expect_rc 1
jcheck "$J" 'all(k["state"] == "unexpected" and k["reason"] == "dns-outside-apple" for k in cs("courier.push.apple.com") + cs("1-courier.push.apple.com", fam="ipv4"))' "sinkholed names: dns-outside-apple"
jcheck "$J" 'c("courier.push.apple.com", 5223)["address"] == "0.0.0.0" and c("courier.push.apple.com", 5223)["timings_ms"]["connect"] is None' "the sinkhole address is shown, and not connected to"
jcheck "$J" '"0.0.0.0" in c("courier.push.apple.com", 5223)["message"]' "the message names the answer"
jcheck "$J" 'c("api.push.apple.com", 443)["state"] == "ok"' "Apple addresses pass"
lab_dns

J=$LAB_TMP/nx4.json
pp_run "$J" --timeout 3 -4 --profile none courier.push.apple.com:5223 api.push.apple.com:443
jcheck "$J" 'len(checks) == 2 and c("api.push.apple.com", 443)["family"] == "ipv4" and not cs(fam="ipv6")' "-4 asks for IPv4 only"
lab_finish
