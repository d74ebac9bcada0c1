/* qrank.h — the nearest rank of quantile q among count values (pure integer arithmetic). */
#ifndef WR_QRANK_H
#define WR_QRANK_H

#include <stdint.h>

/* ceil(q * count), 1-based, exact for every count (no rounding past 2^53). q is taken as the
 * shortest decimal of up to 15 places that reads back as it (0.9 is 9/10), else as its exact
 * binary value. q <= 0 gives 1, q >= 1 gives count; 0 when count is 0 or q is NaN.
 * hist_rank (core/hist.h) is this function. */
uint64_t qrank_nearest(double q, uint64_t count);

#endif
