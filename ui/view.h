/* SPDX-License-Identifier: ISC */
/*
 * The dashboard's view model: what the live session (app/live.c) hands
 * the dashboard (ui/tui.c) to draw, and the actions its keys ask for.
 * Types only: the session fills them, the dashboard reads them.
 */
#ifndef PP_VIEW_H
#define PP_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/hist.h"
#include "core/pushprobe.h"

struct pp_diagnosis;
struct pp_context;
struct pp_capture;

/* One row of the checks table. */
struct pp_live_row {
    const struct pp_result *r;   /* NULL while its target still resolves */
    const struct pp_target *t;
    const struct pp_hist *h;     /* NULL before its first finished result */
    bool running;                /* the current run has not finished it yet */
    uint64_t order;
};

struct pp_live_view {
    const struct pp_live_row *rows;
    size_t nrows;
    const struct pp_diagnosis *diag;  /* of the last complete run, or NULL */
    const struct pp_report *last;     /* the last complete run, or NULL */
    const struct pp_context *cx;      /* this machine, or NULL until collected */
    const char *resolver;             /* --resolver, or NULL: the system's */
    unsigned long runs;               /* complete runs */
    bool running;
    bool paused;
    time_t last_end;                  /* end of the last complete run, 0: none */
    time_t next_run;                  /* when the next run starts, 0: none */
    double interval_s;
    size_t done, total;               /* checks of the current run */
    const char *message;              /* the last action's outcome, or NULL */
    struct pp_capture *capture;       /* the capture beside the checks, or NULL */
};

/* What a key asks for; the UI handles moving, filters and panes itself. */
enum pp_ui_action {
    PP_UA_NONE = 0,
    PP_UA_REDRAW,
    PP_UA_RERUN,
    PP_UA_PAUSE,
    PP_UA_SAVE,
    PP_UA_TRACE,    /* trace the path of the selected row (pp_tui_selected) */
    PP_UA_QUIT
};

#endif
