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
#include <unistd.h>

#include "dns.h"
#include "engine.h"
#include "plan.h"
#include "probe.h"
#include "report.h"
#include "tlscore.h"
#include "util.h"

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

    fputs("pushprobe: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'pushprobe --help'.\n", stderr);
    exit(PP_EXIT_USAGE);
}

static void
list_plan(const struct pp_plan *p)
{
    size_t i;

    for (i = 0; i < p->n; i++) {
        const struct pp_target *t = p->t[i];
        printf("%-16s %-34s %5u %-4s %-8s %s\n", pp_service_name(t->service), t->host,
               t->port, t->probe->name, t->required ? "required" : "optional",
               t->note ? t->note : "");
    }
}

int
main(int argc, char **argv)
{
    struct pp_engine_opts o;
    struct pp_plan plan;
    struct pp_report rep;
    const char *profile = "apple", *ca_file = NULL, *apple_ca = NULL;
    const char *color_opt = "auto";
    bool json = false, only4 = false, only6 = false, list = false, color;
    char err[512];
    struct pp_summary s;
    int ch, i, rc;
    long lv;
    /* User systems are added after the profile, in the order given. */
    struct { int opt; const char *arg; } *user = NULL;
    size_t nuser = 0;

    signal(SIGPIPE, SIG_IGN);
    memset(&o, 0, sizeof(o));
    o.timeout_s = 5.0;
    o.parallel = 128;
    pp_plan_init(&plan);

    /* getopt's own messages carry argv[0]'s path: report errors here. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":46t:P:jhV", longopts, NULL)) != -1) {
        switch (ch) {
        case '4': only4 = true; break;
        case '6': only6 = true; break;
        case 't':
            if (pp_parse_seconds(optarg, 300, &o.timeout_s) < 0)
                die_usage("--timeout: want seconds in (0, 300], got '%s'", optarg);
            break;
        case OPT_RUN_TIMEOUT:
            if (pp_parse_seconds(optarg, 86400, &o.run_timeout_s) < 0)
                die_usage("--run-timeout: want seconds in (0, 86400], got '%s'", optarg);
            break;
        case 'P':
            if (pp_parse_long(optarg, 1, 65536, &lv) < 0)
                die_usage("--parallel: want a number from 1 to 65536, got '%s'", optarg);
            o.parallel = (int)lv;
            break;
        case OPT_RESOLVER:
            if (pp_dns_resolver_check(optarg, err, sizeof(err)) < 0)
                die_usage("--resolver: %s", err);
            o.resolver = optarg;
            break;
        case OPT_CA_FILE: ca_file = optarg; break;
        case OPT_APPLE_CA: apple_ca = optarg; break;
        case OPT_MDM: case OPT_SUS: case OPT_DP: case OPT_SMB: case OPT_AFP:
            user = pp_xrealloc(user, nuser + 1, sizeof(*user));
            user[nuser].opt = ch;
            user[nuser].arg = optarg;
            nuser++;
            break;
        case OPT_PROFILE: profile = optarg; break;
        case 'j': json = true; break;
        case OPT_COLOR:
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "always") != 0 &&
                strcmp(optarg, "never") != 0)
                die_usage("--color: want auto, always or never, got '%s'", optarg);
            color_opt = optarg;
            break;
        case OPT_LIST: list = true; break;
        case OPT_HOLD:
            if (pp_parse_seconds(optarg, 3600, &o.hold_s) < 0)
                die_usage("--hold: want seconds in (0, 3600], got '%s'", optarg);
            break;
        case 'h': usage(stdout); return PP_EXIT_OK;
        case 'V': printf("pushprobe %s\n", PACKAGE_VERSION); return PP_EXIT_OK;
        case ':':
            die_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt != 0)
                die_usage("unknown option '-%c'", optopt);
            die_usage("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (only4 && only6)
        die_usage("-4 and -6 exclude each other");
    o.want_v4 = !only6;
    o.want_v6 = !only4;

    if (strcmp(profile, "none") != 0 && pp_plan_add_profile(&plan, profile) < 0)
        die_usage("--profile: unknown profile '%s' (want apple or none)", profile);
    for (size_t k = 0; k < nuser; k++) {
        static const struct { int opt; const char *name;
            int (*add)(struct pp_plan *, const char *, char *, size_t); } adders[] = {
            {OPT_MDM, "--mdm", pp_plan_add_mdm}, {OPT_SUS, "--sus", pp_plan_add_sus},
            {OPT_DP, "--dp", pp_plan_add_dp}, {OPT_SMB, "--smb", pp_plan_add_smb},
            {OPT_AFP, "--afp", pp_plan_add_afp},
        };
        for (size_t a = 0; a < sizeof(adders) / sizeof(adders[0]); a++)
            if (adders[a].opt == user[k].opt &&
                adders[a].add(&plan, user[k].arg, err, sizeof(err)) < 0)
                die_usage("%s %s: %s", adders[a].name, user[k].arg, err);
    }
    free(user);
    for (i = optind; i < argc; i++)
        if (pp_plan_add_free(&plan, argv[i], err, sizeof(err)) < 0)
            die_usage("target '%s': %s", argv[i], err);
    if (plan.n == 0)
        die_usage("nothing to check: give targets or use the apple profile");
    if (list) {
        list_plan(&plan);
        pp_plan_free(&plan);
        return PP_EXIT_OK;
    }

    o.tls = pp_tls_ctx_new(ca_file, apple_ca, err, sizeof(err));
    if (o.tls == NULL)
        die_usage("%s", err);

    if (pp_engine_run(&plan, &o, &rep, err, sizeof(err)) < 0) {
        fprintf(stderr, "pushprobe: %s\n", err);
        pp_tls_ctx_free(o.tls);
        pp_plan_free(&plan);
        return PP_EXIT_INTERNAL;
    }
    if (strcmp(color_opt, "always") == 0)
        color = true;
    else if (strcmp(color_opt, "never") == 0)
        color = false;
    else {
        const char *term = getenv("TERM");
        const char *nc = getenv("NO_COLOR");
        color = isatty(STDOUT_FILENO) && (nc == NULL || *nc == '\0') &&
                term != NULL && strcmp(term, "dumb") != 0;
    }
    /* NO_COLOR wins over everything, --color always included. */
    if (getenv("NO_COLOR") != NULL && *getenv("NO_COLOR") != '\0')
        color = false;
    if (json)
        pp_report_json(stdout, &rep);
    else
        pp_report_text(stdout, &rep, color);
    pp_summarize(&rep, &s);
    rc = s.required_failed > 0 ? PP_EXIT_FAILED : PP_EXIT_OK;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "pushprobe: writing the report: %s\n", strerror(errno));
        rc = PP_EXIT_INTERNAL;
    }
    pp_report_free(&rep);
    pp_tls_ctx_free(o.tls);
    pp_plan_free(&plan);
    return rc;
}
