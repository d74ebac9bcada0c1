/* test_synth.c — the PRNG and distributions behind the demo, the benchmarks and `gen`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/synth.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_same_seed_same_stream(void **state)
{
    (void)state;
    struct synth_rng a, b, c;
    synth_seed(&a, 42);
    synth_seed(&b, 42);
    synth_seed(&c, 43);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = synth_next(&a);
        assert_true(x == synth_next(&b));
        differ += x != synth_next(&c);
    }
    assert_true(differ > 990);
}

static void test_uniform_and_below_ranges(void **state)
{
    (void)state;
    struct synth_rng r;
    synth_seed(&r, 1);
    int buckets[10] = {0};
    for (int i = 0; i < 100000; i++) {
        double u = synth_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        uint32_t k = synth_below(&r, 10);
        assert_true(k < 10);
        buckets[k]++;
    }
    for (int k = 0; k < 10; k++)
        assert_true(buckets[k] > 9500 && buckets[k] < 10500);
}

static void test_normal_moments(void **state)
{
    (void)state;
    struct synth_rng r;
    synth_seed(&r, 7);
    double sum = 0, sq = 0;
    int n = 200000;
    for (int i = 0; i < n; i++) {
        double x = synth_normal(&r);
        sum += x;
        sq += x * x;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(var - 1.0) < 0.02);
}

static void test_lognormal_median(void **state)
{
    (void)state;
    struct synth_rng r;
    synth_seed(&r, 9);
    enum { N = 100001 };
    double *v = malloc(N * sizeof(*v));
    for (int i = 0; i < N; i++)
        v[i] = synth_lognormal(&r, log(50.0), 0.5);
    qsort(v, N, sizeof(*v), cmp_double);
    assert_true(fabs(v[N / 2] - 50.0) < 1.0);
    free(v);
}

static void test_pareto_lower_bound(void **state)
{
    (void)state;
    struct synth_rng r;
    synth_seed(&r, 3);
    for (int i = 0; i < 10000; i++)
        assert_true(synth_pareto(&r, 2.0, 1.5) >= 2.0);
}

static void test_series_catalogue_is_stable_and_distinct(void **state)
{
    (void)state;
    struct synth_series a, b;
    synth_series_describe(5, &a);
    synth_series_describe(5, &b);
    assert_string_equal(a.key, b.key);
    assert_string_equal(a.key, "requests{region=eu-west,service=auth}");
    for (uint32_t i = 0; i < 2000; i++) {
        synth_series_describe(i, &a);
        synth_series_describe(i + 1, &b);
        assert_string_not_equal(a.key, b.key);
    }
    synth_series_describe(1000, &a);
    assert_string_equal(a.key, "latency_ms{region=us-west,service=billing,shard=7}");
}

static void test_anomaly_scales_values(void **state)
{
    (void)state;
    struct synth_series s;
    synth_series_describe(0, &s); /* latency */
    struct synth_rng r1, r2;
    synth_seed(&r1, 11);
    synth_seed(&r2, 11);
    double plain = synth_series_value(&s, &r1, 1000, 1.0);
    double spiked = synth_series_value(&s, &r2, 1000, 10.0);
    assert_true(fabs(spiked - 10.0 * plain) < 1e-9 * spiked);
}

static void test_gauges_stay_percentages(void **state)
{
    (void)state;
    struct synth_rng r;
    synth_seed(&r, 5);
    for (uint32_t i = 2; i < 64; i += 4) { /* every cpu_pct series */
        struct synth_series s;
        synth_series_describe(i, &s);
        assert_int_equal(s.shape, SYNTH_GAUGE);
        for (int k = 0; k < 2000; k++) {
            double v = synth_series_value(&s, &r, (int64_t)k * 1800, k % 2 ? 1.0 : 10.0);
            assert_true(v >= 0 && v <= 100);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_stream),
        cmocka_unit_test(test_uniform_and_below_ranges),
        cmocka_unit_test(test_normal_moments),
        cmocka_unit_test(test_lognormal_median),
        cmocka_unit_test(test_pareto_lower_bound),
        cmocka_unit_test(test_series_catalogue_is_stable_and_distinct),
        cmocka_unit_test(test_anomaly_scales_values),
        cmocka_unit_test(test_gauges_stay_percentages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
