/* test_alert_expr.c — alert expressions over series: `by` groups against one histogram of all
 * their values, instances per series, absent() and empty windows, rule reloads and panel order. */
#include "tests/unit/test_alert_lib.h"

/* ---------------------------------------------------------------------------------------------
 * Expressions over series. */

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
        {"reg", CLAMPED(4, 0.99)},               /* the series without region: a group of its own */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_by_groups_exact),
        cmocka_unit_test(test_instances_per_series),
        cmocka_unit_test(test_absent_and_empty_windows),
        cmocka_unit_test(test_absent_needs_a_covered_window),
        cmocka_unit_test(test_reload_and_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
