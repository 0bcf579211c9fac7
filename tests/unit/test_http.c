/* SPDX-License-Identifier: ISC */
/* HTTP/1.1 responses (src/engine/http.h), fed with real bytes: the captures in
 * tests/data/http/ come from Debian's nginx on loopback (capture.sh there
 * recreates them).  Whatever the bytes and however they are split, the
 * parser returns MORE, DONE or ERROR with a sentence, and never crashes. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdata.h"

#include "engine/http.h"

/* Every capture, and what framing nginx gave it. */
enum framing { FR_LENGTH, FR_CHUNKED, FR_EOF, FR_HEAD };

static const struct {
    const char *name;
    enum framing framing;
} captures[] = {
    {"200-length.bin", FR_LENGTH},
    {"200-chunked.bin", FR_CHUNKED},
    {"200-eof.bin", FR_EOF},
    {"302-location.bin", FR_LENGTH},
    {"404-title.bin", FR_LENGTH},
    {"401-auth.bin", FR_LENGTH},
    {"head-200.bin", FR_HEAD},
};
#define NCAPTURES (sizeof(captures) / sizeof(captures[0]))

/* ---------------------------------------------------------- helpers */

/* A capture, in a buffer of exactly its size (so ASan sees overreads). */
static char *
load(const char *name, size_t *len)
{
    return (char *)pp_test_load("http", name, len);
}

/* Where the body starts: just past the first blank line. */
static size_t
body_offset(const char *buf, size_t len)
{
    size_t i;

    for (i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    fail_msg("no end of headers in the capture");
    return 0;
}

/* Feed buf in pieces of step bytes (0: all at once), then EOF if the
 * parser still wants more.  Stops at the first DONE or ERROR. */
static enum pp_http_rc
feed_steps(struct pp_http_resp *h, const char *buf, size_t len, size_t step)
{
    enum pp_http_rc rc = PP_HTTP_MORE;
    size_t off = 0;

    if (step == 0)
        step = len;
    while (off < len && rc == PP_HTTP_MORE) {
        size_t n = len - off < step ? len - off : step;
        rc = pp_http_feed(h, buf + off, n);
        off += n;
    }
    if (rc == PP_HTTP_MORE)
        rc = pp_http_feed(h, buf + len, 0);
    return rc;
}

/* Parse a whole capture with body_keep bytes kept; returns DONE or fails. */
static void
parse_capture(struct pp_http_resp *h, const char *name, size_t keep, bool head)
{
    size_t len;
    char *buf = load(name, &len);
    enum pp_http_rc rc;

    pp_http_init(h, keep, head);
    rc = feed_steps(h, buf, len, 0);
    if (rc != PP_HTTP_DONE)
        fail_msg("%s: rc %d, error '%s'", name, (int)rc, h->error);
    free(buf);
}

static void
str_equal_or_null(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Two parses of the same bytes agree on everything they report. */
static void
same_result(const struct pp_http_resp *a, const struct pp_http_resp *b)
{
    assert_int_equal(a->status, b->status);
    str_equal_or_null(a->server, b->server);
    str_equal_or_null(a->content_type, b->content_type);
    str_equal_or_null(a->location, b->location);
    assert_true(a->content_length == b->content_length);
    assert_int_equal(a->body_len, b->body_len);
    assert_memory_equal(a->body, b->body, a->body_len + 1);
    assert_true(a->body_total == b->body_total);
    assert_int_equal(a->header_bytes, b->header_bytes);
    assert_int_equal(a->headers_done, b->headers_done);
    assert_int_equal(a->complete, b->complete);
}

/* Parse a string in one go (with EOF if needed); the caller frees. */
static enum pp_http_rc
parse_str(struct pp_http_resp *h, const char *s, size_t keep)
{
    pp_http_init(h, keep, false);
    return feed_steps(h, s, strlen(s), 0);
}

/* Fails unless the parse ends in ERROR with a sentence mentioning want. */
static void
expect_error(const char *s, size_t len, size_t step, const char *want)
{
    struct pp_http_resp h;
    enum pp_http_rc rc;

    pp_http_init(&h, 64, false);
    rc = feed_steps(&h, s, len, step);
    if (rc != PP_HTTP_ERROR)
        fail_msg("'%.40s...' (step %zu): rc %d, not an error", s, step, (int)rc);
    assert_true(strlen(h.error) > 0);
    if (want != NULL && strstr(h.error, want) == NULL)
        fail_msg("'%.40s...': error '%s' does not mention '%s'", s, h.error, want);
    pp_http_free(&h);
}

/* ---------------------------------------------------------- captures */

static void
test_capture_200_length(void **state)
{
    struct pp_http_resp h;
    size_t len, off;
    char *buf = load("200-length.bin", &len);
    char *title;

    (void)state;
    off = body_offset(buf, len);
    assert_int_equal(len - off, 4000);
    pp_http_init(&h, 8192, false);
    /* Content-Length says where it ends: DONE without waiting for EOF. */
    assert_int_equal(pp_http_feed(&h, buf, len), PP_HTTP_DONE);
    assert_int_equal(h.status, 200);
    assert_non_null(h.server);
    assert_int_equal(strncmp(h.server, "nginx/", 6), 0);
    assert_string_equal(h.content_type, "text/html");
    assert_null(h.location);
    assert_true(h.content_length == 4000);
    assert_int_equal(h.body_len, 4000);
    assert_true(h.body_total == 4000);
    assert_memory_equal(h.body, buf + off, 4000);
    assert_int_equal(h.body[4000], '\0');
    assert_true(h.headers_done);
    assert_true(h.complete);
    assert_true(h.header_bytes > 100 && h.header_bytes < off);
    title = pp_http_title(h.body, h.body_len);
    assert_non_null(title);
    assert_string_equal(title, "Welcome to pushprobe");
    free(title);
    /* Once DONE, more bytes (or EOF) change nothing. */
    assert_int_equal(pp_http_feed(&h, "HTTP/1.1 500 Oops\r\n\r\n", 21), PP_HTTP_DONE);
    assert_int_equal(pp_http_feed(&h, buf, 0), PP_HTTP_DONE);
    assert_int_equal(h.status, 200);
    assert_true(h.body_total == 4000);
    pp_http_free(&h);
    assert_null(h.body);
    assert_null(h.server);
    free(buf);
}

static void
test_capture_body_keep(void **state)
{
    struct pp_http_resp h;
    size_t len, off;
    char *buf = load("200-length.bin", &len);
    static const size_t keeps[] = {0, 1, 100, 3999, 4000, 4001};
    size_t i, step;

    (void)state;
    off = body_offset(buf, len);
    for (i = 0; i < sizeof(keeps) / sizeof(keeps[0]); i++) {
        for (step = 0; step <= 7; step += 7) {
            size_t want = keeps[i] < 4000 ? keeps[i] : 4000;
            pp_http_init(&h, keeps[i], false);
            assert_int_equal(feed_steps(&h, buf, len, step), PP_HTTP_DONE);
            assert_int_equal(h.body_keep, keeps[i]);
            assert_int_equal(h.body_len, want);
            assert_memory_equal(h.body, buf + off, want);
            assert_int_equal(h.body[want], '\0');
            assert_true(h.body_total == 4000);
            assert_true(h.complete);
            pp_http_free(&h);
        }
    }
    free(buf);
}

static void
test_capture_chunked(void **state)
{
    struct pp_http_resp h, e;
    size_t len, elen, eoff;
    char *buf = load("200-chunked.bin", &len);
    char *ebuf = load("200-eof.bin", &elen);
    char *title;

    (void)state;
    /* The capture really is chunked, in more than one chunk. */
    assert_true(pp_http_contains((const unsigned char *)buf, body_offset(buf, len),
                                 "\r\nTransfer-Encoding: chunked\r\n"));
    assert_true(pp_http_contains((const unsigned char *)buf + body_offset(buf, len),
                                 len - body_offset(buf, len), "\r\n0\r\n\r\n"));
    pp_http_init(&h, 1 << 16, false);
    assert_int_equal(pp_http_feed(&h, buf, len), PP_HTTP_DONE);
    assert_int_equal(h.status, 200);
    assert_non_null(h.server);
    assert_int_equal(strncmp(h.server, "nginx/", 6), 0);
    assert_string_equal(h.content_type, "text/html");
    assert_true(h.content_length == -1);
    assert_true(h.complete);
    /* The same page, sent to HTTP/1.0 unframed: the chunks decode to it. */
    eoff = body_offset(ebuf, elen);
    assert_true(h.body_total == (long long)(elen - eoff));
    assert_int_equal(h.body_len, elen - eoff);
    assert_memory_equal(h.body, ebuf + eoff, elen - eoff);
    title = pp_http_title(h.body, h.body_len);
    assert_non_null(title);
    assert_string_equal(title, "Portal");
    free(title);

    /* Kept bytes stop at body_keep across chunk boundaries; all counted. */
    pp_http_init(&e, 60, false);
    assert_int_equal(feed_steps(&e, buf, len, 5), PP_HTTP_DONE);
    assert_int_equal(e.body_len, 60);
    assert_memory_equal(e.body, h.body, 60);
    assert_true(e.body_total == h.body_total);
    pp_http_free(&e);
    pp_http_free(&h);
    free(buf);
    free(ebuf);
}

static void
test_capture_eof(void **state)
{
    struct pp_http_resp h;
    size_t len, off;
    char *buf = load("200-eof.bin", &len);

    (void)state;
    off = body_offset(buf, len);
    pp_http_init(&h, 1 << 16, false);
    /* No Content-Length, not chunked: only EOF ends it. */
    assert_int_equal(pp_http_feed(&h, buf, len), PP_HTTP_MORE);
    assert_false(h.complete);
    assert_int_equal(h.status, 200);
    assert_true(h.content_length == -1);
    assert_true(h.body_total == (long long)(len - off));
    assert_int_equal(pp_http_feed(&h, buf + len, 0), PP_HTTP_DONE);
    assert_true(h.complete);
    assert_true(h.body_total == (long long)(len - off));
    assert_memory_equal(h.body, buf + off, len - off);
    pp_http_free(&h);
    free(buf);
}

static void
test_capture_302(void **state)
{
    struct pp_http_resp h;
    char *title;
    size_t n;

    (void)state;
    parse_capture(&h, "302-location.bin", 4096, false);
    assert_int_equal(h.status, 302);
    assert_non_null(h.server);
    assert_int_equal(strncmp(h.server, "nginx/", 6), 0);
    assert_string_equal(h.content_type, "text/html");
    assert_non_null(h.location);
    /* capture.sh picks a free port: check around it. */
    assert_int_equal(strncmp(h.location, "http://127.0.0.1:", 17), 0);
    n = strlen(h.location);
    assert_true(n > 28);
    assert_string_equal(h.location + n - 11, "/elsewhere/");
    /* nginx's own error page: 145 bytes from 1.22.1. */
    assert_true(h.content_length > 100);
    assert_true(h.body_total == h.content_length);
    assert_true((long long)h.body_len == h.content_length);
    title = pp_http_title(h.body, h.body_len);
    assert_non_null(title);
    assert_string_equal(title, "302 Found");
    free(title);
    pp_http_free(&h);
}

static void
test_capture_404(void **state)
{
    struct pp_http_resp h;
    char *title;

    (void)state;
    parse_capture(&h, "404-title.bin", 4096, false);
    assert_int_equal(h.status, 404);
    assert_null(h.location);
    /* nginx's own error page: 153 bytes from 1.22.1. */
    assert_true(h.content_length > 100);
    assert_true(h.body_total == h.content_length);
    title = pp_http_title(h.body, h.body_len);
    assert_non_null(title);
    assert_string_equal(title, "404 Not Found");
    free(title);
    assert_true(pp_http_contains(h.body, h.body_len, "<H1>404 NOT FOUND</H1>"));
    pp_http_free(&h);
}

static void
test_capture_401(void **state)
{
    struct pp_http_resp h;
    char *title;

    (void)state;
    parse_capture(&h, "401-auth.bin", 4096, false);
    assert_int_equal(h.status, 401);
    assert_non_null(h.server);
    assert_int_equal(strncmp(h.server, "nginx/", 6), 0);
    assert_string_equal(h.content_type, "text/html");
    assert_null(h.location);
    /* nginx's own error page: 179 bytes from 1.22.1. */
    assert_true(h.content_length > 100);
    assert_true(h.body_total == h.content_length);
    title = pp_http_title(h.body, h.body_len);
    assert_non_null(title);
    assert_string_equal(title, "401 Authorization Required");
    free(title);
    pp_http_free(&h);
}

static void
test_capture_head(void **state)
{
    struct pp_http_resp h;
    size_t len;
    char *buf = load("head-200.bin", &len);

    (void)state;
    assert_int_equal(body_offset(buf, len), len);
    pp_http_init(&h, 4096, true);
    assert_int_equal(pp_http_feed(&h, buf, len), PP_HTTP_DONE);
    assert_int_equal(h.status, 200);
    assert_non_null(h.server);
    assert_int_equal(strncmp(h.server, "nginx/", 6), 0);
    /* The length of the body a GET would get; none follows. */
    assert_true(h.content_length == 4000);
    assert_true(h.body_total == 0);
    assert_int_equal(h.body_len, 0);
    assert_int_equal(h.body[0], '\0');
    assert_true(h.complete);
    assert_true(h.head);
    pp_http_free(&h);

    /* Read as a GET answer, the same bytes wait for 4000 bytes that never
     * come: EOF is an error, not a complete response. */
    pp_http_init(&h, 4096, false);
    assert_int_equal(pp_http_feed(&h, buf, len), PP_HTTP_MORE);
    assert_int_equal(h.status, 200);
    assert_int_equal(pp_http_feed(&h, buf, 0), PP_HTTP_ERROR);
    assert_true(strlen(h.error) > 0);
    assert_false(h.complete);
    pp_http_free(&h);
    free(buf);
}

/* Byte by byte, or in any other pieces, gives what one go gives. */
static void
test_capture_split(void **state)
{
    static const size_t steps[] = {1, 2, 3, 7, 64, 1000};
    size_t c, s;

    (void)state;
    for (c = 0; c < NCAPTURES; c++) {
        size_t len;
        char *buf = load(captures[c].name, &len);
        bool head = captures[c].framing == FR_HEAD;
        struct pp_http_resp whole;

        pp_http_init(&whole, 8192, head);
        assert_int_equal(feed_steps(&whole, buf, len, 0), PP_HTTP_DONE);
        for (s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
            struct pp_http_resp part;
            enum pp_http_rc rc;

            pp_http_init(&part, 8192, head);
            rc = feed_steps(&part, buf, len, steps[s]);
            if (rc != PP_HTTP_DONE)
                fail_msg("%s in steps of %zu: rc %d, error '%s'", captures[c].name, steps[s],
                         (int)rc, part.error);
            same_result(&whole, &part);
            pp_http_free(&part);
        }
        pp_http_free(&whole);
        free(buf);
    }
}

/* The connection may close after any byte: every prefix of every capture,
 * then EOF, is DONE or ERROR with a sentence, and DONE only when the
 * response was really complete. */
static void
test_capture_prefixes(void **state)
{
    size_t c, k;

    (void)state;
    for (c = 0; c < NCAPTURES; c++) {
        size_t len, off;
        char *buf = load(captures[c].name, &len);
        enum framing fr = captures[c].framing;

        off = body_offset(buf, len);
        for (k = 0; k <= len; k++) {
            struct pp_http_resp h;
            enum pp_http_rc rc;
            char *pre = malloc(k ? k : 1);

            assert_non_null(pre);
            memcpy(pre, buf, k);
            pp_http_init(&h, 256, fr == FR_HEAD);
            rc = k ? pp_http_feed(&h, pre, k) : PP_HTTP_MORE;
            if (rc == PP_HTTP_MORE)
                rc = pp_http_feed(&h, pre + k, 0);
            if (rc != PP_HTTP_DONE && rc != PP_HTTP_ERROR)
                fail_msg("%s, first %zu bytes then EOF: rc %d", captures[c].name, k, (int)rc);
            if (rc == PP_HTTP_ERROR && h.error[0] == '\0')
                fail_msg("%s, first %zu bytes then EOF: an error without a sentence",
                         captures[c].name, k);
            if (k == len || (fr == FR_EOF && k >= off)) {
                if (rc != PP_HTTP_DONE)
                    fail_msg("%s, first %zu of %zu bytes then EOF: '%s', not DONE",
                             captures[c].name, k, len, h.error);
                assert_true(h.complete);
                if (fr == FR_EOF)
                    assert_true(h.body_total == (long long)(k - off));
            } else if (rc != PP_HTTP_ERROR) {
                fail_msg("%s, first %zu of %zu bytes then EOF: DONE", captures[c].name, k, len);
            } else {
                assert_false(h.complete);
            }
            pp_http_free(&h);
            free(pre);
        }
        free(buf);
    }
}

/* Feed the first k bytes of a capture, then EOF; the error sentence must
 * say the connection closed (what http.c words for that case), not blame
 * the server for malformed HTTP. */
static void
closed_sentence(const char *name, size_t k)
{
    struct pp_http_resp h;
    size_t len;
    char *buf = load(name, &len);
    char msg[300];

    assert_true(k < len);
    pp_http_init(&h, 64, false);
    if (k > 0)
        assert_int_equal(pp_http_feed(&h, buf, k), PP_HTTP_MORE);
    assert_int_equal(pp_http_feed(&h, buf, 0), PP_HTTP_ERROR);
    snprintf(msg, sizeof(msg), "%s, EOF after %zu of %zu bytes: error '%s'", name, k, len,
             h.error);
    pp_http_free(&h);
    free(buf);
    if (strstr(msg, "closed") == NULL)
        fail_msg("%s", msg);
}

/* A server that closes in the middle of the body did not send malformed
 * HTTP: the sentence says the connection closed (in the body). */
static void
test_truncated_body_sentence(void **state)
{
    (void)state;
    closed_sentence("200-length.bin", 400);
    closed_sentence("200-chunked.bin", 400);
}

/* Nor did one that closes in the middle of the status line or headers. */
static void
test_truncated_headers_sentence(void **state)
{
    (void)state;
    closed_sentence("404-title.bin", 0);
    closed_sentence("404-title.bin", 10);
    closed_sentence("404-title.bin", 60);
}

/* ---------------------------------------------------------- synthetic */

static void
test_garbage(void **state)
{
    static const char *const bad[] = {
        "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
        "HTTP/x.y 200 OK\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad\x01Header: x\r\n\r\n",
        "<html><body>It works!</body></html>\n",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_error(bad[i], strlen(bad[i]), 0, NULL);
        expect_error(bad[i], strlen(bad[i]), 1, NULL);
    }
    expect_error("SSH-2.0-OpenSSH_9.2p1\r\n", 23, 0, "malformed");
    /* Nothing at all, then EOF. */
    expect_error("", 0, 0, "closed");
}

static void
test_headers_too_big(void **state)
{
    struct pp_http_resp h;
    size_t cap = 40000, n = 0, i;
    char *s = malloc(cap);

    (void)state;
    assert_non_null(s);
    n += (size_t)snprintf(s + n, cap - n, "HTTP/1.1 200 OK\r\nServer: big\r\n");
    /* 200 headers of 100 bytes of name and value each: 20000 bytes. */
    for (i = 0; i < 200; i++)
        n += (size_t)snprintf(s + n, cap - n, "X-Filler-%03zu: %088d\r\n", i, 0);
    n += (size_t)snprintf(s + n, cap - n, "Content-Length: 0\r\n\r\n");
    assert_true(n < cap);

    pp_http_init(&h, 64, false);
    assert_int_equal(pp_http_feed(&h, s, n), PP_HTTP_ERROR);
    assert_true(h.header_bytes > PP_HTTP_MAX_HEADERS_BYTES);
    assert_non_null(strstr(h.error, "exceed"));
    assert_false(h.headers_done);
    pp_http_free(&h);

    /* Byte by byte: the same. */
    pp_http_init(&h, 64, false);
    assert_int_equal(feed_steps(&h, s, n, 1), PP_HTTP_ERROR);
    assert_true(h.header_bytes > PP_HTTP_MAX_HEADERS_BYTES);
    assert_non_null(strstr(h.error, "exceed"));
    pp_http_free(&h);

    /* One value of 17000 bytes. */
    n = (size_t)snprintf(s, cap, "HTTP/1.1 200 OK\r\nX-Big: ");
    memset(s + n, 'a', 17000);
    n += 17000;
    n += (size_t)snprintf(s + n, cap - n, "\r\nContent-Length: 0\r\n\r\n");
    pp_http_init(&h, 64, false);
    assert_int_equal(feed_steps(&h, s, n, 4096), PP_HTTP_ERROR);
    assert_true(h.header_bytes > PP_HTTP_MAX_HEADERS_BYTES);
    pp_http_free(&h);

    /* 100 of them (10000 bytes) are fine. */
    n = (size_t)snprintf(s, cap, "HTTP/1.1 200 OK\r\nServer: big\r\n");
    for (i = 0; i < 100; i++)
        n += (size_t)snprintf(s + n, cap - n, "X-Filler-%03zu: %088d\r\n", i, 0);
    n += (size_t)snprintf(s + n, cap - n, "Content-Length: 2\r\n\r\nok");
    pp_http_init(&h, 64, false);
    assert_int_equal(pp_http_feed(&h, s, n), PP_HTTP_DONE);
    assert_true(h.header_bytes <= PP_HTTP_MAX_HEADERS_BYTES);
    assert_string_equal(h.server, "big");
    assert_string_equal((const char *)h.body, "ok");
    pp_http_free(&h);
    free(s);
}

static void
test_no_length_eof(void **state)
{
    struct pp_http_resp h;
    static const char r[] = "HTTP/1.1 200 OK\r\nServer: tiny\r\nContent-Type: text/plain\r\n"
        "\r\nhello";

    (void)state;
    pp_http_init(&h, 64, false);
    assert_int_equal(pp_http_feed(&h, r, sizeof(r) - 1), PP_HTTP_MORE);
    assert_int_equal(pp_http_feed(&h, r, 0), PP_HTTP_DONE);
    assert_true(h.complete);
    assert_int_equal(h.status, 200);
    assert_true(h.content_length == -1);
    assert_string_equal((const char *)h.body, "hello");
    assert_true(h.body_total == 5);
    assert_string_equal(h.content_type, "text/plain");
    pp_http_free(&h);

    /* Headers only, then EOF: an empty body. */
    assert_int_equal(parse_str(&h, "HTTP/1.0 204 No Content\r\n\r\n", 64), PP_HTTP_DONE);
    assert_int_equal(h.status, 204);
    assert_true(h.body_total == 0);
    pp_http_free(&h);
}

static void
test_header_values(void **state)
{
    struct pp_http_resp h;

    (void)state;
    /* Non-printable bytes in Server come back as '?'. */
    assert_int_equal(parse_str(&h, "HTTP/1.1 200 OK\r\nServer: Evil\tBox\x80\xc3\xa9!\r\n"
                               "Content-Length: 0\r\n\r\n", 64), PP_HTTP_DONE);
    assert_non_null(h.server);
    assert_string_equal(h.server, "Evil?Box???" "!");
    pp_http_free(&h);

    /* Names are case-insensitive; the first of two wins. */
    assert_int_equal(parse_str(&h, "HTTP/1.1 301 Moved\r\nSERVER: one\r\nserver: two\r\n"
                               "content-TYPE: text/html; charset=utf-8\r\n"
                               "LOCATION: https://example.com/\r\ncontent-length: 3\r\n\r\nabc",
                               64), PP_HTTP_DONE);
    assert_int_equal(h.status, 301);
    assert_string_equal(h.server, "one");
    assert_string_equal(h.content_type, "text/html; charset=utf-8");
    assert_string_equal(h.location, "https://example.com/");
    assert_true(h.content_length == 3);
    pp_http_free(&h);

    /* An empty header before Server does not swallow its name. */
    assert_int_equal(parse_str(&h, "HTTP/1.1 200 OK\r\nX-Empty:\r\nServer: after\r\n"
                               "Content-Length: 0\r\n\r\n", 64), PP_HTTP_DONE);
    assert_non_null(h.server);
    assert_string_equal(h.server, "after");
    pp_http_free(&h);

    /* A chunked body with extensions and a trailer. */
    assert_int_equal(parse_str(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nX-Trailer: t\r\n\r\n",
                               64), PP_HTTP_DONE);
    assert_string_equal((const char *)h.body, "abcde");
    assert_true(h.body_total == 5);
    assert_true(h.content_length == -1);
    pp_http_free(&h);
}

/* RFC 7230 3.2.4: white space after the value is not part of it, and
 * http-parser hands it over. */
static void
test_header_ows(void **state)
{
    struct pp_http_resp h;
    long long total, length;
    char server[32];

    (void)state;
    assert_int_equal(parse_str(&h, "HTTP/1.1 200 OK\r\nServer: spaced \t \r\n"
                               "Content-Length: 5  \r\n\r\nhello", 64), PP_HTTP_DONE);
    total = h.body_total;
    length = h.content_length;
    snprintf(server, sizeof(server), "%s", h.server ? h.server : "(none)");
    pp_http_free(&h);
    /* http-parser framed the body by it: the length was there. */
    assert_true(total == 5);
    if (length != 5)
        fail_msg("\"Content-Length: 5  \": content_length %lld", length);
    assert_string_equal(server, "spaced");
}

/* RFC 7231 6.2: "A client MUST be able to parse one or more 1xx responses
 * received prior to a final response, even if the client does not expect
 * one."  The status is the final response's. */
static void
test_interim_1xx(void **state)
{
    struct pp_http_resp h;
    static const char r[] = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
        "HTTP/1.1 200 OK\r\nServer: final\r\nContent-Length: 2\r\n\r\nok";
    size_t step;

    (void)state;
    for (step = 0; step <= 1; step++) {
        enum pp_http_rc rc;
        int status;
        char body[8];

        pp_http_init(&h, 64, false);
        rc = feed_steps(&h, r, sizeof(r) - 1, step);
        status = h.status;
        snprintf(body, sizeof(body), "%s", (const char *)h.body);
        pp_http_free(&h);
        if (rc != PP_HTTP_DONE || status != 200 || strcmp(body, "ok") != 0)
            fail_msg("103 then 200 (step %zu): rc %d, status %d, body '%s'", step, (int)rc,
                     status, body);
    }
}

/* A status code is three digits, 100 to 599 defined (RFC 7231 6); status
 * 0 means "no status line" to the probes (httpx.c drops every detail), so
 * "HTTP/1.1 000" or "HTTP/1.1 99" cannot be a complete response. */
static void
test_status_range(void **state)
{
    static const char *const bad[] = {
        "HTTP/1.1 000 Zero\r\nServer: x\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 0 Zero\r\nServer: x\r\nContent-Length: 2\r\n\r\nok",
        "HTTP/1.1 99 Low\r\nServer: x\r\nContent-Length: 2\r\n\r\nok",
    };
    struct pp_http_resp h;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        enum pp_http_rc rc = parse_str(&h, bad[i], 64);
        int status = h.status;

        pp_http_free(&h);
        if (rc != PP_HTTP_ERROR && status < 100)
            fail_msg("'%.16s...': rc %d (DONE is %d) with status %d", bad[i], (int)rc,
                     (int)PP_HTTP_DONE, status);
    }
    /* Unknown but well-formed codes are the server's business. */
    assert_int_equal(parse_str(&h, "HTTP/1.1 599 Odd\r\nContent-Length: 0\r\n\r\n", 64),
                     PP_HTTP_DONE);
    assert_int_equal(h.status, 599);
    pp_http_free(&h);
}

/* ---------------------------------------------------------- title */

static char *
title_of(const char *s)
{
    size_t n = strlen(s);
    unsigned char *b = malloc(n ? n : 1);
    char *t;

    /* No NUL after the bytes: the length is all there is. */
    assert_non_null(b);
    memcpy(b, s, n);
    t = pp_http_title(b, n);
    free(b);
    return t;
}

static void
title_is(const char *s, const char *want)
{
    char *t = title_of(s);

    if (want == NULL) {
        if (t != NULL)
            fail_msg("title of '%s': '%s', want none", s, t);
        return;
    }
    if (t == NULL)
        fail_msg("title of '%s': none, want '%s'", s, want);
    if (strcmp(t, want) != 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "title of '%s': '%s', want '%s'", s, t, want);
        free(t);
        fail_msg("%s", msg);
    }
    free(t);
}

static void
test_title(void **state)
{
    char buf[400];
    char want[81];

    (void)state;
    title_is("<html><TITLE> Guest  WiFi </title>", "Guest  WiFi");
    title_is("<title>Login</TITLE></head>", "Login");
    title_is("<head><title lang=\"en\">\n\t Hotel portal\r\n</title>", "Hotel portal");
    title_is("<title>a\x01" "b\xc3\xa9</title>", "a b??");
    /* Missing or unterminated. */
    title_is("<html><body>no title</body></html>", NULL);
    title_is("", NULL);
    title_is("<title>Guest WiFi", NULL);
    title_is("<title>Guest WiFi</tit", NULL);
    title_is("<title", NULL);
    title_is("<tit", NULL);
    title_is("</title><title", NULL);
    /* Long titles are cut at 80. */
    memset(want, 'T', 80);
    want[80] = '\0';
    snprintf(buf, sizeof(buf), "<title>%0200d</title>", 0);
    memset(buf + 7, 'T', 200);
    title_is(buf, want);
    snprintf(buf, sizeof(buf), "<title>%s</title>", want);
    title_is(buf, want);
}

static void
test_contains(void **state)
{
    static const unsigned char hay[] = "Hello <PLIST> World";

    (void)state;
    assert_true(pp_http_contains(hay, sizeof(hay) - 1, "<plist>"));
    assert_true(pp_http_contains(hay, sizeof(hay) - 1, "hello"));
    assert_true(pp_http_contains(hay, sizeof(hay) - 1, "WORLD"));
    assert_true(pp_http_contains(hay, sizeof(hay) - 1, ""));
    assert_false(pp_http_contains(hay, sizeof(hay) - 1, "worlds"));
    /* Only the first len bytes count. */
    assert_false(pp_http_contains(hay, 18, "world"));
    assert_true(pp_http_contains(hay, 5, "hello"));
    assert_false(pp_http_contains(hay, 4, "hello"));
    assert_false(pp_http_contains(hay, 0, "h"));
    assert_true(pp_http_contains(hay, 0, ""));
}

/* ---------------------------------------------------------- request */

static void
request_is(const char *method, const char *host, uint16_t port, bool tls, const char *path,
           const char *want_line, const char *want_host)
{
    char want[1024];
    char *r = pp_http_request(method, host, port, tls, path);

    snprintf(want, sizeof(want), "%s\r\nHost: %s\r\nUser-Agent: pushprobe/%s\r\n"
             "Accept: */*\r\nConnection: close\r\n\r\n", want_line, want_host, PACKAGE_VERSION);
    assert_non_null(r);
    assert_string_equal(r, want);
    free(r);
}

static void
test_request(void **state)
{
    (void)state;
    request_is("GET", "example.com", 80, false, "/", "GET / HTTP/1.1", "example.com");
    request_is("GET", "example.com", 443, true, "/a/b?c=d", "GET /a/b?c=d HTTP/1.1",
               "example.com");
    request_is("HEAD", "example.com", 8080, false, "/x", "HEAD /x HTTP/1.1", "example.com:8080");
    request_is("GET", "example.com", 8443, true, "/", "GET / HTTP/1.1", "example.com:8443");
    /* The default port is the scheme's, not any of 80 and 443. */
    request_is("GET", "example.com", 443, false, "/", "GET / HTTP/1.1", "example.com:443");
    request_is("GET", "example.com", 80, true, "/", "GET / HTTP/1.1", "example.com:80");
    /* Literals: IPv6 in brackets, with or without the port. */
    request_is("GET", "192.0.2.1", 8080, false, "/", "GET / HTTP/1.1", "192.0.2.1:8080");
    request_is("GET", "2001:db8::1", 8080, false, "/", "GET / HTTP/1.1", "[2001:db8::1]:8080");
    request_is("GET", "2001:db8::1", 443, true, "/", "GET / HTTP/1.1", "[2001:db8::1]");
    request_is("GET", "::1", 80, false, "/", "GET / HTTP/1.1", "[::1]");
    /* A zone id means something on this machine only: never sent. */
    request_is("GET", "fe80::1%eth0", 8443, true, "/", "GET / HTTP/1.1", "[fe80::1]:8443");
    request_is("GET", "fe80::1%2", 443, true, "/", "GET / HTTP/1.1", "[fe80::1]");
    /* No path, or an empty one: "/". */
    request_is("GET", "example.com", 80, false, NULL, "GET / HTTP/1.1", "example.com");
    request_is("GET", "example.com", 80, false, "", "GET / HTTP/1.1", "example.com");
}

/* --------------------------------------------------- proxies' answers */

/* Real squid 5.7 answers to CONNECT (tests/data/http/proxy): the end of
 * the header block, the status, the reason phrase, the auth scheme. */
static void
connect_is(const char *name, int status, const char *reason, const char *scheme)
{
    size_t len;
    char *buf = load(name, &len);
    struct pp_connect_answer a;
    long end = pp_http_header_end(buf, len);
    size_t i;

    assert_true(end > 0 && (size_t)end <= len);
    assert_memory_equal(buf + end - 4, "\r\n\r\n", 4);
    /* Not found early, whatever the bytes so far. */
    for (i = 0; i < (size_t)end; i++)
        assert_int_equal(pp_http_header_end(buf, i), 0);
    assert_int_equal(pp_http_parse_connect(buf, (size_t)end, &a), 0);
    assert_int_equal(a.status, status);
    assert_string_equal(a.reason, reason);
    assert_string_equal(a.auth_scheme, scheme);
    free(buf);
}

static void
test_connect_squid(void **state)
{
    (void)state;
    connect_is("proxy/squid-200.txt", 200, "Connection established", "");
    connect_is("proxy/squid-403.txt", 403, "Forbidden", "");
    connect_is("proxy/squid-407.txt", 407, "Proxy Authentication Required", "Basic");
    connect_is("proxy/squid-503.txt", 503, "Service Unavailable", "");
}

static void
test_connect_odd(void **state)
{
    struct pp_connect_answer a;
    static const char lf[] = "HTTP/1.0 200 OK\n\n";
    static const char neg[] = "HTTP/1.1 407 Auth\r\nProxy-Authenticate: Negotiate\r\n"
                              "Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n";
    static const char ssh[] = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
    static const char bad[] = "HTTP/1.1 2x0 OK\r\n\r\n";
    char *big;

    (void)state;
    assert_int_equal(pp_http_header_end(lf, strlen(lf)), (long)strlen(lf));
    assert_int_equal(pp_http_parse_connect(lf, strlen(lf), &a), 0);
    assert_int_equal(a.status, 200);
    /* The first Proxy-Authenticate names the scheme. */
    assert_int_equal(pp_http_parse_connect(neg, strlen(neg), &a), 0);
    assert_string_equal(a.auth_scheme, "Negotiate");
    /* Not HTTP at all: known from the first bytes. */
    assert_int_equal(pp_http_header_end(ssh, 3), -1);
    assert_int_equal(pp_http_header_end("HTT", 3), 0);
    assert_int_equal(pp_http_header_end("", 0), 0);
    assert_int_equal(pp_http_parse_connect(bad, strlen(bad), &a), -1);
    assert_int_equal(a.status, 0);
    assert_true(a.error[0] != '\0');
    assert_int_equal(pp_http_parse_connect("HTTP/1.1 200", 12, &a), -1);
    assert_true(a.error[0] != '\0');
    /* Headers that never end: -1 at the bound. */
    big = malloc(PP_HTTP_MAX_HEADERS_BYTES + 10);
    memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
    memset(big + 17, 'a', PP_HTTP_MAX_HEADERS_BYTES - 7);
    assert_int_equal(pp_http_header_end(big, PP_HTTP_MAX_HEADERS_BYTES + 10), -1);
    assert_int_equal(pp_http_header_end(big, 100), 0);
    free(big);
}

static void
test_connect_request(void **state)
{
    char *r;

    (void)state;
    r = pp_http_connect_request("courier.push.apple.com", 5223, NULL);
    assert_non_null(strstr(r, "CONNECT courier.push.apple.com:5223 HTTP/1.1\r\n"));
    assert_non_null(strstr(r, "\r\nHost: courier.push.apple.com:5223\r\n"));
    assert_null(strstr(r, "Proxy-Authorization"));
    assert_memory_equal(r + strlen(r) - 4, "\r\n\r\n", 4);
    free(r);
    r = pp_http_connect_request("2620:149::1", 443, "dTpw");
    assert_non_null(strstr(r, "CONNECT [2620:149::1]:443 HTTP/1.1\r\n"));
    assert_non_null(strstr(r, "\r\nProxy-Authorization: Basic dTpw\r\n"));
    free(r);
    r = pp_http_request_proxied("GET", "dp.corp", 80, "/pkgs/", "dTpw");
    assert_true(strncmp(r, "GET http://dp.corp:80/pkgs/ HTTP/1.1\r\n", 38) == 0);
    assert_non_null(strstr(r, "\r\nProxy-Authorization: Basic dTpw\r\n"));
    assert_non_null(strstr(r, "\r\nHost: dp.corp\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n\r\n"));
    free(r);
    r = pp_http_request_proxied("HEAD", "dp.corp", 8080, NULL, NULL);
    assert_true(strncmp(r, "HEAD http://dp.corp:8080/ HTTP/1.1\r\nHost: dp.corp:8080\r\n",
                        55) == 0);
    free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capture_200_length),
        cmocka_unit_test(test_capture_body_keep),
        cmocka_unit_test(test_capture_chunked),
        cmocka_unit_test(test_capture_eof),
        cmocka_unit_test(test_capture_302),
        cmocka_unit_test(test_capture_404),
        cmocka_unit_test(test_capture_401),
        cmocka_unit_test(test_capture_head),
        cmocka_unit_test(test_capture_split),
        cmocka_unit_test(test_capture_prefixes),
        cmocka_unit_test(test_truncated_body_sentence),
        cmocka_unit_test(test_truncated_headers_sentence),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_headers_too_big),
        cmocka_unit_test(test_no_length_eof),
        cmocka_unit_test(test_header_values),
        cmocka_unit_test(test_header_ows),
        cmocka_unit_test(test_interim_1xx),
        cmocka_unit_test(test_status_range),
        cmocka_unit_test(test_title),
        cmocka_unit_test(test_contains),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_connect_squid),
        cmocka_unit_test(test_connect_odd),
        cmocka_unit_test(test_connect_request),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
