/*
 * One struct of callbacks per probe kind (as zmap's probe modules).
 *
 * The engine resolves the name, connects, and when the probe asks for it
 * runs the TLS handshake; then it hands the check to the probe.  A probe
 * file keeps its callbacks static and ends with one designated initializer;
 * probes.c lists them all.
 */
#ifndef PP_PROBE_H
#define PP_PROBE_H

#include <stdbool.h>

#include "pushprobe.h"

struct pp_check;

enum pp_probe_rc {
    PP_PROBE_DONE,  /* the result is set; the engine closes the check */
    PP_PROBE_MORE   /* wait for the events set with pp_check_want() */
};

struct pp_probe {
    const char *name;
    const char *help;
    /* The engine runs a TLS handshake (SNI, ALPN from the target) after
     * the TCP connect, before ready(). */
    bool tls;
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

/* Look a probe up by name; NULL if unknown. */
const struct pp_probe *pp_probe_find(const char *name);
/* NULL-terminated list of every probe. */
extern const struct pp_probe *const pp_probes[];

#endif
