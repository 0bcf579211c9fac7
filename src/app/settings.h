/* SPDX-License-Identifier: ISC */
/*
 * Every setting of pushprobe in one table (as tmux's options-table.c): one
 * row per setting gives its long option, short flag, configuration-file
 * key, type, range, default, --help text and where it applies.  The getopt
 * table, the keys the configuration file knows (ppconfig.c), --help and
 * tests/docs.sh's check of the man page all come from it: a new flag is a
 * new row (and a line of the man page).
 *
 * Room: app.  The table may call the plan's, the DNS's and the agent's
 * pure checkers of a value; it opens no file and no socket.
 */
#ifndef PP_SETTINGS_H
#define PP_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "app/agent.h"
#include "core/range.h"
#include "engine/engine.h"
#include "ui/report.h"

/* How a row's value is read. */
enum pp_set_type {
    PP_SET_FLAG,      /* no argument on the command line; yes or no in a file */
    PP_SET_STRING,    /* any text (a file, a filter) */
    PP_SET_SECONDS,   /* seconds in (0, max] (at least min when min > 0) */
    PP_SET_NUMBER,    /* an integer in [min, max] */
    PP_SET_CHOICE,    /* one of the words in choices ("a|b|c") */
    PP_SET_SPECIAL,   /* its own apply() checks it */
    PP_SET_HELP       /* a line of --help only: not a setting */
};

/* Where a setting applies: the --help section it sits in. */
enum pp_set_where {
    PP_W_TARGETS,
    PP_W_AUDIT,
    PP_W_DASHBOARD,
    PP_W_CAPTURE,
    PP_W_AGENT,
    PP_W_PROBING,
    PP_W_OUTPUT,
    PP_W__COUNT
};


/* Every setting's value, from the configuration files and the command
 * line (in that order: the last word wins). */
struct pp_settings {
    struct pp_engine_opts o;
    const char *profile;
    char *ca_file;
    char *apple_ca;
    char *pac;               /* --pac URL|FILE, or NULL: the system's PAC URL */
    long cert_warn_days;     /* CERT_EXPIRING within this many days; 0: never */
    char *resolver;
    char *proxy;             /* --proxy URL (checked), or NULL */
    bool no_proxy;           /* --no-proxy */
    char *color;
    enum pp_format format;
    bool list;
    bool redact;
    char *save;
    bool nagios;
    bool once;
    bool serve;
    struct pp_agent_opts agent;
    char *token_file;
    char *warn, *crit;       /* --warning, --critical as given (perfdata echoes them) */
    struct pp_range warn_r, crit_r;
    bool audit;
    bool csv;
    char *csv_path;          /* --csv[=FILE]: the file, or "-" for standard output */
    char *jsonl_path;        /* --jsonl[=FILE] */
    bool timeout_fixed;      /* --timeout SECONDS: the audit's adaptive timeout is off */
    bool shuffle;
    char *ports;
    char *targets_file;
    char *expect_file;
    bool only4, only6;
    /* Which source is being read: 0 the command line, then 1, 2, ... a
     * configuration file each; family_source says which set only4 and
     * only6, so one file that sets both is refused as -4 -6 is. */
    int source;
    int family_source[2];
    bool no_tui;
    long count;              /* -c N: rounds without the dashboard; 0: not asked */
    char *sniff;
    bool sniff_only;
    char *read_file;
    char *filter;
    double duration_s;
    char *run_as;
    long flows_max;
    long parallel;           /* as o.parallel */
    /* A configuration file's serve and format give way to a command
     * line that asks for a mode they do not go with (see main.c). */
    bool serve_from_file, format_from_file;
    enum pp_format format_word;   /* the last --format's (or key's) own word */
    /* User systems and targets, added after the profile in order. */
    struct { char *key; char *arg; } *user;
    size_t nuser;
};

struct pp_setting;
typedef int (*pp_set_apply)(struct pp_settings *, const struct pp_setting *, const char *v,
                            char *err, size_t errlen);

struct pp_setting {
    const char *name;       /* long option ("timeout"), or NULL */
    int flag;               /* short flag ('t'), or 0 */
    const char *key;        /* configuration-file key, or NULL: command line only */
    enum pp_set_type type;
    double min, max;        /* range of SECONDS and NUMBER */
    const char *choices;    /* CHOICE: "auto|always|never" */
    const char *deflt;      /* the default, as --help and the man page say it, or NULL */
    const char *arg;        /* --help's name for the value ("URL"), or NULL */
    const char *usage;      /* --help's left column when not "-f, --name ARG" */
    const char *help;       /* --help's text; a '\n' starts a continuation line */
    enum pp_set_where where;
    bool repeatable;        /* a file may give the key more than once */
    bool terse;             /* command-line errors say "--NAME: why", not the value */
    bool optional_value;    /* the command line's --NAME or --NAME=VALUE ("-" without) */
    size_t off;             /* the value's place in struct pp_settings */
    pp_set_apply apply;     /* SPECIAL, or after the generic check; or NULL */
};

/* The table, ended by a row of NULL name and key; pp_settings_count rows
 * before that end. */
extern const struct pp_setting pp_settings[];
extern const size_t pp_settings_count;

/* Find a row by long option, configuration key or short flag; NULL if none. */
const struct pp_setting *pp_setting_by_name(const char *name);
const struct pp_setting *pp_setting_by_key(const char *key);
const struct pp_setting *pp_setting_by_flag(int flag);

/* The long option (keys false) or configuration key (keys true) nearest
 * to word, when it is near enough to be a slip of the keyboard: within an
 * edit distance (a letter added, dropped, changed, or two swapped) of 1
 * for words of up to 4 letters, 2 up to 8 and 3 beyond, or the one name
 * word begins.  NULL when none is. */
const char *pp_settings_suggest(const char *word, bool keys);

/* Defaults of every setting. */
void pp_settings_init(struct pp_settings *);
void pp_settings_free(struct pp_settings *);

/* Check a value and keep it; 0, or -1 with a sentence in err.  The
 * configuration file and the command line are held to the same rules. */
int pp_setting_apply(struct pp_settings *, const struct pp_setting *, const char *value,
                     char *err, size_t errlen);
/* The same by configuration key (the configuration file's callback). */
int pp_settings_apply_key(void *settings, const char *key, const char *value, char *err,
                          size_t errlen);

/* getopt_long's tables from the rows: *longopts (ended by a zero row) and
 * the short-option string; free both with free(). */
struct option;
void pp_settings_getopt(struct option **longopts, char **shortopts);

/* --help, from the rows. */
void pp_settings_usage(FILE *);

#endif
