/* SPDX-License-Identifier: ISC */
/* The packet decoder (src/capture/pkt.h) on frames built by hand: every link type,
 * VLAN tags, IPv4 options, IPv6 extension headers and fragments, ICMP and
 * ICMPv6 errors and the flows they quote, every prefix of good frames, and
 * lying lengths.  The DNS and TLS parsers on hand-built messages, on a real
 * ClientHello and on real frames of a loopback capture (tests/data/pkt/,
 * see the README there).  Every decode reads an exactly-sized copy, so ASan
 * sees any read past the end. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/pkt.h"

/* Documentation addresses only: client, server, and a router between. */
static const uint8_t C4[4] = {192, 0, 2, 10};
static const uint8_t S4[4] = {198, 51, 100, 20};
static const uint8_t R4[4] = {203, 0, 113, 1};
static const uint8_t C6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t S6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20};
static const uint8_t R6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [15] = 1};

/* ---------------------------------------------------------- builders */

struct buf {
    uint8_t b[4096];
    size_t n;
};

static void
put(struct buf *f, const void *p, size_t n)
{
    assert_true(f->n + n <= sizeof(f->b));
    if (n)
        memcpy(f->b + f->n, p, n);
    f->n += n;
}

static void
put8(struct buf *f, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(f, &b, 1);
}

static void
put16(struct buf *f, unsigned v)
{
    put8(f, v >> 8);
    put8(f, v & 0xff);
}

static void
put32(struct buf *f, uint32_t v)
{
    put16(f, v >> 16);
    put16(f, v & 0xffff);
}

static void
fill(struct buf *f, unsigned v, size_t n)
{
    while (n-- > 0)
        put8(f, v);
}

static void
set16(struct buf *f, size_t off, unsigned v)
{
    f->b[off] = (uint8_t)(v >> 8);
    f->b[off + 1] = (uint8_t)v;
}

/* TCP with optlen bytes of NOP options; seq 0x11223344, ack 0x55667788. */
static void
tcp_seg(struct buf *f, uint16_t sport, uint16_t dport, uint8_t flags, size_t optlen,
        const char *data)
{
    put16(f, sport);
    put16(f, dport);
    put32(f, 0x11223344);
    put32(f, 0x55667788);
    put8(f, (unsigned)((20 + optlen) / 4) << 4);
    put8(f, flags);
    put16(f, 0xfaf0);
    put32(f, 0);
    fill(f, 1, optlen);
    if (data != NULL)
        put(f, data, strlen(data));
}

static void
udp_dgram(struct buf *f, uint16_t sport, uint16_t dport, const void *data, size_t n)
{
    put16(f, sport);
    put16(f, dport);
    put16(f, (unsigned)(8 + n));
    put16(f, 0);
    put(f, data, n);
}

/* An ICMP or ICMPv6 message quoting the first qlen bytes of q. */
static void
icmp_msg(struct buf *f, uint8_t type, uint8_t code, const struct buf *q, size_t qlen)
{
    put8(f, type);
    put8(f, code);
    put16(f, 0);
    put32(f, 1500);
    if (q != NULL)
        put(f, q->b, qlen);
}

static void
ip4(struct buf *f, uint8_t proto, const uint8_t *src, const uint8_t *dst, size_t optlen,
    uint16_t frag, const struct buf *l4)
{
    size_t hlen = 20 + optlen;

    put8(f, 0x40 | (unsigned)(hlen / 4));
    put8(f, 0);
    put16(f, (unsigned)(hlen + l4->n));
    put16(f, 0x1234);
    put16(f, frag);
    put8(f, 64);
    put8(f, proto);
    put16(f, 0);
    put(f, src, 4);
    put(f, dst, 4);
    fill(f, 1, optlen);
    put(f, l4->b, l4->n);
}

/* rest: extension headers and the transport. */
static void
ip6(struct buf *f, uint8_t nh, const uint8_t *src, const uint8_t *dst, const struct buf *rest)
{
    put32(f, 0x60000000);
    put16(f, (unsigned)rest->n);
    put8(f, nh);
    put8(f, 64);
    put(f, src, 16);
    put(f, dst, 16);
    put(f, rest->b, rest->n);
}

/* Hop-by-hop, routing or destination options, len a multiple of 8. */
static void
ext6(struct buf *f, uint8_t nh, size_t len)
{
    put8(f, nh);
    put8(f, (unsigned)(len / 8 - 1));
    fill(f, 0, len - 2);
}

static void
frag6(struct buf *f, uint8_t nh, uint16_t off, int more)
{
    put8(f, nh);
    put8(f, 0);
    put16(f, (unsigned)(off << 3 | (more ? 1 : 0)));
    put32(f, 0xabcd);
}

static size_t
link_len(enum pp_link link)
{
    switch (link) {
    case PP_LINK_ETHERNET: return 14;
    case PP_LINK_SLL: return 16;
    case PP_LINK_SLL2: return 20;
    case PP_LINK_NULL: case PP_LINK_LOOP: return 4;
    default: return 0;
    }
}

static void
link_hdr(struct buf *f, enum pp_link link, int family)
{
    unsigned type = family == 4 ? 0x0800 : 0x86dd;
    static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

    switch (link) {
    case PP_LINK_ETHERNET:
        put(f, mac, 12);
        put16(f, type);
        break;
    case PP_LINK_SLL:
        put16(f, 0);     /* to us */
        put16(f, 1);     /* ARPHRD_ETHER */
        put16(f, 6);
        put(f, mac, 8);
        put16(f, type);
        break;
    case PP_LINK_SLL2:
        put16(f, type);
        put16(f, 0);
        put32(f, 2);     /* interface index */
        put16(f, 1);
        put8(f, 0);
        put8(f, 6);
        put(f, mac, 8);
        break;
    case PP_LINK_NULL:   /* little-endian host, Darwin's AF_INET6 */
        put8(f, family == 4 ? 2 : 30);
        fill(f, 0, 3);
        break;
    case PP_LINK_LOOP:   /* OpenBSD's AF_INET6 */
        put32(f, family == 4 ? 2 : 24);
        break;
    default:
        break;
    }
}

static void
frame(struct buf *f, enum pp_link link, int family, const struct buf *ip)
{
    f->n = 0;
    link_hdr(f, link, family);
    put(f, ip->b, ip->n);
}

/* A TCP packet with "hello" from the client, in a frame of link. */
static void
tcp_frame(struct buf *f, enum pp_link link, int family, uint8_t flags)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0};

    tcp_seg(&l4, 50000, 5223, flags, 0, "hello");
    if (family == 4)
        ip4(&ip, 6, C4, S4, 0, 0, &l4);
    else
        ip6(&ip, 6, C6, S6, &l4);
    frame(f, link, family, &ip);
}

/* ---------------------------------------------------------- decoding */

static uint8_t *held; /* the copy the last decode read; payloads point into it */

/* Decode the first n bytes of f, and check what must hold of any answer. */
static enum pp_pkt_status
decode_n(enum pp_link link, const struct buf *f, size_t n, struct pp_pkt *p)
{
    enum pp_pkt_status st;

    free(held);
    held = malloc(n ? n : 1);
    assert_non_null(held);
    if (n)
        memcpy(held, f->b, n);
    memset(p, 0xa5, sizeof(*p));
    st = pp_pkt_decode(link, held, n, p);
    assert_true((unsigned)st < PP_PKT__COUNT);
    assert_int_equal(p->link, link);
    if (st != PP_PKT_OK)
        return st;
    assert_true(p->family == 4 || p->family == 6);
    assert_true(p->payload_len <= n);
    if (p->payload == NULL) {
        assert_int_equal(p->payload_len, 0);
    } else {
        assert_true(p->payload >= held);
        assert_true((size_t)(p->payload - held) + p->payload_len <= n);
    }
    if (p->fragment) {
        assert_null(p->payload);
        assert_int_equal(p->payload_wire_len, 0);
        assert_int_equal(p->sport, 0);
    } else if (!p->truncated) {
        assert_int_equal(p->payload_len, p->payload_wire_len);
    } else {
        assert_true(p->payload_len <= p->payload_wire_len);
    }
    if (!pp_pkt_icmp_is_error(p))
        assert_false(p->quoted.valid);
    return st;
}

static enum pp_pkt_status
decode(enum pp_link link, const struct buf *f, struct pp_pkt *p)
{
    return decode_n(link, f, f->n, p);
}

static size_t
payload_off(const struct pp_pkt *p)
{
    return (size_t)(p->payload - held);
}

static uint8_t *
load(const char *name, size_t *len)
{
    return pp_test_load("pkt", name, len);
}

static void
load_buf(const char *name, struct buf *f)
{
    size_t n;
    uint8_t *b = load(name, &n);

    f->n = 0;
    put(f, b, n);
    free(b);
}

/* ------------------------------------------------------------- names */

static void
test_names(void **state)
{
    static const struct {
        int dlt;
        int link;
    } dlts[] = {
        {1, PP_LINK_ETHERNET}, {113, PP_LINK_SLL}, {276, PP_LINK_SLL2}, {12, PP_LINK_RAW},
        {14, PP_LINK_RAW}, {101, PP_LINK_RAW}, {0, PP_LINK_NULL}, {108, PP_LINK_LOOP},
        {228, PP_LINK_IPV4}, {229, PP_LINK_IPV6}, {2, -1}, {105, -1}, {127, -1}, {-1, -1},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(dlts) / sizeof(dlts[0]); i++)
        assert_int_equal(pp_pkt_link_from_dlt(dlts[i].dlt), dlts[i].link);
    assert_string_equal(pp_pkt_link_name(PP_LINK_ETHERNET), "ethernet");
    assert_string_equal(pp_pkt_link_name(PP_LINK_SLL2), "sll2");
    assert_string_equal(pp_pkt_link_name(PP_LINK_IPV6), "ipv6");
    assert_string_equal(pp_pkt_link_name(PP_LINK__COUNT), "?");
    for (i = 0; i < PP_LINK__COUNT; i++)
        assert_string_not_equal(pp_pkt_link_name((enum pp_link)i), "?");
    assert_string_equal(pp_pkt_status_name(PP_PKT_OK), "ok");
    assert_string_equal(pp_pkt_status_name(PP_PKT_NOT_IP), "not-ip");
    assert_string_equal(pp_pkt_status_name(PP_PKT_UNSUPPORTED), "unsupported");
    assert_string_equal(pp_pkt_status_name(PP_PKT_MALFORMED), "malformed");
    assert_string_equal(pp_pkt_status_name(PP_PKT__COUNT), "?");
}

static void
test_addr_str(void **state)
{
    static const uint8_t c4[16] = {192, 0, 2, 10};
    char buf[64];

    (void)state;
    pp_pkt_addr_str(4, (const uint8_t[16]){192, 0, 2, 1}, buf, sizeof(buf));
    assert_string_equal(buf, "192.0.2.1");
    pp_pkt_addr_str(6, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}, buf, sizeof(buf));
    assert_string_equal(buf, "2001:db8::1");
    pp_pkt_addr_str(6, S6, buf, sizeof(buf));
    assert_string_equal(buf, "2001:db8:1::20");
    /* Too small, or no family: an empty string, never an overflow. */
    pp_pkt_addr_str(4, c4, buf, 10);
    assert_string_equal(buf, "");
    pp_pkt_addr_str(4, c4, buf, 11);
    assert_string_equal(buf, "192.0.2.10");
    pp_pkt_addr_str(0, c4, buf, sizeof(buf));
    assert_string_equal(buf, "");
    buf[0] = 'x';
    pp_pkt_addr_str(4, c4, buf, 0);
    assert_int_equal(buf[0], 'x');
}

/* -------------------------------------------------------- link layers */

static void
test_link_types(void **state)
{
    static const enum pp_link links[] = {
        PP_LINK_ETHERNET, PP_LINK_SLL, PP_LINK_SLL2, PP_LINK_RAW,
        PP_LINK_NULL, PP_LINK_LOOP, PP_LINK_IPV4, PP_LINK_IPV6,
    };
    struct buf f;
    struct pp_pkt p;
    size_t i;
    int fam;

    (void)state;
    for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        for (fam = 4; fam <= 6; fam += 2) {
            if ((links[i] == PP_LINK_IPV4 && fam == 6) || (links[i] == PP_LINK_IPV6 && fam == 4))
                continue;
            tcp_frame(&f, links[i], fam, PP_TCP_PSH | PP_TCP_ACK);
            assert_int_equal(decode(links[i], &f, &p), PP_PKT_OK);
            assert_int_equal(p.family, fam);
            assert_memory_equal(p.src, fam == 4 ? C4 : C6, fam == 4 ? 4 : 16);
            assert_memory_equal(p.dst, fam == 4 ? S4 : S6, fam == 4 ? 4 : 16);
            if (fam == 4) {
                assert_memory_equal(p.src + 4, (const uint8_t[12]){0}, 12);
                assert_int_equal(p.ip_len, 20 + 25);
            } else {
                assert_int_equal(p.ip_len, 40 + 25);
            }
            assert_int_equal(p.vlan, 0);
            assert_int_equal(p.ttl, 64);
            assert_int_equal(p.proto, 6);
            assert_false(p.fragment);
            assert_false(p.truncated);
            assert_int_equal(p.sport, 50000);
            assert_int_equal(p.dport, 5223);
            assert_int_equal(p.seq, 0x11223344);
            assert_int_equal(p.ack, 0x55667788);
            assert_int_equal(p.window, 0xfaf0);
            assert_int_equal(p.tcp_flags, PP_TCP_PSH | PP_TCP_ACK);
            assert_int_equal(p.payload_len, 5);
            assert_int_equal(p.payload_wire_len, 5);
            assert_memory_equal(p.payload, "hello", 5);
            assert_int_equal(payload_off(&p), link_len(links[i]) + (fam == 4 ? 20 : 40) + 20);
            assert_int_equal(p.icmp_type, 0);
            assert_false(p.quoted.valid);
        }
    }
}

static void
test_null_and_loop(void **state)
{
    static const uint8_t af6[] = {24, 28, 30};
    struct buf f, ip4pkt, ip6pkt;
    struct pp_pkt p;
    size_t i;

    (void)state;
    tcp_frame(&ip4pkt, PP_LINK_RAW, 4, PP_TCP_SYN);
    tcp_frame(&ip6pkt, PP_LINK_RAW, 6, PP_TCP_SYN);
    for (i = 0; i < sizeof(af6); i++) {
        /* Both byte orders: the capturing host's may not be ours. */
        f.n = 0;
        put8(&f, af6[i]);
        fill(&f, 0, 3);
        put(&f, ip6pkt.b, ip6pkt.n);
        assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_OK);
        assert_int_equal(p.family, 6);
        f.n = 0;
        put32(&f, af6[i]);
        put(&f, ip6pkt.b, ip6pkt.n);
        assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_OK);
        assert_int_equal(p.family, 6);
        assert_int_equal(decode(PP_LINK_LOOP, &f, &p), PP_PKT_OK);
        assert_int_equal(p.family, 6);
    }
    f.n = 0;
    put32(&f, 2);
    put(&f, ip4pkt.b, ip4pkt.n);
    assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_OK);
    assert_int_equal(p.family, 4);
    assert_int_equal(p.tcp_flags, PP_TCP_SYN);
    /* DLT_LOOP is always network order. */
    f.n = 0;
    put8(&f, 2);
    fill(&f, 0, 3);
    put(&f, ip4pkt.b, ip4pkt.n);
    assert_int_equal(decode(PP_LINK_LOOP, &f, &p), PP_PKT_NOT_IP);
    /* Another family (AF_APPLETALK, Linux's AF_INET6) is not ours. */
    f.n = 0;
    put32(&f, 16);
    put(&f, ip4pkt.b, ip4pkt.n);
    assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_NOT_IP);
    f.n = 0;
    put32(&f, 10);
    put(&f, ip6pkt.b, ip6pkt.n);
    assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_NOT_IP);
    /* The AF word says IPv4, the packet is IPv6. */
    f.n = 0;
    put32(&f, 2);
    put(&f, ip6pkt.b, ip6pkt.n);
    assert_int_equal(decode(PP_LINK_NULL, &f, &p), PP_PKT_MALFORMED);
    /* A cut AF word. */
    assert_int_equal(decode_n(PP_LINK_NULL, &f, 3, &p), PP_PKT_MALFORMED);
    assert_int_equal(decode_n(PP_LINK_LOOP, &f, 4, &p), PP_PKT_MALFORMED);
}

static void
test_link_mismatch(void **state)
{
    struct buf ip4pkt, ip6pkt, f;
    struct pp_pkt p;
    enum pp_link l;

    (void)state;
    tcp_frame(&ip4pkt, PP_LINK_RAW, 4, PP_TCP_SYN);
    tcp_frame(&ip6pkt, PP_LINK_RAW, 6, PP_TCP_SYN);
    assert_int_equal(decode(PP_LINK_IPV4, &ip6pkt, &p), PP_PKT_MALFORMED);
    assert_int_equal(decode(PP_LINK_IPV6, &ip4pkt, &p), PP_PKT_MALFORMED);
    /* An Ethernet type that disagrees with the version nibble. */
    frame(&f, PP_LINK_ETHERNET, 4, &ip6pkt);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    /* Raw IP: the version nibble decides, and 5 is nothing. */
    ip4pkt.b[0] = 0x55;
    assert_int_equal(decode(PP_LINK_RAW, &ip4pkt, &p), PP_PKT_MALFORMED);
    /* Nothing at all, on every link. */
    for (l = PP_LINK_ETHERNET; l < PP_LINK__COUNT; l++)
        assert_int_equal(decode_n(l, &f, 0, &p), PP_PKT_MALFORMED);
    /* A link we do not know. */
    assert_int_equal(decode(PP_LINK__COUNT, &f, &p), PP_PKT_UNSUPPORTED);
}

static void
test_not_ip(void **state)
{
    struct buf f;
    struct pp_pkt p;

    (void)state;
    /* ARP and LLDP over Ethernet; an 802.3 length in place of a type. */
    tcp_frame(&f, PP_LINK_ETHERNET, 4, PP_TCP_SYN);
    set16(&f, 12, 0x0806);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_NOT_IP);
    set16(&f, 12, 0x88cc);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_NOT_IP);
    set16(&f, 12, 46);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_NOT_IP);
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 13, &p), PP_PKT_MALFORMED);
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 14, &p), PP_PKT_NOT_IP);
    tcp_frame(&f, PP_LINK_SLL, 4, PP_TCP_SYN);
    set16(&f, 14, 0x0806);
    assert_int_equal(decode(PP_LINK_SLL, &f, &p), PP_PKT_NOT_IP);
    assert_int_equal(decode_n(PP_LINK_SLL, &f, 15, &p), PP_PKT_MALFORMED);
    tcp_frame(&f, PP_LINK_SLL2, 4, PP_TCP_SYN);
    set16(&f, 0, 0x0806);
    assert_int_equal(decode(PP_LINK_SLL2, &f, &p), PP_PKT_NOT_IP);
    /* SLL2's header is 20 bytes even when the protocol is there. */
    set16(&f, 0, 0x0800);
    assert_int_equal(decode_n(PP_LINK_SLL2, &f, 19, &p), PP_PKT_MALFORMED);
}

static void
test_vlan(void **state)
{
    struct buf ip, f;
    struct pp_pkt p;
    static const uint8_t mac[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

    (void)state;
    tcp_frame(&ip, PP_LINK_RAW, 4, PP_TCP_SYN);
    /* 802.1Q, with priority bits that are not the id. */
    f.n = 0;
    put(&f, mac, 12);
    put16(&f, 0x8100);
    put16(&f, 0xa000 | 100);
    put16(&f, 0x0800);
    put(&f, ip.b, ip.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.vlan, 100);
    assert_int_equal(p.dport, 5223);
    /* 802.1ad outside, 802.1Q inside: the outer id is reported. */
    f.n = 0;
    put(&f, mac, 12);
    put16(&f, 0x88a8);
    put16(&f, 200);
    put16(&f, 0x8100);
    put16(&f, 100);
    put16(&f, 0x0800);
    put(&f, ip.b, ip.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.vlan, 200);
    assert_int_equal(p.sport, 50000);
    assert_memory_equal(p.payload, "hello", 5);
    /* Cut inside the inner tag. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 19, &p), PP_PKT_MALFORMED);
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 21, &p), PP_PKT_MALFORMED);
    /* A tagged ARP: not ours, but the tag was read. */
    set16(&f, 20, 0x0806);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_NOT_IP);
    assert_int_equal(p.vlan, 200);
    /* A tag in a cooked capture. */
    f.n = 0;
    link_hdr(&f, PP_LINK_SLL, 4);
    set16(&f, 14, 0x8100);
    put16(&f, 7);
    put16(&f, 0x86dd);
    tcp_frame(&ip, PP_LINK_RAW, 6, PP_TCP_SYN);
    put(&f, ip.b, ip.n);
    assert_int_equal(decode(PP_LINK_SLL, &f, &p), PP_PKT_OK);
    assert_int_equal(p.vlan, 7);
    assert_int_equal(p.family, 6);
}

/* ------------------------------------------------------------- IPv4 */

static void
test_ipv4_options(void **state)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;

    (void)state;
    udp_dgram(&l4, 5353, 53, "abc", 3);
    ip4(&ip, 17, C4, S4, 40, 0, &l4);
    frame(&f, PP_LINK_ETHERNET, 4, &ip);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 5353);
    assert_int_equal(p.dport, 53);
    assert_int_equal(p.ip_len, 60 + 11);
    assert_int_equal(payload_off(&p), 14 + 60 + 8);
    assert_memory_equal(p.payload, "abc", 3);
    /* IHL past the capture. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 14 + 59, &p), PP_PKT_MALFORMED);
    /* IHL below 5. */
    f.b[14] = 0x44;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    f.b[14] = 0x40;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    /* IHL 6: the transport moves into the options, whose bytes lie. */
    f.b[14] = 0x46;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    assert_int_equal(p.sport, 0x0101);
}

static void
test_ipv4_lengths(void **state)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;

    (void)state;
    tcp_seg(&l4, 50000, 443, PP_TCP_ACK, 0, NULL);
    ip4(&ip, 6, C4, S4, 0, 0, &l4);
    frame(&f, PP_LINK_ETHERNET, 4, &ip);
    /* Ethernet pads a 54-byte ACK to 60 bytes: the padding is no payload. */
    fill(&f, 0, 6);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.truncated);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_wire_len, 0);
    assert_int_equal(p.ip_len, 40);
    /* Total length shorter than the header. */
    set16(&f, 16, 19);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    /* Total length 0 (TSO, BIG TCP): the length is what the frame holds,
     * as Wireshark takes it. */
    set16(&f, 16, 0);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.len_from_frame);
    assert_int_equal(p.ip_len, f.n - 14);
    /* ... even when nothing past the IP header would be read. */
    set16(&f, 16, 19);
    f.b[14 + 9] = 47;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    f.b[14 + 9] = 6;
    set16(&f, 14 + 6, 100);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    set16(&f, 14 + 6, 0);
    /* Room for the IP header but not for TCP's. */
    set16(&f, 16, 30);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    /* Longer than captured: the snaplen cut it. */
    set16(&f, 16, 1500);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.truncated);
    assert_int_equal(p.ip_len, 1500);
    assert_int_equal(p.payload_wire_len, 1460);
    assert_int_equal(p.payload_len, 6);
}

static void
test_ipv4_fragments(void **state)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;
    uint8_t data[100];

    (void)state;
    memset(data, 'x', sizeof(data));
    /* A non-first fragment: addresses, but no transport header. */
    put(&l4, data, 40);
    ip4(&ip, 6, C4, S4, 0, 0x2000 | 185, &l4);
    frame(&f, PP_LINK_ETHERNET, 4, &ip);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.fragment);
    assert_int_equal(p.proto, 6);
    assert_memory_equal(p.src, C4, 4);
    assert_int_equal(p.sport, 0);
    assert_null(p.payload);
    /* The last fragment too (MF clear, offset set). */
    set16(&f, 14 + 6, 0x0001);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.fragment);
    /* A fragment of a protocol we do not decode. */
    f.b[14 + 9] = 47;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_UNSUPPORTED);
    /* The first fragment of a big UDP datagram: its length covers every
     * fragment, so it may exceed this one. */
    l4.n = 0;
    udp_dgram(&l4, 4500, 53, data, 60);
    set16(&l4, 4, 8 + 3000);
    ip.n = 0;
    ip4(&ip, 17, C4, S4, 0, 0x2000, &l4);
    frame(&f, PP_LINK_ETHERNET, 4, &ip);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.fragment);
    assert_int_equal(p.sport, 4500);
    assert_int_equal(p.payload_len, 60);
    assert_int_equal(p.payload_wire_len, 60);
    /* Without MF the same length is a lie. */
    set16(&f, 14 + 6, 0x4000);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
}

/* ------------------------------------------------------------- IPv6 */

static void
test_ipv6_ext(void **state)
{
    struct buf l4 = {.n = 0}, rest = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;

    (void)state;
    tcp_seg(&l4, 50001, 443, PP_TCP_SYN, 12, NULL);
    /* hop-by-hop, destination options, routing, AH, then TCP. */
    ext6(&rest, 60, 8);
    ext6(&rest, 43, 16);
    ext6(&rest, 51, 24);
    put8(&rest, 6);      /* AH: next header, length (24 / 4 - 2) */
    put8(&rest, 4);
    fill(&rest, 0, 22);
    put(&rest, l4.b, l4.n);
    ip6(&ip, 0, C6, S6, &rest);
    frame(&f, PP_LINK_ETHERNET, 6, &ip);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.proto, 6);
    assert_int_equal(p.sport, 50001);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.tcp_flags, PP_TCP_SYN);
    assert_int_equal(p.ip_len, 40 + 8 + 16 + 24 + 24 + 32);
    assert_int_equal(payload_off(&p), 14 + 40 + 8 + 16 + 24 + 24 + 32);
    assert_int_equal(p.payload_len, 0);
    /* An extension header longer than the packet. */
    f.b[14 + 40 + 8 + 1] = 0xff;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    f.b[14 + 40 + 8 + 1] = 1;
    /* Cut inside the destination options. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 14 + 40 + 8 + 5, &p), PP_PKT_MALFORMED);
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 14 + 40 + 8 + 1, &p), PP_PKT_MALFORMED);
    /* No next header. */
    rest.n = 0;
    ext6(&rest, 59, 8);
    ip.n = 0;
    ip6(&ip, 60, C6, S6, &rest);
    frame(&f, PP_LINK_RAW, 6, &ip);
    assert_int_equal(decode(PP_LINK_RAW, &f, &p), PP_PKT_UNSUPPORTED);
    assert_int_equal(p.proto, 59);
    /* ESP, and ICMP (v4) inside IPv6. */
    f.b[6] = 50;
    assert_int_equal(decode(PP_LINK_RAW, &f, &p), PP_PKT_UNSUPPORTED);
    f.b[6] = 1;
    assert_int_equal(decode(PP_LINK_RAW, &f, &p), PP_PKT_UNSUPPORTED);
    /* A jumbogram: payload length 0 and a hop-by-hop header. */
    f.b[6] = 0;
    set16(&f, 4, 0);
    assert_int_equal(decode(PP_LINK_RAW, &f, &p), PP_PKT_UNSUPPORTED);
    /* Payload length 0 before a TCP header: the header lies. */
    f.b[6] = 6;
    assert_int_equal(decode(PP_LINK_RAW, &f, &p), PP_PKT_MALFORMED);
    /* Cut in the fixed header. */
    assert_int_equal(decode_n(PP_LINK_RAW, &f, 39, &p), PP_PKT_MALFORMED);
}

static void
test_ipv6_fragments(void **state)
{
    struct buf l4 = {.n = 0}, rest = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;

    (void)state;
    udp_dgram(&l4, 5353, 53, "0123456789", 10);
    set16(&l4, 4, 2000); /* the whole datagram */
    frag6(&rest, 17, 0, 1);
    put(&rest, l4.b, l4.n);
    ip6(&ip, 44, C6, S6, &rest);
    frame(&f, PP_LINK_SLL2, 6, &ip);
    assert_int_equal(decode(PP_LINK_SLL2, &f, &p), PP_PKT_OK);
    assert_false(p.fragment);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 5353);
    assert_int_equal(p.payload_len, 10);
    assert_int_equal(p.payload_wire_len, 10);
    /* Without M the UDP length lies. */
    set16(&f, 20 + 40 + 2, 0);
    assert_int_equal(decode(PP_LINK_SLL2, &f, &p), PP_PKT_MALFORMED);
    /* A later fragment. */
    set16(&f, 20 + 40 + 2, 185 << 3);
    assert_int_equal(decode(PP_LINK_SLL2, &f, &p), PP_PKT_OK);
    assert_true(p.fragment);
    assert_int_equal(p.proto, 17);
    assert_int_equal(p.sport, 0);
    /* A cut fragment header. */
    assert_int_equal(decode_n(PP_LINK_SLL2, &f, 20 + 40 + 7, &p), PP_PKT_MALFORMED);
}

/* -------------------------------------------------------- TCP and UDP */

static void
test_tcp(void **state)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;
    size_t hdr = 14 + 20;

    (void)state;
    tcp_seg(&l4, 5223, 50000, PP_TCP_SYN | PP_TCP_ACK, 12, "data!");
    ip4(&ip, 6, S4, C4, 0, 0, &l4);
    frame(&f, PP_LINK_ETHERNET, 4, &ip);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.tcp_flags, PP_TCP_SYN | PP_TCP_ACK);
    assert_int_equal(payload_off(&p), hdr + 32);
    assert_memory_equal(p.payload, "data!", 5);
    /* The snaplen cut the options: no payload, but the header is read. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, hdr + 25, &p), PP_PKT_OK);
    assert_true(p.truncated);
    assert_int_equal(p.sport, 5223);
    assert_int_equal(p.payload_len, 0);
    assert_int_equal(p.payload_wire_len, 5);
    /* Cut in the fixed header. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, hdr + 19, &p), PP_PKT_MALFORMED);
    /* Data offset below 5, and past the IP length. */
    f.b[hdr + 12] = 0x40;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    f.b[hdr + 12] = 0xf0;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
    /* Exactly at the end: no payload. */
    f.b[hdr + 12] = 0x90;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.payload_len, 1);
    /* A RST, and FIN|PSH|ACK. */
    f.b[hdr + 12] = 0x80;
    f.b[hdr + 13] = PP_TCP_RST;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.tcp_flags, PP_TCP_RST);
    f.b[hdr + 13] = PP_TCP_FIN | PP_TCP_PSH | PP_TCP_ACK;
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.tcp_flags, PP_TCP_FIN | PP_TCP_PSH | PP_TCP_ACK);
}

static void
test_udp(void **state)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;
    size_t hdr = 40;

    (void)state;
    udp_dgram(&l4, 53, 40000, "0123456789", 10);
    ip6(&ip, 17, S6, C6, &l4);
    f = ip;
    assert_int_equal(decode(PP_LINK_IPV6, &f, &p), PP_PKT_OK);
    assert_int_equal(p.sport, 53);
    assert_int_equal(p.payload_len, 10);
    /* Shorter than its header. */
    set16(&f, hdr + 4, 7);
    assert_int_equal(decode(PP_LINK_IPV6, &f, &p), PP_PKT_MALFORMED);
    /* Longer than the IP payload. */
    set16(&f, hdr + 4, 19);
    assert_int_equal(decode(PP_LINK_IPV6, &f, &p), PP_PKT_MALFORMED);
    /* Shorter than the IP payload: what follows is not payload. */
    set16(&f, hdr + 4, 12);
    assert_int_equal(decode(PP_LINK_IPV6, &f, &p), PP_PKT_OK);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(p.payload_wire_len, 4);
    /* Empty. */
    set16(&f, hdr + 4, 8);
    assert_int_equal(decode(PP_LINK_IPV6, &f, &p), PP_PKT_OK);
    assert_int_equal(p.payload_len, 0);
    /* Cut by the snaplen inside the payload. */
    set16(&f, hdr + 4, 18);
    assert_int_equal(decode_n(PP_LINK_IPV6, &f, hdr + 12, &p), PP_PKT_OK);
    assert_true(p.truncated);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(p.payload_wire_len, 10);
}

/* ---------------------------------------------------------------- ICMP */

/* The client's TCP SYN to the server, as an ICMP error quotes it. */
static void
syn4(struct buf *q, size_t optlen)
{
    struct buf l4 = {.n = 0};

    q->n = 0;
    tcp_seg(&l4, 50000, 5223, PP_TCP_SYN, 20, NULL);
    ip4(q, 6, C4, S4, optlen, 0x4000, &l4);
}

static void
icmp4_frame(struct buf *f, uint8_t type, uint8_t code, const struct buf *q, size_t qlen)
{
    struct buf l4 = {.n = 0}, ip = {.n = 0};

    icmp_msg(&l4, type, code, q, qlen);
    ip4(&ip, 1, R4, C4, 0, 0, &l4);
    frame(f, PP_LINK_ETHERNET, 4, &ip);
}

static void
test_icmp_quotes(void **state)
{
    struct buf q, f;
    struct pp_pkt p;

    (void)state;
    /* Unreachable, administratively prohibited: the SYN it kills. */
    syn4(&q, 0);
    icmp4_frame(&f, 3, 13, &q, 28);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(pp_pkt_icmp_is_error(&p));
    assert_int_equal(p.proto, 1);
    assert_memory_equal(p.src, R4, 4);
    assert_int_equal(p.icmp_type, 3);
    assert_int_equal(p.icmp_code, 13);
    assert_int_equal(p.sport, 0);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.family, 4);
    assert_int_equal(p.quoted.proto, 6);
    assert_memory_equal(p.quoted.src, C4, 4);
    assert_memory_equal(p.quoted.src + 4, (const uint8_t[12]){0}, 12);
    assert_memory_equal(p.quoted.dst, S4, 4);
    assert_int_equal(p.quoted.sport, 50000);
    assert_int_equal(p.quoted.dport, 5223);
    assert_int_equal(p.quoted.tcp_seq, 0x11223344);
    assert_int_equal(p.payload_len, 28);
    /* The whole SYN quoted, with IP options. */
    syn4(&q, 8);
    icmp4_frame(&f, 11, 0, &q, q.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.icmp_type, 11);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.dport, 5223);
    /* Only the ports of the transport header. */
    icmp4_frame(&f, 12, 0, &q, 28 + 4);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.sport, 50000);
    assert_int_equal(p.quoted.dport, 5223);
    assert_int_equal(p.quoted.tcp_seq, 0);
    /* Not even the ports: addresses, but not valid. */
    icmp4_frame(&f, 3, 3, &q, 28 + 3);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.family, 4);
    assert_memory_equal(p.quoted.dst, S4, 4);
    assert_int_equal(p.quoted.sport, 0);
    /* The quoted IP header cut short, in its options or its fixed part. */
    icmp4_frame(&f, 3, 3, &q, 24);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    icmp4_frame(&f, 3, 3, &q, 12);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.family, 0);
    /* A quoted header with a bad IHL, and one that is not IPv4. */
    syn4(&q, 0);
    q.b[0] = 0x43;
    icmp4_frame(&f, 3, 1, &q, 28);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    q.b[0] = 0x65;
    icmp4_frame(&f, 3, 1, &q, 28);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    /* A quoted later fragment carries no ports. */
    syn4(&q, 0);
    set16(&q, 6, 100);
    icmp4_frame(&f, 3, 4, &q, 28);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.sport, 0);
}

static void
test_icmp_others(void **state)
{
    struct buf q = {.n = 0}, l4 = {.n = 0}, f;
    struct pp_pkt p;

    (void)state;
    /* An echo request is no error and quotes nothing. */
    put(&q, "pingpingpingping", 16);
    icmp4_frame(&f, 8, 0, &q, q.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_false(pp_pkt_icmp_is_error(&p));
    assert_int_equal(p.icmp_type, 8);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(p.quoted.family, 0);
    /* A time exceeded quoting a traceroute's UDP. */
    udp_dgram(&l4, 33434, 33435, "x", 1);
    q.n = 0;
    ip4(&q, 17, C4, S4, 0, 0, &l4);
    icmp4_frame(&f, 11, 0, &q, q.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.proto, 17);
    assert_int_equal(p.quoted.dport, 33435);
    /* A quoted ICMP echo: valid, but it has no ports. */
    l4.n = 0;
    icmp_msg(&l4, 8, 0, NULL, 0);
    q.n = 0;
    ip4(&q, 1, C4, S4, 0, 0, &l4);
    icmp4_frame(&f, 3, 1, &q, q.n);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.proto, 1);
    assert_int_equal(p.quoted.sport, 0);
    assert_int_equal(p.quoted.dport, 0);
    /* A cut ICMP header. */
    assert_int_equal(decode_n(PP_LINK_ETHERNET, &f, 14 + 20 + 7, &p), PP_PKT_MALFORMED);
    /* An ICMP header past the IP length. */
    set16(&f, 16, 20 + 4);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_MALFORMED);
}

static void
test_icmpv6(void **state)
{
    struct buf l4 = {.n = 0}, rest = {.n = 0}, q = {.n = 0}, m = {.n = 0}, ip = {.n = 0}, f;
    struct pp_pkt p;
    uint8_t type;

    (void)state;
    /* The quoted packet: destination options, then TCP. */
    tcp_seg(&l4, 50002, 5223, PP_TCP_SYN, 0, NULL);
    ext6(&rest, 6, 8);
    put(&rest, l4.b, l4.n);
    ip6(&q, 60, C6, S6, &rest);
    for (type = 1; type <= 4; type++) {
        m.n = 0;
        ip.n = 0;
        icmp_msg(&m, type, 0, &q, q.n);
        ip6(&ip, 58, R6, C6, &m);
        frame(&f, PP_LINK_ETHERNET, 6, &ip);
        assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
        assert_int_equal(p.proto, 58);
        assert_int_equal(p.icmp_type, type);
        assert_true(pp_pkt_icmp_is_error(&p));
        assert_true(p.quoted.valid);
        assert_int_equal(p.quoted.family, 6);
        assert_int_equal(p.quoted.proto, 6);
        assert_memory_equal(p.quoted.src, C6, 16);
        assert_memory_equal(p.quoted.dst, S6, 16);
        assert_int_equal(p.quoted.sport, 50002);
        assert_int_equal(p.quoted.dport, 5223);
        assert_int_equal(p.quoted.tcp_seq, 0x11223344);
    }
    /* Quoted up to the ports only, then inside the extension header. */
    m.n = 0;
    ip.n = 0;
    icmp_msg(&m, 1, 4, &q, 40 + 8 + 4);
    ip6(&ip, 58, R6, C6, &m);
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_true(p.quoted.valid);
    assert_int_equal(p.quoted.dport, 5223);
    m.n = 0;
    ip.n = 0;
    icmp_msg(&m, 1, 4, &q, 40 + 4);
    ip6(&ip, 58, R6, C6, &m);
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.family, 6);
    m.n = 0;
    ip.n = 0;
    icmp_msg(&m, 2, 0, &q, 39);
    ip6(&ip, 58, R6, C6, &m);
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.family, 0);
    /* A quoted later fragment. */
    rest.n = 0;
    frag6(&rest, 17, 100, 0);
    fill(&rest, 0, 16);
    q.n = 0;
    ip6(&q, 44, C6, S6, &rest);
    m.n = 0;
    ip.n = 0;
    icmp_msg(&m, 3, 1, &q, q.n);
    ip6(&ip, 58, R6, C6, &m);
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_false(p.quoted.valid);
    assert_int_equal(p.quoted.proto, 17);
    /* Echo and neighbour solicitation are no errors. */
    m.n = 0;
    ip.n = 0;
    icmp_msg(&m, 128, 0, &q, 8);
    ip6(&ip, 58, C6, S6, &m);
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_false(pp_pkt_icmp_is_error(&p));
    assert_int_equal(p.quoted.family, 0);
    ip.b[40] = 135;
    assert_int_equal(decode(PP_LINK_IPV6, &ip, &p), PP_PKT_OK);
    assert_false(pp_pkt_icmp_is_error(&p));
    /* ICMPv6 types 1-4 mean nothing to ICMPv4, and 3 means nothing here
     * when the protocol is not ICMPv6. */
    p.family = 4;
    p.proto = 1;
    p.icmp_type = 1;
    assert_false(pp_pkt_icmp_is_error(&p));
    p.family = 6;
    p.proto = 17;
    p.icmp_type = 3;
    assert_false(pp_pkt_icmp_is_error(&p));
}

/* ---------------------------------------------------------- prefixes */

/* Every prefix of a good frame: MALFORMED while a header is cut (min_ok
 * is where the fixed transport header ends), then OK and truncated with
 * the same header fields and as much payload as there is. */
static void
check_prefixes(enum pp_link link, const struct buf *f, size_t min_ok)
{
    struct pp_pkt full, p;
    size_t k, hdr;

    assert_int_equal(decode(link, f, &full), PP_PKT_OK);
    assert_false(full.truncated);
    hdr = payload_off(&full);
    for (k = 0; k < f->n; k++) {
        enum pp_pkt_status st = decode_n(link, f, k, &p);

        if (k < min_ok) {
            if (st != PP_PKT_MALFORMED)
                fail_msg("prefix %zu of %zu: %s, expected malformed", k, f->n,
                         pp_pkt_status_name(st));
            continue;
        }
        if (st != PP_PKT_OK)
            fail_msg("prefix %zu of %zu: %s, expected ok", k, f->n, pp_pkt_status_name(st));
        assert_true(p.truncated);
        assert_int_equal(p.family, full.family);
        assert_memory_equal(p.src, full.src, 16);
        assert_int_equal(p.sport, full.sport);
        assert_int_equal(p.dport, full.dport);
        assert_int_equal(p.seq, full.seq);
        assert_int_equal(p.icmp_type, full.icmp_type);
        assert_int_equal(p.ip_len, full.ip_len);
        assert_int_equal(p.payload_wire_len, full.payload_wire_len);
        assert_int_equal(p.payload_len, k > hdr ? k - hdr : 0);
        if (p.quoted.valid) {
            assert_true(full.quoted.valid);
            assert_int_equal(p.quoted.dport, full.quoted.dport);
        }
    }
}

static void
test_prefixes(void **state)
{
    static const enum pp_link links[] = {
        PP_LINK_ETHERNET, PP_LINK_SLL, PP_LINK_SLL2, PP_LINK_RAW, PP_LINK_NULL, PP_LINK_LOOP,
    };
    struct buf f, q, l4 = {.n = 0}, rest = {.n = 0}, ip = {.n = 0};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        tcp_frame(&f, links[i], 4, PP_TCP_ACK);
        check_prefixes(links[i], &f, link_len(links[i]) + 20 + 20);
        tcp_frame(&f, links[i], 6, PP_TCP_ACK);
        check_prefixes(links[i], &f, link_len(links[i]) + 40 + 20);
    }
    /* TCP options, in IPv6 behind extension headers. */
    tcp_seg(&l4, 50000, 443, PP_TCP_SYN, 20, "payload");
    ext6(&rest, 60, 16);
    ext6(&rest, 6, 8);
    put(&rest, l4.b, l4.n);
    ip6(&ip, 0, C6, S6, &rest);
    frame(&f, PP_LINK_ETHERNET, 6, &ip);
    check_prefixes(PP_LINK_ETHERNET, &f, 14 + 40 + 24 + 20);
    /* IPv4 options and UDP. */
    l4.n = 0;
    ip.n = 0;
    udp_dgram(&l4, 123, 123, "0123456789abcdef", 16);
    ip4(&ip, 17, C4, S4, 12, 0, &l4);
    frame(&f, PP_LINK_SLL, 4, &ip);
    check_prefixes(PP_LINK_SLL, &f, 16 + 32 + 8);
    /* An ICMP error quoting a SYN. */
    syn4(&q, 4);
    icmp4_frame(&f, 3, 10, &q, q.n);
    check_prefixes(PP_LINK_ETHERNET, &f, 14 + 20 + 8);
}

/* ------------------------------------------------------- real frames */

static void
test_real_frames(void **state)
{
    struct buf f;
    struct pp_pkt p;
    struct pp_tls_hello h;
    uint8_t level = 0, desc = 0;
    char a[64];

    (void)state;
    /* A Linux SYN on lo: MSS, SACK, timestamps, window scale. */
    load_buf("eth4_syn.bin", &f);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    pp_pkt_addr_str(p.family, p.src, a, sizeof(a));
    assert_string_equal(a, "127.0.0.1");
    assert_int_equal(p.tcp_flags, PP_TCP_SYN);
    assert_int_equal(p.dport, 47001);
    assert_int_equal(payload_off(&p), f.n);
    assert_int_equal(p.payload_len, 0);
    check_prefixes(PP_LINK_ETHERNET, &f, 14 + 20 + 20);
    /* openssl s_client -tls1_2: its ClientHello, then its alert when it
     * rejects the self-signed certificate. */
    load_buf("eth4_clienthello.bin", &f);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.tcp_flags, PP_TCP_PSH | PP_TCP_ACK);
    assert_int_equal(p.payload_len, 244);
    assert_int_equal(pp_tls_parse_client_hello(p.payload, p.payload_len, &h), 1);
    assert_string_equal(h.sni, "x.courier.push.apple.com");
    assert_string_equal(h.alpn, "apns-security-v3");
    assert_int_equal(h.version, 0x0303);
    assert_int_equal(pp_tls_parse_alert(p.payload, p.payload_len, &level, &desc), 0);
    load_buf("eth4_alert.bin", &f);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    assert_int_equal(p.payload_len, 7);
    assert_int_equal(pp_tls_parse_alert(p.payload, p.payload_len, &level, &desc), 1);
    assert_int_equal(level, 2);
    assert_string_equal(pp_tls_alert_name(desc), "unknown_ca");
    assert_int_equal(pp_tls_parse_client_hello(p.payload, p.payload_len, &h), 0);
    /* The TLS 1.3 ClientHello over IPv6. */
    load_buf("eth6_clienthello.bin", &f);
    assert_int_equal(decode(PP_LINK_ETHERNET, &f, &p), PP_PKT_OK);
    pp_pkt_addr_str(p.family, p.dst, a, sizeof(a));
    assert_string_equal(a, "::1");
    assert_int_equal(p.dport, 47002);
    assert_int_equal(pp_tls_parse_client_hello(p.payload, p.payload_len, &h), 1);
    assert_string_equal(h.sni, "x.courier.push.apple.com");
    assert_string_equal(h.alpn, "apns-security-v3");
    check_prefixes(PP_LINK_ETHERNET, &f, 14 + 40 + 20);
}

/* ---------------------------------------------------------------- DNS */

static void
dns_hdr(struct buf *f, unsigned id, unsigned flags, unsigned qd, unsigned an)
{
    put16(f, id);
    put16(f, flags);
    put16(f, qd);
    put16(f, an);
    put16(f, 0);
    put16(f, 0);
}

/* A name as labels, uncompressed, with its root label unless ptr is set,
 * in which case a compression pointer to ptr ends it. */
static void
dns_name(struct buf *f, const char *name, int ptr)
{
    const char *s = name, *dot;

    while (*s != '\0') {
        size_t n;

        dot = strchr(s, '.');
        n = dot ? (size_t)(dot - s) : strlen(s);
        put8(f, (unsigned)n);
        put(f, s, n);
        s += n + (dot ? 1 : 0);
    }
    if (ptr >= 0)
        put16(f, 0xc000 | (unsigned)ptr);
    else
        put8(f, 0);
}

static void
dns_rr(struct buf *f, unsigned type, uint32_t ttl, const void *rd, size_t n)
{
    put16(f, type);
    put16(f, 1);
    put32(f, ttl);
    put16(f, (unsigned)n);
    put(f, rd, n);
}

static int
dns_parse(const struct buf *f, size_t n, struct pp_dns_msg *m)
{
    uint8_t *copy = malloc(n ? n : 1);
    int rc;

    assert_non_null(copy);
    if (n)
        memcpy(copy, f->b, n);
    memset(m, 0xa5, sizeof(*m));
    rc = pp_dns_parse(copy, n, m);
    free(copy);
    if (rc == 0) {
        assert_non_null(memchr(m->qname, 0, sizeof(m->qname)));
        assert_non_null(memchr(m->cname, 0, sizeof(m->cname)));
        assert_true(m->naddrs <= PP_DNS_MAX_ADDRS);
    } else {
        assert_int_equal(rc, -1);
    }
    return rc;
}

/* The answer a resolver gives for a courier: CNAMEs into a CDN, then
 * addresses, with names compressed as servers do. */
static void
courier_answer(struct buf *f)
{
    static const uint8_t a1[4] = {198, 51, 100, 7}, a2[4] = {203, 0, 113, 9};
    static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 5};
    size_t cdn;
    struct buf rd = {.n = 0};

    f->n = 0;
    dns_hdr(f, 0xbeef, 0x8180, 1, 6);
    dns_name(f, "X.Courier.Push.Apple.COM", -1);    /* at 12; courier at 14 */
    put16(f, 1);
    put16(f, 1);
    /* x.courier... CNAME courier.push.apple.com, all of it a pointer */
    put16(f, 0xc00c);
    dns_rr(f, 5, 300, (const uint8_t[2]){0xc0, 14}, 2);
    /* courier... CNAME 1-courier.push-apple.com.akadns.net */
    put16(f, 0xc000 | 14);
    dns_name(&rd, "1-courier.push-apple.com.akadns.net", -1);
    dns_rr(f, 5, 60, rd.b, rd.n);
    cdn = f->n - rd.n;
    /* a TXT, skipped by its length */
    put16(f, 0xc000 | (unsigned)cdn);
    dns_rr(f, 16, 60, "\005hello", 6);
    put16(f, 0xc000 | (unsigned)cdn);
    dns_rr(f, 1, 20, a1, 4);
    put16(f, 0xc000 | (unsigned)cdn);
    dns_rr(f, 1, 20, a2, 4);
    put16(f, 0xc000 | (unsigned)cdn);
    dns_rr(f, 28, 30, aaaa, 16);
}

static void
test_dns_answers(void **state)
{
    struct buf f;
    struct pp_dns_msg m;
    size_t k;

    (void)state;
    courier_answer(&f);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(m.id, 0xbeef);
    assert_true(m.response);
    assert_int_equal(m.rcode, 0);
    assert_int_equal(m.qtype, 1);
    assert_string_equal(m.qname, "x.courier.push.apple.com");
    assert_string_equal(m.cname, "1-courier.push-apple.com.akadns.net");
    assert_int_equal(m.naddrs, 3);
    assert_int_equal(m.addrs[0].family, 4);
    assert_memory_equal(m.addrs[0].addr, ((const uint8_t[16]){198, 51, 100, 7}), 16);
    assert_int_equal(m.addrs[0].ttl, 20);
    assert_memory_equal(m.addrs[1].addr, ((const uint8_t[4]){203, 0, 113, 9}), 4);
    assert_int_equal(m.addrs[2].family, 6);
    assert_int_equal(m.addrs[2].addr[15], 5);
    assert_int_equal(m.addrs[2].ttl, 30);
    /* Every prefix is cut somewhere, and says so. */
    for (k = 0; k < f.n; k++)
        assert_int_equal(dns_parse(&f, k, &m), -1);
    /* Trailing bytes are another section's business. */
    fill(&f, 0xff, 5);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
}

static void
test_dns_query(void **state)
{
    struct buf f = {.n = 0};
    struct pp_dns_msg m;

    (void)state;
    dns_hdr(&f, 0x1234, 0x0100, 1, 0);
    dns_name(&f, "GateWay.Push.Apple.com", -1);
    put16(&f, 28);
    put16(&f, 1);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_false(m.response);
    assert_int_equal(m.qtype, 28);
    assert_string_equal(m.qname, "gateway.push.apple.com");
    assert_string_equal(m.cname, "");
    assert_int_equal(m.naddrs, 0);
    /* NXDOMAIN and SERVFAIL answers, without records. */
    set16(&f, 2, 0x8183);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(m.rcode, 3);
    set16(&f, 2, 0x8182);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(m.rcode, 2);
    /* The root, and no question at all. */
    f.n = 0;
    dns_hdr(&f, 1, 0, 1, 0);
    put8(&f, 0);
    put16(&f, 2);
    put16(&f, 1);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_string_equal(m.qname, "");
    assert_int_equal(m.qtype, 2);
    set16(&f, 4, 0);
    assert_int_equal(dns_parse(&f, 12, &m), 0);
    assert_int_equal(m.qtype, 0);
    assert_int_equal(dns_parse(&f, 11, &m), -1);
}

static void
test_dns_odd_names(void **state)
{
    struct buf f = {.n = 0};
    struct pp_dns_msg m;
    size_t i;

    (void)state;
    /* A dot, a control byte, a space and a high byte inside labels. */
    dns_hdr(&f, 1, 0, 1, 0);
    put8(&f, 5);
    put(&f, "a.b\001 ", 5);
    put8(&f, 3);
    put(&f, "X\377z", 3);
    put8(&f, 0);
    put32(&f, 0x00010001);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_string_equal(m.qname, "a?b??.x?z");
    /* A label of 63 is the longest; 64 starts a retired label type. */
    f.n = 0;
    dns_hdr(&f, 1, 0, 1, 0);
    put8(&f, 63);
    fill(&f, 'a', 63);
    put8(&f, 0);
    put32(&f, 0x00010001);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(strlen(m.qname), 63);
    f.b[12] = 64;
    assert_int_equal(dns_parse(&f, f.n, &m), -1);
    f.n = 0;
    dns_hdr(&f, 1, 0, 1, 0);
    put8(&f, 64);
    fill(&f, 'a', 64);
    put8(&f, 0);
    put32(&f, 0x00010001);
    assert_int_equal(dns_parse(&f, f.n, &m), -1);
    f.n = 0;
    dns_hdr(&f, 1, 0, 1, 0);
    put8(&f, 63);
    fill(&f, 'a', 63);
    put8(&f, 0);
    put32(&f, 0x00010001);
    f.b[12] = 0x80;
    assert_int_equal(dns_parse(&f, f.n, &m), -1);
    /* 255 bytes on the wire is the longest name: three labels of 63 and
     * one of 61 make 3 * 64 + 62 + 1 = 255; one of 62 makes 256. */
    f.n = 0;
    dns_hdr(&f, 1, 0, 1, 0);
    for (i = 0; i < 3; i++) {
        put8(&f, 63);
        fill(&f, 'b', 63);
    }
    put8(&f, 61);
    fill(&f, 'c', 61);
    put8(&f, 0);
    put32(&f, 0x00010001);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(strlen(m.qname), 253);
    f.n = 12 + 3 * 64;
    put8(&f, 62);
    fill(&f, 'c', 62);
    put8(&f, 0);
    put32(&f, 0x00010001);
    assert_int_equal(dns_parse(&f, f.n, &m), -1);
}

static void
test_dns_lying(void **state)
{
    struct buf f, g;
    struct pp_dns_msg m;
    size_t i, at;

    (void)state;
    courier_answer(&f);
    /* The last record's rdlength runs past the end. */
    g = f;
    set16(&g, g.n - 18, 17);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* More answers than there are. */
    g = f;
    set16(&g, 6, 7);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* The first CNAME's target pointer points at itself. */
    g = f;
    at = 12 + 26 + 4 + 2 + 10;
    assert_int_equal(g.b[at], 0xc0);
    set16(&g, at, 0xc000 | (unsigned)at);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* Two pointers at each other; a pointer past the end. */
    set16(&g, at, 0xc000 | (unsigned)(at - 12));
    set16(&g, at - 12, 0xc000 | (unsigned)at);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    g = f;
    set16(&g, at, 0xc000 | 0x3fff);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    set16(&g, at, 0xc000 | (unsigned)g.n);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* A CNAME whose target runs past its rdlength. */
    g = f;
    set16(&g, at - 2, 1);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* A CNAME target that goes on past its rdlength, in a message that
     * would otherwise read fine. */
    g.n = 0;
    dns_hdr(&g, 1, 0x8180, 0, 1);
    dns_name(&g, "a.example", -1);
    dns_rr(&g, 5, 60, NULL, 0);
    dns_name(&g, "b.example", -1);
    set16(&g, g.n - 11 - 2, 11);
    assert_int_equal(dns_parse(&g, g.n, &m), 0);
    assert_string_equal(m.cname, "b.example");
    set16(&g, g.n - 11 - 2, 3);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* A pointer cut in half at the end of the message. */
    g.n = 0;
    dns_hdr(&g, 1, 0, 1, 0);
    put8(&g, 0xc0);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* A forward pointer is fine, and so is a chain of 64 pointers; 65 is
     * a loop as far as we care. */
    g.n = 0;
    dns_hdr(&g, 1, 0, 1, 0);
    put16(&g, 0xc000 | 18);
    put32(&g, 0x00010001);
    dns_name(&g, "fwd.example", -1);
    assert_int_equal(dns_parse(&g, g.n, &m), 0);
    assert_string_equal(m.qname, "fwd.example");
    assert_int_equal(m.qtype, 1);
    g.n = 0;
    dns_hdr(&g, 1, 0, 1, 0);
    put16(&g, 0xc000 | 18);
    put32(&g, 0x00010001);
    for (i = 1; i < 64; i++)
        put16(&g, 0xc000 | (unsigned)(18 + 2 * i));
    dns_name(&g, "deep.example", -1);
    assert_int_equal(dns_parse(&g, g.n, &m), 0);
    assert_string_equal(m.qname, "deep.example");
    /* The name ends, where it sits, after its first pointer. */
    assert_int_equal(m.qtype, 1);
    set16(&g, 12, 0xc000 | 16);
    set16(&g, 16, 0xc000 | 18);
    assert_int_equal(dns_parse(&g, g.n, &m), -1);
    /* Header only, or less. */
    assert_int_equal(dns_parse(&f, 12, &m), -1);
    assert_int_equal(dns_parse(&f, 0, &m), -1);
}

static void
test_dns_many_addrs(void **state)
{
    struct buf f = {.n = 0};
    struct pp_dns_msg m;
    unsigned i;

    (void)state;
    dns_hdr(&f, 7, 0x8180, 1, 20);
    dns_name(&f, "many.example", -1);
    put32(&f, 0x00010001);
    for (i = 0; i < 20; i++) {
        const uint8_t a[4] = {198, 51, 100, (uint8_t)i};
        put16(&f, 0xc00c);
        dns_rr(&f, 1, i, a, 4);
    }
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(m.naddrs, PP_DNS_MAX_ADDRS);
    assert_int_equal(m.addrs[15].addr[3], 15);
    /* Records from 30, 16 bytes each: another class (CHAOS), and an AAAA
     * of 4 bytes, are skipped. */
    set16(&f, 30 + 4, 3);
    set16(&f, 30 + 16 + 2, 28);
    assert_int_equal(dns_parse(&f, f.n, &m), 0);
    assert_int_equal(m.naddrs, PP_DNS_MAX_ADDRS);
    assert_int_equal(m.addrs[0].addr[3], 2);
    assert_int_equal(m.addrs[15].addr[3], 17);
}

/* ---------------------------------------------------------------- TLS */

/* A ClientHello record around an extensions block (none when ext is NULL). */
static void
hello(struct buf *f, const struct buf *ext)
{
    struct buf body = {.n = 0};

    put16(&body, 0x0303);
    fill(&body, 0x11, 32);
    put8(&body, 32);
    fill(&body, 0x22, 32);
    put16(&body, 4);
    put16(&body, 0x1301);
    put16(&body, 0xc02f);
    put8(&body, 1);
    put8(&body, 0);
    if (ext != NULL) {
        put16(&body, (unsigned)ext->n);
        put(&body, ext->b, ext->n);
    }
    f->n = 0;
    put8(f, 22);
    put16(f, 0x0301);
    put16(f, (unsigned)(4 + body.n));
    put8(f, 1);
    put8(f, 0);
    put16(f, (unsigned)body.n);
    put(f, body.b, body.n);
}

#define HELLO_EXT 84 /* where the extensions block's length sits */

static void
ext_sni(struct buf *e, const char *name)
{
    size_t n = strlen(name);

    put16(e, 0);
    put16(e, (unsigned)(n + 5));
    put16(e, (unsigned)(n + 3));
    put8(e, 0);
    put16(e, (unsigned)n);
    put(e, name, n);
}

static void
ext_alpn(struct buf *e, const char *const *ids, size_t count)
{
    size_t i, total = 0;

    for (i = 0; i < count; i++)
        total += 1 + strlen(ids[i]);
    put16(e, 16);
    put16(e, (unsigned)(total + 2));
    put16(e, (unsigned)total);
    for (i = 0; i < count; i++) {
        put8(e, (unsigned)strlen(ids[i]));
        put(e, ids[i], strlen(ids[i]));
    }
}

static int
tls_parse(const struct buf *f, size_t n, struct pp_tls_hello *h)
{
    uint8_t *copy = malloc(n ? n : 1);
    int rc;

    assert_non_null(copy);
    if (n)
        memcpy(copy, f->b, n);
    memset(h, 0xa5, sizeof(*h));
    rc = pp_tls_parse_client_hello(copy, n, h);
    free(copy);
    assert_true(rc >= -1 && rc <= 1);
    assert_non_null(memchr(h->sni, 0, sizeof(h->sni)));
    assert_non_null(memchr(h->alpn, 0, sizeof(h->alpn)));
    return rc;
}

static void
test_tls_file(void **state)
{
    struct buf f;
    struct pp_tls_hello h;
    size_t k;

    (void)state;
    load_buf("clienthello.bin", &f);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_int_equal(h.version, 0x0303);
    assert_string_equal(h.sni, "x.courier.push.apple.com");
    assert_string_equal(h.alpn, "apns-security-v3");
    /* Cut anywhere: -1, with the server name once it was all there. */
    assert_int_equal(tls_parse(&f, 0, &h), 0);
    for (k = 1; k < f.n; k++) {
        assert_int_equal(tls_parse(&f, k, &h), -1);
        if (h.sni[0] != '\0')
            assert_string_equal(h.sni, "x.courier.push.apple.com");
        if (h.alpn[0] != '\0')
            assert_string_equal(h.alpn, "apns-security-v3");
    }
    /* What follows the record is not ours to read. */
    fill(&f, 0x17, 40);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
}

static void
test_tls_built(void **state)
{
    static const char *const two[] = {"h2", "http/1.1"};
    static const char *const odd[] = {"a,b", "c\001d", ""};
    const char *many[20];
    char names[20][24];
    struct buf e = {.n = 0}, f;
    struct pp_tls_hello h;
    size_t i;

    (void)state;
    /* SNI after another name type, ALPN with two ids, a GREASE one. */
    put16(&e, 0x0a0a);
    put16(&e, 0);
    put16(&e, 0);
    put16(&e, 2 + 7 + 21);
    put16(&e, 7 + 21);
    put8(&e, 7);
    put16(&e, 4);
    put(&e, "zzzz", 4);
    put8(&e, 0);
    put16(&e, 18);
    put(&e, "API.Push.Apple.com", 18);
    ext_alpn(&e, two, 2);
    hello(&f, &e);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_string_equal(h.sni, "api.push.apple.com");
    assert_string_equal(h.alpn, "h2,http/1.1");
    /* Two host names: the first is the one. */
    e.n = 0;
    put16(&e, 0);
    put16(&e, 2 + 12 + 12);
    put16(&e, 12 + 12);
    put8(&e, 0);
    put16(&e, 9);
    put(&e, "first.one", 9);
    put8(&e, 0);
    put16(&e, 9);
    put(&e, "other.one", 9);
    hello(&f, &e);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_string_equal(h.sni, "first.one");
    /* No extensions at all (an old client). */
    hello(&f, NULL);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_string_equal(h.sni, "");
    assert_string_equal(h.alpn, "");
    /* Odd bytes in ALPN ids, and an empty id. */
    e.n = 0;
    ext_alpn(&e, odd, 3);
    hello(&f, &e);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_string_equal(h.alpn, "a?b,c?d");
    /* More ids than fit: whole ids only, and the string ends in time. */
    for (i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "protocol-number-%02zu", i);
        many[i] = names[i];
    }
    e.n = 0;
    ext_sni(&e, "x.courier.push.apple.com");
    ext_alpn(&e, many, 20);
    hello(&f, &e);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    assert_string_equal(h.sni, "x.courier.push.apple.com");
    assert_true(strlen(h.alpn) < sizeof(h.alpn));
    assert_int_equal(strlen(h.alpn), 6 * 19 - 1);
    assert_string_equal(h.alpn + strlen(h.alpn) - 18, "protocol-number-05");
    /* A host name longer than the buffer is cut to fit. */
    {
        char longname[400];

        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        e.n = 0;
        ext_sni(&e, longname);
        hello(&f, &e);
        assert_int_equal(tls_parse(&f, f.n, &h), 1);
        assert_int_equal(strlen(h.sni), sizeof(h.sni) - 1);
    }
}

static void
test_tls_lying(void **state)
{
    static const char *const one[] = {"apns-security-v3"};
    struct buf e = {.n = 0}, f, g;
    struct pp_tls_hello h;
    size_t sni = HELLO_EXT + 2, alpn;

    (void)state;
    ext_sni(&e, "x.courier.push.apple.com");
    alpn = HELLO_EXT + 2 + e.n;
    ext_alpn(&e, one, 1);
    hello(&f, &e);
    assert_int_equal(tls_parse(&f, f.n, &h), 1);
    /* The extensions block longer than the message. */
    g = f;
    set16(&g, HELLO_EXT, (unsigned)e.n + 1);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    assert_string_equal(h.sni, "");
    /* The SNI extension longer than the block. */
    g = f;
    set16(&g, sni + 2, (unsigned)e.n);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    /* The server name list longer than its extension; the name longer
     * than its list. */
    g = f;
    set16(&g, sni + 4, 40);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    g = f;
    set16(&g, sni + 7, 25);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    assert_string_equal(h.sni, "");
    /* An ALPN id longer than its list; the list longer than the extension. */
    g = f;
    g.b[alpn + 6] = 17;
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    assert_string_equal(h.sni, "x.courier.push.apple.com");
    g = f;
    set16(&g, alpn + 4, 18);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    /* A session id over 32 bytes; cipher suites past the end. */
    g = f;
    g.b[5 + 4 + 2 + 32] = 33;
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    g = f;
    set16(&g, 5 + 4 + 2 + 32 + 33, 0xfff0);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    /* The handshake continues in a second record: not in the first. */
    g = f;
    set16(&g, 3, 60);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    assert_int_equal(h.version, 0x0303);
    g = f;
    set16(&g, 3, 2);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
    /* The handshake shorter than its own fields. */
    g = f;
    g.b[6] = 0;
    set16(&g, 7, 40);
    assert_int_equal(tls_parse(&g, g.n, &h), -1);
}

static void
test_tls_not_hello(void **state)
{
    struct buf f = {.n = 0}, g;
    struct pp_tls_hello h;

    (void)state;
    put(&f, "GET / HTTP/1.1\r\n", 16);
    assert_int_equal(tls_parse(&f, f.n, &h), 0);
    hello(&f, NULL);
    /* A ServerHello, application data, SSL 2. */
    g = f;
    g.b[5] = 2;
    assert_int_equal(tls_parse(&g, g.n, &h), 0);
    g = f;
    g.b[0] = 23;
    assert_int_equal(tls_parse(&g, g.n, &h), 0);
    g = f;
    g.b[1] = 2;
    assert_int_equal(tls_parse(&g, g.n, &h), 0);
    g.n = 0;
    put(&g, "\x80\x2e\x01\x03\x01", 5);
    assert_int_equal(tls_parse(&g, g.n, &h), 0);
    /* Too short to tell, but nothing says no. */
    assert_int_equal(tls_parse(&f, 1, &h), -1);
    assert_int_equal(tls_parse(&f, 6, &h), -1);
    g = f;
    g.b[5] = 2;
    assert_int_equal(tls_parse(&g, 5, &h), -1);
    assert_int_equal(tls_parse(&g, 6, &h), 0);
}

static void
test_tls_alert(void **state)
{
    static const struct {
        uint8_t desc;
        const char *name;
    } names[] = {
        {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
        {22, "record_overflow"}, {40, "handshake_failure"}, {42, "bad_certificate"},
        {43, "unsupported_certificate"}, {44, "certificate_revoked"},
        {45, "certificate_expired"}, {46, "certificate_unknown"}, {47, "illegal_parameter"},
        {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"},
        {51, "decrypt_error"}, {70, "protocol_version"}, {71, "insufficient_security"},
        {80, "internal_error"}, {86, "inappropriate_fallback"}, {90, "user_canceled"},
        {109, "missing_extension"}, {110, "unsupported_extension"},
        {112, "unrecognized_name"}, {113, "bad_certificate_status_response"},
        {115, "unknown_psk_identity"}, {116, "certificate_required"},
        {120, "no_application_protocol"},
    };
    static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40};
    uint8_t rec[sizeof(alert)], level = 0, desc = 0;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_string_equal(pp_tls_alert_name(names[i].desc), names[i].name);
    assert_null(pp_tls_alert_name(1));
    assert_null(pp_tls_alert_name(255));
    assert_int_equal(pp_tls_parse_alert(alert, sizeof(alert), &level, &desc), 1);
    assert_int_equal(level, 2);
    assert_int_equal(desc, 40);
    for (i = 0; i < sizeof(alert); i++)
        assert_int_equal(pp_tls_parse_alert(alert, i, &level, &desc), 0);
    memcpy(rec, alert, sizeof(rec));
    rec[4] = 1;
    assert_int_equal(pp_tls_parse_alert(rec, sizeof(rec), &level, &desc), 0);
    rec[4] = 2;
    rec[0] = 22;
    assert_int_equal(pp_tls_parse_alert(rec, sizeof(rec), &level, &desc), 0);
    rec[0] = 21;
    rec[1] = 1;
    assert_int_equal(pp_tls_parse_alert(rec, sizeof(rec), &level, &desc), 0);
    /* An encrypted alert (TLS 1.2, AES-GCM: 8 bytes of nonce, 2 of alert,
     * 16 of tag) is no alert we can read, even where its first bytes look
     * like one. */
    {
        uint8_t enc[5 + 26] = {21, 3, 3, 0, 26, 1, 0, 0, 0, 0, 0, 0, 1, 0x9c, 0x3e};

        for (i = 15; i < sizeof(enc); i++)
            enc[i] = (uint8_t)(i * 37 + 11);
        assert_int_equal(pp_tls_parse_alert(enc, sizeof(enc), &level, &desc), 0);
        enc[4] = 3;
        assert_int_equal(pp_tls_parse_alert(enc, sizeof(enc), &level, &desc), 0);
    }
    /* Two plaintext alerts in one record, the second one cut or not. */
    {
        static const uint8_t two[] = {21, 3, 3, 0, 4, 1, 0, 2, 48};

        assert_int_equal(pp_tls_parse_alert(two, sizeof(two), &level, &desc), 1);
        assert_int_equal(level, 1);
        assert_int_equal(desc, 0);
        assert_int_equal(pp_tls_parse_alert(two, sizeof(two) - 1, &level, &desc), 1);
    }
}

/* -------------------------------------------------------------- main */

static int
teardown(void **state)
{
    (void)state;
    free(held);
    held = NULL;
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_addr_str),
        cmocka_unit_test(test_link_types),
        cmocka_unit_test(test_null_and_loop),
        cmocka_unit_test(test_link_mismatch),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_vlan),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_lengths),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ipv6_ext),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_icmp_quotes),
        cmocka_unit_test(test_icmp_others),
        cmocka_unit_test(test_icmpv6),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_real_frames),
        cmocka_unit_test(test_dns_answers),
        cmocka_unit_test(test_dns_query),
        cmocka_unit_test(test_dns_odd_names),
        cmocka_unit_test(test_dns_lying),
        cmocka_unit_test(test_dns_many_addrs),
        cmocka_unit_test(test_tls_file),
        cmocka_unit_test(test_tls_built),
        cmocka_unit_test(test_tls_lying),
        cmocka_unit_test(test_tls_not_hello),
        cmocka_unit_test(test_tls_alert),
    };

    return cmocka_run_group_tests(tests, NULL, teardown);
}
