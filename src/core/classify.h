/* SPDX-License-Identifier: ISC */
/*
 * Classification of a TCP connect's outcome, in nmap's words: pure
 * functions of the errno and of the ICMP error the kernel queued (if any).
 */
#ifndef PP_CLASSIFY_H
#define PP_CLASSIFY_H

#include <stdbool.h>

#include "core/netx.h"
#include "core/pushprobe.h"

struct pp_verdict {
    enum pp_state state;
    enum pp_reason reason;
};

/* err: 0 for success, else the errno from connect()/SO_ERROR.
 * immediate: connect() itself failed (no packet left this host).
 * icmp: the queued ICMP error, or NULL. */
struct pp_verdict pp_classify_connect(int err, bool immediate,
                                      const struct pp_icmp *icmp);
/* ICMP type/code alone (either family). */
struct pp_verdict pp_classify_icmp(const struct pp_icmp *icmp);
/* Errors that mean "this machine ran short", never a network state. */
bool pp_errno_is_local_resource(int err);
/* For a connect() refused at once by this machine's routing: the kind of
 * route that did it ("blackhole", "unreachable", "prohibit"; "none" for no
 * route at all), or NULL when err says nothing of a route. */
const char *pp_local_route_kind(int err);
/* One sentence for a connect outcome, e.g. for the message field. */
const char *pp_reason_sentence(enum pp_reason);

#endif
