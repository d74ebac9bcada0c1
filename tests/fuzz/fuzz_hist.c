/* fuzz_hist.c — hist_codec_decode, the decoder of histogram rollups read back from Redis.
 * Properties of an accepted input: it is the one canonical encoding, so serialising the result
 * gives back the same bytes; the count is the sum of the bins, which come in ascending order;
 * quantiles are ordered in q, p0 lies in the lowest bin and p100 in the highest; memory stays
 * within max_bins cells; a narrower histogram accepts only what the default one accepts, and the
 * same; merging a histogram with itself doubles its count (saturating) and, unless the total
 * saturated (such a total is refused on input by design), still round-trips. */
#include <math.h>
#include <string.h>

#include "core/hist.h"
#include "core/hist_codec.h"

struct walk {
    uint64_t total;
    unsigned long bins;
    double first_lo, first_hi, last_lo, last_hi;
    int ordered;
};

static void on_bin(double lo, double hi, uint64_t count, void *privdata)
{
    struct walk *w = privdata;
    if (!(lo <= hi) || count == 0 || (w->bins && lo < w->last_lo))
        w->ordered = 0;
    if (w->bins == 0) {
        w->first_lo = lo;
        w->first_hi = hi;
    }
    w->last_lo = lo;
    w->last_hi = hi;
    w->total = w->total + count < w->total ? UINT64_MAX : w->total + count;
    w->bins++;
}

/* Serialises h and checks it equals want[0..n). */
static void check_encoding(const struct hist *h, const uint8_t *want, size_t n)
{
    size_t need = hist_codec_encode(h, NULL, 0);
    FUZZ_CHECK(need == n);
    uint8_t *buf = malloc(need);
    FUZZ_CHECK(hist_codec_encode(h, buf, need) == need);
    FUZZ_CHECK(memcmp(buf, want, n) == 0);
    free(buf);
}

static void check_hist(const struct hist *h, const uint8_t *data, size_t size)
{
    check_encoding(h, data, size);

    struct walk w = {.ordered = 1};
    hist_foreach_bin(h, on_bin, &w);
    FUZZ_CHECK(w.ordered);
    FUZZ_CHECK(w.total == hist_count(h));
    FUZZ_CHECK(w.bins == hist_bin_count(h));
    FUZZ_CHECK(hist_memory_bytes(h) <= 2 * (size_t)h->max_bins * 8);

    static const double qs[] = {0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1};
    enum { NQ = sizeof qs / sizeof qs[0] };
    double out[NQ];
    hist_quantiles(h, qs, out, NQ);
    if (hist_count(h) == 0) {
        for (size_t i = 0; i < NQ; i++)
            FUZZ_CHECK(isnan(out[i]));
        return;
    }
    for (size_t i = 0; i < NQ; i++) {
        FUZZ_CHECK(!isnan(out[i]));
        FUZZ_CHECK(out[i] == hist_quantile(h, qs[i]));
        if (i > 0)
            FUZZ_CHECK(out[i - 1] <= out[i]);
    }
    FUZZ_CHECK(out[0] >= w.first_lo && out[0] <= w.first_hi);
    FUZZ_CHECK(out[NQ - 1] >= w.last_lo && out[NQ - 1] <= w.last_hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hist h;
    hist_init(&h);
    if (hist_codec_decode(&h, data, size) != 0) {
        FUZZ_CHECK(hist_count(&h) == 0 && hist_memory_bytes(&h) == 0);
        hist_clear(&h);
        return 0;
    }
    check_hist(&h, data, size);

    /* compacting changes no count */
    hist_compact(&h);
    check_encoding(&h, data, size);

    /* a narrower histogram */
    struct hist narrow;
    hist_init_bounded(&narrow, size > 0 ? 1u + data[size - 1] % 64 : 1);
    if (hist_codec_decode(&narrow, data, size) == 0)
        check_encoding(&narrow, data, size);
    hist_clear(&narrow);

    /* merged with itself */
    struct hist twice;
    hist_init(&twice);
    hist_copy(&twice, &h);
    hist_merge(&twice, &h);
    uint64_t c = hist_count(&h);
    FUZZ_CHECK(hist_count(&twice) == (c > UINT64_MAX / 2 ? UINT64_MAX : 2 * c));
    if (c <= UINT64_MAX / 2) { /* a saturated total is refused by design */
        size_t need = hist_codec_encode(&twice, NULL, 0);
        uint8_t *buf = malloc(need);
        hist_codec_encode(&twice, buf, need);
        struct hist back;
        hist_init(&back);
        FUZZ_CHECK(hist_codec_decode(&back, buf, need) == 0);
        FUZZ_CHECK(hist_count(&back) == hist_count(&twice));
        check_hist(&back, buf, need);
        free(buf);
        hist_clear(&back);
    }
    hist_clear(&twice);
    hist_clear(&h);
    return 0;
}
