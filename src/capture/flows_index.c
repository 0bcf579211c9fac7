/* SPDX-License-Identifier: ISC */
/*
 * The flow table's indexes: hashing, Apple's addresses and names, the
 * configured and learned servers and names, and the per-server TTL memory.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flows.h"
#include "capture/pktap.h"
#include "core/applenet.h"
#include "core/util.h"
#include "capture/flows_int.h"

/* ------------------------------------------------------------ hashing */

static uint64_t
load64(const uint8_t *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
    return v;
}

uint64_t
mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9e3779b97f4a7c15ULL;
    return h ^ (h >> 29);
}

uint64_t
fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

uint64_t
addr_hash(uint64_t seed, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    uint64_t h = mix(seed, load64(addr));

    h = mix(h, load64(addr + 8));
    return fmix(mix(h, (uint64_t)family << 16 | port));
}

/* FNV-1a over a string. */
uint64_t
str_hash(uint64_t seed, const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;

    while (*s != '\0') {
        h ^= (uint8_t)*s++;
        h *= 0x100000001b3ULL;
    }
    return fmix(h);
}

/* The same for both directions: the endpoints in a canonical order. */
uint64_t
flow_hash(uint64_t seed, uint8_t family, uint8_t proto, const uint8_t *a, uint16_t pa,
          const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);
    uint64_t h;

    if (c > 0 || (c == 0 && pa > pb)) {
        const uint8_t *x = a;
        uint16_t px = pa;
        a = b;
        pa = pb;
        b = x;
        pb = px;
    }
    h = mix(seed, load64(a));
    h = mix(h, load64(a + 8));
    h = mix(h, load64(b));
    h = mix(h, load64(b + 8));
    h = mix(h, (uint64_t)pa << 32 | (uint64_t)pb << 16 | (uint64_t)family << 8 | proto);
    return fmix(h);
}

size_t
pow2_at_least(size_t n)
{
    size_t p = 16;

    while (p < n)
        p <<= 1;
    return p;
}

void
ix_init(struct ix *x, size_t cap)
{
    size_t n = pow2_at_least(cap * 2);

    x->slot = pp_xcalloc(n, sizeof(*x->slot));
    x->mask = n - 1;
}

/* ------------------------------------------------------------ addresses */

bool
in_apple(uint8_t family, const uint8_t addr[16])
{
    if (family == 4) {
        struct sockaddr_in s4;
        memset(&s4, 0, sizeof(s4));
        s4.sin_family = AF_INET;
        memcpy(&s4.sin_addr, addr, 4);
        return pp_addr_in_apple((const struct sockaddr *)(const void *)&s4);
    }
    if (family == 6) {
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof(s6));
        s6.sin6_family = AF_INET6;
        memcpy(&s6.sin6_addr, addr, 16);
        return pp_addr_in_apple((const struct sockaddr *)(const void *)&s6);
    }
    return false;
}

/* Seconds from a to b, never negative, without signed overflow. */
double
span_s(int64_t a, int64_t b)
{
    return b > a ? ((double)b - (double)a) / 1e6 : 0.0;
}

/* Lower-case copy; false when it does not fit. */
/* Copy a string, cut to fit. */
void
copy_cut(char *dst, size_t len, const char *src)
{
    size_t n = strlen(src);

    if (n >= len)
        n = len - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool
lower_name(const char *s, char out[PP_DNS_MAX_NAME])
{
    size_t i;

    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (i + 1 >= PP_DNS_MAX_NAME)
            return false;
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    while (i > 0 && out[i - 1] == '.')
        i--;
    out[i] = '\0';
    return true;
}

/* name is suffix, or ends with "." suffix. */
static bool
domain_in(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    if (n < s || strcmp(name + n - s, suffix) != 0)
        return false;
    return n == s || name[n - s - 1] == '.';
}

bool
ends_with(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);

    return n >= s && strcmp(name + n - s, suffix) == 0;
}

bool
apple_name(const char *name)
{
    return domain_in(name, "apple.com") || domain_in(name, "apple-dns.net") ||
           domain_in(name, "icloud.com") || domain_in(name, "mzstatic.com");
}

/* ------------------------------------------------------------ servers, names */

static uint32_t *
srv_slot(const struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    size_t i = addr_hash(t->seed, family, addr, port) & t->srvix.mask;

    for (;; i = (i + 1) & t->srvix.mask) {
        uint32_t *s = &t->srvix.slot[i];
        const struct server *e;
        if (*s == 0)
            return s;
        e = &t->srv[*s - 1];
        if (e->family == family && e->port == port && memcmp(e->addr, addr, 16) == 0)
            return s;
    }
}

/* The service of a configured or learned server at addr:port, or -1. */
int
srv_find(const struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port)
{
    const uint32_t *s;

    if (t->nsrv == 0)
        return -1;
    s = srv_slot(t, family, addr, port);
    if (*s == 0 && port != 0)
        s = srv_slot(t, family, addr, 0);
    return *s ? (int)t->srv[*s - 1].svc : -1;
}

void
srv_add(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint16_t port,
        enum pp_flow_svc svc, bool learned)
{
    uint8_t key[16];
    uint32_t *s;
    struct server *e;

    if ((family != 4 && family != 6) || (unsigned)svc >= PP_FS__COUNT)
        return;
    memset(key, 0, sizeof(key));
    memcpy(key, addr, family == 4 ? 4 : 16);
    s = srv_slot(t, family, key, port);
    if (*s != 0) {
        if (!learned)
            t->srv[*s - 1].svc = svc;
        return;
    }
    if (t->nsrv >= MAX_SERVERS || (learned && t->nlearned >= MAX_LEARNED))
        return;
    if (t->nsrv == t->srv_cap) {
        t->srv_cap = t->srv_cap ? t->srv_cap * 2 : 16;
        t->srv = pp_xrealloc(t->srv, t->srv_cap, sizeof(*t->srv));
    }
    e = &t->srv[t->nsrv];
    memset(e, 0, sizeof(*e));
    e->family = family;
    e->port = port;
    memcpy(e->addr, key, 16);
    e->svc = svc;
    *s = (uint32_t)++t->nsrv;
    if (learned)
        t->nlearned++;
}

/* lc: a lower-case name. */
uint32_t *
name_slot(const struct pp_flows *t, const char *lc)
{
    size_t i = str_hash(t->seed, lc) & t->nameix.mask;

    for (;; i = (i + 1) & t->nameix.mask) {
        uint32_t *s = &t->nameix.slot[i];
        if (*s == 0 || strcmp(t->names[*s - 1].name, lc) == 0)
            return s;
    }
}

int
name_find(const struct pp_flows *t, const char *lc)
{
    const uint32_t *s;

    if (t->nnames == 0)
        return -1;
    s = name_slot(t, lc);
    return *s ? (int)t->names[*s - 1].svc : -1;
}

/* ------------------------------------------------------------ TTL memory */

static struct ttl_slot *
ttl_slot(const struct pp_flows *t, uint8_t family, const uint8_t addr[16])
{
    return &t->ttl[addr_hash(t->seed, family, addr, 0) & (TTL_SLOTS - 1)];
}

void
ttl_remember(struct pp_flows *t, uint8_t family, const uint8_t addr[16], uint8_t ttl)
{
    struct ttl_slot *s = ttl_slot(t, family, addr);

    s->family = family;
    s->ttl = ttl;
    memcpy(s->addr, addr, 16);
}

uint8_t
ttl_recall(const struct pp_flows *t, uint8_t family, const uint8_t addr[16])
{
    const struct ttl_slot *s = ttl_slot(t, family, addr);

    if (s->family == family && memcmp(s->addr, addr, 16) == 0)
        return s->ttl;
    return 0;
}
