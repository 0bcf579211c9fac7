/* SPDX-License-Identifier: ISC */
/* The audit's streamed outputs (ui/report_audit.c, src/plan/audit.c): every
 * JSON Lines line parses (checks, then one summary), the CSV has a whole
 * row per check, the JSON document parses with every check in it, and the
 * memory kept does not grow with the checks: past PP_AUDIT_KEEP deviations
 * only counts move. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/pushprobe.h"
#include "core/util.h"
#include "plan/audit.h"
#include "plan/plan.h"
#include "ui/report.h"

static const char rules[] =
    "open tcp 10.0.0.0/16 443\n"
    "closed tcp 10.0.0.0/16 1-442,444-65535\n";

struct fixture {
    struct pp_audit a;
    struct pp_target *t443, *t80;
};

static void
setup(struct fixture *fx)
{
    char err[256];

    pp_audit_init(&fx->a);
    assert_int_equal(pp_policy_parse("t.exp", rules, strlen(rules), &fx->a.policy, err,
                                     sizeof(err)), 0);
    fx->a.have_policy = true;
    fx->t443 = pp_target_new(PP_SV_CUSTOM, "10.0.0.0/16", 443, "tcp", true);
    fx->t443->by_address = false;   /* not the audit's own: never released */
    fx->t80 = pp_target_new(PP_SV_CUSTOM, "10.0.0.0/16", 80, "tcp", true);
}

static void
teardown(struct fixture *fx)
{
    pp_target_free(fx->t443);
    pp_target_free(fx->t80);
    pp_audit_free(&fx->a);
}

/* Check i: 10.0.x.y on 443 (open: passes, or filtered: deviates) or 80
 * (closed: passes, or open with a comma and quote in its message). */
static struct pp_result *
result(const struct fixture *fx, unsigned i, bool deviate)
{
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));
    bool web = i % 2 == 0;

    r->target = web ? fx->t443 : fx->t80;
    r->has_address = true;
    r->family = AF_INET;
    snprintf(r->address, sizeof(r->address), "10.0.%u.%u", i >> 8 & 255, i & 255);
    r->id = pp_xasprintf("%s:%u", r->address, r->target->port);
    r->order = i;
    r->t_dns = r->t_tls = r->t_app = r->t_first_byte = -1;
    r->t_connect = r->t_total = 0.5;
    r->attempts = deviate && web ? 2 : 1;
    r->timeout_ms = 100;
    if (web) {
        r->state = deviate ? PP_ST_FILTERED : PP_ST_OK;
        r->reason = deviate ? PP_RS_NO_RESPONSE : PP_RS_SYN_ACK;
    } else {
        r->state = deviate ? PP_ST_OK : PP_ST_CLOSED;
        r->reason = deviate ? PP_RS_SYN_ACK : PP_RS_CONN_REFUSED;
    }
    r->message = pp_xstrdup("a message, with \"quotes\"");
    return r;
}

static char *
slurp(FILE *f, size_t *len)
{
    long n;
    char *buf;

    fflush(f);
    n = ftell(f);
    assert_true(n >= 0);
    buf = pp_xmalloc((size_t)n + 1);
    rewind(f);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    *len = (size_t)n;
    return buf;
}

static void
run(struct fixture *fx, struct pp_audit_result *ar, struct pp_audit_out *o, unsigned n,
    unsigned every_deviates)
{
    unsigned i;

    memset(o, 0, sizeof(*o));
    pp_audit_result_init(ar, &fx->a);
    o->a = &fx->a;
    o->ar = ar;
    o->adaptive = true;
    o->timeout_s = 5;
    snprintf(o->started_at, sizeof(o->started_at), "2026-12-01T00:00:00Z");
    o->csv = tmpfile();
    o->jsonl = tmpfile();
    o->json = tmpfile();
    o->text = tmpfile();
    assert_non_null(o->csv);
    assert_non_null(o->jsonl);
    assert_non_null(o->json);
    assert_non_null(o->text);
    pp_audit_out_begin(o);
    for (i = 0; i < n; i++) {
        struct pp_result *r = result(fx, i, every_deviates && i % every_deviates == 0);
        if (!pp_audit_out_check(o, r))
            pp_result_free(r);
    }
    o->duration_ms = 12.5;
    pp_audit_out_end(o);
}

static void
streams_valid(void **state)
{
    struct fixture fx;
    struct pp_audit_result ar;
    struct pp_audit_out o;
    char *text, *line, *save = NULL;
    size_t len, lines = 0, rows = 0;
    json_t *doc, *summary = NULL;
    json_error_t jerr;
    const unsigned n = 500;

    (void)state;
    setup(&fx);
    run(&fx, &ar, &o, n, 7);

    /* JSON Lines: every line an object; checks, then one summary last. */
    text = slurp(o.jsonl, &len);
    assert_true(len > 0 && text[len - 1] == '\n');
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        json_t *v = json_loads(line, 0, &jerr);
        const char *type;
        if (v == NULL)
            fail_msg("line %zu is not JSON: %s", lines + 1, jerr.text);
        type = json_string_value(json_object_get(v, "type"));
        assert_non_null(type);
        assert_null(summary);   /* nothing after the summary */
        if (strcmp(type, "summary") == 0) {
            summary = v;
        } else {
            assert_string_equal(type, "check");
            assert_non_null(json_object_get(v, "verdict"));
            assert_non_null(json_object_get(v, "timeout_ms"));
            json_decref(v);
        }
        lines++;
    }
    assert_non_null(summary);
    assert_int_equal(lines, n + 1);
    assert_int_equal(json_integer_value(json_object_get(summary, "checks")), n);
    assert_int_equal(json_integer_value(json_object_get(summary, "deviations")), ar.deviations);
    assert_int_equal(ar.deviations, (n + 6) / 7);
    assert_true(json_is_false(json_object_get(summary, "interrupted")));
    json_decref(summary);
    free(text);

    /* CSV: a header and a whole row per check, 16 fields (a rule's
     * commas quoted). */
    text = slurp(o.csv, &len);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        size_t commas = 0;
        const char *p;
        bool quoted = false;
        assert_true(strlen(line) > 0 && line[strlen(line) - 1] == '\r');
        for (p = line; *p != '\0'; p++) {
            if (*p == '"')
                quoted = !quoted;
            commas += *p == ',' && !quoted;
        }
        assert_false(quoted);
        assert_int_equal(commas, 15);
        rows++;
    }
    assert_int_equal(rows, n + 1);
    free(text);

    /* The JSON document: parses, every check in it, the audit at the end. */
    text = slurp(o.json, &len);
    doc = json_loads(text, 0, &jerr);
    if (doc == NULL)
        fail_msg("the JSON document does not parse: %s (line %d)", jerr.text, jerr.line);
    assert_int_equal(json_array_size(json_object_get(doc, "checks")), n);
    assert_int_equal(json_array_size(json_object_get(json_object_get(doc, "audit"), "results")),
                     ar.deviations);
    assert_string_equal(json_string_value(json_object_get(json_object_get(
                            json_object_get(doc, "audit"), "timeout"), "mode")), "auto");
    json_decref(doc);
    free(text);

    text = slurp(o.text, &len);
    assert_non_null(strstr(text, "deviations, "));
    assert_non_null(strstr(text, "\nPorts\n"));
    free(text);
    fclose(o.csv);
    fclose(o.jsonl);
    fclose(o.json);
    fclose(o.text);
    pp_audit_result_free(&ar);
    teardown(&fx);
}

static void
memory_bounded(void **state)
{
    struct fixture fx;
    struct pp_audit_result ar;
    struct pp_audit_out o;
    const unsigned n = 20000;

    (void)state;
    setup(&fx);
    /* Every check deviates: only PP_AUDIT_KEEP are kept, the rest counted. */
    run(&fx, &ar, &o, n, 1);
    assert_int_equal(ar.checks, n);
    assert_int_equal(ar.deviations, n);
    assert_int_equal(ar.n, PP_AUDIT_KEEP);
    assert_int_equal(ar.deviations_dropped, n - PP_AUDIT_KEEP);
    assert_true(ar.cap <= 2 * PP_AUDIT_KEEP);
    assert_int_equal(ar.nports, 2);
    assert_int_equal(ar.rule_checks[0] + ar.rule_checks[1], n);
    /* Kept in plan order. */
    assert_true(ar.rows[0].r->order < ar.rows[1].r->order);
    fclose(o.csv);
    fclose(o.jsonl);
    fclose(o.json);
    fclose(o.text);
    pp_audit_result_free(&ar);
    teardown(&fx);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streams_valid),
        cmocka_unit_test(memory_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
