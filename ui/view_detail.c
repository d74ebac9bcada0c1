/* view_detail.c — one series in depth: summary numbers of the window, the value distribution
 * as horizontal bars of the merged histogram's bins grouped into rows with p50/p90/p99
 * markers, a time chart of the chosen statistic (braille, ASCII fallback), and the recent
 * session windows (activity separated by quiet gaps). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/colfmt.h"
#include "core/fmt.h"
#include "core/hist.h"
#include "core/histrows.h"
#include "core/mem.h"
#include "core/spark.h"
#include "core/trend.h"
#include "core/window.h"
#include "ui/draw.h"
#include "ui/screen_draw.h"
#include "ui/ui_impl.h"

#define DETAIL_HIST_ROWS 20
#define DETAIL_CHART_MAX 512 /* samples */
#define DETAIL_SESSIONS 5    /* shown, newest first */
#define DETAIL_SESSION_GAP_S 5
#define DETAIL_LABEL_W 7 /* one humanised value */
#define DETAIL_WIDE 100  /* inner width from which histogram and chart sit side by side */

static const char *const marker_names[3] = {"p50", "p90", "p99"};

/* Where the parts go, in window coordinates; h == 0: not shown. */
struct detail_box {
    int x, y, w, h;
};

struct detail {
    const struct series *series; /* the series shown (init's argument) */
    const struct series *s;      /* what the numbers below are about */
    struct window_stats st;
    struct hist hist;
    struct colfmt_unit_info unit;

    struct histrows_bin *bins;
    size_t nbins, bins_cap;
    struct histrows_row rows[DETAIL_HIST_ROWS];
    size_t nrows;

    double chart[DETAIL_CHART_MAX];
    size_t nchart;
    uint32_t chart_bucket_s;

    struct window_stats sessions[DETAIL_SESSIONS]; /* newest first */
    size_t nsessions, total_sessions;

    struct detail_box hist_box, chart_box, sess_box;
    bool have_data;
};

/* ---------------------------------------------------------------------------------------------
 * Update
 * ------------------------------------------------------------------------------------------ */

static void collect_bin(double lo, double hi, uint64_t count, void *privdata)
{
    struct detail *d = privdata;
    if (d->nbins == d->bins_cap) {
        d->bins_cap = d->bins_cap ? 2 * d->bins_cap : 256;
        d->bins = xrealloc(d->bins, d->bins_cap * sizeof(*d->bins));
    }
    d->bins[d->nbins++] = (struct histrows_bin){lo, hi, count};
}

/* Splits the pane into histogram, chart and sessions boxes. */
static void plan(struct detail *d, int width, int height)
{
    int inner_w = width - 2, body_y = 4, body_h = height - 1 - body_y;
    d->hist_box = d->chart_box = d->sess_box = (struct detail_box){0, 0, 0, 0};
    if (body_h < 3 || inner_w < 20)
        return;
    int sess_h = 0;
    if (body_h >= 18)
        sess_h = 3 + DETAIL_SESSIONS; /* title, header, rows, a blank above */
    int rest = body_h - sess_h;
    if (inner_w >= DETAIL_WIDE) {
        int hw = inner_w * 45 / 100;
        d->hist_box = (struct detail_box){1, body_y, hw, rest};
        d->chart_box = (struct detail_box){1 + hw + 2, body_y, inner_w - hw - 2, rest};
    } else {
        int hh = rest * 55 / 100;
        if (hh > DETAIL_HIST_ROWS + 1)
            hh = DETAIL_HIST_ROWS + 1;
        d->hist_box = (struct detail_box){1, body_y, inner_w, hh};
        d->chart_box = (struct detail_box){1, body_y + hh + 1, inner_w, rest - hh - 1};
        if (d->chart_box.h < 3)
            d->chart_box.h = 0;
    }
    if (sess_h)
        d->sess_box = (struct detail_box){1, body_y + rest + 1, inner_w, sess_h - 1};
}

static void update_chart(struct ui *ui, struct detail *d)
{
    struct model *m = ui->m;
    const struct timeline *tl = &d->s->tl;
    d->nchart = 0;
    int cols = d->chart_box.w - DETAIL_LABEL_W - 1;
    if (d->chart_box.h == 0 || cols <= 0)
        return;
    size_t capacity = spark_chart_capacity(cols, screen_glyphs()->chart);
    if (capacity > DETAIL_CHART_MAX)
        capacity = DETAIL_CHART_MAX;
    uint32_t b = spark_bucket_for(m->window_s, capacity, tl->cfg.fine_slots, tl->cfg.coarse_s);
    size_t n = (m->window_s + b - 1) / b;
    if (n > capacity)
        n = capacity;
    struct trend_query q = {.to_ms = (m->now_ms / 1000 / b) * b * 1000, /* complete buckets */
                            .bucket_s = b,
                            .n = n,
                            .stat = m->stat,
                            .now_ms = m->now_ms,
                            .data_from_ms = model_data_from_ms(m)};
    trend_series(tl, &q, d->chart);
    d->nchart = n;
    d->chart_bucket_s = b;
}

static void update_sessions(struct ui *ui, struct detail *d)
{
    struct model *m = ui->m;
    const struct timeline *tl = &d->s->tl;
    int64_t from = m->now_ms - (int64_t)tl->cfg.retention_s * 1000;
    size_t n = window_sessions(tl, from, m->now_ms + 1, DETAIL_SESSION_GAP_S, NULL, 0);
    d->total_sessions = n;
    d->nsessions = 0;
    if (n == 0)
        return;
    struct window_stats *all = xmalloc(n * sizeof(*all));
    window_sessions(tl, from, m->now_ms + 1, DETAIL_SESSION_GAP_S, all, n);
    for (size_t i = 0; i < n && i < DETAIL_SESSIONS; i++)
        d->sessions[d->nsessions++] = all[n - 1 - i];
    free(all);
}

static void detail_update(struct ui *ui, void *state, int width, int height)
{
    struct detail *d = state;
    struct model *m = ui->m;
    d->s = d->series;
    d->have_data = false;
    if (d->s == NULL)
        return;
    colfmt_unit_of(d->s->key, &d->unit);
    plan(d, width, height);
    window_sliding(&d->s->tl, m->now_ms, m->window_s, 0, &d->st, &d->hist);
    window_rate_from(&d->st, model_data_from_ms(m), m->now_ms);
    d->nbins = 0;
    hist_foreach_bin(&d->hist, collect_bin, d);
    size_t max_rows = d->hist_box.h > 1 ? (size_t)d->hist_box.h - 1 : 0;
    if (max_rows > DETAIL_HIST_ROWS)
        max_rows = DETAIL_HIST_ROWS;
    d->nrows = histrows_group(d->bins, d->nbins, max_rows, d->rows);
    double marks[3] = {d->st.p50, d->st.p90, d->st.p99}; /* clamped by window_sliding */
    histrows_mark(d->rows, d->nrows, marks, 3);
    update_chart(ui, d);
    update_sessions(ui, d);
    d->have_data = true;
}

/* ---------------------------------------------------------------------------------------------
 * Drawing
 * ------------------------------------------------------------------------------------------ */

static const char *val(const struct detail *d, double v, char *buf, size_t cap)
{
    return colfmt_value(v, &d->unit, buf, cap);
}

/* "label value" pairs across a row; stops at the edge. */
static int draw_pair(WINDOW *w, int y, int x, int maxx, const char *label, const char *value)
{
    if (x >= maxx)
        return x;
    x += draw_str(w, y, x, maxx - x, label, screen_attr(THEME_DIM));
    x += draw_str(w, y, x, maxx - x, " ", A_NORMAL);
    x += draw_str(w, y, x, maxx - x, value, screen_attr(THEME_NORMAL) | A_BOLD);
    return x + 3;
}

static void draw_summary(struct detail *d, WINDOW *w)
{
    const struct window_stats *st = &d->st;
    int maxx = getmaxx(w) - 1;
    char b[14][32];
    bool empty = st->sum.count == 0;
    int x = 2;
    x = draw_pair(w, 1, x, maxx, "count", fmt_si((double)st->sum.count, b[0], 32));
    x = draw_pair(w, 1, x, maxx, "rate/s", fmt_si(st->rate, b[1], 32));
    x = draw_pair(w, 1, x, maxx, "avg", val(d, summary_mean(&st->sum), b[2], 32));
    x = draw_pair(w, 1, x, maxx, "stddev", val(d, summary_stddev(&st->sum), b[3], 32));
    x = draw_pair(w, 1, x, maxx, "min", val(d, empty ? NAN : st->sum.min, b[4], 32));
    x = draw_pair(w, 1, x, maxx, "max", val(d, empty ? NAN : st->sum.max, b[5], 32));
    /* since the series appeared, not per window: events behind the watermark, and too old */
    x = draw_pair(w, 1, x, maxx, "late", fmt_si((double)d->s->late, b[12], 32));
    draw_pair(w, 1, x, maxx, "expired", fmt_si((double)d->s->expired, b[13], 32));
    x = 2;
    x = draw_pair(w, 2, x, maxx, "p50", val(d, st->p50, b[6], 32));
    x = draw_pair(w, 2, x, maxx, "p90", val(d, st->p90, b[7], 32));
    x = draw_pair(w, 2, x, maxx, "p95", val(d, st->p95, b[8], 32));
    x = draw_pair(w, 2, x, maxx, "p99", val(d, st->p99, b[9], 32));
    x = draw_pair(w, 2, x, maxx, "p99.9", val(d, st->p999, b[10], 32));
    draw_pair(w, 2, x, maxx, "last", val(d, empty ? NAN : st->sum.last, b[11], 32));
}

static void draw_hist(struct ui *ui, struct detail *d, WINDOW *w)
{
    const struct detail_box *bx = &d->hist_box;
    const struct screen_glyphs *g = screen_glyphs();
    if (bx->h == 0)
        return;
    char title[96], win[16];
    snprintf(title, sizeof(title), "Distribution, last %s (value buckets)",
             model_window_name(ui->m->window_s, win, sizeof(win)));
    draw_text(w, bx->y, bx->x, bx->w, title, COLFMT_LEFT, screen_attr(THEME_HEADER));
    if (d->nrows == 0) {
        draw_text(w, bx->y + 1, bx->x, bx->w, "no events in the window", COLFMT_LEFT,
                  screen_attr(THEME_DIM));
        return;
    }
    uint64_t maxc = histrows_max_count(d->rows, d->nrows);
    /* label lo–hi, bar, count, markers */
    int label_w = 2 * DETAIL_LABEL_W + 1, count_w = 6, marks_w = 14;
    int bar_w = bx->w - label_w - count_w - marks_w - 3;
    if (bar_w < 4) {
        marks_w = 0;
        bar_w = bx->w - label_w - count_w - 2;
    }
    for (size_t r = 0; r < d->nrows && (int)r + 1 < bx->h; r++) {
        const struct histrows_row *row = &d->rows[r];
        int y = bx->y + 1 + (int)r, x = bx->x;
        char lo[24], hi[24], label[64], bar[4 * 256 + 1], cnt[16];
        if (row->lo == row->hi)
            snprintf(label, sizeof(label), "%s", val(d, row->lo, lo, sizeof(lo)));
        else
            snprintf(label, sizeof(label), "%s%s%s", val(d, row->lo, lo, sizeof(lo)), g->dash,
                     val(d, row->hi, hi, sizeof(hi)));
        draw_text(w, y, x, label_w, label, COLFMT_RIGHT, screen_attr(THEME_DIM));
        x += label_w + 1;
        if (bar_w > 0) {
            int bw = bar_w > 256 ? 256 : bar_w;
            spark_bar(maxc ? (double)row->count / (double)maxc : 0, bw, g->spark, bar, sizeof(bar));
            draw_text(w, y, x, bw, bar, COLFMT_LEFT, screen_attr(THEME_BAR));
            x += bar_w + 1;
        }
        draw_text(w, y, x, count_w, fmt_si((double)row->count, cnt, sizeof(cnt)), COLFMT_RIGHT,
                  screen_attr(THEME_NORMAL));
        x += count_w + 1;
        if (row->markers && marks_w > 0) {
            char m[64];
            int n = snprintf(m, sizeof(m), "%s", g->marker);
            for (int i = 0; i < 3; i++)
                if (row->markers & (1u << i))
                    n += snprintf(m + n, sizeof(m) - (size_t)n, " %s", marker_names[i]);
            draw_text(w, y, x, marks_w, m, COLFMT_LEFT, screen_attr(THEME_MARKER));
        }
    }
}

/* The time axis under a plot of cols columns spanning span_s seconds up to now: "-1m" at the
 * left edge, "now" ending at the right one, and between them "-30s"-style labels each
 * starting at the column where its instant begins (column c covers the c-th cols-th of the
 * span), at a round step that leaves a blank between labels. */
static void draw_axis(WINDOW *w, int y, int x, int cols, uint32_t span_s)
{
    static const uint32_t steps[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
    attr_t a = screen_attr(THEME_DIM);
    char t[24], name[16];
    if (cols < 8 || span_s == 0)
        return;
    snprintf(t, sizeof(t), "-%s", model_window_name(span_s, name, sizeof(name)));
    int used = draw_str(w, y, x, cols, t, a); /* columns taken from the left */
    int now_x = cols - 3;
    draw_text(w, y, x + now_x, 3, "now", COLFMT_LEFT, a);
    uint32_t step = 0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]) && !step; i++)
        if ((uint64_t)steps[i] * (uint64_t)cols >= (uint64_t)span_s * 10) /* 10 columns apart */
            step = steps[i];
    if (step == 0)
        return;
    for (uint32_t ago = span_s - step; ago > 0 && ago < span_s; ago -= step < ago ? step : ago) {
        int c = (int)(((uint64_t)(span_s - ago) * (uint64_t)cols + span_s / 2) / span_s);
        snprintf(t, sizeof(t), "-%s", model_window_name(ago, name, sizeof(name)));
        int tw = draw_width(t);
        if (c <= used || c + tw >= now_x) /* a blank on each side, or left out */
            continue;
        used = c + draw_str(w, y, x + c, tw, t, a);
    }
}

static void draw_chart(struct ui *ui, struct detail *d, WINDOW *w)
{
    const struct detail_box *bx = &d->chart_box;
    struct model *m = ui->m;
    if (bx->h == 0)
        return;
    char title[128], win[16], bucket[16];
    snprintf(title, sizeof(title), "%s over the last %s (%s points)", rank_column_name(m->stat),
             model_window_name(m->window_s, win, sizeof(win)),
             model_window_name(d->chart_bucket_s, bucket, sizeof(bucket)));
    draw_text(w, bx->y, bx->x, bx->w, title, COLFMT_LEFT, screen_attr(THEME_HEADER));
    int rows = bx->h - 2, cols = bx->w - DETAIL_LABEL_W - 1;
    if (rows < 1 || cols < 1 || d->nchart == 0)
        return;
    double lo = 0, hi = 0;
    bool any = false;
    for (size_t i = 0; i < d->nchart; i++)
        if (!isnan(d->chart[i])) {
            if (d->chart[i] > hi)
                hi = d->chart[i];
            if (d->chart[i] < lo)
                lo = d->chart[i];
            any = true;
        }
    bool is_value = m->stat != RANK_RATE && m->stat != RANK_COUNT;
    struct colfmt_unit_info plain = {COLFMT_UNIT_NONE, 0};
    const struct colfmt_unit_info *u = is_value ? &d->unit : &plain;
    /* the samples stretched over every point of the plot (a sample takes floor or ceil of
     * points / samples), so the plot spans its axis whatever the window and width */
    enum spark_chart style = screen_glyphs()->chart;
    size_t npts = spark_chart_capacity(cols, style);
    double *pts = xmalloc((npts + 1) * sizeof(*pts));
    for (size_t p = 0; p < npts; p++)
        pts[p] = d->chart[p * d->nchart / npts];
    for (int r = 0; r < rows; r++) {
        char line[4 * 1024 + 1], label[24] = "";
        if (any && r == 0)
            colfmt_value(hi, u, label, sizeof(label));
        else if (any && r == rows - 1)
            colfmt_value(lo, u, label, sizeof(label));
        draw_text(w, bx->y + 1 + r, bx->x, DETAIL_LABEL_W, label, COLFMT_RIGHT,
                  screen_attr(THEME_DIM));
        spark_chart_row(pts, npts, lo, hi, r, rows, cols, style, line, sizeof(line));
        draw_text(w, bx->y + 1 + r, bx->x + DETAIL_LABEL_W + 1, cols, line, COLFMT_LEFT,
                  screen_attr(THEME_CHART));
    }
    free(pts);
    draw_axis(w, bx->y + bx->h - 1, bx->x + DETAIL_LABEL_W + 1, cols,
              (uint32_t)d->nchart * d->chart_bucket_s);
}

static void draw_sessions(struct ui *ui, struct detail *d, WINDOW *w)
{
    const struct detail_box *bx = &d->sess_box;
    if (bx->h == 0)
        return;
    char title[128];
    snprintf(title, sizeof(title),
             "Sessions: bursts of activity split by %d s of quiet "
             "(%zu in the last %u min, newest first)",
             DETAIL_SESSION_GAP_S, d->total_sessions, d->s->tl.cfg.retention_s / 60);
    draw_text(w, bx->y, bx->x, bx->w, title, COLFMT_LEFT, screen_attr(THEME_HEADER));
    static const char *const heads[] = {"start", "length", "count", "rate/s", "avg", "p99", "max"};
    int colw = 9, x = bx->x + 1;
    for (int c = 0; c < 7 && x + colw <= bx->x + bx->w; c++, x += colw + 1)
        draw_text(w, bx->y + 1, x, colw, heads[c], c == 0 ? COLFMT_LEFT : COLFMT_RIGHT,
                  screen_attr(THEME_HEADER));
    if (d->nsessions == 0) {
        draw_text(w, bx->y + 2, bx->x + 1, bx->w - 1, "none in the retention window", COLFMT_LEFT,
                  screen_attr(THEME_DIM));
        (void)ui;
        return;
    }
    for (size_t i = 0; i < d->nsessions && (int)i + 2 < bx->h; i++) {
        const struct window_stats *s = &d->sessions[i];
        char cell[7][32];
        time_t t = (time_t)(s->start_ms / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(cell[0], sizeof(cell[0]), "%H:%M:%S", &tm);
        fmt_duration_ms((double)(s->end_ms - s->start_ms), cell[1], sizeof(cell[1]));
        fmt_si((double)s->sum.count, cell[2], sizeof(cell[2]));
        fmt_si(s->rate, cell[3], sizeof(cell[3]));
        val(d, summary_mean(&s->sum), cell[4], sizeof(cell[4]));
        val(d, s->p99, cell[5], sizeof(cell[5]));
        val(d, s->sum.count ? s->sum.max : NAN, cell[6], sizeof(cell[6]));
        x = bx->x + 1;
        for (int c = 0; c < 7 && x + colw <= bx->x + bx->w; c++, x += colw + 1)
            draw_text(w, bx->y + 2 + (int)i, x, colw, cell[c], c == 0 ? COLFMT_LEFT : COLFMT_RIGHT,
                      screen_attr(THEME_NORMAL));
    }
}

static void detail_draw(struct ui *ui, void *state, WINDOW *w, bool focused)
{
    struct detail *d = state;
    const struct screen_glyphs *g = screen_glyphs();
    char title[1200], win[48];
    const char *key = d->s ? d->s->key : "";
    snprintf(title, sizeof(title), "%s %s last %s", key, g->dot,
             model_window_label(ui->m, win, sizeof(win)));
    draw_frame(w, title, ui->m->paused ? "PAUSED  Esc back" : "Esc back", focused);
    if (!d->have_data) {
        draw_center(w, getmaxy(w) / 2, "no series selected", screen_attr(THEME_DIM));
        return;
    }
    draw_summary(d, w);
    draw_hist(ui, d, w);
    draw_chart(ui, d, w);
    draw_sessions(ui, d, w);
}

static enum view_key_result detail_key(struct ui *ui, void *state, enum key_action a)
{
    (void)state;
    switch (a) {
    case KA_BACK:
        ui_close_detail(ui);
        break;
    case KA_WINDOW:
        model_next_window(ui->m);
        break;
    case KA_STAT_NEXT:
        model_next_stat(ui->m);
        break;
    default:
        return VIEW_KEY_IGNORED;
    }
    return VIEW_KEY_HANDLED;
}

static void *detail_init(struct ui *ui, const void *arg)
{
    (void)ui;
    struct detail *d = xcalloc(1, sizeof(*d));
    d->series = arg;
    hist_init(&d->hist);
    return d;
}

static void detail_free(void *state)
{
    struct detail *d = state;
    if (d == NULL)
        return;
    hist_clear(&d->hist);
    free(d->bins);
    free(d);
}

const struct view view_detail = {
    .name = "detail",
    .ctx = KEYCTX_DETAIL,
    .init = detail_init,
    .free = detail_free,
    .update = detail_update,
    .draw = detail_draw,
    .key = detail_key,
};
