/* test_alert_lib.h — what the alert engine tests share: a fixture (engine, table, rules) under a
 * driven clock, event input, evaluation, transition checks, hot/cold runs, a seeded generator and
 * the clamped reference quantile. Each helper may go unused in one of the files, hence the
 * attributes. */
#ifndef WR_TEST_ALERT_LIB_H
#define WR_TEST_ALERT_LIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "core/hist.h"
#include "core/window.h"

__attribute__((unused)) static const int64_t T0 = 1700000400000LL; /* epoch-aligned */

/* What a quantile rule reads for values whose merged histogram is h and summary s: the bins'
 * quantile clamped to the exact extremes (window_stats does the same). */
__attribute__((unused)) static double ref_quantile(const struct hist *h, const struct summary *s,
                                                   double q)
{
    return hist_quantile_clamp(hist_quantile(h, q), q, s->count, s->min, s->max);
}

__attribute__((unused)) static int64_t at(int64_t s, int64_t ms)
{
    return T0 + s * 1000 + ms;
}

/* ---------------------------------------------------------------------------------------------
 * Fixture: a series table, an engine, the last transitions. */

struct fx {
    struct series_table *tab;
    struct alert_engine *e;
    const struct alert_transition *tr;
    size_t ntr;
};

__attribute__((unused)) static void load_rules(struct alert_engine *e, const char *text)
{
    struct rule_set set;
    char err[512];
    if (rule_parse_file_text(text, strlen(text), "t.rules", &set, err, sizeof err) != 0)
        fail_msg("rules: %s", err);
    alert_engine_set_rules(e, &set);
    assert_int_equal(set.count, 0);
}

__attribute__((unused)) static void fx_init(struct fx *f, const char *rules,
                                            const struct alert_config *cfg)
{
    f->tab = series_table_new(NULL);
    f->e = alert_engine_new(cfg);
    f->tr = NULL;
    f->ntr = 0;
    load_rules(f->e, rules);
}

__attribute__((unused)) static void fx_free(struct fx *f)
{
    alert_engine_free(f->e);
    series_table_free(f->tab);
}

__attribute__((unused)) static void put(struct fx *f, const char *key, double v, int64_t ts_ms)
{
    enum series_result r = series_table_ingest(f->tab, key, strlen(key), v, ts_ms);
    assert_true(r == SERIES_ADDED || r == SERIES_ADDED_LATE);
}

__attribute__((unused)) static size_t eval(struct fx *f, int64_t now_ms)
{
    f->ntr = alert_eval(f->e, f->tab, now_ms, &f->tr);
    return f->ntr;
}

__attribute__((unused)) static void assert_transition(const struct alert_transition *t,
                                                      const char *id, enum alert_state from,
                                                      enum alert_state to, int64_t at_ms)
{
    assert_string_equal(t->instance_id, id);
    if (t->from != from || t->to != to)
        fail_msg("%s: %s -> %s, want %s -> %s", id, alert_state_name(t->from),
                 alert_state_name(t->to), alert_state_name(from), alert_state_name(to));
    assert_int_equal(t->at_ms, at_ms);
}

__attribute__((unused)) static enum alert_state state_of(const struct fx *f, const char *id)
{
    const struct alert_instance *in = alert_find(f->e, id);
    return in ? in->state : ALERT_INACTIVE;
}

/* One event per second at .100 with the value hot(t) ? 300 : 100, evaluated at .999; records
 * the transitions of each second in log[t] (0 when none, else 1 + index of the one kept). */
struct tick {
    enum alert_state from, to;
    int n;
};

__attribute__((unused)) static void run(struct fx *f, int64_t t0, int64_t t1, const char *hot,
                                        struct tick *log)
{
    for (int64_t t = t0; t <= t1; t++) {
        put(f, "lat{service=api}", hot[t] == '1' ? 300 : 100, at(t, 100));
        eval(f, at(t, 999));
        log[t].n = (int)f->ntr;
        if (f->ntr) {
            log[t].from = f->tr[0].from;
            log[t].to = f->tr[0].to;
        }
    }
}

/* hot pattern helper: '1' for the seconds in [a, b) */
__attribute__((unused)) static void heat(char *hot, int a, int b)
{
    for (int t = a; t < b; t++)
        hot[t] = '1';
}

__attribute__((unused)) static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Integers from a lognormal-ish spread (sums are exact in any order). */
__attribute__((unused)) static double rng_value(uint64_t *s)
{
    double u1 = ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(rng_next(s) >> 11) * 0x1.0p-53;
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    double v = round(exp(log(60.0) + 0.8 * z));
    return v < 1 ? 1 : v;
}

#endif
