/* rollsum.h — one series' summary of one rollup period, and its wire blob (format v1, byte by
 * byte in docs/protocol.md): the scalar statistics (core/summary.h), the value histogram
 * (core/hist.h) and the count of late events. Exactly mergeable: merging the summaries of two
 * sets of events gives the summary of their union. Pure. */
#ifndef WR_ROLLSUM_H
#define WR_ROLLSUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/summary.h"

#define ROLLSUM_VERSION 1

/* sum.count == hist_count(&hist); sum.first_ts_ms and sum.last_ts_ms are absolute ms inside
 * the period. late counts events of this series that arrived after their own period had
 * closed: folded nowhere, counted here, on the period that was open when they arrived. */
struct rollsum {
    struct summary sum;
    struct hist hist;
    uint64_t late;
};

/* Empty (count 0, late 0, an empty histogram with the default max_bins). */
void rollsum_init(struct rollsum *r);

/* Frees the histogram's heap; r is reusable after rollsum_init. */
void rollsum_free(struct rollsum *r);

/* Folds the value v (finite) observed at ts_ms. */
void rollsum_add(struct rollsum *r, double v, int64_t ts_ms);

/* dst becomes the summary of dst's events and src's (late counts add, saturating). src is
 * unchanged. */
void rollsum_merge(struct rollsum *dst, const struct rollsum *src);

/* Serialises r as the v1 blob of the period starting at period_ms: returns the number of bytes
 * needed and writes them only when buf is not NULL and cap is enough. Canonical: summaries with
 * equal fields (the running mean aside, which is not sent) and equal histograms encode to equal
 * bytes. r's first/last times must lie in [period_ms, period_ms + the period's length). */
size_t rollsum_encode(const struct rollsum *r, int64_t period_ms, uint8_t *buf, size_t cap);

/* Replaces r's content (r initialised) with the blob buf[0..len) of the period
 * [period_ms, period_ms + period_len_ms). Returns 0, or -1 with *why (may be NULL) set to a
 * static reason, r then empty. Safe on any input: rejects an unknown version, truncation,
 * trailing bytes, non-canonical varints, non-finite numbers, min > max, first or last outside
 * [min, max], count != the histogram's count, m2 < 0, first/last times outside the period or
 * first after last, and whatever hist_codec_decode rejects. The rebuilt summary's mean is
 * sum / count and its m2 the blob's, so summary_variance and later merges are right. */
int rollsum_decode(struct rollsum *r, int64_t period_ms, uint32_t period_len_ms, const uint8_t *buf,
                   size_t len, const char **why);

/* Heap bytes r owns (the histogram's cells). */
size_t rollsum_memory_bytes(const struct rollsum *r);

#endif
