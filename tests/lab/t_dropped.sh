#!/bin/sh
# SPDX-License-Identifier: ISC
# The home router silently drops TCP 5223: the courier is filtered there
# (no-response, at the deadline), the 443 fallback still works.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw tcp dport 5223 drop

J=$LAB_TMP/dropped.json
pp_run "$J" --timeout 2
expect_rc 4   # degraded: pushes fall back to 443
jcheck "$J" 'all(k["state"] == "filtered" and k["reason"] == "no-response" for k in cs(port=5223))' "every 5223 check filtered (no-response)"
jcheck "$J" 'len(cs(port=5223)) == 8' "four courier names x two families"
jcheck "$J" 'all(1900 <= k["timings_ms"]["connect"] <= 3000 for k in cs(port=5223))' "5223 checks end at the 2 s deadline"
jcheck "$J" 'all(k["state"] == "ok" for k in cs(port=443, service="apns-device"))' "443 fallback works"
jcheck "$J" 'c("courier.push.apple.com", 5223)["icmp_from"] is None and c("courier.push.apple.com", 5223)["tls"] is None' "no ICMP sender, no TLS for a dropped port"
jcheck "$J" 'doc["summary"]["status"] == "degraded" and doc["summary"]["required_failed"] == 8 and v("push") == "degraded"' "summary: degraded as the push verdict, and counts the required failures"
jcheck "$J" 'doc["duration_ms"] < 2 * 2000 + 1500' "checks ran at once, not one after another"
lab_finish
