/* hist.c — DDSketch-style value histogram: a cubic log2 mapping with a proven 1 % relative
 * error, dense count windows whose cell width grows only when a count needs it, exact merge,
 * and a compact run-length varint encoding for rollups. */
#include "core/hist.h"

#include <float.h>
#include <stdbool.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist_impl.h"
#include "core/mem.h"
#include "core/qrank.h"

/* ------------------------------------------------------------------------------------------ */
/* Mapping: value -> bin index                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* For v = 2^e * (1 + s), s in [0, 1), log2(v) is approximated by f(v) = e + P(s) with
 * P(s) = A s^3 + B s^2 + C s. P(0) = 0 and P(1) = 1, so f is continuous across powers of two,
 * and f is strictly increasing. Bin i holds the v with f(v) * K in (i - 1, i].
 *
 * Why this keeps the guarantee: df/d(ln v) = P'(s) * (1 + s) = (18s^3 - 24s^2 + 8s + 50) / 35,
 * whose minimum on [0, 1] is 10/7 (at s = 0 and s = 2/3). A bin spans 1/K in f, hence at most
 * 1 / (K * 10/7) in ln v. With K = 7 / (10 ln gamma) every bin [lo, hi] has hi/lo <= gamma,
 * and the bin's representative, the harmonic mean 2 lo hi / (lo + hi), is within
 * (hi - lo) / (hi + lo) <= (gamma - 1) / (gamma + 1) = alpha of every value in the bin.
 * K is raised by a relative 1e-6 so that rounding in f (about 1e-11 of a bin) cannot push a
 * value across the bound; it costs one bin in a million. Against exact log the cubic needs
 * about 1 % more bins and avoids the libm call on the hot path. */
#define MAP_A (6.0 / 35.0)
#define MAP_B (-3.0 / 5.0)
#define MAP_C (10.0 / 7.0)
#define MAP_ALPHA ((double)HIST_ALPHA)
/* ln((1 + a) / (1 - a)) = 2 atanh(a), as a series so it stays a constant expression; the
 * first omitted term, 2 a^9 / 9, is ~2e-19 for a = 0.01: below the precision of a double. */
#define MAP_LN_GAMMA                                                                               \
    (2.0 *                                                                                         \
     (MAP_ALPHA + MAP_ALPHA * MAP_ALPHA * MAP_ALPHA / 3.0 +                                        \
      MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA / 5.0 +                            \
      MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA * MAP_ALPHA / 7.0))
#define MAP_K (7.0 / (10.0 * MAP_LN_GAMMA) * (1.0 + 1e-6))

/* a must be finite and >= HIST_MIN_ABS (a positive normal number). */
static inline int32_t map_index(double a)
{
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int e = (int)(bits >> 52) - 1023;
    bits = (bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    double s;
    memcpy(&s, &bits, sizeof s);
    s -= 1.0;
    double y = ((double)e + ((MAP_A * s + MAP_B) * s + MAP_C) * s) * MAP_K;
    int32_t i = (int32_t)y; /* truncation, then up: ceil without a libm call */
    return i + (y > (double)i);
}

/* The m in [0, 1] with P(m) = t, t in [0, 1). P is increasing and concave there, so Newton
 * from m = t (>= the root, as P(s) >= s) converges monotonically and quadratically. */
static double map_cubic_inverse(double t)
{
    double m = t;
    for (int it = 0; it < 12; it++) {
        double p = ((MAP_A * m + MAP_B) * m + MAP_C) * m - t;
        double d = (3.0 * MAP_A * m + 2.0 * MAP_B) * m + MAP_C;
        double step = p / d;
        m -= step;
        if (fabs(step) < 1e-17)
            break;
    }
    return m < 0 ? 0 : m > 1 ? 1 : m;
}

/* The upper bound of bin j (= lower bound of bin j + 1) as mantissa in [1, 2] and exponent,
 * kept apart so that bins near DBL_MAX do not overflow. */
static double map_boundary(int64_t j, int *exp)
{
    double y = (double)j / MAP_K;
    double e = floor(y);
    *exp = (int)e;
    return 1.0 + map_cubic_inverse(y - e);
}

static double map_clamp(double v)
{
    return v > DBL_MAX ? DBL_MAX : v;
}

static double bin_lower(int32_t index)
{
    int e;
    double m = map_boundary((int64_t)index - 1, &e);
    return map_clamp(ldexp(m, e));
}

static double bin_upper(int32_t index)
{
    int e;
    double m = map_boundary(index, &e);
    return map_clamp(ldexp(m, e));
}

double hist_bin_value(int32_t index)
{
    int e_lo, e_hi;
    double lo = map_boundary((int64_t)index - 1, &e_lo);
    double hi = map_boundary(index, &e_hi);
    hi = ldexp(hi, e_hi - e_lo); /* bins are < 1 octave wide: e_hi - e_lo is 0 or 1 */
    /* Clamping is safe: every value in the top bin is <= DBL_MAX < the unclamped value. */
    return map_clamp(ldexp(2.0 * lo * hi / (lo + hi), e_lo));
}

/* The index range any finite value can map to. */
int32_t hist_index_min(void)
{
    return map_index(HIST_MIN_ABS);
}

int32_t hist_index_max(void)
{
    return map_index(DBL_MAX);
}

/* ------------------------------------------------------------------------------------------ */
/* Stores: dense windows of adaptive-width counters                                            */
/* ------------------------------------------------------------------------------------------ */

#define STORE_INITIAL_CELLS 8

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

static uint32_t sat_add32(uint32_t a, uint64_t b)
{
    return b >= (uint64_t)(UINT32_MAX - a) ? UINT32_MAX : a + (uint32_t)b;
}

static void store_free(struct hist_store *s)
{
    free(s->counts);
    *s = (struct hist_store){0};
}

/* The highest non-empty cell of a non-empty store. */
static uint32_t store_top(const struct hist_store *s)
{
    uint32_t i = s->len - 1;
    while (i > 0 && cell_get(s, i) == 0)
        i--;
    return i;
}

/* Moves the store to the window [new_off, new_off + new_len) with cells at least min_width
 * wide. Old bins above the new window must be empty (they are dropped); old bins below new_off
 * fold into bin new_off (the lowest kept bin) and count in h->collapsed_bins. */
static void store_rewindow(struct hist *h, struct hist_store *s, int64_t new_off, uint32_t new_len,
                           uint8_t min_width)
{
    int64_t old_off = s->offset, new_hi = new_off + (int64_t)new_len - 1;
    uint64_t floor_count = 0;
    uint32_t folded = 0;
    for (uint32_t i = 0; i < s->len && old_off + (int64_t)i <= new_off; i++) {
        uint64_t c = cell_get(s, i);
        if (c == 0)
            continue;
        floor_count = sat_add(floor_count, c);
        folded += old_off + (int64_t)i < new_off;
    }
    uint8_t width = width_for(floor_count);
    if (width < s->width)
        width = s->width;
    if (width < min_width)
        width = min_width;

    struct hist_store ns = {
        .counts = xcalloc(new_len, width),
        .offset = (int32_t)new_off,
        .len = new_len,
        .width = width,
    };
    if (width == s->width && new_off <= old_off) { /* no fold, same cells: one copy */
        int64_t top = old_off + (int64_t)s->len - 1 < new_hi ? old_off + s->len - 1 : new_hi;
        if (top >= old_off)
            memcpy((uint8_t *)ns.counts + (size_t)(old_off - new_off) * width, s->counts,
                   (size_t)(top - old_off + 1) * width);
    } else {
        for (uint32_t i = 0; i < s->len; i++) {
            int64_t idx = old_off + (int64_t)i;
            uint64_t c = idx > new_off && idx <= new_hi ? cell_get(s, i) : 0;
            if (c)
                cell_set(&ns, (uint32_t)(idx - new_off), c);
        }
        if (floor_count)
            cell_set(&ns, 0, floor_count);
    }
    free(s->counts);
    *s = ns;
    h->collapsed_bins = sat_add32(h->collapsed_bins, folded);
}

/* Grows the window so that it holds idx, with some slack on the side it grew, within
 * h->max_bins. Returns the index to count the value in: idx, or the lowest kept bin when idx
 * is below the max_bins highest bins (the value is then folded and counted as collapsed).
 * Only non-empty bins decide whether anything folds: empty slack gives way first. */
static int32_t store_reach(struct hist *h, struct hist_store *s, int32_t idx)
{
    int64_t max = h->max_bins, lo = s->offset, hi = lo + s->len - 1;
    if (idx >= lo && idx <= hi)
        return idx;
    uint32_t first, last; /* empty, or emptied by hist_reset: placed afresh, not folded below */
    if (s->len == 0 || !store_extent(s, &first, &last)) { /* a stale window it kept */
        int64_t len = max < STORE_INITIAL_CELLS ? max : STORE_INITIAL_CELLS;
        store_rewindow(h, s, (int64_t)idx - (len - 1) / 2, (uint32_t)len, 1);
        return idx;
    }
    int64_t slack = 4 + s->len / 8;
    if (idx < lo) {
        int64_t top = lo + store_top(s); /* the window's top cells may be empty slack */
        int64_t floor = top - max + 1;   /* <= lo, since len <= max */
        if (idx < floor) {
            if (floor < lo || hi > top)
                store_rewindow(h, s, floor, (uint32_t)max, s->width);
            h->collapsed_bins = sat_add32(h->collapsed_bins, 1);
            return (int32_t)floor;
        }
        int64_t new_lo = idx - slack < floor ? floor : idx - slack;
        int64_t new_hi = hi < new_lo + max - 1 ? hi : new_lo + max - 1; /* >= top */
        store_rewindow(h, s, new_lo, (uint32_t)(new_hi - new_lo + 1), s->width);
        return idx;
    }
    /* Upwards: cells below new_lo fold, which loses data only if one of them is non-empty,
     * and then the span of non-empty bins does exceed max_bins. */
    int64_t new_hi = idx + slack;
    if (new_hi - lo + 1 > max)
        new_hi = idx > lo + max - 1 ? idx : lo + max - 1;
    int64_t new_lo = new_hi - max + 1 > lo ? new_hi - max + 1 : lo;
    store_rewindow(h, s, new_lo, (uint32_t)(new_hi - new_lo + 1), s->width);
    return idx;
}

static void store_add(struct hist *h, struct hist_store *s, int32_t idx, uint64_t n)
{
    idx = store_reach(h, s, idx);
    uint32_t i = (uint32_t)(idx - s->offset);
    uint64_t c = sat_add(cell_get(s, i), n);
    if (width_for(c) > s->width)
        store_rewindow(h, s, s->offset, s->len, width_for(c));
    cell_set(s, i, c);
}

static void store_merge(struct hist *h, struct hist_store *d, const struct hist_store *s)
{
    uint32_t first, last, dfirst, dlast;
    if (!store_extent(s, &first, &last))
        return;
    int64_t max = h->max_bins;
    int64_t src_lo = s->offset + (int64_t)first, src_hi = s->offset + (int64_t)last;
    if (!store_extent(d, &dfirst, &dlast)) {
        store_free(d);
        store_rewindow(h, d, src_lo < src_hi - max + 1 ? src_hi - max + 1 : src_lo,
                       (uint32_t)(src_hi - src_lo + 1 < max ? src_hi - src_lo + 1 : max), 1);
    } else {
        int64_t d_lo = d->offset, d_hi = d_lo + (int64_t)d->len - 1;
        int64_t lo = d_lo + dfirst < src_lo ? d_lo + dfirst : src_lo; /* non-empty union */
        int64_t hi = d_lo + dlast > src_hi ? d_lo + dlast : src_hi;
        if (hi - lo + 1 > max) {
            lo = hi - max + 1; /* folds */
        } else if (src_lo >= d_lo && src_hi <= d_hi) {
            lo = d_lo; /* the window already holds src: keep it */
            hi = d_hi;
        } else if ((d_hi > hi ? d_hi : hi) - (d_lo < lo ? d_lo : lo) + 1 <= max) {
            lo = d_lo < lo ? d_lo : lo; /* keep the slack too */
            hi = d_hi > hi ? d_hi : hi;
        }
        if (lo != d_lo || hi != d_hi)
            store_rewindow(h, d, lo, (uint32_t)(hi - lo + 1), d->width);
    }

    uint32_t folded = 0;
    for (uint32_t i = first; i <= last; i++) {
        uint64_t c = cell_get(s, i);
        if (c == 0)
            continue;
        int64_t idx = s->offset + (int64_t)i;
        if (idx < d->offset) {
            idx = d->offset;
            folded++;
        }
        uint32_t j = (uint32_t)(idx - d->offset);
        c = sat_add(c, cell_get(d, j));
        if (width_for(c) > d->width)
            store_rewindow(h, d, d->offset, d->len, width_for(c));
        cell_set(d, j, c);
    }
    h->collapsed_bins = sat_add32(h->collapsed_bins, folded);
}

static void store_copy(struct hist_store *d, const struct hist_store *s)
{
    *d = *s;
    if (s->len) {
        d->counts = xmalloc((size_t)s->len * s->width);
        memcpy(d->counts, s->counts, (size_t)s->len * s->width);
    }
}

static void store_compact(struct hist_store *s)
{
    uint32_t first, last;
    if (!store_extent(s, &first, &last)) {
        store_free(s);
        return;
    }
    uint64_t max = 0;
    for (uint32_t i = first; i <= last; i++) {
        uint64_t c = cell_get(s, i);
        max = c > max ? c : max;
    }
    if (width_for(max) == s->width) { /* same cells, fewer of them: shrink in place */
        uint32_t n = last - first + 1;
        if (n == s->len)
            return; /* nothing to drop */
        memmove(s->counts, (uint8_t *)s->counts + (size_t)first * s->width, (size_t)n * s->width);
        s->counts = xrealloc(s->counts, (size_t)n * s->width);
        s->offset += (int32_t)first;
        s->len = n;
        return;
    }
    struct hist_store ns = {
        .counts = xmalloc((size_t)(last - first + 1) * width_for(max)),
        .offset = s->offset + (int32_t)first,
        .len = last - first + 1,
        .width = width_for(max),
    };
    for (uint32_t i = first; i <= last; i++)
        cell_set(&ns, i - first, cell_get(s, i));
    free(s->counts);
    *s = ns;
}

/* ------------------------------------------------------------------------------------------ */
/* Life cycle, adding, merging                                                                 */
/* ------------------------------------------------------------------------------------------ */

void hist_init_bounded(struct hist *h, uint32_t max_bins)
{
    *h = (struct hist){.max_bins = max_bins ? max_bins : 1};
}

void hist_init(struct hist *h)
{
    hist_init_bounded(h, HIST_DEFAULT_MAX_BINS);
}

void hist_clear(struct hist *h)
{
    store_free(&h->pos);
    store_free(&h->neg);
    h->zero_count = 0;
    h->count = 0;
    h->collapsed_bins = 0;
}

void hist_reset(struct hist *h)
{
    if (h->pos.counts)
        memset(h->pos.counts, 0, (size_t)h->pos.len * h->pos.width);
    if (h->neg.counts)
        memset(h->neg.counts, 0, (size_t)h->neg.len * h->neg.width);
    h->zero_count = 0;
    h->count = 0;
    h->collapsed_bins = 0;
}

int hist_add(struct hist *h, double v)
{
    double a = fabs(v);
    if (!(a <= DBL_MAX))
        return -1;
    h->count++;
    if (a < HIST_MIN_ABS) {
        h->zero_count++;
        return 0;
    }
    struct hist_store *s = v > 0 ? &h->pos : &h->neg;
    int32_t idx = map_index(a);
    uint32_t i = (uint32_t)idx - (uint32_t)s->offset;
    if (i < s->len) {
        switch (s->width) {
        case 1:
            if (((uint8_t *)s->counts)[i] != UINT8_MAX) {
                ((uint8_t *)s->counts)[i]++;
                return 0;
            }
            break;
        case 2:
            if (((uint16_t *)s->counts)[i] != UINT16_MAX) {
                ((uint16_t *)s->counts)[i]++;
                return 0;
            }
            break;
        case 4:
            if (((uint32_t *)s->counts)[i] != UINT32_MAX) {
                ((uint32_t *)s->counts)[i]++;
                return 0;
            }
            break;
        default:
            break;
        }
    }
    store_add(h, s, idx, 1);
    return 0;
}

void hist_view_one(struct hist *h, double v, uint8_t *cell)
{
    double a = fabs(v);
    hist_init(h);
    h->count = 1;
    if (a < HIST_MIN_ABS) {
        h->zero_count = 1;
        return;
    }
    *cell = 1;
    struct hist_store *s = v > 0 ? &h->pos : &h->neg;
    *s = (struct hist_store){.counts = cell, .offset = map_index(a), .len = 1, .width = 1};
}

int hist_add_n(struct hist *h, double v, uint64_t n)
{
    double a = fabs(v);
    if (!(a <= DBL_MAX))
        return -1;
    if (n == 0)
        return 0;
    h->count = sat_add(h->count, n);
    if (a < HIST_MIN_ABS)
        h->zero_count = sat_add(h->zero_count, n);
    else
        store_add(h, v > 0 ? &h->pos : &h->neg, map_index(a), n);
    return 0;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
    if (dst == src) {
        struct hist tmp;
        hist_init_bounded(&tmp, src->max_bins);
        hist_copy(&tmp, src);
        hist_merge(dst, &tmp);
        hist_clear(&tmp);
        return;
    }
    store_merge(dst, &dst->pos, &src->pos);
    store_merge(dst, &dst->neg, &src->neg);
    dst->zero_count = sat_add(dst->zero_count, src->zero_count);
    dst->count = sat_add(dst->count, src->count);
    dst->collapsed_bins = sat_add32(dst->collapsed_bins, src->collapsed_bins);
}

void hist_copy(struct hist *dst, const struct hist *src)
{
    if (dst == src)
        return;
    hist_clear(dst);
    *dst = *src;
    store_copy(&dst->pos, &src->pos);
    store_copy(&dst->neg, &src->neg);
}

void hist_compact(struct hist *h)
{
    store_compact(&h->pos);
    store_compact(&h->neg);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading: bins in ascending value order, quantiles                                           */
/* ------------------------------------------------------------------------------------------ */

enum bin_stage { STAGE_NEG, STAGE_ZERO, STAGE_POS, STAGE_DONE };

/* Walks the non-empty bins in ascending value order: the negative store from its highest
 * index (most negative values) down, the zero counter, the positive store upwards. */
struct bin_iter {
    const struct hist *h;
    enum bin_stage stage;
    uint32_t i; /* next cell of the current store (for neg: one past it) */
};

struct bin {
    int sign; /* -1, 0 or 1 */
    int32_t index;
    uint64_t count;
};

static void bin_iter_init(struct bin_iter *it, const struct hist *h)
{
    *it = (struct bin_iter){.h = h, .stage = STAGE_NEG, .i = h->neg.len};
}

static int bin_iter_next(struct bin_iter *it, struct bin *b)
{
    const struct hist *h = it->h;
    switch (it->stage) {
    case STAGE_NEG:
        while (it->i > 0) {
            uint32_t i = --it->i;
            uint64_t c = cell_get(&h->neg, i);
            if (c) {
                *b = (struct bin){-1, h->neg.offset + (int32_t)i, c};
                return 1;
            }
        }
        it->stage = STAGE_ZERO;
        /* fall through */
    case STAGE_ZERO:
        it->stage = STAGE_POS;
        it->i = 0;
        if (h->zero_count) {
            *b = (struct bin){0, 0, h->zero_count};
            return 1;
        }
        /* fall through */
    case STAGE_POS:
        while (it->i < h->pos.len) {
            uint32_t i = it->i++;
            uint64_t c = cell_get(&h->pos, i);
            if (c) {
                *b = (struct bin){1, h->pos.offset + (int32_t)i, c};
                return 1;
            }
        }
        it->stage = STAGE_DONE;
        /* fall through */
    case STAGE_DONE:
        break;
    }
    return 0;
}

static double bin_value(const struct bin *b)
{
    return b->sign == 0 ? 0.0 : b->sign * hist_bin_value(b->index);
}

uint64_t hist_rank(double q, uint64_t count)
{
    return qrank_nearest(q, count);
}

double hist_quantile_clamp(double v, double q, uint64_t count, double min, double max)
{
    if (isnan(v) || count == 0)
        return v;
    uint64_t rank = hist_rank(q, count);
    if (rank == count)
        return max;
    if (rank == 1)
        return min;
    return v < min ? min : v > max ? max : v;
}

void hist_quantiles(const struct hist *h, const double *qs, double *out, size_t n)
{
    struct bin_iter it;
    struct bin b = {0, 0, 0};
    uint64_t seen = 0, prev_rank = 0; /* seen: values in the bins walked so far */
    int have = 0;
    bin_iter_init(&it, h);
    for (size_t j = 0; j < n; j++) {
        double q = qs[j];
        if (h->count == 0 || isnan(q)) {
            out[j] = NAN;
            continue;
        }
        uint64_t rank = hist_rank(q, h->count); /* 1-based */
        if (rank < prev_rank) { /* not ascending after all: walk again from the start */
            bin_iter_init(&it, h);
            seen = 0;
            have = 0;
        }
        prev_rank = rank;
        while (seen < rank) {
            struct bin next;
            if (!bin_iter_next(&it, &next))
                break; /* only when counts saturated: stay on the last bin */
            b = next;
            have = 1;
            seen = sat_add(seen, b.count);
        }
        out[j] = have ? bin_value(&b) : NAN;
    }
}

double hist_quantile(const struct hist *h, double q)
{
    double out;
    hist_quantiles(h, &q, &out, 1);
    return out;
}

size_t hist_bin_count(const struct hist *h)
{
    size_t n = h->zero_count != 0;
    for (uint32_t i = 0; i < h->pos.len; i++)
        n += cell_get(&h->pos, i) != 0;
    for (uint32_t i = 0; i < h->neg.len; i++)
        n += cell_get(&h->neg, i) != 0;
    return n;
}

size_t hist_memory_bytes(const struct hist *h)
{
    return (size_t)h->pos.len * h->pos.width + (size_t)h->neg.len * h->neg.width;
}

void hist_foreach_bin(const struct hist *h, hist_bin_fn fn, void *privdata)
{
    struct bin_iter it;
    struct bin b;
    bin_iter_init(&it, h);
    while (bin_iter_next(&it, &b)) {
        if (b.sign < 0)
            fn(-bin_upper(b.index), -bin_lower(b.index), b.count, privdata);
        else if (b.sign == 0)
            fn(0.0, 0.0, b.count, privdata);
        else
            fn(bin_lower(b.index), bin_upper(b.index), b.count, privdata);
    }
}

void hist_store_extent(const struct hist_store *s, int64_t *lo, int64_t *hi)
{
    if (s->len == 0)
        return;
    if (s->offset < *lo)
        *lo = s->offset;
    if (s->offset + (int64_t)s->len - 1 > *hi)
        *hi = s->offset + (int64_t)s->len - 1;
}

int hist_store_subtract(const struct hist_store *s, uint64_t *cells, int64_t lo)
{
    uint64_t *d = cells + (s->offset - lo);
    uint32_t n = s->width ? s->len : 0, i = 0;
#define SUBTRACT(type)                                                                             \
    for (const type *c = s->counts; i < n && d[i] >= c[i]; i++)                                    \
        d[i] -= c[i];
    switch (s->width) { /* outside the loop; a cell that does not fit stops it */
    case 1:
        SUBTRACT(uint8_t)
        break;
    case 2:
        SUBTRACT(uint16_t)
        break;
    case 4:
        SUBTRACT(uint32_t)
        break;
    default:
        SUBTRACT(uint64_t)
    }
#undef SUBTRACT
    for (uint32_t k = 0; i < n && k < i; k++) /* refused: what was taken goes back */
        d[k] += cell_get(s, k);
    return i == n ? 0 : -1;
}

void hist_store_accumulate(const struct hist_store *s, uint64_t *cells, int64_t lo)
{
    uint64_t *d = cells + (s->offset - lo);
    uint32_t n = s->len;
    switch (s->width) { /* the switch stays outside the loops */
    case 1:
        for (uint32_t i = 0; i < n; i++)
            d[i] += ((const uint8_t *)s->counts)[i];
        break;
    case 2:
        for (uint32_t i = 0; i < n; i++)
            d[i] += ((const uint16_t *)s->counts)[i];
        break;
    case 4:
        for (uint32_t i = 0; i < n; i++)
            d[i] += ((const uint32_t *)s->counts)[i];
        break;
    case 8:
        for (uint32_t i = 0; i < n; i++)
            d[i] += ((const uint64_t *)s->counts)[i];
        break;
    default: /* width 0: an empty store */
        break;
    }
}
