/* test_hist.c — the value histogram: known answers, edge values, cell-width promotion, collapse,
 * serialisation (round trip and hostile input), and seeded property tests of the 1 % quantile
 * guarantee and of exact merging. `test_hist --bench` prints a micro-benchmark instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/hist.h"
#include "core/hist_codec.h"

/* ---- helpers: a seeded PRNG and distributions ---- */

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in (0, 1]. */
static double rng_unit_open(struct rng *r)
{
    return ((double)(rng_next(r) >> 11) + 1.0) * 0x1.0p-53;
}

static double rng_normal(struct rng *r)
{
    double u = rng_unit_open(r), v = rng_unit(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int within_alpha(double est, double exact)
{
    return fabs(est - exact) <= HIST_ALPHA * fabs(exact);
}

/* The reference for quantile ranks, by integer arithmetic: the nearest rank (1-based)
 * ceil(num / den * n) of q = num / den among n values, 1 for q = 0. */
static size_t ref_rank(uint64_t num, uint64_t den, size_t n)
{
    size_t r = (size_t)((num * n + den - 1) / den);
    return r < 1 ? 1 : r;
}

/* Collects foreach_bin output. */
#define MAX_SEEN 20000
struct seen {
    size_t n;
    double lo[MAX_SEEN], hi[MAX_SEEN];
    uint64_t count[MAX_SEEN];
};

static void collect(double lo, double hi, uint64_t count, void *privdata)
{
    struct seen *s = privdata;
    assert_true(s->n < MAX_SEEN);
    s->lo[s->n] = lo;
    s->hi[s->n] = hi;
    s->count[s->n] = count;
    s->n++;
}

static struct seen *bins_of(const struct hist *h)
{
    struct seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    hist_foreach_bin(h, collect, s);
    return s;
}

static uint64_t bins_total(const struct hist *h)
{
    struct seen *s = bins_of(h);
    uint64_t total = 0;
    for (size_t i = 0; i < s->n; i++)
        total += s->count[i];
    free(s);
    return total;
}

/* Serialised bytes of h in a malloc'ed buffer. */
static uint8_t *encode(const struct hist *h, size_t *len)
{
    *len = hist_codec_encode(h, NULL, 0);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    assert_int_equal(hist_codec_encode(h, buf, *len), *len);
    return buf;
}

static void assert_same_hist(const struct hist *a, const struct hist *b)
{
    size_t la, lb;
    uint8_t *ea = encode(a, &la), *eb = encode(b, &lb);
    assert_int_equal(la, lb);
    assert_memory_equal(ea, eb, la);
    free(ea);
    free(eb);

    struct seen *sa = bins_of(a), *sb = bins_of(b);
    assert_int_equal(sa->n, sb->n);
    for (size_t i = 0; i < sa->n; i++) {
        assert_true(sa->lo[i] == sb->lo[i]);
        assert_true(sa->hi[i] == sb->hi[i]);
        assert_int_equal(sa->count[i], sb->count[i]);
    }
    free(sa);
    free(sb);
    assert_int_equal(hist_count(a), hist_count(b));
    assert_int_equal(a->zero_count, b->zero_count);
    assert_int_equal(a->collapsed_bins, b->collapsed_bins);
    assert_int_equal(hist_bin_count(a), hist_bin_count(b));
}

static const double QS[] = {0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1.0};
#define NQS (sizeof QS / sizeof QS[0])

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

/* ---- cell width ---- */

static uint64_t count_near(const struct hist *h, double v)
{
    struct seen *s = bins_of(h);
    uint64_t c = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->lo[i] < v && v <= s->hi[i])
            c = s->count[i];
    free(s);
    return c;
}

static void test_width_promotion(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add(&h, 1.0);
    hist_add(&h, 10.0);
    hist_add(&h, 10.0);
    hist_add(&h, 1000.0);
    assert_int_equal(h.pos.width, 1);
    for (int i = 0; i < 253; i++)
        hist_add(&h, 100.0);
    assert_int_equal(count_near(&h, 100.0), 253);
    assert_int_equal(h.pos.width, 1);
    for (int i = 0; i < 2; i++)
        hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 1); /* 255 fits */
    hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 2);
    for (int i = 0; i < 300 - 256; i++)
        hist_add(&h, 100.0);
    assert_int_equal(count_near(&h, 100.0), 300);
    for (int i = 0; i < 70000 - 300; i++)
        hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 4);
    assert_int_equal(count_near(&h, 100.0), 70000);
    /* The other bins survived every widening. */
    assert_int_equal(count_near(&h, 1.0), 1);
    assert_int_equal(count_near(&h, 10.0), 2);
    assert_int_equal(count_near(&h, 1000.0), 1);
    /* Past uint32: 8-byte cells. */
    hist_add_n(&h, 100.0, (uint64_t)UINT32_MAX - 70000);
    assert_int_equal(h.pos.width, 4);
    assert_int_equal(count_near(&h, 100.0), UINT32_MAX);
    hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 8);
    assert_int_equal(count_near(&h, 100.0), (uint64_t)UINT32_MAX + 1);
    hist_add(&h, 100.0); /* the hot path with 8-byte cells */
    assert_int_equal(count_near(&h, 100.0), (uint64_t)UINT32_MAX + 2);
    assert_int_equal(hist_count(&h), (uint64_t)UINT32_MAX + 2 + 4);
    assert_int_equal(bins_total(&h), hist_count(&h));
    assert_true(within_alpha(hist_quantile(&h, 0.5), 100.0));
    assert_true(within_alpha(hist_quantile(&h, 0.0), 1.0));
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1000.0));

    /* The negative store widens on its own. */
    for (int i = 0; i < 256; i++)
        hist_add(&h, -5.0);
    assert_int_equal(h.neg.width, 2);
    assert_int_equal(count_near(&h, -5.0), 256);
    hist_clear(&h);

    /* Merging can widen too: 200 + 200 > 255. */
    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_add_n(&a, 7.0, 200);
    hist_add_n(&b, 7.0, 200);
    hist_add(&b, 9.0);
    assert_int_equal(a.pos.width, 1);
    hist_merge(&a, &b);
    assert_int_equal(a.pos.width, 2);
    assert_int_equal(count_near(&a, 7.0), 400);
    assert_int_equal(count_near(&a, 9.0), 1);
    hist_clear(&a);
    hist_clear(&b);
}

/* ---- collapse ---- */

static void test_collapse_lowest(void **state)
{
    (void)state;
    struct hist h;
    hist_init_bounded(&h, 32);
    /* Rising values: the window slides up and low bins fold. */
    double v = 1.0;
    for (int i = 0; i < 200; i++, v *= 1.05)
        hist_add(&h, v);
    double top = v / 1.05;
    assert_true(h.pos.len <= 32);
    assert_true(h.collapsed_bins > 0);
    assert_int_equal(hist_count(&h), 200);
    assert_int_equal(bins_total(&h), 200);
    assert_true(hist_bin_count(&h) <= 32);
    /* The top stays exact; the bottom reads the lowest kept bin, above the true minimum. */
    assert_true(within_alpha(hist_quantile(&h, 1.0), top));
    assert_true(hist_quantile(&h, 0.0) > 1.0 * (1 + HIST_ALPHA));
    uint32_t collapsed = h.collapsed_bins;

    /* Falling values below the kept range fold into the lowest kept bin. */
    double floor_value = hist_quantile(&h, 0.0);
    for (int i = 0; i < 10; i++)
        hist_add(&h, 1e-3);
    assert_true(h.collapsed_bins > collapsed);
    assert_int_equal(hist_count(&h), 210);
    assert_true(hist_quantile(&h, 0.0) == floor_value);
    assert_true(h.pos.len <= 32);
    hist_clear(&h);
    assert_int_equal(h.collapsed_bins, 0);
    assert_int_equal(h.max_bins, 32);

    /* One jump: 1 and 1e30 with 16 bins. */
    hist_init_bounded(&h, 16);
    hist_add(&h, 1.0);
    hist_add(&h, 1e30);
    assert_int_equal(h.collapsed_bins, 1);
    assert_int_equal(hist_count(&h), 2);
    assert_int_equal(hist_bin_count(&h), 2);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1e30));
    double low = hist_quantile(&h, 0.0);
    assert_true(low > 1e29 && low < 1e30); /* 1 was folded into the lowest kept bin */
    hist_clear(&h);

    /* The negative store collapses the bins nearest zero; the most negative stay exact. */
    hist_init_bounded(&h, 16);
    hist_add(&h, -1e30);
    hist_add(&h, -1.0);
    assert_int_equal(h.collapsed_bins, 1);
    assert_true(within_alpha(hist_quantile(&h, 0.0), -1e30));
    assert_true(hist_quantile(&h, 1.0) < -1e29);
    hist_clear(&h);

    /* max_bins 0 behaves as 1: everything in one bin per sign, counts kept. */
    hist_init_bounded(&h, 0);
    assert_int_equal(h.max_bins, 1);
    for (int i = 1; i <= 100; i++)
        hist_add(&h, i);
    assert_int_equal(h.pos.len, 1);
    assert_int_equal(bins_total(&h), 100);
    assert_true(within_alpha(hist_quantile(&h, 0.0), 100.0));
    hist_clear(&h);
}

static void test_collapse_by_merge(void **state)
{
    (void)state;
    struct hist a, b;
    hist_init_bounded(&a, 16);
    hist_init_bounded(&b, 16);
    hist_add(&a, 1.0);
    hist_add(&a, 1.1);
    hist_add(&b, 1e10);
    hist_add(&b, -3.0);
    hist_merge(&a, &b);
    assert_int_equal(hist_count(&a), 4);
    assert_int_equal(bins_total(&a), 4);
    assert_true(a.pos.len <= 16);
    assert_int_equal(a.collapsed_bins, 2); /* the bins of 1.0 and 1.1 */
    assert_true(within_alpha(hist_quantile(&a, 1.0), 1e10));
    assert_true(within_alpha(hist_quantile(&a, 0.0), -3.0));
    /* A collapsed source passes its collapsed_bins on. */
    struct hist c;
    hist_init(&c);
    hist_merge(&c, &a);
    assert_int_equal(c.collapsed_bins, 2);
    hist_clear(&a);
    hist_clear(&b);
    hist_clear(&c);
}

/* Random adds, add_n and merges into a bounded histogram, against an unbounded reference: the
 * bounded one is exact (byte for byte) exactly as long as the non-empty bins of each sign span
 * at most max_bins, and the extreme bins away from zero always stay exact. */
static void test_collapse_random_ops(void **state)
{
    (void)state;
    struct rng r = {16};
    const uint32_t maxes[] = {1, 2, 5, 16, 64, 300};
    for (size_t m = 0; m < 6; m++) {
        for (int round = 0; round < 20; round++) {
            uint32_t max = maxes[m];
            struct hist b, ref, t, c;
            hist_init_bounded(&b, max);
            hist_init_bounded(&ref, UINT32_MAX);
            hist_init_bounded(&c, UINT32_MAX);
            double range = exp(rng_unit(&r) * 12.0); /* up to ~600 bins */
            for (int op = 0; op < 200; op++) {
                int ops = op % 7 == 6 ? 5 : 1;
                uint64_t kind = rng_next(&r) % 3;
                hist_init(&t);
                for (int k = 0; k < ops; k++) {
                    double v = pow(range, rng_unit(&r)) * (rng_next(&r) % 3 ? 1 : -1);
                    uint64_t n = kind == 1 ? 1 + rng_next(&r) % 1000 : 1;
                    hist_add_n(&ref, v, n);
                    if (kind == 2)
                        hist_add(&t, v);
                    else if (kind == 1)
                        hist_add_n(&b, v, n);
                    else
                        hist_add(&b, v);
                }
                if (kind == 2)
                    hist_merge(&b, &t);
                hist_clear(&t);

                assert_true(b.pos.len <= max && b.neg.len <= max);
                assert_int_equal(hist_count(&b), hist_count(&ref));
                assert_int_equal(bins_total(&b), hist_count(&b));
                hist_copy(&c, &ref);
                hist_compact(&c);
                int fits = c.pos.len <= max && c.neg.len <= max;
                assert_int_equal(fits, b.collapsed_bins == 0);
                if (fits) {
                    size_t lb, lr;
                    uint8_t *eb = encode(&b, &lb), *er = encode(&ref, &lr);
                    assert_int_equal(lb, lr);
                    assert_memory_equal(eb, er, lb);
                    free(eb);
                    free(er);
                }
                if (ref.pos.len)
                    assert_true(hist_quantile(&b, 1.0) == hist_quantile(&ref, 1.0));
                if (ref.neg.len)
                    assert_true(hist_quantile(&b, 0.0) == hist_quantile(&ref, 0.0));
            }
            hist_clear(&b);
            hist_clear(&ref);
            hist_clear(&c);
        }
    }
}

/* ---- copy, clear, compact, quantiles ---- */

static void fill_mixed(struct hist *h, struct rng *r, int n)
{
    for (int i = 0; i < n; i++) {
        double x = rng_normal(r) * 50.0;
        if (i % 97 == 0)
            x = 0;
        hist_add(h, x);
    }
}

static void test_copy_clear(void **state)
{
    (void)state;
    struct rng r = {7};
    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_add(&b, 123.0); /* dst content is released */
    fill_mixed(&a, &r, 5000);
    hist_copy(&b, &a);
    assert_same_hist(&a, &b);
    assert_int_equal(hist_memory_bytes(&a), hist_memory_bytes(&b));
    hist_add(&a, 1e6); /* independent after the copy */
    assert_int_equal(hist_count(&b), 5000);
    hist_copy(&b, &b);
    assert_int_equal(hist_count(&b), 5000);
    hist_clear(&a);
    assert_int_equal(hist_count(&a), 0);
    assert_int_equal(hist_bin_count(&a), 0);
    assert_int_equal(hist_memory_bytes(&a), 0);
    hist_add(&a, 2.0); /* usable after clear */
    assert_true(within_alpha(hist_quantile(&a, 0.5), 2.0));
    hist_clear(&a);
    hist_clear(&b);
}

static void test_compact(void **state)
{
    (void)state;
    struct rng r = {8};
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    fill_mixed(&h, &r, 3000);
    hist_copy(&ref, &h);
    size_t before = hist_memory_bytes(&h);
    hist_compact(&h);
    assert_true(hist_memory_bytes(&h) <= before);
    assert_same_hist(&h, &ref);
    /* The window is exactly the non-empty range: first and last cells are counted. */
    struct hist_store *s = &h.pos;
    assert_true(s->len > 0);
    assert_int_equal(((uint8_t *)s->counts)[0] != 0, 1);
    assert_int_equal(((uint8_t *)s->counts)[s->len - 1] != 0, 1);
    /* Still usable, also outside the old window. */
    hist_add(&h, 1e9);
    hist_add(&ref, 1e9);
    hist_add(&h, -1e-5);
    hist_add(&ref, -1e-5);
    assert_same_hist(&h, &ref);
    /* A single bin of 300: one 2-byte cell, no slack. */
    hist_clear(&h);
    hist_add_n(&h, 5.0, 300);
    hist_compact(&h);
    assert_int_equal(h.pos.width, 2);
    assert_int_equal(h.pos.len, 1);
    assert_int_equal(hist_memory_bytes(&h), 2);
    hist_clear(&h);
    hist_compact(&h); /* empty: no-op */
    assert_int_equal(hist_memory_bytes(&h), 0);
    hist_clear(&ref);
}

static void test_quantiles_one_pass(void **state)
{
    (void)state;
    struct rng r = {9};
    struct hist h;
    hist_init(&h);
    fill_mixed(&h, &r, 20000);
    double out[NQS];
    hist_quantiles(&h, QS, out, NQS);
    for (size_t i = 0; i < NQS; i++)
        assert_true(out[i] == hist_quantile(&h, QS[i]));
    /* Not ascending, repeated, NaN and out-of-range entries still answer each q. */
    const double odd[] = {0.9, 0.1, 0.1, NAN, 2.0, -1.0, 0.5};
    double out2[7];
    hist_quantiles(&h, odd, out2, 7);
    for (size_t i = 0; i < 7; i++) {
        double want = hist_quantile(&h, odd[i]);
        assert_true(isnan(want) ? isnan(out2[i]) : out2[i] == want);
    }
    hist_clear(&h);
}

/* ---- serialisation ---- */

static void build_rich(struct hist *h)
{
    struct rng r = {11};
    fill_mixed(h, &r, 4000);
    hist_add_n(h, 1e12, 1000000000000ULL); /* 8-byte cell, long varint */
    hist_add_n(h, -7.0, (1ULL << 63) + 5); /* escaped count */
    hist_add(h, 3e200);                    /* long run of empty bins */
    hist_add_n(h, 0.0, 3);
}

static void test_serialize_roundtrip(void **state)
{
    (void)state;
    struct hist h, d;
    hist_init(&h);
    hist_init(&d);
    /* Empty round trip. */
    size_t n;
    uint8_t *buf = encode(&h, &n);
    assert_int_equal(buf[0], HIST_CODEC_VERSION);
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&h, &d);
    free(buf);

    build_rich(&h);
    buf = encode(&h, &n);
    hist_add(&d, 5.0); /* replaced, not merged */
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&h, &d);
    for (size_t i = 0; i < NQS; i++)
        assert_true(hist_quantile(&h, QS[i]) == hist_quantile(&d, QS[i]));
    free(buf);

    /* A collapsed histogram keeps its collapsed_bins. */
    struct hist c;
    hist_init_bounded(&c, 8);
    for (double v = 1; v < 1e6; v *= 1.3)
        hist_add(&c, v);
    assert_true(c.collapsed_bins > 0);
    buf = encode(&c, &n);
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&c, &d);
    free(buf);
    hist_clear(&c);

    /* A small cap reports the size and writes nothing. */
    size_t need = hist_codec_encode(&h, NULL, 0);
    uint8_t *small = malloc(need);
    memset(small, 0xAA, need);
    assert_int_equal(hist_codec_encode(&h, small, need - 1), need);
    for (size_t i = 0; i < need; i++)
        assert_int_equal(small[i], 0xAA);
    free(small);

    /* Compact: 1000 ones in one bin is a handful of bytes. */
    hist_clear(&h);
    hist_add_n(&h, 1.0, 1000);
    assert_true(hist_codec_encode(&h, NULL, 0) <= 10);
    hist_clear(&h);
    hist_clear(&d);
}

static void assert_rejected(const uint8_t *buf, size_t len, uint32_t max_bins)
{
    struct hist h;
    hist_init_bounded(&h, max_bins);
    hist_add(&h, 1.0);
    hist_add(&h, -1.0);
    hist_add(&h, 0.0);
    assert_int_equal(hist_codec_decode(&h, buf, len), -1);
    assert_int_equal(hist_count(&h), 0);
    assert_int_equal(hist_bin_count(&h), 0);
    assert_int_equal(hist_memory_bytes(&h), 0);
    assert_int_equal(h.collapsed_bins, 0);
    hist_clear(&h);
}

static void test_deserialize_rejects(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    build_rich(&h);
    size_t n;
    uint8_t *buf = encode(&h, &n);
    hist_clear(&h);

    assert_rejected(NULL, 0, HIST_DEFAULT_MAX_BINS);
    assert_rejected(buf, 0, HIST_DEFAULT_MAX_BINS);
    for (size_t len = 1; len < n; len++) /* every truncation */
        assert_rejected(buf, len, HIST_DEFAULT_MAX_BINS);
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, buf, n);
    longer[n] = 0;
    assert_rejected(longer, n + 1, HIST_DEFAULT_MAX_BINS); /* trailing byte */
    longer[0] = HIST_CODEC_VERSION + 1;
    assert_rejected(longer, n, HIST_DEFAULT_MAX_BINS); /* unknown version */
    longer[0] = 0;
    assert_rejected(longer, n, HIST_DEFAULT_MAX_BINS);
    free(longer);
    assert_rejected(buf, n, 8); /* wider than the receiver's max_bins */
    free(buf);

    /* Hand-made hostile encodings: version, zero, collapsed, pos store, neg store. */
    const uint8_t overlong[] = {1,    0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                0x80, 0x80, 0x80, 0x02, 0,    0,    0};
    assert_rejected(overlong, sizeof overlong, HIST_DEFAULT_MAX_BINS);
    const uint8_t huge_len[] = {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 2, 0};
    assert_rejected(huge_len, sizeof huge_len, UINT32_MAX);
    const uint8_t far_offset[] = {1, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f, 2, 0};
    assert_rejected(far_offset, sizeof far_offset, HIST_DEFAULT_MAX_BINS);
    const uint8_t leading_run[] = {1, 0, 0, 2, 0, 1, 2, 0};
    assert_rejected(leading_run, sizeof leading_run, HIST_DEFAULT_MAX_BINS);
    const uint8_t trailing_run[] = {1, 0, 0, 2, 0, 2, 1, 0};
    assert_rejected(trailing_run, sizeof trailing_run, HIST_DEFAULT_MAX_BINS);
    const uint8_t run_too_long[] = {1, 0, 0, 3, 0, 2, 5, 2, 0};
    assert_rejected(run_too_long, sizeof run_too_long, HIST_DEFAULT_MAX_BINS);
    const uint8_t small_escape[] = {1, 0, 0, 1, 0, 0, 5, 0};
    assert_rejected(small_escape, sizeof small_escape, HIST_DEFAULT_MAX_BINS);
    const uint8_t big_collapsed[] = {1, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0};
    assert_rejected(big_collapsed, sizeof big_collapsed, HIST_DEFAULT_MAX_BINS);
    /* Counts that overflow the total: 2^64-1 zeros plus one value. */
    const uint8_t overflow[] = {1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0x01, 0,    1,    0,    2,    0};
    assert_rejected(overflow, sizeof overflow, HIST_DEFAULT_MAX_BINS);

    /* And the minimal valid ones are accepted: one bin of count 1 at index 0 (value ~1). */
    const uint8_t one[] = {1, 0, 0, 1, 0, 2, 0};
    assert_int_equal(hist_codec_decode(&h, one, sizeof one), 0);
    assert_int_equal(hist_count(&h), 1);
    assert_true(within_alpha(hist_quantile(&h, 0.5), 1.0));
    const uint8_t neg_run[] = {1, 0, 0, 0, 3, 1, 2, 1, 4};
    assert_int_equal(hist_codec_decode(&h, neg_run, sizeof neg_run), 0);
    assert_int_equal(hist_count(&h), 3);
    assert_int_equal(hist_bin_count(&h), 2);
    assert_true(hist_quantile(&h, 0.0) < 0);
    hist_clear(&h);
}

/* Found by fuzzing (tests/fuzz/fuzz_hist.c): the decoder took overlong varints and a gap split
 * into two runs, so decoding then encoding did not give back the input. Only the canonical
 * form is accepted now. */
static void test_deserialize_canonical_only(void **state)
{
    (void)state;
    const uint8_t overlong_zero[] = {1, 0x80, 0, 0, 0, 0};
    assert_rejected(overlong_zero, sizeof overlong_zero, HIST_DEFAULT_MAX_BINS);
    const uint8_t overlong_count[] = {1, 0, 0, 1, 0, 0x82, 0, 0};
    assert_rejected(overlong_count, sizeof overlong_count, HIST_DEFAULT_MAX_BINS);
    const uint8_t split_run[] = {1, 0, 0, 4, 2, 2, 1, 1, 2, 0};
    assert_rejected(split_run, sizeof split_run, HIST_DEFAULT_MAX_BINS);

    struct hist h;
    hist_init(&h);
    const uint8_t one_run[] = {1, 0, 0, 4, 2, 2, 3, 2, 0}; /* the same bins, canonical */
    assert_int_equal(hist_codec_decode(&h, one_run, sizeof one_run), 0);
    assert_int_equal(hist_count(&h), 2);
    uint8_t back[sizeof one_run];
    assert_int_equal(hist_codec_encode(&h, back, sizeof back), sizeof one_run);
    assert_memory_equal(back, one_run, sizeof one_run);
    hist_clear(&h);
}

/* Found by fuzzing: with a count near 2^64, (double)(count - 1) rounds to 2^64 and the cast of
 * floor(q * 2^64) to uint64_t was undefined; at -O1 and -O2 p100 came back as the minimum. */
static void test_quantile_huge_count(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add_n(&h, 1.0, 3);
    hist_add_n(&h, 1e6, UINT64_MAX - 3);
    assert_true(hist_count(&h) == UINT64_MAX);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1e6));
    assert_true(within_alpha(hist_quantile(&h, 0.5), 1e6));
    assert_true(within_alpha(hist_quantile(&h, 0.0), 1.0));
    hist_clear(&h);

    /* count - 1 = 2^57 + 15 rounds down to 2^57 in a double, a rank among the zeros: p100 was
     * 0 instead of the largest value */
    hist_init(&h);
    hist_add_n(&h, 0.0, (1ULL << 57) + 9);
    hist_add_n(&h, 5.0, 7);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 5.0));
    assert_true(hist_quantile(&h, 0.5) == 0.0);
    hist_clear(&h);
}

static void check_decoded(const uint8_t *buf, size_t len)
{
    struct hist h, again;
    hist_init(&h);
    hist_init(&again);
    if (hist_codec_decode(&h, buf, len) == 0) {
        /* Accepted input is self-consistent and re-encodes to the same histogram. */
        assert_int_equal(bins_total(&h), hist_count(&h));
        size_t n;
        uint8_t *enc = encode(&h, &n);
        assert_int_equal(hist_codec_decode(&again, enc, n), 0);
        assert_same_hist(&h, &again);
        free(enc);
        hist_quantile(&h, 0.5);
    } else {
        assert_int_equal(hist_count(&h), 0);
        assert_int_equal(hist_memory_bytes(&h), 0);
    }
    hist_clear(&h);
    hist_clear(&again);
}

static void test_deserialize_fuzz(void **state)
{
    (void)state;
    struct rng r = {12345};
    uint8_t buf[96];
    int accepted = 0;
    for (int i = 0; i < 30000; i++) { /* random strings, mostly with the right version */
        size_t len = rng_next(&r) % sizeof buf;
        for (size_t k = 0; k < len; k++) {
            uint64_t x = rng_next(&r);
            buf[k] = (x & 0x300) ? (uint8_t)(x & 0x07) : (uint8_t)x; /* favour small bytes */
        }
        if (len && rng_next(&r) % 8)
            buf[0] = HIST_CODEC_VERSION;
        struct hist h;
        hist_init(&h);
        accepted += hist_codec_decode(&h, buf, len) == 0;
        hist_clear(&h);
        check_decoded(buf, len);
    }
    assert_true(accepted > 0); /* the generator does reach valid encodings */

    /* Mutations of a valid encoding. */
    struct hist h;
    hist_init(&h);
    build_rich(&h);
    size_t n;
    uint8_t *valid = encode(&h, &n);
    uint8_t *mut = malloc(n);
    for (int i = 0; i < 20000; i++) {
        memcpy(mut, valid, n);
        int flips = 1 + (int)(rng_next(&r) % 3);
        for (int k = 0; k < flips; k++)
            mut[rng_next(&r) % n] ^= (uint8_t)(1u << (rng_next(&r) % 8));
        check_decoded(mut, 1 + rng_next(&r) % n);
        check_decoded(mut, n);
    }
    free(mut);
    free(valid);
    hist_clear(&h);
}

/* ---- property tests ---- */

enum dist { DIST_UNIFORM, DIST_NORMAL, DIST_LOGNORMAL, DIST_PARETO };

static double draw(struct rng *r, enum dist d)
{
    switch (d) {
    case DIST_UNIFORM:
        return rng_unit(r) * 1000.0;
    case DIST_NORMAL:
        return rng_normal(r) * 10.0 + 3.0; /* about 38 % negative */
    case DIST_LOGNORMAL:
        return exp(rng_normal(r) * 2.0);
    case DIST_PARETO:
        return 2.0 / pow(rng_unit_open(r), 1.0 / 1.5);
    }
    return 0;
}

#define PROP_N 100000

static void check_distribution(enum dist d, uint64_t seed)
{
    struct rng r = {seed};
    double *xs = malloc(PROP_N * sizeof *xs);
    struct hist h;
    hist_init(&h);
    for (int i = 0; i < PROP_N; i++) {
        xs[i] = draw(&r, d);
        assert_int_equal(hist_add(&h, xs[i]), 0);
    }
    qsort(xs, PROP_N, sizeof *xs, cmp_double);
    const double qs[] = {0.0, 0.001, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0};
    double out[10];
    hist_quantiles(&h, qs, out, 10);
    for (size_t i = 0; i < 10; i++) {
        double exact = xs[ref_rank((uint64_t)llround(qs[i] * 1000), 1000, PROP_N) - 1];
        if (!within_alpha(out[i], exact))
            fail_msg("dist %d q %g: estimate %.17g exact %.17g", (int)d, qs[i], out[i], exact);
        assert_true(out[i] == hist_quantile(&h, qs[i]));
    }
    /* Every rank, not only the listed ones. */
    struct seen *s = bins_of(&h);
    size_t rank = 0;
    for (size_t b = 0; b < s->n; b++) {
        for (uint64_t k = 0; k < s->count[b]; k++, rank++) {
            double x = xs[rank];
            if (s->lo[b] == 0 && s->hi[b] == 0) {
                assert_true(fabs(x) < HIST_MIN_ABS);
                continue;
            }
            assert_true(s->lo[b] * (s->lo[b] < 0 ? 1 + 1e-12 : 1 - 1e-12) <= x);
            assert_true(x <= s->hi[b] * (s->hi[b] < 0 ? 1 - 1e-12 : 1 + 1e-12));
        }
    }
    assert_int_equal(rank, PROP_N);
    if (d == DIST_NORMAL)
        assert_true(h.neg.len > 0 && h.pos.len > 0);
    free(s);
    free(xs);
    hist_clear(&h);
}

static void test_property_uniform(void **state)
{
    (void)state;
    check_distribution(DIST_UNIFORM, 101);
}

static void test_property_normal(void **state)
{
    (void)state;
    check_distribution(DIST_NORMAL, 102);
}

static void test_property_lognormal(void **state)
{
    (void)state;
    check_distribution(DIST_LOGNORMAL, 103);
}

static void test_property_pareto(void **state)
{
    (void)state;
    check_distribution(DIST_PARETO, 104);
}

static void check_merge(enum dist d, int parts, uint64_t seed)
{
    struct rng r = {seed};
    struct hist all, merged, *part = malloc((size_t)parts * sizeof *part);
    hist_init(&all);
    hist_init(&merged);
    for (int p = 0; p < parts; p++)
        hist_init(&part[p]);
    for (int i = 0; i < PROP_N; i++) {
        double x = draw(&r, d);
        if (i % 1000 == 0)
            x = 0;
        hist_add(&all, x);
        hist_add(&part[rng_next(&r) % (uint64_t)parts], x);
    }
    /* Merge in a scrambled order, some parts through an intermediate. */
    struct hist mid;
    hist_init(&mid);
    for (int p = parts - 1; p >= 0; p--) {
        if (p % 3 == 1)
            hist_merge(&mid, &part[p]);
        else
            hist_merge(&merged, &part[p]);
    }
    hist_merge(&merged, &mid);
    assert_same_hist(&all, &merged);
    double qa[NQS], qm[NQS];
    hist_quantiles(&all, QS, qa, NQS);
    hist_quantiles(&merged, QS, qm, NQS);
    for (size_t i = 0; i < NQS; i++)
        assert_true(qa[i] == qm[i]);
    for (int p = 0; p < parts; p++)
        hist_clear(&part[p]);
    free(part);
    hist_clear(&mid);
    hist_clear(&all);
    hist_clear(&merged);
}

static void test_property_merge(void **state)
{
    (void)state;
    const int ks[] = {2, 7, 32};
    for (size_t i = 0; i < 3; i++) {
        check_merge(DIST_NORMAL, ks[i], 200 + i);
        check_merge(DIST_LOGNORMAL, ks[i], 300 + i);
        check_merge(DIST_PARETO, ks[i], 400 + i);
    }
}

static void test_merge_edges(void **state)
{
    (void)state;
    struct rng r = {13};
    struct hist a, b, e;
    hist_init(&a);
    hist_init(&b);
    hist_init(&e);
    fill_mixed(&a, &r, 1000);
    hist_copy(&b, &a);
    hist_merge(&a, &e); /* empty source */
    assert_same_hist(&a, &b);
    hist_merge(&e, &a); /* empty destination */
    assert_same_hist(&e, &a);
    hist_merge(&a, &a); /* self: every count doubles */
    hist_merge(&b, &e);
    assert_same_hist(&a, &b);
    assert_int_equal(hist_count(&a), 2000);
    hist_clear(&a);
    hist_clear(&b);
    hist_clear(&e);
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
static void test_store_accumulate_matches_merge(void **state)
{
    (void)state;
    struct hist a, b, m;
    hist_init(&a);
    hist_init(&b);
    hist_init(&m);
    for (int i = 1; i <= 300; i++) {
        hist_add(&a, i * 0.7);
        hist_add_n(&b, i * 13.0, 300); /* wider cells in b */
    }
    hist_merge(&m, &a);
    hist_merge(&m, &b);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    hist_store_extent(&a.pos, &lo, &hi);
    hist_store_extent(&b.pos, &lo, &hi);
    struct hist_store empty = {0};
    hist_store_extent(&empty, &lo, &hi); /* changes nothing */
    assert_true(lo <= hi);
    uint64_t *cells = calloc((size_t)(hi - lo + 1), sizeof(*cells));
    hist_store_accumulate(&a.pos, cells, lo);
    hist_store_accumulate(&b.pos, cells, lo);
    hist_store_accumulate(&empty, cells, lo);
    uint64_t total = 0;
    for (int64_t i = lo; i <= hi; i++) {
        int64_t j = i - m.pos.offset;
        uint64_t want = 0;
        if (j >= 0 && j < (int64_t)m.pos.len)
            want = m.pos.width == 1   ? ((uint8_t *)m.pos.counts)[j]
                   : m.pos.width == 2 ? ((uint16_t *)m.pos.counts)[j]
                   : m.pos.width == 4 ? ((uint32_t *)m.pos.counts)[j]
                                      : ((uint64_t *)m.pos.counts)[j];
        assert_int_equal(cells[i - lo], want);
        total += cells[i - lo];
    }
    assert_int_equal(total, hist_count(&m));
    free(cells);
    hist_clear(&a);
    hist_clear(&b);
    hist_clear(&m);
}

/* A one-value view holds the same bins as adding the value to an empty histogram, merges as
 * that would, and owns no heap (issue 15: a time slot with one event has no histogram). */
static void test_view_one_equals_one_add(void **state)
{
    (void)state;
    const double vs[] = {42.5, -3.25, 0.0, 1e-12, -1e300, 1e-9, 7e307};
    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        struct hist view, one, a, b;
        uint8_t cell = 0;
        hist_view_one(&view, vs[i], &cell);
        hist_init(&one);
        hist_add(&one, vs[i]);
        assert_int_equal(hist_count(&view), 1);
        assert_int_equal(view.zero_count, one.zero_count);
        assert_int_equal(hist_bin_count(&view), hist_bin_count(&one));
        for (int q = 0; q <= 2; q++)
            assert_true(hist_quantile(&view, q / 2.0) == hist_quantile(&one, q / 2.0));
        hist_init(&a);
        hist_init(&b);
        hist_add(&a, 5.0);
        hist_add(&b, 5.0);
        hist_merge(&a, &view);
        hist_add(&b, vs[i]);
        assert_int_equal(hist_count(&a), 2);
        for (int q = 0; q <= 4; q++)
            assert_true(hist_quantile(&a, q / 4.0) == hist_quantile(&b, q / 4.0));
        hist_clear(&a);
        hist_clear(&b);
        hist_clear(&one);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return bench();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_one_equals_one_add),
        cmocka_unit_test(test_store_accumulate_matches_merge),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_single_value),
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
        cmocka_unit_test(test_width_promotion),
        cmocka_unit_test(test_collapse_lowest),
        cmocka_unit_test(test_collapse_by_merge),
        cmocka_unit_test(test_collapse_random_ops),
        cmocka_unit_test(test_copy_clear),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_quantiles_one_pass),
        cmocka_unit_test(test_serialize_roundtrip),
        cmocka_unit_test(test_deserialize_rejects),
        cmocka_unit_test(test_deserialize_fuzz),
        cmocka_unit_test(test_deserialize_canonical_only),
        cmocka_unit_test(test_quantile_huge_count),
        cmocka_unit_test(test_property_uniform),
        cmocka_unit_test(test_property_normal),
        cmocka_unit_test(test_property_lognormal),
        cmocka_unit_test(test_property_pareto),
        cmocka_unit_test(test_property_merge),
        cmocka_unit_test(test_merge_edges),
        cmocka_unit_test(test_memory_small_slot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
