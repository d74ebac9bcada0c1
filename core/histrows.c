/* histrows.c — grouping histogram bins into display rows. */
#include "core/histrows.h"

#include <math.h>
#include <stdbool.h>

size_t histrows_group(const struct histrows_bin *bins, size_t n, size_t max_rows,
                      struct histrows_row *out)
{
    if (n == 0 || max_rows == 0)
        return 0;
    if (n <= max_rows) {
        for (size_t i = 0; i < n; i++)
            out[i] = (struct histrows_row){bins[i].lo, bins[i].hi, bins[i].count, 0};
        return n;
    }
    bool positive = true;
    for (size_t i = 0; i < n && positive; i++)
        positive = bins[i].lo > 0;
    double llo = positive ? log(bins[0].lo) : 0, lhi = positive ? log(bins[n - 1].hi) : 0;
    if (positive && lhi > llo) {
        double step = (lhi - llo) / (double)max_rows;
        for (size_t r = 0; r < max_rows; r++) {
            out[r].lo = exp(llo + step * (double)r);
            out[r].hi = r + 1 == max_rows ? bins[n - 1].hi : exp(llo + step * (double)(r + 1));
            out[r].count = 0;
            out[r].markers = 0;
        }
        out[0].lo = bins[0].lo;
        for (size_t i = 0; i < n; i++) {
            double mid = 0.5 * (log(bins[i].lo) + log(bins[i].hi));
            double k = floor((mid - llo) / step);
            size_t r = k < 0 ? 0 : k >= (double)max_rows ? max_rows - 1 : (size_t)k;
            out[r].count += bins[i].count;
        }
        return max_rows;
    }
    size_t per = (n + max_rows - 1) / max_rows, rows = 0;
    for (size_t i = 0; i < n; i += per) {
        size_t end = i + per < n ? i + per : n;
        struct histrows_row r = {bins[i].lo, bins[end - 1].hi, 0, 0};
        for (size_t j = i; j < end; j++)
            r.count += bins[j].count;
        out[rows++] = r;
    }
    return rows;
}

void histrows_mark(struct histrows_row *rows, size_t n, const double *marks, size_t nmarks)
{
    for (size_t r = 0; r < n; r++)
        rows[r].markers = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < nmarks && i < 32; i++) {
        double m = marks[i];
        if (isnan(m))
            continue;
        size_t best = 0;
        double best_d = INFINITY;
        for (size_t r = 0; r < n; r++) {
            double d = m < rows[r].lo ? rows[r].lo - m : m > rows[r].hi ? m - rows[r].hi : 0;
            if (d < best_d) { /* strict: the lower row wins a shared edge */
                best_d = d;
                best = r;
            }
        }
        rows[best].markers |= 1u << i;
    }
}

uint64_t histrows_max_count(const struct histrows_row *rows, size_t n)
{
    uint64_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].count > m)
            m = rows[i].count;
    return m;
}
