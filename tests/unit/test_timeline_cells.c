/* test_timeline_cells.c — the timeline's sparse storage: a slot is a compact cell until its
 * second event, then a full slot; folding and expiry across both kinds; quiet series stay
 * small; far head jumps re-base the cells. Checked by hand and against the brute-force model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/timeline_check.h"

/* ---------------------------------------------------------------------------------------------
 * The sparse representation: compact cells for one event, full slots past it (issue 15). */

/* Number of cells of a kind that point to a full slot. */
static size_t full_cells(const struct timeline_cells *a)
{
    size_t n = 0;
    for (uint32_t i = a->lo; i < a->lo + a->n; i++)
        n += a->v[i].off_ms == TIMELINE_CELL_FULL;
    return n;
}

static void test_slot_goes_compact_then_full(void **state)
{
    (void)state;
    struct timeline t;
    struct model m;
    timeline_init(&t, NULL);
    model_init(&m, &t.cfg);
    assert_int_equal(timeline_memory_bytes(&t), sizeof(t));

    /* one value: a compact cell, no slot, no histogram; its view reads as a real slot */
    assert_int_equal(timeline_add(&t, -7.25, T0 + 500), model_add(&m, -7.25, T0 + 500));
    assert_null(t.head);
    assert_int_equal(full_cells(&t.fine), 0);
    assert_true(timeline_memory_bytes(&t) < sizeof(t) + sizeof(struct timeline_slot));
    check_against_model(&t, &m);

    /* the second value of the second promotes it; an earlier time becomes its first */
    assert_int_equal(timeline_add(&t, 3.5, T0 + 100), model_add(&m, 3.5, T0 + 100));
    assert_non_null(t.head);
    assert_int_equal(full_cells(&t.fine), 1);
    assert_true(timeline_memory_bytes(&t) >= sizeof(t) + sizeof(struct timeline_slot));
    check_against_model(&t, &m);

    /* many: quantiles within 1 % of the exact nearest rank */
    for (int i = 0; i < 998; i++)
        model_add(&m, 1.0 + i, T0 + i), timeline_add(&t, 1.0 + i, T0 + i);
    check_against_model(&t, &m);
    struct timeline_iter it;
    int64_t st;
    uint32_t len;
    timeline_iter_init(&it, &t, T0 / 1000, T0 / 1000);
    const struct timeline_slot *slot = timeline_iter_next(&it, &st, &len);
    assert_non_null(slot);
    assert_int_equal(hist_count(&slot->hist), 1000);
    double p50 = hist_quantile(&slot->hist, 0.5); /* rank 500 of {-7.25, 1..998, 3.5} */
    assert_true(fabs(p50 - 498.0) <= 0.01 * 498.0);
    assert_null(timeline_iter_next(&it, &st, &len));
    free(m.ev);
    timeline_free(&t);
}

/* Folding, with F = 2, C = 4: each of the four compact/full combinations, checked against the
 * model and for the representation it leaves. */
static void test_fold_across_compact_and_full(void **state)
{
    (void)state;
    struct timeline_config cfg = {2, 4, 40};
    struct timeline t;
    struct model m;
    timeline_init(&t, &cfg);
    model_init(&m, &cfg);
    int64_t b = T0 + 1000000; /* second b/1000 is a multiple of 4 */
#define ADD(v, ms) assert_int_equal(timeline_add(&t, (v), b + (ms)), model_add(&m, (v), b + (ms)))
    /* compact into an empty coarse slot: it moves, still compact */
    ADD(1.0, 250);  /* second 0 */
    ADD(9.0, 2100); /* second 2: second 0 folds (a one-event head: laid out at once) */
    assert_false(timeline_due(&t));
    assert_int_equal(t.coarse.n, 1);
    assert_int_equal(full_cells(&t.coarse), 0);
    check_against_model(&t, &m);
    /* compact into a compact coarse slot: promoted, both values in it */
    ADD(2.0, 3999); /* second 3: second 1 (empty) folds, nothing to do */
    ADD(3.0, 4000); /* second 4: second 2 folds into coarse 0 */
    assert_int_equal(t.coarse.n, 1);
    assert_int_equal(full_cells(&t.coarse), 1);
    check_against_model(&t, &m);
    /* full into compact: the fine slot becomes the coarse one and takes the value in */
    ADD(5.0, 8100);                 /* second 8 */
    ADD(6.0, 9100), ADD(6.5, 9000); /* second 9, full */
    ADD(7.0, 11000); /* second 11: 8 and 9 fold into coarse 8 (coarse 4 keeps one value) */
    assert_true(timeline_due(&t)); /* a head that held two events: left to timeline_settle */
    assert_int_equal(t.coarse.n, 2);
    assert_int_equal(t.fine.n, 3);
    timeline_settle(&t);
    assert_false(timeline_due(&t));
    assert_int_equal(t.coarse.n, 3);
    assert_int_equal(full_cells(&t.coarse), 2);
    check_against_model(&t, &m);
    /* full into full: merged; and late events into coarse slots, compact or full */
    ADD(1.5, 12000), ADD(1.25, 12001); /* second 12 */
    ADD(2.5, 13000), ADD(2.75, 13500); /* second 13 */
    ADD(0.5, 16000);                   /* second 16: 12 and 13 fold, merged */
    ADD(-1.0, 1500);                   /* late: coarse 0 (full) */
    ADD(-2.0, 7000);                   /* late: coarse 4 (empty: compact) */
    assert_false(timeline_due(&t));    /* a late event that goes coarse settles first */
    assert_int_equal(t.coarse.n, 4);
    check_against_model(&t, &m);
#undef ADD
    free(m.ev);
    timeline_free(&t);
}

/* Compact and full coarse slots leave at the retention floor alike; a series that stops gives
 * its cell arrays back. */
static void test_expiry_of_compact_and_full_slots(void **state)
{
    (void)state;
    struct timeline t;
    struct model m;
    timeline_init(&t, NULL);
    model_init(&m, &t.cfg);
    for (int i = 0; i < 40; i++) { /* every 7 s; every 4th second a pair */
        int64_t ts = T0 + i * 7000;
        assert_int_equal(timeline_add(&t, i, ts), model_add(&m, i, ts));
        if (i % 4 == 0)
            assert_int_equal(timeline_add(&t, -i, ts + 1), model_add(&m, -i, ts + 1));
    }
    assert_true(full_cells(&t.coarse) > 0 && full_cells(&t.coarse) < t.coarse.n);
    check_against_model(&t, &m);
    /* 20 minutes later: every old slot is gone, old times expire */
    int64_t late = T0 + 39 * 7000 + 1200000;
    assert_int_equal(timeline_add(&t, 1.0, late), model_add(&m, 1.0, late));
    check_against_model(&t, &m);
    assert_int_equal(t.coarse.n, 0);
    assert_int_equal(t.coarse.cap, 0);
    assert_int_equal(timeline_add(&t, 1.0, T0), TIMELINE_EXPIRED);
    free(m.ev);
    timeline_free(&t);
}

/* One event a minute for the whole retention: a few hundred bytes, not two rings of slots. */
static void test_quiet_series_is_small(void **state)
{
    (void)state;
    struct timeline t;
    timeline_init(&t, NULL);
    for (int i = 0; i < 16; i++)
        assert_int_equal(timeline_add(&t, 10.0 + i, T0 + i * 60000 + 123), TIMELINE_ADDED);
    assert_int_equal(full_cells(&t.fine) + full_cells(&t.coarse), 0);
    assert_true(timeline_memory_bytes(&t) <= 1024);
    int64_t st[32];
    uint32_t len[32];
    assert_int_equal(list_slots(&t, INT64_MIN / 2, INT64_MAX / 2, st, len, NULL, 32), 16);
    timeline_free(&t);
}

/* Cell starts are kept relative to a base second: head jumps of more than 2^31 seconds re-base
 * them, and late events just behind the head still land in the right slots. */
static void test_far_head_jumps_rebase(void **state)
{
    (void)state;
    struct timeline t;
    struct model m;
    timeline_init(&t, NULL);
    model_init(&m, &t.cfg);
    int64_t ts = T0;
    uint64_t seed = 5;
    for (int jump = 0; jump < 6; jump++) {
        ts += (int64_t)(jump % 2 ? 1500000000 : 700000000) * 1000; /* seconds, not ms */
        for (int i = 0; i < 200; i++) {
            int64_t e = ts + i * 3000 - rng_below(&seed, 600000);
            double v = rng_value(&seed);
            assert_int_equal(timeline_add(&t, v, e), model_add(&m, v, e));
        }
        check_against_model(&t, &m);
    }
    free(m.ev);
    timeline_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_goes_compact_then_full),
        cmocka_unit_test(test_fold_across_compact_and_full),
        cmocka_unit_test(test_expiry_of_compact_and_full_slots),
        cmocka_unit_test(test_quiet_series_is_small),
        cmocka_unit_test(test_far_head_jumps_rebase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
