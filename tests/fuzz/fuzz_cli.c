/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the command line (src/app/cli.c) as main() reads
 * it: the words go through pp_app_parse_argv, the core of
 * pp_app_parse_args (getopt_long over the settings table, the unknown
 * option's message and nearest name, each value through its row's
 * pp_setting_apply), then through pp_app_combinations_error, the core of
 * pp_app_check_combinations.  Neither prints or exits: each gives 0 (or
 * 1 at --help and --version), or -1 with a sentence; nothing crashes,
 * leaks or reads past a word.
 *
 * Input: the words after argv[0], separated by NUL bytes (at most 64). */
#include "config.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/cli.h"
#include "app/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXWORDS 64

static void
check(int rc, const char *err, size_t errlen)
{
    if (rc == 0)
        return;
    if (rc != -1 || err[0] == '\0' || strnlen(err, errlen) == errlen)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1), *argv[MAXWORDS + 2], *p, err[1024];
    struct pp_settings st;
    bool *given, unmasked;
    int argc = 1, rc, stop;

    if (copy == NULL || (given = calloc(pp_settings_count, sizeof(*given))) == NULL) {
        free(copy);
        return 0;
    }
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[0] = (char *)"pushprobe";
    for (p = copy; argc <= MAXWORDS && p <= copy + size; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    /* A fresh getopt for every input (optind 0 starts glibc's and the
     * BSDs' over). */
    optind = 0;
    pp_settings_init(&st);
    err[0] = '\0';
    rc = pp_app_parse_argv(&st, argc, argv, given, &stop, err, sizeof(err));
    if (rc == 1) {
        if (stop != 'h' && stop != 'V')
            abort();
    } else {
        check(rc, err, sizeof(err));
    }
    if (rc == 0) {
        err[0] = '\0';
        rc = pp_app_combinations_error(&st, given, &unmasked, err, sizeof(err));
        check(rc, err, sizeof(err));
        if (unmasked && (st.redact || !st.audit))
            abort();
    }
    pp_settings_free(&st);
    free(given);
    free(copy);
    return 0;
}
