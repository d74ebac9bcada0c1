/* rank.c — top-N selection: a cheap sort key for every series, full stats for the winners.
 * Ranking by a quantile needs each candidate's merged histogram; by count, rate, avg, min, max
 * or sum only the summaries are merged, which is an order of magnitude cheaper. */
#include "core/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/event.h"
#include "core/mem.h"
#include "core/rule.h"
#include "core/select.h"

static const char *const column_names[RANK_NCOLUMNS] = {
    [RANK_KEY] = "key",   [RANK_RATE] = "rate", [RANK_COUNT] = "count",   [RANK_SUM] = "sum",
    [RANK_AVG] = "avg",   [RANK_MIN] = "min",   [RANK_MAX] = "max",       [RANK_STDDEV] = "stddev",
    [RANK_P50] = "p50",   [RANK_P90] = "p90",   [RANK_P95] = "p95",       [RANK_P99] = "p99",
    [RANK_P999] = "p999", [RANK_LAST] = "last", [RANK_FIRST] = "first", [RANK_RANGE] = "range",
    [RANK_STD_S] = "std.s", [RANK_VAR_P] = "var.p", [RANK_VAR_S] = "var.s",
    [RANK_INCREASE] = "increase",
};

const char *rank_column_name(enum rank_column col)
{
    return (unsigned)col < RANK_NCOLUMNS ? column_names[col] : "?";
}

int rank_column_parse(const char *name, enum rank_column *out)
{
    for (int i = 0; i < RANK_NCOLUMNS; i++)
        if (strcasecmp(name, column_names[i]) == 0) {
            *out = (enum rank_column)i;
            return 0;
        }
    if (strcasecmp(name, "avg") == 0 || strcasecmp(name, "mean") == 0) {
        *out = RANK_AVG;
        return 0;
    }
    return -1;
}

double rank_column_value(const struct window_stats *st, enum rank_column col)
{
    switch (col) {
    case RANK_RATE: return st->rate;
    case RANK_COUNT: return (double)st->sum.count;
    case RANK_SUM: return st->sum.count ? st->sum.sum : NAN;
    case RANK_AVG: return summary_mean(&st->sum);
    case RANK_MIN: return st->sum.count ? st->sum.min : NAN;
    case RANK_MAX: return st->sum.count ? st->sum.max : NAN;
    case RANK_STDDEV: return summary_stddev(&st->sum);
    case RANK_P50: return st->p50;
    case RANK_P90: return st->p90;
    case RANK_P95: return st->p95;
    case RANK_P99: return st->p99;
    case RANK_P999: return st->p999;
    case RANK_LAST: return st->sum.count ? st->sum.last : NAN;
    /* the query language's definitions (core/rule_agg) */
    case RANK_FIRST: return rule_agg_value(RULE_AGG_FIRST, NAN, &st->sum, NULL, 0);
    case RANK_RANGE: return rule_agg_value(RULE_AGG_RANGE, NAN, &st->sum, NULL, 0);
    case RANK_STD_S: return rule_agg_value(RULE_AGG_STD_S, NAN, &st->sum, NULL, 0);
    case RANK_VAR_P: return rule_agg_value(RULE_AGG_VAR_P, NAN, &st->sum, NULL, 0);
    case RANK_VAR_S: return rule_agg_value(RULE_AGG_VAR_S, NAN, &st->sum, NULL, 0);
    case RANK_INCREASE: return rule_agg_value(RULE_AGG_INCREASE, NAN, &st->sum, NULL, 0);
    case RANK_KEY:
    case RANK_NCOLUMNS:
    default:
        return NAN;
    }
}

static bool column_needs_quantiles(enum rank_column col)
{
    return col >= RANK_P50 && col <= RANK_P999;
}

struct candidate {
    const struct series *series;
    double key; /* NAN: empty window or undefined value, sorts last */
};

/* Orders candidates best first. qsort has no context argument, hence one comparator a way. */
static int cmp_common(const struct candidate *a, const struct candidate *b, bool ascending)
{
    bool na = isnan(a->key), nb = isnan(b->key);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->key != b->key) {
        int c = a->key < b->key ? -1 : 1;
        return ascending ? c : -c;
    }
    return strcmp(a->series->key, b->series->key);
}

static int cmp_desc(const void *x, const void *y)
{
    return cmp_common(x, y, false);
}

static int cmp_asc(const void *x, const void *y)
{
    return cmp_common(x, y, true);
}

static int cmp_key_asc(const void *x, const void *y)
{
    const struct candidate *a = x, *b = y;
    return strcmp(a->series->key, b->series->key);
}

static int cmp_key_desc(const void *x, const void *y)
{
    return -cmp_key_asc(x, y);
}

bool rank_passes(const struct series *s, const struct rank_query *q)
{
    if (q->substring && q->substring[0] && !select_substring_match(s->key, q->substring))
        return false;
    if (q->select) {
        struct event ev;
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            return false;
        return select_match(q->select, &ev);
    }
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Hysteresis: near-equal rows keep the order they were shown in
 * ------------------------------------------------------------------------------------------ */

struct prev_pos {
    const struct series *series;
    size_t pos;
};

static int cmp_prev_pos(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t)((const struct prev_pos *)x)->series;
    uintptr_t b = (uintptr_t)((const struct prev_pos *)y)->series;
    return a < b ? -1 : a > b;
}

static bool near_equal(double a, double b, double tolerance)
{
    if (isnan(a) || isnan(b))
        return false;
    return fabs(a - b) <= tolerance * fmax(fabs(a), fabs(b));
}

/* Insertion sort of the first n candidates (already in value order) in which a row passes the
 * one above it only when both are near-equal and it was shown above it last time (a row not
 * shown then counts as shown last). Each move is between near-equal rows, so no row ends above
 * one that beats it by more than the tolerance. Nearly sorted input: about n steps. */
static void keep_previous_order(struct candidate *c, size_t n, const struct rank_query *q)
{
    struct prev_pos *pp = xmalloc(q->prev_n * sizeof(*pp));
    for (size_t i = 0; i < q->prev_n; i++)
        pp[i] = (struct prev_pos){q->prev[i], i};
    qsort(pp, q->prev_n, sizeof(*pp), cmp_prev_pos);
    size_t *pos = xmalloc(n * sizeof(*pos));
    for (size_t i = 0; i < n; i++) {
        struct prev_pos want = {c[i].series, 0};
        const struct prev_pos *f = bsearch(&want, pp, q->prev_n, sizeof(*pp), cmp_prev_pos);
        pos[i] = f ? f->pos : SIZE_MAX;
    }
    for (size_t i = 1; i < n; i++) {
        struct candidate x = c[i];
        size_t px = pos[i], j = i;
        while (j > 0 && pos[j - 1] > px && near_equal(c[j - 1].key, x.key, q->tolerance)) {
            c[j] = c[j - 1];
            pos[j] = pos[j - 1];
            j--;
        }
        c[j] = x;
        pos[j] = px;
    }
    free(pos);
    free(pp);
}

size_t rank_top(const struct series_table *tab, const struct rank_query *q, struct rank_row *out,
                size_t cap)
{
    struct candidate *c = xmalloc((tab->count + 1) * sizeof(*c));
    unsigned flags = column_needs_quantiles(q->column) ? 0 : WINDOW_NO_QUANTILES;
    int64_t data_from = series_table_data_from_ms(tab, q->now_ms);
    size_t n = 0;
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (!rank_passes(s, q))
            continue;
        struct window_stats st;
        window_sliding(&s->tl, q->now_ms, q->width_s, flags, &st, NULL);
        window_rate_from(&st, data_from, q->now_ms);
        if (q->skip_empty && st.sum.count == 0)
            continue;
        c[n].series = s;
        c[n].key = st.sum.count ? rank_column_value(&st, q->column) : NAN;
        n++;
    }
    if (q->column == RANK_KEY)
        qsort(c, n, sizeof(*c), q->ascending ? cmp_key_desc : cmp_key_asc);
    else
        qsort(c, n, sizeof(*c), q->ascending ? cmp_asc : cmp_desc);
    if (q->column != RANK_KEY && q->prev && q->prev_n && q->tolerance > 0)
        keep_previous_order(c, n < cap + q->prev_n ? n : cap + q->prev_n, q);
    size_t m = n < cap ? n : cap;
    for (size_t i = 0; i < m; i++) {
        out[i].series = c[i].series;
        window_sliding(&c[i].series->tl, q->now_ms, q->width_s, 0, &out[i].stats, NULL);
        window_rate_from(&out[i].stats, data_from, q->now_ms);
    }
    free(c);
    return n;
}
