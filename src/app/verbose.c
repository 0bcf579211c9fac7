/* SPDX-License-Identifier: ISC */
/* -v's writer; see verbose.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/output.h"
#include "app/run.h"
#include "app/verbose.h"
#include "core/redact.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "engine/step.h"

struct pp_verbose {
    FILE *out;
    struct pp_redact *rd;    /* --redact: the masks so far, or NULL */
};

static void
write_step(void *arg, const struct pp_step *s)
{
    struct pp_verbose *v = arg;
    char line[1536];
    char *masked;
    size_t n = pp_step_line(s, line, sizeof(line) - 1);

    if (n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n] = '\n';
    line[n + 1] = '\0';
    if (v->rd == NULL) {
        fputs(line, v->out);
        return;
    }
    /* What this check shows (its company host, address, certificate
     * names) is masked from its first step on. */
    if (s->result != NULL)
        pp_app_redact_result(v->rd, s->result);
    masked = pp_redact_apply(v->rd, line);
    fputs(masked, v->out);
    free(masked);
}

/* The masks before the first step: this machine and its network (as the
 * report's), then the plan's targets in order (as a result of each would
 * show them, with no address yet). */
static struct pp_redact *
start_masks(const struct pp_app *app)
{
    struct pp_context cx;
    struct pp_report none;
    struct pp_redact *rd;
    struct pp_result r;
    size_t i;

    memset(&none, 0, sizeof(none));
    pp_context_collect(&cx);
    rd = pp_app_redactions(&none, &cx);
    if (app->st.resolver != NULL)
        pp_redact_add(rd, "local-addr", app->st.resolver);
    pp_context_free(&cx);
    for (i = 0; i < app->plan.n; i++) {
        memset(&r, 0, sizeof(r));
        r.target = app->plan.t[i];
        r.tls.alert = -1;
        pp_app_redact_result(rd, &r);
    }
    return rd;
}

struct pp_verbose *
pp_verbose_start(struct pp_app *app, FILE *out)
{
    struct pp_settings *st = &app->st;
    struct pp_verbose *v;

    if (st->o.step_level <= 0)
        return NULL;
    v = pp_xcalloc(1, sizeof(*v));
    v->out = out;
    if (st->redact)
        v->rd = start_masks(app);
    st->o.step = write_step;
    st->o.step_arg = v;
    /* The steps are the progress: a line rewritten in place would cut
     * through them. */
    st->o.progress = NULL;
    return v;
}

void
pp_verbose_free(struct pp_verbose *v)
{
    if (v == NULL)
        return;
    pp_redact_free(v->rd);
    free(v);
}
