/*
 * pushprobe: can this device reach everything Apple device management
 * needs, and if not, what blocks it and where?
 *
 * main() parses the command line, builds the plan, runs the engine and
 * hands the results to a report.  Only main() prints to the user and exits.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_STDIO_EXT_H
#include <stdio_ext.h>
#endif

#include "app/agent.h"
#include "plan/audit.h"
#include "capture/capture.h"
#include "diagnose/context.h"
#include "diagnose/diagnose.h"
#include "engine/dns.h"
#include "engine/engine.h"
#include "app/live.h"
#include "core/loop.h"
#include "core/netx.h"
#include "plan/plan.h"
#include "app/ppconfig.h"
#include "probes/probe.h"
#include "core/redact.h"
#include "core/url.h"
#include "ui/report.h"
#include "engine/tlsctx.h"
#include "core/util.h"
#include "probes/details.h"

enum {
    OPT_RESOLVER = 256,
    OPT_CA_FILE,
    OPT_APPLE_CA,
    OPT_MDM,
    OPT_SUS,
    OPT_DP,
    OPT_SMB,
    OPT_AFP,
    OPT_PROFILE,
    OPT_COLOR,
    OPT_RUN_TIMEOUT,
    OPT_LIST,
    OPT_HOLD,
    OPT_CONFIG,
    OPT_NO_CONFIG,
    OPT_SAVE,
    OPT_REDACT,
    OPT_PUBLIC_IP,
    OPT_AUDIT,
    OPT_TARGETS,
    OPT_EXPECT,
    OPT_CSV,
    OPT_SHUFFLE,
    OPT_RATE,
    OPT_FORMAT,
    OPT_ONCE,
    OPT_NAGIOS,
    OPT_WARNING,
    OPT_CRITICAL,
    OPT_SERVE,
    OPT_INTERVAL,
    OPT_SERVE_TOKEN,
    OPT_NO_TUI,
    OPT_SNIFF,
    OPT_SNIFF_ONLY,
    OPT_READ,
    OPT_FILTER,
    OPT_DURATION,
    OPT_USER,
    OPT_FLOWS_MAX,
};

static const struct option longopts[] = {
    {"ipv4", no_argument, NULL, '4'},
    {"ipv6", no_argument, NULL, '6'},
    {"timeout", required_argument, NULL, 't'},
    {"run-timeout", required_argument, NULL, OPT_RUN_TIMEOUT},
    {"parallel", required_argument, NULL, 'P'},
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"apple-ca", required_argument, NULL, OPT_APPLE_CA},
    {"mdm", required_argument, NULL, OPT_MDM},
    {"sus", required_argument, NULL, OPT_SUS},
    {"dp", required_argument, NULL, OPT_DP},
    {"smb", required_argument, NULL, OPT_SMB},
    {"afp", required_argument, NULL, OPT_AFP},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"json", no_argument, NULL, 'j'},
    {"color", required_argument, NULL, OPT_COLOR},
    {"list", no_argument, NULL, OPT_LIST},
    {"hold", required_argument, NULL, OPT_HOLD},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"no-config", no_argument, NULL, OPT_NO_CONFIG},
    {"save", required_argument, NULL, OPT_SAVE},
    {"redact", no_argument, NULL, OPT_REDACT},
    {"public-ip", required_argument, NULL, OPT_PUBLIC_IP},
    {"audit", no_argument, NULL, OPT_AUDIT},
    {"ports", required_argument, NULL, 'p'},
    {"targets", required_argument, NULL, OPT_TARGETS},
    {"expect", required_argument, NULL, OPT_EXPECT},
    {"csv", no_argument, NULL, OPT_CSV},
    {"shuffle", no_argument, NULL, OPT_SHUFFLE},
    {"rate", required_argument, NULL, OPT_RATE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"once", no_argument, NULL, OPT_ONCE},
    {"nagios", no_argument, NULL, OPT_NAGIOS},
    {"warning", required_argument, NULL, OPT_WARNING},
    {"critical", required_argument, NULL, OPT_CRITICAL},
    {"serve", required_argument, NULL, OPT_SERVE},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"serve-token", required_argument, NULL, OPT_SERVE_TOKEN},
    {"no-tui", no_argument, NULL, OPT_NO_TUI},
    {"sniff", required_argument, NULL, OPT_SNIFF},
    {"sniff-only", no_argument, NULL, OPT_SNIFF_ONLY},
    {"read", required_argument, NULL, OPT_READ},
    {"filter", required_argument, NULL, OPT_FILTER},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"user", required_argument, NULL, OPT_USER},
    {"flows-max", required_argument, NULL, OPT_FLOWS_MAX},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
    fputs(
"usage: pushprobe [options] [TARGET ...]\n"
"\n"
"Checks that this machine reaches what Apple device management needs:\n"
"Apple push (APNs), enrollment, software update, your MDM and file servers.\n"
"\n"
"Targets (besides the built-in Apple profile):\n"
"  --mdm URL           your MDM server (https; Jamf on-premises port 8443)\n"
"  --sus URL           Software Update Server (http, port 8088)\n"
"  --dp URL            a distribution point (http or https; repeatable)\n"
"  --smb HOST          an SMB file share (port 445)\n"
"  --afp HOST          an AFP file share (port 548; deprecated by Apple)\n"
"  TARGET              HOST:PORT, [IPv6]:PORT, tcp://, tls://, http(s):// URL\n"
"  --profile NAME      built-in profile: apple (default) or none\n"
"  --list              print the plan and exit without probing\n"
"  --config FILE       read settings from FILE (INI; see pushprobe(1))\n"
"  --no-config         skip /etc/pushprobe.conf and the user's file\n"
"\n"
"Firewall audit:\n"
"  --audit             check TARGETs (names, addresses, CIDR blocks) x ports\n"
"                      against expectations instead of the Apple profile\n"
"  -p, --ports LIST    ports to check, e.g. 443,5223,8000-8010\n"
"      --targets FILE  more targets, one a line (optionally with ports)\n"
"      --expect FILE   expectations: open/closed/tls tcp TARGET PORTS,\n"
"                      include apple-device | apple-mdm-server\n"
"      --csv           one CSV row per check instead of the text report\n"
"      --shuffle       check in random order\n"
"      --rate N        open at most N new connections per second\n"
"\n"
"Dashboard (on a terminal; text and JSON otherwise):\n"
"      --no-tui        print the report instead of the live dashboard\n"
"      --interval S    seconds between runs (dashboard default 10)\n"
"\n"
"Capture (what the devices on this network actually do):\n"
"      --sniff IFACE   capture on IFACE beside the checks (root or CAP_NET_RAW)\n"
"      --sniff-only    only watch: no checks (with --sniff)\n"
"      --duration S    stop capturing after S seconds\n"
"      --read FILE     analyse a saved capture (pcap, pcapng); no network\n"
"      --filter EXPR   BPF filter instead of the default (Apple, DNS, ICMP,\n"
"                      the services' ports and hosts)\n"
"  -Z, --user USER     drop root for USER after opening (default nobody)\n"
"      --flows-max N   flows kept at most (default 65536)\n"
"\n"
"Agent:\n"
"      --serve [ADDR:]PORT  run every --interval and serve /metrics (Prometheus),\n"
"                      /report.json and /healthz (default address 127.0.0.1)\n"
"      --interval S    seconds between runs (default 60)\n"
"      --serve-token FILE  require 'Authorization: Bearer <the file's token>'\n"
"\n"
"Probing:\n"
"  -4, -6              IPv4 or IPv6 only (default: both, separately)\n"
"  -t, --timeout S     deadline per check in seconds (default 5)\n"
"      --run-timeout S deadline for the whole run (default: derived)\n"
"  -P, --parallel N    checks at once (default 128; also bounded by the\n"
"                      descriptor limit)\n"
"      --resolver IP[:PORT]  ask this DNS server instead of the system's\n"
"      --ca-file FILE  also trust these PEM roots (your company's CA)\n"
"      --apple-ca FILE expected roots for Apple hosts (replaces built-in)\n"
"      --hold S        keep courier connections idle S seconds: do they last?\n"
"\n"
"Output:\n"
"  -j, --json          JSON report (schema 1) instead of text\n"
"      --format F      text, json or prometheus (the exposition format, for\n"
"                      node_exporter's textfile collector; with --once)\n"
"      --nagios        one monitoring-plugin line; exit 0/1/2/3 for\n"
"                      ok/warning/critical/unknown\n"
"      --warning MS, --critical MS  with --nagios: slowest check thresholds\n"
"      --save FILE     also write FILE.txt and FILE.json, for a ticket\n"
"      --redact        mask this machine's name, user, addresses and the\n"
"                      company's host names in every report\n"
"      --public-ip URL also ask this service for the public address (off\n"
"                      by default: nothing is contacted unless asked)\n"
"      --color WHEN    auto (default), always or never; NO_COLOR is honoured\n"
"  -h, --help          this help\n"
"  -V, --version       version\n"
"\n"
"Exit status: 0 every required check ok, 1 a required check failed,\n"
"2 usage or configuration error, 3 internal error.  See pushprobe(1).\n", f);
}

static void
die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void
die_usage(const char *fmt, ...)
{
    va_list ap;
    char msg[1024];
    unsigned char *p;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Arguments are echoed: their control characters (an escape that
     * clears the screen, a newline) are shown, not obeyed. */
    for (p = (unsigned char *)msg; *p != '\0'; p++)
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
    fprintf(stderr, "pushprobe: %s\nTry 'pushprobe --help'.\n", msg);
    exit(PP_EXIT_USAGE);
}

static void
list_plan(const struct pp_plan *p)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];
        printf("%-16s %-34s %5u %-7s %-8s %s\n", pp_service_name(t->service), t->host,
               t->port, t->probe->name, t->required ? "required" : "optional",
               t->note ? t->note : "");
    }
}

/* Every setting, from a configuration file or the command line. */
struct settings {
    struct pp_engine_opts o;
    const char *profile;
    char *ca_file;
    char *apple_ca;
    char *resolver;
    char *color;
    bool json;
    bool list;
    bool redact;
    const char *save;
    bool prometheus;
    bool nagios;
    bool once;
    bool serve;
    struct pp_agent_opts agent;
    double warn_ms, crit_ms;
    bool audit;
    bool csv;
    bool shuffle;
    const char *ports;
    const char *targets_file;
    const char *expect_file;
    bool only4, only6;
    bool no_tui;
    char *sniff;
    bool sniff_only;
    const char *read_file;
    char *filter;
    double duration_s;
    char *run_as;
    long flows_max;
    FILE *save_f[2];         /* FILE.txt and FILE.json, opened before any drop of root */
    const struct pp_context *cx;   /* for redacting saved reports */
    /* User systems and targets, added after the profile in order. */
    struct { char *key; char *arg; } *user;
    size_t nuser;
};

static void
replace(char **slot, const char *v)
{
    free(*slot);
    *slot = pp_xstrdup(v);
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

/* Apply one setting by its long name; the value is checked here, so a
 * configuration file and the command line are held to the same rules. */
static int
apply_setting(void *ctx, const char *key, const char *v, char *err, size_t errlen)
{
    struct settings *st = ctx;
    long lv;
    bool b;

    if (strcmp(key, "timeout") == 0) {
        if (pp_parse_seconds(v, 300, &st->o.timeout_s) < 0)
            goto bad_seconds_300;
    } else if (strcmp(key, "run-timeout") == 0) {
        if (pp_parse_seconds(v, 86400, &st->o.run_timeout_s) < 0) {
            snprintf(err, errlen, "want seconds in (0, 86400], got '%.64s'", v);
            return -1;
        }
    } else if (strcmp(key, "parallel") == 0) {
        if (pp_parse_long(v, 1, 65536, &lv) < 0) {
            snprintf(err, errlen, "want a number from 1 to 65536, got '%.64s'", v);
            return -1;
        }
        st->o.parallel = (int)lv;
    } else if (strcmp(key, "hold") == 0) {
        if (pp_parse_seconds(v, 3600, &st->o.hold_s) < 0) {
            snprintf(err, errlen, "want seconds in (0, 3600], got '%.64s'", v);
            return -1;
        }
    } else if (strcmp(key, "resolver") == 0) {
        if (pp_dns_resolver_check(v, err, errlen) < 0)
            return -1;
        replace(&st->resolver, v);
    } else if (strcmp(key, "sniff") == 0) {
        if (*v == '\0' || strlen(v) > 64) {
            snprintf(err, errlen, "want an interface name, got '%.64s'", v);
            return -1;
        }
        replace(&st->sniff, v);
    } else if (strcmp(key, "filter") == 0) {
        replace(&st->filter, v);
    } else if (strcmp(key, "user") == 0) {
        if (*v == '\0') {
            snprintf(err, errlen, "want a user name");
            return -1;
        }
        replace(&st->run_as, v);
    } else if (strcmp(key, "flows-max") == 0) {
        if (pp_parse_long(v, 16, 10000000, &st->flows_max) < 0) {
            snprintf(err, errlen, "want a number from 16 to 10000000, got '%.64s'", v);
            return -1;
        }
    } else if (strcmp(key, "ca-file") == 0) {
        replace(&st->ca_file, v);
    } else if (strcmp(key, "apple-ca") == 0) {
        replace(&st->apple_ca, v);
    } else if (strcmp(key, "profile") == 0) {
        if (strcmp(v, "apple") != 0 && strcmp(v, "none") != 0) {
            snprintf(err, errlen, "unknown profile '%.64s' (want apple or none)", v);
            return -1;
        }
        st->profile = strcmp(v, "apple") == 0 ? "apple" : "none";
    } else if (strcmp(key, "color") == 0) {
        if (strcmp(v, "auto") != 0 && strcmp(v, "always") != 0 && strcmp(v, "never") != 0) {
            snprintf(err, errlen, "want auto, always or never, got '%.64s'", v);
            return -1;
        }
        replace(&st->color, v);
    } else if (strcmp(key, "ipv4") == 0 || strcmp(key, "ipv6") == 0) {
        if (yes_no(v, &b, err, errlen) < 0)
            return -1;
        /* The last word wins: -4 after ipv6 = yes means IPv4 only. */
        if (key[3] == '4') {
            st->only4 = b;
            if (b)
                st->only6 = false;
        } else {
            st->only6 = b;
            if (b)
                st->only4 = false;
        }
    } else if (strcmp(key, "mdm") == 0 || strcmp(key, "sus") == 0 ||
               strcmp(key, "dp") == 0 || strcmp(key, "smb") == 0 ||
               strcmp(key, "afp") == 0 || strcmp(key, "target") == 0 ||
               strcmp(key, "public-ip") == 0) {
        struct pp_plan scratch;
        int rc = 0;

        /* Check the value now, so the error points at its line. */
        pp_plan_init(&scratch);
        if (strcmp(key, "mdm") == 0)
            rc = pp_plan_add_mdm(&scratch, v, err, errlen);
        else if (strcmp(key, "sus") == 0)
            rc = pp_plan_add_sus(&scratch, v, err, errlen);
        else if (strcmp(key, "dp") == 0)
            rc = pp_plan_add_dp(&scratch, v, err, errlen);
        else if (strcmp(key, "smb") == 0)
            rc = pp_plan_add_smb(&scratch, v, err, errlen);
        else if (strcmp(key, "afp") == 0)
            rc = pp_plan_add_afp(&scratch, v, err, errlen);
        else if (strcmp(key, "public-ip") == 0)
            rc = pp_plan_add_publicip(&scratch, v, err, errlen);
        else
            rc = pp_plan_add_free(&scratch, v, err, errlen);
        pp_plan_free(&scratch);
        if (rc < 0)
            return -1;
        st->user = pp_xrealloc(st->user, st->nuser + 1, sizeof(*st->user));
        st->user[st->nuser].key = pp_xstrdup(key);
        st->user[st->nuser].arg = pp_xstrdup(v);
        st->nuser++;
    } else {
        snprintf(err, errlen, "unknown setting");
        return -1;
    }
    return 0;
bad_seconds_300:
    snprintf(err, errlen, "want seconds in (0, 300], got '%.64s'", v);
    return -1;
}

/* Long options that are settings, by getopt code. */
static const char *
setting_name(int ch)
{
    size_t i;

    if (ch == 't')
        return "timeout";
    if (ch == 'P')
        return "parallel";
    if (ch == 'Z')
        return "user";
    for (i = 0; longopts[i].name != NULL; i++)
        if (longopts[i].val == ch && ch >= OPT_RESOLVER)
            return longopts[i].name;
    return NULL;
}

static void
free_settings(struct settings *st)
{
    size_t i;

    for (i = 0; i < st->nuser; i++) {
        free(st->user[i].key);
        free(st->user[i].arg);
    }
    free(st->user);
    free(st->ca_file);
    free(st->apple_ca);
    free(st->resolver);
    free(st->color);
    free(st->sniff);
    free(st->filter);
    free(st->run_as);
}

enum fmt { FMT_TEXT, FMT_JSON, FMT_PROMETHEUS };

static void
write_report(FILE *f, const struct pp_report *rep, enum fmt fmt, bool color)
{
    if (fmt == FMT_JSON)
        pp_report_json(f, rep);
    else if (fmt == FMT_PROMETHEUS)
        pp_report_prometheus(f, rep);
    else
        pp_report_text(f, rep, color);
}

/* A report rendered to a string, then masked when asked. */
static char *
render(const struct pp_report *rep, enum fmt fmt, bool color, const struct pp_redact *rd)
{
    char *buf = NULL, *out;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (m == NULL) {
        fprintf(stderr, "pushprobe: out of memory\n");
        exit(PP_EXIT_INTERNAL);
    }
    write_report(m, rep, fmt, color);
    if (fclose(m) != 0 || buf == NULL) {
        fprintf(stderr, "pushprobe: out of memory\n");
        exit(PP_EXIT_INTERNAL);
    }
    if (rd == NULL)
        return buf;
    out = pp_redact_apply(rd, buf);
    free(buf);
    return out;
}

/* What --redact masks: this machine, its user, its addresses and those of
 * its network, and the company's own systems (never Apple's). */
static struct pp_redact *
redactions(const struct pp_report *rep, const struct pp_context *cx)
{
    struct pp_redact *rd = pp_redact_new();
    size_t i;

    if (cx->hostname) {
        /* "Name.local" on macOS: its short form is the same name. */
        size_t n = strcspn(cx->hostname, ".");
        pp_redact_add_unique(rd, "hostname", cx->hostname);
        if (n >= 4 && cx->hostname[n] == '.') {
            char *shortname = pp_xstrdup(cx->hostname);
            shortname[n] = '\0';
            pp_redact_add_unique(rd, "hostname", shortname);
            free(shortname);
        }
    }
    /* A system account's name is an ordinary word ("root"): not secret. */
    if (cx->username && strcmp(cx->username, "root") != 0 &&
        strcmp(cx->username, "nobody") != 0 && strcmp(cx->username, "admin") != 0)
        pp_redact_add_unique(rd, "user", cx->username);
    for (i = 0; i < cx->nlocal; i++)
        pp_redact_add(rd, "local-addr", cx->local_addrs[i]);
    if (cx->default_gw)
        pp_redact_add(rd, "local-addr", cx->default_gw);
    if (cx->default_gw6)
        pp_redact_add(rd, "local-addr", cx->default_gw6);
    for (i = 0; i < cx->ndns; i++)
        pp_redact_add(rd, "local-addr", cx->dns_servers[i]);
    for (i = 0; i < cx->nproxies; i++) {
        /* The proxy's host (from a URL or host:port), not words like "on". */
        const char *v = cx->proxies[i].value, *h = strstr(v, "://");
        char host[256];
        size_t n;

        if (strstr(cx->proxies[i].name, "no_proxy") != NULL ||
            strstr(cx->proxies[i].name, "NO_PROXY") != NULL)
            continue;
        h = h ? h + 3 : v;
        if (strchr(h, '@') != NULL)
            h = strchr(h, '@') + 1;
        n = strcspn(h, ":/");
        if (n < 3 || n >= sizeof(host) || strchr(h, '.') == NULL)
            continue;
        memcpy(host, h, n);
        host[n] = '\0';
        pp_redact_add(rd, "proxy", host);
    }
    for (i = 0; i < rep->n; i++) {
        const struct pp_result *r = rep->results[i];
        enum pp_service sv = r->target->service;
        const struct pp_kv *pub = pp_detail_get(r, PP_DETAIL_PUBLIC_ADDRESS);
        if (pub != NULL)
            pp_redact_add_unique(rd, "public-addr", pub->s);
        if (r->icmp_from[0])
            pp_redact_add(rd, "local-addr", r->icmp_from);
        if (sv == PP_SV_MDM || sv == PP_SV_SUS || sv == PP_SV_DP || sv == PP_SV_SMB ||
            sv == PP_SV_AFP || sv == PP_SV_CUSTOM) {
            pp_redact_add(rd, "corp-host", r->target->host);
            if (r->has_address)
                pp_redact_add(rd, "corp-addr", r->address);
        }
    }
    return rd;
}

/* Write the report as FILE.txt and FILE.json (--save, or the dashboard's
 * s key: without --save, pushprobe-DATE-TIME in the current directory). */
static int
save_report(const struct pp_report *rep, void *arg, char *msg, size_t msglen)
{
    struct settings *st = arg;
    struct pp_redact *rd = st->redact && st->cx != NULL ? redactions(rep, st->cx) : NULL;
    bool own = st->save_f[0] == NULL;
    char *text[2], *base, stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    int k, rc = 0;

    text[0] = render(rep, FMT_TEXT, false, rd);
    text[1] = render(rep, FMT_JSON, false, rd);
    pp_redact_free(rd);
    if (own) {
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
        base = pp_xasprintf("pushprobe-%s", stamp);
    } else {
        base = pp_xstrdup(st->save);
    }
    for (k = 0; k < 2; k++) {
        char *path = pp_xasprintf(k == 0 ? "%s.txt" : "%s.json", base);
        FILE *f = own ? fopen(path, "w") : st->save_f[k];

        if (f != NULL && !own) {
            rewind(f);
            if (ftruncate(fileno(f), 0) < 0)
                f = NULL;
        }
        if (f == NULL || fputs(text[k], f) == EOF || fflush(f) != 0) {
            if (rc == 0)
                snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
            rc = -1;
        }
        if (own && f != NULL && fclose(f) != 0 && rc == 0) {
            snprintf(msg, msglen, "cannot write %s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
        free(text[k]);
    }
    if (rc == 0)
        snprintf(msg, msglen, "saved %s.txt and %s.json", base, base);
    free(base);
    return rc;
}

/* The run's status as the exit status: 0 ok, 4 degraded, 1 failed (the
 * same word as the report's summary and the dashboard's header). */
static int
exit_status(const struct pp_report *rep)
{
    struct pp_summary s;

    pp_summarize(rep, &s);
    return pp_status_exit(s.status);
}

/* --sniff without the dashboard: capture beside one run of the checks
 * (plan NULL: --sniff-only), until the run is over and --duration has
 * passed, or until Ctrl-C. */
static volatile sig_atomic_t stop_watch;

static void
on_stop(int sig)
{
    (void)sig;
    stop_watch = 1;
}

struct watch_state {
    bool engine_done;
    bool duration_over;
};

static void
watch_engine_done(void *arg)
{
    ((struct watch_state *)arg)->engine_done = true;
}

static void
watch_duration_over(void *arg)
{
    ((struct watch_state *)arg)->duration_over = true;
}

static int
watch(struct pp_capture *cap, const struct pp_plan *plan, const struct pp_engine_opts *eo,
      double duration_s, struct pp_report *rep, char *err, size_t errlen)
{
    struct pp_loop *loop = pp_loop_new();
    struct pp_engine *e = NULL;
    struct watch_state ws = {false, false};
    struct sigaction sa, old_int, old_term;
    time_t t0 = time(NULL);
    double started = pp_now_msf();

    memset(rep, 0, sizeof(*rep));
    if (pp_capture_attach(cap, loop, watch_duration_over, &ws, err, errlen) < 0) {
        pp_loop_free(loop);
        return -1;
    }
    if (plan != NULL) {
        e = pp_engine_start(loop, plan, eo, watch_engine_done, &ws, err, errlen);
        if (e == NULL) {
            pp_capture_detach(cap);
            pp_loop_free(loop);
            return -1;
        }
    } else {
        ws.engine_done = true;
        if (isatty(STDERR_FILENO))
            fprintf(stderr, "pushprobe: capturing on %s%s; Ctrl-C ends it\n",
                    pp_capture_source(cap), duration_s > 0 ? " for --duration" : "");
    }
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    stop_watch = 0;
    while (!stop_watch) {
        if (ws.engine_done && (ws.duration_over || (plan != NULL && duration_s <= 0)))
            break;
        if (pp_loop_run_once(loop, 250) < 0 && errno != EINTR)
            break;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (e != NULL)
        pp_engine_finish(e, rep);
    else {
        pp_rfc3339(t0, rep->started_at, sizeof(rep->started_at));
        rep->ended_at = (int64_t)time(NULL);
        rep->duration_ms = pp_now_msf() - started;
    }
    pp_capture_detach(cap);
    pp_capture_settle(cap, true);
    pp_loop_free(loop);
    return 0;
}

/* Standard output is a terminal that can take escape sequences. */
static bool
smart_terminal(void)
{
    const char *term = getenv("TERM");

    return isatty(STDOUT_FILENO) && term != NULL && strcmp(term, "dumb") != 0;
}

/* --color auto (the default), always or never; NO_COLOR wins over all. */
static bool
want_color(const struct settings *st)
{
    const char *nc = getenv("NO_COLOR");

    if (nc != NULL && *nc != '\0')
        return false;
    if (st->color != NULL && strcmp(st->color, "always") == 0)
        return true;
    if (st->color != NULL && strcmp(st->color, "never") == 0)
        return false;
    return smart_terminal();
}

/* The audit's report: CSV, JSON or text; exit 1 when anything deviates. */
static int
audit_output(const struct pp_report *rep, const struct settings *st, const struct pp_audit *a,
             const struct pp_audit_result *ar)
{
    bool color = want_color(st);

    if (st->csv)
        pp_audit_csv(stdout, a, ar);
    else if (st->json)
        pp_report_json(stdout, rep);
    else
        pp_audit_text(stdout, rep, a, ar, color);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pushprobe: writing the report: %s\n", strerror(errno));
        return PP_EXIT_INTERNAL;
    }
    if (ar->not_run > 0)
        fprintf(stderr, "pushprobe: %llu checks were not run: the run's time limit passed\n",
                (unsigned long long)ar->not_run);
    return ar->deviations > 0 || ar->not_run > 0 ? PP_EXIT_FAILED : PP_EXIT_OK;
}

/* One line in the monitoring-plugins convention; returns 0 (OK), 1
 * (WARNING) or 2 (CRITICAL): the run's status (ok, degraded, failed), or
 * worse when the slowest check passes --warn-ms or --crit-ms. */
static int
nagios(const struct pp_report *rep, const struct pp_diagnosis *d, double warn_ms,
       double crit_ms)
{
    static const char *const words[] = {"OK", "WARNING", "CRITICAL"};
    int level, sev = -1;
    size_t i;
    double slowest = 0;
    struct pp_summary s;
    const struct pp_finding *top = NULL;
    const char *what;

    pp_summarize(rep, &s);
    level = pp_status_nagios(s.status);
    /* The words: the most severe finding when something is wrong, the
     * conclusion (NETWORK_OK, or what was checked) when not. */
    for (i = 0; i < d->n; i++)
        if ((int)d->f[i].severity > sev && d->f[i].severity != PP_SEV_INFO) {
            sev = (int)d->f[i].severity;
            top = &d->f[i];
        }
    if (s.status == PP_STATUS_OK || top == NULL) {
        top = pp_diagnosis_find(d, "NETWORK_OK");
        if (top == NULL)
            top = pp_diagnosis_find(d, "CHECKED_OK");
    }
    what = top == NULL ? pp_status_name(s.status) :
           strcmp(top->code, "NETWORK_OK") == 0 ? "network ok" : top->title;
    for (i = 0; i < rep->n; i++)
        if (rep->results[i]->t_total > slowest)
            slowest = rep->results[i]->t_total;
    if (crit_ms > 0 && slowest > crit_ms && level < 2)
        level = 2;
    else if (warn_ms > 0 && slowest > warn_ms && level < 1)
        level = 1;
    printf("PUSHPROBE %s - push %s, mdm %s; %s | checks=%zu ok=%zu failed=%zu expected=%zu "
           "slowest=%.1fms;%.0f;%.0f duration=%.3fs\n", words[level],
           pp_verdict_name(d->verdict[PP_AREA_PUSH]), pp_verdict_name(d->verdict[PP_AREA_MDM]),
           what, s.checks, s.ok, s.failed, s.expected, slowest, warn_ms, crit_ms,
           rep->duration_ms / 1e3);
    return level;
}

/* Configuration files before the command line: /etc, then the user's,
 * then --config.  Returns only when all were read; errors exit 2. */
static void
read_configs(struct settings *st, int argc, char **argv)
{
    char err[600], *paths[4];
    const char *explicit_path = NULL;
    bool defaults = true;
    size_t n, i;
    int k;

    /* --config and --no-config are looked for first: they decide what is
     * read before everything else. */
    for (k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--") == 0)
            break;
        if (strcmp(argv[k], "--no-config") == 0)
            defaults = false;
        else if (strcmp(argv[k], "--config") == 0 && k + 1 < argc)
            explicit_path = argv[++k];
        else if (strncmp(argv[k], "--config=", 9) == 0)
            explicit_path = argv[k] + 9;
    }
    if (defaults) {
        n = pp_config_default_paths(paths, 4);
        for (i = 0; i < n; i++) {
            if (pp_config_load(paths[i], true, apply_setting, st, err, sizeof(err)) < 0) {
                fprintf(stderr, "pushprobe: %s\n", err);
                exit(PP_EXIT_USAGE);
            }
            free(paths[i]);
        }
    }
    if (explicit_path != NULL &&
        pp_config_load(explicit_path, false, apply_setting, st, err, sizeof(err)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        exit(PP_EXIT_USAGE);
    }
}

int
main(int argc, char **argv)
{
    struct settings st;
    struct pp_plan plan;
    struct pp_report rep;
    struct pp_diagnosis diag;
    struct pp_audit audit;
    struct pp_audit_result ares;
    struct pp_context cx;
    struct pp_redact *rd = NULL;
    struct pp_capture *cap = NULL;
    char err[600], *out;
    const char *name;
    bool color, cli4 = false, cli6 = false, watch_only, cli_user = false, cli_filter = false;
    int ch, i, rc = PP_EXIT_OK;
    size_t k;

    memset(&rep, 0, sizeof(rep));
    memset(&cx, 0, sizeof(cx));
    memset(&diag, 0, sizeof(diag));
    signal(SIGPIPE, SIG_IGN);
#ifdef HAVE_STDIO_EXT_H
    /* One thread: stdout needs no lock per character of a large report. */
    __fsetlocking(stdout, FSETLOCKING_BYCALLER);
#endif
    memset(&st, 0, sizeof(st));
    st.o.timeout_s = 5.0;
    st.o.parallel = 128;
    st.profile = "apple";
    pp_plan_init(&plan);
    read_configs(&st, argc, argv);

    /* getopt's own messages carry argv[0]'s path: report errors here. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":46t:P:p:Z:jhV", longopts, NULL)) != -1) {
        switch (ch) {
        case '4':
            cli4 = true;
            apply_setting(&st, "ipv4", "yes", err, sizeof(err));
            break;
        case '6':
            cli6 = true;
            apply_setting(&st, "ipv6", "yes", err, sizeof(err));
            break;
        case 'j':
            st.json = true;
            st.prometheus = false;
            break;
        case OPT_LIST: st.list = true; break;
        case OPT_SAVE:
            if (optarg[0] == '\0' || strcmp(optarg, "-") == 0)
                die_usage("--save: want a file name (FILE.txt and FILE.json are written)");
            st.save = optarg;
            break;
        case OPT_FORMAT:   /* the last of --format and --json wins */
            if (strcmp(optarg, "json") != 0 && strcmp(optarg, "prometheus") != 0 &&
                strcmp(optarg, "text") != 0)
                die_usage("--format: want text, json or prometheus, got '%s'", optarg);
            st.json = strcmp(optarg, "json") == 0;
            st.prometheus = strcmp(optarg, "prometheus") == 0;
            break;
        case OPT_ONCE:   /* one run is what happens without --serve */
            st.once = true;
            break;
        case OPT_SERVE:
            if (pp_agent_parse_listen(optarg, &st.agent, err, sizeof(err)) < 0)
                die_usage("--serve: %s", err);
            st.serve = true;
            break;
        case OPT_INTERVAL:
            if (pp_parse_seconds(optarg, 86400, &st.agent.interval_s) < 0 ||
                st.agent.interval_s < 0.01)
                die_usage("--interval: want seconds in [0.01, 86400], got '%s'", optarg);
            break;
        case OPT_SERVE_TOKEN: st.agent.token_file = optarg; break;
        case OPT_NAGIOS: st.nagios = true; break;
        case OPT_WARNING: case OPT_CRITICAL: {
            double v;
            if (pp_parse_seconds(optarg, 3600000, &v) < 0)
                die_usage("--%s: want milliseconds, got '%s'",
                          ch == OPT_WARNING ? "warning" : "critical", optarg);
            if (ch == OPT_WARNING)
                st.warn_ms = v;
            else
                st.crit_ms = v;
            break;
        }
        case OPT_AUDIT: st.audit = true; break;
        case OPT_NO_TUI: st.no_tui = true; break;
        case OPT_SNIFF_ONLY: st.sniff_only = true; break;
        case OPT_READ: st.read_file = optarg; break;
        case OPT_DURATION:
            if (pp_parse_seconds(optarg, 31536000, &st.duration_s) < 0)
                die_usage("--duration: want seconds, got '%s'", optarg);
            break;
        case 'p': st.ports = optarg; break;
        case OPT_TARGETS: st.targets_file = optarg; break;
        case OPT_EXPECT: st.expect_file = optarg; break;
        case OPT_CSV: st.csv = true; break;
        case OPT_SHUFFLE: st.shuffle = true; break;
        case OPT_RATE:
            if (pp_parse_seconds(optarg, 1e6, &st.o.rate) < 0)
                die_usage("--rate: want connections per second in (0, 1000000], got '%s'",
                          optarg);
            break;
        case OPT_REDACT: st.redact = true; break;
        case OPT_CONFIG: case OPT_NO_CONFIG: break;   /* read_configs() did it */
        case 'h': usage(stdout); free_settings(&st); return PP_EXIT_OK;
        case 'V':
            printf("pushprobe %s\n", PACKAGE_VERSION);
            free_settings(&st);
            return PP_EXIT_OK;
        case ':':
            die_usage("option '%s' needs a value", argv[optind - 1]);
        case '?':
            if (optopt != 0)
                die_usage("unknown option '-%c'", optopt);
            die_usage("unknown option '%s'", argv[optind - 1]);
        default:
            if (ch == 'Z' || ch == OPT_USER)
                cli_user = true;
            if (ch == OPT_FILTER)
                cli_filter = true;
            name = setting_name(ch);
            if (name == NULL)
                die_usage("unknown option '%s'", argv[optind - 1]);
            if (apply_setting(&st, name, optarg, err, sizeof(err)) < 0)
                die_usage("--%s %s: %s", name, optarg, err);
            break;
        }
    }
    if (cli4 && cli6)
        die_usage("-4 and -6 exclude each other");
    st.o.want_v4 = !st.only6;
    st.o.want_v6 = !st.only4;
    st.o.resolver = st.resolver;
    /* The audit judges each check as it is; the retry is a diagnosis, and
     * only where the system can ask for small segments (Linux). */
    st.o.mss_retry = !st.audit && pp_netx_can_shrink_segments();

    pp_audit_init(&audit);
    if (st.audit) {
        if (st.ports != NULL && pp_audit_set_ports(&audit, st.ports, err, sizeof(err)) < 0)
            die_usage("--ports: %s", err);
        for (i = optind; i < argc; i++)
            if (pp_audit_add(&audit, argv[i], err, sizeof(err)) < 0)
                die_usage("target '%s': %s", argv[i], err);
        if (st.targets_file != NULL &&
            pp_audit_add_file(&audit, st.targets_file, err, sizeof(err)) < 0)
            die_usage("--targets: %s", err);
        if (st.expect_file != NULL &&
            pp_audit_set_policy(&audit, st.expect_file, err, sizeof(err)) < 0)
            die_usage("--expect: %s", err);
        audit.shuffle = st.shuffle;
        audit.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
        if (pp_audit_prepare(&audit, &plan, err, sizeof(err)) < 0)
            die_usage("%s", err);
        st.o.feed = &audit.feed;
        st.o.progress = !st.list && isatty(STDERR_FILENO);
        optind = argc;   /* the targets were audit specs */
    } else if (st.ports != NULL || st.targets_file != NULL || st.expect_file != NULL ||
               st.csv) {
        die_usage("-p, --targets, --expect and --csv go with --audit");
    }
    if (!st.audit && strcmp(st.profile, "none") != 0 &&
        pp_plan_add_profile(&plan, st.profile) < 0)
        die_usage("unknown profile '%s'", st.profile);
    for (k = 0; k < st.nuser; k++) {
        const char *key = st.user[k].key, *arg = st.user[k].arg;
        /* Checked when given: cannot fail here. */
        if (strcmp(key, "mdm") == 0)
            rc = pp_plan_add_mdm(&plan, arg, err, sizeof(err));
        else if (strcmp(key, "sus") == 0)
            rc = pp_plan_add_sus(&plan, arg, err, sizeof(err));
        else if (strcmp(key, "dp") == 0)
            rc = pp_plan_add_dp(&plan, arg, err, sizeof(err));
        else if (strcmp(key, "smb") == 0)
            rc = pp_plan_add_smb(&plan, arg, err, sizeof(err));
        else if (strcmp(key, "afp") == 0)
            rc = pp_plan_add_afp(&plan, arg, err, sizeof(err));
        else if (strcmp(key, "public-ip") == 0)
            rc = pp_plan_add_publicip(&plan, arg, err, sizeof(err));
        else
            rc = pp_plan_add_free(&plan, arg, err, sizeof(err));
        if (rc < 0)
            die_usage("%s %s: %s", key, arg, err);
    }
    for (i = optind; i < argc; i++)
        if (pp_plan_add_free(&plan, argv[i], err, sizeof(err)) < 0)
            die_usage("target '%s': %s", argv[i], err);
    if (st.read_file != NULL && st.sniff != NULL)
        die_usage("--read and --sniff exclude each other");
    if (st.sniff_only && st.sniff == NULL)
        die_usage("--sniff-only needs --sniff IFACE");
    if (st.duration_s > 0 && st.sniff == NULL)
        die_usage("--duration goes with --sniff");
    if ((st.read_file != NULL || st.sniff != NULL) && st.audit)
        die_usage("--sniff and --read do not go with --audit");
    if ((st.read_file != NULL || st.sniff_only) && st.serve)
        die_usage("--read and --sniff-only do not go with --serve (--sniff does)");
    if (st.serve && (st.audit || st.once || st.nagios))
        die_usage("--serve runs again and again: not with --audit, --once or --nagios");
    if (st.nagios && (st.json || st.prometheus || st.audit))
        die_usage("--nagios prints one line: not with --json, --format or --audit");
    if (st.audit && st.prometheus)
        die_usage("the audit reports in text, JSON (--json) or CSV (--csv), not prometheus");
    if (cli_filter && st.read_file == NULL && st.sniff == NULL)
        die_usage("--filter goes with --sniff or --read");
    if (st.agent.token_file != NULL && !st.serve)
        die_usage("--serve-token goes with --serve");
    if (cli_user && st.read_file == NULL && st.sniff == NULL)
        die_usage("-Z goes with --sniff or --read");
    watch_only = st.read_file != NULL || st.sniff_only;
    if (!watch_only && plan.n == 0 && (st.o.feed == NULL || st.o.feed->total == 0))
        die_usage("nothing to check: give targets or use the apple profile");
    if (!watch_only && plan.n > 0 && (st.only4 || st.only6)) {
        /* Only addresses of the family left out: not one check could run. */
        for (k = 0; k < plan.n && pp_host_literal(plan.t[k]->host) == (st.only4 ? 6 : 4); k++)
            ;
        if (k == plan.n)
            die_usage("nothing to check: %s%s an IPv%d address and %s checks IPv%d only",
                      plan.n > 1 ? "every target" : plan.t[0]->host,
                      " is", st.only4 ? 6 : 4, st.only4 ? "-4" : "-6",
                      st.only4 ? 4 : 6);
    }
    if (st.list) {
        list_plan(&plan);
        if (st.o.feed != NULL && st.o.feed->total > 0)
            printf("and %llu checks of addresses and blocks\n",
                   (unsigned long long)st.o.feed->total);
        pp_audit_free(&audit);
        pp_plan_free(&plan);
        free_settings(&st);
        return PP_EXIT_OK;
    }

    if (st.save != NULL) {
        /* Fail before probing when the report could not be saved; the
         * files stay open, so saving works after root is dropped. */
        for (k = 0; k < 2; k++) {
            char *path = pp_xasprintf(k == 0 ? "%s.txt" : "%s.json", st.save);
            st.save_f[k] = fopen(path, "w");
            if (st.save_f[k] == NULL)
                die_usage("--save: cannot write %s: %s", path, strerror(errno));
            free(path);
        }
    }
    st.o.tls = pp_tls_ctx_new(st.ca_file, st.apple_ca, err, sizeof(err));
    if (st.o.tls == NULL)
        die_usage("%s", err);
    color = want_color(&st);

    if (st.read_file != NULL || st.sniff != NULL) {
        /* The one privileged step, then root goes before any packet. */
        struct pp_capture_opts co;
        char *deflt = st.filter == NULL ? pp_capture_default_filter(&plan) : NULL;

        memset(&co, 0, sizeof(co));
        co.iface = st.sniff;
        co.file = st.read_file;
        co.filter = st.filter != NULL ? st.filter : deflt;
        co.filter_is_default = st.filter == NULL;
        co.max_flows = (size_t)st.flows_max;
        co.duration_s = st.duration_s;
        cap = pp_capture_open(&co, err, sizeof(err));
        free(deflt);
        if (cap == NULL) {
            fprintf(stderr, "pushprobe: %s\n", err);
            rc = PP_EXIT_USAGE;
            goto out;
        }
        pp_capture_learn_plan(cap, &plan);
        if (pp_drop_privileges(st.run_as, err, sizeof(err)) < 0) {
            fprintf(stderr, "pushprobe: %s\n", err);
            rc = PP_EXIT_INTERNAL;
            goto out;
        }
    }

    if (st.serve) {
        if (st.agent.interval_s <= 0)
            st.agent.interval_s = 60;
        st.agent.capture = cap;
        rc = pp_agent_run(&st.agent, &plan, &st.o, err, sizeof(err));
        if (rc < 0)
            fprintf(stderr, "pushprobe: %s\n", err);
        pp_capture_free(cap);
        pp_audit_free(&audit);
        pp_tls_ctx_free(st.o.tls);
        pp_plan_free(&plan);
        free_settings(&st);
        return rc < 0 ? PP_EXIT_USAGE : PP_EXIT_OK;
    }

    if (!st.no_tui && !st.json && !st.prometheus && !st.nagios && !st.audit &&
        st.read_file == NULL && isatty(STDIN_FILENO) && smart_terminal()) {
        struct pp_live_opts lo;
        struct pp_plan none;

        pp_plan_init(&none);
        memset(&lo, 0, sizeof(lo));
        lo.plan = st.sniff_only ? &none : &plan;
        lo.eo = &st.o;
        lo.interval_s = st.agent.interval_s > 0 ? st.agent.interval_s : 10;
        lo.color = color;
        lo.save = save_report;
        lo.save_arg = &st;
        lo.capture = cap;
        st.cx = &cx;
        if (pp_live_run(&lo, &rep, &diag, &cx, err, sizeof(err)) == 0) {
            /* The terminal keeps the last verdict; --save gets it too. */
            if (rep.n > 0 || cap != NULL) {
                char msg[300];
                if (st.redact)
                    rd = redactions(&rep, &cx);
                out = render(&rep, FMT_TEXT, color, rd);
                fputs(out, stdout);
                free(out);
                if (st.save != NULL && save_report(&rep, &st, msg, sizeof(msg)) < 0) {
                    fprintf(stderr, "pushprobe: %s\n", msg);
                    rc = PP_EXIT_INTERNAL;
                    goto done;
                }
            }
            rc = exit_status(&rep);
            goto done;
        }
        /* No dashboard here (no curses in this build): the report instead. */
        fprintf(stderr, "pushprobe: %s\n", err);
    }

    if (st.read_file != NULL) {
        if (pp_capture_read_all(cap, err, sizeof(err)) < 0)
            fprintf(stderr, "pushprobe: %s (the packets before it are analysed)\n", err);
        pp_capture_settle(cap, true);
        memset(&rep, 0, sizeof(rep));
        {
            /* The report's time is the capture's. */
            const struct pp_flows_stats *fs = pp_flows_stats(pp_capture_flows(cap));
            if (fs->frames > 0) {
                pp_rfc3339((time_t)(fs->first_us / 1000000), rep.started_at,
                           sizeof(rep.started_at));
                rep.duration_ms = (double)(fs->last_us - fs->first_us) / 1000.0;
                rep.ended_at = fs->last_us / 1000000;
            }
        }
    } else if (cap != NULL) {
        if (watch(cap, st.sniff_only ? NULL : &plan, &st.o, st.duration_s, &rep, err,
                  sizeof(err)) < 0) {
            fprintf(stderr, "pushprobe: %s\n", err);
            rc = PP_EXIT_INTERNAL;
            goto out;
        }
    } else if (pp_engine_run(&plan, &st.o, &rep, err, sizeof(err)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        rc = PP_EXIT_INTERNAL;
        goto out;
    }
    if (st.audit) {
        pp_audit_evaluate(&audit, &rep, &ares);
        rep.audit = &audit;
        rep.audit_result = &ares;
        rc = audit_output(&rep, &st, &audit, &ares);
        pp_audit_result_free(&ares);
        pp_report_free(&rep);
        pp_audit_free(&audit);
        pp_tls_ctx_free(st.o.tls);
        pp_plan_free(&plan);
        free_settings(&st);
        return rc;
    }
    rep.capture = cap;
    if (cap != NULL)
        pp_capture_learn_report(cap, &rep);
    pp_diagnose(&rep, &diag);
    rep.diag = &diag;
    /* A saved capture comes from another machine: this one is no context. */
    if (st.read_file == NULL) {
        pp_context_collect(&cx);
        if (st.resolver != NULL) {
            /* The DNS server in use is the one asked for. */
            for (k = 0; k < cx.ndns; k++)
                free(cx.dns_servers[k]);
            cx.dns_servers = pp_xrealloc(cx.dns_servers, 1, sizeof(*cx.dns_servers));
            cx.dns_servers[0] = pp_xstrdup(st.resolver);
            cx.ndns = 1;
        }
        rep.context = &cx;
    }
    st.cx = &cx;
    if (st.redact)
        rd = redactions(&rep, &cx);
    if (st.nagios) {
        rc = nagios(&rep, &diag, st.warn_ms, st.crit_ms);
    } else if (rd == NULL) {
        /* Straight out: a capture's report can be large. */
        write_report(stdout, &rep, st.prometheus ? FMT_PROMETHEUS : st.json ? FMT_JSON : FMT_TEXT,
                     color);
    } else {
        out = render(&rep, st.prometheus ? FMT_PROMETHEUS : st.json ? FMT_JSON : FMT_TEXT,
                     color, rd);
        fputs(out, stdout);
        free(out);
    }
    if (st.save != NULL) {
        char msg[300];
        if (save_report(&rep, &st, msg, sizeof(msg)) < 0) {
            fprintf(stderr, "pushprobe: %s\n", msg);
            exit(PP_EXIT_INTERNAL);
        }
    }
    if (!st.nagios)
        rc = exit_status(&rep);
done:
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pushprobe: writing the report: %s\n", strerror(errno));
        rc = PP_EXIT_INTERNAL;
    }
    pp_redact_free(rd);
out:
    pp_context_free(&cx);
    pp_diagnosis_free(&diag);
    pp_report_free(&rep);
    for (k = 0; k < 2; k++)
        if (st.save_f[k] != NULL)
            fclose(st.save_f[k]);
    pp_capture_free(cap);
    pp_audit_free(&audit);
    pp_tls_ctx_free(st.o.tls);
    pp_plan_free(&plan);
    free_settings(&st);
    return rc;
}
