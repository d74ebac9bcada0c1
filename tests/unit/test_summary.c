/* test_summary.c — scalar summaries: known answers, the empty summary, first/last by timestamp
 * with ties, merge of random splits against the whole sequence, and numerical stability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "core/summary.h"

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

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int close_rel(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

/* Exact fields must be equal bit for bit; mean and variance within rel. */
static void assert_same_summary(const struct summary *a, const struct summary *b, double rel)
{
    assert_int_equal(a->count, b->count);
    assert_true(a->sum == b->sum);
    assert_true(a->min == b->min);
    assert_true(a->max == b->max);
    assert_true(a->first == b->first);
    assert_true(a->last == b->last);
    assert_int_equal(a->first_ts_ms, b->first_ts_ms);
    assert_int_equal(a->last_ts_ms, b->last_ts_ms);
    assert_true(close_rel(summary_mean(a), summary_mean(b), rel));
    assert_true(close_rel(summary_variance(a), summary_variance(b), rel));
}

static void test_empty(void **state)
{
    (void)state;
    struct summary s, t;
    summary_init(&s);
    summary_init(&t);
    assert_int_equal(s.count, 0);
    assert_true(isnan(summary_mean(&s)));
    assert_true(isnan(summary_variance(&s)));
    assert_true(isnan(summary_stddev(&s)));
    assert_true(isnan(s.first) && isnan(s.last));
    assert_true(s.sum == 0);
    summary_merge(&s, &t);
    assert_int_equal(s.count, 0);
    assert_true(isnan(summary_mean(&s)));
}

static void test_known_answers(void **state)
{
    (void)state;
    struct summary s;
    summary_init(&s);
    const double vals[] = {2, 4, 4, 4, 5, 5, 7, 9};
    for (int i = 0; i < 8; i++)
        summary_add(&s, vals[i], 1000 + i);
    assert_int_equal(s.count, 8);
    assert_true(s.sum == 40);
    assert_true(s.min == 2 && s.max == 9);
    assert_true(summary_mean(&s) == 5);
    assert_true(close_rel(summary_variance(&s), 4, 1e-15)); /* population variance */
    assert_true(close_rel(summary_stddev(&s), 2, 1e-15));
    assert_true(s.first == 2 && s.first_ts_ms == 1000);
    assert_true(s.last == 9 && s.last_ts_ms == 1007);

    /* One value: zero variance, first == last. */
    summary_init(&s);
    summary_add(&s, -3.5, 42);
    assert_true(summary_mean(&s) == -3.5);
    assert_true(summary_variance(&s) == 0);
    assert_true(s.min == -3.5 && s.max == -3.5);
    assert_true(s.first == -3.5 && s.last == -3.5);

    /* Constant values: variance exactly 0, never negative. */
    summary_init(&s);
    for (int i = 0; i < 1000; i++)
        summary_add(&s, 1e9 + 0.1, i);
    assert_true(summary_variance(&s) == 0);
    assert_true(summary_mean(&s) == 1e9 + 0.1);
}

static void test_first_last_ties(void **state)
{
    (void)state;
    struct summary s;
    summary_init(&s);
    summary_add(&s, 1, 100);
    summary_add(&s, 2, 100);
    summary_add(&s, 3, 50); /* earlier timestamp: new first */
    summary_add(&s, 4, 200);
    summary_add(&s, 5, 200); /* tie on the latest: the later add wins */
    summary_add(&s, 6, 50);  /* tie on the earliest: the earlier add wins */
    summary_add(&s, 7, 150); /* out of order: neither */
    assert_true(s.first == 3 && s.first_ts_ms == 50);
    assert_true(s.last == 5 && s.last_ts_ms == 200);

    /* Merge: dst's values come first, so dst wins a first tie and src wins a last tie. */
    struct summary a, b, m;
    summary_init(&a);
    summary_init(&b);
    summary_add(&a, 10, 5);
    summary_add(&a, 11, 9);
    summary_add(&b, 20, 5);
    summary_add(&b, 21, 9);
    m = a;
    summary_merge(&m, &b);
    assert_true(m.first == 10 && m.last == 21);
    m = b;
    summary_merge(&m, &a);
    assert_true(m.first == 20 && m.last == 11);
    /* Strictly earlier/later timestamps win whichever side they are on. */
    summary_add(&b, 19, 1);
    m = a;
    summary_merge(&m, &b);
    assert_true(m.first == 19 && m.first_ts_ms == 1);

    /* Extreme timestamps are values like any other. */
    summary_init(&s);
    summary_add(&s, 8, INT64_MAX);
    assert_true(s.first == 8 && s.first_ts_ms == INT64_MAX);
    assert_true(s.last == 8 && s.last_ts_ms == INT64_MAX);
    summary_init(&s);
    summary_add(&s, 9, INT64_MIN);
    assert_true(s.first == 9 && s.last == 9);
}

/* Values are multiples of 1/16 below 2^11, so every partial sum is exact in any order. */
static double grid_value(struct rng *r)
{
    return (double)(rng_next(r) % 32001) / 16.0 - 500.0; /* mostly positive: mean ~500 */
}

#define N 10000

static void check_contiguous_splits(int parts, uint64_t seed)
{
    struct rng r = {seed};
    static double vs[N];
    static int64_t ts[N];
    struct summary whole;
    summary_init(&whole);
    for (int i = 0; i < N; i++) {
        vs[i] = grid_value(&r);
        ts[i] = (int64_t)(rng_next(&r) % 500); /* many ties */
        summary_add(&whole, vs[i], ts[i]);
    }
    /* Random cut points, merged left to right, some through a tree of adjacent pairs. */
    int cuts[64];
    cuts[0] = 0;
    cuts[parts] = N;
    for (int p = 1; p < parts; p++)
        cuts[p] = (int)(rng_next(&r) % (N + 1));
    for (int p = 1; p < parts; p++) /* insertion sort of the inner cuts */
        for (int q = p; q > 1 && cuts[q - 1] > cuts[q]; q--) {
            int t = cuts[q];
            cuts[q] = cuts[q - 1];
            cuts[q - 1] = t;
        }
    struct summary part[64], left, tree[64];
    summary_init(&left);
    for (int p = 0; p < parts; p++) {
        summary_init(&part[p]);
        for (int i = cuts[p]; i < cuts[p + 1]; i++)
            summary_add(&part[p], vs[i], ts[i]);
        summary_merge(&left, &part[p]);
        tree[p] = part[p];
    }
    assert_same_summary(&left, &whole, 1e-9);
    for (int width = 1; width < parts; width *= 2)
        for (int p = 0; p + width < parts; p += 2 * width)
            summary_merge(&tree[p], &tree[p + width]);
    assert_same_summary(&tree[0], &whole, 1e-9);
}

static void check_interleaved_splits(int parts, uint64_t seed)
{
    struct rng r = {seed};
    struct summary whole, part[64], merged;
    summary_init(&whole);
    summary_init(&merged);
    for (int p = 0; p < parts; p++)
        summary_init(&part[p]);
    for (int i = 0; i < N; i++) {
        double v = grid_value(&r);
        int64_t ts = 1700000000000LL + (int64_t)((uint64_t)i * 7919 % N); /* distinct */
        summary_add(&whole, v, ts);
        summary_add(&part[rng_next(&r) % (uint64_t)parts], v, ts);
    }
    for (int p = parts - 1; p >= 0; p--) /* any order: timestamps are distinct */
        summary_merge(&merged, &part[p]);
    assert_same_summary(&merged, &whole, 1e-9);
}

static void test_merge_random_splits(void **state)
{
    (void)state;
    const int ks[] = {2, 7, 32};
    for (int i = 0; i < 3; i++) {
        check_contiguous_splits(ks[i], 10 + (uint64_t)i);
        check_interleaved_splits(ks[i], 20 + (uint64_t)i);
    }
}

static void test_merge_empty_sides(void **state)
{
    (void)state;
    struct summary a, e, m;
    summary_init(&a);
    summary_init(&e);
    summary_add(&a, 1, 10);
    summary_add(&a, 3, 20);
    m = a;
    summary_merge(&m, &e);
    assert_same_summary(&m, &a, 0);
    m = e;
    summary_merge(&m, &a);
    assert_same_summary(&m, &a, 0);
    m = a;
    summary_merge(&m, &m); /* self: doubled counts, same mean and variance */
    assert_int_equal(m.count, 4);
    assert_true(m.sum == 8);
    assert_true(summary_mean(&m) == 2);
    assert_true(summary_variance(&m) == 1);
}

static void test_numerical_stability(void **state)
{
    (void)state;
    struct rng r = {31};
    enum { M = 100000 };
    static double xs[M];
    struct summary s, halves[2];
    summary_init(&s);
    summary_init(&halves[0]);
    summary_init(&halves[1]);
    /* 1e9 plus noise in [-1, 1): x - 1e9 is exact, so the two-pass reference is accurate. */
    double dsum = 0;
    for (int i = 0; i < M; i++) {
        xs[i] = 1e9 + (rng_unit(&r) * 2.0 - 1.0);
        summary_add(&s, xs[i], i);
        summary_add(&halves[i % 2], xs[i], i);
        dsum += xs[i] - 1e9;
    }
    double dmean = dsum / M, ss = 0;
    for (int i = 0; i < M; i++)
        ss += ((xs[i] - 1e9) - dmean) * ((xs[i] - 1e9) - dmean);
    double var = ss / M; /* about 1/3 */
    assert_true(close_rel(summary_variance(&s), var, 1e-6));
    assert_true(close_rel(summary_mean(&s), 1e9 + dmean, 1e-13));
    summary_merge(&halves[0], &halves[1]);
    assert_true(close_rel(summary_variance(&halves[0]), var, 1e-6));
    /* The naive sum-of-squares formula would be off by orders of magnitude here. */
    double sq = 0;
    for (int i = 0; i < M; i++)
        sq += xs[i] * xs[i];
    double naive = sq / M - (s.sum / M) * (s.sum / M);
    assert_false(close_rel(naive, var, 1e-6));

    /* Two far-apart groups: the merged variance is the between-group one. */
    struct summary a, b;
    summary_init(&a);
    summary_init(&b);
    for (int i = 0; i < 1000; i++) {
        summary_add(&a, -1e9, i);
        summary_add(&b, 1e9, i);
    }
    summary_merge(&a, &b);
    assert_true(close_rel(summary_variance(&a), 1e18, 1e-12));
    assert_true(fabs(summary_mean(&a)) <= 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_known_answers),
        cmocka_unit_test(test_first_last_ties),
        cmocka_unit_test(test_merge_random_splits),
        cmocka_unit_test(test_merge_empty_sides),
        cmocka_unit_test(test_numerical_stability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
