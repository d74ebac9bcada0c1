/* view_workers.c — the workers view (group mode): the live workers, then every partition's
 * owner, lease, checkpoint and consumer-group lag, with the same cells as `warroom workers`
 * (core/wstat). It renders model.workers, which the app reads while the view is open; update
 * copies what to draw into the view's own lines, so a read that lands while paused changes
 * nothing on screen. Scrolls like the help: the first line shown is the cursor. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/wstat.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

#define WKVIEW_COLS ((int)WSTAT_PC_N > (int)WSTAT_WC_N ? (int)WSTAT_PC_N : (int)WSTAT_WC_N)

enum wkline_kind { WKLINE_TEXT, WKLINE_WORKERS, WKLINE_PARTS };

/* One line: free text, or a row of cells (headers included) of one of the two tables. */
struct wkline {
    enum wkline_kind kind;
    enum theme_role role;
    char cells[WKVIEW_COLS][WSTAT_CELL_MAX]; /* WKLINE_TEXT: cells[0..] hold one long text */
};

struct wkview {
    struct model *m; /* borrowed, to say the view is gone */
    struct wkline *lines;
    size_t n, cap;
    size_t wwidth[WSTAT_WC_N], pwidth[WSTAT_PC_N];
    char summary[256];
    enum theme_role summary_role;
    size_t top;
    int visible;
};

static struct wkline *push(struct wkview *v, enum wkline_kind kind, enum theme_role role)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->lines = xrealloc(v->lines, v->cap * sizeof(*v->lines));
    }
    struct wkline *l = &v->lines[v->n++];
    l->kind = kind;
    l->role = role;
    return l;
}

/* A line of text: "a" followed by ": b" when b is not NULL. */
static void push_text(struct wkview *v, enum theme_role role, const char *a, const char *b)
{
    struct wkline *l = push(v, WKLINE_TEXT, role);
    snprintf((char *)l->cells, sizeof(l->cells), "%s%s%s", a, b ? ": " : "", b ? b : "");
}

/* The two tables and the errors of s as lines. */
static void build(struct wkview *v, const struct wstat *s)
{
    snprintf(v->summary, sizeof(v->summary),
             "group mode: %zu worker%s (%zu dead), %u partitions (%u unowned)%s", s->nworkers,
             s->nworkers == 1 ? "" : "s", s->dead, s->partitions, s->unowned,
             s->problems ? "; some values unreadable (?), see below" : "");
    char(*wc)[WSTAT_CELL_MAX] = xcalloc(s->nworkers * WSTAT_WC_N + 1, WSTAT_CELL_MAX);
    char(*pc)[WSTAT_CELL_MAX] = xcalloc((size_t)s->partitions * WSTAT_PC_N + 1, WSTAT_CELL_MAX);
    struct wkline *l = push(v, WKLINE_WORKERS, THEME_HEADER);
    for (int c = 0; c < WSTAT_WC_N; c++)
        snprintf(l->cells[c], WSTAT_CELL_MAX, "%s", wstat_worker_cols[c]);
    for (size_t i = 0; i < s->nworkers; i++) {
        wstat_worker_cells(s, &s->workers[i], (char(*)[WSTAT_CELL_MAX])wc[i * WSTAT_WC_N]);
        l = push(v, WKLINE_WORKERS, s->workers[i].dead ? THEME_SEV_CRIT : THEME_NORMAL);
        memcpy(l->cells, wc[i * WSTAT_WC_N], sizeof(wc[0]) * WSTAT_WC_N);
    }
    if (s->nworkers == 0)
        push_text(v, THEME_DIM, "no workers", NULL);
    push_text(v, THEME_NORMAL, "", NULL);
    l = push(v, WKLINE_PARTS, THEME_HEADER);
    for (int c = 0; c < WSTAT_PC_N; c++)
        snprintf(l->cells[c], WSTAT_CELL_MAX, "%s", wstat_part_cols[c]);
    for (unsigned i = 0; i < s->partitions; i++) {
        const struct wstat_part *p = &s->parts[i];
        wstat_part_cells(s, p, (char(*)[WSTAT_CELL_MAX])pc[(size_t)i * WSTAT_PC_N]);
        l = push(v, WKLINE_PARTS,
                 p->own == WSTAT_OWNED     ? THEME_NORMAL
                 : p->own == WSTAT_UNOWNED ? THEME_SEV_WARN
                                           : THEME_SEV_CRIT);
        memcpy(l->cells, pc[(size_t)i * WSTAT_PC_N], sizeof(pc[0]) * WSTAT_PC_N);
    }
    wstat_col_widths(wstat_worker_cols, WSTAT_WC_N, (const char(*)[WSTAT_CELL_MAX])wc, s->nworkers,
                     v->wwidth);
    wstat_col_widths(wstat_part_cols, WSTAT_PC_N, (const char(*)[WSTAT_CELL_MAX])pc, s->partitions,
                     v->pwidth);
    free(wc);
    free(pc);
    char what[WSTAT_TEXT_MAX + 16];
    if (s->error[0])
        push_text(v, THEME_STATUS_ERR, s->error, NULL);
    for (size_t i = 0; i < s->nworkers; i++)
        if (s->workers[i].error[0]) {
            snprintf(what, sizeof(what), "worker %s", s->workers[i].id);
            push_text(v, THEME_STATUS_ERR, what, s->workers[i].error);
        }
    for (unsigned i = 0; i < s->partitions; i++)
        if (s->parts[i].error[0]) {
            snprintf(what, sizeof(what), "partition %u", i);
            push_text(v, THEME_STATUS_ERR, what, s->parts[i].error);
        }
}

static void wk_update(struct ui *ui, void *state, int width, int height)
{
    struct wkview *v = state;
    const struct model_workers *mw = &ui->m->workers;
    (void)width;
    v->n = 0;
    v->summary_role = THEME_DIM;
    const struct wstat *s = mw->st;
    if (mw->reload == NULL) {
        snprintf(v->summary, sizeof(v->summary), "no Redis to read workers from");
    } else if (mw->error[0]) {
        snprintf(v->summary, sizeof(v->summary), "%s", mw->error);
        v->summary_role = THEME_STATUS_ERR;
    } else if (s == NULL) {
        snprintf(v->summary, sizeof(v->summary), "reading...");
    } else if (!s->group) {
        snprintf(v->summary, sizeof(v->summary),
                 "not in group mode (NS:meta mode is %s%s%s): no group-mode workers to show; "
                 "`warroom worker --group` turns it on",
                 s->mode[0] ? "'" : "", s->mode[0] ? s->mode : "absent, i.e. embedded",
                 s->mode[0] ? "'" : "");
        if (s->error[0])
            push_text(v, THEME_STATUS_ERR, s->error, NULL);
    } else {
        build(v, s);
        if (s->problems)
            v->summary_role = THEME_SEV_WARN;
    }
    v->visible = height - 3; /* border and the summary line */
    if (v->visible < 1)
        v->visible = 1;
    ui_over_clamp(&v->top, v->n, v->visible);
}

static void draw_row(WINDOW *w, int y, int inner, const struct wkline *l, const size_t *width,
                     int ncols)
{
    attr_t a = screen_attr(l->role);
    for (int c = 0, x = 1; c < ncols && x <= inner; c++) {
        int cw = (int)width[c];
        if (x + cw > inner + 1)
            cw = inner + 1 - x;
        draw_text(w, y, x, cw, l->cells[c], COLFMT_LEFT, a);
        x += (int)width[c] + 2;
    }
}

static void wk_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct wkview *v = state;
    (void)ui;
    char right[64];
    if (v->n > (size_t)v->visible)
        snprintf(right, sizeof(right), "%zu/%zu  r refresh  Esc back", v->top + (size_t)v->visible,
                 v->n);
    else
        snprintf(right, sizeof(right), "r refresh  Esc back");
    draw_frame(w, "Workers", right, focused);
    int inner = getmaxx(w) - 2;
    draw_text(w, 1, 1, inner, v->summary, COLFMT_LEFT, screen_attr(v->summary_role));
    for (int r = 0; r < v->visible; r++) {
        size_t i = v->top + (size_t)r;
        if (i >= v->n)
            break;
        const struct wkline *l = &v->lines[i];
        if (l->kind == WKLINE_TEXT)
            draw_text(w, 2 + r, 1, inner, (const char *)l->cells, COLFMT_LEFT,
                      screen_attr(l->role));
        else if (l->kind == WKLINE_WORKERS)
            draw_row(w, 2 + r, inner, l, v->wwidth, WSTAT_WC_N);
        else
            draw_row(w, 2 + r, inner, l, v->pwidth, WSTAT_PC_N);
    }
}

static enum view_key_result wk_key(struct ui *ui, void *state, enum key_action a)
{
    struct wkview *v = state;
    return ui_over_key(ui, a, KA_WORKERS, ui->m->workers.reload, ui->m->workers.privdata, &v->top,
                       v->n, v->visible);
}

/* Opening the view starts the reads (the app polls while open is set). */
static void *wk_init(struct ui *ui, const void *arg)
{
    (void)arg;
    struct wkview *v = xcalloc(1, sizeof(*v));
    v->m = ui->m;
    ui->m->workers.open = true;
    if (ui->m->workers.reload)
        ui->m->workers.reload(ui->m->workers.privdata);
    return v;
}

static void wk_free(void *state)
{
    struct wkview *v = state;
    if (v == NULL)
        return;
    v->m->workers.open = false;
    free(v->lines);
    free(v);
}

const struct view view_workers = {
    .name = "workers",
    .ctx = KEYCTX_WORKERS,
    .init = wk_init,
    .free = wk_free,
    .update = wk_update,
    .draw = wk_draw,
    .key = wk_key,
};
