/* SPDX-License-Identifier: ISC */
/* Streaming JSON writer; see jsonw.h. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "ui/jsonw.h"

void
pp_jw_init(struct pp_jsonw *w, FILE *f, bool pretty)
{
    memset(w, 0, sizeof(*w));
    w->f = f;
    w->pretty = pretty;
}

static void
indent(struct pp_jsonw *w)
{
    static const char pad[2 * PP_JSONW_DEPTH + 2] = "\n" "                                "
                                                    "                                ";

    if (!w->pretty)
        return;
    fwrite(pad, 1, 1 + 2 * (size_t)w->depth, w->f);
}

/* Before a value or a key: the comma and the newline. */
static void
sep(struct pp_jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth])
            fputc(',', w->f);
        w->first[w->depth] = false;
        indent(w);
    }
}

static void
open_(struct pp_jsonw *w, char c)
{
    sep(w);
    fputc(c, w->f);
    if (w->depth < PP_JSONW_DEPTH - 1)
        w->depth++;
    w->first[w->depth] = true;
}

static void
close_(struct pp_jsonw *w, char c)
{
    bool empty = w->first[w->depth];

    if (w->depth > 0)
        w->depth--;
    if (!empty)
        indent(w);
    fputc(c, w->f);
    if (w->depth == 0 && w->pretty)
        fputc('\n', w->f);
}

void pp_jw_obj(struct pp_jsonw *w) { open_(w, '{'); }
void pp_jw_obj_end(struct pp_jsonw *w) { close_(w, '}'); }
void pp_jw_arr(struct pp_jsonw *w) { open_(w, '['); }
void pp_jw_arr_end(struct pp_jsonw *w) { close_(w, ']'); }

size_t
pp_utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    size_t n, i;
    uint32_t cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void
pp_jw_escape(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str, *run = s;

    fputc('"', f);
    /* Plain printable ASCII goes out in runs, one fwrite each. */
    for (;;) {
        size_t n;

        while (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\')
            s++;
        if (s > run)
            fwrite(run, 1, (size_t)(s - run), f);
        if (*s == '\0')
            break;
        switch (*s) {
        case '"': fputs("\\\"", f); s++; run = s; continue;
        case '\\': fputs("\\\\", f); s++; run = s; continue;
        case '\n': fputs("\\n", f); s++; run = s; continue;
        case '\r': fputs("\\r", f); s++; run = s; continue;
        case '\t': fputs("\\t", f); s++; run = s; continue;
        default: break;
        }
        if (*s < 0x20 || *s == 0x7f) {
            fprintf(f, "\\u%04x", *s);
            s++;
            run = s;
            continue;
        }
        n = pp_utf8_len(s);
        if (n == 0) {
            fputs("\\ufffd", f);
            s++;
        } else {
            fwrite(s, 1, n, f);
            s += n;
        }
        run = s;
    }
    fputc('"', f);
}

void
pp_jw_key(struct pp_jsonw *w, const char *key)
{
    sep(w);
    pp_jw_escape(w->f, key);
    fputs(w->pretty ? ": " : ":", w->f);
    w->after_key = true;
}

void
pp_jw_str(struct pp_jsonw *w, const char *s)
{
    if (s == NULL) {
        pp_jw_null(w);
        return;
    }
    sep(w);
    pp_jw_escape(w->f, s);
}

void
pp_jw_int(struct pp_jsonw *w, long long v)
{
    char buf[24], *p = buf + sizeof(buf);
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    sep(w);
    /* By hand: a capture's report writes hundreds of thousands of them. */
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        *--p = '-';
    fwrite(p, 1, (size_t)(buf + sizeof(buf) - p), w->f);
}

void
pp_jw_num(struct pp_jsonw *w, double v, int decimals)
{
    if (isnan(v) || isinf(v)) {
        pp_jw_null(w);
        return;
    }
    sep(w);
    fprintf(w->f, "%.*f", decimals, v);
}

void
pp_jw_bool(struct pp_jsonw *w, bool v)
{
    sep(w);
    fputs(v ? "true" : "false", w->f);
}

void
pp_jw_null(struct pp_jsonw *w)
{
    sep(w);
    fputs("null", w->f);
}

void
pp_jw_kstr(struct pp_jsonw *w, const char *key, const char *s)
{
    pp_jw_key(w, key);
    pp_jw_str(w, s);
}

void
pp_jw_kint(struct pp_jsonw *w, const char *key, long long v)
{
    pp_jw_key(w, key);
    pp_jw_int(w, v);
}

void
pp_jw_kbool(struct pp_jsonw *w, const char *key, bool v)
{
    pp_jw_key(w, key);
    pp_jw_bool(w, v);
}
