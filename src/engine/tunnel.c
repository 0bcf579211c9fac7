/* SPDX-License-Identifier: ISC */
/*
 * A check through an HTTP proxy (target->via): once the TCP connection to
 * the proxy is up, "CONNECT host:port" and the proxy's answer, in the same
 * loop and under the check's deadline; on 2xx the check goes on through
 * the tunnel exactly as direct (transport_up), else the answer is the
 * result: proxy-denied, proxy-auth-required, proxy-upstream-failed or
 * proxy-status.  A failed connect to the proxy is proxy-unreachable.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/util.h"
#include "engine/engine_int.h"
#include "engine/http.h"

void
proxy_connect_failed(struct pp_check *c)
{
    struct pp_result *r = c->r;
    const struct pp_via *v = r->target->via;
    char *msg = pp_xasprintf("the proxy %s cannot be reached: %s", v->url,
                             r->message ? r->message : pp_reason_name(r->reason));

    /* The state stays the TCP outcome's; the reason says it was the proxy. */
    pp_detail_str(r, "proxy_tcp", pp_reason_name(r->reason));
    set(r, r->state, PP_RS_PROXY_UNREACHABLE, "%s", msg);
    free(msg);
}

void
tunnel_start(struct pp_check *c)
{
    const struct pp_target *t = c->r->target;
    char *req = pp_http_connect_request(t->host, t->port, t->via->auth);

    c->phase = PH_PROXY;
    c->t_phase = pp_now_msf();
    c->queued += c->t_phase - seen(c);
    pp_check_send(c, req, strlen(req));
    free(req);
    if (STEPPING(c->e, PP_STEP_V))
        step_tunnel(c, 0, "");
    if (flush_out(c) < 0) {
        set(c->r, PP_ST_UNEXPECTED, errno == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_CONN_LOST,
            "the proxy %s: the connection failed while sending CONNECT: %s", t->via->url,
            strerror(errno));
        check_finish(c);
        return;
    }
    pp_loop_events(c->e->loop, c->fd, probe_events(c));
}

/* The tunnel is open: what was queued for CONNECT is gone, the server's
 * bytes come next. */
static void
tunnel_open(struct pp_check *c, int status)
{
    pp_detail_int(c->r, "proxy_status", status);
    pp_detail_num(c->r, "proxy_connect_ms", seen(c) - c->t_phase);
    free(c->out);
    c->out = NULL;
    c->outlen = c->outoff = 0;
    transport_up(c);
}

static void
tunnel_refused(struct pp_check *c, const struct pp_connect_answer *a)
{
    struct pp_result *r = c->r;
    const struct pp_target *t = r->target;
    const char *url = t->via->url;

    pp_detail_int(r, "proxy_status", a->status);
    if (a->status == 403) {
        pp_detail_int(r, "proxy_denied_port", t->port);
        set(r, PP_ST_BLOCKED, PP_RS_PROXY_DENIED, "the proxy %s refuses CONNECT to port %u "
            "(HTTP 403%s%s): its policy does not let this port through", url, t->port,
            a->reason[0] ? " " : "", a->reason);
    } else if (a->status == 407) {
        if (a->auth_scheme[0] != '\0')
            pp_detail_str(r, "proxy_auth_scheme", a->auth_scheme);
        set(r, PP_ST_BLOCKED, PP_RS_PROXY_AUTH_REQUIRED, "the proxy %s %s (HTTP 407%s%s)", url,
            t->via->auth ? "refuses the credentials given" : "asks for credentials",
            a->auth_scheme[0] ? ", scheme " : "", a->auth_scheme);
    } else if (a->status == 502 || a->status == 503 || a->status == 504) {
        set(r, PP_ST_UNREACHABLE, PP_RS_PROXY_UPSTREAM_FAILED, "the proxy %s could not reach "
            "%s:%u (HTTP %d%s%s)", url, t->host, t->port, a->status, a->reason[0] ? " " : "",
            a->reason);
    } else {
        set(r, PP_ST_UNEXPECTED, PP_RS_PROXY_STATUS, "the proxy %s answers CONNECT with "
            "HTTP %d%s%s", url, a->status, a->reason[0] ? " " : "", a->reason);
    }
    pp_result_summary(r, "proxy HTTP %d", a->status);
    check_finish(c);
}

/* The answer's bytes: peeked until its header block is complete, then
 * read exactly that far, so nothing of the server's is taken. */
static int
read_answer(struct pp_check *c, struct pp_connect_answer *a)
{
    char buf[PP_HTTP_MAX_HEADERS_BYTES];
    ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_PEEK);
    long end;

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n <= 0) {
        set(c->r, PP_ST_UNEXPECTED, n == 0 ? PP_RS_CONN_LOST : PP_RS_CONN_RESET,
            "the proxy %s %s before answering CONNECT", c->r->target->via->url,
            n == 0 ? "closed the connection" : "reset the connection");
        return -1;
    }
    end = pp_http_header_end(buf, (size_t)n);
    if (end == 0)
        return 0;
    if (end < 0 || recv(c->fd, buf, (size_t)end, 0) != (ssize_t)end ||
        pp_http_parse_connect(buf, (size_t)end, a) < 0) {
        set(c->r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "the proxy %s answers CONNECT with "
            "something that is not HTTP%s%s", c->r->target->via->url,
            a->error[0] ? ": " : "", a->error);
        return -1;
    }
    return 1;
}

void
tunnel_io(struct pp_check *c, short revents)
{
    struct pp_connect_answer a;
    int rc;

    memset(&a, 0, sizeof(a));
    if ((revents & POLLOUT) && flush_out(c) < 0) {
        set(c->r, PP_ST_UNEXPECTED, errno == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_CONN_LOST,
            "the proxy %s: the connection failed while sending CONNECT: %s",
            c->r->target->via->url, strerror(errno));
        check_finish(c);
        return;
    }
    if (!(revents & (POLLIN | POLLHUP | POLLERR))) {
        pp_loop_events(c->e->loop, c->fd, probe_events(c));
        return;
    }
    rc = read_answer(c, &a);
    if (rc < 0) {
        check_finish(c);
        return;
    }
    if (rc == 0) {
        pp_loop_events(c->e->loop, c->fd, probe_events(c));
        return;
    }
    if (STEPPING(c->e, PP_STEP_V))
        step_tunnel(c, a.status, a.reason);
    if (a.status >= 200 && a.status < 300)
        tunnel_open(c, a.status);
    else
        tunnel_refused(c, &a);
}

void
tunnel_deadline(struct pp_check *c)
{
    set(c->r, PP_ST_UNEXPECTED, PP_RS_NO_RESPONSE, "the proxy %s accepted the connection "
        "but did not answer CONNECT in time", c->r->target->via->url);
}
