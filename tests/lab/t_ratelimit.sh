#!/bin/sh
# SPDX-License-Identifier: ISC
# ICMP rate limiting: the lab router keeps the kernel's defaults (a burst of
# about 6 ICMP errors per destination, then one a second) and rejects TCP
# 9000-9019 to one address with ICMP administratively prohibited; 20 checks
# run at once, so those past the burst hear nothing.  pushprobe tries the
# silent ones again one at a time: every check ends blocked with the
# router's address, none is reported as silently dropped.
LAB_ICMP_RATELIMIT=kernel
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
[ "$(lab_r sysctl -n net.ipv4.icmp_ratelimit)" -gt 0 ] || lab_skip "the kernel does not rate-limit ICMP here"
lab_fw ip daddr 17.253.1.10 tcp dport 9000-9019 reject with icmp type admin-prohibited
set --
for p in $(seq 9000 9019); do set -- "$@" "17.253.1.10:$p"; done

J=$LAB_TMP/ratelimit.json
pp_run "$J" --profile none --timeout 2 -4 "$@"
expect_rc 1
jcheck "$J" 'len(checks) == 20' "20 checks"
jcheck "$J" 'any(k["details"].get("first_try") == "no-response" for k in checks)' "the router's rate limit left some checks without an answer at first"
jcheck "$J" 'all(k["state"] == "blocked" and k["reason"] == "admin-prohibited" and k["icmp_from"] == "10.10.0.1" for k in checks)' "every check ends blocked by the router (admin-prohibited)"
jcheck "$J" 'all(k["details"].get("reprobe") == "icmp-rate-limit" and k["details"].get("reprobe_because") == "10.10.0.1" for k in checks if k["details"].get("first_try"))' "the re-probes carry their evidence"
jcheck "$J" 'not any(k["state"] == "filtered" for k in checks)' "none is reported as silently dropped"
jcheck "$J" 'f("ICMP_RATE_LIMITED") is not None and f("ICMP_RATE_LIMITED")["severity"] == "info" and "10.10.0.1" in f("ICMP_RATE_LIMITED")["detail"]' "ICMP_RATE_LIMITED names the router"
jcheck "$J" '"silently dropped" not in " ".join(x["detail"] for x in doc["findings"] if x["code"] != "ICMP_RATE_LIMITED")' "no other finding says silently dropped"
jcheck "$J" 'not any(x["severity"] == "critical" and x["code"] not in ("TARGET_FAILED",) for x in doc["findings"])' "no unrelated critical finding"

# With --run-timeout too short for all of them, the rest keep their
# silence with the evidence.
J2=$LAB_TMP/ratelimit2.json
pp_run "$J2" --profile none --timeout 2 --run-timeout 6 -4 "$@"
jcheck "$J2" 'all(k["state"] == "blocked" or (k["state"] == "filtered" and k["details"].get("rate_limit_suspect") is True) or k["reason"] == "run-deadline" for k in checks)' "no plain silence: blocked, or filtered with rate_limit_suspect"
jcheck "$J2" 'doc["duration_ms"] < 6000 + 1000' "within the run's deadline"
lab_finish
