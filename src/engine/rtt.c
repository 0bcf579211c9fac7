/* SPDX-License-Identifier: ISC */
/* Adaptive connect timeouts; see rtt.h. */
#include "config.h"

#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "engine/rtt.h"

struct net {
    uint64_t key;          /* 0: empty slot */
    struct pp_rtt_est est;
};

struct pp_rtt {
    double max_ms;
    struct pp_rtt_est all;
    struct net *t;
    size_t cap, n;         /* cap: a power of two */
    double given_lo, given_hi;
};

struct pp_rtt *
pp_rtt_new(double max_ms)
{
    struct pp_rtt *r = pp_xcalloc(1, sizeof(*r));

    r->max_ms = max_ms > PP_RTT_MAX_MS ? PP_RTT_MAX_MS : max_ms;
    if (r->max_ms < PP_RTT_MIN_MS)
        r->max_ms = PP_RTT_MIN_MS;
    return r;
}

void
pp_rtt_free(struct pp_rtt *r)
{
    if (r == NULL)
        return;
    free(r->t);
    free(r);
}

/* The destination's network, never 0: an IPv4 /24 or an IPv6 /64. */
static uint64_t
net_key(const struct sockaddr *sa)
{
    uint64_t k = 0;

    if (sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        int i;
        for (i = 0; i < 8; i++)
            k = k << 8 | b[i];
        k = (k & ~((uint64_t)1 << 63)) | ((uint64_t)1 << 62);
    } else {
        const unsigned char *b = (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr;
        k = ((uint64_t)1 << 63) | (uint64_t)b[0] << 16 | (uint64_t)b[1] << 8 | b[2];
    }
    return k;
}

static size_t
slot_of(uint64_t key, size_t cap)
{
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key & (cap - 1);
}

static struct net *
find(const struct pp_rtt *r, uint64_t key)
{
    size_t i;

    if (r->cap == 0)
        return NULL;
    for (i = slot_of(key, r->cap); r->t[i].key != 0; i = (i + 1) & (r->cap - 1))
        if (r->t[i].key == key)
            return &r->t[i];
    return NULL;
}

static void
grow(struct pp_rtt *r)
{
    struct net *old = r->t;
    size_t oldcap = r->cap, i;

    r->cap = r->cap ? r->cap * 2 : 256;
    r->t = pp_xcalloc(r->cap, sizeof(*r->t));
    for (i = 0; i < oldcap; i++) {
        size_t j;
        if (old[i].key == 0)
            continue;
        for (j = slot_of(old[i].key, r->cap); r->t[j].key != 0; j = (j + 1) & (r->cap - 1))
            ;
        r->t[j] = old[i];
    }
    free(old);
}

void
pp_rtt_update(struct pp_rtt_est *e, double rtt)
{
    if (rtt < 0)
        rtt = 0;
    if (e->samples == 0) {
        e->srtt = rtt;
        e->rttvar = rtt / 2 > 5.0 ? rtt / 2 : 5.0;
    } else {
        double delta = rtt - e->srtt;
        e->srtt += delta / 8;
        e->rttvar += (fabs(delta) - e->rttvar) / 4;
    }
    e->samples++;
}

double
pp_rtt_bound(const struct pp_rtt_est *e, double max_ms)
{
    double t;

    if (e->samples == 0)
        t = PP_RTT_INITIAL_MS;
    else
        t = e->srtt + 4 * e->rttvar;
    if (t < PP_RTT_MIN_MS)
        t = PP_RTT_MIN_MS;
    if (t > max_ms)
        t = max_ms;
    return t;
}

void
pp_rtt_sample(struct pp_rtt *r, const struct sockaddr *dst, double rtt_ms)
{
    uint64_t key = net_key(dst);
    struct net *n = find(r, key);

    pp_rtt_update(&r->all, rtt_ms);
    if (n == NULL) {
        size_t i;
        if (r->n >= PP_RTT_NETS_MAX)
            return;   /* a huge range: the rest share the global estimate */
        if ((r->n + 1) * 2 > r->cap)
            grow(r);
        for (i = slot_of(key, r->cap); r->t[i].key != 0; i = (i + 1) & (r->cap - 1))
            ;
        n = &r->t[i];
        n->key = key;
        r->n++;
    }
    pp_rtt_update(&n->est, rtt_ms);
}

double
pp_rtt_timeout(const struct pp_rtt *r, const struct sockaddr *dst)
{
    const struct net *n = find(r, net_key(dst));

    return pp_rtt_bound(n != NULL ? &n->est : &r->all, r->max_ms);
}

double
pp_rtt_backoff(double prev_ms, double est_ms, double max_ms)
{
    double t = 2 * prev_ms;

    if (t < est_ms)
        t = est_ms;   /* the network answers later now than it did */
    if (t < PP_RTT_MIN_MS)
        t = PP_RTT_MIN_MS;
    if (t > max_ms)
        t = max_ms;
    return t;
}

/* The last deadline, or the estimate when the network has since been
 * heard from and answers sooner (the first deadline was the initial
 * guess): doubling a guess is not a backoff. */
static double
retry_base(const struct pp_rtt *r, const struct sockaddr *dst, double prev_ms, double *est_ms)
{
    *est_ms = pp_rtt_timeout(r, dst);
    return prev_ms < *est_ms ? prev_ms : *est_ms;
}

double
pp_rtt_retry_timeout(const struct pp_rtt *r, const struct sockaddr *dst, double prev_ms)
{
    double est, base = retry_base(r, dst, prev_ms, &est);

    return pp_rtt_backoff(base, est, r->max_ms);
}

double
pp_rtt_retry_wait(const struct pp_rtt *r, const struct sockaddr *dst, double prev_ms)
{
    double est, base = retry_base(r, dst, prev_ms, &est);

    if (base < PP_RTT_MIN_MS)
        return PP_RTT_MIN_MS;
    return base > r->max_ms ? r->max_ms : base;
}

const struct pp_rtt_est *
pp_rtt_global(const struct pp_rtt *r)
{
    return &r->all;
}

void
pp_rtt_note_given(struct pp_rtt *r, double ms)
{
    if (r->given_lo == 0 || ms < r->given_lo)
        r->given_lo = ms;
    if (ms > r->given_hi)
        r->given_hi = ms;
}

void
pp_rtt_range(const struct pp_rtt *r, double *lo, double *hi)
{
    *lo = r->given_lo;
    *hi = r->given_hi;
}
