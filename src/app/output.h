/* SPDX-License-Identifier: ISC */
/*
 * What main's runners write from a concluded run (run.c): the report
 * (masked with --redact), the files of --save, the Nagios line and the
 * exit status.  Room: app.
 */
#ifndef PP_OUTPUT_H
#define PP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pushprobe.h"
#include "core/range.h"
#include "ui/report.h"

struct pp_context;
struct pp_diagnosis;
struct pp_redact;

/* A report rendered to a string, then masked when rd is not NULL; exits
 * with status 3 when out of memory. */
char *pp_app_render(const struct pp_report *, enum pp_format, bool color,
                    const struct pp_redact *rd);
/* What --redact masks: this machine, its user, its addresses and those of
 * its network, and the company's own systems (never Apple's). */
struct pp_redact *pp_app_redactions(const struct pp_report *, const struct pp_context *);
/* Add what one result shows of those (-v masks its steps as they come). */
void pp_app_redact_result(struct pp_redact *, const struct pp_result *);
/* Write the report as FILE.txt and FILE.json (--save, or the dashboard's
 * s key: without --save, pushprobe-DATE-TIME in the current directory).
 * arg is the struct pp_app; msg gets a line for the user. */
int pp_app_save(const struct pp_report *, void *arg, char *msg, size_t msglen);
/* The run's status as the exit status: 0 ok, 4 degraded, 1 failed (the
 * same word as the report's summary and the dashboard's header). */
int pp_app_exit_status(const struct pp_report *);
/* --warning and --critical: the ranges and their words as given. */
struct pp_nagios_limits {
    const char *warn, *crit;
    struct pp_range warn_r, crit_r;
};
/* The monitoring-plugins output: one summary line with perfdata, then the
 * findings and the failed checks (masked when rd is not NULL); returns 0
 * (OK), 1 (WARNING) or 2 (CRITICAL): the run's status (ok, degraded,
 * failed), or worse when the slowest check's milliseconds raise the
 * --warning or --critical range's alert. */
int pp_app_nagios(const struct pp_report *, const struct pp_diagnosis *,
                  const struct pp_nagios_limits *, const struct pp_redact *rd);
/* The engine's progress as a line on standard error, rewritten in place
 * (the audit on a terminal). */
struct pp_progress;
void pp_app_progress(void *arg, const struct pp_progress *);
/* Standard output flushed: rc, or 3 with a message when writing failed. */
int pp_app_flush(int rc);

#endif
