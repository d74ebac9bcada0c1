/* alert_win.c — the alert engine's incremental windows: per series and window length, the
 * aggregate of the window's closed seconds, updated as seconds close and leave instead of merged
 * from every slot at each evaluation (docs/architecture.md 7.5: what, how exact, when rebuilt). */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h"
#include "core/timeline.h"

static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* The last second whose events a slot can hold: a coarse slot holds only seconds already
 * folded out of the fine ring, those <= H - F. */
static int64_t slot_end(int64_t start, uint32_t len, int64_t fine_lo)
{
    if (len <= 1)
        return start;
    int64_t end = start + (int64_t)len - 1;
    return end < fine_lo ? end : fine_lo;
}

/* a + b exactly as hi + lo (Knuth's TwoSum), added into the pair (hi, lo). */
static void dd_add(double *hi, double *lo, double b)
{
    double s = *hi + b, bb = s - *hi, e = (*hi - (s - bb)) + (b - bb);
    double t = s + (*lo + e);
    *lo = (*lo + e) - (t - s);
    *hi = t;
}

/* The slot's moments into the closed aggregate (sign 1) or out of it (sign -1): its sum, and
 * its sums of (v - k) and (v - k)^2 from its count, mean and m2. */
static void win_moments(struct alert_win *w, const struct summary *s, double sign)
{
    double n = (double)s->count, d = s->mean - w->k, t1 = n * d, t2 = s->m2 + n * d * d;
    dd_add(&w->sum[0], &w->sum[1], sign * s->sum);
    dd_add(&w->s1[0], &w->s1[1], sign * t1);
    dd_add(&w->s2[0], &w->s2[1], sign * t2);
    /* each term rounded (the mean, d, the products: a few ulps of what it adds up from) */
    w->s1_err += 4 * DBL_EPSILON * (fabs(t1) + n * fabs(s->mean) + n * fabs(w->k));
    w->s2_err += 4 * DBL_EPSILON * (t2 + 2 * fabs(d) * (n * fabs(s->mean) + n * fabs(w->k)));
}

static void ext_clear(struct alert_win *w)
{
    w->lo.n = w->hi.n = w->lo.head = w->hi.head = 0;
    w->lo.lost = w->hi.lost = INT64_MIN;
}

#define EXT_AT(x, k) ((x)->e[((x)->head + (k)) % ALERT_WIN_EXT_KEEP])

/* Takes a slot starting at start with extreme v into the candidates x (min: the min's order). */
static void ext_push(struct alert_ext *x, double v, int64_t start, bool min)
{
    while (x->n && (min ? v <= EXT_AT(x, x->n - 1).v : v >= EXT_AT(x, x->n - 1).v))
        x->n--;
    if (x->n == ALERT_WIN_EXT_KEEP) { /* no room: the oldest goes */
        x->lost = EXT_AT(x, 0).at;
        x->head = (x->head + 1) % ALERT_WIN_EXT_KEEP;
        x->n--;
    }
    EXT_AT(x, x->n).v = v;
    EXT_AT(x, x->n).at = start;
    x->n++;
}

/* Drops the candidates of the slots up to second end. */
static void ext_leave(struct alert_ext *x, int64_t end)
{
    while (x->n && EXT_AT(x, 0).at <= end) {
        x->head = (x->head + 1) % ALERT_WIN_EXT_KEEP;
        x->n--;
    }
}

/* The extreme of the window's slots from second a on by the candidates x into *v and *at:
 * false when they cannot say (some dropped for room are still in, or a zero, whose sign the
 * first slot holding it gives: the slots are read again). */
static bool ext_front(const struct alert_ext *x, int64_t a, double *v, int64_t *at)
{
    if (x->n == 0 || x->lost >= a || EXT_AT(x, 0).v == 0)
        return false;
    *v = EXT_AT(x, 0).v;
    *at = EXT_AT(x, 0).at;
    return true;
}

/* When the moments are next summed from the slots: once the window has left what it holds now
 * (b), and up to a window length later, set by seed (the series' hash), so that windows built
 * in the same evaluation do not all read their slots again in one later evaluation. */
static int64_t resum_after(const struct alert_win *w, uint64_t seed)
{
    uint64_t span = w->b >= w->a ? (uint64_t)(w->b - w->a) + 1 : 1;
    return w->b + (int64_t)(seed % span);
}

static void win_clear(struct alert_win *w)
{
    ext_clear(w);
    w->min_left = w->max_left = false;
    w->sum[0] = w->sum[1] = w->s1[0] = w->s1[1] = w->s2[0] = w->s2[1] = 0;
    w->s1_err = w->s2_err = 0;
    w->k = NAN; /* set by the first slot taken */
    w->count = 0;
    w->min = INFINITY;
    w->max = -INFINITY;
    w->min_s = w->max_s = INT64_MIN;
    w->last = NAN;
    w->last_ts_ms = INT64_MIN;
    w->dirty = false;
    w->first_ok = false;
}

/* Takes in a slot's extremes; start: the slot's start. On a tie the value stays the earlier
 * slot's (as the full merge's) and the position moves to the later slot, the one that stays
 * longest. */
static void win_extremes_take(struct alert_win *w, const struct summary *s, int64_t start)
{
    ext_push(&w->lo, s->min, start, true);
    ext_push(&w->hi, s->max, start, false);
    if (s->min <= w->min) {
        if (s->min < w->min)
            w->min = s->min;
        w->min_s = start;
    }
    if (s->max >= w->max) {
        if (s->max > w->max)
            w->max = s->max;
        w->max_s = start;
    }
}

static void win_take(struct alert_win *w, const struct summary *s, int64_t start)
{
    if (w->count == 0) { /* the first slot taken: the first value */
        w->first = s->first;
        w->first_ts_ms = s->first_ts_ms;
        w->first_ok = true;
        w->k = s->mean; /* the shift: near the values, so (v - k)^2 keeps its digits */
    }
    if (w->has_moments)
        win_moments(w, s, 1);
    w->count += s->count;
    win_extremes_take(w, s, start);
    w->last = s->last; /* slots come in time order */
    w->last_ts_ms = s->last_ts_ms;
}

/* Subtracts a slot that leaves the window, holding seconds start .. end. Returns -1 when it does
 * not fit what was added. */
static int win_sub(struct alert_win *w, const struct timeline_slot *slot, int64_t start,
                   int64_t end)
{
    struct summary s;
    timeline_slot_summary(slot, start, &s);
    if (s.count == 0)
        return 0;
    if (s.count > w->count)
        return -1;
    if (w->has_moments) {
        win_moments(w, &s, -1);
        /* what stays is small next to what left: the rounding of the pairs' terms is not
         * small next to it any more, sum again from the slots */
        double n = (double)s.count, d = s.mean - w->k;
        if (fabs(s.sum) > 1024 * fabs(w->sum[0]) || s.m2 + n * d * d > 1024 * fabs(w->s2[0]))
            w->resum_b = INT64_MIN;
    }
    w->count -= s.count;
    w->first_ok = false; /* the first slot left */
    /* the slot holding an extreme left (a fine second since folded into a coarse slot
     * included): win_update takes the next candidate; a zero extreme whose sign the slot may
     * have given: read them again */
    ext_leave(&w->lo, end);
    ext_leave(&w->hi, end);
    w->min_left |= w->min_s >= start && w->min_s <= end;
    w->max_left |= w->max_s >= start && w->max_s <= end;
    if ((w->min == 0 && s.min == 0) || (w->max == 0 && s.max == 0))
        w->dirty = true;
    if (w->has_bins &&
        (slot->hist.collapsed_bins || alert_bins_sub_hist(&w->bins, &slot->hist) != 0))
        return -1;
    if (w->count == 0)
        win_clear(w);
    return 0;
}

static int win_add(struct alert_win *w, const struct timeline_slot *slot, int64_t start)
{
    struct summary s;
    timeline_slot_summary(slot, start, &s);
    if (s.count == 0)
        return 0;
    win_take(w, &s, start);
    if (w->has_bins) {
        alert_bins_cover(&w->bins, &slot->hist);
        alert_bins_add_hist(&w->bins, &slot->hist);
    }
    return 0;
}

/* The closed seconds [a, b] from the slots starting there. -1: a slot reaches past b. */
static int win_rebuild(struct alert_win *w, const struct timeline *tl, int64_t a, int64_t b,
                       int64_t fine_lo, uint64_t seed)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;

    win_clear(w);
    w->a = a;
    w->b = b;
    w->resum_b = INT64_MAX; /* set once built (resum_after) */
    w->valid = false;
    timeline_iter_init(&it, tl, a, b);
    while ((slot = timeline_iter_next(&it, &ss, &ls)) != NULL) {
        if (slot_end(ss, ls, fine_lo) > b)
            return -1;
        struct summary s;
        timeline_slot_summary(slot, ss, &s);
        if (s.count)
            win_take(w, &s, ss);
    }
    if (w->has_bins)
        alert_bins_from_slots(&w->bins, tl, a, b);
    w->resum_b = resum_after(w, seed);
    w->valid = true;
    return 0;
}

/* The moments again from the slots of [a, b], about shift k (NAN: the first slot's mean): bounds
 * the rounding that adding and subtracting accumulates (once the window has turned over). */
static void win_resum(struct alert_win *w, const struct timeline *tl, uint64_t seed, double k)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;
    bool first = true;

    w->sum[0] = w->sum[1] = w->s1[0] = w->s1[1] = w->s2[0] = w->s2[1] = 0;
    w->s1_err = w->s2_err = 0;
    timeline_iter_init(&it, tl, w->a, w->b);
    while ((slot = timeline_iter_next(&it, &ss, &ls)) != NULL) {
        struct summary s;
        timeline_slot_summary(slot, ss, &s);
        if (!s.count)
            continue;
        if (first)
            w->k = isnan(k) ? s.mean : k;
        first = false;
        win_moments(w, &s, 1);
    }
    w->resum_b = resum_after(w, seed);
}

/* Whether the variance the sums give may be off by 1e-10 of itself (rounding bounds of the terms
 * added since last read from the slots): values that moved by orders of magnitude against their
 * spread (hundreds, then 1e9 + 7 and 1e9 + 54: a std of 23.32 for 23.5) are read again. */
static bool shift_far(const struct alert_win *w)
{
    double n = (double)w->count, s1 = w->s1[0] + w->s1[1];
    double m2 = w->s2[0] + w->s2[1] - s1 * s1 / n;
    double err = w->s2_err + 2 * fabs(s1) / n * w->s1_err + 4 * DBL_EPSILON * s1 * s1 / n;
    return w->min != w->max && err > 1e-10 * (m2 > 0 ? m2 : 0);
}

static void win_extremes(struct alert_win *w, const struct timeline *tl)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;

    w->min = INFINITY;
    w->max = -INFINITY;
    w->min_s = w->max_s = INT64_MIN;
    ext_clear(w);
    timeline_iter_init(&it, tl, w->a, w->b);
    while ((slot = timeline_iter_next(&it, &ss, &ls)) != NULL) {
        struct summary s;
        timeline_slot_summary(slot, ss, &s);
        if (s.count)
            win_extremes_take(w, &s, ss);
    }
    w->dirty = false;
}

/* Brings the closed part to [L, B]. Returns 0, 1 when rebuilt, -1 when it cannot be had. */
static int win_update(struct alert_win *w, const struct series *s, int64_t L, int64_t B,
                      int64_t fine_lo, int64_t keep)
{
    const struct timeline *tl = &s->tl;
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss, C = tl->cfg.coarse_s;
    uint32_t ls;
    uint64_t late = s->late + s->restated;
    bool rebuild = !w->valid || late != w->late || B < w->b || w->a > L || w->a <= keep;

    if (!rebuild && w->a < L) {
        /* seconds [a, L - 1] leave: they are the slots starting there, unless a coarse slot
         * that starts before a holds some of them (a unaligned and folded) */
        rebuild = w->b < L - 1 || !(fdiv(w->a, C) * C == w->a || w->a > fine_lo);
        timeline_iter_init(&it, tl, w->a, L - 1);
        while (!rebuild && (slot = timeline_iter_next(&it, &ss, &ls)) != NULL)
            rebuild = slot_end(ss, ls, fine_lo) > L - 1 ||
                      win_sub(w, slot, ss, slot_end(ss, ls, fine_lo)) != 0;
        w->a = L;
        /* the slot holding an extreme left: the next candidate holds it, when known */
        if (!rebuild && w->count && w->min_left && !ext_front(&w->lo, L, &w->min, &w->min_s))
            w->dirty = true;
        if (!rebuild && w->count && w->max_left && !ext_front(&w->hi, L, &w->max, &w->max_s))
            w->dirty = true;
        w->min_left = w->max_left = false;
    }
    if (!rebuild && B > w->b) { /* seconds (b, B] closed since: all fine while b >= H - F */
        rebuild = w->b < fine_lo;
        timeline_iter_init(&it, tl, w->b + 1, B);
        while (!rebuild && (slot = timeline_iter_next(&it, &ss, &ls)) != NULL)
            rebuild = ls != 1 || win_add(w, slot, ss) != 0;
        w->b = B;
    }
    w->late = late;
    if (rebuild)
        return win_rebuild(w, tl, L, B, fine_lo, s->hash) == 0 ? 1 : -1;
    /* a zero extreme keeps the sign of the first slot holding it, and a coarse slot that was
     * one earlier value when a full fine slot folded in took that value in after the fine one's
     * (timeline.c fold): on a 0 / -0 tie its sign is not the one the seconds gave in order */
    if (w->count && (w->min == 0 || w->max == 0) && w->a <= fine_lo)
        w->dirty = true;
    if (w->dirty)
        win_extremes(w, tl);
    if (w->has_moments && w->a > w->resum_b)
        win_resum(w, tl, s->hash, NAN);
    return 0;
}

/* The open seconds (b, hi] of series s into o's summary and extents. Returns o->status: -1 when
 * they hold a coarse slot, more seconds than followed or slots with small histograms. */
static int open_scan(struct alert_open *o, const struct series *s, int64_t b, int64_t hi,
                     uint64_t epoch)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;
    size_t nopen = 0;

    o->epoch = epoch;
    o->s = s;
    o->events = s->events;
    o->b = b;
    o->hi = hi;
    o->status = 0;
    o->has_bins = false;
    summary_init(&o->sum);
    o->plo = o->nlo = INT64_MAX;
    o->phi = o->nhi = INT64_MIN;
    timeline_iter_init(&it, &s->tl, b + 1, hi);
    while ((slot = timeline_iter_next(&it, &ss, &ls)) != NULL) {
        if (ls != 1 || nopen == ALERT_WIN_OPEN_MAX || slot->hist.max_bins < 2 * ALERT_WIN_BINS_SPAN)
            return o->status = -1; /* a coarse slot, lateness longer than followed, small
                                      histograms */
        nopen++;
        struct summary os;
        timeline_slot_summary(slot, ss, &os);
        summary_merge(&o->sum, &os);
        hist_store_extent(&slot->hist.pos, &o->plo, &o->phi);
        hist_store_extent(&slot->hist.neg, &o->nlo, &o->nhi);
    }
    return 0;
}

/* The open seconds' histograms into o's bins, sized by open_scan (a one-event slot is a view
 * inside the iterator, gone at its next call: hence a second pass). */
static void open_bins(struct alert_open *o)
{
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;

    alert_bins_reserve(&o->bins, o->plo, o->phi, o->nlo, o->nhi);
    timeline_iter_init(&it, &o->s->tl, o->b + 1, o->hi);
    while ((slot = timeline_iter_next(&it, &ss, &ls)) != NULL)
        alert_bins_add_hist(&o->bins, &slot->hist);
    o->has_bins = true;
}

/* The open seconds (b, hi] of series s in o (their bins too when want_bins), read unless o
 * holds them already for this evaluation with no event added since. Returns o->status. */
static int open_read(struct alert_open *o, const struct series *s, int64_t b, int64_t hi,
                     bool want_bins, uint64_t epoch)
{
    bool held =
        o->epoch == epoch && o->s == s && o->events == s->events && o->b == b && o->hi == hi;
    if (!held && open_scan(o, s, b, hi, epoch) != 0)
        return -1;
    if (o->status == 0 && want_bins && !o->has_bins)
        open_bins(o);
    return o->status;
}

/* Where window_s seconds ending with now_ms's second stand for w on series s (which holds
 * events): the closed part [L, B] to keep, the open seconds (B, hi], the first fine second
 * fine_lo + 1 and the oldest kept coarse start keep. Returns -1 when the window cannot be
 * followed incrementally. Moves w's calm state along with s->behind. */
struct win_span {
    int64_t L, B, hi, fine_lo, keep;
};

static int win_span(struct alert_win *w, const struct series *s, uint32_t window_s, int64_t now_ms,
                    int64_t wm_ms, struct win_span *sp)
{
    const struct timeline *tl = &s->tl;
    int64_t hi = fdiv(now_ms, 1000), lo = hi - (int64_t)window_s + 1;
    int64_t F = tl->cfg.fine_slots, C = tl->cfg.coarse_s, fine_lo = tl->head_s - F;
    int64_t keep = fdiv(tl->head_s - (int64_t)tl->cfg.retention_s, C) * C; /* oldest kept */
    /* the window's events are those of the seconds [L, hi]: from lo while lo is a fine
     * second, else from the first coarse slot starting in the window */
    int64_t L = lo;
    if (lo <= keep)
        return -1;
    if (lo <= fine_lo) {
        L = fdiv(lo + C - 1, C) * C;
        if (L - 1 > fine_lo)
            return -1; /* a coarse slot straddles lo with fine seconds after it */
    }
    int64_t B = wm_ms == INT64_MIN ? INT64_MIN : fdiv(wm_ms, 1000) - 1; /* last closed second */
    /* a series whose events have all landed in its head second (or a newer one) for
     * ALERT_WIN_CALM_S: its seconds before the head are closed too, while that lasts (an event
     * below the head moves s->behind: the window then goes back to the watermark, below) */
    if (!w->calm_known || s->behind != w->behind) {
        /* an event (or rollup) below the head since the last look, not late: it landed after
         * the second the watermark had closed then, so in the seconds closed since for calm,
         * if any: they are read again */
        if (w->calm_known && w->b > w->wm_b)
            w->valid = false;
        w->calm_from_s = w->calm_known || s->behind ? tl->head_s : INT64_MIN;
        w->calm_known = true;
        w->behind = s->behind;
    }
    w->wm_b = B;
    if ((w->calm_from_s == INT64_MIN || tl->head_s - w->calm_from_s >= ALERT_WIN_CALM_S) &&
        tl->head_s - 1 > B)
        B = tl->head_s - 1;
    if (B > hi)
        B = hi;
    if (B < L - 1)
        B = L - 1;
    if (B < fine_lo)
        return -1; /* evaluating far behind the head: open seconds already folded */
    *sp = (struct win_span){L, B, hi, fine_lo, keep};
    return 0;
}

int alert_win_advance(struct alert_win *w, const struct series *s, uint32_t window_s,
                      int64_t now_ms, int64_t wm_ms)
{
    struct win_span sp;
    if (!w->valid || s->tl.head_ms == INT64_MIN ||
        win_span(w, s, window_s, now_ms, wm_ms, &sp) != 0)
        return 0; /* nothing kept, or not followed: alert_win_read says what to do */
    int rc = win_update(w, s, sp.L, sp.B, sp.fine_lo, sp.keep);
    if (rc < 0)
        w->valid = false;
    return rc;
}

void alert_win_open(const struct alert_win *w, const struct series *s, int64_t now_ms,
                    bool want_bins, struct alert_open *open, uint64_t epoch)
{
    if (w->valid && s->tl.head_ms != INT64_MIN)
        open_read(open, s, w->b, fdiv(now_ms, 1000), want_bins, epoch);
}

int alert_win_read(struct alert_win *w, const struct series *s, uint32_t window_s, int64_t now_ms,
                   int64_t wm_ms, unsigned want, struct summary *out, struct alert_binsum *bins,
                   struct alert_open *open, uint64_t epoch)
{
    const struct timeline *tl = &s->tl;
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t ss;
    uint32_t ls;
    struct win_span sp;

    bool want_bins = want & ALERT_WIN_BINS, want_moments = want & ALERT_WIN_MOMENTS;
    summary_init(out);
    if (tl->head_ms == INT64_MIN) {
        if (want_bins)
            *bins = (struct alert_binsum){{NULL, NULL}};
        return 0;
    }
    if (win_span(w, s, window_s, now_ms, wm_ms, &sp) != 0)
        return -1;
    int64_t hi = sp.hi;
    if ((want_bins && !w->has_bins) || (want_moments && !w->has_moments)) {
        w->has_bins |= want_bins;
        w->has_moments |= want_moments;
        w->valid = false;
    }
    int rc = win_update(w, s, sp.L, sp.B, sp.fine_lo, sp.keep);
    if (rc < 0) {
        w->valid = false;
        return -1;
    }

    if (want_moments && w->count && shift_far(w)) /* about the window's mean instead */
        win_resum(w, tl, s->hash, w->k + (w->s1[0] + w->s1[1]) / (double)w->count);
    if (open_read(open, s, w->b, hi, want_bins, epoch) != 0)
        return -1;
    if (want_moments && w->count &&
        !(isfinite(w->sum[0] + w->sum[1]) && isfinite(w->s1[0] + w->s1[1]) &&
          isfinite(w->s2[0] + w->s2[1]))) {
        w->valid = false; /* sums past the doubles' range: the full merge says what they are */
        return -1;
    }
    /* the closed part as a summary, then the open part merged after it */
    if (w->count) {
        if (!w->first_ok && (want & ALERT_WIN_FIRST)) { /* the window's first slot holds it */
            struct summary f;
            timeline_iter_init(&it, tl, w->a, w->b);
            if ((slot = timeline_iter_next(&it, &ss, &ls)) == NULL)
                return -1; /* not reached: the closed part holds events */
            timeline_slot_summary(slot, ss, &f);
            w->first = f.first;
            w->first_ts_ms = f.first_ts_ms;
            w->first_ok = true;
        }
        double n = (double)w->count, s1 = w->s1[0] + w->s1[1], m2 = w->s2[0] + w->s2[1];
        m2 -= s1 * s1 / n;
        out->count = w->count;
        out->sum = w->sum[0] + w->sum[1];
        out->mean = w->k + s1 / n;
        out->m2 = m2 > 0 ? m2 : 0;
        if (w->min == w->max) { /* every value the same: what the sums leave is rounding (a
                                   std of 1e-5 where values of hundreds had left the window) */
            out->mean = w->min;
            out->m2 = 0;
        }
        out->min = w->min;
        out->max = w->max;
        out->first = w->first_ok ? w->first : NAN;
        out->first_ts_ms = w->first_ok ? w->first_ts_ms : INT64_MIN;
        out->last = w->last;
        out->last_ts_ms = w->last_ts_ms;
    }
    summary_merge(out, &open->sum);
    if (out->count && !want_moments)
        out->sum = out->mean = out->m2 = NAN; /* not kept */
    if (want_bins) {
        int64_t plo = open->plo, phi = open->phi, nlo = open->nlo, nhi = open->nhi;
        alert_extent_add(&plo, &phi, w->bins.pos_lo, w->bins.npos);
        alert_extent_add(&nlo, &nhi, w->bins.neg_lo, w->bins.nneg);
        /* values spread over so many bins that a slot may have collapsed its lowest ones
         * (hist_add), then folding fine slots into coarse ones is not a plain sum: the full
         * merge reads the slots as they are */
        if ((phi >= plo && phi - plo >= ALERT_WIN_BINS_SPAN) ||
            (nhi >= nlo && nhi - nlo >= ALERT_WIN_BINS_SPAN))
            return -1;
        *bins = (struct alert_binsum){{&w->bins, &open->bins}};
    }
    return rc;
}

/* Index of the fine cell of second sec if every second since it up to the last cell is held
 * (a busy series), clamped to the cells in use; a->n > 0. */
static uint32_t fine_guess(const struct timeline *tl, int64_t sec)
{
    const struct timeline_cells *a = &tl->fine;
    int64_t back = tl->head_s - sec;
    if (back < 0)
        back = 0;
    return back >= (int64_t)a->n ? a->lo : a->lo + a->n - 1 - (uint32_t)back;
}

static void prefetch_lines(const void *p, size_t bytes)
{
    for (size_t o = 0; o < bytes; o += 64)
        __builtin_prefetch((const char *)p + o);
}

/* The full slot of the fine cell of second sec, if the guess finds it. */
static const struct timeline_slot *fine_slot_guess(const struct timeline *tl, int64_t sec)
{
    const struct timeline_cell *c = &tl->fine.v[fine_guess(tl, sec)];
    return c->off_ms == TIMELINE_CELL_FULL && tl->base_s + c->start == sec ? c->u.slot : NULL;
}

void alert_win_prefetch(const struct alert_win *w, const struct series *s, int stage)
{
    const struct timeline *tl = &s->tl;
    if (stage == 0) { /* of w, what an update reads: all but the candidates' entries */
        prefetch_lines(s, offsetof(struct series, key));
        prefetch_lines(w, offsetof(struct alert_win, lo.e));
        __builtin_prefetch(&w->hi);
        return;
    }
    if (!w->valid || tl->head_ms == INT64_MIN || tl->fine.n == 0)
        return;
    /* the slot leaving (the window's first second, when fine) and the one that closed next */
    int64_t sec[2] = {w->a, w->b + 1};
    for (int k = 0; k < 2; k++) {
        if (sec[k] <= tl->head_s - (int64_t)tl->cfg.fine_slots || sec[k] > tl->head_s)
            continue;
        if (stage == 1) {
            __builtin_prefetch(&tl->fine.v[fine_guess(tl, sec[k])]);
            continue;
        }
        const struct timeline_slot *slot = fine_slot_guess(tl, sec[k]);
        if (slot == NULL)
            continue;
        if (stage == 2)
            prefetch_lines(slot, sizeof *slot);
        else if (w->has_bins && slot->hist.pos.counts)
            prefetch_lines((const char *)slot->hist.pos.counts,
                           (size_t)slot->hist.pos.len * slot->hist.pos.width);
    }
    if (stage == 1) {
        __builtin_prefetch(&tl->fine.v[tl->fine.lo + tl->fine.n - 1]);
        const struct alert_ext *x[2] = {&w->lo, &w->hi}; /* the candidates leaving and last */
        for (int k = 0; k < 2; k++)
            if (x[k]->n) {
                __builtin_prefetch(&EXT_AT(x[k], 0));
                __builtin_prefetch(&EXT_AT(x[k], x[k]->n - 1));
            }
    } else if (stage == 2 && tl->head) /* the open seconds: the head's */
        prefetch_lines(tl->head, sizeof *tl->head);
    else if (stage == 3 && tl->head && w->has_bins && tl->head->hist.pos.counts)
        prefetch_lines(tl->head->hist.pos.counts,
                       (size_t)tl->head->hist.pos.len * tl->head->hist.pos.width);
}
