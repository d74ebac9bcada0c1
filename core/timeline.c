/* timeline.c — per-series time buckets: sparse fine and coarse slots (compact cells for one
 * event, full slots past it), folding and retention. The membership rule is documented in
 * timeline.h; everything here keeps it true for every reader (a head move's layout is settled
 * before any slot is read), so queries never have to second-guess a slot. */
#include "core/timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/bsearch.h"
#include "core/mem.h"
#include "core/timeline_impl.h"

/* Cell starts are kept relative to base_s; once the head runs this far past it, the cells are
 * re-based (stored starts then lie within retention + a coarse slot below the head). */
#define REBASE_AFTER_S (1 << 30)

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
    t->head_ms = INT64_MIN;
    t->head_s = INT64_MIN;
    t->head_start_ms = INT64_MIN;
    t->laid_s = INT64_MIN;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Full slots. */

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
void timeline_slot_merge(struct timeline_slot *dst, int64_t dst_ms, const struct timeline_slot *src,
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

/* A full slot holding nothing: a spare (its histogram storage kept) or a new one. */
struct timeline_slot *timeline_slot_take(struct timeline *t)
{
    for (int i = TIMELINE_SPARES - 1; i >= 0; i--) {
        struct timeline_slot *slot = t->spare[i];
        if (slot) {
            t->spare[i] = NULL;
            return slot;
        }
    }
    struct timeline_slot *slot = xmalloc(sizeof(*slot));
    *slot = (struct timeline_slot){0};
    hist_init(&slot->hist);
    return slot;
}

/* Gives up a full slot: kept as a spare (emptied, storage kept) or freed. A busy series
 * empties about one slot a second (a fine second merged into its coarse slot) and fills one
 * (its new head), so reuse spares it an allocation and the histogram's regrowth. */
static void slot_drop(struct timeline *t, struct timeline_slot *slot)
{
    for (int i = 0; i < TIMELINE_SPARES; i++) {
        if (t->spare[i] == NULL) {
            struct hist h = slot->hist;
            hist_reset(&h);
            *slot = (struct timeline_slot){0};
            slot->hist = h;
            t->spare[i] = slot;
            return;
        }
    }
    hist_clear(&slot->hist);
    free(slot);
}

static void slot_free(struct timeline_slot *slot)
{
    if (slot == NULL)
        return;
    hist_clear(&slot->hist);
    free(slot);
}

/* ---------------------------------------------------------------------------------------------
 * Cells: compact (one value) or full, in arrays sorted by start. */

/* Turns a compact cell into a full slot holding its value; returns the slot. */
struct timeline_slot *timeline_cell_promote(struct timeline *t, struct timeline_cell *c)
{
    struct timeline_slot *slot = timeline_slot_take(t);
    slot_add(slot, c->u.value, c->off_ms);
    c->u.slot = slot;
    c->off_ms = TIMELINE_CELL_FULL;
    return slot;
}

static void cell_release(struct timeline *t, struct timeline_cell *c)
{
    if (cell_is_full(c))
        slot_drop(t, c->u.slot);
}

struct cells_key {
    const struct timeline *t;
    const struct timeline_cells *a;
    int64_t start_s;
};

static int cells_cmp(const void *ctx, size_t i)
{
    const struct cells_key *k = ctx;
    int64_t s = cell_start(k->t, &k->a->v[k->a->lo + i]);
    return (s > k->start_s) - (s < k->start_s);
}

/* Index (into a->v) of the first cell whose start is >= start_s: a->lo + a->n when none. Starts
 * are unique and ascending; the last cell, then the one as many places back as start_s is
 * seconds (or coarse slots) back, then the few before the last are tried before a search. */
uint32_t timeline_cells_lower(const struct timeline *t, const struct timeline_cells *a,
                              int64_t start_s)
{
    uint32_t end = a->lo + a->n;
    if (a->n == 0)
        return end;
    int64_t last = cell_start(t, &a->v[end - 1]);
    if (last < start_s)
        return end;
    /* starts are distinct seconds (coarse: multiples of its width), so when every one between
     * is held the cell is as many places back as its start is steps back: a busy series' cell
     * at one probe (often of a line fetched ahead by the alert engine), the head's at none */
    int64_t back = last - start_s;
    if (a == &t->coarse)
        back /= (int64_t)t->cfg.coarse_s;
    if (back < (int64_t)a->n && cell_start(t, &a->v[end - 1 - (uint32_t)back]) == start_s)
        return end - 1 - (uint32_t)back;
    /* a few seconds behind the head with gaps between (late events, quiet series): walk back */
    for (uint32_t i = end - 1, steps = 0; i > a->lo && steps < 8; i--, steps++)
        if (cell_start(t, &a->v[i - 1]) < start_s)
            return i;
    struct cells_key k = {t, a, start_s};
    return a->lo + (uint32_t)bsearch_lower(a->n, cells_cmp, &k, NULL);
}

/* Moves the cells in use to the front of a new array of cap cells (>= a->n). */
static void cells_resize(struct timeline_cells *a, uint32_t cap)
{
    struct timeline_cell *v = xmalloc((size_t)cap * sizeof(*v));
    if (a->n)
        memcpy(v, a->v + a->lo, (size_t)a->n * sizeof(*v));
    free(a->v);
    a->v = v;
    a->cap = cap;
    a->lo = 0;
}

/* Opens a gap at index i (a->lo <= i <= a->lo + a->n) and returns it; indexes may move. */
uint32_t timeline_cells_open(struct timeline_cells *a, uint32_t i)
{
    uint32_t rel = i - a->lo;
    if (a->lo + a->n == a->cap) {
        if (a->lo > 0 && a->n + a->n / 16 < a->cap) { /* slide to the front: room at the end */
            memmove(a->v, a->v + a->lo, (size_t)a->n * sizeof(*a->v));
            a->lo = 0;
        } else {
            cells_resize(a, a->cap < 8 ? (a->cap ? a->cap * 2 : 2) : a->cap + a->cap / 2);
        }
    }
    i = a->lo + rel;
    if (rel < a->n)
        memmove(&a->v[i + 1], &a->v[i], (size_t)(a->n - rel) * sizeof(*a->v));
    a->n++;
    return i;
}

static void cells_pop_front(struct timeline_cells *a)
{
    a->lo++;
    if (--a->n == 0)
        a->lo = 0;
}

/* Gives memory back when a series slows down: frees an empty array when free_empty is set,
 * halves one used to under a quarter. */
static void cells_trim(struct timeline_cells *a, int free_empty)
{
    if (a->n == 0 && a->cap > 0 && free_empty) {
        free(a->v);
        *a = (struct timeline_cells){0};
        return;
    }
    uint32_t cap = a->cap;
    while (cap >= 16 && a->n < cap / 4)
        cap /= 2;
    if (cap != a->cap)
        cells_resize(a, cap);
}

static void cells_free(struct timeline_cells *a)
{
    for (uint32_t i = a->lo; i < a->lo + a->n; i++)
        if (cell_is_full(&a->v[i]))
            slot_free(a->v[i].u.slot);
    free(a->v);
    *a = (struct timeline_cells){0};
}

/* Adds v (off_ms after start_s) to the slot starting at start_s in a, creating it as a compact
 * cell when absent. Returns the full slot that holds it now, or NULL when it is compact. */
static struct timeline_slot *cells_add(struct timeline *t, struct timeline_cells *a,
                                       int64_t start_s, double v, int32_t off_ms)
{
    uint32_t i = timeline_cells_lower(t, a, start_s); /* usually a new head, or the head again */
    if (i < a->lo + a->n && cell_start(t, &a->v[i]) == start_s) {
        struct timeline_cell *c = &a->v[i];
        struct timeline_slot *slot = cell_is_full(c) ? c->u.slot : timeline_cell_promote(t, c);
        slot_add(slot, v, off_ms);
        return slot;
    }
    i = timeline_cells_open(a, i);
    a->v[i] = (struct timeline_cell){
        .u.value = v, .start = (int32_t)(start_s - t->base_s), .off_ms = off_ms};
    return NULL;
}

void timeline_free(struct timeline *t)
{
    cells_free(&t->fine);
    cells_free(&t->coarse);
    for (int i = 0; i < TIMELINE_SPARES; i++)
        slot_free(t->spare[i]);
    struct timeline_config cfg = t->cfg;
    timeline_init(t, &cfg);
}

int64_t timeline_head_ms(const struct timeline *t)
{
    return t->head_ms;
}

static size_t cells_memory_bytes(const struct timeline_cells *a)
{
    size_t bytes = (size_t)a->cap * sizeof(*a->v);
    for (uint32_t i = a->lo; i < a->lo + a->n; i++)
        if (cell_is_full(&a->v[i]))
            bytes += sizeof(struct timeline_slot) + hist_memory_bytes(&a->v[i].u.slot->hist);
    return bytes;
}

size_t timeline_memory_bytes(const struct timeline *t)
{
    size_t bytes = sizeof(*t) + cells_memory_bytes(&t->fine) + cells_memory_bytes(&t->coarse);
    for (int i = 0; i < TIMELINE_SPARES; i++)
        if (t->spare[i])
            bytes += sizeof(*t->spare[i]) + hist_memory_bytes(&t->spare[i]->hist);
    return bytes;
}

/* ---------------------------------------------------------------------------------------------
 * Folding and retention. */

/* Drops the coarse slots whose start falls below the retention floor. */
static void coarse_evict(struct timeline *t, int64_t floor_s)
{
    struct timeline_cells *a = &t->coarse;
    while (a->n > 0 && cell_start(t, &a->v[a->lo]) < floor_s) {
        cell_release(t, &a->v[a->lo]);
        cells_pop_front(a);
    }
}

/* Moves fine cell *src (second s, the oldest fine cell) into its coarse slot, or drops it when
 * that slot is below the retention floor. Coarse slots only ever hold seconds before s, so the
 * destination is the last coarse cell or a new one after it. */
static void fold(struct timeline *t, struct timeline_cell src, int64_t s, int64_t floor_s)
{
    int64_t c = t->cfg.coarse_s, start = floor_div(s, c) * c;
    int32_t delta_ms = (int32_t)((s - start) * 1000);
    if (start < floor_s) {
        cell_release(t, &src);
        return;
    }
    struct timeline_cells *a = &t->coarse;
    struct timeline_cell *dst = a->n ? &a->v[a->lo + a->n - 1] : NULL;
    if (dst == NULL || cell_start(t, dst) != start) {
        /* A slot of its own: the cell moves, its times re-based on the coarse start. */
        if (cell_is_full(&src)) {
            src.u.slot->first_ms += delta_ms;
            src.u.slot->last_ms += delta_ms;
        } else
            src.off_ms += delta_ms;
        src.start = (int32_t)(start - t->base_s);
        uint32_t i = timeline_cells_open(a, a->lo + a->n);
        a->v[i] = src;
        dst = &a->v[i];
    } else if (!cell_is_full(&src)) {
        struct timeline_slot *slot =
            cell_is_full(dst) ? dst->u.slot : timeline_cell_promote(t, dst);
        slot_add(slot, src.u.value, src.off_ms + delta_ms);
    } else if (!cell_is_full(dst)) {
        /* dst holds one earlier value: src's slot becomes the coarse one and takes it in */
        struct timeline_slot *slot = src.u.slot;
        slot->first_ms += delta_ms;
        slot->last_ms += delta_ms;
        slot_add(slot, dst->u.value, dst->off_ms);
        dst->u.slot = slot;
        dst->off_ms = TIMELINE_CELL_FULL;
    } else {
        timeline_slot_merge(dst->u.slot, start * 1000, src.u.slot, s * 1000);
        slot_drop(t, src.u.slot);
    }
    if (cell_is_full(dst) && floor_div(s + 1, c) * c == s + 1)
        hist_compact(&dst->u.slot->hist); /* its last second: only late events can still come */
}

/* Keeps cell starts within int32 of base_s: re-bases every cell on the head second. */
static void rebase(struct timeline *t, int64_t new_base_s)
{
    int64_t delta = new_base_s - t->base_s;
    struct timeline_cells *arrays[2] = {&t->fine, &t->coarse};
    for (int k = 0; k < 2; k++)
        for (uint32_t i = arrays[k]->lo; i < arrays[k]->lo + arrays[k]->n; i++)
            arrays[k]->v[i].start = (int32_t)(arrays[k]->v[i].start - delta);
    t->base_s = new_base_s;
}

/* Lays the cells, laid out for head second t->laid_s, out for new_s > t->laid_s: the heads
 * closed since are compacted, fine seconds <= new_s - F fold into their coarse slots, coarse
 * slots below the new retention floor go. */
static void lay_out(struct timeline *t, int64_t new_s)
{
    struct timeline_cells *f = &t->fine;
    /* the heads closed since (one, but for late events) take late events only: drop the slack
     * of a wide histogram (a narrow one's slack is a few bytes, and saves regrowth on reuse) */
    for (uint32_t i = f->lo + f->n; i > f->lo; i--) {
        struct timeline_cell *c = &f->v[i - 1];
        int64_t s = cell_start(t, c);
        if (s < t->laid_s)
            break;
        if (s < new_s && cell_is_full(c) &&
            c->u.slot->hist.pos.len + c->u.slot->hist.neg.len > COMPACT_MIN_CELLS)
            hist_compact(&c->u.slot->hist);
    }
    int64_t new_floor = retention_floor(t, new_s), fine_end = new_s - (int64_t)t->cfg.fine_slots;
    /* every coarse slot is at or past the floor of the head it was stored under (older events
     * and rollups are refused as expired): slots can only go when the floor moves, once in C
     * seconds, and the oldest coarse cell, a cache miss, is left unread the other times */
    if (new_floor > retention_floor(t, t->laid_s))
        coarse_evict(t, new_floor);
    while (f->n > 0) {
        struct timeline_cell src = f->v[f->lo];
        int64_t s = cell_start(t, &src);
        if (s > fine_end)
            break;
        cells_pop_front(f);
        fold(t, src, s, new_floor);
    }
    cells_trim(&t->fine, 0); /* the new head comes next */
    cells_trim(&t->coarse, 1);
    if (new_s - t->base_s > REBASE_AFTER_S)
        rebase(t, new_s);
    t->laid_s = new_s;
}

void timeline_settle(struct timeline *t)
{
    if (t->laid_s != t->head_s)
        lay_out(t, t->head_s);
}

void timeline_advance(struct timeline *t, int64_t new_s)
{
    timeline_settle(t);
    lay_out(t, new_s);
}

/* ---------------------------------------------------------------------------------------------
 * Adding. */

/* Every case but "same second as a full head slot": first event, head advance, a compact head,
 * late events. Returns 0, or -1 when ts_ms is expired (nothing stored). */
static int add_slow(struct timeline *t, double v, int64_t ts_ms)
{
    int64_t s = floor_div(ts_ms, 1000);
    int32_t off_ms = (int32_t)(ts_ms - s * 1000);
    if (t->head_ms == INT64_MIN)
        t->base_s = t->laid_s = s;
    else if (s > t->head_s) {
        timeline_settle(t); /* one move pending at most */
        /* A head second that held one event (a compact head): every event of such a series
         * moves its head, so there is nothing to amortise, and what the layout reads is in
         * cache now and cold by the time a slice would come (at 10^6 quiet series, deferring
         * cost 15-20 % of ingest): laid out here. And the cells are re-based before the new
         * one goes in. */
        if (t->head == NULL || s - t->base_s > REBASE_AFTER_S)
            lay_out(t, s);
    }
    if (s >= t->head_s) { /* the head's second, new or not */
        if (s > t->head_s || ts_ms > t->head_ms)
            t->head_ms = ts_ms;
        t->head_s = s;
        t->head_start_ms = s * 1000;
        t->head = cells_add(t, &t->fine, s, v, off_ms);
        return 0;
    }
    if (s > t->head_s - (int64_t)t->cfg.fine_slots) {
        cells_add(t, &t->fine, s, v, off_ms);
        return 0;
    }
    if (ts_ms < t->head_ms - (int64_t)t->cfg.retention_s * 1000)
        return -1;
    timeline_settle(t); /* its coarse slot is where the layout for the head puts it */
    int64_t c = t->cfg.coarse_s, start = floor_div(s, c) * c;
    cells_add(t, &t->coarse, start, v, (int32_t)(ts_ms - start * 1000));
    return 0;
}

enum timeline_result timeline_add(struct timeline *t, double v, int64_t ts_ms)
{
    if (!isfinite(v))
        return TIMELINE_INVALID;
    /* Fast path: the head's second once its slot is full (head_start_ms is INT64_MIN while
     * empty, and head is NULL while the head slot is compact). */
    if ((uint64_t)ts_ms - (uint64_t)t->head_start_ms < 1000 && t->head) {
        if (ts_ms > t->head_ms)
            t->head_ms = ts_ms;
        slot_add(t->head, v, (int32_t)(ts_ms - t->head_start_ms));
        return TIMELINE_ADDED;
    }
    return add_slow(t, v, ts_ms) == 0 ? TIMELINE_ADDED : TIMELINE_EXPIRED;
}

/* ---------------------------------------------------------------------------------------------
 * Iteration in time order. */

void timeline_iter_init(struct timeline_iter *it, const struct timeline *t, int64_t lo_s,
                        int64_t hi_s)
{
    it->t = t;
    it->next = it->end = it->fine_next = it->fine_end = 0;
    if (timeline_due(t)) /* t is never const itself: readers get it through const pointers */
        timeline_settle((struct timeline *)t);
    if (lo_s > hi_s || t->head_ms == INT64_MIN)
        return;
    /* hi_s + 1 below cannot overflow: nothing starts after the head second */
    if (hi_s > t->head_s)
        hi_s = t->head_s;
    /* coarse cells start at or before head_s - F (a second goes coarse only that far back, and
     * the head never goes back), fine cells after it: a range on one side leaves the other
     * array's cells unread (cold ones, for the alert engine's seconds near the head) */
    int64_t fine_lo = t->head_s - (int64_t)t->cfg.fine_slots;
    if (lo_s <= fine_lo) {
        it->next = timeline_cells_lower(t, &t->coarse, lo_s);
        it->end = timeline_cells_lower(t, &t->coarse, hi_s + 1);
    }
    if (hi_s > fine_lo) {
        it->fine_next = timeline_cells_lower(t, &t->fine, lo_s);
        it->fine_end = timeline_cells_lower(t, &t->fine, hi_s + 1);
    }
}

/* The slot of cell c: the full slot, or c shown through the iterator's view. */
static const struct timeline_slot *iter_slot(struct timeline_iter *it,
                                             const struct timeline_cell *c)
{
    if (cell_is_full(c))
        return c->u.slot;
    struct timeline_slot *view = &it->view;
    double v = c->u.value;
    hist_view_one(&view->hist, v, &it->view_cell);
    view->shift = view->min = view->max = view->first = view->last = v;
    view->s1 = view->s2 = 0;
    view->first_ms = view->last_ms = c->off_ms;
    return view;
}

const struct timeline_slot *timeline_iter_next(struct timeline_iter *it, int64_t *start_s,
                                               uint32_t *len_s)
{
    const struct timeline *t = it->t;
    const struct timeline_cell *c;
    if (it->next < it->end) {
        c = &t->coarse.v[it->next++];
        *len_s = t->cfg.coarse_s;
    } else if (it->fine_next < it->fine_end) {
        c = &t->fine.v[it->fine_next++];
        *len_s = 1;
    } else
        return NULL;
    *start_s = cell_start(t, c);
    return iter_slot(it, c);
}
