/* test_hist_cells.c — the histogram's cells: width promotion, collapse of the lowest bins, copy,
 * clear, compaction, one-pass quantiles, store accumulation and the one-value view. */
#include "tests/unit/test_hist_lib.h"

/* ---- cell width ---- */

static uint64_t count_near(const struct hist *h, double v)
{
    struct seen *s = bins_of(h);
    uint64_t c = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->lo[i] < v && v <= s->hi[i])
            c = s->count[i];
    free(s);
    return c;
}

static void test_width_promotion(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add(&h, 1.0);
    hist_add(&h, 10.0);
    hist_add(&h, 10.0);
    hist_add(&h, 1000.0);
    assert_int_equal(h.pos.width, 1);
    for (int i = 0; i < 253; i++)
        hist_add(&h, 100.0);
    assert_int_equal(count_near(&h, 100.0), 253);
    assert_int_equal(h.pos.width, 1);
    for (int i = 0; i < 2; i++)
        hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 1); /* 255 fits */
    hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 2);
    for (int i = 0; i < 300 - 256; i++)
        hist_add(&h, 100.0);
    assert_int_equal(count_near(&h, 100.0), 300);
    for (int i = 0; i < 70000 - 300; i++)
        hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 4);
    assert_int_equal(count_near(&h, 100.0), 70000);
    /* The other bins survived every widening. */
    assert_int_equal(count_near(&h, 1.0), 1);
    assert_int_equal(count_near(&h, 10.0), 2);
    assert_int_equal(count_near(&h, 1000.0), 1);
    /* Past uint32: 8-byte cells. */
    hist_add_n(&h, 100.0, (uint64_t)UINT32_MAX - 70000);
    assert_int_equal(h.pos.width, 4);
    assert_int_equal(count_near(&h, 100.0), UINT32_MAX);
    hist_add(&h, 100.0);
    assert_int_equal(h.pos.width, 8);
    assert_int_equal(count_near(&h, 100.0), (uint64_t)UINT32_MAX + 1);
    hist_add(&h, 100.0); /* the hot path with 8-byte cells */
    assert_int_equal(count_near(&h, 100.0), (uint64_t)UINT32_MAX + 2);
    assert_int_equal(hist_count(&h), (uint64_t)UINT32_MAX + 2 + 4);
    assert_int_equal(bins_total(&h), hist_count(&h));
    assert_true(within_alpha(hist_quantile(&h, 0.5), 100.0));
    assert_true(within_alpha(hist_quantile(&h, 0.0), 1.0));
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1000.0));

    /* The negative store widens on its own. */
    for (int i = 0; i < 256; i++)
        hist_add(&h, -5.0);
    assert_int_equal(h.neg.width, 2);
    assert_int_equal(count_near(&h, -5.0), 256);
    hist_clear(&h);

    /* Merging can widen too: 200 + 200 > 255. */
    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_add_n(&a, 7.0, 200);
    hist_add_n(&b, 7.0, 200);
    hist_add(&b, 9.0);
    assert_int_equal(a.pos.width, 1);
    hist_merge(&a, &b);
    assert_int_equal(a.pos.width, 2);
    assert_int_equal(count_near(&a, 7.0), 400);
    assert_int_equal(count_near(&a, 9.0), 1);
    hist_clear(&a);
    hist_clear(&b);
}

/* ---- collapse ---- */

static void test_collapse_lowest(void **state)
{
    (void)state;
    struct hist h;
    hist_init_bounded(&h, 32);
    /* Rising values: the window slides up and low bins fold. */
    double v = 1.0;
    for (int i = 0; i < 200; i++, v *= 1.05)
        hist_add(&h, v);
    double top = v / 1.05;
    assert_true(h.pos.len <= 32);
    assert_true(h.collapsed_bins > 0);
    assert_int_equal(hist_count(&h), 200);
    assert_int_equal(bins_total(&h), 200);
    assert_true(hist_bin_count(&h) <= 32);
    /* The top stays exact; the bottom reads the lowest kept bin, above the true minimum. */
    assert_true(within_alpha(hist_quantile(&h, 1.0), top));
    assert_true(hist_quantile(&h, 0.0) > 1.0 * (1 + HIST_ALPHA));
    uint32_t collapsed = h.collapsed_bins;

    /* Falling values below the kept range fold into the lowest kept bin. */
    double floor_value = hist_quantile(&h, 0.0);
    for (int i = 0; i < 10; i++)
        hist_add(&h, 1e-3);
    assert_true(h.collapsed_bins > collapsed);
    assert_int_equal(hist_count(&h), 210);
    assert_true(hist_quantile(&h, 0.0) == floor_value);
    assert_true(h.pos.len <= 32);
    hist_clear(&h);
    assert_int_equal(h.collapsed_bins, 0);
    assert_int_equal(h.max_bins, 32);

    /* One jump: 1 and 1e30 with 16 bins. */
    hist_init_bounded(&h, 16);
    hist_add(&h, 1.0);
    hist_add(&h, 1e30);
    assert_int_equal(h.collapsed_bins, 1);
    assert_int_equal(hist_count(&h), 2);
    assert_int_equal(hist_bin_count(&h), 2);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1e30));
    double low = hist_quantile(&h, 0.0);
    assert_true(low > 1e29 && low < 1e30); /* 1 was folded into the lowest kept bin */
    hist_clear(&h);

    /* The negative store collapses the bins nearest zero; the most negative stay exact. */
    hist_init_bounded(&h, 16);
    hist_add(&h, -1e30);
    hist_add(&h, -1.0);
    assert_int_equal(h.collapsed_bins, 1);
    assert_true(within_alpha(hist_quantile(&h, 0.0), -1e30));
    assert_true(hist_quantile(&h, 1.0) < -1e29);
    hist_clear(&h);

    /* max_bins 0 behaves as 1: everything in one bin per sign, counts kept. */
    hist_init_bounded(&h, 0);
    assert_int_equal(h.max_bins, 1);
    for (int i = 1; i <= 100; i++)
        hist_add(&h, i);
    assert_int_equal(h.pos.len, 1);
    assert_int_equal(bins_total(&h), 100);
    assert_true(within_alpha(hist_quantile(&h, 0.0), 100.0));
    hist_clear(&h);
}

static void test_collapse_by_merge(void **state)
{
    (void)state;
    struct hist a, b;
    hist_init_bounded(&a, 16);
    hist_init_bounded(&b, 16);
    hist_add(&a, 1.0);
    hist_add(&a, 1.1);
    hist_add(&b, 1e10);
    hist_add(&b, -3.0);
    hist_merge(&a, &b);
    assert_int_equal(hist_count(&a), 4);
    assert_int_equal(bins_total(&a), 4);
    assert_true(a.pos.len <= 16);
    assert_int_equal(a.collapsed_bins, 2); /* the bins of 1.0 and 1.1 */
    assert_true(within_alpha(hist_quantile(&a, 1.0), 1e10));
    assert_true(within_alpha(hist_quantile(&a, 0.0), -3.0));
    /* A collapsed source passes its collapsed_bins on. */
    struct hist c;
    hist_init(&c);
    hist_merge(&c, &a);
    assert_int_equal(c.collapsed_bins, 2);
    hist_clear(&a);
    hist_clear(&b);
    hist_clear(&c);
}

/* Random adds, add_n and merges into a bounded histogram, against an unbounded reference: the
 * bounded one is exact (byte for byte) exactly as long as the non-empty bins of each sign span
 * at most max_bins, and the extreme bins away from zero always stay exact. */
static void test_collapse_random_ops(void **state)
{
    (void)state;
    struct rng r = {16};
    const uint32_t maxes[] = {1, 2, 5, 16, 64, 300};
    for (size_t m = 0; m < 6; m++) {
        for (int round = 0; round < 20; round++) {
            uint32_t max = maxes[m];
            struct hist b, ref, t, c;
            hist_init_bounded(&b, max);
            hist_init_bounded(&ref, UINT32_MAX);
            hist_init_bounded(&c, UINT32_MAX);
            double range = exp(rng_unit(&r) * 12.0); /* up to ~600 bins */
            for (int op = 0; op < 200; op++) {
                int ops = op % 7 == 6 ? 5 : 1;
                uint64_t kind = rng_next(&r) % 3;
                hist_init(&t);
                for (int k = 0; k < ops; k++) {
                    double v = pow(range, rng_unit(&r)) * (rng_next(&r) % 3 ? 1 : -1);
                    uint64_t n = kind == 1 ? 1 + rng_next(&r) % 1000 : 1;
                    hist_add_n(&ref, v, n);
                    if (kind == 2)
                        hist_add(&t, v);
                    else if (kind == 1)
                        hist_add_n(&b, v, n);
                    else
                        hist_add(&b, v);
                }
                if (kind == 2)
                    hist_merge(&b, &t);
                hist_clear(&t);

                assert_true(b.pos.len <= max && b.neg.len <= max);
                assert_int_equal(hist_count(&b), hist_count(&ref));
                assert_int_equal(bins_total(&b), hist_count(&b));
                hist_copy(&c, &ref);
                hist_compact(&c);
                int fits = c.pos.len <= max && c.neg.len <= max;
                assert_int_equal(fits, b.collapsed_bins == 0);
                if (fits) {
                    size_t lb, lr;
                    uint8_t *eb = encode(&b, &lb), *er = encode(&ref, &lr);
                    assert_int_equal(lb, lr);
                    assert_memory_equal(eb, er, lb);
                    free(eb);
                    free(er);
                }
                if (ref.pos.len)
                    assert_true(hist_quantile(&b, 1.0) == hist_quantile(&ref, 1.0));
                if (ref.neg.len)
                    assert_true(hist_quantile(&b, 0.0) == hist_quantile(&ref, 0.0));
            }
            hist_clear(&b);
            hist_clear(&ref);
            hist_clear(&c);
        }
    }
}

/* ---- copy, clear, compact, quantiles ---- */

static void test_copy_clear(void **state)
{
    (void)state;
    struct rng r = {7};
    struct hist a, b;
    hist_init(&a);
    hist_init(&b);
    hist_add(&b, 123.0); /* dst content is released */
    fill_mixed(&a, &r, 5000);
    hist_copy(&b, &a);
    assert_same_hist(&a, &b);
    assert_int_equal(hist_memory_bytes(&a), hist_memory_bytes(&b));
    hist_add(&a, 1e6); /* independent after the copy */
    assert_int_equal(hist_count(&b), 5000);
    hist_copy(&b, &b);
    assert_int_equal(hist_count(&b), 5000);
    hist_clear(&a);
    assert_int_equal(hist_count(&a), 0);
    assert_int_equal(hist_bin_count(&a), 0);
    assert_int_equal(hist_memory_bytes(&a), 0);
    hist_add(&a, 2.0); /* usable after clear */
    assert_true(within_alpha(hist_quantile(&a, 0.5), 2.0));
    hist_clear(&a);
    hist_clear(&b);
}

static void test_compact(void **state)
{
    (void)state;
    struct rng r = {8};
    struct hist h, ref;
    hist_init(&h);
    hist_init(&ref);
    fill_mixed(&h, &r, 3000);
    hist_copy(&ref, &h);
    size_t before = hist_memory_bytes(&h);
    hist_compact(&h);
    assert_true(hist_memory_bytes(&h) <= before);
    assert_same_hist(&h, &ref);
    /* The window is exactly the non-empty range: first and last cells are counted. */
    struct hist_store *s = &h.pos;
    assert_true(s->len > 0);
    assert_int_equal(((uint8_t *)s->counts)[0] != 0, 1);
    assert_int_equal(((uint8_t *)s->counts)[s->len - 1] != 0, 1);
    /* Still usable, also outside the old window. */
    hist_add(&h, 1e9);
    hist_add(&ref, 1e9);
    hist_add(&h, -1e-5);
    hist_add(&ref, -1e-5);
    assert_same_hist(&h, &ref);
    /* A single bin of 300: one 2-byte cell, no slack. */
    hist_clear(&h);
    hist_add_n(&h, 5.0, 300);
    hist_compact(&h);
    assert_int_equal(h.pos.width, 2);
    assert_int_equal(h.pos.len, 1);
    assert_int_equal(hist_memory_bytes(&h), 2);
    hist_clear(&h);
    hist_compact(&h); /* empty: no-op */
    assert_int_equal(hist_memory_bytes(&h), 0);
    hist_clear(&ref);
}

static void test_quantiles_one_pass(void **state)
{
    (void)state;
    struct rng r = {9};
    struct hist h;
    hist_init(&h);
    fill_mixed(&h, &r, 20000);
    double out[NQS];
    hist_quantiles(&h, QS, out, NQS);
    for (size_t i = 0; i < NQS; i++)
        assert_true(out[i] == hist_quantile(&h, QS[i]));
    /* Not ascending, repeated, NaN and out-of-range entries still answer each q. */
    const double odd[] = {0.9, 0.1, 0.1, NAN, 2.0, -1.0, 0.5};
    double out2[7];
    hist_quantiles(&h, odd, out2, 7);
    for (size_t i = 0; i < 7; i++) {
        double want = hist_quantile(&h, odd[i]);
        assert_true(isnan(want) ? isnan(out2[i]) : out2[i] == want);
    }
    hist_clear(&h);
}

static void test_store_accumulate_matches_merge(void **state)
{
    (void)state;
    struct hist a, b, c, m;
    hist_init(&a);
    hist_init(&b);
    hist_init(&c);
    hist_init(&m);
    for (int i = 1; i <= 300; i++) {
        hist_add(&a, i * 0.7);
        hist_add_n(&b, i * 13.0, 300); /* wider cells in b */
        if (i % 23 == 0)
            hist_add(&c, i * 1.9); /* one-byte cells with long empty runs */
    }
    hist_merge(&m, &a);
    hist_merge(&m, &b);
    hist_merge(&m, &c);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    hist_store_extent(&a.pos, &lo, &hi);
    hist_store_extent(&b.pos, &lo, &hi);
    hist_store_extent(&c.pos, &lo, &hi);
    struct hist_store empty = {0};
    hist_store_extent(&empty, &lo, &hi); /* changes nothing */
    assert_true(lo <= hi);
    uint64_t *cells = calloc((size_t)(hi - lo + 1), sizeof(*cells));
    hist_store_accumulate(&a.pos, cells, lo);
    hist_store_accumulate(&b.pos, cells, lo);
    hist_store_accumulate(&c.pos, cells, lo);
    hist_store_accumulate(&empty, cells, lo);
    uint64_t total = 0;
    for (int64_t i = lo; i <= hi; i++) {
        int64_t j = i - m.pos.offset;
        uint64_t want = 0;
        if (j >= 0 && j < (int64_t)m.pos.len)
            want = m.pos.width == 1   ? ((uint8_t *)m.pos.counts)[j]
                   : m.pos.width == 2 ? ((uint16_t *)m.pos.counts)[j]
                   : m.pos.width == 4 ? ((uint32_t *)m.pos.counts)[j]
                                      : ((uint64_t *)m.pos.counts)[j];
        assert_int_equal(cells[i - lo], want);
        total += cells[i - lo];
    }
    assert_int_equal(total, hist_count(&m));

    /* subtracting takes them out again; what is not there is refused, cells unchanged */
    size_t n = (size_t)(hi - lo + 1);
    uint64_t *only_a = calloc(n, sizeof(*only_a)), *before = calloc(n, sizeof(*before));
    hist_store_accumulate(&a.pos, only_a, lo);
    assert_int_equal(hist_store_subtract(&b.pos, cells, lo), 0);
    assert_int_equal(hist_store_subtract(&c.pos, cells, lo), 0);
    assert_int_equal(hist_store_subtract(&empty, cells, lo), 0);
    assert_memory_equal(cells, only_a, n * sizeof(*cells));
    memcpy(before, cells, n * sizeof(*cells));
    assert_int_equal(hist_store_subtract(&b.pos, cells, lo), -1);
    assert_memory_equal(cells, before, n * sizeof(*cells));
    hist_add(&a, 1000.0); /* a bin the cells hold nothing in (inside their window), after bins
                              they do hold */
    assert_int_equal(hist_store_subtract(&a.pos, cells, lo), -1);
    assert_memory_equal(cells, before, n * sizeof(*cells));
    free(only_a);
    free(before);
    free(cells);
    hist_clear(&a);
    hist_clear(&b);
    hist_clear(&c);
    hist_clear(&m);
}

/* A one-value view holds the same bins as adding the value to an empty histogram, merges as
 * that would, and owns no heap (issue 15: a time slot with one event has no histogram). */
static void test_view_one_equals_one_add(void **state)
{
    (void)state;
    const double vs[] = {42.5, -3.25, 0.0, 1e-12, -1e300, 1e-9, 7e307};
    for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
        struct hist view, one, a, b;
        uint8_t cell = 0;
        hist_view_one(&view, vs[i], &cell);
        hist_init(&one);
        hist_add(&one, vs[i]);
        assert_int_equal(hist_count(&view), 1);
        assert_int_equal(view.zero_count, one.zero_count);
        assert_int_equal(hist_bin_count(&view), hist_bin_count(&one));
        for (int q = 0; q <= 2; q++)
            assert_true(hist_quantile(&view, q / 2.0) == hist_quantile(&one, q / 2.0));
        hist_init(&a);
        hist_init(&b);
        hist_add(&a, 5.0);
        hist_add(&b, 5.0);
        hist_merge(&a, &view);
        hist_add(&b, vs[i]);
        assert_int_equal(hist_count(&a), 2);
        for (int q = 0; q <= 4; q++)
            assert_true(hist_quantile(&a, q / 4.0) == hist_quantile(&b, q / 4.0));
        hist_clear(&a);
        hist_clear(&b);
        hist_clear(&one);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_one_equals_one_add),
        cmocka_unit_test(test_store_accumulate_matches_merge),
        cmocka_unit_test(test_width_promotion),
        cmocka_unit_test(test_collapse_lowest),
        cmocka_unit_test(test_collapse_by_merge),
        cmocka_unit_test(test_collapse_random_ops),
        cmocka_unit_test(test_copy_clear),
        cmocka_unit_test(test_compact),
        cmocka_unit_test(test_quantiles_one_pass),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
