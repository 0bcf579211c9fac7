# SPDX-License-Identifier: ISC
# The pushprobe network lab: sourced by tests/lab/t_*.sh and bench/.
#
# Three network namespaces, linked only to each other (never to the host's
# namespace), made and removed by the test itself:
#
#   client (10.10.0.2, fd00:10::2)
#     |  veth
#   router (10.10.0.1 | 203.0.113.1; fd00:10::1 | fd00:203::1), nftables
#     |  veth
#   inet (203.0.113.2, DNS 203.0.113.53; fd00:203::2) holding fake Apple
#        hosts on loopback: courier 17.57.144.10 and 2620:149:a44::10,
#        other Apple services 17.253.1.10 and 2620:149:a44::20.
#
# Servers are real: dnsmasq for DNS, socat with OpenSSL for the TLS
# listeners (certificates made at test time by mkcerts.sh), socat for TCP.
# Tests need root and ip/nft/dnsmasq/socat/openssl/python3; without them
# they exit 77 (skipped).

LAB_DIR_SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lab
PUSHPROBE=${PUSHPROBE:-$(cd "$(dirname "$0")/../.." && pwd)/pushprobe}

lab_skip() {
    echo "SKIP: $*"
    exit 77
}

lab_require() {
    [ "$(id -u)" = 0 ] || lab_skip "the lab needs root (network namespaces)"
    command -v smbd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    for t in ip nft dnsmasq socat openssl python3 ss nginx chronyd smbd; do
        command -v "$t" >/dev/null 2>&1 || lab_skip "$t is not installed"
    done
    # jcheck.py validates every report against doc/pushprobe.schema.json.
    python3 -c 'import jsonschema' 2>/dev/null || lab_skip "python3-jsonschema is not installed"
    [ -x "$PUSHPROBE" ] || { echo "FAIL: no pushprobe binary at $PUSHPROBE"; exit 1; }
}

# Unique names, so that tests can run side by side.
LAB_ID=$(( $$ % 100000 ))
NS_C=ppc$LAB_ID
NS_R=ppr$LAB_ID
NS_I=ppi$LAB_ID
NS_K=ppk$LAB_ID
NS_A=ppa$LAB_ID
LAB_PIDS=""
LAB_FAILS=0

lab_c() { ip netns exec "$NS_C" "$@"; }
lab_r() { ip netns exec "$NS_R" "$@"; }
lab_i() { ip netns exec "$NS_I" "$@"; }

lab_down() {
    for p in $LAB_PIDS; do kill "$p" 2>/dev/null; done
    for ns in "$NS_C" "$NS_R" "$NS_I" "$NS_K" "$NS_A"; do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill $pids 2>/dev/null
    done
    sleep 0.1
    for ns in "$NS_C" "$NS_R" "$NS_I" "$NS_K" "$NS_A"; do
        pids=$(ip netns pids "$ns" 2>/dev/null)
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
        ip netns del "$ns" 2>/dev/null
    done
    # A benchmark may have given the client a resolv.conf (ip netns exec
    # reads /etc/netns/NAME/): only that directory of ours is removed.
    [ -d "/etc/netns/$NS_C" ] && rm -rf "/etc/netns/$NS_C"
    [ -n "${LAB_TMP:-}" ] && rm -rf "$LAB_TMP"
}

# Run a server in a namespace in the background and remember it.
lab_bg() {
    ns=$1; shift
    ip netns exec "$ns" "$@" >>"$LAB_TMP/servers.log" 2>&1 &
    LAB_PIDS="$LAB_PIDS $!"
}

# lab_wait_listen [-u] NS PORT [N]: wait until N sockets (default 1) listen on
# a TCP port (or UDP with -u) in NS.
lab_wait_listen() {
    proto=-t
    [ "$1" = -u ] && { proto=-u; shift; }
    ns=$1 port=$2 want=${3:-1}
    i=0
    while [ $i -lt 100 ]; do
        [ "$(ip netns exec "$ns" ss -lnH $proto "sport = :$port" | grep -c .)" -ge "$want" ] &&
            return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "FAIL: nothing listens on $port in $ns"; cat "$LAB_TMP/servers.log"
    exit 1
}

lab_net() {
    ip netns add "$NS_C" || lab_skip "cannot create network namespaces"
    ip netns add "$NS_R"
    ip netns add "$NS_I"
    for ns in "$NS_C" "$NS_R" "$NS_I"; do
        # No duplicate address detection: addresses work at once.
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
            net.ipv6.conf.default.accept_dad=0
        ip -n "$ns" link set lo up
    done
    ip link add c0 netns "$NS_C" type veth peer name r0 netns "$NS_R"
    ip link add r1 netns "$NS_R" type veth peer name i0 netns "$NS_I"

    ip -n "$NS_C" addr add 10.10.0.2/24 dev c0
    ip -n "$NS_C" addr add fd00:10::2/64 dev c0 nodad
    ip -n "$NS_C" link set c0 up
    ip -n "$NS_C" route add default via 10.10.0.1
    ip -n "$NS_C" -6 route add default via fd00:10::1

    ip -n "$NS_R" addr add 10.10.0.1/24 dev r0
    ip -n "$NS_R" addr add fd00:10::1/64 dev r0 nodad
    ip -n "$NS_R" addr add 203.0.113.1/24 dev r1
    ip -n "$NS_R" addr add fd00:203::1/64 dev r1 nodad
    ip -n "$NS_R" link set r0 up
    ip -n "$NS_R" link set r1 up
    lab_r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
    # ICMP errors are rate-limited by default (Linux: a burst of 6 per
    # destination, then one a second); most scenarios want every one.
    # LAB_ICMP_RATELIMIT=kernel keeps the kernel's defaults, as real
    # routers have them (t_ratelimit.sh).
    if [ "${LAB_ICMP_RATELIMIT:-off}" != kernel ]; then
        for ns in "$NS_R" "$NS_I"; do
            ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0
        done
    fi
    ip -n "$NS_R" route add 17.0.0.0/8 via 203.0.113.2
    ip -n "$NS_R" -6 route add 2620:149:a44::/48 via fd00:203::2

    ip -n "$NS_I" addr add 203.0.113.2/24 dev i0
    ip -n "$NS_I" addr add 203.0.113.53/24 dev i0
    ip -n "$NS_I" addr add fd00:203::2/64 dev i0 nodad
    ip -n "$NS_I" link set i0 up
    ip -n "$NS_I" route add default via 203.0.113.1
    ip -n "$NS_I" -6 route add default via fd00:203::1
    ip -n "$NS_I" addr add 17.57.144.10/32 dev lo
    ip -n "$NS_I" addr add 17.253.1.10/32 dev lo
    ip -n "$NS_I" addr add 2620:149:a44::10/128 dev lo
    ip -n "$NS_I" addr add 2620:149:a44::20/128 dev lo

    # Wait until no address is tentative (link-local ones included).
    i=0
    while [ $i -lt 100 ]; do
        t=""
        for ns in "$NS_C" "$NS_R" "$NS_I"; do
            t="$t$(ip -n "$ns" -6 addr show tentative)"
        done
        [ -z "$t" ] && break
        sleep 0.05
        i=$((i + 1))
    done

    # Static neighbours: the first packets of a test must not wait on (or
    # be lost to) address resolution.
    mac() { ip -n "$1" -br link show dev "$2" | awk '{print $3}'; }
    mc0=$(mac "$NS_C" c0) mr0=$(mac "$NS_R" r0) mr1=$(mac "$NS_R" r1) mi0=$(mac "$NS_I" i0)
    ip -n "$NS_C" neigh replace 10.10.0.1 lladdr "$mr0" dev c0 nud permanent
    ip -n "$NS_C" neigh replace fd00:10::1 lladdr "$mr0" dev c0 nud permanent
    ip -n "$NS_R" neigh replace 10.10.0.2 lladdr "$mc0" dev r0 nud permanent
    ip -n "$NS_R" neigh replace fd00:10::2 lladdr "$mc0" dev r0 nud permanent
    ip -n "$NS_R" neigh replace 203.0.113.2 lladdr "$mi0" dev r1 nud permanent
    ip -n "$NS_R" neigh replace 203.0.113.53 lladdr "$mi0" dev r1 nud permanent
    ip -n "$NS_R" neigh replace fd00:203::2 lladdr "$mi0" dev r1 nud permanent
    ip -n "$NS_I" neigh replace 203.0.113.1 lladdr "$mr1" dev i0 nud permanent
    ip -n "$NS_I" neigh replace fd00:203::1 lladdr "$mr1" dev i0 nud permanent

    # The router's firewall: scenarios add rules to the forward chain.
    lab_r nft -f - <<'NFT'
table inet lab {
    chain forward {
        type filter hook forward priority 0; policy accept;
    }
}
NFT
}

# Apple names the lab's DNS knows; every other apple.com name is NXDOMAIN.
LAB_COURIER_NAMES="courier.push.apple.com 1-courier.push.apple.com 20-courier.push.apple.com 40-courier.push.apple.com"
LAB_OTHER_NAMES="time.apple.com api.push.apple.com gateway.push.apple.com feedback.push.apple.com albert.apple.com deviceenrollment.apple.com iprofiles.apple.com mdmenrollment.apple.com identity.apple.com vpp.itunes.apple.com gdmf.apple.com valid.apple.com captive.apple.com ocsp.apple.com crl.apple.com mesu.apple.com swscan.apple.com swcdn.apple.com updates.cdn-apple.com"

LAB_CORP_NAMES="mdm.corp.test dp.corp.test sus.corp.test files.corp.test"

# lab_dns [NAME...]: (re)start dnsmasq in inet, without the names given;
# LAB_DNS_EXTRA holds more dnsmasq options (e.g. sinkhole records); the
# Apple names in LAB_DNS_V4ONLY get their IPv4 address only (no AAAA).
lab_dns() {
    without=" $* "
    v4only=" ${LAB_DNS_V4ONLY:-} "
    [ -n "${LAB_DNS_PID:-}" ] && kill "$LAB_DNS_PID" 2>/dev/null && sleep 0.1
    set --
    for n in $LAB_COURIER_NAMES; do
        case "$without" in *" $n "*) continue;; esac
        case "$v4only" in
        *" $n "*) set -- "$@" "--host-record=$n,17.57.144.10" ;;
        *) set -- "$@" "--host-record=$n,17.57.144.10,2620:149:a44::10" ;;
        esac
    done
    for n in $LAB_OTHER_NAMES; do
        case "$without" in *" $n "*) continue;; esac
        case "$v4only" in
        *" $n "*) set -- "$@" "--host-record=$n,17.253.1.10" ;;
        *) set -- "$@" "--host-record=$n,17.253.1.10,2620:149:a44::20" ;;
        esac
    done
    for n in $LAB_CORP_NAMES; do
        case "$without" in *" $n "*) continue;; esac
        set -- "$@" "--host-record=$n,10.20.0.10,fd00:20::10"
    done
    ip netns exec "$NS_I" dnsmasq --keep-in-foreground --no-resolv --no-hosts \
        --no-dhcp-interface=i0 --bind-interfaces --listen-address=203.0.113.53 \
        --local=/apple.com/ --local=/cdn-apple.com/ --local=/corp.test/ \
        --pid-file="$LAB_TMP/dnsmasq.pid" --user=root --log-facility="$LAB_TMP/dnsmasq.log" \
        "$@" ${LAB_DNS_EXTRA:-} >>"$LAB_TMP/servers.log" 2>&1 &
    LAB_DNS_PID=$!
    LAB_PIDS="$LAB_PIDS $LAB_DNS_PID"
    lab_wait_listen -u "$NS_I" 53
}

# lab_tls ADDR PORT CERT KEY [SECONDS]: a TLS listener (socat, one process
# per connection) that hangs up SECONDS (default 2) after the handshake,
# or runs LAB_TLS_CMD as its side of the connection when that is set.
# Prints nothing; remembers the pid in LAB_LAST.
lab_tls() {
    addr=$1 port=$2 cert=$3 key=$4 hold=${5:-2}
    case "$addr" in
    *:*) spec="OPENSSL-LISTEN:$port,pf=ip6,bind=[$addr]" ;;
    *) spec="OPENSSL-LISTEN:$port,bind=$addr" ;;
    esac
    lab_bg "$NS_I" socat "$spec,reuseaddr,fork,backlog=256,cert=$cert,key=$key,verify=0" \
        SYSTEM:"${LAB_TLS_CMD:-sleep $hold}"
    LAB_LAST=$!
}

lab_tcp() {
    addr=$1 port=$2
    case "$addr" in
    *:*) spec="TCP6-LISTEN:$port,bind=[$addr]" ;;
    *) spec="TCP4-LISTEN:$port,bind=$addr" ;;
    esac
    lab_bg "$NS_I" socat "$spec,reuseaddr,fork,backlog=256" SYSTEM:'sleep 2'
    LAB_LAST=$!
}

# The healthy internet: the courier on 5223 and 443, the other Apple
# services on 443, 2197 and 80.  Nothing listens on 2195 or 2196.
lab_servers() {
    C=$LAB_TMP/certs
    for a in 17.57.144.10 2620:149:a44::10; do
        lab_tls $a 5223 "$C/courier.pem" "$C/courier.key"
        LAB_COURIER_PIDS="${LAB_COURIER_PIDS:-} $LAB_LAST"
    done
    # Like the real courier, the IPv4 one on 443 asks for a client
    # certificate (openssl s_server -verify: asked for, not required).
    lab_bg "$NS_I" openssl s_server -accept 17.57.144.10:443 -cert "$C/courier.crt" \
        -cert_chain "$C/apple-inter.pem" -key "$C/courier.key" -verify 1 -www -quiet
    LAB_COURIER443_PID=$!
    lab_tls 2620:149:a44::10 443 "$C/courier.pem" "$C/courier.key"
    lab_nginx_apple
    lab_nginx "$NS_I" "$LAB_TMP/nginx-apple.conf"
    # time.apple.com: chronyd serving its local clock.  -x: it never
    # touches the host's clock; no server lines: it asks nobody.
    if command -v chronyd >/dev/null 2>&1; then
        cat > "$LAB_TMP/chrony.conf" <<CHR
local stratum 8
allow all
bindaddress 17.253.1.10
bindaddress 2620:149:a44::20
cmdport 0
bindcmdaddress $LAB_TMP/chronyd.sock
pidfile $LAB_TMP/chronyd.pid
driftfile $LAB_TMP/chrony.drift
CHR
        lab_bg "$NS_I" chronyd -d -x -f "$LAB_TMP/chrony.conf"
        lab_wait_listen -u "$NS_I" 123
    fi
    lab_wait_listen "$NS_I" 5223
    lab_wait_listen "$NS_I" 443
    lab_wait_listen "$NS_I" 2197
    lab_wait_listen "$NS_I" 80
}

# lab_nginx NS CONF: run nginx in a namespace with a config from the lab.
lab_nginx() {
    lab_bg "$1" nginx -c "$2" -g 'daemon off;'
}

# nginx for Apple's other services (17.253.1.10, 2620:149:a44::20):
# HTTPS with HTTP/2 on 443 and 2197, where POST /3/device/... answers like
# APNs without credentials; captive.apple.com's hotspot-detect.html on 80.
lab_nginx_apple() {
    d=$LAB_TMP/nginx-apple
    mkdir -p "$d"
    C=$LAB_TMP/certs
    cat > "$LAB_TMP/nginx-apple.conf" <<NGX
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    server {
        listen 17.253.1.10:443 ssl http2 backlog=256;
        listen [2620:149:a44::20]:443 ssl http2 backlog=256;
        listen 17.253.1.10:2197 ssl http2 backlog=256;
        listen [2620:149:a44::20]:2197 ssl http2 backlog=256;
        ssl_certificate $C/public.pem;
        ssl_certificate_key $C/public.key;
        location /3/device/ {
            default_type application/json;
            return 403 '{"reason":"MissingProviderToken"}';
        }
        location / { return 200 'ok'; }
    }
    server {
        listen 17.253.1.10:80 backlog=256;
        listen [2620:149:a44::20]:80 backlog=256;
        location = /hotspot-detect.html {
            default_type text/html;
            return 200 '<HTML><HEAD><TITLE>Success</TITLE></HEAD><BODY>Success</BODY></HTML>\n';
        }
        location / { return 200 'ok'; }
    }
}
NGX
}

# nginx for the corp host: Jamf-like MDM on 8443 whose health page is the
# file $LAB_TMP/www/health.json (tests rewrite it), a distribution point
# on 443 (/pkgs/ public, /private/ behind credentials), a Software Update
# Server on 8088 serving $LAB_TMP/www/index.sucatalog.
lab_nginx_corp() {
    d=$LAB_TMP/nginx-corp
    w=$LAB_TMP/www
    mkdir -p "$d" "$w/pkgs"
    C=$LAB_TMP/certs
    printf '[]' > "$w/health.json"
    head -c 100000 /dev/zero > "$w/pkgs/Tool.pkg"
    cat > "$w/index.sucatalog" <<'CAT'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
    <key>CatalogVersion</key><integer>2</integer>
    <key>Products</key>
    <dict>
        <key>001-00001</key><dict><key>PostDate</key><date>2024-01-01T00:00:00Z</date></dict>
        <key>001-00002</key><dict><key>PostDate</key><date>2024-02-01T00:00:00Z</date></dict>
        <key>001-00003</key><dict><key>PostDate</key><date>2024-03-01T00:00:00Z</date></dict>
    </dict>
</dict>
</plist>
CAT
    cat > "$LAB_TMP/nginx-corp.conf" <<NGX
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    ssl_certificate $C/corp-server.pem;
    ssl_certificate_key $C/corp-server.key;
    server {
        listen 10.20.0.10:8443 ssl backlog=256;
        listen [fd00:20::10]:8443 ssl backlog=256;
        location = /healthCheck.html {
            default_type application/json;
            alias $w/health.json;
        }
        location / { return 200 'Jamf Pro'; }
    }
    server {
        listen 10.20.0.10:8444 ssl backlog=256;
        listen [fd00:20::10]:8444 ssl backlog=256;
        ssl_certificate $C/corp-expired.pem;
        ssl_certificate_key $C/corp-expired.key;
        location / { return 200 'Jamf Pro'; }
    }
    server {
        listen 10.20.0.10:443 ssl backlog=256;
        listen [fd00:20::10]:443 ssl backlog=256;
        root $w;
        location /private/ { return 401; }
        location /old/ { return 301 /pkgs/Tool.pkg; }
        location /loop { return 302 /loop; }
        location /h1 { return 302 /h2; }
        location /h2 { return 302 /h3; }
        location /h3 { return 302 /h4; }
        location /h4 { return 302 /h5; }
        location /h5 { return 302 /h6; }
        location /h6 { return 302 /h7; }
        location /h7 { return 302 /pkgs/Tool.pkg; }
    }
    server {
        listen 10.20.0.10:8088 backlog=256;
        listen [fd00:20::10]:8088 backlog=256;
        root $w;
        default_type application/xml;
    }
}
NGX
}

# lab_portal: a captive portal on the router: web traffic to port 80 is
# redirected to the router's own login page (DNAT), as hotel and guest
# networks do.  lab_portal_off removes the redirection.
lab_portal() {
    mkdir -p "$LAB_TMP/portal"
    cat > "$LAB_TMP/portal.conf" <<NGX
user root;
worker_processes 1;
pid $LAB_TMP/portal/nginx.pid;
error_log $LAB_TMP/portal/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $LAB_TMP/portal/body;
    proxy_temp_path $LAB_TMP/portal/proxy;
    fastcgi_temp_path $LAB_TMP/portal/fastcgi;
    uwsgi_temp_path $LAB_TMP/portal/uwsgi;
    scgi_temp_path $LAB_TMP/portal/scgi;
    server {
        listen 10.10.0.1:8080;
        location / { return 302 http://login.guest.test/portal?orig=apple; }
    }
}
NGX
    lab_nginx "$NS_R" "$LAB_TMP/portal.conf"
    lab_wait_listen "$NS_R" 8080
    lab_r nft add table ip portal
    lab_r nft add chain ip portal pre '{ type nat hook prerouting priority -100; }'
    lab_r nft add rule ip portal pre iifname r0 tcp dport 80 dnat to 10.10.0.1:8080
}

lab_portal_off() {
    lab_r nft delete table ip portal
}

# Replace the courier's 5223 listeners with ones using CERT/KEY.
lab_courier_cert() {
    for p in $LAB_COURIER_PIDS; do
        kill "$p" 2>/dev/null
    done
    # Wait until the old listeners are gone.
    i=0
    while [ $i -lt 100 ] && lab_i ss -lnHt "sport = :5223" | grep -q .; do
        sleep 0.05
        i=$((i + 1))
    done
    LAB_COURIER_PIDS=""
    for a in 17.57.144.10 2620:149:a44::10; do
        lab_tls $a 5223 "$1" "$2"
        LAB_COURIER_PIDS="$LAB_COURIER_PIDS $LAB_LAST"
    done
    lab_wait_listen "$NS_I" 5223 2   # both families, or a run may start with one
}

lab_up() {
    lab_require
    LAB_TMP=$(mktemp -d)
    trap lab_down EXIT INT TERM
    lab_net
    sh "$LAB_DIR_SRC/mkcerts.sh" "$LAB_TMP/certs" >/dev/null
    lab_dns
    lab_servers
}

# The corp network: a fourth namespace behind the router (10.20.0.10,
# fd00:20::10) with the company's systems: the MDM on 8443 and a
# distribution point on 443 (both with a certificate from the company's
# own CA), a Software Update Server on 8088, SMB on 445 and AFP on 548.
lab_corp() {
    ip netns add "$NS_K"
    ip netns exec "$NS_K" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip -n "$NS_K" link set lo up
    ip link add r2 netns "$NS_R" type veth peer name k0 netns "$NS_K"
    ip -n "$NS_R" addr add 10.20.0.1/24 dev r2
    ip -n "$NS_R" addr add fd00:20::1/64 dev r2 nodad
    ip -n "$NS_R" link set r2 up
    ip -n "$NS_K" addr add 10.20.0.10/24 dev k0
    ip -n "$NS_K" addr add fd00:20::10/64 dev k0 nodad
    ip -n "$NS_K" link set k0 up
    ip -n "$NS_K" route add default via 10.20.0.1
    ip -n "$NS_K" -6 route add default via fd00:20::1
    mr2=$(ip -n "$NS_R" -br link show dev r2 | awk '{print $3}')
    mk0=$(ip -n "$NS_K" -br link show dev k0 | awk '{print $3}')
    ip -n "$NS_R" neigh replace 10.20.0.10 lladdr "$mk0" dev r2 nud permanent
    ip -n "$NS_R" neigh replace fd00:20::10 lladdr "$mk0" dev r2 nud permanent
    ip -n "$NS_K" neigh replace 10.20.0.1 lladdr "$mr2" dev k0 nud permanent
    ip -n "$NS_K" neigh replace fd00:20::1 lladdr "$mr2" dev k0 nud permanent
    # SMB: Samba's smbd.  AFP: Debian has no netatalk, so a fixture server
    # answers DSIGetStatus with netatalk's reply (tests/data/afp).
    lab_smbd corp 445 SMB2_02 SMB3 auto
    printf '#!/bin/sh\nhead -c 16 >/dev/null\ncat %s\n' \
        "$LAB_DIR_SRC/../data/afp/getstatus-netatalk.bin" > "$LAB_TMP/afp-fixture.sh"
    chmod +x "$LAB_TMP/afp-fixture.sh"
    for a in 10.20.0.10 fd00:20::10; do
        case "$a" in *:*) b="[$a]" t=TCP6 ;; *) b=$a t=TCP4 ;; esac
        lab_bg "$NS_K" socat "$t-LISTEN:548,bind=$b,reuseaddr,fork,backlog=256" \
            EXEC:"$LAB_TMP/afp-fixture.sh"
    done
    lab_nginx_corp
    lab_nginx "$NS_K" "$LAB_TMP/nginx-corp.conf"
    for p in 8443 443 8088 445 548; do lab_wait_listen "$NS_K" $p; done
}

# lab_smbd NAME PORT MIN MAX SIGNING: an smbd of its own on the corp host,
# every file it writes under $LAB_TMP/smbd-NAME.  It runs under setsid:
# with --no-process-group smbd signals its process group when it ends.
lab_smbd() {
    d=$LAB_TMP/smbd-$1
    mkdir -p "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/pid" "$d/ncalrpc" "$d/share"
    cat > "$d/smb.conf" <<SMB
[global]
    workgroup = CORP
    netbios name = FILES
    server role = standalone server
    private dir = $d/private
    lock directory = $d/lock
    state directory = $d/state
    cache directory = $d/cache
    pid directory = $d/pid
    ncalrpc dir = $d/ncalrpc
    log file = $d/log.smbd
    passdb backend = tdbsam:$d/private/passdb.tdb
    interfaces = 10.20.0.10/24 fd00:20::10/64
    bind interfaces only = yes
    smb ports = $2
    disable netbios = yes
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    server min protocol = $3
    server max protocol = $4
    server signing = $5
[packages]
    path = $d/share
    read only = yes
    guest ok = yes
SMB
    lab_bg "$NS_K" setsid smbd --foreground --no-process-group -s "$d/smb.conf"
}

# lab_audit_net: 254 hosts for the firewall audit, 10.30.0.1-254 on the
# loopback interface of a namespace of their own, behind the router (10.30.255.0/30
# link).  Every host accepts on 443, 5223 and 8443; other ports answer
# with a reset.  The router makes a known mix on 10.30.0.0/24:
#   8000-8001  dropped on .1-.127                      (filtered)
#   8002       rejected admin-prohibited on .128-.191  (blocked, from 10.10.0.1)
#   8003       reset by the router everywhere          (closed)
#   5223       dropped on .200-.254                    (filtered)
lab_audit_net() {
    NS_A=ppa$LAB_ID
    ip netns add "$NS_A"
    ip -n "$NS_A" link set lo up
    ip link add r3 netns "$NS_R" type veth peer name a0 netns "$NS_A"
    ip -n "$NS_R" addr add 10.30.255.1/30 dev r3
    ip -n "$NS_R" link set r3 up
    ip -n "$NS_A" addr add 10.30.255.2/30 dev a0
    ip -n "$NS_A" link set a0 up
    ip -n "$NS_A" route add default via 10.30.255.1
    mr3=$(ip -n "$NS_R" -br link show dev r3 | awk '{print $3}')
    ma0=$(ip -n "$NS_A" -br link show dev a0 | awk '{print $3}')
    ip -n "$NS_R" neigh replace 10.30.255.2 lladdr "$ma0" dev r3 nud permanent
    ip -n "$NS_A" neigh replace 10.30.255.1 lladdr "$mr3" dev a0 nud permanent
    for n in $(seq 1 254); do
        echo "address add 10.30.0.$n/32 dev lo"
    done | ip -n "$NS_A" -batch -
    ip -n "$NS_R" route add 10.30.0.0/24 via 10.30.255.2
    for p in 443 5223 8443; do
        lab_bg "$NS_A" socat TCP4-LISTEN:$p,reuseaddr,fork,backlog=1024 SYSTEM:'sleep 1'
    done
    for p in 443 5223 8443; do lab_wait_listen "$NS_A" $p; done
    lab_fw ip daddr 10.30.0.1-10.30.0.127 tcp dport 8000-8001 drop
    lab_fw ip daddr 10.30.0.128-10.30.0.191 tcp dport 8002 reject with icmp type admin-prohibited
    lab_fw ip daddr 10.30.0.0/24 tcp dport 8003 reject with tcp reset
    lab_fw ip daddr 10.30.0.200-10.30.0.254 tcp dport 5223 drop
}

# lab_audit_wide (after lab_audit_net): a mostly silent /20, 10.40.0.0/20,
# also behind NS_A, for the audit's adaptive timeouts.  Two live hosts in
# each /24 (10.40.N.10 and 10.40.N.20, 32 in all) accept on 443 (the
# listeners of lab_audit_net) and reset other ports; the router makes:
#   everything to the other 4,064 addresses   dropped           (filtered)
#   22 on the live hosts                      dropped           (filtered)
#   22 on 10.40.12.0/26                       reset by the router (closed)
#   3389 on 10.40.8.0/26                      rejected admin-prohibited (blocked)
lab_audit_wide() {
    for n in $(seq 0 15); do
        echo "address add 10.40.$n.10/32 dev lo"
        echo "address add 10.40.$n.20/32 dev lo"
    done | ip -n "$NS_A" -batch -
    live=$(for n in $(seq 0 15); do printf '10.40.%d.10, 10.40.%d.20, ' "$n" "$n"; done)
    ip -n "$NS_R" route add 10.40.0.0/20 via 10.30.255.2
    lab_fw ip daddr 10.40.12.0/26 tcp dport 22 reject with tcp reset
    lab_fw ip daddr 10.40.8.0/26 tcp dport 3389 reject with icmp type admin-prohibited
    lab_fw ip daddr 10.40.0.0/20 tcp dport 22 drop
    lab_fw ip daddr 10.40.0.0/20 ip daddr != "{ ${live%, } }" drop
}

# lab_nat64 PREFIX: an IPv6-only client behind NAT64/DNS64.  The client
# loses its IPv4 address and route; on the router, tayga translates PREFIX
# (RFC 6052; IPv4 pool 192.168.255.0/24, which inet's default route sends
# back) and unbound answers DNS on [fd00:10::1]:53 as a DNS64 resolver
# (dns64-prefix PREFIX) forwarding to the lab's dnsmasq.  Without
# /dev/net/tun, tayga or unbound the test is skipped.  Call it again with
# another prefix to replace both; LAB_DNS64=off makes unbound a plain
# resolver (NAT64 without DNS64).
lab_nat64() {
    prefix=$1
    [ -c /dev/net/tun ] || lab_skip "no /dev/net/tun: tayga needs the tun module"
    for t in tayga unbound; do
        command -v $t >/dev/null 2>&1 || lab_skip "$t is not installed"
    done
    d=$LAB_TMP/nat64
    if [ -n "${LAB_NAT64_PIDS:-}" ]; then
        kill $LAB_NAT64_PIDS 2>/dev/null
        i=0
        while [ $i -lt 100 ] && lab_r ss -lnHu "sport = :53" | grep -q .; do
            sleep 0.05
            i=$((i + 1))
        done
        ip -n "$NS_R" link del nat64 2>/dev/null
        rm -rf "$d"
    else
        ip -n "$NS_C" route del default via 10.10.0.1
        ip -n "$NS_C" addr del 10.10.0.2/24 dev c0
    fi
    mkdir -p "$d"
    cat > "$d/tayga.conf" <<TAYGA
tun-device nat64
ipv4-addr 192.168.255.1
ipv6-addr fd00:64::1
prefix $prefix
dynamic-pool 192.168.255.0/24
data-dir $d
TAYGA
    lab_r tayga -c "$d/tayga.conf" --mktun >>"$LAB_TMP/servers.log" 2>&1 ||
        lab_skip "tayga cannot make its tun device"
    ip -n "$NS_R" link set nat64 up
    ip -n "$NS_R" route add 192.168.255.0/24 dev nat64
    ip -n "$NS_R" -6 route add "$prefix" dev nat64
    ip -n "$NS_R" -6 route add fd00:64::1/128 dev nat64
    lab_bg "$NS_R" tayga -c "$d/tayga.conf" --nodetach
    LAB_NAT64_PIDS=$!
    cat > "$d/unbound.conf" <<UNBOUND
server:
    interface: fd00:10::1
    port: 53
    access-control: ::/0 allow
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$d"
    pidfile: "$d/unbound.pid"
    use-syslog: no
    logfile: "$d/unbound.log"
    verbosity: 1
$(if [ "${LAB_DNS64:-on}" = off ]; then
    echo '    module-config: "iterator"'
else
    echo '    module-config: "dns64 iterator"'
    echo "    dns64-prefix: $prefix"
fi)
    qname-minimisation: no
    cache-max-ttl: 0
    cache-max-negative-ttl: 0
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 203.0.113.53
UNBOUND
    lab_bg "$NS_R" unbound -d -c "$d/unbound.conf"
    LAB_NAT64_PIDS="$LAB_NAT64_PIDS $!"
    lab_wait_listen -u "$NS_R" 53
}

# lab_clat PREFIX (after lab_nat64 PREFIX): 464XLAT on the client, set up
# as clatd does it: tayga on a tun device named clat translates the
# client's IPv4 (192.0.0.1, the IPv4 default route on clat) statelessly to
# fd00:10::c1a7 and the destinations into PREFIX, which the router's
# NAT64 carries on.  The client forwards fd00:10::c1a7 to clat; the router
# knows it as the client's neighbour.
lab_clat() {
    prefix=$1
    d=$LAB_TMP/clat
    mkdir -p "$d"
    cat > "$d/tayga.conf" <<TAYGA
tun-device clat
ipv4-addr 192.0.0.2
prefix $prefix
map 192.0.0.1 fd00:10::c1a7
data-dir $d
TAYGA
    lab_c tayga -c "$d/tayga.conf" --mktun >>"$LAB_TMP/servers.log" 2>&1 ||
        lab_skip "tayga cannot make the CLAT's tun device"
    ip -n "$NS_C" link set clat up
    ip -n "$NS_C" addr add 192.0.0.1/32 dev clat
    ip -n "$NS_C" route add default dev clat
    ip -n "$NS_C" -6 route add fd00:10::c1a7/128 dev clat
    lab_c sysctl -qw net.ipv6.conf.all.forwarding=1
    mc0=$(ip -n "$NS_C" -br link show dev c0 | awk '{print $3}')
    ip -n "$NS_R" neigh replace fd00:10::c1a7 lladdr "$mc0" dev r0 nud permanent
    lab_bg "$NS_C" tayga -c "$d/tayga.conf" --nodetach
}

# lab_squid_conf NAME [AUTH [RULES]]: a squid configuration with Debian's default
# access rules (squid.conf's "Recommended minimum Access Permission":
# CONNECT to 443 only), listening on the router's client side
# (10.10.0.1:3128 and [fd00:10::1]:3128), resolving with the lab's DNS, no cache, its files
# under $LAB_TMP/squid/NAME; AUTH: a basic_ncsa_auth password file the
# proxy asks for; RULES: lines put before it.  Prints the file's path.
lab_squid_conf() {
    d=$LAB_TMP/squid/$1
    mkdir -p "$d"
    chmod 755 "$LAB_TMP" "$LAB_TMP/squid"
    chown proxy "$d" 2>/dev/null || chmod 777 "$d"
    {
        echo "http_port 10.10.0.1:3128"
        echo "http_port [fd00:10::1]:3128"
        echo "pid_filename $d/squid.pid"
        echo "cache_log $d/cache.log"
        echo "access_log stdio:$d/access.log"
        echo "cache_store_log none"
        echo "coredump_dir $d"
        echo "cache deny all"
        echo "cache_mem 1 MB"
        echo "dns_nameservers 203.0.113.53"
        echo "hosts_file none"
        echo "shutdown_lifetime 0 seconds"
        echo "pinger_enable off"
        echo "netdb_filename none"
        echo "acl localnet src 10.0.0.0/8 fd00::/8"
        echo "acl SSL_ports port 443"
        echo "acl Safe_ports port 80 21 443 70 210 1025-65535 280 488 591 777"
        echo "acl CONNECT method CONNECT"
        echo "http_access deny !Safe_ports"
        echo "http_access deny CONNECT !SSL_ports"
        [ -n "${3:-}" ] && printf '%s\n' "$3"
        if [ -n "${2:-}" ]; then
            echo "auth_param basic program /usr/lib/squid/basic_ncsa_auth $2"
            echo "auth_param basic realm pushprobe-lab"
            echo "acl staff proxy_auth REQUIRED"
            echo "http_access deny !staff"
        fi
        echo "http_access allow localnet"
        echo "http_access deny all"
    } > "$d/squid.conf"
    echo "$d/squid.conf"
}

# lab_squid_start CONF: squid in the foreground in the router namespace
# (one at a time: the one before is stopped).
lab_squid_start() {
    lab_squid_stop
    ip netns exec "$NS_R" "$(command -v squid || echo /usr/sbin/squid)" -N -f "$1" \
        >>"$LAB_TMP/servers.log" 2>&1 &
    LAB_SQUID_PID=$!
    LAB_PIDS="$LAB_PIDS $LAB_SQUID_PID"
    lab_wait_listen "$NS_R" 3128
}

lab_squid_stop() {
    if [ -n "${LAB_SQUID_PID:-}" ]; then
        kill "$LAB_SQUID_PID" 2>/dev/null
        wait "$LAB_SQUID_PID" 2>/dev/null
        LAB_SQUID_PID=""
        i=0
        while [ $i -lt 50 ] && lab_r ss -ltn 2>/dev/null | grep -q ':3128 '; do
            sleep 0.1
            i=$((i + 1))
        done
    fi
}

# Add one rule to the router's forward chain.
lab_fw() {
    lab_r nft add rule inet lab forward "$@"
}

# pp_run OUT [ARGS...]: run pushprobe --json in the client namespace against
# the lab's DNS and CA; the exit status is stored in PP_RC.
pp_run() {
    out=$1; shift
    PP_RC=0
    lab_c "$PUSHPROBE" --json --resolver "${LAB_RESOLVER:-203.0.113.53}" \
        --apple-ca "$LAB_TMP/certs/apple-root.pem" "$@" >"$out" 2>"$out.err" || PP_RC=$?
}

# jcheck FILE 'python expression' 'what it means': assert on the JSON.
# The expression sees `doc`, `checks` and helpers `c(host, port, fam)`
# (one check) and `cs(host=..., port=..., fam=...)` (a list).
jcheck() {
    if python3 "$LAB_DIR_SRC/jcheck.py" "$1" "$2"; then
        echo "ok: $3"
    else
        echo "FAIL: $3"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
}

expect_rc() {
    if [ "$PP_RC" = "$1" ]; then
        echo "ok: exit status $1"
    else
        echo "FAIL: exit status $PP_RC, expected $1"
        LAB_FAILS=$((LAB_FAILS + 1))
    fi
}

lab_finish() {
    if [ "$LAB_FAILS" -gt 0 ]; then
        echo "--- pushprobe output ---"
        for f in "$LAB_TMP"/*.json; do
            [ -f "$f" ] && { echo "== $f"; cat "$f"; cat "$f.err" 2>/dev/null; }
        done
        echo "--- servers ---"
        cat "$LAB_TMP/servers.log" 2>/dev/null | tail -20
        exit 1
    fi
    exit 0
}
