/* ui_dispatch.c — input to the interface: keys to the filter prompt, the help overlay, the
 * focused view or the global bindings; pasted text; mouse wheel and clicks; the status line's
 * passing notes. */
#include "ui/ui_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"
#include "ui/screen_draw.h"

#define UI_NOTE_MS 4000 /* how long a status line message stays */

/* ---------------------------------------------------------------------------------------------
 * Keys
 * ------------------------------------------------------------------------------------------ */

/* Appends code point cp to the filter as UTF-8 when it fits. */
static void filter_append(struct model *m, int cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6)), b[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12)), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18)), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    size_t len = strlen(m->filter);
    if (len + n + 1 > sizeof(m->filter))
        return;
    memcpy(m->filter + len, b, n);
    m->filter[len + n] = '\0';
}

/* Removes the last UTF-8 character of the filter. */
static void filter_erase(struct model *m)
{
    size_t len = strlen(m->filter);
    while (len > 0) {
        len--;
        if (((unsigned char)m->filter[len] & 0xC0) != 0x80)
            break;
    }
    m->filter[len] = '\0';
}

static enum ui_result input_key(struct ui *ui, int code)
{
    struct model *m = ui->m;
    switch (keys_lookup(KEYCTX_INPUT, code)) {
    case KA_QUIT_ALWAYS:
        return UI_QUIT;
    case KA_INPUT_ACCEPT:
        ui->input_active = false;
        break;
    case KA_INPUT_CANCEL:
        m->filter[0] = '\0';
        ui->input_active = false;
        break;
    case KA_INPUT_ERASE:
        filter_erase(m);
        break;
    case KA_INPUT_KILL:
        m->filter[0] = '\0';
        break;
    default:
        if (!keys_is_text(code))
            return UI_IDLE;
        filter_append(m, code);
        break;
    }
    m->selected = m->top = 0;
    ui->hints_dirty = true;
    ui_mark(ui, UI_DIRTY_DATA);
    return UI_CHANGED;
}

unsigned ui_focus_ctx(const struct ui *ui)
{
    const struct view_entry *e = &ui->pane[ui->focus].mode;
    return e->view->key_ctx ? e->view->key_ctx(e->state) : e->view->ctx;
}

static void cycle_focus(struct ui *ui, int step)
{
    ui_set_focus(ui, (ui->focus + step + LAYOUT_NPANES) % LAYOUT_NPANES);
}

static void open_help(struct ui *ui)
{
    ui_entry_close(&ui->help);
    struct help_arg arg = {.focus = ui_focus_ctx(ui)}; /* opens at the focused pane's keys (chat) */
    ui->help = ui_entry_open(ui, &view_help, &arg);
    ui->help_open = true;
}

void ui_open_timeline(struct ui *ui)
{
    ui_entry_close(&ui->help);
    struct help_arg arg = {.timeline = ui->m};
    ui->help = ui_entry_open(ui, &view_help, &arg);
    ui->help_open = true;
    ui_mark(ui, UI_DIRTY_ALL);
}

static void close_help(struct ui *ui)
{
    ui->help_open = false;
    ui_entry_close(&ui->help);
}

static enum ui_result help_key(struct ui *ui, int code)
{
    enum key_action a = keys_lookup(KEYCTX_HELP, code);
    if (a == KA_QUIT_ALWAYS)
        return UI_QUIT;
    if (a == KA_CLOSE || a == KA_NONE) { /* any other key closes it too */
        close_help(ui);
        ui_mark(ui, UI_DIRTY_ALL);
        return UI_CHANGED;
    }
    view_help.key(ui, ui->help.state, a);
    return UI_CHANGED;
}

void ui_note(struct ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->note, sizeof(ui->note), fmt, ap);
    va_end(ap);
    ui->note_until_ms = ui->m->now_ms + UI_NOTE_MS;
    ui->status_dirty = true;
}

/* `T`: the next of the model's themes, said on the status line. */
static void next_theme(struct ui *ui)
{
    struct model *m = ui->m;
    if (m->nthemes == 0) {
        ui_note(ui, "no themes to switch to");
        return;
    }
    size_t next = (m->theme_current + 1) % m->nthemes;
    if (screen_set_theme(&m->themes[next]) != 0) {
        ui_note(ui, "colours are off (NO_COLOR, --no-color or the terminal): no theme to show");
        return;
    }
    m->theme_current = next;
    ui_note(ui, "theme %s (%zu of %zu; T: next)", m->themes[next].name, next + 1, m->nthemes);
    ui_mark(ui, UI_DIRTY_ALL);
}

static enum ui_result global_action(struct ui *ui, enum key_action a)
{
    struct model *m = ui->m;
    switch (a) {
    case KA_QUIT:
    case KA_QUIT_ALWAYS:
        return UI_QUIT;
    case KA_HELP:
        open_help(ui);
        ui->hints_dirty = true;
        return UI_CHANGED;
    case KA_REDRAW:
        screen_force_repaint();
        ui_mark(ui, UI_DIRTY_ALL);
        return UI_CHANGED;
    case KA_PAUSE:
        m->paused = !m->paused;
        ui_mark(ui, UI_DIRTY_ALL);
        return UI_CHANGED;
    case KA_MOUSE:
        screen_set_mouse(!screen_mouse());
        ui_note(ui, "%s",
                screen_mouse() ? "mouse on: wheel scrolls, click selects (Shift+drag "
                                 "selects text); m turns it off"
                               : "mouse off: the terminal selects text again");
        return UI_CHANGED;
    case KA_THEME:
        next_theme(ui);
        return UI_CHANGED;
    case KA_FOCUS_NEXT:
        cycle_focus(ui, 1);
        return UI_CHANGED;
    case KA_FOCUS_PREV:
        cycle_focus(ui, -1);
        return UI_CHANGED;
    case KA_FOCUS_1:
        ui_set_focus(ui, LAYOUT_DASHBOARD);
        return UI_CHANGED;
    case KA_FOCUS_2:
        ui_set_focus(ui, LAYOUT_ALERTS);
        return UI_CHANGED;
    case KA_FOCUS_3:
        ui_set_focus(ui, LAYOUT_CHAT);
        return UI_CHANGED;
    case KA_ZOOM:
        ui->zoom = ui->zoom >= 0 ? -1 : ui->focus;
        ui_relayout(ui);
        return UI_CHANGED;
    case KA_DEADLETTERS:
        ui_open_deadletters(ui);
        return UI_CHANGED;
    case KA_WORKERS:
        ui_open_workers(ui);
        return UI_CHANGED;
    default:
        return UI_IDLE;
    }
}

static enum ui_result dispatch_key(struct ui *ui, int code)
{
    if (ui->layout.mode == LAYOUT_TOO_SMALL) {
        enum key_action a = keys_lookup(KEYCTX_GLOBAL, code);
        if (a == KA_QUIT || a == KA_QUIT_ALWAYS)
            return UI_QUIT;
        if (a == KA_REDRAW)
            return global_action(ui, a);
        return UI_IDLE;
    }
    if (ui->help_open)
        return help_key(ui, code);
    if (ui->input_active)
        return input_key(ui, code);
    struct ui_pane *pane = &ui->pane[ui->focus];
    if (pane->mode.view->input &&
        pane->mode.view->input(ui, pane->mode.state, code) == VIEW_KEY_HANDLED) {
        pane->dirty = true;
        return UI_CHANGED;
    }
    enum key_action a = keys_lookup(ui_focus_ctx(ui), code);
    if (a == KA_NONE)
        return UI_IDLE;
    if (pane->mode.view->key(ui, pane->mode.state, a) == VIEW_KEY_HANDLED) {
        pane->dirty = true;
        ui->hints_dirty = true;
        return UI_CHANGED;
    }
    return global_action(ui, a);
}

enum ui_result ui_key(struct ui *ui, int code)
{
    enum ui_result r = dispatch_key(ui, code);
    if (r == UI_CHANGED)
        ui->hints_dirty = true; /* a frame is due even when only the overlay changed */
    return r;
}

enum ui_result ui_paste(struct ui *ui, const char *s, size_t len)
{
    if (ui->layout.mode == LAYOUT_TOO_SMALL || ui->help_open)
        return UI_IDLE;
    struct ui_pane *pane = &ui->pane[ui->focus];
    if (ui->input_active || pane->mode.view->paste == NULL) {
        /* no text input: feed the characters as keys (newlines end a filter) */
        enum ui_result r = UI_IDLE;
        for (size_t i = 0; i < len;) {
            uint32_t cp;
            size_t n = text_decode(s + i, len - i, &cp, NULL);
            enum ui_result k = ui_key(ui, cp == '\n' ? '\r' : (int)cp);
            if (k == UI_QUIT)
                return k;
            if (k == UI_CHANGED)
                r = k;
            i += n;
        }
        return r;
    }
    pane->mode.view->paste(ui, pane->mode.state, s, len);
    pane->dirty = true;
    ui->hints_dirty = true;
    return UI_CHANGED;
}

unsigned ui_feed(struct ui *ui)
{
    return input_feed(ui->input, ui);
}

void ui_bell(void)
{
    beep();
}

enum ui_result ui_mouse(struct ui *ui, const MEVENT *ev)
{
    if (ui->layout.mode == LAYOUT_TOO_SMALL)
        return UI_IDLE;
    bool wheel_up = ev->bstate & BUTTON4_PRESSED;
    bool wheel_down = ev->bstate & BUTTON5_PRESSED;
    if (ui->help_open) {
        if (wheel_up || wheel_down)
            for (int i = 0; i < 3; i++)
                view_help.key(ui, ui->help.state, wheel_up ? KA_UP : KA_DOWN);
        else
            close_help(ui);
        ui_mark(ui, UI_DIRTY_ALL);
        return UI_CHANGED;
    }
    if ((ev->bstate & BUTTON1_PRESSED) && ev->y == ui->layout.status.y &&
        ev->x >= ui->rejected_x0 && ev->x < ui->rejected_x1) { /* "rejected N" */
        ui_open_deadletters(ui);
        return UI_CHANGED;
    }
    int p = layout_pane_at(&ui->layout, ev->x, ev->y);
    if (p < 0)
        return UI_IDLE;
    struct ui_pane *pane = &ui->pane[p];
    const struct view *v = pane->mode.view;
    void *st = pane->mode.state;
    if (wheel_up || wheel_down) {
        for (int i = 0; i < 3; i++)
            v->key(ui, st, wheel_up ? KA_UP : KA_DOWN);
        pane->dirty = true;
        return UI_CHANGED;
    }
    if (ev->bstate & BUTTON1_PRESSED) {
        ui_set_focus(ui, p);
        if (v->click)
            v->click(ui, st, ev->x - pane->rect.x, ev->y - pane->rect.y);
        pane->dirty = true;
        return UI_CHANGED;
    }
    return UI_IDLE;
}
