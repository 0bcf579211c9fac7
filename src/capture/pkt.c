/* SPDX-License-Identifier: ISC */
/* Packet decoding for the capture (see pkt.h): link, IP, transport; the
 * DNS and TLS bytes the flow table looks into are pktapp.c's.  Every read goes through the
 * bounds-checked cursor; the cursor's len is narrowed to the end of the IP
 * packet as captured, so link padding and lying lengths never reach a
 * transport parser. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cursor.h"
#include "capture/pkt.h"
#include "capture/pkt_int.h"
#include "capture/pktap.h"

/* ------------------------------------------------------------- names */

static const char *const link_names[PP_LINK__COUNT] = {
    [PP_LINK_ETHERNET] = "ethernet",
    [PP_LINK_SLL] = "sll",
    [PP_LINK_SLL2] = "sll2",
    [PP_LINK_RAW] = "raw",
    [PP_LINK_NULL] = "null",
    [PP_LINK_LOOP] = "loop",
    [PP_LINK_IPV4] = "ipv4",
    [PP_LINK_IPV6] = "ipv6",
    [PP_LINK_PKTAP] = "pktap",
};

static const char *const tunnel_names[PP_TUN__COUNT] = {
    [PP_TUN_NONE] = "none",
    [PP_TUN_PPPOE] = "pppoe",
    [PP_TUN_GRE] = "gre",
    [PP_TUN_VXLAN] = "vxlan",
    [PP_TUN_IPIP] = "ip-in-ip",
};

static const char *const status_names[PP_PKT__COUNT] = {
    [PP_PKT_OK] = "ok",
    [PP_PKT_NOT_IP] = "not-ip",
    [PP_PKT_UNSUPPORTED] = "unsupported",
    [PP_PKT_MALFORMED] = "malformed",
};

int
pp_pkt_link_from_dlt(int dlt)
{
    switch (dlt) {
    case 0: return PP_LINK_NULL;
    case 1: return PP_LINK_ETHERNET;
    case 12: case 14: case 101: return PP_LINK_RAW; /* 14 is DLT_RAW on OpenBSD */
    case 108: return PP_LINK_LOOP;
    case 113: return PP_LINK_SLL;
    case 228: return PP_LINK_IPV4;
    case 229: return PP_LINK_IPV6;
    case 276: return PP_LINK_SLL2;
    case PP_DLT_PKTAP: case PP_DLT_PKTAP_OLD: return PP_LINK_PKTAP;
    default: return -1;
    }
}

const char *
pp_pkt_link_name(enum pp_link l)
{
    return (unsigned)l < PP_LINK__COUNT ? link_names[l] : "?";
}

const char *
pp_tunnel_name(enum pp_tunnel t)
{
    return (unsigned)t < PP_TUN__COUNT ? tunnel_names[t] : "?";
}

const char *
pp_pkt_status_name(enum pp_pkt_status s)
{
    return (unsigned)s < PP_PKT__COUNT ? status_names[s] : "?";
}

void
pp_pkt_addr_str(uint8_t family, const uint8_t addr[16], char *buf, size_t len)
{
    socklen_t n = (socklen_t)(len < 64 ? len : 64);

    if (len == 0)
        return;
    if ((family != 4 && family != 6) ||
        inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, n) == NULL)
        buf[0] = '\0';
}

bool
pp_pkt_icmp_is_error(const struct pp_pkt *p)
{
    if (p->family == 4 && p->proto == 1)
        return p->icmp_type == 3 || p->icmp_type == 11 || p->icmp_type == 12;
    if (p->family == 6 && p->proto == 58)
        return p->icmp_type >= 1 && p->icmp_type <= 4;
    return false;
}

/* ------------------------------------------------------------ decoder */

/* The IP packet being decoded: where it ends on the wire (which may be
 * past the capture), and whether more fragments follow this one. */
struct ipctx {
    size_t wire_end;
    bool more;
};

/* Note where the packet ends; trailing bytes past it are link padding. */
static void
clip(struct pp_cur *c, size_t wire_end, struct pp_pkt *out, struct ipctx *ip)
{
    ip->wire_end = wire_end;
    if (wire_end > c->len)
        out->truncated = true;
    else
        c->len = wire_end;
}

/* Step over IPv6 extension headers; *nh becomes the transport protocol.  A
 * fragment header with a non-zero offset ends the walk with *frag set, as
 * what follows it is data, not headers.  False when a header is cut. */
static bool
ipv6_ext(struct pp_cur *c, uint8_t *nh, bool *frag, bool *more)
{
    const uint8_t *h;
    size_t len;
    uint16_t fo;

    for (;;) {
        switch (*nh) {
        case 0:  /* hop-by-hop options */
        case 43: /* routing */
        case 60: /* destination options */
        case 51: /* AH counts in 4-byte units, less 2 */
            if (!pp_cur_span(c, 2, &h))
                return false;
            len = *nh == 51 ? ((size_t)h[1] + 2) * 4 : ((size_t)h[1] + 1) * 8;
            *nh = h[0];
            if (!pp_cur_skip(c, len - 2))
                return false;
            break;
        case 44:
            if (!pp_cur_span(c, 8, &h))
                return false;
            *nh = h[0];
            fo = be16at(h + 2);
            *more = (fo & 1) != 0;
            if ((fo & 0xfff8) != 0) {
                *frag = true;
                return true;
            }
            break;
        default:
            return true;
        }
    }
}

static enum pp_pkt_status
ipv4(struct pp_cur *c, struct pp_pkt *out, struct ipctx *ip)
{
    size_t start = c->off, hlen;
    const uint8_t *h;
    uint16_t tot;

    if (!pp_cur_span(c, 20, &h))
        return PP_PKT_MALFORMED;
    hlen = (size_t)(h[0] & 0x0f) * 4;
    tot = be16at(h + 2);
    out->family = 4;
    out->ttl = h[8];
    out->proto = h[9];
    /* The whole 16 bytes: inside an IPv6 tunnel the outer addresses are
     * still there. */
    memset(out->src, 0, sizeof(out->src));
    memset(out->dst, 0, sizeof(out->dst));
    memcpy(out->src, h + 12, 4);
    memcpy(out->dst, h + 16, 4);
    /* Total length 0: a segment the NIC splits (TSO) or a BIG TCP packet,
     * captured before that; its length is what the frame holds, as
     * Wireshark takes it. */
    if (tot == 0 && c->len - start >= hlen && c->len - start <= UINT32_MAX)
        out->len_from_frame = true;
    out->ip_len = out->len_from_frame ? (uint32_t)(c->len - start) : tot;
    if (hlen < 20 || out->ip_len < hlen || !pp_cur_skip(c, hlen - 20))
        return PP_PKT_MALFORMED;
    out->fragment = (be16at(h + 6) & 0x1fff) != 0;
    ip->more = (h[6] & 0x20) != 0;
    clip(c, start + out->ip_len, out, ip);
    return PP_PKT_OK;
}

static enum pp_pkt_status
ipv6(struct pp_cur *c, struct pp_pkt *out, struct ipctx *ip)
{
    size_t start = c->off;
    const uint8_t *h;
    uint16_t plen;
    uint8_t nh;

    if (!pp_cur_span(c, 40, &h))
        return PP_PKT_MALFORMED;
    plen = be16at(h + 4);
    nh = h[6];
    out->family = 6;
    out->ttl = h[7];
    out->proto = nh;
    memcpy(out->src, h + 8, 16);
    memcpy(out->dst, h + 24, 16);
    out->ip_len = 40u + plen;
    /* A jumbogram keeps its length in a hop-by-hop option. */
    if (plen == 0 && nh == 0)
        return PP_PKT_UNSUPPORTED;
    clip(c, start + 40 + plen, out, ip);
    if (!ipv6_ext(c, &nh, &out->fragment, &ip->more))
        return PP_PKT_MALFORMED;
    out->proto = nh;
    return PP_PKT_OK;
}

static void
set_payload(const struct pp_cur *c, struct pp_pkt *out)
{
    out->payload = c->p + c->off;
    out->payload_len = c->len - c->off;
}

/* The first bytes of the transport header of a quoted packet. */
static void
quote_l4(struct pp_cur *c, struct pp_pkt_quoted *q)
{
    /* TCP, UDP, DCCP, SCTP, UDP-Lite: ports first. */
    bool ports = q->proto == 6 || q->proto == 17 || q->proto == 33 || q->proto == 132 ||
                 q->proto == 136;
    const uint8_t *h;

    if (pp_cur_span(c, 8, &h)) {
        q->valid = true;
        if (q->proto == 6)
            q->tcp_seq = be32at(h + 4);
    } else if (!ports || !pp_cur_span(c, 4, &h)) {
        return;
    }
    q->valid = true;
    if (ports) {
        q->sport = be16at(h);
        q->dport = be16at(h + 2);
    }
}

/* The packet quoted by an ICMP error: its addresses as soon as the fixed
 * header is there, valid only with a whole header and its ports. */
static void
quote4(const uint8_t *p, size_t len, struct pp_pkt_quoted *q)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *h;
    size_t hlen;

    if (!pp_cur_span(&c, 20, &h) || h[0] >> 4 != 4)
        return;
    hlen = (size_t)(h[0] & 0x0f) * 4;
    q->family = 4;
    q->proto = h[9];
    memcpy(q->src, h + 12, 4);
    memcpy(q->dst, h + 16, 4);
    if (hlen < 20 || !pp_cur_skip(&c, hlen - 20) || (be16at(h + 6) & 0x1fff) != 0)
        return;
    quote_l4(&c, q);
}

static void
quote6(const uint8_t *p, size_t len, struct pp_pkt_quoted *q)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *h;
    bool frag = false, more = false;
    uint8_t nh;

    if (!pp_cur_span(&c, 40, &h) || h[0] >> 4 != 6)
        return;
    nh = h[6];
    q->family = 6;
    q->proto = nh;
    memcpy(q->src, h + 8, 16);
    memcpy(q->dst, h + 24, 16);
    if (!ipv6_ext(&c, &nh, &frag, &more))
        return;
    q->proto = nh;
    if (!frag)
        quote_l4(&c, q);
}

/* wire: the transport bytes on the wire, from the IP length fields. */
static enum pp_pkt_status
tcp(struct pp_cur *c, struct pp_pkt *out, size_t wire)
{
    const uint8_t *h;
    size_t doff;

    if (!pp_cur_span(c, 20, &h))
        return PP_PKT_MALFORMED;
    out->sport = be16at(h);
    out->dport = be16at(h + 2);
    out->seq = be32at(h + 4);
    out->ack = be32at(h + 8);
    out->tcp_flags = h[13];
    out->window = be16at(h + 14);
    doff = (size_t)(h[12] >> 4) * 4;
    if (doff < 20 || doff > wire)
        return PP_PKT_MALFORMED;
    out->payload_wire_len = (uint32_t)(wire - doff);
    /* Options the snaplen cut (the packet is truncated): no payload. */
    if (!pp_cur_skip(c, doff - 20))
        c->off = c->len;
    set_payload(c, out);
    return PP_PKT_OK;
}

static enum pp_pkt_status
udp(struct pp_cur *c, struct pp_pkt *out, const struct ipctx *ip, size_t wire)
{
    size_t start = c->off, ulen;
    const uint8_t *h;

    if (!pp_cur_span(c, 8, &h))
        return PP_PKT_MALFORMED;
    out->sport = be16at(h);
    out->dport = be16at(h + 2);
    ulen = be16at(h + 4);
    /* A first fragment carries the length of the whole datagram. */
    if (ulen < 8 || (ulen > wire && !ip->more))
        return PP_PKT_MALFORMED;
    if (ulen > wire)
        ulen = wire;
    if (start + ulen < c->len)
        c->len = start + ulen;
    out->payload_wire_len = (uint32_t)(ulen - 8);
    set_payload(c, out);
    return PP_PKT_OK;
}

static enum pp_pkt_status
icmp(struct pp_cur *c, struct pp_pkt *out, size_t wire)
{
    const uint8_t *h;

    if (!pp_cur_span(c, 8, &h))
        return PP_PKT_MALFORMED;
    out->icmp_type = h[0];
    out->icmp_code = h[1];
    out->payload_wire_len = (uint32_t)(wire - 8);
    set_payload(c, out);
    if (pp_pkt_icmp_is_error(out)) {
        if (out->family == 4)
            quote4(out->payload, out->payload_len, &out->quoted);
        else
            quote6(out->payload, out->payload_len, &out->quoted);
    }
    return PP_PKT_OK;
}

static enum pp_pkt_status ip(struct pp_cur *c, int version, struct pp_pkt *out);
static enum pp_pkt_status ethertype(struct pp_cur *c, uint16_t type, struct pp_pkt *out);

/* One more encapsulation taken off; false when too deep. */
static bool
tunnel_in(struct pp_pkt *out, enum pp_tunnel kind)
{
    if (out->tunnels >= PP_PKT_MAX_TUNNELS)
        return false;
    if (out->tunnels++ == 0)
        out->tunnel = (uint8_t)kind;
    return true;
}

/* The packet inside: the cursor is at its first byte and ends where the
 * outer packet does.  The inner packet's fields replace the outer's. */
static enum pp_pkt_status
inner_ip(struct pp_cur *c, int version, struct pp_pkt *out)
{
    struct pp_cur in = {c->p + c->off, c->len - c->off, 0};

    out->fragment = false;
    out->len_from_frame = false;
    return ip(&in, version, out);
}

/* GRE (RFC 2784, with RFC 2890's key and sequence number); version 1 is
 * PPTP's, whose PPP inside is not ours. */
static enum pp_pkt_status
gre(struct pp_cur *c, struct pp_pkt *out)
{
    uint16_t flags, type;
    size_t extra;

    if (!pp_cur_be16(c, &flags) || !pp_cur_be16(c, &type))
        return PP_PKT_MALFORMED;
    if ((flags & 0x0007) != 0)
        return PP_PKT_UNSUPPORTED;
    extra = ((flags & 0xc000) ? 4u : 0u) + ((flags & 0x2000) ? 4u : 0u) +
            ((flags & 0x1000) ? 4u : 0u);
    if (!pp_cur_skip(c, extra))
        return PP_PKT_MALFORMED;
    if (type == 0x6558) {   /* transparent Ethernet bridging */
        struct pp_cur in = {c->p + c->off, c->len - c->off, 0};
        if (!pp_cur_skip(&in, 12) || !pp_cur_be16(&in, &type))
            return PP_PKT_MALFORMED;
        out->fragment = false;
        return ethertype(&in, type, out);
    }
    if (type == 0x0800 || type == 0x86dd)
        return inner_ip(c, type == 0x0800 ? 4 : 6, out);
    return PP_PKT_UNSUPPORTED;
}

/* VXLAN (RFC 7348): 8 bytes, the I flag set, then an Ethernet frame. */
static enum pp_pkt_status
vxlan(struct pp_cur *c, struct pp_pkt *out)
{
    const uint8_t *h;
    uint16_t type;

    if (!pp_cur_span(c, 8, &h) || !(h[0] & 0x08))
        return PP_PKT_OK;   /* not VXLAN after all: an ordinary datagram */
    if (!tunnel_in(out, PP_TUN_VXLAN))
        return PP_PKT_UNSUPPORTED;
    {
        struct pp_cur in = {c->p + c->off, c->len - c->off, 0};
        if (!pp_cur_skip(&in, 12) || !pp_cur_be16(&in, &type))
            return PP_PKT_MALFORMED;
        out->fragment = false;
        return ethertype(&in, type, out);
    }
}

static enum pp_pkt_status
transport(struct pp_cur *c, struct pp_pkt *out, const struct ipctx *ip)
{
    /* The cursor never passes wire_end: it was clipped to it or is shorter. */
    size_t wire = ip->wire_end - c->off;
    uint8_t icmp_proto = out->family == 4 ? 1 : 58;
    enum pp_pkt_status st;

    /* TCP first: most of any capture. */
    if (out->proto == 6)
        return out->fragment ? PP_PKT_OK : tcp(c, out, wire);
    if (out->proto == 17) {
        if (out->fragment)
            return PP_PKT_OK;
        st = udp(c, out, ip, wire);
        if (st == PP_PKT_OK && out->dport == 4789) {
            struct pp_cur v = {out->payload, out->payload_len, 0};
            struct pp_pkt save = *out;
            st = vxlan(&v, out);
            if (st == PP_PKT_OK && out->tunnels == save.tunnels)
                *out = save;
        }
        return st;
    }
    if (out->proto == 41 || out->proto == 4 || out->proto == 47) {
        if (out->fragment)
            return PP_PKT_UNSUPPORTED;
        if (!tunnel_in(out, out->proto == 47 ? PP_TUN_GRE : PP_TUN_IPIP))
            return PP_PKT_UNSUPPORTED;
        if (out->proto == 47)
            return gre(c, out);
        return inner_ip(c, out->proto == 41 ? 6 : 4, out);
    }
    if (out->proto != icmp_proto)
        return PP_PKT_UNSUPPORTED;
    if (out->fragment)
        return PP_PKT_OK;
    return icmp(c, out, wire);
}

/* version: 4 or 6 when the link says which, 0 to go by the first nibble;
 * ipv4() and ipv6() rely on the nibble having been checked here. */
static enum pp_pkt_status
ip(struct pp_cur *c, int version, struct pp_pkt *out)
{
    struct ipctx ip = {0, false};
    enum pp_pkt_status st;
    int v;

    if (!pp_cur_has(c, 1))
        return PP_PKT_MALFORMED;
    v = c->p[c->off] >> 4;
    if (version != 0 && v != version)
        return PP_PKT_MALFORMED;
    if (v == 4)
        st = ipv4(c, out, &ip);
    else if (v == 6)
        st = ipv6(c, out, &ip);
    else
        return PP_PKT_MALFORMED;
    return st == PP_PKT_OK ? transport(c, out, &ip) : st;
}

/* An EtherType, after any number of VLAN tags (802.1Q, 802.1ad and the
 * pre-standard 0x9100); the outermost tag is the one reported.  A PPPoE
 * session carries PPP, whose protocol says IPv4 or IPv6. */
static enum pp_pkt_status
ethertype(struct pp_cur *c, uint16_t type, struct pp_pkt *out)
{
    bool tagged = out->vlan != 0;
    uint16_t tci, ppp;

    while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
        if (!pp_cur_be16(c, &tci) || !pp_cur_be16(c, &type))
            return PP_PKT_MALFORMED;
        if (!tagged)
            out->vlan = tci & 0x0fff;
        tagged = true;
    }
    if (type == 0x8864) {
        /* version/type 0x11, code 0, session id, length, PPP protocol */
        const uint8_t *h;
        if (!pp_cur_span(c, 8, &h))
            return PP_PKT_MALFORMED;
        if (h[0] != 0x11 || h[1] != 0)
            return PP_PKT_NOT_IP;
        ppp = be16at(h + 6);
        if (ppp != 0x0021 && ppp != 0x0057)
            return PP_PKT_NOT_IP;   /* LCP, IPCP, ...: PPP's own talk */
        if (!tunnel_in(out, PP_TUN_PPPOE))
            return PP_PKT_UNSUPPORTED;
        type = ppp == 0x0021 ? 0x0800 : 0x86dd;
    }
    if (type == 0x0800)
        return ip(c, 4, out);
    if (type == 0x86dd)
        return ip(c, 6, out);
    return PP_PKT_NOT_IP;
}


/* The link type and offset of the packet after a PKTAP header.  Out of
 * line: its name buffers would cost every other frame a stack guard. */
static __attribute__((noinline)) enum pp_pkt_status
pktap_inner(const uint8_t *data, size_t caplen, enum pp_link *link, size_t *off)
{
    struct pp_pktap ph;
    int inner;

    if (pp_pktap_parse(data, caplen, &ph) < 0)
        return PP_PKT_MALFORMED;
    if (ph.rec_type != 1)
        return PP_PKT_NOT_IP;
    inner = pp_pkt_link_from_dlt((int)ph.dlt);
    if (inner < 0 || inner == PP_LINK_PKTAP)
        return PP_PKT_UNSUPPORTED;
    *link = (enum pp_link)inner;
    *off = ph.hdr_len;
    return PP_PKT_OK;
}

enum pp_pkt_status
pp_pkt_decode(enum pp_link link, const uint8_t *data, size_t caplen, struct pp_pkt *out)
{
    struct pp_cur c = {data, caplen, 0};
    const uint8_t *h;
    uint16_t type;
    uint32_t af;

    memset(out, 0, sizeof(*out));
    out->link = link;
again:
    switch (link) {
    case PP_LINK_ETHERNET:
        if (!pp_cur_skip(&c, 12) || !pp_cur_be16(&c, &type))
            return PP_PKT_MALFORMED;
        return ethertype(&c, type, out);
    case PP_LINK_SLL:
        if (!pp_cur_skip(&c, 14) || !pp_cur_be16(&c, &type))
            return PP_PKT_MALFORMED;
        return ethertype(&c, type, out);
    case PP_LINK_SLL2:
        if (!pp_cur_be16(&c, &type) || !pp_cur_skip(&c, 18))
            return PP_PKT_MALFORMED;
        return ethertype(&c, type, out);
    case PP_LINK_RAW:
        return ip(&c, 0, out);
    case PP_LINK_IPV4:
        return ip(&c, 4, out);
    case PP_LINK_IPV6:
        return ip(&c, 6, out);
    case PP_LINK_NULL:
    case PP_LINK_LOOP:
        if (!pp_cur_span(&c, 4, &h))
            return PP_PKT_MALFORMED;
        af = be32at(h);
        /* DLT_NULL is in the byte order of the capturing host, which may
         * not be ours: the small value is the right one. */
        if (link == PP_LINK_NULL && af > 0xffff)
            af = (uint32_t)h[3] << 24 | (uint32_t)h[2] << 16 | (uint32_t)h[1] << 8 | h[0];
        if (af == 2)
            return ip(&c, 4, out);
        if (af == 24 || af == 28 || af == 30) /* AF_INET6 on NetBSD, FreeBSD, Darwin */
            return ip(&c, 6, out);
        return PP_PKT_NOT_IP;
    case PP_LINK_PKTAP: {
        /* The header, then the packet by the header's link type (never
         * PKTAP again). */
        size_t off;
        enum pp_pkt_status st = pktap_inner(data, caplen, &link, &off);
        if (st != PP_PKT_OK)
            return st;
        c.p = data + off;
        c.len = caplen - off;
        goto again;
    }
    default:
        return PP_PKT_UNSUPPORTED;
    }
}
