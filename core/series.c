/* series.c — the series table: an open-addressing hash of canonical keys to series state,
 * with a cap on the number of series and the event-time watermark. */
#include "core/series.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define INITIAL_SLOTS 64u

void series_table_config_defaults(struct series_table_config *cfg)
{
    cfg->max_series = SERIES_DEFAULT_MAX;
    cfg->lateness_ms = SERIES_DEFAULT_LATENESS_MS;
    timeline_config_defaults(&cfg->timeline);
}

struct series_table *series_table_new(const struct series_table_config *cfg)
{
    struct series_table *tab = xcalloc(1, sizeof(*tab));
    if (cfg)
        tab->cfg = *cfg;
    else
        series_table_config_defaults(&tab->cfg);
    tab->slots = xcalloc(INITIAL_SLOTS, sizeof(*tab->slots));
    tab->slot_mask = INITIAL_SLOTS - 1;
    tab->max_ts_ms = INT64_MIN;
    return tab;
}

void series_table_free(struct series_table *tab)
{
    if (tab == NULL)
        return;
    for (uint32_t i = 0; i < tab->count; i++) {
        struct series *s = tab->items[i];
        timeline_free(&s->tl);
        free(s->key);
        free(s);
    }
    free(tab->items);
    free(tab->slots);
    free(tab);
}

/* ---------------------------------------------------------------------------------------------
 * Hashing: 8 bytes at a time, multiply-xorshift mixing, a full avalanche at the end. */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

uint64_t series_hash(const char *key, size_t len)
{
    const unsigned char *p = (const unsigned char *)key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
        h ^= h >> 29;
        p += 8;
        len -= 8;
    }
    uint64_t tail = 0;
    memcpy(&tail, p, len);
    h ^= tail * 0x87c37b91114253d5ULL;
    return mix64(h);
}

/* ---------------------------------------------------------------------------------------------
 * Lookup and insertion. */

static struct series **probe(struct series **slots, uint32_t mask, const char *key, size_t len,
                             uint64_t hash)
{
    uint32_t i = (uint32_t)hash & mask;
    for (;;) {
        struct series *s = slots[i];
        if (s == NULL ||
            (s->hash == hash && s->key_len == len && memcmp(s->key, key, len) == 0))
            return &slots[i];
        i = (i + 1) & mask;
    }
}

static void grow_slots(struct series_table *tab)
{
    uint32_t n = (tab->slot_mask + 1) * 2;
    struct series **slots = xcalloc(n, sizeof(*slots));
    for (uint32_t i = 0; i < tab->count; i++) {
        struct series *s = tab->items[i];
        *probe(slots, n - 1, s->key, s->key_len, s->hash) = s;
    }
    free(tab->slots);
    tab->slots = slots;
    tab->slot_mask = n - 1;
}

struct series *series_table_find(const struct series_table *tab, const char *key, size_t len)
{
    return *probe(tab->slots, tab->slot_mask, key, len, series_hash(key, len));
}

struct series *series_table_get_or_add(struct series_table *tab, const char *key, size_t len)
{
    uint64_t hash = series_hash(key, len);
    struct series **slot = probe(tab->slots, tab->slot_mask, key, len, hash);
    if (*slot)
        return *slot;
    if (tab->count >= tab->cfg.max_series || len > UINT32_MAX)
        return NULL;

    struct series *s = xcalloc(1, sizeof(*s));
    s->key = xstrndup(key, len);
    s->key_len = (uint32_t)len;
    s->hash = hash;
    timeline_init(&s->tl, &tab->cfg.timeline);
    *slot = s;

    if (tab->count == tab->items_cap) {
        tab->items_cap = tab->items_cap ? tab->items_cap * 2 : 64;
        tab->items = xrealloc(tab->items, tab->items_cap * sizeof(*tab->items));
    }
    tab->items[tab->count++] = s;
    /* Keep the load factor under 1/2 so probes stay short. */
    if ((uint64_t)tab->count * 2 > (uint64_t)tab->slot_mask + 1)
        grow_slots(tab);
    return s;
}

/* ---------------------------------------------------------------------------------------------
 * Ingest. */

int64_t series_table_watermark_ms(const struct series_table *tab)
{
    if (tab->max_ts_ms == INT64_MIN)
        return INT64_MIN;
    return tab->max_ts_ms - tab->cfg.lateness_ms;
}

enum series_result series_table_ingest_series(struct series_table *tab, struct series *s,
                                              double value, int64_t ts_ms)
{
    if (timeline_add(&s->tl, value, ts_ms) == TIMELINE_EXPIRED) {
        s->expired++;
        tab->stats.expired++;
        return SERIES_EXPIRED;
    }
    s->events++;
    tab->stats.events++;
    if (ts_ms > tab->max_ts_ms) {
        tab->max_ts_ms = ts_ms;
        return SERIES_ADDED;
    }
    if (ts_ms < tab->max_ts_ms - tab->cfg.lateness_ms) {
        s->late++;
        tab->stats.late++;
        return SERIES_ADDED_LATE;
    }
    return SERIES_ADDED;
}

enum series_result series_table_ingest(struct series_table *tab, const char *key, size_t len,
                                       double value, int64_t ts_ms)
{
    struct series *s = series_table_get_or_add(tab, key, len);
    if (s == NULL) {
        tab->stats.rejected_cap++;
        return SERIES_REJECTED_CAP;
    }
    return series_table_ingest_series(tab, s, value, ts_ms);
}

size_t series_table_memory_bytes(const struct series_table *tab)
{
    size_t bytes = sizeof(*tab) + (tab->slot_mask + 1) * sizeof(*tab->slots) +
                   tab->items_cap * sizeof(*tab->items);
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        bytes += sizeof(*s) - sizeof(s->tl) + s->key_len + 1 + timeline_memory_bytes(&s->tl);
    }
    return bytes;
}
