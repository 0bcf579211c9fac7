#!/bin/sh
# SPDX-License-Identifier: ISC
# Everything open: the courier verifies on 5223 and 443 over IPv4 and IPv6,
# the other Apple services answer, legacy 2195/2196 are closed but optional.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up

J=$LAB_TMP/open.json
pp_run "$J" --timeout 3
expect_rc 0
jcheck "$J" 'doc["schema"] == 1 and doc["tool"] == "pushprobe" and doc["summary"]["status"] in ("ok", "degraded")' "report header and summary"
jcheck "$J" 'all(c(h, 5223, f)["state"] == "ok" for h in ("courier.push.apple.com", "1-courier.push.apple.com") for f in ("ipv4", "ipv6"))' "courier 5223 ok on both families"
jcheck "$J" 'c("courier.push.apple.com", 5223)["address"] == "17.57.144.10" and c("courier.push.apple.com", 5223, "ipv6")["address"] == "2620:149:a44::10"' "IPv4 and IPv6 are separate checks"
jcheck "$J" 'c("courier.push.apple.com", 5223)["reason"] == "tls-ok" and c("courier.push.apple.com", 5223)["tls"]["verified"] is True' "courier chain verifies against the expected root"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["issuer_cn"] == "Lab Apple Server Authentication CA" and c("courier.push.apple.com", 5223)["tls"]["trust"] == "apple-courier"' "courier issuer recorded"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["version"].startswith("TLSv1") and c("courier.push.apple.com", 5223)["tls"]["days_left"] > 300' "TLS version and days left"
jcheck "$J" 'c("courier.push.apple.com", 5223)["sni"] == "courier.push.apple.com" and c("courier.push.apple.com", 5223)["alpn_offered"] == "apns-security-v3"' "SNI and ALPN offered"
jcheck "$J" 'c("20-courier.push.apple.com", 443)["state"] == "ok" if cs("20-courier.push.apple.com", 443) else c("courier.push.apple.com", 443)["state"] == "ok"' "443 fallback ok"
jcheck "$J" 'c("courier.push.apple.com", 443)["tls"]["client_cert_requested"] is True and c("courier.push.apple.com", 443)["state"] == "ok"' "a client certificate request is recorded, not a failure"
jcheck "$J" 'c("courier.push.apple.com", 5223)["tls"]["client_cert_requested"] is False' "no request, none recorded"
jcheck "$J" 'c("api.push.apple.com", 2197)["state"] == "ok" and c("api.push.apple.com", 443, "ipv6")["state"] == "ok"' "provider ports ok"
jcheck "$J" 'c("gateway.push.apple.com", 2195)["state"] == "closed" and c("gateway.push.apple.com", 2195)["reason"] == "conn-refused" and c("gateway.push.apple.com", 2195)["required"] is False' "legacy 2195 closed, optional"
jcheck "$J" 'all(k["timings_ms"]["dns"] is not None and k["timings_ms"]["dns"] >= 0 for k in checks if k["address"])' "DNS time measured"
jcheck "$J" 'all(k["timings_ms"]["connect"] is not None for k in checks if k["state"] == "ok")' "connect time measured"
J2=$LAB_TMP/open-nx.json
pp_run "$J2" --timeout 3 --profile none nosuch.apple.com:443
jcheck "$J2" 'c("nosuch.apple.com", 443, None)["state"] == "dns-failed" and c("nosuch.apple.com", 443, None)["address"] is None and c("nosuch.apple.com", 443, None)["reason"] == "nxdomain"' "a name the DNS does not know: one check, no address"

# The text report of the same run.
lab_c "$PUSHPROBE" --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 3 > "$LAB_TMP/open.txt" || true
if grep -q '^Summary: ' "$LAB_TMP/open.txt" && grep -q 'courier.push.apple.com' "$LAB_TMP/open.txt" && ! grep -q "$(printf '\033')" "$LAB_TMP/open.txt"; then
    echo "ok: text report, no colour when not a terminal"
else
    echo "FAIL: text report"; cat "$LAB_TMP/open.txt"; LAB_FAILS=$((LAB_FAILS + 1))
fi
lab_finish
