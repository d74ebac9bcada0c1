/* view_chat.c — the chat panel: the room's lines from the model (time, nick, text; actions,
 * joins and alerts styled apart), newest at the bottom, scrollable with the list keys. The
 * lines and the input line come with the chat feature; this view draws what the model holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen.h"
#include "ui/ui.h"

struct chat {
    size_t scroll; /* lines scrolled up from the newest */
    int visible;
};

static void chat_update(struct ui *ui, void *state, int width, int height)
{
    struct chat *c = state;
    (void)width;
    c->visible = height - 2 > 0 ? height - 2 : 0;
    size_t n = ui->m->nchat, max = n > (size_t)c->visible ? n - (size_t)c->visible : 0;
    if (c->scroll > max)
        c->scroll = max;
}

static void chat_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct chat *c = state;
    const struct model *m = ui->m;
    char title[96];
    snprintf(title, sizeof(title), "Chat%s%s", m->chat_room ? " #" : "",
             m->chat_room ? m->chat_room : "");
    char right[32] = "";
    if (c->scroll)
        snprintf(right, sizeof(right), "%zu more below", c->scroll);
    draw_frame(w, title, right, focused);
    int inner = getmaxx(w) - 2;
    if (m->nchat == 0) {
        draw_center(w, getmaxy(w) / 2, "No messages yet", screen_attr(THEME_DIM));
        return;
    }
    size_t end = m->nchat - c->scroll;
    size_t start = end > (size_t)c->visible ? end - (size_t)c->visible : 0;
    for (size_t i = start; i < end; i++) {
        const struct model_chat_line *l = &m->chat[i];
        int y = 1 + (int)(i - start), x = 1;
        char ts[8] = "", line[1200];
        time_t t = (time_t)(l->ts_ms / 1000);
        struct tm tm;
        if (localtime_r(&t, &tm))
            strftime(ts, sizeof(ts), "%H:%M", &tm);
        x += draw_str(w, y, x, inner, ts, screen_attr(THEME_DIM)) + 1;
        const char *kind = l->kind ? l->kind : "msg";
        const char *nick = l->nick ? l->nick : "?", *text = l->text ? l->text : "";
        attr_t a = screen_attr(l->mention ? THEME_MARKER : THEME_NORMAL);
        if (strcmp(kind, "msg") == 0) {
            x += draw_str(w, y, x, inner + 1 - x, nick, screen_attr(THEME_TITLE));
            x += draw_str(w, y, x, inner + 1 - x, ": ", a);
            snprintf(line, sizeof(line), "%s", text);
        } else if (strcmp(kind, "me") == 0) {
            snprintf(line, sizeof(line), "* %s %s", nick, text);
        } else if (strcmp(kind, "alert") == 0) {
            a = screen_attr(THEME_SEV_WARN);
            snprintf(line, sizeof(line), "%s %s", screen_glyphs()->warn, text);
        } else {
            a = screen_attr(THEME_DIM);
            snprintf(line, sizeof(line), "-- %s %s", nick, text);
        }
        if (x <= inner)
            draw_text(w, y, x, inner + 1 - x, line, COLFMT_LEFT, a);
    }
}

static enum view_key_result chat_key(struct ui *ui, void *state, enum key_action a)
{
    struct chat *c = state;
    size_t n = ui->m->nchat, page = c->visible > 1 ? (size_t)c->visible - 1 : 1;
    size_t max = n > (size_t)c->visible ? n - (size_t)c->visible : 0;
    switch (a) {
    case KA_UP:
        c->scroll = c->scroll < max ? c->scroll + 1 : max;
        break;
    case KA_DOWN:
        c->scroll = c->scroll ? c->scroll - 1 : 0;
        break;
    case KA_PAGE_UP:
        c->scroll = c->scroll + page < max ? c->scroll + page : max;
        break;
    case KA_PAGE_DOWN:
        c->scroll = c->scroll > page ? c->scroll - page : 0;
        break;
    case KA_HOME:
        c->scroll = max;
        break;
    case KA_END:
        c->scroll = 0;
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    return VIEW_KEY_HANDLED;
}

static void *chat_create(struct ui *ui)
{
    (void)ui;
    return xcalloc(1, sizeof(struct chat));
}

static void chat_destroy(void *state)
{
    free(state);
}

const struct view view_chat = {
    .name = "chat",
    .ctx = KEYCTX_LIST,
    .create = chat_create,
    .destroy = chat_destroy,
    .update = chat_update,
    .draw = chat_draw,
    .key = chat_key,
};
