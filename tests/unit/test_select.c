/* test_select.c — selector parsing (with error columns), Prometheus matcher semantics including
 * absent labels and fully anchored regexes, and the case-insensitive substring filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/select.h"

/* The series every selector below is matched against. */
static const char *const series[] = {
    "http_latency{route=/login,service=api,status=200}", /* 0 */
    "http_latency{route=/home,service=web,status=500}",  /* 1 */
    "http_latency{service=api}",                         /* 2: no route, no status */
    "cpu{host=\"a b\",service=api}",                     /* 3 */
    "cpu",                                               /* 4: no labels */
    "http_latency{service=api-2,status=\"\"}",           /* 5: empty status */
    "x{path=\"a)\"}",                                    /* 6 */
};
enum { NSERIES = sizeof series / sizeof series[0] };

static struct selector *sel_new(const char *text)
{
    char err[256];
    struct selector *sel = select_new(text, strlen(text), err, sizeof err);
    if (!sel)
        fail_msg("selector \"%s\": %s", text, err);
    return sel;
}

static void test_match_table(void **state)
{
    (void)state;
    static const struct {
        const char *selector;
        const char *want; /* '1' or '0' per series */
    } cases[] = {
        {"http_latency", "1110010"},
        {"*", "1111111"},
        {"*{}", "1111111"},
        {"{}", "1111111"},
        {"  cpu  ", "0001100"},
        {"{service=api}", "1011000"},
        {"{ service = api , }", "1011000"},
        {"{service=\"api\"}", "1011000"},
        {"http_latency{service=api}", "1010000"},
        {"http_latency{service!=api}", "0100010"},
        {"{status=}", "0011111"},     /* absent or empty */
        {"{status=\"\"}", "0011111"}, /* the same */
        {"{status!=200}", "0111111"}, /* absent counts as "" != "200" */
        {"{status!=}", "1100000"},    /* present and non-empty */
        {"{service=~api}", "1011000"},
        {"{service=~api.*}", "1011010"},
        {"{service=~api|web}", "1111000"},
        {"{service=~\"api|we\"}", "1011000"}, /* anchored: "api-2" and "web" do not match */
        {"{service!~api}", "0100111"},
        {"{status=~5..}", "0100000"},
        {"{status=~\"\"}", "0011111"},
        {"{route=~.*}", "1111111"},
        {"{route=~.+}", "1100000"},
        {"{route=~/l}", "0000000"}, /* prefix only: no match */
        {"{route=~\".*o.*\"}", "1100000"},
        {"{service=~\"[[:alpha:]]+\"}", "1111000"},
        {"{service=~\"a\\.*\"}", "0000000"}, /* "a\.*": 'a' then dots */
        {"{service=~\"api-[0-9]\"}", "0000010"},
        {"cpu{host=\"a b\"}", "0001000"},
        {"cpu{host=a b}", "0001000"},
        {"cpu{host=\"a\\ b\"}", "0000000"}, /* unknown escape kept: value is "a\ b" */
        {"http_latency{service=~\"a.*\",status!=500}", "1010010"},
        {"{service!=api,service!=web}", "0000111"},
        {"{path=~\"a)\"}", "0000001"}, /* a lone ')' is literal in POSIX ERE */
        /* substring of the canonical key, ASCII case ignored (issue 14) */
        {"~api", "1011010"},
        {"~\"API\"", "1011010"},
        {" ~ \"a b\" ", "0001000"},
        {"~\"\"", "1111111"},
        {"~\"=/\"", "1100000"},
        {"http_latency{~login}", "1000000"},
        {"http_latency{ ~ \"STATUS=\", service=~api.*}", "1000010"},
        {"*{~\"}\"}", "1111011"}, /* a quoted '}' is text, "cpu" has no braces */
        {"{~web,~500}", "0100000"},
        {"{service=~\"(a|ab)(c|bcd)(d*)\"}", "0000000"},
        {"x{path=\"a)\",path=~\"a.\"}", "0000001"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct selector *sel = sel_new(cases[c].selector);
        for (size_t i = 0; i < NSERIES; i++) {
            bool want = cases[c].want[i] == '1';
            bool got = select_match_key(sel, series[i], strlen(series[i]));
            if (got != want)
                fail_msg("selector \"%s\" on %s: got %d want %d", cases[c].selector, series[i], got,
                         want);
        }
        select_free(sel);
    }
}

/* The POSIX leftmost-longest rule makes the whole-value check exact for alternations. */
static void test_regex_full_match(void **state)
{
    (void)state;
    struct selector *sel = sel_new("{v=~\"(a|ab)(c|bcd)(d*)\"}");
    struct event ev;
    const char *k1 = "m{v=abcd}", *k2 = "m{v=abc}", *k3 = "m{v=abcdd}", *k4 = "m{v=xabcd}";
    assert_true(select_match_key(sel, k1, strlen(k1)));
    assert_true(select_match_key(sel, k2, strlen(k2)));
    assert_true(select_match_key(sel, k3, strlen(k3)));
    assert_false(select_match_key(sel, k4, strlen(k4)));
    assert_int_equal(event_parse_key(k1, strlen(k1), &ev), EVENT_OK);
    assert_true(select_match(sel, &ev));
    select_free(sel);

    /* "a)|(b" must be rejected, not turned into "^(a)|(b)$" that would match "xb" */
    char err[256];
    assert_null(select_new("{v=~\"a)|(b\"}", 12, err, sizeof err));
    assert_non_null(strstr(err, "bad regex for label 'v'"));
    assert_non_null(strstr(err, "missing ')' to close the '('"));
    assert_non_null(strstr(err, "at column 9")); /* the '(' that is not closed */
}

/* Regexes go through the bounded engine (core/regex): what it refuses fails the selector, with
 * the column of the offending byte in the selector text (issue 9: glibc's regcomp grew to
 * gigabytes on x followed by 25 '+'). */
static void test_regex_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"*{a=~x++++++++++++++++++++}",
         "bad regex for label 'a' ('+' after a quantifier: stacked or possessive quantifiers "
         "(x++, a**) are not supported; group instead: (x+)+) at column 8"},
        {"*{a=~x+++++++++++++++++++++++++}", "'+' after a quantifier"},
        {"{a =~ x**}", "at column 9"}, /* blanks before the value */
        /* quoted: \" \\ \n are one byte of the regex each, the column counts source bytes */
        {"{a=~\"\\\"+\\\\n++\"}", "('+' after a quantifier"},
        {"{a=~\"\\\"+\\\\n++\"}", "at column 13"},
        {"{a=~\"(a{100}){21}\"}", "(too large: more than 2048 instructions"},
        {"{a=~\"(a{100}){21}\"}", "at column 14"},
        {"{a=~\"x\\1\"}", "(backreferences (\\1) are not supported) at column 7"},
        {"{a=~\"(?=x)\"}", "(lookahead (?= is not supported) at column 6"},
        {"{a!~[z-a]}", "(range out of order: 'z-a') at column 6"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char err[256] = "untouched";
        struct selector *sel = select_new(cases[c].text, strlen(cases[c].text), err, sizeof err);
        if (sel || !strstr(err, cases[c].want))
            fail_msg("\"%s\": got %s \"%s\", want \"%s\"", cases[c].text, sel ? "ok" : "error", err,
                     cases[c].want);
    }

    /* 200 '+', and a regex over the 256-byte cap: refused at once */
    char text[400], err[256];
    int n = snprintf(text, sizeof text, "{a=~x");
    while (n < 5 + 200)
        text[n++] = '+';
    text[n++] = '}';
    assert_null(select_new(text, (size_t)n, err, sizeof err));
    assert_non_null(strstr(err, "'+' after a quantifier"));
    n = snprintf(text, sizeof text, "{a=~");
    while (n < 4 + 257)
        text[n++] = 'a';
    text[n++] = '}';
    assert_null(select_new(text, (size_t)n, err, sizeof err));
    assert_non_null(strstr(err, "(longer than 256 bytes (257)) at column 261"));
    text[n - 2] = '}'; /* 256 bytes: fine */
    struct selector *sel = select_new(text, (size_t)n - 1, err, sizeof err);
    assert_non_null(sel);
    select_free(sel);

    /* the grouped form of the same intent is accepted, and answers in linear time */
    sel = sel_new("{a=~\"((((((((((x+)+)+)+)+)+)+)+)+)+)+y\"}");
    char key[300];
    n = snprintf(key, sizeof key, "m{a=");
    while (n < 4 + EVENT_LABEL_VALUE_MAX)
        key[n++] = 'x';
    key[n++] = '}';
    assert_false(select_match_key(sel, key, (size_t)n));
    key[n - 2] = 'y';
    assert_true(select_match_key(sel, key, (size_t)n));
    select_free(sel);
}

static void test_structure(void **state)
{
    (void)state;
    struct selector *sel = sel_new("http_latency{a=1,b!=\"x,y\",c=~z+,d!~w}");
    assert_string_equal(sel->metric, "http_latency");
    assert_int_equal(sel->nmatchers, 4);
    assert_string_equal(sel->matchers[0].name, "a");
    assert_int_equal(sel->matchers[0].op, SELECT_EQ);
    assert_string_equal(sel->matchers[0].value, "1");
    assert_int_equal(sel->matchers[1].op, SELECT_NE);
    assert_string_equal(sel->matchers[1].value, "x,y");
    assert_int_equal(sel->matchers[2].op, SELECT_RE);
    assert_string_equal(sel->matchers[2].value, "z+");
    assert_int_equal(sel->matchers[3].op, SELECT_NRE);
    select_free(sel);

    sel = sel_new("*");
    assert_null(sel->metric);
    assert_int_equal(sel->nmatchers, 0);
    select_free(sel);

    sel = sel_new("{a=\"say \\\"hi\\\" \\\\ \\n\"}");
    assert_null(sel->metric);
    assert_string_equal(sel->matchers[0].value, "say \"hi\" \\ \n");
    select_free(sel);

    /* len is honoured */
    char err[128];
    sel = select_new("cpu{a=1}garbage", 8, err, sizeof err);
    assert_non_null(sel);
    assert_int_equal(sel->nmatchers, 1);
    select_free(sel);
    select_free(NULL);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"", "expected a metric name, '*' or '{', found the end at column 1"},
        {"   ", "expected a metric name, '*' or '{', found the end at column 4"},
        {"1abc", "expected a metric name, '*' or '{', found '1' at column 1"},
        {"cpu-x", "expected '{' or the end, found '-' at column 4"},
        {"*x", "expected '{' or the end, found 'x' at column 2"},
        {"cpu{", "missing '}' to close the '{' at column 4"},
        {"cpu{a=1", "missing '}' to close the '{' at column 4"},
        {"cpu{a}", "expected '=', '!=', '=~' or '!~' after label name 'a', found '}' at column 6"},
        {"cpu{a>1}", "after label name 'a', found '>' at column 6"},
        {"cpu{a!1}", "found '!' at column 6"},
        {"cpu{=1}", "expected a label name, found '=' at column 5"},
        {"cpu{,}", "expected a label name, found ',' at column 5"},
        {"cpu{1a=1}", "expected a label name, found '1' at column 5"},
        {"cpu{a=\"1\" b=2}", "expected ',' or '}' after the value, found 'b' at column 11"},
        {"cpu{a=\"1}", "unterminated quoted value of label 'a' starting at column 7"},
        {"cpu{a=~\"(\"}", "bad regex for label 'a' ("},
        {"cpu{a=~[}", "bad regex for label 'a'"},
        {"cpu{} x", "expected the end, found 'x' at column 7"},
        {"cpu{}}", "expected the end, found '}' at column 6"},
        {"cpu{a=x\x01}", "control character in value of label 'a' at column 8"},
        {"cpu{a=\"x\x01\"}", "control character in value of label 'a' at column 9"},
        {"cpu{a=x\ty}", "control character in value of label 'a' at column 8"},
        /* a backslash does not let one through (a NUL so escaped cut the expression's text) */
        {"cpu{a=\"x\\\x01\"}", "control character in value of label 'a' at column 10"},
        {"~\"wu-\\\x1b\"", "control character in value of label '~' at column 7"},
        /* an escaped newline in a regex that the message quotes: shown as '?', one line */
        {"m{a=~\"[=-\\n]\"}", "bad regex for label 'a' (range out of order: '=-?') at column"},
        {"~\"eu", "unterminated quoted value of label '~' starting at column 2"},
        {"~eu{a=1}", "expected the end, found '}' at column 8"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        char err[256] = "untouched";
        struct selector *sel = select_new(cases[c].text, strlen(cases[c].text), err, sizeof err);
        if (sel || !strstr(err, cases[c].want))
            fail_msg("\"%s\": got %s \"%s\", want \"%s\"", cases[c].text, sel ? "ok" : "error", err,
                     cases[c].want);
    }
    assert_null(select_new("cpu{", 4, NULL, 0));
    /* blanks around a value are fine, a tab among them too */
    struct selector *sel = sel_new("cpu{a=\t1\t}");
    assert_string_equal(sel->matchers[0].value, "1");
    select_free(sel);
}

static void test_match_event(void **state)
{
    (void)state;
    struct event ev;
    char reason[EVENT_REASON_MAX];
    const char *line = "http_latency{service=api,status=200} 12.5 1700000000000";
    assert_int_equal(
        event_parse_line(line, strlen(line), 1700000000000LL, NULL, &ev, reason, sizeof reason),
        EVENT_OK);
    struct selector *sel = sel_new("http_latency{status=~2..}");
    assert_true(select_match(sel, &ev));
    select_free(sel);
    sel = sel_new("http_latency{status=~2}");
    assert_false(select_match(sel, &ev));
    select_free(sel);
    sel = sel_new("http_latenc");
    assert_false(select_match(sel, &ev));                      /* metric is exact */
    assert_false(select_match_key(sel, "http_latenc{a=", 14)); /* bad key: false */
    select_free(sel);
}

static void test_substring(void **state)
{
    (void)state;
    const char *key = "http_latency{service=API,city=\xe6\x97\xa5\xe6\x9c\xac}";
    assert_true(select_substring_match(key, "service=api"));
    assert_true(select_substring_match(key, "LATENCY"));
    assert_true(select_substring_match(key, "HtTp_"));
    assert_true(select_substring_match(key, "}"));
    assert_true(select_substring_match(key, ""));
    assert_true(select_substring_match(key, "\xe6\x97\xa5\xe6\x9c\xac"));
    assert_true(select_substring_match(key, key));
    assert_false(select_substring_match(key, "xyz"));
    assert_false(select_substring_match(key, "service=apix"));
    assert_false(select_substring_match("ab", "abc"));
    assert_false(select_substring_match("", "a"));
    assert_true(select_substring_match("", ""));
    /* only ASCII folds: É (C3 89) and é (C3 A9) differ */
    assert_false(select_substring_match("caf\xc3\xa9", "CAF\xc3\x89"));
    assert_true(select_substring_match("caf\xc3\xa9", "CAF\xc3\xa9"));
    /* '@' and '`' are not case pairs of anything */
    assert_false(select_substring_match("a@b", "a`b"));
    /* overlapping restarts */
    assert_true(select_substring_match("aaab", "aab"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),    cmocka_unit_test(test_regex_full_match),
        cmocka_unit_test(test_regex_refusals), cmocka_unit_test(test_structure),
        cmocka_unit_test(test_parse_errors),   cmocka_unit_test(test_match_event),
        cmocka_unit_test(test_substring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
