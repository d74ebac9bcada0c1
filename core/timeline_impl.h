/* timeline_impl.h — the timeline's private slot and cell helpers, shared by core/timeline.c and
 * core/timeline_merge.c. Not for use outside those files. */
#ifndef WR_TIMELINE_IMPL_H
#define WR_TIMELINE_IMPL_H

#include <stdint.h>

#include "core/timeline.h"

/* A closed head slot's histogram is compacted when its stores span more cells than this. */
#define COMPACT_MIN_CELLS 64

/* Floor division for b > 0 (C's / truncates toward zero). */
static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static inline int cell_is_full(const struct timeline_cell *c)
{
    return c->off_ms == TIMELINE_CELL_FULL;
}

static inline int64_t cell_start(const struct timeline *t, const struct timeline_cell *c)
{
    return t->base_s + c->start;
}

/* First coarse start still within retention when the head second is head_s. */
static inline int64_t retention_floor(const struct timeline *t, int64_t head_s)
{
    int64_t c = t->cfg.coarse_s;
    return floor_div(head_s - (int64_t)t->cfg.retention_s, c) * c;
}

/* A full slot holding nothing: a spare (its histogram storage kept) or a new one. */
struct timeline_slot *timeline_slot_take(struct timeline *t);

/* dst (starting at dst_ms) takes in src's events (src starts at src_ms); both are non-empty
 * and src is unchanged. */
void timeline_slot_merge(struct timeline_slot *dst, int64_t dst_ms, const struct timeline_slot *src,
                         int64_t src_ms);

/* Turns a compact cell into a full slot holding its value; returns the slot. */
struct timeline_slot *timeline_cell_promote(struct timeline *t, struct timeline_cell *c);

/* Index (into a->v) of the first cell whose start is >= start_s: a->lo + a->n when none. */
uint32_t timeline_cells_lower(const struct timeline *t, const struct timeline_cells *a,
                              int64_t start_s);

/* Opens a gap at index i (a->lo <= i <= a->lo + a->n) and returns it; indexes may move. */
uint32_t timeline_cells_open(struct timeline_cells *a, uint32_t i);

/* The head second moves from t->head_s to new_s > t->head_s: the cells are laid out for new_s
 * (timeline.h: a pending move first, then the closed heads compacted, fine seconds <= new_s - F
 * folded into their coarse slots, coarse slots below the new retention floor dropped).
 * head_ms/head_s themselves are the caller's to set. */
void timeline_advance(struct timeline *t, int64_t new_s);

#endif
