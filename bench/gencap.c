/* SPDX-License-Identifier: ISC */
/*
 * bench/gencap: the synthetic capture for bench/capture.sh.  Writes N
 * packets of classic pcap (magic 0xa1b2c3d4, version 2.4, snaplen 262144,
 * Ethernet) that look like a site's uplink: many TCP flows at once, each
 * with its handshake, a TLS ClientHello, data both ways and a FIN close
 * (most of them web traffic from 10.1.0.0/16 and 2001:db8:1::/64 to
 * 198.18.0.0/15 and 2001:db8:ff::/48, TLS on 443 and plain HTTP on 80),
 * and among them the things pushprobe looks for:
 *   - courier flows to 17.57.144.0/22 on 5223 and 443 (IPv4) and to
 *     2620:149:a44::/48 on 5223 (IPv6), ClientHello with SNI
 *     "N-courier.push.apple.com" and ALPN "apns-security-v3"; a few held
 *     open to the end of the file;
 *   - SYNs to 5223 sent 3 times (at 0, 1 s and 3 s) with no answer;
 *   - SYNs answered by RST/ACK (refused);
 *   - resets mid-flow: from a middlebox to courier flows (TTL 63 where the
 *     server's packets arrive with 47..56), and from the web server itself;
 *   - ICMP type 3 code 13 from the router, quoting the SYN it stopped;
 *   - TLS alerts (handshake_failure) on courier 443 flows;
 *   - DNS over UDP 53: A queries for N-courier.push.apple.com, answered by
 *     a CNAME and two A records in 17.0.0.0/8.
 * At most WINDOW flows are open at once: a flow starts when another ends,
 * so flows grow with N and open flows do not.  A flow is started only if
 * all its packets fit in N, so every flow is whole; what is left at the
 * very end (a packet at most) is filled with ARP.  The IPv4 and ICMP
 * checksums are right; TCP's and UDP's are zero.
 * The random numbers come from a fixed seed: the same N gives the same
 * file.  What was written goes to stderr, with the counts pushprobe should
 * report as "gencap: expect KEY VALUE" lines.
 * Usage: gencap N FILE
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 2000             /* flows open at once, at most */
#define MAXSTEPS 128            /* packets in one flow, at most */
#define NCLIENT4 1000           /* 10.1.0.0/16 */
#define NCLIENT6 200            /* 2001:db8:1::/64 */
#define MSS 1448
#define EPOCH 1700000000        /* the capture's first second */

#define F_FIN 0x01
#define F_SYN 0x02
#define F_RST 0x04
#define F_PSH 0x08
#define F_ACK 0x10

enum kind {
    K_WEB, K_WEB6, K_COURIER, K_COURIER443, K_COURIER6, K_HOLD, K_UNANSWERED, K_REFUSED,
    K_RESET_MB, K_RESET, K_ICMP, K_ALERT, K_DNS, K__COUNT
};

/* Per kind: what pushprobe should call the flow, and the share of flows
 * (per 1000) that are of this kind. */
static const struct {
    const char *name;
    const char *svc;
    const char *outcome;
    unsigned weight;
} kinds[K__COUNT] = {
    [K_WEB] = {"web", "other", "closed", 575},
    [K_WEB6] = {"web-ipv6", "other", "closed", 80},
    [K_COURIER] = {"courier-5223", "courier", "closed", 100},
    [K_COURIER443] = {"courier-443", "courier", "closed", 40},
    [K_COURIER6] = {"courier-ipv6", "courier", "closed", 20},
    [K_HOLD] = {"courier-held-open", "courier", "established", 10},
    [K_UNANSWERED] = {"syn-unanswered", "courier", "unanswered", 20},
    [K_REFUSED] = {"refused", "courier", "refused", 20},
    [K_RESET_MB] = {"reset-by-middlebox", "courier", "reset-by-middlebox", 15},
    [K_RESET] = {"reset-by-server", "other", "reset", 15},
    [K_ICMP] = {"icmp-3-13", "courier", "icmp", 15},
    [K_ALERT] = {"tls-alert", "courier", "tls-alert", 5},
    [K_DNS] = {"dns", "dns", "udp", 85},
};

enum dir { D_C2S, D_S2C, D_ROUTER };
/* Payloads: the client's first (a ClientHello, or a GET on port 80), the
 * server's first answer (TLS handshake records), the first segment of a
 * response, any other data segment (a TLS record of its own each, or body
 * bytes on port 80), an alert, DNS, the ICMP error. */
enum what { P_NONE, P_HELLO, P_HS, P_RESP, P_TLS, P_ALERT, P_DNSQ, P_DNSA, P_ICMP };

struct step {
    uint8_t dir;
    uint8_t flags;
    uint8_t what;
    uint8_t ttl;                /* 0: the sender's usual */
    uint16_t len;               /* payload bytes (P_TLS, P_HS, P_RESP) */
    uint16_t total;             /* P_HS, P_RESP: bytes of the whole response */
    uint32_t gap_us;            /* at least this long after the step before */
};

struct flow {
    enum kind kind;
    uint8_t family;             /* 4 or 6 */
    uint8_t proto;              /* 6 or 17 */
    uint8_t cli[16];
    uint8_t srv[16];
    uint16_t cport;
    uint16_t sport;
    uint16_t cmac;              /* low bytes of the client's MAC */
    uint8_t srv_ttl;
    unsigned sni_n;             /* the N of N-courier, or of cdnN */
    uint32_t isn_c, isn_s, cseq, sseq;
    uint16_t ipid_c, ipid_s, syn_ipid, dns_id;
    int n, pos;
    int64_t due;                /* earliest time of the next step */
    struct step s[MAXSTEPS];
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint8_t pool[65536 + MSS];   /* random bytes for payloads */
static const uint8_t gw_mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};

static uint64_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned
range(unsigned lo, unsigned hi)
{
    return lo + (unsigned)(rnd() % (hi - lo + 1));
}

static void
put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void
fill(uint8_t *p, size_t n)
{
    memcpy(p, pool + rnd() % 65536, n);
}

/* ------------------------------------------------------------ scripts */

static void
add(struct flow *f, enum dir d, uint8_t flags, enum what w, unsigned len, uint32_t gap)
{
    struct step *s;

    if (f->n >= MAXSTEPS) {
        fprintf(stderr, "gencap: a flow of more than %d packets\n", MAXSTEPS);
        exit(2);
    }
    s = &f->s[f->n++];
    memset(s, 0, sizeof(*s));
    s->dir = (uint8_t)d;
    s->flags = flags;
    s->what = (uint8_t)w;
    s->len = (uint16_t)len;
    s->gap_us = gap;
}

static void
handshake(struct flow *f)
{
    add(f, D_C2S, F_SYN, P_NONE, 0, 0);
    add(f, D_S2C, F_SYN | F_ACK, P_NONE, 0, 0);
    add(f, D_C2S, F_ACK, P_NONE, 0, 0);
}

/* bytes from the server in full segments, the client acking every second
 * one; first: the record type of the first segment. */
static void
server_sends(struct flow *f, unsigned bytes, enum what first)
{
    unsigned k = 0, total = bytes;

    while (bytes > 0) {
        unsigned seg = bytes < MSS ? bytes : MSS;
        if (seg < 6)
            seg = 6;
        bytes = bytes > seg ? bytes - seg : 0;
        add(f, D_S2C, bytes == 0 ? F_PSH | F_ACK : F_ACK, k == 0 ? first : P_TLS, seg, 0);
        f->s[f->n - 1].total = (uint16_t)total;
        if (++k % 2 == 0 && bytes > 0)
            add(f, D_C2S, F_ACK, P_NONE, 0, 0);
    }
    add(f, D_C2S, F_ACK, P_NONE, 0, 0);
}

static void
client_sends(struct flow *f, unsigned bytes)
{
    add(f, D_C2S, F_PSH | F_ACK, P_TLS, bytes, 0);
}

static void
close_flow(struct flow *f)
{
    bool client_first = rnd() % 4 != 0;
    enum dir a = client_first ? D_C2S : D_S2C, b = client_first ? D_S2C : D_C2S;

    add(f, a, F_FIN | F_ACK, P_NONE, 0, 0);
    add(f, b, F_FIN | F_ACK, P_NONE, 0, 0);
    add(f, a, F_ACK, P_NONE, 0, 0);
}

/* A response size: mostly small, now and then a page or an image. */
static unsigned
response_size(void)
{
    unsigned r = range(0, 99);

    if (r < 60)
        return range(200, 1400);
    if (r < 90)
        return range(1400, 6000);
    return range(6000, 14000);
}

static void
web_script(struct flow *f, bool reset)
{
    unsigned rounds = range(1, 4), i;

    handshake(f);
    add(f, D_C2S, F_PSH | F_ACK, P_HELLO, 0, 0);
    server_sends(f, range(2500, 5500), P_HS);
    client_sends(f, range(64, 130));
    for (i = 0; i < rounds; i++) {
        client_sends(f, range(90, 700));
        if (reset && i == rounds - 1) {
            add(f, D_S2C, F_RST | F_ACK, P_NONE, 0, 0);
            return;
        }
        server_sends(f, response_size(), P_RESP);
    }
    close_flow(f);
}

/* A push connection: handshake, hello, a few notifications and
 * keep-alives; closed, held open, or reset by a middlebox. */
static void
courier_script(struct flow *f, bool close, bool reset_mb)
{
    unsigned pushes = range(1, 4), i;

    handshake(f);
    add(f, D_C2S, F_PSH | F_ACK, P_HELLO, 0, 0);
    server_sends(f, range(3000, 4500), P_HS);
    client_sends(f, range(64, 150));
    add(f, D_S2C, F_ACK, P_NONE, 0, 0);
    for (i = 0; i < pushes; i++) {
        add(f, D_S2C, F_PSH | F_ACK, P_TLS, range(80, 400), 0);
        add(f, D_C2S, F_ACK, P_NONE, 0, 0);
        if (reset_mb && i == 0) {
            add(f, D_S2C, F_RST, P_NONE, 0, 0);
            f->s[f->n - 1].ttl = 63;    /* one hop away: not the server */
            return;
        }
        client_sends(f, range(40, 100));
        add(f, D_S2C, F_ACK, P_NONE, 0, 0);
    }
    if (close)
        close_flow(f);
}

static void
script(struct flow *f)
{
    f->n = 0;
    f->pos = 0;
    switch (f->kind) {
    case K_WEB:
    case K_WEB6:
        web_script(f, false);
        break;
    case K_RESET:
        web_script(f, true);
        break;
    case K_COURIER:
    case K_COURIER443:
    case K_COURIER6:
        courier_script(f, true, false);
        break;
    case K_HOLD:
        courier_script(f, false, false);
        break;
    case K_RESET_MB:
        courier_script(f, false, true);
        break;
    case K_UNANSWERED:
        /* Linux's schedule: the first retransmission after 1 s, then 2 s. */
        add(f, D_C2S, F_SYN, P_NONE, 0, 0);
        add(f, D_C2S, F_SYN, P_NONE, 0, 1000000);
        add(f, D_C2S, F_SYN, P_NONE, 0, 2000000);
        break;
    case K_REFUSED:
        add(f, D_C2S, F_SYN, P_NONE, 0, 0);
        add(f, D_S2C, F_RST | F_ACK, P_NONE, 0, 0);
        break;
    case K_ICMP:
        add(f, D_C2S, F_SYN, P_NONE, 0, 0);
        add(f, D_ROUTER, 0, P_ICMP, 0, 0);
        break;
    case K_ALERT:
        handshake(f);
        add(f, D_C2S, F_PSH | F_ACK, P_HELLO, 0, 0);
        add(f, D_S2C, F_PSH | F_ACK, P_ALERT, 0, 0);
        add(f, D_S2C, F_FIN | F_ACK, P_NONE, 0, 0);
        add(f, D_C2S, F_FIN | F_ACK, P_NONE, 0, 0);
        add(f, D_S2C, F_ACK, P_NONE, 0, 0);
        break;
    case K_DNS:
        add(f, D_C2S, 0, P_DNSQ, 0, 0);
        add(f, D_S2C, 0, P_DNSA, 0, range(500, 30000));
        break;
    default:
        break;
    }
}

/* The TTL the server's packets arrive with: 8 to 17 hops from 64. */
static uint8_t
server_ttl(const uint8_t a[16])
{
    unsigned h = 0, i;

    for (i = 0; i < 16; i++)
        h = h * 31 + a[i];
    return (uint8_t)(64 - 8 - h % 10);
}

/* Addresses and ports: the client's from the flow number, so no two flows
 * share a 5-tuple. */
static void
place(struct flow *f, uint64_t fid)
{
    bool v6 = f->kind == K_WEB6 || f->kind == K_COURIER6;
    unsigned nc = v6 ? NCLIENT6 : NCLIENT4, ci = (unsigned)(fid % nc);

    memset(f->cli, 0, 16);
    memset(f->srv, 0, 16);
    f->family = v6 ? 6 : 4;
    f->proto = f->kind == K_DNS ? 17 : 6;
    f->cport = (uint16_t)(32768 + (fid / nc) % 28000);
    f->cmac = (uint16_t)(ci + (v6 ? 0x8000 : 0));
    if (v6) {
        static const uint8_t c6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0};
        memcpy(f->cli, c6, 8);
        f->cli[8] = 0x02;
        put16(f->cli + 14, ci + 1);
    } else {
        f->cli[0] = 10;
        f->cli[1] = 1;
        f->cli[2] = (uint8_t)(ci / 250);
        f->cli[3] = (uint8_t)(ci % 250 + 1);
    }
    f->sni_n = range(1, 50);
    switch (f->kind) {
    case K_WEB:
    case K_RESET:
        f->srv[0] = 198;        /* 198.18.0.0/15, the benchmarking range */
        f->srv[1] = 18;
        f->srv[2] = (uint8_t)range(0, 63);
        f->srv[3] = (uint8_t)range(1, 250);
        f->sport = rnd() % 8 == 0 ? 80 : 443;
        f->sni_n = range(1, 5000);
        break;
    case K_WEB6: {
        static const uint8_t s6[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0};
        memcpy(f->srv, s6, 8);
        put16(f->srv + 14, range(1, 4096));
        f->sport = 443;
        f->sni_n = range(1, 5000);
        break;
    }
    case K_COURIER6: {
        static const uint8_t a6[8] = {0x26, 0x20, 0x01, 0x49, 0x0a, 0x44, 0, 0};
        memcpy(f->srv, a6, 8);
        put16(f->srv + 14, range(1, 256));
        f->sport = 5223;
        break;
    }
    case K_DNS:
        f->srv[0] = 10;
        f->srv[3] = 53;
        f->sport = 53;
        break;
    default:
        f->srv[0] = 17;
        f->srv[1] = 57;
        f->srv[2] = (uint8_t)range(144, 147);
        f->srv[3] = (uint8_t)range(1, 250);
        f->sport = f->kind == K_COURIER443 || f->kind == K_ALERT ? 443 : 5223;
        break;
    }
    f->srv_ttl = f->kind == K_DNS ? 64 : server_ttl(f->srv);
    f->isn_c = (uint32_t)rnd();
    f->isn_s = (uint32_t)rnd();
    f->cseq = f->isn_c;
    f->sseq = f->isn_s;
    f->ipid_c = (uint16_t)rnd();
    f->ipid_s = (uint16_t)rnd();
    f->dns_id = (uint16_t)rnd();
}

/* ------------------------------------------------------------ payloads */

/* labels of a dotted name; returns the bytes written. */
static size_t
put_name(uint8_t *p, const char *name)
{
    size_t o = 0;

    while (*name != '\0') {
        const char *dot = strchr(name, '.');
        size_t l = dot != NULL ? (size_t)(dot - name) : strlen(name);
        p[o++] = (uint8_t)l;
        memcpy(p + o, name, l);
        o += l;
        name += l + (dot != NULL);
    }
    p[o++] = 0;
    return o;
}

static size_t
client_hello(uint8_t *p, const struct flow *f)
{
    static const uint16_t suites[] = {
        0x1301, 0x1302, 0x1303, 0xc02c, 0xc02b, 0xcca9, 0xc030, 0xc02f, 0xcca8, 0xc00a,
        0xc009, 0xc014, 0xc013, 0x009d, 0x009c, 0x0035, 0x002f
    };
    static const uint8_t groups[] = {0, 10, 0, 8, 0, 6, 0, 0x1d, 0, 0x17, 0, 0x18};
    static const uint8_t sigalgs[] = {0, 13, 0, 10, 0, 8, 4, 3, 8, 4, 4, 1, 5, 1};
    static const uint8_t versions[] = {0, 43, 0, 5, 4, 3, 4, 3, 3};
    static const uint8_t apns[] = "\x10" "apns-security-v3";
    static const uint8_t web[] = "\x02" "h2" "\x08" "http/1.1";
    bool courier = f->kind != K_WEB && f->kind != K_WEB6 && f->kind != K_RESET;
    const uint8_t *alpn = courier ? apns : web;
    size_t alen = courier ? sizeof(apns) - 1 : sizeof(web) - 1;
    char sni[64];
    size_t o = 0, hs, ext, sl, i, hl;

    if (courier)
        snprintf(sni, sizeof(sni), "%u-courier.push.apple.com", f->sni_n);
    else
        snprintf(sni, sizeof(sni), "cdn%u.example.net", f->sni_n);
    sl = strlen(sni);
    p[o++] = 0x16;              /* record: handshake, TLS 1.0 on the wire */
    p[o++] = 3;
    p[o++] = 1;
    o += 2;
    hs = o;
    p[o++] = 1;                 /* ClientHello */
    o += 3;
    p[o++] = 3;                 /* legacy_version 1.2 */
    p[o++] = 3;
    fill(p + o, 32);
    o += 32;
    p[o++] = 32;
    fill(p + o, 32);
    o += 32;
    put16(p + o, sizeof(suites));
    o += 2;
    for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++, o += 2)
        put16(p + o, suites[i]);
    p[o++] = 1;                 /* compression: null only */
    p[o++] = 0;
    ext = o;
    o += 2;
    put16(p + o, 0);            /* server_name */
    put16(p + o + 2, (unsigned)sl + 5);
    put16(p + o + 4, (unsigned)sl + 3);
    p[o + 6] = 0;               /* host_name */
    put16(p + o + 7, (unsigned)sl);
    memcpy(p + o + 9, sni, sl);
    o += 9 + sl;
    memcpy(p + o, groups, sizeof(groups));
    o += sizeof(groups);
    memcpy(p + o, sigalgs, sizeof(sigalgs));
    o += sizeof(sigalgs);
    put16(p + o, 16);           /* ALPN */
    put16(p + o + 2, (unsigned)alen + 2);
    put16(p + o + 4, (unsigned)alen);
    memcpy(p + o + 6, alpn, alen);
    o += 6 + alen;
    memcpy(p + o, versions, sizeof(versions));
    o += sizeof(versions);
    put16(p + o, 51);           /* key_share: one x25519 key */
    put16(p + o + 2, 38);
    put16(p + o + 4, 36);
    put16(p + o + 6, 0x1d);
    put16(p + o + 8, 32);
    fill(p + o + 10, 32);
    o += 42;
    put16(p + ext, (unsigned)(o - ext - 2));
    hl = o - hs - 4;
    p[hs + 1] = (uint8_t)(hl >> 16);
    put16(p + hs + 2, (unsigned)(hl & 0xffff));
    put16(p + 3, (unsigned)(o - 5));
    return o;
}

/* Plain HTTP on port 80: a GET from the client; from the server a status
 * line and headers starting a response, else body bytes. */
static size_t
http(uint8_t *p, const struct flow *f, const struct step *s)
{
    char h[256];
    int n, i;

    if (s->dir == D_C2S)
        n = snprintf(h, sizeof(h), "GET /assets/%u/%u.js HTTP/1.1\r\nHost: cdn%u.example.net\r\n"
                     "User-Agent: Mozilla/5.0\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n",
                     f->sni_n, (unsigned)f->pos, f->sni_n);
    else if (s->what == P_HS || s->what == P_RESP)
        /* Content-Length: what follows the headers, whose length it changes. */
        for (i = 0, n = 0; i < 3; i++)
            n = snprintf(h, sizeof(h), "HTTP/1.1 200 OK\r\nContent-Type: "
                         "application/octet-stream\r\nContent-Length: %u\r\n\r\n",
                         s->total - (unsigned)n);
    else
        n = 0;
    if (n < 0)
        n = 0;
    memcpy(p, h, (size_t)n);
    if (s->dir == D_C2S || (size_t)n >= s->len)
        return (size_t)n;
    fill(p + n, s->len - (size_t)n);
    /* Body bytes: never a 0x15 first, which would start a TLS alert. */
    if (n == 0)
        p[0] |= 0x80;
    return s->len;
}

/* One TLS record filling len bytes (type 22 or 23), or an alert. */
static size_t
tls_record(uint8_t *p, enum what w, unsigned len)
{
    if (w == P_ALERT) {
        static const uint8_t alert[] = {21, 3, 3, 0, 2, 2, 40}; /* fatal handshake_failure */
        memcpy(p, alert, sizeof(alert));
        return sizeof(alert);
    }
    p[0] = w == P_HS ? 22 : 23;
    p[1] = 3;
    p[2] = 3;
    put16(p + 3, len - 5);
    fill(p + 5, len - 5);
    return len;
}

static size_t
dns_message(uint8_t *p, const struct flow *f, bool answer)
{
    char q[64], target[64];
    size_t o = 12, cname_at, rdlen;
    unsigned i;

    snprintf(q, sizeof(q), "%u-courier.push.apple.com", f->sni_n);
    snprintf(target, sizeof(target), "%u.courier-push-apple.com.akadns.net", f->sni_n);
    put16(p, f->dns_id);
    put16(p + 2, answer ? 0x8180 : 0x0100);
    put16(p + 4, 1);
    put16(p + 6, answer ? 3 : 0);
    put16(p + 8, 0);
    put16(p + 10, 0);
    o += put_name(p + o, q);
    put16(p + o, 1);            /* A, IN */
    put16(p + o + 2, 1);
    o += 4;
    if (!answer)
        return o;
    put16(p + o, 0xc00c);       /* the question's name */
    put16(p + o + 2, 5);        /* CNAME */
    put16(p + o + 4, 1);
    put32(p + o + 6, 300);
    cname_at = o + 12;
    rdlen = put_name(p + cname_at, target);
    put16(p + o + 10, (unsigned)rdlen);
    o = cname_at + rdlen;
    for (i = 0; i < 2; i++) {
        put16(p + o, 0xc000 | (unsigned)cname_at);
        put16(p + o + 2, 1);
        put16(p + o + 4, 1);
        put32(p + o + 6, 60);
        put16(p + o + 10, 4);
        p[o + 12] = 17;
        p[o + 13] = 57;
        p[o + 14] = (uint8_t)(144 + (f->sni_n + i) % 4);
        p[o + 15] = (uint8_t)(f->sni_n * 5 + i);
        o += 16;
    }
    return o;
}

/* ------------------------------------------------------------ frames */

static void
macs(uint8_t *b, const struct flow *f, bool to_client)
{
    uint8_t cm[6] = {0x02, 0x00, 0x0a, 0x01, (uint8_t)(f->cmac >> 8), (uint8_t)f->cmac};

    memcpy(b, to_client ? cm : gw_mac, 6);
    memcpy(b + 6, to_client ? gw_mac : cm, 6);
}

/* The Internet checksum of len bytes (even). */
static unsigned
cksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    size_t i;

    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

static void
ipv4_header(uint8_t *ip, unsigned total, uint16_t id, uint8_t ttl, uint8_t proto,
            const uint8_t *src, const uint8_t *dst)
{
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, total);
    put16(ip + 4, id);
    put16(ip + 6, 0x4000);      /* DF */
    ip[8] = ttl;
    ip[9] = proto;
    put16(ip + 10, 0);
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    put16(ip + 10, cksum(ip, 20));
}

/* ICMP type 3 code 13 from the router to the client, quoting the SYN as
 * it reached the router (TTL one less). */
static size_t
icmp_frame(uint8_t *b, const struct flow *f)
{
    static const uint8_t router[4] = {10, 0, 0, 1};
    uint8_t *ip = b + 14, *ic = ip + 20, *q = ic + 8;

    macs(b, f, true);
    put16(b + 12, 0x0800);
    ipv4_header(ip, 20 + 8 + 28, (uint16_t)rnd(), 255, 1, router, f->cli);
    ic[0] = 3;
    ic[1] = 13;
    memset(ic + 2, 0, 6);
    ipv4_header(q, 20 + 40, f->syn_ipid, 63, 6, f->cli, f->srv);
    put16(q + 20, f->cport);
    put16(q + 22, f->sport);
    put32(q + 24, f->isn_c);
    put16(ic + 2, cksum(ic, 8 + 28));
    return 14 + 20 + 8 + 28;
}

/* The frame of the flow's current step, into b; its length. */
static size_t
frame(uint8_t *b, struct flow *f, int64_t now)
{
    const struct step *s = &f->s[f->pos];
    bool c2s = s->dir == D_C2S, v6 = f->family == 6;
    const uint8_t *src = c2s ? f->cli : f->srv, *dst = c2s ? f->srv : f->cli;
    uint8_t *ip = b + 14, *l4 = ip + (v6 ? 40 : 20), *pl;
    uint8_t ttl = s->ttl ? s->ttl : c2s ? 64 : f->srv_ttl;
    size_t thl, plen = 0, l4len;
    uint16_t id;

    if (s->dir == D_ROUTER)
        return icmp_frame(b, f);
    macs(b, f, !c2s);
    put16(b + 12, v6 ? 0x86dd : 0x0800);
    if (f->proto == 17) {
        pl = l4 + 8;
        plen = dns_message(pl, f, s->what == P_DNSA);
        put16(l4, c2s ? f->cport : f->sport);
        put16(l4 + 2, c2s ? f->sport : f->cport);
        put16(l4 + 4, (unsigned)(8 + plen));
        put16(l4 + 6, 0);
        l4len = 8 + plen;
    } else {
        uint32_t seq, ack;
        uint32_t tsval = (uint32_t)(now / 1000);
        thl = (s->flags & F_SYN) ? 40 : (s->flags & F_RST) ? 20 : 32;
        pl = l4 + thl;
        if (f->sport == 80 && s->what != P_NONE)
            plen = http(pl, f, s);
        else if (s->what == P_HELLO)
            plen = client_hello(pl, f);
        else if (s->what != P_NONE)
            plen = tls_record(pl, (enum what)s->what, s->len);
        if (s->flags & F_SYN) {
            seq = c2s ? f->isn_c : f->isn_s;
            if (c2s)
                f->cseq = f->isn_c + 1;
            else
                f->sseq = f->isn_s + 1;
        } else {
            seq = c2s ? f->cseq : f->sseq;
        }
        ack = (s->flags & F_ACK) ? (c2s ? f->sseq : f->cseq) : 0;
        if (f->kind == K_REFUSED && (s->flags & F_RST))
            seq = 0;            /* RST/ACK answering a SYN */
        if (c2s)
            f->cseq += (uint32_t)plen + (s->flags & F_FIN ? 1 : 0);
        else
            f->sseq += (uint32_t)plen + (s->flags & F_FIN ? 1 : 0);
        put16(l4, c2s ? f->cport : f->sport);
        put16(l4 + 2, c2s ? f->sport : f->cport);
        put32(l4 + 4, seq);
        put32(l4 + 8, ack);
        l4[12] = (uint8_t)(thl / 4 << 4);
        l4[13] = s->flags;
        put16(l4 + 14, (s->flags & F_SYN) ? 65535 : (s->flags & F_RST) ? 0 : 2053);
        put32(l4 + 16, 0);      /* checksum and urgent pointer */
        if (thl == 40) {
            static const uint8_t o[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0,
                                          0, 0, 1, 3, 3, 7};
            memcpy(l4 + 20, o, 20);
            put32(l4 + 28, tsval);
            if (!c2s)
                put32(l4 + 32, tsval - 7);
        } else if (thl == 32) {
            l4[20] = 1;
            l4[21] = 1;
            l4[22] = 8;
            l4[23] = 10;
            put32(l4 + 24, tsval);
            put32(l4 + 28, tsval - 7);
        }
        l4len = thl + plen;
    }
    id = c2s ? f->ipid_c++ : f->ipid_s++;
    if ((s->flags & F_SYN) && c2s)
        f->syn_ipid = id;
    if (v6) {
        put32(ip, 0x60000000);
        put16(ip + 4, (unsigned)l4len);
        ip[6] = f->proto;
        ip[7] = ttl;
        memcpy(ip + 8, src, 16);
        memcpy(ip + 24, dst, 16);
        return 14 + 40 + l4len;
    }
    ipv4_header(ip, (unsigned)(20 + l4len), id, ttl, f->proto, src, dst);
    return 14 + 20 + l4len;
}

/* An ARP who-has: the filler at the end. */
static size_t
arp_frame(uint8_t *b)
{
    static const uint8_t a[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01, 0x08, 0x06,
        0, 1, 8, 0, 6, 4, 0, 1, 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01, 10, 0, 0, 1,
        0, 0, 0, 0, 0, 0, 10, 1, 0, 7
    };

    memcpy(b, a, sizeof(a));
    return sizeof(a);
}

/* ------------------------------------------------------------ main */

struct gen {
    uint64_t want;              /* packets to write */
    uint64_t done;              /* written */
    uint64_t pending;           /* packets the open flows still have to send */
    uint64_t fid;               /* flows started */
    uint64_t bytes;
    uint64_t arp;
    uint64_t count[K__COUNT];
    int64_t now;                /* microseconds */
    unsigned open, max_open;
    bool live[WINDOW];
    struct flow *slot;
    FILE *out;
};

static enum kind
pick_kind(void)
{
    unsigned r = range(0, 999), k, acc = 0;

    for (k = 0; k < K__COUNT; k++) {
        acc += kinds[k].weight;
        if (r < acc)
            return (enum kind)k;
    }
    return K_WEB;
}

/* Start a flow in slot i if all of it fits in what is left to write. */
static void
start(struct gen *g, unsigned i)
{
    struct flow *f = &g->slot[i];
    uint64_t left = g->want - g->done - g->pending;

    f->kind = pick_kind();
    script(f);
    if ((uint64_t)f->n > left) {
        f->kind = K_DNS;
        script(f);
        if ((uint64_t)f->n > left)
            return;
    }
    place(f, g->fid++);
    f->due = g->now;
    g->pending += (uint64_t)f->n;
    g->count[f->kind]++;
    g->live[i] = true;
    if (++g->open > g->max_open)
        g->max_open = g->open;
}

static void
emit(struct gen *g, const uint8_t *b, size_t len)
{
    uint8_t h[16];
    uint32_t sec = (uint32_t)(EPOCH + g->now / 1000000), usec = (uint32_t)(g->now % 1000000);

    h[0] = (uint8_t)sec;            /* the record header is in the writer's order: */
    h[1] = (uint8_t)(sec >> 8);     /* little-endian, as the magic says */
    h[2] = (uint8_t)(sec >> 16);
    h[3] = (uint8_t)(sec >> 24);
    h[4] = (uint8_t)usec;
    h[5] = (uint8_t)(usec >> 8);
    h[6] = (uint8_t)(usec >> 16);
    h[7] = (uint8_t)(usec >> 24);
    h[8] = (uint8_t)len;
    h[9] = (uint8_t)(len >> 8);
    h[10] = (uint8_t)(len >> 16);
    h[11] = (uint8_t)(len >> 24);
    memcpy(h + 12, h + 8, 4);
    if (fwrite(h, 1, 16, g->out) != 16 || fwrite(b, 1, len, g->out) != len) {
        perror("gencap: writing");
        exit(1);
    }
    g->done++;
    g->bytes += 16 + len;
}

/* A flow whose next packet is due: a few random tries, else the one due
 * first (the clock jumps to it). */
static int
next_flow(struct gen *g)
{
    int64_t best_due = INT64_MAX;
    int best = -1;
    unsigned t, i;

    for (t = 0; t < 64; t++) {
        i = (unsigned)(rnd() % WINDOW);
        if (g->live[i] && g->slot[i].due <= g->now)
            return (int)i;
    }
    for (i = 0; i < WINDOW; i++)
        if (g->live[i] && g->slot[i].due < best_due) {
            best_due = g->slot[i].due;
            best = (int)i;
        }
    if (best >= 0 && best_due > g->now)
        g->now = best_due;
    return best;
}

static void
expect(const char *key, uint64_t v)
{
    fprintf(stderr, "gencap: expect %s %llu\n", key, (unsigned long long)v);
}

static void
summary(const struct gen *g, const char *file)
{
    uint64_t flows = 0, up = 0, failed = 0, courier = 0, agg;
    unsigned k, j;

    for (k = 0; k < K__COUNT; k++)
        flows += g->count[k];
    fprintf(stderr, "gencap: %llu packets (%llu bytes) to %s, %.3f s of traffic\n",
            (unsigned long long)g->done, (unsigned long long)g->bytes, file, (double)g->now / 1e6);
    fprintf(stderr, "gencap: %llu flows, at most %u open at once; %llu ARP at the end\n",
            (unsigned long long)flows, g->max_open, (unsigned long long)g->arp);
    for (k = 0; k < K__COUNT; k++)
        fprintf(stderr, "gencap:   %-19s %8llu  (pushprobe: %s %s)\n", kinds[k].name,
                (unsigned long long)g->count[k], kinds[k].svc, kinds[k].outcome);
    expect("packets", g->done);
    expect("flows_total", flows);
    expect("not-ip", g->arp);
    expect("icmp_errors", g->count[K_ICMP]);
    /* Outcomes by service, kinds with the same pair added up. */
    for (k = 0; k < K__COUNT; k++) {
        char key[96];
        bool first = true;
        for (j = 0; j < k; j++)
            first &= strcmp(kinds[j].svc, kinds[k].svc) != 0 ||
                     strcmp(kinds[j].outcome, kinds[k].outcome) != 0;
        if (!first)
            continue;
        agg = 0;
        for (j = k; j < K__COUNT; j++)
            if (strcmp(kinds[j].svc, kinds[k].svc) == 0 &&
                strcmp(kinds[j].outcome, kinds[k].outcome) == 0)
                agg += g->count[j];
        snprintf(key, sizeof(key), "outcome.%s.%s", kinds[k].svc, kinds[k].outcome);
        expect(key, agg);
    }
    for (k = 0; k < K__COUNT; k++)
        if (strcmp(kinds[k].svc, "courier") == 0)
            courier += g->count[k];
    up = g->count[K_COURIER] + g->count[K_COURIER443] + g->count[K_COURIER6] +
         g->count[K_HOLD] + g->count[K_RESET_MB] + g->count[K_ALERT];
    failed = g->count[K_REFUSED] + g->count[K_RESET_MB] + g->count[K_ICMP] + g->count[K_ALERT];
    expect("devices.connections", courier);
    expect("devices.established", up);
    expect("devices.unanswered", g->count[K_UNANSWERED]);
    expect("devices.failed", failed);
    expect("devices.syns_unanswered", 3 * g->count[K_UNANSWERED]);
    expect("dns.queries", g->count[K_DNS]);
    expect("dns.answers", g->count[K_DNS]);
}

int
main(int argc, char **argv)
{
    static uint8_t buf[4096];
    static const uint8_t ghdr[24] = {
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0x00, 0x00, 0x04, 0x00, 1, 0, 0, 0   /* snaplen 262144, LINKTYPE_ETHERNET */
    };
    struct gen g;
    char *end;
    unsigned i;
    size_t k;

    if (argc != 3) {
        fprintf(stderr, "usage: gencap N FILE\n");
        return 2;
    }
    memset(&g, 0, sizeof(g));
    errno = 0;
    g.want = strtoull(argv[1], &end, 10);
    if (errno != 0 || *end != '\0' || end == argv[1] || g.want == 0) {
        fprintf(stderr, "gencap: want a number of packets, got '%s'\n", argv[1]);
        return 2;
    }
    g.out = fopen(argv[2], "wb");
    if (g.out == NULL) {
        perror(argv[2]);
        return 1;
    }
    setvbuf(g.out, NULL, _IOFBF, 1 << 20);
    g.slot = calloc(WINDOW, sizeof(*g.slot));
    if (g.slot == NULL) {
        perror("gencap");
        return 1;
    }
    for (k = 0; k < sizeof(pool); k++)
        pool[k] = (uint8_t)(rnd() >> 24);
    if (fwrite(ghdr, 1, sizeof(ghdr), g.out) != sizeof(ghdr)) {
        perror(argv[2]);
        return 1;
    }
    for (i = 0; i < WINDOW; i++)
        start(&g, i);
    while (g.done < g.want) {
        int s = next_flow(&g);
        struct flow *f;
        size_t len;

        g.now += range(2, 8);
        if (s < 0) {
            emit(&g, buf, arp_frame(buf));
            g.arp++;
            continue;
        }
        f = &g.slot[s];
        len = frame(buf, f, g.now);
        emit(&g, buf, len);
        g.pending--;
        if (++f->pos < f->n) {
            f->due = g.now + f->s[f->pos].gap_us;
            continue;
        }
        g.live[s] = false;
        g.open--;
        start(&g, (unsigned)s);
    }
    if (fclose(g.out) != 0) {
        perror(argv[2]);
        return 1;
    }
    summary(&g, argv[2]);
    free(g.slot);
    return 0;
}
