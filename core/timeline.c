/* timeline.c — per-series time buckets: fine 1-s ring, coarse ring, folding and retention.
 * The membership rule is documented in timeline.h; everything here keeps it true eagerly, so
 * queries never have to second-guess a slot. */
#include "core/timeline.h"

#include <math.h>
#include <stdlib.h>

#include "core/mem.h"

#define EMPTY_START INT64_MIN

/* Floor division and non-negative remainder for b > 0 (C's / and % truncate toward zero). */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static inline uint32_t pos_mod(int64_t a, uint32_t m)
{
    int64_t r = a % (int64_t)m;
    return (uint32_t)(r < 0 ? r + m : r);
}

void timeline_config_defaults(struct timeline_config *cfg)
{
    cfg->fine_slots = TIMELINE_DEFAULT_FINE_SLOTS;
    cfg->coarse_s = TIMELINE_DEFAULT_COARSE_S;
    cfg->retention_s = TIMELINE_DEFAULT_RETENTION_S;
}

int timeline_config_check(const struct timeline_config *cfg, const char **why)
{
    const char *err = NULL;
    if (cfg->fine_slots < 1 || cfg->fine_slots > TIMELINE_MAX_FINE_SLOTS)
        err = "fine slot count out of range";
    else if (cfg->coarse_s < 1 || cfg->coarse_s > TIMELINE_MAX_COARSE_S)
        err = "coarse slot width out of range";
    else if (cfg->retention_s > TIMELINE_MAX_RETENTION_S)
        err = "retention too long";
    else if (cfg->retention_s < cfg->fine_slots)
        err = "retention shorter than the fine slots";
    if (why)
        *why = err;
    return err ? -1 : 0;
}

int timeline_init(struct timeline *t, const struct timeline_config *cfg)
{
    int rc = 0;
    *t = (struct timeline){0};
    if (cfg && timeline_config_check(cfg, NULL) == 0)
        t->cfg = *cfg;
    else {
        rc = cfg ? -1 : 0;
        timeline_config_defaults(&t->cfg);
    }
    /* Stored coarse starts span [floor((H-R)/C), floor((H-F)/C)] in units of C. */
    uint32_t c = t->cfg.coarse_s;
    t->ncoarse = (t->cfg.retention_s - t->cfg.fine_slots + c - 1) / c + 1;
    t->head_ms = INT64_MIN;
    t->head_s = INT64_MIN;
    t->head_start_ms = INT64_MIN;
    return rc;
}

static void slot_init(struct timeline_slot *slot)
{
    *slot = (struct timeline_slot){0};
    hist_init(&slot->hist);
}

static void slot_clear(struct timeline_slot *slot)
{
    hist_clear(&slot->hist);
}

/* Empties a slot that is about to be reused, keeping its histogram's storage. */
static void slot_recycle(struct timeline_slot *slot)
{
    struct hist h = slot->hist;
    hist_reset(&h);
    *slot = (struct timeline_slot){0};
    slot->hist = h;
}

/* Adds v at off_ms (event time - slot start). Shifted sums instead of Welford's update: no
 * division on the hot path, and accurate because the shift is a value of the same slot. */
static inline void slot_add(struct timeline_slot *slot, double v, int32_t off_ms)
{
    if (slot->hist.count == 0) {
        slot->shift = slot->min = slot->max = slot->first = slot->last = v;
        slot->s1 = slot->s2 = 0;
        slot->first_ms = slot->last_ms = off_ms;
    } else {
        double d = v - slot->shift;
        slot->s1 += d;
        slot->s2 += d * d;
        if (v < slot->min)
            slot->min = v;
        if (v > slot->max)
            slot->max = v;
        if (off_ms < slot->first_ms) {
            slot->first = v;
            slot->first_ms = off_ms;
        }
        if (off_ms >= slot->last_ms) {
            slot->last = v;
            slot->last_ms = off_ms;
        }
    }
    hist_add(&slot->hist, v);
}

/* dst (starting at dst_ms) takes in src's events (src starts at src_ms); both are non-empty
 * and src is unchanged. src's sums are re-based on dst's shift:
 * sum (v - a) = sum (v - b) + n (b - a), sum (v - a)^2 = sum (v - b)^2 + 2 (b - a) sum (v - b)
 * + n (b - a)^2. */
static void slot_merge(struct timeline_slot *dst, int64_t dst_ms, const struct timeline_slot *src,
                       int64_t src_ms)
{
    int32_t delta_ms = (int32_t)(src_ms - dst_ms);
    double n = (double)src->hist.count, d = src->shift - dst->shift;
    dst->s1 += src->s1 + n * d;
    dst->s2 += src->s2 + 2.0 * d * src->s1 + n * d * d;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->first_ms + delta_ms < dst->first_ms) {
        dst->first = src->first;
        dst->first_ms = src->first_ms + delta_ms;
    }
    if (src->last_ms + delta_ms >= dst->last_ms) {
        dst->last = src->last;
        dst->last_ms = src->last_ms + delta_ms;
    }
    hist_merge(&dst->hist, &src->hist);
}

void timeline_slot_summary(const struct timeline_slot *slot, int64_t start_s, struct summary *out)
{
    summary_init(out);
    uint64_t count = slot->hist.count;
    if (count == 0)
        return;
    double n = (double)count, m2 = slot->s2 - slot->s1 * slot->s1 / n;
    out->count = count;
    out->sum = n * slot->shift + slot->s1;
    out->min = slot->min;
    out->max = slot->max;
    out->mean = slot->shift + slot->s1 / n;
    out->m2 = m2 > 0 ? m2 : 0;
    out->first = slot->first;
    out->last = slot->last;
    out->first_ts_ms = start_s * 1000 + slot->first_ms;
    out->last_ts_ms = start_s * 1000 + slot->last_ms;
}

static struct timeline_slot *ring_new(uint32_t n)
{
    struct timeline_slot *ring = xmalloc((size_t)n * sizeof(*ring));
    for (uint32_t i = 0; i < n; i++)
        slot_init(&ring[i]);
    return ring;
}

static void ring_free(struct timeline_slot *ring, uint32_t n)
{
    if (ring == NULL)
        return;
    for (uint32_t i = 0; i < n; i++)
        hist_clear(&ring[i].hist);
    free(ring);
}

void timeline_free(struct timeline *t)
{
    ring_free(t->fine, t->cfg.fine_slots);
    ring_free(t->coarse, t->ncoarse);
    free(t->coarse_start);
    struct timeline_config cfg = t->cfg;
    timeline_init(t, &cfg);
}

int64_t timeline_head_ms(const struct timeline *t)
{
    return t->head_ms;
}

size_t timeline_memory_bytes(const struct timeline *t)
{
    size_t bytes = sizeof(*t);
    if (t->fine) {
        bytes += (size_t)t->cfg.fine_slots * sizeof(*t->fine);
        for (uint32_t i = 0; i < t->cfg.fine_slots; i++)
            bytes += hist_memory_bytes(&t->fine[i].hist);
    }
    if (t->coarse) {
        bytes += (size_t)t->ncoarse * (sizeof(*t->coarse) + sizeof(*t->coarse_start));
        for (uint32_t i = 0; i < t->ncoarse; i++)
            bytes += hist_memory_bytes(&t->coarse[i].hist);
    }
    return bytes;
}

/* ---------------------------------------------------------------------------------------------
 * Coarse ring. */

/* First coarse start still within retention when the head second is head_s. */
static inline int64_t retention_floor(const struct timeline *t, int64_t head_s)
{
    int64_t c = t->cfg.coarse_s;
    return floor_div(head_s - (int64_t)t->cfg.retention_s, c) * c;
}

static struct timeline_slot *coarse_slot(struct timeline *t, int64_t start_s)
{
    if (t->coarse == NULL) {
        t->coarse = ring_new(t->ncoarse);
        t->coarse_start = xmalloc((size_t)t->ncoarse * sizeof(*t->coarse_start));
        for (uint32_t i = 0; i < t->ncoarse; i++)
            t->coarse_start[i] = EMPTY_START;
    }
    uint32_t pos = pos_mod(floor_div(start_s, t->cfg.coarse_s), t->ncoarse);
    struct timeline_slot *slot = &t->coarse[pos];
    if (t->coarse_start[pos] != start_s) {
        /* Eviction keeps older starts out of the ring, so this is only ever an empty slot. */
        if (t->coarse_start[pos] != EMPTY_START)
            slot_clear(slot);
        t->coarse_start[pos] = start_s;
    }
    return slot;
}

/* Drops the coarse slots whose start falls below the retention floor as it moves up. */
static void coarse_evict(struct timeline *t, int64_t old_floor, int64_t new_floor)
{
    if (t->coarse == NULL)
        return;
    int64_t c = t->cfg.coarse_s;
    uint32_t pos = pos_mod(floor_div(old_floor, c), t->ncoarse);
    /* Stored starts lie in [old_floor, old_floor + (ncoarse - 1) * C]: one lap covers them. */
    for (uint32_t i = 0; i < t->ncoarse && old_floor < new_floor; i++, old_floor += c) {
        if (t->coarse_start[pos] == old_floor) {
            slot_clear(&t->coarse[pos]);
            t->coarse_start[pos] = EMPTY_START;
        }
        if (++pos == t->ncoarse)
            pos = 0;
    }
}

/* Moves fine slot `slot` (second s) into its coarse slot, or drops it when that coarse slot
 * is below the retention floor. The fine slot is empty afterwards. */
static void fold(struct timeline *t, struct timeline_slot *slot, int64_t s, int64_t floor_s)
{
    if (slot->hist.count == 0)
        return;
    int64_t start = floor_div(s, t->cfg.coarse_s) * t->cfg.coarse_s;
    if (start < floor_s) {
        slot_clear(slot);
        return;
    }
    struct timeline_slot *dst = coarse_slot(t, start);
    if (dst->hist.count == 0) {
        /* Hand the histogram over instead of merging into an empty one; the fine slot gets
         * the coarse slot's old storage in exchange, so nothing is freed or allocated. */
        int32_t delta_ms = (int32_t)((s - start) * 1000);
        struct hist spare = dst->hist;
        *dst = *slot;
        dst->first_ms += delta_ms;
        dst->last_ms += delta_ms;
        slot->hist = spare;
        slot_recycle(slot);
    } else {
        slot_merge(dst, start * 1000, slot, s * 1000);
        slot_recycle(slot);
    }
    if (floor_div(s + 1, t->cfg.coarse_s) * t->cfg.coarse_s == s + 1)
        hist_compact(&dst->hist); /* its last second: only late events can still come */
}

/* ---------------------------------------------------------------------------------------------
 * Adding. */

static void set_head(struct timeline *t, int64_t s, int64_t ts_ms)
{
    t->head_ms = ts_ms;
    t->head_s = s;
    t->head_start_ms = s * 1000;
    t->head = &t->fine[pos_mod(s, t->cfg.fine_slots)];
}

/* The head second moves from t->head_s to new_s > t->head_s. */
static void advance(struct timeline *t, int64_t new_s, int64_t ts_ms)
{
    int64_t old_s = t->head_s, f = t->cfg.fine_slots;
    int64_t new_floor = retention_floor(t, new_s);
    coarse_evict(t, retention_floor(t, old_s), new_floor);
    /* The old head second is closed but for late events: drop its growth slack. */
    hist_compact(&t->head->hist);

    /* Seconds (old_s - F, min(new_s - F, old_s)] leave the fine range. */
    int64_t last = new_s - f < old_s ? new_s - f : old_s;
    int64_t s = old_s - f + 1;
    if (s <= last) {
        uint32_t pos = pos_mod(s, t->cfg.fine_slots);
        for (; s <= last; s++) {
            fold(t, &t->fine[pos], s, new_floor);
            if (++pos == t->cfg.fine_slots)
                pos = 0;
        }
    }
    set_head(t, new_s, ts_ms);
}

/* Every case but "same second as the head": first event, head advance, late events. Returns
 * the slot for ts_ms and its start in *base_ms, or NULL when ts_ms is expired. */
static struct timeline_slot *slot_for_slow(struct timeline *t, int64_t ts_ms, int64_t *base_ms)
{
    int64_t s = floor_div(ts_ms, 1000);
    *base_ms = s * 1000;
    if (t->fine == NULL) {
        t->fine = ring_new(t->cfg.fine_slots);
        set_head(t, s, ts_ms);
        return t->head;
    }
    if (s > t->head_s) {
        advance(t, s, ts_ms);
        return t->head;
    }
    if (s > t->head_s - (int64_t)t->cfg.fine_slots)
        return &t->fine[pos_mod(s, t->cfg.fine_slots)];
    if (ts_ms < t->head_ms - (int64_t)t->cfg.retention_s * 1000)
        return NULL;
    int64_t c = t->cfg.coarse_s;
    *base_ms = floor_div(s, c) * c * 1000;
    return coarse_slot(t, *base_ms / 1000);
}

enum timeline_result timeline_add(struct timeline *t, double v, int64_t ts_ms)
{
    struct timeline_slot *slot;
    int64_t base_ms;
    if (!isfinite(v))
        return TIMELINE_INVALID;
    /* Fast path: the head's second (the head slot exists once head_start_ms is set). */
    if ((uint64_t)ts_ms - (uint64_t)t->head_start_ms < 1000) {
        slot = t->head;
        base_ms = t->head_start_ms;
        if (ts_ms > t->head_ms)
            t->head_ms = ts_ms;
    } else {
        slot = slot_for_slow(t, ts_ms, &base_ms);
        if (slot == NULL)
            return TIMELINE_EXPIRED;
    }
    slot_add(slot, v, (int32_t)(ts_ms - base_ms));
    return TIMELINE_ADDED;
}

/* ---------------------------------------------------------------------------------------------
 * Iteration in time order. */

void timeline_iter_init(struct timeline_iter *it, const struct timeline *t, int64_t lo_s,
                        int64_t hi_s)
{
    *it = (struct timeline_iter){.t = t, .in_fine = 1, .next_s = 1, .hi_s = 0}; /* empty */
    /* Nothing starts after the head second; this also keeps the arithmetic below in range. */
    if (t->fine == NULL || lo_s > hi_s || lo_s > t->head_s)
        return;
    int64_t f = t->cfg.fine_slots, c = t->cfg.coarse_s;
    it->hi_s = hi_s < t->head_s ? hi_s : t->head_s;
    it->fine_lo_s = lo_s > t->head_s - f ? lo_s : t->head_s - f + 1;
    it->next_s = it->fine_lo_s;
    if (it->fine_lo_s <= it->hi_s)
        it->pos = pos_mod(it->fine_lo_s, t->cfg.fine_slots);
    if (t->coarse == NULL)
        return;
    int64_t lo = retention_floor(t, t->head_s);
    if (lo_s > lo)
        lo = floor_div(lo_s + c - 1, c) * c; /* first aligned start >= lo_s */
    int64_t end = floor_div(t->head_s - f, c) * c;
    if (end > hi_s)
        end = hi_s;
    if (lo <= end) {
        it->in_fine = 0;
        it->next_s = lo;
        it->coarse_end_s = end;
        it->pos = pos_mod(floor_div(lo, c), t->ncoarse);
    }
}

const struct timeline_slot *timeline_iter_next(struct timeline_iter *it, int64_t *start_s,
                                               uint32_t *len_s)
{
    const struct timeline *t = it->t;
    if (!it->in_fine) {
        int64_t c = t->cfg.coarse_s;
        while (it->next_s <= it->coarse_end_s) {
            int64_t start = it->next_s;
            uint32_t pos = it->pos;
            it->next_s += c;
            if (++it->pos == t->ncoarse)
                it->pos = 0;
            const struct timeline_slot *slot = &t->coarse[pos];
            if (t->coarse_start[pos] == start && slot->hist.count > 0) {
                *start_s = start;
                *len_s = t->cfg.coarse_s;
                return slot;
            }
        }
        it->in_fine = 1;
        it->next_s = it->fine_lo_s;
        if (it->fine_lo_s <= it->hi_s)
            it->pos = pos_mod(it->fine_lo_s, t->cfg.fine_slots);
    }
    while (it->next_s <= it->hi_s) {
        int64_t s = it->next_s++;
        const struct timeline_slot *slot = &t->fine[it->pos];
        if (++it->pos == t->cfg.fine_slots)
            it->pos = 0;
        if (slot->hist.count > 0) {
            *start_s = s;
            *len_s = 1;
            return slot;
        }
    }
    return NULL;
}
