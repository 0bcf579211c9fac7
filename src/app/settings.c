/* SPDX-License-Identifier: ISC */
/* The settings table and how a value is checked and applied; what only
 * reads the table (look-ups, getopt, --help) is in settings_help.c.  See
 * settings.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/settings.h"
#include "engine/dns.h"
#include "plan/pac.h"
#include "plan/plan.h"
#include "plan/proxy.h"
#include "core/util.h"

#define AT(field) offsetof(struct pp_settings, field)

/* The apply() functions of the rows (below the table). */
#define APPLY(fn) \
    static int fn(struct pp_settings *, const struct pp_setting *, const char *, char *, size_t)
APPLY(apply_user);
APPLY(apply_profile);
APPLY(apply_family);
APPLY(apply_resolver);
APPLY(apply_proxy);
APPLY(apply_no_proxy);
APPLY(apply_sniff);
APPLY(apply_nonempty);
APPLY(apply_save);
APPLY(apply_serve);
APPLY(apply_format);
APPLY(apply_json);
APPLY(apply_rate);
APPLY(apply_threshold);
APPLY(apply_duration);
APPLY(apply_parallel);
APPLY(apply_none);
APPLY(apply_timeout);
APPLY(apply_stream);
APPLY(apply_trace);
APPLY(apply_verbose);
APPLY(apply_pac);
#undef APPLY

/*
 * The rows, in --help's order.  A row without a key is for the command
 * line only; a PP_SET_HELP row is one more line of --help for a setting
 * that applies in two places.
 */
const struct pp_setting pp_settings[] = {
    /* Targets */
    {.name = "mdm", .key = "mdm", .type = PP_SET_SPECIAL, .arg = "URL",
     .help = "your MDM server (https; Jamf on-premises port 8443)",
     .where = PP_W_TARGETS, .apply = apply_user},
    {.name = "sus", .key = "sus", .type = PP_SET_SPECIAL, .arg = "URL",
     .help = "Software Update Server (http, port 8088)", .where = PP_W_TARGETS,
     .apply = apply_user},
    {.name = "dp", .key = "dp", .type = PP_SET_SPECIAL, .arg = "URL",
     .help = "a distribution point (http or https; repeatable)", .where = PP_W_TARGETS,
     .repeatable = true, .apply = apply_user},
    {.name = "smb", .key = "smb", .type = PP_SET_SPECIAL, .arg = "HOST",
     .help = "an SMB file share (port 445)", .where = PP_W_TARGETS, .repeatable = true,
     .apply = apply_user},
    {.name = "afp", .key = "afp", .type = PP_SET_SPECIAL, .arg = "HOST",
     .help = "an AFP file share (port 548; deprecated by Apple)", .where = PP_W_TARGETS,
     .repeatable = true, .apply = apply_user},
    {.key = "target", .type = PP_SET_SPECIAL, .usage = "TARGET",
     .help = "HOST:PORT, [IPv6]:PORT, tcp://, tls://, http(s):// URL",
     .where = PP_W_TARGETS, .repeatable = true, .apply = apply_user},
    {.name = "profile", .key = "profile", .type = PP_SET_SPECIAL, .arg = "NAME",
     .choices = "apple|none",
     .deflt = "apple", .help = "built-in profile: apple (default) or none",
     .where = PP_W_TARGETS, .apply = apply_profile},
    {.name = "list", .type = PP_SET_FLAG, .help = "print the plan and exit without probing",
     .where = PP_W_TARGETS, .off = AT(list)},
    {.name = "config", .type = PP_SET_SPECIAL, .arg = "FILE",
     .help = "read settings from FILE (INI; see pushprobe(1))", .where = PP_W_TARGETS,
     .apply = apply_none},
    {.name = "no-config", .type = PP_SET_FLAG,
     .help = "skip /etc/pushprobe.conf and the user's file", .where = PP_W_TARGETS,
     .apply = apply_none},

    /* Firewall audit */
    {.name = "audit", .type = PP_SET_FLAG, .usage = "--audit",
     .help = "check TARGETs (names, addresses, CIDR blocks) x ports\n"
             "against expectations instead of the Apple profile",
     .where = PP_W_AUDIT, .off = AT(audit)},
    {.name = "ports", .flag = 'p', .type = PP_SET_STRING, .arg = "LIST",
     .help = "ports to check, e.g. 443,5223,8000-8010", .where = PP_W_AUDIT,
     .off = AT(ports)},
    {.name = "targets", .type = PP_SET_STRING, .arg = "FILE",
     .help = "more targets, one a line (optionally with ports)", .where = PP_W_AUDIT,
     .off = AT(targets_file)},
    {.name = "expect", .type = PP_SET_STRING, .arg = "FILE",
     .help = "expectations: open/closed/tls tcp TARGET PORTS,\n"
             "include apple-device | apple-mdm-server",
     .where = PP_W_AUDIT, .off = AT(expect_file)},
    {.name = "csv", .type = PP_SET_SPECIAL, .usage = "    --csv[=FILE]", .optional_value = true,
     .help = "one CSV row per check, as checks finish (to FILE, or\n"
             "standard output instead of the text report)",
     .where = PP_W_AUDIT, .apply = apply_stream},
    {.name = "jsonl", .type = PP_SET_SPECIAL, .usage = "    --jsonl[=FILE]", .optional_value = true,
     .help = "JSON Lines: one object per check, then a summary",
     .where = PP_W_AUDIT, .apply = apply_stream},
    {.name = "shuffle", .type = PP_SET_FLAG, .help = "check in random order",
     .where = PP_W_AUDIT, .off = AT(shuffle)},
    {.name = "rate", .key = "rate", .type = PP_SET_SPECIAL, .max = 1e6, .arg = "N",
     .help = "open at most N new connections per second", .where = PP_W_AUDIT,
     .terse = true, .apply = apply_rate},

    /* Dashboard */
    {.name = "no-tui", .key = "no-tui", .type = PP_SET_FLAG,
     .help = "print the report instead of the live dashboard", .where = PP_W_DASHBOARD,
     .off = AT(no_tui)},
    {.name = "interval", .key = "interval", .type = PP_SET_SECONDS, .min = 0.01, .max = 86400,
     .arg = "S", .help = "seconds between runs (dashboard default 10)",
     .where = PP_W_DASHBOARD, .terse = true, .off = AT(agent.interval_s)},
    {.name = "count", .flag = 'c', .key = "count", .type = PP_SET_NUMBER, .min = 1,
     .max = 100000, .arg = "N",
     .help = "run N rounds without the dashboard (--interval apart,\n"
             "default 1 s), then the report with each check's loss\nand min/avg/max (as mtr -c)",
     .where = PP_W_DASHBOARD, .off = AT(count)},

    /* Capture */
    {.name = "sniff", .key = "sniff", .type = PP_SET_SPECIAL, .arg = "IFACE",
     .help = "capture on IFACE beside the checks (root or CAP_NET_RAW)",
     .where = PP_W_CAPTURE, .apply = apply_sniff},
    {.name = "sniff-only", .type = PP_SET_FLAG, .help = "only watch: no checks (with --sniff)",
     .where = PP_W_CAPTURE, .off = AT(sniff_only)},
    {.name = "duration", .type = PP_SET_SPECIAL, .max = 31536000, .arg = "S",
     .help = "stop capturing after S seconds", .where = PP_W_CAPTURE, .terse = true,
     .off = AT(duration_s), .apply = apply_duration},
    {.name = "read", .type = PP_SET_STRING, .arg = "FILE",
     .help = "analyse a saved capture (pcap, pcapng); no network", .where = PP_W_CAPTURE,
     .off = AT(read_file)},
    {.name = "filter", .key = "filter", .type = PP_SET_STRING, .arg = "EXPR",
     .help = "BPF filter instead of the default (Apple, DNS, ICMP,\n"
             "the services' ports and hosts)",
     .where = PP_W_CAPTURE, .off = AT(filter)},
    {.name = "user", .flag = 'Z', .key = "user", .type = PP_SET_SPECIAL, .arg = "USER",
     .deflt = "nobody", .help = "drop root for USER after opening (default nobody)",
     .where = PP_W_CAPTURE, .off = AT(run_as), .apply = apply_nonempty},
    {.name = "flows-max", .key = "flows-max", .type = PP_SET_NUMBER, .min = 16, .max = 10000000,
     .arg = "N", .deflt = "65536", .help = "flows kept at most (default 65536)",
     .where = PP_W_CAPTURE, .off = AT(flows_max)},

    /* Agent */
    {.name = "serve", .key = "serve", .type = PP_SET_SPECIAL, .arg = "[ADDR:]PORT",
     .help = "run every --interval and serve /metrics (Prometheus),\n"
             "/report.json and /healthz (default address 127.0.0.1)",
     .where = PP_W_AGENT, .terse = true, .apply = apply_serve},
    {.name = "interval", .type = PP_SET_HELP, .arg = "S",
     .help = "seconds between runs (default 60)", .where = PP_W_AGENT},
    {.name = "serve-token", .key = "serve-token", .type = PP_SET_STRING, .arg = "FILE",
     .help = "require 'Authorization: Bearer <the file's token>'", .where = PP_W_AGENT,
     .off = AT(token_file)},
    {.name = "once", .type = PP_SET_FLAG,
     .help = "run the plan once and report, the default (a\n"
             "configuration file's serve gives way to it)",
     .where = PP_W_AGENT, .off = AT(once)},

    /* Probing */
    {.name = "ipv4", .flag = '4', .key = "ipv4", .type = PP_SET_FLAG,
     .help = "IPv4 only (default: IPv4 and IPv6, separately)", .where = PP_W_PROBING,
     .apply = apply_family},
    {.name = "ipv6", .flag = '6', .key = "ipv6", .type = PP_SET_FLAG,
     .help = "IPv6 only", .where = PP_W_PROBING, .apply = apply_family},
    {.name = "timeout", .flag = 't', .key = "timeout", .type = PP_SET_SECONDS, .max = 300,
     .arg = "S", .deflt = "5", .help = "deadline per check in seconds (default 5); 'auto' (the\n"
     "audit's default): connect deadlines from round trips",
     .where = PP_W_PROBING, .off = AT(o.timeout_s), .apply = apply_timeout},
    {.name = "run-timeout", .key = "run-timeout", .type = PP_SET_SECONDS, .max = 86400,
     .arg = "S", .help = "deadline for the whole run (default: derived)",
     .where = PP_W_PROBING, .off = AT(o.run_timeout_s)},
    {.name = "parallel", .flag = 'P', .key = "parallel", .type = PP_SET_NUMBER, .min = 1,
     .max = 65536, .arg = "N", .deflt = "128",
     .help = "checks at once (default 128; also bounded by the\ndescriptor limit)",
     .where = PP_W_PROBING, .off = AT(parallel), .apply = apply_parallel},
    {.name = "resolver", .key = "resolver", .type = PP_SET_SPECIAL, .arg = "IP[:PORT]",
     .help = "ask this DNS server instead of the system's", .where = PP_W_PROBING,
     .apply = apply_resolver},
    {.name = "proxy", .key = "proxy", .type = PP_SET_SPECIAL, .arg = "URL",
     .help = "check through this HTTP proxy as well as direct\n"
             "(http://[user:password@]host:port; default: the\n"
             "environment's and the system's proxy settings)",
     .where = PP_W_PROBING, .apply = apply_proxy},
    {.name = "no-proxy", .key = "no-proxy", .type = PP_SET_FLAG,
     .help = "check direct only: no proxy, whatever the settings",
     .where = PP_W_PROBING, .apply = apply_no_proxy},
    {.name = "ca-file", .key = "ca-file", .type = PP_SET_STRING, .arg = "FILE",
     .help = "also trust these PEM roots (your company's CA)", .where = PP_W_PROBING,
     .off = AT(ca_file)},
    {.name = "apple-ca", .key = "apple-ca", .type = PP_SET_STRING, .arg = "FILE",
     .help = "expected roots for Apple hosts (replaces built-in)", .where = PP_W_PROBING,
     .off = AT(apple_ca)},
    {.name = "cert-warn-days", .key = "cert-warn-days", .type = PP_SET_NUMBER, .min = 0,
     .max = 3650, .arg = "N", .deflt = "30",
     .help = "warn when a certificate in use expires within N\ndays (default 30; 0: never)",
     .where = PP_W_PROBING, .off = AT(cert_warn_days)},
    {.name = "pac", .key = "pac", .type = PP_SET_STRING, .arg = "URL|FILE",
     .help = "the PAC file that picks each check's proxy (an\n"
             "http:// or https:// URL or a file; default: the\n"
             "system's PAC URL)",
     .where = PP_W_PROBING, .off = AT(pac), .apply = apply_pac},
    {.name = "hold", .key = "hold", .type = PP_SET_SECONDS, .max = 3600, .arg = "S",
     .help = "keep courier connections idle S seconds: do they last?", .where = PP_W_PROBING,
     .off = AT(o.hold_s)},
    {.name = "trace", .key = "trace", .type = PP_SET_FLAG,
     .help = "trace the path of every check that failed (and the\n"
             "first courier check of each family): where it is\n"
             "dropped, rejected, reset or answered by a proxy",
     .where = PP_W_PROBING, .apply = apply_trace},
    {.name = "trace-all", .type = PP_SET_FLAG, .help = "trace the path of every check",
     .where = PP_W_PROBING, .apply = apply_trace},

    /* Output */
    {.name = "json", .flag = 'j', .type = PP_SET_FLAG,
     .help = "JSON report (schema 1) instead of text", .where = PP_W_OUTPUT,
     .apply = apply_json},
    {.name = "format", .key = "format", .type = PP_SET_SPECIAL, .choices = "text|json|prometheus",
     .arg = "F", .deflt = "text",
     .help = "text, json or prometheus (the exposition format, for\n"
             "node_exporter's textfile collector; with --once)",
     .where = PP_W_OUTPUT, .terse = true, .apply = apply_format},
    {.name = "nagios", .type = PP_SET_FLAG,
     .help = "one monitoring-plugin line; exit 0/1/2/3 for\nok/warning/critical/unknown",
     .where = PP_W_OUTPUT, .off = AT(nagios)},
    {.name = "warning", .type = PP_SET_SPECIAL, .arg = "RANGE",
     .help = "with --nagios: WARNING when the slowest check's\n"
             "milliseconds are outside RANGE (10, 10:, ~:10, 10:20,\n"
             "@10:20: inside)",
     .where = PP_W_OUTPUT, .terse = true, .off = AT(warn), .apply = apply_threshold},
    {.name = "critical", .type = PP_SET_SPECIAL, .arg = "RANGE",
     .help = "the same for CRITICAL", .where = PP_W_OUTPUT,
     .terse = true, .off = AT(crit), .apply = apply_threshold},
    {.name = "save", .type = PP_SET_SPECIAL, .arg = "FILE",
     .help = "also write FILE.txt and FILE.json, for a ticket", .where = PP_W_OUTPUT,
     .terse = true, .apply = apply_save},
    {.name = "redact", .key = "redact", .type = PP_SET_FLAG,
     .help = "mask this machine and the company (names, addresses,\n"
             "URL paths, certificates, proxy users) in every report",
     .where = PP_W_OUTPUT, .off = AT(redact)},
    {.name = "verbose", .flag = 'v', .type = PP_SET_FLAG, .usage = "-v, --verbose",
     .help = "each check's steps to standard error as they happen\n"
             "(resolve, connect, TLS, HTTP), with their times; -vv:\n"
             "also the bytes and every header.  One run, no dashboard",
     .where = PP_W_OUTPUT, .apply = apply_verbose},
    {.name = "public-ip", .key = "public-ip", .type = PP_SET_SPECIAL, .arg = "URL",
     .help = "also ask this service for the public address (off\n"
             "by default: nothing is contacted unless asked)",
     .where = PP_W_OUTPUT, .apply = apply_user},
    {.name = "color", .key = "color", .type = PP_SET_CHOICE, .choices = "auto|always|never",
     .arg = "WHEN", .deflt = "auto",
     .help = "auto (default), always or never; NO_COLOR is honoured",
     .where = PP_W_OUTPUT, .off = AT(color)},
    {.name = "help", .flag = 'h', .type = PP_SET_FLAG, .help = "this help",
     .where = PP_W_OUTPUT, .apply = apply_none},
    {.name = "version", .flag = 'V', .type = PP_SET_FLAG, .help = "version",
     .where = PP_W_OUTPUT, .apply = apply_none},
    {.name = NULL, .key = NULL},
};

#define NROWS (sizeof(pp_settings) / sizeof(pp_settings[0]) - 1)
const size_t pp_settings_count = NROWS;

/* ------------------------------------------------------------ values */

void
pp_settings_init(struct pp_settings *st)
{
    memset(st, 0, sizeof(*st));
    st->o.timeout_s = 5.0;
    st->cert_warn_days = 30;
    st->o.parallel = 128;
    st->parallel = 128;
    st->profile = "apple";
}

void
pp_settings_free(struct pp_settings *st)
{
    size_t i;

    for (i = 0; i < st->nuser; i++) {
        free(st->user[i].key);
        free(st->user[i].arg);
    }
    free(st->user);
    for (i = 0; i < NROWS; i++) {
        const struct pp_setting *s = &pp_settings[i];
        if (s->off != 0 && s->type == PP_SET_STRING)
            free(*(char **)(void *)((char *)st + s->off));
    }
    free(st->run_as);
    free(st->csv_path);
    free(st->jsonl_path);
    free(st->color);
    free(st->resolver);
    free(st->proxy);
    free(st->sniff);
    free(st->save);
    free(st->warn);
    free(st->crit);
    memset(st, 0, sizeof(*st));
}

static void
replace(char **slot, const char *v)
{
    free(*slot);
    *slot = pp_xstrdup(v);
}

static void *
field(struct pp_settings *st, const struct pp_setting *s)
{
    return (char *)st + s->off;
}

static int
yes_no(const char *v, bool *out, char *err, size_t errlen)
{
    if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        *out = true;
    else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        *out = false;
    else {
        snprintf(err, errlen, "want yes or no, got '%.64s'", v);
        return -1;
    }
    return 0;
}

/* Is v one of the words of "a|b|c"? */
static bool
one_of(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;

    while (*p != '\0') {
        size_t w = strcspn(p, "|");
        if (w == n && memcmp(p, v, n) == 0)
            return true;
        p += w + (p[w] == '|');
    }
    return false;
}

/* "a, b or c" of "a|b|c". */
static void
choices_words(const char *choices, char *out, size_t outlen)
{
    const char *p = choices, *last = strrchr(choices, '|');
    size_t o = 0;

    out[0] = '\0';
    while (*p != '\0' && o + 1 < outlen) {
        size_t w = strcspn(p, "|");
        o += (size_t)snprintf(out + o, outlen - o, "%s%.*s",
                              p == choices ? "" : p - 1 == last ? " or " : ", ", (int)w, p);
        p += w + (p[w] == '|');
    }
}

static int
apply_generic(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
              size_t errlen)
{
    double d;
    long lv;
    bool b;
    char words[128];

    switch (s->type) {
    case PP_SET_FLAG:
        if (yes_no(v, &b, err, errlen) < 0)
            return -1;
        if (s->off != 0)
            *(bool *)field(st, s) = b;
        return 0;
    case PP_SET_STRING:
        replace((char **)field(st, s), v);
        return 0;
    case PP_SET_SECONDS:
        if (pp_parse_seconds(v, s->max, &d) < 0 || (s->min > 0 && d < s->min)) {
            if (s->min > 0)
                snprintf(err, errlen, "want seconds in [%g, %.0f], got '%.64s'", s->min, s->max,
                         v);
            else
                snprintf(err, errlen, "want seconds in (0, %.0f], got '%.64s'", s->max, v);
            return -1;
        }
        *(double *)field(st, s) = d;
        return 0;
    case PP_SET_NUMBER:
        if (pp_parse_long(v, (long)s->min, (long)s->max, &lv) < 0) {
            snprintf(err, errlen, "want a number from %ld to %ld, got '%.64s'", (long)s->min,
                     (long)s->max, v);
            return -1;
        }
        *(long *)field(st, s) = lv;
        return 0;
    case PP_SET_CHOICE:
        if (!one_of(s->choices, v)) {
            choices_words(s->choices, words, sizeof(words));
            snprintf(err, errlen, "want %s, got '%.64s'", words, v);
            return -1;
        }
        replace((char **)field(st, s), v);
        return 0;
    default:
        snprintf(err, errlen, "unknown setting");
        return -1;
    }
}

int
pp_setting_apply(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
                 size_t errlen)
{
    if (s->apply != NULL)
        return s->apply(st, s, v, err, errlen);
    return apply_generic(st, s, v, err, errlen);
}

int
pp_settings_apply_key(void *settings, const char *key, const char *value, char *err,
                      size_t errlen)
{
    struct pp_settings *st = settings;
    const struct pp_setting *s = pp_setting_by_key(key);

    if (s == NULL) {
        snprintf(err, errlen, "unknown setting");
        return -1;
    }
    if (pp_setting_apply(st, s, value, err, errlen) < 0)
        return -1;
    if (s->apply == apply_serve)
        st->serve_from_file = true;
    if (s->apply == apply_format)
        st->format_from_file = true;
    return 0;
}

/* The user's systems and targets: checked now, so the error points at the
 * line or flag; added to the plan in order after the profile. */
static int
apply_user(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
           size_t errlen)
{
    if (pp_plan_add_user(NULL, s->key, v, err, errlen) < 0)
        return -1;
    st->user = pp_xrealloc(st->user, st->nuser + 1, sizeof(*st->user));
    st->user[st->nuser].key = pp_xstrdup(s->key);
    st->user[st->nuser].arg = pp_xstrdup(v);
    st->nuser++;
    return 0;
}

static int
apply_profile(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
              size_t errlen)
{
    if (!one_of(s->choices, v)) {
        snprintf(err, errlen, "unknown profile '%.64s' (want apple or none)", v);
        return -1;
    }
    st->profile = strcmp(v, "apple") == 0 ? "apple" : "none";
    return 0;
}

/* The later source wins: -4 over a file's ipv6 = yes means IPv4 only.
 * Within one source both are refused (the command line's -4 -6 in
 * main.c, a file's ipv4 = yes and ipv6 = yes here). */
static int
apply_family(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
             size_t errlen)
{
    int me = s->flag == '4' ? 0 : 1;
    bool b, other;

    if (yes_no(v, &b, err, errlen) < 0)
        return -1;
    other = me == 0 ? st->only6 : st->only4;
    if (b && other && st->source > 0 && st->family_source[1 - me] == st->source) {
        snprintf(err, errlen, "ipv4 and ipv6 exclude each other (as -4 and -6 do)");
        return -1;
    }
    if (b)
        st->family_source[me] = st->source;
    if (s->flag == '4') {
        st->only4 = b;
        if (b)
            st->only6 = false;
    } else {
        st->only6 = b;
        if (b)
            st->only4 = false;
    }
    return 0;
}

/* --trace, --trace-all; in a file, trace = yes, no or all. */
static int
apply_trace(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
            size_t errlen)
{
    bool b;

    if (strcmp(v, "all") == 0 && s->key != NULL) {
        st->o.trace = 2;
        return 0;
    }
    if (yes_no(v, &b, err, errlen) < 0) {
        snprintf(err, errlen, "want yes, no or all, got '%.64s'", v);
        return -1;
    }
    st->o.trace = !b ? 0 : s->key == NULL ? 2 : 1;
    return 0;
}

static int
apply_resolver(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
               size_t errlen)
{
    (void)s;
    if (pp_dns_resolver_check(v, err, errlen) < 0)
        return -1;
    replace(&st->resolver, v);
    return 0;
}

static int
apply_proxy(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
            size_t errlen)
{
    struct pp_via *via;

    (void)s;
    if (pp_via_parse(v, false, &via, err, errlen) < 0)
        return -1;
    pp_via_free(via);
    replace(&st->proxy, v);
    st->no_proxy = false;   /* the last word wins */
    return 0;
}

static int
apply_no_proxy(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
               size_t errlen)
{
    bool b;

    (void)s;
    if (yes_no(v, &b, err, errlen) < 0)
        return -1;
    st->no_proxy = b;
    if (b) {
        free(st->proxy);
        st->proxy = NULL;
    }
    return 0;
}

static int
apply_sniff(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
            size_t errlen)
{
    (void)s;
    if (*v == '\0' || strlen(v) > 64) {
        snprintf(err, errlen, "want an interface name, got '%.64s'", v);
        return -1;
    }
    replace(&st->sniff, v);
    return 0;
}

/* --pac: a file or an http:// or https:// URL, in a build that can run it. */
static int
apply_pac(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
          size_t errlen)
{
    const char *colon = strstr(v, "://");

    (void)s;
    if (!pp_pac_available()) {
        snprintf(err, errlen, "built without PAC support (duktape)");
        return -1;
    }
    if (*v == '\0') {
        snprintf(err, errlen, "want a PAC file or an http:// or https:// URL");
        return -1;
    }
    if (colon != NULL && strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0 &&
        strncmp(v, "file://", 7) != 0) {
        snprintf(err, errlen, "only http:// and https:// URLs and files are read, not '%.*s'",
                 (int)(colon - v + 3 < 20 ? colon - v + 3 : 20), v);
        return -1;
    }
    replace(&st->pac, v);
    return 0;
}

static int
apply_nonempty(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
               size_t errlen)
{
    if (*v == '\0') {
        snprintf(err, errlen, "want a user name");
        return -1;
    }
    replace((char **)field(st, s), v);
    return 0;
}

static int
apply_save(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
           size_t errlen)
{
    (void)s;
    if (v[0] == '\0' || strcmp(v, "-") == 0) {
        snprintf(err, errlen, "want a file name (FILE.txt and FILE.json are written)");
        return -1;
    }
    replace(&st->save, v);
    return 0;
}

static int
apply_serve(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
            size_t errlen)
{
    (void)s;
    if (pp_agent_parse_listen(v, &st->agent, err, errlen) < 0)
        return -1;
    st->serve = true;
    st->serve_from_file = false;
    return 0;
}

/* The last of --format and --json wins. */
static int
apply_format(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
             size_t errlen)
{
    if (!one_of(s->choices, v)) {
        snprintf(err, errlen, "want text, json or prometheus, got '%.64s'", v);
        return -1;
    }
    st->format = strcmp(v, "json") == 0         ? PP_FMT_JSON
                 : strcmp(v, "prometheus") == 0 ? PP_FMT_PROMETHEUS
                                                : PP_FMT_TEXT;
    st->format_word = st->format;
    st->format_from_file = false;
    return 0;
}

static int
apply_json(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
           size_t errlen)
{
    bool b;

    (void)s;
    if (yes_no(v, &b, err, errlen) < 0)
        return -1;
    if (b) {
        st->format = PP_FMT_JSON;
        st->format_from_file = false;
    }
    return 0;
}

static int
apply_rate(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
           size_t errlen)
{
    if (pp_parse_seconds(v, s->max, &st->o.rate) < 0) {
        snprintf(err, errlen, "want connections per second in (0, %.0f], got '%.64s'", s->max,
                 v);
        return -1;
    }
    return 0;
}

static int
apply_threshold(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
                size_t errlen)
{
    struct pp_range r;

    if (pp_range_parse(v, &r, err, errlen) < 0)
        return -1;
    *(s->off == AT(warn) ? &st->warn_r : &st->crit_r) = r;
    replace((char **)field(st, s), v);
    return 0;
}

static int
apply_duration(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
               size_t errlen)
{
    if (pp_parse_seconds(v, s->max, (double *)field(st, s)) < 0) {
        snprintf(err, errlen, "want seconds, got '%.64s'", v);
        return -1;
    }
    return 0;
}

/* The engine's cap is an int: kept here as the row's long, copied over. */
static int
apply_parallel(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
               size_t errlen)
{
    if (apply_generic(st, s, v, err, errlen) < 0)
        return -1;
    st->o.parallel = (int)st->parallel;
    return 0;
}

/* --config, --no-config (read_configs() did them), --help, --version
 * (main acts on them). */
/* -v once, -vv (or -v -v) twice: more each time, up to PP_STEP_VV. */
static int
apply_verbose(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
              size_t errlen)
{
    bool b;

    (void)s;
    if (yes_no(v, &b, err, errlen) < 0)
        return -1;
    st->o.step_level = !b ? 0 : st->o.step_level < PP_STEP_VV ? st->o.step_level + 1
                                                              : PP_STEP_VV;
    return 0;
}

static int
apply_none(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
           size_t errlen)
{
    (void)st;
    (void)s;
    (void)v;
    (void)err;
    (void)errlen;
    return 0;
}

/* --timeout auto: adaptive in the audit, the default elsewhere; a number
 * fixes it (also in the audit). */
static int
apply_timeout(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
              size_t errlen)
{
    if (strcmp(v, "auto") == 0) {
        st->timeout_fixed = false;
        st->o.timeout_s = 5.0;
        return 0;
    }
    if (apply_generic(st, s, v, err, errlen) < 0) {
        snprintf(err, errlen, "want seconds in (0, %.0f] or auto, got '%.64s'", s->max, v);
        return -1;
    }
    st->timeout_fixed = true;
    return 0;
}

/* --csv[=FILE], --jsonl[=FILE]: "-" is standard output. */
static int
apply_stream(struct pp_settings *st, const struct pp_setting *s, const char *v, char *err,
             size_t errlen)
{
    if (*v == '\0') {
        snprintf(err, errlen, "want a file name, or none for standard output");
        return -1;
    }
    if (strcmp(s->name, "csv") == 0) {
        st->csv = true;
        replace(&st->csv_path, v);
    } else {
        replace(&st->jsonl_path, v);
    }
    return 0;
}
