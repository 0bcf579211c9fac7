#!/usr/bin/env python3
"""Build DSIGetStatus replies as netatalk lays them out, for pushprobe's tests.

Debian 12 has no netatalk, so there is no server to capture from: this
script writes the bytes by hand, field by field, following netatalk 3.1's
etc/afpd/status.c (status_init and the status_* functions it calls) and the
AFP Reference's FPGetSrvrInfo:

  DSI header (16 bytes, big-endian): flags 0x01 (reply), command 3
  (GetStatus), request id, error code 0, payload length, reserved 0.

  Status block (offsets relative to its start, 16-bit big-endian):
    0  offset of MachineType          6  offset of VolumeIconAndMask
    2  offset of AFPVersionCount      8  flags
    4  offset of UAMCount            10  ServerName (Pascal string),
                                         padded to an even length
  then four offsets: ServerSignature, NetworkAddressesCount,
  DirectoryNamesCount, UTF8ServerName; then, in netatalk's order, the
  machine type, the version list, the UAM list, the 256-byte icon and
  mask, the 16-byte signature, the addresses, the directory names and the
  UTF-8 name (a 16-bit length and the bytes).

Usage: mkfixture.py [OUTDIR]   (default: this script's directory)
"""
import os
import socket
import struct
import sys

# Flag bits (netatalk include/atalk/afp.h, AFPSRVRINFO_*).
COPY, PASSWD, NOSAVEPASSWD, SRVMSGS = 0x1, 0x2, 0x4, 0x8
SRVSIGNATURE, TCPIP, SRVNOTIFY, SRVRECONNECT = 0x10, 0x20, 0x40, 0x80
SRVRDIR, SRVUTF8, UUID, EXTSLEEP, FASTBOZO = 0x100, 0x200, 0x400, 0x800, 0x8000


def pascal(b):
    assert len(b) < 256
    return bytes([len(b)]) + b


def pascal_list(items):
    return bytes([len(items)]) + b"".join(pascal(i) for i in items)


def status_block(name_mac, machine, versions, uams, flags, icon=True,
                 signature=None, addresses=None, utf8_name=None, post_fields=4):
    """The status block; offsets are computed, never typed in."""
    head_len = 10
    name = pascal(name_mac)
    if (len(name)) & 1:
        name += b"\0"
    post_at = head_len + len(name)
    body_at = post_at + 2 * post_fields
    body = b""
    offs = {}

    def put(key, data):
        nonlocal body
        offs[key] = body_at + len(body)
        body += data

    put("machine", pascal(machine))
    put("versions", pascal_list(versions))
    put("uams", pascal_list(uams))
    if icon:
        # 128 bytes of icon, 128 of mask: a plain pattern, not Apple's art.
        put("icon", bytes(range(128)) + b"\xff" * 128)
    if signature is not None:
        put("signature", signature)
    if addresses is not None:
        data = bytes([len(addresses)])
        for typ, addr in addresses:
            data += bytes([len(addr) + 2, typ]) + addr
        put("addresses", data)
    if post_fields >= 3:
        put("dirnames", b"\0")
    if utf8_name is not None:
        put("utf8", struct.pack(">H", len(utf8_name)) + utf8_name)

    head = struct.pack(">HHHHH", offs["machine"], offs["versions"], offs["uams"],
                       offs.get("icon", 0), flags)
    post = [offs.get("signature", 0), offs.get("addresses", 0),
            offs.get("dirnames", 0), offs.get("utf8", 0)][:post_fields]
    block = head + name + struct.pack(">%dH" % post_fields, *post) + body
    assert len(head) == head_len and len(block) == body_at + len(body)
    return block


def dsi_reply(payload, request_id=1, error=0):
    return struct.pack(">BBHIII", 0x01, 3, request_id, error, len(payload), 0) + payload


def netatalk(name, utf8_name):
    """netatalk 3.1.12 with its defaults, DHX2 and DHCAST128, an FQDN."""
    flags = (COPY | SRVSIGNATURE | SRVMSGS | FASTBOZO | SRVUTF8 | EXTSLEEP |
             TCPIP | SRVNOTIFY | SRVRDIR)
    return status_block(
        name, b"Netatalk3.1.12", [b"AFP3.2", b"AFP3.3", b"AFP3.4"],
        [b"DHX2", b"DHCAST128"], flags,
        signature=bytes.fromhex("5c9a1e0b7f3d42a8b1e6c0d94f2a7e31"),
        addresses=[(0x01, socket.inet_pton(socket.AF_INET, "10.20.0.10")),
                   (0x04, b"files.corp.test")],
        utf8_name=utf8_name)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    fixtures = {
        # The lab's file server: the name in both forms.
        "getstatus-netatalk.bin": dsi_reply(netatalk(b"files", b"files")),
        # A name outside ASCII: Mac Roman in the Pascal name (0x9f is u
        # with diaeresis), UTF-8 in the UTF-8 name.
        "getstatus-utf8.bin": dsi_reply(netatalk(b"B\x9fro Ablage", "Büro Ablage".encode())),
        # An AFP 2.x-era server: no UTF-8 name, no icon, two offsets after
        # the name, old-style version strings, guest access.
        "getstatus-afp2.bin": dsi_reply(status_block(
            b"OldMac", b"Macintosh", [b"AFPVersion 2.0", b"AFPVersion 2.1", b"AFP2.2"],
            [b"No User Authent", b"Cleartxt Passwrd", b"2-Way Randnum exchange"],
            COPY | PASSWD | SRVMSGS | SRVSIGNATURE | TCPIP, icon=False,
            signature=b"\x11" * 16,
            addresses=[(0x02, socket.inet_pton(socket.AF_INET, "192.0.2.7") +
                        struct.pack(">H", 5480))],
            post_fields=2)),
        # A busy server: DSI error DSIERR_SERVBUSY, as netatalk sends it
        # (a negative int, sign-extended), no payload.
        "getstatus-busy.bin": dsi_reply(b"", error=0xfffffbd1),
    }
    os.makedirs(out, exist_ok=True)
    for name, data in fixtures.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
