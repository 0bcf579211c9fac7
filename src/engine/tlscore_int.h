/* SPDX-License-Identifier: ISC */
/*
 * What the TLS core's files share (tlscore.c, tlsinfo.c, tlsjudge.c): the
 * context with its trust stores, and the steps one file calls in another.
 * Internal to src/engine/.
 */
#ifndef PP_TLSCORE_INT_H
#define PP_TLSCORE_INT_H

#include <stdbool.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "engine/tlscore.h"

struct pp_tls_ctx {
    SSL_CTX *ssl;
    X509_STORE *store[PP_TRUST__COUNT];
    bool system_loaded;   /* the system's roots join store[SYSTEM] on first use */
    STACK_OF(X509) *added; /* roots a user or an MDM added (--ca-file, System keychain) */
    bool apple_added;      /* --apple-ca replaced the compiled-in Apple roots */
    int warn_days;
    bool keep_chains;      /* describe the chains into each result */
    bool warm;            /* pp_tls_ctx_warm() ran */
};

/* tlscore.c */
void load_system_roots(X509_STORE *store);
void load_keychain_roots(X509_STORE *store, STACK_OF(X509) *added);
struct pp_verdict verdict(enum pp_state s, enum pp_reason r);

/* tlsinfo.c */
char *name_cn(const X509_NAME *n);

/* tlsjudge.c */
X509_STORE *system_store(struct pp_tls_ctx *c);

#endif
