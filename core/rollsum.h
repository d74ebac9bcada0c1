/* rollsum.h — placeholder with the lead's API (SPEC13.md) until branch h13core is merged. */
#ifndef WR_ROLLSUM_H
#define WR_ROLLSUM_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"
#include "core/summary.h"

struct rollsum {
    struct summary sum;
    struct hist hist;
    uint64_t late;
};

void rollsum_init(struct rollsum *r);
void rollsum_free(struct rollsum *r);
void rollsum_add(struct rollsum *r, double v, int64_t ts_ms);
void rollsum_merge(struct rollsum *dst, const struct rollsum *src);
size_t rollsum_encode(const struct rollsum *r, int64_t period_ms, uint8_t *buf, size_t cap);
int rollsum_decode(struct rollsum *r, int64_t period_ms, uint32_t period_len_ms, const uint8_t *buf,
                   size_t len, const char **why);

#endif
