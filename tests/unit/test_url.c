/* SPDX-License-Identifier: ISC */
/* What users type (src/core/url.h): URLs, HOST[:PORT] targets, host names and
 * literals.  Every error must come back as -1 with a sentence. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/url.h"

/* ---------------------------------------------------------- helpers */

static void
url_ok(const char *s, const char *scheme, const char *host, uint16_t port,
       const char *path)
{
    struct pp_url u;
    char err[256] = "";
    int rc = pp_url_parse(s, &u, err, sizeof(err));

    if (rc != 0)
        fail_msg("pp_url_parse(\"%s\") failed: %s", s, err);
    assert_string_equal(u.scheme, scheme);
    assert_non_null(u.host);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_non_null(u.path);
    assert_string_equal(u.path, path);
    pp_url_free(&u);
    assert_null(u.host);
    assert_null(u.path);
}

/* Fails with a message; want (if not NULL) must appear in it. */
static void
url_bad(const char *s, const char *want)
{
    struct pp_url u;
    char err[256] = "";
    int rc = pp_url_parse(s, &u, err, sizeof(err));

    if (rc == 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "pp_url_parse(\"%s\") accepted: host '%s' port %u path '%s'",
                 s, u.host, u.port, u.path);
        pp_url_free(&u);
        fail_msg("%s", msg);
    }
    assert_int_equal(rc, -1);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL)
        fail_msg("pp_url_parse(\"%s\"): error '%s' does not mention '%s'", s, err, want);
    /* Nothing is left allocated, and freeing is still safe. */
    assert_null(u.host);
    assert_null(u.path);
    pp_url_free(&u);
}

static void
hp_ok(const char *s, const char *host, uint16_t port)
{
    char *h = (char *)0x1;
    uint16_t p = 12345;
    char err[256] = "";
    int rc = pp_hostport_parse(s, &h, &p, err, sizeof(err));

    if (rc != 0)
        fail_msg("pp_hostport_parse(\"%s\") failed: %s", s, err);
    assert_non_null(h);
    if (strcmp(h, host) != 0 || p != port) {
        char msg[512];
        snprintf(msg, sizeof(msg), "pp_hostport_parse(\"%s\"): got '%s' port %u, want '%s' port %u",
                 s, h, p, host, port);
        free(h);
        fail_msg("%s", msg);
    }
    free(h);
}

static void
hp_bad(const char *s)
{
    char *h = (char *)0x1;
    uint16_t p = 12345;
    char err[256] = "";
    int rc = pp_hostport_parse(s, &h, &p, err, sizeof(err));

    if (rc == 0) {
        char msg[512];
        snprintf(msg, sizeof(msg), "pp_hostport_parse(\"%s\") accepted: '%s' port %u",
                 s ? s : "(null)", h, p);
        free(h);
        fail_msg("%s", msg);
    }
    assert_int_equal(rc, -1);
    assert_null(h);
    assert_true(strlen(err) > 0);
}

/* n copies of c followed by rest. */
static char *
rep(char c, size_t n, const char *rest)
{
    size_t r = strlen(rest);
    char *s = malloc(n + r + 1);

    assert_non_null(s);
    memset(s, c, n);
    memcpy(s + n, rest, r + 1);
    return s;
}

/* A name of exactly len characters made of labels of at most 63. */
static char *
name_of_len(size_t len)
{
    char *s = malloc(len + 1);
    size_t i, label = 0;

    assert_non_null(s);
    for (i = 0; i < len; i++) {
        if (label == 63 && i + 1 < len) {
            s[i] = '.';
            label = 0;
        } else {
            s[i] = 'a';
            label++;
        }
    }
    s[len] = '\0';
    return s;
}

/* -------------------------------------------------------- pp_url_parse */

static void
test_url_basic(void **state)
{
    (void)state;
    url_ok("https://jss.corp.test", "https", "jss.corp.test", 0, "/");
    url_ok("https://jss.corp.test/", "https", "jss.corp.test", 0, "/");
    url_ok("http://sus.corp.test:8088/index.sucatalog", "http", "sus.corp.test",
           8088, "/index.sucatalog");
    url_ok("https://a.b:1/", "https", "a.b", 1, "/");
    url_ok("https://a.b:65535/", "https", "a.b", 65535, "/");
    url_ok("tls://h:443", "tls", "h", 443, "/");
    url_ok("svn+ssh://h/x", "svn+ssh", "h", 0, "/x");
}

static void
test_url_case(void **state)
{
    (void)state;
    /* Scheme and host are case-insensitive; the path is not. */
    url_ok("HTTPS://JSS.Corp.TEST:8443/JSSResource/Path", "https", "jss.corp.test",
           8443, "/JSSResource/Path");
    url_ok("HtTp://[2001:DB8::A]:80/", "http", "2001:db8::a", 80, "/");
}

static void
test_url_ipv6(void **state)
{
    (void)state;
    url_ok("https://[::1]:8443/path", "https", "::1", 8443, "/path");
    url_ok("https://[2620:149:a44::10]", "https", "2620:149:a44::10", 0, "/");
    url_ok("https://[2620:149:a44::10]/x", "https", "2620:149:a44::10", 0, "/x");
    url_ok("https://[::ffff:10.0.0.1]:1", "https", "::ffff:10.0.0.1", 1, "/");
    url_ok("http://10.1.2.3:8080/", "http", "10.1.2.3", 8080, "/");
}

static void
test_url_query_fragment(void **state)
{
    (void)state;
    url_ok("https://h/p?q=1&r=2", "https", "h", 0, "/p?q=1&r=2");
    url_ok("https://h?q=1", "https", "h", 0, "/?q=1");
    url_ok("https://h:8443?q=1", "https", "h", 8443, "/?q=1");
    url_ok("https://h/p#frag", "https", "h", 0, "/p");
    url_ok("https://h/p?q=1#frag", "https", "h", 0, "/p?q=1");
    url_ok("https://h#frag", "https", "h", 0, "/");
    url_ok("https://h:99#frag/x", "https", "h", 99, "/");
    url_ok("https://h?q#f", "https", "h", 0, "/?q");
    url_ok("https://h/a%20b", "https", "h", 0, "/a%20b");
}

static void
test_url_credentials(void **state)
{
    (void)state;
    url_ok("https://user:secret@jss.corp.test:8443/x", "https", "jss.corp.test",
           8443, "/x");
    url_ok("https://user@h", "https", "h", 0, "/");
    url_ok("https://a@b@h:1/", "https", "h", 1, "/");
    url_ok("https://u:p@[::1]:2/", "https", "::1", 2, "/");
    /* An @ in the path is not userinfo. */
    url_ok("https://h/a@b", "https", "h", 0, "/a@b");
    url_ok("https://h?x=a@b", "https", "h", 0, "/?x=a@b");
}

static void
test_url_errors(void **state)
{
    (void)state;
    url_bad("jss.corp.test", NULL);
    url_bad("jss.corp.test:8443/x", NULL);
    url_bad("", NULL);
    url_bad("://h", NULL);
    url_bad("ht tp://h", NULL);
    url_bad("averyveryverylongscheme://h", NULL);
    url_bad("https://", NULL);
    url_bad("https:///path", NULL);
    url_bad("https://?q", NULL);
    url_bad("https://user@", NULL);
    url_bad("https://user@/x", NULL);
    url_bad("https://:443/", NULL);
    url_bad("https://[]:443/", NULL);
}

static void
test_url_bad_ports(void **state)
{
    (void)state;
    url_bad("https://h:0/", "port");
    url_bad("https://h:65536/", "port");
    url_bad("https://h:abc/", "port");
    url_bad("https://h:99999999/", "port");
    url_bad("https://h:/", "port");
    url_bad("https://h:-1/", "port");
    url_bad("https://h:+80/", "port");
    url_bad("https://h: 80/", NULL);
    url_bad("https://h:80:80/", NULL);
    url_bad("https://[::1]:0/", "port");
    url_bad("https://[::1]:65536", "port");
}

static void
test_url_brackets(void **state)
{
    (void)state;
    url_bad("https://[::1/", NULL);
    url_bad("https://[::1", NULL);
    url_bad("https://[", NULL);
    url_bad("https://[::1]x/", NULL);
    url_bad("https://[::1]]/", NULL);
    /* Only IPv6 goes inside brackets. */
    url_bad("https://[jss.corp.test]:443/", NULL);
    url_bad("https://[10.0.0.1]/", NULL);
    url_bad("https://[zz::1]/", NULL);
    /* An IPv6 literal needs brackets in a URL. */
    /* Without a port the brackets may be left out (see test_addr_forms). */
    url_ok("https://2001:db8::1/", "https", "2001:db8::1", 0, "/");
    url_ok("https://::1/", "https", "::1", 0, "/");
}

static void
test_url_control(void **state)
{
    (void)state;
    url_bad("https://h/a b", NULL);
    url_bad("https://h/a\tb", NULL);
    url_bad("https://h/a\nb", NULL);
    url_bad("https://h/a\x01", NULL);
    url_bad("https://h/a\x7f", NULL);
    url_bad("https://h/a\rb", NULL);
    url_bad("https://h?q= x", NULL);
    url_bad("https://h#a b", NULL);
    /* In the host too. */
    url_bad("https://h\x01x/", NULL);
    url_bad("https://h x/", NULL);
    url_bad("https://h%41/", NULL);
    url_bad("https://b\xc3\xbc" "cher.de/", NULL);
}

static void
test_url_small_err(void **state)
{
    struct pp_url u;
    char err[8];

    (void)state;
    /* The message is truncated, never overflows. */
    memset(err, 'x', sizeof(err));
    assert_int_equal(pp_url_parse("https://h:0/", &u, err, sizeof(err)), -1);
    assert_true(memchr(err, '\0', sizeof(err)) != NULL);
    pp_url_free(&u);
}

/* --------------------------------------------------- pp_hostport_parse */

static void
test_hostport_ok(void **state)
{
    (void)state;
    hp_ok("example.com", "example.com", 0);
    hp_ok("Example.COM", "example.com", 0);
    hp_ok("example.com:443", "example.com", 443);
    hp_ok("EXAMPLE.com:8443", "example.com", 8443);
    hp_ok("h:1", "h", 1);
    hp_ok("h:65535", "h", 65535);
    hp_ok("10.0.0.1:80", "10.0.0.1", 80);
    hp_ok("10.0.0.1", "10.0.0.1", 0);
    hp_ok("[::1]:443", "::1", 443);
    hp_ok("[::1]", "::1", 0);
    hp_ok("[2620:149:A44::10]:5223", "2620:149:a44::10", 5223);
    hp_ok("2620:149:a44::10", "2620:149:a44::10", 0);
    hp_ok("::1", "::1", 0);
    hp_ok("::ffff:192.0.2.1", "::ffff:192.0.2.1", 0);
    hp_ok("_srv.example.com:53", "_srv.example.com", 53);
}

/* Every way of writing an IPv6 address yields the same host string, so
 * that duplicates merge in the plan: "2001:DB8::1" and "[2001:db8::1]"
 * are one check. */
static void
test_hostport_v6_case(void **state)
{
    (void)state;
    hp_ok("[2001:DB8::A]", "2001:db8::a", 0);
    hp_ok("2001:DB8::A", "2001:db8::a", 0);
    hp_ok("FE80::1", "fe80::1", 0);
}

static void
test_hostport_bad(void **state)
{
    (void)state;
    hp_bad(NULL);
    hp_bad("");
    hp_bad(":");
    hp_bad(":443");
    hp_bad("1:2:3");
    hp_bad("h:1:2");
    hp_bad("2620:149:a44::10:443:x");
    hp_bad("h:0");
    hp_bad("h:65536");
    hp_bad("h:70000");
    hp_bad("h:99999999");
    hp_bad("h:abc");
    hp_bad("h:");
    hp_bad("h:-1");
    hp_bad("h: 1");
    hp_bad("[::1");
    hp_bad("[::1]:");
    hp_bad("[::1]:0");
    hp_bad("[::1]x");
    hp_bad("[::1]443");
    hp_bad("[]");
    hp_bad("[]:1");
    hp_bad("[example.com]:443");
    hp_bad("[192.0.2.4]:443");
    hp_bad("bad host:1");
    hp_bad("bad host");
    hp_bad("-bad.example:1");
    hp_bad("1.2.3:80");
    hp_bad("999.1.1.1:80");
    hp_bad("h\x01:80");
    hp_bad("b\xc3\xbc" "cher.de:80");
    hp_bad("a..b:80");
    hp_bad("https://h");
}

/* ------------------------------------------------------- pp_host_valid */

static void
test_host_valid_names(void **state)
{
    char *s;

    (void)state;
    assert_true(pp_host_valid("a"));
    assert_true(pp_host_valid("localhost"));
    assert_true(pp_host_valid("courier.push.apple.com"));
    assert_true(pp_host_valid("1-courier.push.apple.com"));
    assert_true(pp_host_valid("Courier.Push.Apple.COM"));
    assert_true(pp_host_valid("a-b.example"));
    assert_true(pp_host_valid("_dmarc.example.com"));
    assert_true(pp_host_valid("under_score.example"));
    assert_true(pp_host_valid("example.com."));
    assert_true(pp_host_valid("123abc.example"));
    assert_true(pp_host_valid("1.2.3.com"));
    assert_true(pp_host_valid("xn--bcher-kva.de"));

    s = rep('a', 63, ".example");
    assert_true(pp_host_valid(s));
    free(s);
    s = rep('a', 64, ".example");
    assert_false(pp_host_valid(s));
    free(s);
    s = rep('a', 63, "");
    assert_true(pp_host_valid(s));
    free(s);
    s = rep('a', 64, "");
    assert_false(pp_host_valid(s));
    free(s);
}

static void
test_host_valid_length(void **state)
{
    char *s, *t;

    (void)state;
    s = name_of_len(253);
    assert_int_equal(strlen(s), 253);
    assert_true(pp_host_valid(s));
    /* 253 plus the root's dot is still fine. */
    t = malloc(255);
    assert_non_null(t);
    memcpy(t, s, 253);
    t[253] = '.';
    t[254] = '\0';
    assert_true(pp_host_valid(t));
    free(t);
    free(s);
    s = name_of_len(254);
    assert_false(pp_host_valid(s));
    free(s);
    s = name_of_len(255);
    assert_false(pp_host_valid(s));
    free(s);
    s = name_of_len(4000);
    assert_false(pp_host_valid(s));
    free(s);
}

static void
test_host_valid_bad(void **state)
{
    (void)state;
    assert_false(pp_host_valid(NULL));
    assert_false(pp_host_valid(""));
    assert_false(pp_host_valid("."));
    assert_false(pp_host_valid(".."));
    assert_false(pp_host_valid(".example.com"));
    assert_false(pp_host_valid("a..b"));
    assert_false(pp_host_valid("-a.example"));
    assert_false(pp_host_valid("a-.example"));
    assert_false(pp_host_valid("a.-b.example"));
    assert_false(pp_host_valid("a.b-"));
    assert_false(pp_host_valid("-"));
    assert_false(pp_host_valid("1.2.3"));
    assert_false(pp_host_valid("999.1.1.1"));
    assert_false(pp_host_valid("192.0.2.4.5"));
    assert_false(pp_host_valid("192.0.2.4."));
    assert_false(pp_host_valid("12345"));
    assert_false(pp_host_valid("a b"));
    assert_false(pp_host_valid("a:b"));
    assert_false(pp_host_valid("a/b"));
    assert_false(pp_host_valid("a%41"));
    assert_false(pp_host_valid("a@b"));
    assert_false(pp_host_valid("[::1]"));
    assert_false(pp_host_valid("1:2:3"));
    assert_false(pp_host_valid("a\tb"));
    assert_false(pp_host_valid("a\x7f"));
    assert_false(pp_host_valid("b\xc3\xbc" "cher.de"));
    assert_false(pp_host_valid("\xff"));
    assert_false(pp_host_valid("caf\xe9.example"));
}

static void
test_host_valid_literals(void **state)
{
    (void)state;
    assert_true(pp_host_valid("192.0.2.4"));
    assert_true(pp_host_valid("127.0.0.1"));
    assert_true(pp_host_valid("255.255.255.255"));
    assert_true(pp_host_valid("::1"));
    assert_true(pp_host_valid("::"));
    assert_true(pp_host_valid("2620:149:a44::10"));
    assert_true(pp_host_valid("2001:DB8::1"));
    assert_true(pp_host_valid("::ffff:192.0.2.4"));
    assert_false(pp_host_valid("256.1.1.1"));
    assert_false(pp_host_valid("1::2::3"));
}

/* ----------------------------------------------------- pp_host_literal */

static void
test_host_literal(void **state)
{
    (void)state;
    assert_int_equal(pp_host_literal("192.0.2.4"), 4);
    assert_int_equal(pp_host_literal("0.0.0.0"), 4);
    assert_int_equal(pp_host_literal("127.0.0.1"), 4);
    assert_int_equal(pp_host_literal("::1"), 6);
    assert_int_equal(pp_host_literal("::"), 6);
    assert_int_equal(pp_host_literal("2620:149:a44::10"), 6);
    assert_int_equal(pp_host_literal("2001:DB8::1"), 6);
    assert_int_equal(pp_host_literal("::ffff:192.0.2.4"), 6);
    assert_int_equal(pp_host_literal("example.com"), 0);
    assert_int_equal(pp_host_literal("courier.push.apple.com"), 0);
    assert_int_equal(pp_host_literal(""), 0);
    assert_int_equal(pp_host_literal("1.2.3"), 0);
    assert_int_equal(pp_host_literal("999.1.1.1"), 0);
    assert_int_equal(pp_host_literal("192.0.2.4.5"), 0);
    assert_int_equal(pp_host_literal("[::1]"), 0);
    assert_int_equal(pp_host_literal("1:2:3"), 0);
    assert_int_equal(pp_host_literal("192.0.2.4:80"), 0);
    assert_int_equal(pp_host_literal(" 192.0.2.4"), 0);
}

/* A literal as a socket address: the zone id becomes the scope id. */
static void
test_host_sockaddr(void **state)
{
    struct sockaddr_storage ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    char ifname[IF_NAMESIZE], h[64];
    socklen_t len;

    (void)state;
    assert_int_equal(pp_host_sockaddr("192.0.2.7", 443, &ss, &len), 4);
    assert_int_equal(len, sizeof(struct sockaddr_in));
    assert_int_equal(ntohs(s4->sin_port), 443);
    assert_int_equal(pp_host_sockaddr("2001:db8::1", 8443, &ss, &len), 6);
    assert_int_equal(len, sizeof(struct sockaddr_in6));
    assert_int_equal(ntohs(s6->sin6_port), 8443);
    assert_int_equal(s6->sin6_scope_id, 0);
    assert_int_equal(pp_host_sockaddr("fe80::1%3", 1, &ss, &len), 6);
    assert_int_equal(s6->sin6_scope_id, 3);
    if (if_indextoname(1, ifname) != NULL) {
        snprintf(h, sizeof(h), "fe80::1%%%s", ifname);
        assert_int_equal(pp_host_sockaddr(h, 1, &ss, &len), 6);
        assert_int_equal(s6->sin6_scope_id, 1);
        assert_int_equal(pp_host_literal(h), 6);
    }
    assert_int_equal(pp_host_sockaddr("courier.push.apple.com", 5223, &ss, &len), 0);
    assert_int_equal(len, 0);
    assert_int_equal(pp_host_literal("fe80::1%"), 0);
    assert_int_equal(pp_host_literal("192.0.2.1%eth0"), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_basic),
        cmocka_unit_test(test_url_case),
        cmocka_unit_test(test_url_ipv6),
        cmocka_unit_test(test_url_query_fragment),
        cmocka_unit_test(test_url_credentials),
        cmocka_unit_test(test_url_errors),
        cmocka_unit_test(test_url_bad_ports),
        cmocka_unit_test(test_url_brackets),
        cmocka_unit_test(test_url_control),
        cmocka_unit_test(test_url_small_err),
        cmocka_unit_test(test_hostport_ok),
        cmocka_unit_test(test_hostport_v6_case),
        cmocka_unit_test(test_hostport_bad),
        cmocka_unit_test(test_host_valid_names),
        cmocka_unit_test(test_host_valid_length),
        cmocka_unit_test(test_host_valid_bad),
        cmocka_unit_test(test_host_valid_literals),
        cmocka_unit_test(test_host_literal),
        cmocka_unit_test(test_host_sockaddr),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
