/* SPDX-License-Identifier: ISC */
/* The configuration file (src/app/ppconfig.h): every rule of the format, over
 * strings and over the files of tests/data/config, with an apply callback
 * that records its calls and one that rejects a value. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <getopt.h>

#include "app/agent.h"
#include "app/cli.h"
#include "app/ppconfig.h"
#include "app/settings.h"
#include "core/util.h"

#ifndef TEST_DATA
#define TEST_DATA "tests/data"
#endif
#define CONF_DIR TEST_DATA "/config"

/* ---------------------------------------------------------- helpers */

#define MAX_CALLS 64

struct rec {
    size_t n;
    struct {
        char key[32];
        char value[512];
    } c[MAX_CALLS];
};

/* Accepts every setting and records it. */
static int
record(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    struct rec *r = ctx;

    (void)err;
    (void)errlen;
    assert_non_null(key);
    assert_non_null(value);
    assert_true(r->n < MAX_CALLS);
    assert_true(strlen(key) < sizeof(r->c[0].key));
    assert_true(strlen(value) < sizeof(r->c[0].value));
    snprintf(r->c[r->n].key, sizeof(r->c[0].key), "%s", key);
    snprintf(r->c[r->n].value, sizeof(r->c[0].value), "%s", value);
    r->n++;
    return 0;
}

/* Records, and checks timeout the way the command line does. */
static int
reject_timeout(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    double s;

    if (strcmp(key, "timeout") == 0 && pp_parse_seconds(value, 300, &s) < 0) {
        snprintf(err, errlen, "want seconds in (0, 300], got '%s'", value);
        return -1;
    }
    return record(ctx, key, value, err, errlen);
}

/* Rejects everything, without a sentence. */
static int
reject_silently(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    (void)ctx;
    (void)key;
    (void)value;
    (void)err;
    (void)errlen;
    return -1;
}

static void
want_call(const struct rec *r, size_t i, const char *key, const char *value)
{
    if (i >= r->n)
        fail_msg("call %zu (%s = '%s') not made: only %zu calls", i, key, value, r->n);
    if (strcmp(r->c[i].key, key) != 0 || strcmp(r->c[i].value, value) != 0)
        fail_msg("call %zu: got %s = '%s', want %s = '%s'", i, r->c[i].key,
                 r->c[i].value, key, value);
}

/* Loads text as "t.conf"; it must succeed. */
static void
str_ok(const char *text, struct rec *r)
{
    char err[512] = "x";
    int rc;

    memset(r, 0, sizeof(*r));
    rc = pp_config_load_string("t.conf", text, record, r, err, sizeof(err));
    if (rc != 0)
        fail_msg("load of \"%s\" failed (%d): %s", text, rc, err);
    assert_string_equal(err, "");
}

/* Loads len bytes as "t.conf"; it must fail with exactly want. */
static void
buf_bad(const char *text, size_t len, const char *want, struct rec *r)
{
    char err[512] = "";
    int rc;

    memset(r, 0, sizeof(*r));
    rc = pp_config_load_buffer("t.conf", text, len, record, r, err, sizeof(err));
    if (rc != -1)
        fail_msg("load of \"%s\" returned %d, want -1 with \"%s\"", text, rc, want);
    if (strcmp(err, want) != 0)
        fail_msg("load of \"%s\": error \"%s\", want \"%s\"", text, err, want);
}

static void
str_bad(const char *text, const char *want, struct rec *r)
{
    buf_bad(text, strlen(text), want, r);
}

/* Loads tests/data/config/NAME; returns pp_config_load's result. */
static int
file_load(const char *name, struct rec *r, char *err, size_t errlen)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", CONF_DIR, name);
    memset(r, 0, sizeof(*r));
    return pp_config_load(path, false, record, r, err, errlen);
}

/* The file must fail with "DIR/NAME:" + want. */
static void
file_bad(const char *name, const char *want, struct rec *r)
{
    char err[512] = "", full[1024];
    int rc = file_load(name, r, err, sizeof(err));

    snprintf(full, sizeof(full), "%s/%s:%s", CONF_DIR, name, want);
    if (rc != -1)
        fail_msg("%s: returned %d, want -1", name, rc);
    if (strcmp(err, full) != 0)
        fail_msg("%s: error \"%s\", want \"%s\"", name, err, full);
}

/* n copies of c between head and tail, in a new string. */
static char *
pad(const char *head, char c, size_t n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);

    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, c, n);
    memcpy(s + h + n, tail, t + 1);
    return s;
}

static void
write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A fresh directory under $TMPDIR or /tmp. */
static char *
temp_dir(void)
{
    const char *t = getenv("TMPDIR");
    char *d = pp_xasprintf("%s/test_config.XXXXXX", t != NULL && t[0] ? t : "/tmp");

    assert_non_null(mkdtemp(d));
    return d;
}

/* ---------------------------------------------------------- good input */

static const char good_text[] =
    "# every form the reader takes\n"
    "; a comment after a semicolon\n"
    "\n"
    "timeout = 7\n"
    "profile=none   ; an inline comment after ';'\n"
    "\n"
    "[pushprobe]\n"
    "mdm = https://jss.corp.example:8443/   # an inline comment after '#'\n"
    "    sus = http://sus.corp.example:8088/index.sucatalog\n"
    "dp = https://dp1.corp.example/pkgs/\n"
    "dp: http://dp2.corp.example/pkgs/#frag;x\n"
    "smb = files.corp.example\n"
    "\t# an indented comment\n"
    "target = tls://api.service.test:443\n"
    "target = [2001:db8::10]:8443\n"
    "color = never\n"
    "\n"
    "[ pushprobe ]\n"
    "ipv4 = yes\n";

static void
want_good(const struct rec *r)
{
    want_call(r, 0, "timeout", "7");
    want_call(r, 1, "profile", "none");
    want_call(r, 2, "mdm", "https://jss.corp.example:8443/");
    want_call(r, 3, "sus", "http://sus.corp.example:8088/index.sucatalog");
    want_call(r, 4, "dp", "https://dp1.corp.example/pkgs/");
    want_call(r, 5, "dp", "http://dp2.corp.example/pkgs/#frag;x");
    want_call(r, 6, "smb", "files.corp.example");
    want_call(r, 7, "target", "tls://api.service.test:443");
    want_call(r, 8, "target", "[2001:db8::10]:8443");
    want_call(r, 9, "color", "never");
    want_call(r, 10, "ipv4", "yes");
    assert_int_equal(r->n, 11);
}

static void
test_good_string(void **state)
{
    struct rec r;

    (void)state;
    str_ok(good_text, &r);
    want_good(&r);
}

static void
test_good_file(void **state)
{
    struct rec r;
    char err[512] = "x";

    (void)state;
    assert_int_equal(file_load("good.conf", &r, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    want_good(&r);
}

static void
test_empty_files(void **state)
{
    struct rec r;

    (void)state;
    str_ok("", &r);
    assert_int_equal(r.n, 0);
    str_ok("\n\n   \n\t\n", &r);
    assert_int_equal(r.n, 0);
    str_ok("# only\n; comments\n   # here\n", &r);
    assert_int_equal(r.n, 0);
    str_ok("[pushprobe]\n", &r);
    assert_int_equal(r.n, 0);
    str_ok("[pushprobe]\n[pushprobe]\n", &r);
    assert_int_equal(r.n, 0);
}

/* Every key, as a long option's name, with a value the reader passes on. */
static void
test_every_key(void **state)
{
    static const char *const v[][2] = {
        {"mdm", "https://jss.corp.example/"},
        {"sus", "sus.corp.example"},
        {"dp", "https://dp.corp.example/"},
        {"smb", "smb://files.corp.example"},
        {"afp", "afp.corp.example:548"},
        {"target", "host.corp.test:443"},
        {"timeout", "2.5"},
        {"run-timeout", "60"},
        {"parallel", "16"},
        {"resolver", "[2001:db8::53]:53"},
        {"ca-file", "/etc/ssl/corp root.pem"},
        {"apple-ca", "apple.pem"},
        {"profile", "apple"},
        {"ipv4", "yes"},
        {"ipv6", "no"},
        {"hold", "30"},
        {"color", "always"},
    };
    char text[2048] = "";
    size_t i, o = 0;
    struct rec r;

    (void)state;
    for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        o += (size_t)snprintf(text + o, sizeof(text) - o, "%s = %s\n", v[i][0], v[i][1]);
    str_ok(text, &r);
    assert_int_equal(r.n, sizeof(v) / sizeof(v[0]));
    for (i = 0; i < r.n; i++)
        want_call(&r, i, v[i][0], v[i][1]);
}

/* Values are passed as written, between the white space and the comment. */
static void
test_values(void **state)
{
    struct rec r;

    (void)state;
    /* '=' and ':' after the first one belong to the value. */
    str_ok("target = http://h.corp.test:8080/a?b=c&d=e\n", &r);
    want_call(&r, 0, "target", "http://h.corp.test:8080/a?b=c&d=e");
    str_ok("target: tcp://h.corp.test:25\n", &r);
    want_call(&r, 0, "target", "tcp://h.corp.test:25");
    str_ok("target=h.corp.test:1\n", &r);
    want_call(&r, 0, "target", "h.corp.test:1");
    str_ok("target:h.corp.test=1\n", &r);
    want_call(&r, 0, "target", "h.corp.test=1");
    /* White space around and inside. */
    str_ok("  \t ca-file \t =   /srv/my certs/root.pem  \t \n", &r);
    want_call(&r, 0, "ca-file", "/srv/my certs/root.pem");
    /* ';' and '#' without white space before are not comments. */
    str_ok("dp = https://dp.corp.example/a;b#c\n", &r);
    want_call(&r, 0, "dp", "https://dp.corp.example/a;b#c");
    /* With white space before (a tab too), they are. */
    str_ok("dp = https://dp.corp.example/ ;x\ndp = https://dp2.corp.example/\t#y\n", &r);
    want_call(&r, 0, "dp", "https://dp.corp.example/");
    want_call(&r, 1, "dp", "https://dp2.corp.example/");
    assert_int_equal(r.n, 2);
    /* Quotes are the value's, for apply to judge. */
    str_ok("profile = \"apple\"\n", &r);
    want_call(&r, 0, "profile", "\"apple\"");
    /* Non-ASCII bytes pass through. */
    str_ok("smb = caf\xc3\xa9.corp.example\n", &r);
    want_call(&r, 0, "smb", "caf\xc3\xa9.corp.example");
    /* The last line needs no newline. */
    str_ok("timeout = 3\nparallel = 4", &r);
    want_call(&r, 1, "parallel", "4");
    assert_int_equal(r.n, 2);
}

/* CRLF line ends and a UTF-8 byte order mark. */
static void
test_crlf_bom(void **state)
{
    struct rec r;

    (void)state;
    str_ok("\xef\xbb\xbftimeout = 3\r\n[pushprobe]\r\nmdm = https://jss.corp.example/\r\n", &r);
    want_call(&r, 0, "timeout", "3");
    want_call(&r, 1, "mdm", "https://jss.corp.example/");
    assert_int_equal(r.n, 2);
    str_ok("\xef\xbb\xbf[pushprobe]\r\n", &r);
    assert_int_equal(r.n, 0);
    /* A mark anywhere else is text. */
    str_bad("timeout = 3\n\xef\xbb\xbftimeout = 4\n",
            "t.conf:2: unknown key '???timeout' (did you mean 'timeout'?)", &r);
}

/* inih would take an indented line as the value's continuation. */
static void
test_indent_is_no_continuation(void **state)
{
    struct rec r;

    (void)state;
    str_ok("[pushprobe]\n    mdm = https://jss.corp.example/\n    sus = sus.corp.example\n",
           &r);
    want_call(&r, 0, "mdm", "https://jss.corp.example/");
    want_call(&r, 1, "sus", "sus.corp.example");
    assert_int_equal(r.n, 2);
    str_bad("mdm = https://jss.corp.example/\n  /more/path\n",
            "t.conf:2: no '=' in the line (want KEY = VALUE)", &r);
    assert_int_equal(r.n, 1);
    /* A continued non-repeatable key is not "given twice". */
    str_bad("timeout = 5\n   7\n", "t.conf:2: no '=' in the line (want KEY = VALUE)", &r);
}

/* ---------------------------------------------------------- unknown keys */

/* The nearest option or key to a slip of the keyboard, and nothing for a
 * word far from every name. */
static void
test_suggest(void **state)
{
    (void)state;
    assert_string_equal(pp_settings_suggest("timout", false), "timeout");
    assert_string_equal(pp_settings_suggest("tiemout", false), "timeout");   /* a swap */
    assert_string_equal(pp_settings_suggest("lsit", false), "list");
    assert_string_equal(pp_settings_suggest("colour", false), "color");
    assert_string_equal(pp_settings_suggest("ca_file", true), "ca-file");
    assert_string_equal(pp_settings_suggest("cert-warn", true), "cert-warn-days"); /* prefix */
    assert_string_equal(pp_settings_suggest("sniff-onyl", false), "sniff-only");
    assert_null(pp_settings_suggest("bogus", false));
    assert_null(pp_settings_suggest("x", false));
    assert_null(pp_settings_suggest("", true));
    /* Keys: a command-line-only option is not a key to suggest. */
    assert_null(pp_settings_suggest("lsit", true));
    assert_null(pp_settings_suggest("jsn", true));
}

static void
test_unknown_key(void **state)
{
    struct rec r;
    char *s;

    (void)state;
    str_bad("timeout = 5\nsocks = socks5://proxy.corp.example:1080/\n",
            "t.conf:2: unknown key 'socks'", &r);
    assert_int_equal(r.n, 1);
    str_bad("[pushprobe]\nMDM = https://jss.corp.example/\n", "t.conf:2: unknown key 'MDM'",
            &r);
    /* Not the command line's spelling. */
    str_bad("--mdm = https://jss.corp.example/\n",
            "t.conf:1: unknown key '--mdm' (did you mean 'mdm'?)", &r);
    str_bad("run_timeout = 5\n",
            "t.conf:1: unknown key 'run_timeout' (did you mean 'run-timeout'?)", &r);
    /* json, list, help and version are not settings. */
    str_bad("json = yes\n", "t.conf:1: unknown key 'json'", &r);
    /* What is not a key name is in the key: inih splits at the first '=' or ':'. */
    str_bad("target host.corp.test:443\n", "t.conf:1: unknown key 'target host.corp.test'",
            &r);
    /* Unprintable bytes are not echoed; long names are cut. */
    str_bad("ti\x1b[31mme = 5\n", "t.conf:1: unknown key 'ti?[31mme'", &r);
    s = pad("", 'k', 100, " = 1\n");
    str_bad(s, "t.conf:1: unknown key "
            "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'", &r);
    free(s);
    file_bad("unknown-key.conf", "4: unknown key 'socks'", &r);
    assert_int_equal(r.n, 1);
    want_call(&r, 0, "mdm", "https://jss.corp.example/");
}

/* ---------------------------------------------------------- sections */

static void
test_sections(void **state)
{
    struct rec r;

    (void)state;
    str_bad("timeout = 5\n[network]\nresolver = 192.0.2.53\n",
            "t.conf:2: unknown section '[network]' "
            "(settings go at the top or under [pushprobe])", &r);
    assert_int_equal(r.n, 1);
    /* An empty one too: it is not where the user thinks. */
    str_bad("[pushprobe]\ntimeout = 5\n[extra]\n",
            "t.conf:3: unknown section '[extra]' "
            "(settings go at the top or under [pushprobe])", &r);
    str_bad("[]\n", "t.conf:1: unknown section '[]' "
            "(settings go at the top or under [pushprobe])", &r);
    str_bad("[PushProbe]\n", "t.conf:1: unknown section '[PushProbe]' "
            "(settings go at the top or under [pushprobe])", &r);
    str_bad("[pushprobe.more]\n", "t.conf:1: unknown section '[pushprobe.more]' "
            "(settings go at the top or under [pushprobe])", &r);
    str_bad("[pushprobe\ntimeout = 5\n", "t.conf:1: no ']' closing the section name", &r);
    assert_int_equal(r.n, 0);
    /* ']' behind a comment does not count. */
    str_bad("[pushprobe ;]\n", "t.conf:1: no ']' closing the section name", &r);
    str_bad("[pushprobe] timeout = 5\n", "t.conf:1: text after '[pushprobe]': 'timeout = 5'",
            &r);
    /* White space inside the brackets and a comment after are fine. */
    str_ok("[  pushprobe\t] ; the settings\ntimeout = 5\n", &r);
    want_call(&r, 0, "timeout", "5");
    str_ok("  [pushprobe]\ntimeout = 5\n", &r);
    want_call(&r, 0, "timeout", "5");
    file_bad("bad-section.conf", "6: unknown section '[network]' "
             "(settings go at the top or under [pushprobe])", &r);
    assert_int_equal(r.n, 2);
    want_call(&r, 0, "timeout", "5");
    want_call(&r, 1, "parallel", "10");
}

/* ---------------------------------------------------------- repeats */

static void
test_twice(void **state)
{
    static const char *const once[] = {
        "mdm", "sus", "timeout", "run-timeout", "parallel", "resolver", "proxy", "no-proxy",
        "ca-file", "apple-ca", "profile", "ipv4", "ipv6", "hold", "color",
    };
    struct rec r;
    char text[256], want[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(once) / sizeof(once[0]); i++) {
        snprintf(text, sizeof(text), "%s = 1\n\n%s = 2\n", once[i], once[i]);
        snprintf(want, sizeof(want), "t.conf:3: key '%s' given twice (first on line 1)",
                 once[i]);
        str_bad(text, want, &r);
        assert_int_equal(r.n, 1);
    }
    /* At the top, then in the section: still twice. */
    str_bad("timeout = 5\n[pushprobe]\nparallel = 3\ntimeout = 5\n",
            "t.conf:4: key 'timeout' given twice (first on line 1)", &r);
    /* The repeatable ones, many times, in order. */
    str_ok("dp = a\nsmb = b\nafp = c\ntarget = d\ndp = e\nsmb = f\nafp = g\ntarget = h\n"
           "dp = i\ntarget = j\n", &r);
    assert_int_equal(r.n, 10);
    want_call(&r, 0, "dp", "a");
    want_call(&r, 4, "dp", "e");
    want_call(&r, 8, "dp", "i");
    want_call(&r, 9, "target", "j");
    /* The same value twice is still twice. */
    str_bad("mdm = x\nmdm = x\n", "t.conf:2: key 'mdm' given twice (first on line 1)", &r);
    file_bad("twice.conf", "6: key 'mdm' given twice (first on line 2)", &r);
    assert_int_equal(r.n, 4);
}

/* ---------------------------------------------------------- empty values */

static void
test_empty_value(void **state)
{
    struct rec r;

    (void)state;
    str_bad("mdm =\n", "t.conf:1: key 'mdm': empty value", &r);
    str_bad("mdm=\n", "t.conf:1: key 'mdm': empty value", &r);
    str_bad("mdm:   \t\n", "t.conf:1: key 'mdm': empty value", &r);
    str_bad("timeout = 1\nmdm = ; later\n", "t.conf:2: key 'mdm': empty value", &r);
    assert_int_equal(r.n, 1);
    str_bad("mdm = # later\n", "t.conf:1: key 'mdm': empty value", &r);
    str_bad("dp = \r\n", "t.conf:1: key 'dp': empty value", &r);
    /* An unknown key is named as such first. */
    str_bad("nokey =\n", "t.conf:1: unknown key 'nokey'", &r);
    file_bad("empty-value.conf", "3: key 'ca-file': empty value", &r);
    assert_int_equal(r.n, 1);
}

/* ---------------------------------------------------------- syntax */

static void
test_no_equals(void **state)
{
    struct rec r;

    (void)state;
    str_bad("timeout = 5\n\nsmb files.corp.example\nafp = x\n",
            "t.conf:3: no '=' in the line (want KEY = VALUE)", &r);
    assert_int_equal(r.n, 1);
    str_bad("timeout\n", "t.conf:1: no '=' in the line (want KEY = VALUE)", &r);
    /* The '=' after a comment does not count. */
    str_bad("timeout ; = 5\n", "t.conf:1: no '=' in the line (want KEY = VALUE)", &r);
    str_bad("timeout # = 5\n", "t.conf:1: no '=' in the line (want KEY = VALUE)", &r);
    str_bad("= 5\n", "t.conf:1: no key before '='", &r);
    str_bad("  : 5\n", "t.conf:1: no key before ':'", &r);
    str_bad("]\n", "t.conf:1: no '=' in the line (want KEY = VALUE)", &r);
    file_bad("no-equals.conf", "3: no '=' in the line (want KEY = VALUE)", &r);
    assert_int_equal(r.n, 1);
}

static void
test_nul_byte(void **state)
{
    static const char text[] = "timeout = 5\n\nmdm = https://jss\0.corp.example/\nsus = x\n";
    static const char first[] = "\0timeout = 5\n";
    struct rec r;

    (void)state;
    buf_bad(text, sizeof(text) - 1, "t.conf:3: NUL byte in the line", &r);
    assert_int_equal(r.n, 1);
    buf_bad(first, sizeof(first) - 1, "t.conf:1: NUL byte in the line", &r);
    assert_int_equal(r.n, 0);
    /* In a comment too: the line is not what it seems. */
    buf_bad("# a\0b\n", 6, "t.conf:1: NUL byte in the line", &r);
    /* A NUL at the very end of the last line. */
    buf_bad("timeout = 5\0", 12, "t.conf:1: NUL byte in the line", &r);
    file_bad("nul-byte.conf", "2: NUL byte in the line", &r);
    assert_int_equal(r.n, 1);
}

/* The first error is the one reported, and nothing after it is applied. */
static void
test_first_error_stops(void **state)
{
    struct rec r;

    (void)state;
    str_bad("timeout = 5\njunk\nsocks = 1\n[x]\nmdm = https://jss.corp.example/\n",
            "t.conf:2: no '=' in the line (want KEY = VALUE)", &r);
    assert_int_equal(r.n, 1);
    str_bad("timeout = 5\nsocks = 1\njunk\nmdm = https://jss.corp.example/\n",
            "t.conf:2: unknown key 'socks'", &r);
    assert_int_equal(r.n, 1);
    str_bad("[x]\ntimeout = 5\n", "t.conf:1: unknown section '[x]' "
            "(settings go at the top or under [pushprobe])", &r);
    assert_int_equal(r.n, 0);
}

/* ---------------------------------------------------------- long lines */

/* The longest line the library takes, from the reader's message. */
static size_t
learn_max_line(void)
{
    char err[512] = "";
    char *s = pad("target = ", 'a', 100000, "\n");
    const char *p;
    size_t max;

    assert_int_equal(pp_config_load_string("t.conf", s, NULL, NULL, err, sizeof(err)), -1);
    free(s);
    p = strstr(err, "t.conf:1: line longer than ");
    if (p == NULL)
        fail_msg("a line of 100009 bytes: error \"%s\"", err);
    max = strtoul(p + strlen("t.conf:1: line longer than "), NULL, 10);
    assert_true(max >= 60 && max < 100000);
    return max;
}

static void
test_long_lines(void **state)
{
    struct rec r;
    char want[128];
    size_t max = learn_max_line();
    const size_t head = strlen("target = ");
    char *s;

    (void)state;
    /* Exactly max bytes: taken whole, with LF or CRLF or no end. */
    s = pad("target = ", 'a', max - head, "\n");
    str_ok(s, &r);
    assert_int_equal(strlen(r.c[0].value), max - head);
    free(s);
    s = pad("target = ", 'a', max - head, "\r\n");
    str_ok(s, &r);
    assert_int_equal(strlen(r.c[0].value), max - head);
    free(s);
    s = pad("target = ", 'a', max - head, "");
    str_ok(s, &r);
    assert_int_equal(strlen(r.c[0].value), max - head);
    free(s);

    /* One more: an error naming the line, never a cut value. */
    snprintf(want, sizeof(want), "t.conf:3: line longer than %zu bytes", max);
    s = pad("timeout = 5\n# x\ntarget = ", 'a', max - head + 1, "\nparallel = 2\n");
    str_bad(s, want, &r);
    assert_int_equal(r.n, 1);
    free(s);
    /* inih would parse the rest of the line as a line: with an '=' in it, a
     * setting nobody wrote. */
    snprintf(want, sizeof(want), "t.conf:1: line longer than %zu bytes", max);
    s = pad("target = ", 'a', max, "parallel=1\n");
    str_bad(s, want, &r);
    assert_int_equal(r.n, 0);
    free(s);
    /* The rest starting with white space would be a "continuation". */
    s = pad("target = ", 'a', max, "  more\n");
    str_bad(s, want, &r);
    free(s);
    /* A long comment line counts too: lines are at most max bytes. */
    s = pad("# ", '-', max, "\n");
    str_bad(s, want, &r);
    free(s);
    /* A long line after a short one, on line 2 of a file. */
    {
        char *dir = temp_dir(), *path = pp_xasprintf("%s/long.conf", dir);
        char err[512], full[1024];

        s = pad("timeout = 5\ndp = http://", 'd', max, ".corp.example/\n");
        write_file(path, s, strlen(s));
        memset(&r, 0, sizeof(r));
        assert_int_equal(pp_config_load(path, false, record, &r, err, sizeof(err)), -1);
        snprintf(full, sizeof(full), "%s:2: line longer than %zu bytes", path, max);
        assert_string_equal(err, full);
        assert_int_equal(r.n, 1);
        free(s);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
        free(path);
        free(dir);
    }
}

/* ---------------------------------------------------------- apply errors */

static void
test_apply_rejects(void **state)
{
    struct rec r;
    char err[512] = "";
    int rc;

    (void)state;
    memset(&r, 0, sizeof(r));
    rc = pp_config_load_string("site.conf",
                               "mdm = https://jss.corp.example/\n"
                               "[pushprobe]\n"
                               "timeout = soon ; the apply callback says no\n"
                               "parallel = 4\n",
                               reject_timeout, &r, err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_string_equal(err, "site.conf:3: key 'timeout': want seconds in (0, 300], got 'soon'");
    /* Called before, never after. */
    assert_int_equal(r.n, 1);
    want_call(&r, 0, "mdm", "https://jss.corp.example/");

    /* A good value is applied. */
    memset(&r, 0, sizeof(r));
    rc = pp_config_load_string("site.conf", "timeout = 0.5\n", reject_timeout, &r, err,
                               sizeof(err));
    assert_int_equal(rc, 0);
    want_call(&r, 0, "timeout", "0.5");

    /* No sentence: one is made up. */
    rc = pp_config_load_string("site.conf", "\n\ncolor = sometimes\n", reject_silently, NULL,
                               err, sizeof(err));
    assert_int_equal(rc, -1);
    assert_string_equal(err, "site.conf:3: key 'color': invalid value");

    /* From a file, with its name. */
    {
        char *dir = temp_dir(), *path = pp_xasprintf("%s/p.conf", dir);
        char full[1024];

        write_file(path, "profile = none\ntimeout = 1e9\n", 29);
        memset(&r, 0, sizeof(r));
        assert_int_equal(pp_config_load(path, true, reject_timeout, &r, err, sizeof(err)), -1);
        snprintf(full, sizeof(full), "%s:2: key 'timeout': want seconds in (0, 300], got '1e9'",
                 path);
        assert_string_equal(err, full);
        assert_int_equal(r.n, 1);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
        free(path);
        free(dir);
    }
}

/* No apply: a check of the file only.  Small or no error buffers. */
static void
test_no_apply_small_err(void **state)
{
    char err[8];

    (void)state;
    assert_int_equal(pp_config_load_string("t", good_text, NULL, NULL, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(pp_config_load_string("t", "socks = 1\n", NULL, NULL, err, sizeof(err)),
                     -1);
    assert_string_equal(err, "t:1: un");
    assert_int_equal(pp_config_load_string("t", "socks = 1\n", NULL, NULL, NULL, 0), -1);
    assert_int_equal(pp_config_load("/nonexistent.test/x", false, NULL, NULL, NULL, 0), -1);
    assert_int_equal(pp_config_load_string("t", "socks = 1\n", NULL, NULL, err, 1), -1);
    assert_string_equal(err, "");
}

/* ---------------------------------------------------------- files */

static void
test_files(void **state)
{
    char *dir = temp_dir();
    char *missing = pp_xasprintf("%s/none.conf", dir);
    char *notdir = pp_xasprintf("%s/good.conf/pushprobe.conf", CONF_DIR);
    char *big = pp_xasprintf("%s/big.conf", dir);
    char err[512] = "", want[1024];
    struct rec r;
    char *s;

    (void)state;
    memset(&r, 0, sizeof(r));
    /* Missing: fine when allowed, and nothing is applied. */
    assert_int_equal(pp_config_load(missing, true, record, &r, err, sizeof(err)), 1);
    assert_string_equal(err, "");
    assert_int_equal(r.n, 0);
    assert_int_equal(pp_config_load(notdir, true, record, &r, err, sizeof(err)), 1);
    /* Otherwise "FILE: why". */
    assert_int_equal(pp_config_load(missing, false, record, &r, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", missing, strerror(ENOENT));
    assert_string_equal(err, want);
    assert_int_equal(pp_config_load(notdir, false, record, &r, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", notdir, strerror(ENOTDIR));
    assert_string_equal(err, want);
    /* A directory exists, so it is an error even when missing is fine. */
    assert_int_equal(pp_config_load(dir, true, record, &r, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: %s", dir, strerror(EISDIR));
    assert_string_equal(err, want);
    assert_int_equal(r.n, 0);
    /* An empty file. */
    write_file(big, "", 0);
    assert_int_equal(pp_config_load(big, false, record, &r, err, sizeof(err)), 0);
    assert_int_equal(r.n, 0);
    /* Over a MiB of comments is not a configuration. */
    s = pad("", '#', 1024 * 1024 + 1, "");
    write_file(big, s, strlen(s));
    free(s);
    assert_int_equal(pp_config_load(big, false, record, &r, err, sizeof(err)), -1);
    snprintf(want, sizeof(want), "%s: larger than 1048576 bytes, not a configuration file",
             big);
    assert_string_equal(err, want);
    assert_int_equal(r.n, 0);
    assert_int_equal(unlink(big), 0);
    assert_int_equal(rmdir(dir), 0);
    free(big);
    free(notdir);
    free(missing);
    free(dir);
}

/* ---------------------------------------------------------- key table */

/* The configuration keys of the settings table (app/settings.h), in order. */
static const struct pp_setting *keys[64];
static size_t nkeys;

static void
collect_keys(void)
{
    size_t i;

    nkeys = 0;
    for (i = 0; i < pp_settings_count; i++)
        if (pp_settings[i].key != NULL) {
            assert_true(nkeys < sizeof(keys) / sizeof(keys[0]));
            keys[nkeys++] = &pp_settings[i];
        }
}

static void
test_key_table(void **state)
{
    static const char *const want[] = {
        "mdm", "sus", "dp", "smb", "afp", "target", "timeout", "run-timeout", "parallel",
        "resolver", "proxy", "no-proxy", "ca-file", "cert-warn-days", "pac", "apple-ca",
        "profile", "ipv4", "ipv6", "hold",
        "color",
        "public-ip", "sniff", "filter", "user", "flows-max",
        "interval", "redact", "rate", "serve", "serve-token", "format", "no-tui", "trace",
        "count",
    };
    size_t i, j, n;

    (void)state;
    collect_keys();
    n = nkeys;
    assert_int_equal(n, sizeof(want) / sizeof(want[0]));
    assert_null(pp_settings[pp_settings_count].key);
    assert_null(pp_settings[pp_settings_count].name);
    for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        for (j = 0; j < n; j++)
            if (strcmp(keys[j]->key, want[i]) == 0)
                break;
        if (j == n)
            fail_msg("key '%s' is not in the settings table", want[i]);
    }
    for (i = 0; i < n; i++) {
        const struct pp_setting *k = keys[i];
        bool rep = strcmp(k->key, "dp") == 0 || strcmp(k->key, "smb") == 0 ||
                   strcmp(k->key, "afp") == 0 || strcmp(k->key, "target") == 0;
        const char *h = k->help;

        /* The ipv6 key shares the -4 line of --help. */
        if (strcmp(k->key, "ipv6") == 0)
            h = pp_setting_by_key("ipv4")->help;
        assert_non_null(h);
        /* Lines short enough for --help's column (22 + 58 = 80). */
        assert_true(strlen(h) > 10);
        while (*h != '\0') {
            size_t len = strcspn(h, "\n");
            assert_true(len > 0 && len <= 58);
            h += len + (h[len] == '\n');
        }
        if (k->repeatable != rep)
            fail_msg("key '%s': repeatable is %d", k->key, k->repeatable);
        for (j = i + 1; j < n; j++)
            assert_string_not_equal(k->key, keys[j]->key);
    }
}

/* contrib/pushprobe.conf.example: harmless as it is (everything commented
 * out), and with each "#key = value" uncommented, it sets every key once. */
static void
test_example(void **state)
{
    const char *path = TEST_DATA "/../../contrib/pushprobe.conf.example";
    FILE *f = fopen(path, "rb");
    char text[16384], line[256];
    size_t o = 0, i, n = 0;
    struct rec r;
    bool seen[64] = {false};

    (void)state;
    if (f == NULL)
        fail_msg("%s: %s", path, strerror(errno));
    memset(&r, 0, sizeof(r));
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *l = line;

        assert_non_null(strchr(line, '\n'));
        if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z')
            l++;
        assert_true(o + strlen(l) < sizeof(text));
        memcpy(text + o, l, strlen(l) + 1);
        o += strlen(l);
    }
    fclose(f);
    assert_int_equal(pp_config_load(path, false, record, &r, NULL, 0), 0);
    assert_int_equal(r.n, 0);
    str_ok(text, &r);
    collect_keys();
    n = nkeys;
    assert_true(n <= sizeof(seen) / sizeof(seen[0]));
    for (i = 0; i < r.n; i++) {
        size_t k;
        const char *v = r.c[i].value, *dot;

        for (k = 0; k < n; k++)
            if (strcmp(r.c[i].key, keys[k]->key) == 0)
                break;
        assert_true(k < n);
        if (seen[k])
            fail_msg("the example sets '%s' twice", r.c[i].key);
        seen[k] = true;
        /* Host names in the examples are .example or .test ones. */
        if ((dot = strstr(v, "://")) != NULL || strcmp(r.c[i].key, "smb") == 0 ||
            strcmp(r.c[i].key, "afp") == 0) {
            const char *h = dot != NULL ? dot + 3 : v;
            size_t hl = strcspn(h, ":/");

            if (!(hl > 8 && memcmp(h + hl - 8, ".example", 8) == 0) &&
                !(hl > 5 && memcmp(h + hl - 5, ".test", 5) == 0))
                fail_msg("example %s = %s: not a .example or .test host", r.c[i].key, v);
        }
    }
    for (i = 0; i < n; i++)
        if (!seen[i])
            fail_msg("the example does not show '%s'", keys[i]->key);
}

/* ---------------------------------------------------------- default paths */

static char *saved_xdg, *saved_home;

static void
save_env(void)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");

    saved_xdg = x != NULL ? pp_xstrdup(x) : NULL;
    saved_home = h != NULL ? pp_xstrdup(h) : NULL;
}

static void
restore_env(void)
{
    if (saved_xdg != NULL)
        setenv("XDG_CONFIG_HOME", saved_xdg, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    if (saved_home != NULL)
        setenv("HOME", saved_home, 1);
    else
        unsetenv("HOME");
    free(saved_xdg);
    free(saved_home);
}

/* The default paths must be exactly want (NULL-terminated). */
static void
paths_are(size_t n, const char *const *want)
{
    char *out[4] = {NULL, NULL, NULL, NULL};
    size_t got = pp_config_default_paths(out, n), i, nwant = 0;

    while (want[nwant] != NULL)
        nwant++;
    if (got != nwant)
        fail_msg("%zu default paths (first '%s'), want %zu", got, got ? out[0] : "", nwant);
    for (i = 0; i < got; i++) {
        assert_string_equal(out[i], want[i]);
        free(out[i]);
    }
    for (; i < 4; i++)
        assert_null(out[i]);
}

static void
test_default_paths(void **state)
{
    static const char *const xdg[] = {
        "/etc/pushprobe.conf", "/srv/cfg/pushprobe/pushprobe.conf", NULL,
    };
    static const char *const home2[] = {
        "/etc/pushprobe.conf", "/home/u/.config/pushprobe/pushprobe.conf", NULL,
    };
    static const char *const sys[] = {"/etc/pushprobe.conf", NULL};
    static const char *const none[] = {NULL};
    char *out[2];

    (void)state;
    save_env();
    setenv("XDG_CONFIG_HOME", "/srv/cfg", 1);
    setenv("HOME", "/home/u", 1);
    paths_are(4, xdg);
    paths_are(2, xdg);
    paths_are(1, sys);
    paths_are(0, none);
    assert_int_equal(pp_config_default_paths(NULL, 2), 0);
    setenv("XDG_CONFIG_HOME", "/srv/cfg/", 1);
    paths_are(2, xdg);
    /* Unset, empty or relative: ~/.config. */
    unsetenv("XDG_CONFIG_HOME");
    paths_are(2, home2);
    setenv("XDG_CONFIG_HOME", "", 1);
    paths_are(2, home2);
    setenv("XDG_CONFIG_HOME", "relative/cfg", 1);
    paths_are(2, home2);
    setenv("HOME", "/home/u/", 1);
    paths_are(2, home2);
    /* Without HOME, the password database's home. */
    unsetenv("HOME");
    assert_int_equal(pp_config_default_paths(out, 2), 2);
    assert_string_equal(out[0], "/etc/pushprobe.conf");
    assert_non_null(strstr(out[1], "/.config/pushprobe/pushprobe.conf"));
    free(out[0]);
    free(out[1]);
    restore_env();
}

/* The command line's cores: a usage error is a sentence, not an exit. */
static int
parse_words(struct pp_settings *st, bool *given, const char *const *words, char *err,
            size_t errlen)
{
    char *argv[16];
    int argc = 0, stop;

    argv[argc++] = (char *)"pushprobe";
    for (; *words != NULL && argc < 15; words++)
        argv[argc++] = (char *)*words;
    argv[argc] = NULL;
    optind = 0;
    memset(given, 0, pp_settings_count * sizeof(*given));
    pp_settings_init(st);
    return pp_app_parse_argv(st, argc, argv, given, &stop, err, errlen);
}

static void
test_cli_cores(void **state)
{
    static const char *const unknown[] = {"--timout", "3", NULL};
    static const char *const both[] = {"-4", "-6", "--list", NULL};
    static const char *const token[] = {"--serve-token", "/x", NULL};
    static const char *const fine[] = {"--profile", "none", "--list", NULL};
    struct pp_settings st;
    bool *given = pp_xcalloc(pp_settings_count, sizeof(*given)), unmasked;
    char err[1024];
    int stop;

    (void)state;
    assert_int_equal(parse_words(&st, given, unknown, err, sizeof(err)), -1);
    assert_string_equal(err, "unknown option '--timout' (did you mean '--timeout'?)");
    pp_settings_free(&st);
    assert_int_equal(parse_words(&st, given, both, err, sizeof(err)), 0);
    assert_int_equal(pp_app_combinations_error(&st, given, &unmasked, err, sizeof(err)), -1);
    assert_string_equal(err, "-4 and -6 exclude each other");
    pp_settings_free(&st);
    assert_int_equal(parse_words(&st, given, token, err, sizeof(err)), 0);
    assert_int_equal(pp_app_combinations_error(&st, given, &unmasked, err, sizeof(err)), -1);
    assert_string_equal(err, "--serve-token goes with --serve");
    pp_settings_free(&st);
    assert_int_equal(parse_words(&st, given, fine, err, sizeof(err)), 0);
    assert_int_equal(pp_app_combinations_error(&st, given, &unmasked, err, sizeof(err)), 0);
    assert_false(unmasked);
    pp_settings_free(&st);
    {
        char *argv[] = {(char *)"pushprobe", (char *)"--list", (char *)"--help", NULL};

        optind = 0;
        pp_settings_init(&st);
        assert_int_equal(pp_app_parse_argv(&st, 3, argv, given, &stop, err, sizeof(err)), 1);
        assert_int_equal(stop, 'h');
        pp_settings_free(&st);
    }
    free(given);
}

/* --serve-token's rules: up to the first NUL, CR or LF of the first 511
 * bytes, at least 16 characters. */
static void
test_token_length(void **state)
{
    char big[600];

    (void)state;
    assert_int_equal(pp_agent_token_length("0123456789abcdef", 16), 16);
    assert_int_equal(pp_agent_token_length("0123456789abcdef\n", 17), 16);
    assert_int_equal(pp_agent_token_length("0123456789abcdef\r\nmore", 22), 16);
    assert_int_equal(pp_agent_token_length("0123456789abcde\n", 16), -1);
    assert_int_equal(pp_agent_token_length("0123456789\0abcdefgh", 19), -1);
    assert_int_equal(pp_agent_token_length("", 0), -1);
    memset(big, 'A', sizeof(big));
    assert_int_equal(pp_agent_token_length(big, sizeof(big)), 511);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_string),
        cmocka_unit_test(test_good_file),
        cmocka_unit_test(test_empty_files),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_crlf_bom),
        cmocka_unit_test(test_indent_is_no_continuation),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_twice),
        cmocka_unit_test(test_empty_value),
        cmocka_unit_test(test_no_equals),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_first_error_stops),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_apply_rejects),
        cmocka_unit_test(test_no_apply_small_err),
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_key_table),
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_default_paths),
        cmocka_unit_test(test_cli_cores),
        cmocka_unit_test(test_token_length),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
