/* test_rank.c — top-N over a window: order by each kind of column, filters, ties, empty rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/rank.h"
#include "core/select.h"

static const int64_t T0 = 1700000000000LL;

/* series "lat{svc=X}" gets n events with values base, base+1, ... in the second before T0 */
static void feed(struct series_table *tab, const char *key, int n, double base, int64_t ts)
{
    for (int i = 0; i < n; i++)
        series_table_ingest(tab, key, strlen(key), base + i, ts);
}

static struct series_table *sample_table(void)
{
    struct series_table *tab = series_table_new(NULL);
    feed(tab, "lat{svc=api}", 10, 100, T0 - 500); /* count 10, max 109 */
    feed(tab, "lat{svc=auth}", 30, 1, T0 - 500);  /* count 30, max 30 */
    feed(tab, "lat{svc=db}", 20, 1000, T0 - 500); /* count 20, max 1019 */
    feed(tab, "req{svc=api}", 5, 1, T0 - 500);    /* count 5 */
    feed(tab, "old{svc=api}", 7, 1, T0 - 120000); /* outside a 60 s window */
    return tab;
}

static void test_by_count_descending(void **state)
{
    (void)state;
    struct series_table *tab = sample_table();
    struct rank_row rows[8];
    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_COUNT};
    size_t n = rank_top(tab, &q, rows, 8);
    assert_int_equal(n, 5);
    assert_string_equal(rows[0].series->key, "lat{svc=auth}");
    assert_string_equal(rows[1].series->key, "lat{svc=db}");
    assert_string_equal(rows[2].series->key, "lat{svc=api}");
    assert_string_equal(rows[3].series->key, "req{svc=api}");
    /* the empty window sorts last and has count 0 */
    assert_string_equal(rows[4].series->key, "old{svc=api}");
    assert_int_equal(rows[4].stats.sum.count, 0);
    assert_int_equal(rows[0].stats.sum.count, 30);
    assert_true(fabs(rows[0].stats.rate - 0.5) < 1e-12);
    series_table_free(tab);
}

/* Right after start the 1-minute window is not full: the rate divides by the part data can
 * cover (20 s here), not by 60 s, which would show a third of the true rate. */
static void test_rate_over_covered_part(void **state)
{
    (void)state;
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.data_start_ms = T0 - 20000;
    struct series_table *tab = series_table_new(&cfg);
    for (int i = 0; i < 100; i++) /* 5 events/s since start */
        series_table_ingest(tab, "req{svc=api}", 12, 1, T0 - 20000 + i * 200);
    struct rank_row rows[2];
    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_RATE};
    assert_int_equal(rank_top(tab, &q, rows, 2), 1);
    assert_int_equal(rows[0].stats.sum.count, 100);
    assert_true(fabs(rows[0].stats.rate - 5.0) < 1e-12);
    /* a 10 s window lies after the start: per its own length, as always */
    q.width_s = 10;
    rank_top(tab, &q, rows, 2);
    assert_true(fabs(rows[0].stats.rate - rows[0].stats.sum.count / 10.0) < 1e-12);
    series_table_free(tab);
}

static void test_ascending_and_skip_empty(void **state)
{
    (void)state;
    struct series_table *tab = sample_table();
    struct rank_row rows[8];
    struct rank_query q = {
        .now_ms = T0, .width_s = 60, .column = RANK_COUNT, .ascending = true, .skip_empty = true};
    size_t n = rank_top(tab, &q, rows, 8);
    assert_int_equal(n, 4);
    assert_string_equal(rows[0].series->key, "req{svc=api}");
    assert_string_equal(rows[3].series->key, "lat{svc=auth}");
    series_table_free(tab);
}

static void test_by_quantile_and_max(void **state)
{
    (void)state;
    struct series_table *tab = sample_table();
    struct rank_row rows[2];
    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_P99};
    size_t n = rank_top(tab, &q, rows, 2);
    assert_int_equal(n, 5); /* all passed the filters; two were written */
    assert_string_equal(rows[0].series->key, "lat{svc=db}");
    assert_string_equal(rows[1].series->key, "lat{svc=api}");
    /* p99 of 1000..1019 is the value at rank floor(0.99 * 19) = 18: 1018, within 1 % */
    assert_true(fabs(rows[0].stats.p99 - 1018) <= 0.01 * 1018);
    q.column = RANK_MAX;
    rank_top(tab, &q, rows, 1);
    assert_string_equal(rows[0].series->key, "lat{svc=db}");
    assert_true(rows[0].stats.sum.max == 1019);
    series_table_free(tab);
}

static void test_by_key_and_ties(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    feed(tab, "b", 3, 1, T0);
    feed(tab, "c", 3, 1, T0);
    feed(tab, "a", 3, 1, T0);
    struct rank_row rows[3];
    struct rank_query q = {.now_ms = T0, .width_s = 10, .column = RANK_KEY};
    rank_top(tab, &q, rows, 3);
    assert_string_equal(rows[0].series->key, "a");
    assert_string_equal(rows[2].series->key, "c");
    q.ascending = true; /* reversed: Z..A */
    rank_top(tab, &q, rows, 3);
    assert_string_equal(rows[0].series->key, "c");
    /* equal counts break ties by key, whatever the direction */
    q.column = RANK_COUNT;
    q.ascending = false;
    rank_top(tab, &q, rows, 3);
    assert_string_equal(rows[0].series->key, "a");
    assert_string_equal(rows[1].series->key, "b");
    series_table_free(tab);
}

static void test_filters(void **state)
{
    (void)state;
    struct series_table *tab = sample_table();
    struct rank_row rows[8];
    char err[128];
    struct selector *sel = select_new("lat{svc!=auth}", 14, err, sizeof(err));
    assert_non_null(sel);
    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_COUNT, .select = sel};
    size_t n = rank_top(tab, &q, rows, 8);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].series->key, "lat{svc=db}");
    assert_string_equal(rows[1].series->key, "lat{svc=api}");
    select_free(sel);

    q.select = NULL;
    q.substring = "API";
    n = rank_top(tab, &q, rows, 8);
    assert_int_equal(n, 3); /* lat, req and old for svc=api: case-insensitive */
    q.substring = "";
    assert_int_equal(rank_top(tab, &q, rows, 8), 5);
    q.substring = "nothing-like-this";
    assert_int_equal(rank_top(tab, &q, rows, 8), 0);
    series_table_free(tab);
}

static void test_column_names(void **state)
{
    (void)state;
    enum rank_column c;
    for (int i = 0; i < RANK_NCOLUMNS; i++) {
        assert_int_equal(rank_column_parse(rank_column_name((enum rank_column)i), &c), 0);
        assert_int_equal(c, i);
    }
    assert_int_equal(rank_column_parse("P99", &c), 0);
    assert_int_equal(c, RANK_P99);
    assert_int_equal(rank_column_parse("mean", &c), 0);
    assert_int_equal(c, RANK_AVG);
    assert_int_equal(rank_column_parse("p98", &c), -1);
}

static void test_column_values(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    feed(tab, "x", 4, 1, T0); /* 1 2 3 4 */
    struct rank_row row;
    struct rank_query q = {.now_ms = T0, .width_s = 2, .column = RANK_SUM};
    rank_top(tab, &q, &row, 1);
    assert_true(rank_column_value(&row.stats, RANK_SUM) == 10);
    assert_true(rank_column_value(&row.stats, RANK_AVG) == 2.5);
    assert_true(rank_column_value(&row.stats, RANK_MIN) == 1);
    assert_true(rank_column_value(&row.stats, RANK_COUNT) == 4);
    assert_true(rank_column_value(&row.stats, RANK_RATE) == 2);
    assert_true(fabs(rank_column_value(&row.stats, RANK_STDDEV) - sqrt(1.25)) < 1e-12);
    assert_true(isnan(rank_column_value(&row.stats, RANK_KEY)));
    /* the query language's other aggregations (issue 14) */
    assert_true(rank_column_value(&row.stats, RANK_FIRST) == 1);
    assert_true(rank_column_value(&row.stats, RANK_LAST) == 4);
    assert_true(rank_column_value(&row.stats, RANK_RANGE) == 3);
    assert_true(rank_column_value(&row.stats, RANK_INCREASE) == 3);
    assert_true(rank_column_value(&row.stats, RANK_VAR_P) == 1.25);
    assert_true(fabs(rank_column_value(&row.stats, RANK_VAR_S) - 5.0 / 3) < 1e-12);
    assert_true(fabs(rank_column_value(&row.stats, RANK_STD_S) - sqrt(5.0 / 3)) < 1e-12);
    series_table_free(tab);
}

/* Hysteresis: near-equal rows keep the order shown last; rows further apart than the
 * tolerance follow their values; without prev the plain order. */
static void test_keep_previous_order(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    feed(tab, "r{h=a}", 100, 1, T0 - 500); /* count 100 */
    feed(tab, "r{h=b}", 101, 1, T0 - 500); /* count 101: within 5 % of a */
    feed(tab, "r{h=c}", 200, 1, T0 - 500); /* count 200: far above both */
    feed(tab, "r{h=d}", 99, 1, T0 - 500);  /* count 99: near a and b, never shown */
    struct rank_row rows[4];
    struct rank_query q = {.now_ms = T0, .width_s = 60, .column = RANK_COUNT};
    assert_int_equal(rank_top(tab, &q, rows, 4), 4);
    assert_string_equal(rows[1].series->key, "r{h=b}"); /* plain: c, b, a, d */
    assert_string_equal(rows[2].series->key, "r{h=a}");

    /* shown last as c, a, b (a led when it was ahead): a stays above b within 5 % */
    const struct series *prev[3] = {rows[0].series, rows[2].series, rows[1].series};
    q.prev = prev;
    q.prev_n = 3;
    q.tolerance = 0.05;
    assert_int_equal(rank_top(tab, &q, rows, 4), 4);
    assert_string_equal(rows[0].series->key, "r{h=c}");
    assert_string_equal(rows[1].series->key, "r{h=a}");
    assert_string_equal(rows[2].series->key, "r{h=b}");
    assert_string_equal(rows[3].series->key, "r{h=d}"); /* not shown: no claim on a place */

    /* a tolerance below the gap (1 %): values win */
    q.tolerance = 0.001;
    rank_top(tab, &q, rows, 4);
    assert_string_equal(rows[1].series->key, "r{h=b}");

    /* shown last with c below a: c beats a by far more than 5 %, so it goes first anyway */
    const struct series *prev2[3] = {prev[1], prev[2], prev[0]};
    q.prev = prev2;
    q.tolerance = 0.05;
    rank_top(tab, &q, rows, 4);
    assert_string_equal(rows[0].series->key, "r{h=c}");
    assert_string_equal(rows[1].series->key, "r{h=a}");

    /* sorting by key ignores prev */
    q.column = RANK_KEY;
    rank_top(tab, &q, rows, 4);
    assert_string_equal(rows[0].series->key, "r{h=a}");
    series_table_free(tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_count_descending),
        cmocka_unit_test(test_rate_over_covered_part),
        cmocka_unit_test(test_ascending_and_skip_empty),
        cmocka_unit_test(test_by_quantile_and_max),
        cmocka_unit_test(test_by_key_and_ties),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_column_names),
        cmocka_unit_test(test_column_values),
        cmocka_unit_test(test_keep_previous_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
