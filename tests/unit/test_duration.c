/* test_duration.c — "1h30m"-style durations, both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/duration.h"

static int64_t parse(const char *s)
{
    int64_t v = -42;
    if (duration_parse_ms(s, strlen(s), &v) != 0)
        return -1;
    return v;
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(parse("250ms"), 250);
    assert_int_equal(parse("5s"), 5000);
    assert_int_equal(parse("90"), 90000);
    assert_int_equal(parse("1m"), 60000);
    assert_int_equal(parse("15m"), 900000);
    assert_int_equal(parse("1h"), 3600000);
    assert_int_equal(parse("1h30m"), 5400000);
    assert_int_equal(parse("2d"), 172800000);
    assert_int_equal(parse("1w"), 604800000);
    assert_int_equal(parse("1.5s"), 1500);
    assert_int_equal(parse("0s"), 0);
    assert_int_equal(parse("1m0.5s"), 60500);
}

static void test_rejects(void **state)
{
    (void)state;
    const char *bad[] = {"", "s", "5x", "-5s", "1h30", "1..5s", "5 s", "1e3s", "ms", "5S",
                         "99999999999999999999d"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t v = 7;
        assert_int_equal(duration_parse_ms(bad[i], strlen(bad[i]), &v), -1);
        assert_int_equal(v, 7);
    }
}

static void test_format_round_trip(void **state)
{
    (void)state;
    char b[32];
    int64_t cases[] = {0, 1, 250, 1000, 60000, 90000, 5400000, 86400000, 90061000, 1500};
    const char *want[] = {"0s", "1ms", "250ms", "1s", "1m", "1m30s", "1h30m", "1d", "1d1h1m1s",
                          "1500ms"};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        duration_format(cases[i], b, sizeof(b));
        assert_string_equal(b, want[i]);
        assert_int_equal(parse(b), cases[i]);
    }
}

/* Past 2^53 ms a double cannot hold every millisecond: the parser counts in integers, so
 * every value up to INT64_MAX reads back exactly, and anything larger is refused. */
static void test_exact_past_2_53(void **state)
{
    (void)state;
    assert_true(parse("9007199254740993ms") == INT64_C(9007199254740993)); /* 2^53 + 1 */
    assert_true(parse("9007199254740.993s") == INT64_C(9007199254740993));
    assert_true(parse("9007199254740993.4ms") == INT64_C(9007199254740993));
    assert_true(parse("9007199254740992.5ms") == INT64_C(9007199254740993)); /* half up */
    assert_true(parse("9223372036854775807ms") == INT64_MAX);
    assert_true(parse("9223372036854775806ms1ms") == INT64_MAX);
    assert_true(parse("15250284452w") == INT64_C(9223372036569600000));
    assert_true(parse("15250284452w285175807ms") == INT64_MAX);
    assert_true(parse("106751991167d7h12m55s807ms") == INT64_MAX);
    assert_true(parse("3074457345618258602.3333333333333333333333333333ms") ==
                INT64_C(3074457345618258602));
    /* one past the end, however written, is refused with out untouched */
    const char *over[] = {"9223372036854775808ms", "9223372036854775807ms1ms", "15250284453w",
                          "106751991167d7h12m55s808ms", "9223372036854775807.5ms",
                          "99999999999999999999999999ms", "184467440737095516160ms"};
    for (size_t i = 0; i < sizeof(over) / sizeof(over[0]); i++) {
        int64_t v = 7;
        assert_int_equal(duration_parse_ms(over[i], strlen(over[i]), &v), -1);
        assert_int_equal(v, 7);
    }
    /* fractions round to the nearest millisecond, exactly, whatever the number of digits */
    assert_int_equal(parse("0.5ms"), 1);
    assert_int_equal(parse("0.4999999999999999999999999ms"), 0);
    assert_int_equal(parse("0.0005s"), 1);
    assert_int_equal(parse("0.00049999999999999999999s"), 0);
    assert_int_equal(parse("1.5w"), 907200000);
    assert_int_equal(parse("0.0000000009w"), 1); /* 0.544 ms */
    assert_int_equal(parse(".5s"), 500);
    assert_int_equal(parse("5.s"), 5000);
    assert_int_equal(parse("000000000000000000000000000001s"), 1000);
    /* round trip of large values through duration_format */
    char b[64];
    const int64_t big[] = {INT64_MAX, INT64_C(9007199254740993), INT64_C(9223372036854775000)};
    for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
        duration_format(big[i], b, sizeof(b));
        assert_true(parse(b) == big[i]);
    }
}

/* Found by fuzzing: with cap 0 duration_format wrote a NUL into the (empty) buffer. */
static void test_format_short_buffer(void **state)
{
    (void)state;
    assert_int_equal(duration_format(5400000, NULL, 0), 5);
    char b[4] = "xyz";
    assert_int_equal(duration_format(5400000, b, 3), 5);
    assert_string_equal(b, "1h");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_exact_past_2_53),
        cmocka_unit_test(test_format_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
