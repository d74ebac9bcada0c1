/* test_window.c — sliding, tumbling, hopping and session windows: known answers on small data,
 * and brute-force recomputation over random events with the documented slot membership. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
static double rng_value(uint64_t *s)
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
static void model_window(const struct model *m, int64_t lo_s, int64_t hi_s, struct summary *want,
                         double *vals)
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

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void assert_quantile(double got, double exact)
{
    if (!(fabs(got - exact) <= 0.01 * fabs(exact) + 1e-12))
        fail_msg("quantile %.17g, exact %.17g", got, exact);
}

/* The reference nearest rank (1-based) of q = permille / 1000 among n values, by integer
 * arithmetic: ceil(permille * n / 1000), at least 1. */
static size_t ref_rank(unsigned permille, size_t n)
{
    size_t r = (permille * n + 999) / 1000;
    return r < 1 ? 1 : r;
}

/* The value at the nearest rank of q = permille / 1000 among the sorted values. */
static double ref_quantile(const double *sorted, size_t n, unsigned permille)
{
    return sorted[ref_rank(permille, n) - 1];
}

/* Compares a window with the brute force over vals (sorted in place). quantiles: also check
 * p50..p999 against the exact order statistics, else expect NAN. */
static void assert_window(const struct window_stats *got, const struct summary *want, double *vals,
                          double length_s, int quantiles)
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
static void merge_slots(const struct timeline *t, int64_t lo_s, int64_t hi_s, struct hist *h)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    timeline_iter_init(&it, t, lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL)
        hist_merge(h, &slot->hist);
}

static void assert_hist_equal(const struct hist *a, const struct hist *b)
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

/* ---------------------------------------------------------------------------------------------
 * Known answers. */

static void test_empty_timeline(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    struct window_stats w, out[8];
    struct hist h;
    hist_init(&h);
    assert_int_equal(window_sliding(&t, T0 + 500, 60, 0, &w, &h), 0);
    assert_int_equal(w.start_ms, T0 - 59000);
    assert_int_equal(w.end_ms, T0 + 1000);
    assert_int_equal(w.sum.count, 0);
    assert_true(w.rate == 0.0);
    assert_true(isnan(w.p50) && isnan(w.p90) && isnan(w.p95) && isnan(w.p99) && isnan(w.p999));
    assert_int_equal(hist_count(&h), 0);
    /* windows exist even when empty */
    assert_int_equal(window_tumbling(&t, T0, T0 + 180000, 60, out, 8), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(out[i].sum.count, 0);
        assert_true(isnan(out[i].p99));
    }
    assert_int_equal(window_sessions(&t, T0 - 1000000, T0 + 1000000, 5, out, 8), 0);
    hist_clear(&h);
    timeline_free(&t);
}

static void test_sliding_known_answer(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    for (int i = 1; i <= 10; i++)
        timeline_add(&t, i, T0 + i * 10);
    timeline_add(&t, 100, T0 + 5000);
    timeline_add(&t, -5, T0 + 9999);
    struct window_stats w;
    assert_int_equal(window_sliding(&t, T0 + 9500, 10, 0, &w, NULL), 0);
    assert_int_equal(w.start_ms, T0);
    assert_int_equal(w.end_ms, T0 + 10000);
    assert_int_equal(w.sum.count, 12);
    assert_true(w.sum.sum == 150);
    assert_true(w.sum.min == -5 && w.sum.max == 100);
    assert_true(w.sum.first == 1 && w.sum.last == -5);
    assert_true(w.rate == 1.2);
    /* sorted: -5 1 2 ... 10 100; nearest ranks ceil(q * 12): 6 -> 5, 11 -> 10, then 12: the
     * maximum, exactly */
    assert_quantile(w.p50, 5);
    assert_quantile(w.p90, 10);
    assert_true(w.p95 == 100 && w.p99 == 100 && w.p999 == 100);
    /* the last 5 seconds: 100 and -5 */
    window_sliding(&t, T0 + 9000, 5, 0, &w, NULL);
    assert_int_equal(w.sum.count, 2);
    assert_true(w.sum.sum == 95);
    assert_true(w.rate == 0.4);
    assert_true(w.p50 == -5);  /* rank ceil(0.5 * 2) = 1: the minimum, exactly */
    assert_true(w.p999 == 100); /* rank 2: the maximum */
    /* now_ms in the next second: the first second drops out */
    window_sliding(&t, T0 + 10000, 10, 0, &w, NULL);
    assert_int_equal(w.sum.count, 2);
    /* an empty stretch */
    window_sliding(&t, T0 + 30000, 10, 0, &w, NULL);
    assert_int_equal(w.sum.count, 0);
    assert_true(isnan(w.p50));
    /* width 0 is refused */
    assert_int_equal(window_sliding(&t, T0 + 9000, 0, 0, &w, NULL), -1);
    assert_int_equal(w.sum.count, 0);
    timeline_free(&t);
}

/* Nearest-rank quantiles at small n, values 3 % apart (each in its own bin): p-values land on
 * the rank ceil(q * n), within 1 %, and exactly on the minimum or maximum at ranks 1 and n. */
static void test_quantiles_small_n_known_answers(void **state)
{
    (void)state;
    const size_t ns[] = {1, 2, 3, 4, 10, 11, 20, 99, 100, 101, 1000, 1001};
    const unsigned qs[5] = {500, 900, 950, 990, 999};
    double vals[1001];
    for (size_t k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
        size_t n = ns[k];
        struct timeline t;
        timeline_init(&t, NULL);
        for (size_t i = 0; i < n; i++)
            vals[i] = 10.0 * pow(1.03, (double)i);
        for (size_t i = 0; i < n; i++) /* in descending order: the order does not matter */
            timeline_add(&t, vals[n - 1 - i], T0 + (int64_t)(i % 1000));
        struct window_stats w;
        window_sliding(&t, T0, 1, 0, &w, NULL);
        assert_int_equal(w.sum.count, n);
        const double ps[5] = {w.p50, w.p90, w.p95, w.p99, w.p999};
        for (int j = 0; j < 5; j++) {
            size_t r = ref_rank(qs[j], n);
            if (r == n)
                assert_true(ps[j] == vals[n - 1]);
            else if (r == 1)
                assert_true(ps[j] == vals[0]);
            else
                assert_quantile(ps[j], vals[r - 1]);
        }
        timeline_free(&t);
    }

    /* the examples of the definition: p99 of {10, 20, 50} is 50; p50 of {10, 20} is 10 */
    struct timeline t;
    struct window_stats w;
    timeline_init(&t, NULL);
    timeline_add(&t, 20, T0);
    timeline_add(&t, 50, T0 + 1);
    timeline_add(&t, 10, T0 + 2);
    window_sliding(&t, T0, 1, 0, &w, NULL);
    assert_true(w.p99 == 50 && w.p999 == 50);
    assert_quantile(w.p50, 20);
    assert_quantile(w.p90, 50);
    timeline_free(&t);
    timeline_init(&t, NULL);
    timeline_add(&t, 20, T0);
    timeline_add(&t, 10, T0);
    window_sliding(&t, T0, 1, 0, &w, NULL);
    assert_true(w.p50 == 10 && w.p90 == 20);
    timeline_free(&t);

    /* a series that only ever saw one value shows exactly that value, whatever its bin */
    const double constants[] = {1.0, 2.0, 0.7, 12345.678, -3.3, 1e-5};
    for (size_t c = 0; c < sizeof(constants) / sizeof(constants[0]); c++) {
        timeline_init(&t, NULL);
        for (int i = 0; i < 25; i++)
            timeline_add(&t, constants[c], T0 + i);
        window_sliding(&t, T0, 1, 0, &w, NULL);
        assert_true(w.p50 == constants[c] && w.p90 == constants[c] && w.p95 == constants[c]);
        assert_true(w.p99 == constants[c] && w.p999 == constants[c]);
        timeline_free(&t);
    }
}

/* Rates over the part of a window that data can cover. */
static void test_covered_and_rate_from(void **state)
{
    (void)state;
    const int64_t s60 = T0 - 59000, e60 = T0 + 1000; /* a 1-minute sliding window at T0 */
    /* data from before the window: the whole window */
    assert_true(window_covered_s(s60, e60, INT64_MIN, T0 + 500) == 60.0);
    assert_true(window_covered_s(s60, e60, s60, T0 + 500) == 60.0);
    /* started 38 s into it: up to now, not to the end of the second still filling */
    assert_true(window_covered_s(s60, e60, T0 - 37500, T0 + 500) == 38.0);
    /* just started: at least one second, not a division by almost nothing */
    assert_true(window_covered_s(s60, e60, T0 + 400, T0 + 500) == 1.0);
    /* a window ending before the data could start */
    assert_true(window_covered_s(s60, e60, e60, T0 + 500) == 0.0);
    /* a closed bucket partly before data_from: to its end */
    assert_true(window_covered_s(T0, T0 + 10000, T0 + 4000, T0 + 60000) == 6.0);
    /* shorter than a second */
    assert_true(window_covered_s(T0, T0 + 500, T0 + 400, T0 + 60000) == 0.5);

    struct timeline t;
    timeline_init(&t, NULL);
    for (int i = 0; i < 76; i++) /* 2 events/s for the 38 s since start */
        timeline_add(&t, 1, T0 - 37500 + i * 500);
    struct window_stats w;
    window_sliding(&t, T0 + 500, 60, WINDOW_NO_QUANTILES, &w, NULL);
    assert_int_equal(w.sum.count, 76);
    assert_true(w.rate == 76.0 / 60.0); /* per window length: a third of the true rate */
    window_rate_from(&w, T0 - 37500, T0 + 500);
    assert_true(w.rate == 2.0);
    /* data_from before the window: unchanged */
    window_sliding(&t, T0 + 500, 10, WINDOW_NO_QUANTILES, &w, NULL);
    double r10 = w.rate;
    window_rate_from(&w, T0 - 37500, T0 + 500);
    assert_true(w.rate == r10);
    /* a bucket before anything could be seen: unknown, not 0 */
    struct window_stats b[2];
    assert_int_equal(window_tumbling(&t, T0 - 120000, T0 - 60000, 60, b, 2), 1);
    window_rate_from(&b[0], T0 - 37500, T0 + 500);
    assert_true(isnan(b[0].rate));
    timeline_free(&t);
}

static void test_no_quantiles_and_out_hist(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    uint64_t seed = 5;
    for (int i = 0; i < 20000; i++)
        timeline_add(&t, rng_value(&seed), T0 + i * 9);
    struct window_stats a, b;
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    int64_t now = T0 + 20000 * 9;
    window_sliding(&t, now, 60, WINDOW_NO_QUANTILES, &a, &h);
    assert_true(isnan(a.p50) && isnan(a.p99));
    assert_int_equal(hist_count(&h), 0);
    window_sliding(&t, now, 60, 0, &b, &h);
    assert_int_equal(a.sum.count, b.sum.count);
    assert_true(a.sum.sum == b.sum.sum);
    assert_true(a.rate == b.rate);
    /* out_hist is exactly the merge of the window's slots, and the quantiles are its own */
    merge_slots(&t, now / 1000 - 59, now / 1000, &ref);
    assert_hist_equal(&h, &ref);
    const double qs[5] = {0.5, 0.9, 0.95, 0.99, 0.999};
    const double ps[5] = {b.p50, b.p90, b.p95, b.p99, b.p999};
    for (int j = 0; j < 5; j++)
        assert_true(ps[j] == hist_quantile_clamp(hist_quantile(&ref, qs[j]), qs[j], b.sum.count,
                                                 b.sum.min, b.sum.max));
    /* out_hist's previous content is replaced, not added to */
    window_sliding(&t, now, 60, 0, &b, &h);
    assert_hist_equal(&h, &ref);
    hist_clear(&h);
    hist_clear(&ref);
    timeline_free(&t);
}

static void test_tumbling_and_hopping_known_answers(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    /* one event of value s at every second s = 0..99 after T0 */
    for (int s = 0; s < 100; s++)
        timeline_add(&t, s, T0 + s * 1000 + 500);
    struct window_stats w[16];
    /* [T0 + 5 s, T0 + 35 s) overlaps the 10-s windows starting at 0, 10, 20 and 30 */
    assert_int_equal(window_tumbling(&t, T0 + 5000, T0 + 35000, 10, w, 16), 4);
    for (int k = 0; k < 4; k++) {
        assert_int_equal(w[k].start_ms, T0 + k * 10000);
        assert_int_equal(w[k].end_ms, T0 + (k + 1) * 10000);
        assert_int_equal(w[k].sum.count, 10); /* whole windows, not clipped to the range */
        assert_true(w[k].sum.sum == 100 * k + 45);
        assert_true(w[k].sum.min == 10 * k);
        assert_true(w[k].rate == 1.0);
        assert_quantile(w[k].p50, 10 * k + 4);
    }
    /* to is exclusive; cap smaller than the count: returns the count, fills cap */
    assert_int_equal(window_tumbling(&t, T0, T0 + 30000, 10, w, 2), 3);
    assert_int_equal(window_tumbling(&t, T0, T0 + 30001, 10, w, 16), 4);
    assert_int_equal(window_tumbling(&t, T0, T0, 10, w, 16), 0);
    assert_int_equal(window_tumbling(&t, T0, T0 + 1000, 0, w, 16), 0);
    /* hopping, size 20 hop 10: windows starting at -10, 0, 10 overlap [T0, T0 + 20 s) */
    assert_int_equal(window_hopping(&t, T0, T0 + 20000, 20, 10, w, 16), 3);
    assert_int_equal(w[0].start_ms, T0 - 10000);
    assert_int_equal(w[0].sum.count, 10);
    assert_int_equal(w[1].start_ms, T0);
    assert_int_equal(w[1].end_ms, T0 + 20000);
    assert_int_equal(w[1].sum.count, 20);
    assert_true(w[1].rate == 1.0);
    assert_int_equal(w[2].start_ms, T0 + 10000);
    assert_true(w[2].sum.sum == 390); /* 10 + ... + 29 */
    /* hopping with gaps, size 5 hop 30: windows at 0, 30, 60, 90 within [T0, T0 + 100 s) */
    assert_int_equal(window_hopping(&t, T0, T0 + 100000, 5, 30, w, 16), 4);
    assert_int_equal(w[3].start_ms, T0 + 90000);
    assert_true(w[3].sum.sum == 90 + 91 + 92 + 93 + 94);
    /* a window ending exactly at from does not overlap it */
    assert_int_equal(window_hopping(&t, T0 + 5000, T0 + 6000, 5, 30, w, 16), 0);
    assert_int_equal(window_hopping(&t, T0, T0 + 100000, 5, 0, w, 16), 0);
    timeline_free(&t);
}

static void test_windows_before_the_epoch(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    timeline_add(&t, 1, -25000); /* second -25 */
    timeline_add(&t, 2, -1);     /* second -1 */
    timeline_add(&t, 3, 0);      /* second 0 */
    struct window_stats w[8];
    assert_int_equal(window_tumbling(&t, -30000, 1, 10, w, 8), 4);
    assert_int_equal(w[0].start_ms, -30000);
    assert_int_equal(w[0].sum.count, 1);
    assert_int_equal(w[2].start_ms, -10000);
    assert_int_equal(w[2].sum.count, 1);
    assert_int_equal(w[3].start_ms, 0);
    assert_int_equal(w[3].sum.count, 1);
    window_sliding(&t, -1, 2, 0, &w[0], NULL); /* seconds -2 and -1 */
    assert_int_equal(w[0].sum.count, 1);
    assert_true(w[0].sum.sum == 2);
    assert_int_equal(window_sessions(&t, -100000, 100000, 2, w, 8), 2);
    assert_int_equal(w[1].start_ms, -1000);
    assert_int_equal(w[1].end_ms, 1000);
    timeline_free(&t);
}

static void test_sessions_known_answers(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    int secs[] = {0, 1, 2, 10, 11, 30};
    for (int i = 0; i < 6; i++) {
        timeline_add(&t, secs[i], T0 + secs[i] * 1000);
        timeline_add(&t, secs[i] + 0.5, T0 + secs[i] * 1000 + 999);
    }
    struct window_stats w[8];
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 5, w, 8), 3);
    assert_int_equal(w[0].start_ms, T0);
    assert_int_equal(w[0].end_ms, T0 + 3000);
    assert_int_equal(w[0].sum.count, 6);
    assert_true(w[0].rate == 2.0);
    assert_true(w[0].sum.first == 0 && w[0].sum.last == 2.5);
    assert_int_equal(w[1].start_ms, T0 + 10000);
    assert_int_equal(w[1].end_ms, T0 + 12000);
    assert_true(w[1].sum.sum == 10 + 10.5 + 11 + 11.5);
    assert_quantile(w[1].p50, 10.5);
    assert_int_equal(w[2].start_ms, T0 + 30000);
    assert_int_equal(w[2].end_ms, T0 + 31000);
    /* a gap of 7 empty seconds joins when gap_s is 8, not when it is 7 */
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 8, w, 8), 2);
    assert_int_equal(w[0].end_ms, T0 + 12000);
    assert_int_equal(w[0].sum.count, 10);
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 7, w, 8), 3);
    /* gap 1: only touching slots join */
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 1, w, 8), 3);
    /* the range clips by slot start; cap limits what is written */
    assert_int_equal(window_sessions(&t, T0 + 1000, T0 + 10001, 5, w, 8), 2);
    assert_int_equal(w[0].start_ms, T0 + 1000);
    assert_int_equal(w[0].sum.count, 4);
    assert_int_equal(w[1].sum.count, 2);
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 5, w, 1), 3);
    assert_int_equal(w[0].sum.count, 6);
    assert_int_equal(window_sessions(&t, T0, T0 + 60000, 0, w, 8), 0);
    timeline_free(&t);
}

static void test_long_window_uses_coarse_slots(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    /* one event per second for 15 minutes: the older 780 s are in 10-s coarse slots */
    for (int s = 0; s < 900; s++)
        timeline_add(&t, 1, T0 + s * 1000);
    struct window_stats w;
    int64_t now = T0 + 899 * 1000;
    window_sliding(&t, now, 900, 0, &w, NULL);
    assert_int_equal(w.sum.count, 900);
    assert_true(w.rate == 1.0);
    /* 125 s: seconds [775, 899]: the 120 fine ones, and 775..779 sit in the coarse slot
     * [770, 780), which counts only if its start is in the window: it is not, so 120 events */
    window_sliding(&t, now, 125, WINDOW_NO_QUANTILES, &w, NULL);
    assert_int_equal(w.sum.count, 120);
    /* 130 s starts exactly at 770: the whole coarse slot is in */
    window_sliding(&t, now, 130, WINDOW_NO_QUANTILES, &w, NULL);
    assert_int_equal(w.sum.count, 130);
    /* a window ending inside a coarse slot takes all of it (resolution coarse_s) */
    window_sliding(&t, T0 + 500 * 1000, 1, WINDOW_NO_QUANTILES, &w, NULL);
    assert_int_equal(w.sum.count, 10);
    window_sliding(&t, T0 + 501 * 1000, 1, WINDOW_NO_QUANTILES, &w, NULL);
    assert_int_equal(w.sum.count, 0);
    timeline_free(&t);
}

/* Slots whose values are hundreds of octaves apart: the union of their bins is wider than a
 * histogram's max_bins. Quantiles still hold their 1 % bound; out_hist, a histogram, has its
 * lowest bins collapsed as hist_merge would. */
static void test_very_wide_value_range(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    double vals[400], sorted[400];
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        double small = ldexp(1.0 + i / 128.0, -20 + i), huge = ldexp(1.0 + i / 64.0, 400 + i);
        double pairs[4] = {small, -small, huge, -huge};
        for (int j = 0; j < 4; j++) {
            int64_t ts = T0 + (j / 2) * 1000 + i; /* small ones in one second, huge in the next */
            timeline_add(&t, pairs[j], ts);
            vals[n++] = pairs[j];
        }
    }
    struct window_stats w;
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    window_sliding(&t, T0 + 1000, 2, 0, &w, &h);
    assert_int_equal(w.sum.count, n);
    assert_int_equal(hist_count(&h), n);
    assert_true(h.collapsed_bins > 0);
    memcpy(sorted, vals, sizeof(vals));
    qsort(sorted, n, sizeof(*sorted), cmp_double);
    assert_quantile(w.p50, ref_quantile(sorted, n, 500));
    assert_quantile(w.p90, ref_quantile(sorted, n, 900));
    assert_quantile(w.p99, ref_quantile(sorted, n, 990));
    assert_quantile(w.p999, ref_quantile(sorted, n, 999));
    /* and each second alone goes through the accumulator */
    window_sliding(&t, T0, 1, 0, &w, &h);
    assert_int_equal(w.sum.count, 200);
    hist_clear(&ref);
    merge_slots(&t, T0 / 1000, T0 / 1000, &ref);
    assert_hist_equal(&h, &ref);
    hist_clear(&h);
    hist_clear(&ref);
    timeline_free(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Brute force over random events. */

struct slot_ref {
    int64_t start_s;
    uint32_t len_s;
};

static int cmp_slot_ref(const void *a, const void *b)
{
    const struct slot_ref *x = a, *y = b;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

static void check_all_windows(const struct timeline *t, const struct model *m, double *vals,
                              struct window_stats *out, size_t cap)
{
    int64_t head = m->head_ms;
    const int64_t nows[] = {head, head - 30000, head - 500000, head + 5000, head - 61234};
    const uint32_t widths[] = {10, 60, 300, 900};
    struct summary want;
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
        for (size_t j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
            struct window_stats w;
            int64_t hi = fdiv(nows[i], 1000), lo = hi - widths[j] + 1;
            unsigned flags = (i + j) % 3 == 2 ? WINDOW_NO_QUANTILES : 0;
            assert_int_equal(window_sliding(t, nows[i], widths[j], flags, &w, &h), 0);
            assert_int_equal(w.start_ms, lo * 1000);
            assert_int_equal(w.end_ms, (hi + 1) * 1000);
            model_window(m, lo, hi, &want, vals);
            assert_window(&w, &want, vals, widths[j], !flags);
            if (!flags) {
                hist_clear(&ref);
                merge_slots(t, lo, hi, &ref);
                assert_hist_equal(&h, &ref);
            }
        }
    }
    hist_clear(&h);
    hist_clear(&ref);

    int64_t from = head - 1300000 - 777, to = head + 2000;
    const uint32_t sizes[][2] = {{60, 60}, {7, 7}, {300, 300}, {60, 20}, {10, 25}, {45, 45}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = window_hopping(t, from, to, sizes[i][0], sizes[i][1], out, cap);
        assert_true(n > 0 && n <= cap);
        for (size_t k = 0; k < n; k++) {
            int64_t lo = out[k].start_ms / 1000;
            assert_int_equal(out[k].end_ms - out[k].start_ms, (int64_t)sizes[i][0] * 1000);
            assert_int_equal(fdiv(lo, sizes[i][1]) * sizes[i][1], lo); /* epoch-aligned */
            assert_true(out[k].end_ms > from && out[k].start_ms < to);
            model_window(m, lo, lo + sizes[i][0] - 1, &want, vals);
            assert_window(&out[k], &want, vals, sizes[i][0], 1);
        }
        if (n > 1)
            assert_int_equal(out[1].start_ms - out[0].start_ms, (int64_t)sizes[i][1] * 1000);
        if (sizes[i][0] == sizes[i][1]) {
            struct window_stats *again = malloc(cap * sizeof(*again));
            assert_int_equal(window_tumbling(t, from, to, sizes[i][0], again, cap), n);
            for (size_t k = 0; k < n; k++) {
                assert_int_equal(again[k].start_ms, out[k].start_ms);
                assert_int_equal(again[k].sum.count, out[k].sum.count);
            }
            free(again);
        }
    }

    /* sessions, by brute force over the model's non-empty slots in start order */
    struct slot_ref *slots = malloc((m->n + 1) * sizeof(*slots));
    size_t ns = 0;
    for (size_t i = 0; i < m->n; i++)
        if (model_slot(m, m->ev[i].ts_ms, &slots[ns].start_s, &slots[ns].len_s))
            ns++;
    qsort(slots, ns, sizeof(*slots), cmp_slot_ref);
    const uint32_t gaps[] = {1, 2, 5, 11, 40};
    const int64_t ranges[][2] = {{from, to}, {head - 200000 + 333, head - 20000}};
    for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
        for (size_t r = 0; r < 2; r++) {
            int64_t lo_s = fdiv(ranges[r][0], 1000), hi_s = fdiv(ranges[r][1] - 1, 1000);
            size_t n = window_sessions(t, ranges[r][0], ranges[r][1], gaps[g], out, cap);
            assert_true(n <= cap);
            size_t k = 0;
            int64_t first = 0, last = 0, end = 0;
            int open = 0;
            for (size_t i = 0; i <= ns; i++) {
                int in = i < ns && slots[i].start_s >= lo_s && slots[i].start_s <= hi_s;
                if (i < ns && !in)
                    continue;
                if (open && (i == ns || slots[i].start_s - end >= gaps[g])) {
                    assert_true(k < n);
                    assert_int_equal(out[k].start_ms, first * 1000);
                    assert_int_equal(out[k].end_ms, end * 1000);
                    model_window(m, first, last, &want, vals);
                    assert_window(&out[k], &want, vals, (double)(end - first), 1);
                    k++;
                    open = 0;
                }
                if (i == ns)
                    break;
                if (!open) {
                    first = slots[i].start_s;
                    end = first;
                    open = 1;
                }
                last = slots[i].start_s;
                if (last + slots[i].len_s > end)
                    end = last + slots[i].len_s;
            }
            assert_int_equal(k, n);
            if (gaps[g] == 5 && r == 0)
                assert_true(n > 3); /* the data has pauses: make sure sessions are exercised */
        }
    }
    free(slots);
}

static void test_random_windows_match_brute_force(void **state)
{
    (void)state;
    struct timeline_config cfgs[] = {
        {120, 10, 900}, /* the defaults */
        {30, 7, 400},   /* coarse slots not aligned with minutes or the fine range */
    };
    size_t cap = 4096;
    struct window_stats *out = malloc(cap * sizeof(*out));
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        struct timeline t;
        struct model m;
        assert_int_equal(timeline_init(&t, &cfgs[c]), 0);
        model_init(&m, &cfgs[c]);
        uint64_t seed = 2024 + c;
        size_t expired = 0;
        double *vals = malloc(40000 * sizeof(*vals));
        /* ~20 minutes of event time in bursts with pauses; a fifth of the events late, most by
         * a few seconds, some by up to 1000 s (some of those expire) */
        int64_t ts = T0 + 3 * 1000 + 321;
        for (int i = 0; i < 12000; i++) {
            ts += rng_below(&seed, 200);
            if (rng_below(&seed, 150) == 0)
                ts += rng_below(&seed, 60000); /* a pause */
            int64_t e = ts;
            if (rng_below(&seed, 5) == 0)
                e -= rng_below(&seed, rng_below(&seed, 30) == 0 ? 1000000 : 3000);
            double v = rng_value(&seed);
            enum timeline_result res = model_add(&m, v, e);
            expired += res == TIMELINE_EXPIRED;
            assert_int_equal(timeline_add(&t, v, e), res);
            if (i == 6000)
                check_all_windows(&t, &m, vals, out, cap);
        }
        check_all_windows(&t, &m, vals, out, cap);
        assert_true(expired > 0);
        free(vals);
        free(m.ev);
        timeline_free(&t);
    }
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_timeline),
        cmocka_unit_test(test_sliding_known_answer),
        cmocka_unit_test(test_quantiles_small_n_known_answers),
        cmocka_unit_test(test_covered_and_rate_from),
        cmocka_unit_test(test_no_quantiles_and_out_hist),
        cmocka_unit_test(test_tumbling_and_hopping_known_answers),
        cmocka_unit_test(test_windows_before_the_epoch),
        cmocka_unit_test(test_sessions_known_answers),
        cmocka_unit_test(test_long_window_uses_coarse_slots),
        cmocka_unit_test(test_very_wide_value_range),
        cmocka_unit_test(test_random_windows_match_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
