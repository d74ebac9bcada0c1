/* test_tmpl.c — alert templates: every placeholder, blanks inside braces, unknown and unclosed
 * placeholders kept literally, value formatting, and truncation at a UTF-8 boundary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/tmpl.h"

static const char *test_label(void *privdata, const char *name, size_t len)
{
    static const char *const pairs[][2] = {
        {"service", "api"}, {"region", "eu-west"}, {"empty", ""}};
    (void)privdata;
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++)
        if (strlen(pairs[k][0]) == len && memcmp(pairs[k][0], name, len) == 0)
            return pairs[k][1];
    return NULL;
}

static const struct tmpl_vars vars = {
    .value = 250.34,
    .threshold = 250,
    .rule = "api_latency_high",
    .severity = "critical",
    .instance = "api_latency_high{service=api}",
    .id = "3fa2c1",
    .labels = "region=eu-west,service=api",
    .label = test_label,
};

static void check(const char *tmpl, const struct tmpl_vars *v, const char *want)
{
    char out[256];
    size_t n = tmpl_render(tmpl, v, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_placeholders(void **state)
{
    (void)state;
    check("p99 latency of {{labels.service}} is {{value}} ms (limit {{threshold}})", &vars,
          "p99 latency of api is 250.3 ms (limit 250)");
    check("{{rule}} [{{severity}}] {{instance}} /ack {{id}}", &vars,
          "api_latency_high [critical] api_latency_high{service=api} /ack 3fa2c1");
    check("{{labels}}", &vars, "region=eu-west,service=api");
    check("{{ value }}|{{\tlabels.region\t}}", &vars, "250.3|eu-west");
    check("[{{labels.empty}}]", &vars, "[]");
    check("", &vars, "");
    check("no placeholders at all", &vars, "no placeholders at all");
    check("{{value}}{{value}}", &vars, "250.3250.3");
}

static void test_literal_kept(void **state)
{
    (void)state;
    check("{{nope}} and {{labels.missing}}", &vars, "{{nope}} and {{labels.missing}}");
    check("{{labels.}} {{labels}}", &vars, "{{labels.}} region=eu-west,service=api");
    check("{{value", &vars, "{{value");
    check("{{value}", &vars, "{{value}");
    check("{{value} and {{rule}}", &vars, "{{value} and api_latency_high");
    check("{{}} {{ }}", &vars, "{{}} {{ }}");
    check("{{{value}}}", &vars, "{250.3}");
    check("}} {{ {", &vars, "}} {{ {");
    check("{ {value} }", &vars, "{ {value} }");
    check("{{Value}}", &vars, "{{Value}}"); /* names are case-sensitive */

    /* NULL strings and no label function: placeholders stay */
    struct tmpl_vars none = {.value = NAN, .threshold = 1};
    check("{{rule}}/{{severity}}/{{instance}}/{{id}}/{{labels}}/{{labels.service}}", &none,
          "{{rule}}/{{severity}}/{{instance}}/{{id}}/{{labels}}/{{labels.service}}");
    check("{{value}} {{threshold}}", &none, "NaN 1");
}

static void test_value_format(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {-0.0, "0"},
        {1, "1"},
        {-42.5, "-42.5"},
        {250.34, "250.3"},
        {999.96, "1000"},
        {1234.56, "1235"},
        {9999.4, "9999"},
        {9999.5, "10000"}, /* not "1e+04" */
        {12345, "12345"},
        {12345.6, "12346"},
        {-987654.4, "-987654"},
        {123456789012, "123456789012"},
        {1e15, "1e+15"},
        {3.5e20, "3.5e+20"},
        {0.5, "0.5"},
        {0.00123456, "0.001235"},
        {1.5e-7, "1.5e-07"},
        {NAN, "NaN"},
        {INFINITY, "+Inf"},
        {-INFINITY, "-Inf"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char buf[64];
        const char *want = cases[k].want;
        int n = tmpl_format_value(cases[k].v, buf, sizeof buf);
        assert_string_equal(buf, want);
        assert_int_equal(n, (int)strlen(want));
    }
}

static void test_truncation(void **state)
{
    (void)state;
    char out[8];

    /* the return value is the full length; out holds cap - 1 bytes */
    memset(out, 'x', sizeof out);
    assert_int_equal(tmpl_render("{{rule}}!", &vars, out, sizeof out), 17);
    assert_string_equal(out, "api_lat");

    /* "aé" is 3 bytes: cap 3 leaves room for 2, which would split the é */
    assert_int_equal(tmpl_render("a\xC3\xA9", &vars, out, 3), 3);
    assert_string_equal(out, "a");
    assert_int_equal(tmpl_render("a\xC3\xA9", &vars, out, 4), 3);
    assert_string_equal(out, "a\xC3\xA9");
    /* a 4-byte character cut after 1, 2 and 3 of its bytes */
    for (size_t cap = 2; cap <= 4; cap++) {
        assert_int_equal(tmpl_render("a\xF0\x9F\x94\xA5", &vars, out, cap + 1), 5);
        assert_string_equal(out, "a");
    }
    /* a cut exactly at a boundary keeps everything before it */
    assert_int_equal(tmpl_render("\xC3\xA9\xC3\xA9", &vars, out, 3), 4);
    assert_string_equal(out, "\xC3\xA9");

    /* cap 1: just the NUL; cap 0: out untouched */
    out[0] = 'q';
    assert_int_equal(tmpl_render("{{value}}", &vars, out, 1), 5);
    assert_string_equal(out, "");
    out[0] = 'q';
    assert_int_equal(tmpl_render("{{value}}", &vars, out, 0), 5);
    assert_int_equal(out[0], 'q');

    /* a long expansion into a full-size buffer stops at TMPL_TEXT_MAX - 1 */
    char big[TMPL_TEXT_MAX];
    char tmpl[6 * 200 + 1] = "";
    for (int k = 0; k < 200; k++)
        strcat(tmpl, "{{id}}");
    size_t n = tmpl_render(tmpl, &vars, big, sizeof big);
    assert_int_equal(n, 6 * 200);
    assert_int_equal(strlen(big), TMPL_TEXT_MAX - 1);
    assert_memory_equal(big, "3fa2c13fa2c1", 12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_literal_kept),
        cmocka_unit_test(test_value_format),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
