/* test_alert_board.c — the shared alerts board: put/replace/remove by id, short-id lookup and
 * its ambiguity, acks kept while active and dropped on resolve, panel order, silences (matchers,
 * replacement, expiry). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alert_board.h"

static struct alert_board_entry mk(const char *id, const char *sid, enum alert_state st,
                                   enum rule_severity sev, int64_t since)
{
    struct alert_board_entry e = {0};
    e.id = (char *)id;
    snprintf(e.short_id, sizeof e.short_id, "%s", sid);
    e.rule = (char *)"r";
    e.labels = (char *)"service=api";
    e.state = st;
    e.severity = sev;
    e.value = 1.5;
    e.threshold = NAN;
    e.since_ms = since;
    return e;
}

static void test_put_find_remove(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    struct alert_board_entry e =
        mk("r{service=api}", "aaaaaa", ALERT_PENDING, RULE_SEV_WARNING, 10);
    const struct alert_board_entry *p = alert_board_put(b, &e);
    assert_non_null(p);
    assert_string_equal(p->id, "r{service=api}");
    assert_string_equal(p->expr, ""); /* NULL strings stored as "" */
    assert_string_equal(p->series, "");
    assert_true(isnan(p->threshold));
    assert_ptr_equal(alert_board_find(b, "aaaaaa"), alert_board_find(b, "r{service=api}"));
    e.state = ALERT_FIRING;
    e.value = 7;
    p = alert_board_put(b, &e); /* replaces */
    assert_int_equal(alert_board_count(b), 1);
    assert_int_equal(p->state, ALERT_FIRING);
    assert_true(p->value == 7);

    /* a second entry with the same short id makes the short id ambiguous */
    struct alert_board_entry f = mk("r{service=b}", "aaaaaa", ALERT_PENDING, RULE_SEV_INFO, 11);
    alert_board_put(b, &f);
    assert_null(alert_board_find(b, "aaaaaa"));
    assert_non_null(alert_board_find(b, "r{service=b}"));
    assert_null(alert_board_find(b, "nope"));

    f.state = ALERT_INACTIVE; /* inactive removes */
    assert_null(alert_board_put(b, &f));
    assert_int_equal(alert_board_count(b), 1);
    assert_non_null(alert_board_find(b, "aaaaaa"));
    assert_int_equal(alert_board_remove(b, "r{service=api}"), 0);
    assert_int_equal(alert_board_remove(b, "r{service=api}"), -1);
    assert_int_equal(alert_board_count(b), 0);
    struct alert_board_entry empty = mk("", "x", ALERT_FIRING, RULE_SEV_INFO, 0);
    assert_null(alert_board_put(b, &empty));
    alert_board_free(b);
    alert_board_free(NULL);
}

/* After a leader change the successor may announce at an older event time: "since" stays. */
static void test_since_never_goes_back(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    struct alert_board_entry e =
        mk("r{service=api}", "aaaaaa", ALERT_FIRING, RULE_SEV_WARNING, 100);
    e.active_since_ms = 90;
    alert_board_put(b, &e);
    e.state = ALERT_RESOLVED; /* a lagging successor: its clock is at 98 */
    e.since_ms = 98;
    e.active_since_ms = 80;
    const struct alert_board_entry *p = alert_board_put(b, &e);
    assert_int_equal(p->since_ms, 100);
    assert_int_equal(p->active_since_ms, 80); /* another state: its own */
    e.since_ms = 120; /* later is kept as it comes */
    p = alert_board_put(b, &e);
    assert_int_equal(p->since_ms, 120);
    e.state = ALERT_INACTIVE; /* a new episode after inactive starts afresh */
    alert_board_put(b, &e);
    e.state = ALERT_PENDING;
    e.since_ms = 50;
    p = alert_board_put(b, &e);
    assert_int_equal(p->since_ms, 50);
    alert_board_free(b);
}

static void test_ack_lifetime(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    struct alert_board_entry e = mk("x", "000001", ALERT_RESOLVED, RULE_SEV_PAGE, 1);
    alert_board_put(b, &e);
    assert_int_equal(alert_board_ack(b, "x", "bob", 5), -1); /* resolved: no ack */
    assert_int_equal(alert_board_ack(b, "y", "bob", 5), -1); /* unknown */
    e.state = ALERT_FIRING;
    alert_board_put(b, &e);
    assert_int_equal(alert_board_ack(b, "x", "bob", 5), 0);
    const struct alert_board_entry *p = alert_board_find(b, "x");
    assert_true(p->acked);
    assert_string_equal(p->ack_by, "bob");
    assert_int_equal(p->ack_at_ms, 5);
    e.value = 3; /* a new state of the same entry while firing keeps the ack */
    p = alert_board_put(b, &e);
    assert_true(p->acked);
    assert_string_equal(p->ack_by, "bob");
    e.state = ALERT_RESOLVED; /* resolving ends it */
    p = alert_board_put(b, &e);
    assert_false(p->acked);
    assert_null(p->ack_by);
    e.state = ALERT_FIRING; /* and it does not come back */
    p = alert_board_put(b, &e);
    assert_false(p->acked);

    /* an entry put with its ack (a snapshot) keeps it */
    struct alert_board_entry g = mk("z", "000002", ALERT_FIRING, RULE_SEV_PAGE, 1);
    g.acked = true;
    g.ack_by = (char *)"carol";
    g.ack_at_ms = 9;
    p = alert_board_put(b, &g);
    assert_true(p->acked);
    assert_string_equal(p->ack_by, "carol");
    alert_board_clear(b);
    assert_int_equal(alert_board_count(b), 0);
    alert_board_free(b);
}

/* Strings the board owns passed back to it (a caller re-acking with the stored name, re-putting
 * a found entry, removing by its id): each is read before what it points into is freed. */
static void test_own_strings_as_arguments(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    struct alert_board_entry e = mk("x{k=a}", "000001", ALERT_FIRING, RULE_SEV_PAGE, 1);
    alert_board_put(b, &e);
    assert_int_equal(alert_board_ack(b, "x{k=a}", "bob", 5), 0);
    const struct alert_board_entry *p = alert_board_find(b, "x{k=a}");
    assert_int_equal(alert_board_ack(b, p->id, p->ack_by, 6), 0);
    p = alert_board_find(b, "x{k=a}");
    assert_string_equal(p->ack_by, "bob");
    assert_int_equal(p->ack_at_ms, 6);
    p = alert_board_put(b, p);
    assert_non_null(p);
    assert_string_equal(p->id, "x{k=a}");
    assert_string_equal(p->ack_by, "bob");
    assert_int_equal(alert_board_remove(b, p->id), 0);
    assert_int_equal(alert_board_count(b), 0);

    char err[128];
    assert_int_equal(alert_board_silence(b, "x", 100, "bob", "", err, sizeof err), 0);
    const struct silence *const *sil;
    assert_int_equal(alert_board_silences(b, &sil), 1);
    assert_int_equal(alert_board_silence(b, sil[0]->matcher, 200, sil[0]->who, "", err,
                                         sizeof err),
                     0);
    assert_int_equal(alert_board_silences(b, &sil), 1);
    assert_int_equal(sil[0]->until_ms, 200);
    assert_string_equal(sil[0]->who, "bob");
    assert_int_equal(alert_board_unsilence(b, sil[0]->matcher), 0);
    assert_int_equal(alert_board_silences(b, &sil), 0);
    alert_board_free(b);
}

static void test_panel_order(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    struct alert_board_entry es[] = {
        mk("res_page", "1", ALERT_RESOLVED, RULE_SEV_PAGE, 50),
        mk("pend_crit", "2", ALERT_PENDING, RULE_SEV_CRITICAL, 40),
        mk("fire_warn_old", "3", ALERT_FIRING, RULE_SEV_WARNING, 10),
        mk("fire_warn_new", "4", ALERT_FIRING, RULE_SEV_WARNING, 30),
        mk("fire_page", "5", ALERT_FIRING, RULE_SEV_PAGE, 5),
        mk("fire_warn_new2", "6", ALERT_FIRING, RULE_SEV_WARNING, 30),
        mk("pend_info", "7", ALERT_PENDING, RULE_SEV_INFO, 60),
    };
    for (size_t k = 0; k < sizeof es / sizeof es[0]; k++)
        alert_board_put(b, &es[k]);
    static const char *const want[] = {"fire_page",     "fire_warn_new", "fire_warn_new2",
                                       "fire_warn_old", "pend_crit",     "pend_info",
                                       "res_page"};
    const struct alert_board_entry *const *list;
    size_t n = alert_board_list(b, &list);
    assert_int_equal(n, 7);
    for (size_t k = 0; k < n; k++)
        assert_string_equal(list[k]->id, want[k]);
    size_t counts[4];
    alert_board_counts(b, counts);
    assert_int_equal(counts[ALERT_FIRING], 4);
    assert_int_equal(counts[ALERT_PENDING], 2);
    assert_int_equal(counts[ALERT_RESOLVED], 1);
    /* the order follows changes */
    es[6].state = ALERT_FIRING;
    es[6].severity = RULE_SEV_PAGE;
    alert_board_put(b, &es[6]);
    alert_board_list(b, &list);
    assert_string_equal(list[0]->id, "pend_info"); /* page, most recent */
    assert_string_equal(list[1]->id, "fire_page");
    alert_board_free(b);
}

static void test_silences(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    char err[256];
    const struct silence *const *sil;
    assert_int_equal(alert_board_silence(b, "api_latency", 100, "al", "deploy", err, sizeof err),
                     0);
    assert_int_equal(alert_board_silence(b, "{service=~\"a.*\"}", 50, "bo", "", err, sizeof err),
                     0);
    assert_int_equal(alert_board_silence(b, "bad name!", 50, "bo", "", err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a rule name"));
    assert_int_equal(alert_board_silences(b, &sil), 2);

    /* rule name, label matcher, short id */
    assert_non_null(alert_board_silenced(b, "api_latency", "abcdef", "service=zzz", 60));
    assert_non_null(alert_board_silenced(b, "other", "abcdef", "service=api", 10));
    assert_null(alert_board_silenced(b, "other", "abcdef", "service=api", 50)); /* expired */
    assert_null(alert_board_silenced(b, "other", "abcdef", "service=zzz", 10));
    assert_int_equal(alert_board_silence(b, "abcdef", 70, "cy", "", err, sizeof err), 0);
    assert_non_null(alert_board_silenced(b, "other", "abcdef", "service=zzz", 60));

    /* replacing a matcher keeps one silence with the new expiry */
    assert_int_equal(alert_board_silence(b, "api_latency", 200, "al", "", err, sizeof err), 0);
    assert_int_equal(alert_board_silences(b, &sil), 3);
    assert_int_equal(sil[0]->until_ms, 200);

    /* until 50 and 70, and the rejected "bad name!" (until 50) */
    assert_int_equal(alert_board_expire_silences(b, 70), 3);
    assert_int_equal(alert_board_silences(b, &sil), 1);
    assert_string_equal(sil[0]->matcher, "api_latency");
    assert_int_equal(alert_board_unsilence(b, "api_latency"), 0);
    assert_int_equal(alert_board_unsilence(b, "api_latency"), -1);
    assert_int_equal(alert_board_silence(b, "*", 10, NULL, NULL, err, sizeof err), 0);
    alert_board_clear_silences(b);
    assert_int_equal(alert_board_silences(b, &sil), 0);
    alert_board_free(b);
}

/* A silence from Redis whose matcher is refused (issue 9: a regex that blew up glibc's regcomp)
 * silences nothing, and is kept, with its reason, to be shown and removed. */
static void test_rejected_silences(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    char err[256];
    const struct silence *const *sil;
    const struct alert_board_rejected *rej;
    const char *bomb = "*{a=~x++++++++++++++++++++}";

    assert_int_equal(alert_board_rejected_silences(b, &rej), 0);
    assert_int_equal(alert_board_silence(b, bomb, 100, "mallory", "", err, sizeof err), -1);
    assert_string_equal(err, "bad regex for label 'a' ('+' after a quantifier: stacked or "
                             "possessive quantifiers (x++, a**) are not supported; group "
                             "instead: (x+)+) at column 8");
    assert_int_equal(alert_board_silences(b, &sil), 0);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 1);
    assert_string_equal(rej[0].matcher, bomb);
    assert_string_equal(rej[0].reason, err);
    assert_int_equal(rej[0].until_ms, 100);
    /* it silences nothing, not even what it was meant to */
    assert_null(alert_board_silenced(b, "r", "abcdef", "a=x", 10));
    assert_null(alert_board_silenced(b, "r", "abcdef", "a=xxxx", 10));

    /* the same matcher again replaces the rejection; another one adds one */
    assert_int_equal(alert_board_silence(b, bomb, 200, "mallory", "", err, sizeof err), -1);
    assert_int_equal(alert_board_silence(b, "{a=~\"(\"}", 300, "bo", "", NULL, 0), -1);
    assert_int_equal(alert_board_silence(b, "good", 300, "bo", "", err, sizeof err), 0);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 2);
    assert_int_equal(rej[0].until_ms, 200);
    assert_string_equal(rej[1].reason, "bad regex for label 'a' (missing ')' to close the '(') "
                                       "at column 6");
    assert_int_equal(alert_board_silences(b, &sil), 1);

    /* unsilence removes a rejected one too; expiry and clearing drop them */
    assert_int_equal(alert_board_unsilence(b, bomb), 0);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 1);
    assert_int_equal(alert_board_expire_silences(b, 299), 0);
    assert_int_equal(alert_board_expire_silences(b, 300), 2); /* "good" and the rejected one */
    assert_int_equal(alert_board_rejected_silences(b, &rej), 0);
    assert_int_equal(alert_board_silence(b, bomb, 400, "m", "", err, sizeof err), -1);
    alert_board_clear_silences(b);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 0);
    assert_int_equal(alert_board_silence(b, bomb, 400, "m", "", err, sizeof err), -1);
    alert_board_free(b); /* frees the rejected ones (ASan: no leak) */
}

/* A stored silence that is not a silence at all (any client can write the hash): kept among
 * the rejected ones with the reason, silences nothing, never expires by itself, removable. */
static void test_unreadable_silence_kept(void **state)
{
    (void)state;
    struct alert_board *b = alert_board_new();
    alert_board_reject_silence(b, "r", "not a silence", ALERT_BOARD_UNTIL_UNKNOWN);
    const struct alert_board_rejected *rej;
    assert_int_equal(alert_board_rejected_silences(b, &rej), 1);
    assert_string_equal(rej[0].matcher, "r");
    assert_string_equal(rej[0].reason, "not a silence");
    assert_null(alert_board_silenced(b, "r", "abcdef", "a=1", 10));
    assert_int_equal(alert_board_expire_silences(b, INT64_MAX - 1), 0);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 1);
    assert_int_equal(alert_board_unsilence(b, "r"), 0);
    assert_int_equal(alert_board_rejected_silences(b, &rej), 0);
    alert_board_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_find_remove),
        cmocka_unit_test(test_since_never_goes_back),
        cmocka_unit_test(test_ack_lifetime),
        cmocka_unit_test(test_own_strings_as_arguments),
        cmocka_unit_test(test_panel_order),
        cmocka_unit_test(test_silences),
        cmocka_unit_test(test_rejected_silences),
        cmocka_unit_test(test_unreadable_silence_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
