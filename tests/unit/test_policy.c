/* SPDX-License-Identifier: ISC */
/* The expectations file of the audit mode (src/plan/policy.h): every malformed
 * line fails with "NAME:LINE: why", the built-in sets parse, and the last
 * matching rule wins. */
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

#include "plan/policy.h"

/* ---------------------------------------------------------- helpers */

static void
parse_ok(const char *text, struct pp_policy *p)
{
    char err[512] = "";

    if (pp_policy_parse("t.exp", text, strlen(text), p, err, sizeof(err)) != 0)
        fail_msg("pp_policy_parse(\"%s\") failed: %s", text, err);
    assert_string_equal(err, "");
}

/* Parsing text of len bytes fails with exactly want. */
static void
parse_bad_len(const char *text, size_t len, const char *want)
{
    struct pp_policy p = {.r = (struct pp_rule *)0x1, .n = 99};
    char err[512] = "";
    int rc = pp_policy_parse("t.exp", text, len, &p, err, sizeof(err));

    if (rc == 0) {
        size_t n = p.n;
        pp_policy_free(&p);
        fail_msg("pp_policy_parse(\"%s\") accepted (%zu rules), want '%s'", text, n, want);
    }
    assert_int_equal(rc, -1);
    assert_null(p.r);
    assert_int_equal(p.n, 0);
    if (strcmp(err, want) != 0)
        fail_msg("pp_policy_parse(\"%s\"): error\n  '%s', want\n  '%s'", text, err, want);
    pp_policy_free(&p);
}

static void
parse_bad(const char *text, const char *want)
{
    parse_bad_len(text, strlen(text), want);
}

static void
rule_is(const struct pp_rule *r, enum pp_expect want, enum pp_tspec_kind kind, const char *name,
        uint32_t nports, const char *source, const char *text)
{
    assert_int_equal(r->want, want);
    assert_int_equal(r->spec.kind, kind);
    assert_non_null(r->spec.name);
    assert_string_equal(r->spec.name, name);
    assert_int_equal(r->ports.count, nports);
    assert_non_null(r->source);
    assert_string_equal(r->source, source);
    assert_non_null(r->text);
    assert_string_equal(r->text, text);
}

static struct sockaddr_storage sa_buf;

static const struct sockaddr *
sa_of(const char *addr)
{
    memset(&sa_buf, 0, sizeof(sa_buf));
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa_buf;
        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&sa_buf;
        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
    }
    return (const struct sockaddr *)&sa_buf;
}

/* The index of the rule governing host at addr (either may be NULL). */
static long
match(const struct pp_policy *p, const char *host, const char *addr, uint16_t port)
{
    return pp_policy_match(p, host, addr != NULL ? sa_of(addr) : NULL, port);
}

static unsigned
rnd(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

/* The indexed match (hash table of one-address rules, the others from the
 * top down) against looking through every rule, on random rule files and
 * random questions: same answer every time. */
static void
test_index_same_as_scan(void **state)
{
    static const char *const names[] = {"a.corp.test", "b.corp.test", "A.corp.test."};
    char addr[64], text[200000];
    unsigned seed = 12345;
    int round, q;

    (void)state;
    for (round = 0; round < 40; round++) {
        struct pp_policy p, scan;
        size_t len = 0;
        int i, nrules = 1 + (int)(rnd(&seed) % 400);

        for (i = 0; i < nrules; i++) {
            const char *verb = rnd(&seed) % 3 == 0 ? "closed" : rnd(&seed) % 2 ? "open" : "tls";
            unsigned kind = rnd(&seed) % 6, port = 1 + rnd(&seed) % 8;
            switch (kind) {
            case 0: snprintf(addr, sizeof(addr), "%s", names[rnd(&seed) % 3]); break;
            case 1: snprintf(addr, sizeof(addr), "10.0.%u.0/24", rnd(&seed) % 4); break;
            case 2: snprintf(addr, sizeof(addr), "2001:db8::%x", rnd(&seed) % 16); break;
            case 3: snprintf(addr, sizeof(addr), "2001:db8::/124"); break;
            default:
                snprintf(addr, sizeof(addr), "10.0.%u.%u", rnd(&seed) % 4, rnd(&seed) % 16);
                break;
            }
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s tcp %s %u%s\n",
                                    verb, addr, port, rnd(&seed) % 4 == 0 ? ",1-3" : "");
        }
        parse_ok(text, &p);
        scan = p;
        scan.bucket = NULL;   /* pp_policy_match then looks through every rule */
        for (q = 0; q < 500; q++) {
            const char *host = rnd(&seed) % 2 ? names[rnd(&seed) % 3] : NULL;
            unsigned port = 1 + rnd(&seed) % 9, k = rnd(&seed) % 4;
            if (k == 0)
                snprintf(addr, sizeof(addr), "2001:db8::%x", rnd(&seed) % 20);
            else if (k == 1)
                snprintf(addr, sizeof(addr), "::ffff:10.0.%u.%u", rnd(&seed) % 5, rnd(&seed) % 20);
            else
                snprintf(addr, sizeof(addr), "10.0.%u.%u", rnd(&seed) % 5, rnd(&seed) % 20);
            assert_int_equal(match(&p, host, addr, (uint16_t)port),
                             match(&scan, host, addr, (uint16_t)port));
            assert_int_equal(match(&p, host, NULL, (uint16_t)port),
                             match(&scan, host, NULL, (uint16_t)port));
        }
        pp_policy_free(&p);
    }
}

/* ------------------------------------------------------------- parsing */

static void
test_rules(void **state)
{
    struct pp_policy p;
    (void)state;

    parse_ok("open tcp 17.0.0.0/8 5223\n"
             "closed tcp files.corp.test 445\n"
             "tls tcp JSS.corp.test 8443\n"
             "open tcp 10.0.0.0/24 443,5223,8000-8010\n"
             "closed tcp 192.0.2.7 1-1024\n"
             "open tcp 2001:db8::1 443\n"
             "open tcp [2001:db8::]/120 443\n", &p);
    assert_int_equal(p.n, 7);
    rule_is(&p.r[0], PP_EXPECT_OPEN, PP_TS_CIDR, "17.0.0.0/8", 1, "t.exp:1",
            "open tcp 17.0.0.0/8 5223");
    rule_is(&p.r[1], PP_EXPECT_CLOSED, PP_TS_NAME, "files.corp.test", 1, "t.exp:2",
            "closed tcp files.corp.test 445");
    rule_is(&p.r[2], PP_EXPECT_TLS, PP_TS_NAME, "jss.corp.test", 1, "t.exp:3",
            "tls tcp JSS.corp.test 8443");
    rule_is(&p.r[3], PP_EXPECT_OPEN, PP_TS_CIDR, "10.0.0.0/24", 13, "t.exp:4",
            "open tcp 10.0.0.0/24 443,5223,8000-8010");
    assert_int_equal(p.r[3].ports.n, 3);
    rule_is(&p.r[4], PP_EXPECT_CLOSED, PP_TS_ADDR, "192.0.2.7", 1024, "t.exp:5",
            "closed tcp 192.0.2.7 1-1024");
    rule_is(&p.r[5], PP_EXPECT_OPEN, PP_TS_ADDR, "2001:db8::1", 1, "t.exp:6",
            "open tcp 2001:db8::1 443");
    assert_int_equal(p.r[5].spec.family, AF_INET6);
    rule_is(&p.r[6], PP_EXPECT_OPEN, PP_TS_CIDR, "2001:db8::/120", 1, "t.exp:7",
            "open tcp [2001:db8::]/120 443");
    pp_policy_free(&p);
    assert_null(p.r);
    assert_int_equal(p.n, 0);
    pp_policy_free(&p);
    pp_policy_free(NULL);
}

static void
test_layout(void **state)
{
    struct pp_policy p;
    (void)state;

    /* Comments, blank lines, tabs, CRLF, no final line end. */
    parse_ok("# expectations for the lab\n"
             "\n"
             "   \t  \n"
             "\t# indented comment\n"
             "  open\ttcp   192.0.2.1\t 443   # the web server\r\n"
             "closed tcp 198.51.100.0/24 22 #ssh\n"
             "\r\n"
             "OPEN TCP host-a.corp.test 80", &p);
    assert_int_equal(p.n, 3);
    rule_is(&p.r[0], PP_EXPECT_OPEN, PP_TS_ADDR, "192.0.2.1", 1, "t.exp:5",
            "open\ttcp   192.0.2.1\t 443");
    assert_int_equal(p.r[1].ports.count, 1);
    pp_policy_free(&p);

    /* Ports are the rest of the line: blanks next to commas only. */
    parse_ok("open tcp 203.0.113.5 443, 5223 ,8000-8001\n", &p);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.r[0].ports.count, 4);
    assert_string_equal(p.r[0].text, "open tcp 203.0.113.5 443, 5223 ,8000-8001");
    pp_policy_free(&p);

    /* Nothing at all, or only comments: no rules, no error. */
    parse_ok("", &p);
    assert_int_equal(p.n, 0);
    assert_null(p.r);
    parse_ok("# nothing\n\n", &p);
    assert_int_equal(p.n, 0);
    {
        char err[64] = "x";
        assert_int_equal(pp_policy_parse("t.exp", NULL, 0, &p, err, sizeof(err)), 0);
        assert_int_equal(p.n, 0);
        assert_string_equal(err, "");
    }

    /* A UTF-8 byte order mark is skipped; line numbers are unchanged. */
    parse_ok("\xef\xbb\xbf" "open tcp 192.0.2.1 443\nopen tcp 192.0.2.2 443\n", &p);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.r[0].source, "t.exp:1");
    assert_string_equal(p.r[1].source, "t.exp:2");
    pp_policy_free(&p);
}

static void
test_comment_needs_blank(void **state)
{
    struct pp_policy p;
    (void)state;

    /* '#' glued to a word is part of it. */
    parse_bad("open tcp 192.0.2.1 443#web\n",
              "t.exp:1: bad port '443#web' (want a port or a range like 8000-8010)");
    parse_bad("open tcp 192.0.2.1#x 443\n",
              "t.exp:1: bad target '192.0.2.1#x' (not a host name, an address or a CIDR "
              "block)");
    /* ... and a comment ends the rule wherever it starts. */
    parse_ok("open tcp 192.0.2.1 443 #web\nopen tcp 192.0.2.1 443\t#\n", &p);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.r[1].text, "open tcp 192.0.2.1 443");
    pp_policy_free(&p);
    parse_bad("open tcp 192.0.2.1 # 443\n",
              "t.exp:1: missing ports after '192.0.2.1' (e.g. 443 or 443,8000-8010)");
}

static void
test_bad_words(void **state)
{
    (void)state;
    parse_bad("open udp 192.0.2.1 123\n",
              "t.exp:1: protocol 'udp' is not supported (only tcp is supported)");
    parse_bad("# c\nopen tcp 192.0.2.1 443\nclosed sctp 192.0.2.1 443\n",
              "t.exp:3: protocol 'sctp' is not supported (only tcp is supported)");
    parse_bad("\n\nallow tcp 192.0.2.1 443\n",
              "t.exp:3: unknown verb 'allow' (expected open, closed, tls or include)");
    parse_bad("open-tcp 192.0.2.1 443\n",
              "t.exp:1: unknown verb 'open-tcp' (expected open, closed, tls or include)");
    parse_bad("open\n", "t.exp:1: missing protocol after 'open' (e.g. 'open tcp 192.0.2.1 443')");
    parse_bad("tls   # comment\n",
              "t.exp:1: missing protocol after 'tls' (e.g. 'tls tcp 192.0.2.1 443')");
    parse_bad("closed tcp\n",
              "t.exp:1: missing target after 'tcp' (a host name, address or CIDR block)");
    parse_bad("open tcp 192.0.2.1\n",
              "t.exp:1: missing ports after '192.0.2.1' (e.g. 443 or 443,8000-8010)");
    parse_bad("open tcp 192.0.2.1 443 5223\n", "t.exp:1: unexpected '5223' after the ports");
    parse_bad("open tcp 192.0.2.1 443, 80 tcp\n", "t.exp:1: unexpected 'tcp' after the ports");
    parse_bad("open tcp 192.0.2.1 0\n", "t.exp:1: port '0' is out of range (1-65535)");
    parse_bad("open tcp 192.0.2.1 65536\n", "t.exp:1: port '65536' is out of range (1-65535)");
    parse_bad("open tcp 192.0.2.1 443,,80\n", "t.exp:1: empty item 2 in port list '443,,80'");
    parse_bad("open tcp 192.0.2.1 90-80\n",
              "t.exp:1: bad port range '90-80' (the start is above the end)");
    parse_bad("open tcp 192.0.2.1 https\n",
              "t.exp:1: bad port 'https' (want a port or a range like 8000-8010)");
    parse_bad("open tcp -bad-.test 443\n",
              "t.exp:1: bad target '-bad-.test' (not a host name, an address or a CIDR block)");
    parse_bad("open tcp 192.0.2.0/33 443\n",
              "t.exp:1: bad prefix length '/33' in '192.0.2.0/33' (0-32 for IPv4)");
    parse_bad("open tcp 2001:db8::/129 443\n",
              "t.exp:1: bad prefix length '/129' in '2001:db8::/129' (0-128 for IPv6)");
    parse_bad("open tcp 192.0.2.0/+8 443\n",
              "t.exp:1: bad prefix length '/+8' in '192.0.2.0/+8' (0-32 for IPv4)");
    parse_bad("open tcp 192.0.2.300 443\n",
              "t.exp:1: bad target '192.0.2.300' (not a host name, an address or a CIDR "
              "block)");
    parse_bad("open tcp 192.0.2.1 8000 - 8001\n", "t.exp:1: unexpected '-' after the ports");
    parse_bad("open tcp 192.0.2.300/4 443\n",
              "t.exp:1: bad address '192.0.2.300' in '192.0.2.300/4'");
    /* A long word is quoted short. */
    {
        char line[300], want[300];
        memset(want, 0, sizeof(want));
        snprintf(line, sizeof(line), "%s tcp 192.0.2.1 443\n",
                 "verbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverb");
        snprintf(want, sizeof(want), "t.exp:1: unknown verb '%.64s...' (expected open, "
                 "closed, tls or include)",
                 "verbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverbverb");
        parse_bad(line, want);
    }
}

static void
test_bad_bytes(void **state)
{
    static const char nul1[] = "open tcp 192.0.2.1 443\nopen tcp 192.0\0.2.1 443\n";
    static const char nul2[] = "# \0 even in a comment\n";

    struct pp_policy p;
    char *big;
    (void)state;

    parse_bad_len(nul1, sizeof(nul1) - 1, "t.exp:2: NUL byte in the line");
    parse_bad_len(nul2, sizeof(nul2) - 1, "t.exp:1: NUL byte in the line");
    parse_bad("open tcp 192.0.2.1 443\x1b[2J\n",
              "t.exp:1: control character 0x1b in the line");
    parse_bad("open tcp\r192.0.2.1 443\n", "t.exp:1: control character 0x0d in the line");
    parse_bad("open tcp 192.0.2.1 443\x7f\n", "t.exp:1: control character 0x7f in the line");

    /* 1024 bytes is the longest line, its line end not counted. */
    big = malloc(2100);
    assert_non_null(big);
    memset(big, ' ', 2100);
    memcpy(big, "open tcp 192.0.2.1 443", 22);
    memcpy(big + 1024, "\r\n", 3);
    parse_ok(big, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.r[0].text, "open tcp 192.0.2.1 443");
    pp_policy_free(&p);
    memcpy(big + 1024, " \n", 3);
    parse_bad(big, "t.exp:1: line longer than 1024 bytes");
    /* Also as a comment, and on a later line without a line end. */
    memset(big, ' ', 2100);
    memcpy(big, "# c\n#", 5);
    big[4 + 1025] = '\0';
    parse_bad(big, "t.exp:2: line longer than 1024 bytes");
    free(big);
}

static void
test_first_error_wins(void **state)
{
    (void)state;
    parse_bad("open tcp 192.0.2.1 443\n"
              "open tcp 192.0.2.1 99999\n"
              "bogus\n",
              "t.exp:2: port '99999' is out of range (1-65535)");
}

static void
test_err_buffer(void **state)
{
    struct pp_policy p;
    char err[12];
    (void)state;

    /* A short buffer truncates; none at all is fine. */
    assert_int_equal(pp_policy_parse("t.exp", "x", 1, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "t.exp:1: un");
    assert_int_equal(pp_policy_parse("t.exp", "x", 1, &p, NULL, 0), -1);
    assert_null(p.r);
    /* No name: "-". */
    assert_int_equal(pp_policy_parse(NULL, "x y", 3, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "-:1: unknow");
    /* No text but a length. */
    assert_int_equal(pp_policy_parse("t", NULL, 5, &p, err, sizeof(err)), -1);
    assert_string_equal(err, "t:0: no tex");
    assert_null(p.r);
}

/* ------------------------------------------------------------ include */

static void
test_include(void **state)
{
    struct pp_policy p;
    size_t i, ndev;
    (void)state;

    parse_ok("include apple-device\n", &p);
    ndev = p.n;
    assert_true(ndev >= 5);
    pp_policy_free(&p);

    parse_ok("closed tcp 192.0.2.1 22\n"
             "  include   apple-device   # what every device needs\n"
             "closed tcp courier.push.apple.com 5223\n", &p);
    assert_int_equal(p.n, ndev + 2);
    assert_string_equal(p.r[0].source, "t.exp:1");
    for (i = 1; i <= ndev; i++)
        assert_true(strncmp(p.r[i].source, "apple-device:", 13) == 0);
    assert_string_equal(p.r[ndev + 1].source, "t.exp:3");
    /* The file's later line overrides the set. */
    assert_int_equal(match(&p, "courier.push.apple.com", "17.57.144.10", 5223), (long)ndev + 1);
    assert_int_equal(p.r[match(&p, "courier.push.apple.com", NULL, 443)].want,
                     PP_EXPECT_OPEN);
    pp_policy_free(&p);

    parse_ok("include apple-mdm-server\ninclude apple-device\n", &p);
    pp_policy_free(&p);

    parse_bad("include\n", "t.exp:1: missing set name after 'include' "
              "(apple-device or apple-mdm-server)");
    parse_bad("include # apple-device\n", "t.exp:1: missing set name after 'include' "
              "(apple-device or apple-mdm-server)");
    parse_bad("include apple-watch\n",
              "t.exp:1: unknown rule set 'apple-watch' (known: apple-device, apple-mdm-server)");
    parse_bad("include Apple-Device\n",
              "t.exp:1: unknown rule set 'Apple-Device' (known: apple-device, apple-mdm-server)");
    parse_bad("include /etc/passwd\n",
              "t.exp:1: unknown rule set '/etc/passwd' (known: apple-device, apple-mdm-server)");
    parse_bad("include apple-device apple-mdm-server\n",
              "t.exp:1: unexpected 'apple-mdm-server' after the set name");
    parse_bad("include apple-device\nopen tcp 192.0.2.1 443\ninclude apple-device\n",
              "t.exp:3: rule set 'apple-device' is already included");
}

static void
test_builtin_sets(void **state)
{
    static const char *const sets[] = {"apple-device", "apple-mdm-server"};
    size_t k, i;
    (void)state;

    assert_null(pp_policy_builtin("apple-watch"));
    assert_null(pp_policy_builtin(""));
    assert_null(pp_policy_builtin(NULL));
    for (k = 0; k < 2; k++) {
        const char *text = pp_policy_builtin(sets[k]);
        struct pp_policy p;
        char err[256] = "";

        assert_non_null(text);
        if (pp_policy_parse(sets[k], text, strlen(text), &p, err, sizeof(err)) != 0)
            fail_msg("built-in set %s: %s", sets[k], err);
        assert_true(p.n >= 4);
        for (i = 0; i < p.n; i++) {
            const struct pp_rule *r = &p.r[i];

            assert_true(strncmp(r->source, sets[k], strlen(sets[k])) == 0);
            assert_int_not_equal(r->want, PP_EXPECT_CLOSED);
            if (r->spec.kind == PP_TS_NAME) {
                /* Apple's own names only. */
                size_t n = strlen(r->spec.name);
                assert_true(n > 10 && strcmp(r->spec.name + n - 10, ".apple.com") == 0);
            } else {
                /* Apple's addresses only: 17.0.0.0/8 and the APNs /48s. */
                const char *s = r->spec.name;
                assert_true(strcmp(s, "17.0.0.0/8") == 0 ||
                            strcmp(s, "2620:149:a44::/48") == 0 ||
                            strcmp(s, "2403:300:a42::/48") == 0 ||
                            strcmp(s, "2403:300:a51::/48") == 0 ||
                            strcmp(s, "2a01:b740:a42::/48") == 0);
            }
        }
        pp_policy_free(&p);
    }
}

static void
test_builtin_facts(void **state)
{
    struct pp_policy p;
    long i;
    (void)state;

    parse_ok("include apple-device\ninclude apple-mdm-server\n", &p);
    /* Device side. */
    assert_true(match(&p, "courier.push.apple.com", NULL, 5223) >= 0);
    assert_true(match(&p, "Courier.Push.Apple.com.", NULL, 443) >= 0);
    assert_int_equal(match(&p, "courier.push.apple.com", NULL, 80), -1);
    assert_true(match(&p, NULL, "17.249.1.1", 5223) >= 0);
    assert_true(match(&p, NULL, "2620:149:a44::5", 5223) >= 0);
    assert_true(match(&p, NULL, "2a01:b740:a42:1::1", 5223) >= 0);
    assert_int_equal(match(&p, NULL, "18.0.0.1", 5223), -1);
    assert_int_equal(match(&p, NULL, "2620:149:a45::1", 5223), -1);
    i = match(&p, "albert.apple.com", NULL, 443);
    assert_true(i >= 0);
    assert_int_not_equal(p.r[i].want, PP_EXPECT_CLOSED);
    assert_true(match(&p, "deviceenrollment.apple.com", NULL, 443) >= 0);
    assert_true(match(&p, "iprofiles.apple.com", NULL, 443) >= 0);
    /* Server side. */
    assert_true(match(&p, "api.push.apple.com", NULL, 443) >= 0);
    assert_true(match(&p, "api.push.apple.com", NULL, 2197) >= 0);
    assert_int_equal(match(&p, "api.push.apple.com", NULL, 2195), -1);
    assert_true(match(&p, "mdmenrollment.apple.com", NULL, 443) >= 0);
    assert_true(match(&p, "vpp.itunes.apple.com", NULL, 443) >= 0);
    assert_true(match(&p, "identity.apple.com", NULL, 443) >= 0);
    assert_true(match(&p, "gdmf.apple.com", NULL, 443) >= 0);
    pp_policy_free(&p);
}

/* ----------------------------------------------------------- matching */

static void
test_last_match_wins(void **state)
{
    struct pp_policy p;
    (void)state;

    parse_ok("closed tcp 0.0.0.0/0 1-65535\n"         /* 0: default deny */
             "open tcp 10.0.0.0/24 443,5223\n"        /* 1 */
             "closed tcp 10.0.0.7 443\n"              /* 2: one host overrides */
             "tls tcp jss.corp.test 8443\n"           /* 3 */
             "closed tcp JSS.corp.test 8443\n"        /* 4: later name rule wins */
             "open tcp 10.0.0.0/16 8443\n", &p);      /* 5 */
    assert_int_equal(p.n, 6);
    assert_int_equal(p.r[0].spec.prefix, 0);
    assert_string_equal(p.r[0].spec.name, "0.0.0.0/0");
    assert_true(p.r[0].spec.count == (uint64_t)1 << 32);

    assert_int_equal(match(&p, NULL, "10.0.0.8", 443), 1);
    assert_int_equal(match(&p, NULL, "10.0.0.8", 5223), 1);
    assert_int_equal(match(&p, NULL, "10.0.0.7", 443), 2);
    assert_int_equal(match(&p, NULL, "10.0.0.7", 5223), 1);
    assert_int_equal(match(&p, NULL, "10.0.1.8", 443), 0);
    assert_int_equal(match(&p, NULL, "192.0.2.1", 22), 0);
    /* A name and an address: whichever rule is later. */
    assert_int_equal(match(&p, "jss.corp.test", "192.0.2.10", 8443), 4);
    assert_int_equal(match(&p, "jss.corp.test", "10.0.3.1", 8443), 5);
    assert_int_equal(match(&p, "jss.corp.test", NULL, 8443), 4);
    assert_int_equal(match(&p, "jss.corp.test", NULL, 443), -1);
    assert_int_equal(match(&p, "other.corp.test", NULL, 8443), -1);
    /* IPv6 never matches an IPv4 block, but a mapped address does. */
    assert_int_equal(match(&p, NULL, "2001:db8::1", 22), -1);
    assert_int_equal(match(&p, NULL, "::ffff:10.0.0.7", 443), 2);
    assert_int_equal(pp_policy_match(&p, NULL, NULL, 443), -1);
    assert_int_equal(pp_policy_match(NULL, "jss.corp.test", NULL, 443), -1);
    pp_policy_free(&p);

    /* Order reversed: the broad rule, written last, wins everywhere. */
    parse_ok("open tcp 10.0.0.7 443\nclosed tcp 10.0.0.0/8 443\n", &p);
    assert_int_equal(match(&p, NULL, "10.0.0.7", 443), 1);
    pp_policy_free(&p);
}

static void
test_names(void **state)
{
    struct pp_policy p;
    (void)state;

    parse_ok("open tcp Files.Corp.Test 445\nclosed tcp sus.corp.test. 8088\n", &p);
    assert_int_equal(match(&p, "files.corp.test", NULL, 445), 0);
    assert_int_equal(match(&p, "FILES.CORP.TEST", NULL, 445), 0);
    assert_int_equal(match(&p, "files.corp.test.", NULL, 445), 0);
    assert_int_equal(match(&p, "sus.corp.test", NULL, 8088), 1);
    assert_int_equal(match(&p, "sus.corp.test.", NULL, 8088), 1);
    /* No suffix or prefix matches. */
    assert_int_equal(match(&p, "x.files.corp.test", NULL, 445), -1);
    assert_int_equal(match(&p, "files.corp", NULL, 445), -1);
    assert_int_equal(match(&p, "files.corp.test..", NULL, 445), -1);
    assert_int_equal(match(&p, "", NULL, 445), -1);
    assert_int_equal(match(&p, ".", NULL, 445), -1);
    /* A name rule ignores the address, an address rule the name. */
    assert_int_equal(match(&p, NULL, "192.0.2.1", 445), -1);
    pp_policy_free(&p);

    parse_ok("open tcp 192.0.2.1 443\n", &p);
    assert_int_equal(match(&p, "192.0.2.1", NULL, 443), -1);
    assert_int_equal(match(&p, "anything.test", "192.0.2.1", 443), 0);
    pp_policy_free(&p);
}

static void
test_ipv6(void **state)
{
    struct pp_policy p;
    (void)state;

    parse_ok("closed tcp ::/0 1-65535\n"
             "open tcp 2001:db8::/32 443\n"
             "tls tcp [2001:DB8::10] 443\n"
             "closed tcp 2001:db8:0:1::/64 443\n"
             "open tcp 2620:149:a44::1/48 5223\n", &p);
    assert_int_equal(p.n, 5);
    assert_string_equal(p.r[0].spec.name, "::/0");
    assert_true(p.r[0].spec.count == UINT64_MAX);
    assert_string_equal(p.r[1].spec.name, "2001:db8::/32");
    assert_int_equal(p.r[1].spec.prefix, 32);
    assert_int_equal(p.r[2].spec.kind, PP_TS_ADDR);
    assert_string_equal(p.r[2].spec.name, "2001:db8::10");
    assert_string_equal(p.r[3].spec.name, "2001:db8:0:1::/64");
    assert_true(p.r[3].spec.count == UINT64_MAX);
    /* Host bits are cleared, as in targets.h. */
    assert_string_equal(p.r[4].spec.name, "2620:149:a44::/48");

    assert_int_equal(match(&p, NULL, "2001:db8::10", 443), 2);
    assert_int_equal(match(&p, NULL, "2001:db8::11", 443), 1);
    assert_int_equal(match(&p, NULL, "2001:db8:0:1::10", 443), 3);
    assert_int_equal(match(&p, NULL, "2001:db8:0:2::10", 443), 1);
    assert_int_equal(match(&p, NULL, "2001:db9::1", 443), 0);
    assert_int_equal(match(&p, NULL, "2620:149:a44:ffff::1", 5223), 4);
    assert_int_equal(match(&p, NULL, "2620:149:a45::1", 5223), 0);
    /* An IPv4 address never matches an IPv6 block. */
    assert_int_equal(match(&p, NULL, "192.0.2.1", 443), -1);
    pp_policy_free(&p);

    /* Wide IPv4 blocks are fine in rules; host bits are cleared. */
    parse_ok("open tcp 17.57.144.9/4 5223\n", &p);
    assert_string_equal(p.r[0].spec.name, "16.0.0.0/4");
    assert_true(p.r[0].spec.count == (uint64_t)1 << 28);
    assert_int_equal(match(&p, NULL, "31.255.255.255", 5223), 0);
    assert_int_equal(match(&p, NULL, "32.0.0.0", 5223), -1);
    pp_policy_free(&p);
}

static void
test_expect_name(void **state)
{
    (void)state;
    assert_string_equal(pp_expect_name(PP_EXPECT_OPEN), "open");
    assert_string_equal(pp_expect_name(PP_EXPECT_CLOSED), "closed");
    assert_string_equal(pp_expect_name(PP_EXPECT_TLS), "tls");
    assert_string_equal(pp_expect_name((enum pp_expect)42), "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_comment_needs_blank),
        cmocka_unit_test(test_bad_words),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_err_buffer),
        cmocka_unit_test(test_include),
        cmocka_unit_test(test_builtin_sets),
        cmocka_unit_test(test_builtin_facts),
        cmocka_unit_test(test_last_match_wins),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_expect_name),
        cmocka_unit_test(test_index_same_as_scan),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
