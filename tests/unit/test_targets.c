/* SPDX-License-Identifier: ISC */
/* Firewall-audit targets (src/plan/targets.h): port lists, target specs and
 * targets files.  Every error must come back as -1 with a sentence. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan/targets.h"

/* ---------------------------------------------------------- helpers */

/* Parses s, which must give exactly the ranges in want (lo, hi pairs). */
static void
ports_ok(const char *s, const uint16_t *want, size_t nwant, uint32_t count)
{
    struct pp_ports p;
    char err[256] = "";
    size_t i;

    if (pp_ports_parse(s, &p, err, sizeof(err)) != 0)
        fail_msg("pp_ports_parse(\"%s\") failed: %s", s, err);
    if (p.n != nwant) {
        size_t n = p.n;
        pp_ports_free(&p);
        fail_msg("pp_ports_parse(\"%s\"): %zu ranges, want %zu", s, n, nwant);
    }
    for (i = 0; i < nwant; i++) {
        assert_int_equal(p.range[i][0], want[2 * i]);
        assert_int_equal(p.range[i][1], want[2 * i + 1]);
    }
    assert_int_equal(p.count, count);
    pp_ports_free(&p);
    assert_null(p.range);
    assert_int_equal(p.n, 0);
    pp_ports_free(&p);
}

/* Fails with a message; want (if not NULL) must appear in it. */
static void
ports_bad(const char *s, const char *want)
{
    struct pp_ports p;
    char err[256] = "";
    int rc = pp_ports_parse(s, &p, err, sizeof(err));

    if (rc == 0) {
        pp_ports_free(&p);
        fail_msg("pp_ports_parse(\"%s\") accepted", s);
    }
    assert_int_equal(rc, -1);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL)
        fail_msg("pp_ports_parse(\"%s\"): error '%s' does not mention '%s'", s, err, want);
    assert_null(p.range);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.count, 0);
    pp_ports_free(&p);
}

static void
spec_ok(const char *s, enum pp_tspec_kind kind, const char *name, int family, int prefix,
        uint64_t count)
{
    struct pp_tspec t;
    char err[256] = "";

    if (pp_tspec_parse(s, &t, err, sizeof(err)) != 0)
        fail_msg("pp_tspec_parse(\"%s\") failed: %s", s, err);
    assert_non_null(t.name);
    if (strcmp(t.name, name) != 0 || (int)t.kind != (int)kind) {
        char msg[512];
        snprintf(msg, sizeof(msg), "pp_tspec_parse(\"%s\"): kind %d name '%s', want %d '%s'",
                 s, (int)t.kind, t.name, (int)kind, name);
        pp_tspec_free(&t);
        fail_msg("%s", msg);
    }
    if (kind != PP_TS_NAME) {
        assert_int_equal(t.family, family);
        assert_int_equal(t.prefix, prefix);
    }
    assert_true(t.count == count);
    pp_tspec_free(&t);
    assert_null(t.name);
    pp_tspec_free(&t);
}

static void
spec_bad(const char *s, const char *want)
{
    struct pp_tspec t;
    char err[256] = "";
    int rc = pp_tspec_parse(s, &t, err, sizeof(err));

    if (rc == 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "pp_tspec_parse(\"%s\") accepted: '%s'", s, t.name);
        pp_tspec_free(&t);
        fail_msg("%s", msg);
    }
    assert_int_equal(rc, -1);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL)
        fail_msg("pp_tspec_parse(\"%s\"): error '%s' does not mention '%s'", s, err, want);
    assert_null(t.name);
    pp_tspec_free(&t);
}

static struct pp_tspec
spec(const char *s)
{
    struct pp_tspec t;
    char err[256] = "";

    if (pp_tspec_parse(s, &t, err, sizeof(err)) != 0)
        fail_msg("pp_tspec_parse(\"%s\") failed: %s", s, err);
    return t;
}

/* The i-th address of s as text plus port, e.g. "10.30.0.255 443". */
static void
addr_is(const char *s, uint64_t i, uint16_t port, const char *want)
{
    struct pp_tspec t = spec(s);
    struct sockaddr_storage ss;
    socklen_t len = 0;
    char text[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN + 8];

    pp_tspec_addr(&t, i, port, &ss, &len);
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
        assert_int_equal(len, sizeof(*sin));
        assert_non_null(inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)));
        snprintf(got, sizeof(got), "%s %u", text, ntohs(sin->sin_port));
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
        assert_int_equal(ss.ss_family, AF_INET6);
        assert_int_equal(len, sizeof(*sin6));
        assert_non_null(inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)));
        snprintf(got, sizeof(got), "%s %u", text, ntohs(sin6->sin6_port));
    }
    if (strcmp(got, want) != 0) {
        pp_tspec_free(&t);
        fail_msg("address %llu of %s: got '%s', want '%s'", (unsigned long long)i, s, got,
                 want);
    }
    /* Every address of a spec is in it. */
    assert_true(pp_tspec_contains(&t, (const struct sockaddr *)&ss));
    pp_tspec_free(&t);
}

static bool
contains(const char *s, const char *addr)
{
    struct pp_tspec t = spec(s);
    struct sockaddr_storage ss;
    bool r;

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ss.ss_family = AF_INET;
    } else {
        assert_int_equal(inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr),
                         1);
        ss.ss_family = AF_INET6;
    }
    r = pp_tspec_contains(&t, (const struct sockaddr *)&ss);
    pp_tspec_free(&t);
    return r;
}

/* Targets files: the callback records one line per target. */
struct rec {
    char out[2048];
    int calls;
    int fail_at;    /* return an error on this call (1-based), 0 never */
};

static int
rec_cb(void *ctx, struct pp_tspec *t, struct pp_ports *p, char *err, size_t errlen)
{
    struct rec *r = ctx;
    size_t used = strlen(r->out), k;

    r->calls++;
    snprintf(r->out + used, sizeof(r->out) - used, "%s%s", used ? ";" : "", t->name);
    if (p != NULL) {
        for (k = 0; k < p->n; k++) {
            used = strlen(r->out);
            if (p->range[k][0] == p->range[k][1])
                snprintf(r->out + used, sizeof(r->out) - used, "%c%u", k ? ',' : ' ',
                         p->range[k][0]);
            else
                snprintf(r->out + used, sizeof(r->out) - used, "%c%u-%u", k ? ',' : ' ',
                         p->range[k][0], p->range[k][1]);
        }
    }
    pp_tspec_free(t);
    free(t);
    pp_ports_free(p);
    free(p);
    if (r->fail_at == r->calls) {
        snprintf(err, errlen, "target not allowed");
        return 7;
    }
    return 0;
}

static void
file_ok(const char *text, size_t len, const char *want)
{
    struct rec r;
    char err[256] = "";

    memset(&r, 0, sizeof(r));
    if (pp_targets_parse("t.txt", text, len, rec_cb, &r, err, sizeof(err)) != 0)
        fail_msg("pp_targets_parse failed: %s", err);
    if (strcmp(r.out, want) != 0)
        fail_msg("pp_targets_parse: got '%s', want '%s'", r.out, want);
}

/* Fails with exactly the error want, after calls callbacks. */
static void
file_bad(const char *text, size_t len, int calls, const char *want)
{
    struct rec r;
    char err[256] = "";
    int rc;

    memset(&r, 0, sizeof(r));
    rc = pp_targets_parse("t.txt", text, len, rec_cb, &r, err, sizeof(err));
    if (rc != -1)
        fail_msg("pp_targets_parse(\"%s\"): returned %d, want -1", text, rc);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("pp_targets_parse(\"%s\"): error '%s', want '%s...'", text, err, want);
    assert_int_equal(r.calls, calls);
}

#define STR(s) s, sizeof(s) - 1

/* ------------------------------------------------------------ ports */

static void
test_ports_basic(void **state)
{
    (void)state;
    ports_ok("443", (const uint16_t[]){ 443, 443 }, 1, 1);
    ports_ok("443,5223,8000-8010", (const uint16_t[]){ 443, 443, 5223, 5223, 8000, 8010 }, 3,
             13);
    ports_ok("1", (const uint16_t[]){ 1, 1 }, 1, 1);
    ports_ok("65535", (const uint16_t[]){ 65535, 65535 }, 1, 1);
    ports_ok("1-65535", (const uint16_t[]){ 1, 65535 }, 1, 65535);
    ports_ok("80-80", (const uint16_t[]){ 80, 80 }, 1, 1);
    ports_ok("00443", (const uint16_t[]){ 443, 443 }, 1, 1);
    /* Spaces and tabs around commas. */
    ports_ok(" 443 , 5223\t,\t80 ", (const uint16_t[]){ 80, 80, 443, 443, 5223, 5223 }, 3, 3);
}

static void
test_ports_merge(void **state)
{
    (void)state;
    ports_ok("1-10,5-20,21", (const uint16_t[]){ 1, 21 }, 1, 21);
    ports_ok("21,5-20,1-10", (const uint16_t[]){ 1, 21 }, 1, 21);
    ports_ok("443,443,443", (const uint16_t[]){ 443, 443 }, 1, 1);
    ports_ok("10-20,12-15", (const uint16_t[]){ 10, 20 }, 1, 11);
    ports_ok("1,3,2", (const uint16_t[]){ 1, 3 }, 1, 3);
    ports_ok("1,3", (const uint16_t[]){ 1, 1, 3, 3 }, 2, 2);
    ports_ok("65535,1-65534", (const uint16_t[]){ 1, 65535 }, 1, 65535);
    ports_ok("8000-8010,443,5223,8005-8020", (const uint16_t[]){ 443, 443, 5223, 5223,
                                                                8000, 8020 }, 3, 23);
}

static void
test_ports_at_has(void **state)
{
    struct pp_ports p;
    char err[256];
    uint32_t i;

    (void)state;
    assert_int_equal(pp_ports_parse("8000-8010,443,5223", &p, err, sizeof(err)), 0);
    assert_int_equal(p.count, 13);
    assert_int_equal(pp_ports_at(&p, 0), 443);
    assert_int_equal(pp_ports_at(&p, 1), 5223);
    assert_int_equal(pp_ports_at(&p, 2), 8000);
    assert_int_equal(pp_ports_at(&p, 7), 8005);
    assert_int_equal(pp_ports_at(&p, 12), 8010);
    assert_int_equal(pp_ports_at(&p, 13), 0);
    for (i = 1; i < p.count; i++)
        assert_true(pp_ports_at(&p, i - 1) < pp_ports_at(&p, i));
    assert_true(pp_ports_has(&p, 443));
    assert_true(pp_ports_has(&p, 5223));
    assert_true(pp_ports_has(&p, 8000));
    assert_true(pp_ports_has(&p, 8007));
    assert_true(pp_ports_has(&p, 8010));
    assert_false(pp_ports_has(&p, 0));
    assert_false(pp_ports_has(&p, 442));
    assert_false(pp_ports_has(&p, 444));
    assert_false(pp_ports_has(&p, 7999));
    assert_false(pp_ports_has(&p, 8011));
    assert_false(pp_ports_has(&p, 65535));
    pp_ports_free(&p);
    assert_false(pp_ports_has(&p, 443));
    assert_int_equal(pp_ports_at(&p, 0), 0);

    assert_int_equal(pp_ports_parse("1-65535", &p, err, sizeof(err)), 0);
    assert_int_equal(pp_ports_at(&p, 0), 1);
    assert_int_equal(pp_ports_at(&p, 65534), 65535);
    assert_true(pp_ports_has(&p, 65535));
    assert_false(pp_ports_has(&p, 0));
    pp_ports_free(&p);
}

static void
test_ports_errors(void **state)
{
    (void)state;
    ports_bad("", "empty port list");
    ports_bad(NULL, "empty port list");
    ports_bad(",", "empty item 1");
    ports_bad("443,", "empty item 2");
    ports_bad("443,,80", "empty item 2");
    ports_bad("443, ,80", "empty item 2");
    ports_bad(" ", "empty item 1");
    ports_bad("0", "'0' is out of range");
    ports_bad("443,0", "'0' is out of range");
    ports_bad("0-10", "'0-10' is out of range");
    ports_bad("65536", "'65536'");
    ports_bad("1-65536", "'1-65536' is out of range");
    ports_bad("99999999999999999999", "out of range");
    ports_bad("20-10", "bad port range '20-10'");
    ports_bad("443,20-10", "'20-10'");
    ports_bad("https", "bad port 'https'");
    ports_bad("443,x", "bad port 'x'");
    ports_bad("-5", "'-5'");
    ports_bad("5-", "'5-'");
    ports_bad("1-2-3", "'1-2-3'");
    ports_bad("-", "'-'");
    ports_bad("+443", "'+443'");
    ports_bad("44 3", "'44 3'");
    ports_bad("80 - 90", "'80 - 90'");
    ports_bad("443;80", "'443;80'");
    ports_bad("0x50", "'0x50'");
    ports_bad("4\xc3\xa9", NULL);
}

/* ------------------------------------------------------------ specs */

static void
test_spec_names(void **state)
{
    (void)state;
    spec_ok("files.corp.test", PP_TS_NAME, "files.corp.test", 0, 0, 1);
    spec_ok("Files.CORP.test", PP_TS_NAME, "files.corp.test", 0, 0, 1);
    spec_ok("localhost", PP_TS_NAME, "localhost", 0, 0, 1);
    spec_ok("_ldap._tcp.corp.test", PP_TS_NAME, "_ldap._tcp.corp.test", 0, 0, 1);
    spec_ok("jss.corp.test.", PP_TS_NAME, "jss.corp.test.", 0, 0, 1);
}

static void
test_spec_addrs(void **state)
{
    (void)state;
    spec_ok("192.0.2.7", PP_TS_ADDR, "192.0.2.7", AF_INET, 32, 1);
    spec_ok("10.30.0.5", PP_TS_ADDR, "10.30.0.5", AF_INET, 32, 1);
    spec_ok("2001:db8::1", PP_TS_ADDR, "2001:db8::1", AF_INET6, 128, 1);
    spec_ok("2001:DB8:0:0::A", PP_TS_ADDR, "2001:db8::a", AF_INET6, 128, 1);
    spec_ok("[2001:db8::1]", PP_TS_ADDR, "2001:db8::1", AF_INET6, 128, 1);
    spec_ok("[::1]", PP_TS_ADDR, "::1", AF_INET6, 128, 1);
    spec_ok("::ffff:192.0.2.1", PP_TS_ADDR, "::ffff:192.0.2.1", AF_INET6, 128, 1);
}

static void
test_spec_cidr(void **state)
{
    struct pp_tspec t;

    (void)state;
    spec_ok("10.30.0.0/24", PP_TS_CIDR, "10.30.0.0/24", AF_INET, 24, 256);
    /* Host bits are cleared silently. */
    spec_ok("10.30.0.5/24", PP_TS_CIDR, "10.30.0.0/24", AF_INET, 24, 256);
    spec_ok("198.51.100.77/27", PP_TS_CIDR, "198.51.100.64/27", AF_INET, 27, 32);
    spec_ok("203.0.113.9/32", PP_TS_CIDR, "203.0.113.9/32", AF_INET, 32, 1);
    spec_ok("203.0.113.9/31", PP_TS_CIDR, "203.0.113.8/31", AF_INET, 31, 2);
    spec_ok("10.1.2.3/8", PP_TS_CIDR, "10.0.0.0/8", AF_INET, 8, 16777216);
    spec_ok("172.16.0.0/12", PP_TS_CIDR, "172.16.0.0/12", AF_INET, 12, 1048576);
    spec_ok("2001:db8::/120", PP_TS_CIDR, "2001:db8::/120", AF_INET6, 120, 256);
    spec_ok("2001:DB8::1:2:3:FF/120", PP_TS_CIDR, "2001:db8::1:2:3:0/120", AF_INET6, 120,
            256);
    spec_ok("[2001:db8::5]/126", PP_TS_CIDR, "2001:db8::4/126", AF_INET6, 126, 4);
    spec_ok("2001:db8::1/128", PP_TS_CIDR, "2001:db8::1/128", AF_INET6, 128, 1);
    spec_ok("2001:db8::abcd:ef12/104", PP_TS_CIDR, "2001:db8::ab00:0/104", AF_INET6, 104,
            16777216);

    t = spec("10.30.0.5/24");
    assert_int_equal(t.addr[0], 10);
    assert_int_equal(t.addr[1], 30);
    assert_int_equal(t.addr[2], 0);
    assert_int_equal(t.addr[3], 0);
    pp_tspec_free(&t);
    t = spec("2001:db8::abcd:ef12/108");
    assert_int_equal(t.addr[12], 0xab);
    assert_int_equal(t.addr[13], 0xc0);
    assert_int_equal(t.addr[14], 0);
    assert_int_equal(t.addr[15], 0);
    pp_tspec_free(&t);
}

static void
test_spec_errors(void **state)
{
    (void)state;
    spec_bad("", "empty target");
    spec_bad(NULL, "empty target");
    /* Too wide. */
    spec_bad("10.0.0.0/7", "too wide");
    spec_bad("10.0.0.0/7", "/8");
    spec_bad("0.0.0.0/0", "too wide");
    spec_bad("2001:db8::/103", "too wide");
    spec_bad("2001:db8::/103", "/104");
    spec_bad("2001:db8::/64", "too wide");
    spec_bad("::/0", "too wide");
    /* Bad prefixes. */
    spec_bad("10.0.0.0/33", "bad prefix length '/33'");
    spec_bad("2001:db8::/129", "bad prefix length '/129'");
    spec_bad("10.0.0.0/-1", "bad prefix length '/-1'");
    spec_bad("10.0.0.0/x", "bad prefix length '/x'");
    spec_bad("10.0.0.0/", "bad prefix length");
    spec_bad("10.0.0.0/24/24", "bad prefix length");
    spec_bad("10.0.0.0/ 24", "bad prefix length");
    spec_bad("10.0.0.0/24 ", "bad prefix length");
    spec_bad("10.0.0.0/+24", "bad prefix length");
    spec_bad("10.0.0.0/0024", "bad prefix length");
    /* Bad addresses and junk. */
    spec_bad("10.30.0/24", "bad address '10.30.0'");
    spec_bad("files.corp.test/24", "bad address");
    spec_bad("/24", "bad address");
    spec_bad("256.1.1.1", "bad target");
    spec_bad("1.2.3", "bad target");
    spec_bad("2001:db8::g", "bad target");
    spec_bad("[2001:db8::1", "no closing");
    spec_bad("[2001:db8::1]:443", "junk after");
    spec_bad("[192.0.2.1]", "bad IPv6 address");
    spec_bad("[files.corp.test]", "bad IPv6 address");
    spec_bad("[]", "bad IPv6 address");
    spec_bad("files.corp.test:443", "bad target");
    spec_bad("192.0.2.1:443", "bad target");
    spec_bad(" 192.0.2.1", "bad target");
    spec_bad("a b", "bad target");
    spec_bad("-bad.corp.test", "bad target");
    spec_bad("fe80::1%eth0", "bad target");
    spec_bad("h\xc3\xa9.test", "bad target");
}

static void
test_spec_addr(void **state)
{
    struct pp_tspec t;
    struct sockaddr_storage ss;
    socklen_t len = 99;

    (void)state;
    addr_is("10.30.0.0/24", 0, 443, "10.30.0.0 443");
    addr_is("10.30.0.0/24", 1, 443, "10.30.0.1 443");
    addr_is("10.30.0.0/24", 255, 5223, "10.30.0.255 5223");
    addr_is("10.30.0.77/24", 255, 1, "10.30.0.255 1");
    addr_is("10.0.0.0/8", 16777215, 80, "10.255.255.255 80");
    addr_is("10.0.0.0/8", 65536, 80, "10.1.0.0 80");
    addr_is("192.0.2.7", 0, 65535, "192.0.2.7 65535");
    addr_is("2001:db8::/120", 0, 443, "2001:db8:: 443");
    addr_is("2001:db8::/120", 255, 443, "2001:db8::ff 443");
    addr_is("2001:db8::ff00/120", 1, 443, "2001:db8::ff01 443");
    addr_is("2001:db8::/104", 16777215, 8000, "2001:db8::ff:ffff 8000");
    addr_is("[2001:db8::1]", 0, 8443, "2001:db8::1 8443");

    /* Past the end, and names, give nothing. */
    t = spec("10.30.0.0/24");
    pp_tspec_addr(&t, 256, 443, &ss, &len);
    assert_int_equal(len, 0);
    assert_int_equal(ss.ss_family, AF_UNSPEC);
    pp_tspec_free(&t);
    t = spec("files.corp.test");
    len = 99;
    pp_tspec_addr(&t, 0, 443, &ss, &len);
    assert_int_equal(len, 0);
    pp_tspec_free(&t);
}

static void
test_spec_contains(void **state)
{
    struct pp_tspec t;
    struct sockaddr_in sin;

    (void)state;
    assert_true(contains("10.30.0.0/24", "10.30.0.0"));
    assert_true(contains("10.30.0.0/24", "10.30.0.255"));
    assert_true(contains("10.30.0.5/24", "10.30.0.99"));
    assert_false(contains("10.30.0.0/24", "10.30.1.0"));
    assert_false(contains("10.30.0.0/24", "10.29.255.255"));
    assert_true(contains("198.51.100.64/27", "198.51.100.95"));
    assert_false(contains("198.51.100.64/27", "198.51.100.96"));
    assert_false(contains("198.51.100.64/27", "198.51.100.63"));
    assert_true(contains("192.0.2.7", "192.0.2.7"));
    assert_false(contains("192.0.2.7", "192.0.2.8"));
    assert_true(contains("192.0.2.7/32", "192.0.2.7"));
    assert_true(contains("10.0.0.0/8", "10.200.3.4"));
    assert_false(contains("10.0.0.0/8", "172.16.0.0"));
    /* IPv4-mapped addresses match IPv4 specs; families otherwise differ. */
    assert_true(contains("192.0.2.0/24", "::ffff:192.0.2.9"));
    assert_false(contains("192.0.2.0/24", "::ffff:198.51.100.9"));
    assert_false(contains("192.0.2.0/24", "2001:db8::1"));
    assert_false(contains("2001:db8::/120", "192.0.2.1"));
    assert_true(contains("2001:db8::/120", "2001:db8::ff"));
    assert_false(contains("2001:db8::/120", "2001:db8::100"));
    assert_true(contains("2001:db8::1", "2001:db8::1"));
    assert_false(contains("2001:db8::1", "2001:db8::2"));
    assert_true(contains("2001:db8::ab00:0/104", "2001:db8::abff:ffff"));
    assert_false(contains("2001:db8::ab00:0/104", "2001:db8::ac00:0"));
    /* Names never match. */
    assert_false(contains("files.corp.test", "192.0.2.1"));
    t = spec("192.0.2.0/24");
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_UNIX;
    assert_false(pp_tspec_contains(&t, (const struct sockaddr *)&sin));
    assert_false(pp_tspec_contains(&t, NULL));
    pp_tspec_free(&t);
}

/* ------------------------------------------------------------ files */

static void
test_file_basic(void **state)
{
    (void)state;
    file_ok(STR(""), "");
    file_ok(NULL, 0, "");
    file_ok(STR("\n\n  \n\t\n"), "");
    file_ok(STR("# only a comment\n"), "");
    file_ok(STR("files.corp.test"), "files.corp.test");
    file_ok(STR("10.30.0.5/24\nFiles.Corp.Test\n[2001:db8::1]\n"),
            "10.30.0.0/24;files.corp.test;2001:db8::1");
    file_ok(STR("10.0.0.0/24 443,5223\n"), "10.0.0.0/24 443,5223");
    file_ok(STR("10.0.0.0/24\t8000-8010,443 \n"), "10.0.0.0/24 443,8000-8010");
    file_ok(STR("  192.0.2.1   1-10,5-20,21\n"), "192.0.2.1 1-21");
    /* Spaces around commas belong to the port list. */
    file_ok(STR("192.0.2.1 443, 5223 ,80\n"), "192.0.2.1 80,443,5223");
    file_ok(STR("192.0.2.1 443 ,\t5223\n"), "192.0.2.1 443,5223");
}

static void
test_file_comments(void **state)
{
    (void)state;
    file_ok(STR("# audit targets\n"
                "files.corp.test # the file server\n"
                "\n"
                "  # indented comment\n"
                "198.51.100.0/30 443 # with ports\n"
                "203.0.113.5\t#tab then comment\n"
                "#192.0.2.1\n"),
            "files.corp.test;198.51.100.0/30 443;203.0.113.5");
    /* '#' inside a word is not a comment. */
    file_bad(STR("files.corp.test#x\n"), 0, "t.txt:1: bad target 'files.corp.test#x'");
    file_bad(STR("192.0.2.1 443#x\n"), 0, "t.txt:1: bad port '443#x'");
}

static void
test_file_crlf(void **state)
{
    (void)state;
    file_ok(STR("files.corp.test\r\n10.0.0.0/24 443,5223\r\n# c\r\n\r\n[::1]\r\n"),
            "files.corp.test;10.0.0.0/24 443,5223;::1");
    file_ok(STR("192.0.2.1 443\r\n"), "192.0.2.1 443");
    file_ok(STR("192.0.2.1 443 # c\r\n"), "192.0.2.1 443");
    /* A byte order mark is skipped. */
    file_ok(STR("\xef\xbb\xbf" "192.0.2.1\n"), "192.0.2.1");
    /* A stray CR inside a line is not white space. */
    file_bad(STR("192.0.2.1\r443\n"), 0, "t.txt:1: bad target");
}

static void
test_file_errors(void **state)
{
    char big[1200];

    (void)state;
    file_bad(STR("files.corp.test\n\n10.0.0.0/7\n"), 1, "t.txt:3: '10.0.0.0/7' is too wide");
    file_bad(STR("# c\nbad..name\nfiles.corp.test\n"), 0, "t.txt:2: bad target 'bad..name'");
    file_bad(STR("192.0.2.1 443,0\n"), 0, "t.txt:1: port '0' is out of range");
    file_bad(STR("192.0.2.1 443,,80\n"), 0, "t.txt:1: empty item 2");
    file_bad(STR("192.0.2.1 20-10\n"), 0, "t.txt:1: bad port range '20-10'");
    file_bad(STR("a.test\r\nb.test\r\n192.0.2.1 443 80\r\n"), 2,
             "t.txt:3: unexpected '80' after the port list");
    file_bad(STR("192.0.2.1 443 tcp\n"), 0, "t.txt:1: unexpected 'tcp'");
    file_bad(STR("192.0.2.1 443, 80 x # c\n"), 0, "t.txt:1: unexpected 'x'");
    file_bad(STR("a.test\nb\0.test\n"), 1, "t.txt:2: NUL byte");
    file_bad(STR("a.test\n# \0 in a comment\n"), 1, "t.txt:2: NUL byte");

    /* 1024 bytes are fine, 1025 are not (the line end is not counted). */
    memset(big, ' ', sizeof(big));
    memcpy(big, "192.0.2.1", 9);
    big[1024] = '\n';
    file_ok(big, 1025, "192.0.2.1");
    big[1024] = '\r';
    big[1025] = '\n';
    file_ok(big, 1026, "192.0.2.1");
    big[1024] = ' ';
    big[1025] = '\n';
    file_bad(big, 1026, 0, "t.txt:1: line longer than 1024 bytes");
    big[0] = '#';
    file_bad(big, 1026, 0, "t.txt:1: line longer than 1024 bytes");
}

static void
test_file_callback(void **state)
{
    struct rec r;
    char err[256] = "";
    int rc;

    (void)state;
    /* The callback's error stops reading and carries the line. */
    memset(&r, 0, sizeof(r));
    r.fail_at = 2;
    rc = pp_targets_parse("list", STR("a.test\nb.test 443\nc.test\n"), rec_cb, &r, err,
                          sizeof(err));
    assert_int_equal(rc, 7);
    assert_int_equal(r.calls, 2);
    assert_string_equal(r.out, "a.test;b.test 443");
    assert_string_equal(err, "list:2: target not allowed");

    /* A NULL name and a tiny or absent err buffer are safe. */
    memset(&r, 0, sizeof(r));
    rc = pp_targets_parse(NULL, STR("x..y\n"), rec_cb, &r, err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, ":1: bad target"));
    rc = pp_targets_parse("t", STR("x..y\n"), rec_cb, &r, err, 4);
    assert_int_equal(rc, -1);
    assert_int_equal(strlen(err), 3);
    rc = pp_targets_parse("t", STR("x..y\n"), rec_cb, &r, NULL, 0);
    assert_int_equal(rc, -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ports_basic),
        cmocka_unit_test(test_ports_merge),
        cmocka_unit_test(test_ports_at_has),
        cmocka_unit_test(test_ports_errors),
        cmocka_unit_test(test_spec_names),
        cmocka_unit_test(test_spec_addrs),
        cmocka_unit_test(test_spec_cidr),
        cmocka_unit_test(test_spec_errors),
        cmocka_unit_test(test_spec_addr),
        cmocka_unit_test(test_spec_contains),
        cmocka_unit_test(test_file_basic),
        cmocka_unit_test(test_file_comments),
        cmocka_unit_test(test_file_crlf),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_file_callback),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
