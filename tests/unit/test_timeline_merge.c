/* test_timeline_merge.c — merging rollups (a period's summary + histogram) into timelines and
 * series tables equals ingesting the same events one by one: every slot's summary and
 * quantiles, compact cells, promotion, folding, late and expired events, 1-minute periods. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/series.h"
#include "core/timeline.h"
#include "tests/unit/refmodel.h"

static const int64_t T0 = 1700000000000LL; /* an epoch-aligned second (not a minute) */

/* ---------------------------------------------------------------------------------------------
 * Helpers: a period's rollup built by hand, slot comparison. */

static void roll_init(struct rollsum *r)
{
    summary_init(&r->sum);
    hist_init(&r->hist);
    r->late = 0;
}

static void roll_add(struct rollsum *r, double v, int64_t ts_ms)
{
    summary_add(&r->sum, v, ts_ms);
    hist_add(&r->hist, v);
}

static void roll_free(struct rollsum *r)
{
    hist_clear(&r->hist);
}

static double rand_value(uint64_t *s)
{
    int64_t r = rng_below(s, 10);
    if (r == 0)
        return 0.0;
    if (r == 1)
        return -(double)rng_below(s, 5000) / 7.0;
    return (double)rng_below(s, 1000000) / 13.0 + 0.5;
}

/* n random events in second s: values v, times ts, their earliest and latest time. */
static void second_events(uint64_t *rng, int64_t s, int n, double *v, int64_t *ts, int64_t *lo,
                          int64_t *hi)
{
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int i = 0; i < n; i++) {
        v[i] = rand_value(rng);
        ts[i] = s * 1000 + rng_below(rng, 1000);
        *lo = ts[i] < *lo ? ts[i] : *lo;
        *hi = ts[i] > *hi ? ts[i] : *hi;
    }
}

static void assert_near_rel(double a, double b)
{
    double tol = 1e-9 * (fabs(a) + fabs(b)) + 1e-6;
    if (fabs(a - b) > tol)
        fail_msg("%.17g != %.17g", a, b);
}

static void assert_summary_same(const struct summary *a, const struct summary *b)
{
    assert_int_equal(a->count, b->count);
    assert_near_rel(a->sum, b->sum);
    assert_true(a->min == b->min);
    assert_true(a->max == b->max);
    assert_near_rel(a->mean, b->mean);
    assert_near_rel(a->m2, b->m2);
    assert_true(a->first == b->first);
    assert_true(a->last == b->last);
    assert_int_equal(a->first_ts_ms, b->first_ts_ms);
    assert_int_equal(a->last_ts_ms, b->last_ts_ms);
}

static void assert_hist_same(const struct hist *a, const struct hist *b)
{
    static const double qs[] = {0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1};
    assert_int_equal(hist_count(a), hist_count(b));
    for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
        assert_true(hist_quantile(a, qs[i]) == hist_quantile(b, qs[i]));
}

/* Every slot of a and b: same starts, widths, summaries and quantiles. */
static void assert_timelines_same(const struct timeline *a, const struct timeline *b)
{
    assert_int_equal(timeline_head_ms(a), timeline_head_ms(b));
    struct timeline_iter ia, ib;
    timeline_iter_init(&ia, a, INT64_MIN / 2, INT64_MAX / 2);
    timeline_iter_init(&ib, b, INT64_MIN / 2, INT64_MAX / 2);
    const struct timeline_slot *sa, *sb;
    int64_t start_a, start_b;
    uint32_t len_a, len_b;
    int n = 0;
    while ((sa = timeline_iter_next(&ia, &start_a, &len_a)) != NULL) {
        struct summary xa, xb;
        timeline_slot_summary(sa, start_a, &xa);
        struct hist ha;
        hist_init(&ha);
        hist_merge(&ha, &sa->hist); /* the view of a compact cell is only valid until next */
        sb = timeline_iter_next(&ib, &start_b, &len_b);
        assert_non_null(sb);
        assert_int_equal(start_a, start_b);
        assert_int_equal(len_a, len_b);
        timeline_slot_summary(sb, start_b, &xb);
        assert_summary_same(&xa, &xb);
        assert_hist_same(&ha, &sb->hist);
        hist_clear(&ha);
        n++;
    }
    assert_null(timeline_iter_next(&ib, &start_b, &len_b));
}

/* The slot summaries of t grouped into windows of w seconds: out[k] for window k from lo_s. */
static void window_sums(const struct timeline *t, int64_t lo_s, int64_t w, struct summary *out,
                        struct hist *hout, int nwin)
{
    for (int k = 0; k < nwin; k++) {
        summary_init(&out[k]);
        hist_init(&hout[k]);
    }
    struct timeline_iter it;
    timeline_iter_init(&it, t, lo_s, lo_s + w * nwin - 1);
    const struct timeline_slot *slot;
    int64_t start;
    uint32_t len;
    while ((slot = timeline_iter_next(&it, &start, &len)) != NULL) {
        struct summary x;
        timeline_slot_summary(slot, start, &x);
        int k = (int)((start - lo_s) / w);
        summary_merge(&out[k], &x);
        hist_merge(&hout[k], &slot->hist);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Timelines. */

static void test_compact_then_promoted(void **state)
{
    (void)state;
    struct timeline a, b;
    timeline_init(&a, NULL);
    timeline_init(&b, NULL);
    struct rollsum r;
    roll_init(&r);
    roll_add(&r, 4.0, T0 + 250);
    timeline_add(&a, 4.0, T0 + 250);
    assert_int_equal(timeline_merge(&b, T0, &r.sum, &r.hist), TIMELINE_ADDED);
    assert_timelines_same(&a, &b);
    /* a compact cell costs no full slot */
    assert_int_equal(timeline_memory_bytes(&a), timeline_memory_bytes(&b));
    /* a second period for the same second (a replayed half) promotes it */
    roll_free(&r);
    roll_init(&r);
    roll_add(&r, 1.0, T0 + 100);
    roll_add(&r, 9.0, T0 + 900);
    timeline_add(&a, 1.0, T0 + 100);
    timeline_add(&a, 9.0, T0 + 900);
    assert_int_equal(timeline_merge(&b, T0, &r.sum, &r.hist), TIMELINE_ADDED);
    assert_timelines_same(&a, &b);
    /* the head slot is full now: the fast path of timeline_add works on it */
    timeline_add(&a, 2.0, T0 + 950);
    timeline_add(&b, 2.0, T0 + 950);
    assert_timelines_same(&a, &b);
    roll_free(&r);
    timeline_free(&a);
    timeline_free(&b);
}

static void test_empty_and_invalid(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    struct rollsum r;
    roll_init(&r);
    assert_int_equal(timeline_merge(&t, T0, &r.sum, &r.hist), TIMELINE_ADDED);
    assert_int_equal(timeline_head_ms(&t), INT64_MIN);
    roll_add(&r, 1.0, T0 + 10);
    roll_add(&r, 2.0, T0 + 20);
    struct summary bad = r.sum;
    bad.count = 3; /* differs from the histogram */
    assert_int_equal(timeline_merge(&t, T0, &bad, &r.hist), TIMELINE_INVALID);
    bad = r.sum;
    bad.max = NAN;
    assert_int_equal(timeline_merge(&t, T0, &bad, &r.hist), TIMELINE_INVALID);
    /* an event before its period */
    assert_int_equal(timeline_merge(&t, T0 + 1000, &r.sum, &r.hist), TIMELINE_INVALID);
    assert_int_equal(timeline_head_ms(&t), INT64_MIN);
    roll_free(&r);
    timeline_free(&t);
}

/* Periods of 1 s in a random order (mostly ascending, some late, some far behind), 1-4 events
 * each: the merged timeline equals the one that got the events one by one. */
static void test_random_periods_equal_ingest(void **state)
{
    (void)state;
    uint64_t rng = 0x5eed1234u;
    for (int trial = 0; trial < 300; trial++) {
        struct timeline_config cfg = {
            .fine_slots = 1 + (uint32_t)rng_below(&rng, 20),
            .coarse_s = (uint32_t[]){1, 2, 5, 10, 60}[rng_below(&rng, 5)],
        };
        cfg.retention_s = cfg.fine_slots + (uint32_t)rng_below(&rng, 90);
        struct timeline a, b;
        assert_int_equal(timeline_init(&a, &cfg), 0);
        assert_int_equal(timeline_init(&b, &cfg), 0);
        int64_t sec = T0 / 1000 + rng_below(&rng, 100);
        int expired = 0;
        for (int p = 0; p < 200; p++) {
            int64_t k = rng_below(&rng, 20);
            int64_t s = k < 14   ? (sec += rng_below(&rng, 3))
                        : k < 18 ? sec - rng_below(&rng, cfg.fine_slots + 5)
                                 : sec - rng_below(&rng, cfg.retention_s + 30);
            int n = rng_below(&rng, 3) == 0 ? 1 : 1 + (int)rng_below(&rng, 4);
            double v[4];
            int64_t ts[4], lo, hi;
            second_events(&rng, s, n, v, ts, &lo, &hi);
            /* a period straddling the retention cut is kept whole by the merge, split by
             * ingest: the documented difference, left out here */
            int64_t head = timeline_head_ms(&a) > hi ? timeline_head_ms(&a) : hi;
            int64_t cut = head - (int64_t)cfg.retention_s * 1000;
            if (timeline_head_ms(&a) != INT64_MIN && lo < cut && hi >= cut)
                continue;
            struct rollsum r;
            roll_init(&r);
            int ea = 0;
            for (int i = 0; i < n; i++) {
                roll_add(&r, v[i], ts[i]);
                ea += timeline_add(&a, v[i], ts[i]) == TIMELINE_EXPIRED;
            }
            enum timeline_result res = timeline_merge(&b, s * 1000, &r.sum, &r.hist);
            assert_int_equal(res == TIMELINE_EXPIRED ? n : 0, ea);
            expired += ea;
            roll_free(&r);
        }
        assert_timelines_same(&a, &b);
        (void)expired;
        timeline_free(&a);
        timeline_free(&b);
    }
}

/* 1-minute periods merged at their start into a table whose coarse slots are a minute wide:
 * every minute's totals equal ingesting its events; closed minutes are the same coarse slots. */
static void test_minute_periods(void **state)
{
    (void)state;
    uint64_t rng = 77;
    struct timeline_config cfg = {.fine_slots = 5, .coarse_s = 60, .retention_s = 3600};
    struct timeline a, b;
    timeline_init(&a, &cfg);
    timeline_init(&b, &cfg);
    enum { MINUTES = 10 };
    int64_t lo_s = T0 / 1000 / 3600 * 3600; /* minutes start on multiples of 60 s */
    for (int m = 0; m < MINUTES; m++) {
        struct rollsum r;
        roll_init(&r);
        int n = m == 3 ? 1 : 5 + (int)rng_below(&rng, 50);
        int64_t ts = (lo_s + m * 60) * 1000 + rng_below(&rng, 1000);
        for (int i = 0; i < n; i++) {
            double v = rand_value(&rng);
            timeline_add(&a, v, ts);
            roll_add(&r, v, ts);
            ts += rng_below(&rng, 59000 / n);
        }
        assert_int_equal(timeline_merge(&b, (lo_s + m * 60) * 1000, &r.sum, &r.hist),
                         TIMELINE_ADDED);
        roll_free(&r);
    }
    assert_int_equal(timeline_head_ms(&a), timeline_head_ms(&b));
    struct summary wa[MINUTES], wb[MINUTES];
    struct hist ha[MINUTES], hb[MINUTES];
    window_sums(&a, lo_s, 60, wa, ha, MINUTES);
    window_sums(&b, lo_s, 60, wb, hb, MINUTES);
    for (int m = 0; m < MINUTES; m++) {
        assert_summary_same(&wa[m], &wb[m]);
        assert_hist_same(&ha[m], &hb[m]);
        hist_clear(&ha[m]);
        hist_clear(&hb[m]);
    }
    /* once the head is a minute on, the last minute is one coarse slot in both */
    timeline_add(&a, 1.0, (lo_s + MINUTES * 60 + 61) * 1000);
    timeline_add(&b, 1.0, (lo_s + MINUTES * 60 + 61) * 1000);
    assert_timelines_same(&a, &b);
    timeline_free(&a);
    timeline_free(&b);
}

/* ---------------------------------------------------------------------------------------------
 * Series tables. */

static void assert_tables_same(const struct series_table *a, const struct series_table *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->stats.events, b->stats.events);
    assert_int_equal(a->stats.late, b->stats.late);
    assert_int_equal(a->stats.expired, b->stats.expired);
    assert_int_equal(a->stats.rejected_cap, b->stats.rejected_cap);
    assert_int_equal(a->max_ts_ms, b->max_ts_ms);
    assert_int_equal(a->min_ts_ms, b->min_ts_ms);
    /* same series, same counters, same slots; b in its own order of creation */
    for (uint32_t i = 0; i < b->count; i++) {
        const struct series *sb = b->items[i];
        const struct series *sa = series_table_find(a, sb->key, sb->key_len);
        assert_non_null(sa);
        uint64_t ca[3] = {sa->events, sa->late, sa->expired};
        uint64_t cb[3] = {sb->events, sb->late, sb->expired};
        assert_memory_equal(ca, cb, sizeof(ca));
        assert_timelines_same(&sa->tl, &sb->tl);
    }
}

static void test_table_random_equal_ingest(void **state)
{
    (void)state;
    uint64_t rng = 4242;
    for (int trial = 0; trial < 40; trial++) {
        struct series_table_config cfg;
        series_table_config_defaults(&cfg);
        cfg.max_series = 6;
        cfg.lateness_ms = 1000 * (1 + rng_below(&rng, 5));
        cfg.timeline = (struct timeline_config){.fine_slots = 10, .coarse_s = 5, .retention_s = 60};
        struct series_table *a = series_table_new(&cfg), *b = series_table_new(&cfg);
        int64_t sec = T0 / 1000;
        for (int p = 0; p < 400; p++) {
            char key[16];
            int klen = snprintf(key, sizeof(key), "m{k=%d}", (int)rng_below(&rng, 8));
            int64_t k = rng_below(&rng, 10);
            int64_t s = k < 7 ? (sec += rng_below(&rng, 2)) : sec - rng_below(&rng, 80);
            int n = 1 + (int)rng_below(&rng, 3);
            double v[3];
            int64_t ts[3], lo, hi;
            second_events(&rng, s, n, v, ts, &lo, &hi);
            /* straddling the watermark or the retention cut: documented differences */
            int64_t wm = a->max_ts_ms == INT64_MIN ? INT64_MIN : a->max_ts_ms - cfg.lateness_ms;
            if (wm != INT64_MIN && lo < wm && hi >= wm)
                continue;
            const struct series *sa = series_table_find(a, key, (size_t)klen);
            if (sa && sa->tl.head_ms != INT64_MIN) {
                int64_t head = sa->tl.head_ms > hi ? sa->tl.head_ms : hi;
                int64_t cut = head - (int64_t)cfg.timeline.retention_s * 1000;
                if (lo < cut && hi >= cut)
                    continue;
            }
            struct rollsum r;
            roll_init(&r);
            for (int i = 0; i < n; i++) {
                roll_add(&r, v[i], ts[i]);
                series_table_ingest(a, key, (size_t)klen, v[i], ts[i]);
            }
            series_table_merge(b, key, (size_t)klen, s * 1000, &r);
            roll_free(&r);
        }
        assert_true(a->stats.late > 0 && a->stats.expired > 0 && a->stats.rejected_cap > 0);
        assert_tables_same(a, b);
        series_table_free(a);
        series_table_free(b);
    }
}

static void test_table_writer_late_counted(void **state)
{
    (void)state;
    struct series_table *t = series_table_new(NULL);
    struct rollsum r;
    roll_init(&r);
    roll_add(&r, 5.0, T0 + 10);
    r.late = 3; /* reached the writer after their period had closed: stored nowhere */
    assert_int_equal(series_table_merge(t, "m", 1, T0, &r), SERIES_ADDED);
    const struct series *s = series_table_find(t, "m", 1);
    assert_int_equal(s->events, 1);
    assert_int_equal(s->late, 3);
    assert_int_equal(t->stats.late, 3);
    assert_int_equal(t->stats.events, 1);
    /* a period behind the watermark: its events are late too */
    roll_free(&r);
    roll_init(&r);
    roll_add(&r, 6.0, T0 + 60000);
    series_table_merge(t, "m", 1, T0 + 60000, &r);
    roll_free(&r);
    roll_init(&r);
    roll_add(&r, 7.0, T0 + 2000);
    roll_add(&r, 8.0, T0 + 2500);
    assert_int_equal(series_table_merge(t, "m", 1, T0 + 2000, &r), SERIES_ADDED_LATE);
    assert_int_equal(s->late, 5);
    assert_int_equal(s->events, 4);
    roll_free(&r);
    series_table_free(t);
}

static void test_table_cap_and_invalid(void **state)
{
    (void)state;
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.max_series = 1;
    struct series_table *t = series_table_new(&cfg);
    struct rollsum r;
    roll_init(&r);
    roll_add(&r, 1.0, T0);
    roll_add(&r, 2.0, T0 + 1);
    r.late = 1;
    assert_int_equal(series_table_merge(t, "a", 1, T0, &r), SERIES_ADDED);
    assert_int_equal(series_table_merge(t, "b", 1, T0, &r), SERIES_REJECTED_CAP);
    assert_int_equal(t->stats.rejected_cap, 3);
    r.sum.count = 5;
    assert_int_equal(series_table_merge(t, "a", 1, T0, &r), SERIES_INVALID);
    assert_int_equal(t->stats.invalid, 5);
    assert_int_equal(t->stats.events, 2);
    roll_free(&r);
    series_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_then_promoted),
        cmocka_unit_test(test_empty_and_invalid),
        cmocka_unit_test(test_random_periods_equal_ingest),
        cmocka_unit_test(test_minute_periods),
        cmocka_unit_test(test_table_random_equal_ingest),
        cmocka_unit_test(test_table_writer_late_counted),
        cmocka_unit_test(test_table_cap_and_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
