/* test_chatrender.c — rendering chat messages: every kind, and hostile nicks and texts that
 * must never reach the terminal as control sequences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/chatlog.h"
#include "core/chatrender.h"

static const char *render(struct chatrender_line *l, enum chatlog_kind kind, const char *nick,
                          const char *text, const char *room, unsigned flags)
{
    struct chatlog_msg m = {.kind = kind,
                            .nick = (char *)nick,
                            .nick_len = strlen(nick),
                            .text = (char *)text,
                            .text_len = strlen(text)};
    chatrender_msg(&m, room, flags, l);
    return l->s;
}

static void test_render_kinds(void **state)
{
    (void)state;
    struct chatrender_line l = CHATRENDER_LINE_INIT;
    assert_string_equal(render(&l, CHATLOG_MSG, "alice", "hello", "ops", 0), "<alice> hello");
    assert_int_equal(l.style, CHATRENDER_STYLE_MSG);
    assert_int_equal(l.nick_off, 1);
    assert_int_equal(l.nick_len, 5);
    assert_int_equal(l.body_off, 8);
    assert_string_equal(render(&l, CHATLOG_ME, "alice", "waves", "ops", 0), "* alice waves");
    assert_int_equal(l.style, CHATRENDER_STYLE_ACTION);
    assert_int_equal(l.nick_off, 2);
    assert_string_equal(render(&l, CHATLOG_JOIN, "bob", "", "ops", 0), "-!- bob has joined #ops");
    assert_int_equal(l.style, CHATRENDER_STYLE_EVENT);
    assert_string_equal(render(&l, CHATLOG_JOIN, "bob", "ignored", NULL, 0), "-!- bob has joined");
    assert_string_equal(render(&l, CHATLOG_PART, "bob", "", "ops", 0), "-!- bob has left #ops");
    assert_string_equal(render(&l, CHATLOG_PART, "bob", "lunch", "ops", 0),
                        "-!- bob has left #ops (lunch)");
    assert_string_equal(render(&l, CHATLOG_NICK, "bob", "robert", "ops", 0),
                        "-!- bob is now known as robert");
    assert_string_equal(render(&l, CHATLOG_SYSTEM, "bot", "deploy done", "ops", 0),
                        "-!- deploy done");
    assert_int_equal(l.style, CHATRENDER_STYLE_SYSTEM);
    assert_int_equal(l.nick_len, 0);
    assert_string_equal(render(&l, CHATLOG_ALERT, "warroom", "cpu > 90", "ops", 0),
                        "-!- [alert] cpu > 90");
    assert_int_equal(l.style, CHATRENDER_STYLE_ALERT);
    assert_string_equal(render(&l, CHATLOG_MSG, "", "x", NULL, 0), "<?> x");
    assert_string_equal(render(&l, CHATLOG_MSG, "a", "", NULL, 0), "<a> ");
    assert_int_equal(l.body_off, l.len);
    /* newlines: kept for a wrapping pane, visible in line mode */
    assert_string_equal(render(&l, CHATLOG_MSG, "a", "one\ntwo", NULL, TEXT_KEEP_NEWLINE),
                        "<a> one\ntwo");
    assert_string_equal(render(&l, CHATLOG_MSG, "a", "one\ntwo", NULL, 0), "<a> one^Jtwo");
    chatrender_line_free(&l);
    chatrender_line_free(&l); /* freed twice: a no-op */
}

static void assert_terminal_safe(const struct chatrender_line *l)
{
    const unsigned char *u = (const unsigned char *)l->s;
    assert_int_equal(strlen(l->s), l->len);
    for (size_t i = 0; i < l->len; i++) {
        assert_true(u[i] >= 0x20 && u[i] != 0x7F);
        if (i + 1 < l->len) /* no C1 control encoded as UTF-8 */
            assert_false(u[i] == 0xC2 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9F);
        if (i + 2 < l->len) { /* no bidi control U+202A-202E, U+2066-2069 */
            assert_false(u[i] == 0xE2 && u[i + 1] == 0x80 && u[i + 2] >= 0xAA && u[i + 2] <= 0xAE);
            assert_false(u[i] == 0xE2 && u[i + 1] == 0x81 && u[i + 2] >= 0xA6 && u[i + 2] <= 0xA9);
        }
    }
    assert_true(text_valid(l->s, l->len));
}

static void test_render_hostile(void **state)
{
    (void)state;
    struct chatrender_line l = CHATRENDER_LINE_INIT;
    /* OSC 52 clipboard write, clear screen, carriage return, RLO, invalid byte */
    const char *text = "a\x1b]52;c;ZXZpbA==\x07"
                       "b\x1b[2Jc\rd\xE2\x80\xAE"
                       "e\xff";
    render(&l, CHATLOG_MSG, "ev\xE2\x80\x8Bil\x1b[31m", text, "ops", 0);
    assert_terminal_safe(&l);
    assert_string_equal(l.s, "<evil^[[31m> a^[]52;c;ZXZpbA==^Gb^[[2Jc^Md"
                             "e\xEF\xBF\xBD");
    /* the visible controls are marked for reverse video, plain text is not */
    const char *esc = strstr(l.s + l.body_off, "^[");
    assert_non_null(esc);
    assert_int_equal(l.mark[esc - l.s], TEXT_MARK_CTRL);
    assert_int_equal(l.mark[esc - l.s + 1], TEXT_MARK_CTRL);
    assert_int_equal(l.mark[l.body_off], 0);
    /* C1 CSI and DEL in a nick change, bidi isolate in the room */
    render(&l, CHATLOG_NICK,
           "x\xC2\x9B"
           "1m",
           "new\x7fnick\xE2\x81\xA6", "o\xE2\x80\xAEps", 0);
    assert_terminal_safe(&l);
    assert_string_equal(l.s, "-!- x<9B>1m is now known as new^?nick");
    render(&l, CHATLOG_JOIN, "a", "", "o\xE2\x80\xAEps", 0);
    assert_string_equal(l.s, "-!- a has joined #ops");
    /* a nick cannot be made long enough to push the text away */
    char longnick[200];
    memset(longnick, 'n', sizeof(longnick) - 1);
    longnick[sizeof(longnick) - 1] = '\0';
    render(&l, CHATLOG_MSG, longnick, "x", NULL, 0);
    assert_true(l.nick_len <= TEXT_NICK_MAX_BYTES);
    assert_true(text_width(l.s + l.nick_off, l.nick_len) <= TEXT_NICK_MAX_COLS);
    chatrender_line_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_kinds),
        cmocka_unit_test(test_render_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
