/* test_alert_labels.c — the alert engine's label sets (private, core/alert_impl.h): canonical
 * text with core/event's quoting, the string builder, FNV-1a, and a series' `by` labels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/alert_impl.h"

static void test_text_and_quoting(void **state)
{
    (void)state;
    struct alert_kv kv[] = {{"a", "plain"}, {"b", "x,y"}, {"c", "q\"b\\"}, {"d", ""}};
    char *t = alert_labels_text(kv, 4);
    assert_string_equal(t, "a=plain,b=\"x,y\",c=\"q\\\"b\\\\\",d=\"\"");
    free(t);
    t = alert_labels_text(NULL, 0);
    assert_string_equal(t, "");
    free(t);

    struct alert_sbuf b = {0};
    alert_labels_puts(&b, "r{");
    alert_labels_append(&b, kv, 1);
    alert_labels_put(&b, "}xyz", 1);
    assert_string_equal(b.p, "r{a=plain}");
    assert_int_equal(b.len, 10);
    free(b.p);
}

static void test_hash_and_order(void **state)
{
    (void)state;
    assert_true(alert_labels_hash("") == 0xcbf29ce484222325ULL);
    assert_true(alert_labels_hash("a") == 0xaf63dc4c8601ec8cULL);
    struct alert_kv kv[] = {{"zone", "1"}, {"app", "2"}, {"m", "3"}};
    qsort(kv, 3, sizeof kv[0], alert_labels_cmp);
    assert_string_equal(kv[0].name, "app");
    assert_string_equal(kv[1].name, "m");
    assert_string_equal(kv[2].name, "zone");
}

static void test_by_labels(void **state)
{
    (void)state;
    struct rule_set rs = {0};
    char err[256];
    const char *text = "[rule r]\nexpr = max(lat) by (zone, __name__, missing) over 1s > 1\n";
    assert_int_equal(rule_parse_file_text(text, strlen(text), "t.rules", &rs, err, sizeof err), 0);
    struct event ev;
    const char *key = "lat{zone=b,app=x}";
    assert_int_equal(event_parse_key(key, strlen(key), &ev), EVENT_OK);
    struct alert_kv kv[3];
    assert_int_equal(alert_labels_by(&rs.rules[0]->expr, &ev, kv), 2);
    assert_string_equal(kv[0].name, "__name__");
    assert_string_equal(kv[0].value, "lat");
    assert_string_equal(kv[1].name, "zone");
    assert_string_equal(kv[1].value, "b");
    rule_set_free(&rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_and_quoting),
        cmocka_unit_test(test_hash_and_order),
        cmocka_unit_test(test_by_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
