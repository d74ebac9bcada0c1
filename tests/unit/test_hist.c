/* test_hist.c — the value histogram: known answers, edge values, the mapping's 1 % guarantee
 * value by value, memory. Cells and collapse: test_hist_cells.c; serialisation: test_hist_codec.c;
 * seeded property tests: test_hist_property.c. `test_hist --bench` prints a micro-benchmark. */
#include "tests/unit/test_hist_lib.h"

/* ---- known answers ---- */

static void test_empty(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    assert_int_equal(hist_count(&h), 0);
    assert_true(isnan(hist_quantile(&h, 0.5)));
    double out[NQS];
    hist_quantiles(&h, QS, out, NQS);
    for (size_t i = 0; i < NQS; i++)
        assert_true(isnan(out[i]));
    assert_int_equal(hist_bin_count(&h), 0);
    assert_int_equal(hist_memory_bytes(&h), 0);
    assert_int_equal(bins_total(&h), 0);
    hist_clear(&h);
}

/* A histogram emptied by hist_reset keeps its stores' storage and windows; values added after
 * must not fold into the window a value of 1e300 had left (a reused timeline slot gave p50 of a
 * window as 549 for 401.55 this way), whether added or merged in. */
static void test_reset_then_far_values(void **state)
{
    (void)state;
    struct hist h, src;
    hist_init(&h);
    hist_init(&src);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(hist_add(&h, 1e300), 0);
        assert_int_equal(hist_add(&h, -1e300), 0);
        assert_int_equal(hist_add(&h, 1e200), 0); /* the windows span the stores' max bins */
        hist_reset(&h);
        assert_int_equal(h.count, 0);
        const double vs[] = {377.3, 989.24, -315.5, 401.55};
        for (size_t k = 0; k < 4; k++)
            if (round == 0)
                assert_int_equal(hist_add(&h, vs[k]), 0);
            else
                assert_int_equal(hist_add(&src, vs[k]), 0);
        if (round == 1)
            hist_merge(&h, &src);
        assert_int_equal(h.collapsed_bins, 0);
        const double want[] = {-315.5, 377.3, 401.55, 989.24}; /* ranks 1..4 */
        for (int r = 1; r <= 4; r++) {
            double q = (double)r / 4 - 0.01, v = hist_quantile(&h, q);
            assert_true(fabs(v - want[r - 1]) <= 0.01 * fabs(want[r - 1]));
        }
        hist_reset(&h);
    }
    hist_clear(&h);
    hist_clear(&src);
}

static void test_single_value(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    assert_int_equal(hist_add(&h, 42.0), 0);
    assert_int_equal(hist_count(&h), 1);
    assert_int_equal(hist_bin_count(&h), 1);
    for (size_t i = 0; i < NQS; i++)
        assert_true(within_alpha(hist_quantile(&h, QS[i]), 42.0));
    /* The reported bin contains the value and is at most gamma wide. */
    struct seen *s = bins_of(&h);
    assert_int_equal(s->n, 1);
    assert_true(s->lo[0] < 42.0 && 42.0 <= s->hi[0]);
    assert_true(s->hi[0] / s->lo[0] <= (1 + HIST_ALPHA) / (1 - HIST_ALPHA));
    assert_int_equal(s->count[0], 1);
    free(s);
    hist_clear(&h);
    assert_int_equal(hist_count(&h), 0);
    assert_int_equal(hist_memory_bytes(&h), 0);
    assert_true(isnan(hist_quantile(&h, 0.5)));
}

static void test_exact_ranks(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    /* 1, 2, 4, ... 2^19: every value in its own bin, so each rank is identifiable. */
    for (int i = 19; i >= 0; i--)
        hist_add(&h, ldexp(1.0, i));
    assert_int_equal(hist_bin_count(&h), 20);
    for (int k = 0; k <= 100; k++) {
        double q = k / 100.0;
        double exact = ldexp(1.0, (int)ref_rank((uint64_t)k, 100, 20) - 1);
        assert_true(within_alpha(hist_quantile(&h, q), exact));
    }
    /* Clamping and NaN. */
    assert_true(within_alpha(hist_quantile(&h, -3.0), 1.0));
    assert_true(within_alpha(hist_quantile(&h, 7.0), ldexp(1.0, 19)));
    assert_true(isnan(hist_quantile(&h, NAN)));
    hist_clear(&h);

    /* Integers 1..1000: ranks land in shared bins, still within 1 %. */
    for (int i = 1000; i >= 1; i--)
        hist_add(&h, i);
    for (int k = 0; k <= 1000; k++) {
        double q = k / 1000.0;
        assert_true(within_alpha(hist_quantile(&h, q), (double)ref_rank((uint64_t)k, 1000, 1000)));
    }
    hist_clear(&h);
}

/* Nearest rank: ceil(q * n), 1-based, q taken as the decimal it was written as. */
static void test_rank_known_answers(void **state)
{
    (void)state;
    assert_int_equal(hist_rank(0.5, 1), 1);
    assert_int_equal(hist_rank(0.99, 1), 1);
    assert_int_equal(hist_rank(0.5, 2), 1);
    assert_int_equal(hist_rank(0.99, 2), 2);
    assert_int_equal(hist_rank(0.5, 3), 2);
    assert_int_equal(hist_rank(0.99, 3), 3); /* p99 of {10, 20, 50} is 50 */
    assert_int_equal(hist_rank(0.9, 10), 9); /* the double 0.9 is a hair above 9/10 */
    assert_int_equal(hist_rank(0.5, 10), 5);
    assert_int_equal(hist_rank(0.95, 20), 19);
    assert_int_equal(hist_rank(0.99, 100), 99);
    assert_int_equal(hist_rank(0.99, 101), 100);
    assert_int_equal(hist_rank(0.999, 1000), 999);
    assert_int_equal(hist_rank(0.999, 1001), 1000);
    assert_int_equal(hist_rank(0.0, 7), 1);
    assert_int_equal(hist_rank(-1.0, 7), 1);
    assert_int_equal(hist_rank(1.0, 7), 7);
    assert_int_equal(hist_rank(5.0, 7), 7);
    assert_int_equal(hist_rank(1e-300, 7), 1);
    assert_int_equal(hist_rank(NAN, 7), 0);
    assert_int_equal(hist_rank(0.5, 0), 0);
}

/* Counts past 2^53, up to UINT64_MAX: the rank is exact (no double rounding, no undefined
 * conversion), checked against values worked out with exact fractions. */
static void test_rank_huge_counts(void **state)
{
    (void)state;
    const uint64_t max = UINT64_MAX;
    assert_true(hist_rank(1.0, max) == max);
    assert_true(hist_rank(0.0, max) == 1);
    assert_true(hist_rank(0.5, max) == UINT64_C(9223372036854775808));
    assert_true(hist_rank(0.9, max) == UINT64_C(16602069666338596454));
    assert_true(hist_rank(0.999, (UINT64_C(1) << 53) + 1) == UINT64_C(8998192055486253));
    assert_true(hist_rank(0.99, (UINT64_C(1) << 60) + 1) == UINT64_C(1141392289560778508));
    /* no short decimal: the exact binary value of q */
    assert_true(hist_rank(1.0 / 3.0, max) == UINT64_C(6148914691236516864));
    assert_true(hist_rank(1.0 - 0x1.0p-53, max) == max - 2047);
    assert_true(hist_rank(1e-300, max) == 1);
    /* monotone in q around a huge count */
    uint64_t prev = 0;
    for (int k = 0; k <= 1000; k++) {
        uint64_t r = hist_rank(k / 1000.0, max - 12345);
        assert_true(r >= prev && r >= 1 && r <= max - 12345);
        prev = r;
    }
}

/* A histogram whose count is past 2^53 (counts added n at a time): p100 is the largest value,
 * p0 the smallest, and the median lands where the counts say. The old rank rule cast
 * floor(q * (count - 1)) = 2^64 to uint64_t, which is undefined (p100 read the minimum). */
static void test_quantiles_huge_counts(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    assert_int_equal(hist_add_n(&h, 1.0, UINT64_C(1) << 63), 0);
    assert_int_equal(hist_add_n(&h, 1000.0, (UINT64_C(1) << 63) - 1), 0);
    assert_true(hist_count(&h) == UINT64_MAX);
    const double qs[] = {0.0, 0.5, 0.500001, 0.99, 1.0};
    double out[5];
    hist_quantiles(&h, qs, out, 5);
    assert_true(within_alpha(out[0], 1.0));
    assert_true(within_alpha(out[1], 1.0)); /* rank 2^63: the last 1.0 */
    assert_true(within_alpha(out[2], 1000.0));
    assert_true(within_alpha(out[3], 1000.0));
    assert_true(within_alpha(out[4], 1000.0));
    assert_true(hist_quantile(&h, 1.0) == out[4]);
    hist_clear(&h);

    /* 2^53 + 1 values: one 2.0 above 2^53 ones; only p100 (and ranks above 2^53) see it */
    hist_add_n(&h, 1.0, UINT64_C(1) << 53);
    hist_add(&h, 2.0);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 2.0));
    assert_true(within_alpha(hist_quantile(&h, 0.999999), 1.0));
    hist_clear(&h);
}

/* The clamp: exact at ranks 1 and count, inside [min, max] elsewhere. */
static void test_quantile_clamp(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add(&h, 10);
    hist_add(&h, 20);
    hist_add(&h, 50);
    double p99 = hist_quantile(&h, 0.99);
    assert_true(within_alpha(p99, 50));
    assert_true(hist_quantile_clamp(p99, 0.99, 3, 10, 50) == 50);
    assert_true(hist_quantile_clamp(hist_quantile(&h, 0.3), 0.3, 3, 10, 50) == 10);
    double p50 = hist_quantile_clamp(hist_quantile(&h, 0.5), 0.5, 3, 10, 50);
    assert_true(within_alpha(p50, 20));
    hist_clear(&h);

    /* a constant series: every quantile is the value itself, not its bin's representative */
    for (int i = 0; i < 9; i++)
        hist_add(&h, 1.0);
    const double qs[] = {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0};
    for (size_t i = 0; i < 7; i++) {
        double raw = hist_quantile(&h, qs[i]);
        assert_true(within_alpha(raw, 1.0));
        assert_true(hist_quantile_clamp(raw, qs[i], 9, 1.0, 1.0) == 1.0);
    }
    assert_true(hist_quantile(&h, 0.5) != 1.0); /* the bins alone cannot say 1 exactly */
    assert_true(isnan(hist_quantile_clamp(NAN, 0.5, 9, 1.0, 1.0)));
    hist_clear(&h);
}

static void test_zero_and_tiny(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    /* |v| < HIST_MIN_ABS is counted as zero: 1e-300 reads back as 0 (absolute error < 1e-9). */
    hist_add(&h, 0.0);
    hist_add(&h, -0.0);
    hist_add(&h, 1e-300);
    hist_add(&h, -1e-300);
    hist_add(&h, 5e-10);
    hist_add(&h, DBL_TRUE_MIN);
    assert_int_equal(h.zero_count, 6);
    assert_int_equal(hist_count(&h), 6);
    assert_int_equal(hist_bin_count(&h), 1);
    assert_int_equal(hist_memory_bytes(&h), 0);
    assert_true(hist_quantile(&h, 0.0) == 0.0);
    assert_true(hist_quantile(&h, 1.0) == 0.0);
    struct seen *s = bins_of(&h);
    assert_int_equal(s->n, 1);
    assert_true(s->lo[0] == 0.0 && s->hi[0] == 0.0);
    assert_int_equal(s->count[0], 6);
    free(s);

    /* Just above the threshold is a real bin with the relative guarantee. */
    hist_clear(&h);
    hist_add(&h, 2e-9);
    hist_add(&h, HIST_MIN_ABS);
    assert_int_equal(h.zero_count, 0);
    assert_true(within_alpha(hist_quantile(&h, 0.0), HIST_MIN_ABS));
    assert_true(within_alpha(hist_quantile(&h, 1.0), 2e-9));
    hist_clear(&h);
}

static void test_negative_and_mixed(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    const double vals[] = {5, -1, 0, 2, -3};
    for (size_t i = 0; i < 5; i++)
        hist_add(&h, vals[i]);
    const double sorted[] = {-3, -1, 0, 2, 5};
    for (int r = 0; r < 5; r++)
        assert_true(within_alpha(hist_quantile(&h, r / 4.0), sorted[r]));
    assert_true(hist_quantile(&h, 0.5) == 0.0);
    assert_int_equal(hist_bin_count(&h), 5);

    /* foreach_bin: ascending, bounds ordered, negative bins negative. */
    struct seen *s = bins_of(&h);
    assert_int_equal(s->n, 5);
    for (size_t i = 0; i < s->n; i++) {
        assert_true(s->lo[i] <= s->hi[i]);
        assert_true(s->lo[i] <= sorted[i] && sorted[i] <= s->hi[i]);
        if (i)
            assert_true(s->hi[i - 1] <= s->lo[i]);
    }
    assert_true(s->hi[1] < 0 && s->lo[2] == 0 && s->hi[2] == 0 && s->lo[3] > 0);
    free(s);
    hist_clear(&h);

    /* All negative. */
    for (int i = 1; i <= 100; i++)
        hist_add(&h, -i * 10.0);
    for (int k = 0; k <= 100; k++) {
        double q = k / 100.0;
        double exact = -10.0 * (101 - (double)ref_rank((uint64_t)k, 100, 100));
        assert_true(within_alpha(hist_quantile(&h, q), exact));
    }
    assert_int_equal(h.pos.len, 0);
    hist_clear(&h);
}

static void test_nan_inf_rejected(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add(&h, 1.0);
    assert_int_equal(hist_add(&h, NAN), -1);
    assert_int_equal(hist_add(&h, -NAN), -1);
    assert_int_equal(hist_add(&h, INFINITY), -1);
    assert_int_equal(hist_add(&h, -INFINITY), -1);
    assert_int_equal(hist_add_n(&h, NAN, 5), -1);
    assert_int_equal(hist_add_n(&h, INFINITY, 5), -1);
    assert_int_equal(hist_add_n(&h, NAN, 0), -1);
    assert_int_equal(hist_count(&h), 1);
    assert_int_equal(hist_bin_count(&h), 1);
    assert_int_equal(bins_total(&h), 1);
    hist_clear(&h);
}

static void test_huge_values(void **state)
{
    (void)state;
    struct hist h;
    /* 1e-8 .. DBL_MAX is ~36700 bins: more than the default 4096 (a range of ~1e35 per sign),
     * so this one gets room for the whole index range and must not collapse. */
    hist_init_bounded(&h, 40000);
    const double vals[] = {-DBL_MAX, -1e300, 1e-8, 1e300, DBL_MAX};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(hist_add(&h, vals[i]), 0);
    assert_int_equal(h.collapsed_bins, 0);
    for (int r = 0; r < 5; r++) {
        double est = hist_quantile(&h, r / 4.0);
        assert_true(isfinite(est));
        assert_true(within_alpha(est, vals[r]));
    }
    struct seen *s = bins_of(&h);
    assert_int_equal(s->n, 5);
    for (size_t i = 0; i < s->n; i++)
        assert_true(isfinite(s->lo[i]) && isfinite(s->hi[i]));
    free(s);
    hist_clear(&h);
}

static void test_add_n(void **state)
{
    (void)state;
    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    assert_int_equal(hist_add_n(&a, 3.0, 0), 0);
    assert_int_equal(hist_count(&a), 0);
    assert_int_equal(hist_memory_bytes(&a), 0);
    hist_add_n(&a, 3.0, 1000);
    hist_add_n(&a, 0.0, 7);
    hist_add_n(&a, -2.0, 3);
    for (int i = 0; i < 1000; i++)
        hist_add(&b, 3.0);
    for (int i = 0; i < 7; i++)
        hist_add(&b, 0.0);
    for (int i = 0; i < 3; i++)
        hist_add(&b, -2.0);
    assert_same_hist(&a, &b);
    hist_clear(&a);
    hist_clear(&b);
}

/* ---- the mapping's guarantee, checked value by value ---- */

static double single_estimate(double v)
{
    struct hist h;
    hist_init(&h);
    hist_add(&h, v);
    double est = hist_quantile(&h, 0.5);
    hist_clear(&h);
    return est;
}

static void test_every_value_within_alpha(void **state)
{
    (void)state;
    struct rng r = {1};
    const double gamma = (1 + HIST_ALPHA) / (1 - HIST_ALPHA);
    for (int i = 0; i < 100000; i++) {
        /* log-uniform over the whole range of non-zero magnitudes */
        double v = exp(log(HIST_MIN_ABS) + rng_unit(&r) * (log(DBL_MAX) - log(HIST_MIN_ABS)));
        if (!(v <= DBL_MAX))
            continue;
        assert_true(within_alpha(single_estimate(v), v));
        assert_true(within_alpha(single_estimate(-v), -v));
        if (i % 10)
            continue;
        /* The bin's edges and their neighbours also get a representative within alpha. */
        struct hist h;
        hist_init(&h);
        hist_add(&h, v);
        struct seen *s = bins_of(&h);
        hist_clear(&h);
        assert_true(s->lo[0] <= v * (1 + 1e-12) && v <= s->hi[0] * (1 + 1e-12));
        assert_true(s->hi[0] / s->lo[0] < gamma);
        const double edges[] = {s->lo[0], nextafter(s->lo[0], 0), nextafter(s->lo[0], INFINITY),
                                s->hi[0], nextafter(s->hi[0], 0), nextafter(s->hi[0], INFINITY)};
        for (size_t k = 0; k < 6; k++)
            if (edges[k] >= HIST_MIN_ABS && edges[k] <= DBL_MAX)
                assert_true(within_alpha(single_estimate(edges[k]), edges[k]));
        free(s);
    }
    /* Exact powers of two and the mantissa points where the cubic is tightest. */
    for (int e = -29; e <= 1023; e++) {
        const double m[] = {1.0, 1.0 + 2.0 / 9.0, 1.0 + 2.0 / 3.0, 2.0 - 0x1.0p-52};
        for (size_t k = 0; k < 4; k++) {
            double v = ldexp(m[k], e);
            if (v >= HIST_MIN_ABS && v <= DBL_MAX)
                assert_true(within_alpha(single_estimate(v), v));
        }
    }
}

static void test_bin_value_monotone(void **state)
{
    (void)state;
    double prev = 0;
    int32_t lo = -1200, hi = 40000; /* beyond both ends of the reachable index range */
    for (int32_t i = lo; i <= hi; i++) {
        double v = hist_bin_value(i);
        assert_true(isfinite(v));
        if (v < DBL_MAX)
            assert_true(v > prev);
        else
            assert_true(v >= prev);
        prev = v;
    }
    assert_true(hist_bin_value(INT32_MAX) == DBL_MAX);
    assert_true(hist_bin_value(INT32_MIN) >= 0);
}

/* ---- memory ---- */

static void test_memory_small_slot(void **state)
{
    (void)state;
    struct rng r = {14};
    struct hist h;
    hist_init(&h);
    for (int i = 0; i < 1000; i++)
        hist_add(&h, 50.0 * exp(0.5 * rng_normal(&r)));
    /* ~3.2 sigma each side at ~50 bins per e-fold: about 160 one-byte cells plus slack. */
    assert_int_equal(h.pos.width, 1);
    assert_true(hist_memory_bytes(&h) <= 400);
    hist_compact(&h);
    assert_true(hist_memory_bytes(&h) <= 320);
    assert_true(hist_codec_encode(&h, NULL, 0) <= 400);
    hist_clear(&h);
}

/* ---- by-hand micro-benchmark (not a test: `test_hist --bench`) ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int bench(void)
{
    enum { N = 1 << 20, ROUNDS = 50 };
    struct rng r = {15};
    double *xs = malloc(N * sizeof *xs);
    for (int i = 0; i < N; i++)
        xs[i] = 50.0 * exp(0.5 * rng_normal(&r));
    struct hist h;
    hist_init(&h);
    double t0 = now_s();
    for (int k = 0; k < ROUNDS; k++)
        for (int i = 0; i < N; i++)
            hist_add(&h, xs[i]);
    double t1 = now_s();
    printf("hist_add: %.2f ns/value (lognormal sigma 0.5, %d values, %zu bins)\n",
           (t1 - t0) * 1e9 / ((double)N * ROUNDS), N * ROUNDS, hist_bin_count(&h));

    /* Slot-sized histograms: build 1000 values at a time. */
    double t2 = now_s();
    size_t slots = 2000, heap = 0, heap_c = 0, ser = 0;
    for (size_t s = 0; s < slots; s++) {
        struct hist slot;
        hist_init(&slot);
        for (int i = 0; i < 1000; i++)
            hist_add(&slot, xs[(s * 1000 + (size_t)i) % N]);
        heap += hist_memory_bytes(&slot);
        hist_compact(&slot);
        heap_c += hist_memory_bytes(&slot);
        ser += hist_codec_encode(&slot, NULL, 0);
        hist_clear(&slot);
    }
    double t3 = now_s();
    printf("slot of 1000 values: %.2f ns/value incl. init+growth+compact+clear\n",
           (t3 - t2) * 1e9 / ((double)slots * 1000));
    printf("slot bytes: struct %zu + cells %.0f (after compact %.0f), serialized %.0f\n",
           sizeof(struct hist), (double)heap / slots, (double)heap_c / slots, (double)ser / slots);
    printf("200 slots: %.1f KiB live, %.1f KiB compacted (+16 B malloc header per store)\n",
           200.0 * (sizeof(struct hist) + (double)heap / slots) / 1024,
           200.0 * (sizeof(struct hist) + (double)heap_c / slots) / 1024);

    double qs[] = {0.5, 0.9, 0.99, 0.999}, out[4];
    double t4 = now_s();
    for (int k = 0; k < 100000; k++)
        hist_quantiles(&h, qs, out, 4);
    double t5 = now_s();
    printf("hist_quantiles (4 qs): %.0f ns\n", (t5 - t4) * 1e9 / 100000);
    hist_clear(&h);
    free(xs);
    return 0;
}

/* Accumulating stores into a plain array gives the same bins as hist_merge. */
int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return bench();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_reset_then_far_values),
        cmocka_unit_test(test_exact_ranks),
        cmocka_unit_test(test_rank_known_answers),
        cmocka_unit_test(test_rank_huge_counts),
        cmocka_unit_test(test_quantiles_huge_counts),
        cmocka_unit_test(test_quantile_clamp),
        cmocka_unit_test(test_zero_and_tiny),
        cmocka_unit_test(test_negative_and_mixed),
        cmocka_unit_test(test_nan_inf_rejected),
        cmocka_unit_test(test_huge_values),
        cmocka_unit_test(test_add_n),
        cmocka_unit_test(test_every_value_within_alpha),
        cmocka_unit_test(test_bin_value_monotone),
        cmocka_unit_test(test_memory_small_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
