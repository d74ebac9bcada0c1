/* test_histrows.c — grouping histogram bins into display rows and placing percentile markers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/histrows.h"

static void test_one_row_per_bin(void **state)
{
    (void)state;
    struct histrows_bin b[] = {{1, 2, 5}, {2, 4, 7}, {4, 8, 1}};
    struct histrows_row r[20];
    assert_int_equal(histrows_group(b, 3, 20, r), 3);
    assert_true(r[1].lo == 2 && r[1].hi == 4);
    assert_int_equal(r[1].count, 7);
    assert_int_equal(histrows_max_count(r, 3), 7);
    assert_int_equal(histrows_group(b, 0, 20, r), 0);
    assert_int_equal(histrows_group(b, 3, 0, r), 0);
}

static void test_log_rows(void **state)
{
    (void)state;
    /* 100 bins of ratio 1.02 from 1 to ~7.24; 10 rows of equal ratio */
    struct histrows_bin b[100];
    uint64_t total = 0;
    double x = 1;
    for (int i = 0; i < 100; i++) {
        b[i] = (struct histrows_bin){x, x * 1.02, (uint64_t)(i + 1)};
        total += (uint64_t)(i + 1);
        x *= 1.02;
    }
    struct histrows_row r[10];
    assert_int_equal(histrows_group(b, 100, 10, r), 10);
    uint64_t sum = 0;
    for (int i = 0; i < 10; i++) {
        sum += r[i].count;
        assert_true(r[i].lo < r[i].hi);
        if (i > 0)
            assert_true(fabs(r[i].lo - r[i - 1].hi) < 1e-9);
        /* equal ratios: each row spans 1.02^10 */
        assert_true(fabs(r[i].hi / r[i].lo - pow(1.02, 10)) < 1e-6);
        /* ten bins per row, counts 10i+1 .. 10i+10 */
        assert_int_equal(r[i].count, (uint64_t)(100 * i + 55));
    }
    assert_int_equal(sum, total);
    assert_true(r[0].lo == 1);
    assert_true(r[9].hi == b[99].hi);
}

static void test_log_rows_keep_gaps(void **state)
{
    (void)state;
    /* a cluster near 1 and one near 1000 with nothing between: empty rows in the middle */
    struct histrows_bin b[30];
    for (int i = 0; i < 15; i++) {
        double lo = 1 * pow(1.02, i), hi = lo * 1.02;
        b[i] = (struct histrows_bin){lo, hi, 2};
        b[15 + i] = (struct histrows_bin){1000 * pow(1.02, i), 1000 * pow(1.02, i + 1), 3};
    }
    struct histrows_row r[10];
    assert_int_equal(histrows_group(b, 30, 10, r), 10);
    assert_int_equal(r[0].count, 30);
    assert_int_equal(r[9].count, 45);
    for (int i = 1; i < 9; i++)
        assert_int_equal(r[i].count, 0);
}

static void test_consecutive_with_zero_and_negative(void **state)
{
    (void)state;
    struct histrows_bin b[7] = {{-4, -2, 1}, {-2, -1, 2}, {0, 0, 3}, {1, 2, 4},
                                {2, 4, 5},   {4, 8, 6},   {8, 16, 7}};
    struct histrows_row r[3];
    /* ceil(7 / 3) = 3 bins per row: rows of 3, 3, 1 */
    assert_int_equal(histrows_group(b, 7, 3, r), 3);
    assert_true(r[0].lo == -4 && r[0].hi == 0);
    assert_int_equal(r[0].count, 6);
    assert_true(r[1].lo == 1 && r[1].hi == 8);
    assert_int_equal(r[1].count, 15);
    assert_true(r[2].lo == 8 && r[2].hi == 16);
    assert_int_equal(r[2].count, 7);
}

static void test_markers(void **state)
{
    (void)state;
    struct histrows_row r[3] = {{1, 2, 1, 0}, {2, 4, 1, 0}, {4, 8, 1, 0}};
    double m[] = {3, 2, 100, NAN, 0.5};
    histrows_mark(r, 3, m, 5);
    /* 3 -> row 1; 2 (shared edge) -> row 0; 100 -> nearest, row 2; NAN none; 0.5 -> row 0 */
    assert_int_equal(r[0].markers, (1u << 1) | (1u << 4));
    assert_int_equal(r[1].markers, 1u << 0);
    assert_int_equal(r[2].markers, 1u << 2);
    /* marking again clears the old bits */
    double m2[] = {7};
    histrows_mark(r, 3, m2, 1);
    assert_int_equal(r[0].markers, 0);
    assert_int_equal(r[2].markers, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_row_per_bin),
        cmocka_unit_test(test_log_rows),
        cmocka_unit_test(test_log_rows_keep_gaps),
        cmocka_unit_test(test_consecutive_with_zero_and_negative),
        cmocka_unit_test(test_markers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
