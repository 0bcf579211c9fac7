/* SPDX-License-Identifier: ISC */
/*
 * The engine (see engine.h): starting a run, its results, its deadline and
 * progress, and finishing it into a report.  The checks' scheduling is
 * schedule.c, their phases phases.c, what a probe calls check.c, the
 * re-probes beside ICMP rejects reprobe.c; engine_int.h is what they share.
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

/* When the event being handled was seen: poll()'s return, not the turn of
 * this check's callback after the others (see pp_loop_event_time). */
double
seen(const struct pp_check *c)
{
    double t = pp_loop_event_time(c->e->loop, c->fd);

    /* An event older than this phase was for an earlier user of the same
     * descriptor number (closed and reused in one callback). */
    return t >= c->t_phase ? t : pp_now_msf();
}

/* ------------------------------------------------------------ results */

void
add_result(struct pp_engine *e, struct pp_result *r)
{
    e->generation++;
    if (e->o->sink != NULL && r->state != PP_ST_PENDING) {
        /* Streaming: a final result leaves at once; a pending one is
         * held by its check until it finishes. */
        e->emitted++;
        e->o->sink(e->o->sink_ctx, r);
        return;
    }
    if (e->o->sink != NULL)
        return;
    if (e->nres == e->capres) {
        e->capres = e->capres ? e->capres * 2 : 64;
        e->res = pp_xrealloc(e->res, e->capres, sizeof(*e->res));
    }
    e->res[e->nres++] = r;
}

struct pp_result *
new_result(const struct pp_target *t, uint64_t order)
{
    return pp_result_new(t, order);
}

void
vset(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt,
     va_list ap)
{
    pp_result_vset(r, s, rs, fmt, ap);
}

void
set(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vset(r, s, rs, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------- the run */

void
run_deadline(void *arg)
{
    struct pp_engine *e = arg;
    struct pp_check *c;

    /* Stop what still runs; resources are released after the loop.  Every
     * pending result belongs to a check not yet finished. */
    e->over = true;
    pp_dns_cancel(e->dns);
    for (c = e->all; c != NULL; c = c->all_next) {
        struct pp_result *r = c->r;
        if (r->state == PP_ST_PENDING)
            set(r, PP_ST_ERROR, PP_RS_RUN_DEADLINE,
                "not finished when the run's time limit passed (--run-timeout)");
    }
    pp_loop_timer(e->loop, &e->done_timer, pp_now_ms());
}

/* Progress for the caller, every half second. */
static void
progress(void *arg)
{
    struct pp_engine *e = arg;
    double secs = (pp_now_msf() - e->started) / 1000.0;
    struct pp_progress p;

    p.done = e->done;
    p.total = (e->o->sink != NULL ? e->emitted + e->checks_open : e->nres) +
              (e->o->feed ? e->o->feed->total - e->fed : 0);
    p.elapsed_s = secs;
    p.over = false;
    e->o->progress(e->o->progress_arg, &p);
    pp_loop_timer(e->loop, &e->progress_timer, pp_now_ms() + 500);
}

static size_t
fd_budget(void)
{
    struct rlimit rl;
    long open_max, fd, in_use = 0;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return 16;
    /* Take what the hard limit allows, within reason. */
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < rl.rlim_max &&
        rl.rlim_cur < 65536) {
        rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
#if defined(__APPLE__) && defined(OPEN_MAX)
        /* macOS refuses a soft limit above OPEN_MAX. */
        if (want > OPEN_MAX)
            want = OPEN_MAX;
#endif
        struct rlimit n = rl;
        n.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &n) == 0)
            rl = n;
    }
    open_max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536 ? 65536 : (long)rl.rlim_cur;
    /* Count what is already open (inherited descriptors included), when
     * the limit is low enough for that to matter. */
    if (open_max <= 4096) {
        for (fd = 0; fd < open_max; fd++)
            if (fcntl((int)fd, F_GETFD) >= 0)
                in_use++;
    } else {
        in_use = 64;
    }
    /* Leave room for c-ares, the terminal and later capture; checks that
     * still find the table full wait in the queue (check_start). */
    return open_max - in_use > 8 + 1 ? (size_t)(open_max - in_use - 8) : 1;
}

static int
cmp_result(const void *a, const void *b)
{
    const struct pp_result *x = *(struct pp_result *const *)a;
    const struct pp_result *y = *(struct pp_result *const *)b;

    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    /* A small-segment retry right after the check it repeats. */
    return (x->retry_of != NULL) - (y->retry_of != NULL);
}

/* Every target of the plan, once the NAT64 prefix is known. */
static void
start_targets(struct pp_engine *e)
{
    const struct pp_plan *plan = e->plan;
    size_t i;

    /* Counted as a lookup of its own while the targets start: a literal of
     * a family not asked for resolves at once to nothing, and must not end
     * the run before the targets after it are started. */
    e->dns_open++;
    for (i = 0; i < plan->n; i++) {
        e->ts[i].e = e;
        e->ts[i].t = plan->t[i];
        e->ts[i].idx = i;
        e->ts[i].base = (uint64_t)i << 20;
        start_target(e, &e->ts[i]);
    }
    e->dns_open--;
}

/* RFC 7050 section 3: the AAAA answers for ipv4only.arpa give the
 * network's NAT64 prefixes; none (no DNS64, a failure, the deadline)
 * leaves the well-known one alone. */
static void
on_ipv4only(const struct pp_dns_answer *a, void *arg)
{
    struct pp_engine *e = arg;
    uint8_t addrs[PP_DNS_MAX_ADDRS][16];
    struct pp_nat64_prefix found[PP_NAT64_MAX];
    size_t i, n = 0, m, k;

    for (i = 0; a->status == 0 && i < a->naddr; i++)
        if (a->addr[i].ss_family == AF_INET6)
            memcpy(addrs[n++], &((const struct sockaddr_in6 *)&a->addr[i])->sin6_addr, 16);
    m = pp_nat64_discover((const uint8_t (*)[16])addrs, n, found, PP_NAT64_MAX);
    for (i = 0; i < m; i++) {
        for (k = 0; k < e->nnat64; k++)
            if (e->nat64[k].bits == found[i].bits &&
                memcmp(e->nat64[k].addr, found[i].addr, 16) == 0)
                break;
        if (k == e->nnat64)
            e->nat64[e->nnat64++] = found[i];
    }
    e->nat64_found = m;
    e->dns_open--;
    if (!e->over)
        start_targets(e);
    pump(e);
    maybe_over(e);
}

static void
nat64_report(const struct pp_engine *e, struct pp_nat64_info *out)
{
    size_t k;

    memset(out, 0, sizeof(*out));
    out->ipv6_only = e->o->ipv6_only;
    out->no_ipv4_route = e->o->no_ipv4_route;
    out->looked = e->nat64_looked;
    out->nprefix = e->nat64_found;
    for (k = 0; k < e->nnat64; k++)
        if (!pp_nat64_is_wkp(&e->nat64[k]))
            break;
    if (e->nat64_found > 0) {
        /* The first discovered: the network-specific one, when there is one. */
        const struct pp_nat64_prefix *p = k < e->nnat64 ? &e->nat64[k] : &pp_nat64_wkp;
        pp_nat64_format(p, out->prefix, sizeof(out->prefix));
        out->discovered = true;
    } else if (e->nat64_wkp_used) {
        pp_nat64_format(&pp_nat64_wkp, out->prefix, sizeof(out->prefix));
    }
}

struct pp_engine *
pp_engine_start(struct pp_loop *loop, const struct pp_plan *plan,
                const struct pp_engine_opts *o, void (*done)(void *), void *arg, char *err,
                size_t errlen)
{
    struct pp_engine *e = pp_xcalloc(1, sizeof(*e));
    size_t i, waves;
    double run_s;

    e->o = o;
    e->loop = loop;
    e->done_cb = done;
    e->done_arg = arg;
    pp_timer_init(&e->done_timer, call_done, e);
    e->t0 = time(NULL);
    e->dns = pp_dns_new(loop, o->resolver, (int)(o->timeout_s * 1000.0), err, errlen);
    if (e->dns == NULL) {
        free(e);
        return NULL;
    }
    step_start(e);
    e->cap = (size_t)(o->parallel > 0 ? o->parallel : 1);
    i = fd_budget();
    if (e->cap > i)
        e->cap = i;
    /* Start-up work first, before any clock starts. */
    for (i = 0; i < plan->n; i++)
        if (plan->t[i]->tls) {
            pp_tls_ctx_warm(o->tls);
            break;
        }
    e->nts = plan->n;
    e->ts = pp_xcalloc(plan->n, sizeof(*e->ts));
    /* The run's limit: DNS, then the checks in waves of the cap, each
     * wave bounded by the per-check timeout, with slack. */
    waves = (plan->n * 2 + (o->feed ? (size_t)o->feed->total : 0) + e->cap - 1) / e->cap;
    run_s = o->run_timeout_s > 0 ? o->run_timeout_s
                                 : o->timeout_s * (double)(waves + 2) *
                                   (o->adaptive_timeout ? 2 : 1) + 5.0 + o->hold_s;
    if (o->adaptive_timeout)
        e->rtt = pp_rtt_new(o->timeout_s * 1000.0);
    if (o->run_timeout_s <= 0 && o->rate > 0 && o->feed != NULL)
        run_s += (double)o->feed->total / o->rate;
    e->started = pp_now_msf();
    e->tokens = 1.0;
    e->tokens_at = e->started;
    pp_timer_init(&e->rate_timer, pump_later, e);
    pp_timer_init(&e->progress_timer, progress, e);
    if (o->progress != NULL)
        pp_loop_timer(loop, &e->progress_timer, pp_now_ms() + 500);
    pp_timer_init(&e->run_deadline, run_deadline, e);
    pp_timer_init(&e->reprobe_timer, reprobe_next, e);
    pp_loop_timer(loop, &e->run_deadline, pp_now_ms() + (int64_t)(run_s * 1000.0));

    e->plan = plan;
    e->nat64[0] = pp_nat64_wkp;
    e->nnat64 = 1;
    if (o->ipv6_only && o->want_v6) {
        /* The prefix first (RFC 7050), on this loop: the judgement of
         * every address found needs it.  The lookup's own timeout bounds
         * the wait; the answer may come at once (a hosts file). */
        e->nat64_looked = true;
        e->dns_open++;
        pp_dns_lookup(e->dns, "ipv4only.arpa", AF_INET6, on_ipv4only, e);
        return e;
    }
    start_targets(e);
    pump(e);
    maybe_over(e);
    return e;
}

bool
pp_engine_done(const struct pp_engine *e)
{
    return e->over;
}

void
pp_engine_timeouts(const struct pp_engine *e, double *lo, double *hi)
{
    *lo = *hi = 0;
    if (e->rtt != NULL)
        pp_rtt_range(e->rtt, lo, hi);
}

const struct pp_result *const *
pp_engine_results(const struct pp_engine *e, size_t *n, uint64_t *generation)
{
    *n = e->nres;
    if (generation != NULL)
        *generation = e->generation;
    return (const struct pp_result *const *)e->res;
}

void
pp_engine_finish(struct pp_engine *e, struct pp_report *rep)
{
    struct pp_check *c;
    size_t i;

    memset(rep, 0, sizeof(*rep));
    e->over = true;
    pp_dns_cancel(e->dns);
    /* Release the checks the run deadline cut short (finishing frees). */
    while ((c = e->all) != NULL)
        check_finish(c);
    pp_loop_cancel(e->loop, &e->rate_timer);
    pp_loop_cancel(e->loop, &e->progress_timer);
    pp_loop_cancel(e->loop, &e->run_deadline);
    pp_loop_cancel(e->loop, &e->reprobe_timer);
    free(e->reprobe);
    pp_loop_cancel(e->loop, &e->done_timer);
    if (e->o->progress != NULL) {
        struct pp_progress p = {e->done, e->done, (pp_now_msf() - e->started) / 1000.0, true};
        e->o->progress(e->o->progress_arg, &p);
    }
    rep->duration_ms = pp_now_msf() - e->started;
    pp_rfc3339(e->t0, rep->started_at, sizeof(rep->started_at));
    rep->ended_at = (int64_t)time(NULL);
    if (e->nres > 1)
        qsort(e->res, e->nres, sizeof(*e->res), cmp_result);
    rep->results = e->res;
    rep->n = e->nres;
    rep->extra = e->extra;
    rep->nextra = e->nextra;
    nat64_report(e, &rep->nat64);
    /* Checks the feed still held when the run was cut short. */
    if (e->o->feed != NULL && e->o->feed->total > e->fed)
        rep->not_run = e->o->feed->total - e->fed;
    pp_dns_free(e->dns);   /* before the target states its callbacks use */
    for (i = 0; i < e->nextra; i++)
        free(e->extra_ts[i]);
    free(e->extra_ts);
    free(e->ts);
    pp_rtt_free(e->rtt);
    free(e);
}

static void
stop_loop(void *arg)
{
    pp_loop_stop(arg);
}

int
pp_engine_run(const struct pp_plan *plan, const struct pp_engine_opts *o,
              struct pp_report *rep, char *err, size_t errlen)
{
    struct pp_loop *loop = pp_loop_new();
    struct pp_engine *e = pp_engine_start(loop, plan, o, stop_loop, loop, err, errlen);
    int rc = 0;

    memset(rep, 0, sizeof(*rep));
    if (e == NULL) {
        pp_loop_free(loop);
        return -1;
    }
    if (!pp_engine_done(e) && pp_loop_run(loop) < 0) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        rc = -1;
    }
    pp_engine_finish(e, rep);
    pp_loop_free(loop);
    return rc;
}

void
pp_report_free(struct pp_report *rep)
{
    size_t i;

    pp_report_free_results(rep);
    for (i = 0; i < rep->nextra; i++)
        pp_target_free(rep->extra[i]);
    free(rep->extra);
    rep->extra = NULL;
    rep->nextra = 0;
}
