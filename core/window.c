/* window.c — windows computed from timeline slots: merge the summaries (always) and the
 * histograms (when quantiles are wanted) of the slots whose start lies in the window. Quantiles
 * are nearest-rank, clamped to the window's exact min and max (hist_quantile_clamp). */
#include "core/window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static const double window_qs[5] = {0.5, 0.9, 0.95, 0.99, 0.999};

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* ---------------------------------------------------------------------------------------------
 * Histogram accumulator. hist_merge re-checks cell widths and may re-window per merge (about
 * 1 µs per 1-s slot of 200 bins); summing the slots' dense count windows into one uint64 array
 * whose extent is known up front is about 10 times faster. Quantiles are read off the array
 * with hist_quantiles' rank rule and bin representatives, so they equal those of the merged
 * histogram. The array is never capped (no max_bins collapse, so quantiles keep their 1 %
 * bound even over hundreds of octaves); its size is bounded by the index range of finite
 * doubles, about 37 000 cells per sign. */

#define ACC_STACK_CELLS 1024

struct acc {
    uint64_t *pos, *neg; /* pos[i]: bin pos_lo + i; neg[i]: bin neg_lo + i (values -v) */
    int64_t pos_lo, pos_hi, neg_lo, neg_hi; /* inclusive; lo > hi when empty */
    uint64_t zero, count;
    uint64_t *heap;
    uint64_t stack[ACC_STACK_CELLS];
};

/* The quantiles of the accumulated counts: the value at the nearest rank hist_rank(q, count)
 * in ascending order (negative bins from the most negative, zero, positive bins), as
 * hist_quantiles does. */
static void acc_quantiles(const struct acc *a, double out[5])
{
    uint64_t seen = 0;
    int stage = 0; /* 0: negative bins, 1: zero, 2: positive bins, 3: past the end */
    int sign = 0;  /* of the last bin counted: -1, 0 or 1 */
    int64_t i = a->neg_hi, index = 0;
    for (int j = 0; j < 5; j++) {
        uint64_t rank = hist_rank(window_qs[j], a->count);
        while (seen < rank && stage < 3) {
            uint64_t c;
            if (stage == 0) {
                if (i < a->neg_lo) {
                    stage = 1;
                    continue;
                }
                c = a->neg[i - a->neg_lo];
                if (c) {
                    sign = -1;
                    index = i;
                }
                i--;
            } else if (stage == 1) {
                stage = 2;
                i = a->pos_lo;
                c = a->zero;
                if (c)
                    sign = 0;
            } else if (i > a->pos_hi) {
                stage = 3;
                continue;
            } else {
                c = a->pos[i - a->pos_lo];
                if (c) {
                    sign = 1;
                    index = i;
                }
                i++;
            }
            seen += c;
        }
        /* bin values are only computed for the bins the quantiles land in */
        out[j] = sign == 0 ? 0.0 : sign * hist_bin_value((int32_t)index);
    }
}

/* Adds one store's accumulated bins to h in an order that sizes h's window and cell width
 * before the bulk: lowest and highest bin, then the largest count, then the rest. */
static void acc_store_to_hist(struct hist *h, const uint64_t *cells, int64_t lo, int64_t hi,
                              double sign)
{
    int64_t first = lo, last = hi, big = -1;
    while (first <= hi && cells[first - lo] == 0)
        first++;
    if (first > hi)
        return;
    while (cells[last - lo] == 0)
        last--;
    for (int64_t i = first; i <= last; i++)
        if (big < 0 || cells[i - lo] > cells[big - lo])
            big = i;
    hist_add_n(h, sign * hist_bin_value((int32_t)first), cells[first - lo]);
    if (last != first)
        hist_add_n(h, sign * hist_bin_value((int32_t)last), cells[last - lo]);
    if (big != first && big != last)
        hist_add_n(h, sign * hist_bin_value((int32_t)big), cells[big - lo]);
    for (int64_t i = first + 1; i < last; i++)
        if (i != big && cells[i - lo])
            hist_add_n(h, sign * hist_bin_value((int32_t)i), cells[i - lo]);
}

/* ---------------------------------------------------------------------------------------------
 * Collecting the slots of one window. */

static void stats_empty(struct window_stats *out, int64_t start_ms, int64_t end_ms)
{
    out->start_ms = start_ms;
    out->end_ms = end_ms;
    summary_init(&out->sum);
    out->rate = 0;
    out->p50 = out->p90 = out->p95 = out->p99 = out->p999 = NAN;
}

static void stats_set_quantiles(struct window_stats *out, const double q[5])
{
    out->p50 = q[0];
    out->p90 = q[1];
    out->p95 = q[2];
    out->p99 = q[3];
    out->p999 = q[4];
}

/* Fills out (start_ms and end_ms already set, sum empty) from the slots starting in
 * [lo_s, hi_s]. quantiles: also merge histograms; out_hist (may be NULL) then receives them. */
static void collect(const struct timeline *t, int64_t lo_s, int64_t hi_s, int quantiles,
                    struct window_stats *out, struct hist *out_hist)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    struct acc a = {
        .pos_lo = INT64_MAX, .pos_hi = INT64_MIN, .neg_lo = INT64_MAX, .neg_hi = INT64_MIN};

    timeline_iter_init(&it, t, lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        struct summary s;
        timeline_slot_summary(slot, start_s, &s);
        summary_merge(&out->sum, &s);
        hist_store_extent(&slot->hist.pos, &a.pos_lo, &a.pos_hi);
        hist_store_extent(&slot->hist.neg, &a.neg_lo, &a.neg_hi);
    }
    double len_s_window = (double)(out->end_ms - out->start_ms) / 1000.0;
    out->rate = len_s_window > 0 ? (double)out->sum.count / len_s_window : 0;
    if (!quantiles || out->sum.count == 0)
        return;

    int64_t npos = a.pos_hi >= a.pos_lo ? a.pos_hi - a.pos_lo + 1 : 0;
    int64_t nneg = a.neg_hi >= a.neg_lo ? a.neg_hi - a.neg_lo + 1 : 0;
    uint64_t *cells = a.stack;
    if (npos + nneg > ACC_STACK_CELLS)
        cells = a.heap = xmalloc((size_t)(npos + nneg) * sizeof(*cells));
    memset(cells, 0, (size_t)(npos + nneg) * sizeof(*cells));
    a.pos = cells;
    a.neg = cells + npos;

    timeline_iter_init(&it, t, lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        hist_store_accumulate(&slot->hist.pos, a.pos, a.pos_lo);
        hist_store_accumulate(&slot->hist.neg, a.neg, a.neg_lo);
        a.zero += slot->hist.zero_count;
        a.count += slot->hist.count;
    }
    double q[5];
    acc_quantiles(&a, q);
    /* exact at the ends and never outside what was seen: p99 of {10, 20, 50} is 50 */
    for (int j = 0; j < 5; j++)
        q[j] = hist_quantile_clamp(q[j], window_qs[j], out->sum.count, out->sum.min,
                                   out->sum.max);
    stats_set_quantiles(out, q);
    if (out_hist) {
        if (a.zero)
            hist_add_n(out_hist, 0.0, a.zero);
        if (npos)
            acc_store_to_hist(out_hist, a.pos, a.pos_lo, a.pos_hi, 1.0);
        if (nneg)
            acc_store_to_hist(out_hist, a.neg, a.neg_lo, a.neg_hi, -1.0);
    }
    free(a.heap);
}

/* ---------------------------------------------------------------------------------------------
 * The window kinds. */

int window_sliding(const struct timeline *t, int64_t now_ms, uint32_t width_s, unsigned flags,
                   struct window_stats *out, struct hist *out_hist)
{
    int64_t hi_s = floor_div(now_ms, 1000), lo_s = hi_s - (int64_t)width_s + 1;
    stats_empty(out, lo_s * 1000, (hi_s + 1) * 1000);
    if (out_hist)
        hist_clear(out_hist);
    if (width_s == 0)
        return -1;
    collect(t, lo_s, hi_s, !(flags & WINDOW_NO_QUANTILES), out, out_hist);
    return 0;
}

size_t window_hopping(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t size_s,
                      uint32_t hop_s, struct window_stats *out, size_t cap)
{
    if (size_s == 0 || hop_s == 0 || from_ms >= to_ms)
        return 0;
    int64_t size_ms = (int64_t)size_s * 1000, hop_ms = (int64_t)hop_s * 1000;
    /* the windows with k * hop + size > from and k * hop < to */
    int64_t k_lo = floor_div(from_ms - size_ms, hop_ms) + 1;
    int64_t k_hi = floor_div(to_ms - 1, hop_ms);
    if (k_hi < k_lo)
        return 0;
    size_t n = (size_t)(k_hi - k_lo) + 1;
    for (size_t i = 0; i < n && i < cap; i++) {
        int64_t lo_s = (k_lo + (int64_t)i) * hop_s;
        stats_empty(&out[i], lo_s * 1000, (lo_s + size_s) * 1000);
        collect(t, lo_s, lo_s + size_s - 1, 1, &out[i], NULL);
    }
    return n;
}

size_t window_tumbling(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t size_s,
                       struct window_stats *out, size_t cap)
{
    return window_hopping(t, from_ms, to_ms, size_s, size_s, out, cap);
}

/* A session's slots are exactly those starting in [first_s, last_s]: compute its stats. */
static void session_fill(const struct timeline *t, int64_t first_s, int64_t last_s, int64_t end_s,
                         struct window_stats *out)
{
    stats_empty(out, first_s * 1000, end_s * 1000);
    collect(t, first_s, last_s, 1, out, NULL);
}

size_t window_sessions(const struct timeline *t, int64_t from_ms, int64_t to_ms, uint32_t gap_s,
                       struct window_stats *out, size_t cap)
{
    if (gap_s == 0 || from_ms >= to_ms)
        return 0;
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s, first_s = 0, last_s = 0, end_s = 0;
    uint32_t len_s;
    size_t n = 0;
    timeline_iter_init(&it, t, floor_div(from_ms, 1000), floor_div(to_ms - 1, 1000));
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        if (n > 0 && start_s - end_s < (int64_t)gap_s) {
            last_s = start_s;
            if (start_s + len_s > end_s)
                end_s = start_s + len_s; /* a coarse slot may end after later fine ones */
        } else {
            if (n > 0 && n <= cap)
                session_fill(t, first_s, last_s, end_s, &out[n - 1]);
            n++;
            first_s = last_s = start_s;
            end_s = start_s + len_s;
        }
    }
    if (n > 0 && n <= cap)
        session_fill(t, first_s, last_s, end_s, &out[n - 1]);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Rates over the part of a window that data can cover. */

double window_covered_s(int64_t start_ms, int64_t end_ms, int64_t data_from_ms, int64_t now_ms)
{
    if (end_ms <= start_ms || end_ms <= data_from_ms)
        return 0;
    if (data_from_ms <= start_ms)
        return (double)(end_ms - start_ms) / 1000.0;
    /* the window's last second is still filling: count up to now, not to its end */
    int64_t to = now_ms < end_ms ? now_ms : end_ms;
    int64_t least = end_ms - start_ms < 1000 ? end_ms - start_ms : 1000;
    int64_t covered = to - data_from_ms;
    return (double)(covered < least ? least : covered) / 1000.0;
}

void window_rate_from(struct window_stats *st, int64_t data_from_ms, int64_t now_ms)
{
    if (data_from_ms <= st->start_ms)
        return; /* the whole window can hold data: the rate is already per window length */
    double covered_s = window_covered_s(st->start_ms, st->end_ms, data_from_ms, now_ms);
    if (covered_s > 0)
        st->rate = (double)st->sum.count / covered_s;
    else if (st->sum.count == 0)
        st->rate = NAN; /* before anything could be seen: unknown, not 0 */
    /* else: events older than data_from_ms after all; keep their rate per window length */
}
