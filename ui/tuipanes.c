/* SPDX-License-Identifier: ISC */
/*
 * The dashboard's panes (see tui_int.h): the findings, scrolled with a
 * marker that says how many more there are; the details of the selected
 * check; the capture; the help.
 */
#include "config.h"

#ifdef HAVE_NCURSES

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/capture.h"
#include "diagnose/diagnose.h"
#include "engine/trace.h"
#include "ui/report.h"
#include "ui/tui_int.h"

/* The lines of finding f in the pane: its title, then its advice. */
static int
finding_lines(const struct pp_finding *f)
{
    char buf[256];

    snprintf(buf, sizeof(buf), "%s: %s", f->code, f->title != NULL ? f->title : "");
    return pp_tui_wrap_lines(buf, COLS - 10) +
           (f->advice_user != NULL ? pp_tui_wrap_lines(f->advice_user, COLS - 12) : 0);
}

int
tui_findings_need(const struct pp_live_view *v)
{
    size_t i;
    int n = 0;

    if (v->diag == NULL || v->diag->n == 0)
        return 1;
    for (i = 0; i < v->diag->n; i++)
        n += finding_lines(&v->diag->f[i]);
    return n;
}

static int
draw_finding(struct pp_tui *t, const struct pp_finding *f, int y, int y1)
{
    int pair = f->severity == PP_SEV_CRITICAL ? CP_BAD :
               f->severity == PP_SEV_WARNING ? CP_WARN : CP_DIM;
    char buf[256];

    attrset(tui_attr(t, pair, true));
    snprintf(buf, sizeof(buf), "%-8s", pp_severity_name(f->severity));
    tui_put(y, 1, 9, buf, false);
    attrset(A_NORMAL);
    snprintf(buf, sizeof(buf), "%s: %s", f->code, f->title != NULL ? f->title : "");
    y = tui_wrap(y, y1, 10, buf);
    if (f->advice_user != NULL && y < y1)
        y = tui_wrap(y, y1, 12, f->advice_user);
    return y;
}

/* The findings from t->ftop, as many as fit, and the marker line. */
static void
draw_finding_list(struct pp_tui *t, const struct pp_diagnosis *d, int y, int y1)
{
    int h[64];
    size_t n = d->n < 64 ? d->n : 64, i, shown, more, above;
    char buf[160];

    for (i = 0; i < n; i++)
        h[i] = finding_lines(&d->f[i]);
    shown = pp_tui_window(h, n, y1 - y, &t->ftop, &more, &above);
    more += d->n - n;
    for (i = t->ftop; i < t->ftop + shown; i++)
        y = draw_finding(t, &d->f[i], y, more + above > 0 ? y1 - 1 : y1);
    if (more + above == 0)
        return;
    if (more > 0)
        snprintf(buf, sizeof(buf), "%s %zu more finding%s%s (] and [ scroll)",
                 t->utf8 ? "\u2193" : "v", more, more == 1 ? "" : "s",
                 above > 0 ? ", more above" : "");
    else
        snprintf(buf, sizeof(buf), "%s %zu more finding%s above ([ scrolls back)",
                 t->utf8 ? "\u2191" : "^", above, above == 1 ? "" : "s");
    attrset(tui_attr(t, CP_DIM, true));
    move(y1 - 1, 1);
    addnstr(buf, COLS - 1);
    attrset(A_NORMAL);
}

void
tui_draw_findings(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    int y = y0 + 1;

    attrset(tui_attr(t, CP_HEAD, true) | A_UNDERLINE);
    tui_put(y0, 0, COLS, " FINDINGS", true);
    attrset(A_NORMAL);
    if (v->diag == NULL) {
        tui_put(y, 1, COLS - 1, "waiting for the first run to complete", false);
        return;
    }
    if (v->diag->n == 0) {
        attrset(tui_attr(t, CP_OK, false));
        tui_put(y, 1, COLS - 1, "no problems found", false);
        attrset(A_NORMAL);
        return;
    }
    draw_finding_list(t, v->diag, y, y1);
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
    y = tui_wrap(y, y1, 1, buf);
    if (r->tls.have_cert) {
        snprintf(buf, sizeof(buf), "subject %s; issuer %s; expires %s (%d days)",
                 r->tls.subject != NULL ? r->tls.subject : "-",
                 r->tls.issuer != NULL ? r->tls.issuer : "-", r->tls.not_after,
                 r->tls.days_left);
        y = tui_wrap(y, y1, 1, buf);
    }
    if (r->tls.kex[0] != '\0') {
        snprintf(buf, sizeof(buf), "key exchange %s%s%s (%d bits), OCSP staple %s", r->tls.kex,
                 r->tls.kex_group[0] ? " " : "", r->tls.kex_group, r->tls.kex_bits,
                 pp_ocsp_name(r->tls.ocsp));
        y = tui_wrap(y, y1, 1, buf);
    }
    /* The chain judged, the Apple rule broken, the warnings. */
    pp_tls_chain_text(&r->tls, buf, sizeof(buf));
    if (buf[0] != '\0')
        y = tui_wrap(y, y1, 1, buf);
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
    return tui_wrap(y, y1, 1, buf);
}

/* The outcome and the phases' times, from line y. */
static int
details_outcome(int y, int y1, const struct pp_live_row *w, const struct pp_result *r)
{
    char buf[1024], a[40], b[40], c[40], d[40], e[40];

    snprintf(buf, sizeof(buf), "%s (%s) %s%s", pp_state_name(r->state), pp_reason_name(r->reason),
             r->message != NULL ? r->message : "", w->running ? " [from the last run]" : "");
    y = tui_wrap(y, y1, 1, buf);
    fmt_ms(a, sizeof(a), "dns", r->t_dns);
    fmt_ms(b, sizeof(b), "connect", r->t_connect);
    fmt_ms(c, sizeof(c), "tls", r->t_tls);
    fmt_ms(d, sizeof(d), "app", r->t_app);
    fmt_ms(e, sizeof(e), "total", r->t_total);
    snprintf(buf, sizeof(buf), "timings: %s, %s, %s, %s, %s", a, b, c, d, e);
    y = tui_wrap(y, y1, 1, buf);
    if (r->icmp_from[0] != '\0') {
        snprintf(buf, sizeof(buf), "ICMP error sent by %s", r->icmp_from);
        y = tui_wrap(y, y1, 1, buf);
    }
    return y;
}

static void details_path(int y, int y1, const struct pp_hist *h);

void
tui_draw_details(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    const struct pp_live_row *w = t->nshown > 0 ? t->shown[t->sel] : NULL;
    const struct pp_result *r;
    char buf[1024];
    int y = y0 + 1;

    attrset(tui_attr(t, CP_HEAD, true) | A_UNDERLINE);
    snprintf(buf, sizeof(buf), " DETAILS %s", w != NULL ? tui_row_id(w) : "");
    tui_put(y0, 0, COLS, buf, true);
    attrset(A_NORMAL);
    if (w == NULL)
        return;
    r = w->r;
    if (w->t->note != NULL)
        y = tui_wrap(y, y1, 1, w->t->note);
    if (r == NULL) {
        tui_wrap(y, y1, 1, "resolving the name");
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
        y = tui_wrap(y, y1, 1, buf);
    }
    if (v->capture != NULL && r->has_address &&
        pp_capture_evidence(v->capture, r->family, r->address, w->t->port, buf, sizeof(buf)))
        y = tui_wrap(y, y1, 1, buf);
    details_path(y, y1, w->h);
}

/* Its path trace (key t), hop by hop. */
static void
details_path(int y, int y1, const struct pp_hist *h)
{
    char buf[1024];
    size_t i;

    if (h != NULL && h->tracing)
        y = tui_wrap(y, y1, 1, "path: tracing ...");
    if (h != NULL && h->path != NULL) {
        const struct pp_path *p = h->path;
        char words[600];

        pp_path_sentence(p, words, sizeof(words));
        snprintf(buf, sizeof(buf), "path (t traces again): %s", words);
        y = tui_wrap(y, y1, 1, buf);
        for (i = 0; i < p->nhops && y < y1; i++) {
            const struct pp_hop *hp = &p->hops[i];
            if (hp->reply == PP_HR_NONE)
                snprintf(buf, sizeof(buf), "  %2d  *", hp->ttl);
            else
                snprintf(buf, sizeof(buf), "  %2d  %-39s %9.3f ms  %-16s %-6s %s", hp->ttl,
                         hp->address, hp->rtt_ms, pp_hop_reply_name(hp->reply),
                         pp_hop_network_name(hp->network), hp->name != NULL ? hp->name : "");
            tui_put(y++, 1, COLS - 1, buf, false);
        }
    } else if (h == NULL || !h->tracing) {
        tui_wrap(y, y1, 1, "path: not traced (t traces it)");
    }
}

/* Flows by service with their outcomes, the unhappy ones first. */
void
tui_draw_capture(struct pp_tui *t, const struct pp_live_view *v, int y0, int y1)
{
    const struct pp_flow *const *fl;
    const struct pp_flows_stats *st;
    struct pp_flows *flows;
    size_t n, i, pass;
    int y = y0 + 1;
    char buf[512], c[48], s[48];

    if (v->capture == NULL) {
        attrset(tui_attr(t, CP_HEAD, true) | A_UNDERLINE);
        tui_put(y0, 0, COLS, " CAPTURE", true);
        attrset(A_NORMAL);
        tui_put(y, 1, COLS - 1, "no capture: start with --sniff IFACE to see what devices do",
                false);
        return;
    }
    flows = pp_capture_flows(v->capture);
    st = pp_flows_stats(flows);
    attrset(tui_attr(t, CP_HEAD, true) | A_UNDERLINE);
    snprintf(buf, sizeof(buf), " CAPTURE %s: %llu packets, %llu flows (%llu evicted), %llu "
             "dropped by the kernel", pp_capture_source(v->capture),
             (unsigned long long)st->frames, (unsigned long long)st->flows_total,
             (unsigned long long)st->evicted,
             (unsigned long long)pp_capture_kernel_drops(v->capture));
    tui_put(y0, 0, COLS, buf, true);
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
            attrset(tui_attr(t, bad ? CP_BAD : CP_OK, bad));
            tui_put(y, 1, 19, pp_flow_outcome_name(f->outcome), true);
            attrset(A_NORMAL);
            snprintf(buf, sizeof(buf), "%-8s %s -> %s:%u  %llu/%llu pkts%s%s",
                     pp_flow_svc_name(f->svc), c, s, f->sport, (unsigned long long)f->pkts[0],
                     (unsigned long long)f->pkts[1], f->sni[0] ? "  sni " : "", f->sni);
            tui_put(y, 21, COLS - 21, buf, false);
            y++;
        }
}

void
tui_draw_help(struct pp_tui *t)
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
        "  /               search hosts as you type (Enter keeps, Esc clears)",
        "  o               order: severity, service, latency, loss",
        "  [, ]            scroll the findings (the mouse wheel too)",
        "  m               mouse on or off (off: the terminal selects text)",
        "  4, 6            only IPv4, only IPv6 (again: both)",
        "  s               save the report (as --save)",
        "  Esc             back to the findings",
        "  ?               this help",
        "  q               quit",
        "",
        "A click selects a row; the wheel scrolls the table or the findings.",
        "A state with * is from the last run: this run is on it.",
        "Any key closes this help.",
    };
    int n = (int)(sizeof(lines) / sizeof(lines[0])), w = 72, h = n + 2, y0, x0, i;

    if (w > COLS)
        w = COLS;
    if (h > LINES)
        h = LINES;
    y0 = (LINES - h) / 2;
    x0 = (COLS - w) / 2;
    attrset(tui_attr(t, CP_HEAD, false) | A_REVERSE);
    for (i = 0; i < h; i++)
        tui_put(y0 + i, x0, w, "", true);
    for (i = 0; i < n && i + 1 < h; i++)
        tui_put(y0 + 1 + i, x0 + 2, w - 3, lines[i], false);
    attrset(A_NORMAL);
}

#endif /* HAVE_NCURSES */
