/* test_chatlog.c — the chat model: ID parsing and order, history/live merge without duplicates
 * (with a seeded property test), scrollback cap, local notices, unread marker and mentions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/chatlog.h"
#include "core/chatrender.h"

static struct chatlog_id id_of(uint64_t ms, uint64_t seq)
{
    return (struct chatlog_id){ms, seq, 0};
}

static enum chatlog_add_result add(struct chatlog *log, uint64_t ms, uint64_t seq, const char *nick,
                                   const char *text)
{
    struct chatlog_entry e = {.id = id_of(ms, seq),
                              .ts_ms = (int64_t)ms,
                              .kind = CHATLOG_MSG,
                              .nick = nick,
                              .nick_len = strlen(nick),
                              .text = text,
                              .text_len = strlen(text)};
    return chatlog_add(log, &e, NULL);
}

/* ---- kinds and IDs ------------------------------------------------------------------------ */

static void test_kinds(void **state)
{
    (void)state;
    const char *names[] = {"msg", "me", "join", "part", "nick", "alert", "system"};
    for (int k = 0; k < 7; k++) {
        enum chatlog_kind got;
        assert_int_equal(chatlog_kind_parse(names[k], strlen(names[k]), &got), 0);
        assert_int_equal(got, k);
        assert_string_equal(chatlog_kind_name(got), names[k]);
    }
    enum chatlog_kind got = CHATLOG_ALERT;
    assert_int_equal(chatlog_kind_parse("msgs", 4, &got), -1);
    assert_int_equal(got, CHATLOG_MSG);
    assert_int_equal(chatlog_kind_parse("", 0, &got), -1);
}

static void test_id_parse_format(void **state)
{
    (void)state;
    struct chatlog_id id;
    char buf[CHATLOG_ID_MAX];
    assert_int_equal(chatlog_id_parse("1700000000000-5", 15, &id), 0);
    assert_true(id.ms == 1700000000000ULL && id.seq == 5 && id.local == 0);
    assert_string_equal(chatlog_id_format(id, buf, sizeof(buf)), "1700000000000-5");
    assert_int_equal(chatlog_id_parse("42", 2, &id), 0);
    assert_true(id.ms == 42 && id.seq == 0);
    assert_int_equal(chatlog_id_parse("18446744073709551615-18446744073709551615", 41, &id), 0);
    assert_string_equal(chatlog_id_format(id, buf, sizeof(buf)),
                        "18446744073709551615-18446744073709551615");
    const char *bad[] = {"",
                         "-1",
                         "1-",
                         "1-a",
                         "a",
                         "1 -2",
                         "1--2",
                         "+1-2",
                         "1-2 ",
                         "18446744073709551616-0",
                         "1-18446744073709551616"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chatlog_id_parse(bad[i], strlen(bad[i]), &id), -1);
        assert_true(chatlog_id_is_zero(id));
    }
    /* length bounds the parse: "12-3" cut at 3 bytes is "12-" */
    assert_int_equal(chatlog_id_parse("12-3", 3, &id), -1);
    assert_int_equal(chatlog_id_parse(NULL, 0, &id), -1);
    /* a short buffer is cut, never overrun */
    char small[5];
    assert_string_equal(chatlog_id_format(id_of(123456, 7), small, sizeof(small)), "1234");
}

/* Found by fuzzing (tests/fuzz/fuzz_chat_json.c): the chat's "ts" field of 19 digits above
 * INT64_MAX overflowed a signed integer (undefined; a negative time in practice). */
static void test_ts_parse(void **state)
{
    (void)state;
    assert_int_equal(chatlog_ts_parse("1700000000123", 13, -1), 1700000000123LL);
    assert_int_equal(chatlog_ts_parse("0", 1, -1), 0);
    assert_int_equal(chatlog_ts_parse("9223372036854775807", 19, -1), INT64_MAX);
    assert_int_equal(chatlog_ts_parse("9223372036854775808", 19, -1), -1);
    assert_int_equal(chatlog_ts_parse("9999999999999999999", 19, -1), -1);
    assert_int_equal(chatlog_ts_parse("99999999999999999999", 20, -1), -1);
    assert_int_equal(chatlog_ts_parse("", 0, 5), 5);
    assert_int_equal(chatlog_ts_parse(NULL, 0, 5), 5);
    assert_int_equal(chatlog_ts_parse("-1", 2, 5), 5);
    assert_int_equal(chatlog_ts_parse("12a", 3, 5), 5);
    assert_int_equal(chatlog_ts_parse("12 ", 3, 5), 5);
}

static void test_id_order(void **state)
{
    (void)state;
    assert_true(chatlog_id_cmp(id_of(1, 9), id_of(2, 0)) < 0);
    assert_true(chatlog_id_cmp(id_of(2, 1), id_of(2, 0)) > 0);
    assert_int_equal(chatlog_id_cmp(id_of(2, 1), id_of(2, 1)), 0);
    struct chatlog_id loc = {2, 1, 1};
    assert_true(chatlog_id_cmp(loc, id_of(2, 1)) > 0);
    assert_true(chatlog_id_cmp(loc, id_of(2, 2)) < 0);
    assert_true(chatlog_id_is_zero((struct chatlog_id){0}));
    assert_false(chatlog_id_is_zero(id_of(0, 1)));
}

/* ---- merge -------------------------------------------------------------------------------- */

static void test_merge_live_then_history(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(0);
    /* live messages arrive while the history read is in flight */
    assert_int_equal(add(log, 10, 0, "bob", "ten"), CHATLOG_ADDED);
    assert_int_equal(add(log, 11, 0, "bob", "eleven"), CHATLOG_ADDED);
    /* the history reply overlaps them */
    for (uint64_t ms = 5; ms <= 11; ms++) {
        char t[16];
        snprintf(t, sizeof(t), "h%llu", (unsigned long long)ms);
        enum chatlog_add_result r = add(log, ms, 0, "bob", t);
        assert_int_equal(r, ms >= 10 ? CHATLOG_DUPLICATE : CHATLOG_ADDED);
    }
    assert_int_equal(chatlog_count(log), 7);
    for (size_t i = 0; i < 7; i++)
        assert_true(chatlog_get(log, i)->id.ms == 5 + i);
    /* the live copy won: the duplicate changed nothing */
    assert_string_equal(chatlog_get(log, 5)->text, "ten");
    assert_null(chatlog_get(log, 7));
    assert_true(chatlog_id_cmp(chatlog_last_id(log), id_of(11, 0)) == 0);
    /* same ms, sequence decides */
    assert_int_equal(add(log, 11, 2, "a", "x"), CHATLOG_ADDED);
    assert_int_equal(add(log, 11, 1, "a", "y"), CHATLOG_ADDED);
    assert_string_equal(chatlog_get(log, 7)->text, "y");
    assert_string_equal(chatlog_get(log, 8)->text, "x");
    assert_int_equal(chatlog_find_after(log, id_of(0, 0)), 0);
    assert_int_equal(chatlog_find_after(log, id_of(7, 0)), 3);
    assert_int_equal(chatlog_find_after(log, id_of(7, 5)), 3);
    assert_int_equal(chatlog_find_after(log, id_of(11, 2)), 9);
    chatlog_free(log);
    chatlog_free(NULL);
}

/* A small xorshift generator so the property test is the same on every run. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Whatever the arrival order and repetition, the log holds exactly the newest `cap` distinct
 * IDs seen, strictly ascending. */
static void test_merge_property(void **state)
{
    (void)state;
    uint64_t seed = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 200; round++) {
        size_t cap = 1 + rng_next(&seed) % 40, universe = 1 + rng_next(&seed) % 120;
        size_t adds = rng_next(&seed) % 300;
        bool seen[128] = {false};
        struct chatlog *log = chatlog_new(cap);
        for (size_t i = 0; i < adds; i++) {
            size_t v = rng_next(&seed) % universe;
            enum chatlog_add_result r = add(log, 1000 + v / 3, v % 3, "n", "t");
            if (seen[v])
                assert_true(r == CHATLOG_DUPLICATE || r == CHATLOG_TOO_OLD);
            seen[v] = true;
        }
        size_t expect[128], ne = 0;
        for (size_t v = universe; v-- > 0;)
            if (seen[v] && ne < cap)
                expect[ne++] = v;
        assert_int_equal(chatlog_count(log), ne);
        for (size_t i = 0; i < ne; i++) {
            const struct chatlog_msg *m = chatlog_get(log, ne - 1 - i);
            assert_true(m->id.ms == 1000 + expect[i] / 3 && m->id.seq == expect[i] % 3);
        }
        chatlog_free(log);
    }
}

static void test_scrollback_cap(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(3);
    for (uint64_t ms = 1; ms <= 5; ms++)
        assert_int_equal(add(log, ms, 0, "a", "x"), CHATLOG_ADDED);
    assert_int_equal(chatlog_count(log), 3);
    assert_true(chatlog_get(log, 0)->id.ms == 3);
    /* older than everything held in a full log */
    assert_int_equal(add(log, 2, 0, "a", "x"), CHATLOG_TOO_OLD);
    /* in the middle: the oldest goes */
    assert_int_equal(add(log, 4, 1, "a", "mid"), CHATLOG_ADDED);
    assert_true(chatlog_get(log, 0)->id.ms == 4 && chatlog_get(log, 1)->id.seq == 1);
    assert_true(chatlog_id_cmp(chatlog_last_id(log), id_of(5, 0)) == 0);
    chatlog_clear(log);
    assert_int_equal(chatlog_count(log), 0);
    assert_true(chatlog_id_cmp(chatlog_last_id(log), id_of(5, 0)) == 0);
    chatlog_reset(log);
    assert_true(chatlog_id_is_zero(chatlog_last_id(log)));
    chatlog_free(log);
}

static void test_local_notices(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(0);
    /* into an empty log: before any remote message */
    size_t i = chatlog_add_local(log, CHATLOG_SYSTEM, 1, "first", 5);
    assert_int_equal(i, 0);
    add(log, 10, 0, "a", "x");
    i = chatlog_add_local(log, CHATLOG_SYSTEM, 2, "note", 4);
    assert_int_equal(i, 2);
    size_t j = chatlog_add_local(log, CHATLOG_SYSTEM, 3, "note2", 5);
    assert_int_equal(j, 3);
    const struct chatlog_msg *n = chatlog_get(log, 2);
    assert_true(n->id.ms == 10 && n->id.seq == 0 && n->id.local == 1);
    assert_int_equal(chatlog_get(log, 3)->id.local, 2);
    assert_string_equal(n->text, "note");
    assert_string_equal(n->nick, "");
    /* history older than the note goes before it, newer live after it */
    add(log, 9, 0, "a", "older");
    add(log, 11, 0, "a", "newer");
    assert_string_equal(chatlog_get(log, 1)->text, "older");
    assert_string_equal(chatlog_get(log, 3)->text, "note");
    assert_string_equal(chatlog_get(log, 5)->text, "newer");
    /* a note never moves the resume point */
    assert_true(chatlog_id_cmp(chatlog_last_id(log), id_of(11, 0)) == 0);
    /* after /clear a note still sorts after what was seen */
    chatlog_clear(log);
    chatlog_add_local(log, CHATLOG_SYSTEM, 4, "after clear", 11);
    assert_true(chatlog_get(log, 0)->id.ms == 11);
    add(log, 11, 1, "a", "next");
    assert_string_equal(chatlog_get(log, 1)->text, "next");
    chatlog_free(log);
}

static void test_message_without_id(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(0);
    add(log, 10, 0, "a", "x");
    struct chatlog_entry e = {
        .kind = CHATLOG_MSG, .nick = "b", .nick_len = 1, .text = "bare", .text_len = 4};
    assert_int_equal(chatlog_add(log, &e, NULL), CHATLOG_ADDED);
    assert_int_equal(chatlog_add(log, &e, NULL), CHATLOG_ADDED); /* never a duplicate */
    assert_int_equal(chatlog_count(log), 3);
    assert_true(chatlog_id_cmp(chatlog_last_id(log), id_of(10, 0)) == 0);
    chatlog_free(log);
}

static void test_truncated_text(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(0);
    size_t n = CHATLOG_STORE_TEXT_MAX + 1000;
    char *big = malloc(n);
    memset(big, 'x', n);
    struct chatlog_entry e = {.id = id_of(1, 0),
                              .kind = CHATLOG_MSG,
                              .nick = "a",
                              .nick_len = 1,
                              .text = big,
                              .text_len = n};
    size_t idx = 99;
    assert_int_equal(chatlog_add(log, &e, &idx), CHATLOG_ADDED);
    assert_int_equal(idx, 0);
    const struct chatlog_msg *m = chatlog_get(log, 0);
    assert_true(m->truncated);
    assert_int_equal(m->text_len, CHATLOG_STORE_TEXT_MAX);
    struct chatrender_line l = CHATRENDER_LINE_INIT;
    chatrender_msg(m, NULL, 0, &l);
    assert_int_equal(l.len, 4 + CHATLOG_STORE_TEXT_MAX + 3);
    assert_memory_equal(l.s + l.len - 3, "\xE2\x80\xA6", 3);
    assert_int_equal(l.mark[l.len - 1], TEXT_MARK_TRUNC);
    assert_int_equal(l.mark[l.len - 4], 0);
    chatrender_msg(m, NULL, TEXT_ASCII, &l);
    assert_memory_equal(l.s + l.len - 3, "...", 3);
    chatrender_line_free(&l);
    free(big);
    chatlog_free(log);
}

/* ---- unread and mentions ------------------------------------------------------------------ */

static void test_unread_and_own(void **state)
{
    (void)state;
    struct chatlog *log = chatlog_new(0);
    chatlog_set_nick(log, "alice");
    add(log, 1, 0, "bob", "hi");
    assert_int_equal(chatlog_first_unread(log), 0);
    assert_int_equal(chatlog_unread(log, NULL), 1);
    uint64_t v = chatlog_version(log);
    chatlog_mark_read(log);
    assert_true(chatlog_version(log) != v);
    v = chatlog_version(log);
    chatlog_mark_read(log); /* nothing new: no change */
    assert_true(chatlog_version(log) == v);
    assert_int_equal(chatlog_unread(log, NULL), 0);
    assert_int_equal(chatlog_first_unread(log), 1);
    add(log, 2, 0, "alice", "mine, alice");
    add(log, 3, 0, "bob", "hey Alice: look");
    add(log, 4, 0, "carol", "lunch?");
    chatlog_add_local(log, CHATLOG_SYSTEM, 5, "a notice", 8);
    size_t men = 9;
    assert_int_equal(chatlog_unread(log, &men), 2);
    assert_int_equal(men, 1);
    assert_int_equal(chatlog_first_unread(log), 1);
    const struct chatlog_msg *own = chatlog_get(log, 1);
    assert_true(own->own);
    assert_false(own->mention); /* own messages never mention */
    assert_true(chatlog_get(log, 2)->mention);
    assert_false(chatlog_get(log, 3)->mention);
    /* the nick only counts for what comes after it is set */
    chatlog_set_nick(log, "carol");
    add(log, 6, 0, "bob", "carol?");
    assert_true(chatlog_get(log, 5)->mention);
    assert_true(chatlog_get(log, 2)->mention);
    /* joins and nick changes naming us are not mentions */
    struct chatlog_entry e = {
        .id = id_of(7, 0), .kind = CHATLOG_JOIN, .nick = "carol2", .nick_len = 6};
    chatlog_add(log, &e, NULL);
    assert_false(chatlog_get(log, 6)->mention);
    chatlog_set_nick(log, NULL);
    add(log, 8, 0, "bob", "carol");
    assert_false(chatlog_get(log, 7)->mention);
    chatlog_free(log);
}

static void test_mentions(void **state)
{
    (void)state;
    struct {
        const char *text, *nick;
        int want;
    } cases[] = {
        {"bob", "bob", 1},
        {"hi bob", "bob", 1},
        {"@bob: hi", "bob", 1},
        {"BOB!", "bob", 1},
        {"bob's turn", "bob", 1},
        {"bobby", "bob", 0},
        {"kabob", "bob", 0},
        {"bob_x", "bob", 0},
        {"x-bob", "bob", 0},
        {"bo b", "bob", 0},
        {"", "bob", 0},
        {"bob", "", 0},
        {"ask [ops]!", "[ops]", 1},
        {"x[ops]y", "[ops]", 1},
        {"李雷你好", "李雷", 1},
        {"hey bob\xE4\xBD\xA0", "bob", 1},
        {"bo", "bob", 0},
        {"a bob b bobby", "bob", 1},
        {"bobby bob", "bob", 1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = chatlog_mentions(cases[i].text, strlen(cases[i].text), cases[i].nick);
        if (got != cases[i].want)
            fail_msg("mentions(\"%s\", \"%s\") = %d", cases[i].text, cases[i].nick, got);
    }
    assert_int_equal(chatlog_mentions("bob", 3, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_id_parse_format),
        cmocka_unit_test(test_id_order),
        cmocka_unit_test(test_ts_parse),
        cmocka_unit_test(test_merge_live_then_history),
        cmocka_unit_test(test_merge_property),
        cmocka_unit_test(test_scrollback_cap),
        cmocka_unit_test(test_local_notices),
        cmocka_unit_test(test_message_without_id),
        cmocka_unit_test(test_truncated_text),
        cmocka_unit_test(test_unread_and_own),
        cmocka_unit_test(test_mentions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
