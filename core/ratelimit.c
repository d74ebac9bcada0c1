/* ratelimit.c — the cell rate limiter (contract in ratelimit.h). */
#include "core/ratelimit.h"

void ratelimit_init(struct ratelimit *r, unsigned burst, unsigned interval_ms)
{
    r->burst = burst ? burst : 1;
    r->interval_ms = interval_ms;
    r->tat_ms = INT64_MIN;
}

int64_t ratelimit_take(struct ratelimit *r, int64_t now_ms)
{
    if (r->interval_ms == 0)
        return 0;
    int64_t tat = r->tat_ms > now_ms ? r->tat_ms : now_ms;
    int64_t allowed = now_ms + (int64_t)(r->burst - 1) * r->interval_ms;
    if (tat > allowed)
        return tat - allowed;
    r->tat_ms = tat + r->interval_ms;
    return 0;
}
