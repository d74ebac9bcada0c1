/* view_dashboard.c — the series table: one row per series with rate, count, avg, p50, p90,
 * p99, max over the sliding window and a sparkline of the chosen statistic; sorted by any
 * column (near-equal rows keep their places), filtered by selector or substring (matches
 * highlighted), with a sticky selection that follows its series as rows move; or grouped by
 * a label (`g`, rows merged exactly, Enter expands one). Labels every shown row shares are
 * said once in the title; long names lose their middle. Columns that do not fit are dropped
 * by priority. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/colfmt.h"
#include "core/fmt.h"
#include "core/group.h"
#include "core/keyshort.h"
#include "core/layout.h"
#include "core/mem.h"
#include "core/rule.h"
#include "core/select.h"
#include "core/spark.h"
#include "core/trend.h"
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

#define DASH_SPARK_MAX 60
#define DASH_PREFIX 2       /* selection glyph and a blank before the key */
#define DASH_TOLERANCE 0.03 /* rows within 3 % of each other keep their order (rank_query) */
#define DASH_KEY_TEXT 1100  /* a series name as shown (EVENT_KEY_MAX and decorations) */

/* One row of the table: a series, a group, or a member of an expanded group. */
struct dash_line {
    const struct window_stats *st;
    const struct series *series;   /* NULL: a group row */
    const struct group_row *group; /* the group row, or the member's group; NULL ungrouped */
};

struct dash {
    struct rank_row *rows; /* ungrouped: rank order from the first row */
    size_t rows_cap;
    struct dash_line *lines; /* the rows listed, n valid (ungrouped: top + visible at least) */
    size_t n, lines_cap;
    size_t matched; /* rows in all: series passing the filter, or groups and expanded members */
    double *spark;  /* DASH_SPARK_MAX values per row, rows top .. top + visible */
    size_t spark_rows;
    int spark_n; /* values per row */
    /* the selected row, followed once the user picked one: a series, or a group's value */
    const struct series *sel_series;
    char *sel_group; /* NULL: a series (or nothing) */
    bool follow;

    /* hysteresis: the order shown last, kept while sort, direction, window and filter stay */
    const struct series **prev;
    size_t prev_n, prev_cap;
    enum rank_column prev_sort;
    bool prev_ascending;
    uint32_t prev_window_s;

    /* grouping (`g`): NULL label: off */
    char *group_label;
    struct group_set *groups;
    char **expanded; /* values of the expanded groups ("\x01" for the one without the label) */
    size_t nexpanded;

    struct keyshort ks; /* labels every shown row shares: said in the title */
    char common[256];   /* those labels as text, "" for none */

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
 * Groups: which are expanded, what a row is called
 * ------------------------------------------------------------------------------------------ */

/* A group's identity across updates: its value, or "\x01" for the series without the label. */
static const char *group_id(const struct group_row *g)
{
    return g->has_label ? g->value : "\x01";
}

static bool is_expanded(const struct dash *d, const struct group_row *g)
{
    for (size_t i = 0; i < d->nexpanded; i++)
        if (strcmp(d->expanded[i], group_id(g)) == 0)
            return true;
    return false;
}

static void toggle_expanded(struct dash *d, const struct group_row *g)
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

static void clear_expanded(struct dash *d)
{
    for (size_t i = 0; i < d->nexpanded; i++)
        free(d->expanded[i]);
    d->nexpanded = 0;
}

/* What the name column says of a line: a group's label, value and size (with its expansion
 * glyph), a member indented, a series by its key without the labels all rows share. */
static const char *line_name(const struct dash *d, const struct dash_line *l, char *buf, size_t cap)
{
    if (l->series == NULL) {
        const struct group_row *g = l->group;
        const char *glyph = screen_ascii() ? (is_expanded(d, g) ? "-" : "+")
                                           : (is_expanded(d, g) ? "\xe2\x96\xbe" : "\xe2\x96\xb8");
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
    int key_max = cols[DC_KEY].width;
    for (size_t i = ui->m->top; i < d->n && i < ui->m->top + (size_t)d->visible; i++) {
        char name[DASH_KEY_TEXT];
        int w = draw_width(line_name(d, &d->lines[i], name, sizeof(name)));
        if (w > key_max)
            key_max = w;
    }
    for (int c = 0; c < DC_N; c++) {
        lc[c] = (struct layout_col){cols[c].width, cols[c].max, cols[c].priority};
        if (c == DC_KEY && key_max < lc[c].max)
            lc[c].max = key_max;
    }
    /* the name grows to what it needs (up to its max), then the trend up to its max; space
     * still left goes to the name only as far as its names need (a wider name column would
     * only push the numbers away from them) */
    layout_columns(width - 2 - DASH_PREFIX, 1, lc, DC_N, d->col_w);
    if (d->col_w[DC_KEY] > key_max)
        d->col_w[DC_KEY] = key_max > cols[DC_KEY].width ? key_max : cols[DC_KEY].width;
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
    d->matched = m->tab ? rank_top(m->tab, q, d->rows, cap) : 0;
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
        if (is_expanded(d, group_row(d->groups, i)))
            n += group_row(d->groups, i)->n;
    lines_reserve(d, n + 1);
    d->n = 0;
    for (size_t i = 0; i < ng; i++) {
        const struct group_row *g = group_row(d->groups, i);
        d->lines[d->n++] = (struct dash_line){&g->stats, NULL, g};
        if (!is_expanded(d, g))
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

static void remember_selection(struct dash *d, size_t selected)
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
                 is_expanded(d, l->group) ? "collapse" : "expand");
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

static void dash_update(struct ui *ui, void *state, int width, int height)
{
    struct dash *d = state;
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
    struct listcursor lc = table_cursor(m, d);
    listcursor_clamp(&lc);
    listcursor_scroll_to_selection(&lc);
    m->selected = lc.selected;
    m->top = lc.top;
    remember_selection(d, m->selected);
    selected_text(ui, d);
    find_common(ui, d);
    layout_cols(ui, d, width);
    update_spark(ui, d);
}

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
    for (int c = 0; c < DC_N; c++) {
        if (!d->col_w[c])
            continue;
        bool sorted = c != DC_SPARK && cols[c].rank == m->sort;
        enum colfmt_align al = (c == DC_KEY || c == DC_SPARK) ? COLFMT_LEFT : COLFMT_RIGHT;
        /* the arrow sits on the side away from the values, so no title moves when it does */
        char t[96];
        if (c == DC_SPARK)
            snprintf(t, sizeof(t), "%s", rank_column_name(m->stat));
        else if (c == DC_KEY)
            snprintf(t, sizeof(t), "%s%s", d->group_label ? d->group_label : cols[c].title,
                     sorted ? sort_arrow(m) : "");
        else
            snprintf(t, sizeof(t), "%s%s", sorted ? sort_arrow(m) : "", cols[c].title);
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
            draw_name(ui, d, w, y, line_name(d, line, name, sizeof(name)), base, selected);
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
    struct listcursor lc = table_cursor(m, d);
    listcursor_key(&lc, k);
    m->selected = lc.selected;
    d->follow = true;
    /* the row is known when it was computed; else the next update finds it */
    remember_selection(d, m->selected);
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
    clear_expanded(d);
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
    case KA_GROUP:
        next_grouping(ui, d);
        break;
    case KA_CLEAR:
        if (m->filter[0]) {
            m->filter[0] = '\0';
        } else if (d->group_label) { /* Esc again: back to one row per series */
            free(d->group_label);
            d->group_label = NULL;
            clear_expanded(d);
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
            toggle_expanded(d, d->lines[m->selected].group);
            d->follow = true;
            remember_selection(d, m->selected);
            break;
        }
        ui_open_detail(ui, d->lines[m->selected].series);
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
        remember_selection(d, i);
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
    free(d->lines);
    free(d->spark);
    free(d->prev);
    free(d->sel_group);
    free(d->group_label);
    group_free(d->groups);
    clear_expanded(d);
    free(d->expanded);
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
