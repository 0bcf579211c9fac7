#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Write the seed corpora of fuzz_http, fuzz_ntp, fuzz_pcapng and fuzz_pktap.

corpus/http: the nginx captures of tests/data/http/ (see capture.sh there),
mutations of them, chunked bodies (extensions, trailers, huge and bad
sizes), oversized and odd headers, interim responses and garbage.  Each
input starts with fuzz_http.c's control byte and split sizes.

corpus/ntp: SNTP answers to a request sent at fuzz_ntp.c's T1, built field
by field (RFC 4330), plus chronyd's real answer from tests/data/ntp/.

corpus/pcapng: the pcapng files of tests/data/capture/ (mkcases.py there:
several interfaces and link types, Darwin process blocks), the same cut,
with lying block lengths, big-endian, with bad options and time
resolutions, a simple packet block and an obsolete packet block.

corpus/pktap: single PKTAP frames from tests/data/capture/pktap*.pcap, and
headers that are short, lie about their length or name other link types.

corpus/nat64: AAAA answers for ipv4only.arpa (16 bytes each) with
192.0.0.170/171 at each RFC 6052 length, the well-known and a local-use
prefix, a set u-octet, an ambiguous answer, a cut answer; and prefix
strings ("64:ff9b::/96", bad lengths, bits past the length).

Usage: mkcorpus.py   (writes next to this script; removes nothing)
"""
import math
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
HTTP_DATA = os.path.join(TOP, "tests", "data", "http")
NTP_DATA = os.path.join(TOP, "tests", "data", "ntp")
CAP_DATA = os.path.join(TOP, "tests", "data", "capture")

# fuzz_http.c: keeps[] = {0, 1, 7, 64, 512, 4096, 65536, 1 << 20}
KEEP = {0: 0, 1: 1, 7: 2, 64: 3, 512: 4, 4096: 5, 65536: 6, 1 << 20: 7}


def ctl(keep=4096, head=False, sizes=()):
    assert len(sizes) < 16
    return bytes([KEEP[keep] << 5 | (16 if head else 0) | len(sizes)]) + bytes(
        s - 1 for s in sizes)


def write(sub, name, data):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def http_seeds():
    seeds = {}
    caps = {}
    for fn in sorted(os.listdir(HTTP_DATA)):
        if fn.endswith(".bin"):
            caps[fn[:-4]] = open(os.path.join(HTTP_DATA, fn), "rb").read()
    for name, data in caps.items():
        head = name.startswith("head")
        seeds["cap_" + name] = ctl(4096, head) + data
        seeds["cap_" + name + "_bytes"] = ctl(64, head, [1]) + data
        seeds["cap_" + name + "_split"] = ctl(7, head, [3, 17, 200, 1]) + data
        # Mutations: cut in half, LF only, pipelined twice, trailing garbage.
        seeds["mut_" + name + "_half"] = ctl(512, head) + data[:len(data) // 2]
        seeds["mut_" + name + "_lf"] = ctl(512, head, [5]) + data.replace(b"\r\n", b"\n")
        seeds["mut_" + name + "_twice"] = ctl(65536, head) + data + data
        seeds["mut_" + name + "_junk"] = ctl(1, head) + data + b"\x00\xff junk\r\n\r\n"
    base = caps["200-length"]
    seeds["mut_length_short"] = ctl(4096) + base.replace(b"Content-Length: 4000",
                                                         b"Content-Length: 3999")
    seeds["mut_length_long"] = ctl(4096) + base.replace(b"Content-Length: 4000",
                                                        b"Content-Length: 4001")
    seeds["mut_length_neg"] = ctl() + base.replace(b"Content-Length: 4000",
                                                   b"Content-Length: -4000")
    seeds["mut_length_huge"] = ctl() + base.replace(
        b"Content-Length: 4000", b"Content-Length: 99999999999999999999")
    seeds["mut_length_ows"] = ctl() + base.replace(b"Content-Length: 4000",
                                                   b"Content-Length: 4000  ")
    seeds["mut_status_99"] = ctl() + base.replace(b"200 OK", b"99 OK", 1)
    seeds["mut_status_1000"] = ctl() + base.replace(b"200 OK", b"1000 OK", 1)
    seeds["mut_server_ctrl"] = ctl() + base.replace(b"nginx/1.22.1", b"ngi\tnx\x80\xff\xfe")
    seeds["mut_http10"] = ctl() + base.replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    seeds["mut_http2"] = ctl() + base.replace(b"HTTP/1.1", b"HTTP/2.0", 1)
    seeds["mut_http9"] = ctl() + base.replace(b"HTTP/1.1", b"HTTP/9.9", 1)

    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n"
    seeds["chunk_simple"] = ctl(7, False, [1]) + chunked + (
        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    seeds["chunk_ext"] = ctl(64) + chunked + (
        b"5;name=value;other\r\nhello\r\n6 ; q=\"x\"\r\n world\r\n0;last\r\n\r\n")
    seeds["chunk_trailer"] = ctl(64) + chunked + (
        b"5\r\nhello\r\n0\r\nX-Trailer: yes\r\nServer: late\r\n\r\n")
    seeds["chunk_upper_hex"] = ctl(64) + chunked + b"A\r\n0123456789\r\n0\r\n\r\n"
    seeds["chunk_huge_64"] = ctl(64) + chunked + b"ffffffffffffffff\r\nabc"
    seeds["chunk_huge_63"] = ctl(64) + chunked + b"7fffffffffffffff\r\nabc\r\n0\r\n\r\n"
    seeds["chunk_overflow"] = ctl(64) + chunked + b"10000000000000000\r\nabc\r\n0\r\n\r\n"
    seeds["chunk_many_zeros"] = ctl(64) + chunked + b"0" * 100 + b"5\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_negative"] = ctl(64) + chunked + b"-5\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_0x"] = ctl(64) + chunked + b"0x5\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_ext_ctrl"] = ctl(64) + chunked + b"5;\x01\x7f\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_ext_unterminated"] = ctl(64) + chunked + b"5;name=\"abc\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_ext_bare_semicolon"] = ctl(64) + chunked + b"5;\r\nhello\r\n0;;\r\n\r\n"
    seeds["chunk_ext_long"] = ctl(64) + chunked + b"5;" + b"x" * 20000 + b"\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_no_crlf"] = ctl(64) + chunked + b"5\r\nhelloXX6\r\n world\r\n0\r\n\r\n"
    seeds["chunk_too_long"] = ctl(64) + chunked + b"2\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_lf_only"] = ctl(64) + chunked + b"5\nhello\n0\n\n"
    seeds["chunk_empty_size"] = ctl(64) + chunked + b"\r\nhello\r\n0\r\n\r\n"
    seeds["chunk_and_length"] = ctl(64) + (
        b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n0\r\n\r\n")
    seeds["chunk_te_gzip"] = ctl(64) + (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
    seeds["chunk_te_identity"] = ctl(64) + (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\nhello")
    seeds["chunk_split_everywhere"] = ctl(1 << 20, False, [1, 2, 3, 5, 8, 13]) + chunked + (
        b"1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n")

    big = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-Filler-%03d: %s\r\n" % (i, b"0" * 88) for i in range(200)) + b"\r\n"
    seeds["hdr_over_16k"] = ctl(64) + big
    seeds["hdr_over_16k_bytes"] = ctl(64, False, [255]) + big
    seeds["hdr_one_value_17k"] = ctl(64) + b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 17000 + (
        b"\r\n\r\n")
    seeds["hdr_long_name"] = ctl(64) + b"HTTP/1.1 200 OK\r\n" + b"S" * 200 + (
        b": x\r\nServer" + b"x" * 100 + b": y\r\nContent-Length: 0\r\n\r\n")
    seeds["hdr_long_server"] = ctl(64) + b"HTTP/1.1 200 OK\r\nServer: " + b"v" * 3000 + (
        b"\r\nContent-Length: 0\r\n\r\n")
    seeds["hdr_long_reason"] = ctl(64) + b"HTTP/1.1 200 " + b"O" * 17000 + b"\r\n\r\n"
    seeds["hdr_empty_values"] = ctl(64) + (
        b"HTTP/1.1 302 Found\r\nServer:\r\nLocation:\r\nContent-Type:\r\n"
        b"Content-Length:\r\n\r\n")
    seeds["hdr_obs_fold"] = ctl(64) + (
        b"HTTP/1.1 200 OK\r\nServer: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n")
    seeds["hdr_dup"] = ctl(64) + (
        b"HTTP/1.1 200 OK\r\nServer: one\r\nServer: two\r\nLocation: /a\r\nLocation: /b\r\n"
        b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nok")
    seeds["hdr_no_colon"] = ctl(64) + b"HTTP/1.1 200 OK\r\nServer nginx\r\n\r\n"
    seeds["hdr_space_before_colon"] = ctl(64) + b"HTTP/1.1 200 OK\r\nServer : x\r\n\r\n"
    seeds["hdr_nul"] = ctl(64) + b"HTTP/1.1 200 OK\r\nServer: a\x00b\r\n\r\n"
    seeds["status_103_then_200"] = ctl(64) + (
        b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    seeds["status_100_head"] = ctl(64, True) + (
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    seeds["status_101_upgrade"] = ctl(64) + (
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"\r\n\x81\x05hello")
    seeds["status_204"] = ctl(64) + b"HTTP/1.1 204 No Content\r\n\r\n"
    seeds["status_304_length"] = ctl(64) + (
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n")
    seeds["status_no_reason"] = ctl(64) + b"HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"
    seeds["status_999"] = ctl(64) + b"HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n"
    seeds["eof_body"] = ctl(7) + b"HTTP/1.0 200 OK\r\nServer: old\r\n\r\n" + b"body " * 100

    titles = [
        b"<html><TITLE> Guest  WiFi </title>",
        b"<title>" + b"T" * 200 + b"</title>",
        b"<title lang=\"en\">\n\t Portal \r\n</TITLE>",
        b"<title>unterminated",
        b"<title",
        b"<title>\x01\x02\xc3\xa9\x7f</title>",
        b"</title><title>",
        b"<title></title>",
        b"<title>   </title>",
    ]
    for i, t in enumerate(titles):
        seeds["title_%d" % i] = ctl(65536) + (
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(t)) + t
        seeds["title_raw_%d" % i] = t

    seeds["garbage_ssh"] = ctl(64) + b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"
    seeds["garbage_tls"] = ctl(64) + bytes.fromhex("160301020001" + "00" * 40)
    seeds["garbage_request"] = ctl(64) + b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    seeds["garbage_html"] = ctl(64) + b"<html><body>It works!</body></html>\n"
    seeds["garbage_h2"] = ctl(64) + b"\x00\x00\x12\x04\x00\x00\x00\x00\x00" + b"\x00" * 18
    seeds["empty"] = b""
    seeds["ctl_only"] = ctl(64, True, [1, 2])
    for name, data in seeds.items():
        write("http", name, data)
    return len(seeds)


NTP_EPOCH_OFFSET = 2208988800
T1 = 1795000400.25
T4 = T1 + 0.03125


def stamp(t):
    ntp = t + NTP_EPOCH_OFFSET
    sec = int(math.floor(ntp))
    return struct.pack(">II", sec & 0xffffffff, int((ntp - math.floor(ntp)) * 2 ** 32))


def ntp(leap=0, version=4, mode=4, stratum=2, refid=bytes([192, 0, 2, 123]), t1=T1,
        t2=T1 + 0.010, t3=T1 + 0.011, extra=b""):
    b = bytes([leap << 6 | version << 3 | mode, stratum, 6, 0xe9])
    b += struct.pack(">II", 0x20, 0x40) + refid + stamp(t2 - 30)
    b += stamp(t1) + stamp(t2) + stamp(t3)
    assert len(b) == 48
    return b + extra


def ntp_seeds():
    seeds = {
        "good": ntp(),
        "skew_plus_400": ntp(t2=T1 + 400.010, t3=T1 + 400.012),
        "skew_minus_3600": ntp(t2=T1 - 3599.95, t3=T1 - 3599.949),
        "stratum1_gps": ntp(stratum=1, refid=b"GPS\x00"),
        "stratum1_ctrl": ntp(stratum=1, refid=b"\x01\xffP\x00"),
        "stratum16": ntp(stratum=16),
        "kod_rate": ntp(stratum=0, refid=b"RATE"),
        "kod_deny_leap3": ntp(stratum=0, leap=3, refid=b"DENY"),
        "leap3": ntp(leap=3),
        "leap1": ntp(leap=1),
        "mode3": ntp(mode=3),
        "mode5": ntp(mode=5),
        "version3": ntp(version=3),
        "version0": ntp(version=0),
        "other_request": ntp(t1=T1 + 1.0 / 1024),
        "zero_stamps": ntp()[:32] + bytes(16),
        "era1_stamps": ntp()[:32] + bytes(4) + b"\x80" + bytes(3) + bytes(4) + b"\x80" + bytes(3),
        "ones": b"\xff" * 48,
        "zeros": bytes(48),
        "short_47": ntp()[:47],
        "short_1": b"\x24",
        "mac_68": ntp(extra=bytes([0, 0, 0, 1]) + b"\xaa" * 16),
        "extension_96": ntp(extra=b"\x00\x04\x00\x30" + bytes(44)),
        "empty": b"",
    }
    reply = os.path.join(NTP_DATA, "chrony-reply.bin")
    if os.path.exists(reply):
        seeds["chrony_reply"] = open(reply, "rb").read()
    for name, data in seeds.items():
        write("ntp", name, data)
    return len(seeds)


def icmp_v4(t, c, proto=6):
    """An IPv4 ICMP error as a raw socket reads it, quoting a TCP SYN."""
    import socket
    ip = bytes([0x45, 0, 0, 56, 0, 0, 0, 0, 64, 1, 0, 0]) + \
        socket.inet_aton("198.51.100.1") + socket.inet_aton("10.20.0.2")
    q = bytes([0x45, 0, 0, 60, 0, 0, 0, 0, 1, proto, 0, 0]) + \
        socket.inet_aton("10.20.0.2") + socket.inet_aton("17.57.144.10")
    return ip + bytes([t, c, 0, 0, 0, 0, 0, 0]) + q + struct.pack("!HHI", 50000, 5223, 12345)


def icmp_v6(t, c, nh=6):
    """An ICMPv6 error (no IPv6 header: raw sockets strip it)."""
    import socket
    q = bytes([0x60, 0, 0, 0, 0, 20, nh, 1]) + \
        socket.inet_pton(socket.AF_INET6, "fd00:20::2") + \
        socket.inet_pton(socket.AF_INET6, "2620:149:a44::10")
    return bytes([t, c, 0, 0, 0, 0, 0, 0]) + q + struct.pack("!HHI", 50000, 5223, 12345)


def icmp_seeds():
    seeds = [("v4_time_exceeded", icmp_v4(11, 0)), ("v4_admin_prohibited", icmp_v4(3, 13)),
             ("v4_port_unreach", icmp_v4(3, 3)), ("v4_quotes_udp", icmp_v4(11, 0, 17)),
             ("v4_echo_reply", icmp_v4(0, 0)), ("v4_cut", icmp_v4(11, 0)[:40]),
             ("v6_time_exceeded", icmp_v6(3, 0)), ("v6_admin_prohibited", icmp_v6(1, 1)),
             ("v6_quotes_udp", icmp_v6(3, 0, 17)), ("v6_cut", icmp_v6(3, 0)[:30]),
             ("empty", b"")]
    for name, data in seeds:
        write("icmp", name, data)
    return len(seeds)


# ------------------------------------------------------------------ capture

def ng_blocks(b):
    """The blocks of a little-endian pcapng file."""
    off, out = 0, []
    while off + 8 <= len(b):
        t, n = struct.unpack_from("<II", b, off)
        out.append(b[off:off + n])
        off += n
    return out


def ng_block(btype, body, be=False):
    e = ">" if be else "<"
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def pcapng_seeds():
    multi = open(os.path.join(CAP_DATA, "multi.pcapng"), "rb").read()
    write("pcapng", "multi.pcapng", multi)
    write("pcapng", "reset5223.pcapng", open(os.path.join(CAP_DATA, "reset5223.pcapng"), "rb").read())
    write("pcapng", "cut.pcapng", multi[:len(multi) - 50])
    blocks = ng_blocks(multi)
    # A block whose trailing length differs; one longer than the file.
    b = bytearray(blocks[9])
    struct.pack_into("<I", b, len(b) - 4, len(b) + 4)
    write("pcapng", "trailer.pcapng", b"".join(blocks[:9]) + bytes(b))
    b = bytearray(blocks[9])
    struct.pack_into("<I", b, 4, 0x7ffffff0)
    write("pcapng", "huge.pcapng", b"".join(blocks[:9]) + bytes(b))
    # A packet of an interface never described; no section header first.
    b = bytearray(blocks[9])
    struct.pack_into("<I", b, 8, 9)
    write("pcapng", "noiface.pcapng", b"".join(blocks[:9]) + bytes(b))
    write("pcapng", "noshb.pcapng", b"".join(blocks[1:]))
    # Big-endian: a section of its own, Ethernet, one packet.
    pkt = bytes(12) + b"\x08\x00" + bytes.fromhex("4500001400000000400600000a0000010a000002")
    be = ng_block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1), True) + \
        ng_block(1, struct.pack(">HHI", 1, 0, 65535) + struct.pack(">HH", 9, 1) + b"\x03\0\0\0" +
                 bytes(4), True) + \
        ng_block(6, struct.pack(">IIIII", 0, 1, 2, len(pkt), len(pkt)) + pkt + bytes(-len(pkt) % 4), True)
    write("pcapng", "bigendian.pcapng", be)
    # Resolutions: 2^-30, and beyond any clock; an option running off its block.
    le = ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    for name, res in (("tsresol-bin.pcapng", 0x9e), ("tsresol-bad.pcapng", 0x7f)):
        write("pcapng", name, le + ng_block(1, struct.pack("<HHI", 101, 0, 0) +
                                            struct.pack("<HH", 9, 1) + bytes([res, 0, 0, 0]) + bytes(4)) +
              ng_block(6, struct.pack("<IIIII", 0, 7, 9, 20, 20) + pkt[14:]))
    write("pcapng", "badopt.pcapng", le + ng_block(1, struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 2, 200) + b"en0\0"))
    # A simple packet block (interface 0, snap length 40) and an obsolete one.
    write("pcapng", "spb.pcapng", le + ng_block(1, struct.pack("<HHI", 1, 0, 40)) +
          ng_block(3, struct.pack("<I", len(pkt)) + pkt + bytes(-len(pkt) % 4)) +
          ng_block(2, struct.pack("<HHIIII", 0, 0, 1, 2, len(pkt), len(pkt)) + pkt + bytes(-len(pkt) % 4)))
    # A Darwin process block cut short, and packets naming processes past the end.
    write("pcapng", "dpib.pcapng", le + ng_block(1, struct.pack("<HHI", 1, 0, 0)) +
          ng_block(0x80000001, b"\x01\x00") +
          ng_block(6, struct.pack("<IIIII", 0, 1, 2, len(pkt), len(pkt)) + pkt + bytes(-len(pkt) % 4) +
                   struct.pack("<HHI", 0x8001, 4, 77) + struct.pack("<HHI", 0x8003, 4, 0) + bytes(4)))


def pcap_records(b):
    off, out = 24, []
    while off + 16 <= len(b):
        n = struct.unpack_from("<I", b, off + 8)[0]
        out.append(b[off + 16:off + 16 + n])
        off += 16 + n
    return out


def pktap_seeds():
    for f in ("pktap.pcap", "pktap-rvi.pcap"):
        recs = pcap_records(open(os.path.join(CAP_DATA, f), "rb").read())
        for i in (0, 3, 8):
            write("pktap", f"{f[:-5]}-{i}.bin", recs[i])
    r = pcap_records(open(os.path.join(CAP_DATA, "pktap.pcap"), "rb").read())[3]
    write("pktap", "short.bin", r[:100])
    write("pktap", "len-lies.bin", struct.pack("<I", 5000) + r[4:])
    write("pktap", "len-small.bin", struct.pack("<I", 40) + r[4:])
    write("pktap", "no-packet.bin", r[:4] + struct.pack("<I", 0) + r[8:])
    write("pktap", "inner-pktap.bin", r[:8] + struct.pack("<I", 258) + r[12:])
    write("pktap", "inner-odd.bin", r[:8] + struct.pack("<I", 105) + r[12:])
    write("pktap", "names.bin", r[:12] + b"\xffen0\x01" + bytes(19) + r[36:56] + b"A" * 20 + r[76:])


def v6(text):
    import ipaddress
    return ipaddress.IPv6Address(text).packed


def nat64_seeds():
    answers = {
        "wkp": ["64:ff9b::192.0.0.170", "64:ff9b::192.0.0.171"],
        "nsp96": ["2001:db8:1:64::c000:aa"],
        "len32": ["2001:db8:c000:aa::"],
        "len40": ["2001:db8:1c0:0:aa::"],
        "len48": ["2001:db8:122:c000:0:aa00::"],
        "len56": ["2001:db8:122:3c0:0:ab::"],
        "len64": ["2001:db8:122:344:c0:0:aa00:0"],
        "local-use": ["64:ff9b:1:2::c000:ab"],
        "u-octet": ["2001:db8:122:344:ffc0:0:aa00:0"],
        "ambiguous": ["2001:db8:c000:aa::c000:aa"],
        "many": ["2001:db8:%x::c000:aa" % i for i in range(1, 7)],
    }
    for name, addrs in answers.items():
        write("nat64", name + ".bin", b"".join(v6(a) for a in addrs))
    write("nat64", "cut.bin", v6("64:ff9b::192.0.0.170")[:11])
    for name, text in {"str-wkp": "64:ff9b::/96", "str-len40": "2001:db8:100::/40",
                       "str-badlen": "64:ff9b::/95", "str-past": "64:ff9b::1/96",
                       "str-noslash": "64:ff9b::", "str-v4": "192.0.2.0/24"}.items():
        write("nat64", name + ".txt", text.encode())


if __name__ == "__main__":
    nat64_seeds()
    print("http: %d seeds, ntp: %d seeds, icmp: %d seeds" % (http_seeds(), ntp_seeds(),
                                                            icmp_seeds()))
    pcapng_seeds()
    pktap_seeds()
