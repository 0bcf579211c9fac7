/* SPDX-License-Identifier: ISC */
/* Binary min-heap of embedded timers; see heap.h. */
#include "config.h"

#include <stdlib.h>

#include "core/heap.h"
#include "core/util.h"

static int
before(const struct pp_timer *a, const struct pp_timer *b)
{
    if (a->when != b->when)
        return a->when < b->when;
    return a->seq < b->seq;
}

static void
place(struct pp_heap *h, size_t i, struct pp_timer *t)
{
    h->v[i] = t;
    t->idx = i;
}

static void
sift_up(struct pp_heap *h, size_t i)
{
    struct pp_timer *t = h->v[i];

    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(t, h->v[parent]))
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, t);
}

static void
sift_down(struct pp_heap *h, size_t i)
{
    struct pp_timer *t = h->v[i];

    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const struct pp_timer *best = t;

        if (l < h->n && before(h->v[l], best)) {
            m = l;
            best = h->v[l];
        }
        if (r < h->n && before(h->v[r], best))
            m = r;
        if (m == i)
            break;
        place(h, i, h->v[m]);
        i = m;
    }
    place(h, i, t);
}

void
pp_timer_init(struct pp_timer *t, void (*cb)(void *), void *arg)
{
    t->when = 0;
    t->seq = 0;
    t->idx = PP_TIMER_IDLE;
    t->cb = cb;
    t->arg = arg;
}

void
pp_heap_init(struct pp_heap *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
    h->seq = 0;
}

void
pp_heap_free(struct pp_heap *h)
{
    size_t i;

    for (i = 0; i < h->n; i++)
        h->v[i]->idx = PP_TIMER_IDLE;
    free(h->v);
    pp_heap_init(h);
}

void
pp_heap_remove(struct pp_heap *h, struct pp_timer *t)
{
    size_t i = t->idx;
    struct pp_timer *last;

    if (i == PP_TIMER_IDLE || i >= h->n || h->v[i] != t)
        return;
    t->idx = PP_TIMER_IDLE;
    last = h->v[--h->n];
    if (i == h->n)
        return;
    place(h, i, last);
    if (i > 0 && before(last, h->v[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

void
pp_heap_push(struct pp_heap *h, struct pp_timer *t, int64_t when)
{
    pp_heap_remove(h, t);
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 64;
        h->v = pp_xrealloc(h->v, h->cap, sizeof(*h->v));
    }
    t->when = when;
    t->seq = h->seq++;
    place(h, h->n++, t);
    sift_up(h, t->idx);
}

struct pp_timer *
pp_heap_top(const struct pp_heap *h)
{
    return h->n ? h->v[0] : NULL;
}

struct pp_timer *
pp_heap_pop(struct pp_heap *h)
{
    struct pp_timer *t = pp_heap_top(h);

    if (t != NULL)
        pp_heap_remove(h, t);
    return t;
}
