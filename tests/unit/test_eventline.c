/* test_eventline.c — the text-line parser through its own entry point (the full reason catalogue
 * is in test_event.c): skip lines, default and explicit timestamps, trailing junk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/event_impl.h"

#define NOW 1700000000000LL

static struct event ev;
static char reason[EVENT_REASON_MAX];

static enum event_error parse(const char *line)
{
    return eventline_parse(line, strlen(line), NOW, NULL, &ev, reason, sizeof reason);
}

static void test_skip(void **state)
{
    (void)state;
    assert_int_equal(parse("  \r\n"), EVENT_SKIP);
    assert_int_equal(parse("# comment"), EVENT_SKIP);
}

static void test_line(void **state)
{
    (void)state;
    assert_int_equal(parse("cpu{host=a} 1.5\n"), EVENT_OK);
    assert_true(ev.value == 1.5);
    assert_false(ev.has_ts);
    assert_int_equal(ev.ts_ms, NOW);
    assert_int_equal(parse("cpu 2 1700000000001"), EVENT_OK);
    assert_true(ev.has_ts);
    assert_int_equal(ev.ts_ms, NOW + 1);
}

static void test_junk_after_ts(void **state)
{
    (void)state;
    assert_int_equal(parse("cpu 2 1700000000001 x"), EVENT_E_SYNTAX);
    assert_non_null(strstr(reason, "after the timestamp"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_junk_after_ts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
