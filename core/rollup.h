/* rollup.h — the per-partition rollup accumulator of a group-mode worker: open 1-second periods
 * (epoch-aligned), each a map canonical series key -> struct rollsum, closed in order as the
 * caller's bound passes them, and a checkpoint codec that resumes the state exactly. Pure: the
 * caller supplies every time (event times, the close bound); nothing here reads a clock. */
#ifndef WR_ROLLUP_H
#define WR_ROLLUP_H

#include <stddef.h>
#include <stdint.h>

#include "core/rollsum.h"

#define ROLLUP_PERIOD_MS 1000 /* period p holds events with p <= ts_ms < p + 1000 */
#define ROLLUP_DEFAULT_MAX_SERIES 100000
#define ROLLUP_DEFAULT_MAX_PERIODS 900 /* 15 minutes of open seconds */
#define ROLLUP_CKPT_VERSION 1

struct rollup_config {
    int64_t lateness_ms;  /* allowed lateness, for rollup_close_bound (>= 0) */
    uint32_t max_series;  /* series per period; 0: ROLLUP_DEFAULT_MAX_SERIES */
    uint32_t max_periods; /* open periods at once; 0: ROLLUP_DEFAULT_MAX_PERIODS */
};

enum rollup_result {
    ROLLUP_ADDED,   /* folded into its period */
    ROLLUP_LATE,    /* its period had closed: counted as late, folded nowhere */
    ROLLUP_INVALID, /* NaN or infinite value, one that would overflow its series' sum or
                       variance, a time no period can hold (within 1 s of the int64 range) or
                       a key of 4 GiB or more: counted, dropped */
    ROLLUP_CAP,     /* its period is at max_series, or opening it passes max_periods: dropped */
};

struct rollup_totals {
    uint64_t events;  /* ROLLUP_ADDED */
    uint64_t late;    /* ROLLUP_LATE */
    uint64_t invalid; /* ROLLUP_INVALID */
    uint64_t cap;     /* ROLLUP_CAP */
};

struct rollup;        /* the accumulator, opaque */
struct rollup_period; /* one period, read through the accessors below */

/* A new empty accumulator: nothing closed (rollup_closed_ms INT64_MIN), no event seen. Free
 * with rollup_free (NULL is a no-op). */
struct rollup *rollup_new(const struct rollup_config *cfg);
void rollup_free(struct rollup *r);

/* Adds the event (key of len bytes, value v, time ts_ms). The period is floor(ts_ms / 1000) *
 * 1000. An event with ts_ms < rollup_closed_ms is LATE: it is counted in the late total and in
 * the late count of its series' rollsum in the NEWEST open period (the item is created with
 * count 0 if needed; when that period is at max_series the series attribution is skipped; with
 * no open period, the period starting at rollup_closed_ms is opened for it). Every event but an
 * INVALID one moves the watermark. key is copied. */
enum rollup_result rollup_add(struct rollup *r, const char *key, size_t len, double v,
                              int64_t ts_ms);

/* The newest event time seen (INT64_MIN when none), and that minus lateness_ms (INT64_MIN when
 * none): the caller's close bound when it trusts event time alone. */
int64_t rollup_watermark(const struct rollup *r);
int64_t rollup_close_bound(const struct rollup *r);

/* Periods starting before this are closed (INT64_MIN when nothing was ever closed); a multiple
 * of 1000 otherwise. */
int64_t rollup_closed_ms(const struct rollup *r);

/* Closes every open period whose end (start + 1000) <= upto_ms, oldest first, into the queue
 * of closed periods, and advances rollup_closed_ms to the greatest multiple of 1000 <= upto_ms
 * (also when no period was open there: an idle partition advances too; never backwards). Costs
 * O(open periods), whatever the gap. Returns the number of periods queued. */
size_t rollup_close(struct rollup *r, int64_t upto_ms);

/* The oldest closed period not yet dropped, or NULL. Valid until rollup_closed_drop, the next
 * rollup_checkpoint_decode or rollup_free. */
const struct rollup_period *rollup_closed_peek(const struct rollup *r);
/* Frees the period rollup_closed_peek returns (no-op when none). */
void rollup_closed_drop(struct rollup *r);

/* The order of series in a period: bytes compared as unsigned, a prefix before its
 * extensions. <0, 0 or >0 as a sorts before, equal to or after b. */
int rollup_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* A closed period: its start, its series (in rollup_key_cmp order), and the events refused for
 * its series cap. */
int64_t rollup_period_start(const struct rollup_period *p);
uint32_t rollup_period_series(const struct rollup_period *p);
uint64_t rollup_period_capped(const struct rollup_period *p);
/* Series i < rollup_period_series(p): sets *key (not NUL-terminated) and *len, returns its
 * rollsum (first/last times inside the period, so rollsum_encode(rs, start, ...) is valid). */
const struct rollsum *rollup_period_item(const struct rollup_period *p, uint32_t i,
                                         const char **key, size_t *len);

/* The whole resumable state — closed_ms, watermark, totals, every open period with its cap
 * count and every series' rollsum (running mean included) — as bytes (format in rollup.c).
 * Closed periods still queued are NOT included: the commit that stores the checkpoint is the
 * one that writes them. Returns the bytes needed; writes them only when buf is not NULL and
 * cap is enough. Canonical: equal states give equal bytes. */
size_t rollup_checkpoint_encode(const struct rollup *r, uint8_t *buf, size_t cap);

/* Replaces r's state (config kept, closed queue dropped) with the checkpoint buf[0..len).
 * Returns 0, or -1 with *why (may be NULL) a static reason and r a valid empty accumulator.
 * Safe on any input: versioned, bounds-checked; periods and series are bounded by len and each
 * series' histogram by its max_bins (a short run token can span many bins). The caps of r's
 * config apply to what is added later, not to what the checkpoint holds. Restoring then
 * continuing gives the same closed periods, byte for byte, as never having stopped. */
int rollup_checkpoint_decode(struct rollup *r, const uint8_t *buf, size_t len, const char **why);

struct rollup_totals rollup_totals(const struct rollup *r);
uint32_t rollup_open_periods(const struct rollup *r);
uint64_t rollup_open_items(const struct rollup *r); /* series summed over open periods */
/* Heap bytes held: open and queued periods, their items, keys, histograms and indexes. */
size_t rollup_memory_bytes(const struct rollup *r);

#endif
