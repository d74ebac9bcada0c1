/* test_wrap.c — width-aware wrapping: known answers for words, CJK at widths 10/11/79/80, mixed
 * text, emoji, marks, newlines, hanging indent, degenerate widths, and a fixed-seed property
 * test of the invariants (nothing lost, no line too wide, no cluster split). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "core/wrap.h"

#define MAXL 2048

/* Wraps s and joins the lines with '|' into out, for compact known answers. */
static const char *joined(const char *s, int width, int indent, char *out, size_t cap)
{
    static struct wrap_line l[MAXL];
    size_t n = wrap_text(s, strlen(s), width, indent, l, MAXL), o = 0;
    assert_true(n <= MAXL);
    for (size_t i = 0; i < n; i++) {
        assert_true(o + l[i].len + 2 < cap);
        if (i)
            out[o++] = '|';
        memcpy(out + o, s + l[i].off, l[i].len);
        o += l[i].len;
        assert_int_equal(l[i].cols, (int)text_width(s + l[i].off, l[i].len));
    }
    out[o] = '\0';
    return out;
}

#define ASSERT_WRAP(s, w, ind, want)                                                               \
    do {                                                                                           \
        char buf_[4096];                                                                           \
        assert_string_equal(joined((s), (w), (ind), buf_, sizeof(buf_)), (want));                  \
    } while (0)

static void test_words(void **state)
{
    (void)state;
    ASSERT_WRAP("the quick brown fox jumps over the lazy dog", 10, 0,
                "the quick|brown fox|jumps over|the lazy|dog");
    ASSERT_WRAP("the quick brown fox", 80, 0, "the quick brown fox");
    ASSERT_WRAP("abc def", 3, 0, "abc|def");     /* the space at the break is dropped */
    ASSERT_WRAP("a    b", 3, 0, "a|b");          /* so is a run of them */
    ASSERT_WRAP("  ab", 10, 0, "  ab");          /* leading spaces of the text are kept */
    ASSERT_WRAP("abcdefgh", 3, 0, "abc|def|gh"); /* a long word is cut */
    ASSERT_WRAP("ab abcdefgh", 4, 0, "ab|abcd|efgh");
    ASSERT_WRAP("abc", 3, 0, "abc");
    ASSERT_WRAP("", 10, 0, "");
}

static void test_newlines(void **state)
{
    (void)state;
    ASSERT_WRAP("ab\ncd", 10, 0, "ab|cd");
    ASSERT_WRAP("ab\n\ncd", 10, 0, "ab||cd");
    ASSERT_WRAP("ab\n", 10, 0, "ab|");
    ASSERT_WRAP("\n", 10, 0, "|");
    ASSERT_WRAP("abc   \ndef", 3, 0, "abc|def");  /* the wrap already ended the line */
    ASSERT_WRAP("abc \n\ndef", 3, 0, "abc||def"); /* a blank line survives */
    ASSERT_WRAP("abcdef\ngh", 3, 0, "abc|def|gh");

    struct wrap_line l[4];
    assert_int_equal(wrap_text("", 0, 10, 0, l, 4), 1);
    assert_int_equal(l[0].off, 0);
    assert_int_equal(l[0].len, 0);
    assert_int_equal(l[0].cols, 0);
}

/* 100 wide characters: each line holds exactly floor(W/2) of them. */
static void test_cjk_widths(void **state)
{
    (void)state;
    /* clang-format off */
    static const char *const chars[] = {"日", "本", "語", "の", "テ", "キ", "ス", "ト", "한", "글"};
    /* clang-format on */
    char s[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(s, chars[i % 10]);
    size_t len = strlen(s);
    const int widths[] = {10, 11, 79, 80};

    for (size_t k = 0; k < sizeof(widths) / sizeof(widths[0]); k++) {
        int w = widths[k], per = w / 2;
        struct wrap_line l[64];
        size_t n = wrap_text(s, len, w, 0, l, 64);
        assert_int_equal(n, (size_t)((100 + per - 1) / per));
        for (size_t i = 0; i < n; i++) {
            int chars_here = i + 1 < n ? per : 100 - per * (int)(n - 1);
            assert_int_equal(l[i].off, i * (size_t)per * 3);
            assert_int_equal(l[i].len, (size_t)chars_here * 3);
            assert_int_equal(l[i].cols, chars_here * 2);
        }
    }
    /* Known text: 日本語のテキスト = 8 chars, 16 columns. */
    ASSERT_WRAP("日本語のテキスト", 10, 0, "日本語のテ|キスト");
    ASSERT_WRAP("日本語のテキスト", 11, 0, "日本語のテ|キスト");
    ASSERT_WRAP("日本語のテキスト", 7, 0, "日本語|のテキ|スト");
    ASSERT_WRAP("日本語のテキスト", 16, 0, "日本語のテキスト");
    ASSERT_WRAP("日本語のテキスト", 15, 0, "日本語のテキス|ト");
    ASSERT_WRAP("한국어 텍스트를 줄바꿈", 8, 0, "한국어|텍스트를|줄바꿈");
}

static void test_mixed_and_emoji(void **state)
{
    (void)state;
    ASSERT_WRAP("ab日本語", 5, 0, "ab日|本語");                  /* 1 column left: 本 moves down */
    ASSERT_WRAP("hello日本語world", 8, 0, "hello日|本語|world"); /* breaks next to CJK */
    ASSERT_WRAP("ab cd日本", 5, 0, "ab cd|日本"); /* a break before an ideograph beats the space */
    ASSERT_WRAP("disk 使用率 95%", 8, 0, "disk 使|用率 95%"); /* ideographs break anywhere */
    ASSERT_WRAP("   abc", 2, 0, "  |ab|c");                   /* indentation wider than the line */
    ASSERT_WRAP("ok 👍👍👍", 4, 0, "ok|👍👍|👍");
    ASSERT_WRAP("🔥🔥🔥", 5, 0, "🔥🔥|🔥");
    ASSERT_WRAP("a😀b", 2, 0, "a|😀|b");
    /* Combining marks stay with their base: ó written as o + U+0301. */
    ASSERT_WRAP("o\xcc\x81o\xcc\x81o\xcc\x81o\xcc\x81", 2, 0,
                "o\xcc\x81o\xcc\x81|o\xcc\x81o\xcc\x81");
    ASSERT_WRAP("ab\xcc\x81\xcc\x82z", 2, 0, "ab\xcc\x81\xcc\x82|z");
}

static void test_degenerate_widths(void **state)
{
    (void)state;
    struct wrap_line l[8];
    /* Width 1: one cluster per line; a wide one overflows alone rather than vanish. */
    ASSERT_WRAP("a日b", 1, 0, "a|日|b");
    assert_int_equal(wrap_text("a日b", 5, 1, 0, l, 8), 3);
    assert_int_equal(l[1].cols, 2);
    ASSERT_WRAP("ab c", 1, 0, "a|b|c");
    /* Width 0 or less: nothing can be drawn. */
    assert_int_equal(wrap_text("abc", 3, 0, 0, l, 8), 0);
    assert_int_equal(wrap_text("abc", 3, -5, 0, l, 8), 0);
    assert_int_equal(wrap_text("", 0, 0, 0, l, 8), 0);
}

static void test_indent_and_count(void **state)
{
    (void)state;
    struct wrap_line l[8];
    const char *s = "aaaa bbbb cccc dddd";
    size_t n = wrap_text(s, strlen(s), 10, 4, l, 8);
    assert_int_equal(n, 3); /* room: 10, then 6, 6 */
    assert_int_equal(l[0].indent, 0);
    assert_int_equal(l[0].len, 9);
    assert_int_equal(l[1].indent, 4);
    assert_int_equal(l[1].off, 10);
    assert_int_equal(l[1].len, 4);
    assert_int_equal(l[2].indent, 4);
    ASSERT_WRAP("aaaa bbbb cccc dddd", 10, 4, "aaaa bbbb|cccc|dddd");
    ASSERT_WRAP("aaaa bbbb cccc dddd", 10, 10, "aaaa bbbb|cccc dddd"); /* indent ignored */
    assert_int_equal(wrap_text(s, strlen(s), 10, 10, l, 8), 2);
    assert_int_equal(l[1].indent, 0);
    /* Continuation after \n is indented too (it is the same message). */
    assert_int_equal(wrap_text("ab\ncd", 5, 10, 3, l, 8), 2);
    assert_int_equal(l[1].indent, 3);

    /* snprintf-like: the count is returned even when the array is short or NULL. */
    assert_int_equal(wrap_text(s, strlen(s), 4, 0, NULL, 0), 4);
    struct wrap_line guard;
    memset(l, 0x5a, sizeof(l));
    memset(&guard, 0x5a, sizeof(guard));
    assert_int_equal(wrap_text(s, strlen(s), 4, 0, l, 2), 4);
    assert_int_equal(l[1].off, 5);
    assert_memory_equal(&l[2], &guard, sizeof(guard)); /* untouched */
}

static void test_long_url(void **state)
{
    (void)state;
    char s[512] = "see ";
    char url[400] = "https://grafana.example.com/d/abc123/latency?orgId=1&var-host=";
    while (strlen(url) < 300)
        strcat(url, "node-42.eu-west-1.internal,");
    strcat(s, url);
    strcat(s, " now");
    struct wrap_line l[32];
    size_t n = wrap_text(s, strlen(s), 40, 0, l, 32), ulen = strlen(url);
    assert_int_equal(l[0].len, 3); /* "see" */
    /* The URL fills whole 40-column lines and reassembles exactly. */
    char back[400] = "";
    size_t i = 1;
    for (; i < n && strlen(back) < ulen; i++) {
        assert_true(l[i].cols == 40 || strlen(back) + l[i].len >= ulen);
        strncat(back, s + l[i].off, l[i].len);
    }
    assert_memory_equal(back, url, ulen);
    /* " now" joins the URL's last piece when it fits there, else gets a line of its own. */
    size_t tail = ulen % 40;
    assert_int_equal(n, 1 + (ulen + 39) / 40 + (tail != 0 && tail + 4 <= 40 ? 0 : 1));
    assert_memory_equal(s + l[n - 1].off + l[n - 1].len - 3, "now", 3);
}

/* ---- property test ------------------------------------------------------------------------- */

static uint64_t rng = 0x2545F4914F6CDD1Du;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void test_property(void **state)
{
    (void)state;
    /* clang-format off */
    static const char *const piece[] = {"a", "bc", "word", "longerword", " ", " ", "  ", "\n",
                                        "日", "本語", "😀", "e\xcc\x81", "\xcc\x81", "x", "-",
                                        "한", "ｱ", "é"};
    /* clang-format on */
    char s[1200];
    static struct wrap_line l[MAXL];
    size_t lines = 0;

    for (int iter = 0; iter < 20000; iter++) {
        size_t len = 0, want = rnd() % 1000;
        while (len < want) {
            const char *p = piece[rnd() % (sizeof(piece) / sizeof(piece[0]))];
            memcpy(s + len, p, strlen(p));
            len += strlen(p);
        }
        int width = 1 + (int)(rnd() % 100), indent = (int)(rnd() % 20);
        size_t n = wrap_text(s, len, width, indent, l, MAXL);
        assert_true(n >= 1 && n <= MAXL);
        lines += n;
        size_t prev_end = 0;
        for (size_t i = 0; i < n; i++) {
            int room = width - l[i].indent;
            assert_true(l[i].indent == 0 || (i > 0 && indent < width && l[i].indent == indent));
            assert_int_equal(l[i].cols, (int)text_width(s + l[i].off, l[i].len));
            /* Only a single cluster wider than the room may exceed it. */
            if (l[i].cols > room)
                assert_int_equal(text_cluster_next(s, len, l[i].off, NULL), l[i].off + l[i].len);
            /* Spans are ordered; only spaces and at most one \n fall between them. */
            assert_true(l[i].off >= prev_end);
            int newlines = 0;
            for (size_t j = prev_end; j < l[i].off; j++) {
                assert_true(s[j] == ' ' || s[j] == '\n');
                newlines += s[j] == '\n';
            }
            assert_true(newlines <= 1);
            /* A wrapped line never starts with a space (unless a mark sits on it). */
            if (i > 0 && l[i].off == prev_end && s[prev_end] == ' ')
                assert_true(text_cluster_next(s, len, prev_end, NULL) > prev_end + 1);
            /* Spans start and end on cluster boundaries. */
            size_t p = l[i].off;
            while (p < l[i].off + l[i].len)
                p = text_cluster_next(s, len, p, NULL);
            assert_int_equal(p, l[i].off + l[i].len);
            if (l[i].off > 0 && s[l[i].off - 1] != '\n' && s[l[i].off - 1] != ' ')
                assert_int_equal(text_cluster_next(s, len, text_cluster_prev(s, l[i].off), NULL),
                                 l[i].off);
            /* A line that was wrapped (not ended by \n) and is followed by more text is not
             * empty. */
            if (i + 1 < n && (l[i].off + l[i].len >= len || s[l[i].off + l[i].len] != '\n'))
                assert_true(l[i].len > 0 || l[i].off == 0 || s[l[i].off - 1] == '\n');
            prev_end = l[i].off + l[i].len;
        }
        for (size_t j = prev_end; j < len; j++)
            assert_true(s[j] == ' ' || s[j] == '\n');
    }
    assert_true(lines > 100000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_newlines),
        cmocka_unit_test(test_cjk_widths),
        cmocka_unit_test(test_mixed_and_emoji),
        cmocka_unit_test(test_degenerate_widths),
        cmocka_unit_test(test_indent_and_count),
        cmocka_unit_test(test_long_url),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
