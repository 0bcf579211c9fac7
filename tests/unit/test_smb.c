/* SPDX-License-Identifier: ISC */
/* The SMB2 NEGOTIATE parser (probes/smb.h) on real replies from Samba's
 * smbd (tests/data/smb/, captured in a private network namespace; see
 * capture.sh there), every prefix of them, and lying variants. */
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

#include "probes/smb.h"

/* ---------------------------------------------------------- helpers */

static uint8_t *
load(const char *name, size_t *len)
{
    return pp_test_load("smb", name, len);
}

/* Parse an exactly-sized copy, so that ASan sees any read past the end. */
static int
parse(const uint8_t *buf, size_t len, struct pp_smb2_info *out, char *err, size_t errlen)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    assert_non_null(copy);
    if (len)
        memcpy(copy, buf, len);
    rc = pp_smb2_parse_negotiate(copy, len, out, err, errlen);
    free(copy);
    return rc;
}

/* Expect -1 with the problem code, and want (if not NULL) in the message. */
static void
expect_bad_at(int line, const uint8_t *buf, size_t len, const char *problem, const char *want)
{
    struct pp_smb2_info info;
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
put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8);
}

static void
put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v & 0xff);
    p[1] = (uint8_t)(v >> 8 & 0xff);
    p[2] = (uint8_t)(v >> 16 & 0xff);
    p[3] = (uint8_t)(v >> 24);
}

/* Offsets in the TCP stream: 4 for the transport header, then the SMB2
 * header (64 bytes) and the NEGOTIATE response. */
#define H(off) (4 + (off))

/* ------------------------------------------------------- real bytes */

static void
test_samba_default(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);
    struct pp_smb2_info info;
    char err[256] = "", guid[40], caps[160];

    (void)state;
    assert_int_equal(len, 206);
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_null(info.problem);
    assert_int_equal(info.msg_len, 206);
    assert_int_equal(info.status, 0);
    assert_int_equal(info.dialect, PP_SMB2_DIALECT_302);
    assert_string_equal(pp_smb2_dialect_name(info.dialect), "3.0.2");
    assert_int_equal(info.security_mode, PP_SMB2_SIGNING_ENABLED);
    assert_int_equal(info.capabilities, 0x7);
    pp_smb2_caps_format(info.capabilities, caps, sizeof(caps));
    assert_string_equal(caps, "DFS,LEASING,LARGE_MTU");
    assert_int_equal(info.max_transact, 8388608);
    assert_int_equal(info.max_read, 8388608);
    assert_int_equal(info.max_write, 8388608);
    assert_int_equal(info.security_buffer_len, 74);
    /* Samba's GUID is its NetBIOS name in lower case ("ppfiles"). */
    pp_smb2_guid_format(info.server_guid, guid, sizeof(guid));
    assert_string_equal(guid, "69667070-656c-0073-0000-000000000000");
    free(buf);
}

static void
test_samba_signing_required(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-signing-required.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    (void)state;
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 0);
    assert_int_equal(info.security_mode, PP_SMB2_SIGNING_ENABLED | PP_SMB2_SIGNING_REQUIRED);
    assert_int_equal(info.dialect, PP_SMB2_DIALECT_302);
    free(buf);
}

static void
test_samba_wildcard(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-wildcard.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    /* Samba's answer to an SMB1 negotiate offering "SMB 2.???". */
    (void)state;
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 0);
    assert_int_equal(info.dialect, PP_SMB2_DIALECT_WILDCARD);
    assert_string_equal(pp_smb2_dialect_name(info.dialect), "2.???");
    free(buf);
}

static void
test_samba_not_supported(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-not-supported.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    /* smbd with "server min protocol = SMB3_11" refuses 2.0.2 to 3.0.2. */
    (void)state;
    expect_bad(buf, len, "status", "STATUS_NOT_SUPPORTED");
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), -1);
    assert_int_equal(info.status, 0xc00000bb);
    free(buf);
}

static void
test_samba_smb1(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-smb1-nt1.bin", &len);

    /* smbd limited to NT1 answering an SMB1 negotiate. */
    (void)state;
    expect_bad(buf, len, "smb1-only", "SMB1");
    free(buf);
}

/* Every prefix of a reply must ask for more or be refused, never crash or
 * read past the end; a prefix of a good reply must ask for more. */
static void
prefixes(const char *name, int good_rc)
{
    size_t len, n;
    uint8_t *buf = load(name, &len);
    struct pp_smb2_info info;
    char err[256];

    for (n = 0; n < len; n++) {
        int rc = parse(buf, n, &info, err, sizeof(err));
        if (rc != 1 && rc != -1)
            fail_msg("%s: prefix of %zu bytes gave %d", name, n, rc);
        if (good_rc == 0 && rc != 1)
            fail_msg("%s: prefix of %zu bytes gave %d (%s), not 1", name, n, rc, err);
    }
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), good_rc);
    free(buf);
}

static void
test_prefixes(void **state)
{
    (void)state;
    prefixes("negotiate-samba.bin", 0);
    prefixes("negotiate-signing-required.bin", 0);
    prefixes("negotiate-wildcard.bin", 0);
    prefixes("negotiate-not-supported.bin", -1);
    prefixes("negotiate-smb1-nt1.bin", -1);
}

static void
test_prefix_decisions(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-smb1-nt1.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    /* SMB1 is known once the protocol id is in; a refusal once the SMB2
     * header is. */
    (void)state;
    assert_int_equal(parse(buf, 7, &info, err, sizeof(err)), 1);
    assert_int_equal(parse(buf, 8, &info, err, sizeof(err)), -1);
    free(buf);
    buf = load("negotiate-not-supported.bin", &len);
    assert_int_equal(parse(buf, 4 + 63, &info, err, sizeof(err)), 1);
    assert_int_equal(parse(buf, 4 + 64, &info, err, sizeof(err)), -1);
    assert_string_equal(info.problem, "status");
    free(buf);
}

static void
test_trailing_bytes(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);
    uint8_t *more = malloc(len + 50);
    struct pp_smb2_info info;
    char err[256];

    (void)state;
    assert_non_null(more);
    memcpy(more, buf, len);
    memset(more + len, 0xee, 50);
    assert_int_equal(parse(more, len + 50, &info, err, sizeof(err)), 0);
    assert_int_equal(info.msg_len, len);
    free(more);
    free(buf);
}

/* ---------------------------------------------------- lying replies */

static void
test_lying_transport_length(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    (void)state;
    /* Far beyond the cap. */
    buf[1] = 0xff;
    buf[2] = 0xff;
    buf[3] = 0xff;
    expect_bad(buf, len, "too-long", "bytes");
    expect_bad(buf, 8, "too-long", NULL);
    /* Just beyond the cap: 65533 bytes. */
    buf[1] = 0x00;
    buf[2] = 0xff;
    buf[3] = 0xfd;
    expect_bad(buf, len, "too-long", NULL);
    /* Within the cap but more than was sent: wait for the rest. */
    buf[2] = 0x01;
    buf[3] = 0x00;
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 1);
    /* Too short for the header. */
    buf[2] = 0;
    buf[3] = 32;
    expect_bad(buf, len, "malformed", "SMB2 header");
    /* A header but no room for the NEGOTIATE response. */
    buf[3] = 100;
    expect_bad(buf, len, "malformed", "too short");
    free(buf);
}

static void
test_lying_security_buffer(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);

    (void)state;
    /* Offset past the message. */
    put_le16(buf + H(120), 0xfff0);
    expect_bad(buf, len, "malformed", "security buffer");
    /* Offset into the fixed part. */
    put_le16(buf + H(120), 64);
    expect_bad(buf, len, "malformed", "security buffer");
    /* Length past the end. */
    put_le16(buf + H(120), 128);
    put_le16(buf + H(122), 75);
    expect_bad(buf, len, "malformed", "security buffer");
    put_le16(buf + H(122), 0xffff);
    expect_bad(buf, len, "malformed", "security buffer");
    free(buf);
}

static void
test_bad_header_fields(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);
    uint8_t *m = malloc(len);

    (void)state;
    assert_non_null(m);
    memcpy(m, buf, len);
    put_le16(m + H(4), 63);                 /* header StructureSize */
    expect_bad(m, len, "malformed", "StructureSize");
    memcpy(m, buf, len);
    put_le16(m + H(12), 1);                 /* SESSION_SETUP, not NEGOTIATE */
    expect_bad(m, len, "malformed", "command");
    memcpy(m, buf, len);
    put_le32(m + H(16), 0);                 /* not a response */
    expect_bad(m, len, "malformed", "response");
    memcpy(m, buf, len);
    put_le32(m + H(8), 0xc0000022);         /* a status */
    expect_bad(m, len, "status", "STATUS_ACCESS_DENIED");
    memcpy(m, buf, len);
    put_le32(m + H(8), 0xc0001234);         /* a status without a name */
    expect_bad(m, len, "status", "0xC0001234");
    memcpy(m, buf, len);
    put_le16(m + H(64), 64);                /* response StructureSize */
    expect_bad(m, len, "malformed", "65");
    memcpy(m, buf, len);
    put_le16(m + H(68), 0x0400);            /* no such dialect */
    expect_bad(m, len, "malformed", "dialect");
    memcpy(m, buf, len);
    m[4] = 0xfd;                            /* a transform header */
    expect_bad(m, len, "malformed", "transform");
    memcpy(m, buf, len);
    m[6] = 'N';                             /* not the protocol id */
    expect_bad(m, len, "not-smb", NULL);
    expect_bad(m, 7, "not-smb", NULL);
    free(m);
    free(buf);
}

static void
test_dialect_311_contexts(void **state)
{
    size_t len;
    uint8_t *buf = load("negotiate-samba.bin", &len);
    struct pp_smb2_info info;
    char err[256];

    (void)state;
    put_le16(buf + H(68), PP_SMB2_DIALECT_311);
    put_le16(buf + H(70), 1);               /* one context */
    put_le32(buf + H(124), 0x1000);         /* beyond the message */
    expect_bad(buf, len, "malformed", "negotiate contexts");
    put_le32(buf + H(124), 200);            /* inside, 8-aligned */
    assert_int_equal(parse(buf, len, &info, err, sizeof(err)), 0);
    assert_int_equal(info.dialect, PP_SMB2_DIALECT_311);
    free(buf);
}

static void
test_not_smb(void **state)
{
    static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    static const uint8_t keepalive[] = {0x85, 0, 0, 0};
    static const uint8_t zeros[16] = {0};
    uint8_t req[PP_SMB2_REQUEST_LEN], guid[16] = {0};

    (void)state;
    expect_bad((const uint8_t *)http, sizeof(http) - 1, "not-smb", "\"HTTP/1.1 40");
    expect_bad((const uint8_t *)http, 1, "not-smb", NULL);
    expect_bad(keepalive, sizeof(keepalive), "not-smb", "85");
    expect_bad(zeros, sizeof(zeros), "not-smb", NULL);
    /* An echo of the request is not a response. */
    assert_int_equal(pp_smb2_negotiate_request(req, sizeof(req), guid), sizeof(req));
    expect_bad(req, sizeof(req), "malformed", "response");
}

/* --------------------------------------------------------- helpers */

static void
test_request_bytes(void **state)
{
    /* The fact sheet's minimal request (apple-network.md section 6). */
    static const uint8_t want_head[] = {
        0x00, 0x00, 0x00, 0x6c,
        0xfe, 0x53, 0x4d, 0x42, 0x40, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    };
    static const uint8_t want_body[] = {
        0x24, 0x00, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    static const uint8_t want_dialects[] = {0x02, 0x02, 0x10, 0x02, 0x00, 0x03, 0x02, 0x03};
    uint8_t guid[16], req[PP_SMB2_REQUEST_LEN + 8];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(guid); i++)
        guid[i] = (uint8_t)(0x10 + i);
    assert_int_equal(pp_smb2_negotiate_request(req, PP_SMB2_REQUEST_LEN - 1, guid), 0);
    assert_int_equal(pp_smb2_negotiate_request(req, sizeof(req), guid), 112);
    assert_memory_equal(req, want_head, sizeof(want_head));
    for (i = sizeof(want_head); i < 68; i++)
        assert_int_equal(req[i], 0);
    assert_memory_equal(req + 68, want_body, sizeof(want_body));
    assert_memory_equal(req + 80, guid, 16);
    for (i = 96; i < 104; i++)
        assert_int_equal(req[i], 0);
    assert_memory_equal(req + 104, want_dialects, sizeof(want_dialects));
}

static void
test_names(void **state)
{
    char buf[160];

    (void)state;
    assert_string_equal(pp_smb2_dialect_name(0x0202), "2.0.2");
    assert_string_equal(pp_smb2_dialect_name(0x0210), "2.1");
    assert_string_equal(pp_smb2_dialect_name(0x0300), "3.0");
    assert_string_equal(pp_smb2_dialect_name(0x0311), "3.1.1");
    assert_null(pp_smb2_dialect_name(0x0301));
    pp_smb2_caps_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "");
    pp_smb2_caps_format(0x7f | 0x100, buf, sizeof(buf));
    assert_string_equal(buf, "DFS,LEASING,LARGE_MTU,MULTI_CHANNEL,PERSISTENT_HANDLES,"
                        "DIRECTORY_LEASING,ENCRYPTION,0x100");
    pp_smb2_caps_format(0x7f, buf, 12);
    assert_true(strlen(buf) < 12);
    assert_string_equal(pp_smb2_status_name(0xc00000bb), "STATUS_NOT_SUPPORTED");
    assert_null(pp_smb2_status_name(0xc0001234));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_samba_default),
        cmocka_unit_test(test_samba_signing_required),
        cmocka_unit_test(test_samba_wildcard),
        cmocka_unit_test(test_samba_not_supported),
        cmocka_unit_test(test_samba_smb1),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_prefix_decisions),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_lying_transport_length),
        cmocka_unit_test(test_lying_security_buffer),
        cmocka_unit_test(test_bad_header_fields),
        cmocka_unit_test(test_dialect_311_contexts),
        cmocka_unit_test(test_not_smb),
        cmocka_unit_test(test_request_bytes),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
