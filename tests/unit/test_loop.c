/* SPDX-License-Identifier: ISC */
/* The event loop (src/core/loop.h): timers, descriptor watches, stale events,
 * stop and prepare callbacks.  A watchdog alarm turns a hang into a
 * failure. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/loop.h"
#include "core/util.h"

/* ------------------------------------------------------------ timers */

struct rec {
    struct pp_loop *loop;
    int order[16];
    int n;
};

struct ttm {
    struct pp_timer t;
    struct rec *rec;
    int id;
    int fired;
    int64_t when;
    int64_t fired_at;
    struct ttm *victim;  /* cancel this one when firing */
    int rearm;          /* re-arm this many more times */
};

static void
on_ttm(void *arg)
{
    struct ttm *x = arg;

    x->fired++;
    x->fired_at = pp_now_ms();
    if (x->rec->n < 16)
        x->rec->order[x->rec->n++] = x->id;
    if (x->victim != NULL)
        pp_loop_cancel(x->rec->loop, &x->victim->t);
    if (x->rearm > 0) {
        x->rearm--;
        x->when = pp_now_ms() + 2;
        pp_loop_timer(x->rec->loop, &x->t, x->when);
    }
}

static void
ttm_arm(struct ttm *x, struct rec *r, int id, int64_t when)
{
    memset(x, 0, sizeof(*x));
    x->rec = r;
    x->id = id;
    x->when = when;
    pp_timer_init(&x->t, on_ttm, x);
    pp_loop_timer(r->loop, &x->t, when);
}

static void
test_timers_in_order(void **state)
{
    struct rec r;
    struct ttm a, b, c, d;
    int64_t now = pp_now_ms();

    (void)state;
    memset(&r, 0, sizeof(r));
    r.loop = pp_loop_new();
    ttm_arm(&a, &r, 1, now + 40);
    ttm_arm(&b, &r, 2, now + 10);
    ttm_arm(&c, &r, 3, now + 25);
    ttm_arm(&d, &r, 4, now + 10);   /* same time as b, armed later */
    assert_int_equal(pp_loop_run(r.loop), 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.order[0], 2);
    assert_int_equal(r.order[1], 4);
    assert_int_equal(r.order[2], 3);
    assert_int_equal(r.order[3], 1);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 1);
    assert_int_equal(c.fired, 1);
    assert_int_equal(d.fired, 1);
    /* Never early. */
    assert_true(a.fired_at >= a.when);
    assert_true(b.fired_at >= b.when);
    assert_true(c.fired_at >= c.when);
    assert_int_equal(a.t.idx, PP_TIMER_IDLE);
    /* Running again fires nothing more. */
    assert_int_equal(pp_loop_run(r.loop), 0);
    assert_int_equal(r.n, 4);
    pp_loop_free(r.loop);
}

/* Timers already due fire in the first pass, in time order. */
static void
test_timers_past_due(void **state)
{
    struct rec r;
    struct ttm a, b;
    int64_t now = pp_now_ms();

    (void)state;
    memset(&r, 0, sizeof(r));
    r.loop = pp_loop_new();
    ttm_arm(&a, &r, 1, now - 5);
    ttm_arm(&b, &r, 2, now - 100);
    assert_int_equal(pp_loop_run_once(r.loop, 1000), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.order[0], 2);
    assert_int_equal(r.order[1], 1);
    pp_loop_free(r.loop);
}

static void
test_cancel(void **state)
{
    struct rec r;
    struct ttm a, b, c;
    int64_t now = pp_now_ms();

    (void)state;
    memset(&r, 0, sizeof(r));
    r.loop = pp_loop_new();
    ttm_arm(&a, &r, 1, now + 5);
    ttm_arm(&b, &r, 2, now + 10);
    ttm_arm(&c, &r, 3, now + 15);
    pp_loop_cancel(r.loop, &b.t);
    assert_int_equal(b.t.idx, PP_TIMER_IDLE);
    /* Cancelling twice is harmless. */
    pp_loop_cancel(r.loop, &b.t);
    assert_int_equal(pp_loop_run(r.loop), 0);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 0);
    assert_int_equal(c.fired, 1);
    assert_int_equal(r.n, 2);
    pp_loop_free(r.loop);
}

/* A callback cancels a timer due in the same pass: it must not fire. */
static void
test_cancel_from_callback(void **state)
{
    struct rec r;
    struct ttm a, b;
    int64_t now = pp_now_ms();

    (void)state;
    memset(&r, 0, sizeof(r));
    r.loop = pp_loop_new();
    ttm_arm(&a, &r, 1, now + 5);
    ttm_arm(&b, &r, 2, now + 5);
    a.victim = &b;
    assert_int_equal(pp_loop_run(r.loop), 0);
    assert_int_equal(a.fired, 1);
    assert_int_equal(b.fired, 0);
    pp_loop_free(r.loop);
}

static void
test_rearm_self(void **state)
{
    struct rec r;
    struct ttm a, b;
    int64_t now = pp_now_ms();

    (void)state;
    memset(&r, 0, sizeof(r));
    r.loop = pp_loop_new();
    ttm_arm(&a, &r, 1, now + 1);
    a.rearm = 4;
    ttm_arm(&b, &r, 2, now + 200);
    assert_int_equal(pp_loop_run(r.loop), 0);
    assert_int_equal(a.fired, 5);
    assert_int_equal(b.fired, 1);
    /* All five of a's firings come before b's. */
    assert_int_equal(r.n, 6);
    assert_int_equal(r.order[5], 2);
    pp_loop_free(r.loop);
}

static void
test_run_empty_returns(void **state)
{
    struct pp_loop *l = pp_loop_new();

    (void)state;
    assert_int_equal(pp_loop_nwatched(l), 0);
    assert_false(pp_loop_stopped(l));
    assert_int_equal(pp_loop_run(l), 0);
    /* A bounded wait with nothing to do returns too. */
    assert_int_equal(pp_loop_run_once(l, 0), 0);
    assert_int_equal(pp_loop_run_once(l, 5), 0);
    pp_loop_free(l);
    pp_loop_free(NULL);
}

/* ------------------------------------------------------------ fds */

struct io {
    struct pp_loop *loop;
    int fd;
    int calls;
    short revents;
    char got[16];
    struct io *other;   /* unwatch and close this one when called */
    bool reopen;        /* ...and watch a fresh pipe on its fd number */
    int fresh[2];
};

static void on_fresh(int fd, short revents, void *arg);

static void
on_io(int fd, short revents, void *arg)
{
    struct io *x = arg;
    ssize_t n;

    assert_int_equal(fd, x->fd);
    x->calls++;
    x->revents = revents;
    n = read(fd, x->got, sizeof(x->got) - 1);
    if (n > 0)
        x->got[n] = '\0';
    pp_loop_unwatch(x->loop, fd);
    if (x->other != NULL && x->other->fd >= 0) {
        pp_loop_unwatch(x->loop, x->other->fd);
        close(x->other->fd);
        if (x->reopen) {
            int want = x->other->fd;
            assert_int_equal(pipe(x->fresh), 0);
            /* Put the new pipe's read end on the number just closed. */
            if (x->fresh[0] != want) {
                assert_int_equal(dup2(x->fresh[0], want), want);
                close(x->fresh[0]);
                x->fresh[0] = want;
            }
            assert_int_equal(pp_loop_watch(x->loop, x->fresh[0], POLLIN,
                                           on_fresh, x), 0);
        }
        x->other->fd = -1;
    }
}

static int fresh_calls;

static void
on_fresh(int fd, short revents, void *arg)
{
    (void)fd;
    (void)revents;
    (void)arg;
    fresh_calls++;
}

static void
on_write_timer(void *arg)
{
    int *fd = arg;

    assert_int_equal(write(*fd, "ping", 4), 4);
}

static void
test_fd_pollin(void **state)
{
    struct pp_loop *l = pp_loop_new();
    struct pp_timer t;
    struct io x;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    memset(&x, 0, sizeof(x));
    x.loop = l;
    x.fd = p[0];
    assert_int_equal(pp_loop_watch(l, p[0], POLLIN, on_io, &x), 0);
    assert_int_equal(pp_loop_nwatched(l), 1);
    /* Nothing written yet: a bounded wait delivers nothing. */
    assert_int_equal(pp_loop_run_once(l, 20), 0);
    assert_int_equal(x.calls, 0);
    /* A timer writes; the watch sees it and unwatches; run ends. */
    pp_timer_init(&t, on_write_timer, &p[1]);
    pp_loop_timer(l, &t, pp_now_ms() + 10);
    assert_int_equal(pp_loop_run(l), 0);
    assert_int_equal(x.calls, 1);
    assert_true(x.revents & POLLIN);
    assert_string_equal(x.got, "ping");
    assert_int_equal(pp_loop_nwatched(l), 0);
    close(p[0]);
    close(p[1]);
    pp_loop_free(l);
}

static void
test_fd_socketpair(void **state)
{
    struct pp_loop *l = pp_loop_new();
    struct io x;
    int sv[2];

    (void)state;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    memset(&x, 0, sizeof(x));
    x.loop = l;
    x.fd = sv[1];
    assert_int_equal(write(sv[0], "hello", 5), 5);
    assert_int_equal(pp_loop_watch(l, sv[1], POLLIN, on_io, &x), 0);
    assert_int_equal(pp_loop_run(l), 0);
    assert_int_equal(x.calls, 1);
    assert_true(x.revents & POLLIN);
    assert_string_equal(x.got, "hello");
    close(sv[0]);
    close(sv[1]);
    pp_loop_free(l);
}

static int pollout_calls;

static void
on_pollout(int fd, short revents, void *arg)
{
    struct pp_loop *l = arg;

    (void)fd;
    assert_true(revents & POLLOUT);
    pollout_calls++;
    pp_loop_unwatch(l, fd);
}

/* pp_loop_events switches a watch from POLLIN to POLLOUT. */
static void
test_fd_events(void **state)
{
    struct pp_loop *l = pp_loop_new();
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    pollout_calls = 0;
    assert_int_equal(pp_loop_watch(l, p[1], POLLIN, on_pollout, l), 0);
    assert_int_equal(pp_loop_run_once(l, 10), 0);
    assert_int_equal(pollout_calls, 0);
    pp_loop_events(l, p[1], POLLOUT);
    assert_int_equal(pp_loop_nwatched(l), 1);
    assert_int_equal(pp_loop_run(l), 0);
    assert_int_equal(pollout_calls, 1);
    close(p[0]);
    close(p[1]);
    pp_loop_free(l);
}

/* Watching twice replaces, and counts once. */
static void
test_fd_rewatch(void **state)
{
    struct pp_loop *l = pp_loop_new();
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pp_loop_watch(l, p[0], POLLIN, on_fresh, NULL), 0);
    assert_int_equal(pp_loop_watch(l, p[0], POLLIN, on_fresh, NULL), 0);
    assert_int_equal(pp_loop_nwatched(l), 1);
    pp_loop_unwatch(l, p[0]);
    pp_loop_unwatch(l, p[0]);
    assert_int_equal(pp_loop_nwatched(l), 0);
    /* Out-of-range descriptors are refused, unknown ones ignored. */
    errno = 0;
    assert_int_equal(pp_loop_watch(l, -1, POLLIN, on_fresh, NULL), -1);
    assert_int_equal(errno, EBADF);
    pp_loop_unwatch(l, -1);
    pp_loop_unwatch(l, 100000);
    pp_loop_events(l, 100000, POLLIN);
    assert_int_equal(pp_loop_nwatched(l), 0);
    /* A high descriptor number grows the table. */
    {
        int hi = fcntl(p[0], F_DUPFD, 700);
        assert_true(hi >= 700);
        assert_int_equal(pp_loop_watch(l, hi, POLLIN, on_fresh, NULL), 0);
        assert_int_equal(pp_loop_nwatched(l), 1);
        pp_loop_unwatch(l, hi);
        close(hi);
    }
    close(p[0]);
    close(p[1]);
    pp_loop_free(l);
}

/* Two descriptors ready at once; the first callback unwatches and closes
 * the second: its stale event must not be delivered. */
static void
test_fd_stale_unwatch(void **state)
{
    struct pp_loop *l = pp_loop_new();
    struct io x, y;
    int p[2], q[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(write(q[1], "y", 1), 1);
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    x.loop = y.loop = l;
    x.fd = p[0];
    y.fd = q[0];
    /* Whichever runs first closes the other. */
    x.other = &y;
    y.other = &x;
    assert_int_equal(pp_loop_watch(l, p[0], POLLIN, on_io, &x), 0);
    assert_int_equal(pp_loop_watch(l, q[0], POLLIN, on_io, &y), 0);
    assert_int_equal(pp_loop_run(l), 0);
    assert_int_equal(x.calls + y.calls, 1);
    assert_int_equal(pp_loop_nwatched(l), 0);
    if (x.fd >= 0)
        close(x.fd);
    if (y.fd >= 0)
        close(y.fd);
    close(p[1]);
    close(q[1]);
    pp_loop_free(l);
}

/* As above, but the closed descriptor number is reused at once for a new,
 * idle pipe: the old pipe's readiness must not reach the new watch. */
static void
test_fd_stale_reuse(void **state)
{
    struct pp_loop *l = pp_loop_new();
    struct io x, y;
    int p[2], q[2];

    (void)state;
    fresh_calls = 0;
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    assert_int_equal(write(p[1], "x", 1), 1);
    assert_int_equal(write(q[1], "y", 1), 1);
    memset(&x, 0, sizeof(x));
    memset(&y, 0, sizeof(y));
    x.loop = y.loop = l;
    /* The lower descriptor is dispatched first. */
    x.fd = p[0] < q[0] ? p[0] : q[0];
    y.fd = p[0] < q[0] ? q[0] : p[0];
    x.other = &y;
    x.reopen = true;
    assert_int_equal(pp_loop_watch(l, x.fd, POLLIN, on_io, &x), 0);
    assert_int_equal(pp_loop_watch(l, y.fd, POLLIN, on_io, &y), 0);
    assert_int_equal(pp_loop_run_once(l, 100), 0);
    assert_int_equal(x.calls, 1);
    assert_int_equal(y.calls, 0);
    assert_int_equal(fresh_calls, 0);
    /* The fresh pipe is idle: another pass delivers nothing. */
    assert_int_equal(pp_loop_run_once(l, 0), 0);
    assert_int_equal(fresh_calls, 0);
    /* Once written, the new watch works. */
    assert_int_equal(write(x.fresh[1], "z", 1), 1);
    assert_int_equal(pp_loop_run_once(l, 100), 0);
    assert_int_equal(fresh_calls, 1);
    pp_loop_unwatch(l, x.fresh[0]);
    close(x.fresh[0]);
    close(x.fresh[1]);
    close(x.fd);
    close(p[1]);
    close(q[1]);
    pp_loop_free(l);
}

/* ------------------------------------------------------ stop, prepare */

static void
on_stop_timer(void *arg)
{
    pp_loop_stop(arg);
}

static void
test_stop(void **state)
{
    struct pp_loop *l = pp_loop_new();
    struct pp_timer t;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    fresh_calls = 0;
    /* A watch that never fires would keep the loop running forever. */
    assert_int_equal(pp_loop_watch(l, p[0], POLLIN, on_fresh, NULL), 0);
    pp_timer_init(&t, on_stop_timer, l);
    pp_loop_timer(l, &t, pp_now_ms() + 20);
    assert_int_equal(pp_loop_run(l), 0);
    assert_true(pp_loop_stopped(l));
    assert_int_equal(fresh_calls, 0);
    assert_int_equal(pp_loop_nwatched(l), 1);
    /* Stopped stays stopped. */
    assert_int_equal(pp_loop_run(l), 0);
    pp_loop_unwatch(l, p[0]);
    close(p[0]);
    close(p[1]);
    pp_loop_free(l);
}

struct prep {
    struct pp_loop *loop;
    int calls;
    int wfd;          /* write a byte here on the first call, if >= 0 */
    int io_calls;
    int prep_at_io;   /* calls seen by the fd callback */
};

static void
on_prepare(void *arg)
{
    struct prep *x = arg;

    x->calls++;
    if (x->wfd >= 0 && x->calls == 1)
        assert_int_equal(write(x->wfd, "p", 1), 1);
}

static void
on_prep_io(int fd, short revents, void *arg)
{
    struct prep *x = arg;
    char c;

    assert_true(revents & POLLIN);
    assert_int_equal(read(fd, &c, 1), 1);
    x->io_calls++;
    x->prep_at_io = x->calls;
    pp_loop_unwatch(x->loop, fd);
    pp_loop_stop(x->loop);
}

/* The prepare callback runs before the wait: what it writes is seen by
 * the very poll that follows (otherwise run_once(-1) would block). */
static void
test_prepare_before_wait(void **state)
{
    struct prep x;
    int p[2];

    (void)state;
    assert_int_equal(pipe(p), 0);
    memset(&x, 0, sizeof(x));
    x.loop = pp_loop_new();
    x.wfd = p[1];
    pp_loop_prepare(x.loop, on_prepare, &x);
    assert_int_equal(pp_loop_watch(x.loop, p[0], POLLIN, on_prep_io, &x), 0);
    assert_int_equal(pp_loop_run_once(x.loop, -1), 0);
    assert_int_equal(x.calls, 1);
    assert_int_equal(x.io_calls, 1);
    assert_int_equal(x.prep_at_io, 1);
    close(p[0]);
    close(p[1]);
    pp_loop_free(x.loop);
}

static struct ttm *chain_stop_b;

/* Stops the loop once a has fired three times; until then looks again in
 * the next round. */
static void
on_stop_after_a(void *arg)
{
    struct ttm *a = arg;

    if (a->fired >= 3) {
        pp_loop_stop(a->rec->loop);
        return;
    }
    pp_loop_timer(a->rec->loop, &chain_stop_b->t, pp_now_ms());
}

static void
test_prepare_each_wait(void **state)
{
    struct prep x;
    struct rec r;
    struct ttm a, b;
    int i;

    (void)state;
    memset(&x, 0, sizeof(x));
    x.wfd = -1;
    x.loop = pp_loop_new();
    pp_loop_prepare(x.loop, on_prepare, &x);
    for (i = 0; i < 3; i++)
        assert_int_equal(pp_loop_run_once(x.loop, 0), 0);
    assert_int_equal(x.calls, 3);
    /* With pp_loop_run: once per wait.  A timer that re-arms itself from
     * its callback runs in the next round, after another wait, however
     * late the machine is: three rounds, three more calls at least. */
    memset(&r, 0, sizeof(r));
    r.loop = x.loop;
    ttm_arm(&a, &r, 1, pp_now_ms());
    a.rearm = 2;
    b.fired = 0;
    pp_timer_init(&b.t, on_stop_after_a, &a);
    chain_stop_b = &b;
    pp_loop_timer(x.loop, &b.t, pp_now_ms());
    assert_int_equal(pp_loop_run(x.loop), 0);
    assert_int_equal(a.fired, 3);
    assert_true(x.calls >= 3 + 3);
    pp_loop_free(x.loop);
}

/* Event time stamps: an event is stamped when poll() returned, not when its
 * callback got its turn behind a long one; a descriptor that becomes ready
 * during a long callback is stamped by the re-poll right after it. */
struct stamps {
    struct pp_loop *loop;
    int a, b, c;        /* read ends; c becomes ready during a's callback */
    int c_w;            /* write end of c */
    double a_start, a_end, b_start, b_seen, c_seen, c_start;
    int calls;
};

static void
spin(double ms)
{
    double until = pp_now_msf() + ms;

    while (pp_now_msf() < until)
        ;
}

static void
on_stamp(int fd, short revents, void *arg)
{
    struct stamps *st = arg;
    char ch;

    (void)revents;
    assert_int_equal(read(fd, &ch, 1), 1);
    st->calls++;
    if (fd == st->a) {
        st->a_start = pp_now_msf();
        assert_true(write(st->c_w, "c", 1) == 1);
        spin(2.0);
        st->a_end = pp_now_msf();
    } else if (fd == st->b) {
        st->b_start = pp_now_msf();
        st->b_seen = pp_loop_event_time(st->loop, fd);
        /* Not this descriptor's callback: now. */
        assert_true(pp_loop_event_time(st->loop, st->a) >= st->b_start);
    } else {
        st->c_start = pp_now_msf();
        st->c_seen = pp_loop_event_time(st->loop, fd);
    }
}

static void
test_event_time(void **state)
{
    struct stamps st;
    int pa[2], pb[2], pc[2];
    int first, second;
    double outside;

    (void)state;
    memset(&st, 0, sizeof(st));
    assert_int_equal(pipe(pa), 0);
    assert_int_equal(pipe(pb), 0);
    assert_int_equal(pipe(pc), 0);
    st.loop = pp_loop_new();
    /* a is delivered before b: it has the lower descriptor. */
    first = pa[0] < pb[0] ? pa[0] : pb[0];
    second = pa[0] < pb[0] ? pb[0] : pa[0];
    st.a = first;
    st.b = second;
    st.c = pc[0];
    st.c_w = pc[1];
    assert_true(write(first == pa[0] ? pa[1] : pb[1], "a", 1) == 1);
    assert_true(write(first == pa[0] ? pb[1] : pa[1], "b", 1) == 1);
    assert_int_equal(pp_loop_watch(st.loop, st.a, POLLIN, on_stamp, &st), 0);
    assert_int_equal(pp_loop_watch(st.loop, st.b, POLLIN, on_stamp, &st), 0);
    assert_int_equal(pp_loop_watch(st.loop, st.c, POLLIN, on_stamp, &st), 0);
    while (st.calls < 3)
        assert_int_equal(pp_loop_run_once(st.loop, 1000), 0);
    /* b was ready when poll() returned: stamped before a's callback ran. */
    assert_true(st.b_seen <= st.a_start);
    assert_true(st.b_start >= st.a_end);
    /* c became ready inside a's callback: stamped after it, before b's
     * turn, not when its own callback ran. */
    assert_true(st.c_seen >= st.a_start);
    assert_true(st.c_seen <= st.b_start);
    assert_true(st.c_seen <= st.c_start);
    outside = pp_now_msf();
    assert_true(pp_loop_event_time(st.loop, st.a) >= outside);
    pp_loop_free(st.loop);
    close(pa[0]);
    close(pa[1]);
    close(pb[0]);
    close(pb[1]);
    close(pc[0]);
    close(pc[1]);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timers_in_order),
        cmocka_unit_test(test_timers_past_due),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_from_callback),
        cmocka_unit_test(test_rearm_self),
        cmocka_unit_test(test_run_empty_returns),
        cmocka_unit_test(test_fd_pollin),
        cmocka_unit_test(test_fd_socketpair),
        cmocka_unit_test(test_fd_events),
        cmocka_unit_test(test_fd_rewatch),
        cmocka_unit_test(test_fd_stale_unwatch),
        cmocka_unit_test(test_fd_stale_reuse),
        cmocka_unit_test(test_stop),
        cmocka_unit_test(test_prepare_before_wait),
        cmocka_unit_test(test_prepare_each_wait),
        cmocka_unit_test(test_event_time),
    };

    /* A hang (a loop that never returns) fails the test. */
    alarm(60);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
