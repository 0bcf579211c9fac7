#!/bin/sh
# Install what pushprobe needs to build and to run its tests on Debian 12
# (bookworm) or Ubuntu.  Run as root (or with sudo).
set -e
export DEBIAN_FRONTEND=noninteractive
if [ ! -d /var/lib/apt/lists/partial ] || [ -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
    apt-get update -qq
fi
apt-get install -y -qq --no-install-recommends \
    build-essential autoconf automake libtool pkg-config \
    libc-ares-dev libssl-dev libpcap-dev libncurses-dev libnghttp2-dev \
    ca-certificates \
    libcmocka-dev python3 iproute2 nftables dnsmasq-base socat openssl tmux \
    >/dev/null
