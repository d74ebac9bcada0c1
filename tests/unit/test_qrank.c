/* test_qrank.c — the nearest rank of a quantile: bounds, decimal quantiles taken as written,
 * binary ones exactly, and counts past 2^53 where a double product would round. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/qrank.h"

static void test_bounds(void **state)
{
    (void)state;
    assert_int_equal(qrank_nearest(0.5, 0), 0);
    assert_int_equal(qrank_nearest(NAN, 10), 0);
    assert_int_equal(qrank_nearest(0, 10), 1);
    assert_int_equal(qrank_nearest(-1, 10), 1);
    assert_int_equal(qrank_nearest(1, 10), 10);
    assert_int_equal(qrank_nearest(2, 10), 10);
    assert_int_equal(qrank_nearest(1e-9, 10), 1);
}

static void test_decimal(void **state)
{
    (void)state;
    assert_int_equal(qrank_nearest(0.9, 10), 9); /* the double 0.9 is a hair above 9/10 */
    assert_int_equal(qrank_nearest(0.99, 100), 99);
    assert_int_equal(qrank_nearest(0.999, 1000), 999);
    assert_int_equal(qrank_nearest(0.5, 3), 2);
    assert_int_equal(qrank_nearest(0.9, UINT64_MAX),
                     UINT64_MAX / 10 * 9 + 9 * (UINT64_MAX % 10) / 10 + 1);
}

static void test_binary(void **state)
{
    (void)state;
    double q = 1.0 / 3.0; /* no decimal of up to 15 places reads back as it */
    assert_int_equal(qrank_nearest(q, 3), 1);
    assert_int_equal(qrank_nearest(q, 6), 2);
    assert_int_equal(qrank_nearest(ldexp(1, -60), UINT64_C(1) << 62), 4);
    assert_int_equal(qrank_nearest(ldexp(1, -60), 1), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_decimal),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
