/* rollup.c — open 1-second periods of series summaries, closed in order, and the checkpoint
 * codec (contract in rollup.h). */
#include "core/rollup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/series.h"
#include "core/wire.h"

struct rollup_item {
    uint64_t hash;
    uint32_t key_len;
    struct rollsum rs;
    char key[]; /* key_len bytes, allocated with the item */
};

struct rollup_period {
    int64_t start_ms;
    uint64_t capped; /* events refused for max_series */
    struct rollup_item **items;
    uint32_t count, items_cap;
    uint32_t *index; /* open addressing over items: item position + 1, 0 free; NULL once closed */
    uint32_t index_mask;
};

struct rollup {
    struct rollup_config cfg;
    struct rollup_period **open; /* ascending start */
    uint32_t nopen, open_cap;
    struct rollup_period **closed; /* queue: closed[head..nclosed) oldest first */
    size_t head, nclosed, closed_cap;
    int64_t closed_ms, watermark_ms;
    struct rollup_totals totals;
};

/* Event times a period can hold with its end representable. */
#define TS_MIN (INT64_MIN + ROLLUP_PERIOD_MS)
#define TS_MAX (INT64_MAX - ROLLUP_PERIOD_MS)

static int64_t period_of(int64_t ts_ms) /* ts_ms in [TS_MIN, TS_MAX] */
{
    int64_t mod = ts_ms % ROLLUP_PERIOD_MS;
    return ts_ms - (mod < 0 ? mod + ROLLUP_PERIOD_MS : mod);
}

/* ---------------------------------------------------------------------------------------------
 * Periods. */

static struct rollup_period *period_new(int64_t start_ms)
{
    struct rollup_period *p = xcalloc(1, sizeof(*p));
    p->start_ms = start_ms;
    p->index_mask = 15;
    p->index = xcalloc(p->index_mask + 1, sizeof(*p->index));
    return p;
}

static void period_free(struct rollup_period *p)
{
    if (!p)
        return;
    for (uint32_t i = 0; i < p->count; i++) {
        rollsum_free(&p->items[i]->rs);
        free(p->items[i]);
    }
    free(p->items);
    free(p->index);
    free(p);
}

/* The index cell holding key, or the free cell where it would go. */
static uint32_t *index_cell(uint32_t *index, uint32_t mask, struct rollup_item *const *items,
                            const char *key, size_t len, uint64_t hash)
{
    for (uint32_t i = (uint32_t)hash & mask;; i = (i + 1) & mask) {
        if (index[i] == 0)
            return &index[i];
        const struct rollup_item *it = items[index[i] - 1];
        if (it->hash == hash && it->key_len == len && memcmp(it->key, key, len) == 0)
            return &index[i];
    }
}

static void index_grow(struct rollup_period *p)
{
    uint32_t mask = p->index_mask * 2 + 1;
    uint32_t *index = xcalloc((size_t)mask + 1, sizeof(*index));
    for (uint32_t i = 0; i < p->count; i++) {
        const struct rollup_item *it = p->items[i];
        *index_cell(index, mask, p->items, it->key, it->key_len, it->hash) = i + 1;
    }
    free(p->index);
    p->index = index;
    p->index_mask = mask;
}

/* The item of key in p, created empty when absent and p holds fewer than max items; NULL when
 * absent and p is full. */
static struct rollup_item *period_item(struct rollup_period *p, const char *key, size_t len,
                                       uint32_t max)
{
    uint64_t hash = series_hash(key, len);
    uint32_t *cell = index_cell(p->index, p->index_mask, p->items, key, len, hash);
    if (*cell)
        return p->items[*cell - 1];
    if (p->count >= max)
        return NULL;
    struct rollup_item *it = xmalloc(sizeof(*it) + len);
    it->hash = hash;
    it->key_len = (uint32_t)len;
    rollsum_init(&it->rs);
    memcpy(it->key, key, len);
    if (p->count == p->items_cap) {
        p->items_cap = p->items_cap ? p->items_cap * 2 : 8;
        p->items = xrealloc(p->items, p->items_cap * sizeof(*p->items));
    }
    p->items[p->count] = it;
    *cell = ++p->count;
    if ((uint64_t)p->count * 4 > (uint64_t)(p->index_mask + 1) * 3) /* load <= 3/4 */
        index_grow(p);
    return it;
}

int rollup_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = alen && blen ? memcmp(a, b, alen < blen ? alen : blen) : 0;
    if (c)
        return c;
    return (alen > blen) - (alen < blen);
}

static int item_cmp(const void *a, const void *b)
{
    const struct rollup_item *x = *(struct rollup_item *const *)a;
    const struct rollup_item *y = *(struct rollup_item *const *)b;
    return rollup_key_cmp(x->key, x->key_len, y->key, y->key_len);
}

/* Sorts the items by key for output and drops the index: a closed period is only read. */
static void period_seal(struct rollup_period *p)
{
    if (p->count > 1)
        qsort(p->items, p->count, sizeof(*p->items), item_cmp);
    free(p->index);
    p->index = NULL;
    p->index_mask = 0;
    for (uint32_t i = 0; i < p->count; i++)
        hist_compact(&p->items[i]->rs.hist);
}

int64_t rollup_period_start(const struct rollup_period *p)
{
    return p->start_ms;
}

uint32_t rollup_period_series(const struct rollup_period *p)
{
    return p->count;
}

uint64_t rollup_period_capped(const struct rollup_period *p)
{
    return p->capped;
}

const struct rollsum *rollup_period_item(const struct rollup_period *p, uint32_t i,
                                         const char **key, size_t *len)
{
    const struct rollup_item *it = p->items[i];
    *key = it->key;
    *len = it->key_len;
    return &it->rs;
}

/* ---------------------------------------------------------------------------------------------
 * The accumulator. */

struct rollup *rollup_new(const struct rollup_config *cfg)
{
    struct rollup *r = xcalloc(1, sizeof(*r));
    r->cfg = *cfg;
    if (r->cfg.max_series == 0)
        r->cfg.max_series = ROLLUP_DEFAULT_MAX_SERIES;
    if (r->cfg.max_periods == 0)
        r->cfg.max_periods = ROLLUP_DEFAULT_MAX_PERIODS;
    if (r->cfg.lateness_ms < 0)
        r->cfg.lateness_ms = 0;
    r->closed_ms = INT64_MIN;
    r->watermark_ms = INT64_MIN;
    return r;
}

/* Frees every period; r is then empty (nothing closed, no event seen, zero totals). */
static void rollup_reset(struct rollup *r)
{
    for (uint32_t i = 0; i < r->nopen; i++)
        period_free(r->open[i]);
    for (size_t i = r->head; i < r->nclosed; i++)
        period_free(r->closed[i]);
    r->nopen = 0;
    r->head = r->nclosed = 0;
    r->closed_ms = INT64_MIN;
    r->watermark_ms = INT64_MIN;
    r->totals = (struct rollup_totals){0};
}

void rollup_free(struct rollup *r)
{
    if (!r)
        return;
    rollup_reset(r);
    free(r->open);
    free(r->closed);
    free(r);
}

/* The open period starting at start_ms, opened when absent and fewer than max_periods are
 * open (or force); NULL otherwise. */
static struct rollup_period *open_period(struct rollup *r, int64_t start_ms, int force)
{
    uint32_t lo = 0, hi = r->nopen; /* first open period starting at or after start_ms */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (r->open[mid]->start_ms < start_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->nopen && r->open[lo]->start_ms == start_ms)
        return r->open[lo];
    if (r->nopen >= r->cfg.max_periods && !force)
        return NULL;
    if (r->nopen == r->open_cap) {
        r->open_cap = r->open_cap ? r->open_cap * 2 : 8;
        r->open = xrealloc(r->open, r->open_cap * sizeof(*r->open));
    }
    memmove(r->open + lo + 1, r->open + lo, (r->nopen - lo) * sizeof(*r->open));
    r->open[lo] = period_new(start_ms);
    r->nopen++;
    return r->open[lo];
}

/* Whether s can take v with its sum, mean and m2 still finite: a blob or checkpoint holding an
 * overflowed sum would be refused by every reader. One value alone always fits. */
static int fits(const struct summary *s, double v)
{
    struct summary t = *s;
    summary_add(&t, v, 0);
    return isfinite(t.sum) && isfinite(t.mean) && isfinite(t.m2);
}

enum rollup_result rollup_add(struct rollup *r, const char *key, size_t len, double v,
                              int64_t ts_ms)
{
    if (!isfinite(v) || ts_ms < TS_MIN || ts_ms > TS_MAX || len >= UINT32_MAX) {
        r->totals.invalid++;
        return ROLLUP_INVALID;
    }
    if (ts_ms > r->watermark_ms)
        r->watermark_ms = ts_ms;
    if (ts_ms < r->closed_ms) {
        r->totals.late++;
        struct rollup_period *p =
            r->nopen ? r->open[r->nopen - 1] : open_period(r, r->closed_ms, 1);
        struct rollup_item *it = period_item(p, key, len, r->cfg.max_series);
        if (it)
            it->rs.late++;
        return ROLLUP_LATE;
    }
    struct rollup_period *p = open_period(r, period_of(ts_ms), 0);
    struct rollup_item *it = p ? period_item(p, key, len, r->cfg.max_series) : NULL;
    if (!it) {
        if (p)
            p->capped++;
        r->totals.cap++;
        return ROLLUP_CAP;
    }
    if (!fits(&it->rs.sum, v)) {
        r->totals.invalid++;
        return ROLLUP_INVALID;
    }
    rollsum_add(&it->rs, v, ts_ms);
    r->totals.events++;
    return ROLLUP_ADDED;
}

int64_t rollup_watermark(const struct rollup *r)
{
    return r->watermark_ms;
}

int64_t rollup_close_bound(const struct rollup *r)
{
    if (r->watermark_ms < INT64_MIN + r->cfg.lateness_ms) /* none seen, or no room below */
        return INT64_MIN;
    return r->watermark_ms - r->cfg.lateness_ms;
}

int64_t rollup_closed_ms(const struct rollup *r)
{
    return r->closed_ms;
}

size_t rollup_close(struct rollup *r, int64_t upto_ms)
{
    if (upto_ms > TS_MAX)
        upto_ms = TS_MAX; /* keeps every later period's end representable */
    uint32_t n = 0;
    while (n < r->nopen && r->open[n]->start_ms + ROLLUP_PERIOD_MS <= upto_ms)
        n++;
    if (n) {
        if (r->nclosed + n > r->closed_cap) {
            r->closed_cap = (r->nclosed + n) * 2;
            r->closed = xrealloc(r->closed, r->closed_cap * sizeof(*r->closed));
        }
        for (uint32_t i = 0; i < n; i++) {
            period_seal(r->open[i]);
            r->closed[r->nclosed++] = r->open[i];
        }
        memmove(r->open, r->open + n, (r->nopen - n) * sizeof(*r->open));
        r->nopen -= n;
    }
    if (upto_ms >= TS_MIN) {
        int64_t end = period_of(upto_ms);
        if (end > r->closed_ms)
            r->closed_ms = end;
    }
    return n;
}

const struct rollup_period *rollup_closed_peek(const struct rollup *r)
{
    return r->head < r->nclosed ? r->closed[r->head] : NULL;
}

void rollup_closed_drop(struct rollup *r)
{
    if (r->head == r->nclosed)
        return;
    period_free(r->closed[r->head++]);
    if (r->head == r->nclosed)
        r->head = r->nclosed = 0;
}

struct rollup_totals rollup_totals(const struct rollup *r)
{
    return r->totals;
}

uint32_t rollup_open_periods(const struct rollup *r)
{
    return r->nopen;
}

uint64_t rollup_open_items(const struct rollup *r)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < r->nopen; i++)
        n += r->open[i]->count;
    return n;
}

static size_t period_bytes(const struct rollup_period *p)
{
    size_t n = sizeof(*p) + p->items_cap * sizeof(*p->items);
    if (p->index)
        n += ((size_t)p->index_mask + 1) * sizeof(*p->index);
    for (uint32_t i = 0; i < p->count; i++)
        n += sizeof(*p->items[i]) + p->items[i]->key_len + rollsum_memory_bytes(&p->items[i]->rs);
    return n;
}

size_t rollup_memory_bytes(const struct rollup *r)
{
    size_t n = sizeof(*r) + r->open_cap * sizeof(*r->open) + r->closed_cap * sizeof(*r->closed);
    for (uint32_t i = 0; i < r->nopen; i++)
        n += period_bytes(r->open[i]);
    for (size_t i = r->head; i < r->nclosed; i++)
        n += period_bytes(r->closed[i]);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Checkpoint codec. v1, integers as varints (wire.h), signed ones zigzag:
 *   u8 version | svarint closed_ms | svarint watermark_ms | varint events, late, invalid, cap
 *   | varint nperiods | nperiods x period (ascending start):
 *   period: svarint start_ms | varint capped | varint nitems | nitems x item (ascending key):
 *   item:   varint key_len | key bytes | f64 running mean | varint blob_len | rollsum v1 blob
 *           of the period (start_ms, 1000 ms)
 */

static void ckpt_put(const struct rollup *r, struct wire_w *w)
{
    wire_put_u8(w, ROLLUP_CKPT_VERSION);
    wire_put_svarint(w, r->closed_ms);
    wire_put_svarint(w, r->watermark_ms);
    wire_put_varint(w, r->totals.events);
    wire_put_varint(w, r->totals.late);
    wire_put_varint(w, r->totals.invalid);
    wire_put_varint(w, r->totals.cap);
    wire_put_varint(w, r->nopen);
    for (uint32_t i = 0; i < r->nopen; i++) {
        const struct rollup_period *p = r->open[i];
        wire_put_svarint(w, p->start_ms);
        wire_put_varint(w, p->capped);
        wire_put_varint(w, p->count);
        if (p->count == 0)
            continue; /* never while open: a period opens for a series, max_series >= 1 */
        struct rollup_item **sorted = xmalloc(p->count * sizeof(*sorted));
        memcpy(sorted, p->items, p->count * sizeof(*sorted));
        qsort(sorted, p->count, sizeof(*sorted), item_cmp);
        for (uint32_t k = 0; k < p->count; k++) {
            const struct rollup_item *it = sorted[k];
            wire_put_varint(w, it->key_len);
            wire_put_bytes(w, it->key, it->key_len);
            wire_put_f64(w, it->rs.sum.mean);
            size_t n = rollsum_encode(&it->rs, p->start_ms, NULL, 0);
            wire_put_varint(w, n);
            if (w->buf)
                rollsum_encode(&it->rs, p->start_ms, w->buf + w->n, n);
            w->n += n;
        }
        free(sorted);
    }
}

size_t rollup_checkpoint_encode(const struct rollup *r, uint8_t *buf, size_t cap)
{
    struct wire_w w = {NULL, 0};
    ckpt_put(r, &w);
    if (buf && cap >= w.n) {
        struct wire_w out = {buf, 0};
        ckpt_put(r, &out);
    }
    return w.n;
}

/* Reads one item into p, whose last item's key must sort strictly before this one's. */
static int ckpt_get_item(struct wire_r *in, struct rollup_period *p, const char **why)
{
    uint64_t key_len, blob_len;
    const uint8_t *key, *blob;
    double mean;
    if (wire_get_varint(in, &key_len) < 0 || key_len >= UINT32_MAX ||
        wire_get_bytes(in, (size_t)key_len, &key) < 0 || wire_get_f64(in, &mean) < 0 ||
        wire_get_varint(in, &blob_len) < 0 || wire_get_bytes(in, (size_t)blob_len, &blob) < 0) {
        *why = "truncated or malformed checkpoint item";
        return -1;
    }
    uint32_t before = p->count;
    struct rollup_item *it = period_item(p, (const char *)key, (size_t)key_len, UINT32_MAX);
    if (p->count == before || (before && item_cmp(&p->items[before - 1], &it) >= 0)) {
        *why = "checkpoint series keys not in strictly ascending order";
        return -1;
    }
    const char *reason = NULL;
    if (rollsum_decode(&it->rs, p->start_ms, ROLLUP_PERIOD_MS, blob, (size_t)blob_len, &reason) <
        0) {
        *why = reason;
        return -1;
    }
    if (it->rs.sum.count == 0 ? mean != 0 : !isfinite(mean)) {
        *why = "checkpoint series mean not finite (or not 0 for an empty series)";
        return -1;
    }
    it->rs.sum.mean = mean;
    return 0;
}

static int ckpt_get(struct rollup *r, struct wire_r *in, const char **why)
{
    uint8_t version;
    uint64_t nperiods;
    if (wire_get_u8(in, &version) < 0) {
        *why = "empty checkpoint";
        return -1;
    }
    if (version != ROLLUP_CKPT_VERSION) {
        *why = "unknown checkpoint version";
        return -1;
    }
    if (wire_get_svarint(in, &r->closed_ms) < 0 || wire_get_svarint(in, &r->watermark_ms) < 0 ||
        wire_get_varint(in, &r->totals.events) < 0 || wire_get_varint(in, &r->totals.late) < 0 ||
        wire_get_varint(in, &r->totals.invalid) < 0 || wire_get_varint(in, &r->totals.cap) < 0 ||
        wire_get_varint(in, &nperiods) < 0) {
        *why = "truncated or malformed checkpoint header";
        return -1;
    }
    if (r->closed_ms != INT64_MIN && (r->closed_ms < TS_MIN || r->closed_ms > TS_MAX ||
                                      period_of(r->closed_ms) != r->closed_ms)) {
        *why = "checkpoint closed time not a period boundary";
        return -1;
    }
    if (nperiods > wire_left(in) / 3 || nperiods > UINT32_MAX) { /* a period takes >= 3 bytes */
        *why = "checkpoint period count past its length";
        return -1;
    }
    for (uint64_t i = 0; i < nperiods; i++) {
        int64_t start;
        uint64_t capped, nitems;
        if (wire_get_svarint(in, &start) < 0 || wire_get_varint(in, &capped) < 0 ||
            wire_get_varint(in, &nitems) < 0) {
            *why = "truncated or malformed checkpoint period";
            return -1;
        }
        if (start < TS_MIN || start > TS_MAX || period_of(start) != start || start < r->closed_ms ||
            (r->nopen && start <= r->open[r->nopen - 1]->start_ms)) {
            *why = "checkpoint period start misaligned, closed or out of order";
            return -1;
        }
        if (nitems == 0) {
            *why = "checkpoint period without series";
            return -1;
        }
        if (nitems > wire_left(in) / 4) { /* an item takes >= 4 + 8 bytes */
            *why = "checkpoint series count past its length";
            return -1;
        }
        struct rollup_period *p = open_period(r, start, 1);
        p->capped = capped;
        for (uint64_t k = 0; k < nitems; k++)
            if (ckpt_get_item(in, p, why) < 0)
                return -1;
    }
    if (wire_left(in) != 0) {
        *why = "trailing bytes after the checkpoint";
        return -1;
    }
    return 0;
}

int rollup_checkpoint_decode(struct rollup *r, const uint8_t *buf, size_t len, const char **why)
{
    const char *reason = "checkpoint malformed";
    rollup_reset(r);
    struct wire_r in = {buf, buf + (buf ? len : 0)};
    if (ckpt_get(r, &in, &reason) == 0)
        return 0;
    rollup_reset(r);
    if (why)
        *why = reason;
    return -1;
}
