/* SPDX-License-Identifier: ISC */
/* The dashboard's layout rules (see tuilayout.h): pure, no curses. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diagnose/diagnose.h"
#include "ui/tuilayout.h"

int
pp_tui_width(const char *s)
{
    int n = 0;

    for (; s != NULL && *s != '\0'; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* ------------------------------------------------------------ lines */

static int
pack_width(const struct pp_tui_item *items, size_t n, const bool *keep, int sepw)
{
    int w = 0, k = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (keep[i]) {
            w += (k++ > 0 ? sepw : 0) + pp_tui_width(items[i].text);
        }
    return w;
}

size_t
pp_tui_pack(const struct pp_tui_item *items, size_t n, int width, const char *sep, char *out,
            size_t len)
{
    bool keep[32];
    size_t i, kept = 0, off = 0;
    int sepw = pp_tui_width(sep);

    if (n > 32)
        n = 32;
    for (i = 0; i < n; i++)
        keep[i] = items[i].text != NULL && items[i].text[0] != '\0';
    while (pack_width(items, n, keep, sepw) > width) {
        size_t worst = n;
        for (i = 0; i < n; i++)
            if (keep[i] && (worst == n || items[i].prio >= items[worst].prio))
                worst = i;
        if (worst == n)
            break;
        keep[worst] = false;
    }
    if (len > 0)
        out[0] = '\0';
    for (i = 0; i < n && off < len; i++) {
        int m;
        if (!keep[i])
            continue;
        m = snprintf(out + off, len - off, "%s%s", kept > 0 ? sep : "", items[i].text);
        if (m < 0)
            break;
        off += (size_t)m;
        kept++;
    }
    return kept;
}

size_t
pp_tui_fit(const char *s, int w, bool *cut)
{
    size_t n = s != NULL ? strlen(s) : 0;

    *cut = false;
    if (w <= 0)
        return 0;
    if (n <= (size_t)w)
        return n;
    *cut = true;
    return (size_t)w - 1;
}

void
pp_tui_ms(double ms, char *buf, size_t len)
{
    if (ms < 0)
        snprintf(buf, len, "-");
    else if (ms < 99.95)
        snprintf(buf, len, "%.1f", ms);
    else
        snprintf(buf, len, "%.0f", ms);
}

void
pp_tui_stats(double min, double avg, double max, char *buf, size_t len)
{
    char a[24], b[24], c[24];

    pp_tui_ms(min, a, sizeof(a));
    pp_tui_ms(avg, b, sizeof(b));
    pp_tui_ms(max, c, sizeof(c));
    snprintf(buf, len, "%s/%s/%s", a, b, c);
}

/* ------------------------------------------------------------ badges */

/* Lay the badges greedily on lines from x = 1; the lines used, or 0 when
 * more than max_lines would be needed or one is wider than the line. */
static int
badges_try(const struct pp_tui_badge *b, size_t n, int width, int max_lines, bool short_t,
           struct pp_tui_badge_pos *pos)
{
    int line = 0, x = 1;
    size_t i;

    for (i = 0; i < n; i++) {
        const char *title = short_t && b[i].short_title != NULL ? b[i].short_title : b[i].title;
        int w = pp_tui_width(title) + 1 + pp_tui_width(b[i].word);
        if (x > 1 && x + w > width) {
            line++;
            x = 1;
        }
        if (line >= max_lines || 1 + w > width)
            return 0;
        pos[i].line = line;
        pos[i].x = x;
        pos[i].short_title = short_t;
        x += w + 2;
    }
    return line + 1;
}

int
pp_tui_badges(const struct pp_tui_badge *b, size_t n, int width, int max_lines,
              struct pp_tui_badge_pos *pos)
{
    int lines, k;

    if (max_lines < 1)
        max_lines = 1;
    for (k = 1; k <= max_lines; k++) {
        if ((lines = badges_try(b, n, width, k, false, pos)) > 0)
            return lines;
        if ((lines = badges_try(b, n, width, k, true, pos)) > 0)
            return lines;
    }
    /* Too narrow for them all: short titles on every line, cut at the end. */
    for (k = 0; (size_t)k < n; k++) {
        pos[k].line = k % max_lines;
        pos[k].x = 1;
        pos[k].short_title = true;
    }
    return 0;
}

/* ------------------------------------------------------------ columns */

static const struct {
    const char *title;
    int width;
    int drop;     /* dropped first when narrow: highest first; 0 never */
} cols[PP_COL__COUNT] = {
    [PP_COL_STATE] = {"STATE", 11, 0},
    [PP_COL_HOST] = {"HOST", 20, 0},
    [PP_COL_FAM] = {"IP", 2, 5},
    [PP_COL_ADDR] = {"ADDRESS", 15, 7},
    [PP_COL_PORT] = {"PORT", 5, 0},
    [PP_COL_REASON] = {"REASON", 16, 0},
    [PP_COL_LAST] = {"LAST", 6, 4},
    [PP_COL_LOSS] = {"LOSS", 5, 6},
    [PP_COL_STATS] = {"MIN/AVG/MAX", 17, 9},
    [PP_COL_HIST] = {"HISTORY", 8, 8},
};

const char *
pp_tui_col_title(enum pp_tui_col c)
{
    return (unsigned)c < PP_COL__COUNT ? cols[c].title : "?";
}

static int
cols_total(const struct pp_tui_cols *c)
{
    int i, total = 0;

    for (i = 0; i < PP_COL__COUNT; i++)
        if (c->on[i])
            total += c->w[i] + 1;
    return total;
}

/* Give column i up to want columns more out of *extra. */
static void
give(struct pp_tui_cols *c, int i, int want, int *extra)
{
    int g = want < *extra ? want : *extra;

    if (c->on[i] && g > 0) {
        c->w[i] += g;
        *extra -= g;
    }
}

void
pp_tui_columns(int width, const struct pp_tui_colneed *need, struct pp_tui_cols *c)
{
    int i, x, extra, addrw = need->addr > 15 ? need->addr : 15;

    for (i = 0; i < PP_COL__COUNT; i++) {
        c->on[i] = true;
        c->w[i] = cols[i].width;
    }
    c->w[PP_COL_ADDR] = addrw > 39 ? 39 : addrw;
    while (cols_total(c) > width) {
        int worst = -1;
        for (i = 0; i < PP_COL__COUNT; i++)
            if (c->on[i] && cols[i].drop > 0 && (worst < 0 || cols[i].drop > cols[worst].drop))
                worst = i;
        if (worst < 0)
            break;
        c->on[worst] = false;
    }
    extra = width - cols_total(c);
    if (extra > 0) {
        /* A common host name whole first (courier.push.apple.com). */
        give(c, PP_COL_HOST, (need->host < 24 ? need->host : 24) - c->w[PP_COL_HOST], &extra);
        give(c, PP_COL_REASON, need->reason - c->w[PP_COL_REASON], &extra);
        give(c, PP_COL_HOST, need->host - c->w[PP_COL_HOST], &extra);
        give(c, PP_COL_HIST, PP_HIST_LEN - c->w[PP_COL_HIST], &extra);
        give(c, PP_COL_REASON, extra, &extra);
    }
    for (i = 0, x = 0; i < PP_COL__COUNT; i++)
        if (c->on[i]) {
            c->x[i] = x;
            x += c->w[i] + 1;
        }
}

/* ------------------------------------------------------------ panes */

void
pp_tui_split(int lines, int head_h, int table_need, int pane_need, bool details,
             struct pp_tui_split *s)
{
    int body, pane_min, pane_h;

    s->keys_y = lines - 1;
    s->table_y0 = head_h;
    body = s->keys_y - head_h;              /* table and pane together */
    pane_min = details ? lines * 2 / 5 : lines / 4;
    if (pane_min < 4)
        pane_min = 4;
    pane_h = pane_need + 1;                 /* its title line */
    if (pane_h < pane_min)
        pane_h = pane_min;
    /* The table keeps what it needs (its header and rows) when it can. */
    if (body - pane_h < table_need + 1)
        pane_h = body - (table_need + 1) > pane_min ? body - (table_need + 1) : pane_min;
    if (pane_h > body - 2)
        pane_h = body - 2 > 1 ? body - 2 : 1;
    s->pane_y0 = s->keys_y - pane_h;
    s->pane_y1 = s->keys_y;
    s->table_y1 = s->pane_y0;
}

size_t
pp_tui_window(const int *h, size_t n, int avail, size_t *top, size_t *more, size_t *above)
{
    size_t i, shown = 0;
    int used = 0, total = 0;

    for (i = 0; i < n; i++)
        total += h[i];
    *more = *above = 0;
    if (n == 0 || avail <= 0) {
        *top = 0;
        *more = n;
        return 0;
    }
    if (total <= avail) {
        *top = 0;
        return n;
    }
    avail--;                                /* the marker's line */
    if (*top >= n)
        *top = n - 1;
    /* Not past the point where the last items fill the window. */
    for (used = 0, i = n; i > 0 && used + h[i - 1] <= avail; i--)
        used += h[i - 1];
    if (i < n && *top > i)
        *top = i;
    for (used = 0, i = *top; i < n && (used + h[i] <= avail || shown == 0); i++) {
        used += h[i];
        shown++;
    }
    *more = n - *top - shown;
    *above = *top;
    return shown;
}

int
pp_tui_wrap_cut(const char *s, int w)
{
    int n = (int)strlen(s), cut = n;

    if (n > w) {
        cut = w;
        while (cut > w / 2 && s[cut] != ' ')
            cut--;
        if (s[cut] != ' ')
            cut = w;
    }
    return cut;
}

int
pp_tui_wrap_lines(const char *s, int w)
{
    int lines = 0;

    while (s != NULL && *s != '\0' && w > 0) {
        s += pp_tui_wrap_cut(s, w);
        while (*s == ' ')
            s++;
        lines++;
    }
    return lines;
}

/* ------------------------------------------------------------ order */

const char *
pp_tui_sort_name(enum pp_tui_sort s)
{
    static const char *const names[PP_SORT__COUNT] = {
        [PP_SORT_SEVERITY] = "severity", [PP_SORT_SERVICE] = "service",
        [PP_SORT_LATENCY] = "latency", [PP_SORT_LOSS] = "loss",
    };
    return (unsigned)s < PP_SORT__COUNT ? names[s] : "?";
}

static const struct pp_diagnosis *sort_diag;   /* for qsort's comparison */
static enum pp_tui_sort sort_by;

/* 0: a required check failing ... 5: working. */
static int
severity_rank(const struct pp_live_row *w)
{
    const struct pp_result *r = w->r;

    if (r == NULL || r->state == PP_ST_PENDING)
        return 3;
    if (pp_state_is_ok(r->state))
        return 5;
    if (r->id != NULL && pp_diagnosis_expected(sort_diag, r->id))
        return 4;
    if (r->state == PP_ST_UNEXPECTED || r->state == PP_ST_TLS_FAILED)
        return 2;
    return w->t->required ? 0 : 1;
}

static double
row_latency(const struct pp_live_row *w)
{
    if (w->r == NULL || w->r->state == PP_ST_PENDING || !pp_state_is_ok(w->r->state))
        return -1;
    return w->r->t_total;
}

static double
row_loss(const struct pp_live_row *w)
{
    return w->h != NULL && w->h->runs > 0 ? (double)w->h->lost / w->h->runs : -1;
}

static int
cmp_rows(const void *a, const void *b)
{
    const struct pp_live_row *x = *(const struct pp_live_row *const *)a;
    const struct pp_live_row *y = *(const struct pp_live_row *const *)b;
    double dx = 0, dy = 0;

    switch (sort_by) {
    case PP_SORT_SEVERITY:
        dx = -severity_rank(x);
        dy = -severity_rank(y);
        break;
    case PP_SORT_LATENCY:
        dx = row_latency(x);
        dy = row_latency(y);
        break;
    case PP_SORT_LOSS:
        dx = row_loss(x);
        dy = row_loss(y);
        break;
    default:
        break;
    }
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

void
pp_tui_sort_rows(const struct pp_live_row **rows, size_t n, enum pp_tui_sort by,
                 const struct pp_diagnosis *diag)
{
    sort_diag = diag;
    sort_by = by;
    if (n > 1)
        qsort(rows, n, sizeof(*rows), cmp_rows);
    sort_diag = NULL;
}

bool
pp_tui_match(const struct pp_live_row *w, const char *query)
{
    const char *id;
    size_t q = query != NULL ? strlen(query) : 0, i, n;

    if (q == 0)
        return true;
    for (int k = 0; k < 2; k++) {
        id = k == 0 ? w->t->host : w->r != NULL ? w->r->id : NULL;
        n = id != NULL ? strlen(id) : 0;
        for (i = 0; i + q <= n; i++)
            if (strncasecmp(id + i, query, q) == 0)
                return true;
    }
    return false;
}
