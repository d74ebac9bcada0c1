/* refmodel.h — the reference model test_timeline.c and test_window.c check core/ against: a
 * seeded PRNG, the brute-force store of every event with timeline.h's slot membership rule,
 * and a relative comparison. Static inline: each test binary takes what it uses. */
#ifndef WR_TEST_REFMODEL_H
#define WR_TEST_REFMODEL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>

#include "core/timeline.h"

static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline int64_t rng_below(uint64_t *s, int64_t n)
{
    return (int64_t)(rng_next(s) % (uint64_t)n);
}

static inline int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

struct ev {
    int64_t ts_ms;
    double v;
};

struct model {
    struct timeline_config cfg;
    struct ev *ev; /* stored events, in arrival order */
    size_t n, cap;
    int64_t head_ms;
};

static inline void model_init(struct model *m, const struct timeline_config *cfg)
{
    memset(m, 0, sizeof(*m));
    m->cfg = *cfg;
    m->head_ms = INT64_MIN;
}

static inline enum timeline_result model_add(struct model *m, double v, int64_t ts_ms)
{
    if (ts_ms > m->head_ms)
        m->head_ms = ts_ms;
    if (ts_ms < m->head_ms - (int64_t)m->cfg.retention_s * 1000)
        return TIMELINE_EXPIRED;
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 1024;
        m->ev = realloc(m->ev, m->cap * sizeof(*m->ev));
    }
    m->ev[m->n++] = (struct ev){ts_ms, v};
    return TIMELINE_ADDED;
}

/* The slot holding an event now (timeline.h's rule); returns 0 when it is no longer stored. */
static inline int model_slot(const struct model *m, int64_t ts_ms, int64_t *start_s,
                             uint32_t *len_s)
{
    int64_t h = fdiv(m->head_ms, 1000), s = fdiv(ts_ms, 1000), c = m->cfg.coarse_s;
    if (s > h - (int64_t)m->cfg.fine_slots) {
        *start_s = s;
        *len_s = 1;
        return 1;
    }
    *start_s = fdiv(s, c) * c;
    *len_s = m->cfg.coarse_s;
    return *start_s >= fdiv(h - (int64_t)m->cfg.retention_s, c) * c;
}

static inline void assert_close(double got, double want, double rel)
{
    double tol = rel * (fabs(want) > 1.0 ? fabs(want) : 1.0);
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.17g, want %.17g (rel %g)", got, want, rel);
}

#endif
