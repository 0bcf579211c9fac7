/* SPDX-License-Identifier: ISC */
/*
 * The command line: the configuration files read before it, getopt over
 * the settings table (app/settings.c), the unknown option's nearest name,
 * the settings' combinations checked, and the usage error's exit.
 */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/output.h"
#include "app/ppconfig.h"
#include "app/settings.h"
#include "app/version.h"
#include "core/pushprobe.h"
#include "core/util.h"

/* --nagios was given: what stops the check is said as a plugin's UNKNOWN
 * line on standard output, exit 3, as the monitoring-plugins guidelines
 * want (usage and configuration errors included). */
bool pp_app_plugin_mode;

/* The message of a usage or configuration error, and the exit. */
void
pp_app_die(const char *msg, bool try_help)
{
    if (pp_app_plugin_mode) {
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

void
pp_app_die_usage(const char *fmt, ...)
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
    pp_app_die(msg, true);
}

/* Configuration files before the command line: /etc, then the user's,
 * then --config.  A file's error does not stop the reading of the command
 * line (--help and --version work whatever the files hold): it is kept in
 * err, with --no-config's hint for a default file, and reported when a run
 * needs the settings.  Returns 0, or -1 with err. */
int
pp_app_read_configs(struct pp_settings *st, int argc, char **argv, char *err, size_t errlen)
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
 * to a flag; the nearest option is suggested.  Returns -1 with err. */
static int
unknown_option(const char *arg, int opt, char *err, size_t errlen)
{
    char name[64], list[300] = "";
    const char *near;
    size_t i, n = 0, o = 0;

    if (strncmp(arg, "--", 2) != 0) {
        /* "-list": a long option with one dash. */
        if (arg[0] == '-' && strlen(arg) > 2 && pp_setting_by_name(arg + 1) != NULL)
            return pp_errf(err, errlen, "unknown option '-%c' (did you mean '-%s'?)",
                               opt > 0 && opt < 256 ? opt : '?', arg);
        return pp_errf(err, errlen, "unknown option '-%c'", opt > 0 && opt < 256 ? opt : '?');
    }
    if (arg[2] == '\0' || arg[2] == '=')
        return pp_errf(err, errlen, "unknown option '%s'", arg);
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    if (opt != 0 && strchr(arg, '=') != NULL)
        return pp_errf(err, errlen, "option '--%s' takes no value", name);
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
        return pp_errf(err, errlen, "option '--%s' is ambiguous: %s", name, list);
    near = pp_settings_suggest(name, false);
    if (near != NULL)
        return pp_errf(err, errlen, "unknown option '--%s' (did you mean '--%s'?)", name,
                           near);
    return pp_errf(err, errlen, "unknown option '--%s'", name);
}

/* One option getopt_long returned: its row applied.  Returns 0, 1 for
 * --help or --version (*stop: 'h' or 'V'), or -1 with err. */
static int
one_option(struct pp_settings *st, int ch, int argc, char **argv, bool *given, int *stop,
           char *err, size_t errlen)
{
    const struct pp_setting *s;
    char why[600];

    if (ch == ':')
        return pp_errf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
    if (ch == '?')
        return unknown_option(short_word(argc, argv, optopt), optopt, err, errlen);
    s = ch >= 256 ? &pp_settings[ch - 256] : pp_setting_by_flag(ch);
    if (s == NULL)
        return pp_errf(err, errlen, "unknown option '%s'", argv[optind - 1]);
    given[s - pp_settings] = true;
    if (s->flag == 'h' || s->flag == 'V') {
        *stop = s->flag;
        return 1;
    }
    if (pp_setting_apply(st, s, s->type == PP_SET_FLAG ? "yes" : optarg != NULL ? optarg : "-",
                         why, sizeof(why)) < 0) {
        if (s->terse)
            return pp_errf(err, errlen, "--%s: %s", s->name, why);
        return pp_errf(err, errlen, "--%s %s: %s", s->name, optarg, why);
    }
    return 0;
}

int
pp_app_parse_argv(struct pp_settings *st, int argc, char **argv, bool *given, int *stop,
                  char *err, size_t errlen)
{
    struct option *longopts;
    char *shortopts;
    int ch, rc = 0;

    *stop = 0;
    pp_settings_getopt(&longopts, &shortopts);
    /* getopt's own messages carry argv[0]'s path: report errors here. */
    opterr = 0;
    while (rc == 0 && (ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1)
        rc = one_option(st, ch, argc, argv, given, stop, err, errlen);
    free(longopts);
    free(shortopts);
    return rc;
}

/* The command line, over the files' settings; given[row] says which rows
 * it named.  Returns -1 after --help or --version (nothing to run). */
int
pp_app_parse_args(struct pp_settings *st, int argc, char **argv, bool *given)
{
    char err[1024];
    int stop, rc = pp_app_parse_argv(st, argc, argv, given, &stop, err, sizeof(err));

    if (rc < 0)
        pp_app_die_usage("%s", err);
    if (rc > 0) {
        if (stop == 'h')
            pp_settings_usage(stdout);
        else
            pp_version_print(stdout);
        return -1;
    }
    return 0;
}

static bool
named(const bool *given, const char *name)
{
    return given[pp_setting_by_name(name) - pp_settings];
}

/* A configuration file's serve or format gives way to a command line that
 * asks for a mode they do not go with. */
static void
files_give_way(struct pp_settings *st)
{
    if (st->serve_from_file && (st->audit || st->once || st->nagios || st->read_file != NULL ||
                                st->sniff_only || st->list || st->o.step_level > 0))
        st->serve = false;
    if (st->format_from_file && (st->nagios || (st->audit && st->format == PP_FMT_PROMETHEUS)))
        st->format = PP_FMT_TEXT;
}

/* The options that exclude each other, the audit's, the outputs' and the
 * capture's. */
static int
modes_error(const struct pp_settings *st, const bool *given, char *err, size_t errlen)
{
    bool capture = st->read_file != NULL || st->sniff != NULL;

    if (named(given, "ipv4") && named(given, "ipv6"))
        return pp_errf(err, errlen, "-4 and -6 exclude each other");
    if (named(given, "proxy") && named(given, "no-proxy"))
        return pp_errf(err, errlen, "--proxy and --no-proxy exclude each other");
    /* The command line's own contradiction, refused as -4 -6 is (over a
     * file's format, --json simply wins). */
    if (named(given, "json") && named(given, "format") && st->format_word != PP_FMT_JSON)
        return pp_errf(err, errlen, "--json and --format %s contradict each other",
                           st->format_word == PP_FMT_PROMETHEUS ? "prometheus" : "text");
    if (st->audit && named(given, "proxy"))
        return pp_errf(err, errlen,
                           "--proxy does not go with --audit: the audit checks ports directly");
    if (!st->audit && (st->ports != NULL || st->targets_file != NULL ||
                       st->expect_file != NULL || st->csv || st->jsonl_path != NULL))
        return pp_errf(err, errlen, "-p, --targets, --expect, --csv and --jsonl go with "
                           "--audit");
    if ((st->format == PP_FMT_JSON) + (st->csv_path != NULL && strcmp(st->csv_path, "-") == 0) +
        (st->jsonl_path != NULL && strcmp(st->jsonl_path, "-") == 0) > 1)
        return pp_errf(err, errlen, "--json, --csv and --jsonl all want standard output: "
                           "give --csv=FILE or --jsonl=FILE");
    if (st->read_file != NULL && st->sniff != NULL)
        return pp_errf(err, errlen, "--read and --sniff exclude each other");
    if (st->sniff_only && st->sniff == NULL)
        return pp_errf(err, errlen, "--sniff-only needs --sniff IFACE");
    if (st->duration_s > 0 && st->sniff == NULL)
        return pp_errf(err, errlen, "--duration goes with --sniff");
    if (capture && st->audit)
        return pp_errf(err, errlen, "--sniff and --read do not go with --audit");
    return 0;
}

/* The agent's, the plugin's and the thresholds'. */
static int
runs_error(const struct pp_settings *st, char *err, size_t errlen)
{
    if ((st->read_file != NULL || st->sniff_only) && st->serve)
        return pp_errf(err, errlen, "--read and --sniff-only do not go with --serve "
                           "(--sniff does)");
    if (st->serve && (st->audit || st->once || st->nagios))
        return pp_errf(err, errlen, "--serve runs again and again: not with --audit, "
                           "--once or --nagios");
    if (st->serve && st->o.step_level > 0)
        return pp_errf(err, errlen, "-v writes one run's steps to standard error: not with "
                           "--serve (the agent's /report.json has each check's times)");
    if (st->nagios && (st->format != PP_FMT_TEXT || st->audit))
        return pp_errf(err, errlen, "--nagios prints one line: not with --json, --format "
                           "or --audit");
    if ((st->warn != NULL || st->crit != NULL) && !st->nagios)
        return pp_errf(err, errlen, "--warning and --critical go with --nagios");
    if (pp_range_warn_above_crit(&st->warn_r, &st->crit_r))
        return pp_errf(err, errlen, "--warning %s is above --critical %s", st->warn,
                           st->crit);
    return 0;
}

/* What follows the audit's redaction: the filter, the token, the traces,
 * -Z and -c. */
static int
rest_error(const struct pp_settings *st, const bool *given, char *err, size_t errlen)
{
    bool capture = st->read_file != NULL || st->sniff != NULL;

    if (st->audit && st->format == PP_FMT_PROMETHEUS)
        return pp_errf(err, errlen, "the audit reports in text, JSON (--json) or CSV "
                           "(--csv), not prometheus");
    if (named(given, "filter") && !capture)
        return pp_errf(err, errlen, "--filter goes with --sniff or --read");
    if (st->token_file != NULL && !st->serve)
        return pp_errf(err, errlen, "--serve-token goes with --serve");
    if (st->o.trace > 0 && (st->audit || st->read_file != NULL || st->sniff_only))
        return pp_errf(err, errlen, "--trace and --trace-all trace the checks: not with "
                           "--audit, --read or --sniff-only");
    if (named(given, "user") && !capture)
        return pp_errf(err, errlen, "-Z goes with --sniff or --read");
    if (st->count > 0 && (st->serve || st->audit || capture))
        return pp_errf(err, errlen, "-c runs the checks N times: not with --serve, "
                           "--audit, --sniff or --read");
    return 0;
}

int
pp_app_combinations_error(struct pp_settings *st, const bool *given, bool *unmasked, char *err,
                          size_t errlen)
{
    *unmasked = false;
    files_give_way(st);
    if (modes_error(st, given, err, errlen) < 0 || runs_error(st, err, errlen) < 0)
        return -1;
    /* An audit's report is the company's addresses: nothing left to show
     * masked.  A configuration file's redact gives way. */
    if (st->audit && st->redact && named(given, "redact"))
        return pp_errf(err, errlen, "--redact does not go with --audit (its report is the "
                           "company's addresses)");
    if (st->audit && st->redact) {
        st->redact = false;
        *unmasked = true;
    }
    return rest_error(st, given, err, errlen);
}

/* The settings go together, or the run stops with a usage error. */
void
pp_app_check_combinations(struct pp_settings *st, const bool *given)
{
    char err[1024];
    bool unmasked;
    int rc = pp_app_combinations_error(st, given, &unmasked, err, sizeof(err));

    if (unmasked)
        fprintf(stderr, "pushprobe: the audit's report is not masked (redact in the "
                "configuration file is for the other modes)\n");
    if (rc < 0)
        pp_app_die_usage("%s", err);
}
