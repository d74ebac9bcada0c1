/* test_eventfields.c — the stream-entry parser through its own entry point (the full reason
 * catalogue is in test_event.c): required fields, the entry ID as default ts, duplicates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/event_impl.h"

static struct event ev;
static char reason[EVENT_REASON_MAX];

static enum event_error parse(const char *const *strs, size_t nstr, const char *id)
{
    size_t lens[16];
    for (size_t k = 0; k < nstr; k++)
        lens[k] = strlen(strs[k]);
    return eventfields_parse(strs, lens, nstr, id, strlen(id), NULL, &ev, reason, sizeof reason);
}

static void test_fields(void **state)
{
    (void)state;
    const char *s[] = {"metric", "cpu", "value", " 3 ", "labels", "b=1,a=2", "other", "x"};
    assert_int_equal(parse(s, 8, "1700000000000-5"), EVENT_OK);
    assert_true(ev.value == 3);
    assert_false(ev.has_ts);
    assert_int_equal(ev.ts_ms, 1700000000000LL);
    assert_int_equal(ev.nlabels, 2);
    assert_string_equal(event_label_name(&ev, 0), "a");
}

static void test_errors(void **state)
{
    (void)state;
    const char *missing[] = {"metric", "cpu"};
    assert_int_equal(parse(missing, 2, "1-0"), EVENT_E_FIELD_MISSING);
    const char *dup[] = {"metric", "cpu", "value", "1", "value", "2"};
    assert_int_equal(parse(dup, 6, "1-0"), EVENT_E_FIELD_DUP);
    const char *ok[] = {"metric", "cpu", "value", "1"};
    assert_int_equal(parse(ok, 2 + 2, "1"), EVENT_E_STREAM_ID);
    assert_int_equal(parse(ok, 3, "1-0"), EVENT_E_SYNTAX);
    const char *bad[] = {"metric", "cpu", "value", "x"};
    assert_int_equal(parse(bad, 4, "1-0"), EVENT_E_VALUE_NOT_NUMBER);
    assert_non_null(strstr(reason, "field 'value'"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
