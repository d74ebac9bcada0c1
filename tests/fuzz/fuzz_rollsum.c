/* fuzz_rollsum.c — rollsum_decode, the decoder of rollup blobs read back from Redis streams.
 * Properties of an accepted input: it is the one canonical encoding (serialising the result
 * gives back the same bytes); count equals the histogram's count; min <= first, last <= max;
 * the variance is finite and >= 0; times lie in the period, first before last; a longer period
 * accepts it too; merging it with itself doubles count and late and, when the sums stay finite,
 * round-trips. A refused input leaves an empty summary that owns no memory. */
#include <math.h>
#include <string.h>

#include "core/rollsum.h"

#define PERIOD 1700000000000LL

static void check_encoding(const struct rollsum *r, const uint8_t *want, size_t n)
{
    size_t need = rollsum_encode(r, PERIOD, NULL, 0);
    FUZZ_CHECK(need == n);
    uint8_t *buf = malloc(need);
    FUZZ_CHECK(rollsum_encode(r, PERIOD, buf, need) == need);
    FUZZ_CHECK(memcmp(buf, want, n) == 0);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rollsum r;
    rollsum_init(&r);
    const char *why = NULL;
    if (rollsum_decode(&r, PERIOD, 1000, data, size, &why) != 0) {
        FUZZ_CHECK(why != NULL);
        FUZZ_CHECK(r.sum.count == 0 && r.late == 0 && hist_count(&r.hist) == 0);
        FUZZ_CHECK(rollsum_memory_bytes(&r) == 0);
        rollsum_free(&r);
        return 0;
    }
    check_encoding(&r, data, size);
    const struct summary *s = &r.sum;
    FUZZ_CHECK(s->count == hist_count(&r.hist));
    if (s->count) {
        FUZZ_CHECK(s->min <= s->first && s->first <= s->max);
        FUZZ_CHECK(s->min <= s->last && s->last <= s->max);
        double var = summary_variance(s);
        FUZZ_CHECK(isfinite(var) && var >= 0);
        FUZZ_CHECK(s->first_ts_ms >= PERIOD && s->first_ts_ms <= s->last_ts_ms);
        FUZZ_CHECK(s->last_ts_ms < PERIOD + 1000);
    }

    struct rollsum longer;
    rollsum_init(&longer);
    FUZZ_CHECK(rollsum_decode(&longer, PERIOD, 60000, data, size, NULL) == 0);
    check_encoding(&longer, data, size);

    rollsum_merge(&longer, &r);
    FUZZ_CHECK(longer.sum.count == 2 * s->count || hist_count(&longer.hist) == UINT64_MAX);
    FUZZ_CHECK(longer.late == (r.late > UINT64_MAX / 2 ? UINT64_MAX : 2 * r.late));
    if (s->count <= UINT64_MAX / 2 && isfinite(longer.sum.sum) && isfinite(longer.sum.m2)) {
        size_t need = rollsum_encode(&longer, PERIOD, NULL, 0);
        uint8_t *buf = malloc(need);
        rollsum_encode(&longer, PERIOD, buf, need);
        struct rollsum back;
        rollsum_init(&back);
        FUZZ_CHECK(rollsum_decode(&back, PERIOD, 1000, buf, need, NULL) == 0);
        FUZZ_CHECK(back.sum.count == longer.sum.count && back.late == longer.late);
        check_encoding(&back, buf, need);
        rollsum_free(&back);
        free(buf);
    }
    rollsum_free(&longer);
    rollsum_free(&r);
    return 0;
}
