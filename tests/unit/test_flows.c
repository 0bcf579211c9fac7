/* SPDX-License-Identifier: ISC */
/* The capture's flow table (src/capture/flows.h): every outcome, resets judged by
 * their TTL, ICMP tied to flows, eviction with exact totals, push device
 * health, DNS observations, service classification, hostile timestamps and
 * floods, and the evidence sentences.  Packets are mostly built by hand as
 * struct pp_pkt; a few go through the decoder as raw IPv4 frames.  Clients
 * are private addresses, other servers documentation ones; 17.0.0.0/8 is
 * Apple's. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"

#define S(x) ((int64_t)((x) * 1000000.0))
#define MS(x) ((int64_t)(x) * 1000)

#define DEV "192.168.1.20"
#define COURIER_IP "17.57.144.10"

/* ---------------------------------------------------------- helpers */

static void
addr(uint8_t family, const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    if (inet_pton(family == 4 ? AF_INET : AF_INET6, s, out) != 1)
        fail_msg("bad address %s (family %u)", s, family);
}

static uint8_t
family_of(const char *s)
{
    return strchr(s, ':') != NULL ? 6 : 4;
}

static struct pp_pkt
pkt(uint8_t proto, const char *src, uint16_t sport, const char *dst, uint16_t dport,
    uint8_t ttl)
{
    struct pp_pkt p;

    memset(&p, 0, sizeof(p));
    p.link = PP_LINK_RAW;
    p.family = family_of(src);
    addr(p.family, src, p.src);
    addr(p.family, dst, p.dst);
    p.proto = proto;
    p.sport = sport;
    p.dport = dport;
    p.ttl = ttl;
    p.ip_len = p.family == 4 ? 40 : 60;
    return p;
}

static void
tcp_seq(struct pp_flows *t, int64_t ts, const char *src, uint16_t sport, const char *dst,
        uint16_t dport, uint8_t flags, uint8_t ttl, uint32_t seq)
{
    struct pp_pkt p = pkt(6, src, sport, dst, dport, ttl);

    p.tcp_flags = flags;
    p.seq = seq;
    pp_flows_packet(t, ts, &p);
}

static void
tcp(struct pp_flows *t, int64_t ts, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint8_t flags, uint8_t ttl)
{
    tcp_seq(t, ts, src, sport, dst, dport, flags, ttl, 1000);
}

static void
tcp_data(struct pp_flows *t, int64_t ts, const char *src, uint16_t sport, const char *dst,
         uint16_t dport, uint8_t ttl, const uint8_t *data, size_t n)
{
    struct pp_pkt p = pkt(6, src, sport, dst, dport, ttl);

    p.tcp_flags = PP_TCP_ACK | PP_TCP_PSH;
    p.payload = data;
    p.payload_len = n;
    p.payload_wire_len = (uint32_t)n;
    p.ip_len += (uint32_t)n;
    pp_flows_packet(t, ts, &p);
}

static void
udp(struct pp_flows *t, int64_t ts, const char *src, uint16_t sport, const char *dst,
    uint16_t dport, const uint8_t *data, size_t n)
{
    struct pp_pkt p = pkt(17, src, sport, dst, dport, 60);
    static const uint8_t junk[4] = {1, 2, 3, 4};

    p.payload = data ? data : junk;
    p.payload_len = data ? n : sizeof(junk);
    p.payload_wire_len = (uint32_t)p.payload_len;
    pp_flows_packet(t, ts, &p);
}

/* A handshake from client:cport to server:sport, SYN-ACK with ttl, at t0. */
static void
handshake(struct pp_flows *t, int64_t t0, const char *client, uint16_t cport,
          const char *server, uint16_t sport, uint8_t ttl)
{
    tcp(t, t0, client, cport, server, sport, PP_TCP_SYN, 64);
    tcp(t, t0 + MS(20), server, sport, client, cport, PP_TCP_SYN | PP_TCP_ACK, ttl);
    tcp(t, t0 + MS(21), client, cport, server, sport, PP_TCP_ACK, 64);
}

static size_t
count(struct pp_flows *t, uint16_t cport, uint16_t sport)
{
    size_t n, i, c = 0;
    const struct pp_flow *const *l = pp_flows_list(t, &n);

    for (i = 0; i < n; i++)
        c += l[i]->cport == cport && l[i]->sport == sport;
    return c;
}

/* The flow between these ports (the newest when a port was reused). */
static const struct pp_flow *
find(struct pp_flows *t, uint16_t cport, uint16_t sport)
{
    size_t n, i;
    const struct pp_flow *const *l = pp_flows_list(t, &n);
    const struct pp_flow *hit = NULL;

    for (i = 0; i < n; i++)
        if (l[i]->cport == cport && l[i]->sport == sport &&
            (hit == NULL || l[i]->first_us >= hit->first_us))
            hit = l[i];
    return hit;
}

static uint64_t
outcome_total(const struct pp_flows *t)
{
    const struct pp_flows_stats *st = pp_flows_stats(t);
    uint64_t n = 0;
    int s, o;

    for (s = 0; s < PP_FS__COUNT; s++)
        for (o = 0; o < PP_FO__COUNT; o++)
            n += st->outcomes[s][o];
    return n;
}

/* Every flow ever made is counted once; the live ones by their outcome. */
static void
check_totals(struct pp_flows *t)
{
    const struct pp_flows_stats *st = pp_flows_stats(t);
    uint64_t live[PP_FS__COUNT][PP_FO__COUNT];
    size_t n, i;
    const struct pp_flow *const *l = pp_flows_list(t, &n);
    int s, o;

    assert_int_equal(outcome_total(t), st->flows_total);
    memset(live, 0, sizeof(live));
    for (i = 0; i < n; i++) {
        live[l[i]->svc][l[i]->outcome]++;
        if (i > 0)
            assert_true(l[i - 1]->svc < l[i]->svc ||
                        (l[i - 1]->svc == l[i]->svc && l[i - 1]->first_us <= l[i]->first_us));
    }
    for (s = 0; s < PP_FS__COUNT; s++)
        for (o = 0; o < PP_FO__COUNT; o++)
            assert_true(live[s][o] <= st->outcomes[s][o]);
}

static const struct pp_push_device *
device(const struct pp_flows *t, const char *a)
{
    size_t n, i;
    const struct pp_push_device *d = pp_flows_devices(t, &n);
    uint8_t want[16];

    addr(family_of(a), a, want);
    for (i = 0; i < n; i++)
        if (d[i].family == family_of(a) && memcmp(d[i].addr, want, 16) == 0)
            return &d[i];
    return NULL;
}

static const struct pp_dns_obs *
dns_obs(const struct pp_flows *t, const char *name)
{
    size_t n, i;
    const struct pp_dns_obs *d = pp_flows_dns(t, &n);

    for (i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0)
            return &d[i];
    return NULL;
}

static void
evidence_is(const struct pp_flows *t, const char *server, uint16_t port, const char *want)
{
    char buf[160];
    uint8_t a[16];
    uint8_t fam = family_of(server);

    addr(fam, server, a);
    memset(buf, 'x', sizeof(buf));
    if (want == NULL) {
        assert_false(pp_flows_evidence(t, fam, a, port, buf, sizeof(buf)));
        assert_string_equal(buf, "");
        return;
    }
    assert_true(pp_flows_evidence(t, fam, a, port, buf, sizeof(buf)));
    assert_string_equal(buf, want);
}

/* Bytes for payloads. */
struct wr {
    uint8_t b[1024];
    size_t n;
};

static void
w8(struct wr *w, unsigned v)
{
    assert_true(w->n < sizeof(w->b));
    w->b[w->n++] = (uint8_t)v;
}

static void
w16(struct wr *w, unsigned v)
{
    w8(w, v >> 8);
    w8(w, v & 0xff);
}

static void
wbytes(struct wr *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof(w->b));
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void
set16(struct wr *w, size_t at, size_t v)
{
    w->b[at] = (uint8_t)(v >> 8);
    w->b[at + 1] = (uint8_t)v;
}

/* A TLS 1.2 record holding a ClientHello with SNI and ALPN. */
static void
client_hello(struct wr *w, const char *sni, const char *alpn)
{
    size_t rec, hs, ext, e;
    uint8_t rnd[32];

    memset(w, 0, sizeof(*w));
    memset(rnd, 7, sizeof(rnd));
    w8(w, 22);
    w16(w, 0x0301);
    rec = w->n;
    w16(w, 0);
    w8(w, 1);
    hs = w->n;
    w8(w, 0);
    w16(w, 0);
    w16(w, 0x0303);
    wbytes(w, rnd, sizeof(rnd));
    w8(w, 0);                   /* session id */
    w16(w, 2);
    w16(w, 0x1301);
    w8(w, 1);
    w8(w, 0);                   /* compression */
    ext = w->n;
    w16(w, 0);
    w16(w, 0x0000);             /* server_name */
    w16(w, strlen(sni) + 5);
    w16(w, strlen(sni) + 3);
    w8(w, 0);
    w16(w, strlen(sni));
    wbytes(w, sni, strlen(sni));
    w16(w, 0x0010);             /* ALPN */
    e = w->n;
    w16(w, 0);
    w16(w, strlen(alpn) + 1);
    w8(w, strlen(alpn));
    wbytes(w, alpn, strlen(alpn));
    set16(w, e, w->n - e - 2);
    set16(w, ext, w->n - ext - 2);
    w->b[hs] = 0;
    set16(w, hs + 1, w->n - hs - 3);
    set16(w, rec, w->n - rec - 2);
}

/* A DNS message for qname with A (4) or AAAA (6) answers. */
static void
dns_msg(struct wr *w, bool response, uint8_t rcode, const char *qname, uint8_t family,
        const char *const *answers, size_t nans)
{
    const char *p = qname;
    size_t i;

    memset(w, 0, sizeof(*w));
    w16(w, 0x1234);
    w16(w, response ? 0x8180 | rcode : 0x0100);
    w16(w, 1);
    w16(w, response ? nans : 0);
    w16(w, 0);
    w16(w, 0);
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        w8(w, n);
        wbytes(w, p, n);
        p += n + (dot != NULL);
    }
    w8(w, 0);
    w16(w, family == 6 ? 28 : 1);
    w16(w, 1);
    for (i = 0; response && i < nans; i++) {
        uint8_t a[16];
        addr(family, answers[i], a);
        w16(w, 0xc00c);
        w16(w, family == 6 ? 28 : 1);
        w16(w, 1);
        w16(w, 0);
        w16(w, 60);
        w16(w, family == 6 ? 16 : 4);
        wbytes(w, a, family == 6 ? 16 : 4);
    }
}

static void
icmp(struct pp_flows *t, int64_t ts, const char *from, const char *to, uint8_t type,
     uint8_t code, uint8_t qproto, const char *qsrc, uint16_t qsport, const char *qdst,
     uint16_t qdport)
{
    struct pp_pkt p = pkt(family_of(from) == 6 ? 58 : 1, from, 0, to, 0, 250);

    p.icmp_type = type;
    p.icmp_code = code;
    p.quoted.valid = true;
    p.quoted.family = family_of(qsrc);
    p.quoted.proto = qproto;
    addr(p.quoted.family, qsrc, p.quoted.src);
    addr(p.quoted.family, qdst, p.quoted.dst);
    p.quoted.sport = qsport;
    p.quoted.dport = qdport;
    pp_flows_packet(t, ts, &p);
}

/* ---------------------------------------------------------- tests */

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(pp_flow_svc_name(PP_FS_COURIER), "courier");
    assert_string_equal(pp_flow_svc_name(PP_FS_DP), "dp");
    assert_string_equal(pp_flow_svc_name(PP_FS_OTHER), "other");
    assert_string_equal(pp_flow_svc_name(PP_FS__COUNT), "?");
    assert_string_equal(pp_flow_outcome_name(PP_FO_PENDING), "pending");
    assert_string_equal(pp_flow_outcome_name(PP_FO_RESET_MIDDLEBOX), "reset-by-middlebox");
    assert_string_equal(pp_flow_outcome_name(PP_FO_UDP_UNANSWERED), "udp-unanswered");
    assert_string_equal(pp_flow_outcome_name(PP_FO__COUNT), "?");
    assert_false(pp_flow_outcome_bad(PP_FO_PENDING));
    assert_false(pp_flow_outcome_bad(PP_FO_ESTABLISHED));
    assert_false(pp_flow_outcome_bad(PP_FO_CLOSED));
    assert_false(pp_flow_outcome_bad(PP_FO_UDP));
    assert_true(pp_flow_outcome_bad(PP_FO_UNANSWERED));
    assert_true(pp_flow_outcome_bad(PP_FO_REFUSED));
    assert_true(pp_flow_outcome_bad(PP_FO_RESET));
    assert_true(pp_flow_outcome_bad(PP_FO_RESET_MIDDLEBOX));
    assert_true(pp_flow_outcome_bad(PP_FO_ICMP));
    assert_true(pp_flow_outcome_bad(PP_FO_TLS_ALERT));
    assert_true(pp_flow_outcome_bad(PP_FO_UDP_UNANSWERED));
}

static void
test_ttl_hops(void **state)
{
    (void)state;
    assert_int_equal(pp_ttl_hops(52), 12);
    assert_int_equal(pp_ttl_hops(63), 1);
    assert_int_equal(pp_ttl_hops(64), 0);
    assert_int_equal(pp_ttl_hops(65), 63);
    assert_int_equal(pp_ttl_hops(120), 8);
    assert_int_equal(pp_ttl_hops(128), 0);
    assert_int_equal(pp_ttl_hops(129), 126);
    assert_int_equal(pp_ttl_hops(250), 5);
    assert_int_equal(pp_ttl_hops(255), 0);
    assert_int_equal(pp_ttl_hops(1), 63);
    assert_int_equal(pp_ttl_hops(0), 64);
}

static void
test_established_closed(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    const struct pp_flows_stats *st;
    static const uint8_t data[] = "hello";

    (void)state;
    evidence_is(t, COURIER_IP, 5223, NULL);
    handshake(t, S(10), DEV, 50000, COURIER_IP, 5223, 52);
    f = find(t, 50000, 5223);
    assert_non_null(f);
    assert_int_equal(f->family, 4);
    assert_int_equal(f->proto, 6);
    assert_int_equal(f->svc, PP_FS_COURIER);
    assert_int_equal(f->outcome, PP_FO_ESTABLISHED);
    assert_int_equal(f->syns, 1);
    assert_int_equal(f->synacks, 1);
    assert_false(f->midstream);
    assert_int_equal(f->established_us, S(10) + MS(20));
    assert_int_equal(f->first_us, S(10));
    assert_int_equal(f->server_ttl, 52);
    assert_int_equal(f->client_ttl, 64);
    assert_int_equal(f->pkts[PP_DIR_C2S], 2);
    assert_int_equal(f->pkts[PP_DIR_S2C], 1);
    assert_int_equal(f->bytes[PP_DIR_C2S], 80);
    evidence_is(t, COURIER_IP, 5223, "handshake completed, server TTL 52");
    st = pp_flows_stats(t);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_ESTABLISHED], 1);

    tcp_data(t, S(11), DEV, 50000, COURIER_IP, 5223, 64, data, 5);
    tcp(t, S(12), DEV, 50000, COURIER_IP, 5223, PP_TCP_FIN | PP_TCP_ACK, 64);
    tcp(t, S(12) + 5, COURIER_IP, 5223, DEV, 50000, PP_TCP_FIN | PP_TCP_ACK, 52);
    f = find(t, 50000, 5223);
    assert_int_equal(f->outcome, PP_FO_CLOSED);
    assert_int_equal(f->last_us, S(12) + 5);
    assert_int_equal(f->bytes[PP_DIR_C2S], 165);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_ESTABLISHED], 0);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_CLOSED], 1);
    assert_int_equal(st->flows_total, 1);
    assert_int_equal(st->first_us, S(10));
    assert_int_equal(st->last_us, S(12) + 5);
    evidence_is(t, COURIER_IP, 5223, "handshake completed, server TTL 52");
    evidence_is(t, COURIER_IP, 443, NULL);
    evidence_is(t, "17.57.144.11", 5223, NULL);
    check_totals(t);
    pp_flows_free(t);
}

static void
test_unanswered(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    const struct pp_flows_stats *st = pp_flows_stats(t);

    (void)state;
    tcp(t, S(0), DEV, 50001, "203.0.113.5", 443, PP_TCP_SYN, 64);
    tcp(t, S(1), DEV, 50001, "203.0.113.5", 443, PP_TCP_SYN, 64);
    tcp(t, S(3), DEV, 50001, "203.0.113.5", 443, PP_TCP_SYN, 64);
    f = find(t, 50001, 443);
    assert_int_equal(f->svc, PP_FS_OTHER);
    assert_int_equal(f->syns, 3);
    assert_int_equal(f->outcome, PP_FO_PENDING);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_PENDING], 1);
    evidence_is(t, "203.0.113.5", 443, "SYN sent 3 times, no answer yet");
    /* 3 s after the last SYN, not before. */
    pp_flows_settle(t, S(5.9));
    assert_int_equal(f->outcome, PP_FO_PENDING);
    pp_flows_settle(t, S(6));
    assert_int_equal(f->outcome, PP_FO_UNANSWERED);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_PENDING], 0);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_UNANSWERED], 1);
    evidence_is(t, "203.0.113.5", 443, "SYN sent 3 times, no answer");
    /* A late retransmission is counted; a late SYN-ACK still wins. */
    tcp(t, S(7), DEV, 50001, "203.0.113.5", 443, PP_TCP_SYN, 64);
    assert_int_equal(f->syns, 4);
    assert_int_equal(f->outcome, PP_FO_UNANSWERED);
    tcp(t, S(7.1), "203.0.113.5", 443, DEV, 50001, PP_TCP_SYN | PP_TCP_ACK, 50);
    assert_int_equal(f->outcome, PP_FO_ESTABLISHED);

    /* One SYN; its own timeout option. */
    pp_flows_free(t);
    {
        struct pp_flows_opts o = {.syn_timeout_s = 1.5};
        t = pp_flows_new(&o);
    }
    tcp(t, S(0), DEV, 50002, "203.0.113.5", 443, PP_TCP_SYN, 64);
    pp_flows_settle(t, S(1.4));
    assert_int_equal(find(t, 50002, 443)->outcome, PP_FO_PENDING);
    pp_flows_settle(t, S(1.5));
    assert_int_equal(find(t, 50002, 443)->outcome, PP_FO_UNANSWERED);
    evidence_is(t, "203.0.113.5", 443, "SYN sent 1 time, no answer");
    check_totals(t);
    pp_flows_free(t);
}

static void
test_refused(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;

    (void)state;
    tcp(t, S(1), DEV, 50010, "203.0.113.5", 8443, PP_TCP_SYN, 64);
    tcp(t, S(1.03), "203.0.113.5", 8443, DEV, 50010, PP_TCP_RST | PP_TCP_ACK, 52);
    f = find(t, 50010, 8443);
    assert_int_equal(f->outcome, PP_FO_REFUSED);
    assert_int_equal(f->rst_ttl, 52);
    assert_int_equal(f->rst_dir, PP_DIR_S2C);
    assert_int_equal(f->server_ttl, 0);
    assert_true(f->rst_after_ms > 29.9 && f->rst_after_ms < 30.1);
    evidence_is(t, "203.0.113.5", 8443, "RST in answer to the SYN (TTL 52)");
    /* Decided: settling changes nothing, more RSTs change nothing. */
    pp_flows_settle(t, INT64_MAX);
    tcp(t, S(2), "203.0.113.5", 8443, DEV, 50010, PP_TCP_RST, 63);
    assert_int_equal(f->outcome, PP_FO_REFUSED);
    assert_int_equal(f->rst_ttl, 52);
    assert_int_equal(pp_flows_stats(t)->outcomes[PP_FS_OTHER][PP_FO_REFUSED], 1);
    check_totals(t);
    pp_flows_free(t);
}

/* A RST to the SYN, from closer than the server's SYN-ACKs seen on
 * another flow: a middlebox. */
static void
test_refused_middlebox(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;

    (void)state;
    handshake(t, S(0), DEV, 50020, COURIER_IP, 5223, 52);
    tcp(t, S(1), "192.168.1.21", 50021, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(1.001), COURIER_IP, 5223, "192.168.1.21", 50021, PP_TCP_RST | PP_TCP_ACK, 63);
    f = find(t, 50021, 5223);
    assert_int_equal(f->outcome, PP_FO_RESET_MIDDLEBOX);
    assert_int_equal(f->rst_ttl, 63);
    evidence_is(t, COURIER_IP, 5223,
                "RST with TTL 63 while the server's SYN-ACKs arrive with TTL 52");
    /* The same from as far as the server: genuine. */
    tcp(t, S(2), "192.168.1.22", 50022, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(2.05), COURIER_IP, 5223, "192.168.1.22", 50022, PP_TCP_RST | PP_TCP_ACK, 52);
    assert_int_equal(find(t, 50022, 5223)->outcome, PP_FO_REFUSED);
    /* An injected RST first, the real SYN-ACK after: judged again. */
    tcp(t, S(3), "192.168.1.23", 50023, "17.57.144.99", 5223, PP_TCP_SYN, 64);
    tcp(t, S(3.001), "17.57.144.99", 5223, "192.168.1.23", 50023, PP_TCP_RST | PP_TCP_ACK, 63);
    f = find(t, 50023, 5223);
    assert_int_equal(f->outcome, PP_FO_REFUSED);
    tcp(t, S(3.05), "17.57.144.99", 5223, "192.168.1.23", 50023, PP_TCP_SYN | PP_TCP_ACK, 50);
    assert_int_equal(f->outcome, PP_FO_RESET_MIDDLEBOX);
    evidence_is(t, "17.57.144.99", 5223,
                "RST with TTL 63 while the server's SYN-ACKs arrive with TTL 50");
    check_totals(t);
    pp_flows_free(t);
}

static void
test_reset(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    static const uint8_t data[] = "0123456789";

    (void)state;
    /* Genuine: the RST comes from as far as the SYN-ACK. */
    handshake(t, S(0), DEV, 50030, "203.0.113.5", 443, 52);
    tcp_data(t, S(60), DEV, 50030, "203.0.113.5", 443, 64, data, 10);
    tcp_data(t, S(60.1), "203.0.113.5", 443, DEV, 50030, 52, data, 10);
    tcp_data(t, S(119.9), DEV, 50030, "203.0.113.5", 443, 64, data, 10);
    tcp(t, S(120.02), "203.0.113.5", 443, DEV, 50030, PP_TCP_RST, 52);
    f = find(t, 50030, 443);
    assert_int_equal(f->outcome, PP_FO_RESET);
    assert_int_equal(f->rst_ttl, 52);
    assert_int_equal(f->rst_dir, PP_DIR_S2C);
    assert_int_equal(f->server_ttl, 52);
    assert_true(f->rst_after_ms > 119.9 && f->rst_after_ms < 120.1);
    evidence_is(t, "203.0.113.5", 443, "reset by the server after 120 s");

    /* Injected: one hop away while the server is twelve. */
    handshake(t, S(200), DEV, 50031, "203.0.113.6", 443, 52);
    tcp_data(t, S(201), "203.0.113.6", 443, DEV, 50031, 52, data, 10);
    tcp(t, S(202.5), "203.0.113.6", 443, DEV, 50031, PP_TCP_RST | PP_TCP_ACK, 63);
    f = find(t, 50031, 443);
    assert_int_equal(f->outcome, PP_FO_RESET_MIDDLEBOX);
    evidence_is(t, "203.0.113.6", 443,
                "RST with TTL 63 while the server's SYN-ACKs arrive with TTL 52");

    /* No reference at all (first seen mid-stream, server silent until
     * its RST): taken as the server's. */
    tcp_data(t, S(300), DEV, 50032, "203.0.113.7", 443, 64, data, 10);
    tcp(t, S(300.5), "203.0.113.7", 443, DEV, 50032, PP_TCP_RST, 63);
    f = find(t, 50032, 443);
    assert_true(f->midstream);
    assert_int_equal(f->outcome, PP_FO_RESET);
    assert_int_equal(f->server_ttl, 0);
    evidence_is(t, "203.0.113.7", 443, "reset by the server after 0.5 s");

    /* Mid-stream with the server's TTL known from another flow. */
    handshake(t, S(400), "192.168.1.30", 50033, "203.0.113.8", 443, 116);
    tcp_data(t, S(401), DEV, 50034, "203.0.113.8", 443, 64, data, 10);
    tcp(t, S(401.2), "203.0.113.8", 443, DEV, 50034, PP_TCP_RST, 254);
    assert_int_equal(find(t, 50034, 443)->outcome, PP_FO_RESET_MIDDLEBOX);
    evidence_is(t, "203.0.113.8", 443,
                "RST with TTL 254 while the server's SYN-ACKs arrive with TTL 116");
    check_totals(t);
    pp_flows_free(t);
}

static void
test_client_rst(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;

    (void)state;
    handshake(t, S(0), DEV, 50040, "203.0.113.5", 443, 52);
    tcp(t, S(5), DEV, 50040, "203.0.113.5", 443, PP_TCP_RST | PP_TCP_ACK, 64);
    f = find(t, 50040, 443);
    assert_int_equal(f->outcome, PP_FO_CLOSED);
    assert_int_equal(f->rst_dir, PP_DIR_C2S);
    assert_int_equal(f->rst_ttl, 64);
    /* Before an answer: noted, the SYN is still unanswered. */
    tcp(t, S(10), DEV, 50041, "203.0.113.5", 443, PP_TCP_SYN, 64);
    tcp(t, S(11), DEV, 50041, "203.0.113.5", 443, PP_TCP_RST, 64);
    f = find(t, 50041, 443);
    assert_int_equal(f->outcome, PP_FO_PENDING);
    assert_int_equal(f->rst_dir, PP_DIR_C2S);
    pp_flows_settle(t, S(20));
    assert_int_equal(f->outcome, PP_FO_UNANSWERED);
    check_totals(t);
    pp_flows_free(t);
}

static void
test_icmp(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    const struct pp_flow *f;

    (void)state;
    tcp(t, S(0), DEV, 50050, "203.0.113.5", 443, PP_TCP_SYN, 64);
    icmp(t, S(0.01), "10.20.0.1", DEV, 3, 13, 6, DEV, 50050, "203.0.113.5", 443);
    f = find(t, 50050, 443);
    assert_int_equal(f->outcome, PP_FO_ICMP);
    assert_int_equal(f->icmp_family, 4);
    assert_int_equal(f->icmp_type, 3);
    assert_int_equal(f->icmp_code, 13);
    assert_int_equal(st->icmp_errors, 1);
    assert_int_equal(st->icmp_unmatched, 0);
    evidence_is(t, "203.0.113.5", 443, "ICMP type 3 code 13 from 10.20.0.1");
    /* Settling keeps it. */
    pp_flows_settle(t, INT64_MAX);
    assert_int_equal(f->outcome, PP_FO_ICMP);

    /* Quoting the other orientation (a packet from the server) still finds
     * the flow; a UDP flow too. */
    udp(t, S(1), DEV, 40000, "198.51.100.9", 123, NULL, 0);
    icmp(t, S(1.01), "198.51.100.1", DEV, 3, 3, 17, "198.51.100.9", 123, DEV, 40000);
    assert_int_equal(find(t, 40000, 123)->outcome, PP_FO_ICMP);
    evidence_is(t, "198.51.100.9", 123, "ICMP type 3 code 3 from 198.51.100.1");

    /* Nothing quoted that we know: unmatched. */
    icmp(t, S(2), "10.20.0.1", DEV, 3, 1, 6, DEV, 50051, "203.0.113.5", 443);
    assert_int_equal(st->icmp_errors, 3);
    assert_int_equal(st->icmp_unmatched, 1);
    /* Not an error (echo reply): not counted. */
    icmp(t, S(2), "10.20.0.1", DEV, 0, 0, 6, DEV, 50050, "203.0.113.5", 443);
    assert_int_equal(st->icmp_errors, 3);

    /* Fragmentation needed does not kill an established flow. */
    handshake(t, S(3), DEV, 50052, "203.0.113.5", 443, 52);
    icmp(t, S(3.5), "10.20.0.1", DEV, 3, 4, 6, DEV, 50052, "203.0.113.5", 443);
    assert_int_equal(find(t, 50052, 443)->outcome, PP_FO_ESTABLISHED);

    /* ICMPv6. */
    tcp(t, S(4), "fd00::20", 50053, "2001:db8::5", 443, PP_TCP_SYN, 64);
    icmp(t, S(4.1), "2001:db8::1", "fd00::20", 1, 1, 6, "fd00::20", 50053, "2001:db8::5", 443);
    f = find(t, 50053, 443);
    assert_int_equal(f->family, 6);
    assert_int_equal(f->outcome, PP_FO_ICMP);
    evidence_is(t, "2001:db8::5", 443, "ICMPv6 type 1 code 1 from 2001:db8::1");
    check_totals(t);
    pp_flows_free(t);
}

static void
test_tls(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    struct wr hello;
    static const uint8_t fatal[] = {21, 3, 3, 0, 2, 2, 40};
    static const uint8_t close_notify[] = {21, 3, 3, 0, 2, 1, 0};
    static const uint8_t appdata[] = {23, 3, 3, 0, 3, 1, 2, 3};

    (void)state;
    /* Apple's range on 443: apple, until the SNI says courier. */
    handshake(t, S(0), DEV, 50060, COURIER_IP, 443, 52);
    assert_int_equal(find(t, 50060, 443)->svc, PP_FS_APPLE);
    client_hello(&hello, "1-Courier.Push.Apple.com", "apns-security-v3");
    tcp_data(t, S(0.1), DEV, 50060, COURIER_IP, 443, 64, hello.b, hello.n);
    f = find(t, 50060, 443);
    assert_string_equal(f->sni, "1-courier.push.apple.com");
    assert_string_equal(f->alpn, "apns-security-v3");
    assert_int_equal(f->svc, PP_FS_COURIER);
    assert_int_equal(pp_flows_stats(t)->outcomes[PP_FS_APPLE][PP_FO_ESTABLISHED], 0);
    assert_int_equal(pp_flows_stats(t)->outcomes[PP_FS_COURIER][PP_FO_ESTABLISHED], 1);
    assert_non_null(device(t, DEV));
    assert_true(device(t, DEV)->on_443);
    /* The server refuses the handshake. */
    tcp_data(t, S(0.2), COURIER_IP, 443, DEV, 50060, 52, fatal, sizeof(fatal));
    assert_int_equal(f->outcome, PP_FO_TLS_ALERT);
    assert_true(f->alert_seen);
    assert_int_equal(f->alert_dir, PP_DIR_S2C);
    assert_int_equal(f->alert_level, 2);
    assert_int_equal(f->alert_desc, 40);
    evidence_is(t, COURIER_IP, 443, "TLS alert handshake_failure from the server");
    /* A FIN after it keeps the alert. */
    tcp(t, S(0.3), COURIER_IP, 443, DEV, 50060, PP_TCP_FIN | PP_TCP_ACK, 52);
    assert_int_equal(f->outcome, PP_FO_TLS_ALERT);
    assert_int_equal(device(t, DEV)->failed, 1);

    /* Application data then close_notify: a normal end. */
    handshake(t, S(1), DEV, 50061, "203.0.113.5", 443, 52);
    client_hello(&hello, "www.example.com", "h2,http/1.1");
    tcp_data(t, S(1.1), DEV, 50061, "203.0.113.5", 443, 64, hello.b, hello.n);
    tcp_data(t, S(1.2), "203.0.113.5", 443, DEV, 50061, 52, appdata, sizeof(appdata));
    tcp_data(t, S(1.3), DEV, 50061, "203.0.113.5", 443, 64, close_notify,
             sizeof(close_notify));
    f = find(t, 50061, 443);
    assert_int_equal(f->svc, PP_FS_OTHER);
    assert_true(f->alert_seen);
    /* An encrypted alert (TLS 1.2, longer than 2 bytes) says nothing. */
    {
        static const uint8_t sealed[] = {21, 3, 3, 0, 26, 2, 40, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                         9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};
        tcp_data(t, S(1.35), "203.0.113.5", 443, DEV, 50061, 52, sealed, sizeof(sealed));
    }
    assert_int_equal(f->alert_level, 1);
    assert_int_equal(f->outcome, PP_FO_ESTABLISHED);
    tcp(t, S(1.4), DEV, 50061, "203.0.113.5", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
    assert_int_equal(f->outcome, PP_FO_CLOSED);

    /* A fatal alert from the client. */
    handshake(t, S(2), DEV, 50062, "203.0.113.5", 443, 52);
    tcp_data(t, S(2.1), DEV, 50062, "203.0.113.5", 443, 64, hello.b, hello.n);
    tcp_data(t, S(2.2), "203.0.113.5", 443, DEV, 50062, 52, appdata, sizeof(appdata));
    {
        static const uint8_t unknown_ca[] = {21, 3, 3, 0, 2, 2, 48};
        tcp_data(t, S(2.3), DEV, 50062, "203.0.113.5", 443, 64, unknown_ca,
                 sizeof(unknown_ca));
    }
    f = find(t, 50062, 443);
    assert_int_equal(f->outcome, PP_FO_TLS_ALERT);
    assert_int_equal(f->alert_dir, PP_DIR_C2S);
    evidence_is(t, "203.0.113.5", 443, "TLS alert unknown_ca from the client");

    /* Provider by SNI, wherever it goes; a cut ClientHello still names. */
    handshake(t, S(3), "192.168.1.40", 50063, "198.51.100.20", 443, 52);
    client_hello(&hello, "api.sandbox.push.apple.com", "h2");
    tcp_data(t, S(3.1), "192.168.1.40", 50063, "198.51.100.20", 443, 64, hello.b,
             hello.n - 6);
    f = find(t, 50063, 443);
    assert_string_equal(f->sni, "api.sandbox.push.apple.com");
    assert_int_equal(f->svc, PP_FS_PROVIDER);
    check_totals(t);
    pp_flows_free(t);
}

static void
test_udp(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;

    (void)state;
    /* Answered NTP; the client is the one off the service port. */
    udp(t, S(0), "198.51.100.9", 123, DEV, 40000, NULL, 0);
    f = find(t, 40000, 123);
    assert_non_null(f);
    assert_int_equal(f->outcome, PP_FO_UDP);
    assert_int_equal(f->pkts[PP_DIR_S2C], 1);
    udp(t, S(0.1), DEV, 40000, "198.51.100.9", 123, NULL, 0);
    assert_int_equal(f->pkts[PP_DIR_C2S], 1);
    assert_int_equal(f->outcome, PP_FO_UDP);
    evidence_is(t, "198.51.100.9", 123, "answered, server TTL 60");

    /* Only the client speaks. */
    udp(t, S(1), DEV, 40001, "198.51.100.10", 4500, NULL, 0);
    udp(t, S(2), DEV, 40001, "198.51.100.10", 4500, NULL, 0);
    f = find(t, 40001, 4500);
    assert_int_equal(f->outcome, PP_FO_PENDING);
    pp_flows_settle(t, S(6.9));
    assert_int_equal(f->outcome, PP_FO_PENDING);
    pp_flows_settle(t, S(7));
    assert_int_equal(f->outcome, PP_FO_UDP_UNANSWERED);
    evidence_is(t, "198.51.100.10", 4500, "2 datagrams sent, no answer");
    /* A late answer. */
    udp(t, S(8), "198.51.100.10", 4500, DEV, 40001, NULL, 0);
    assert_int_equal(f->outcome, PP_FO_UDP);
    /* Equal ports: the first sender is the client. */
    udp(t, S(9), "198.51.100.11", 5000, DEV, 5000, NULL, 0);
    f = find(t, 5000, 5000);
    assert_int_equal(f->pkts[PP_DIR_C2S], 1);
    pp_flows_settle(t, INT64_MAX);
    assert_int_equal(f->outcome, PP_FO_UDP_UNANSWERED);
    check_totals(t);
    pp_flows_free(t);
}

static void
test_midstream(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    static const uint8_t data[] = "abcdef";

    (void)state;
    /* The server's packet first: the client is still the high port. */
    tcp_data(t, S(0), "203.0.113.5", 443, DEV, 51000, 52, data, 6);
    f = find(t, 51000, 443);
    assert_non_null(f);
    assert_true(f->midstream);
    assert_int_equal(f->outcome, PP_FO_PENDING);
    tcp(t, S(0.1), DEV, 51000, "203.0.113.5", 443, PP_TCP_ACK, 64);
    assert_int_equal(f->outcome, PP_FO_ESTABLISHED);
    assert_int_equal(f->established_us, 0);
    tcp(t, S(1), DEV, 51000, "203.0.113.5", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
    assert_int_equal(f->outcome, PP_FO_CLOSED);

    /* Both on high ports: Apple's side is the server. */
    tcp_data(t, S(1.5), "17.57.144.10", 50001, DEV, 60000, 52, data, 6);
    f = find(t, 60000, 50001);
    assert_non_null(f);
    assert_int_equal(f->pkts[PP_DIR_S2C], 1);
    assert_int_equal(f->svc, PP_FS_APPLE);
    /* Neither: the higher port is the client. */
    tcp_data(t, S(1.6), DEV, 20000, "203.0.113.5", 30000, 64, data, 6);
    assert_non_null(find(t, 30000, 20000));

    /* One side only, to the end: it was up before the capture. */
    tcp_data(t, S(2), DEV, 51001, "203.0.113.5", 443, 64, data, 6);
    pp_flows_settle(t, S(100));
    assert_int_equal(find(t, 51001, 443)->outcome, PP_FO_PENDING);
    pp_flows_settle(t, INT64_MAX);
    assert_int_equal(find(t, 51001, 443)->outcome, PP_FO_ESTABLISHED);

    /* Port reuse: a SYN with a new sequence number after a close starts a
     * new flow, which takes the later packets; the old one stays. */
    handshake(t, S(10), DEV, 51002, "203.0.113.5", 443, 52);
    tcp(t, S(11), DEV, 51002, "203.0.113.5", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
    tcp_seq(t, S(12), DEV, 51002, "203.0.113.5", 443, PP_TCP_SYN, 64, 777);
    assert_int_equal(count(t, 51002, 443), 2);
    f = find(t, 51002, 443);
    assert_int_equal(f->first_us, S(12));
    assert_int_equal(f->outcome, PP_FO_PENDING);
    tcp(t, S(12.1), "203.0.113.5", 443, DEV, 51002, PP_TCP_RST | PP_TCP_ACK, 52);
    assert_int_equal(f->outcome, PP_FO_REFUSED);
    assert_int_equal(pp_flows_stats(t)->outcomes[PP_FS_OTHER][PP_FO_CLOSED], 2);
    assert_int_equal(pp_flows_stats(t)->outcomes[PP_FS_OTHER][PP_FO_REFUSED], 1);
    assert_int_equal(pp_flows_stats(t)->flows_total, 6);
    assert_int_equal(pp_flows_stats(t)->evicted, 0);
    evidence_is(t, "203.0.113.5", 443, "RST in answer to the SYN (TTL 52)");
    /* ... but a retransmitted SYN of a refused attempt is the same flow. */
    tcp_seq(t, S(20), DEV, 51003, "203.0.113.5", 443, PP_TCP_SYN, 64, 5);
    tcp(t, S(20.1), "203.0.113.5", 443, DEV, 51003, PP_TCP_RST | PP_TCP_ACK, 52);
    tcp_seq(t, S(20.2), DEV, 51003, "203.0.113.5", 443, PP_TCP_SYN, 64, 5);
    f = find(t, 51003, 443);
    assert_int_equal(f->syns, 2);
    assert_int_equal(f->outcome, PP_FO_REFUSED);
    check_totals(t);
    pp_flows_free(t);
}

static void
test_eviction(void **state)
{
    struct pp_flows_opts o = {.max_flows = 4};
    struct pp_flows *t = pp_flows_new(&o);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    size_t n;
    int i;

    (void)state;
    /* 10 flows within a second: even ones answered and closed, odd ones
     * unanswered.  A full table lets the closed ones go first (retired:
     * nothing of them is lost), then the least recently seen. */
    for (i = 0; i < 10; i++) {
        uint16_t port = (uint16_t)(52000 + i);
        tcp(t, S(i) / 20, DEV, port, "203.0.113.5", 443, PP_TCP_SYN, 64);
        if (i % 2 == 0) {
            tcp(t, S(i) / 20 + 100, "203.0.113.5", 443, DEV, port, PP_TCP_SYN | PP_TCP_ACK,
                52);
            tcp(t, S(i) / 20 + 200, DEV, port, "203.0.113.5", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
        }
        pp_flows_list(t, &n);
        assert_true(n <= 4);
        check_totals(t);
    }
    assert_int_equal(st->flows_total, 10);
    assert_int_equal(st->retired, 5);
    assert_int_equal(st->evicted, 1);
    pp_flows_list(t, &n);
    assert_int_equal(n, 4);
    /* Left: the unanswered 3, 5, 7, 9; 1 was the least recently seen. */
    assert_null(find(t, 52001, 443));
    assert_non_null(find(t, 52003, 443));
    assert_non_null(find(t, 52009, 443));
    assert_null(find(t, 52008, 443));
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_CLOSED], 5);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_UNANSWERED], 1);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_PENDING], 4);
    pp_flows_settle(t, INT64_MAX);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_UNANSWERED], 5);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_PENDING], 0);
    assert_int_equal(outcome_total(t), 10);
    /* With nothing that ended well, the least recently seen goes, not the
     * oldest: touching flow 3 keeps it over flow 5. */
    tcp(t, S(0.6), DEV, 52003, "203.0.113.5", 443, PP_TCP_SYN, 64);
    tcp(t, S(0.7), DEV, 53000, "203.0.113.5", 443, PP_TCP_SYN, 64);
    assert_non_null(find(t, 52003, 443));
    assert_null(find(t, 52005, 443));
    assert_int_equal(st->evicted, 2);
    check_totals(t);
    pp_flows_free(t);
}

/* Retirement: other traffic that ended well leaves the table 10 s after
 * its last packet (counted in the totals); courier flows and failures
 * stay to be reported; a flow still talking stays. */
static void
test_retire(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    size_t n;

    (void)state;
    /* Other traffic, closed well. */
    tcp(t, S(1), DEV, 50001, "203.0.113.5", 443, PP_TCP_SYN, 64);
    tcp(t, S(1.01), "203.0.113.5", 443, DEV, 50001, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, S(1.02), DEV, 50001, "203.0.113.5", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
    /* Other traffic, refused: a failure, kept. */
    tcp(t, S(1), DEV, 50002, "203.0.113.6", 443, PP_TCP_SYN, 64);
    tcp(t, S(1.01), "203.0.113.6", 443, DEV, 50002, PP_TCP_RST | PP_TCP_ACK, 52);
    /* A courier connection, closed well: kept longer (30 s). */
    tcp(t, S(1), DEV, 50003, "17.57.144.10", 5223, PP_TCP_SYN, 64);
    tcp(t, S(1.01), "17.57.144.10", 5223, DEV, 50003, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, S(1.02), DEV, 50003, "17.57.144.10", 5223, PP_TCP_FIN | PP_TCP_ACK, 64);
    /* Other traffic, ended, its last packet later. */
    tcp(t, S(1), DEV, 50004, "203.0.113.7", 443, PP_TCP_SYN, 64);
    tcp(t, S(1.01), "203.0.113.7", 443, DEV, 50004, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, S(1.02), DEV, 50004, "203.0.113.7", 443, PP_TCP_FIN | PP_TCP_ACK, 64);
    tcp(t, S(2.5), "203.0.113.7", 443, DEV, 50004, PP_TCP_ACK, 52);
    pp_flows_list(t, &n);
    assert_int_equal(n, 4);
    /* 2 s after: the first has been quiet for 2 s, the last not yet. */
    pp_flows_settle(t, S(3.1));
    assert_int_equal(st->retired, 1);
    assert_null(find(t, 50001, 443));
    assert_non_null(find(t, 50002, 443));
    assert_non_null(find(t, 50003, 5223));
    assert_non_null(find(t, 50004, 443));
    pp_flows_settle(t, S(4.6));
    assert_int_equal(st->retired, 2);
    assert_null(find(t, 50004, 443));
    /* The courier's after 30 s; the failure stays. */
    pp_flows_settle(t, S(30));
    assert_non_null(find(t, 50003, 5223));
    pp_flows_settle(t, S(31.1));
    assert_int_equal(st->retired, 3);
    assert_null(find(t, 50003, 5223));
    assert_non_null(find(t, 50002, 443));
    /* Counted all the same, once each, and the device keeps its count. */
    assert_int_equal(st->flows_total, 4);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_CLOSED], 2);
    assert_int_equal(st->outcomes[PP_FS_OTHER][PP_FO_REFUSED], 1);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_CLOSED], 1);
    assert_int_equal(device(t, DEV)->established, 1);
    assert_int_equal(outcome_total(t), 4);
    /* The memory is used again. */
    tcp(t, S(40), DEV, 50005, "203.0.113.5", 443, PP_TCP_SYN, 64);
    assert_non_null(find(t, 50005, 443));
    check_totals(t);
    pp_flows_free(t);
}

/* Late packets of flows that retired: within twice the retirement time
 * they belong to the flow that ended (no phantom flow, no phantom reset);
 * after it, or a new SYN, they start a flow. */
static void
test_late_after_retire(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flows_stats *st = pp_flows_stats(t);

    (void)state;
    handshake(t, S(1), DEV, 50001, "203.0.113.5", 80, 52);
    tcp(t, S(1.1), DEV, 50001, "203.0.113.5", 80, PP_TCP_FIN | PP_TCP_ACK, 64);
    handshake(t, S(1), DEV, 50002, COURIER_IP, 5223, 52);
    tcp(t, S(1.1), DEV, 50002, COURIER_IP, 5223, PP_TCP_FIN | PP_TCP_ACK, 64);
    pp_flows_settle(t, S(3.2));
    assert_int_equal(st->retired, 1);
    /* The FIN again 2.5 s after the end, from either side. */
    tcp(t, S(3.6), DEV, 50001, "203.0.113.5", 80, PP_TCP_FIN | PP_TCP_ACK, 64);
    tcp(t, S(3.7), "203.0.113.5", 80, DEV, 50001, PP_TCP_RST, 52);
    assert_int_equal(st->late, 2);
    assert_int_equal(count(t, 50001, 80), 0);
    assert_int_equal(st->flows_total, 2);
    /* The courier's: retired at 31 s, a RST at 50 s is its own. */
    pp_flows_settle(t, S(31.2));
    assert_int_equal(st->retired, 2);
    tcp(t, S(50), COURIER_IP, 5223, DEV, 50002, PP_TCP_RST, 52);
    assert_int_equal(st->late, 3);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_RESET], 0);
    assert_int_equal(st->flows_total, 2);
    /* A new connection on the same ports is a new flow. */
    tcp(t, S(51), DEV, 50002, COURIER_IP, 5223, PP_TCP_SYN, 64);
    assert_int_equal(st->flows_total, 3);
    /* Past the grace period (2 x 2 s), a packet starts a flow again. */
    tcp(t, S(60), DEV, 50001, "203.0.113.5", 80, PP_TCP_ACK, 64);
    assert_int_equal(st->flows_total, 4);
    assert_int_equal(st->late, 3);
    check_totals(t);
    pp_flows_free(t);
}

/* Interfaces and processes: ids kept once each; a flow keeps the first it
 * saw; a device keeps the process of its longest-held connection. */
static void
test_iface_proc(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    uint16_t en0 = pp_flows_iface_id(t, "en0"), utun = pp_flows_iface_id(t, "utun0");
    uint16_t apsd = pp_flows_proc_id(t, "apsd", 101, NULL, 0);
    uint16_t app = pp_flows_proc_id(t, "nsurlsessiond", 98, "Mail", 1311);
    const struct pp_flow_proc *pr;
    struct pp_pkt p;

    (void)state;
    assert_int_not_equal(en0, 0);
    assert_int_not_equal(en0, utun);
    assert_int_equal(pp_flows_iface_id(t, "en0"), en0);
    assert_int_equal(pp_flows_iface_id(t, ""), 0);
    assert_null(pp_flows_iface_name(t, 0));
    assert_string_equal(pp_flows_iface_name(t, utun), "utun0");
    assert_int_equal(pp_flows_proc_id(t, "apsd", 101, "apsd", 101), apsd);
    assert_int_equal(pp_flows_proc_id(t, NULL, 0, NULL, 0), 0);
    pr = pp_flows_proc(t, app);
    assert_string_equal(pr->ename, "Mail");
    assert_int_equal(pr->epid, 1311);
    /* A short courier connection by the app, a long one by apsd. */
    p = pkt(6, DEV, 50001, COURIER_IP, 5223, 64);
    p.tcp_flags = PP_TCP_SYN;
    p.iface = en0;
    p.proc = app;
    pp_flows_packet(t, S(1), &p);
    tcp(t, S(1.02), COURIER_IP, 5223, DEV, 50001, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, S(2), DEV, 50001, COURIER_IP, 5223, PP_TCP_FIN | PP_TCP_ACK, 64);
    assert_int_equal(find(t, 50001, 5223)->iface, en0);
    assert_int_equal(find(t, 50001, 5223)->proc, app);
    assert_int_equal(device(t, DEV)->proc, app);
    p = pkt(6, DEV, 50002, COURIER_IP, 5223, 64);
    p.tcp_flags = PP_TCP_SYN;
    p.iface = utun;
    p.proc = apsd;
    pp_flows_packet(t, S(3), &p);
    tcp(t, S(3.02), COURIER_IP, 5223, DEV, 50002, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, S(20), DEV, 50002, COURIER_IP, 5223, PP_TCP_ACK, 64);
    assert_int_equal(find(t, 50002, 5223)->iface, utun);
    assert_int_equal(device(t, DEV)->proc, apsd);
    check_totals(t);
    pp_flows_free(t);
}

/* A flood of unique flows, RSTs and junk into a small table: the caps
 * hold and every flow is counted once. */
static void
test_flood(void **state)
{
    struct pp_flows_opts o = {.max_flows = 64, .max_devices = 8, .max_dns = 4};
    struct pp_flows *t = pp_flows_new(&o);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    uint8_t junk[512];
    size_t n, i;
    int k;

    (void)state;
    for (i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 7 + (i >> 3));
    junk[3] = 0;
    junk[4] = 2;
    for (k = 0; k < 200000; k++) {
        struct pp_pkt p;
        char a[32], b[32];
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(a, sizeof(a), "10.%u.%u.%u", (unsigned)(x >> 8) & 3, (unsigned)(x >> 16) & 255,
                 (unsigned)(x >> 24) & 255);
        snprintf(b, sizeof(b), "17.0.0.%u", (unsigned)(x >> 32) & 7);
        p = pkt((x >> 40) & 1 ? 6 : 17, (x >> 41) & 1 ? a : b, (uint16_t)(x >> 42),
                (x >> 41) & 1 ? b : a, (x >> 43) & 1 ? 5223 : (uint16_t)(x >> 44),
                (uint8_t)(x >> 50));
        p.tcp_flags = (uint8_t)(x >> 56);
        p.seq = (uint32_t)(x >> 3) & 3;
        if ((x >> 60) & 1) {
            /* Random bytes, sometimes dressed as DNS or a TLS alert. */
            size_t off = (size_t)(x >> 4) % 200;
            junk[off] = (x >> 61) & 1 ? 21 : junk[off];
            p.payload = junk + off;
            p.payload_len = (size_t)(x >> 12) % (sizeof(junk) - off);
            p.payload_wire_len = (uint32_t)p.payload_len;
            if ((x >> 62) & 1)
                p.dport = 53;
        }
        /* Time jumps around, including backwards and to the extremes. */
        pp_flows_packet(t, k % 1000 == 0 ? INT64_MIN + k : (int64_t)(x % 1000000000) - k,
                        &p);
        if (k % 5000 == 0)
            pp_flows_settle(t, (int64_t)(x % 2000000000));
    }
    pp_flows_list(t, &n);
    assert_true(n <= 64);
    assert_int_equal(st->evicted + st->retired, st->flows_total - n);
    assert_int_equal(outcome_total(t), st->flows_total);
    pp_flows_devices(t, &n);
    assert_true(n <= 8);
    pp_flows_settle(t, INT64_MAX);
    assert_int_equal(outcome_total(t), st->flows_total);
    for (i = 0; i < PP_FS__COUNT; i++)
        assert_int_equal(st->outcomes[i][PP_FO_PENDING], 0);
    check_totals(t);
    pp_flows_free(t);
}

/* One tuple reset over and over, each time with a new SYN: every attempt
 * is a flow, the table stays at its cap, lookups stay short. */
static void
test_rst_storm(void **state)
{
    struct pp_flows_opts o = {.max_flows = 16};
    struct pp_flows *t = pp_flows_new(&o);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    size_t n;
    uint32_t k;

    (void)state;
    handshake(t, S(0), "192.168.1.77", 50600, COURIER_IP, 5223, 52);
    for (k = 1; k <= 5000; k++) {
        tcp_seq(t, S(1) + k, DEV, 50601, COURIER_IP, 5223, PP_TCP_SYN, 64, k);
        tcp(t, S(1) + k, COURIER_IP, 5223, DEV, 50601, PP_TCP_RST | PP_TCP_ACK, 63);
        tcp(t, S(1) + k, COURIER_IP, 5223, DEV, 50601, PP_TCP_RST, 52);
    }
    pp_flows_list(t, &n);
    assert_int_equal(n, 16);
    assert_int_equal(st->flows_total, 5001);
    assert_int_equal(st->evicted, 5001 - 16);
    assert_int_equal(st->outcomes[PP_FS_COURIER][PP_FO_RESET_MIDDLEBOX], 5000);
    assert_int_equal(device(t, DEV)->flows, 5000);
    assert_int_equal(device(t, DEV)->failed, 5000);
    evidence_is(t, COURIER_IP, 5223,
                "RST with TTL 63 while the server's SYN-ACKs arrive with TTL 52");
    check_totals(t);
    pp_flows_free(t);
}

/* A device holding its courier connection for five minutes. */
static void
test_push_holding(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_push_device *d;
    static const uint8_t ping[] = {1, 2, 3};
    int i;

    (void)state;
    handshake(t, S(100), DEV, 50100, COURIER_IP, 5223, 52);
    for (i = 1; i <= 10; i++) {
        tcp_data(t, S(100 + 30 * i) - MS(10), DEV, 50100, COURIER_IP, 5223, 64, ping, 3);
        tcp_data(t, S(100 + 30 * i) + MS(20), COURIER_IP, 5223, DEV, 50100, 52, ping, 3);
    }
    d = device(t, DEV);
    assert_non_null(d);
    assert_int_equal(d->flows, 1);
    assert_int_equal(d->established, 1);
    assert_int_equal(d->unanswered, 0);
    assert_int_equal(d->failed, 0);
    assert_true(d->on_5223);
    assert_false(d->on_443);
    assert_true(d->holding);
    assert_true(d->held_s > 299.9 && d->held_s < 300.1);
    assert_int_equal(d->first_us, S(100));
    assert_int_equal(d->last_us, S(400) + MS(20));
    /* Still holding after the end of the capture. */
    pp_flows_settle(t, INT64_MAX);
    d = device(t, DEV);
    assert_true(d->holding);
    /* Closing it: held stays, holding ends. */
    tcp(t, S(500), COURIER_IP, 5223, DEV, 50100, PP_TCP_FIN | PP_TCP_ACK, 52);
    tcp(t, S(501), DEV, 50100, COURIER_IP, 5223, PP_TCP_ACK, 64);
    d = device(t, DEV);
    assert_false(d->holding);
    assert_true(d->held_s > 399.9 && d->held_s < 400.1);
    assert_int_equal(d->last_us, S(501));
    /* Other services are no devices. */
    handshake(t, S(600), "192.168.1.50", 50101, "17.253.1.1", 443, 52);
    assert_null(device(t, "192.168.1.50"));
    check_totals(t);
    pp_flows_free(t);
}

/* A device retrying 5223: three SYNs unanswered across two flows, kept
 * even when the flows are evicted. */
static void
test_push_retry(void **state)
{
    struct pp_flows_opts o = {.max_flows = 2};
    struct pp_flows *t = pp_flows_new(&o);
    const struct pp_push_device *d;

    (void)state;
    tcp(t, S(0), DEV, 50200, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(1), DEV, 50200, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(10), DEV, 50201, "17.57.144.11", 5223, PP_TCP_SYN, 64);
    d = device(t, DEV);
    assert_int_equal(d->flows, 2);
    assert_int_equal(d->unanswered, 0);
    pp_flows_settle(t, S(20));
    d = device(t, DEV);
    assert_int_equal(d->flows, 2);
    assert_int_equal(d->established, 0);
    assert_int_equal(d->unanswered, 2);
    assert_int_equal(d->syns_unanswered, 3);
    assert_false(d->on_5223);
    assert_false(d->holding);
    /* Then falls back to 443, which works; the old flows are evicted. */
    handshake(t, S(30), DEV, 50202, COURIER_IP, 443, 52);
    tcp(t, S(31), "192.168.1.99", 50203, "203.0.113.5", 443, PP_TCP_SYN, 64);
    assert_int_equal(pp_flows_stats(t)->evicted, 2);
    d = device(t, DEV);
    assert_int_equal(d->flows, 2);
    assert_int_equal(d->unanswered, 2);
    assert_int_equal(d->syns_unanswered, 3);
    {
        struct wr hello;
        client_hello(&hello, "courier.push.apple.com", "apns-security-v3");
        tcp_data(t, S(30.1), DEV, 50202, COURIER_IP, 443, 64, hello.b, hello.n);
    }
    d = device(t, DEV);
    assert_int_equal(d->flows, 3);
    assert_int_equal(d->established, 1);
    assert_true(d->on_443);
    assert_false(d->on_5223);
    assert_true(d->holding);
    assert_int_equal(d->first_us, S(0));
    check_totals(t);

    /* An unanswered flow that is answered late is taken back. */
    pp_flows_free(t);
    t = pp_flows_new(NULL);
    tcp(t, S(0), DEV, 50210, COURIER_IP, 5223, PP_TCP_SYN, 64);
    pp_flows_settle(t, S(5));
    assert_int_equal(device(t, DEV)->unanswered, 1);
    tcp(t, S(6), COURIER_IP, 5223, DEV, 50210, PP_TCP_SYN | PP_TCP_ACK, 52);
    d = device(t, DEV);
    assert_int_equal(d->unanswered, 0);
    assert_int_equal(d->syns_unanswered, 0);
    assert_int_equal(d->established, 1);
    /* A device cap. */
    pp_flows_free(t);
    {
        struct pp_flows_opts o2 = {.max_devices = 1};
        t = pp_flows_new(&o2);
    }
    tcp(t, S(0), DEV, 50220, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(0), "192.168.1.21", 50221, COURIER_IP, 5223, PP_TCP_SYN, 64);
    {
        size_t n;
        pp_flows_devices(t, &n);
        assert_int_equal(n, 1);
    }
    assert_null(device(t, "192.168.1.21"));
    check_totals(t);
    pp_flows_free(t);
}

static void
test_dns(void **state)
{
    struct pp_flows_opts o = {.max_dns = 2};
    struct pp_flows *t = pp_flows_new(&o);
    const struct pp_dns_obs *d;
    struct wr w;
    static const char *const sinkhole[] = {"0.0.0.0"};
    static const char *const good[] = {"17.57.144.10", "17.57.144.11"};
    static const char *const mixed6[] = {"2620:149:a44::10", "::"};
    uint8_t a[16];

    (void)state;
    dns_msg(&w, false, 0, "courier.push.apple.com", 4, NULL, 0);
    udp(t, S(0), DEV, 33000, "192.168.1.1", 53, w.b, w.n);
    dns_msg(&w, true, 0, "courier.push.apple.com", 4, sinkhole, 1);
    udp(t, S(0.01), "192.168.1.1", 53, DEV, 33000, w.b, w.n);
    d = dns_obs(t, "courier.push.apple.com");
    assert_non_null(d);
    assert_int_equal(d->queries, 1);
    assert_int_equal(d->answers, 1);
    assert_int_equal(d->last_rcode, 0);
    assert_int_equal(d->outside_apple, 1);
    assert_int_equal(d->bad_family, 4);
    addr(4, "0.0.0.0", a);
    assert_memory_equal(d->bad_addr, a, 16);
    addr(4, "192.168.1.1", a);
    assert_int_equal(d->server_family, 4);
    assert_memory_equal(d->server, a, 16);
    assert_int_equal(find(t, 33000, 53)->svc, PP_FS_DNS);
    assert_int_equal(find(t, 33000, 53)->outcome, PP_FO_UDP);

    /* Good answers do not count; an AAAA :: does. */
    dns_msg(&w, true, 0, "courier.push.apple.com", 4, good, 2);
    udp(t, S(1), "192.168.1.1", 53, DEV, 33001, w.b, w.n);
    dns_msg(&w, true, 0, "gateway.icloud.com", 6, mixed6, 2);
    udp(t, S(1), "192.168.1.1", 53, DEV, 33002, w.b, w.n);
    d = dns_obs(t, "courier.push.apple.com");
    assert_int_equal(d->answers, 2);
    assert_int_equal(d->outside_apple, 1);
    d = dns_obs(t, "gateway.icloud.com");
    assert_non_null(d);
    assert_int_equal(d->outside_apple, 1);
    assert_int_equal(d->bad_family, 6);
    /* Names that do not matter are not kept; a third name is over the cap. */
    dns_msg(&w, true, 0, "www.example.com", 4, good, 1);
    udp(t, S(2), "192.168.1.1", 53, DEV, 33003, w.b, w.n);
    assert_null(dns_obs(t, "www.example.com"));
    assert_int_equal(pp_flows_stats(t)->dns_evicted, 0);
    dns_msg(&w, true, 3, "nope.mzstatic.com", 4, NULL, 0);
    udp(t, S(3), "192.168.1.1", 53, DEV, 33004, w.b, w.n);
    assert_null(dns_obs(t, "nope.mzstatic.com"));
    assert_int_equal(pp_flows_stats(t)->dns_evicted, 1);
    /* NXDOMAIN is kept as the last rcode; DNS over TCP with its length. */
    {
        struct wr tcpw;
        dns_msg(&w, true, 3, "gateway.icloud.com", 4, NULL, 0);
        memset(&tcpw, 0, sizeof(tcpw));
        w16(&tcpw, w.n);
        wbytes(&tcpw, w.b, w.n);
        handshake(t, S(4), DEV, 33005, "192.168.1.1", 53, 64);
        tcp_data(t, S(4.1), "192.168.1.1", 53, DEV, 33005, 64, tcpw.b, tcpw.n);
    }
    d = dns_obs(t, "gateway.icloud.com");
    assert_int_equal(d->answers, 2);
    assert_int_equal(d->last_rcode, 3);
    /* Lying DNS is ignored. */
    {
        static const uint8_t junk[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12};
        udp(t, S(5), "192.168.1.1", 53, DEV, 33006, junk, sizeof(junk));
    }
    check_totals(t);
    pp_flows_free(t);
}

static void
test_svc_config(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    uint8_t a[16];
    struct wr w;
    static const char *const mdm[] = {"203.0.113.70", "203.0.113.71"};

    (void)state;
    /* A configured server, on one port or any. */
    addr(4, "198.51.100.4", a);
    pp_flows_add_server(t, 4, a, 443, PP_FS_SUS);
    addr(4, "198.51.100.5", a);
    pp_flows_add_server(t, 4, a, 0, PP_FS_DP);
    addr(6, "2001:db8::44", a);
    pp_flows_add_server(t, 6, a, 8443, PP_FS_MDM);
    handshake(t, S(0), DEV, 50300, "198.51.100.4", 443, 52);
    handshake(t, S(0), DEV, 50301, "198.51.100.4", 80, 52);
    handshake(t, S(0), DEV, 50302, "198.51.100.5", 8080, 52);
    handshake(t, S(0), "fd00::20", 50303, "2001:db8::44", 8443, 52);
    assert_int_equal(find(t, 50300, 443)->svc, PP_FS_SUS);
    assert_int_equal(find(t, 50301, 80)->svc, PP_FS_OTHER);
    assert_int_equal(find(t, 50302, 8080)->svc, PP_FS_DP);
    assert_int_equal(find(t, 50303, 8443)->svc, PP_FS_MDM);
    /* A configured server is not reclassified by its SNI. */
    client_hello(&w, "courier.push.apple.com", "h2");
    tcp_data(t, S(0.1), DEV, 50300, "198.51.100.4", 443, 64, w.b, w.n);
    assert_int_equal(find(t, 50300, 443)->svc, PP_FS_SUS);
    /* A configured server on a high port is the server even when its
     * packet is seen first. */
    udp(t, S(0.2), "198.51.100.5", 40000, DEV, 1000, NULL, 0);
    assert_non_null(find(t, 1000, 40000));

    /* A name, learned from DNS. */
    pp_flows_add_name(t, "MDM.Example.NET.", PP_FS_MDM);
    handshake(t, S(1), DEV, 50304, "203.0.113.70", 8443, 52);
    assert_int_equal(find(t, 50304, 8443)->svc, PP_FS_OTHER);
    dns_msg(&w, true, 0, "mdm.example.net", 4, mdm, 2);
    udp(t, S(2), "192.168.1.1", 53, DEV, 33100, w.b, w.n);
    assert_non_null(dns_obs(t, "mdm.example.net"));
    assert_int_equal(dns_obs(t, "mdm.example.net")->outside_apple, 0);
    handshake(t, S(3), DEV, 50305, "203.0.113.70", 8443, 52);
    handshake(t, S(3), DEV, 50306, "203.0.113.71", 2197, 52);
    assert_int_equal(find(t, 50305, 8443)->svc, PP_FS_MDM);
    assert_int_equal(find(t, 50306, 2197)->svc, PP_FS_MDM);
    /* A name, by SNI, case-insensitively. */
    pp_flows_add_name(t, "sus.example.org", PP_FS_SUS);
    handshake(t, S(4), DEV, 50307, "192.0.2.77", 443, 52);
    client_hello(&w, "SUS.example.ORG", "http/1.1");
    tcp_data(t, S(4.1), DEV, 50307, "192.0.2.77", 443, 64, w.b, w.n);
    assert_int_equal(find(t, 50307, 443)->svc, PP_FS_SUS);

    /* By port and Apple's range. */
    handshake(t, S(5), DEV, 50310, "17.57.144.10", 5223, 52);
    handshake(t, S(5), DEV, 50311, "17.188.1.1", 2197, 52);
    handshake(t, S(5), DEV, 50312, "17.253.1.1", 443, 52);
    handshake(t, S(5), "fd00::20", 50313, "2620:149:a44::10", 5223, 52);
    handshake(t, S(5), DEV, 50314, "203.0.113.5", 5223, 52);
    handshake(t, S(5), DEV, 50315, "192.168.1.5", 445, 64);
    handshake(t, S(5), DEV, 50316, "192.168.1.5", 548, 64);
    handshake(t, S(5), DEV, 50317, "192.168.1.5", 53, 64);
    udp(t, S(5), DEV, 50318, "17.253.1.1", 443, NULL, 0);
    assert_int_equal(find(t, 50310, 5223)->svc, PP_FS_COURIER);
    assert_int_equal(find(t, 50311, 2197)->svc, PP_FS_PROVIDER);
    assert_int_equal(find(t, 50312, 443)->svc, PP_FS_APPLE);
    assert_int_equal(find(t, 50313, 5223)->svc, PP_FS_COURIER);
    assert_int_equal(find(t, 50314, 5223)->svc, PP_FS_OTHER);
    assert_int_equal(find(t, 50315, 445)->svc, PP_FS_SMB);
    assert_int_equal(find(t, 50316, 548)->svc, PP_FS_AFP);
    assert_int_equal(find(t, 50317, 53)->svc, PP_FS_DNS);
    assert_int_equal(find(t, 50318, 443)->svc, PP_FS_APPLE);
    check_totals(t);
    pp_flows_free(t);
}

/* Timestamps going backwards: nothing negative, nothing crashes. */
static void
test_time_backwards(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flow *f;
    const struct pp_push_device *d;
    const struct pp_flows_stats *st = pp_flows_stats(t);
    static const uint8_t ping[] = {1, 2, 3};

    (void)state;
    tcp(t, S(100), DEV, 50400, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(90), COURIER_IP, 5223, DEV, 50400, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp_data(t, S(50), DEV, 50400, COURIER_IP, 5223, 64, ping, 3);
    tcp(t, S(10), COURIER_IP, 5223, DEV, 50400, PP_TCP_RST, 52);
    f = find(t, 50400, 5223);
    assert_int_equal(f->outcome, PP_FO_RESET);
    assert_true(f->rst_after_ms >= 0);
    assert_int_equal(f->last_us, S(100));
    assert_int_equal(st->first_us, S(10));
    assert_int_equal(st->last_us, S(100));
    d = device(t, DEV);
    assert_true(d->held_s >= 0);
    evidence_is(t, COURIER_IP, 5223, "reset by the server after 0.0 s");
    /* A SYN whose settle time is before it. */
    tcp(t, S(1000), DEV, 50401, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, S(5), DEV, 50402, COURIER_IP, 5223, PP_TCP_SYN, 64);
    pp_flows_settle(t, S(500));
    assert_int_equal(find(t, 50401, 5223)->outcome, PP_FO_PENDING);
    pp_flows_settle(t, S(2000));
    assert_int_equal(find(t, 50401, 5223)->outcome, PP_FO_UNANSWERED);
    assert_int_equal(find(t, 50402, 5223)->outcome, PP_FO_UNANSWERED);
    /* Extremes. */
    tcp(t, INT64_MAX, DEV, 50403, COURIER_IP, 5223, PP_TCP_SYN, 64);
    tcp(t, INT64_MIN, COURIER_IP, 5223, DEV, 50403, PP_TCP_SYN | PP_TCP_ACK, 52);
    tcp(t, INT64_MAX, COURIER_IP, 5223, DEV, 50403, PP_TCP_RST, 52);
    pp_flows_settle(t, INT64_MIN);
    pp_flows_settle(t, INT64_MAX - 1);
    pp_flows_settle(t, INT64_MAX);
    d = device(t, DEV);
    assert_true(d->held_s >= 0);
    check_totals(t);
    pp_flows_free(t);
}

/* Port 0, zero TTLs, a flow with itself, odd protocols. */
static void
test_odd_packets(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    struct pp_pkt p;
    size_t n;

    (void)state;
    tcp(t, S(0), DEV, 0, "203.0.113.5", 0, PP_TCP_SYN, 0);
    tcp(t, S(0), "203.0.113.5", 0, DEV, 0, PP_TCP_SYN | PP_TCP_ACK, 0);
    assert_int_equal(find(t, 0, 0)->outcome, PP_FO_ESTABLISHED);
    tcp(t, S(1), DEV, 7, DEV, 7, PP_TCP_SYN | PP_TCP_RST | PP_TCP_FIN, 64);
    udp(t, S(1), DEV, 9, DEV, 9, NULL, 0);
    p = pkt(47, DEV, 0, "203.0.113.5", 0, 64);       /* GRE */
    pp_flows_packet(t, S(2), &p);
    p = pkt(6, DEV, 1, "203.0.113.5", 2, 64);
    p.fragment = true;
    pp_flows_packet(t, S(2), &p);
    p = pkt(6, DEV, 1, "203.0.113.5", 2, 64);
    p.family = 5;
    pp_flows_packet(t, S(2), &p);
    pp_flows_list(t, &n);
    assert_int_equal(n, 3);
    assert_int_equal(pp_flows_stats(t)->flows_total, 3);
    pp_flows_settle(t, INT64_MAX);
    check_totals(t);
    pp_flows_free(t);
    pp_flows_free(NULL);
}

/* ---------------------------------------------------------- raw frames */

static uint16_t
csum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    size_t i;

    for (i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

/* An IPv4 + TCP frame (DLT_RAW) with payload. */
static size_t
frame_tcp(uint8_t *b, const char *src, uint16_t sport, const char *dst, uint16_t dport,
          uint8_t flags, uint8_t ttl, const uint8_t *data, size_t n)
{
    size_t len = 40 + n;
    uint16_t c;

    memset(b, 0, 40);
    b[0] = 0x45;
    b[2] = (uint8_t)(len >> 8);
    b[3] = (uint8_t)len;
    b[6] = 0x40;
    b[8] = ttl;
    b[9] = 6;
    assert_int_equal(inet_pton(AF_INET, src, b + 12), 1);
    assert_int_equal(inet_pton(AF_INET, dst, b + 16), 1);
    c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    b[20] = (uint8_t)(sport >> 8);
    b[21] = (uint8_t)sport;
    b[22] = (uint8_t)(dport >> 8);
    b[23] = (uint8_t)dport;
    b[27] = 1;
    b[32] = 0x50;
    b[33] = flags;
    b[34] = 0xff;
    if (n)
        memcpy(b + 40, data, n);
    return len;
}

/* An ICMP error (DLT_RAW) quoting the first 28 bytes of a sent frame. */
static size_t
frame_icmp(uint8_t *b, const char *from, const char *to, uint8_t type, uint8_t code,
           const uint8_t *quoted)
{
    size_t len = 20 + 8 + 28;
    uint16_t c;

    memset(b, 0, len);
    b[0] = 0x45;
    b[3] = (uint8_t)len;
    b[8] = 250;
    b[9] = 1;
    assert_int_equal(inet_pton(AF_INET, from, b + 12), 1);
    assert_int_equal(inet_pton(AF_INET, to, b + 16), 1);
    c = csum(b, 20);
    b[10] = (uint8_t)(c >> 8);
    b[11] = (uint8_t)c;
    b[20] = type;
    b[21] = code;
    memcpy(b + 28, quoted, 28);
    c = csum(b + 20, len - 20);
    b[22] = (uint8_t)(c >> 8);
    b[23] = (uint8_t)c;
    return len;
}

static void
test_frames(void **state)
{
    struct pp_flows *t = pp_flows_new(NULL);
    const struct pp_flows_stats *st = pp_flows_stats(t);
    const struct pp_flow *f;
    uint8_t b[1200], syn[64];
    struct wr hello;
    size_t n;
    static const uint8_t arp[] = {0, 1, 8, 0, 6, 4, 0, 1};

    (void)state;
    n = frame_tcp(b, DEV, 50500, COURIER_IP, 443, PP_TCP_SYN, 64, NULL, 0);
    pp_flows_frame(t, S(1), PP_LINK_RAW, b, n);
    n = frame_tcp(b, COURIER_IP, 443, DEV, 50500, PP_TCP_SYN | PP_TCP_ACK, 52, NULL, 0);
    pp_flows_frame(t, S(1.02), PP_LINK_RAW, b, n);
    client_hello(&hello, "courier.push.apple.com", "apns-security-v3");
    n = frame_tcp(b, DEV, 50500, COURIER_IP, 443, PP_TCP_ACK | PP_TCP_PSH, 64, hello.b, hello.n);
    pp_flows_frame(t, S(1.03), PP_LINK_RAW, b, n);
    f = find(t, 50500, 443);
    assert_non_null(f);
    assert_int_equal(f->outcome, PP_FO_ESTABLISHED);
    assert_int_equal(f->svc, PP_FS_COURIER);
    assert_string_equal(f->sni, "courier.push.apple.com");
    assert_int_equal(f->server_ttl, 52);
    assert_int_equal(f->bytes[PP_DIR_C2S], 80 + hello.n);
    /* Cut by the snaplen: still counted. */
    n = frame_tcp(b, COURIER_IP, 443, DEV, 50500, PP_TCP_ACK, 52, hello.b, 100);
    pp_flows_frame(t, S(1.04), PP_LINK_RAW, b, n - 50);
    assert_int_equal(st->truncated, 1);
    assert_int_equal(f->pkts[PP_DIR_S2C], 2);

    /* A SYN killed by an ICMP error quoting it. */
    n = frame_tcp(syn, DEV, 50501, "203.0.113.5", 5223, PP_TCP_SYN, 64, NULL, 0);
    pp_flows_frame(t, S(2), PP_LINK_RAW, syn, n);
    n = frame_icmp(b, "10.20.0.1", DEV, 3, 10, syn);
    pp_flows_frame(t, S(2.01), PP_LINK_RAW, b, n);
    f = find(t, 50501, 5223);
    assert_int_equal(f->outcome, PP_FO_ICMP);
    evidence_is(t, "203.0.113.5", 5223, "ICMP type 3 code 10 from 10.20.0.1");
    assert_int_equal(st->icmp_errors, 1);

    /* Not IP, and junk. */
    pp_flows_frame(t, S(3), PP_LINK_RAW, arp, sizeof(arp));
    pp_flows_frame(t, S(3), PP_LINK_ETHERNET, arp, 3);
    assert_int_equal(st->frames, 8);
    assert_int_equal(st->by_status[PP_PKT_OK], 6);
    assert_int_equal(st->by_status[PP_PKT_OK] + st->by_status[PP_PKT_NOT_IP] +
                     st->by_status[PP_PKT_UNSUPPORTED] + st->by_status[PP_PKT_MALFORMED], 8);
    assert_int_equal(st->last_us, S(3));
    check_totals(t);
    pp_flows_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_ttl_hops),
        cmocka_unit_test(test_established_closed),
        cmocka_unit_test(test_unanswered),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_refused_middlebox),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_client_rst),
        cmocka_unit_test(test_icmp),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_retire),
        cmocka_unit_test(test_late_after_retire),
        cmocka_unit_test(test_iface_proc),
        cmocka_unit_test(test_flood),
        cmocka_unit_test(test_rst_storm),
        cmocka_unit_test(test_push_holding),
        cmocka_unit_test(test_push_retry),
        cmocka_unit_test(test_dns),
        cmocka_unit_test(test_svc_config),
        cmocka_unit_test(test_time_backwards),
        cmocka_unit_test(test_odd_packets),
        cmocka_unit_test(test_frames),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
