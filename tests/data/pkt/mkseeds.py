#!/usr/bin/env python3
"""Write the seed corpus of fuzz_pkt (tests/fuzz/corpus/pkt/): frames of
every link type built by hand, DNS messages, TLS records, and the real
frames and ClientHello of this directory.  Documentation addresses only.
Usage: python3 mkseeds.py [outdir]"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../fuzz/corpus/pkt")

C4, S4, R4 = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20]), bytes([203, 0, 113, 1])
C6 = bytes.fromhex("20010db8000000000000000000000010")
S6 = bytes.fromhex("20010db8000100000000000000000020")
R6 = bytes.fromhex("20010db800ff00000000000000000001")
MACS = bytes.fromhex("020000000001020000000002")


def tcp(sport, dport, flags, data=b"", opts=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, 0x11223344, 0x55667788,
                       (20 + len(opts)) // 4 << 4, flags, 64240, 0, 0) + opts + data


def udp(sport, dport, data):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data


def icmp(typ, code, body):
    return struct.pack(">BBHI", typ, code, 0, 1280) + body


def ip4(proto, src, dst, l4, opts=b"", frag=0x4000):
    hl = 20 + len(opts)
    return struct.pack(">BBHHHBBH", 0x40 | hl // 4, 0, hl + len(l4), 0x1234, frag, 64,
                       proto, 0) + src + dst + opts + l4


def ip6(nh, src, dst, rest):
    return struct.pack(">IHBB", 0x60000000, len(rest), nh, 64) + src + dst + rest


def ext6(nh, n):
    return bytes([nh, n // 8 - 1]) + bytes(n - 2)


def eth(typ, pkt, tags=()):
    b = MACS
    for tpid, vid in tags:
        b += struct.pack(">HH", tpid, vid)
    return b + struct.pack(">H", typ) + pkt


def sll(typ, pkt):
    return struct.pack(">HHH", 0, 1, 6) + MACS[:8] + struct.pack(">H", typ) + pkt


def sll2(typ, pkt):
    return struct.pack(">HHIHBB", typ, 0, 2, 1, 0, 6) + MACS[:8] + pkt


def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"


def dns_answer():
    m = struct.pack(">HHHHHH", 0xbeef, 0x8180, 1, 4, 0, 0)
    m += name("x.courier.push.apple.com") + struct.pack(">HH", 1, 1)
    m += b"\xc0\x0c" + struct.pack(">HHIH", 5, 1, 300, 2) + b"\xc0\x0e"
    target = name("1-courier.push-apple.com.akadns.net")
    m += b"\xc0\x0e" + struct.pack(">HHIH", 5, 1, 60, len(target))
    at = len(m)
    m += target
    ptr = struct.pack(">H", 0xc000 | at)
    m += ptr + struct.pack(">HHIH", 1, 1, 20, 4) + bytes([198, 51, 100, 7])
    m += ptr + struct.pack(">HHIH", 28, 1, 20, 16) + bytes.fromhex("20010db8") + bytes(11) + b"\5"
    return m


def dns_query(n="gateway.push.apple.com", qtype=28):
    return struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + name(n) + struct.pack(">HH", qtype, 1)


def hello(sni, alpn):
    ext = b""
    sn = sni.encode()
    ext += struct.pack(">HHHBH", 0, len(sn) + 5, len(sn) + 3, 0, len(sn)) + sn
    ids = b"".join(bytes([len(a)]) + a.encode() for a in alpn)
    ext += struct.pack(">HHH", 16, len(ids) + 2, len(ids)) + ids
    body = struct.pack(">H", 0x0303) + bytes(32) + b"\x20" + bytes(32)
    body += struct.pack(">HHHBB", 4, 0x1301, 0xc02f, 1, 0) + struct.pack(">H", len(ext)) + ext
    hs = b"\x01" + struct.pack(">I", len(body))[1:] + body
    return struct.pack(">BHH", 22, 0x0301, len(hs)) + hs


def real(n):
    with open(os.path.join(here, n), "rb") as f:
        return f.read()


syn = ip4(6, C4, S4, tcp(50000, 5223, 0x02, opts=b"\x02\x04\x05\xb4\x01\x01\x04\x02"))
q6 = ip6(60, C6, S6, ext6(6, 8) + tcp(50002, 5223, 0x02))
frag_first = ip6(0, C6, S6, ext6(44, 8) + bytes([17, 0, 0, 1]) + b"\0\0\xab\xcd"
                 + struct.pack(">HHHH", 5353, 53, 3000, 0) + b"0123456789")
ah = bytes([6, 4]) + bytes(22)
dns = dns_answer()
seeds = {
    "eth4_syn_real": real("eth4_syn.bin"),
    "eth4_clienthello_real": real("eth4_clienthello.bin"),
    "eth4_alert_real": real("eth4_alert.bin"),
    "eth6_clienthello_real": real("eth6_clienthello.bin"),
    "tls_clienthello_record": real("clienthello.bin"),
    "tls_clienthello_built": hello("api.push.apple.com", ["h2", "http/1.1"]),
    "tls_alert_record": bytes([21, 3, 3, 0, 2, 2, 40]),
    "dns_answer_cname": dns,
    "dns_query_aaaa": dns_query(),
    "dns_loop": struct.pack(">HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c" + b"\0\1\0\1",
    "eth_qinq_udp_dns": eth(0x0800, ip4(17, S4, C4, udp(53, 40000, dns)),
                            tags=((0x88a8, 200), (0x8100, 100))),
    "eth4_tcp_dns": eth(0x0800, ip4(6, S4, C4, tcp(53, 40001, 0x18,
                                                   struct.pack(">H", len(dns)) + dns))),
    "eth4_ack_padded": eth(0x0800, ip4(6, C4, S4, tcp(50000, 443, 0x10))) + bytes(6),
    "sll_icmp_unreach": sll(0x0800, ip4(1, R4, C4, icmp(3, 13, syn[:28]), frag=0)),
    "sll_icmp_ttl_udp": sll(0x0800, ip4(1, R4, C4, icmp(11, 0, ip4(17, C4, S4, udp(33434, 33435, b"x"))[:24]), frag=0)),
    "sll2_icmpv6_ptb": sll2(0x86dd, ip6(58, R6, C6, icmp(2, 0, q6))),
    "sll2_vlan_ipv6": sll2(0x8100, struct.pack(">HH", 7, 0x86dd) + ip6(6, C6, S6, tcp(50003, 443, 0x02))),
    "raw6_frag_first_udp": frag_first,
    "raw6_ah_routing_tcp": ip6(43, C6, S6, ext6(51, 16) + ah + tcp(50004, 443, 0x12)),
    "raw4_fragment": ip4(17, C4, S4, bytes(40), frag=0x2000 | 185),
    "null_le_ipv6_syn": struct.pack("<I", 30) + ip6(6, C6, S6, tcp(50005, 5223, 0x02)),
    "null_be_ipv4_rst": struct.pack(">I", 2) + ip4(6, S4, C4, tcp(5223, 50006, 0x04)),
    "loop_ipv4_opts_udp": struct.pack(">I", 2) + ip4(17, C4, S4, udp(123, 123, bytes(48)), opts=b"\x01" * 8),
    "ipv6_icmpv6_echo": ip6(58, C6, S6, icmp(128, 0, b"ping")),
    "eth_arp": eth(0x0806, bytes.fromhex("0001080006040001") + MACS[:6] + C4 + bytes(6) + S4),
}
os.makedirs(out, exist_ok=True)
for n, b in sorted(seeds.items()):
    with open(os.path.join(out, n), "wb") as f:
        f.write(b)
print(len(seeds), "seeds in", os.path.normpath(out))
