/* SPDX-License-Identifier: ISC */
/* The timer min-heap (src/core/heap.h): ordering, ties, removal, re-arming and
 * the heap invariant under many random operations. */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/heap.h"

/* A small deterministic generator, so failures replay. */
static uint64_t rng_state;

static void
rng_seed(uint64_t s)
{
    rng_state = s ? s : 0x9e3779b97f4a7c15ULL;
}

static uint32_t
rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void
noop(void *arg)
{
    (void)arg;
}

/* Every parent is not after its children, and every idx is right. */
static void
check_invariant(const struct pp_heap *h)
{
    size_t i;

    for (i = 0; i < h->n; i++) {
        const struct pp_timer *t = h->v[i];
        assert_int_equal(t->idx, i);
        if (i > 0) {
            const struct pp_timer *p = h->v[(i - 1) / 2];
            assert_true(p->when < t->when ||
                        (p->when == t->when && p->seq < t->seq));
        }
    }
}

static void
test_empty(void **state)
{
    struct pp_heap h;
    struct pp_timer t;

    (void)state;
    pp_heap_init(&h);
    assert_null(pp_heap_top(&h));
    assert_null(pp_heap_pop(&h));
    /* Removing a timer that was never armed is harmless. */
    pp_timer_init(&t, noop, NULL);
    assert_int_equal(t.idx, PP_TIMER_IDLE);
    pp_heap_remove(&h, &t);
    assert_int_equal(t.idx, PP_TIMER_IDLE);
    assert_int_equal(h.n, 0);
    pp_heap_free(&h);
    /* Free leaves a usable, empty heap. */
    assert_null(pp_heap_pop(&h));
    pp_heap_free(&h);
}

static void
test_init_fields(void **state)
{
    struct pp_timer t;
    int x;

    (void)state;
    memset(&t, 0xa5, sizeof(t));
    pp_timer_init(&t, noop, &x);
    assert_int_equal(t.idx, PP_TIMER_IDLE);
    assert_ptr_equal(t.arg, &x);
    assert_true(t.cb == noop);
}

#define NRAND 1000

static void
test_random_order(void **state)
{
    struct pp_heap h;
    struct pp_timer *t = calloc(NRAND, sizeof(*t));
    struct pp_timer *p;
    int64_t last = INT64_MIN;
    size_t i, popped = 0;

    (void)state;
    assert_non_null(t);
    rng_seed(42);
    pp_heap_init(&h);
    for (i = 0; i < NRAND; i++) {
        pp_timer_init(&t[i], noop, NULL);
        /* Negative and large values, and many collisions. */
        pp_heap_push(&h, &t[i], (int64_t)(rng() % 5000) - 2500);
        assert_int_not_equal(t[i].idx, PP_TIMER_IDLE);
    }
    assert_int_equal(h.n, NRAND);
    check_invariant(&h);
    while ((p = pp_heap_pop(&h)) != NULL) {
        assert_true(p->when >= last);
        assert_int_equal(p->idx, PP_TIMER_IDLE);
        last = p->when;
        popped++;
    }
    assert_int_equal(popped, NRAND);
    for (i = 0; i < NRAND; i++)
        assert_int_equal(t[i].idx, PP_TIMER_IDLE);
    pp_heap_free(&h);
    free(t);
}

static void
test_ties_in_arming_order(void **state)
{
    struct pp_heap h;
    struct pp_timer t[50];
    struct pp_timer *order[50];
    size_t i, k, n = 0;

    (void)state;
    pp_heap_init(&h);
    for (i = 0; i < 50; i++)
        pp_timer_init(&t[i], noop, NULL);
    /* Arm all at the same time in an order unrelated to the index. */
    for (i = 0; i < 50; i++) {
        order[n++] = &t[(i * 7) % 50];
        pp_heap_push(&h, &t[(i * 7) % 50], 100);
    }
    /* Re-arming t[49] makes it the last of the ties. */
    pp_heap_push(&h, &t[49], 100);
    for (k = 0; k < n && order[k] != &t[49]; k++)
        ;
    assert_true(k < n);
    memmove(&order[k], &order[k + 1], (n - k - 1) * sizeof(order[0]));
    order[n - 1] = &t[49];
    assert_int_equal(h.n, 50);
    check_invariant(&h);
    for (i = 0; i < n; i++)
        assert_ptr_equal(pp_heap_pop(&h), order[i]);
    assert_null(pp_heap_pop(&h));
    pp_heap_free(&h);
}

static void
test_ties_simple(void **state)
{
    struct pp_heap h;
    struct pp_timer a, b, c, d;

    (void)state;
    pp_heap_init(&h);
    pp_timer_init(&a, noop, NULL);
    pp_timer_init(&b, noop, NULL);
    pp_timer_init(&c, noop, NULL);
    pp_timer_init(&d, noop, NULL);
    pp_heap_push(&h, &c, 10);
    pp_heap_push(&h, &a, 10);
    pp_heap_push(&h, &d, 5);
    pp_heap_push(&h, &b, 10);
    assert_ptr_equal(pp_heap_pop(&h), &d);
    assert_ptr_equal(pp_heap_pop(&h), &c);
    assert_ptr_equal(pp_heap_pop(&h), &a);
    assert_ptr_equal(pp_heap_pop(&h), &b);
    assert_null(pp_heap_pop(&h));
    pp_heap_free(&h);
}

static void
fill(struct pp_heap *h, struct pp_timer *t, size_t n)
{
    size_t i;

    pp_heap_init(h);
    for (i = 0; i < n; i++)
        pp_timer_init(&t[i], noop, NULL);
    /* Distinct times in a scrambled order (n is not a multiple of 11):
     * t[i] fires at i. */
    for (i = 0; i < n; i++)
        pp_heap_push(h, &t[(i * 11) % n], (int64_t)((i * 11) % n));
    assert_int_equal(h->n, n);
    check_invariant(h);
}

/* Pop everything; expect 0..n-1 without skip. */
static void
drain_expect(struct pp_heap *h, struct pp_timer *t, size_t n, size_t skip)
{
    size_t i;

    for (i = 0; i < n; i++) {
        struct pp_timer *p;
        if (i == skip)
            continue;
        p = pp_heap_pop(h);
        assert_ptr_equal(p, &t[i]);
        assert_int_equal(p->idx, PP_TIMER_IDLE);
    }
    assert_null(pp_heap_pop(h));
}

static void
test_remove_middle(void **state)
{
    struct pp_heap h;
    struct pp_timer t[32];
    size_t i, victim = (size_t)-1;

    (void)state;
    fill(&h, t, 32);
    /* A timer neither at the top nor at the end of the array. */
    for (i = 0; i < 32; i++)
        if (t[i].idx > 3 && t[i].idx < h.n - 3) {
            victim = i;
            break;
        }
    assert_int_not_equal(victim, (size_t)-1);
    pp_heap_remove(&h, &t[victim]);
    assert_int_equal(t[victim].idx, PP_TIMER_IDLE);
    assert_int_equal(h.n, 31);
    check_invariant(&h);
    /* Removing it again changes nothing. */
    pp_heap_remove(&h, &t[victim]);
    assert_int_equal(h.n, 31);
    drain_expect(&h, t, 32, victim);
    pp_heap_free(&h);
}

static void
test_remove_top(void **state)
{
    struct pp_heap h;
    struct pp_timer t[32];

    (void)state;
    fill(&h, t, 32);
    assert_ptr_equal(pp_heap_top(&h), &t[0]);
    pp_heap_remove(&h, &t[0]);
    assert_int_equal(t[0].idx, PP_TIMER_IDLE);
    check_invariant(&h);
    assert_ptr_equal(pp_heap_top(&h), &t[1]);
    drain_expect(&h, t, 32, 0);
    pp_heap_free(&h);
}

static void
test_remove_last(void **state)
{
    struct pp_heap h;
    struct pp_timer t[32];
    struct pp_timer *last;
    size_t victim;

    (void)state;
    fill(&h, t, 32);
    last = h.v[h.n - 1];
    victim = (size_t)(last - t);
    pp_heap_remove(&h, last);
    assert_int_equal(last->idx, PP_TIMER_IDLE);
    assert_int_equal(h.n, 31);
    check_invariant(&h);
    drain_expect(&h, t, 32, victim);
    pp_heap_free(&h);
}

static void
test_remove_only(void **state)
{
    struct pp_heap h;
    struct pp_timer t;

    (void)state;
    pp_heap_init(&h);
    pp_timer_init(&t, noop, NULL);
    pp_heap_push(&h, &t, 7);
    assert_int_equal(t.idx, 0);
    pp_heap_remove(&h, &t);
    assert_int_equal(t.idx, PP_TIMER_IDLE);
    assert_null(pp_heap_top(&h));
    pp_heap_free(&h);
}

/* A timer armed in one heap is not removed from another. */
static void
test_remove_foreign(void **state)
{
    struct pp_heap a, b;
    struct pp_timer x, y;

    (void)state;
    pp_heap_init(&a);
    pp_heap_init(&b);
    pp_timer_init(&x, noop, NULL);
    pp_timer_init(&y, noop, NULL);
    pp_heap_push(&a, &x, 1);
    pp_heap_push(&b, &y, 1);
    pp_heap_remove(&b, &x);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_int_equal(x.idx, 0);
    assert_ptr_equal(pp_heap_top(&b), &y);
    pp_heap_free(&a);
    pp_heap_free(&b);
    assert_int_equal(x.idx, PP_TIMER_IDLE);
    assert_int_equal(y.idx, PP_TIMER_IDLE);
}

static void
test_rearm(void **state)
{
    struct pp_heap h;
    struct pp_timer a, b, c;

    (void)state;
    pp_heap_init(&h);
    pp_timer_init(&a, noop, NULL);
    pp_timer_init(&b, noop, NULL);
    pp_timer_init(&c, noop, NULL);
    pp_heap_push(&h, &a, 10);
    pp_heap_push(&h, &b, 20);
    pp_heap_push(&h, &c, 30);
    /* Later: a moves behind c, and is in the heap once. */
    pp_heap_push(&h, &a, 40);
    assert_int_equal(h.n, 3);
    check_invariant(&h);
    assert_int_equal(a.when, 40);
    /* Earlier: c moves in front. */
    pp_heap_push(&h, &c, 5);
    assert_int_equal(h.n, 3);
    check_invariant(&h);
    /* Same time as b: re-arming puts it after b (arming order). */
    pp_heap_push(&h, &a, 20);
    assert_int_equal(h.n, 3);
    assert_ptr_equal(pp_heap_pop(&h), &c);
    assert_ptr_equal(pp_heap_pop(&h), &b);
    assert_ptr_equal(pp_heap_pop(&h), &a);
    assert_null(pp_heap_pop(&h));
    /* A popped timer can be armed again. */
    pp_heap_push(&h, &b, 1);
    assert_int_equal(b.idx, 0);
    assert_ptr_equal(pp_heap_pop(&h), &b);
    pp_heap_free(&h);
}

/* Re-arming a tie to the same time moves it behind the others. */
static void
test_rearm_same_time(void **state)
{
    struct pp_heap h;
    struct pp_timer a, b;

    (void)state;
    pp_heap_init(&h);
    pp_timer_init(&a, noop, NULL);
    pp_timer_init(&b, noop, NULL);
    pp_heap_push(&h, &a, 10);
    pp_heap_push(&h, &b, 10);
    pp_heap_push(&h, &a, 10);
    assert_int_equal(h.n, 2);
    assert_ptr_equal(pp_heap_pop(&h), &b);
    assert_ptr_equal(pp_heap_pop(&h), &a);
    pp_heap_free(&h);
}

#define NSTRESS 512
#define NOPS 10000

static void
test_stress(void **state)
{
    struct pp_heap h;
    struct pp_timer *t = calloc(NSTRESS, sizeof(*t));
    size_t i, armed = 0, popped = 0;
    int64_t last = INT64_MIN;
    uint64_t last_seq = 0;
    struct pp_timer *p;

    (void)state;
    assert_non_null(t);
    rng_seed(20240601);
    pp_heap_init(&h);
    for (i = 0; i < NSTRESS; i++)
        pp_timer_init(&t[i], noop, NULL);
    for (i = 0; i < NOPS; i++) {
        struct pp_timer *x = &t[rng() % NSTRESS];
        uint32_t op = rng() % 10;

        if (op < 6) {
            if (x->idx == PP_TIMER_IDLE)
                armed++;
            pp_heap_push(&h, x, (int64_t)(rng() % 1000));
        } else if (op < 9) {
            if (x->idx != PP_TIMER_IDLE)
                armed--;
            pp_heap_remove(&h, x);
            assert_int_equal(x->idx, PP_TIMER_IDLE);
        } else if ((p = pp_heap_pop(&h)) != NULL) {
            assert_int_equal(p->idx, PP_TIMER_IDLE);
            armed--;
        }
        assert_int_equal(h.n, armed);
        if (i % 97 == 0)
            check_invariant(&h);
    }
    check_invariant(&h);
    while ((p = pp_heap_pop(&h)) != NULL) {
        assert_true(p->when > last || (p->when == last && p->seq > last_seq) ||
                    popped == 0);
        last = p->when;
        last_seq = p->seq;
        popped++;
    }
    assert_int_equal(popped, armed);
    for (i = 0; i < NSTRESS; i++)
        assert_int_equal(t[i].idx, PP_TIMER_IDLE);
    pp_heap_free(&h);
    free(t);
}

/* The array grows past its first allocation and keeps working. */
static void
test_growth(void **state)
{
    struct pp_heap h;
    struct pp_timer *t = calloc(5000, sizeof(*t));
    size_t i;

    (void)state;
    assert_non_null(t);
    pp_heap_init(&h);
    for (i = 0; i < 5000; i++) {
        pp_timer_init(&t[i], noop, NULL);
        pp_heap_push(&h, &t[i], (int64_t)(5000 - i));
    }
    check_invariant(&h);
    for (i = 0; i < 5000; i++)
        assert_ptr_equal(pp_heap_pop(&h), &t[4999 - i]);
    pp_heap_free(&h);
    free(t);
}

/* pp_heap_free disarms what is still armed. */
static void
test_free_disarms(void **state)
{
    struct pp_heap h;
    struct pp_timer t[5];
    size_t i;

    (void)state;
    pp_heap_init(&h);
    for (i = 0; i < 5; i++) {
        pp_timer_init(&t[i], noop, NULL);
        pp_heap_push(&h, &t[i], (int64_t)i);
    }
    pp_heap_free(&h);
    for (i = 0; i < 5; i++)
        assert_int_equal(t[i].idx, PP_TIMER_IDLE);
    assert_int_equal(h.n, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_init_fields),
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_ties_simple),
        cmocka_unit_test(test_ties_in_arming_order),
        cmocka_unit_test(test_remove_middle),
        cmocka_unit_test(test_remove_top),
        cmocka_unit_test(test_remove_last),
        cmocka_unit_test(test_remove_only),
        cmocka_unit_test(test_remove_foreign),
        cmocka_unit_test(test_rearm),
        cmocka_unit_test(test_rearm_same_time),
        cmocka_unit_test(test_stress),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_free_disarms),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
