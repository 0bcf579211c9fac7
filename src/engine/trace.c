/* TCP path traces in the poll loop; see trace.h. */
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

/* ------------------------------------------------------------ judgement */

enum pp_hop_reply
pp_trace_icmp_reply(int family, uint8_t type, uint8_t code)
{
    if (family == AF_INET) {
        if (type == 11)
            return PP_HR_TIME_EXCEEDED;
        if (type != 3)
            return PP_HR_NONE;
        /* 9, 10: network/host administratively prohibited (RFC 1122);
         * 13: communication administratively prohibited (RFC 1812). */
        return code == 9 || code == 10 || code == 13 ? PP_HR_ADMIN_PROHIBITED
                                                     : PP_HR_UNREACHABLE;
    }
    if (family == AF_INET6) {
        if (type == 3)
            return PP_HR_TIME_EXCEEDED;
        if (type != 1)
            return PP_HR_NONE;
        /* 1: administratively prohibited; 5: source address failed
         * ingress/egress policy; 6: reject route (RFC 4443). */
        return code == 1 || code == 5 || code == 6 ? PP_HR_ADMIN_PROHIBITED
                                                   : PP_HR_UNREACHABLE;
    }
    return PP_HR_NONE;
}

static bool
in4(const uint8_t *a, uint8_t b0, uint8_t b1, int bits)
{
    uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    uint32_t p = (uint32_t)b0 << 24 | (uint32_t)b1 << 16;
    uint32_t m = bits == 0 ? 0 : 0xffffffffu << (32 - bits);

    return (x & m) == (p & m);
}

enum pp_hop_network
pp_trace_network(const char *address)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const uint8_t *a;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (inet_pton(AF_INET, address, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        a = (const uint8_t *)&sin.sin_addr;
        /* RFC 1918, loopback, link-local (RFC 3927) */
        if (in4(a, 10, 0, 8) || in4(a, 172, 16, 12) || in4(a, 192, 168, 16) ||
            in4(a, 127, 0, 8) || in4(a, 169, 254, 16))
            return PP_NW_LOCAL;
        if (in4(a, 100, 64, 10))   /* RFC 6598 shared address space */
            return PP_NW_CGNAT;
        return pp_addr_in_apple((const struct sockaddr *)&sin) ? PP_NW_APPLE : PP_NW_PUBLIC;
    }
    if (inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        a = (const uint8_t *)&sin6.sin6_addr;
        /* unique local fc00::/7 (RFC 4193), link-local fe80::/10, ::1 */
        if ((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
            IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr))
            return PP_NW_LOCAL;
        return pp_addr_in_apple((const struct sockaddr *)&sin6) ? PP_NW_APPLE : PP_NW_PUBLIC;
    }
    return PP_NW_PUBLIC;
}

static bool
terminal(enum pp_hop_reply r)
{
    return r == PP_HR_SYN_ACK || r == PP_HR_RST || r == PP_HR_UNREACHABLE ||
           r == PP_HR_ADMIN_PROHIBITED;
}

static void
set_address(char *dst, const char *src)
{
    snprintf(dst, 48, "%s", src);
}

void
pp_trace_judge(const struct pp_trace_obs *obs, size_t n, const char *dest, int max_ttl,
               struct pp_path *out)
{
    struct pp_hop *h;
    size_t i;
    int t, term = 0, last = 0, k;

    memset(out, 0, sizeof(*out));
    if (max_ttl < 1)
        max_ttl = 1;
    if (max_ttl > PP_TRACE_MAX_TTL)
        max_ttl = PP_TRACE_MAX_TTL;
    h = pp_xcalloc((size_t)max_ttl, sizeof(*h));
    for (t = 0; t < max_ttl; t++) {
        h[t].ttl = t + 1;
        h[t].rtt_ms = -1;
        h[t].network = PP_NW_PUBLIC;
    }
    /* Per hop: the fastest probe that got an answer speaks for it. */
    for (i = 0; i < n; i++) {
        const struct pp_trace_obs *o = &obs[i];
        struct pp_hop *x;

        if (o->ttl < 1 || o->ttl > max_ttl || o->reply == PP_HR_NONE || o->reply >= PP_HR__COUNT)
            continue;
        x = &h[o->ttl - 1];
        if (x->reply == PP_HR_NONE || o->rtt_ms < x->rtt_ms) {
            x->reply = o->reply;
            x->rtt_ms = o->rtt_ms < 0 ? 0 : o->rtt_ms;
            set_address(x->address,
                        o->reply == PP_HR_SYN_ACK || o->reply == PP_HR_RST ? dest : o->from);
        }
    }
    for (t = 0; t < max_ttl; t++) {
        if (h[t].reply != PP_HR_NONE) {
            h[t].network = pp_trace_network(h[t].address);
            last = t + 1;
        }
        if (term == 0 && terminal(h[t].reply))
            term = t + 1;
    }
    out->hops = h;
    if (term > 0) {
        struct pp_hop *x = &h[term - 1];

        out->nhops = (size_t)term;
        out->end_hop = term;
        set_address(out->end_address, x->address);
        out->end_network = x->network;
        if (x->reply == PP_HR_SYN_ACK || x->reply == PP_HR_RST) {
            out->end = PP_PE_REACHED;
            out->reach_ttl = term;
        } else {
            out->end = PP_PE_REJECTED;
            /* A router filters after it forwarded (and counted down) the
             * packet: it answered time-exceeded one TTL earlier, and that
             * is where it sits. */
            for (k = 0; k < term - 1; k++)
                if (h[k].reply == PP_HR_TIME_EXCEEDED && strcmp(h[k].address, x->address) == 0) {
                    out->end_hop = k + 1;
                    break;
                }
        }
        return;
    }
    out->end = PP_PE_DROPPED;
    out->end_hop = last;
    if (last > 0) {
        set_address(out->end_address, h[last - 1].address);
        out->end_network = h[last - 1].network;
    }
    /* The hops up to the last that answered, and the first silent one. */
    out->nhops = (size_t)(last < max_ttl ? last + 1 : max_ttl);
}

void
pp_trace_compare(struct pp_path *p, const struct pp_path *ref)
{
    const struct pp_hop *x, *box;

    if (ref == NULL || ref->end != PP_PE_REACHED || ref->reach_ttl <= 0)
        return;
    p->distance = ref->reach_ttl;
    if (p->end == PP_PE_DROPPED && (size_t)p->end_hop < ref->nhops &&
        ref->hops[p->end_hop].reply != PP_HR_NONE) {
        set_address(p->beyond_address, ref->hops[p->end_hop].address);
        p->beyond_network = ref->hops[p->end_hop].network;
    }
    if (p->end != PP_PE_REACHED || p->reach_ttl <= 0 || p->reach_ttl >= ref->reach_ttl)
        return;
    x = &p->hops[p->reach_ttl - 1];
    p->end = x->reply == PP_HR_RST ? PP_PE_RESET : PP_PE_ANSWERED;
    p->end_hop = p->reach_ttl;
    p->end_address[0] = '\0';
    p->end_network = PP_NW_PUBLIC;
    /* The answer carries the server's address: which box sent it is what
     * the reference saw at that TTL. */
    if ((size_t)p->end_hop <= ref->nhops) {
        box = &ref->hops[p->end_hop - 1];
        if (box->reply == PP_HR_TIME_EXCEEDED) {
            set_address(p->end_address, box->address);
            p->end_network = box->network;
            free(p->end_name);
            p->end_name = box->name != NULL ? pp_xstrdup(box->name) : NULL;
        }
    }
}

const char *
pp_trace_network_words(enum pp_hop_network n)
{
    switch (n) {
    case PP_NW_LOCAL: return "this network";
    case PP_NW_CGNAT: return "the provider's carrier-grade NAT";
    case PP_NW_APPLE: return "Apple's network";
    case PP_NW_PUBLIC:
    default: return "a public network: the provider or transit";
    }
}

/* "(10.20.0.1 home.lan, this network)" or "" when the box is unknown. */
static void
box_words(const struct pp_path *p, char *buf, size_t len)
{
    const char *name = NULL;

    if (p->end_name != NULL)
        name = p->end_name;
    else if (p->end_hop > 0 && (size_t)p->end_hop <= p->nhops &&
             strcmp(p->hops[p->end_hop - 1].address, p->end_address) == 0)
        name = p->hops[p->end_hop - 1].name;
    if (p->end_address[0] == '\0')
        buf[0] = '\0';
    else
        snprintf(buf, len, " (%s%s%s, %s)", p->end_address, name ? " " : "", name ? name : "",
                 pp_trace_network_words(p->end_network));
}

void
pp_path_sentence(const struct pp_path *p, char *buf, size_t len)
{
    char box[400];

    box_words(p, box, sizeof(box));
    switch (p->end) {
    case PP_PE_REACHED:
        snprintf(buf, len, "reached the server at hop %d", p->end_hop);
        break;
    case PP_PE_REJECTED:
        snprintf(buf, len, "rejected by hop %d%s: %s", p->end_hop, box,
                 p->hops[p->nhops - 1].reply == PP_HR_ADMIN_PROHIBITED
                     ? "administratively prohibited" : "unreachable");
        break;
    case PP_PE_RESET:
        snprintf(buf, len, "reset by hop %d%s, not by the server (%d hops away)", p->end_hop,
                 box, p->distance);
        break;
    case PP_PE_ANSWERED:
        snprintf(buf, len, "answered by hop %d%s in the server's place (%d hops away): "
                 "a transparent proxy", p->end_hop, box, p->distance);
        break;
    case PP_PE_DROPPED:
    default:
        if (p->end_hop == 0)
            snprintf(buf, len, "dropped before the first hop: nothing answered");
        else
            snprintf(buf, len, "dropped after hop %d%s", p->end_hop, box);
        break;
    }
}

/* --------------------------------------------------------------- runner */

static int
parse_addr(const char *a, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, a, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
        ss->ss_family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, a, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
        ss->ss_family = AF_INET6;
        return 0;
    }
    return -1;
}

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
        if (terminal(t->obs[i].reply) && (term == 0 || t->obs[i].ttl < term))
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

            if (a[0] == '\0' || parse_addr(a, &ss) < 0)
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

/* ------------------------------------------------------- a whole report */

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

static int
result_sockaddr(const struct pp_result *r, struct sockaddr_storage *ss)
{
    if (parse_addr(r->address, ss) < 0)
        return -1;
    if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(r->target->port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons(r->target->port);
    return 0;
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

        if (!b->want[i] || result_sockaddr(r, &ss) < 0)
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
