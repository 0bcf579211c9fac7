#!/bin/sh
# SPDX-License-Identifier: ISC
# PAC files: a company PAC served over HTTP (and HTTPS) by nginx in the lab sends
# Apple's hosts (by name, and by address: isInNet on what dnsResolve gives
# for a CDN name in 17.0.0.0/8) to the proxy and everything else DIRECT.
# The context says so, per URL asked and in one line.  A PAC that is not
# there, does not answer in time, loops forever, is too large or is not
# JavaScript is classified (pac-unreachable, pac-invalid) and the run goes
# on within its time.  WPAD (--pac wpad) finds it at wpad.DOMAIN of the
# client's search domain or a parent.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up

W=$LAB_TMP/pacwww
mkdir -p "$W"
cat > "$W/proxy.pac" <<'PAC'
function FindProxyForURL(url, host) {
    if (isPlainHostName(host) || dnsDomainIs(host, ".corp.test"))
        return "DIRECT";
    if (dnsDomainIs(host, ".apple.com") || isInNet(dnsResolve(host), "17.0.0.0", "255.0.0.0"))
        return "PROXY 10.10.0.1:3128; DIRECT";
    return "DIRECT";
}
PAC
printf 'function FindProxyForURL(u, h) { while (true) {} }\n' > "$W/loop.pac"
printf 'function FindProxyForURL(u, h) { return "DIRECT" \n' > "$W/syntax.pac"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$W/big.pac"
# The same PAC over HTTPS, with a certificate for the server's address
# from the company's own CA (which the clients have: --ca-file).
C=$LAB_TMP/certs
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:203.0.113.2\n' > "$LAB_TMP/pac.ext"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$LAB_TMP/pac.key" 2>/dev/null
openssl req -new -key "$LAB_TMP/pac.key" -subj "/O=Corp/CN=203.0.113.2" -out "$LAB_TMP/pac.csr" 2>/dev/null
openssl x509 -req -in "$LAB_TMP/pac.csr" -CA "$C/corp-root.pem" -CAkey "$C/corp-root.key" \
    -CAcreateserial -CAserial "$LAB_TMP/pac.srl" -sha256 -days 30 -extfile "$LAB_TMP/pac.ext" \
    -out "$LAB_TMP/pac.crt" 2>/dev/null
cat > "$LAB_TMP/nginx-pac.conf" <<NGX
user root;
worker_processes 1;
pid $LAB_TMP/nginx-pac.pid;
error_log $LAB_TMP/nginx-pac.err;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $LAB_TMP/pac-body;
    proxy_temp_path $LAB_TMP/pac-proxy;
    fastcgi_temp_path $LAB_TMP/pac-fastcgi;
    uwsgi_temp_path $LAB_TMP/pac-uwsgi;
    scgi_temp_path $LAB_TMP/pac-scgi;
    types { application/x-ns-proxy-autoconfig pac dat; }
    server {
        listen 203.0.113.2:8080;
        listen 203.0.113.2:80;
        root $W;
    }
    server {
        listen 203.0.113.2:8443 ssl;
        ssl_certificate $LAB_TMP/pac.crt;
        ssl_certificate_key $LAB_TMP/pac.key;
        root $W;
    }
}
NGX
lab_nginx "$NS_I" "$LAB_TMP/nginx-pac.conf"
lab_wait_listen "$NS_I" 8080
lab_wait_listen "$NS_I" 8443
cp "$W/proxy.pac" "$W/wpad.dat"
# A server that takes the connection and never answers.
lab_tcp 203.0.113.2 8081
lab_wait_listen "$NS_I" 8081

PAC=http://203.0.113.2:8080/proxy.pac
J=$LAB_TMP/pac.json
pp_run "$J" --timeout 3 --pac "$PAC" --mdm https://mdm.corp.test:8443/ \
    --sus http://sus.corp.test:8088/index.sucatalog
jcheck "$J" 'doc["context"]["pac"]["status"] == "ok" and doc["context"]["pac"]["source"] == "'"$PAC"'" and doc["context"]["pac"]["from"] == "option" and "error" not in doc["context"]["pac"]' "the PAC was fetched over HTTP and ran"
jcheck "$J" 'doc["context"]["pac"]["apple"] == "PROXY 10.10.0.1:3128" and doc["context"]["pac"]["other"] == "DIRECT"' "Apple's hosts to the proxy, the rest DIRECT"
A='doc["context"]["pac"]["answers"]'
jcheck "$J" "$A"'["https://courier.push.apple.com:5223/"] == "PROXY 10.10.0.1:3128; DIRECT" and '"$A"'["https://courier.push.apple.com/"] == "PROXY 10.10.0.1:3128; DIRECT"' "the courier on 5223 and 443 asked as https URLs without a path"
jcheck "$J" "$A"'["https://mdm.corp.test:8443/"] == "DIRECT"' "the MDM (dnsDomainIs .corp.test) DIRECT"
jcheck "$J" "$A"'["http://sus.corp.test:8088/index.sucatalog"] == "DIRECT"' "a plain HTTP check (the SUS) asked with its port and path"
jcheck "$J" 'c("courier.push.apple.com", 5223, via="direct")["state"] == "ok" and c("gdmf.apple.com", 443, via="direct")["state"] == "ok"' "the direct checks still ran"
# A name outside apple.com goes by its address: isInNet(dnsResolve(host))
# reads the run's own lookup (the lab's CDN name is in 17.0.0.0/8, the
# corp name is not).
J=$LAB_TMP/pac-addr.json
pp_run "$J" --timeout 2 --profile none --pac "$PAC" 'https://updates.cdn-apple.com/' \
    'https://dp.corp.test/'
jcheck "$J" "$A"'["https://updates.cdn-apple.com/"] == "PROXY 10.10.0.1:3128; DIRECT" and '"$A"'["https://dp.corp.test/"] == "DIRECT"' "a CDN name in Apple's addresses to the proxy, by isInNet(dnsResolve(host))"
jcheck "$J" 'doc["context"]["pac"]["apple"] is None and doc["context"]["pac"]["other"].startswith("mixed: ")' "no Apple host of the profile asked; the others mixed"
lab_c "$PUSHPROBE" --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 3 \
    --pac "$PAC" --mdm https://mdm.corp.test:8443/ --no-tui > "$LAB_TMP/pac.txt" 2>&1 || true
if grep -qF "  PAC: $PAC, Apple's hosts -> PROXY 10.10.0.1:3128, other hosts -> DIRECT" "$LAB_TMP/pac.txt"; then
    echo "ok: the text report's PAC line"
else
    echo "FAIL: the text report's PAC line"; grep -n 'PAC\|Proxy' "$LAB_TMP/pac.txt"; LAB_FAILS=$((LAB_FAILS + 1))
fi

# Over HTTPS: fetched when the server's chain is one the clients trust
# (the company's root given with --ca-file), refused otherwise, as a TLS
# check would refuse it.
SPAC=https://203.0.113.2:8443/proxy.pac
J=$LAB_TMP/pac-https.json
pp_run "$J" --timeout 3 --ca-file "$C/corp-root.pem" --pac "$SPAC" --profile none \
    'https://gdmf.apple.com/' 'https://dp.corp.test/'
jcheck "$J" 'doc["context"]["pac"]["status"] == "ok" and doc["context"]["pac"]["source"] == "'"$SPAC"'" and '"$A"'["https://gdmf.apple.com/"] == "PROXY 10.10.0.1:3128; DIRECT" and '"$A"'["https://dp.corp.test/"] == "DIRECT"' "the PAC fetched over HTTPS (company root) and ran"
J=$LAB_TMP/pac-https-untrusted.json
pp_run "$J" --timeout 3 --pac "$SPAC" --profile none courier.push.apple.com:5223
jcheck "$J" 'doc["context"]["pac"]["status"] == "pac-unreachable" and "certificate of 203.0.113.2 is refused (cert-untrusted)" in doc["context"]["pac"]["error"] and c("courier.push.apple.com", 5223)["state"] == "ok"' "an HTTPS PAC whose chain the clients do not trust: refused, named, the checks ran"

# WPAD: the client's search domain is office.corp.test; wpad.office.corp.test
# does not exist, wpad.corp.test does (its parent, two labels).
LAB_DNS_EXTRA="--host-record=wpad.corp.test,203.0.113.2" lab_dns
mkdir -p "/etc/netns/$NS_C"
printf 'nameserver 203.0.113.53\nsearch office.corp.test\n' > "/etc/netns/$NS_C/resolv.conf"
J=$LAB_TMP/pac-wpad.json
pp_run "$J" --timeout 3 --pac wpad --profile none 'https://gdmf.apple.com/' 'https://dp.corp.test/'
jcheck "$J" 'doc["context"]["pac"]["status"] == "ok" and doc["context"]["pac"]["source"] == "http://wpad.corp.test/wpad.dat" and doc["context"]["pac"]["from"] == "option" and '"$A"'["https://gdmf.apple.com/"] == "PROXY 10.10.0.1:3128; DIRECT"' "WPAD: found at wpad.corp.test (after wpad.office.corp.test) and ran"
printf 'nameserver 203.0.113.53\nsearch lab.example\n' > "/etc/netns/$NS_C/resolv.conf"
J=$LAB_TMP/pac-nowpad.json
pp_run "$J" --timeout 2 --pac wpad --profile none courier.push.apple.com:5223 'https://gdmf.apple.com/'
jcheck "$J" 'doc["context"]["pac"]["status"] == "pac-unreachable" and doc["context"]["pac"]["source"] == "wpad" and doc["context"]["pac"]["error"].startswith("WPAD: no PAC file at http://wpad.lab.example/wpad.dat (wpad.lab.example does not resolve") and c("courier.push.apple.com", 5223)["state"] == "ok" and cs(via="proxy") == []' "WPAD: nothing at wpad.lab.example: pac-unreachable, named, the checks ran"
rm -rf "/etc/netns/$NS_C"

# What cannot be used is classified, and the run goes on in its time.
n=0
for case in "http://203.0.113.2:8080/none.pac pac-unreachable HTTP.404" \
            "http://203.0.113.2:8082/proxy.pac pac-unreachable cannot.connect" \
            "http://203.0.113.2:8081/proxy.pac pac-unreachable in.time" \
            "http://nosuch.corp.test/proxy.pac pac-unreachable does.not.resolve" \
            "http://203.0.113.2:8080/loop.pac pac-invalid time.budget" \
            "http://203.0.113.2:8080/syntax.pac pac-invalid does.not.compile" \
            "http://203.0.113.2:8080/big.pac pac-invalid over"; do
    set -- $case
    n=$((n + 1))
    J=$LAB_TMP/bad$n.json
    t0=$(date +%s)
    pp_run "$J" --timeout 1 --profile none --pac "$1" courier.push.apple.com:5223 'https://gdmf.apple.com/'
    t=$(( $(date +%s) - t0 ))
    jcheck "$J" 'doc["context"]["pac"]["status"] == "'"$2"'" and __import__("re").search("'"$3"'", doc["context"]["pac"]["error"]) and doc["context"]["pac"]["apple"] is None' "$1: $2 ($3)"
    jcheck "$J" 'all(v.startswith("error: ") for v in doc["context"]["pac"]["answers"].values()) and c("courier.push.apple.com", 5223)["state"] == "ok" and cs(via="proxy") == []' "$1: no answer used (every check direct), the checks ran"
    if [ "$t" -le 8 ]; then echo "ok: $1 took ${t}s"; else echo "FAIL: $1 took ${t}s"; LAB_FAILS=$((LAB_FAILS + 1)); fi
done
# The PAC's answers choose each check's path (PAC > the environment;
# --proxy and --no-proxy over both): squid with Debian's default access
# rules on the router, direct traffic to Apple's addresses dropped.
if command -v squid >/dev/null 2>&1 || [ -x /usr/sbin/squid ]; then
    lab_squid_start "$(lab_squid_conf default)"
    lab_fw ip saddr 10.10.0.0/24 ip daddr 17.0.0.0/8 drop
    lab_fw ip6 saddr fd00:10::/64 ip6 daddr 2620:149::/32 drop
    P=http://10.10.0.1:3128
    J=$LAB_TMP/pac-squid.json
    pp_run "$J" --timeout 2 --pac "$PAC" --mdm https://mdm.corp.test:8443/
    jcheck "$J" 'len(cs(via="proxy")) >= 15 and all(k["via"] == "'"$P"'" for k in cs(via="proxy"))' "the PAC's proxy carries the proxied checks"
    jcheck "$J" 'all(k["state"] == "ok" for k in cs(port=443, via="proxy")) and c("gdmf.apple.com", 443, via="proxy")["state"] == "ok" and c("courier.push.apple.com", 443, via="proxy")["state"] == "ok"' "every 443 check passes through the PAC's proxy"
    jcheck "$J" 'all(k["state"] == "filtered" for k in cs(port=443, via="direct") if k["service"] != "mdm")' "direct to Apple: dropped"
    jcheck "$J" '[(k["state"], k["reason"]) for k in cs(port=5223, via="proxy")] == [("blocked", "proxy-denied")]' "5223 through the PAC's proxy: denied by squid's port policy"
    jcheck "$J" 'cs(service="mdm", via="proxy") == [] and all(k["via"] == "direct" for k in cs(service="mdm"))' "the MDM (PAC: DIRECT) only direct"
    jcheck "$J" 'v("push") == "degraded" and "PROXY_PORT_POLICY" in codes' "push degraded through the proxy, the port policy named"
    # PAC over the environment: https_proxy names a proxy that is not there.
    J=$LAB_TMP/pac-env.json
    PP_RC=0
    lab_c env https_proxy=http://10.10.0.1:3999 "$PUSHPROBE" --json --resolver 203.0.113.53 \
        --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 2 --pac "$PAC" \
        --mdm https://mdm.corp.test:8443/ > "$J" 2>"$J.err" || PP_RC=$?
    jcheck "$J" 'all(k["via"] == "'"$P"'" for k in cs(via="proxy")) and c("gdmf.apple.com", 443, via="proxy")["state"] == "ok" and cs(service="mdm", via="proxy") == []' "the PAC's answer wins over https_proxy (and its DIRECT too)"
    # --no-proxy and --proxy override the PAC.
    J=$LAB_TMP/pac-off.json
    pp_run "$J" --timeout 2 --pac "$PAC" --no-proxy --profile none 'https://gdmf.apple.com/'
    jcheck "$J" 'cs(via="proxy") == [] and c("gdmf.apple.com", 443)["state"] == "filtered"' "--no-proxy: direct whatever the PAC says"
    J=$LAB_TMP/pac-forced.json
    pp_run "$J" --timeout 2 --pac "$PAC" --proxy "$P" --mdm https://mdm.corp.test:8443/ --profile none
    jcheck "$J" 'len(cs(service="mdm", via="proxy")) == 1' "--proxy: through the proxy although the PAC says DIRECT"
else
    echo "SKIP: squid is not installed: the PAC's paths are not run"
fi

lab_finish
