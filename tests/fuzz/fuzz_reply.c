/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the reply loop that feeds the SMB2 and AFP parsers
 * (probes/reply.c): the server's bytes arrive in pieces into the probe's
 * fixed buffer through pp_reply_take, as pp_reply_io hands them on after
 * each read, and the probe's own parser and recorder (pp_smb_reply,
 * pp_afp_reply) decide; the stream then ends as the input says.  Every
 * ending leaves a decided result with a known reason and printable text.
 *
 * Input: byte 0: bit 0 AFP (else SMB), bits 1-2 the ending (0 the close,
 * 1 a reset, 2 another error, 3 the deadline); byte 1: the piece size
 * (0: 4096); then the server's bytes. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/afp.h"
#include "probes/reply.h"
#include "probes/smb.h"
#include "tests/fuzz/judge_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[PP_SMB_REPLY_MAX > PP_AFP_REPLY_MAX ? PP_SMB_REPLY_MAX : PP_AFP_REPLY_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct pp_reply_proto *p;
    struct pp_target t;
    struct pp_result *r;
    size_t cap, len = 0, off = 2, piece;
    int more = 1, ending;

    if (size < 2)
        return 0;
    p = data[0] & 1 ? &pp_afp_reply : &pp_smb_reply;
    cap = data[0] & 1 ? PP_AFP_REPLY_MAX : PP_SMB_REPLY_MAX;
    ending = data[0] >> 1 & 3;
    piece = data[1] ? data[1] : 4096;
    memset(&t, 0, sizeof(t));
    t.host = (char *)"files.corp.test";
    t.port = data[0] & 1 ? 548 : 445;
    r = pp_result_new(&t, 0);
    while (more && off < size) {
        size_t n = size - off;

        if (n > piece)
            n = piece;
        if (n > cap - len)
            n = cap - len;
        memcpy(buf + len, data + off, n);
        off += n;
        more = pp_reply_take(r, buf, cap, &len, (ssize_t)n, 0, p);
        if (len > cap)
            abort();
    }
    if (more) {
        if (ending == 0)
            more = pp_reply_take(r, buf, cap, &len, 0, 0, p);
        else if (ending == 3)
            pp_reply_timeout(r, len, p), more = 0;
        else
            more = pp_reply_take(r, buf, cap, &len, PP_RECV_ERROR,
                                 ending == 1 ? ECONNRESET : EPIPE, p);
        if (more)
            abort();   /* an ending always decides */
    }
    fuzz_check_result(r);
    pp_result_free(r);
    return 0;
}
