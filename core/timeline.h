/* timeline.h — time buckets of one series: a ring of 1-second slots for the recent past and a
 * ring of coarse slots for the rest of the retention, each slot a summary plus a histogram.
 * Slots are keyed by event time, never arrival time; memory is bounded whatever the rate. */
#ifndef WR_TIMELINE_H
#define WR_TIMELINE_H

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

/* A fine slot's second is implied by its ring position (second s sits at s mod F and only
 * seconds in (H - F, H] are in the ring); a coarse slot's start is kept in coarse_start. */
struct timeline {
    struct timeline_config cfg;
    uint32_t ncoarse;             /* coarse ring size: enough positions for the retention */
    int64_t head_ms;              /* largest event time seen; INT64_MIN while empty */
    int64_t head_s;               /* floor(head_ms / 1000) */
    int64_t head_start_ms;        /* head_s * 1000: the fast path's range check */
    struct timeline_slot *head;   /* fine slot of head_s */
    struct timeline_slot *fine;   /* fine_slots slots, NULL until the first event */
    struct timeline_slot *coarse; /* ncoarse slots, NULL until the first coarse use */
    int64_t *coarse_start;        /* start second of each coarse slot, INT64_MIN when empty */
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

/* Largest event time added so far, INT64_MIN when none. */
int64_t timeline_head_ms(const struct timeline *t);

/* Bytes used by the timeline: the struct itself, both rings and every slot histogram's heap. */
size_t timeline_memory_bytes(const struct timeline *t);

/* Iterates the non-empty slots whose start second lies in [lo_s, hi_s], in ascending start order
 * (coarse slots all start before any fine slot). Usage:
 *     struct timeline_iter it;
 *     timeline_iter_init(&it, t, lo_s, hi_s);
 *     while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) ...
 * len_s is 1 for a fine slot and coarse_s for a coarse one. The timeline must not change
 * while an iteration is under way; the slots are borrowed. */
struct timeline_iter {
    const struct timeline *t;
    int64_t next_s; /* next start to look at */
    int64_t hi_s;
    int64_t coarse_end_s; /* last coarse start to visit */
    int64_t fine_lo_s;    /* first fine second to visit */
    uint32_t pos;         /* ring position of next_s */
    int in_fine;
};

void timeline_iter_init(struct timeline_iter *it, const struct timeline *t, int64_t lo_s,
                        int64_t hi_s);
const struct timeline_slot *timeline_iter_next(struct timeline_iter *it, int64_t *start_s,
                                               uint32_t *len_s);

/* The summary of a slot whose start second is start_s (as given by the iterator). */
void timeline_slot_summary(const struct timeline_slot *slot, int64_t start_s, struct summary *out);

#endif
