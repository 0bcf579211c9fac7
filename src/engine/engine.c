/* The engine; see engine.h. */
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

enum phase { PH_QUEUED, PH_CONNECT, PH_TLS, PH_PROBE, PH_DONE };

#ifdef MSG_NOSIGNAL
#define MSG_NOSIGNAL_COMPAT MSG_NOSIGNAL
#else
#define MSG_NOSIGNAL_COMPAT 0   /* SIGPIPE is ignored in main() */
#endif

struct pp_engine;

struct pp_check {
    struct pp_engine *e;
    struct pp_result *r;
    struct sockaddr_storage sa;
    socklen_t salen;
    int fd;
    SSL *ssl;
    enum phase phase;
    struct pp_timer deadline;
    double t_start;
    double t_phase;
    void *probe_data;
    unsigned char *out;      /* bytes queued by the probe */
    size_t outlen, outoff;
    bool read_wants_write;   /* TLS: a read needs the socket writable */
    bool got_byte;
    double last_rx;          /* when the last byte read arrived (kernel stamp), or 0;
                              * 0 again once a deadline ends the check */
    bool extended;           /* pp_check_extend() ran (a probe's timeout may go on) */
    double queued;           /* ms the loop kept this check waiting between
                              * phases (not in t_total) */
    int mss;                 /* TCP_MAXSEG before the connect, or 0 */
    int attempts;            /* connects started (adaptive timeouts retry once) */
    struct pp_check *next;   /* the wait queue */
    struct pp_check *all_prev, *all_next;  /* checks not yet freed */
};

struct tstate {
    struct pp_engine *e;
    const struct pp_target *t;
    size_t idx;
    uint64_t base;            /* sort key of the target's results */
    int lookups;              /* outstanding */
    int nfound;               /* checks created */
    struct pp_dns_answer fail[2];
    int nfail;
};

struct pp_engine {
    const struct pp_engine_opts *o;
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct tstate *ts;
    size_t nts;
    struct pp_check *qhead, *qtail;    /* waiting for a slot */
    struct pp_check *all;              /* checks not yet freed */
    size_t inflight;
    size_t cap;                        /* concurrency cap now */
    size_t checks_open;                /* not yet done */
    size_t dns_open;                   /* targets still resolving */
    struct pp_timer run_deadline;
    struct pp_result **res;
    size_t nres, capres;
    struct pp_target **extra;          /* targets added by redirects */
    struct tstate **extra_ts;
    size_t nextra;
    bool over;
    void (*done_cb)(void *);           /* the run is over */
    void *done_arg;
    time_t t0;
    bool feed_done;
    bool in_pump, pump_again;
    unsigned burst;                    /* checks started by this turn of pump() */
    uint64_t fed;                      /* checks pulled from the feed */
    size_t done;                       /* checks finished */
    double tokens;                     /* rate limit: connections allowed now */
    double tokens_at;
    struct pp_timer rate_timer;
    struct pp_timer progress_timer;
    double started;
    uint64_t generation;               /* bumped on every visible change */
    struct pp_timer done_timer;        /* done() runs from a turn of its own */
    struct pp_rtt *rtt;                /* adaptive timeouts, or NULL */
    uint64_t emitted;                  /* results handed to the sink */
    /* Re-probes of silent checks beside ICMP rejects (rate limiting). */
    bool reprobe_looked;
    struct pp_result **reprobe;        /* still to start, in order */
    size_t nreprobe, reprobe_next;
    struct pp_timer reprobe_timer;
};

static bool check_start(struct pp_check *c);
static void pump(struct pp_engine *e);

/* When the event being handled was seen: poll()'s return, not the turn of
 * this check's callback after the others (see pp_loop_event_time). */
static double
seen(const struct pp_check *c)
{
    double t = pp_loop_event_time(c->e->loop, c->fd);

    /* An event older than this phase was for an earlier user of the same
     * descriptor number (closed and reused in one callback). */
    return t >= c->t_phase ? t : pp_now_msf();
}

/* ------------------------------------------------------------ results */

static void
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

static struct pp_result *
new_result(const struct pp_target *t, uint64_t order)
{
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    r->target = t;
    r->order = order;
    r->t_dns = r->t_connect = r->t_tls = r->t_total = -1;
    r->t_app = r->t_first_byte = -1;
    r->state = PP_ST_PENDING;
    return r;
}

static void
vset(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt,
     va_list ap) __attribute__((format(printf, 4, 0)));

static void
vset(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt,
     va_list ap)
{
    char buf[1024];

    r->state = s;
    r->reason = rs;
    free(r->message);
    if (strcmp(fmt, "%s") == 0) {
        /* The common case (a reason's sentence): no formatting. */
        r->message = pp_xstrdup(va_arg(ap, const char *));
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, ap);
    r->message = pp_xstrdup(buf);
}

static void
set(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
set(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vset(r, s, rs, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------- check access */

struct pp_result *pp_check_result(struct pp_check *c) { return c->r; }
SSL *pp_check_ssl(struct pp_check *c) { return c->ssl; }
int pp_check_fd(struct pp_check *c) { return c->fd; }
struct pp_tls_ctx *pp_check_tls_ctx(struct pp_check *c) { return c->e->o->tls; }
void *pp_check_data(struct pp_check *c) { return c->probe_data; }
const struct pp_engine_opts *pp_check_opts(struct pp_check *c) { return c->e->o; }

double
pp_check_elapsed(struct pp_check *c)
{
    return pp_now_msf() - c->t_phase;
}

void
pp_check_extend(struct pp_check *c, double ms)
{
    pp_loop_timer(c->e->loop, &c->deadline, pp_now_ms() + (int64_t)ms);
    c->extended = true;
}

void
pp_check_send(struct pp_check *c, const void *buf, size_t len)
{
    if (c->outoff > 0 && c->outoff == c->outlen)
        c->outoff = c->outlen = 0;
    c->out = pp_xrealloc(c->out, c->outlen + len, 1);
    memcpy(c->out + c->outlen, buf, len);
    c->outlen += len;
}

/* Write what is queued.  Returns 0, or -1 with errno on failure. */
static int
flush_out(struct pp_check *c)
{
    while (c->outoff < c->outlen) {
        size_t n = c->outlen - c->outoff;
        ssize_t w;

        if (c->ssl != NULL) {
            int rc;
            ERR_clear_error();
            rc = SSL_write(c->ssl, c->out + c->outoff, n > INT_MAX ? INT_MAX : (int)n);
            if (rc <= 0) {
                int e = SSL_get_error(c->ssl, rc);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
                    return 0;
                if (errno == 0)
                    errno = EPIPE;
                return -1;
            }
            w = rc;
        } else {
            w = send(c->fd, c->out + c->outoff, n, MSG_NOSIGNAL_COMPAT);
            if (w < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    return 0;
                return -1;
            }
        }
        c->outoff += (size_t)w;
    }
    return 0;
}

ssize_t
pp_check_recv(struct pp_check *c, void *buf, size_t len)
{
    ssize_t n;

    c->read_wants_write = false;
    if (c->ssl != NULL) {
        int rc, e;
        ERR_clear_error();
        errno = 0;
        rc = SSL_read(c->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
        if (rc > 0) {
            n = rc;
        } else {
            e = SSL_get_error(c->ssl, rc);
            if (e == SSL_ERROR_WANT_READ)
                return PP_RECV_AGAIN;
            if (e == SSL_ERROR_WANT_WRITE) {
                c->read_wants_write = true;
                return PP_RECV_AGAIN;
            }
            if (e == SSL_ERROR_ZERO_RETURN)
                return 0;
            if (e == SSL_ERROR_SYSCALL && errno == 0)
                return 0;   /* EOF without close_notify: many servers */
            if (e == SSL_ERROR_SSL) {
                unsigned long ev = ERR_peek_last_error();
                int why = ERR_GET_REASON(ev);
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING   /* OpenSSL 3 */
                if (why == SSL_R_UNEXPECTED_EOF_WHILE_READING)
                    return 0;
#endif
                /* An alert after the handshake (TLS 1.3 sends
                 * certificate_required here): the probe reads it in tls. */
                if (ERR_GET_LIB(ev) == ERR_LIB_SSL && why >= SSL_AD_REASON_OFFSET &&
                    why < SSL_AD_REASON_OFFSET + 256)
                    c->r->tls.alert = why - SSL_AD_REASON_OFFSET;
                errno = EPROTO;
            }
            return PP_RECV_ERROR;
        }
    } else {
        double at;

        n = pp_netx_recv(c->fd, buf, len, &at);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return PP_RECV_AGAIN;
            return PP_RECV_ERROR;
        }
        /* The kernel's arrival time, when it is one of this phase. */
        if (n > 0 && at >= c->t_phase && at <= pp_now_msf())
            c->last_rx = at;
    }
    if (n > 0 && !c->got_byte) {
        c->got_byte = true;
        c->r->t_first_byte = (c->last_rx > 0 ? c->last_rx : seen(c)) - c->t_phase;
    }
    return n;
}

/* Events the probe phase waits for. */
static short
probe_events(struct pp_check *c)
{
    short ev = POLLIN;

    if (c->outoff < c->outlen || c->read_wants_write)
        ev |= POLLOUT;
    return ev;
}
void pp_check_set_data(struct pp_check *c, void *d) { c->probe_data = d; }

void
pp_check_free_data(struct pp_check *c)
{
    free(c->probe_data);
    c->probe_data = NULL;
}

void
pp_check_set(struct pp_check *c, enum pp_state s, enum pp_reason rs,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vset(c->r, s, rs, fmt, ap);
    va_end(ap);
}

/* --------------------------------------------------------- lifecycle */

static void maybe_over(struct pp_engine *e);

static void
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
    c->phase = PH_DONE;
    free(c->out);
    c->out = NULL;
    pp_loop_cancel(e->loop, &c->deadline);
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

static void
call_done(void *arg)
{
    struct pp_engine *e = arg;

    e->done_cb(e->done_arg);
}

/* The run is over: done() runs from a later turn of the loop, outside any
 * of the engine's callbacks, so it may finish the engine at once. */
static bool reprobe_start(struct pp_engine *e);

static void
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

    c->r->t_connect = connect_time(c);
    /* Up since t_connect (the kernel's measure), seen at poll(). */
    c->queued += seen(c) - c->t_phase - c->r->t_connect;
    if (c->e->rtt != NULL) {
        /* The deadline was the connect's; what follows gets --timeout's. */
        pp_rtt_sample(c->e->rtt, (const struct sockaddr *)&c->sa, c->r->t_connect);
        pp_loop_timer(c->e->loop, &c->deadline,
                      pp_now_ms() + (int64_t)(c->e->o->timeout_s * 1000.0));
    }
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
    if (v.state == PP_ST_ERROR && v.reason == PP_RS_INTERNAL)
        set(c->r, v.state, v.reason, "connect failed: %s", strerror(err));
    else if (c->r->icmp_from[0] != '\0')
        set(c->r, v.state, v.reason, "%s, sent by %s", pp_reason_sentence(v.reason),
            c->r->icmp_from);
    else
        set(c->r, v.state, v.reason, "%s", pp_reason_sentence(v.reason));
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

static struct pp_check *check_new(struct pp_engine *e, struct pp_result *r);

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

/* Adaptive timeouts: a connect that got no answer in time is tried once
 * more, on a new socket, with the deadline the round trips give now. */
static void
connect_again(struct pp_check *c)
{
    struct pp_engine *e = c->e;

    pp_loop_unwatch(e->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    e->inflight--;
    c->phase = PH_QUEUED;
    check_start(c);   /* on failure it finishes (or requeues) the check */
}

static void
check_deadline(void *arg)
{
    struct pp_check *c = arg;
    const struct pp_probe *p = c->r->target->probe;
    double now = pp_now_msf();
    double last_rx = c->last_rx;

    /* A deadline ends the check now, not at the last byte. */
    c->last_rx = 0;

    switch (c->phase) {
    case PH_CONNECT:
        if (c->e->rtt != NULL && c->attempts < 2 && !c->e->over) {
            connect_again(c);
            return;
        }
        c->r->t_connect = now - c->t_phase;
        set(c->r, PP_ST_FILTERED, PP_RS_NO_RESPONSE, "%s",
            pp_reason_sentence(PP_RS_NO_RESPONSE));
        break;
    case PH_TLS:
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
static bool
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
    c->t_phase = pp_now_msf();
    if (c->attempts++ == 0)
        c->t_start = c->t_phase;
    limit = e->o->timeout_s * 1000.0;
    if (e->rtt != NULL) {
        limit = pp_rtt_timeout(e->rtt, (const struct sockaddr *)&c->sa);
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
    pp_netx_rx_stamps(fd);
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

static void pump_once(struct pp_engine *e);
static void make_check(struct tstate *ts, const struct sockaddr_storage *sa, int family,
                       size_t k, double t_dns);

#define PUMP_BURST 512   /* checks started before the loop gets a turn */

static void
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

static void
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

static struct pp_check *
check_queue(struct pp_engine *e, struct pp_result *r, bool add)
{
    struct pp_check *c = pp_xcalloc(1, sizeof(*c));

    c->e = e;
    c->r = r;
    c->fd = -1;
    c->phase = PH_QUEUED;
    pp_timer_init(&c->deadline, check_deadline, c);
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

static struct pp_check *
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

static void
make_check(struct tstate *ts, const struct sockaddr_storage *sa, int family,
           size_t k, double t_dns)
{
    struct pp_engine *e = ts->e;
    const struct pp_target *t = ts->t;
    struct pp_result *r = new_result(t, ts->base + (family == AF_INET6 ? 32 : 0) + k);
    struct pp_check *c;
    const void *a;

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
    } else if (k == 0) {
        r->id = pp_xasprintf("%s:%u/%s%s", t->host, t->port, family_word(family), id_path(t));
    } else {
        r->id = pp_xasprintf("%s:%u/%s/%zu%s", t->host, t->port, family_word(family), k + 1,
                             id_path(t));
    }
    ts->nfound++;
    if (t->space != NULL && !t->space->contains((const struct sockaddr *)sa)) {
        /* A blocklist's sinkhole (0.0.0.0, ::), a private address, a
         * hijack: nothing of the owner's to connect to there. */
        set(r, PP_ST_UNEXPECTED, PP_RS_DNS_OUTSIDE_APPLE,
            "%s resolves to %s, outside %s's address space (%s): a DNS blocklist, "
            "filter or hijack answers for %s", t->host, r->address, t->space->owner,
            t->space->shown, t->space->owner);
        r->t_total = t_dns;
        add_result(e, r);
        return;
    }
    c = check_new(e, r);
    memcpy(&c->sa, sa, sizeof(*sa));
    if (family == AF_INET6) {
        ((struct sockaddr_in6 *)&c->sa)->sin6_port = htons(t->port);
        c->salen = sizeof(struct sockaddr_in6);
    } else {
        ((struct sockaddr_in *)&c->sa)->sin_port = htons(t->port);
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
    int i;

    if (ts->nfound == 0) {
        for (i = 0; i < ts->nfail; i++) {
            if (reason_rank(ts->fail[i].reason) > reason_rank(best))
                best = ts->fail[i].reason;
            if (ts->fail[i].elapsed_ms > t)
                t = ts->fail[i].elapsed_ms;
        }
        r = new_result(ts->t, ts->base);
        r->id = pp_xasprintf("%s:%u%s", ts->t->host, ts->t->port, id_path(ts->t));
        r->t_dns = t;
        r->t_total = t;
        if (best == PP_RS_FAMILY_EXCLUDED) {
            /* A literal -4/-6 leaves out: no query, so no DNS failure. */
            r->t_dns = -1;
            set(r, PP_ST_ERROR, best, "not applicable: an IPv%d address, and this run checks "
                "IPv%d only", e->o->want_v4 ? 6 : 4, e->o->want_v4 ? 4 : 6);
        } else {
            set(r, PP_ST_DNS_FAILED, best, "%s", dns_sentence(best));
        }
        add_result(e, r);
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
        for (k = 0; k < a->naddr; k++)
            make_check(ts, &a->addr[k], a->family, k, a->elapsed_ms);
    } else if (ts->nfail < 2) {
        ts->fail[ts->nfail++] = *a;
    }
    if (--ts->lookups == 0)
        target_resolved(ts);
}

static void
start_target(struct pp_engine *e, struct tstate *ts)
{
    const struct pp_target *t = ts->t;
    int lit = pp_host_literal(t->host);

    e->dns_open++;
    if (lit != 0) {
        struct sockaddr_storage sa;

        memset(&sa, 0, sizeof(sa));
        if (lit == 4 && e->o->want_v4) {
            struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
            s4->sin_family = AF_INET;
            inet_pton(AF_INET, t->host, &s4->sin_addr);
            make_check(ts, &sa, AF_INET, 0, -1);
        } else if (lit == 6 && e->o->want_v6) {
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
            s6->sin6_family = AF_INET6;
            inet_pton(AF_INET6, t->host, &s6->sin6_addr);
            make_check(ts, &sa, AF_INET6, 0, -1);
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
        pp_dns_lookup(e->dns, t->host, AF_INET, on_dns, ts);
    if (e->o->want_v6)
        pp_dns_lookup(e->dns, t->host, AF_INET6, on_dns, ts);
}

/* ------------------------------------------------------------ redirects */

#define MAX_HOPS 5
#define MAX_EXTRA 64   /* redirected URLs per run: a hostile server gets no more */

static bool
same_url(const struct pp_target *a, const struct pp_target *b)
{
    return a->port == b->port && a->tls == b->tls && strcmp(a->host, b->host) == 0 &&
           strcmp(a->path ? a->path : "/", b->path ? b->path : "/") == 0;
}

int
pp_check_follow(struct pp_check *c, const char *location, char *err, size_t errlen)
{
    struct pp_engine *e = c->e;
    const struct pp_target *from = c->r->target;
    struct pp_target *t;
    struct tstate *ts;
    struct pp_url u;
    char *abs;
    const char *scheme = from->tls ? "https" : "http";
    size_t i;
    int rc;

    if (from->hops >= MAX_HOPS) {
        snprintf(err, errlen, "more than %d redirects", MAX_HOPS);
        return -1;
    }
    if (e->nextra >= MAX_EXTRA) {
        snprintf(err, errlen, "more than %d redirected URLs in this run", MAX_EXTRA);
        return -1;
    }
    if (e->over) {
        snprintf(err, errlen, "the run is ending");
        return -1;
    }
    /* A relative Location stays on this server. */
    abs = pp_url_join(scheme, from->host, from->port, from->path, location);
    rc = pp_url_parse(abs, &u, err, errlen);
    free(abs);
    if (rc < 0)
        return -1;
    if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) {
        snprintf(err, errlen, "a redirect to a %s:// URL", u.scheme);
        pp_url_free(&u);
        return -1;
    }
    t = pp_target_new(from->service, u.host,
                      u.port ? u.port : strcmp(u.scheme, "https") == 0 ? 443 : 80,
                      from->probe->name, from->required);
    t->tls = strcmp(u.scheme, "https") == 0;
    t->path = u.path;
    u.path = NULL;
    if (t->tls)
        t->alpn = pp_xstrdup("http/1.1");
    t->hops = from->hops + 1;
    t->note = pp_xasprintf("redirected from %s", c->r->id);
    pp_url_free(&u);
    /* Back to where it came from: a loop. */
    if (same_url(t, from)) {
        snprintf(err, errlen, "a redirect loop (back to the same URL)");
        pp_target_free(t);
        return -1;
    }
    /* Every address of a target follows the same Location: check it once.
     * Found higher up the chain instead, it is a loop. */
    for (i = 0; i < e->nextra; i++) {
        const struct pp_target *o = e->extra[i];
        if (same_url(o, t)) {
            bool sibling = o->hops == t->hops;
            pp_target_free(t);
            if (sibling)
                return 0;
            snprintf(err, errlen, "a redirect loop (back to a URL already followed)");
            return -1;
        }
    }

    i = e->nextra++;
    e->extra = pp_xrealloc(e->extra, e->nextra, sizeof(*e->extra));
    e->extra_ts = pp_xrealloc(e->extra_ts, e->nextra, sizeof(*e->extra_ts));
    e->extra[i] = t;
    ts = e->extra_ts[i] = pp_xcalloc(1, sizeof(*ts));
    ts->e = e;
    ts->t = t;
    /* Sorted right after the check it comes from. */
    ts->base = (c->r->order & ~(uint64_t)0xfff) + ((uint64_t)t->hops << 12) + (i << 6 & 0xfc0);
    start_target(e, ts);
    return 0;
}

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

static void
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
    memset(&sa, 0, sizeof(sa));
    if (r->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(r->target->port);
        inet_pton(AF_INET6, r->address, &s6->sin6_addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(r->target->port);
        inet_pton(AF_INET, r->address, &s4->sin_addr);
    }
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
static bool
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

/* ------------------------------------------------------------- the run */

static void
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
