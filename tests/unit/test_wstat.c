/* test_wstat.c — group-mode workers and partitions as `warroom workers` shows them: numbers
 * checked (absent, ok, bad), owner keys "ID TOKEN", dead marks from heartbeat and lease, owned
 * counts, hostile text made visible, and the table cells. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/wstat.h"

#define S(x) (x), strlen(x)

static void test_num(void **state)
{
    (void)state;
    struct wstat_num n = wstat_num_parse(NULL, 0);
    assert_int_equal(n.st, WSTAT_ABSENT);
    n = wstat_num_parse(S("12345"));
    assert_int_equal(n.st, WSTAT_OK);
    assert_int_equal(n.v, 12345);
    n = wstat_num_parse(S("9007199254740992"));
    assert_int_equal(n.st, WSTAT_OK);
    const char *bad[] = {
        "", "-1", "1e3", "12a", " 1", "9007199254740993", "99999999999999999999999", "1.5", "+1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(wstat_num_parse(S(bad[i])).st, WSTAT_BAD);
}

static void test_owner_key(void **state)
{
    (void)state;
    struct wstat s;
    assert_int_equal(wstat_init(&s, 4), 0);
    wstat_part_own(&s.parts[0], S("host:1:abc 17"));
    assert_int_equal(s.parts[0].own, WSTAT_OWNED);
    assert_string_equal(s.parts[0].owner, "host:1:abc");
    assert_int_equal(s.parts[0].token.v, 17);
    wstat_part_own(&s.parts[1], S("id with space 3")); /* the token is after the last space */
    assert_int_equal(s.parts[1].own, WSTAT_OWNED);
    assert_string_equal(s.parts[1].owner, "id with space");
    wstat_part_own(&s.parts[2], S("garbage"));
    assert_int_equal(s.parts[2].own, WSTAT_OWN_BAD);
    assert_non_null(strstr(s.parts[2].error, "not \"ID TOKEN\": garbage"));
    wstat_part_own(&s.parts[3], S("w x"));
    assert_int_equal(s.parts[3].own, WSTAT_OWN_BAD);
    assert_non_null(strstr(s.parts[3].error, "owner token is not a count: x"));
    wstat_free(&s);
    assert_int_equal(wstat_init(&s, 0), -1);
    wstat_free(&s);
}

static void test_dead_and_owned(void **state)
{
    (void)state;
    struct wstat s;
    assert_int_equal(wstat_init(&s, 3), 0);
    int64_t now = 1000000;
    struct wstat_worker *b = wstat_add_worker(&s, S("b"), S("995000"));
    struct wstat_worker *a = wstat_add_worker(&s, S("a"), S("999000"));
    wstat_worker_set(a, WSTAT_W_LEASE, S("2000"));
    wstat_worker_set(b, WSTAT_W_LEASE, S("20000"));
    wstat_add_worker(&s, S("c"), S("980000")); /* no hash: the default lease, 10 s */
    wstat_add_worker(&s, S("d"), S("soon"));
    wstat_part_own(&s.parts[0], S("a 1"));
    wstat_part_own(&s.parts[1], S("a 2"));
    wstat_part_own(&s.parts[2], S("b 3"));
    wstat_finish(&s, now);
    assert_int_equal(s.nworkers, 4);
    assert_string_equal(s.workers[0].id, "a"); /* sorted by id */
    assert_int_equal(s.workers[0].owned, 2);
    assert_false(s.workers[0].dead); /* 1 s old, lease 2 s */
    assert_string_equal(s.workers[1].id, "b");
    assert_int_equal(s.workers[1].owned, 1);
    assert_false(s.workers[1].dead); /* 5 s old, lease 20 s */
    assert_true(s.workers[2].dead);  /* 20 s old, lease 10 s */
    assert_false(s.workers[2].has_hash);
    assert_true(s.workers[3].dead); /* unreadable heartbeat */
    assert_non_null(strstr(s.workers[3].error, "heartbeat"));
    assert_int_equal(s.problems, 1);
    assert_int_equal(s.dead, 2);
    assert_int_equal(s.unowned, 0);
    wstat_free(&s);
}

static void test_hostile_text(void **state)
{
    (void)state;
    struct wstat s;
    assert_int_equal(wstat_init(&s, 1), 0);
    struct wstat_worker *w = wstat_add_worker(&s, "w\0\033[2J", 6, S("1"));
    wstat_worker_set(w, WSTAT_W_HOST, S("evil\033]0;x\007\r\xff"));
    wstat_worker_set(w, WSTAT_W_EVENTS, S("lots\033"));
    wstat_worker_set(w, WSTAT_W_RATE, S("nan"));
    assert_string_equal(w->id, "w^@^[[2J");
    assert_int_equal(w->raw_id_len, 6); /* the hash is read under the real id */
    assert_string_equal(w->host, "evil^[]0;x^G^M\xef\xbf\xbd");
    assert_int_equal(w->events.st, WSTAT_BAD);
    assert_int_equal(w->rate_st, WSTAT_BAD);
    assert_string_equal(w->error, "events is not a count: lots^[");
    char big[1000];
    memset(big, 'x', sizeof(big));
    wstat_worker_set(w, WSTAT_W_PARTITIONS, big, sizeof(big));
    assert_true(strlen(w->partitions) < WSTAT_TEXT_MAX);
    wstat_free(&s);
}

static void test_cells(void **state)
{
    (void)state;
    struct wstat s;
    assert_int_equal(wstat_init(&s, 2), 0);
    struct wstat_worker *w = wstat_add_worker(&s, S("w1"), S("98500"));
    wstat_worker_set(w, WSTAT_W_HOST, S("h"));
    wstat_worker_set(w, WSTAT_W_PID, S("42"));
    wstat_worker_set(w, WSTAT_W_RATE, S("1234.5"));
    wstat_worker_set(w, WSTAT_W_EVENTS, S("x"));
    wstat_part_own(&s.parts[0], S("w1 7"));
    s.parts[0].pttl_ms = (struct wstat_num){1500, WSTAT_OK};
    wstat_part_ckpt(&s.parts[0], WSTAT_C_TS, S("99000"));
    wstat_part_ckpt(&s.parts[0], WSTAT_C_CLOSED, S("3723000")); /* 01:02:03 UTC */
    wstat_part_ckpt(&s.parts[0], WSTAT_C_LAST, S("5-0"));
    wstat_finish(&s, 100000);
    char wc[WSTAT_WC_N][WSTAT_CELL_MAX], pc[WSTAT_PC_N][WSTAT_CELL_MAX];
    wstat_worker_cells(&s, &s.workers[0], wc);
    assert_string_equal(wc[WSTAT_WC_ID], "w1");
    assert_string_equal(wc[WSTAT_WC_PID], "42");
    assert_string_equal(wc[WSTAT_WC_OWNED], "1");
    assert_string_equal(wc[WSTAT_WC_RATE], "1.23k");
    assert_string_equal(wc[WSTAT_WC_EVENTS], "?");
    assert_string_equal(wc[WSTAT_WC_LATE], "-");
    assert_string_equal(wc[WSTAT_WC_HEARTBEAT], "1.50s");
    assert_string_equal(wc[WSTAT_WC_STATE], "live");
    wstat_part_cells(&s, &s.parts[0], pc);
    assert_string_equal(pc[WSTAT_PC_OWNER], "w1");
    assert_string_equal(pc[WSTAT_PC_TOKEN], "7");
    assert_string_equal(pc[WSTAT_PC_TTL], "1.50s");
    assert_string_equal(pc[WSTAT_PC_CKPT], "1.00s");
    assert_string_equal(pc[WSTAT_PC_LAST], "5-0");
    assert_string_equal(pc[WSTAT_PC_CLOSED], "01:02:03Z");
    wstat_part_cells(&s, &s.parts[1], pc);
    assert_string_equal(pc[WSTAT_PC_OWNER], "(unowned)");
    assert_string_equal(pc[WSTAT_PC_TTL], "-");
    wstat_part_ckpt_unreadable(&s.parts[1]);
    wstat_part_own_unreadable(&s.parts[1]);
    wstat_part_cells(&s, &s.parts[1], pc);
    assert_string_equal(pc[WSTAT_PC_OWNER], "?");
    assert_string_equal(pc[WSTAT_PC_EVENTS], "?");
    size_t width[WSTAT_WC_N];
    wstat_col_widths(wstat_worker_cols, WSTAT_WC_N, (const char(*)[WSTAT_CELL_MAX])wc, 1, width);
    assert_int_equal(width[WSTAT_WC_ID], strlen("WORKER"));
    wstat_free(&s);
}

static void test_worker_cap(void **state)
{
    (void)state;
    struct wstat s;
    assert_int_equal(wstat_init(&s, 1), 0);
    char id[16];
    for (int i = 0; i < WSTAT_WORKERS_MAX; i++) {
        int n = snprintf(id, sizeof(id), "w%d", i);
        assert_non_null(wstat_add_worker(&s, id, (size_t)n, S("1")));
    }
    assert_null(wstat_add_worker(&s, S("one-too-many"), S("1")));
    wstat_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_num),
        cmocka_unit_test(test_owner_key),
        cmocka_unit_test(test_dead_and_owned),
        cmocka_unit_test(test_hostile_text),
        cmocka_unit_test(test_cells),
        cmocka_unit_test(test_worker_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
