/* alert_eval.c — evaluating alert rules: each rule keeps the list of series its selector
 * matches (extended as the series table grows, never recomputed), windows are computed once
 * per series and window length per evaluation, and quantiles only where the window's min and
 * max cannot already decide the condition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h"

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}


/* ---------------------------------------------------------------------------------------------
 * Matching series to rules. */

static void gmap_insert(struct alert_rule_rt *rt, size_t gi)
{
    size_t mask = rt->gmap_cap - 1, i = alert_hash(rt->groups[gi].key) & mask;
    while (rt->gmap[i])
        i = (i + 1) & mask;
    rt->gmap[i] = (uint32_t)gi + 1;
}

/* The group with this key, created (owning key) when new; key is consumed. */
static size_t group_get(struct alert_rule_rt *rt, char *key, uint32_t series)
{
    if (rt->gmap_cap) {
        size_t mask = rt->gmap_cap - 1;
        for (size_t i = alert_hash(key) & mask; rt->gmap[i]; i = (i + 1) & mask)
            if (strcmp(rt->groups[rt->gmap[i] - 1].key, key) == 0) {
                free(key);
                return rt->gmap[i] - 1;
            }
    }
    GROW(rt->groups, rt->ngroups, rt->gcap);
    size_t gi = rt->ngroups++;
    rt->groups[gi] = (struct alert_group){.series = series, .key = key};
    if (2 * rt->ngroups > rt->gmap_cap) {
        free(rt->gmap);
        rt->gmap_cap = rt->gmap_cap ? 2 * rt->gmap_cap : 16;
        rt->gmap = xcalloc(rt->gmap_cap, sizeof *rt->gmap);
        for (size_t k = 0; k < rt->ngroups; k++)
            gmap_insert(rt, k);
    } else {
        gmap_insert(rt, gi);
    }
    return gi;
}

static void add_member(struct alert_rule_rt *rt, uint32_t series, size_t gi)
{
    if (rt->nmembers >= rt->mcap) {
        rt->mcap = rt->mcap ? 2 * rt->mcap : 8;
        rt->mseries = xrealloc(rt->mseries, rt->mcap * sizeof *rt->mseries);
        rt->mgroup = xrealloc(rt->mgroup, rt->mcap * sizeof *rt->mgroup);
    }
    rt->mseries[rt->nmembers] = series;
    rt->mgroup[rt->nmembers++] = (uint32_t)gi;
}

static void rt_add_series(struct alert_rule_rt *rt, uint32_t idx, const struct event *ev)
{
    const struct rule_expr *x = &rt->rule->expr;

    if (x->agg == RULE_AGG_ABSENT) {
        add_member(rt, idx, 0);
    } else if (!x->has_by) {
        GROW(rt->groups, rt->ngroups, rt->gcap);
        rt->groups[rt->ngroups++] = (struct alert_group){.series = idx};
    } else {
        struct alert_kv *kv = xmalloc((x->nby + 1) * sizeof *kv);
        char *key = alert_labels_text(kv, alert_by_labels(x, ev, kv));
        free(kv);
        size_t gi = group_get(rt, key, idx);
        rt->groups[gi].nmembers++;
        add_member(rt, idx, gi);
    }
}

/* One key parse per new series, one selector test per rule that has not seen it. */
void alert_eval_match(struct alert_engine *e)
{
    const struct series_table *tab = e->tab;
    uint32_t lo = tab->count;
    struct event ev;

    for (size_t k = 0; k < e->nrules; k++)
        if (e->rules[k].seen < lo)
            lo = e->rules[k].seen;
    for (uint32_t i = lo; i < tab->count; i++) {
        const struct series *s = tab->items[i];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            continue;
        for (size_t k = 0; k < e->nrules; k++) {
            struct alert_rule_rt *rt = &e->rules[k];
            if (rt->seen <= i && select_match(rt->rule->expr.sel, &ev))
                rt_add_series(rt, i, &ev);
        }
    }
    for (size_t k = 0; k < e->nrules; k++)
        e->rules[k].seen = tab->count;
    if (tab->count > e->memo_cap) {
        e->memo = xrealloc(e->memo, tab->count * sizeof *e->memo);
        memset(e->memo + e->memo_cap, 0, (tab->count - e->memo_cap) * sizeof *e->memo);
        e->memo_cap = tab->count;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation. */

/* The window of series idx, computed once per evaluation and window length. */
static const struct window_stats *stats_for(struct alert_engine *e, uint32_t idx,
                                            uint32_t window_s, bool quantiles, int64_t now)
{
    struct alert_memo *m = &e->memo[idx];
    if (m->epoch == e->epoch && m->window_s == window_s && (m->quantiles || !quantiles))
        return &m->st;
    const struct timeline *tl = &e->tab->items[idx]->tl;
    window_sliding(tl, now, window_s, quantiles ? 0 : WINDOW_NO_QUANTILES, &m->st, NULL);
    m->epoch = e->epoch;
    m->window_s = window_s;
    m->quantiles = quantiles;
    return &m->st;
}

/* The expression's value from a window summary (quantiles are the caller's business). */
static double summary_value(enum rule_agg agg, const struct summary *s, uint32_t window_s)
{
    switch (agg) {
    case RULE_AGG_COUNT:
        return (double)s->count;
    case RULE_AGG_RATE:
        return (double)s->count / window_s;
    case RULE_AGG_SUM:
        return s->count ? s->sum : NAN;
    case RULE_AGG_AVG:
        return summary_mean(s);
    case RULE_AGG_MIN:
        return s->count ? s->min : NAN;
    case RULE_AGG_MAX:
        return s->count ? s->max : NAN;
    case RULE_AGG_STDDEV:
        return summary_stddev(s);
    default:
        return NAN;
    }
}

static double stats_quantile(enum rule_agg agg, const struct window_stats *st)
{
    switch (agg) {
    case RULE_AGG_P50:
        return st->p50;
    case RULE_AGG_P90:
        return st->p90;
    case RULE_AGG_P95:
        return st->p95;
    case RULE_AGG_P99:
        return st->p99;
    default:
        return st->p999;
    }
}

/* Whether min and max alone show that no quantile of their values can satisfy the condition.
 * A quantile read from the histogram lies within HIST_ALPHA (relative) of a value between min
 * and max, or is 0 for values below HIST_MIN_ABS; the bounds below leave room for both. */
static bool quantile_cannot_hold(const struct rule_expr *x, const struct summary *s)
{
    double hi = s->max + 2 * HIST_ALPHA * fabs(s->max) + HIST_MIN_ABS;
    double lo = s->min - 2 * HIST_ALPHA * fabs(s->min) - HIST_MIN_ABS;
    switch (x->op) {
    case RULE_OP_GT:
    case RULE_OP_GE:
        return hi < x->threshold;
    case RULE_OP_LT:
    case RULE_OP_LE:
        return lo > x->threshold;
    case RULE_OP_EQ:
        return x->threshold < lo || x->threshold > hi;
    default:
        return false;
    }
}

static void eval_absent(struct alert_engine *e, struct alert_rule_rt *rt, int64_t start_ms,
                        int64_t now)
{
    uint32_t w = rt->rule->expr.window_s;
    bool present = false;
    for (size_t m = 0; m < rt->nmembers && !present; m++) {
        uint32_t idx = rt->mseries[m];
        if (e->tab->items[idx]->tl.head_ms >= start_ms)
            present = stats_for(e, idx, w, false, now)->sum.count > 0;
    }
    alert_step(e, rt, &rt->groups[0], !present, present ? 0.0 : 1.0, now);
}

/* One instance per series. */
static void eval_series(struct alert_engine *e, struct alert_rule_rt *rt, int64_t start_ms,
                        int64_t now)
{
    const struct rule_expr *x = &rt->rule->expr;
    bool quantile = rule_agg_is_quantile(x->agg);
    double empty = x->agg == RULE_AGG_COUNT || x->agg == RULE_AGG_RATE ? 0.0 : NAN;
    bool empty_holds = rule_op_holds(x->op, empty, x->threshold);

    for (size_t gi = 0; gi < rt->ngroups; gi++) {
        struct alert_group *g = &rt->groups[gi];
        double v;
        if (e->tab->items[g->series]->tl.head_ms < start_ms) {
            if (!g->inst && !empty_holds)
                continue; /* nothing in the window, nothing listed: the common idle case */
            v = empty;
        } else {
            const struct window_stats *st = stats_for(e, g->series, x->window_s, false, now);
            if (!quantile) {
                v = summary_value(x->agg, &st->sum, x->window_s);
            } else if (st->sum.count == 0) {
                v = NAN;
            } else if (!g->inst && quantile_cannot_hold(x, &st->sum)) {
                continue;
            } else {
                v = stats_quantile(x->agg, stats_for(e, g->series, x->window_s, true, now));
            }
        }
        alert_step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
    }
}

/* One instance per group of `by` labels: summaries merged, histograms merged exactly. */
static void eval_groups(struct alert_engine *e, struct alert_rule_rt *rt, int64_t start_ms,
                        int64_t now)
{
    const struct rule_expr *x = &rt->rule->expr;
    bool quantile = rule_agg_is_quantile(x->agg);
    size_t ng = rt->ngroups;

    if (ng > rt->acc_cap) {
        rt->acc = xrealloc(rt->acc, ng * sizeof *rt->acc);
        rt->hists = xrealloc(rt->hists, ng * sizeof *rt->hists);
        rt->qval = xrealloc(rt->qval, ng * sizeof *rt->qval);
        rt->need = xrealloc(rt->need, ng * sizeof *rt->need);
        for (size_t k = rt->acc_cap; k < ng; k++)
            hist_init(&rt->hists[k]);
        rt->acc_cap = ng;
    }
    for (size_t gi = 0; gi < ng; gi++)
        summary_init(&rt->acc[gi]);
    for (size_t m = 0; m < rt->nmembers; m++) {
        uint32_t idx = rt->mseries[m];
        if (e->tab->items[idx]->tl.head_ms >= start_ms)
            summary_merge(&rt->acc[rt->mgroup[m]],
                          &stats_for(e, idx, x->window_s, false, now)->sum);
    }
    if (quantile) {
        bool any = false;
        for (size_t gi = 0; gi < ng; gi++) {
            rt->need[gi] = rt->acc[gi].count > 0 &&
                           (rt->groups[gi].inst || !quantile_cannot_hold(x, &rt->acc[gi]));
            rt->qval[gi] = NAN;
            if (rt->need[gi] && rt->groups[gi].nmembers > 1)
                hist_reset(&rt->hists[gi]);
            any |= rt->need[gi];
        }
        for (size_t m = 0; any && m < rt->nmembers; m++) {
            uint32_t idx = rt->mseries[m], gi = rt->mgroup[m];
            if (!rt->need[gi] || e->tab->items[idx]->tl.head_ms < start_ms)
                continue;
            if (rt->groups[gi].nmembers == 1) {
                rt->qval[gi] = stats_quantile(x->agg, stats_for(e, idx, x->window_s, true, now));
            } else {
                struct window_stats st;
                window_sliding(&e->tab->items[idx]->tl, now, x->window_s, 0, &st, &e->tmp);
                hist_merge(&rt->hists[gi], &e->tmp);
            }
        }
        for (size_t gi = 0; gi < ng; gi++)
            if (rt->need[gi] && rt->groups[gi].nmembers > 1)
                rt->qval[gi] = hist_quantile(&rt->hists[gi], rule_agg_quantile(x->agg));
    }
    for (size_t gi = 0; gi < ng; gi++) {
        struct alert_group *g = &rt->groups[gi];
        double v = quantile ? rt->qval[gi] : summary_value(x->agg, &rt->acc[gi], x->window_s);
        alert_step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
    }
}

void alert_eval_rule(struct alert_engine *e, struct alert_rule_rt *rt, int64_t now)
{
    const struct rule_expr *x = &rt->rule->expr;
    int64_t start_ms = (floor_div(now, 1000) - (int64_t)x->window_s + 1) * 1000;

    if (x->agg == RULE_AGG_ABSENT)
        eval_absent(e, rt, start_ms, now);
    else if (x->has_by)
        eval_groups(e, rt, start_ms, now);
    else
        eval_series(e, rt, start_ms, now);
}
