/* SPDX-License-Identifier: ISC */
/*
 * The dashboard's checks table (see tui_int.h): which rows show (filter,
 * family, search), in what order (o), and how they are drawn in the
 * columns ui/tuilayout.c plans.
 */
#include "config.h"

#ifdef HAVE_NCURSES

#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/diagnose.h"
#include "ui/tui_int.h"
#include "core/util.h"

static int
state_pair(enum pp_state s)
{
    if (s == PP_ST_PENDING)
        return CP_DIM;
    if (pp_state_is_ok(s))
        return CP_OK;
    if (s == PP_ST_UNEXPECTED || s == PP_ST_TLS_FAILED)
        return CP_WARN;
    return CP_BAD;
}

/* The last complete run's diagnosis lists the row's check as expected
 * (a retired port, a check that does not apply). */
bool
tui_row_expected(const struct pp_tui *t, const struct pp_live_row *w)
{
    return w->r != NULL && w->r->id != NULL && !pp_state_is_ok(w->r->state) &&
           pp_diagnosis_expected(t->diag, w->r->id);
}

static bool
row_failing(const struct pp_tui *t, const struct pp_live_row *w)
{
    return w->r != NULL && w->r->state != PP_ST_PENDING && !pp_state_is_ok(w->r->state) &&
           !tui_row_expected(t, w);
}

static bool
row_shown(const struct pp_tui *t, const struct pp_live_row *w)
{
    if (t->filter == F_FAILING && !row_failing(t, w))
        return false;
    if (t->filter == F_SERVICE && w->t->service != t->fsvc)
        return false;
    if (t->family != 0 && w->r != NULL && w->r->family != 0 &&
        (w->r->family == AF_INET ? 4 : 6) != t->family)
        return false;
    return pp_tui_match(w, t->query);
}

const char *
tui_row_id(const struct pp_live_row *w)
{
    return w->r != NULL && w->r->id != NULL ? w->r->id : w->t->host;
}

/* Rebuild the shown rows in the order asked for and find the selection
 * again by its id. */
void
tui_filter_rows(struct pp_tui *t, const struct pp_live_view *v)
{
    size_t i;

    t->diag = v->diag;
    if (v->nrows > t->capshown) {
        t->capshown = v->nrows * 2;
        t->shown = pp_xrealloc(t->shown, t->capshown, sizeof(*t->shown));
    }
    t->nshown = 0;
    for (i = 0; i < v->nrows; i++)
        if (row_shown(t, &v->rows[i]))
            t->shown[t->nshown++] = &v->rows[i];
    if (t->sort != PP_SORT_SERVICE)
        pp_tui_sort_rows(t->shown, t->nshown, t->sort, v->diag);
    for (i = 0; t->sel_id[0] != '\0' && i < t->nshown; i++)
        if (strcmp(tui_row_id(t->shown[i]), t->sel_id) == 0) {
            t->sel = i;
            break;
        }
    if (t->sel >= t->nshown)
        t->sel = t->nshown > 0 ? t->nshown - 1 : 0;
    if (t->nshown > 0)
        snprintf(t->sel_id, sizeof(t->sel_id), "%s", tui_row_id(t->shown[t->sel]));
}

void
tui_select(struct pp_tui *t, size_t index)
{
    if (index >= t->nshown)
        return;
    t->sel = index;
    snprintf(t->sel_id, sizeof(t->sel_id), "%s", tui_row_id(t->shown[t->sel]));
}

void
tui_move_sel(struct pp_tui *t, long by)
{
    long n = (long)t->nshown, s = (long)t->sel + by;

    if (n == 0)
        return;
    if (s < 0)
        s = 0;
    if (s >= n)
        s = n - 1;
    tui_select(t, (size_t)s);
}

/* Group titles: only in the plan's order, where rows of a service meet. */
static bool
new_group(const struct pp_tui *t, size_t k)
{
    return t->sort == PP_SORT_SERVICE &&
           (k == 0 || t->shown[k]->t->service != t->shown[k - 1]->t->service);
}

int
tui_table_need(const struct pp_tui *t)
{
    size_t k;
    int n = 0;

    for (k = 0; k < t->nshown; k++)
        n += 1 + (k == 0 || new_group(t, k));
    return n > 0 ? n : 1;
}

/* The REASON cell: the summary of a check that works; otherwise the
 * reason, and for a rejected check who rejected it (the router that sent
 * the ICMP error). */
static void
reason_text(const struct pp_result *r, int width, char *buf, size_t len)
{
    if (r->summary != NULL && pp_state_is_ok(r->state))
        snprintf(buf, len, "%s", r->summary);
    else if (r->icmp_from[0] != '\0' &&
             (int)(strlen(pp_reason_name(r->reason)) + 4 + strlen(r->icmp_from)) <= width)
        snprintf(buf, len, "%s by %s", pp_reason_name(r->reason), r->icmp_from);
    else if (r->icmp_from[0] != '\0')
        snprintf(buf, len, "by %s", r->icmp_from);   /* who matters most; Enter: why */
    else
        snprintf(buf, len, "%s", pp_reason_name(r->reason));
}

/* What the variable columns' cells want, capped. */
static void
col_needs(const struct pp_tui *t, struct pp_tui_colneed *need)
{
    size_t k;
    char rb[256];

    need->host = need->addr = need->reason = 0;
    for (k = 0; k < t->nshown; k++) {
        const struct pp_result *r = t->shown[k]->r;
        int n = (int)strlen(t->shown[k]->t->host);
        if (n > need->host)
            need->host = n > 60 ? 60 : n;
        if (r == NULL)
            continue;
        if ((int)strlen(r->address) > need->addr)
            need->addr = (int)strlen(r->address);
        reason_text(r, 1000, rb, sizeof(rb));
        n = (int)strlen(rb);
        if (n > need->reason)
            need->reason = n > 80 ? 80 : n;
    }
}

static void
sparkline(struct pp_tui *t, const struct pp_hist *h, int y, int x, int w)
{
    static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
                                       "\u2586", "\u2587", "\u2588"};
    static const char ascii[] = "_.-=+*#%";
    double hi = 0;
    unsigned i, n, from;

    if (h == NULL || h->count == 0)
        return;
    n = h->count < (unsigned)w ? h->count : (unsigned)w;
    from = h->count - n;
    for (i = from; i < h->count; i++) {
        float v = h->lat[(h->head + i) % PP_HIST_LEN];
        if (v >= 0 && v > hi)
            hi = v;
    }
    move(y, x);
    for (i = from; i < h->count; i++) {
        float v = h->lat[(h->head + i) % PP_HIST_LEN];
        int level;
        if (v < 0) {
            attron(tui_attr(t, CP_BAD, true));
            addch('x');
            attroff(tui_attr(t, CP_BAD, true));
            continue;
        }
        /* Bars from zero: a strip of equal times stays flat and low. */
        level = hi > 0 ? (int)(v / hi * 7.0 + 0.5) : 0;
        level = level < 0 ? 0 : level > 7 ? 7 : level;
        if (t->utf8)
            addstr(bars[level]);
        else
            addch((chtype)(unsigned char)ascii[level]);
    }
}

/* The STATE cell. */
static void
draw_state(struct pp_tui *t, const struct pp_tui_cols *lo, int y, const struct pp_live_row *w,
           int base)
{
    const struct pp_result *r = w->r;
    char buf[64];

    if (r == NULL || (w->running && r->state == PP_ST_PENDING)) {
        attrset(base | tui_attr(t, CP_DIM, false));
        snprintf(buf, sizeof(buf), "%s", r == NULL ? "resolving" : "probing");
    } else if (tui_row_expected(t, w)) {
        /* Retired or not applicable: shown as expected, not as a failure. */
        attrset(base | tui_attr(t, CP_DIM, false));
        snprintf(buf, sizeof(buf), "expected%s", w->running ? "*" : "");
    } else {
        attrset(base | tui_attr(t, state_pair(r->state), !pp_state_is_ok(r->state)));
        snprintf(buf, sizeof(buf), "%s%s", pp_state_name(r->state), w->running ? "*" : "");
    }
    tui_put(y, lo->x[PP_COL_STATE], lo->w[PP_COL_STATE], buf, true);
    attrset(base);
}

/* The numbers: last time, loss, min/avg/max, the history strip. */
static void
draw_numbers(struct pp_tui *t, const struct pp_tui_cols *lo, int y, const struct pp_live_row *w)
{
    const struct pp_result *r = w->r;
    const struct pp_hist *h = w->h;
    char buf[64];

    if (lo->on[PP_COL_LAST] && r != NULL && r->t_total >= 0 && r->state != PP_ST_PENDING) {
        char ms[24];
        pp_tui_ms(r->t_total, ms, sizeof(ms));
        snprintf(buf, sizeof(buf), "%6s", ms);
        tui_put(y, lo->x[PP_COL_LAST], lo->w[PP_COL_LAST], buf, true);
    }
    if (h != NULL && lo->on[PP_COL_LOSS]) {
        snprintf(buf, sizeof(buf), "%3.0f%%", h->runs ? 100.0 * h->lost / h->runs : 0.0);
        tui_put(y, lo->x[PP_COL_LOSS], lo->w[PP_COL_LOSS], buf, true);
    }
    if (h != NULL && h->nlat > 0 && lo->on[PP_COL_STATS]) {
        pp_tui_stats(h->min_ms, h->sum_ms / h->nlat, h->max_ms, buf, sizeof(buf));
        tui_put(y, lo->x[PP_COL_STATS], lo->w[PP_COL_STATS], buf, true);
    }
    if (lo->on[PP_COL_HIST])
        sparkline(t, h, y, lo->x[PP_COL_HIST], lo->w[PP_COL_HIST]);
}

static void
draw_row(struct pp_tui *t, const struct pp_tui_cols *lo, int y, const struct pp_live_row *w,
         bool selected)
{
    const struct pp_result *r = w->r;
    char buf[256];
    int base = selected ? A_REVERSE : 0;

    attrset(base);
    tui_put(y, 0, COLS, "", true);
    draw_state(t, lo, y, w, base);
    tui_put_fit(t, y, lo->x[PP_COL_HOST], lo->w[PP_COL_HOST], w->t->host);
    if (lo->on[PP_COL_FAM])
        tui_put(y, lo->x[PP_COL_FAM], lo->w[PP_COL_FAM],
                r == NULL || r->family == 0 ? "-" : r->family == AF_INET ? "v4" : "v6", true);
    if (lo->on[PP_COL_ADDR])
        tui_put_fit(t, y, lo->x[PP_COL_ADDR], lo->w[PP_COL_ADDR],
                    r != NULL && r->has_address ? r->address : "-");
    snprintf(buf, sizeof(buf), "%u", w->t->port);
    tui_put(y, lo->x[PP_COL_PORT], lo->w[PP_COL_PORT], buf, true);
    if (lo->on[PP_COL_REASON] && r != NULL && r->state != PP_ST_PENDING) {
        reason_text(r, lo->w[PP_COL_REASON], buf, sizeof(buf));
        tui_put_fit(t, y, lo->x[PP_COL_REASON], lo->w[PP_COL_REASON], buf);
    }
    draw_numbers(t, lo, y, w);
    attrset(A_NORMAL);
}

/* Scroll so the selection stays on screen (group titles count). */
static void
scroll_to_sel(struct pp_tui *t, int lines)
{
    size_t k;
    int need;

    if (t->sel < t->top)
        t->top = t->sel;
    for (;;) {
        need = 0;
        for (k = t->top; k <= t->sel && k < t->nshown; k++)
            need += 1 + (k == t->top ? t->sort == PP_SORT_SERVICE : new_group(t, k));
        if (need <= lines || t->top >= t->sel)
            break;
        t->top++;
    }
}

/* The table between y0 and y1 (exclusive), group titles included. */
void
tui_draw_table(struct pp_tui *t, int y0, int y1)
{
    struct pp_tui_colneed need;
    struct pp_tui_cols lo;
    int i, y, lines = y1 - y0 - 1;
    size_t k;

    col_needs(t, &need);
    pp_tui_columns(COLS, &need, &lo);
    attrset(tui_attr(t, CP_HEAD, true) | A_UNDERLINE);
    tui_put(y0, 0, COLS, "", true);
    for (i = 0; i < PP_COL__COUNT; i++)
        if (lo.on[i])
            tui_put(y0, lo.x[i], lo.w[i], pp_tui_col_title((enum pp_tui_col)i), true);
    attrset(A_NORMAL);
    if (lines <= 0)
        return;
    if (t->nshown == 0) {
        tui_put(y0 + 1, 1, COLS - 1, t->query[0] != '\0' ? "no host matches the search" :
                t->filter == F_FAILING ? "no failing checks" : "no checks", false);
        return;
    }
    scroll_to_sel(t, lines);
    y = y0 + 1;
    for (k = t->top; k < t->nshown && y < y1; k++) {
        const struct pp_live_row *w = t->shown[k];
        if (k == t->top ? t->sort == PP_SORT_SERVICE : new_group(t, k)) {
            attrset(tui_attr(t, CP_HEAD, true));
            tui_put(y, 0, COLS, pp_service_title(w->t->service), true);
            attrset(A_NORMAL);
            if (++y >= y1)
                break;
        }
        if (y < TUI_MAX_LINES)
            t->rowat[y] = (int)k;
        draw_row(t, &lo, y++, w, k == t->sel);
    }
}

#endif /* HAVE_NCURSES */
