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
    size_t mask = rt->gmap_cap - 1, i = alert_labels_hash(rt->groups[gi].key) & mask;
    while (rt->gmap[i])
        i = (i + 1) & mask;
    rt->gmap[i] = (uint32_t)gi + 1;
}

/* The group with this key, created (owning key) when new; key is consumed. */
static size_t group_get(struct alert_rule_rt *rt, char *key, uint32_t series)
{
    if (rt->gmap_cap) {
        size_t mask = rt->gmap_cap - 1;
        for (size_t i = alert_labels_hash(key) & mask; rt->gmap[i]; i = (i + 1) & mask)
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
        char *key = alert_labels_text(kv, alert_labels_by(x, ev, kv));
        free(kv);
        size_t gi = group_get(rt, key, idx);
        rt->groups[gi].nmembers++;
        add_member(rt, idx, gi);
    }
}

static uint32_t alert_eval_match_start(const struct alert_engine *e)
{
    uint32_t lo = e->tab->count;
    for (size_t k = 0; k < e->nrules; k++)
        if (e->rules[k].seen < lo)
            lo = e->rules[k].seen;
    return lo;
}

/* Memos for series indexes below n: new chunks, zeroed, taken from the heap (small enough that
 * malloc does not map them on their own: a fresh mapping's pages fault in where first touched,
 * and a 2 MiB one costs milliseconds on a virtual machine); the chunks already there stay put. */
static void alert_eval_memo_reserve(struct alert_engine *e, uint32_t n)
{
    size_t need = ((size_t)n + ALERT_WINS_CHUNK - 1) / ALERT_WINS_CHUNK;
    if (need <= e->memo_chunks)
        return;
    e->memo = xrealloc(e->memo, need * sizeof *e->memo);
    for (size_t c = e->memo_chunks; c < need; c++)
        e->memo[c] = xcalloc(ALERT_WINS_CHUNK, sizeof **e->memo);
    e->memo_chunks = need;
}

/* Whether budget is left once the window builds since the last look are charged to it: a unit
 * that builds a window from its slots costs what a step of cheap units does, so the step ends
 * after it rather than build a dozen (the caller sizes steps by their measured cost). */
static bool more(struct alert_engine *e, size_t *budget)
{
    size_t units = e->run.debt / ALERT_SLOTS_PER_UNIT;
    if (units) {
        e->run.debt -= units * ALERT_SLOTS_PER_UNIT;
        *budget -= units < *budget ? units : *budget;
    }
    return *budget != 0;
}

/* The most slots a window of window_s seconds reads: its fine seconds, then coarse slots. */
static size_t window_slots(const struct timeline *tl, uint32_t window_s)
{
    uint32_t f = tl->cfg.fine_slots;
    return window_s <= f ? window_s : f + (window_s - f) / tl->cfg.coarse_s + 1;
}

/* One key parse per new series, one selector test per rule that has not seen it. */
static bool alert_eval_match_step(struct alert_engine *e, size_t *budget)
{
    const struct series_table *tab = e->tab;
    struct alert_run *run = &e->run;
    struct event ev;

    for (; run->match_pos < run->match_end && more(e, budget); run->match_pos++, (*budget)--) {
        uint32_t i = run->match_pos;
        const struct series *s = tab->items[i];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            continue;
        for (size_t k = 0; k < e->nrules; k++) {
            struct alert_rule_rt *rt = &e->rules[k];
            if (rt->seen <= i && select_match(rt->rule->expr.sel, &ev))
                rt_add_series(rt, i, &ev);
        }
    }
    if (run->match_pos < run->match_end)
        return false;
    for (size_t k = 0; k < e->nrules; k++)
        if (e->rules[k].seen < run->match_end)
            e->rules[k].seen = run->match_end;
    return true;
}

/* ---------------------------------------------------------------------------------------------
 * Window histograms as dense bins (core/alert_bins.c). A series' window is the sum of its slots'
 * histograms (timeline_iter over the window's seconds, as window_sliding does); a group's is the
 * sum of its members' windows. Quantiles are read with hist_quantiles' rule (nearest rank
 * hist_rank(q, n), negative bins from the most negative, zero, positive bins; a bin's
 * representative value), so they equal hist_quantile of the hist_merge of the same data, to the
 * bit, then clamped to the window's exact min and max as every displayed quantile is
 * (hist_quantile_clamp). Rebuilding a struct hist per window (window_sliding's out_hist) would
 * cost several times more. */

/* ---------------------------------------------------------------------------------------------
 * Evaluation. */

/* Whether the aggregation needs the window's sum, mean or m2: incremental windows keep these
 * only when asked (and only within rounding of the full merge). */
static bool agg_needs_moments(enum rule_agg agg)
{
    switch (agg) {
    case RULE_AGG_SUM:
    case RULE_AGG_AVG:
    case RULE_AGG_STDDEV:
    case RULE_AGG_STD_S:
    case RULE_AGG_VAR_P:
    case RULE_AGG_VAR_S:
        return true;
    default:
        return false;
    }
}

/* Whether the aggregation reads the window's first value. */
static bool agg_needs_first(enum rule_agg agg)
{
    return agg == RULE_AGG_FIRST || agg == RULE_AGG_INCREASE;
}

/* What a rule asks of its windows' summaries (ALERT_WIN_MOMENTS, ALERT_WIN_FIRST). */
static unsigned agg_wants(enum rule_agg agg)
{
    return (agg_needs_moments(agg) ? ALERT_WIN_MOMENTS : 0u) |
           (agg_needs_first(agg) ? ALERT_WIN_FIRST : 0u);
}

/* The incremental window of series idx (core/alert_win.c) into sum and bins (when bins). */
static int window_incremental(struct alert_engine *e, uint32_t idx, uint32_t window_s,
                              unsigned want, int64_t now, struct summary *sum,
                              struct alert_binsum *out, bool count)
{
    if (e->cfg.full_windows)
        return -1;
    struct alert_win *w = alert_wins_get(e, idx, window_s);
    int rc =
        w ? alert_win_read(w, e->tab->items[idx], window_s, now, series_table_watermark_ms(e->tab),
                           want, sum, out, &alert_memo_at(e, idx)->open, e->epoch)
          : -1;
    if (count && rc >= 0)
        e->counts.incremental++;
    if (count && rc > 0)
        e->counts.rebuilt++;
    if (rc > 0)
        e->run.debt += window_slots(&e->tab->items[idx]->tl, window_s);
    return rc < 0 ? -1 : 0;
}

/* The window of series idx for this evaluation: its summary always (sum, mean and m2 only when
 * want has ALERT_WIN_MOMENTS: m->full; first only with ALERT_WIN_FIRST: m->has_first), its bins
 * with ALERT_WIN_BINS. From the incremental window when it can, else from every slot of the
 * window (always with cfg.full_windows). */
static const struct alert_memo *window_of(struct alert_engine *e, uint32_t idx, uint32_t window_s,
                                          unsigned want, int64_t now)
{
    bool bins = want & ALERT_WIN_BINS, full = want & ALERT_WIN_MOMENTS,
         first = want & ALERT_WIN_FIRST;
    struct alert_memo *m = alert_memo_at(e, idx);
    const struct timeline *tl = &e->tab->items[idx]->tl;
    int64_t hi_s = floor_div(now, 1000), lo_s = hi_s - (int64_t)window_s + 1;

    if (m->epoch != e->epoch || m->window_s != window_s) {
        m->epoch = e->epoch;
        m->window_s = window_s;
        m->has_bins = m->has_sum = false;
        if (tl->head_ms < lo_s * 1000) { /* nothing in the window: skip the slots */
            summary_init(&m->sum);
            m->has_sum = m->full = m->has_first = true;
        }
    }
    bool again = !m->has_sum || (full && !m->full) || (first && !m->has_first);
    if (again && window_incremental(e, idx, window_s,
                                    want | (m->has_sum && m->full ? ALERT_WIN_MOMENTS : 0u) |
                                        (m->has_sum && m->has_first ? ALERT_WIN_FIRST : 0u),
                                    now, &m->sum, &m->bins, true) == 0) {
        m->full = full || (m->has_sum && m->full);
        m->has_first = first || (m->has_sum && m->has_first);
        m->has_sum = true;
        m->has_bins = m->has_bins || bins;
        again = false;
    }
    if (again) {
        struct window_stats st;
        window_sliding(tl, now, window_s, WINDOW_NO_QUANTILES, &st, NULL);
        m->sum = st.sum;
        m->has_sum = m->full = m->has_first = true;
        e->counts.full++;
        e->run.debt += window_slots(tl, window_s);
    }
    if (bins && !m->has_bins) {
        struct summary unused;
        if (m->sum.count == 0)
            m->bins = (struct alert_binsum){{NULL, NULL}};
        else if (window_incremental(e, idx, window_s, ALERT_WIN_BINS, now, &unused, &m->bins,
                                    false) != 0) {
            alert_bins_from_slots(&m->own, tl, lo_s, hi_s);
            e->run.debt += window_slots(tl, window_s);
            m->bins = (struct alert_binsum){{&m->own, NULL}};
        }
        m->has_bins = true;
    }
    return m;
}

/* Seconds of the rule's window ending with now's second that data can cover: the window
 * length, or less right after start or past the source's retention (window_covered_s). */
static double rule_covered_s(const struct alert_engine *e, uint32_t window_s, int64_t now)
{
    int64_t end_ms = (floor_div(now, 1000) + 1) * 1000;
    return window_covered_s(end_ms - (int64_t)window_s * 1000, end_ms,
                            series_table_data_from_ms(e->tab, now), now);
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

/* absent(): members until one had an event (run->sub records that one did). */
static bool step_absent(struct alert_engine *e, struct alert_rule_rt *rt, size_t *budget)
{
    struct alert_run *run = &e->run;
    uint32_t w = rt->rule->expr.window_s;
    for (; run->cursor < rt->nmembers && !run->sub && more(e, budget); run->cursor++, (*budget)--)
        run->sub = window_of(e, rt->mseries[run->cursor], w, 0, run->now)->sum.count > 0;
    if (run->cursor < rt->nmembers && !run->sub)
        return false;
    bool present = run->sub != 0;
    /* absence over W needs W of data: right after start (a fresh stream, a reader that has
     * not seen the whole window yet) nothing says the series was silent that long */
    bool seen_all = rule_covered_s(e, w, run->now) >= (double)w;
    alert_step(e, rt, &rt->groups[0], !present && seen_all, present ? 0.0 : 1.0, run->now);
    return true;
}

/* One instance per series: group run->cursor onwards. */
static bool step_series(struct alert_engine *e, struct alert_rule_rt *rt, size_t *budget)
{
    const struct rule_expr *x = &rt->rule->expr;
    struct alert_run *run = &e->run;
    int64_t now = run->now;
    int64_t start_ms = (floor_div(now, 1000) - (int64_t)x->window_s + 1) * 1000;
    bool quantile = rule_agg_is_quantile(x->agg);
    unsigned wants = agg_wants(x->agg);
    double empty = x->agg == RULE_AGG_COUNT || x->agg == RULE_AGG_RATE ? 0.0 : NAN;
    bool empty_holds = rule_op_holds(x->op, empty, x->threshold);
    double covered_s = rule_covered_s(e, x->window_s, now);

    for (; run->cursor < rt->ngroups && more(e, budget); run->cursor++, (*budget)--) {
        struct alert_group *g = &rt->groups[run->cursor];
        double v;
        if (e->tab->items[g->series]->tl.head_ms < start_ms) {
            if (!g->inst && !empty_holds)
                continue; /* nothing in the window, nothing listed: the common idle case */
            v = empty;
        } else {
            const struct alert_memo *m = window_of(e, g->series, x->window_s, wants, now);
            if (!quantile) {
                v = rule_agg_value(x->agg, x->q, &m->sum, NULL, covered_s);
            } else if (m->sum.count == 0) {
                v = NAN;
            } else if (!g->inst && quantile_cannot_hold(x, &m->sum)) {
                continue;
            } else {
                m = window_of(e, g->series, x->window_s, ALERT_WIN_BINS, now);
                v = alert_binsum_quantile(&m->bins, x->q, &m->sum, &e->binvals);
            }
        }
        alert_step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
    }
    return run->cursor >= rt->ngroups;
}

/* Members listed group by group (counting sort), rebuilt when members were added. */
static void index_members(struct alert_rule_rt *rt)
{
    if (rt->indexed == rt->nmembers && rt->gfirst)
        return;
    rt->gfirst = xrealloc(rt->gfirst, (rt->ngroups + 1) * sizeof *rt->gfirst);
    rt->gorder = xrealloc(rt->gorder, (rt->nmembers + 1) * sizeof *rt->gorder);
    uint32_t sum = 0;
    for (size_t g = 0; g < rt->ngroups; g++) {
        rt->gfirst[g] = sum;
        sum += rt->groups[g].nmembers;
    }
    rt->gfirst[rt->ngroups] = sum;
    for (size_t m = 0; m < rt->nmembers; m++)
        rt->gorder[rt->gfirst[rt->mgroup[m]]++] = (uint32_t)m;
    for (size_t g = rt->ngroups; g-- > 0;) /* the fill moved each start to the next one's */
        rt->gfirst[g] = g ? rt->gfirst[g - 1] : 0;
    rt->indexed = rt->nmembers;
}

/* Phases of a `by` rule: summaries merged per group member by member, then the groups one by
 * one (a quantile group first computes its members' window histograms, then merges them). */
enum { GROUPS_START, GROUPS_MERGE, GROUPS_STEP };

/* Bins summed below the bin of a `by` group's last quantile when the next evaluation sums only
 * the top of its members' histograms: 16 bins, values about 30 % lower (bins are 2 % apart). */
#define GROUP_TOP_MARGIN 16

/* Quantile q of group gi's members' window histograms summed (s: their summary), run->sub
 * counting the members done. When the last evaluation's answer was a positive bin reached from
 * the top (g->top_hint), the first pass (sub < n) sums only the members' bins from
 * GROUP_TOP_MARGIN below it: the answer is exact when the walk from the top reaches its rank
 * among them (every member's bins there are in the sum, and its count is the whole sum's).
 * Otherwise, and always for the reference evaluator (cfg.full_windows), every bin: the members'
 * extent (sub - n < n), so the sum is sized once, then the sum. Returns false when the budget
 * ran out first (a later slice resumes). */
static bool group_quantile(struct alert_engine *e, struct alert_rule_rt *rt, size_t gi,
                           const struct summary *s, size_t *budget, double *v)
{
    const struct rule_expr *x = &rt->rule->expr;
    struct alert_run *run = &e->run;
    struct alert_group *g = &rt->groups[gi];
    uint32_t first = rt->gfirst[gi], n = rt->gfirst[gi + 1] - first;
    int64_t bin = INT64_MIN, *ext = e->group_extent;

    if (run->sub == 0 &&
        (!g->top_hint || e->cfg.full_windows || hist_rank(x->q, s->count) <= s->count / 2))
        run->sub = n;
    bool top = run->sub < n;
    for (; run->sub < n && more(e, budget); run->sub++, (*budget)--) {
        const struct alert_memo *m = window_of(e, rt->mseries[rt->gorder[first + run->sub]],
                                               x->window_s, ALERT_WIN_BINS, run->now);
        if (run->sub == 0)
            alert_bins_reserve(&e->group, g->top_from, g->top_to, INT64_MAX, INT64_MIN);
        for (int p = 0; p < 2; p++)
            alert_bins_merge_top(&e->group, m->bins.part[p], g->top_from);
    }
    if (run->sub < n)
        return false;
    if (top) {
        bin = alert_bins_top_bin(&e->group, x->q); /* INT64_MIN: not among them */
        e->counts.group_top += bin != INT64_MIN;
        e->counts.group_top_short += bin == INT64_MIN;
    }
    for (; bin == INT64_MIN && run->sub < 3 * (size_t)n && more(e, budget);
         run->sub++, (*budget)--) {
        uint32_t k = first + (uint32_t)((run->sub - n) % n);
        const struct alert_memo *m =
            window_of(e, rt->mseries[rt->gorder[k]], x->window_s, ALERT_WIN_BINS, run->now);
        if (run->sub == n)
            ext[0] = ext[2] = INT64_MAX, ext[1] = ext[3] = INT64_MIN;
        for (int p = 0; p < 2 && run->sub < 2 * (size_t)n; p++)
            if (m->bins.part[p]) {
                const struct alert_bins *b = m->bins.part[p];
                alert_extent_add(&ext[0], &ext[1], b->pos_lo, b->npos);
                alert_extent_add(&ext[2], &ext[3], b->neg_lo, b->nneg);
            }
        if (run->sub == 2 * (size_t)n)
            alert_bins_reserve(&e->group, ext[0], ext[1], ext[2], ext[3]);
        if (run->sub >= 2 * (size_t)n) /* widened still if a member's bins moved between slices */
            for (int p = 0; p < 2; p++)
                alert_bins_merge(&e->group, m->bins.part[p]);
    }
    if (bin == INT64_MIN && run->sub < 3 * (size_t)n)
        return false;
    e->counts.group_full += bin == INT64_MIN;
    if (*budget == 0)
        *budget = 1; /* the step below is this unit's end */
    run->sub = 0;
    if (bin == INT64_MIN) {
        *v = alert_bins_quantile(&e->group, x->q, s, &e->binvals);
        bin = alert_bins_top_bin(&e->group, x->q);
    } else {
        *v = alert_bins_bin_quantile(bin, x->q, s, &e->binvals);
    }
    g->top_hint = bin != INT64_MIN;
    if (g->top_hint) { /* bin is one of the sum's positive bins */
        g->top_from = bin - GROUP_TOP_MARGIN;
        g->top_to = e->group.pos_lo + (int64_t)e->group.npos - 1;
    }
    return true;
}

/* One instance per group of `by` labels: summaries merged, histograms merged exactly. */
static bool step_groups(struct alert_engine *e, struct alert_rule_rt *rt, size_t *budget)
{
    const struct rule_expr *x = &rt->rule->expr;
    struct alert_run *run = &e->run;
    int64_t now = run->now;
    bool quantile = rule_agg_is_quantile(x->agg);
    unsigned wants = agg_wants(x->agg);
    size_t ng = rt->ngroups;

    if (run->phase == GROUPS_START) {
        if (ng > rt->acc_cap) {
            rt->acc = xrealloc(rt->acc, ng * sizeof *rt->acc);
            rt->acc_cap = ng;
        }
        for (size_t gi = 0; gi < ng; gi++)
            summary_init(&rt->acc[gi]);
        run->phase = GROUPS_MERGE;
        run->cursor = 0;
    }
    if (run->phase == GROUPS_MERGE) {
        for (; run->cursor < rt->nmembers && more(e, budget); run->cursor++, (*budget)--) {
            size_t m = run->cursor;
            summary_merge(&rt->acc[rt->mgroup[m]],
                          &window_of(e, rt->mseries[m], x->window_s, wants, now)->sum);
        }
        if (run->cursor < rt->nmembers)
            return false;
        if (quantile)
            index_members(rt);
        run->phase = GROUPS_STEP;
        run->cursor = run->sub = 0;
    }
    for (; run->cursor < ng && more(e, budget); run->cursor++, (*budget)--) {
        size_t gi = run->cursor;
        struct alert_group *g = &rt->groups[gi];
        const struct summary *s = &rt->acc[gi];
        double v;
        if (!quantile) {
            v = rule_agg_value(x->agg, x->q, s, NULL, rule_covered_s(e, x->window_s, now));
        } else if (s->count == 0) {
            v = NAN;
        } else if (!g->inst && quantile_cannot_hold(x, s)) {
            continue;
        } else if (!group_quantile(e, rt, gi, s, budget, &v)) {
            return false; /* resume with the rest of this group's members */
        }
        alert_step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
    }
    return run->cursor >= ng;
}

/* Brings every kept window up to date, series after series (a series' windows of every length
 * one after the other: the second that closed is read once for all of them), before the rules
 * read them: the slots leaving are read a few series ahead of their turn (prefetched), which
 * the rules, going from series to series with other work between, could not do. */
static bool advance_step(struct alert_engine *e, size_t *budget)
{
    struct alert_run *run = &e->run;
    if (e->cfg.full_windows || e->nwins == 0)
        return true;
    int64_t wm = series_table_watermark_ms(e->tab);
    for (; run->adv_pos < run->match_end && more(e, budget); run->adv_pos++) {
        uint32_t i = run->adv_pos;
        const struct series *s = e->tab->items[i];
        size_t cost = 1;                          /* a series with no window kept costs its visit */
        for (int stage = 0; stage < 4; stage++) { /* series i + 4 - stage: its stage's data */
            uint32_t j = i + 4 - (uint32_t)stage;
            for (size_t k = 0; j < run->match_end && k < e->nwins; k++) {
                const struct alert_win *w = alert_wins_at(&e->wins[k], j);
                if (w)
                    alert_win_prefetch(w, e->tab->items[j], stage);
            }
        }
        const struct alert_win *first = NULL; /* a window still kept after its update */
        bool bins = false;
        for (size_t k = 0; k < e->nwins; k++) {
            struct alert_win *w = alert_wins_at(&e->wins[k], i);
            if (!w || !w->valid)
                continue;
            if (alert_win_advance(w, s, e->wins[k].window_s, run->now, wm) > 0) {
                e->counts.rebuilt++;
                run->debt += window_slots(&s->tl, e->wins[k].window_s);
            }
            cost++;
            if (w->valid) {
                first = first ? first : w;
                bins |= w->has_bins;
            }
        }
        /* the open seconds too, shared by the series' windows (the same closed part) */
        if (first)
            alert_win_open(first, s, run->now, bins, &alert_memo_at(e, i)->open, e->epoch);
        *budget -= cost < *budget ? cost : *budget;
    }
    return run->adv_pos >= run->match_end;
}

static bool alert_eval_rule_step(struct alert_engine *e, struct alert_rule_rt *rt, size_t *budget)
{
    const struct rule_expr *x = &rt->rule->expr;

    if (x->agg == RULE_AGG_ABSENT)
        return step_absent(e, rt, budget);
    if (x->has_by)
        return step_groups(e, rt, budget);
    return step_series(e, rt, budget);
}

/* ---------------------------------------------------------------------------------------------
 * The evaluation driver: begin, budgeted steps, end. */

int alert_eval_begin(struct alert_engine *e, const struct series_table *tab, int64_t now_ms)
{
    if (e->run.active)
        return -1;
    alert_transitions_clear(e);
    if (e->evaluated && now_ms < e->last_eval_ms)
        return -1;
    bool reset = e->tab != tab;
    for (size_t k = 0; k < e->nrules && !reset; k++)
        reset = e->rules[k].seen > tab->count; /* not the table we matched */
    if (reset) {
        for (size_t k = 0; k < e->nrules; k++)
            alert_rule_reset(e, &e->rules[k]);
        alert_wins_free(e);
    }
    e->tab = tab;
    e->epoch++;
    e->run = (struct alert_run){
        .active = true,
        .now = now_ms,
        .match_pos = alert_eval_match_start(e),
        .match_end = tab->count,
    };
    alert_eval_memo_reserve(e, tab->count);
    return 0;
}

bool alert_eval_step(struct alert_engine *e, size_t budget)
{
    struct alert_run *run = &e->run;

    if (!run->active)
        return true;
    if (budget == 0)
        budget = 1;
    if (!run->matched) {
        if (!alert_eval_match_step(e, &budget))
            return false;
        run->matched = true;
    }
    if (!run->advanced) {
        if (!advance_step(e, &budget))
            return false;
        run->advanced = true;
    }
    while (run->pos < e->nrules) {
        if (!more(e, &budget))
            return false;
        if (!alert_eval_rule_step(e, &e->rules[e->order[run->pos]], &budget))
            return false;
        run->pos++;
        run->phase = 0;
        run->cursor = run->sub = 0;
    }
    return true;
}

bool alert_eval_running(const struct alert_engine *e)
{
    return e->run.active;
}

void alert_engine_window_counts(const struct alert_engine *e, struct alert_window_counts *out)
{
    *out = e->counts;
}

size_t alert_eval_end(struct alert_engine *e, const struct alert_transition **out)
{
    *out = e->tr;
    if (!e->run.active)
        return e->ntr;
    alert_eval_step(e, SIZE_MAX);
    alert_silence_expire(e, e->run.now);
    e->last_eval_ms = e->run.now;
    e->evaluated = true;
    e->run.active = false;
    *out = e->tr;
    return e->ntr;
}

size_t alert_eval(struct alert_engine *e, const struct series_table *tab, int64_t now_ms,
                  const struct alert_transition **out)
{
    if (e->run.active) /* finish the one in progress; its transitions are dropped */
        alert_eval_end(e, out);
    if (alert_eval_begin(e, tab, now_ms) != 0) {
        *out = e->tr;
        return 0;
    }
    return alert_eval_end(e, out);
}
