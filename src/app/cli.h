/* SPDX-License-Identifier: ISC */
/* The command line and its usage errors (app/cli.c). */
#ifndef PP_APP_CLI_H
#define PP_APP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "app/settings.h"

/* --nagios was given: what stops the check is said as a plugin's UNKNOWN
 * line on standard output, exit 3, as the monitoring-plugins guidelines
 * want (usage and configuration errors included).  main() sets it before
 * anything else is read. */
extern bool pp_app_plugin_mode;

/* The message of a usage or configuration error, and the exit (2, or 3
 * as a plugin); try_help adds the pointer to --help. */
void pp_app_die(const char *msg, bool try_help) __attribute__((noreturn));
/* A usage error, its arguments' control characters shown as '?'. */
void pp_app_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Configuration files before the command line: /etc, then the user's,
 * then --config.  Returns 0, or -1 with err (kept for when a run needs
 * the settings: --help and --version work whatever the files hold). */
int pp_app_read_configs(struct pp_settings *st, int argc, char **argv, char *err,
                        size_t errlen);
/* The command line, over the files' settings; given[row] says which rows
 * it named.  Returns -1 after --help or --version (nothing to run). */
int pp_app_parse_args(struct pp_settings *st, int argc, char **argv, bool *given);
/* Its core, which prints nothing and does not exit (tests/fuzz/fuzz_cli.c):
 * getopt_long over argv (a second parse in one process sets optind to 0
 * first, as glibc and the BSDs reset on), each option's row applied.
 * Returns 0; 1 at --help or --version, *stop 'h' or 'V'; or -1 with the
 * usage error in err. */
int pp_app_parse_argv(struct pp_settings *st, int argc, char **argv, bool *given, int *stop,
                      char *err, size_t errlen);
/* The settings go together, or the run stops with a usage error. */
void pp_app_check_combinations(struct pp_settings *st, const bool *given);
/* Its core: a configuration file's serve, format and (with --audit)
 * redact give way (*unmasked: redact did, a note for standard error);
 * returns 0, or -1 with the first usage error in err. */
int pp_app_combinations_error(struct pp_settings *st, const bool *given, bool *unmasked,
                              char *err, size_t errlen);

#endif /* PP_APP_CLI_H */
