/* SPDX-License-Identifier: ISC */
/*
 * The end of a run (run.h): concluding it, and what main's runners write
 * from it: the report (masked with --redact), the files of --save, the
 * Nagios line and the exit status.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/output.h"
#include "app/pacrun.h"
#include "app/run.h"
#include "capture/capture.h"
#include "core/redact.h"
#include "core/url.h"
#include "core/util.h"
#include "probes/details.h"
#include "ui/report.h"

void
pp_run_conclude(struct pp_report *rep, struct pp_capture *cap, bool end,
                struct pp_diagnosis *diag)
{
    if (cap != NULL) {
        pp_capture_settle(cap, end);
        pp_capture_learn_report(cap, rep);
        rep->capture = cap;
    }
    pp_diagnose(rep, diag);
    rep->diag = diag;
}

bool
pp_app_smart_terminal(void)
{
    const char *term = getenv("TERM");

    return isatty(STDOUT_FILENO) && term != NULL && strcmp(term, "dumb") != 0;
}

bool
pp_app_want_color(const struct pp_settings *st)
{
    const char *nc = getenv("NO_COLOR");

    if (nc != NULL && *nc != '\0')
        return false;
    if (st->color != NULL && strcmp(st->color, "always") == 0)
        return true;
    if (st->color != NULL && strcmp(st->color, "never") == 0)
        return false;
    return pp_app_smart_terminal();
}

char *
pp_app_render(const struct pp_report *rep, enum pp_format fmt, bool color,
              const struct pp_redact *rd)
{
    struct pp_report masked = *rep;
    char *buf, *out;

    /* The text report masks each value before it lays out its columns;
     * then everything (JSON, the rest) is masked once more. */
    masked.redact = rd;
    buf = pp_report_render(&masked, fmt, color, NULL);
    if (buf == NULL) {
        fprintf(stderr, "pushprobe: out of memory\n");
        exit(PP_EXIT_INTERNAL);
    }
    if (rd == NULL)
        return buf;
    out = pp_redact_apply(rd, buf);
    free(buf);
    return out;
}

/* Write text into one of the --save files: the one opened at the start
 * (emptied first) or, own, a new one. */
static int
save_one(FILE *kept, const char *path, const char *text, char *msg, size_t msglen)
{
    FILE *f = kept != NULL ? kept : fopen(path, "w");
    int rc = 0;

    if (f != NULL && kept != NULL) {
        rewind(f);
        if (ftruncate(fileno(f), 0) < 0)
            f = NULL;
    }
    if (f == NULL || fputs(text, f) == EOF || fflush(f) != 0) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (kept == NULL && f != NULL && fclose(f) != 0 && rc == 0) {
        snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

int
pp_app_save(const struct pp_report *rep, void *arg, char *msg, size_t msglen)
{
    struct pp_app *app = arg;
    const struct pp_settings *st = &app->st;
    struct pp_redact *rd = st->redact && app->cx != NULL ? pp_app_redactions(rep, app->cx) : NULL;
    bool own = app->save_f[0] == NULL;
    char *text[2], *base, stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int k, rc = 0;

    text[0] = pp_app_render(rep, PP_FMT_TEXT, false, rd);
    text[1] = pp_app_render(rep, PP_FMT_JSON, false, rd);
    pp_redact_free(rd);
    if (own) {
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        base = pp_xasprintf("pushprobe-%s", stamp);
    } else {
        base = pp_xstrdup(st->save);
    }
    for (k = 0; k < 2; k++) {
        char *path = pp_xasprintf(k == 0 ? "%s.txt" : "%s.json", base);

        char later[300];

        /* The first error is the one told. */
        if (save_one(app->save_f[k], path, text[k], rc == 0 ? msg : later,
                     rc == 0 ? msglen : sizeof(later)) < 0)
            rc = -1;
        free(path);
        free(text[k]);
    }
    if (rc == 0)
        snprintf(msg, msglen, "saved %s.txt and %s.json", base, base);
    free(base);
    return rc;
}

int
pp_app_exit_status(const struct pp_report *rep)
{
    struct pp_summary s;

    pp_summarize(rep, &s);
    return pp_status_exit(s.status);
}

/* Append to a growing string. */
static void
cat_text(char **buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
cat_text(char **buf, const char *fmt, ...)
{
    va_list ap;
    char *more, *both;

    va_start(ap, fmt);
    if (vasprintf(&more, fmt, ap) < 0) {
        fputs("PUSHPROBE UNKNOWN - out of memory\n", stdout);
        exit(PP_EXIT_INTERNAL);
    }
    va_end(ap);
    both = pp_xasprintf("%s%s", *buf != NULL ? *buf : "", more);
    free(*buf);
    free(more);
    *buf = both;
}

/* Text of a plugin's output: a '|' would start perfdata, a newline a line
 * (plugin_lines keeps the newlines of the long output). */
static void
plugin_lines(char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '|')
            *s = '/';
        else if (*s == '\r')
            *s = ' ';
}

static void
plugin_text(char *s)
{
    plugin_lines(s);
    for (; *s != '\0'; s++)
        if (*s == '\n')
            *s = ' ';
}

int
pp_app_nagios(const struct pp_report *rep, const struct pp_diagnosis *d,
              const struct pp_nagios_limits *lim, const struct pp_redact *rd)
{
    static const char *const words[] = {"OK", "WARNING", "CRITICAL"};
    int level, sev = -1;
    size_t i;
    double slowest = 0;
    struct pp_summary s;
    const struct pp_finding *top = NULL;
    const char *what;
    char *head = NULL, *perf = NULL, *lng = NULL, *out;

    pp_summarize(rep, &s);
    level = pp_status_nagios(s.status);
    /* The words: the most severe finding when something is wrong, the
     * conclusion (NETWORK_OK, or what was checked) when not. */
    for (i = 0; i < d->n; i++)
        if ((int)d->f[i].severity > sev && d->f[i].severity != PP_SEV_INFO) {
            sev = (int)d->f[i].severity;
            top = &d->f[i];
        }
    if (s.status == PP_STATUS_OK || top == NULL) {
        top = pp_diagnosis_find(d, "NETWORK_OK");
        if (top == NULL)
            top = pp_diagnosis_find(d, "CHECKED_OK");
    }
    what = top == NULL ? pp_status_name(s.status) :
           strcmp(top->code, "NETWORK_OK") == 0 ? "network ok" : top->title;
    for (i = 0; i < rep->n; i++)
        if (rep->results[i]->t_total > slowest)
            slowest = rep->results[i]->t_total;
    if (pp_range_alert(&lim->crit_r, slowest) && level < 2)
        level = 2;
    else if (pp_range_alert(&lim->warn_r, slowest) && level < 1)
        level = 1;
    /* The summary line. */
    cat_text(&head, "push %s, mdm %s; %s", pp_verdict_name(d->verdict[PP_AREA_PUSH]),
             pp_verdict_name(d->verdict[PP_AREA_MDM]), what);
    if (pp_range_alert(&lim->crit_r, slowest) || pp_range_alert(&lim->warn_r, slowest))
        cat_text(&head, "; slowest check %.1f ms", slowest);
    /* Perfdata: 'label'=value[UOM];[warn];[crit];[min];[max], unset
     * fields empty. */
    cat_text(&perf, "checks=%zu;;;0 ok=%zu;;;0 failed=%zu;;;0 expected=%zu;;;0 "
             "slowest=%.1fms;%s;%s;0 duration=%.3fs;;;0",
             s.checks, s.ok, s.failed, s.expected, slowest,
             lim->warn != NULL ? lim->warn : "", lim->crit != NULL ? lim->crit : "",
             rep->duration_ms / 1e3);
    /* Long output: the findings, then the checks that failed. */
    for (i = 0; i < d->n; i++)
        cat_text(&lng, "%s: %s\n", d->f[i].code, d->f[i].title);
    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];

        if (r->state == PP_ST_OK)
            continue;
        cat_text(&lng, "%s %s%s: %s%s%s\n", r->id, pp_state_name(r->state),
                 pp_diagnosis_expected(d, r->id) ? " (expected)" : "",
                 r->message != NULL ? r->message : "", r->address[0] != '\0' ? " at " : "",
                 r->address);
    }
    plugin_text(head);
    if (lng != NULL)
        plugin_lines(lng);
    out = pp_xasprintf("PUSHPROBE %s - %s | %s\n%s", words[level], head, perf,
                       lng != NULL ? lng : "");
    free(head);
    free(perf);
    free(lng);
    if (rd != NULL) {
        char *masked = pp_redact_apply(rd, out);
        free(out);
        out = masked;
    }
    fputs(out, stdout);
    free(out);
    return level;
}

void
pp_app_progress(void *arg, const struct pp_progress *p)
{
    double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0;

    (void)arg;
    if (p->over)
        fprintf(stderr, "\r%zu checks done in %.1f s%20s\n", p->done, p->elapsed_s, "");
    else if (rate > 0 && p->total > p->done)
        fprintf(stderr, "\r%zu/%llu checks, %.0f/s, about %.0f s left   ", p->done,
                (unsigned long long)p->total, rate, (double)(p->total - p->done) / rate);
    else
        fprintf(stderr, "\r%zu/%llu checks   ", p->done, (unsigned long long)p->total);
}

int
pp_app_flush(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pushprobe: writing the report: %s\n", strerror(errno));
        return PP_EXIT_INTERNAL;
    }
    return rc;
}

/* --trace's choice of checks: see run.h. */
static bool
is_courier(const struct pp_result *r)
{
    return r->target != NULL && r->target->service == PP_SV_APNS_DEVICE &&
           r->target->trust == PP_TRUST_APPLE_COURIER;
}

static bool
traceable(const struct pp_result *r)
{
    /* Through a proxy the path beyond it is not this machine's to trace. */
    return r->has_address && pp_result_counted(r) && r->state != PP_ST_PENDING &&
           r->target != NULL && r->target->port != 0 && r->target->via == NULL;
}

void
pp_run_trace_select(struct pp_result *const *res, size_t n, bool all, bool *want)
{
    size_t i, j;
    int fam;

    for (i = 0; i < n; i++)
        want[i] = traceable(res[i]) && (all || !pp_state_is_ok(res[i]->state));
    /* The first courier check of each family, for the comparison: one
     * that got through where there is one. */
    for (fam = 0; fam < 2; fam++) {
        int f = fam == 0 ? AF_INET : AF_INET6;
        size_t pick = n;

        for (i = 0; i < n; i++) {
            if (!traceable(res[i]) || res[i]->family != f || !is_courier(res[i]))
                continue;
            if (pp_state_is_ok(res[i]->state)) {
                pick = i;
                break;
            }
            if (pick == n)
                pick = i;
        }
        if (pick < n)
            want[pick] = true;
    }
    /* For each failed check, one that succeeded to the same address. */
    for (i = 0; i < n; i++) {
        if (!want[i] || pp_state_is_ok(res[i]->state))
            continue;
        for (j = 0; j < n; j++)
            if (traceable(res[j]) && pp_state_is_ok(res[j]->state) &&
                strcmp(res[j]->address, res[i]->address) == 0) {
                want[j] = true;
                break;
            }
    }
}

void
pp_run_context(struct pp_context *cx, const char *resolver, const struct pp_pac_table *pac)
{
    size_t k;

    pp_context_collect(cx);
    if (pac != NULL)
        cx->pac = pp_app_pac_context(pac);
    if (resolver == NULL)
        return;
    /* The DNS server in use is the one asked for with --resolver. */
    for (k = 0; k < cx->ndns; k++)
        free(cx->dns_servers[k]);
    cx->dns_servers = pp_xrealloc(cx->dns_servers, 1, sizeof(*cx->dns_servers));
    cx->dns_servers[0] = pp_xstrdup(resolver);
    cx->ndns = 1;
}
