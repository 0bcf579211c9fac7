#!/bin/sh
# SPDX-License-Identifier: ISC
# The Prometheus exposition (--format prometheus) and the monitoring
# plugin line (--nagios) in a healthy lab and with 5223 blocked; the
# exposition passes promtool's linter in both.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
command -v promtool >/dev/null 2>&1 || lab_skip "promtool (Debian's prometheus) is not installed"
lab_up

prom() { # OUT ARGS...
    out=$1; shift
    lab_c "$PUSHPROBE" --no-config --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" \
        --timeout 2 "$@" > "$out" 2>/dev/null || true
}
check() { # FILE PYTHON-EXPR WHAT
    if python3 - "$1" "$2" <<'PY'
import re, sys
m = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    name, rest = re.match(r"([a-z_]+)(\{.*\})? (\S+)", line).group(1, 2), line.rsplit(" ", 1)[1]
    m.setdefault(name[0], []).append((name[1] or "", float(rest)))
def get(name, **labels):
    return [v for l, v in m.get(name, []) if all(f'{k}="{x}"' in l for k, x in labels.items())]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
    then echo "ok: $3"; else echo "FAIL: $3"; LAB_FAILS=$((LAB_FAILS + 1)); fi
}
lint() {
    if promtool check metrics < "$1" > "$1.lint" 2>&1; then
        echo "ok: promtool check metrics passes ($2)"
    else
        echo "FAIL: promtool ($2)"; cat "$1.lint"; LAB_FAILS=$((LAB_FAILS + 1))
    fi
}

M=$LAB_TMP/healthy.prom
prom "$M" --format prometheus
lint "$M" healthy
check "$M" 'get("probe_success", host="courier.push.apple.com", port="5223", family="ipv4") == [1.0]' "probe_success 1 for the courier"
check "$M" 'get("pushprobe_verdict", area="push", verdict="ok") == [1.0] and get("pushprobe_verdict", area="push", verdict="blocked") == [0.0]' "pushprobe_verdict push ok"
check "$M" 'get("probe_ssl_earliest_cert_expiry", host="api.push.apple.com", port="443", family="ipv4")[0] > 1.7e9' "certificate expiry as a timestamp"
check "$M" 'get("probe_http_status_code", host="api.push.apple.com", port="2197", family="ipv4") == [403.0]' "probe_http_status_code of APNs' answer"
check "$M" 'get("probe_tls_version_info", host="courier.push.apple.com", port="5223", family="ipv4", version="TLS 1.3") == [1.0]' "probe_tls_version_info labelled like blackbox_exporter"
check "$M" 'get("pushprobe_finding", code="NETWORK_OK", severity="info") == [1.0]' "pushprobe_finding NETWORK_OK"
# Two URLs on one server: apart by their path label, no repeated series.
D=$LAB_TMP/dps.prom
prom "$D" --format prometheus --profile none --ca-file "$LAB_TMP/certs/corp-root.pem" \
    --dp https://dp.corp.test/pkgs/Tool.pkg --dp https://dp.corp.test/pkgs/Other.pkg
lint "$D" "two URLs on one server"
check "$D" 'len(get("probe_success", host="dp.corp.test", path="/pkgs/Tool.pkg", family="ipv4")) == 1 and len(get("probe_success", host="dp.corp.test", path="/pkgs/Other.pkg", family="ipv4")) == 1' "a path label for each URL"
if [ "$(grep -v '^#' "$D" | sed 's/ [^ ]*$//' | sort | uniq -d | wc -l)" = 0 ]; then echo "ok: no repeated series"; else
    echo "FAIL: repeated series"; LAB_FAILS=$((LAB_FAILS + 1)); fi
N=$LAB_TMP/healthy.nagios
prom "$N" --nagios
if grep -q '^PUSHPROBE OK - push ok' "$N" && grep -q '|' "$N"; then echo "ok: --nagios: OK line with perfdata"; else echo "FAIL: --nagios OK"; cat "$N"; LAB_FAILS=$((LAB_FAILS + 1)); fi
lab_c "$PUSHPROBE" --no-config --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 2 --nagios > /dev/null 2>&1
rc=$?; [ $rc -eq 0 ] && echo "ok: --nagios exits 0 when healthy" || { echo "FAIL: --nagios exit $rc"; LAB_FAILS=$((LAB_FAILS + 1)); }

lab_fw tcp dport '{ 443, 5223 }' ip daddr 17.57.144.10 reject with icmp type admin-prohibited
lab_fw tcp dport '{ 443, 5223 }' ip6 daddr 2620:149:a44::10 reject with icmpv6 type admin-prohibited
M=$LAB_TMP/blocked.prom
prom "$M" --format prometheus
lint "$M" blocked
check "$M" 'get("probe_success", host="courier.push.apple.com", port="5223", family="ipv4") == [0.0] and get("pushprobe_check_state", host="courier.push.apple.com", port="5223", family="ipv4", state="blocked", reason="admin-prohibited") == [1.0]' "blocked courier: probe_success 0, state and reason labelled"
check "$M" 'get("pushprobe_verdict", area="push", verdict="blocked") == [1.0] and get("pushprobe_finding", code="APNS_BLOCKED", severity="critical") == [1.0]' "verdict blocked, finding APNS_BLOCKED"
N=$LAB_TMP/blocked.nagios
lab_c "$PUSHPROBE" --no-config --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 2 --nagios > "$N" 2>/dev/null
rc=$?
if [ $rc -eq 2 ] && grep -q '^PUSHPROBE CRITICAL - push blocked' "$N"; then echo "ok: --nagios: CRITICAL, exit 2"; else echo "FAIL: --nagios critical (exit $rc)"; cat "$N"; LAB_FAILS=$((LAB_FAILS + 1)); fi
lab_finish
