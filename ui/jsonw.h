/* SPDX-License-Identifier: ISC */
/*
 * A small streaming JSON writer: commas, nesting and escaping handled in
 * one place.  Strings are written as valid UTF-8 whatever comes in (bytes
 * from servers included): invalid sequences become U+FFFD.
 */
#ifndef PP_JSONW_H
#define PP_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PP_JSONW_DEPTH 32

struct pp_jsonw {
    FILE *f;
    int depth;
    bool first[PP_JSONW_DEPTH];
    bool after_key;
    bool pretty;
};

void pp_jw_init(struct pp_jsonw *, FILE *f, bool pretty);
void pp_jw_obj(struct pp_jsonw *);       /* { */
void pp_jw_obj_end(struct pp_jsonw *);   /* } */
void pp_jw_arr(struct pp_jsonw *);       /* [ */
void pp_jw_arr_end(struct pp_jsonw *);   /* ] */
void pp_jw_key(struct pp_jsonw *, const char *key);
void pp_jw_str(struct pp_jsonw *, const char *s);  /* NULL writes null */
void pp_jw_int(struct pp_jsonw *, long long v);
void pp_jw_num(struct pp_jsonw *, double v, int decimals); /* NaN/inf: null */
void pp_jw_bool(struct pp_jsonw *, bool v);
void pp_jw_null(struct pp_jsonw *);
/* A key and its value in one call. */
void pp_jw_kstr(struct pp_jsonw *, const char *key, const char *s);
void pp_jw_kint(struct pp_jsonw *, const char *key, long long v);
void pp_jw_kbool(struct pp_jsonw *, const char *key, bool v);
/* Write s as a JSON string literal (quotes included). */
void pp_jw_escape(FILE *f, const char *s);
/* The length of the valid UTF-8 sequence at s (NUL-terminated), or 0
 * (the HTML page escapes with it too). */
size_t pp_utf8_len(const unsigned char *s);

#endif
