/* SPDX-License-Identifier: ISC */
/* What the HTTP-judge harnesses share (fuzz_mdm, fuzz_sus, fuzz_captive,
 * fuzz_publicip, fuzz_status): the response bytes go through pp_httpx_take
 * as probes/httpx.c feeds them (in pieces, then the close), and the
 * probe's judgement (probes/judge.h) runs when httpx runs it; the result
 * it leaves must be decided, with a known reason and printable text.
 *
 * Input: one byte, the piece size (0: the response in one go), then the
 * response as the server sends it. */
#ifndef PP_FUZZ_JUDGE_HTTP_H
#define PP_FUZZ_JUDGE_HTTP_H

#include <stdbool.h>
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

/* Feed through pp_httpx_take as pp_httpx_io does, judge when it says so
 * (or record the malformed answer), check.  Returns the status. */
static inline int
fuzz_http_judge_run(const uint8_t *data, size_t size, size_t keep, fuzz_http_judge judge,
                    bool headers_only)
{
    struct pp_target t;
    struct pp_result *r;
    struct pp_http_resp h;
    enum pp_httpx_step step = PP_HTTPX_MORE;
    const char *resp;
    size_t piece, off = 0, len;
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
    while (off < len && step == PP_HTTPX_MORE) {
        size_t n = piece ? piece : len;

        if (n > len - off)
            n = len - off;
        step = pp_httpx_take(&h, resp + off, n, headers_only);
        off += n;
    }
    if (step == PP_HTTPX_MORE)
        step = pp_httpx_take(&h, resp + len, 0, headers_only);   /* the close */
    if (step == PP_HTTPX_JUDGE)
        judge(r, &h);
    else if (step == PP_HTTPX_BAD)
        pp_httpx_bad(r, &h);
    /* Still MORE after the close: httpx's timeout would judge (headers in)
     * or say no response came; the judge is what reads the bytes. */
    else if (h.headers_done)
        judge(r, &h);
    if (step != PP_HTTPX_MORE || h.headers_done)
        fuzz_check_result(r);
    status = h.status;
    pp_http_free(&h);
    pp_result_free(r);
    return status;
}

#endif
