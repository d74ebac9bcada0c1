/* test_event.c — event parsing in the line form: accepted lines, every rejection reason,
 * timestamps and limits, byte classes, error strings. Values: test_event_value.c; the
 * canonical series key: test_event_key.c. */
#include "tests/unit/test_event_lib.h"

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
        cmocka_unit_test(test_ts),
        cmocka_unit_test(test_ts_skew_bounds),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_byte_classes),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
