/* SPDX-License-Identifier: ISC */
/* libFuzzer harness for the configuration file (src/app/ppconfig.h): any bytes
 * give 0 or -1 with a "NAME:LINE: sentence", never a crash, a leak or a
 * read past the text; every setting handed on is a known key with a value
 * that is not empty, has no white space around it and no line end in it. */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/ppconfig.h"
#include "app/settings.h"

#define NAME "fuzz.conf"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
    size_t calls;
    size_t lines;     /* lines in the input */
    size_t reject_at; /* reject the n-th call (1-based), 0: never */
};

/* Accepts everything (but the reject_at-th call), checking what it gets. */
static int
apply(void *ctx, const char *key, const char *value, char *err, size_t errlen)
{
    struct seen *s = ctx;
    const struct pp_setting *row = pp_setting_by_key(key);
    size_t n;

    if (row == NULL || key != row->key)
        abort();
    n = strlen(value);
    if (n == 0 || isspace((unsigned char)value[0]) || isspace((unsigned char)value[n - 1]))
        abort();
    if (strchr(value, '\n') != NULL)
        abort();
    s->calls++;
    /* At most one setting a line. */
    if (s->calls > s->lines)
        abort();
    if (s->reject_at != 0 && s->calls == s->reject_at) {
        snprintf(err, errlen, "rejected");
        return -1;
    }
    return 0;
}

/* rc and err agree with each other and with the text. */
static void
check(int rc, const char *err, size_t lines)
{
    if (rc == 0) {
        if (err[0] != '\0')
            abort();
    } else if (rc == -1) {
        const char *p = err + strlen(NAME ":");
        char *end;
        unsigned long line;

        if (strncmp(err, NAME ":", strlen(NAME ":")) != 0)
            abort();
        line = strtoul(p, &end, 10);
        if (end == p || strncmp(end, ": ", 2) != 0 || end[2] == '\0')
            abort();
        if (line < 1 || line > lines)
            abort();
    } else {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct seen s;
    char err[512], err2[512];
    char *text;
    size_t i;
    int rc, rc2;

    memset(&s, 0, sizeof(s));
    s.lines = 1;
    for (i = 0; i < size; i++)
        if (data[i] == '\n')
            s.lines++;

    /* The bytes as they are (a file's content, NUL bytes and all). */
    rc = pp_config_load_buffer(NAME, (const char *)data, size, apply, &s, err, sizeof(err));
    check(rc, err, s.lines);

    /* Rejecting a call ends the reading there, with the key's name. */
    if (s.calls > 0) {
        size_t calls = s.calls;

        s.reject_at = (size_t)data[0] % calls + 1;
        s.calls = 0;
        rc2 = pp_config_load_buffer(NAME, (const char *)data, size, apply, &s, err2,
                                    sizeof(err2));
        check(rc2, err2, s.lines);
        if (rc2 != -1 || s.calls != s.reject_at || strstr(err2, ": rejected") == NULL)
            abort();
        s.reject_at = 0;
    }

    /* As a string: the same answer when there is no NUL byte. */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    if (size > 0)
        memcpy(text, data, size);
    text[size] = '\0';
    s.calls = 0;
    rc2 = pp_config_load_string(NAME, text, apply, &s, err2, sizeof(err2));
    if (memchr(data, '\0', size) == NULL) {
        if (rc2 != rc || strcmp(err, err2) != 0)
            abort();
    } else {
        check(rc2, err2, s.lines);
    }
    free(text);
    return 0;
}
