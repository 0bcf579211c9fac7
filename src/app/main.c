/* SPDX-License-Identifier: ISC */
/*
 * pushprobe: can this device reach everything Apple device management
 * needs, and if not, what blocks it and where?
 *
 * main() reads the settings (configuration files, then the command line;
 * app/settings.c has the table), checks that they go together, builds the
 * plan, sets up what the run needs (--save's files, the trusted roots, the
 * capture, then root is dropped) and hands over to the runner of the mode
 * (app/modes.c).  Everything is cleaned up in one place, here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_STDIO_EXT_H
#include <stdio_ext.h>
#endif

#include "app/output.h"
#include "app/ppconfig.h"
#include "app/pacrun.h"
#include "app/run.h"
#include "app/settings.h"
#include "app/verbose.h"
#include "app/version.h"
#include "capture/capture.h"
#include "core/netx.h"
#include "core/url.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "engine/tlsctx.h"
#include "plan/proxy.h"

/* --nagios was given: what stops the check is said as a plugin's UNKNOWN
 * line on standard output, exit 3, as the monitoring-plugins guidelines
 * want (usage and configuration errors included). */
static bool plugin_mode;

static void
die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The message of a usage or configuration error, and the exit. */
static void __attribute__((noreturn))
die_with(const char *msg, bool try_help)
{
    if (plugin_mode) {
        char line[1100];
        size_t i;

        snprintf(line, sizeof(line), "%s", msg);
        for (i = 0; line[i] != '\0'; i++)
            if (line[i] == '|' || line[i] == '\n')
                line[i] = line[i] == '|' ? '/' : ' ';
        printf("PUSHPROBE UNKNOWN - %s\n", line);
        fflush(stdout);
        exit(PP_EXIT_INTERNAL);
    }
    fprintf(stderr, "pushprobe: %s\n%s", msg, try_help ? "Try 'pushprobe --help'.\n" : "");
    exit(PP_EXIT_USAGE);
}

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
    die_with(msg, true);
}

/* Configuration files before the command line: /etc, then the user's,
 * then --config.  A file's error does not stop the reading of the command
 * line (--help and --version work whatever the files hold): it is kept in
 * err, with --no-config's hint for a default file, and reported when a run
 * needs the settings.  Returns 0, or -1 with err. */
static int
read_configs(struct pp_settings *st, int argc, char **argv, char *err, size_t errlen)
{
    char *paths[4];
    const char *explicit_path = NULL;
    bool defaults = true;
    size_t n, i;
    int k, rc = 0;

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
    n = defaults ? pp_config_default_paths(paths, 4) : 0;
    for (i = 0; i < n; i++) {
        st->source = (int)i + 1;
        if (rc == 0 &&
            pp_config_load(paths[i], true, pp_settings_apply_key, st, err, errlen) < 0) {
            size_t len = strlen(err);

            snprintf(err + len, errlen - len, " (--no-config skips %s)", paths[i]);
            rc = -1;
        }
        free(paths[i]);
    }
    st->source = (int)n + 1;
    if (rc == 0 && explicit_path != NULL &&
        pp_config_load(explicit_path, false, pp_settings_apply_key, st, err, errlen) < 0)
        rc = -1;
    st->source = 0;   /* the command line */
    return rc;
}

/* The word getopt was reading when it met an unknown option: the one
 * before optind, or optind's when the unknown flag is inside a cluster
 * ("-list": getopt has not moved past it yet). */
static const char *
short_word(int argc, char **argv, int opt)
{
    const char *w = optind < argc ? argv[optind] : NULL;

    if (opt > 0 && opt < 256 && w != NULL && w[0] == '-' && w[1] != '-' &&
        strchr(w + 1, opt) != NULL && optind > 0 && strcmp(argv[optind - 1], w) != 0) {
        const char *prev = argv[optind - 1];

        if (!(prev[0] == '-' && prev[1] != '-' && strchr(prev + 1, opt) != NULL))
            return w;
    }
    return argv[optind - 1];
}

/* getopt_long's '?': an unknown or ambiguous option, or a value given
 * to a flag; the nearest option is suggested. */
static void __attribute__((noreturn))
die_unknown(const char *arg, int opt)
{
    char name[64], list[300] = "";
    const char *near;
    size_t i, n = 0, o = 0;

    if (strncmp(arg, "--", 2) != 0) {
        /* "-list": a long option with one dash. */
        if (arg[0] == '-' && strlen(arg) > 2 && pp_setting_by_name(arg + 1) != NULL)
            die_usage("unknown option '-%c' (did you mean '-%s'?)",
                      opt > 0 && opt < 256 ? opt : '?', arg);
        die_usage("unknown option '-%c'", opt > 0 && opt < 256 ? opt : '?');
    }
    if (arg[2] == '\0' || arg[2] == '=')
        die_usage("unknown option '%s'", arg);
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    if (opt != 0 && strchr(arg, '=') != NULL)
        die_usage("option '--%s' takes no value", name);
    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (s->name == NULL || s->type == PP_SET_HELP || strncmp(s->name, name, strlen(name)))
            continue;
        n++;
        if (o + 40 < sizeof(list))
            o += (size_t)snprintf(list + o, sizeof(list) - o, "%s--%s", n > 1 ? ", " : "",
                                  s->name);
    }
    if (n > 1)
        die_usage("option '--%s' is ambiguous: %s", name, list);
    near = pp_settings_suggest(name, false);
    if (near != NULL)
        die_usage("unknown option '--%s' (did you mean '--%s'?)", name, near);
    die_usage("unknown option '--%s'", name);
}

/* The command line, over the files' settings; given[row] says which rows
 * it named.  Returns -1 after --help or --version (nothing to run). */
static int
parse_args(struct pp_settings *st, int argc, char **argv, bool *given)
{
    struct option *longopts;
    char *shortopts, err[600];
    int ch;

    pp_settings_getopt(&longopts, &shortopts);
    /* getopt's own messages carry argv[0]'s path: report errors here. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct pp_setting *s;

        if (ch == ':')
            die_usage("option '%s' needs a value", argv[optind - 1]);
        if (ch == '?')
            die_unknown(short_word(argc, argv, optopt), optopt);
        s = ch >= 256 ? &pp_settings[ch - 256] : pp_setting_by_flag(ch);
        if (s == NULL)
            die_usage("unknown option '%s'", argv[optind - 1]);
        given[s - pp_settings] = true;
        if (s->flag == 'h' || s->flag == 'V') {
            if (s->flag == 'h')
                pp_settings_usage(stdout);
            else
                pp_version_print(stdout);
            free(longopts);
            free(shortopts);
            return -1;
        }
        if (pp_setting_apply(st, s, s->type == PP_SET_FLAG ? "yes" : optarg != NULL ? optarg : "-",
                             err, sizeof(err)) < 0) {
            if (s->terse)
                die_usage("--%s: %s", s->name, err);
            die_usage("--%s %s: %s", s->name, optarg, err);
        }
    }
    free(longopts);
    free(shortopts);
    return 0;
}

static bool
named(const bool *given, const char *name)
{
    return given[pp_setting_by_name(name) - pp_settings];
}

/* The settings go together, or the run stops with a usage error.  A
 * configuration file's serve or format gives way to a command line that
 * asks for a mode they do not go with. */
static void
check_combinations(struct pp_settings *st, const bool *given)
{
    bool capture = st->read_file != NULL || st->sniff != NULL;

    if (st->serve_from_file && (st->audit || st->once || st->nagios || st->read_file != NULL ||
                                st->sniff_only || st->list || st->o.step_level > 0))
        st->serve = false;
    if (st->format_from_file && (st->nagios || (st->audit && st->format == PP_FMT_PROMETHEUS)))
        st->format = PP_FMT_TEXT;
    if (named(given, "ipv4") && named(given, "ipv6"))
        die_usage("-4 and -6 exclude each other");
    if (named(given, "proxy") && named(given, "no-proxy"))
        die_usage("--proxy and --no-proxy exclude each other");
    /* The command line's own contradiction, refused as -4 -6 is (over a
     * file's format, --json simply wins). */
    if (named(given, "json") && named(given, "format") && st->format_word != PP_FMT_JSON)
        die_usage("--json and --format %s contradict each other",
                  st->format_word == PP_FMT_PROMETHEUS ? "prometheus" : "text");
    if (st->audit && named(given, "proxy"))
        die_usage("--proxy does not go with --audit: the audit checks ports directly");
    if (!st->audit && (st->ports != NULL || st->targets_file != NULL ||
                       st->expect_file != NULL || st->csv || st->jsonl_path != NULL))
        die_usage("-p, --targets, --expect, --csv and --jsonl go with --audit");
    if ((st->format == PP_FMT_JSON) + (st->csv_path != NULL && strcmp(st->csv_path, "-") == 0) +
        (st->jsonl_path != NULL && strcmp(st->jsonl_path, "-") == 0) > 1)
        die_usage("--json, --csv and --jsonl all want standard output: give --csv=FILE "
                  "or --jsonl=FILE");
    if (st->read_file != NULL && st->sniff != NULL)
        die_usage("--read and --sniff exclude each other");
    if (st->sniff_only && st->sniff == NULL)
        die_usage("--sniff-only needs --sniff IFACE");
    if (st->duration_s > 0 && st->sniff == NULL)
        die_usage("--duration goes with --sniff");
    if (capture && st->audit)
        die_usage("--sniff and --read do not go with --audit");
    if ((st->read_file != NULL || st->sniff_only) && st->serve)
        die_usage("--read and --sniff-only do not go with --serve (--sniff does)");
    if (st->serve && (st->audit || st->once || st->nagios))
        die_usage("--serve runs again and again: not with --audit, --once or --nagios");
    if (st->serve && st->o.step_level > 0)
        die_usage("-v writes one run's steps to standard error: not with --serve (the "
                  "agent's /report.json has each check's times)");
    if (st->nagios && (st->format != PP_FMT_TEXT || st->audit))
        die_usage("--nagios prints one line: not with --json, --format or --audit");
    if ((st->warn != NULL || st->crit != NULL) && !st->nagios)
        die_usage("--warning and --critical go with --nagios");
    if (pp_range_warn_above_crit(&st->warn_r, &st->crit_r))
        die_usage("--warning %s is above --critical %s", st->warn, st->crit);
    /* An audit's report is the company's addresses: nothing left to show
     * masked.  A configuration file's redact gives way. */
    if (st->audit && st->redact && named(given, "redact"))
        die_usage("--redact does not go with --audit (its report is the company's addresses)");
    if (st->audit && st->redact) {
        fprintf(stderr, "pushprobe: the audit's report is not masked (redact in the "
                "configuration file is for the other modes)\n");
        st->redact = false;
    }
    if (st->audit && st->format == PP_FMT_PROMETHEUS)
        die_usage("the audit reports in text, JSON (--json) or CSV (--csv), not prometheus");
    if (named(given, "filter") && !capture)
        die_usage("--filter goes with --sniff or --read");
    if (st->token_file != NULL && !st->serve)
        die_usage("--serve-token goes with --serve");
    if (st->o.trace > 0 && (st->audit || st->read_file != NULL || st->sniff_only))
        die_usage("--trace and --trace-all trace the checks: not with --audit, --read or "
                  "--sniff-only");
    if (named(given, "user") && !capture)
        die_usage("-Z goes with --sniff or --read");
    if (st->count > 0 && (st->serve || st->audit || capture))
        die_usage("-c runs the checks N times: not with --serve, --audit, --sniff or --read");
}

/* The audit's targets and expectations, turned into the plan's names and
 * the lazy feed of addresses. */
static void
build_audit(struct pp_app *app, int argc, char **argv)
{
    struct pp_settings *st = &app->st;
    char err[600];
    int i;

    if (st->ports != NULL && pp_audit_set_ports(&app->audit, st->ports, err, sizeof(err)) < 0)
        die_usage("--ports: %s", err);
    for (i = optind; i < argc; i++)
        if (pp_audit_add(&app->audit, argv[i], err, sizeof(err)) < 0)
            die_usage("target '%s': %s", argv[i], err);
    if (st->targets_file != NULL &&
        pp_audit_add_file(&app->audit, st->targets_file, err, sizeof(err)) < 0)
        die_usage("--targets: %s", err);
    if (st->expect_file != NULL &&
        pp_audit_set_policy(&app->audit, st->expect_file, err, sizeof(err)) < 0)
        die_usage("--expect: %s", err);
    app->audit.shuffle = st->shuffle;
    app->audit.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    if (pp_audit_prepare(&app->audit, &app->plan, err, sizeof(err)) < 0)
        die_usage("%s", err);
    st->o.feed = &app->audit.feed;
    st->o.progress = !st->list && isatty(STDERR_FILENO) ? pp_app_progress : NULL;
}

/* The plan: the audit's, or the profile, the user's systems in the order
 * given, then the command line's targets. */
/* The checks a device would send through a proxy, through it as well:
 * --proxy's, or the one the environment and the system name. */
static void
add_proxied(struct pp_app *app)
{
    const struct pp_settings *st = &app->st;
    struct pp_proxy_conf c;
    char err[300];

    pp_proxy_conf_init(&c);
    if (st->no_proxy) {
        c.mode = PP_PROXY_OFF;
    } else if (st->proxy != NULL) {
        c.mode = PP_PROXY_FORCED;
        if (pp_via_parse(st->proxy, false, &c.forced, err, sizeof(err)) < 0)
            die_usage("--proxy: %s", err);   /* checked when read: not reached */
    } else {
        struct pp_proxy *src;
        size_t n, k;

        /* The PAC file first (its answers come before the environment's
         * proxies); its child runs the script as nobody when we are root. */
        if (!st->sniff_only && st->read_file == NULL)
            pp_app_pac_load(st, &app->plan, &app->pac);
        c.pac = pp_pac_table_answer;
        c.pac_ctx = &app->pac;
        pp_context_proxy_sources(&src, &n);
        for (k = 0; k < n; k++)
            pp_proxy_conf_add(&c, src[k].name, src[k].value);
        pp_context_proxies_free(src, n);
    }
    if (c.warning != NULL)
        fprintf(stderr, "pushprobe: warning: %s (checks go direct)\n", c.warning);
    (void)pp_plan_add_proxied(&app->plan, &c);
    pp_proxy_conf_free(&c);
}

static void
build_plan(struct pp_app *app, int argc, char **argv)
{
    struct pp_settings *st = &app->st;
    char err[600];
    size_t k;
    int i;

    st->o.want_v4 = !st->only6;
    st->o.want_v6 = !st->only4;
    st->o.resolver = st->resolver;
    /* The audit judges each check as it is; the retry is a diagnosis, and
     * only where the system can ask for small segments (Linux). */
    st->o.mss_retry = !st->audit && pp_netx_can_shrink_segments();
    st->agent.token_file = st->token_file;
    st->agent.redact = st->redact;
    if (st->audit) {
        build_audit(app, argc, argv);
        return;
    }
    if (strcmp(st->profile, "none") != 0 && pp_plan_add_profile(&app->plan, st->profile) < 0)
        die_usage("unknown profile '%s'", st->profile);
    for (k = 0; k < st->nuser; k++)
        if (pp_plan_add_user(&app->plan, st->user[k].key, st->user[k].arg, err,
                             sizeof(err)) < 0)
            die_usage("%s %s: %s", st->user[k].key, st->user[k].arg, err);
    for (i = optind; i < argc; i++)
        if (pp_plan_add_free(&app->plan, argv[i], err, sizeof(err)) < 0)
            die_usage("target '%s': %s", argv[i], err);
    add_proxied(app);
}

/* An IPv4 address of this machine's own (not link-local 169.254/16, not
 * a CLAT's 192.0.0.0/29): a network with IPv4, even if its route is gone. */
static bool
native_ipv4(const struct pp_context *cx)
{
    struct in_addr a;
    size_t i;

    for (i = 0; i < cx->nlocal; i++)
        if (inet_pton(AF_INET, cx->local_addrs[i], &a) == 1 &&
            (ntohl(a.s_addr) & 0xffff0000u) != 0xa9fe0000u &&
            !pp_context_is_clat_addr(cx->local_addrs[i]))
            return true;
    return false;
}

/* The network's shape, for the engine.  IPv6-only: an IPv6 default route
 * and no native IPv4 (no IPv4 default route and no IPv4 address, or only
 * a 464XLAT CLAT's: its interface, or a gateway in 192.0.0.0/29 as
 * macOS's CLAT46 has); the run then asks ipv4only.arpa for the NAT64
 * prefix first.  Without even a CLAT's IPv4 route, an IPv4 connect that
 * finds no route is not applicable.  A machine that kept its IPv4 address
 * and lost the route is not IPv6-only: that is LOCAL_ROUTE's.  Read once:
 * the agent and the dashboard keep it.  Not for the audit. */
static void
read_network(struct pp_settings *st)
{
    struct pp_context cx;
    bool clat;

    /* The audit judges each check as it is (no-route stays no-route). */
    if (st->read_file != NULL || st->sniff_only || st->audit)
        return;
    pp_context_routes(&cx);
    clat = cx.default_if != NULL && (pp_context_is_clat_name(cx.default_if) ||
                                     pp_context_is_clat_addr(cx.default_gw));
    st->o.ipv6_only = cx.default_if6 != NULL && !native_ipv4(&cx) &&
                      (cx.default_if == NULL || clat);
    st->o.no_ipv4_route = st->o.ipv6_only && cx.default_if == NULL;
    pp_context_free(&cx);
}

/* Something to check, unless only watching: targets, and not only
 * addresses of the family left out. */
static void
check_plan(const struct pp_app *app)
{
    const struct pp_settings *st = &app->st;
    const struct pp_plan *plan = &app->plan;
    size_t k;

    if (st->read_file != NULL || st->sniff_only)
        return;
    if (plan->n == 0 && (st->o.feed == NULL || st->o.feed->total == 0))
        die_usage("nothing to check: give targets or use the apple profile");
    if (plan->n > 0 && (st->only4 || st->only6)) {
        /* Only addresses of the family left out: not one check could run. */
        for (k = 0; k < plan->n && pp_host_literal(plan->t[k]->host) == (st->only4 ? 6 : 4); k++)
            ;
        if (k == plan->n)
            die_usage("nothing to check: %s%s an IPv%d address and %s checks IPv%d only",
                      plan->n > 1 ? "every target" : plan->t[0]->host,
                      " is", st->only4 ? 6 : 4, st->only4 ? "-4" : "-6",
                      st->only4 ? 4 : 6);
    }
}

/* --save's files (so saving fails before probing, and works after root is
 * dropped) and the roots to trust. */
static void
open_outputs(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    char err[600];
    int k;

    for (k = 0; st->save != NULL && k < 2; k++) {
        char *path = pp_xasprintf(k == 0 ? "%s.txt" : "%s.json", st->save);
        app->save_f[k] = fopen(path, "w");
        if (app->save_f[k] == NULL)
            die_usage("--save: cannot write %s: %s", path, strerror(errno));
        free(path);
    }
    st->o.tls = pp_tls_ctx_new(st->ca_file, st->apple_ca, err, sizeof(err));
    if (st->o.tls == NULL)
        die_usage("%s", err);
    pp_tls_ctx_set_warn_days(st->o.tls, st->cert_warn_days > 0 ? (int)st->cert_warn_days : -1);
    pp_tls_ctx_keep_chains(st->o.tls, !st->audit);
    app->color = pp_app_want_color(st);
}

/* Can FILE be made?  Its directory exists and may be written to. */
static void
check_writable(const char *what, const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? pp_xstrdup(".")
                : slash == path ? pp_xstrdup("/")
                                : pp_xasprintf("%.*s", (int)(slash - path), path);

    int ok = access(dir, W_OK) == 0, e = errno;

    free(dir);
    if (!ok)
        die_usage("%s: cannot write %s: %s", what, path, strerror(e));
}

/* --list prints the plan and opens nothing, but refuses what the run
 * would refuse: the trusted roots are loaded (and dropped), the files a
 * run would write or read are looked at. */
static void
check_run_inputs(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    struct pp_tls_ctx *tls;
    char err[600];

    tls = pp_tls_ctx_new(st->ca_file, st->apple_ca, err, sizeof(err));
    if (tls == NULL)
        die_usage("%s", err);
    pp_tls_ctx_free(tls);
    if (st->save != NULL)
        check_writable("--save", st->save);
    if (st->csv_path != NULL && strcmp(st->csv_path, "-") != 0)
        check_writable("--csv", st->csv_path);
    if (st->jsonl_path != NULL && strcmp(st->jsonl_path, "-") != 0)
        check_writable("--jsonl", st->jsonl_path);
    if (st->read_file != NULL && access(st->read_file, R_OK) != 0)
        die_usage("--read: %s: %s", st->read_file, strerror(errno));
    if (st->serve && st->token_file != NULL &&
        pp_agent_check_token(st->token_file, err, sizeof(err)) < 0)
        die_usage("%s", err);
}

/* The one privileged step, then root goes before any packet.  Returns 0,
 * or the exit status of a failure (said on standard error). */
static int
open_capture(struct pp_app *app)
{
    struct pp_settings *st = &app->st;
    struct pp_capture_opts co;
    char err[600], *deflt;

    if (st->read_file == NULL && st->sniff == NULL)
        return 0;
    deflt = st->filter == NULL ? pp_capture_default_filter(&app->plan) : NULL;
    memset(&co, 0, sizeof(co));
    co.iface = st->sniff;
    co.file = st->read_file;
    co.filter = st->filter != NULL ? st->filter : deflt;
    co.filter_is_default = st->filter == NULL;
    co.max_flows = (size_t)st->flows_max;
    co.duration_s = st->duration_s;
    app->cap = pp_capture_open(&co, err, sizeof(err));
    free(deflt);
    if (app->cap == NULL)
        die_with(err, false);
    pp_capture_learn_plan(app->cap, &app->plan);
    if (pp_drop_privileges(st->run_as, err, sizeof(err)) < 0) {
        if (plugin_mode)
            die_with(err, false);
        fprintf(stderr, "pushprobe: %s\n", err);
        return PP_EXIT_INTERNAL;
    }
    return 0;
}

/* Which runner: the agent, the dashboard on a terminal (falling back to
 * the report where it cannot start), the audit, the capture, or once. */
static int
run_mode(struct pp_app *app)
{
    const struct pp_settings *st = &app->st;
    int rc;

    if (st->serve)
        return pp_mode_agent(app);
    if (st->count > 0)
        return pp_mode_count(app);
    /* -v: one run, its steps on standard error; no dashboard over them. */
    if (!st->no_tui && st->o.step_level == 0 && st->format == PP_FMT_TEXT && !st->nagios &&
        !st->audit && st->read_file == NULL && isatty(STDIN_FILENO) && pp_app_smart_terminal()) {
        rc = pp_mode_dashboard(app);
        if (rc >= 0)
            return rc;
    }
    if (st->audit)
        return pp_mode_audit(app);
    if (app->cap != NULL)
        return pp_mode_capture(app);
    return pp_mode_once(app);
}

int
main(int argc, char **argv)
{
    struct pp_app app;
    struct pp_settings *st = &app.st;
    bool *given;
    struct pp_verbose *verbose;
    char cfg_err[700];
    int rc, k, cfg_rc;

    signal(SIGPIPE, SIG_IGN);
#ifdef HAVE_STDIO_EXT_H
    /* One thread: stdout needs no lock per character of a large report. */
    __fsetlocking(stdout, FSETLOCKING_BYCALLER);
#endif
    memset(&app, 0, sizeof(app));
    for (k = 1; k < argc && strcmp(argv[k], "--") != 0; k++)
        if (strcmp(argv[k], "--nagios") == 0)
            plugin_mode = true;
    pp_settings_init(st);
    pp_plan_init(&app.plan);
    pp_audit_init(&app.audit);
    cfg_rc = read_configs(st, argc, argv, cfg_err, sizeof(cfg_err));
    given = pp_xcalloc(pp_settings_count, sizeof(*given));
    if (parse_args(st, argc, argv, given) < 0) {
        rc = PP_EXIT_OK;
        goto out;
    }
    if (cfg_rc < 0)
        die_with(cfg_err, false);
    check_combinations(st, given);
    build_plan(&app, argc, argv);
    check_plan(&app);
    if (st->list) {
        check_run_inputs(&app);
        rc = pp_mode_list(&app);
        goto out;
    }
    read_network(st);
    open_outputs(&app);
    rc = open_capture(&app);
    verbose = pp_verbose_start(&app, stderr);
    if (rc == 0)
        rc = run_mode(&app);
    pp_verbose_free(verbose);
out:
    for (k = 0; k < 2; k++)
        if (app.save_f[k] != NULL)
            fclose(app.save_f[k]);
    pp_capture_free(app.cap);
    pp_pac_table_free(&app.pac);
    pp_audit_free(&app.audit);
    pp_tls_ctx_free(st->o.tls);
    pp_plan_free(&app.plan);
    pp_settings_free(st);
    free(given);
    return rc;
}
