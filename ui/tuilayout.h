/* SPDX-License-Identifier: ISC */
/*
 * The dashboard's layout rules as pure functions: no curses, no terminal,
 * so tests/unit/test_tuilayout.c calls them for many terminal sizes.
 * ui/tui.c asks them where things go and only draws.
 *
 * The rules: the headline, every area badge and the key line stay whole
 * at 80x24 (what does not fit is left out by priority, never cut); a cut
 * name ends in an ellipsis; spare width goes to REASON first; times under
 * 100 ms have one decimal; the findings pane scrolls and says how many
 * more there are.
 */
#ifndef PP_TUILAYOUT_H
#define PP_TUILAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/view.h"

struct pp_diagnosis;

/* Columns the display takes for UTF-8 text (one per code point). */
int pp_tui_width(const char *s);

/* One piece of a line that may be left out: prio 0 is kept first. */
struct pp_tui_item {
    const char *text;
    int prio;
};
/* The items that fit in width columns, in their order, joined by sep,
 * into out; those of the highest prio are left out first.  Returns how
 * many were kept. */
size_t pp_tui_pack(const struct pp_tui_item *items, size_t n, int width, const char *sep,
                   char *out, size_t len);

/* The bytes of the ASCII text s shown in w columns; *cut when s is
 * longer: then w - 1 bytes, and the last column takes the ellipsis. */
size_t pp_tui_fit(const char *s, int w, bool *cut);

/* A time in the table: "-" when unknown, one decimal under 100 ms, whole
 * milliseconds from there. */
void pp_tui_ms(double ms, char *buf, size_t len);
/* MIN/AVG/MAX in the same way, "1.2/3.4/105". */
void pp_tui_stats(double min, double avg, double max, char *buf, size_t len);

/* The area badges ("Push:BLOCKED"): where each goes so that every one is
 * whole.  Tried in turn: full titles on one line, short titles on one
 * line, full then short titles on more lines (up to max_lines).  Returns
 * the lines used, or 0 when even that does not fit (the badges are then
 * laid on max_lines lines with short titles, the last ones cut). */
struct pp_tui_badge {
    const char *title, *short_title, *word;
};
struct pp_tui_badge_pos {
    int line, x;
    bool short_title;
};
int pp_tui_badges(const struct pp_tui_badge *b, size_t n, int width, int max_lines,
                  struct pp_tui_badge_pos *pos);

/* The checks table's columns. */
enum pp_tui_col {
    PP_COL_STATE, PP_COL_HOST, PP_COL_FAM, PP_COL_ADDR, PP_COL_PORT, PP_COL_REASON,
    PP_COL_LAST, PP_COL_LOSS, PP_COL_STATS, PP_COL_HIST, PP_COL__COUNT
};
const char *pp_tui_col_title(enum pp_tui_col);
/* The widest each variable column's cells want. */
struct pp_tui_colneed {
    int host, addr, reason;
};
struct pp_tui_cols {
    bool on[PP_COL__COUNT];
    int x[PP_COL__COUNT], w[PP_COL__COUNT];
};
/* The columns in width: dropped in a fixed order when narrow (STATE,
 * HOST, PORT and REASON never); the spare width to HOST up to 24 columns
 * (a common name whole), to REASON up to what its cells want, then to HOST,
 * then the history strip, then REASON again. */
void pp_tui_columns(int width, const struct pp_tui_colneed *need, struct pp_tui_cols *c);

/* The screen split: the header's lines, then the table, then the pane
 * (findings, details or capture), then the key line.  The pane gets at
 * least its share (a quarter of the lines, two fifths for details) and
 * more when the table needs less than the rest. */
struct pp_tui_split {
    int table_y0, table_y1;   /* the table's header line at table_y0, rows to table_y1 */
    int pane_y0, pane_y1;     /* the pane's title at pane_y0, text to pane_y1 (exclusive) */
    int keys_y;
};
void pp_tui_split(int lines, int head_h, int table_need, int pane_need, bool details,
                  struct pp_tui_split *s);

/* A scrolled list of items h[i] lines high in avail lines, from *top
 * (clamped so that the end shows as much as it can).  When not all fit,
 * the last line is for the marker ("n more"): *more is how many items
 * follow those shown, *above how many precede them.  Returns how many
 * are shown. */
size_t pp_tui_window(const int *h, size_t n, int avail, size_t *top, size_t *more,
                     size_t *above);

/* Word wrap in w columns: the bytes of s on its first line (at a space
 * past the middle when there is one), and the lines all of s takes. */
int pp_tui_wrap_cut(const char *s, int w);
int pp_tui_wrap_lines(const char *s, int w);

/* The orders of the table, in the order `o` cycles through them. */
enum pp_tui_sort {
    PP_SORT_SEVERITY, PP_SORT_SERVICE, PP_SORT_LATENCY, PP_SORT_LOSS, PP_SORT__COUNT
};
const char *pp_tui_sort_name(enum pp_tui_sort);
/* Sort the shown rows: severity (failing required first, then failing
 * optional, degraded, pending, expected, ok), service (the plan's order,
 * grouped), latency (slowest last time first; rows without a time last),
 * loss (the most lost first).  Ties keep the plan's order. */
void pp_tui_sort_rows(const struct pp_live_row **rows, size_t n, enum pp_tui_sort,
                      const struct pp_diagnosis *diag);

/* The search of `/`: the query is in the row's host or id (ignoring case);
 * an empty query matches everything. */
bool pp_tui_match(const struct pp_live_row *w, const char *query);

#endif
