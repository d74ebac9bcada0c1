/* spark.c — sparkline, bar and chart glyph selection. */
#include "core/spark.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* U+2581..U+2588: lower one eighth block .. full block */
static const char *const spark_blocks[8] = {
    "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
    "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
};
static const char spark_ascii[8] = {'_', '.', '-', ':', '=', '+', '*', '#'};

/* U+258F..U+2589: left one eighth .. left seven eighths block (index = eighths) */
static const char *const bar_eighths[8] = {
    "",
    "\xe2\x96\x8f",
    "\xe2\x96\x8e",
    "\xe2\x96\x8d",
    "\xe2\x96\x8c",
    "\xe2\x96\x8b",
    "\xe2\x96\x8a",
    "\xe2\x96\x89",
};
#define FULL_BLOCK "\xe2\x96\x88"

struct out {
    char *buf;
    size_t cap, len;
    int full; /* something did not fit: write nothing more, so no cell is skipped */
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->full || o->cap == 0 || o->len + n + 1 > o->cap) {
        o->full = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_cp(struct out *o, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    }
    put(o, b, n);
}

static struct out out_init(char *buf, size_t cap)
{
    if (cap > 0)
        buf[0] = '\0';
    return (struct out){buf, cap, 0, 0};
}

int spark_level(double v, double lo, double hi, int nlevels)
{
    if (isnan(v))
        return -1;
    if (nlevels <= 1)
        return 0;
    if (!(hi > lo))
        return v > lo ? nlevels - 1 : 0;
    double f = (v - lo) / (hi - lo);
    if (f <= 0)
        return 0;
    if (f >= 1)
        return nlevels - 1;
    return (int)lround(f * (nlevels - 1));
}

size_t spark_line(const double *v, size_t n, double lo, double hi, enum spark_style style,
                  char *buf, size_t cap)
{
    struct out o = out_init(buf, cap);
    for (size_t i = 0; i < n; i++) {
        int l = spark_level(v[i], lo, hi, 8);
        if (l < 0)
            put(&o, " ", 1);
        else if (style == SPARK_ASCII)
            put(&o, &spark_ascii[l], 1);
        else
            puts_(&o, spark_blocks[l]);
    }
    return o.len;
}

size_t spark_bar(double frac, int width, enum spark_style style, char *buf, size_t cap)
{
    struct out o = out_init(buf, cap);
    if (width <= 0)
        return 0;
    if (isnan(frac) || frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    long eighths = lround(frac * width * 8);
    if (frac > 0 && eighths == 0)
        eighths = 1;
    int full = (int)(eighths / 8), part = (int)(eighths % 8), cells = 0;
    for (int i = 0; i < full; i++, cells++)
        puts_(&o, style == SPARK_ASCII ? "#" : FULL_BLOCK);
    if (part > 0) {
        if (style == SPARK_ASCII)
            put(&o, part >= 4 ? "+" : "-", 1);
        else
            puts_(&o, bar_eighths[part]);
        cells++;
    }
    for (; cells < width; cells++)
        put(&o, " ", 1);
    return o.len;
}

size_t spark_chart_capacity(int ncols, enum spark_chart style)
{
    if (ncols <= 0)
        return 0;
    return style == SPARK_CHART_BRAILLE ? 2 * (size_t)ncols : (size_t)ncols;
}

/* Height of a sample in sub-cell units (0 .. total). */
static int sample_height(double v, double lo, double hi, int total)
{
    if (isnan(v))
        return 0;
    if (!(hi > lo))
        return v > lo ? total : 0;
    double f = (v - lo) / (hi - lo);
    if (f < 0)
        f = 0;
    if (f > 1)
        f = 1;
    int h = (int)lround(f * total);
    if (h == 0 && v > lo)
        h = 1;
    return h;
}

/* Fill of a sample inside row `row`, in units (0 .. units). */
static int row_fill(int h, int row, int nrows, int units)
{
    int base = (nrows - 1 - row) * units;
    int f = h - base;
    return f < 0 ? 0 : f > units ? units : f;
}

size_t spark_chart_row(const double *v, size_t n, double lo, double hi, int row, int nrows,
                       int ncols, enum spark_chart style, char *buf, size_t cap)
{
    /* braille dots from the bottom up: left column 7 3 2 1, right column 8 6 5 4 */
    static const uint8_t left_dots[4] = {0x40, 0x04, 0x02, 0x01};
    static const uint8_t right_dots[4] = {0x80, 0x20, 0x10, 0x08};
    static const char ascii_fill[9] = {' ', '.', '.', '.', ':', ':', ':', ':', '#'};
    struct out o = out_init(buf, cap);
    if (ncols <= 0 || nrows <= 0 || row < 0 || row >= nrows)
        return 0;
    size_t capacity = spark_chart_capacity(ncols, style);
    int units = style == SPARK_CHART_BRAILLE ? 4 : 8, total = units * nrows;
    /* position p (0 .. capacity-1) shows sample first + p - offset when that is in range */
    size_t first = n > capacity ? n - capacity : 0;
    size_t offset = n < capacity ? capacity - n : 0;
    for (int c = 0; c < ncols; c++) {
        int per = style == SPARK_CHART_BRAILLE ? 2 : 1, fill[2] = {0, 0};
        for (int k = 0; k < per; k++) {
            size_t p = (size_t)c * (size_t)per + (size_t)k;
            if (p < offset)
                continue;
            int h = sample_height(v[first + p - offset], lo, hi, total);
            fill[k] = row_fill(h, row, nrows, units);
        }
        if (style == SPARK_CHART_BRAILLE) {
            unsigned bits = 0;
            for (int d = 0; d < fill[0]; d++)
                bits |= left_dots[d];
            for (int d = 0; d < fill[1]; d++)
                bits |= right_dots[d];
            if (bits == 0)
                put(&o, " ", 1); /* a blank braille cell looks empty but copies badly */
            else
                put_cp(&o, 0x2800u + bits);
        } else if (style == SPARK_CHART_BLOCK) {
            if (fill[0] == 0)
                put(&o, " ", 1);
            else
                puts_(&o, spark_blocks[fill[0] - 1]);
        } else {
            put(&o, &ascii_fill[fill[0]], 1);
        }
    }
    return o.len;
}

uint32_t spark_bucket_s(uint32_t span_s, size_t cells)
{
    static const uint32_t nice[] = {1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900};
    if (cells == 0)
        cells = 1;
    for (size_t i = 0; i < sizeof(nice) / sizeof(nice[0]); i++)
        if ((uint64_t)nice[i] * cells >= span_s)
            return nice[i];
    uint64_t b = ((uint64_t)span_s + cells - 1) / cells;
    return (uint32_t)((b + 899) / 900 * 900);
}

uint32_t spark_bucket_for(uint32_t span_s, size_t cells, uint32_t fine_s, uint32_t coarse_s)
{
    uint32_t b = spark_bucket_s(span_s, cells);
    if (span_s > fine_s && coarse_s > 1 && b % coarse_s != 0)
        b = (b / coarse_s + 1) * coarse_s;
    return b;
}
