/* SPDX-License-Identifier: ISC */
/*
 * The live session behind the dashboard: runs the plan again and again on
 * one loop, keeps a history per check, and hands the UI a read-only view.
 * The UI (ui/tui.c) never touches a socket: it draws struct pp_live_view
 * (ui/view.h, the view model) and turns keys into enum pp_ui_action, which
 * this module carries out.
 */
#ifndef PP_LIVE_H
#define PP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/pushprobe.h"
#include "ui/view.h"

struct pp_plan;
struct pp_engine_opts;
struct pp_diagnosis;
struct pp_context;
struct pp_capture;

struct pp_pac_table;

struct pp_live_opts {
    const struct pp_plan *plan;
    const struct pp_engine_opts *eo;
    double interval_s;
    bool color;
    /* Save the report (the files of --save); msg gets a line for the
     * status bar.  rep carries diag and context. */
    int (*save)(const struct pp_report *rep, void *arg, char *msg, size_t msglen);
    void *save_arg;
    struct pp_capture *capture;       /* or NULL */
    const struct pp_pac_table *pac;   /* the run's PAC answers, or NULL */
};

/* Run the dashboard until the user quits or a signal ends it.  On return
 * the terminal is restored; *last (when not NULL) takes the last complete
 * run (rep->diag and rep->context point into *diag and *cx, which the
 * caller frees).  Returns 0, or -1 with err set when the dashboard could
 * not start (no terminal, no curses). */
int pp_live_run(const struct pp_live_opts *, struct pp_report *last, struct pp_diagnosis *diag,
                struct pp_context *cx, char *err, size_t errlen);

/* The signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT) that ended the last
 * pp_live_run, or 0 when it ended by a key. */
int pp_live_stop_signal(void);

#endif
