/* SPDX-License-Identifier: ISC */
/*
 * A check's steps, as they happen (-v, curl -v's "*" lines): what was
 * resolved, where it connected, what TLS showed, the HTTP request and
 * status, the bytes a probe exchanged.  The engine and the probes make
 * them (engine.h's pp_engine_opts.step, check.h's pp_check_step); the
 * caller writes them.  Nothing is formatted unless a callback is set.
 */
#ifndef PP_STEP_H
#define PP_STEP_H

#include <stddef.h>

struct pp_result;

enum pp_step_phase {
    PP_STEP_RESOLVE,
    PP_STEP_CONNECT,
    PP_STEP_TLS,
    PP_STEP_HTTP,
    PP_STEP_PROBE,   /* the probe's own exchange; shown as the probe's name */
    PP_STEP_BYTES,   /* the bytes per direction (-vv) */
    PP_STEP_END
};

/* How much is asked: -v, -vv. */
#define PP_STEP_V 1
#define PP_STEP_VV 2

struct pp_step {
    const char *check;               /* the check's id */
    const struct pp_result *result;  /* its result so far, or NULL (a lookup of a
                                      * family that gave no check) */
    enum pp_step_phase phase;
    int level;                       /* PP_STEP_V or PP_STEP_VV */
    double t_ms;                     /* since the check began: its name lookup */
    double at_ms;                    /* the monotonic clock (pp_now_msf) */
    const char *text;                /* one line, as the engine or probe wrote it */
};

/* The phase's word: "resolve", "connect", "tls", "http", "probe", "bytes",
 * "end". */
const char *pp_step_phase_name(enum pp_step_phase);

/* The line written for a step, curl style, without a newline:
 *   "* [ID] 12.3 ms connect 17.0.0.5:5223 open (local 10.0.0.2:51234)"
 * A probe's step names the probe ("smb", "afp") when the result says
 * which.  Control characters and bytes outside printable ASCII (a
 * hostile server's header or certificate name) become '?', so a step is
 * one line whatever it carries.  Returns the length it needed (as
 * snprintf). */
size_t pp_step_line(const struct pp_step *, char *buf, size_t len);

#endif
