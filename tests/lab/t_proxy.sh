#!/bin/sh
# SPDX-License-Identifier: ISC
# A company network whose only way out is a web proxy: squid on the lab's
# router (10.10.0.1:3128), direct traffic from the client to Apple's
# addresses dropped by the router's nftables.  Scenarios:
#   (a) squid with Debian's default ACLs (CONNECT to 443 only): the 443
#       checks pass through the proxy, 5223 through it is denied, direct is
#       blocked; push is degraded and PROXY_PORT_POLICY names the cause;
#   (b) squid with basic authentication (basic_ncsa_auth): 407 and
#       PROXY_AUTH_REQUIRED, and with the credentials in --proxy the checks
#       pass;
#   (c) a proxy that is not there: PROXY_UNREACHABLE;
#   (d) squid with ssl-bump decrypting (the lab's intercepting CA):
#       TLS_INTERCEPTED naming the proxy.
# Each squid runs with its own configuration, pid, logs and no cache in
# the test's temporary directory, and is killed at the end.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_require
command -v squid >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v squid >/dev/null 2>&1 || lab_skip "squid is not installed"
NCSA=/usr/lib/squid/basic_ncsa_auth
[ -x "$NCSA" ] || lab_skip "squid's basic_ncsa_auth is not installed"
lab_up
# The dashboard's tmux server starts before the corp network's servers
# (started after them, it does not last in this lab).
TM="tmux -L pptp$LAB_ID"
if command -v tmux >/dev/null 2>&1; then
    lab_c $TM new-session -d -s keep -x 80 -y 10 "sleep 900"
    trap '$TM kill-server 2>/dev/null; lab_down' EXIT INT TERM
fi
lab_corp
# Direct egress to Apple's addresses and the company's servers is dropped;
# DNS and the proxy are not.
lab_fw ip saddr 10.10.0.0/24 ip daddr 17.0.0.0/8 drop
lab_fw ip6 saddr fd00:10::/64 ip6 daddr 2620:149::/32 drop
lab_fw ip saddr 10.10.0.0/24 ip daddr 10.20.0.0/24 drop
lab_fw ip6 saddr fd00:10::/64 ip6 daddr fd00:20::/64 drop

# squid's own files live here; it drops root to the proxy user.
SQ=$LAB_TMP/squid
mkdir -p "$SQ"
chmod 755 "$LAB_TMP"

P=http://10.10.0.1:3128
APPLE="--timeout 2 --no-config"

# (a) Debian's default ACLs.
lab_squid_start "$(lab_squid_conf default)"
J=$LAB_TMP/proxy-default.json
pp_run "$J" $APPLE --proxy "$P"
expect_rc 4
jcheck "$J" 'all(k["state"] == "filtered" for k in cs(port=443, via="direct") + cs(port=5223, via="direct"))' "direct: every Apple check is dropped"
jcheck "$J" 'all(k["via"] == "http://10.10.0.1:3128" and k["proxy"]["request"] == "connect" and k["id"].endswith("/proxy") and k["address"] == "10.10.0.1" for k in cs(via="proxy")) and len(cs(via="proxy")) >= 15' "the proxied checks name the proxy, connect to its address"
jcheck "$J" 'all(k["state"] == "ok" for k in cs(port=443, via="proxy"))' "every 443 check passes through the proxy"
jcheck "$J" 'c("courier.push.apple.com", 443, via="proxy")["state"] == "ok" and c("courier.push.apple.com", 443, via="proxy")["details"]["proxy_status"] == 200' "the courier's 443 fallback works through the tunnel"
jcheck "$J" '[(k["state"], k["reason"], k["details"]["proxy_denied_port"]) for k in cs(port=5223, via="proxy")] == [("blocked", "proxy-denied", 5223)]' "5223 is tried through the proxy once: proxy-denied, the port named"
jcheck "$J" 'v("push") == "degraded"' "push: degraded (443 through the proxy only)"
jcheck "$J" '"PROXY_PORT_POLICY" in codes and "5223" in f("PROXY_PORT_POLICY")["title"]' "PROXY_PORT_POLICY names the port"
jcheck "$J" 'v("enrollment") == "ok"' "enrollment works through the proxy"
jcheck "$J" '"APNS_VIA_PROXY" in codes and "APNS_BLOCKED" not in codes and "10.10.0.1:3128" in f("APNS_VIA_PROXY")["title"] and "PAC" in f("APNS_VIA_PROXY")["detail"]' "APNS_VIA_PROXY, with Apple's proxy conditions"
jcheck "$J" '"WORKS_THROUGH_PROXY" in codes and "ENROLLMENT_BLOCKED" not in codes and all(k["expected"] for k in cs(host="albert.apple.com", via="direct"))' "the direct failures of what works through the proxy are expected"
jcheck "$J" 'all(k["via"] == "direct" for k in cs(port=80) + cs(port=123) + cs(port=2197) + cs(service="apns-provider"))' "UDP, plain TCP on 80, the provider API stay direct"
# A proxy on an IPv6 address: the checks through it are IPv6 checks.
J=$LAB_TMP/proxy-v6.json
pp_run "$J" $APPLE --proxy "http://[fd00:10::1]:3128"
expect_rc 4
jcheck "$J" 'all(k["family"] == "ipv6" and k["address"] == "fd00:10::1" and k["via"] == "http://[fd00:10::1]:3128" and k["id"].endswith("/ipv6/proxy") for k in cs(via="proxy")) and all(k["state"] == "ok" for k in cs(via="proxy", port=443)) and v("push") == "degraded"' "through a proxy on an IPv6 address"

# The text report shows each check's path; Prometheus has a via label.
T=$LAB_TMP/proxy-text.txt
lab_c "$PUSHPROBE" --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" $APPLE --proxy "$P" --profile none --dp https://dp.corp.test/pkgs/ --ca-file "$LAB_TMP/certs/corp-root.pem" > "$T" 2>&1
if grep -q 'dp.corp.test .* 10.10.0.1 .* ok .*via http://10.10.0.1:3128: ' "$T" && grep -q 'dp.corp.test .* 10.20.0.10 .* filtered .* direct: ' "$T"; then
    echo "ok: text: the path of each check (via the proxy, direct)"
else
    echo "FAIL: text: the path of each check"; cat "$T"; LAB_FAILS=$((LAB_FAILS + 1))
fi
lab_c "$PUSHPROBE" --resolver 203.0.113.53 $APPLE --proxy "$P" --profile none --dp https://dp.corp.test/pkgs/ --ca-file "$LAB_TMP/certs/corp-root.pem" --format prometheus --once > "$T" 2>&1
if grep -q '^probe_success{.*host="dp.corp.test".*via="http://10.10.0.1:3128".*} 1' "$T" && grep -q '^probe_success{.*host="dp.corp.test".*via="direct".*} 0' "$T"; then
    echo "ok: prometheus: a via label, the direct check and its twin apart"
else
    echo "FAIL: prometheus: a via label"; cat "$T"; LAB_FAILS=$((LAB_FAILS + 1))
fi

# The dashboard marks the checks through a proxy.
if command -v tmux >/dev/null 2>&1; then
    printf '#!/bin/sh\nenv TERM=xterm-256color %s --resolver 203.0.113.53 --no-config --timeout 2 --interval 30 --profile none --ca-file %s --dp https://dp.corp.test/pkgs/ --proxy %s 2>%s\nsleep 600\n' \
        "$PUSHPROBE" "$LAB_TMP/certs/corp-root.pem" "$P" "$LAB_TMP/tui.err" > "$LAB_TMP/tui.sh"
    lab_c $TM new-session -d -s tui -x 120 -y 30 "sh $LAB_TMP/tui.sh"
    i=0
    tui_ok() {
        $TM capture-pane -p -t tui | grep -Eq '^ok +\[P\] dp\.corp\.test +v4 +10\.10\.0\.1 ' &&
            $TM capture-pane -p -t tui | grep -Eq ' dp\.corp\.test +v4 +10\.20\.0\.10 '
    }
    while [ $i -lt 150 ] && ! tui_ok; do
        sleep 0.1
        i=$((i + 1))
    done
    if tui_ok; then
        echo "ok: the dashboard marks the check through the proxy with [P], beside its direct twin"
    else
        echo "FAIL: the dashboard's [P] marker"; $TM capture-pane -p -t tui | sed 's/^/  | /'
        cat "$LAB_TMP/tui.err"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
    $TM send-keys -t tui q
fi

J=$LAB_TMP/proxy-redact.json
pp_run "$J" $APPLE --proxy "$P" --redact
jcheck "$J" '"10.10.0.1" not in repr(doc) and all(k["via"].startswith("http://<local-addr-") for k in cs(via="proxy"))' "--redact masks the proxy's address"

# The company's servers through the proxy: the SUS over plain HTTP
# (absolute-URI requests), a distribution point over HTTPS with a redirect
# (followed through the proxy), the MDM on 8443 (not in squid's SSL_ports).
J=$LAB_TMP/proxy-corp.json
pp_run "$J" --timeout 2 --no-config --profile none --ca-file "$LAB_TMP/certs/corp-root.pem" --proxy "$P" --sus sus.corp.test --dp https://dp.corp.test/old/ --mdm https://mdm.corp.test
expect_rc 1
jcheck "$J" 'c("sus.corp.test", 8088, via="proxy")["state"] == "ok" and c("sus.corp.test", 8088, via="proxy")["proxy"]["request"] == "absolute-uri" and c("sus.corp.test", 8088, via="proxy")["address"] == "10.10.0.1"' "SUS over plain HTTP through the proxy: absolute-URI, ok"
jcheck "$J" '[(k["id"], k["state"], k["reason"]) for k in cs(host="dp.corp.test", via="proxy")] == [("dp.corp.test:443/ipv4/old//proxy", "ok", "redirect"), ("dp.corp.test:443/ipv4/pkgs/Tool.pkg/proxy", "ok", "service-ok")]' "a redirect is followed through the proxy"
jcheck "$J" 'all(k["reason"] == "proxy-denied" and k["details"]["proxy_denied_port"] == 8443 for k in cs(host="mdm.corp.test", via="proxy"))' "the MDM on 8443 through squid's defaults: proxy-denied"
jcheck "$J" '"PROXY_PORT_POLICY" in codes and f("PROXY_PORT_POLICY")["severity"] == "critical" and "8443" in f("PROXY_PORT_POLICY")["title"] and v("mdm") == "blocked" and v("software_update") == "ok"' "PROXY_PORT_POLICY for the MDM's port is critical; MDM blocked, the SUS ok"

# A proxy that refuses a host by name: its 403 on a plain HTTP request
# says it is the proxy's (X-Squid-Error), so it is not the server's.
lab_squid_start "$(lab_squid_conf denyhost "" "$(printf 'acl denied dstdomain .blocked.corp.test\nhttp_access deny denied')")"
J=$LAB_TMP/proxy-denyhost.json
pp_run "$J" --timeout 2 --no-config --profile none --proxy "$P" --dp http://sus.blocked.corp.test:8088/ --sus sus.corp.test
jcheck "$J" 'c("sus.blocked.corp.test", 8088, via="proxy")["state"] == "blocked" and c("sus.blocked.corp.test", 8088, via="proxy")["reason"] == "proxy-denied" and c("sus.blocked.corp.test", 8088, via="proxy")["details"]["proxy_error"].startswith("ERR_ACCESS_DENIED")' "plain HTTP refused by the proxy: proxy-denied (X-Squid-Error)"
jcheck "$J" 'c("sus.corp.test", 8088, via="proxy")["state"] == "ok" and "PROXY_DENIED" in codes and "sus.blocked.corp.test:8088" in f("PROXY_DENIED")["title"] and "PROXY_PORT_POLICY" not in codes' "PROXY_DENIED names the refused host; the other SUS works"
lab_squid_start "$(lab_squid_conf default)"

# The same through the environment's https_proxy, and no_proxy sending Apple direct.
J=$LAB_TMP/proxy-env.json
PP_RC=0
lab_c env https_proxy="$P" "$PUSHPROBE" --json --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" $APPLE > "$J" 2>"$J.err" || PP_RC=$?
expect_rc 4
jcheck "$J" 'len(cs(via="proxy")) == len(cs(via="proxy", port=443)) + 1 and c("gdmf.apple.com", 443, via="proxy")["state"] == "ok"' "https_proxy from the environment is used"
J=$LAB_TMP/proxy-noproxy.json
PP_RC=0
lab_c env https_proxy="$P" no_proxy=".apple.com" "$PUSHPROBE" --json --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" $APPLE > "$J" 2>"$J.err" || PP_RC=$?
expect_rc 1
jcheck "$J" '[k["id"] for k in cs(via="proxy")] == ["updates.cdn-apple.com:443/ipv4/proxy"]' "no_proxy=.apple.com: Apple's names direct (cdn-apple.com is not under apple.com)"
J=$LAB_TMP/proxy-forced.json
PP_RC=0
lab_c env no_proxy=".apple.com" "$PUSHPROBE" --json --resolver 203.0.113.53 --apple-ca "$LAB_TMP/certs/apple-root.pem" $APPLE --proxy "$P" > "$J" 2>"$J.err" || PP_RC=$?
expect_rc 4
jcheck "$J" 'len(cs(via="proxy")) >= 15' "--proxy ignores no_proxy rules"

# (b) squid with basic authentication: a passwd file made here.
printf 'lab:%s\n' "$(openssl passwd -apr1 's3cret pw')" > "$SQ/passwd"
chmod 644 "$SQ/passwd"
lab_squid_start "$(lab_squid_conf auth "$SQ/passwd")"
J=$LAB_TMP/proxy-auth.json
pp_run "$J" $APPLE --proxy "$P"
expect_rc 1
jcheck "$J" 'all(k["state"] == "blocked" and k["reason"] == "proxy-auth-required" and k["details"]["proxy_auth_scheme"] == "Basic" and k["details"]["proxy_status"] == 407 for k in cs(via="proxy", port=443))' "without credentials: 407, scheme Basic"
jcheck "$J" 'c("courier.push.apple.com", 5223, via="proxy")["reason"] == "proxy-denied"' "5223: squid's port rule comes before authentication"
jcheck "$J" '"PROXY_AUTH_REQUIRED" in codes and f("PROXY_AUTH_REQUIRED")["severity"] == "critical" and "credentials" in f("PROXY_AUTH_REQUIRED")["advice"]["admin"]' "PROXY_AUTH_REQUIRED: devices need credentials or an exemption"
jcheck "$J" 'v("push") == "blocked" and v("enrollment") == "blocked"' "nothing works: push and enrollment blocked"
J=$LAB_TMP/proxy-auth-bad.json
pp_run "$J" $APPLE --proxy "http://lab:wrong@10.10.0.1:3128"
jcheck "$J" 'all(k["reason"] == "proxy-auth-required" and "refuses the credentials" in k["message"] for k in cs(via="proxy", port=443))' "wrong credentials: refused"
J=$LAB_TMP/proxy-auth-ok.json
pp_run "$J" $APPLE --proxy "http://lab:s3cret%20pw@10.10.0.1:3128"
expect_rc 4
jcheck "$J" 'all(k["state"] == "ok" for k in cs(port=443, via="proxy")) and all(k["via"] == "http://lab:***@10.10.0.1:3128" and k["proxy"]["credentials"] for k in cs(via="proxy"))' "with the credentials the checks pass, the password masked"
jcheck "$J" '"s3cret" not in repr(doc)' "the password is in no report"
jcheck "$J" '"PROXY_AUTH_REQUIRED" not in codes and v("push") == "degraded" and v("enrollment") == "ok"' "with credentials: push degraded, enrollment ok"

# (d) squid with ssl-bump, decrypting with the lab's intercepting CA (its
# certificates made for each host by security_file_certgen).
CERTGEN=/usr/lib/squid/security_file_certgen
if [ -x "$CERTGEN" ] && squid -v | grep -q -- --with-openssl; then
    conf=$(lab_squid_conf bump)
    d=$SQ/bump
    cat "$LAB_TMP/certs/evil-root.pem" "$LAB_TMP/certs/evil-root.key" > "$d/bump-ca.pem"
    chmod 644 "$d/bump-ca.pem"
    "$CERTGEN" -c -s "$d/ssl_db" -M 4MB >/dev/null 2>&1
    chown -R proxy "$d/ssl_db" 2>/dev/null || chmod -R 777 "$d/ssl_db"
    sed -i "s|^http_port 10.10.0.1:3128|http_port 10.10.0.1:3128 ssl-bump tls-cert=$d/bump-ca.pem generate-host-certificates=on dynamic_cert_mem_cache_size=4MB|" "$conf"
    {
        echo "sslcrtd_program $CERTGEN -s $d/ssl_db -M 4MB"
        echo "sslcrtd_children 2"
        echo "tls_outgoing_options cafile=$LAB_TMP/certs/apple-root.pem"
        echo "acl step1 at_step SslBump1"
        echo "ssl_bump peek step1"
        echo "ssl_bump bump all"
    } >> "$conf"
    lab_squid_start "$conf"
    J=$LAB_TMP/proxy-bump.json
    pp_run "$J" $APPLE --proxy "$P"
    expect_rc 1
    jcheck "$J" 'c("courier.push.apple.com", 443, via="proxy")["state"] in ("intercepted", "tls-failed") and c("courier.push.apple.com", 443, via="proxy")["tls"]["issuer_cn"] == "Evil Web Shield Root" and c("courier.push.apple.com", 443, via="proxy")["details"]["proxy_status"] == 200' "through ssl-bump: the courier's certificate is the proxy's"
    jcheck "$J" '"TLS_INTERCEPTED" in codes and "10.10.0.1:3128" in f("TLS_INTERCEPTED")["title"] and "Evil Web Shield Root" in f("TLS_INTERCEPTED")["title"] and "10.10.0.1:3128" in f("TLS_INTERCEPTED")["advice"]["admin"]' "TLS_INTERCEPTED names the proxy and its issuer"
    jcheck "$J" 'v("push") == "blocked" and v("enrollment") == "blocked" and "APNS_VIA_PROXY" not in codes and not any("courier" in i or "albert" in i for i in (f("WORKS_THROUGH_PROXY") or {"checks": []})["checks"])' "a decrypting proxy is no way out for push or enrollment"
    jcheck "$J" 'c("courier.push.apple.com", 5223, via="proxy")["state"] == "intercepted"' "squid bumps even the CONNECT it refuses (to show its error page)"
else
    echo "SKIP: squid without OpenSSL or security_file_certgen: no ssl-bump scenario"
fi

# (e) hostile proxies: one that answers CONNECT with something not HTTP,
# one that accepts and never answers, one that sends endless headers.
printf '#!/bin/sh\nhead -c 20 >/dev/null\nprintf "SSH-2.0-OpenSSH_9.2\\r\\n"\nsleep 3\n' > "$LAB_TMP/notproxy.sh"
printf '#!/bin/sh\nhead -c 20 >/dev/null\nprintf "HTTP/1.1 200 OK\\r\\n"\nwhile :; do printf "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\r\\n"; done\n' > "$LAB_TMP/endless.sh"
chmod +x "$LAB_TMP/notproxy.sh" "$LAB_TMP/endless.sh"
lab_bg "$NS_R" socat TCP4-LISTEN:3130,bind=10.10.0.1,reuseaddr,fork EXEC:"$LAB_TMP/notproxy.sh"
lab_bg "$NS_R" socat TCP4-LISTEN:3131,bind=10.10.0.1,reuseaddr,fork SYSTEM:'sleep 10'
lab_bg "$NS_R" socat TCP4-LISTEN:3132,bind=10.10.0.1,reuseaddr,fork EXEC:"$LAB_TMP/endless.sh"
for p in 3130 3131 3132; do lab_wait_listen "$NS_R" $p; done
J=$LAB_TMP/proxy-notproxy.json
pp_run "$J" --timeout 2 --no-config --profile none --proxy http://10.10.0.1:3130 --dp https://dp.corp.test/pkgs/
jcheck "$J" 'c("dp.corp.test", 443, via="proxy")["reason"] == "bad-response" and "not HTTP" in c("dp.corp.test", 443, via="proxy")["message"]' "a proxy that is not one: bad-response"
J=$LAB_TMP/proxy-silent.json
pp_run "$J" --timeout 2 --no-config --profile none --proxy http://10.10.0.1:3131 --dp https://dp.corp.test/pkgs/
jcheck "$J" 'c("dp.corp.test", 443, via="proxy")["reason"] == "no-response" and "did not answer CONNECT" in c("dp.corp.test", 443, via="proxy")["message"] and c("dp.corp.test", 443, via="proxy")["timings_ms"]["total"] < 3000' "a proxy that never answers CONNECT: no-response at the deadline"
J=$LAB_TMP/proxy-endless.json
pp_run "$J" --timeout 2 --no-config --profile none --proxy http://10.10.0.1:3132 --dp https://dp.corp.test/pkgs/
jcheck "$J" 'c("dp.corp.test", 443, via="proxy")["reason"] == "bad-response" and c("dp.corp.test", 443, via="proxy")["state"] == "unexpected"' "endless headers: bounded, bad-response"

# (c) no proxy there: squid stopped.
lab_squid_stop
J=$LAB_TMP/proxy-gone.json
pp_run "$J" $APPLE --proxy "$P"
expect_rc 1
jcheck "$J" 'all(k["reason"] == "proxy-unreachable" and k["state"] == "closed" and k["details"]["proxy_tcp"] == "conn-refused" for k in cs(via="proxy"))' "proxy unreachable: the TCP outcome kept (refused)"
jcheck "$J" '"PROXY_UNREACHABLE" in codes and f("PROXY_UNREACHABLE")["severity"] == "critical" and "10.10.0.1:3128" in f("PROXY_UNREACHABLE")["title"]' "PROXY_UNREACHABLE names the proxy"
J=$LAB_TMP/proxy-dropped.json
lab_fw ip daddr 10.10.0.1 tcp dport 3129 drop
pp_run "$J" $APPLE --proxy "http://10.10.0.1:3129"
jcheck "$J" 'all(k["reason"] == "proxy-unreachable" and k["details"]["proxy_tcp"] in ("conn-refused", "no-response") for k in cs(via="proxy"))' "a proxy port that refuses or drops: proxy-unreachable"
J=$LAB_TMP/proxy-noname.json
pp_run "$J" $APPLE --proxy "http://proxy.nowhere.test:3128"
jcheck "$J" 'all(k["state"] == "dns-failed" and k["reason"] == "proxy-unreachable" and "proxy.nowhere.test" in k["message"] and k["details"]["proxy_dns"] for k in cs(via="proxy")) and "PROXY_UNREACHABLE" in codes' "a proxy name that does not resolve: proxy-unreachable, dns-failed"
lab_finish
