/* test_rankcache.c — rankcache_top gives rank_top's rows, bit for bit, while time moves, events
 * arrive (new series, late and future ones, quiet series whose events leave the window),
 * filters change and the hysteresis reorders near-equal rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rankcache.h"
#include "core/select.h"

static const int64_t T0 = 1700000000000LL;

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

static void assert_same_stats(const struct window_stats *a, const struct window_stats *b)
{
    assert_true(a->start_ms == b->start_ms && a->end_ms == b->end_ms);
    assert_true(a->sum.count == b->sum.count);
    const double x[] = {a->sum.sum,   a->sum.min,  a->sum.max, a->sum.mean, a->sum.m2,
                        a->sum.first, a->sum.last, a->rate,    a->p50,      a->p90,
                        a->p95,       a->p99,      a->p999};
    const double y[] = {b->sum.sum,   b->sum.min,  b->sum.max, b->sum.mean, b->sum.m2,
                        b->sum.first, b->sum.last, b->rate,    b->p50,      b->p90,
                        b->p95,       b->p99,      b->p999};
    for (size_t i = 0; i < sizeof(x) / sizeof(x[0]); i++)
        assert_true(same_double(x[i], y[i]));
    assert_true(a->sum.first_ts_ms == b->sum.first_ts_ms);
    assert_true(a->sum.last_ts_ms == b->sum.last_ts_ms);
}

/* A few events into random series (new ones too) around now_ms: most recent, some late, some a
 * little in the future, some long past. */
static void feed_some(struct series_table *tab, int64_t now_ms, int n)
{
    static const char *metric[] = {"lat", "req", "err"};
    static const char *svc[] = {"api", "auth", "db", "web", "search", "pay"};
    for (int i = 0; i < n; i++) {
        char key[96];
        snprintf(key, sizeof(key), "%s{svc=%s,shard=%u}", metric[rnd(3)], svc[rnd(6)], rnd(12));
        int64_t ts = now_ms - (int64_t)rnd(3000);
        uint32_t kind = rnd(20);
        if (kind < 8)
            ts = now_ms - (int64_t)rnd(250); /* the present: after the heads, mostly */
        else if (kind == 8)
            ts = now_ms - 200000 - (int64_t)rnd(400000); /* old: coarse slots, or expired */
        else if (kind == 9)
            ts = now_ms + (int64_t)rnd(4000);                     /* a clock ahead of ours */
        double v = rnd(4) == 0 ? 100.0 : (double)rnd(1000) / 7.0; /* ties too */
        series_table_ingest(tab, key, strlen(key), v, ts);
    }
}

struct config {
    enum rank_column column;
    bool ascending, skip_empty, hysteresis;
    uint32_t width_s;
    size_t cap;
    const char *substring;
    struct selector *select;
    struct rankcache *rc;
    const struct series *prev[64];
    size_t prev_n;
};

static void check(struct config *c, const struct series_table *tab, int64_t now_ms)
{
    struct rank_query q = {.now_ms = now_ms,
                           .width_s = c->width_s,
                           .column = c->column,
                           .ascending = c->ascending,
                           .skip_empty = c->skip_empty,
                           .select = c->select,
                           .substring = c->substring};
    if (c->hysteresis) {
        q.prev = c->prev;
        q.prev_n = c->prev_n;
        q.tolerance = 0.03;
    }
    struct rank_row want[64], got[64];
    size_t nw = rank_top(tab, &q, want, c->cap);
    size_t ng = rankcache_top(c->rc, tab, &q, got, c->cap);
    assert_int_equal(ng, nw);
    size_t m = nw < c->cap ? nw : c->cap;
    for (size_t i = 0; i < m; i++) {
        if (got[i].series != want[i].series)
            fail_msg("row %zu: %s, want %s (column %s, width %u, t %lld)", i, got[i].series->key,
                     want[i].series->key, rank_column_name(c->column), c->width_s,
                     (long long)(now_ms - T0));
        assert_same_stats(&got[i].stats, &want[i].stats);
    }
    c->prev_n = m;
    for (size_t i = 0; i < m; i++)
        c->prev[i] = want[i].series;
}

static void test_same_rows_as_rank_top(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    static const enum rank_column cols[] = {RANK_KEY,   RANK_RATE,    RANK_COUNT,  RANK_P99,
                                            RANK_P50,   RANK_MIN,     RANK_STDDEV, RANK_LAST,
                                            RANK_FIRST, RANK_INCREASE};
    static const uint32_t widths[] = {10, 60, 300};
    struct config cfg[2 * 3 * 10 + 3];
    size_t n = 0;
    for (size_t ci = 0; ci < 10; ci++)
        for (size_t w = 0; w < 3; w++)
            for (int asc = 0; asc < 2; asc++)
                cfg[n++] = (struct config){.column = cols[ci],
                                           .ascending = asc,
                                           .hysteresis = (ci + w) % 2 == 0,
                                           .skip_empty = (ci + w + (size_t)asc) % 3 == 0,
                                           .width_s = widths[w],
                                           .cap = 5 + 7 * ((ci + (size_t)asc) % 5)};
    cfg[n++] = (struct config){.column = RANK_RATE, .width_s = 60, .cap = 20, .substring = "API"};
    char err[128];
    cfg[n] = (struct config){.column = RANK_P99, .width_s = 60, .cap = 20, .hysteresis = true};
    const char *sel = "lat{svc=~\"a.*\"}";
    cfg[n].select = select_new(sel, strlen(sel), err, sizeof(err));
    assert_non_null(cfg[n++].select);
    cfg[n++] = (struct config){.column = RANK_COUNT, .width_s = 10, .cap = 64, .substring = "db"};
    for (size_t i = 0; i < n; i++)
        cfg[i].rc = rankcache_new();

    int64_t now = T0;
    feed_some(tab, now, 200);
    for (int tick = 0; tick < 90; tick++) {
        /* most ticks a second later; some within the same second; quiet stretches */
        now += rnd(4) == 0 ? 300 : 1000;
        if (tick < 30 || tick % 11 == 0)
            feed_some(tab, now, tick % 5 == 0 ? 0 : (int)rnd(60));
        if (tick == 45) { /* the filter changes meaning: another substring */
            cfg[n - 1].substring = "pay";
            rankcache_filter_changed(cfg[n - 1].rc);
        }
        for (size_t i = 0; i < n; i++)
            check(&cfg[i], tab, now);
    }
    /* a minute later (a jump: every window moved past its old slots), then a new table */
    now += 61000;
    for (size_t i = 0; i < n; i++)
        check(&cfg[i], tab, now);
    struct series_table *tab2 = series_table_new(NULL);
    feed_some(tab2, now, 50);
    for (size_t i = 0; i < n; i++)
        check(&cfg[i], tab2, now);
    for (size_t i = 0; i < n; i++) {
        rankcache_free(cfg[i].rc);
        select_free(cfg[i].select);
    }
    series_table_free(tab2);
    series_table_free(tab);
}

static void test_free_null(void **state)
{
    (void)state;
    rankcache_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_rows_as_rank_top),
        cmocka_unit_test(test_free_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
