/* SPDX-License-Identifier: ISC */
/*
 * The event loop: one thread, one poll() over every descriptor (probe
 * sockets, c-ares, later pcap and the terminal), and a heap of timers.
 * Callers never see the backend: a scalable one (epoll, kqueue) can slot in
 * behind pp_loop_watch() without touching them.
 */
#ifndef PP_LOOP_H
#define PP_LOOP_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/heap.h"

struct pp_loop;

typedef void (*pp_io_cb)(int fd, short revents, void *arg);

struct pp_loop *pp_loop_new(void);
void pp_loop_free(struct pp_loop *);

/* Watch fd for events (POLLIN, POLLOUT); replaces an earlier watch.
 * Returns -1 with errno set when fd is out of range. */
int pp_loop_watch(struct pp_loop *, int fd, short events, pp_io_cb, void *arg);
/* Change only the events of a watched fd. */
void pp_loop_events(struct pp_loop *, int fd, short events);
void pp_loop_unwatch(struct pp_loop *, int fd);
size_t pp_loop_nwatched(const struct pp_loop *);

void pp_loop_timer(struct pp_loop *, struct pp_timer *, int64_t when);
void pp_loop_cancel(struct pp_loop *, struct pp_timer *);

/* cb runs before every wait, e.g. to re-arm c-ares' timer. */
void pp_loop_prepare(struct pp_loop *, void (*cb)(void *), void *arg);
void pp_loop_unprepare(struct pp_loop *, void (*cb)(void *), void *arg);

/* Wait at most max_wait ms (-1: until the next timer), dispatch what is
 * ready and what is due.  Returns -1 on a poll() failure. */
int pp_loop_run_once(struct pp_loop *, int max_wait);
/* Inside the I/O callback of fd: when its event was seen (poll() returned, or a
 * re-poll between long callbacks saw the descriptor ready), not when the
 * callback got its turn; elsewhere (another descriptor's callback, a
 * timer): now.  Milliseconds, pp_now_msf()'s
 * clock.  Phase times are taken from this so they measure the network,
 * not the loop's queue. */
double pp_loop_event_time(const struct pp_loop *, int fd);
/* Run until pp_loop_stop(). */
int pp_loop_run(struct pp_loop *);
void pp_loop_stop(struct pp_loop *);
bool pp_loop_stopped(const struct pp_loop *);
/* Which turn the loop is in (the descriptors' callbacks of one
 * pp_loop_run_once are a turn, its timers the next): a callback that must
 * share the loop counts its work per turn. */
uint64_t pp_loop_turn(const struct pp_loop *);

#endif
