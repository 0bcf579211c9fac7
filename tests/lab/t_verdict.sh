#!/bin/sh
# SPDX-License-Identifier: ISC
# The headline follows the verdicts, everyday cases (issue 14): each run
# asserts the status word (JSON, text summary, --nagios), the exit status,
# the finding codes, and that no unrelated critical finding appears.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs

# pp_text NAME ARGS...: the text report (and its exit status in PP_RC).
pp_text() {
    name=$1; shift
    PP_RC=0
    lab_c "$PUSHPROBE" --no-config --color never --resolver 203.0.113.53 \
        --apple-ca "$C/apple-root.pem" "$@" >"$LAB_TMP/$name.txt" 2>&1 || PP_RC=$?
}

# pp_nagios NAME ARGS...: the --nagios line in $LAB_TMP/NAME.nagios.
pp_nagios() {
    name=$1; shift
    PP_RC=0
    lab_c "$PUSHPROBE" --no-config --nagios --resolver 203.0.113.53 \
        --apple-ca "$C/apple-root.pem" "$@" >"$LAB_TMP/$name.nagios" 2>&1 || PP_RC=$?
}

# has FILE REGEX WHAT / hasnt FILE REGEX WHAT: grep the text outputs.
has() {
    if grep -Eq -- "$2" "$1"; then echo "ok: $3"; else
        echo "FAIL: $3 (no /$2/ in $1)"; cat "$1"; LAB_FAILS=$((LAB_FAILS + 1)); fi
}
hasnt() {
    if grep -Eq -- "$2" "$1"; then
        echo "FAIL: $3 (/$2/ in $1)"; cat "$1"; LAB_FAILS=$((LAB_FAILS + 1)); else
        echo "ok: $3"; fi
}

# Only the finding codes given may be critical.
only_critical() { # FILE 'CODE ...' WHAT
    jcheck "$1" "sorted(x['code'] for x in doc['findings'] if x['severity'] == 'critical') == sorted('$2'.split())" "$3"
}

SHARE="--ca-file $C/corp-root.pem --mdm https://mdm.corp.test --smb files.corp.test"

# 1. A healthy network with a file share: OK, the retired ports counted
#    apart as expected, NETWORK_OK; exit 0 and nagios OK.
J=$LAB_TMP/healthy.json
pp_run "$J" --timeout 3 $SHARE
expect_rc 0
jcheck "$J" 'doc["summary"]["status"] == "ok" and doc["summary"]["expected"] == 4 and doc["summary"]["failed"] == 0' "healthy: status ok, the 4 retired-port checks (2 ports x 2 families) expected, none failed"
jcheck "$J" 'all(k["expected"] for k in cs(service="apns-legacy")) and not any(k["expected"] for k in checks if k["service"] != "apns-legacy")' "healthy: exactly the retired ports are marked expected"
jcheck "$J" 'f("NETWORK_OK") is not None and f("APNS_LEGACY_RETIRED")["severity"] == "info" and all(x["severity"] == "info" for x in doc["findings"])' "healthy: NETWORK_OK, nothing worse than info"
pp_text healthy -4 --timeout 3 $SHARE
expect_rc 0
has "$LAB_TMP/healthy.txt" '^Summary: OK - [0-9]+ checks, [0-9]+ ok, 2 expected\.$' "healthy text: 'Summary: OK ... 2 expected'"
has "$LAB_TMP/healthy.txt" '2195 +closed +conn-refused .*\(expected\)' "healthy text: the retired port's row says expected"
pp_nagios healthy -4 --timeout 3 $SHARE
expect_rc 0
has "$LAB_TMP/healthy.nagios" '^PUSHPROBE OK - push ok, mdm ok; network ok \| .*expected=2' "healthy nagios: OK, network ok"

# 2. 5223 rejected, 443 working: degraded everywhere (JSON, text, nagios),
#    exit 4; the fallback finding; no critical.
lab_fw meta nfproto ipv4 tcp dport 5223 reject with icmp type admin-prohibited
lab_fw meta nfproto ipv6 tcp dport 5223 reject with icmpv6 type admin-prohibited
J=$LAB_TMP/fallback.json
pp_run "$J" --timeout 3 $SHARE
expect_rc 4
jcheck "$J" 'doc["summary"]["status"] == "degraded" and v("push") == "degraded" and f("APNS_FALLBACK_443")["severity"] == "warning"' "5223 blocked: status degraded as the push verdict"
jcheck "$J" '"10.10.0.1" in f("APNS_FALLBACK_443")["detail"] and f("NETWORK_OK") is None' "the fallback names the rejecting router; no NETWORK_OK"
only_critical "$J" "" "5223 blocked: no critical finding"
pp_text fallback -4 --timeout 3 $SHARE
expect_rc 4
has "$LAB_TMP/fallback.txt" '^Summary: DEGRADED - ' "5223 blocked text: 'Summary: DEGRADED'"
pp_nagios fallback -4 --timeout 3 $SHARE
expect_rc 1
has "$LAB_TMP/fallback.nagios" '^PUSHPROBE WARNING - push degraded, mdm ok; Port 5223' "5223 blocked nagios: WARNING with the fallback"
lab_r nft flush chain inet lab forward

# 3. A typo in the company's MDM name, Apple's names fine: the company-name
#    finding with the name, no blocklist advice.  (A real resolver answers
#    NXDOMAIN for a TLD that does not exist; --local does that here.)
LAB_DNS_EXTRA="--local=/corp.exmaple/"
lab_dns
LAB_DNS_EXTRA=""
J=$LAB_TMP/typo.json
pp_run "$J" --timeout 3 --mdm https://jss.corp.exmaple
expect_rc 1
jcheck "$J" 'c("jss.corp.exmaple", 8443, None)["state"] == "dns-failed" and c("jss.corp.exmaple", 8443, None)["reason"] == "nxdomain"' "typo: the MDM name is NXDOMAIN"
jcheck "$J" 'f("DNS_COMPANY_NAMES")["severity"] == "critical" and "jss.corp.exmaple" in f("DNS_COMPANY_NAMES")["title"] and "VPN" in f("DNS_COMPANY_NAMES")["detail"] and "misspelt" in f("DNS_COMPANY_NAMES")["detail"]' "typo: DNS_COMPANY_NAMES names it: split DNS (VPN) or a typo"
jcheck "$J" 'f("DNS_FAILED") is None and not any("blocklist" in x["advice"]["admin"] for x in doc["findings"])' "typo: no DNS_FAILED, no blocklist advice"
jcheck "$J" 'doc["summary"]["status"] == "failed" and v("mdm") == "blocked" and v("push") == "ok"' "typo: failed (the MDM is blocked), push ok"
only_critical "$J" "DNS_COMPANY_NAMES" "typo: no other critical"
lab_dns

# 4. -6 with an IPv4 literal: not applicable, never DNS; alone it is a
#    usage error.
J=$LAB_TMP/v6lit.json
pp_run "$J" --timeout 3 -6 --profile none 10.20.0.10:443 '[fd00:20::10]:443'
expect_rc 0
jcheck "$J" 'c("10.20.0.10", 443, None)["state"] == "error" and c("10.20.0.10", 443, None)["reason"] == "family-excluded" and c("10.20.0.10", 443, None)["expected"]' "-6 with an IPv4 literal: family-excluded, expected"
jcheck "$J" 'f("NOT_APPLICABLE")["severity"] == "info" and "IPv6 only" in f("NOT_APPLICABLE")["title"] and f("DNS_FAILED") is None and f("TARGET_FAILED") is None' "-6: NOT_APPLICABLE, no DNS finding"
jcheck "$J" 'doc["summary"]["status"] == "ok" and doc["summary"]["expected"] == 1 and c("fd00:20::10", 443, "ipv6")["state"] == "ok"' "-6: the IPv6 literal is checked; status ok"
pp_run "$J" --timeout 3 -6 --profile none 10.20.0.10:443
expect_rc 2
has "$J.err" 'nothing to check: 10.20.0.10 is an IPv4 address and -6 checks IPv6 only' "-6 with only an IPv4 literal: a usage error that says why"

# 5. --profile none: push not checked, so no NETWORK_OK, and --nagios says
#    what was checked instead of "network ok".
J=$LAB_TMP/nopush.json
pp_run "$J" --timeout 3 --profile none 10.20.0.10:443 10.20.0.10:8443 10.20.0.10:8088
expect_rc 0
jcheck "$J" 'f("NETWORK_OK") is None and f("CHECKED_OK")["title"].startswith("3 targets checked") and "Apple push not checked" in f("CHECKED_OK")["title"]' "--profile none: CHECKED_OK '3 targets checked ... Apple push not checked'"
jcheck "$J" 'doc["summary"]["push_checked"] is False and v("push") == "not-checked"' "--profile none: push_checked false"
pp_nagios nopush --timeout 3 --profile none 10.20.0.10:443 10.20.0.10:8443 10.20.0.10:8088
expect_rc 0
has "$LAB_TMP/nopush.nagios" '^PUSHPROBE OK - push not-checked, mdm not-checked; 3 targets checked, all working; Apple push not checked \|' "--profile none nagios: says push was not checked"
hasnt "$LAB_TMP/nopush.nagios" 'network ok' "--profile none nagios: no 'network ok'"
pp_text nopush --timeout 3 --profile none 10.20.0.10:443
has "$LAB_TMP/nopush.txt" '^Summary: OK - 1 checks, 1 ok; Apple push not checked\.$' "--profile none text: the summary says push was not checked"

# 6. A captive portal that also answers DNS for every name with its own
#    address (hotel Wi-Fi): one root cause, CAPTIVE_PORTAL.
lab_portal
kill "$LAB_DNS_PID"
sleep 0.1
lab_bg "$NS_I" dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
    --listen-address=203.0.113.53 --pid-file="$LAB_TMP/portal-dns.pid" --user=root \
    --address=/#/10.10.0.1
LAB_DNS_PID=$!
lab_wait_listen -u "$NS_I" 53
J=$LAB_TMP/portal.json
pp_run "$J" --timeout 2 -4 $SHARE
expect_rc 1
jcheck "$J" 'c("captive.apple.com", 80)["reason"] == "captive-portal" and c("courier.push.apple.com", 5223)["reason"] == "dns-outside-apple" and c("courier.push.apple.com", 5223)["address"] == "10.10.0.1"' "portal: every name answers with the portal's address"
jcheck "$J" 'f("CAPTIVE_PORTAL")["severity"] == "critical" and "every name" in f("CAPTIVE_PORTAL")["detail"] and "10.10.0.1" in f("CAPTIVE_PORTAL")["detail"]' "portal: CAPTIVE_PORTAL says DNS answers every name with its address"
only_critical "$J" "CAPTIVE_PORTAL" "portal: the one root cause is the only critical"
jcheck "$J" 'f("DNS_OUTSIDE_APPLE") is None and f("DNS_FAILED") is None and f("APNS_BLOCKED") is None and f("MDM_UNREACHABLE") is None and f("TARGET_FAILED") is None' "portal: DNS outside Apple and the failures folded under it"
jcheck "$J" 'len(f("CAPTIVE_PORTAL")["checks"]) == len([k for k in checks if k["state"] != "ok"])' "portal: it lists every failed check"
jcheck "$J" 'doc["summary"]["status"] == "failed"' "portal: status failed"
lab_portal_off
kill "$LAB_DNS_PID"
sleep 0.1
lab_dns

# 7. The retired ports answering: an info finding, still OK.
lab_tls 17.253.1.10 2195 "$C/public.pem" "$C/public.key"
lab_tls 17.253.1.10 2196 "$C/public.pem" "$C/public.key"
lab_wait_listen "$NS_I" 2195
lab_wait_listen "$NS_I" 2196
J=$LAB_TMP/legacy.json
pp_run "$J" --timeout 3 -4 $SHARE
expect_rc 0
jcheck "$J" 'c("gateway.push.apple.com", 2195)["state"] == "ok" and c("feedback.push.apple.com", 2196)["state"] == "ok"' "legacy: both retired ports answer"
jcheck "$J" 'f("APNS_LEGACY_ANSWERS")["severity"] == "info" and len(f("APNS_LEGACY_ANSWERS")["checks"]) == 2 and f("APNS_LEGACY_RETIRED") is None' "legacy answering: APNS_LEGACY_ANSWERS (info)"
jcheck "$J" 'doc["summary"]["status"] == "ok" and doc["summary"]["expected"] == 0 and f("NETWORK_OK") is not None' "legacy answering: status ok, NETWORK_OK"
only_critical "$J" "" "legacy answering: no critical"

# 8. An IPv4-only network (no IPv6 route on the client): the IPv6 checks
#    do not apply; OK, not IPV6_BROKEN.
ip -n "$NS_C" -6 route del default
J=$LAB_TMP/v4only.json
pp_run "$J" --timeout 3 $SHARE
expect_rc 0
jcheck "$J" 'cs(fam="ipv6") and all(k["state"] == "unreachable" and k["reason"] == "no-route" and k["expected"] for k in cs(fam="ipv6"))' "v4-only: every IPv6 check no-route, expected"
jcheck "$J" 'f("IPV6_UNAVAILABLE")["severity"] == "info" and f("IPV6_BROKEN") is None and f("NETWORK_OK") is not None' "v4-only: IPV6_UNAVAILABLE, not IPV6_BROKEN; NETWORK_OK"
jcheck "$J" 'doc["summary"]["status"] == "ok" and v("push") == "ok"' "v4-only: status ok"
only_critical "$J" "" "v4-only: no critical"
ip -n "$NS_C" -6 route add default via fd00:10::1
lab_finish
