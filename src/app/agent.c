/* SPDX-License-Identifier: ISC */
/*
 * The agent (--serve): run the plan every --interval seconds and serve the
 * last run over HTTP for Prometheus and friends.  libmicrohttpd runs inside
 * our one poll() loop (external-select mode: its descriptors are watched
 * like any other, and MHD_run() handles what is ready), so a slow scraper
 * never stalls probing and probing never stalls a scrape.
 *
 * Only GET; targets come from the command line and the configuration
 * file, never from a request (no /probe?target=: that is an open proxy).
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/agent.h"
#include "app/run.h"
#include "core/util.h"
#include "engine/trace.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include "core/url.h"

#include <openssl/crypto.h>

bool
pp_agent_method_allowed(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

enum pp_agent_route
pp_agent_route(const char *method, const char *url, const char *authorization,
               const char *token, bool had_body)
{
    if (!pp_agent_method_allowed(method))
        return PP_AGENT_NOT_ALLOWED;
    if (had_body)
        return PP_AGENT_BODY;
    if (token != NULL) {
        const char *h = authorization;
        /* Compared in constant time: no timing tells how much of it matched. */
        if (h == NULL || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != strlen(token) ||
            CRYPTO_memcmp(h + 7, token, strlen(token)) != 0)
            return PP_AGENT_UNAUTHORIZED;
    }
    if (strcmp(url, "/healthz") == 0)
        return PP_AGENT_HEALTHZ;
    if (strcmp(url, "/") == 0)
        return PP_AGENT_PAGE;
    if (strcmp(url, "/metrics") == 0)
        return PP_AGENT_METRICS;
    if (strcmp(url, "/report.json") == 0)
        return PP_AGENT_JSON;
    return PP_AGENT_NOT_FOUND;
}

int
pp_agent_parse_listen(const char *s, struct pp_agent_opts *ao, char *err, size_t errlen)
{
    char *host = NULL, *where;
    uint16_t port = 0;
    socklen_t len;
    long lv;

    memset(&ao->addr, 0, sizeof(ao->addr));
    if (pp_parse_long(s, 1, 65535, &lv) == 0) {
        host = pp_xstrdup("127.0.0.1");
        port = (uint16_t)lv;
    } else if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s)) {
        snprintf(err, errlen, "want a port from 1 to 65535, got '%.16s'", s);
        return -1;
    } else if (pp_hostport_parse(s, &host, &port, err, errlen) < 0) {
        return -1;
    }
    if (port == 0 || pp_host_sockaddr(host, port, &ao->addr, &len) == 0) {
        snprintf(err, errlen, "want [ADDRESS:]PORT with an IP address, got '%.64s'", s);
        free(host);
        return -1;
    }
    where = pp_hostport_fmt(host, port);
    snprintf(ao->where, sizeof(ao->where), "%s", where);
    free(where);
    free(host);
    return 0;
}

int
pp_agent_token_length(const char *buf, size_t n)
{
    size_t len = 0;

    if (n > PP_AGENT_TOKEN_READ)
        n = PP_AGENT_TOKEN_READ;
    while (len < n && buf[len] != '\0' && buf[len] != '\r' && buf[len] != '\n')
        len++;
    return len < PP_AGENT_TOKEN_MIN ? -1 : (int)len;
}

#ifdef HAVE_MICROHTTPD

#include <sys/select.h>

#include <microhttpd.h>

#include "app/output.h"
#include "capture/capture.h"
#include "core/redact.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "engine/engine.h"
#include "core/loop.h"
#include "ui/report.h"

/* A rendered body shared by the responses that send it: counted, so a new
 * run can replace it while slow clients still read the old one, and no
 * request copies it. */
struct blob {
    unsigned refs;
    size_t len;
    char data[];
};

static struct blob *
blob_new(char *text, size_t len)
{
    struct blob *b = pp_xmalloc(sizeof(*b) + len + 1);

    b->refs = 1;
    b->len = len;
    memcpy(b->data, text, len + 1);
    free(text);
    return b;
}

static void
blob_unref(struct blob *b)
{
    if (b != NULL && --b->refs == 0)
        free(b);
}

static void
blob_release(void *data)
{
    blob_unref((struct blob *)(void *)((char *)data - offsetof(struct blob, data)));
}

struct agent {
    const struct pp_agent_opts *ao;
    const struct pp_plan *plan;
    struct pp_engine_opts eo;  /* the caller's, maybe with a lower --parallel */
    struct pp_loop *loop;
    struct MHD_Daemon *mhd;
    short watched[FD_SETSIZE];
    int top;               /* highest descriptor watched for libmicrohttpd */
    struct pp_timer mhd_timer;
    struct pp_timer cycle_timer;
    struct pp_engine *engine;
    struct pp_report rep;  /* the run whose paths are being traced */
    struct pp_trace_batch *tracing;
    struct blob *metrics;  /* the last run, rendered once per run */
    struct blob *json;
    struct blob *html;     /* the page at / */
    unsigned long runs;
    char *token;
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
    stopping = sig;
}

int
pp_agent_stop_signal(void)
{
    return (int)stopping;
}

/* text (malloc'd, len bytes) masked when rd is not NULL. */
static char *
mask_body(const struct pp_redact *rd, char *text, size_t *len, bool html)
{
    char *out;

    if (rd == NULL || text == NULL)
        return text;
    out = html ? pp_redact_apply_html(rd, text) : pp_redact_apply(rd, text);
    free(text);
    *len = strlen(out);
    return out;
}

/* The page at /: rendered with the time the next run will start. */
static struct blob *
render_page(const struct pp_report *rep, double interval_s, const struct pp_redact *rd)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (m == NULL)
        return NULL;
    pp_report_html(m, rep, (int64_t)time(NULL) + (int64_t)(interval_s + 0.5));
    if (fclose(m) != 0) {
        free(buf);
        return NULL;
    }
    buf = mask_body(rd, buf, &len, true);
    return blob_new(buf, len);
}

static void start_cycle(void *arg);

/* Diagnose a finished run (its paths traced, with --trace) and render
 * what scrapes will be served. */
static void
publish(struct agent *a, struct pp_report rep)
{
    struct pp_diagnosis diag;
    struct pp_context cx;
    struct pp_redact *rd = NULL;
    char *m, *j;
    size_t ml = 0, jl = 0;

    pp_run_conclude(&rep, a->ao->capture, false, &diag);
    a->runs++;
    /* This machine as it is at each run: a laptop or a site's network
     * changes (routes, DNS, proxies) while the agent runs on. */
    memset(&cx, 0, sizeof(cx));
    pp_run_context(&cx, a->ao->resolver, a->ao->pac);
    rep.context = &cx;
    if (a->ao->redact)
        rd = pp_app_redactions(&rep, &cx);
    m = mask_body(rd, pp_report_render(&rep, PP_FMT_PROMETHEUS, false, &ml), &ml, false);
    if (m != NULL) {
        /* The agent's own counter, after the run's metrics. */
        char line[160];
        int n = snprintf(line, sizeof(line), "# HELP pushprobe_runs_total Runs since the agent "
                         "started.\n# TYPE pushprobe_runs_total counter\n"
                         "pushprobe_runs_total %lu\n", a->runs);
        m = pp_xrealloc(m, ml + (size_t)n + 1, 1);
        memcpy(m + ml, line, (size_t)n + 1);
        ml += (size_t)n;
    }
    j = mask_body(rd, pp_report_render(&rep, PP_FMT_JSON, false, &jl), &jl, false);
    if (m != NULL && j != NULL) {
        struct blob *h = render_page(&rep, a->ao->interval_s, rd);
        if (h != NULL) {
            blob_unref(a->html);
            a->html = h;
        }
        blob_unref(a->metrics);
        blob_unref(a->json);
        a->metrics = blob_new(m, ml);
        a->json = blob_new(j, jl);
    } else {
        free(m);
        free(j);
    }
    pp_redact_free(rd);
    pp_diagnosis_free(&diag);
    pp_report_free(&rep);
    pp_context_free(&cx);
    pp_loop_timer(a->loop, &a->cycle_timer,
                  pp_now_ms() + (int64_t)(a->ao->interval_s * 1000.0));
}

static void
traced(void *arg)
{
    struct agent *a = arg;

    pp_trace_batch_finish(a->tracing);
    a->tracing = NULL;
    publish(a, a->rep);
}

/* The engine's done(): take the report; with --trace, trace the paths of
 * the checks that failed before publishing it, in the same loop. */
static void
finish_cycle(void *arg)
{
    struct agent *a = arg;
    struct pp_report rep;

    pp_engine_finish(a->engine, &rep);
    a->engine = NULL;
    if (a->eo.trace > 0) {
        struct pp_trace_opts to;
        char err[200];

        bool *want = pp_xcalloc(rep.n + 1, sizeof(*want));

        memset(&to, 0, sizeof(to));
        to.timeout_s = a->eo.timeout_s;
        to.names = true;
        to.raw = true;
        to.resolver = a->eo.resolver;
        a->rep = rep;
        pp_run_trace_select(rep.results, rep.n, a->eo.trace == 2, want);
        a->tracing = pp_trace_batch_start(a->loop, &a->rep, want, &to, traced, a, err,
                                          sizeof(err));
        free(want);
        if (a->tracing != NULL)
            return;
        if (err[0] != '\0' && a->runs == 0)
            fprintf(stderr, "pushprobe: no path traces: %s\n", err);
    }
    publish(a, rep);
}

static void
start_cycle(void *arg)
{
    struct agent *a = arg;
    char err[256];

    if (a->engine != NULL || a->tracing != NULL)
        return;
    a->engine = pp_engine_start(a->loop, a->plan, &a->eo, finish_cycle, a, err, sizeof(err));
    if (a->engine == NULL) {
        fprintf(stderr, "pushprobe: %s; trying again in %.0f s\n", err, a->ao->interval_s);
        pp_loop_timer(a->loop, &a->cycle_timer,
                      pp_now_ms() + (int64_t)(a->ao->interval_s * 1000.0));
    }
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body,
      size_t len, const char *header, const char *value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (header != NULL)
        MHD_add_response_header(r, header, value);
    rc = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* A 200 with a shared body (no copy). */
static enum MHD_Result
reply_blob(struct MHD_Connection *conn, const char *type, struct blob *b)
{
    struct MHD_Response *r;
    enum MHD_Result rc;

    b->refs++;
    r = MHD_create_response_from_buffer_with_free_callback(b->len, b->data, blob_release);
    if (r == NULL) {
        blob_unref(b);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

/* What *state points to, compared by address: the request's first call has
 * been seen; a body came with it. */
static char request_seen, request_had_body;

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload_data, size_t *upload_size, void **state)
{
    struct agent *a = cls;
    static const char text[] = "text/plain; charset=utf-8";
    static const char wait[] = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset="
        "\"utf-8\"><meta http-equiv=\"refresh\" content=\"5\"><title>pushprobe</title>"
        "</head><body><p>The first run has not finished yet.</p></body></html>\n";
    enum pp_agent_route rt;

    (void)version;
    (void)upload_data;
    /* Refused at once (libmicrohttpd then closes the connection instead of
     * reading a body nobody asked for). */
    if (!pp_agent_method_allowed(method))
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, "only GET\n", 9,
                     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    /* Answered on the call after the whole request is in: a response queued
     * on the first call makes libmicrohttpd close the connection, and every
     * scrape would pay for a new one (no keep-alive). */
    if (*state == NULL) {
        *state = &request_seen;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0;
        *state = &request_had_body;
        return MHD_YES;
    }
    rt = pp_agent_route(method, url,
                        MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION),
                        a->token, *state == &request_had_body);
    switch (rt) {
    case PP_AGENT_NOT_ALLOWED:
        return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text, "only GET\n", 9,
                     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    case PP_AGENT_BODY:
        return reply(conn, MHD_HTTP_BAD_REQUEST, text, "no body with GET\n", 17, NULL, NULL);
    case PP_AGENT_UNAUTHORIZED:
        return reply(conn, MHD_HTTP_UNAUTHORIZED, text, "a bearer token is needed\n", 25,
                     MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    case PP_AGENT_HEALTHZ:
        return reply(conn, MHD_HTTP_OK, text, "ok\n", 3, NULL, NULL);
    case PP_AGENT_PAGE:
        if (a->html == NULL)
            return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/html; charset=utf-8", wait,
                         sizeof(wait) - 1, "Retry-After", "5");
        return reply_blob(conn, "text/html; charset=utf-8", a->html);
    case PP_AGENT_METRICS:
    case PP_AGENT_JSON:
        if (a->metrics == NULL)
            return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, text,
                         "the first run has not finished yet\n", 35, "Retry-After", "5");
        return rt == PP_AGENT_METRICS
                   ? reply_blob(conn, "text/plain; version=0.0.4; charset=utf-8", a->metrics)
                   : reply_blob(conn, "application/json", a->json);
    case PP_AGENT_NOT_FOUND:
        break;
    }
    return reply(conn, MHD_HTTP_NOT_FOUND, text,
                 "not found: /, /metrics, /report.json, /healthz\n", 47, NULL, NULL);
}

static void
mhd_run(void *arg)
{
    struct agent *a = arg;

    MHD_run(a->mhd);
}

static void
mhd_io(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    mhd_run(arg);
}

/* Before each wait: watch what libmicrohttpd wants, arm its timeout, and
 * end the loop on SIGINT or SIGTERM. */
static void
prepare(void *arg)
{
    struct agent *a = arg;
    fd_set rs, ws, es;
    MHD_socket max = 0;
    MHD_UNSIGNED_LONG_LONG to;
    int fd;

    if (stopping) {
        pp_loop_stop(a->loop);
        return;
    }
    FD_ZERO(&rs);
    FD_ZERO(&ws);
    FD_ZERO(&es);
    if (MHD_get_fdset2(a->mhd, &rs, &ws, &es, &max, FD_SETSIZE) != MHD_YES)
        max = 0;
    /* Only up to the highest descriptor either side knows of. */
    for (fd = 0; fd <= (max > a->top ? (int)max : a->top) && fd < FD_SETSIZE; fd++) {
        short ev = 0;
        if (fd <= max) {
            if (FD_ISSET(fd, &rs))
                ev |= POLLIN;
            if (FD_ISSET(fd, &ws))
                ev |= POLLOUT;
        }
        if (ev == a->watched[fd])
            continue;
        if (ev == 0)
            pp_loop_unwatch(a->loop, fd);
        else
            pp_loop_watch(a->loop, fd, ev, mhd_io, a);
        a->watched[fd] = ev;
    }
    a->top = (int)max;
    if (MHD_get_timeout(a->mhd, &to) == MHD_YES)
        pp_loop_timer(a->loop, &a->mhd_timer, pp_now_ms() + (int64_t)to);
    else
        pp_loop_cancel(a->loop, &a->mhd_timer);
}

static char *
read_token(const char *path, char *err, size_t errlen)
{
    FILE *f = pp_fopen_read(path);
    char buf[PP_AGENT_TOKEN_READ], *t;
    size_t n;
    int len;

    if (f == NULL) {
        snprintf(err, errlen, "--serve-token: %s: %s", path, strerror(errno));
        return NULL;
    }
    n = fread(buf, 1, PP_AGENT_TOKEN_READ, f);
    fclose(f);
    if ((len = pp_agent_token_length(buf, n)) < 0) {
        OPENSSL_cleanse(buf, sizeof(buf));
        snprintf(err, errlen, "--serve-token: %s: the token must be at least 16 characters",
                 path);
        return NULL;
    }
    t = pp_xcalloc(1, (size_t)len + 1);
    memcpy(t, buf, (size_t)len);
    OPENSSL_cleanse(buf, sizeof(buf));
    return t;
}

int
pp_agent_check_token(const char *path, char *err, size_t errlen)
{
    char *t = read_token(path, err, errlen);

    if (t == NULL)
        return -1;
    OPENSSL_cleanse(t, strlen(t));
    free(t);
    return 0;
}

/* libmicrohttpd opens an IPv4 socket unless told otherwise.  The
 * unspecified address [::] is dual-stack (IPv4 clients arrive as
 * ::ffff:a.b.c.d), as a listener on every address is expected to be; any
 * other IPv6 address is that address only. */
static unsigned int
listen_flags(const struct pp_agent_opts *ao)
{
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)&ao->addr;

    if (ao->addr.ss_family != AF_INET6)
        return 0;
    if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
        return MHD_USE_DUAL_STACK;
    return MHD_USE_IPv6;
}

int
pp_agent_run(const struct pp_agent_opts *ao, const struct pp_plan *plan,
             const struct pp_engine_opts *eo, char *err, size_t errlen)
{
    struct agent a;
    struct sigaction sa;
    int rc = 0;

    memset(&a, 0, sizeof(a));
    a.ao = ao;
    a.plan = plan;
    a.eo = *eo;
    /* libmicrohttpd selects, and drops connections whose descriptor is
     * FD_SETSIZE or above: leave it room below that. */
    if (a.eo.parallel > FD_SETSIZE - 128)
        a.eo.parallel = FD_SETSIZE - 128;
    if (ao->token_file != NULL && (a.token = read_token(ao->token_file, err, errlen)) == NULL)
        return -1;
    a.loop = pp_loop_new();
    /* No error log: malformed requests are expected from the network.
     * Not MHD_USE_EPOLL: in external mode (0.9.75) its listening socket
     * could stay out of the epoll set after the connection limit or EMFILE
     * was hit, and the agent never accepted again (t_agent.sh). */
    a.mhd = MHD_start_daemon(listen_flags(ao), 0, NULL, NULL, handle, &a,
                             MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&ao->addr,
                             MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
                             MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
                             MHD_OPTION_END);
    if (a.mhd == NULL) {
        int e = errno;
        snprintf(err, errlen, "--serve: cannot listen on %s (%s)", ao->where,
                 e == EMFILE || e == ENFILE ? strerror(e)
                                            : "in use, or not an address here");
        free(a.token);
        pp_loop_free(a.loop);
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;   /* no SA_RESTART: poll() returns */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    pp_timer_init(&a.mhd_timer, mhd_run, &a);
    pp_timer_init(&a.cycle_timer, start_cycle, &a);
    pp_loop_prepare(a.loop, prepare, &a);
    if (ao->capture != NULL &&
        pp_capture_attach(ao->capture, a.loop, NULL, NULL, err, errlen) < 0) {
        MHD_stop_daemon(a.mhd);
        pp_loop_free(a.loop);
        free(a.token);
        return -1;
    }
    fprintf(stderr, "pushprobe: serving /, /metrics, /report.json and /healthz on %s, "
            "a run every %.0f s\n", ao->where, ao->interval_s);
    start_cycle(&a);
    if (pp_loop_run(a.loop) < 0) {
        snprintf(err, errlen, "poll: %s", strerror(errno));
        rc = -1;
    }
    if (a.engine != NULL) {
        struct pp_report rep;
        pp_engine_finish(a.engine, &rep);
        pp_report_free(&rep);
    }
    if (a.tracing != NULL) {
        pp_trace_batch_finish(a.tracing);
        pp_report_free(&a.rep);
    }
    pp_capture_detach(ao->capture);
    MHD_stop_daemon(a.mhd);   /* releases the responses still queued */
    pp_loop_free(a.loop);
    blob_unref(a.metrics);
    blob_unref(a.json);
    blob_unref(a.html);
    free(a.token);
    return rc;
}

#else /* without libmicrohttpd */

int
pp_agent_check_token(const char *path, char *err, size_t errlen)
{
    (void)path;
    snprintf(err, errlen, "--serve: this pushprobe was built without libmicrohttpd");
    return -1;
}

int
pp_agent_stop_signal(void)
{
    return 0;
}

int
pp_agent_run(const struct pp_agent_opts *ao, const struct pp_plan *plan,
             const struct pp_engine_opts *eo, char *err, size_t errlen)
{
    (void)ao;
    (void)plan;
    (void)eo;
    snprintf(err, errlen, "--serve: this pushprobe was built without libmicrohttpd");
    return -1;
}

#endif
