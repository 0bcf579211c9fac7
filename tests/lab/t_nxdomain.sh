#!/bin/sh
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

J=$LAB_TMP/nx4.json
pp_run "$J" --timeout 3 -4 --profile none courier.push.apple.com:5223 api.push.apple.com:443
jcheck "$J" 'len(checks) == 2 and c("api.push.apple.com", 443)["family"] == "ipv4" and not cs(fam="ipv6")' "-4 asks for IPv4 only"
lab_finish
