/*
 * The curses dashboard (ncursesw).  A leaf: it reads struct pp_live_view,
 * keeps only its own state (selection, filter, panes), and turns keys into
 * actions for src/app/live.c.  Layout, top to bottom: header (status, verdict
 * badges, route and resolver), the checks table grouped by service, the
 * findings pane or the detail pane of the selected row, the key line.
 * Columns go in a fixed order when the terminal is narrow; every state is
 * a word, so the screen reads the same without colour.
 */
#include "config.h"

#ifdef HAVE_NCURSES

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "capture/capture.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "engine/trace.h"
#include "ui/report.h"
#include "ui/tui.h"
#include "core/util.h"

enum { CP_OK = 1, CP_BAD, CP_WARN, CP_HEAD, CP_DIM };

enum filter { F_ALL, F_FAILING, F_SERVICE };
enum pane { PANE_FINDINGS, PANE_DETAILS, PANE_CAPTURE };

struct pp_tui {
    SCREEN *scr;
    bool color;
    bool utf8;
    enum filter filter;
    enum pp_service fsvc;
    int family;               /* 0: both, 4, 6 */
    enum pane pane;
    bool help;
    char sel_id[256];         /* the selected row, kept across rebuilds */
    size_t sel;               /* index into the shown rows */
    size_t top;               /* first shown row on screen */
    const struct pp_live_row **shown;
    size_t nshown, capshown;
    const struct pp_diagnosis *diag;   /* of the view being drawn, or NULL */
};

/* For pp_tui_emergency(): what it takes to give the terminal back from a
 * signal handler, captured while things were calm. */
static struct termios saved_tio;
static bool tio_saved;
static volatile sig_atomic_t curses_on;
static char rmcup_seq[64];
static char cnorm_seq[64];

static void
copy_cap(char *dst, size_t len, const char *name)
{
    char *s = tigetstr(name);

    dst[0] = '\0';
    if (s != NULL && s != (char *)-1 && strlen(s) < len)
        memcpy(dst, s, strlen(s) + 1);
}

void
pp_tui_emergency(void)
{
    if (!curses_on)
        return;
    curses_on = 0;
    if (rmcup_seq[0] != '\0')
        (void)!write(STDOUT_FILENO, rmcup_seq, strlen(rmcup_seq));
    if (cnorm_seq[0] != '\0')
        (void)!write(STDOUT_FILENO, cnorm_seq, strlen(cnorm_seq));
    if (tio_saved)
        tcsetattr(STDOUT_FILENO, TCSANOW, &saved_tio);
}

struct pp_tui *
pp_tui_open(bool color, char *err, size_t errlen)
{
    struct pp_tui *t;
    const char *cs;

    setlocale(LC_CTYPE, "");
    cs = nl_langinfo(CODESET);
    if (tcgetattr(STDOUT_FILENO, &saved_tio) == 0)
        tio_saved = true;
    t = pp_xcalloc(1, sizeof(*t));
    t->utf8 = cs != NULL && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
    t->scr = newterm(NULL, stdout, stdin);
    if (t->scr == NULL) {
        snprintf(err, errlen, "cannot start the dashboard on this terminal (TERM=%s)",
                 getenv("TERM") != NULL ? getenv("TERM") : "unset");
        free(t);
        return NULL;
    }
    set_term(t->scr);
    copy_cap(rmcup_seq, sizeof(rmcup_seq), "rmcup");
    copy_cap(cnorm_seq, sizeof(cnorm_seq), "cnorm");
    curses_on = 1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    t->color = color && has_colors();
    if (t->color) {
        start_color();
        use_default_colors();
        init_pair(CP_OK, COLOR_GREEN, -1);
        init_pair(CP_BAD, COLOR_RED, -1);
        init_pair(CP_WARN, COLOR_YELLOW, -1);
        init_pair(CP_HEAD, COLOR_CYAN, -1);
        init_pair(CP_DIM, COLOR_BLUE, -1);
    }
    return t;
}

void
pp_tui_close(struct pp_tui *t)
{
    if (t == NULL || t->scr == NULL)
        return;
    endwin();
    curses_on = 0;
    if (tio_saved)
        tcsetattr(STDOUT_FILENO, TCSANOW, &saved_tio);
    delscreen(t->scr);
    t->scr = NULL;
    free(t->shown);
    free(t);
}

const char *
pp_tui_selected(const struct pp_tui *t)
{
    return t->sel_id[0] != '\0' ? t->sel_id : NULL;
}

void
pp_tui_resize(struct pp_tui *t)
{
    struct winsize ws;

    (void)t;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    clearok(curscr, TRUE);
}

/* ------------------------------------------------------------ helpers */

static int
attr_for(struct pp_tui *t, int pair, bool bold)
{
    int a = bold ? A_BOLD : 0;

    if (t->color && pair != 0)
        a |= COLOR_PAIR(pair);
    return a;
}

/* Write s at (y, x) in at most w columns, padding with spaces when pad. */
static void
put(int y, int x, int w, const char *s, bool pad)
{
    int n = 0;

    if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
        return;
    if (x + w > COLS)
        w = COLS - x;
    move(y, x);
    for (; s != NULL && *s != '\0' && n < w; s++, n++)
        addch((chtype)(unsigned char)(*s >= 32 && *s < 127 ? *s : '?'));
    for (; pad && n < w; n++)
        addch(' ');
}

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

static int
verdict_pair(enum pp_verdict_v v)
{
    switch (v) {
    case PP_V_OK: return CP_OK;
    case PP_V_DEGRADED: return CP_WARN;
    case PP_V_BLOCKED: return CP_BAD;
    default: return CP_DIM;
    }
}

static void
clock_str(time_t when, char *buf, size_t len)
{
    struct tm tm;

    if (when == 0 || localtime_r(&when, &tm) == NULL)
        snprintf(buf, len, "-");
    else
        strftime(buf, len, "%H:%M:%S", &tm);
}

/* The last complete run's diagnosis lists the row's check as expected
 * (a retired port, a check that does not apply). */
static bool
row_expected(const struct pp_tui *t, const struct pp_live_row *w)
{
    return w->r != NULL && w->r->id != NULL && !pp_state_is_ok(w->r->state) &&
           pp_diagnosis_expected(t->diag, w->r->id);
}

static bool
row_failing(const struct pp_tui *t, const struct pp_live_row *w)
{
    return w->r != NULL && w->r->state != PP_ST_PENDING && !pp_state_is_ok(w->r->state) &&
           !row_expected(t, w);
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
    return true;
}

static const char *
row_id(const struct pp_live_row *w)
{
    return w->r != NULL && w->r->id != NULL ? w->r->id : w->t->host;
}

/* Rebuild the shown rows and find the selection again by its id. */
static void
filter_rows(struct pp_tui *t, const struct pp_live_view *v)
{
    size_t i;
    bool found = false;

    t->diag = v->diag;
    if (v->nrows > t->capshown) {
        t->capshown = v->nrows * 2;
        t->shown = pp_xrealloc(t->shown, t->capshown, sizeof(*t->shown));
    }
    t->nshown = 0;
    for (i = 0; i < v->nrows; i++) {
        if (!row_shown(t, &v->rows[i]))
            continue;
        if (!found && t->sel_id[0] != '\0' && strcmp(row_id(&v->rows[i]), t->sel_id) == 0) {
            t->sel = t->nshown;
            found = true;
        }
        t->shown[t->nshown++] = &v->rows[i];
    }
    if (t->sel >= t->nshown)
        t->sel = t->nshown > 0 ? t->nshown - 1 : 0;
    if (t->nshown > 0)
        snprintf(t->sel_id, sizeof(t->sel_id), "%s", row_id(t->shown[t->sel]));
}

/* ------------------------------------------------------------- header */

static void
draw_header(struct pp_tui *t, const struct pp_live_view *v)
{
    char buf[256], a[16], b[16];
    const char *status = v->nrows == 0 && v->capture != NULL ? "watching" : "starting";
    int x, i;

    if (v->last != NULL && v->last->n > 0) {
        /* The word the report and the exit status use. */
        struct pp_summary s;
        pp_summarize(v->last, &s);
        status = s.status_name;
    }
    attrset(attr_for(t, CP_HEAD, true));
    put(0, 0, COLS, " pushprobe", true);
    attrset(A_NORMAL);
    x = 11;
    attrset(attr_for(t, strcmp(status, "ok") == 0 ? CP_OK :
                     strcmp(status, "failed") == 0 ? CP_BAD : CP_WARN, true));
    snprintf(buf, sizeof(buf), "%s", status);
    for (i = 0; buf[i] != '\0'; i++)
        buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
    put(0, x, (int)strlen(buf), buf, false);
    x += (int)strlen(buf) + 2;
    attrset(A_NORMAL);
    clock_str(v->last_end, a, sizeof(a));
    if (v->running)
        snprintf(b, sizeof(b), "%zu/%zu", v->done, v->total);
    else if (v->paused)
        snprintf(b, sizeof(b), "paused");
    else
        clock_str(v->next_run, b, sizeof(b));
    snprintf(buf, sizeof(buf), "runs %lu  last %s  %s %s  every %.0fs", v->runs, a,
             v->running ? "running" : v->paused ? "" : "next", b, v->interval_s);
    put(0, x, COLS - x, buf, false);

    /* Verdict badges, one per area. */
    x = 1;
    for (i = 0; i < PP_AREA__COUNT && x < COLS; i++) {
        enum pp_verdict_v vd = v->diag != NULL ? v->diag->verdict[i] : PP_V_NOT_CHECKED;
        const char *word = vd == PP_V_OK ? "OK" : vd == PP_V_DEGRADED ? "DEGRADED" :
                           vd == PP_V_BLOCKED ? "BLOCKED" : "-";
        int n;
        snprintf(buf, sizeof(buf), "%s:", pp_area_title((enum pp_area)i));
        n = (int)strlen(buf);
        attrset(A_NORMAL);
        put(1, x, n, buf, false);
        attrset(attr_for(t, verdict_pair(vd), vd != PP_V_NOT_CHECKED));
        put(1, x + n, (int)strlen(word), word, false);
        x += n + (int)strlen(word) + 2;
    }
    attrset(A_NORMAL);

    snprintf(buf, sizeof(buf), " via %s  resolver %s  view %s%s  family %s",
             v->cx != NULL && v->cx->default_if != NULL ? v->cx->default_if :
             v->cx != NULL && v->cx->default_if6 != NULL ? v->cx->default_if6 : "-",
             v->resolver != NULL ? v->resolver :
             v->cx != NULL && v->cx->ndns > 0 ? v->cx->dns_servers[0] : "system",
             t->filter == F_ALL ? "all" : t->filter == F_FAILING ? "failing" : "service ",
             t->filter == F_SERVICE ? pp_service_name(t->fsvc) : "",
             t->family == 0 ? "both" : t->family == 4 ? "IPv4" : "IPv6");
    attrset(attr_for(t, CP_DIM, false));
    put(2, 0, COLS, buf, true);
    attrset(A_NORMAL);
}

/* -------------------------------------------------------------- table */

enum col { C_STATE, C_HOST, C_FAM, C_ADDR, C_PORT, C_REASON, C_LAST, C_LOSS, C_STATS, C_HIST,
           C__COUNT };
static const struct {
    const char *title;
    int width;
    int drop;     /* dropped first when narrow: highest first; 0 never */
} cols[C__COUNT] = {
    [C_STATE] = {"STATE", 11, 0},
    [C_HOST] = {"HOST", 20, 0},
    [C_FAM] = {"IP", 2, 5},
    [C_ADDR] = {"ADDRESS", 15, 7},
    [C_PORT] = {"PORT", 5, 0},
    [C_REASON] = {"REASON", 16, 2},
    [C_LAST] = {"LAST", 6, 4},
    [C_LOSS] = {"LOSS", 5, 6},
    [C_STATS] = {"MIN/AVG/MAX", 17, 9},
    [C_HIST] = {"HISTORY", 8, 8},
};

struct layout {
    bool on[C__COUNT];
    int x[C__COUNT];
    int w[C__COUNT];
};

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

static void
plan_columns(const struct pp_tui *t, struct layout *lo)
{
    int total, i, addrw = 15, reasonw = cols[C_REASON].width;
    size_t k;
    char rb[128];

    for (k = 0; k < t->nshown; k++) {
        const struct pp_result *r = t->shown[k]->r;
        if (r == NULL)
            continue;
        if ((int)strlen(r->address) > addrw)
            addrw = (int)strlen(r->address);
        /* Room wanted for "admin-prohibited by <router>" on rejected rows. */
        if (r->icmp_from[0] != '\0' && !pp_state_is_ok(r->state)) {
            reason_text(r, 1000, rb, sizeof(rb));
            if ((int)strlen(rb) > reasonw)
                reasonw = (int)strlen(rb);
        }
    }
    if (addrw > 39)
        addrw = 39;
    if (reasonw > 40)
        reasonw = 40;
    for (i = 0; i < C__COUNT; i++) {
        lo->on[i] = true;
        lo->w[i] = cols[i].width;
    }
    lo->w[C_ADDR] = addrw;
    for (;;) {
        int worst = -1;
        total = 0;
        for (i = 0; i < C__COUNT; i++)
            if (lo->on[i])
                total += lo->w[i] + 1;
        if (total <= COLS)
            break;
        for (i = 0; i < C__COUNT; i++)
            if (lo->on[i] && cols[i].drop > 0 && (worst < 0 || cols[i].drop > cols[worst].drop))
                worst = i;
        if (worst < 0)
            break;
        lo->on[worst] = false;
    }
    /* The reason column takes what is left up to the rejecting routers'
     * names, the host column up to 40, the history the rest. */
    if (total < COLS) {
        int extra = COLS - total, give;
        if (lo->on[C_REASON] && reasonw > lo->w[C_REASON] &&
            extra >= reasonw - lo->w[C_REASON]) {
            extra -= reasonw - lo->w[C_REASON];
            lo->w[C_REASON] = reasonw;
        }
        give = extra < 40 - lo->w[C_HOST] ? extra : 40 - lo->w[C_HOST];
        if (give > 0) {
            lo->w[C_HOST] += give;
            extra -= give;
        }
        if (lo->on[C_HIST] && extra > 0)
            lo->w[C_HIST] += extra < PP_HIST_LEN - lo->w[C_HIST] ? extra
                                                                 : PP_HIST_LEN - lo->w[C_HIST];
    }
    total = 0;
    for (i = 0; i < C__COUNT; i++)
        if (lo->on[i]) {
            lo->x[i] = total;
            total += lo->w[i] + 1;
        }
}

static void
sparkline(struct pp_tui *t, const struct pp_hist *h, int y, int x, int w)
{
    static const char *const bars[] = {"\u2581", "\u2582", "\u2583", "\u2584", "\u2585",
                                       "\u2586", "\u2587", "\u2588"};
    static const char ascii[] = "_.-=+*#%";
    double lo = 0, hi = 0;
    unsigned i, n, from;
    bool any = false;

    if (h == NULL || h->count == 0)
        return;
    n = h->count < (unsigned)w ? h->count : (unsigned)w;
    from = h->count - n;
    for (i = from; i < h->count; i++) {
        float v = h->lat[(h->head + i) % PP_HIST_LEN];
        if (v < 0)
            continue;
        if (!any || v > hi)
            hi = v;
        any = true;
    }
    move(y, x);
    for (i = from; i < h->count; i++) {
        float v = h->lat[(h->head + i) % PP_HIST_LEN];
        int level;
        if (v < 0) {
            attron(attr_for(t, CP_BAD, true));
            addch('x');
            attroff(attr_for(t, CP_BAD, true));
            continue;
        }
        /* Bars from zero: a strip of equal times stays flat and low. */
        level = hi > lo ? (int)(v / hi * 7.0 + 0.5) : 0;
        if (level < 0)
            level = 0;
        if (level > 7)
            level = 7;
        if (t->utf8)
            addstr(bars[level]);
        else
            addch((chtype)(unsigned char)ascii[level]);
    }
}

static void
draw_row(struct pp_tui *t, const struct layout *lo, int y, const struct pp_live_row *w,
         bool selected)
{
    const struct pp_result *r = w->r;
    const struct pp_hist *h = w->h;
    char buf[128];
    int base = selected ? A_REVERSE : 0;

    attrset(base);
    put(y, 0, COLS, "", true);
    if (r == NULL || (w->running && r->state == PP_ST_PENDING)) {
        attrset(base | attr_for(t, CP_DIM, false));
        put(y, lo->x[C_STATE], lo->w[C_STATE], r == NULL ? "resolving" : "probing", true);
    } else if (row_expected(t, w)) {
        /* Retired or not applicable: shown as expected, not as a failure. */
        attrset(base | attr_for(t, CP_DIM, false));
        snprintf(buf, sizeof(buf), "expected%s", w->running ? "*" : "");
        put(y, lo->x[C_STATE], lo->w[C_STATE], buf, true);
    } else {
        attrset(base | attr_for(t, state_pair(r->state), !pp_state_is_ok(r->state)));
        snprintf(buf, sizeof(buf), "%s%s", pp_state_name(r->state), w->running ? "*" : "");
        put(y, lo->x[C_STATE], lo->w[C_STATE], buf, true);
    }
    attrset(base);
    if (w->t->via != NULL) {
        /* A check through a proxy: marked, beside its direct twin. */
        snprintf(buf, sizeof(buf), "[P] %s", w->t->host);
        put(y, lo->x[C_HOST], lo->w[C_HOST], buf, true);
    } else {
        put(y, lo->x[C_HOST], lo->w[C_HOST], w->t->host, true);
    }
    if (lo->on[C_FAM])
        put(y, lo->x[C_FAM], lo->w[C_FAM],
            r == NULL || r->family == 0 ? "-" : r->family == AF_INET ? "v4" : "v6", true);
    if (lo->on[C_ADDR])
        put(y, lo->x[C_ADDR], lo->w[C_ADDR], r != NULL && r->has_address ? r->address : "-",
            true);
    snprintf(buf, sizeof(buf), "%u", w->t->port);
    put(y, lo->x[C_PORT], lo->w[C_PORT], buf, true);
    if (lo->on[C_REASON] && r != NULL && r->state != PP_ST_PENDING) {
        reason_text(r, lo->w[C_REASON], buf, sizeof(buf));
        put(y, lo->x[C_REASON], lo->w[C_REASON], buf, true);
    }
    if (lo->on[C_LAST] && r != NULL && r->t_total >= 0 && r->state != PP_ST_PENDING) {
        snprintf(buf, sizeof(buf), r->t_total < 1000 ? "%6.1f" : "%6.0f", r->t_total);
        put(y, lo->x[C_LAST], lo->w[C_LAST], buf, true);
    }
    if (h != NULL && lo->on[C_LOSS]) {
        snprintf(buf, sizeof(buf), "%3.0f%%", h->runs ? 100.0 * h->lost / h->runs : 0.0);
        put(y, lo->x[C_LOSS], lo->w[C_LOSS], buf, true);
    }
    if (h != NULL && h->nlat > 0 && lo->on[C_STATS]) {
        snprintf(buf, sizeof(buf), "%.0f/%.0f/%.0f", h->min_ms, h->sum_ms / h->nlat, h->max_ms);
        put(y, lo->x[C_STATS], lo->w[C_STATS], buf, true);
    }
    if (lo->on[C_HIST])
        sparkline(t, h, y, lo->x[C_HIST], lo->w[C_HIST]);
    attrset(A_NORMAL);
}

/* The table between y0 and y1 (exclusive), group headers included. */
static void
draw_table(struct pp_tui *t, int y0, int y1)
{
    struct layout lo;
    int i, y, lines = y1 - y0 - 1;
    size_t k, need;
    enum pp_service last = PP_SV__COUNT;

    plan_columns(t, &lo);
    attrset(attr_for(t, CP_HEAD, true) | A_UNDERLINE);
    put(y0, 0, COLS, "", true);
    for (i = 0; i < C__COUNT; i++)
        if (lo.on[i])
            put(y0, lo.x[i], lo.w[i], cols[i].title, true);
    attrset(A_NORMAL);
    if (lines <= 0)
        return;
    if (t->nshown == 0) {
        put(y0 + 1, 1, COLS - 1, t->filter == F_FAILING ? "no failing checks" : "no checks",
            false);
        return;
    }
    /* Scroll so the selection stays on screen (group headers count). */
    if (t->sel < t->top)
        t->top = t->sel;
    for (;;) {
        need = 0;
        last = PP_SV__COUNT;
        for (k = t->top; k <= t->sel; k++) {
            if (t->shown[k]->t->service != last)
                need++;
            last = t->shown[k]->t->service;
            need++;
        }
        if ((int)need <= lines || t->top >= t->sel)
            break;
        t->top++;
    }
    y = y0 + 1;
    last = PP_SV__COUNT;
    for (k = t->top; k < t->nshown && y < y1; k++) {
        const struct pp_live_row *w = t->shown[k];
        if (w->t->service != last) {
            attrset(attr_for(t, CP_HEAD, true));
            put(y, 0, COLS, pp_service_title(w->t->service), true);
            attrset(A_NORMAL);
            last = w->t->service;
            if (++y >= y1)
                break;
        }
        draw_row(t, &lo, y++, w, k == t->sel);
    }
}

/* ------------------------------------------------------------- panes */

/* Word-wrapped text from (y, x) to the right edge; returns the next y. */
static int
wrap(int y, int y1, int x, const char *s)
{
    int w = COLS - x;

    while (s != NULL && *s != '\0' && y < y1 && w > 0) {
        int n = (int)strlen(s), cut = n;
        if (n > w) {
            cut = w;
            while (cut > w / 2 && s[cut] != ' ')
                cut--;
            if (s[cut] != ' ')
                cut = w;
        }
        move(y, x);
        for (int i = 0; i < cut; i++)
            addch((chtype)(unsigned char)(s[i] >= 32 && s[i] < 127 ? s[i] : '?'));
        s += cut;
        while (*s == ' ')
            s++;
        y++;
    }
    return y;
}

static void
draw_findings(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    size_t i;
    int y = y0 + 1;
    char buf[256];

    attrset(attr_for(t, CP_HEAD, true) | A_UNDERLINE);
    put(y0, 0, COLS, " FINDINGS", true);
    attrset(A_NORMAL);
    if (v->diag == NULL) {
        put(y, 1, COLS - 1, "waiting for the first run to complete", false);
        return;
    }
    if (v->diag->n == 0) {
        attrset(attr_for(t, CP_OK, false));
        put(y, 1, COLS - 1, "no problems found", false);
        attrset(A_NORMAL);
        return;
    }
    for (i = 0; i < v->diag->n && y < y1; i++) {
        const struct pp_finding *f = &v->diag->f[i];
        int pair = f->severity == PP_SEV_CRITICAL ? CP_BAD :
                   f->severity == PP_SEV_WARNING ? CP_WARN : CP_DIM;
        attrset(attr_for(t, pair, true));
        snprintf(buf, sizeof(buf), "%-8s", pp_severity_name(f->severity));
        put(y, 1, 9, buf, false);
        attrset(A_NORMAL);
        snprintf(buf, sizeof(buf), "%s: %s", f->code, f->title != NULL ? f->title : "");
        y = wrap(y, y1, 10, buf);
        if (f->advice_user != NULL && y < y1)
            y = wrap(y, y1, 12, f->advice_user);
    }
}

static void
fmt_ms(char *buf, size_t len, const char *name, double ms)
{
    if (ms < 0)
        snprintf(buf, len, "%s -", name);
    else
        snprintf(buf, len, "%s %.1f ms", name, ms);
}

/* The TLS handshake and the certificate of a check, from line y. */
static int
details_tls(int y, int y1, const struct pp_result *r)
{
    char buf[1024];

    snprintf(buf, sizeof(buf), "TLS %s %s%s%s, chain %s%s%s",
             r->tls.version[0] ? r->tls.version : "(no handshake)", r->tls.cipher,
             r->tls.alpn[0] ? ", ALPN " : "", r->tls.alpn,
             r->tls.verified ? "verified" : "NOT verified",
             r->tls.verify_error != NULL ? ": " : "",
             r->tls.verify_error != NULL ? r->tls.verify_error : "");
    y = wrap(y, y1, 1, buf);
    if (r->tls.have_cert) {
        snprintf(buf, sizeof(buf), "subject %s; issuer %s; expires %s (%d days)",
                 r->tls.subject != NULL ? r->tls.subject : "-",
                 r->tls.issuer != NULL ? r->tls.issuer : "-", r->tls.not_after,
                 r->tls.days_left);
        y = wrap(y, y1, 1, buf);
    }
    if (r->tls.kex[0] != '\0') {
        snprintf(buf, sizeof(buf), "key exchange %s%s%s (%d bits), OCSP staple %s", r->tls.kex,
                 r->tls.kex_group[0] ? " " : "", r->tls.kex_group, r->tls.kex_bits,
                 pp_ocsp_name(r->tls.ocsp));
        y = wrap(y, y1, 1, buf);
    }
    /* The chain judged, the Apple rule broken, the warnings. */
    pp_tls_chain_text(&r->tls, buf, sizeof(buf));
    if (buf[0] != '\0')
        y = wrap(y, y1, 1, buf);
    return y;
}

/* The probe's details as "details: key=value ...", from line y. */
static int
details_kv(int y, int y1, const struct pp_result *r)
{
    char buf[1024];
    size_t off = (size_t)snprintf(buf, sizeof(buf), "details:"), i;

    for (i = 0; i < r->ndetails && off < sizeof(buf); i++) {
        const struct pp_kv *kv = &r->details[i];
        int n;
        switch (kv->type) {
        case PP_KV_STR:
            n = snprintf(buf + off, sizeof(buf) - off, " %s=%s", kv->key, kv->s);
            break;
        case PP_KV_INT:
            n = snprintf(buf + off, sizeof(buf) - off, " %s=%lld", kv->key, kv->i);
            break;
        case PP_KV_BOOL:
            n = snprintf(buf + off, sizeof(buf) - off, " %s=%s", kv->key, kv->i ? "yes" : "no");
            break;
        default:
            n = snprintf(buf + off, sizeof(buf) - off, " %s=%g", kv->key, kv->d);
            break;
        }
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return wrap(y, y1, 1, buf);
}

/* The outcome and the phases' times, from line y. */
static int
details_outcome(int y, int y1, const struct pp_live_row *w, const struct pp_result *r)
{
    char buf[1024], a[40], b[40], c[40], d[40], e[40];

    snprintf(buf, sizeof(buf), "%s (%s) %s%s", pp_state_name(r->state), pp_reason_name(r->reason),
             r->message != NULL ? r->message : "", w->running ? " [from the last run]" : "");
    y = wrap(y, y1, 1, buf);
    fmt_ms(a, sizeof(a), "dns", r->t_dns);
    fmt_ms(b, sizeof(b), "connect", r->t_connect);
    fmt_ms(c, sizeof(c), "tls", r->t_tls);
    fmt_ms(d, sizeof(d), "app", r->t_app);
    fmt_ms(e, sizeof(e), "total", r->t_total);
    snprintf(buf, sizeof(buf), "timings: %s, %s, %s, %s, %s", a, b, c, d, e);
    y = wrap(y, y1, 1, buf);
    if (r->icmp_from[0] != '\0') {
        snprintf(buf, sizeof(buf), "ICMP error sent by %s", r->icmp_from);
        y = wrap(y, y1, 1, buf);
    }
    return y;
}

static void details_path(int y, int y1, const struct pp_hist *h);

static void
draw_details(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    const struct pp_live_row *w = t->nshown > 0 ? t->shown[t->sel] : NULL;
    const struct pp_result *r;
    char buf[1024];
    int y = y0 + 1;

    attrset(attr_for(t, CP_HEAD, true) | A_UNDERLINE);
    snprintf(buf, sizeof(buf), " DETAILS %s", w != NULL ? row_id(w) : "");
    put(y0, 0, COLS, buf, true);
    attrset(A_NORMAL);
    if (w == NULL)
        return;
    r = w->r;
    if (w->t->note != NULL)
        y = wrap(y, y1, 1, w->t->note);
    if (w->t->via != NULL) {
        snprintf(buf, sizeof(buf), "via the proxy %s ([P]: %s)", w->t->via->url,
                 w->t->tunnel ? "HTTP CONNECT" : "absolute-URI requests");
        y = wrap(y, y1, 1, buf);
    }
    if (r == NULL) {
        wrap(y, y1, 1, "resolving the name");
        return;
    }
    y = details_outcome(y, y1, w, r);
    if (r->tls.ran)
        y = details_tls(y, y1, r);
    if (r->ndetails > 0)
        y = details_kv(y, y1, r);
    if (w->h != NULL) {
        snprintf(buf, sizeof(buf), "history: %u runs, %u failed (%.0f%%), %u state changes",
                 w->h->runs, w->h->lost, w->h->runs ? 100.0 * w->h->lost / w->h->runs : 0.0,
                 w->h->flaps);
        y = wrap(y, y1, 1, buf);
    }
    if (v->capture != NULL && r->has_address &&
        pp_capture_evidence(v->capture, r->family, r->address, w->t->port, buf, sizeof(buf)))
        y = wrap(y, y1, 1, buf);
    details_path(y, y1, w->h);
}

/* Its path trace (key t), hop by hop. */
static void
details_path(int y, int y1, const struct pp_hist *h)
{
    char buf[1024];
    size_t i;

    if (h != NULL && h->tracing)
        y = wrap(y, y1, 1, "path: tracing ...");
    if (h != NULL && h->path != NULL) {
        const struct pp_path *p = h->path;
        char words[600];

        pp_path_sentence(p, words, sizeof(words));
        snprintf(buf, sizeof(buf), "path (t traces again): %s", words);
        y = wrap(y, y1, 1, buf);
        for (i = 0; i < p->nhops && y < y1; i++) {
            const struct pp_hop *hp = &p->hops[i];
            if (hp->reply == PP_HR_NONE)
                snprintf(buf, sizeof(buf), "  %2d  *", hp->ttl);
            else
                snprintf(buf, sizeof(buf), "  %2d  %-39s %9.3f ms  %-16s %-6s %s", hp->ttl,
                         hp->address, hp->rtt_ms, pp_hop_reply_name(hp->reply),
                         pp_hop_network_name(hp->network), hp->name != NULL ? hp->name : "");
            put(y++, 1, COLS - 1, buf, false);
        }
    } else if (h == NULL || !h->tracing) {
        wrap(y, y1, 1, "path: not traced (t traces it)");
    }
}

/* Flows by service with their outcomes, the unhappy ones first. */
static void
draw_capture(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    const struct pp_flow *const *fl;
    const struct pp_flows_stats *st;
    struct pp_flows *flows;
    size_t n, i, pass;
    int y = y0 + 1;
    char buf[512], c[48], s[48];

    if (v->capture == NULL) {
        attrset(attr_for(t, CP_HEAD, true) | A_UNDERLINE);
        put(y0, 0, COLS, " CAPTURE", true);
        attrset(A_NORMAL);
        put(y, 1, COLS - 1, "no capture: start with --sniff IFACE to see what devices do", false);
        return;
    }
    flows = pp_capture_flows(v->capture);
    st = pp_flows_stats(flows);
    attrset(attr_for(t, CP_HEAD, true) | A_UNDERLINE);
    snprintf(buf, sizeof(buf), " CAPTURE %s: %llu packets, %llu flows (%llu evicted), %llu "
             "dropped by the kernel", pp_capture_source(v->capture),
             (unsigned long long)st->frames, (unsigned long long)st->flows_total,
             (unsigned long long)st->evicted,
             (unsigned long long)pp_capture_kernel_drops(v->capture));
    put(y0, 0, COLS, buf, true);
    attrset(A_NORMAL);
    fl = pp_flows_list(flows, &n);
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < n && y < y1; i++) {
            const struct pp_flow *f = fl[i];
            bool bad = pp_flow_outcome_bad(f->outcome);
            if (f->svc == PP_FS_OTHER || bad != (pass == 0))
                continue;
            pp_pkt_addr_str(f->family, f->client, c, sizeof(c));
            pp_pkt_addr_str(f->family, f->server, s, sizeof(s));
            attrset(attr_for(t, bad ? CP_BAD : CP_OK, bad));
            put(y, 1, 19, pp_flow_outcome_name(f->outcome), true);
            attrset(A_NORMAL);
            snprintf(buf, sizeof(buf), "%-8s %s -> %s:%u  %llu/%llu pkts%s%s",
                     pp_flow_svc_name(f->svc), c, s, f->sport, (unsigned long long)f->pkts[0],
                     (unsigned long long)f->pkts[1], f->sni[0] ? "  sni " : "", f->sni);
            put(y, 21, COLS - 21, buf, false);
            y++;
        }
}

static void
draw_help(struct pp_tui *t)
{
    static const char *const lines[] = {
        "Keys",
        "",
        "  Up/Down, j/k    move (PgUp/PgDn, g/G: page, top, end)",
        "  Enter           details of the selected check",
        "  t               trace the selected check's path (kept across runs)",
        "  c               the capture pane (with --sniff)",
        "  r               run all checks again now",
        "  p               pause or resume the runs",
        "  f               filter: all, failing, one service",
        "  4, 6            only IPv4, only IPv6 (again: both)",
        "  s               save the report (as --save)",
        "  Esc             back to the findings",
        "  ?               this help",
        "  q               quit",
        "",
        "A state with * is from the last run: this run is on it.",
        "Any key closes this help.",
    };
    int n = (int)(sizeof(lines) / sizeof(lines[0])), w = 62, h = n + 2, y0, x0, i;

    if (w > COLS)
        w = COLS;
    if (h > LINES)
        h = LINES;
    y0 = (LINES - h) / 2;
    x0 = (COLS - w) / 2;
    attrset(attr_for(t, CP_HEAD, false) | A_REVERSE);
    for (i = 0; i < h; i++)
        put(y0 + i, x0, w, "", true);
    for (i = 0; i < n && i + 1 < h; i++)
        put(y0 + 1 + i, x0 + 2, w - 3, lines[i], false);
    attrset(A_NORMAL);
}

void
pp_tui_draw(struct pp_tui *t, const struct pp_live_view *v)
{
    int bottom, pane_h, table_end;
    enum pane pane = t->pane;
    char buf[256];

    filter_rows(t, v);
    erase();
    if (LINES < 8 || COLS < 30) {
        put(0, 0, COLS, "pushprobe: the terminal is too small", false);
        refresh();
        return;
    }
    draw_header(t, v);
    bottom = LINES - 1;
    pane_h = pane == PANE_FINDINGS ? LINES / 4 : LINES * 2 / 5;
    if (pane_h < 4)
        pane_h = 4;
    table_end = bottom - pane_h;
    if (v->nrows == 0 && v->capture != NULL) {
        /* --sniff-only: the capture where the checks would be. */
        draw_capture(t, v, 3, table_end);
        if (pane == PANE_CAPTURE || pane == PANE_DETAILS)
            pane = PANE_FINDINGS;
    } else {
        draw_table(t, 3, table_end);
    }
    if (pane == PANE_DETAILS)
        draw_details(t, v, table_end, bottom);
    else if (pane == PANE_CAPTURE)
        draw_capture(t, v, table_end, bottom);
    else
        draw_findings(t, v, table_end, bottom);

    if (v->message != NULL) {
        attrset(attr_for(t, CP_WARN, true));
        put(bottom, 0, COLS, v->message, true);
    } else {
        snprintf(buf, sizeof(buf), " %s move  Enter details  t trace  r re-run  p %s  "
                 "f filter  4/6 family  s save  ? help  q quit",
                 t->utf8 ? "\u2191\u2193" : "j/k", v->paused ? "resume" : "pause");
        attrset(A_REVERSE);
        put(bottom, 0, COLS, "", true);
        mvaddnstr(bottom, 0, buf, COLS);
    }
    attrset(A_NORMAL);
    if (t->help)
        draw_help(t);
    refresh();
}

/* ------------------------------------------------------------- input */

static void
next_service(struct pp_tui *t, const struct pp_live_view *v)
{
    int from = t->filter == F_SERVICE ? (int)t->fsvc + 1 : 0, s;
    size_t i;

    for (s = from; s < PP_SV__COUNT; s++)
        for (i = 0; i < v->nrows; i++)
            if (v->rows[i].t->service == (enum pp_service)s) {
                t->filter = F_SERVICE;
                t->fsvc = (enum pp_service)s;
                return;
            }
    t->filter = F_ALL;
}

static void
move_sel(struct pp_tui *t, long by)
{
    long n = (long)t->nshown, s = (long)t->sel + by;

    if (n == 0)
        return;
    if (s < 0)
        s = 0;
    if (s >= n)
        s = n - 1;
    t->sel = (size_t)s;
    snprintf(t->sel_id, sizeof(t->sel_id), "%s", row_id(t->shown[t->sel]));
}

size_t
pp_tui_input(struct pp_tui *t, const struct pp_live_view *v, enum pp_ui_action *acts,
             size_t max, bool *hangup)
{
    size_t n = 0;
    int ch, page = LINES / 2 > 1 ? LINES / 2 : 1;

    *hangup = false;
    filter_rows(t, v);
    while (n < max && (ch = getch()) != ERR) {
        enum pp_ui_action a = PP_UA_REDRAW;
        if (t->help) {
            t->help = false;
            acts[n++] = a;
            continue;
        }
        switch (ch) {
        case 'q': case 'Q': a = PP_UA_QUIT; break;
        case 'r': case 'R': a = PP_UA_RERUN; break;
        case 'p': case 'P': a = PP_UA_PAUSE; break;
        case 's': case 'S': a = PP_UA_SAVE; break;
        case 't': case 'T': a = PP_UA_TRACE; t->pane = PANE_DETAILS; break;
        case '?': case 'h': t->help = true; break;
        case KEY_UP: case 'k': move_sel(t, -1); break;
        case KEY_DOWN: case 'j': move_sel(t, 1); break;
        case KEY_PPAGE: move_sel(t, -page); break;
        case KEY_NPAGE: case ' ': move_sel(t, page); break;
        case KEY_HOME: case 'g': move_sel(t, -(long)t->nshown); break;
        case KEY_END: case 'G': move_sel(t, (long)t->nshown); break;
        case '\r': case '\n': case KEY_ENTER:
            t->pane = t->pane == PANE_DETAILS ? PANE_FINDINGS : PANE_DETAILS;
            break;
        case 'c': case 'C':
            t->pane = t->pane == PANE_CAPTURE ? PANE_FINDINGS : PANE_CAPTURE;
            break;
        case 27: t->pane = PANE_FINDINGS; break;
        case 'f': case 'F':
            if (t->filter == F_ALL)
                t->filter = F_FAILING;
            else
                next_service(t, v);
            t->sel = 0;
            t->top = 0;
            filter_rows(t, v);
            break;
        case '4': t->family = t->family == 4 ? 0 : 4; filter_rows(t, v); break;
        case '6': t->family = t->family == 6 ? 0 : 6; filter_rows(t, v); break;
        case KEY_RESIZE: break;   /* ncurses has resized already */
        case 12: clearok(curscr, TRUE); break;   /* Ctrl-L */
        default: a = PP_UA_NONE; break;
        }
        acts[n++] = a;
    }
    if (!isatty(STDIN_FILENO))
        *hangup = true;
    return n;
}

#endif /* HAVE_NCURSES */
