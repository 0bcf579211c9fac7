/* SPDX-License-Identifier: ISC */
/*
 * The audit's run: the engine streams each finished check to the audit's
 * outputs (CSV, JSON Lines, the JSON document) and frees it; the text
 * report comes from the tallies at the end.  Ctrl-C (SIGINT) or SIGTERM
 * ends the run with everything written so far valid and a summary saying
 * it was interrupted.
 */
#ifndef PP_AUDITRUN_H
#define PP_AUDITRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"
#include "plan/audit.h"
#include "plan/plan.h"

/* Exit status of an interrupted audit (128 + SIGINT). */
#define PP_EXIT_INTERRUPTED 130

struct pp_audit_run_opts {
    const char *csv;     /* CSV: a file, "-" for standard output, or NULL */
    const char *jsonl;   /* JSON Lines: the same */
    bool json;           /* the JSON document on standard output */
    bool color;
    bool adaptive;       /* --timeout auto */
};

/* Run the audit; returns the exit status (0, 1 for deviations or checks
 * not run, 2 for a file that cannot be written, 3 for a failed write,
 * 130 when interrupted), with a message on standard error where due. */
int pp_audit_run(struct pp_audit *, const struct pp_plan *, struct pp_engine_opts *,
                 const struct pp_audit_run_opts *);

#endif
