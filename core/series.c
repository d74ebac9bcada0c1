/* series.c — the series table: an open-addressing hash of canonical keys to series state,
 * with a cap on the number of series and the event-time watermark. */
#include "core/series.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define INITIAL_SLOTS 64u

void series_table_config_defaults(struct series_table_config *cfg)
{
    cfg->max_series = SERIES_DEFAULT_MAX;
    cfg->lateness_ms = SERIES_DEFAULT_LATENESS_MS;
    timeline_config_defaults(&cfg->timeline);
    cfg->data_start_ms = INT64_MIN;
    cfg->data_retention_ms = 0;
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
    tab->min_ts_ms = INT64_MAX;
    return tab;
}

void series_table_free(struct series_table *tab)
{
    if (tab == NULL)
        return;
    for (uint32_t i = 0; i < tab->count; i++) {
        struct series *s = tab->items[i];
        timeline_free(&s->tl);
        free(s);
    }
    free(tab->items);
    free(tab->slots);
    free(tab->due);
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

static struct series_slot *probe(struct series_slot *slots, uint32_t mask, const char *key,
                                 size_t len, uint64_t hash)
{
    uint32_t i = (uint32_t)hash & mask;
    for (;;) {
        struct series_slot *c = &slots[i];
        if (c->series == NULL ||
            (c->hash == hash && c->series->key_len == len && memcmp(c->series->key, key, len) == 0))
            return c;
        i = (i + 1) & mask;
    }
}

/* Twice the slots, refilled from the old ones in order: each holds its series' hash, so no
 * series is read (a cache miss apiece: at half a million series the event that made the table
 * grow waited 12-80 ms, most of it for them), and the keys are all different, so none is
 * compared. */
static void grow_slots(struct series_table *tab)
{
    uint32_t n = (tab->slot_mask + 1) * 2, mask = n - 1;
    struct series_slot *slots = xcalloc(n, sizeof(*slots));
    for (uint32_t j = 0; j <= tab->slot_mask; j++) {
        const struct series_slot *old = &tab->slots[j];
        if (old->series == NULL)
            continue;
        uint32_t i = (uint32_t)old->hash & mask;
        while (slots[i].series)
            i = (i + 1) & mask;
        slots[i] = *old;
    }
    free(tab->slots);
    tab->slots = slots;
    tab->slot_mask = n - 1;
}

struct series *series_table_find(const struct series_table *tab, const char *key, size_t len)
{
    return probe(tab->slots, tab->slot_mask, key, len, series_hash(key, len))->series;
}

static struct series *get_or_add_hashed(struct series_table *tab, const char *key, size_t len,
                                        uint64_t hash)
{
    struct series_slot *c = probe(tab->slots, tab->slot_mask, key, len, hash);
    if (c->series)
        return c->series;
    if (tab->count >= tab->cfg.max_series || len > UINT32_MAX - 1)
        return NULL;

    struct series *s = xcalloc(1, sizeof(*s) + len + 1);
    memcpy(s->key, key, len);
    s->key_len = (uint32_t)len;
    s->hash = hash;
    timeline_init(&s->tl, &tab->cfg.timeline);
    c->hash = hash;
    c->series = s;

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

struct series *series_table_get_or_add(struct series_table *tab, const char *key, size_t len)
{
    return get_or_add_hashed(tab, key, len, series_hash(key, len));
}

/* ---------------------------------------------------------------------------------------------
 * Ingest. */

int64_t series_table_data_from_ms(const struct series_table *tab, int64_t now_ms)
{
    int64_t from = tab->cfg.data_start_ms, r = tab->cfg.data_retention_ms;
    if (r > 0 && now_ms > INT64_MIN + r && now_ms - r > from)
        from = now_ms - r;
    /* timelines keep the seconds from (now_s - retention_s) on, whole */
    int64_t now_s = now_ms / 1000 - (now_ms % 1000 < 0);
    int64_t kept_ms = (now_s - (int64_t)tab->cfg.timeline.retention_s) * 1000;
    if (kept_ms > from)
        from = kept_ms;
    /* with a reach set, the reader read everything since it: nothing older than the oldest
     * event it found exists (a fresh stream right after start), counted from that second */
    if (tab->cfg.data_start_ms != INT64_MIN && tab->min_ts_ms != INT64_MAX) {
        int64_t first_s = tab->min_ts_ms / 1000 - (tab->min_ts_ms % 1000 < 0);
        if (first_s * 1000 > from)
            from = first_s * 1000;
    }
    return from;
}

void series_table_watermark_restart(struct series_table *tab)
{
    tab->max_ts_ms = INT64_MIN;
}

int64_t series_table_watermark_ms(const struct series_table *tab)
{
    if (tab->max_ts_ms == INT64_MIN)
        return INT64_MIN;
    return tab->max_ts_ms - tab->cfg.lateness_ms;
}

static void due_push(struct series_table *tab, struct series *s)
{
    if (tab->due_n == tab->due_cap) {
        tab->due_cap = tab->due_cap ? 2 * tab->due_cap : 16; /* at most the series count */
        tab->due = xrealloc(tab->due, (size_t)tab->due_cap * sizeof(*tab->due));
    }
    tab->due[tab->due_n++] = s;
    s->due = true;
}

/* Settling walks series the batch touched a while ago: how far ahead it prefetches each link
 * of what laying one out reads (the series; its oldest fine cell and last coarse cell; their
 * full slots). The prefetches sit in the loop itself: GCC 12 at -O2 dropped the calls of a
 * static helper holding nothing but loads and prefetches (dead code elimination took it for
 * free of effects). */
#define SETTLE_STAGE 6

size_t series_table_settle(struct series_table *tab, size_t max)
{
    size_t n = max && max < tab->due_n ? max : tab->due_n;
    struct series **d = tab->due;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        const struct timeline *t;
        const struct timeline_cell *c;
        if ((j = i + 3 * SETTLE_STAGE) < n) { /* its flag up to its coarse cells' count */
            const char *p = (const char *)d[j], *end = (const char *)(&d[j]->tl.coarse + 1);
            for (; p < end; p += 64)
                __builtin_prefetch(p);
            __builtin_prefetch(end - 1);
        }
        if ((j = i + 2 * SETTLE_STAGE) < n) {
            t = &d[j]->tl;
            if (t->fine.n)
                __builtin_prefetch(&t->fine.v[t->fine.lo]);
            if (t->coarse.n)
                __builtin_prefetch(&t->coarse.v[t->coarse.lo + t->coarse.n - 1]);
        }
        if ((j = i + SETTLE_STAGE) < n) {
            t = &d[j]->tl;
            if (t->fine.n && (c = &t->fine.v[t->fine.lo])->off_ms == TIMELINE_CELL_FULL)
                __builtin_prefetch(c->u.slot);
            if (t->coarse.n &&
                (c = &t->coarse.v[t->coarse.lo + t->coarse.n - 1])->off_ms == TIMELINE_CELL_FULL)
                __builtin_prefetch(c->u.slot);
        }
        d[i]->due = false;
        timeline_settle(&d[i]->tl);
    }
    tab->due_n -= (uint32_t)n;
    if (tab->due_n)
        memmove(d, d + n, (size_t)tab->due_n * sizeof(*d));
    return tab->due_n;
}

enum series_result series_table_ingest_series(struct series_table *tab, struct series *s,
                                              double value, int64_t ts_ms)
{
    int64_t head_start_ms = s->tl.head_start_ms; /* INT64_MIN while empty */
    switch (timeline_add(&s->tl, value, ts_ms)) {
    case TIMELINE_ADDED:
        break;
    case TIMELINE_EXPIRED:
        s->expired++;
        tab->stats.expired++;
        return SERIES_EXPIRED;
    case TIMELINE_INVALID:
    default:
        tab->stats.invalid++;
        return SERIES_INVALID;
    }
    if (!s->due && timeline_due(&s->tl))
        due_push(tab, s);
    s->events++;
    s->behind += ts_ms < head_start_ms;
    tab->stats.events++;
    if (ts_ms < tab->min_ts_ms)
        tab->min_ts_ms = ts_ms;
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

static enum series_result merge_series(struct series_table *tab, struct series *s,
                                       int64_t period_ms, const struct rollsum *r,
                                       struct hist *take, bool history);

enum series_result series_table_merge(struct series_table *tab, const char *key, size_t len,
                                      int64_t period_ms, const struct rollsum *r)
{
    struct series *s = series_table_get_or_add(tab, key, len);
    if (s == NULL) {
        tab->stats.rejected_cap += r->sum.count + r->late;
        return SERIES_REJECTED_CAP;
    }
    return merge_series(tab, s, period_ms, r, NULL, false);
}

enum series_result series_table_merge_series(struct series_table *tab, struct series *s,
                                             int64_t period_ms, struct rollsum *r, bool history)
{
    return merge_series(tab, s, period_ms, r, &r->hist, history);
}

static enum series_result merge_series(struct series_table *tab, struct series *s,
                                       int64_t period_ms, const struct rollsum *r,
                                       struct hist *take, bool history)
{
    uint64_t n = r->sum.count;
    int64_t head_start_ms = s->tl.head_start_ms;
    s->late += r->late;
    tab->stats.late += r->late;
    enum timeline_result tr = take ? timeline_merge_take(&s->tl, period_ms, &r->sum, take)
                                   : timeline_merge(&s->tl, period_ms, &r->sum, &r->hist);
    switch (tr) {
    case TIMELINE_ADDED:
        break;
    case TIMELINE_EXPIRED:
        s->expired += n;
        tab->stats.expired += n;
        return SERIES_EXPIRED;
    case TIMELINE_INVALID:
    default:
        tab->stats.invalid += n ? n : 1;
        return SERIES_INVALID;
    }
    if (n == 0)
        return SERIES_ADDED;
    s->events += n;
    s->behind += period_ms < head_start_ms; /* the period's second is before the head's */
    s->restated += history && period_ms < head_start_ms;
    tab->stats.events += n;
    if (r->sum.first_ts_ms < tab->min_ts_ms)
        tab->min_ts_ms = r->sum.first_ts_ms;
    int late = !history && tab->max_ts_ms != INT64_MIN &&
               r->sum.last_ts_ms < tab->max_ts_ms - tab->cfg.lateness_ms;
    if (r->sum.last_ts_ms > tab->max_ts_ms)
        tab->max_ts_ms = r->sum.last_ts_ms;
    if (late) {
        s->late += n;
        tab->stats.late += n;
        return SERIES_ADDED_LATE;
    }
    return SERIES_ADDED;
}

static enum series_result ingest_hashed(struct series_table *tab, const char *key, size_t len,
                                        uint64_t hash, double value, int64_t ts_ms)
{
    struct series *s = get_or_add_hashed(tab, key, len, hash);
    if (s == NULL) {
        tab->stats.rejected_cap++;
        return SERIES_REJECTED_CAP;
    }
    return series_table_ingest_series(tab, s, value, ts_ms);
}

enum series_result series_table_ingest(struct series_table *tab, const char *key, size_t len,
                                       double value, int64_t ts_ms)
{
    return ingest_hashed(tab, key, len, series_hash(key, len), value, ts_ms);
}

/* The batch path walks a chain of dependent loads per event (index cell -> series -> head slot
 * -> histogram cells) and prefetches each link a few events before it is needed, each stage
 * reading only what an earlier stage already brought in. STAGE is the distance between links. */
#define BATCH_STAGE 4
#define BATCH_CHUNK 256

/* An event at ts_ms moves timeline t's head to a new second (t holds events). */
static inline bool moves_head(const struct timeline *t, int64_t ts_ms)
{
    return t->head_start_ms != INT64_MIN && ts_ms - t->head_start_ms >= 1000;
}

static inline const struct series *cell_series(const struct series_table *tab, uint64_t hash)
{
    return tab->slots[(uint32_t)hash & tab->slot_mask].series;
}

void series_table_ingest_batch(struct series_table *tab, const struct series_event *ev, size_t n,
                               enum series_result *results)
{
    uint64_t hash[BATCH_CHUNK];
    for (size_t base = 0; base < n; base += BATCH_CHUNK) {
        size_t m = n - base < BATCH_CHUNK ? n - base : BATCH_CHUNK;
        const struct series_event *e = ev + base;
        for (size_t i = 0; i < m; i++) {
            hash[i] = series_hash(e[i].key, e[i].len);
            if (i < 4 * BATCH_STAGE)
                __builtin_prefetch(&tab->slots[(uint32_t)hash[i] & tab->slot_mask]);
        }
        for (size_t i = 0; i < m; i++) {
            size_t j;
            if ((j = i + 4 * BATCH_STAGE) < m) /* the index cell */
                __builtin_prefetch(&tab->slots[(uint32_t)hash[j] & tab->slot_mask]);
            const struct series *s;
            if ((j = i + 3 * BATCH_STAGE) < m && (s = cell_series(tab, hash[j]))) {
                __builtin_prefetch(s); /* header, key and timeline share the allocation */
                __builtin_prefetch((const char *)s + 64);
                __builtin_prefetch((const char *)s + 128);
            }
            if ((j = i + 2 * BATCH_STAGE) < m && (s = cell_series(tab, hash[j]))) {
                if (s->tl.head)
                    __builtin_prefetch(s->tl.head);
                else if (s->tl.fine.n) { /* a compact head: its cell, last of the fine ones */
                    __builtin_prefetch(&s->tl.fine.v[s->tl.fine.lo + s->tl.fine.n - 1]);
                    if (moves_head(&s->tl, e[j].ts_ms)) { /* laid out on the spot: what that
                                                             reads (timeline.c add_slow) */
                        __builtin_prefetch(&s->tl.fine.v[s->tl.fine.lo]);
                        if (s->tl.coarse.n)
                            __builtin_prefetch(
                                &s->tl.coarse.v[s->tl.coarse.lo + s->tl.coarse.n - 1]);
                    }
                }
            }
            if ((j = i + BATCH_STAGE) < m && (s = cell_series(tab, hash[j])) && s->tl.head)
                __builtin_prefetch(s->tl.head->hist.pos.counts);
            enum series_result r =
                ingest_hashed(tab, e[i].key, e[i].len, hash[i], e[i].value, e[i].ts_ms);
            if (results)
                results[base + i] = r;
        }
    }
}

size_t series_table_memory_bytes(const struct series_table *tab)
{
    size_t bytes = sizeof(*tab) + (tab->slot_mask + 1) * sizeof(*tab->slots) +
                   (tab->items_cap + tab->due_cap) * sizeof(*tab->items);
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        /* timeline_memory_bytes counts the struct timeline itself */
        bytes += sizeof(*s) - sizeof(s->tl) + s->key_len + 1 + timeline_memory_bytes(&s->tl);
    }
    return bytes;
}

size_t series_table_series_min_bytes(const struct series_table_config *cfg)
{
    enum { N = 64 };
    struct series_table_config c = *cfg;
    c.max_series = N;
    struct series_table *tab = series_table_new(&c);
    size_t empty = series_table_memory_bytes(tab);
    char key[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "m{i=%d}", i);
        series_table_ingest(tab, key, (size_t)n, 1.0, 0);
    }
    size_t per = (series_table_memory_bytes(tab) - empty) / N;
    series_table_free(tab);
    return per;
}

size_t series_table_cap_note(const struct series_table *tab, const char *option, char *buf,
                             size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    if (tab->stats.rejected_cap == 0)
        return 0;
    snprintf(buf, cap, "series cap %" PRIu32 " reached: %" PRIu64 " events dropped; raise %s",
             tab->cfg.max_series, tab->stats.rejected_cap, option);
    return cap > 0 ? strlen(buf) : 0;
}
