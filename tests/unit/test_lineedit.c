/* test_lineedit.c — the input line: cursor over CJK and marks, deletion of wide and multi-byte
 * characters, kills and yank, byte limit, paste cleaning, history, Tab completion cycling, the
 * scrolled view, and a fixed-seed random-keystroke test of the invariants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/lineedit.h"
#include "core/text.h"

#define TEXT(le) lineedit_text((le), NULL)

static void ins(struct lineedit *le, const char *s)
{
    assert_int_equal(lineedit_insert(le, s, strlen(s)), LINEEDIT_OK);
}

static void test_cursor_cjk_and_marks(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(0, 0);
    ins(le, "日本語");
    assert_int_equal(lineedit_cursor(le), 9);
    assert_int_equal(lineedit_cursor_cp(le), 3);
    assert_int_equal(lineedit_right(le), LINEEDIT_NOOP);
    assert_int_equal(lineedit_left(le), LINEEDIT_OK);
    assert_int_equal(lineedit_cursor(le), 6);
    assert_int_equal(lineedit_cursor_cp(le), 2);
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 3);
    assert_int_equal(lineedit_home(le), LINEEDIT_OK);
    assert_int_equal(lineedit_cursor(le), 0);
    assert_int_equal(lineedit_left(le), LINEEDIT_NOOP);
    assert_int_equal(lineedit_home(le), LINEEDIT_NOOP);
    lineedit_right(le);
    assert_int_equal(lineedit_cursor(le), 3);
    ins(le, "x"); /* inserts between 日 and 本 */
    assert_string_equal(TEXT(le), "日x本語");
    assert_int_equal(lineedit_end(le), LINEEDIT_OK);
    assert_int_equal(lineedit_cursor(le), 10);

    /* e + U+0301 + U+0302 moves as one; a 4-byte emoji too. */
    lineedit_set(le, "ae\xcc\x81\xcc\x82😀b", strlen("ae\xcc\x81\xcc\x82😀b"));
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 10);
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 6);
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 1);
    assert_int_equal(lineedit_cursor_cp(le), 1);
    lineedit_right(le);
    assert_int_equal(lineedit_cursor(le), 6);
    assert_int_equal(lineedit_cursor_cp(le), 4);
    /* A mark typed after a base joins it; the cursor stays after the cluster. */
    lineedit_clear(le);
    ins(le, "e");
    ins(le, "\xcc\x81");
    assert_int_equal(lineedit_cursor(le), 3);
    lineedit_left(le);
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_free(le);
    lineedit_free(NULL);
}

static void test_delete_wide_and_multibyte(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(0, 0);
    ins(le, "a日é😀");
    assert_int_equal(lineedit_backspace(le), LINEEDIT_OK); /* 4-byte emoji */
    assert_string_equal(TEXT(le), "a日é");
    lineedit_backspace(le); /* 2-byte é */
    assert_string_equal(TEXT(le), "a日");
    lineedit_backspace(le); /* 3-byte, 2-column 日 */
    assert_string_equal(TEXT(le), "a");
    assert_int_equal(lineedit_cursor(le), 1);
    lineedit_backspace(le);
    assert_int_equal(lineedit_backspace(le), LINEEDIT_NOOP);

    ins(le, "日本x");
    lineedit_home(le);
    assert_int_equal(lineedit_delete(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "本x");
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_end(le);
    assert_int_equal(lineedit_delete(le), LINEEDIT_NOOP);
    /* Backspace removes a base with its marks. */
    lineedit_set(le, "ae\xcc\x81", 4);
    lineedit_backspace(le);
    assert_string_equal(TEXT(le), "a");
    lineedit_free(le);
}

static void test_kills(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(0, 0);
    ins(le, "hello big  world");
    assert_int_equal(lineedit_kill_word(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "hello big  ");
    lineedit_kill_word(le); /* spaces, then the word */
    assert_string_equal(TEXT(le), "hello ");
    assert_int_equal(lineedit_yank(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "hello big  ");
    lineedit_set(le, "foo 日本語", strlen("foo 日本語"));
    lineedit_kill_word(le);
    assert_string_equal(TEXT(le), "foo ");
    lineedit_kill_word(le);
    lineedit_kill_word(le);
    assert_string_equal(TEXT(le), "");
    assert_int_equal(lineedit_kill_word(le), LINEEDIT_NOOP);

    lineedit_set(le, "abc def", 7);
    lineedit_left(le);
    lineedit_left(le); /* cursor before "ef" */
    assert_int_equal(lineedit_kill_to_end(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "abc d");
    assert_int_equal(lineedit_cursor(le), 5);
    assert_int_equal(lineedit_kill_to_end(le), LINEEDIT_NOOP);
    lineedit_left(le);
    assert_int_equal(lineedit_kill_to_start(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "d");
    assert_int_equal(lineedit_cursor(le), 0);
    lineedit_end(le);
    lineedit_yank(le);
    assert_string_equal(TEXT(le), "dabc ");
    /* Ctrl-W stops at a newline of a pasted multi-line text. */
    lineedit_set(le, "line one\nline", 13);
    lineedit_kill_word(le);
    assert_string_equal(TEXT(le), "line one\n");
    lineedit_free(le);
}

static void test_limit_and_cleaning(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(10, 0);
    ins(le, "12345678");
    assert_int_equal(lineedit_insert(le, "abc", 3), LINEEDIT_FULL);
    assert_string_equal(TEXT(le), "12345678");
    assert_int_equal(lineedit_insert(le, "日", 3), LINEEDIT_FULL);
    ins(le, "ab");
    assert_int_equal(lineedit_insert(le, "x", 1), LINEEDIT_FULL);
    assert_int_equal(lineedit_set(le, "a much longer line", 18), LINEEDIT_FULL);
    assert_string_equal(TEXT(le), "12345678ab");
    lineedit_free(le);

    le = lineedit_new(0, 0);
    /* Escape sequences lose their ESC, \r\n and lone \r become \n, \t a space, bad bytes
     * U+FFFD; NUL, C1, DEL and bidi controls are dropped. */
    const char paste[] = "a\x1b[31mb\r\nc\td\xff\xe2\x80\xae\x7f\xc2\x9b\0x\ry";
    assert_int_equal(lineedit_insert(le, paste, sizeof(paste) - 1), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "a[31mb\nc d\xef\xbf\xbdx\ny");
    size_t len;
    lineedit_text(le, &len);
    assert_int_equal(len, strlen("a[31mb\nc d\xef\xbf\xbdx\ny"));
    assert_int_equal(lineedit_line_count(le), 3);
    lineedit_clear(le);
    assert_int_equal(lineedit_line_count(le), 0);
    ins(le, "one");
    assert_int_equal(lineedit_line_count(le), 1);
    ins(le, "\n");
    assert_int_equal(lineedit_line_count(le), 2);
    lineedit_free(le);
}

static void test_history(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(0, 3);
    assert_int_equal(lineedit_history_prev(le), LINEEDIT_NOOP);
    ins(le, "one");
    lineedit_accept(le);
    assert_string_equal(TEXT(le), "");
    ins(le, "two");
    lineedit_accept(le);
    ins(le, "two");
    lineedit_accept(le); /* consecutive duplicate: not stored */
    lineedit_accept(le); /* empty: not stored */
    assert_int_equal(lineedit_history_count(le), 2);

    ins(le, "draft");
    assert_int_equal(lineedit_history_prev(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "two");
    assert_int_equal(lineedit_cursor(le), 3);
    lineedit_history_prev(le);
    assert_string_equal(TEXT(le), "one");
    assert_int_equal(lineedit_history_prev(le), LINEEDIT_NOOP);
    assert_string_equal(TEXT(le), "one");
    lineedit_history_next(le);
    assert_string_equal(TEXT(le), "two");
    ins(le, "!"); /* edit a recalled entry, then move away: the entry is unchanged */
    assert_int_equal(lineedit_history_next(le), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "draft"); /* the unsent line is back */
    assert_int_equal(lineedit_history_next(le), LINEEDIT_NOOP);
    lineedit_history_prev(le);
    assert_string_equal(TEXT(le), "two");
    lineedit_history_next(le);

    /* Accepting a recalled entry appends it; the oldest entry goes when full (max 3). */
    lineedit_history_prev(le);
    lineedit_history_prev(le);
    lineedit_accept(le); /* "one" again */
    ins(le, "three");
    lineedit_accept(le);
    assert_int_equal(lineedit_history_count(le), 3);
    assert_string_equal(lineedit_history_get(le, 0), "two");
    assert_string_equal(lineedit_history_get(le, 1), "one");
    assert_string_equal(lineedit_history_get(le, 2), "three");
    assert_null(lineedit_history_get(le, 3));
    /* An empty unsent line comes back empty. */
    lineedit_history_prev(le);
    lineedit_history_next(le);
    assert_string_equal(TEXT(le), "");
    lineedit_free(le);
}

static void test_completion(void **state)
{
    (void)state;
    const char *const nicks[] = {"alice", "Alan", "bob", "albert"};
    struct lineedit *le = lineedit_new(0, 0);
    ins(le, "al");
    assert_int_equal(lineedit_complete(le, nicks, 4), LINEEDIT_OK);
    assert_string_equal(TEXT(le), "alice: ");
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "Alan: ");
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "albert: ");
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "alice: "); /* wraps around */
    ins(le, "hi");                            /* ends the cycle */
    assert_string_equal(TEXT(le), "alice: hi");

    lineedit_set(le, "ping BO", 7);
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "ping bob "); /* case-insensitive, mid-line suffix " " */
    assert_int_equal(lineedit_complete(le, nicks, 4), LINEEDIT_OK); /* one match: stays */
    assert_string_equal(TEXT(le), "ping bob ");

    lineedit_set(le, "zed", 3);
    assert_int_equal(lineedit_complete(le, nicks, 4), LINEEDIT_NOOP);
    assert_string_equal(TEXT(le), "zed");
    assert_int_equal(lineedit_complete(le, nicks, 0), LINEEDIT_NOOP);

    /* Completing in the middle keeps the text after the cursor. */
    lineedit_set(le, "a: thanks", 9);
    lineedit_home(le);
    lineedit_right(le);
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "alice: : thanks");

    /* An empty word at the start offers every nick in order. */
    lineedit_clear(le);
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "alice: ");
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "Alan: ");
    /* Moving the cursor ends the cycle: the next Tab completes the new word. */
    lineedit_end(le);
    ins(le, "b");
    lineedit_complete(le, nicks, 4);
    assert_string_equal(TEXT(le), "Alan: bob ");
    lineedit_free(le);

    /* A completion that would pass the byte limit is refused. */
    le = lineedit_new(6, 0);
    ins(le, "al");
    assert_int_equal(lineedit_complete(le, nicks, 4), LINEEDIT_FULL);
    assert_string_equal(TEXT(le), "al");
    lineedit_free(le);
}

static void view(struct lineedit *le, int width, struct lineedit_view *v, const char *want,
                 int cursor_col)
{
    lineedit_render(le, width, v);
    const char *t = TEXT(le);
    if (v->len != strlen(want) || memcmp(t + v->off, want, v->len) != 0)
        fail_msg("view \"%.*s\", want \"%s\"", (int)v->len, t + v->off, want);
    assert_int_equal(v->cursor_col, cursor_col);
}

static void test_render(void **state)
{
    (void)state;
    struct lineedit *le = lineedit_new(0, 0);
    struct lineedit_view v;
    ins(le, "abcdefghijklmnop");
    view(le, 10, &v, "hijklmnop", 9); /* the cell after the end is the cursor's */
    assert_true(v.more_left);
    assert_false(v.more_right);
    assert_int_equal(v.cols, 9);
    for (int i = 0; i < 5; i++)
        lineedit_left(le);
    view(le, 10, &v, "hijklmnop", 4); /* no jump while the cursor stays visible */
    lineedit_home(le);
    view(le, 10, &v, "abcdefghij", 0);
    assert_false(v.more_left);
    assert_true(v.more_right);
    view(le, 16, &v, "abcdefghijklmnop", 0);
    lineedit_end(le);
    view(le, 16, &v, "bcdefghijklmnop", 15); /* 16 columns: the end cell needs one more */
    view(le, 17, &v, "abcdefghijklmnop", 16);

    /* Wide characters are never cut at either edge. */
    lineedit_set(le, "日本語テキスト", strlen("日本語テキスト"));
    view(le, 5, &v, "スト", 4);
    lineedit_home(le);
    view(le, 5, &v, "日本", 0);
    assert_int_equal(v.cols, 4);
    lineedit_set(le, "a日本語", strlen("a日本語"));
    view(le, 4, &v, "語", 2); /* scroll column 4 falls inside 本: it is hidden */
    assert_true(v.more_left);
    lineedit_left(le);
    view(le, 4, &v, "語", 0);
    lineedit_left(le);
    view(le, 4, &v, "本語", 0);

    /* The text shrinks: the view scrolls back. */
    lineedit_set(le, "abcdefghijklmnopqrst", 20);
    view(le, 10, &v, "lmnopqrst", 9);
    for (int i = 0; i < 15; i++)
        lineedit_backspace(le);
    view(le, 10, &v, "abcde", 5);

    /* \n counts one cell; width 1 and 0 stay sane. */
    lineedit_set(le, "a\nb", 3);
    view(le, 10, &v, "a\nb", 3);
    lineedit_set(le, "日", 3);
    lineedit_home(le);
    view(le, 1, &v, "", 0);
    view(le, 0, &v, "", 0);
    lineedit_free(le);
}

/* ---- random keystrokes --------------------------------------------------------------------- */

static uint64_t rng = 0x853C49E6748FEA9Bu;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 32);
}

static void test_random_keys(void **state)
{
    (void)state;
    /* clang-format off */
    static const char *const bits[] = {"a", "Z", " ", "日本", "😀", "e\xcc\x81", "\xcc\x81",
                                       "\n", "\x1b[2J", "\r\n", "\xff\xfe", "\xe2\x80\xae", "\t",
                                       "\xc2\x9b", "long words here "};
    /* clang-format on */
    const char *const nicks[] = {"alice", "alan", "bob"};
    struct lineedit *le = lineedit_new(200, 20);
    size_t full = 0;

    for (int step = 0; step < 200000; step++) {
        uint32_t r = rnd();
        enum lineedit_rc rc = LINEEDIT_OK;
        switch (r % 16) {
        case 0:
        case 1:
        case 2:
        case 3: {
            const char *b = bits[(r >> 8) % (sizeof(bits) / sizeof(bits[0]))];
            rc = lineedit_insert(le, b, strlen(b));
            break;
        }
        case 4:
            rc = lineedit_left(le);
            break;
        case 5:
            rc = lineedit_right(le);
            break;
        case 6:
            rc = lineedit_backspace(le);
            break;
        case 7:
            rc = lineedit_delete(le);
            break;
        case 8:
            rc = (r >> 8) % 2 ? lineedit_home(le) : lineedit_end(le);
            break;
        case 9:
            rc = lineedit_kill_word(le);
            break;
        case 10:
            rc = (r >> 8) % 2 ? lineedit_kill_to_start(le) : lineedit_kill_to_end(le);
            break;
        case 11:
            rc = lineedit_yank(le);
            break;
        case 12:
            rc = lineedit_history_prev(le);
            break;
        case 13:
            rc = lineedit_history_next(le);
            break;
        case 14:
            rc = lineedit_complete(le, nicks, 3);
            break;
        default:
            if ((r >> 8) % 8 == 0)
                lineedit_accept(le);
            break;
        }
        full += rc == LINEEDIT_FULL;

        size_t len, cur = lineedit_cursor(le);
        const char *t = lineedit_text(le, &len);
        assert_true(len <= 200);
        assert_int_equal(strlen(t), len);
        assert_true(text_valid(t, len));
        for (size_t i = 0; i < len; i++)
            assert_true((unsigned char)t[i] >= 0x20 || t[i] == '\n');
        assert_true(cur <= len);
        /* The cursor sits on a cluster boundary. */
        size_t p = 0;
        while (p < cur)
            p = t[p] == '\n' ? p + 1 : text_cluster_next(t, len, p, NULL);
        assert_int_equal(p, cur);

        struct lineedit_view v;
        int width = 1 + (int)((r >> 20) % 30);
        lineedit_render(le, width, &v);
        assert_true(v.off <= cur && cur <= v.off + v.len);
        assert_true(v.cols <= width);
        assert_true(v.cursor_col >= 0 && v.cursor_col < width);
        assert_int_equal(v.more_left, v.off > 0);
        assert_int_equal(v.more_right, v.off + v.len < len);
    }
    assert_true(full > 100); /* the limit was really hit */
    assert_true(lineedit_history_count(le) <= 20);
    lineedit_free(le);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_cjk_and_marks),
        cmocka_unit_test(test_delete_wide_and_multibyte),
        cmocka_unit_test(test_kills),
        cmocka_unit_test(test_limit_and_cleaning),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_random_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
