#!/bin/sh
# SPDX-License-Identifier: ISC
# The ticket report: --save writes FILE.txt and FILE.json; --redact masks
# this machine's name, its addresses, the router and the DNS server, and
# the company's host names and addresses in both, and on standard output.
# Apple's names stay.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs
lab_fw meta nfproto ipv4 tcp dport 5223 reject with icmp type admin-prohibited
lab_fw meta nfproto ipv6 tcp dport 5223 reject with icmpv6 type admin-prohibited
ARGS="--timeout 2 --ca-file $C/corp-root.pem --mdm https://mdm.corp.test --dp https://dp.corp.test/pkgs/Tool.pkg --smb files.corp.test"
HOST=$(hostname)

T=$LAB_TMP/ticket
pp_run "$T.out" $ARGS --save "$T"
jcheck "$T.json" 'doc["tool"] == "pushprobe" and doc["context"]["dns_servers"] == ["203.0.113.53"] and doc["context"]["default_route"]["gateway"] == "10.10.0.1"' "--save: FILE.json with the context"
if grep -q '^Verdicts' "$T.txt" && grep -q 'APNS_FALLBACK_443' "$T.txt" && grep -q 'mdm.corp.test' "$T.txt"; then
    echo "ok: --save: FILE.txt with verdicts, findings and checks"
else
    echo "FAIL: --save: FILE.txt"; LAB_FAILS=$((LAB_FAILS + 1))
fi

R=$LAB_TMP/redacted
pp_run "$R.out" $ARGS --save "$R" --redact
leaks=""
for f in "$R.txt" "$R.json" "$R.out"; do
    for secret in corp.test 10.20.0.10 fd00:20::10 10.10.0.2 10.10.0.1 fd00:10::2 203.0.113.53 "$HOST"; do
        grep -q -i -F "$secret" "$f" && leaks="$leaks $(basename "$f"):$secret"
    done
done
if [ -z "$leaks" ]; then
    echo "ok: --redact: no host name, address or company name left in any output"
else
    echo "FAIL: --redact leaks:$leaks"; LAB_FAILS=$((LAB_FAILS + 1))
fi
jcheck "$R.json" '"<corp-host-1>" in [k["host"] for k in checks] and c("courier.push.apple.com", 5223)["address"] == "17.57.144.10"' "placeholders for the company; Apple's names and addresses stay"
jcheck "$R.json" 'doc["context"]["hostname"] == "<hostname>" and "<local-addr" in f("APNS_FALLBACK_443")["detail"]' "the router in a finding is masked too"
# --public-ip: only when asked, from the service named; masked by --redact.
mkdir -p "$LAB_TMP/myip"
cat > "$LAB_TMP/myip.conf" <<NGX
user root;
worker_processes 1;
pid $LAB_TMP/myip/nginx.pid;
error_log $LAB_TMP/myip/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $LAB_TMP/myip/body;
    proxy_temp_path $LAB_TMP/myip/proxy;
    fastcgi_temp_path $LAB_TMP/myip/fastcgi;
    uwsgi_temp_path $LAB_TMP/myip/uwsgi;
    scgi_temp_path $LAB_TMP/myip/scgi;
    server {
        listen 203.0.113.2:8080;
        location / { default_type text/plain; return 200 "198.51.100.7\n"; }
    }
}
NGX
lab_nginx "$NS_I" "$LAB_TMP/myip.conf"
lab_wait_listen "$NS_I" 8080
J=$LAB_TMP/pub.json
pp_run "$J" --timeout 2 --profile none --public-ip http://203.0.113.2:8080/
jcheck "$J" 'checks[0]["probe"] == "publicip" and checks[0]["details"]["public_address"] == "198.51.100.7" and checks[0]["required"] is False' "--public-ip: the address from the service"
J=$LAB_TMP/pub-red.json
pp_run "$J" --timeout 2 --profile none --public-ip http://203.0.113.2:8080/ --redact
if grep -q '198.51.100.7' "$J"; then
    echo "FAIL: --redact left the public address"; LAB_FAILS=$((LAB_FAILS + 1))
else
    echo "ok: --redact masks the public address"
fi
lab_finish
