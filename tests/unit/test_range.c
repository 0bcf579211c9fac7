/* SPDX-License-Identifier: ISC */
/* Threshold ranges (src/core/range.h): the guidelines' five forms, what
 * alerts at their edges, malformed ranges, warning above critical. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/range.h"

static struct pp_range
parse(const char *s)
{
    struct pp_range r;
    char err[200];

    if (pp_range_parse(s, &r, err, sizeof(err)) < 0)
        fail_msg("'%s' refused: %s", s, err);
    return r;
}

static void
test_forms(void **state)
{
    struct pp_range r;

    (void)state;
    r = parse("10"); /* outside 0..10 */
    assert_true(pp_range_alert(&r, -1));
    assert_false(pp_range_alert(&r, 0));
    assert_false(pp_range_alert(&r, 10));
    assert_true(pp_range_alert(&r, 10.5));
    r = parse("10:"); /* below 10 */
    assert_true(pp_range_alert(&r, 9.9));
    assert_false(pp_range_alert(&r, 10));
    assert_false(pp_range_alert(&r, 1e12));
    r = parse("~:10"); /* above 10 */
    assert_false(pp_range_alert(&r, -1e12));
    assert_false(pp_range_alert(&r, 10));
    assert_true(pp_range_alert(&r, 11));
    r = parse("10:20"); /* outside 10..20 */
    assert_true(pp_range_alert(&r, 9));
    assert_false(pp_range_alert(&r, 10));
    assert_false(pp_range_alert(&r, 20));
    assert_true(pp_range_alert(&r, 21));
    r = parse("@10:20"); /* inside 10..20, inclusive */
    assert_false(pp_range_alert(&r, 9));
    assert_true(pp_range_alert(&r, 10));
    assert_true(pp_range_alert(&r, 20));
    assert_false(pp_range_alert(&r, 21));
    r = parse("0.5:2.5");
    assert_true(pp_range_alert(&r, 0.4));
    assert_false(pp_range_alert(&r, 2.5));
    memset(&r, 0, sizeof(r)); /* not set: never */
    assert_false(pp_range_alert(&r, 1e9));
}

static void
test_malformed(void **state)
{
    static const char *const bad[] = {"", "@", ":", "~", "abc", "10:abc", "20:10", "1e999",
                                      "nan", "10::20", "@@10", "~10", "10:~", " 5", "5 "};
    struct pp_range r;
    char err[200];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (pp_range_parse(bad[i], &r, err, sizeof(err)) == 0)
            fail_msg("'%s' accepted", bad[i]);
        assert_false(r.set);
        assert_true(strlen(err) > 0);
    }
}

static void
test_warn_above_crit(void **state)
{
    struct pp_range w, c;

    (void)state;
    w = parse("500");
    c = parse("200");
    assert_true(pp_range_warn_above_crit(&w, &c));
    assert_false(pp_range_warn_above_crit(&c, &w));
    w = parse("200");
    assert_false(pp_range_warn_above_crit(&w, &c)); /* equal: allowed */
    w = parse("5:");
    c = parse("10:");
    assert_true(pp_range_warn_above_crit(&w, &c)); /* warns lower than critical */
    w = parse("@1:2");
    assert_false(pp_range_warn_above_crit(&w, &c)); /* inside ranges: not compared */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_warn_above_crit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
