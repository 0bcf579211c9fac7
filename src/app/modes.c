/* SPDX-License-Identifier: ISC */
/*
 * The runners of the modes (run.h): main sets the run up and hands over
 * to one of these; each returns the exit status and leaves the cleaning
 * up to main.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/agent.h"
#include "app/auditrun.h"
#include "app/live.h"
#include "app/output.h"
#include "app/run.h"
#include "capture/capture.h"
#include "capture/flows.h"
#include "core/hist.h"
#include "core/loop.h"
#include "core/redact.h"
#include "core/util.h"
#include "engine/engine.h"
#include "engine/trace.h"
#include "probes/probe.h"
#include "ui/jsonw.h"
#include "ui/report.h"

/* ------------------------------------------------------------ --list */

/* --list --json: the plan as one object (doc/pushprobe.schema.json's
 * $defs/plan). */
static int
list_json(const struct pp_plan *p, const struct pp_feed *feed)
{
    struct pp_jsonw w;
    size_t i;

    pp_jw_init(&w, stdout, true);
    pp_jw_obj(&w);
    pp_jw_kstr(&w, "tool", "pushprobe");
    pp_jw_kstr(&w, "version", PACKAGE_VERSION);
    pp_jw_kint(&w, "schema", PP_JSON_SCHEMA);
    pp_jw_kint(&w, "schema_minor", PP_JSON_SCHEMA_MINOR);
    pp_jw_key(&w, "plan");
    pp_jw_arr(&w);
    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];

        pp_jw_obj(&w);
        pp_jw_kstr(&w, "service", pp_service_name(t->service));
        pp_jw_kstr(&w, "host", t->host);
        pp_jw_kint(&w, "port", t->port);
        pp_jw_kstr(&w, "probe", t->probe->name);
        pp_jw_kbool(&w, "tls", t->tls);
        pp_jw_kstr(&w, "path", t->path);
        pp_jw_kbool(&w, "required", t->required);
        pp_jw_kstr(&w, "note", t->note);
        pp_jw_obj_end(&w);
    }
    pp_jw_arr_end(&w);
    pp_jw_kint(&w, "address_checks", feed != NULL ? (long long)feed->total : 0);
    pp_jw_obj_end(&w);
    putchar('\n');
    return pp_app_flush(PP_EXIT_OK);
}

int
pp_mode_list(struct pp_app *app)
{
    const struct pp_plan *p = &app->plan;
    const struct pp_feed *feed = app->st.o.feed;
    size_t i;

    if (app->st.format == PP_FMT_JSON)
        return list_json(p, feed);
    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];
        printf("%-16s %-34s %5u %-7s %-8s %s%s%s\n", pp_service_name(t->service), t->host,
               t->port, t->probe->name, t->required ? "required" : "optional",
               t->note ? t->note : "", t->via ? ", via " : "", t->via ? t->via->url : "");
    }
    if (feed != NULL && feed->total > 0)
        printf("and %llu checks of addresses and blocks\n", (unsigned long long)feed->total);
    return PP_EXIT_OK;
}

/* ------------------------------------------------------------ --serve */

int
pp_mode_agent(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    char err[600];
    int rc;

    if (st->agent.interval_s <= 0)
        st->agent.interval_s = 60;
    st->agent.capture = app->cap;
    st->agent.resolver = st->resolver;
    st->agent.pac = &app->pac;
    rc = pp_agent_run(&st->agent, &app->plan, &st->o, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        return PP_EXIT_USAGE;
    }
    /* Ctrl-C is 128 + SIGINT; SIGTERM is a service manager's stop: 0. */
    return pp_agent_stop_signal() == SIGINT ? 128 + SIGINT : PP_EXIT_OK;
}

/* ------------------------------------------------------------ the report */

/* Write a concluded run out (the report, or the Nagios line), save it
 * when asked, and say how it went. */
static int
report_out(struct pp_app *app, const struct pp_report *rep, const struct pp_diagnosis *diag)
{
    const struct pp_settings *st = &app->st;
    struct pp_redact *rd = NULL;
    char *out, msg[300];
    int rc = PP_EXIT_OK;

    if (st->redact)
        rd = pp_app_redactions(rep, app->cx);
    if (st->nagios) {
        struct pp_nagios_limits lim = {st->warn, st->crit, st->warn_r, st->crit_r};

        rc = pp_app_nagios(rep, diag, &lim, rd);
    } else if (rd == NULL) {
        /* Straight out: a capture's report can be large. */
        pp_report_write(stdout, rep, st->format, app->color);
    } else {
        out = pp_app_render(rep, st->format, app->color, rd);
        fputs(out, stdout);
        free(out);
    }
    pp_redact_free(rd);
    if (st->save != NULL && pp_app_save(rep, app, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", msg);
        exit(PP_EXIT_INTERNAL);
    }
    if (!st->nagios)
        rc = pp_app_exit_status(rep);
    return pp_app_flush(rc);
}

/* --trace: the paths of the checks that failed, before the diagnosis
 * that names where they end. */
static void
trace_report(struct pp_app *app, struct pp_report *rep)
{
    struct pp_trace_opts to;
    char err[300];
    bool *want;

    if (app->st.o.trace == 0 || rep->n == 0)
        return;
    memset(&to, 0, sizeof(to));
    to.timeout_s = app->st.o.timeout_s;
    to.names = true;
    to.raw = true;
    to.resolver = app->st.resolver;
    want = pp_xcalloc(rep->n, sizeof(*want));
    pp_run_trace_select(rep->results, rep->n, app->st.o.trace == 2, want);
    if (pp_trace_report(rep, want, &to, err, sizeof(err)) < 0)
        fprintf(stderr, "pushprobe: no path traces: %s\n", err);
    free(want);
}

/* Conclude the run, describe this machine (not for a saved capture: it
 * comes from another machine) and write the report. */
static int
conclude_and_report(struct pp_app *app, struct pp_report *rep)
{
    struct pp_diagnosis diag;
    struct pp_context cx;
    int rc;

    memset(&cx, 0, sizeof(cx));
    pp_run_conclude(rep, app->cap, true, &diag);
    if (app->st.read_file == NULL) {
        pp_run_context(&cx, app->st.resolver, &app->pac);
        rep->context = &cx;
    }
    app->cx = &cx;
    rc = report_out(app, rep, &diag);
    app->cx = NULL;
    pp_context_free(&cx);
    pp_diagnosis_free(&diag);
    pp_report_free(rep);
    return rc;
}

int
pp_mode_once(struct pp_app *app)
{
    struct pp_report rep;
    char err[600];

    if (pp_engine_run(&app->plan, &app->st.o, &rep, err, sizeof(err)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        return PP_EXIT_INTERNAL;
    }
    trace_report(app, &rep);
    return conclude_and_report(app, &rep);
}

/* ------------------------------------------------------------ -c N */

/* Ctrl-C or SIGTERM between or during the rounds: the round under way
 * ends, the report of the rounds run follows (a second signal ends
 * pushprobe at once: SA_RESETHAND). */
static volatile sig_atomic_t count_stop;

static void
on_count_stop(int sig)
{
    count_stop = sig;
}

static void
pause_s(double s)
{
    struct timespec ts;

    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !count_stop)
        continue;
}

/* On a terminal: one line for all the rounds, "round 3/10: 40/52 checks",
 * wiped when they are over. */
struct count_line {
    long k, n;
};

static void
count_progress(void *arg, const struct pp_progress *p)
{
    const struct count_line *cl = arg;

    if (p->over && (cl->k + 1 == cl->n || count_stop))
        fprintf(stderr, "\r%60s\r", "");
    else
        fprintf(stderr, "\rround %ld/%ld: %zu/%llu checks   ", cl->k + 1, cl->n, p->done,
                (unsigned long long)p->total);
}

/* The rounds, into hists; the last round's report in *rep.  0, or -1
 * with err set when a round could not run. */
static int
count_rounds(struct pp_app *app, struct pp_hists *hists, struct pp_report *rep, char *err,
             size_t errlen)
{
    const struct pp_settings *st = &app->st;
    double gap = st->agent.interval_s > 0 ? st->agent.interval_s : 1.0, t0 = pp_now_msf();
    char started[sizeof(rep->started_at)];
    struct pp_engine_opts eo = st->o;
    struct count_line cl = {0, st->count};

    if (isatty(STDERR_FILENO)) {
        eo.progress = count_progress;
        eo.progress_arg = &cl;
    }
    for (cl.k = 0; cl.k < st->count; cl.k++) {
        if (cl.k > 0) {
            pause_s(gap);
            if (count_stop)
                break;
            pp_report_free(rep);
        }
        if (pp_engine_run(&app->plan, &eo, rep, err, errlen) < 0)
            return -1;
        if (cl.k == 0)
            memcpy(started, rep->started_at, sizeof(started));
        pp_hists_add_report(hists, rep);
        if (count_stop)
            break;
    }
    /* The report covers the rounds: from the first start to the end. */
    memcpy(rep->started_at, started, sizeof(started));
    rep->duration_ms = pp_now_msf() - t0;
    return 0;
}

/* mtr -c: N rounds without the screen, each check's history kept as the
 * dashboard keeps it (core/hist.h), then the last round's report with
 * the rounds beside it; its verdicts give the exit status (128 + the
 * signal when one cut the rounds short). */
int
pp_mode_count(struct pp_app *app)
{
    struct sigaction sa, old_int, old_term;
    struct pp_hists hists;
    struct pp_report rep;
    char err[600];
    int rc;

    memset(&hists, 0, sizeof(hists));
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_count_stop;
    sa.sa_flags = (int)SA_RESETHAND;
    count_stop = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    rc = count_rounds(app, &hists, &rep, err, sizeof(err));
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        pp_hists_free(&hists);
        return PP_EXIT_INTERNAL;
    }
    if (count_stop)
        fprintf(stderr, "pushprobe: interrupted after %u of %ld rounds\n", hists.rounds,
                app->st.count);
    rep.rounds = &hists;
    trace_report(app, &rep);
    rc = conclude_and_report(app, &rep);
    pp_hists_free(&hists);
    if (count_stop && rc != PP_EXIT_INTERNAL)
        rc = 128 + count_stop;
    return rc;
}

/* ------------------------------------------------------------ the dashboard */

int
pp_mode_dashboard(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    struct pp_live_opts lo;
    struct pp_plan none;
    struct pp_report rep;
    struct pp_diagnosis diag;
    struct pp_context cx;
    char err[600], msg[300];
    int rc;

    pp_plan_init(&none);
    memset(&lo, 0, sizeof(lo));
    lo.plan = st->sniff_only ? &none : &app->plan;
    lo.eo = &st->o;
    lo.pac = &app->pac;
    lo.interval_s = st->agent.interval_s > 0 ? st->agent.interval_s : 10;
    lo.color = app->color;
    lo.save = pp_app_save;
    lo.save_arg = app;
    lo.capture = app->cap;
    app->cx = &cx;
    if (pp_live_run(&lo, &rep, &diag, &cx, err, sizeof(err)) < 0) {
        /* No dashboard here (no curses in this build): the report instead. */
        fprintf(stderr, "pushprobe: %s\n", err);
        app->cx = NULL;
        return -1;
    }
    rc = PP_EXIT_OK;
    /* The terminal keeps the last verdict; --save gets it too. */
    if (rep.n > 0 || app->cap != NULL) {
        struct pp_redact *rd = st->redact ? pp_app_redactions(&rep, &cx) : NULL;
        char *out = pp_app_render(&rep, PP_FMT_TEXT, app->color, rd);

        fputs(out, stdout);
        free(out);
        pp_redact_free(rd);
        if (st->save != NULL && pp_app_save(&rep, app, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "pushprobe: %s\n", msg);
            rc = PP_EXIT_INTERNAL;
        }
    }
    if (rc == PP_EXIT_OK)
        rc = pp_app_flush(pp_app_exit_status(&rep));
    /* Ended by a signal rather than a key: 128 + the signal. */
    if (rc != PP_EXIT_INTERNAL && pp_live_stop_signal() != 0)
        rc = 128 + pp_live_stop_signal();
    app->cx = NULL;
    pp_context_free(&cx);
    pp_diagnosis_free(&diag);
    pp_report_free(&rep);
    return rc;
}

/* ------------------------------------------------------------ the capture */

/* --sniff without the dashboard: capture beside one run of the checks
 * (plan NULL: --sniff-only), until the run is over and --duration has
 * passed, or until Ctrl-C. */
static volatile sig_atomic_t stop_watch;

static void
on_stop(int sig)
{
    stop_watch = sig;
}

struct watch_state {
    bool engine_done;
    bool duration_over;
};

static void
watch_engine_done(void *arg)
{
    ((struct watch_state *)arg)->engine_done = true;
}

static void
watch_duration_over(void *arg)
{
    ((struct watch_state *)arg)->duration_over = true;
}

/* Turn the loop until the run is over (and --duration) or a signal. */
static void
watch_loop(struct pp_loop *loop, const struct watch_state *ws, bool checks, double duration_s)
{
    struct sigaction sa, old_int, old_term;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_watch = 0;
    while (!stop_watch) {
        if (ws->engine_done && (ws->duration_over || (checks && duration_s <= 0)))
            break;
        if (pp_loop_run_once(loop, 250) < 0 && errno != EINTR)
            break;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
}

static int
watch(struct pp_capture *cap, const struct pp_plan *plan, const struct pp_engine_opts *eo,
      double duration_s, struct pp_report *rep, char *err, size_t errlen)
{
    struct pp_loop *loop = pp_loop_new();
    struct pp_engine *e = NULL;
    struct watch_state ws = {false, false};
    time_t t0 = time(NULL);
    double started = pp_now_msf();

    memset(rep, 0, sizeof(*rep));
    if (pp_capture_attach(cap, loop, watch_duration_over, &ws, err, errlen) < 0) {
        pp_loop_free(loop);
        return -1;
    }
    if (plan != NULL) {
        e = pp_engine_start(loop, plan, eo, watch_engine_done, &ws, err, errlen);
        if (e == NULL) {
            pp_capture_detach(cap);
            pp_loop_free(loop);
            return -1;
        }
    } else {
        ws.engine_done = true;
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "pushprobe: capturing on %s%s; Ctrl-C ends it\n",
                    pp_capture_source(cap), duration_s > 0 ? " for --duration" : "");
    }
    watch_loop(loop, &ws, plan != NULL, duration_s);
    if (e != NULL) {
        pp_engine_finish(e, rep);
    } else {
        pp_rfc3339(t0, rep->started_at, sizeof(rep->started_at));
        rep->ended_at = (int64_t)time(NULL);
        rep->duration_ms = pp_now_msf() - started;
    }
    pp_capture_detach(cap);
    pp_loop_free(loop);
    return 0;
}

/* --read: every packet of the file; the report's time is the capture's. */
static void
read_capture(struct pp_capture *cap, struct pp_report *rep)
{
    const struct pp_flows_stats *fs;
    char err[600];

    if (pp_capture_read_all(cap, err, sizeof(err)) < 0)
        fprintf(stderr, "pushprobe: %s (the packets before it are analysed)\n", err);
    memset(rep, 0, sizeof(*rep));
    fs = pp_flows_stats(pp_capture_flows(cap));
    if (fs->frames > 0) {
        pp_rfc3339((time_t)(fs->first_us / 1000000), rep->started_at, sizeof(rep->started_at));
        rep->duration_ms = (double)(fs->last_us - fs->first_us) / 1000.0;
        rep->ended_at = fs->last_us / 1000000;
    }
}

int
pp_mode_capture(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    struct pp_report rep;
    char err[600];
    int rc;

    stop_watch = 0;
    if (st->read_file != NULL) {
        read_capture(app->cap, &rep);
    } else if (watch(app->cap, st->sniff_only ? NULL : &app->plan, &st->o, st->duration_s, &rep,
                     err, sizeof(err)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        return PP_EXIT_INTERNAL;
    } else {
        trace_report(app, &rep);
    }
    rc = conclude_and_report(app, &rep);
    /* Ctrl-C (or SIGTERM) ended the capture: the report is written, the
     * status is 128 + the signal, as everywhere. */
    if (st->read_file == NULL && stop_watch != 0 && rc != PP_EXIT_INTERNAL)
        rc = 128 + stop_watch;
    return rc;
}

/* ------------------------------------------------------------ --audit */

int
pp_mode_audit(struct pp_app *app)
{
    const struct pp_settings *st = &app->st;
    struct pp_audit_run_opts ao;

    memset(&ao, 0, sizeof(ao));
    ao.csv = st->csv_path;
    ao.jsonl = st->jsonl_path;
    ao.json = st->format == PP_FMT_JSON;
    ao.color = app->color;
    ao.adaptive = !st->timeout_fixed;
    return pp_audit_run(&app->audit, &app->plan, &app->st.o, &ao);
}
