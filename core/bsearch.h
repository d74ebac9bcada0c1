/* bsearch.h — one binary search for every sorted sequence in core/, addressed by index so plain
 * arrays, arrays of pointers and rings share it (libc bsearch finds only exact matches). Pure. */
#ifndef WR_BSEARCH_H
#define WR_BSEARCH_H

#include <stdbool.h>
#include <stddef.h>

/* Compares element i of the sequence with the key the caller keeps in ctx: <0 when the element
 * sorts below the key, 0 when equal, >0 when above. */
typedef int bsearch_cmp_fn(const void *ctx, size_t i);

/* Returns the first index in [0, n) whose element is not below the key (n when none): where
 * the key is, or would be inserted. *found (if not NULL) says whether the element there equals
 * the key. cmp is never called with an index >= n. */
size_t bsearch_lower(size_t n, bsearch_cmp_fn *cmp, const void *ctx, bool *found);

/* Returns the first index in [0, n) whose element is above the key (n when none). */
size_t bsearch_upper(size_t n, bsearch_cmp_fn *cmp, const void *ctx);

#endif
