/* SPDX-License-Identifier: ISC */
/*
 * Inside the dashboard: its state and the drawing helpers its files share
 * (tui.c: terminal, screen and keys; tuitable.c: the rows and the table;
 * tuipanes.c: findings, details, capture, help).  Only ui/tui*.c include
 * this; the rest of the program sees ui/tui.h.
 */
#ifndef PP_TUI_INT_H
#define PP_TUI_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <curses.h>

#include "ui/tui.h"
#include "ui/tuilayout.h"

enum { CP_OK = 1, CP_BAD, CP_WARN, CP_HEAD, CP_DIM };

enum tui_filter { F_ALL, F_FAILING, F_SERVICE };
enum tui_pane { PANE_FINDINGS, PANE_DETAILS, PANE_CAPTURE };

#define TUI_MAX_LINES 512

struct pp_tui {
    SCREEN *scr;
    bool color;
    bool utf8;
    bool mouse;               /* mouse events captured (m toggles) */
    enum tui_filter filter;
    enum pp_service fsvc;
    int family;               /* 0: both, 4, 6 */
    enum pp_tui_sort sort;
    char query[64];           /* the search of /, or "" */
    bool searching;           /* the query is being typed */
    enum tui_pane pane;
    bool help;
    char sel_id[256];         /* the selected row, kept across rebuilds */
    size_t sel;               /* index into the shown rows */
    size_t top;               /* first shown row on screen */
    size_t ftop;              /* first finding shown */
    const struct pp_live_row **shown;
    size_t nshown, capshown;
    const struct pp_diagnosis *diag;   /* of the view being drawn, or NULL */
    struct pp_tui_split split;         /* of the last frame */
    int rowat[TUI_MAX_LINES];          /* screen line -> shown row, or -1 */
};

/* tui.c */
int tui_attr(const struct pp_tui *, int pair, bool bold);
/* s at (y, x) in at most w columns (printable ASCII), padded when pad. */
void tui_put(int y, int x, int w, const char *s, bool pad);
/* The same, an ellipsis in the last column when s is cut. */
void tui_put_fit(const struct pp_tui *, int y, int x, int w, const char *s);
/* Word-wrapped text from (y, x) to the right edge; returns the next y. */
int tui_wrap(int y, int y1, int x, const char *s);

/* tuitable.c */
const char *tui_row_id(const struct pp_live_row *);
bool tui_row_expected(const struct pp_tui *, const struct pp_live_row *);
void tui_filter_rows(struct pp_tui *, const struct pp_live_view *);
/* The lines the table wants for its rows (group titles included). */
int tui_table_need(const struct pp_tui *);
void tui_draw_table(struct pp_tui *, int y0, int y1);
void tui_select(struct pp_tui *, size_t index);
void tui_move_sel(struct pp_tui *, long by);

/* tuipanes.c */
int tui_findings_need(const struct pp_live_view *);
void tui_draw_findings(struct pp_tui *, const struct pp_live_view *, int y0, int y1);
void tui_draw_details(struct pp_tui *, const struct pp_live_view *, int y0, int y1);
void tui_draw_capture(struct pp_tui *, const struct pp_live_view *, int y0, int y1);
void tui_draw_help(struct pp_tui *);

#endif
