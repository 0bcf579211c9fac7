#!/bin/sh
# SPDX-License-Identifier: ISC
# Install what pushprobe needs to build and to run its tests on Debian 12
# (bookworm) or Ubuntu.  Run as root (or with sudo).  With --bench, also the
# tools the benchmarks compare against (bench/).
set -e
bench=""
[ "${1:-}" = "--bench" ] && bench="time netcat-openbsd curl nmap wrk prometheus-blackbox-exporter tcpdump tshark"
export DEBIAN_FRONTEND=noninteractive
if [ ! -d /var/lib/apt/lists/partial ] || [ -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
    apt-get update -qq
fi
# The test servers (nginx, samba, chrony, prometheus) must not start as system
# services: they would talk to the network.  Debian's policy-rc.d keeps
# package scripts from starting them; put one in place for the install
# when the system has none.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    guard=1
fi
trap '[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends \
    build-essential autoconf automake libtool pkg-config \
    libc-ares-dev libssl-dev libpcap-dev libncurses-dev libnghttp2-dev \
    ca-certificates \
    libhttp-parser-dev libinih-dev libjansson-dev libmicrohttpd-dev zlib1g-dev duktape-dev \
    libcmocka-dev python3 python3-jsonschema iproute2 nftables dnsmasq-base unbound tayga socat openssl tmux libcap2-bin time \
    traceroute mtr-tiny \
    nginx samba chrony prometheus chromium nagios4-core bash-completion zsh fish tshark \
    squid-openssl \
    curl debhelper dh-autoreconf dpkg-dev lintian git $bench \
    >/dev/null
