/* layout.c — screen and column layout arithmetic. */
#include "core/layout.h"

#include <stdbool.h>
#include <string.h>

static struct layout_rect rect(int x, int y, int w, int h)
{
    struct layout_rect r = {x, y, w, h};
    if (w <= 0 || h <= 0)
        r = (struct layout_rect){0, 0, 0, 0};
    return r;
}

void layout_compute(int cols, int rows, int zoom, struct layout *out)
{
    memset(out, 0, sizeof(*out));
    out->cols = cols;
    out->rows = rows;
    if (cols < LAYOUT_MIN_COLS || rows < LAYOUT_MIN_ROWS) {
        out->mode = LAYOUT_TOO_SMALL;
        return;
    }
    out->status = rect(0, rows - 2, cols, 1);
    out->hints = rect(0, rows - 1, cols, 1);
    int main_h = rows - 2;

    if (zoom >= 0 && zoom < LAYOUT_NPANES) {
        out->mode = LAYOUT_ZOOMED;
        out->pane[zoom] = rect(0, 0, cols, main_h);
        return;
    }
    if (cols >= LAYOUT_NARROW_COLS) {
        /* dashboard ~55 %, the rest split: alerts 2/5 of the width, chat the other 3/5 */
        int dash_h = main_h * 55 / 100;
        int bottom_h = main_h - dash_h;
        int alerts_w = cols * 2 / 5;
        out->mode = LAYOUT_SPLIT;
        out->pane[LAYOUT_DASHBOARD] = rect(0, 0, cols, dash_h);
        out->pane[LAYOUT_ALERTS] = rect(0, dash_h, alerts_w, bottom_h);
        out->pane[LAYOUT_CHAT] = rect(alerts_w, dash_h, cols - alerts_w, bottom_h);
    } else {
        /* dashboard half, alerts and chat a quarter each (chat gets the odd row) */
        int dash_h = main_h / 2;
        int alerts_h = (main_h - dash_h) / 2;
        int chat_h = main_h - dash_h - alerts_h;
        out->mode = LAYOUT_STACKED;
        out->pane[LAYOUT_DASHBOARD] = rect(0, 0, cols, dash_h);
        out->pane[LAYOUT_ALERTS] = rect(0, dash_h, cols, alerts_h);
        out->pane[LAYOUT_CHAT] = rect(0, dash_h + alerts_h, cols, chat_h);
    }
}

int layout_pane_at(const struct layout *l, int x, int y)
{
    for (int i = 0; i < LAYOUT_NPANES; i++) {
        const struct layout_rect *r = &l->pane[i];
        if (r->w > 0 && r->h > 0 && x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h)
            return i;
    }
    return -1;
}

size_t layout_columns(int total, int gap, const struct layout_col *cols, size_t n, int *out_w)
{
    for (size_t i = 0; i < n; i++)
        out_w[i] = 0;
    if (total <= 0 || n == 0)
        return 0;

    /* admit by priority; a column that does not fit is skipped, later (narrower) ones may fit */
    int max_prio = 0;
    for (size_t i = 0; i < n; i++)
        if (cols[i].priority > max_prio)
            max_prio = cols[i].priority;
    int used = 0;
    size_t shown = 0;
    for (int p = 0; p <= max_prio; p++) {
        for (size_t i = 0; i < n; i++) {
            if (cols[i].priority != p || cols[i].width <= 0)
                continue;
            int need = cols[i].width + (shown > 0 ? gap : 0);
            if (used + need > total)
                continue;
            out_w[i] = cols[i].width;
            used += need;
            shown++;
        }
    }

    /* grow, in index order */
    int left = total - used;
    for (size_t i = 0; i < n && left > 0; i++) {
        if (out_w[i] == 0 || cols[i].max <= cols[i].width)
            continue;
        int add = cols[i].max - out_w[i];
        if (add > left)
            add = left;
        out_w[i] += add;
        left -= add;
    }
    for (size_t i = 0; i < n && left > 0; i++) {
        if (out_w[i] != 0 && cols[i].max > cols[i].width) {
            out_w[i] += left;
            left = 0;
        }
    }
    return shown;
}
