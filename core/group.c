/* group.c — grouping series by one label's value: members sorted by value then by the query's
 * column, each run of one value merged into a group row (summaries with summary_merge,
 * histograms with hist_merge, rates added), then the groups ranked. */
#include "core/group.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/hist.h"
#include "core/mem.h"

static const double group_qs[5] = {0.5, 0.9, 0.95, 0.99, 0.999};

struct member {
    struct rank_row row;
    size_t value_off; /* into the arena */
    bool has_label;
    double key; /* the query column's value, NAN when empty */
};

struct group_set {
    char *arena; /* label values, NUL-terminated */
    size_t arena_len, arena_cap;
    struct member *members;
    struct rank_row *member_rows; /* members in group order, for group_member */
    size_t nmembers, members_cap;
    struct group_row *rows;
    double *row_keys;
    size_t nrows, rows_cap;
};

struct group_set *group_new(void)
{
    return xcalloc(1, sizeof(struct group_set));
}

void group_free(struct group_set *g)
{
    if (g == NULL)
        return;
    free(g->arena);
    free(g->members);
    free(g->member_rows);
    free(g->rows);
    free(g->row_keys);
    free(g);
}

const struct group_row *group_row(const struct group_set *g, size_t i)
{
    return &g->rows[i];
}

const struct rank_row *group_member(const struct group_set *g, size_t j)
{
    return &g->member_rows[j];
}

static size_t arena_add(struct group_set *g, const char *s, size_t n)
{
    if (g->arena_len + n + 1 > g->arena_cap) {
        g->arena_cap = (g->arena_len + n + 1) * 2;
        g->arena = xrealloc(g->arena, g->arena_cap);
    }
    size_t off = g->arena_len;
    memcpy(g->arena + off, s, n);
    g->arena[off + n] = '\0';
    g->arena_len += n + 1;
    return off;
}

/* The value of label in key: its offset in ev.buf, or -1 when the key has no such label. */
static int label_value(const struct event *ev, const char *label)
{
    for (uint16_t i = 0; i < ev->nlabels; i++)
        if (strcmp(ev->buf + ev->labels[i].name_off, label) == 0)
            return ev->labels[i].value_off;
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Orders. qsort has no context argument: each item carries what its comparator needs, and
 * there is one comparator per direction.
 * ------------------------------------------------------------------------------------------ */

/* Orders by value key (NAN last), direction, then tiebreak. */
static int cmp_keys(double a, double b, bool ascending)
{
    bool na = isnan(a), nb = isnan(b);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a != b) {
        int c = a < b ? -1 : 1;
        return ascending ? c : -c;
    }
    return 0;
}

struct sort_item {
    const char *value; /* group value (members: their group's; groups: theirs) */
    bool has_label;
    double key;
    const char *name; /* tiebreak: series key (members) or value (groups) */
    size_t index;     /* into members or rows */
};

/* Groups without the label last; then by value. */
static int cmp_value(const struct sort_item *a, const struct sort_item *b)
{
    if (a->has_label != b->has_label)
        return a->has_label ? -1 : 1;
    return strcmp(a->value, b->value);
}

static int cmp_members_desc(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = cmp_value(a, b);
    if (c == 0)
        c = cmp_keys(a->key, b->key, false);
    return c ? c : strcmp(a->name, b->name);
}

static int cmp_members_asc(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = cmp_value(a, b);
    if (c == 0)
        c = cmp_keys(a->key, b->key, true);
    return c ? c : strcmp(a->name, b->name);
}

static int cmp_groups_desc(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = cmp_keys(a->key, b->key, false);
    return c ? c : cmp_value(a, b);
}

static int cmp_groups_asc(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = cmp_keys(a->key, b->key, true);
    return c ? c : cmp_value(a, b);
}

static int cmp_groups_by_value(const void *x, const void *y)
{
    return cmp_value(x, y);
}

static int cmp_groups_by_value_rev(const void *x, const void *y)
{
    return -cmp_value(x, y);
}

/* ---------------------------------------------------------------------------------------------
 * Grouping
 * ------------------------------------------------------------------------------------------ */

/* Fills g->members with the series of tab passing q: their label value and window stats. */
static void collect_members(struct group_set *g, const struct series_table *tab,
                            const struct rank_query *q, const char *label)
{
    struct event ev;
    int64_t data_from = series_table_data_from_ms(tab, q->now_ms);
    g->nmembers = 0;
    g->arena_len = 0;
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (!rank_passes(s, q))
            continue;
        if (g->nmembers == g->members_cap) {
            g->members_cap = g->members_cap ? 2 * g->members_cap : 64;
            g->members = xrealloc(g->members, g->members_cap * sizeof(*g->members));
        }
        struct member *mb = &g->members[g->nmembers++];
        int off =
            event_parse_key(s->key, s->key_len, &ev) == EVENT_OK ? label_value(&ev, label) : -1;
        mb->has_label = off >= 0;
        mb->value_off =
            off >= 0 ? arena_add(g, ev.buf + off, strlen(ev.buf + off)) : arena_add(g, "", 0);
        mb->row.series = s;
        window_sliding(&s->tl, q->now_ms, q->width_s, 0, &mb->row.stats, NULL);
        window_rate_from(&mb->row.stats, data_from, q->now_ms);
        mb->key = mb->row.stats.sum.count ? rank_column_value(&mb->row.stats, q->column) : NAN;
    }
}

/* Merges members [first, first + n) (sort order) into one group row. */
static void merge_group(const struct group_set *g, const struct series_table *tab,
                        const struct rank_query *q, const struct sort_item *items, size_t first,
                        size_t n, struct group_row *out)
{
    struct window_stats *st = &out->stats;
    struct hist acc, one;
    hist_init(&acc);
    hist_init(&one);
    int64_t data_from = series_table_data_from_ms(tab, q->now_ms);
    bool any_rate = false;
    for (size_t j = first; j < first + n; j++) {
        const struct member *mb = &g->members[items[j].index];
        struct window_stats w;
        /* the histogram again (collect_members kept only the stats: one histogram per
         * series would cost the memory of all of them at once) */
        hist_reset(&one);
        window_sliding(&mb->row.series->tl, q->now_ms, q->width_s, 0, &w, &one);
        window_rate_from(&w, data_from, q->now_ms);
        if (j == first) {
            *st = w;
            summary_init(&st->sum);
            st->rate = 0;
        }
        summary_merge(&st->sum, &w.sum);
        if (!isnan(w.rate)) {
            st->rate += w.rate;
            any_rate = true;
        }
        hist_merge(&acc, &one);
    }
    if (!any_rate)
        st->rate = NAN;
    double qv[5] = {NAN, NAN, NAN, NAN, NAN};
    if (st->sum.count) {
        hist_quantiles(&acc, group_qs, qv, 5);
        for (int k = 0; k < 5; k++)
            qv[k] =
                hist_quantile_clamp(qv[k], group_qs[k], st->sum.count, st->sum.min, st->sum.max);
    }
    st->p50 = qv[0], st->p90 = qv[1], st->p95 = qv[2], st->p99 = qv[3], st->p999 = qv[4];
    hist_clear(&acc);
    hist_clear(&one);
}

size_t group_compute(struct group_set *g, const struct series_table *tab,
                     const struct rank_query *q, const char *label)
{
    collect_members(g, tab, q, label);
    size_t n = g->nmembers;
    struct sort_item *items = xmalloc((n + 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        const struct member *mb = &g->members[i];
        items[i] = (struct sort_item){g->arena + mb->value_off, mb->has_label, mb->key,
                                      mb->row.series->key, i};
    }
    /* members by value, then best first within each value */
    qsort(items, n, sizeof(*items), q->ascending ? cmp_members_asc : cmp_members_desc);

    g->nrows = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && cmp_value(&items[i], &items[j]) == 0)
            j++;
        if (g->nrows == g->rows_cap) {
            g->rows_cap = g->rows_cap ? 2 * g->rows_cap : 16;
            g->rows = xrealloc(g->rows, g->rows_cap * sizeof(*g->rows));
        }
        struct group_row *r = &g->rows[g->nrows++];
        r->value = items[i].value;
        r->has_label = items[i].has_label;
        r->first = i;
        r->n = j - i;
        merge_group(g, tab, q, items, i, j - i, r);
        i = j;
    }

    /* member rows in the order above: each group's members stay contiguous */
    g->member_rows = xrealloc(g->member_rows, (n + 1) * sizeof(*g->member_rows));
    for (size_t i = 0; i < n; i++)
        g->member_rows[i] = g->members[items[i].index].row;

    /* the groups ranked */
    struct sort_item *gi = xmalloc((g->nrows + 1) * sizeof(*gi));
    for (size_t i = 0; i < g->nrows; i++) {
        const struct window_stats *st = &g->rows[i].stats;
        gi[i] = (struct sort_item){g->rows[i].value, g->rows[i].has_label,
                                   st->sum.count ? rank_column_value(st, q->column) : NAN,
                                   g->rows[i].value, i};
    }
    int (*cmp)(const void *, const void *) =
        q->column == RANK_KEY ? (q->ascending ? cmp_groups_by_value_rev : cmp_groups_by_value)
                              : (q->ascending ? cmp_groups_asc : cmp_groups_desc);
    qsort(gi, g->nrows, sizeof(*gi), cmp);
    struct group_row *sorted = xmalloc((g->nrows + 1) * sizeof(*sorted));
    for (size_t i = 0; i < g->nrows; i++)
        sorted[i] = g->rows[gi[i].index];
    free(g->rows);
    g->rows = sorted;
    g->rows_cap = g->nrows + 1;
    free(gi);
    free(items);
    return g->nrows;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

size_t group_label_names(const struct series_table *tab, const struct rank_query *q, char **out,
                         size_t cap)
{
    char **names = NULL;
    size_t n = 0, ncap = 0;
    struct event ev;
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (!rank_passes(s, q) || event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            continue;
        for (uint16_t l = 0; l < ev.nlabels; l++) {
            const char *name = ev.buf + ev.labels[l].name_off;
            bool seen = false;
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(names[k], name) == 0;
            if (seen)
                continue;
            if (n == ncap) {
                ncap = ncap ? 2 * ncap : 8;
                names = xrealloc(names, ncap * sizeof(*names));
            }
            names[n++] = xstrdup(name);
        }
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i < cap)
            out[i] = names[i];
        else
            free(names[i]);
    }
    free(names);
    return n;
}
