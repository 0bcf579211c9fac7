/* SPDX-License-Identifier: ISC */
/* The diagnosis of the path through a proxy (src/diagnose/rules_proxy.c,
 * APNS_VIA_PROXY, TLS_INTERCEPTED naming the proxy) on synthetic results:
 * each check direct and through the proxy, as the plan makes them. */
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

#include "diagnose/diagnose.h"
#include "plan/plan.h"
#include "plan/proxy.h"
#include "core/util.h"

#define PROXY "http://10.0.0.3:3128"

struct world {
    struct pp_plan plan;
    struct pp_report rep;
    struct pp_diagnosis d;
};

/* A target and its twin through the proxy. */
static void
pair(struct world *w, enum pp_service sv, const char *host, uint16_t port, bool req,
     struct pp_target **direct, struct pp_target **via)
{
    struct pp_target *t = pp_target_new(sv, host, port, port == 5223 || port == 443
                                         ? "tls" : "tcp", req);
    struct pp_target *v = pp_target_dup(t);
    char err[128];

    assert_int_equal(pp_via_parse(PROXY, false, &v->via, err, sizeof(err)), 0);
    v->tunnel = true;
    *direct = pp_plan_add(&w->plan, t);
    *via = pp_plan_add(&w->plan, v);
    assert_ptr_not_equal(*direct, *via);
}

static struct pp_result *
result(struct world *w, const struct pp_target *t, enum pp_state st, enum pp_reason rs)
{
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    r->target = t;
    r->family = AF_INET;
    r->has_address = true;
    r->state = st;
    r->reason = rs;
    r->id = pp_xasprintf("%s:%u/ipv4%s", t->host, t->port, t->via ? "/proxy" : "");
    r->message = pp_xstrdup(t->via ? "the proxy " PROXY " said no" : "m");
    snprintf(r->address, sizeof(r->address), "%s", t->via ? "10.0.0.3" : "17.1.1.1");
    w->rep.results = pp_xrealloc(w->rep.results, w->rep.n + 1, sizeof(*w->rep.results));
    w->rep.results[w->rep.n++] = r;
    return r;
}

static void
done(struct world *w)
{
    pp_diagnosis_free(&w->d);
    pp_report_free_results(&w->rep);
    pp_plan_free(&w->plan);
}

/* The lab's company network: direct dropped; through the proxy 443 works,
 * 5223 refused (squid's default ACLs), enrollment works. */
static void
squid_default(struct world *w, enum pp_state via443, enum pp_reason via443_rs)
{
    struct pp_target *c5223, *v5223, *c443, *v443, *e, *ve;

    memset(w, 0, sizeof(*w));
    pp_plan_init(&w->plan);
    pair(w, PP_SV_APNS_DEVICE, "courier.push.apple.com", 5223, true, &c5223, &v5223);
    pair(w, PP_SV_APNS_DEVICE, "courier.push.apple.com", 443, true, &c443, &v443);
    pair(w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true, &e, &ve);
    result(w, c5223, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    result(w, v5223, PP_ST_BLOCKED, PP_RS_PROXY_DENIED);
    result(w, c443, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    result(w, v443, via443, via443_rs);
    result(w, e, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    result(w, ve, via443, via443_rs);
    pp_diagnose(&w->rep, &w->d);
}

static void
test_works_through_proxy(void **state)
{
    struct world w;
    const struct pp_finding *f;

    (void)state;
    squid_default(&w, PP_ST_OK, PP_RS_TLS_OK);
    f = pp_diagnosis_find(&w.d, "PROXY_PORT_POLICY");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_true(f->expected);
    assert_non_null(strstr(f->title, PROXY));
    assert_non_null(strstr(f->title, "courier.push.apple.com:5223"));
    f = pp_diagnosis_find(&w.d, "APNS_VIA_PROXY");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_non_null(strstr(f->detail, "PAC"));
    assert_non_null(strstr(f->detail, "decrypt"));
    assert_non_null(strstr(f->detail, "dropped"));
    f = pp_diagnosis_find(&w.d, "WORKS_THROUGH_PROXY");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_true(f->expected);
    assert_int_equal(f->nchecks, 2);   /* the direct 443 checks, not 5223 */
    assert_null(pp_diagnosis_find(&w.d, "APNS_BLOCKED"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_FALLBACK_443"));
    assert_null(pp_diagnosis_find(&w.d, "ENROLLMENT_BLOCKED"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_DEGRADED);
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_OK);
    assert_int_equal(w.d.status, PP_STATUS_DEGRADED);
    assert_int_equal(w.d.expected, 3);
    done(&w);
}

static void
test_auth_required(void **state)
{
    struct world w;
    const struct pp_finding *f;

    (void)state;
    squid_default(&w, PP_ST_BLOCKED, PP_RS_PROXY_AUTH_REQUIRED);
    pp_detail_str(w.rep.results[3], "proxy_auth_scheme", "Basic");
    pp_diagnosis_free(&w.d);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PROXY_AUTH_REQUIRED");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_int_equal(f->nchecks, 2);
    assert_non_null(strstr(f->detail, "Basic"));
    assert_non_null(strstr(f->advice_admin, "credentials"));
    assert_non_null(strstr(f->advice_admin, "exempt"));
    assert_null(pp_diagnosis_find(&w.d, "WORKS_THROUGH_PROXY"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_BLOCKED);
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    done(&w);
}

static void
test_unreachable(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_target *d, *v;

    (void)state;
    squid_default(&w, PP_ST_FILTERED, PP_RS_PROXY_UNREACHABLE);
    f = pp_diagnosis_find(&w.d, "PROXY_UNREACHABLE");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->title, PROXY));
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    done(&w);

    /* Direct works: the proxy's failure is only a warning. */
    memset(&w, 0, sizeof(w));
    pp_plan_init(&w.plan);
    pair(&w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true, &d, &v);
    result(&w, d, PP_ST_OK, PP_RS_TLS_OK);
    result(&w, v, PP_ST_CLOSED, PP_RS_PROXY_UNREACHABLE);
    pp_detail_str(w.rep.results[1], "proxy_tcp", "conn-refused");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PROXY_UNREACHABLE");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_non_null(strstr(f->detail, "conn-refused"));
    assert_non_null(strstr(f->detail, "Direct connections work"));
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_DEGRADED);
    done(&w);
}

static void
test_denied_upstream(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_target *d, *v, *d2, *v2;

    (void)state;
    memset(&w, 0, sizeof(w));
    pp_plan_init(&w.plan);
    pair(&w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true, &d, &v);
    pair(&w, PP_SV_SOFTWARE_UPDATE, "gdmf.apple.com", 443, false, &d2, &v2);
    result(&w, d, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    result(&w, v, PP_ST_BLOCKED, PP_RS_PROXY_DENIED);
    result(&w, d2, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    result(&w, v2, PP_ST_UNREACHABLE, PP_RS_PROXY_UPSTREAM_FAILED);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PROXY_DENIED");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->title, "albert.apple.com:443"));
    assert_null(pp_diagnosis_find(&w.d, "PROXY_PORT_POLICY"));
    f = pp_diagnosis_find(&w.d, "PROXY_UPSTREAM_FAILED");
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "gdmf.apple.com:443"));
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_BLOCKED);
    done(&w);
}

static void
test_intercepted_by_proxy(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_result *r;

    (void)state;
    squid_default(&w, PP_ST_INTERCEPTED, PP_RS_ISSUER_UNEXPECTED);
    r = w.rep.results[3];
    r->tls.issuer_cn = pp_xstrdup("Corp Proxy CA");
    w.rep.results[5]->tls.issuer_cn = pp_xstrdup("Corp Proxy CA");
    pp_diagnosis_free(&w.d);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "TLS_INTERCEPTED");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->title, "through the proxy " PROXY));
    assert_non_null(strstr(f->title, "Corp Proxy CA"));
    assert_non_null(strstr(f->title, "decrypts"));
    assert_non_null(strstr(f->advice_admin, PROXY));
    assert_null(pp_diagnosis_find(&w.d, "WORKS_THROUGH_PROXY"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    done(&w);
}

/* A direct network: no proxy finding at all. */
static void
test_no_proxy(void **state)
{
    struct world w;
    struct pp_target *t;

    (void)state;
    memset(&w, 0, sizeof(w));
    pp_plan_init(&w.plan);
    t = pp_plan_add(&w.plan, pp_target_new(PP_SV_ENROLLMENT, "albert.apple.com", 443, "tls",
                                          true));
    result(&w, t, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    pp_diagnose(&w.rep, &w.d);
    assert_null(pp_diagnosis_find(&w.d, "WORKS_THROUGH_PROXY"));
    assert_null(pp_diagnosis_find(&w.d, "PROXY_UNREACHABLE"));
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_BLOCKED);
    done(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_works_through_proxy),
        cmocka_unit_test(test_auth_required),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_denied_upstream),
        cmocka_unit_test(test_intercepted_by_proxy),
        cmocka_unit_test(test_no_proxy),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
