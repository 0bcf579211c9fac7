#!/usr/bin/env python3
"""Write the capture files of issue 17 into a directory (default: this one).

Each file reproduces what a Mac or iPhone capture holds and what pushprobe
once read wrong; tests/capture.sh reads them, compares the reports with
the golden files beside them and cross-checks the counts with capinfos and
tshark.  Deterministic: the same bytes on every run.

  multi.pcapng      Wireshark on a Mac: en0 (Ethernet), utun0 (raw IP, in
                    nanoseconds), lo0 (BSD loopback), awdl0 (802.11, not
                    decoded); Darwin process blocks naming apsd and Safari
  pktap.pcap        tcpdump -i pktap,en0: LINKTYPE_PKTAP (258), the courier
                    connection held by apsd, Safari's web traffic
  pktap-rvi.pcap    an iPhone's rvi0 (rvictl) on OS X 10.9: DLT_USER2 (149),
                    raw IP inside, the courier connection held by an app
  vlan.pcap         courier connections in 802.1Q and QinQ tags
  tunnels.pcap      PPPoE, GRE, VXLAN and 6in4 carrying courier flows
  tso.pcap          IPv4 total length 0 (TSO): a courier flow's big segments
  latefin.pcap      FIN and RST retransmitted after the flows left the table
The cut and the compressed files are made from these by tests/capture.sh.
"""
import gzip
import os
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
T0 = 1764590400  # 2025-12-01T12:00:00Z

MAC_C = bytes.fromhex("02aabbcc0002")
MAC_R = bytes.fromhex("02aabbcc0001")
DEV = "10.10.0.2"
DEV6 = "2001:db8:10::2"
COURIER = "17.57.144.10"
COURIER6 = "2620:149:a44::10"
WEB = "198.51.100.80"
DNS = "203.0.113.53"


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f">{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ttl=64, total=None):
    tot = 20 + len(payload) if total is None else total
    h = struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, 0, 0x4000, ttl, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack(">H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, hl=64):
    return struct.pack(">IHBB16s16s", 6 << 28, len(payload), nh, hl, ip6(src), ip6(dst)) + payload


def tcp(sport, dport, seq, ack, flags, data=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + data


def udp(sport, dport, data):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data


def eth(payload, etype=0x0800, src=MAC_C, dst=MAC_R, tags=()):
    h = dst + src
    for tpid, vid in tags:
        h += struct.pack(">HH", tpid, vid)
    return h + struct.pack(">H", etype) + payload


def client_hello(sni, alpn=b"apns-security-v3"):
    name = sni.encode()
    ext_sni = struct.pack(">HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    ext_alpn = struct.pack(">HHHB", 16, len(alpn) + 3, len(alpn) + 1, len(alpn)) + alpn
    exts = ext_sni + ext_alpn
    body = struct.pack(">H", 0x0303) + bytes(32) + b"\0" + struct.pack(">HH", 2, 0x1301) + \
        b"\x01\x00" + struct.pack(">H", len(exts)) + exts
    hs = struct.pack(">B", 1) + struct.pack(">I", len(body))[1:] + body
    return struct.pack(">BHH", 22, 0x0301, len(hs)) + hs


FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def tcp_session(mk, cli, srv, cport, sport, t, sni=None, close=True, ttl_s=52, data=200):
    """Packets (ts, bytes) of one TCP connection; mk(src, dst, segment, ttl) -> bytes."""
    c, s = 1000, 5000
    out = [(t, mk(cli, srv, tcp(cport, sport, c, 0, SYN), 64)),
           (t + 0.020, mk(srv, cli, tcp(sport, cport, s, c + 1, SYN | ACK), ttl_s)),
           (t + 0.021, mk(cli, srv, tcp(cport, sport, c + 1, s + 1, ACK), 64))]
    c += 1
    s += 1
    hello = client_hello(sni) if sni else b"\x17\x03\x03\x00\x10" + bytes(16)
    out.append((t + 0.022, mk(cli, srv, tcp(cport, sport, c, s, PSH | ACK, hello), 64)))
    c += len(hello)
    out.append((t + 0.045, mk(srv, cli, tcp(sport, cport, s, c, PSH | ACK, bytes(data)), ttl_s)))
    s += data
    out.append((t + 0.046, mk(cli, srv, tcp(cport, sport, c, s, ACK), 64)))
    if close:
        out.append((t + 0.500, mk(cli, srv, tcp(cport, sport, c, s, FIN | ACK), 64)))
        out.append((t + 0.520, mk(srv, cli, tcp(sport, cport, s, c + 1, FIN | ACK), ttl_s)))
        out.append((t + 0.521, mk(cli, srv, tcp(cport, sport, c + 1, s + 1, ACK), 64)))
    return out


def dns_query(qid, name, answer=None, resp=False):
    q = b"".join(bytes([len(x)]) + x.encode() for x in name.split(".")) + b"\0"
    if not resp:
        return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)
    a = struct.pack(">HHHIH", 0xc00c, 1, 1, 60, 4) + ip4(answer)
    return struct.pack(">HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + struct.pack(">HH", 1, 1) + a


def mk4_eth(src, dst, seg, ttl, **kw):
    return eth(ipv4(src, dst, 6, seg, ttl), **kw)


def mk4_raw(src, dst, seg, ttl):
    return ipv4(src, dst, 6, seg, ttl)


def pcap(path, linktype, pkts, snap=65535):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, linktype))
        for ts, b in sorted(pkts, key=lambda x: x[0]):
            sec = int(ts)
            us = int(round((ts - sec) * 1e6))
            f.write(struct.pack("<IIII", T0 + sec, us, len(b), len(b)) + b)


# ------------------------------------------------------------------ pcapng

def opt(code, val):
    return struct.pack("<HH", code, len(val)) + val + b"\0" * (-len(val) % 4)


def block(btype, body):
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) +
                 opt(4, b"pushprobe mkcases.py") + opt(0, b""))


def idb(linktype, name, tsresol=None, snap=262144):
    o = opt(2, name.encode())
    if tsresol is not None:
        o += opt(9, bytes([tsresol]))
    return block(1, struct.pack("<HHI", linktype, 0, snap) + o + opt(0, b""))


def dpib(pid, name):
    return block(0x80000001, struct.pack("<I", pid) + opt(2, name.encode()) + opt(0, b""))


def epb(iface, ts, data, units=10 ** 6, pib=None, epib=None, flags=None):
    t = int(round((T0 + ts) * units))
    o = b""
    if flags is not None:
        o += opt(2, struct.pack("<I", flags))
    if pib is not None:
        o += opt(0x8001, struct.pack("<I", pib))
    if epib is not None:
        o += opt(0x8003, struct.pack("<I", epib))
    if o:
        o += opt(0, b"")
    body = struct.pack("<IIIII", iface, t >> 32, t & 0xffffffff, len(data), len(data)) + data + \
        b"\0" * (-len(data) % 4) + o
    return block(6, body)


def multi():
    """en0 Ethernet (us), utun0 raw IP (ns), lo0 null (us), awdl0 802.11."""
    out = shb() + idb(1, "en0") + idb(101, "utun0", tsresol=9) + idb(0, "lo0") + \
        idb(105, "awdl0") + dpib(101, "apsd") + dpib(202, "Safari") + dpib(303, "nsurlsessiond")
    pk = []
    # en0: the courier on 5223, held by apsd (process block 0).
    for ts, b in tcp_session(mk4_eth, DEV, COURIER, 50001, 5223, 0.1,
                             sni="1-courier.push.apple.com", close=False):
        pk.append((ts, 0, b, 0, None))
    # en0: DNS for the courier.
    pk.append((0.05, 0, eth(ipv4(DEV, DNS, 17, udp(53001, 53, dns_query(7, "1-courier.push.apple.com")))), None, None))
    pk.append((0.07, 0, eth(ipv4(DNS, DEV, 17, udp(53, 53001, dns_query(7, "1-courier.push.apple.com", COURIER, True)), 63)), None, None))
    # utun0 (a VPN): Safari to an Apple host on 443, through nsurlsessiond.
    for ts, b in tcp_session(mk4_raw, "10.8.0.2", "17.253.1.10", 50100, 443, 0.3,
                             sni="gdmf.apple.com", close=True):
        pk.append((ts, 1, b, 2, 1))
    # lo0: a local service, AF_INET in host (little-endian) order.
    for ts, b in tcp_session(lambda s, d, seg, ttl: struct.pack("<I", 2) + ipv4(s, d, 6, seg, ttl),
                             "127.0.0.1", "127.0.0.1", 50200, 8443, 0.4, close=True):
        pk.append((ts, 2, b, None, None))
    # awdl0: a beacon-sized 802.11 frame, not decoded.
    pk.append((0.9, 3, bytes(24) + bytes(12), None, None))
    for ts, ifx, b, pib, epib in sorted(pk, key=lambda x: x[0]):
        units = 10 ** 9 if ifx == 1 else 10 ** 6
        out += epb(ifx, ts, b, units=units, pib=pib, epib=epib, flags=2 if pib is not None else None)
    open(os.path.join(OUT, "multi.pcapng"), "wb").write(out)


# ------------------------------------------------------------------ PKTAP

def pktap_hdr(dlt, ifname, pid, comm, flags, epid=0, ecomm=""):
    def name(s, n):
        return s.encode()[:n - 1].ljust(n, b"\0")
    h = struct.pack("<III", 156, 1, dlt) + name(ifname, 24) + struct.pack("<IIIII", flags, 2, 14 if dlt == 1 else 0, 0, pid) + \
        name(comm, 20) + struct.pack("<IHHI", 0, 6, 0, epid) + name(ecomm, 20)
    h += bytes(156 - len(h))  # flow id, ip proto, timestamp, uuids
    assert len(h) == 156
    return h


def pktap_file(path, linktype, inner_dlt, mk, ifname, comm, pid, other):
    pk = []
    for ts, b in tcp_session(mk, DEV, COURIER, 50010, 5223, 0.2, sni="7-courier.push.apple.com",
                             close=False):
        out = b[12:16] == ip4(DEV) if inner_dlt == 12 else b[26:30] == ip4(DEV)
        pk.append((ts, pktap_hdr(inner_dlt, ifname, pid, comm, 2 if out else 1) + b))
    for ts, b in tcp_session(mk, DEV, WEB, 50020, 443, 0.6, sni="www.example.org", close=True,
                             ttl_s=50):
        out = b[12:16] == ip4(DEV) if inner_dlt == 12 else b[26:30] == ip4(DEV)
        pk.append((ts, pktap_hdr(inner_dlt, ifname, other[1], other[0], 2 if out else 1,
                                 epid=other[2], ecomm=other[3]) + b))
    pcap(os.path.join(OUT, path), linktype, pk)


# ------------------------------------------------------------------ the rest

def vlan():
    pk = []
    pk += tcp_session(lambda s, d, seg, ttl: mk4_eth(s, d, seg, ttl, tags=((0x8100, 10),)),
                      DEV, COURIER, 50030, 5223, 0.1, sni="2-courier.push.apple.com", close=False)
    pk += tcp_session(lambda s, d, seg, ttl: mk4_eth(s, d, seg, ttl, tags=((0x88a8, 100), (0x8100, 20))),
                      "10.10.0.3", COURIER, 50031, 5223, 0.2, sni="3-courier.push.apple.com", close=False)
    pk += tcp_session(lambda s, d, seg, ttl: eth(ipv6(s, d, 6, seg, ttl), 0x86dd, tags=((0x8100, 10),)),
                      DEV6, COURIER6, 50032, 5223, 0.3, sni="4-courier.push.apple.com", close=False)
    pcap(os.path.join(OUT, "vlan.pcap"), 1, pk)


def tunnels():
    pk = []

    def pppoe(s, d, seg, ttl):
        ipp = ipv4(s, d, 6, seg, ttl)
        return eth(struct.pack(">BBHHH", 0x11, 0, 0x1234, len(ipp) + 2, 0x0021) + ipp, 0x8864)

    def gre(s, d, seg, ttl):
        inner = ipv4(s, d, 6, seg, ttl)
        return eth(ipv4("192.0.2.1", "192.0.2.2", 47, struct.pack(">HH", 0x2000, 0x0800) +
                        struct.pack(">I", 42) + inner))

    def vx(s, d, seg, ttl):
        inner = eth(ipv4(s, d, 6, seg, ttl))
        return eth(ipv4("192.0.2.1", "192.0.2.3", 17,
                        udp(40000, 4789, struct.pack(">II", 0x08000000, 5000 << 8) + inner)))

    def sixin4(s, d, seg, ttl):
        return eth(ipv4("192.0.2.1", "192.0.2.4", 41, ipv6(s, d, 6, seg, ttl)))

    pk += tcp_session(pppoe, DEV, COURIER, 50040, 5223, 0.1, sni="5-courier.push.apple.com", close=False)
    pk += tcp_session(gre, "10.10.0.4", COURIER, 50041, 5223, 0.2, sni="6-courier.push.apple.com", close=False)
    pk += tcp_session(vx, "10.10.0.5", COURIER, 50042, 443, 0.3, sni="8-courier.push.apple.com", close=False)
    pk += tcp_session(sixin4, DEV6, COURIER6, 50043, 5223, 0.4, sni="9-courier.push.apple.com", close=False)
    pcap(os.path.join(OUT, "tunnels.pcap"), 1, pk)


def tso():
    """A courier flow whose client segments say total length 0."""
    pk = []
    for ts, b in tcp_session(mk4_eth, DEV, COURIER, 50050, 5223, 0.1,
                             sni="10-courier.push.apple.com", close=False):
        pk.append((ts, b))
    c, s = 1001 + len(client_hello("10-courier.push.apple.com")), 5201
    for k in range(3):
        seg = tcp(50050, 5223, c, s, ACK, bytes(9000))
        b = eth(ipv4(DEV, COURIER, 6, seg, 64, total=0))
        pk.append((0.2 + k * 0.01, b))
        c += 9000
    pk.append((0.25, mk4_eth(COURIER, DEV, tcp(5223, 50050, s, c, ACK), 52)))
    pcap(os.path.join(OUT, "tso.pcap"), 1, pk, snap=65535)


def latefin():
    """A web flow closed at 0.5 s, its FIN again at 3.5 s (after the table
    let it go at 2 s); a courier flow closed at 1 s, a RST from the server
    side at 40 s (it left the table at 31 s).  Between them, DNS keeps the
    clock going as a real capture's traffic does."""
    pk = tcp_session(mk4_eth, DEV, WEB, 50060, 80, 0.0, close=True, ttl_s=50)
    fin = [b for ts, b in pk if (b[47] & FIN) and b[26:30] == ip4(DEV)][0]
    pk.append((3.5, fin))
    cs = tcp_session(mk4_eth, DEV, COURIER, 50061, 5223, 0.5, sni="11-courier.push.apple.com",
                     close=True)
    pk += cs
    last_srv = [b for ts, b in cs if b[26:30] == ip4(COURIER)][-1]
    seq = struct.unpack(">I", last_srv[38:42])[0] + 1
    pk.append((40.0, mk4_eth(COURIER, DEV, tcp(5223, 50061, seq, 0, RST), 52)))
    for k in range(42):
        pk.append((0.25 + k, eth(ipv4(DEV, DNS, 17, udp(54000 + k, 53, dns_query(k, "example.org"))))))
        pk.append((0.26 + k, eth(ipv4(DNS, DEV, 17, udp(53, 54000 + k,
                                                         dns_query(k, "example.org", WEB, True)), 63))))
    pcap(os.path.join(OUT, "latefin.pcap"), 1, pk)


multi()
pktap_file("pktap.pcap", 258, 1, mk4_eth, "en0", "apsd", 412, ("Safari", 733, 0, ""))
pktap_file("pktap-rvi.pcap", 149, 12, mk4_raw, "pdp_ip0", "MyPushApp", 1207,
           ("nsurlsessiond", 98, 1311, "Mail"))
vlan()
tunnels()
tso()
latefin()
