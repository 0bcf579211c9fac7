/* SPDX-License-Identifier: ISC */
/* The streaming JSON writer (ui/jsonw.h): exact bytes for nesting, commas,
 * escaping, UTF-8 repair and numbers, in compact and pretty mode. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ui/jsonw.h"

/* A writer on a memory stream; take() closes it and returns the text. */
struct buf {
    FILE *f;
    char *s;
    size_t n;
    struct pp_jsonw w;
};

static void
buf_open(struct buf *b, bool pretty)
{
    b->s = NULL;
    b->n = 0;
    b->f = open_memstream(&b->s, &b->n);
    assert_non_null(b->f);
    pp_jw_init(&b->w, b->f, pretty);
}

static char *
buf_take(struct buf *b)
{
    assert_int_equal(fclose(b->f), 0);
    b->f = NULL;
    assert_non_null(b->s);
    return b->s;
}

static void
buf_expect(struct buf *b, const char *want)
{
    char *got = buf_take(b);

    assert_string_equal(got, want);
    free(got);
}

/* The escaped form of s. */
static char *
escape(const char *s)
{
    struct buf b;

    buf_open(&b, false);
    pp_jw_escape(b.f, s);
    return buf_take(&b);
}

static void
expect_escape(const char *in, const char *want)
{
    char *got = escape(in);

    assert_string_equal(got, want);
    free(got);
}

/* -------------------------------------------------------------- tests */

static void
nested(struct pp_jsonw *w)
{
    pp_jw_obj(w);
    pp_jw_key(w, "a");
    pp_jw_int(w, 1);
    pp_jw_key(w, "b");
    pp_jw_arr(w);
    pp_jw_str(w, "x");
    pp_jw_int(w, 2);
    pp_jw_obj(w);
    pp_jw_obj_end(w);
    pp_jw_arr(w);
    pp_jw_arr_end(w);
    pp_jw_obj(w);
    pp_jw_key(w, "k");
    pp_jw_bool(w, true);
    pp_jw_key(w, "l");
    pp_jw_arr(w);
    pp_jw_null(w);
    pp_jw_bool(w, false);
    pp_jw_arr_end(w);
    pp_jw_obj_end(w);
    pp_jw_arr_end(w);
    pp_jw_key(w, "c");
    pp_jw_null(w);
    pp_jw_key(w, "d");
    pp_jw_obj(w);
    pp_jw_key(w, "e");
    pp_jw_str(w, "f");
    pp_jw_obj_end(w);
    pp_jw_obj_end(w);
}

static void
test_nested_compact(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    nested(&b.w);
    buf_expect(&b, "{\"a\":1,\"b\":[\"x\",2,{},[],{\"k\":true,\"l\":[null,false]}],"
                   "\"c\":null,\"d\":{\"e\":\"f\"}}");
}

static void
test_nested_pretty(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, true);
    nested(&b.w);
    buf_expect(&b,
        "{\n"
        "  \"a\": 1,\n"
        "  \"b\": [\n"
        "    \"x\",\n"
        "    2,\n"
        "    {},\n"
        "    [],\n"
        "    {\n"
        "      \"k\": true,\n"
        "      \"l\": [\n"
        "        null,\n"
        "        false\n"
        "      ]\n"
        "    }\n"
        "  ],\n"
        "  \"c\": null,\n"
        "  \"d\": {\n"
        "    \"e\": \"f\"\n"
        "  }\n"
        "}\n");
}

static void
test_empty(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    pp_jw_obj(&b.w);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{}");

    buf_open(&b, false);
    pp_jw_arr(&b.w);
    pp_jw_arr_end(&b.w);
    buf_expect(&b, "[]");

    buf_open(&b, true);
    pp_jw_obj(&b.w);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{}\n");

    buf_open(&b, true);
    pp_jw_arr(&b.w);
    pp_jw_arr_end(&b.w);
    buf_expect(&b, "[]\n");

    buf_open(&b, false);
    pp_jw_obj(&b.w);
    pp_jw_key(&b.w, "o");
    pp_jw_obj(&b.w);
    pp_jw_obj_end(&b.w);
    pp_jw_key(&b.w, "a");
    pp_jw_arr(&b.w);
    pp_jw_arr_end(&b.w);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{\"o\":{},\"a\":[]}");

    buf_open(&b, true);
    pp_jw_obj(&b.w);
    pp_jw_key(&b.w, "o");
    pp_jw_obj(&b.w);
    pp_jw_obj_end(&b.w);
    pp_jw_key(&b.w, "a");
    pp_jw_arr(&b.w);
    pp_jw_arr_end(&b.w);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{\n  \"o\": {},\n  \"a\": []\n}\n");
}

/* Two documents on one writer: the second starts fresh. */
static void
test_two_documents(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    pp_jw_arr(&b.w);
    pp_jw_int(&b.w, 1);
    pp_jw_arr_end(&b.w);
    pp_jw_arr(&b.w);
    pp_jw_int(&b.w, 2);
    pp_jw_arr_end(&b.w);
    buf_expect(&b, "[1][2]");
}

static void
test_escape_specials(void **state)
{
    (void)state;
    expect_escape("", "\"\"");
    expect_escape("plain", "\"plain\"");
    expect_escape("a\"b", "\"a\\\"b\"");
    expect_escape("a\\b", "\"a\\\\b\"");
    expect_escape("a\nb", "\"a\\nb\"");
    expect_escape("a\tb", "\"a\\tb\"");
    expect_escape("a\rb", "\"a\\rb\"");
    expect_escape("/", "\"/\"");
    expect_escape("\x01", "\"\\u0001\"");
    expect_escape("\x08\x0c", "\"\\u0008\\u000c\"");
    expect_escape("\x1f", "\"\\u001f\"");
    expect_escape("\x1b[31m", "\"\\u001b[31m\"");
    expect_escape("\x7f", "\"\\u007f\"");
    expect_escape("\"\\\n\t\x01", "\"\\\"\\\\\\n\\t\\u0001\"");
}

static void
test_escape_utf8_valid(void **state)
{
    (void)state;
    expect_escape("caf\xc3\xa9", "\"caf\xc3\xa9\"");                 /* U+00E9 */
    expect_escape("\xc2\x80", "\"\xc2\x80\"");                       /* U+0080 */
    expect_escape("\xdf\xbf", "\"\xdf\xbf\"");                       /* U+07FF */
    expect_escape("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");               /* U+0800 */
    expect_escape("\xe2\x82\xac", "\"\xe2\x82\xac\"");               /* euro */
    expect_escape("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");               /* U+D7FF */
    expect_escape("\xee\x80\x80", "\"\xee\x80\x80\"");               /* U+E000 */
    expect_escape("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");               /* U+FFFF */
    expect_escape("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");       /* U+10000 */
    expect_escape("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");       /* emoji */
    expect_escape("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");       /* U+10FFFF */
    expect_escape("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
}

#define FFFD "\\ufffd"

static void
test_escape_utf8_invalid(void **state)
{
    (void)state;
    /* A lone byte that never starts a sequence. */
    expect_escape("\xff", "\"" FFFD "\"");
    expect_escape("a\xff" "b", "\"a" FFFD "b\"");
    expect_escape("\xfe", "\"" FFFD "\"");
    expect_escape("\xf5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    /* A continuation byte alone. */
    expect_escape("\x80", "\"" FFFD "\"");
    expect_escape("\xbf" "x", "\"" FFFD "x\"");
    /* Truncated sequences: at the end, and before ASCII. */
    expect_escape("a\xc3", "\"a" FFFD "\"");
    expect_escape("\xe2\x82", "\"" FFFD FFFD "\"");
    expect_escape("\xe2\x82x", "\"" FFFD FFFD "x\"");
    expect_escape("\xf0\x9f\x98", "\"" FFFD FFFD FFFD "\"");
    expect_escape("\xc3\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
    /* Overlong forms. */
    expect_escape("\xc0\x80", "\"" FFFD FFFD "\"");
    expect_escape("\xc1\xbf", "\"" FFFD FFFD "\"");
    expect_escape("\xe0\x80\x80", "\"" FFFD FFFD FFFD "\"");
    expect_escape("\xe0\x9f\xbf", "\"" FFFD FFFD FFFD "\"");
    expect_escape("\xf0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    expect_escape("\xf0\x8f\xbf\xbf", "\"" FFFD FFFD FFFD FFFD "\"");
    /* UTF-16 surrogates encoded in UTF-8. */
    expect_escape("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");
    expect_escape("\xed\xbf\xbf", "\"" FFFD FFFD FFFD "\"");
    /* Beyond U+10FFFF. */
    expect_escape("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");
    /* Mixed with escapes. */
    expect_escape("\xff\n\"", "\"" FFFD "\\n\\\"\"");
}

static void
test_str_null(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    pp_jw_obj(&b.w);
    pp_jw_key(&b.w, "s");
    pp_jw_str(&b.w, NULL);
    pp_jw_key(&b.w, "a");
    pp_jw_arr(&b.w);
    pp_jw_str(&b.w, NULL);
    pp_jw_str(&b.w, "");
    pp_jw_str(&b.w, NULL);
    pp_jw_arr_end(&b.w);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{\"s\":null,\"a\":[null,\"\",null]}");
}

static void
test_keys_escaped(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    pp_jw_obj(&b.w);
    pp_jw_key(&b.w, "a\"b\n\xff");
    pp_jw_int(&b.w, 0);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{\"a\\\"b\\n" FFFD "\":0}");
}

static void
test_numbers(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, false);
    pp_jw_arr(&b.w);
    pp_jw_num(&b.w, 1.5, 1);
    pp_jw_num(&b.w, 2.0, 0);
    pp_jw_num(&b.w, 3.14159, 2);
    pp_jw_num(&b.w, -0.5, 3);
    pp_jw_num(&b.w, 12.345, 1);
    pp_jw_num(&b.w, 0.0, 2);
    pp_jw_num(&b.w, 1234567.891, 3);
    pp_jw_num(&b.w, NAN, 1);
    pp_jw_num(&b.w, INFINITY, 1);
    pp_jw_num(&b.w, -INFINITY, 0);
    pp_jw_num(&b.w, 7.25, 2);
    pp_jw_arr_end(&b.w);
    buf_expect(&b, "[1.5,2,3.14,-0.500,12.3,0.00,1234567.891,null,null,null,7.25]");

    buf_open(&b, false);
    pp_jw_arr(&b.w);
    pp_jw_int(&b.w, 0);
    pp_jw_int(&b.w, -1);
    pp_jw_int(&b.w, 42);
    pp_jw_int(&b.w, LLONG_MAX);
    pp_jw_int(&b.w, LLONG_MIN);
    pp_jw_bool(&b.w, true);
    pp_jw_bool(&b.w, false);
    pp_jw_arr_end(&b.w);
    buf_expect(&b, "[0,-1,42,9223372036854775807,-9223372036854775808,true,false]");
}

/* NaN in an object: the key stays, the value is null. */
static void
test_nan_in_object(void **state)
{
    struct buf b;

    (void)state;
    buf_open(&b, true);
    pp_jw_obj(&b.w);
    pp_jw_key(&b.w, "t_dns");
    pp_jw_num(&b.w, NAN, 1);
    pp_jw_key(&b.w, "t_connect");
    pp_jw_num(&b.w, 12.25, 2);
    pp_jw_obj_end(&b.w);
    buf_expect(&b, "{\n  \"t_dns\": null,\n  \"t_connect\": 12.25\n}\n");
}

/* Deep nesting within the documented depth is exact. */
static void
test_deep(void **state)
{
    struct buf b;
    char want[256];
    int i, depth = PP_JSONW_DEPTH - 2;

    (void)state;
    buf_open(&b, false);
    for (i = 0; i < depth; i++)
        pp_jw_arr(&b.w);
    pp_jw_int(&b.w, 1);
    pp_jw_int(&b.w, 2);
    for (i = 0; i < depth; i++)
        pp_jw_arr_end(&b.w);
    memset(want, '[', (size_t)depth);
    memcpy(want + depth, "1,2", 3);
    memset(want + depth + 3, ']', (size_t)depth);
    want[2 * depth + 3] = '\0';
    buf_expect(&b, want);
}

/* Beyond the depth limit the writer must not write out of bounds (ASan
 * checks that); the brackets still balance. */
static void
test_too_deep(void **state)
{
    struct buf b;
    char *got;
    int i, open = 0, close = 0;
    size_t k;

    (void)state;
    buf_open(&b, true);
    for (i = 0; i < 3 * PP_JSONW_DEPTH; i++) {
        pp_jw_obj(&b.w);
        pp_jw_key(&b.w, "k");
    }
    pp_jw_str(&b.w, "v");
    for (i = 0; i < 3 * PP_JSONW_DEPTH; i++)
        pp_jw_obj_end(&b.w);
    /* Unbalanced closes must not underflow the depth either. */
    pp_jw_obj_end(&b.w);
    pp_jw_arr_end(&b.w);
    got = buf_take(&b);
    for (k = 0; got[k] != '\0'; k++) {
        open += got[k] == '{';
        close += got[k] == '}';
    }
    assert_int_equal(open, 3 * PP_JSONW_DEPTH);
    assert_true(close >= 3 * PP_JSONW_DEPTH);
    free(got);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_compact),
        cmocka_unit_test(test_nested_pretty),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_two_documents),
        cmocka_unit_test(test_escape_specials),
        cmocka_unit_test(test_escape_utf8_valid),
        cmocka_unit_test(test_escape_utf8_invalid),
        cmocka_unit_test(test_str_null),
        cmocka_unit_test(test_keys_escaped),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_nan_in_object),
        cmocka_unit_test(test_deep),
        cmocka_unit_test(test_too_deep),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
