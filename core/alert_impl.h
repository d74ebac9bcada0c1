/* alert_impl.h — the alert engine's private structures and the functions its files share:
 * core/alert.c (engine, instances, state machine, acks), core/alert_labels.c (label sets),
 * core/alert_silence.c (silences) and core/alert_eval.c (matching rules to series, evaluating
 * them; it calls the others, never the reverse). Not for use outside those files. */
#ifndef WR_ALERT_IMPL_H
#define WR_ALERT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/alert.h"
#include "core/event.h"
#include "core/hist.h"
#include "core/mem.h"
#include "core/window.h"

/* One potential instance: a matching series (no `by`), a label group (`by`), or the single
 * instance of absent(). */
struct alert_group {
    uint32_t series;             /* the series (no by) or the first member (by) */
    uint32_t nmembers;           /* by: members in the group */
    struct alert_instance *inst; /* NULL while inactive */
    char *key;                   /* by: the group's labels text */
    bool top_hint;               /* quantile by: the last answer was positive bin top_from +
                                    GROUP_TOP_MARGIN, reached from the top; top_to: the sum's
                                    highest bin then (core/alert_eval.c) */
    int64_t top_from, top_to;
};

/* A rule and what the engine keeps about it. */
struct alert_rule_rt {
    struct rule *rule;
    uint32_t seen; /* series table entries already matched against the selector */
    struct alert_group *groups;
    size_t ngroups, gcap;
    uint32_t *mseries, *mgroup; /* by and absent(): member series and their group */
    size_t nmembers, mcap;
    uint32_t *gfirst, *gorder; /* by: members of group g are gorder[gfirst[g] .. gfirst[g+1]) */
    size_t indexed;            /* members covered by gfirst/gorder */
    uint32_t *gmap;            /* by: open addressing over groups by key (index + 1, 0: free) */
    size_t gmap_cap;
    struct summary *acc; /* by, per evaluation: merged summary per group */
    size_t acc_cap;
};

/* A window's histogram as dense bin counts: cells[i] counts bin pos_lo + i for i < npos, and
 * cells[npos + i] counts bin neg_lo + i of the negative store (values -v). Storage is reused. */
struct alert_bins {
    uint64_t *cells;
    size_t cap;
    int64_t pos_lo, neg_lo;
    size_t npos, nneg;
    uint64_t zero, count;
};

/* hist_bin_value of bins asked before, direct-mapped by bin: quantile rules land on the same
 * few bins evaluation after evaluation, and a bin's value costs a Newton inversion. key: the
 * bin + 2^32 (0: empty). */
#define ALERT_BINVALS 1024
struct alert_binvals {
    int64_t key[ALERT_BINVALS];
    double v[ALERT_BINVALS];
};

/* A window's histogram as the sum of up to two dense bins, read without adding them up: the
 * kept closed seconds' and the open seconds' of an incremental window, or one merged from the
 * slots. A NULL part is empty. */
struct alert_binsum {
    const struct alert_bins *part[2];
};

/* A series' open seconds (b, hi] as read in one evaluation (core/alert_win.c), shared by its
 * incremental windows of every length: they all end with the same closed second b. Valid for
 * the evaluation epoch, series s holding events events (none added since), b and hi. */
struct alert_open {
    uint64_t epoch;
    const struct series *s;
    uint64_t events;
    int64_t b, hi;
    int status;    /* 0: read; -1: the open seconds cannot be followed (alert_win_read) */
    bool has_bins; /* bins hold the open seconds' histograms */
    struct summary sum;
    int64_t plo, phi, nlo, nhi; /* the bins' extents (empty: lo > hi) */
    struct alert_bins bins;
};

/* The last window computed for a series in this evaluation, shared by every rule that uses
 * the same window length on it (rules are evaluated window by window). */
struct alert_memo {
    uint64_t epoch; /* the evaluation it belongs to */
    uint32_t window_s;
    bool has_bins;
    bool full;      /* sum is the whole summary; else (incremental) sum, mean and m2 are NAN */
    bool has_sum;   /* sum is set */
    bool has_first; /* sum.first and first_ts_ms are (else NAN and INT64_MIN: not asked for) */
    struct summary sum;
    struct alert_binsum bins; /* valid when has_bins: own (below) or an incremental window's */
    struct alert_bins own;    /* a histogram merged from all the window's slots */
    struct alert_open open;   /* the series' open seconds, for its incremental windows */
};

/* The slots that can hold a window's min (or max) as older ones leave, oldest first: each one's
 * value beats every later slot's (ties go to the later slot). At most ALERT_WIN_EXT_KEEP, in a
 * ring; when one more comes the oldest is dropped, and until the window has left every slot up
 * to the last one dropped (lost) the list does not say the extreme. */
#define ALERT_WIN_EXT_KEEP 16
struct alert_ext {
    uint32_t head, n;
    int64_t lost; /* start of the last slot dropped for room (INT64_MIN: none) */
    struct {
        double v;   /* the slot's min (max) */
        int64_t at; /* its start */
    } e[ALERT_WIN_EXT_KEEP];
};

/* A series' incremental window of one length (core/alert_win.c): the aggregate of its closed
 * seconds [a, b], kept up to date evaluation after evaluation. Zero-initialised: not valid. */
struct alert_win {
    int64_t a, b;
    uint64_t late;       /* the series' late + restated counters when last updated: moved, they
                            rebuild (data landed in seconds the watermark had closed) */
    uint64_t behind;     /* the series' behind counter when last read */
    int64_t wm_b;        /* the last second the watermark had closed when last read */
    int64_t calm_from_s; /* head second since which behind has not moved (INT64_MIN: ever) */
    bool calm_known;     /* calm_from_s is set */
    uint64_t count;
    double min, max;
    int64_t min_s, max_s;    /* start of the latest slot holding min / max: it leaving re-reads */
    bool min_left, max_left; /* the slot holding min / max left in this update */
    double first, last;
    int64_t first_ts_ms, last_ts_ms;
    bool first_ok;               /* first is known (else read from the first slot) */
    bool valid, has_bins, dirty; /* dirty: an extreme left, min and max are read again */
    bool has_moments;            /* sum, k, s1, s2 kept */
    double sum[2];               /* the values' sum, as an unevaluated pair hi + lo */
    double k, s1[2], s2[2];      /* sums of (v - k) and (v - k)^2, pairs likewise */
    double s1_err, s2_err;       /* bounds on the rounding in the terms added to s1, s2 since
                                    they were last summed from the slots (shift_far) */
    int64_t resum_b;             /* b when the moments were last summed from the slots */
    struct alert_bins bins;      /* when has_bins */
    struct alert_ext lo, hi;     /* candidates for min / max once the slot holding it leaves */
};
enum { ALERT_WIN_BINS = 1, ALERT_WIN_MOMENTS = 2, ALERT_WIN_FIRST = 4 }; /* what a read asks */

/* The incremental windows of one window length, indexed like the series table, held in chunks
 * of ALERT_WINS_CHUNK allocated when one of theirs is first asked for (core/alert_wins.c). A
 * window never moves: its bins are read in place (struct alert_binsum) until the evaluation
 * ends. A chunk (53 KB) comes from the heap, whose fresh pages a helper thread faults in ahead
 * (app/heapwarm.c); one array of all the windows was a fresh mapping, and its first touches and
 * the copy when it grew took 2 MiB page faults of ~3.5 ms each inside evaluation slices. */
#define ALERT_WINS_CHUNK 64
struct alert_wins {
    uint32_t window_s;
    struct alert_win **chunk; /* chunk[i / ALERT_WINS_CHUNK]: NULL until one of its is asked for */
    size_t nchunks;
};

/* The window of series index i in ws if its chunk exists (valid or not), else NULL. */
static inline struct alert_win *alert_wins_at(const struct alert_wins *ws, uint32_t i)
{
    size_t c = i / ALERT_WINS_CHUNK;
    return c < ws->nchunks && ws->chunk[c] ? &ws->chunk[c][i % ALERT_WINS_CHUNK] : NULL;
}
#define ALERT_SLOTS_PER_UNIT 8 /* slots a window build reads for one unit of budget */
#define ALERT_WIN_LENGTHS 8    /* window lengths followed incrementally; others computed in full */
#define ALERT_WIN_CALM_S 60    /* in order this long: the seconds before the head count as closed */
#define ALERT_WIN_OPEN_MAX 64  /* open (not yet closed) seconds a followed window may have */
#define ALERT_WIN_BINS_SPAN (HIST_DEFAULT_MAX_BINS / 2) /* widest bins followed, per sign */

/* The evaluation in progress, from alert_eval_begin to alert_eval_end: where the next
 * alert_eval_step resumes. */
struct alert_run {
    bool active;
    bool matched;       /* the matching phase is over */
    int64_t now;        /* the evaluation time */
    uint32_t match_pos; /* next series to match */
    uint32_t match_end; /* the table's size at begin: series past it wait for the next run */
    bool advanced;      /* the kept windows have been brought up to date */
    uint32_t adv_pos;   /* next series whose kept windows to bring up to date */
    size_t pos;         /* next rule, as a position in the engine's order */
    int phase;          /* within that rule (alert_eval.c) */
    size_t cursor, sub; /* group or member index; member within a group; absent(): found */
    size_t debt;        /* slots read by window builds, not yet charged to a step's budget */
};

struct alert_engine {
    struct alert_config cfg;
    struct alert_run run;
    struct alert_rule_rt *rules;
    size_t nrules;
    size_t *order; /* evaluation order: by window, quantile rules first, so the memo hits */
    const struct series_table *tab;
    struct alert_memo **memo; /* per series index, in chunks of ALERT_WINS_CHUNK that never move
                                 (bins are read in place): alert_memo_at */
    size_t memo_chunks;       /* chunks allocated: memo[0 .. memo_chunks) */
    uint64_t epoch;
    int64_t last_eval_ms;
    bool evaluated;
    struct alert_instance **active; /* listed instances, unordered */
    size_t nactive, active_cap;
    const struct alert_instance **sorted;
    size_t sorted_cap;
    bool sorted_ok;
    struct alert_transition *tr;
    size_t ntr, tr_cap;
    struct silence **sil;
    size_t nsil;
    struct alert_binvals binvals; /* the quantiles' bin values */
    struct alert_bins group;      /* scratch: a group's merged window histogram */
    int64_t group_extent[4];      /* the bins its members cover: positive lo, hi, negative lo, hi */
    struct alert_wins wins[ALERT_WIN_LENGTHS];
    size_t nwins;
    struct alert_window_counts counts;
};

/* The memo of series index i: the caller made sure its chunk exists (alert_eval_begin does for
 * every series of the evaluation). */
static inline struct alert_memo *alert_memo_at(const struct alert_engine *e, uint32_t i)
{
    return &e->memo[i / ALERT_WINS_CHUNK][i % ALERT_WINS_CHUNK];
}

/* A label as a pair of borrowed strings, for building label sets. */
struct alert_kv {
    const char *name, *value;
};

#define GROW(ptr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) >= (cap)) {                                                                        \
            (cap) = (cap) ? 2 * (cap) : 8;                                                         \
            (ptr) = xrealloc((ptr), (cap) * sizeof *(ptr));                                        \
        }                                                                                          \
    } while (0)

/* A growing NUL-terminated string (zero-initialise; the caller frees p). */
struct alert_sbuf {
    char *p;
    size_t len, cap;
};

/* alert_labels.c: appends n bytes of s / the string s / the canonical text of n labels. */
void alert_labels_put(struct alert_sbuf *b, const char *s, size_t n);
void alert_labels_puts(struct alert_sbuf *b, const char *s);
void alert_labels_append(struct alert_sbuf *b, const struct alert_kv *kv, size_t n);

/* alert_labels.c: orders struct alert_kv by name (for qsort). */
int alert_labels_cmp(const void *a, const void *b);

/* alert_labels.c: the canonical text "k=v,k=v" of n labels sorted by name (core/event's
 * quoting; "" when n is 0), newly allocated. */
char *alert_labels_text(const struct alert_kv *kv, size_t n);

/* alert_labels.c: FNV-1a of a NUL-terminated string. */
uint64_t alert_labels_hash(const char *s);

/* alert_labels.c: the `by` labels of a series with a non-empty value, sorted; kv has room for
 * nby. Returns their number. */
size_t alert_labels_by(const struct rule_expr *x, const struct event *ev, struct alert_kv *kv);

/* alert.c: one evaluation of group g at now: cond is whether the expression holds, value its
 * value. Runs the state machine and records transitions. */
void alert_step(struct alert_engine *e, struct alert_rule_rt *rt, struct alert_group *g, bool cond,
                double value, int64_t now);

/* alert.c: forgets the transitions of the last evaluation. */
void alert_transitions_clear(struct alert_engine *e);

/* alert.c: forgets the rule's matches and drops its instances (no transitions). */
void alert_rule_reset(struct alert_engine *e, struct alert_rule_rt *rt);

/* alert_bins.c: bins covering positive bins [plo, phi] and negative [nlo, nhi] (an empty
 * range when hi < lo), all zero. */
void alert_bins_reserve(struct alert_bins *b, int64_t plo, int64_t phi, int64_t nlo, int64_t nhi);

/* alert_bins.c: widens [*lo, *hi] to take in len bins from offset (len 0: unchanged). */
void alert_extent_add(int64_t *lo, int64_t *hi, int64_t offset, size_t len);

/* alert_bins.c: b = the sum of the slot histograms of tl whose start second is in [lo_s, hi_s]. */
struct timeline;
void alert_bins_from_slots(struct alert_bins *b, const struct timeline *tl, int64_t lo_s,
                           int64_t hi_s);

/* alert_bins.c: dst += src / h; dst's range must already cover src's / h's (alert_bins_cover
 * widens it, keeping the counts). */
void alert_bins_add(struct alert_bins *dst, const struct alert_bins *src);
void alert_bins_add_hist(struct alert_bins *b, const struct hist *h);
void alert_bins_cover(struct alert_bins *b, const struct hist *h);

/* alert_bins.c: dst += src, widening dst as needed (a NULL src adds nothing). */
void alert_bins_merge(struct alert_bins *dst, const struct alert_bins *src);

/* alert_bins.c: b -= h. Returns -1, b unchanged, when b does
 * not hold h's counts. */
int alert_bins_sub_hist(struct alert_bins *b, const struct hist *h);

/* alert_bins.c: dst += src's positive bins from t up, and src's whole count (a NULL src adds
 * nothing); dst holds positive bins only, from t, and is widened upwards as needed. */
void alert_bins_merge_top(struct alert_bins *dst, const struct alert_bins *src, int64_t t);

/* alert_bins.c: the positive bin where the walk from the top that alert_bins_quantile takes
 * for q reaches its rank, or INT64_MIN when it walks from the bottom or goes past b's positive
 * bins. alert_bins_bin_quantile: that bin's value as alert_bins_quantile gives it. */
int64_t alert_bins_top_bin(const struct alert_bins *b, double q);
double alert_bins_bin_quantile(int64_t bin, double q, const struct summary *s,
                               struct alert_binvals *bv);

/* alert_bins.c: quantile q of the bins (nearest rank, as hist_quantile of the merged
 * histogram), clamped to the exact extremes of the same values (s: their summary). */
double alert_bins_quantile(const struct alert_bins *b, double q, const struct summary *s,
                           struct alert_binvals *bv);

/* alert_bins.c: the same of the sum of b's parts, read in place. */
double alert_binsum_quantile(const struct alert_binsum *b, double q, const struct summary *s,
                             struct alert_binvals *bv);

/* alert_win.c: the window of series s of window_s seconds ending with now_ms's second, from w
 * (brought up to date; wm_ms: the table's watermark). Fills out's count, min, max, first and
 * last exactly; with ALERT_WIN_MOMENTS in want its sum, mean and m2 (kept by adding and
 * subtracting slots: equal to the full merge within rounding, see docs/architecture.md), else
 * NAN; first only with ALERT_WIN_FIRST (else NAN, first_ts_ms INT64_MIN: when the slot
 * holding it left, reading it again costs a slot); with ALERT_WIN_BINS, bins (exact: the kept
 * bins and the open seconds', valid until w or open is read again). open: the
 * series' open seconds as read for another window length in evaluation epoch, reused when still
 * valid, else read and kept. Returns 0 (1 when the kept aggregate had to be read again from the
 * slots), or -1 when this window cannot be followed incrementally: the caller computes it from all
 * its slots. */
int alert_win_read(struct alert_win *w, const struct series *s, uint32_t window_s, int64_t now_ms,
                   int64_t wm_ms, unsigned want, struct summary *out, struct alert_binsum *bins,
                   struct alert_open *open, uint64_t epoch);

/* alert_win.c: brings w's kept closed seconds up to date for the window of series s of
 * window_s seconds ending with now_ms's second, as alert_win_read would (nothing when w holds
 * nothing yet or cannot be followed). Returns 1 when they were read again from the slots, -1
 * when they cannot be had (w is then invalid), else 0. */
int alert_win_advance(struct alert_win *w, const struct series *s, uint32_t window_s,
                      int64_t now_ms, int64_t wm_ms);

/* alert_win.c: reads series s's open seconds after w's closed ones, up to now_ms's second,
 * into open (with their bins when want_bins) as alert_win_read would, for the evaluation epoch
 * (nothing when w holds nothing). */
void alert_win_open(const struct alert_win *w, const struct series *s, int64_t now_ms,
                    bool want_bins, struct alert_open *open, uint64_t epoch);

/* alert_win.c: asks the processor to fetch what alert_win_advance(w, s, ...) will read, in
 * stages a series or so apart, each needing the previous one's data: 0 the series and w, 1 the
 * cells of the slots leaving and arriving, 2 those slots, 3 their histograms. A hint only. */
void alert_win_prefetch(const struct alert_win *w, const struct series *s, int stage);

/* alert_wins.c: the incremental window of this length for series index series (zeroed, not
 * valid, when new), or NULL when ALERT_WIN_LENGTHS other lengths are followed already. */
struct alert_win *alert_wins_get(struct alert_engine *e, uint32_t series, uint32_t window_s);

/* alert_wins.c: forgets every incremental window / those of lengths no rule uses any more. */
void alert_wins_free(struct alert_engine *e);
void alert_wins_prune(struct alert_engine *e);

/* alert_silence.c: drops the silences that ended at or before now. */
void alert_silence_expire(struct alert_engine *e, int64_t now);

#endif
