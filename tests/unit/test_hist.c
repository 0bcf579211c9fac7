/* SPDX-License-Identifier: ISC */
/* Each check's history over runs (src/core/hist.h), as the dashboard and
 * -c N keep it: runs, losses, state changes, min/avg/max, the last time,
 * the ring of recent times, and the table by id. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/hist.h"

static struct pp_result
res(enum pp_state st, double ms)
{
    struct pp_result r;

    memset(&r, 0, sizeof(r));
    r.state = st;
    r.t_total = ms;
    return r;
}

static void
test_one(void **state)
{
    struct pp_hist h;
    struct pp_result r;
    unsigned i;

    (void)state;
    memset(&h, 0, sizeof(h));
    r = res(PP_ST_OK, 10);
    pp_hist_add(&h, &r);
    r = res(PP_ST_PENDING, 1);            /* not finished: not counted */
    pp_hist_add(&h, &r);
    r = res(PP_ST_FILTERED, 2000);        /* a failure's time is no latency */
    pp_hist_add(&h, &r);
    assert_int_equal(h.last_ms, -1);
    r = res(PP_ST_OK, 30);
    pp_hist_add(&h, &r);
    assert_int_equal(h.runs, 3);
    assert_int_equal(h.lost, 1);
    assert_int_equal(h.flaps, 2);
    assert_int_equal(h.nlat, 2);
    assert_true(h.min_ms == 10 && h.max_ms == 30 && h.sum_ms == 40 && h.last_ms == 30);
    assert_int_equal(h.count, 3);
    assert_true(h.lat[1] < 0);            /* the failed run in the strip */
    for (i = 0; i < 2 * PP_HIST_LEN; i++)
        pp_hist_add(&h, &r);
    assert_int_equal(h.count, PP_HIST_LEN);   /* the ring keeps the latest */
    assert_int_equal(h.runs, 3 + 2 * PP_HIST_LEN);
}

static void
test_table(void **state)
{
    struct pp_result a = res(PP_ST_OK, 1), b = res(PP_ST_CLOSED, 0), c = res(PP_ST_OK, 2);
    struct pp_result *v[3] = {&a, &b, &c};
    struct pp_report rep;
    struct pp_hists hs;
    int k;

    (void)state;
    memset(&hs, 0, sizeof(hs));
    memset(&rep, 0, sizeof(rep));
    a.id = (char *)"b.example:443/ipv4";
    b.id = (char *)"a.example:443/ipv4";
    c.id = NULL;                          /* no id: no history */
    rep.results = v;
    rep.n = 3;
    for (k = 0; k < 3; k++)
        pp_hists_add_report(&hs, &rep);
    assert_int_equal(hs.rounds, 3);
    assert_int_equal(hs.n, 2);
    assert_string_equal(hs.v[0]->id, "a.example:443/ipv4");   /* sorted */
    assert_int_equal(pp_hists_get(&hs, "a.example:443/ipv4")->lost, 3);
    assert_int_equal(pp_hists_get(&hs, "b.example:443/ipv4")->lost, 0);
    assert_null(pp_hists_get(&hs, "c.example:443/ipv4"));
    assert_null(pp_hists_get(NULL, "a.example:443/ipv4"));
    assert_null(pp_hists_find(&hs, "c", false));
    assert_non_null(pp_hists_find(&hs, "c", true));
    assert_int_equal(hs.n, 3);
    pp_hists_free(&hs);
    assert_int_equal(hs.n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
