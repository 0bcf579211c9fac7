/* SPDX-License-Identifier: ISC */
/* The shared HTTP exchange; see httpx.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tlscore.h"
#include "probes/httpx.h"
#include "core/util.h"
#include "probes/details.h"
#include "probes/judge.h"

/* Stop reading an endless body here (bytes); memory stays at body_keep. */
#define HTTPX_MAX_READ (64LL * 1024 * 1024)

struct httpx {
    struct pp_http_resp resp;
    pp_httpx_judge judge;
    bool headers_only;
    bool shown;              /* -v: the status line was shown */
};

/* -v: the request line (-vv: and its headers), '>' as curl. */
static void
show_request(struct pp_check *c, const char *req)
{
    size_t n;

    while (*req != '\0' && *req != '\r') {
        n = strcspn(req, "\r\n");
        pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "> %.*s", (int)n, req);
        if (!pp_check_stepping(c, PP_STEP_VV))
            return;
        req += n;
        req += strspn(req, "\r\n") > 2 ? 2 : strspn(req, "\r\n");
    }
}

/* -v: the status line and the headers that matter ('<'); -vv: every
 * header, in the order they came. */
static void
show_response(struct pp_check *c, const struct pp_http_resp *h)
{
    const char *p = h->all_headers;
    size_t n;

    pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "< HTTP/%d.%d %d%s%s", h->version_major,
                   h->version_minor, h->status, h->reason[0] ? " " : "", h->reason);
    if (p != NULL) {
        for (; *p != '\0'; p += n + (p[n] == '\n')) {
            n = strcspn(p, "\n");
            pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_VV, "< %.*s", (int)n, p);
        }
        return;
    }
    if (h->server != NULL)
        pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "< Server: %s", h->server);
    if (h->content_type != NULL)
        pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "< Content-Type: %s", h->content_type);
    if (h->content_length >= 0)
        pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "< Content-Length: %lld", h->content_length);
    if (h->location != NULL)
        pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "< Location: %s", h->location);
}

enum pp_probe_rc
pp_httpx_start(struct pp_check *c, const char *method, const char *path, size_t body_keep,
               bool headers_only, pp_httpx_judge judge)
{
    struct pp_result *r = pp_check_result(c);
    const struct pp_target *t = r->target;
    struct httpx *x = pp_xcalloc(1, sizeof(*x));
    char *req;

    pp_http_init(&x->resp, body_keep, strcmp(method, "HEAD") == 0);
    x->resp.keep_all = pp_check_stepping(c, PP_STEP_VV);
    x->judge = judge;
    x->headers_only = headers_only;
    pp_check_set_data(c, x);
    if (t->via != NULL && !t->tunnel)
        req = pp_http_request_proxied(method, t->host, t->port, path, t->via->auth);
    else
        req = pp_http_request(method, t->host, t->port, t->tls, path);
    pp_check_send(c, req, strlen(req));
    if (pp_check_stepping(c, PP_STEP_V))
        show_request(c, req);
    free(req);
    pp_detail_str(r, "method", method);
    pp_detail_str(r, "path", path);
    return PP_PROBE_MORE;
}

void
pp_httpx_details(struct pp_check *c, const struct pp_http_resp *h)
{
    pp_http_details(pp_check_result(c), h);
}

void
pp_http_details(struct pp_result *r, const struct pp_http_resp *h)
{
    if (h->status == 0)
        return;
    pp_detail_int(r, PP_DETAIL_HTTP_STATUS, h->status);
    if (h->server)
        pp_detail_str(r, "server", h->server);
    if (h->content_type)
        pp_detail_str(r, "content_type", h->content_type);
    if (h->content_length >= 0)
        pp_detail_int(r, "content_length", h->content_length);
    if (h->location)
        pp_detail_str(r, "location", h->location);
    pp_detail_int(r, "body_bytes", h->body_total);
    if (r->t_first_byte >= 0)
        pp_detail_num(r, "first_byte_ms", r->t_first_byte);
    pp_result_summary(r, "HTTP %d%s%s", h->status, h->server ? ", " : "",
                      h->server ? h->server : "");
}

void
pp_judge_http_status(struct pp_result *r, const struct pp_http_resp *h, pp_judge_follow follow,
                     void *ctx)
{
    int s = h->status;

    pp_http_details(r, h);
    if (s >= 200 && s < 300)
        pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK, "the server answers HTTP %d", s);
    else if (s == 401 || s == 403)
        pp_result_set(r, PP_ST_OK, PP_RS_AUTH_REQUIRED,
                      "the server answers and asks for credentials (HTTP %d)", s);
    else if (s >= 300 && s < 400 && h->location != NULL) {
        char err[160];

        if (follow(ctx, h->location, err, sizeof(err)) == 0)
            pp_result_set(r, PP_ST_OK, PP_RS_REDIRECT,
                          "the server redirects (HTTP %d) to %s, checked next", s, h->location);
        else
            pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_REDIRECT,
                          "the server redirects (HTTP %d) to %s, not followed: %s", s,
                          h->location, err);
    } else if (s >= 300 && s < 400)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_HTTP_STATUS,
                      "the server redirects (HTTP %d) without saying where", s);
    else
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_HTTP_STATUS,
                      "the server answers HTTP %d where a success was expected", s);
}

static int
check_follow(void *ctx, const char *location, char *err, size_t errlen)
{
    return pp_check_follow(ctx, location, err, errlen);
}

void
pp_httpx_judge_status(struct pp_check *c, struct pp_http_resp *h)
{
    pp_judge_http_status(pp_check_result(c), h, check_follow, c);
}

/* A server that asked for a client certificate and got none ends the
 * exchange at the TLS level: an alert after the handshake (TLS 1.3), or
 * the 400 nginx and others answer instead of the page.  Neither is the
 * service answering. */
static bool
client_cert_refused(struct pp_check *c, const struct pp_http_resp *h)
{
    struct pp_result *r = pp_check_result(c);

    if (!r->tls.ran || !r->tls.client_cert_requested)
        return false;
    if (h != NULL && h->status == 400) {
        pp_httpx_details(c, h);
        pp_check_set(c, PP_ST_TLS_FAILED, PP_RS_CLIENT_CERT_REQUIRED,
                     "the server requires a client certificate: it asked for one during the "
                     "TLS handshake and answers HTTP 400 without it (devices need an identity "
                     "certificate for this server)");
        return true;
    }
    if (h == NULL && r->tls.alert >= 0 && pp_tls_alert_client_cert(r->tls.alert, true)) {
        pp_check_set(c, PP_ST_TLS_FAILED, PP_RS_CLIENT_CERT_REQUIRED,
                     "the server requires a client certificate: it asked for one and ended "
                     "the connection with the TLS alert '%s' without it",
                     pp_tls_alert_desc(r->tls.alert));
        return true;
    }
    return false;
}

/* Plain HTTP through a proxy: the answers that are the proxy's own. */
static bool
proxy_refused(struct pp_check *c, const struct pp_http_resp *h)
{
    const struct pp_target *t = pp_check_result(c)->target;
    struct pp_result *r = pp_check_result(c);

    if (t->via == NULL || t->tunnel)
        return false;
    if (h->status == 407) {
        pp_httpx_details(c, h);
        if (h->proxy_authenticate != NULL) {
            char scheme[32];
            snprintf(scheme, sizeof(scheme), "%.*s",
                     (int)strcspn(h->proxy_authenticate, " \t,"), h->proxy_authenticate);
            pp_detail_str(r, "proxy_auth_scheme", scheme);
        }
        pp_check_set(c, PP_ST_BLOCKED, PP_RS_PROXY_AUTH_REQUIRED, "the proxy %s %s (HTTP 407)",
                     t->via->url, t->via->auth ? "refuses the credentials given"
                                               : "asks for credentials");
        return true;
    }
    if (h->status == 403 && h->proxy_error != NULL) {
        /* The proxy's own refusal (it says so), not the server's. */
        pp_httpx_details(c, h);
        pp_detail_int(r, "proxy_denied_port", t->port);
        pp_detail_str(r, "proxy_error", h->proxy_error);
        pp_check_set(c, PP_ST_BLOCKED, PP_RS_PROXY_DENIED, "the proxy %s refuses the request "
                     "to %s:%u (HTTP 403, %s)", t->via->url, t->host, t->port, h->proxy_error);
        return true;
    }
    if (h->status == 502 || h->status == 503 || h->status == 504) {
        if (h->status == 503 && h->proxy_error == NULL)
            return false;   /* the server's own 503 */
        pp_httpx_details(c, h);
        pp_check_set(c, PP_ST_UNREACHABLE, PP_RS_PROXY_UPSTREAM_FAILED,
                     "the proxy %s could not reach %s:%u (HTTP %d)", t->via->url, t->host,
                     t->port, h->status);
        return true;
    }
    return false;
}

static enum pp_probe_rc
judge(struct pp_check *c, struct httpx *x)
{
    pp_detail_bool(pp_check_result(c), "complete", x->resp.complete);
    if (client_cert_refused(c, &x->resp) || proxy_refused(c, &x->resp))
        return PP_PROBE_DONE;
    x->judge(c, &x->resp);
    return PP_PROBE_DONE;
}

enum pp_probe_rc
pp_httpx_io(struct pp_check *c, short revents)
{
    struct httpx *x = pp_check_data(c);
    enum pp_httpx_step step;
    char buf[16384];
    ssize_t n;

    (void)revents;
    for (;;) {
        n = pp_check_recv(c, buf, sizeof(buf));
        if (n == PP_RECV_AGAIN)
            return PP_PROBE_MORE;
        if (n == PP_RECV_ERROR) {
            if (x->resp.headers_done)
                return judge(c, x);
            if (client_cert_refused(c, NULL))
                return PP_PROBE_DONE;
            pp_check_set(c, PP_ST_UNEXPECTED,
                         errno == ECONNRESET ? PP_RS_CONN_RESET : PP_RS_BAD_RESPONSE,
                         "the connection failed before an HTTP response: %s", strerror(errno));
            return PP_PROBE_DONE;
        }
        step = pp_httpx_take(&x->resp, buf, (size_t)n, x->headers_only);
        if (x->resp.headers_done && !x->shown && pp_check_stepping(c, PP_STEP_V)) {
            x->shown = true;
            show_response(c, &x->resp);
        }
        switch (step) {
        case PP_HTTPX_JUDGE:
            return judge(c, x);
        case PP_HTTPX_BAD:
            pp_httpx_bad(pp_check_result(c), &x->resp);
            return PP_PROBE_DONE;
        case PP_HTTPX_MORE:
            break;
        }
    }
}

enum pp_httpx_step
pp_httpx_take(struct pp_http_resp *h, const char *buf, size_t n, bool headers_only)
{
    enum pp_http_rc rc = pp_http_feed(h, buf, n);

    if (rc == PP_HTTP_DONE)
        return PP_HTTPX_JUDGE;
    if (rc == PP_HTTP_ERROR)
        /* A body cut short by the close still lets the judge decide. */
        return n == 0 && h->headers_done ? PP_HTTPX_JUDGE : PP_HTTPX_BAD;
    if (h->headers_done && (headers_only || h->body_total > HTTPX_MAX_READ))
        return PP_HTTPX_JUDGE;
    return PP_HTTPX_MORE;
}

void
pp_httpx_bad(struct pp_result *r, const struct pp_http_resp *h)
{
    pp_http_details(r, h);
    pp_result_set(r, PP_ST_UNEXPECTED,
                  h->header_bytes > PP_HTTP_MAX_HEADERS_BYTES ? PP_RS_TOO_LARGE
                                                              : PP_RS_BAD_RESPONSE,
                  "%s", h->error);
}

void
pp_httpx_timeout(struct pp_check *c)
{
    struct httpx *x = pp_check_data(c);

    if (x != NULL && x->resp.headers_done) {
        /* A slow or endless body: judge what arrived. */
        x->judge(c, &x->resp);
        return;
    }
    if (x != NULL)
        pp_httpx_details(c, &x->resp);
    pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_NO_RESPONSE,
                 "the connection is open but no complete HTTP response came in time");
}

void
pp_httpx_cleanup(struct pp_check *c)
{
    struct httpx *x = pp_check_data(c);

    if (x != NULL) {
        pp_http_free(&x->resp);
        free(x);
        pp_check_set_data(c, NULL);
    }
}
