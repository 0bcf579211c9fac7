/* SPDX-License-Identifier: ISC */
/*
 * Which check starts when: the feed of targets, the rate limit, the
 * concurrency cap and its wait queue, and the DNS answers that turn a
 * target into one check per address.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>

#include <openssl/err.h>

#include "core/applenet.h"
#include "core/classify.h"
#include "engine/dns.h"
#include "engine/check.h"
#include "engine/engine.h"
#include "engine/rtt.h"
#include "core/loop.h"
#include "core/netx.h"
#include "probes/probe.h"
#include "engine/tlscore.h"
#include "core/url.h"
#include "core/util.h"
#include "engine/engine_int.h"

static void pump_once(struct pp_engine *e);
static void make_check(struct tstate *ts, const struct sockaddr_storage *sa, int family,
                       size_t k, double t_dns);

#define PUMP_BURST 512   /* checks started before the loop gets a turn */

void
pump_later(void *arg)
{
    pump(arg);
    maybe_over(arg);
}

/* Rate limit: may one more connection start now?  A token bucket holding
 * at most one second's worth. */
static bool
rate_allows(struct pp_engine *e)
{
    double now, wait_ms;

    if (e->o->rate <= 0)
        return true;
    now = pp_now_msf();
    e->tokens += (now - e->tokens_at) / 1000.0 * e->o->rate;
    e->tokens_at = now;
    if (e->tokens > (e->o->rate > 1.0 ? e->o->rate : 1.0))
        e->tokens = e->o->rate > 1.0 ? e->o->rate : 1.0;
    if (e->tokens >= 1.0) {
        e->tokens -= 1.0;
        return true;
    }
    wait_ms = (1.0 - e->tokens) / e->o->rate * 1000.0;
    pp_loop_timer(e->loop, &e->rate_timer, pp_now_ms() + (int64_t)wait_ms + 1);
    return false;
}

/* Pull one check from the feed onto the queue; false when it is empty. */
static bool
feed_one(struct pp_engine *e)
{
    struct pp_feed *f = e->o->feed;
    const struct pp_target *t;
    struct sockaddr_storage sa;
    struct tstate ts;

    if (f == NULL || e->feed_done)
        return false;
    memset(&sa, 0, sizeof(sa));
    if (!f->next(f->ctx, &t, &sa)) {
        e->feed_done = true;
        return false;
    }
    memset(&ts, 0, sizeof(ts));
    ts.e = e;
    ts.t = t;
    ts.base = ((uint64_t)(e->nts + 1) << 20) + (e->fed << 6);
    e->fed++;
    make_check(&ts, &sa, sa.ss_family, 0, -1);
    return true;
}

void
pump(struct pp_engine *e)
{
    /* Not re-entered: a check that ends at once (check_start ->
     * check_finish -> pump) would otherwise recurse once per check. */
    if (e->in_pump) {
        e->pump_again = true;
        return;
    }
    e->in_pump = true;
    e->burst = 0;
    do {
        e->pump_again = false;
        pump_once(e);
    } while (e->pump_again && !e->over && e->burst < PUMP_BURST);
    e->in_pump = false;
}

static void
pump_once(struct pp_engine *e)
{
    while (e->inflight < e->cap && !e->over) {
        struct pp_check *c;

        /* Checks that fail inside connect() end at once and make room for
         * the next: after a burst, back to the loop (the run's deadline,
         * the agent, the dashboard) and on from a timer. */
        if (e->burst >= PUMP_BURST) {
            pp_loop_timer(e->loop, &e->rate_timer, pp_now_ms());
            break;
        }
        e->burst++;

        if (e->qhead == NULL && !feed_one(e))
            break;
        if (e->qhead == NULL)
            continue;   /* the feed gave a result without a check */
        if (!rate_allows(e))
            break;
        c = e->qhead;
        e->qhead = c->next;
        if (e->qhead == NULL)
            e->qtail = NULL;
        c->next = NULL;
        /* Requeued for lack of descriptors: wait for a slot. */
        if (!check_start(c))
            break;
    }
}

struct pp_check *
check_queue(struct pp_engine *e, struct pp_result *r, bool add)
{
    struct pp_check *c = pp_xcalloc(1, sizeof(*c));

    c->e = e;
    c->r = r;
    c->fd = -1;
    c->phase = PH_QUEUED;
    pp_timer_init(&c->deadline, check_deadline, c);
    pp_timer_init(&c->again, check_again, c);
    if (add)
        add_result(e, r);
    e->checks_open++;
    c->all_next = e->all;
    if (e->all != NULL)
        e->all->all_prev = c;
    e->all = c;
    if (e->qtail != NULL)
        e->qtail->next = c;
    else
        e->qhead = c;
    e->qtail = c;
    return c;
}

struct pp_check *
check_new(struct pp_engine *e, struct pp_result *r)
{
    return check_queue(e, r, true);
}

/* ---------------------------------------------------------------- DNS */

static const char *
family_word(int family)
{
    return family == AF_INET6 ? "ipv6" : "ipv4";
}

/* Several URLs on one host and port stay apart by their path. */
static const char *
id_path(const struct pp_target *t)
{
    return t->path != NULL && strcmp(t->path, "/") != 0 ? t->path : "";
}

/* The address-space rule on an address: one inside a NAT64 prefix (the
 * well-known one, or one ipv4only.arpa gave) is judged by the IPv4
 * address it embeds, which *v4 then names. */
static bool
in_space(struct pp_engine *e, const struct pp_target *t, const struct sockaddr_storage *sa,
         char *v4, size_t v4len)
{
    struct sockaddr_in in4;

    v4[0] = '\0';
    if (pp_nat64_embedded(e->nat64, e->nnat64, (const struct sockaddr *)sa, &in4)) {
        inet_ntop(AF_INET, &in4.sin_addr, v4, (socklen_t)v4len);
        if (pp_nat64_embedded(e->nat64, 1, (const struct sockaddr *)sa, &in4))
            e->nat64_wkp_used = true;
        return t->space == NULL || t->space->contains((const struct sockaddr *)&in4);
    }
    return t->space == NULL || t->space->contains((const struct sockaddr *)sa);
}

/* Where the connection goes: the proxy when the check goes through one. */
static const char *
connect_host(const struct pp_target *t)
{
    return t->via != NULL ? t->via->host : t->host;
}

static uint16_t
connect_port(const struct pp_target *t)
{
    return t->via != NULL ? t->via->port : t->port;
}

static void
make_check(struct tstate *ts, const struct sockaddr_storage *sa, int family,
           size_t k, double t_dns)
{
    struct pp_engine *e = ts->e;
    const struct pp_target *t = ts->t;
    struct pp_result *r = new_result(t, ts->base + (family == AF_INET6 ? 32 : 0) + k);
    struct pp_check *c;
    const void *a;
    char v4[INET_ADDRSTRLEN];

    r->has_address = true;
    r->family = family;
    r->t_dns = t_dns;
    a = family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr
                           : (const void *)&((const struct sockaddr_in *)sa)->sin_addr;
    inet_ntop(family, a, r->address, sizeof(r->address));
    if (t->by_address) {
        /* "[address]:port" or "address:port" by hand: every check of an
         * audit makes one. */
        char id[64], *p = id;
        size_t n = strlen(r->address);
        unsigned port = t->port, div = 10000;

        if (family == AF_INET6)
            *p++ = '[';
        memcpy(p, r->address, n);
        p += n;
        if (family == AF_INET6)
            *p++ = ']';
        *p++ = ':';
        while (div > 1 && port / div == 0)
            div /= 10;
        for (; div > 0; div /= 10)
            *p++ = (char)('0' + port / div % 10);
        *p = '\0';
        r->id = pp_xstrdup(id);
    } else {
        char *hp = pp_hostport_fmt(t->host, t->port);
        const char *px = t->via ? "/proxy" : "";

        if (k == 0)
            r->id = pp_xasprintf("%s/%s%s%s", hp, family_word(family), id_path(t), px);
        else
            r->id = pp_xasprintf("%s/%s/%zu%s%s", hp, family_word(family), k + 1, id_path(t),
                                 px);
        free(hp);
    }
    ts->nfound++;
    v4[0] = '\0';
    /* Through a proxy the address is the proxy's: the proxy resolves the
     * server's name, and the address-space rule is not ours to judge. */
    if (t->via == NULL && !in_space(e, t, sa, v4, sizeof(v4))) {
        /* A blocklist's sinkhole (0.0.0.0, ::), a private address, a
         * hijack: nothing of the owner's to connect to there. */
        if (v4[0] != '\0')
            pp_detail_str(r, "nat64_ipv4", v4);
        set(r, PP_ST_UNEXPECTED, PP_RS_DNS_OUTSIDE_APPLE,
            "%s resolves to %s%s%s%s, outside %s's address space (%s): a DNS blocklist, "
            "filter or hijack answers for %s", t->host, r->address,
            v4[0] != '\0' ? " (NAT64 for " : "", v4, v4[0] != '\0' ? ")" : "",
            t->space->owner, t->space->shown, t->space->owner);
        r->t_total = t_dns;
        if (STEPPING(e, PP_STEP_V))
            step_resolved(ts, r);
        add_result(e, r);
        return;
    }
    if (v4[0] != '\0')
        pp_detail_str(r, "nat64_ipv4", v4);
    if (STEPPING(e, PP_STEP_V))
        step_resolved(ts, r);
    c = check_new(e, r);
    memcpy(&c->sa, sa, sizeof(*sa));
    if (family == AF_INET6) {
        ((struct sockaddr_in6 *)&c->sa)->sin6_port = htons(connect_port(t));
        c->salen = sizeof(struct sockaddr_in6);
    } else {
        ((struct sockaddr_in *)&c->sa)->sin_port = htons(connect_port(t));
        c->salen = sizeof(struct sockaddr_in);
    }
}

static int
reason_rank(enum pp_reason r)
{
    /* Which failure best explains a name that gave no address at all. */
    switch (r) {
    case PP_RS_FAMILY_EXCLUDED: return 8;
    case PP_RS_NXDOMAIN: return 7;
    case PP_RS_SERVFAIL: return 6;
    case PP_RS_DNS_REFUSED: return 5;
    case PP_RS_DNS_UNREACHABLE: return 4;
    case PP_RS_DNS_TIMEOUT: return 3;
    case PP_RS_BAD_NAME: return 2;
    case PP_RS_RUN_DEADLINE: return 1;
    default: return 0;
    }
}

static const char *
dns_sentence(enum pp_reason r)
{
    switch (r) {
    case PP_RS_NXDOMAIN:
        return "the name does not exist (NXDOMAIN): a DNS filter or blocklist, or a typo";
    case PP_RS_SERVFAIL: return "the DNS server failed to answer (SERVFAIL)";
    case PP_RS_DNS_REFUSED: return "the DNS server refused the query";
    case PP_RS_DNS_UNREACHABLE: return "the DNS server cannot be reached";
    case PP_RS_DNS_TIMEOUT: return "the DNS server did not answer in time";
    case PP_RS_NO_ADDRESS: return "the name has no address of the family asked for";
    case PP_RS_BAD_NAME: return "the name is malformed";
    case PP_RS_RUN_DEADLINE: return "the run's time limit passed before the name resolved";
    default: return "the name did not resolve";
    }
}

static void
target_resolved(struct tstate *ts)
{
    struct pp_engine *e = ts->e;
    struct pp_result *r;
    enum pp_reason best = PP_RS_NO_ADDRESS;
    double t = 0;
    char *hp;
    int i;

    if (ts->nfound == 0) {
        for (i = 0; i < ts->nfail; i++) {
            if (reason_rank(ts->fail[i].reason) > reason_rank(best))
                best = ts->fail[i].reason;
            if (ts->fail[i].elapsed_ms > t)
                t = ts->fail[i].elapsed_ms;
        }
        hp = pp_hostport_fmt(ts->t->host, ts->t->port);
        r = new_result(ts->t, ts->base);
        r->id = pp_xasprintf("%s%s%s", hp, id_path(ts->t), ts->t->via ? "/proxy" : "");
        free(hp);
        r->t_dns = t;
        r->t_total = t;
        if (best == PP_RS_FAMILY_EXCLUDED) {
            /* A literal -4/-6 leaves out: no query, so no DNS failure. */
            r->t_dns = -1;
            set(r, PP_ST_ERROR, best, "not applicable: an IPv%d address, and this run checks "
                "IPv%d only", e->o->want_v4 ? 6 : 4, e->o->want_v4 ? 4 : 6);
        } else if (ts->t->via != NULL) {
            pp_detail_str(r, "proxy_dns", pp_reason_name(best));
            set(r, PP_ST_DNS_FAILED, PP_RS_PROXY_UNREACHABLE, "the proxy %s cannot be reached: "
                "its name does not resolve (%s)", ts->t->via->url, dns_sentence(best));
        } else {
            set(r, PP_ST_DNS_FAILED, best, "%s", dns_sentence(best));
        }
        if (STEPPING(e, PP_STEP_V))
            step_unresolved(ts, r);
        add_result(e, r);
    } else if (ts->nfail > 0 && STEPPING(e, PP_STEP_V)) {
        step_unresolved(ts, NULL);
    }
    e->dns_open--;
    pump(e);
    maybe_over(e);
}

static void
on_dns(const struct pp_dns_answer *a, void *arg)
{
    struct tstate *ts = arg;
    size_t k;

    if (a->status == 0 && a->naddr > 0 && !ts->e->over) {
        ts->answer = a;
        for (k = 0; k < a->naddr; k++)
            make_check(ts, &a->addr[k], a->family, k, a->elapsed_ms);
        ts->answer = NULL;
    } else if (ts->nfail < 2) {
        ts->fail[ts->nfail++] = *a;
    }
    if (--ts->lookups == 0)
        target_resolved(ts);
}

void
start_target(struct pp_engine *e, struct tstate *ts)
{
    const struct pp_target *t = ts->t;
    const char *host = connect_host(t);
    int lit = pp_host_literal(host);

    e->dns_open++;
    if (lit != 0) {
        struct sockaddr_storage sa;
        socklen_t salen;

        pp_host_sockaddr(host, 0, &sa, &salen);
        if ((lit == 4 && e->o->want_v4) || (lit == 6 && e->o->want_v6)) {
            make_check(ts, &sa, lit == 4 ? AF_INET : AF_INET6, 0, -1);
        } else {
            ts->fail[0].reason = PP_RS_FAMILY_EXCLUDED;
            ts->fail[0].elapsed_ms = 0;
            ts->nfail = 1;
        }
        target_resolved(ts);
        return;
    }
    /* Count both lookups first: a callback may run at once. */
    ts->lookups = (e->o->want_v4 ? 1 : 0) + (e->o->want_v6 ? 1 : 0);
    if (e->o->want_v4)
        pp_dns_lookup(e->dns, host, AF_INET, on_dns, ts);
    if (e->o->want_v6)
        pp_dns_lookup(e->dns, host, AF_INET6, on_dns, ts);
}
