#!/bin/sh
# Recreate tests/data/ntp/chrony-*: one real SNTP exchange with Debian's
# chronyd on loopback, for tests/unit/test_ntp.c.
#
# chronyd runs with -x (it never touches this machine's clock) and -d (in
# the foreground, in the background of this script), serving its local
# clock at stratum 8 on 127.0.0.1 on a free high port; no server or pool
# line, so it asks nobody.  python3 sends a request shaped like
# pp_ntp_request's (LI 0, version 4, mode 3, only the transmit timestamp
# set) and saves:
#   chrony-request.bin  the 48 bytes sent
#   chrony-reply.bin    the 48 bytes chronyd answered
#   chrony-times.txt    t1 (the request's transmit time, a multiple of
#                       1/1024 s so that it is exact as a double and as an
#                       NTP timestamp) and t4 (when the reply came), in
#                       seconds since 1970, one "name value" a line
#
# Usage: capture.sh [OUTDIR]   (default: this script's directory)
set -eu
out=$(cd "${1:-$(dirname "$0")}" && pwd)
command -v chronyd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
tmp=$(mktemp -d)
chmod 700 "$tmp"
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
cat > "$tmp/chrony.conf" <<CONF
local stratum 8
allow 127.0.0.1
port $port
bindaddress 127.0.0.1
cmdport 0
bindcmdaddress $tmp/sock
pidfile $tmp/pid
CONF

chronyd -d -x -u root -f "$tmp/chrony.conf" > "$tmp/log" 2>&1 &
pid=$!

python3 - "$port" "$out" <<'PY'
import math
import socket
import struct
import sys
import time

port, out = int(sys.argv[1]), sys.argv[2]
NTP_EPOCH_OFFSET = 2208988800


def stamp(t):
    ntp = t + NTP_EPOCH_OFFSET
    sec = int(math.floor(ntp))
    return struct.pack(">II", sec & 0xffffffff, int((ntp - math.floor(ntp)) * 2 ** 32))


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
for attempt in range(40):
    # A multiple of 1/1024 s: exact in a double and in 32 fraction bits.
    t1 = math.floor(time.time() * 1024) / 1024
    req = bytes([0x23]) + bytes(39) + stamp(t1)
    assert len(req) == 48
    s.sendto(req, ("127.0.0.1", port))
    try:
        reply, peer = s.recvfrom(512)
    except (socket.timeout, ConnectionRefusedError):
        time.sleep(0.1)
        continue
    t4 = time.time()
    if len(reply) < 48 or reply[1] == 0 or reply[0] >> 6 == 3:
        # Not yet serving its local reference (stratum 0 or unsynchronised).
        time.sleep(0.25)
        continue
    break
else:
    sys.exit("chronyd did not answer on port %d" % port)
with open(out + "/chrony-request.bin", "wb") as f:
    f.write(req)
with open(out + "/chrony-reply.bin", "wb") as f:
    f.write(reply)
with open(out + "/chrony-times.txt", "w") as f:
    f.write("t1 %.10f\nt4 %.6f\n" % (t1, t4))
print("chronyd: %d bytes, LI %d VN %d mode %d stratum %d refid %s"
      % (len(reply), reply[0] >> 6, (reply[0] >> 3) & 7, reply[0] & 7, reply[1],
         ".".join(str(b) for b in reply[12:16])))
PY
