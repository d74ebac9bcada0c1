/* test_errbuf.c — errbuf_fail formats, truncates and returns -1; errbuf_copy_text keeps only
 * printable ASCII and always terminates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/errbuf.h"

static void test_fail_formats_and_returns_minus_one(void **state)
{
    (void)state;
    char err[64];
    assert_int_equal(errbuf_fail(err, sizeof(err), "bad port %d in %s", 70000, "x:70000"), -1);
    assert_string_equal(err, "bad port 70000 in x:70000");
}

static void test_fail_truncates(void **state)
{
    (void)state;
    char err[8];
    memset(err, 'z', sizeof(err));
    assert_int_equal(errbuf_fail(err, sizeof(err), "%s", "a long message"), -1);
    assert_string_equal(err, "a long ");
}

static void test_fail_without_buffer(void **state)
{
    (void)state;
    char err[4] = "abc";
    assert_int_equal(errbuf_fail(NULL, 10, "x"), -1);
    assert_int_equal(errbuf_fail(err, 0, "x"), -1);
    assert_string_equal(err, "abc"); /* errlen 0: untouched */
}

static void test_copy_text_printable_only(void **state)
{
    (void)state;
    char dst[32];
    const char src[] = "ERR \x1b[31mred\x7f\n\xc3\xa9";
    errbuf_copy_text(dst, sizeof(dst), src, sizeof(src) - 1);
    assert_string_equal(dst, "ERR ?[31mred???\?");
}

static void test_copy_text_truncates_and_terminates(void **state)
{
    (void)state;
    char dst[5];
    errbuf_copy_text(dst, sizeof(dst), "WRONGTYPE", 9);
    assert_string_equal(dst, "WRON");
    errbuf_copy_text(dst, sizeof(dst), "ab\0cd", 2); /* len, not the terminator, decides */
    assert_string_equal(dst, "ab");
    errbuf_copy_text(dst, 1, "xyz", 3);
    assert_string_equal(dst, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_formats_and_returns_minus_one),
        cmocka_unit_test(test_fail_truncates),
        cmocka_unit_test(test_fail_without_buffer),
        cmocka_unit_test(test_copy_text_printable_only),
        cmocka_unit_test(test_copy_text_truncates_and_terminates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
