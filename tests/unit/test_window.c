/* test_window.c — sliding, tumbling, hopping and session windows: known answers on small data
 * (brute-force recomputation over random events: test_window_random.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/window_check.h"

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
    assert_true(w.p50 == -5);   /* rank ceil(0.5 * 2) = 1: the minimum, exactly */
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
