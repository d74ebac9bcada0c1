/* view_help.c — the help overlay, generated from the key table (ui/keys.c): one section per
 * context, one line per action with all its keys, so it always says what the dispatcher does.
 * A few lines on filters and units follow. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen.h"
#include "ui/ui_impl.h"

#define HELP_MAX_LINES 128

enum help_line_kind { HELP_SECTION, HELP_KEY, HELP_TEXT, HELP_BLANK };

struct help_line {
    enum help_line_kind kind;
    char keys[64];
    const char *text;
};

struct help {
    struct help_line lines[HELP_MAX_LINES];
    int n;
    int visible;
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
    for (size_t i = 0; i < sizeof(help_notes) / sizeof(help_notes[0]); i++)
        add(h, HELP_TEXT, NULL, help_notes[i]);
}

static void help_update(struct ui *ui, void *state, int width, int height)
{
    struct help *h = state;
    (void)width;
    h->visible = height - 2;
    int max = h->n > h->visible ? h->n - h->visible : 0;
    if (ui->help_top > max)
        ui->help_top = max;
    if (ui->help_top < 0)
        ui->help_top = 0;
}

static void help_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct help *h = state;
    char right[32] = "";
    if (h->n > h->visible)
        snprintf(right, sizeof(right), "%d/%d", ui->help_top + h->visible, h->n);
    draw_frame(w, "Keys (? or Esc closes)", right, focused);
    int inner = getmaxx(w) - 2;
    for (int r = 0; r < h->visible; r++) {
        int i = ui->help_top + r;
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
        case HELP_BLANK:
            break;
        }
    }
}

static enum view_key_result help_key(struct ui *ui, void *state, enum key_action a)
{
    struct help *h = state;
    int page = h->visible > 1 ? h->visible - 1 : 1;
    switch (a) {
    case KA_UP:
        ui->help_top--;
        break;
    case KA_DOWN:
        ui->help_top++;
        break;
    case KA_PAGE_UP:
        ui->help_top -= page;
        break;
    case KA_PAGE_DOWN:
        ui->help_top += page;
        break;
    case KA_HOME:
        ui->help_top = 0;
        break;
    case KA_END:
        ui->help_top = h->n;
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    int max = h->n > h->visible ? h->n - h->visible : 0;
    if (ui->help_top > max)
        ui->help_top = max;
    if (ui->help_top < 0)
        ui->help_top = 0;
    return VIEW_KEY_HANDLED;
}

static void *help_create(struct ui *ui)
{
    (void)ui;
    struct help *h = xcalloc(1, sizeof(*h));
    build(h);
    return h;
}

static void help_destroy(void *state)
{
    free(state);
}

const struct view view_help = {
    .name = "help",
    .ctx = KEYCTX_HELP,
    .create = help_create,
    .destroy = help_destroy,
    .update = help_update,
    .draw = help_draw,
    .key = help_key,
};
