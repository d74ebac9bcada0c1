/* ratelimit.h — a generic cell rate limiter (GCRA): up to burst events at once, then one per
 * interval. Pure: time comes in as now_ms. */
#ifndef WR_RATELIMIT_H
#define WR_RATELIMIT_H

#include <stdint.h>

/* A generic cell rate limiter: up to burst messages at once, then one per interval_ms. */
struct ratelimit {
    unsigned burst;
    unsigned interval_ms; /* 0: unlimited */
    int64_t tat_ms;       /* theoretical arrival time of the next message */
};

void ratelimit_init(struct ratelimit *r, unsigned burst, unsigned interval_ms);

/* Returns 0 and counts one message when one may be sent at now_ms; otherwise returns the
 * milliseconds until one may (> 0) and counts nothing. */
int64_t ratelimit_take(struct ratelimit *r, int64_t now_ms);

#endif
