/* SPDX-License-Identifier: ISC */
/*
 * The probe-facing interface: what a probe (probes/) may ask of the check
 * in hand.  The engine implements it (check.c); the engine's runner
 * interface is engine/engine.h.
 */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "core/pushprobe.h"
#include "engine/step.h"

struct pp_tls_ctx;
struct pp_engine_opts;

/* The check in hand. */
struct pp_check;
struct pp_result *pp_check_result(struct pp_check *);
SSL *pp_check_ssl(struct pp_check *);
int pp_check_fd(struct pp_check *);
struct pp_tls_ctx *pp_check_tls_ctx(struct pp_check *);
void pp_check_want(struct pp_check *, short events);
void pp_check_set(struct pp_check *, enum pp_state, enum pp_reason,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void *pp_check_data(struct pp_check *);
void pp_check_set_data(struct pp_check *, void *);
/* A cleanup for probes whose state is one malloc'd block: frees it. */
void pp_check_free_data(struct pp_check *);
const struct pp_engine_opts *pp_check_opts(struct pp_check *);

/* Application I/O over the check's connection, plain or TLS.
 * pp_check_send queues bytes; the engine writes them as the socket allows.
 * pp_check_recv returns the bytes read (> 0), 0 at the end of the stream,
 * PP_RECV_AGAIN when nothing is there yet (the probe returns MORE and is
 * called again on POLLIN), or PP_RECV_ERROR (errno set; ECONNRESET for a
 * reset). */
#define PP_RECV_AGAIN (-1)
#define PP_RECV_ERROR (-2)
/* Reads per turn of the loop for one check: a server that sends without
 * end gets PP_RECV_AGAIN after these, and the probe is called again at
 * the next turn, so no check holds the loop. */
#define PP_RECV_TURN_MAX 64
void pp_check_send(struct pp_check *, const void *buf, size_t len);
ssize_t pp_check_recv(struct pp_check *, void *buf, size_t len);
/* Follow an HTTP redirect: check the Location (absolute or relative to
 * the check's URL) as a check of its own, after this one.  Returns 0, or
 * -1 with a sentence in err (too many hops, not http(s), malformed). */
int pp_check_follow(struct pp_check *, const char *location, char *err, size_t errlen);
/* What pp_check_follow makes of a Location, before the run's own limits:
 * the new target (hops counted, "redirected from from_id"), or NULL with a
 * sentence in err.  A pure function of its arguments (tests/fuzz). */
#define PP_FOLLOW_MAX_HOPS 5
struct pp_target *pp_follow_target(const struct pp_target *from, const char *from_id,
                                   const char *location, char *err, size_t errlen);
/* Move the check's deadline to ms milliseconds from now (a hold test).
 * Called from the probe's timeout callback, the check goes on. */
void pp_check_extend(struct pp_check *, double ms);
/* Milliseconds since the probe's phase began. */
double pp_check_elapsed(struct pp_check *);

/* -v: a step of the check in hand (engine/step.h).  pp_check_stepping()
 * is the cheap test to make before working out what a step would say;
 * pp_check_step() and pp_check_stepf() make it themselves and format
 * nothing when no one asked for that level. */
bool pp_check_stepping(const struct pp_check *, int level);
void pp_check_step(struct pp_check *, enum pp_step_phase, int level, const char *text);
void pp_check_stepf(struct pp_check *, enum pp_step_phase, int level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The application bytes queued to send (sent) and read (received) over
 * the check's connection so far. */
void pp_check_bytes(const struct pp_check *, unsigned long long *sent,
                    unsigned long long *received);

#endif
