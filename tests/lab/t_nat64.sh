#!/bin/sh
# SPDX-License-Identifier: ISC
# IPv6-only networks with NAT64/DNS64 (issue 16): the client has no IPv4
# at all; unbound on the router is its DNS64 resolver and tayga its NAT64
# translator (lab_nat64).  The courier names have only IPv4 addresses
# (DNS64 synthesizes theirs inside the prefix, and tayga carries them to
# 17.57.144.10); the other Apple names keep their native AAAA
# (2620:149:a44::20).  Asserted per check: the address, the state and
# the reason; the finding IPV6_ONLY_NAT64; the verdicts; no
# DNS_OUTSIDE_APPLE for Apple's embedded addresses.  Then a courier name
# sinkholed to a private address (synthesized too: DNS_OUTSIDE_APPLE on
# the IPv4 it embeds), a network-specific /64 prefix found through
# ipv4only.arpa, and 464XLAT: a CLAT on the client (tayga, as clatd
# runs it) carrying its IPv4 checks, named in the context.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lab/lab.sh"
lab_require
LAB_DNS_V4ONLY=$LAB_COURIER_NAMES
WKA="--host-record=ipv4only.arpa,192.0.0.170 --host-record=ipv4only.arpa,192.0.0.171"
LAB_DNS_EXTRA=$WKA
lab_up
LAB_RESOLVER=fd00:10::1

# run NAME: the scenario's report in $LAB_TMP/NAME.json and NAME.txt.
run() {
    J=$LAB_TMP/$1.json T=$LAB_TMP/$1.txt
    pp_run "$J" --no-config --timeout 3
    lab_c "$PUSHPROBE" --no-config --color never --resolver "$LAB_RESOLVER" \
        --apple-ca "$LAB_TMP/certs/apple-root.pem" --timeout 3 >"$T" 2>&1
}
has() {
    if grep -Eq -- "$2" "$1"; then echo "ok: $3"; else
        echo "FAIL: $3 (no /$2/ in $1)"; cat "$1"; LAB_FAILS=$((LAB_FAILS + 1)); fi
}

# 1. The well-known prefix (ipv4only.arpa answers inside it).
lab_nat64 64:ff9b::/96
run wkp
expect_rc 0
for h in courier.push.apple.com 1-courier.push.apple.com 20-courier.push.apple.com 40-courier.push.apple.com; do
    jcheck "$J" "(k := c('$h', 5223, 'ipv6'))['address'] == '64:ff9b::1139:900a' and k['state'] == 'ok' and k['reason'] == 'tls-ok' and k['details']['nat64_ipv4'] == '17.57.144.10'" "wkp: $h:5223 over IPv6 is the synthesized 64:ff9b::1139:900a (17.57.144.10), ok, tls-ok"
done
jcheck "$J" "(k := c('courier.push.apple.com', 443, 'ipv6'))['address'] == '64:ff9b::1139:900a' and k['state'] == 'ok' and k['reason'] == 'tls-ok'" "wkp: the courier on 443 through NAT64: ok, tls-ok"
jcheck "$J" "(k := c('api.push.apple.com', 443, 'ipv6'))['address'] == '2620:149:a44::20' and k['state'] == 'ok' and k['reason'] == 'service-ok' and 'nat64_ipv4' not in k.get('details', {})" "wkp: api.push.apple.com keeps its native AAAA: ok, service-ok, no NAT64"
jcheck "$J" "(k := c('gdmf.apple.com', 443, 'ipv6'))['address'] == '2620:149:a44::20' and k['state'] == 'ok'" "wkp: gdmf.apple.com native IPv6: ok"
jcheck "$J" "(k := c('courier.push.apple.com', 5223, 'ipv4'))['address'] == '17.57.144.10' and k['state'] == 'error' and k['reason'] == 'ipv4-unavailable' and k['expected']" "wkp: the courier's IPv4 check: error, ipv4-unavailable, expected"
jcheck "$J" "all(k['reason'] == 'ipv4-unavailable' and k['expected'] for k in cs(fam='ipv4')) and len(cs(fam='ipv4')) == 26" "wkp: all 26 IPv4 checks ipv4-unavailable and expected, none a failure"
jcheck "$J" "not any(k['reason'] == 'dns-outside-apple' for k in checks) and f('DNS_OUTSIDE_APPLE') is None" "wkp: no dns-outside-apple check, no DNS_OUTSIDE_APPLE (64:ff9b::17.57.144.10 is Apple's)"
jcheck "$J" "f('IPV6_ONLY_NAT64')['severity'] == 'info' and '64:ff9b::/96' in f('IPV6_ONLY_NAT64')['title'] and len(f('IPV6_ONLY_NAT64')['checks']) == 26" "wkp: IPV6_ONLY_NAT64 (info) names the prefix and holds the 26 IPv4 checks"
jcheck "$J" "v('push') == 'ok' and v('enrollment') == 'ok' and v('software_update') == 'ok' and doc['summary']['status'] == 'ok' and doc['summary']['failed'] == 0" "wkp: verdicts from the IPv6 path: push, enrollment, software update ok; status ok"
jcheck "$J" "f('APNS_OK') is not None and f('IPV6_BROKEN') is None and f('IPV6_UNAVAILABLE') is None and all(x['severity'] == 'info' for x in doc['findings'])" "wkp: APNS_OK, nothing worse than info"
jcheck "$J" "doc['nat64'] == {'ipv6_only': True, 'ipv4_route': False, 'prefix': '64:ff9b::/96', 'source': 'discovered', 'discovery': 'found', 'clat_interface': None}" "wkp: JSON nat64: IPv6-only, 64:ff9b::/96 discovered, no CLAT"
has "$T" '^  Network: IPv6-only network with NAT64 \(prefix 64:ff9b::/96, discovered through ipv4only\.arpa\)$' "wkp text: the context line"
has "$T" '^Summary: OK - 52 checks, 24 ok, 28 expected\.$' "wkp text: summary OK, 24 ok, 28 expected (26 IPv4 and the 2 retired IPv6 ports)"

# -v: the resolve step says which IPv4 address a synthesized one carries.
pp_run "$LAB_TMP/wkp-v.json" --no-config --timeout 3 -v
has "$LAB_TMP/wkp-v.json.err" '^\* \[courier\.push\.apple\.com:5223/ipv6\] [0-9.]+ ms resolve courier\.push\.apple\.com AAAA, resolver \[fd00:10::1\]:53: 1 answer \(64:ff9b::1139:900a\) in [0-9.]+ ms; 64:ff9b::1139:900a is NAT64 for 17\.57\.144\.10$' "wkp -v: the resolve step names the IPv4 address inside the NAT64 one"

# 2. A courier name sinkholed to a private address: DNS64 synthesizes it
#    too, and the IPv6 address is judged by the IPv4 address it embeds.
LAB_DNS_EXTRA="$WKA --host-record=40-courier.push.apple.com,10.99.0.1"
lab_dns 40-courier.push.apple.com
run sinkhole
jcheck "$J" "(k := c('40-courier.push.apple.com', 5223, 'ipv6'))['address'] == '64:ff9b::a63:1' and k['state'] == 'unexpected' and k['reason'] == 'dns-outside-apple' and k['details']['nat64_ipv4'] == '10.99.0.1' and 'NAT64 for 10.99.0.1' in k['message']" "sinkhole: 64:ff9b::a63:1 embeds 10.99.0.1: unexpected, dns-outside-apple"
jcheck "$J" "(k := c('40-courier.push.apple.com', 5223, 'ipv4'))['address'] == '10.99.0.1' and k['reason'] == 'dns-outside-apple'" "sinkhole: the IPv4 answer itself: dns-outside-apple"
jcheck "$J" "sorted(set(k['id'].split(':')[0] for k in checks if k['reason'] == 'dns-outside-apple')) == ['40-courier.push.apple.com'] and f('DNS_OUTSIDE_APPLE') is not None" "sinkhole: DNS_OUTSIDE_APPLE, for 40-courier only (the other synthesized names are Apple's)"
jcheck "$J" "c('courier.push.apple.com', 5223, 'ipv6')['state'] == 'ok'" "sinkhole: the other courier names still work through NAT64"
LAB_DNS_EXTRA=$WKA
lab_dns

# 3. A network-specific prefix (a /64, not 64:ff9b::), which only
#    ipv4only.arpa tells.
lab_nat64 fd00:64:0:1::/64
run nsp
expect_rc 0
jcheck "$J" "(k := c('courier.push.apple.com', 5223, 'ipv6'))['address'] == 'fd00:64:0:1:11:3990:a00:0' and k['state'] == 'ok' and k['reason'] == 'tls-ok' and k['details']['nat64_ipv4'] == '17.57.144.10'" "nsp: the courier at fd00:64:0:1:11:3990:a00:0 (17.57.144.10 under the /64): ok, tls-ok"
jcheck "$J" "not any(k['reason'] == 'dns-outside-apple' for k in checks) and f('DNS_OUTSIDE_APPLE') is None" "nsp: no DNS_OUTSIDE_APPLE: the discovered prefix is known"
jcheck "$J" "all(k['reason'] == 'ipv4-unavailable' and k['expected'] for k in cs(fam='ipv4'))" "nsp: the IPv4 checks ipv4-unavailable, expected"
jcheck "$J" "doc['nat64'] == {'ipv6_only': True, 'ipv4_route': False, 'prefix': 'fd00:64:0:1::/64', 'source': 'discovered', 'discovery': 'found', 'clat_interface': None}" "nsp: JSON nat64: fd00:64:0:1::/64 discovered"
jcheck "$J" "'fd00:64:0:1::/64' in f('IPV6_ONLY_NAT64')['title'] and v('push') == 'ok' and doc['summary']['status'] == 'ok'" "nsp: IPV6_ONLY_NAT64 names the prefix; push ok, status ok"
has "$T" '^  Network: IPv6-only network with NAT64 \(prefix fd00:64:0:1::/64, discovered through ipv4only\.arpa\)$' "nsp text: the context line with the discovered prefix"

# 4. The same network without DNS64 (unbound a plain resolver): nothing
#    gives the courier names an IPv6 address, so their IPv4 checks are no
#    expected ones but failures (IPV6_ONLY, critical); the names with native
#    AAAA still work.
LAB_DNS64=off lab_nat64 fd00:64:0:1::/64
run nodns64
expect_rc 1
jcheck "$J" "cs(host='courier.push.apple.com', fam='ipv6') == [] and (k := c('courier.push.apple.com', 5223, 'ipv4'))['reason'] == 'ipv4-unavailable' and not k['expected']" "nodns64: the courier has no IPv6 address; its IPv4 check ipv4-unavailable and not expected"
jcheck "$J" "(k := c('api.push.apple.com', 443, 'ipv6'))['state'] == 'ok' and c('api.push.apple.com', 443, 'ipv4')['expected']" "nodns64: api.push.apple.com (native AAAA) ok over IPv6, its IPv4 check expected"
jcheck "$J" "f('IPV6_ONLY')['severity'] == 'critical' and f('IPV6_ONLY_NAT64') is None and 'courier.push.apple.com:5223/ipv4' in f('IPV6_ONLY')['checks']" "nodns64: IPV6_ONLY (critical) holds the courier's IPv4 checks"
jcheck "$J" "doc['nat64'] == {'ipv6_only': True, 'ipv4_route': False, 'prefix': None, 'source': None, 'discovery': 'none', 'clat_interface': None}" "nodns64: JSON nat64: IPv6-only, no prefix found"
jcheck "$J" "v('push') == 'blocked' and v('enrollment') == 'ok' and doc['summary']['status'] == 'failed'" "nodns64: push blocked, enrollment ok (native IPv6), status failed"
has "$T" '^  Network: IPv6-only network, no NAT64 prefix found \(ipv4only\.arpa has no IPv6 address\)$' "nodns64 text: the context line"
lab_nat64 fd00:64:0:1::/64

# 5. 464XLAT: a CLAT on the client (tayga, as clatd runs it) gives it an
#    IPv4 default route on clat; its IPv4 checks travel translated over
#    IPv6 and both NAT64s, and work.
lab_clat fd00:64:0:1::/64
run clat
expect_rc 0
jcheck "$J" "(k := c('courier.push.apple.com', 5223, 'ipv4'))['address'] == '17.57.144.10' and k['state'] == 'ok' and k['reason'] == 'tls-ok' and 'nat64_ipv4' not in k.get('details', {})" "clat: the courier over IPv4 through the CLAT: ok, tls-ok"
jcheck "$J" "(k := c('api.push.apple.com', 443, 'ipv4'))['state'] == 'ok' and k['reason'] == 'service-ok'" "clat: api.push.apple.com over IPv4 through the CLAT: ok, service-ok"
jcheck "$J" "not any(k['reason'] == 'ipv4-unavailable' for k in checks) and (k := c('courier.push.apple.com', 5223, 'ipv6'))['state'] == 'ok'" "clat: no ipv4-unavailable (IPv4 works through the CLAT); IPv6 ok too"
jcheck "$J" "doc['nat64'] == {'ipv6_only': True, 'ipv4_route': True, 'prefix': 'fd00:64:0:1::/64', 'source': 'discovered', 'discovery': 'found', 'clat_interface': 'clat'}" "clat: JSON nat64: IPv6-only, an IPv4 route (the CLAT's), CLAT clat"
jcheck "$J" "(x := f('IPV6_ONLY_NAT64')) is not None and '464XLAT CLAT' in x['detail'] and x['checks'] == [] and v('push') == 'ok' and doc['summary']['status'] == 'ok' and doc['summary']['failed'] == 0" "clat: IPV6_ONLY_NAT64 says IPv4 goes through the CLAT; push ok, status ok"
has "$T" '^  Network: IPv6-only network with NAT64 \(prefix fd00:64:0:1::/64, discovered through ipv4only\.arpa\); 464XLAT CLAT interface clat$' "clat text: the context line names the CLAT interface"
lab_finish
