/* test_timeline.c — time buckets: slot membership, retention, folding into coarse slots,
 * head jumps and ring wrap-around, checked by hand and against a brute-force model (compact and
 * full slots: test_timeline_cells.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/hist_codec.h"
#include "tests/unit/timeline_check.h"

/* ---------------------------------------------------------------------------------------------
 * Configuration and the empty timeline. */

static void test_config_defaults_and_check(void **state)
{
    (void)state;
    struct timeline_config cfg;
    const char *why = "x";
    timeline_config_defaults(&cfg);
    assert_int_equal(cfg.fine_slots, 120);
    assert_int_equal(cfg.coarse_s, 10);
    assert_int_equal(cfg.retention_s, 900);
    assert_int_equal(timeline_config_check(&cfg, &why), 0);
    assert_null(why);

    struct timeline_config bad[] = {
        {0, 10, 900},
        {120, 0, 900},
        {120, 10, 119},
        {120, 10, TIMELINE_MAX_RETENTION_S + 1},
        {TIMELINE_MAX_FINE_SLOTS + 1, 10, TIMELINE_MAX_RETENTION_S},
        {120, TIMELINE_MAX_COARSE_S + 1, 900},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(timeline_config_check(&bad[i], &why), -1);
        assert_non_null(why);
        /* an invalid config still leaves a usable timeline, with the defaults */
        struct timeline t;
        assert_int_equal(timeline_init(&t, &bad[i]), -1);
        assert_int_equal(t.cfg.fine_slots, 120);
        assert_int_equal(timeline_add(&t, 1.0, T0), TIMELINE_ADDED);
        timeline_free(&t);
    }
    struct timeline t;
    assert_int_equal(timeline_init(&t, NULL), 0);
    assert_int_equal(max_slots(&t), 120 + 79); /* ceil((900 - 120) / 10) + 1 coarse */
    timeline_free(&t);
}

static void test_empty_timeline(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    assert_true(timeline_head_ms(&t) == INT64_MIN);
    assert_int_equal(timeline_memory_bytes(&t), sizeof(t)); /* nothing allocated yet */
    int64_t st[4];
    uint32_t len[4];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, NULL, 4), 0);
    timeline_free(&t);
    timeline_free(&t); /* freeing twice is harmless: free leaves an empty timeline */
}

static void test_single_event(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    assert_int_equal(timeline_add(&t, 42.5, T0 + 1234), TIMELINE_ADDED);
    assert_int_equal(timeline_head_ms(&t), T0 + 1234);
    int64_t st[4];
    uint32_t len[4];
    struct summary s[4];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, s, 4), 1);
    assert_int_equal(st[0], T0 / 1000 + 1);
    assert_int_equal(len[0], 1);
    assert_int_equal(s[0].count, 1);
    assert_true(s[0].sum == 42.5 && s[0].min == 42.5 && s[0].max == 42.5);
    assert_true(s[0].first == 42.5 && s[0].last == 42.5);
    assert_int_equal(s[0].first_ts_ms, T0 + 1234);
    assert_int_equal(s[0].last_ts_ms, T0 + 1234);
    assert_true(summary_variance(&s[0]) == 0.0);
    /* a range that misses the second sees nothing */
    assert_int_equal(list_slots(&t, T0 / 1000 + 2, T0 / 1000 + 10, st, len, NULL, 4), 0);
    assert_int_equal(list_slots(&t, T0 / 1000 - 10, T0 / 1000, st, len, NULL, 4), 0);
    /* one event is one compact cell: no histogram, no ring of empty slots */
    assert_true(timeline_memory_bytes(&t) <= sizeof(t) + 4 * sizeof(struct timeline_cell));
    assert_true(t.head == NULL);
    timeline_free(&t);
    assert_int_equal(timeline_memory_bytes(&t), sizeof(t));
}

static void test_invalid_values_are_refused(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    assert_int_equal(timeline_add(&t, 1.0, T0), TIMELINE_ADDED);
    assert_int_equal(timeline_add(&t, NAN, T0 + 5000), TIMELINE_INVALID);
    assert_int_equal(timeline_add(&t, INFINITY, T0 + 5000), TIMELINE_INVALID);
    assert_int_equal(timeline_add(&t, -INFINITY, T0), TIMELINE_INVALID);
    assert_int_equal(timeline_head_ms(&t), T0);
    int64_t st[4];
    uint32_t len[4];
    struct summary s[4];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, s, 4), 1);
    assert_int_equal(s[0].count, 1);
    timeline_free(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Retention, out of order, folding. */

static void test_retention_bound(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    int64_t head = T0 + 900 * 1000 + 456;
    assert_int_equal(timeline_add(&t, 1.0, head), TIMELINE_ADDED);
    assert_int_equal(timeline_add(&t, 2.0, head - 900 * 1000), TIMELINE_ADDED);       /* bound */
    assert_int_equal(timeline_add(&t, 3.0, head - 900 * 1000 - 1), TIMELINE_EXPIRED); /* 1 ms */
    assert_int_equal(timeline_add(&t, 4.0, T0 - 3600 * 1000), TIMELINE_EXPIRED);
    assert_int_equal(timeline_head_ms(&t), head);
    int64_t st[8];
    uint32_t len[8];
    struct summary s[8];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, s, 8), 2);
    /* the event at the bound sits in the coarse slot of its second: T0/1000 + 0 (aligned) */
    assert_int_equal(st[0], T0 / 1000);
    assert_int_equal(len[0], 10);
    assert_int_equal(s[0].count, 1);
    assert_true(s[0].sum == 2.0);
    assert_int_equal(s[0].first_ts_ms, head - 900 * 1000);
    assert_int_equal(st[1], head / 1000);
    assert_int_equal(len[1], 1);
    timeline_free(&t);
}

static void test_out_of_order_in_fine_range(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    int64_t base = T0 / 1000;
    assert_int_equal(timeline_add(&t, 10, T0 + 100500), TIMELINE_ADDED); /* second base+100 */
    assert_int_equal(timeline_add(&t, 20, T0 + 5000), TIMELINE_ADDED);   /* 95 s late: fine */
    assert_int_equal(timeline_add(&t, 30, T0 + 99999), TIMELINE_ADDED);  /* base+99 */
    assert_int_equal(timeline_add(&t, 40, T0 + 5999), TIMELINE_ADDED);   /* base+5 again */
    assert_int_equal(timeline_add(&t, 50, T0 + 5000), TIMELINE_ADDED);   /* same ms as 20 */
    assert_int_equal(timeline_head_ms(&t), T0 + 100500);
    int64_t st[8];
    uint32_t len[8];
    struct summary s[8];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, s, 8), 3);
    assert_int_equal(st[0], base + 5);
    assert_int_equal(len[0], 1);
    assert_int_equal(s[0].count, 3);
    assert_true(s[0].sum == 110);
    assert_true(s[0].first == 20); /* a tie on the earliest time: the earlier add wins */
    assert_true(s[0].last == 40);
    assert_int_equal(st[1], base + 99);
    assert_int_equal(s[1].count, 1);
    assert_int_equal(st[2], base + 100);
    assert_int_equal(s[2].count, 1);
    /* a sub-range */
    assert_int_equal(list_slots(&t, base + 6, base + 99, st, len, s, 8), 1);
    assert_int_equal(st[0], base + 99);
    timeline_free(&t);
}

static void test_fold_preserves_summary_exactly(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    struct summary want;
    summary_init(&want);
    int64_t base = T0 / 1000 + 20; /* coarse-aligned */
    double vals[] = {3.25, -7.5, 0.0, 1e6, 12.125, -0.015625, 99.0, 5.5, 5.5, 42.0};
    int k = 0;
    for (int sec = 0; sec < 10; sec++) {
        for (int j = 0; j < 7; j++) {
            double v = vals[(sec * 7 + j) % 10] + sec;
            int64_t ts = (base + sec) * 1000 + (j * 137) % 1000;
            assert_int_equal(timeline_add(&t, v, ts), TIMELINE_ADDED);
            summary_add(&want, v, ts);
            k++;
        }
    }
    int64_t st[16];
    uint32_t len[16];
    struct summary s[16];
    assert_int_equal(list_slots(&t, base, base + 9, st, len, s, 16), 10);
    /* push all ten seconds out of the fine range: they fold into one coarse slot */
    assert_int_equal(timeline_add(&t, 1.0, (base + 9 + 120) * 1000), TIMELINE_ADDED);
    assert_int_equal(list_slots(&t, base - 100, base + 9, st, len, s, 4), 1);
    assert_int_equal(st[0], base);
    assert_int_equal(len[0], 10);
    assert_int_equal(s[0].count, (uint64_t)k);
    assert_true(s[0].sum == want.sum);
    assert_true(s[0].min == want.min);
    assert_true(s[0].max == want.max);
    assert_true(s[0].first == want.first);
    assert_true(s[0].last == want.last);
    assert_int_equal(s[0].first_ts_ms, want.first_ts_ms);
    assert_int_equal(s[0].last_ts_ms, want.last_ts_ms);
    assert_close(summary_mean(&s[0]), summary_mean(&want), 1e-12);
    assert_close(summary_variance(&s[0]), summary_variance(&want), 1e-12);
    /* a late event for a folded second goes straight to the coarse slot */
    assert_int_equal(timeline_add(&t, -1000.0, (base + 3) * 1000 + 1), TIMELINE_ADDED);
    assert_int_equal(list_slots(&t, base - 100, base + 9, st, len, s, 4), 1);
    assert_int_equal(s[0].count, (uint64_t)k + 1);
    assert_true(s[0].min == -1000.0);
    timeline_free(&t);
}

static void test_head_jump_clears_everything_old(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    /* values spread over ~400 histogram bins, so every slot holds a few hundred bytes */
    for (int i = 0; i < 900; i++)
        for (int j = 0; j < 20; j++)
            timeline_add(&t, exp(0.4 * j) + i, T0 + i * 1000 + j * 50);
    int64_t st[256];
    uint32_t len[256];
    assert_true(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, NULL, 256) > 100);
    size_t busy = timeline_memory_bytes(&t);
    /* jump more than the retention ahead */
    int64_t far = T0 + 899 * 1000 + 901 * 1000;
    assert_int_equal(timeline_add(&t, 7.0, far), TIMELINE_ADDED);
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, NULL, 256), 1);
    assert_int_equal(st[0], far / 1000);
    /* the old slots are released: one compact cell and a small fine array remain (the spare
     * full slots may stay, their histograms sized for the old values) */
    size_t after = timeline_memory_bytes(&t);
    assert_true(after < busy);
    assert_true(after <= sizeof(t) + 16 * sizeof(struct timeline_cell) +
                             TIMELINE_SPARES * (sizeof(struct timeline_slot) + 1024));
    assert_int_equal(t.coarse.cap, 0);
    /* and the old times are now expired */
    assert_int_equal(timeline_add(&t, 1.0, T0 + 899 * 1000), TIMELINE_EXPIRED);
    timeline_free(&t);
}

static void test_negative_and_zero_values(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    double vals[] = {0.0, -3.5, -0.0, 2.25, -1e9, 0.0};
    for (int i = 0; i < 6; i++)
        timeline_add(&t, vals[i], T0 + i);
    int64_t st[2];
    uint32_t len[2];
    struct summary s[2];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, s, 2), 1);
    assert_int_equal(s[0].count, 6);
    assert_true(s[0].sum == -1e9 - 3.5 + 2.25);
    assert_true(s[0].min == -1e9);
    assert_true(s[0].max == 2.25);
    assert_true(s[0].first == 0.0);
    assert_true(s[0].last == 0.0);
    struct timeline_iter it;
    int64_t start;
    uint32_t l;
    timeline_iter_init(&it, &t, INT64_MIN / 2, INT64_MAX / 2);
    const struct timeline_slot *slot = timeline_iter_next(&it, &start, &l);
    assert_non_null(slot);
    assert_int_equal(slot->hist.zero_count, 3);
    assert_int_equal(hist_count(&slot->hist), 6);
    assert_true(hist_quantile(&slot->hist, 0.0) < -0.99e9);
    timeline_free(&t);
}

static void test_times_before_the_epoch(void **state)
{
    (void)state;
    struct timeline_config cfg = {.fine_slots = 4, .coarse_s = 3, .retention_s = 10};
    struct timeline t;
    timeline_init(&t, &cfg);
    /* ts -1 is second -1, ts -1000 is second -1, ts -1001 is second -2 */
    timeline_add(&t, 1, -1);
    timeline_add(&t, 2, -1000);
    timeline_add(&t, 3, -1001);
    timeline_add(&t, 4, 0);
    int64_t st[8];
    uint32_t len[8];
    struct summary s[8];
    assert_int_equal(list_slots(&t, -100, 100, st, len, s, 8), 3);
    assert_int_equal(st[0], -2);
    assert_int_equal(st[1], -1);
    assert_int_equal(s[1].count, 2);
    assert_int_equal(st[2], 0);
    /* head second 5: seconds <= 1 are coarse; -2 and -1 are in coarse slot [-3, 0) */
    timeline_add(&t, 5, 5000);
    assert_int_equal(list_slots(&t, -100, 100, st, len, s, 8), 3);
    assert_int_equal(st[0], -3);
    assert_int_equal(len[0], 3);
    assert_int_equal(s[0].count, 3);
    assert_int_equal(st[1], 0);
    assert_int_equal(len[1], 3);
    assert_int_equal(st[2], 5);
    timeline_free(&t);
}

/* ---------------------------------------------------------------------------------------------
 * Long runs and the brute-force model. */

static void test_ring_wraps_over_hours(void **state)
{
    (void)state;
    struct timeline_config cfgs[] = {
        {120, 10, 900},
        {7, 3, 20},
        {5, 7, 33},
        {1, 1, 1},
    };
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        struct timeline t;
        struct model m;
        assert_int_equal(timeline_init(&t, &cfgs[c]), 0);
        model_init(&m, &cfgs[c]);
        uint64_t seed = 7 + c;
        int64_t ts = T0 + 123;
        size_t peak = 0;
        /* ten hours of event time, a few events every few seconds, some late ones */
        for (int i = 0; i < 12000; i++) {
            ts += rng_below(&seed, 6000);
            int64_t e = ts;
            if (rng_below(&seed, 10) == 0)
                e -= rng_below(&seed, (int64_t)cfgs[c].retention_s * 1200);
            double v = rng_value(&seed);
            assert_int_equal(timeline_add(&t, v, e), model_add(&m, v, e));
            size_t mem = timeline_memory_bytes(&t);
            peak = mem > peak ? mem : peak;
            if (i % 1500 == 0)
                check_against_model(&t, &m);
        }
        check_against_model(&t, &m);
        assert_int_equal(timeline_head_ms(&t), m.head_ms);
        /* bounded: every possible slot full with a small histogram, nowhere near one byte per
         * event */
        assert_true(peak < sizeof(t) + max_slots(&t) * (2 * sizeof(struct timeline_cell) +
                                                        sizeof(struct timeline_slot) + 1024));
        free(m.ev);
        timeline_free(&t);
    }
}

static void test_random_events_match_model(void **state)
{
    (void)state;
    struct timeline_config cfgs[] = {
        {120, 10, 900}, /* the defaults */
        {30, 7, 200},   /* coarse slots not aligned with the fine range */
        {60, 60, 60},   /* no room beyond the fine range */
        {10, 1, 50},
    };
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        struct timeline t;
        struct model m;
        assert_int_equal(timeline_init(&t, &cfgs[c]), 0);
        model_init(&m, &cfgs[c]);
        uint64_t seed = 1000 + c;
        size_t expired = 0;
        int64_t start = (c % 2) ? -600000 - 777 : T0 + 777; /* also across the epoch */
        /* ~20 minutes of event time, 30000 events, a quarter out of order */
        for (int i = 0; i < 30000; i++) {
            int64_t ts = start + (int64_t)i * 40 + rng_below(&seed, 40);
            if (rng_below(&seed, 4) == 0)
                ts -= rng_below(&seed, rng_below(&seed, 8) == 0 ? 1200000 : 150000);
            double v = rng_value(&seed);
            enum timeline_result res = model_add(&m, v, ts);
            expired += res == TIMELINE_EXPIRED;
            assert_int_equal(timeline_add(&t, v, ts), res);
            if (i % 5000 == 4999)
                check_against_model(&t, &m);
        }
        check_against_model(&t, &m);
        assert_true(expired > 0 && expired < 30000 / 4); /* both outcomes are exercised */
        free(m.ev);
        timeline_free(&t);
    }
}

/* Every slot of a and b equal to the bit: summary fields and encoded histogram. Reading
 * settles a lazily laid-out timeline (timeline_iter_init). */
static void assert_same_slots(const struct timeline *a, const struct timeline *b)
{
    struct timeline_iter ia, ib;
    const struct timeline_slot *x, *y;
    int64_t sa, sb;
    uint32_t la, lb;
    static uint8_t ea[1 << 16], eb[1 << 16];
    timeline_iter_init(&ia, a, INT64_MIN / 4, INT64_MAX / 4);
    timeline_iter_init(&ib, b, INT64_MIN / 4, INT64_MAX / 4);
    assert_false(timeline_due(b));
    for (;;) {
        x = timeline_iter_next(&ia, &sa, &la);
        y = timeline_iter_next(&ib, &sb, &lb);
        assert_true((x == NULL) == (y == NULL));
        if (x == NULL)
            return;
        assert_int_equal(sa, sb);
        assert_int_equal(la, lb);
        assert_true(memcmp(&x->shift, &y->shift, 7 * sizeof(double)) == 0);
        assert_int_equal(x->first_ms, y->first_ms);
        assert_int_equal(x->last_ms, y->last_ms);
        size_t na = hist_codec_encode(&x->hist, ea, sizeof(ea));
        size_t nb = hist_codec_encode(&y->hist, eb, sizeof(eb));
        assert_int_equal(na, nb);
        assert_memory_equal(ea, eb, na);
    }
}

/* A head move is laid out by timeline_settle, not by the event that makes it: a timeline left
 * to settle lazily (only when read, when a late event or a rollup goes in, or at its next move)
 * holds
 * the same slots to the bit as one settled after every event (values with rounding, so any
 * change in the order things are summed would show), and stays due at most one move. */
static void test_lazy_layout_equals_eager(void **state)
{
    (void)state;
    struct timeline_config cfgs[] = {{120, 10, 900}, {30, 7, 200}, {10, 1, 50}};
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        struct timeline eager, lazy;
        timeline_init(&eager, &cfgs[c]);
        timeline_init(&lazy, &cfgs[c]);
        uint64_t seed = 77 + c;
        int64_t ts = T0 + 123;
        size_t due = 0, moves = 0;
        int64_t before = INT64_MIN; /* the head before its last move */
        for (int i = 0; i < 40000; i++) {
            ts += rng_below(&seed, 8) == 0 ? 1000 * rng_below(&seed, 5) : rng_below(&seed, 60);
            if (rng_below(&seed, 500) == 0)
                ts += 1000 * (int64_t)rng_below(&seed, 2000); /* a gap, past retention at times */
            int64_t at = ts;
            if (rng_below(&seed, 5) == 0) /* late: fine, coarse or expired */
                at -= rng_below(&seed, rng_below(&seed, 6) == 0 ? 1500000 : 200000);
            double v = (rng_value(&seed) + 0.1) * 1.0000001;
            int64_t head = lazy.head_s;
            if (rng_below(&seed, 20) == 0) { /* a rollup of the event's second */
                struct summary sum;
                struct hist h;
                summary_init(&sum);
                summary_add(&sum, v, at);
                hist_init(&h);
                hist_add(&h, v);
                int64_t p = at - (at % 1000 + 1000) % 1000;
                assert_int_equal(timeline_merge(&eager, p, &sum, &h),
                                 timeline_merge(&lazy, p, &sum, &h));
                hist_clear(&h);
            } else
                assert_int_equal(timeline_add(&eager, v, at), timeline_add(&lazy, v, at));
            timeline_settle(&eager);
            if (lazy.head_s != head) {
                moves++;
                before = head;
            }
            due += timeline_due(&lazy);
            assert_true(!timeline_due(&lazy) || lazy.laid_s == before); /* one move at most */
            if (rng_below(&seed, 1000) == 0)
                assert_same_slots(&eager, &lazy);
        }
        assert_same_slots(&eager, &lazy);
        assert_true(due > 1000 && moves > 1000); /* the lazy path was taken */
        timeline_free(&eager);
        timeline_free(&lazy);
    }
}

/* A busy series, as in the sizing brief: 1000 lognormal(ln 50, 0.5) values every second for
 * the whole retention. Its memory must stay within 64 KiB. */
static void test_busy_series_memory_is_bounded(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    uint64_t seed = 99;
    size_t peak = 0;
    for (int sec = 0; sec < 1000; sec++) {
        for (int j = 0; j < 1000; j++) {
            double u1 = ((double)(rng_next(&seed) >> 11) + 0.5) * 0x1.0p-53;
            double u2 = (double)(rng_next(&seed) >> 11) * 0x1.0p-53;
            double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
            timeline_add(&t, exp(log(50.0) + 0.5 * z), T0 + sec * 1000LL + j);
        }
        size_t mem = timeline_memory_bytes(&t);
        peak = mem > peak ? mem : peak;
    }
    assert_true(peak <= 64 * 1024);
    timeline_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_defaults_and_check),
        cmocka_unit_test(test_empty_timeline),
        cmocka_unit_test(test_single_event),
        cmocka_unit_test(test_invalid_values_are_refused),
        cmocka_unit_test(test_retention_bound),
        cmocka_unit_test(test_out_of_order_in_fine_range),
        cmocka_unit_test(test_fold_preserves_summary_exactly),
        cmocka_unit_test(test_head_jump_clears_everything_old),
        cmocka_unit_test(test_negative_and_zero_values),
        cmocka_unit_test(test_times_before_the_epoch),
        cmocka_unit_test(test_ring_wraps_over_hours),
        cmocka_unit_test(test_random_events_match_model),
        cmocka_unit_test(test_busy_series_memory_is_bounded),
        cmocka_unit_test(test_lazy_layout_equals_eager),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
