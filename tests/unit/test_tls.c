/* SPDX-License-Identifier: ISC */
/* Chain judgement on real certificates (tests/data/certs, made by
 * tests/lab/mkcerts.sh): trusted, intercepted, expired, wrong name. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/tlscore.h"

#define CERT(f) TEST_DATA "/certs/" f
/* 2027-01-01: inside the lab leaves' 825 days (tests/data/certs were made
 * on 2026-12-01 with mkcerts.sh OUT 36500 825). */
#define NOW ((time_t)1798761600)

struct fixture {
    struct pp_tls_info info;
    char msg[512];
};

static struct pp_verdict
judge(const char *ca_file, const char *chain_file, enum pp_trust trust,
      const char *name, time_t now, struct pp_tls_info *info)
{
    char err[256], msg[512];
    struct pp_tls_ctx *ctx = pp_tls_ctx_new(ca_file, CERT("apple-root.pem"), err, sizeof(err));
    STACK_OF(X509) *chain;
    struct pp_verdict v;

    assert_non_null(ctx);
    chain = pp_tls_load_chain(chain_file);
    assert_non_null(chain);
    assert_true(sk_X509_num(chain) >= 1);
    memset(info, 0, sizeof(*info));
    v = pp_tls_judge(ctx, chain, trust, name, now, NULL, 0, info, msg, sizeof(msg));
    assert_true(strlen(msg) > 10);
    sk_X509_pop_free(chain, X509_free);
    pp_tls_ctx_free(ctx);
    return v;
}

static void
free_info(struct pp_tls_info *i)
{
    pp_tls_info_clear(i);
}

static void
test_courier_ok(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("courier.pem"), PP_TRUST_APPLE_COURIER,
                                "courier.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_OK);
    assert_int_equal(v.reason, PP_RS_TLS_OK);
    assert_true(i.verified);
    assert_null(i.verify_error);
    assert_string_equal(i.issuer_cn, "Lab Apple Server Authentication CA");
    assert_non_null(strstr(i.subject, "CN=courier.push.apple.com"));
    assert_true(i.days_left > 700);
    /* Apple's rules ran on the built chain: leaf, intermediate, root. */
    assert_true(i.policy_ran);
    assert_int_equal(i.policy_rule, PP_RS_NONE);
    assert_int_equal(i.nserved, 2);
    assert_int_equal(i.nbuilt, 3);
    assert_true(i.built[2].self_signed && i.built[2].ca);
    assert_false(i.built[0].ca);
    assert_string_equal(i.built[0].key_type, "EC");
    assert_int_equal(i.built[0].key_bits, 256);
    assert_int_equal(i.built[0].neku, 1);
    assert_string_equal(i.built[0].eku[0], "serverAuth");
    assert_int_equal(i.built[0].nsan, 2);
    assert_string_equal(i.built[0].san[0], "DNS:courier.push.apple.com");
    assert_string_equal(i.built[0].sig_alg, "ecdsa-with-SHA256");
    assert_int_equal(strlen(i.built[0].sha256), 64);
    /* --apple-ca stands for roots added by hand: exempt from 398 days. */
    assert_int_equal(i.anchor, PP_ANCHOR_ADDED);
    assert_int_equal(i.nwarnings, 0);
    assert_int_equal(i.trust, PP_TRUST_APPLE_COURIER);
    free_info(&i);
}

static void
test_courier_second_name(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("courier.pem"), PP_TRUST_APPLE_COURIER,
                                "courier2.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_OK);
    free_info(&i);
}

static void
test_mitm_unknown_ca(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("mitm-courier.pem"), PP_TRUST_APPLE_COURIER,
                                "courier.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_INTERCEPTED);
    assert_int_equal(v.reason, PP_RS_CERT_UNTRUSTED);
    assert_false(i.verified);
    assert_non_null(i.verify_error);
    assert_string_equal(i.issuer_cn, "Evil Web Shield Root");
    free_info(&i);
}

static void
test_mitm_locally_trusted(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(CERT("evil-root.pem"), CERT("mitm-courier.pem"),
                                PP_TRUST_APPLE_COURIER, "courier.push.apple.com",
                                NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_INTERCEPTED);
    assert_int_equal(v.reason, PP_RS_ISSUER_UNEXPECTED);
    free_info(&i);
}

static void
test_expired_apple_chain(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("expired.pem"), PP_TRUST_APPLE_COURIER,
                                "courier.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_TLS_FAILED);
    assert_int_equal(v.reason, PP_RS_CERT_EXPIRED);
    assert_string_equal(i.not_after, "2020-01-01T00:00:00Z");
    assert_true(i.days_left < 0);
    free_info(&i);
}

static void
test_self_signed(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("selfsigned.pem"), PP_TRUST_APPLE_COURIER,
                                "courier.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_INTERCEPTED);
    free_info(&i);
}

static void
test_apple_public(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v = judge(NULL, CERT("public.pem"), PP_TRUST_APPLE_PUBLIC,
                                "api.push.apple.com", NOW, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_OK);
    free_info(&i);
    /* The right chain for the wrong name. */
    v = judge(NULL, CERT("public.pem"), PP_TRUST_APPLE_PUBLIC, "courier.push.apple.com",
              NOW, &i);
    assert_int_equal(v.state, PP_ST_TLS_FAILED);
    assert_int_equal(v.reason, PP_RS_NAME_MISMATCH);
    free_info(&i);
}

static void
test_corp_ca(void **state)
{
    struct pp_tls_info i;
    struct pp_verdict v;

    (void)state;
    /* An internal CA the system store does not hold: untrusted. */
    v = judge(NULL, CERT("corp-server.pem"), PP_TRUST_SYSTEM, "mdm.corp.test", NOW, &i);
    assert_int_equal(v.state, PP_ST_TLS_FAILED);
    assert_int_equal(v.reason, PP_RS_CERT_UNTRUSTED);
    assert_non_null(strstr(i.verify_error, "issuer"));
    free_info(&i);
    /* With --ca-file it verifies, to a root a user added. */
    v = judge(CERT("corp-root.pem"), CERT("corp-server.pem"), PP_TRUST_SYSTEM,
              "dp.corp.test", NOW, &i);
    assert_int_equal(v.state, PP_ST_OK);
    assert_true(i.verified);
    assert_int_equal(i.anchor, PP_ANCHOR_ADDED);
    free_info(&i);
    /* The expiry warning: 2029-02-20 is 13 days before the leaf ends. */
    v = judge(CERT("corp-root.pem"), CERT("corp-server.pem"), PP_TRUST_SYSTEM,
              "dp.corp.test", (time_t)1866240000, &i);
    assert_int_equal(v.state, PP_ST_OK);
    assert_int_equal(i.nwarnings, 1);
    assert_string_equal(i.warnings[0], "expires-soon");
    assert_non_null(strstr(i.warn_msg, "expires in 13 days"));
    assert_int_equal(i.min_days_left, 13);
    free_info(&i);
    v = judge(CERT("corp-root.pem"), CERT("corp-server.pem"), PP_TRUST_SYSTEM,
              "files.corp.test", NOW, &i);
    assert_int_equal(v.reason, PP_RS_NAME_MISMATCH);
    free_info(&i);
}

static void
test_time_is_a_parameter(void **state)
{
    struct pp_tls_info i;
    /* 2019-06-01: the "expired" certificate was valid then; the lab
     * intermediate was not yet, so verification still fails, on time. */
    struct pp_verdict v = judge(NULL, CERT("courier.pem"), PP_TRUST_APPLE_COURIER,
                                "courier.push.apple.com", 1559347200, &i);
    (void)state;
    assert_int_equal(v.state, PP_ST_TLS_FAILED);
    assert_int_equal(v.reason, PP_RS_CERT_NOT_YET_VALID);
    free_info(&i);
}

static void
test_bad_ca_files(void **state)
{
    char err[256];
    struct pp_tls_ctx *ctx;

    (void)state;
    ctx = pp_tls_ctx_new("/nonexistent/ca.pem", NULL, err, sizeof(err));
    assert_null(ctx);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    ctx = pp_tls_ctx_new(TEST_DATA "/../unit/test_tls.c", NULL, err, sizeof(err));
    assert_null(ctx);
    assert_non_null(strstr(err, "no PEM certificate"));
    ctx = pp_tls_ctx_new(NULL, "/nonexistent/apple.pem", err, sizeof(err));
    assert_null(ctx);
    /* The built-in bundles load. */
    ctx = pp_tls_ctx_new(NULL, NULL, err, sizeof(err));
    assert_non_null(ctx);
    pp_tls_ctx_free(ctx);
}

/* A stapled OCSP response that cannot be read: recorded, not a failure. */
static void
test_ocsp_garbage(void **state)
{
    char err[256], msg[512];
    struct pp_tls_info i;
    struct pp_tls_ctx *ctx = pp_tls_ctx_new(CERT("corp-root.pem"), NULL, err, sizeof(err));
    STACK_OF(X509) *chain = pp_tls_load_chain(CERT("corp-server.pem"));
    static const unsigned char junk[] = {0x30, 0x03, 0x0a, 0x01, 0x00, 0xff};
    struct pp_verdict v;

    (void)state;
    assert_non_null(ctx);
    memset(&i, 0, sizeof(i));
    v = pp_tls_judge(ctx, chain, PP_TRUST_SYSTEM, "mdm.corp.test", NOW, junk, sizeof(junk),
                     &i, msg, sizeof(msg));
    assert_int_equal(v.state, PP_ST_OK);
    assert_int_equal(i.ocsp, PP_OCSP_INVALID);
    free_info(&i);
    memset(&i, 0, sizeof(i));
    v = pp_tls_judge(ctx, chain, PP_TRUST_SYSTEM, "mdm.corp.test", NOW, NULL, 0, &i, msg,
                     sizeof(msg));
    assert_int_equal(i.ocsp, PP_OCSP_NONE);
    /* Without chains kept (an audit), the verdict is the same. */
    free_info(&i);
    pp_tls_ctx_keep_chains(ctx, false);
    memset(&i, 0, sizeof(i));
    v = pp_tls_judge(ctx, chain, PP_TRUST_SYSTEM, "mdm.corp.test", NOW, NULL, 0, &i, msg,
                     sizeof(msg));
    assert_int_equal(v.state, PP_ST_OK);
    assert_int_equal(i.nserved, 0);
    assert_int_equal(i.nbuilt, 0);
    free_info(&i);
    sk_X509_pop_free(chain, X509_free);
    pp_tls_ctx_free(ctx);
}

static void
test_no_chain(void **state)
{
    char err[256], msg[256];
    struct pp_tls_info i;
    struct pp_tls_ctx *ctx = pp_tls_ctx_new(NULL, NULL, err, sizeof(err));
    struct pp_verdict v;

    (void)state;
    memset(&i, 0, sizeof(i));
    v = pp_tls_judge(ctx, NULL, PP_TRUST_SYSTEM, "x.test", NOW, NULL, 0, &i, msg, sizeof(msg));
    assert_int_equal(v.state, PP_ST_TLS_FAILED);
    pp_tls_ctx_free(ctx);
}

/* Alert names: OpenSSL's, and the TLS 1.3 ones OpenSSL 3.0 calls "unknown"
 * (certificate_required is how a TLS 1.3 server refuses a missing client
 * certificate). */
static void
test_alert_desc(void **state)
{
    (void)state;
    assert_string_equal(pp_tls_alert_desc(40), "handshake failure");
    assert_string_equal(pp_tls_alert_desc(116), "certificate required");
    assert_string_equal(pp_tls_alert_desc(109), "missing extension");
    assert_string_equal(pp_tls_alert_desc(86), "inappropriate fallback");
    assert_string_equal(pp_tls_alert_desc(200), "unknown (200)");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_desc),
        cmocka_unit_test(test_courier_ok),
        cmocka_unit_test(test_courier_second_name),
        cmocka_unit_test(test_mitm_unknown_ca),
        cmocka_unit_test(test_mitm_locally_trusted),
        cmocka_unit_test(test_expired_apple_chain),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_apple_public),
        cmocka_unit_test(test_corp_ca),
        cmocka_unit_test(test_time_is_a_parameter),
        cmocka_unit_test(test_bad_ca_files),
        cmocka_unit_test(test_ocsp_garbage),
        cmocka_unit_test(test_no_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
