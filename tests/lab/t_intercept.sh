#!/bin/sh
# SPDX-License-Identifier: ISC
# TLS interception on the courier: an intercepting proxy's CA ("Evil Web
# Shield Root") signs a courier.push.apple.com certificate.  pushprobe names
# the issuer; when that CA is trusted locally (--ca-file, as a company's
# inspection root would be) the reason is issuer-unexpected.  Also: an
# expired Apple-chained certificate and a self-signed one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
C=$LAB_TMP/certs
lab_courier_cert "$C/mitm-courier.pem" "$C/mitm-courier.key"

J=$LAB_TMP/mitm.json
pp_run "$J" --timeout 3
expect_rc 4   # degraded: 5223 intercepted, 443 works
jcheck "$J" 'all(k["state"] == "intercepted" and k["reason"] == "cert-untrusted" for k in cs(port=5223))' "5223 intercepted by an unknown CA"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["issuer_cn"] == "Evil Web Shield Root"' "the intercepting issuer is named"
jcheck "$J" '"Evil Web Shield Root" in c("courier.push.apple.com", 5223)["message"]' "the message names it too"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["verified"] is False and c("courier.push.apple.com", 5223)["tls"]["verify_error"]' "verification failed, with the error kept"
jcheck "$J" '"courier.push.apple.com" in c("courier.push.apple.com", 5223)["tls"]["subject"]' "certificate details kept when verification fails"
jcheck "$J" 'all(k["state"] == "ok" for k in cs(port=443, service="apns-device"))' "443 is not intercepted"
# --redact: the inspecting CA's name is the company's; Apple's names stay.
J=$LAB_TMP/mitm-red.json
pp_run "$J" --timeout 3 --redact
if grep -q -i 'Evil Web Shield' "$J"; then
    echo "FAIL: --redact left the inspecting CA's name"; LAB_FAILS=$((LAB_FAILS + 1))
else
    echo "ok: --redact masks the inspecting CA's name"
fi
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["issuer_cn"].startswith("<corp-name-") and "courier.push.apple.com" in c("courier.push.apple.com", 5223)["tls"]["subject"] and c("courier.push.apple.com", 443)["tls"]["issuer_cn"] == "Lab Apple Server Authentication CA"' "--redact: the inspecting issuer is a placeholder; Apple's names and its own CA stay"

J=$LAB_TMP/mitm-trusted.json
pp_run "$J" --timeout 3 --ca-file "$C/evil-root.pem"
jcheck "$J" 'all(k["state"] == "intercepted" and k["reason"] == "issuer-unexpected" for k in cs(port=5223))' "locally trusted inspection CA: issuer-unexpected"

lab_courier_cert "$C/expired.pem" "$C/expired.key"
J=$LAB_TMP/expired.json
pp_run "$J" --timeout 3
jcheck "$J" 'all(k["state"] == "tls-failed" and k["reason"] == "cert-expired" for k in cs(port=5223))' "an expired Apple-chained certificate: cert-expired"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["days_left"] < 0 and c("courier.push.apple.com", 5223)["tls"]["not_after"] == "2020-01-01T00:00:00Z"' "expiry date and negative days left"

lab_courier_cert "$C/selfsigned.pem" "$C/selfsigned.key"
J=$LAB_TMP/self.json
pp_run "$J" --timeout 3
jcheck "$J" 'all(k["state"] == "intercepted" for k in cs(port=5223))' "a self-signed courier certificate is interception"
lab_finish
