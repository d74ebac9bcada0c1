/* test_colfmt.c — display widths, fitting text to columns, unit guessing and value formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <string.h>

#include "core/colfmt.h"

static int setup_utf8(void **state)
{
    (void)state;
    /* wide-character widths come from libc, which needs a UTF-8 LC_CTYPE */
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL && setlocale(LC_CTYPE, "C.utf8") == NULL)
        return -1;
    return 0;
}

static void test_decode(void **state)
{
    (void)state;
    uint32_t cp;
    assert_int_equal(colfmt_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(colfmt_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xE9);
    assert_int_equal(colfmt_decode("\xe6\x97\xa5", 3, &cp), 3);
    assert_int_equal(cp, 0x65E5);
    assert_int_equal(colfmt_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1F600);
    /* invalid: lone continuation, overlong, surrogate, truncated, 0xff */
    assert_int_equal(colfmt_decode("\x80", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(colfmt_decode("\xc0\xaf", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(colfmt_decode("\xed\xa0\x80", 3, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(colfmt_decode("\xe6\x97", 2, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
    assert_int_equal(colfmt_decode("\xff", 1, &cp), 1);
    assert_int_equal(cp, 0xFFFD);
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(colfmt_width(""), 0);
    assert_int_equal(colfmt_width("abc"), 3);
    assert_int_equal(colfmt_width("caf\xc3\xa9"), 4);              /* é: 1 column */
    assert_int_equal(colfmt_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: 2 each */
    assert_int_equal(colfmt_width("e\xcc\x81"), 1);                /* e + combining acute */
    assert_int_equal(colfmt_width("12\xc2\xb5s"), 4);              /* 12µs */
    assert_int_equal(colfmt_width("a\tb"), 3);                     /* control drawn as ? */
    assert_int_equal(colfmt_width("\xff"), 1);
}

static void test_fit_pad(void **state)
{
    (void)state;
    char b[64];
    assert_int_equal(colfmt_fit("ab", 5, COLFMT_LEFT, 0, b, sizeof(b)), 5);
    assert_string_equal(b, "ab   ");
    colfmt_fit("ab", 5, COLFMT_RIGHT, 0, b, sizeof(b));
    assert_string_equal(b, "   ab");
    colfmt_fit("ab", 5, COLFMT_CENTER, 0, b, sizeof(b));
    assert_string_equal(b, " ab  ");
    colfmt_fit("12\xc2\xb5s", 6, COLFMT_RIGHT, 0, b, sizeof(b)); /* pad by columns, not bytes */
    assert_string_equal(b, "  12\xc2\xb5s");
    assert_int_equal(colfmt_width(b), 6);
    colfmt_fit("abc", 3, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "abc");
    assert_int_equal(colfmt_fit("abc", 0, COLFMT_LEFT, 0, b, sizeof(b)), 0);
    assert_string_equal(b, "");
}

static void test_fit_cut(void **state)
{
    (void)state;
    char b[64];
    colfmt_fit("latency_ms{service=api}", 10, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "latency_m\xe2\x80\xa6");
    assert_int_equal(colfmt_width(b), 10);
    colfmt_fit("latency_ms{service=api}", 10, COLFMT_LEFT, COLFMT_ASCII, b, sizeof(b));
    assert_string_equal(b, "latency_m~");
    colfmt_fit("abcdef", 4, COLFMT_RIGHT, COLFMT_NO_ELLIPSIS, b, sizeof(b));
    assert_string_equal(b, "abcd");
    /* a wide character never straddles the edge: 日本語 in 4 columns = 日 + space + … */
    colfmt_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "\xe6\x97\xa5 \xe2\x80\xa6");
    assert_int_equal(colfmt_width(b), 4);
    colfmt_fit("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 5, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
    /* width 1: only the ellipsis */
    colfmt_fit("abc", 1, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "\xe2\x80\xa6");
}

/* COLFMT_MIDDLE: both ends stay, the ellipsis in the middle (the tail gets the odd column). */
static void test_fit_middle(void **state)
{
    (void)state;
    char b[64];
    colfmt_fit("requests{region=eu-west,service=api}", 25, COLFMT_LEFT, COLFMT_MIDDLE, b,
               sizeof(b));
    assert_string_equal(b, "requests{reg\xe2\x80\xa6"
                           "service=api}");
    assert_int_equal(colfmt_width(b), 25);
    colfmt_fit("abcdefgh", 5, COLFMT_LEFT, COLFMT_MIDDLE | COLFMT_ASCII, b, sizeof(b));
    assert_string_equal(b, "ab~gh");
    colfmt_fit("abc", 5, COLFMT_RIGHT, COLFMT_MIDDLE, b, sizeof(b)); /* fits: padded as ever */
    assert_string_equal(b, "  abc");
    /* a wide character at the tail's edge: a blank in its place */
    colfmt_fit("abc\xe6\x97\xa5"
               "d",
               5, COLFMT_LEFT, COLFMT_MIDDLE, b, sizeof(b));
    assert_string_equal(b, "ab\xe2\x80\xa6"
                           " d");
    assert_int_equal(colfmt_width(b), 5);
}

static void test_fit_sanitize(void **state)
{
    (void)state;
    char b[64];
    colfmt_fit("a\x1b[31mb", 8, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "a?[31mb ");
    colfmt_fit("x\xffy", 3, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "x\xef\xbf\xbdy");
    colfmt_fit("12\xc2\xb5s \xe6\x97\xa5", 8, COLFMT_LEFT, COLFMT_ASCII, b, sizeof(b));
    assert_string_equal(b, "12us ?  "); /* ASCII: µ -> u, a wide char -> one ? */
    /* C1 control U+009B (CSI) is not passed through */
    colfmt_fit("\xc2\x9b"
               "2J",
               3, COLFMT_LEFT, 0, b, sizeof(b));
    assert_string_equal(b, "?2J");
}

static void test_fit_small_buffer(void **state)
{
    (void)state;
    char b[5];
    size_t n = colfmt_fit("\xe6\x97\xa5\xe6\x9c\xac", 4, COLFMT_LEFT, 0, b, sizeof(b));
    /* only whole characters: 日 (3 bytes) fits, 本 does not */
    assert_int_equal(n, 3);
    assert_string_equal(b, "\xe6\x97\xa5");
}

/* Property: for random strings of mixed widths, the result is always exactly width columns. */
static void test_fit_property(void **state)
{
    (void)state;
    static const char *const parts[] = {"a",    "\xc3\xa9", "\xe6\x97\xa5",     "e\xcc\x81",
                                        "\x01", "\xff",     "\xf0\x9f\x98\x80", "z"};
    uint64_t x = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        char s[128] = "";
        int np = (int)((x >> 33) % 12);
        for (int i = 0; i < np; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            strcat(s, parts[(x >> 40) % 8]);
        }
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        int width = (int)((x >> 35) % 20);
        unsigned flags = ((x >> 50) & 1 ? COLFMT_ASCII : 0) | ((x >> 52) & 1 ? COLFMT_MIDDLE : 0);
        char b[128];
        colfmt_fit(s, width, (enum colfmt_align)((x >> 45) % 3), flags, b, sizeof(b));
        assert_int_equal(colfmt_width(b), width);
        if (flags & COLFMT_ASCII)
            for (const char *p = b; *p; p++)
                assert_true((unsigned char)*p < 0x80);
    }
}

static void test_unit_of(void **state)
{
    (void)state;
    struct colfmt_unit_info u;
    colfmt_unit_of("latency_ms{service=api}", &u);
    assert_int_equal(u.unit, COLFMT_UNIT_DURATION);
    assert_true(u.to_ms == 1);
    colfmt_unit_of("http_request_duration_seconds", &u);
    assert_int_equal(u.unit, COLFMT_UNIT_DURATION);
    assert_true(u.to_ms == 1000);
    colfmt_unit_of("rpc_us{a=b}", &u);
    assert_true(u.unit == COLFMT_UNIT_DURATION && u.to_ms == 1e-3);
    colfmt_unit_of("gc_pause_ns", &u);
    assert_true(u.unit == COLFMT_UNIT_DURATION && u.to_ms == 1e-6);
    colfmt_unit_of("db_latency", &u);
    assert_true(u.unit == COLFMT_UNIT_DURATION && u.to_ms == 1);
    colfmt_unit_of("resp_bytes{region=eu}", &u);
    assert_int_equal(u.unit, COLFMT_UNIT_BYTES);
    colfmt_unit_of("requests{path=/latency_ms}", &u); /* only the metric name counts */
    assert_int_equal(u.unit, COLFMT_UNIT_NONE);
    colfmt_unit_of("cpu_pct", &u);
    assert_int_equal(u.unit, COLFMT_UNIT_NONE);
    colfmt_unit_of("items", &u); /* "_s" needs the underscore */
    assert_int_equal(u.unit, COLFMT_UNIT_NONE);
    colfmt_unit_of("LATENCY_MS", &u);
    assert_int_equal(u.unit, COLFMT_UNIT_DURATION);
}

static void test_value(void **state)
{
    (void)state;
    char b[24];
    struct colfmt_unit_info ms = {COLFMT_UNIT_DURATION, 1}, s = {COLFMT_UNIT_DURATION, 1000},
                            by = {COLFMT_UNIT_BYTES, 0}, none = {COLFMT_UNIT_NONE, 0};
    assert_string_equal(colfmt_value(12.3, &ms, b, sizeof(b)), "12.3ms");
    assert_string_equal(colfmt_value(0.85, &ms, b, sizeof(b)), "850\xc2\xb5s");
    assert_string_equal(colfmt_value(1.5, &s, b, sizeof(b)), "1.50s");
    assert_string_equal(colfmt_value(1234, &by, b, sizeof(b)), "1.23kB");
    assert_string_equal(colfmt_value(3.4e6, &none, b, sizeof(b)), "3.40M");
    assert_string_equal(colfmt_value(NAN, &ms, b, sizeof(b)), "-");
    assert_string_equal(colfmt_value(NAN, &by, b, sizeof(b)), "-");
    /* below 1: a decimal, never "700m" (which reads as 700 million) */
    assert_string_equal(colfmt_value(0.7, &none, b, sizeof(b)), "0.70");
    assert_string_equal(colfmt_value(0.042, &none, b, sizeof(b)), "0.042");
    assert_string_equal(colfmt_value(0.5, &by, b, sizeof(b)), "0.50B");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),       cmocka_unit_test(test_width),
        cmocka_unit_test(test_fit_pad),      cmocka_unit_test(test_fit_cut),
        cmocka_unit_test(test_fit_sanitize), cmocka_unit_test(test_fit_small_buffer),
        cmocka_unit_test(test_fit_property), cmocka_unit_test(test_unit_of),
        cmocka_unit_test(test_value),        cmocka_unit_test(test_fit_middle),
    };
    return cmocka_run_group_tests(tests, setup_utf8, NULL);
}
