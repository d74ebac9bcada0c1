/* query.c — the rows of a query: series matched by the expression's selector, grouped by its
 * `by` labels (the same group keys as alert rules), each window's slots merged per group. */
#include "core/query.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h" /* alert_labels_by, alert_labels_text: the rules' group keys */
#include "core/event.h"
#include "core/mem.h"
#include "core/select.h"
#include "core/timeline.h"
#include "core/window.h"

/* Open addressing over group keys while grouping (index + 1, 0: free). */
struct gindex {
    uint32_t *slots;
    size_t cap;
};

static size_t gindex_find(const struct gindex *ix, const struct query_result *r, const char *key)
{
    size_t mask = ix->cap - 1;
    for (size_t i = alert_labels_hash(key) & mask;; i = (i + 1) & mask)
        if (ix->slots[i] == 0 || strcmp(r->groups[ix->slots[i] - 1].key, key) == 0)
            return i;
}

static void gindex_grow(struct gindex *ix, const struct query_result *r)
{
    free(ix->slots);
    ix->cap = ix->cap ? 2 * ix->cap : 64;
    ix->slots = xcalloc(ix->cap, sizeof *ix->slots);
    for (size_t g = 0; g < r->ngroups; g++)
        ix->slots[gindex_find(ix, r, r->groups[g].key)] = (uint32_t)g + 1;
}

/* The group with this key (consumed), created when new. */
static struct query_group *group_get(struct query_result *r, struct gindex *ix, char *key,
                                     size_t *cap)
{
    if (ix) {
        if (2 * (r->ngroups + 1) > ix->cap)
            gindex_grow(ix, r);
        size_t i = gindex_find(ix, r, key);
        if (ix->slots[i]) {
            free(key);
            return &r->groups[ix->slots[i] - 1];
        }
        ix->slots[i] = (uint32_t)r->ngroups + 1;
    }
    if (r->ngroups == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        r->groups = xrealloc(r->groups, *cap * sizeof *r->groups);
    }
    struct query_group *g = &r->groups[r->ngroups++];
    *g = (struct query_group){.key = key, .cells = xmalloc(r->nwindows * sizeof *g->cells)};
    for (size_t k = 0; k < r->nwindows; k++) {
        summary_init(&g->cells[k].sum);
        hist_init(&g->cells[k].hist);
    }
    return g;
}

/* Adds series s's slots in each window to g. */
static void group_add(struct query_group *g, const struct series *s, const struct query_window *w,
                      size_t nw, bool with_hist)
{
    g->nseries++;
    g->late += s->late;
    g->expired += s->expired;
    for (size_t k = 0; k < nw; k++) {
        struct timeline_iter it;
        const struct timeline_slot *slot;
        int64_t start_s;
        uint32_t len_s;
        if (w[k].end_s <= w[k].start_s)
            continue;
        timeline_iter_init(&it, &s->tl, w[k].start_s, w[k].end_s - 1);
        while ((slot = timeline_iter_next(&it, &start_s, &len_s)) != NULL) {
            struct summary ss;
            timeline_slot_summary(slot, start_s, &ss);
            summary_merge(&g->cells[k].sum, &ss);
            if (with_hist)
                hist_merge(&g->cells[k].hist, &slot->hist);
        }
    }
}

void query_run(const struct series_table *tab, const struct rule_expr *e,
               const struct query_window *w, size_t nw, bool with_hist, struct query_result *out)
{
    bool one_group = e->agg == RULE_AGG_ABSENT || (!e->bare && e->has_by && e->nby == 0);
    bool grouped = !e->bare && e->has_by && !one_group;
    struct gindex ix = {0};
    struct alert_kv *kv = xmalloc((e->nby + 1) * sizeof *kv);
    size_t cap = 0;
    struct event ev;

    *out = (struct query_result){.nwindows = nw};
    if (one_group)
        group_get(out, NULL, xstrdup(""), &cap);
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK || !select_match(e->sel, &ev))
            continue;
        struct query_group *g;
        if (one_group) {
            g = &out->groups[0];
        } else if (grouped) {
            g = group_get(out, &ix, alert_labels_text(kv, alert_labels_by(e, &ev, kv)), &cap);
        } else {
            g = group_get(out, NULL, xstrndup(s->key, s->key_len), &cap);
            g->series = s;
        }
        group_add(g, s, w, nw, with_hist);
    }
    free(kv);
    free(ix.slots);
}

void query_sessions(const struct series_table *tab, const struct rule_expr *e, uint32_t gap_s,
                    int64_t lo_s, int64_t hi_s, bool with_hist, struct query_result *out)
{
    size_t cap = 0, scap = 0;
    struct window_stats *ws = NULL;
    struct event ev;

    *out = (struct query_result){.nwindows = 1};
    for (uint32_t i = 0; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK || !select_match(e->sel, &ev))
            continue;
        size_t n = window_sessions(&s->tl, lo_s * 1000, (hi_s + 1) * 1000, gap_s, ws, scap);
        if (n > scap) {
            scap = n;
            ws = xrealloc(ws, scap * sizeof *ws);
            n = window_sessions(&s->tl, lo_s * 1000, (hi_s + 1) * 1000, gap_s, ws, scap);
        }
        for (size_t k = 0; k < n; k++) {
            struct query_group *g = group_get(out, NULL, xstrndup(s->key, s->key_len), &cap);
            struct query_window w = {ws[k].start_ms / 1000, (ws[k].end_ms + 999) / 1000};
            g->series = s;
            g->start_ms = ws[k].start_ms;
            g->end_ms = ws[k].end_ms;
            group_add(g, s, &w, 1, with_hist);
        }
    }
    free(ws);
}

void query_result_free(struct query_result *r)
{
    for (size_t g = 0; g < r->ngroups; g++) {
        for (size_t k = 0; k < r->nwindows; k++)
            hist_clear(&r->groups[g].cells[k].hist);
        free(r->groups[g].cells);
        free(r->groups[g].key);
    }
    free(r->groups);
    memset(r, 0, sizeof *r);
}

double query_value(const struct query_result *r, size_t g, size_t wi, enum rule_agg agg, double q,
                   double covered_s)
{
    const struct query_cell *c = &r->groups[g].cells[wi];
    return rule_agg_value(agg, q, &c->sum, &c->hist, covered_s);
}

/* ---------------------------------------------------------------------------------------------
 * Sorting: values computed once, then qsort on (value, key). */

struct sort_item {
    double v; /* NAN: no value, last */
    struct query_group g;
};

/* Groups with a value first, then by value in direction dir (1 up, -1 down), ties by key in the
 * same direction's sense (down: A..Z). */
static int cmp_value(const struct sort_item *a, const struct sort_item *b, int dir)
{
    bool na = isnan(a->v), nb = isnan(b->v);
    if (na != nb)
        return na ? 1 : -1;
    if (!na && a->v != b->v)
        return (a->v < b->v ? -1 : 1) * dir;
    return strcmp(a->g.key, b->g.key) * -dir;
}

static int sort_desc(const void *pa, const void *pb)
{
    return cmp_value(pa, pb, -1);
}

static int sort_asc(const void *pa, const void *pb)
{
    return cmp_value(pa, pb, 1);
}

static int sort_key(const void *pa, const void *pb)
{
    return strcmp(((const struct sort_item *)pa)->g.key, ((const struct sort_item *)pb)->g.key);
}

static int sort_key_desc(const void *pa, const void *pb)
{
    return sort_key(pb, pa);
}

void query_sort(struct query_result *r, enum rule_agg agg, double q, double covered_s, bool by_key,
                bool ascending)
{
    if (r->ngroups < 2)
        return;
    struct sort_item *it = xmalloc(r->ngroups * sizeof *it);
    for (size_t g = 0; g < r->ngroups; g++) {
        it[g].g = r->groups[g];
        it[g].v = by_key || r->nwindows == 0 ? NAN : query_value(r, g, 0, agg, q, covered_s);
    }
    qsort(it, r->ngroups, sizeof *it,
          by_key ? (ascending ? sort_key_desc : sort_key) : (ascending ? sort_asc : sort_desc));
    for (size_t g = 0; g < r->ngroups; g++)
        r->groups[g] = it[g].g;
    free(it);
}

/* ---------------------------------------------------------------------------------------------
 * The table a query reads into. */

void query_table_config(struct series_table_config *tc, uint32_t span_s, uint32_t res_s)
{
    enum { FINE_MAX = 120 };
    series_table_config_defaults(tc);
    if (res_s == 0)
        res_s = 1;
    if (span_s + 2 <= FINE_MAX) {
        tc->timeline.fine_slots = span_s + 2;
        tc->timeline.coarse_s = res_s;
        tc->timeline.retention_s = span_s + 2;
        return;
    }
    tc->timeline.fine_slots = FINE_MAX;
    tc->timeline.coarse_s = res_s;
    tc->timeline.retention_s = span_s + 2 * res_s + 2;
}
