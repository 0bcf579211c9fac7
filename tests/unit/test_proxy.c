/* SPDX-License-Identifier: ISC */
/* HTTP proxies (src/plan/proxy.h): proxy URLs, curl's no_proxy rules, the
 * selection point and the plan's proxied copies.  Table-driven. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "plan/proxy.h"

/* ------------------------------------------------------------ URLs */

static const struct {
    const char *in;
    bool bare_ok;
    const char *url;   /* NULL: refused */
    const char *host;
    unsigned port;
    const char *auth;  /* base64, or NULL */
    const char *err;   /* a word of the refusal */
} urls[] = {
    {"http://proxy.corp:3128", false, "http://proxy.corp:3128", "proxy.corp", 3128, NULL, NULL},
    {"HTTP://10.0.0.1:8080/", false, "http://10.0.0.1:8080", "10.0.0.1", 8080, NULL, NULL},
    {"http://proxy.corp", false, "http://proxy.corp:1080", "proxy.corp", 1080, NULL, NULL},
    {"http://[fd00::1]:3128", false, "http://[fd00::1]:3128", "fd00::1", 3128, NULL, NULL},
    /* "Aladdin:open sesame" is RFC 7617's example. */
    {"http://Aladdin:open%20sesame@p:3128", false, "http://Aladdin:***@p:3128", "p", 3128,
     "QWxhZGRpbjpvcGVuIHNlc2FtZQ==", NULL},
    {"http://user@p:1", false, "http://user@p:1", "p", 1, "dXNlcjo=", NULL},
    {"http://u:p@ss@p:3128", false, "http://u:***@p:3128", "p", 3128, "dTpwQHNz", NULL},
    {"proxy.corp:3128", true, "http://proxy.corp:3128", "proxy.corp", 3128, NULL, NULL},
    {"proxy.corp:3128", false, NULL, NULL, 0, NULL, "not a proxy URL"},
    {"https://p:3128", false, NULL, NULL, 0, NULL, "'https' is not supported"},
    {"socks5://p:1080", true, NULL, NULL, 0, NULL, "'socks5' is not supported"},
    {"http://p:3128/pac", false, NULL, NULL, 0, NULL, "no path"},
    {"http://p:99999", false, NULL, NULL, 0, NULL, NULL},
    {"http://:3128", false, NULL, NULL, 0, NULL, NULL},
    {"http://u:%zz@p:1", false, NULL, NULL, 0, NULL, "password"},
    {"http://u:%00@p:1", false, NULL, NULL, 0, NULL, "password"},
    {"http://bad host:1", false, NULL, NULL, 0, NULL, NULL},
    {"", false, NULL, NULL, 0, NULL, "empty"},
};

static void
test_via_parse(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
        struct pp_via *v = NULL, *d;
        char err[256] = "";
        int rc = pp_via_parse(urls[i].in, urls[i].bare_ok, &v, err, sizeof(err));

        if (urls[i].url == NULL) {
            if (rc != -1 || v != NULL)
                fail_msg("'%s' accepted", urls[i].in);
            assert_true(err[0] != '\0');
            if (urls[i].err != NULL && strstr(err, urls[i].err) == NULL)
                fail_msg("'%s': '%s' does not say '%s'", urls[i].in, err, urls[i].err);
            continue;
        }
        if (rc != 0)
            fail_msg("'%s' refused: %s", urls[i].in, err);
        assert_string_equal(v->url, urls[i].url);
        assert_string_equal(v->host, urls[i].host);
        assert_int_equal(v->port, urls[i].port);
        if (urls[i].auth == NULL)
            assert_null(v->auth);
        else
            assert_string_equal(v->auth, urls[i].auth);
        d = pp_via_dup(v);
        assert_string_equal(d->url, v->url);
        pp_via_free(d);
        pp_via_free(v);
    }
    pp_via_free(NULL);
}

/* -------------------------------------------------------- no_proxy */

static const struct {
    const char *list;
    const char *host;
    bool match;
} rules[] = {
    {"*", "courier.push.apple.com", true},
    {"*", "10.0.0.1", true},
    {" * ", "x", true},
    {"apple.com", "apple.com", true},
    {"apple.com", "courier.push.apple.com", true},
    {".apple.com", "apple.com", true},
    {".apple.com", "courier.push.apple.com", true},
    {"*.apple.com", "courier.push.apple.com", true},
    {"apple.com", "notapple.com", false},
    {".apple.com", "apple.com.evil", false},
    {"push.apple.com", "apple.com", false},
    {"APPLE.COM", "Courier.Push.Apple.Com.", true},
    {"apple.com.", "x.apple.com", true},
    {"example.org, apple.com", "gdmf.apple.com", true},
    {"example.org,,apple.com", "gdmf.apple.com", true},
    {"example.org", "gdmf.apple.com", false},
    {"localhost,127.0.0.1,::1", "::1", true},
    {"localhost,127.0.0.1,::1", "[::1]", true},
    {"[::1]", "::1", true},
    {"127.0.0.1", "127.0.0.2", false},
    {"10.0.0.0/8", "10.20.30.40", true},
    {"10.0.0.0/8", "11.0.0.1", false},
    {"169.254/16", "169.254.1.2", true},
    {"17.0.0.0/8", "17.253.1.1", true},
    {"10.0.0.0/33", "10.0.0.1", false},
    {"10.0.0.0/", "10.0.0.1", false},
    {"10.0.0.0/8", "ten.example", false},
    {"10.0.0.1", "10.0.0.1.example", false},
    {"2620:149::/32", "2620:149:a:1::5", true},
    {"2620:149::/32", "2620:14a::5", false},
    {"fd00::/7", "fdff::1", true},
    {"fd00::/8", "10.0.0.1", false},
    {"10.0.0.0/8", "::ffff:10.0.0.1", false},
    {"", "apple.com", false},
    {NULL, "apple.com", false},
    {"apple.com", "", false},
};

static void
test_no_proxy(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
        if (pp_no_proxy_match(rules[i].list, rules[i].host) != rules[i].match)
            fail_msg("no_proxy '%s' and host '%s': want %s", rules[i].list ? rules[i].list
                     : "(null)", rules[i].host, rules[i].match ? "a match" : "none");
}

/* ------------------------------------------------------- selection */

static const struct {
    const char *env[6];     /* NAME, value pairs */
    const char *forced;     /* --proxy, or NULL */
    enum pp_proxy_mode mode;
    const char *scheme, *host;
    const char *want;       /* the proxy URL, or NULL for direct */
    const char *why;
} picks[] = {
    {{"https_proxy", "http://p1:3128"}, NULL, PP_PROXY_AUTO, "https", "a.apple.com",
     "http://p1:3128", "https_proxy"},
    {{"https_proxy", "http://p1:3128"}, NULL, PP_PROXY_AUTO, "http", "a.apple.com", NULL,
     "none"},
    {{"http_proxy", "p2:8080"}, NULL, PP_PROXY_AUTO, "http", "dp.corp", "http://p2:8080",
     "http_proxy"},
    {{"all_proxy", "http://p3:1"}, NULL, PP_PROXY_AUTO, "https", "x", "http://p3:1",
     "all_proxy"},
    {{"https_proxy", "http://p1:3128", "HTTPS_PROXY", "http://p9:1"}, NULL, PP_PROXY_AUTO,
     "https", "x", "http://p1:3128", "https_proxy"},
    {{"https_proxy", "http://p1:3128", "no_proxy", ".apple.com"}, NULL, PP_PROXY_AUTO,
     "https", "gdmf.apple.com", NULL, "no_proxy"},
    {{"system_https_proxy", "10.1.1.1:3128", "system_no_proxy", "*.local, 169.254/16"}, NULL,
     PP_PROXY_AUTO, "https", "gdmf.apple.com", "http://10.1.1.1:3128", "system_https_proxy"},
    {{"system_https_proxy", "10.1.1.1:3128", "system_no_proxy", "*.local"}, NULL,
     PP_PROXY_AUTO, "https", "mdm.local", NULL, "no_proxy"},
    {{"https_proxy", "socks5://p:1080"}, NULL, PP_PROXY_AUTO, "https", "x", NULL, "none"},
    {{"https_proxy", "socks5://p:1080", "all_proxy", "http://p3:1"}, NULL, PP_PROXY_AUTO,
     "https", "x", "http://p3:1", "all_proxy"},
    {{"https_proxy", "http://p1:3128", "no_proxy", "*"}, "http://f:3128", PP_PROXY_FORCED,
     "https", "x", "http://f:3128", "--proxy"},
    {{"https_proxy", "http://p1:3128"}, NULL, PP_PROXY_OFF, "https", "x", NULL, "--no-proxy"},
    {{"system_socks_proxy", "p:1080", "system_pac_url", "http://w/p.pac"}, NULL,
     PP_PROXY_AUTO, "https", "x", NULL, "none"},
};

static void
test_select(void **state)
{
    size_t i, k;

    (void)state;
    for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++) {
        struct pp_proxy_conf c;
        const struct pp_via *v;
        const char *why = NULL;
        char err[256];

        pp_proxy_conf_init(&c);
        for (k = 0; k + 1 < 6 && picks[i].env[k] != NULL; k += 2)
            pp_proxy_conf_add(&c, picks[i].env[k], picks[i].env[k + 1]);
        c.mode = picks[i].mode;
        if (picks[i].forced != NULL)
            assert_int_equal(pp_via_parse(picks[i].forced, false, &c.forced, err,
                                          sizeof(err)), 0);
        v = pp_proxy_select(&c, picks[i].scheme, picks[i].host, 443, &why);
        if ((v == NULL) != (picks[i].want == NULL) ||
            (v != NULL && strcmp(v->url, picks[i].want) != 0))
            fail_msg("case %zu: got %s, want %s", i, v ? v->url : "direct",
                     picks[i].want ? picks[i].want : "direct");
        assert_string_equal(why, picks[i].why);
        if (strstr(picks[i].env[1], "socks5") != NULL)
            assert_non_null(strstr(c.warning, "socks5"));
        pp_proxy_conf_free(&c);
    }
}

/* A PAC evaluator plugged in: Apple's hosts to its proxy, the rest
 * DIRECT, no answer for "unknown.test" (then the environment decides). */
struct fake_pac {
    struct pp_via *proxy;
    char last_url[128];
};

static int
fake_pac(void *ctx, const char *url, const char *host, const struct pp_via **via)
{
    struct fake_pac *p = ctx;

    snprintf(p->last_url, sizeof(p->last_url), "%s", url);
    if (strcmp(host, "unknown.test") == 0)
        return 0;
    *via = pp_no_proxy_match("apple.com", host) ? p->proxy : NULL;
    return 1;
}

static void
test_select_pac(void **state)
{
    struct pp_proxy_conf c;
    struct fake_pac p;
    const char *why;
    char err[128];

    (void)state;
    pp_proxy_conf_init(&c);
    memset(&p, 0, sizeof(p));
    assert_int_equal(pp_via_parse("http://pac-proxy:8080", false, &p.proxy, err,
                                  sizeof(err)), 0);
    pp_proxy_conf_add(&c, "https_proxy", "http://env:3128");
    pp_proxy_conf_add(&c, "no_proxy", "*");
    c.pac = fake_pac;
    c.pac_ctx = &p;
    assert_ptr_equal(pp_proxy_select(&c, "https", "courier.push.apple.com", 443, &why),
                     p.proxy);
    assert_string_equal(why, "pac");
    assert_string_equal(p.last_url, "https://courier.push.apple.com:443/");
    assert_null(pp_proxy_select(&c, "http", "2001:db8::1", 8088, &why));
    assert_string_equal(why, "pac");
    assert_string_equal(p.last_url, "http://[2001:db8::1]:8088/");
    /* No answer: the environment's rules (here no_proxy "*"). */
    assert_null(pp_proxy_select(&c, "https", "unknown.test", 443, &why));
    assert_string_equal(why, "no_proxy");
    /* --proxy and --no-proxy come before a PAC file. */
    c.mode = PP_PROXY_OFF;
    assert_null(pp_proxy_select(&c, "https", "courier.push.apple.com", 443, &why));
    assert_string_equal(why, "--no-proxy");
    pp_via_free(p.proxy);
    pp_proxy_conf_free(&c);
}

/* ------------------------------------------------------- the plan */

static void
test_plan_proxied(void **state)
{
    struct pp_plan p;
    struct pp_proxy_conf c;
    char err[256];
    size_t i, n0, via = 0, via5223 = 0, added;

    (void)state;
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    assert_int_equal(pp_plan_add_dp(&p, "http://dp.corp/pkgs", err, sizeof(err)), 0);
    n0 = p.n;
    pp_proxy_conf_init(&c);
    c.mode = PP_PROXY_FORCED;
    assert_int_equal(pp_via_parse("http://u:pw@proxy.corp:3128", false, &c.forced, err,
                                  sizeof(err)), 0);
    added = pp_plan_add_proxied(&p, &c);
    assert_int_equal(p.n, n0 + added);
    for (i = 0; i < p.n; i++) {
        const struct pp_target *t = p.t[i];

        if (t->via == NULL)
            continue;
        via++;
        assert_string_equal(t->via->url, "http://u:***@proxy.corp:3128");
        /* Right after its direct twin. */
        assert_true(i > 0);
        assert_null(p.t[i - 1]->via);
        assert_string_equal(p.t[i - 1]->host, t->host);
        assert_int_equal(p.t[i - 1]->port, t->port);
        assert_true(t->service != PP_SV_APNS_PROVIDER && t->service != PP_SV_TIME &&
                    t->service != PP_SV_APNS_LEGACY && t->service != PP_SV_CAPTIVE);
        if (t->port == 5223)
            via5223++;
        if (strcmp(t->host, "dp.corp") == 0)
            assert_int_equal(t->port, 80);   /* plain HTTP: absolute-URI requests */
        if (strcmp(t->host, "ocsp.apple.com") == 0)
            fail_msg("a plain TCP check of port 80 went through the proxy");
    }
    assert_int_equal(via, added);
    assert_int_equal(via5223, 1);
    assert_true(via >= 10);
    pp_proxy_conf_free(&c);
    pp_plan_free(&p);

    /* No proxy: the plan stays as it was. */
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    n0 = p.n;
    pp_proxy_conf_init(&c);
    assert_int_equal(pp_plan_add_proxied(&p, &c), 0);
    assert_int_equal(p.n, n0);
    pp_plan_free(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_via_parse),
        cmocka_unit_test(test_no_proxy),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_select_pac),
        cmocka_unit_test(test_plan_proxied),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
