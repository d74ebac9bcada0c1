/* test_alert.c — the alert state machine under a driven clock: `for` and keep_firing_for timing to
 * the millisecond, flapping, pending -> inactive, resolved -> firing, retention, acks, silences.
 * Expressions over series: test_alert_expr.c; pruning, slices, adoption: test_alert_eval.c. */
#include "tests/unit/test_alert_lib.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
