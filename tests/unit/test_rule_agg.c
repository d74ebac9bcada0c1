/* test_rule_agg.c — the aggregations of the expression language (core/rule_agg.c): names, pX
 * parsing, and a known answer for every aggregation on a small window and on an empty one. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/hist.h"
#include "core/rule.h"
#include "core/summary.h"

static void test_parse_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        enum rule_agg agg;
        double q; /* NAN: none */
    } cases[] = {
        {"count", RULE_AGG_COUNT, NAN},       {"rate", RULE_AGG_RATE, NAN},
        {"sum", RULE_AGG_SUM, NAN},           {"avg", RULE_AGG_AVG, NAN},
        {"min", RULE_AGG_MIN, NAN},           {"max", RULE_AGG_MAX, NAN},
        {"first", RULE_AGG_FIRST, NAN},       {"last", RULE_AGG_LAST, NAN},
        {"range", RULE_AGG_RANGE, NAN},       {"std.p", RULE_AGG_STDDEV, NAN},
        {"stddev", RULE_AGG_STDDEV, NAN},     {"std.s", RULE_AGG_STD_S, NAN},
        {"var.p", RULE_AGG_VAR_P, NAN},       {"var.s", RULE_AGG_VAR_S, NAN},
        {"increase", RULE_AGG_INCREASE, NAN}, {"absent", RULE_AGG_ABSENT, NAN},
        {"quantile", RULE_AGG_QUANTILE, NAN}, {"p50", RULE_AGG_P50, 0.5},
        {"p90", RULE_AGG_P90, 0.9},           {"p95", RULE_AGG_P95, 0.95},
        {"p99", RULE_AGG_P99, 0.99},          {"p999", RULE_AGG_P999, 0.999},
        {"p99.9", RULE_AGG_P999, 0.999},      {"p75", RULE_AGG_QUANTILE, 0.75},
        {"p5", RULE_AGG_QUANTILE, 0.05},      {"p99.95", RULE_AGG_QUANTILE, 0.9995},
        {"p0", RULE_AGG_QUANTILE, 0},         {"p100", RULE_AGG_QUANTILE, 1},
        {"p50.0", RULE_AGG_P50, 0.5},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        enum rule_agg agg;
        double q = 42;
        if (rule_agg_parse(cases[k].name, strlen(cases[k].name), &agg, &q) != 0)
            fail_msg("%s refused", cases[k].name);
        assert_int_equal(agg, cases[k].agg);
        if (isnan(cases[k].q))
            assert_true(isnan(q));
        else if (q != cases[k].q)
            fail_msg("%s: q %.17g", cases[k].name, q);
    }
    static const char *const bad[] = {"",    "p",   "p101",  "p100.5", "p-1",     "p9x",   "p.5",
                                      "p5.", "std", "Count", "p1000",  "quantil", "p99..9"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        enum rule_agg agg = RULE_AGG_SUM;
        double q = 0;
        if (rule_agg_parse(bad[k], strlen(bad[k]), &agg, &q) == 0)
            fail_msg("'%s' accepted", bad[k]);
    }
    char buf[64];
    assert_string_equal(rule_agg_label(RULE_AGG_QUANTILE, 0.75, buf, sizeof buf), "p75");
    assert_string_equal(rule_agg_label(RULE_AGG_QUANTILE, 0.9995, buf, sizeof buf), "p99.95");
    assert_string_equal(rule_agg_label(RULE_AGG_P999, 0.999, buf, sizeof buf), "p999");
    assert_string_equal(rule_agg_label(RULE_AGG_STD_S, NAN, buf, sizeof buf), "std.s");
    assert_string_equal(rule_agg_label(RULE_AGG_QUANTILE, 1e-7, buf, sizeof buf),
                        "quantile(9.9999999999999995e-08)");
}

/* Values 4, 1, 7, 2 at 10, 20, 30, 40 ms over a window data covers for 2 s. */
static void window_of(struct summary *s, struct hist *h)
{
    static const double v[] = {4, 1, 7, 2};
    summary_init(s);
    hist_init(h);
    for (int i = 0; i < 4; i++) {
        summary_add(s, v[i], 10 * (i + 1));
        hist_add(h, v[i]);
    }
}

static void test_known_answers(void **state)
{
    (void)state;
    struct summary s;
    struct hist h;
    window_of(&s, &h);
    static const struct {
        enum rule_agg agg;
        double q, want, tol; /* tol: relative */
    } cases[] = {
        {RULE_AGG_COUNT, NAN, 4, 0},
        {RULE_AGG_RATE, NAN, 2, 0},
        {RULE_AGG_SUM, NAN, 14, 0},
        {RULE_AGG_AVG, NAN, 3.5, 0},
        {RULE_AGG_MIN, NAN, 1, 0},
        {RULE_AGG_MAX, NAN, 7, 0},
        {RULE_AGG_FIRST, NAN, 4, 0},
        {RULE_AGG_LAST, NAN, 2, 0},
        {RULE_AGG_RANGE, NAN, 6, 0},
        {RULE_AGG_VAR_P, NAN, 5.25, 1e-15}, /* deviations 0.5, 2.5, 3.5, 1.5: squares sum 21 */
        {RULE_AGG_VAR_S, NAN, 7, 1e-15},
        {RULE_AGG_STDDEV, NAN, 2.29128784747792, 1e-14},
        {RULE_AGG_STD_S, NAN, 2.64575131106459, 1e-14},
        {RULE_AGG_INCREASE, NAN, -2, 0},
        {RULE_AGG_ABSENT, NAN, 0, 0},
        /* nearest rank ceil(q * 4) of 1, 2, 4, 7: rank 1 and 4 are exact (clamped) */
        {RULE_AGG_P50, NAN, 2, HIST_ALPHA},
        {RULE_AGG_P90, NAN, 7, 0},
        {RULE_AGG_P99, NAN, 7, 0},
        {RULE_AGG_P999, NAN, 7, 0},
        {RULE_AGG_P95, NAN, 7, 0},
        {RULE_AGG_QUANTILE, 0.75, 4, HIST_ALPHA},
        {RULE_AGG_QUANTILE, 0.25, 1, 0},
        {RULE_AGG_QUANTILE, 0.26, 2, HIST_ALPHA},
        {RULE_AGG_QUANTILE, 0, 1, 0},
        {RULE_AGG_QUANTILE, 1, 7, 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        double v = rule_agg_value(cases[k].agg, cases[k].q, &s, &h, 2.0);
        double err = fabs(v - cases[k].want);
        if (!(err <= cases[k].tol * fabs(cases[k].want)))
            fail_msg("%s(q %g): %.17g, want %.17g", rule_agg_name(cases[k].agg), cases[k].q, v,
                     cases[k].want);
    }
    /* quantiles need the histogram */
    assert_true(isnan(rule_agg_value(RULE_AGG_P50, NAN, &s, NULL, 2.0)));
    /* rate over a window data could not cover has no value */
    assert_true(isnan(rule_agg_value(RULE_AGG_RATE, NAN, &s, &h, 0)));

    /* one value: sample statistics have none, increase is 0 */
    struct summary one;
    summary_init(&one);
    summary_add(&one, 5, 0);
    assert_true(isnan(rule_agg_value(RULE_AGG_STD_S, NAN, &one, NULL, 1)));
    assert_true(isnan(rule_agg_value(RULE_AGG_VAR_S, NAN, &one, NULL, 1)));
    assert_true(rule_agg_value(RULE_AGG_VAR_P, NAN, &one, NULL, 1) == 0);
    assert_true(rule_agg_value(RULE_AGG_INCREASE, NAN, &one, NULL, 1) == 0);

    /* the empty window: count and rate 0, absent 1, the rest no value */
    struct summary empty;
    struct hist eh;
    summary_init(&empty);
    hist_init(&eh);
    for (int a = RULE_AGG_COUNT; a <= RULE_AGG_LAST_KIND; a++) {
        double v = rule_agg_value((enum rule_agg)a, 0.5, &empty, &eh, 10);
        if (a == RULE_AGG_COUNT || a == RULE_AGG_RATE)
            assert_true(v == 0);
        else if (a == RULE_AGG_ABSENT)
            assert_true(v == 1);
        else if (!isnan(v))
            fail_msg("%s of nothing: %g", rule_agg_name((enum rule_agg)a), v);
    }
    hist_clear(&h);
    hist_clear(&eh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_names),
        cmocka_unit_test(test_known_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
