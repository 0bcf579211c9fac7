/* SPDX-License-Identifier: ISC */
/* The dashboard's layout rules (ui/tuilayout.h) for many terminal sizes:
 * the badges, the key line and the headline whole; the columns within the
 * width and the spare width to REASON; cut names with an ellipsis; times
 * with one decimal under 100 ms; the screen split; the findings window and
 * its marker; the orders of `o`; the search of `/`. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "plan/plan.h"
#include "ui/tuilayout.h"

static const int sizes[][2] = {{80, 24}, {100, 30}, {200, 50}, {60, 20}, {30, 8}, {132, 43}};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void
check_badges(const char *word, int width, int max_lines)
{
    static const char *const titles[6] = {"Push", "MDM", "Enrollment", "Software update",
                                          "Content", "File sharing"};
    static const char *const shorts[6] = {"Push", "MDM", "Enrol", "Update", "Content", "Files"};
    struct pp_tui_badge b[6];
    struct pp_tui_badge_pos pos[6];
    int i, lines, end[4] = {0, 0, 0, 0};

    for (i = 0; i < 6; i++) {
        b[i].title = titles[i];
        b[i].short_title = shorts[i];
        b[i].word = word;
    }
    lines = pp_tui_badges(b, 6, width, max_lines, pos);
    if (width < 40)
        return;   /* too narrow to promise anything */
    assert_in_range(lines, 1, max_lines);
    for (i = 0; i < 6; i++) {
        int w = (int)strlen(pos[i].short_title ? shorts[i] : titles[i]) + 1 + (int)strlen(word);
        assert_in_range(pos[i].line, 0, lines - 1);
        assert_true(pos[i].x >= end[pos[i].line]);           /* no overlap */
        if (pos[i].x + w > width)
            fail_msg("badge %d (%s) cut at %d columns: x %d width %d", i, word, width,
                     pos[i].x, w);
        end[pos[i].line] = pos[i].x + w + 1;
    }
    /* Wide enough: full titles on one line. */
    if (width >= 200) {
        assert_int_equal(lines, 1);
        assert_false(pos[5].short_title);
    }
}

static void
test_badges(void **state)
{
    static const char *const words[] = {"-", "OK", "BLOCKED", "DEGRADED"};
    size_t s, k;

    (void)state;
    for (s = 0; s < NSIZES; s++)
        for (k = 0; k < 4; k++)
            check_badges(words[k], sizes[s][0], sizes[s][1] >= 20 ? 3 : 2);
    /* 80 columns, every area BLOCKED ("File sharing:BLOC" was cut): two
     * lines of full titles; not checked yet: one line. */
    {
        struct pp_tui_badge b[6] = {{"Push", "Push", "BLOCKED"}, {"MDM", "MDM", "BLOCKED"},
                                    {"Enrollment", "Enrol", "BLOCKED"},
                                    {"Software update", "Update", "BLOCKED"},
                                    {"Content", "Content", "BLOCKED"},
                                    {"File sharing", "Files", "BLOCKED"}};
        struct pp_tui_badge_pos pos[6];
        assert_int_equal(pp_tui_badges(b, 6, 80, 3, pos), 2);
        assert_false(pos[5].short_title);
        assert_int_equal(pos[5].line, 1);
        assert_true(pos[5].x + (int)strlen("File sharing:BLOCKED") <= 80);
        for (int i = 0; i < 6; i++)
            b[i].word = "-";
        assert_int_equal(pp_tui_badges(b, 6, 80, 3, pos), 1);
        /* 60 columns: short titles, two lines. */
        for (int i = 0; i < 6; i++)
            b[i].word = "DEGRADED";
        assert_int_equal(pp_tui_badges(b, 6, 60, 2, pos), 2);
    }
}

static const struct pp_tui_item keys[] = {
    {"j/k move", 6}, {"Enter details", 2}, {"/ search", 3}, {"o sort", 7},
    {"f filter", 8}, {"4/6 family", 11}, {"t trace", 10}, {"r re-run", 4},
    {"p pause", 9}, {"s save", 5}, {"m mouse", 12}, {"? help", 1}, {"q quit", 0},
};

static void
test_keyline(void **state)
{
    char line[400];
    size_t s, kept, prev = 0;

    (void)state;
    for (s = 0; s < NSIZES; s++) {
        int w = sizes[s][0] - 1;
        kept = pp_tui_pack(keys, 13, w, "  ", line, sizeof(line));
        assert_true(pp_tui_width(line) <= w);
        assert_non_null(strstr(line, "q quit"));
        assert_non_null(strstr(line, "? help"));
        /* Items are whole and in their order: the line ends with q quit. */
        assert_string_equal(line + strlen(line) - 6, "q quit");
        if (sizes[s][0] >= 80)
            assert_non_null(strstr(line, "Enter details"));
        if (sizes[s][0] >= 200)
            assert_int_equal(kept, 13);
        (void)prev;
    }
    /* Wider never keeps fewer. */
    for (int w = 20; w < 200; w++) {
        kept = pp_tui_pack(keys, 13, w, "  ", line, sizeof(line));
        assert_true(kept >= prev);
        prev = kept;
    }
    /* UTF-8 arrows count as one column each. */
    assert_int_equal(pp_tui_width("\u2191\u2193 move"), 7);
}

static void
test_headline(void **state)
{
    const struct pp_tui_item items[] = {{"runs 12345", 0}, {"last 12:00:00", 2},
                                        {"next 12:00:10", 1}, {"every 10s", 3}};
    char line[200];

    (void)state;
    /* 80 columns minus " pushprobe DEGRADED  ": everything. */
    pp_tui_pack(items, 4, 80 - 21, "  ", line, sizeof(line));
    assert_string_equal(line, "runs 12345  last 12:00:00  next 12:00:10  every 10s");
    pp_tui_pack(items, 4, 60 - 21, "  ", line, sizeof(line));
    assert_string_equal(line, "runs 12345  next 12:00:10");
    pp_tui_pack(items, 4, 5, "  ", line, sizeof(line));
    assert_string_equal(line, "");
}

static int
cols_width(const struct pp_tui_cols *c)
{
    int i, end = 0;

    for (i = 0; i < PP_COL__COUNT; i++)
        if (c->on[i]) {
            assert_true(c->x[i] >= end);
            end = c->x[i] + c->w[i] + 1;
        }
    return end;
}

static void
test_columns(void **state)
{
    const struct pp_tui_colneed small = {9, 9, 12}, big = {34, 39, 44};
    struct pp_tui_cols c;
    size_t s;

    (void)state;
    for (s = 0; s < NSIZES; s++) {
        int w = sizes[s][0];
        for (int k = 0; k < 2; k++) {
            pp_tui_columns(w, k ? &big : &small, &c);
            if (w >= 60)
                assert_true(cols_width(&c) <= w);
            assert_true(c.on[PP_COL_STATE] && c.on[PP_COL_HOST] && c.on[PP_COL_PORT] &&
                        c.on[PP_COL_REASON]);
        }
    }
    /* 80: the statistics and the address go; the spare to HOST (to 24)
     * and REASON. */
    pp_tui_columns(80, &big, &c);
    assert_false(c.on[PP_COL_STATS]);
    assert_false(c.on[PP_COL_ADDR]);
    assert_int_equal(c.w[PP_COL_HOST], 24);
    assert_int_equal(c.w[PP_COL_REASON], 20);
    /* 200: REASON gets all it wants, then HOST; nothing dropped. */
    pp_tui_columns(200, &big, &c);
    for (int i = 0; i < PP_COL__COUNT; i++)
        assert_true(c.on[i]);
    assert_true(c.w[PP_COL_REASON] >= 44);
    assert_int_equal(c.w[PP_COL_HOST], 34);
    assert_int_equal(cols_width(&c), 200);
    /* 100 with a long reason: REASON grows before HOST passes 24. */
    pp_tui_columns(100, &big, &c);
    assert_int_equal(c.w[PP_COL_HOST], 24);
    assert_true(c.w[PP_COL_REASON] > 16);
    /* Little to say: the spare ends in REASON, not HOST. */
    pp_tui_columns(200, &small, &c);
    assert_int_equal(c.w[PP_COL_HOST], 20);
    assert_true(c.w[PP_COL_REASON] > 60);
    /* A long host gets its width once REASON has what it wants. */
    pp_tui_columns(200, &(struct pp_tui_colneed){60, 39, 30}, &c);
    assert_int_equal(c.w[PP_COL_HOST], 60);
    assert_int_equal(c.w[PP_COL_REASON], 30);
}

static void
test_fit_and_times(void **state)
{
    char buf[64];
    bool cut;

    (void)state;
    assert_int_equal(pp_tui_fit("courier.push.apple.com", 30, &cut), 22);
    assert_false(cut);
    assert_int_equal(pp_tui_fit("courier.push.apple.com", 22, &cut), 22);
    assert_false(cut);
    assert_int_equal(pp_tui_fit("courier.push.apple.com", 10, &cut), 9);
    assert_true(cut);
    assert_int_equal(pp_tui_fit("x", 0, &cut), 0);
    pp_tui_ms(0.8, buf, sizeof(buf));
    assert_string_equal(buf, "0.8");
    pp_tui_ms(12.34, buf, sizeof(buf));
    assert_string_equal(buf, "12.3");
    pp_tui_ms(99.94, buf, sizeof(buf));
    assert_string_equal(buf, "99.9");
    pp_tui_ms(99.96, buf, sizeof(buf));
    assert_string_equal(buf, "100");
    pp_tui_ms(1234.5, buf, sizeof(buf));
    assert_string_equal(buf, "1234");
    pp_tui_ms(-1, buf, sizeof(buf));
    assert_string_equal(buf, "-");
    pp_tui_stats(0.4, 1.25, 150.2, buf, sizeof(buf));
    assert_string_equal(buf, "0.4/1.2/150");
}

static void
test_split(void **state)
{
    struct pp_tui_split s;
    size_t k;

    (void)state;
    for (k = 0; k < NSIZES; k++) {
        int lines = sizes[k][1];
        for (int need = 1; need < 60; need += 7)
            for (int pane = 1; pane < 40; pane += 5)
                for (int det = 0; det < 2; det++) {
                    pp_tui_split(lines, 3, need, pane, det, &s);
                    assert_int_equal(s.keys_y, lines - 1);
                    assert_int_equal(s.pane_y1, s.keys_y);
                    assert_int_equal(s.table_y0, 3);
                    assert_int_equal(s.table_y1, s.pane_y0);
                    assert_true(s.table_y1 - s.table_y0 >= 2);   /* header and a row */
                    assert_true(s.pane_y1 - s.pane_y0 >= (lines >= 16 ? 4 : 1));
                }
    }
    /* 30 lines, 5 rows in the table: the findings get the rest. */
    pp_tui_split(30, 3, 6, 12, false, &s);
    assert_true(s.pane_y1 - s.pane_y0 >= 13);
    /* A long table: the findings keep a quarter. */
    pp_tui_split(30, 3, 60, 12, false, &s);
    assert_int_equal(s.pane_y1 - s.pane_y0, 7);
}

static void
test_window(void **state)
{
    int h[5] = {2, 2, 2, 2, 2};
    size_t top = 0, more, above, shown;

    (void)state;
    /* Five findings of two lines in 6 lines: two and the marker. */
    shown = pp_tui_window(h, 5, 6, &top, &more, &above);
    assert_int_equal(shown, 2);
    assert_int_equal(more, 3);
    assert_int_equal(above, 0);
    top = 2;
    shown = pp_tui_window(h, 5, 6, &top, &more, &above);
    assert_int_equal(shown, 2);
    assert_int_equal(more, 1);
    assert_int_equal(above, 2);
    /* Past the end: clamped so that the last ones fill the window. */
    top = 99;
    shown = pp_tui_window(h, 5, 6, &top, &more, &above);
    assert_int_equal(top, 3);
    assert_int_equal(shown, 2);
    assert_int_equal(more, 0);
    assert_int_equal(above, 3);
    /* All fit: no marker. */
    top = 3;
    shown = pp_tui_window(h, 5, 10, &top, &more, &above);
    assert_int_equal(shown, 5);
    assert_int_equal(top, 0);
    assert_int_equal(more + above, 0);
    /* One too tall for the window still shows (cut). */
    h[0] = 9;
    top = 0;
    shown = pp_tui_window(h, 5, 4, &top, &more, &above);
    assert_int_equal(shown, 1);
    assert_int_equal(more, 4);
    assert_int_equal(pp_tui_wrap_lines("aaaa bbbb cccc", 9), 2);
    assert_int_equal(pp_tui_wrap_lines("", 9), 0);
}

static void
test_sort_and_search(void **state)
{
    struct pp_target ta = {0}, tb = {0}, tc = {0};
    struct pp_result ra = {0}, rb = {0}, rc = {0};
    struct pp_hist ha = {0}, hb = {0}, hc = {0};
    struct pp_live_row rows[3];
    const struct pp_live_row *v[3];
    enum pp_tui_sort s = PP_SORT_SERVICE;

    (void)state;
    ta.host = (char *)"a.example";
    tb.host = (char *)"Courier.Push.Apple.com";
    tc.host = (char *)"c.example";
    tb.required = true;
    ra.state = PP_ST_OK, ra.t_total = 5, ra.id = (char *)"a.example:443/ipv4";
    rb.state = PP_ST_BLOCKED, rb.t_total = -1, rb.id = (char *)"courier.push.apple.com:5223/ipv4";
    rc.state = PP_ST_OK, rc.t_total = 50, rc.id = (char *)"c.example:443/ipv4";
    ha.runs = 4, ha.lost = 1, hb.runs = 4, hb.lost = 4, hc.runs = 4, hc.lost = 0;
    rows[0] = (struct pp_live_row){&ra, &ta, &ha, false, 1};
    rows[1] = (struct pp_live_row){&rb, &tb, &hb, false, 2};
    rows[2] = (struct pp_live_row){&rc, &tc, &hc, false, 3};
    /* o cycles through the four orders and back. */
    for (int i = 0; i < PP_SORT__COUNT; i++)
        s = (enum pp_tui_sort)((s + 1) % PP_SORT__COUNT);
    assert_int_equal(s, PP_SORT_SERVICE);
    assert_string_equal(pp_tui_sort_name(PP_SORT_LATENCY), "latency");
#define ORDER(by, x, y, z)                                       \
    do {                                                         \
        v[0] = &rows[0], v[1] = &rows[1], v[2] = &rows[2];       \
        pp_tui_sort_rows(v, 3, by, NULL);                        \
        assert_ptr_equal(v[0], &rows[x]);                        \
        assert_ptr_equal(v[1], &rows[y]);                        \
        assert_ptr_equal(v[2], &rows[z]);                        \
    } while (0)
    ORDER(PP_SORT_SERVICE, 0, 1, 2);
    ORDER(PP_SORT_SEVERITY, 1, 0, 2);   /* the blocked required check first */
    ORDER(PP_SORT_LATENCY, 2, 0, 1);    /* slowest first, no time last */
    ORDER(PP_SORT_LOSS, 1, 0, 2);
#undef ORDER
    assert_true(pp_tui_match(&rows[1], "push"));      /* ignoring case */
    assert_true(pp_tui_match(&rows[1], "5223"));      /* the check id too */
    assert_false(pp_tui_match(&rows[0], "push"));
    assert_true(pp_tui_match(&rows[0], ""));
    assert_true(pp_tui_match(&rows[0], NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_badges),   cmocka_unit_test(test_keyline),
        cmocka_unit_test(test_headline), cmocka_unit_test(test_columns),
        cmocka_unit_test(test_fit_and_times), cmocka_unit_test(test_split),
        cmocka_unit_test(test_window),   cmocka_unit_test(test_sort_and_search),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
