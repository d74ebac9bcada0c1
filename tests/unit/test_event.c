/* test_event.c — event parsing (line and stream-entry forms), every rejection reason, number
 * conversion, and the canonical series key (quoting, ordering, round trips, random label sets). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

#define NOW 1700000000000LL

static struct event ev;
static char reason[EVENT_REASON_MAX];

static enum event_error parse(const char *line)
{
    return event_parse_line(line, strlen(line), NOW, NULL, &ev, reason, sizeof reason);
}

/* Parses line, expects code and a reason containing `part` (NULL: only the code). */
static void expect_err(const char *line, enum event_error code, const char *part)
{
    enum event_error r = parse(line);
    if (r != code || (part && !strstr(reason, part)))
        fail_msg("line \"%s\": got %d (%s) \"%s\", want %d (%s) with \"%s\"", line, r,
                 event_strerror(r), reason, code, event_strerror(code), part ? part : "");
}

static const char *key_of(const struct event *e)
{
    static char buf[EVENT_KEY_MAX + 1];
    assert_true(event_key(e, buf, sizeof buf) >= 0);
    return buf;
}

/* "m 1 " followed by n copies of c, into a static buffer. */
static const char *rep(const char *head, char c, size_t n, const char *tail)
{
    static char buf[8192];
    size_t h = strlen(head);
    memcpy(buf, head, h);
    memset(buf + h, c, n);
    strcpy(buf + h + n, tail);
    return buf;
}

static uint64_t rng_state;

static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* ---------------------------------------------------------------- accepted lines */

static void test_plain(void **state)
{
    (void)state;
    assert_int_equal(parse("cpu 1.5"), EVENT_OK);
    assert_string_equal(event_metric(&ev), "cpu");
    assert_int_equal(ev.metric_len, 3);
    assert_int_equal(ev.nlabels, 0);
    assert_true(ev.value == 1.5);
    assert_int_equal(ev.ts_ms, NOW);
    assert_false(ev.has_ts);
    assert_string_equal(key_of(&ev), "cpu");
    assert_string_equal(reason, "");
}

static void test_labels_and_ts(void **state)
{
    (void)state;
    assert_int_equal(parse("lat{path=\"/a b\",msg=\"say \\\"hi\\\"\"} 2 1700000000123"), EVENT_OK);
    assert_int_equal(ev.nlabels, 2);
    assert_string_equal(event_label_name(&ev, 0), "msg");
    assert_string_equal(event_label_value(&ev, 0), "say \"hi\"");
    assert_int_equal(ev.labels[0].value_len, 8);
    assert_string_equal(event_label_name(&ev, 1), "path");
    assert_string_equal(event_label_value(&ev, 1), "/a b");
    assert_true(ev.value == 2);
    assert_int_equal(ev.ts_ms, 1700000000123LL);
    assert_true(ev.has_ts);
    assert_string_equal(key_of(&ev), "lat{msg=\"say \\\"hi\\\"\",path=\"/a b\"}");
    assert_string_equal(event_label_find(&ev, "path"), "/a b");
    assert_null(event_label_find(&ev, "pat"));
    assert_null(event_label_find(&ev, "paths"));
}

static void test_empty_braces_and_forms(void **state)
{
    (void)state;
    assert_int_equal(parse("metric{} 1.5"), EVENT_OK);
    assert_int_equal(ev.nlabels, 0);
    assert_string_equal(key_of(&ev), "metric");
    assert_int_equal(parse("m{a=1,} 1"), EVENT_OK); /* trailing comma */
    assert_string_equal(key_of(&ev), "m{a=1}");
    assert_int_equal(parse("m{a=1}2"), EVENT_OK); /* no blank needed after '}' */
    assert_true(ev.value == 2);
    assert_int_equal(parse("ns:sub.metric_1 3"), EVENT_OK);
    assert_string_equal(event_metric(&ev), "ns:sub.metric_1");
    assert_int_equal(parse("_x{_y=z} 3"), EVENT_OK);
    assert_int_equal(parse("m{a=x\"y\\z} 3"), EVENT_OK); /* unquoted: quotes, backslashes kept */
    assert_string_equal(event_label_value(&ev, 0), "x\"y\\z");
    assert_int_equal(parse("m{a=b=c{d} 3"), EVENT_OK);
    assert_string_equal(event_label_value(&ev, 0), "b=c{d");
    assert_int_equal(parse("m{a=} 3"), EVENT_OK);
    assert_string_equal(event_label_value(&ev, 0), "");
    assert_string_equal(key_of(&ev), "m{a=\"\"}");
}

static void test_whitespace(void **state)
{
    (void)state;
    assert_int_equal(parse(" \t cpu \t{ b = two words , a=\"x\" ,\tc= 3\t} \t 4.5 \t"
                           "1700000000000 \t\r\n"),
                     EVENT_OK);
    assert_string_equal(key_of(&ev), "cpu{a=x,b=\"two words\",c=3}");
    assert_true(ev.value == 4.5);
    assert_true(ev.has_ts);
    assert_int_equal(parse("cpu 1\n"), EVENT_OK);
    assert_int_equal(parse("cpu 1\r\n"), EVENT_OK);
    assert_int_equal(parse("cpu 1 1700000000000\n"), EVENT_OK);
    assert_int_equal(ev.ts_ms, NOW);
}

static void test_skip(void **state)
{
    (void)state;
    const char *lines[] = {"", " ", "\t \t", "\n", "\r\n", "# comment", "  \t# also {x", "#"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        assert_int_equal(parse(lines[i]), EVENT_SKIP);
    /* a '#' later on is not a comment */
    expect_err("cpu # 1", EVENT_E_VALUE_NOT_NUMBER, "value \"#\" is not a number at column 5");
    /* not NUL-terminated, length honoured */
    assert_int_equal(event_parse_line("cpu 12345", 5, NOW, NULL, &ev, reason, sizeof reason),
                     EVENT_OK);
    assert_true(ev.value == 1);
}

/* ---------------------------------------------------------------- metric names */

static void test_metric_rules(void **state)
{
    (void)state;
    expect_err("cpu#x 1", EVENT_E_METRIC_CHAR, "bad character '#' in metric name at column 4");
    assert_string_equal(reason, "bad character '#' in metric name at column 4");
    expect_err("1cpu 1", EVENT_E_METRIC_CHAR, "must start with a letter, '_' or ':') at column 1");
    expect_err(".cpu 1", EVENT_E_METRIC_CHAR, "at column 1");
    expect_err("cp-u 1", EVENT_E_METRIC_CHAR, "'-'");
    expect_err("  c\xc3\xa9 1", EVENT_E_METRIC_CHAR, "byte 0xC3 in metric name at column 4");
    expect_err("{a=1} 1", EVENT_E_METRIC_EMPTY, "missing metric name at column 1");
    expect_err("   {a=1} 1", EVENT_E_METRIC_EMPTY, "at column 4");
    assert_int_equal(parse(rep("", 'm', 128, " 1")), EVENT_OK);
    assert_int_equal(ev.metric_len, 128);
    expect_err(rep("", 'm', 129, " 1"), EVENT_E_METRIC_TOO_LONG,
               "metric name is 129 bytes (max 128) at column 1");
}

/* ---------------------------------------------------------------- label names */

static void test_label_name_rules(void **state)
{
    (void)state;
    expect_err("m{=1} 1", EVENT_E_LABEL_NAME_EMPTY, "empty label name at column 3");
    expect_err("m{ =1} 1", EVENT_E_LABEL_NAME_EMPTY, "at column 4");
    expect_err("m{1a=1} 1", EVENT_E_LABEL_NAME_CHAR, "'1' in label name (it must start");
    expect_err("m{a-b=1} 1", EVENT_E_LABEL_NAME_CHAR,
               "bad character '-' in label name at column 4");
    expect_err("m{a.b=1} 1", EVENT_E_LABEL_NAME_CHAR, "'.'");
    expect_err("m{a:b=1} 1", EVENT_E_LABEL_NAME_CHAR, "':'");
    expect_err("m{\xc3\xa9=1} 1", EVENT_E_LABEL_NAME_CHAR, "byte 0xC3");
    assert_int_equal(parse(rep("m{", 'n', 64, "=1} 1")), EVENT_OK);
    assert_int_equal(ev.labels[0].name_len, 64);
    expect_err(rep("m{", 'n', 65, "=1} 1"), EVENT_E_LABEL_NAME_TOO_LONG,
               "label name is 65 bytes (max 64) at column 3");
}

static void test_duplicate_label(void **state)
{
    (void)state;
    expect_err("m{a=1,a=2} 1", EVENT_E_LABEL_DUP, "duplicate label 'a' at column 7");
    expect_err("m{b=1,a=2,c=3,b=4} 1", EVENT_E_LABEL_DUP, "duplicate label 'b' at column 15");
    expect_err("m{a=1,a=1} 1", EVENT_E_LABEL_DUP, NULL);
    /* prefixes are different names */
    assert_int_equal(parse("m{ab=1,a=2,abc=3} 1"), EVENT_OK);
    assert_string_equal(key_of(&ev), "m{a=2,ab=1,abc=3}");
}

/* ---------------------------------------------------------------- label values */

static void test_label_value_length(void **state)
{
    (void)state;
    assert_int_equal(parse(rep("m{a=", 'v', 256, "} 1")), EVENT_OK);
    assert_int_equal(ev.labels[0].value_len, 256);
    expect_err(rep("m{a=", 'v', 257, "} 1"), EVENT_E_LABEL_VALUE_TOO_LONG,
               "value of label 'a' is 257 bytes (max 256) at column 5");
    /* the limit counts decoded bytes: 128 escaped quotes are 128 bytes */
    char line[1024] = "m{a=\"";
    for (int i = 0; i < 128; i++)
        strcat(line, "\\\"");
    strcat(line, "\"} 1");
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(ev.labels[0].value_len, 128);
    /* 86 x 3-byte characters = 258 bytes */
    char cjk[600] = "m{a=";
    for (int i = 0; i < 86; i++)
        strcat(cjk, "\xe6\x97\xa5");
    strcat(cjk, "} 1");
    expect_err(cjk, EVENT_E_LABEL_VALUE_TOO_LONG, "258 bytes");
}

static void test_label_value_utf8(void **state)
{
    (void)state;
    assert_int_equal(parse("m{city=\xe6\x97\xa5\xe6\x9c\xac,e=\xf0\x9f\x98\x80} 1"), EVENT_OK);
    assert_string_equal(event_label_value(&ev, 0), "\xe6\x97\xa5\xe6\x9c\xac");
    assert_string_equal(event_label_value(&ev, 1), "\xf0\x9f\x98\x80");
    expect_err("m{a=x\xff} 1", EVENT_E_LABEL_VALUE_UTF8,
               "invalid UTF-8 in value of label 'a' at "
               "column 6");
    expect_err("m{a=\xc0\xaf} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);           /* overlong */
    expect_err("m{a=\xe0\x80\xaf} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);       /* overlong */
    expect_err("m{a=\xed\xa0\x80} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);       /* surrogate */
    expect_err("m{a=\xf4\x90\x80\x80} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);   /* > U+10FFFF */
    expect_err("m{a=\xe6\x97} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);           /* truncated */
    expect_err("m{a=\"\xe6\x97\"} 1", EVENT_E_LABEL_VALUE_UTF8, "column 6"); /* in quotes */
    expect_err("m{a=\x80} 1", EVENT_E_LABEL_VALUE_UTF8, NULL);               /* lone trail */
}

static void test_label_value_control(void **state)
{
    (void)state;
    expect_err("m{a=x\x01y} 1", EVENT_E_LABEL_VALUE_CONTROL,
               "control character byte 0x01 in value of label 'a' at column 6");
    expect_err("m{a=x\x7fy} 1", EVENT_E_LABEL_VALUE_CONTROL, "byte 0x7F");
    expect_err("m{a=x\ty} 1", EVENT_E_LABEL_VALUE_CONTROL, "byte 0x09");
    expect_err("m{a=\"x\ty\"} 1", EVENT_E_LABEL_VALUE_CONTROL, "byte 0x09");
    expect_err("m{a=x\xc2\x85y} 1", EVENT_E_LABEL_VALUE_CONTROL, "control character U+0085");
    expect_err("m{a=\"x\\ny\"} 1", EVENT_E_LABEL_VALUE_CONTROL, "escaped newline");
    /* U+00A0, right after the C1 block, is fine */
    assert_int_equal(parse("m{a=x\xc2\xa0y} 1"), EVENT_OK);
    /* bidi controls would make a series key read backwards on every screen that shows it */
    expect_err("m{a=x\xe2\x80\xaey} 1", EVENT_E_LABEL_VALUE_CONTROL, "control character U+202E");
    expect_err("m{a=x\xe2\x81\xa6y} 1", EVENT_E_LABEL_VALUE_CONTROL, "U+2066");
    expect_err("m{a=x\xe2\x80\x8fy} 1", EVENT_E_LABEL_VALUE_CONTROL, "U+200F");
    expect_err("m{a=x\xd8\x9cy} 1", EVENT_E_LABEL_VALUE_CONTROL, "U+061C");
    /* their neighbours are ordinary text */
    assert_int_equal(parse("m{a=x\xe2\x80\xafy} 1"), EVENT_OK); /* U+202F */
    assert_int_equal(parse("m{a=x\xe2\x80\x94y} 1"), EVENT_OK); /* U+2014 */
}

static void test_too_many_labels(void **state)
{
    (void)state;
    char line[512] = "m{";
    for (int i = 0; i < 16; i++)
        sprintf(line + strlen(line), "l%02d=%d,", 15 - i, i);
    strcat(line, "} 1");
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(ev.nlabels, 16);
    for (int i = 0; i < 16; i++) {
        char name[16];
        sprintf(name, "l%02d", i);
        assert_string_equal(event_label_name(&ev, (size_t)i), name);
    }
    strcpy(line + strlen(line) - 3, "x=1} 1");
    expect_err(line, EVENT_E_TOO_MANY_LABELS, "too many labels (17 > 16)");
    strcpy(line + strlen(line) - 3, ",y=2,z=3} 1");
    expect_err(line, EVENT_E_TOO_MANY_LABELS, "too many labels (19 > 16)");
}

/* ---------------------------------------------------------------- syntax */

static void test_syntax(void **state)
{
    (void)state;
    expect_err("m{a=1 2", EVENT_E_SYNTAX, "missing '}' to close the '{' at column 2");
    expect_err("m{a 1} 2", EVENT_E_SYNTAX,
               "expected '=' after label name 'a', found '1' at "
               "column 5");
    expect_err("m{a} 2", EVENT_E_SYNTAX, "expected '=' after label name 'a', found '}'");
    expect_err("m{a=\"x} 2", EVENT_E_SYNTAX,
               "unterminated quoted value of label 'a' starting "
               "at column 5");
    expect_err("m{a=\"x\\", EVENT_E_SYNTAX, "unterminated");
    expect_err("m{a=\"x\\q\"} 2", EVENT_E_SYNTAX, "unknown escape \\q in value of label 'a'");
    expect_err("m{a=\"x\"y} 2", EVENT_E_SYNTAX,
               "expected ',' or '}' after label value, found "
               "'y' at column 8");
    expect_err("m{,} 1", EVENT_E_SYNTAX, "expected a label name, found ',' at column 3");
    expect_err("m{a=1,,b=2} 1", EVENT_E_SYNTAX, "found ',' at column 7");
    expect_err("m{\"a\"=1} 1", EVENT_E_SYNTAX, "expected a label name");
    expect_err("m 1 2 3", EVENT_E_SYNTAX, "unexpected '3' after the timestamp at column 7");
}

/* ---------------------------------------------------------------- values */

static void test_value_accepted(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double want;
    } cases[] = {
        {"0", 0.0},
        {"+1", 1.0},
        {"1.", 1.0},
        {".5", 0.5},
        {"007", 7.0},
        {"1e3", 1000.0},
        {"1E-3", 0.001},
        {"-1.5e+2", -150.0},
        {"0.1", 0.1},
        {"123.456", 123.456},
        {"1e30", 1e30},
        {"1e23", 1e23},
        {"9007199254740993", 9007199254740992.0}, /* 2^53 + 1: ties to even */
        {"9007199254740995", 9007199254740996.0},
        {"123456789012345678901234567890", 1.2345678901234568e29},
        {"0.000000000000000000000000000001", 1e-30},
        {"5e-324", 4.9406564584124654e-324},
        {"2.4703282292062328e-324", 4.9406564584124654e-324}, /* just above the halfway */
        {"2.2250738585072014e-308", 2.2250738585072014e-308},
        {"1.7976931348623157e308", 1.7976931348623157e308},
        {"1e-400", 0.0}, /* underflow rounds to zero: accepted */
        {"0e999999999999", 0.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "m %s", cases[i].text);
        if (parse(line) != EVENT_OK)
            fail_msg("%s: %s", cases[i].text, reason);
        if (memcmp(&ev.value, &cases[i].want, sizeof(double)) != 0)
            fail_msg("%s: got %.17g want %.17g", cases[i].text, ev.value, cases[i].want);
    }
    assert_int_equal(parse("m -0"), EVENT_OK);
    assert_true(ev.value == 0 && signbit(ev.value));
    assert_int_equal(parse("m -0.0e5"), EVENT_OK);
    assert_true(signbit(ev.value));
}

static void test_value_rejected(void **state)
{
    (void)state;
    expect_err("m", EVENT_E_VALUE_EMPTY, "missing value at column 2");
    expect_err("m{a=1}", EVENT_E_VALUE_EMPTY, "missing value at column 7");
    expect_err("m{a=1}   ", EVENT_E_VALUE_EMPTY, NULL);
    expect_err("m abc", EVENT_E_VALUE_NOT_NUMBER, "value \"abc\" is not a number at column 3");
    assert_string_equal(reason, "value \"abc\" is not a number at column 3");
    const char *bad[] = {"1.5x",  "1..5", ".",   "+",     "-",     "1e",   "1e+",     "e5",   "1,5",
                         "1_000", "--1",  "+-1", "1e5.5", "0b101", "nanx", "infinit", "1.5.", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "m %s", bad[i]);
        expect_err(line, EVENT_E_VALUE_NOT_NUMBER, "is not a number");
    }
    const char *inf[] = {"nan", "NaN",  "-nan",      "+NAN",    "inf",
                         "Inf", "-inf", "+infinity", "Infinity"};
    for (size_t i = 0; i < sizeof inf / sizeof inf[0]; i++) {
        char line[64];
        snprintf(line, sizeof line, "m %s", inf[i]);
        expect_err(line, EVENT_E_VALUE_NOT_FINITE, "is not finite");
    }
    expect_err("m 1e999", EVENT_E_VALUE_NOT_FINITE, "value \"1e999\" is out of range");
    expect_err("m -1e999", EVENT_E_VALUE_NOT_FINITE, "out of range");
    expect_err("m 1e309", EVENT_E_VALUE_NOT_FINITE, "out of range");
    expect_err("m 1.7976931348623159e308", EVENT_E_VALUE_NOT_FINITE, "out of range");
    expect_err("m 1e99999999999999999999", EVENT_E_VALUE_NOT_FINITE, "out of range");
    /* a long junk token is shortened in the message */
    expect_err(rep("m ", 'x', 100, ""), EVENT_E_VALUE_NOT_NUMBER, "\"xxxxxxxxxx");
    assert_true(strlen(reason) < 100);
}

/* Policy: decimal only. Hexadecimal (C99 "0x1p3") is rejected with a hint. */
static void test_value_hex_rejected(void **state)
{
    (void)state;
    expect_err("m 0x1p3", EVENT_E_VALUE_NOT_NUMBER,
               "value \"0x1p3\" is not a number (hexadecimal is not accepted");
    expect_err("m 0X10", EVENT_E_VALUE_NOT_NUMBER, "hexadecimal");
    expect_err("m -0x1.8p1", EVENT_E_VALUE_NOT_NUMBER, "hexadecimal");
}

/* Checks that the text parses to exactly the bits of want. */
static void check_number(const char *text, double want)
{
    char line[1100];
    snprintf(line, sizeof line, "m %s", text);
    if (parse(line) != EVENT_OK)
        fail_msg("%s: %s", text, reason);
    if (memcmp(&ev.value, &want, sizeof want) != 0)
        fail_msg("%s: got %a want %a", text, ev.value, want);
}

/* Every finite double printed with %.17g comes back bit for bit; shorter forms agree with strtod
 * (this process runs in the "C" locale). */
static void test_value_roundtrip_random(void **state)
{
    (void)state;
    rng_state = 12345;
    int checked = 0;
    char line[80];
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d))
            continue;
        char text[64];
        snprintf(text, sizeof text, "%.17g", d);
        check_number(text, d);
        snprintf(text, sizeof text, "%.*g", 1 + (int)(rng() % 16), d);
        double want = strtod(text, NULL);
        if (isinf(want)) { /* "2e+308": rounding the digits overflowed */
            snprintf(line, sizeof line, "m %s", text);
            expect_err(line, EVENT_E_VALUE_NOT_FINITE, "out of range");
        } else {
            check_number(text, want);
        }
        checked++;
    }
    assert_true(checked > 190000);
    /* short decimals, the common case (fast path), and their neighbourhood */
    for (int i = 0; i < 200000; i++) {
        char text[64];
        long long mant = (long long)(rng() % 100000000000ULL);
        int e = (int)(rng() % 61) - 30;
        snprintf(text, sizeof text, "%lld.%03de%d", mant, (int)(rng() % 1000), e);
        check_number(text, strtod(text, NULL));
        snprintf(text, sizeof text, "%lld", mant);
        check_number(text, (double)mant);
    }
}

/* More significant digits than the 780 kept: the sticky digit keeps rounding right. */
static void test_value_long_digits(void **state)
{
    (void)state;
    static char text[1100];
    /* 1 followed by 900 zeros and a 1, scaled back near 1 */
    memset(text, '0', 902);
    text[0] = '1';
    text[901] = '1';
    strcpy(text + 902, "e-901");
    check_number(text, strtod(text, NULL));
    text[901] = '0';
    check_number(text, 1.0);
    strcpy(text, "0.");
    memset(text + 2, '0', 800);
    strcpy(text + 802, "123456789");
    check_number(text, strtod(text, NULL));
    /* the halfway case between 1 and 1 + 2^-52, then a nonzero digit far beyond 780 */
    strcpy(text, "1.00000000000000011102230246251565404236316680908203125");
    check_number(text, 1.0); /* exact tie: to even */
    size_t n = strlen(text);
    memset(text + n, '0', 900);
    strcpy(text + n + 900, "1");
    check_number(text, 1.0000000000000002);
}

/* LC_NUMERIC with a ',' radix (the app sets LC_ALL for ncurses) must not change anything. */
static void test_value_locale_independent(void **state)
{
    (void)state;
    const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "de_DE"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got)
        print_message("no comma-radix locale installed: checking in the C locale only\n");
    else
        assert_string_equal(localeconv()->decimal_point, ",");
    check_number("1.5", 1.5);
    check_number("0.10000000000000001", 0.1);
    check_number("1.2345678901234567e-5", 1.2345678901234567e-5);
    check_number("3.141592653589793238462643383279", 3.141592653589793);
    check_number("123456789012345678901234567890.5", 1.2345678901234568e29);
    expect_err("m 1,5", EVENT_E_VALUE_NOT_NUMBER, NULL);
    expect_err("m 1 1", EVENT_E_TS_SKEW, "19675.9 d in the past (max 1 h)");
    setlocale(LC_NUMERIC, "C");
}

/* ---------------------------------------------------------------- timestamps */

static void test_ts(void **state)
{
    (void)state;
    assert_int_equal(parse("m 1 1700000000001"), EVENT_OK);
    assert_int_equal(ev.ts_ms, 1700000000001LL);
    assert_true(ev.has_ts);
    expect_err("m 1 1.5", EVENT_E_TS_INVALID,
               "timestamp \"1.5\" is not an integer of unix milliseconds at column 5");
    expect_err("m 1 abc", EVENT_E_TS_INVALID, "not an integer");
    expect_err("m 1 -5", EVENT_E_TS_INVALID, "not an integer");
    expect_err("m 1 +5", EVENT_E_TS_INVALID, "not an integer");
    expect_err("m 1 1.7e12", EVENT_E_TS_INVALID, "not an integer");
    expect_err("m 1 9223372036854775808", EVENT_E_TS_INVALID, "out of range");
    expect_err("m 1 99999999999999999999", EVENT_E_TS_INVALID, "out of range");
    /* INT64_MAX itself is an integer, just far in the future */
    expect_err("m 1 9223372036854775807", EVENT_E_TS_SKEW, "in the future");
}

static void test_ts_skew_bounds(void **state)
{
    (void)state;
    char line[64];
    snprintf(line, sizeof line, "m 1 %lld", NOW + 5 * 60 * 1000);
    assert_int_equal(parse(line), EVENT_OK);
    snprintf(line, sizeof line, "m 1 %lld", NOW + 5 * 60 * 1000 + 1);
    expect_err(line, EVENT_E_TS_SKEW, "is 300001 ms in the future (max 5 min) at column 5");
    snprintf(line, sizeof line, "m 1 %lld", NOW - 60 * 60 * 1000);
    assert_int_equal(parse(line), EVENT_OK);
    snprintf(line, sizeof line, "m 1 %lld", NOW - 60 * 60 * 1000 - 1);
    expect_err(line, EVENT_E_TS_SKEW, "is 3600001 ms in the past (max 1 h)");
    snprintf(line, sizeof line, "m 1 %lld", NOW + 6 * 60 * 1000);
    expect_err(line, EVENT_E_TS_SKEW, "is 6 min in the future (max 5 min)");
    /* the example of the brief: now = 1700 + 2.3 h */
    assert_int_equal(
        event_parse_line("m 1 1700", 8, 1700 + 8280000, NULL, &ev, reason, sizeof reason),
        EVENT_E_TS_SKEW);
    assert_string_equal(reason, "timestamp 1700 is 2.3 h in the past (max 1 h) at column 5");
    /* other units */
    struct event_limits lim = event_limits_default();
    lim.max_past_ms = 60000;
    assert_int_equal(
        event_parse_line("m 1 1000", 8, 1000 + 90 * 1000, &lim, &ev, reason, sizeof reason),
        EVENT_E_TS_SKEW);
    assert_string_equal(reason, "timestamp 1000 is 1.5 min in the past (max 1 min) at column 5");
    lim.max_past_ms = 500;
    assert_int_equal(event_parse_line("m 1 1000", 8, 1000 + 2500, &lim, &ev, reason, sizeof reason),
                     EVENT_E_TS_SKEW);
    assert_string_equal(reason, "timestamp 1000 is 2.5 s in the past (max 500 ms) at column 5");
}

/* ---------------------------------------------------------------- limits */

static void test_limits(void **state)
{
    (void)state;
    struct event_limits def = EVENT_LIMITS_DEFAULT, lim = event_limits_default();
    assert_memory_equal(&def, &lim, sizeof lim);
    assert_int_equal(lim.max_metric_len, 128);
    assert_int_equal(lim.max_label_name_len, 64);
    assert_int_equal(lim.max_label_value_len, 256);
    assert_int_equal(lim.max_labels, 16);
    assert_int_equal(lim.max_key_len, 1024);
    assert_int_equal(lim.max_future_ms, 300000);
    assert_int_equal(lim.max_past_ms, 3600000);

    lim.max_metric_len = 4;
    lim.max_labels = 1;
    lim.max_label_value_len = 2;
    lim.max_future_ms = 0;
    const char *l1 = "abcde 1";
    assert_int_equal(event_parse_line(l1, strlen(l1), NOW, &lim, &ev, reason, sizeof reason),
                     EVENT_E_METRIC_TOO_LONG);
    const char *l2 = "abcd{a=1,b=2} 1";
    assert_int_equal(event_parse_line(l2, strlen(l2), NOW, &lim, &ev, reason, sizeof reason),
                     EVENT_E_TOO_MANY_LABELS);
    assert_string_equal(reason, "too many labels (2 > 1)");
    const char *l3 = "abcd{a=123} 1";
    assert_int_equal(event_parse_line(l3, strlen(l3), NOW, &lim, &ev, reason, sizeof reason),
                     EVENT_E_LABEL_VALUE_TOO_LONG);
    const char *l4 = "abcd 1 1700000000001";
    assert_int_equal(event_parse_line(l4, strlen(l4), NOW, &lim, &ev, reason, sizeof reason),
                     EVENT_E_TS_SKEW);
    /* limits only tighten */
    lim = event_limits_default();
    lim.max_metric_len = 1000;
    lim.max_labels = 100;
    const char *l5 = rep("", 'm', 129, " 1");
    assert_int_equal(event_parse_line(l5, strlen(l5), NOW, &lim, &ev, reason, sizeof reason),
                     EVENT_E_METRIC_TOO_LONG);
    /* reason may be NULL or tiny */
    assert_int_equal(event_parse_line("1 1", 3, NOW, NULL, &ev, NULL, 0), EVENT_E_METRIC_CHAR);
    char tiny[8];
    assert_int_equal(event_parse_line("1 1", 3, NOW, NULL, &ev, tiny, sizeof tiny),
                     EVENT_E_METRIC_CHAR);
    assert_string_equal(tiny, "bad cha");
}

/* ---------------------------------------------------------------- canonical key */

static void test_key_too_long(void **state)
{
    (void)state;
    /* "m{a=V0,b=V1,c=V2,d=V3}": 14 bytes + the values */
    static char line[4096];
    static char v[4][300];
    size_t lens[4] = {256, 256, 256, 242}; /* key of exactly 1024 bytes */
    for (int k = 0; k < 2; k++) {
        for (int j = 0; j < 4; j++) {
            memset(v[j], 'a' + j, lens[j]);
            v[j][lens[j]] = '\0';
        }
        snprintf(line, sizeof line, "m{a=%s,b=%s,c=%s,d=%s} 1", v[0], v[1], v[2], v[3]);
        if (k == 0) {
            assert_int_equal(parse(line), EVENT_OK);
            assert_int_equal(strlen(key_of(&ev)), 1024);
            lens[3]++;
        } else {
            expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
        }
    }
    /* quoting counts: values of 1009 bytes make a 1023-byte key, 1025 with one pair of quotes */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=%.241s} 1", v[0], v[1], v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1023);
    snprintf(line, sizeof line, "m{a=\"%.128s %.127s\",b=%.256s,c=%.256s,d=%.241s} 1", v[0], v[0],
             v[1], v[2], v[3]);
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
    /* blanks after an unquoted value are dropped even when they run past the event buffer */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=%.235s%60s} 1", v[0], v[1], v[2],
             v[3], "");
    memset(ev.buf, 'X', sizeof ev.buf);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(ev.labels[3].value_len, 235);
    assert_memory_equal(event_label_value(&ev, 3), v[3], 235);
    assert_int_equal(strlen(key_of(&ev)), 1017);
    /* escapes count: 1000 bytes of values, one of them a quote, make a 1014 + 3 byte key */
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.231s\"} 1", v[0], v[1],
             v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1017);
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.238s\"} 1", v[0], v[1],
             v[2], v[3]);
    assert_int_equal(parse(line), EVENT_OK);
    assert_int_equal(strlen(key_of(&ev)), 1024);
    snprintf(line, sizeof line, "m{a=%.256s,b=%.256s,c=%.256s,d=\"\\\"%.239s\"} 1", v[0], v[1],
             v[2], v[3]);
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key is 1025 bytes (max 1024)");
    /* content far past the event buffer */
    strcpy(line, "m{");
    for (int j = 0; j < 6; j++)
        snprintf(line + strlen(line), sizeof line - strlen(line), "l%d=%s,", j, v[0]);
    strcat(line, "} 1");
    expect_err(line, EVENT_E_KEY_TOO_LONG, "series key over 1024 bytes");
}

static void test_key_quoting(void **state)
{
    (void)state;
    static const struct {
        const char *value_in_line; /* as written in the label set */
        const char *in_key;        /* as the canonical key writes it */
    } cases[] = {
        {"x", "x"},
        {"\"\"", "\"\""},
        {"\"a,b\"", "\"a,b\""},
        {"\"a}b\"", "\"a}b\""},
        {"a=b", "\"a=b\""},
        {"a\"b", "\"a\\\"b\""},
        {"a\\b", "\"a\\\\b\""},
        {"\"a b\"", "\"a b\""},
        {"a b", "\"a b\""},
        {"a{b", "a{b"},
        {"\xe6\x97\xa5\xe6\x9c\xac", "\xe6\x97\xa5\xe6\x9c\xac"},
        {"/api/v1?x;y", "/api/v1?x;y"},
        {"\"\\\\\"", "\"\\\\\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128], want[128];
        snprintf(line, sizeof line, "m{k=%s} 1", cases[i].value_in_line);
        snprintf(want, sizeof want, "m{k=%s}", cases[i].in_key);
        if (parse(line) != EVENT_OK)
            fail_msg("%s: %s", line, reason);
        assert_string_equal(key_of(&ev), want);
    }
}

static void test_key_order_independent(void **state)
{
    (void)state;
    const char *forms[] = {
        "http{status=200,method=GET,path=\"/a,b\"} 1",
        "http{path=\"/a,b\",status=200,method=GET} 2",
        "http{ method = \"GET\" , path=\"/a,b\", status=\"200\" } 3 1700000000000",
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        assert_int_equal(parse(forms[i]), EVENT_OK);
        assert_string_equal(key_of(&ev), "http{method=GET,path=\"/a,b\",status=200}");
    }
    /* bytewise order: uppercase before underscore before lowercase */
    assert_int_equal(parse("m{b=1,_=2,B=3,a1=4,a=5} 1"), EVENT_OK);
    assert_string_equal(key_of(&ev), "m{B=3,_=2,a=5,a1=4,b=1}");
}

static void test_key_roundtrip(void **state)
{
    (void)state;
    const char *lines[] = {
        "m 1",
        "m{a=1} 1",
        "lat{path=\"/a b\",msg=\"say \\\"hi\\\"\"} 2",
        "m{a=\"x,y\",b=\"}\",c=\"=\",d=\"\\\\\",e=\"\",f=\" lead\",g=\"{\"} 1",
        "m{city=\xe6\x97\xa5\xe6\x9c\xac,q=\"\xe6\x97\xa5 \xe6\x9c\xac,\\\"x\\\"\"} 1",
        "m{a=\"\\\\\\\"\"} 1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        assert_int_equal(parse(lines[i]), EVENT_OK);
        struct event a = ev, b;
        char k1[EVENT_KEY_MAX + 1], k2[EVENT_KEY_MAX + 1];
        int n1 = event_key(&a, k1, sizeof k1);
        assert_true(n1 > 0);
        assert_int_equal(event_parse_key(k1, (size_t)n1, &b), EVENT_OK);
        int n2 = event_key(&b, k2, sizeof k2);
        assert_int_equal(n1, n2);
        assert_string_equal(k1, k2);
        assert_int_equal(a.nlabels, b.nlabels);
        for (size_t j = 0; j < a.nlabels; j++) {
            assert_string_equal(event_label_name(&a, j), event_label_name(&b, j));
            assert_string_equal(event_label_value(&a, j), event_label_value(&b, j));
        }
        assert_true(b.value == 0 && b.ts_ms == 0 && !b.has_ts);
    }
}

static void test_event_key_cap(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(parse("m{a=1,b=22} 1"), EVENT_OK); /* "m{a=1,b=22}": 11 bytes */
    assert_int_equal(event_key(&ev, buf, 12), 11);
    assert_string_equal(buf, "m{a=1,b=22}");
    assert_int_equal(event_key(&ev, buf, 11), -1);
    assert_int_equal(event_key(&ev, buf, 0), -1);
}

static void test_parse_key(void **state)
{
    (void)state;
    struct event k;
    const char *key = "m{a=1,b=\"x y\"}";
    assert_int_equal(event_parse_key(key, strlen(key), &k), EVENT_OK);
    assert_string_equal(event_label_value(&k, 1), "x y");
    assert_int_equal(event_parse_key("cpu", 3, &k), EVENT_OK);
    assert_int_equal(k.nlabels, 0);
    assert_int_equal(event_parse_key("cpu{b=2,a=1}", 12, &k), EVENT_OK); /* lenient: sorts */
    assert_string_equal(event_label_name(&k, 0), "a");
    assert_int_equal(event_parse_key("m{a=1} 2", 8, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("m ", 2, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("m{a=1", 5, &k), EVENT_E_SYNTAX);
    assert_int_equal(event_parse_key("", 0, &k), EVENT_E_METRIC_EMPTY);
    assert_int_equal(event_parse_key("m{a=1,a=2}", 10, &k), EVENT_E_LABEL_DUP);
    assert_int_equal(event_parse_key("m{a=\"\\n\"}", 9, &k), EVENT_E_LABEL_VALUE_CONTROL);
    static char big[1100] = "m{a=";
    memset(big + 4, 'v', 256);
    strcat(big, ",b=");
    memset(big + strlen(big), 'v', 256);
    strcat(big, ",c=");
    memset(big + strlen(big), 'v', 256);
    strcat(big, ",d=");
    memset(big + strlen(big), 'v', 243);
    strcat(big, "}");
    assert_int_equal(strlen(big), 1025);
    assert_int_equal(event_parse_key(big, 1025, &k), EVENT_E_KEY_TOO_LONG);
    assert_int_equal(event_parse_key(big, 1023, &k), EVENT_E_SYNTAX); /* cut before '}' */
}

/* ---------------------------------------------------------------- stream entries */

static enum event_error fields(const char *id, size_t n, ...)
{
    const char *strs[16];
    size_t lens[16];
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        strs[i] = va_arg(ap, const char *);
        lens[i] = strlen(strs[i]);
    }
    va_end(ap);
    return event_parse_fields(strs, lens, n, id, strlen(id), NULL, &ev, reason, sizeof reason);
}

static void test_stream_id(void **state)
{
    (void)state;
    uint64_t ms = 7, seq = 7;
    assert_int_equal(event_stream_id_parse("1700000000000-0", 15, &ms, &seq), 0);
    assert_true(ms == 1700000000000ULL && seq == 0);
    assert_int_equal(event_stream_id_parse("1-2", 3, &ms, &seq), 0);
    assert_true(ms == 1 && seq == 2);
    assert_int_equal(event_stream_id_parse("0-0", 3, NULL, NULL), 0);
    const char *max = "18446744073709551615-18446744073709551615";
    assert_int_equal(event_stream_id_parse(max, strlen(max), &ms, &seq), 0);
    assert_true(ms == UINT64_MAX && seq == UINT64_MAX);
    const char *bad[] = {"",
                         "-",
                         "1-",
                         "-1",
                         "1",
                         "1-2-3",
                         "a-1",
                         "1-b",
                         "1 -2",
                         " 1-2",
                         "1-2 ",
                         "+1-2",
                         "18446744073709551616-0",
                         "0-18446744073709551616",
                         "1700000000000-0\n"};
    ms = seq = 5;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(event_stream_id_parse(bad[i], strlen(bad[i]), &ms, &seq), -1);
    assert_true(ms == 5 && seq == 5);
    /* length honoured: "12-3" out of "12-34" */
    assert_int_equal(event_stream_id_parse("12-34", 4, &ms, &seq), 0);
    assert_true(ms == 12 && seq == 3);
}

static void test_fields_basic(void **state)
{
    (void)state;
    assert_int_equal(fields("1700000000000-0", 4, "metric", "cpu", "value", "0.5"), EVENT_OK);
    assert_string_equal(key_of(&ev), "cpu");
    assert_true(ev.value == 0.5);
    assert_int_equal(ev.ts_ms, 1700000000000LL); /* from the entry ID */
    assert_false(ev.has_ts);

    assert_int_equal(fields("1700000000000-5", 10, "host", "ignored", "labels",
                            "path=\"/a b\",code=200", "ts", "1699999999000", "value", " 42 ",
                            "metric", "http_latency"),
                     EVENT_OK);
    assert_string_equal(key_of(&ev), "http_latency{code=200,path=\"/a b\"}");
    assert_true(ev.value == 42);
    assert_int_equal(ev.ts_ms, 1699999999000LL);
    assert_true(ev.has_ts);

    assert_int_equal(fields("5-0", 6, "metric", "m", "value", "1", "labels", ""), EVENT_OK);
    assert_int_equal(ev.nlabels, 0);
    assert_int_equal(ev.ts_ms, 5);

    /* binary-safe: lengths, not NULs */
    const char *strs[] = {"metric", "cpu", "value", "12"};
    size_t lens[] = {6, 3, 5, 1};
    assert_int_equal(event_parse_fields(strs, lens, 4, "1-0", 3, NULL, &ev, reason, sizeof reason),
                     EVENT_OK);
    assert_true(ev.value == 1);
    const char *strs0[] = {"metric", "c\0u", "value", "1"};
    size_t lens0[] = {6, 3, 5, 1};
    assert_int_equal(
        event_parse_fields(strs0, lens0, 4, "1-0", 3, NULL, &ev, reason, sizeof reason),
        EVENT_E_METRIC_CHAR);
    assert_string_equal(reason, "bad character byte 0x00 in metric name at column 2 of field "
                                "'metric'");
    /* field names are case-sensitive: "Metric" is an unknown field */
    assert_int_equal(fields("1-0", 6, "Metric", "x", "metric", "m", "value", "1"), EVENT_OK);
}

static void test_fields_errors(void **state)
{
    (void)state;
    assert_int_equal(fields("1-0", 2, "value", "1"), EVENT_E_FIELD_MISSING);
    assert_string_equal(reason, "missing field 'metric' in stream entry");
    assert_int_equal(fields("1-0", 4, "metric", "m", "labels", "a=1"), EVENT_E_FIELD_MISSING);
    assert_string_equal(reason, "missing field 'value' in stream entry");
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "metric", "n"),
                     EVENT_E_FIELD_DUP);
    assert_string_equal(reason, "duplicate field 'metric' in stream entry");
    assert_int_equal(fields("1-0", 8, "labels", "a=1", "metric", "m", "value", "1", "labels", ""),
                     EVENT_E_FIELD_DUP);
    assert_int_equal(fields("1-0", 3, "metric", "m", "value"), EVENT_E_SYNTAX);
    assert_string_equal(reason, "odd number of strings (3) in stream entry");
    assert_int_equal(fields("abc", 4, "metric", "m", "value", "1"), EVENT_E_STREAM_ID);
    assert_string_equal(reason, "bad stream entry ID \"abc\" in stream entry");
    assert_int_equal(fields("9223372036854775808-0", 4, "metric", "m", "value", "1"),
                     EVENT_E_STREAM_ID);
    assert_int_equal(fields("1-0", 4, "metric", "cpu{a=1}", "value", "1"), EVENT_E_METRIC_CHAR);
    assert_string_equal(reason, "bad character '{' in metric name at column 4 of field 'metric'");
    assert_int_equal(fields("1-0", 4, "metric", "", "value", "1"), EVENT_E_METRIC_EMPTY);
    assert_int_equal(fields("1-0", 4, "metric", "m", "value", ""), EVENT_E_VALUE_EMPTY);
    assert_string_equal(reason, "missing value at column 1 of field 'value'");
    assert_int_equal(fields("1-0", 4, "metric", "m", "value", "1 2"), EVENT_E_VALUE_NOT_NUMBER);
    assert_int_equal(fields("1-0", 4, "metric", "m", "value", "NaN"), EVENT_E_VALUE_NOT_FINITE);
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "labels", "a=1}"),
                     EVENT_E_SYNTAX);
    assert_string_equal(reason, "expected ',' after label value, found '}' at column 4 of field "
                                "'labels'");
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "labels", "a=1,a=2"),
                     EVENT_E_LABEL_DUP);
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "labels", "{a=1}"),
                     EVENT_E_LABEL_NAME_CHAR);
    assert_string_equal(reason, "bad character '{' in label name at column 1 of field 'labels'");
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "ts", "x"), EVENT_E_TS_INVALID);
    assert_int_equal(fields("1-0", 6, "metric", "m", "value", "1", "ts", ""), EVENT_E_TS_INVALID);
}

/* The skew reference of a stream entry is its ID time, not the clock: replay decides alike. */
static void test_fields_skew_from_id(void **state)
{
    (void)state;
    assert_int_equal(
        fields("1700000000000-0", 6, "metric", "m", "value", "1", "ts", "1700000300000"), EVENT_OK);
    assert_int_equal(
        fields("1700000000000-0", 6, "metric", "m", "value", "1", "ts", "1700000300001"),
        EVENT_E_TS_SKEW);
    assert_string_equal(reason, "timestamp 1700000300001 is 300001 ms in the future (max 5 min) "
                                "in field 'ts'");
    assert_int_equal(
        fields("1700000000000-0", 6, "metric", "m", "value", "1", "ts", "1699996400000"), EVENT_OK);
    assert_int_equal(
        fields("1700000000000-0", 6, "metric", "m", "value", "1", "ts", "1699996399999"),
        EVENT_E_TS_SKEW);
    /* an old entry without ts is fine whenever it is read */
    assert_int_equal(fields("1000-0", 4, "metric", "m", "value", "1"), EVENT_OK);
    assert_int_equal(ev.ts_ms, 1000);
}

/* Every byte value in every position, through the stream form (no separators to get in the way),
 * against the character sets written out plainly. */
static void test_byte_classes(void **state)
{
    (void)state;
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
    for (int c = 1; c < 256; c++) {
        bool letter = c < 128 && strchr(letters, c) != NULL;
        bool digit = c >= '0' && c <= '9';
        bool blank = c == ' ' || c == '\t';
        char text[8], key[32];
        const char *strs[6] = {"metric", text, "value", "1", "labels", "k=v"};
        size_t lens[6] = {6, 3, 5, 1, 6, 3};
        enum event_error r;

        /* metric: [a-zA-Z_:][a-zA-Z0-9_:.]* */
        snprintf(text, sizeof text, "a%ca", c);
        r = event_parse_fields(strs, lens, 4, "1-0", 3, NULL, &ev, reason, sizeof reason);
        assert_int_equal(r == EVENT_OK, letter || digit || c == ':' || c == '.');
        if (!blank) {
            snprintf(text, sizeof text, "%ca", c);
            lens[1] = 2;
            r = event_parse_fields(strs, lens, 4, "1-0", 3, NULL, &ev, reason, sizeof reason);
            assert_int_equal(r == EVENT_OK, letter || c == ':');
        }

        /* label name: [a-zA-Z_][a-zA-Z0-9_]* */
        strs[1] = "m";
        lens[1] = 1;
        strs[5] = text;
        if (c != '=') {
            snprintf(text, sizeof text, "a%ca=1", c);
            lens[5] = 5;
            r = event_parse_fields(strs, lens, 6, "1-0", 3, NULL, &ev, reason, sizeof reason);
            assert_int_equal(r == EVENT_OK, letter || digit);
        }
        if (!blank) {
            snprintf(text, sizeof text, "%ca=1", c);
            lens[5] = 4;
            r = event_parse_fields(strs, lens, 6, "1-0", 3, NULL, &ev, reason, sizeof reason);
            assert_int_equal(r == EVENT_OK, letter);
        }

        /* unquoted value byte: printable ASCII but , } (a lone byte >= 0x80 is bad UTF-8) */
        snprintf(text, sizeof text, "k=a%ca", c);
        lens[5] = 5;
        r = event_parse_fields(strs, lens, 6, "1-0", 3, NULL, &ev, reason, sizeof reason);
        bool ok = c >= 0x20 && c < 0x7f && c != ',' && c != '}';
        assert_int_equal(r == EVENT_OK, ok);
        if (!ok)
            continue;
        bool quote = c == '=' || c == '"' || c == '\\' || c == ' ';
        bool esc = c == '"' || c == '\\';
        snprintf(key, sizeof key, "m{k=%sa%s%ca%s}", quote ? "\"" : "", esc ? "\\" : "", c,
                 quote ? "\"" : "");
        assert_string_equal(key_of(&ev), key);
    }
}

/* ---------------------------------------------------------------- misc */

static void test_strerror(void **state)
{
    (void)state;
    for (int i = 0; i < EVENT_ERROR_COUNT; i++) {
        const char *s = event_strerror((enum event_error)i);
        assert_non_null(s);
        assert_true(strlen(s) > 0 && strlen(s) < 32);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(s, event_strerror((enum event_error)j));
    }
    assert_string_equal(event_strerror(EVENT_E_TS_SKEW), "timestamp skew");
    assert_string_equal(event_strerror((enum event_error)999), "unknown error");
}

/* ---------------------------------------------------------------- property: random label sets */

static bool needs_quotes(const char *v)
{
    return v[0] == '\0' || strpbrk(v, ",}=\"\\ ") != NULL;
}

struct lab {
    char name[12];
    char value[64];
};

static int cmp_labs(const void *a, const void *b)
{
    return strcmp(((const struct lab *)a)->name, ((const struct lab *)b)->name);
}

/* Appends v to out quoted (escaping " and \), or bare when allowed and `bare` is set. */
static void put_value(char *out, const char *v, bool bare)
{
    out += strlen(out);
    if (bare && !needs_quotes(v) && v[0] != '"') {
        strcpy(out, v);
        return;
    }
    *out++ = '"';
    for (; *v; v++) {
        if (*v == '"' || *v == '\\')
            *out++ = '\\';
        *out++ = *v;
    }
    *out++ = '"';
    *out = '\0';
}

static void test_property_canonical(void **state)
{
    (void)state;
    static const char *alphabet[] = {"a",
                                     "b",
                                     "z",
                                     "0",
                                     "9",
                                     "_",
                                     ",",
                                     "}",
                                     "{",
                                     "=",
                                     "\"",
                                     "\\",
                                     " ",
                                     "/",
                                     ".",
                                     "-",
                                     "\xe6\x97\xa5",
                                     "\xc3\xa9",
                                     "\xf0\x9f\x98\x80",
                                     "#"};
    static const char name_chars[] = "abcxyzABZ_0123456789";
    rng_state = 42;
    for (int iter = 0; iter < 20000; iter++) {
        size_t n = rng() % (EVENT_MAX_LABELS + 1);
        struct lab labs[EVENT_MAX_LABELS], sorted[EVENT_MAX_LABELS];
        for (size_t i = 0; i < n; i++) {
            bool dup;
            do {
                size_t len = 1 + rng() % 6;
                for (size_t c = 0; c < len; c++)
                    labs[i].name[c] = name_chars[rng() % (c == 0 ? 10 : sizeof name_chars - 1)];
                labs[i].name[len] = '\0';
                dup = false;
                for (size_t j = 0; j < i; j++)
                    dup |= strcmp(labs[i].name, labs[j].name) == 0;
            } while (dup);
            labs[i].value[0] = '\0';
            size_t vlen = rng() % 7;
            for (size_t c = 0; c < vlen; c++)
                strcat(labs[i].value, alphabet[rng() % (sizeof alphabet / sizeof alphabet[0])]);
            sorted[i] = labs[i];
        }
        /* reference canonical key, built independently of the parser */
        qsort(sorted, n, sizeof sorted[0], cmp_labs);
        char want[2048] = "metric_x";
        if (n) {
            strcat(want, "{");
            for (size_t i = 0; i < n; i++) {
                if (i)
                    strcat(want, ",");
                strcat(want, sorted[i].name);
                strcat(want, "=");
                put_value(want, sorted[i].value, true);
            }
            strcat(want, "}");
        }
        /* two lines with shuffled order and random quoting */
        char keys[2][EVENT_KEY_MAX + 1];
        for (int form = 0; form < 2; form++) {
            size_t order[EVENT_MAX_LABELS];
            for (size_t i = 0; i < n; i++)
                order[i] = i;
            for (size_t i = n; i > 1; i--) {
                size_t j = rng() % i, t = order[i - 1];
                order[i - 1] = order[j];
                order[j] = t;
            }
            char line[2048] = "metric_x{";
            for (size_t i = 0; i < n; i++) {
                if (i)
                    strcat(line, rng() % 2 ? "," : " , ");
                strcat(line, labs[order[i]].name);
                strcat(line, "=");
                put_value(line, labs[order[i]].value, rng() % 2);
            }
            strcat(line, "} 1.25");
            if (parse(line) != EVENT_OK)
                fail_msg("iter %d: %s: %s", iter, line, reason);
            assert_int_equal(ev.nlabels, n);
            assert_true(event_key(&ev, keys[form], sizeof keys[form]) >= 0);
            if (strcmp(keys[form], want) != 0)
                fail_msg("iter %d: %s\n got  %s\n want %s", iter, line, keys[form], want);
        }
        assert_string_equal(keys[0], keys[1]);
        struct event k;
        char again[EVENT_KEY_MAX + 1];
        assert_int_equal(event_parse_key(keys[0], strlen(keys[0]), &k), EVENT_OK);
        assert_true(event_key(&k, again, sizeof again) >= 0);
        assert_string_equal(again, keys[0]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_labels_and_ts),
        cmocka_unit_test(test_empty_braces_and_forms),
        cmocka_unit_test(test_whitespace),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_metric_rules),
        cmocka_unit_test(test_label_name_rules),
        cmocka_unit_test(test_duplicate_label),
        cmocka_unit_test(test_label_value_length),
        cmocka_unit_test(test_label_value_utf8),
        cmocka_unit_test(test_label_value_control),
        cmocka_unit_test(test_too_many_labels),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_value_accepted),
        cmocka_unit_test(test_value_rejected),
        cmocka_unit_test(test_value_hex_rejected),
        cmocka_unit_test(test_value_roundtrip_random),
        cmocka_unit_test(test_value_long_digits),
        cmocka_unit_test(test_value_locale_independent),
        cmocka_unit_test(test_ts),
        cmocka_unit_test(test_ts_skew_bounds),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_key_too_long),
        cmocka_unit_test(test_key_quoting),
        cmocka_unit_test(test_key_order_independent),
        cmocka_unit_test(test_key_roundtrip),
        cmocka_unit_test(test_event_key_cap),
        cmocka_unit_test(test_parse_key),
        cmocka_unit_test(test_stream_id),
        cmocka_unit_test(test_fields_basic),
        cmocka_unit_test(test_fields_errors),
        cmocka_unit_test(test_fields_skew_from_id),
        cmocka_unit_test(test_byte_classes),
        cmocka_unit_test(test_strerror),
        cmocka_unit_test(test_property_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
