/* view_alerts.c — the alerts panel: one row per alert instance from the model (severity glyph
 * and colour, state, rule, series, summary, since when), scrollable; "No alerts" when the list
 * is empty. The rows come from the alerting feature; this view only lists them. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/mem.h"
#include "ui/draw.h"
#include "ui/screen.h"
#include "ui/ui.h"

struct alerts {
    size_t top, selected;
    int visible;
};

static void alerts_update(struct ui *ui, void *state, int width, int height)
{
    struct alerts *a = state;
    (void)width;
    a->visible = height - 2 > 0 ? height - 2 : 0;
    size_t n = ui->m->nalerts;
    if (a->selected >= n)
        a->selected = n ? n - 1 : 0;
    if (a->top > a->selected)
        a->top = a->selected;
    if (a->visible > 0 && a->selected >= a->top + (size_t)a->visible)
        a->top = a->selected - (size_t)a->visible + 1;
}

static void alerts_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct alerts *a = state;
    const struct model *m = ui->m;
    const struct screen_glyphs *g = screen_glyphs();
    size_t firing = 0;
    for (size_t i = 0; i < m->nalerts; i++)
        firing += m->alerts[i].state && m->alerts[i].state[0] == 'f';
    char right[48] = "";
    if (m->nalerts)
        snprintf(right, sizeof(right), "%zu firing, %zu total", firing, m->nalerts);
    draw_frame(w, "Alerts", right, focused);
    int inner = getmaxx(w) - 2;
    if (m->nalerts == 0) {
        draw_center(w, getmaxy(w) / 2, "No alerts", screen_attr(THEME_DIM));
        return;
    }
    for (int r = 0; r < a->visible; r++) {
        size_t i = a->top + (size_t)r;
        if (i >= m->nalerts)
            break;
        const struct model_alert *al = &m->alerts[i];
        bool sel = focused && i == a->selected;
        attr_t base = screen_attr(sel ? THEME_SELECTED : THEME_NORMAL);
        enum theme_role role = al->severity == MODEL_SEV_CRIT   ? THEME_SEV_CRIT
                               : al->severity == MODEL_SEV_WARN ? THEME_SEV_WARN
                                                                : THEME_SEV_INFO;
        const char *glyph = al->severity == MODEL_SEV_CRIT   ? g->err
                            : al->severity == MODEL_SEV_WARN ? g->warn
                                                             : g->ok;
        static const char *const sev[] = {"info", "warn", "CRIT"};
        int y = 1 + r, x = 1;
        if (sel)
            draw_fill(w, y, 1, inner, base);
        char head[64], since[16] = "", line[1024];
        snprintf(head, sizeof(head), "%s %s", glyph, sev[al->severity]);
        x += draw_str(w, y, x, inner, head, sel ? base : screen_attr(role)) + 1;
        if (al->since_ms > 0) {
            time_t t = (time_t)(al->since_ms / 1000);
            struct tm tm;
            localtime_r(&t, &tm);
            strftime(since, sizeof(since), "%H:%M:%S", &tm);
        }
        snprintf(line, sizeof(line), "%s %s%s%s %s %s %s", al->state ? al->state : "",
                 al->name ? al->name : "", al->acked ? " [ack]" : "",
                 al->silenced ? " [silenced]" : "", al->series ? al->series : "",
                 al->summary ? al->summary : "", since);
        if (x < inner)
            draw_text(w, y, x, inner + 1 - x, line, COLFMT_LEFT, base);
    }
}

static enum view_key_result alerts_key(struct ui *ui, void *state, enum key_action act)
{
    struct alerts *a = state;
    size_t n = ui->m->nalerts;
    size_t page = a->visible > 1 ? (size_t)a->visible - 1 : 1;
    switch (act) {
    case KA_UP:
        a->selected = a->selected ? a->selected - 1 : 0;
        break;
    case KA_DOWN:
        a->selected = a->selected + 1 < n ? a->selected + 1 : a->selected;
        break;
    case KA_PAGE_UP:
        a->selected = a->selected > page ? a->selected - page : 0;
        break;
    case KA_PAGE_DOWN:
        a->selected = n && a->selected + page < n ? a->selected + page : (n ? n - 1 : 0);
        break;
    case KA_HOME:
        a->selected = 0;
        break;
    case KA_END:
        a->selected = n ? n - 1 : 0;
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    return VIEW_KEY_HANDLED;
}

static void alerts_click(struct ui *ui, void *state, int x, int y)
{
    struct alerts *a = state;
    (void)x;
    size_t i = a->top + (size_t)(y - 1);
    if (y >= 1 && i < ui->m->nalerts)
        a->selected = i;
}

static void *alerts_create(struct ui *ui)
{
    (void)ui;
    return xcalloc(1, sizeof(struct alerts));
}

static void alerts_destroy(void *state)
{
    free(state);
}

const struct view view_alerts = {
    .name = "alerts",
    .ctx = KEYCTX_LIST,
    .create = alerts_create,
    .destroy = alerts_destroy,
    .update = alerts_update,
    .draw = alerts_draw,
    .key = alerts_key,
    .click = alerts_click,
};
