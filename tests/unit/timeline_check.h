/* timeline_check.h — shared by test_timeline.c and test_timeline_cells.c: values whose sums are
 * exact, the timeline's slots listed, and every slot checked against the brute-force model of
 * the documented membership rule (tests/unit/refmodel.h). Include after cmocka.h. */
#ifndef WR_TEST_TIMELINE_CHECK_H
#define WR_TEST_TIMELINE_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/timeline.h"
#include "tests/unit/refmodel.h"

static const int64_t T0 = 1700000000000LL; /* an epoch-aligned second: 2023-11-14 22:13:20 */

/* ---------------------------------------------------------------------------------------------
 * Helpers: a PRNG, slot listing, and the brute-force model of the documented membership rule. */

/* Values that are multiples of 1/64: every sum of them is exact, in any order. */
static inline double rng_value(uint64_t *s)
{
    int64_t r = rng_below(s, 100);
    if (r < 5)
        return 0.0;
    if (r < 15)
        return -(double)rng_below(s, 64 * 100) / 64.0;
    double u = ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
    double v = 50.0 * exp(0.5 * sqrt(-2.0 * log(u)) * cos(6.283185307179586 * u * 7.0));
    return round(v * 64.0) / 64.0;
}

struct placed {
    int64_t start_s;
    size_t idx; /* arrival order */
    uint32_t len_s;
};

static inline int cmp_placed(const void *a, const void *b)
{
    const struct placed *x = a, *y = b;
    if (x->start_s != y->start_s)
        return (x->start_s > y->start_s) - (x->start_s < y->start_s);
    return (x->idx > y->idx) - (x->idx < y->idx);
}

static inline void assert_summary_equal(const struct summary *got, const struct summary *want)
{
    assert_int_equal(got->count, want->count);
    if (want->count == 0)
        return;
    assert_true(got->sum == want->sum);
    assert_true(got->min == want->min);
    assert_true(got->max == want->max);
    assert_true(got->first == want->first);
    assert_true(got->last == want->last);
    assert_int_equal(got->first_ts_ms, want->first_ts_ms);
    assert_int_equal(got->last_ts_ms, want->last_ts_ms);
    assert_close(summary_mean(got), summary_mean(want), 1e-9);
    assert_close(summary_variance(got), summary_variance(want), 1e-9);
}

/* Checks every non-empty slot of t against the model: the same slots in the same order, each
 * with the summary of its events added in arrival order. */
static inline void check_against_model(const struct timeline *t, const struct model *m)
{
    struct placed *p = malloc((m->n + 1) * sizeof(*p));
    size_t np = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (model_slot(m, m->ev[i].ts_ms, &p[np].start_s, &p[np].len_s)) {
            p[np].idx = i;
            np++;
        }
    }
    qsort(p, np, sizeof(*p), cmp_placed);

    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    size_t k = 0;
    timeline_iter_init(&it, t, INT64_MIN / 2, INT64_MAX / 2);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        assert_true(k < np);
        assert_int_equal(start_s, p[k].start_s);
        assert_int_equal(len_s, p[k].len_s);
        struct summary got, want;
        struct hist h;
        summary_init(&want);
        hist_init(&h);
        for (; k < np && p[k].start_s == start_s; k++) {
            summary_add(&want, m->ev[p[k].idx].v, m->ev[p[k].idx].ts_ms);
            hist_add(&h, m->ev[p[k].idx].v);
        }
        timeline_slot_summary(slot, start_s, &got);
        assert_summary_equal(&got, &want);
        /* the same bins as the slot's values give, compact slots' views included */
        assert_int_equal(hist_count(&slot->hist), want.count);
        assert_int_equal(slot->hist.zero_count, h.zero_count);
        for (int q = 0; q <= 4; q++)
            assert_true(hist_quantile(&slot->hist, q / 4.0) == hist_quantile(&h, q / 4.0));
        hist_clear(&h);
    }
    assert_int_equal(k, np);
    free(p);
}

/* Collects the non-empty slots of [lo_s, hi_s]: returns their number. */
static inline size_t list_slots(const struct timeline *t, int64_t lo_s, int64_t hi_s,
                                int64_t *starts, uint32_t *lens, struct summary *sums, size_t cap)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    size_t n = 0;
    timeline_iter_init(&it, t, lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        if (n < cap) {
            starts[n] = start_s;
            lens[n] = len_s;
            if (sums)
                timeline_slot_summary(slot, start_s, &sums[n]);
        }
        n++;
    }
    return n;
}

/* The most slots a timeline can hold at once: its fine seconds and every coarse start within
 * retention. */
static inline size_t max_slots(const struct timeline *t)
{
    uint32_t f = t->cfg.fine_slots, c = t->cfg.coarse_s;
    return f + (t->cfg.retention_s - f + c - 1) / c + 1;
}

#endif
