/* test_spark.c — sparkline levels and glyphs, eighth-resolution bars, braille/block/ASCII
 * chart rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "core/spark.h"

#define B1 "\xe2\x96\x81" /* ▁ */
#define B4 "\xe2\x96\x84" /* ▄ */
#define B8 "\xe2\x96\x88" /* █ */

static void test_level(void **state)
{
    (void)state;
    assert_int_equal(spark_level(0, 0, 7, 8), 0);
    assert_int_equal(spark_level(7, 0, 7, 8), 7);
    assert_int_equal(spark_level(3, 0, 7, 8), 3);
    assert_int_equal(spark_level(3.4, 0, 7, 8), 3);
    assert_int_equal(spark_level(3.6, 0, 7, 8), 4);
    assert_int_equal(spark_level(-5, 0, 7, 8), 0);
    assert_int_equal(spark_level(100, 0, 7, 8), 7);
    assert_int_equal(spark_level(NAN, 0, 7, 8), -1);
    assert_int_equal(spark_level(5, 5, 5, 8), 0); /* flat at lo */
    assert_int_equal(spark_level(5, 0, 0, 8), 7); /* flat above lo */
    assert_int_equal(spark_level(5, 0, 10, 1), 0);
}

static void test_line(void **state)
{
    (void)state;
    double v[] = {0, 3, 7, NAN, 7};
    char b[64];
    size_t n = spark_line(v, 5, 0, 7, SPARK_UNICODE, b, sizeof(b));
    assert_string_equal(b, B1 B4 B8 " " B8);
    assert_int_equal(n, 13);
    spark_line(v, 5, 0, 7, SPARK_ASCII, b, sizeof(b));
    assert_string_equal(b, "_:# #");
    /* a buffer too small keeps whole cells only */
    char s[8];
    spark_line(v, 5, 0, 7, SPARK_UNICODE, s, sizeof(s));
    assert_string_equal(s, B1 B4);
}

static void test_bar(void **state)
{
    (void)state;
    char b[64];
    spark_bar(1.0, 3, SPARK_UNICODE, b, sizeof(b));
    assert_string_equal(b, B8 B8 B8);
    spark_bar(0.5, 3, SPARK_UNICODE, b, sizeof(b)); /* 12 eighths: 1 full + half */
    assert_string_equal(b, B8 "\xe2\x96\x8c ");
    spark_bar(0, 3, SPARK_UNICODE, b, sizeof(b));
    assert_string_equal(b, "   ");
    spark_bar(0.001, 3, SPARK_UNICODE, b, sizeof(b)); /* never invisible */
    assert_string_equal(b, "\xe2\x96\x8f  ");
    spark_bar(2.0, 2, SPARK_UNICODE, b, sizeof(b)); /* clamped */
    assert_string_equal(b, B8 B8);
    spark_bar(NAN, 2, SPARK_UNICODE, b, sizeof(b));
    assert_string_equal(b, "  ");
    spark_bar(0.5, 3, SPARK_ASCII, b, sizeof(b));
    assert_string_equal(b, "#+ ");
    spark_bar(0.3, 10, SPARK_ASCII, b, sizeof(b)); /* 24 eighths: exactly 3 cells */
    assert_string_equal(b, "###       ");
    assert_int_equal(spark_bar(0.5, 0, SPARK_ASCII, b, sizeof(b)), 0);
}

/* Braille code point of a cell written by spark_chart_row. */
static unsigned braille_at(const char *s, int cell)
{
    const unsigned char *p = (const unsigned char *)s;
    for (int c = 0; c < cell; c++)
        p += (*p < 0x80) ? 1 : 3;
    if (*p == ' ')
        return 0x2800;
    return ((unsigned)(p[0] & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
}

static void test_chart_braille(void **state)
{
    (void)state;
    /* 2 rows x 2 cells = 4 samples, 8 dot levels: 8 -> full, 4 -> bottom row, 2 -> 2 dots */
    double v[] = {8, 4, 2, 0};
    char top[64], bottom[64];
    assert_int_equal(spark_chart_capacity(2, SPARK_CHART_BRAILLE), 4);
    spark_chart_row(v, 4, 0, 8, 0, 2, 2, SPARK_CHART_BRAILLE, top, sizeof(top));
    spark_chart_row(v, 4, 0, 8, 1, 2, 2, SPARK_CHART_BRAILLE, bottom, sizeof(bottom));
    /* cell 0 = samples 8 | 4: top row left column full (dots 1 2 3 7), right empty */
    assert_int_equal(braille_at(top, 0), 0x2800 + 0x47);
    /* bottom row: both columns full: all 8 dots */
    assert_int_equal(braille_at(bottom, 0), 0x28FF);
    /* cell 1 = 2 | 0: nothing on top, two lowest dots of the left column (7 and 3) */
    assert_int_equal(braille_at(top, 1), 0x2800);
    assert_int_equal(braille_at(bottom, 1), 0x2800 + 0x44);
    assert_int_equal(top[strlen(top) - 1], ' ');
}

static void test_chart_alignment(void **state)
{
    (void)state;
    /* fewer samples than capacity: right-aligned; more: only the newest shown */
    double few[] = {8};
    char b[64];
    spark_chart_row(few, 1, 0, 8, 0, 1, 3, SPARK_CHART_BLOCK, b, sizeof(b));
    assert_string_equal(b, "  " B8);
    double many[] = {8, 8, 8, 0, 4};
    spark_chart_row(many, 5, 0, 8, 0, 1, 2, SPARK_CHART_BLOCK, b, sizeof(b));
    assert_string_equal(b, " " B4);
    /* NAN draws nothing, a tiny positive value one level */
    double gaps[] = {NAN, 0.01};
    spark_chart_row(gaps, 2, 0, 8, 0, 1, 2, SPARK_CHART_BLOCK, b, sizeof(b));
    assert_string_equal(b, " " B1);
}

static void test_chart_ascii(void **state)
{
    (void)state;
    double v[] = {16, 12, 4, 0};
    char r0[16], r1[16];
    spark_chart_row(v, 4, 0, 16, 0, 2, 4, SPARK_CHART_ASCII, r0, sizeof(r0));
    spark_chart_row(v, 4, 0, 16, 1, 2, 4, SPARK_CHART_ASCII, r1, sizeof(r1));
    assert_string_equal(r0, "#:  ");
    assert_string_equal(r1, "##: ");
}

/* Property: each sample's column of cells adds up to its height, in every style. */
static void test_chart_heights(void **state)
{
    (void)state;
    uint64_t x = 99;
    for (int iter = 0; iter < 300; iter++) {
        double v[12];
        for (int i = 0; i < 12; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            v[i] = (double)((x >> 33) % 1000) / 10.0;
        }
        int nrows = 1 + iter % 5;
        char row[128];
        int dots[12] = {0};
        for (int r = 0; r < nrows; r++) {
            spark_chart_row(v, 12, 0, 100, r, nrows, 6, SPARK_CHART_BRAILLE, row, sizeof(row));
            for (int c = 0; c < 6; c++) {
                unsigned bits = braille_at(row, c) - 0x2800;
                dots[2 * c] += __builtin_popcount(bits & 0x47);
                dots[2 * c + 1] += __builtin_popcount(bits & 0xB8);
            }
        }
        for (int i = 0; i < 12; i++) {
            long want = lround(v[i] / 100 * 4 * nrows);
            if (want == 0 && v[i] > 0)
                want = 1;
            assert_int_equal(dots[i], want);
        }
    }
}

static void test_bucket(void **state)
{
    (void)state;
    assert_int_equal(spark_bucket_s(10, 8), 2);  /* 5 buckets */
    assert_int_equal(spark_bucket_s(60, 8), 10); /* 7.5 -> 10 */
    assert_int_equal(spark_bucket_s(60, 20), 3);
    assert_int_equal(spark_bucket_s(60, 60), 1);
    assert_int_equal(spark_bucket_s(60, 200), 1);
    assert_int_equal(spark_bucket_s(900, 8), 120);
    assert_int_equal(spark_bucket_s(900, 0), 900);
    assert_int_equal(spark_bucket_s(3600, 2), 1800);
    /* past the fine slots: whole coarse slots per bucket */
    assert_int_equal(spark_bucket_for(300, 20, 120, 10), 20);  /* 15 -> 20 */
    assert_int_equal(spark_bucket_for(300, 140, 120, 10), 10); /* 3 -> 10 */
    assert_int_equal(spark_bucket_for(60, 140, 120, 10), 1);   /* all fine: as is */
    assert_int_equal(spark_bucket_for(900, 8, 120, 10), 120);
    /* property: the span always fits, and the next smaller nice length would not */
    for (uint32_t span = 1; span <= 1000; span += 7)
        for (size_t cells = 1; cells <= 40; cells += 3) {
            uint32_t b = spark_bucket_s(span, cells);
            assert_true((uint64_t)b * cells >= span);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level),
        cmocka_unit_test(test_line),
        cmocka_unit_test(test_bar),
        cmocka_unit_test(test_chart_braille),
        cmocka_unit_test(test_chart_alignment),
        cmocka_unit_test(test_chart_ascii),
        cmocka_unit_test(test_chart_heights),
        cmocka_unit_test(test_bucket),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
