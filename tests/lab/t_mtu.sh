#!/bin/sh
# SPDX-License-Identifier: ISC
# A path MTU black hole: the router drops the courier's packets over 1,000
# bytes on 5223 and sends no ICMP "too big".  The handshake stalls after the
# server's small first records; tried again with 536-byte segments it
# finishes, and the diagnosis names the black hole instead of a blocked port.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_fw tcp sport 5223 meta length gt 1000 drop

J=$LAB_TMP/mtu.json
pp_run "$J" --timeout 3
expect_rc 4   # degraded: push falls back to 443
jcheck "$J" 'cs(port=5223) and all(k["reason"] == "tls-timeout" and 0 < k["details"]["tls_bytes_received"] < 1000 for k in cs(port=5223))' "5223 stalls in the TLS handshake after the small first records"
jcheck "$J" 'all(any(r["retry_of"] == k["id"] and r["id"] == k["id"] + "/mss536" for r in retries) for k in cs(port=5223))' "each stalled check is tried again with 536-byte segments"
jcheck "$J" 'retries and all(r["state"] == "ok" and r["details"]["mss"] == 536 and r["tls"]["version"] for r in retries)' "the retries complete the handshake"
jcheck "$J" 'len(retries) == len(cs(port=5223)) and all(r["port"] == 5223 for r in retries)' "nothing else is retried"
jcheck "$J" 'any(f["code"] == "PATH_MTU_BLACKHOLE" and f["severity"] == "critical" for f in doc["findings"])' "PATH_MTU_BLACKHOLE, critical"
jcheck "$J" 'set(next(f for f in doc["findings"] if f["code"] == "PATH_MTU_BLACKHOLE")["checks"]) == set(k["id"] for k in cs(port=5223))' "it covers the stalled checks, not the retries"
jcheck "$J" 'not any(f["code"] in ("APNS_BLOCKED", "APNS_FALLBACK_443", "APNS_OK") for f in doc["findings"])' "no blocked-port finding for the stalled port"
jcheck "$J" 'doc["verdicts"]["push"] == "degraded"' "push degraded: 5223 hangs, 443 works"

# The retries are evidence, not series of their own: each check's labels once.
lab_c "$PUSHPROBE" --no-config --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" \
    --timeout 3 --format prometheus --once > "$LAB_TMP/mtu.prom" 2>/dev/null
dups=$(grep -v '^#' "$LAB_TMP/mtu.prom" | sed 's/ [^ ]*$//' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && grep -q 'pushprobe_finding{code="PATH_MTU_BLACKHOLE"' "$LAB_TMP/mtu.prom" \
    && echo "ok: Prometheus: no repeated series, the finding exported" \
    || { echo "FAIL: Prometheus: $dups repeated series"; LAB_FAILS=$((LAB_FAILS + 1)); }
if command -v promtool >/dev/null 2>&1; then
    promtool check metrics < "$LAB_TMP/mtu.prom" >/dev/null 2>&1 && echo "ok: promtool check metrics" \
        || { echo "FAIL: promtool"; LAB_FAILS=$((LAB_FAILS + 1)); }
fi

# Without the black hole nothing is retried.
lab_r nft flush chain inet lab forward
pp_run "$J" --timeout 3
jcheck "$J" 'not retries and not any(f["code"] == "PATH_MTU_BLACKHOLE" for f in doc["findings"])' "a healthy path: no retry, no finding"
lab_finish
