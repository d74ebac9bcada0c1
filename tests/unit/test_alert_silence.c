/* test_alert_silence.c — silences on their own: every matcher form against instances by rule,
 * short id and labels, and matchers that do not parse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/alert.h"

static void test_matcher_forms(void **state)
{
    (void)state;
    static const struct {
        const char *matcher;
        bool api, web;
    } forms[] = {
        {"hot", true, true},
        {"cold", false, false},
        {"*", true, true},
        {"3fa2c1", true, false},
        {"{service=api}", true, false},
        {"*{service=~\"w.*\"}", false, true},
        {"hot{service!=api}", false, true},
        {"cold{service=api}", false, false},
        {" hot { team = core , service = web } ", false, true},
    };
    char err[256];
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        struct silence *s = alert_silence_new(forms[k].matcher, 5, "bob", NULL, err, sizeof err);
        assert_non_null(s);
        assert_string_equal(s->matcher, forms[k].matcher);
        assert_int_equal(s->until_ms, 5);
        assert_string_equal(s->who, "bob");
        assert_string_equal(s->comment, "");
        assert_int_equal(alert_silence_matches(s, "hot", "3fa2c1", "service=api,team=core"),
                         forms[k].api);
        assert_int_equal(alert_silence_matches(s, "hot", "77aa00", "service=web,team=core"),
                         forms[k].web);
        alert_silence_free(s);
    }
}

static void test_bad_matchers(void **state)
{
    (void)state;
    static const char *const bad[] = {"", "hot rule", "hot{service=}x", "{service"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char err[256] = "";
        assert_null(alert_silence_new(bad[k], 0, NULL, NULL, err, sizeof err));
        assert_true(err[0] != '\0');
    }
    assert_null(alert_silence_new("", 0, NULL, NULL, NULL, 0));
    alert_silence_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matcher_forms),
        cmocka_unit_test(test_bad_matchers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
