/* SPDX-License-Identifier: ISC */
/*
 * The history of each check over runs: how many ran and failed, the
 * state changes, min/avg/max and the last time, a ring of recent times.
 * The dashboard (app/live.c) keeps one per row and -c/--count N
 * (app/modes.c) one per check of its rounds; the reports read it from
 * pp_report.rounds.
 *
 * Room: core (libc only).
 */
#ifndef PP_HIST_H
#define PP_HIST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/pushprobe.h"

/* Latency history of one check (by its id) over the runs. */
#define PP_HIST_LEN 48
struct pp_hist {
    char *id;
    unsigned runs;          /* finished results seen */
    unsigned lost;          /* of which were not ok */
    unsigned flaps;         /* state changes from one run to the next */
    enum pp_state last_state;
    double last_ms;         /* the last result's time when it was ok, else -1 */
    unsigned nlat;          /* ok results with a time */
    double min_ms, max_ms, sum_ms;
    float lat[PP_HIST_LEN]; /* ring, oldest first from head; < 0: a failed run */
    unsigned head, count;
    struct pp_path *path;   /* its last path trace (the dashboard's key t) */
    bool tracing;           /* a trace of it is under way */
};

/* The histories of a session, sorted by id. */
struct pp_hists {
    struct pp_hist **v;
    size_t n, cap;
    unsigned rounds;        /* reports folded in (pp_hists_add_report) */
};

/* Fold a finished result into a history (a pending one is ignored). */
void pp_hist_add(struct pp_hist *, const struct pp_result *);
/* The history of id; created (empty) when create, else NULL when none. */
struct pp_hist *pp_hists_find(struct pp_hists *, const char *id, bool create);
const struct pp_hist *pp_hists_get(const struct pp_hists *, const char *id);
/* Fold every result of a run that has an id; counts a round. */
void pp_hists_add_report(struct pp_hists *, const struct pp_report *);
void pp_hists_free(struct pp_hists *);

#endif
