/* SPDX-License-Identifier: ISC */
/*
 * mkcomplete SHELL: the shell completion of pushprobe for bash, zsh or
 * fish, written from the settings table (app/settings.c) at build time, so
 * the completions know every option the binary knows and cannot drift.
 *
 * What a value completes to comes from the row: its choices ("a|b|c"),
 * files where the value is a FILE, network interfaces for IFACE, user
 * names for USER; other values (URL, seconds, a range) offer nothing.
 *
 * Room: app (a build tool; it links the library for the table only).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "app/settings.h"

enum kind { K_NONE, K_CHOICE, K_FILE, K_IFACE, K_USER };

/* Is the row a command-line option the completion offers? */
static int
is_option(const struct pp_setting *s)
{
    return s->name != NULL && s->type != PP_SET_HELP;
}

static int
takes_value(const struct pp_setting *s)
{
    return s->type != PP_SET_FLAG;
}

static enum kind
value_kind(const struct pp_setting *s)
{
    if (!takes_value(s))
        return K_NONE;
    if (s->choices != NULL)
        return K_CHOICE;
    if (s->arg == NULL)
        return s->optional_value ? K_FILE : K_NONE;
    if (strstr(s->arg, "FILE") != NULL)
        return K_FILE;
    if (strcmp(s->arg, "IFACE") == 0)
        return K_IFACE;
    if (strcmp(s->arg, "USER") == 0)
        return K_USER;
    return K_NONE;
}

/* The row's --help text on one line; a row that shares its line of
 * --help with the one above it (-6, --critical) takes that one's. */
static void
summary(const struct pp_setting *s, char *out, size_t outlen)
{
    const struct pp_setting *h = s;
    size_t i;

    while (h > pp_settings && h->help == NULL)
        h--;
    snprintf(out, outlen, "%s", h->help != NULL ? h->help : s->name);
    for (i = 0; out[i] != '\0'; i++)
        if (out[i] == '\n')
            out[i] = ' ';
}

/* The choices "a|b|c" as "a b c". */
static void
words(const char *choices, char *out, size_t outlen)
{
    size_t i;

    snprintf(out, outlen, "%s", choices);
    for (i = 0; out[i] != '\0'; i++)
        if (out[i] == '|')
            out[i] = ' ';
}

/* Text inside a shell's single quotes: ' is closed, escaped, reopened
 * (bash, zsh), or backslashed (fish, with its backslash); zsh's brackets
 * are backslashed inside an _arguments description. */
static void
put_quoted(FILE *f, const char *s, const char *shell)
{
    int fish = strcmp(shell, "fish") == 0, zsh = strcmp(shell, "zsh") == 0;

    for (; *s != '\0'; s++) {
        if (*s == '\'')
            fputs(fish ? "\\'" : "'\\''", f);
        else if (fish && *s == '\\')
            fputs("\\\\", f);
        else if (zsh && (*s == '[' || *s == ']'))
            fprintf(f, "\\%c", *s);
        else
            fputc(*s, f);
    }
}

/* ------------------------------------------------------------ bash */

/* "--a|--b|-x" of the options whose value is of kind k; 0 if none. */
static int
bash_pattern(FILE *f, enum kind k, int optional)
{
    size_t i;
    int n = 0;

    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (!is_option(s) || !takes_value(s) || value_kind(s) != k ||
            (s->optional_value != 0) != (optional != 0))
            continue;
        fprintf(f, "%s--%s", n++ ? "|" : "        ", s->name);
        if (s->flag != 0)
            fprintf(f, "|-%c", s->flag);
    }
    return n;
}

static void
bash_values(FILE *f)
{
    char w[256], shortopt[4] = "";
    size_t i;

    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (!is_option(s) || value_kind(s) != K_CHOICE)
            continue;
        words(s->choices, w, sizeof(w));
        if (s->flag != 0)
            snprintf(shortopt, sizeof(shortopt), "|-%c", s->flag);
        fprintf(f, "        --%s%s)\n            COMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
                   "            return\n            ;;\n",
                s->name, s->flag ? shortopt : "", w);
    }
    if (bash_pattern(f, K_FILE, 0))
        fputs(")\n            _filedir\n            return\n            ;;\n", f);
    if (bash_pattern(f, K_IFACE, 0))
        fputs(")\n            _available_interfaces\n            return\n            ;;\n", f);
    if (bash_pattern(f, K_USER, 0))
        fputs(")\n            COMPREPLY=($(compgen -u -- \"$cur\"))\n            return\n"
              "            ;;\n", f);
    if (bash_pattern(f, K_NONE, 0))
        fputs(")\n            return\n            ;;\n", f);
    /* --csv[=FILE]: a file only after '='; a word after it is a target. */
    if (bash_pattern(f, K_FILE, 1))
        fputs(")\n            if $split; then _filedir; return; fi\n            ;;\n", f);
}

static void
bash(FILE *f)
{
    size_t i;

    fputs("# bash completion for pushprobe(1), made from its settings table by\n"
          "# mkcomplete at build time: do not edit.\n"
          "_pushprobe()\n{\n"
          "    local cur prev words cword split\n"
          "    _init_completion -s || return\n"
          "\n    case $prev in\n", f);
    bash_values(f);
    fputs("    esac\n\n    if [[ $cur == -* ]]; then\n        COMPREPLY=($(compgen -W '", f);
    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (!is_option(s))
            continue;
        /* --csv[=FILE] is offered as --csv and as --csv=. */
        fprintf(f, "%s--%s%s", i ? " " : "", s->name, takes_value(s) ? "=" : "");
        if (s->optional_value)
            fprintf(f, " --%s", s->name);
        if (s->flag != 0)
            fprintf(f, " -%c", s->flag);
    }
    fputs("' -- \"$cur\"))\n"
          "        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace\n"
          "    fi\n} &&\n    complete -F _pushprobe pushprobe\n", f);
}

/* ------------------------------------------------------------ zsh */

static const char *
zsh_action(const struct pp_setting *s, char *buf, size_t buflen)
{
    char w[256];

    switch (value_kind(s)) {
    case K_CHOICE:
        words(s->choices, w, sizeof(w));
        snprintf(buf, buflen, "(%s)", w);
        return buf;
    case K_FILE:
        return "_files";
    case K_IFACE:
        return "_net_interfaces";
    case K_USER:
        return "_users";
    default:
        return " ";
    }
}

/* One _arguments spec: OPT[description]:ARG:ACTION. */
static void
zsh_spec(FILE *f, const struct pp_setting *s, const char *opt, const char *sep)
{
    char help[256], act[300];

    summary(s, help, sizeof(help));
    fprintf(f, "    '%s%s%s[", s->repeatable ? "*" : "", opt, takes_value(s) ? sep : "");
    put_quoted(f, help, "zsh");
    fputc(']', f);
    if (takes_value(s)) {
        fprintf(f, ":%s", s->optional_value ? ":" : "");
        put_quoted(f, s->arg != NULL ? s->arg : "FILE", "zsh");
        fprintf(f, ":%s", zsh_action(s, act, sizeof(act)));
    }
    fputs("' \\\n", f);
}

static void
zsh(FILE *f)
{
    char opt[80];
    size_t i;

    fputs("#compdef pushprobe\n"
          "# zsh completion for pushprobe(1), made from its settings table by\n"
          "# mkcomplete at build time: do not edit.\n"
          "_arguments -s -S \\\n", f);
    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];

        if (!is_option(s))
            continue;
        snprintf(opt, sizeof(opt), "--%s", s->name);
        zsh_spec(f, s, opt, s->optional_value ? "=-" : "=");
        if (s->flag != 0) {
            snprintf(opt, sizeof(opt), "-%c", s->flag);
            zsh_spec(f, s, opt, "+");
        }
    }
    fputs("    '*:target:_hosts'\n", f);
}

/* ------------------------------------------------------------ fish */

static void
fish(FILE *f)
{
    char help[256], w[256];
    size_t i;

    fputs("# fish completion for pushprobe(1), made from its settings table by\n"
          "# mkcomplete at build time: do not edit.\n"
          "complete -c pushprobe -f\n", f);
    for (i = 0; i < pp_settings_count; i++) {
        const struct pp_setting *s = &pp_settings[i];
        enum kind k = value_kind(s);

        if (!is_option(s))
            continue;
        fprintf(f, "complete -c pushprobe -l %s", s->name);
        if (s->flag != 0)
            fprintf(f, " -s %c", s->flag);
        if (takes_value(s) && !s->optional_value)
            fputs(k == K_FILE ? " -r -F" : " -x", f);
        else if (s->optional_value && k == K_FILE)
            fputs(" -F", f);   /* --csv=FILE: files after '=' only */
        if (k == K_CHOICE) {
            words(s->choices, w, sizeof(w));
            fprintf(f, " -a '%s'", w);
        } else if (k == K_IFACE) {
            fputs(" -a '(__fish_print_interfaces)'", f);
        } else if (k == K_USER) {
            fputs(" -a '(__fish_complete_users)'", f);
        }
        summary(s, help, sizeof(help));
        fputs(" -d '", f);
        put_quoted(f, help, "fish");
        fputs("'\n", f);
    }
}

int
main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "bash") == 0)
        bash(stdout);
    else if (argc == 2 && strcmp(argv[1], "zsh") == 0)
        zsh(stdout);
    else if (argc == 2 && strcmp(argv[1], "fish") == 0)
        fish(stdout);
    else {
        fputs("usage: mkcomplete bash|zsh|fish\n", stderr);
        return 2;
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
