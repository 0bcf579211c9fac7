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

/* Not in a header: exported by probes/sus.c and probes/mdm.c for tests. */
int pp_sus_is_plist(const unsigned char *body, size_t len);
long long pp_sus_products(const unsigned char *body, size_t len);
const char *pp_jamf_meaning(const char *description);

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plist),
        cmocka_unit_test(test_plist_4k),
        cmocka_unit_test(test_products),
        cmocka_unit_test(test_jamf),
        cmocka_unit_test(test_apple_v4),
        cmocka_unit_test(test_apple_v6),
        cmocka_unit_test(test_apple_other_families),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
