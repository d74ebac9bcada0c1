/* fuzz_chatlog.c — the chat room model's parsers and its message list, fed from hostile input.
 * Input: lines "ID KIND NICK TEXT". Every whole line also goes to the input-line parser, the
 * room-name normaliser and the ID and kind parsers. Properties: an ID parses only to a value that
 * prints and parses back to itself (and prints as the input when written canonically); a kind
 * parses only from its exact wire name; the input parser's pointers stay inside the line; a
 * normalised room is valid and normalises to itself; the log stays in strictly increasing ID
 * order without duplicates, within its capacity, and renders every message as well-formed UTF-8
 * without a byte that could steer a terminal. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/chatrender.h"

#define LOG_CAP 16

static void check_id(const char *s, size_t n)
{
    struct chatlog_id id = {7, 7, 7};
    if (chatlog_id_parse(s, n, &id) != 0) {
        FUZZ_CHECK(chatlog_id_is_zero(id));
        return;
    }
    FUZZ_CHECK(id.local == 0);
    char buf[CHATLOG_ID_MAX];
    chatlog_id_format(id, buf, sizeof buf);
    struct chatlog_id back;
    FUZZ_CHECK(chatlog_id_parse(buf, strlen(buf), &back) == 0 && chatlog_id_cmp(back, id) == 0);
    const char *dash = memchr(s, '-', n);
    if (n > 0 && s[0] != '0' && dash && dash[1] != '0')
        FUZZ_CHECK(strlen(buf) == n && memcmp(buf, s, n) == 0);
    char tiny[5];
    chatlog_id_format(id, tiny, sizeof tiny);
    FUZZ_CHECK(strlen(tiny) < sizeof tiny && strncmp(tiny, buf, strlen(tiny)) == 0);
}

static void check_kind(const char *s, size_t n)
{
    enum chatlog_kind k = CHATLOG_SYSTEM;
    if (chatlog_kind_parse(s, n, &k) == 0) {
        const char *name = chatlog_kind_name(k);
        FUZZ_CHECK(strlen(name) == n && memcmp(name, s, n) == 0);
    } else {
        FUZZ_CHECK(k == CHATLOG_MSG);
    }
}

static void check_input(const char *s, size_t n)
{
    struct chatinput in;
    chatinput_parse(s, n, &in);
    FUZZ_CHECK((unsigned)in.cmd <= CHATINPUT_CMD_USAGE);
    FUZZ_CHECK(in.arg >= s && in.arg + in.arg_len <= s + n);
    FUZZ_CHECK(in.name >= s && in.name + in.name_len <= s + n);
    if (in.cmd == CHATINPUT_CMD_USAGE)
        FUZZ_CHECK(in.error != NULL && strncmp(in.error, "usage: ", 7) == 0);
    if (in.cmd == CHATINPUT_CMD_SAY)
        FUZZ_CHECK(n > 0 && (s[0] != '/' || (n > 1 && s[1] == '/' && in.arg == s + 1)));
    if (in.cmd != CHATINPUT_CMD_NONE && in.cmd != CHATINPUT_CMD_SAY)
        FUZZ_CHECK(s[0] == '/');
}

static void check_room(const char *s, size_t n)
{
    char *in = malloc(n + 1);
    memcpy(in, s, n);
    in[n] = '\0';
    char out[CHATLOG_ROOM_MAX + 1], again[CHATLOG_ROOM_MAX + 1];
    if (chatinput_room_normalize(in, out, sizeof out) == 0) {
        size_t len = strlen(out);
        FUZZ_CHECK(len >= 1 && len <= CHATLOG_ROOM_MAX);
        for (size_t i = 0; i < len; i++) {
            char c = out[i];
            FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.');
        }
        FUZZ_CHECK(chatinput_room_normalize(out, again, sizeof again) == 0);
        FUZZ_CHECK(strcmp(out, again) == 0);
    } else {
        FUZZ_CHECK(out[0] == '\0');
    }
    free(in);
}

/* Whether s[0..len) is well-formed UTF-8 that writes no control to a terminal. */
static int terminal_safe(const unsigned char *s, size_t len, int newline_ok)
{
    if (!text_valid((const char *)s, len))
        return 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = text_decode((const char *)s + i, len - i, &cp, NULL);
        if ((cp < 0x20 && !(newline_ok && cp == '\n')) || (cp >= 0x7f && cp <= 0x9f) ||
            text_cp_is_bidi(cp))
            return 0;
        i += k;
    }
    return 1;
}

static void check_render(const struct chatlog_msg *m, struct chatrender_line *line)
{
    FUZZ_CHECK(m->text_len <= CHATLOG_STORE_TEXT_MAX && m->nick_len <= CHATLOG_STORE_NICK_MAX);
    for (unsigned flags = 0; flags <= TEXT_KEEP_NEWLINE; flags += TEXT_KEEP_NEWLINE) {
        chatrender_msg(m, "ops", flags, line);
        FUZZ_CHECK(line->s && strlen(line->s) == line->len);
        FUZZ_CHECK(
            terminal_safe((const unsigned char *)line->s, line->len, flags & TEXT_KEEP_NEWLINE));
        FUZZ_CHECK(line->nick_off + line->nick_len <= line->len);
        FUZZ_CHECK(line->body_off <= line->len);
    }
}

/* Order and capacity; renders every message when all is set (else the caller renders the new
 * one). */
static void check_log(const struct chatlog *log, struct chatrender_line *line, int all)
{
    size_t n = chatlog_count(log);
    FUZZ_CHECK(n <= LOG_CAP);
    for (size_t i = 0; i < n; i++) {
        const struct chatlog_msg *m = chatlog_get(log, i);
        FUZZ_CHECK(m != NULL);
        if (i > 0)
            FUZZ_CHECK(chatlog_id_cmp(chatlog_get(log, i - 1)->id, m->id) < 0);
        if (all)
            check_render(m, line);
    }
    FUZZ_CHECK(chatlog_get(log, n) == NULL);
    FUZZ_CHECK(chatlog_first_unread(log) <= n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    struct chatlog *log = chatlog_new(LOG_CAP);
    struct chatrender_line line = CHATRENDER_LINE_INIT;
    struct chatlog_id max_remote = {0, 0, 0};
    chatlog_set_nick(log, "bob");

    for (const char *p = s; p <= end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        check_input(p, n);
        check_room(p, n);
        check_id(p, n);
        check_kind(p, n);

        /* "ID KIND NICK TEXT" */
        const char *f[3];
        size_t fl[3], at = 0;
        for (int k = 0; k < 3; k++) {
            f[k] = p + at;
            const char *sp = memchr(p + at, ' ', n - at);
            fl[k] = sp ? (size_t)(sp - (p + at)) : n - at;
            at += fl[k] + (sp != NULL);
        }
        struct chatlog_entry e = {.ts_ms = 1700000000000,
                                  .nick = f[2],
                                  .nick_len = fl[2],
                                  .text = p + at,
                                  .text_len = n - at};
        check_id(f[0], fl[0]);
        chatlog_id_parse(f[0], fl[0], &e.id);
        chatlog_kind_parse(f[1], fl[1], &e.kind);

        size_t before = chatlog_count(log), index = (size_t)-1;
        int held = 0;
        for (size_t i = 0; i < before; i++)
            held |= !chatlog_id_is_zero(e.id) && chatlog_id_cmp(chatlog_get(log, i)->id, e.id) == 0;
        enum chatlog_add_result r = chatlog_add(log, &e, &index);
        if (held)
            FUZZ_CHECK(r == CHATLOG_DUPLICATE && chatlog_count(log) == before);
        if (r == CHATLOG_ADDED) {
            FUZZ_CHECK(index < chatlog_count(log));
            check_render(chatlog_get(log, index), &line);
        }
        if (r == CHATLOG_ADDED && !chatlog_id_is_zero(e.id) && chatlog_id_cmp(e.id, max_remote) > 0)
            max_remote = e.id;
        FUZZ_CHECK(chatlog_id_cmp(chatlog_last_id(log), max_remote) == 0);
        if (nl && (nl - s) % 5 == 0)
            chatlog_mark_read(log);
        check_log(log, &line, 0);
        if (!nl)
            break;
        p = nl + 1;
    }
    check_log(log, &line, 1);
    chatrender_line_free(&line);
    chatlog_free(log);
    return 0;
}
