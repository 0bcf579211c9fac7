/* SPDX-License-Identifier: ISC */
/* NAT64 prefixes (src/core/nat64.h): RFC 6052's table of addresses at
 * every length, the u-octet, the well-known and local-use prefixes, and
 * RFC 7050 discovery from ipv4only.arpa's AAAA answers. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/nat64.h"

static struct pp_nat64_prefix
prefix(const char *s)
{
    struct pp_nat64_prefix p;

    if (pp_nat64_parse(s, &p) < 0)
        fail_msg("prefix '%s' refused", s);
    return p;
}

static void
a6(const char *s, uint8_t out[16])
{
    if (inet_pton(AF_INET6, s, out) != 1)
        fail_msg("bad test address %s", s);
}

/* RFC 6052 section 2.4's table: 192.0.2.33 under each length. */
static const struct {
    const char *prefix;
    const char *addr;
} rfc6052[] = {
    {"2001:db8::/32", "2001:db8:c000:221::"},
    {"2001:db8:100::/40", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::/48", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::/96", "2001:db8:122:344::192.0.2.33"},
    {"64:ff9b::/96", "64:ff9b::192.0.2.33"},
};

static void
test_rfc6052_table(void **state)
{
    static const uint8_t v4[4] = {192, 0, 2, 33};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rfc6052) / sizeof(rfc6052[0]); i++) {
        struct pp_nat64_prefix p = prefix(rfc6052[i].prefix);
        uint8_t want[16], got[16], back[4];

        a6(rfc6052[i].addr, want);
        assert_int_equal(pp_nat64_embed(&p, v4, got), 0);
        if (memcmp(got, want, 16) != 0)
            fail_msg("%s: embed gave the wrong address", rfc6052[i].prefix);
        assert_true(pp_nat64_extract(&p, want, back));
        assert_memory_equal(back, v4, 4);
    }
}

static void
test_u_octet_and_outside(void **state)
{
    struct pp_nat64_prefix p = prefix("2001:db8:122:344::/64");
    uint8_t a[16], v4[4];

    (void)state;
    a6("2001:db8:122:344:c0:2:2100:0", a);
    a[8] = 1;   /* bits 64-71 set: not an RFC 6052 address */
    assert_false(pp_nat64_extract(&p, a, v4));
    a6("2001:db8:122:345:c0:2:2100:0", a);   /* another /64 */
    assert_false(pp_nat64_extract(&p, a, v4));
    /* /96: byte 8 is the prefix's, any value it has there counts. */
    p = prefix("2001:db8:0:0:ff00::/96");
    a6("2001:db8::ff00:0:11.2.3.4", a);
    assert_true(pp_nat64_extract(&p, a, v4));
    assert_int_equal(v4[0], 11);
    /* The suffix is not looked at. */
    p = prefix("2001:db8::/32");
    a6("2001:db8:c000:221:ff:1:2:3", a);
    assert_true(pp_nat64_extract(&p, a, v4));
    assert_int_equal(v4[3], 33);
}

static void
test_known_prefixes(void **state)
{
    struct pp_nat64_prefix p;
    char buf[64];

    (void)state;
    assert_string_equal(pp_nat64_format(&pp_nat64_wkp, buf, sizeof(buf)), "64:ff9b::/96");
    assert_string_equal(pp_nat64_format(&pp_nat64_local_use, buf, sizeof(buf)),
                        "64:ff9b:1::/48");
    assert_true(pp_nat64_is_wkp(&pp_nat64_wkp));
    p = prefix("64:ff9b:1:abcd::/96");
    assert_false(pp_nat64_is_wkp(&p));
    assert_true(pp_nat64_is_local_use(&p));
    assert_true(pp_nat64_is_local_use(&pp_nat64_local_use));
    p = prefix("64:ff9b::/64");   /* the well-known address, not /96 */
    assert_false(pp_nat64_is_wkp(&p));
    assert_false(pp_nat64_is_local_use(&p));
    p = prefix("2001:db8:64::/96");
    assert_false(pp_nat64_is_local_use(&p));
}

static void
test_parse(void **state)
{
    static const char *bad[] = {
        NULL, "", "64:ff9b::", "64:ff9b::/", "64:ff9b::/95", "64:ff9b::/128",
        "64:ff9b::/0", "64:ff9b::/-96", "64:ff9b::/96x", "64:ff9b::1/96",
        "2001:db8::1:0:0/64", "/96", "192.0.2.0/24", "64:ff9b::/ 96", "64:ff9b::/0096999",
    };
    struct pp_nat64_prefix p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (pp_nat64_parse(bad[i], &p) == 0)
            fail_msg("'%s' accepted", bad[i] ? bad[i] : "(null)");
    assert_int_equal(pp_nat64_parse("2001:db8:100::/40", &p), 0);
    assert_int_equal(p.bits, 40);
    assert_false(pp_nat64_len_ok(33));
    p.bits = 33;
    assert_int_equal(pp_nat64_embed(&p, (const uint8_t *)"\1\2\3\4", (uint8_t[16]){0}), -1);
}

static void
test_embedded_sockaddr(void **state)
{
    struct pp_nat64_prefix ps[2];
    struct sockaddr_in6 s6;
    struct sockaddr_in s4, out;
    char buf[INET_ADDRSTRLEN];

    (void)state;
    ps[0] = pp_nat64_wkp;
    ps[1] = prefix("2001:db8:64::/48");
    memset(&s6, 0, sizeof(s6));
    s6.sin6_family = AF_INET6;
    a6("64:ff9b::17.253.144.10", s6.sin6_addr.s6_addr);
    assert_true(pp_nat64_embedded(ps, 2, (struct sockaddr *)&s6, &out));
    assert_int_equal(out.sin_family, AF_INET);
    assert_string_equal(inet_ntop(AF_INET, &out.sin_addr, buf, sizeof(buf)), "17.253.144.10");
    a6("2001:db8:64:11fd:90:a00::", s6.sin6_addr.s6_addr);  /* 17.253.144.10 at /48 */
    assert_true(pp_nat64_embedded(ps, 2, (struct sockaddr *)&s6, &out));
    assert_string_equal(inet_ntop(AF_INET, &out.sin_addr, buf, sizeof(buf)), "17.253.144.10");
    assert_false(pp_nat64_embedded(ps, 1, (struct sockaddr *)&s6, &out));
    a6("2620:149:a44::1", s6.sin6_addr.s6_addr);   /* native IPv6 */
    assert_false(pp_nat64_embedded(ps, 2, (struct sockaddr *)&s6, &out));
    memset(&s4, 0, sizeof(s4));
    s4.sin_family = AF_INET;
    assert_false(pp_nat64_embedded(ps, 2, (struct sockaddr *)&s4, &out));
    assert_false(pp_nat64_embedded(ps, 2, NULL, &out));
}

/* RFC 7050 discovery: the answers, the prefixes found. */
static const struct {
    const char *name;
    const char *answers[4];
    const char *found[3];
} discovery[] = {
    {"well-known, both WKAs", {"64:ff9b::192.0.0.170", "64:ff9b::192.0.0.171"},
     {"64:ff9b::/96"}},
    {"network-specific /96", {"2001:db8:1:64::c000:aa"}, {"2001:db8:1:64::/96"}},
    {"/32", {"2001:db8:c000:aa::"}, {"2001:db8::/32"}},
    {"/40", {"2001:db8:1c0:0:aa::"}, {"2001:db8:100::/40"}},
    {"/48", {"2001:db8:122:c000:0:aa00::"}, {"2001:db8:122::/48"}},
    {"/56", {"2001:db8:122:3c0:0:ab::"}, {"2001:db8:122:300::/56"}},
    {"/64", {"2001:db8:122:344:c0:0:aa00:0"}, {"2001:db8:122:344::/64"}},
    {"local use", {"64:ff9b:1:2::c000:ab"}, {"64:ff9b:1:2::/96"}},
    {"two prefixes, in order", {"2001:db8:2::c000:aa", "64:ff9b::c000:aa"},
     {"2001:db8:2::/96", "64:ff9b::/96"}},
    {"a native address (not synthesized)", {"2001:db8::1"}, {NULL}},
    {"another IPv4 address embedded", {"64:ff9b::192.0.2.1"}, {NULL}},
    {"u-octet set", {"2001:db8:122:344:ffc0:0:aa00:0"}, {NULL}},
    {"ambiguous: WKA at /32 and /96", {"2001:db8:c000:aa::c000:aa"}, {NULL}},
    {"none", {NULL}, {NULL}},
};

static void
test_discovery(void **state)
{
    size_t i, k, n, m;

    (void)state;
    for (i = 0; i < sizeof(discovery) / sizeof(discovery[0]); i++) {
        uint8_t ans[4][16];
        struct pp_nat64_prefix out[PP_NAT64_MAX];
        char buf[64];

        for (n = 0; n < 4 && discovery[i].answers[n] != NULL; n++)
            a6(discovery[i].answers[n], ans[n]);
        m = pp_nat64_discover((const uint8_t (*)[16])ans, n, out, PP_NAT64_MAX);
        for (k = 0; k < 3 && discovery[i].found[k] != NULL; k++) {
            if (k >= m)
                fail_msg("%s: found %zu, want %s", discovery[i].name, m, discovery[i].found[k]);
            if (strcmp(pp_nat64_format(&out[k], buf, sizeof(buf)), discovery[i].found[k]) != 0)
                fail_msg("%s: found %s, want %s", discovery[i].name, buf,
                         discovery[i].found[k]);
        }
        if (m != k)
            fail_msg("%s: found %zu prefixes, want %zu", discovery[i].name, m, k);
    }
}

static void
test_discovery_max(void **state)
{
    uint8_t ans[3][16];
    struct pp_nat64_prefix out[2];

    (void)state;
    a6("2001:db8:1::c000:aa", ans[0]);
    a6("2001:db8:2::c000:aa", ans[1]);
    a6("2001:db8:3::c000:aa", ans[2]);
    assert_int_equal(pp_nat64_discover((const uint8_t (*)[16])ans, 3, out, 2), 2);
    assert_int_equal(pp_nat64_discover((const uint8_t (*)[16])ans, 3, out, 0), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc6052_table),
        cmocka_unit_test(test_u_octet_and_outside),
        cmocka_unit_test(test_known_prefixes),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_embedded_sockaddr),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_discovery_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
