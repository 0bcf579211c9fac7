/* SPDX-License-Identifier: ISC */
/*
 * The roots a run trusts, as the application makes them (tlscore.c has the
 * rest): no OpenSSL type, so main and the agent need not see OpenSSL.
 */
#ifndef PP_TLSCTX_H
#define PP_TLSCTX_H

#include <stdbool.h>
#include <stddef.h>

struct pp_tls_ctx;

/* ca_file: extra roots trusted besides the system store (may be NULL).
 * apple_ca: replaces the compiled-in Apple roots (may be NULL).
 * Returns NULL with a sentence in err when a file is unreadable or holds
 * no certificate. */
struct pp_tls_ctx *pp_tls_ctx_new(const char *ca_file, const char *apple_ca,
                                  char *err, size_t errlen);
void pp_tls_ctx_free(struct pp_tls_ctx *);
/* Warn when a certificate of a chain expires within days (default 30;
 * negative: never). */
void pp_tls_ctx_set_warn_days(struct pp_tls_ctx *, int days);
/* Describe the served and built chains into each result (default); off
 * for an audit, whose many checks keep only the verdict. */
void pp_tls_ctx_keep_chains(struct pp_tls_ctx *, bool keep);

#endif
