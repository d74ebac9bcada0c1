/* fuzz_rollckpt.c — rollup_checkpoint_decode, the decoder of a partition's rollup state read
 * back from Redis (NS:ckpt:{pI} state). Properties of an accepted input: it is the one
 * canonical encoding (encoding the restored state gives back the same bytes); adding an event
 * and closing everything then yields periods in ascending order whose series come in ascending
 * key order and whose blobs decode for their period. A refused input leaves a valid empty
 * accumulator. */
#include <string.h>

#include "core/rollup.h"

/* rs encodes to a blob that decodes for its period, with the same counts. */
static void check_blob(const struct rollsum *rs, int64_t start)
{
    size_t n = rollsum_encode(rs, start, NULL, 0);
    uint8_t *buf = malloc(n);
    rollsum_encode(rs, start, buf, n);
    struct rollsum back;
    rollsum_init(&back);
    FUZZ_CHECK(rollsum_decode(&back, start, ROLLUP_PERIOD_MS, buf, n, NULL) == 0);
    FUZZ_CHECK(back.sum.count == rs->sum.count && back.late == rs->late);
    rollsum_free(&back);
    free(buf);
}

/* Takes every closed period out of r: ascending starts, ascending keys, blobs that decode. */
static void check_closed(struct rollup *r)
{
    int64_t last = INT64_MIN;
    const struct rollup_period *p;
    while ((p = rollup_closed_peek(r))) {
        int64_t start = rollup_period_start(p);
        FUZZ_CHECK(start > last && start % ROLLUP_PERIOD_MS == 0);
        last = start;
        for (uint32_t i = 0; i < rollup_period_series(p); i++) {
            const char *k0, *k1;
            size_t l0, l1;
            check_blob(rollup_period_item(p, i, &k1, &l1), start);
            if (i > 0) {
                rollup_period_item(p, i - 1, &k0, &l0);
                FUZZ_CHECK(rollup_key_cmp(k0, l0, k1, l1) < 0);
            }
        }
        rollup_closed_drop(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rollup_config cfg = {.lateness_ms = 1000};
    struct rollup *r = rollup_new(&cfg);
    const char *why = NULL;
    if (rollup_checkpoint_decode(r, data, size, &why) != 0) {
        FUZZ_CHECK(why != NULL);
        FUZZ_CHECK(rollup_open_periods(r) == 0 && rollup_closed_ms(r) == INT64_MIN);
        FUZZ_CHECK(rollup_watermark(r) == INT64_MIN && rollup_totals(r).events == 0);
        FUZZ_CHECK(rollup_add(r, "k", 1, 1.0, 5000) == ROLLUP_ADDED);
        rollup_free(r);
        return 0;
    }
    uint8_t *again = malloc(size + 1); /* the same bytes back, not one more */
    FUZZ_CHECK(rollup_checkpoint_encode(r, again, size + 1) == size);
    FUZZ_CHECK(memcmp(again, data, size) == 0);
    free(again);

    uint64_t events = rollup_totals(r).events;
    int64_t closed = rollup_closed_ms(r);
    int64_t ts = closed == INT64_MIN ? 0 : closed;
    if (ts <= INT64_MAX - 2 * ROLLUP_PERIOD_MS) {
        FUZZ_CHECK(rollup_add(r, "k", 1, 2.5, ts) != ROLLUP_LATE);
        FUZZ_CHECK(rollup_add(r, "k", 1, 2.5, ts - 1) ==
                       (closed == INT64_MIN ? ROLLUP_ADDED : ROLLUP_LATE) ||
                   rollup_totals(r).cap > 0);
    }
    FUZZ_CHECK(events > UINT64_MAX - 2 || rollup_totals(r).events >= events); /* may wrap */
    rollup_close(r, INT64_MAX);
    FUZZ_CHECK(rollup_open_periods(r) == 0);
    check_closed(r);
    rollup_free(r);
    return 0;
}
