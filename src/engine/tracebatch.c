/* SPDX-License-Identifier: ISC */
/*
 * The traces of a whole report (trace.h): one per address and port that
 * asked for one, a few at a time on the run's loop, each judged against a
 * trace of the same address that reached the server.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/netx.h"
#include "core/util.h"
#include "engine/dns.h"
#include "engine/trace.h"

struct job {
    struct sockaddr_storage sa;
    char address[48];
    uint16_t port;
    struct pp_path *path;
    struct pp_tracer *tr;
    struct pp_trace_batch *b;
};

struct pp_trace_batch {
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct pp_trace_opts o;
    struct pp_report *rep;
    bool *want;
    struct job *jobs;
    size_t njobs;
    size_t next;
    size_t running;
    size_t max_running;
    size_t finished;
    char err[200];       /* the first trace's failure, "" */
    struct pp_timer kick;
    void (*done)(void *);
    void *arg;
};

static void start_more(struct pp_trace_batch *b);

static void
batch_kick(void *arg)
{
    struct pp_trace_batch *b = arg;

    b->done(b->arg);
}

static void
job_done(struct pp_path *path, const char *err, void *arg)
{
    struct job *j = arg;

    if (path == NULL && err != NULL && j->b->err[0] == '\0')
        snprintf(j->b->err, sizeof(j->b->err), "%s", err);
    j->path = path;
    j->tr = NULL;
    j->b->running--;
    j->b->finished++;
    start_more(j->b);
}

static void
start_more(struct pp_trace_batch *b)
{
    char err[200];

    while (b->running < b->max_running && b->next < b->njobs) {
        struct job *j = &b->jobs[b->next++];

        j->b = b;
        j->tr = pp_trace_start(b->loop, b->dns, (struct sockaddr *)&j->sa, &b->o, job_done, j,
                               err, sizeof(err));
        if (j->tr == NULL) {
            if (b->err[0] == '\0')
                snprintf(b->err, sizeof(b->err), "%s", err);
            b->finished++;
            continue;
        }
        b->running++;
    }
    /* done() from a turn of the loop of its own, never from in here. */
    if (b->finished == b->njobs)
        pp_loop_timer(b->loop, &b->kick, pp_now_ms());
}

struct pp_trace_batch *
pp_trace_batch_start(struct pp_loop *loop, struct pp_report *rep, const bool *want,
                     const struct pp_trace_opts *o, void (*done)(void *), void *arg, char *err,
                     size_t errlen)
{
    struct pp_trace_batch *b;
    size_t i, k, per;
    struct rlimit rl;

    err[0] = '\0';
    if (rep->n == 0)
        return NULL;
    if (!pp_trace_available(err, errlen))
        return NULL;
    b = pp_xcalloc(1, sizeof(*b));
    b->loop = loop;
    b->o = *o;
    b->rep = rep;
    b->done = done;
    b->arg = arg;
    pp_timer_init(&b->kick, batch_kick, b);
    b->want = pp_xcalloc(rep->n, sizeof(*b->want));
    memcpy(b->want, want, rep->n * sizeof(*b->want));
    b->jobs = pp_xcalloc(rep->n, sizeof(*b->jobs));
    /* One trace per (address, port), shared by the checks that name it. */
    for (i = 0; i < rep->n; i++) {
        struct pp_result *r = rep->results[i];
        struct sockaddr_storage ss;

        if (!b->want[i] || pp_netx_sockaddr(r->address, r->target->port, &ss) < 0)
            continue;
        for (k = 0; k < b->njobs; k++)
            if (b->jobs[k].port == r->target->port && strcmp(b->jobs[k].address, r->address) == 0)
                break;
        if (k < b->njobs)
            continue;
        b->jobs[b->njobs].sa = ss;
        b->jobs[b->njobs].port = r->target->port;
        snprintf(b->jobs[b->njobs].address, sizeof(b->jobs[0].address), "%s", r->address);
        b->njobs++;
    }
    if (b->njobs == 0) {
        free(b->want);
        free(b->jobs);
        free(b);
        return NULL;
    }
    /* A trace holds max_ttl x probes descriptors for a moment: as many at
     * once as a quarter of the descriptor limit allows, 8 at most. */
    per = (size_t)(o->max_ttl > 0 ? o->max_ttl : PP_TRACE_DEFAULT_TTL) *
          (size_t)(o->probes > 0 ? o->probes : PP_TRACE_PROBES) + 2;
    b->max_running = 8;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur / 4 / per < b->max_running)
        b->max_running = rl.rlim_cur / 4 / per > 0 ? rl.rlim_cur / 4 / per : 1;
    if (o->names) {
        char derr[200];
        b->dns = pp_dns_new(loop, o->resolver, 2000, derr, sizeof(derr));
    }
    start_more(b);
    return b;
}

void
pp_trace_batch_finish(struct pp_trace_batch *b)
{
    struct pp_report *rep;
    size_t i, k;

    if (b == NULL)
        return;
    rep = b->rep;
    pp_loop_cancel(b->loop, &b->kick);
    for (k = 0; k < b->njobs; k++)
        if (b->jobs[k].tr != NULL)
            pp_trace_cancel(b->jobs[k].tr);
    pp_dns_free(b->dns);
    /* Where the server really is: the farthest reach among the traces of
     * the same address (a box on the way can only shorten it). */
    for (k = 0; k < b->njobs; k++) {
        const struct pp_path *ref = NULL;
        size_t m;

        if (b->jobs[k].path == NULL)
            continue;
        for (m = 0; m < b->njobs; m++)
            if (m != k && b->jobs[m].path != NULL && b->jobs[m].path->end == PP_PE_REACHED &&
                strcmp(b->jobs[m].address, b->jobs[k].address) == 0 &&
                (ref == NULL || b->jobs[m].path->reach_ttl > ref->reach_ttl))
                ref = b->jobs[m].path;
        pp_trace_compare(b->jobs[k].path, ref);
    }
    for (i = 0; i < rep->n; i++) {
        struct pp_result *r = rep->results[i];

        if (!b->want[i])
            continue;
        for (k = 0; k < b->njobs; k++)
            if (b->jobs[k].path != NULL && b->jobs[k].port == r->target->port &&
                strcmp(b->jobs[k].address, r->address) == 0) {
                pp_path_free(r->path);
                r->path = pp_path_dup(b->jobs[k].path);
                break;
            }
    }
    for (k = 0; k < b->njobs; k++)
        pp_path_free(b->jobs[k].path);
    free(b->jobs);
    free(b->want);
    free(b);
}

static void
report_done(void *arg)
{
    pp_loop_stop(arg);
}

int
pp_trace_report(struct pp_report *rep, const bool *want, const struct pp_trace_opts *o,
                char *err, size_t errlen)
{
    struct pp_loop *loop = pp_loop_new();
    struct pp_trace_batch *b;
    size_t i;
    int traced = 0;

    b = pp_trace_batch_start(loop, rep, want, o, report_done, loop, err, errlen);
    if (b == NULL) {
        pp_loop_free(loop);
        return err[0] != '\0' ? -1 : 0;
    }
    while (!pp_loop_stopped(loop))
        if (pp_loop_run_once(loop, -1) < 0)
            break;
    if (b->err[0] != '\0')
        snprintf(err, errlen, "%s", b->err);
    pp_trace_batch_finish(b);
    pp_loop_free(loop);
    for (i = 0; i < rep->n; i++)
        traced += rep->results[i]->path != NULL;
    /* Nothing traced and a reason why: say it. */
    return traced == 0 && err[0] != '\0' ? -1 : traced;
}
