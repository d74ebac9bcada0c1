/* view_deadletters.c — the dead-letter view: the newest rejected entries, grouped by partition,
 * each with its time, reason and detail, then its ID and original fields. It renders
 * model.dlq, which the app reads from Redis when the view opens or r asks again; the strings
 * come sanitized (core/dlqentry). Scrolls like the help: the first line shown is the cursor. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

#define DLQVIEW_REASON_COLS 20

enum dlqline_kind { DLQLINE_PARTITION, DLQLINE_REASON, DLQLINE_FIELDS };

struct dlqline {
    enum dlqline_kind kind;
    size_t row; /* index in model.dlq.rows */
};

struct dlqview {
    struct dlqline *lines;
    size_t n, cap;
    size_t top;
    int visible;
};

static void push(struct dlqview *v, enum dlqline_kind kind, size_t row)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->lines = xrealloc(v->lines, v->cap * sizeof(*v->lines));
    }
    v->lines[v->n++] = (struct dlqline){kind, row};
}

static void dlq_update(struct ui *ui, void *state, int width, int height)
{
    struct dlqview *v = state;
    const struct model_dlq *d = &ui->m->dlq;
    (void)width;
    v->n = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (i == 0 || d->rows[i].partition != d->rows[i - 1].partition)
            push(v, DLQLINE_PARTITION, i);
        push(v, DLQLINE_REASON, i);
        push(v, DLQLINE_FIELDS, i);
    }
    v->visible = height - 3; /* border and the summary line */
    if (v->visible < 1)
        v->visible = 1;
    ui_over_clamp(&v->top, v->n, v->visible);
}

static void draw_line(const struct model_dlq *d, const struct dlqline *l, WINDOW *w, int y,
                      int inner)
{
    const struct dlqentry *e = &d->rows[l->row];
    char buf[64];
    switch (l->kind) {
    case DLQLINE_PARTITION:
        if (e->partition >= 0)
            snprintf(buf, sizeof(buf), "partition %d", e->partition);
        else
            snprintf(buf, sizeof(buf), "partition unknown");
        draw_text(w, y, 1, inner, buf, COLFMT_LEFT, screen_attr(THEME_HEADER));
        break;
    case DLQLINE_REASON: {
        time_t t = (time_t)(e->ts_ms / 1000);
        struct tm tm;
        if (e->ts_ms <= 0 || localtime_r(&t, &tm) == NULL)
            snprintf(buf, sizeof(buf), "--:--:--");
        else
            strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
        draw_text(w, y, 2, 8, buf, COLFMT_LEFT, screen_attr(THEME_DIM));
        int x = 12, rw = inner - x > DLQVIEW_REASON_COLS ? DLQVIEW_REASON_COLS : inner - x;
        draw_text(w, y, x, rw, e->reason, COLFMT_LEFT, screen_attr(THEME_SEV_WARN));
        x += rw + 2;
        if (x < inner)
            draw_text(w, y, x, inner - x + 1, e->detail, COLFMT_LEFT, screen_attr(THEME_NORMAL));
        break;
    }
    case DLQLINE_FIELDS: {
        int x = 12, iw = (int)draw_width(e->id);
        draw_text(w, y, x, iw < inner - x ? iw : inner - x, e->id, COLFMT_LEFT,
                  screen_attr(THEME_DIM));
        x += iw + 2;
        if (x < inner)
            draw_text(w, y, x, inner - x + 1, e->fields, COLFMT_LEFT, screen_attr(THEME_DIM));
        break;
    }
    }
}

static void dlq_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct dlqview *v = state;
    const struct model_dlq *d = &ui->m->dlq;
    char title[160], right[64] = "";
    snprintf(title, sizeof(title), "Dead letters%s%s", d->source ? " " : "",
             d->source ? d->source : "");
    if (v->n > (size_t)v->visible)
        snprintf(right, sizeof(right), "%zu/%zu  r refresh  Esc back", v->top + (size_t)v->visible,
                 v->n);
    else
        snprintf(right, sizeof(right), "r refresh  Esc back");
    draw_frame(w, title, right, focused);
    int inner = getmaxx(w) - 2;
    char summary[320];
    attr_t sa = screen_attr(THEME_DIM);
    if (d->reload == NULL) {
        snprintf(summary, sizeof(summary), "no Redis to read dead letters from");
    } else if (d->error[0]) {
        snprintf(summary, sizeof(summary), "%s", d->error);
        sa = screen_attr(THEME_STATUS_ERR);
    } else if (d->loading && d->source == NULL) {
        snprintf(summary, sizeof(summary), "reading...");
    } else if (d->total == 0) {
        snprintf(summary, sizeof(summary),
                 "no dead letters: every entry read so far was valid (rejected %llu counts "
                 "core refusals too)",
                 (unsigned long long)ui->m->status.rejected);
    } else {
        snprintf(summary, sizeof(summary),
                 "%llu rejected entr%s kept; the newest %zu, by "
                 "partition%s",
                 (unsigned long long)d->total, d->total == 1 ? "y" : "ies", d->n,
                 d->loading ? " (reading again...)" : "");
    }
    draw_text(w, 1, 1, inner, summary, COLFMT_LEFT, sa);
    for (int r = 0; r < v->visible; r++) {
        size_t i = v->top + (size_t)r;
        if (i >= v->n || v->lines[i].row >= d->n)
            break; /* paused (no update) while a read replaced the rows: draw what still is */
        draw_line(d, &v->lines[i], w, 2 + r, inner);
    }
}

static enum view_key_result dlq_key(struct ui *ui, void *state, enum key_action a)
{
    struct dlqview *v = state;
    return ui_over_key(ui, a, KA_DEADLETTERS, ui->m->dlq.reload, ui->m->dlq.privdata, &v->top, v->n,
                       v->visible);
}

/* Opening the view asks for a fresh read. */
static void *dlq_init(struct ui *ui, const void *arg)
{
    (void)arg;
    struct dlqview *v = xcalloc(1, sizeof(*v));
    if (ui->m->dlq.reload)
        ui->m->dlq.reload(ui->m->dlq.privdata);
    return v;
}

static void dlq_free(void *state)
{
    struct dlqview *v = state;
    if (v == NULL)
        return;
    free(v->lines);
    free(v);
}

const struct view view_deadletters = {
    .name = "deadletters",
    .ctx = KEYCTX_DLQ,
    .init = dlq_init,
    .free = dlq_free,
    .update = dlq_update,
    .draw = dlq_draw,
    .key = dlq_key,
};
