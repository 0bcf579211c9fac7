/* SPDX-License-Identifier: ISC */
/* Connect outcome classification (src/core/classify.h) and the name tables of
 * src/core/pushprobe.h (src/core/result.c). */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "core/classify.h"
#include "core/netx.h"
#include "core/pushprobe.h"

#define expect_verdict(v, st, rs) do { \
        struct pp_verdict v_ = (v); \
        assert_string_equal(pp_state_name(v_.state), pp_state_name(st)); \
        assert_string_equal(pp_reason_name(v_.reason), pp_reason_name(rs)); \
    } while (0)

static struct pp_icmp
icmp(int family, uint8_t type, uint8_t code)
{
    struct pp_icmp i;

    memset(&i, 0, sizeof(i));
    i.valid = true;
    i.family = family;
    i.type = type;
    i.code = code;
    return i;
}

static void
test_connect_errno(void **state)
{
    (void)state;
    expect_verdict(pp_classify_connect(0, false, NULL), PP_ST_OK, PP_RS_SYN_ACK);
    expect_verdict(pp_classify_connect(0, true, NULL), PP_ST_OK, PP_RS_SYN_ACK);
    expect_verdict(pp_classify_connect(ECONNREFUSED, false, NULL),
                   PP_ST_CLOSED, PP_RS_CONN_REFUSED);
    expect_verdict(pp_classify_connect(ETIMEDOUT, false, NULL),
                   PP_ST_FILTERED, PP_RS_NO_RESPONSE);
    expect_verdict(pp_classify_connect(ENETUNREACH, true, NULL),
                   PP_ST_UNREACHABLE, PP_RS_NO_ROUTE);
    expect_verdict(pp_classify_connect(ENETUNREACH, false, NULL),
                   PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, NULL),
                   PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    /* Refused inside connect(): the local routing, not a router.  Linux
     * says so for an "unreachable" route; macOS and the BSDs for no route. */
#ifdef __linux__
    expect_verdict(pp_classify_connect(EHOSTUNREACH, true, NULL),
                   PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE);
#else
    expect_verdict(pp_classify_connect(EHOSTUNREACH, true, NULL),
                   PP_ST_UNREACHABLE, PP_RS_NO_ROUTE);
#endif
    /* Blackhole (Linux: EINVAL) and prohibit (EACCES) routes inside
     * connect(): a route of this machine, never "internal". */
    expect_verdict(pp_classify_connect(EINVAL, true, NULL),
                   PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE);
    expect_verdict(pp_classify_connect(EACCES, true, NULL),
                   PP_ST_UNREACHABLE, PP_RS_LOCAL_ROUTE);
    expect_verdict(pp_classify_connect(EINVAL, false, NULL), PP_ST_ERROR, PP_RS_INTERNAL);
#ifdef __linux__
    assert_string_equal(pp_local_route_kind(EINVAL), "blackhole");
    assert_string_equal(pp_local_route_kind(EACCES), "prohibit");
#endif
    assert_string_equal(pp_local_route_kind(ENETUNREACH), "none");
    assert_null(pp_local_route_kind(ECONNREFUSED));
    expect_verdict(pp_classify_connect(EACCES, false, NULL),
                   PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    expect_verdict(pp_classify_connect(EPERM, false, NULL),
                   PP_ST_BLOCKED, PP_RS_LOCAL_POLICY);
    expect_verdict(pp_classify_connect(EPERM, true, NULL),
                   PP_ST_BLOCKED, PP_RS_LOCAL_POLICY);
}

static void
test_local_resource(void **state)
{
    struct pp_icmp i = icmp(AF_INET, 3, 13);

    (void)state;
    expect_verdict(pp_classify_connect(EMFILE, true, NULL),
                   PP_ST_ERROR, PP_RS_LOCAL_RESOURCE);
    expect_verdict(pp_classify_connect(ENFILE, true, NULL),
                   PP_ST_ERROR, PP_RS_LOCAL_RESOURCE);
    expect_verdict(pp_classify_connect(EMFILE, false, NULL),
                   PP_ST_ERROR, PP_RS_LOCAL_RESOURCE);
    /* Running short locally is never blamed on the network. */
    expect_verdict(pp_classify_connect(EMFILE, false, &i),
                   PP_ST_ERROR, PP_RS_LOCAL_RESOURCE);
    assert_true(pp_errno_is_local_resource(EMFILE));
    assert_true(pp_errno_is_local_resource(ENFILE));
    assert_false(pp_errno_is_local_resource(0));
    assert_false(pp_errno_is_local_resource(ECONNREFUSED));
    assert_false(pp_errno_is_local_resource(ETIMEDOUT));
    assert_false(pp_errno_is_local_resource(EHOSTUNREACH));
}

/* The queued ICMP error wins over the errno it was converted to. */
static void
test_icmp_overrides_errno(void **state)
{
    struct pp_icmp i = icmp(AF_INET, 3, 13);
    struct pp_icmp invalid = icmp(AF_INET, 3, 13);

    (void)state;
    i.err = EHOSTUNREACH;
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, &i),
                   PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    /* An entry not marked valid is ignored. */
    invalid.valid = false;
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, &invalid),
                   PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    /* Success stays success whatever is queued. */
    expect_verdict(pp_classify_connect(0, false, &i), PP_ST_OK, PP_RS_SYN_ACK);
}

static void
test_icmp4(void **state)
{
    struct pp_icmp i;

    (void)state;
    i = icmp(AF_INET, 3, 13);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, &i),
                   PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    i = icmp(AF_INET, 3, 3);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
    expect_verdict(pp_classify_connect(ECONNREFUSED, false, &i),
                   PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
    i = icmp(AF_INET, 3, 1);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, &i),
                   PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    i = icmp(AF_INET, 3, 0);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
    expect_verdict(pp_classify_connect(ENETUNREACH, false, &i),
                   PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
    i = icmp(AF_INET, 3, 9);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    i = icmp(AF_INET, 3, 10);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    i = icmp(AF_INET, 11, 0);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_TTL_EXCEEDED);
    expect_verdict(pp_classify_connect(EHOSTUNREACH, false, &i),
                   PP_ST_UNREACHABLE, PP_RS_TTL_EXCEEDED);
}

static void
test_icmp6(void **state)
{
    struct pp_icmp i;

    (void)state;
    i = icmp(AF_INET6, 1, 1);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    /* Linux reports ICMPv6 administratively prohibited as EACCES. */
    expect_verdict(pp_classify_connect(EACCES, false, &i),
                   PP_ST_BLOCKED, PP_RS_ADMIN_PROHIBITED);
    i = icmp(AF_INET6, 1, 4);
    expect_verdict(pp_classify_icmp(&i), PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
    expect_verdict(pp_classify_connect(ECONNREFUSED, false, &i),
                   PP_ST_BLOCKED, PP_RS_PORT_UNREACH);
    i = icmp(AF_INET6, 1, 3);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_HOST_UNREACH);
    i = icmp(AF_INET6, 1, 0);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_NET_UNREACH);
    i = icmp(AF_INET6, 3, 0);
    expect_verdict(pp_classify_icmp(&i), PP_ST_UNREACHABLE, PP_RS_TTL_EXCEEDED);
    /* The family decides how type and code read: ICMPv4 type 1 code 1
     * is not ICMPv6 "administratively prohibited", and ICMPv6 type 11
     * is not ICMPv4 "time exceeded". */
    i = icmp(AF_INET, 1, 1);
    assert_int_not_equal(pp_classify_icmp(&i).reason, PP_RS_ADMIN_PROHIBITED);
    i = icmp(AF_INET6, 11, 0);
    assert_int_not_equal(pp_classify_icmp(&i).reason, PP_RS_TTL_EXCEEDED);
}

/* Every verdict names a real state and reason. */
static void
test_icmp_total(void **state)
{
    int fam[2] = {AF_INET, AF_INET6};
    int f, type, code;

    (void)state;
    for (f = 0; f < 2; f++)
        for (type = 0; type < 256; type++)
            for (code = 0; code < 256; code++) {
                struct pp_icmp i = icmp(fam[f], (uint8_t)type, (uint8_t)code);
                struct pp_verdict v = pp_classify_icmp(&i);
                assert_true(v.state > PP_ST_OK && v.state < PP_ST__COUNT);
                assert_true(v.reason > PP_RS_NONE && v.reason < PP_RS__COUNT);
            }
}

static void
test_reason_sentence(void **state)
{
    int r;

    (void)state;
    for (r = 0; r < PP_RS__COUNT; r++) {
        const char *s = pp_reason_sentence((enum pp_reason)r);
        assert_non_null(s);
        assert_true(strlen(s) > 5);
    }
}

static void
test_state_names(void **state)
{
    static const char *const want[PP_ST__COUNT] = {
        [PP_ST_PENDING] = "pending",
        [PP_ST_OK] = "ok",
        [PP_ST_CLOSED] = "closed",
        [PP_ST_FILTERED] = "filtered",
        [PP_ST_BLOCKED] = "blocked",
        [PP_ST_UNREACHABLE] = "unreachable",
        [PP_ST_DNS_FAILED] = "dns-failed",
        [PP_ST_TLS_FAILED] = "tls-failed",
        [PP_ST_INTERCEPTED] = "intercepted",
        [PP_ST_UNEXPECTED] = "unexpected",
        [PP_ST_ERROR] = "error",
    };
    int s;

    (void)state;
    for (s = 0; s < PP_ST__COUNT; s++) {
        assert_non_null(want[s]);
        assert_string_equal(pp_state_name((enum pp_state)s), want[s]);
    }
    assert_string_equal(pp_state_name(PP_ST__COUNT), "?");
    assert_string_equal(pp_state_name((enum pp_state)(PP_ST__COUNT + 100)), "?");
    assert_string_equal(pp_state_name((enum pp_state)-1), "?");
    assert_true(pp_state_is_ok(PP_ST_OK));
    for (s = 0; s < PP_ST__COUNT; s++)
        if (s != PP_ST_OK)
            assert_false(pp_state_is_ok((enum pp_state)s));
}

static void
test_reason_names(void **state)
{
    static const char *const want[PP_RS__COUNT] = {
        [PP_RS_NONE] = "none",
        [PP_RS_SYN_ACK] = "syn-ack",
        [PP_RS_CONN_REFUSED] = "conn-refused",
        [PP_RS_CONN_RESET] = "conn-reset",
        [PP_RS_NO_RESPONSE] = "no-response",
        [PP_RS_ADMIN_PROHIBITED] = "admin-prohibited",
        [PP_RS_PORT_UNREACH] = "port-unreach",
        [PP_RS_PROTO_UNREACH] = "proto-unreach",
        [PP_RS_HOST_UNREACH] = "host-unreach",
        [PP_RS_NET_UNREACH] = "net-unreach",
        [PP_RS_TTL_EXCEEDED] = "ttl-exceeded",
        [PP_RS_NO_ROUTE] = "no-route",
        [PP_RS_LOCAL_POLICY] = "local-policy",
        [PP_RS_LOCAL_ROUTE] = "local-route",
        [PP_RS_NXDOMAIN] = "nxdomain",
        [PP_RS_SERVFAIL] = "servfail",
        [PP_RS_DNS_REFUSED] = "dns-refused",
        [PP_RS_DNS_TIMEOUT] = "dns-timeout",
        [PP_RS_DNS_UNREACHABLE] = "dns-unreachable",
        [PP_RS_NO_ADDRESS] = "no-address",
        [PP_RS_BAD_NAME] = "bad-name",
        [PP_RS_TLS_OK] = "tls-ok",
        [PP_RS_TLS_ALERT] = "tls-alert",
        [PP_RS_TLS_EOF] = "tls-eof",
        [PP_RS_TLS_TIMEOUT] = "tls-timeout",
        [PP_RS_NOT_TLS] = "not-tls",
        [PP_RS_TLS_HANDSHAKE] = "tls-handshake",
        [PP_RS_CERT_UNTRUSTED] = "cert-untrusted",
        [PP_RS_CERT_EXPIRED] = "cert-expired",
        [PP_RS_CERT_NOT_YET_VALID] = "cert-not-yet-valid",
        [PP_RS_NAME_MISMATCH] = "name-mismatch",
        [PP_RS_ISSUER_UNEXPECTED] = "issuer-unexpected",
        [PP_RS_ALPN_MISMATCH] = "alpn-mismatch",
        [PP_RS_SAN_MISSING] = "san-missing",
        [PP_RS_EKU_MISSING] = "eku-missing",
        [PP_RS_EKU_WRONG] = "eku-wrong",
        [PP_RS_VALIDITY_TOO_LONG] = "validity-too-long",
        [PP_RS_WEAK_KEY] = "weak-key",
        [PP_RS_WEAK_SIGNATURE] = "weak-signature",
        [PP_RS_LEAF_IS_CA] = "leaf-is-ca",
        [PP_RS_CHAIN_INCOMPLETE] = "chain-incomplete",
        [PP_RS_CERT_REVOKED] = "cert-revoked",
        [PP_RS_CLIENT_CERT_REQUIRED] = "client-cert-required",
        [PP_RS_SERVICE_OK] = "service-ok",
        [PP_RS_AUTH_REQUIRED] = "auth-required",
        [PP_RS_REDIRECT] = "redirect",
        [PP_RS_HTTP_STATUS] = "http-status",
        [PP_RS_BAD_RESPONSE] = "bad-response",
        [PP_RS_TOO_LARGE] = "too-large",
        [PP_RS_CAPTIVE_PORTAL] = "captive-portal",
        [PP_RS_MDM_UNHEALTHY] = "mdm-unhealthy",
        [PP_RS_NOT_PLIST] = "not-plist",
        [PP_RS_DNS_OUTSIDE_APPLE] = "dns-outside-apple",
        [PP_RS_SMB1_ONLY] = "smb1-only",
        [PP_RS_SERVER_ERROR] = "server-error",
        [PP_RS_CLOCK_SKEW] = "clock-skew",
        [PP_RS_CONN_LOST] = "conn-lost",
        [PP_RS_LOCAL_RESOURCE] = "local-resource",
        [PP_RS_RUN_DEADLINE] = "run-deadline",
        [PP_RS_FAMILY_EXCLUDED] = "family-excluded",
        [PP_RS_IPV4_UNAVAILABLE] = "ipv4-unavailable",
        [PP_RS_PROXY_DENIED] = "proxy-denied",
        [PP_RS_PROXY_AUTH_REQUIRED] = "proxy-auth-required",
        [PP_RS_PROXY_UNREACHABLE] = "proxy-unreachable",
        [PP_RS_PROXY_UPSTREAM_FAILED] = "proxy-upstream-failed",
        [PP_RS_PROXY_STATUS] = "proxy-status",
        [PP_RS_INTERNAL] = "internal",
    };
    int r, q;

    (void)state;
    for (r = 0; r < PP_RS__COUNT; r++) {
        const char *n = pp_reason_name((enum pp_reason)r);
        assert_non_null(n);
        assert_true(*n != '\0');
        assert_string_not_equal(n, "?");
        /* A reason added to the enum must get a row in the table, and
         * the test a row in want[]. */
        assert_non_null(want[r]);
        assert_string_equal(n, want[r]);
        for (q = 0; q < r; q++)
            assert_string_not_equal(n, pp_reason_name((enum pp_reason)q));
    }
    assert_string_equal(pp_reason_name(PP_RS__COUNT), "?");
    assert_string_equal(pp_reason_name((enum pp_reason)(PP_RS__COUNT + 7)), "?");
    assert_string_equal(pp_reason_name((enum pp_reason)-1), "?");
}

static void
test_service_names(void **state)
{
    static const char *const want[PP_SV__COUNT] = {
        [PP_SV_APNS_DEVICE] = "apns-device",
        [PP_SV_APNS_PROVIDER] = "apns-provider",
        [PP_SV_APNS_LEGACY] = "apns-legacy",
        [PP_SV_MDM] = "mdm",
        [PP_SV_ENROLLMENT] = "enrollment",
        [PP_SV_SOFTWARE_UPDATE] = "software-update",
        [PP_SV_CERT_VALIDATION] = "cert-validation",
        [PP_SV_CAPTIVE] = "captive",
        [PP_SV_TIME] = "time",
        [PP_SV_SUS] = "sus",
        [PP_SV_DP] = "dp",
        [PP_SV_SMB] = "smb",
        [PP_SV_AFP] = "afp",
        [PP_SV_CUSTOM] = "custom",
    };
    int s, q;

    (void)state;
    for (s = 0; s < PP_SV__COUNT; s++) {
        assert_non_null(want[s]);
        assert_string_equal(pp_service_name((enum pp_service)s), want[s]);
        assert_non_null(pp_service_title((enum pp_service)s));
        assert_string_not_equal(pp_service_title((enum pp_service)s), "?");
        for (q = 0; q < s; q++)
            assert_string_not_equal(pp_service_name((enum pp_service)s),
                                    pp_service_name((enum pp_service)q));
    }
    assert_string_equal(pp_service_name(PP_SV__COUNT), "?");
    assert_string_equal(pp_service_name((enum pp_service)-1), "?");
    assert_string_equal(pp_service_title(PP_SV__COUNT), "?");
}

static void
test_trust_names(void **state)
{
    (void)state;
    assert_string_equal(pp_trust_name(PP_TRUST_SYSTEM), "system");
    assert_string_equal(pp_trust_name(PP_TRUST_APPLE_COURIER), "apple-courier");
    assert_string_equal(pp_trust_name(PP_TRUST_APPLE_PUBLIC), "apple-public");
    assert_string_equal(pp_trust_name(PP_TRUST__COUNT), "?");
}

/* The error queue's control messages (pp_netx_icmp_msg): an ICMP error
 * with its offender, and a timestamp; a timestamp that does not fit in
 * microseconds is unknown, not an overflow (found by fuzz_recverr). */
static void
test_recverr_cmsgs(void **state)
{
    union {
        struct cmsghdr align;
        unsigned char b[256];
    } u;
    struct cmsghdr *c;
    struct msghdr msg;
    struct pp_icmp ic;
    struct timeval tv = {.tv_sec = 1798761600, .tv_usec = 5};

    (void)state;
    memset(&u, 0, sizeof(u));
    c = (struct cmsghdr *)(void *)u.b;
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_TIMESTAMP;
    c->cmsg_len = CMSG_LEN(sizeof(tv));
    memcpy(CMSG_DATA(c), &tv, sizeof(tv));
    assert_int_equal(pp_netx_cmsg_time(c), (int64_t)1798761600 * 1000000 + 5);
    tv.tv_sec = (time_t)0x1c00000000000000LL;
    memcpy(CMSG_DATA(c), &tv, sizeof(tv));
    assert_int_equal(pp_netx_cmsg_time(c), 0);
    tv.tv_sec = 1798761600;
    tv.tv_usec = -1;
    memcpy(CMSG_DATA(c), &tv, sizeof(tv));
    assert_int_equal(pp_netx_cmsg_time(c), 0);
#ifdef HAVE_LINUX_ERRQUEUE_H
    {
        /* struct sock_extended_err: errno, origin 2 (ICMP), type 3, code 1. */
        static const unsigned char ee[16] = {113, 0, 0, 0, 2, 3, 1};
        struct sockaddr_in sin;

        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        inet_pton(AF_INET, "10.0.0.1", &sin.sin_addr);
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_RECVERR;
        c->cmsg_len = CMSG_LEN(sizeof(ee) + sizeof(sin));
        memcpy(CMSG_DATA(c), ee, sizeof(ee));
        memcpy(CMSG_DATA(c) + sizeof(ee), &sin, sizeof(sin));
        memset(&msg, 0, sizeof(msg));
        msg.msg_control = u.b;
        msg.msg_controllen = CMSG_SPACE(sizeof(ee) + sizeof(sin));
        memset(&ic, 0, sizeof(ic));
        pp_netx_icmp_msg(&msg, &ic);
        assert_true(ic.valid);
        assert_int_equal(ic.family, AF_INET);
        assert_int_equal(ic.type, 3);
        assert_int_equal(ic.code, 1);
        assert_int_equal(ic.err, 113);
        assert_string_equal(ic.from, "10.0.0.1");
    }
#else
    (void)msg;
    (void)ic;
#endif
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_errno),
        cmocka_unit_test(test_local_resource),
        cmocka_unit_test(test_icmp_overrides_errno),
        cmocka_unit_test(test_icmp4),
        cmocka_unit_test(test_icmp6),
        cmocka_unit_test(test_icmp_total),
        cmocka_unit_test(test_recverr_cmsgs),
        cmocka_unit_test(test_reason_sentence),
        cmocka_unit_test(test_state_names),
        cmocka_unit_test(test_reason_names),
        cmocka_unit_test(test_service_names),
        cmocka_unit_test(test_trust_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
