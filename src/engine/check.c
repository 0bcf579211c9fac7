/* SPDX-License-Identifier: ISC */
/*
 * What a probe may call (check.h): its result, descriptor and data, sending
 * and receiving through the check's socket or TLS, and following a
 * redirect to a new target.
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
#include "plan/proxy.h"
#include "engine/engine_int.h"

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
    c->sent += len;
}

/* Write what is queued.  Returns 0, or -1 with errno on failure. */
int
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
    if (c->turn != pp_loop_turn(c->e->loop)) {
        c->turn = pp_loop_turn(c->e->loop);
        c->turn_reads = 0;
    }
    if (++c->turn_reads > PP_RECV_TURN_MAX) {
        pp_loop_timer(c->e->loop, &c->again, pp_now_ms());   /* check_again */
        return PP_RECV_AGAIN;
    }
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
    if (n > 0)
        c->received += (unsigned long long)n;
    if (n > 0 && !c->got_byte) {
        c->got_byte = true;
        c->r->t_first_byte = (c->last_rx > 0 ? c->last_rx : seen(c)) - c->t_phase;
    }
    return n;
}

/* Events the probe phase waits for. */
short
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

/* ------------------------------------------------------------ redirects */

#define MAX_EXTRA 64   /* redirected URLs per run: a hostile server gets no more */

static bool
same_url(const struct pp_target *a, const struct pp_target *b)
{
    return a->port == b->port && a->tls == b->tls && strcmp(a->host, b->host) == 0 &&
           (a->via == NULL) == (b->via == NULL) &&
           strcmp(a->path ? a->path : "/", b->path ? b->path : "/") == 0;
}

struct pp_target *
pp_follow_target(const struct pp_target *from, const char *from_id, const char *location,
                 char *err, size_t errlen)
{
    struct pp_target *t;
    struct pp_url u;
    char *abs;
    const char *scheme = from->tls ? "https" : "http";
    int rc;

    if (from->hops >= PP_FOLLOW_MAX_HOPS) {
        snprintf(err, errlen, "more than %d redirects", PP_FOLLOW_MAX_HOPS);
        return NULL;
    }
    /* A relative Location stays on this server. */
    abs = pp_url_join(scheme, from->host, from->port, from->path, location);
    rc = pp_url_parse(abs, &u, err, errlen);
    free(abs);
    if (rc < 0)
        return NULL;
    if (strcmp(u.scheme, "http") != 0 && strcmp(u.scheme, "https") != 0) {
        snprintf(err, errlen, "a redirect to a %s:// URL", u.scheme);
        pp_url_free(&u);
        return NULL;
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
    t->note = pp_xasprintf("redirected from %s", from_id);
    if (from->via != NULL) {
        /* Through the same proxy: a tunnel for https, the absolute URI for
         * http. */
        t->via = pp_via_dup(from->via);
        t->tunnel = t->tls;
    }
    pp_url_free(&u);
    /* Back to where it came from: a loop. */
    if (same_url(t, from)) {
        snprintf(err, errlen, "a redirect loop (back to the same URL)");
        pp_target_free(t);
        return NULL;
    }
    return t;
}

int
pp_check_follow(struct pp_check *c, const char *location, char *err, size_t errlen)
{
    struct pp_engine *e = c->e;
    const struct pp_target *from = c->r->target;
    struct pp_target *t;
    struct tstate *ts;
    size_t i;

    if (from->hops < PP_FOLLOW_MAX_HOPS && e->nextra >= MAX_EXTRA) {
        snprintf(err, errlen, "more than %d redirected URLs in this run", MAX_EXTRA);
        return -1;
    }
    if (from->hops < PP_FOLLOW_MAX_HOPS && e->over) {
        snprintf(err, errlen, "the run is ending");
        return -1;
    }
    if ((t = pp_follow_target(from, c->r->id, location, err, errlen)) == NULL)
        return -1;
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
    if (STEPPING(e, PP_STEP_V))
        step_redirect(c, t);
    start_target(e, ts);
    return 0;
}
