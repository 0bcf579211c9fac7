/* SPDX-License-Identifier: ISC */
/* One HTTP GET on the loop; see fetch.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "core/heap.h"
#include "core/loop.h"
#include "core/netx.h"
#include "core/url.h"
#include "core/util.h"
#include "engine/dns.h"
#include "engine/fetch.h"
#include "engine/http.h"
#include "engine/tlscore.h"

struct pp_fetch {
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct pp_url u;
    size_t max_body;
    pp_fetch_cb cb;
    void *arg;
    struct pp_timer deadline, done_timer;
    struct sockaddr_storage addr[PP_DNS_MAX_ADDRS];
    size_t naddr, next;
    int family_asked;
    int fd;
    char *req;
    size_t req_len, sent;
    struct pp_http_resp resp;
    bool resp_open;
    char last_err[160];
    struct pp_fetch_result res;
    bool finished;
    /* https://: the handshake on the connected socket, then the chain
     * judged as the TLS checks judge it (the system's roots and
     * --ca-file) before the request goes. */
    struct pp_tls_ctx *tls;
    SSL *ssl;
    bool connected, secured;
    struct pp_tls_info info;
};

static void try_next(struct pp_fetch *f);

static void
close_fd(struct pp_fetch *f)
{
    if (f->ssl != NULL) {
        SSL_free(f->ssl);
        f->ssl = NULL;
    }
    f->connected = f->secured = false;
    if (f->fd >= 0) {
        pp_loop_unwatch(f->loop, f->fd);
        close(f->fd);
        f->fd = -1;
    }
}

/* The end: the result is set, the callback runs on the next turn. */
static void
finish(struct pp_fetch *f, const char *error)
{
    if (f->finished)
        return;
    f->finished = true;
    close_fd(f);
    pp_loop_cancel(f->loop, &f->deadline);
    if (error != NULL) {
        f->res.error = pp_xstrdup(error);
        free(f->res.body);
        f->res.body = NULL;
        f->res.len = 0;
    }
    pp_loop_timer(f->loop, &f->done_timer, pp_now_ms());
}

static void
on_done_timer(void *arg)
{
    struct pp_fetch *f = arg;

    f->cb(&f->res, f->arg);
}

static void
on_deadline(void *arg)
{
    struct pp_fetch *f = arg;
    char msg[200];

    snprintf(msg, sizeof(msg), "no answer from %s in time%s%s", f->u.host,
             f->last_err[0] ? " (" : "", f->last_err[0] ? f->last_err : "");
    if (f->last_err[0])
        snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg), ")");
    finish(f, msg);
}

/* The response is complete (or the server closed): judge it. */
static void
judge(struct pp_fetch *f)
{
    struct pp_http_resp *r = &f->resp;
    char msg[200];

    f->res.status = r->status;
    if (r->body_total > (long long)f->max_body) {
        f->res.too_large = true;
        snprintf(msg, sizeof(msg), "the file from %s is over %zu bytes", f->u.host, f->max_body);
        finish(f, msg);
        return;
    }
    if (r->status != 200) {
        snprintf(msg, sizeof(msg), "%s answered HTTP %d", f->u.host, r->status);
        finish(f, msg);
        return;
    }
    if (!r->complete) {
        /* Closed (or malformed) before the length or the chunks ended
         * the body: a file cut short is not a file.  Over https this is
         * what stands in for the close_notify no longer required. */
        snprintf(msg, sizeof(msg), "%s: %s", f->u.host,
                 r->error[0] ? r->error : "the response is incomplete");
        finish(f, msg);
        return;
    }
    f->res.body = pp_xmalloc(r->body_len + 1);
    memcpy(f->res.body, r->body != NULL ? (const char *)r->body : "", r->body_len);
    f->res.body[r->body_len] = '\0';
    f->res.len = r->body_len;
    finish(f, NULL);
}

/* An SSL call that must wait: the events it waits for, errno EAGAIN. */
static bool
ssl_waits(int e, short *events)
{
    if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
        return false;
    *events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
    errno = EAGAIN;
    return true;
}

/* recv() or SSL_read(): bytes, 0 at the end, or -1 with errno (EAGAIN:
 * wait for *events). */
static ssize_t
xrecv(struct pp_fetch *f, void *buf, size_t len, short *events)
{
    int n, e;

    *events = POLLIN;
    if (f->ssl == NULL)
        return recv(f->fd, buf, len, 0);
    ERR_clear_error();
    errno = 0;
    if ((n = SSL_read(f->ssl, buf, (int)(len > INT_MAX ? INT_MAX : len))) > 0)
        return n;
    if (ssl_waits((e = SSL_get_error(f->ssl, n)), events))
        return -1;
    /* A close_notify, or the end without one (servers that close
     * first): the HTTP parser decides whether the answer is whole. */
    if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && errno == 0))
        return 0;
    if (errno == 0)
        errno = EPROTO;
    return -1;
}

/* send() or SSL_write(), as xrecv(). */
static ssize_t
xsend(struct pp_fetch *f, const void *buf, size_t len, short *events)
{
    int n;

    *events = POLLOUT;
    if (f->ssl == NULL)
        return send(f->fd, buf, len, MSG_NOSIGNAL);
    ERR_clear_error();
    errno = 0;
    if ((n = SSL_write(f->ssl, buf, (int)(len > INT_MAX ? INT_MAX : len))) > 0)
        return n;
    if (ssl_waits(SSL_get_error(f->ssl, n), events))
        return -1;
    if (errno == 0)
        errno = EPIPE;
    return -1;
}

static void
on_readable(struct pp_fetch *f)
{
    char buf[8192];
    ssize_t n;
    short ev;
    enum pp_http_rc rc;

    for (;;) {
        n = xrecv(f, buf, sizeof(buf), &ev);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            pp_loop_events(f->loop, f->fd, ev);
            return;
        }
        if (n < 0) {
            snprintf(f->last_err, sizeof(f->last_err), "reading: %s", strerror(errno));
            finish(f, f->last_err);
            return;
        }
        rc = pp_http_feed(&f->resp, buf, (size_t)n);
        if (rc == PP_HTTP_ERROR && f->resp.status == 0) {
            snprintf(f->last_err, sizeof(f->last_err), "%s: not an HTTP response (%s)",
                     f->u.host, f->resp.error);
            finish(f, f->last_err);
            return;
        }
        if (rc != PP_HTTP_MORE || n == 0 || f->resp.body_total > (long long)f->max_body) {
            judge(f);
            return;
        }
    }
}

/* https://: drive the handshake; once it is done, judge the chain.
 * Returns true when the request may go. */
static bool
secure(struct pp_fetch *f)
{
    struct pp_verdict v;
    char msg[600];
    short ev = POLLIN;

    if (f->ssl == NULL) {
        pp_tls_info_clear(&f->info);
        f->ssl = pp_tls_start(f->tls, f->fd, f->u.host, "http/1.1", &f->info);
        if (f->ssl == NULL) {
            finish(f, "OpenSSL cannot start a TLS connection");
            return false;
        }
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
        /* A server that closes without close_notify ends the body (the
         * HTTP parser judges whether it is whole), as OpenSSL 1.1 did. */
        SSL_set_options(f->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
    }
    switch (pp_tls_step(f->ssl, &ev, &v, msg, sizeof(msg))) {
    case PP_TLS_AGAIN:
        pp_loop_events(f->loop, f->fd, ev);
        return false;
    case PP_TLS_FAILED:
        snprintf(f->last_err, sizeof(f->last_err), "TLS: %.150s", msg);
        close_fd(f);
        try_next(f);
        return false;
    case PP_TLS_DONE:
        break;
    }
    v = pp_tls_judge(f->tls, SSL_get_peer_cert_chain(f->ssl), PP_TRUST_SYSTEM, f->u.host,
                     time(NULL), NULL, 0, &f->info, msg, sizeof(msg));
    if (v.state != PP_ST_OK) {
        char why[800];

        snprintf(why, sizeof(why), "the certificate of %s is refused (%s): %s", f->u.host,
                 pp_reason_name(v.reason), msg);
        finish(f, why);
        return false;
    }
    f->secured = true;
    return true;
}

static void
send_request(struct pp_fetch *f)
{
    short ev;
    ssize_t w = xsend(f, f->req + f->sent, f->req_len - f->sent, &ev);

    if (w < 0 && errno != EAGAIN && errno != EINTR) {
        snprintf(f->last_err, sizeof(f->last_err), "sending: %s", strerror(errno));
        finish(f, f->last_err);
        return;
    }
    if (w > 0)
        f->sent += (size_t)w;
    pp_loop_events(f->loop, f->fd, f->sent == f->req_len ? POLLIN : ev);
}

static void
on_io(int fd, short revents, void *arg)
{
    struct pp_fetch *f = arg;
    int err = 0;
    socklen_t el = sizeof(err);

    if (!f->connected) {
        if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
            return;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0) {
            snprintf(f->last_err, sizeof(f->last_err), "connecting: %s", strerror(err));
            close_fd(f);
            try_next(f);
            return;
        }
        f->connected = true;
    }
    if (f->tls != NULL && !f->secured && !secure(f))
        return;
    if (f->req_len > f->sent) {
        send_request(f);
        return;
    }
    if (revents & (POLLIN | POLLOUT | POLLERR | POLLHUP))
        on_readable(f);
}

static void
try_next(struct pp_fetch *f)
{
    while (f->next < f->naddr) {
        struct sockaddr_storage *sa = &f->addr[f->next++];
        socklen_t len = sa->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                  : sizeof(struct sockaddr_in);
        int fd = pp_netx_socket(sa->ss_family, SOCK_STREAM);

        if (sa->ss_family == AF_INET6)
            ((struct sockaddr_in6 *)sa)->sin6_port = htons(f->u.port);
        else
            ((struct sockaddr_in *)sa)->sin_port = htons(f->u.port);
        if (fd < 0)
            continue;
        if (connect(fd, (struct sockaddr *)sa, len) < 0 && errno != EINPROGRESS) {
            snprintf(f->last_err, sizeof(f->last_err), "connecting: %s", strerror(errno));
            close(fd);
            continue;
        }
        if (pp_loop_watch(f->loop, fd, POLLOUT, on_io, f) < 0) {
            close(fd);
            continue;
        }
        f->fd = fd;
        f->sent = 0;
        if (f->resp_open)
            pp_http_free(&f->resp);
        pp_http_init(&f->resp, f->max_body + 1, false);
        f->resp_open = true;
        return;
    }
    {
        char msg[200];
        snprintf(msg, sizeof(msg), "cannot connect to %s port %u%s%s", f->u.host,
                 (unsigned)f->u.port, f->last_err[0] ? ": " : "", f->last_err);
        finish(f, msg);
    }
}

static void
on_dns(const struct pp_dns_answer *a, void *arg)
{
    struct pp_fetch *f = arg;
    size_t i;

    if (f->finished)
        return;
    for (i = 0; i < a->naddr && f->naddr < PP_DNS_MAX_ADDRS; i++)
        f->addr[f->naddr++] = a->addr[i];
    if (f->naddr == 0 && f->family_asked == AF_INET) {
        f->family_asked = AF_INET6;
        pp_dns_lookup(f->dns, f->u.host, AF_INET6, on_dns, f);
        return;
    }
    if (f->naddr == 0) {
        char msg[200];
        snprintf(msg, sizeof(msg), "%s does not resolve (%s)", f->u.host,
                 pp_reason_name(a->reason));
        finish(f, msg);
        return;
    }
    try_next(f);
}

struct pp_fetch *
pp_fetch_start(struct pp_loop *loop, const char *resolver, struct pp_tls_ctx *tls,
               const char *url, size_t max_body, int timeout_ms, pp_fetch_cb cb, void *arg,
               char *err, size_t errlen)
{
    struct pp_fetch *f = pp_xcalloc(1, sizeof(*f));
    bool https;

    if (pp_url_parse(url, &f->u, err, errlen) < 0) {
        free(f);
        return NULL;
    }
    https = strcmp(f->u.scheme, "https") == 0;
    if (strcmp(f->u.scheme, "http") != 0 && !(https && tls != NULL)) {
        snprintf(err, errlen, "only %s URLs are fetched, not %s://",
                 tls != NULL ? "http:// and https://" : "http://", f->u.scheme);
        pp_url_free(&f->u);
        free(f);
        return NULL;
    }
    if (f->u.port == 0)
        f->u.port = https ? 443 : 80;
    f->tls = https ? tls : NULL;
    f->dns = pp_dns_new(loop, resolver, timeout_ms, err, errlen);
    if (f->dns == NULL) {
        pp_url_free(&f->u);
        free(f);
        return NULL;
    }
    f->loop = loop;
    f->max_body = max_body;
    f->cb = cb;
    f->arg = arg;
    f->fd = -1;
    f->req = pp_http_request("GET", f->u.host, f->u.port, https, f->u.path);
    f->req_len = strlen(f->req);
    pp_timer_init(&f->deadline, on_deadline, f);
    pp_timer_init(&f->done_timer, on_done_timer, f);
    pp_loop_timer(loop, &f->deadline, pp_now_ms() + timeout_ms);
    f->family_asked = AF_INET;
    pp_dns_lookup(f->dns, f->u.host, AF_INET, on_dns, f);
    return f;
}

void
pp_fetch_free(struct pp_fetch *f)
{
    if (f == NULL)
        return;
    /* Its own resolver goes first: a lookup it ends calls back into a
     * fetch that is over. */
    f->finished = true;
    pp_dns_free(f->dns);
    close_fd(f);
    pp_loop_cancel(f->loop, &f->deadline);
    pp_loop_cancel(f->loop, &f->done_timer);
    if (f->resp_open)
        pp_http_free(&f->resp);
    pp_fetch_result_free(&f->res);
    pp_tls_info_clear(&f->info);
    pp_url_free(&f->u);
    free(f->req);
    free(f);
}

void
pp_fetch_result_free(struct pp_fetch_result *r)
{
    free(r->body);
    free(r->error);
    memset(r, 0, sizeof(*r));
}
