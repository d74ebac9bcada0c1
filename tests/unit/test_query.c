/* test_query.c — query rows (core/query): a `by` group's merge equals one sketch of the union of
 * its series' values, tumbling and hopping range rows equal a brute-force recomputation from the
 * raw events (empty and partly filled windows included), selection by substring and regex,
 * sorting by any aggregation, late and expired counts per row. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/query.h"
#include "tests/unit/refmodel.h"

static const int64_t T0 = 1700000400000LL; /* epoch-aligned to 10 s, 1 min and 5 min */

static struct rule_expr parse(const char *text)
{
    struct rule_expr e;
    char err[256];
    size_t col = 0;
    if (rule_expr_parse_query(text, strlen(text), &e, &col, err, sizeof err) != 0)
        fail_msg("\"%s\": column %zu: %s", text, col, err);
    return e;
}

static size_t find_group(const struct query_result *r, const char *key)
{
    for (size_t g = 0; g < r->ngroups; g++)
        if (strcmp(r->groups[g].key, key) == 0)
            return g;
    fail_msg("no group '%s'", key);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Group-by merge == one sketch of the union. */

static void test_group_merge_is_union(void **state)
{
    (void)state;
    static const char *const keys[] = {"lat{region=eu,service=api}",
                                       "lat{region=us,service=api}",
                                       "lat{region=eu,service=web}",
                                       "lat{region=us,service=web}",
                                       "lat{service=db}",
                                       "other{service=api}"};
    struct series_table_config tc;
    query_table_config(&tc, 60, 1);
    struct series_table *tab = series_table_new(&tc);
    struct hist uh[3]; /* api, web, db */
    struct summary us[3];
    for (int k = 0; k < 3; k++) {
        hist_init(&uh[k]);
        summary_init(&us[k]);
    }
    uint64_t rng = 7;
    for (int i = 0; i < 6000; i++) {
        size_t k = (size_t)rng_below(&rng, 6);
        double v = exp((double)rng_below(&rng, 2000) / 200.0) - 1; /* 0 .. 22000, skewed */
        int64_t ts = T0 + i * 10;                                  /* 60 s of data */
        assert_int_equal(series_table_ingest(tab, keys[k], strlen(keys[k]), v, ts), SERIES_ADDED);
        if (k == 5)
            continue; /* another metric */
        int g = k == 4 ? 2 : (int)(k / 2);
        hist_add(&uh[g], v);
        summary_add(&us[g], v, ts);
    }
    struct rule_expr e = parse("p99(lat) by (service) over 1m");
    struct query_window w = {T0 / 1000, T0 / 1000 + 60};
    struct query_result r;
    query_run(tab, &e, &w, 1, true, &r);
    assert_int_equal(r.ngroups, 3);
    static const char *const gkeys[] = {"service=api", "service=web", "service=db"};
    static const double qs[] = {0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
    for (int k = 0; k < 3; k++) {
        size_t g = find_group(&r, gkeys[k]);
        const struct query_cell *c = &r.groups[g].cells[0];
        assert_int_equal(r.groups[g].nseries, k == 2 ? 1 : 2);
        assert_int_equal(c->sum.count, us[k].count);
        assert_int_equal(hist_count(&c->hist), hist_count(&uh[k]));
        assert_true(c->sum.min == us[k].min && c->sum.max == us[k].max);
        assert_close(c->sum.sum, us[k].sum, 1e-12);
        for (size_t j = 0; j < sizeof qs / sizeof qs[0]; j++) /* bit for bit */
            assert_true(hist_quantile(&c->hist, qs[j]) == hist_quantile(&uh[k], qs[j]));
        double want = hist_quantile_clamp(hist_quantile(&uh[k], 0.99), 0.99, us[k].count, us[k].min,
                                          us[k].max);
        assert_true(query_value(&r, g, 0, e.agg, e.q, 60) == want);
    }
    query_result_free(&r);
    rule_expr_free(&e);

    /* by (): one row for everything the selector matches; absent(): one row, 0 or 1 */
    e = parse("count(lat) by ()");
    query_run(tab, &e, &w, 1, false, &r);
    assert_int_equal(r.ngroups, 1);
    assert_int_equal(r.groups[0].cells[0].sum.count, us[0].count + us[1].count + us[2].count);
    query_result_free(&r);
    rule_expr_free(&e);
    e = parse("absent(nothing)");
    query_run(tab, &e, &w, 1, false, &r);
    assert_int_equal(r.ngroups, 1);
    assert_true(query_value(&r, 0, 0, e.agg, e.q, 60) == 1);
    query_result_free(&r);
    rule_expr_free(&e);

    for (int k = 0; k < 3; k++)
        hist_clear(&uh[k]);
    series_table_free(tab);
}

/* ---------------------------------------------------------------------------------------------
 * Range rows == brute force. */

struct rawev {
    int series;
    double v;
    int64_t ts_ms;
};

/* Multiples of 1/64: sums are exact in any order. */
static double rng_value(uint64_t *s)
{
    return (double)(rng_below(s, 64 * 500) - 64 * 20) / 64.0;
}

static void check_range(const struct rawev *ev, size_t n, const char *const *keys, int nkeys,
                        uint32_t step_s, uint32_t width_s, int64_t from_s, int64_t now_s,
                        bool has_gap)
{
    struct series_table_config tc;
    uint32_t res = step_s, b = width_s; /* gcd */
    while (b) {
        uint32_t t = res % b;
        res = b;
        b = t;
    }
    int64_t first = fdiv(from_s, step_s) * step_s, last = fdiv(now_s, step_s) * step_s;
    query_table_config(&tc, (uint32_t)(now_s - first + 1), res);
    struct series_table *tab = series_table_new(&tc);
    for (size_t i = 0; i < n; i++)
        if (ev[i].ts_ms >= first * 1000 && ev[i].ts_ms < (now_s + 1) * 1000)
            series_table_ingest(tab, keys[ev[i].series], strlen(keys[ev[i].series]), ev[i].v,
                                ev[i].ts_ms);
    size_t nw = (size_t)((last - first) / step_s + 1);
    struct query_window *w = calloc(nw, sizeof *w);
    for (size_t k = 0; k < nw; k++)
        w[k] = (struct query_window){first + (int64_t)k * step_s,
                                     first + (int64_t)k * step_s + width_s};
    struct rule_expr e = parse("p90(m)");
    struct query_result r;
    query_run(tab, &e, w, nw, true, &r);
    assert_int_equal(r.ngroups, (size_t)nkeys);
    double *vals = malloc(n * sizeof *vals);
    size_t empty = 0, partial = 0;
    for (size_t g = 0; g < r.ngroups; g++) {
        int s = 0;
        while (strcmp(keys[s], r.groups[g].key) != 0)
            s++;
        for (size_t k = 0; k < nw; k++) {
            /* brute force: the events of series s in [start, end) that were read (<= now) */
            struct summary want;
            size_t nv = 0;
            summary_init(&want);
            for (size_t i = 0; i < n; i++)
                if (ev[i].series == s && ev[i].ts_ms >= w[k].start_s * 1000 &&
                    ev[i].ts_ms < w[k].end_s * 1000 && ev[i].ts_ms < (now_s + 1) * 1000) {
                    summary_add(&want, ev[i].v, ev[i].ts_ms);
                    vals[nv++] = ev[i].v;
                }
            const struct query_cell *c = &r.groups[g].cells[k];
            empty += nv == 0;
            partial += w[k].end_s > now_s + 1;
            assert_int_equal(c->sum.count, want.count);
            if (nv == 0) {
                assert_true(isnan(query_value(&r, g, k, RULE_AGG_P90, NAN, 1)));
                continue;
            }
            assert_true(c->sum.sum == want.sum && c->sum.min == want.min && c->sum.max == want.max);
            assert_true(c->sum.first == want.first && c->sum.last == want.last);
            /* nearest rank of the sorted values, within 1 % (and exact at the ends) */
            for (size_t i = 1; i < nv; i++)
                for (size_t j = i; j > 0 && vals[j - 1] > vals[j]; j--) {
                    double t = vals[j];
                    vals[j] = vals[j - 1];
                    vals[j - 1] = t;
                }
            double exact = vals[hist_rank(0.9, nv) - 1];
            double got = query_value(&r, g, k, RULE_AGG_P90, NAN, 1);
            if (!(fabs(got - exact) <= HIST_ALPHA * fabs(exact) + 1e-9))
                fail_msg("window %zu of %s: p90 %g, exact %g", k, r.groups[g].key, got, exact);
        }
    }
    assert_true(!has_gap || empty > 0); /* the data has a gap: empty windows are listed too */
    assert_true((partial > 0) == (last + width_s > now_s + 1)); /* windows past now are listed */
    free(vals);
    free(w);
    query_result_free(&r);
    rule_expr_free(&e);
    series_table_free(tab);
}

static void test_range_brute_force(void **state)
{
    (void)state;
    static const char *const keys[] = {"m{s=a}", "m{s=b}", "m{s=c}"};
    enum { N = 20000 };
    struct rawev *ev = malloc(N * sizeof *ev);
    uint64_t rng = 42;
    size_t n = 0;
    int64_t t0_s = T0 / 1000 + 7; /* not aligned */
    for (int i = 0; i < N; i++) {
        int64_t off_ms = rng_below(&rng, 3600 * 1000); /* one hour, out of order */
        if (off_ms >= 1100 * 1000 && off_ms < 1600 * 1000)
            continue; /* a gap longer than every window */
        ev[n++] = (struct rawev){(int)rng_below(&rng, 3), rng_value(&rng), t0_s * 1000 + off_ms};
    }
    int64_t now_s = t0_s + 3599 - 37; /* the newest events lie past now: left out */
    check_range(ev, n, keys, 3, 60, 60, now_s - 3000, now_s, true);  /* tumbling 1m */
    check_range(ev, n, keys, 3, 60, 300, now_s - 3000, now_s, true); /* hopping 5m every 1m */
    check_range(ev, n, keys, 3, 90, 40, now_s - 3000, now_s, true);  /* hops with gaps */
    check_range(ev, n, keys, 3, 7, 7, now_s - 100, now_s, false);    /* fine slots only */
    check_range(ev, n, keys, 3, 7, 7, now_s - 100, now_s - 1, false);
    free(ev);
}

/* ---------------------------------------------------------------------------------------------
 * Selection, sorting, counters. */

static void test_select_sort_counts(void **state)
{
    (void)state;
    static const char *const keys[] = {"lat{region=eu-west,service=api}",
                                       "lat{region=us-east,service=web}",
                                       "lat{region=EU-north,service=db}"};
    struct series_table_config tc;
    query_table_config(&tc, 60, 1);
    tc.lateness_ms = 1000;
    struct series_table *tab = series_table_new(&tc);
    /* first values 3, 1, 2 (by event time), last values 10, 30, 20 */
    static const double firsts[] = {3, 1, 2}, lasts[] = {10, 30, 20};
    for (int k = 0; k < 3; k++) {
        series_table_ingest(tab, keys[k], strlen(keys[k]), lasts[k], T0 + 50000);
        series_table_ingest(tab, keys[k], strlen(keys[k]), firsts[k], T0 + 1000 + 1000 * k);
    }
    /* a late event for db (behind the watermark), an expired one for api */
    series_table_ingest(tab, keys[0], strlen(keys[0]), 5, T0 - 3600 * 1000);
    struct query_window w = {T0 / 1000, T0 / 1000 + 60};
    struct rule_expr e = parse("~\"eu-\"");
    struct query_result r;
    query_run(tab, &e, &w, 1, false, &r);
    assert_int_equal(r.ngroups, 2); /* eu-west and EU-north: case ignored */
    query_sort(&r, RULE_AGG_FIRST, NAN, 60, false, false);
    assert_string_equal(r.groups[0].key, keys[0]); /* first 3 */
    assert_string_equal(r.groups[1].key, keys[2]); /* first 2 */
    assert_int_equal(r.groups[0].late, 1);         /* its first value came behind the watermark */
    assert_int_equal(r.groups[0].expired, 1);
    assert_int_equal(r.groups[1].late, 1);
    query_result_free(&r);
    rule_expr_free(&e);

    e = parse("{service=~\"api|web\"}");
    query_run(tab, &e, &w, 1, false, &r);
    assert_int_equal(r.ngroups, 2);
    query_sort(&r, RULE_AGG_LAST, NAN, 60, false, true); /* ascending: 10 then 30 */
    assert_string_equal(r.groups[0].key, keys[0]);
    assert_string_equal(r.groups[1].key, keys[1]);
    query_sort(&r, RULE_AGG_COUNT, NAN, 60, true, false); /* by key, A..Z */
    assert_string_equal(r.groups[0].key, keys[0]);
    query_sort(&r, RULE_AGG_COUNT, NAN, 60, true, true);
    assert_string_equal(r.groups[0].key, keys[1]);
    query_result_free(&r);
    rule_expr_free(&e);
    series_table_free(tab);
}

/* Sessions per series: boundaries where the silence reaches the gap, stats of each session. */
static void test_sessions(void **state)
{
    (void)state;
    struct series_table_config tc;
    query_table_config(&tc, 300, 1);
    struct series_table *tab = series_table_new(&tc);
    static const int secs[] = {0, 1, 2, 31, 40, 41, 100};
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        series_table_ingest(tab, "s{a=1}", 6, 10.0 * (double)(i + 1), T0 + secs[i] * 1000 + 500);
        series_table_ingest(tab, "t", 1, 1, T0 + 200 * 1000); /* another series, one session */
    }
    struct rule_expr e = parse("s");
    struct query_result r;
    query_sessions(tab, &e, 30, T0 / 1000, T0 / 1000 + 299, true, &r);
    /* 2 -> 31: 28 s of silence after the end of second 2 (< 30): same session; 41 -> 100: new */
    assert_int_equal(r.ngroups, 2);
    assert_true(r.groups[0].start_ms == T0 && r.groups[0].end_ms == T0 + 42000);
    assert_int_equal(r.groups[0].cells[0].sum.count, 6);
    assert_true(r.groups[0].cells[0].sum.first == 10 && r.groups[0].cells[0].sum.last == 60);
    assert_true(r.groups[1].start_ms == T0 + 100000 && r.groups[1].end_ms == T0 + 101000);
    assert_true(query_value(&r, 1, 0, RULE_AGG_P99, NAN, 1) == 70);
    query_result_free(&r);
    query_sessions(tab, &e, 9, T0 / 1000, T0 / 1000 + 299, false, &r); /* a shorter gap */
    assert_int_equal(r.ngroups, 3);
    assert_true(r.groups[1].start_ms == T0 + 31000 && r.groups[1].end_ms == T0 + 42000);
    query_result_free(&r);
    rule_expr_free(&e);
    series_table_free(tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_merge_is_union),
        cmocka_unit_test(test_range_brute_force),
        cmocka_unit_test(test_select_sort_counts),
        cmocka_unit_test(test_sessions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
