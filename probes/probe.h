/* SPDX-License-Identifier: ISC */
/*
 * One struct of callbacks per probe kind (as zmap's probe modules).
 *
 * The engine resolves the name, connects, and when the target says so
 * (target->tls) runs the TLS handshake; then it hands the check to the
 * probe.  A probe over TLS judges the chain first with pp_tls_judge_check().  A probe
 * file keeps its callbacks static and ends with one designated initializer;
 * probes.c lists them all.
 */
#ifndef PP_PROBE_H
#define PP_PROBE_H

#include <stdbool.h>

#include "core/pushprobe.h"

struct pp_check;

enum pp_probe_rc {
    PP_PROBE_DONE,  /* the result is set; the engine closes the check */
    PP_PROBE_MORE   /* wait for the events set with pp_check_want() */
};

struct pp_probe {
    const char *name;
    const char *help;
    /* A UDP probe: connect() only sets the peer; ready() sends. */
    bool udp;
    /* The transport is up.  Set the result (pp_check_set) and return DONE,
     * or ask for events and return MORE.  Required. */
    enum pp_probe_rc (*ready)(struct pp_check *);
    /* Events asked for arrived.  Required when ready() can return MORE. */
    enum pp_probe_rc (*io)(struct pp_check *, short revents);
    /* The check's deadline passed in the probe's own phase: set the result.
     * Optional; the default says the service did not answer in time. */
    void (*timeout)(struct pp_check *);
    /* Free probe state.  Optional; runs once for every check. */
    void (*cleanup)(struct pp_check *);
};

extern const struct pp_probe pp_probe_tcp;
extern const struct pp_probe pp_probe_tls;
extern const struct pp_probe pp_probe_http;
extern const struct pp_probe pp_probe_mdm;
extern const struct pp_probe pp_probe_sus;
extern const struct pp_probe pp_probe_captive;
extern const struct pp_probe pp_probe_courier;
extern const struct pp_probe pp_probe_apns;
extern const struct pp_probe pp_probe_time;
extern const struct pp_probe pp_probe_publicip;

/* For probes over TLS: judge the chain (probes/tls.c).  Sets the result
 * and returns true when the chain is good and the probe may go on. */
bool pp_tls_judge_check(struct pp_check *);

/* Look a probe up by name; NULL if unknown. */
const struct pp_probe *pp_probe_find(const char *name);
/* NULL-terminated list of every probe. */
extern const struct pp_probe *const pp_probes[];

#endif
