/* SPDX-License-Identifier: ISC */
/* The diagnosis rules on synthetic results: codes, severities, one
 * finding per root cause, verdicts. */
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
#include "engine/trace.h"
#include "engine/tlscore.h"
#include "plan/plan.h"
#include "core/util.h"

struct world {
    struct pp_plan plan;
    struct pp_report rep;
    struct pp_diagnosis d;
};

static struct pp_target *
target(struct world *w, enum pp_service sv, const char *host, uint16_t port, bool req)
{
    struct pp_target *t = pp_target_new(sv, host, port, "tcp", req);

    return pp_plan_add(&w->plan, t);
}

static struct pp_result *
result(struct world *w, const struct pp_target *t, int family, enum pp_state st,
       enum pp_reason rs)
{
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    r->target = t;
    r->family = family;
    r->has_address = family != 0;
    r->state = st;
    r->reason = rs;
    r->id = pp_xasprintf("%s:%u/%s", t->host, t->port, family == AF_INET6 ? "ipv6" : "ipv4");
    r->message = pp_xstrdup("m");
    snprintf(r->address, sizeof(r->address), "%s",
             family == AF_INET6 ? "2620:149::1" : "17.1.1.1");
    w->rep.results = pp_xrealloc(w->rep.results, w->rep.n + 1, sizeof(*w->rep.results));
    w->rep.results[w->rep.n++] = r;
    return r;
}

static void
setup_world(struct world *w)
{
    memset(w, 0, sizeof(*w));
    pp_plan_init(&w->plan);
}

static void
done(struct world *w)
{
    pp_diagnosis_free(&w->d);
    pp_report_free_results(&w->rep);
    pp_plan_free(&w->plan);
}

/* The courier on 5223 and 443, both families, in the given states. */
static void
courier(struct world *w, enum pp_state s5223, enum pp_reason r5223, enum pp_state s443)
{
    struct pp_target *a = target(w, PP_SV_APNS_DEVICE, "courier.push.apple.com", 5223, true);
    struct pp_target *b = target(w, PP_SV_APNS_DEVICE, "courier.push.apple.com", 443, true);

    result(w, a, AF_INET, s5223, r5223);
    result(w, a, AF_INET6, s5223, r5223);
    result(w, b, AF_INET, s443, s443 == PP_ST_OK ? PP_RS_TLS_OK : PP_RS_NO_RESPONSE);
    result(w, b, AF_INET6, s443, s443 == PP_ST_OK ? PP_RS_TLS_OK : PP_RS_NO_RESPONSE);
}

static void
test_network_ok(void **state)
{
    struct world w;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "APNS_OK"));
    assert_non_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_OK);
    assert_int_equal(w.d.verdict[PP_AREA_MDM], PP_V_NOT_CHECKED);
    done(&w);
}

static void
test_fallback_and_blocked(void **state)
{
    struct world w;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_int_equal(f->nchecks, 2);
    assert_non_null(strstr(f->detail, "dropped"));
    assert_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_DEGRADED);
    done(&w);

    setup_world(&w);
    courier(&w, PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED, PP_ST_FILTERED);
    snprintf(w.rep.results[0]->icmp_from, sizeof(w.rep.results[0]->icmp_from), "192.0.2.1");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_BLOCKED");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->detail, "192.0.2.1"));
    assert_int_equal(f->nchecks, 4);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    assert_string_equal(w.d.f[0].code, "APNS_BLOCKED");
    done(&w);
}

/* A path as a trace of 17.1.1.1 judges it: routers at hops 1 to n, each
 * answering time-exceeded from the given addresses, then last (syn-ack,
 * rst, admin-prohibited from the last router, or none). */
static struct pp_path *
path(const char *const *hops, int n, enum pp_hop_reply last, const struct pp_path *ref)
{
    struct pp_trace_obs o[8];
    struct pp_path *p = pp_xcalloc(1, sizeof(*p));
    int i;

    memset(o, 0, sizeof(o));
    for (i = 0; i < n; i++) {
        o[i].ttl = i + 1;
        o[i].reply = PP_HR_TIME_EXCEEDED;
        o[i].rtt_ms = 1;
        snprintf(o[i].from, sizeof(o[i].from), "%s", hops[i]);
    }
    if (last != PP_HR_NONE) {
        o[n].ttl = n + 1;
        o[n].reply = last;
        snprintf(o[n].from, sizeof(o[n].from), "%s", n > 0 ? hops[n - 1] : "");
        n++;
    }
    pp_trace_judge(o, (size_t)n, "17.1.1.1", 30, p);
    pp_trace_compare(p, ref);
    return p;
}

static void
test_where(void **state)
{
    static const char *const hops[] = {"10.20.0.1", "100.64.0.1", "198.51.100.1"};
    struct world w;
    const struct pp_finding *f;
    struct pp_path *ref;

    (void)state;
    /* The reference: 443 reaches the server at hop 4. */
    ref = path(hops, 3, PP_HR_SYN_ACK, NULL);

    /* Dropped at the CGNAT as it forwards: the provider's. */
    setup_world(&w);
    courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_OK);
    w.rep.results[0]->path = path(hops, 2, PP_HR_NONE, ref);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "dropped after your provider's carrier-grade NAT "
                                      "100.64.0.1 (hop 2), inside your provider's network"));
    assert_non_null(strstr(f->advice_user, "Call your Internet provider"));
    assert_non_null(strstr(f->advice_admin, "100.64.0.1"));
    assert_non_null(strstr(f->advice_admin, "17.0.0.0/8"));   /* the rule's own advice kept */
    done(&w);

    /* Dropped after the home router: the router first, then the provider. */
    setup_world(&w);
    courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_OK);
    w.rep.results[0]->path = path(hops, 1, PP_HR_NONE, ref);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(strstr(f->detail, "dropped after your router 10.20.0.1: by that box as it "
                                      "forwards, or inside your provider's network"));
    assert_non_null(strstr(f->advice_user, "Check your router's firewall settings for "
                                           "outgoing TCP 5223"));
    assert_non_null(strstr(f->advice_user, "If nothing blocks it there: Call your Internet"));
    done(&w);

    /* Rejected inside this network (hop 1): the local owner alone. */
    setup_world(&w);
    courier(&w, PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED, PP_ST_FILTERED);
    w.rep.results[0]->path = path(hops, 1, PP_HR_ADMIN_PROHIBITED, ref);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_BLOCKED");
    assert_non_null(strstr(f->detail, "rejected by your router 10.20.0.1."));
    assert_non_null(strstr(f->advice_user, "Check your router's firewall"));
    assert_null(strstr(f->advice_user, "provider"));
    done(&w);

    /* Reset by hop 2, not by Apple. */
    setup_world(&w);
    courier(&w, PP_ST_CLOSED, PP_RS_CONN_REFUSED, PP_ST_OK);
    w.rep.results[0]->path = path(hops, 1, PP_HR_RST, ref);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "reset by your provider's carrier-grade NAT 100.64.0.1 "
                                      "(hop 2), not by Apple (4 hops away)"));
    done(&w);

    /* A path that reaches the server adds nothing (the reset at the
     * server's distance is a firewall's in Apple's name: PUSH_FIREWALL_RESET). */
    setup_world(&w);
    courier(&w, PP_ST_CLOSED, PP_RS_CONN_REFUSED, PP_ST_OK);
    w.rep.results[0]->path = path(hops, 3, PP_HR_RST, ref);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PUSH_FIREWALL_RESET");
    assert_non_null(f);
    assert_null(strstr(f->detail, "path trace"));
    done(&w);
    pp_path_free(ref);
}

/* A retry with small segments, as the engine adds it after a stall. */
static struct pp_result *
retry(struct world *w, const struct pp_result *of, enum pp_state st, bool done_tls)
{
    struct pp_result *r = result(w, of->target, of->family, st,
                                 st == PP_ST_OK ? PP_RS_TLS_OK : PP_RS_TLS_TIMEOUT);

    free(r->id);
    r->id = pp_xasprintf("%s/mss536", of->id);
    r->retry_of = pp_xstrdup(of->id);
    r->tls.handshake_done = done_tls;
    return r;
}

static void
test_mtu_blackhole(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_summary s;

    (void)state;
    /* 5223 stalls, the retries finish: the black hole, not a blocked port;
     * the retries count nowhere else. */
    setup_world(&w);
    courier(&w, PP_ST_TLS_FAILED, PP_RS_TLS_TIMEOUT, PP_ST_OK);
    retry(&w, w.rep.results[0], PP_ST_OK, true);
    retry(&w, w.rep.results[1], PP_ST_OK, true);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PATH_MTU_BLACKHOLE");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_int_equal(f->nchecks, 2);
    assert_string_equal(f->checks[0], "courier.push.apple.com:5223/ipv4");
    assert_null(pp_diagnosis_find(&w.d, "APNS_FALLBACK_443"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_OK"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_DEGRADED);
    pp_summarize(&w.rep, &s);
    assert_int_equal(s.checks, 4);
    assert_int_equal(s.failed, 2);
    done(&w);

    /* The retries stall too: not the MTU; the port's own finding stands. */
    setup_world(&w);
    courier(&w, PP_ST_TLS_FAILED, PP_RS_TLS_TIMEOUT, PP_ST_OK);
    retry(&w, w.rep.results[0], PP_ST_TLS_FAILED, false);
    retry(&w, w.rep.results[1], PP_ST_TLS_FAILED, false);
    pp_diagnose(&w.rep, &w.d);
    assert_null(pp_diagnosis_find(&w.d, "PATH_MTU_BLACKHOLE"));
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(f);
    assert_int_equal(f->nchecks, 2);
    done(&w);
}

static void
test_dns_one_root_cause(void **state)
{
    struct world w;
    size_t i;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_DNS_FAILED, PP_RS_DNS_TIMEOUT, PP_ST_DNS_FAILED);
    for (i = 0; i < w.rep.n; i++) {
        w.rep.results[i]->state = PP_ST_DNS_FAILED;
        w.rep.results[i]->reason = PP_RS_DNS_TIMEOUT;
    }
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), 0, PP_ST_DNS_FAILED,
           PP_RS_DNS_TIMEOUT);
    pp_diagnose(&w.rep, &w.d);
    assert_int_equal(w.d.n, 1);
    assert_string_equal(w.d.f[0].code, "DNS_FAILED");
    assert_int_equal(w.d.f[0].severity, PP_SEV_CRITICAL);
    assert_int_equal(w.d.f[0].nchecks, 5);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    assert_int_equal(w.d.verdict[PP_AREA_MDM], PP_V_BLOCKED);
    done(&w);
}

static void
test_interception_explains_push(void **state)
{
    struct world w;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_INTERCEPTED, PP_RS_CERT_UNTRUSTED, PP_ST_OK);
    w.rep.results[0]->tls.issuer_cn = pp_xstrdup("Shield Root");
    w.rep.results[1]->tls.issuer_cn = pp_xstrdup("Shield Root");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "TLS_INTERCEPTED");
    assert_non_null(f);
    assert_non_null(strstr(f->title, "Shield Root"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_FALLBACK_443"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_DEGRADED);
    done(&w);
}

static void
test_ipv6_broken(void **state)
{
    struct world w;
    struct pp_target *t;

    (void)state;
    setup_world(&w);
    t = target(&w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true);
    result(&w, t, AF_INET, PP_ST_OK, PP_RS_TLS_OK);
    result(&w, t, AF_INET6, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "IPV6_BROKEN"));
    assert_null(pp_diagnosis_find(&w.d, "ENROLLMENT_BLOCKED"));
    /* Works on one address: degraded, not blocked. */
    assert_int_equal(w.d.verdict[PP_AREA_ENROLLMENT], PP_V_DEGRADED);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_NOT_CHECKED);
    done(&w);
}

static void
test_mdm_and_dp(void **state)
{
    struct world w;
    struct pp_result *r;

    (void)state;
    setup_world(&w);
    r = result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET,
               PP_ST_UNEXPECTED, PP_RS_MDM_UNHEALTHY);
    pp_detail_str(r, "health", "Initializing");
    result(&w, target(&w, PP_SV_DP, "dp.corp.test", 443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_CERT_UNTRUSTED);
    result(&w, target(&w, PP_SV_AFP, "files.corp.test", 548, false), AF_INET, PP_ST_OK,
           PP_RS_SERVICE_OK);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(strstr(pp_diagnosis_find(&w.d, "MDM_UNHEALTHY")->title, "Initializing"));
    assert_non_null(pp_diagnosis_find(&w.d, "DP_CERT_UNTRUSTED"));
    assert_null(pp_diagnosis_find(&w.d, "DP_PROBLEM"));
    assert_non_null(pp_diagnosis_find(&w.d, "AFP_DEPRECATED"));
    assert_int_equal(w.d.verdict[PP_AREA_CONTENT], PP_V_BLOCKED);
    assert_int_equal(w.d.verdict[PP_AREA_FILE_SHARING], PP_V_OK);
    done(&w);
}

/* Certificate and TLS causes on the MDM and distribution points: the rule
 * named, never "unreachable" once TCP connected; warnings on passing checks. */
static void
test_cert_causes(void **state)
{
    struct world w;
    struct pp_result *r;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_SAN_MISSING);
    result(&w, target(&w, PP_SV_DP, "dp.corp.test", 443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_CHAIN_INCOMPLETE);
    result(&w, target(&w, PP_SV_DP, "dp2.corp.test", 443, false), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_WEAK_SIGNATURE);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "MDM_CERT");
    assert_non_null(f);
    assert_non_null(strstr(f->title, "san-missing"));
    assert_non_null(strstr(f->advice_admin, "subjectAltName"));
    assert_null(strstr(f->advice_admin, "install"));
    assert_int_equal(pp_diagnosis_find(&w.d, "DP_CERT_CHAIN_INCOMPLETE")->severity,
                     PP_SEV_CRITICAL);
    assert_int_equal(pp_diagnosis_find(&w.d, "DP_CERT_WEAK_SIGNATURE")->severity,
                     PP_SEV_WARNING);
    assert_null(pp_diagnosis_find(&w.d, "DP_PROBLEM"));
    assert_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    done(&w);

    /* A handshake that fails after TCP connected. */
    setup_world(&w);
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_TLS_ALERT);
    result(&w, target(&w, PP_SV_DP, "dp.corp.test", 443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_CLIENT_CERT_REQUIRED);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "MDM_TLS"));
    assert_null(pp_diagnosis_find(&w.d, "MDM_UNREACHABLE"));
    assert_non_null(pp_diagnosis_find(&w.d, "DP_CLIENT_CERT"));
    done(&w);

    setup_world(&w);
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET, PP_ST_TLS_FAILED,
           PP_RS_CLIENT_CERT_REQUIRED);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "MDM_CLIENT_CERT"));
    done(&w);

    /* Warnings on checks that pass. */
    setup_world(&w);
    r = result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET, PP_ST_OK,
               PP_RS_SERVICE_OK);
    r->tls.ran = r->tls.handshake_done = true;
    pp_tls_warn(&r->tls, "expires-soon", "the server's certificate expires in %d days", 3);
    pp_tls_warn(&r->tls, "tls-legacy", "TLS 1.0 only");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "CERT_EXPIRING");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_non_null(strstr(f->detail, "3 days"));
    assert_non_null(pp_diagnosis_find(&w.d, "TLS_WEAK_PROTOCOL"));
    assert_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    assert_int_equal(w.d.verdict[PP_AREA_MDM], PP_V_OK);
    done(&w);
}

static void
test_clock_and_portal(void **state)
{
    struct world w;
    struct pp_result *r;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    r = result(&w, target(&w, PP_SV_TIME, "time.apple.com", 123, false), AF_INET,
               PP_ST_UNEXPECTED, PP_RS_CLOCK_SKEW);
    pp_detail_num(r, "offset_s", -86400.0);
    result(&w, target(&w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true), AF_INET,
           PP_ST_TLS_FAILED, PP_RS_CERT_EXPIRED);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "CLOCK_SKEW");
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "86400"));
    /* The expired-looking certificate is the clock's symptom. */
    assert_int_equal(f->nchecks, 2);
    assert_null(pp_diagnosis_find(&w.d, "ENROLLMENT_BLOCKED"));
    done(&w);

    setup_world(&w);
    result(&w, target(&w, PP_SV_CAPTIVE, "captive.apple.com", 80, false), AF_INET,
           PP_ST_UNEXPECTED, PP_RS_CAPTIVE_PORTAL);
    courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_FILTERED);
    pp_diagnose(&w.rep, &w.d);
    assert_string_equal(w.d.f[0].code, "CAPTIVE_PORTAL");
    assert_int_equal(w.d.n, 1);
    assert_int_equal(w.d.f[0].nchecks, 5);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    done(&w);
}


/* Every combination of the six area verdicts, with each status of the
 * checks outside the areas: blocked anywhere fails, degraded anywhere
 * degrades, not-checked counts for nothing, and the rest only worsens. */
static void
test_status_every_combination(void **state)
{
    enum pp_verdict_v v[PP_AREA__COUNT];
    unsigned code, k, combos = 0;
    int rest;

    (void)state;
    for (code = 0; code < 4096; code++) {   /* 4^6 */
        bool blocked = false, degraded = false;
        unsigned x = code;
        for (k = 0; k < PP_AREA__COUNT; k++) {
            v[k] = (enum pp_verdict_v)(x % 4);
            x /= 4;
            blocked |= v[k] == PP_V_BLOCKED;
            degraded |= v[k] == PP_V_DEGRADED;
        }
        for (rest = PP_STATUS_OK; rest <= PP_STATUS_FAILED; rest++) {
            enum pp_status want = blocked || rest == PP_STATUS_FAILED ? PP_STATUS_FAILED :
                                  degraded || rest == PP_STATUS_DEGRADED ? PP_STATUS_DEGRADED
                                                                         : PP_STATUS_OK;
            enum pp_status got = pp_status_of(v, (enum pp_status)rest);
            assert_int_equal(got, want);
            assert_int_equal(pp_status_exit(got), want == PP_STATUS_OK ? 0 :
                                                  want == PP_STATUS_DEGRADED ? 4 : 1);
            assert_int_equal(pp_status_nagios(got), (int)want);
            combos++;
        }
    }
    assert_int_equal(combos, 4096 * 3);
    assert_string_equal(pp_status_name(PP_STATUS_DEGRADED), "degraded");
    assert_string_equal(pp_status_word(PP_STATUS_FAILED), "FAILED");
    assert_int_equal(PP_EXIT_DEGRADED, 4);
}

/* The same through pp_diagnose: one area per verdict it can get from
 * results, each combination of push and MDM. */
static void
test_status_from_results(void **state)
{
    static const enum pp_verdict_v want_push[] = {PP_V_NOT_CHECKED, PP_V_OK, PP_V_DEGRADED,
                                                  PP_V_BLOCKED};
    struct world w;
    struct pp_summary s;
    size_t p, m;

    (void)state;
    for (p = 0; p < 4; p++) {
        for (m = 0; m < 4; m++) {
            enum pp_verdict_v vv[PP_AREA__COUNT] = {0};
            struct pp_target *t;
            setup_world(&w);
            if (p == 1)
                courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
            else if (p == 2)
                courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_OK);
            else if (p == 3)
                courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_FILTERED);
            if (m > 0) {
                t = target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true);
                result(&w, t, AF_INET, m == 3 ? PP_ST_FILTERED : PP_ST_OK,
                       m == 3 ? PP_RS_NO_RESPONSE : PP_RS_SERVICE_OK);
                result(&w, t, AF_INET6, m == 1 ? PP_ST_OK : PP_ST_FILTERED,
                       m == 1 ? PP_RS_SERVICE_OK : PP_RS_NO_RESPONSE);
            }
            /* The retired ports fail in every case, and never count. */
            result(&w, target(&w, PP_SV_APNS_LEGACY, "gateway.push.apple.com", 2195, false),
                   AF_INET, PP_ST_CLOSED, PP_RS_CONN_REFUSED);
            pp_diagnose(&w.rep, &w.d);
            w.rep.diag = &w.d;
            assert_int_equal(w.d.verdict[PP_AREA_PUSH], want_push[p]);
            assert_int_equal(w.d.verdict[PP_AREA_MDM], want_push[m]);
            vv[PP_AREA_PUSH] = want_push[p];
            vv[PP_AREA_MDM] = want_push[m];
            pp_summarize(&w.rep, &s);
            assert_int_equal(s.status, pp_status_of(vv, PP_STATUS_OK));
            assert_int_equal(s.expected, 1);
            assert_true(s.push_checked == (p > 0));
            assert_non_null(pp_diagnosis_find(&w.d, "APNS_LEGACY_RETIRED"));
            assert_true(pp_diagnosis_expected(&w.d, "gateway.push.apple.com:2195/ipv4"));
            /* NETWORK_OK only with push checked and working, CHECKED_OK
             * when push was not checked. */
            assert_true((pp_diagnosis_find(&w.d, "NETWORK_OK") != NULL) ==
                        (s.status == PP_STATUS_OK && p == 1));
            assert_true((pp_diagnosis_find(&w.d, "CHECKED_OK") != NULL) ==
                        (s.status == PP_STATUS_OK && p == 0 && m > 0));
            done(&w);
        }
    }
}

/* A healthy run with the retired ports failing: OK, "2 expected". */
static void
test_legacy_expected(void **state)
{
    struct world w;
    struct pp_summary s;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    result(&w, target(&w, PP_SV_APNS_LEGACY, "gateway.push.apple.com", 2195, false), AF_INET,
           PP_ST_CLOSED, PP_RS_CONN_REFUSED);
    result(&w, target(&w, PP_SV_APNS_LEGACY, "feedback.push.apple.com", 2196, false),
           AF_INET, PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    assert_int_equal(s.status, PP_STATUS_OK);
    assert_int_equal(s.checks, 6);
    assert_int_equal(s.ok, 4);
    assert_int_equal(s.expected, 2);
    assert_int_equal(s.failed, 0);
    assert_string_equal(s.status_name, "ok");
    f = pp_diagnosis_find(&w.d, "APNS_LEGACY_RETIRED");
    assert_true(f->expected);
    assert_non_null(strstr(f->detail, "gateway.push.apple.com:2195"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_LEGACY_ANSWERS"));
    assert_non_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    done(&w);

    /* Answering: an info finding of its own, still OK. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    result(&w, target(&w, PP_SV_APNS_LEGACY, "gateway.push.apple.com", 2195, false), AF_INET,
           PP_ST_OK, PP_RS_TLS_OK);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    f = pp_diagnosis_find(&w.d, "APNS_LEGACY_ANSWERS");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_int_equal(f->nchecks, 1);
    assert_null(pp_diagnosis_find(&w.d, "APNS_LEGACY_RETIRED"));
    assert_int_equal(s.status, PP_STATUS_OK);
    assert_int_equal(s.expected, 0);
    done(&w);
}

/* 5223 blocked, 443 working: degraded, not failed. */
static void
test_fallback_degraded(void **state)
{
    struct world w;
    struct pp_summary s;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    assert_int_equal(s.status, PP_STATUS_DEGRADED);
    assert_int_equal(s.required_failed, 2);   /* counted, but the verdict rules */
    assert_int_equal(pp_status_exit(s.status), PP_EXIT_DEGRADED);
    done(&w);

    /* Outside the areas: a required target of one's own that fails, fails. */
    setup_world(&w);
    result(&w, target(&w, PP_SV_CUSTOM, "127.0.0.1", 8080, true), AF_INET, PP_ST_CLOSED,
           PP_RS_CONN_REFUSED);
    pp_diagnose(&w.rep, &w.d);
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    assert_null(pp_diagnosis_find(&w.d, "CHECKED_OK"));
    done(&w);

    /* An optional one (the provider API) degrades. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    result(&w, target(&w, PP_SV_APNS_PROVIDER, "api.push.apple.com", 443, false), AF_INET,
           PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    pp_diagnose(&w.rep, &w.d);
    assert_int_equal(w.d.status, PP_STATUS_DEGRADED);
    assert_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    done(&w);
}

/* DNS findings say whose names fail. */
static void
test_dns_whose_names(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_target *mdm;

    (void)state;
    /* Only the company's name fails (a typo, or split DNS). */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    mdm = target(&w, PP_SV_MDM, "jss.corp.exmaple", 8443, true);
    result(&w, mdm, 0, PP_ST_DNS_FAILED, PP_RS_NXDOMAIN);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "DNS_COMPANY_NAMES");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->title, "jss.corp.exmaple"));
    assert_non_null(strstr(f->detail, "VPN"));
    assert_non_null(strstr(f->detail, "Apple's names resolve"));
    assert_null(pp_diagnosis_find(&w.d, "DNS_FAILED"));
    assert_null(pp_diagnosis_find(&w.d, "MDM_UNREACHABLE"));
    assert_int_equal(w.d.verdict[PP_AREA_MDM], PP_V_BLOCKED);
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    done(&w);

    /* The company's names time out while Apple's resolve: its zone (split
     * DNS over the VPN), not a dead resolver. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), 0, PP_ST_DNS_FAILED,
           PP_RS_DNS_TIMEOUT);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "DNS_COMPANY_NAMES");
    assert_non_null(f);
    assert_non_null(strstr(f->detail, "dns-timeout"));
    assert_non_null(strstr(f->detail, "VPN"));
    assert_null(pp_diagnosis_find(&w.d, "DNS_FAILED"));
    done(&w);

    /* Apple's names fail while the company's resolve: a blocklist. */
    setup_world(&w);
    courier(&w, PP_ST_DNS_FAILED, PP_RS_NXDOMAIN, PP_ST_DNS_FAILED);
    w.rep.results[2]->reason = PP_RS_NXDOMAIN;
    w.rep.results[3]->reason = PP_RS_NXDOMAIN;
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), AF_INET, PP_ST_OK,
           PP_RS_SERVICE_OK);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "DNS_FAILED");
    assert_non_null(f);
    assert_non_null(strstr(f->title, "Apple's names"));
    assert_non_null(strstr(f->advice_admin, "blocklist"));
    assert_non_null(strstr(f->detail, "while other names resolve"));
    assert_null(pp_diagnosis_find(&w.d, "DNS_COMPANY_NAMES"));
    done(&w);

    /* Every name answered as nonexistent: the resolver, not a blocklist. */
    setup_world(&w);
    courier(&w, PP_ST_DNS_FAILED, PP_RS_NXDOMAIN, PP_ST_DNS_FAILED);
    w.rep.results[2]->reason = PP_RS_NXDOMAIN;
    w.rep.results[3]->reason = PP_RS_NXDOMAIN;
    result(&w, target(&w, PP_SV_MDM, "mdm.corp.test", 8443, true), 0, PP_ST_DNS_FAILED,
           PP_RS_NXDOMAIN);
    pp_diagnose(&w.rep, &w.d);
    assert_int_equal(w.d.n, 1);
    f = pp_diagnosis_find(&w.d, "DNS_FAILED");
    assert_non_null(strstr(f->title, "no name exists"));
    assert_null(strstr(f->advice_admin, "blocklist"));
    done(&w);
}

/* An IPv4 literal under -6: not applicable, expected, no DNS finding. */
static void
test_family_excluded(void **state)
{
    struct world w;
    struct pp_summary s;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    result(&w, target(&w, PP_SV_CUSTOM, "127.0.0.1", 8080, true), 0, PP_ST_ERROR,
           PP_RS_FAMILY_EXCLUDED);
    result(&w, target(&w, PP_SV_CUSTOM, "::1", 8080, true), AF_INET6, PP_ST_OK,
           PP_RS_SYN_ACK);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    f = pp_diagnosis_find(&w.d, "NOT_APPLICABLE");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_non_null(strstr(f->title, "IPv4 address"));
    assert_non_null(strstr(f->title, "IPv6 only"));
    assert_null(pp_diagnosis_find(&w.d, "DNS_FAILED"));
    assert_null(pp_diagnosis_find(&w.d, "TARGET_FAILED"));
    assert_int_equal(s.status, PP_STATUS_OK);
    assert_int_equal(s.expected, 1);
    f = pp_diagnosis_find(&w.d, "CHECKED_OK");
    assert_non_null(f);
    assert_non_null(strstr(f->title, "1 target checked"));
    assert_non_null(strstr(f->title, "Apple push not checked"));
    done(&w);
}

/* A captive portal that answers DNS for every name: one root cause. */
static void
test_portal_hijacks_dns(void **state)
{
    struct world w;
    struct pp_result *r;
    size_t i;
    const struct pp_finding *f;

    (void)state;
    setup_world(&w);
    r = result(&w, target(&w, PP_SV_CAPTIVE, "captive.apple.com", 80, false), AF_INET,
               PP_ST_UNEXPECTED, PP_RS_CAPTIVE_PORTAL);
    snprintf(r->address, sizeof(r->address), "10.10.0.1");
    courier(&w, PP_ST_UNEXPECTED, PP_RS_DNS_OUTSIDE_APPLE, PP_ST_UNEXPECTED);
    for (i = 1; i < w.rep.n; i++) {
        w.rep.results[i]->reason = PP_RS_DNS_OUTSIDE_APPLE;
        snprintf(w.rep.results[i]->address, sizeof(w.rep.results[i]->address), "%s",
                 w.rep.results[i]->family == AF_INET6 ? "fd00:10::1" : "10.10.0.1");
    }
    r = result(&w, target(&w, PP_SV_ENROLLMENT, "albert.apple.com", 443, true), AF_INET,
               PP_ST_CLOSED, PP_RS_CONN_REFUSED);
    snprintf(r->address, sizeof(r->address), "10.10.0.1");
    pp_diagnose(&w.rep, &w.d);
    assert_int_equal(w.d.n, 1);
    f = &w.d.f[0];
    assert_string_equal(f->code, "CAPTIVE_PORTAL");
    assert_non_null(strstr(f->detail, "every name"));
    assert_non_null(strstr(f->detail, "10.10.0.1"));
    assert_int_equal(f->nchecks, 6);
    assert_null(pp_diagnosis_find(&w.d, "DNS_OUTSIDE_APPLE"));
    done(&w);

    /* A portal that only takes over port 80: no word of DNS. */
    setup_world(&w);
    result(&w, target(&w, PP_SV_CAPTIVE, "captive.apple.com", 80, false), AF_INET,
           PP_ST_UNEXPECTED, PP_RS_CAPTIVE_PORTAL);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "CAPTIVE_PORTAL");
    assert_null(strstr(f->detail, "every name"));
    done(&w);
}

/* No IPv6 route at all (an IPv4-only network): the IPv6 checks do not
 * apply; an IPv6 that is there but fails is IPV6_BROKEN still. */
static void
test_ipv6_unavailable(void **state)
{
    struct world w;
    struct pp_summary s;
    size_t i;

    (void)state;
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    for (i = 0; i < w.rep.n; i++)
        if (w.rep.results[i]->family == AF_INET6) {
            w.rep.results[i]->state = PP_ST_UNREACHABLE;
            w.rep.results[i]->reason = PP_RS_NO_ROUTE;
        }
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    assert_non_null(pp_diagnosis_find(&w.d, "IPV6_UNAVAILABLE"));
    assert_null(pp_diagnosis_find(&w.d, "IPV6_BROKEN"));
    assert_int_equal(s.status, PP_STATUS_OK);
    assert_int_equal(s.expected, 2);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_OK);
    assert_non_null(pp_diagnosis_find(&w.d, "NETWORK_OK"));
    done(&w);

    /* One IPv6 check got a router's answer: IPv6 is there, and broken. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    w.rep.results[1]->state = PP_ST_UNREACHABLE;
    w.rep.results[1]->reason = PP_RS_NO_ROUTE;
    w.rep.results[3]->state = PP_ST_FILTERED;
    w.rep.results[3]->reason = PP_RS_NO_RESPONSE;
    pp_diagnose(&w.rep, &w.d);
    assert_null(pp_diagnosis_find(&w.d, "IPV6_UNAVAILABLE"));
    assert_non_null(pp_diagnosis_find(&w.d, "IPV6_BROKEN"));
    assert_int_equal(w.d.status, PP_STATUS_DEGRADED);
    done(&w);
}

/* An IPv6-only network: the IPv4 checks that found no route do not apply
 * (ipv4-unavailable); the verdicts come from the IPv6 checks alone. */
static void
ipv6_only_world(struct world *w, const char *prefix, enum pp_state v6)
{
    size_t i;

    setup_world(w);
    courier(w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    w->rep.nat64.ipv6_only = true;
    w->rep.nat64.no_ipv4_route = true;
    snprintf(w->rep.nat64.prefix, sizeof(w->rep.nat64.prefix), "%s", prefix);
    for (i = 0; i < w->rep.n; i++) {
        struct pp_result *r = w->rep.results[i];
        if (r->family == AF_INET) {
            r->state = PP_ST_ERROR;
            r->reason = PP_RS_IPV4_UNAVAILABLE;
        } else if (v6 != PP_ST_OK) {
            r->state = v6;
            r->reason = PP_RS_NO_RESPONSE;
        }
    }
}

static void
test_ipv6_only(void **state)
{
    struct world w;
    struct pp_summary s;
    const struct pp_finding *f;

    (void)state;
    ipv6_only_world(&w, "64:ff9b::/96", PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    f = pp_diagnosis_find(&w.d, "IPV6_ONLY_NAT64");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_non_null(strstr(f->title, "64:ff9b::/96"));
    assert_int_equal(f->nchecks, 2);
    assert_null(pp_diagnosis_find(&w.d, "IPV6_ONLY"));
    assert_null(pp_diagnosis_find(&w.d, "IPV6_UNAVAILABLE"));
    assert_int_equal(s.status, PP_STATUS_OK);
    assert_int_equal(s.expected, 2);
    assert_int_equal(s.failed, 0);
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_OK);
    done(&w);

    /* No prefix found: IPV6_ONLY, the IPv4 checks still not applicable. */
    ipv6_only_world(&w, "", PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "IPV6_ONLY"));
    assert_null(pp_diagnosis_find(&w.d, "IPV6_ONLY_NAT64"));
    assert_int_equal(w.d.status, PP_STATUS_OK);
    done(&w);

    /* The IPv6 path fails: the verdict is its, whatever IPv4 does. */
    ipv6_only_world(&w, "64:ff9b::/96", PP_ST_FILTERED);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "IPV6_ONLY_NAT64"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    done(&w);

    /* No NAT64 and a required name with IPv4 addresses only: its IPv4
     * check is no expected one, it cannot be reached. */
    ipv6_only_world(&w, "", PP_ST_OK);
    result(&w, target(&w, PP_SV_APNS_PROVIDER, "api.push.apple.com", 443, true), AF_INET,
           PP_ST_ERROR, PP_RS_IPV4_UNAVAILABLE);
    pp_diagnose(&w.rep, &w.d);
    w.rep.diag = &w.d;
    pp_summarize(&w.rep, &s);
    f = pp_diagnosis_find(&w.d, "IPV6_ONLY");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_int_equal(f->nchecks, 3);
    assert_int_equal(s.expected, 2);
    assert_int_equal(s.failed, 1);
    assert_int_equal(w.d.status, PP_STATUS_FAILED);
    done(&w);

    /* A dual-stack network: no such finding. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    assert_null(pp_diagnosis_find(&w.d, "IPV6_ONLY_NAT64"));
    assert_null(pp_diagnosis_find(&w.d, "IPV6_ONLY"));
    done(&w);
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(pp_area_name(PP_AREA_SOFTWARE_UPDATE), "software_update");
    assert_string_equal(pp_area_name(PP_AREA_FILE_SHARING), "file_sharing");
    assert_string_equal(pp_verdict_name(PP_V_NOT_CHECKED), "not-checked");
    assert_string_equal(pp_severity_name(PP_SEV_CRITICAL), "critical");
    assert_string_equal(pp_area_name(PP_AREA__COUNT), "?");
}

/* The network evidence rules: local routes, resets, rate-limited ICMP, idle
 * timeouts; each names its cause and explains its checks. */
static void
test_network_evidence(void **state)
{
    struct world w;
    const struct pp_finding *f;
    struct pp_result *r;
    struct pp_target *t;

    (void)state;
    /* A blackhole route for the courier: LOCAL_ROUTE, never TARGET_FAILED. */
    setup_world(&w);
    courier(&w, PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE, PP_ST_UNREACHABLE);
    w.rep.results[2]->reason = w.rep.results[3]->reason = PP_RS_LOCAL_ROUTE;
    pp_detail_str(w.rep.results[0], "local_route", "blackhole");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "LOCAL_ROUTE");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_int_equal(f->nchecks, 4);
    assert_non_null(strstr(f->detail, "blackhole route"));
    assert_non_null(strstr(f->advice_user, "VPN"));
    assert_non_null(strstr(f->advice_admin, "routing table"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_BLOCKED"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_BLOCKED);
    done(&w);

    /* Resets on 5223 from Apple's addresses, 443 works: degraded by a
     * firewall that resets. */
    setup_world(&w);
    courier(&w, PP_ST_CLOSED, PP_RS_CONN_REFUSED, PP_ST_OK);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "PUSH_FIREWALL_RESET");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_WARNING);
    assert_int_equal(f->nchecks, 2);
    assert_non_null(strstr(f->title, "degraded"));
    assert_null(pp_diagnosis_find(&w.d, "APNS_FALLBACK_443"));
    assert_int_equal(w.d.verdict[PP_AREA_PUSH], PP_V_DEGRADED);
    done(&w);

    /* ... and outside Apple's space a reset is only a closed port. */
    setup_world(&w);
    courier(&w, PP_ST_CLOSED, PP_RS_CONN_REFUSED, PP_ST_OK);
    snprintf(w.rep.results[0]->address, sizeof(w.rep.results[0]->address), "192.0.2.9");
    snprintf(w.rep.results[1]->address, sizeof(w.rep.results[1]->address), "2001:db8::9");
    pp_diagnose(&w.rep, &w.d);
    assert_null(pp_diagnosis_find(&w.d, "PUSH_FIREWALL_RESET"));
    done(&w);

    /* A reset right after the ClientHello. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_OK);
    t = target(&w, PP_SV_MDM, "mdm.example", 8443, true);
    r = result(&w, t, AF_INET, PP_ST_TLS_FAILED, PP_RS_CONN_RESET);
    pp_detail_str(r, "reset_phase", "after-client-hello");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "TLS_SNI_FILTER");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_CRITICAL);
    assert_non_null(strstr(f->title, "server name"));
    assert_non_null(strstr(f->detail, "mdm.example:8443"));
    assert_int_equal(w.d.verdict[PP_AREA_MDM], PP_V_BLOCKED);
    done(&w);

    /* --hold: the idle connection no longer carried traffic. */
    setup_world(&w);
    courier(&w, PP_ST_OK, PP_RS_TLS_OK, PP_ST_UNEXPECTED);
    w.rep.results[2]->reason = w.rep.results[3]->reason = PP_RS_CONN_LOST;
    pp_detail_num(w.rep.results[2], "held_s", 600);
    pp_detail_str(w.rep.results[2], "liveness", "tls-key-update");
    pp_detail_num(w.rep.results[3], "held_s", 600);
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "IDLE_TIMEOUT");
    assert_non_null(f);
    assert_int_equal(f->nchecks, 2);
    assert_non_null(strstr(f->detail, "600 s"));
    assert_non_null(strstr(f->detail, "forgotten"));
    assert_non_null(strstr(f->advice_admin, "keepalive"));
    done(&w);

    /* Re-probed after a rate-limited reject: evidence, not a claim. */
    setup_world(&w);
    courier(&w, PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED, PP_ST_OK);
    snprintf(w.rep.results[0]->icmp_from, sizeof(w.rep.results[0]->icmp_from), "192.0.2.1");
    snprintf(w.rep.results[1]->icmp_from, sizeof(w.rep.results[1]->icmp_from), "2001:db8::1");
    pp_detail_str(w.rep.results[1], "reprobe", "icmp-rate-limit");
    pp_diagnose(&w.rep, &w.d);
    f = pp_diagnosis_find(&w.d, "ICMP_RATE_LIMITED");
    assert_non_null(f);
    assert_int_equal(f->severity, PP_SEV_INFO);
    assert_int_equal(f->nchecks, 1);
    assert_non_null(strstr(f->detail, "2001:db8::1"));
    assert_non_null(pp_diagnosis_find(&w.d, "APNS_FALLBACK_443"));
    done(&w);

    /* Not tried again: the silence is not called a plain drop. */
    setup_world(&w);
    courier(&w, PP_ST_FILTERED, PP_RS_NO_RESPONSE, PP_ST_OK);
    pp_detail_bool(w.rep.results[0], "rate_limit_suspect", true);
    pp_detail_bool(w.rep.results[1], "rate_limit_suspect", true);
    pp_diagnose(&w.rep, &w.d);
    assert_non_null(pp_diagnosis_find(&w.d, "ICMP_RATE_LIMITED"));
    f = pp_diagnosis_find(&w.d, "APNS_FALLBACK_443");
    assert_non_null(f);
    assert_null(strstr(f->detail, "silently dropped"));
    assert_non_null(strstr(f->detail, "rate limit"));
    done(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network_ok),
        cmocka_unit_test(test_fallback_and_blocked),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_mtu_blackhole),
        cmocka_unit_test(test_dns_one_root_cause),
        cmocka_unit_test(test_interception_explains_push),
        cmocka_unit_test(test_ipv6_broken),
        cmocka_unit_test(test_mdm_and_dp),
        cmocka_unit_test(test_cert_causes),
        cmocka_unit_test(test_clock_and_portal),
        cmocka_unit_test(test_status_every_combination),
        cmocka_unit_test(test_status_from_results),
        cmocka_unit_test(test_legacy_expected),
        cmocka_unit_test(test_fallback_degraded),
        cmocka_unit_test(test_dns_whose_names),
        cmocka_unit_test(test_family_excluded),
        cmocka_unit_test(test_portal_hijacks_dns),
        cmocka_unit_test(test_ipv6_unavailable),
        cmocka_unit_test(test_ipv6_only),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_network_evidence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
