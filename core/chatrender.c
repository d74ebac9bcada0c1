/* chatrender.c — renders one chat message through the sanitizer (contract in chatrender.h). */
#include "core/chatrender.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static void line_put(struct chatrender_line *l, const char *s, size_t n, unsigned mark)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 128;
        while (cap < l->len + n + 1)
            cap *= 2;
        l->s = xrealloc(l->s, cap);
        l->mark = xrealloc(l->mark, cap);
        l->cap = cap;
    }
    memcpy(l->s + l->len, s, n);
    memset(l->mark + l->len, (int)mark, n);
    l->len += n;
    l->s[l->len] = '\0';
    l->mark[l->len] = 0;
}

static void line_puts(struct chatrender_line *l, const char *s)
{
    line_put(l, s, strlen(s), 0);
}

/* Appends the sanitizer's output in l->tmp, marks included. */
static void line_put_tmp(struct chatrender_line *l)
{
    size_t at = l->len;
    line_put(l, l->tmp.s, l->tmp.len, 0);
    memcpy(l->mark + at, l->tmp.mark, l->tmp.len);
}

static void line_put_nick(struct chatrender_line *l, const char *nick, size_t len, unsigned flags,
                          bool record)
{
    text_sanitize(nick, len, TEXT_NICK | (flags & TEXT_ASCII), &l->tmp);
    size_t at = l->len;
    if (l->tmp.len == 0)
        line_puts(l, "?");
    else
        line_put_tmp(l);
    if (record) {
        l->nick_off = at;
        l->nick_len = l->len - at;
    }
}

static void line_put_text(struct chatrender_line *l, const struct chatlog_msg *m, unsigned flags)
{
    text_sanitize(m->text, m->text_len, flags, &l->tmp);
    line_put_tmp(l);
    if (m->truncated && !l->tmp.truncated) {
        const char *marker = flags & TEXT_ASCII ? "..." : "\xE2\x80\xA6";
        line_put(l, marker, strlen(marker), TEXT_MARK_TRUNC);
    }
}

static void line_put_room(struct chatrender_line *l, const char *room, unsigned flags)
{
    line_puts(l, " #");
    text_sanitize(room, strlen(room), TEXT_NICK | (flags & TEXT_ASCII), &l->tmp);
    line_put_tmp(l);
}

void chatrender_msg(const struct chatlog_msg *m, const char *room, unsigned text_flags,
                    struct chatrender_line *out)
{
    struct chatrender_line *l = out;
    bool has_room = room && *room;
    l->len = 0;
    l->nick_off = l->nick_len = 0;
    if (l->s)
        l->s[0] = '\0';
    switch (m->kind) {
    case CHATLOG_ME:
        l->style = CHATRENDER_STYLE_ACTION;
        line_puts(l, "* ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, " ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_JOIN:
    case CHATLOG_PART:
        l->style = CHATRENDER_STYLE_EVENT;
        line_puts(l, "-!- ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, m->kind == CHATLOG_JOIN ? " has joined" : " has left");
        if (has_room)
            line_put_room(l, room, text_flags);
        l->body_off = l->len;
        if (m->kind == CHATLOG_PART && m->text_len > 0) {
            line_puts(l, " (");
            line_put_text(l, m, text_flags);
            line_puts(l, ")");
        }
        break;
    case CHATLOG_NICK:
        l->style = CHATRENDER_STYLE_EVENT;
        line_puts(l, "-!- ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, " is now known as ");
        l->body_off = l->len;
        line_put_nick(l, m->text, m->text_len, text_flags, false);
        break;
    case CHATLOG_SYSTEM:
        l->style = CHATRENDER_STYLE_SYSTEM;
        line_puts(l, "-!- ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_ALERT:
        l->style = CHATRENDER_STYLE_ALERT;
        line_puts(l, "-!- [alert] ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_MSG:
    default:
        l->style = CHATRENDER_STYLE_MSG;
        line_puts(l, "<");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, "> ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    }
    if (l->s == NULL)
        line_put(l, "", 0, 0);
}

void chatrender_line_free(struct chatrender_line *l)
{
    if (l == NULL)
        return;
    free(l->s);
    free(l->mark);
    text_buf_free(&l->tmp);
    *l = (struct chatrender_line){0};
}
