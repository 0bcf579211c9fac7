/* SPDX-License-Identifier: ISC */
/* The audit's outputs, streamed: CSV and JSON Lines row by row, the JSON
 * document with its checks array written as checks finish, and the text
 * report (deviations first, a line per rule, per-state and per-port
 * counts) from the tallies at the end.  See report.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/util.h"
#include "plan/audit.h"
#include "ui/jsonw.h"
#include "probes/probe.h"
#include "ui/report.h"

#define TEXT_DEVIATIONS 200   /* deviations the text report lists */
#define TEXT_PORTS 64         /* ports with a line of their own in the text report */

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

/* The timeout a check had, in ms: its own (adaptive) or the fixed one. */
static double
timeout_of(const struct pp_audit_out *o, const struct pp_result *r)
{
    return r->attempts > 0 ? r->timeout_ms : o->timeout_s * 1000.0;
}

/* ---------------------------------------------------------------- CSV */

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

/* Numbers by hand: a row per check, a million checks (printf's float
 * formatting was the largest cost left in user space).  v >= 0, rounded to
 * `decimals` (0 or 1) places. */
static const char *
fmt_num(char *end, double v, int decimals)
{
    unsigned long long u;
    char *p = end;

    if (!(v >= 0) || v > 1e15)
        v = 0;
    u = (unsigned long long)(v * (decimals ? 10.0 : 1.0) + 0.5);
    *--p = '\0';
    if (decimals) {
        *--p = (char)('0' + u % 10);
        *--p = '.';
        u /= 10;
    }
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    return p;
}

static void
csv_row(const struct pp_audit_out *o, const struct pp_audit_row *w)
{
    const struct pp_audit *a = o->a;
    const struct pp_result *r = w->r;
    FILE *f = o->csv;
    char num[32], *end = num + sizeof(num);

    csv_field(f, r->target->host, false);
    csv_field(f, r->has_address ? r->address : "", false);
    csv_field(f, r->has_address ? (r->family == AF_INET6 ? "ipv6" : "ipv4") : "", false);
    csv_field(f, fmt_num(end, r->target->port, 0), false);
    csv_field(f, r->target->probe->name, false);
    csv_field(f, pp_state_name(r->state), false);
    csv_field(f, pp_reason_name(r->reason), false);
    csv_field(f, r->icmp_from, false);
    csv_field(f, w->rule >= 0 ? expected(a, w->rule) : "", false);
    csv_field(f, w->observed, false);
    csv_field(f, pp_audit_verdict_name(w->verdict), false);
    csv_field(f, w->rule >= 0 ? rule_text(a, w->rule) : "", false);
    csv_field(f, w->rule >= 0 ? rule_source(a, w->rule) : "", false);
    csv_field(f, fmt_num(end, r->t_total, 1), false);
    csv_field(f, fmt_num(end, timeout_of(o, r), 0), false);
    csv_field(f, fmt_num(end, r->attempts > 0 ? r->attempts : 1, 0), true);
}

/* --------------------------------------------------------------- JSON */

/* A check's verdict; in a check's own object the rule's expectation is
 * "expect" (a check's "expected" elsewhere says whether its failure is
 * expected), in audit.results "expected". */
static void
verdict_fields(struct pp_jsonw *w, const struct pp_audit *a, const struct pp_audit_row *row,
               const char *expect_key)
{
    pp_jw_kstr(w, "verdict", pp_audit_verdict_name(row->verdict));
    pp_jw_key(w, expect_key);
    if (row->rule >= 0)
        pp_jw_str(w, expected(a, row->rule));
    else
        pp_jw_null(w);
    pp_jw_kstr(w, "observed", row->observed);
    pp_jw_key(w, "rule");
    if (row->rule >= 0)
        pp_jw_str(w, rule_source(a, row->rule));
    else
        pp_jw_null(w);
}

static void
check_object(struct pp_jsonw *w, const struct pp_audit *a, const struct pp_audit_row *row,
             bool typed)
{
    pp_jw_obj(w);
    if (typed)
        pp_jw_kstr(w, "type", "check");
    pp_json_check_fields(w, row->r, NULL);
    verdict_fields(w, a, row, "expect");
    pp_jw_obj_end(w);
}

static void
jsonl_row(const struct pp_audit_out *o, const struct pp_audit_row *row)
{
    struct pp_jsonw w;

    pp_jw_init(&w, o->jsonl, false);
    check_object(&w, o->a, row, true);
    fputc('\n', o->jsonl);
}

/* What the summaries share: counts, timeout, states, ports, rules. */
static void
summary_members(struct pp_jsonw *w, const struct pp_audit_out *o, bool with_results)
{
    const struct pp_audit *a = o->a;
    const struct pp_audit_result *ar = o->ar;
    size_t i, k;

    pp_jw_kint(w, "checks", (long long)ar->checks);
    pp_jw_kint(w, "deviations", (long long)ar->deviations);
    pp_jw_kint(w, "passes", (long long)ar->passes);
    pp_jw_kint(w, "unmatched", (long long)ar->unmatched);
    pp_jw_kint(w, "not_run", (long long)ar->not_run);
    pp_jw_kbool(w, "interrupted", ar->interrupted);
    pp_jw_key(w, "timeout");
    pp_jw_obj(w);
    pp_jw_kstr(w, "mode", o->adaptive ? "auto" : "fixed");
    pp_jw_key(w, "min_ms");
    pp_jw_num(w, o->adaptive ? ar->timeout_lo : o->timeout_s * 1000.0, 1);
    pp_jw_key(w, "max_ms");
    pp_jw_num(w, o->adaptive ? ar->timeout_hi : o->timeout_s * 1000.0, 1);
    pp_jw_obj_end(w);
    pp_jw_key(w, "states");
    pp_jw_obj(w);
    for (i = 1; i < PP_ST__COUNT; i++)
        if (ar->state[i] > 0)
            pp_jw_kint(w, pp_state_name((enum pp_state)i), (long long)ar->state[i]);
    pp_jw_obj_end(w);
    pp_jw_key(w, "ports");
    pp_jw_arr(w);
    for (k = 0; k < ar->nports; k++) {
        pp_jw_obj(w);
        pp_jw_kint(w, "port", ar->ports[k].port);
        for (i = 1; i < PP_ST__COUNT; i++)
            if (ar->ports[k].state[i] > 0)
                pp_jw_kint(w, pp_state_name((enum pp_state)i), (long long)ar->ports[k].state[i]);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    pp_jw_key(w, "rules");
    pp_jw_arr(w);
    for (k = 0; a->have_policy && k < a->policy.n; k++) {
        pp_jw_obj(w);
        pp_jw_kstr(w, "rule", a->policy.r[k].text);
        pp_jw_kstr(w, "source", a->policy.r[k].source);
        pp_jw_kstr(w, "expect", pp_expect_name(a->policy.r[k].want));
        pp_jw_kint(w, "checks", (long long)ar->rule_checks[k]);
        pp_jw_kint(w, "deviations", (long long)ar->rule_deviations[k]);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    if (!with_results)
        return;
    /* The deviations kept (the checks array has every verdict). */
    pp_jw_kint(w, "results_omitted", (long long)ar->deviations_dropped);
    pp_jw_key(w, "results");
    pp_jw_arr(w);
    for (i = 0; i < ar->n; i++) {
        const struct pp_audit_row *row = &ar->rows[i];
        pp_jw_obj(w);
        pp_jw_kstr(w, "id", row->r->id);
        verdict_fields(w, a, row, "expected");
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
}

static const char *
status_of(const struct pp_audit_result *ar)
{
    return ar->required_failed > 0 ? "failed" : ar->failed > 0 ? "degraded" : "ok";
}

static void
json_begin(struct pp_audit_out *o)
{
    struct pp_jsonw *w = o->jw = pp_xcalloc(1, sizeof(*o->jw));

    pp_jw_init(w, o->json, true);
    pp_jw_obj(w);
    pp_jw_kstr(w, "tool", "pushprobe");
    pp_jw_kstr(w, "version", PACKAGE_VERSION);
    pp_jw_kint(w, "schema", PP_JSON_SCHEMA);
    pp_jw_kint(w, "schema_minor", PP_JSON_SCHEMA_MINOR);
    pp_jw_kstr(w, "started_at", o->started_at);
    pp_jw_key(w, "checks");
    pp_jw_arr(w);
}

static void
json_end(struct pp_audit_out *o)
{
    struct pp_jsonw *w = o->jw;
    const struct pp_audit_result *ar = o->ar;

    pp_jw_arr_end(w);
    pp_jw_key(w, "duration_ms");
    pp_jw_num(w, o->duration_ms, 1);
    pp_jw_key(w, "summary");
    pp_jw_obj(w);
    pp_jw_kstr(w, "status", status_of(ar));
    pp_jw_kint(w, "checks", (long long)ar->checks);
    pp_jw_kint(w, "ok", (long long)ar->ok);
    pp_jw_kint(w, "failed", (long long)ar->failed);
    pp_jw_kint(w, "required_failed", (long long)ar->required_failed);
    pp_jw_obj_end(w);
    pp_jw_key(w, "audit");
    pp_jw_obj(w);
    summary_members(w, o, true);
    pp_jw_obj_end(w);
    pp_jw_obj_end(w);
    fputc('\n', o->json);
    free(o->jw);
    o->jw = NULL;
}

static void
jsonl_end(const struct pp_audit_out *o)
{
    struct pp_jsonw w;

    pp_jw_init(&w, o->jsonl, false);
    pp_jw_obj(&w);
    pp_jw_kstr(&w, "type", "summary");
    pp_jw_kstr(&w, "tool", "pushprobe");
    pp_jw_kstr(&w, "version", PACKAGE_VERSION);
    pp_jw_kint(&w, "schema", PP_JSON_SCHEMA);
    pp_jw_kint(&w, "schema_minor", PP_JSON_SCHEMA_MINOR);
    pp_jw_kstr(&w, "started_at", o->started_at);
    pp_jw_key(&w, "duration_ms");
    pp_jw_num(&w, o->duration_ms, 1);
    pp_jw_kstr(&w, "status", status_of(o->ar));
    summary_members(&w, o, false);
    pp_jw_obj_end(&w);
    fputc('\n', o->jsonl);
}

/* --------------------------------------------------------------- text */

static uint64_t
other_total(const struct pp_audit_port *p)
{
    uint64_t n = 0;
    size_t i;

    for (i = 1; i < PP_ST__COUNT; i++)
        n += p->state[i];
    return n;
}

/* The audit's head: when, how many, the timeout, the tallies. */
static void
text_head(const struct pp_audit_out *o, FILE *f, bool color)
{
    const struct pp_audit_result *ar = o->ar;

    fprintf(f, "%spushprobe %s audit%s  started %s, %llu checks in %.1f s%s\n",
            color ? "\033[1m" : "", PACKAGE_VERSION, color ? "\033[0m" : "", o->started_at,
            (unsigned long long)ar->checks, o->duration_ms / 1000.0,
            ar->interrupted ? ", INTERRUPTED" : "");
    if (o->adaptive)
        fprintf(f, "Timeout: auto, %.0f-%.0f ms per connect from the round trips seen "
                "(silent ports tried twice)\n", ar->timeout_lo, ar->timeout_hi);
    else
        fprintf(f, "Timeout: %.1f s per check\n", o->timeout_s);
    fprintf(f, "\n%llu deviations, %llu as expected, %llu without a rule\n",
            (unsigned long long)ar->deviations, (unsigned long long)ar->passes,
            (unsigned long long)ar->unmatched);
    if (ar->not_run > 0)
        fprintf(f, "%llu checks NOT RUN: %s\n", (unsigned long long)ar->not_run,
                ar->interrupted ? "the run was interrupted"
                                : "the run's time limit passed first (--run-timeout)");
}

static void
text_deviations(const struct pp_audit_out *o, FILE *f, bool color)
{
    const struct pp_audit *a = o->a;
    const struct pp_audit_result *ar = o->ar;
    size_t i;

    if (ar->deviations > 0) {
        fprintf(f, "\nDeviations\n  %-24s %-5s %-8s %-8s %-12s %-16s %-16s %s\n", "ADDRESS", "PORT",
                "EXPECTED", "OBSERVED", "STATE", "REASON", "ICMP FROM", "RULE");
        for (i = 0; i < ar->n && i < TEXT_DEVIATIONS; i++) {
            const struct pp_audit_row *w = &ar->rows[i];
            const struct pp_result *r = w->r;
            fprintf(f, "  %s%-24s%s %-5u %-8s %-8s %-12s %-16s %-16s %s (%s)\n",
                    color ? "\033[31m" : "", r->has_address ? r->address : r->target->host,
                    color ? "\033[0m" : "", r->target->port, expected(a, w->rule), w->observed,
                    pp_state_name(r->state), pp_reason_name(r->reason),
                    r->icmp_from[0] ? r->icmp_from : "-", rule_text(a, w->rule),
                    rule_source(a, w->rule));
        }
        if (ar->deviations > i)
            fprintf(f, "  ... and %llu more (--csv, --jsonl or --json list them all)\n",
                    (unsigned long long)(ar->deviations - i));
    }
}

/* Per port, a column per state; with many ports, those where something
 * answers come first. */
static void
text_ports(const struct pp_audit_result *ar, FILE *f)
{
    static const enum pp_state cols[] = {PP_ST_OK, PP_ST_CLOSED, PP_ST_FILTERED, PP_ST_BLOCKED,
                                         PP_ST_UNREACHABLE};
    const size_t ncols = sizeof(cols) / sizeof(cols[0]);
    size_t i, k, shown = 0;
    int pass;

    if (ar->nports > 0) {
        fprintf(f, "\nPorts\n  %-6s", "PORT");
        for (i = 0; i < ncols; i++)
            fprintf(f, " %11s", pp_state_name(cols[i]));
        fprintf(f, " %11s\n", "other");
        for (pass = 0; pass < 2; pass++) {
            for (k = 0; k < ar->nports && shown < TEXT_PORTS; k++) {
                const struct pp_audit_port *p = &ar->ports[k];
                uint64_t other, quiet = p->state[PP_ST_CLOSED] + p->state[PP_ST_FILTERED];
                bool loud = quiet < other_total(p);
                if (ar->nports > TEXT_PORTS && loud != (pass == 0))
                    continue;
                if (ar->nports <= TEXT_PORTS && pass == 1)
                    break;
                fprintf(f, "  %-6u", p->port);
                for (i = 0; i < ncols; i++)
                    fprintf(f, " %11llu", (unsigned long long)p->state[cols[i]]);
                other = other_total(p);
                for (i = 0; i < ncols; i++)
                    other -= p->state[cols[i]];
                fprintf(f, " %11llu\n", (unsigned long long)other);
                shown++;
            }
        }
        if (ar->nports > shown)
            fprintf(f, "  ... and %zu more ports (--csv or --jsonl list every check)\n",
                    ar->nports - shown);
    }
}

static void
text_rules(const struct pp_audit *a, const struct pp_audit_result *ar, FILE *f)
{
    size_t k;

    if (a->have_policy && a->policy.n > 0) {
        fprintf(f, "\nRules\n");
        for (k = 0; k < a->policy.n; k++) {
            uint64_t n = ar->rule_checks[k], dev = ar->rule_deviations[k];
            fprintf(f, "  %-10s %-44s %5llu checks, %llu deviations  (%s)\n",
                    dev ? "DEVIATES" : n ? "ok" : "no checks", a->policy.r[k].text,
                    (unsigned long long)n, (unsigned long long)dev, a->policy.r[k].source);
        }
    }
}

static void
text_report(const struct pp_audit_out *o)
{
    const struct pp_audit_result *ar = o->ar;
    FILE *f = o->text;
    size_t i;

    text_head(o, f, o->color);
    text_deviations(o, f, o->color);
    fprintf(f, "\nStates\n ");
    for (i = 1; i < PP_ST__COUNT; i++)
        if (ar->state[i] > 0)
            fprintf(f, " %s %llu", pp_state_name((enum pp_state)i),
                    (unsigned long long)ar->state[i]);
    fprintf(f, "\n");
    text_ports(ar, f);
    text_rules(o->a, ar, f);
    fprintf(f, "\nSummary: %s\n", ar->deviations ? "DEVIATIONS FOUND" :
            ar->interrupted ? "INTERRUPTED" : ar->not_run ? "INCOMPLETE" : "as expected");
}

/* ------------------------------------------------------------ the run */

void
pp_audit_out_begin(struct pp_audit_out *o)
{
    if (o->csv != NULL)
        fputs("host,address,family,port,probe,state,reason,icmp_from,expected,observed,verdict,"
              "rule,source,time_ms,timeout_ms,attempts\r\n", o->csv);
    if (o->json != NULL)
        json_begin(o);
}

bool
pp_audit_out_check(struct pp_audit_out *o, struct pp_result *r)
{
    struct pp_audit_row row;

    if (r->state == PP_ST_PENDING) {
        /* Cut short by an interrupt: not a result, not written. */
        o->ar->not_run++;
        return false;
    }
    pp_audit_judge(o->a, r, &row);
    if (pp_result_counted(r)) {
        if (o->csv != NULL)
            csv_row(o, &row);
        if (o->jsonl != NULL)
            jsonl_row(o, &row);
        if (o->json != NULL)
            check_object(o->jw, o->a, &row, false);
    }
    return pp_audit_tally(o->ar, &row);
}

void
pp_audit_out_end(struct pp_audit_out *o)
{
    pp_audit_sort(o->ar);
    if (o->json != NULL)
        json_end(o);
    if (o->jsonl != NULL)
        jsonl_end(o);
    if (o->text != NULL)
        text_report(o);
}
