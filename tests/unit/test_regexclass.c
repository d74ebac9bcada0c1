/* test_regexclass.c — the regex engine's characters and classes: UTF-8 decoding with stray
 * bytes as characters of their own, merging ranges, ASCII case folding, complements, and the
 * [:name:] tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/regex_impl.h"

#define CP_BYTE 0x110000u
#define CP_LAST (CP_BYTE + 0xFFu)

/* Asserts that b holds exactly the n pairs of want. */
static void assert_ranges(const struct regexclass *b, const uint32_t *want, size_t n)
{
    assert_int_equal(b->n, n);
    for (size_t k = 0; k < 2 * n; k++)
        assert_int_equal(b->r[k], want[k]);
}

static void test_next_cp(void **state)
{
    (void)state;
    const unsigned char s[] = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xFF\xC3";
    size_t n = sizeof s - 1, i = 0;
    assert_int_equal(regexclass_next_cp(s, n, &i), 'a');
    assert_int_equal(i, 1);
    assert_int_equal(regexclass_next_cp(s, n, &i), 0xE9);
    assert_int_equal(i, 3);
    assert_int_equal(regexclass_next_cp(s, n, &i), 0x20AC);
    assert_int_equal(regexclass_next_cp(s, n, &i), 0x1F600);
    assert_int_equal(i, 10);
    assert_int_equal(regexclass_next_cp(s, n, &i), CP_BYTE + 0xFF); /* never valid */
    assert_int_equal(regexclass_next_cp(s, n, &i), CP_BYTE + 0xC3); /* truncated at the end */
    assert_int_equal(i, n);

    const unsigned char overlong[] = "\xC0\xAF", surrogate[] = "\xED\xA0\x80";
    i = 0;
    assert_int_equal(regexclass_next_cp(overlong, 2, &i), CP_BYTE + 0xC0);
    assert_int_equal(i, 1);
    i = 0;
    assert_int_equal(regexclass_next_cp(surrogate, 3, &i), CP_BYTE + 0xED);
    assert_int_equal(i, 1);
}

static void test_normalize(void **state)
{
    (void)state;
    struct regexclass b = {0};
    regexclass_add(&b, 'x', 'z');
    regexclass_add(&b, 'a', 'c');
    regexclass_add(&b, 'd', 'f'); /* touches a-c */
    regexclass_add(&b, 'b', 'b'); /* inside */
    regexclass_add(&b, 'w', 'y'); /* overlaps x-z */
    regexclass_normalize(&b);
    assert_ranges(&b, (const uint32_t[]){'a', 'f', 'w', 'z'}, 2);

    b.n = 0;
    regexclass_normalize(&b); /* empty stays empty */
    assert_int_equal(b.n, 0);
    free(b.r);
}

static void test_fold(void **state)
{
    (void)state;
    struct regexclass b = {0};
    regexclass_add(&b, 'X', 'b'); /* X-Z [ \ ] ^ _ ` a b */
    regexclass_fold(&b);
    assert_ranges(&b, (const uint32_t[]){'A', 'B', 'X', 'b', 'x', 'z'}, 3);

    b.n = 0;
    regexclass_add(&b, '0', '9');
    regexclass_fold(&b); /* nothing to fold */
    assert_ranges(&b, (const uint32_t[]){'0', '9'}, 1);
    free(b.r);
}

static void test_complement(void **state)
{
    (void)state;
    struct regexclass b = {0};
    const uint32_t digits[] = {'0', '9'};
    regexclass_add_complement(&b, digits, 1);
    assert_ranges(&b, (const uint32_t[]){0, '0' - 1, '9' + 1, CP_LAST}, 2);

    b.n = 0;
    const uint32_t edges[] = {0, 'a', 'z', CP_LAST};
    regexclass_add_complement(&b, edges, 2);
    assert_ranges(&b, (const uint32_t[]){'a' + 1, 'z' - 1}, 1);

    b.n = 0;
    regexclass_add_complement(&b, NULL, 0); /* the complement of nothing is everything */
    assert_ranges(&b, (const uint32_t[]){0, CP_LAST}, 1);
    free(b.r);
}

static void test_named(void **state)
{
    (void)state;
    struct regexclass b = {0};
    assert_int_equal(regexclass_add_named(&b, "xdigit", 6, false), 0);
    assert_ranges(&b, (const uint32_t[]){'0', '9', 'A', 'F', 'a', 'f'}, 3);

    b.n = 0;
    assert_int_equal(regexclass_add_named(&b, "digitx", 5, true), 0); /* len counts */
    assert_ranges(&b, (const uint32_t[]){0, '0' - 1, '9' + 1, CP_LAST}, 2);

    b.n = 0;
    assert_int_equal(regexclass_add_named(&b, "alph", 4, false), -1);
    assert_int_equal(regexclass_add_named(&b, "Alpha", 5, false), -1);
    assert_int_equal(regexclass_add_named(&b, "", 0, false), -1);
    assert_int_equal(b.n, 0);
    free(b.r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_next_cp), cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_fold),    cmocka_unit_test(test_complement),
        cmocka_unit_test(test_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
