/* test_pmerge.c — the cross-partition merge: entry-ID order across batches, and a full batch
 * bounding what is taken from the others (docs/architecture.md §6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/pmerge.h"

/* A batch: entry IDs as ms values (seq = 0), or ms*10+seq encoded as {ms, seq} pairs. */
struct batch {
    size_t n;
    uint64_t ms[8], seq[8];
};

struct taken {
    size_t n;
    unsigned part[32];
    uint64_t ms[32], seq[32];
};

static void id_of(const void *batch, size_t pos, uint64_t *ms, uint64_t *seq)
{
    const struct batch *b = batch;
    *ms = b->ms[pos];
    *seq = b->seq[pos];
}

static void take(void *ctx, const void *batch, unsigned part, size_t pos)
{
    struct taken *t = ctx;
    const struct batch *b = batch;
    t->part[t->n] = part;
    t->ms[t->n] = b->ms[pos];
    t->seq[t->n] = b->seq[pos];
    t->n++;
}

static size_t run(const struct batch *b, size_t n, size_t batch_max, struct taken *t)
{
    struct pmerge_cursor cur[8];
    for (size_t i = 0; i < n; i++)
        cur[i] = (struct pmerge_cursor){.batch = &b[i], .part = (unsigned)i, .count = b[i].n};
    memset(t, 0, sizeof(*t));
    return pmerge_run(cur, n, batch_max, id_of, take, t);
}

static void test_id_cmp(void **state)
{
    (void)state;
    assert_int_equal(pmerge_id_cmp(1, 0, 2, 0), -1);
    assert_int_equal(pmerge_id_cmp(2, 0, 1, 5), 1);
    assert_int_equal(pmerge_id_cmp(3, 1, 3, 2), -1);
    assert_int_equal(pmerge_id_cmp(3, 2, 3, 1), 1);
    assert_int_equal(pmerge_id_cmp(3, 2, 3, 2), 0);
    assert_int_equal(pmerge_id_cmp(UINT64_MAX, 0, 0, UINT64_MAX), 1);
}

/* No batch is full: everything is taken, in ID order across partitions. */
static void test_order_across_partitions(void **state)
{
    (void)state;
    struct batch b[3] = {
        {.n = 3, .ms = {10, 40, 70}},
        {.n = 2, .ms = {20, 50}},
        {.n = 3, .ms = {5, 30, 30}, .seq = {0, 0, 1}},
    };
    struct taken t;
    assert_int_equal(run(b, 3, 100, &t), 8);
    uint64_t want_ms[] = {5, 10, 20, 30, 30, 40, 50, 70};
    uint64_t want_seq[] = {0, 0, 0, 0, 1, 0, 0, 0};
    unsigned want_part[] = {2, 0, 1, 2, 2, 0, 1, 0};
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(t.ms[i], want_ms[i]);
        assert_int_equal(t.seq[i], want_seq[i]);
        assert_int_equal(t.part[i], want_part[i]);
    }
}

/* A stream that returned a full batch may have more after its last entry: nothing later than
 * that entry is taken from the others in this round. */
static void test_full_batch_bounds_the_others(void **state)
{
    (void)state;
    struct batch b[2] = {
        {.n = 3, .ms = {10, 20, 30}},     /* full (batch_max 3): cutoff 30 */
        {.n = 4, .ms = {15, 30, 31, 90}}, /* 31 and 90 must wait */
    };
    struct taken t;
    assert_int_equal(run(b, 2, 3, &t), 5);
    uint64_t want_ms[] = {10, 15, 20, 30, 30};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(t.ms[i], want_ms[i]);
}

/* With several full batches the earliest last ID is the cutoff, and the full batch whose last
 * entry is later is cut too. */
static void test_earliest_full_batch_is_the_cutoff(void **state)
{
    (void)state;
    struct batch b[3] = {
        {.n = 2, .ms = {1, 50}}, /* full: last 50 */
        {.n = 2, .ms = {2, 20}}, /* full: last 20, the cutoff */
        {.n = 1, .ms = {25}},    /* not full, but after the cutoff */
    };
    struct taken t;
    assert_int_equal(run(b, 3, 2, &t), 3);
    assert_int_equal(t.ms[0], 1);
    assert_int_equal(t.ms[1], 2);
    assert_int_equal(t.ms[2], 20);
    assert_int_equal(t.part[2], 1);
}

/* An entry without an ID (0-0) comes first; an empty set of batches takes nothing. */
static void test_edges(void **state)
{
    (void)state;
    struct batch b[2] = {
        {.n = 2, .ms = {7, 8}},
        {.n = 1, .ms = {0}},
    };
    struct taken t;
    assert_int_equal(run(b, 2, 10, &t), 3);
    assert_int_equal(t.part[0], 1);
    assert_int_equal(t.ms[0], 0);
    assert_int_equal(run(b, 0, 10, &t), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_cmp),
        cmocka_unit_test(test_order_across_partitions),
        cmocka_unit_test(test_full_batch_bounds_the_others),
        cmocka_unit_test(test_earliest_full_batch_is_the_cutoff),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
