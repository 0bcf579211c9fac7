/* SPDX-License-Identifier: ISC */
/*
 * The agent's page at /: the last run as a small HTML document, rendered
 * on the server (no script, no outside resources: a browser that blocks
 * both still shows everything).  Every string that comes from a run (host
 * names, server answers, findings) is escaped, and bytes that are not
 * UTF-8 become U+FFFD, so a hostile answer cannot add markup.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/build.h"
#include "core/util.h"
#include "diagnose/diagnose.h"
#include "probes/probe.h"
#include "ui/jsonw.h"
#include "ui/report.h"

/* Text as HTML character data or a quoted attribute value. */
static void
esc(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str != NULL ? str : "");

    while (*s != '\0') {
        size_t n;

        switch (*s) {
        case '&': fputs("&amp;", f); s++; continue;
        case '<': fputs("&lt;", f); s++; continue;
        case '>': fputs("&gt;", f); s++; continue;
        case '"': fputs("&quot;", f); s++; continue;
        case '\'': fputs("&#39;", f); s++; continue;
        case '\n': case '\t': fputc(*s, f); s++; continue;
        default: break;
        }
        if (*s < 0x20 || *s == 0x7f) {
            fputs("\xef\xbf\xbd", f);
            s++;
            continue;
        }
        n = pp_utf8_len(s);
        if (n == 0) {
            fputs("\xef\xbf\xbd", f);
            s++;
        } else {
            fwrite(s, 1, n, f);
            s += n;
        }
    }
}

/* One table cell, escaped, with an optional class. */
static void
cell(FILE *f, const char *cls, const char *text)
{
    fputs("<td", f);
    if (cls != NULL)
        fprintf(f, " class=\"%s\"", cls);
    fputc('>', f);
    esc(f, text);
    fputs("</td>", f);
}

static const char *
verdict_class(enum pp_verdict_v v)
{
    switch (v) {
    case PP_V_OK: return "ok";
    case PP_V_DEGRADED: return "warn";
    case PP_V_BLOCKED: return "bad";
    default: return "none";
    }
}

static const char *
severity_class(enum pp_severity s)
{
    switch (s) {
    case PP_SEV_CRITICAL: return "bad";
    case PP_SEV_WARNING: return "warn";
    default: return "ok";
    }
}

static void
head(FILE *f, const char *status)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>pushprobe: ", f);
    esc(f, status);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;margin:1em 2em;color:#222}\n"
          "table{border-collapse:collapse;margin-bottom:1em}\n"
          "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}\n"
          "th{background:#eee}\n"
          ".ok{color:#176f2c}.warn{color:#9a6700}.bad{color:#b3261e;font-weight:bold}\n"
          ".none{color:#777}.pre{white-space:pre-line}\n"
          "</style>\n</head>\n<body>\n", f);
}

static void
verdicts(FILE *f, const struct pp_diagnosis *d)
{
    int a;

    fputs("<h2>Verdicts</h2>\n<table id=\"verdicts\">\n<tr><th>Area</th><th>Verdict</th></tr>\n",
          f);
    for (a = 0; a < PP_AREA__COUNT; a++) {
        fputs("<tr>", f);
        cell(f, NULL, pp_area_title((enum pp_area)a));
        cell(f, verdict_class(d->verdict[a]), pp_verdict_name(d->verdict[a]));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void
findings(FILE *f, const struct pp_diagnosis *d)
{
    size_t i, k;

    fputs("<h2>Findings</h2>\n<table id=\"findings\">\n<tr><th>Severity</th><th>Code</th>"
          "<th>Finding</th><th>Evidence</th><th>Advice</th><th>Checks</th></tr>\n", f);
    for (i = 0; i < d->n; i++) {
        const struct pp_finding *x = &d->f[i];
        fputs("<tr>", f);
        cell(f, severity_class(x->severity), pp_severity_name(x->severity));
        cell(f, NULL, x->code);
        cell(f, NULL, x->title);
        cell(f, "pre", x->detail);
        fputs("<td class=\"pre\">", f);
        if (x->advice_user != NULL && *x->advice_user != '\0') {
            fputs("<b>User:</b> ", f);
            esc(f, x->advice_user);
        }
        if (x->advice_admin != NULL && *x->advice_admin != '\0') {
            fputs("<br><b>Admin:</b> ", f);
            esc(f, x->advice_admin);
        }
        fputs("</td><td>", f);
        for (k = 0; k < x->nchecks; k++) {
            if (k > 0)
                fputs("<br>", f);
            esc(f, x->checks[k]);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void
checks(FILE *f, const struct pp_report *rep)
{
    size_t i;

    fputs("<h2>Checks</h2>\n<table id=\"checks\">\n<tr><th>Service</th><th>Host</th>"
          "<th>Port</th><th>Address</th><th>Probe</th><th>State</th><th>Reason</th>"
          "<th>Time (ms)</th><th>Result</th></tr>\n", f);
    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        const struct pp_target *t = r->target;
        char port[8], ms[32];
        const char *cls;
        bool expected;

        /* The small-segment retries are evidence for the diagnosis, shown
         * in its findings, not checks (as on the dashboard). */
        if (!pp_result_counted(r))
            continue;
        /* An expected failure (a retired port, the family left out) is
         * shown as such, not as a failure. */
        expected = rep->diag != NULL && pp_diagnosis_expected(rep->diag, r->id);
        cls = pp_state_is_ok(r->state) ? "ok" : expected ? "none" : t->required ? "bad" : "warn";
        snprintf(port, sizeof(port), "%u", t->port);
        if (r->t_total >= 0)
            snprintf(ms, sizeof(ms), "%.1f", r->t_total);
        else
            snprintf(ms, sizeof(ms), "-");
        fputs("<tr>", f);
        cell(f, NULL, pp_service_title(t->service));
        /* Two URLs on one server stay apart. */
        fputs("<td>", f);
        esc(f, t->host);
        if (t->path != NULL && strcmp(t->path, "/") != 0)
            esc(f, t->path);
        fputs("</td>", f);
        cell(f, NULL, port);
        cell(f, NULL, r->has_address ? r->address : "-");
        cell(f, NULL, t->probe->name);
        cell(f, cls, pp_state_name(r->state));
        cell(f, NULL, pp_reason_name(r->reason));
        cell(f, NULL, ms);
        fputs("<td>", f);
        if (expected)
            fputs("<i>Expected:</i> ", f);
        esc(f, r->summary != NULL ? r->summary : "");
        if (r->message != NULL && *r->message != '\0') {
            if (r->summary != NULL)
                fputs("<br>", f);
            esc(f, r->message);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

void
pp_report_html(FILE *f, const struct pp_report *rep, int64_t next_run)
{
    struct pp_summary s;
    char when[40];
    const char *cls;

    pp_summarize(rep, &s);
    cls = s.status == PP_STATUS_OK ? "ok" : s.status == PP_STATUS_FAILED ? "bad" : "warn";
    head(f, s.status_name);
    fprintf(f, "<h1>pushprobe: <span id=\"status\" class=\"%s\">", cls);
    esc(f, s.status_name);
    fputs("</span></h1>\n<p id=\"run\">The last run started at ", f);
    esc(f, rep->started_at);
    fprintf(f, " and took %.1f s: %zu checks, %zu ok, %zu expected, %zu failed (%zu of them "
            "required).", rep->duration_ms / 1e3, s.checks, s.ok, s.expected, s.failed,
            s.required_failed);
    if (next_run > 0) {
        pp_rfc3339((time_t)next_run, when, sizeof(when));
        fputs(" The next run starts at <span id=\"next\">", f);
        esc(f, when);
        fputs("</span>.", f);
    }
    fputs("</p>\n<p>Also as <a href=\"/metrics\">/metrics</a> (Prometheus) and "
          "<a href=\"/report.json\">/report.json</a> (the JSON report).</p>\n", f);
    if (rep->diag != NULL) {
        verdicts(f, rep->diag);
        findings(f, rep->diag);
    }
    checks(f, rep);
    fputs("<p class=\"none\">pushprobe ", f);
    esc(f, PACKAGE_VERSION);
    fputs(" (", f);
    esc(f, pp_build_features());
    fputs(")</p>\n</body>\n</html>\n", f);
}
