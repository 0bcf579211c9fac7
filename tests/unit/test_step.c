/* SPDX-License-Identifier: ISC */
/* -v's step lines (src/engine/step.h): the line's form, the probe's name
 * for its own steps, one line whatever a server sent, a short buffer,
 * and -v / -vv / -v -v -v in the settings table. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "app/settings.h"
#include "core/pushprobe.h"
#include "engine/step.h"
#include "plan/plan.h"

static struct pp_step
step(const char *id, double t, enum pp_step_phase ph, const char *text)
{
    struct pp_step s;

    memset(&s, 0, sizeof(s));
    s.check = id;
    s.phase = ph;
    s.level = PP_STEP_V;
    s.t_ms = t;
    s.at_ms = 1000.0;
    s.text = text;
    return s;
}

static void
test_line(void **state)
{
    struct pp_step s = step("courier.push.apple.com:5223/ipv4", 12.34, PP_STEP_CONNECT,
                            "17.0.0.5:5223 open (local 10.0.0.2:51234) in 1.2 ms");
    char buf[256];
    size_t n;

    (void)state;
    n = pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [courier.push.apple.com:5223/ipv4] 12.3 ms connect "
                             "17.0.0.5:5223 open (local 10.0.0.2:51234) in 1.2 ms");
    assert_int_equal(n, strlen(buf));
    s = step("[::1]:443", -1, PP_STEP_END, "ok (service-ok) in 3.0 ms");
    pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [[::1]:443] 0.0 ms end ok (service-ok) in 3.0 ms");
    s = step("x:1/ipv4", 1049.96, PP_STEP_RESOLVE, "x A: 1 answer");
    pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [x:1/ipv4] 1050.0 ms resolve x A: 1 answer");
}

static void
test_phase_names(void **state)
{
    (void)state;
    assert_string_equal(pp_step_phase_name(PP_STEP_RESOLVE), "resolve");
    assert_string_equal(pp_step_phase_name(PP_STEP_TLS), "tls");
    assert_string_equal(pp_step_phase_name(PP_STEP_HTTP), "http");
    assert_string_equal(pp_step_phase_name(PP_STEP_BYTES), "bytes");
    assert_string_equal(pp_step_phase_name(PP_STEP_END), "end");
    assert_string_equal(pp_step_phase_name((enum pp_step_phase)99), "?");
}

/* A probe's own steps carry its name; without a result, "probe". */
static void
test_probe_word(void **state)
{
    struct pp_target *t = pp_target_new(PP_SV_SMB, "files.corp.test", 445, "smb", true);
    struct pp_result r;
    struct pp_step s = step("files.corp.test:445/ipv4", 3, PP_STEP_PROBE,
                            "SMB2 NEGOTIATE 102 bytes -> 240 bytes");
    char buf[256];

    (void)state;
    memset(&r, 0, sizeof(r));
    r.target = t;
    pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [files.corp.test:445/ipv4] 3.0 ms probe "
                             "SMB2 NEGOTIATE 102 bytes -> 240 bytes");
    s.result = &r;
    pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [files.corp.test:445/ipv4] 3.0 ms smb "
                             "SMB2 NEGOTIATE 102 bytes -> 240 bytes");
    pp_target_free(t);
}

/* What a server sent cannot break the line or forge another one. */
static void
test_hostile_text(void **state)
{
    struct pp_step s = step("a\nb:80/ipv4", 1, PP_STEP_HTTP,
                            "< Server: evil\r\n* [x] 0.0 ms end ok\x1b[2J\xc3\xa9");
    char buf[256];

    (void)state;
    pp_step_line(&s, buf, sizeof(buf));
    assert_string_equal(buf, "* [a?b:80/ipv4] 1.0 ms http < Server: evil??* [x] 0.0 ms end "
                             "ok?[2J??");
    assert_null(strchr(buf, '\n'));
}

/* A short buffer: cut and terminated; the length needed is returned. */
static void
test_short_buffer(void **state)
{
    struct pp_step s = step("host:443/ipv4", 2.5, PP_STEP_TLS, "TLSv1.3, cipher X");
    char buf[64], small[12];
    size_t need;

    (void)state;
    need = pp_step_line(&s, buf, sizeof(buf));
    assert_int_equal(need, strlen("* [host:443/ipv4] 2.5 ms tls TLSv1.3, cipher X"));
    memset(small, 'Z', sizeof(small));
    assert_int_equal(pp_step_line(&s, small, 8), need);
    assert_string_equal(small, "* [host");
    assert_int_equal(small[8], 'Z');
    assert_int_equal(pp_step_line(&s, small, 0), need);
    assert_int_equal(small[0], '*');
}

/* -v is PP_STEP_V, -vv PP_STEP_VV, more stays there; "no" turns it off. */
static void
test_flag(void **state)
{
    struct pp_settings st;
    const struct pp_setting *v = pp_setting_by_flag('v');
    char err[200];

    (void)state;
    assert_non_null(v);
    assert_string_equal(v->name, "verbose");
    pp_settings_init(&st);
    assert_int_equal(st.o.step_level, 0);
    assert_null(st.o.step);
    assert_int_equal(pp_setting_apply(&st, v, "yes", err, sizeof(err)), 0);
    assert_int_equal(st.o.step_level, PP_STEP_V);
    assert_int_equal(pp_setting_apply(&st, v, "yes", err, sizeof(err)), 0);
    assert_int_equal(st.o.step_level, PP_STEP_VV);
    assert_int_equal(pp_setting_apply(&st, v, "yes", err, sizeof(err)), 0);
    assert_int_equal(st.o.step_level, PP_STEP_VV);
    assert_int_equal(pp_setting_apply(&st, v, "no", err, sizeof(err)), 0);
    assert_int_equal(st.o.step_level, 0);
    assert_int_equal(pp_setting_apply(&st, v, "maybe", err, sizeof(err)), -1);
    pp_settings_free(&st);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_phase_names),
        cmocka_unit_test(test_probe_word),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_short_buffer),
        cmocka_unit_test(test_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
