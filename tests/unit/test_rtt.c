/* SPDX-License-Identifier: ISC */
/* Adaptive connect timeouts (src/engine/rtt.h): the estimator's first
 * sample and convergence, its bounds, one estimate per /24 and /64, the
 * estimate of all networks for a network not heard from, the cap on
 * networks tracked, and the retry's backoff and wait. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/rtt.h"

static const struct sockaddr *
v4(struct sockaddr_storage *ss, const char *a)
{
    struct sockaddr_in *s = (struct sockaddr_in *)ss;

    memset(ss, 0, sizeof(*ss));
    s->sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
    return (const struct sockaddr *)ss;
}

static const struct sockaddr *
v6(struct sockaddr_storage *ss, const char *a)
{
    struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    s->sin6_family = AF_INET6;
    assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
    return (const struct sockaddr *)ss;
}

static void
estimator(void **state)
{
    struct pp_rtt_est e;
    int i;

    (void)state;
    memset(&e, 0, sizeof(e));
    assert_true(pp_rtt_bound(&e, 5000) == PP_RTT_INITIAL_MS);
    pp_rtt_update(&e, 200);
    /* First sample: srtt = r, rttvar = r / 2. */
    assert_true(e.srtt == 200 && e.rttvar == 100);
    assert_true(pp_rtt_bound(&e, 5000) == 600);
    /* Steady answers: the variance decays, the timeout nears the RTT. */
    for (i = 0; i < 200; i++)
        pp_rtt_update(&e, 200);
    assert_true(e.srtt > 199.9 && e.srtt < 200.1);
    assert_true(pp_rtt_bound(&e, 5000) < 230);
    /* A LAN's tiny round trips: never below the floor. */
    memset(&e, 0, sizeof(e));
    pp_rtt_update(&e, 0.05);
    assert_true(pp_rtt_bound(&e, 5000) == PP_RTT_MIN_MS);
    /* A slow path: never above the ceiling. */
    memset(&e, 0, sizeof(e));
    pp_rtt_update(&e, 3000);
    assert_true(pp_rtt_bound(&e, 2000) == 2000);
    /* Jitter widens it. */
    memset(&e, 0, sizeof(e));
    for (i = 0; i < 100; i++)
        pp_rtt_update(&e, i % 2 ? 50 : 250);
    assert_true(pp_rtt_bound(&e, 5000) > 400);
}

static void
per_network(void **state)
{
    struct pp_rtt *r = pp_rtt_new(5000);
    struct sockaddr_storage a, b;
    double lo, hi;
    int i;

    (void)state;
    /* Nothing heard: the initial timeout everywhere. */
    assert_true(pp_rtt_timeout(r, v4(&a, "10.1.2.3")) == PP_RTT_INITIAL_MS);
    for (i = 0; i < 20; i++)
        pp_rtt_sample(r, v4(&a, "10.1.2.9"), 400);
    /* Same /24: its own estimate; another /24: the estimate of all. */
    assert_true(pp_rtt_timeout(r, v4(&a, "10.1.2.200")) < 500);
    assert_true(pp_rtt_timeout(r, v4(&a, "10.1.3.1")) < 500);
    for (i = 0; i < 50; i++)
        pp_rtt_sample(r, v4(&a, "10.9.9.9"), 1);
    /* The near network is fast; the far one keeps its 400 ms. */
    assert_true(pp_rtt_timeout(r, v4(&a, "10.9.9.1")) == PP_RTT_MIN_MS);
    assert_true(pp_rtt_timeout(r, v4(&a, "10.1.2.1")) > 400);
    /* IPv6: one estimate per /64. */
    for (i = 0; i < 20; i++)
        pp_rtt_sample(r, v6(&b, "2001:db8:1:2::1"), 1500);
    assert_true(pp_rtt_timeout(r, v6(&b, "2001:db8:1:2:ffff::9")) > 1500);
    /* However slow the answers, at most PP_RTT_MAX_MS. */
    for (i = 0; i < 20; i++)
        pp_rtt_sample(r, v4(&a, "10.7.7.7"), 4000);
    assert_true(pp_rtt_timeout(r, v4(&a, "10.7.7.8")) == PP_RTT_MAX_MS);
    assert_true(pp_rtt_timeout(r, v6(&b, "2001:db8:1:2:ffff::9")) ==
                pp_rtt_timeout(r, v6(&b, "2001:db8:1:2::1")));
    assert_true(pp_rtt_timeout(r, v6(&b, "2001:db8:1:3::1")) !=
                pp_rtt_timeout(r, v6(&b, "2001:db8:1:2::1")));
    pp_rtt_note_given(r, 100);
    pp_rtt_note_given(r, 900);
    pp_rtt_note_given(r, 300);
    pp_rtt_range(r, &lo, &hi);
    assert_true(lo == 100 && hi == 900);
    pp_rtt_free(r);
}

static void
network_cap(void **state)
{
    struct pp_rtt *r = pp_rtt_new(5000);
    struct sockaddr_storage a;
    char addr[32];
    uint32_t n;

    (void)state;
    /* More networks than tracked: the rest share the global estimate and
     * nothing grows past the cap. */
    for (n = 0; n < PP_RTT_NETS_MAX + 1000; n++) {
        snprintf(addr, sizeof(addr), "%u.%u.%u.1", 10 + (n >> 16), n >> 8 & 255, n & 255);
        pp_rtt_sample(r, v4(&a, addr), 300);
    }
    assert_int_equal(pp_rtt_global(r)->samples, PP_RTT_NETS_MAX + 1000);
    /* A tracked network with one 300 ms answer: 300 + 4 x 150. */
    assert_true(pp_rtt_timeout(r, v4(&a, "10.0.0.7")) == 900);
    /* One past the cap: the global estimate, steady at 300 ms. */
    assert_true(pp_rtt_timeout(r, v4(&a, "11.3.231.7")) < 400);
    pp_rtt_free(r);
}

static void
backoff(void **state)
{
    struct pp_rtt *r = pp_rtt_new(2000);
    struct sockaddr_storage a;
    int i;

    (void)state;
    /* RFC 6298 5.5: the retry's deadline is twice the last one. */
    assert_true(pp_rtt_backoff(100, 100, 2000) == 200);
    assert_true(pp_rtt_backoff(300, 120, 2000) == 600);
    /* Never less than what the network's estimate gives now (answers
     * came later meanwhile), never more than the ceiling, never under
     * the floor. */
    assert_true(pp_rtt_backoff(100, 700, 2000) == 700);
    assert_true(pp_rtt_backoff(1500, 100, 2000) == 2000);
    assert_true(pp_rtt_backoff(2000, 2000, 2000) == 2000);
    assert_true(pp_rtt_backoff(10, 0, 2000) == PP_RTT_MIN_MS);
    /* Through the estimator: a fast /24 (floor 100 ms) retries with 200. */
    for (i = 0; i < 20; i++)
        pp_rtt_sample(r, v4(&a, "10.30.0.5"), 0.2);
    assert_true(pp_rtt_timeout(r, v4(&a, "10.30.0.142")) == PP_RTT_MIN_MS);
    assert_true(pp_rtt_retry_timeout(r, v4(&a, "10.30.0.142"), PP_RTT_MIN_MS) == 200);
    /* A first attempt that had the initial 1 s, when the networks have
     * answered in far less since: twice the estimate, not twice the
     * guess (and a network not heard from takes the estimate of all). */
    assert_true(pp_rtt_retry_timeout(r, v4(&a, "10.30.0.142"), PP_RTT_INITIAL_MS) == 200);
    assert_true(pp_rtt_retry_timeout(r, v6(&a, "2001:db8::1"), PP_RTT_INITIAL_MS) == 200);
    /* The wait before a retry: as long as the last deadline (or the
     * estimate, when shorter), bounded. */
    assert_true(pp_rtt_retry_wait(r, v4(&a, "10.30.0.142"), 100) == 100);
    assert_true(pp_rtt_retry_wait(r, v4(&a, "10.30.0.142"), 40) == PP_RTT_MIN_MS);
    assert_true(pp_rtt_retry_wait(r, v4(&a, "10.30.0.142"), PP_RTT_INITIAL_MS) == 100);
    pp_rtt_free(r);
    /* Nothing heard from anywhere: the initial 1 s, its retry 2 s (the
     * cap), after a wait of 1 s; a slow network keeps its own. */
    r = pp_rtt_new(2000);
    assert_true(pp_rtt_retry_timeout(r, v6(&a, "2001:db8::1"), PP_RTT_INITIAL_MS) == 2000);
    assert_true(pp_rtt_retry_wait(r, v6(&a, "2001:db8::1"), PP_RTT_INITIAL_MS) == 1000);
    assert_true(pp_rtt_retry_wait(r, v6(&a, "2001:db8::1"), 5000) == 1000);
    for (i = 0; i < 20; i++)
        pp_rtt_sample(r, v4(&a, "10.40.0.5"), 700);
    assert_true(pp_rtt_retry_timeout(r, v4(&a, "10.40.0.9"), 700) == 1400);
    pp_rtt_free(r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimator),
        cmocka_unit_test(per_network),
        cmocka_unit_test(network_cap),
        cmocka_unit_test(backoff),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
