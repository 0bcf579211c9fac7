/* SPDX-License-Identifier: ISC */
/*
 * What the engine's files share (engine.c, check.c, phases.c, schedule.c,
 * reprobe.c): the state of a run, of a check and of a target, and the
 * steps one file calls in another.  Internal to src/engine/.
 */
#ifndef PP_ENGINE_INT_H
#define PP_ENGINE_INT_H

#include <sys/socket.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <openssl/ssl.h>

#include "core/loop.h"
#include "core/nat64.h"
#include "engine/check.h"
#include "engine/dns.h"
#include "engine/engine.h"
#include "engine/rtt.h"

enum phase { PH_QUEUED, PH_CONNECT, PH_PROXY, PH_TLS, PH_PROBE, PH_DONE };

#ifdef MSG_NOSIGNAL
#define MSG_NOSIGNAL_COMPAT MSG_NOSIGNAL
#else
#define MSG_NOSIGNAL_COMPAT 0   /* SIGPIPE is ignored in main() */
#endif

struct pp_engine;

struct pp_check {
    struct pp_engine *e;
    struct pp_result *r;
    struct sockaddr_storage sa;
    socklen_t salen;
    int fd;
    SSL *ssl;
    enum phase phase;
    struct pp_timer deadline;
    struct pp_timer again;   /* the probe's reads of a turn ran out: read on */
    uint64_t turn;           /* the loop's turn of turn_reads */
    unsigned turn_reads;     /* pp_check_recv calls in that turn (PP_RECV_TURN_MAX) */
    double t_start;
    double t_phase;
    void *probe_data;
    unsigned char *out;      /* bytes queued by the probe */
    size_t outlen, outoff;
    bool read_wants_write;   /* TLS: a read needs the socket writable */
    bool got_byte;
    double last_rx;          /* when the last byte read arrived (kernel stamp), or 0;
                              * 0 again once a deadline ends the check */
    bool extended;           /* pp_check_extend() ran (a probe's timeout may go on) */
    double queued;           /* ms the loop kept this check waiting between
                              * phases (not in t_total) */
    int mss;                 /* TCP_MAXSEG before the connect, or 0 */
    int attempts;            /* connects started (adaptive timeouts retry once) */
    bool backoff;            /* waiting off its slot to connect again (rtt.h) */
    enum phase looked;       /* the phase whose deadline looked at the socket first */
    unsigned long long sent, received;   /* application bytes (-vv's summary) */
    struct pp_check *next;   /* the wait queue */
    struct pp_check *all_prev, *all_next;  /* checks not yet freed */
};

struct tstate {
    struct pp_engine *e;
    const struct pp_target *t;
    size_t idx;
    uint64_t base;            /* sort key of the target's results */
    int lookups;              /* outstanding */
    int nfound;               /* checks created */
    struct pp_dns_answer fail[2];
    int nfail;
    const struct pp_dns_answer *answer;   /* on_dns: the one made into checks */
};

struct pp_engine {
    const struct pp_engine_opts *o;
    struct pp_loop *loop;
    struct pp_dns *dns;
    struct tstate *ts;
    size_t nts;
    struct pp_check *qhead, *qtail;    /* waiting for a slot */
    struct pp_check *all;              /* checks not yet freed */
    size_t inflight;
    size_t cap;                        /* concurrency cap now */
    size_t checks_open;                /* not yet done */
    size_t dns_open;                   /* targets still resolving */
    struct pp_timer run_deadline;
    struct pp_result **res;
    size_t nres, capres;
    struct pp_target **extra;          /* targets added by redirects */
    struct tstate **extra_ts;
    size_t nextra;
    bool over;
    void (*done_cb)(void *);           /* the run is over */
    void *done_arg;
    time_t t0;
    bool feed_done;
    bool in_pump, pump_again;
    unsigned burst;                    /* checks started by this turn of pump() */
    uint64_t fed;                      /* checks pulled from the feed */
    size_t done;                       /* checks finished */
    double tokens;                     /* rate limit: connections allowed now */
    double tokens_at;
    struct pp_timer rate_timer;
    struct pp_timer progress_timer;
    double started;
    uint64_t generation;               /* bumped on every visible change */
    struct pp_timer done_timer;        /* done() runs from a turn of its own */
    struct pp_rtt *rtt;                /* adaptive timeouts, or NULL */
    uint64_t emitted;                  /* results handed to the sink */
    /* Re-probes of silent checks beside ICMP rejects (rate limiting). */
    bool reprobe_looked;
    struct pp_result **reprobe;        /* still to start, in order */
    size_t nreprobe, reprobe_next;
    struct pp_timer reprobe_timer;
    /* NAT64 (core/nat64.h): 64:ff9b::/96 first, then the prefixes
     * ipv4only.arpa gave; the targets start once that lookup is over. */
    struct pp_nat64_prefix nat64[PP_NAT64_MAX + 1];
    size_t nnat64;
    size_t nat64_found;                /* of them discovered */
    bool nat64_looked;
    bool nat64_wkp_used;               /* a check's address was in 64:ff9b::/96 */
    const struct pp_plan *plan;
    char dns_server[64];               /* -v: the resolver asked, or "" */
};

/* engine.c */
double seen(const struct pp_check *c);
void add_result(struct pp_engine *e, struct pp_result *r);
struct pp_result *new_result(const struct pp_target *t, uint64_t order);
void
vset(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt,
     va_list ap) __attribute__((format(printf, 4, 0)));
void
set(struct pp_result *r, enum pp_state s, enum pp_reason rs, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void run_deadline(void *arg);

/* check.c */
int flush_out(struct pp_check *c);
short probe_events(struct pp_check *c);

/* phases.c */
void check_finish(struct pp_check *c);
void call_done(void *arg);
void maybe_over(struct pp_engine *e);
void check_deadline(void *arg);
void check_again(void *arg);
bool check_start(struct pp_check *c);
void transport_up(struct pp_check *c);

/* tunnel.c: HTTP CONNECT through the check's proxy (target->via) */
void tunnel_start(struct pp_check *c);
void tunnel_io(struct pp_check *c, short revents);
void tunnel_deadline(struct pp_check *c);
void proxy_connect_failed(struct pp_check *c);

/* schedule.c */
void pump_later(void *arg);
void pump(struct pp_engine *e);
struct pp_check *check_queue(struct pp_engine *e, struct pp_result *r, bool add);
struct pp_check *check_new(struct pp_engine *e, struct pp_result *r);
void start_target(struct pp_engine *e, struct tstate *ts);

/* steps.c: -v's steps.  The test is the cheap part, made at the call;
 * the step_*() functions format, and run only when it passed. */
#define STEPPING(e, lvl) ((e)->o->step != NULL && (e)->o->step_level >= (lvl))
void step_emit(struct pp_engine *e, const char *id, const struct pp_result *r, double t_ms,
               enum pp_step_phase ph, int level, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
void step_start(struct pp_engine *e);
void step_resolved(struct tstate *ts, const struct pp_result *r);
void step_unresolved(struct tstate *ts, const struct pp_result *r);
void step_connected(struct pp_check *c);
void step_retry(struct pp_check *c);
/* status 0: CONNECT sent; else the proxy's answer */
void step_tunnel(struct pp_check *c, int status, const char *reason);
void step_redirect(struct pp_check *c, const struct pp_target *to);
void step_tls_start(struct pp_check *c);
void step_tls_done(struct pp_check *c);
void step_end(struct pp_check *c);

/* reprobe.c */
void reprobe_next(void *arg);
bool reprobe_start(struct pp_engine *e);

#endif
