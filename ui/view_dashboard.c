/* view_dashboard.c — the series table: one row per series with rate, count, avg, p50, p90,
 * p99, max over the sliding window and a sparkline of the chosen statistic; sorted by any
 * column, filtered by selector or substring, with a sticky selection that follows its series
 * as rows move. Columns that do not fit are dropped by priority. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/colfmt.h"
#include "core/fmt.h"
#include "core/layout.h"
#include "core/mem.h"
#include "core/rule.h"
#include "core/select.h"
#include "core/spark.h"
#include "core/window.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

enum dash_col { DC_KEY, DC_RATE, DC_COUNT, DC_AVG, DC_P50, DC_P90, DC_P99, DC_MAX, DC_SPARK, DC_N };

struct dash_col_def {
    const char *title;
    enum rank_column rank; /* what the column shows and sorts by */
    int width, max;        /* layout_col: least width and growth limit */
    int priority;          /* dropped first when high */
};

/* clang-format off */
static const struct dash_col_def cols[DC_N] = {
    [DC_KEY] = {"series", RANK_KEY, 24, 24, 0},
    [DC_RATE] = {"rate", RANK_RATE, 6, 6, 1},
    [DC_COUNT] = {"count", RANK_COUNT, 6, 6, 4},
    [DC_AVG] = {"avg", RANK_AVG, 6, 6, 6},
    [DC_P50] = {"p50", RANK_P50, 6, 6, 5},
    [DC_P90] = {"p90", RANK_P90, 6, 6, 7},
    [DC_P99] = {"p99", RANK_P99, 6, 6, 2},
    [DC_MAX] = {"max", RANK_MAX, 6, 6, 6},
    [DC_SPARK] = {"trend", RANK_KEY, 8, 30, 3},
};
/* clang-format on */

#define DASH_SPARK_MAX 30
#define DASH_PREFIX 2 /* selection glyph and a blank before the key */

struct dash {
    struct rank_row *rows; /* rank order from the first row; n valid */
    size_t n, rows_cap;
    size_t matched; /* series passing the filter */
    double *spark;  /* DASH_SPARK_MAX values per row, rows top .. top + visible */
    size_t spark_rows;
    int spark_n;                     /* values per row */
    const struct series *sel_series; /* followed once the user picked a row */
    bool follow;

    char compiled[MODEL_FILTER_MAX]; /* filter text the selector below was made from */
    bool compiled_valid;
    struct selector *sel; /* NULL: substring filter (or none) */

    int visible;     /* table rows that fit */
    int col_w[DC_N]; /* 0: column hidden */
    int col_x[DC_N]; /* x of each shown column inside the window */
};

/* The table as a list cursor over the model's selection and the rows matched. */
static struct listcursor table_cursor(const struct model *m, const struct dash *d)
{
    return (struct listcursor){
        .selected = m->selected, .top = m->top, .count = d->matched, .height = d->visible};
}

/* The value of column c in a row, for display (quantiles come clamped to [min, max] from the
 * window), NAN for an empty window. */
static double col_value(const struct window_stats *st, enum dash_col c)
{
    if (st->sum.count == 0 && c != DC_RATE && c != DC_COUNT)
        return NAN;
    return rank_column_value(st, cols[c].rank);
}

/* ---------------------------------------------------------------------------------------------
 * Update: filter, rank, columns, sparklines
 * ------------------------------------------------------------------------------------------ */

static void compile_filter(struct ui *ui, struct dash *d)
{
    const char *f = ui->m->filter;
    if (d->compiled_valid && strcmp(f, d->compiled) == 0)
        return;
    select_free(d->sel);
    d->sel = NULL;
    snprintf(d->compiled, sizeof(d->compiled), "%s", f);
    d->compiled_valid = true;
    ui->filter_note[0] = '\0';
    if (f[0] == '\0')
        return;
    /* The query language of `warroom query` (core/rule_expr) reads text with '{' or '(' or a
     * leading '~' (an expression filters by its selector: `p99(lat{svc=api}) by (svc)` shows
     * what it aggregates); any other text is a substring of the series key, the same as
     * ~"text": a bare word would match one metric exactly, rarely what typing "lat" means. */
    if (strchr(f, '{') || strchr(f, '(') || f[strspn(f, " \t")] == '~') {
        char err[256];
        size_t col = 0;
        struct rule_expr e;
        if (rule_expr_parse_query(f, strlen(f), &e, &col, err, sizeof(err)) == 0) {
            d->sel = e.sel; /* taken over from the expression */
            e.sel = NULL;
            snprintf(ui->filter_note, sizeof(ui->filter_note), "%s",
                     e.bare ? "selector" : "selector of the expression");
            rule_expr_free(&e);
            return;
        }
        const char *bad_re = strstr(err, "bad regex");
        if (bad_re) /* a refused regex is an error, not a partial selector: say why */
            snprintf(ui->filter_note, sizeof(ui->filter_note), "invalid: %s", bad_re);
        else
            snprintf(ui->filter_note, sizeof(ui->filter_note),
                     "substring: not a complete selector");
    } else {
        snprintf(ui->filter_note, sizeof(ui->filter_note), "substring");
    }
}

static void layout_cols(struct dash *d, int width)
{
    struct layout_col lc[DC_N];
    int key_max = cols[DC_KEY].width;
    for (size_t i = 0; i < d->n; i++) {
        int w = draw_width(d->rows[i].series->key);
        if (w > key_max)
            key_max = w;
    }
    for (int c = 0; c < DC_N; c++) {
        lc[c] = (struct layout_col){cols[c].width, cols[c].max, cols[c].priority};
        if (c == DC_KEY)
            lc[c].max = key_max;
    }
    layout_columns(width - 2 - DASH_PREFIX, 1, lc, DC_N, d->col_w);
    int x = 1 + DASH_PREFIX;
    for (int c = 0; c < DC_N; c++) {
        d->col_x[c] = x;
        if (d->col_w[c])
            x += d->col_w[c] + 1;
    }
}

static void update_spark(struct ui *ui, struct dash *d)
{
    struct model *m = ui->m;
    int cells = d->col_w[DC_SPARK];
    d->spark_n = 0;
    if (cells <= 0)
        return;
    uint32_t bucket = spark_bucket_s(m->window_s, (size_t)cells);
    int n = (int)((m->window_s + bucket - 1) / bucket);
    if (n > cells)
        n = cells;
    if (n > DASH_SPARK_MAX)
        n = DASH_SPARK_MAX;
    /* complete buckets only: the one still filling would always dip */
    int64_t now_s = m->now_ms / 1000;
    int64_t to_ms = (now_s / bucket) * bucket * 1000, from_ms = to_ms - (int64_t)n * bucket * 1000;
    size_t want = (size_t)d->visible;
    if (d->spark_rows < want) {
        d->spark = xrealloc(d->spark, want * DASH_SPARK_MAX * sizeof(double));
        d->spark_rows = want;
    }
    struct window_stats w[DASH_SPARK_MAX + 2];
    int64_t data_from = model_data_from_ms(m);
    for (int r = 0; r < d->visible; r++) {
        size_t i = m->top + (size_t)r;
        double *out = d->spark + (size_t)r * DASH_SPARK_MAX;
        if (i >= d->n)
            break;
        size_t k =
            window_tumbling(&d->rows[i].series->tl, from_ms, to_ms, bucket, w, DASH_SPARK_MAX + 2);
        if (k > DASH_SPARK_MAX + 2)
            k = DASH_SPARK_MAX + 2;
        size_t first = k > (size_t)n ? k - (size_t)n : 0;
        for (int j = 0; j < n; j++)
            out[j] = NAN;
        for (size_t j = first; j < k; j++) {
            struct window_stats *st = &w[j];
            window_rate_from(st, data_from, m->now_ms); /* a bucket data could only partly fill */
            double v = st->sum.count == 0 && m->stat != RANK_RATE && m->stat != RANK_COUNT
                           ? NAN
                           : rank_column_value(st, m->stat);
            out[(size_t)n - (k - j)] = v;
        }
    }
    d->spark_n = n;
}

static void dash_update(struct ui *ui, void *state, int width, int height)
{
    struct dash *d = state;
    struct model *m = ui->m;
    compile_filter(ui, d);
    d->visible = height - 3 > 0 ? height - 3 : 0; /* border, header, border */

    if (m->top > m->selected)
        m->top = m->selected;
    size_t cap = m->top + (size_t)d->visible;
    if (cap < m->selected + 1)
        cap = m->selected + 1;
    if (cap == 0)
        cap = 1;
    if (cap > d->rows_cap) {
        d->rows = xrealloc(d->rows, cap * sizeof(*d->rows));
        d->rows_cap = cap;
    }
    struct rank_query q = {
        .now_ms = m->now_ms,
        .width_s = m->window_s,
        .column = m->sort,
        .ascending = m->ascending,
        .select = d->sel,
        .substring = d->sel ? NULL : m->filter,
    };
    d->matched = m->tab ? rank_top(m->tab, &q, d->rows, cap) : 0;
    d->n = d->matched < cap ? d->matched : cap;

    /* once the user picked a row, the selection follows its series when rows move */
    if (d->follow && d->sel_series) {
        for (size_t i = 0; i < d->n; i++)
            if (d->rows[i].series == d->sel_series) {
                m->selected = i;
                break;
            }
    }
    struct listcursor lc = table_cursor(m, d);
    listcursor_clamp(&lc);
    listcursor_scroll_to_selection(&lc);
    m->selected = lc.selected;
    m->top = lc.top;
    d->sel_series = m->selected < d->n ? d->rows[m->selected].series : NULL;

    layout_cols(d, width);
    update_spark(ui, d);
}

/* ---------------------------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------------------------ */

static void draw_header(struct ui *ui, struct dash *d, WINDOW *w)
{
    struct model *m = ui->m;
    const struct screen_glyphs *g = screen_glyphs();
    for (int c = 0; c < DC_N; c++) {
        if (!d->col_w[c])
            continue;
        bool sorted = c != DC_SPARK && cols[c].rank == m->sort;
        char t[48];
        if (c == DC_SPARK)
            snprintf(t, sizeof(t), "%s", rank_column_name(m->stat));
        else if (sorted)
            snprintf(t, sizeof(t), "%s%s", cols[c].title,
                     m->ascending ? g->sort_asc : g->sort_desc);
        else
            snprintf(t, sizeof(t), "%s", cols[c].title);
        enum colfmt_align al = (c == DC_KEY || c == DC_SPARK) ? COLFMT_LEFT : COLFMT_RIGHT;
        draw_text(w, 1, d->col_x[c], d->col_w[c], t, al,
                  screen_attr(sorted ? THEME_HEADER_SORT : THEME_HEADER));
    }
}

static void draw_row(struct ui *ui, struct dash *d, WINDOW *w, int y, size_t i, bool selected)
{
    const struct rank_row *row = &d->rows[i];
    const struct window_stats *st = &row->stats;
    int inner = getmaxx(w) - 2;
    attr_t base = selected ? screen_attr(THEME_SELECTED) : screen_attr(THEME_NORMAL);
    if (selected)
        draw_fill(w, y, 1, inner, base);
    draw_text(w, y, 1, 1, selected ? screen_glyphs()->sel : " ", COLFMT_LEFT, base);
    struct colfmt_unit_info unit, plain = {COLFMT_UNIT_NONE, 0};
    colfmt_unit_of(row->series->key, &unit);
    for (int c = 0; c < DC_N; c++) {
        if (!d->col_w[c])
            continue;
        char b[64];
        if (c == DC_KEY) {
            draw_text(w, y, d->col_x[c], d->col_w[c], row->series->key, COLFMT_LEFT, base);
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
            colfmt_value(col_value(st, (enum dash_col)c), u, b, sizeof(b));
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

static void dash_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct dash *d = state;
    struct model *m = ui->m;
    const struct screen_glyphs *g = screen_glyphs();
    char title[160], right[96], win[48];
    snprintf(title, sizeof(title), "Series %s last %s %s by %s", g->dot,
             model_window_label(m, win, sizeof(win)), g->dot, rank_column_name(m->sort));
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
    struct listcursor lc = table_cursor(m, d);
    listcursor_key(&lc, k);
    m->selected = lc.selected;
    d->follow = true;
    /* the series is known when the row was computed; else the next update finds it */
    d->sel_series = m->selected < d->n ? d->rows[m->selected].series : NULL;
}

static enum view_key_result dash_key(struct ui *ui, void *state, enum key_action a)
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
    case KA_CLEAR:
        if (!m->filter[0])
            return VIEW_KEY_IGNORED;
        m->filter[0] = '\0';
        m->selected = m->top = 0;
        break;
    case KA_OPEN:
        if (m->selected >= d->n)
            return VIEW_KEY_IGNORED;
        ui_open_detail(ui, d->rows[m->selected].series);
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    return VIEW_KEY_HANDLED;
}

static void dash_click(struct ui *ui, void *state, int x, int y)
{
    struct dash *d = state;
    struct model *m = ui->m;
    if (y == 1) { /* a column title sorts by it; again reverses */
        for (int c = 0; c < DC_SPARK; c++)
            if (d->col_w[c] && x >= d->col_x[c] && x < d->col_x[c] + d->col_w[c]) {
                if (m->sort == cols[c].rank)
                    m->ascending = !m->ascending;
                else
                    m->sort = cols[c].rank, m->ascending = false;
            }
        return;
    }
    size_t i = m->top + (size_t)(y - 2);
    if (y >= 2 && y - 2 < d->visible && i < d->n) {
        m->selected = i;
        d->follow = true;
        d->sel_series = d->rows[i].series;
    }
}

static void *dash_init(struct ui *ui, const void *arg)
{
    (void)ui;
    (void)arg;
    return xcalloc(1, sizeof(struct dash));
}

static void dash_free(void *state)
{
    struct dash *d = state;
    if (d == NULL)
        return;
    select_free(d->sel);
    free(d->rows);
    free(d->spark);
    free(d);
}

const struct view view_dashboard = {
    .name = "dashboard",
    .ctx = KEYCTX_DASHBOARD,
    .init = dash_init,
    .free = dash_free,
    .update = dash_update,
    .draw = dash_draw,
    .key = dash_key,
    .click = dash_click,
};
