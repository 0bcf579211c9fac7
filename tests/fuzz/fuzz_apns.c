/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the APNs provider check's HTTP/2 answer
 * (probes/apns.c): the input is what the server sends after the TLS
 * handshake.  pushprobe's HTTP/2 client session (libnghttp2, as the probe
 * starts it: SETTINGS and the push request on stream 1) reads it through
 * the steps of apns_io's receive loop: each read's bytes through
 * pp_apns_session_feed (nghttp2_session_mem_recv), the session's answer
 * through pp_apns_session_flush when the socket has no more, and the end
 * of the stream through pp_apns_session_feed; then the judgement reads the
 * stream's :status and JSON reason.  Whatever the bytes, the result is
 * decided, with a known reason and printable text (a JSON reason may hold
 * any character).  Twice: in the pieces a TLS record could bring (16 KiB),
 * then in pieces of 1 + (byte 0 % 64) bytes, flushed every other read. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/judge_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef HAVE_NGHTTP2
/* What the client sends goes nowhere; it only has to be bounded. */
static void
sink(void *ctx, const uint8_t *buf, size_t len)
{
    size_t *sent = ctx;

    (void)buf;
    *sent += len;
}

/* Every header of the answer is read whole (-v prints them). */
static void
on_header(void *ctx, const uint8_t *name, size_t nlen, const uint8_t *value, size_t vlen)
{
    unsigned *sum = ctx;
    size_t i;

    for (i = 0; i < nlen; i++)
        *sum += name[i];
    for (i = 0; i < vlen; i++)
        *sum += value[i];
}

/* What apns_io makes of a step that ends the loop. */
static void
decide(struct pp_result *r, enum pp_apns_next next, long rv)
{
    if (next == PP_APNS_ENDED)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_TLS_EOF,
                      "the connection ended before an HTTP/2 answer");
    else if (next == PP_APNS_MALFORMED)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                      "the server's HTTP/2 is malformed: %s", pp_apns_strerror(rv));
    else if (next == PP_APNS_FAILED)
        pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "the HTTP/2 session failed");
}

static void
run(const uint8_t *data, size_t size, size_t piece, unsigned every)
{
    struct pp_target t;
    struct pp_result *r;
    struct pp_apns_session *a;
    struct pp_apns_answer ans;
    enum pp_apns_next next = PP_APNS_READ;
    size_t sent = 0, off = 0;
    unsigned sum = 0, reads = 0;
    long rv = 0;

    memset(&t, 0, sizeof(t));
    t.host = (char *)"api.push.apple.com";
    t.port = 443;
    r = pp_result_new(&t, 0);
    if ((a = pp_apns_session_new(t.host, sink, &sent)) == NULL)
        abort();
    pp_apns_session_on_header(a, on_header, &sum);
    while (next == PP_APNS_READ) {
        size_t n = size - off > piece ? piece : size - off;

        /* The end of the input is the end of the stream. */
        next = pp_apns_session_feed(a, data + off, (long)n, &rv);
        off += n;
        if (next == PP_APNS_READ && ++reads % every == 0)
            next = pp_apns_session_flush(a);
    }
    if (off > size || (next == PP_APNS_MALFORMED && rv >= 0))
        abort();
    pp_apns_session_answer(a, &ans);
    if (ans.body_len >= 2048 || strlen(ans.body) > ans.body_len)
        abort();
    fuzz_printable(ans.goaway_text);
    if (next == PP_APNS_JUDGE)
        pp_judge_apns(r, &ans);
    else
        decide(r, next, rv);
    fuzz_check_result(r);
    if (ans.status != 0 && (ans.status < 100 || ans.status > 599))
        abort();
    pp_apns_session_free(a);
    pp_result_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, 16384, 1);
    if (size > 0)
        run(data, size, 1 + data[0] % 64, 2);
    return 0;
}
#else
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    (void)data;
    (void)size;
    return 0;
}
#endif
