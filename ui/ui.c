/* ui.c — panes, focus, zoom, the detail and dead-letter views over the table, the status and
 * hint lines, and frames. Input goes through ui/ui_dispatch. */
#include "ui/ui_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fmt.h"
#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"

/* ---------------------------------------------------------------------------------------------
 * Life cycle and layout
 * ------------------------------------------------------------------------------------------ */

struct view_entry ui_entry_open(struct ui *ui, const struct view *v, const void *arg)
{
    return (struct view_entry){v, v->init(ui, arg)};
}

void ui_entry_close(struct view_entry *e)
{
    if (e->view)
        e->view->free(e->state);
    *e = (struct view_entry){NULL, NULL};
}

struct ui *ui_new(struct model *m)
{
    struct ui *ui = xcalloc(1, sizeof(*ui));
    ui->m = m;
    ui->zoom = -1;
    ui->zoom_saved = -1;
    ui->focus = LAYOUT_DASHBOARD;
    ui->pane[LAYOUT_DASHBOARD].mode = ui_entry_open(ui, &view_dashboard, NULL);
    ui->pane[LAYOUT_ALERTS].mode = ui_entry_open(ui, &view_alerts, NULL);
    ui->pane[LAYOUT_CHAT].mode = ui_entry_open(ui, &view_chat, NULL);
    ui->layout.cols = -1; /* forces the first layout */
    ui_relayout(ui);
    ui->input = input_new();
    return ui;
}

static void free_windows(struct ui *ui)
{
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        if (ui->pane[p].win)
            delwin(ui->pane[p].win);
        ui->pane[p].win = NULL;
    }
    if (ui->status_win)
        delwin(ui->status_win);
    if (ui->hints_win)
        delwin(ui->hints_win);
    ui->status_win = ui->hints_win = NULL;
}

void ui_free(struct ui *ui)
{
    if (ui == NULL)
        return;
    free_windows(ui);
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        ui_entry_close(&ui->pane[p].mode);
        ui_entry_close(&ui->pane[p].under);
    }
    ui_entry_close(&ui->help);
    input_free(ui->input);
    free(ui);
}

static WINDOW *window_for(const struct layout_rect *r)
{
    if (r->w <= 0 || r->h <= 0)
        return NULL;
    return newwin(r->h, r->w, r->y, r->x);
}

void ui_relayout(struct ui *ui)
{
    struct layout l;
    layout_compute(COLS, LINES, ui->zoom, &l);
    if (memcmp(&l, &ui->layout, sizeof(l)) == 0)
        return; /* same size, same zoom: nothing to do */
    free_windows(ui);
    ui->layout = l;
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        ui->pane[p].rect = l.pane[p];
        ui->pane[p].win = window_for(&l.pane[p]);
    }
    ui->status_win = window_for(&l.status);
    ui->hints_win = window_for(&l.hints);
    /* focus stays on a visible pane */
    if (l.mode != LAYOUT_TOO_SMALL && ui->pane[ui->focus].win == NULL)
        for (int p = 0; p < LAYOUT_NPANES; p++)
            if (ui->pane[p].win) {
                ui->focus = p;
                break;
            }
    ui->too_small_drawn = false;
    ui_mark(ui, UI_DIRTY_ALL);
}

void ui_mark(struct ui *ui, unsigned what)
{
    if (what & UI_DIRTY_DATA)
        ui->pane[LAYOUT_DASHBOARD].dirty = true;
    if (what & UI_DIRTY_ALERTS)
        ui->pane[LAYOUT_ALERTS].dirty = true;
    if (what & UI_DIRTY_CHAT)
        ui->pane[LAYOUT_CHAT].dirty = true;
    if (what & UI_DIRTY_STATUS)
        ui->status_dirty = true;
    if (what == UI_DIRTY_ALL) {
        ui->hints_dirty = true;
        ui->too_small_drawn = false;
    }
}

bool ui_dirty(const struct ui *ui)
{
    if (ui->layout.mode == LAYOUT_TOO_SMALL)
        return !ui->too_small_drawn;
    for (int p = 0; p < LAYOUT_NPANES; p++)
        if (ui->pane[p].dirty && ui->pane[p].win)
            return true;
    return ui->status_dirty || ui->hints_dirty;
}

/* ---------------------------------------------------------------------------------------------
 * Focus, zoom, detail
 * ------------------------------------------------------------------------------------------ */

void ui_set_focus(struct ui *ui, int p)
{
    if (p == ui->focus)
        return;
    ui->pane[ui->focus].dirty = true;
    ui->focus = p;
    ui->pane[p].dirty = true;
    ui->hints_dirty = true;
    if (ui->zoom >= 0 && ui->zoom != p) { /* zoomed: the zoom follows the focus */
        ui->zoom = p;
        ui_relayout(ui);
    }
}

/* Shows v (with arg) over the series table, zoomed to the whole main area; one such view at a
 * time: opening another replaces it, and ui_close_detail goes back to the table. */
static void open_over(struct ui *ui, const struct view *v, const void *arg)
{
    struct ui_pane *pane = &ui->pane[LAYOUT_DASHBOARD];
    if (pane->under.view) { /* one is open already: v replaces it */
        ui_entry_close(&pane->mode);
    } else {
        pane->under = pane->mode;
        ui->zoom_saved = ui->zoom;
    }
    pane->mode = ui_entry_open(ui, v, arg);
    ui->zoom = LAYOUT_DASHBOARD;
    ui->focus = LAYOUT_DASHBOARD;
    ui_relayout(ui);
    ui_mark(ui, UI_DIRTY_ALL);
}

void ui_open_detail(struct ui *ui, const struct series *s)
{
    open_over(ui, &view_detail, s);
}

void ui_open_deadletters(struct ui *ui)
{
    open_over(ui, &view_deadletters, NULL);
}

void ui_open_workers(struct ui *ui)
{
    open_over(ui, &view_workers, NULL);
}

static struct listcursor over_cursor(size_t top, size_t n, int visible)
{
    size_t max = n > (size_t)visible ? n - (size_t)visible : 0;
    return (struct listcursor){.selected = top, .top = top, .count = max + 1, .height = visible};
}

void ui_over_clamp(size_t *top, size_t n, int visible)
{
    struct listcursor lc = over_cursor(*top, n, visible);
    listcursor_clamp(&lc);
    *top = lc.selected;
}

enum view_key_result ui_over_key(struct ui *ui, enum key_action a, enum key_action opener,
                                 void (*reload)(void *privdata), void *privdata, size_t *top,
                                 size_t n, int visible)
{
    if (a == KA_BACK) {
        ui_close_detail(ui);
        return VIEW_KEY_HANDLED;
    }
    if (a == KA_REFRESH || a == opener) {
        if (reload)
            reload(privdata);
        return VIEW_KEY_HANDLED;
    }
    struct listcursor lc = over_cursor(*top, n, visible);
    if (!listcursor_key(&lc, keys_list_key(a)))
        return VIEW_KEY_IGNORED;
    *top = lc.selected;
    return VIEW_KEY_HANDLED;
}

void ui_focus(struct ui *ui, int pane)
{
    ui->focus = pane;
}

void ui_close_detail(struct ui *ui)
{
    struct ui_pane *pane = &ui->pane[LAYOUT_DASHBOARD];
    if (pane->under.view == NULL)
        return;
    ui_entry_close(&pane->mode);
    pane->mode = pane->under;
    pane->under = (struct view_entry){NULL, NULL};
    ui->zoom = ui->zoom_saved;
    ui->zoom_saved = -1;
    ui_relayout(ui);
    ui_mark(ui, UI_DIRTY_ALL);
}

/* ---------------------------------------------------------------------------------------------
 * Status and hint lines
 * ------------------------------------------------------------------------------------------ */

static void draw_status(struct ui *ui)
{
    WINDOW *w = ui->status_win;
    const struct model_status *s = &ui->m->status;
    const struct screen_glyphs *g = screen_glyphs();
    int width = getmaxx(w);
    attr_t base = screen_attr(THEME_STATUS);
    draw_fill(w, 0, 0, width, base);

    enum theme_role role;
    const char *glyph;
    if (s->conn == MODEL_CONN_UP && s->replay_done && !s->unreadable[0])
        role = THEME_STATUS_OK, glyph = g->ok;
    else if (s->conn == MODEL_CONN_UP || s->conn == MODEL_CONN_CONNECTING)
        role = THEME_STATUS_WARN, glyph = g->warn;
    else
        role = THEME_STATUS_ERR, glyph = g->err;

    /* right: PAUSED and the clock, always shown */
    char clock[16] = "--:--:--";
    time_t t = (time_t)(ui->m->now_ms / 1000);
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    char right[32];
    snprintf(right, sizeof(right), " %s ", clock);
    int rw = draw_width(right), x_right = width - rw;
    draw_text(w, 0, x_right, rw, right, COLFMT_LEFT, base);
    if (ui->m->paused) {
        const char *p = " PAUSED ";
        x_right -= draw_width(p);
        draw_text(w, 0, x_right, draw_width(p), p, COLFMT_LEFT, screen_attr(THEME_PAUSED));
    }

    char seg[10][256];
    int n = 0;
    char b1[16], b2[16], b3[16];
    snprintf(seg[n++], sizeof(seg[0]), " %s %s %s ", glyph, s->addr, s->conn_text);
    snprintf(seg[n++], sizeof(seg[0]), "ns %s", s->ns);
    snprintf(seg[n++], sizeof(seg[0]), "%u partitions", s->partitions);
    snprintf(seg[n++], sizeof(seg[0]), "%s ev/s", fmt_si(s->events_per_s, b1, sizeof(b1)));
    snprintf(seg[n++], sizeof(seg[0]), "late %s", fmt_si((double)s->late, b2, sizeof(b2)));
    int rejected_seg = n; /* a click on it (or d) opens the dead letters */
    snprintf(seg[n++], sizeof(seg[0]), "rejected %s%s", fmt_si((double)s->rejected, b3, sizeof(b3)),
             s->rejected ? " (d)" : "");
    if (s->replay_done)
        snprintf(seg[n++], sizeof(seg[0]), "replay done");
    else
        snprintf(seg[n++], sizeof(seg[0]), "replay %.0f%%", s->replay_progress * 100);
    if (s->source[0]) /* "raw events" or "rollups 1s": dropped before the counts when narrow */
        snprintf(seg[n++], sizeof(seg[0]), "%s", s->source);
    if (s->note[0])
        snprintf(seg[n++], sizeof(seg[0]), "%s", s->note);
    if (screen_mouse())
        snprintf(seg[n++], sizeof(seg[0]), "mouse");
    if (s->rejected) { /* rejected entries are news: right after the connection, kept longest */
        char tmp[256];
        memcpy(tmp, seg[rejected_seg], sizeof(tmp));
        memmove(seg[2], seg[1], (size_t)(rejected_seg - 1) * sizeof(seg[0]));
        memcpy(seg[1], tmp, sizeof(tmp));
        rejected_seg = 1;
    }

    int x = draw_str(w, 0, 0, x_right - 1, seg[0], screen_attr(role));
    if (ui->note[0] && ui->m->now_ms < ui->note_until_ms && x < x_right - 1) {
        char part[sizeof(ui->note) + 16];
        snprintf(part, sizeof(part), " %s %s ", g->sep, ui->note);
        x += draw_str(w, 0, x, x_right - 1 - x, part, screen_attr(THEME_STATUS_WARN));
    }
    if (s->unreadable[0] && x < x_right - 1) { /* never dropped: cut to fit if need be */
        char part[300];
        snprintf(part, sizeof(part), " %s %s ", g->sep, s->unreadable);
        x += draw_str(w, 0, x, x_right - 1 - x, part, screen_attr(THEME_STATUS_ERR));
    }
    if (s->series_warning[0] && x + 4 < x_right - 1) { /* dropped data: before everything else */
        char part[sizeof(s->series_warning) + 16];
        snprintf(part, sizeof(part), " %s %s %s ", g->sep, g->warn, s->series_warning);
        x += draw_str(w, 0, x, x_right - 1 - x, part, screen_attr(THEME_STATUS_WARN));
    }
    ui->rejected_x0 = ui->rejected_x1 = -1;
    for (int i = 1; i < n; i++) {
        char part[300];
        snprintf(part, sizeof(part), " %s %s", g->sep, seg[i]);
        int pw = draw_width(part);
        if (x + pw > x_right - 1)
            break; /* the least important parts go first */
        if (i == rejected_seg)
            ui->rejected_x0 = x, ui->rejected_x1 = x + pw;
        x += draw_str(w, 0, x, pw, part, base);
    }
}

static void draw_hints(struct ui *ui)
{
    WINDOW *w = ui->hints_win;
    int width = getmaxx(w), x = 0;
    attr_t ha = screen_attr(THEME_HINT), ka = screen_attr(THEME_HINT_KEY);
    draw_fill(w, 0, 0, width, ha);
    unsigned ctx = ui->help_open ? KEYCTX_HELP : ui->input_active ? KEYCTX_INPUT : ui_focus_ctx(ui);
    if (ui->input_active) {
        x += draw_str(w, 0, x, width, "Filter: ", ka);
        x += draw_str(w, 0, x, width - x - 1, ui->m->filter, screen_attr(THEME_INPUT));
        x += draw_str(w, 0, x, width - x, screen_ascii() ? "_" : "\xe2\x96\x8f",
                      screen_attr(THEME_INPUT));
        if (ui->filter_note[0]) {
            char note[sizeof ui->filter_note + 8];
            snprintf(note, sizeof(note), "  (%s)", ui->filter_note);
            x += draw_str(w, 0, x, width - x, note, screen_attr(THEME_DIM));
        }
        x += 3;
    }
    /* the series table: its selected row's whole name on the right (names in the table may
     * be shortened), leaving room for the first hints */
    int end = width;
    if (ctx == KEYCTX_DASHBOARD && ui->selected_key[0] && width > 30) {
        char sel[sizeof(ui->selected_key) + 8];
        snprintf(sel, sizeof(sel), "%s %s ", screen_glyphs()->sel, ui->selected_key);
        int sw = draw_width(sel), room = width - x - 18; /* "q quit  ? help" stay */
        if (sw > room)
            sw = room;
        if (sw > 4) {
            char fitted[4 * sizeof(sel)];
            colfmt_fit(sel, sw, COLFMT_LEFT, COLFMT_MIDDLE | (screen_ascii() ? COLFMT_ASCII : 0),
                       fitted, sizeof(fitted));
            draw_text(w, 0, width - sw, sw, fitted, COLFMT_LEFT, screen_attr(THEME_INPUT));
            end = width - sw - 1;
        }
    }
    const struct key_binding *b[32];
    size_t n = keys_hints(ctx, b, 32);
    for (size_t i = 0; i < n && i < 32; i++) {
        int need = draw_width(b[i]->label) + 1 + draw_width(b[i]->hint) + 2;
        if (x + need > end)
            break;
        x += draw_str(w, 0, x, width - x, b[i]->label, ka);
        x += 1;
        x += draw_str(w, 0, x, width - x, b[i]->hint, ha);
        x += 2;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Frames
 * ------------------------------------------------------------------------------------------ */

static void draw_too_small(struct ui *ui)
{
    werase(stdscr);
    char msg[128], need[128];
    snprintf(msg, sizeof(msg), "Terminal too small: %dx%d", COLS, LINES);
    snprintf(need, sizeof(need), "warroom needs at least %dx%d", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
    int y = LINES / 2 - 1;
    if (y < 0)
        y = 0;
    int mw = draw_width(msg), nw = draw_width(need);
    draw_text(stdscr, y, COLS > mw ? (COLS - mw) / 2 : 0, COLS, msg, COLFMT_LEFT, A_BOLD);
    draw_text(stdscr, y + 1, COLS > nw ? (COLS - nw) / 2 : 0, COLS, need, COLFMT_LEFT, A_NORMAL);
    wnoutrefresh(stdscr);
    ui->too_small_drawn = true;
}

static void draw_help(struct ui *ui)
{
    int h = LINES - 2, w = COLS - 8;
    if (w > 90)
        w = 90;
    if (h < 5 || w < 30)
        return;
    WINDOW *win = newwin(h, w, 0, (COLS - w) / 2);
    if (win == NULL)
        return;
    werase(win);
    view_help.update(ui, ui->help.state, w, h);
    view_help.draw(ui, ui->help.state, win, true);
    wnoutrefresh(win);
    delwin(win);
}

void ui_draw(struct ui *ui)
{
    if (ui->layout.mode == LAYOUT_TOO_SMALL) {
        draw_too_small(ui);
        doupdate();
        ui->frames++;
        return;
    }
    bool under_help = ui->help_open;
    for (int p = 0; p < LAYOUT_NPANES; p++) {
        struct ui_pane *pane = &ui->pane[p];
        if (pane->win == NULL || !pane->dirty)
            continue;
        const struct view *v = pane->mode.view;
        if (!ui->m->paused && v->update)
            v->update(ui, pane->mode.state, pane->rect.w, pane->rect.h);
        werase(pane->win);
        v->draw(ui, pane->mode.state, pane->win, p == ui->focus && !under_help);
        wnoutrefresh(pane->win);
        pane->dirty = false;
    }
    if (ui->status_dirty && ui->status_win) {
        werase(ui->status_win);
        draw_status(ui);
        wnoutrefresh(ui->status_win);
        ui->status_dirty = false;
    }
    if (ui->hints_dirty && ui->hints_win) {
        werase(ui->hints_win);
        draw_hints(ui);
        wnoutrefresh(ui->hints_win);
        ui->hints_dirty = false;
    }
    if (ui->help_open)
        draw_help(ui);
    doupdate();
    ui->frames++;
}
