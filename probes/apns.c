/* SPDX-License-Identifier: ISC */
/*
 * apns: the provider side of Apple push (what an MDM server needs).
 * TLS to api.push.apple.com on 443 or 2197, ALPN h2, judged against the
 * public roots Apple uses; then, over HTTP/2 (libnghttp2), one POST to
 * /3/device/<token> with no credentials.  APNs answers 403
 * {"reason":"MissingProviderToken"} (apple-network.md 2.1): any APNs
 * answer with a JSON reason proves the path works end to end.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_NGHTTP2
#include <jansson.h>
#include <nghttp2/nghttp2.h>
#endif

#include "engine/check.h"
#include "probes/probe.h"
#include "core/util.h"
#include "probes/details.h"
#include "probes/judge.h"

/* A syntactically valid device token that belongs to nobody. */
#define APNS_PATH "/3/device/0000000000000000000000000000000000000000000000000000000000000000"

#ifdef HAVE_NGHTTP2

static const char apns_body[] = "{\"aps\":{}}";

struct pp_apns_session {
    nghttp2_session *s;
    pp_apns_send_fn send;
    void *send_ctx;
    pp_apns_header_fn on_header;
    void *header_ctx;
    int32_t stream;
    int status;
    char body[2048];
    size_t body_len;
    size_t body_sent;
    bool closed;
    bool goaway;
    char goaway_text[256];
};

static ssize_t
send_cb(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *user)
{
    struct pp_apns_session *a = user;

    (void)s;
    (void)flags;
    a->send(a->send_ctx, data, len);
    return (ssize_t)len;
}

static int
header_cb(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
          const uint8_t *value, size_t vlen, uint8_t flags, void *user)
{
    struct pp_apns_session *a = user;
    char v[8];

    (void)s;
    (void)flags;
    /* The caller sees each header of the answer (-v). */
    if (f->hd.type == NGHTTP2_HEADERS && f->hd.stream_id == a->stream && a->on_header != NULL)
        a->on_header(a->header_ctx, name, nlen, value, vlen);
    if (f->hd.type == NGHTTP2_HEADERS && f->hd.stream_id == a->stream && nlen == 7 &&
        memcmp(name, ":status", 7) == 0 && vlen == 3) {
        memcpy(v, value, 3);
        v[3] = '\0';
        if (v[0] >= '1' && v[0] <= '5' && v[1] >= '0' && v[1] <= '9' && v[2] >= '0' &&
            v[2] <= '9')
            a->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
    }
    return 0;
}

static int
data_cb(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
        void *user)
{
    struct pp_apns_session *a = user;
    size_t room = sizeof(a->body) - 1 - a->body_len;

    (void)s;
    (void)flags;
    if (sid != a->stream)
        return 0;
    if (len > room)
        len = room;
    memcpy(a->body + a->body_len, data, len);
    a->body_len += len;
    a->body[a->body_len] = '\0';
    return 0;
}

static int
close_cb(nghttp2_session *s, int32_t sid, uint32_t code, void *user)
{
    struct pp_apns_session *a = user;

    (void)s;
    (void)code;
    if (sid == a->stream)
        a->closed = true;
    return 0;
}

static int
frame_cb(nghttp2_session *s, const nghttp2_frame *f, void *user)
{
    struct pp_apns_session *a = user;
    size_t n, i;

    (void)s;
    if (f->hd.type == NGHTTP2_GOAWAY) {
        a->goaway = true;
        n = f->goaway.opaque_data_len < sizeof(a->goaway_text) - 1 ? f->goaway.opaque_data_len
                                                                  : sizeof(a->goaway_text) - 1;
        for (i = 0; i < n; i++) {
            uint8_t ch = f->goaway.opaque_data[i];
            a->goaway_text[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
        }
        a->goaway_text[n] = '\0';
    }
    return 0;
}

static ssize_t
read_cb(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t len, uint32_t *flags,
        nghttp2_data_source *src, void *user)
{
    struct pp_apns_session *a = user;
    size_t left = sizeof(apns_body) - 1 - a->body_sent;

    (void)s;
    (void)sid;
    (void)src;
    if (len > left)
        len = left;
    memcpy(buf, apns_body + a->body_sent, len);
    a->body_sent += len;
    if (a->body_sent == sizeof(apns_body) - 1)
        *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)len;
}

#define NV(n, v) \
    {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), NGHTTP2_NV_FLAG_NONE}

struct pp_apns_session *
pp_apns_session_new(const char *authority, pp_apns_send_fn send, void *send_ctx)
{
    struct pp_apns_session *a = pp_xcalloc(1, sizeof(*a));
    nghttp2_session_callbacks *cbs;
    nghttp2_data_provider dp;
    char len[8];

    a->send = send;
    a->send_ctx = send_ctx;
    if (nghttp2_session_callbacks_new(&cbs) != 0) {
        free(a);
        return NULL;
    }
    nghttp2_session_callbacks_set_send_callback(cbs, send_cb);
    nghttp2_session_callbacks_set_on_header_callback(cbs, header_cb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, data_cb);
    nghttp2_session_callbacks_set_on_stream_close_callback(cbs, close_cb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, frame_cb);
    if (nghttp2_session_client_new(&a->s, cbs, a) != 0) {
        nghttp2_session_callbacks_del(cbs);
        free(a);
        return NULL;
    }
    nghttp2_session_callbacks_del(cbs);
    nghttp2_submit_settings(a->s, NGHTTP2_FLAG_NONE, NULL, 0);
    snprintf(len, sizeof(len), "%zu", sizeof(apns_body) - 1);
    {
        nghttp2_nv hdrs[] = {
            NV(":method", "POST"), NV(":scheme", "https"), NV(":authority", authority),
            NV(":path", APNS_PATH), NV("content-type", "application/json"),
            NV("content-length", len), NV("user-agent", "pushprobe/" PACKAGE_VERSION),
        };
        memset(&dp, 0, sizeof(dp));
        dp.read_callback = read_cb;
        a->stream = nghttp2_submit_request(a->s, NULL, hdrs, sizeof(hdrs) / sizeof(hdrs[0]),
                                           &dp, NULL);
    }
    if (a->stream < 0 || nghttp2_session_send(a->s) != 0) {
        pp_apns_session_free(a);
        return NULL;
    }
    return a;
}

long
pp_apns_session_recv(struct pp_apns_session *a, const uint8_t *buf, size_t len)
{
    ssize_t rv = nghttp2_session_mem_recv(a->s, buf, len);

    return rv < 0 ? (long)rv : 0;
}

const char *
pp_apns_strerror(long rv)
{
    return nghttp2_strerror((int)rv);
}

int
pp_apns_session_send(struct pp_apns_session *a)
{
    return nghttp2_session_send(a->s) != 0 ? -1 : 0;
}

bool
pp_apns_session_closed(const struct pp_apns_session *a)
{
    return a->closed;
}

bool
pp_apns_session_over(const struct pp_apns_session *a)
{
    return a->closed || (a->goaway && !nghttp2_session_want_read(a->s));
}

void
pp_apns_session_answer(const struct pp_apns_session *a, struct pp_apns_answer *ans)
{
    ans->status = a->status;
    ans->body = a->body;
    ans->body_len = a->body_len;
    ans->goaway = a->goaway;
    ans->goaway_text = a->goaway_text;
}

void
pp_apns_session_free(struct pp_apns_session *a)
{
    if (a != NULL) {
        nghttp2_session_del(a->s);
        free(a);
    }
}

void
pp_judge_apns(struct pp_result *r, const struct pp_apns_answer *a)
{
    json_t *doc = NULL;
    const char *reason = NULL;
    json_error_t jerr;

    if (a->body_len > 0 && (doc = json_loadb(a->body, a->body_len, 0, &jerr)) != NULL)
        reason = json_string_value(json_object_get(doc, "reason"));
    if (a->status > 0)
        pp_detail_int(r, PP_DETAIL_HTTP_STATUS, a->status);
    if (reason != NULL)
        pp_detail_str(r, "apns_reason", reason);
    if (a->status > 0 && reason != NULL) {
        pp_result_summary(r, "HTTP/2 %d %s", a->status, reason);
        if (a->status == 403 && strcmp(reason, "MissingProviderToken") == 0)
            pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                          "APNs answers over HTTP/2 (403 MissingProviderToken, as expected with "
                          "no credentials): an MDM server here can send pushes");
        else
            pp_result_set(r, PP_ST_OK, PP_RS_SERVICE_OK,
                          "APNs answers over HTTP/2 (%d %s): the path works end to end",
                          a->status, reason);
    } else if (a->goaway) {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                      "the server ended the HTTP/2 session (GOAWAY%s%s)",
                      a->goaway_text[0] ? ": " : "", a->goaway_text);
    } else {
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                      "an HTTP/2 server answers (status %d) but not like APNs (no JSON reason)",
                      a->status);
    }
    json_decref(doc);
}

static enum pp_probe_rc
judge(struct pp_check *c, struct pp_apns_session *a)
{
    struct pp_apns_answer ans;

    pp_apns_session_answer(a, &ans);
    pp_judge_apns(pp_check_result(c), &ans);
    return PP_PROBE_DONE;
}

static void
check_send(void *ctx, const uint8_t *data, size_t len)
{
    pp_check_send(ctx, data, len);
}

void
pp_apns_session_on_header(struct pp_apns_session *a, pp_apns_header_fn fn, void *ctx)
{
    a->on_header = fn;
    a->header_ctx = ctx;
}

/* -v: the status ('<', as curl); -vv: every header of the answer. */
static void
check_header(void *ctx, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen)
{
    pp_check_stepf(ctx, PP_STEP_HTTP,
                   nlen == 7 && memcmp(name, ":status", 7) == 0 ? PP_STEP_V : PP_STEP_VV,
                   "< %.*s: %.*s (HTTP/2)", nlen > 64 ? 64 : (int)nlen, (const char *)name,
                   vlen > 256 ? 256 : (int)vlen, (const char *)value);
}

static enum pp_probe_rc
apns_ready(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);
    const struct pp_target *t = r->target;
    struct pp_apns_session *a;

    if (!pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    if (strcmp(r->tls.alpn, "h2") != 0) {
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_ALPN_MISMATCH,
                     "the server does not speak HTTP/2 (ALPN %s): not APNs, or a proxy in the "
                     "way", r->tls.alpn[0] ? r->tls.alpn : "none");
        return PP_PROBE_DONE;
    }
    if ((a = pp_apns_session_new(t->host, check_send, c)) == NULL) {
        pp_check_set(c, PP_ST_ERROR, PP_RS_INTERNAL, "could not start an HTTP/2 session");
        return PP_PROBE_DONE;
    }
    pp_check_set_data(c, a);
    if (pp_check_stepping(c, PP_STEP_V))
        pp_apns_session_on_header(a, check_header, c);
    pp_detail_str(r, "path", APNS_PATH);
    pp_check_stepf(c, PP_STEP_HTTP, PP_STEP_V, "> POST %s (HTTP/2, :authority %s, %zu bytes of "
                   "JSON)", APNS_PATH, t->host, sizeof(apns_body) - 1);
    return PP_PROBE_MORE;
}

enum pp_apns_next
pp_apns_session_feed(struct pp_apns_session *a, const uint8_t *buf, long n, long *rv)
{
    *rv = 0;
    if (n <= 0)
        return a->status > 0 || a->goaway ? PP_APNS_JUDGE : PP_APNS_ENDED;
    *rv = pp_apns_session_recv(a, buf, (size_t)n);
    if (*rv < 0)
        return PP_APNS_MALFORMED;
    return a->closed ? PP_APNS_JUDGE : PP_APNS_READ;
}

enum pp_apns_next
pp_apns_session_flush(struct pp_apns_session *a)
{
    if (pp_apns_session_send(a) != 0)
        return PP_APNS_FAILED;
    return pp_apns_session_over(a) ? PP_APNS_JUDGE : PP_APNS_READ;
}

/* What a step of the loop decided, as the check's result; n and e: the
 * last read's return and errno. */
static enum pp_probe_rc
apns_next(struct pp_check *c, struct pp_apns_session *a, enum pp_apns_next next, long n, int e,
          long rv)
{
    switch (next) {
    case PP_APNS_READ:
        return PP_PROBE_MORE;
    case PP_APNS_JUDGE:
        return judge(c, a);
    case PP_APNS_ENDED:
        pp_check_set(c, PP_ST_UNEXPECTED,
                     n == 0 ? PP_RS_TLS_EOF : e == ECONNRESET ? PP_RS_CONN_RESET
                                                              : PP_RS_BAD_RESPONSE,
                     "the connection ended before an HTTP/2 answer");
        break;
    case PP_APNS_MALFORMED:
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                     "the server's HTTP/2 is malformed: %s", pp_apns_strerror(rv));
        break;
    case PP_APNS_FAILED:
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "the HTTP/2 session failed");
        break;
    }
    return PP_PROBE_DONE;
}

static enum pp_probe_rc
apns_io(struct pp_check *c, short revents)
{
    struct pp_apns_session *a = pp_check_data(c);
    uint8_t buf[16384];
    enum pp_apns_next next;
    ssize_t n;
    long rv;
    int e;

    (void)revents;
    for (;;) {
        n = pp_check_recv(c, buf, sizeof(buf));
        if (n == PP_RECV_AGAIN)
            break;
        e = errno;
        next = pp_apns_session_feed(a, buf, (long)n, &rv);
        if (next != PP_APNS_READ)
            return apns_next(c, a, next, (long)n, e, rv);
    }
    return apns_next(c, a, pp_apns_session_flush(a), 0, 0, 0);
}

static void
apns_timeout(struct pp_check *c)
{
    struct pp_apns_session *a = pp_check_data(c);

    if (a != NULL && a->status > 0) {
        judge(c, a);
        return;
    }
    pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_NO_RESPONSE,
                 "HTTP/2 is up but no answer to the push request came in time");
}

static void
apns_cleanup(struct pp_check *c)
{
    pp_apns_session_free(pp_check_data(c));
    pp_check_set_data(c, NULL);
}

#else /* without libnghttp2: TLS and ALPN only */

static enum pp_probe_rc
apns_ready(struct pp_check *c)
{
    struct pp_result *r = pp_check_result(c);

    if (!pp_tls_judge_check(c))
        return PP_PROBE_DONE;
    if (strcmp(r->tls.alpn, "h2") != 0)
        pp_check_set(c, PP_ST_UNEXPECTED, PP_RS_ALPN_MISMATCH,
                     "the server does not speak HTTP/2 (ALPN %s)",
                     r->tls.alpn[0] ? r->tls.alpn : "none");
    else
        pp_check_set(c, PP_ST_OK, PP_RS_TLS_OK,
                     "TLS and HTTP/2 are offered (built without libnghttp2: no request sent)");
    return PP_PROBE_DONE;
}

#define apns_io NULL
#define apns_timeout NULL
#define apns_cleanup NULL

#endif

const struct pp_probe pp_probe_apns = {
    .name = "apns",
    .help = "APNs provider API: TLS, ALPN h2, an HTTP/2 POST answered by APNs",
    .ready = apns_ready,
    .io = apns_io,
    .timeout = apns_timeout,
    .cleanup = apns_cleanup,
};
