/* test_alert_eval.c — how the engine evaluates: quantile pruning against brute force, evaluation
 * in slices equal to one whole evaluation (with ingest between steps), instance series, adoption
 * of stored state. */
#include "tests/unit/test_alert_lib.h"

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

/* A unit that builds a window from its slots costs what a step of cheap units does (alert_eval.c
 * more()): the step ends after it. The first evaluation builds every window of the incremental
 * engine, and the full-window engine builds them at every evaluation: one window per step of 16
 * units (a 5m window is 120 fine seconds and 19 coarse slots: 17 units), where a step used to
 * build 16. */
static void test_window_builds_end_a_step(void **state)
{
    (void)state;
    char key[32];
    for (int full = 0; full < 2; full++) {
        struct alert_config cfg = {.full_windows = full};
        struct fx f;
        fx_init(&f, "[rule slow]\nexpr = avg(m) over 5m > 1000\n", &cfg);
        for (int t = 0; t < 300; t++)
            for (int i = 0; i < 20; i++) {
                snprintf(key, sizeof key, "m{i=%d}", i);
                put(&f, key, i + t % 7, at(t, 100));
                put(&f, key, i + t % 5, at(t, 600));
            }
        for (int round = 0; round < 2; round++) {
            struct alert_window_counts c0, c;
            alert_engine_window_counts(f.e, &c0);
            assert_int_equal(alert_eval_begin(f.e, f.tab, at(299 + round, 999)), 0);
            size_t steps = 0, built = 0, most = 0; /* windows built in all, in one step */
            for (bool done = false; !done; steps++) {
                done = alert_eval_step(f.e, 16);
                alert_engine_window_counts(f.e, &c);
                size_t now_built = full ? c.full - c0.full : c.rebuilt - c0.rebuilt;
                most = now_built - built > most ? now_built - built : most;
                built = now_built;
            }
            f.ntr = alert_eval_end(f.e, &f.tr);
            if (full || round == 0) {
                assert_int_equal(built, 20); /* every window built */
                assert_int_equal(most, 1);   /* one a step */
            } else {
                assert_int_equal(built, 0); /* followed since: cheap units, few steps */
                assert_true(steps <= 6);
            }
        }
        fx_free(&f);
    }
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
        cmocka_unit_test(test_quantile_pruning_matches_brute_force),
        cmocka_unit_test(test_sliced_evaluation_matches_whole),
        cmocka_unit_test(test_sliced_evaluation_with_ingest_between_steps),
        cmocka_unit_test(test_window_builds_end_a_step),
        cmocka_unit_test(test_instance_series),
        cmocka_unit_test(test_adopt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
