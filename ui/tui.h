/* SPDX-License-Identifier: ISC */
/*
 * The curses dashboard: a leaf that draws a struct pp_live_view and turns
 * keys into actions.  Five calls, in the spirit of mtr's ui/mtr-curses.h.
 */
#ifndef PP_TUI_H
#define PP_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/view.h"

struct pp_tui;

/* Take over the terminal.  NULL with err set when it cannot. */
struct pp_tui *pp_tui_open(bool color, char *err, size_t errlen);
/* Give the terminal back as it was; safe to call twice. */
void pp_tui_close(struct pp_tui *);
/* Draw the whole screen from the view. */
void pp_tui_draw(struct pp_tui *, const struct pp_live_view *);
/* Read the keys waiting on the terminal: the actions they ask for go to
 * acts (at most max, in order; the count is returned).  Moving, filters,
 * panes and help are the UI's own business and only ask for a redraw.
 * *hangup is set when the terminal is gone. */
size_t pp_tui_input(struct pp_tui *, const struct pp_live_view *, enum pp_ui_action *acts,
                    size_t max, bool *hangup);
/* The id of the selected row, or NULL when no row is shown. */
const char *pp_tui_selected(const struct pp_tui *);
/* The terminal changed size. */
void pp_tui_resize(struct pp_tui *);

/* From a fatal signal handler: put the terminal back (async-signal-safe). */
void pp_tui_emergency(void);

#endif
