/* synth.c — seeded PRNG, distributions and the demo series catalogue. */
#include "core/synth.h"

#include <math.h>
#include <stdio.h>

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void synth_seed(struct synth_rng *r, uint64_t seed)
{
    /* splitmix64 expands the seed so that nearby seeds give unrelated streams */
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        r->s[i] = z ^ (z >> 31);
    }
}

uint64_t synth_next(struct synth_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double synth_uniform(struct synth_rng *r)
{
    return (double)(synth_next(r) >> 11) * 0x1.0p-53;
}

uint32_t synth_below(struct synth_rng *r, uint32_t n)
{
    return (uint32_t)(((synth_next(r) >> 32) * (uint64_t)n) >> 32);
}

double synth_normal(struct synth_rng *r)
{
    /* Box-Muller; 1 - u keeps the log argument in (0, 1] */
    double u = 1.0 - synth_uniform(r), v = synth_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

double synth_lognormal(struct synth_rng *r, double mu, double sigma)
{
    return exp(mu + sigma * synth_normal(r));
}

double synth_pareto(struct synth_rng *r, double xm, double shape)
{
    return xm / pow(1.0 - synth_uniform(r), 1.0 / shape);
}

static const char *const services[] = {"api", "auth", "billing", "search", "checkout",
                                       "gateway", "profile", "orders"};
static const char *const regions[] = {"eu-west", "us-east", "ap-south", "us-west"};

void synth_series_describe(uint32_t i, struct synth_series *out)
{
    static const struct {
        const char *metric;
        enum synth_shape shape;
        double base;
    } kinds[] = {
        {"latency_ms", SYNTH_LATENCY, 40.0},
        {"requests", SYNTH_COUNTER, 1.0},
        {"cpu_pct", SYNTH_GAUGE, 45.0},
        {"resp_bytes", SYNTH_BYTES, 800.0},
    };
    uint32_t kind = i % 4, svc = (i / 4) % 8, region = (i / 32) % 4, shard = i / 128;
    out->shape = kinds[kind].shape;
    /* percentages stay percentages: CPU levels 30..72 %; other shapes scale per service */
    out->base = out->shape == SYNTH_GAUGE ? 30.0 + 6.0 * (double)svc
                                          : kinds[kind].base * (1.0 + 0.25 * (double)svc);
    snprintf(out->metric, sizeof(out->metric), "%s", kinds[kind].metric);
    if (shard == 0)
        snprintf(out->labels, sizeof(out->labels), "region=%s,service=%s", regions[region],
                 services[svc]);
    else
        snprintf(out->labels, sizeof(out->labels), "region=%s,service=%s,shard=%u",
                 regions[region], services[svc], shard);
    snprintf(out->key, sizeof(out->key), "%s{%s}", out->metric, out->labels);
}

double synth_series_value(const struct synth_series *s, struct synth_rng *r, int64_t ts_ms,
                          double anomaly_factor)
{
    double v;
    switch (s->shape) {
    case SYNTH_LATENCY:
        v = synth_lognormal(r, log(s->base), 0.5);
        break;
    case SYNTH_COUNTER:
        return 1.0;
    case SYNTH_GAUGE: {
        /* a day compressed into an hour, so the drift is visible in a demo */
        double phase = (double)(ts_ms % 3600000) / 3600000.0 * 2.0 * M_PI;
        v = s->base * (1.0 + 0.3 * sin(phase)) + synth_normal(r) * s->base * 0.05;
        v *= anomaly_factor;
        return v < 0 ? 0 : v > 100 ? 100 : v; /* a percentage */
    }
    case SYNTH_BYTES:
    default:
        v = synth_pareto(r, s->base, 1.8);
        break;
    }
    return v * anomaly_factor;
}
