/* SPDX-License-Identifier: ISC */
/* The application bytes of captured packets (see pkt.h): DNS messages
 * (names with their compression pointers bounded) and TLS records (the
 * ClientHello's SNI and ALPN, alerts).  Pure functions over the
 * bounds-checked cursor, so tests and fuzzers call them directly. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "core/cursor.h"
#include "capture/pkt.h"
#include "capture/pkt_int.h"

#define DNS_MAX_JUMPS 64
#define DNS_MAX_WIRE 255

/* ---------------------------------------------------------------- DNS */

/* Read the name at the cursor into buf (lower case, no trailing dot; buf
 * may be NULL to only check it) and step the cursor over it as it sits
 * there.  buf stays NUL-terminated even when the name turns out bad. */
static bool
dns_name(struct pp_cur *c, char *buf, size_t cap)
{
    struct pp_cur r = *c; /* follows the pointers */
    size_t wire = 1, n = 0, i;
    unsigned jumps = 0;
    const uint8_t *s;
    uint8_t l, lo;

    if (buf != NULL)
        buf[0] = '\0';
    for (;;) {
        if (!pp_cur_u8(&r, &l))
            return false;
        if (l == 0)
            break;
        if ((l & 0xc0) == 0xc0) {
            if (!pp_cur_u8(&r, &lo) || ++jumps > DNS_MAX_JUMPS)
                return false;
            if (jumps == 1)
                c->off = r.off;
            if (!pp_cur_seek(&r, (size_t)(l & 0x3f) << 8 | lo))
                return false;
            continue;
        }
        /* 0x40 and 0x80 start label types long retired. */
        wire += 1 + (size_t)l;
        if (l > 63 || wire > DNS_MAX_WIRE || !pp_cur_span(&r, l, &s))
            return false;
        if (buf == NULL)
            continue;
        if (n > 0 && n + 1 < cap)
            buf[n++] = '.';
        for (i = 0; i < l && n + 1 < cap; i++)
            buf[n++] = text_char(s[i], '.', true);
        buf[n] = '\0';
    }
    if (jumps == 0)
        c->off = r.off;
    return true;
}

int
pp_dns_parse(const uint8_t *p, size_t len, struct pp_dns_msg *out)
{
    struct pp_cur c = {p, len, 0}, rd;
    const uint8_t *h;
    uint16_t qd, an, i, type, rdlen;

    out->id = 0;
    out->response = false;
    out->rcode = 0;
    out->qtype = 0;
    out->qname[0] = '\0';
    out->cname[0] = '\0';
    out->naddrs = 0;
    if (!pp_cur_span(&c, 12, &h))
        return -1;
    out->id = be16at(h);
    out->response = (h[2] & 0x80) != 0;
    out->rcode = h[3] & 0x0f;
    qd = be16at(h + 4);
    an = be16at(h + 6);
    for (i = 0; i < qd; i++) {
        if (!dns_name(&c, i == 0 ? out->qname : NULL, sizeof(out->qname)) ||
            !pp_cur_span(&c, 4, &h))
            return -1;
        if (i == 0)
            out->qtype = be16at(h);
    }
    for (i = 0; i < an; i++) {
        if (!dns_name(&c, NULL, 0) || !pp_cur_span(&c, 10, &h))
            return -1;
        type = be16at(h);
        rdlen = be16at(h + 8);
        rd = c;
        if (!pp_cur_skip(&c, rdlen))
            return -1;
        /* Class IN; mDNS sets the top bit to flush caches. */
        if ((be16at(h + 2) & 0x7fff) != 1)
            continue;
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
            if (out->naddrs == PP_DNS_MAX_ADDRS)
                continue;
            out->addrs[out->naddrs].family = type == 1 ? 4 : 6;
            memset(out->addrs[out->naddrs].addr, 0, 16);
            memcpy(out->addrs[out->naddrs].addr, p + rd.off, rdlen);
            out->addrs[out->naddrs].ttl = be32at(h + 4);
            out->naddrs++;
        } else if (type == 5) {
            /* The target may point anywhere, but what sits in the rdata
             * must end inside it. */
            if (!dns_name(&rd, out->cname, sizeof(out->cname)) || rd.off > c.off)
                return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- TLS */

/* Copy a wire string as text, cut to fit. */
static void
copy_text(char *dst, size_t cap, const uint8_t *s, size_t n, uint8_t sep, bool lower)
{
    size_t i;

    for (i = 0; i < n && i + 1 < cap; i++)
        dst[i] = text_char(s[i], sep, lower);
    dst[i] = '\0';
}

/* server_name: the first host_name of the list. */
static bool
tls_sni(const uint8_t *p, size_t len, struct pp_tls_hello *out)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *s;
    uint16_t n;
    uint8_t type;

    if (len == 0)
        return true;
    if (!pp_cur_be16(&c, &n) || n > len - 2)
        return false;
    c.len = 2 + (size_t)n;
    while (pp_cur_has(&c, 1)) {
        if (!pp_cur_u8(&c, &type) || !pp_cur_be16(&c, &n) || !pp_cur_span(&c, n, &s))
            return false;
        if (type == 0 && out->sni[0] == '\0')
            copy_text(out->sni, sizeof(out->sni), s, n, 0, true);
    }
    return true;
}

/* ALPN: the protocol ids joined by ','; those that do not fit whole are
 * left out, so a cut list never ends in half an id. */
static bool
tls_alpn(const uint8_t *p, size_t len, struct pp_tls_hello *out)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *s;
    size_t used = 0, n;
    uint16_t total;

    out->alpn[0] = '\0';
    if (!pp_cur_be16(&c, &total) || total > len - 2)
        return false;
    c.len = 2 + (size_t)total;
    while (pp_cur_has(&c, 1)) {
        if (!pp_cur_pascal(&c, &s, &n))
            return false;
        if (n == 0 || used + (used > 0) + n >= sizeof(out->alpn))
            continue;
        if (used > 0)
            out->alpn[used++] = ',';
        copy_text(out->alpn + used, sizeof(out->alpn) - used, s, n, ',', false);
        used += n;
    }
    return true;
}

int
pp_tls_parse_client_hello(const uint8_t *p, size_t len, struct pp_tls_hello *out)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *h, *e;
    size_t rec_end, hs_end, ext_end;
    uint16_t n16, type;
    uint8_t n8;

    out->version = 0;
    out->sni[0] = '\0';
    out->alpn[0] = '\0';
    /* Not ours as soon as a byte says so: handshake record, version 3.x,
     * ClientHello. */
    if (len < 1 || p[0] != 22 || (len >= 2 && p[1] != 3) || (len >= 6 && p[5] != 1))
        return 0;
    if (!pp_cur_span(&c, 9, &h))
        return -1;
    rec_end = 5 + (size_t)be16at(h + 3);
    hs_end = 9 + ((size_t)h[6] << 16 | (size_t)be16at(h + 7));
    /* Read no further than the capture, the first record and the message. */
    if (rec_end < c.len)
        c.len = rec_end;
    if (hs_end < c.len)
        c.len = hs_end;
    if (!pp_cur_be16(&c, &out->version) || !pp_cur_skip(&c, 32) ||
        !pp_cur_u8(&c, &n8) || n8 > 32 || !pp_cur_skip(&c, n8) ||
        !pp_cur_be16(&c, &n16) || !pp_cur_skip(&c, n16) ||
        !pp_cur_u8(&c, &n8) || !pp_cur_skip(&c, n8))
        return -1;
    if (c.off == hs_end)
        return 1; /* no extensions at all */
    if (!pp_cur_be16(&c, &n16))
        return -1;
    ext_end = c.off + n16;
    if (ext_end > hs_end)
        return -1;
    if (ext_end < c.len)
        c.len = ext_end;
    while (pp_cur_has(&c, 1)) {
        if (!pp_cur_be16(&c, &type) || !pp_cur_be16(&c, &n16) || !pp_cur_span(&c, n16, &e))
            return -1;
        if ((type == 0 && !tls_sni(e, n16, out)) || (type == 16 && !tls_alpn(e, n16, out)))
            return -1;
    }
    /* Short of ext_end: the capture or the first record stopped first. */
    return c.len == ext_end ? 1 : -1;
}

int
pp_tls_parse_alert(const uint8_t *p, size_t len, uint8_t *level, uint8_t *desc)
{
    struct pp_cur c = {p, len, 0};
    const uint8_t *h, *a;
    size_t n;

    if (!pp_cur_span(&c, 7, &h) || h[0] != 21 || h[1] != 3)
        return 0;
    n = be16at(h + 3);
    if (n < 2)
        return 0;
    /* A plaintext alert is 2 bytes.  A longer record is nearly always an
     * encrypted alert (TLS 1.2 after ChangeCipherSpec, e.g. every graceful
     * close_notify: nonce, alert, tag), whose bytes are noise; take it only
     * when every pair of it, as far as captured, is a real alert. */
    if (n > 2) {
        if (n % 2 != 0)
            return 0;
        if (5 + n < c.len)
            c.len = 5 + n;
        c.off = 5;
        while (pp_cur_span(&c, 2, &a))
            if ((a[0] != 1 && a[0] != 2) || pp_tls_alert_name(a[1]) == NULL)
                return 0;
    }
    *level = h[5];
    *desc = h[6];
    return 1;
}

const char *
pp_tls_alert_name(uint8_t desc)
{
    switch (desc) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 60: return "export_restriction";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return NULL;
    }
}
