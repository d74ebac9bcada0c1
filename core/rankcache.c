/* rankcache.c — rank_top with memory (core/rank.c has the plain one, and the order both
 * follow). Per series it keeps the raw window stats last computed (before window_rate_from),
 * for which window and after how many events; a later call reuses them when no event was stored
 * since and no slot entered or left the window, which for a quiet series is almost always: the
 * 1 Hz frame then costs a look at one slot per series instead of merging the window's slots. */
#include "core/rankcache.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeline.h"
#include "core/window.h"

#define RC_PREFETCH 12 /* series ahead whose event count is fetched early */

enum entry_state {
    ENTRY_NONE,      /* nothing computed */
    ENTRY_SUMMARY,   /* summary and rate; quantiles NAN (WINDOW_NO_QUANTILES) */
    ENTRY_QUANTILES, /* everything */
};

struct entry {
    uint64_t events;        /* s->events when computed */
    int64_t lo_s, hi_s;     /* the window's first and last second */
    int64_t head_s;         /* the timeline's head second then (INT64_MIN: empty) */
    int64_t low_s;          /* no slot of the window starts before this second */
    struct window_stats st; /* raw: the rate per window length, not yet window_rate_from's */
    enum entry_state state;
};

struct cand {
    double key;     /* NAN: empty window or undefined value, sorts last */
    uint32_t krank; /* position of the series' key in strcmp order */
    uint32_t idx;   /* in tab->items */
};

struct fresh {
    const char *key;
    uint32_t idx;
};

struct prev_pos {
    const struct series *series;
    size_t pos;
};

struct rankcache {
    const struct series_table *tab;
    struct entry *e;        /* per series (tab->items index) */
    signed char *pass;      /* per series: passes the filter (valid below npass) */
    uint32_t *krank;        /* per series: key order (valid below nkeyed) */
    uint32_t *perm;         /* series by key (valid below nkeyed) */
    struct fresh *fresh;    /* scratch: series added since, by key */
    uint32_t *at;           /* scratch: where they go in perm */
    uint32_t cap;           /* entries allocated in the arrays above and in c */
    uint32_t npass, nkeyed; /* series whose pass and krank are known */
    uint64_t tab_events;    /* tab->stats.events at the last call: unchanged, no series changed */
    struct cand *c;         /* candidates, cap of them */
    struct prev_pos *pp;    /* hysteresis scratch */
    size_t *pos;
    size_t pp_cap, pos_cap;
    struct timeline empty; /* never fed: the stats of an empty window */
};

struct rankcache *rankcache_new(void)
{
    struct rankcache *rc = xcalloc(1, sizeof(*rc));
    timeline_init(&rc->empty, NULL);
    return rc;
}

void rankcache_free(struct rankcache *rc)
{
    if (rc == NULL)
        return;
    free(rc->e);
    free(rc->pass);
    free(rc->krank);
    free(rc->perm);
    free(rc->fresh);
    free(rc->at);
    free(rc->c);
    free(rc->pp);
    free(rc->pos);
    timeline_free(&rc->empty);
    free(rc);
}

void rankcache_filter_changed(struct rankcache *rc)
{
    rc->npass = 0;
}

static int64_t floor_div_1000(int64_t ms)
{
    return ms / 1000 - (ms % 1000 < 0);
}

/* Room for tab's series; a new table starts afresh. */
static void reserve(struct rankcache *rc, const struct series_table *tab)
{
    if (rc->tab != tab) {
        rc->tab = tab;
        rc->npass = rc->nkeyed = 0;
        if (rc->e)
            memset(rc->e, 0, rc->cap * sizeof(*rc->e));
    }
    if (tab->count <= rc->cap)
        return;
    uint32_t old = rc->cap, cap = old ? old : 64;
    while (cap < tab->count)
        cap *= 2;
    rc->e = xrealloc(rc->e, cap * sizeof(*rc->e));
    memset(rc->e + old, 0, (cap - old) * sizeof(*rc->e));
    rc->pass = xrealloc(rc->pass, cap * sizeof(*rc->pass));
    rc->krank = xrealloc(rc->krank, cap * sizeof(*rc->krank));
    rc->perm = xrealloc(rc->perm, cap * sizeof(*rc->perm));
    rc->fresh = xrealloc(rc->fresh, cap * sizeof(*rc->fresh));
    rc->at = xrealloc(rc->at, cap * sizeof(*rc->at));
    rc->c = xrealloc(rc->c, cap * sizeof(*rc->c));
    rc->cap = cap;
}

/* ---------------------------------------------------------------------------------------------
 * Key order: ties and the key column compare integers, not strings
 * ------------------------------------------------------------------------------------------ */

static int cmp_fresh(const void *x, const void *y)
{
    return strcmp(((const struct fresh *)x)->key, ((const struct fresh *)y)->key);
}

/* The number of series in perm[0, n) whose key sorts before key. */
static uint32_t keys_before(const struct series_table *tab, const uint32_t *perm, uint32_t n,
                            const char *key)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (strcmp(tab->items[perm[mid]]->key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Puts the series added since the last call into the key order: sorted among themselves, each
 * placed by a binary search, the old ones moved along (keys are unique: a strict order). A few
 * new series cost a few string comparisons each, not a sort of the whole table. */
static void update_key_order(struct rankcache *rc, const struct series_table *tab)
{
    uint32_t old = rc->nkeyed, n = tab->count, nnew = n - old;
    if (nnew == 0)
        return;
    for (uint32_t j = 0; j < nnew; j++)
        rc->fresh[j] = (struct fresh){tab->items[old + j]->key, old + j};
    qsort(rc->fresh, nnew, sizeof(*rc->fresh), cmp_fresh);
    for (uint32_t j = 0; j < nnew; j++)
        rc->at[j] = keys_before(tab, rc->perm, old, rc->fresh[j].key);
    uint32_t k = n, i = old; /* merge from the end: perm[i..) moves up to make room */
    for (uint32_t j = nnew; j-- > 0;) {
        while (i > rc->at[j])
            rc->perm[--k] = rc->perm[--i];
        rc->perm[--k] = rc->fresh[j].idx;
    }
    for (uint32_t j = 0; j < n; j++)
        rc->krank[rc->perm[j]] = j;
    rc->nkeyed = n;
}

/* ---------------------------------------------------------------------------------------------
 * Window stats, reused while nothing they cover changed
 * ------------------------------------------------------------------------------------------ */

/* Whether a slot starts in [lo_s, hi_s]. */
static bool any_slot(const struct timeline *t, int64_t lo_s, int64_t hi_s)
{
    if (lo_s > hi_s)
        return false;
    struct timeline_iter it;
    int64_t start_s;
    uint32_t len_s;
    timeline_iter_init(&it, t, lo_s, hi_s);
    return timeline_iter_next(&it, &start_s, &len_s) != NULL;
}

/* Whether e may be brought from its window to [lo_s, hi_s] by dropping nothing and adding
 * slots: the same width, moved forward by less than its width, and no slot started in the
 * seconds it left. */
static bool moves_forward(const struct entry *e, const struct series *s, int64_t lo_s, int64_t hi_s,
                          uint32_t width_s)
{
    return e->state != ENTRY_NONE && e->hi_s - e->lo_s == hi_s - lo_s && lo_s >= e->lo_s &&
           lo_s - e->lo_s <= width_s && e->head_s <= e->hi_s &&
           (e->low_s >= lo_s || !any_slot(&s->tl, e->lo_s, lo_s - 1));
}

/* The events stored since e was computed all went into seconds after its head (a live series
 * gets its events in the present), and the window lies in the fine ring (its slots are seconds,
 * none folds into a coarse slot): e's summary (its slots merged in ascending order) takes the new
 * slots merged after it, in order, which is exactly what merging the whole window gives. Returns
 * false, leaving e alone, when that cannot be shown. */
static bool add_new_slots(struct entry *e, const struct series *s, int64_t head_s, int64_t lo_s,
                          int64_t hi_s)
{
    if (e->head_s == INT64_MIN || lo_s <= head_s - (int64_t)s->tl.cfg.fine_slots)
        return false;
    struct summary sum = e->st.sum;
    uint64_t added = 0;
    struct timeline_iter it;
    const struct timeline_slot *slot;
    int64_t start_s;
    uint32_t len_s;
    timeline_iter_init(&it, &s->tl, e->head_s >= lo_s ? e->head_s + 1 : lo_s, hi_s);
    while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
        struct summary one;
        timeline_slot_summary(slot, start_s, &one);
        summary_merge(&sum, &one);
        added += one.count;
    }
    if (added != s->events - e->events) /* some went elsewhere (late, or ahead of the window) */
        return false;
    e->st.sum = sum;
    double len = (double)(e->st.end_ms - e->st.start_ms) / 1000.0; /* as window_sliding */
    e->st.rate = len > 0 ? (double)sum.count / len : 0;
    e->st.p50 = e->st.p90 = e->st.p95 = e->st.p99 = e->st.p999 = NAN;
    e->state = ENTRY_SUMMARY;
    return true;
}

/* The raw stats of series s (index i) over [lo_s, hi_s] = the window of width_s ending with the
 * second of now_ms, with quantiles when asked: what window_sliding gives, from the cache when
 * the same slots make it up. The slots of a timeline that got no event are fixed, so the
 * window's content changes only when a slot starts in the seconds it left or entered. When no
 * event reached the table at all (quiet), s itself is not even read: the cache knows its
 * head and where its window's slots start. */
static const struct window_stats *entry_stats(struct rankcache *rc, const struct series *s,
                                              uint32_t i, int64_t now_ms, uint32_t width_s,
                                              bool quantiles, bool quiet)
{
    struct entry *e = &rc->e[i];
    int64_t hi_s = floor_div_1000(now_ms), lo_s = hi_s - (int64_t)width_s + 1;
    bool same = quiet || e->events == s->events;
    bool forward = (same || !quantiles) && moves_forward(e, s, lo_s, hi_s, width_s);
    if (forward && same && (!quantiles || e->state == ENTRY_QUANTILES)) {
        /* reused as it is */
    } else {
        int64_t head_ms = timeline_head_ms(&s->tl);
        int64_t head_s = head_ms == INT64_MIN ? INT64_MIN : floor_div_1000(head_ms);
        e->st.start_ms = lo_s * 1000;
        e->st.end_ms = (hi_s + 1) * 1000;
        if (!(forward && !same && !quantiles && add_new_slots(e, s, head_s, lo_s, hi_s))) {
            /* nothing at or after the window's first second: an empty window, from nothing */
            const struct timeline *t = head_s < lo_s ? &rc->empty : &s->tl;
            window_sliding(t, now_ms, width_s, quantiles ? 0 : WINDOW_NO_QUANTILES, &e->st, NULL);
            e->state = quantiles || t == &rc->empty ? ENTRY_QUANTILES : ENTRY_SUMMARY;
        }
        e->head_s = head_s;
        e->events = s->events;
        /* a slot holding the window's earliest event starts at most coarse_s - 1 before it */
        e->low_s = e->st.sum.count == 0
                       ? INT64_MAX
                       : floor_div_1000(e->st.sum.first_ts_ms) - (int64_t)s->tl.cfg.coarse_s + 1;
    }
    e->lo_s = lo_s;
    e->hi_s = hi_s;
    e->st.start_ms = lo_s * 1000;
    e->st.end_ms = (hi_s + 1) * 1000;
    return &e->st;
}

/* ---------------------------------------------------------------------------------------------
 * Order: rank_top's, best first
 * ------------------------------------------------------------------------------------------ */

/* < 0 when a goes before b. */
static int cmp_cand(const struct cand *a, const struct cand *b, const struct rank_query *q)
{
    if (q->column == RANK_KEY) { /* ascending flag: Z..A */
        int c = a->krank < b->krank ? -1 : 1;
        return q->ascending ? -c : c;
    }
    bool na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->key != b->key) {
        int c = a->key < b->key ? -1 : 1;
        return q->ascending ? c : -c;
    }
    return a->krank < b->krank ? -1 : a->krank > b->krank;
}

/* cmp_cand for qsort, which has no context argument: one comparator per kind of order. */
static int cmp_key_az(const void *x, const void *y)
{
    const struct rank_query q = {.column = RANK_KEY};
    return cmp_cand(x, y, &q);
}

static int cmp_key_za(const void *x, const void *y)
{
    const struct rank_query q = {.column = RANK_KEY, .ascending = true};
    return cmp_cand(x, y, &q);
}

static int cmp_value_desc(const void *x, const void *y)
{
    const struct rank_query q = {.column = RANK_RATE};
    return cmp_cand(x, y, &q);
}

static int cmp_value_asc(const void *x, const void *y)
{
    const struct rank_query q = {.column = RANK_RATE, .ascending = true};
    return cmp_cand(x, y, &q);
}

static void swap_cand(struct cand *a, struct cand *b)
{
    struct cand t = *a;
    *a = *b;
    *b = t;
}

/* Restores the heap of c[0..m) below p, worst at the root. */
static void sift_down(struct cand *c, size_t m, size_t p, const struct rank_query *q)
{
    for (;;) {
        size_t l = 2 * p + 1, w = p;
        if (l < m && cmp_cand(&c[l], &c[w], q) > 0)
            w = l;
        if (l + 1 < m && cmp_cand(&c[l + 1], &c[w], q) > 0)
            w = l + 1;
        if (w == p)
            return;
        swap_cand(&c[p], &c[w]);
        p = w;
    }
}

/* Moves the best m of the n candidates to the front, in order (m <= n): a heap of the m best
 * seen so far whose root is the worst of them, then a sort of those m. The order is total
 * (keys are unique), so these are the first m of a full sort. */
static void select_best(struct cand *c, size_t n, size_t m, const struct rank_query *q)
{
    if (m == 0)
        return;
    if (m < n) {
        for (size_t r = m / 2; r-- > 0;)
            sift_down(c, m, r, q);
        for (size_t k = m; k < n; k++)
            if (cmp_cand(&c[k], &c[0], q) < 0) {
                swap_cand(&c[k], &c[0]);
                sift_down(c, m, 0, q);
            }
    }
    if (q->column == RANK_KEY)
        qsort(c, m, sizeof(*c), q->ascending ? cmp_key_za : cmp_key_az);
    else
        qsort(c, m, sizeof(*c), q->ascending ? cmp_value_asc : cmp_value_desc);
}

/* ---------------------------------------------------------------------------------------------
 * Hysteresis, as rank_top applies it (core/rank.c keep_previous_order: the same steps)
 * ------------------------------------------------------------------------------------------ */

static int cmp_prev_pos(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const struct prev_pos *)x)->series;
    uintptr_t b = (uintptr_t)((const struct prev_pos *)y)->series;
    return a < b ? -1 : a > b;
}

static bool near_equal(double a, double b, double tolerance)
{
    if (isnan(a) || isnan(b))
        return false;
    return fabs(a - b) <= tolerance * fmax(fabs(a), fabs(b));
}

/* Insertion sort of the first n candidates in which a row passes the one above it only when
 * both are near-equal and it was shown above it last time (rank.h, rank_query.prev). */
static void keep_previous_order(struct rankcache *rc, struct cand *c, size_t n,
                                const struct rank_query *q)
{
    if (q->prev_n > rc->pp_cap) {
        rc->pp_cap = q->prev_n;
        rc->pp = xrealloc(rc->pp, rc->pp_cap * sizeof(*rc->pp));
    }
    if (n > rc->pos_cap) {
        rc->pos_cap = n;
        rc->pos = xrealloc(rc->pos, rc->pos_cap * sizeof(*rc->pos));
    }
    struct prev_pos *pp = rc->pp;
    size_t *pos = rc->pos;
    for (size_t i = 0; i < q->prev_n; i++)
        pp[i] = (struct prev_pos){q->prev[i], i};
    qsort(pp, q->prev_n, sizeof(*pp), cmp_prev_pos);
    for (size_t i = 0; i < n; i++) {
        struct prev_pos want = {rc->tab->items[c[i].idx], 0};
        const struct prev_pos *f = bsearch(&want, pp, q->prev_n, sizeof(*pp), cmp_prev_pos);
        pos[i] = f ? f->pos : SIZE_MAX;
    }
    for (size_t i = 1; i < n; i++) {
        struct cand x = c[i];
        size_t px = pos[i], j = i;
        while (j > 0 && pos[j - 1] > px && near_equal(c[j - 1].key, x.key, q->tolerance)) {
            c[j] = c[j - 1];
            pos[j] = pos[j - 1];
            j--;
        }
        c[j] = x;
        pos[j] = px;
    }
}

/* ---------------------------------------------------------------------------------------------
 * The ranking
 * ------------------------------------------------------------------------------------------ */

static bool column_needs_quantiles(enum rank_column col)
{
    return col >= RANK_P50 && col <= RANK_P999;
}

size_t rankcache_top(struct rankcache *rc, const struct series_table *tab,
                     const struct rank_query *q, struct rank_row *out, size_t cap)
{
    reserve(rc, tab);
    bool quiet = rc->tab_events == tab->stats.events && rc->nkeyed == tab->count;
    rc->tab_events = tab->stats.events;
    update_key_order(rc, tab);
    for (; rc->npass < tab->count; rc->npass++)
        rc->pass[rc->npass] = rank_passes(tab->items[rc->npass], q);
    bool quantiles = column_needs_quantiles(q->column);
    int64_t data_from = series_table_data_from_ms(tab, q->now_ms);
    size_t n = 0;
    for (uint32_t i = 0; i < tab->count; i++) {
        /* series lie all over the heap: ask for the counts a few ahead, so the misses overlap */
        if (!quiet && i + RC_PREFETCH < tab->count)
            __builtin_prefetch(&tab->items[i + RC_PREFETCH]->events);
        if (!rc->pass[i])
            continue;
        const struct series *s = tab->items[i];
        struct window_stats st = *entry_stats(rc, s, i, q->now_ms, q->width_s, quantiles, quiet);
        window_rate_from(&st, data_from, q->now_ms);
        if (q->skip_empty && st.sum.count == 0)
            continue;
        rc->c[n].key = st.sum.count ? rank_column_value(&st, q->column) : NAN;
        rc->c[n].krank = rc->krank[i];
        rc->c[n].idx = i;
        n++;
    }
    bool hysteresis = q->column != RANK_KEY && q->prev && q->prev_n && q->tolerance > 0;
    size_t m = n < cap ? n : cap, sorted = m;
    if (hysteresis)
        sorted = n < cap + q->prev_n ? n : cap + q->prev_n;
    select_best(rc->c, n, sorted, q);
    if (hysteresis)
        keep_previous_order(rc, rc->c, sorted, q);
    for (size_t i = 0; i < m; i++) {
        const struct series *s = tab->items[rc->c[i].idx];
        out[i].series = s;
        out[i].stats = *entry_stats(rc, s, rc->c[i].idx, q->now_ms, q->width_s, true, quiet);
        window_rate_from(&out[i].stats, data_from, q->now_ms);
    }
    return n;
}
