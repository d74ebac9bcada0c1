/* test_bsearch.c — lower and upper bound over an index-addressed sorted sequence: empty, missing
 * keys below, between and above, runs of equal keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/bsearch.h"

struct int_key {
    const int *a;
    int key;
};

static int cmp_int(const void *ctx, size_t i)
{
    const struct int_key *k = ctx;
    return (k->a[i] > k->key) - (k->a[i] < k->key);
}

static void test_lower_upper(void **state)
{
    (void)state;
    static const int a[] = {1, 3, 3, 3, 7};
    bool found = true;
    struct int_key k = {a, 0};
    assert_int_equal(bsearch_lower(0, cmp_int, &k, &found), 0);
    assert_false(found);
    assert_int_equal(bsearch_upper(0, cmp_int, &k), 0);
    assert_int_equal(bsearch_lower(5, cmp_int, &k, &found), 0);
    assert_false(found);
    k.key = 3;
    assert_int_equal(bsearch_lower(5, cmp_int, &k, &found), 1);
    assert_true(found);
    assert_int_equal(bsearch_upper(5, cmp_int, &k), 4);
    k.key = 5;
    assert_int_equal(bsearch_lower(5, cmp_int, &k, &found), 4);
    assert_false(found);
    assert_int_equal(bsearch_upper(5, cmp_int, &k), 4);
    k.key = 7;
    assert_int_equal(bsearch_lower(5, cmp_int, &k, NULL), 4);
    assert_int_equal(bsearch_upper(5, cmp_int, &k), 5);
    k.key = 9;
    assert_int_equal(bsearch_lower(5, cmp_int, &k, &found), 5);
    assert_false(found);
    assert_int_equal(bsearch_upper(5, cmp_int, &k), 5);
}

/* Every key against a brute-force count, over every prefix of a sorted array with repeats. */
static void test_against_scan(void **state)
{
    (void)state;
    static const int a[] = {0, 2, 2, 4, 4, 4, 6, 8, 8, 10};
    for (size_t n = 0; n <= 10; n++) {
        for (int key = -1; key <= 11; key++) {
            struct int_key k = {a, key};
            size_t lower = 0, upper = 0;
            while (lower < n && a[lower] < key)
                lower++;
            while (upper < n && a[upper] <= key)
                upper++;
            bool found;
            assert_int_equal(bsearch_lower(n, cmp_int, &k, &found), lower);
            assert_int_equal(found, lower < n && a[lower] == key);
            assert_int_equal(bsearch_upper(n, cmp_int, &k), upper);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lower_upper),
        cmocka_unit_test(test_against_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
