/* test_trend.c — sparkline points of a series and of a group merged bucket by bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/trend.h"

static const int64_t T0 = 1700000000000LL; /* a whole second */

static void ingest(struct series_table *tab, const char *key, double v, int64_t ts)
{
    series_table_ingest(tab, key, strlen(key), v, ts);
}

static void test_series_and_group_points(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    /* 4 buckets of 1 s ending at T0: [T0-4s, T0-3s) ... [T0-1s, T0) */
    ingest(tab, "r{g=x,h=a}", 10, T0 - 3500); /* bucket 0 */
    ingest(tab, "r{g=x,h=a}", 30, T0 - 1500); /* bucket 2 */
    ingest(tab, "r{g=x,h=b}", 50, T0 - 1400); /* bucket 2 */
    ingest(tab, "r{g=x,h=b}", 70, T0 - 1300); /* bucket 2 */
    struct trend_query q = {.to_ms = T0,
                            .bucket_s = 1,
                            .n = 4,
                            .stat = RANK_COUNT,
                            .now_ms = T0 + 500,
                            .data_from_ms = T0 - 100000};
    double out[4];
    struct rank_query rq = {
        .now_ms = T0 + 500, .width_s = 60, .column = RANK_COUNT, .substring = "h=a"};
    struct rank_row row;
    assert_int_equal(rank_top(tab, &rq, &row, 1), 1);
    trend_series(&row.series->tl, &q, out);
    assert_true(out[0] == 1 && out[1] == 0 && out[2] == 1 && out[3] == 0);
    q.stat = RANK_AVG; /* an empty bucket has no average */
    trend_series(&row.series->tl, &q, out);
    assert_true(out[0] == 10 && isnan(out[1]) && out[2] == 30 && isnan(out[3]));

    struct group_set *g = group_new();
    struct rank_query gq = {.now_ms = T0 + 500, .width_s = 60, .column = RANK_COUNT};
    assert_int_equal(group_compute(g, tab, &gq, "g"), 1);
    q.stat = RANK_COUNT; /* counts add */
    trend_group(g, group_row(g, 0), &q, out);
    assert_true(out[0] == 1 && out[1] == 0 && out[2] == 3 && out[3] == 0);
    q.stat = RANK_AVG; /* the average of all events of the bucket, not of the averages */
    trend_group(g, group_row(g, 0), &q, out);
    assert_true(fabs(out[2] - 50) < 1e-9);
    q.stat = RANK_MAX;
    trend_group(g, group_row(g, 0), &q, out);
    assert_true(out[2] == 70 && out[0] == 10);
    q.stat = RANK_RATE; /* per second of a 1 s bucket: the count */
    trend_group(g, group_row(g, 0), &q, out);
    assert_true(fabs(out[2] - 3) < 1e-9);
    q.stat = RANK_P99; /* not mergeable from summaries: blank, never a guess */
    trend_group(g, group_row(g, 0), &q, out);
    for (int j = 0; j < 4; j++)
        assert_true(isnan(out[j]));
    group_free(g);
    series_table_free(tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_series_and_group_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
