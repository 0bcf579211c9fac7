#!/bin/sh
# SPDX-License-Identifier: ISC
# Service probes against real servers: APNs' provider API over HTTP/2
# (nginx answering 403 MissingProviderToken), captive portal detection,
# a Jamf-like health page (healthy, then each documented error), a
# Software Update Server catalog, an HTTPS distribution point, a captive
# portal on the router, an HTTP/1.1-only server where APNs should be, and
# hostile HTTP servers.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_up
lab_corp
C=$LAB_TMP/certs

J=$LAB_TMP/apple.json
pp_run "$J" --timeout 3
jcheck "$J" 'all(k["state"] == "ok" and k["details"]["http_status"] == 403 and k["details"]["apns_reason"] == "MissingProviderToken" for k in cs(service="apns-provider"))' "APNs provider: HTTP/2 403 MissingProviderToken on 443 and 2197, both families"
jcheck "$J" 'c("api.push.apple.com", 443)["tls"]["alpn"] == "h2" and c("api.push.apple.com", 443)["probe"] == "apns"' "ALPN h2 negotiated"
jcheck "$J" 'all(k["state"] == "ok" and k["reason"] == "service-ok" for k in cs(service="captive"))' "captive.apple.com says Success"

SYS="--profile none --ca-file $C/corp-root.pem"
J=$LAB_TMP/mdm-ok.json
pp_run "$J" --timeout 3 $SYS --mdm https://mdm.corp.test
expect_rc 0
jcheck "$J" 'all(k["state"] == "ok" and k["details"]["jamf"] is True and k["details"]["health"] == "healthy" for k in checks) and len(checks) == 2' "Jamf health: [] is healthy"
jcheck "$J" 'c("mdm.corp.test", 8443)["details"]["path"] == "/healthCheck.html"' "the health page is asked for"

for e in "1 503 DBConnectionError" "2 200 SetupAssistant" "3 503 DBConnectionConfigError" "4 503 Initializing" "5 503 ChildNodeStartUpError" "6 503 InitializationError"; do
    set -- $e
    printf '[{"healthCode":%s,"httpCode":%s,"description":"%s"}]' "$1" "$2" "$3" > "$LAB_TMP/www/health.json"
    J=$LAB_TMP/mdm-$3.json
    pp_run "$J" --timeout 3 -4 $SYS --mdm https://mdm.corp.test:8443/
    jcheck "$J" "c('mdm.corp.test', 8443)['state'] == 'unexpected' and c('mdm.corp.test', 8443)['reason'] == 'mdm-unhealthy' and c('mdm.corp.test', 8443)['details']['health'] == '$3' and '$3' in c('mdm.corp.test', 8443)['message']" "Jamf health error $3 named"
done
printf '<html>not json' > "$LAB_TMP/www/health.json"
J=$LAB_TMP/mdm-other.json
pp_run "$J" --timeout 3 -4 $SYS --mdm https://mdm.corp.test
jcheck "$J" 'c("mdm.corp.test", 8443)["state"] == "ok" and c("mdm.corp.test", 8443)["details"]["jamf"] is False' "another MDM: answers over HTTPS, no Jamf page"

J=$LAB_TMP/sus.json
pp_run "$J" --timeout 3 $SYS --sus sus.corp.test
expect_rc 0
jcheck "$J" 'all(k["state"] == "ok" and k["details"]["products"] == 3 for k in cs(service="sus"))' "SUS catalog: a plist with 3 products"
J=$LAB_TMP/sus404.json
pp_run "$J" --timeout 3 -4 $SYS --sus http://sus.corp.test:8088/nothere.sucatalog
jcheck "$J" 'c("sus.corp.test", 8088)["state"] == "unexpected" and c("sus.corp.test", 8088)["reason"] == "http-status"' "SUS wrong catalog path: http-status"
J=$LAB_TMP/susnotplist.json
pp_run "$J" --timeout 3 -4 $SYS --sus http://sus.corp.test:8088/health.json
jcheck "$J" 'c("sus.corp.test", 8088)["reason"] == "not-plist"' "SUS answering something else: not-plist"

J=$LAB_TMP/dp.json
pp_run "$J" --timeout 3 -4 $SYS --dp https://dp.corp.test/pkgs/Tool.pkg --dp https://dp.corp.test/private/x.pkg --dp https://dp.corp.test/pkgs/missing.pkg
jcheck "$J" 'len(checks) == 3' "three distribution point checks"
jcheck "$J" '[k for k in checks if k["details"].get("path") == "/pkgs/Tool.pkg"][0]["state"] == "ok" and [k for k in checks if k["details"].get("path") == "/pkgs/Tool.pkg"][0]["details"]["content_length"] == 100000' "DP package: ok with its size"
jcheck "$J" '[k for k in checks if k["details"].get("path") == "/private/x.pkg"][0]["reason"] == "auth-required"' "DP behind credentials: auth-required, reported as such"
jcheck "$J" '[k for k in checks if k["details"].get("path") == "/pkgs/missing.pkg"][0]["state"] == "unexpected"' "DP missing package: unexpected"

# Redirects are followed, each hop a check of its own; a loop stops.
J=$LAB_TMP/redirect.json
pp_run "$J" --timeout 3 -4 $SYS --dp https://dp.corp.test/old/
jcheck "$J" 'len(checks) == 2 and checks[0]["reason"] == "redirect" and checks[1]["details"]["path"] == "/pkgs/Tool.pkg" and checks[1]["state"] == "ok" and checks[1]["details"]["content_length"] == 100000' "a redirect is followed to the package"
jcheck "$J" '"redirected from" in checks[1]["note"]' "the followed check says where it came from"
J=$LAB_TMP/loop.json
pp_run "$J" --timeout 3 -4 $SYS --dp https://dp.corp.test/loop
expect_rc 1
jcheck "$J" 'len(checks) == 1 and checks[0]["state"] == "unexpected" and "loop" in checks[0]["message"]' "a redirect loop is named as one"
J=$LAB_TMP/hops.json
pp_run "$J" --timeout 3 -4 $SYS --dp https://dp.corp.test/h1
jcheck "$J" 'len(checks) == 6 and checks[-1]["state"] == "unexpected" and "more than 5 redirects" in checks[-1]["message"]' "a chain of redirects stops after 5 hops"
J=$LAB_TMP/fanout.json
pp_run "$J" --timeout 3 $SYS --dp https://dp.corp.test/old/
jcheck "$J" 'len(checks) == 4 and len([k for k in checks if k["details"].get("path") == "/pkgs/Tool.pkg"]) == 2' "both families redirect to one URL, checked once (on both of its addresses)"

# A captive portal on the router (lab_portal in lab.sh).
lab_portal
J=$LAB_TMP/captive.json
pp_run "$J" --timeout 3 -4
jcheck "$J" 'c("captive.apple.com", 80)["state"] == "unexpected" and c("captive.apple.com", 80)["reason"] == "captive-portal" and "login.guest.test" in c("captive.apple.com", 80)["message"]' "captive portal: redirect named"
lab_portal_off

# Something that is not APNs on 2197: TLS without HTTP/2.
lab_bg "$NS_R" socat "OPENSSL-LISTEN:9443,bind=10.10.0.1,reuseaddr,fork,cert=$C/public.pem,key=$C/public.key,verify=0" SYSTEM:'sleep 2'
lab_wait_listen "$NS_R" 9443
lab_r nft add table ip mitm
lab_r nft add chain ip mitm pre '{ type nat hook prerouting priority -100; }'
lab_r nft add rule ip mitm pre iifname r0 tcp dport 2197 dnat to 10.10.0.1:9443
J=$LAB_TMP/noh2.json
pp_run "$J" --timeout 3 -4
jcheck "$J" 'c("api.push.apple.com", 2197)["state"] == "unexpected" and c("api.push.apple.com", 2197)["reason"] == "alpn-mismatch"' "no HTTP/2 where APNs should be: alpn-mismatch"
jcheck "$J" 'c("api.push.apple.com", 443)["state"] == "ok"' "443 still answers as APNs"
lab_r nft delete table ip mitm

# Hostile HTTP servers.
A=17.253.1.10
big=$(head -c 20000 /dev/zero | tr '\0' 'a')
printf '#!/bin/sh\nprintf "HTTP/1.1 200 OK\\r\\nX-Big: %s\\r\\n\\r\\n"\nsleep 1\n' "$big" > "$LAB_TMP/big.sh"
printf '#!/bin/sh\nprintf "HELLO THERE\\r\\n\\r\\n"\nsleep 1\n' > "$LAB_TMP/garbage.sh"
printf '#!/bin/sh\nprintf "HTTP/1.1 200 OK\\r\\nContent-Type: application/xml\\r\\n\\r\\n<?xml version=\\"1.0\\"?><plist>"\nexec yes "<key>PostDate</key>"\n' > "$LAB_TMP/endless.sh"
printf '#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10; do printf "H"; sleep 0.5; done\n' > "$LAB_TMP/drip.sh"
chmod +x "$LAB_TMP"/*.sh
lab_bg "$NS_I" socat TCP4-LISTEN:7001,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/big.sh"
lab_bg "$NS_I" socat TCP4-LISTEN:7002,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/garbage.sh"
lab_bg "$NS_I" socat TCP4-LISTEN:7003,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/endless.sh"
lab_bg "$NS_I" socat TCP4-LISTEN:7004,bind=$A,reuseaddr,fork EXEC:"$LAB_TMP/drip.sh"
for p in 7001 7002 7003 7004; do lab_wait_listen "$NS_I" $p; done
J=$LAB_TMP/hostile.json
pp_run "$J" --timeout 2 --profile none http://$A:7001/ http://$A:7002/ --sus http://$A:7003/ http://$A:7004/
jcheck "$J" 'c("17.253.1.10", 7001)["state"] == "unexpected" and c("17.253.1.10", 7001)["reason"] == "too-large"' "oversized headers: too-large"
jcheck "$J" 'c("17.253.1.10", 7002)["state"] == "unexpected" and c("17.253.1.10", 7002)["reason"] == "bad-response"' "garbage: bad-response"
jcheck "$J" 'c("17.253.1.10", 7003)["state"] in ("ok", "unexpected") and c("17.253.1.10", 7003)["timings_ms"]["total"] < 2600' "an endless catalog ends by the deadline, classified"
jcheck "$J" 'c("17.253.1.10", 7004)["state"] == "unexpected" and c("17.253.1.10", 7004)["reason"] == "no-response"' "a slow drip: no-response at the deadline"
lab_finish
