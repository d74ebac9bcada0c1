/* window_check.h — shared by test_window.c and test_window_random.c: values whose sums are
 * exact, the brute-force model's window, reference quantiles (nearest rank), and comparisons of
 * a window's statistics and histograms against them. Include after cmocka.h. */
#ifndef WR_TEST_WINDOW_CHECK_H
#define WR_TEST_WINDOW_CHECK_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist_codec.h"
#include "core/window.h"
#include "tests/unit/refmodel.h"

static const int64_t T0 = 1700000400000LL; /* epoch-aligned to 10 s, 1 min and 5 min */

/* ---------------------------------------------------------------------------------------------
 * Helpers: PRNG, brute-force model of timeline.h's membership rule, comparisons. */

/* Multiples of 1/64 (sums are exact in any order): lognormal-ish, some zeros and negatives. */
static inline double rng_value(uint64_t *s)
{
    int64_t r = rng_below(s, 100);
    if (r < 5)
        return 0.0;
    if (r < 12)
        return -(double)(1 + rng_below(s, 64 * 200)) / 64.0;
    double u1 = ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(rng_next(s) >> 11) * 0x1.0p-53;
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    return round(exp(log(50.0) + 0.5 * z) * 64.0) / 64.0;
}

/* The expected window: events whose slot starts in [lo_s, hi_s], summary in arrival order.
 * vals receives their values (n = want->count). */
static inline void model_window(const struct model *m, int64_t lo_s, int64_t hi_s,
                                struct summary *want, double *vals)
{
    summary_init(want);
    for (size_t i = 0; i < m->n; i++) {
        int64_t st;
        uint32_t len;
        if (model_slot(m, m->ev[i].ts_ms, &st, &len) && st >= lo_s && st <= hi_s) {
            vals[want->count] = m->ev[i].v;
            summary_add(want, m->ev[i].v, m->ev[i].ts_ms);
        }
    }
}

static inline int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static inline void assert_quantile(double got, double exact)
{
    if (!(fabs(got - exact) <= 0.01 * fabs(exact) + 1e-12))
        fail_msg("quantile %.17g, exact %.17g", got, exact);
}

/* The reference nearest rank (1-based) of q = permille / 1000 among n values, by integer
 * arithmetic: ceil(permille * n / 1000), at least 1. */
static inline size_t ref_rank(unsigned permille, size_t n)
{
    size_t r = (permille * n + 999) / 1000;
    return r < 1 ? 1 : r;
}

/* The value at the nearest rank of q = permille / 1000 among the sorted values. */
static inline double ref_quantile(const double *sorted, size_t n, unsigned permille)
{
    return sorted[ref_rank(permille, n) - 1];
}

/* Compares a window with the brute force over vals (sorted in place). quantiles: also check
 * p50..p999 against the exact order statistics, else expect NAN. */
static inline void assert_window(const struct window_stats *got, const struct summary *want,
                                 double *vals, double length_s, int quantiles)
{
    assert_int_equal(got->sum.count, want->count);
    assert_close(got->rate, (double)want->count / length_s, 1e-12);
    if (want->count == 0) {
        assert_true(isnan(got->p50) && isnan(got->p99) && isnan(got->p999));
        return;
    }
    assert_true(got->sum.sum == want->sum);
    assert_true(got->sum.min == want->min);
    assert_true(got->sum.max == want->max);
    assert_true(got->sum.first == want->first);
    assert_true(got->sum.last == want->last);
    assert_int_equal(got->sum.first_ts_ms, want->first_ts_ms);
    assert_int_equal(got->sum.last_ts_ms, want->last_ts_ms);
    assert_close(summary_mean(&got->sum), summary_mean(want), 1e-9);
    assert_close(summary_variance(&got->sum), summary_variance(want), 1e-9);
    if (!quantiles) {
        assert_true(isnan(got->p50) && isnan(got->p90) && isnan(got->p95));
        assert_true(isnan(got->p99) && isnan(got->p999));
        return;
    }
    size_t n = want->count;
    qsort(vals, n, sizeof(*vals), cmp_double);
    const unsigned qs[5] = {500, 900, 950, 990, 999};
    const double ps[5] = {got->p50, got->p90, got->p95, got->p99, got->p999};
    for (int j = 0; j < 5; j++) {
        assert_quantile(ps[j], ref_quantile(vals, n, qs[j]));
        /* never outside what was seen, exact at the ends */
        assert_true(ps[j] >= want->min && ps[j] <= want->max);
        if (ref_rank(qs[j], n) == n)
            assert_true(ps[j] == want->max);
    }
}

/* The window's slots merged with hist_merge: the reference for out_hist. */
static inline void merge_slots(const struct timeline *t, int64_t lo_s, int64_t hi_s, struct hist *h)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    timeline_iter_init(&it, t, lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL)
        hist_merge(h, &slot->hist);
}

static inline void assert_hist_equal(const struct hist *a, const struct hist *b)
{
    assert_int_equal(hist_count(a), hist_count(b));
    size_t na = hist_codec_encode(a, NULL, 0), nb = hist_codec_encode(b, NULL, 0);
    assert_int_equal(na, nb);
    uint8_t *ba = malloc(na), *bb = malloc(nb);
    hist_codec_encode(a, ba, na);
    hist_codec_encode(b, bb, nb);
    assert_memory_equal(ba, bb, na);
    free(ba);
    free(bb);
}

#endif
