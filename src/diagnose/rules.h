/*
 * What the diagnosis's rule files share (diagnose.c, rules_capture.c):
 * the state of one diagnosis while the rules run, a growing string and
 * the start of a finding.  Internal to src/diagnose/.
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

#endif
