/* SPDX-License-Identifier: ISC */
/* What reads the settings table without changing a value: look-ups by
 * name, key and flag, the "did you mean" suggestion, the getopt table and
 * --help; see settings.h. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/settings.h"
#include "core/util.h"

#define NROWS pp_settings_count

static const char *const section_title[PP_W__COUNT] = {
    [PP_W_TARGETS] = "Targets (besides the built-in Apple profile):",
    [PP_W_AUDIT] = "Firewall audit:",
    [PP_W_DASHBOARD] = "Dashboard (on a terminal; text and JSON otherwise):",
    [PP_W_CAPTURE] = "Capture (what the devices on this network actually do):",
    [PP_W_AGENT] = "Agent:",
    [PP_W_PROBING] = "Probing:",
    [PP_W_OUTPUT] = "Output:",
};

/* ------------------------------------------------------------ look-ups */

const struct pp_setting *
pp_setting_by_name(const char *name)
{
    size_t i;

    for (i = 0; i < NROWS; i++)
        if (pp_settings[i].type != PP_SET_HELP && pp_settings[i].name != NULL &&
            strcmp(pp_settings[i].name, name) == 0)
            return &pp_settings[i];
    return NULL;
}

const struct pp_setting *
pp_setting_by_key(const char *key)
{
    size_t i;

    for (i = 0; i < NROWS; i++)
        if (pp_settings[i].key != NULL && strcmp(pp_settings[i].key, key) == 0)
            return &pp_settings[i];
    return NULL;
}

const struct pp_setting *
pp_setting_by_flag(int flag)
{
    size_t i;

    for (i = 0; i < NROWS; i++)
        if (pp_settings[i].flag != 0 && pp_settings[i].flag == flag)
            return &pp_settings[i];
    return NULL;
}

/* ------------------------------------------------------------ suggestions */

/* The optimal-string-alignment distance of a and b (Levenshtein's, with a
 * swap of two neighbours as one edit); names are short, so at most 63
 * bytes of each are compared. */
static size_t
edit_distance(const char *a, const char *b)
{
    size_t d[64][64], i, j, n = strlen(a), m = strlen(b);

    n = n > 63 ? 63 : n;
    m = m > 63 ? 63 : m;
    for (i = 0; i <= n; i++)
        d[i][0] = i;
    for (j = 0; j <= m; j++)
        d[0][j] = j;
    for (i = 1; i <= n; i++) {
        for (j = 1; j <= m; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[n][m];
}

const char *
pp_settings_suggest(const char *word, bool keys)
{
    size_t i, len = strlen(word), best_d = (size_t)-1, limit, nprefix = 0;
    const char *best = NULL, *prefixed = NULL;

    limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
    for (i = 0; i < NROWS; i++) {
        const char *name = keys ? pp_settings[i].key : pp_settings[i].name;
        size_t d;

        if (name == NULL || pp_settings[i].type == PP_SET_HELP)
            continue;
        if (len >= 2 && strncmp(name, word, len) == 0 && (prefixed == NULL ||
                                                          strcmp(prefixed, name) != 0)) {
            prefixed = name;
            nprefix++;
        }
        d = edit_distance(word, name);
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    if (best != NULL && best_d <= limit && best_d < len)
        return best;
    return nprefix == 1 ? prefixed : NULL;
}

/* ------------------------------------------------------------ getopt */

void
pp_settings_getopt(struct option **longopts, char **shortopts)
{
    struct option *lo = pp_xcalloc(NROWS + 1, sizeof(*lo));
    char *so = pp_xcalloc(2 * NROWS + 2, 1);
    size_t i, n = 0, k = 0;

    so[k++] = ':';
    for (i = 0; i < NROWS; i++) {
        const struct pp_setting *s = &pp_settings[i];
        bool arg = s->type != PP_SET_FLAG;

        if (s->type == PP_SET_HELP || s->name == NULL)
            continue;
        lo[n].name = s->name;
        lo[n].has_arg = s->optional_value ? optional_argument
                        : arg ? required_argument : no_argument;
        lo[n].flag = NULL;
        /* Past any byte: the row's index, unless it has a short flag. */
        lo[n].val = s->flag != 0 ? s->flag : 256 + (int)i;
        n++;
        if (s->flag != 0) {
            so[k++] = (char)s->flag;
            if (arg)
                so[k++] = ':';
        }
    }
    *longopts = lo;
    *shortopts = so;
}

/* ------------------------------------------------------------ --help */

static void
usage_row(FILE *f, const struct pp_setting *s)
{
    char left[64];
    const char *h = s->help;

    if (s->usage != NULL)
        snprintf(left, sizeof(left), "%s", s->usage);
    else if (s->flag != 0)
        snprintf(left, sizeof(left), "-%c, --%s%s%s", s->flag, s->name, s->arg ? " " : "",
                 s->arg ? s->arg : "");
    else
        snprintf(left, sizeof(left), "%s--%s%s%s", s->where == PP_W_TARGETS ? "" : "    ",
                 s->name, s->arg ? " " : "", s->arg ? s->arg : "");
    /* A left column too wide for a gap before the text: the text goes
     * on the next line. */
    if (strlen(left) > 18)
        fprintf(f, "  %s\n%22s", left, "");
    else
        fprintf(f, "  %-20s", left);
    while (*h != '\0') {
        size_t n = strcspn(h, "\n");
        fprintf(f, "%.*s\n", (int)n, h);
        h += n;
        if (*h == '\n') {
            h++;
            fprintf(f, "%22s", "");
        }
    }
}

void
pp_settings_usage(FILE *f)
{
    size_t i;
    int where = -1;

    fputs("usage: pushprobe [options] [TARGET ...]\n"
          "\n"
          "Checks that this machine reaches what Apple device management needs:\n"
          "Apple push (APNs), enrollment, software update, your MDM and file servers.\n", f);
    for (i = 0; i < NROWS; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (s->help == NULL)
            continue;
        if ((int)s->where != where) {
            where = (int)s->where;
            fprintf(f, "\n%s\n", section_title[where]);
        }
        usage_row(f, s);
    }
    fputs("\n"
          "Exit status: 0 every required check ok, 1 a required check failed,\n"
          "2 usage or configuration error, 3 internal error, 4 degraded,\n"
          "130 interrupted (Ctrl-C).  See pushprobe(1).\n", f);
}
