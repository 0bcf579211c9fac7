/* SPDX-License-Identifier: ISC */
/*
 * The judgements of the probes over an answer already read: pure
 * functions of the bytes (no socket, no engine), so the unit tests and the
 * fuzz harnesses (tests/fuzz/) call the very code the probes run.  Each
 * sets the result's state, reason and message (made printable by
 * pp_result_set), its details and its summary.
 */
#ifndef PP_JUDGE_H
#define PP_JUDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pushprobe.h"
#include "engine/http.h"

/* An HTTP response's status, Server, Content-Type, Content-Length,
 * Location, body size and time to first byte as details, and a summary
 * "HTTP 200, nginx" (pp_httpx_details for a check). */
void pp_http_details(struct pp_result *, const struct pp_http_resp *);

/* What httpx does with one read (n bytes, 0: the close): feed it, and say
 * whether the judge runs now (a complete response, one whose body the
 * close cut, the headers of a headers-only probe, a body past 64 MiB),
 * the response is malformed (pp_httpx_bad sets the result), or more is
 * needed. */
enum pp_httpx_step { PP_HTTPX_MORE, PP_HTTPX_JUDGE, PP_HTTPX_BAD };
enum pp_httpx_step pp_httpx_take(struct pp_http_resp *, const char *buf, size_t n,
                                 bool headers_only);
void pp_httpx_bad(struct pp_result *, const struct pp_http_resp *);

/* How much of the body each probe keeps (what its judgement sees). */
#define PP_MDM_KEEP 8192
#define PP_SUS_KEEP (8 * 1024 * 1024)
#define PP_CAPTIVE_KEEP 16384
#define PP_PUBLICIP_KEEP 1024

/* http: 2xx ok, 401/403 auth-required (ok), 3xx a redirect handed to
 * follow (0: followed, -1 with a sentence in err), others unexpected
 * http-status (pp_httpx_judge_status, which follows with pp_check_follow). */
typedef int (*pp_judge_follow)(void *ctx, const char *location, char *err, size_t errlen);
void pp_judge_http_status(struct pp_result *, const struct pp_http_resp *, pp_judge_follow follow,
                          void *ctx);

/* mdm: Jamf Pro's /healthCheck.html read as JSON ("[]" healthy). */
void pp_judge_mdm(struct pp_result *, const struct pp_http_resp *);
/* The meaning of one of Jamf Pro's documented health descriptions, or NULL. */
const char *pp_jamf_meaning(const char *description);

/* sus: the catalog is an XML property list; its products counted. */
void pp_judge_sus(struct pp_result *, const struct pp_http_resp *);
/* 1: an XML property list; 0: not one. */
int pp_sus_is_plist(const unsigned char *body, size_t len);
/* Products in a catalog: each has one PostDate key. */
long long pp_sus_products(const unsigned char *body, size_t len);

/* captive: hotspot-detect.html says Success, or a portal is in the way. */
void pp_judge_captive(struct pp_result *, const struct pp_http_resp *);

/* publicip: the body is an address in plain text. */
void pp_judge_publicip(struct pp_result *, const struct pp_http_resp *);

/* apns: what the HTTP/2 session gathered for the push request's stream. */
struct pp_apns_answer {
    int status;              /* :status, 0 when none */
    const char *body;        /* the stream's DATA (up to 2 KiB), NUL-terminated */
    size_t body_len;
    bool goaway;             /* the server sent GOAWAY */
    const char *goaway_text; /* its debug data, printable */
};
void pp_judge_apns(struct pp_result *, const struct pp_apns_answer *);

#ifdef HAVE_NGHTTP2
#include <stdint.h>
/* The client side of the push request over HTTP/2 (libnghttp2), without a
 * socket: bytes to send go to send(ctx, ...); the server's bytes are fed in
 * with pp_apns_session_recv (0, or a negative nghttp2 error). */
struct pp_apns_session;
typedef void (*pp_apns_send_fn)(void *ctx, const uint8_t *data, size_t len);
struct pp_apns_session *pp_apns_session_new(const char *authority, pp_apns_send_fn send,
                                            void *send_ctx);
long pp_apns_session_recv(struct pp_apns_session *, const uint8_t *buf, size_t len);
const char *pp_apns_strerror(long rv);
/* Each header of the push request's answer, as it comes (for -v); NULL:
 * none. */
typedef void (*pp_apns_header_fn)(void *ctx, const uint8_t *name, size_t nlen,
                                  const uint8_t *value, size_t vlen);
void pp_apns_session_on_header(struct pp_apns_session *, pp_apns_header_fn fn, void *ctx);
/* Flush what the session has to say: 0, or -1 when the session failed. */
int pp_apns_session_send(struct pp_apns_session *);
/* The push request's stream is closed. */
bool pp_apns_session_closed(const struct pp_apns_session *);
/* Nothing more will come: the stream closed, or GOAWAY and no more reads. */
bool pp_apns_session_over(const struct pp_apns_session *);
void pp_apns_session_answer(const struct pp_apns_session *, struct pp_apns_answer *);
/* The probe's receive loop (apns_io), one step at a time, so the fuzz
 * harness takes the same path (tests/fuzz/fuzz_apns.c). */
enum pp_apns_next {
    PP_APNS_READ,       /* read on, or wait for the socket */
    PP_APNS_JUDGE,      /* the answer is in: pp_judge_apns */
    PP_APNS_ENDED,      /* the connection ended before an answer */
    PP_APNS_MALFORMED,  /* the server's HTTP/2 is malformed (*rv: why) */
    PP_APNS_FAILED      /* the session failed to send */
};
/* One read: n > 0 bytes for the session, or the end of the stream (n 0,
 * or an error, n < 0). */
enum pp_apns_next pp_apns_session_feed(struct pp_apns_session *, const uint8_t *buf, long n,
                                       long *rv);
/* The reads are done (the socket has no more for now): what the session
 * has to say is sent. */
enum pp_apns_next pp_apns_session_flush(struct pp_apns_session *);
void pp_apns_session_free(struct pp_apns_session *);
#endif

#endif
