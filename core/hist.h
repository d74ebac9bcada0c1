/* hist.h — value buckets: a mergeable log-scale histogram with 1 % relative accuracy.
 * DDSketch-style: bin i of the positive store holds values in (b(i-1), b(i)] where b is a
 * fast approximation of gamma^i (gamma = (1+a)/(1-a)) with every bin spanning a ratio < gamma;
 * the negative store mirrors it for -v, zero (and |v| below HIST_MIN_ABS) has its own counter.
 * Counts live in a dense window of bins whose cell width (1, 2, 4 or 8 bytes) grows only when a
 * count needs it, so a histogram with few events per bin stays small. */
#ifndef WR_HIST_H
#define WR_HIST_H

#include <stddef.h>
#include <stdint.h>

#define HIST_ALPHA 0.01            /* guaranteed relative error of every quantile */
#define HIST_DEFAULT_MAX_BINS 4096 /* per sign, spans a 1e35 range; past it the lowest collapse */
#define HIST_MIN_ABS 1e-9          /* |v| below this counts as zero */

/* One sign's bins: counts[i] is the count of bin (offset + i). width is the cell size in
 * bytes (0 while empty, then 1, 2, 4 or 8); len is the number of cells in the window. len fits
 * 24 bits: a window never spans more than the index range of finite values (under 40,000
 * bins) plus its slack, and packing it with width keeps the store at 16 bytes (a time slot
 * holds two). */
struct hist_store {
    void *counts;
    int32_t offset;
    uint32_t len : 24;
    uint32_t width : 8;
};

struct hist {
    struct hist_store pos;
    struct hist_store neg;
    uint64_t zero_count;
    uint64_t count;          /* all values, zero and both signs */
    uint32_t max_bins;       /* per store */
    uint32_t collapsed_bins; /* bins or values folded into a store's lowest kept bin since
                                init or clear, saturating (0: every bin is exact) */
};

/* Initialises an empty histogram that owns no memory yet (max_bins: HIST_DEFAULT_MAX_BINS;
 * hist_init_bounded treats 0 as 1). A zero-filled struct hist is NOT valid; call one of them. */
void hist_init(struct hist *h);
void hist_init_bounded(struct hist *h, uint32_t max_bins);

/* Makes h a read-only histogram of the one value v (finite), whose single count cell is *cell
 * (caller storage, which must outlive h): the same bins hist_add(v) on an empty histogram
 * gives. Never free or add to it; read it as any histogram (merge it, accumulate its stores).
 * For time slots that keep one value exactly instead of a histogram. */
void hist_view_one(struct hist *h, double v, uint8_t *cell);

/* Releases the bins; the histogram is empty and usable again afterwards. */
void hist_clear(struct hist *h);

/* Empties the histogram but keeps its storage: the bin window, cell width and memory stay, the
 * counts become zero. For recycled slots, whose next values fall in about the same bins. */
void hist_reset(struct hist *h);

/* Adds one (or n) occurrences of v. Returns 0, or -1 when v is NaN or infinite (nothing added).
 * When a store would exceed max_bins the lowest bins of that store collapse into one and
 * collapsed_bins grows: quantiles that land in the collapsed bin lose their error guarantee.
 * "Lowest" is in |v| for both stores: the bins nearest zero collapse, the tails stay exact.
 * Counts saturate at UINT64_MAX. */
int hist_add(struct hist *h, double v);
int hist_add_n(struct hist *h, double v, uint64_t n);

/* dst += src, exactly (same counts as adding src's values to dst). src is unchanged. */
void hist_merge(struct hist *dst, const struct hist *src);

/* Copies src into dst, which must be initialised; dst's previous content is released. */
void hist_copy(struct hist *dst, const struct hist *src);

/* Shrinks each store's window to its non-empty bins and its cells to the narrowest width that
 * fits, dropping the slack kept for growth. Counts are unchanged; call it on a histogram that
 * will receive few or no more values (a closed time slot). */
void hist_compact(struct hist *h);

static inline uint64_t hist_count(const struct hist *h)
{
    return h->count;
}

/* The nearest rank of quantile q among count values (1-based, ascending order): ceil(q * count),
 * as HdrHistogram and most monitoring tools define it, computed exactly for every count (no
 * rounding past 2^53). q is taken as the shortest decimal that reads back as it (0.9 is 9/10,
 * so p90 of ten values is the 9th), or as its exact binary value when it has no such decimal
 * of up to 15 places. q <= 0 gives 1 (the minimum), q >= 1 gives count (the maximum). Returns
 * 0 when count is 0 or q is NaN. */
uint64_t hist_rank(double q, uint64_t count);

/* The value at rank hist_rank(q, count), within HIST_ALPHA relative error (values counted as
 * zero read back as 0). q outside [0, 1] is clamped. Returns NAN for an empty histogram or a
 * NaN q. The histogram does not know the exact extremes of its values: a quantile shown to a
 * user goes through hist_quantile_clamp with them. */
double hist_quantile(const struct hist *h, double q);

/* A quantile v read off the bins, made exact where the data's own extremes allow: rank 1 (q <= 1
 * / count) is min, rank count is max, and anything else is clamped into [min, max], where the
 * true quantile lies. count is the number of values; v NaN or count 0 give v unchanged. */
double hist_quantile_clamp(double v, double q, uint64_t count, double min, double max);

/* Several quantiles, out[i] = hist_quantile(h, qs[i]): one pass when qs is ascending (other
 * orders are still answered correctly, with extra passes). */
void hist_quantiles(const struct hist *h, const double *qs, double *out, size_t n);

/* Number of non-empty bins (zero counter included), and heap bytes owned (the count cells;
 * not the struct itself nor the allocator's per-block overhead). */
size_t hist_bin_count(const struct hist *h);
size_t hist_memory_bytes(const struct hist *h);

/* The byte encoding (hist_codec_encode, hist_codec_decode) is in core/hist_codec.h. */

/* For summing many histograms fast (window and alert-group merges): widens [*lo, *hi] to take
 * in the store's bin window (an empty store changes nothing), and adds the store's counts into
 * cells, where cells[0] counts bin index lo and cells covers the store's window. */
void hist_store_extent(const struct hist_store *s, int64_t *lo, int64_t *hi);
void hist_store_accumulate(const struct hist_store *s, uint64_t *cells, int64_t lo);

/* The reverse of hist_store_accumulate: subtracts the store's counts from cells (which must
 * cover its window). Returns -1, cells unchanged, when some cell holds less than the store's
 * count for it. */
int hist_store_subtract(const struct hist_store *s, uint64_t *cells, int64_t lo);

/* The representative value of bin index i of the positive store (for drawing). */
double hist_bin_value(int32_t index);

/* Calls fn for every non-empty bin in ascending value order: lower and upper bounds of the
 * bin's value range and its count (zero bin: lo = hi = 0). For drawing the distribution. */
typedef void (*hist_bin_fn)(double lo, double hi, uint64_t count, void *privdata);
void hist_foreach_bin(const struct hist *h, hist_bin_fn fn, void *privdata);

#endif
