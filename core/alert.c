/* alert.c — the alert engine: rules matched to series once (each rule keeps the list of series
 * it selects and extends it as the table grows), evaluated every second from window summaries
 * (quantiles only where a summary cannot already rule the condition out), and the per-instance
 * state machine. Only pending, firing and resolved instances take memory. */
#include "core/alert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/hist.h"
#include "core/mem.h"
#include "core/tmpl.h"
#include "core/window.h"

/* One potential instance: a matching series (no `by`), a label group (`by`), or the single
 * instance of absent(). */
struct alert_group {
    uint32_t series;   /* the series (no by) or the first member (by) */
    uint32_t nmembers; /* by: members in the group */
    struct alert_instance *inst; /* NULL while inactive */
    char *key;                   /* by: the group's labels text */
};

/* A rule and what the engine keeps about it. */
struct alert_rule_rt {
    struct rule *rule;
    uint32_t seen; /* series table entries already matched against the selector */
    struct alert_group *groups;
    size_t ngroups, gcap;
    uint32_t *mseries, *mgroup; /* by and absent(): member series and their group */
    size_t nmembers, mcap;
    uint32_t *gmap; /* by: open addressing over groups by key (index + 1, 0: free) */
    size_t gmap_cap;
    struct summary *acc; /* by, per evaluation: merged summary, histogram, value per group */
    struct hist *hists;
    double *qval;
    bool *need;
    size_t acc_cap;
};

/* The last window computed for a series in this evaluation, shared by the rules that use the
 * same window on it. */
struct memo {
    uint64_t epoch;
    uint32_t window_s;
    bool quantiles;
    struct window_stats st;
};

struct alert_engine {
    struct alert_config cfg;
    struct alert_rule_rt *rules;
    size_t nrules;
    size_t *order; /* evaluation order: by window, quantile rules first, so the memo hits */
    const struct series_table *tab;
    struct memo *memo;
    size_t memo_cap;
    uint64_t epoch;
    int64_t last_eval_ms;
    bool evaluated;
    struct alert_instance **active; /* listed instances, unordered */
    size_t nactive, active_cap;
    const struct alert_instance **sorted;
    size_t sorted_cap;
    bool sorted_ok;
    struct alert_transition *tr;
    size_t ntr, tr_cap;
    struct silence **sil;
    size_t nsil;
    struct hist tmp;
};

static const char *const state_names[] = {"inactive", "pending", "firing", "resolved"};

const char *alert_state_name(enum alert_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
}

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

#define GROW(ptr, n, cap)                                                                          \
    do {                                                                                           \
        if ((n) >= (cap)) {                                                                        \
            (cap) = (cap) ? 2 * (cap) : 8;                                                         \
            (ptr) = xrealloc((ptr), (cap) * sizeof *(ptr));                                        \
        }                                                                                          \
    } while (0)

/* ---------------------------------------------------------------------------------------------
 * Label sets: canonical text (core/event's quoting) and hashing. */

struct kv {
    const char *name, *value;
};

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_labels(struct sbuf *b, const struct kv *kv, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        const char *v = kv[k].value;
        if (k)
            sb_put(b, ",", 1);
        sb_str(b, kv[k].name);
        sb_put(b, "=", 1);
        if (*v && !strpbrk(v, ",}=\"\\ ")) {
            sb_str(b, v);
            continue;
        }
        sb_put(b, "\"", 1);
        for (; *v; v++) {
            if (*v == '"' || *v == '\\')
                sb_put(b, "\\", 1);
            sb_put(b, v, 1);
        }
        sb_put(b, "\"", 1);
    }
    if (!b->p)
        sb_put(b, "", 0);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* A label's value as selectors see it: "" when absent; "__name__" is the metric. */
static const char *label_value(const struct event *ev, const char *name)
{
    if (strcmp(name, "__name__") == 0)
        return event_metric(ev);
    const char *v = event_label_find(ev, name);
    return v ? v : "";
}

/* The `by` labels of a series with a non-empty value, sorted; kv has room for nby. */
static size_t by_labels(const struct rule_expr *x, const struct event *ev, struct kv *kv)
{
    size_t n = 0;
    for (size_t k = 0; k < x->nby; k++) {
        const char *v = label_value(ev, x->by[k]);
        if (*v)
            kv[n++] = (struct kv){x->by[k], v};
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * Instances. */

static void labels_free(struct rule_label *l, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(l[k].name);
        free(l[k].value);
    }
    free(l);
}

/* (Re)builds lab and labels from dyn and the rule's static labels (which win a clash). */
static void instance_merge_labels(struct alert_instance *in)
{
    const struct rule *r = in->rule;
    struct kv *kv = xmalloc((in->ndyn + r->nlabels + 1) * sizeof *kv);
    size_t n = 0;
    for (size_t k = 0; k < r->nlabels; k++)
        kv[n++] = (struct kv){r->labels[k].name, r->labels[k].value};
    for (size_t k = 0; k < in->ndyn; k++) {
        size_t j = 0;
        while (j < r->nlabels && strcmp(r->labels[j].name, in->dyn[k].name) != 0)
            j++;
        if (j == r->nlabels)
            kv[n++] = (struct kv){in->dyn[k].name, in->dyn[k].value};
    }
    qsort(kv, n, sizeof *kv, kv_cmp);
    struct sbuf b = {0};
    sb_labels(&b, kv, n);
    labels_free(in->lab, in->nlab);
    free(in->labels);
    in->labels = b.p;
    in->lab = xmalloc((n + 1) * sizeof *in->lab);
    for (size_t k = 0; k < n; k++)
        in->lab[k] = (struct rule_label){xstrdup(kv[k].name), xstrdup(kv[k].value)};
    in->nlab = n;
    free(kv);
}

static void instance_free(struct alert_instance *in)
{
    free(in->id);
    free(in->labels);
    free(in->ack_by);
    labels_free(in->dyn, in->ndyn);
    labels_free(in->lab, in->nlab);
    free(in);
}

/* Creates the (inactive) instance of group g and lists it. */
static struct alert_instance *instance_new(struct alert_engine *e, struct alert_rule_rt *rt,
                                           struct alert_group *g)
{
    const struct rule_expr *x = &rt->rule->expr;
    struct alert_instance *in = xcalloc(1, sizeof *in);
    struct event ev;
    struct kv *kv = xmalloc((EVENT_MAX_LABELS + 1 + x->nby + x->sel->nmatchers) * sizeof *kv);
    size_t n = 0;

    if (x->agg == RULE_AGG_ABSENT) {
        /* like Prometheus: the selector's equality matchers */
        for (size_t k = 0; k < x->sel->nmatchers; k++) {
            const struct select_matcher *m = &x->sel->matchers[k];
            size_t j = 0;
            while (j < n && strcmp(kv[j].name, m->name) != 0)
                j++;
            if (m->op == SELECT_EQ && *m->value && j == n)
                kv[n++] = (struct kv){m->name, m->value};
        }
        qsort(kv, n, sizeof *kv, kv_cmp);
    } else {
        const struct series *s = e->tab->items[g->series];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            ev.nlabels = 0, ev.buf[0] = '\0'; /* cannot happen: the key matched before */
        if (x->has_by) {
            n = by_labels(x, &ev, kv);
        } else {
            for (size_t k = 0; k < ev.nlabels; k++)
                kv[n++] = (struct kv){event_label_name(&ev, k), event_label_value(&ev, k)};
            if (!x->sel->metric) /* the selector spans metrics: keep series apart */
                kv[n++] = (struct kv){"__name__", event_metric(&ev)};
            qsort(kv, n, sizeof *kv, kv_cmp);
        }
    }
    in->rule = rt->rule;
    in->dyn = xmalloc((n + 1) * sizeof *in->dyn);
    for (size_t k = 0; k < n; k++)
        in->dyn[k] = (struct rule_label){xstrdup(kv[k].name), xstrdup(kv[k].value)};
    in->ndyn = n;
    struct sbuf b = {0};
    sb_str(&b, rt->rule->name);
    if (n) {
        sb_put(&b, "{", 1);
        sb_labels(&b, kv, n);
        sb_put(&b, "}", 1);
    }
    in->id = b.p;
    free(kv);
    uint64_t h = fnv1a(in->id);
    snprintf(in->short_id, sizeof in->short_id, "%06x", (unsigned)((h ^ (h >> 32)) & 0xffffff));
    instance_merge_labels(in);
    in->state = ALERT_INACTIVE;
    in->value = NAN;
    in->false_since_ms = INT64_MIN;
    GROW(e->active, e->nactive, e->active_cap);
    in->active_pos = e->nactive;
    e->active[e->nactive++] = in;
    e->sorted_ok = false;
    g->inst = in;
    return in;
}

/* Unlists and frees the instance of group g. */
static void instance_drop(struct alert_engine *e, struct alert_group *g)
{
    struct alert_instance *in = g->inst;
    struct alert_instance *last = e->active[--e->nactive];
    e->active[in->active_pos] = last;
    last->active_pos = in->active_pos;
    instance_free(in);
    g->inst = NULL;
    e->sorted_ok = false;
}

static const char *inst_label(void *privdata, const char *name, size_t len)
{
    const struct alert_instance *in = privdata;
    for (size_t k = 0; k < in->nlab; k++)
        if (strlen(in->lab[k].name) == len && memcmp(in->lab[k].name, name, len) == 0)
            return in->lab[k].value;
    return NULL;
}

size_t alert_render(const struct alert_instance *inst, const char *tmpl, char *out, size_t cap)
{
    struct tmpl_vars v = {
        .value = inst->value,
        .threshold = inst->rule->expr.threshold,
        .rule = inst->rule->name,
        .severity = rule_severity_name(inst->rule->severity),
        .instance = inst->id,
        .id = inst->short_id,
        .labels = inst->labels,
        .label = inst_label,
        .privdata = (void *)inst,
    };
    return tmpl_render(tmpl, &v, out, cap);
}

/* ---------------------------------------------------------------------------------------------
 * The state machine. */

static void transitions_clear(struct alert_engine *e)
{
    for (size_t k = 0; k < e->ntr; k++) {
        struct alert_transition *t = &e->tr[k];
        free((char *)t->instance_id);
        free((char *)t->labels);
        free((char *)t->summary);
        free((char *)t->runbook);
    }
    e->ntr = 0;
}

/* Moves in to state `to` at now and records the transition. */
static void set_state(struct alert_engine *e, struct alert_instance *in, enum alert_state to,
                      int64_t now)
{
    char buf[TMPL_TEXT_MAX];
    const struct rule *r = in->rule;

    GROW(e->tr, e->ntr, e->tr_cap);
    struct alert_transition *t = &e->tr[e->ntr++];
    t->rule = r;
    t->instance_id = xstrdup(in->id);
    memcpy(t->short_id, in->short_id, sizeof t->short_id);
    t->labels = xstrdup(in->labels);
    t->from = in->state;
    t->to = to;
    t->value = in->value;
    t->threshold = r->expr.threshold;
    t->at_ms = now;
    t->severity = r->severity;
    alert_render(in, r->summary, buf, sizeof buf);
    t->summary = xstrdup(buf);
    alert_render(in, r->runbook, buf, sizeof buf);
    t->runbook = xstrdup(buf);
    t->silenced = alert_is_silenced(e, in, now) != NULL;
    in->state = to;
    in->since_ms = now;
    e->sorted_ok = false;
}

/* One evaluation of group g: cond is whether the expression holds, value its value. */
static void step(struct alert_engine *e, struct alert_rule_rt *rt, struct alert_group *g,
                 bool cond, double value, int64_t now)
{
    const struct rule *r = rt->rule;
    struct alert_instance *in = g->inst;

    if (!in) {
        if (!cond)
            return;
        in = instance_new(e, rt, g);
    }
    in->value = value;
    in->last_eval_ms = now;
    switch (in->state) {
    case ALERT_INACTIVE:
    case ALERT_RESOLVED:
        if (cond) {
            in->active_since_ms = now;
            in->false_since_ms = INT64_MIN;
            set_state(e, in, r->for_ms > 0 ? ALERT_PENDING : ALERT_FIRING, now);
        } else if (now - in->since_ms >= e->cfg.resolved_retention_ms) {
            set_state(e, in, ALERT_INACTIVE, now);
            instance_drop(e, g);
        }
        break;
    case ALERT_PENDING:
        if (!cond) {
            set_state(e, in, ALERT_INACTIVE, now);
            instance_drop(e, g);
        } else if (now - in->active_since_ms >= r->for_ms) {
            set_state(e, in, ALERT_FIRING, now);
        }
        break;
    case ALERT_FIRING:
        if (cond) {
            in->false_since_ms = INT64_MIN;
            break;
        }
        if (in->false_since_ms == INT64_MIN)
            in->false_since_ms = now;
        if (now - in->false_since_ms >= r->keep_firing_for_ms) {
            in->acked = false;
            free(in->ack_by);
            in->ack_by = NULL;
            in->ack_at_ms = 0;
            set_state(e, in, ALERT_RESOLVED, now);
        }
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Matching series to rules. */

static void rt_reset(struct alert_engine *e, struct alert_rule_rt *rt)
{
    for (size_t k = 0; k < rt->ngroups; k++) {
        if (rt->groups[k].inst)
            instance_drop(e, &rt->groups[k]);
        free(rt->groups[k].key);
    }
    for (size_t k = 0; k < rt->acc_cap; k++)
        hist_clear(&rt->hists[k]);
    free(rt->groups);
    free(rt->mseries);
    free(rt->mgroup);
    free(rt->gmap);
    free(rt->acc);
    free(rt->hists);
    free(rt->qval);
    free(rt->need);
    struct rule *r = rt->rule;
    memset(rt, 0, sizeof *rt);
    rt->rule = r;
    if (r->expr.agg == RULE_AGG_ABSENT) {
        rt->groups = xcalloc(1, sizeof *rt->groups);
        rt->ngroups = rt->gcap = 1;
    }
}

static void gmap_insert(struct alert_rule_rt *rt, size_t gi)
{
    size_t mask = rt->gmap_cap - 1, i = fnv1a(rt->groups[gi].key) & mask;
    while (rt->gmap[i])
        i = (i + 1) & mask;
    rt->gmap[i] = (uint32_t)gi + 1;
}

/* The group with this key, created (owning key) when new; key is consumed. */
static size_t group_get(struct alert_rule_rt *rt, char *key, uint32_t series)
{
    if (rt->gmap_cap) {
        size_t mask = rt->gmap_cap - 1;
        for (size_t i = fnv1a(key) & mask; rt->gmap[i]; i = (i + 1) & mask)
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
        struct kv *kv = xmalloc((x->nby + 1) * sizeof *kv);
        struct sbuf b = {0};
        sb_labels(&b, kv, by_labels(x, ev, kv));
        free(kv);
        size_t gi = group_get(rt, b.p, idx);
        rt->groups[gi].nmembers++;
        add_member(rt, idx, gi);
    }
}

/* Matches the series added to the table since the last evaluation against every rule that
 * has not seen them: one key parse per series, one selector test per rule. */
static void match_new_series(struct alert_engine *e)
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
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation. */

/* The window of series idx, computed once per evaluation and window length. */
static const struct window_stats *stats_for(struct alert_engine *e, uint32_t idx,
                                            uint32_t window_s, bool quantiles, int64_t now)
{
    struct memo *m = &e->memo[idx];
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
    step(e, rt, &rt->groups[0], !present, present ? 0.0 : 1.0, now);
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
        step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
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
        step(e, rt, g, rule_op_holds(x->op, v, x->threshold), v, now);
    }
}

static void silences_expire(struct alert_engine *e, int64_t now);

size_t alert_eval(struct alert_engine *e, const struct series_table *tab, int64_t now_ms,
                  const struct alert_transition **out)
{
    transitions_clear(e);
    *out = e->tr;
    if (e->evaluated && now_ms < e->last_eval_ms)
        return 0;
    bool reset = e->tab != tab;
    for (size_t k = 0; k < e->nrules && !reset; k++)
        reset = e->rules[k].seen > tab->count; /* not the table we matched */
    if (reset)
        for (size_t k = 0; k < e->nrules; k++)
            rt_reset(e, &e->rules[k]);
    e->tab = tab;
    match_new_series(e);
    if (tab->count > e->memo_cap) {
        e->memo = xrealloc(e->memo, tab->count * sizeof *e->memo);
        memset(e->memo + e->memo_cap, 0, (tab->count - e->memo_cap) * sizeof *e->memo);
        e->memo_cap = tab->count;
    }
    e->epoch++;
    for (size_t k = 0; k < e->nrules; k++) {
        struct alert_rule_rt *rt = &e->rules[e->order[k]];
        const struct rule_expr *x = &rt->rule->expr;
        int64_t start_ms = (floor_div(now_ms, 1000) - (int64_t)x->window_s + 1) * 1000;
        if (x->agg == RULE_AGG_ABSENT)
            eval_absent(e, rt, start_ms, now_ms);
        else if (x->has_by)
            eval_groups(e, rt, start_ms, now_ms);
        else
            eval_series(e, rt, start_ms, now_ms);
    }
    silences_expire(e, now_ms);
    e->last_eval_ms = now_ms;
    e->evaluated = true;
    *out = e->tr;
    return e->ntr;
}

/* ---------------------------------------------------------------------------------------------
 * The engine, its rules and the instance table. */

struct alert_engine *alert_engine_new(const struct alert_config *cfg)
{
    struct alert_engine *e = xcalloc(1, sizeof *e);
    e->cfg.resolved_retention_ms = ALERT_DEFAULT_RESOLVED_RETENTION_MS;
    if (cfg)
        e->cfg = *cfg;
    hist_init(&e->tmp);
    return e;
}

static void silence_free(struct silence *s)
{
    if (!s)
        return;
    free(s->matcher);
    free(s->who);
    free(s->comment);
    free(s->rule_name);
    select_free(s->labels);
    free(s);
}

void alert_engine_free(struct alert_engine *e)
{
    if (!e)
        return;
    transitions_clear(e);
    for (size_t k = 0; k < e->nrules; k++) {
        rt_reset(e, &e->rules[k]);
        free(e->rules[k].groups);
        rule_free(e->rules[k].rule);
    }
    for (size_t k = 0; k < e->nsil; k++)
        silence_free(e->sil[k]);
    free(e->sil);
    free(e->rules);
    free(e->order);
    free(e->memo);
    free(e->active);
    free(e->sorted);
    free(e->tr);
    hist_clear(&e->tmp);
    free(e);
}

/* Evaluation order: windows together (ascending), quantile rules first within a window, so
 * the rules after them find the window in the memo; file order otherwise. */
struct order_key {
    uint32_t window_s;
    int summary_only;
    size_t pos;
};

static int order_cmp(const void *a, const void *b)
{
    const struct order_key *x = a, *y = b;
    if (x->window_s != y->window_s)
        return x->window_s < y->window_s ? -1 : 1;
    if (x->summary_only != y->summary_only)
        return x->summary_only - y->summary_only;
    return (x->pos > y->pos) - (x->pos < y->pos);
}

void alert_engine_set_rules(struct alert_engine *e, struct rule_set *rules)
{
    size_t n = rules->count;
    struct alert_rule_rt *rts = xcalloc(n + 1, sizeof *rts);

    transitions_clear(e);
    for (size_t i = 0; i < n; i++) {
        struct rule *r = rules->rules[i];
        size_t j = 0;
        while (j < e->nrules &&
               !(e->rules[j].rule && strcmp(e->rules[j].rule->name, r->name) == 0 &&
                 strcmp(e->rules[j].rule->expr.text, r->expr.text) == 0))
            j++;
        if (j < e->nrules) {
            /* same rule: keep its matches and instances, under the new definition */
            rts[i] = e->rules[j];
            rule_free(e->rules[j].rule);
            memset(&e->rules[j], 0, sizeof e->rules[j]);
            rts[i].rule = r;
            for (size_t g = 0; g < rts[i].ngroups; g++) {
                struct alert_instance *in = rts[i].groups[g].inst;
                if (in) {
                    in->rule = r;
                    instance_merge_labels(in);
                }
            }
        } else {
            rts[i].rule = r;
            rt_reset(e, &rts[i]);
        }
    }
    for (size_t j = 0; j < e->nrules; j++) {
        if (!e->rules[j].rule)
            continue;
        rt_reset(e, &e->rules[j]);
        free(e->rules[j].groups);
        rule_free(e->rules[j].rule);
    }
    free(e->rules);
    e->rules = rts;
    e->nrules = n;

    struct order_key *keys = xmalloc((n + 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = (struct order_key){rts[i].rule->expr.window_s,
                                     !rule_agg_is_quantile(rts[i].rule->expr.agg), i};
    qsort(keys, n, sizeof *keys, order_cmp);
    free(e->order);
    e->order = xmalloc((n + 1) * sizeof *e->order);
    for (size_t i = 0; i < n; i++)
        e->order[i] = keys[i].pos;
    free(keys);

    free(rules->rules);
    rules->rules = NULL;
    rules->count = 0;
    e->sorted_ok = false;
}

size_t alert_engine_rule_count(const struct alert_engine *e)
{
    return e->nrules;
}

const struct rule *alert_engine_rule(const struct alert_engine *e, size_t i)
{
    return i < e->nrules ? e->rules[i].rule : NULL;
}

static int state_rank(enum alert_state s)
{
    return s == ALERT_FIRING ? 0 : s == ALERT_PENDING ? 1 : 2;
}

static int instance_cmp(const void *a, const void *b)
{
    const struct alert_instance *x = *(const struct alert_instance *const *)a;
    const struct alert_instance *y = *(const struct alert_instance *const *)b;
    if (state_rank(x->state) != state_rank(y->state))
        return state_rank(x->state) - state_rank(y->state);
    if (x->rule->severity != y->rule->severity)
        return (int)y->rule->severity - (int)x->rule->severity;
    if (x->since_ms != y->since_ms)
        return x->since_ms > y->since_ms ? -1 : 1;
    return strcmp(x->id, y->id);
}

size_t alert_instances(struct alert_engine *e, const struct alert_instance *const **out)
{
    if (!e->sorted_ok) {
        if (e->nactive > e->sorted_cap) {
            e->sorted_cap = e->nactive;
            e->sorted = xrealloc(e->sorted, e->sorted_cap * sizeof *e->sorted);
        }
        for (size_t k = 0; k < e->nactive; k++)
            e->sorted[k] = e->active[k];
        if (e->nactive > 1)
            qsort(e->sorted, e->nactive, sizeof *e->sorted, instance_cmp);
        e->sorted_ok = true;
    }
    *out = e->sorted;
    return e->nactive;
}

const struct alert_instance *alert_find(const struct alert_engine *e, const char *id_or_short)
{
    const struct alert_instance *hit = NULL;
    size_t nshort = 0;

    for (size_t k = 0; k < e->nactive; k++)
        if (strcmp(e->active[k]->id, id_or_short) == 0)
            return e->active[k];
    for (size_t k = 0; k < e->nactive; k++)
        if (strcmp(e->active[k]->short_id, id_or_short) == 0) {
            hit = e->active[k];
            nshort++;
        }
    return nshort == 1 ? hit : NULL;
}

int alert_ack(struct alert_engine *e, const char *id_or_short, const char *who, int64_t at_ms)
{
    struct alert_instance *in = (struct alert_instance *)alert_find(e, id_or_short);
    if (!in || (in->state != ALERT_PENDING && in->state != ALERT_FIRING))
        return -1;
    free(in->ack_by);
    in->acked = true;
    in->ack_by = xstrdup(who ? who : "");
    in->ack_at_ms = at_ms;
    e->sorted_ok = false;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Silences. */

static bool is_rule_name(const char *s, size_t n)
{
    if (n == 0 || n > RULE_NAME_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
              (s[k] >= '0' && s[k] <= '9') || s[k] == '_' || s[k] == '.' || s[k] == '-'))
            return false;
    return true;
}

int alert_silence_add(struct alert_engine *e, const char *matcher, int64_t until_ms,
                      const char *who, const char *comment, char *err, size_t err_cap)
{
    const char *a = matcher, *brace = strchr(matcher, '{');
    const char *b = brace ? brace : matcher + strlen(matcher);
    struct silence *s = xcalloc(1, sizeof *s);

    if (err && err_cap)
        err[0] = '\0';
    while (*a == ' ' || *a == '\t')
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    size_t n = (size_t)(b - a);
    if (!(n == 1 && *a == '*') && !(n == 0 && brace)) {
        if (!is_rule_name(a, n)) {
            if (err && err_cap)
                snprintf(err, err_cap,
                         "expected a rule name, '*', a short id or a selector, found '%.*s'",
                         (int)n, a);
            silence_free(s);
            return -1;
        }
        s->rule_name = xstrndup(a, n);
    }
    if (brace) {
        s->labels = select_new(brace, strlen(brace), err, err_cap);
        if (!s->labels) {
            silence_free(s);
            return -1;
        }
    }
    s->matcher = xstrdup(matcher);
    s->until_ms = until_ms;
    s->who = xstrdup(who ? who : "");
    s->comment = xstrdup(comment ? comment : "");
    for (size_t k = 0; k < e->nsil; k++)
        if (strcmp(e->sil[k]->matcher, matcher) == 0) {
            silence_free(e->sil[k]);
            e->sil[k] = s;
            return 0;
        }
    e->sil = xrealloc(e->sil, (e->nsil + 1) * sizeof *e->sil);
    e->sil[e->nsil++] = s;
    return 0;
}

static void silence_remove_at(struct alert_engine *e, size_t k)
{
    silence_free(e->sil[k]);
    memmove(e->sil + k, e->sil + k + 1, (e->nsil - k - 1) * sizeof *e->sil);
    e->nsil--;
}

int alert_silence_remove(struct alert_engine *e, const char *matcher)
{
    for (size_t k = 0; k < e->nsil; k++)
        if (strcmp(e->sil[k]->matcher, matcher) == 0) {
            silence_remove_at(e, k);
            return 0;
        }
    return -1;
}

static void silences_expire(struct alert_engine *e, int64_t now)
{
    for (size_t k = e->nsil; k-- > 0;)
        if (e->sil[k]->until_ms <= now)
            silence_remove_at(e, k);
}

size_t alert_silences(const struct alert_engine *e, const struct silence *const **out)
{
    *out = (const struct silence *const *)e->sil;
    return e->nsil;
}

static bool silence_matches(const struct silence *s, const struct alert_instance *in)
{
    if (!s->labels) {
        return !s->rule_name || strcmp(s->rule_name, in->rule->name) == 0 ||
               strcmp(s->rule_name, in->short_id) == 0;
    }
    if (s->rule_name && strcmp(s->rule_name, in->rule->name) != 0)
        return false;
    struct sbuf b = {0};
    struct event ev;
    sb_str(&b, "x{");
    sb_str(&b, in->labels);
    sb_str(&b, "}");
    bool ok = event_parse_key(b.p, b.len, &ev) == EVENT_OK && select_match(s->labels, &ev);
    free(b.p);
    return ok;
}

const struct silence *alert_is_silenced(const struct alert_engine *e,
                                        const struct alert_instance *inst, int64_t now_ms)
{
    for (size_t k = 0; k < e->nsil; k++)
        if (e->sil[k]->until_ms > now_ms && silence_matches(e->sil[k], inst))
            return e->sil[k];
    return NULL;
}
