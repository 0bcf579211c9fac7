/* SPDX-License-Identifier: ISC */
/* TCP path traces in the poll loop, one trace at a time (the judgement of
 * what a trace saw is tracejudge.c, a whole report's traces tracebatch.c);
 * see trace.h. */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/loop.h"
#include "core/netx.h"
#include "core/util.h"
#include "engine/dns.h"
#include "engine/trace.h"
#include "engine/trace_raw.h"
#include "core/applenet.h"

/* --------------------------------------------------------------- runner */

/* A DNS name as shown: printable, at most 253 characters. */
static char *
printable_name(const char *name)
{
    size_t n = strlen(name), i;
    char *s;

    if (n > 253)
        n = 253;
    s = pp_xmalloc(n + 1);
    for (i = 0; i < n; i++)
        s[i] = name[i] > 32 && name[i] < 127 ? name[i] : '?';
    s[n] = '\0';
    return s;
}

struct probe {
    struct pp_tracer *t;
    int fd;
    int ttl;
    uint16_t sport;
    double sent;       /* pp_now_msf() */
    int64_t sent_us;   /* the wall clock, for the kernel's arrival stamps */
    bool settled;
};

static int64_t
wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct name_req {
    struct pp_tracer *t;   /* NULL once the trace is gone */
    size_t hop;
};

struct pp_tracer {
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    int family;
    uint16_t port;
    char dest[48];
    int max_ttl;
    bool use_raw;
    int raw_fd;
    struct probe *pr;
    size_t npr;
    size_t unsettled;
    struct pp_trace_obs *obs;
    size_t nobs;
    struct pp_timer deadline;
    struct pp_timer kick;
    struct pp_timer names_deadline;
    struct pp_path *path;
    struct name_req **names;
    size_t nnames;
    size_t names_pending;
    bool judged;
    unsigned unqueued;   /* probes an ICMP error ended that left nothing queued */
    bool finished;
    char err[200];
    pp_trace_done_cb done;
    void *arg;
};

bool
pp_trace_available(char *why, size_t whylen)
{
    int fd;

#if defined(HAVE_LINUX_ERRQUEUE_H) && defined(__linux__)
    (void)fd;
    (void)why;
    (void)whylen;
    return true;
#else
    fd = pp_traceraw_open(AF_INET);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    snprintf(why, whylen, "path traces need a raw ICMP socket on this system: run as root");
    return false;
#endif
}

static void
close_probe(struct probe *p)
{
    if (p->fd >= 0) {
        pp_loop_unwatch(p->t->loop, p->fd);
        close(p->fd);
        p->fd = -1;
    }
}

static void finish_trace(struct pp_tracer *t);

static void
on_kick(void *arg)
{
    finish_trace(arg);
}

/* Done early when every TTL below the first answer that ends the path has
 * been heard from (or given up on): the rest would only repeat it. */
static void
maybe_done(struct pp_tracer *t)
{
    size_t i;
    int term = 0;

    if (t->unsettled == 0) {
        pp_loop_timer(t->loop, &t->kick, pp_now_ms());
        return;
    }
    for (i = 0; i < t->nobs; i++)
        if (pp_trace_reply_ends(t->obs[i].reply) && (term == 0 || t->obs[i].ttl < term))
            term = t->obs[i].ttl;
    if (term == 0)
        return;
    for (i = 0; i < t->npr; i++)
        if (!t->pr[i].settled && t->pr[i].ttl < term)
            return;
    pp_loop_timer(t->loop, &t->kick, pp_now_ms());
}

/* The round trip: from the kernel's stamp of the answer's arrival (at_us)
 * or its own measure of the handshake (rtt_ms) where there is one, so
 * that answers read late, while other probes were still being sent, are
 * not slowed down; from when we read it otherwise. */
static double
probe_rtt(const struct probe *p, int64_t at_us, double rtt_ms)
{
    if (rtt_ms >= 0)
        return rtt_ms;
    if (at_us > 0 && at_us >= p->sent_us)
        return (double)(at_us - p->sent_us) / 1000.0;
    return pp_now_msf() - p->sent;
}

static void
settle_at(struct probe *p, enum pp_hop_reply reply, const char *from, double rtt)
{
    struct pp_tracer *t = p->t;
    struct pp_trace_obs *o;

    if (p->settled)
        return;
    p->settled = true;
    t->unsettled--;
    close_probe(p);
    if (reply != PP_HR_NONE) {
        o = &t->obs[t->nobs++];
        o->ttl = p->ttl;
        o->reply = reply;
        o->rtt_ms = rtt;
        snprintf(o->from, sizeof(o->from), "%s", from);
    }
    maybe_done(t);
}

static void
settle(struct probe *p, enum pp_hop_reply reply, const char *from)
{
    settle_at(p, reply, from, probe_rtt(p, 0, -1));
}

static void
read_raw(struct pp_tracer *t)
{
    struct pp_trace_icmp ic;
    char from[48];
    size_t i;

    while (t->raw_fd >= 0 && pp_traceraw_read(t->raw_fd, t->family, &ic, from, sizeof(from)) > 0) {
        if (ic.dport != t->port || strcmp(ic.quoted_dst, t->dest) != 0)
            continue;
        for (i = 0; i < t->npr; i++)
            if (t->pr[i].sport == ic.sport && !t->pr[i].settled) {
                settle_at(&t->pr[i], pp_trace_icmp_reply(t->family, ic.type, ic.code), from,
                          probe_rtt(&t->pr[i], ic.at_us, -1));
                break;
            }
    }
}

static void
on_raw(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    read_raw(arg);
}

static void
on_probe(int fd, short revents, void *arg)
{
    struct probe *p = arg;
    struct pp_tracer *t = p->t;
    struct pp_icmp ic;
    int err = 0;
    socklen_t el = sizeof(err);

    (void)revents;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
        err = errno;
    if (err == 0) {
        double rtt;
        settle_at(p, PP_HR_SYN_ACK, t->dest,
                  pp_netx_handshake_rtt(fd, &rtt) ? rtt : probe_rtt(p, 0, -1));
        return;
    }
    if (!t->use_raw && pp_netx_icmp(fd, &ic)) {
        settle_at(p, pp_trace_icmp_reply(ic.family, ic.type, ic.code), ic.from,
                  probe_rtt(p, ic.at_us, -1));
        return;
    }
    if (t->use_raw) {
        /* The ICMP that ended this connect may wait on the raw socket. */
        read_raw(t);
        if (p->settled)
            return;
    }
    if (err == ECONNREFUSED) {
        settle(p, PP_HR_RST, t->dest);
        return;
    }
    /* A router's ICMP error ended the connect at once, but the kernel
     * queued nothing: Linux before 5.8 does not for TCP. */
    if (!t->use_raw && (err == EHOSTUNREACH || err == ENETUNREACH) &&
        pp_now_msf() - p->sent < 1000)
        t->unqueued++;
    /* Ended by an error nothing explains (yet): stop watching the socket;
     * with the raw socket its ICMP may still come. */
    close_probe(p);
    if (!t->use_raw)
        settle(p, PP_HR_NONE, "");
}

static void
on_deadline(void *arg)
{
    finish_trace(arg);
}

/* After done() the tracer is gone. */
static void
deliver(struct pp_tracer *t)
{
    struct pp_path *path = t->path;
    pp_trace_done_cb done = t->done;
    void *arg = t->arg;
    char err[sizeof(t->err)];

    snprintf(err, sizeof(err), "%s", t->err[0] != '\0' ? t->err : "the trace ended early");
    t->path = NULL;
    t->finished = true;
    pp_trace_cancel(t);
    done(path, path == NULL ? err : NULL, arg);
}

static void
on_names_deadline(void *arg)
{
    deliver(arg);
}

static void
on_name(const char *name, void *arg)
{
    struct name_req *nr = arg;
    struct pp_tracer *t = nr->t;
    size_t hop = nr->hop, i;

    /* Every request comes back here, at the latest when the resolver is
     * freed: this is where it goes. */
    if (t != NULL)
        for (i = 0; i < t->nnames; i++)
            if (t->names[i] == nr)
                t->names[i] = NULL;
    free(nr);
    if (t == NULL)
        return;
    if (name != NULL && t->path != NULL && hop < t->path->nhops)
        t->path->hops[hop].name = printable_name(name);
    if (--t->names_pending == 0 && !t->finished)
        deliver(t);
}

static void
finish_trace(struct pp_tracer *t)
{
    size_t i;

    if (t->judged)
        return;
    t->judged = true;
    pp_loop_cancel(t->loop, &t->deadline);
    pp_loop_cancel(t->loop, &t->kick);
    if (t->use_raw)
        read_raw(t);
    for (i = 0; i < t->npr; i++)
        close_probe(&t->pr[i]);
    if (t->raw_fd >= 0) {
        pp_loop_unwatch(t->loop, t->raw_fd);
        close(t->raw_fd);
        t->raw_fd = -1;
    }
    if (t->unqueued > 0) {
        for (i = 0; i < t->nobs; i++)
            if (t->obs[i].reply != PP_HR_SYN_ACK && t->obs[i].reply != PP_HR_RST)
                break;
        if (i == t->nobs) {
            /* Routers answered, but who they are is lost: no path rather
             * than a wrong one. */
            snprintf(t->err, sizeof(t->err), "the kernel queued no ICMP errors on the "
                     "probes' sockets (Linux before 5.8 does not for TCP): run as root "
                     "to trace with a raw socket");
            deliver(t);
            return;
        }
    }
    t->path = pp_xcalloc(1, sizeof(*t->path));
    pp_trace_judge(t->obs, t->nobs, t->dest, t->max_ttl, t->path);
    t->path->method = t->use_raw ? "raw" : "errqueue";
    if (t->dns != NULL && t->path->nhops > 0) {
        /* One count of our own while asking: an answer that comes back
         * at once (the hosts file) cannot end the trace under us. */
        t->names_pending = 1;
        t->names = pp_xcalloc(t->path->nhops, sizeof(*t->names));
        for (i = 0; i < t->path->nhops; i++) {
            struct sockaddr_storage ss;
            const char *a = t->path->hops[i].address;

            if (a[0] == '\0' || pp_netx_sockaddr(a, 0, &ss) < 0)
                continue;
            t->names[t->nnames] = pp_xcalloc(1, sizeof(**t->names));
            t->names[t->nnames]->t = t;
            t->names[t->nnames]->hop = i;
            t->names_pending++;
            t->nnames++;
            pp_dns_reverse(t->dns, (struct sockaddr *)&ss, on_name, t->names[t->nnames - 1]);
        }
        if (--t->names_pending > 0) {
            /* Names are a courtesy: a resolver that does not answer costs
             * at most two seconds. */
            pp_loop_timer(t->loop, &t->names_deadline, pp_now_ms() + 2000);
            return;
        }
    }
    deliver(t);
}

static int
open_probe(struct pp_tracer *t, struct probe *p, char *err, size_t errlen)
{
    int fd, ttl = p->ttl;
    struct sockaddr_storage me;
    socklen_t ml = sizeof(me);

    fd = socket(t->family, SOCK_STREAM, 0);
    if (fd < 0 || pp_netx_nonblock(fd) < 0) {
        snprintf(err, errlen, "cannot open a probe socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (t->family == AF_INET6)
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
    else
        (void)setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
    if (!t->use_raw)
        pp_netx_prepare(fd, t->family);
    {
        /* The probe is over at its first answer: a reset, not a FIN. */
        struct linger lg = {1, 0};
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    }
    pp_netx_timestamps(fd);
    p->fd = fd;
    p->sent = pp_now_msf();
    p->sent_us = wall_us();
    if (connect(fd, (struct sockaddr *)&t->dst, t->dstlen) == 0) {
        settle(p, PP_HR_SYN_ACK, t->dest);
        return 0;
    }
    if (errno != EINPROGRESS) {
        /* Refused at once: this host has no route, or its own firewall. */
        settle(p, PP_HR_NONE, "");
        return 0;
    }
    if (getsockname(fd, (struct sockaddr *)&me, &ml) == 0)
        p->sport = ntohs(me.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&me)->sin6_port
                                                  : ((struct sockaddr_in *)&me)->sin_port);
    if (pp_loop_watch(t->loop, fd, POLLOUT, on_probe, p) < 0) {
        snprintf(err, errlen, "too many descriptors for a path trace");
        close_probe(p);
        return -1;
    }
    return 0;
}

struct pp_tracer *
pp_trace_start(struct pp_loop *loop, struct pp_dns *dns, const struct sockaddr *dst,
               const struct pp_trace_opts *o, pp_trace_done_cb done, void *arg, char *err,
               size_t errlen)
{
    struct pp_tracer *t;
    int probes = o->probes > 0 ? o->probes : PP_TRACE_PROBES;
    int ttl, k;
    size_t i;
    bool errqueue = false;

    if (dst->sa_family != AF_INET && dst->sa_family != AF_INET6) {
        snprintf(err, errlen, "nothing to trace: no address");
        return NULL;
    }
#if defined(HAVE_LINUX_ERRQUEUE_H) && defined(__linux__)
    errqueue = true;
#endif
    t = pp_xcalloc(1, sizeof(*t));
    t->loop = loop;
    t->dns = dns;
    t->family = dst->sa_family;
    t->dstlen = t->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    memcpy(&t->dst, dst, t->dstlen);
    if (t->family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&t->dst)->sin6_addr, t->dest,
                  sizeof(t->dest));
    else
        inet_ntop(AF_INET, &((struct sockaddr_in *)&t->dst)->sin_addr, t->dest,
                  sizeof(t->dest));
    t->port = ntohs(t->family == AF_INET6 ? ((struct sockaddr_in6 *)&t->dst)->sin6_port
                                          : ((struct sockaddr_in *)&t->dst)->sin_port);
    t->max_ttl = o->max_ttl > 0 ? o->max_ttl : PP_TRACE_DEFAULT_TTL;
    if (t->max_ttl > PP_TRACE_MAX_TTL)
        t->max_ttl = PP_TRACE_MAX_TTL;
    t->raw_fd = -1;
    /* The raw socket where we may open one and where there is no error
     * queue; the error queue otherwise. */
    if (o->raw || !errqueue)
        t->raw_fd = pp_traceraw_open(t->family);
    if (t->raw_fd < 0 && !errqueue) {
        snprintf(err, errlen, "path traces need a raw ICMP socket on this system "
                 "(run as root): %s", strerror(errno));
        free(t);
        return NULL;
    }
    t->use_raw = t->raw_fd >= 0;
    pp_timer_init(&t->deadline, on_deadline, t);
    pp_timer_init(&t->kick, on_kick, t);
    pp_timer_init(&t->names_deadline, on_names_deadline, t);
    t->done = done;
    t->arg = arg;
    t->npr = (size_t)t->max_ttl * (size_t)probes;
    t->pr = pp_xcalloc(t->npr, sizeof(*t->pr));
    t->obs = pp_xcalloc(t->npr, sizeof(*t->obs));
    t->unsettled = t->npr;
    for (i = 0; i < t->npr; i++) {
        t->pr[i].t = t;
        t->pr[i].fd = -1;
    }
    if (t->use_raw && pp_loop_watch(loop, t->raw_fd, POLLIN, on_raw, t) < 0) {
        snprintf(err, errlen, "too many descriptors for a path trace");
        close(t->raw_fd);
        t->raw_fd = -1;
        pp_trace_cancel(t);
        return NULL;
    }
    /* Every TTL at once, each probe of a hop in its own round. */
    i = 0;
    for (k = 0; k < probes; k++)
        for (ttl = 1; ttl <= t->max_ttl; ttl++) {
            t->pr[i].ttl = ttl;
            if (open_probe(t, &t->pr[i], err, errlen) < 0) {
                pp_trace_cancel(t);
                return NULL;
            }
            i++;
        }
    pp_loop_timer(loop, &t->deadline,
                  pp_now_ms() + (int64_t)(o->timeout_s > 0 ? o->timeout_s * 1000 : 3000));
    return t;
}

void
pp_trace_cancel(struct pp_tracer *t)
{
    size_t i;

    if (t == NULL)
        return;
    pp_loop_cancel(t->loop, &t->deadline);
    pp_loop_cancel(t->loop, &t->kick);
    pp_loop_cancel(t->loop, &t->names_deadline);
    for (i = 0; i < t->npr; i++)
        if (t->pr[i].fd >= 0) {
            pp_loop_unwatch(t->loop, t->pr[i].fd);
            close(t->pr[i].fd);
        }
    if (t->raw_fd >= 0) {
        pp_loop_unwatch(t->loop, t->raw_fd);
        close(t->raw_fd);
    }
    /* Lookups still out free their requests when they come back. */
    for (i = 0; i < t->nnames; i++)
        if (t->names[i] != NULL)
            t->names[i]->t = NULL;
    free(t->names);
    pp_path_free(t->path);
    free(t->pr);
    free(t->obs);
    free(t);
}
