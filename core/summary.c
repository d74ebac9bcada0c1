/* summary.c — count/sum/min/max/mean/variance/first/last, numerically stable and mergeable. */
#include "core/summary.h"

#include <math.h>

void summary_init(struct summary *s)
{
    *s = (struct summary){
        .min = INFINITY, .max = -INFINITY, .first = NAN, .last = NAN,
        .first_ts_ms = INT64_MAX, .last_ts_ms = INT64_MIN,
    };
}

void summary_add(struct summary *s, double v, int64_t ts_ms)
{
    s->count++;
    s->sum += v;
    if (v < s->min)
        s->min = v;
    if (v > s->max)
        s->max = v;
    double delta = v - s->mean;
    s->mean += delta / (double)s->count;
    s->m2 += delta * (v - s->mean);
    if (ts_ms < s->first_ts_ms || s->count == 1) { /* count: ts_ms may be INT64_MAX */
        s->first = v;
        s->first_ts_ms = ts_ms;
    }
    if (ts_ms >= s->last_ts_ms) {
        s->last = v;
        s->last_ts_ms = ts_ms;
    }
}

void summary_merge(struct summary *dst, const struct summary *src)
{
    if (src->count == 0)
        return;
    if (dst->count == 0) {
        *dst = *src;
        return;
    }
    double na = (double)dst->count, nb = (double)src->count, n = na + nb;
    double delta = src->mean - dst->mean;
    /* Chan et al.: combine means and squared deviations without cancellation. */
    dst->mean += delta * (nb / n);
    dst->m2 += src->m2 + delta * delta * (na * nb / n);
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    if (src->first_ts_ms < dst->first_ts_ms) {
        dst->first = src->first;
        dst->first_ts_ms = src->first_ts_ms;
    }
    if (src->last_ts_ms >= dst->last_ts_ms) {
        dst->last = src->last;
        dst->last_ts_ms = src->last_ts_ms;
    }
}

double summary_mean(const struct summary *s)
{
    return s->count ? s->mean : NAN;
}

double summary_variance(const struct summary *s)
{
    if (s->count == 0)
        return NAN;
    double var = s->m2 / (double)s->count;
    return var > 0 ? var : 0;
}

double summary_stddev(const struct summary *s)
{
    return sqrt(summary_variance(s));
}
