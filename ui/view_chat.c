/* view_chat.c — the chat pane: the room's messages (time, nick in its own colour, actions,
 * joins, system and alert lines styled apart, mentions highlighted), wrapped by display width,
 * scrollback with an unread marker, and the input line with its editor, history, nick
 * completion and bracketed paste. Every message goes through chatrender_msg (the sanitizer)
 * before it is drawn; the view never talks to Redis: lines typed go to model.chat.submit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/chatlog.h"
#include "core/chatrender.h"
#include "core/lineedit.h"
#include "core/mem.h"
#include "core/text.h"
#include "core/wrap.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

#define CHATVIEW_TIME_COLS 6   /* "HH:MM " before every message; continuation lines indent */
#define CHATVIEW_PASTE_ASK 5   /* a paste of more lines than this asks before sending */
#define CHATVIEW_PAIR_BASE 64  /* colour pairs for nicks start here (ui/screen uses 1..roles) */
#define CHATVIEW_MAX_WRAP 4096 /* wrapped lines per message, at most */

/* Nick colours: xterm-256 indices that read on dark and light backgrounds, and the basic six
 * for 8-colour terminals. A nick's colour is text_nick_color(nick, n), the same everywhere. */
static const short nick_colors_256[] = {31,  35,  37,  40,  68,  72,  99,  105, 113,
                                        128, 134, 141, 166, 169, 172, 178, 203, 208};
static const short nick_colors_8[] = {COLOR_RED,  COLOR_GREEN,   COLOR_YELLOW,
                                      COLOR_BLUE, COLOR_MAGENTA, COLOR_CYAN};

struct chatview {
    size_t scroll;    /* display lines scrolled up from the newest */
    bool typing;      /* the input line takes the keys (Esc leaves it) */
    bool was_focused; /* focused at the last draw too: new messages are being read */
    bool paste_ask;   /* a long paste waits for y or n */
    int rows;         /* message rows of the last update */
    int ncolors;      /* nick colour pairs set up (0: none, bold instead) */
    bool colors_tried;
    struct chatrender_line line;
    struct wrap_line *wl;
    char *buf; /* "HH:MM " + the rendered line */
    unsigned char *mark;
    size_t buf_cap;
};

/* ---------------------------------------------------------------------------------------------
 * Nick colours
 * ------------------------------------------------------------------------------------------ */

static void setup_colors(struct chatview *v)
{
    if (v->colors_tried)
        return;
    v->colors_tried = true;
    if (!screen_color() || COLORS < 8)
        return;
    const short *pal = COLORS >= 256 ? nick_colors_256 : nick_colors_8;
    int n = COLORS >= 256 ? (int)(sizeof(nick_colors_256) / sizeof(short))
                          : (int)(sizeof(nick_colors_8) / sizeof(short));
    if (COLOR_PAIRS <= CHATVIEW_PAIR_BASE + n)
        return;
    for (int i = 0; i < n; i++)
        if (init_pair((short)(CHATVIEW_PAIR_BASE + i), pal[i], -1) == ERR &&
            init_pair((short)(CHATVIEW_PAIR_BASE + i), pal[i], COLOR_BLACK) == ERR)
            return;
    v->ncolors = n;
}

static attr_t nick_attr(const struct chatview *v, const char *nick, size_t len)
{
    if (v->ncolors == 0)
        return A_BOLD;
    char tmp[TEXT_NICK_MAX_BYTES + 1];
    snprintf(tmp, sizeof(tmp), "%.*s", (int)len, nick);
    return COLOR_PAIR(CHATVIEW_PAIR_BASE + text_nick_color(tmp, v->ncolors)) | A_BOLD;
}

/* ---------------------------------------------------------------------------------------------
 * Laying a message out
 * ------------------------------------------------------------------------------------------ */

/* Renders message m into v->buf/v->mark ("HH:MM " + the safe line) and wraps it to width.
 * Returns the number of lines (at least 1), stored in v->wl. */
static size_t layout_msg(struct chatview *v, const struct model_chat *mc,
                         const struct chatlog_msg *m, int width)
{
    unsigned flags = TEXT_KEEP_NEWLINE | TEXT_EXPAND_TAB | (screen_ascii() ? TEXT_ASCII : 0);
    chatrender_msg(m, mc->room, flags, &v->line);
    size_t need = CHATVIEW_TIME_COLS + v->line.len + 1;
    if (need > v->buf_cap) {
        v->buf_cap = need * 2;
        v->buf = xrealloc(v->buf, v->buf_cap);
        v->mark = xrealloc(v->mark, v->buf_cap);
    }
    char ts[16] = "--:--";
    time_t t = (time_t)(m->ts_ms / 1000);
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(ts, sizeof(ts), "%H:%M", &tm);
    snprintf(v->buf, CHATVIEW_TIME_COLS + 1, "%-5.5s ", ts);
    memset(v->mark, 0, CHATVIEW_TIME_COLS);
    memcpy(v->buf + CHATVIEW_TIME_COLS, v->line.s, v->line.len + 1);
    memcpy(v->mark + CHATVIEW_TIME_COLS, v->line.mark, v->line.len);
    if (screen_ascii()) { /* a non-UTF-8 terminal: one '?' per non-ASCII character */
        size_t o = 0;
        for (size_t i = 0; i < CHATVIEW_TIME_COLS + v->line.len;) {
            uint32_t cp;
            size_t n = text_decode(v->buf + i, CHATVIEW_TIME_COLS + v->line.len - i, &cp, NULL);
            v->mark[o] = v->mark[i];
            v->buf[o++] = cp < 0x80 ? (char)cp : '?';
            i += n;
        }
        v->buf[o] = '\0';
    }
    size_t len = strlen(v->buf);
    size_t n = wrap_text(v->buf, len, width, CHATVIEW_TIME_COLS, v->wl, CHATVIEW_MAX_WRAP);
    if (n > CHATVIEW_MAX_WRAP)
        n = CHATVIEW_MAX_WRAP;
    return n ? n : 1;
}

/* The attributes of byte off of the laid-out message. */
static attr_t byte_attr(const struct chatview *v, const struct chatlog_msg *m, size_t off)
{
    const struct chatrender_line *l = &v->line;
    size_t nick0 = CHATVIEW_TIME_COLS + l->nick_off, body0 = CHATVIEW_TIME_COLS + l->body_off;
    attr_t a;
    if (off < CHATVIEW_TIME_COLS) {
        a = screen_attr(THEME_DIM);
    } else if (l->nick_len && off >= nick0 && off < nick0 + l->nick_len) {
        a = nick_attr(v, v->buf + nick0, l->nick_len);
        if (m->mention)
            a |= A_REVERSE;
    } else {
        bool body = off >= body0;
        switch (l->style) {
        case CHATRENDER_STYLE_ACTION:
            a = screen_attr(THEME_NORMAL) | A_BOLD;
            break;
        case CHATRENDER_STYLE_EVENT:
            a = screen_attr(THEME_DIM);
            break;
        case CHATRENDER_STYLE_SYSTEM:
            a = screen_attr(m->id.local ? THEME_DIM : THEME_SEV_INFO);
            break;
        case CHATRENDER_STYLE_ALERT:
            a = screen_attr(THEME_SEV_WARN) | A_BOLD;
            break;
        default:
            a = screen_attr(body ? THEME_NORMAL : THEME_DIM);
            break;
        }
        if (body && m->mention)
            a = screen_attr(THEME_MARKER) | A_BOLD;
    }
    if (v->mark[off] & TEXT_MARK_CTRL)
        a |= A_REVERSE;
    if (v->mark[off] & TEXT_MARK_TRUNC)
        a = screen_attr(THEME_DIM);
    return a;
}

/* Draws wrapped line k of the laid-out message at row y, from column x0. */
static void draw_wrapped(WINDOW *w, const struct chatview *v, const struct chatlog_msg *m, size_t k,
                         int y, int x0, int width)
{
    const struct wrap_line *wl = &v->wl[k];
    int x = x0 + wl->indent;
    size_t off = wl->off, end = wl->off + wl->len;
    while (off < end && x < x0 + width) {
        attr_t a = byte_attr(v, m, off);
        size_t run = off + 1;
        while (run < end && byte_attr(v, m, run) == a)
            run++;
        /* never cut a character: extend the run to a code point boundary */
        while (run < end && ((unsigned char)v->buf[run] & 0xC0) == 0x80)
            run++;
        int cols = (int)text_width(v->buf + off, run - off);
        wattrset(w, (int)a);
        mvwaddnstr(w, y, x, v->buf + off, (int)(run - off));
        x += cols;
        off = run;
    }
    wattrset(w, A_NORMAL);
}

/* ---------------------------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------------------------ */

static void chat_update(struct ui *ui, void *state, int width, int height)
{
    struct chatview *v = state;
    (void)ui, (void)width;
    v->rows = height - 3 > 0 ? height - 3 : 0; /* border, border, input line */
}

/* Draws the messages bottom-up into rows 1..rows. Returns the display lines laid out (all of
 * them when the top of the log was reached, which *at_top tells). */
static size_t draw_messages(struct chatview *v, const struct model_chat *mc, WINDOW *w, int width,
                            bool *at_top)
{
    struct chatlog *log = mc->log;
    size_t count = chatlog_count(log), first_unread = chatlog_first_unread(log);
    /* the marker goes above the first unread message from someone else */
    while (first_unread < count &&
           (chatlog_get(log, first_unread)->own || chatlog_get(log, first_unread)->id.local != 0 ||
            (mc->hide_alerts && chatlog_get(log, first_unread)->kind == CHATLOG_ALERT)))
        first_unread++;
    bool marker = first_unread < count;
    size_t below = 0, want = v->scroll + (size_t)v->rows;
    *at_top = true;
    for (size_t i = count; i-- > 0;) {
        if (below >= want) {
            *at_top = false;
            return below;
        }
        const struct chatlog_msg *m = chatlog_get(log, i);
        if (mc->hide_alerts && m->kind == CHATLOG_ALERT)
            continue;
        size_t n = layout_msg(v, mc, m, width);
        for (size_t k = 0; k < n; k++) {
            size_t from_bottom = below + (n - 1 - k);
            if (from_bottom >= v->scroll && from_bottom < want)
                draw_wrapped(w, v, m, k, v->rows - (int)(from_bottom - v->scroll), 1, width);
        }
        below += n;
        if (marker && i == first_unread) { /* "new" marker above the first unread message */
            if (below >= v->scroll && below < want) {
                int y = v->rows - (int)(below - v->scroll);
                attr_t a = screen_attr(THEME_MARKER);
                wattrset(w, (int)a);
                mvwhline(w, y, 1, screen_ascii() ? '-' : ACS_HLINE, width);
                draw_center(w, y, " new ", a);
                wattrset(w, A_NORMAL);
            }
            below++;
        }
    }
    return below;
}

static void draw_input(struct chatview *v, const struct model_chat *mc, WINDOW *w, int y, int width,
                       bool focused)
{
    attr_t dim = screen_attr(THEME_DIM), in = screen_attr(THEME_INPUT);
    if (v->paste_ask) {
        char q[96];
        snprintf(q, sizeof(q), "Send %zu pasted lines (one message each)? y/n",
                 lineedit_line_count(mc->input));
        draw_text(w, y, 1, width, q, COLFMT_LEFT, screen_attr(THEME_MARKER) | A_BOLD);
        return;
    }
    char prompt[TEXT_NICK_MAX_BYTES + 8];
    struct text_buf nb = TEXT_BUF_INIT;
    text_sanitize(mc->nick ? mc->nick : "", mc->nick ? strlen(mc->nick) : 0,
                  TEXT_NICK | (screen_ascii() ? TEXT_ASCII : 0), &nb);
    snprintf(prompt, sizeof(prompt), "[%s] ", nb.s);
    text_buf_free(&nb);
    int x = 1 + draw_str(w, y, 1, width / 3, prompt, dim);
    int field = width - (x - 1);
    size_t len;
    const char *text = lineedit_text(mc->input, &len);
    if (len == 0 && !(focused && v->typing)) {
        const char *hint = mc->room && *mc->room ? (focused ? "Enter to type" : "3 or Tab to chat")
                                                 : "not in a room: /join ROOM";
        draw_str(w, y, x, field, hint, dim);
        return;
    }
    struct lineedit_view lv;
    lineedit_render(mc->input, field, &lv);
    int cx = x;
    for (size_t off = lv.off; off < lv.off + lv.len;) {
        size_t next = text_cluster_next(text, lv.off + lv.len, off, NULL);
        if (text[off] == '\n') {
            wattrset(w, (int)(dim | A_REVERSE));
            mvwaddstr(w, y, cx, screen_ascii() ? "/" : "\xe2\x86\xb5"); /* ↵ */
            cx += 1;
        } else if (screen_ascii() && (unsigned char)text[off] >= 0x80) {
            wattrset(w, (int)in);
            mvwaddstr(w, y, cx, "?");
            cx += 1;
        } else {
            /* a cluster's trailing ZWJ is not drawn: a terminal would join it with the next
             * emoji into fewer columns than curses counts (see text_sanitize) */
            size_t n = next - off;
            if (n > 3 && memcmp(text + next - 3, "\xe2\x80\x8d", 3) == 0)
                n -= 3;
            wattrset(w, (int)in);
            mvwaddnstr(w, y, cx, text + off, (int)n);
            cx += (int)text_width(text + off, n);
        }
        off = next;
    }
    wattrset(w, A_NORMAL);
    if (focused && v->typing) /* the cursor: the cell under it in reverse video */
        mvwchgat(w, y, x + lv.cursor_col, 1, A_REVERSE, 0, NULL);
}

static void chat_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct chatview *v = state;
    const struct model_chat *mc = &ui->m->chat;
    int width = getmaxx(w) - 2, height = getmaxy(w);
    setup_colors(v);
    if (!focused)
        v->typing = true; /* focusing the pane later goes straight to typing */
    /* Looking at the newest messages reads them; the marker shows where the unread ones began
     * for one frame after the focus arrives, and while scrolled up. */
    if (focused && v->was_focused && v->scroll == 0 && mc->log)
        chatlog_mark_read(mc->log);
    v->was_focused = focused;

    char title[256];
    struct text_buf rb = TEXT_BUF_INIT;
    const char *room = mc->room ? mc->room : "";
    text_sanitize(room, strlen(room), TEXT_NICK, &rb);
    size_t online = mc->online ? mc->online->n : 0;
    int n = snprintf(title, sizeof(title), "Chat%s%s", *room ? " #" : "", rb.s);
    text_buf_free(&rb);
    if (*room && n > 0 && (size_t)n < sizeof(title)) {
        n += snprintf(title + n, sizeof(title) - (size_t)n, " %s %zu online", screen_glyphs()->dot,
                      online);
        for (size_t i = 0; i < online && i < 12 && (size_t)n < sizeof(title) - 1; i++) {
            struct text_buf nb = TEXT_BUF_INIT;
            const char *nick = mc->online->nicks[i];
            text_sanitize(nick, strlen(nick), TEXT_NICK, &nb);
            n += snprintf(title + n, sizeof(title) - (size_t)n, "%s%s", i ? ", " : ": ", nb.s);
            text_buf_free(&nb);
        }
    }
    char right[64] = "";
    size_t unread = mc->log ? chatlog_unread(mc->log, NULL) : 0;
    if (mc->state && strcmp(mc->state, "up") != 0)
        snprintf(right, sizeof(right), "%s", mc->state);
    else if (v->scroll > 0 && unread > 0)
        snprintf(right, sizeof(right), "%zu new %s", unread, screen_ascii() ? "v" : "\xe2\x86\x93");
    else if (v->scroll > 0)
        snprintf(right, sizeof(right), "scrolled %zu", v->scroll);
    else if (mc->hide_alerts)
        snprintf(right, sizeof(right), "alerts hidden");
    draw_frame(w, title, right, focused);
    if (width <= CHATVIEW_TIME_COLS + 2 || height < 4 || mc->log == NULL) {
        if (mc->log == NULL)
            draw_center(w, height / 2, "Chat is off", screen_attr(THEME_DIM));
        return;
    }
    v->rows = height - 3;
    if (chatlog_count(mc->log) == 0) {
        draw_center(w, 1 + v->rows / 2, "No messages yet", screen_attr(THEME_DIM));
    } else {
        bool at_top;
        size_t total = draw_messages(v, mc, w, width, &at_top);
        if (at_top && v->scroll > 0 && v->scroll + (size_t)v->rows > total) {
            /* scrolled past the oldest line: settle on the top page and draw again */
            v->scroll = total > (size_t)v->rows ? total - (size_t)v->rows : 0;
            for (int y = 1; y <= v->rows; y++)
                mvwhline(w, y, 1, ' ', width);
            draw_messages(v, mc, w, width, &at_top);
        }
    }
    draw_input(v, mc, w, height - 2, width, focused);
}

/* ---------------------------------------------------------------------------------------------
 * Keys: the list keys (not typing), the input line (typing), pastes
 * ------------------------------------------------------------------------------------------ */

static void notice(struct ui *ui, const char *text)
{
    struct chatlog *log = ui->m->chat.log;
    if (log)
        chatlog_add_local(log, CHATLOG_SYSTEM, ui->m->now_ms, text, strlen(text));
}

static void at_bottom_read(struct ui *ui, struct chatview *v)
{
    if (v->scroll == 0 && ui->m->chat.log)
        chatlog_mark_read(ui->m->chat.log);
}

static enum view_key_result chat_key(struct ui *ui, void *state, enum key_action a)
{
    struct chatview *v = state;
    /* the lines scrolled back as a list cursor counted from the newest (Up goes back); how far
     * back there is to go is known when drawn, which clamps it */
    struct listcursor lc = {
        .selected = v->scroll, .count = (size_t)-1 / 2 + 1, .height = v->rows, .reversed = true};
    if (!listcursor_key(&lc, keys_list_key(a)))
        return VIEW_KEY_IGNORED;
    v->scroll = lc.selected;
    at_bottom_read(ui, v);
    return VIEW_KEY_HANDLED;
}

/* Sends the input line (each of its lines when a paste made several) and clears it. */
static void submit(struct ui *ui, struct chatview *v)
{
    struct model_chat *mc = &ui->m->chat;
    size_t len;
    const char *text = lineedit_text(mc->input, &len);
    char *copy = xstrndup(text, len);
    lineedit_accept(mc->input);
    v->paste_ask = false;
    v->scroll = 0;
    for (char *line = copy, *nl; line; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = '\0';
        if (mc->submit && *line)
            mc->submit(mc->privdata, line, strlen(line));
    }
    free(copy);
    if (mc->log)
        chatlog_mark_read(mc->log);
}

/* After text came into the editor: a multi-line buffer is sent, asking first when long. */
static void after_insert(struct ui *ui, struct chatview *v)
{
    size_t lines = lineedit_line_count(ui->m->chat.input);
    if (lines <= 1)
        return;
    if (lines > CHATVIEW_PASTE_ASK)
        v->paste_ask = true;
    else
        submit(ui, v);
}

static enum view_key_result paste_answer(struct ui *ui, struct chatview *v, int code)
{
    if (code == 'y' || code == 'Y') {
        submit(ui, v);
    } else if (code == 'n' || code == 'N' || code == 27) {
        lineedit_clear(ui->m->chat.input);
        v->paste_ask = false;
        notice(ui, "paste not sent");
    } else if (code == 3) {
        return VIEW_KEY_IGNORED; /* Ctrl-C still quits */
    }
    return VIEW_KEY_HANDLED;
}

static void insert_cp(struct ui *ui, struct chatview *v, int code)
{
    char b[4];
    size_t n = text_encode((uint32_t)code, b);
    if (n && lineedit_insert(ui->m->chat.input, b, n) == LINEEDIT_FULL)
        notice(ui, "the input line is full");
    (void)v;
}

static void complete(struct ui *ui)
{
    const struct model_chat *mc = &ui->m->chat;
    if (mc->online == NULL || mc->online->n == 0)
        return;
    const char **cands = xcalloc(mc->online->n, sizeof(*cands));
    size_t n = 0;
    for (size_t i = 0; i < mc->online->n; i++)
        if (mc->nick == NULL || strcmp(mc->online->nicks[i], mc->nick) != 0)
            cands[n++] = mc->online->nicks[i];
    lineedit_complete(mc->input, cands, n);
    free(cands);
}

/* The key context: typing (the input line takes the keys) or moving in the messages. */
static unsigned chat_key_ctx(void *state)
{
    const struct chatview *v = state;
    return v->typing ? KEYCTX_CHAT_INPUT : KEYCTX_LIST | KEYCTX_CHAT;
}

/* The line editor's part of a typing action; false when the action is not an edit. */
static bool edit(struct lineedit *le, struct chatview *v, enum key_action a)
{
    switch (a) {
    case KA_EDIT_LEFT:
        lineedit_left(le);
        break;
    case KA_EDIT_RIGHT:
        lineedit_right(le);
        break;
    case KA_EDIT_HOME:
        lineedit_home(le);
        break;
    case KA_EDIT_END:
        lineedit_end(le);
        break;
    case KA_CHAT_END: /* at the end already: back to the newest messages */
        if (lineedit_end(le) == LINEEDIT_NOOP)
            v->scroll = 0;
        break;
    case KA_EDIT_BACKSPACE:
        lineedit_backspace(le);
        break;
    case KA_EDIT_DELETE:
        lineedit_delete(le);
        break;
    case KA_EDIT_KILL_START:
        lineedit_kill_to_start(le);
        break;
    case KA_EDIT_KILL_END:
        lineedit_kill_to_end(le);
        break;
    case KA_EDIT_KILL_WORD:
        lineedit_kill_word(le);
        break;
    case KA_EDIT_YANK:
        lineedit_yank(le);
        break;
    case KA_HISTORY_PREV:
        lineedit_history_prev(le);
        break;
    case KA_HISTORY_NEXT:
        lineedit_history_next(le);
        break;
    default:
        return false;
    }
    return true;
}

/* Every key while the pane has focus, before the key table: the bindings of KEYCTX_CHAT_INPUT
 * (ui/keys.c) while typing, else Enter or i to type again. */
static enum view_key_result chat_input(struct ui *ui, void *state, int code)
{
    struct chatview *v = state;
    struct model_chat *mc = &ui->m->chat;
    if (mc->log == NULL || mc->input == NULL)
        return VIEW_KEY_IGNORED;
    if (v->paste_ask)
        return paste_answer(ui, v, code);
    if (!v->typing) { /* list mode: the rest goes to the key table */
        if (keys_lookup(KEYCTX_CHAT, code) != KA_CHAT_TYPE)
            return VIEW_KEY_IGNORED;
        v->typing = true;
        return VIEW_KEY_HANDLED;
    }
    enum key_action a = keys_lookup(KEYCTX_CHAT_INPUT, code);
    switch (a) {
    case KA_CHAT_SEND:
        submit(ui, v);
        break;
    case KA_CHAT_LEAVE: /* so q, Tab and the list keys work */
        v->typing = false;
        break;
    case KA_CHAT_COMPLETE:
        complete(ui);
        break;
    case KA_PAGE_UP:
    case KA_PAGE_DOWN:
        return chat_key(ui, v, a);
    default:
        if (edit(mc->input, v, a))
            break;
        if (a != KA_NONE || !keys_is_text(code))
            return VIEW_KEY_IGNORED; /* Ctrl-C, Ctrl-L, F1, Shift-Tab, ...: the key table */
        insert_cp(ui, v, code);
        break;
    }
    at_bottom_read(ui, v);
    return VIEW_KEY_HANDLED;
}

static void chat_paste(struct ui *ui, void *state, const char *s, size_t len)
{
    struct chatview *v = state;
    struct model_chat *mc = &ui->m->chat;
    if (mc->log == NULL || mc->input == NULL || v->paste_ask)
        return;
    v->typing = true;
    if (lineedit_insert(mc->input, s, len) == LINEEDIT_FULL) {
        notice(ui, "paste too long for the input line: not inserted");
        return;
    }
    after_insert(ui, v);
}

static void *chat_init(struct ui *ui, const void *arg)
{
    (void)ui;
    (void)arg;
    struct chatview *v = xcalloc(1, sizeof(*v));
    v->typing = true;
    v->wl = xcalloc(CHATVIEW_MAX_WRAP, sizeof(*v->wl));
    return v;
}

static void chat_free(void *state)
{
    struct chatview *v = state;
    if (v == NULL)
        return;
    chatrender_line_free(&v->line);
    free(v->wl);
    free(v->buf);
    free(v->mark);
    free(v);
}

const struct view view_chat = {
    .name = "chat",
    .ctx = KEYCTX_LIST | KEYCTX_CHAT,
    .key_ctx = chat_key_ctx,
    .init = chat_init,
    .free = chat_free,
    .update = chat_update,
    .draw = chat_draw,
    .key = chat_key,
    .input = chat_input,
    .paste = chat_paste,
};
