/* spark.h — glyphs for small graphs: sparklines (8 levels per cell), horizontal bars in eighths
 * of a cell, and multi-row time charts in braille (2 samples x 4 dots per cell), block
 * characters (1 sample x 8 levels) or plain ASCII. Pure: values in, UTF-8 text out. */
#ifndef WR_SPARK_H
#define WR_SPARK_H

#include <stddef.h>
#include <stdint.h>

enum spark_style {
    SPARK_UNICODE, /* ▁▂▃▄▅▆▇█ sparklines, ▏▎▍▌▋▊▉█ bars */
    SPARK_ASCII,   /* _.-:=+*# sparklines, # and + bars */
};

enum spark_chart {
    SPARK_CHART_BRAILLE, /* 2 samples per cell, 4 levels per row */
    SPARK_CHART_BLOCK,   /* 1 sample per cell, 8 levels per row */
    SPARK_CHART_ASCII,   /* 1 sample per cell: ' ' . : # by eighths of a row */
};

/* Level of v on [lo, hi] among nlevels (>= 1): 0 at or below lo, nlevels - 1 at or above hi,
 * linear and rounded between. -1 for NAN. When hi <= lo: nlevels - 1 if v > lo, else 0. */
int spark_level(double v, double lo, double hi, int nlevels);

/* A sparkline, one cell per value, NAN as a blank. Writes n cells of UTF-8 (ASCII for
 * SPARK_ASCII) to buf, NUL-terminated; cap >= 3 * n + 1 never truncates (cells that do not fit
 * are dropped whole). Returns the bytes written. */
size_t spark_line(const double *v, size_t n, double lo, double hi, enum spark_style style,
                  char *buf, size_t cap);

/* A bar frac (clamped to [0, 1]) of width cells long, in eighths of a cell, padded with blanks
 * to exactly width cells. A positive frac shows at least one eighth, so a non-empty bucket is
 * never invisible. Returns the bytes written (cap >= 3 * width + 1 never truncates). */
size_t spark_bar(double frac, int width, enum spark_style style, char *buf, size_t cap);

/* Samples a chart of ncols cells holds in one row: 2 * ncols for braille, else ncols. */
size_t spark_chart_capacity(int ncols, enum spark_chart style);

/* Row `row` (0 = top) of an area chart nrows high and ncols wide of the samples v[0..n-1] on the
 * scale [lo, hi]: the last spark_chart_capacity() samples, right-aligned (the newest at the right
 * edge, blank cells on the left when there are fewer). Each sample fills from the bottom up to
 * its height; NAN draws nothing; a value above lo shows at least one dot. Writes exactly ncols
 * cells, NUL-terminated; cap >= 3 * ncols + 1 never truncates. Returns the bytes written. */
size_t spark_chart_row(const double *v, size_t n, double lo, double hi, int row, int nrows,
                       int ncols, enum spark_chart style, char *buf, size_t cap);

/* A round bucket length in seconds (1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, then
 * multiples of 900) so that span_s seconds fit in at most cells buckets. cells 0 counts as 1. */
uint32_t spark_bucket_s(uint32_t span_s, size_t cells);

/* spark_bucket_s for a series whose recent fine_s seconds have 1-second slots and older ones
 * coarse_s-second slots: when span_s reaches past fine_s, the bucket is rounded up to a
 * multiple of coarse_s, so every bucket holds whole coarse slots and the chart has no comb. */
uint32_t spark_bucket_for(uint32_t span_s, size_t cells, uint32_t fine_s, uint32_t coarse_s);

#endif
