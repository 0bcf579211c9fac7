/* SPDX-License-Identifier: ISC */
/*
 * TLS with OpenSSL as a resumable, non-blocking state machine (curl's
 * ssl_connect steps), and the judgement of a presented chain.
 *
 * The handshake never verifies: it completes so that the certificate
 * details are kept even when they are wrong.  pp_tls_judge() then verifies
 * the chain against the system store (plus --ca-file) and, for Apple hosts,
 * against the roots Apple's services chain to (data/ or --apple-ca).
 */
#ifndef PP_TLSCORE_H
#define PP_TLSCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/classify.h"
#include "core/pushprobe.h"

#include "engine/tlsctx.h"

/* A TLS alert from the server, explained (asked: the server asked for a
 * client certificate during the handshake). */
const char *pp_tls_alert_meaning(int alert, bool asked);
/* A TLS alert's name as RFC 8446 and 5246 give it: OpenSSL's, and the ones
 * OpenSSL 3.0 calls "unknown" (inappropriate fallback, missing extension,
 * certificate required); "unknown (N)" for one no RFC names. */
const char *pp_tls_alert_desc(int alert);
/* The alert says a client certificate is required. */
bool pp_tls_alert_client_cert(int alert, bool asked);
/* Start-up work before any check's clock starts: the system's roots, and
 * OpenSSL's own first-handshake set-up.  Once per context; NULL is fine. */
void pp_tls_ctx_warm(struct pp_tls_ctx *);

/* Start a client handshake on a connected fd.  info->client_cert_requested
 * is set during the handshake when the server asks for a certificate. */
SSL *pp_tls_start(struct pp_tls_ctx *, int fd, const char *sni,
                  const char *alpn_csv, struct pp_tls_info *info);

enum pp_tls_step { PP_TLS_AGAIN, PP_TLS_DONE, PP_TLS_FAILED };
/* Advance the handshake.  AGAIN: wait for *events.  FAILED: *v and msg
 * say why. */
enum pp_tls_step pp_tls_step(SSL *, short *events, struct pp_verdict *v,
                             char *msg, size_t msglen);

/* Fill version, cipher, ALPN and the leaf's details. */
void pp_tls_summarize(SSL *, struct pp_tls_info *);
/* Describe a certificate into info (subject, issuer, dates) at time now. */
void pp_tls_describe_cert(X509 *leaf, time_t now, struct pp_tls_info *info);

/* Judge a chain (leaf first) for a host: OpenSSL's verification against
 * the trust's roots, then Apple's rules (certpolicy.h) on the chain built,
 * then the stapled OCSP response (ocsp, ocsp_len: its DER, or NULL).
 * name: the name (or IP literal) the certificate must carry.  Fills
 * info (verified, verify_error, the served and built chains, the policy
 * result, warnings) and returns the state and reason; msg gets one
 * sentence. */
struct pp_verdict pp_tls_judge(struct pp_tls_ctx *, STACK_OF(X509) *chain,
                               enum pp_trust trust, const char *name,
                               time_t now, const unsigned char *ocsp, size_t ocsp_len,
                               struct pp_tls_info *info, char *msg, size_t msglen);

/* Add a warning word and its sentence to info. */
void pp_tls_warn(struct pp_tls_info *, const char *word, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Load PEM certificates from a file into a new stack (tests, fuzzers). */
STACK_OF(X509) *pp_tls_load_chain(const char *path);

#endif
