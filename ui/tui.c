/* SPDX-License-Identifier: ISC */
/*
 * The curses dashboard (ncursesw).  A leaf: it reads struct pp_live_view,
 * keeps only its own state (selection, filter, search, order, panes), and
 * turns keys and mouse events into actions for src/app/live.c.  Layout,
 * top to bottom: header (status, verdict badges, route and resolver), the
 * checks table (ui/tuitable.c), the findings pane or the detail pane of
 * the selected row (ui/tuipanes.c), the key line.  Where things go is
 * ui/tuilayout.c's rules; every state is a word, so the screen reads the
 * same without colour.  This file: the terminal, the header, the frame and
 * the keys.
 */
#include "config.h"

#ifdef HAVE_NCURSES

#include <sys/ioctl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "ui/report.h"
#include "ui/tui_int.h"
#include "core/util.h"

/* For pp_tui_emergency(): what it takes to give the terminal back from a
 * signal handler, captured while things were calm. */
static struct termios saved_tio;
static bool tio_saved;
static volatile sig_atomic_t curses_on;
static char rmcup_seq[64];
static char cnorm_seq[64];
#define MOUSE_OFF "\033[?1000l\033[?1002l\033[?1006l"

static void set_mouse(struct pp_tui *, bool on);

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
    /* Mouse reporting off (X10, button events, SGR): harmless when off. */
    (void)!write(STDOUT_FILENO, MOUSE_OFF, sizeof(MOUSE_OFF) - 1);
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
    t->sort = PP_SORT_SERVICE;
    set_escdelay(50);
    mouseinterval(0);
    set_mouse(t, true);
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

int
tui_attr(const struct pp_tui *t, int pair, bool bold)
{
    int a = bold ? A_BOLD : 0;

    if (t->color && pair != 0)
        a |= COLOR_PAIR(pair);
    return a;
}

void
tui_put(int y, int x, int w, const char *s, bool pad)
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

void
tui_put_fit(const struct pp_tui *t, int y, int x, int w, const char *s)
{
    bool cut;
    size_t n;
    char buf[256];

    if (x + w > COLS)
        w = COLS - x;
    n = pp_tui_fit(s, w, &cut);
    if (n >= sizeof(buf))
        n = sizeof(buf) - 1;
    memcpy(buf, s != NULL ? s : "", n);
    buf[n] = '\0';
    tui_put(y, x, w, buf, true);
    if (cut && w > 0) {
        move(y, x + (int)n);
        if (t->utf8)
            addstr("\u2026");
        else
            addch('~');
    }
}

int
tui_wrap(int y, int y1, int x, const char *s)
{
    int w = COLS - x;

    while (s != NULL && *s != '\0' && y < y1 && w > 0) {
        int cut = pp_tui_wrap_cut(s, w);
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

/* ------------------------------------------------------------- header */

/* The status word the report and the exit status use, upper case. */
static const char *
status_word(const struct pp_live_view *v, char *buf, size_t len)
{
    const char *status = v->nrows == 0 && v->capture != NULL ? "watching" : "starting";
    size_t i;

    if (v->last != NULL && v->last->n > 0) {
        struct pp_summary s;
        pp_summarize(v->last, &s);
        status = s.status_name;
    }
    snprintf(buf, len, "%s", status);
    for (i = 0; buf[i] != '\0'; i++)
        buf[i] = (char)(buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 32 : buf[i]);
    return status;
}

/* Line 0: " pushprobe STATUS  runs N  next ...  last ...  every S". */
static void
draw_headline(struct pp_tui *t, const struct pp_live_view *v)
{
    char st[32], runs[32], last[48], next[48], every[32], a[16], line[256];
    const char *status = status_word(v, st, sizeof(st));
    int x = 11;

    attrset(tui_attr(t, CP_HEAD, true));
    tui_put(0, 0, COLS, " pushprobe", true);
    attrset(tui_attr(t, strcmp(status, "ok") == 0 ? CP_OK :
                     strcmp(status, "failed") == 0 ? CP_BAD : CP_WARN, true));
    tui_put(0, x, (int)strlen(st), st, false);
    x += (int)strlen(st) + 2;
    attrset(A_NORMAL);
    snprintf(runs, sizeof(runs), "runs %lu", v->runs);
    clock_str(v->last_end, a, sizeof(a));
    snprintf(last, sizeof(last), "last %s", a);
    if (v->running)
        snprintf(next, sizeof(next), "running %zu/%zu", v->done, v->total);
    else if (v->paused)
        snprintf(next, sizeof(next), "paused");
    else {
        clock_str(v->next_run, a, sizeof(a));
        snprintf(next, sizeof(next), "next %s", a);
    }
    snprintf(every, sizeof(every), "every %.0fs", v->interval_s);
    {
        const struct pp_tui_item items[] = {{runs, 0}, {last, 2}, {next, 1}, {every, 3}};
        pp_tui_pack(items, 4, COLS - x, "  ", line, sizeof(line));
    }
    tui_put(0, x, COLS - x, line, false);
}

/* The verdict badges, one per area, each whole; the lines they take. */
static int
draw_badges(struct pp_tui *t, const struct pp_live_view *v, int y, int max_lines)
{
    static const char *const short_titles[PP_AREA__COUNT] = {
        [PP_AREA_PUSH] = "Push", [PP_AREA_MDM] = "MDM", [PP_AREA_ENROLLMENT] = "Enrol",
        [PP_AREA_SOFTWARE_UPDATE] = "Update", [PP_AREA_CONTENT] = "Content",
        [PP_AREA_FILE_SHARING] = "Files",
    };
    struct pp_tui_badge b[PP_AREA__COUNT];
    struct pp_tui_badge_pos pos[PP_AREA__COUNT];
    int i, lines;

    for (i = 0; i < PP_AREA__COUNT; i++) {
        enum pp_verdict_v vd = v->diag != NULL ? v->diag->verdict[i] : PP_V_NOT_CHECKED;
        b[i].title = pp_area_title((enum pp_area)i);
        b[i].short_title = short_titles[i];
        b[i].word = vd == PP_V_OK ? "OK" : vd == PP_V_DEGRADED ? "DEGRADED" :
                    vd == PP_V_BLOCKED ? "BLOCKED" : "-";
    }
    lines = pp_tui_badges(b, PP_AREA__COUNT, COLS, max_lines, pos);
    for (i = 0; i < PP_AREA__COUNT; i++) {
        enum pp_verdict_v vd = v->diag != NULL ? v->diag->verdict[i] : PP_V_NOT_CHECKED;
        const char *title = pos[i].short_title ? b[i].short_title : b[i].title;
        int n = (int)strlen(title) + 1;
        char buf[64];

        snprintf(buf, sizeof(buf), "%s:", title);
        attrset(A_NORMAL);
        tui_put(y + pos[i].line, pos[i].x, n, buf, false);
        attrset(tui_attr(t, verdict_pair(vd), vd != PP_V_NOT_CHECKED));
        tui_put(y + pos[i].line, pos[i].x + n, (int)strlen(b[i].word), b[i].word, false);
    }
    attrset(A_NORMAL);
    return lines > 0 ? lines : max_lines;
}

/* The line under the badges: route, resolver and how the table is cut. */
static void
draw_infoline(struct pp_tui *t, const struct pp_live_view *v, int y)
{
    char via[80], res[80], view[64], fam[32], sort[32], search[96], line[400];
    const struct pp_tui_item items[] = {
        {via, 4}, {res, 5}, {view, 1}, {fam, 2}, {sort, 0}, {search, 0},
        {t->mouse ? "" : "mouse off", 3},
    };

    snprintf(via, sizeof(via), "via %s",
             v->cx != NULL && v->cx->default_if != NULL ? v->cx->default_if :
             v->cx != NULL && v->cx->default_if6 != NULL ? v->cx->default_if6 : "-");
    snprintf(res, sizeof(res), "resolver %s", v->resolver != NULL ? v->resolver :
             v->cx != NULL && v->cx->ndns > 0 ? v->cx->dns_servers[0] : "system");
    snprintf(view, sizeof(view), "view %s%s",
             t->filter == F_ALL ? "all" : t->filter == F_FAILING ? "failing" : "service ",
             t->filter == F_SERVICE ? pp_service_name(t->fsvc) : "");
    snprintf(fam, sizeof(fam), "family %s",
             t->family == 0 ? "both" : t->family == 4 ? "IPv4" : "IPv6");
    snprintf(sort, sizeof(sort), "sort %s", pp_tui_sort_name(t->sort));
    snprintf(search, sizeof(search), t->query[0] != '\0' ? "search '%.60s'" : "%s", t->query);
    pp_tui_pack(items, sizeof(items) / sizeof(items[0]), COLS - 1, "  ", line, sizeof(line));
    attrset(tui_attr(t, CP_DIM, false));
    tui_put(y, 0, COLS, "", true);
    tui_put(y, 1, COLS - 1, line, false);
    attrset(A_NORMAL);
}

/* The header; returns the lines it took. */
static int
draw_header(struct pp_tui *t, const struct pp_live_view *v)
{
    int badge_lines;

    draw_headline(t, v);
    badge_lines = draw_badges(t, v, 1, LINES >= 20 ? 3 : 2);
    draw_infoline(t, v, 1 + badge_lines);
    return 2 + badge_lines;
}

/* ----------------------------------------------------------- key line */

static void
draw_keyline(struct pp_tui *t, const struct pp_live_view *v, int y)
{
    char move_k[32], pause_k[32], line[400];
    const struct pp_tui_item items[] = {
        {move_k, 6}, {"Enter details", 2}, {"/ search", 3}, {"o sort", 7},
        {"f filter", 8}, {"4/6 family", 11}, {"t trace", 10}, {"r re-run", 4},
        {pause_k, 9}, {"s save", 5}, {"m mouse", 12}, {"? help", 1}, {"q quit", 0},
    };

    if (t->searching) {
        snprintf(line, sizeof(line), " search hosts: %s_   Enter keeps it, Esc clears it",
                 t->query);
        attrset(A_REVERSE);
        tui_put(y, 0, COLS, line, true);
        return;
    }
    if (v->message != NULL) {
        attrset(tui_attr(t, CP_WARN, true));
        tui_put(y, 0, COLS, v->message, true);
        return;
    }
    snprintf(move_k, sizeof(move_k), "%s move", t->utf8 ? "\u2191\u2193" : "j/k");
    snprintf(pause_k, sizeof(pause_k), "p %s", v->paused ? "resume" : "pause");
    line[0] = ' ';
    pp_tui_pack(items, sizeof(items) / sizeof(items[0]), COLS - 1, "  ", line + 1,
                sizeof(line) - 1);
    attrset(A_REVERSE);
    tui_put(y, 0, COLS, "", true);
    mvaddstr(y, 0, line);
}

/* -------------------------------------------------------------- frame */

void
pp_tui_draw(struct pp_tui *t, const struct pp_live_view *v)
{
    struct pp_tui_split *s = &t->split;
    enum tui_pane pane = t->pane;
    int head_h, i;

    tui_filter_rows(t, v);
    erase();
    for (i = 0; i < TUI_MAX_LINES; i++)
        t->rowat[i] = -1;
    if (LINES < 8 || COLS < 30) {
        tui_put(0, 0, COLS, "pushprobe: the terminal is too small", false);
        refresh();
        return;
    }
    head_h = draw_header(t, v);
    if (v->nrows == 0 && v->capture != NULL && pane != PANE_FINDINGS)
        pane = PANE_FINDINGS;   /* --sniff-only: the capture is in the table's place */
    pp_tui_split(LINES, head_h, tui_table_need(t),
                 pane == PANE_FINDINGS ? tui_findings_need(v) : LINES, pane == PANE_DETAILS, s);
    if (v->nrows == 0 && v->capture != NULL)
        tui_draw_capture(t, v, s->table_y0, s->table_y1);
    else
        tui_draw_table(t, s->table_y0, s->table_y1);
    if (pane == PANE_DETAILS)
        tui_draw_details(t, v, s->pane_y0, s->pane_y1);
    else if (pane == PANE_CAPTURE)
        tui_draw_capture(t, v, s->pane_y0, s->pane_y1);
    else
        tui_draw_findings(t, v, s->pane_y0, s->pane_y1);
    draw_keyline(t, v, s->keys_y);
    attrset(A_NORMAL);
    if (t->help)
        tui_draw_help(t);
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
set_mouse(struct pp_tui *t, bool on)
{
    t->mouse = on;
    mousemask(on ? BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED : 0,
              NULL);
}

static void
scroll_findings(struct pp_tui *t, long by)
{
    long top = (long)t->ftop + by;

    t->ftop = top < 0 ? 0 : (size_t)top;   /* the window clamps the end */
}

/* A click selects the row under it; the wheel scrolls what is under it. */
static void
on_mouse(struct pp_tui *t)
{
    MEVENT ev;
    long by = 0;

    if (getmouse(&ev) != OK)
        return;
    if (ev.bstate & BUTTON4_PRESSED)
        by = -3;
#ifdef BUTTON5_PRESSED
    else if (ev.bstate & BUTTON5_PRESSED)
        by = 3;
#endif
    if (by != 0) {
        if (ev.y >= t->split.pane_y0 && t->pane == PANE_FINDINGS)
            scroll_findings(t, by > 0 ? 1 : -1);
        else
            tui_move_sel(t, by);
        return;
    }
    if ((ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED)) && ev.y >= 0 &&
        ev.y < TUI_MAX_LINES && t->rowat[ev.y] >= 0)
        tui_select(t, (size_t)t->rowat[ev.y]);
}

/* A key while the search is typed: it edits the query. */
static void
search_key(struct pp_tui *t, const struct pp_live_view *v, int ch)
{
    size_t n = strlen(t->query);

    if (ch == 27) {
        t->query[0] = '\0';
        t->searching = false;
    } else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
        t->searching = false;
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (n > 0)
            t->query[n - 1] = '\0';
    } else if (ch >= 32 && ch < 127 && n + 1 < sizeof(t->query)) {
        t->query[n] = (char)ch;
        t->query[n + 1] = '\0';
    }
    t->top = 0;
    tui_filter_rows(t, v);
}

/* The keys the dashboard handles itself; false for those it does not. */
static bool
view_key(struct pp_tui *t, const struct pp_live_view *v, int ch)
{
    int page = LINES / 2 > 1 ? LINES / 2 : 1;

    switch (ch) {
    case '?': case 'h': t->help = true; break;
    case KEY_UP: case 'k': tui_move_sel(t, -1); break;
    case KEY_DOWN: case 'j': tui_move_sel(t, 1); break;
    case KEY_PPAGE: tui_move_sel(t, -page); break;
    case KEY_NPAGE: case ' ': tui_move_sel(t, page); break;
    case KEY_HOME: case 'g': tui_move_sel(t, -(long)t->nshown); break;
    case KEY_END: case 'G': tui_move_sel(t, (long)t->nshown); break;
    case '\r': case '\n': case KEY_ENTER:
        t->pane = t->pane == PANE_DETAILS ? PANE_FINDINGS : PANE_DETAILS;
        break;
    case 'c': case 'C':
        t->pane = t->pane == PANE_CAPTURE ? PANE_FINDINGS : PANE_CAPTURE;
        break;
    case 27: t->pane = PANE_FINDINGS; t->query[0] = '\0'; tui_filter_rows(t, v); break;
    case 'f': case 'F':
        if (t->filter == F_ALL)
            t->filter = F_FAILING;
        else
            next_service(t, v);
        t->sel = t->top = 0;
        tui_filter_rows(t, v);
        break;
    case '4': t->family = t->family == 4 ? 0 : 4; tui_filter_rows(t, v); break;
    case '6': t->family = t->family == 6 ? 0 : 6; tui_filter_rows(t, v); break;
    case 'o': case 'O':
        t->sort = (enum pp_tui_sort)((t->sort + 1) % PP_SORT__COUNT);
        t->top = 0;
        tui_filter_rows(t, v);
        break;
    case '/': t->searching = true; break;
    case ']': scroll_findings(t, 1); break;
    case '[': scroll_findings(t, -1); break;
    case 'm': case 'M': set_mouse(t, !t->mouse); break;
    case KEY_MOUSE: on_mouse(t); break;
    case KEY_RESIZE: break;   /* ncurses has resized already */
    case 12: clearok(curscr, TRUE); break;   /* Ctrl-L */
    default: return false;
    }
    return true;
}

size_t
pp_tui_input(struct pp_tui *t, const struct pp_live_view *v, enum pp_ui_action *acts,
             size_t max, bool *hangup)
{
    size_t n = 0;
    int ch;

    *hangup = false;
    tui_filter_rows(t, v);
    while (n < max && (ch = getch()) != ERR) {
        enum pp_ui_action a = PP_UA_REDRAW;
        if (t->help) {
            t->help = false;
        } else if (t->searching && ch != KEY_MOUSE && ch != KEY_RESIZE) {
            search_key(t, v, ch);
        } else if (!view_key(t, v, ch)) {
            switch (ch) {
            case 'q': case 'Q': a = PP_UA_QUIT; break;
            case 'r': case 'R': a = PP_UA_RERUN; break;
            case 'p': case 'P': a = PP_UA_PAUSE; break;
            case 's': case 'S': a = PP_UA_SAVE; break;
            case 't': case 'T': a = PP_UA_TRACE; t->pane = PANE_DETAILS; break;
            default: a = PP_UA_NONE; break;
            }
        }
        acts[n++] = a;
    }
    if (!isatty(STDIN_FILENO))
        *hangup = true;
    return n;
}

#endif /* HAVE_NCURSES */
