/* SPDX-License-Identifier: ISC */
/*
 * The engine's runner interface: runs a plan concurrently in one poll()
 * loop.  DNS for every name, one check per address found, a concurrency
 * cap that also respects RLIMIT_NOFILE, a deadline per check and one for
 * the whole run.  What a probe may call is in engine/check.h.
 *
 * Room: the engine owns the loop's checks, DNS (dns.c), TLS handshakes
 * (tlscore.c) and chain judgement (tlsjudge.c) and HTTP parsing
 * (http.c).  It may call core/ and the probes through their struct of
 * callbacks; it names no service (a target carries its own rules) and
 * prints nothing (progress goes through a callback).
 */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>

#include "plan/plan.h"
#include "core/pushprobe.h"
#include "engine/step.h"

struct pp_tls_ctx;

/* How far a run is, for a progress line. */
struct pp_progress {
    size_t done;          /* checks finished */
    uint64_t total;       /* checks in all, as far as known */
    double elapsed_s;
    bool over;            /* the run has ended: the last call */
};

struct pp_engine_opts {
    double timeout_s;     /* per check (DNS and connect+TLS each) */
    double run_timeout_s; /* whole run; 0: derived from timeout and size */
    int parallel;         /* concurrent checks at most */
    bool want_v4;
    bool want_v6;
    const char *resolver; /* NULL: the system's */
    double hold_s;        /* courier hold test, 0: off */
    struct pp_feed *feed; /* more checks, pulled lazily; or NULL */
    double rate;          /* new connections per second at most; 0: no limit */
    /* Called every half second of the run and once at its end, or NULL:
     * the engine prints nothing itself. */
    void (*progress)(void *arg, const struct pp_progress *);
    void *progress_arg;
    bool mss_retry;       /* a TLS handshake that stalls runs again with small
                           * segments (PATH_MTU_BLACKHOLE) */
    struct pp_tls_ctx *tls;
    bool adaptive_timeout; /* connect deadline from the round trips seen
                            * (--timeout auto; timeout_s is the upper bound):
                            * a silent port gets that deadline twice */
    /* Streaming: every result is handed to sink (which owns it) as soon as
     * it is final, and the report keeps none; NULL: the report keeps all. */
    void (*sink)(void *ctx, struct pp_result *r);
    void *sink_ctx;
    int trace;            /* for the callers, after a run (engine/trace.h):
                           * 0 no path traces, 1 failed checks, 2 every check */
    /* The network as the caller read its routes.  ipv6_only: an IPv6
     * default route and no native IPv4 (no IPv4 address, no IPv4 default
     * route but a CLAT's); the run first resolves ipv4only.arpa (RFC 7050)
     * for the NAT64 prefix.  no_ipv4_route: IPv6-only without even a
     * CLAT; an IPv4 connect that finds no route is then not applicable
     * (ipv4-unavailable) when IPv6 is checked too, not a failure.  Addresses
     * inside 64:ff9b::/96 or a discovered prefix are judged by the IPv4
     * address they embed, whatever these say. */
    bool ipv6_only;
    bool no_ipv4_route;
    /* -v: every check's steps as they happen (engine/step.h), up to
     * step_level (PP_STEP_V, PP_STEP_VV); NULL: none, and nothing is
     * formatted.  Called from the loop; the text lives for the call. */
    void (*step)(void *arg, const struct pp_step *);
    void *step_arg;
    int step_level;
};

struct pp_loop;
struct pp_engine;

/* Start running the plan on a caller's loop; done(arg) runs when the run
 * is over, from a turn of the loop of its own (it may call
 * pp_engine_finish).  NULL with err set on failure.  The plan and the
 * options must outlive the run. */
struct pp_engine *pp_engine_start(struct pp_loop *, const struct pp_plan *,
                                  const struct pp_engine_opts *, void (*done)(void *),
                                  void *arg, char *err, size_t errlen);
bool pp_engine_done(const struct pp_engine *);
/* Adaptive timeouts: the smallest and largest connect deadline given so
 * far, in ms (0 when none, or when the timeout is fixed). */
void pp_engine_timeouts(const struct pp_engine *, double *lo, double *hi);
/* The results so far, in the order they appeared (pending ones included),
 * for a live view; valid until the next turn of the loop.  generation
 * changes whenever a result appears or a check finishes. */
const struct pp_result *const *pp_engine_results(const struct pp_engine *, size_t *n,
                                                 uint64_t *generation);
/* End the run (whatever still runs is cut short) and take its report;
 * frees the engine.  done() may call it. */
void pp_engine_finish(struct pp_engine *, struct pp_report *rep);

/* Run the plan on a loop of its own; fills rep (sorted in plan order).
 * Returns 0, or -1 with err set on an internal failure. */
int pp_engine_run(const struct pp_plan *, const struct pp_engine_opts *,
                  struct pp_report *rep, char *err, size_t errlen);
void pp_report_free(struct pp_report *);

#endif
