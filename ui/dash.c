/* dash.c — the series table's content: one row per series with rate, count, avg, p50, p90,
 * p99, max over the sliding window and a sparkline of the chosen statistic; ranked by any
 * column (near-equal rows keep their places), filtered by selector or substring, with a sticky
 * selection that follows its series as rows move; or grouped by a label (`g`, rows merged
 * exactly, Enter expands one). Labels every shown row shares are said once in the title; the
 * columns that do not fit are dropped by priority. Drawn by ui/view_dashboard. */
#include "ui/dash.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/layout.h"
#include "core/mem.h"
#include "core/rule.h"
#include "core/select.h"
#include "core/spark.h"
#include "core/trend.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

/* clang-format off */
const struct dash_col_def dash_cols[DC_N] = {
    [DC_KEY] = {"series", RANK_KEY, 24, 48, 0},
    [DC_RATE] = {"rate", RANK_RATE, 6, 6, 1},
    [DC_COUNT] = {"count", RANK_COUNT, 6, 6, 4},
    [DC_AVG] = {"avg", RANK_AVG, 6, 6, 6},
    [DC_P50] = {"p50", RANK_P50, 6, 6, 5},
    [DC_P90] = {"p90", RANK_P90, 6, 6, 7},
    [DC_P99] = {"p99", RANK_P99, 6, 6, 2},
    [DC_MAX] = {"max", RANK_MAX, 6, 6, 6},
    [DC_SPARK] = {"trend", RANK_KEY, 8, 60, 3},
};
/* clang-format on */

struct listcursor dash_cursor(const struct model *m, const struct dash *d)
{
    return (struct listcursor){
        .selected = m->selected, .top = m->top, .count = d->matched, .height = d->visible};
}

double dash_col_value(const struct window_stats *st, enum dash_col c)
{
    if (st->sum.count == 0 && c != DC_RATE && c != DC_COUNT)
        return NAN;
    return rank_column_value(st, dash_cols[c].rank);
}

/* ---------------------------------------------------------------------------------------------
 * Groups: which are expanded, what a row is called
 * ------------------------------------------------------------------------------------------ */

/* A group's identity across updates: its value, or "\x01" for the series without the label. */
static const char *group_id(const struct group_row *g)
{
    return g->has_label ? g->value : "\x01";
}

bool dash_is_expanded(const struct dash *d, const struct group_row *g)
{
    for (size_t i = 0; i < d->nexpanded; i++)
        if (strcmp(d->expanded[i], group_id(g)) == 0)
            return true;
    return false;
}

void dash_toggle_expanded(struct dash *d, const struct group_row *g)
{
    for (size_t i = 0; i < d->nexpanded; i++)
        if (strcmp(d->expanded[i], group_id(g)) == 0) {
            free(d->expanded[i]);
            d->expanded[i] = d->expanded[--d->nexpanded];
            return;
        }
    d->expanded = xrealloc(d->expanded, (d->nexpanded + 1) * sizeof(*d->expanded));
    d->expanded[d->nexpanded++] = xstrdup(group_id(g));
}

void dash_clear_expanded(struct dash *d)
{
    for (size_t i = 0; i < d->nexpanded; i++)
        free(d->expanded[i]);
    d->nexpanded = 0;
}

/* What the name column says of a line: a group's label, value and size (with its expansion
 * glyph), a member indented, a series by its key without the labels all rows share. */
const char *dash_line_name(const struct dash *d, const struct dash_line *l, char *buf, size_t cap)
{
    if (l->series == NULL) {
        const struct group_row *g = l->group;
        const char *glyph = screen_ascii()
                                ? (dash_is_expanded(d, g) ? "-" : "+")
                                : (dash_is_expanded(d, g) ? "\xe2\x96\xbe" : "\xe2\x96\xb8");
        if (g->has_label)
            snprintf(buf, cap, "%s %s=%s (%zu)", glyph, d->group_label, g->value, g->n);
        else
            snprintf(buf, cap, "%s no %s (%zu)", glyph, d->group_label, g->n);
        return buf;
    }
    size_t indent = l->group && cap > 2 ? 2 : 0; /* a member sits under its group */
    memcpy(buf, "  ", indent);
    keyshort_apply(&d->ks, l->series->key, buf + indent, cap - indent);
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * Update: filter, rank or group, columns, sparklines
 * ------------------------------------------------------------------------------------------ */

static void compile_filter(struct ui *ui, struct dash *d)
{
    const char *f = ui->m->filter;
    if (d->compiled_valid && strcmp(f, d->compiled) == 0)
        return;
    select_free(d->sel);
    d->sel = NULL;
    rankcache_filter_changed(d->rank);
    d->prev_n = 0; /* other rows: the order starts afresh */
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

/* The rows' width of the name column: what the visible rows' names need. */
static void layout_cols(struct ui *ui, struct dash *d, int width)
{
    struct layout_col lc[DC_N];
    int key_max = dash_cols[DC_KEY].width;
    for (size_t i = ui->m->top; i < d->n && i < ui->m->top + (size_t)d->visible; i++) {
        char name[DASH_KEY_TEXT];
        int w = draw_width(dash_line_name(d, &d->lines[i], name, sizeof(name)));
        if (w > key_max)
            key_max = w;
    }
    for (int c = 0; c < DC_N; c++) {
        lc[c] = (struct layout_col){dash_cols[c].width, dash_cols[c].max, dash_cols[c].priority};
        if (c == DC_KEY && key_max < lc[c].max)
            lc[c].max = key_max;
    }
    /* the name grows to what it needs (up to its max), then the trend up to its max; space
     * still left goes to the name only as far as its names need (a wider name column would
     * only push the numbers away from them) */
    layout_columns(width - 2 - DASH_PREFIX, 1, lc, DC_N, d->col_w);
    if (d->col_w[DC_KEY] > key_max)
        d->col_w[DC_KEY] = key_max > dash_cols[DC_KEY].width ? key_max : dash_cols[DC_KEY].width;
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
    struct trend_query q = {.to_ms = (now_s / bucket) * bucket * 1000,
                            .bucket_s = bucket,
                            .n = (size_t)n,
                            .stat = m->stat,
                            .now_ms = m->now_ms,
                            .data_from_ms = model_data_from_ms(m)};
    size_t want = (size_t)d->visible;
    if (d->spark_rows < want) {
        d->spark = xrealloc(d->spark, want * DASH_SPARK_MAX * sizeof(double));
        d->spark_rows = want;
    }
    for (int r = 0; r < d->visible; r++) {
        size_t i = m->top + (size_t)r;
        double *out = d->spark + (size_t)r * DASH_SPARK_MAX;
        if (i >= d->n)
            break;
        const struct dash_line *l = &d->lines[i];
        if (l->series == NULL)
            trend_group(d->groups, l->group, &q, out);
        else
            trend_series(&l->series->tl, &q, out);
    }
    d->spark_n = n;
}

static void lines_reserve(struct dash *d, size_t n)
{
    if (n > d->lines_cap) {
        d->lines_cap = n;
        d->lines = xrealloc(d->lines, n * sizeof(*d->lines));
    }
}

/* Ungrouped: the best top + visible rows (at least up to the selection), near-equal rows in
 * the order shown last. */
static void update_ranked(struct ui *ui, struct dash *d, struct rank_query *q)
{
    struct model *m = ui->m;
    size_t cap = m->top + (size_t)d->visible;
    if (cap < m->selected + 1)
        cap = m->selected + 1;
    if (cap > d->rows_cap) {
        d->rows = xrealloc(d->rows, cap * sizeof(*d->rows));
        d->rows_cap = cap;
    }
    q->prev = d->prev;
    q->prev_n = d->prev_n;
    q->tolerance = DASH_TOLERANCE;
    if (m->tab == NULL)
        d->matched = 0;
    else if (m->rank_uncached)
        d->matched = rank_top(m->tab, q, d->rows, cap);
    else
        d->matched = rankcache_top(d->rank, m->tab, q, d->rows, cap);
    d->n = d->matched < cap ? d->matched : cap;
    lines_reserve(d, d->n + 1);
    if (d->n > d->prev_cap) {
        d->prev = xrealloc(d->prev, d->n * sizeof(*d->prev));
        d->prev_cap = d->n;
    }
    for (size_t i = 0; i < d->n; i++) {
        d->lines[i] = (struct dash_line){&d->rows[i].stats, d->rows[i].series, NULL};
        d->prev[i] = d->rows[i].series;
    }
    d->prev_n = d->n;
}

/* Grouped: every group, and the members of the expanded ones under them. */
static void update_grouped(struct ui *ui, struct dash *d, const struct rank_query *q)
{
    if (d->groups == NULL)
        d->groups = group_new();
    size_t ng = ui->m->tab ? group_compute(d->groups, ui->m->tab, q, d->group_label) : 0;
    size_t n = ng;
    for (size_t i = 0; i < ng; i++)
        if (dash_is_expanded(d, group_row(d->groups, i)))
            n += group_row(d->groups, i)->n;
    lines_reserve(d, n + 1);
    d->n = 0;
    for (size_t i = 0; i < ng; i++) {
        const struct group_row *g = group_row(d->groups, i);
        d->lines[d->n++] = (struct dash_line){&g->stats, NULL, g};
        if (!dash_is_expanded(d, g))
            continue;
        for (size_t k = 0; k < g->n; k++) {
            const struct rank_row *r = group_member(d->groups, g->first + k);
            d->lines[d->n++] = (struct dash_line){&r->stats, r->series, g};
        }
    }
    d->matched = d->n;
}

/* Whether line l is the row the user picked last. */
static bool line_is_selection(const struct dash *d, const struct dash_line *l)
{
    if (d->sel_group)
        return l->series == NULL && strcmp(group_id(l->group), d->sel_group) == 0;
    return d->sel_series && l->series == d->sel_series;
}

void dash_remember_selection(struct dash *d, size_t selected)
{
    free(d->sel_group);
    d->sel_group = NULL;
    d->sel_series = NULL;
    if (selected >= d->n)
        return;
    const struct dash_line *l = &d->lines[selected];
    if (l->series)
        d->sel_series = l->series;
    else
        d->sel_group = xstrdup(group_id(l->group));
}

/* The selected row in full for the hint line: its whole key, or the group and its size. */
static void selected_text_fill(struct ui *ui, const struct dash *d)
{
    ui->selected_key[0] = '\0';
    if (ui->m->selected >= d->n)
        return;
    const struct dash_line *l = &d->lines[ui->m->selected];
    if (l->series)
        snprintf(ui->selected_key, sizeof(ui->selected_key), "%s", l->series->key);
    else
        snprintf(ui->selected_key, sizeof(ui->selected_key), "%s=%s: %zu series (Enter: %s)",
                 d->group_label, l->group->has_label ? l->group->value : "(none)", l->group->n,
                 dash_is_expanded(d, l->group) ? "collapse" : "expand");
}

/* selected_text_fill, and the hint line redrawn when that changed. */
static void selected_text(struct ui *ui, const struct dash *d)
{
    char was[sizeof(ui->selected_key)];
    memcpy(was, ui->selected_key, sizeof(was));
    selected_text_fill(ui, d);
    if (strcmp(was, ui->selected_key) != 0)
        ui->hints_dirty = true;
}

/* The labels every visible series shares (said once in the title). */
static void find_common(struct ui *ui, struct dash *d)
{
    const char *keys[256];
    size_t nk = 0;
    for (size_t i = ui->m->top; i < d->n && i < ui->m->top + (size_t)d->visible && nk < 256; i++)
        if (d->lines[i].series)
            keys[nk++] = d->lines[i].series->key;
    keyshort_find(&d->ks, keys, nk);
    keyshort_labels(&d->ks, d->common, sizeof(d->common));
}

void dash_update(struct ui *ui, struct dash *d, int width, int height)
{
    struct model *m = ui->m;
    compile_filter(ui, d);
    d->visible = height - 3 > 0 ? height - 3 : 0; /* border, header, border */
    if (m->sort != d->prev_sort || m->ascending != d->prev_ascending ||
        m->window_s != d->prev_window_s) {
        d->prev_n = 0; /* a new order asked for: exactly that order */
        d->prev_sort = m->sort;
        d->prev_ascending = m->ascending;
        d->prev_window_s = m->window_s;
    }
    if (m->top > m->selected)
        m->top = m->selected;
    struct rank_query q = {
        .now_ms = m->now_ms,
        .width_s = m->window_s,
        .column = m->sort,
        .ascending = m->ascending,
        .select = d->sel,
        .substring = d->sel ? NULL : m->filter,
    };
    if (d->group_label)
        update_grouped(ui, d, &q);
    else
        update_ranked(ui, d, &q);

    /* once the user picked a row, the selection follows it when rows move */
    if (d->follow)
        for (size_t i = 0; i < d->n; i++)
            if (line_is_selection(d, &d->lines[i])) {
                m->selected = i;
                break;
            }
    struct listcursor lc = dash_cursor(m, d);
    listcursor_clamp(&lc);
    listcursor_scroll_to_selection(&lc);
    m->selected = lc.selected;
    m->top = lc.top;
    dash_remember_selection(d, m->selected);
    selected_text(ui, d);
    find_common(ui, d);
    layout_cols(ui, d, width);
    update_spark(ui, d);
}

struct dash *dash_new(void)
{
    struct dash *d = xcalloc(1, sizeof(struct dash));
    d->rank = rankcache_new();
    return d;
}

void dash_free(struct dash *d)
{
    if (d == NULL)
        return;
    select_free(d->sel);
    rankcache_free(d->rank);
    free(d->rows);
    free(d->lines);
    free(d->spark);
    free(d->prev);
    free(d->sel_group);
    free(d->group_label);
    group_free(d->groups);
    dash_clear_expanded(d);
    free(d->expanded);
    free(d);
}
