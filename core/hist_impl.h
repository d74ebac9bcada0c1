/* hist_impl.h — the histogram's private cell helpers, shared by core/hist.c and
 * core/hist_codec.c. Not for use outside those files. */
#ifndef WR_HIST_IMPL_H
#define WR_HIST_IMPL_H

#include <stdint.h>

#include "core/hist.h"

/* The index range any finite value can map to (hist.c). */
int32_t hist_index_min(void);
int32_t hist_index_max(void);

static inline uint8_t width_for(uint64_t c)
{
    return c <= UINT8_MAX ? 1 : c <= UINT16_MAX ? 2 : c <= UINT32_MAX ? 4 : 8;
}

static inline uint64_t cell_get(const struct hist_store *s, uint32_t i)
{
    switch (s->width) {
    case 1:
        return ((const uint8_t *)s->counts)[i];
    case 2:
        return ((const uint16_t *)s->counts)[i];
    case 4:
        return ((const uint32_t *)s->counts)[i];
    default:
        return ((const uint64_t *)s->counts)[i];
    }
}

/* c must fit the store's width. */
static inline void cell_set(struct hist_store *s, uint32_t i, uint64_t c)
{
    switch (s->width) {
    case 1:
        ((uint8_t *)s->counts)[i] = (uint8_t)c;
        break;
    case 2:
        ((uint16_t *)s->counts)[i] = (uint16_t)c;
        break;
    case 4:
        ((uint32_t *)s->counts)[i] = (uint32_t)c;
        break;
    default:
        ((uint64_t *)s->counts)[i] = c;
        break;
    }
}

/* The first and last non-empty cells of s; returns 0 when the store is empty. */
static inline int store_extent(const struct hist_store *s, uint32_t *first, uint32_t *last)
{
    uint32_t a = 0, b = s->len;
    while (a < b && cell_get(s, a) == 0)
        a++;
    if (a == b)
        return 0;
    while (cell_get(s, b - 1) == 0)
        b--;
    *first = a;
    *last = b - 1;
    return 1;
}

#endif
