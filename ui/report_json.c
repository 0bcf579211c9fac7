/* SPDX-License-Identifier: ISC */
/* The JSON report, schema 1 (documented in pushprobe.1). */
#include "config.h"

#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "engine/trace.h"
#include "engine/certpolicy.h"
#include "ui/jsonw.h"
#include "probes/probe.h"
#include "core/hist.h"
#include "ui/report.h"

static void
ms(struct pp_jsonw *w, const char *key, double v)
{
    pp_jw_key(w, key);
    if (v < 0)
        pp_jw_null(w);
    else
        pp_jw_num(w, v, 3);
}

static void
opt_str(struct pp_jsonw *w, const char *key, const char *v)
{
    pp_jw_key(w, key);
    if (v != NULL && *v != '\0')
        pp_jw_str(w, v);
    else
        pp_jw_null(w);
}

static void
path_obj(struct pp_jsonw *w, const struct pp_path *p)
{
    char words[600];
    size_t i;

    pp_jw_key(w, "path");
    pp_jw_obj(w);
    pp_jw_key(w, "hops");
    pp_jw_arr(w);
    for (i = 0; i < p->nhops; i++) {
        const struct pp_hop *h = &p->hops[i];

        pp_jw_obj(w);
        pp_jw_kint(w, "ttl", h->ttl);
        opt_str(w, "address", h->address);
        ms(w, "rtt_ms", h->rtt_ms);
        pp_jw_kstr(w, "reply", pp_hop_reply_name(h->reply));
        pp_jw_key(w, "network");
        if (h->address[0] != '\0')
            pp_jw_str(w, pp_hop_network_name(h->network));
        else
            pp_jw_null(w);
        opt_str(w, "name", h->name);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
    pp_jw_kstr(w, "end", pp_path_end_name(p->end));
    pp_jw_kint(w, "end_hop", p->end_hop);
    opt_str(w, "end_address", p->end_address);
    {
        const char *name = p->end_name;
        if (name == NULL && p->end_hop > 0 && (size_t)p->end_hop <= p->nhops &&
            strcmp(p->hops[p->end_hop - 1].address, p->end_address) == 0)
            name = p->hops[p->end_hop - 1].name;
        opt_str(w, "end_name", name);
    }
    pp_jw_key(w, "end_network");
    if (p->end_address[0] != '\0')
        pp_jw_str(w, pp_hop_network_name(p->end_network));
    else
        pp_jw_null(w);
    pp_jw_key(w, "distance");
    if (p->distance > 0)
        pp_jw_int(w, p->distance);
    else
        pp_jw_null(w);
    pp_jw_kstr(w, "method", p->method);
    pp_path_sentence(p, words, sizeof(words));
    pp_jw_kstr(w, "words", words);
    pp_jw_obj_end(w);
}

static void
str_arr(struct pp_jsonw *w, const char *key, char *const *v, size_t n)
{
    size_t i;

    pp_jw_key(w, key);
    pp_jw_arr(w);
    for (i = 0; i < n; i++)
        pp_jw_str(w, v[i]);
    pp_jw_arr_end(w);
}

/* Every certificate as the judgement saw it. */
static void
chain_arr(struct pp_jsonw *w, const char *key, const struct pp_cert_info *c, size_t n)
{
    size_t i;

    pp_jw_key(w, key);
    pp_jw_arr(w);
    for (i = 0; i < n; i++) {
        pp_jw_obj(w);
        pp_jw_kstr(w, "subject", c[i].subject);
        pp_jw_kstr(w, "issuer", c[i].issuer);
        str_arr(w, "san", c[i].san, c[i].nsan);
        pp_jw_key(w, "eku");
        if (c[i].has_eku) {
            pp_jw_arr(w);
            for (size_t k = 0; k < c[i].neku; k++)
                pp_jw_str(w, c[i].eku[k]);
            pp_jw_arr_end(w);
        } else {
            pp_jw_null(w);
        }
        pp_jw_kstr(w, "key_type", c[i].key_type);
        pp_jw_kint(w, "key_bits", c[i].key_bits);
        pp_jw_kstr(w, "signature", c[i].sig_alg);
        opt_str(w, "not_before", c[i].not_before);
        opt_str(w, "not_after", c[i].not_after);
        pp_jw_kstr(w, "sha256", c[i].sha256);
        pp_jw_kbool(w, "ca", c[i].ca);
        pp_jw_kbool(w, "self_signed", c[i].self_signed);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
}

static void
tls_obj(struct pp_jsonw *w, const struct pp_tls_info *t)
{
    pp_jw_key(w, "tls");
    if (!t->ran) {
        pp_jw_null(w);
        return;
    }
    pp_jw_obj(w);
    opt_str(w, "version", t->version);
    opt_str(w, "cipher", t->cipher);
    opt_str(w, "alpn", t->alpn);
    opt_str(w, "subject", t->subject);
    opt_str(w, "issuer", t->issuer);
    opt_str(w, "issuer_cn", t->issuer_cn);
    opt_str(w, "not_after", t->not_after);
    pp_jw_key(w, "days_left");
    if (t->have_cert)
        pp_jw_int(w, t->days_left);
    else
        pp_jw_null(w);
    pp_jw_key(w, "verified");
    pp_jw_bool(w, t->verified);
    opt_str(w, "verify_error", t->verify_error);
    pp_jw_key(w, "trust");
    pp_jw_str(w, pp_trust_name(t->trust));
    pp_jw_key(w, "client_cert_requested");
    pp_jw_bool(w, t->client_cert_requested);
    opt_str(w, "kex", t->kex);
    opt_str(w, "kex_group", t->kex_group);
    pp_jw_key(w, "kex_bits");
    if (t->kex_bits > 0)
        pp_jw_int(w, t->kex_bits);
    else
        pp_jw_null(w);
    pp_jw_key(w, "alert");
    if (t->alert >= 0)
        pp_jw_int(w, t->alert);
    else
        pp_jw_null(w);
    pp_jw_kstr(w, "ocsp", pp_ocsp_name(t->ocsp));
    pp_jw_kstr(w, "anchor", pp_anchor_name(t->anchor));
    chain_arr(w, "served_chain", t->served, t->nserved);
    chain_arr(w, "built_chain", t->built, t->nbuilt);
    pp_jw_key(w, "apple_policy");
    if (t->policy_ran) {
        size_t n, k;
        const enum pp_reason *rules = pp_cp_rules(&n);

        pp_jw_obj(w);
        pp_jw_kstr(w, "result", t->policy_rule == PP_RS_NONE ? "pass" : "fail");
        pp_jw_key(w, "rule");
        if (t->policy_rule == PP_RS_NONE) {
            pp_jw_null(w);
        } else {
            pp_jw_str(w, pp_reason_name(t->policy_rule));
        }
        pp_jw_key(w, "depth");
        if (t->policy_rule == PP_RS_NONE)
            pp_jw_null(w);
        else
            pp_jw_int(w, t->policy_depth);
        opt_str(w, "message", t->policy_msg);
        pp_jw_key(w, "rules");
        pp_jw_arr(w);
        for (k = 0; k < n; k++)
            pp_jw_str(w, pp_reason_name(rules[k]));
        pp_jw_arr_end(w);
        pp_jw_obj_end(w);
    } else {
        pp_jw_null(w);
    }
    pp_jw_key(w, "warnings");
    pp_jw_arr(w);
    for (size_t k = 0; k < t->nwarnings; k++)
        pp_jw_str(w, t->warnings[k]);
    pp_jw_arr_end(w);
    opt_str(w, "warning", t->warn_msg);
    pp_jw_obj_end(w);
}

static void
details_obj(struct pp_jsonw *w, const struct pp_result *r)
{
    size_t i;

    pp_jw_key(w, "details");
    pp_jw_obj(w);
    for (i = 0; i < r->ndetails; i++) {
        const struct pp_kv *kv = &r->details[i];
        pp_jw_key(w, kv->key);
        switch (kv->type) {
        case PP_KV_STR: pp_jw_str(w, kv->s); break;
        case PP_KV_INT: pp_jw_int(w, kv->i); break;
        case PP_KV_BOOL: pp_jw_bool(w, kv->i != 0); break;
        case PP_KV_NUM: pp_jw_num(w, kv->d, 3); break;
        }
    }
    pp_jw_obj_end(w);
}

static void
diagnosis(struct pp_jsonw *w, const struct pp_diagnosis *d)
{
    size_t i, k;

    pp_jw_key(w, "verdicts");
    pp_jw_obj(w);
    for (i = 0; i < PP_AREA__COUNT; i++) {
        pp_jw_key(w, pp_area_name((enum pp_area)i));
        pp_jw_str(w, pp_verdict_name(d->verdict[i]));
    }
    pp_jw_obj_end(w);
    pp_jw_key(w, "findings");
    pp_jw_arr(w);
    for (i = 0; i < d->n; i++) {
        const struct pp_finding *f = &d->f[i];
        pp_jw_obj(w);
        pp_jw_key(w, "code");
        pp_jw_str(w, f->code);
        pp_jw_key(w, "severity");
        pp_jw_str(w, pp_severity_name(f->severity));
        pp_jw_key(w, "title");
        pp_jw_str(w, f->title);
        pp_jw_key(w, "detail");
        pp_jw_str(w, f->detail);
        pp_jw_key(w, "advice");
        pp_jw_obj(w);
        pp_jw_key(w, "user");
        pp_jw_str(w, f->advice_user);
        pp_jw_key(w, "admin");
        pp_jw_str(w, f->advice_admin);
        pp_jw_obj_end(w);
        pp_jw_key(w, "checks");
        pp_jw_arr(w);
        for (k = 0; k < f->nchecks; k++)
            pp_jw_str(w, f->checks[k]);
        pp_jw_arr_end(w);
        pp_jw_obj_end(w);
    }
    pp_jw_arr_end(w);
}

/* The report's head: the tool, the schema, the time and the summary. */
static void
head(struct pp_jsonw *w, const struct pp_report *rep)
{
    struct pp_summary s;

    pp_summarize(rep, &s);
    pp_jw_key(w, "tool");
    pp_jw_str(w, "pushprobe");
    pp_jw_key(w, "version");
    pp_jw_str(w, PACKAGE_VERSION);
    pp_jw_key(w, "schema");
    pp_jw_int(w, PP_JSON_SCHEMA);
    pp_jw_key(w, "schema_minor");
    pp_jw_int(w, PP_JSON_SCHEMA_MINOR);
    pp_jw_key(w, "started_at");
    pp_jw_str(w, rep->started_at);
    pp_jw_key(w, "duration_ms");
    pp_jw_num(w, rep->duration_ms, 1);
    if (rep->rounds != NULL)
        pp_jw_kint(w, "rounds", rep->rounds->rounds);
    pp_jw_key(w, "summary");
    pp_jw_obj(w);
    pp_jw_key(w, "status");
    pp_jw_str(w, s.status_name);
    pp_jw_key(w, "checks");
    pp_jw_int(w, (long long)s.checks);
    pp_jw_key(w, "ok");
    pp_jw_int(w, (long long)s.ok);
    pp_jw_key(w, "expected");
    pp_jw_int(w, (long long)s.expected);
    pp_jw_key(w, "failed");
    pp_jw_int(w, (long long)s.failed);
    pp_jw_key(w, "required_failed");
    pp_jw_int(w, (long long)s.required_failed);
    pp_jw_key(w, "push_checked");
    pp_jw_bool(w, s.push_checked);
    pp_jw_obj_end(w);
}

/* The sections beside the checks: findings, this machine, the capture
 * (the audit streams its own document, ui/report_audit.c). */
static void
sections(struct pp_jsonw *w, const struct pp_report *rep)
{
    if (rep->diag != NULL)
        diagnosis(w, rep->diag);
    if (rep->context != NULL) {
        pp_jw_key(w, "context");
        pp_context_json(rep->context, w);
    }
    pp_nat64_json(&rep->nat64, rep->context, w);
    if (rep->capture != NULL)
        pp_capture_json(w, rep->capture);
}

/* What was checked: the target, the address, the probe.  rep NULL: the
 * audit's streams (no diagnosis, so no "expected"). */
static void
check_what(struct pp_jsonw *w, const struct pp_report *rep, const struct pp_result *r)
{
    const struct pp_target *t = r->target;

    pp_jw_key(w, "id");
    pp_jw_str(w, r->id);
    pp_jw_key(w, "service");
    pp_jw_str(w, pp_service_name(t->service));
    pp_jw_key(w, "host");
    pp_jw_str(w, t->host);
    pp_jw_key(w, "port");
    pp_jw_int(w, t->port);
    opt_str(w, "address", r->has_address ? r->address : NULL);
    pp_jw_key(w, "family");
    if (r->has_address)
        pp_jw_str(w, r->family == AF_INET6 ? "ipv6" : "ipv4");
    else
        pp_jw_null(w);
    pp_jw_key(w, "probe");
    pp_jw_str(w, t->probe->name);
    pp_jw_key(w, "required");
    pp_jw_bool(w, t->required);
    pp_jw_kstr(w, "via", t->via != NULL ? t->via->url : "direct");
    if (t->via != NULL) {
        pp_jw_key(w, "proxy");
        pp_jw_obj(w);
        pp_jw_kstr(w, "url", t->via->url);
        pp_jw_kstr(w, "host", t->via->host);
        pp_jw_kint(w, "port", t->via->port);
        pp_jw_kstr(w, "request", t->tunnel ? "connect" : "absolute-uri");
        pp_jw_kbool(w, "credentials", t->via->auth != NULL);
        pp_jw_obj_end(w);
    }
    if (rep != NULL) {
        pp_jw_key(w, "expected");
        pp_jw_bool(w, pp_diagnosis_expected(rep->diag, r->id));
    }
}

/* -c N: a check's rounds (core/hist.h); the times null when no round
 * succeeded. */
static void
rounds_obj(struct pp_jsonw *w, const struct pp_report *rep, const struct pp_result *r)
{
    const struct pp_hist *h = r->id != NULL ? pp_hists_get(rep->rounds, r->id) : NULL;
    bool t = h != NULL && h->nlat > 0;

    if (h == NULL)
        return;
    pp_jw_key(w, "rounds");
    pp_jw_obj(w);
    pp_jw_kint(w, "sent", h->runs);
    pp_jw_kint(w, "lost", h->lost);
    pp_jw_key(w, "loss_pct");
    pp_jw_num(w, h->runs > 0 ? 100.0 * h->lost / h->runs : 0.0, 1);
    pp_jw_kint(w, "state_changes", h->flaps);
    ms(w, "min_ms", t ? h->min_ms : -1);
    ms(w, "avg_ms", t ? h->sum_ms / h->nlat : -1);
    ms(w, "max_ms", t ? h->max_ms : -1);
    ms(w, "last_ms", h->last_ms);
    pp_jw_obj_end(w);
}

/* How it went: the state, the timings, TLS, details and words. */
static void
check_outcome(struct pp_jsonw *w, const struct pp_report *rep, const struct pp_result *r)
{
    const struct pp_target *t = r->target;

    pp_jw_key(w, "state");
    pp_jw_str(w, pp_state_name(r->state));
    pp_jw_key(w, "reason");
    pp_jw_str(w, pp_reason_name(r->reason));
    opt_str(w, "icmp_from", r->icmp_from);
    pp_jw_key(w, "timings_ms");
    pp_jw_obj(w);
    ms(w, "dns", r->t_dns);
    ms(w, "connect", r->t_connect);
    ms(w, "tls", r->t_tls);
    ms(w, "app", r->t_app);
    ms(w, "first_byte", r->t_first_byte);
    ms(w, "total", r->t_total);
    pp_jw_obj_end(w);
    tls_obj(w, &r->tls);
    opt_str(w, "sni", t->tls ? (t->sni ? t->sni : t->host) : NULL);
    opt_str(w, "alpn_offered", t->tls ? t->alpn : NULL);
    opt_str(w, "summary", r->summary);
    details_obj(w, r);
    opt_str(w, "message", r->message);
    opt_str(w, "note", t->note);
    opt_str(w, "retry_of", r->retry_of);
    if (r->attempts > 0) {
        pp_jw_kint(w, "attempts", r->attempts);
        pp_jw_key(w, "timeout_ms");
        pp_jw_num(w, r->timeout_ms, 1);
    }
    if (r->path != NULL)
        path_obj(w, r->path);
    if (rep != NULL && rep->capture != NULL) {
        char ev[256] = "";
        if (r->has_address)
            pp_capture_evidence(rep->capture, r->family, r->address, t->port, ev,
                                sizeof(ev));
        opt_str(w, "capture_evidence", ev);
    }
    if (rep != NULL && rep->rounds != NULL)
        rounds_obj(w, rep, r);
}

void
pp_json_check_fields(struct pp_jsonw *w, const struct pp_result *r, const struct pp_report *rep)
{
    check_what(w, rep, r);
    check_outcome(w, rep, r);
}

void
pp_report_json(FILE *f, const struct pp_report *rep)
{
    struct pp_jsonw w;
    size_t i;

    pp_jw_init(&w, f, true);
    pp_jw_obj(&w);
    head(&w, rep);
    sections(&w, rep);
    pp_jw_key(&w, "checks");
    pp_jw_arr(&w);
    for (i = 0; i < rep->n; i++) {
        pp_jw_obj(&w);
        check_what(&w, rep, rep->results[i]);
        check_outcome(&w, rep, rep->results[i]);
        pp_jw_obj_end(&w);
    }
    pp_jw_arr_end(&w);
    pp_jw_obj_end(&w);
}
