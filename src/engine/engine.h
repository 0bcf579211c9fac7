/*
 * The engine: runs a plan concurrently in one poll() loop.  DNS for every
 * name, one check per address found, a concurrency cap that also respects
 * RLIMIT_NOFILE, a deadline per check and one for the whole run.
 */
#ifndef PP_ENGINE_H
#define PP_ENGINE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "plan/plan.h"
#include "core/pushprobe.h"

struct pp_tls_ctx;

/* A lazy source of checks, for ranges too large to plan one by one (the
 * audit mode): the engine pulls the next (target, address) whenever it has
 * a free slot, so memory follows the concurrency, not the range. */
struct pp_feed {
    /* Give the next check; false when there are no more. */
    bool (*next)(void *ctx, const struct pp_target **t, struct sockaddr_storage *sa);
    void *ctx;
    uint64_t total;       /* how many next() will give, for progress */
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
    bool progress;        /* progress lines on standard error */
    bool mss_retry;       /* a TLS handshake that stalls runs again with small
                           * segments (PATH_MTU_BLACKHOLE) */
    struct pp_tls_ctx *tls;
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

/* For probes: the check in hand. */
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
void pp_check_send(struct pp_check *, const void *buf, size_t len);
ssize_t pp_check_recv(struct pp_check *, void *buf, size_t len);
/* Follow an HTTP redirect: check the Location (absolute or relative to
 * the check's URL) as a check of its own, after this one.  Returns 0, or
 * -1 with a sentence in err (too many hops, not http(s), malformed). */
int pp_check_follow(struct pp_check *, const char *location, char *err, size_t errlen);
/* Move the check's deadline to ms milliseconds from now (a hold test). */
void pp_check_extend(struct pp_check *, double ms);
/* Milliseconds since the probe's phase began. */
double pp_check_elapsed(struct pp_check *);

#endif
