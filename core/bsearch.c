/* bsearch.c — lower and upper bound over an index-addressed sorted sequence (contract in
 * bsearch.h). */
#include "core/bsearch.h"

size_t bsearch_lower(size_t n, bsearch_cmp_fn *cmp, const void *ctx, bool *found)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(ctx, mid) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (found)
        *found = lo < n && cmp(ctx, lo) == 0;
    return lo;
}

size_t bsearch_upper(size_t n, bsearch_cmp_fn *cmp, const void *ctx)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp(ctx, mid) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
