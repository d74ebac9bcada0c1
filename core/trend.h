/* trend.h — the points of a sparkline or a chart: one statistic of a series, or of a group of
 * series merged, in n buckets of equal length ending at to_ms, oldest first. Pure: the caller
 * says which buckets (complete ones, so the last point does not always dip) and when now is. */
#ifndef WR_TREND_H
#define WR_TREND_H

#include <stddef.h>
#include <stdint.h>

#include "core/group.h"
#include "core/rank.h"
#include "core/timeline.h"

struct trend_query {
    int64_t to_ms;         /* end of the last bucket; the first starts n * bucket_s earlier */
    uint32_t bucket_s;     /* > 0 */
    size_t n;              /* points */
    enum rank_column stat; /* what a point is: rate, count, avg, max, a percentile ... */
    int64_t now_ms;        /* rates are per second of what data could cover by now ... */
    int64_t data_from_ms;  /* ... from this moment on (window_rate_from) */
};

/* Writes q->n points of timeline tl to out: NAN where nothing can be said (before the first
 * bucket the timeline holds, or an empty bucket for a statistic of values; rate and count of an
 * empty bucket are 0). */
void trend_series(const struct timeline *tl, const struct trend_query *q, double *out);

/* The same for the members of group row r of g merged bucket by bucket: counts and rates add,
 * avg and max of the merged summaries. Percentiles cannot be merged from bucket summaries: every
 * point is NAN for them. */
void trend_group(const struct group_set *g, const struct group_row *r, const struct trend_query *q,
                 double *out);

#endif
