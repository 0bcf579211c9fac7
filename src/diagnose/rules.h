/* SPDX-License-Identifier: ISC */
/*
 * What the diagnosis's rule files share (diagnose.c, rules_network.c,
 * rules_evidence.c, rules_push.c, rules_services.c, rules_capture.c): the
 * state of one diagnosis while the rules run, a growing string, the start
 * of a finding, the helpers and the rules themselves.  Internal to
 * src/diagnose/.
 */
#ifndef PP_RULES_H
#define PP_RULES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "diagnose/diagnose.h"

/* A growing string, for details and check lists. */
struct sbuf {
    char *s;
    size_t len, cap;
};

static inline void
sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void
sb_add(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    if (b->len + (size_t)n + 1 > b->cap) {
        b->cap = (b->len + (size_t)n + 1) * 2;
        b->s = pp_xrealloc(b->s, b->cap, 1);
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static inline char *
sb_take(struct sbuf *b)
{
    char *s = b->s ? b->s : pp_xstrdup("");

    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* The state of one diagnosis while the rules run. */
struct ctx {
    const struct pp_report *rep;
    bool *explained;          /* per result: an earlier finding covers it */
    bool *expected;           /* per result: failed, and that is expected */
    struct pp_diagnosis *out;
    size_t cap;
    enum pp_status capture_status;   /* from the capture's findings */
    size_t legacy[16];        /* failed retired-port checks, set aside first */
    size_t nlegacy;
};

/* Start a finding; the rule fills it. */
static inline struct pp_finding *
emit(struct ctx *c, const char *code, enum pp_severity sev)
{
    struct pp_finding *f;

    if (c->out->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->out->f = pp_xrealloc(c->out->f, c->cap, sizeof(*c->out->f));
    }
    f = &c->out->f[c->out->n++];
    memset(f, 0, sizeof(*f));
    f->code = code;
    f->severity = sev;
    return f;
}

/* The capture's rules (rules_capture.c): what the network showed. */
void pp_rule_capture(struct ctx *c);

/* Which results a rule looks at; the most one selection holds. */
typedef bool (*pick_fn)(const struct pp_result *);
#define MAXSEL 512

/* diagnose.c: what the rules share (selecting, claiming, wording) */
bool failed(const struct pp_result *r);
bool is_service(const struct pp_result *r, enum pp_service s);
void add_check(struct pp_finding *f, const struct pp_result *r);
size_t select_failed(struct ctx *c, pick_fn pick, size_t *idx, size_t max);
void claim(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n);
void claim_expected(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n);
char *how(struct ctx *c, const size_t *idx, size_t n);
char *hosts(struct ctx *c, const size_t *idx, size_t n, bool with_port);
bool any_required(struct ctx *c, const size_t *idx, size_t n);
void trace_where(struct ctx *c, struct pp_finding *f, const size_t *idx, size_t n);

/* rules_proxy.c: the same host, port, probe and path (a check through a
 * proxy and its direct twin) */
bool same_endpoint(const struct pp_target *a, const struct pp_target *b);
void rule_proxy_unreachable(struct ctx *c);
void rule_proxy_auth(struct ctx *c);
void rule_proxy_denied(struct ctx *c);
void rule_proxy_upstream(struct ctx *c);
void rule_proxy_path(struct ctx *c);

/* rules_network.c */
void rule_dns_failed(struct ctx *c);
void rule_dns_outside(struct ctx *c);
void rule_clock(struct ctx *c);
void rule_captive(struct ctx *c);
void rule_intercepted(struct ctx *c);
void rule_mtu(struct ctx *c);

/* rules_evidence.c */
void rule_local_route(struct ctx *c);
void rule_push_reset(struct ctx *c);
void rule_hello_reset(struct ctx *c);
void rule_idle_timeout(struct ctx *c);
void rule_icmp_rate_limited(struct ctx *c);

/* rules_push.c */
void rule_ipv6(struct ctx *c);
void rule_apns_device(struct ctx *c);
void rule_apns_provider(struct ctx *c);
void rule_ipv6_unavailable(struct ctx *c);
void rule_ipv6_only(struct ctx *c);
void rule_legacy_aside(struct ctx *c);
void rule_legacy(struct ctx *c);
void rule_not_applicable(struct ctx *c);

/* rules_services.c */
void rule_mdm(struct ctx *c);
void rule_enrollment(struct ctx *c);
void rule_software_update(struct ctx *c);
void rule_sus(struct ctx *c);
void rule_dp_cert(struct ctx *c);
void rule_target_cert(struct ctx *c);
void rule_tls_warnings(struct ctx *c);
void rule_dp(struct ctx *c);
void rule_fileshare(struct ctx *c);
void rule_afp(struct ctx *c);
void rule_other(struct ctx *c);
void rule_conclusion(struct ctx *c);

#endif
