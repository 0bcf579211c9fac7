/* What the HTTP-judge harnesses share (fuzz_mdm, fuzz_sus, fuzz_captive,
 * fuzz_publicip): the response bytes go through pp_http_feed as
 * probes/httpx.c feeds them (in pieces, then the close), and the probe's
 * judgement (probes/judge.h) runs when httpx would run it; the result it
 * leaves must be decided, with a known reason and printable text.
 *
 * Input: one byte, the piece size (0: the response in one go), then the
 * response as the server sends it. */
#ifndef PP_FUZZ_JUDGE_HTTP_H
#define PP_FUZZ_JUDGE_HTTP_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pushprobe.h"
#include "engine/http.h"
#include "probes/judge.h"

typedef void (*fuzz_http_judge)(struct pp_result *, const struct pp_http_resp *);

/* No control character: nothing from the server may start a line. */
static inline void
fuzz_printable(const char *s)
{
    if (s == NULL)
        return;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            abort();
}

/* A decided result: a state, a named reason, printable text. */
static inline void
fuzz_check_result(const struct pp_result *r)
{
    size_t i;

    if (r->state == PP_ST_PENDING || r->message == NULL || r->message[0] == '\0')
        abort();
    if (pp_reason_name(r->reason) == NULL || pp_state_name(r->state) == NULL)
        abort();
    fuzz_printable(r->message);
    fuzz_printable(r->summary);
    for (i = 0; i < r->ndetails; i++)
        if (r->details[i].type == PP_KV_STR)
            fuzz_printable(r->details[i].s);
}

/* Feed, judge as httpx does, check.  Returns the response's status. */
static inline int
fuzz_http_judge_run(const uint8_t *data, size_t size, size_t keep, fuzz_http_judge judge)
{
    struct pp_target t;
    struct pp_result *r;
    struct pp_http_resp h;
    enum pp_http_rc rc = PP_HTTP_MORE;
    const char *resp;
    size_t piece, off = 0, len, n = 0;
    int status;

    if (size < 1)
        return 0;
    piece = data[0];
    resp = (const char *)data + 1;
    len = size - 1;
    memset(&t, 0, sizeof(t));
    t.host = (char *)"fuzz.test";
    t.port = 443;
    r = pp_result_new(&t, 0);
    pp_http_init(&h, keep, false);
    while (off < len && rc == PP_HTTP_MORE) {
        n = piece ? piece : len;
        if (n > len - off)
            n = len - off;
        rc = pp_http_feed(&h, resp + off, n);
        off += n;
    }
    if (rc == PP_HTTP_MORE) {
        n = 0;
        rc = pp_http_feed(&h, resp + len, 0);
    }
    /* httpx judges a complete response, or one whose body the close cut. */
    if (rc == PP_HTTP_DONE || (rc == PP_HTTP_ERROR && n == 0 && h.headers_done) ||
        (rc == PP_HTTP_MORE && h.headers_done)) {
        judge(r, &h);
        fuzz_check_result(r);
    }
    status = h.status;
    pp_http_free(&h);
    pp_result_free(r);
    return status;
}

#endif
