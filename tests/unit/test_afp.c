/* SPDX-License-Identifier: ISC */
/* The DSIGetStatus parser (probes/afp.h) on replies laid out as netatalk
 * sends them (tests/data/afp/, made by mkfixture.py there), every prefix of
 * them, and lying variants: bad DSI headers, lengths and offsets. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdata.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/afp.h"

/* ---------------------------------------------------------- helpers */

static uint8_t *
load(const char *name, size_t *len)
{
    return pp_test_load("afp", name, len);
}

/* Parse an exactly-sized copy, so that ASan sees any read past the end. */
static int
parse(const uint8_t *buf, size_t len, struct pp_afp_info *out, char *err, size_t errlen)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    if (len)
        memcpy(copy, buf, len);
    rc = pp_afp_parse_status(copy, len, out, err, errlen);
    free(copy);
    return rc;
}

static void
expect_bad_at(int line, const uint8_t *buf, size_t len, const char *problem, const char *want)
{
    struct pp_afp_info info;
    char err[256] = "";
    int rc = parse(buf, len, &info, err, sizeof(err));

    if (rc != -1)
        fail_msg("line %d: expected -1 (%s), got %d", line, problem, rc);
    assert_non_null(info.problem);
    assert_string_equal(info.problem, problem);
    assert_true(strlen(err) > 0);
    if (want != NULL && strstr(err, want) == NULL)
        fail_msg("line %d: error '%s' does not mention '%s'", line, err, want);
}

#define expect_bad(...) expect_bad_at(__LINE__, __VA_ARGS__)

static void
expect_ok(const uint8_t *buf, size_t len, struct pp_afp_info *info)
{
    char err[256] = "";
    int rc = parse(buf, len, info, err, sizeof(err));

    if (rc != 0)
        fail_msg("expected 0, got %d: %s", rc, err);
    assert_null(info->problem);
}

/* The status block starts after the 16-byte DSI header. */
#define P(off) (16 + (off))

static uint16_t
get_be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)(v & 0xff);
}

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16 & 0xff);
    p[2] = (uint8_t)(v >> 8 & 0xff);
    p[3] = (uint8_t)(v & 0xff);
}

/* Where the offsets after the server name are: after the name's length
 * byte and bytes, padded to even. */
static size_t
post(const uint8_t *buf)
{
    size_t end = 11 + buf[P(10)];

    return end + (end & 1);
}

/* ------------------------------------------------------- good bytes */

static void
test_netatalk(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    struct pp_afp_info info;
    char flags[256];

    (void)state;
    expect_ok(buf, len, &info);
    assert_int_equal(info.msg_len, len);
    assert_int_equal(info.request_id, 1);
    assert_int_equal(info.error_code, 0);
    assert_string_equal(info.server_name, "files");
    assert_true(info.has_utf8_name);
    assert_string_equal(info.utf8_name, "files");
    assert_string_equal(info.machine_type, "Netatalk3.1.12");
    assert_string_equal(info.versions, "AFP3.2,AFP3.3,AFP3.4");
    assert_int_equal(info.nversions, 3);
    assert_string_equal(info.best_version, "AFP3.4");
    assert_string_equal(info.uams, "DHX2,DHCAST128");
    assert_int_equal(info.nuams, 2);
    assert_int_equal(info.flags, 0x8b79);
    assert_string_equal(info.addresses, "10.20.0.10,files.corp.test");
    assert_int_equal(info.naddresses, 2);
    assert_true(info.has_signature);
    assert_int_equal(info.signature[0], 0x5c);
    assert_int_equal(info.signature[15], 0x31);
    pp_afp_flags_format(info.flags, flags, sizeof(flags));
    assert_string_equal(flags, "CopyFile,ServerMessages,ServerSignature,TCPoverIP,"
                        "ServerNotifications,DirectoryServices,UTF8ServerName,"
                        "ExtendedSleep,SuperClient");
    free(buf);
}

static void
test_utf8_name(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-utf8.bin", &len);
    struct pp_afp_info info;

    (void)state;
    expect_ok(buf, len, &info);
    /* Mac Roman outside ASCII is not guessed at; UTF-8 is kept. */
    assert_string_equal(info.server_name, "B?ro Ablage");
    assert_string_equal(info.utf8_name, "B\xc3\xbcro Ablage");
    free(buf);
}

static void
test_afp2_server(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-afp2.bin", &len);
    struct pp_afp_info info;

    (void)state;
    expect_ok(buf, len, &info);
    assert_string_equal(info.server_name, "OldMac");
    assert_false(info.has_utf8_name);
    assert_string_equal(info.machine_type, "Macintosh");
    assert_string_equal(info.versions, "AFPVersion 2.0,AFPVersion 2.1,AFP2.2");
    assert_string_equal(info.best_version, "AFP2.2");
    assert_string_equal(info.uams, "No User Authent,Cleartxt Passwrd,2-Way Randnum exchange");
    assert_string_equal(info.addresses, "192.0.2.7:5480");
    free(buf);
}

static void
test_busy(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-busy.bin", &len);
    struct pp_afp_info info;
    char err[256];

    (void)state;
    expect_bad(buf, len, "dsi-error", "SERVBUSY");
    /* Known once the error code is in. */
    assert_int_equal(parse(buf, 7, &info, err, sizeof(err)), 1);
    assert_int_equal(parse(buf, 8, &info, err, sizeof(err)), -1);
    /* The code in 16 bits, and one without a name. */
    put_be32(buf + 4, 0xfbd1);
    expect_bad(buf, len, "dsi-error", "SERVBUSY");
    put_be32(buf + 4, 0x12345678);
    expect_bad(buf, len, "dsi-error", "0x12345678");
    free(buf);
}

static void
prefixes(const char *name)
{
    size_t len, n;
    uint8_t *buf = load(name, &len);
    struct pp_afp_info info;
    char err[256];

    for (n = 0; n < len; n++) {
        int rc = parse(buf, n, &info, err, sizeof(err));
        if (rc != 1)
            fail_msg("%s: prefix of %zu bytes gave %d (%s), not 1", name, n, rc, err);
    }
    expect_ok(buf, len, &info);
    free(buf);
}

static void
test_prefixes(void **state)
{
    (void)state;
    prefixes("getstatus-netatalk.bin");
    prefixes("getstatus-utf8.bin");
    prefixes("getstatus-afp2.bin");
}

static void
test_trailing_bytes(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    uint8_t *more = malloc(len + 20);
    struct pp_afp_info info;

    (void)state;
    assert_non_null(more);
    memcpy(more, buf, len);
    memset(more + len, 0xab, 20);
    expect_ok(more, len + 20, &info);
    assert_int_equal(info.msg_len, len);
    free(more);
    free(buf);
}

/* ------------------------------------------------- bad DSI headers */

static void
test_bad_dsi_header(void **state)
{
    static const uint8_t request[16] = {0x00, 0x03, 0x00, 0x01};
    static const char http[] = "HTTP/1.1 400 Bad Request\r\n";
    size_t len;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    uint8_t req[16];

    (void)state;
    /* The request, echoed. */
    assert_int_equal(pp_afp_getstatus_request(req, 15, 1), 0);
    assert_int_equal(pp_afp_getstatus_request(req, sizeof(req), 1), 16);
    assert_memory_equal(req, request, sizeof(request));
    expect_bad(req, sizeof(req), "not-dsi", "echo");
    /* Not a reply. */
    buf[0] = 0x02;
    expect_bad(buf, len, "not-dsi", NULL);
    expect_bad(buf, 1, "not-dsi", NULL);
    buf[0] = 0x01;
    /* A reply to another command. */
    buf[1] = 4;
    expect_bad(buf, len, "not-dsi", "command 4");
    expect_bad(buf, 2, "not-dsi", "command 4");
    buf[1] = 0x77;
    expect_bad(buf, len, "not-dsi", NULL);
    buf[1] = 3;
    /* Text. */
    expect_bad((const uint8_t *)http, sizeof(http) - 1, "not-dsi", "\"HTTP/1.1 40");
    free(buf);
}

static void
test_lying_total_length(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    struct pp_afp_info info;
    char err[256];

    (void)state;
    put_be32(buf + 8, 0xffffffff);
    expect_bad(buf, len, "too-long", NULL);
    expect_bad(buf, 12, "too-long", NULL);
    put_be32(buf + 8, 65536 - 16 + 1);
    expect_bad(buf, len, "too-long", NULL);
    /* More than was sent: wait for the rest. */
    put_be32(buf + 8, (uint32_t)len);
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 1);
    /* Less than the block: its offsets now point outside it. */
    put_be32(buf + 8, 30);
    expect_bad(buf, len, "malformed", "outside");
    put_be32(buf + 8, 5);
    expect_bad(buf, len, "malformed", "too short");
    put_be32(buf + 8, 0);
    expect_bad(buf, len, "malformed", "too short");
    free(buf);
}

/* ----------------------------------------------------- lying offsets */

static void
test_lying_offsets(void **state)
{
    static const size_t fields[] = {0, 2, 4, 6};
    size_t len, i;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    uint8_t *m = malloc(len);
    struct pp_afp_info info;
    size_t pl = len - 16, pst = post(buf);

    (void)state;
    assert_non_null(m);
    /* Each offset before the name: past the block, into the fixed fields,
     * and to the last byte. */
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        memcpy(m, buf, len);
        put_be16(m + P(fields[i]), 0xfff0);
        expect_bad(m, len, "malformed", "outside");
        put_be16(m + P(fields[i]), (uint16_t)pl);
        expect_bad(m, len, "malformed", "outside");
        put_be16(m + P(fields[i]), 4);
        expect_bad(m, len, "malformed", "outside");
        put_be16(m + P(fields[i]), (uint16_t)(pl - 1));
        expect_bad(m, len, "malformed", NULL);
    }
    /* No icon is fine; none of the others may be missing. */
    memcpy(m, buf, len);
    put_be16(m + P(6), 0);
    expect_ok(m, len, &info);
    put_be16(m + P(0), 0);
    expect_bad(m, len, "malformed", "machine type");
    /* The offsets after the name. */
    for (i = 0; i < 4; i++) {
        memcpy(m, buf, len);
        put_be16(m + P(pst + 2 * i), 0xfff0);
        expect_bad(m, len, "malformed", "outside");
        put_be16(m + P(pst + 2 * i), (uint16_t)(pl - 1));
        expect_bad(m, len, "malformed", NULL);
    }
    /* A UTF-8 name offset of 0 (netatalk could not convert): no name. */
    memcpy(m, buf, len);
    put_be16(m + P(pst + 6), 0);
    expect_ok(m, len, &info);
    assert_false(info.has_utf8_name);
    /* Without the flag, the UTF-8 offset is not read at all. */
    memcpy(m, buf, len);
    put_be16(m + P(8), 0x8b79 & ~PP_AFP_FLAG_UTF8_NAME);
    put_be16(m + P(pst + 6), 0xfff0);
    expect_ok(m, len, &info);
    assert_false(info.has_utf8_name);
    free(m);
    free(buf);
}

static void
test_lying_counts(void **state)
{
    size_t len;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    uint8_t *m = malloc(len), *short_buf;
    size_t pst = post(buf), off, short_len;

    (void)state;
    assert_non_null(m);
    /* A version count beyond the list: the next strings are read as
     * versions until the block ends. */
    memcpy(m, buf, len);
    m[P(get_be16(buf + P(2)))] = 255;
    expect_bad(m, len, "malformed", "version");
    memcpy(m, buf, len);
    m[P(get_be16(buf + P(2)))] = 0;
    expect_bad(m, len, "malformed", "no AFP version");
    memcpy(m, buf, len);
    m[P(get_be16(buf + P(4)))] = 255;
    expect_bad(m, len, "malformed", "UAM");
    /* A Pascal string longer than what is left (in the short block of the
     * AFP 2 server, where 255 bytes reach past the end). */
    short_buf = load("getstatus-afp2.bin", &short_len);
    short_buf[P(get_be16(short_buf + P(0)))] = 255;
    expect_bad(short_buf, short_len, "malformed", "machine type");
    short_buf[P(get_be16(short_buf + P(0)))] = 9;
    short_buf[P(10)] = 255;
    expect_bad(short_buf, short_len, "malformed", "server name");
    free(short_buf);
    /* The UTF-8 name's length. */
    memcpy(m, buf, len);
    off = get_be16(buf + P(pst + 6));
    put_be16(m + P(off), 0xffff);
    expect_bad(m, len, "malformed", "UTF-8");
    /* Network addresses: a count too high, an entry length below 2, an
     * IPv4 address of the wrong size. */
    off = get_be16(buf + P(pst + 2));
    memcpy(m, buf, len);
    m[P(off)] = 200;
    expect_bad(m, len, "malformed", "network address");
    memcpy(m, buf, len);
    m[P(off + 1)] = 1;
    expect_bad(m, len, "malformed", "network address");
    memcpy(m, buf, len);
    m[P(off + 1)] = 5;
    expect_bad(m, len, "malformed", "network address");
    /* Directory names: a count too high. */
    off = get_be16(buf + P(pst + 4));
    memcpy(m, buf, len);
    m[P(off)] = 3;
    expect_bad(m, len, "malformed", "directory");
    free(m);
    free(buf);
}

static void
test_hostile_strings(void **state)
{
    size_t len, off;
    uint8_t *buf = load("getstatus-netatalk.bin", &len);
    struct pp_afp_info info;

    (void)state;
    /* Control characters in the Pascal name, invalid UTF-8 and a C1
     * control in the UTF-8 name: all shown as '?'. */
    buf[P(11)] = 0x1b;
    off = get_be16(buf + P(post(buf) + 6));
    buf[P(off + 2)] = 0xff;
    buf[P(off + 3)] = 0xc2;
    buf[P(off + 4)] = 0x9b;
    expect_ok(buf, len, &info);
    assert_string_equal(info.server_name, "?iles");
    assert_string_equal(info.utf8_name, "???es");
    free(buf);
}

static void
test_flags_format(void **state)
{
    char buf[256];

    (void)state;
    pp_afp_flags_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "");
    pp_afp_flags_format(0x1000, buf, sizeof(buf));
    assert_string_equal(buf, "0x1000");
    pp_afp_flags_format(0xffff, buf, 20);
    assert_true(strlen(buf) < 20);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netatalk),
        cmocka_unit_test(test_utf8_name),
        cmocka_unit_test(test_afp2_server),
        cmocka_unit_test(test_busy),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_bad_dsi_header),
        cmocka_unit_test(test_lying_total_length),
        cmocka_unit_test(test_lying_offsets),
        cmocka_unit_test(test_lying_counts),
        cmocka_unit_test(test_hostile_strings),
        cmocka_unit_test(test_flags_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
