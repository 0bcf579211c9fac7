/* SPDX-License-Identifier: ISC */
/*
 * One small HTTP GET on the caller's loop (a PAC file before the checks):
 * the name through c-ares (engine/dns.h, a resolver of its own), a non-blocking connect to each
 * address in turn, the request, the response through the HTTP parser, a
 * cap on the body and one deadline for all of it.  http://, and https://
 * when given a TLS context: the server's chain is judged as the TLS checks
 * judge it (engine/tlscore.h: the system's roots and --ca-file, the name
 * the URL gives), and a chain they would refuse fails the fetch.
 *
 * Room: engine.  Names no service; prints nothing.
 */
#ifndef PP_FETCH_H
#define PP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

struct pp_loop;
struct pp_tls_ctx;

struct pp_fetch_result {
    int status;        /* the HTTP status, 0 when no response came */
    char *body;        /* NUL-terminated; NULL unless status 200 and whole */
    size_t len;
    char *error;       /* why not fetched: NULL exactly when body is set (a
                        * 200 cut short or over the cap has status 200 and
                        * an error) */
    bool too_large;    /* the body was over the cap (error says so) */
};

typedef void (*pp_fetch_cb)(struct pp_fetch_result *, void *arg);

struct pp_fetch;
/* Start; cb runs once, from a turn of the loop, with the fetch's result
 * (the fetch frees it; the callee may take body and error, leaving NULL).
 * tls: for https:// URLs (NULL: only http://).  Returns NULL with err set
 * for a URL that is neither, or without a valid host. */
struct pp_fetch *pp_fetch_start(struct pp_loop *, const char *resolver, struct pp_tls_ctx *tls,
                                const char *url, size_t max_body, int timeout_ms,
                                pp_fetch_cb cb, void *arg, char *err, size_t errlen);
/* Stop (no callback) and free; safe after the callback ran. */
void pp_fetch_free(struct pp_fetch *);
void pp_fetch_result_free(struct pp_fetch_result *);

#endif
