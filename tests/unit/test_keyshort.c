/* test_keyshort.c — common labels of shown keys, and keys without them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/keyshort.h"

static void test_common_labels_dropped(void **state)
{
    (void)state;
    const char *keys[] = {"requests{region=eu-west,service=api}",
                          "requests{region=eu-west,service=auth}",
                          "latency_ms{region=eu-west,service=api,zone=\"a b\"}"};
    struct keyshort k;
    char b[256];
    keyshort_find(&k, keys, 3);
    assert_int_equal(k.ncommon, 1);
    assert_string_equal(keyshort_labels(&k, b, sizeof(b)), "region=eu-west");
    assert_string_equal(keyshort_apply(&k, keys[0], b, sizeof(b)), "requests{service=api}");
    assert_string_equal(keyshort_apply(&k, keys[2], b, sizeof(b)),
                        "latency_ms{service=api,zone=\"a b\"}");

    /* every label common: the metric alone */
    const char *two[] = {"cpu{host=a,zone=1}", "mem{host=a,zone=1}"};
    keyshort_find(&k, two, 2);
    assert_int_equal(k.ncommon, 2);
    assert_string_equal(keyshort_labels(&k, b, sizeof(b)), "host=a,zone=1");
    assert_string_equal(keyshort_apply(&k, two[1], b, sizeof(b)), "mem");
}

static void test_nothing_common(void **state)
{
    (void)state;
    struct keyshort k;
    char b[256];
    const char *one[] = {"cpu{host=a}"};
    keyshort_find(&k, one, 1); /* one row: it keeps its whole name */
    assert_int_equal(k.ncommon, 0);
    assert_string_equal(keyshort_apply(&k, one[0], b, sizeof(b)), "cpu{host=a}");
    assert_string_equal(keyshort_labels(&k, b, sizeof(b)), "");
    const char *diff[] = {"cpu{host=a}", "cpu{host=b}", "cpu"};
    keyshort_find(&k, diff, 3);
    assert_int_equal(k.ncommon, 0);
    const char *bad[] = {"cpu{host=a}", "cpu{host=a", "cpu{host=a}"};
    keyshort_find(&k, bad, 3);
    assert_int_equal(k.ncommon, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_labels_dropped),
        cmocka_unit_test(test_nothing_common),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
