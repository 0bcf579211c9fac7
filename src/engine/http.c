/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 response parsing over http-parser; see http.h. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <http_parser.h>

#include "engine/http.h"
#include "core/url.h"
#include "core/util.h"

#define CB_NONE 0
#define CB_FIELD 1
#define CB_VALUE 2

static void
append(char **s, size_t *len, const char *at, size_t n, size_t cap)
{
    if (*len >= cap)
        return;
    if (n > cap - *len)
        n = cap - *len;
    *s = pp_xrealloc(*s, *len + n + 1, 1);
    memcpy(*s + *len, at, n);
    *len += n;
    (*s)[*len] = '\0';
}

static void
keep_header(struct pp_http_resp *h)
{
    char **slot = NULL;
    const char *f = h->cur_field;

    if (f == NULL || h->cur_value == NULL)
        goto out;
    /* http-parser leaves trailing white space in values: drop it. */
    while (h->cur_value_len > 0 && (h->cur_value[h->cur_value_len - 1] == ' ' ||
                                    h->cur_value[h->cur_value_len - 1] == '\t'))
        h->cur_value[--h->cur_value_len] = '\0';
    if (h->keep_all) {
        append(&h->all_headers, &h->all_len, f, strlen(f), PP_HTTP_MAX_HEADERS_BYTES);
        append(&h->all_headers, &h->all_len, ": ", 2, PP_HTTP_MAX_HEADERS_BYTES);
        append(&h->all_headers, &h->all_len, h->cur_value, h->cur_value_len,
               PP_HTTP_MAX_HEADERS_BYTES);
        append(&h->all_headers, &h->all_len, "\n", 1, PP_HTTP_MAX_HEADERS_BYTES);
    }
    if (strcasecmp(f, "server") == 0)
        slot = &h->server;
    else if (strcasecmp(f, "content-type") == 0)
        slot = &h->content_type;
    else if (strcasecmp(f, "location") == 0)
        slot = &h->location;
    else if (strcasecmp(f, "proxy-authenticate") == 0)
        slot = &h->proxy_authenticate;
    else if (strcasecmp(f, "proxy-status") == 0 || strcasecmp(f, "x-squid-error") == 0)
        slot = &h->proxy_error;
    else if (strcasecmp(f, "content-length") == 0) {
        char *end;
        long long v = strtoll(h->cur_value, &end, 10);
        h->content_length = (*end == '\0' && v >= 0) ? v : -1;
    }
    if (slot != NULL && *slot == NULL) {
        char *p;
        *slot = pp_xstrdup(h->cur_value);
        for (p = *slot; *p != '\0'; p++)
            if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
                *p = '?';
    }
out:
    free(h->cur_field);
    free(h->cur_value);
    h->cur_field = h->cur_value = NULL;
    h->cur_field_len = h->cur_value_len = 0;
}

static int
count_header(struct pp_http_resp *h, size_t n)
{
    h->header_bytes += n;
    if (h->header_bytes > PP_HTTP_MAX_HEADERS_BYTES) {
        snprintf(h->error, sizeof(h->error), "the response headers exceed %d bytes",
                 PP_HTTP_MAX_HEADERS_BYTES);
        return 1;
    }
    return 0;
}

static int
on_field(http_parser *p, const char *at, size_t n)
{
    struct pp_http_resp *h = p->data;

    if (count_header(h, n))
        return 1;
    if (h->last_cb == CB_VALUE)
        keep_header(h);
    append(&h->cur_field, &h->cur_field_len, at, n, 64);
    h->last_cb = CB_FIELD;
    return 0;
}

static int
on_value(http_parser *p, const char *at, size_t n)
{
    struct pp_http_resp *h = p->data;

    if (count_header(h, n))
        return 1;
    append(&h->cur_value, &h->cur_value_len, at, n, 1024);
    h->last_cb = CB_VALUE;
    return 0;
}

static int
on_status(http_parser *p, const char *at, size_t n)
{
    struct pp_http_resp *h = p->data;
    size_t k = strlen(h->reason), i;

    for (i = 0; i < n && k + 1 < sizeof(h->reason); i++, k++)
        h->reason[k] = (unsigned char)at[i] < 0x20 || (unsigned char)at[i] >= 0x7f ? '?' : at[i];
    h->reason[k] = '\0';
    return count_header(h, n);
}

static int
on_headers_complete(http_parser *p)
{
    struct pp_http_resp *h = p->data;

    if (h->last_cb == CB_VALUE)
        keep_header(h);
    h->last_cb = CB_NONE;
    if (p->status_code < 100 || p->status_code > 999) {
        snprintf(h->error, sizeof(h->error), "an HTTP status line with status %u",
                 p->status_code);
        return -1;
    }
    h->status = (int)p->status_code;
    h->version_major = p->http_major;
    h->version_minor = p->http_minor;
    h->headers_done = true;
    /* 1 tells http-parser that no body follows (HEAD). */
    return h->head ? 1 : 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
    struct pp_http_resp *h = p->data;

    h->body_total += (long long)n;
    if (h->body_len < h->body_keep) {
        size_t k = n < h->body_keep - h->body_len ? n : h->body_keep - h->body_len;
        memcpy(h->body + h->body_len, at, k);
        h->body_len += k;
        h->body[h->body_len] = '\0';
    }
    return 0;
}

static int
on_complete(http_parser *p)
{
    struct pp_http_resp *h = p->data;

    if (h->status >= 100 && h->status < 200 && h->status != 101) {
        /* An interim answer (100 Continue, 103 Early Hints): the real one
         * follows on the same connection. */
        h->status = 0;
        h->headers_done = false;
        h->content_length = -1;
        free(h->server);
        free(h->content_type);
        free(h->location);
        free(h->proxy_authenticate);
        free(h->proxy_error);
        h->server = h->content_type = h->location = h->proxy_authenticate = NULL;
        h->proxy_error = NULL;
        h->header_bytes = 0;
        h->reason[0] = '\0';
        free(h->all_headers);
        h->all_headers = NULL;
        h->all_len = 0;
        return 0;
    }
    h->complete = true;
    /* Stop: one response is all we asked for. */
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_status = on_status,
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

void
pp_http_init(struct pp_http_resp *h, size_t body_keep, bool head)
{
    http_parser *p = pp_xcalloc(1, sizeof(*p));

    memset(h, 0, sizeof(*h));
    http_parser_init(p, HTTP_RESPONSE);
    p->data = h;
    h->parser = p;
    h->content_length = -1;
    h->body_keep = body_keep;
    h->body = pp_xmalloc(body_keep + 1);
    h->body[0] = '\0';
    h->head = head;
}

void
pp_http_free(struct pp_http_resp *h)
{
    free(h->parser);
    free(h->server);
    free(h->content_type);
    free(h->location);
    free(h->proxy_authenticate);
    free(h->proxy_error);
    free(h->body);
    free(h->cur_field);
    free(h->cur_value);
    free(h->all_headers);
    memset(h, 0, sizeof(*h));
}

enum pp_http_rc
pp_http_feed(struct pp_http_resp *h, const char *buf, size_t len)
{
    http_parser *p = h->parser;
    enum http_errno e;

    if (h->complete)
        return PP_HTTP_DONE;
    http_parser_execute(p, &settings, buf, len);
    e = HTTP_PARSER_ERRNO(p);
    if (h->complete)
        return PP_HTTP_DONE;
    if (len == 0 && (e == HPE_OK || e == HPE_INVALID_EOF_STATE)) {
        /* Closed before the response was complete. */
        snprintf(h->error, sizeof(h->error), "%s",
                 h->status ? "the connection closed in the middle of the response body"
                           : "the connection closed before a complete HTTP response");
        return PP_HTTP_ERROR;
    }
    if (e != HPE_OK) {
        if (h->error[0] == '\0')
            snprintf(h->error, sizeof(h->error), "malformed HTTP response (%s)",
                     http_errno_description(e));
        return PP_HTTP_ERROR;
    }
    return PP_HTTP_MORE;
}

bool
pp_http_contains(const unsigned char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle), i, j;

    if (n == 0)
        return true;
    for (i = 0; i + n <= len; i++) {
        for (j = 0; j < n; j++)
            if (tolower(hay[i + j]) != tolower((unsigned char)needle[j]))
                break;
        if (j == n)
            return true;
    }
    return false;
}

static const unsigned char *
find_ci(const unsigned char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle), i, j;

    for (i = 0; i + n <= len; i++) {
        for (j = 0; j < n; j++)
            if (tolower(hay[i + j]) != tolower((unsigned char)needle[j]))
                break;
        if (j == n)
            return hay + i;
    }
    return NULL;
}

char *
pp_http_title(const unsigned char *body, size_t len)
{
    const unsigned char *a = find_ci(body, len, "<title"), *b, *e;
    char *t;
    size_t n, i, k = 0;

    if (a == NULL)
        return NULL;
    a = memchr(a, '>', len - (size_t)(a - body));
    if (a == NULL)
        return NULL;
    a++;
    e = find_ci(a, len - (size_t)(a - body), "</title");
    if (e == NULL)
        return NULL;
    while (a < e && (isspace(*a) || *a < 0x20))
        a++;
    b = e;
    while (b > a && (isspace(b[-1]) || b[-1] < 0x20))
        b--;
    n = (size_t)(b - a);
    if (n > 80)
        n = 80;
    t = pp_xmalloc(n + 1);
    for (i = 0; i < n; i++)
        t[k++] = (a[i] >= 0x20 && a[i] < 0x7f) ? (char)a[i] : (a[i] < 0x80 ? ' ' : '?');
    while (k > 0 && t[k - 1] == ' ')
        k--;
    t[k] = '\0';
    return t;
}

char *
pp_http_request(const char *method, const char *host, uint16_t port, bool tls,
                const char *path)
{
    bool dflt = (tls && port == 443) || (!tls && port == 80);
    bool v6 = pp_host_literal(host) == 6;
    char hostport[300];
    /* A zone id means something on this machine only: never sent. */
    int n = v6 ? (int)strcspn(host, "%") : (int)strlen(host);

    if (dflt)
        snprintf(hostport, sizeof(hostport), v6 ? "[%.*s]" : "%.*s", n, host);
    else
        snprintf(hostport, sizeof(hostport), v6 ? "[%.*s]:%u" : "%.*s:%u", n, host, port);
    return pp_xasprintf("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pushprobe/%s\r\n"
                        "Accept: */*\r\nConnection: close\r\n\r\n",
                        method, path && *path ? path : "/", hostport, PACKAGE_VERSION);
}

/* ------------------------------------------------------- proxies */

long
pp_http_header_end(const char *buf, size_t len)
{
    size_t i, lim = len < PP_HTTP_MAX_HEADERS_BYTES ? len : PP_HTTP_MAX_HEADERS_BYTES;
    const char *nl;

    if (len >= 5 && strncmp(buf, "HTTP/", 5) != 0)
        return -1;
    if (len < 5 && strncmp(buf, "HTTP/", len) != 0)
        return -1;
    /* Line ends found with memchr: a proxy that trickles its answer is
     * peeked again at every arrival, from the start. */
    for (i = 0; i + 1 < lim; i++) {
        if ((nl = memchr(buf + i, '\n', lim - 1 - i)) == NULL)
            break;
        i = (size_t)(nl - buf);
        if (buf[i + 1] == '\n')
            return (long)(i + 2);
        if (i + 2 < lim && buf[i + 1] == '\r' && buf[i + 2] == '\n')
            return (long)(i + 3);
    }
    return len >= PP_HTTP_MAX_HEADERS_BYTES ? -1 : 0;
}

static void
connect_reason(const char *buf, size_t len, struct pp_connect_answer *a)
{
    const char *sp = memchr(buf, ' ', len), *e;
    size_t i, k = 0;

    if (sp == NULL)
        return;
    sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - buf));
    if (sp == NULL)
        return;
    e = sp + 1;
    for (i = 0; e + i < buf + len && e[i] != '\r' && e[i] != '\n' && k + 1 < sizeof(a->reason);
         i++)
        a->reason[k++] = (unsigned char)e[i] >= 0x20 && (unsigned char)e[i] < 0x7f ? e[i] : '?';
    a->reason[k] = '\0';
}

int
pp_http_parse_connect(const char *buf, size_t len, struct pp_connect_answer *a)
{
    struct pp_http_resp h;
    enum pp_http_rc rc;

    memset(a, 0, sizeof(*a));
    pp_http_init(&h, 0, true);
    rc = pp_http_feed(&h, buf, len);
    if (rc == PP_HTTP_MORE && !h.headers_done)
        snprintf(a->error, sizeof(a->error), "an incomplete HTTP header block");
    else if (rc == PP_HTTP_ERROR)
        snprintf(a->error, sizeof(a->error), "%s", h.error);
    if (h.headers_done) {
        a->status = h.status;
        connect_reason(buf, len, a);
        if (h.proxy_authenticate != NULL) {
            size_t n = strcspn(h.proxy_authenticate, " \t,");
            snprintf(a->auth_scheme, sizeof(a->auth_scheme), "%.*s",
                     (int)(n < sizeof(a->auth_scheme) ? n : sizeof(a->auth_scheme) - 1),
                     h.proxy_authenticate);
        }
        a->error[0] = '\0';
    }
    pp_http_free(&h);
    return a->status != 0 ? 0 : -1;
}

static void
host_port(char *out, size_t cap, const char *host, uint16_t port)
{
    snprintf(out, cap, pp_host_literal(host) == 6 ? "[%s]:%u" : "%s:%u", host, port);
}

char *
pp_http_connect_request(const char *host, uint16_t port, const char *auth)
{
    char hp[300];

    host_port(hp, sizeof(hp), host, port);
    return pp_xasprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: pushprobe/%s\r\n"
                        "%s%s%s\r\n", hp, hp, PACKAGE_VERSION,
                        auth ? "Proxy-Authorization: Basic " : "", auth ? auth : "",
                        auth ? "\r\n" : "");
}

char *
pp_http_request_proxied(const char *method, const char *host, uint16_t port,
                        const char *path, const char *auth)
{
    char hp[300], *plain, *r;
    size_t line;

    host_port(hp, sizeof(hp), host, port);
    plain = pp_http_request(method, host, port, false, path);
    /* The request line with the absolute URI, then the same headers. */
    line = strcspn(plain, "\r");
    r = pp_xasprintf("%s http://%s%s HTTP/1.1\r\n%s%s%s%s", method, hp,
                     path && *path ? path : "/", auth ? "Proxy-Authorization: Basic " : "",
                     auth ? auth : "", auth ? "\r\n" : "", plain + line + 2);
    free(plain);
    return r;
}
