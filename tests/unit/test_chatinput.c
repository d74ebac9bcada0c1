/* test_chatinput.c — room names and the chat input-line /command parser. */
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
#include "core/chatinput.h"

static void test_room_normalize(void **state)
{
    (void)state;
    char out[CHATLOG_ROOM_MAX + 1];
    assert_int_equal(chatinput_room_normalize("#ops", out, sizeof(out)), 0);
    assert_string_equal(out, "ops");
    assert_int_equal(chatinput_room_normalize("Ops-1.a_b", out, sizeof(out)), 0);
    assert_string_equal(out, "Ops-1.a_b");
    assert_int_equal(chatinput_room_normalize("abcdefghijabcdefghijabcdefghij12", out, sizeof(out)),
                     0);
    const char *bad[] = {
        "",    "#", "##ops", "a b", "a:b", "a*", "a{b}", "é", "abcdefghijabcdefghijabcdefghij123",
        "a\nb"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(chatinput_room_normalize(bad[i], out, sizeof(out)), -1);
        assert_string_equal(out, "");
    }
    assert_int_equal(chatinput_room_normalize(NULL, out, sizeof(out)), -1);
    char tiny[3];
    assert_int_equal(chatinput_room_normalize("ops", tiny, sizeof(tiny)), -1);
}

static void test_parse_input(void **state)
{
    (void)state;
    struct {
        const char *line;
        enum chatinput_cmd cmd;
        const char *arg;
    } cases[] = {
        {"", CHATINPUT_CMD_NONE, ""},
        {"   \t ", CHATINPUT_CMD_NONE, ""},
        {"hello world ", CHATINPUT_CMD_SAY, "hello world "},
        {"  indented", CHATINPUT_CMD_SAY, "  indented"},
        {"//etc/passwd is world-readable", CHATINPUT_CMD_SAY, "/etc/passwd is world-readable"},
        {"/me waves  ", CHATINPUT_CMD_ME, "waves"},
        {"/ME  waves at you", CHATINPUT_CMD_ME, "waves at you"},
        {"/me", CHATINPUT_CMD_USAGE, ""},
        {"/me   ", CHATINPUT_CMD_USAGE, ""},
        {"/nick robert", CHATINPUT_CMD_NICK, "robert"},
        {"/nick  robert  ", CHATINPUT_CMD_NICK, "robert"},
        {"/nick", CHATINPUT_CMD_USAGE, ""},
        {"/nick two words", CHATINPUT_CMD_USAGE, "two words"},
        {"/join #ops", CHATINPUT_CMD_JOIN, "#ops"},
        {"/Join", CHATINPUT_CMD_USAGE, ""},
        {"/part", CHATINPUT_CMD_PART, ""},
        {"/part gone fishing", CHATINPUT_CMD_PART, "gone fishing"},
        {"/leave", CHATINPUT_CMD_PART, ""},
        {"/who", CHATINPUT_CMD_WHO, ""},
        {"/names", CHATINPUT_CMD_WHO, ""},
        {"/clear", CHATINPUT_CMD_CLEAR, ""},
        {"/help", CHATINPUT_CMD_HELP, ""},
        {"/quit bye all", CHATINPUT_CMD_QUIT, "bye all"},
        {"/exit", CHATINPUT_CMD_QUIT, ""},
        {"/ack cpu_high", CHATINPUT_CMD_ACK, "cpu_high"},
        {"/silence cpu_high 1h", CHATINPUT_CMD_SILENCE, "cpu_high 1h"},
        {"/frobnicate now", CHATINPUT_CMD_UNKNOWN, "now"},
        {"/mee", CHATINPUT_CMD_UNKNOWN, ""},
        {"/", CHATINPUT_CMD_UNKNOWN, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct chatinput in;
        chatinput_parse(cases[i].line, strlen(cases[i].line), &in);
        if (in.cmd != cases[i].cmd)
            fail_msg("'%s': cmd %d, want %d", cases[i].line, in.cmd, cases[i].cmd);
        if (in.cmd == CHATINPUT_CMD_NONE || in.cmd == CHATINPUT_CMD_USAGE)
            continue;
        if (in.arg_len != strlen(cases[i].arg) || memcmp(in.arg, cases[i].arg, in.arg_len))
            fail_msg("'%s': arg '%.*s', want '%s'", cases[i].line, (int)in.arg_len, in.arg,
                     cases[i].arg);
    }
    struct chatinput in;
    chatinput_parse("/frobnicate now", 15, &in);
    assert_int_equal(in.name_len, 10);
    assert_memory_equal(in.name, "frobnicate", 10);
    chatinput_parse("/nick a b", 9, &in);
    assert_string_equal(in.error, "usage: /nick NEWNICK");
    chatinput_parse("/me", 3, &in);
    assert_string_equal(in.error, "usage: /me ACTION");
    /* the length bounds the parse */
    chatinput_parse("/me waves", 3, &in);
    assert_int_equal(in.cmd, CHATINPUT_CMD_USAGE);
    size_t n = 0;
    while (chatinput_help_line(n))
        n++;
    assert_true(n >= 9);
    assert_non_null(strstr(chatinput_help_line(0), "/me"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_room_normalize),
        cmocka_unit_test(test_parse_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
