/* SPDX-License-Identifier: ISC */
/*
 * NAT64 prefixes (nat64.h).  Sources: RFC 6052 section 2 (the address
 * format and the well-known prefix), RFC 8215 (64:ff9b:1::/48), RFC 7050
 * section 3 (discovery through ipv4only.arpa).
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nat64.h"

const struct pp_nat64_prefix pp_nat64_wkp = {
    {0x00, 0x64, 0xff, 0x9b}, 96,
};
const struct pp_nat64_prefix pp_nat64_local_use = {
    {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48,
};

bool
pp_nat64_len_ok(int bits)
{
    return bits == 32 || bits == 40 || bits == 48 || bits == 56 || bits == 64 || bits == 96;
}

/* The byte positions of the IPv4 address under a prefix of bits: after
 * the prefix, skipping byte 8 (bits 64-71, the u-octet). */
static void
v4_positions(int bits, int pos[4])
{
    int p = bits / 8, i;

    for (i = 0; i < 4; i++) {
        if (p == 8 && bits < 96)
            p++;
        pos[i] = p++;
    }
}

static bool
leading_match(const uint8_t *a, const uint8_t *p, int bits)
{
    /* Every allowed length is a whole number of bytes. */
    return memcmp(a, p, (size_t)bits / 8) == 0;
}

bool
pp_nat64_in_prefix(const struct pp_nat64_prefix *p, const uint8_t a[16])
{
    return pp_nat64_len_ok(p->bits) && leading_match(a, p->addr, p->bits);
}

bool
pp_nat64_is_wkp(const struct pp_nat64_prefix *p)
{
    return p->bits == 96 && memcmp(p->addr, pp_nat64_wkp.addr, 12) == 0;
}

bool
pp_nat64_is_local_use(const struct pp_nat64_prefix *p)
{
    return pp_nat64_len_ok(p->bits) && p->bits >= 48 &&
           leading_match(p->addr, pp_nat64_local_use.addr, 48);
}

int
pp_nat64_embed(const struct pp_nat64_prefix *p, const uint8_t v4[4], uint8_t out[16])
{
    int pos[4], i;

    if (!pp_nat64_len_ok(p->bits))
        return -1;
    memset(out, 0, 16);
    memcpy(out, p->addr, (size_t)p->bits / 8);
    v4_positions(p->bits, pos);
    for (i = 0; i < 4; i++)
        out[pos[i]] = v4[i];
    return 0;
}

bool
pp_nat64_extract(const struct pp_nat64_prefix *p, const uint8_t a[16], uint8_t v4[4])
{
    int pos[4], i;

    if (!pp_nat64_in_prefix(p, a))
        return false;
    if (p->bits < 96 && a[8] != 0)
        return false;   /* RFC 6052 2.2: bits 64-71 must be zero */
    v4_positions(p->bits, pos);
    for (i = 0; i < 4; i++)
        v4[i] = a[pos[i]];
    return true;
}

bool
pp_nat64_embedded(const struct pp_nat64_prefix *p, size_t n, const struct sockaddr *sa,
                  struct sockaddr_in *out)
{
    const uint8_t *a;
    size_t i;

    if (sa == NULL || sa->sa_family != AF_INET6)
        return false;
    a = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    for (i = 0; i < n; i++) {
        uint8_t v4[4];

        if (!pp_nat64_extract(&p[i], a, v4))
            continue;
        memset(out, 0, sizeof(*out));
        out->sin_family = AF_INET;
        memcpy(&out->sin_addr, v4, 4);
        return true;
    }
    return false;
}

/* ------------------------------------------------------- RFC 7050 */

static const int lengths[] = {32, 40, 48, 56, 64, 96};

/* The one length at which a holds 192.0.0.170 or .171, or 0 (none, or
 * more than one: ambiguous). */
static int
wka_length(const uint8_t a[16])
{
    int found = 0;
    size_t k;

    for (k = 0; k < sizeof(lengths) / sizeof(lengths[0]); k++) {
        struct pp_nat64_prefix p;
        uint8_t v4[4];

        memset(&p, 0, sizeof(p));
        p.bits = lengths[k];
        memcpy(p.addr, a, (size_t)p.bits / 8);
        if (!pp_nat64_extract(&p, a, v4))
            continue;
        if (v4[0] != 192 || v4[1] != 0 || v4[2] != 0 || (v4[3] != 170 && v4[3] != 171))
            continue;
        if (found != 0)
            return 0;
        found = p.bits;
    }
    return found;
}

size_t
pp_nat64_discover(const uint8_t (*aaaa)[16], size_t n, struct pp_nat64_prefix *out,
                  size_t max)
{
    size_t i, k, m = 0;

    for (i = 0; i < n && m < max; i++) {
        struct pp_nat64_prefix p;
        int bits = wka_length(aaaa[i]);

        if (bits == 0)
            continue;
        memset(&p, 0, sizeof(p));
        p.bits = bits;
        memcpy(p.addr, aaaa[i], (size_t)bits / 8);
        for (k = 0; k < m; k++)
            if (out[k].bits == p.bits && memcmp(out[k].addr, p.addr, 16) == 0)
                break;
        if (k == m)
            out[m++] = p;
    }
    return m;
}

/* ------------------------------------------------------- text */

char *
pp_nat64_format(const struct pp_nat64_prefix *p, char *buf, size_t len)
{
    char a[INET6_ADDRSTRLEN];

    if (inet_ntop(AF_INET6, p->addr, a, sizeof(a)) == NULL)
        snprintf(a, sizeof(a), "?");
    snprintf(buf, len, "%s/%d", a, p->bits);
    return buf;
}

int
pp_nat64_parse(const char *s, struct pp_nat64_prefix *out)
{
    char a[INET6_ADDRSTRLEN];
    const char *slash;
    char *end;
    long bits;
    size_t n;
    int i;

    if (s == NULL || (slash = strchr(s, '/')) == NULL)
        return -1;
    n = (size_t)(slash - s);
    if (n == 0 || n >= sizeof(a) || slash[1] < '0' || slash[1] > '9')
        return -1;
    memcpy(a, s, n);
    a[n] = '\0';
    errno = 0;
    bits = strtol(slash + 1, &end, 10);
    if (errno != 0 || *end != '\0' || bits > 128 || !pp_nat64_len_ok((int)bits))
        return -1;
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET6, a, out->addr) != 1)
        return -1;
    out->bits = (int)bits;
    for (i = (int)bits / 8; i < 16; i++)
        if (out->addr[i] != 0)
            return -1;
    return 0;
}
