/* SPDX-License-Identifier: ISC */
/* The poll() event loop; see loop.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/util.h"

struct watch {
    pp_io_cb cb;
    void *arg;
    short events;
    bool active;
    uint32_t gen;   /* bumped on every (re)watch, so stale events are dropped */
    double ready_at; /* first seen ready (a re-poll between callbacks), or 0 */
};

struct ready {      /* one event of a round */
    int fd;
    short revents;
    uint32_t gen;
    double at;      /* when it was seen */
};

struct prepare {
    void (*cb)(void *);
    void *arg;
};

struct pp_loop {
    struct watch *w;      /* indexed by fd */
    size_t wcap;
    size_t nwatched;
    struct pollfd *pfd;
    uint32_t *pgen;
    size_t pcap;
    bool dirty;
    struct pp_heap timers;
    struct prepare prep[4];
    size_t nprep;
    bool stop;
    uint64_t turn;        /* dispatch rounds so far: fds, then timers, each one */
    double event_at;      /* when the event being delivered was seen, or 0 */
    int event_fd;         /* the descriptor it is for */
    struct ready *rd;
    size_t rdcap;
};

struct pp_loop *
pp_loop_new(void)
{
    struct pp_loop *l = pp_xcalloc(1, sizeof(*l));

    pp_heap_init(&l->timers);
    return l;
}

void
pp_loop_free(struct pp_loop *l)
{
    if (l == NULL)
        return;
    pp_heap_free(&l->timers);
    free(l->w);
    free(l->pfd);
    free(l->pgen);
    free(l->rd);
    free(l);
}

int
pp_loop_watch(struct pp_loop *l, int fd, short events, pp_io_cb cb, void *arg)
{
    struct watch *w;

    if (fd < 0 || fd > 1 << 24) {
        errno = EBADF;
        return -1;
    }
    if ((size_t)fd >= l->wcap) {
        size_t ncap = l->wcap ? l->wcap : 64;
        while (ncap <= (size_t)fd)
            ncap *= 2;
        l->w = pp_xrealloc(l->w, ncap, sizeof(*l->w));
        memset(l->w + l->wcap, 0, (ncap - l->wcap) * sizeof(*l->w));
        l->wcap = ncap;
    }
    w = &l->w[fd];
    if (!w->active)
        l->nwatched++;
    w->cb = cb;
    w->arg = arg;
    w->events = events;
    w->active = true;
    w->gen++;
    w->ready_at = 0;
    l->dirty = true;
    return 0;
}

void
pp_loop_events(struct pp_loop *l, int fd, short events)
{
    if (fd >= 0 && (size_t)fd < l->wcap && l->w[fd].active &&
        l->w[fd].events != events) {
        l->w[fd].events = events;
        l->w[fd].ready_at = 0;   /* seen ready for other events */
        l->dirty = true;
    }
}

void
pp_loop_unwatch(struct pp_loop *l, int fd)
{
    if (fd < 0 || (size_t)fd >= l->wcap || !l->w[fd].active)
        return;
    l->w[fd].active = false;
    l->w[fd].gen++;
    l->w[fd].ready_at = 0;
    l->nwatched--;
    l->dirty = true;
}

size_t
pp_loop_nwatched(const struct pp_loop *l)
{
    return l->nwatched;
}

void
pp_loop_timer(struct pp_loop *l, struct pp_timer *t, int64_t when)
{
    pp_heap_push(&l->timers, t, when);
}

void
pp_loop_cancel(struct pp_loop *l, struct pp_timer *t)
{
    pp_heap_remove(&l->timers, t);
}

void
pp_loop_prepare(struct pp_loop *l, void (*cb)(void *), void *arg)
{
    if (l->nprep < sizeof(l->prep) / sizeof(l->prep[0])) {
        l->prep[l->nprep].cb = cb;
        l->prep[l->nprep].arg = arg;
        l->nprep++;
    }
}

void
pp_loop_unprepare(struct pp_loop *l, void (*cb)(void *), void *arg)
{
    size_t i;

    for (i = 0; i < l->nprep; i++) {
        if (l->prep[i].cb == cb && l->prep[i].arg == arg) {
            l->prep[i] = l->prep[--l->nprep];
            return;
        }
    }
}

static size_t
rebuild(struct pp_loop *l)
{
    size_t fd, n = 0;

    if (l->pcap < l->nwatched) {
        l->pcap = l->nwatched + 64;
        l->pfd = pp_xrealloc(l->pfd, l->pcap, sizeof(*l->pfd));
        l->pgen = pp_xrealloc(l->pgen, l->pcap, sizeof(*l->pgen));
    }
    for (fd = 0; fd < l->wcap && n < l->nwatched; fd++) {
        if (!l->w[fd].active)
            continue;
        l->pfd[n].fd = (int)fd;
        l->pfd[n].events = l->w[fd].events;
        l->pfd[n].revents = 0;
        l->pgen[n] = l->w[fd].gen;
        n++;
    }
    l->dirty = false;
    return n;
}

static void
run_timers(struct pp_loop *l)
{
    int64_t now = pp_now_ms();
    uint64_t armed_before = l->timers.seq;
    struct pp_timer *t;

    /* Only timers armed before this round: one that re-arms itself for
     * "now" runs in the next round, after poll(), not in a loop here. */
    while ((t = pp_heap_top(&l->timers)) != NULL && t->when <= now &&
           t->seq < armed_before) {
        pp_heap_remove(&l->timers, t);
        t->cb(t->arg);
    }
}

/* A callback ran long (a TLS handshake, a certificate check): look, without
 * waiting, which other descriptors became ready meanwhile, and note when,
 * so that their time stamps are not those of the queue behind the callback.
 * Bounded: only with few descriptors, at most once per RESTAMP_MS of work. */
#define RESTAMP_MS 0.2
#define RESTAMP_MAX_FDS 1024

static void
restamp(struct pp_loop *l, size_t n)
{
    size_t i;
    double now;

    for (i = 0; i < n; i++) {
        struct watch *w = &l->w[l->pfd[i].fd];
        /* Only what the watch asks for now; a replaced watch asks nothing. */
        l->pfd[i].events = w->active && w->gen == l->pgen[i] ? w->events : 0;
        l->pfd[i].revents = 0;
    }
    if (poll(l->pfd, (nfds_t)n, 0) <= 0)
        return;
    now = pp_now_msf();
    for (i = 0; i < n; i++) {
        struct watch *w = &l->w[l->pfd[i].fd];
        short rv = l->pfd[i].revents;

        /* A watch that waits for input (and writes meanwhile) is stamped
         * by its input, not by the socket being writable. */
        if ((l->pfd[i].events & POLLIN) && !(rv & (POLLIN | POLLERR | POLLHUP)))
            continue;
        if (rv != 0 && l->pfd[i].events != 0 && w->ready_at == 0)
            w->ready_at = now;
    }
}

int
pp_loop_run_once(struct pp_loop *l, int max_wait)
{
    size_t i, n, nready = 0;
    int timeout = max_wait, rc;
    struct pp_timer *t;
    double polled, mark;
    struct ready *rd;

    l->turn++;
    for (i = 0; i < l->nprep; i++)
        l->prep[i].cb(l->prep[i].arg);
    if (l->stop)
        return 0;   /* a prepare hook ended the loop: do not wait */
    if ((t = pp_heap_top(&l->timers)) != NULL) {
        int64_t d = t->when - pp_now_ms();
        if (d < 0)
            d = 0;
        if (timeout < 0 || d < timeout)
            timeout = d > 1 << 30 ? 1 << 30 : (int)d;
    }
    n = rebuild(l);
    rc = poll(l->pfd, (nfds_t)n, timeout);
    /* The time stamp of every event: when poll() returned, before any
     * callback runs (or earlier, when a re-poll saw it ready first). */
    polled = pp_now_msf();
    if (rc < 0) {
        if (errno != EINTR)
            return -1;
        rc = 0;
    }
    /* What is ready, copied: a re-poll below reuses the poll array. */
    if (rc > 0 && (size_t)rc > l->rdcap) {
        l->rdcap = (size_t)rc + 64;
        l->rd = pp_xrealloc(l->rd, l->rdcap, sizeof(*l->rd));
    }
    rd = l->rd;
    for (i = 0; i < n && nready < (size_t)rc; i++) {
        struct watch *w;

        if (l->pfd[i].revents == 0)
            continue;
        w = &l->w[l->pfd[i].fd];
        rd[nready].fd = l->pfd[i].fd;
        rd[nready].revents = l->pfd[i].revents;
        rd[nready].gen = l->pgen[i];
        rd[nready].at = w->ready_at != 0 && w->ready_at < polled ? w->ready_at : polled;
        nready++;
    }
    mark = polled;
    for (i = 0; i < nready; i++) {
        struct watch *w = &l->w[rd[i].fd];
        double after;

        /* The callback of an earlier fd may have closed or replaced this
         * one: only deliver to the watch that asked. */
        if (!w->active || w->gen != rd[i].gen)
            continue;
        w->ready_at = 0;
        l->event_at = rd[i].at;
        l->event_fd = rd[i].fd;
        w->cb(rd[i].fd, rd[i].revents, w->arg);
        l->event_at = 0;
        after = pp_now_msf();
        if (after - mark >= RESTAMP_MS && n <= RESTAMP_MAX_FDS) {
            restamp(l, n);
            mark = pp_now_msf();
        }
    }
    mark = pp_now_msf();
    l->turn++;      /* the timers' share is a turn of its own */
    run_timers(l);
    /* A long timer (the dashboard's rendering, a report): the same. */
    if (pp_now_msf() - mark >= RESTAMP_MS && n <= RESTAMP_MAX_FDS)
        restamp(l, n);
    return 0;
}

double
pp_loop_event_time(const struct pp_loop *l, int fd)
{
    return l->event_at != 0 && fd == l->event_fd ? l->event_at : pp_now_msf();
}

int
pp_loop_run(struct pp_loop *l)
{
    while (!l->stop) {
        /* Nothing left that could ever wake us: do not block forever. */
        if (l->nwatched == 0 && pp_heap_top(&l->timers) == NULL && l->nprep == 0)
            break;
        if (pp_loop_run_once(l, -1) < 0)
            return -1;
    }
    return 0;
}

void
pp_loop_stop(struct pp_loop *l)
{
    l->stop = true;
}

bool
pp_loop_stopped(const struct pp_loop *l)
{
    return l->stop;
}

uint64_t
pp_loop_turn(const struct pp_loop *l)
{
    return l->turn;
}
