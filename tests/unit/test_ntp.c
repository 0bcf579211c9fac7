/* SPDX-License-Identifier: ISC */
/* SNTP (probes/ntp.h): timestamps, the client request, and the judgement
 * of a server's answer.  Replies are built by hand with chosen stamps, so
 * offset and delay are known; one real reply from Debian's chronyd on
 * loopback (tests/data/ntp/capture.sh) is parsed as well. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "testdata.h"

#include "probes/ntp.h"

/* 2026-11-18 02:13:20.25 UTC: exact in a double and in an NTP stamp. */
#define T1 1795000400.25
/* The first second of NTP era 1: 2036-02-07 06:28:16 UTC. */
#define ERA1 2085978496.0

/* ---------------------------------------------------------- helpers */

struct reply {
    int leap, version, mode, stratum;
    uint8_t refid[4];
    double t1;      /* originate: our request's transmit time */
    double t2, t3;  /* the server's receive and transmit times */
};

/* A well-formed answer: stratum 2 from 192.0.2.123, no skew, 20 ms. */
static struct reply
good(void)
{
    struct reply r = {
        .leap = 0, .version = 4, .mode = 4, .stratum = 2,
        .refid = {192, 0, 2, 123},
        .t1 = T1, .t2 = T1 + 0.010, .t3 = T1 + 0.011,
    };
    return r;
}

static void
build(const struct reply *r, uint8_t out[PP_NTP_LEN])
{
    memset(out, 0, PP_NTP_LEN);
    out[0] = (uint8_t)((r->leap << 6) | (r->version << 3) | r->mode);
    out[1] = (uint8_t)r->stratum;
    out[2] = 6;             /* poll */
    out[3] = 0xe9;          /* precision: -23 */
    out[7] = 0x20;          /* root delay */
    out[11] = 0x40;         /* root dispersion */
    memcpy(out + 12, r->refid, 4);
    pp_ntp_stamp(r->t2 - 30.0, out + 16);   /* reference time */
    pp_ntp_stamp(r->t1, out + 24);
    pp_ntp_stamp(r->t2, out + 32);
    pp_ntp_stamp(r->t3, out + 40);
}

/* Parse r received at t4: must succeed. */
static struct pp_ntp_info
parse_ok(const struct reply *r, double t4)
{
    uint8_t b[PP_NTP_LEN];
    struct pp_ntp_info info;
    char err[160] = "";

    build(r, b);
    if (pp_ntp_parse(b, sizeof(b), r->t1, t4, &info, err, sizeof(err)) != 0)
        fail_msg("pp_ntp_parse failed: %s", err);
    return info;
}

/* Parse len bytes: must fail with a sentence that mentions want. */
static void
parse_bad(const uint8_t *b, size_t len, double t1, const char *want)
{
    struct pp_ntp_info info;
    char err[160] = "";

    if (pp_ntp_parse(b, len, t1, t1 + 0.02, &info, err, sizeof(err)) == 0)
        fail_msg("pp_ntp_parse accepted it (stratum %d, leap %d, offset %f)", info.stratum,
                 info.leap, info.offset_s);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL)
        fail_msg("error '%s' does not mention '%s'", err, want);
}

static void
reply_bad(const struct reply *r, const char *want)
{
    uint8_t b[PP_NTP_LEN];

    build(r, b);
    parse_bad(b, sizeof(b), r->t1, want);
}

static void
near(double got, double want, double tol, const char *what)
{
    if (fabs(got - want) > tol)
        fail_msg("%s: %.9f, want %.9f (within %g)", what, got, want, tol);
}

static uint8_t *
load(const char *name, size_t *len)
{
    return pp_test_load("ntp", name, len);
}

/* "name value" from chrony-times.txt. */
static double
time_of(const char *text, const char *name)
{
    size_t n = strlen(name);
    const char *p = text;
    char *end;
    double v;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, &end);
            assert_true(end != p + n + 1);
            return v;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    fail_msg("no '%s' in chrony-times.txt", name);
    return 0;
}

/* ---------------------------------------------------------- stamps */

static void
stamp_is(double t, const uint8_t want[8])
{
    uint8_t got[8];

    memset(got, 0xaa, sizeof(got));
    pp_ntp_stamp(t, got);
    if (memcmp(got, want, 8) != 0)
        fail_msg("pp_ntp_stamp(%.6f): %02x%02x%02x%02x.%02x%02x%02x%02x, want "
                 "%02x%02x%02x%02x.%02x%02x%02x%02x", t, got[0], got[1], got[2], got[3],
                 got[4], got[5], got[6], got[7], want[0], want[1], want[2], want[3], want[4],
                 want[5], want[6], want[7]);
}

static void
test_stamp(void **state)
{
    static const uint8_t epoch[8] = {0x83, 0xaa, 0x7e, 0x80, 0, 0, 0, 0};
    static const uint8_t half[8] = {0x83, 0xaa, 0x7e, 0x80, 0x80, 0, 0, 0};
    static const uint8_t quarter[8] = {0x83, 0xaa, 0x7e, 0x81, 0x40, 0, 0, 0};
    static const uint8_t billion[8] = {0xbf, 0x45, 0x48, 0x80, 0xe0, 0, 0, 0};
    static const uint8_t last0[8] = {0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0};

    (void)state;
    stamp_is(0.0, epoch);
    stamp_is(0.5, half);
    stamp_is(1.25, quarter);
    stamp_is(1000000000.875, billion);
    /* The last half second of era 0. */
    stamp_is(ERA1 - 0.5, last0);
}

/* From 2036-02-07 the seconds wrap (NTP era 1), as pp_ntp_parse reads
 * them back: the stamp must be the era-1 one, computed without undefined
 * behaviour (a double beyond UINT32_MAX converted to uint32_t is UB,
 * C11 6.3.1.4; clang -fsanitize=float-cast-overflow reports it). */
static void
test_stamp_era1(void **state)
{
    static const uint8_t first1[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t later[8] = {0, 0, 0x01, 0x00, 0x40, 0, 0, 0};
    struct reply r;
    struct pp_ntp_info info;

    (void)state;
    stamp_is(ERA1, first1);
    stamp_is(ERA1 + 256.25, later);
    /* A whole exchange in 2040 still gives the right offset. */
    r = good();
    r.t1 = ERA1 + 4.0 * 365 * 86400 + 0.5;
    r.t2 = r.t1 + 400.010;
    r.t3 = r.t1 + 400.012;
    info = parse_ok(&r, r.t1 + 0.022);
    near(info.offset_s, 400.0, 0.001, "offset in 2040");
    near(info.delay_s, 0.020, 0.001, "delay in 2040");
}

static void
test_request(void **state)
{
    uint8_t b[PP_NTP_LEN], st[8];
    size_t i;

    (void)state;
    memset(b, 0xaa, sizeof(b));
    pp_ntp_request(T1, b);
    assert_int_equal(b[0], 0x23);   /* LI 0, version 4, mode 3 */
    for (i = 1; i < 40; i++)
        if (b[i] != 0)
            fail_msg("request byte %zu is %#x, not 0", i, b[i]);
    pp_ntp_stamp(T1, st);
    assert_memory_equal(b + 40, st, 8);
}

/* ---------------------------------------------------------- answers */

static void
test_offset_delay(void **state)
{
    struct reply r = good();
    struct pp_ntp_info info;

    (void)state;
    /* Server 400 s ahead; 10 ms there, 2 ms inside, 10 ms back. */
    r.t2 = T1 + 400.010;
    r.t3 = T1 + 400.012;
    info = parse_ok(&r, T1 + 0.022);
    near(info.offset_s, 400.0, 0.001, "offset +400");
    near(info.delay_s, 0.020, 0.001, "delay +400");
    assert_true(info.offset_s > PP_NTP_SKEW_LIMIT_S);
    assert_int_equal(info.stratum, 2);
    assert_int_equal(info.leap, 0);
    assert_int_equal(info.version, 4);
    assert_string_equal(info.refid, "192.0.2.123");

    /* An hour behind, asymmetric path: 50 ms out, 150 ms back. */
    r.t2 = T1 - 3600.0 + 0.050;
    r.t3 = T1 - 3600.0 + 0.051;
    info = parse_ok(&r, T1 + 0.201);
    near(info.offset_s, -3600.0 + (0.050 - 0.150) / 2, 0.001, "offset -3600");
    near(info.delay_s, 0.200, 0.001, "delay -3600");

    /* In step: offset 0, delay 1 ms. */
    r.t2 = T1 + 0.0005;
    r.t3 = T1 + 0.0005;
    info = parse_ok(&r, T1 + 0.001);
    near(info.offset_s, 0.0, 0.001, "offset 0");
    near(info.delay_s, 0.001, 0.001, "delay 0");
    assert_true(fabs(info.offset_s) < PP_NTP_SKEW_LIMIT_S);

    /* Version 3 servers answer too. */
    r = good();
    r.version = 3;
    info = parse_ok(&r, T1 + 0.02);
    assert_int_equal(info.version, 3);
}

static void
test_mode(void **state)
{
    struct reply r = good();
    char want[16];
    int m;

    (void)state;
    for (m = 0; m < 8; m++) {
        if (m == 4)
            continue;
        r.mode = m;
        snprintf(want, sizeof(want), "mode %d", m);
        reply_bad(&r, want);
    }
    /* Our own request echoed back (mode 3) is not an answer. */
    {
        uint8_t b[PP_NTP_LEN];
        pp_ntp_request(T1, b);
        parse_bad(b, sizeof(b), T1, "mode 3");
    }
}

static void
test_originate(void **state)
{
    struct reply r = good();
    uint8_t b[PP_NTP_LEN];

    (void)state;
    /* An answer to another request (1/1024 s apart). */
    r.t1 = T1 + 1.0 / 1024;
    build(&r, b);
    parse_bad(b, sizeof(b), T1, "does not match");
    /* No originate at all. */
    r = good();
    build(&r, b);
    memset(b + 24, 0, 8);
    parse_bad(b, sizeof(b), T1, "does not match");
    /* Only the fraction differs. */
    build(&r, b);
    b[31] ^= 1;
    parse_bad(b, sizeof(b), T1, "does not match");
}

static void
test_kiss_of_death(void **state)
{
    struct reply r = good();

    (void)state;
    r.stratum = 0;
    memcpy(r.refid, "RATE", 4);
    reply_bad(&r, "RATE");
    reply_bad(&r, "kiss of death");
    memcpy(r.refid, "DENY", 4);
    reply_bad(&r, "DENY");
    /* Unprintable codes are not copied raw. */
    r.refid[0] = 0x01;
    r.refid[1] = 0xff;
    reply_bad(&r, "kiss of death ??NY");
    /* A kiss of death with leap 3 (as servers send them) is still one. */
    memcpy(r.refid, "RSTR", 4);
    r.leap = 3;
    reply_bad(&r, "RSTR");
}

static void
test_leap(void **state)
{
    struct reply r = good();
    struct pp_ntp_info info;

    (void)state;
    r.leap = 3;
    reply_bad(&r, "not synchronised");
    /* Leap second warnings are fine, and reported. */
    r.leap = 1;
    info = parse_ok(&r, T1 + 0.02);
    assert_int_equal(info.leap, 1);
    r.leap = 2;
    info = parse_ok(&r, T1 + 0.02);
    assert_int_equal(info.leap, 2);
}

static void
test_short(void **state)
{
    struct reply r = good();
    uint8_t b[PP_NTP_LEN + 20];
    struct pp_ntp_info info;
    char err[160];
    size_t n;

    (void)state;
    memset(b, 0, sizeof(b));
    build(&r, b);
    for (n = 0; n < PP_NTP_LEN; n++) {
        /* Exactly n bytes on the heap, so ASan sees any read past them. */
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, b, n);
        parse_bad(p, n, T1, "short");
        free(p);
    }
    parse_bad(b, 47, T1, "47 bytes");
    /* Extension fields or a MAC after the 48 bytes are fine. */
    err[0] = '\0';
    assert_int_equal(pp_ntp_parse(b, sizeof(b), T1, T1 + 0.02, &info, err, sizeof(err)), 0);
    /* A tiny err buffer is cut, not overrun. */
    memset(err, 'x', sizeof(err));
    assert_int_equal(pp_ntp_parse(b, 10, T1, T1, &info, err, 8), -1);
    assert_int_equal(err[7], '\0');
    assert_int_equal(err[8], 'x');
}

static void
test_refid(void **state)
{
    struct reply r = good();
    struct pp_ntp_info info;

    (void)state;
    r.stratum = 1;
    memcpy(r.refid, "GPS\0", 4);
    info = parse_ok(&r, T1 + 0.02);
    assert_int_equal(info.stratum, 1);
    assert_string_equal(info.refid, "GPS");
    memcpy(r.refid, "PPS1", 4);
    info = parse_ok(&r, T1 + 0.02);
    assert_string_equal(info.refid, "PPS1");
    /* Stratum 2 and up: the upstream server's address, dotted. */
    r.stratum = 3;
    memcpy(r.refid, "\x0a\x01\x02\x03", 4);
    info = parse_ok(&r, T1 + 0.02);
    assert_string_equal(info.refid, "10.1.2.3");
    r.stratum = 15;
    memcpy(r.refid, "\xff\xff\xff\xff", 4);
    info = parse_ok(&r, T1 + 0.02);
    assert_string_equal(info.refid, "255.255.255.255");
    assert_int_equal(info.stratum, 15);
}

/* ---------------------------------------------------------- chronyd */

static void
test_chrony_capture(void **state)
{
    size_t rlen, qlen, tlen;
    uint8_t *reply = load("chrony-reply.bin", &rlen);
    uint8_t *sent = load("chrony-request.bin", &qlen);
    char *times = (char *)load("chrony-times.txt", &tlen);
    double t1 = time_of(times, "t1"), t4 = time_of(times, "t4");
    uint8_t req[PP_NTP_LEN];
    struct pp_ntp_info info;
    char err[160] = "";

    (void)state;
    /* python3 built the same request pp_ntp_request builds. */
    assert_int_equal(qlen, PP_NTP_LEN);
    pp_ntp_request(t1, req);
    assert_memory_equal(req, sent, PP_NTP_LEN);

    assert_int_equal(rlen, PP_NTP_LEN);
    if (pp_ntp_parse(reply, rlen, t1, t4, &info, err, sizeof(err)) != 0)
        fail_msg("chronyd's answer: %s", err);
    assert_int_equal(info.stratum, 8);          /* local stratum 8 */
    assert_int_equal(info.leap, 0);
    assert_int_equal(info.version, 4);
    assert_string_equal(info.refid, "127.127.1.1");
    /* chronyd serves this machine's own clock, over loopback. */
    near(info.offset_s, 0.0, 0.01, "chronyd offset");
    assert_true(info.delay_s >= 0.0 && info.delay_s < 0.1);

    /* Answering a different request, it is rejected. */
    assert_int_equal(pp_ntp_parse(reply, rlen, t1 + 1.0, t4, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not match"));
    free(reply);
    free(sent);
    free(times);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stamp),
        cmocka_unit_test(test_stamp_era1),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_offset_delay),
        cmocka_unit_test(test_mode),
        cmocka_unit_test(test_originate),
        cmocka_unit_test(test_kiss_of_death),
        cmocka_unit_test(test_leap),
        cmocka_unit_test(test_short),
        cmocka_unit_test(test_refid),
        cmocka_unit_test(test_chrony_capture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
