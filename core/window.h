/* window.h — sliding, tumbling, hopping and session windows over a timeline's slots: summaries,
 * rates and quantiles for any span, computed by merging slots (never by replaying events). */
#ifndef WR_WINDOW_H
#define WR_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/summary.h"
#include "core/timeline.h"

/* Windows are made of whole slots: a slot belongs to a window when its start second lies in
 * the window's seconds (see timeline.h for which slot holds an event). A fine slot is exactly
 * its second; a coarse slot (older than fine_slots seconds behind the head) counts entirely in
 * the window holding its start, so the older part of a long window has coarse_s resolution
 * and its edge may be off by up to coarse_s - 1 seconds. All windows are epoch-aligned. */

enum window_flags {
    WINDOW_NO_QUANTILES = 1u << 0, /* summary and rate only: skips merging histograms */
};

struct window_stats {
    int64_t start_ms, end_ms;        /* the window [start_ms, end_ms) */
    struct summary sum;              /* of every event in the window's slots */
    double rate;                     /* sum.count per second of window length (see
                                        window_rate_from for windows data cannot fill) */
    double p50, p90, p95, p99, p999; /* nearest rank (hist_rank), within HIST_ALPHA, clamped
                                        to [sum.min, sum.max] (exact at ranks 1 and count);
                                        NAN when empty or when quantiles were not asked for */
};

/* The last width_s seconds ending with the second that contains now_ms: seconds
 * [floor(now_ms / 1000) - width_s + 1, floor(now_ms / 1000)]. out_hist, when not NULL, must be
 * an initialised hist: its content is replaced by the window's merged histogram (left empty
 * with WINDOW_NO_QUANTILES). Returns 0, or -1 when width_s is 0 (out is then an empty window). */
int window_sliding(const struct timeline *t, int64_t now_ms, uint32_t width_s, unsigned flags,
                   struct window_stats *out, struct hist *out_hist);

/* The windows [k * size_s, (k + 1) * size_s) seconds (epoch-aligned) that overlap
 * [from_ms, to_ms), in ascending order, each with full stats over all its slots (also the
 * parts outside [from_ms, to_ms)). Writes the first min(n, cap) into out and returns n, the
 * number of such windows (0 when from_ms >= to_ms or size_s is 0), like snprintf. */
size_t window_tumbling(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t size_s,
                       struct window_stats *out, size_t cap);

/* Same with the windows [k * hop_s, k * hop_s + size_s) seconds: overlapping when hop < size,
 * with gaps when hop > size. Returns 0 when size_s or hop_s is 0. */
size_t window_hopping(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t size_s,
                      uint32_t hop_s, struct window_stats *out, size_t cap);

/* Session windows among the slots whose start second lies in
 * [floor(from_ms / 1000), floor((to_ms - 1) / 1000)]: maximal runs of non-empty slots in which
 * each slot starts less than gap_s seconds after the end of the previous ones (gap_s = 1: only
 * touching slots join). start_ms is the first slot's start, end_ms the latest slot end; rate is
 * per second of that span. Writes the first min(n, cap) sessions, returns n (0 when
 * gap_s is 0 or the range is empty). */
size_t window_sessions(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t gap_s,
                       struct window_stats *out, size_t cap);

/* Seconds of the window [start_ms, end_ms) that data can cover at now_ms, when the first moment
 * a reader could have seen data is data_from_ms (its start minus the history it replays, or
 * the oldest data still kept, whichever is later). The window's length when data_from_ms <=
 * start_ms; else from data_from_ms to the window's end or now_ms, whichever comes first, but at
 * least one second (or the whole window when shorter) so the first instants do not divide by
 * almost nothing. 0 when the window ends before data_from_ms. */
double window_covered_s(int64_t start_ms, int64_t end_ms, int64_t data_from_ms, int64_t now_ms);

/* Makes st->rate the count per second of the part of its window that data can cover
 * (window_covered_s) instead of per second of the whole window, so a window that cannot be full
 * yet (right after start, or longer than the retention) shows the true rate, not a fraction of
 * it. A window entirely before data_from_ms with no events gets NAN: nothing could be seen. */
void window_rate_from(struct window_stats *st, int64_t data_from_ms, int64_t now_ms);

#endif
