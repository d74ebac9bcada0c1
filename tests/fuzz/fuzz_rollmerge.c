/* fuzz_rollmerge.c — series_table_merge (timeline_merge) on whatever rollsum_decode accepts:
 * rollup blobs read back from Redis, merged period after period in any order into a small
 * table, and the same blobs into a second table through series_table_merge_series (the reader's
 * start-up: the decoded histogram moved into a new slot, history). Input: records of [i8 period
 * step in seconds][u8 series][u16 length][blob]. Properties: nothing crashes or leaks; every
 * stored slot is consistent (count > 0, min <= max, first and last within them, first time <=
 * last time); a series never holds more events than it was credited (expired periods and
 * dropped slots only lower the stored count); both tables hold the same slots, bin for bin. */
#include <string.h>

#include "core/rollsum.h"
#include "core/series.h"
#include "tests/fuzz/slot_props.h"

#define T0 1700000000000LL

static void check_series(const struct series *s)
{
    struct timeline_iter it;
    timeline_iter_init(&it, &s->tl, INT64_MIN / 4, INT64_MAX / 4);
    const struct timeline_slot *slot;
    int64_t start;
    uint32_t len;
    uint64_t stored = 0;
    while ((slot = timeline_iter_next(&it, &start, &len)) != NULL) {
        struct summary x;
        timeline_slot_summary(slot, start, &x);
        FUZZ_CHECK(x.count > 0 && x.count == hist_count(&slot->hist));
        FUZZ_CHECK(x.min <= x.max && x.min <= x.first && x.first <= x.max);
        FUZZ_CHECK(x.min <= x.last && x.last <= x.max);
        FUZZ_CHECK(x.first_ts_ms <= x.last_ts_ms);
        stored += x.count;
    }
    FUZZ_CHECK(stored <= s->events);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.max_series = 3;
    cfg.lateness_ms = 2000;
    cfg.timeline = (struct timeline_config){.fine_slots = 4, .coarse_s = 10, .retention_s = 40};
    struct series_table *tab = series_table_new(&cfg), *tab2 = series_table_new(&cfg);
    struct rollsum r;
    rollsum_init(&r);
    int64_t period = T0;
    size_t pos = 0;
    while (pos + 4 <= size) {
        int8_t step = (int8_t)data[pos];
        char key[2] = {(char)('a' + data[pos + 1] % 4), '\0'};
        size_t len = (size_t)data[pos + 2] | (size_t)data[pos + 3] << 8;
        pos += 4;
        if (len > size - pos)
            len = size - pos;
        period += (int64_t)step * 1000;
        if (rollsum_decode(&r, period, 1000, data + pos, len, NULL) == 0) {
            series_table_merge(tab, key, 1, period, &r);
            struct series *s2 = series_table_get_or_add(tab2, key, 1);
            if (s2)
                series_table_merge_series(tab2, s2, period, &r, true);
            else
                series_table_merge(tab2, key, 1, period, &r);
        }
        pos += len;
    }
    for (uint32_t i = 0; i < tab->count; i++)
        check_series(tab->items[i]);
    FUZZ_CHECK(tab->count == tab2->count);
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *a = tab->items[i];
        const struct series *b = tab2->items[i]; /* added in the same order */
        FUZZ_CHECK(a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0);
        FUZZ_CHECK(a->events == b->events);
        same_slots(a, b);
    }
    rollsum_free(&r);
    series_table_free(tab);
    series_table_free(tab2);
    return 0;
}
