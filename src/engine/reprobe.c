/* SPDX-License-Identifier: ISC */
/*
 * The second look at silent checks beside an ICMP reject, one a second,
 * since routers rate-limit their ICMP errors.
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

/* ---------------------------------------------------- ICMP rate limits */

/*
 * Routers send only a few ICMP errors per second to one host (Linux: a
 * burst of 6, then one a second, per destination): when many checks are
 * rejected at once, those past the burst see silence and would be reported
 * as silently dropped.  So when the run is otherwise over and some check
 * of a family got an ICMP error, the silent checks of that family go again,
 * one a second (REPROBE_GAP_MS, the rate the routers allow), within the
 * run's deadline.  Those the deadline leaves no room for, or past
 * REPROBE_MAX, keep their silence with the evidence that a reject may have
 * been rate-limited (details rate_limit_suspect).  Silent checks are
 * candidates beside a reject of the same address, port or subnet (see
 * beside_reject).
 */
#define REPROBE_GAP_MS 1050
#define REPROBE_MAX 32

static bool
silent_connect(const struct pp_result *r)
{
    return r->state == PP_ST_FILTERED && r->reason == PP_RS_NO_RESPONSE && r->has_address &&
           r->retry_of == NULL && !r->target->probe->udp &&
           pp_detail_get(r, "reprobe") == NULL;
}

void
reprobe_next(void *arg)
{
    struct pp_engine *e = arg;
    struct pp_result *r;
    struct pp_check *c;
    struct sockaddr_storage sa;
    const char *router = "";
    size_t i;

    if (e->over || e->reprobe_next >= e->nreprobe)
        return;
    r = e->reprobe[e->reprobe_next++];
    /* Where the rejects came from: the router the first try did not hear. */
    for (i = 0; i < e->nres && router[0] == '\0'; i++)
        if (e->res[i]->icmp_from[0] != '\0' && e->res[i]->family == r->family)
            router = e->res[i]->icmp_from;
    (void)pp_netx_sockaddr(r->address, r->target->port, &sa);
    pp_detail_str(r, "first_try", pp_reason_name(r->reason));
    pp_detail_str(r, "reprobe", "icmp-rate-limit");
    if (router[0] != '\0')
        pp_detail_str(r, "reprobe_because", router);
    free(r->message);
    r->message = NULL;
    r->state = PP_ST_PENDING;
    r->reason = PP_RS_NONE;
    r->t_connect = r->t_tls = r->t_total = r->t_app = r->t_first_byte = -1;
    c = check_queue(e, r, false);
    memcpy(&c->sa, &sa, sizeof(sa));
    c->salen = r->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    e->generation++;
    if (e->reprobe_next < e->nreprobe)
        pp_loop_timer(e->loop, &e->reprobe_timer, pp_now_ms() + REPROBE_GAP_MS);
    pump(e);
    maybe_over(e);
}

/* The same /24 (IPv4) or /64 (IPv6): most likely the same path. */
static bool
same_subnet(const struct pp_result *a, const struct pp_result *b)
{
    unsigned char x[16], y[16];

    if (a->family != b->family ||
        inet_pton(a->family, a->address, x) != 1 || inet_pton(b->family, b->address, y) != 1)
        return false;
    return memcmp(x, y, a->family == AF_INET6 ? 8 : 3) == 0;
}

/* Silent r is a candidate when a check of the run that got an ICMP error
 * shares its address or its port (firewall rules go by port), or is in
 * its subnet. */
static bool
beside_reject(const struct pp_engine *e, const struct pp_result *r)
{
    size_t i;

    for (i = 0; i < e->nres; i++) {
        const struct pp_result *q = e->res[i];
        bool port = q->target->port == r->target->port;

        if (q->icmp_from[0] == '\0' || q->family != r->family)
            continue;
        if (port || strcmp(q->address, r->address) == 0 || same_subnet(q, r))
            return true;
    }
    return false;
}

/* The run is otherwise over: start the re-probes, if any.  True while
 * some are still to come (the run is not over yet). */
bool
reprobe_start(struct pp_engine *e)
{
    size_t i, room, nsilent = 0;
    double left_ms;

    if (e->reprobe_looked)
        return e->reprobe_next < e->nreprobe;
    e->reprobe_looked = true;
    /* Not in an audit: there one rule's silence beside another's rejects
     * is the normal case, and the checks are too many to go again. */
    if (e->o->feed != NULL)
        return false;
    for (i = 0; i < e->nres; i++)
        nsilent += silent_connect(e->res[i]);
    if (nsilent == 0)
        return false;
    /* Room left before the run's deadline, less one check's timeout for
     * the last re-probe. */
    left_ms = (double)(e->run_deadline.when - pp_now_ms()) - e->o->timeout_s * 1000.0 - 500.0;
    room = left_ms > 0 ? (size_t)(left_ms / REPROBE_GAP_MS) + 1 : 0;
    if (e->o->run_timeout_s <= 0)
        room = REPROBE_MAX;   /* the deadline is ours: it makes room below */
    for (i = 0; i < e->nres; i++) {
        struct pp_result *r = e->res[i];
        if (!silent_connect(r) || !beside_reject(e, r))
            continue;
        if (e->nreprobe < room && e->nreprobe < REPROBE_MAX) {
            e->reprobe = pp_xrealloc(e->reprobe, e->nreprobe + 1, sizeof(*e->reprobe));
            e->reprobe[e->nreprobe++] = r;
        } else {
            pp_detail_bool(r, "rate_limit_suspect", true);
            free(r->message);
            r->message = pp_xstrdup("no answer before the deadline; other checks of this run "
                                    "were rejected with ICMP, and routers rate-limit those "
                                    "errors: this one may have been rejected too (not tried "
                                    "again: no time left)");
        }
    }
    if (e->nreprobe == 0)
        return false;
    if (e->o->run_timeout_s <= 0) {
        int64_t need = pp_now_ms() + (int64_t)e->nreprobe * REPROBE_GAP_MS +
                       (int64_t)(e->o->timeout_s * 1000.0) + 1000;
        if (need > e->run_deadline.when)
            pp_loop_timer(e->loop, &e->run_deadline, need);
    }
    /* The first try's silence lasted a timeout: the routers' buckets have
     * refilled a little by now. */
    pp_loop_timer(e->loop, &e->reprobe_timer, pp_now_ms());
    return true;
}
