/* test_eventscan.c — the shared event scanners directly: metric, labels, value, timestamp and
 * skew on a parser set up by event_scan_init, with the messages' column and context. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/event_impl.h"

static struct event ev;
static char reason[EVENT_REASON_MAX];

static void init(struct event_parser *p, const char *s, const char *where)
{
    event_scan_init(p, s, strlen(s), where, NULL, &ev, reason, sizeof reason);
}

static void test_metric_and_labels(void **state)
{
    (void)state;
    struct event_parser p;
    init(&p, "m.x{b=2,a=\"q r\"}", NULL);
    assert_int_equal(eventscan_metric(&p, true), EVENT_OK);
    assert_string_equal(event_metric(&ev), "m.x");
    assert_int_equal(p.i, 3);
    p.i++;
    assert_int_equal(eventscan_labels(&p, '}', 3), EVENT_OK);
    assert_int_equal(p.i, p.n);
    assert_int_equal(ev.nlabels, 2);
    assert_string_equal(event_label_name(&ev, 0), "a");
    assert_string_equal(event_label_value(&ev, 0), "q r");
    assert_int_equal(event_scan_key_len(&p), EVENT_OK);
}

static void test_metric_field_must_fill(void **state)
{
    (void)state;
    struct event_parser p;
    init(&p, "cpu load", "field 'metric'");
    assert_int_equal(eventscan_metric(&p, false), EVENT_E_METRIC_CHAR);
    assert_non_null(strstr(reason, "of field 'metric'"));
}

static void test_value_and_ts(void **state)
{
    (void)state;
    struct event_parser p;
    int64_t ts = 0;
    init(&p, "2.5 1700000000000 0x10", NULL);
    assert_int_equal(eventscan_value(&p, 0, 3), EVENT_OK);
    assert_true(ev.value == 2.5);
    assert_int_equal(eventscan_ts(&p, 4, 17, &ts), EVENT_OK);
    assert_int_equal(ts, 1700000000000LL);
    assert_int_equal(eventscan_value(&p, 18, 22), EVENT_E_VALUE_NOT_NUMBER);
    assert_non_null(strstr(reason, "hexadecimal"));
    assert_non_null(strstr(reason, "at column 19"));
    assert_int_equal(eventscan_ts(&p, 0, 3, &ts), EVENT_E_TS_INVALID);
}

static void test_skew_bounds(void **state)
{
    (void)state;
    struct event_parser p;
    init(&p, "", NULL);
    assert_int_equal(eventscan_skew(&p, 1000 + EVENT_MAX_FUTURE_MS, 1000, EVENT_NO_POS), EVENT_OK);
    assert_int_equal(eventscan_skew(&p, 1001 + EVENT_MAX_FUTURE_MS, 1000, EVENT_NO_POS),
                     EVENT_E_TS_SKEW);
    assert_non_null(strstr(reason, "future"));
}

static void test_show(void **state)
{
    (void)state;
    char b[16], t[48];
    assert_string_equal(eventscan_show_byte('#', b), "'#'");
    assert_string_equal(eventscan_show_byte(7, b), "byte 0x07");
    assert_string_equal(eventscan_show_token("abc", 3, t), "abc");
    assert_true(eventscan_is_digit('7') && !eventscan_is_digit('a'));
    assert_true(eventscan_is_space('\t') && !eventscan_is_space('\n'));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_and_labels),
        cmocka_unit_test(test_metric_field_must_fill),
        cmocka_unit_test(test_value_and_ts),
        cmocka_unit_test(test_skew_bounds),
        cmocka_unit_test(test_show),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
