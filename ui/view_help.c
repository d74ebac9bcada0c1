/* view_help.c — the help overlay, generated from the key table (ui/keys.c): one section per
 * context, one line per action with all its keys, so it always says what the dispatcher does.
 * The chat commands (core/chatinput's help) and a few lines on filters and units follow. Opened
 * with a timeline (struct help_arg), the same overlay shows the model's incident timeline instead
 * (ui_open_timeline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chatinput.h"
#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

#define HELP_MAX_LINES 256

enum help_line_kind { HELP_SECTION, HELP_KEY, HELP_TEXT, HELP_TEXT_NORMAL, HELP_LINE, HELP_BLANK };

struct help_line {
    enum help_line_kind kind;
    unsigned ctx; /* HELP_SECTION: the key context it lists */
    char keys[64];
    const char *text;
};

struct help {
    const struct model *timeline; /* NULL: the keys */
    struct help_line lines[HELP_MAX_LINES];
    int n;
    int visible;
    size_t top; /* first line shown */
};

static const char *const help_notes[] = {
    "Filter: with braces a selector, e.g. latency_ms{region=eu,service!=web},",
    "  else a case-insensitive substring of the series key.",
    "Values: names ending in _ms, _us, _seconds (or with latency or duration)",
    "  show as durations, _bytes as sizes. Quantiles are within 1 %.",
    "Options: --theme NAME, --no-color (or NO_COLOR), --ascii, --mouse.",
};

static void add(struct help *h, enum help_line_kind kind, const char *keys, const char *text)
{
    if (h->n >= HELP_MAX_LINES)
        return;
    struct help_line *l = &h->lines[h->n++];
    l->kind = kind;
    snprintf(l->keys, sizeof(l->keys), "%s", keys ? keys : "");
    l->text = text;
}

/* Builds the lines from the key table: sections are runs of the same context; consecutive
 * bindings of one action share a line ("Up k"). */
static void build(struct help *h)
{
    h->n = 0;
    unsigned ctx = 0;
    for (size_t i = 0; i < keys_count;) {
        const struct key_binding *b = &keys_table[i];
        if (b->ctx != ctx) {
            if (h->n)
                add(h, HELP_BLANK, NULL, NULL);
            add(h, HELP_SECTION, NULL, keys_ctx_name(b->ctx));
            h->lines[h->n - 1].ctx = b->ctx;
            ctx = b->ctx;
        }
        char keys[64] = "";
        size_t j = i, len = 0;
        for (; j < keys_count && keys_table[j].ctx == b->ctx && keys_table[j].action == b->action;
             j++) {
            const char *label = keys_table[j].label;
            if (label == NULL)
                continue;
            int k = snprintf(keys + len, sizeof(keys) - len, "%s%s", len ? " " : "", label);
            if (k > 0 && (size_t)k < sizeof(keys) - len)
                len += (size_t)k;
        }
        add(h, HELP_KEY, keys, b->help ? b->help : "");
        i = j;
    }
    add(h, HELP_BLANK, NULL, NULL);
    add(h, HELP_SECTION, NULL, "Chat commands (typed in the chat pane)");
    for (size_t i = 0; chatinput_help_line(i); i++)
        if (chatinput_help_line(i)[0] == '/')
            add(h, HELP_TEXT_NORMAL, NULL, chatinput_help_line(i));
    add(h, HELP_BLANK, NULL, NULL);
    for (size_t i = 0; i < sizeof(help_notes) / sizeof(help_notes[0]); i++)
        add(h, HELP_TEXT, NULL, help_notes[i]);
}

/* The scroll position as a list cursor: the first line shown is the selected one, among the
 * positions that keep the page full (one when everything fits). */
static struct listcursor scroll_cursor(const struct help *h)
{
    size_t max = h->n > h->visible ? (size_t)(h->n - h->visible) : 0;
    return (struct listcursor){
        .selected = h->top, .top = h->top, .count = max + 1, .height = h->visible};
}

/* The timeline's lines, the last HELP_MAX_LINES of them when there are more. */
static void build_timeline(struct help *h)
{
    const struct model *m = h->timeline;
    size_t skip = m->ntimeline > HELP_MAX_LINES ? m->ntimeline - HELP_MAX_LINES : 0;
    h->n = 0;
    for (size_t i = skip; i < m->ntimeline; i++)
        add(h, HELP_LINE, NULL, m->timeline_lines[i]);
}

static void help_update(struct ui *ui, void *state, int width, int height)
{
    struct help *h = state;
    (void)ui;
    (void)width;
    if (h->timeline)
        build_timeline(h);
    h->visible = height - 2;
    struct listcursor lc = scroll_cursor(h);
    listcursor_clamp(&lc);
    h->top = lc.selected;
}

static void help_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct help *h = state;
    (void)ui;
    char right[32] = "";
    if (h->n > h->visible)
        snprintf(right, sizeof(right), "%d/%d", (int)h->top + h->visible, h->n);
    char title[192];
    snprintf(title, sizeof title, "%s",
             h->timeline ? h->timeline->timeline_title : "Keys (? or Esc closes)");
    draw_frame(w, title, right, focused);
    int inner = getmaxx(w) - 2;
    for (int r = 0; r < h->visible; r++) {
        int i = (int)h->top + r;
        if (i >= h->n)
            break;
        const struct help_line *l = &h->lines[i];
        int y = 1 + r;
        switch (l->kind) {
        case HELP_SECTION:
            draw_text(w, y, 2, inner - 2, l->text, COLFMT_LEFT, screen_attr(THEME_HEADER));
            break;
        case HELP_KEY:
            draw_text(w, y, 3, 16, l->keys, COLFMT_LEFT, screen_attr(THEME_HINT_KEY));
            draw_text(w, y, 20, inner - 19, l->text, COLFMT_LEFT, screen_attr(THEME_NORMAL));
            break;
        case HELP_TEXT:
            draw_text(w, y, 2, inner - 2, l->text, COLFMT_LEFT, screen_attr(THEME_DIM));
            break;
        case HELP_TEXT_NORMAL:
            draw_text(w, y, 3, inner - 3, l->text, COLFMT_LEFT, screen_attr(THEME_NORMAL));
            break;
        case HELP_LINE:
            draw_text(w, y, 1, inner, l->text, COLFMT_LEFT, screen_attr(THEME_NORMAL));
            break;
        case HELP_BLANK:
            break;
        }
    }
}

static enum view_key_result help_key(struct ui *ui, void *state, enum key_action a)
{
    struct help *h = state;
    (void)ui;
    struct listcursor lc = scroll_cursor(h);
    if (!listcursor_key(&lc, keys_list_key(a)))
        return VIEW_KEY_IGNORED;
    h->top = lc.selected;
    return VIEW_KEY_HANDLED;
}

/* arg: the key context of the focused pane (const unsigned *), or NULL. Opened from the chat
 * pane, the help starts at the chat's keys (what the everywhere keys do is a PgUp away);
 * elsewhere at the top. */
static void *help_init(struct ui *ui, const void *arg)
{
    (void)ui;
    struct help *h = xcalloc(1, sizeof(*h));
    const struct help_arg *ha = arg;
    h->timeline = ha ? ha->timeline : NULL;
    if (h->timeline) {
        build_timeline(h);
        return h;
    }
    build(h);
    /* from the chat: the first section of the chat's own keys (not the shared list keys) */
    const unsigned chat = KEYCTX_CHAT | KEYCTX_CHAT_INPUT;
    unsigned focus = ha ? ha->focus : 0;
    if (focus & chat)
        for (int i = 0; i < h->n; i++)
            if (h->lines[i].kind == HELP_SECTION && (h->lines[i].ctx & focus) &&
                (h->lines[i].ctx & ~chat) == 0) {
                h->top = (size_t)i; /* help_update clamps it to a full page */
                break;
            }
    return h;
}

static void help_free(void *state)
{
    free(state);
}

const struct view view_help = {
    .name = "help",
    .ctx = KEYCTX_HELP,
    .init = help_init,
    .free = help_free,
    .update = help_update,
    .draw = help_draw,
    .key = help_key,
};
