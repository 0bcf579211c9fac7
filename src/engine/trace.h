/* SPDX-License-Identifier: ISC */
/*
 * Where is it blocked?  A TCP path trace to a check's own address and
 * port: SYNs with TTLs (hop limits) 1 to max_ttl, all in flight at once as
 * mtr sends them, probes_per_hop of each, inside the caller's poll() loop.
 *
 * Each probe is a non-blocking connect() whose socket carries the TTL, so
 * the destination's SYN-ACK or RST ends it as any connect ends.  The ICMP
 * time-exceeded and unreachable errors come from one of two sources:
 *   errqueue  Linux 5.8 and later, unprivileged: IP_RECVERR/IPV6_RECVERR
 *             queue the error, with the router's address, on the socket
 *             (the method traceroute calls tcpconn);
 *   raw       a raw ICMP socket (trace_raw.h) where the privilege allows
 *             (root or CAP_NET_RAW on Linux; root on macOS and the BSDs,
 *             whose TCP sockets have no error queue).
 *
 * The judgement of what came back (per hop, then the path's end) is pure
 * functions, tested directly.
 */
#ifndef PP_TRACE_H
#define PP_TRACE_H

#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pushprobe.h"

#define PP_TRACE_MAX_TTL 64
#define PP_TRACE_DEFAULT_TTL 30
#define PP_TRACE_PROBES 3

struct pp_trace_opts {
    int max_ttl;          /* 0: PP_TRACE_DEFAULT_TTL */
    int probes;           /* per hop; 0: PP_TRACE_PROBES */
    double timeout_s;     /* how long silence is waited for */
    bool names;           /* reverse DNS of the hops */
    bool raw;             /* try the raw socket first (where permitted) */
    const char *resolver; /* for the names; NULL: the system's */
};

/* One probe's outcome. */
struct pp_trace_obs {
    int ttl;
    enum pp_hop_reply reply;
    char from[48];
    double rtt_ms;
};

/* What an ICMP error says about a hop (AF_INET: ICMPv4 type/code; AF_INET6:
 * ICMPv6); PP_HR_NONE for types that are neither time-exceeded nor
 * unreachable. */
enum pp_hop_reply pp_trace_icmp_reply(int family, uint8_t type, uint8_t code);
/* Does a probe's answer end the path (the server's SYN-ACK or RST, or an
 * unreachable)? */
bool pp_trace_reply_ends(enum pp_hop_reply r);
/* Whose network an address is in ("" or unparsable: public). */
enum pp_hop_network pp_trace_network(const char *address);
/* Build the hops and the path's end from the probes' outcomes (any order):
 * reached, dropped or rejected.  dest is the traced address. */
void pp_trace_judge(const struct pp_trace_obs *obs, size_t n, const char *dest,
                    int max_ttl, struct pp_path *out);
/* Hold a path against a trace of the same address that reached the server
 * at ref->reach_ttl: a SYN-ACK or RST from fewer hops away was sent by a box
 * on the way (answered or reset), and that box is the reference's hop at
 * that TTL. */
void pp_trace_compare(struct pp_path *p, const struct pp_path *ref);
/* Whose network, in words: "this network", "the provider's carrier-grade
 * NAT", "Apple's network", "a public network". */
const char *pp_trace_network_words(enum pp_hop_network);
/* The path's end in one sentence: "dropped after hop 2 (100.64.0.1, the
 * provider's carrier-grade NAT)". */
void pp_path_sentence(const struct pp_path *, char *buf, size_t len);

/* Is any method usable here? false with a sentence in why. */
bool pp_trace_available(char *why, size_t whylen);

struct pp_loop;
struct pp_dns;
struct pp_tracer;

/* path is the caller's (pp_path_free); NULL when the trace could not run
 * (err says why). */
typedef void (*pp_trace_done_cb)(struct pp_path *path, const char *err, void *arg);

/* Start a trace on the caller's loop; dns (may be NULL) answers the hop
 * names.  done runs once, from the loop, never from inside this call.
 * NULL with err set when it cannot start. */
struct pp_tracer *pp_trace_start(struct pp_loop *, struct pp_dns *, const struct sockaddr *dst,
                                 const struct pp_trace_opts *, pp_trace_done_cb done, void *arg,
                                 char *err, size_t errlen);
/* Stop a trace early; done does not run. */
void pp_trace_cancel(struct pp_tracer *);

/* Trace the report's checks that want[i] names (the caller's choice, see
 * app/run.h) on the caller's loop, a few at once; done(arg) runs from the
 * loop when every trace is over.  NULL
 * when there is nothing to trace (err "") or no method is usable (err
 * says why).  The report must outlive the batch. */
struct pp_trace_batch;
struct pp_trace_batch *pp_trace_batch_start(struct pp_loop *, struct pp_report *,
                                            const bool *want, const struct pp_trace_opts *,
                                            void (*done)(void *), void *arg, char *err,
                                            size_t errlen);
/* Set the checks' paths from the traces done (cutting short those still
 * running) and free the batch. */
void pp_trace_batch_finish(struct pp_trace_batch *);

/* The same on a loop of its own, at
 * most a few at once, and set their path.  Returns the number traced, or
 * -1 with err set when no method is usable or none could be traced. */
int pp_trace_report(struct pp_report *, const bool *want, const struct pp_trace_opts *,
                    char *err, size_t errlen);

#endif
