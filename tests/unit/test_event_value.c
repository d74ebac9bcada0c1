/* test_event_value.c — number conversion of event values (accepted, rejected, round trips,
 * locale) and the stream-entry form (IDs, fields, skew from the ID). */
#include "tests/unit/test_event_lib.h"

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
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_accepted),     cmocka_unit_test(test_value_rejected),
        cmocka_unit_test(test_value_hex_rejected), cmocka_unit_test(test_value_roundtrip_random),
        cmocka_unit_test(test_value_long_digits),  cmocka_unit_test(test_value_locale_independent),
        cmocka_unit_test(test_stream_id),          cmocka_unit_test(test_fields_basic),
        cmocka_unit_test(test_fields_errors),      cmocka_unit_test(test_fields_skew_from_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
