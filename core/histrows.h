/* histrows.h — a value histogram's bins grouped into a fixed number of screen rows, with
 * percentile markers: what the detail view draws as horizontal bars. Positive-only data is
 * grouped on a log scale with equal-ratio rows (empty rows kept, so gaps stay visible); data with
 * zeros or negative values in consecutive runs of bins. */
#ifndef WR_HISTROWS_H
#define WR_HISTROWS_H

#include <stddef.h>
#include <stdint.h>

struct histrows_bin {
    double lo, hi; /* value range, lo <= hi; bins ascending and not overlapping */
    uint64_t count;
};

struct histrows_row {
    double lo, hi;    /* value range the row stands for */
    uint64_t count;   /* sum of its bins */
    unsigned markers; /* bit i set: marker i of histrows_mark falls in this row */
};

/* Groups n bins into at most max_rows rows, written to out (room for max_rows), and returns
 * the number of rows. n <= max_rows: one row per bin. Else, when every bin has lo > 0: max_rows
 * rows of equal ratio between the first lo and the last hi, each bin counted in the row holding
 * its geometric middle. Otherwise: runs of ceil(n / max_rows) consecutive bins. The sum of the
 * row counts always equals the sum of the bin counts. 0 when n or max_rows is 0. */
size_t histrows_group(const struct histrows_bin *bins, size_t n, size_t max_rows,
                      struct histrows_row *out);

/* Clears every row's markers, then for each marks[i] (i < 32; NAN skipped) sets bit i in the
 * row whose range holds it, or the nearest row when none does. */
void histrows_mark(struct histrows_row *rows, size_t n, const double *marks, size_t nmarks);

/* The largest row count (0 for none), for scaling bars. */
uint64_t histrows_max_count(const struct histrows_row *rows, size_t n);

#endif
