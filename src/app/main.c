/* SPDX-License-Identifier: ISC */
/*
 * pushprobe: can this device reach everything Apple device management
 * needs, and if not, what blocks it and where?
 *
 * main() reads the settings (configuration files, then the command line:
 * app/cli.c, over app/settings.c's table), checks that they go together,
 * builds the plan, sets up what the run needs (--save's files, the trusted
 * roots, the capture, then root is dropped) and hands over to the runner
 * of the mode (app/modes.c).  Everything is cleaned up in one place, here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <errno.h>
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

#include "app/cli.h"
#include "app/output.h"
#include "app/pacrun.h"
#include "app/run.h"
#include "app/settings.h"
#include "app/verbose.h"
#include "capture/capture.h"
#include "core/netx.h"
#include "core/url.h"
#include "core/util.h"
#include "diagnose/context.h"
#include "engine/tlsctx.h"
#include "plan/proxy.h"

/* The audit's targets and expectations, turned into the plan's names and
 * the lazy feed of addresses. */
static void
build_audit(struct pp_app *app, int argc, char **argv)
{
    struct pp_settings *st = &app->st;
    char err[600];
    int i;

    if (st->ports != NULL && pp_audit_set_ports(&app->audit, st->ports, err, sizeof(err)) < 0)
        pp_app_die_usage("--ports: %s", err);
    for (i = optind; i < argc; i++)
        if (pp_audit_add(&app->audit, argv[i], err, sizeof(err)) < 0)
            pp_app_die_usage("target '%s': %s", argv[i], err);
    if (st->targets_file != NULL &&
        pp_audit_add_file(&app->audit, st->targets_file, err, sizeof(err)) < 0)
        pp_app_die_usage("--targets: %s", err);
    if (st->expect_file != NULL &&
        pp_audit_set_policy(&app->audit, st->expect_file, err, sizeof(err)) < 0)
        pp_app_die_usage("--expect: %s", err);
    app->audit.shuffle = st->shuffle;
    app->audit.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    if (pp_audit_prepare(&app->audit, &app->plan, err, sizeof(err)) < 0)
        pp_app_die_usage("%s", err);
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
            pp_app_die_usage("--proxy: %s", err);   /* checked when read: not reached */
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
        pp_app_die_usage("unknown profile '%s'", st->profile);
    for (k = 0; k < st->nuser; k++)
        if (pp_plan_add_user(&app->plan, st->user[k].key, st->user[k].arg, err,
                             sizeof(err)) < 0)
            pp_app_die_usage("%s %s: %s", st->user[k].key, st->user[k].arg, err);
    for (i = optind; i < argc; i++)
        if (pp_plan_add_free(&app->plan, argv[i], err, sizeof(err)) < 0)
            pp_app_die_usage("target '%s': %s", argv[i], err);
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
        pp_app_die_usage("nothing to check: give targets or use the apple profile");
    if (plan->n > 0 && (st->only4 || st->only6)) {
        /* Only addresses of the family left out: not one check could run. */
        for (k = 0; k < plan->n && pp_host_literal(plan->t[k]->host) == (st->only4 ? 6 : 4); k++)
            ;
        if (k == plan->n)
            pp_app_die_usage("nothing to check: %s%s an IPv%d address and %s checks IPv%d only",
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
            pp_app_die_usage("--save: cannot write %s: %s", path, strerror(errno));
        free(path);
    }
    st->o.tls = pp_tls_ctx_new(st->ca_file, st->apple_ca, err, sizeof(err));
    if (st->o.tls == NULL)
        pp_app_die_usage("%s", err);
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
        pp_app_die_usage("%s: cannot write %s: %s", what, path, strerror(e));
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
        pp_app_die_usage("%s", err);
    pp_tls_ctx_free(tls);
    if (st->save != NULL)
        check_writable("--save", st->save);
    if (st->csv_path != NULL && strcmp(st->csv_path, "-") != 0)
        check_writable("--csv", st->csv_path);
    if (st->jsonl_path != NULL && strcmp(st->jsonl_path, "-") != 0)
        check_writable("--jsonl", st->jsonl_path);
    if (st->read_file != NULL && access(st->read_file, R_OK) != 0)
        pp_app_die_usage("--read: %s: %s", st->read_file, strerror(errno));
    if (st->serve && st->token_file != NULL &&
        pp_agent_check_token(st->token_file, err, sizeof(err)) < 0)
        pp_app_die_usage("%s", err);
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
        pp_app_die(err, false);
    pp_capture_learn_plan(app->cap, &app->plan);
    if (pp_drop_privileges(st->run_as, err, sizeof(err)) < 0) {
        if (pp_app_plugin_mode)
            pp_app_die(err, false);
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
            pp_app_plugin_mode = true;
    pp_settings_init(st);
    pp_plan_init(&app.plan);
    pp_audit_init(&app.audit);
    cfg_rc = pp_app_read_configs(st, argc, argv, cfg_err, sizeof(cfg_err));
    given = pp_xcalloc(pp_settings_count, sizeof(*given));
    if (pp_app_parse_args(st, argc, argv, given) < 0) {
        rc = PP_EXIT_OK;
        goto out;
    }
    if (cfg_rc < 0)
        pp_app_die(cfg_err, false);
    pp_app_check_combinations(st, given);
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
