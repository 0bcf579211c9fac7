/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the HTTP response parser (src/engine/http.h): however
 * the bytes come and however they are split, pp_http_feed returns MORE,
 * DONE or ERROR with a sentence, keeps at most body_keep bytes, and gives
 * the same answer in pieces as in one go.  pp_http_title and
 * pp_http_contains read any bytes.
 *
 * Input: one control byte, then K split sizes, then the response.
 *   control bits 0-3: K (0: the response in one piece)
 *           bit 4:    a response to HEAD
 *           bits 5-7: body_keep, from keeps[] below
 *   split size i:     byte + 1; the sizes repeat until the response ends
 * then EOF (len 0) if the parser still wants more. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const size_t keeps[8] = {0, 1, 7, 64, 512, 4096, 65536, 1 << 20};

/* Feed resp[0..len) in the given pieces (none: one go), then EOF. */
static enum pp_http_rc
run(struct pp_http_resp *h, const char *resp, size_t len, const uint8_t *sizes, size_t k)
{
    enum pp_http_rc rc = PP_HTTP_MORE;
    size_t off = 0, i = 0;

    while (off < len && rc == PP_HTTP_MORE) {
        size_t n = k ? (size_t)sizes[i++ % k] + 1 : len;
        if (n > len - off)
            n = len - off;
        rc = pp_http_feed(h, resp + off, n);
        off += n;
    }
    if (rc == PP_HTTP_MORE)
        rc = pp_http_feed(h, resp + len, 0);
    return rc;
}

static bool
printable(const char *s)
{
    if (s == NULL)
        return true;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
            return false;
    return true;
}

static bool
same_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

/* What must hold after any parse. */
static void
check(const struct pp_http_resp *h, enum pp_http_rc rc, size_t keep)
{
    if (rc != PP_HTTP_DONE && rc != PP_HTTP_ERROR)
        abort();
    if (rc == PP_HTTP_ERROR && (h->error[0] == '\0' || h->complete))
        abort();
    if (rc == PP_HTTP_DONE && (!h->complete || !h->headers_done))
        abort();
    if (memchr(h->error, '\0', sizeof(h->error)) == NULL)
        abort();
    if (h->body_keep != keep || h->body_len > keep || h->body[h->body_len] != '\0')
        abort();
    if (h->body_total < 0 || (long long)h->body_len > h->body_total)
        abort();
    if (h->head && h->body_total != 0)
        abort();
    if (h->header_bytes > PP_HTTP_MAX_HEADERS_BYTES && rc != PP_HTTP_ERROR)
        abort();
    /* http-parser takes any 1 to 3 digits: 0 to 999.  (That a DONE
     * response may have status 0 to 99 is test_http.c's test_status_range.) */
    if (h->headers_done && (h->status < 0 || h->status > 999))
        abort();
    if (!printable(h->server) || !printable(h->content_type) || !printable(h->location))
        abort();
    if (h->content_length < -1)
        abort();
}

static void
check_title(const unsigned char *b, size_t len)
{
    char *t = pp_http_title(b, len);

    if (t != NULL) {
        if (strlen(t) > 80 || !printable(t))
            abort();
        free(t);
    }
    (void)pp_http_contains(b, len, "<plist");
    (void)pp_http_contains(b, len, "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_http_resp one, split;
    enum pp_http_rc rc1, rc2;
    const uint8_t *sizes;
    size_t k, keep, len;
    bool head;
    char *resp;

    /* Any bytes at all may hold a title. */
    check_title(data, size);
    if (size < 1)
        return 0;
    k = data[0] & 15;
    head = (data[0] & 16) != 0;
    keep = keeps[data[0] >> 5];
    if (size < 1 + k)
        return 0;
    sizes = data + 1;
    len = size - 1 - k;
    /* An exactly-sized copy, so ASan sees reads past the response. */
    resp = malloc(len ? len : 1);
    if (resp == NULL)
        return 0;
    memcpy(resp, data + 1 + k, len);

    pp_http_init(&one, keep, head);
    rc1 = run(&one, resp, len, sizes, 0);
    check(&one, rc1, keep);
    pp_http_init(&split, keep, head);
    rc2 = run(&split, resp, len, sizes, k);
    check(&split, rc2, keep);

    /* In pieces or in one go: the same answer, and, unless it is an
     * error, the same response.  (Errors may differ in what was read so
     * far: http-parser hands over the part of a header read when a piece
     * ends, but not when it stops at an error in the same piece.) */
    if (rc1 != rc2)
        abort();
    if (rc1 != PP_HTTP_ERROR &&
        (one.status != split.status || one.complete != split.complete ||
         one.headers_done != split.headers_done || one.content_length != split.content_length ||
         one.body_total != split.body_total || one.body_len != split.body_len ||
         memcmp(one.body, split.body, one.body_len) != 0 ||
         one.header_bytes != split.header_bytes || !same_str(one.server, split.server) ||
         !same_str(one.content_type, split.content_type) ||
         !same_str(one.location, split.location)))
        abort();
    check_title(one.body, one.body_len);

    /* After DONE or ERROR, more bytes change nothing and do not crash. */
    if (pp_http_feed(&one, resp, len) != rc1 && rc1 == PP_HTTP_DONE)
        abort();
    pp_http_free(&one);
    pp_http_free(&split);
    free(resp);
    return 0;
}
