#!/bin/sh
# Install the tools the benchmarks run pushprobe against (Debian 12 or
# Ubuntu), after contrib/debian-deps.sh has installed the build and test
# dependencies.  Run as root (or with sudo).
set -e
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
    apt-get update -qq
fi
# The exporter must not start as a system service (it would listen on the
# host's network): policy-rc.d keeps the package scripts from starting it.
guard=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    guard=1
fi
trap '[ -n "$guard" ] && rm -f /usr/sbin/policy-rc.d' EXIT
# concurrency: nc, GNU time; services: curl, openssl; audit: nmap;
# agent: wrk, prometheus-blackbox-exporter; capture: tcpdump, tshark.
apt-get install -y -qq --no-install-recommends \
    time netcat-openbsd curl openssl nmap wrk prometheus-blackbox-exporter \
    tcpdump tshark >/dev/null
echo "bench/deps.sh: the benchmarks' tools are installed"
