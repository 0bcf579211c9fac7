/* SPDX-License-Identifier: ISC */
/*
 * The configuration file, read with inih (<ini.h>).
 *
 * inih is used through ini_parse_stream() with a reader of our own, which
 * hands it one line at a time.  The reader is where the rules inih does
 * not keep are kept, portably (the library's behaviour is fixed when it is
 * built, and Debian's build differs from upstream's only in exposing knobs
 * other builds do not have):
 *   - a line longer than inih's buffer is an error; inih itself cuts it and
 *     parses the rest as a line of its own (which may even hold a key);
 *   - a NUL byte is an error; inih would end the line or the text there;
 *   - leading white space is dropped, so an indented line is a line of its
 *     own, never the continuation of the value above (inih's multi-line);
 *   - comments start at ';' or '#' at the start of a line or after white
 *     space (inih's inline comments know only ';');
 *   - a line that is not a [section] or a KEY = VALUE (or KEY: VALUE) is an
 *     error naming what is wrong, and reading stops at the first error.
 * The reader knows the number of the line inih is working on, which the
 * handler uses in its messages (the library's handler has no line number).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "app/ppconfig.h"
#include "app/settings.h"
#include "core/util.h"

#ifndef PP_CONFIG_SYSTEM
#define PP_CONFIG_SYSTEM "/etc/pushprobe.conf"
#endif
#define PP_CONFIG_SECTION "pushprobe"
/* Larger than any real configuration; a guard against reading a device. */
#define PP_CONFIG_MAX_SIZE (1024 * 1024)
/* User text shown in messages is cut to this many bytes. */
#define SHOW_MAX 48


struct loader {
    const char *name;    /* the file's name, for messages */
    const char *p;       /* the text not read yet */
    const char *end;
    int lineno;          /* the line inih is working on */
    bool failed;         /* err holds the first error; read no further */
    pp_config_apply apply;
    void *ctx;
    char *err;
    size_t errlen;
    int *first;          /* by settings row: the line its key was first given on, or 0 */
};

static void
fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error as "NAME:LINE: sentence". */
static void
fail(struct loader *ld, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (ld->failed)
        return;
    ld->failed = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ld->errlen > 0)
        snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->name, ld->lineno, msg);
}

/* Copy len bytes of user text into out for a message: printable ASCII
 * only (others become '?'), cut with "..." past SHOW_MAX bytes. */
static void
show(char *out, size_t outlen, const char *s, size_t len)
{
    size_t i, o = 0, n = len > SHOW_MAX ? SHOW_MAX : len;

    if (outlen == 0)
        return;
    for (i = 0; i < n && o + 1 < outlen; i++) {
        unsigned char c = (unsigned char)s[i];
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > n) {
        for (i = 0; i < 3 && o + 1 < outlen; i++)
            out[o++] = '.';
    }
    out[o] = '\0';
}

static bool
is_space(char c)
{
    return isspace((unsigned char)c) != 0;
}

/* Trim white space around s[0..*len); returns the new start. */
static const char *
trim(const char *s, size_t *len)
{
    while (*len > 0 && is_space(s[0])) {
        s++;
        (*len)--;
    }
    while (*len > 0 && is_space(s[*len - 1]))
        (*len)--;
    return s;
}

/* Where the line's comment begins: ';' or '#' first on the line or after
 * white space.  Returns len when there is none. */
static size_t
comment_start(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if ((s[i] == ';' || s[i] == '#') && (i == 0 || is_space(s[i - 1])))
            return i;
    return len;
}

/* Check a "[section]" line (s[0] is '['); returns 0 or -1 (failed). */
static int
check_section(struct loader *ld, const char *s, size_t len)
{
    const char *close = memchr(s, ']', len);
    const char *sec, *rest;
    size_t seclen, restlen;
    char shown[SHOW_MAX + 4];

    if (close == NULL) {
        fail(ld, "no ']' closing the section name");
        return -1;
    }
    restlen = len - (size_t)(close + 1 - s);
    rest = trim(close + 1, &restlen);
    seclen = (size_t)(close - s - 1);
    sec = trim(s + 1, &seclen);
    if (seclen != strlen(PP_CONFIG_SECTION) ||
        memcmp(sec, PP_CONFIG_SECTION, seclen) != 0) {
        show(shown, sizeof(shown), sec, seclen);
        fail(ld, "unknown section '[%s]' (settings go at the top or under [%s])", shown,
             PP_CONFIG_SECTION);
        return -1;
    }
    if (restlen > 0) {
        show(shown, sizeof(shown), rest, restlen);
        fail(ld, "text after '[%s]': '%s'", PP_CONFIG_SECTION, shown);
        return -1;
    }
    return 0;
}

/* Check a "KEY = VALUE" or "KEY: VALUE" line; returns 0 or -1 (failed).
 * The key's name and the value are inih's and the handler's to judge. */
static int
check_setting(struct loader *ld, const char *s, size_t len)
{
    size_t i, keylen;

    for (i = 0; i < len; i++)
        if (s[i] == '=' || s[i] == ':')
            break;
    if (i == len) {
        fail(ld, "no '=' in the line (want KEY = VALUE)");
        return -1;
    }
    keylen = i;
    (void)trim(s, &keylen);
    if (keylen == 0) {
        fail(ld, "no key before '%c'", s[i]);
        return -1;
    }
    return 0;
}

/*
 * inih's reader (fgets-like): the next line, checked and cleaned, into
 * str.  num is the size of inih's line buffer, so it tells the longest
 * line this build of the library takes.  NULL ends the text, and ends the
 * parse after an error.
 */
static char *
reader(char *str, int num, void *stream)
{
    struct loader *ld = stream;
    const char *line, *nl, *s;
    size_t len, max;

    if (ld->failed || ld->p >= ld->end)
        return NULL;
    line = ld->p;
    nl = memchr(line, '\n', (size_t)(ld->end - line));
    len = (size_t)((nl != NULL ? nl : ld->end) - line);
    ld->p = nl != NULL ? nl + 1 : ld->end;
    ld->lineno++;
    if (ld->lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        line += 3;
        len -= 3;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (memchr(line, '\0', len) != NULL) {
        fail(ld, "NUL byte in the line");
        return NULL;
    }
    if (num < 3) {
        fail(ld, "inih's line buffer is too small (%d bytes)", num);
        return NULL;
    }
    /* Room for the '\n' and the '\0' too. */
    max = (size_t)num - 2;
    if (len > max) {
        fail(ld, "line longer than %zu bytes", max);
        return NULL;
    }
    len = comment_start(line, len);
    s = trim(line, &len);
    if (len > 0 && s[0] == '[') {
        if (check_section(ld, s, len) < 0)
            return NULL;
        snprintf(str, (size_t)num, "[%s]\n", PP_CONFIG_SECTION);
        return str;
    }
    if (len > 0 && check_setting(ld, s, len) < 0)
        return NULL;
    memcpy(str, s, len);
    str[len] = '\n';
    str[len + 1] = '\0';
    return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
    struct loader *ld = user;
    char why[512] = "", shown[SHOW_MAX + 4];
    const struct pp_setting *row;
    size_t k;

    if (ld->failed)
        return 0;
    /* A new section, where the library is built to say so: checked. */
    if (name == NULL)
        return 1;
    if (section != NULL && section[0] != '\0' && strcmp(section, PP_CONFIG_SECTION) != 0) {
        show(shown, sizeof(shown), section, strlen(section));
        fail(ld, "unknown section '[%s]'", shown);
        return 0;
    }
    row = pp_setting_by_key(name);
    if (row == NULL) {
        const char *near = pp_settings_suggest(name, true);

        show(shown, sizeof(shown), name, strlen(name));
        if (near != NULL)
            fail(ld, "unknown key '%s' (did you mean '%s'?)", shown, near);
        else
            fail(ld, "unknown key '%s'", shown);
        return 0;
    }
    k = (size_t)(row - pp_settings);
    name = row->key;
    if (value == NULL || value[0] == '\0') {
        fail(ld, "key '%s': empty value", name);
        return 0;
    }
    if (ld->first[k] != 0 && !row->repeatable) {
        fail(ld, "key '%s' given twice (first on line %d)", name, ld->first[k]);
        return 0;
    }
    if (ld->first[k] == 0)
        ld->first[k] = ld->lineno;
    if (ld->apply != NULL && ld->apply(ld->ctx, name, value, why, sizeof(why)) != 0) {
        if (why[0] == '\0')
            snprintf(why, sizeof(why), "invalid value");
        fail(ld, "key '%s': %s", name, why);
        return 0;
    }
    return 1;
}

int
pp_config_load_buffer(const char *name, const char *data, size_t len,
                      pp_config_apply apply, void *ctx, char *err, size_t errlen)
{
    struct loader ld;
    int rc;

    if (errlen > 0)
        err[0] = '\0';
    memset(&ld, 0, sizeof(ld));
    ld.name = name;
    ld.p = data;
    ld.end = data + len;
    ld.apply = apply;
    ld.ctx = ctx;
    ld.err = err;
    ld.errlen = errlen;
    ld.first = pp_xcalloc(pp_settings_count, sizeof(*ld.first));
    rc = ini_parse_stream(reader, &ld, handler, &ld);
    free(ld.first);
    if (ld.failed)
        return -1;
    if (rc > 0) {
        /* The library refused a line the reader let through. */
        ld.lineno = rc;
        fail(&ld, "cannot parse the line");
        return -1;
    }
    if (rc < 0) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: cannot parse (inih error %d)", name, rc);
        return -1;
    }
    return 0;
}

int
pp_config_load_string(const char *name, const char *text, pp_config_apply apply,
                      void *ctx, char *err, size_t errlen)
{
    return pp_config_load_buffer(name, text, strlen(text), apply, ctx, err, errlen);
}

/* Read the whole file into *buf (*len bytes).  Returns 0, 1 when it does
 * not exist and missing_ok, or -1 with "PATH: why" in err. */
static int
read_file(const char *path, bool missing_ok, char **buf, size_t *len, char *err,
          size_t errlen)
{
    FILE *f = pp_fopen_read(path);
    size_t n = 0, cap = 4096;
    char *b;
    int e;

    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        e = errno;
        if (missing_ok && (e == ENOENT || e == ENOTDIR))
            return 1;
        if (errlen > 0)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        return -1;
    }
    b = pp_xmalloc(cap);
    for (;;) {
        size_t got;

        if (n == cap) {
            if (cap > PP_CONFIG_MAX_SIZE)
                break;
            cap *= 2;
            b = pp_xrealloc(b, cap, 1);
        }
        errno = 0;
        got = fread(b + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        e = errno != 0 ? errno : EIO;
        if (errlen > 0)
            snprintf(err, errlen, "%s: %s", path, strerror(e));
        fclose(f);
        free(b);
        return -1;
    }
    fclose(f);
    if (n > PP_CONFIG_MAX_SIZE) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: larger than %d bytes, not a configuration file",
                     path, PP_CONFIG_MAX_SIZE);
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

int
pp_config_load(const char *path, bool missing_ok, pp_config_apply apply, void *ctx,
               char *err, size_t errlen)
{
    char *buf;
    size_t len;
    int rc;

    if (errlen > 0)
        err[0] = '\0';
    rc = read_file(path, missing_ok, &buf, &len, err, errlen);
    if (rc != 0)
        return rc;
    rc = pp_config_load_buffer(path, buf, len, apply, ctx, err, errlen);
    free(buf);
    return rc;
}

/* dir + "/" + rest, without doubling a trailing '/' of dir. */
static char *
join(const char *dir, const char *rest)
{
    size_t n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    if (n == 1 && dir[0] == '/')
        n = 0;
    return pp_xasprintf("%.*s/%s", (int)n, dir, rest);
}

size_t
pp_config_default_paths(char **out, size_t n)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home;
    size_t k = 0;

    if (out == NULL || n == 0)
        return 0;
    out[k++] = pp_xstrdup(PP_CONFIG_SYSTEM);
    if (k == n)
        return k;
    /* The XDG base directory rules: a relative path is to be ignored. */
    if (xdg != NULL && xdg[0] == '/') {
        out[k++] = join(xdg, "pushprobe/pushprobe.conf");
        return k;
    }
    home = getenv("HOME");
    if (home == NULL || home[0] == '\0') {
        const struct passwd *pw = getpwuid(getuid());
        home = pw != NULL ? pw->pw_dir : NULL;
    }
    if (home != NULL && home[0] != '\0')
        out[k++] = join(home, ".config/pushprobe/pushprobe.conf");
    return k;
}
