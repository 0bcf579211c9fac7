/* SPDX-License-Identifier: ISC */
/* The agent's page (ui/report_html.c) on synthetic results: what a run
 * says reaches the page as text, whatever bytes it holds. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "core/build.h"
#include "core/util.h"
#include "diagnose/diagnose.h"
#include "plan/plan.h"
#include "ui/report.h"

struct page {
    struct pp_plan plan;
    struct pp_report rep;
    struct pp_diagnosis d;
    char *html;
    size_t len;
};

static struct pp_result *
result_of(struct page *p, enum pp_service sv, const char *host, uint16_t port, enum pp_state st,
          enum pp_reason rs, const char *summary, const char *message)
{
    struct pp_target *t = pp_plan_add(&p->plan, pp_target_new(sv, host, port, "tcp", true));
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    r->target = t;
    r->family = AF_INET;
    r->has_address = true;
    snprintf(r->address, sizeof(r->address), "192.0.2.1");
    r->state = st;
    r->reason = rs;
    r->t_dns = r->t_connect = r->t_tls = r->t_app = r->t_first_byte = -1;
    r->t_total = 12.5;
    r->id = pp_xasprintf("%s:%u/ipv4", host, port);
    r->summary = summary != NULL ? pp_xstrdup(summary) : NULL;
    r->message = message != NULL ? pp_xstrdup(message) : NULL;
    p->rep.results = pp_xrealloc(p->rep.results, p->rep.n + 1, sizeof(*p->rep.results));
    p->rep.results[p->rep.n++] = r;
    return r;
}

static struct pp_result *
result(struct page *p, const char *host, uint16_t port, enum pp_state st, enum pp_reason rs,
       const char *summary, const char *message)
{
    return result_of(p, PP_SV_CUSTOM, host, port, st, rs, summary, message);
}

static void
render(struct page *p, int64_t next)
{
    FILE *m = open_memstream(&p->html, &p->len);

    assert_non_null(m);
    snprintf(p->rep.started_at, sizeof(p->rep.started_at), "2026-12-01T10:00:00Z");
    p->rep.duration_ms = 1500;
    pp_diagnose(&p->rep, &p->d);
    p->rep.diag = &p->d;
    pp_report_html(m, &p->rep, next);
    assert_int_equal(fclose(m), 0);
}

static void
done(struct page *p)
{
    free(p->html);
    pp_diagnosis_free(&p->d);
    pp_report_free_results(&p->rep);
    pp_plan_free(&p->plan);
}

static void
page_has_the_run(void **state)
{
    struct page p;

    (void)state;
    memset(&p, 0, sizeof(p));
    pp_plan_init(&p.plan);
    result(&p, "files.corp.example", 445, PP_ST_CLOSED, PP_RS_CONN_REFUSED, NULL, "refused");
    result(&p, "jss.corp.example", 8443, PP_ST_OK, PP_RS_SYN_ACK, "open", NULL);
    /* Apple retired the legacy provider port: its failure is expected. */
    result_of(&p, PP_SV_APNS_LEGACY, "gateway.push.apple.com", 2195, PP_ST_FILTERED,
              PP_RS_NO_RESPONSE, NULL, "no answer");
    render(&p, 1764583260);   /* 2025-12-01T10:01:00Z */
    assert_int_equal(strlen(p.html), p.len);
    assert_true(strncmp(p.html, "<!DOCTYPE html>", 15) == 0);
    assert_non_null(strstr(p.html, "<span id=\"status\" class=\"bad\">failed</span>"));
    assert_non_null(strstr(p.html, "2026-12-01T10:00:00Z"));
    assert_non_null(strstr(p.html, "<span id=\"next\">2025-12-01T10:01:00Z</span>"));
    assert_non_null(strstr(p.html, "<a href=\"/metrics\">"));
    assert_non_null(strstr(p.html, "<a href=\"/report.json\">"));
    assert_non_null(strstr(p.html, "3 checks, 1 ok, 1 expected, 1 failed (1 of them required)"));
    assert_non_null(strstr(p.html, "<td class=\"none\">filtered</td><td>no-response</td>"));
    assert_non_null(strstr(p.html, "<td><i>Expected:</i> no answer</td>"));
    assert_non_null(strstr(p.html, "<td>files.corp.example</td><td>445</td>"));
    assert_non_null(strstr(p.html, "<td class=\"bad\">closed</td><td>conn-refused</td>"
                                   "<td>12.5</td>"));
    assert_non_null(strstr(p.html, "<td class=\"ok\">ok</td>"));
    assert_non_null(strstr(p.html, "<table id=\"verdicts\">"));
    assert_non_null(strstr(p.html, "<table id=\"findings\">"));
    assert_non_null(strstr(p.html, pp_build_features()));
    assert_non_null(strstr(p.html, "</html>\n"));
    done(&p);
}

static void
no_next_run_without_one(void **state)
{
    struct page p;

    (void)state;
    memset(&p, 0, sizeof(p));
    pp_plan_init(&p.plan);
    result(&p, "a.example", 1, PP_ST_OK, PP_RS_SYN_ACK, NULL, NULL);
    render(&p, 0);
    assert_null(strstr(p.html, "id=\"next\""));
    assert_non_null(strstr(p.html, "class=\"ok\">ok</span>"));
    done(&p);
}

/* Markup, quotes, control characters and bytes that are not UTF-8, as a
 * hostile server could put in a summary or a message. */
static void
strings_are_escaped(void **state)
{
    struct page p;
    const char *s;

    (void)state;
    memset(&p, 0, sizeof(p));
    pp_plan_init(&p.plan);
    result(&p, "h<b>.example", 80, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE,
           "<script>alert('x')</script>", "a \"quoted\" & \x01" "bell\x7f \xff\xfe bad \xc3\xa9");
    render(&p, 0);
    assert_null(strstr(p.html, "<script"));
    assert_null(strstr(p.html, "<b>.example"));
    assert_non_null(strstr(p.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(p.html, "h&lt;b&gt;.example"));
    assert_non_null(strstr(p.html, "a &quot;quoted&quot; &amp; \xef\xbf\xbd" "bell\xef\xbf\xbd "
                                   "\xef\xbf\xbd\xef\xbf\xbd bad \xc3\xa9"));
    /* Only the page's own control characters: newlines. */
    for (s = p.html; *s != '\0'; s++)
        assert_true((unsigned char)*s >= 0x20 || *s == '\n');
    done(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(page_has_the_run),
        cmocka_unit_test(no_next_run_without_one),
        cmocka_unit_test(strings_are_escaped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
