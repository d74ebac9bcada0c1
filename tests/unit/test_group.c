/* test_group.c — grouping by a label: one row per value, stats merged exactly (a group row
 * equals one series fed the union of its members' events), members and groups ranked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/group.h"

static const int64_t T0 = 1700000000000LL;

static void ingest(struct series_table *tab, const char *key, double v, int64_t ts)
{
    assert_int_equal(series_table_ingest(tab, key, strlen(key), v, ts), 0);
}

static void assert_same(double a, double b)
{
    if (isnan(a) || isnan(b))
        assert_true(isnan(a) && isnan(b));
    else
        assert_true(fabs(a - b) <= 1e-9 * fmax(1, fabs(a)));
}

/* The union test: three members with different spreads in region=eu, and the same events in
 * one series "all": every statistic of the group row equals the single series'. */
static void test_group_row_is_one_sketch_of_the_union(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *eu[3] = {"lat{host=a,region=eu}", "lat{host=b,region=eu}", "lat{host=c,region=eu}"};
    unsigned seed = 7;
    for (int i = 0; i < 3000; i++) {
        seed = seed * 1103515245u + 12345u;
        int member = (int)(seed >> 16) % 3;
        double v = (member + 1) * 10.0 + (double)((seed >> 8) % 1000) * (member == 2 ? 5 : 0.1);
        int64_t ts = T0 - 50000 + i * 15;
        ingest(tab, eu[member], v, ts);
        ingest(tab, "all{x=y}", v, ts);
    }
    ingest(tab, "lat{host=d,region=us}", 5, T0 - 1000);
    ingest(tab, "lat{host=e}", 7, T0 - 1000); /* no region */

    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_COUNT, .substring = "lat"};
    struct group_set *g = group_new();
    size_t n = group_compute(g, tab, &q, "region");
    assert_int_equal(n, 3);
    const struct group_row *r = group_row(g, 0);
    assert_string_equal(r->value, "eu");
    assert_true(r->has_label);
    assert_int_equal(r->n, 3);

    struct rank_row one;
    struct rank_query qa = {.now_ms = T0, .width_s = 60, .column = RANK_COUNT, .substring = "all"};
    assert_int_equal(rank_top(tab, &qa, &one, 1), 1);
    const struct window_stats *a = &one.stats, *b = &r->stats;
    assert_int_equal(b->sum.count, a->sum.count);
    assert_same(b->sum.sum, a->sum.sum);
    assert_same(b->sum.min, a->sum.min);
    assert_same(b->sum.max, a->sum.max);
    assert_same(summary_mean(&b->sum), summary_mean(&a->sum));
    assert_same(summary_stddev(&b->sum), summary_stddev(&a->sum));
    assert_same(b->rate, a->rate);
    assert_same(b->p50, a->p50);
    assert_same(b->p90, a->p90);
    assert_same(b->p95, a->p95);
    assert_same(b->p99, a->p99);
    assert_same(b->p999, a->p999);
    /* and not a mean of the members' p99s */
    double mean_p99 = 0;
    for (size_t j = 0; j < r->n; j++)
        mean_p99 += group_member(g, r->first + j)->stats.p99 / 3;
    assert_true(fabs(mean_p99 - b->p99) > 1);

    /* members best first (by count), all from region eu */
    uint64_t last = UINT64_MAX;
    for (size_t j = 0; j < r->n; j++) {
        const struct rank_row *m = group_member(g, r->first + j);
        assert_non_null(strstr(m->series->key, "region=eu"));
        assert_true(m->stats.sum.count <= last);
        last = m->stats.sum.count;
    }
    /* then us (1 event), then the series without the label */
    assert_string_equal(group_row(g, 1)->value, "us");
    assert_int_equal(group_row(g, 1)->stats.sum.count, 1);
    assert_false(group_row(g, 2)->has_label);
    assert_string_equal(group_member(g, group_row(g, 2)->first)->series->key, "lat{host=e}");
    group_free(g);
    series_table_free(tab);
}

static void test_group_order_and_labels(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    ingest(tab, "r{svc=api,zone=1}", 1, T0 - 100);
    ingest(tab, "r{svc=db,zone=1}", 1, T0 - 100);
    ingest(tab, "r{svc=db,zone=2}", 1, T0 - 100);
    ingest(tab, "r{svc=web}", 1, T0 - 100);
    ingest(tab, "r{svc=web}", 1, T0 - 90);
    ingest(tab, "r{svc=web}", 1, T0 - 80);
    struct group_set *g = group_new();
    struct rank_query q = {.now_ms = T0, .width_s = 10, .column = RANK_COUNT};
    assert_int_equal(group_compute(g, tab, &q, "svc"), 3);
    assert_string_equal(group_row(g, 0)->value, "web"); /* 3 events */
    assert_string_equal(group_row(g, 1)->value, "db");  /* 2 */
    assert_string_equal(group_row(g, 2)->value, "api"); /* 1 */
    q.ascending = true;
    group_compute(g, tab, &q, "svc");
    assert_string_equal(group_row(g, 0)->value, "api");
    q.column = RANK_KEY;
    q.ascending = false; /* A..Z */
    group_compute(g, tab, &q, "svc");
    assert_string_equal(group_row(g, 0)->value, "api");
    assert_string_equal(group_row(g, 2)->value, "web");

    char *names[4];
    assert_int_equal(group_label_names(tab, &q, names, 4), 2);
    assert_string_equal(names[0], "svc");
    assert_string_equal(names[1], "zone");
    free(names[0]);
    free(names[1]);
    group_free(g);
    group_free(NULL);
    series_table_free(tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_row_is_one_sketch_of_the_union),
        cmocka_unit_test(test_group_order_and_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
