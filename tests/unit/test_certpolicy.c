/* SPDX-License-Identifier: ISC */
/* Apple's certificate rules (engine/certpolicy.c) on certificates built in
 * memory: each rule broken alone, its date cut-offs and scope, and the
 * controls Apple accepts. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "engine/certpolicy.h"

#define DAY 86400LL
#define T2019_06_01 1559347200LL
#define T2019_07_01 1561939200LL
#define T2020_08_31 1598832000LL
#define T2021_01_01 1609459200LL

static EVP_PKEY *k_ec256, *k_ec224, *k_rsa1024, *k_rsa2048;

struct spec {
    const char *cn;
    const char *san;     /* "DNS:a,IP:1.2.3.4" or NULL */
    const char *eku;     /* "serverAuth" or NULL: no extension */
    bool ca;
    EVP_PKEY *key;
    const EVP_MD *md;
    int64_t nb;
    int64_t days;
};

static void
ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *e;

    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    assert_non_null(e);
    assert_int_equal(X509_add_ext(x, e, -1), 1);
    X509_EXTENSION_free(e);
}

/* A certificate per spec, signed by issuer/ikey (NULL: self-signed). */
static X509 *
make(const struct spec *s, X509 *issuer, EVP_PKEY *ikey)
{
    X509 *x = X509_new();
    X509_NAME *n = X509_NAME_new();
    static long serial = 1;

    assert_non_null(x);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_NAME_free(n);
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->nb);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(s->nb + s->days * DAY));
    X509_set_pubkey(x, s->key);
    ext(x, issuer ? issuer : x, NID_basic_constraints, s->ca ? "critical,CA:TRUE" : "CA:FALSE");
    if (s->san != NULL)
        ext(x, issuer ? issuer : x, NID_subject_alt_name, s->san);
    if (s->eku != NULL)
        ext(x, issuer ? issuer : x, NID_ext_key_usage, s->eku);
    assert_true(X509_sign(x, ikey ? ikey : s->key, s->md ? s->md : EVP_sha256()) > 0);
    return x;
}

static X509 *root;   /* "Test Root", EC P-256, SHA-256, 2019-06-01 + 20 years */

/* leaf + root, judged. */
static enum pp_reason
judge2(X509 *leaf, X509 *top, enum pp_anchor anchor, const char *name, time_t now,
       int warn, struct pp_cp_result *res)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    struct pp_cp_input in;
    enum pp_reason r;

    sk_X509_push(sk, leaf);
    if (top != NULL)
        sk_X509_push(sk, top);
    memset(&in, 0, sizeof(in));
    in.chain = sk;
    in.anchor = anchor;
    in.name = name;
    in.now = now;
    in.warn_days = warn;
    r = pp_certpolicy_check(&in, res);
    sk_X509_free(sk);
    return r;
}

static enum pp_reason
leaf_rule(const struct spec *s, enum pp_anchor anchor, const char *name)
{
    struct pp_cp_result res;
    X509 *leaf = make(s, root, k_ec256);
    enum pp_reason r = judge2(leaf, root, anchor, name, (time_t)(s->nb + DAY), -1, &res);

    if (r != PP_RS_NONE)
        assert_true(strlen(res.msg) > 20);
    X509_free(leaf);
    return r;
}

static int
setup(void **state)
{
    EVP_PKEY_CTX *pc;
    struct spec r = {"Test Root", NULL, NULL, true, NULL, NULL, T2019_06_01, 7300};

    (void)state;
    k_ec256 = EVP_EC_gen("P-256");
    k_ec224 = EVP_EC_gen("P-224");
    pc = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL);
    EVP_PKEY_keygen_init(pc);
    EVP_PKEY_CTX_set_rsa_keygen_bits(pc, 1024);
    EVP_PKEY_keygen(pc, &k_rsa1024);
    EVP_PKEY_CTX_set_rsa_keygen_bits(pc, 2048);
    EVP_PKEY_keygen(pc, &k_rsa2048);
    EVP_PKEY_CTX_free(pc);
    if (!k_ec256 || !k_ec224 || !k_rsa1024 || !k_rsa2048)
        return -1;
    r.key = k_ec256;
    root = make(&r, NULL, NULL);
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    X509_free(root);
    EVP_PKEY_free(k_ec256);
    EVP_PKEY_free(k_ec224);
    EVP_PKEY_free(k_rsa1024);
    EVP_PKEY_free(k_rsa2048);
    return 0;
}

#define GOOD(nb, days) {"mdm.corp.test", "DNS:mdm.corp.test", "serverAuth", false, \
                        k_ec256, NULL, (nb), (days)}

static void
test_good_and_controls(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);

    (void)state;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_SYSTEM, "mdm.corp.test"), PP_RS_NONE);
    /* A SAN without any CN-matching: the CN is another name. */
    s.cn = "Some Label";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    /* Wildcard: one label only. */
    s.san = "DNS:*.corp.test";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "a.mdm.corp.test"), PP_RS_NAME_MISMATCH);
    /* RSA 2048: enough. */
    s.key = k_rsa2048;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "x.corp.test"), PP_RS_NONE);
    /* An IP address in the SAN. */
    s.key = k_ec256;
    s.san = "IP:10.20.0.10";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "10.20.0.10"), PP_RS_NONE);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "10.20.0.11"), PP_RS_NAME_MISMATCH);
    /* No name asked: only the other rules. */
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, NULL), PP_RS_NONE);
}

static void
test_san(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);

    (void)state;
    /* The name only in the CN: OpenSSL would accept it, Apple does not. */
    s.san = NULL;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_SAN_MISSING);
    /* The name in the CN, another in the SAN. */
    s.san = "DNS:other.corp.test";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NAME_MISMATCH);
}

static void
test_eku(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);

    (void)state;
    s.eku = "clientAuth";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_EKU_WRONG);
    s.eku = "clientAuth,serverAuth";
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    s.eku = NULL;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_EKU_MISSING);
    /* Issued before 2019-07-01: no EKU needed. */
    s.nb = T2019_06_01;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    s.nb = T2019_07_01;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_EKU_MISSING);
}

static void
test_validity(void **state)
{
    struct spec s = GOOD(T2021_01_01, 825);

    (void)state;
    /* 825 days: the limit for every root. */
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    s.days = 826;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_VALIDITY_TOO_LONG);
    /* Issued before 2019-07-01: no limit. */
    s.nb = T2019_06_01;
    s.days = 1200;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    /* 398 days: only from 2020-09-01 and only for roots that come with the
     * system (or Apple's own). */
    s.nb = T2021_01_01;
    s.days = 399;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_SYSTEM, "mdm.corp.test"), PP_RS_VALIDITY_TOO_LONG);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_APPLE, "mdm.corp.test"), PP_RS_VALIDITY_TOO_LONG);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_NONE, "mdm.corp.test"), PP_RS_NONE);
    s.days = 730;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    s.days = 398;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_SYSTEM, "mdm.corp.test"), PP_RS_NONE);
    s.nb = T2020_08_31;
    s.days = 399;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_SYSTEM, "mdm.corp.test"), PP_RS_NONE);
}

static void
test_keys(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);
    struct spec r = {"Weak Root", NULL, NULL, true, NULL, NULL, T2019_06_01, 7300};
    struct pp_cp_result res;
    X509 *weak_root, *leaf;

    (void)state;
    s.key = k_rsa1024;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_WEAK_KEY);
    s.key = k_ec224;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_WEAK_KEY);
    /* A root with a small key is judged by being trusted, not by size. */
    r.key = k_rsa1024;
    weak_root = make(&r, NULL, NULL);
    s.key = k_ec256;
    leaf = make(&s, weak_root, k_rsa1024);
    assert_int_equal(judge2(leaf, weak_root, PP_ANCHOR_ADDED, "mdm.corp.test",
                            (time_t)T2021_01_01 + DAY, -1, &res), PP_RS_NONE);
    /* ... unless it is not a trusted root but an intermediate. */
    X509_free(leaf);
    X509_free(weak_root);
    r.cn = "Weak Intermediate";
    weak_root = make(&r, root, k_ec256);
    leaf = make(&s, weak_root, k_rsa1024);
    {
        STACK_OF(X509) *sk = sk_X509_new_null();
        struct pp_cp_input in = {0};

        sk_X509_push(sk, leaf);
        sk_X509_push(sk, weak_root);
        sk_X509_push(sk, root);
        in.chain = sk;
        in.anchor = PP_ANCHOR_ADDED;
        in.name = "mdm.corp.test";
        in.now = (time_t)T2021_01_01;
        in.warn_days = -1;
        assert_int_equal(pp_certpolicy_check(&in, &res), PP_RS_WEAK_KEY);
        assert_int_equal(res.depth, 1);
        assert_non_null(strstr(res.msg, "Weak Intermediate"));
        assert_non_null(strstr(res.msg, "1024"));
        sk_X509_free(sk);
    }
    X509_free(leaf);
    X509_free(weak_root);
}

static void
test_signatures(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);
    struct spec r = {"SHA1 Root", NULL, NULL, true, NULL, NULL, T2019_06_01, 7300};
    struct pp_cp_result res;
    X509 *sha1_root, *leaf;

    (void)state;
    s.md = EVP_sha1();
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_WEAK_SIGNATURE);
    s.md = EVP_sha384();
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_NONE);
    /* A SHA-1 self-signature on the root does not matter. */
    r.key = k_ec256;
    r.md = EVP_sha1();
    sha1_root = make(&r, NULL, NULL);
    s.md = NULL;
    leaf = make(&s, sha1_root, k_ec256);
    assert_int_equal(judge2(leaf, sha1_root, PP_ANCHOR_SYSTEM, "mdm.corp.test",
                            (time_t)T2021_01_01, -1, &res), PP_RS_NONE);
    X509_free(leaf);
    X509_free(sha1_root);
}

static void
test_leaf_ca_and_order(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);
    struct pp_cp_result res;
    X509 *leaf;

    (void)state;
    s.ca = true;
    assert_int_equal(leaf_rule(&s, PP_ANCHOR_ADDED, "mdm.corp.test"), PP_RS_LEAF_IS_CA);
    /* Several rules broken: the first names the result, all are counted. */
    s.ca = false;
    s.san = NULL;
    s.md = EVP_sha1();
    s.days = 900;
    leaf = make(&s, root, k_ec256);
    assert_int_equal(judge2(leaf, root, PP_ANCHOR_ADDED, "mdm.corp.test", (time_t)T2021_01_01,
                            -1, &res), PP_RS_SAN_MISSING);
    assert_true(res.broken & (1u << pp_cp_rule_bit(PP_RS_WEAK_SIGNATURE)));
    assert_true(res.broken & (1u << pp_cp_rule_bit(PP_RS_VALIDITY_TOO_LONG)));
    assert_false(res.broken & (1u << pp_cp_rule_bit(PP_RS_WEAK_KEY)));
    assert_int_equal(pp_cp_rule_bit(PP_RS_TLS_OK), -1);
    X509_free(leaf);
}

static void
test_expiry_warning(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);
    struct pp_cp_result res;
    X509 *leaf = make(&s, root, k_ec256);
    time_t end = (time_t)(T2021_01_01 + 397 * DAY);

    (void)state;
    assert_int_equal(judge2(leaf, root, PP_ANCHOR_ADDED, NULL, end - 10 * DAY, 30, &res),
                     PP_RS_NONE);
    assert_int_equal(res.expiring_depth, 0);
    assert_int_equal(res.min_days_left, 10);
    assert_non_null(strstr(res.expiring_msg, "10 days"));
    judge2(leaf, root, PP_ANCHOR_ADDED, NULL, end - 10 * DAY, 10, &res);
    assert_int_equal(res.expiring_depth, -1);
    judge2(leaf, root, PP_ANCHOR_ADDED, NULL, end - 10 * DAY, -1, &res);
    assert_int_equal(res.expiring_depth, -1);
    X509_free(leaf);
}

static void
test_describe_and_parse(void **state)
{
    struct spec s = GOOD(T2021_01_01, 397);
    X509 *leaf;
    unsigned char *der = NULL, *two;
    int n;
    STACK_OF(X509) *sk;
    struct pp_cert_info *ci;
    size_t nci;
    BIO *b;
    char *pem;
    long plen;

    (void)state;
    s.san = "DNS:mdm.corp.test,IP:10.20.0.10,IP:fd00:20::10";
    s.eku = "serverAuth,1.2.3.4";
    leaf = make(&s, root, k_ec256);
    n = i2d_X509(leaf, &der);
    assert_true(n > 0);
    two = malloc((size_t)n * 2);
    memcpy(two, der, (size_t)n);
    memcpy(two + n, der, (size_t)n);
    sk = pp_cert_parse_chain(two, (size_t)n * 2);
    assert_non_null(sk);
    assert_int_equal(sk_X509_num(sk), 2);
    ci = pp_cert_describe_chain(sk, &nci);
    assert_int_equal(nci, 2);
    assert_int_equal(ci[0].nsan, 3);
    assert_string_equal(ci[0].san[1], "IP:10.20.0.10");
    assert_string_equal(ci[0].san[2], "IP:fd00:20::10");
    assert_int_equal(ci[0].neku, 2);
    assert_string_equal(ci[0].eku[1], "1.2.3.4");
    assert_string_equal(ci[0].not_before, "2021-01-01T00:00:00Z");
    assert_string_equal(ci[0].not_after, "2022-02-02T00:00:00Z");
    assert_int_equal(ci[0].not_before_unix, T2021_01_01);
    assert_string_equal(ci[0].key_type, "EC");
    assert_true(strstr(ci[0].issuer, "CN=Test Root") != NULL);
    pp_cert_info_free(ci, nci);
    sk_X509_pop_free(sk, X509_free);
    /* PEM */
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, leaf);
    PEM_write_bio_X509(b, root);
    plen = BIO_get_mem_data(b, &pem);
    sk = pp_cert_parse_chain((const unsigned char *)pem, (size_t)plen);
    assert_non_null(sk);
    assert_int_equal(sk_X509_num(sk), 2);
    sk_X509_pop_free(sk, X509_free);
    BIO_free(b);
    /* Garbage and truncation. */
    assert_null(pp_cert_parse_chain((const unsigned char *)"hello", 5));
    assert_null(pp_cert_parse_chain(der, (size_t)n / 2));
    assert_null(pp_cert_parse_chain(der, 0));
    free(two);
    OPENSSL_free(der);
    X509_free(leaf);
}

static void
test_empty(void **state)
{
    struct pp_cp_input in = {0};
    struct pp_cp_result res;

    (void)state;
    assert_int_equal(pp_certpolicy_check(&in, &res), PP_RS_NONE);
    assert_int_equal(res.expiring_depth, -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_and_controls),
        cmocka_unit_test(test_san),
        cmocka_unit_test(test_eku),
        cmocka_unit_test(test_validity),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_leaf_ca_and_order),
        cmocka_unit_test(test_expiry_warning),
        cmocka_unit_test(test_describe_and_parse),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
