/* SPDX-License-Identifier: ISC */
/* Small pure helpers of the probes: the Software Update catalog checks
 * (probes/sus.c), Jamf Pro's health codes (probes/mdm.c) and Apple's
 * address space (src/plan/plan.h, table in src/plan/profile.c). */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/applenet.h"
#include "plan/plan.h"
#include "probes/details.h"
#include "probes/judge.h"

/* ---------------------------------------------------------- helpers */

/* s (len bytes, NULs allowed) in a heap buffer of exactly its size. */
static unsigned char *
exact(const char *s, size_t len)
{
    unsigned char *b = malloc(len ? len : 1);

    assert_non_null(b);
    memcpy(b, s, len);
    return b;
}

static int
is_plist(const char *s, size_t len)
{
    unsigned char *b = exact(s, len);
    int rc = pp_sus_is_plist(b, len);

    free(b);
    return rc;
}

static long long
products(const char *s, size_t len)
{
    unsigned char *b = exact(s, len);
    long long n = pp_sus_products(b, len);

    free(b);
    return n;
}

#define IS_PLIST(lit) is_plist(lit, sizeof(lit) - 1)
#define PRODUCTS(lit) products(lit, sizeof(lit) - 1)

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define PLIST_HEAD "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" " \
    "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n"

/* ---------------------------------------------------------- sus */

static void
test_plist(void **state)
{
    (void)state;
    assert_int_equal(IS_PLIST(XML_HEAD PLIST_HEAD "<dict></dict></plist>\n"), 1);
    /* A UTF-8 byte order mark, leading white space, or both. */
    assert_int_equal(IS_PLIST("\xef\xbb\xbf" XML_HEAD PLIST_HEAD "</plist>"), 1);
    assert_int_equal(IS_PLIST(" \r\n\t\n" XML_HEAD PLIST_HEAD "</plist>"), 1);
    assert_int_equal(IS_PLIST("\xef\xbb\xbf\n\n" XML_HEAD PLIST_HEAD "</plist>"), 1);
    /* Case does not matter for <plist. */
    assert_int_equal(IS_PLIST(XML_HEAD "<PLIST version=\"1.0\"></PLIST>"), 1);
    /* Not a plist: HTML, JSON, other XML, nothing. */
    assert_int_equal(IS_PLIST("<!DOCTYPE html>\n<html><head><title>Login</title></head>"), 0);
    assert_int_equal(IS_PLIST("<html><body><plist></plist></body></html>"), 0);
    assert_int_equal(IS_PLIST("{\"products\": []}"), 0);
    assert_int_equal(IS_PLIST(XML_HEAD "<rss version=\"2.0\"><channel></channel></rss>"), 0);
    assert_int_equal(IS_PLIST(""), 0);
    assert_int_equal(IS_PLIST("<?xm"), 0);
    assert_int_equal(IS_PLIST("<?xml"), 0);
    assert_int_equal(IS_PLIST("\xef\xbb\xbf"), 0);
    assert_int_equal(IS_PLIST("\xef\xbb"), 0);
    assert_int_equal(IS_PLIST("   \n"), 0);
    /* A broken BOM is not skipped. */
    assert_int_equal(IS_PLIST("\xef\xbb\xbe" XML_HEAD PLIST_HEAD), 0);
    /* <plist before <?xml does not make it one. */
    assert_int_equal(IS_PLIST("<plist>" XML_HEAD), 0);
}

/* "<?xml" without "<plist" in the first 4 KiB is not a catalog. */
static void
test_plist_4k(void **state)
{
    size_t head = sizeof(XML_HEAD) - 1;
    char *s = malloc(8192);

    (void)state;
    assert_non_null(s);
    memset(s, ' ', 8192);
    memcpy(s, XML_HEAD, head);
    /* "<plist" ending exactly at byte 4096: found. */
    memset(s + head, ' ', 4096 - 6 - head);
    memcpy(s + 4090, "<plist", 6);
    assert_int_equal(is_plist(s, 4096), 1);
    assert_int_equal(is_plist(s, 5000), 1);
    /* One byte later, it crosses the line: not found, however long the body. */
    memset(s + head, ' ', 4096 - head);
    memcpy(s + 4091, "<plist", 6);
    assert_int_equal(is_plist(s, 4097), 0);
    assert_int_equal(is_plist(s, 8192), 0);
    /* Far past 4 KiB. */
    memset(s + head, ' ', 8192 - head);
    memcpy(s + 6000, "<plist>", 7);
    assert_int_equal(is_plist(s, 8192), 0);
    /* Only the bytes given count. */
    memset(s + head, ' ', 8192 - head);
    memcpy(s + 100, "<plist>", 7);
    assert_int_equal(is_plist(s, 106), 1);
    assert_int_equal(is_plist(s, 105), 0);
    free(s);
}

static void
test_products(void **state)
{
    (void)state;
    assert_int_equal(PRODUCTS(""), 0);
    assert_int_equal(PRODUCTS(XML_HEAD PLIST_HEAD "<dict></dict></plist>"), 0);
    assert_int_equal(PRODUCTS(XML_HEAD PLIST_HEAD
                              "<dict><key>Products</key><dict>"
                              "<key>001-00001</key><dict><key>PostDate</key>"
                              "<date>2024-01-01T00:00:00Z</date></dict>"
                              "<key>001-00002</key><dict><key>PostDate</key>"
                              "<date>2024-02-01T00:00:00Z</date></dict>"
                              "<key>001-00003</key><dict><key>PostDate</key>"
                              "<date>2024-03-01T00:00:00Z</date></dict>"
                              "</dict></dict></plist>"), 3);
    /* The key exactly at the end, or cut short. */
    assert_int_equal(PRODUCTS("<key>PostDate</key>"), 1);
    assert_int_equal(PRODUCTS("<key>PostDate</key><key>PostDate</key>"), 2);
    assert_int_equal(PRODUCTS("<key>PostDate</key><key>PostDate</key"), 1);
    assert_int_equal(PRODUCTS("<key>PostDate</ke"), 0);
    /* Exact key only: case and other keys do not count. */
    assert_int_equal(PRODUCTS("<key>postdate</key><KEY>PostDate</KEY>"), 0);
    assert_int_equal(PRODUCTS("<key>PostDates</key><key>Post Date</key>"), 0);
    assert_int_equal(PRODUCTS("<string><key>PostDate</key></string>"), 1);
    /* NUL bytes do not stop the count. */
    assert_int_equal(products("<key>PostDate</key>\0<key>PostDate</key>", 39), 2);
}

/* ---------------------------------------------------------- jamf */

static void
test_jamf(void **state)
{
    static const char *const codes[] = {
        "DBConnectionError", "SetupAssistant", "DBConnectionConfigError", "Initializing",
        "ChildNodeStartUpError", "InitializationError",
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *m = pp_jamf_meaning(codes[i]);
        if (m == NULL)
            fail_msg("no meaning for Jamf's %s", codes[i]);
        assert_true(strlen(m) > 10);
        /* A sentence of its own: no two codes share one. */
        for (j = 0; j < i; j++)
            assert_string_not_equal(m, pp_jamf_meaning(codes[j]));
    }
    assert_non_null(strstr(pp_jamf_meaning("SetupAssistant"), "Setup Assistant"));
    assert_non_null(strstr(pp_jamf_meaning("DBConnectionError"), "database"));
    /* Unknown, near misses and case: none. */
    assert_null(pp_jamf_meaning("UnknownError"));
    assert_null(pp_jamf_meaning(""));
    assert_null(pp_jamf_meaning("dbconnectionerror"));
    assert_null(pp_jamf_meaning("DBConnectionError "));
    assert_null(pp_jamf_meaning("DBConnection"));
    assert_null(pp_jamf_meaning("InitializationErrors"));
}

/* ---------------------------------------------------------- apple space */

static bool
in_apple(const char *addr)
{
    struct sockaddr_storage ss;

    memset(&ss, 0, sizeof(ss));
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(443);
        if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
            fail_msg("bad test address %s", addr);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons(5223);
        if (inet_pton(AF_INET, addr, &s4->sin_addr) != 1)
            fail_msg("bad test address %s", addr);
    }
    return pp_addr_in_apple((const struct sockaddr *)&ss);
}

static void
apple_is(const char *addr, bool want)
{
    if (in_apple(addr) != want)
        fail_msg("%s: %s Apple's address space, want %s", addr, want ? "not in" : "in",
                 want ? "in" : "not in");
}

static void
test_apple_v4(void **state)
{
    (void)state;
    apple_is("16.255.255.255", false);
    apple_is("17.0.0.0", true);
    apple_is("17.57.144.10", true);
    apple_is("17.255.255.255", true);
    apple_is("18.0.0.0", false);
    apple_is("0.0.0.0", false);
    apple_is("255.255.255.255", false);
    apple_is("127.0.0.1", false);
    apple_is("203.0.113.17", false);
}

static void
test_apple_v6(void **state)
{
    (void)state;
    apple_is("2620:149:a44::10", true);
    apple_is("2620:149::", true);
    apple_is("2620:149:ffff:ffff:ffff:ffff:ffff:ffff", true);
    apple_is("2620:148:ffff:ffff:ffff:ffff:ffff:ffff", false);
    apple_is("2620:14a::", false);
    apple_is("2403:300:a42:100::1", true);
    apple_is("2403:301::", false);
    apple_is("2a01:b740:a42::1", true);
    apple_is("2a01:b741::", false);
    apple_is("::", false);
    apple_is("::1", false);
    apple_is("2001:db8::17", false);
}

static void
test_apple_other_families(void **state)
{
    struct sockaddr_un un;
    struct sockaddr_storage ss;

    (void)state;
    memset(&un, 0, sizeof(un));
    un.sun_family = AF_UNIX;
    /* Bytes that would look like 17.x.x.x where an IPv4 address sits. */
    memset(un.sun_path, 17, sizeof(un.sun_path) - 1);
    assert_false(pp_addr_in_apple((const struct sockaddr *)&un));
    memset(&ss, 17, sizeof(ss));
    ss.ss_family = AF_UNSPEC;
    assert_false(pp_addr_in_apple((const struct sockaddr *)&ss));
}

/* ---------------------------------------------------------- judgements */

/* No control character in s. */
static bool
printable(const char *s)
{
    for (; s != NULL && *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Judge an HTTP response (whole, as a server sends it) with judge. */
static struct pp_result *
judge_http(const char *resp, size_t keep,
           void (*judge)(struct pp_result *, const struct pp_http_resp *))
{
    static struct pp_target t = {.host = (char *)"mdm.corp.test", .port = 8443};
    struct pp_result *r = pp_result_new(&t, 0);
    struct pp_http_resp h;

    pp_http_init(&h, keep, false);
    assert_int_equal(pp_http_feed(&h, resp, strlen(resp)), PP_HTTP_DONE);
    judge(r, &h);
    pp_http_free(&h);
    return r;
}

/* A server's text cannot add a line or a terminal escape to a check's
 * message or summary: a Jamf description and an APNs reason with a line
 * end and ESC come out with '?' (found by fuzz_mdm). */
static void
test_untrusted_text_printable(void **state)
{
    static const char body[] =
        "[{\"healthCode\":9,\"description\":\"Bad\\nFAIL: forged\\u001b[31m\"}]";
    char resp[512];
    struct pp_result *r;
    struct pp_apns_answer a;

    (void)state;
    snprintf(resp, sizeof(resp), "HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
             "application/json\r\nContent-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
    r = judge_http(resp, PP_MDM_KEEP, pp_judge_mdm);
    assert_int_equal(r->reason, PP_RS_MDM_UNHEALTHY);
    assert_true(printable(r->message));
    assert_true(printable(r->summary));
    assert_non_null(strstr(r->message, "Bad?FAIL: forged?[31m"));
    assert_string_equal(pp_detail_get(r, PP_DETAIL_HEALTH)->s, "Bad?FAIL: forged?[31m");
    pp_result_free(r);

    memset(&a, 0, sizeof(a));
    a.status = 400;
    a.body = "{\"reason\":\"Bad\\r\\nToken\\u007f\"}";
    a.body_len = strlen(a.body);
    a.goaway_text = "";
    r = pp_result_new(NULL, 0);
    pp_judge_apns(r, &a);
    assert_int_equal(r->state, PP_ST_OK);
    assert_true(printable(r->message));
    assert_true(printable(r->summary));
    assert_non_null(strstr(r->message, "400 Bad??Token?"));
    pp_result_free(r);

    /* pp_result_set itself, for every message set through it. */
    r = pp_result_new(NULL, 0);
    pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "%s", "a\tb\x1b" "c");
    assert_string_equal(r->message, "a?b?c");
    pp_result_set(r, PP_ST_UNEXPECTED, PP_RS_BAD_RESPONSE, "x %s y", "\n");
    assert_string_equal(r->message, "x ? y");
    pp_result_free(r);
}

/* The judgements over real nginx answers: healthy Jamf, the catalog,
 * Success, a portal page, an address. */
static void
test_judgements(void **state)
{
    struct pp_result *r;

    (void)state;
    r = judge_http("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\n\r\n[]",
                   PP_MDM_KEEP, pp_judge_mdm);
    assert_int_equal(r->state, PP_ST_OK);
    assert_string_equal(pp_detail_get(r, PP_DETAIL_HEALTH)->s, "healthy");
    pp_result_free(r);
    r = judge_http("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nSuccess", PP_CAPTIVE_KEEP,
                   pp_judge_captive);
    assert_int_equal(r->reason, PP_RS_SERVICE_OK);
    pp_result_free(r);
    r = judge_http("HTTP/1.1 200 OK\r\nContent-Length: 48\r\n\r\n"
                   "<html><title>Guest\tWiFi</title>Accept</html>\r\n\r\n",
                   PP_CAPTIVE_KEEP, pp_judge_captive);
    assert_int_equal(r->reason, PP_RS_CAPTIVE_PORTAL);
    assert_true(printable(r->message));
    pp_result_free(r);
    r = judge_http("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n203.0.113.7\n",
                   PP_PUBLICIP_KEEP, pp_judge_publicip);
    assert_int_equal(r->state, PP_ST_OK);
    assert_string_equal(pp_detail_get(r, PP_DETAIL_PUBLIC_ADDRESS)->s, "203.0.113.7");
    pp_result_free(r);
    r = judge_http("HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\nnot an address",
                   PP_PUBLICIP_KEEP, pp_judge_publicip);
    assert_int_equal(r->reason, PP_RS_BAD_RESPONSE);
    pp_result_free(r);
    r = judge_http("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", PP_SUS_KEEP,
                   pp_judge_sus);
    assert_int_equal(r->reason, PP_RS_HTTP_STATUS);
    pp_result_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plist),
        cmocka_unit_test(test_plist_4k),
        cmocka_unit_test(test_products),
        cmocka_unit_test(test_jamf),
        cmocka_unit_test(test_untrusted_text_printable),
        cmocka_unit_test(test_judgements),
        cmocka_unit_test(test_apple_v4),
        cmocka_unit_test(test_apple_v6),
        cmocka_unit_test(test_apple_other_families),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
