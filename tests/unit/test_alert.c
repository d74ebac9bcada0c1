/* test_alert.c — the alert engine under a driven clock: `for` and keep_firing_for timing to the
 * millisecond, flapping, pending -> inactive, resolved -> firing, retention, acks, silences,
 * absent(), `by` groups against one histogram of all their values, instance ids and templates,
 * rule reloads, panel order, and the quantile pruning checked against brute force. */
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

static const int64_t T0 = 1700000400000LL; /* epoch-aligned */

/* What a quantile rule reads for values whose merged histogram is h and summary s: the bins'
 * quantile clamped to the exact extremes (window_stats does the same). */
static double ref_quantile(const struct hist *h, const struct summary *s, double q)
{
    return hist_quantile_clamp(hist_quantile(h, q), q, s->count, s->min, s->max);
}

static int64_t at(int64_t s, int64_t ms)
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

static void load_rules(struct alert_engine *e, const char *text)
{
    struct rule_set set;
    char err[512];
    if (rule_parse_file_text(text, strlen(text), "t.rules", &set, err, sizeof err) != 0)
        fail_msg("rules: %s", err);
    alert_engine_set_rules(e, &set);
    assert_int_equal(set.count, 0);
}

static void fx_init(struct fx *f, const char *rules, const struct alert_config *cfg)
{
    f->tab = series_table_new(NULL);
    f->e = alert_engine_new(cfg);
    f->tr = NULL;
    f->ntr = 0;
    load_rules(f->e, rules);
}

static void fx_free(struct fx *f)
{
    alert_engine_free(f->e);
    series_table_free(f->tab);
}

static void put(struct fx *f, const char *key, double v, int64_t ts_ms)
{
    enum series_result r = series_table_ingest(f->tab, key, strlen(key), v, ts_ms);
    assert_true(r == SERIES_ADDED || r == SERIES_ADDED_LATE);
}

static size_t eval(struct fx *f, int64_t now_ms)
{
    f->ntr = alert_eval(f->e, f->tab, now_ms, &f->tr);
    return f->ntr;
}

static void assert_transition(const struct alert_transition *t, const char *id,
                              enum alert_state from, enum alert_state to, int64_t at_ms)
{
    assert_string_equal(t->instance_id, id);
    if (t->from != from || t->to != to)
        fail_msg("%s: %s -> %s, want %s -> %s", id, alert_state_name(t->from),
                 alert_state_name(t->to), alert_state_name(from), alert_state_name(to));
    assert_int_equal(t->at_ms, at_ms);
}

static enum alert_state state_of(const struct fx *f, const char *id)
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

static void run(struct fx *f, int64_t t0, int64_t t1, const char *hot, struct tick *log)
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
static void heat(char *hot, int a, int b)
{
    for (int t = a; t < b; t++)
        hot[t] = '1';
}

/* ---------------------------------------------------------------------------------------------
 * The state machine. */

static void test_for_timing(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nfor = 30s\n"
            "summary = {{labels.service}} at {{value}}\n",
            NULL);
    for (int t = 0; t <= 45; t++) {
        put(&f, "lat{service=api}", t >= 10 ? 300 : 100, at(t, 100));
        size_t n = eval(&f, at(t, 999));
        if (t == 10) {
            assert_int_equal(n, 1);
            const struct alert_transition *tr = &f.tr[0];
            assert_transition(tr, "hot{service=api}", ALERT_INACTIVE, ALERT_PENDING, at(10, 999));
            assert_string_equal(tr->rule->name, "hot");
            assert_string_equal(tr->labels, "service=api");
            assert_true(tr->value == 300);
            assert_true(tr->threshold == 250);
            assert_int_equal(tr->severity, RULE_SEV_WARNING);
            assert_string_equal(tr->summary, "api at 300");
            assert_string_equal(tr->runbook, "");
            assert_int_equal(strlen(tr->short_id), ALERT_SHORT_ID_LEN);
            assert_int_equal(strspn(tr->short_id, "0123456789abcdef"), ALERT_SHORT_ID_LEN);
            assert_false(tr->silenced);
        } else if (t == 40) { /* 30 000 ms after becoming true, not one evaluation earlier */
            assert_int_equal(n, 1);
            assert_transition(&f.tr[0], "hot{service=api}", ALERT_PENDING, ALERT_FIRING,
                              at(40, 999));
        } else {
            assert_int_equal(n, 0);
        }
        enum alert_state want = t < 10 ? ALERT_INACTIVE : t < 40 ? ALERT_PENDING : ALERT_FIRING;
        assert_int_equal(state_of(&f, "hot{service=api}"), want);
    }
    const struct alert_instance *in = alert_find(f.e, "hot{service=api}");
    assert_non_null(in);
    assert_int_equal(in->active_since_ms, at(10, 999));
    assert_int_equal(in->since_ms, at(40, 999));
    assert_int_equal(in->last_eval_ms, at(45, 999));
    assert_true(in->value == 300);
    assert_string_equal(alert_find(f.e, in->short_id)->id, "hot{service=api}");
    fx_free(&f);

    /* evaluations off the second grid: 29 999 ms is not enough */
    fx_init(&f, "[rule hot]\nexpr = max(lat) over 1m > 250\nfor = 30s\n", NULL);
    put(&f, "lat", 300, at(10, 0));
    assert_int_equal(eval(&f, at(10, 500)), 1);
    assert_int_equal(f.tr[0].to, ALERT_PENDING);
    assert_int_equal(eval(&f, at(25, 0)), 0);
    assert_int_equal(eval(&f, at(40, 499)), 0);
    assert_int_equal(state_of(&f, "hot"), ALERT_PENDING);
    assert_int_equal(eval(&f, at(40, 500)), 1);
    assert_transition(&f.tr[0], "hot", ALERT_PENDING, ALERT_FIRING, at(40, 500));
    /* an earlier time does nothing; the same time again is a no-op for a firing alert */
    assert_int_equal(eval(&f, at(40, 499)), 0);
    assert_int_equal(eval(&f, at(40, 500)), 0);
    assert_int_equal(state_of(&f, "hot"), ALERT_FIRING);
    fx_free(&f);
}

static void test_for_zero_and_pending_to_inactive(void **state)
{
    (void)state;
    struct fx f;
    struct tick log[80] = {0};
    char hot[81];

    /* for = 0: straight to firing; keep_firing_for = 0: resolved at the first false */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\n", NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 3, 6);
    run(&f, 0, 10, hot, log);
    for (int t = 0; t <= 10; t++)
        assert_int_equal(log[t].n, t == 3 || t == 6);
    assert_int_equal(log[3].from, ALERT_INACTIVE);
    assert_int_equal(log[3].to, ALERT_FIRING);
    assert_int_equal(log[6].from, ALERT_FIRING);
    assert_int_equal(log[6].to, ALERT_RESOLVED);
    assert_int_equal(state_of(&f, "hot{service=api}"), ALERT_RESOLVED);
    fx_free(&f);

    /* pending that turns false goes back to inactive, with no resolved, and is unlisted */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nfor = 30s\n", NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 10, 20);
    run(&f, 0, 25, hot, log);
    for (int t = 0; t <= 25; t++)
        assert_int_equal(log[t].n, t == 10 || t == 20);
    assert_int_equal(log[20].from, ALERT_PENDING);
    assert_int_equal(log[20].to, ALERT_INACTIVE);
    const struct alert_instance *const *list;
    assert_int_equal(alert_instances(f.e, &list), 0);
    assert_null(alert_find(f.e, "hot{service=api}"));
    fx_free(&f);
}

/* Quantile rules prune healthy series with min/max; listed instances must still be evaluated
 * in full, or they would never resolve (and report no value). */
static void test_quantile_rule_resolves(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "[rule hot]\nexpr = p99(lat{service=api}) over 1s > 250\n",
        "[rule hot]\nexpr = p99(lat) by (service) over 1s > 250\n",
    };
    double low = 100; /* what p99 reads for a window of 100s: exactly 100, the bins clamped */
    for (size_t k = 0; k < 2; k++) {
        struct fx f;
        struct tick log[20] = {0};
        char hot[21];
        fx_init(&f, rules[k], NULL);
        memset(hot, '0', sizeof hot);
        heat(hot, 3, 6);
        run(&f, 0, 10, hot, log);
        for (int t = 0; t <= 10; t++)
            assert_int_equal(log[t].n, t == 3 || t == 6);
        assert_int_equal(log[6].to, ALERT_RESOLVED);
        const struct alert_instance *in = alert_find(f.e, "hot{service=api}");
        assert_non_null(in);
        assert_int_equal(in->state, ALERT_RESOLVED);
        assert_true(in->value == low);
        fx_free(&f);
    }
}

/* rate() over a window the data cannot fill yet (10 s after start, a 1-minute window): the
 * true rate, count per covered second, not count / 60, which would fire a drop alert at start. */
static void test_rate_right_after_start(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule slow]\nexpr = rate(req{svc=api}) over 1m < 5\n"
            "[rule slowg]\nexpr = rate(req) by (svc) over 1m < 5\n"
            "[rule fast]\nexpr = rate(req{svc=api}) over 1m > 9\n",
            NULL);
    series_table_free(f.tab);
    struct series_table_config cfg;
    series_table_config_defaults(&cfg);
    cfg.data_start_ms = at(0, 0);
    f.tab = series_table_new(&cfg);
    for (int t = 0; t < 10; t++) /* 10 events/s for 10 s */
        for (int k = 0; k < 10; k++)
            put(&f, "req{svc=api}", 1, at(t, k * 100));
    eval(&f, at(10, 0));
    assert_null(alert_find(f.e, "slow{svc=api}"));
    assert_null(alert_find(f.e, "slowg{svc=api}"));
    const struct alert_instance *in = alert_find(f.e, "fast{svc=api}");
    assert_non_null(in);
    assert_true(in->value == 10.0); /* 100 events in the 10 s since start */
    fx_free(&f);
}

static void test_keep_firing_for_and_flapping(void **state)
{
    (void)state;
    struct fx f;
    struct tick log[200] = {0};
    char hot[201];

    /* true 0..4, false from 5: resolved 60 s after the first false evaluation, not before */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nkeep_firing_for = 1m\n",
            NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 0, 5);
    run(&f, 0, 70, hot, log);
    for (int t = 0; t <= 70; t++)
        assert_int_equal(log[t].n, t == 0 || t == 65);
    assert_int_equal(log[65].to, ALERT_RESOLVED);
    const struct alert_instance *in = alert_find(f.e, "hot{service=api}");
    assert_true(in->value == 100);
    assert_int_equal(in->since_ms, at(65, 999));
    fx_free(&f);

    /* a true evaluation inside keep_firing_for restarts it */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nkeep_firing_for = 1m\n",
            NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 0, 5);
    heat(hot, 35, 36);
    run(&f, 0, 100, hot, log);
    for (int t = 0; t <= 100; t++)
        assert_int_equal(log[t].n, t == 0 || t == 96);
    fx_free(&f);

    /* flapping around `for`: never fires while no true run lasts 30 s */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nfor = 30s\n", NULL);
    memset(hot, '0', sizeof hot);
    for (int t = 0; t < 120; t += 2)
        hot[t] = '1';
    heat(hot, 130, 200);
    run(&f, 0, 170, hot, log);
    int pend = 0, back = 0, fired = -1;
    for (int t = 0; t <= 170; t++) {
        if (log[t].n && log[t].to == ALERT_PENDING)
            pend++;
        if (log[t].n && log[t].to == ALERT_INACTIVE)
            back++;
        if (log[t].n && log[t].to == ALERT_FIRING)
            fired = t;
    }
    assert_int_equal(pend, 61); /* 60 short runs, then the long one */
    assert_int_equal(back, 60);
    assert_int_equal(fired, 160);
    fx_free(&f);
}

static void test_resolved_again_and_retention(void **state)
{
    (void)state;
    struct fx f;
    struct tick log[200] = {0};
    char hot[201];
    struct alert_config cfg = {.resolved_retention_ms = 60000};

    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\n", &cfg);
    memset(hot, '0', sizeof hot);
    heat(hot, 0, 5);
    heat(hot, 30, 31);
    heat(hot, 120, 121);
    run(&f, 0, 125, hot, log);
    struct {
        int t;
        enum alert_state from, to;
    } want[] = {
        {0, ALERT_INACTIVE, ALERT_FIRING},    {5, ALERT_FIRING, ALERT_RESOLVED},
        {30, ALERT_RESOLVED, ALERT_FIRING},   {31, ALERT_FIRING, ALERT_RESOLVED},
        {91, ALERT_RESOLVED, ALERT_INACTIVE}, /* 60 s of retention after resolving */
        {120, ALERT_INACTIVE, ALERT_FIRING},  {121, ALERT_FIRING, ALERT_RESOLVED},
    };
    size_t w = 0;
    for (int t = 0; t <= 125; t++) {
        if (!log[t].n)
            continue;
        assert_true(w < sizeof want / sizeof want[0]);
        assert_int_equal(t, want[w].t);
        assert_int_equal(log[t].from, want[w].from);
        assert_int_equal(log[t].to, want[w].to);
        w++;
    }
    assert_int_equal(w, sizeof want / sizeof want[0]);
    fx_free(&f);

    /* with `for`, resolved goes through pending again */
    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nfor = 10s\n", NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 0, 20);
    heat(hot, 30, 50);
    run(&f, 0, 50, hot, log);
    assert_int_equal(log[20].to, ALERT_RESOLVED);
    assert_int_equal(log[30].from, ALERT_RESOLVED);
    assert_int_equal(log[30].to, ALERT_PENDING);
    assert_int_equal(log[40].from, ALERT_PENDING);
    assert_int_equal(log[40].to, ALERT_FIRING);
    fx_free(&f);
}

static void test_ack(void **state)
{
    (void)state;
    struct fx f;
    struct tick log[40] = {0};
    char hot[41];

    fx_init(&f, "[rule hot]\nexpr = max(lat{service=api}) over 1s > 250\nfor = 2s\n", NULL);
    memset(hot, '0', sizeof hot);
    heat(hot, 0, 10);
    heat(hot, 20, 30);
    run(&f, 0, 0, hot, log);
    const struct alert_instance *in = alert_find(f.e, "hot{service=api}");
    assert_int_equal(in->state, ALERT_PENDING);
    char short_id[ALERT_SHORT_ID_LEN + 1];
    memcpy(short_id, in->short_id, sizeof short_id);

    assert_int_equal(alert_ack(f.e, "nope", "alice", at(0, 999)), -1);
    assert_int_equal(alert_ack(f.e, "hot", "alice", at(0, 999)), -1); /* not an instance id */
    assert_int_equal(alert_ack(f.e, short_id, "alice", at(1, 0)), 0); /* pending: fine */
    assert_true(in->acked);
    assert_string_equal(in->ack_by, "alice");
    assert_int_equal(in->ack_at_ms, at(1, 0));
    run(&f, 1, 5, hot, log);
    assert_int_equal(in->state, ALERT_FIRING);
    assert_true(in->acked); /* the ack survives pending -> firing */
    assert_int_equal(alert_ack(f.e, "hot{service=api}", NULL, at(5, 0)), 0);
    assert_string_equal(in->ack_by, "");

    run(&f, 6, 10, hot, log); /* resolves at 10 */
    assert_int_equal(log[10].to, ALERT_RESOLVED);
    assert_false(in->acked);
    assert_null(in->ack_by);
    assert_int_equal(alert_ack(f.e, short_id, "bob", at(11, 0)), -1); /* resolved */
    assert_false(in->acked);

    run(&f, 11, 22, hot, log); /* a new episode starts unacknowledged */
    assert_int_equal(in->state, ALERT_FIRING);
    assert_false(in->acked);
    fx_free(&f);
}

static void test_silences(void **state)
{
    (void)state;
    struct fx f;
    char err[256];

    fx_init(&f,
            "[rule hot]\nexpr = max(lat) over 1s > 250\nlabels = team=core\n"
            "[rule cold]\nexpr = min(lat) over 1s < 0\n",
            NULL);
    put(&f, "lat{service=api}", 300, at(0, 100));
    put(&f, "lat{service=web}", 300, at(0, 100));

    assert_int_equal(
        alert_silence_add(f.e, "hot{service=api}", at(100, 0), "bob", "deploy", err, sizeof err),
        0);
    assert_int_equal(eval(&f, at(0, 999)), 2);
    for (size_t k = 0; k < 2; k++)
        assert_int_equal(f.tr[k].silenced, strcmp(f.tr[k].instance_id, "hot{service=api}") == 0);

    const struct alert_instance *api = alert_find(f.e, "hot{service=api}");
    const struct alert_instance *web = alert_find(f.e, "hot{service=web}");
    const struct silence *s = alert_silence_find(f.e, api, at(99, 999));
    assert_non_null(s);
    assert_string_equal(s->who, "bob");
    assert_string_equal(s->comment, "deploy");
    assert_null(alert_silence_find(f.e, api, at(100, 0))); /* until is exclusive */
    assert_null(alert_silence_find(f.e, web, at(1, 0)));

    /* every matcher form, one at a time */
    static const struct {
        const char *matcher;
        int api, web;
    } forms[] = {
        {"hot", 1, 1},
        {"cold", 0, 0},
        {"*", 1, 1},
        {"{service=api}", 1, 0},
        {"*{service=~\"w.*\"}", 0, 1},
        {"hot{service!=api}", 0, 1},
        {"cold{service=api}", 0, 0},
        {"{team=core}", 1, 1}, /* static labels count */
        {" hot { team = core , service = web } ", 0, 1},
    };
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        struct alert_engine *e = alert_engine_new(NULL);
        assert_int_equal(
            alert_silence_add(e, forms[k].matcher, at(50, 0), "x", "", err, sizeof err), 0);
        if ((alert_silence_find(e, api, at(1, 0)) != NULL) != forms[k].api ||
            (alert_silence_find(e, web, at(1, 0)) != NULL) != forms[k].web)
            fail_msg("matcher \"%s\"", forms[k].matcher);
        alert_engine_free(e);
    }
    struct alert_engine *e2 = alert_engine_new(NULL);
    assert_int_equal(alert_silence_add(e2, web->short_id, at(50, 0), NULL, NULL, err, sizeof err),
                     0);
    assert_null(alert_silence_find(e2, api, at(1, 0)));
    assert_non_null(alert_silence_find(e2, web, at(1, 0)));
    assert_string_equal(alert_silence_find(e2, web, at(1, 0))->who, "");

    /* bad matchers */
    assert_int_equal(alert_silence_add(e2, "bad name!", 1, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err,
                        "expected a rule name, '*', a short id or a selector, found 'bad name!'");
    assert_int_equal(alert_silence_add(e2, "", 1, NULL, NULL, err, sizeof err), -1);
    assert_int_equal(alert_silence_add(e2, "hot{service", 1, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "expected '=', '!=', '=~' or '!~' after label name 'service', "
                             "found the end at column 12");
    assert_int_equal(alert_silence_add(e2, "*{a=b", 1, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, "missing '}' to close the '{' at column 2");
    alert_engine_free(e2);

    /* replacing and removing */
    const struct silence *const *list;
    assert_int_equal(
        alert_silence_add(f.e, "hot{service=api}", at(200, 0), "carol", "longer", err, sizeof err),
        0);
    assert_int_equal(alert_silence_list(f.e, &list), 1);
    assert_int_equal(list[0]->until_ms, at(200, 0));
    assert_string_equal(list[0]->who, "carol");
    assert_int_equal(alert_silence_add(f.e, "cold", at(10, 0), "d", "", err, sizeof err), 0);
    assert_int_equal(alert_silence_list(f.e, &list), 2);
    assert_int_equal(alert_silence_remove(f.e, "cold"), 0);
    assert_int_equal(alert_silence_remove(f.e, "cold"), -1);
    assert_int_equal(alert_silence_list(f.e, &list), 1);

    /* expiry: evaluation removes silences whose time has passed; transitions then announce */
    assert_int_equal(alert_silence_add(f.e, "hot", at(150, 0), "d", "", err, sizeof err), 0);
    assert_int_equal(eval(&f, at(149, 999)), 2); /* resolved: no data in the window */
    assert_true(f.tr[0].silenced && f.tr[1].silenced);
    assert_int_equal(alert_silence_list(f.e, &list), 2);
    put(&f, "lat{service=api}", 300, at(200, 100));
    assert_int_equal(eval(&f, at(200, 999)), 1);
    assert_transition(&f.tr[0], "hot{service=api}", ALERT_RESOLVED, ALERT_FIRING, at(200, 999));
    assert_false(f.tr[0].silenced);
    assert_int_equal(alert_silence_list(f.e, &list), 0);
    fx_free(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Expressions over series. */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Integers from a lognormal-ish spread (sums are exact in any order). */
static double rng_value(uint64_t *s)
{
    double u1 = ((double)(rng_next(s) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(rng_next(s) >> 11) * 0x1.0p-53;
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    double v = round(exp(log(60.0) + 0.8 * z));
    return v < 1 ? 1 : v;
}

static void test_by_groups_exact(void **state)
{
    (void)state;
    static const char *const keys[] = {
        "lat{region=a,service=api}", "lat{region=b,service=api}", "lat{region=c,service=api}",
        "lat{service=api}",          "lat{region=a,service=web}", "cpu{region=a,service=api}",
    };
    enum { NK = 6 };
    struct fx f;
    fx_init(&f,
            "[rule q99]\nexpr = p99(lat) by (service) over 1m > -1e300\n"
            "[rule q50]\nexpr = p50(lat{service=~\".*\"}) by (service) over 1m > -1e300\n"
            "[rule q999]\nexpr = p999(lat) by (service) over 1m > -1e300\n"
            "[rule cnt]\nexpr = count(lat) by (service) over 1m > 0\n"
            "[rule rate]\nexpr = rate(lat) by (service) over 1m > 0\n"
            "[rule sum]\nexpr = sum(lat) by (service) over 1m > 0\n"
            "[rule avg]\nexpr = avg(lat) by (service) over 1m > 0\n"
            "[rule min]\nexpr = min(lat) by (service) over 1m > 0\n"
            "[rule max]\nexpr = max(lat) by (service) over 1m > 0\n"
            "[rule sd]\nexpr = stddev(lat) by (service) over 1m > 0\n"
            "[rule all]\nexpr = p90(lat) by () over 1m > -1e300\n"
            "[rule reg]\nexpr = p99(lat) by (region) over 1m > -1e300\n"
            "[rule reg50]\nexpr = p50(lat) by (region) over 1m > -1e300\n"
            "[rule half]\nexpr = p99(lat) by (service) over 30s > -1e300\n"
            "[rule halfs]\nexpr = p90(lat{region=a}) over 30s > -1e300\n"
            /* issue 14: the other aggregations, through the same engine */
            "[rule fst]\nexpr = first(lat) by (service) over 1m > -1e300\n"
            "[rule lst]\nexpr = last(lat) by (service) over 1m > -1e300\n"
            "[rule rng]\nexpr = range(lat) by (service) over 1m > -1e300\n"
            "[rule inc]\nexpr = increase(lat) by (service) over 1m > -1e300\n"
            "[rule q75]\nexpr = p75(lat) by (service) over 1m > -1e300\n"
            "[rule q42]\nexpr = quantile(0.42, lat) by (service) over 1m > -1e300\n"
            "[rule vs]\nexpr = var.s(lat) by (service) over 1m > -1e300\n",
            NULL);

    /* reference histograms and summaries: [0] api, [1] web, [2] every lat, [3] region a,
     * [4] lat without region; window of now = 69.999 with 1m: seconds 10..69 */
    struct hist ref[7]; /* and [5] api, [6] lat{region=a,service=api}, seconds 40..69 */
    struct summary sref[7];
#define CLAMPED(k, q) ref_quantile(&ref[k], &sref[k], q)
    for (int k = 0; k < 7; k++) {
        hist_init(&ref[k]);
        summary_init(&sref[k]);
    }
    uint64_t seed = 42;
    for (int t = 0; t < 70; t++)
        for (int i = 0; i < NK; i++) {
            int n = (int)(rng_next(&seed) % 6);
            for (int j = 0; j < n; j++) {
                double v = rng_value(&seed);
                int64_t ts = at(t, 137 * j);
                put(&f, keys[i], v, ts);
                if (t >= 40 && i <= 3) {
                    hist_add(&ref[5], v);
                    summary_add(&sref[5], v, ts);
                }
                if (t >= 40 && i == 0) {
                    hist_add(&ref[6], v);
                    summary_add(&sref[6], v, ts);
                }
                if (t < 10 || i == 5)
                    continue;
                int groups[3] = {i == 4 ? 1 : 0, 2, i == 0 || i == 4 ? 3 : i == 3 ? 4 : -1};
                for (int g = 0; g < 3; g++)
                    if (groups[g] >= 0) {
                        hist_add(&ref[groups[g]], v);
                        summary_add(&sref[groups[g]], v, ts);
                    }
            }
        }
    /* 10 rules x {api, web}, all, reg and reg50 x {a, b, c, none}, half x {api, web}, halfs x 2 */
    assert_int_equal(eval(&f, at(69, 999)), 10 * 2 + 1 + 2 * 4 + 2 + 2 + 7 * 2);

    struct {
        const char *id;
        double want;
    } checks[] = {
        {"q99{service=api}", CLAMPED(0, 0.99)},
        {"q99{service=web}", CLAMPED(1, 0.99)},
        {"q50{service=api}", CLAMPED(0, 0.5)},
        {"q999{service=api}", CLAMPED(0, 0.999)},
        {"q999{service=web}", CLAMPED(1, 0.999)},
        {"cnt{service=api}", (double)sref[0].count},
        {"cnt{service=web}", (double)sref[1].count},
        {"rate{service=api}", (double)sref[0].count / 60},
        {"sum{service=api}", sref[0].sum},
        {"min{service=api}", sref[0].min},
        {"max{service=api}", sref[0].max},
        {"max{service=web}", sref[1].max},
        {"all", CLAMPED(2, 0.9)},
        {"reg{region=a}", CLAMPED(3, 0.99)},
        {"reg", CLAMPED(4, 0.99)}, /* the series without region: a group of its own */
        {"reg50{region=a}", CLAMPED(3, 0.5)},    /* a group of two series */
        {"half{service=api}", CLAMPED(5, 0.99)}, /* another window length */
        {"halfs{region=a,service=api}", CLAMPED(6, 0.9)},
        {"fst{service=api}", sref[0].first},
        {"lst{service=web}", sref[1].last},
        {"rng{service=api}", sref[0].max - sref[0].min},
        {"inc{service=web}", sref[1].last - sref[1].first},
        {"q75{service=api}", CLAMPED(0, 0.75)},
        {"q42{service=web}", CLAMPED(1, 0.42)},
    };
    for (size_t k = 0; k < sizeof checks / sizeof checks[0]; k++) {
        const struct alert_instance *in = alert_find(f.e, checks[k].id);
        if (!in)
            fail_msg("no instance %s", checks[k].id);
        assert_int_equal(in->state, ALERT_FIRING);
        if (in->value != checks[k].want) /* exact: merged histograms are exact */
            fail_msg("%s: %.17g, want %.17g", checks[k].id, in->value, checks[k].want);
    }
    const struct alert_instance *avg = alert_find(f.e, "avg{service=api}");
    assert_true(fabs(avg->value - summary_mean(&sref[0])) <= 1e-9 * summary_mean(&sref[0]));
    const struct alert_instance *vs = alert_find(f.e, "vs{service=api}");
    double var_s = sref[0].m2 / (double)(sref[0].count - 1);
    assert_true(fabs(vs->value - var_s) <= 1e-9 * var_s);
    const struct alert_instance *sd = alert_find(f.e, "sd{service=web}");
    assert_true(fabs(sd->value - summary_stddev(&sref[1])) <= 1e-9 * summary_stddev(&sref[1]));
    for (int k = 0; k < 7; k++)
        hist_clear(&ref[k]);
#undef CLAMPED
    fx_free(&f);
}

static void test_instances_per_series(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule r]\nexpr = max({service=api}) over 1m > 0\nseverity = page\n"
            "summary = {{labels.team}}/{{labels.service}}/{{labels.host}} {{value}} > "
            "{{threshold}} [{{severity}}] {{rule}} {{id}}\n"
            "runbook = https://rb.example/{{labels.service}}?id={{instance}}\n"
            "labels = team=core, service=overridden\n"
            "[rule m]\nexpr = max(lat) over 1m > 0\n",
            NULL);
    put(&f, "lat{host=\"a b\",service=api}", 7.25, at(0, 0));
    put(&f, "cpu{service=api}", 3, at(0, 0));
    put(&f, "lat{service=web}", 1, at(0, 0));
    assert_int_equal(eval(&f, at(0, 999)), 4);

    /* a selector without a metric keeps series of different metrics apart with __name__ */
    const struct alert_instance *in = alert_find(f.e, "r{__name__=lat,host=\"a b\",service=api}");
    assert_non_null(in);
    assert_non_null(alert_find(f.e, "r{__name__=cpu,service=api}"));
    assert_non_null(alert_find(f.e, "m{host=\"a b\",service=api}"));
    assert_non_null(alert_find(f.e, "m{service=web}"));
    /* static labels win in labels and templates, not in the id */
    assert_string_equal(in->labels, "__name__=lat,host=\"a b\",service=overridden,team=core");
    for (size_t k = 0; k < f.ntr; k++) {
        const struct alert_transition *t = &f.tr[k];
        if (strcmp(t->instance_id, in->id) != 0)
            continue;
        char want[256];
        snprintf(want, sizeof want, "core/overridden/a b 7.25 > 0 [page] r %s", in->short_id);
        assert_string_equal(t->summary, want);
        assert_string_equal(t->runbook,
                            "https://rb.example/overridden?id=r{__name__=lat,host=\"a b\","
                            "service=api}");
        assert_int_equal(t->severity, RULE_SEV_PAGE);
    }
    char buf[64];
    assert_int_equal(alert_render(in, "{{value}}!", buf, sizeof buf), 5);
    assert_string_equal(buf, "7.25!");

    /* series that appear later are matched when the table grows */
    put(&f, "lat{service=api,zone=z}", 5, at(1, 0));
    assert_int_equal(eval(&f, at(1, 999)), 2);
    assert_non_null(alert_find(f.e, "r{__name__=lat,service=api,zone=z}"));
    assert_non_null(alert_find(f.e, "m{service=api,zone=z}"));
    assert_int_equal(alert_engine_rule_count(f.e), 2);
    assert_string_equal(alert_engine_rule(f.e, 1)->name, "m");
    assert_null(alert_engine_rule(f.e, 2));

    /* another table: every instance is forgotten (none match there) */
    struct series_table *other = series_table_new(NULL);
    const struct alert_transition *tr;
    assert_int_equal(alert_eval(f.e, other, at(2, 0), &tr), 0);
    const struct alert_instance *const *list;
    assert_int_equal(alert_instances(f.e, &list), 0);
    series_table_free(other);
    fx_free(&f);
}

static void test_absent_and_empty_windows(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule gone]\nexpr = absent(req{service=api,region=~\"eu.*\"}) over 10s\n"
            "summary = {{labels.service}} silent\n"
            "[rule quiet]\nexpr = count(req{service=api}) over 5s < 1\n",
            NULL);
    /* no series at all: absent() fires at once */
    assert_int_equal(eval(&f, at(0, 999)), 1);
    assert_transition(&f.tr[0], "gone{service=api}", ALERT_INACTIVE, ALERT_FIRING, at(0, 999));
    assert_true(f.tr[0].value == 1);
    assert_string_equal(f.tr[0].summary, "api silent");

    int last_resolved = -1, last_fired = -1;
    for (int t = 1; t <= 40; t++) {
        put(&f, "req{region=us,service=api}", 1, at(t, 500)); /* not matched by gone */
        if (t <= 20)
            put(&f, "req{region=eu-west,service=api}", 1, at(t, 500));
        eval(&f, at(t, 999));
        for (size_t k = 0; k < f.ntr; k++) {
            if (strcmp(f.tr[k].instance_id, "gone{service=api}") == 0 &&
                f.tr[k].to == ALERT_RESOLVED) {
                last_resolved = t;
                assert_true(f.tr[k].value == 0);
            }
            if (strcmp(f.tr[k].instance_id, "gone{service=api}") == 0 && f.tr[k].to == ALERT_FIRING)
                last_fired = t;
        }
    }
    assert_int_equal(last_resolved, 1);
    assert_int_equal(last_fired, 30); /* the event of second 20 leaves the 10 s window */

    /* count < 1 per series fires on the eu series once it stops, not on the us one */
    assert_int_equal(state_of(&f, "quiet{region=eu-west,service=api}"), ALERT_FIRING);
    assert_int_equal(alert_find(f.e, "quiet{region=eu-west,service=api}")->since_ms, at(25, 999));
    assert_int_equal(state_of(&f, "quiet{region=us,service=api}"), ALERT_INACTIVE);
    fx_free(&f);
}

/* absent() over W is not claimed before W of data could be seen: a table whose data starts with
 * a fresh stream's first event (what the reader sets up) does not fire it in the first W s. */
static void test_absent_needs_a_covered_window(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[rule gone]\nexpr = absent(req{service=api}) over 10s\n", NULL);
    series_table_free(f.tab);
    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.data_start_ms = at(0, 0);
    f.tab = series_table_new(&tc);
    int fired = -1;
    for (int t = 0; t <= 15 && fired < 0; t++) {
        put(&f, "req{service=web}", 1, at(t, 500)); /* data, but not the api's */
        eval(&f, at(t, 999));
        if (f.ntr && f.tr[0].to == ALERT_FIRING)
            fired = t;
    }
    assert_int_equal(fired, 9); /* the first evaluation whose window, [0 s, 10 s), data covers */
    fx_free(&f);
}

static void test_reload_and_order(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule a]\nexpr = max(lat) over 1m > 10\nseverity = info\n"
            "[rule b]\nexpr = max(lat) over 1m > 10\nseverity = page\n"
            "[rule c]\nexpr = max(lat) over 1m > 10\nseverity = page\nfor = 1m\n"
            "[rule d]\nexpr = max(lat) over 1s > 10\nseverity = critical\n",
            NULL);
    put(&f, "lat{s=1}", 20, at(0, 0));
    eval(&f, at(0, 999));
    put(&f, "lat{s=2}", 20, at(1, 0));
    eval(&f, at(1, 999)); /* d{s=1} resolves: nothing in its 1 s window */
    eval(&f, at(2, 999)); /* d{s=2} resolves */

    const struct alert_instance *const *list;
    size_t n = alert_instances(f.e, &list);
    static const char *const want[] = {
        "b{s=2}", "b{s=1}", /* firing, page, newest first */
        "a{s=2}", "a{s=1}", /* firing, info */
        "c{s=2}", "c{s=1}", /* pending */
        "d{s=2}", "d{s=1}", /* resolved */
    };
    assert_int_equal(n, 8);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(list[k]->id, want[k]);

    /* reload: a and c unchanged (new severity, labels), b's expression changed, d dropped */
    const struct alert_instance *a1 = alert_find(f.e, "a{s=1}");
    assert_non_null(alert_find(f.e, "a{s=1}"));
    load_rules(f.e, "[rule a]\nexpr = max(lat) over 1m > 10\nseverity = critical\n"
                    "labels = team=x\n"
                    "[rule c]\nexpr = max(lat) over 1m > 10\nfor = 1m\n"
                    "[rule b]\nexpr = max(lat) over 1m > 15\n");
    assert_ptr_equal(alert_find(f.e, "a{s=1}"), a1);
    assert_int_equal(a1->state, ALERT_FIRING);
    assert_int_equal(a1->rule->severity, RULE_SEV_CRITICAL);
    assert_string_equal(a1->labels, "s=1,team=x");
    assert_null(alert_find(f.e, "b{s=1}"));
    assert_null(alert_find(f.e, "d{s=1}"));
    assert_int_equal(alert_find(f.e, "c{s=1}")->state, ALERT_PENDING);
    for (int t = 3; t <= 62; t++) {
        put(&f, "lat{s=1}", 20, at(t, 0));
        put(&f, "lat{s=2}", 20, at(t, 0));
        eval(&f, at(t, 999));
        if (t == 3) { /* b anew for both series; a and c go on */
            assert_int_equal(f.ntr, 2);
            for (size_t k = 0; k < 2; k++) {
                assert_string_equal(f.tr[k].rule->name, "b");
                assert_int_equal(f.tr[k].from, ALERT_INACTIVE);
            }
        } else if (t == 60 || t == 61) { /* c fires 60 s after each became pending */
            assert_int_equal(f.ntr, 1);
            assert_transition(&f.tr[0], t == 60 ? "c{s=1}" : "c{s=2}", ALERT_PENDING, ALERT_FIRING,
                              at(t, 999));
        } else {
            assert_int_equal(f.ntr, 0);
        }
    }

    /* an empty rule set drops everything */
    struct rule_set none = {0};
    alert_engine_set_rules(f.e, &none);
    assert_int_equal(alert_instances(f.e, &list), 0);
    assert_int_equal(eval(&f, at(63, 999)), 0);
    fx_free(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Pruning (min/max decide before quantiles) must never change an outcome: compare every
 * instance with a brute-force evaluation over random data, thresholds near the data. */

static void test_quantile_pruning_matches_brute_force(void **state)
{
    (void)state;
    enum { NR = 24, NC = 8, NS = NR + NC, NG = 4 }; /* NR random series, NC constant ones */
    static const char *const aggs[] = {"p50", "p90", "p95", "p99", "p999"};
    static const double qs[] = {0.5, 0.9, 0.95, 0.99, 0.999};
    static const char *const ops[] = {">", ">=", "<", "<=", "==", "!="};
    struct fx f;
    char key[64];
    uint64_t seed = 7;

    f.tab = series_table_new(NULL);
    f.e = alert_engine_new(NULL);
    struct hist gref[NG]; /* group g = i % NG, window seconds 40..99 */
    struct summary gsum[NG];
    for (int g = 0; g < NG; g++) {
        hist_init(&gref[g]);
        summary_init(&gsum[g]);
    }
    for (int t = 0; t < 100; t++)
        for (int i = 0; i < NS; i++) {
            int n = i < NR ? (int)(rng_next(&seed) % 4) : 2;
            if (i == 5)
                n = t < 30; /* a series that goes quiet */
            snprintf(key, sizeof key, "m{g=%d,i=%d}", i % NG, i);
            for (int j = 0; j < n; j++) {
                /* a constant series has its bin's representative slightly above or below the
                 * value itself, and every quantile clamped back to the value: the edges the
                 * pruning must respect */
                double v = i >= NR ? 100 + 7.3 * (i - NR) : rng_value(&seed) * (i % 3 ? 4 : 1);
                put(&f, key, v, at(t, 200 * j));
                if (t >= 40) {
                    hist_add(&gref[i % NG], v);
                    summary_add(&gsum[i % NG], v, at(t, 200 * j));
                }
            }
        }
    int64_t now = at(99, 999);

    /* thresholds: values around the data, and exact quantiles of series 0 and group 0 */
    struct window_stats st0;
    const struct series *s0 = series_table_find(f.tab, "m{g=0,i=0}", 10);
    assert_non_null(s0);
    window_sliding(&s0->tl, now, 60, 0, &st0, NULL);
    double thr[11 + NC] = {1,
                           30,
                           60,
                           100,
                           250,
                           1000,
                           st0.p50,
                           st0.p99,
                           st0.p999,
                           ref_quantile(&gref[0], &gsum[0], 0.99),
                           ref_quantile(&gref[0], &gsum[0], 0.5)};
    enum { NT = sizeof thr / sizeof thr[0] };
    int above = 0, below = 0;
    for (int j = 0; j < NC; j++) {
        struct hist one;
        hist_init(&one);
        hist_add(&one, 100 + 7.3 * j);
        thr[11 + j] = hist_quantile(&one, 0.5);
        above += thr[11 + j] > 100 + 7.3 * j;
        below += thr[11 + j] < 100 + 7.3 * j;
        hist_clear(&one);
    }
    assert_true(above > 0 && below > 0);
    size_t cap = 5 * 6 * NT * 2 * 100 + 1, len = 0;
    char *text = malloc(cap);
    for (int a = 0; a < 5; a++)
        for (int o = 0; o < 6; o++)
            for (int k = 0; k < NT; k++)
                for (int by = 0; by < 2; by++)
                    len +=
                        (size_t)snprintf(text + len, cap - len,
                                         "[rule r%d_%d_%d_%d]\nexpr = %s(m)%s over 1m %s %.17g\n",
                                         a, o, k, by, aggs[a], by ? " by (g)" : "", ops[o], thr[k]);
    load_rules(f.e, text);
    free(text);
    eval(&f, now);

    size_t fired = 0, checked = 0;
    for (int a = 0; a < 5; a++)
        for (int o = 0; o < 6; o++)
            for (int k = 0; k < NT; k++) {
                enum rule_op op = (enum rule_op)o;
                for (int i = 0; i < NS; i++) {
                    struct window_stats st;
                    char skey[32];
                    snprintf(skey, sizeof skey, "m{g=%d,i=%d}", i % NG, i);
                    const struct series *s = series_table_find(f.tab, skey, strlen(skey));
                    window_sliding(&s->tl, now, 60, 0, &st, NULL);
                    double v = (double[]){st.p50, st.p90, st.p95, st.p99, st.p999}[a];
                    snprintf(key, sizeof key, "r%d_%d_%d_0{g=%d,i=%d}", a, o, k, i % NG, i);
                    bool want = rule_op_holds(op, v, thr[k]);
                    const struct alert_instance *in = alert_find(f.e, key);
                    if ((in != NULL) != want)
                        fail_msg("%s: value %.17g, want %d", key, v, want);
                    if (in && in->value != v)
                        fail_msg("%s: value %.17g, want %.17g", key, in->value, v);
                    fired += want;
                    checked++;
                }
                for (int g = 0; g < NG; g++) {
                    double v = ref_quantile(&gref[g], &gsum[g], qs[a]);
                    snprintf(key, sizeof key, "r%d_%d_%d_1{g=%d}", a, o, k, g);
                    bool want = rule_op_holds(op, v, thr[k]);
                    const struct alert_instance *in = alert_find(f.e, key);
                    if ((in != NULL) != want)
                        fail_msg("%s: value %.17g, want %d", key, v, want);
                    if (in && in->value != v)
                        fail_msg("%s: value %.17g, want %.17g", key, in->value, v);
                    fired += want;
                    checked++;
                }
            }
    /* both outcomes well represented, equality included */
    assert_true(fired > checked / 5 && fired < checked * 4 / 5);
    assert_non_null(alert_find(f.e, "r3_4_7_0{g=0,i=0}")); /* p99 == st0.p99 */
    assert_non_null(alert_find(f.e, "r3_4_9_1{g=0}"));     /* group p99 == its quantile */
    for (int g = 0; g < NG; g++)
        hist_clear(&gref[g]);
    fx_free(&f);
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation in slices (alert_eval_begin/step/end) must give exactly what alert_eval gives:
 * two engines over one table, one evaluated whole, the other in random small steps. */

static const char sliced_rules[] =
    "[rule hot]\nexpr = avg(m) over 10s > 40\nfor = 3s\nkeep_firing_for = 2s\n"
    "[rule hot_p]\nexpr = p90(m) over 20s > 45\nfor = 2s\n"
    "[rule grp]\nexpr = p99(m) by (g) over 30s > 60\n"
    "[rule grp_all]\nexpr = p50(m) by () over 5s >= 25\nfor = 1s\n"
    "[rule busy]\nexpr = count(m) by (g) over 3s > 6\n"
    "[rule quiet]\nexpr = rate(m{i=~\"1.*\"}) over 5s < 0.5\n"
    "[rule gone]\nexpr = absent(m{i=\"3\"}) over 4s\nseverity = page\n";

static void assert_same_transitions(const struct alert_transition *a, size_t na,
                                    const struct alert_transition *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++) {
        assert_string_equal(a[k].instance_id, b[k].instance_id);
        assert_int_equal(a[k].from, b[k].from);
        assert_int_equal(a[k].to, b[k].to);
        assert_int_equal(a[k].at_ms, b[k].at_ms);
        assert_true(a[k].value == b[k].value || (isnan(a[k].value) && isnan(b[k].value)));
        assert_string_equal(a[k].summary, b[k].summary);
    }
}

static void test_sliced_evaluation_matches_whole(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    struct alert_engine *whole = alert_engine_new(NULL), *sliced = alert_engine_new(NULL);
    uint64_t seed = 11;
    size_t total = 0, steps = 0;
    char key[48];

    load_rules(whole, sliced_rules);
    load_rules(sliced, sliced_rules);
    for (int t = 0; t < 120; t++) {
        for (int i = 0; i < 20; i++) {
            if (i == 3 && t >= 50 && t < 70)
                continue; /* m{i=3} goes quiet: absent() fires, then resolves */
            int n = (int)(rng_next(&seed) % 4);
            snprintf(key, sizeof key, "m{g=%d,i=%d}", i % 3, i);
            for (int j = 0; j < n; j++) {
                double v = rng_value(&seed) / 4 + ((t / 15) % 2 ? 20 * (i % 4) : 0);
                series_table_ingest(tab, key, strlen(key), v, at(t, 250 * j));
            }
        }
        const struct alert_transition *ta, *tb;
        size_t na = alert_eval(whole, tab, at(t, 999), &ta);
        assert_int_equal(alert_eval_begin(sliced, tab, at(t, 999)), 0);
        assert_true(alert_eval_running(sliced));
        assert_int_equal(alert_eval_begin(sliced, tab, at(t, 999)), -1); /* one at a time */
        while (!alert_eval_step(sliced, 1 + rng_next(&seed) % 5))
            steps++;
        size_t nb = alert_eval_end(sliced, &tb);
        assert_false(alert_eval_running(sliced));
        assert_same_transitions(ta, na, tb, nb);
        total += na;
    }
    assert_true(total > 20);      /* the data makes the rules move */
    assert_true(steps > 120 * 5); /* and the evaluations really were sliced */

    const struct alert_instance *const *la, *const *lb;
    size_t n = alert_instances(whole, &la);
    assert_int_equal(alert_instances(sliced, &lb), n);
    for (size_t k = 0; k < n; k++) {
        assert_string_equal(la[k]->id, lb[k]->id);
        assert_int_equal(la[k]->state, lb[k]->state);
        assert_int_equal(la[k]->since_ms, lb[k]->since_ms);
    }
    /* an earlier time starts nothing; end then reports nothing */
    const struct alert_transition *tr;
    assert_int_equal(alert_eval_begin(sliced, tab, at(10, 0)), -1);
    assert_int_equal(alert_eval_end(sliced, &tr), 0);
    assert_true(alert_eval_step(sliced, 3)); /* nothing in progress: done */
    alert_engine_free(whole);
    alert_engine_free(sliced);
    series_table_free(tab);
}

/* Events and new series may arrive between the steps; series created after begin are matched
 * by the next evaluation; a rule reload abandons an evaluation in progress. */
static void test_sliced_evaluation_with_ingest_between_steps(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[rule hi]\nexpr = max(m) over 5s > 10\n[rule g]\nexpr = sum(m) by (k) > 1\n",
            NULL);
    char key[32];
    for (int i = 0; i < 50; i++) {
        snprintf(key, sizeof key, "m{k=%d}", i % 5);
        put(&f, key, 1, at(0, i));
    }
    assert_int_equal(alert_eval_begin(f.e, f.tab, at(0, 999)), 0);
    assert_false(alert_eval_step(f.e, 2));
    put(&f, "m{k=new}", 50, at(0, 900)); /* a new series while the evaluation runs */
    while (!alert_eval_step(f.e, 2))
        ;
    f.ntr = alert_eval_end(f.e, &f.tr);
    assert_null(alert_find(f.e, "hi{k=new}"));  /* not matched by this evaluation */
    assert_non_null(alert_find(f.e, "g{k=0}")); /* sum 10 > 1 */
    eval(&f, at(1, 999));
    assert_non_null(alert_find(f.e, "hi{k=new}"));
    assert_non_null(alert_find(f.e, "g{k=new}"));

    assert_int_equal(alert_eval_begin(f.e, f.tab, at(2, 999)), 0);
    assert_false(alert_eval_step(f.e, 1));
    load_rules(f.e, "[rule hi]\nexpr = max(m) over 5s > 10\n");
    assert_false(alert_eval_running(f.e));
    assert_int_equal(alert_eval_end(f.e, &f.tr), 0);
    assert_non_null(alert_find(f.e, "hi{k=new}")); /* kept across the reload */
    eval(&f, at(3, 999));
    assert_non_null(alert_find(f.e, "hi{k=new}"));
    fx_free(&f);
}

/* The series an instance watches, for "jump to the detail view": the series' own key, whatever
 * static labels the rule adds; none for groups and absent(). */
static void test_instance_series(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f,
            "[rule one]\nexpr = max(lat) > 1\nlabels = team=x\n"
            "[rule any]\nexpr = max({service=api}) > 1\n"
            "[rule grp]\nexpr = max(lat) by (service) > 1\n"
            "[rule gone]\nexpr = absent(nothing)\n",
            NULL);
    put(&f, "lat{route=\"/a b\",service=api}", 5, at(0, 1));
    eval(&f, at(0, 999));
    char *k = alert_instance_series(alert_find(f.e, "one{route=\"/a b\",service=api}"));
    assert_string_equal(k, "lat{route=\"/a b\",service=api}");
    free(k);
    k = alert_instance_series(alert_find(f.e, "any{__name__=lat,route=\"/a b\",service=api}"));
    assert_string_equal(k, "lat{route=\"/a b\",service=api}");
    free(k);
    assert_null(alert_instance_series(alert_find(f.e, "grp{service=api}")));
    assert_null(alert_instance_series(alert_find(f.e, "gone")));
    fx_free(&f);
}

/* A process that starts late sees an alert pending that another already announced firing: it
 * adopts the announced state, so it neither re-announces nor goes back to pending. */
static void test_adopt(void **state)
{
    (void)state;
    struct fx f;
    fx_init(&f, "[rule hot]\nexpr = max(lat) over 1s > 10\nfor = 30s\n", NULL);
    put(&f, "lat{s=a}", 50, at(0, 1));
    put(&f, "lat{s=b}", 50, at(0, 1));
    eval(&f, at(0, 999));
    assert_int_equal(state_of(&f, "hot{s=a}"), ALERT_PENDING);
    /* a is announced firing since -5 s, episode from -60 s; b pending since -20 s */
    assert_int_equal(alert_adopt(f.e, "hot{s=a}", ALERT_FIRING, at(-5, 0), at(-60, 0)), 0);
    assert_int_equal(alert_adopt(f.e, "hot{s=b}", ALERT_PENDING, at(-20, 0), at(-20, 0)), 0);
    assert_int_equal(alert_adopt(f.e, "hot{s=c}", ALERT_FIRING, 0, 0), -1);
    assert_int_equal(alert_adopt(f.e, "hot{s=a}", ALERT_RESOLVED, 0, 0), -1);
    const struct alert_instance *a = alert_find(f.e, "hot{s=a}");
    assert_int_equal(a->state, ALERT_FIRING);
    assert_int_equal(a->since_ms, at(-5, 0));
    assert_int_equal(a->active_since_ms, at(-60, 0));
    assert_int_equal(alert_adopt(f.e, "hot{s=a}", ALERT_FIRING, 0, 0), -1); /* not pending */

    put(&f, "lat{s=a}", 50, at(1, 1));
    put(&f, "lat{s=b}", 50, at(1, 1));
    eval(&f, at(1, 999));
    assert_int_equal(f.ntr, 0); /* a stays firing; b waits until -20 s + 30 s */
    for (int t = 2; t <= 10; t++) {
        put(&f, "lat{s=b}", 50, at(t, 1));
        eval(&f, at(t, 999));
        if (t < 10)
            assert_int_equal(f.ntr, 1 * (t == 2)); /* a resolves at 2 s: no event at 2 s */
    }
    assert_int_equal(f.ntr, 1);
    assert_transition(&f.tr[0], "hot{s=b}", ALERT_PENDING, ALERT_FIRING, at(10, 999));
    assert_int_equal(state_of(&f, "hot{s=a}"), ALERT_RESOLVED);
    fx_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_for_timing),
        cmocka_unit_test(test_for_zero_and_pending_to_inactive),
        cmocka_unit_test(test_quantile_rule_resolves),
        cmocka_unit_test(test_rate_right_after_start),
        cmocka_unit_test(test_keep_firing_for_and_flapping),
        cmocka_unit_test(test_resolved_again_and_retention),
        cmocka_unit_test(test_ack),
        cmocka_unit_test(test_silences),
        cmocka_unit_test(test_by_groups_exact),
        cmocka_unit_test(test_instances_per_series),
        cmocka_unit_test(test_absent_and_empty_windows),
        cmocka_unit_test(test_absent_needs_a_covered_window),
        cmocka_unit_test(test_reload_and_order),
        cmocka_unit_test(test_quantile_pruning_matches_brute_force),
        cmocka_unit_test(test_sliced_evaluation_matches_whole),
        cmocka_unit_test(test_sliced_evaluation_with_ingest_between_steps),
        cmocka_unit_test(test_instance_series),
        cmocka_unit_test(test_adopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
