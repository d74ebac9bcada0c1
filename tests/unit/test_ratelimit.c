/* test_ratelimit.c — the cell rate limiter: burst, then one per interval. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ratelimit.h"

static void test_rate(void **state)
{
    (void)state;
    struct ratelimit r;
    ratelimit_init(&r, 3, 1000);
    int64_t t = 1700000000000LL;
    assert_int_equal(ratelimit_take(&r, t), 0);
    assert_int_equal(ratelimit_take(&r, t), 0);
    assert_int_equal(ratelimit_take(&r, t), 0);
    assert_int_equal(ratelimit_take(&r, t), 1000);
    assert_int_equal(ratelimit_take(&r, t + 999), 1);
    assert_int_equal(ratelimit_take(&r, t + 1000), 0);
    assert_int_equal(ratelimit_take(&r, t + 1000), 1000);
    /* a long pause refills the burst, never more */
    t += 60000;
    for (int i = 0; i < 3; i++)
        assert_int_equal(ratelimit_take(&r, t), 0);
    assert_true(ratelimit_take(&r, t) > 0);
    /* refused attempts do not count */
    assert_int_equal(ratelimit_take(&r, t), 1000);
    assert_int_equal(ratelimit_take(&r, t + 1000), 0);
    ratelimit_init(&r, 0, 0); /* unlimited */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(ratelimit_take(&r, t), 0);
    ratelimit_init(&r, 0, 500); /* burst 0 means 1 */
    assert_int_equal(ratelimit_take(&r, t), 0);
    assert_int_equal(ratelimit_take(&r, t), 500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
