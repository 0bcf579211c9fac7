/* SPDX-License-Identifier: ISC */
/*
 * The binary request/reply exchange that the file-share probes share (smb,
 * afp): read one reply into a fixed buffer until its parser accepts or
 * refuses it, and classify a reset, a close, an overflow or a deadline
 * in the same words for each protocol.
 */
#ifndef PP_REPLY_H
#define PP_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "engine/check.h"
#include "probes/probe.h"

/* How a protocol names its exchange in the messages below. */
struct pp_reply_words {
    const char *proto;    /* "SMB": "SMB connection lost", "no SMB answer" */
    const char *reply;    /* "SMB2 reply": "before any SMB2 reply" */
    const char *whole;    /* "SMB2 NEGOTIATE response": "before a complete ..." */
    const char *request;  /* "the SMB2 NEGOTIATE": "nothing answered ... in time" */
    const char *bad;      /* summary of a malformed reply: "bad SMB2 reply" */
    const char *too_long; /* cause when the reply outgrows the buffer */
    const char *closed;   /* cause when the server closes before a byte */
};

/* The probe's own failure recorder: status, reason, problem detail. */
typedef void (*pp_reply_fail)(struct pp_result *, enum pp_reason, const char *problem,
                              const char *summary, const char *cause);

/* Parse buf[0..len): 1 when more bytes are needed, 0 or -1 once the
 * probe has recorded its result (accepted or refused). */
typedef int (*pp_reply_parse)(struct pp_result *, const uint8_t *buf, size_t len);

/* One protocol's exchange: its words, recorder and parser. */
struct pp_reply_proto {
    const struct pp_reply_words *words;
    pp_reply_fail fail;
    pp_reply_parse parse;
};
extern const struct pp_reply_proto pp_smb_reply;   /* probes/smb.c */
extern const struct pp_reply_proto pp_afp_reply;   /* probes/afp.c */

/* Read replies until the parser decides (pp_check_recv, then pp_reply_take). */
enum pp_probe_rc pp_reply_io(struct pp_check *, uint8_t *buf, size_t cap, size_t *len,
                             const struct pp_reply_proto *);
/* What one read gave, without a socket: n > 0 bytes just read into
 * buf + *len, 0 for the end of the stream, PP_RECV_ERROR with err (an
 * errno).  Returns 1 when more bytes are needed, 0 once the result is
 * recorded (the reply parsed or refused, the connection lost, the buffer
 * full).  A pure function of the bytes (tests/fuzz/fuzz_reply.c). */
int pp_reply_take(struct pp_result *, uint8_t *buf, size_t cap, size_t *len, ssize_t n,
                  int err, const struct pp_reply_proto *);
void pp_reply_timeout(struct pp_result *, size_t len, const struct pp_reply_proto *);

#endif
