/* SPDX-License-Identifier: ISC */
/* Masking for reports a user emails (src/core/redact.h): placeholders and
 * their numbering, longest first, case, whole words for names and
 * addresses, JSON text, many and huge. */
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

#include <sys/socket.h>

#include "app/output.h"
#include "core/redact.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "plan/plan.h"
#include "ui/report.h"

/* ---------------------------------------------------------- helpers */

static void
redacts(const struct pp_redact *r, const char *in, const char *want)
{
    char *got = pp_redact_apply(r, in);

    assert_non_null(got);
    if (strcmp(got, want) != 0) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "redact(\"%s\")\n   = \"%s\"\n want \"%s\"", in, got, want);
        free(got);
        fail_msg("%s", msg);
    }
    free(got);
}

/* A table of the usual report secrets. */
static struct pp_redact *
corp_table(void)
{
    struct pp_redact *r = pp_redact_new();

    pp_redact_add(r, "corp-host", "corp.test");
    pp_redact_add(r, "host", "jss.corp.test");
    pp_redact_add(r, "host", "mac-042.local");
    pp_redact_add(r, "addr", "10.0.0.1");
    pp_redact_add(r, "addr", "fd00::1");
    pp_redact_add_unique(r, "user", "jdoe");
    return r;
}

static size_t
count_of(const char *hay, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    const char *p = hay;

    while ((p = strstr(p, needle)) != NULL) {
        n++;
        p += nl;
    }
    return n;
}

/* ------------------------------------------------------- placeholders */

static void
test_numbering(void **state)
{
    struct pp_redact *r = pp_redact_new();

    (void)state;
    pp_redact_add(r, "corp-host", "jss.corp.test");
    pp_redact_add(r, "addr", "10.0.0.1");
    pp_redact_add(r, "corp-host", "sus.corp.test");
    pp_redact_add(r, "addr", "10.0.0.2");
    pp_redact_add(r, "host", "mdm.vendor.test");
    pp_redact_add_unique(r, "user", "jdoe");
    pp_redact_add_unique(r, "serial", "C02XK0AAJGH5");
    /* Duplicates (in any case) keep the first placeholder, use no number. */
    pp_redact_add(r, "corp-host", "JSS.CORP.TEST");
    pp_redact_add(r, "host", "sus.corp.test");
    pp_redact_add_unique(r, "user", "10.0.0.1");
    pp_redact_add(r, "corp-host", "dp.corp.test");
    /* Too short, empty, missing. */
    pp_redact_add(r, "host", "x");
    pp_redact_add(r, "host", "");
    pp_redact_add(r, "host", NULL);
    pp_redact_add(NULL, "host", "ignored.test");
    assert_int_equal(pp_redact_count(r), 8);

    redacts(r, "jss.corp.test sus.corp.test dp.corp.test mdm.vendor.test",
            "<corp-host-1> <corp-host-2> <corp-host-3> <host-1>");
    redacts(r, "10.0.0.1 10.0.0.2 jdoe C02XK0AAJGH5",
            "<addr-1> <addr-2> <user> <serial>");
    redacts(r, "x", "x");
    redacts(r, "", "");
    assert_null(pp_redact_apply(r, NULL));
    pp_redact_free(r);
    pp_redact_free(NULL);
}

static void
test_kind_words(void **state)
{
    struct pp_redact *r = pp_redact_new();

    (void)state;
    pp_redact_add(r, NULL, "aa.test");
    pp_redact_add(r, "", "bb.test");
    pp_redact_add(r, "my kind<>", "cc.test");
    pp_redact_add_unique(r, "site_id", "dd.test");
    redacts(r, "aa.test bb.test cc.test dd.test",
            "<secret-1> <secret-2> <my-kind---1> <site_id>");
    pp_redact_free(r);
}

static void
test_no_secrets(void **state)
{
    static const char text[] = "jss.corp.test 10.0.0.1 \"quoted\" <addr-1>\n\ttabs\xff";
    struct pp_redact *r = pp_redact_new();
    char *got;

    (void)state;
    got = pp_redact_apply(r, text);
    assert_non_null(got);
    assert_true(got != text);
    assert_string_equal(got, text);
    free(got);
    got = pp_redact_apply(NULL, text);
    assert_string_equal(got, text);
    free(got);
    /* Only ignored secrets. */
    pp_redact_add(r, "host", "j");
    got = pp_redact_apply(r, text);
    assert_string_equal(got, text);
    free(got);
    pp_redact_free(r);
}

/* ------------------------------------------------------------ matching */

static void
test_longest_first(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    redacts(r, "https://jss.corp.test:8443/ on corp.test",
            "https://<host-1>:8443/ on <corp-host-1>");

    /* Registered short first, long second: the long one still wins. */
    pp_redact_free(r);
    r = pp_redact_new();
    pp_redact_add_unique(r, "user", "jdoe");
    pp_redact_add_unique(r, "home", "/Users/jdoe");
    pp_redact_add(r, "host", "corp");
    pp_redact_add(r, "host", "corp.test");
    redacts(r, "/Users/jdoe/Library and jdoe@corp.test, corp",
            "<home>/Library and <user>@<host-2>, <host-1>");
    pp_redact_free(r);
}

static void
test_case(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    redacts(r, "JSS.Corp.Test Corp.TEST JDoe FD00::1 Mac-042.LOCAL",
            "<host-1> <corp-host-1> <user> <addr-2> <host-2>");
    pp_redact_free(r);
}

static void
test_name_boundaries(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    /* Left alone: inside longer names and words. */
    redacts(r, "mycorp.testing", "mycorp.testing");
    redacts(r, "mycorp.test", "mycorp.test");
    redacts(r, "corp.testing", "corp.testing");
    redacts(r, "x.corp.test", "x.corp.test");
    redacts(r, "corp.test.example", "corp.test.example");
    redacts(r, "corp.test-lab", "corp.test-lab");
    redacts(r, "lab-corp.test", "lab-corp.test");
    redacts(r, "jdoe2 ajdoe jdoe-x", "jdoe2 ajdoe jdoe-x");
    /* Replaced: around punctuation, at the ends, in URLs. */
    redacts(r, "corp.test", "<corp-host-1>");
    redacts(r, "*.corp.test", "*.<corp-host-1>");
    redacts(r, "no_proxy=.corp.test,localhost", "no_proxy=.<corp-host-1>,localhost");
    redacts(r, "jdoe@corp.test", "<user>@<corp-host-1>");
    redacts(r, "Resolved corp.test.", "Resolved <corp-host-1>.");
    redacts(r, "(jss.corp.test)", "(<host-1>)");
    redacts(r, "https://jss.corp.test/x", "https://<host-1>/x");
    redacts(r, "jss.corp.test:443", "<host-1>:443");
    redacts(r, "/Users/jdoe/Library", "/Users/<user>/Library");
    redacts(r, "jdoe's Mac", "<user>'s Mac");
    redacts(r, "corp.test corp.testcorp.test", "<corp-host-1> corp.testcorp.test");
    pp_redact_free(r);
}

static void
test_ipv4_boundaries(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    /* Other addresses. */
    redacts(r, "10.0.0.10", "10.0.0.10");
    redacts(r, "110.0.0.1", "110.0.0.1");
    redacts(r, "10.0.0.100", "10.0.0.100");
    redacts(r, "10.0.0.1.5", "10.0.0.1.5");
    redacts(r, "10.1.0.0.1", "10.1.0.0.1");
    redacts(r, "a10.0.0.1 10.0.0.1f", "a10.0.0.1 10.0.0.1f");
    /* The address itself. */
    redacts(r, "10.0.0.1", "<addr-1>");
    redacts(r, "connect 10.0.0.1:443 failed", "connect <addr-1>:443 failed");
    redacts(r, "gateway 10.0.0.1.", "gateway <addr-1>.");
    redacts(r, "(10.0.0.1),[10.0.0.1]", "(<addr-1>),[<addr-1>]");
    redacts(r, "::ffff:10.0.0.1", "::ffff:<addr-1>");
    redacts(r, "10.0.0.1/32 via 10.0.0.1", "<addr-1>/32 via <addr-1>");
    redacts(r, "10.0.0.10 and 10.0.0.1", "10.0.0.10 and <addr-1>");
    pp_redact_free(r);
}

static void
test_ipv6(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    pp_redact_add(r, "addr", "2001:db8:0:1::7");
    pp_redact_add(r, "addr", "fe80::1c2b:3aff:fe4d:5e6f");
    /* Other addresses. */
    redacts(r, "fd00::10", "fd00::10");
    redacts(r, "fd00::1:2", "fd00::1:2");
    redacts(r, "fd00::1a", "fd00::1a");
    redacts(r, "afd00::1", "afd00::1");
    redacts(r, "1:fd00::1", "1:fd00::1");
    redacts(r, "2001:db8:0:1::70", "2001:db8:0:1::70");
    /* The addresses, however written around. */
    redacts(r, "fd00::1", "<addr-2>");
    redacts(r, "[fd00::1]:443", "[<addr-2>]:443");
    redacts(r, "fd00::1%en0", "<addr-2>%en0");
    redacts(r, "via fd00::1: unreachable", "via <addr-2>: unreachable");
    redacts(r, "fd00::1/64", "<addr-2>/64");
    redacts(r, "2001:DB8:0:1::7 fe80::1c2b:3aff:fe4d:5e6f%utun3",
            "<addr-3> <addr-4>%utun3");
    pp_redact_free(r);
}

static void
test_json_text(void **state)
{
    struct pp_redact *r = corp_table();

    (void)state;
    pp_redact_add_unique(r, "account", "CORP\\jdoe");
    pp_redact_add(r, "host", "say\"hi\".test");
    redacts(r,
            "{\"hostname\":\"mac-042.local\",\"default_route\":{\"interface\":\"en0\","
            "\"gateway\":\"10.0.0.1\"},\"dns_servers\":[\"10.0.0.10\",\"fd00::1\"],"
            "\"target\":\"https://jss.corp.test:8443/\",\"user\":\"jdoe\"}",
            "{\"hostname\":\"<host-2>\",\"default_route\":{\"interface\":\"en0\","
            "\"gateway\":\"<addr-1>\"},\"dns_servers\":[\"10.0.0.10\",\"<addr-2>\"],"
            "\"target\":\"https://<host-1>:8443/\",\"user\":\"<user>\"}");
    /* Secrets with JSON-escaped characters: raw and escaped forms. */
    redacts(r, "login CORP\\jdoe; {\"account\":\"CORP\\\\jdoe\"}",
            "login <account>; {\"account\":\"<account>\"}");
    redacts(r, "say\"hi\".test {\"h\":\"say\\\"hi\\\".test\"}",
            "<host-3> {\"h\":\"<host-3>\"}");
    /* The escaped form is not a secret of its own. */
    assert_int_equal(pp_redact_count(r), 8);
    pp_redact_free(r);
}

/* A placeholder is never matched again, even by a secret that looks like
 * one. */
static void
test_single_pass(void **state)
{
    struct pp_redact *r = pp_redact_new();

    (void)state;
    pp_redact_add(r, "host", "a.b.test");
    pp_redact_add(r, "x", "host-1");
    pp_redact_add(r, "y", "<x-1>");
    redacts(r, "a.b.test host-1 <x-1>", "<host-1> <x-1> <y-1>");
    pp_redact_free(r);
}

static void
test_many_times(void **state)
{
    struct pp_redact *r = corp_table();
    size_t reps = 5000, i;
    char *in, *out;
    static const char unit[] = "jss.corp.test,10.0.0.1;jdoe ";

    (void)state;
    in = malloc(reps * (sizeof(unit) - 1) + 1);
    assert_non_null(in);
    for (i = 0; i < reps; i++)
        memcpy(in + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
    in[reps * (sizeof(unit) - 1)] = '\0';
    out = pp_redact_apply(r, in);
    assert_non_null(out);
    assert_int_equal(count_of(out, "<host-1>,<addr-1>;<user> "), reps);
    assert_int_equal(strlen(out), reps * strlen("<host-1>,<addr-1>;<user> "));
    assert_null(strstr(out, "jss"));
    free(in);
    free(out);
    pp_redact_free(r);
}

/* 16 MiB of report lines and their expected redaction, built together. */
static void
test_huge(void **state)
{
    struct pp_redact *r = corp_table();
    size_t cap = 16u << 20, n = 0, m = 0, line = 0;
    char *in = malloc(cap + 256), *want = malloc(cap + 256), *out;

    (void)state;
    assert_non_null(in);
    assert_non_null(want);
    /* Many other secrets that share first bytes with the text. */
    {
        unsigned i;
        char buf[64];
        for (i = 2; i < 200; i++) {
            snprintf(buf, sizeof(buf), "10.0.%u.%u", i, i);
            pp_redact_add(r, "addr", buf);
        }
    }
    while (n < cap) {
        int a, b;

        line++;
        a = snprintf(in + n, 256, "%zu ok jss.corp.test 10.0.0.1 10.0.0.10 mycorp.test JDOE\n",
                     line);
        b = snprintf(want + m, 256, "%zu ok <host-1> <addr-1> 10.0.0.10 mycorp.test <user>\n",
                     line);
        n += (size_t)a;
        m += (size_t)b;
    }
    out = pp_redact_apply(r, in);
    assert_non_null(out);
    assert_int_equal(strlen(out), m);
    assert_true(memcmp(out, want, m) == 0);
    free(out);
    free(in);
    free(want);
    pp_redact_free(r);
}

/* ---------------------------------------------- against a reference */

static bool
ref_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-';
}

static char
ref_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* The rules of redact.h for names, the slow way: at each position the
 * longest secret that matches and stands alone. */
static char *
ref_apply(char *const *sec, size_t nsec, const char *t)
{
    size_t len = strlen(t), i = 0, o = 0;
    char *out = malloc(len * 8 + 1);

    assert_non_null(out);
    while (i < len) {
        size_t best = nsec, k;

        for (k = 0; k < nsec; k++) {
            size_t sl = strlen(sec[k]), j;
            char b, bb, a, aa;

            if (sl > len - i || (best < nsec && sl <= strlen(sec[best])))
                continue;
            for (j = 0; j < sl && ref_lower(t[i + j]) == ref_lower(sec[k][j]); j++)
                ;
            if (j < sl)
                continue;
            b = i > 0 ? t[i - 1] : '\0';
            bb = i > 1 ? t[i - 2] : '\0';
            a = t[i + sl];
            aa = a != '\0' ? t[i + sl + 1] : '\0';
            if (ref_word(sec[k][0]) && (ref_word(b) || (b == '.' && ref_word(bb))))
                continue;
            if (ref_word(sec[k][sl - 1]) && (ref_word(a) || (a == '.' && ref_word(aa))))
                continue;
            best = k;
        }
        if (best == nsec) {
            out[o++] = t[i++];
            continue;
        }
        o += (size_t)snprintf(out + o, 16, "<k%zu>", best);
        i += strlen(sec[best]);
    }
    out[o] = '\0';
    return out;
}

/* Random secrets over a small alphabet, so that they overlap, share
 * prefixes and extend each other; random texts of the same letters. */
static void
test_against_reference(void **state)
{
    static const char alpha[] = "abAB.-x ";
    unsigned seed = 12345;
    int round;

    (void)state;
    for (round = 0; round < 3000; round++) {
        struct pp_redact *r = pp_redact_new();
        char *sec[12], text[200], kind[32], *got, *want;
        size_t nsec = 0, k, tl, i;

        while (nsec < 1 + (size_t)(round % 12)) {
            size_t sl = 2 + (seed = seed * 1103515245u + 12345u) / 65536 % 5;
            char buf[8];

            for (i = 0; i < sl; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = alpha[seed / 65536 % 6];   /* no 'x', no space */
            }
            buf[sl] = '\0';
            for (k = 0; k < nsec; k++) {
                size_t j;
                for (j = 0; buf[j] && ref_lower(buf[j]) == ref_lower(sec[k][j]); j++)
                    ;
                if (buf[j] == '\0' && sec[k][j] == '\0')
                    break;
            }
            if (k < nsec)
                continue;   /* a duplicate: it would keep the first name */
            sec[nsec] = strdup(buf);
            snprintf(kind, sizeof(kind), "k%zu", nsec);
            pp_redact_add_unique(r, kind, sec[nsec]);
            nsec++;
        }
        seed = seed * 1103515245u + 12345u;
        tl = seed / 65536 % sizeof(text);
        for (i = 0; i < tl; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alpha[seed / 65536 % (sizeof(alpha) - 1)];
        }
        text[tl] = '\0';
        got = pp_redact_apply(r, text);
        want = ref_apply(sec, nsec, text);
        if (strcmp(got, want) != 0) {
            char msg[1024];
            snprintf(msg, sizeof(msg), "round %d: \"%s\"\n   got  \"%s\"\n   want \"%s\"",
                     round, text, got, want);
            fail_msg("%s", msg);
        }
        free(got);
        free(want);
        for (k = 0; k < nsec; k++)
            free(sec[k]);
        pp_redact_free(r);
    }
}

/* ------------------------------------------------- domains, learning */

static void
test_domains(void **state)
{
    struct pp_redact *r = pp_redact_new();

    (void)state;
    pp_redact_add_domain(r, "corp-domain", ".corp.test");
    pp_redact_add_domain(r, "corp-domain", "corp.test");     /* once */
    assert_int_equal(pp_redact_count(r), 1);
    /* Names under it, in any case, once each, in order; not names that
     * only contain it. */
    assert_int_equal(pp_redact_learn(r, "sso.corp.test, https://A.B.Corp.Test/x "
                                        "mycorp.testing corp.test.example sso.corp.test."), 2);
    redacts(r, "sso.corp.test a.b.corp.test CORP.TEST mycorp.testing",
            "<corp-domain-2> <corp-domain-3> <corp-domain-1> mycorp.testing");
    assert_int_equal(pp_redact_learn(r, "nothing new: sso.corp.test"), 0);
    assert_int_equal(pp_redact_learn(r, NULL), 0);
    pp_redact_free(r);
    /* A single label is a domain to learn under, not a word to mask. */
    r = pp_redact_new();
    pp_redact_add_domain(r, "corp-domain", ".local");
    assert_int_equal(pp_redact_count(r), 0);
    assert_int_equal(pp_redact_learn(r, "mac-jdoe.local is on the local network"), 1);
    redacts(r, "mac-jdoe.local is on the local network", "<corp-domain-1> is on the local network");
    pp_redact_free(r);
    /* Without domains learning does nothing. */
    r = pp_redact_new();
    assert_int_equal(pp_redact_learn(r, "sso.corp.test"), 0);
    pp_redact_free(r);
}

static void
test_html(void **state)
{
    struct pp_redact *r = corp_table();
    char *got;

    (void)state;
    got = pp_redact_apply_html(r, "<td>jss.corp.test</td>");
    assert_string_equal(got, "<td>&lt;host-1&gt;</td>");
    free(got);
    /* A secret as the page writes it: its HTML-escaped form. */
    pp_redact_add(r, "path", "/pkgs?a=1&b='2'");
    assert_int_equal(pp_redact_count(r), 7);
    got = pp_redact_apply_html(r, "<td>/pkgs?a=1&amp;b=&#39;2&#39;</td>");
    assert_string_equal(got, "<td>&lt;path-1&gt;</td>");
    free(got);
    pp_redact_free(r);
}

/* ------------------------------------------ the rules of --redact (app) */

struct fake {
    struct pp_plan plan;
    struct pp_report rep;
    struct pp_context cx;
};

static struct pp_result *
fake_result(struct fake *f, enum pp_service sv, const char *host, uint16_t port,
            const char *addr, const char *path)
{
    struct pp_target *t = pp_plan_add(&f->plan, pp_target_new(sv, host, port, "tls", true));
    struct pp_result *r = pp_xcalloc(1, sizeof(*r));

    if (path != NULL)
        t->path = pp_xstrdup(path);
    r->target = t;
    r->family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
    r->has_address = true;
    snprintf(r->address, sizeof(r->address), "%s", addr);
    r->state = PP_ST_OK;
    r->reason = PP_RS_TLS_OK;
    r->t_dns = r->t_connect = r->t_tls = r->t_app = r->t_first_byte = -1;
    r->t_total = 12.5;
    r->id = pp_xasprintf("%s:%u/ipv4%s", host, port, path != NULL ? path : "");
    r->tls.handshake_done = true;
    snprintf(r->tls.version, sizeof(r->tls.version), "TLSv1.3");
    r->tls.days_left = 99;
    f->rep.results = pp_xrealloc(f->rep.results, f->rep.n + 1, sizeof(*f->rep.results));
    f->rep.results[f->rep.n++] = r;
    return r;
}

static void
fake_proxy(struct fake *f, const char *name, const char *value)
{
    f->cx.proxies = pp_xrealloc(f->cx.proxies, f->cx.nproxies + 1, sizeof(*f->cx.proxies));
    f->cx.proxies[f->cx.nproxies].name = pp_xstrdup(name);
    f->cx.proxies[f->cx.nproxies].value = pp_xstrdup(value);
    f->cx.nproxies++;
}

static void
fake_run(struct fake *f)
{
    struct pp_result *r;

    memset(f, 0, sizeof(*f));
    pp_plan_init(&f->plan);
    snprintf(f->rep.started_at, sizeof(f->rep.started_at), "2026-12-02T10:00:00Z");
    f->cx.hostname = pp_xstrdup("mac-jdoe.local");
    f->cx.username = pp_xstrdup("jdoe");
    fake_proxy(f, "https_proxy", "http://bobproxy:***@proxy.acme.example:3128");
    fake_proxy(f, "no_proxy", ".widgets.example,*.apple.com,10.9.0.0/16");
    f->rep.context = &f->cx;
    r = fake_result(f, PP_SV_MDM, "jss.acme.example", 8443, "10.1.2.3",
                    "/acme-packages/Tool.pkg?tok=zz9");
    r->tls.issuer = pp_xstrdup("CN=ACME Widgets Root CA,O=ACME Widgets,C=US");
    r->tls.issuer_cn = pp_xstrdup("ACME Widgets Root CA");
    r->message = pp_xstrdup("redirected to https://sso.acme.example/login");
    /* A target by address: its certificate's names are the company's. */
    r = fake_result(f, PP_SV_CUSTOM, "10.1.2.4", 443, "10.1.2.4", NULL);
    r->tls.subject = pp_xstrdup("CN=files.acme.example");
    r->tls.issuer_cn = pp_xstrdup("ACME Widgets Root CA");
    r = fake_result(f, PP_SV_APNS_DEVICE, "courier.push.apple.com", 5223, "17.57.144.10", NULL);
    r->tls.issuer = pp_xstrdup("CN=Apple Server Authentication CA,O=Apple Inc.,C=US");
    r->tls.issuer_cn = pp_xstrdup("Apple Server Authentication CA");
}

static void
fake_free(struct fake *f)
{
    pp_report_free_results(&f->rep);
    pp_plan_free(&f->plan);
    pp_context_free(&f->cx);
}

/* Every company string gone from the text and the JSON; Apple's stay. */
static void
test_rules(void **state)
{
    static const char *const secrets[] = {
        "acme", "ACME Widgets", "Tool.pkg", "tok=zz9", "zz9", "10.1.2.3", "10.1.2.4",
        "bobproxy", "widgets.example", "10.9.0.0", "mac-jdoe", "jdoe",
    };
    struct fake f;
    struct pp_redact *rd;
    char *out[2];
    size_t i, k;

    (void)state;
    fake_run(&f);
    rd = pp_app_redactions(&f.rep, &f.cx);
    out[0] = pp_app_render(&f.rep, PP_FMT_TEXT, false, rd);
    out[1] = pp_app_render(&f.rep, PP_FMT_JSON, false, rd);
    for (k = 0; k < 2; k++) {
        for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
            if (strcasestr(out[k], secrets[i]) != NULL)
                fail_msg("'%s' left in:\n%s", secrets[i], out[k]);
        assert_non_null(strstr(out[k], "courier.push.apple.com"));
        assert_non_null(strstr(out[k], "17.57.144.10"));
        /* Certificates show in the text (this JSON has no TLS section). */
        assert_true(k == 1 || strstr(out[k], "issued by Apple Server Authentication CA"));
        assert_true(k == 1 || strstr(out[k], "issued by <corp-name-"));
        assert_non_null(strstr(out[k], "*.apple.com"));
        assert_non_null(strstr(out[k], "<corp-host-"));
        /* The text report shows the path in the check id only (JSON). */
        assert_true(k == 0 || strstr(out[k], "<path-") != NULL);
        assert_non_null(strstr(out[k], "<proxy-user-1>"));
        assert_non_null(strstr(out[k], "<hostname>"));
    }
    /* The columns of the masked table line up: STATE under STATE. */
    {
        const char *h = strstr(out[0], "  HOST "), *row;
        size_t st;

        assert_non_null(h);
        st = (size_t)(strstr(h, "STATE") - h);
        for (row = strchr(h, '\n') + 1; *row == ' ' && row[2] != ' '; row = strchr(row, '\n') + 1)
            if (strncmp(row + st, "ok ", 3) != 0)
                fail_msg("out of line:\n%.*s", (int)strcspn(row, "\n"), row);
    }
    free(out[0]);
    free(out[1]);
    pp_redact_free(rd);
    fake_free(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbering),
        cmocka_unit_test(test_kind_words),
        cmocka_unit_test(test_no_secrets),
        cmocka_unit_test(test_longest_first),
        cmocka_unit_test(test_case),
        cmocka_unit_test(test_name_boundaries),
        cmocka_unit_test(test_ipv4_boundaries),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_json_text),
        cmocka_unit_test(test_single_pass),
        cmocka_unit_test(test_many_times),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
