/* test_number.c — decimal parsing: forms accepted and refused, rounding, locale independence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/number.h"

static int parse(const char *s, double *v)
{
    return number_parse_decimal(s, strlen(s), v);
}

static void test_accepted_forms(void **state)
{
    (void)state;
    double v;
    assert_int_equal(parse("0", &v), 0);
    assert_true(v == 0 && !signbit(v));
    assert_int_equal(parse("-0", &v), 0);
    assert_true(v == 0 && signbit(v));
    assert_int_equal(parse("1.5", &v), 0);
    assert_true(v == 1.5);
    assert_int_equal(parse("+2.", &v), 0);
    assert_true(v == 2.0);
    assert_int_equal(parse(".25", &v), 0);
    assert_true(v == 0.25);
    assert_int_equal(parse("1e3", &v), 0);
    assert_true(v == 1000.0);
    assert_int_equal(parse("-12.5E-2", &v), 0);
    assert_true(v == -0.125);
    assert_int_equal(parse("1e30", &v), 0);
    assert_true(v == 1e30);
    assert_int_equal(parse("1e-400", &v), 0); /* underflow: zero */
    assert_true(v == 0);
    assert_int_equal(parse("0.1", &v), 0);
    assert_true(v == 0.1);
}

static void test_refused_forms(void **state)
{
    (void)state;
    const char *bad[] = {"", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "nan", "inf",
                         "Infinity", " 1", "1 ", "1f", "--1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        double v = 42;
        assert_int_equal(parse(bad[i], &v), -1);
        assert_true(v == 42);
    }
    double v;
    assert_int_equal(parse("1e999", &v), 1);
    assert_int_equal(parse("-1e400", &v), 1);
}

static void test_round_trip_of_printed_doubles(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    char buf[40];
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof(d));
        if (!isfinite(d))
            continue;
        snprintf(buf, sizeof(buf), "%.17g", d);
        double back;
        assert_int_equal(parse(buf, &back), 0);
        assert_memory_equal(&back, &d, sizeof(d));
    }
    double v;
    snprintf(buf, sizeof(buf), "%.17g", DBL_MAX);
    assert_int_equal(parse(buf, &v), 0);
    assert_true(v == DBL_MAX);
}

static void test_long_inputs_round_correctly(void **state)
{
    (void)state;
    /* 0.1 written with 800 digits of zeros then a 1: still rounds to 0.1 */
    char buf[1024] = "0.1";
    size_t n = strlen(buf);
    memset(buf + n, '0', 800);
    buf[n + 800] = '1';
    buf[n + 801] = '\0';
    double v;
    assert_int_equal(parse(buf, &v), 0);
    assert_true(v == 0.1);
}

static void test_independent_of_locale(void **state)
{
    (void)state;
    /* a comma-decimal locale, if installed, must not change the result */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL && setlocale(LC_NUMERIC, "fr_FR.UTF-8") == NULL)
        setlocale(LC_NUMERIC, "C");
    double v;
    assert_int_equal(parse("1.5", &v), 0);
    assert_true(v == 1.5);
    assert_int_equal(parse("123456789012345678901234.5e-3", &v), 0);
    assert_true(fabs(v - 123456789012345678901.2345) < 1e6);
    setlocale(LC_NUMERIC, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_forms),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_round_trip_of_printed_doubles),
        cmocka_unit_test(test_long_inputs_round_correctly),
        cmocka_unit_test(test_independent_of_locale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
