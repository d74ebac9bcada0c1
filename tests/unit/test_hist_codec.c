/* test_hist_codec.c — histogram serialisation: round trips, hostile and non-canonical input,
 * huge counts, random bytes. */
#include "tests/unit/test_hist_lib.h"

/* ---- serialisation ---- */

static void build_rich(struct hist *h)
{
    struct rng r = {11};
    fill_mixed(h, &r, 4000);
    hist_add_n(h, 1e12, 1000000000000ULL); /* 8-byte cell, long varint */
    hist_add_n(h, -7.0, (1ULL << 63) + 5); /* escaped count */
    hist_add(h, 3e200);                    /* long run of empty bins */
    hist_add_n(h, 0.0, 3);
}

static void test_serialize_roundtrip(void **state)
{
    (void)state;
    struct hist h, d;
    hist_init(&h);
    hist_init(&d);
    /* Empty round trip. */
    size_t n;
    uint8_t *buf = encode(&h, &n);
    assert_int_equal(buf[0], HIST_CODEC_VERSION);
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&h, &d);
    free(buf);

    build_rich(&h);
    buf = encode(&h, &n);
    hist_add(&d, 5.0); /* replaced, not merged */
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&h, &d);
    for (size_t i = 0; i < NQS; i++)
        assert_true(hist_quantile(&h, QS[i]) == hist_quantile(&d, QS[i]));
    free(buf);

    /* A collapsed histogram keeps its collapsed_bins. */
    struct hist c;
    hist_init_bounded(&c, 8);
    for (double v = 1; v < 1e6; v *= 1.3)
        hist_add(&c, v);
    assert_true(c.collapsed_bins > 0);
    buf = encode(&c, &n);
    assert_int_equal(hist_codec_decode(&d, buf, n), 0);
    assert_same_hist(&c, &d);
    free(buf);
    hist_clear(&c);

    /* A small cap reports the size and writes nothing. */
    size_t need = hist_codec_encode(&h, NULL, 0);
    uint8_t *small = malloc(need);
    memset(small, 0xAA, need);
    assert_int_equal(hist_codec_encode(&h, small, need - 1), need);
    for (size_t i = 0; i < need; i++)
        assert_int_equal(small[i], 0xAA);
    free(small);

    /* Compact: 1000 ones in one bin is a handful of bytes. */
    hist_clear(&h);
    hist_add_n(&h, 1.0, 1000);
    assert_true(hist_codec_encode(&h, NULL, 0) <= 10);
    hist_clear(&h);
    hist_clear(&d);
}

static void assert_rejected(const uint8_t *buf, size_t len, uint32_t max_bins)
{
    struct hist h;
    hist_init_bounded(&h, max_bins);
    hist_add(&h, 1.0);
    hist_add(&h, -1.0);
    hist_add(&h, 0.0);
    assert_int_equal(hist_codec_decode(&h, buf, len), -1);
    assert_int_equal(hist_count(&h), 0);
    assert_int_equal(hist_bin_count(&h), 0);
    assert_int_equal(hist_memory_bytes(&h), 0);
    assert_int_equal(h.collapsed_bins, 0);
    hist_clear(&h);
}

static void test_deserialize_rejects(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    build_rich(&h);
    size_t n;
    uint8_t *buf = encode(&h, &n);
    hist_clear(&h);

    assert_rejected(NULL, 0, HIST_DEFAULT_MAX_BINS);
    assert_rejected(buf, 0, HIST_DEFAULT_MAX_BINS);
    for (size_t len = 1; len < n; len++) /* every truncation */
        assert_rejected(buf, len, HIST_DEFAULT_MAX_BINS);
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, buf, n);
    longer[n] = 0;
    assert_rejected(longer, n + 1, HIST_DEFAULT_MAX_BINS); /* trailing byte */
    longer[0] = HIST_CODEC_VERSION + 1;
    assert_rejected(longer, n, HIST_DEFAULT_MAX_BINS); /* unknown version */
    longer[0] = 0;
    assert_rejected(longer, n, HIST_DEFAULT_MAX_BINS);
    free(longer);
    assert_rejected(buf, n, 8); /* wider than the receiver's max_bins */
    free(buf);

    /* Hand-made hostile encodings: version, zero, collapsed, pos store, neg store. */
    const uint8_t overlong[] = {1,    0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                0x80, 0x80, 0x80, 0x02, 0,    0,    0};
    assert_rejected(overlong, sizeof overlong, HIST_DEFAULT_MAX_BINS);
    const uint8_t huge_len[] = {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 2, 0};
    assert_rejected(huge_len, sizeof huge_len, UINT32_MAX);
    const uint8_t far_offset[] = {1, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f, 2, 0};
    assert_rejected(far_offset, sizeof far_offset, HIST_DEFAULT_MAX_BINS);
    const uint8_t leading_run[] = {1, 0, 0, 2, 0, 1, 2, 0};
    assert_rejected(leading_run, sizeof leading_run, HIST_DEFAULT_MAX_BINS);
    const uint8_t trailing_run[] = {1, 0, 0, 2, 0, 2, 1, 0};
    assert_rejected(trailing_run, sizeof trailing_run, HIST_DEFAULT_MAX_BINS);
    const uint8_t run_too_long[] = {1, 0, 0, 3, 0, 2, 5, 2, 0};
    assert_rejected(run_too_long, sizeof run_too_long, HIST_DEFAULT_MAX_BINS);
    const uint8_t small_escape[] = {1, 0, 0, 1, 0, 0, 5, 0};
    assert_rejected(small_escape, sizeof small_escape, HIST_DEFAULT_MAX_BINS);
    const uint8_t big_collapsed[] = {1, 0, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0};
    assert_rejected(big_collapsed, sizeof big_collapsed, HIST_DEFAULT_MAX_BINS);
    /* Counts that overflow the total: 2^64-1 zeros plus one value. */
    const uint8_t overflow[] = {1,    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0x01, 0,    1,    0,    2,    0};
    assert_rejected(overflow, sizeof overflow, HIST_DEFAULT_MAX_BINS);

    /* And the minimal valid ones are accepted: one bin of count 1 at index 0 (value ~1). */
    const uint8_t one[] = {1, 0, 0, 1, 0, 2, 0};
    assert_int_equal(hist_codec_decode(&h, one, sizeof one), 0);
    assert_int_equal(hist_count(&h), 1);
    assert_true(within_alpha(hist_quantile(&h, 0.5), 1.0));
    const uint8_t neg_run[] = {1, 0, 0, 0, 3, 1, 2, 1, 4};
    assert_int_equal(hist_codec_decode(&h, neg_run, sizeof neg_run), 0);
    assert_int_equal(hist_count(&h), 3);
    assert_int_equal(hist_bin_count(&h), 2);
    assert_true(hist_quantile(&h, 0.0) < 0);
    hist_clear(&h);
}

/* Found by fuzzing (tests/fuzz/fuzz_hist.c): the decoder took overlong varints and a gap split
 * into two runs, so decoding then encoding did not give back the input. Only the canonical
 * form is accepted now. */
static void test_deserialize_canonical_only(void **state)
{
    (void)state;
    const uint8_t overlong_zero[] = {1, 0x80, 0, 0, 0, 0};
    assert_rejected(overlong_zero, sizeof overlong_zero, HIST_DEFAULT_MAX_BINS);
    const uint8_t overlong_count[] = {1, 0, 0, 1, 0, 0x82, 0, 0};
    assert_rejected(overlong_count, sizeof overlong_count, HIST_DEFAULT_MAX_BINS);
    const uint8_t split_run[] = {1, 0, 0, 4, 2, 2, 1, 1, 2, 0};
    assert_rejected(split_run, sizeof split_run, HIST_DEFAULT_MAX_BINS);

    struct hist h;
    hist_init(&h);
    const uint8_t one_run[] = {1, 0, 0, 4, 2, 2, 3, 2, 0}; /* the same bins, canonical */
    assert_int_equal(hist_codec_decode(&h, one_run, sizeof one_run), 0);
    assert_int_equal(hist_count(&h), 2);
    uint8_t back[sizeof one_run];
    assert_int_equal(hist_codec_encode(&h, back, sizeof back), sizeof one_run);
    assert_memory_equal(back, one_run, sizeof one_run);
    hist_clear(&h);
}

/* Found by fuzzing: with a count near 2^64, (double)(count - 1) rounds to 2^64 and the cast of
 * floor(q * 2^64) to uint64_t was undefined; at -O1 and -O2 p100 came back as the minimum. */
static void test_quantile_huge_count(void **state)
{
    (void)state;
    struct hist h;
    hist_init(&h);
    hist_add_n(&h, 1.0, 3);
    hist_add_n(&h, 1e6, UINT64_MAX - 3);
    assert_true(hist_count(&h) == UINT64_MAX);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 1e6));
    assert_true(within_alpha(hist_quantile(&h, 0.5), 1e6));
    assert_true(within_alpha(hist_quantile(&h, 0.0), 1.0));
    hist_clear(&h);

    /* count - 1 = 2^57 + 15 rounds down to 2^57 in a double, a rank among the zeros: p100 was
     * 0 instead of the largest value */
    hist_init(&h);
    hist_add_n(&h, 0.0, (1ULL << 57) + 9);
    hist_add_n(&h, 5.0, 7);
    assert_true(within_alpha(hist_quantile(&h, 1.0), 5.0));
    assert_true(hist_quantile(&h, 0.5) == 0.0);
    hist_clear(&h);
}

static void check_decoded(const uint8_t *buf, size_t len)
{
    struct hist h, again;
    hist_init(&h);
    hist_init(&again);
    if (hist_codec_decode(&h, buf, len) == 0) {
        /* Accepted input is self-consistent and re-encodes to the same histogram. */
        assert_int_equal(bins_total(&h), hist_count(&h));
        size_t n;
        uint8_t *enc = encode(&h, &n);
        assert_int_equal(hist_codec_decode(&again, enc, n), 0);
        assert_same_hist(&h, &again);
        free(enc);
        hist_quantile(&h, 0.5);
    } else {
        assert_int_equal(hist_count(&h), 0);
        assert_int_equal(hist_memory_bytes(&h), 0);
    }
    hist_clear(&h);
    hist_clear(&again);
}

static void test_deserialize_fuzz(void **state)
{
    (void)state;
    struct rng r = {12345};
    uint8_t buf[96];
    int accepted = 0;
    for (int i = 0; i < 30000; i++) { /* random strings, mostly with the right version */
        size_t len = rng_next(&r) % sizeof buf;
        for (size_t k = 0; k < len; k++) {
            uint64_t x = rng_next(&r);
            buf[k] = (x & 0x300) ? (uint8_t)(x & 0x07) : (uint8_t)x; /* favour small bytes */
        }
        if (len && rng_next(&r) % 8)
            buf[0] = HIST_CODEC_VERSION;
        struct hist h;
        hist_init(&h);
        accepted += hist_codec_decode(&h, buf, len) == 0;
        hist_clear(&h);
        check_decoded(buf, len);
    }
    assert_true(accepted > 0); /* the generator does reach valid encodings */

    /* Mutations of a valid encoding. */
    struct hist h;
    hist_init(&h);
    build_rich(&h);
    size_t n;
    uint8_t *valid = encode(&h, &n);
    uint8_t *mut = malloc(n);
    for (int i = 0; i < 20000; i++) {
        memcpy(mut, valid, n);
        int flips = 1 + (int)(rng_next(&r) % 3);
        for (int k = 0; k < flips; k++)
            mut[rng_next(&r) % n] ^= (uint8_t)(1u << (rng_next(&r) % 8));
        check_decoded(mut, 1 + rng_next(&r) % n);
        check_decoded(mut, n);
    }
    free(mut);
    free(valid);
    hist_clear(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serialize_roundtrip),
        cmocka_unit_test(test_deserialize_rejects),
        cmocka_unit_test(test_deserialize_fuzz),
        cmocka_unit_test(test_deserialize_canonical_only),
        cmocka_unit_test(test_quantile_huge_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
