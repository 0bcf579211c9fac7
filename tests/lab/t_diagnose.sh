#!/bin/sh
# SPDX-License-Identifier: ISC
# Diagnosis: one lab scenario per finding the lab can produce.  Each run
# asserts the finding's code, severity and key evidence, and that
# unrelated findings are absent (one root cause, one finding).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
CORP="--mdm https://mdm.corp.test --dp https://dp.corp.test/pkgs/Tool.pkg --smb files.corp.test"

# Everything healthy: NETWORK_OK, and only informational findings.
J=$LAB_TMP/healthy.json
pp_run "$J" --timeout 3 --ca-file "$C/corp-root.pem" $CORP
expect_rc 0
jcheck "$J" '"NETWORK_OK" in codes and f("NETWORK_OK")["severity"] == "info" and all(x["severity"] == "info" for x in doc["findings"])' "healthy: NETWORK_OK, nothing worse than info"
jcheck "$J" '"pushes" in f("NETWORK_OK")["detail"] and "APNs certificate" in f("NETWORK_OK")["advice"]["admin"]' "NETWORK_OK names the causes that are not the network"
jcheck "$J" 'f("APNS_OK") is not None and v("push") == "ok" and v("mdm") == "ok" and v("content") == "ok" and v("file_sharing") == "ok" and v("enrollment") == "ok"' "healthy: verdicts ok"
jcheck "$J" 'doc["schema"] == 1 and doc["schema_minor"] >= 1' "schema 1, minor version for the additions"

# 5223 dropped, 443 open: the fallback.
lab_fw tcp dport 5223 drop
J=$LAB_TMP/fallback.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("APNS_FALLBACK_443")["severity"] == "warning" and "dropped" in f("APNS_FALLBACK_443")["detail"] and v("push") == "degraded"' "5223 dropped: APNS_FALLBACK_443, push degraded"
jcheck "$J" 'f("APNS_BLOCKED") is None and f("NETWORK_OK") is None and f("APNS_OK") is None' "no APNS_BLOCKED, no NETWORK_OK"
jcheck "$J" 'len(f("APNS_FALLBACK_443")["checks"]) == 8' "the finding lists the 5223 checks"
lab_r nft flush chain inet lab forward

# 5223 and 443 to the courier rejected by the router.
lab_fw ip daddr 17.57.144.10 tcp dport '{ 443, 5223 }' reject with icmp type admin-prohibited
lab_fw ip6 daddr 2620:149:a44::10 tcp dport '{ 443, 5223 }' reject with icmpv6 type admin-prohibited
J=$LAB_TMP/blocked.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("APNS_BLOCKED")["severity"] == "critical" and "10.10.0.1" in f("APNS_BLOCKED")["detail"] and v("push") == "blocked"' "5223 and 443 rejected: APNS_BLOCKED names the router"
jcheck "$J" '"17.0.0.0/8" in f("APNS_BLOCKED")["advice"]["admin"] and f("APNS_FALLBACK_443") is None' "the advice names what to allow"
jcheck "$J" 'doc["findings"][0]["severity"] == "critical"' "most severe first"
lab_r nft flush chain inet lab forward

# TLS interception on the courier (5223).
lab_courier_cert "$C/mitm-courier.pem" "$C/mitm-courier.key"
J=$LAB_TMP/mitm.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("TLS_INTERCEPTED")["severity"] == "critical" and "Evil Web Shield Root" in f("TLS_INTERCEPTED")["title"] + f("TLS_INTERCEPTED")["detail"] and "courier.push.apple.com:5223" in f("TLS_INTERCEPTED")["detail"]' "interception: the CA and the hosts named"
jcheck "$J" 'f("APNS_BLOCKED") is None and f("APNS_FALLBACK_443") is None and v("push") == "degraded"' "one root cause: no separate push finding"
lab_courier_cert "$C/courier.pem" "$C/courier.key"

# A captive portal: one finding, naming where it sends the browser.
lab_portal
J=$LAB_TMP/captive.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("CAPTIVE_PORTAL")["severity"] == "critical" and "login.guest.test" in f("CAPTIVE_PORTAL")["detail"] and "sign in" in f("CAPTIVE_PORTAL")["advice"]["user"]' "captive portal: CAPTIVE_PORTAL names the login page"
jcheck "$J" 'f("NETWORK_OK") is None and f("TARGET_FAILED") is None' "and nothing else is blamed"
lab_portal_off

# A DNS sinkhole answering 0.0.0.0 for the courier.
LAB_DNS_EXTRA="--host-record=courier.push.apple.com,0.0.0.0,::"
lab_dns courier.push.apple.com
LAB_DNS_EXTRA=""
J=$LAB_TMP/sinkhole.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("DNS_OUTSIDE_APPLE")["severity"] == "critical" and "0.0.0.0" in f("DNS_OUTSIDE_APPLE")["detail"]' "sinkhole: DNS_OUTSIDE_APPLE with the answer"
jcheck "$J" 'f("DNS_FAILED") is None and f("APNS_BLOCKED") is None' "no DNS_FAILED or APNS_BLOCKED for it"
lab_dns

# A dead resolver: one finding, not thirty.
kill "$LAB_DNS_PID"
sleep 0.2
J=$LAB_TMP/deaddns.json
pp_run "$J" --timeout 1.5 $CORP
jcheck "$J" 'f("DNS_FAILED")["severity"] == "critical" and "DNS does not work" in f("DNS_FAILED")["title"]' "dead resolver: DNS_FAILED"
jcheck "$J" 'codes == ["DNS_FAILED"]' "and nothing else"
jcheck "$J" 'v("push") == "blocked" and v("mdm") == "blocked"' "verdicts still say what does not work"
lab_dns

# IPv6 dropped on the router while IPv4 works.
lab_fw meta nfproto ipv6 tcp dport '{ 443, 5223, 2197 }' drop
J=$LAB_TMP/v6.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("IPV6_BROKEN")["severity"] == "warning" and v("push") == "degraded" and f("APNS_OK") is not None' "IPv6 broken: IPV6_BROKEN; push works over IPv4 (degraded)"
jcheck "$J" 'f("APNS_FALLBACK_443") is None and f("ENROLLMENT_BLOCKED") is None' "no per-service findings for it"
lab_r nft flush chain inet lab forward

# The MDM with an expired certificate; then Jamf reporting DBConnectionError.
J=$LAB_TMP/mdm-expired.json
pp_run "$J" --timeout 2 --profile none --ca-file "$C/corp-root.pem" --mdm https://mdm.corp.test:8444
jcheck "$J" 'f("MDM_CERT")["severity"] == "critical" and "expired" in f("MDM_CERT")["title"]' "MDM certificate expired: MDM_CERT says so"
printf '[{"healthCode":1,"httpCode":503,"description":"DBConnectionError"}]' > "$LAB_TMP/www/health.json"
J=$LAB_TMP/mdm-db.json
pp_run "$J" --timeout 2 --profile none --ca-file "$C/corp-root.pem" --mdm https://mdm.corp.test
jcheck "$J" 'f("MDM_UNHEALTHY")["severity"] == "critical" and "DBConnectionError" in f("MDM_UNHEALTHY")["title"] and v("mdm") == "blocked"' "Jamf DBConnectionError: MDM_UNHEALTHY names it"
printf '[]' > "$LAB_TMP/www/health.json"
lab_fw ip daddr 10.20.0.10 tcp dport 8443 reject with icmp type admin-prohibited
lab_fw ip6 daddr fd00:20::10 tcp dport 8443 reject with icmpv6 type admin-prohibited
J=$LAB_TMP/mdm-blocked.json
pp_run "$J" --timeout 2 --profile none --ca-file "$C/corp-root.pem" --mdm https://mdm.corp.test
jcheck "$J" 'f("MDM_UNREACHABLE")["severity"] == "critical" and "10.10.0.1" in f("MDM_UNREACHABLE")["detail"]' "MDM blocked: MDM_UNREACHABLE with the router"
lab_r nft flush chain inet lab forward

# A distribution point with the company's CA: untrusted, then trusted.
J=$LAB_TMP/dp.json
pp_run "$J" --timeout 2 --profile none --dp https://dp.corp.test/pkgs/Tool.pkg
jcheck "$J" 'f("DP_CERT_UNTRUSTED")["severity"] == "critical" and "root CA" in f("DP_CERT_UNTRUSTED")["advice"]["admin"] and f("DP_PROBLEM") is None' "DP with an unknown CA: DP_CERT_UNTRUSTED"
J=$LAB_TMP/dp-ca.json
pp_run "$J" --timeout 2 --profile none --dp https://dp.corp.test/pkgs/Tool.pkg --ca-file "$C/corp-root.pem"
jcheck "$J" 'f("DP_CERT_UNTRUSTED") is None and codes == ["CHECKED_OK"] and v("content") == "ok" and "Apple push not checked" in f("CHECKED_OK")["title"]' "with --ca-file: CHECKED_OK (push was not checked: no NETWORK_OK)"

# SMB blocked; AFP noted as deprecated.
lab_fw tcp dport 445 drop
J=$LAB_TMP/smb.json
pp_run "$J" --timeout 2 --profile none --smb files.corp.test --afp files.corp.test
jcheck "$J" 'f("FILESHARE_BLOCKED")["severity"] == "critical" and "dropped" in f("FILESHARE_BLOCKED")["detail"] and f("AFP_DEPRECATED")["severity"] == "info" and v("file_sharing") == "blocked"' "SMB dropped: FILESHARE_BLOCKED; AFP_DEPRECATED"
lab_r nft flush chain inet lab forward

# The MDM server's own view: api.push blocked on both ports.
lab_fw ip daddr 17.253.1.10 tcp dport '{ 443, 2197 }' reject with tcp reset
lab_fw ip6 daddr 2620:149:a44::20 tcp dport '{ 443, 2197 }' reject with tcp reset
J=$LAB_TMP/provider.json
pp_run "$J" --timeout 2
jcheck "$J" 'f("APNS_PROVIDER_BLOCKED")["severity"] == "warning" and f("ENROLLMENT_BLOCKED")["severity"] == "critical"' "provider blocked: APNS_PROVIDER_BLOCKED; enrollment too"
lab_r nft flush chain inet lab forward
lab_finish
