/* test_text.c — UTF-8 decoding, widths, clusters, the sanitizer (known answers for every rule,
 * hostile payloads, and a fixed-seed property test over millions of random bytes), nick rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"

#define S(lit) (lit), (sizeof(lit) - 1) /* a literal and its length, NULs included */

/* Decodes all of s into cps; returns the count. */
static size_t decode_all(const char *s, size_t n, uint32_t *cps, size_t max)
{
    size_t i = 0, k = 0;
    while (i < n && k < max)
        i += text_decode(s + i, n - i, &cps[k++], NULL);
    return k;
}

static void test_decode_valid(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct {
        const char *s;
        uint32_t cp;
        size_t n;
    } cases[] = {
        {"A", 0x41, 1},           {"\x7f", 0x7F, 1},        {"\xc2\x80", 0x80, 2},
        {"\xdf\xbf", 0x7FF, 2},   {"\xe0\xa0\x80", 0x800, 3}, {"\xed\x9f\xbf", 0xD7FF, 3},
        {"\xee\x80\x80", 0xE000, 3}, {"\xef\xbf\xbf", 0xFFFF, 3},
        {"\xf0\x90\x80\x80", 0x10000, 4}, {"\xf4\x8f\xbf\xbf", 0x10FFFF, 4},
        {"\xe6\x97\xa5", 0x65E5, 3}, {"\xf0\x9f\x98\x80", 0x1F600, 4},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t cp = 0;
        int ok = 0;
        assert_int_equal(text_decode(cases[i].s, strlen(cases[i].s), &cp, &ok), cases[i].n);
        assert_int_equal(cp, cases[i].cp);
        assert_true(ok);
    }
    uint32_t cp;
    assert_int_equal(text_decode("", 0, &cp, NULL), 0);
    assert_int_equal(text_decode(S("\0"), &cp, NULL), 1); /* NUL is a code point */
    assert_int_equal(cp, 0);
}

/* Maximal-subpart replacement, as in Unicode §3.9 and Python's errors="replace". */
static void test_decode_invalid(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct {
        const char *s;
        size_t n, count; /* bytes, number of U+FFFD expected (the input is all invalid) */
    } cases[] = {
        {"\xff", 1, 1},         {"\xfe\xff", 2, 2},        {"\x80", 1, 1},
        {"\xc0\xaf", 2, 2},     /* overlong '/' */
        {"\xc1\xbf", 2, 2},     {"\xe0\x80\x80", 3, 3},    /* overlong NUL, 3 bytes */
        {"\xed\xa0\x80", 3, 3}, /* lone high surrogate U+D800 */
        {"\xed\xbf\xbf", 3, 3}, {"\xf4\x90\x80\x80", 4, 4}, /* U+110000 */
        {"\xf5\x80\x80\x80", 4, 4}, {"\xe6\x97", 2, 1},     /* truncated: one subpart */
        {"\xf0\x9f\x98", 3, 1}, {"\xc2", 1, 1},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t cps[8];
        size_t k = decode_all(cases[i].s, cases[i].n, cps, 8);
        assert_int_equal(k, cases[i].count);
        for (size_t j = 0; j < k; j++)
            assert_int_equal(cps[j], TEXT_REPLACEMENT);
        assert_false(text_valid(cases[i].s, cases[i].n));
    }
    /* Unicode Table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64 */
    const char t38[] = "\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64";
    const uint32_t want[] = {0x61,   0xFFFD, 0xFFFD, 0xFFFD, 0x62,
                             0xFFFD, 0x63,   0xFFFD, 0xFFFD, 0x64};
    uint32_t got[16];
    assert_int_equal(decode_all(t38, strlen(t38), got, 16), 10);
    assert_memory_equal(got, want, sizeof(want));
    /* The subpart stops before a byte that could start something valid. */
    uint32_t cp;
    int ok = 1;
    assert_int_equal(text_decode(S("\xf0\x9f\x98z"), &cp, &ok), 3);
    assert_false(ok);
}

static void test_encode_roundtrip(void **state)
{
    (void)state;
    char b[4];
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        size_t n = text_encode(cp, b);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        uint32_t back;
        int ok;
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(text_decode(b, n, &back, &ok), n);
        assert_true(ok);
        assert_int_equal(back, cp);
    }
    assert_int_equal(text_encode(0x110000, b), 0);
    assert_true(text_valid(S("h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80")));
    assert_true(text_valid("", 0));
}

static void test_cp_width(void **state)
{
    (void)state;
    /* clang-format off */
    static const struct {
        uint32_t cp;
        int w;
    } cases[] = {
        {'a', 1},     {' ', 1},     {0xE9, 1},    {0xAD, 1},     {0x3B1, 1},    {0x416, 1},
        {0x0, -1},    {0x1B, -1},   {0x7F, -1},   {0x9B, -1},    {0xD800, -1},  {0x110000, -1},
        {0x300, 0},   {0x301, 0},   {0x20DD, 0},  {0x200B, 0},   {0x200D, 0},   {0xFEFF, 0},
        {0xFE0F, 0},  {0x1160, 0},  {0x11A8, 0},  {0x0E31, 0},   {0x202E, 0},   {0xE0041, 0},
        {0x1100, 2},  {0x65E5, 2},  {0x672C, 2},  {0x3042, 2},   {0x30A2, 2},   {0xAC00, 2},
        {0xD55C, 2},  {0xD7A3, 2},  {0x3000, 2},  {0xFF21, 2},   {0xFF01, 2},   {0x1F600, 2},
        {0x1F680, 2}, {0x1F44D, 2}, {0x1F9D1, 2}, {0x20000, 2},  {0x2A6D6, 2},  {0x3FFFD, 2},
        {0x231A, 2},  {0x2705, 2},  {0xFF61, 1},  {0x2026, 1},   {0x2764, 1},   {0x1F1E6, 1},
        {0x0600, 1},  {0xE000, 1},  {0x10FFFF, 1}, {0x4DC0, 1},  {0x9FFF, 2},   {0xA4C6, 2},
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (text_cp_width(cases[i].cp) != cases[i].w)
            fail_msg("U+%04X: width %d, want %d", (unsigned)cases[i].cp, text_cp_width(cases[i].cp),
                     cases[i].w);
    }
    assert_true(text_cp_is_format(0x200B));
    assert_true(text_cp_is_format(0x00AD));
    assert_true(text_cp_is_format(0xE0001));
    assert_false(text_cp_is_format(0x301));
    assert_false(text_cp_is_format('a'));
    assert_true(text_cp_is_space(0x3000));
    assert_true(text_cp_is_space('\t'));
    assert_false(text_cp_is_space(0x200B));
    assert_true(text_cp_is_bidi(0x202E));
    assert_true(text_cp_is_bidi(0x2067));
    assert_false(text_cp_is_bidi(0x2065));
}

static void test_str_width_clusters(void **state)
{
    (void)state;
    assert_int_equal(text_width(S("hello")), 5);
    assert_int_equal(text_width(S("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e")), 6); /* 日本語 */
    assert_int_equal(text_width(S("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4")), 6); /* 한국어 */
    assert_int_equal(text_width(S("e\xcc\x81")), 1);                            /* e + U+0301 */
    assert_int_equal(text_width(S("\xf0\x9f\x98\x80!")), 3);                    /* 😀! */
    assert_int_equal(text_width(S("a\xffz")), 3);   /* U+FFFD counts 1 */
    assert_int_equal(text_width(S("a\nb\x1b")), 2); /* controls 0 */
    assert_int_equal(text_width("", 0), 0);

    /* "e\u0301\u0302x日" : clusters [e+2 marks][x][日] */
    const char s[] = "e\xcc\x81\xcc\x82x\xe6\x97\xa5";
    size_t n = strlen(s);
    int w;
    assert_int_equal(text_cluster_next(s, n, 0, &w), 5);
    assert_int_equal(w, 1);
    assert_int_equal(text_cluster_next(s, n, 5, &w), 6);
    assert_int_equal(text_cluster_next(s, n, 6, &w), 9);
    assert_int_equal(w, 2);
    assert_int_equal(text_cluster_next(s, n, 9, &w), 9);
    assert_int_equal(w, 0);
    assert_int_equal(text_cluster_prev(s, 9), 6);
    assert_int_equal(text_cluster_prev(s, 6), 5);
    assert_int_equal(text_cluster_prev(s, 5), 0);
    assert_int_equal(text_cluster_prev(s, 0), 0);
    /* A mark right after \n does not join the \n. */
    const char t[] = "a\n\xcc\x81z";
    assert_int_equal(text_cluster_next(t, 5, 1, NULL), 2);
    assert_int_equal(text_cluster_next(t, 5, 2, NULL), 4);
    assert_int_equal(text_cluster_prev(t, 4), 2);

    size_t cols;
    const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
    assert_int_equal(text_fit(cjk, 9, 5, &cols), 6); /* 日本 fits in 5, 語 would straddle */
    assert_int_equal(cols, 4);
    assert_int_equal(text_fit(cjk, 9, 1, &cols), 0);
    assert_int_equal(text_fit(cjk, 9, 6, &cols), 9);
    assert_int_equal(text_fit(s, n, 1, &cols), 5); /* keeps the marks with their base */
}

/* Sanitizes with flags and checks the exact output. */
static void expect_san(const char *in, size_t n, unsigned flags, const char *want)
{
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize(in, n, flags, &b);
    if (b.len != strlen(want) || memcmp(b.s, want, b.len) != 0)
        fail_msg("sanitize -> \"%s\", want \"%s\"", b.s, want);
    assert_int_equal(b.s[b.len], '\0');
    text_buf_free(&b);
}

static void test_sanitize_controls(void **state)
{
    (void)state;
    /* The payloads from the issue. */
    expect_san(S("\x1b]52;c;aGVsbG8K\x07"), 0, "^[]52;c;aGVsbG8K^G"); /* OSC 52 clipboard */
    expect_san(S("\x1b[2J"), 0, "^[[2J");
    expect_san(S("\x1b]0;pwned\x07"), 0, "^[]0;pwned^G");
    expect_san(S("\x1b[?1000h"), 0, "^[[?1000h");
    expect_san(S("all good\rDISK FULL"), 0, "all good^MDISK FULL");
    expect_san(S("a\0b\0"), 0, "a^@b^@");
    expect_san(S("\x01\x08\x1f\x7f"), 0, "^A^H^_^?");
    /* C1: encoded U+009B (CSI) and U+0085 become hex in angle brackets; a raw 0x9B byte is
     * invalid UTF-8. */
    expect_san(S("x\xc2\x9b\x32J"), 0, "x<9B>2J"); /* \x32 is '2' */
    expect_san(S("\xc2\x80\xc2\x9f\xc2\x85"), 0, "<80><9F><85>");
    expect_san(S("\x9b\x32J"), 0, "\xef\xbf\xbd\x32J");
    /* Bidi controls are removed. */
    expect_san(S("file\xe2\x80\xaegnp.exe"), 0, "filegnp.exe");
    expect_san(S("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x81\xa6\xe2\x81\xa7"
                 "\xe2\x81\xa8\xe2\x81\xa9\xe2\x80\x8e\xe2\x80\x8f\xd8\x9cok"),
               0, "ok");
    /* Invalid UTF-8: one U+FFFD per maximal subpart. */
    expect_san(S("\xff"), 0, "\xef\xbf\xbd");
    expect_san(S("\xc0\xaf"), 0, "\xef\xbf\xbd\xef\xbf\xbd");
    expect_san(S("\xed\xa0\x80"), 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    expect_san(S("\xff"), TEXT_ASCII, "?");
    /* Newlines and tabs by flag. */
    expect_san(S("a\nb"), 0, "a^Jb");
    expect_san(S("a\nb"), TEXT_KEEP_NEWLINE, "a\nb");
    expect_san(S("a\r\nb\r"), TEXT_KEEP_NEWLINE, "a\nb^M");
    expect_san(S("a\tb"), 0, "a^Ib");
    expect_san(S("a\tb"), TEXT_EXPAND_TAB, "a       b");
    expect_san(S("12345678\tx"), TEXT_EXPAND_TAB, "12345678        x");
    expect_san(S("\xe6\x97\xa5\t|\nab\t|"), TEXT_EXPAND_TAB | TEXT_KEEP_NEWLINE,
               "\xe6\x97\xa5      |\nab      |");
    /* Ordinary text, combining marks and wide characters pass untouched. */
    expect_san(S("h\xc3\xa9llo e\xcc\x81 \xe6\x97\xa5 \xf0\x9f\x98\x80"), 0,
               "h\xc3\xa9llo e\xcc\x81 \xe6\x97\xa5 \xf0\x9f\x98\x80");
    expect_san("", 0, 0, "");
    expect_san(NULL, 0, 0, "");
}

/* An emoji ZWJ sequence loses its joiners: terminals that join it draw 2 columns where curses
 * counts 2 per emoji, so the joined form would shift every cell after it (issue 11.11). */
static void test_sanitize_zwj_emoji(void **state)
{
    (void)state;
    struct text_buf b = TEXT_BUF_INIT;
    /* 👩‍👩‍👧: woman ZWJ woman ZWJ girl */
    text_sanitize(S("a \xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7 b"),
                  0, &b);
    assert_string_equal(b.s, "a \xf0\x9f\x91\xa9\xf0\x9f\x91\xa9\xf0\x9f\x91\xa7 b");
    assert_int_equal(b.cols, 2 + 6 + 2);
    assert_int_equal(b.cols, text_width(b.s, b.len));
    assert_int_equal(b.n_stripped, 2);
    /* after VS16 and a skin tone too: 🏳️‍🌈 (flag VS16 ZWJ rainbow), 👍🏽‍ */
    text_sanitize(S("\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88"), 0, &b);
    assert_string_equal(b.s, "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xf0\x9f\x8c\x88");
    text_sanitize(S("\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd\xe2\x80\x8dx"), 0, &b);
    assert_string_equal(b.s, "\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbdx");
    /* a ZWJ between letters (Indic and Arabic shaping) stays */
    text_sanitize(S("\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7"), 0, &b);
    assert_int_equal(b.len, 12);
    assert_int_equal(b.n_stripped, 0);
    text_buf_free(&b);
}

static void test_sanitize_marks_and_counts(void **state)
{
    (void)state;
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize(S("a\x1b[1m\xff\xe2\x80\xae\xc2\x9b"), 0, &b);
    assert_string_equal(b.s, "a^[[1m\xef\xbf\xbd<9B>");
    const unsigned char want[] = {0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(b.len, sizeof(want));
    assert_memory_equal(b.mark, want, sizeof(want));
    assert_int_equal(b.cols, 1 + 2 + 3 + 1 + 4);
    assert_int_equal(b.n_ctrl, 2);
    assert_int_equal(b.n_invalid, 1);
    assert_int_equal(b.n_stripped, 1);
    assert_false(b.truncated);
    unsigned m;
    assert_int_equal(text_buf_run(&b, 0, b.len, &m), 1);
    assert_int_equal(m, 0);
    assert_int_equal(text_buf_run(&b, 1, b.len, &m), 3);
    assert_int_equal(m, TEXT_MARK_CTRL);
    assert_int_equal(text_buf_run(&b, 3, b.len, &m), 6);
    assert_int_equal(text_buf_run(&b, 6, 8, &m), 8); /* stops at end */
    /* The buffer is reused: old contents are replaced. */
    text_sanitize(S("ok"), 0, &b);
    assert_string_equal(b.s, "ok");
    assert_int_equal(b.n_ctrl, 0);
    assert_int_equal(b.mark[0] | b.mark[1], 0);
    text_buf_free(&b);
    text_buf_free(&b);
    text_buf_free(NULL);
}

static void expect_limit(const char *in, unsigned flags, size_t max_bytes, size_t max_cols,
                         const char *want, int truncated)
{
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize_limit(in, strlen(in), flags, max_bytes, max_cols, &b);
    if (strcmp(b.s, want) != 0)
        fail_msg("limit(%zu,%zu) -> \"%s\", want \"%s\"", max_bytes, max_cols, b.s, want);
    assert_int_equal(b.truncated, truncated);
    assert_int_equal(b.cols, text_width(b.s, b.len));
    if (max_bytes)
        assert_true(b.len <= max_bytes);
    if (max_cols)
        assert_true(b.cols <= max_cols);
    text_buf_free(&b);
}

static void test_sanitize_caps(void **state)
{
    (void)state;
    const char *cjk = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"; /* 日本語: 9 bytes, 6 cols */
    expect_limit(cjk, 0, 0, 6, cjk, 0);
    expect_limit(cjk, 0, 9, 0, cjk, 0);
    expect_limit(cjk, 0, 0, 5, "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6", 1); /* 日本… */
    expect_limit(cjk, 0, 0, 4, "\xe6\x97\xa5\xe2\x80\xa6", 1);             /* 日… */
    expect_limit(cjk, 0, 8, 0, "\xe6\x97\xa5\xe2\x80\xa6", 1);
    expect_limit("abcdef", TEXT_ASCII, 0, 5, "ab...", 1);
    expect_limit("abcdef", TEXT_ASCII, 0, 6, "abcdef", 0);
    expect_limit("abcdef", TEXT_ASCII, 0, 2, "..", 1);
    expect_limit("abc", 0, 0, 1, "\xe2\x80\xa6", 1);
    expect_limit("abc", 0, 2, 0, "", 1);                  /* "…" needs 3 bytes */
    expect_limit("a\x1bxy", 0, 0, 3, "a\xe2\x80\xa6", 1); /* never half of "^[" */
    /* Stripped characters cost nothing. */
    expect_limit("ab\xe2\x80\xae", 0, 2, 0, "ab", 0);

    /* 1 MB of garbage: capped, valid, marker at the end, work bounded by the cap. */
    size_t n = 1u << 20;
    char *junk = malloc(n);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize(junk, n, TEXT_KEEP_NEWLINE, &b);
    assert_true(b.truncated);
    assert_true(b.len <= TEXT_DEFAULT_MAX_BYTES);
    assert_true(b.len > TEXT_DEFAULT_MAX_BYTES - 8);
    assert_true(text_valid(b.s, b.len));
    assert_memory_equal(b.s + b.len - 3, "\xe2\x80\xa6", 3);
    assert_int_equal(b.mark[b.len - 1], TEXT_MARK_TRUNC);
    assert_true(b.cap < 4 * TEXT_DEFAULT_MAX_BYTES);
    free(junk);
    text_buf_free(&b);
}

static void test_sanitize_nick(void **state)
{
    (void)state;
    expect_san(S("jo\xe2\x80\x8bhn"), TEXT_NICK, "john"); /* ZWSP */
    expect_san(S("w\xe2\x80\x8cx\xe2\x80\x8dy\xe2\x81\xa0z\xef\xbb\xbf"), TEXT_NICK, "wxyz");
    expect_san(S(" a b\tc\nd\re\xc2\xa0g\xe3\x80\x80h\xc2\x85"), TEXT_NICK, "abcdegh");
    expect_san(S("bob\x1b[31m"), TEXT_NICK, "bob^[[31m"); /* controls still visible */
    expect_san(S("\xe2\x80\xaeMallory"), TEXT_NICK, "Mallory");
    expect_san(S("abcdefghijklmnopqrstuvwxyz"), TEXT_NICK, "abcdefghijklmnopqrstuvw\xe2\x80\xa6");
    expect_san(S("abcdefghijklmnopqrstuvwxyz"), TEXT_NICK | TEXT_ASCII, "abcdefghijklmnopqrstu...");
    expect_san(S("abcdefghijklmnopqrstuvwx"), TEXT_NICK, "abcdefghijklmnopqrstuvwx");
    /* 13 CJK characters = 26 columns -> 11 of them (22) + "…" (1). */
    char cjk[64] = "";
    for (int i = 0; i < 13; i++)
        strcat(cjk, "\xe6\x97\xa5");
    struct text_buf b = TEXT_BUF_INIT;
    text_sanitize(cjk, strlen(cjk), TEXT_NICK, &b);
    assert_int_equal(b.cols, 23);
    assert_int_equal(b.len, 11 * 3 + 3);
    assert_true(b.truncated);
    text_buf_free(&b);
}

/* ---- property test ------------------------------------------------------------------------- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 32);
}

/* Appends a random piece biased towards what attackers and broken clients send. */
static size_t gen_piece(char *p)
{
    /* clang-format off */
    static const char *const frag[] = {
        "\x1b", "\x1b[", "\x1b]52;c;", "\x07", "\r", "\n", "\r\n", "\t", "\x7f", "\xc2\x9b",
        "\xc2\x85", "\x9b", "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x80\x8b", "\xef\xbb\xbf",
        "\xed\xa0\x80", "\xc0\xaf", "\xe0\x80\xaf", "\xf4\x90\x80\x80", "\xff", "\xf0\x9f\x98",
        "\xe6\x97\xa5", "e\xcc\x81", "\xf0\x9f\x98\x80", " ", "\xc2\xa0", "\xe3\x80\x80",
    };
    /* clang-format on */
    uint32_t r = rnd(), k = r % 4;
    if (k == 0) {
        const char *f = frag[(r >> 8) % (sizeof(frag) / sizeof(frag[0]))];
        memcpy(p, f, strlen(f));
        return strlen(f);
    }
    if (k == 1) { /* a code point, mostly from the crowded low planes, encoded validly */
        uint32_t cp = (r & 0x10) ? rnd() % 0x110000u : rnd() % 0x3000u;
        size_t n = text_encode(cp, p);
        if (n == 0)
            p[0] = (char)r, n = 1; /* a surrogate: a random byte instead */
        return n;
    }
    p[0] = (char)(r >> 8); /* a random byte */
    return 1;
}

/* Strict UTF-8 check written independently of text_decode: returns the code point count or
 * -1, storing the code points for the caller's checks. */
static long check_utf8(const unsigned char *s, size_t n, uint32_t *cps)
{
    long k = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len;
        if (s[i] < 0x80)
            cp = s[i], len = 1;
        else if ((s[i] & 0xE0) == 0xC0)
            cp = s[i] & 0x1F, len = 2;
        else if ((s[i] & 0xF0) == 0xE0)
            cp = s[i] & 0x0F, len = 3;
        else if ((s[i] & 0xF8) == 0xF0)
            cp = s[i] & 0x07, len = 4;
        else
            return -1;
        if (i + len > n)
            return -1;
        for (size_t j = 1; j < len; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return -1;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        cps[k++] = cp;
        i += len;
    }
    return k;
}

static void test_sanitize_property(void **state)
{
    (void)state;
    /* clang-format off */
    static const unsigned flag_sets[] = {
        0, TEXT_KEEP_NEWLINE, TEXT_EXPAND_TAB, TEXT_KEEP_NEWLINE | TEXT_EXPAND_TAB, TEXT_ASCII,
        TEXT_NICK, TEXT_NICK | TEXT_ASCII, TEXT_KEEP_NEWLINE | TEXT_EXPAND_TAB | TEXT_ASCII,
    };
    /* clang-format on */
    enum { MAX_IN = 600 };
    char in[MAX_IN + 8];
    uint32_t *cps = malloc(sizeof(uint32_t) * (TEXT_DEFAULT_MAX_BYTES + 16));
    struct text_buf b = TEXT_BUF_INIT, again = TEXT_BUF_INIT;
    size_t total = 0, runs = 0, visible = 0, truncated = 0;

    while (total < 8u * 1000 * 1000) {
        size_t n = 0, want = rnd() % MAX_IN;
        while (n < want)
            n += gen_piece(in + n);
        unsigned flags = flag_sets[rnd() % (sizeof(flag_sets) / sizeof(flag_sets[0]))];
        size_t max_cols = rnd() % 4 == 0 ? rnd() % 200 : 0;
        text_sanitize_limit(in, n, flags, rnd() % 4 == 0 ? rnd() % 2000 : 0, max_cols, &b);
        total += n;
        runs++;

        const unsigned char *o = (const unsigned char *)b.s;
        assert_int_equal(strlen(b.s), b.len); /* no NUL inside */
        for (size_t i = 0; i < b.len; i++) {
            int nl_ok = o[i] == '\n' && (flags & TEXT_KEEP_NEWLINE) && !(flags & TEXT_NICK);
            if ((o[i] < 0x20 && !nl_ok) || o[i] == 0x7F)
                fail_msg("control byte 0x%02X at %zu (flags %u)", o[i], i, flags);
            assert_true(b.mark[i] <= (TEXT_MARK_CTRL | TEXT_MARK_TRUNC));
        }
        long k = check_utf8(o, b.len, cps);
        assert_true(k >= 0);
        for (long i = 0; i < k; i++) {
            uint32_t c = cps[i];
            assert_false(c >= 0x80 && c <= 0x9F);
            assert_false(c == 0x61C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
                         (c >= 0x2066 && c <= 0x2069));
            if (flags & TEXT_NICK)
                assert_false(c == ' ' || c == 0xA0 || c == 0x3000 || c == 0x200B || c == 0x200C ||
                             c == 0x200D || c == 0x2060 || c == 0xFEFF);
        }
        assert_int_equal(b.cols, text_width(b.s, b.len));
        if (max_cols)
            assert_true(b.cols <= max_cols);
        visible += b.n_ctrl;
        truncated += (size_t)b.truncated;
        /* Idempotent: sanitized text is a fixed point (same flags and caps). */
        text_sanitize_limit(b.s, b.len, flags, 0, 0, &again);
        assert_int_equal(again.len, b.len);
        assert_memory_equal(again.s, b.s, b.len);
    }
    assert_true(runs > 10000);
    assert_true(visible > 100000); /* the generator really exercised the control paths */
    assert_true(truncated > 1000);
    free(cps);
    text_buf_free(&b);
    text_buf_free(&again);
}

/* ---- nicks --------------------------------------------------------------------------------- */

static void test_nick_valid(void **state)
{
    (void)state;
    /* clang-format off */
    static const char *const good[] = {
        "alice", "Bob_1", "[away]", "a-b.c|d^e{f}", "x", "9lives", "\xe6\x97\xa5\xe6\x9c\xac",
        "Jos\xc3\xa9", "Jose\xcc\x81", "\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd", "ops\xf0\x9f\x94\xa5",
        "abcdefghijklmnopqrstuvwx", /* 24 columns */
    };
    static const char *const bad[] = {
        "", "abcdefghijklmnopqrstuvwxy", "a b", "a\tb", "jo\xe2\x80\x8bhn", "\xe2\x80\xaeMallory",
        "a\x1bz", "a\xc2\x85", "a\xc2\x9b", "\xff", "a\xc0\xaf", "@op", "a:b", "a,b", "a/b",
        "a#b", "a!b", "a*b", "a'b", "a\"b", "\xcc\x81o", "\xe3\x85\xa4", "a\xc2\xa0z",
        "a\xee\x80\x80", "x\xef\xbf\xbd", "a\xef\xbb\xbf", "so\xc2\xadon", "\xe3\x80\x80",
        "a\xe2\x81\xa0", "\xe2\xa0\x80",
    };
    /* clang-format on */
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!text_nick_valid(good[i]))
            fail_msg("rejected good nick \"%s\"", good[i]);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (text_nick_valid(bad[i]))
            fail_msg("accepted bad nick #%zu \"%s\"", i, bad[i]);
    }
    char cjk[64] = "";
    for (int i = 0; i < 12; i++)
        strcat(cjk, "\xe6\x97\xa5");
    assert_true(text_nick_valid(cjk)); /* 12 wide = 24 columns */
    strcat(cjk, "\xe6\x97\xa5");
    assert_false(text_nick_valid(cjk));
    assert_false(text_nick_valid(NULL));
}

static void test_nick_color(void **state)
{
    (void)state;
    /* FNV-1a 32-bit: "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968. */
    assert_int_equal(text_nick_color("a", 256), 0x2c);
    assert_int_equal(text_nick_color("foobar", 256), 0x68);
    assert_int_equal(text_nick_color("a", 37), 15);
    assert_int_equal(text_nick_color("alice", 37), 17);
    assert_int_equal(text_nick_color("bob", 37), 5);
    assert_int_equal(text_nick_color("alice", 0), 0);
    assert_int_equal(text_nick_color("alice", -3), 0);
    assert_int_equal(text_nick_color(NULL, 8), 0);
    assert_int_equal(text_nick_color("alice", 1), 0);
    /* Spread: 16000 generated nicks over 16 colours, each used 1000 +- 150 times. */
    int hits[16] = {0};
    char nick[16];
    for (int i = 0; i < 16000; i++) {
        int c;
        snprintf(nick, sizeof(nick), "user%d", i);
        c = text_nick_color(nick, 16);
        assert_true(c >= 0 && c < 16);
        hits[c]++;
    }
    for (int i = 0; i < 16; i++)
        assert_true(hits[i] > 850 && hits[i] < 1150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_valid),
        cmocka_unit_test(test_decode_invalid),
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_cp_width),
        cmocka_unit_test(test_str_width_clusters),
        cmocka_unit_test(test_sanitize_controls),
        cmocka_unit_test(test_sanitize_marks_and_counts),
        cmocka_unit_test(test_sanitize_caps),
        cmocka_unit_test(test_sanitize_zwj_emoji),
        cmocka_unit_test(test_sanitize_nick),
        cmocka_unit_test(test_sanitize_property),
        cmocka_unit_test(test_nick_valid),
        cmocka_unit_test(test_nick_color),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
