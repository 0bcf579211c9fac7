/* SPDX-License-Identifier: ISC */
/*
 * The live session behind the dashboard (see live.h).  One poll() loop
 * owns the probe sockets, c-ares, the terminal, a self-pipe for signals
 * and the timers; the screen is redrawn at most every 100 ms and only when
 * something changed, so an idle dashboard sleeps in poll().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/live.h"
#include "app/run.h"
#include "core/util.h"

#ifdef HAVE_NCURSES

#include "capture/capture.h"
#include "diagnose/diagnose.h"
#include "diagnose/context.h"
#include "engine/engine.h"
#include "core/loop.h"
#include "plan/plan.h"
#include "engine/dns.h"
#include "engine/trace.h"
#include "ui/tui.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stddef.h>

#define PP_REDRAW_MS 100
#define PP_MESSAGE_MS 5000

struct live {
    const struct pp_live_opts *o;
    struct pp_loop *loop;
    struct pp_tui *tui;
    struct pp_engine *engine;
    struct pp_report last;
    bool have_last;
    struct pp_diagnosis diag;
    struct pp_context *cx;
    bool have_cx;
    struct pp_hists hists;         /* each check's, by id */
    struct pp_live_row *rows;
    size_t nrows, caprows;
    const struct pp_result **byid; /* scratch: the current run's results by id */
    size_t capbyid;
    const struct pp_result **lastbyid; /* the last run's results by id */
    size_t nlastbyid;
    unsigned char *planned;        /* scratch: plan targets that have a row */
    unsigned long runs;
    bool paused, quit, draw_armed;
    time_t last_end, next_run;
    size_t done, total;
    struct pp_timer cycle_timer, draw_timer, message_timer;
    int64_t last_draw;
    uint64_t seen_gen;
    uint64_t seen_cap;
    char message[300];
    struct pp_live_view view;
    struct pp_dns *dns;            /* for the hop names of path traces */
    struct live_trace *traces;     /* under way */
};

/* A path trace asked for with the key t: the row's own, and one of a row
 * to the same address that worked, to tell a forged answer from the
 * server's (engine/trace.h). */
struct live_trace {
    struct live *l;
    char *id;
    char *ref_id;                  /* or NULL */
    struct pp_tracer *tr[2];
    struct pp_path *path[2];
    struct trace_slot {
        struct live_trace *lt;
        int k;
    } slot[2];                     /* the callbacks' argument */
    int pending;
    struct live_trace *next;
};

/* ------------------------------------------------------------ signals */

static int sigfd[2] = {-1, -1};
/* The signal that ended the session (not a key), for the exit status. */
static int stop_signal;

int
pp_live_stop_signal(void)
{
    return stop_signal;
}

static void
on_signal(int sig)
{
    unsigned char c = (unsigned char)sig;
    int saved = errno;

    if (sigfd[1] >= 0)
        (void)!write(sigfd[1], &c, 1);
    errno = saved;
}

static void
on_fatal(int sig)
{
    pp_tui_emergency();
    raise(sig);   /* SA_RESETHAND: the default action now */
}

static void
at_exit_restore(void)
{
    pp_tui_emergency();
}

static void
install_signals(void)
{
    static const int soft[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH};
    static const int hard[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    struct sigaction sa;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    for (i = 0; i < sizeof(soft) / sizeof(soft[0]); i++)
        sigaction(soft[i], &sa, NULL);
    sa.sa_handler = on_fatal;
    sa.sa_flags = (int)SA_RESETHAND;
    for (i = 0; i < sizeof(hard) / sizeof(hard[0]); i++)
        sigaction(hard[i], &sa, NULL);
}

static void
restore_signals(void)
{
    static const int all[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH,
                              SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    size_t i;

    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        signal(all[i], SIG_DFL);
}

/* ------------------------------------------------------------ history */

static struct pp_hist *
find_hist(struct live *l, const char *id, bool create)
{
    return pp_hists_find(&l->hists, id, create);
}

/* --------------------------------------------------------------- rows */

static int
cmp_result_id(const void *a, const void *b)
{
    const struct pp_result *x = *(const struct pp_result *const *)a;
    const struct pp_result *y = *(const struct pp_result *const *)b;

    return strcmp(x->id, y->id);
}

static const struct pp_result *
find_id(const struct pp_result *const *v, size_t n, const char *id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id, v[mid]->id);
        if (c == 0)
            return v[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static void
add_row(struct live *l, const struct pp_result *r, const struct pp_target *t, bool running,
        uint64_t order)
{
    struct pp_live_row *w;
    size_t idx;

    if (l->nrows == l->caprows) {
        l->caprows = l->caprows ? l->caprows * 2 : 64;
        l->rows = pp_xrealloc(l->rows, l->caprows, sizeof(*l->rows));
    }
    w = &l->rows[l->nrows++];
    w->r = r;
    w->t = t;
    w->running = running;
    w->order = order;
    w->h = r != NULL && r->id != NULL ? find_hist(l, r->id, false) : NULL;
    idx = (size_t)(order >> 20);
    if (idx < l->o->plan->n && l->o->plan->t[idx] == t)
        l->planned[idx] = 1;
}

static int
cmp_row(const void *a, const void *b)
{
    const struct pp_live_row *x = a, *y = b;

    return x->order < y->order ? -1 : x->order > y->order;
}

/* The rows of the table: this run's finished results, the last run's
 * where this run has not got there yet, and a line for every target
 * still resolving. */
static void
build_view(struct live *l)
{
    const struct pp_result *const *cur = NULL;
    size_t ncur = 0, nid = 0, i;
    uint64_t gen = 0;

    l->nrows = 0;
    memset(l->planned, 0, l->o->plan->n + 1);
    l->done = l->total = 0;
    if (l->engine != NULL)
        cur = pp_engine_results(l->engine, &ncur, &gen);
    if (ncur > l->capbyid) {
        l->capbyid = ncur * 2;
        l->byid = pp_xrealloc(l->byid, l->capbyid, sizeof(*l->byid));
    }
    for (i = 0; i < ncur; i++) {
        if (cur[i]->state != PP_ST_PENDING)
            l->done++;
        if (cur[i]->id != NULL)
            l->byid[nid++] = cur[i];
    }
    l->total = ncur;
    if (nid > 1)
        qsort(l->byid, nid, sizeof(*l->byid), cmp_result_id);
    for (i = 0; i < ncur; i++) {
        const struct pp_result *r = cur[i], *old = NULL;

        if (!pp_result_counted(r))
            continue;   /* a path-MTU retry: the findings pane tells of it */
        if (r->state == PP_ST_PENDING && r->id != NULL)
            old = find_id((const struct pp_result *const *)l->lastbyid, l->nlastbyid, r->id);
        add_row(l, old != NULL ? old : r, r->target, r->state == PP_ST_PENDING, r->order);
    }
    if (l->have_last)
        for (i = 0; i < l->last.n; i++) {
            const struct pp_result *r = l->last.results[i];
            if (!pp_result_counted(r) || (r->id != NULL &&
                find_id((const struct pp_result *const *)l->byid, nid, r->id) != NULL))
                continue;
            add_row(l, r, r->target, l->engine != NULL, r->order);
        }
    for (i = 0; i < l->o->plan->n; i++)
        if (!l->planned[i])
            add_row(l, NULL, l->o->plan->t[i], true, (uint64_t)i << 20);
    if (l->nrows > 1)
        qsort(l->rows, l->nrows, sizeof(*l->rows), cmp_row);

    memset(&l->view, 0, sizeof(l->view));
    l->view.rows = l->rows;
    l->view.nrows = l->nrows;
    l->view.diag = l->have_last ? &l->diag : NULL;
    l->view.last = l->have_last ? &l->last : NULL;
    l->view.cx = l->have_cx ? l->cx : NULL;
    l->view.resolver = l->o->eo->resolver;
    l->view.runs = l->runs;
    l->view.running = l->engine != NULL;
    l->view.paused = l->paused;
    l->view.last_end = l->last_end;
    l->view.next_run = l->next_run;
    l->view.interval_s = l->o->interval_s;
    l->view.done = l->done;
    l->view.total = l->total;
    l->view.message = l->message[0] != '\0' ? l->message : NULL;
    l->view.capture = l->o->capture;
}

/* ------------------------------------------------------------- redraw */

static void
draw_now(void *arg)
{
    struct live *l = arg;

    l->draw_armed = false;
    build_view(l);
    pp_tui_draw(l->tui, &l->view);
    l->last_draw = pp_now_ms();
}

static void
mark_dirty(struct live *l)
{
    int64_t at;

    if (l->draw_armed)
        return;
    at = l->last_draw + PP_REDRAW_MS;
    if (at < pp_now_ms())
        at = pp_now_ms();
    l->draw_armed = true;
    pp_loop_timer(l->loop, &l->draw_timer, at);
}

/* Before every wait: has the run changed what the table shows? */
static void
prepare(void *arg)
{
    struct live *l = arg;
    uint64_t gen;
    size_t n;

    if (l->o->capture != NULL && pp_capture_generation(l->o->capture) != l->seen_cap) {
        l->seen_cap = pp_capture_generation(l->o->capture);
        mark_dirty(l);
    }
    if (l->engine == NULL)
        return;
    (void)pp_engine_results(l->engine, &n, &gen);
    if (gen != l->seen_gen) {
        l->seen_gen = gen;
        mark_dirty(l);
    }
}

/* --------------------------------------------------------------- runs */

static void start_cycle(void *arg);

static void
schedule(struct live *l, double after_s)
{
    if (l->paused || l->quit)
        return;
    l->next_run = time(NULL) + (time_t)(after_s + 0.5);
    pp_loop_timer(l->loop, &l->cycle_timer, pp_now_ms() + (int64_t)(after_s * 1000.0));
}

static void
finish_cycle(void *arg)
{
    struct live *l = arg;
    struct pp_report rep;
    size_t i;

    pp_engine_finish(l->engine, &rep);
    l->engine = NULL;
    pp_hists_add_report(&l->hists, &rep);
    if (l->have_last) {
        pp_diagnosis_free(&l->diag);
        pp_report_free(&l->last);
    }
    l->last = rep;
    l->lastbyid = pp_xrealloc(l->lastbyid, rep.n + 1, sizeof(*l->lastbyid));
    l->nlastbyid = 0;
    for (i = 0; i < rep.n; i++)
        if (rep.results[i]->id != NULL)
            l->lastbyid[l->nlastbyid++] = rep.results[i];
    if (l->nlastbyid > 1)
        qsort(l->lastbyid, l->nlastbyid, sizeof(*l->lastbyid), cmp_result_id);
    pp_run_conclude(&l->last, l->o->capture, false, &l->diag);
    l->last.context = l->have_cx ? l->cx : NULL;
    l->have_last = true;
    l->runs++;
    l->last_end = time(NULL);
    l->next_run = 0;
    schedule(l, l->o->interval_s);
    mark_dirty(l);
}

/* --sniff-only: no checks; every interval the capture alone is diagnosed,
 * for the findings and the push badge. */
static void
watch_cycle(struct live *l, bool end)
{
    if (l->o->capture == NULL)
        return;
    if (l->have_last) {
        pp_diagnosis_free(&l->diag);
        pp_report_free(&l->last);
    }
    memset(&l->last, 0, sizeof(l->last));
    pp_run_conclude(&l->last, l->o->capture, end, &l->diag);
    l->last.context = l->have_cx ? l->cx : NULL;
    pp_rfc3339(time(NULL), l->last.started_at, sizeof(l->last.started_at));
    l->last.ended_at = (int64_t)time(NULL);
    l->have_last = true;
    l->nlastbyid = 0;
    l->runs++;
    l->last_end = time(NULL);
    if (!l->quit)
        schedule(l, l->o->interval_s);
    mark_dirty(l);
}

static void
start_cycle(void *arg)
{
    struct live *l = arg;
    char err[256];

    if (l->engine != NULL || l->quit)
        return;
    if (l->o->plan->n == 0) {
        watch_cycle(l, false);
        return;
    }
    l->next_run = 0;
    l->seen_gen = 0;
    l->engine = pp_engine_start(l->loop, l->o->plan, l->o->eo, finish_cycle, l, err, sizeof(err));
    if (l->engine == NULL) {
        snprintf(l->message, sizeof(l->message), "cannot start a run: %s", err);
        pp_loop_timer(l->loop, &l->message_timer, pp_now_ms() + PP_MESSAGE_MS);
        schedule(l, l->o->interval_s);
    }
    mark_dirty(l);
}

/* -------------------------------------------------------- path traces */

static void
trace_unlink(struct live *l, struct live_trace *lt)
{
    struct live_trace **pp;

    for (pp = &l->traces; *pp != NULL; pp = &(*pp)->next)
        if (*pp == lt) {
            *pp = lt->next;
            break;
        }
}

static void
trace_free(struct live_trace *lt)
{
    int k;

    for (k = 0; k < 2; k++) {
        if (lt->tr[k] != NULL)
            pp_trace_cancel(lt->tr[k]);
        pp_path_free(lt->path[k]);
    }
    free(lt->id);
    free(lt->ref_id);
    free(lt);
}

static void
trace_done(struct pp_path *path, const char *err, void *arg)
{
    struct trace_slot *slot = arg;
    struct live_trace *lt = slot->lt;
    struct live *l;
    struct pp_hist *h;
    char words[600];
    int k = slot->k;

    (void)err;
    l = lt->l;
    lt->tr[k] = NULL;
    lt->path[k] = path;
    if (--lt->pending > 0)
        return;
    trace_unlink(l, lt);
    h = find_hist(l, lt->id, true);
    h->tracing = false;
    if (lt->path[1] != NULL) {
        struct pp_hist *rh = find_hist(l, lt->ref_id, true);
        pp_path_free(rh->path);
        rh->path = pp_path_dup(lt->path[1]);
    }
    if (lt->path[0] == NULL) {
        snprintf(l->message, sizeof(l->message), "%s: the path trace did not run", lt->id);
    } else {
        pp_trace_compare(lt->path[0], lt->path[1]);
        pp_path_free(h->path);
        h->path = lt->path[0];
        lt->path[0] = NULL;
        pp_path_sentence(h->path, words, sizeof(words));
        /* The status line is short: the details pane has it all. */
        snprintf(l->message, sizeof(l->message), "%.80s: %.200s", lt->id, words);
    }
    pp_loop_timer(l->loop, &l->message_timer, pp_now_ms() + PP_MESSAGE_MS);
    trace_free(lt);
    mark_dirty(l);
}

static int
result_addr(const struct pp_result *r, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (r == NULL || !r->has_address || r->target->port == 0)
        return -1;
    if (r->family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(r->target->port);
        return inet_pton(AF_INET6, r->address, &s6->sin6_addr) == 1 ? 0 : -1;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(r->target->port);
        return inet_pton(AF_INET, r->address, &s4->sin_addr) == 1 ? 0 : -1;
    }
}

/* The key t: trace the selected row (and a working row to its address). */
static void
trace_row(struct live *l)
{
    const char *id = pp_tui_selected(l->tui);
    const struct pp_result *r = NULL, *ref = NULL;
    struct pp_trace_opts o;
    struct sockaddr_storage ss;
    struct live_trace *lt;
    struct pp_hist *h;
    char err[200];
    size_t i;

    for (i = 0; id != NULL && i < l->view.nrows; i++)
        if (l->view.rows[i].r != NULL && l->view.rows[i].r->id != NULL &&
            strcmp(l->view.rows[i].r->id, id) == 0)
            r = l->view.rows[i].r;
    if (r == NULL || result_addr(r, &ss) < 0) {
        snprintf(l->message, sizeof(l->message), "no address to trace on this row");
        return;
    }
    h = find_hist(l, r->id, true);
    if (h->tracing) {
        snprintf(l->message, sizeof(l->message), "%s: a trace is under way", r->id);
        return;
    }
    for (i = 0; i < l->view.nrows && !pp_state_is_ok(r->state); i++) {
        const struct pp_result *x = l->view.rows[i].r;
        if (x != NULL && x != r && x->id != NULL && pp_state_is_ok(x->state) &&
            pp_result_counted(x) && strcmp(x->address, r->address) == 0) {
            ref = x;
            break;
        }
    }
    if (l->dns == NULL)
        l->dns = pp_dns_new(l->loop, l->o->eo->resolver, 2000, err, sizeof(err));
    memset(&o, 0, sizeof(o));
    o.timeout_s = l->o->eo->timeout_s;
    o.names = true;
    o.raw = true;
    lt = pp_xcalloc(1, sizeof(*lt));
    lt->l = l;
    lt->id = pp_xstrdup(r->id);
    for (i = 0; i < 2; i++) {
        lt->slot[i].lt = lt;
        lt->slot[i].k = (int)i;
    }
    lt->tr[0] = pp_trace_start(l->loop, l->dns, (struct sockaddr *)&ss, &o, trace_done,
                               &lt->slot[0], err, sizeof(err));
    if (lt->tr[0] == NULL) {
        snprintf(l->message, sizeof(l->message), "%s: no path trace: %s", r->id, err);
        trace_free(lt);
        return;
    }
    lt->pending = 1;
    if (ref != NULL && result_addr(ref, &ss) == 0) {
        lt->tr[1] = pp_trace_start(l->loop, l->dns, (struct sockaddr *)&ss, &o, trace_done,
                                   &lt->slot[1], err, sizeof(err));
        if (lt->tr[1] != NULL) {
            lt->ref_id = pp_xstrdup(ref->id);
            lt->pending++;
        }
    }
    lt->next = l->traces;
    l->traces = lt;
    h->tracing = true;
    snprintf(l->message, sizeof(l->message), "tracing the path of %s%s%s ...", r->id,
             ref != NULL ? " (and of " : "", ref != NULL ? ref->id : "");
    if (ref != NULL)
        snprintf(l->message + strlen(l->message), sizeof(l->message) - strlen(l->message), ")");
}

/* ------------------------------------------------------------ actions */

/* A new message stays for a few seconds, then the keys come back. */
static void
message_changed(struct live *l, const char *before)
{
    if (l->message[0] != '\0' && strcmp(before, l->message) != 0)
        pp_loop_timer(l->loop, &l->message_timer, pp_now_ms() + PP_MESSAGE_MS);
}

static void
act(struct live *l, enum pp_ui_action a)
{
    char before[sizeof(l->message)];

    memcpy(before, l->message, sizeof(before));
    switch (a) {
    case PP_UA_NONE:
        return;
    case PP_UA_REDRAW:
        break;
    case PP_UA_RERUN:
        if (l->engine != NULL) {
            snprintf(l->message, sizeof(l->message), "a run is in progress");
        } else {
            pp_loop_cancel(l->loop, &l->cycle_timer);
            l->message[0] = '\0';
            start_cycle(l);
        }
        break;
    case PP_UA_PAUSE:
        l->paused = !l->paused;
        if (l->paused) {
            pp_loop_cancel(l->loop, &l->cycle_timer);
            l->next_run = 0;
            snprintf(l->message, sizeof(l->message), "paused: no new runs (p resumes)");
        } else {
            l->message[0] = '\0';
            if (l->engine == NULL)
                start_cycle(l);
        }
        break;
    case PP_UA_SAVE:
        if (!l->have_last)
            snprintf(l->message, sizeof(l->message), "nothing to save before a run completes");
        else if (l->o->save == NULL)
            snprintf(l->message, sizeof(l->message), "saving is not available");
        else {
            l->last.context = l->have_cx ? l->cx : NULL;
            l->o->save(&l->last, l->o->save_arg, l->message, sizeof(l->message));
        }
        break;
    case PP_UA_TRACE:
        trace_row(l);
        break;
    case PP_UA_QUIT:
        l->quit = true;
        pp_loop_stop(l->loop);
        return;
    }
    message_changed(l, before);
    mark_dirty(l);
}

/* The message expires (the headline keeps saying "paused"). */
static void
clear_message(void *arg)
{
    struct live *l = arg;

    l->message[0] = '\0';
    mark_dirty(l);
}

static void
on_tty(int fd, short revents, void *arg)
{
    struct live *l = arg;
    bool hangup = false;
    enum pp_ui_action a[16];
    size_t n, i;

    (void)fd;
    build_view(l);
    n = pp_tui_input(l->tui, &l->view, a, 16, &hangup);
    for (i = 0; i < n && !l->quit; i++)
        act(l, a[i]);
    if (hangup || (revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
        act(l, PP_UA_QUIT);
}

static void
on_sigpipe(int fd, short revents, void *arg)
{
    struct live *l = arg;
    unsigned char buf[16];
    ssize_t n, i;

    (void)revents;
    n = read(fd, buf, sizeof(buf));
    for (i = 0; i < n; i++) {
        if (buf[i] == SIGWINCH) {
            pp_tui_resize(l->tui);
            mark_dirty(l);
        } else {
            stop_signal = buf[i];
            act(l, PP_UA_QUIT);
        }
    }
}

/* ---------------------------------------------------------------- run */

/* The self-pipe for signals, both ends non-blocking; 0 or -1 with err. */
static int
open_sigpipe(char *err, size_t errlen)
{
    int i;

    if (pipe(sigfd) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    for (i = 0; i < 2; i++) {
        fcntl(sigfd[i], F_SETFL, fcntl(sigfd[i], F_GETFL) | O_NONBLOCK);
        fcntl(sigfd[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

static void
close_sigpipe(void)
{
    close(sigfd[0]);
    close(sigfd[1]);
    sigfd[0] = sigfd[1] = -1;
}

/* The session, its loop, the capture attached and the terminal taken;
 * NULL with err set when the dashboard cannot start. */
static struct live *
live_open(const struct pp_live_opts *o, struct pp_context *cx, char *err, size_t errlen)
{
    struct live *l = pp_xcalloc(1, sizeof(*l));

    l->o = o;
    l->cx = cx;
    l->planned = pp_xcalloc(o->plan->n + 1, 1);
    memset(cx, 0, sizeof(*cx));
    l->loop = pp_loop_new();
    if (open_sigpipe(err, errlen) < 0) {
        l->tui = NULL;
    } else if (o->capture != NULL &&
               pp_capture_attach(o->capture, l->loop, NULL, NULL, err, errlen) < 0) {
        close_sigpipe();
        l->tui = NULL;
    } else if ((l->tui = pp_tui_open(o->color, err, errlen)) == NULL) {
        pp_capture_detach(o->capture);
        close_sigpipe();
    }
    if (l->tui == NULL) {
        pp_loop_free(l->loop);
        free(l->planned);
        free(l);
        return NULL;
    }
    pp_timer_init(&l->cycle_timer, start_cycle, l);
    pp_timer_init(&l->draw_timer, draw_now, l);
    pp_timer_init(&l->message_timer, clear_message, l);
    pp_loop_watch(l->loop, STDIN_FILENO, POLLIN, on_tty, l);
    pp_loop_watch(l->loop, sigfd[0], POLLIN, on_sigpipe, l);
    pp_loop_prepare(l->loop, prepare, l);
    return l;
}

/* The terminal given back, the capture over, the run cut short, the loop
 * freed; the session itself stays for what it hands back. */
static void
live_close(struct live *l)
{
    const struct pp_live_opts *o = l->o;

    pp_tui_close(l->tui);
    if (o->capture != NULL) {
        pp_capture_detach(o->capture);
        if (o->plan->n == 0)
            watch_cycle(l, true);   /* the report printed on quit: the capture to the end */
        else
            pp_capture_settle(o->capture, true);
    }
    restore_signals();
    if (l->engine != NULL) {
        struct pp_report cut;
        pp_engine_finish(l->engine, &cut);
        pp_report_free(&cut);
    }
    pp_loop_unprepare(l->loop, prepare, l);
    pp_loop_cancel(l->loop, &l->cycle_timer);
    pp_loop_cancel(l->loop, &l->draw_timer);
    pp_loop_cancel(l->loop, &l->message_timer);
    pp_loop_unwatch(l->loop, STDIN_FILENO);
    pp_loop_unwatch(l->loop, sigfd[0]);
    close_sigpipe();
    while (l->traces != NULL) {
        struct live_trace *lt = l->traces;
        l->traces = lt->next;
        trace_free(lt);
    }
    pp_dns_free(l->dns);
    l->dns = NULL;
    pp_loop_free(l->loop);
}

static void
live_free(struct live *l)
{
    pp_hists_free(&l->hists);
    free(l->rows);
    free(l->byid);
    free(l->lastbyid);
    free(l->planned);
    free(l);
}

int
pp_live_run(const struct pp_live_opts *o, struct pp_report *last, struct pp_diagnosis *diag,
            struct pp_context *cx, char *err, size_t errlen)
{
    struct live *l;
    static bool atexit_done;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "the dashboard needs a terminal on standard input and output");
        return -1;
    }
    l = live_open(o, cx, err, errlen);
    if (l == NULL)
        return -1;
    if (!atexit_done) {
        atexit(at_exit_restore);
        atexit_done = true;
    }
    install_signals();
    /* The first frame before anything touches the network. */
    draw_now(l);
    pp_run_context(cx, NULL, o->pac);
    l->have_cx = true;
    start_cycle(l);
    pp_loop_run(l->loop);
    live_close(l);
    if (l->have_last) {
        *last = l->last;
        *diag = l->diag;
        last->diag = diag;
        last->context = cx;
    } else {
        memset(last, 0, sizeof(*last));
        memset(diag, 0, sizeof(*diag));
    }
    live_free(l);
    return 0;
}

#else /* !HAVE_NCURSES */

int
pp_live_run(const struct pp_live_opts *o, struct pp_report *last, struct pp_diagnosis *diag,
            struct pp_context *cx, char *err, size_t errlen)
{
    (void)o;
    (void)last;
    (void)diag;
    (void)cx;
    snprintf(err, errlen, "this pushprobe was built without ncursesw: no dashboard");
    return -1;
}

#endif
