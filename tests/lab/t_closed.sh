#!/bin/sh
# SPDX-License-Identifier: ISC
# Closed ports: nothing listens on 2195 (the server resets), and the router
# answers 2196 with a TCP reset.  Both are closed (conn-refused); the legacy
# ports are optional, so they do not fail the run.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw tcp dport 2196 reject with tcp reset

J=$LAB_TMP/closed.json
pp_run "$J" --timeout 3
expect_rc 0
jcheck "$J" 'all(k["state"] == "closed" and k["reason"] == "conn-refused" for k in cs(port=2195) + cs(port=2196))' "2195 and 2196 closed (conn-refused)"
jcheck "$J" 'all(k["service"] == "apns-legacy" and k["required"] is False for k in cs(port=2195))' "legacy ports are informational"
jcheck "$J" 'all(k["icmp_from"] is None for k in cs(port=2196))' "a reset has no ICMP sender"

# A free target on a closed port is required: exit 1.
J2=$LAB_TMP/closed2.json
pp_run "$J2" --profile none 17.253.1.10:2195 tcp://[2620:149:a44::20]:2195
expect_rc 1
jcheck "$J2" 'len(checks) == 2 and all(k["state"] == "closed" and k["service"] == "custom" for k in checks)' "free targets on a closed port"
lab_finish
