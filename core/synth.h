/* synth.h — deterministic synthetic metric data: a seeded PRNG, the distributions real metrics
 * follow (lognormal latencies, Pareto tails, noisy gauges, counters) and a catalogue of demo
 * series. Used by the benchmarks, the demo and `warroom gen`; no clock, no I/O. */
#ifndef WR_SYNTH_H
#define WR_SYNTH_H

#include <stddef.h>
#include <stdint.h>

struct synth_rng {
    uint64_t s[4]; /* xoshiro256** state */
};

void synth_seed(struct synth_rng *r, uint64_t seed);
uint64_t synth_next(struct synth_rng *r);
double synth_uniform(struct synth_rng *r);                 /* [0, 1) */
double synth_normal(struct synth_rng *r);                  /* mean 0, stddev 1 */
double synth_lognormal(struct synth_rng *r, double mu, double sigma);
double synth_pareto(struct synth_rng *r, double xm, double shape);
uint32_t synth_below(struct synth_rng *r, uint32_t n);     /* uniform in [0, n) */

enum synth_shape {
    SYNTH_LATENCY, /* lognormal, in ms */
    SYNTH_COUNTER, /* events of value 1 */
    SYNTH_GAUGE,   /* a percentage: slow daily-like drift plus noise, within [0, 100] */
    SYNTH_BYTES,   /* Pareto-tailed sizes */
};

struct synth_series {
    char key[192];    /* canonical series key */
    char metric[64];
    char labels[96];  /* "k=v,k=v" as in the stream field form */
    enum synth_shape shape;
    double base;      /* scale of the shape: median latency, gauge level, ... */
};

/* Fills the i-th series of the demo catalogue (deterministic for a given i). */
void synth_series_describe(uint32_t i, struct synth_series *out);

/* One value for the series at event time ts_ms. anomaly_factor multiplies the value (1: none). */
double synth_series_value(const struct synth_series *s, struct synth_rng *r, int64_t ts_ms,
                          double anomaly_factor);

#endif
