/* SPDX-License-Identifier: ISC */
/*
 * A binary min-heap of timers.  Timers are embedded in their owners; the
 * heap stores pointers and keeps each timer's index, so cancelling is
 * O(log n) and arming allocates nothing but the occasional array growth.
 */
#ifndef PP_HEAP_H
#define PP_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define PP_TIMER_IDLE ((size_t)-1)

struct pp_timer {
    int64_t when;   /* absolute, pp_now_ms() clock */
    uint64_t seq;   /* ties break in arming order */
    size_t idx;     /* position in the heap, PP_TIMER_IDLE if not armed */
    void (*cb)(void *arg);
    void *arg;
};

struct pp_heap {
    struct pp_timer **v;
    size_t n;
    size_t cap;
    uint64_t seq;
};

void pp_timer_init(struct pp_timer *, void (*cb)(void *), void *arg);
void pp_heap_init(struct pp_heap *);
void pp_heap_free(struct pp_heap *);
/* Arm (or re-arm) t to fire at when. */
void pp_heap_push(struct pp_heap *, struct pp_timer *t, int64_t when);
/* Disarm t if armed. */
void pp_heap_remove(struct pp_heap *, struct pp_timer *t);
/* Earliest timer, or NULL. */
struct pp_timer *pp_heap_top(const struct pp_heap *);
/* Remove and return the earliest timer, or NULL. */
struct pp_timer *pp_heap_pop(struct pp_heap *);

#endif
