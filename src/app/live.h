/*
 * The live session behind the dashboard: runs the plan again and again on
 * one loop, keeps a history per check, and hands the UI a read-only view.
 * The UI (ui/tui.c) never touches a socket: it draws struct pp_live_view
 * and turns keys into enum pp_ui_action, which this module carries out.
 */
#ifndef PP_LIVE_H
#define PP_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/pushprobe.h"

struct pp_plan;
struct pp_engine_opts;
struct pp_diagnosis;
struct pp_context;
struct pp_capture;

/* Latency history of one check (by its id) over the runs. */
#define PP_HIST_LEN 48
struct pp_hist {
    char *id;
    unsigned runs;          /* finished results seen */
    unsigned lost;          /* of which were not ok */
    unsigned flaps;         /* state changes from one run to the next */
    enum pp_state last_state;
    unsigned nlat;          /* ok results with a time */
    double min_ms, max_ms, sum_ms;
    float lat[PP_HIST_LEN]; /* ring, oldest first from head; < 0: a failed run */
    unsigned head, count;
};

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
    PP_UA_QUIT
};

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
};

/* Run the dashboard until the user quits or a signal ends it.  On return
 * the terminal is restored; *last (when not NULL) takes the last complete
 * run (rep->diag and rep->context point into *diag and *cx, which the
 * caller frees).  Returns 0, or -1 with err set when the dashboard could
 * not start (no terminal, no curses). */
int pp_live_run(const struct pp_live_opts *, struct pp_report *last, struct pp_diagnosis *diag,
                struct pp_context *cx, char *err, size_t errlen);

/* Fold a finished result into a history (the tests call this directly). */
void pp_hist_add(struct pp_hist *, const struct pp_result *);

#endif
