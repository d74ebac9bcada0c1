/* alert.c — the alert engine: rule sets, instances (ids, labels, short ids), the per-instance
 * state machine and its transitions, the sorted instance table, acks and silences. Matching and
 * evaluation are in alert_eval.c. Only pending, firing and resolved instances take memory. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h"
#include "core/tmpl.h"

static const char *const state_names[] = {"inactive", "pending", "firing", "resolved"};

const char *alert_state_name(enum alert_state s)
{
    return (unsigned)s < 4 ? state_names[s] : "?";
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
    struct alert_kv *kv = xmalloc((in->ndyn + r->nlabels + 1) * sizeof *kv);
    size_t n = 0;
    for (size_t k = 0; k < r->nlabels; k++)
        kv[n++] = (struct alert_kv){r->labels[k].name, r->labels[k].value};
    for (size_t k = 0; k < in->ndyn; k++) {
        size_t j = 0;
        while (j < r->nlabels && strcmp(r->labels[j].name, in->dyn[k].name) != 0)
            j++;
        if (j == r->nlabels)
            kv[n++] = (struct alert_kv){in->dyn[k].name, in->dyn[k].value};
    }
    qsort(kv, n, sizeof *kv, alert_labels_cmp);
    struct alert_sbuf b = {0};
    alert_labels_append(&b, kv, n);
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
    struct alert_kv *kv = xmalloc((EVENT_MAX_LABELS + 1 + x->nby + x->sel->nmatchers) * sizeof *kv);
    size_t n = 0;

    if (x->agg == RULE_AGG_ABSENT) {
        /* like Prometheus: the selector's equality matchers */
        for (size_t k = 0; k < x->sel->nmatchers; k++) {
            const struct select_matcher *m = &x->sel->matchers[k];
            size_t j = 0;
            while (j < n && strcmp(kv[j].name, m->name) != 0)
                j++;
            if (m->op == SELECT_EQ && *m->value && j == n)
                kv[n++] = (struct alert_kv){m->name, m->value};
        }
        qsort(kv, n, sizeof *kv, alert_labels_cmp);
    } else {
        const struct series *s = e->tab->items[g->series];
        if (event_parse_key(s->key, s->key_len, &ev) != EVENT_OK)
            ev.nlabels = 0, ev.buf[0] = '\0'; /* cannot happen: the key matched before */
        if (x->has_by) {
            n = alert_labels_by(x, &ev, kv);
        } else {
            for (size_t k = 0; k < ev.nlabels; k++)
                kv[n++] = (struct alert_kv){event_label_name(&ev, k), event_label_value(&ev, k)};
            if (!x->sel->metric) /* the selector spans metrics: keep series apart */
                kv[n++] = (struct alert_kv){"__name__", event_metric(&ev)};
            qsort(kv, n, sizeof *kv, alert_labels_cmp);
        }
    }
    in->rule = rt->rule;
    in->dyn = xmalloc((n + 1) * sizeof *in->dyn);
    for (size_t k = 0; k < n; k++)
        in->dyn[k] = (struct rule_label){xstrdup(kv[k].name), xstrdup(kv[k].value)};
    in->ndyn = n;
    struct alert_sbuf b = {0};
    alert_labels_puts(&b, rt->rule->name);
    if (n) {
        alert_labels_put(&b, "{", 1);
        alert_labels_append(&b, kv, n);
        alert_labels_put(&b, "}", 1);
    }
    in->id = b.p;
    free(kv);
    uint64_t h = alert_labels_hash(in->id);
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

char *alert_instance_series(const struct alert_instance *in)
{
    const struct rule_expr *x = &in->rule->expr;
    if (x->has_by || x->agg == RULE_AGG_ABSENT)
        return NULL;
    const char *metric = x->sel->metric;
    struct alert_kv *kv = xmalloc((in->ndyn + 1) * sizeof *kv);
    size_t n = 0;
    for (size_t k = 0; k < in->ndyn; k++) {
        if (strcmp(in->dyn[k].name, "__name__") == 0)
            metric = in->dyn[k].value;
        else
            kv[n++] = (struct alert_kv){in->dyn[k].name, in->dyn[k].value};
    }
    struct alert_sbuf b = {0};
    alert_labels_puts(&b, metric ? metric : "");
    if (n) {
        alert_labels_put(&b, "{", 1);
        alert_labels_append(&b, kv, n);
        alert_labels_put(&b, "}", 1);
    }
    free(kv);
    return b.p;
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

void alert_transitions_clear(struct alert_engine *e)
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
    t->silenced = alert_silence_find(e, in, now) != NULL;
    in->state = to;
    in->since_ms = now;
    e->sorted_ok = false;
}

void alert_step(struct alert_engine *e, struct alert_rule_rt *rt, struct alert_group *g, bool cond,
                double value, int64_t now)
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
 * The engine, its rules and the instance table. */

/* Forgets the rule's matches and drops its instances (no transitions). */
void alert_rule_reset(struct alert_engine *e, struct alert_rule_rt *rt)
{
    for (size_t k = 0; k < rt->ngroups; k++) {
        if (rt->groups[k].inst)
            instance_drop(e, &rt->groups[k]);
        free(rt->groups[k].key);
    }
    free(rt->groups);
    free(rt->mseries);
    free(rt->mgroup);
    free(rt->gmap);
    free(rt->gfirst);
    free(rt->gorder);
    free(rt->acc);
    struct rule *r = rt->rule;
    memset(rt, 0, sizeof *rt);
    rt->rule = r;
    if (r->expr.agg == RULE_AGG_ABSENT) {
        rt->groups = xcalloc(1, sizeof *rt->groups);
        rt->ngroups = rt->gcap = 1;
    }
}

struct alert_engine *alert_engine_new(const struct alert_config *cfg)
{
    struct alert_engine *e = xcalloc(1, sizeof *e);
    e->cfg.resolved_retention_ms = ALERT_DEFAULT_RESOLVED_RETENTION_MS;
    if (cfg)
        e->cfg = *cfg;
    return e;
}

void alert_engine_free(struct alert_engine *e)
{
    if (!e)
        return;
    alert_transitions_clear(e);
    for (size_t k = 0; k < e->nrules; k++) {
        alert_rule_reset(e, &e->rules[k]);
        free(e->rules[k].groups);
        rule_free(e->rules[k].rule);
    }
    for (size_t k = 0; k < e->nsil; k++)
        alert_silence_free(e->sil[k]);
    free(e->sil);
    free(e->rules);
    free(e->order);
    for (size_t c = 0; c < e->memo_chunks; c++) {
        for (size_t k = 0; k < ALERT_WINS_CHUNK; k++) {
            free(e->memo[c][k].own.cells);
            free(e->memo[c][k].open.bins.cells);
        }
        free(e->memo[c]);
    }
    free(e->memo);
    free(e->group.cells);
    alert_wins_free(e);
    free(e->active);
    free(e->sorted);
    free(e->tr);
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

    alert_transitions_clear(e);
    e->run.active = false; /* an evaluation in progress is abandoned */
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
            alert_rule_reset(e, &rts[i]);
        }
    }
    for (size_t j = 0; j < e->nrules; j++) {
        if (!e->rules[j].rule)
            continue;
        alert_rule_reset(e, &e->rules[j]);
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
    alert_wins_prune(e);
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

int alert_adopt(struct alert_engine *e, const char *id, enum alert_state state, int64_t since_ms,
                int64_t active_since_ms)
{
    struct alert_instance *in = (struct alert_instance *)alert_find(e, id);
    if (!in || strcmp(in->id, id) != 0 || in->state != ALERT_PENDING ||
        (state != ALERT_PENDING && state != ALERT_FIRING))
        return -1;
    if (active_since_ms < in->active_since_ms)
        in->active_since_ms = active_since_ms;
    if (state == ALERT_FIRING) {
        in->state = ALERT_FIRING;
        in->since_ms = since_ms;
        in->false_since_ms = INT64_MIN;
    }
    e->sorted_ok = false;
    return 0;
}
