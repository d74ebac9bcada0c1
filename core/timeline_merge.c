/* timeline_merge.c — merging a period's summary (a rollup read back from Redis) into a
 * timeline as if its events had been added one by one: the read side of group mode. */
#include <math.h>

#include "core/timeline.h"
#include "core/timeline_impl.h"

/* Offsets stay far inside int32 after folding adds up to a coarse slot's width to them. */
#define MAX_SPAN_MS ((int64_t)1 << 30)

/* The slot form of a summary whose slot starts at start_s: shifted sums re-derived so that
 * timeline_slot_summary gives back the same count, sum, mean and m2. src->hist is borrowed. */
static void slot_of_summary(struct timeline_slot *src, const struct summary *sum,
                            const struct hist *h, int64_t start_s)
{
    double n = (double)sum->count;
    src->hist = *h;
    src->shift = sum->count == 1 ? sum->first : sum->mean;
    src->s1 = sum->sum - n * src->shift;
    src->s2 = sum->m2 + src->s1 * src->s1 / n;
    src->min = sum->min;
    src->max = sum->max;
    src->first = sum->first;
    src->last = sum->last;
    src->first_ms = (int32_t)(sum->first_ts_ms - start_s * 1000);
    src->last_ms = (int32_t)(sum->last_ts_ms - start_s * 1000);
}

/* Merges src (starting at src_s) into the slot starting at start_s <= src_s in a: a new compact
 * cell for one event where none exists, a new full slot for more, a promotion or a slot merge
 * where one exists. Returns the full slot holding it, NULL when it is a compact cell. */
static struct timeline_slot *cells_merge(struct timeline *t, struct timeline_cells *a,
                                         int64_t start_s, const struct timeline_slot *src,
                                         int64_t src_s, struct hist *take)
{
    uint32_t i = timeline_cells_lower(t, a, start_s);
    if (i < a->lo + a->n && cell_start(t, &a->v[i]) == start_s) {
        struct timeline_cell *c = &a->v[i];
        struct timeline_slot *slot = cell_is_full(c) ? c->u.slot : timeline_cell_promote(t, c);
        timeline_slot_merge(slot, start_s * 1000, src, src_s * 1000);
        return slot;
    }
    int32_t delta_ms = (int32_t)((src_s - start_s) * 1000);
    i = timeline_cells_open(a, i);
    struct timeline_cell *c = &a->v[i];
    c->start = (int32_t)(start_s - t->base_s);
    if (src->hist.count == 1) {
        c->u.value = src->first;
        c->off_ms = src->first_ms + delta_ms;
        return NULL;
    }
    struct timeline_slot *slot = timeline_slot_take(t);
    struct hist keep = slot->hist; /* empty, its storage kept for reuse */
    *slot = *src;
    if (take && take->max_bins == keep.max_bins) { /* src->hist is *take: its bins move */
        hist_clear(&keep);
        hist_init_bounded(take, keep.max_bins);
    } else {
        slot->hist = keep;
        hist_merge(&slot->hist, &src->hist);
    }
    slot->first_ms += delta_ms;
    slot->last_ms += delta_ms;
    c->u.slot = slot;
    c->off_ms = TIMELINE_CELL_FULL;
    return slot;
}

static int summary_usable(const struct summary *sum, const struct hist *h, int64_t period_s)
{
    return sum->count == hist_count(h) && isfinite(sum->sum) && isfinite(sum->mean) &&
           isfinite(sum->m2) && sum->m2 >= 0 && isfinite(sum->min) && isfinite(sum->max) &&
           sum->min <= sum->max && isfinite(sum->first) && isfinite(sum->last) &&
           sum->first_ts_ms <= sum->last_ts_ms && sum->first_ts_ms >= period_s * 1000 &&
           sum->last_ts_ms - period_s * 1000 < MAX_SPAN_MS;
}

static enum timeline_result merge(struct timeline *t, int64_t period_ms, const struct summary *sum,
                                  const struct hist *h, struct hist *take)
{
    if (sum->count == 0)
        return TIMELINE_ADDED;
    int64_t p = floor_div(period_ms, 1000), last_s = floor_div(sum->last_ts_ms, 1000);
    if (!summary_usable(sum, h, p))
        return TIMELINE_INVALID;
    int64_t r_ms = (int64_t)t->cfg.retention_s * 1000;
    if (t->head_ms != INT64_MIN && sum->last_ts_ms < t->head_ms - r_ms)
        return TIMELINE_EXPIRED;
    int head_moved = 0;
    timeline_settle(t); /* cells laid out for the head before any goes in */
    if (t->head_ms == INT64_MIN) {
        t->base_s = p;
        t->laid_s = last_s;
    } else if (last_s > t->head_s)
        timeline_advance(t, last_s);
    if (last_s >= t->head_s) {
        head_moved = last_s > t->head_s;
        if (head_moved || sum->last_ts_ms > t->head_ms)
            t->head_ms = sum->last_ts_ms;
        t->head_s = last_s;
        t->head_start_ms = last_s * 1000;
    }
    if (head_moved)
        t->head = NULL; /* no cell holds the new head second unless the period's lands there */
    struct timeline_slot src;
    slot_of_summary(&src, sum, h, p);
    struct timeline_slot *slot;
    if (p > t->head_s - (int64_t)t->cfg.fine_slots) {
        slot = cells_merge(t, &t->fine, p, &src, p, take);
        if (p == t->head_s)
            t->head = slot;
        return TIMELINE_ADDED;
    }
    int64_t c = t->cfg.coarse_s, start = floor_div(p, c) * c;
    if (start < retention_floor(t, t->head_s))
        return TIMELINE_EXPIRED;
    cells_merge(t, &t->coarse, start, &src, p, take);
    return TIMELINE_ADDED;
}

enum timeline_result timeline_merge(struct timeline *t, int64_t period_ms,
                                    const struct summary *sum, const struct hist *h)
{
    return merge(t, period_ms, sum, h, NULL);
}

enum timeline_result timeline_merge_take(struct timeline *t, int64_t period_ms,
                                         const struct summary *sum, struct hist *h)
{
    return merge(t, period_ms, sum, h, h);
}
