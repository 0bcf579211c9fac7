/* SPDX-License-Identifier: ISC */
/* The plan (src/plan/plan.h): the built-in Apple profile and the builders for
 * the user's systems, with their defaults, errors and duplicate merging.
 * Everything is freed: debug builds run under ASan, so leaks fail. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "plan/targets.h"
#include "probes/probe.h"
#include "core/url.h"

typedef int (*adder)(struct pp_plan *, const char *, char *, size_t);

static const struct pp_target *
find(const struct pp_plan *p, const char *host, uint16_t port,
     const char *probe)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];
        if (strcmp(t->host, host) == 0 && t->port == port &&
            (probe == NULL || strcmp(t->probe->name, probe) == 0))
            return t;
    }
    return NULL;
}

static size_t
count_host(const struct pp_plan *p, const char *host)
{
    size_t i, n = 0;

    for (i = 0; i < p->n; i++)
        n += strcmp(p->t[i]->host, host) == 0;
    return n;
}

/* Add arg to a fresh plan; expect exactly one target and return it in
 * *out (the plan stays alive for inspection). */
static const struct pp_target *
add_one(struct pp_plan *p, adder add, const char *arg)
{
    char err[256] = "";

    pp_plan_init(p);
    if (add(p, arg, err, sizeof(err)) != 0)
        fail_msg("adding '%s' failed: %s", arg, err);
    assert_int_equal(p->n, 1);
    assert_non_null(p->t[0]->host);
    assert_non_null(p->t[0]->probe);
    return p->t[0];
}

/* arg must be refused with a sentence (containing want if not NULL), and
 * leave the plan empty. */
static void
add_bad(adder add, const char *arg, const char *want)
{
    struct pp_plan p;
    char err[256] = "";
    int rc;

    pp_plan_init(&p);
    rc = add(&p, arg, err, sizeof(err));
    if (rc == 0) {
        char msg[256];
        snprintf(msg, sizeof(msg), "'%s' accepted as %s:%u", arg,
                 p.n ? p.t[0]->host : "?", p.n ? p.t[0]->port : 0);
        pp_plan_free(&p);
        fail_msg("%s", msg);
    }
    assert_int_equal(rc, -1);
    assert_int_equal(p.n, 0);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL) {
        pp_plan_free(&p);
        fail_msg("error for '%s' is '%s', want it to mention '%s'", arg, err, want);
    }
    pp_plan_free(&p);
}

/* --------------------------------------------------------- profile */

static void
test_profile_apple(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;
    size_t i;

    (void)state;
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    assert_true(p.n >= 10);

    t = find(&p, "courier.push.apple.com", 5223, "courier");
    assert_non_null(t);
    assert_true(t->required);
    assert_int_equal(t->service, PP_SV_APNS_DEVICE);
    assert_true(t->probe == &pp_probe_courier);
    assert_true(t->tls);
    assert_string_equal(t->alpn, "apns-security-v3");
    assert_int_equal(t->trust, PP_TRUST_APPLE_COURIER);
    assert_string_equal(t->sni, "courier.push.apple.com");
    assert_non_null(t->note);

    t = find(&p, "courier.push.apple.com", 443, "courier");
    assert_non_null(t);
    assert_true(t->required);
    assert_string_equal(t->alpn, "apns-security-v3");
    assert_int_equal(t->trust, PP_TRUST_APPLE_COURIER);
    assert_string_equal(t->sni, "courier.push.apple.com");

    /* Numbered courier hosts still send the courier SNI. */
    for (i = 0; i < p.n; i++) {
        const struct pp_target *c = p.t[i];
        if (strstr(c->host, "courier.push.apple.com") != NULL) {
            assert_string_equal(c->sni, "courier.push.apple.com");
            assert_int_equal(c->trust, PP_TRUST_APPLE_COURIER);
            assert_string_equal(c->probe->name, "courier");
        }
    }

    t = find(&p, "api.push.apple.com", 443, "apns");
    assert_non_null(t);
    assert_string_equal(t->alpn, "h2");
    assert_int_equal(t->service, PP_SV_APNS_PROVIDER);
    t = find(&p, "api.push.apple.com", 2197, "apns");
    assert_non_null(t);
    assert_string_equal(t->alpn, "h2");

    t = find(&p, "gateway.push.apple.com", 2195, NULL);
    assert_non_null(t);
    assert_false(t->required);
    t = find(&p, "feedback.push.apple.com", 2196, NULL);
    assert_non_null(t);
    assert_false(t->required);

    /* The profile ships names only, never addresses, and every name is
     * valid; every target has a probe and a port. */
    for (i = 0; i < p.n; i++) {
        const struct pp_target *x = p.t[i];
        if (pp_host_literal(x->host) != 0)
            fail_msg("profile target '%s' is an IP literal", x->host);
        assert_true(pp_host_valid(x->host));
        assert_non_null(x->probe);
        assert_true(x->port > 0);
        assert_true(x->service < PP_SV__COUNT);
        assert_true(x->trust < PP_TRUST__COUNT);
        if (x->sni != NULL)
            assert_int_equal(pp_host_literal(x->sni), 0);
    }
    pp_plan_free(&p);
    assert_int_equal(p.n, 0);
    assert_null(p.t);
}

/* Loading the profile twice adds nothing: rows merge as duplicates. */
static void
test_profile_twice(void **state)
{
    struct pp_plan p;
    size_t n;

    (void)state;
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    n = p.n;
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    assert_int_equal(p.n, n);
    pp_plan_free(&p);
}

static void
test_profile_unknown(void **state)
{
    struct pp_plan p;

    (void)state;
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "nope"), -1);
    assert_int_equal(pp_plan_add_profile(&p, ""), -1);
    assert_int_equal(pp_plan_add_profile(&p, "apple "), -1);
    assert_int_equal(p.n, 0);
    pp_plan_free(&p);
}

/* ------------------------------------------------------------- mdm */

static void
test_mdm(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_mdm, "https://jss.corp.test");
    assert_string_equal(t->host, "jss.corp.test");
    assert_int_equal(t->port, 8443);
    assert_int_equal(t->service, PP_SV_MDM);
    assert_string_equal(t->probe->name, "mdm");
    assert_true(t->required);
    assert_string_equal(t->path, "/");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "https://acme.jamfcloud.com");
    assert_string_equal(t->host, "acme.jamfcloud.com");
    assert_int_equal(t->port, 443);
    assert_string_equal(t->probe->name, "mdm");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "https://ACME.JamfCloud.com/");
    assert_int_equal(t->port, 443);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "jss.corp.test:9443");
    assert_string_equal(t->host, "jss.corp.test");
    assert_int_equal(t->port, 9443);
    assert_string_equal(t->probe->name, "mdm");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "jss.corp.test");
    assert_int_equal(t->port, 8443);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "https://jss.corp.test:443/jamf?x=1");
    assert_int_equal(t->port, 443);
    assert_string_equal(t->path, "/jamf?x=1");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_mdm, "https://[2001:db8::5]:8443/");
    assert_string_equal(t->host, "2001:db8::5");
    assert_int_equal(t->port, 8443);
    pp_plan_free(&p);
}

static void
test_mdm_bad(void **state)
{
    (void)state;
    add_bad(pp_plan_add_mdm, "http://x", "https");
    add_bad(pp_plan_add_mdm, "http://jss.corp.test:8443/", "https");
    add_bad(pp_plan_add_mdm, "ftp://x", NULL);
    add_bad(pp_plan_add_mdm, "https://bad host", NULL);
    add_bad(pp_plan_add_mdm, "https://", NULL);
    add_bad(pp_plan_add_mdm, "", NULL);
    add_bad(pp_plan_add_mdm, "https://jss.corp.test:0", "port");
    add_bad(pp_plan_add_mdm, "https://jss.corp.test:65536", "port");
    add_bad(pp_plan_add_mdm, "jss.corp.test:99999", "port");
    add_bad(pp_plan_add_mdm, "https://jss.corp.test/a b", NULL);
}

/* ------------------------------------------------------------- sus */

static void
test_sus(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_sus, "sus.corp.test");
    assert_string_equal(t->host, "sus.corp.test");
    assert_int_equal(t->port, 8088);
    assert_string_equal(t->probe->name, "sus");
    assert_int_equal(t->service, PP_SV_SUS);
    assert_string_equal(t->path, "/");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_sus, "http://sus.corp.test:8088/index.sucatalog");
    assert_int_equal(t->port, 8088);
    assert_string_equal(t->path, "/index.sucatalog");
    assert_string_equal(t->probe->name, "sus");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_sus, "http://sus.corp.test:80/content/catalogs/index.sucatalog");
    assert_int_equal(t->port, 80);
    assert_string_equal(t->path, "/content/catalogs/index.sucatalog");
    pp_plan_free(&p);

    add_bad(pp_plan_add_sus, "ftp://sus.corp.test", NULL);
    add_bad(pp_plan_add_sus, "", NULL);
    add_bad(pp_plan_add_sus, "sus.corp.test:0", "port");
}

/* -------------------------------------------------------------- dp */

static void
test_dp(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_dp, "https://dp.corp.test/CasperShare");
    assert_int_equal(t->port, 443);
    assert_string_equal(t->probe->name, "http");
    assert_int_equal(t->service, PP_SV_DP);
    assert_string_equal(t->path, "/CasperShare");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_dp, "http://dp.corp.test");
    assert_int_equal(t->port, 80);
    assert_string_equal(t->probe->name, "http");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_dp, "HTTP://dp.corp.test:8080/x");
    assert_int_equal(t->port, 8080);
    assert_string_equal(t->probe->name, "http");
    pp_plan_free(&p);

    add_bad(pp_plan_add_dp, "ftp://x", NULL);
    add_bad(pp_plan_add_dp, "smb://x", NULL);
    add_bad(pp_plan_add_dp, "", NULL);
    add_bad(pp_plan_add_dp, "https://", NULL);
}

/* ------------------------------------------------------ smb and afp */

static void
test_smb(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_smb, "files.corp.test");
    assert_string_equal(t->host, "files.corp.test");
    assert_int_equal(t->port, 445);
    assert_string_equal(t->probe->name, "smb");
    assert_int_equal(t->service, PP_SV_SMB);
    assert_true(t->required);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_smb, "smb://files:1445");
    assert_string_equal(t->host, "files");
    assert_int_equal(t->port, 1445);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_smb, "smb://files.corp.test/Packages");
    assert_int_equal(t->port, 445);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_smb, "files.corp.test:4450");
    assert_int_equal(t->port, 4450);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_smb, "[2001:db8::7]");
    assert_string_equal(t->host, "2001:db8::7");
    assert_int_equal(t->port, 445);
    pp_plan_free(&p);

    add_bad(pp_plan_add_smb, "afp://x", NULL);
    add_bad(pp_plan_add_smb, "https://x", NULL);
    add_bad(pp_plan_add_smb, "", NULL);
    add_bad(pp_plan_add_smb, "bad host", NULL);
    add_bad(pp_plan_add_smb, "files:0", "port");
    add_bad(pp_plan_add_smb, "smb://", NULL);
}

static void
test_afp(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_afp, "files.corp.test");
    assert_int_equal(t->port, 548);
    assert_false(t->required);
    assert_int_equal(t->service, PP_SV_AFP);
    assert_string_equal(t->probe->name, "afp");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_afp, "afp://files.corp.test");
    assert_int_equal(t->port, 548);
    assert_false(t->required);
    pp_plan_free(&p);

    add_bad(pp_plan_add_afp, "smb://x", NULL);
    add_bad(pp_plan_add_afp, "", NULL);
}

/* ------------------------------------------------------ free targets */

static void
test_free_target(void **state)
{
    struct pp_plan p;
    const struct pp_target *t;

    (void)state;
    t = add_one(&p, pp_plan_add_free, "host:1");
    assert_string_equal(t->host, "host");
    assert_int_equal(t->port, 1);
    assert_string_equal(t->probe->name, "tcp");
    assert_int_equal(t->service, PP_SV_CUSTOM);
    assert_true(t->required);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "tls://h:443");
    assert_string_equal(t->host, "h");
    assert_int_equal(t->port, 443);
    assert_string_equal(t->probe->name, "tls");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "tcp://h:22");
    assert_string_equal(t->probe->name, "tcp");
    assert_int_equal(t->port, 22);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "[::1]:80");
    assert_string_equal(t->host, "::1");
    assert_int_equal(t->port, 80);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "127.0.0.1:8080");
    assert_string_equal(t->host, "127.0.0.1");
    assert_int_equal(t->port, 8080);
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "https://h");
    assert_int_equal(t->port, 443);
    assert_string_equal(t->probe->name, "http");
    pp_plan_free(&p);

    t = add_one(&p, pp_plan_add_free, "http://h/x");
    assert_int_equal(t->port, 80);
    assert_string_equal(t->probe->name, "http");
    assert_string_equal(t->path, "/x");
    pp_plan_free(&p);
}

static void
test_free_target_bad(void **state)
{
    (void)state;
    add_bad(pp_plan_add_free, "host", "port");
    add_bad(pp_plan_add_free, "", NULL);
    add_bad(pp_plan_add_free, "bad host:1", NULL);
    add_bad(pp_plan_add_free, "host:70000", "port");
    add_bad(pp_plan_add_free, "host:0", "port");
    add_bad(pp_plan_add_free, "[::1]", "port");
    add_bad(pp_plan_add_free, "::1", "port");
    add_bad(pp_plan_add_free, "2620:149:a44::10", "port");
    add_bad(pp_plan_add_free, "1:2:3", NULL);
    add_bad(pp_plan_add_free, "tls://h", "port");
    add_bad(pp_plan_add_free, "tcp://h", "port");
    add_bad(pp_plan_add_free, "ftp://h:21", NULL);
    add_bad(pp_plan_add_free, "tls://:443", NULL);
}

/* ------------------------------------------------------ duplicates */

static void
test_duplicates(void **state)
{
    struct pp_plan p;
    struct pp_target *t, *kept;
    char err[256];

    (void)state;
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_free(&p, "h.example:1", err, sizeof(err)), 0);
    assert_int_equal(pp_plan_add_free(&p, "h.example:1", err, sizeof(err)), 0);
    assert_int_equal(pp_plan_add_free(&p, "H.Example:1", err, sizeof(err)), 0);
    assert_int_equal(pp_plan_add_free(&p, "tcp://h.example:1", err, sizeof(err)), 0);
    assert_int_equal(p.n, 1);
    /* Another probe or port is another check. */
    assert_int_equal(pp_plan_add_free(&p, "tls://h.example:1", err, sizeof(err)), 0);
    assert_int_equal(pp_plan_add_free(&p, "h.example:2", err, sizeof(err)), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(count_host(&p, "h.example"), 3);
    pp_plan_free(&p);

    /* An optional check, then the same one required: required wins. */
    pp_plan_init(&p);
    t = pp_target_new(PP_SV_CUSTOM, "files.corp.test", 445, "tcp", false);
    kept = pp_plan_add(&p, t);
    assert_ptr_equal(kept, t);
    assert_false(p.t[0]->required);
    assert_int_equal(pp_plan_add_free(&p, "files.corp.test:445", err, sizeof(err)), 0);
    assert_int_equal(p.n, 1);
    assert_true(p.t[0]->required);
    assert_ptr_equal(p.t[0], t);
    /* And an optional duplicate does not make it optional again. */
    t = pp_target_new(PP_SV_CUSTOM, "files.corp.test", 445, "tcp", false);
    assert_ptr_equal(pp_plan_add(&p, t), p.t[0]);
    assert_int_equal(p.n, 1);
    assert_true(p.t[0]->required);
    /* The SMB probe on the same port is another check. */
    assert_int_equal(pp_plan_add_smb(&p, "files.corp.test", err, sizeof(err)), 0);
    assert_int_equal(p.n, 2);
    pp_plan_free(&p);

    /* pp_plan_add returns the target kept, and frees the duplicate. */
    pp_plan_init(&p);
    t = pp_target_new(PP_SV_CUSTOM, "a.example", 80, "tcp", true);
    assert_ptr_equal(pp_plan_add(&p, t), t);
    kept = pp_plan_add(&p, pp_target_new(PP_SV_CUSTOM, "a.example", 80, "tcp", false));
    assert_ptr_equal(kept, t);
    assert_true(kept->required);
    assert_int_equal(p.n, 1);
    pp_plan_free(&p);

    /* A user target equal to a profile row merges into it. */
    pp_plan_init(&p);
    assert_int_equal(pp_plan_add_profile(&p, "apple"), 0);
    {
        size_t n = p.n;
        const struct pp_target *g = find(&p, "ocsp.apple.com", 80, "tcp");
        assert_non_null(g);
        assert_false(g->required);
        assert_int_equal(pp_plan_add_free(&p, "ocsp.apple.com:80", err,
                                          sizeof(err)), 0);
        assert_int_equal(p.n, n);
        assert_true(g->required);
    }
    pp_plan_free(&p);
}

/* Many targets: the array grows and everything is freed. */
static void
test_many(void **state)
{
    struct pp_plan p;
    char arg[64], err[256];
    int i;

    (void)state;
    pp_plan_init(&p);
    for (i = 1; i <= 500; i++) {
        snprintf(arg, sizeof(arg), "host%d.example:%d", i % 50, i);
        assert_int_equal(pp_plan_add_free(&p, arg, err, sizeof(err)), 0);
    }
    assert_int_equal(p.n, 500);
    for (i = 1; i <= 500; i++) {
        snprintf(arg, sizeof(arg), "host%d.example:%d", i % 50, i);
        assert_int_equal(pp_plan_add_free(&p, arg, err, sizeof(err)), 0);
    }
    assert_int_equal(p.n, 500);
    pp_plan_free(&p);
    pp_plan_free(&p);
}

static void
test_target_new(void **state)
{
    struct pp_target *t;

    (void)state;
    t = pp_target_new(PP_SV_DP, "x.example", 8080, "tls", true);
    assert_string_equal(t->host, "x.example");
    assert_int_equal(t->port, 8080);
    assert_true(t->probe == &pp_probe_tls);
    assert_true(t->required);
    assert_int_equal(t->trust, PP_TRUST_SYSTEM);
    assert_null(t->sni);
    assert_null(t->alpn);
    assert_null(t->path);
    pp_target_free(t);
    pp_target_free(NULL);
    assert_true(pp_probe_find("tcp") == &pp_probe_tcp);
    assert_true(pp_probe_find("tls") == &pp_probe_tls);
    assert_null(pp_probe_find("nope"));
}

/* ------------------------------------------------ one address syntax */

/* Every option that takes an address, in every form the issue named:
 * one parser, so one answer.  "@" in an argument stands for this
 * machine's first interface (a zone id the OS accepts). */
struct addr_case {
    const char *kind;    /* pp_plan_add_user() kind, or "audit" (pp_tspec_parse_port) */
    const char *arg;
    const char *host;    /* NULL: refused */
    uint16_t port;
    const char *want;    /* the refusal mentions this */
};

static const struct addr_case addr_cases[] = {
    /* Brackets with a port, in host:port and in URLs. */
    { "target", "[::1]:8080", "::1", 8080, NULL },
    { "target", "tls://[::1]:443", "::1", 443, NULL },
    { "target", "tcp://[2001:DB8::1]:5223", "2001:db8::1", 5223, NULL },
    { "target", "https://[2001:db8::1]:8443/x", "2001:db8::1", 8443, NULL },
    { "smb", "[::1]:445", "::1", 445, NULL },
    { "smb", "smb://[::1]:1445", "::1", 1445, NULL },
    { "afp", "[fd00::7]:548", "fd00::7", 548, NULL },
    { "mdm", "[::1]:8443", "::1", 8443, NULL },
    { "mdm", "https://[::1]/", "::1", 8443, NULL },
    { "sus", "[fd00::5]:8088", "fd00::5", 8088, NULL },
    { "dp", "https://[fd00::5]/pkgs/", "fd00::5", 443, NULL },
    { "audit", "[2001:db8::1]:443", "2001:db8::1", 443, NULL },
    { "audit", "192.0.2.7:443", "192.0.2.7", 443, NULL },
    { "audit", "files.corp.test:445", "files.corp.test", 445, NULL },
    /* A bare IPv6 literal wherever no port is needed. */
    { "mdm", "::1", "::1", 8443, NULL },
    { "smb", "::1", "::1", 445, NULL },
    { "afp", "fd00::7", "fd00::7", 548, NULL },
    { "sus", "fd00::5", "fd00::5", 8088, NULL },
    { "dp", "https://fd00::5/", "fd00::5", 443, NULL },
    { "dp", "http://2001:db8::1/", "2001:db8::1", 80, NULL },
    { "audit", "2001:db8::1", "2001:db8::1", 0, NULL },
    { "audit", "[2001:db8::1]", "2001:db8::1", 0, NULL },
    /* Text that reads both ways is refused, with both ways to write it. */
    { "target", "tls://::1:443", NULL, 0, "write [::1]:443" },
    { "target", "::1:443", NULL, 0, "::1:443 is ambiguous: write [::1]:443" },
    { "smb", "::1:445", NULL, 0, "write [::1]:445" },
    { "dp", "https://2001:db8::1:8443/", NULL, 0, "write [2001:db8::1]:8443" },
    { "mdm", "::1:8443", NULL, 0, "[::1:8443] (an address)" },
    { "audit", "::1:443", NULL, 0, "write [::1]:443" },
    /* A port on an address that cannot be one without it. */
    { "target", "1:2:3:4:5:6:7:8:443", NULL, 0, "write [1:2:3:4:5:6:7:8]:443" },
    /* Zone ids: '%' in host:port, %25 in URLs; the interface must exist. */
    { "target", "[fe80::1%@]:443", "fe80::1%@", 443, NULL },
    { "target", "tls://[fe80::1%25@]:443", "fe80::1%@", 443, NULL },
    { "dp", "https://[fe80::1%25@]/", "fe80::1%@", 443, NULL },
    { "smb", "fe80::1%@", "fe80::1%@", 445, NULL },
    { "target", "fe80::1%@:443", NULL, 0, "write [fe80::1%@]:443" },
    { "target", "[fe80::1%nosuchif9]:443", NULL, 0, "zone id 'nosuchif9'" },
    { "target", "[fe80::1%]:443", NULL, 0, "zone id" },
    { "audit", "fe80::1%@", NULL, 0, "zone ids" },
    /* Bad ports. */
    { "target", "[::1]:0", NULL, 0, "bad port '0'" },
    { "target", "[::1]:65536", NULL, 0, "bad port" },
    { "target", "h.example:x", NULL, 0, "bad port 'x'" },
    { "smb", "h.example:", NULL, 0, "bad port" },
    { "target", "tls://[::1]:99999/", NULL, 0, "bad port" },
    { "audit", "192.0.2.7:0", NULL, 0, "bad port" },
    { "target", "[::1]443", NULL, 0, "after ']'" },
    /* Empty hosts and bad brackets. */
    { "target", ":443", NULL, 0, "no host name" },
    { "target", "tls://:443", NULL, 0, "no host name" },
    { "smb", "smb://", NULL, 0, "no host name" },
    { "target", "", NULL, 0, "empty" },
    { "target", "[]:443", NULL, 0, "not an IPv6 address" },
    { "target", "[192.0.2.1]:443", NULL, 0, "not an IPv6 address" },
    { "target", "[::1:443", NULL, 0, "unclosed '['" },
    { "target", "h.example", NULL, 0, "no port" },
    { "mdm", "https://fd00:/", NULL, 0, "bad port ''" },
    { "mdm", "https://fd00::5::1/", NULL, 0, "bad address 'fd00::5::1'" },
};

/* "@" in s replaced by the interface name. */
static char *
with_zone(const char *s, const char *ifname)
{
    char out[256];
    size_t k = 0;

    for (; *s != '\0' && k + IF_NAMESIZE + 2 < sizeof(out); s++) {
        if (*s == '@') {
            memcpy(out + k, ifname, strlen(ifname));
            k += strlen(ifname);
        } else {
            out[k++] = *s;
        }
    }
    out[k] = '\0';
    return strdup(out);
}

/* One case: 0 when the answer is the one wanted, else a message in why. */
static int
addr_case_run(const struct addr_case *c, const char *arg, const char *host, char *why,
              size_t whylen)
{
    struct pp_plan p;
    char err[256] = "";
    const char *got = NULL;
    uint16_t port = 0;
    struct pp_tspec ts;
    int rc;

    pp_plan_init(&p);
    if (strcmp(c->kind, "audit") == 0) {
        rc = pp_tspec_parse_port(arg, &ts, &port, err, sizeof(err));
        got = rc == 0 ? ts.name : NULL;
    } else {
        rc = pp_plan_add_user(&p, c->kind, arg, err, sizeof(err));
        if (rc == 0 && p.n == 1) {
            got = p.t[0]->host;
            port = p.t[0]->port;
        }
    }
    if (host != NULL && (rc != 0 || got == NULL || strcmp(got, host) != 0 || port != c->port))
        snprintf(why, whylen, "--%s '%s': got %s '%s' port %u, want '%s' port %u", c->kind, arg,
                 rc == 0 ? "host" : "error", rc == 0 && got ? got : err, port, host, c->port);
    else if (host == NULL && rc == 0)
        snprintf(why, whylen, "--%s '%s': accepted as '%s' port %u", c->kind, arg,
                 got ? got : "?", port);
    else if (host == NULL && strstr(err, c->want) == NULL)
        snprintf(why, whylen, "--%s '%s': error '%s' does not say '%s'", c->kind, arg, err,
                 c->want);
    if (strcmp(c->kind, "audit") == 0 && rc == 0)
        pp_tspec_free(&ts);
    pp_plan_free(&p);
    return why[0] != '\0' ? -1 : 0;
}

static void
test_addr_forms(void **state)
{
    char ifname[IF_NAMESIZE] = "lo", why[600];
    size_t i, bad = 0;

    (void)state;
    if (if_indextoname(1, ifname) == NULL)
        snprintf(ifname, sizeof(ifname), "lo");
    for (i = 0; i < sizeof(addr_cases) / sizeof(addr_cases[0]); i++) {
        const struct addr_case *c = &addr_cases[i];
        char *arg = with_zone(c->arg, ifname);
        char *host = c->host != NULL ? with_zone(c->host, ifname) : NULL;
        char *want = c->want != NULL ? with_zone(c->want, ifname) : NULL;
        struct addr_case cc = *c;

        cc.want = want;
        why[0] = '\0';
        if (addr_case_run(&cc, arg, host, why, sizeof(why)) != 0) {
            print_error("%s\n", why);
            bad++;
        }
        free(arg);
        free(host);
        free(want);
    }
    assert_int_equal(bad, 0);
}

/* Check ids and messages write an IPv6 address with its port in brackets. */
static void
test_hostport_fmt(void **state)
{
    char *s;

    (void)state;
    s = pp_hostport_fmt("::1", 8080);
    assert_string_equal(s, "[::1]:8080");
    free(s);
    s = pp_hostport_fmt("fe80::1%en0", 443);
    assert_string_equal(s, "[fe80::1%en0]:443");
    free(s);
    s = pp_hostport_fmt("192.0.2.1", 443);
    assert_string_equal(s, "192.0.2.1:443");
    free(s);
    s = pp_hostport_fmt("files.corp.test", 445);
    assert_string_equal(s, "files.corp.test:445");
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_apple),
        cmocka_unit_test(test_profile_twice),
        cmocka_unit_test(test_profile_unknown),
        cmocka_unit_test(test_mdm),
        cmocka_unit_test(test_mdm_bad),
        cmocka_unit_test(test_sus),
        cmocka_unit_test(test_dp),
        cmocka_unit_test(test_smb),
        cmocka_unit_test(test_afp),
        cmocka_unit_test(test_free_target),
        cmocka_unit_test(test_free_target_bad),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_target_new),
        cmocka_unit_test(test_addr_forms),
        cmocka_unit_test(test_hostport_fmt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
