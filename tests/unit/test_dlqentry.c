/* test_dlqentry.c — dead letters as the dead-letter view shows them: the single-stream form
 * (NS:dlq, partition from the "stream" field) and the per-partition form (NS:dlq:{pI}, keyed by
 * the rejected entry's ID), hostile text made visible, missing and odd fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/dlqentry.h"

static void parse(const char *key, const char *id, const char *const *f, size_t n,
                  struct dlqentry *out)
{
    size_t len[32];
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(f[i]);
    dlqentry_parse(key, strlen(key), id, strlen(id), f, len, n, out);
}

static void test_single_stream(void **state)
{
    (void)state;
    const char *f[] = {"metric", "cpu",
                       "value",  "abc",
                       "reason", "value not a number",
                       "detail", "value \"abc\" is not a number",
                       "stream", "wr:ev:{p1}",
                       "id",     "1795255112617-0"};
    struct dlqentry e;
    parse("wr:dlq", "1795255114606-0", f, 12, &e);
    assert_int_equal(e.partition, 1);
    assert_string_equal(e.reason, "value not a number");
    assert_string_equal(e.detail, "value \"abc\" is not a number");
    assert_string_equal(e.fields, "metric=cpu value=abc");
    assert_string_equal(e.id, "1795255112617-0");
    assert_int_equal(e.ts_ms, 1795255112617);
}

static void test_per_partition_stream(void **state)
{
    (void)state; /* no stream or id field: the key names the partition, the ID is the entry's */
    const char *f[] = {"value", "1", "reason", "missing field", "detail", "no 'metric' field"};
    struct dlqentry e;
    parse("wr:dlq:{p12}", "1700000000000-3", f, 6, &e);
    assert_int_equal(e.partition, 12);
    assert_string_equal(e.id, "1700000000000-3");
    assert_int_equal(e.ts_ms, 1700000000000);
    assert_string_equal(e.fields, "value=1");
    assert_string_equal(e.reason, "missing field");
}

static void test_last_stream_field_decides(void **state)
{
    (void)state; /* a repeated "stream": the last one, even one naming no partition or an odd
                    last name (empty value); then the key's tag (found by fuzz_dlqentry) */
    const char *tagged[] = {"stream", "wr:ev:{p1}", "stream", "wr:ev:{p4}"};
    const char *untagged[] = {"stream", "wr:ev:{p1}", "stream", "elsewhere"};
    const char *odd[] = {"stream", "{p0}", "id", "", "stream"};
    struct dlqentry e;
    parse("wr:dlq", "1700000000000-0", tagged, 4, &e);
    assert_int_equal(e.partition, 4);
    parse("wr:dlq:{p9}", "1700000000000-0", untagged, 4, &e);
    assert_int_equal(e.partition, 9);
    parse("\bwrber", "dr", odd, 5, &e);
    assert_int_equal(e.partition, -1);
    assert_string_equal(e.id, "");
    assert_int_equal(e.ts_ms, 0);
}

static void test_hostile_text_is_visible(void **state)
{
    (void)state;
    const char *f[] = {"metric\x1b]0;pwned\x07",
                       "x\xe2\x80\xaey",
                       "reason",
                       "bad\r\nname",
                       "detail",
                       "\xc2\x9b"
                       "31m\xff"};
    struct dlqentry e;
    parse("wr:dlq", "1-0", f, 6, &e);
    for (const char *s = e.fields; *s; s++)
        assert_true((unsigned char)*s >= 0x20 && *s != 0x7f);
    assert_non_null(strstr(e.fields, "metric^[]0;pwned^G=xy")); /* bidi override stripped */
    assert_string_equal(e.reason, "bad^M^Jname");
    assert_non_null(strstr(e.detail, "<9B>31m"));
    assert_null(strchr(e.detail, '\xff'));
}

static void test_missing_and_odd(void **state)
{
    (void)state;
    const char *f[] = {"metric"};
    struct dlqentry e;
    parse("elsewhere", "not-an-id", f, 1, &e);
    assert_int_equal(e.partition, -1);
    assert_string_equal(e.reason, "?");
    assert_string_equal(e.detail, "");
    assert_string_equal(e.fields, "metric=");
    assert_int_equal(e.ts_ms, 0);
    parse("wr:dlq", "5-0", NULL, 0, &e);
    assert_string_equal(e.fields, "");
    assert_int_equal(e.ts_ms, 5);
}

static void test_long_values_are_cut(void **state)
{
    (void)state;
    static char big[5000];
    memset(big, 'a', sizeof(big) - 1);
    const char *f[] = {"metric", big, "detail", big, "other", big};
    struct dlqentry e;
    parse("wr:dlq", "1-0", f, 6, &e);
    assert_true(strlen(e.detail) < DLQENTRY_TEXT_MAX);
    assert_true(strlen(e.fields) < DLQENTRY_TEXT_MAX);
    assert_non_null(strstr(e.detail, "\xe2\x80\xa6")); /* the cut is marked */
}

static void test_partition_of(void **state)
{
    (void)state;
    assert_int_equal(dlqentry_partition_of("wr:ev:{p0}", 10), 0);
    assert_int_equal(dlqentry_partition_of("x{p}{p7}", 8), 7);
    assert_int_equal(dlqentry_partition_of("{p123456}", 9), -1);
    assert_int_equal(dlqentry_partition_of("{p3", 3), -1);
    assert_int_equal(dlqentry_partition_of("", 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_stream),
        cmocka_unit_test(test_per_partition_stream),
        cmocka_unit_test(test_hostile_text_is_visible),
        cmocka_unit_test(test_missing_and_odd),
        cmocka_unit_test(test_long_values_are_cut),
        cmocka_unit_test(test_partition_of),
        cmocka_unit_test(test_last_stream_field_decides),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
