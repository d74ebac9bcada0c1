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

/* Found by fuzzing (tests/fuzz/fuzz_duration.c): above 2^53 ms the sum was rounded in a double,
 * so "9007199254740993ms" read back as ...992. Exact, or refused. */
static void test_exact_or_refused(void **state)
{
    (void)state;
    assert_int_equal(parse("9007199254740991ms"), 9007199254740991LL);
    assert_int_equal(parse("9007199254740993ms"), -1);
    assert_int_equal(parse("9007199254740992ms"), -1);
    assert_int_equal(parse("104249991374d"), -1); /* 9.007e18 ms */
    assert_int_equal(parse("104249991d"), 104249991LL * 86400000);
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
        cmocka_unit_test(test_exact_or_refused),
        cmocka_unit_test(test_format_short_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
