/* SPDX-License-Identifier: ISC */
/* pp_check_recv's share of a turn (src/engine/check.c): a server that
 * never stops sending must not hold the loop.  A check reads at most
 * PP_RECV_TURN_MAX times in one turn; then PP_RECV_AGAIN, the check's
 * "again" timer armed, and the next turn reads on.  White-box: the check
 * is built by hand over one end of a socket pair. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/loop.h"
#include "core/pushprobe.h"
#include "engine/engine_int.h"

static void
test_turn_share(void **state)
{
    struct pp_engine e;
    struct pp_check c;
    struct pp_result r;
    char buf[1], *flood;
    size_t want = 3 * PP_RECV_TURN_MAX;
    int sv[2], i;

    (void)state;
    memset(&e, 0, sizeof(e));
    memset(&c, 0, sizeof(c));
    memset(&r, 0, sizeof(r));
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    flood = calloc(1, want);
    assert_non_null(flood);
    assert_int_equal(write(sv[1], flood, want), (ssize_t)want);
    e.loop = pp_loop_new();
    c.e = &e;
    c.r = &r;
    c.fd = sv[0];
    c.phase = PH_DONE;   /* check_again then reads nothing itself */
    pp_timer_init(&c.deadline, check_deadline, &c);
    pp_timer_init(&c.again, check_again, &c);

    /* One byte a read: the turn's share, then "again", bytes still there. */
    for (i = 0; i < PP_RECV_TURN_MAX; i++)
        assert_int_equal(pp_check_recv(&c, buf, 1), 1);
    assert_int_equal(c.again.idx, PP_TIMER_IDLE);
    assert_int_equal(pp_check_recv(&c, buf, 1), PP_RECV_AGAIN);
    assert_int_not_equal(c.again.idx, PP_TIMER_IDLE);
    assert_int_equal(pp_check_recv(&c, buf, 1), PP_RECV_AGAIN);

    /* The next turn runs the timer and gives a new share. */
    assert_int_equal(pp_loop_run_once(e.loop, 0), 0);
    assert_int_equal(c.again.idx, PP_TIMER_IDLE);
    for (i = 0; i < PP_RECV_TURN_MAX; i++)
        assert_int_equal(pp_check_recv(&c, buf, 1), 1);
    assert_int_equal(pp_check_recv(&c, buf, 1), PP_RECV_AGAIN);
    assert_int_equal(c.received, 2 * PP_RECV_TURN_MAX);

    pp_loop_cancel(e.loop, &c.again);
    pp_loop_free(e.loop);
    free(flood);
    close(sv[0]);
    close(sv[1]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_turn_share),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
