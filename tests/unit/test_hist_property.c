/* test_hist_property.c — seeded property tests: the 1 % quantile guarantee over uniform, normal,
 * lognormal and Pareto values, and exact merging. */
#include "tests/unit/test_hist_lib.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_property_uniform),   cmocka_unit_test(test_property_normal),
        cmocka_unit_test(test_property_lognormal), cmocka_unit_test(test_property_pareto),
        cmocka_unit_test(test_property_merge),     cmocka_unit_test(test_merge_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
