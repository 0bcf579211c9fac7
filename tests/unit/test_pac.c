/* SPDX-License-Identifier: ISC */
/* PAC files (src/plan/pac.h): the answer parser and the route it gives,
 * the query URLs, and scripts run in the child: real company patterns
 * (Apple's hosts to a proxy, the rest direct; isInNet on literals and on
 * the caller's table; shExpMatch; the date functions on a fixed clock)
 * and hostile ones (a syntax error, an endless loop, a throw, a huge
 * answer, a memory hog), each ending with a classified error in time. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/util.h"
#include "plan/pac.h"
#include "plan/proxy.h"

/* ------------------------------------------------------------ answers */

static const struct {
    const char *answer;
    int rc;                 /* 0 parsed, -1 refused */
    size_t n;
    enum pp_pac_route route;
    const char *url;        /* the first usable proxy, or NULL */
} answers[] = {
    {"DIRECT", 0, 1, PP_PAC_ROUTE_DIRECT, NULL},
    {"", 0, 1, PP_PAC_ROUTE_DIRECT, NULL},
    {"  ;  ", 0, 1, PP_PAC_ROUTE_DIRECT, NULL},
    {"PROXY proxy.corp.example:3128", 0, 1, PP_PAC_ROUTE_PROXY, "http://proxy.corp.example:3128"},
    {"PROXY 10.0.0.1:8080; DIRECT", 0, 2, PP_PAC_ROUTE_PROXY, "http://10.0.0.1:8080"},
    {"proxy a.example:80 ;direct", 0, 2, PP_PAC_ROUTE_PROXY, "http://a.example:80"},
    {"HTTPS secure.example:443", 0, 1, PP_PAC_ROUTE_NONE, NULL},
    {"HTTPS secure.example:443; PROXY p.example:3128", 0, 2, PP_PAC_ROUTE_PROXY,
     "http://p.example:3128"},
    {"HTTP web.example:8080", 0, 1, PP_PAC_ROUTE_PROXY, "http://web.example:8080"},
    {"SOCKS s.example:1080; PROXY p.example:3128", 0, 2, PP_PAC_ROUTE_PROXY,
     "http://p.example:3128"},
    {"SOCKS5 s.example:1080", 0, 1, PP_PAC_ROUTE_NONE, NULL},
    {"SOCKS4 s.example:1080; SOCKS s2.example:1080", 0, 2, PP_PAC_ROUTE_NONE, NULL},
    {"DIRECT; PROXY p.example:3128", 0, 2, PP_PAC_ROUTE_DIRECT, NULL},
    {"PROXY [2001:db8::1]:3128", 0, 1, PP_PAC_ROUTE_PROXY, "http://[2001:db8::1]:3128"},
    {"\tPROXY  p.example:3128 ;\n", 0, 1, PP_PAC_ROUTE_PROXY, "http://p.example:3128"},
    {"PROXY", -1, 0, 0, NULL},
    {"PROXY p.example", -1, 0, 0, NULL},
    {"PROXY p.example:0", -1, 0, 0, NULL},
    {"PROXY p.example:99999", -1, 0, 0, NULL},
    {"PROXY p.example:3128 extra", -1, 0, 0, NULL},
    {"DIRECT p.example:3128", -1, 0, 0, NULL},
    {"FTP p.example:21", -1, 0, 0, NULL},
    {"PROXY bad_host!:80", -1, 0, 0, NULL},
    {"direct-ish", -1, 0, 0, NULL},
};

static void
test_answers(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        struct pp_pac_answer a;
        char err[200] = "", *url;
        int rc = pp_pac_parse_answer(answers[i].answer, strlen(answers[i].answer), &a, err,
                                     sizeof(err));

        if (rc != answers[i].rc)
            fail_msg("'%s': rc %d (%s)", answers[i].answer, rc, err);
        if (rc < 0) {
            assert_true(err[0] != '\0');
            assert_int_equal(a.n, 0);
            continue;
        }
        assert_int_equal(a.n, answers[i].n);
        assert_int_equal(pp_pac_first_usable(&a, &url), answers[i].route);
        if (answers[i].url == NULL)
            assert_null(url);
        else
            assert_string_equal(url, answers[i].url);
        free(url);
        pp_pac_answer_free(&a);
    }
}

static void
test_answer_limits(void **state)
{
    struct pp_pac_answer a;
    char err[200], *s = pp_xmalloc(40 * 24 + 1);
    size_t k;

    (void)state;
    s[0] = '\0';
    for (k = 0; k < PP_PAC_ENTRIES_MAX + 1; k++)
        strncat(s, "PROXY p.example:3128;", 40 * 24 - strlen(s));
    assert_int_equal(pp_pac_parse_answer(s, strlen(s), &a, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "more than"));
    assert_int_equal(pp_pac_parse_answer("DIRECT\0x", 8, &a, err, sizeof(err)), -1);
    assert_int_equal(pp_pac_parse_answer(NULL, 5, &a, err, sizeof(err)), 0);
    assert_int_equal(a.v[0].kind, PP_PAC_DIRECT);
    pp_pac_answer_free(&a);
    free(s);
}

static void
test_query_url(void **state)
{
    static const struct {
        const char *scheme, *host;
        uint16_t port;
        const char *path, *url;
    } v[] = {
        {"https", "gdmf.apple.com", 443, "/v2/pmv", "https://gdmf.apple.com/"},
        {"https", "1-courier.push.apple.com", 5223, NULL, "https://1-courier.push.apple.com:5223/"},
        {"http", "sus.corp.example", 8088, "/index.sucatalog",
         "http://sus.corp.example:8088/index.sucatalog"},
        {"http", "captive.apple.com", 80, "/hotspot-detect.html",
         "http://captive.apple.com/hotspot-detect.html"},
        {"https", "2620:149::1", 443, NULL, "https://[2620:149::1]/"},
        {"http", "x.example", 0, "relative", "http://x.example/"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *u = pp_pac_query_url(v[i].scheme, v[i].host, v[i].port, v[i].path);
        assert_string_equal(u, v[i].url);
        free(u);
    }
}

/* WPAD by DNS: the search domain, then its parents down to two labels. */
static void
test_wpad_urls(void **state)
{
    char *u[PP_PAC_WPAD_MAX];
    size_t n, i;

    (void)state;
    n = pp_pac_wpad_urls("office.corp.example.com", u, PP_PAC_WPAD_MAX);
    assert_int_equal(n, 3);
    assert_string_equal(u[0], "http://wpad.office.corp.example.com/wpad.dat");
    assert_string_equal(u[1], "http://wpad.corp.example.com/wpad.dat");
    assert_string_equal(u[2], "http://wpad.example.com/wpad.dat");
    for (i = 0; i < n; i++)
        free(u[i]);
    /* Never a top-level domain's wpad, never from one label. */
    assert_int_equal(pp_pac_wpad_urls("localdomain", u, PP_PAC_WPAD_MAX), 0);
    assert_int_equal(pp_pac_wpad_urls("com", u, PP_PAC_WPAD_MAX), 0);
    assert_int_equal(pp_pac_wpad_urls("", u, PP_PAC_WPAD_MAX), 0);
    assert_int_equal(pp_pac_wpad_urls("example.com.", u, PP_PAC_WPAD_MAX), 1);
    free(u[0]);
    /* At most max, however deep the domain. */
    assert_int_equal(pp_pac_wpad_urls("a.b.c.d.e.f.g.h.i.j.k.example", u, 2), 2);
    assert_string_equal(u[1], "http://wpad.b.c.d.e.f.g.h.i.j.k.example/wpad.dat");
    free(u[0]);
    free(u[1]);
}

/* ------------------------------------------------------------ scripts */

/* A company PAC as admins write them: Apple's hosts to the proxy, the
 * internal networks and plain names direct, the rest to another proxy. */
static const char company_pac[] =
    "function FindProxyForURL(url, host) {\n"
    "  if (isPlainHostName(host) || dnsDomainIs(host, '.corp.example'))\n"
    "    return 'DIRECT';\n"
    "  if (isInNet(host, '10.0.0.0', '255.0.0.0') ||\n"
    "      isInNet(host, '192.168.0.0', '255.255.0.0'))\n"
    "    return 'DIRECT';\n"
    "  if (dnsDomainIs(host, '.apple.com') || host == 'apple.com' ||\n"
    "      shExpMatch(host, '*.push.apple.com') || shExpMatch(host, '*.icloud.com'))\n"
    "    return 'PROXY 10.20.0.2:3128; DIRECT';\n"
    "  if (shExpMatch(url, 'http://*.cdn-apple.com/*'))\n"
    "    return 'PROXY 10.20.0.3:8080';\n"
    "  return 'DIRECT';\n"
    "}\n";

struct pac_case {
    const char *url, *host;
    const char *answer;     /* the expected answer, or NULL for an error */
    const char *error;      /* a word of the expected error */
};

static int
run_cases(const char *script, const struct pp_pac_env *env, const struct pac_case *c,
          size_t n, char *err, size_t errlen)
{
    struct pp_pac_query *q = pp_xcalloc(n, sizeof(*q));
    struct pp_pac_out *out = pp_xcalloc(n, sizeof(*out));
    size_t i;
    int rc;

    for (i = 0; i < n; i++) {
        q[i].url = c[i].url;
        q[i].host = c[i].host;
    }
    rc = pp_pac_eval(script, strlen(script), env, q, n, out, err, errlen);
    for (i = 0; i < n; i++) {
        if (c[i].answer != NULL) {
            if (out[i].answer == NULL)
                fail_msg("%s: no answer (%s)", c[i].host, out[i].error);
            assert_string_equal(out[i].answer, c[i].answer);
        } else {
            if (out[i].error == NULL || strstr(out[i].error, c[i].error) == NULL)
                fail_msg("%s: error '%s', expected '%s' (answer %s)", c[i].host,
                         out[i].error ? out[i].error : "(none)", c[i].error,
                         out[i].answer ? out[i].answer : "(none)");
        }
    }
    pp_pac_out_free(out, n);
    free(out);
    free(q);
    return rc;
}

static void
test_company(void **state)
{
    static const struct pp_pac_name names[] = {
        {"intranet-proxyless.example", "10.1.2.3"},
        {"www.example.org", "93.184.216.34"},
    };
    struct pp_pac_env env = {.names = names, .nnames = 2};
    static const struct pac_case c[] = {
        {"https://gdmf.apple.com/", "gdmf.apple.com", "PROXY 10.20.0.2:3128; DIRECT", NULL},
        {"https://1-courier.push.apple.com:5223/", "1-courier.push.apple.com",
         "PROXY 10.20.0.2:3128; DIRECT", NULL},
        {"https://APPLE.COM/", "apple.com", "PROXY 10.20.0.2:3128; DIRECT", NULL},
        {"https://setup.icloud.com/", "setup.icloud.com", "PROXY 10.20.0.2:3128; DIRECT", NULL},
        {"http://updates.cdn-apple.com/x.pkg", "updates.cdn-apple.com", "PROXY 10.20.0.3:8080",
         NULL},
        {"https://mdm.corp.example:8443/", "mdm.corp.example", "DIRECT", NULL},
        {"http://sus/", "sus", "DIRECT", NULL},
        {"https://10.9.8.7/", "10.9.8.7", "DIRECT", NULL},
        {"https://192.168.4.4/", "192.168.4.4", "DIRECT", NULL},
        {"https://intranet-proxyless.example/", "intranet-proxyless.example", "DIRECT", NULL},
        {"https://www.example.org/", "www.example.org", "DIRECT", NULL},
        {"https://notapple.com/", "notapple.com", "DIRECT", NULL},
    };
    char err[300] = "";

    (void)state;
    if (!pp_pac_available())
        skip();
    assert_int_equal(run_cases(company_pac, &env, c, sizeof(c) / sizeof(c[0]), err,
                               sizeof(err)), 0);
}

/* Each helper's value on the fixed clock and table of test_helpers. */
static const struct {
    const char *expr, *value;
} helper_cases[] = {
    {"isPlainHostName('www')", "true"},
    {"isPlainHostName('www.apple.com')", "false"},
    {"dnsDomainIs('www.apple.com', '.apple.com')", "true"},
    {"dnsDomainIs('www.notapple.com', '.apple.com')", "false"},
    {"localHostOrDomainIs('www', 'www.apple.com')", "true"},
    {"localHostOrDomainIs('www.apple.com', 'www.apple.com')", "true"},
    {"localHostOrDomainIs('www.apple.org', 'www.apple.com')", "false"},
    {"localHostOrDomainIs('home', 'www.apple.com')", "false"},
    {"dnsDomainLevels('www')", "0"},
    {"dnsDomainLevels('a.b.apple.com')", "3"},
    {"shExpMatch('http://x.apple.com/a', '*.apple.com/*')", "true"},
    {"shExpMatch('ab.c', 'a?.c')", "true"},
    {"shExpMatch('abxc', 'ab.c')", "false"},
    {"shExpMatch('a+b(c)', 'a+b(*)')", "true"},
    {"isInNet('10.1.2.3', '10.0.0.0', '255.0.0.0')", "true"},
    {"isInNet('11.1.2.3', '10.0.0.0', '255.0.0.0')", "false"},
    {"isInNet('17.253.1.1', '17.0.0.0', '255.0.0.0')", "true"},
    {"isInNet('resolved.example', '172.16.0.0', '255.240.0.0')", "true"},
    {"isInNet('unknown.example', '0.0.0.0', '0.0.0.0')", "false"},
    {"isInNet('10.1.2.3', 'bad', '255.0.0.0')", "false"},
    {"dnsResolve('resolved.example')", "172.16.5.9"},
    {"dnsResolve('RESOLVED.example.')", "172.16.5.9"},
    {"dnsResolve('both.example')", "198.51.100.7"},
    {"dnsResolve('v6only.example')", "null"},
    {"dnsResolve('unknown.example')", "null"},
    {"dnsResolve('203.0.113.9')", "203.0.113.9"},
    {"dnsResolveEx('both.example')", "198.51.100.7;2001:db8::6"},
    {"isResolvable('resolved.example')", "true"},
    {"isResolvable('unknown.example')", "false"},
    {"myIpAddress()", "192.0.2.44"},
    {"convert_addr('10.0.0.1')", "167772161"},
    {"convert_addr('255.255.255.255')", "4294967295"},
    {"weekdayRange('WED', 'GMT')", "true"},
    {"weekdayRange('MON', 'FRI', 'GMT')", "true"},
    {"weekdayRange('SAT', 'SUN', 'GMT')", "false"},
    {"weekdayRange('FRI', 'MON', 'GMT')", "false"},
    {"weekdayRange('XYZ')", "false"},
    {"timeRange(14, 'GMT')", "true"},
    {"timeRange(9, 17, 'GMT')", "true"},
    {"timeRange(15, 17, 'GMT')", "false"},
    {"timeRange(22, 6, 'GMT')", "false"},
    {"timeRange(14, 30, 14, 31, 'GMT')", "true"},
    {"timeRange(14, 30, 0, 14, 30, 10, 'GMT')", "false"},
    {"dateRange(2, 'GMT')", "true"},
    {"dateRange('DEC', 'GMT')", "true"},
    {"dateRange(2026, 'GMT')", "true"},
    {"dateRange(2025, 'GMT')", "false"},
    {"dateRange('NOV', 'DEC', 'GMT')", "true"},
    {"dateRange('JAN', 'MAR', 'GMT')", "false"},
    {"dateRange('NOV', 'FEB', 'GMT')", "true"},
    {"dateRange(1, 'DEC', 31, 'DEC', 'GMT')", "true"},
    {"dateRange(1, 'JAN', 2026, 1, 'DEC', 2026, 'GMT')", "false"},
    {"dateRange(1, 'JAN', 2026, 31, 'DEC', 2026, 'GMT')", "true"},
    {"dateRange(1, 2, 3, 'GMT')", "false"},
};

/* The helpers one by one, each case a script that returns its value. */
static void
test_helpers(void **state)
{
    static const struct pp_pac_name names[] = {
        {"resolved.example", "172.16.5.9"},
        {"v6only.example", "2001:db8::5"},
        {"both.example", "2001:db8::6"},
        {"both.example", "198.51.100.7"},
    };
    /* Wednesday 2026-12-02 14:30:15 UTC */
    struct pp_pac_env env = {.names = names, .nnames = 4, .my_ip = "192.0.2.44",
                             .now_ms = 1796221815000LL};
    size_t i;
    char err[300];

    (void)state;
    if (!pp_pac_available())
        skip();
    for (i = 0; i < sizeof(helper_cases) / sizeof(helper_cases[0]); i++) {
        char *script = pp_xasprintf("function FindProxyForURL(u, h) { return String(%s); }",
                                    helper_cases[i].expr);
        struct pac_case c = {"https://x.example/", "x.example", helper_cases[i].value, NULL};

        int rc = run_cases(script, &env, &c, 1, err, sizeof(err));

        free(script);
        if (rc != 0)
            fail_msg("%s: %s", helper_cases[i].expr, err);
    }
}

/* Hostile scripts: each ends in time with a classified error, and the
 * queries before the trouble keep their answers. */
static void
test_hostile(void **state)
{
    static const struct {
        const char *script, *error;
        bool first_answered;   /* the first query ran before the trouble */
    } v[] = {
        {"function FindProxyForURL(u, h) { return 'DIRECT' ", "does not compile", false},
        {"while (true) {}", "time budget", false},
        {"function FindProxyForURL(u, h) { if (h == 'b.example') for (;;) {} return 'DIRECT'; }",
         "time budget", true},
        {"throw new Error('boom');", "boom", false},
        {"var x = 1;", "no function FindProxyForURL", false},
        {"var FindProxyForURL = 42;", "no function FindProxyForURL", false},
        {"var a = []; while (true) a.push(new Array(100000).join('x'));", "", false},
    };
    static const struct pp_pac_query q[] = {
        {"https://a.example/", "a.example"},
        {"https://b.example/", "b.example"},
    };
    struct pp_pac_env env = {.timeout_ms = 500, .mem_max = 8u * 1024 * 1024};
    struct pp_pac_out out[2];
    size_t i;

    (void)state;
    if (!pp_pac_available())
        skip();
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char err[300] = "";
        int64_t t0 = pp_now_ms();
        int rc = pp_pac_eval(v[i].script, strlen(v[i].script), &env, q, 2, out, err,
                             sizeof(err));

        if (pp_now_ms() - t0 > 2000)
            fail_msg("script %zu took %lld ms", i, (long long)(pp_now_ms() - t0));
        if (rc != -1 || strstr(err, v[i].error) == NULL)
            fail_msg("script %zu: rc %d, error '%s', expected '%s'", i, rc, err, v[i].error);
        assert_true(err[0] != '\0');
        if (v[i].first_answered) {
            assert_non_null(out[0].answer);
            assert_string_equal(out[0].answer, "DIRECT");
        } else if (out[0].error == NULL) {
            /* The memory hogs may fail per query (a RangeError). */
            assert_true(i >= 6);
        }
        assert_non_null(out[1].error);
        pp_pac_out_free(out, 2);
    }
}

/* Answers that are not answers: per query errors, the rest go on. */
static void
test_bad_answers(void **state)
{
    static const char script[] =
        "function FindProxyForURL(u, h) {\n"
        "  if (h == 'throw.example') throw 'no';\n"
        "  if (h == 'num.example') return 42;\n"
        "  if (h == 'none.example') return;\n"
        "  if (h == 'huge.example') return new Array(10000).join('PROXY a:1; ');\n"
        "  return 'PROXY ok.example:3128';\n"
        "}\n";
    static const struct pac_case c[] = {
        {"https://throw.example/", "throw.example", NULL, "threw"},
        {"https://num.example/", "num.example", NULL, "not a string"},
        {"https://none.example/", "none.example", NULL, "returned nothing"},
        {"https://huge.example/", "huge.example", NULL, "over the limit"},
        {"https://fine.example/", "fine.example", "PROXY ok.example:3128", NULL},
    };
    struct pp_pac_env env = {0};
    char err[300] = "";

    (void)state;
    if (!pp_pac_available())
        skip();
    assert_int_equal(run_cases(script, &env, c, sizeof(c) / sizeof(c[0]), err, sizeof(err)),
                     0);
}

/* Memory eaten inside FindProxyForURL: each query fails on the cap (a
 * RangeError the engine throws), the run itself ends well. */
static void
test_memory_per_query(void **state)
{
    static const char script[] =
        "function FindProxyForURL(u, h) { var s = 'x'; while (true) s = s + s; }";
    static const struct pac_case c[] = {
        {"https://a.example/", "a.example", NULL, "threw"},
        {"https://b.example/", "b.example", NULL, "threw"},
    };
    struct pp_pac_env env = {.mem_max = 4u * 1024 * 1024};
    char err[300] = "";

    (void)state;
    if (!pp_pac_available())
        skip();
    assert_int_equal(run_cases(script, &env, c, 2, err, sizeof(err)), 0);
}

static void
test_script_cap(void **state)
{
    struct pp_pac_env env = {0};
    struct pp_pac_query q = {"https://a.example/", "a.example"};
    struct pp_pac_out out;
    char err[300] = "", *big = pp_xcalloc(PP_PAC_SCRIPT_MAX + 2, 1);

    (void)state;
    memset(big, ' ', PP_PAC_SCRIPT_MAX + 1);
    assert_int_equal(pp_pac_eval(big, PP_PAC_SCRIPT_MAX + 1, &env, &q, 1, &out, err,
                                 sizeof(err)), -1);
    assert_true(strstr(err, "over the limit") != NULL || strstr(err, "without PAC") != NULL);
    assert_non_null(out.error);
    pp_pac_out_free(&out, 1);
    free(big);
}

/* The selection point: --no-proxy and --proxy over the PAC, the PAC over
 * the environment (and its no_proxy), a failed query or an unusable answer
 * direct, a check the PAC was not asked about and a PAC that failed as a
 * whole the environment's. */
static void
test_select(void **state)
{
    static const struct {
        const char *host;
        uint16_t port;
        const char *answer, *error;
    } rows[] = {
        {"gdmf.apple.com", 443, "PROXY pac-proxy.example:3128; DIRECT", NULL},
        {"mdm.corp.example", 8443, "DIRECT", NULL},
        {"socks.example", 443, "SOCKS5 s.example:1080", NULL},
        {"broken.example", 443, NULL, "FindProxyForURL threw: x"},
        {"nonsense.example", 443, "PROXY", NULL},
    };
    static const struct {
        enum pp_proxy_mode mode;
        const char *host;
        uint16_t port;
        const char *via, *why;    /* via NULL: direct */
    } v[] = {
        {PP_PROXY_AUTO, "gdmf.apple.com", 443, "http://pac-proxy.example:3128", "pac"},
        {PP_PROXY_AUTO, "mdm.corp.example", 8443, NULL, "pac"},
        {PP_PROXY_AUTO, "socks.example", 443, NULL, "pac"},
        {PP_PROXY_AUTO, "broken.example", 443, NULL, "pac"},
        {PP_PROXY_AUTO, "nonsense.example", 443, NULL, "pac"},
        {PP_PROXY_AUTO, "gdmf.apple.com", 8443, "http://env-proxy.example:8080", "https_proxy"},
        {PP_PROXY_AUTO, "other.example", 443, "http://env-proxy.example:8080", "https_proxy"},
        {PP_PROXY_AUTO, "x.noproxy.example", 443, NULL, "no_proxy"},
        {PP_PROXY_OFF, "gdmf.apple.com", 443, NULL, "--no-proxy"},
        {PP_PROXY_FORCED, "mdm.corp.example", 8443, "http://forced.example:3128", "--proxy"},
    };
    struct pp_pac_table t;
    struct pp_pac_out out[5];
    struct pp_proxy_conf c;
    char err[200];
    size_t i;

    (void)state;
    memset(&t, 0, sizeof(t));
    for (i = 0; i < 5; i++) {
        pp_pac_table_add(&t, "https", rows[i].host, rows[i].port, NULL, true);
        out[i].answer = rows[i].answer ? pp_xstrdup(rows[i].answer) : NULL;
        out[i].error = rows[i].error ? pp_xstrdup(rows[i].error) : NULL;
    }
    t.status = "ok";
    pp_pac_table_settle(&t, out);
    assert_non_null(t.v[4].error);   /* "PROXY" alone does not parse */
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        const struct pp_via *via;
        const char *why = NULL;

        pp_proxy_conf_init(&c);
        pp_proxy_conf_add(&c, "https_proxy", "http://env-proxy.example:8080");
        pp_proxy_conf_add(&c, "no_proxy", ".noproxy.example");
        c.mode = v[i].mode;
        if (c.mode == PP_PROXY_FORCED)
            assert_int_equal(pp_via_parse("http://forced.example:3128", false, &c.forced, err,
                                          sizeof(err)), 0);
        c.pac = pp_pac_table_answer;
        c.pac_ctx = &t;
        via = pp_proxy_select(&c, "https", v[i].host, v[i].port, &why);
        if ((via == NULL) != (v[i].via == NULL) ||
            (via != NULL && strcmp(via->url, v[i].via) != 0) || strcmp(why, v[i].why) != 0)
            fail_msg("%s:%u: via %s (%s), expected %s (%s)", v[i].host, (unsigned)v[i].port,
                     via ? via->url : "direct", why, v[i].via ? v[i].via : "direct", v[i].why);
        pp_proxy_conf_free(&c);
    }
    /* A PAC that could not be fetched or run has no answer: the
     * environment decides. */
    t.status = "pac-unreachable";
    pp_proxy_conf_init(&c);
    pp_proxy_conf_add(&c, "https_proxy", "http://env-proxy.example:8080");
    c.pac = pp_pac_table_answer;
    c.pac_ctx = &t;
    {
        const char *why = NULL;
        const struct pp_via *via = pp_proxy_select(&c, "https", "gdmf.apple.com", 443, &why);

        assert_non_null(via);
        assert_string_equal(via->url, "http://env-proxy.example:8080");
        assert_string_equal(why, "https_proxy");
    }
    pp_proxy_conf_free(&c);
    t.status = NULL;
    pp_pac_table_free(&t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_answer_limits),
        cmocka_unit_test(test_query_url),
        cmocka_unit_test(test_wpad_urls),
        cmocka_unit_test(test_company),
        cmocka_unit_test(test_helpers),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_bad_answers),
        cmocka_unit_test(test_memory_per_query),
        cmocka_unit_test(test_script_cap),
        cmocka_unit_test(test_select),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
