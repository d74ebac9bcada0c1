/* test_rollsum.c — rollup period summaries: known bytes, round trips that keep every field and
 * quantile, merges of decoded halves against the whole, canonical bytes, and every class of
 * input the decoder refuses. */
#include "tests/unit/test_hist_lib.h"

#include "core/rollsum.h"

#define PERIOD 1700000000000LL
#define LEN 1000u

static uint8_t *encode_rs(const struct rollsum *r, int64_t period_ms, size_t *n)
{
    *n = rollsum_encode(r, period_ms, NULL, 0);
    uint8_t *buf = malloc(*n);
    assert_int_equal(rollsum_encode(r, period_ms, buf, *n), *n);
    return buf;
}

static void fill_random(struct rollsum *r, struct rng *g, size_t n, int64_t period_ms)
{
    for (size_t i = 0; i < n; i++) {
        double v = rng_normal(g) * 100.0 + (rng_next(g) % 4 == 0 ? -50.0 : 1000.0);
        rollsum_add(r, v, period_ms + (int64_t)(rng_next(g) % LEN));
    }
}

/* Every field but the running mean bit for bit, the mean within rounding, and quantiles. */
static void assert_same_rollsum(const struct rollsum *a, const struct rollsum *b)
{
    assert_int_equal(a->sum.count, b->sum.count);
    assert_int_equal(a->late, b->late);
    assert_int_equal(hist_count(&a->hist), hist_count(&b->hist));
    assert_same_hist(&a->hist, &b->hist);
    static const double qs[] = {0, 0.01, 0.5, 0.9, 0.99, 1};
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        double qa = hist_quantile(&a->hist, qs[i]), qb = hist_quantile(&b->hist, qs[i]);
        assert_true(qa == qb || (isnan(qa) && isnan(qb)));
    }
    if (a->sum.count == 0)
        return;
    assert_true(a->sum.sum == b->sum.sum);
    assert_true(a->sum.m2 == b->sum.m2);
    assert_true(a->sum.min == b->sum.min);
    assert_true(a->sum.max == b->sum.max);
    assert_true(a->sum.first == b->sum.first);
    assert_true(a->sum.last == b->sum.last);
    assert_int_equal(a->sum.first_ts_ms, b->sum.first_ts_ms);
    assert_int_equal(a->sum.last_ts_ms, b->sum.last_ts_ms);
    double ma = summary_mean(&a->sum), mb = summary_mean(&b->sum);
    assert_true(fabs(ma - mb) <= 1e-12 * fmax(1.0, fabs(ma)));
    assert_true(summary_variance(&a->sum) == summary_variance(&b->sum));
}

static double get_f64_le(const uint8_t *p)
{
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits |= (uint64_t)p[i] << (8 * i);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void put_f64_le(uint8_t *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(bits >> (8 * i));
}

static void test_known_bytes(void **state)
{
    (void)state;
    struct rollsum r;
    rollsum_init(&r);
    size_t n;
    uint8_t *buf = encode_rs(&r, PERIOD, &n);
    static const uint8_t empty[] = {1, 0, 0};
    assert_int_equal(n, sizeof empty);
    assert_memory_equal(buf, empty, n);
    free(buf);

    r.late = 300; /* varint 0xAC 0x02 */
    buf = encode_rs(&r, PERIOD, &n);
    static const uint8_t late_only[] = {1, 0, 0xAC, 0x02};
    assert_int_equal(n, sizeof late_only);
    assert_memory_equal(buf, late_only, n);
    free(buf);

    /* 4, 1, 3, 2 at offsets 250, 10, 999, 500: first is 1 (offset 10), last 3 (offset 999) */
    r.late = 0;
    rollsum_add(&r, 4, PERIOD + 250);
    rollsum_add(&r, 1, PERIOD + 10);
    rollsum_add(&r, 3, PERIOD + 999);
    rollsum_add(&r, 2, PERIOD + 500);
    r.late = 2;
    buf = encode_rs(&r, PERIOD, &n);
    assert_int_equal(buf[0], 1);
    assert_int_equal(buf[1], 4);
    assert_int_equal(buf[2], 2);
    assert_true(get_f64_le(buf + 3) == 10.0);
    assert_true(get_f64_le(buf + 11) == 5.0); /* squared deviations from 2.5 */
    assert_true(get_f64_le(buf + 19) == 1.0);
    assert_true(get_f64_le(buf + 27) == 4.0);
    assert_true(get_f64_le(buf + 35) == 1.0);
    assert_true(get_f64_le(buf + 43) == 3.0);
    assert_int_equal(buf[51], 10);
    assert_int_equal(buf[52], 0xE7); /* 999 = 0x3E7 */
    assert_int_equal(buf[53], 0x07);
    size_t hn = hist_codec_encode(&r.hist, NULL, 0);
    assert_int_equal(n, 54 + hn);
    uint8_t *hb = malloc(hn);
    hist_codec_encode(&r.hist, hb, hn);
    assert_memory_equal(buf + 54, hb, hn);
    free(hb);

    struct rollsum d;
    rollsum_init(&d);
    const char *why = NULL;
    assert_int_equal(rollsum_decode(&d, PERIOD, LEN, buf, n, &why), 0);
    assert_same_rollsum(&r, &d);
    assert_true(summary_variance(&d.sum) == 1.25);
    free(buf);
    rollsum_free(&d);
    rollsum_free(&r);
}

static void test_roundtrip(void **state)
{
    (void)state;
    struct rng g = {42};
    for (int round = 0; round < 40; round++) {
        struct rollsum r, d;
        rollsum_init(&r);
        rollsum_init(&d);
        int64_t period = PERIOD + round * (int64_t)LEN;
        fill_random(&r, &g, 1 + rng_next(&g) % (round < 20 ? 50 : 5000), period);
        r.late = rng_next(&g) % 3 == 0 ? rng_next(&g) : 0;
        size_t n;
        uint8_t *buf = encode_rs(&r, period, &n);
        rollsum_add(&d, 7.0, period); /* replaced, not merged */
        d.late = 9;
        assert_int_equal(rollsum_decode(&d, period, LEN, buf, n, NULL), 0);
        assert_same_rollsum(&r, &d);
        size_t n2;
        uint8_t *again = encode_rs(&d, period, &n2); /* canonical: same bytes back */
        assert_int_equal(n, n2);
        assert_memory_equal(buf, again, n);
        /* a short cap writes nothing */
        memset(again, 0xAA, n);
        assert_int_equal(rollsum_encode(&r, period, again, n - 1), n);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(again[i], 0xAA);
        free(again);
        free(buf);
        rollsum_free(&r);
        rollsum_free(&d);
    }
}

static void test_merge_halves(void **state)
{
    (void)state;
    struct rng g = {7};
    for (int round = 0; round < 30; round++) {
        struct rollsum whole, a, b, da, db;
        rollsum_init(&whole);
        rollsum_init(&a);
        rollsum_init(&b);
        rollsum_init(&da);
        rollsum_init(&db);
        size_t n = 1 + rng_next(&g) % 3000;
        for (size_t i = 0; i < n; i++) {
            double v = rng_normal(&g) * 1e3 + 5e3;
            int64_t ts = PERIOD + (int64_t)(rng_next(&g) % LEN);
            rollsum_add(&whole, v, ts);
            rollsum_add(rng_next(&g) % 2 ? &a : &b, v, ts);
        }
        a.late = 3;
        b.late = 4;
        whole.late = 7;
        size_t na, nb;
        uint8_t *ba = encode_rs(&a, PERIOD, &na), *bb = encode_rs(&b, PERIOD, &nb);
        assert_int_equal(rollsum_decode(&da, PERIOD, LEN, ba, na, NULL), 0);
        assert_int_equal(rollsum_decode(&db, PERIOD, LEN, bb, nb, NULL), 0);
        rollsum_merge(&da, &db);
        assert_int_equal(da.sum.count, whole.sum.count);
        assert_int_equal(da.late, 7);
        assert_same_hist(&da.hist, &whole.hist);
        assert_true(da.sum.min == whole.sum.min && da.sum.max == whole.sum.max);
        assert_true(fabs(da.sum.sum - whole.sum.sum) <= 1e-9 * fabs(whole.sum.sum));
        assert_true(fabs(summary_mean(&da.sum) - summary_mean(&whole.sum)) <=
                    1e-9 * fabs(summary_mean(&whole.sum)));
        assert_true(fabs(summary_variance(&da.sum) - summary_variance(&whole.sum)) <=
                    1e-9 * summary_variance(&whole.sum) + 1e-9);
        assert_int_equal(da.sum.first_ts_ms, whole.sum.first_ts_ms);
        assert_int_equal(da.sum.last_ts_ms, whole.sum.last_ts_ms);
        assert_true(hist_quantile(&da.hist, 0.99) == hist_quantile(&whole.hist, 0.99));
        free(ba);
        free(bb);
        rollsum_free(&whole);
        rollsum_free(&a);
        rollsum_free(&b);
        rollsum_free(&da);
        rollsum_free(&db);
    }
}

/* Two summaries with equal fields encode to equal bytes, whatever else differs (the running
 * mean, the histogram's spare window or cell width, the order the values came in). */
static void test_canonical(void **state)
{
    (void)state;
    struct rollsum a, b;
    rollsum_init(&a);
    rollsum_init(&b);
    static const double vs[] = {8, 2, 4, 2, 16, 0.5};
    for (size_t i = 0; i < 6; i++)
        rollsum_add(&a, vs[i], PERIOD + (int64_t)i);
    hist_add(&b.hist, 1e9); /* grows b's window, then empties it */
    hist_reset(&b.hist);
    b.sum = a.sum;
    b.sum.mean += 1e-9; /* not part of the blob */
    hist_merge(&b.hist, &a.hist);
    size_t na, nb;
    uint8_t *x = encode_rs(&a, PERIOD, &na), *y = encode_rs(&b, PERIOD, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
    rollsum_free(&a);
    rollsum_free(&b);
}

/* Decodes buf with the default period and expects -1, an empty r and a reason. */
static void assert_refused(const uint8_t *buf, size_t n, uint32_t len_ms)
{
    struct rollsum r;
    rollsum_init(&r);
    rollsum_add(&r, 1.0, PERIOD);
    r.late = 5;
    const char *why = NULL;
    assert_int_equal(rollsum_decode(&r, PERIOD, len_ms, buf, n, &why), -1);
    assert_non_null(why);
    assert_int_equal(r.sum.count, 0);
    assert_int_equal(r.late, 0);
    assert_int_equal(hist_count(&r.hist), 0);
    assert_int_equal(hist_memory_bytes(&r.hist), 0);
    rollsum_free(&r);
}

static void test_rejects(void **state)
{
    (void)state;
    struct rollsum r;
    rollsum_init(&r);
    rollsum_add(&r, 1.0, PERIOD + 100);
    rollsum_add(&r, -3.0, PERIOD + 200);
    rollsum_add(&r, 9.0, PERIOD + 300);
    r.late = 1;
    size_t n;
    uint8_t *good = encode_rs(&r, PERIOD, &n);
    uint8_t *bad = malloc(n + 1);

    assert_refused(NULL, 0, LEN);
    assert_refused(good, 0, LEN);
    for (size_t cut = 1; cut < n; cut++) /* every truncation */
        assert_refused(good, cut, LEN);
    memcpy(bad, good, n);
    bad[n] = 0; /* trailing byte */
    assert_refused(bad, n + 1, LEN);
    static const uint8_t empty_trailing[] = {1, 0, 0, 0};
    assert_refused(empty_trailing, sizeof empty_trailing, LEN);

    memcpy(bad, good, n);
    bad[0] = 2; /* unknown version */
    assert_refused(bad, n, LEN);
    bad[0] = 0;
    assert_refused(bad, n, LEN);

    static const uint8_t overlong[] = {1, 0x80, 0x00, 0}; /* count 0 in two bytes */
    assert_refused(overlong, sizeof overlong, LEN);

    /* non-finite numbers, in each of the six f64 fields */
    const double nonfinite[] = {NAN, INFINITY, -INFINITY};
    for (size_t f = 0; f < 6; f++)
        for (size_t k = 0; k < 3; k++) {
            memcpy(bad, good, n);
            put_f64_le(bad + 3 + 8 * f, nonfinite[k]);
            assert_refused(bad, n, LEN);
        }

    memcpy(bad, good, n); /* min > max */
    put_f64_le(bad + 19, 10.0);
    assert_refused(bad, n, LEN);
    memcpy(bad, good, n); /* first outside [min, max] */
    put_f64_le(bad + 35, 100.0);
    assert_refused(bad, n, LEN);
    memcpy(bad, good, n); /* last outside [min, max] */
    put_f64_le(bad + 43, -100.0);
    assert_refused(bad, n, LEN);
    memcpy(bad, good, n); /* m2 < 0 */
    put_f64_le(bad + 11, -1.0);
    assert_refused(bad, n, LEN);
    memcpy(bad, good, n); /* count != the histogram's */
    bad[1] = 4;
    assert_refused(bad, n, LEN);
    bad[1] = 2;
    assert_refused(bad, n, LEN);

    /* times: offsets 100 and 0xAC 0x02 (300) sit at bytes 51..53 */
    assert_int_equal(good[51], 100);
    assert_refused(good, n, 300); /* last offset 300 outside [0, 300) */
    assert_refused(good, n, 50);  /* both outside */
    memcpy(bad, good, 51);        /* first after last: offsets 127 and 50 */
    bad[51] = 127;
    bad[52] = 50;
    memcpy(bad + 53, good + 54, n - 54);
    assert_refused(bad, n - 1, LEN);
    bad[52] = 127; /* equal offsets are fine */
    struct rollsum eq;
    rollsum_init(&eq);
    assert_int_equal(rollsum_decode(&eq, PERIOD, LEN, bad, n - 1, NULL), 0);
    rollsum_free(&eq);
    struct rollsum ok;
    rollsum_init(&ok);
    assert_int_equal(rollsum_decode(&ok, PERIOD, 301, good, n, NULL), 0); /* boundary fits */
    assert_int_equal(rollsum_decode(&ok, INT64_MAX - 10, LEN, good, n, NULL), -1); /* overflow */
    rollsum_free(&ok);

    memcpy(bad, good, n); /* the histogram's own version byte */
    bad[54] = 9;
    assert_refused(bad, n, LEN);
    assert_refused(good, 54, LEN); /* no histogram at all */

    free(bad);
    free(good);
    rollsum_free(&r);
}

/* Random bytes and random mutations of good blobs: never crash, and whatever is accepted
 * re-encodes to the same bytes. */
static void test_random_bytes(void **state)
{
    (void)state;
    struct rng g = {99};
    struct rollsum src, d;
    rollsum_init(&src);
    rollsum_init(&d);
    fill_random(&src, &g, 200, PERIOD);
    size_t n;
    uint8_t *good = encode_rs(&src, PERIOD, &n);
    uint8_t *buf = malloc(n);
    for (int i = 0; i < 20000; i++) {
        memcpy(buf, good, n);
        for (int k = 0; k < 1 + (int)(rng_next(&g) % 3); k++)
            buf[rng_next(&g) % n] = (uint8_t)rng_next(&g);
        size_t len = rng_next(&g) % 4 ? n : rng_next(&g) % (n + 1);
        if (rollsum_decode(&d, PERIOD, LEN, buf, len, NULL) == 0) {
            size_t n2;
            uint8_t *again = encode_rs(&d, PERIOD, &n2);
            assert_int_equal(n2, len);
            assert_memory_equal(again, buf, len);
            free(again);
        }
    }
    free(buf);
    free(good);
    rollsum_free(&src);
    rollsum_free(&d);
}

/* The worked example of docs/protocol.md (Rollups, Worked example), byte for byte. */
static void test_docs_example(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x01, 0x03, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x46, 0x40,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x42, 0x40, 0x00, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x29, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0x34, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x40, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x29, 0x40, 0x64, 0x84, 0x07, 0x01,
                                   0x00, 0x00, 0x19, 0x80, 0x02, 0x04, 0x2d, 0x02, 0x00};
    struct rollsum r;
    rollsum_init(&r);
    rollsum_add(&r, 12.5, PERIOD + 100);
    rollsum_add(&r, 20, PERIOD + 350);
    rollsum_add(&r, 12.5, PERIOD + 900);
    r.late = 1;
    size_t n;
    uint8_t *buf = encode_rs(&r, PERIOD, &n);
    assert_int_equal(n, sizeof want);
    assert_memory_equal(buf, want, n);
    assert_true(summary_variance(&r.sum) == 12.5);
    free(buf);
    rollsum_free(&r);

    static const uint8_t want_hist[] = {0x01, 0x01, 0x00, 0x00, 0x01, 0x70, 0x02};
    struct hist h;
    hist_init(&h);
    hist_add(&h, -3);
    hist_add(&h, 0);
    buf = encode(&h, &n);
    assert_int_equal(n, sizeof want_hist);
    assert_memory_equal(buf, want_hist, n);
    free(buf);
    hist_clear(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_bytes),  cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_merge_halves), cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_rejects),      cmocka_unit_test(test_random_bytes),
        cmocka_unit_test(test_docs_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
