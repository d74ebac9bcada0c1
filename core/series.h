/* series.h — the series table: canonical series key -> per-series time buckets and counters.
 * Owns the event-time watermark: events older than (max event time seen - lateness) are late,
 * counted per series and in total, and still stored while their slot is within retention. */
#ifndef WR_SERIES_H
#define WR_SERIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rollsum.h"
#include "core/timeline.h"

#define SERIES_DEFAULT_MAX 100000
#define SERIES_DEFAULT_LATENESS_MS 5000

struct series_table_config {
    uint32_t max_series; /* new series past this are rejected and counted, not allocated */
    int64_t lateness_ms; /* allowed lateness behind the newest event time seen */
    struct timeline_config timeline;
    /* What data the reader filling the table could have seen, for rates over windows that data
     * cannot fill (series_table_data_from_ms): the first moment it could see (its start minus
     * the history it replays; INT64_MIN: any), and how long the source keeps data (the
     * streams' trim age; 0: forever). */
    int64_t data_start_ms;
    int64_t data_retention_ms;
};

struct series {
    uint64_t hash;
    uint32_t key_len;
    bool due;          /* in the table's due list (series_table_settle) */
    uint64_t events;   /* accepted (late ones included) */
    uint64_t late;     /* accepted behind the watermark */
    uint64_t behind;   /* accepted into a second before the series' head second (late ones and
                          rollups of past periods included): the alert engine's windows close
                          the seconds before the head while this stays put */
    uint64_t expired;  /* older than retention, not stored */
    uint64_t restated; /* history rollups stored into a second before the head's (never late,
                          yet possibly in seconds the watermark had closed: windows re-read) */
    struct timeline tl;
    char key[]; /* canonical key, NUL-terminated, allocated with the struct */
};

/* One cell of the open-addressing index: the hash next to the pointer, so a probe compares
 * hashes without touching the series (one cache miss fewer per lookup). */
struct series_slot {
    uint64_t hash;
    struct series *series; /* NULL: free */
};

struct series_stats {
    uint64_t events;       /* accepted into some series */
    uint64_t late;         /* of those, behind the watermark */
    uint64_t expired;      /* refused: older than retention */
    uint64_t rejected_cap; /* refused: series table full */
    uint64_t invalid;      /* refused: NaN or infinite value */
};

struct series_table {
    struct series_table_config cfg;
    struct series_slot *slots; /* open addressing, linear probing */
    uint32_t slot_mask;
    struct series **items; /* dense, in order of creation: for iteration and ranking */
    uint32_t count;
    uint32_t items_cap;
    int64_t max_ts_ms; /* newest event time seen (INT64_MIN when none) */
    int64_t min_ts_ms; /* oldest event time accepted (INT64_MAX when none) */
    struct series_stats stats;
    struct series **due; /* series whose timeline has a head move to lay out (timeline_due) */
    uint32_t due_n, due_cap;
};

enum series_result {
    SERIES_ADDED,        /* stored */
    SERIES_ADDED_LATE,   /* stored, but behind the watermark */
    SERIES_EXPIRED,      /* older than the series' retention: counted, not stored */
    SERIES_REJECTED_CAP, /* a new series while the table is full: counted, not stored */
    SERIES_INVALID,      /* NaN or infinite value (parsing rejects these first): counted */
};

void series_table_config_defaults(struct series_table_config *cfg);

/* Returns a new empty table (cfg NULL: defaults). Free with series_table_free. */
struct series_table *series_table_new(const struct series_table_config *cfg);
void series_table_free(struct series_table *tab);

/* Finds the series with this canonical key, or NULL. */
struct series *series_table_find(const struct series_table *tab, const char *key, size_t len);

/* Finds or creates the series. NULL when it does not exist and the table is full (or the key
 * is longer than 4 GiB): every caller must handle NULL; the caller decides whether that counts
 * as a rejection (series_table_ingest does count it). */
struct series *series_table_get_or_add(struct series_table *tab, const char *key, size_t len);

/* Records one event for the series named by the canonical key. The returned result says what
 * happened; every outcome is counted in tab->stats (and in the series when it exists). */
enum series_result series_table_ingest(struct series_table *tab, const char *key, size_t len,
                                       double value, int64_t ts_ms);

/* One event of a batch, for series_table_ingest_batch. */
struct series_event {
    const char *key; /* canonical key, not necessarily NUL-terminated */
    size_t len;
    double value;
    int64_t ts_ms;
};

/* Ingests n events in order, exactly as n calls of series_table_ingest would, but overlaps
 * the memory latency of the lookups (prefetching a few events ahead), which matters once the
 * table outgrows the CPU caches. results may be NULL; else results[i] gets event i's result. */
void series_table_ingest_batch(struct series_table *tab, const struct series_event *ev, size_t n,
                               enum series_result *results);

/* An event that moves a series' head second on from one that held several events leaves laying
 * its slots out (folding the seconds that leave the fine ring, dropping what leaves retention:
 * timeline.h, timeline_due) to this slice, which settles the series listed as due, oldest first: at
 * most max of them (0: all), prefetching a few ahead. Run after a batch of events (the reader runs
 * it after each XREAD reply); nothing depends on it for correctness (a reader of a series settles
 * it first, a series' next head move settles the one before), it takes the work off the event path
 * and bounds the memory held by unfolded seconds. Returns how many stay due. */
size_t series_table_settle(struct series_table *tab, size_t max);

/* Same, for a series the caller already holds (skips the key lookup). */
enum series_result series_table_ingest_series(struct series_table *tab, struct series *s,
                                              double value, int64_t ts_ms);

/* Merges one series' rollup of the period starting at period_ms (r: summary + histogram of its
 * events, and the events its writer found late) as if the period's events had been ingested one
 * by one (timeline_merge says where they land): events += r's count, the watermark moves to its
 * last event, and the period's events count as late when its last event is behind the
 * watermark (a period straddling the watermark counts as on time). Late differs from ingesting
 * in one way: r->late, events that reached the writer after their period had closed and are
 * stored nowhere, are added to the late counters too (late may then exceed events). EXPIRED
 * (r's count added to expired), REJECTED_CAP (count + late dropped) and INVALID (an inconsistent
 * summary, counted once per event) store nothing. */
enum series_result series_table_merge(struct series_table *tab, const char *key, size_t len,
                                      int64_t period_ms, const struct rollsum *r);

/* Same, for a series the caller holds (series_table_get_or_add; not NULL), and r's histogram
 * may be taken (timeline_merge_take: left empty). history: r is part of a history read out of
 * time order (a reader's start-up, partition by partition and series by series), so its events
 * count as late only by r->late, never against the table's watermark. */
enum series_result series_table_merge_series(struct series_table *tab, struct series *s,
                                             int64_t period_ms, struct rollsum *r, bool history);

/* The first moment whose data the table can hold at now_ms: the latest of cfg.data_start_ms,
 * now_ms - cfg.data_retention_ms, the start of the timelines' retention and (when
 * cfg.data_start_ms is set: the reader read everything since it) the second of the oldest event
 * accepted, so a fresh stream's rate is not diluted by time before its first event. Windows that
 * begin earlier are not full: rates divide by the part after this (window_rate_from). */
int64_t series_table_data_from_ms(const struct series_table *tab, int64_t now_ms);

/* Event time up to which slots are closed: newest event time seen minus lateness. INT64_MIN
 * before the first event. */
int64_t series_table_watermark_ms(const struct series_table *tab);

/* Forgets the newest event time seen, so the watermark starts again with the next event: for a
 * reader that reads its sources one after the other (`warroom query`, partition by partition),
 * whose events are late only behind the watermark of their own source, as that source's owner
 * would count them. Stored events and counters are unchanged. */
void series_table_watermark_restart(struct series_table *tab);

/* Heap bytes used by the table, its keys and every series' time buckets. */
size_t series_table_memory_bytes(const struct series_table *tab);

/* The least heap a series of a table with this config takes once it holds an event (its time
 * buckets, a short key and its share of the index), measured on a scratch table: what
 * cfg->max_series series cost at the very least. */
size_t series_table_series_min_bytes(const struct series_table_config *cfg);

/* The warning a reached series cap deserves, for status lines and stderr: "series cap 100000
 * reached: 123 events dropped; raise --max-series", option naming what raises the cap. Writes
 * it to buf (always NUL-terminated) and returns its length, or returns 0 with buf "" while no
 * event was refused for the cap. */
size_t series_table_cap_note(const struct series_table *tab, const char *option, char *buf,
                             size_t cap);

/* Hash used for keys (exposed for tests and for callers that batch lookups). */
uint64_t series_hash(const char *key, size_t len);

#endif
