/* view_dashboard.c — the series table's view: draws what ui/dash computed (header with the
 * sort arrow, rows with the filter's substring matches highlighted, sparklines, the empty and
 * unreachable states) and takes its keys and clicks (move, sort, window, statistic, filter,
 * group, expand, open the detail view). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/colfmt.h"
#include "core/mem.h"
#include "core/spark.h"
#include "ui/dash.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

/* ---------------------------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------------------------ */

/* The sort arrow points the way values grow down the table: ▲ smallest (or A) first, ▼ largest
 * (or Z) first. (The model's "ascending" flag reverses each column's default order, which for
 * names is A..Z.) */
static const char *sort_arrow(const struct model *m)
{
    const struct screen_glyphs *g = screen_glyphs();
    bool smallest_first = m->sort == RANK_KEY ? !m->ascending : m->ascending;
    return smallest_first ? g->sort_asc : g->sort_desc;
}

static void draw_header(struct ui *ui, struct dash *d, WINDOW *w)
{
    struct model *m = ui->m;
    /* a sort by a statistic with no column shown (stddev, or p90 dropped for width) carries
     * its arrow on the trend column when that plots it */
    bool sort_shown = m->sort == RANK_KEY;
    for (int c = DC_RATE; c < DC_SPARK; c++)
        if (d->col_w[c] && dash_cols[c].rank == m->sort)
            sort_shown = true;
    for (int c = 0; c < DC_N; c++) {
        if (!d->col_w[c])
            continue;
        bool sorted =
            c == DC_SPARK ? !sort_shown && m->sort == m->stat : dash_cols[c].rank == m->sort;
        enum colfmt_align al = (c == DC_KEY || c == DC_SPARK) ? COLFMT_LEFT : COLFMT_RIGHT;
        /* the arrow sits on the side away from the values, so no title moves when it does */
        char t[96];
        if (c == DC_SPARK) /* left-aligned as the name: the arrow after the title */
            snprintf(t, sizeof(t), "%s%s", rank_column_name(m->stat), sorted ? sort_arrow(m) : "");
        else if (c == DC_KEY)
            snprintf(t, sizeof(t), "%s%s", d->group_label ? d->group_label : dash_cols[c].title,
                     sorted ? sort_arrow(m) : "");
        else
            snprintf(t, sizeof(t), "%s%s", sorted ? sort_arrow(m) : "", dash_cols[c].title);
        draw_text(w, 1, d->col_x[c], d->col_w[c], t, al,
                  screen_attr(sorted ? THEME_HEADER_SORT : THEME_HEADER));
    }
}

/* Draws the name (fitted, cut in the middle) with the filter's substring matches marked. */
static void draw_name(struct ui *ui, struct dash *d, WINDOW *w, int y, const char *name,
                      attr_t base, bool selected)
{
    int x = d->col_x[DC_KEY], width = d->col_w[DC_KEY];
    char fitted[4 * DASH_KEY_TEXT + 1];
    unsigned flags = COLFMT_MIDDLE | (screen_ascii() ? COLFMT_ASCII : 0);
    colfmt_fit(name, width, COLFMT_LEFT, flags, fitted, sizeof(fitted));
    draw_text(w, y, x, width, fitted, COLFMT_LEFT, base);
    const char *needle = ui->m->filter;
    size_t nl = strlen(needle);
    if (d->sel || nl == 0)
        return;
    /* underlined in the marker colour; on the selected row in its colours (two colour pairs
     * cannot be combined) */
    attr_t mark = (selected ? base | A_BOLD : screen_attr(THEME_MARKER)) | A_UNDERLINE;
    for (const char *p = fitted; *p;) {
        if (strncasecmp(p, needle, nl) != 0) {
            p++;
            continue;
        }
        char before[sizeof(fitted)], match[4 * MODEL_FILTER_MAX + 1];
        snprintf(before, sizeof(before), "%.*s", (int)(p - fitted), fitted);
        snprintf(match, sizeof(match), "%.*s", (int)nl, p);
        int mx = draw_width(before);
        draw_text(w, y, x + mx, draw_width(match), match, COLFMT_LEFT, mark);
        p += nl;
    }
}

static void draw_row(struct ui *ui, struct dash *d, WINDOW *w, int y, size_t i, bool selected)
{
    const struct dash_line *line = &d->lines[i];
    const struct window_stats *st = line->st;
    int inner = getmaxx(w) - 2;
    attr_t base = selected ? screen_attr(THEME_SELECTED) : screen_attr(THEME_NORMAL);
    if (line->series == NULL)
        base |= A_BOLD;
    if (selected)
        draw_fill(w, y, 1, inner, base);
    draw_text(w, y, 1, 1, selected ? screen_glyphs()->sel : " ", COLFMT_LEFT, base);
    struct colfmt_unit_info unit, plain = {COLFMT_UNIT_NONE, 0};
    const struct series *unit_of =
        line->series ? line->series : group_member(d->groups, line->group->first)->series;
    colfmt_unit_of(unit_of->key, &unit);
    for (int c = 0; c < DC_N; c++) {
        if (!d->col_w[c])
            continue;
        char b[64];
        if (c == DC_KEY) {
            char name[DASH_KEY_TEXT];
            draw_name(ui, d, w, y, dash_line_name(d, line, name, sizeof(name)), base, selected);
        } else if (c == DC_SPARK) {
            size_t r = i - ui->m->top;
            if (d->spark_n == 0 || r >= d->spark_rows)
                continue;
            const double *v = d->spark + r * DASH_SPARK_MAX;
            double lo = 0, hi = 0;
            for (int j = 0; j < d->spark_n; j++) {
                if (!isnan(v[j]) && v[j] > hi)
                    hi = v[j];
                if (!isnan(v[j]) && v[j] < lo)
                    lo = v[j];
            }
            char s[4 * DASH_SPARK_MAX + 1];
            spark_line(v, (size_t)d->spark_n, lo, hi, screen_glyphs()->spark, s, sizeof(s));
            draw_text(w, y, d->col_x[c], d->col_w[c], s, COLFMT_RIGHT,
                      selected ? base : screen_attr(THEME_SPARK));
        } else {
            const struct colfmt_unit_info *u = (c == DC_RATE || c == DC_COUNT) ? &plain : &unit;
            colfmt_value(dash_col_value(st, (enum dash_col)c), u, b, sizeof(b));
            draw_text(w, y, d->col_x[c], d->col_w[c], b, COLFMT_RIGHT, base);
        }
    }
}

/* No data and no connection: say what failed and what to check, never "No series yet" (an
 * unreachable Redis must not look like an empty one). */
static void draw_no_redis(WINDOW *w, const struct model_status *s)
{
    int height = getmaxy(w), y = height / 2 - 1;
    char head[200];
    if (s->conn_error[0] == '\0') {
        snprintf(head, sizeof(head), "Connecting to Redis at %s ...", s->addr);
        draw_center(w, y, head, screen_attr(THEME_DIM));
        return;
    }
    if (s->conn == MODEL_CONN_FAILED)
        snprintf(head, sizeof(head), "Redis at %s refused the connection", s->addr);
    else
        snprintf(head, sizeof(head), "Cannot reach Redis at %s", s->addr);
    draw_center(w, y, head, screen_attr(THEME_STATUS_ERR));
    if (y + 1 < height - 1)
        draw_center(w, y + 1, s->conn_error, screen_attr(THEME_NORMAL));
    if (y + 2 < height - 1)
        draw_center(w, y + 2, s->conn_hint, screen_attr(THEME_DIM));
}

static void dashboard_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct dash *d = state;
    struct model *m = ui->m;
    const struct screen_glyphs *g = screen_glyphs();
    char title[600], right[96], win[48];
    int tl = snprintf(title, sizeof(title), "Series %s last %s %s by %s", g->dot,
                      model_window_label(m, win, sizeof(win)), g->dot, rank_column_name(m->sort));
    if (d->group_label && tl > 0 && (size_t)tl < sizeof(title))
        tl += snprintf(title + tl, sizeof(title) - (size_t)tl, " %s grouped by %s", g->dot,
                       d->group_label);
    if (d->common[0] && tl > 0 && (size_t)tl < sizeof(title))
        snprintf(title + tl, sizeof(title) - (size_t)tl, " %s %s", g->dot, d->common);
    uint32_t total = m->tab ? m->tab->count : 0;
    if (m->filter[0])
        snprintf(right, sizeof(right), "%s%zu of %u match '%.24s'", m->paused ? "PAUSED  " : "",
                 d->matched, total, m->filter);
    else
        snprintf(right, sizeof(right), "%s%u series", m->paused ? "PAUSED  " : "", total);
    draw_frame(w, title, right, focused);

    int height = getmaxy(w);
    if (total == 0 && m->status.conn != MODEL_CONN_UP) {
        draw_no_redis(w, &m->status);
        return;
    }
    if (d->n == 0) {
        char msg[200];
        if (m->filter[0])
            snprintf(msg, sizeof(msg), "No series match '%.60s' (Esc clears the filter)",
                     m->filter);
        else if (total == 0)
            snprintf(msg, sizeof(msg), "No series yet: waiting for events on %s:ev:{p0..p%u}",
                     m->status.ns, m->status.partitions ? m->status.partitions - 1 : 0);
        else
            snprintf(msg, sizeof(msg), "No series");
        draw_center(w, height / 2, msg, screen_attr(THEME_DIM));
        if (total == 0 && !m->filter[0] && height / 2 + 1 < height - 1)
            draw_center(w, height / 2 + 1, "try: warroom send latency_ms 12 service=api",
                        screen_attr(THEME_DIM));
        return;
    }
    draw_header(ui, d, w);
    for (int r = 0; r < d->visible; r++) {
        size_t i = m->top + (size_t)r;
        if (i >= d->n)
            break;
        draw_row(ui, d, w, 2 + r, i, i == m->selected);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Keys and mouse
 * ------------------------------------------------------------------------------------------ */

static void move_selection(struct ui *ui, struct dash *d, enum listcursor_key k)
{
    struct model *m = ui->m;
    if (d->matched == 0)
        return;
    struct listcursor lc = dash_cursor(m, d);
    listcursor_key(&lc, k);
    m->selected = lc.selected;
    d->follow = true;
    /* the row is known when it was computed; else the next update finds it */
    dash_remember_selection(d, m->selected);
}

/* `g`: group by the next label name the filtered series have (in name order), after the
 * last one: no grouping. Says what it did on the status line. */
static void next_grouping(struct ui *ui, struct dash *d)
{
    struct model *m = ui->m;
    struct rank_query q = {.now_ms = m->now_ms,
                           .width_s = m->window_s,
                           .select = d->sel,
                           .substring = d->sel ? NULL : m->filter};
    char *names[64];
    size_t n = m->tab ? group_label_names(m->tab, &q, names, 64) : 0;
    const char *next = NULL;
    for (size_t i = 0; i < n && i < 64 && !next; i++)
        if (!d->group_label || strcmp(names[i], d->group_label) > 0)
            next = names[i];
    free(d->group_label);
    d->group_label = next ? xstrdup(next) : NULL;
    for (size_t i = 0; i < n && i < 64; i++)
        free(names[i]);
    dash_clear_expanded(d);
    m->selected = m->top = 0;
    d->follow = false;
    free(d->sel_group);
    d->sel_group = NULL;
    d->sel_series = NULL;
    if (d->group_label)
        ui_note(ui, "grouped by %s (Enter expands, g next)", d->group_label);
    else
        ui_note(ui, "%s", n ? "grouping off" : "no labels to group by");
}

static enum view_key_result dashboard_key(struct ui *ui, void *state, enum key_action a)
{
    struct dash *d = state;
    struct model *m = ui->m;
    enum listcursor_key k = keys_list_key(a);
    if (k != LISTCURSOR_NONE) {
        move_selection(ui, d, k);
        return VIEW_KEY_HANDLED;
    }
    switch (a) {
    case KA_WINDOW:
        model_next_window(m);
        break;
    case KA_SORT_NEXT:
        model_next_sort(m);
        break;
    case KA_SORT_REVERSE:
        m->ascending = !m->ascending;
        break;
    case KA_STAT_NEXT:
        model_next_stat(m);
        break;
    case KA_FILTER:
        ui->input_active = true;
        break;
    case KA_GROUP:
        next_grouping(ui, d);
        break;
    case KA_CLEAR:
        if (m->filter[0]) {
            m->filter[0] = '\0';
        } else if (d->group_label) { /* Esc again: back to one row per series */
            free(d->group_label);
            d->group_label = NULL;
            dash_clear_expanded(d);
            ui_note(ui, "grouping off");
        } else {
            return VIEW_KEY_IGNORED;
        }
        m->selected = m->top = 0;
        break;
    case KA_OPEN:
        if (m->selected >= d->n)
            return VIEW_KEY_IGNORED;
        if (d->lines[m->selected].series == NULL) {
            dash_toggle_expanded(d, d->lines[m->selected].group);
            d->follow = true;
            dash_remember_selection(d, m->selected);
            break;
        }
        ui_open_detail(ui, d->lines[m->selected].series);
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    return VIEW_KEY_HANDLED;
}

static void dashboard_click(struct ui *ui, void *state, int x, int y)
{
    struct dash *d = state;
    struct model *m = ui->m;
    if (y == 1) { /* a column title sorts by it (the trend's: by its statistic); again reverses */
        for (int c = 0; c < DC_N; c++)
            if (d->col_w[c] && x >= d->col_x[c] && x < d->col_x[c] + d->col_w[c]) {
                enum rank_column col = c == DC_SPARK ? m->stat : dash_cols[c].rank;
                if (m->sort == col)
                    m->ascending = !m->ascending;
                else
                    m->sort = col, m->ascending = false;
            }
        return;
    }
    size_t i = m->top + (size_t)(y - 2);
    if (y >= 2 && y - 2 < d->visible && i < d->n) {
        m->selected = i;
        d->follow = true;
        dash_remember_selection(d, i);
    }
}

static void *dashboard_init(struct ui *ui, const void *arg)
{
    (void)ui;
    (void)arg;
    return dash_new();
}

static void dashboard_free(void *state)
{
    dash_free(state);
}

static void dashboard_update(struct ui *ui, void *state, int width, int height)
{
    dash_update(ui, state, width, height);
}

const struct view view_dashboard = {
    .name = "dashboard",
    .ctx = KEYCTX_DASHBOARD,
    .init = dashboard_init,
    .free = dashboard_free,
    .update = dashboard_update,
    .draw = dashboard_draw,
    .key = dashboard_key,
    .click = dashboard_click,
};
