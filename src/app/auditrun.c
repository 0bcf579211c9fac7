/* SPDX-License-Identifier: ISC */
/* The audit's run; see auditrun.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/auditrun.h"
#include "core/loop.h"
#include "core/util.h"
#include "ui/report.h"

#define FLUSH_MS 250   /* rows wait at most this long in stdio's buffer */

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
    stop_signal = sig;
}

struct run {
    struct pp_audit *audit;
    struct pp_audit_out out;
    bool engine_done;
    bool write_failed;
};

static void
engine_done(void *arg)
{
    ((struct run *)arg)->engine_done = true;
}

static void
sink(void *ctx, struct pp_result *r)
{
    struct run *run = ctx;

    if (!pp_audit_out_check(&run->out, r)) {
        pp_audit_release(run->audit, r);
        pp_result_free(r);
    }
    /* A reader that went away (a closed pipe): no use running on. */
    if ((run->out.csv != NULL && ferror(run->out.csv)) ||
        (run->out.jsonl != NULL && ferror(run->out.jsonl)) ||
        (run->out.json != NULL && ferror(run->out.json)))
        run->write_failed = true;
}

/* The progress line on a terminal: done/total, rate, time left and the
 * deviations so far. */
static void
progress(void *arg, const struct pp_progress *p)
{
    struct run *run = arg;
    double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0;
    unsigned long long dev = (unsigned long long)run->out.ar->deviations;

    if (p->over)
        fprintf(stderr, "\r%zu checks done in %.1f s, %llu deviations%20s\n", p->done,
                p->elapsed_s, dev, "");
    else if (rate > 0 && p->total > p->done)
        fprintf(stderr, "\r%zu/%llu checks, %.0f/s, about %.0f s left, %llu deviations   ",
                p->done, (unsigned long long)p->total, rate,
                (double)(p->total - p->done) / rate, dev);
    else
        fprintf(stderr, "\r%zu/%llu checks, %llu deviations   ", p->done,
                (unsigned long long)p->total, dev);
}

static void
flush_all(const struct pp_audit_out *o)
{
    if (o->csv != NULL)
        fflush(o->csv);
    if (o->jsonl != NULL)
        fflush(o->jsonl);
    if (o->json != NULL)
        fflush(o->json);
}

static FILE *
open_out(const char *path, const char *what)
{
    FILE *f;

    if (strcmp(path, "-") == 0)
        return stdout;
    f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "pushprobe: --%s: cannot write %s: %s\n", what, path, strerror(errno));
    return f;
}

static bool
close_out(FILE *f, const char *what)
{
    bool ok = fflush(f) == 0 && !ferror(f);

    if (!ok)
        fprintf(stderr, "pushprobe: writing the %s: %s\n", what, strerror(errno));
    if (f != stdout && fclose(f) != 0 && ok) {
        fprintf(stderr, "pushprobe: writing the %s: %s\n", what, strerror(errno));
        ok = false;
    }
    return ok;
}

/* The outputs asked for, opened, and the report's start written; false
 * (with what was opened closed) when a file cannot be made. */
static bool
open_outputs(struct run *run, const struct pp_audit_run_opts *ro)
{
    bool ok = true;

    if (ro->csv != NULL && (run->out.csv = open_out(ro->csv, "csv")) == NULL)
        ok = false;
    if (ro->jsonl != NULL && (run->out.jsonl = open_out(ro->jsonl, "jsonl")) == NULL)
        ok = false;
    if (!ok) {
        if (run->out.csv != NULL && run->out.csv != stdout)
            fclose(run->out.csv);
        return false;
    }
    if (ro->json)
        run->out.json = stdout;
    if (run->out.json == NULL && run->out.csv != stdout && run->out.jsonl != stdout)
        run->out.text = stdout;
    pp_rfc3339(time(NULL), run->out.started_at, sizeof(run->out.started_at));
    pp_audit_out_begin(&run->out);
    return true;
}

/* The loop until the engine is done, a signal came or a write failed;
 * rows leave as checks finish, at most FLUSH_MS in the buffer.  False
 * when poll() fails. */
static bool
run_loop(struct run *run, struct pp_loop *loop)
{
    struct sigaction sa, old_int, old_term;
    int64_t flushed = pp_now_ms();
    bool ok = true;

    /* Handlers that only note the signal; SA_RESTART keeps a write that
     * it interrupts going, so rows stay whole. */
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    stop_signal = 0;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    while (!run->engine_done && !stop_signal && !run->write_failed) {
        int64_t now;

        if (pp_loop_run_once(loop, FLUSH_MS) < 0 && errno != EINTR) {
            fprintf(stderr, "pushprobe: poll: %s\n", strerror(errno));
            ok = false;
            break;
        }
        now = pp_now_ms();
        if (now - flushed >= FLUSH_MS) {
            flush_all(&run->out);
            flushed = now;
        }
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return ok;
}

/* Every output closed (false if one could not be written whole), what
 * was cut short said on stderr, and the exit status. */
static int
close_outputs(struct run *run, struct pp_audit_result *ar, bool ok)
{
    pp_audit_out_end(&run->out);
    if (run->out.csv != NULL && !close_out(run->out.csv, "CSV"))
        ok = false;
    if (run->out.jsonl != NULL && run->out.jsonl != run->out.csv &&
        !close_out(run->out.jsonl, "JSON Lines"))
        ok = false;
    if ((run->out.json != NULL || run->out.text != NULL) && !close_out(stdout, "report"))
        ok = false;
    if (ar->interrupted)
        fprintf(stderr, "pushprobe: interrupted: %llu checks written, %llu not run\n",
                (unsigned long long)ar->checks, (unsigned long long)ar->not_run);
    else if (ar->not_run > 0)
        fprintf(stderr, "pushprobe: %llu checks were not run: the run's time limit passed\n",
                (unsigned long long)ar->not_run);
    if (!ok || run->write_failed)
        return PP_EXIT_INTERNAL;
    if (ar->interrupted)
        return stop_signal == SIGTERM ? 128 + SIGTERM : PP_EXIT_INTERRUPTED;
    return ar->deviations > 0 || ar->not_run > 0 ? PP_EXIT_FAILED : PP_EXIT_OK;
}

int
pp_audit_run(struct pp_audit *a, const struct pp_plan *plan, struct pp_engine_opts *eo,
             const struct pp_audit_run_opts *ro)
{
    struct run run;
    struct pp_audit_result ar;
    struct pp_report rep;
    struct pp_loop *loop;
    struct pp_engine *e;
    char err[600];
    bool ok;
    int rc;

    memset(&run, 0, sizeof(run));
    pp_audit_result_init(&ar, a);
    run.audit = a;
    run.out.a = a;
    run.out.ar = &ar;
    run.out.color = ro->color;
    run.out.adaptive = ro->adaptive;
    run.out.timeout_s = eo->timeout_s;
    if (!open_outputs(&run, ro)) {
        pp_audit_result_free(&ar);
        return PP_EXIT_USAGE;
    }
    eo->sink = sink;
    eo->sink_ctx = &run;
    if (eo->progress != NULL) {   /* a terminal: our line, with the deviations */
        eo->progress = progress;
        eo->progress_arg = &run;
    }
    eo->adaptive_timeout = ro->adaptive;
    loop = pp_loop_new();
    e = pp_engine_start(loop, plan, eo, engine_done, &run, err, sizeof(err));
    if (e == NULL) {
        fprintf(stderr, "pushprobe: %s\n", err);
        pp_loop_free(loop);
        pp_audit_result_free(&ar);
        return PP_EXIT_INTERNAL;
    }
    ok = run_loop(&run, loop);
    ar.interrupted = stop_signal != 0;
    pp_engine_timeouts(e, &ar.timeout_lo, &ar.timeout_hi);
    /* Checks cut short come to the sink unfinished and are not written. */
    pp_engine_finish(e, &rep);
    pp_loop_free(loop);
    ar.not_run += rep.not_run;
    run.out.duration_ms = rep.duration_ms;
    pp_report_free(&rep);
    rc = close_outputs(&run, &ar, ok);
    pp_audit_result_free(&ar);
    return rc;
}
