#!/bin/sh
# Recreate the real frames of tests/unit/test_pkt.c: openssl s_client
# talking to openssl s_server over the loopback, captured by tcpdump on lo
# (Linux gives lo an Ethernet link type with zero MACs).  Nothing leaves
# the host.  Needs root for tcpdump, and free ports 47001 and 47002.
#
#   eth4_syn.bin            the client's SYN on 127.0.0.1 (MSS, SACK, TS, WS)
#   eth4_clienthello.bin    s_client -tls1_2: SNI x.courier.push.apple.com,
#                           ALPN apns-security-v3
#   eth4_alert.bin          the same client refusing the self-signed
#                           certificate: a plaintext fatal unknown_ca alert
#   eth6_clienthello.bin    a TLS 1.3 ClientHello over ::1
#
# clienthello.bin is made without any network by mkhello.py.  The tests
# check lengths that depend on the OpenSSL version (3.0 here); update them
# if these files are made again elsewhere.
#
# Usage: capture.sh [OUTDIR]   (default: this script's directory)
set -eu
out=$(cd "${1:-$(dirname "$0")}" && pwd)
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root (tcpdump)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem \
    -out c.pem -days 2 -subj /CN=test.invalid 2>/dev/null
tcpdump -i lo -U -w lo.pcap 'tcp port 47001 or tcp port 47002' 2>/dev/null &
tp=$!
sleep 1
# s_server stops at the end of its input: keep it open a while.
(sleep 6 | openssl s_server -accept 127.0.0.1:47001 -cert c.pem -key k.pem \
    -alpn apns-security-v3 -naccept 1 >/dev/null 2>&1) &
(sleep 6 | openssl s_server -accept '[::1]:47002' -cert c.pem -key k.pem \
    -alpn apns-security-v3 -naccept 1 >/dev/null 2>&1) &
sleep 1
timeout 5 openssl s_client -connect 127.0.0.1:47001 -tls1_2 -verify_return_error \
    -servername x.courier.push.apple.com -alpn apns-security-v3 </dev/null >/dev/null 2>&1 || :
timeout 5 openssl s_client -connect '[::1]:47002' \
    -servername x.courier.push.apple.com -alpn apns-security-v3 </dev/null >/dev/null 2>&1 || :
sleep 5
kill "$tp"
wait "$tp" || :
python3 - lo.pcap "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
e = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
off, frames = 24, []
while off < len(data):
    incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
    frames.append(data[off + 16:off + 16 + incl])
    off += 16 + incl


def tcp(f):
    """(dport, flags, payload) of an Ethernet IPv4/IPv6 TCP frame."""
    if f[12:14] == b"\x08\x00":
        l4 = 14 + (f[14] & 15) * 4
    else:
        l4 = 14 + 40
    return (struct.unpack(">H", f[l4 + 2:l4 + 4])[0], f[l4 + 13], f[l4 + (f[l4 + 12] >> 4) * 4:])


def first(want):
    for f in frames:
        if want(*tcp(f)):
            return f
    raise SystemExit("capture.sh: a frame is missing")


picks = {
    "eth4_syn.bin": first(lambda d, fl, p: d == 47001 and fl == 0x02),
    "eth4_clienthello.bin": first(lambda d, fl, p: d == 47001 and p[:1] == b"\x16"),
    "eth4_alert.bin": first(lambda d, fl, p: d == 47001 and p[:1] == b"\x15"),
    "eth6_clienthello.bin": first(lambda d, fl, p: d == 47002 and p[:1] == b"\x16"),
}
for name, f in picks.items():
    open(sys.argv[2] + "/" + name, "wb").write(f)
    print(name, len(f), "bytes")
PY
