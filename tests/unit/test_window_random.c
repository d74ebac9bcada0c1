/* test_window_random.c — sliding windows recomputed by brute force over random events (late
 * and expired ones included) with the documented slot membership: every statistic and the
 * merged histogram of many windows, against the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/window_check.h"

/* ---------------------------------------------------------------------------------------------
 * Brute force over random events. */

struct slot_ref {
    int64_t start_s;
    uint32_t len_s;
};

static int cmp_slot_ref(const void *a, const void *b)
{
    const struct slot_ref *x = a, *y = b;
    return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

static void check_all_windows(const struct timeline *t, const struct model *m, double *vals,
                              struct window_stats *out, size_t cap)
{
    int64_t head = m->head_ms;
    const int64_t nows[] = {head, head - 30000, head - 500000, head + 5000, head - 61234};
    const uint32_t widths[] = {10, 60, 300, 900};
    struct summary want;
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
        for (size_t j = 0; j < sizeof(widths) / sizeof(widths[0]); j++) {
            struct window_stats w;
            int64_t hi = fdiv(nows[i], 1000), lo = hi - widths[j] + 1;
            unsigned flags = (i + j) % 3 == 2 ? WINDOW_NO_QUANTILES : 0;
            assert_int_equal(window_sliding(t, nows[i], widths[j], flags, &w, &h), 0);
            assert_int_equal(w.start_ms, lo * 1000);
            assert_int_equal(w.end_ms, (hi + 1) * 1000);
            model_window(m, lo, hi, &want, vals);
            assert_window(&w, &want, vals, widths[j], !flags);
            if (!flags) {
                hist_clear(&ref);
                merge_slots(t, lo, hi, &ref);
                assert_hist_equal(&h, &ref);
            }
        }
    }
    hist_clear(&h);
    hist_clear(&ref);

    int64_t from = head - 1300000 - 777, to = head + 2000;
    const uint32_t sizes[][2] = {{60, 60}, {7, 7}, {300, 300}, {60, 20}, {10, 25}, {45, 45}};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = window_hopping(t, from, to, sizes[i][0], sizes[i][1], out, cap);
        assert_true(n > 0 && n <= cap);
        for (size_t k = 0; k < n; k++) {
            int64_t lo = out[k].start_ms / 1000;
            assert_int_equal(out[k].end_ms - out[k].start_ms, (int64_t)sizes[i][0] * 1000);
            assert_int_equal(fdiv(lo, sizes[i][1]) * sizes[i][1], lo); /* epoch-aligned */
            assert_true(out[k].end_ms > from && out[k].start_ms < to);
            model_window(m, lo, lo + sizes[i][0] - 1, &want, vals);
            assert_window(&out[k], &want, vals, sizes[i][0], 1);
        }
        if (n > 1)
            assert_int_equal(out[1].start_ms - out[0].start_ms, (int64_t)sizes[i][1] * 1000);
        if (sizes[i][0] == sizes[i][1]) {
            struct window_stats *again = malloc(cap * sizeof(*again));
            assert_int_equal(window_tumbling(t, from, to, sizes[i][0], again, cap), n);
            for (size_t k = 0; k < n; k++) {
                assert_int_equal(again[k].start_ms, out[k].start_ms);
                assert_int_equal(again[k].sum.count, out[k].sum.count);
            }
            free(again);
        }
    }

    /* sessions, by brute force over the model's non-empty slots in start order */
    struct slot_ref *slots = malloc((m->n + 1) * sizeof(*slots));
    size_t ns = 0;
    for (size_t i = 0; i < m->n; i++)
        if (model_slot(m, m->ev[i].ts_ms, &slots[ns].start_s, &slots[ns].len_s))
            ns++;
    qsort(slots, ns, sizeof(*slots), cmp_slot_ref);
    const uint32_t gaps[] = {1, 2, 5, 11, 40};
    const int64_t ranges[][2] = {{from, to}, {head - 200000 + 333, head - 20000}};
    for (size_t g = 0; g < sizeof(gaps) / sizeof(gaps[0]); g++) {
        for (size_t r = 0; r < 2; r++) {
            int64_t lo_s = fdiv(ranges[r][0], 1000), hi_s = fdiv(ranges[r][1] - 1, 1000);
            size_t n = window_sessions(t, ranges[r][0], ranges[r][1], gaps[g], out, cap);
            assert_true(n <= cap);
            size_t k = 0;
            int64_t first = 0, last = 0, end = 0;
            int open = 0;
            for (size_t i = 0; i <= ns; i++) {
                int in = i < ns && slots[i].start_s >= lo_s && slots[i].start_s <= hi_s;
                if (i < ns && !in)
                    continue;
                if (open && (i == ns || slots[i].start_s - end >= gaps[g])) {
                    assert_true(k < n);
                    assert_int_equal(out[k].start_ms, first * 1000);
                    assert_int_equal(out[k].end_ms, end * 1000);
                    model_window(m, first, last, &want, vals);
                    assert_window(&out[k], &want, vals, (double)(end - first), 1);
                    k++;
                    open = 0;
                }
                if (i == ns)
                    break;
                if (!open) {
                    first = slots[i].start_s;
                    end = first;
                    open = 1;
                }
                last = slots[i].start_s;
                if (last + slots[i].len_s > end)
                    end = last + slots[i].len_s;
            }
            assert_int_equal(k, n);
            if (gaps[g] == 5 && r == 0)
                assert_true(n > 3); /* the data has pauses: make sure sessions are exercised */
        }
    }
    free(slots);
}

static void test_random_windows_match_brute_force(void **state)
{
    (void)state;
    struct timeline_config cfgs[] = {
        {120, 10, 900}, /* the defaults */
        {30, 7, 400},   /* coarse slots not aligned with minutes or the fine range */
    };
    size_t cap = 4096;
    struct window_stats *out = malloc(cap * sizeof(*out));
    for (size_t c = 0; c < sizeof(cfgs) / sizeof(cfgs[0]); c++) {
        struct timeline t;
        struct model m;
        assert_int_equal(timeline_init(&t, &cfgs[c]), 0);
        model_init(&m, &cfgs[c]);
        uint64_t seed = 2024 + c;
        size_t expired = 0;
        double *vals = malloc(40000 * sizeof(*vals));
        /* ~20 minutes of event time in bursts with pauses; a fifth of the events late, most by
         * a few seconds, some by up to 1000 s (some of those expire) */
        int64_t ts = T0 + 3 * 1000 + 321;
        for (int i = 0; i < 12000; i++) {
            ts += rng_below(&seed, 200);
            if (rng_below(&seed, 150) == 0)
                ts += rng_below(&seed, 60000); /* a pause */
            int64_t e = ts;
            if (rng_below(&seed, 5) == 0)
                e -= rng_below(&seed, rng_below(&seed, 30) == 0 ? 1000000 : 3000);
            double v = rng_value(&seed);
            enum timeline_result res = model_add(&m, v, e);
            expired += res == TIMELINE_EXPIRED;
            assert_int_equal(timeline_add(&t, v, e), res);
            if (i == 6000)
                check_all_windows(&t, &m, vals, out, cap);
        }
        check_all_windows(&t, &m, vals, out, cap);
        assert_true(expired > 0);
        free(vals);
        free(m.ev);
        timeline_free(&t);
    }
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_windows_match_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
