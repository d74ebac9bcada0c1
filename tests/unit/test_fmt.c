/* test_fmt.c — humanised numbers and durations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/fmt.h"

static void test_si(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(fmt_si(0, b, sizeof(b)), "0");
    assert_string_equal(fmt_si(7, b, sizeof(b)), "7");
    assert_string_equal(fmt_si(999, b, sizeof(b)), "999");
    assert_string_equal(fmt_si(1234, b, sizeof(b)), "1.23k");
    assert_string_equal(fmt_si(45600, b, sizeof(b)), "45.6k");
    assert_string_equal(fmt_si(3.4e6, b, sizeof(b)), "3.40M");
    assert_string_equal(fmt_si(999999, b, sizeof(b)), "1.00M");
    assert_string_equal(fmt_si(-1500, b, sizeof(b)), "-1.50k");
    assert_string_equal(fmt_si(12.5, b, sizeof(b)), "12.5");
    assert_string_equal(fmt_si(2e15, b, sizeof(b)), "2P");
    assert_string_equal(fmt_si(NAN, b, sizeof(b)), "-");
    assert_string_equal(fmt_si(INFINITY, b, sizeof(b)), "inf");
    assert_string_equal(fmt_si(1e30, b, sizeof(b)), "1.00e+30");
}

/* Below 1, never an SI prefix: "700m" reads as 700 million. Two significant digits. */
static void test_si_below_one(void **state)
{
    (void)state;
    char b[16];
    assert_string_equal(fmt_si(0.7, b, sizeof(b)), "0.70");
    assert_string_equal(fmt_si(0.5, b, sizeof(b)), "0.50");
    assert_string_equal(fmt_si(0.1667, b, sizeof(b)), "0.17");
    assert_string_equal(fmt_si(0.99, b, sizeof(b)), "0.99");
    assert_string_equal(fmt_si(0.996, b, sizeof(b)), "1.00");
    assert_string_equal(fmt_si(0.1, b, sizeof(b)), "0.10");
    assert_string_equal(fmt_si(0.042, b, sizeof(b)), "0.042");
    assert_string_equal(fmt_si(0.0995, b, sizeof(b)), "0.10");
    assert_string_equal(fmt_si(0.0042, b, sizeof(b)), "0.0042");
    assert_string_equal(fmt_si(0.0011, b, sizeof(b)), "0.0011");
    assert_string_equal(fmt_si(-0.7, b, sizeof(b)), "-0.70");
    assert_string_equal(fmt_si(-0.042, b, sizeof(b)), "-0.042");
    assert_string_equal(fmt_si(2.5e-6, b, sizeof(b)), "2.5e-6");
    assert_string_equal(fmt_si(2.8e-4, b, sizeof(b)), "2.8e-4");
    assert_string_equal(fmt_si(-3e-5, b, sizeof(b)), "-3.0e-5");
    assert_string_equal(fmt_si(1e-15, b, sizeof(b)), "1.0e-15");
    assert_string_equal(fmt_si(1e-300, b, sizeof(b)), "1.0e-300");
    assert_string_equal(fmt_si(1.0, b, sizeof(b)), "1");
    /* no SI prefix below 1, whatever the magnitude */
    for (double v = 0.9; v > 1e-12; v /= 3.7) {
        fmt_si(v, b, sizeof(b));
        assert_true(strchr(b, 'm') == NULL && strstr(b, "\xc2\xb5") == NULL);
        assert_true(strchr(b, 'n') == NULL && strchr(b, 'p') == NULL);
        assert_true(fabs(strtod(b, NULL) - v) <= 0.051 * v); /* two significant digits */
        assert_true(strlen(b) <= 7);
    }
}

static void test_duration(void **state)
{
    (void)state;
    char b[24];
    assert_string_equal(fmt_duration_ms(0.85, b, sizeof(b)), "850\xc2\xb5s");
    assert_string_equal(fmt_duration_ms(12.3, b, sizeof(b)), "12.3ms");
    assert_string_equal(fmt_duration_ms(250, b, sizeof(b)), "250ms");
    assert_string_equal(fmt_duration_ms(1500, b, sizeof(b)), "1.50s");
    assert_string_equal(fmt_duration_ms(125000, b, sizeof(b)), "2m05s");
    assert_string_equal(fmt_duration_ms(12000000, b, sizeof(b)), "3h20m");
    assert_string_equal(fmt_duration_ms(-12.3, b, sizeof(b)), "-12.3ms");
    assert_string_equal(fmt_duration_ms(NAN, b, sizeof(b)), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_si),
        cmocka_unit_test(test_si_below_one),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
