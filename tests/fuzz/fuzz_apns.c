/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the APNs provider check's HTTP/2 answer
 * (probes/apns.c): the input is what the server sends after the TLS
 * handshake.  pushprobe's HTTP/2 client session (libnghttp2, as the probe
 * starts it: SETTINGS and the push request on stream 1) reads it as
 * apns_io does, then the judgement reads the stream's :status and JSON
 * reason.  Whatever the bytes, the result is decided, with a known reason
 * and printable text (a JSON reason may hold any character). */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pp_target t;
    struct pp_result *r;
    struct pp_apns_session *a;
    struct pp_apns_answer ans;
    size_t sent = 0, off = 0;
    bool judged = false;

    memset(&t, 0, sizeof(t));
    t.host = (char *)"api.push.apple.com";
    t.port = 443;
    r = pp_result_new(&t, 0);
    if ((a = pp_apns_session_new(t.host, sink, &sent)) == NULL)
        abort();
    /* In the pieces a TLS record could bring (up to 16 KiB). */
    while (off < size && !judged) {
        size_t n = size - off > 16384 ? 16384 : size - off;
        long rv = pp_apns_session_recv(a, data + off, n);

        off += n;
        if (rv < 0) {
            pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
                          "the server's HTTP/2 is malformed: %s", pp_apns_strerror(rv));
            break;
        }
        if (pp_apns_session_closed(a))
            judged = true;
        else if (pp_apns_session_send(a) != 0)
            break;
        else if (pp_apns_session_over(a))
            judged = true;
    }
    pp_apns_session_answer(a, &ans);
    if (ans.body_len >= 2048 || strlen(ans.body) > ans.body_len)
        abort();
    fuzz_printable(ans.goaway_text);
    /* The end of the stream: what arrived is judged if it says anything. */
    if (judged || (r->state == PP_ST_PENDING && (ans.status > 0 || ans.goaway))) {
        pp_judge_apns(r, &ans);
        fuzz_check_result(r);
    }
    if (ans.status != 0 && (ans.status < 100 || ans.status > 599))
        abort();
    pp_apns_session_free(a);
    pp_result_free(r);
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
