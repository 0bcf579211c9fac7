/* SPDX-License-Identifier: ISC */
/*
 * Adaptive connect timeouts (--timeout auto): per destination network
 * (an IPv4 /24, an IPv6 /64) a smoothed round trip and its variance from
 * the answers seen (a SYN-ACK, a reset, an ICMP error), the way TCP
 * (RFC 6298) and nmap's timing do, and a connect timeout of srtt + 4
 * rttvar bounded below and above.  A network with no answer yet takes the
 * estimate of all networks; before any answer, the initial timeout.  A
 * connect with no answer by its deadline is tried again later with a
 * backed-off deadline (RFC 6298 5.5, as TCP retransmits: twice the last
 * one, never less than the estimate of that moment, bounded above; when
 * the last one was the initial guess and the network has since answered
 * sooner, twice the estimate), after a wait off its slot as long as that
 * base, so that one stall of
 * the path or of this machine (a loaded host, a busy firewall, Wi-Fi)
 * does not swallow both attempts.  Pure: times come in from the caller,
 * so tests drive it directly.
 */
#ifndef PP_RTT_H
#define PP_RTT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define PP_RTT_MIN_MS 100.0      /* never less: a loaded host answers late */
#define PP_RTT_INITIAL_MS 1000.0 /* before any answer */
#define PP_RTT_MAX_MS 2000.0     /* never more: a silent port costs at most 2 x this
                                  * (nmap -T4 stops at 1,250 ms) */
#define PP_RTT_NETS_MAX 65536    /* networks tracked; more share the global estimate */

struct pp_rtt_est {
    double srtt, rttvar;   /* ms */
    uint64_t samples;
};

struct pp_rtt;

/* max_ms: the upper bound (at most PP_RTT_MAX_MS is given). */
struct pp_rtt *pp_rtt_new(double max_ms);
void pp_rtt_free(struct pp_rtt *);
/* An answer came back rtt_ms after the SYN went out. */
void pp_rtt_sample(struct pp_rtt *, const struct sockaddr *dst, double rtt_ms);
/* The connect timeout for a destination now, in ms. */
double pp_rtt_timeout(const struct pp_rtt *, const struct sockaddr *dst);
/* The estimate of all networks (samples 0: none yet). */
const struct pp_rtt_est *pp_rtt_global(const struct pp_rtt *);
/* The deadline of a retry whose last attempt had prev_ms (see above). */
double pp_rtt_retry_timeout(const struct pp_rtt *, const struct sockaddr *dst, double prev_ms);
/* How long a retry waits, off its slot, after its last attempt's
 * deadline of prev_ms passed (see above). */
double pp_rtt_retry_wait(const struct pp_rtt *, const struct sockaddr *dst, double prev_ms);
/* Smallest and largest timeout given so far (0 when none). */
void pp_rtt_range(const struct pp_rtt *, double *lo, double *hi);
void pp_rtt_note_given(struct pp_rtt *, double ms);

/* One estimator step (exposed for tests). */
void pp_rtt_update(struct pp_rtt_est *, double rtt_ms);
double pp_rtt_bound(const struct pp_rtt_est *, double max_ms);
/* The backoff rule: max(2 x prev_ms, est_ms), within [PP_RTT_MIN_MS, max_ms]. */
double pp_rtt_backoff(double prev_ms, double est_ms, double max_ms);

#endif
