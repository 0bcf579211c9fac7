/* The audit report: deviations first, a line per rule; JSON's "audit"
 * section; CSV with one row per check. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan/audit.h"
#include "ui/jsonw.h"
#include "probes/probe.h"
#include "ui/report.h"

static const char *
rule_text(const struct pp_audit *a, long k)
{
    return k >= 0 ? a->policy.r[k].text : "-";
}

static const char *
rule_source(const struct pp_audit *a, long k)
{
    return k >= 0 ? a->policy.r[k].source : "-";
}

static const char *
expected(const struct pp_audit *a, long k)
{
    return k >= 0 ? pp_expect_name(a->policy.r[k].want) : "-";
}

void
pp_audit_text(FILE *f, const struct pp_report *rep, const struct pp_audit *a,
              const struct pp_audit_result *ar, bool color)
{
    size_t i, k, shown = 0;

    fprintf(f, "%spushprobe %s audit%s  started %s, %zu checks in %.1f s\n",
            color ? "\033[1m" : "", PACKAGE_VERSION, color ? "\033[0m" : "", rep->started_at,
            rep->n, rep->duration_ms / 1000.0);
    fprintf(f, "\n%zu deviations, %zu as expected, %zu without a rule\n", ar->deviations,
            ar->passes, ar->unmatched);
    if (ar->not_run > 0)
        fprintf(f, "%llu checks NOT RUN: the run's time limit passed first (--run-timeout)\n",
                (unsigned long long)ar->not_run);
    if (ar->deviations > 0) {
        fprintf(f, "\nDeviations\n  %-24s %-5s %-8s %-8s %-12s %-16s %-16s %s\n", "ADDRESS", "PORT",
                "EXPECTED", "OBSERVED", "STATE", "REASON", "ICMP FROM", "RULE");
        for (i = 0; i < ar->n && ar->rows[i].verdict == PP_AUDIT_DEVIATION; i++) {
            const struct pp_audit_row *w = &ar->rows[i];
            const struct pp_result *r = w->r;
            fprintf(f, "  %s%-24s%s %-5u %-8s %-8s %-12s %-16s %-16s %s (%s)\n",
                    color ? "\033[31m" : "", r->has_address ? r->address : r->target->host,
                    color ? "\033[0m" : "", r->target->port, expected(a, w->rule), w->observed,
                    pp_state_name(r->state), pp_reason_name(r->reason),
                    r->icmp_from[0] ? r->icmp_from : "-", rule_text(a, w->rule),
                    rule_source(a, w->rule));
            if (++shown == 200 && ar->deviations > 200) {
                fprintf(f, "  ... and %zu more (--json or --csv list them all)\n",
                        ar->deviations - shown);
                break;
            }
        }
    }
    if (a->have_policy && a->policy.n > 0) {
        fprintf(f, "\nRules\n");
        for (k = 0; k < a->policy.n; k++) {
            size_t n = 0, dev = 0;
            for (i = 0; i < ar->n; i++) {
                if (ar->rows[i].rule != (long)k)
                    continue;
                n++;
                dev += ar->rows[i].verdict == PP_AUDIT_DEVIATION;
            }
            fprintf(f, "  %-10s %-44s %5zu checks, %zu deviations  (%s)\n",
                    dev ? "DEVIATES" : n ? "ok" : "no checks", a->policy.r[k].text, n, dev,
                    a->policy.r[k].source);
        }
    }
    fprintf(f, "\nSummary: %s\n", ar->deviations ? "DEVIATIONS FOUND" :
            ar->not_run ? "INCOMPLETE" : "as expected");
}

void
pp_audit_json(struct pp_jsonw *w, const struct pp_audit *a, const struct pp_audit_result *ar)
{
    size_t i, k;

    pp_jw_key(w, "audit");
    pp_jw_obj(w);
    pp_jw_key(w, "checks");
    pp_jw_int(w, (long long)ar->n);
    pp_jw_key(w, "deviations");
    pp_jw_int(w, (long long)ar->deviations);
    pp_jw_key(w, "passes");
    pp_jw_int(w, (long long)ar->passes);
    pp_jw_key(w, "unmatched");
    pp_jw_int(w, (long long)ar->unmatched);
    pp_jw_key(w, "not_run");
    pp_jw_int(w, (long long)ar->not_run);
    pp_jw_key(w, "rules");
    pp_jw_arr(w);
    for (k = 0; a->have_policy && k < a->policy.n; k++) {
        size_t n = 0, dev = 0;
        for (i = 0; i < ar->n; i++) {
            if (ar->rows[i].rule != (long)k)
                continue;
            n++;
            dev += ar->rows[i].verdict == PP_AUDIT_DEVIATION;
        }
        pp_jw_obj(w);
        pp_jw_key(w, "rule");
        pp_jw_str(w, a->policy.r[k].text);
        pp_jw_key(w, "source");
        pp_jw_str(w, a->policy.r[k].source);
        pp_jw_key(w, "expect");
        pp_jw_str(w, pp_expect_name(a->policy.r[k].want));
        pp_jw_key(w, "checks");
        pp_jw_int(w, (long long)n);
        pp_jw_key(w, "deviations");
        pp_jw_int(w, (long long)dev);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    pp_jw_key(w, "results");
    pp_jw_arr(w);
    for (i = 0; i < ar->n; i++) {
        const struct pp_audit_row *row = &ar->rows[i];
        pp_jw_obj(w);
        pp_jw_key(w, "id");
        pp_jw_str(w, row->r->id);
        pp_jw_key(w, "verdict");
        pp_jw_str(w, pp_audit_verdict_name(row->verdict));
        pp_jw_key(w, "expected");
        if (row->rule >= 0)
            pp_jw_str(w, expected(a, row->rule));
        else
            pp_jw_null(w);
        pp_jw_key(w, "observed");
        pp_jw_str(w, row->observed);
        pp_jw_key(w, "rule");
        if (row->rule >= 0)
            pp_jw_str(w, rule_source(a, row->rule));
        else
            pp_jw_null(w);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    pp_jw_obj_end(w);
}

/* One CSV field, quoted when it must be (RFC 4180). */
static void
csv_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n") != NULL) {
        fputc('"', f);
        for (; *s != '\0'; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputs(last ? "\r\n" : ",", f);
}

void
pp_audit_csv(FILE *f, const struct pp_audit *a, const struct pp_audit_result *ar)
{
    size_t i;
    char port[8], ms[32];

    fputs("host,address,family,port,probe,state,reason,icmp_from,expected,observed,verdict,"
          "rule,source,time_ms\r\n", f);
    for (i = 0; i < ar->n; i++) {
        const struct pp_audit_row *w = &ar->rows[i];
        const struct pp_result *r = w->r;

        snprintf(port, sizeof(port), "%u", r->target->port);
        snprintf(ms, sizeof(ms), "%.1f", r->t_total >= 0 ? r->t_total : 0.0);
        csv_field(f, r->target->host, false);
        csv_field(f, r->has_address ? r->address : "", false);
        csv_field(f, r->has_address ? (r->family == AF_INET6 ? "ipv6" : "ipv4") : "", false);
        csv_field(f, port, false);
        csv_field(f, r->target->probe->name, false);
        csv_field(f, pp_state_name(r->state), false);
        csv_field(f, pp_reason_name(r->reason), false);
        csv_field(f, r->icmp_from, false);
        csv_field(f, w->rule >= 0 ? expected(a, w->rule) : "", false);
        csv_field(f, w->observed, false);
        csv_field(f, pp_audit_verdict_name(w->verdict), false);
        csv_field(f, w->rule >= 0 ? rule_text(a, w->rule) : "", false);
        csv_field(f, w->rule >= 0 ? rule_source(a, w->rule) : "", false);
        csv_field(f, ms, true);
    }
}
