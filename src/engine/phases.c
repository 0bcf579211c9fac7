/* SPDX-License-Identifier: ISC */
/*
 * One check through its phases: connect, TLS, the probe, its deadline, a
 * stalled handshake's retry with small segments, and its finish.
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
#include <poll.h>
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

/* --------------------------------------------------------- lifecycle */

void
check_finish(struct pp_check *c)
{
    struct pp_engine *e = c->e;
    struct pp_result *r = c->r;
    const struct pp_probe *p = c->r->target->probe;

    if (c->phase == PH_DONE)
        return;
    if (c->phase != PH_QUEUED) {
        /* The last byte's arrival, when that was the check's last event. */
        double now = c->last_rx > 0 && c->phase == PH_PROBE && c->last_rx < seen(c)
                         ? c->last_rx : seen(c);
        c->r->t_total = (c->r->t_dns > 0 ? c->r->t_dns : 0) + (now - c->t_start) - c->queued;
        e->inflight--;
    }
    if (c->phase == PH_PROBE && p->io != NULL)
        c->r->t_app = (c->last_rx > 0 && c->last_rx < seen(c) ? c->last_rx : seen(c)) -
                      c->t_phase;
    if (STEPPING(e, PP_STEP_V))
        step_end(c);
    c->phase = PH_DONE;
    free(c->out);
    c->out = NULL;
    pp_loop_cancel(e->loop, &c->deadline);
    pp_loop_cancel(e->loop, &c->again);
    if (p->cleanup != NULL)
        p->cleanup(c);
    if (c->ssl != NULL) {
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) {
        pp_loop_unwatch(e->loop, c->fd);
        close(c->fd);
        c->fd = -1;
    }
    e->checks_open--;
    e->done++;
    e->generation++;
    /* Unlink and free: memory follows the checks in flight. */
    if (c->all_prev != NULL)
        c->all_prev->all_next = c->all_next;
    else
        e->all = c->all_next;
    if (c->all_next != NULL)
        c->all_next->all_prev = c->all_prev;
    free(c);
    if (e->o->sink != NULL) {
        e->emitted++;
        e->o->sink(e->o->sink_ctx, r);
    }
    pump(e);
    maybe_over(e);
}

void
call_done(void *arg)
{
    struct pp_engine *e = arg;

    e->done_cb(e->done_arg);
}

/* The run is over: done() runs from a later turn of the loop, outside any
 * of the engine's callbacks, so it may finish the engine at once. */

void
maybe_over(struct pp_engine *e)
{
    if (e->checks_open == 0 && e->dns_open == 0 && !e->over &&
        (e->o->feed == NULL || e->feed_done)) {
        if (reprobe_start(e))
            return;   /* silent checks beside ICMP rejects go again first */
        e->over = true;
        pp_loop_timer(e->loop, &e->done_timer, pp_now_ms());
    }
}

static void
check_io(int fd, short revents, void *arg);

static void
probe_ready(struct pp_check *c)
{
    const struct pp_probe *p = c->r->target->probe;

    c->phase = PH_PROBE;
    c->t_phase = pp_now_msf();
    c->queued += c->t_phase - seen(c);   /* ready since then, started now */
    if (p->ready(c) == PP_PROBE_DONE) {
        check_finish(c);
        return;
    }
    if (flush_out(c) < 0) {
        set(c->r, PP_ST_UNEXPECTED, errno == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_TLS_EOF,
            "the connection failed while sending the request: %s", strerror(errno));
        check_finish(c);
        return;
    }
    pp_loop_events(c->e->loop, c->fd, probe_events(c));
}

static void
tls_advance(struct pp_check *c)
{
    short ev = 0;
    struct pp_verdict v;
    char msg[512];

    switch (pp_tls_step(c->ssl, &ev, &v, msg, sizeof(msg))) {
    case PP_TLS_AGAIN:
        pp_loop_events(c->e->loop, c->fd, ev);
        return;
    case PP_TLS_DONE:
        c->r->t_tls = seen(c) - c->t_phase;
        pp_tls_summarize(c->ssl, &c->r->tls);
        if (STEPPING(c->e, PP_STEP_V))
            step_tls_done(c);
        probe_ready(c);
        return;
    case PP_TLS_FAILED:
        c->r->t_tls = seen(c) - c->t_phase;
        if (v.reason == PP_RS_CONN_RESET) {
            /* Evidence of where in the handshake the reset came: nothing
             * of the server's yet means right after our ClientHello. */
            unsigned long in = BIO_number_read(SSL_get_rbio(c->ssl));
            unsigned long out = BIO_number_written(SSL_get_wbio(c->ssl));
            pp_detail_int(c->r, "tls_bytes_sent", (long long)out);
            pp_detail_int(c->r, "tls_bytes_received", (long long)in);
            pp_detail_str(c->r, "reset_phase", in == 0 && out > 0 ? "after-client-hello"
                                               : "after-server-hello");
            if (in == 0 && out > 0)
                snprintf(msg, sizeof(msg), "reset after the TLS ClientHello, before any "
                         "byte from the server: a firewall filtering by server name");
        }
        /* Keep what the server showed before failing, if anything. */
        if (!c->r->tls.have_cert) {
            X509 *leaf = SSL_get_peer_certificate(c->ssl);
            if (leaf != NULL) {
                pp_tls_describe_cert(leaf, time(NULL), &c->r->tls);
                X509_free(leaf);
            }
        }
        set(c->r, v.state, v.reason, "%s", msg);
        check_finish(c);
        return;
    }
}

/* From connect() to when the connection was seen up; the kernel's own
 * SYN -> SYN-ACK measure (Linux) when it has one: the network's figure,
 * not what the loop was busy with meanwhile. */
static double
connect_time(struct pp_check *c)
{
    double t = seen(c) - c->t_phase, rtt;

    if (pp_netx_handshake_rtt(c->fd, &rtt) && rtt < t)
        return rtt;
    return t;
}

static void
connected(struct pp_check *c)
{
    const struct pp_target *t = c->r->target;

    /* Receive stamps only matter for bytes, so a port that never connects
     * (most of an audit) costs no setsockopt for them. */
    pp_netx_rx_stamps(c->fd);
    c->r->t_connect = connect_time(c);
    /* Up since t_connect (the kernel's measure), seen at poll(). */
    c->queued += seen(c) - c->t_phase - c->r->t_connect;
    if (STEPPING(c->e, PP_STEP_V))
        step_connected(c);
    if (c->e->rtt != NULL) {
        /* The deadline was the connect's; what follows gets --timeout's. */
        pp_rtt_sample(c->e->rtt, (const struct sockaddr *)&c->sa, c->r->t_connect);
        pp_loop_timer(c->e->loop, &c->deadline,
                      pp_now_ms() + (int64_t)(c->e->o->timeout_s * 1000.0));
    }
    if (t->via != NULL && t->tunnel) {
        tunnel_start(c);
        return;
    }
    transport_up(c);
}

/* The path to the server is open (direct, or a proxy's tunnel): TLS, or
 * the probe. */
void
transport_up(struct pp_check *c)
{
    const struct pp_target *t = c->r->target;

    if (!t->tls) {
        probe_ready(c);
        return;
    }
    c->phase = PH_TLS;
    c->t_phase = pp_now_msf();
    c->queued += c->t_phase - seen(c);
    c->ssl = pp_tls_start(c->e->o->tls, c->fd, t->sni ? t->sni : t->host,
                          t->alpn, &c->r->tls);
    if (c->ssl == NULL) {
        set(c->r, PP_ST_ERROR, PP_RS_INTERNAL, "could not start TLS (OpenSSL)");
        check_finish(c);
        return;
    }
    if (STEPPING(c->e, PP_STEP_V))
        step_tls_start(c);
    tls_advance(c);
}

static void
connect_failed(struct pp_check *c, int err, bool immediate)
{
    struct pp_icmp icmp;
    struct pp_verdict v;
    bool have = false;

    if (!immediate)
        have = pp_netx_icmp(c->fd, &icmp);
    /* A reset or an ICMP error is an answer: a round trip. */
    if (!immediate && c->e->rtt != NULL && err != ETIMEDOUT)
        pp_rtt_sample(c->e->rtt, (const struct sockaddr *)&c->sa, pp_now_msf() - c->t_phase);
    v = pp_classify_connect(err, immediate, have ? &icmp : NULL);
    if (have && icmp.from[0] != '\0')
        snprintf(c->r->icmp_from, sizeof(c->r->icmp_from), "%s", icmp.from);
    c->r->t_connect = seen(c) - c->t_phase;
    if (immediate && (v.reason == PP_RS_LOCAL_ROUTE || v.reason == PP_RS_NO_ROUTE)) {
        /* Evidence: the errno and the kind of route, for the findings. */
        const char *kind = pp_local_route_kind(err);
        pp_detail_str(c->r, "connect_errno", strerror(err));
        if (kind != NULL)
            pp_detail_str(c->r, "local_route", kind);
    }
    if (immediate && v.reason == PP_RS_NO_ROUTE && c->e->o->no_ipv4_route &&
        c->e->o->want_v6 && c->sa.ss_family == AF_INET)
        /* A network without IPv4: not applicable, as IPV6_ONLY_NAT64 says. */
        set(c->r, PP_ST_ERROR, PP_RS_IPV4_UNAVAILABLE, "%s",
            pp_reason_sentence(PP_RS_IPV4_UNAVAILABLE));
    else if (v.state == PP_ST_ERROR && v.reason == PP_RS_INTERNAL)
        set(c->r, v.state, v.reason, "connect failed: %s", strerror(err));
    else if (c->r->icmp_from[0] != '\0')
        set(c->r, v.state, v.reason, "%s, sent by %s", pp_reason_sentence(v.reason),
            c->r->icmp_from);
    else
        set(c->r, v.state, v.reason, "%s", pp_reason_sentence(v.reason));
    if (c->r->target->via != NULL)
        proxy_connect_failed(c);
    check_finish(c);
}

static void
check_io(int fd, short revents, void *arg)
{
    struct pp_check *c = arg;
    int err = 0;
    socklen_t len = sizeof(err);
    const struct pp_probe *p;

    (void)fd;
    switch (c->phase) {
    case PH_CONNECT:
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            err = errno;
        if (err == 0 && (revents & (POLLERR | POLLHUP)) && !(revents & POLLOUT))
            err = ECONNREFUSED;
        if (err != 0) {
            connect_failed(c, err, false);
            return;
        }
        connected(c);
        return;
    case PH_PROXY:
        tunnel_io(c, revents);
        return;
    case PH_TLS:
        tls_advance(c);
        return;
    case PH_PROBE:
        p = c->r->target->probe;
        if ((revents & POLLOUT) && flush_out(c) < 0) {
            set(c->r, PP_ST_UNEXPECTED, errno == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_TLS_EOF,
                "the connection failed while sending the request: %s", strerror(errno));
            check_finish(c);
            return;
        }
        if (p->io == NULL || p->io(c, revents) == PP_PROBE_DONE) {
            check_finish(c);
            return;
        }
        pp_loop_events(c->e->loop, c->fd, probe_events(c));
        return;
    default:
        return;
    }
}

void
pp_check_want(struct pp_check *c, short events)
{
    pp_loop_events(c->e->loop, c->fd, events);
}

/* The handshake did not finish in time.  The same check runs again, once,
 * with small segments (TCP_MAXSEG): if it then finishes, large packets are
 * lost on the way and no ICMP "too big" comes back, a path MTU black hole
 * (see PATH_MTU_BLACKHOLE).  Typically the server's first small records
 * (ServerHello) arrive and its full-size certificate flight does not. */
static void
tls_stalled(struct pp_check *c, double now)
{
    struct pp_engine *e = c->e;
    unsigned long got = c->ssl ? BIO_number_read(SSL_get_rbio(c->ssl)) : 0;
    struct pp_result *r;
    struct pp_check *again;

    c->r->t_tls = now - c->t_phase;
    pp_detail_int(c->r, "tls_bytes_received", (long long)got);
    if (c->mss != 0 || !e->o->mss_retry || e->over) {
        set(c->r, PP_ST_TLS_FAILED, PP_RS_TLS_TIMEOUT, "the port accepts connections but the "
            "TLS handshake did not finish in time (%lu bytes came back)", got);
        return;
    }
    set(c->r, PP_ST_TLS_FAILED, PP_RS_TLS_TIMEOUT, "the port accepts connections but the "
        "TLS handshake did not finish in time (%lu bytes came back); tried again with "
        "%d-byte segments", got, PP_SMALL_MSS);
    r = new_result(c->r->target, c->r->order);
    r->has_address = true;
    r->family = c->r->family;
    r->t_dns = c->r->t_dns;
    memcpy(r->address, c->r->address, sizeof(r->address));
    r->id = pp_xasprintf("%s/mss%d", c->r->id, PP_SMALL_MSS);
    r->retry_of = pp_xstrdup(c->r->id);
    pp_detail_int(r, "mss", PP_SMALL_MSS);
    again = check_new(e, r);
    memcpy(&again->sa, &c->sa, sizeof(c->sa));
    again->salen = c->salen;
    again->mss = PP_SMALL_MSS;
}

static void requeue_front(struct pp_engine *e, struct pp_check *c);

/* Adaptive timeouts: a connect that got no answer in time is tried once
 * more, on a new socket, with a backed-off deadline (rtt.h); first it
 * waits off its slot, so that a stall of the path or of this machine that
 * swallowed the first attempt is likely over, and other checks use the
 * slot meanwhile. */
static void
connect_again(struct pp_check *c)
{
    struct pp_engine *e = c->e;

    if (STEPPING(e, PP_STEP_V))
        step_retry(c);
    pp_loop_unwatch(e->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    e->inflight--;
    c->phase = PH_QUEUED;
    c->backoff = true;
    pp_loop_timer(e->loop, &c->deadline,
                  pp_now_ms() + (int64_t)pp_rtt_retry_wait(e->rtt, (const struct sockaddr *)&c->sa,
                                                            c->r->timeout_ms));
    pump(e);   /* the slot is free */
}

/* The wait is over: the retry goes first in the queue. */
static void
backoff_over(struct pp_check *c)
{
    struct pp_engine *e = c->e;

    c->backoff = false;
    if (e->over) {
        check_finish(c);   /* the run's deadline set its result */
        return;
    }
    requeue_front(e, c);
    pump(e);
}

/* The loop may see a deadline late (a long turn of other checks'
 * callbacks, this process descheduled on a loaded host): what already
 * waits in the socket is an answer, not silence, and is taken first, once
 * per phase.  The deadline is armed again first (grace ms; check_io may
 * finish and free the check): with auto, connected() gives what follows a
 * connect --timeout's own time; with a fixed timeout it gets the time the
 * loop's lateness took from it. */
static bool
answer_waits(struct pp_check *c, short events, int64_t grace)
{
    struct pollfd p;

    if (c->looked == c->phase || c->fd < 0)
        return false;
    p.fd = c->fd;
    p.events = events;
    p.revents = 0;
    if (poll(&p, 1, 0) != 1 || p.revents == 0)
        return false;
    c->looked = c->phase;
    pp_loop_timer(c->e->loop, &c->deadline, pp_now_ms() + (grace > 1 ? grace : 1));
    check_io(c->fd, p.revents, c);
    return true;
}

/* pp_check_recv's reads of a turn ran out (a server that never stops
 * sending): the probe reads on now, a turn later, after the other checks;
 * whatever OpenSSL holds decoded is read then, too. */
void
check_again(void *arg)
{
    struct pp_check *c = arg;

    if (c->phase == PH_PROBE)
        check_io(c->fd, POLLIN, c);
}

void
check_deadline(void *arg)
{
    struct pp_check *c = arg;
    const struct pp_probe *p = c->r->target->probe;
    double now = pp_now_msf();
    double last_rx = c->last_rx;
    int64_t late = pp_now_ms() - c->deadline.when;   /* when it was due */

    /* A deadline ends the check now, not at the last byte. */
    c->last_rx = 0;
    if (c->backoff) {
        backoff_over(c);
        return;
    }

    switch (c->phase) {
    case PH_CONNECT:
        if (answer_waits(c, POLLOUT, late))
            return;
        if (c->e->rtt != NULL && c->attempts < 2 && !c->e->over) {
            connect_again(c);
            return;
        }
        c->r->t_connect = now - c->t_phase;
        set(c->r, PP_ST_FILTERED, PP_RS_NO_RESPONSE, "%s",
            pp_reason_sentence(PP_RS_NO_RESPONSE));
        if (c->r->target->via != NULL)
            proxy_connect_failed(c);
        break;
    case PH_PROXY:
        tunnel_deadline(c);
        break;
    case PH_TLS:
        if (answer_waits(c, POLLIN, 0))
            return;
        tls_stalled(c, now);
        break;
    case PH_PROBE:
        if (p->timeout != NULL) {
            c->extended = false;
            p->timeout(c);
            if (c->extended) {
                c->last_rx = last_rx;
                return;   /* the probe goes on (the hold test's liveness) */
            }
        } else
            set(c->r, PP_ST_UNEXPECTED, PP_RS_NO_RESPONSE,
                "the service did not answer in time");
        break;
    default:
        return;
    }
    check_finish(c);
}

static void
requeue_front(struct pp_engine *e, struct pp_check *c)
{
    c->next = e->qhead;
    e->qhead = c;
    if (e->qtail == NULL)
        e->qtail = c;
}

/* Start a check.  Returns false when it went back to the queue for lack
 * of descriptors (then the caller waits for a slot). */
bool
check_start(struct pp_check *c)
{
    struct pp_engine *e = c->e;
    int fd, rc;
    double limit;

    fd = pp_netx_socket(c->sa.ss_family, c->r->target->probe->udp ? SOCK_DGRAM : SOCK_STREAM);
    if (fd < 0) {
        int err = errno;
        if (pp_errno_is_local_resource(err) && e->inflight > 0) {
            /* Out of descriptors: wait for a running check to end, and
             * run fewer at once from now on. */
            e->cap = e->inflight;
            requeue_front(e, c);
            return false;
        }
        e->inflight++;
        c->phase = PH_CONNECT;
        c->t_start = c->t_phase = pp_now_msf();
        if (pp_errno_is_local_resource(err))
            set(c->r, PP_ST_ERROR, PP_RS_LOCAL_RESOURCE,
                "could not open a socket: %s (raise the descriptor limit or lower --parallel)",
                strerror(err));
        else {
            struct pp_verdict v = pp_classify_connect(err, true, NULL);
            set(c->r, v.state == PP_ST_ERROR ? PP_ST_ERROR : v.state, v.reason,
                "could not open a socket: %s", strerror(err));
        }
        check_finish(c);
        return true;
    }
    c->fd = fd;
    e->inflight++;
    c->phase = PH_CONNECT;
    c->looked = PH_QUEUED;
    c->t_phase = pp_now_msf();
    if (c->attempts++ == 0)
        c->t_start = c->t_phase;
    limit = e->o->timeout_s * 1000.0;
    if (e->rtt != NULL) {
        limit = c->attempts > 1
                    ? pp_rtt_retry_timeout(e->rtt, (const struct sockaddr *)&c->sa,
                                           c->r->timeout_ms)
                    : pp_rtt_timeout(e->rtt, (const struct sockaddr *)&c->sa);
        pp_rtt_note_given(e->rtt, limit);
        c->r->attempts = c->attempts;
        c->r->timeout_ms = limit;
    }
    pp_loop_timer(e->loop, &c->deadline, pp_now_ms() + (int64_t)limit);
    if (pp_loop_watch(e->loop, fd, POLLOUT, check_io, c) < 0) {
        set(c->r, PP_ST_ERROR, PP_RS_INTERNAL, "could not set up the socket: %s",
            strerror(errno));
        check_finish(c);
        return true;
    }
    pp_netx_prepare(fd, c->sa.ss_family);
    if (c->mss != 0 && !pp_netx_small_segments(fd, c->mss)) {
        set(c->r, PP_ST_ERROR, PP_RS_INTERNAL, "could not ask for %d-byte segments: %s",
            c->mss, strerror(errno));
        check_finish(c);
        return true;
    }
    rc = connect(fd, (struct sockaddr *)&c->sa, c->salen);
    if (rc == 0) {
        connected(c);
        return true;
    }
    if (errno != EINPROGRESS && errno != EINTR)
        connect_failed(c, errno, true);
    return true;
}
