/* SPDX-License-Identifier: ISC */
/*
 * How a run ends, and the runners of the modes.
 *
 * pp_run_conclude() is the one way a run is concluded (the capture settled
 * and taught the run's addresses, the report diagnosed): main's runners,
 * the agent (agent.c) and the dashboard's session (live.c) all call it,
 * and all write through ui/report.h's pp_report_write().
 *
 * Room: app (main, the settings, the runners, the agent, the dashboard's
 * session).  The top of the house: it may call every other room, and it
 * alone prints to the user and decides the exit status.
 */
#ifndef PP_RUN_H
#define PP_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "app/settings.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "plan/audit.h"
#include "plan/pac.h"
#include "plan/plan.h"

struct pp_capture;

/* Conclude a run: with a capture, settle its pending flows (end: the
 * capture is over, decide them all; else those due at its latest time),
 * teach it the report's addresses and hang it on the report; then
 * diagnose into *diag, which rep->diag points to.  The caller frees
 * *diag. */
void pp_run_conclude(struct pp_report *rep, struct pp_capture *cap, bool end,
                     struct pp_diagnosis *diag);

/* This machine as it is now, for a run's report: the local context, the
 * --resolver (when given) as its DNS server, and the PAC's context when
 * pac had a source (pac may be NULL).  The caller frees it. */
struct pp_pac_table;
void pp_run_context(struct pp_context *cx, const char *resolver, const struct pp_pac_table *pac);

/* Which results --trace traces: want[i] for results[i].  Every check that
 * did not succeed (all: every check), the first courier check of each
 * family (one that succeeded where there is one), and for a failed check a
 * successful check of the same address, whose trace shows where the server
 * really is (engine/trace.h compares them). */
struct pp_result;
void pp_run_trace_select(struct pp_result *const *results, size_t n, bool all, bool *want);

/* Everything a mode's runner needs, set up by main. */
struct pp_app {
    struct pp_settings st;
    struct pp_plan plan;
    struct pp_audit audit;
    struct pp_capture *cap;          /* --sniff or --read, or NULL */
    bool color;
    FILE *save_f[2];                 /* FILE.txt and FILE.json, opened before any
                                      * drop of root */
    const struct pp_context *cx;     /* for redacting saved reports */
    struct pp_pac_table pac;         /* the PAC file's answers (status NULL: none) */
};

/* The runners, one per mode; each returns the exit status. */
int pp_mode_list(struct pp_app *);
int pp_mode_agent(struct pp_app *);
/* The dashboard; -1 when it cannot start here (no terminal, no curses:
 * it has said why), and the report is written instead. */
int pp_mode_dashboard(struct pp_app *);
int pp_mode_audit(struct pp_app *);
/* --read, or --sniff without the dashboard. */
int pp_mode_capture(struct pp_app *);
/* One run of the checks and its report (text, JSON, Prometheus, Nagios). */
int pp_mode_once(struct pp_app *);
/* -c N: N runs --interval apart (default 1 s), each check's history kept
 * as the dashboard keeps it; the last run's report with the rounds' loss
 * and min/avg/max per check, and the last run's exit status. */
int pp_mode_count(struct pp_app *);

/* The colour decision of --color (auto, always, never) and NO_COLOR. */
bool pp_app_want_color(const struct pp_settings *);
/* Standard output is a terminal that takes escape sequences. */
bool pp_app_smart_terminal(void);

#endif
