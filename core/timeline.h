/* timeline.h — time buckets of one series: 1-second slots for the recent past and coarse slots
 * for the rest of the retention, each slot a summary plus a histogram, stored sparsely.
 * Slots are keyed by event time, never arrival time; memory is bounded whatever the rate. */
#ifndef WR_TIMELINE_H
#define WR_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/summary.h"

#define TIMELINE_DEFAULT_FINE_SLOTS 120  /* 1-s slots: the recent 2 minutes */
#define TIMELINE_DEFAULT_COARSE_S 10     /* width of an older slot */
#define TIMELINE_DEFAULT_RETENTION_S 900 /* 15 minutes */

#define TIMELINE_MAX_FINE_SLOTS (1u << 20)
#define TIMELINE_MAX_COARSE_S (1u << 21) /* keeps slot time offsets in int32 */
#define TIMELINE_MAX_RETENTION_S (1u << 28)

/* Slot membership (the rule windows and tests rely on). Let H be the largest event second seen
 * (head_s) and F, C, R the config below. An event at second s = floor(ts_ms / 1000):
 *   - is EXPIRED (not stored) when ts_ms < head_ms - R * 1000, head_ms including this event;
 *   - otherwise lives in the fine slot of second s while s > H - F, and in the coarse slot
 *     starting at floor(s / C) * C (epoch-aligned) once s <= H - F (when H advances, fine
 *     seconds leaving the range are folded into their coarse slot at once);
 *   - stays stored while its coarse start c >= floor((H - R) / C) * C, i.e. while any second
 *     of its coarse slot is within retention; coarse slots older than that are dropped as soon
 *     as H passes them.
 * So at any moment every stored event is in exactly one slot, and only H decides which. */
struct timeline_config {
    uint32_t fine_slots;  /* F: number of 1-s slots, >= 1 */
    uint32_t coarse_s;    /* C: seconds per coarse slot, >= 1 */
    uint32_t retention_s; /* R: how far behind the head events are kept, >= fine_slots */
};

/* One slot: its histogram and a compact summary of its events. The event count is
 * hist.count; sums are kept shifted by the slot's first added value (s1 = sum (v - shift),
 * s2 = sum (v - shift)^2), which needs no division per event and stays accurate; event times
 * are offsets from the slot start. Read it through timeline_slot_summary. */
struct timeline_slot {
    struct hist hist;
    double shift, s1, s2;
    double min, max, first, last; /* first/last: values with the smallest/largest event time */
    int32_t first_ms, last_ms;    /* their event times minus the slot start */
};

/* Storage (sparse): only slots that hold events exist. A slot holding one event is a compact
 * cell (the value and its time, no histogram); its second event promotes it to a full
 * struct timeline_slot on the heap. Fine and coarse cells each sit in a growable array sorted
 * by start. A 1-event-a-minute series thus costs a few hundred bytes, not two full rings. */
#define TIMELINE_CELL_FULL (-1) /* off_ms of a cell that points to a full slot */
#define TIMELINE_SPARES 2       /* emptied full slots a timeline keeps for reuse */

struct timeline_cell {
    union {
        double value;               /* compact: the slot's one value */
        struct timeline_slot *slot; /* off_ms == TIMELINE_CELL_FULL: the full slot */
    } u;
    int32_t start;  /* slot start second minus timeline.base_s */
    int32_t off_ms; /* compact: event time minus the slot start (>= 0) */
};

struct timeline_cells {
    struct timeline_cell *v; /* v[lo .. lo + n) in use, ascending start */
    uint32_t lo, n, cap;
};

struct timeline {
    struct timeline_config cfg;
    int64_t head_ms;            /* largest event time seen; INT64_MIN while empty */
    int64_t head_s;             /* floor(head_ms / 1000) */
    int64_t head_start_ms;      /* head_s * 1000: the fast path's range check */
    int64_t base_s;             /* cell starts are relative to it (kept within int32) */
    int64_t laid_s;             /* the head second the cells are laid out for (see below) */
    struct timeline_slot *head; /* full slot of head_s; NULL while that slot is compact */
    struct timeline_slot *spare[TIMELINE_SPARES]; /* emptied full slots for the next promotions */
    struct timeline_cells fine;                   /* seconds in (H - F, H] */
    struct timeline_cells coarse;                 /* coarse starts within retention, <= H - F */
};

enum timeline_result {
    TIMELINE_ADDED,   /* stored in a slot */
    TIMELINE_EXPIRED, /* older than head - retention: not stored; the caller counts it */
    TIMELINE_INVALID, /* v is NaN or infinite: not stored (validation should have caught it) */
};

void timeline_config_defaults(struct timeline_config *cfg);

/* Returns 0 when cfg is usable, else -1 with a static reason in *why (why may be NULL). */
int timeline_config_check(const struct timeline_config *cfg, const char **why);

/* Initialises an empty timeline that owns no memory yet (cfg NULL: defaults). Returns 0, or -1
 * when cfg fails timeline_config_check: t then uses the defaults and is still valid. */
int timeline_init(struct timeline *t, const struct timeline_config *cfg);

/* Releases every slot; t is empty (same config) and usable again afterwards. */
void timeline_free(struct timeline *t);

/* Records value v at event time ts_ms (|ts_ms| < 2^62). Returns TIMELINE_EXPIRED, storing
 * nothing, when ts_ms < head_ms - retention; TIMELINE_INVALID, storing nothing and leaving the
 * head alone, when v is not finite; TIMELINE_ADDED otherwise, out-of-order events included
 * (counting those as late is the caller's business). */
enum timeline_result timeline_add(struct timeline *t, double v, int64_t ts_ms);

/* Merges a period's events given as their summary and histogram (a rollup: sum->count ==
 * hist_count(h), every event time in [sum->first_ts_ms, sum->last_ts_ms], first_ts_ms >=
 * period_ms) as if they had been added one by one, with one difference: they all land in the
 * slot holding second P = floor(period_ms / 1000), the fine slot of P while P > H - F, else
 * the coarse slot starting at floor(P / C) * C. For a 1-s period that is exactly timeline_add's
 * placement; for a longer period it is exact when C divides the period (the minute's events
 * sit in its first second while that is fine, then in its coarse slot). One event makes a
 * compact cell, a second one promotes it; the head moves to sum->last_ts_ms (folding and
 * retention as for timeline_add). The period is EXPIRED as a whole (nothing stored) when its
 * last event is older than head - retention, or its coarse slot lies below the retention
 * floor; INVALID (nothing stored) when the summary is inconsistent (non-finite numbers, counts
 * that differ, times out of order or before the period). An empty summary adds nothing. */
enum timeline_result timeline_merge(struct timeline *t, int64_t period_ms,
                                    const struct summary *sum, const struct hist *h);

/* Same, but a period that makes a new full slot takes h's bins instead of copying them: h is
 * then left empty (initialised, same max_bins). For a caller that decodes one rollup after
 * another into the same histogram (a reader's start-up). */
enum timeline_result timeline_merge_take(struct timeline *t, int64_t period_ms,
                                         const struct summary *sum, struct hist *h);

/* Laying the cells out for a new head second (folding the seconds that leave the fine ring,
 * dropping coarse slots that leave retention, compacting the closed head's histogram) is not
 * done by the event that moves the head when the second it closes held more than one event:
 * timeline_add leaves it due (timeline_due) for timeline_settle, which the series table runs
 * in a slice of its own after a batch of events (series_table_settle). A head second that held
 * one event is laid out at once: such a series has nothing to amortise (each of its events
 * moves the head) and its cells are in cache then. Whatever reads the slots settles first
 * (timeline_iter_init does, and so do late events that go coarse and rollup merges), so every
 * reader sees the membership rule above exactly; an event that moves the head of a timeline
 * still due settles the earlier move first, so at most one move is ever pending. */
static inline bool timeline_due(const struct timeline *t)
{
    return t->laid_s != t->head_s;
}

/* Lays t's cells out for its head second when timeline_due. */
void timeline_settle(struct timeline *t);

/* Largest event time added so far, INT64_MIN when none. */
int64_t timeline_head_ms(const struct timeline *t);

/* Bytes used by the timeline: the struct itself, both cell arrays (their capacity), every full
 * slot (the spares included) and its histogram's heap. */
size_t timeline_memory_bytes(const struct timeline *t);

/* Iterates the non-empty slots whose start second lies in [lo_s, hi_s], in ascending start order
 * (coarse slots all start before any fine slot). Usage:
 *     struct timeline_iter it;
 *     timeline_iter_init(&it, t, lo_s, hi_s);
 *     while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) ...
 * len_s is 1 for a fine slot and coarse_s for a coarse one. The timeline must not change
 * while an iteration is under way; the slots are borrowed: a slot holding one event is shown
 * through a view inside the iterator, valid until the next call (read it, do not keep it). */
struct timeline_iter {
    const struct timeline *t;
    uint32_t next, end;           /* coarse cell indexes still to visit: [next, end) */
    uint32_t fine_next, fine_end; /* fine cell indexes, visited after the coarse ones */
    struct timeline_slot view;    /* a compact cell shown as a slot (valid until the next call) */
    uint8_t view_cell;            /* its histogram's one count cell */
};

/* Settles t first when it is due (timeline_due): the one change a reader makes, invisible in
 * every answer. */
void timeline_iter_init(struct timeline_iter *it, const struct timeline *t, int64_t lo_s,
                        int64_t hi_s);
const struct timeline_slot *timeline_iter_next(struct timeline_iter *it, int64_t *start_s,
                                               uint32_t *len_s);

/* The summary of a slot whose start second is start_s (as given by the iterator). */
void timeline_slot_summary(const struct timeline_slot *slot, int64_t start_s, struct summary *out);

#endif
