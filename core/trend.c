/* trend.c — bucket stats of a timeline (window_tumbling) aligned to the points asked for, and
 * merged across a group's members. */
#include "core/trend.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/mem.h"
#include "core/window.h"

/* The stats of tl's buckets aligned to q's n points; have[j] false where there is none. */
static void buckets(const struct timeline *tl, const struct trend_query *q,
                    struct window_stats *out, bool *have)
{
    size_t n = q->n, cap = n + 2;
    int64_t from_ms = q->to_ms - (int64_t)n * q->bucket_s * 1000;
    struct window_stats *w = xmalloc(cap * sizeof(*w));
    size_t k = window_tumbling(tl, from_ms, q->to_ms, q->bucket_s, w, cap);
    if (k > cap)
        k = cap;
    size_t first = k > n ? k - n : 0;
    for (size_t j = 0; j < n; j++)
        have[j] = false;
    for (size_t j = first; j < k; j++) {
        window_rate_from(&w[j], q->data_from_ms, q->now_ms); /* a bucket data partly filled */
        out[n - (k - j)] = w[j];
        have[n - (k - j)] = true;
    }
    free(w);
}

static double point(const struct trend_query *q, const struct window_stats *st, bool have)
{
    if (!have || (st->sum.count == 0 && q->stat != RANK_RATE && q->stat != RANK_COUNT))
        return NAN;
    return rank_column_value(st, q->stat);
}

void trend_series(const struct timeline *tl, const struct trend_query *q, double *out)
{
    struct window_stats *st = xmalloc((q->n + 1) * sizeof(*st));
    bool *have = xmalloc(q->n + 1);
    buckets(tl, q, st, have);
    for (size_t j = 0; j < q->n; j++)
        out[j] = point(q, &st[j], have[j]);
    free(st);
    free(have);
}

void trend_group(const struct group_set *g, const struct group_row *r, const struct trend_query *q,
                 double *out)
{
    size_t n = q->n;
    for (size_t j = 0; j < n; j++)
        out[j] = NAN;
    if (!(q->stat == RANK_RATE || q->stat == RANK_COUNT || q->stat == RANK_AVG ||
          q->stat == RANK_MAX))
        return;
    struct window_stats *acc = xmalloc((n + 1) * sizeof(*acc));
    struct window_stats *one = xmalloc((n + 1) * sizeof(*one));
    bool *have_acc = xcalloc(n + 1, 1), *have = xmalloc(n + 1);
    for (size_t k = 0; k < r->n; k++) {
        buckets(&group_member(g, r->first + k)->series->tl, q, one, have);
        for (size_t j = 0; j < n; j++) {
            if (!have[j])
                continue;
            if (!have_acc[j]) {
                acc[j] = one[j];
                have_acc[j] = true;
                continue;
            }
            summary_merge(&acc[j].sum, &one[j].sum);
            acc[j].rate = isnan(acc[j].rate)   ? one[j].rate
                          : isnan(one[j].rate) ? acc[j].rate
                                               : acc[j].rate + one[j].rate;
        }
    }
    for (size_t j = 0; j < n; j++)
        out[j] = point(q, &acc[j], have_acc[j]);
    free(acc);
    free(one);
    free(have_acc);
    free(have);
}
