/* SPDX-License-Identifier: ISC */
/* The text report: grouped by service, aligned, pasteable into a ticket. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "core/redact.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "engine/trace.h"
#include "probes/probe.h"
#include "core/hist.h"
#include "ui/report.h"
#include "ui/tuilayout.h"

#define C_RESET "\033[0m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"

/* s as --redact shows it: masked before it is measured, cut or wrapped,
 * so the columns line up (a malloc'd copy either way). */
static char *
masked(const struct pp_report *rep, const char *s)
{
    if (s == NULL)
        s = "";
    return rep->redact != NULL ? pp_redact_apply(rep->redact, s) : pp_xstrdup(s);
}

static void
details(const struct pp_result *r, bool expected, char *buf, size_t len)
{
    const struct pp_tls_info *t = &r->tls;
    const char *sum = r->summary ? r->summary : "";

    if (r->state == PP_ST_OK && t->handshake_done) {
        snprintf(buf, len, "%s%s%s%s%s, issued by %s, %d days left%s", sum, *sum ? "; " : "",
                 t->version, t->alpn[0] ? " " : "", t->alpn, t->issuer_cn ? t->issuer_cn : "?",
                 t->days_left, t->client_cert_requested ? ", client certificate requested" : "");
        return;
    }
    if (r->state == PP_ST_OK) {
        snprintf(buf, len, "%s", sum);
        return;
    }
    snprintf(buf, len, "%s%s", expected ? "(expected) " : r->target->required ? "" :
             "(optional) ", r->message ? r->message : "");
}

/* The value of the first CN= in an RFC 2253 name, or the name. */
static void
short_name(const char *dn, char *buf, size_t len)
{
    const char *p = dn != NULL ? dn : "?";
    size_t n;

    while (*p != '\0' && strncmp(p, "CN=", 3) != 0) {
        p += strcspn(p, ",");
        p += *p == ',';
    }
    if (*p == '\0') {
        snprintf(buf, len, "%.60s", dn != NULL ? dn : "?");
        return;
    }
    p += 3;
    n = strcspn(p, ",");
    snprintf(buf, len, "%.*s", (int)(n > 60 ? 60 : n), p);
}

void
pp_tls_chain_text(const struct pp_tls_info *t, char *buf, size_t len)
{
    const struct pp_cert_info *c = t->nbuilt > 0 ? t->built : t->served;
    size_t n = t->nbuilt > 0 ? t->nbuilt : t->nserved, i, off = 0;
    char nm[64];
    int k;

    buf[0] = '\0';
    for (i = 0; i < n && off < len; i++) {
        short_name(c[i].subject, nm, sizeof(nm));
        k = snprintf(buf + off, len - off, "%s'%s' (%s %d, %s, until %.10s%s)",
                     i ? " <- " : "chain: ", nm, c[i].key_type, c[i].key_bits, c[i].sig_alg,
                     c[i].not_after, c[i].self_signed ? ", root" : "");
        if (k < 0)
            return;
        off += (size_t)k;
    }
    if (t->policy_ran && t->policy_rule != PP_RS_NONE && off < len) {
        k = snprintf(buf + off, len - off, "%sApple rule broken: %s", off ? "; " : "",
                     pp_reason_name(t->policy_rule));
        off += k > 0 ? (size_t)k : 0;
    }
    if (t->warn_msg != NULL && off < len)
        snprintf(buf + off, len - off, "%swarning: %s", off ? "; " : "", t->warn_msg);
}

static void
fmt_ms(double ms, char *buf, size_t len)
{
    if (ms < 0)
        snprintf(buf, len, "-");
    else if (ms < 10)
        snprintf(buf, len, "%.1f ms", ms);
    else if (ms < 10000)
        snprintf(buf, len, "%.0f ms", ms);
    else
        snprintf(buf, len, "%.1f s", ms / 1000.0);
}

static const char *
verdict_color(enum pp_verdict_v v)
{
    switch (v) {
    case PP_V_OK: return C_GREEN;
    case PP_V_DEGRADED: return C_YELLOW;
    case PP_V_BLOCKED: return C_RED;
    default: return C_DIM;
    }
}

/* Print s wrapped at 76 columns, each line indented by ind spaces. */
static void
wrap(FILE *f, int ind, const char *s)
{
    int col = ind;
    const char *p = s;

    fprintf(f, "%*s", ind, "");
    while (*p != '\0') {
        size_t w = strcspn(p, " ");
        if (col > ind && col + 1 + (int)w > 78) {
            fprintf(f, "\n%*s", ind, "");
            col = ind;
        } else if (col > ind) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += (int)w;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

/* wrap() of s masked. */
static void
wrap_masked(FILE *f, const struct pp_report *rep, int ind, const char *s)
{
    char *m = masked(rep, s);

    wrap(f, ind, m);
    free(m);
}

static void
diagnosis_text(FILE *f, const struct pp_report *rep, const struct pp_diagnosis *d, bool color)
{
    size_t i, k;

    fprintf(f, "\n%sVerdicts%s\n", color ? C_BOLD : "", color ? C_RESET : "");
    for (i = 0; i < PP_AREA__COUNT; i++)
        fprintf(f, "  %-16s %s%s%s\n", pp_area_title((enum pp_area)i),
                color ? verdict_color(d->verdict[i]) : "", pp_verdict_name(d->verdict[i]),
                color ? C_RESET : "");
    if (d->n == 0)
        return;
    fprintf(f, "\n%sFindings%s\n", color ? C_BOLD : "", color ? C_RESET : "");
    for (i = 0; i < d->n; i++) {
        const struct pp_finding *x = &d->f[i];
        const char *col = x->severity == PP_SEV_CRITICAL ? C_RED :
                          x->severity == PP_SEV_WARNING ? C_YELLOW : C_GREEN;
        char line[1024];

        fprintf(f, "  %s%-8s%s %s: %s\n", color ? col : "", pp_severity_name(x->severity),
                color ? C_RESET : "", x->code, x->title);
        wrap_masked(f, rep, 4, x->detail);
        snprintf(line, sizeof(line), "For the user: %s", x->advice_user);
        wrap_masked(f, rep, 4, line);
        snprintf(line, sizeof(line), "For the network or server admin: %s", x->advice_admin);
        wrap_masked(f, rep, 4, line);
        if (x->nchecks > 0) {
            struct { char *s; size_t n, cap; } b = {NULL, 0, 0};
            for (k = 0; k < x->nchecks && k < 12; k++) {
                size_t need = strlen(x->checks[k]) + 3;
                if (b.n + need + 1 > b.cap) {
                    b.cap = (b.n + need + 1) * 2;
                    b.s = realloc(b.s, b.cap);
                    if (b.s == NULL)
                        return;
                }
                b.n += (size_t)snprintf(b.s + b.n, b.cap - b.n, "%s%s", k ? ", " : "",
                                        x->checks[k]);
            }
            snprintf(line, sizeof(line), "Checks: %s%s", b.s ? b.s : "",
                     x->nchecks > 12 ? ", ..." : "");
            free(b.s);
            wrap_masked(f, rep, 4, line);
        }
    }
}

/* The traced paths, one per address and port, hop by hop. */
static void
paths_text(FILE *f, const struct pp_report *rep, bool color)
{
    size_t i, j, k;
    bool head = false;

    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        const struct pp_path *p = r->path;
        char words[600];

        if (p == NULL)
            continue;
        for (j = 0; j < i; j++)
            if (rep->results[j]->path != NULL &&
                rep->results[j]->target->port == r->target->port &&
                strcmp(rep->results[j]->address, r->address) == 0)
                break;
        if (j < i)
            continue;
        if (!head) {
            fprintf(f, "\n%sPaths%s\n", color ? C_BOLD : "", color ? C_RESET : "");
            head = true;
        }
        pp_path_sentence(p, words, sizeof(words));
        {
            char *line = pp_xasprintf("%s %s port %u: %s", r->target->host, r->address,
                                      r->target->port, words);
            char *m = masked(rep, line);

            fprintf(f, "  %s\n", m);
            free(m);
            free(line);
        }
        for (k = 0; k < p->nhops; k++) {
            const struct pp_hop *h = &p->hops[k];
            char tm[32], *ha, *hn;

            if (h->reply == PP_HR_NONE) {
                fprintf(f, "    %2d  *\n", h->ttl);
                continue;
            }
            snprintf(tm, sizeof(tm), "%.3f ms", h->rtt_ms);
            ha = masked(rep, h->address);
            hn = masked(rep, h->name);
            fprintf(f, "    %2d  %-39s %10s  %-16s %s%s%s\n", h->ttl, ha, tm,
                    pp_hop_reply_name(h->reply), pp_hop_network_name(h->network),
                    h->name != NULL ? "  " : "", hn);
            free(ha);
            free(hn);
        }
    }
}

#define ROUNDS_CELLS "%5s  %-17s  "

/* -c N: the rounds' LOSS and MIN/AVG/MAX cells of a check, with the
 * separator after them; empty without rounds. */
static void
rounds_cells(const struct pp_report *rep, const struct pp_result *r, char *buf, size_t len)
{
    const struct pp_hist *h = rep->rounds != NULL ? pp_hists_get(rep->rounds, r->id) : NULL;
    char loss[16], stats[64];

    buf[0] = '\0';
    if (rep->rounds == NULL)
        return;
    snprintf(loss, sizeof(loss), "-");
    snprintf(stats, sizeof(stats), "-");
    if (h != NULL && h->runs > 0)
        snprintf(loss, sizeof(loss), "%.0f%%", 100.0 * h->lost / h->runs);
    if (h != NULL && h->nlat > 0)
    {
        pp_tui_stats(h->min_ms, h->sum_ms / h->nlat, h->max_ms, stats, sizeof(stats));
        strncat(stats, " ms", sizeof(stats) - strlen(stats) - 1);
    }
    snprintf(buf, len, ROUNDS_CELLS, loss, stats);
}

static bool
any_proxy(const struct pp_report *rep)
{
    size_t i;

    for (i = 0; i < rep->n; i++)
        if (rep->results[i]->target->via != NULL)
            return true;
    return false;
}

/* One row of the checks' table, with its details (and the capture's
 * evidence). */
static void
check_row(FILE *f, const struct pp_report *rep, const struct pp_result *r, int hw, int aw,
          bool color)
{
    char det[1200], tm[32], rc[96], *host, *addr, *mdet;
    const char *col = "";
    bool expected = pp_diagnosis_expected(rep->diag, r->id);

    size_t l = 0;

    /* The path, when the run has more than one: "via URL" or "direct". */
    if (r->target->via != NULL)
        l = (size_t)snprintf(det, sizeof(det), "via %s: ", r->target->via->url);
    else if (any_proxy(rep))
        l = (size_t)snprintf(det, sizeof(det), "direct: ");
    if (r->retry_of != NULL)
        /* The path-MTU retry of the row above. */
        l += (size_t)snprintf(det + l, sizeof(det) - l, "retried with small segments: ");
    details(r, expected, det + l, sizeof(det) - l);
    if (rep->capture != NULL && r->has_address) {
        char ev[256];

        l = strlen(det);
        if (pp_capture_evidence(rep->capture, r->family, r->address, r->target->port, ev,
                                sizeof(ev)))
            snprintf(det + l, sizeof(det) - l, "%scapture: %s", l ? "; " : "", ev);
    }
    fmt_ms(r->t_total, tm, sizeof(tm));
    rounds_cells(rep, r, rc, sizeof(rc));
    if (color)
        col = r->state == PP_ST_OK ? C_GREEN : expected ? C_DIM :
              r->target->required ? C_RED : C_YELLOW;
    host = masked(rep, r->target->host);
    addr = masked(rep, r->has_address ? r->address : "-");
    mdet = masked(rep, det);
    fprintf(f, "  %-*.*s  %-*s  %5u  %s%-11s%s  %-16s  %8s  %s%s\n", hw, hw, host, aw, addr,
            r->target->port, col, pp_state_name(r->state), color ? C_RESET : "",
            pp_reason_name(r->reason), tm, rc, mdet);
    free(host);
    free(addr);
    free(mdet);
    /* A refused certificate, or a warning: the chain it is about. */
    if (r->tls.policy_ran &&
        ((r->state == PP_ST_TLS_FAILED && r->tls.nserved > 0) || r->tls.warn_msg != NULL)) {
        char chain[1536];

        pp_tls_chain_text(&r->tls, chain, sizeof(chain));
        if (chain[0] != '\0')
            wrap_masked(f, rep, 6, chain);
    }
}

/* The checks, a table per service; hosts and addresses as wide as the
 * widest (within reason). */
static void
checks_table(FILE *f, const struct pp_report *rep, bool color)
{
    size_t i, hw = 4, aw = 7;
    int last = -1;
    char rh[64] = "";

    if (rep->rounds != NULL)
        snprintf(rh, sizeof(rh), ROUNDS_CELLS, "LOSS", "MIN/AVG/MAX");

    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        char *mh = masked(rep, r->target->host), *ma = masked(rep, r->address);
        size_t h = strlen(mh), a = strlen(ma);

        free(mh);
        free(ma);
        if (h > hw)
            hw = h > 40 ? 40 : h;
        if (a > aw)
            aw = a > 39 ? 39 : a;
    }
    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        int sv = (int)r->target->service;

        if (sv != last) {
            fprintf(f, "\n%s%s%s\n", color ? C_BOLD : "", pp_service_title(r->target->service),
                    color ? C_RESET : "");
            fprintf(f, "  %-*s  %-*s  %5s  %-11s  %-16s  %8s  %s%s\n", (int)hw, "HOST",
                    (int)aw, "ADDRESS", "PORT", "STATE", "REASON", rep->rounds ? "LAST" : "TIME",
                    rh, "DETAILS");
            last = sv;
        }
        check_row(f, rep, r, (int)hw, (int)aw, color);
    }
}

/* The last line: the run's status, or for a capture alone its findings. */
static void
summary_line(FILE *f, const struct pp_report *rep, const struct pp_summary *s, bool color)
{
    const char *word = pp_status_word(s->status), *scol;
    size_t i;

    scol = s->status == PP_STATUS_OK ? C_GREEN : s->status == PP_STATUS_FAILED ? C_RED : C_YELLOW;
    if (rep->n == 0 && rep->capture != NULL && rep->diag != NULL) {
        /* A capture alone: the verdict is its findings. */
        size_t crit = 0, warn = 0;
        for (i = 0; i < rep->diag->n; i++) {
            crit += rep->diag->f[i].severity == PP_SEV_CRITICAL;
            warn += rep->diag->f[i].severity == PP_SEV_WARNING;
        }
        fprintf(f, "\n%sSummary: %s%s - the capture shows %zu critical and %zu other "
                "problems.\n", color ? scol : "", word, color ? C_RESET : "", crit, warn);
        return;
    }
    fprintf(f, "\n%sSummary: %s%s - %zu checks, %zu ok", color ? scol : "", word,
            color ? C_RESET : "", s->checks, s->ok);
    if (s->expected > 0)
        fprintf(f, ", %zu expected", s->expected);
    if (s->failed > 0)
        fprintf(f, ", %zu failed (%zu required)", s->failed, s->required_failed);
    fprintf(f, "%s.\n", s->push_checked || s->checks == 0 ? "" : "; Apple push not checked");
}

void
pp_report_text(FILE *f, const struct pp_report *rep, bool color)
{
    struct pp_summary s;

    pp_summarize(rep, &s);
    fprintf(f, "%spushprobe %s%s  started %s, %zu checks in %.1f s", color ? C_BOLD : "",
            PACKAGE_VERSION, color ? C_RESET : "", rep->started_at, s.checks,
            rep->duration_ms / 1000.0);
    if (rep->rounds != NULL)
        fprintf(f, ", %u rounds (LAST, the state and the findings are the last round's)",
                rep->rounds->rounds);
    fputc('\n', f);
    if (rep->diag != NULL)
        diagnosis_text(f, rep, rep->diag, color);
    if (rep->context != NULL) {
        fprintf(f, "\n%sThis machine%s\n", color ? C_BOLD : "", color ? C_RESET : "");
        pp_context_text(rep->context, &rep->nat64, f);
    }
    checks_table(f, rep, color);
    paths_text(f, rep, color);
    if (rep->capture != NULL)
        pp_capture_text(f, rep->capture, color, rep->redact);
    summary_line(f, rep, &s, color);
}
