/* test_alert_win.c — incremental alert windows against the reference evaluator (full_windows)
 * over randomized events: every aggregation, window shapes, late events, reloads; states, values
 * and transitions equal at every evaluation, to the bit (sums within MOMENTS_TOL). */
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
#include "core/rollsum.h"
#include "core/series.h"

static const int64_t T0 = 1700000400000LL;

static int64_t at(int64_t s, int64_t ms)
{
    return T0 + s * 1000 + ms;
}

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static double value(uint64_t *s)
{
    switch (rnd(s) % 16) {
    case 0:
        return 0.0;
    case 1:
        return -0.0;
    case 2:
        return 1e-12; /* counts as zero in a histogram */
    case 3:
        return -(double)(rnd(s) % 5000) / 7;
    case 4:
        return 1e9 + (double)(rnd(s) % 100);
    default:
        return (double)(rnd(s) % 100000) / 100;
    }
}

static const char *const aggs[] = {"count", "rate",  "sum",      "avg",   "min",   "max",   "first",
                                   "last",  "range", "std.p",    "std.s", "var.p", "var.s", "p50",
                                   "p90",   "p99",   "increase", "p999",  "p75",   "p99.99"};
#define NAGGS (sizeof aggs / sizeof aggs[0])

/* Every aggregation over every window, per series and by g, plus absent(): each condition
 * holds for any value, so every window with a value is listed with it. */
static char *make_rules(const char *const *windows, size_t nwin)
{
    size_t cap = 1 << 16, len = 0;
    char *t = malloc(cap);
    int n = 0;
    assert_non_null(t);
    for (size_t w = 0; w < nwin; w++) {
        for (size_t a = 0; a < NAGGS; a++) {
            len += (size_t)snprintf(t + len, cap - len,
                                    "[rule r%d]\nexpr = %s(m) over %s != 1e300\n"
                                    "[rule r%d]\nexpr = %s(m{i!=\"2\"}) by (g) over %s != 1e300\n",
                                    n, aggs[a], windows[w], n + 1, aggs[a], windows[w]);
            n += 2;
            assert_true(len < cap - 256);
        }
        len += (size_t)snprintf(t + len, cap - len,
                                "[rule r%d]\nexpr = absent(m{i=\"3\"}) over %s\n", n++, windows[w]);
    }
    return t;
}

static void set_rules(struct alert_engine *e, const char *rules)
{
    struct rule_set set;
    char err[256];
    if (rule_parse_file_text(rules, strlen(rules), "t.rules", &set, err, sizeof err) != 0)
        fail_msg("rules: %s", err);
    alert_engine_set_rules(e, &set);
}

static struct alert_engine *engine(const char *rules, bool full)
{
    struct alert_config cfg = {.resolved_retention_ms = 600000, .full_windows = full};
    struct alert_engine *e = alert_engine_new(&cfg);
    set_rules(e, rules);
    return e;
}

static bool same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* The aggregations computed from sums (sum, avg, std.*, var.*), whose incremental values are
 * kept by adding and subtracting slots: equal within MOMENTS_TOL (relative) of the full merge,
 * whose own result depends on the order it merges slots in. Every other one: to the bit. */
#define MOMENTS_TOL 1e-10

static bool is_moments(const char *id)
{
    int n = atoi(id + 1), k = n % (int)(2 * NAGGS + 1);
    if (k >= (int)(2 * NAGGS))
        return false; /* absent() */
    const char *a = aggs[k / 2];
    return strcmp(a, "sum") == 0 || strcmp(a, "avg") == 0 || a[0] == 'v' ||
           strncmp(a, "std", 3) == 0;
}

static void same_value(const char *id, double a, double b)
{
    if (same_bits(a, b))
        return;
    if (is_moments(id) && fabs(a - b) <= MOMENTS_TOL * fmax(fabs(a), fabs(b)))
        return;
    fail_msg("%s: %.17g != %.17g", id, a, b);
}

static void same_transitions(const struct alert_transition *a, size_t na,
                             const struct alert_transition *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++) {
        assert_string_equal(a[k].instance_id, b[k].instance_id);
        assert_int_equal(a[k].from, b[k].from);
        assert_int_equal(a[k].to, b[k].to);
        assert_int_equal(a[k].at_ms, b[k].at_ms);
        same_value(a[k].instance_id, a[k].value, b[k].value);
    }
}

static size_t same_instances(struct alert_engine *a, struct alert_engine *b)
{
    const struct alert_instance *const *la, *const *lb;
    size_t na = alert_instances(a, &la), nb = alert_instances(b, &lb);
    assert_int_equal(na, nb);
    for (size_t k = 0; k < na; k++) {
        assert_string_equal(la[k]->id, lb[k]->id);
        assert_int_equal(la[k]->state, lb[k]->state);
        same_value(la[k]->id, la[k]->value, lb[k]->value);
    }
    return na;
}

/* ref (full windows) and inc (incremental) evaluated at now_ms: the same transitions. */
static void eval_both(struct alert_engine *ref, struct alert_engine *inc,
                      const struct series_table *tab, int64_t now_ms)
{
    const struct alert_transition *ta, *tb;
    size_t na = alert_eval(ref, tab, now_ms, &ta);
    size_t nb = alert_eval(inc, tab, now_ms, &tb);
    same_transitions(ta, na, tb, nb);
}

struct scenario {
    uint32_t fine, coarse, retention; /* timeline config */
    int64_t lateness_ms;
    const char *const *windows;
    size_t nwin;
    int seconds;
    uint64_t seed;
    unsigned late_one_in; /* one event in this many is sent late */
    int64_t late_max_ms;  /* by up to this much (0: half the retention) */
    bool rollups;         /* every event comes as a rollup of its second (series_table_merge) */
};

static void run(const struct scenario *sc)
{
    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.timeline.fine_slots = sc->fine;
    tc.timeline.coarse_s = sc->coarse;
    tc.timeline.retention_s = sc->retention;
    tc.lateness_ms = sc->lateness_ms;
    struct series_table *tab = series_table_new(&tc);
    char *rules = make_rules(sc->windows, sc->nwin);
    struct alert_engine *ref = engine(rules, true), *inc = engine(rules, false),
                        *sliced = engine(rules, false);
    free(rules);
    /* the sliced engine's budgets from a sequence of their own: the data never depends on
     * how the evaluations were sliced */
    uint64_t seed = sc->seed, bseed = ~sc->seed;
    char key[64];
    size_t listed = 0;

    for (int t = 0; t < sc->seconds; t++) {
        for (int i = 0; i < 8; i++) {
            if (t < 10 * i)
                continue; /* series appear one after another */
            if ((t / 40 + i) % 5 == 0)
                continue; /* and go quiet for a while */
            snprintf(key, sizeof key, "m{g=\"%d\",i=\"%d\"}", i % 3, i);
            bool huge = sc->retention < 100 && i == 7 && (t == 200 || t == 201);
            int n = (int)(rnd(&seed) % 5) + huge;
            for (int j = 0; j < n; j++) {
                int64_t ts = at(t, (int64_t)(rnd(&seed) % 1000));
                int64_t late_max = sc->late_max_ms ? sc->late_max_ms : sc->retention * 1000 / 2;
                if (rnd(&seed) % sc->late_one_in == 0) /* late: within lateness or behind it */
                    ts -= (int64_t)(rnd(&seed) % (uint64_t)late_max);
                double v = value(&seed);
                if (huge && j == 0)
                    v = 1.5e308; /* the two overflow the window's sum, and span 35 000 bins */
                if (sc->rollups) {
                    struct rollsum r;
                    rollsum_init(&r);
                    rollsum_add(&r, v, ts);
                    series_table_merge(tab, key, strlen(key), ts - (ts % 1000 + 1000) % 1000, &r);
                    rollsum_free(&r);
                } else {
                    series_table_ingest(tab, key, strlen(key), v, ts);
                }
            }
        }
        if (t == sc->seconds / 2) { /* a reload drops the first window length */
            char *again = make_rules(sc->windows + 1, sc->nwin - 1);
            set_rules(ref, again);
            set_rules(inc, again);
            set_rules(sliced, again);
            free(again);
        }
        if (rnd(&seed) % 6 == 0)
            continue; /* no evaluation this second */
        if (t % 97 == 50)
            t += (int)(rnd(&seed) % 30); /* a long pause: windows leave entirely */
        const struct alert_transition *ta, *tb, *tc2;
        int64_t now = at(t, 999);
        size_t na = alert_eval(ref, tab, now, &ta);
        size_t nb = alert_eval(inc, tab, now, &tb);
        same_transitions(ta, na, tb, nb);
        assert_int_equal(alert_eval_begin(sliced, tab, now), 0);
        while (!alert_eval_step(sliced, 1 + rnd(&bseed) % 7))
            ;
        size_t nc = alert_eval_end(sliced, &tc2);
        same_transitions(ta, na, tc2, nc);
        listed += same_instances(ref, inc);
        same_instances(ref, sliced);
    }
    struct alert_window_counts ci, cr;
    alert_engine_window_counts(inc, &ci);
    alert_engine_window_counts(ref, &cr);
    /* the comparison is not vacuous: values were listed, and most windows were incremental */
    assert_true(listed > 1000);
    assert_int_equal(cr.incremental, 0);
    print_message("windows: %llu incremental (%llu rebuilt), %llu full; group quantiles: %llu "
                  "from the top, %llu in full (%llu after a short top)\n",
                  (unsigned long long)ci.incremental, (unsigned long long)ci.rebuilt,
                  (unsigned long long)ci.full, (unsigned long long)ci.group_top,
                  (unsigned long long)ci.group_full, (unsigned long long)ci.group_top_short);
    assert_int_equal(cr.group_top + cr.group_top_short, 0);
    assert_true(ci.group_top > 0 && ci.group_top_short > 0); /* both ways were taken */
    assert_true(ci.incremental - ci.rebuilt > ci.incremental / (sc->late_one_in > 10 ? 2 : 8));
    alert_engine_free(ref);
    alert_engine_free(inc);
    alert_engine_free(sliced);
    series_table_free(tab);
}

/* Small rings: 8 fine seconds, 3-s coarse slots, 40 s kept; ten window lengths (more than are
 * followed), inside the fine ring, across coarse slots, longer than the retention. */
static void test_small_rings(void **state)
{
    (void)state;
    static const char *const w[] = {"1s", "2s", "3s", "5s", "7s", "11s", "20s", "39s", "45s", "2m"};
    /* 16: a reused slot's histogram kept the window of a huge value (hist_reset), so the
     * full merge folded later values into it and read p50 as 549 for 401.55 */
    static const uint64_t seeds[] = {1, 2, 16};
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        uint64_t seed = seeds[k];
        struct scenario sc = {8,   3,           40, 2000, w,    sizeof w / sizeof w[0],
                              400, seed * 7919, 8,  0,    false};
        run(&sc);
        sc.late_one_in = 60;
        run(&sc);
    }
}

/* The default rings (120 fine seconds, 10-s coarse slots, 15 min) and lateness. */
static void test_default_rings(void **state)
{
    (void)state;
    static const char *const w[] = {"1s", "10s", "1m", "115s", "5m", "14m", "20m"};
    struct scenario sc = {120, 10, 900, 5000, w, sizeof w / sizeof w[0], 1000, 12345, 50, 0, false};
    run(&sc);
}

/* Series mostly in order, so that their windows close the seconds before the head
 * (ALERT_WIN_CALM_S), and now and then an event a few seconds back: below the head, mostly
 * within the lateness (not late, yet in seconds those windows had closed), sometimes past it. */
static void test_calm_series(void **state)
{
    (void)state;
    static const char *const w[] = {"1s", "10s", "1m", "5m"};
    struct scenario sc = {120, 10,  900, 5000, w,    sizeof w / sizeof w[0],
                          900, 777, 400, 7000, false};
    run(&sc);
    static const char *const ws[] = {"1s", "2s", "5s", "7s", "20s"};
    struct scenario small = {8,   3,    40,  2000, ws,   sizeof ws / sizeof ws[0],
                             600, 4242, 300, 3000, false};
    run(&small);
    small.rollups = true; /* rollups of past seconds move the series' behind counter too */
    run(&small);
}

/* Values spread over hundreds leave a window that then holds one value repeated: its standard
 * deviation and variance are 0, to the bit, as the full merge says (the sums kept by adding and
 * subtracting leave a rounding residue: a std of ~1e-5 before). */
static void test_constant_after_spread(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *rules = "[rule sd]\nexpr = std.p(m) over 10s != 1e300\n"
                        "[rule vs]\nexpr = var.s(m) over 10s != 1e300\n"
                        "[rule av]\nexpr = avg(m) over 10s != 1e300\n";
    struct alert_engine *ref = engine(rules, true), *inc = engine(rules, false);
    uint64_t seed = 99;
    int t = 0, residue = 0;
    for (int round = 0; round < 20; round++) {
        for (int k = 0; k < 30; k++, t++) { /* spread, then constant for longer than the window */
            for (int j = 0; j < 3; j++) {
                double v = k < 12 ? 100.0 + (double)(rnd(&seed) % 90000) / 100.0 : 7.3;
                series_table_ingest(tab, "m", 1, v, at(t, 100 + 200 * j));
            }
            eval_both(ref, inc, tab, at(t, 999));
            const struct alert_instance *const *la, *const *lb;
            size_t na = alert_instances(ref, &la), nb = alert_instances(inc, &lb);
            assert_int_equal(na, nb);
            for (size_t n = 0; n < na; n++) {
                if (k >= 12 + 10 + 6 && la[n]->id[0] != 'a') { /* the window is all 7.3 */
                    assert_true(la[n]->value == 0.0);
                    residue += lb[n]->value != 0.0;
                }
                if (k >= 12 + 10 + 6 && la[n]->id[0] == 'a')
                    assert_true(same_bits(la[n]->value, lb[n]->value)); /* the mean: 7.3 */
            }
        }
    }
    assert_int_equal(residue, 0);
    alert_engine_free(ref);
    alert_engine_free(inc);
    series_table_free(tab);
}

/* Values of hundreds, then values near 1e9 that differ by 47: the sums kept about a shift set
 * by the hundreds lose the variance to rounding (a std of 23.32 for 23.5 before); read again
 * about the window's mean, std.p is 23.5 and var.s 4418/7 within 1e-8: a mean of 1e9 is itself
 * rounded to 1.2e-7, so merging the open second into the closed ones (and the full merge) is
 * off by ~1e-9 of a spread of 47. */
static void test_far_from_shift(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *rules = "[rule sd]\nexpr = std.p(m) over 8s != 1e300\n"
                        "[rule vs]\nexpr = var.s(m) over 8s != 1e300\n";
    struct alert_engine *inc = engine(rules, false);
    uint64_t seed = 5;
    int checked = 0;
    uint64_t reads = 0;
    for (int t = 0; t < 200; t++) {
        bool far = (t / 40) % 2 == 1;
        double v = far ? 1000000007.0 + 47.0 * (double)(t % 2) : 100 + (double)(rnd(&seed) % 200);
        series_table_ingest(tab, "m", 1, v, at(t, 500));
        const struct alert_transition *tr;
        struct alert_window_counts wc0, wc1;
        alert_engine_window_counts(inc, &wc0);
        alert_eval(inc, tab, at(t, 999), &tr);
        alert_engine_window_counts(inc, &wc1);
        if (!far || t % 40 < 7)
            continue; /* the window is not all of the far values yet */
        const struct alert_instance *const *l;
        size_t n = alert_instances(inc, &l);
        assert_int_equal(n, 2);
        reads += wc1.incremental - wc0.incremental;
        for (size_t k = 0; k < n; k++) {
            double want = l[k]->id[0] == 's' ? 23.5 : 4418.0 / 7.0;
            if (fabs(l[k]->value - want) > 1e-8 * want)
                fail_msg("t=%d %s: %.17g, not %.17g", t, l[k]->id, l[k]->value, want);
            checked++;
        }
    }
    assert_int_equal(checked, 2 * 2 * 33);
    assert_true(reads > 0); /* some of them from the kept windows */
    alert_engine_free(inc);
    series_table_free(tab);
}

/* One event/s for two minutes closes a series' seconds before its head (calm); then an event
 * lands two seconds below the head, on time, and the table's watermark passes that second
 * (another series moves on) before the next evaluation: the window must take it in (a window
 * that only rebuilt when the watermark fell below what it had closed missed it). And a history
 * rollup (never late) into a second the watermark had closed long before, the other series
 * running ahead all along. */
static void test_behind_then_watermark(void **state)
{
    (void)state;
    for (int history = 0; history < 2; history++) {
        struct series_table *tab = series_table_new(NULL); /* lateness 5 s */
        const char *rules = "[rule c]\nexpr = count(m{i=\"x\"}) over 1m != 1e300\n"
                            "[rule s]\nexpr = sum(m{i=\"x\"}) over 5m != 1e300\n";
        struct alert_engine *ref = engine(rules, true), *inc = engine(rules, false);
        const char *x = "m{i=\"x\"}", *y = "m{i=\"y\"}";
        int t = 0, lead = history ? 7 : 0;
        for (; t < 130; t++) {
            series_table_ingest(tab, x, strlen(x), 1, at(t, 100));
            series_table_ingest(tab, y, strlen(y), 1, at(t + lead, 100));
            eval_both(ref, inc, tab, at(t, 999));
        }
        if (history) {
            struct rollsum r;
            rollsum_init(&r);
            rollsum_add(&r, 1000, at(t - 3, 500));
            struct series *s = series_table_get_or_add(tab, x, strlen(x));
            assert_non_null(s);
            assert_int_equal(series_table_merge_series(tab, s, at(t - 3, 0), &r, true),
                             SERIES_ADDED);
            rollsum_free(&r);
        } else {
            assert_int_equal(series_table_ingest(tab, x, strlen(x), 1000, at(t - 2, 500)),
                             SERIES_ADDED);
            for (int k = 0; k < 7; k++) /* the watermark passes second t - 2 */
                series_table_ingest(tab, y, strlen(y), 1, at(t + k, 100));
        }
        for (int k = 0; k < 7; k++) {
            eval_both(ref, inc, tab, at(t + k, 999));
            assert_int_equal(same_instances(ref, inc), 2);
        }
        alert_engine_free(ref);
        alert_engine_free(inc);
        series_table_free(tab);
    }
}

/* Values that rise and fall for minutes (a sawtooth, and one slowly rising with noise): a
 * window's min or max candidates outgrow the list kept (ALERT_WIN_EXT_KEEP), so when the slot
 * holding an extreme leaves, the extreme is read again from the slots or taken from the list
 * only once every slot dropped from it has left. */
static void test_trending_extremes(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *rules = "[rule lo]\nexpr = min(m) over 1m != 1e300\n"
                        "[rule hi]\nexpr = max(m) over 1m != 1e300\n"
                        "[rule r5]\nexpr = range(m) over 5m != 1e300\n"
                        "[rule r20]\nexpr = range(m) over 20s != 1e300\n";
    struct alert_engine *ref = engine(rules, true), *inc = engine(rules, false);
    uint64_t seed = 5;
    for (int t = 0; t < 900; t++) {
        for (int i = 0; i < 3; i++) {
            char key[32];
            snprintf(key, sizeof key, "m{i=\"%d\"}", i);
            double saw = (double)(t % (37 + 50 * i)), v;
            v = i == 2                    ? t + (double)(rnd(&seed) % 2000) / 100
                : (t / (37 + 50 * i)) % 2 ? -saw
                                          : saw;
            series_table_ingest(tab, key, strlen(key), v, at(t, 300));
            series_table_ingest(tab, key, strlen(key), v + 0.5, at(t, 600));
        }
        eval_both(ref, inc, tab, at(t, 999));
        assert_int_equal(same_instances(ref, inc), 12);
    }
    alert_engine_free(ref);
    alert_engine_free(inc);
    series_table_free(tab);
}

/* The series table grows thirtyfold between two evaluations, so the second one takes new
 * chunks of windows and memos (core/alert_wins.c) while quantiles read windows' bins in place
 * (the kept bins and the open seconds', not a copy; run under ASan by make check): values equal
 * the full merge's throughout. */
static void test_table_grows(void **state)
{
    (void)state;
    struct series_table *tab = series_table_new(NULL);
    const char *rules = "[rule q]\nexpr = p99(m) by (g) over 10s != 1e300\n"
                        "[rule s]\nexpr = p50(m) over 20s != 1e300\n";
    struct alert_engine *ref = engine(rules, true), *inc = engine(rules, false);
    char key[64];
    uint64_t seed = 99;
    for (int round = 0; round < 2; round++) {
        int nseries = round == 0 ? 10 : 300;
        for (int t = 0; t < 20; t++) {
            for (int i = 0; i < nseries; i++) {
                snprintf(key, sizeof key, "m{g=\"%d\",i=\"%d\"}", i % 2, i);
                for (int j = 0; j < 3; j++)
                    series_table_ingest(tab, key, strlen(key),
                                        1 + (double)(rnd(&seed) % 10000) / 10, /* few bins */
                                        at(100 * round + t, (int64_t)(rnd(&seed) % 1000)));
            }
            eval_both(ref, inc, tab, at(100 * round + t, 999));
            same_instances(ref, inc);
        }
    }
    struct alert_window_counts ci;
    alert_engine_window_counts(inc, &ci);
    print_message("windows: %llu incremental, %llu full\n", (unsigned long long)ci.incremental,
                  (unsigned long long)ci.full);
    assert_true(ci.incremental > 10 * ci.full); /* read in place, not merged from the slots */
    alert_engine_free(ref);
    alert_engine_free(inc);
    series_table_free(tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_after_spread), cmocka_unit_test(test_far_from_shift),
        cmocka_unit_test(test_small_rings),           cmocka_unit_test(test_default_rings),
        cmocka_unit_test(test_calm_series),           cmocka_unit_test(test_behind_then_watermark),
        cmocka_unit_test(test_trending_extremes),     cmocka_unit_test(test_table_grows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
