/* summary.h — mergeable scalar statistics of a set of values: count, sum, min, max,
 * mean and variance (Welford's update, Chan's parallel merge), first and last by event time.
 * merge(a, b) equals the summary of a's values followed by b's. */
#ifndef WR_SUMMARY_H
#define WR_SUMMARY_H

#include <stdint.h>

struct summary {
    uint64_t count;
    double sum;
    double min, max;
    double mean, m2; /* running mean and sum of squared deviations */
    double first, last;
    int64_t first_ts_ms, last_ts_ms;
};

void summary_init(struct summary *s);

/* Adds v observed at ts_ms. first is the value with the smallest ts (the earlier add wins a
 * tie); last is the value with the largest ts (the later add wins a tie). v must be finite. */
void summary_add(struct summary *s, double v, int64_t ts_ms);

/* dst becomes the summary of dst's values followed by src's. */
void summary_merge(struct summary *dst, const struct summary *src);

/* NAN when the summary is empty. Variance and stddev are the population ones (divide by n). */
double summary_mean(const struct summary *s);
double summary_variance(const struct summary *s);
double summary_stddev(const struct summary *s);

#endif
