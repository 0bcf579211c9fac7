#!/bin/sh
# Recreate the SMB captures of tests/unit/test_smb.c from Debian's smbd.
#
# Needs root: smbd runs in a network namespace made here (only its
# loopback is up), port 445, with every directory it writes (private,
# lock, state, cache, pid, ncalrpc, log) in a temp dir, in the foreground.
# smbd with --no-process-group signals its process group when it ends, so
# it runs under setsid.  python3 sends pushprobe's NEGOTIATE (the fact
# sheet's request, dialects 2.0.2 to 3.0.2) to 127.0.0.1 inside the
# namespace and saves the reply.  No traffic leaves the namespace.
#
#   negotiate-samba.bin              defaults (signing enabled)
#   negotiate-signing-required.bin   server signing = mandatory
#   negotiate-wildcard.bin           an SMB1 negotiate offering "SMB 2.???"
#                                    (the 0x02FF wildcard answer)
#   negotiate-not-supported.bin      server min protocol = SMB3_11
#                                    (STATUS_NOT_SUPPORTED)
#   negotiate-smb1-nt1.bin           server max protocol = NT1, asked in
#                                    SMB1 (such a server hangs up on SMB2)
#
# The replies carry the server's clock, so bytes 108..123 differ between
# runs; the tests check nothing that depends on them.
#
# Usage: capture.sh [OUTDIR]   (default: this script's directory)
set -eu
out=$(cd "${1:-$(dirname "$0")}" && pwd)
command -v smbd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
[ "$(id -u)" = 0 ] || { echo "capture.sh: needs root (a network namespace)" >&2; exit 1; }
tmp=$(mktemp -d)
ns=ppsmbcap$$
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    pids=$(ip netns pids "$ns" 2>/dev/null) || true
    [ -n "$pids" ] && kill $pids 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip -n "$ns" link set lo up

cat > "$tmp/ask.py" <<'PY'
import socket, struct, sys
mode = sys.argv[1]
if mode == "smb2":
    hdr = b"\xfeSMB" + struct.pack("<HHIHHIIQIIQ", 64, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) + bytes(16)
    body = (struct.pack("<HHHHI", 36, 4, 1, 0, 0) + bytes(range(0x10, 0x20)) + bytes(8) +
            struct.pack("<4H", 0x0202, 0x0210, 0x0300, 0x0302))
    msg = hdr + body
else:
    # SMB1 NEGOTIATE: NT LM 0.12, and for "wild" also SMB 2.002 and SMB 2.???
    dialects = b"\x02NT LM 0.12\0"
    if mode == "wild":
        dialects += b"\x02SMB 2.002\0\x02SMB 2.???\0"
    hdr = (b"\xffSMB\x72" + bytes(4) + b"\x18" + struct.pack("<H", 0xc853) + bytes(12) +
           struct.pack("<HHHH", 0, 0xfeff, 0, 0))
    msg = hdr + b"\0" + struct.pack("<H", len(dialects)) + dialects
req = struct.pack(">I", len(msg)) + msg
s = socket.create_connection(("127.0.0.1", 445), timeout=5)
s.sendall(req)
data = b""
while len(data) < 4 or len(data) < 4 + int.from_bytes(data[1:4], "big"):
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.buffer.write(data)
PY

# capture NAME MODE MIN MAX SIGNING
capture() {
    d=$tmp/$1
    mkdir -p "$d/private" "$d/lock" "$d/state" "$d/cache" "$d/pid" "$d/ncalrpc" "$d/share"
    cat > "$d/smb.conf" <<EOF
[global]
    workgroup = PPLAB
    netbios name = PPFILES
    server role = standalone server
    private dir = $d/private
    lock directory = $d/lock
    state directory = $d/state
    cache directory = $d/cache
    pid directory = $d/pid
    ncalrpc dir = $d/ncalrpc
    log file = $d/log.smbd
    passdb backend = tdbsam:$d/private/passdb.tdb
    interfaces = lo
    bind interfaces only = yes
    smb ports = 445
    disable netbios = yes
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
    server min protocol = $3
    server max protocol = $4
    server signing = $5
[files]
    path = $d/share
    read only = yes
    guest ok = yes
EOF
    setsid ip netns exec "$ns" smbd --foreground --no-process-group -s "$d/smb.conf" \
        >"$d/stdout.log" 2>&1 &
    pid=$!
    i=0
    until ip netns exec "$ns" ss -lntH 'sport = :445' | grep -q .; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "smbd did not start" >&2; cat "$d/stdout.log" >&2; exit 1; }
        sleep 0.1
    done
    ip netns exec "$ns" python3 "$tmp/ask.py" "$2" > "$out/$1"
    echo "$1: $(wc -c < "$out/$1") bytes"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=
    while ip netns exec "$ns" ss -lntH 'sport = :445' | grep -q .; do sleep 0.1; done
}

capture negotiate-samba.bin smb2 SMB2_02 SMB3 default
capture negotiate-signing-required.bin smb2 SMB2_02 SMB3 mandatory
capture negotiate-wildcard.bin wild SMB2_02 SMB3 default
capture negotiate-not-supported.bin smb2 SMB3_11 SMB3 default
capture negotiate-smb1-nt1.bin smb1 NT1 NT1 default
