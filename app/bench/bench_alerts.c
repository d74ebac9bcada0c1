/* bench_alerts.c — `warroom bench alerts`: the cost of evaluating alert rules, 10 000 demo series
 * (core/synth catalogue) and 100 rules of mixed shapes, one evaluation per second of event time,
 * ingest excluded from the timing. In the same run: the engine with incremental windows, the
 * same engine computing every window from all its slots (cfg.full_windows: the evaluator before
 * issue 15, the baseline) and a naive evaluator (each rule runs its selector over every series
 * and computes full windows every tick); each engine also runs sliced as the interface does
 * (app/alerts/alerts.c), whose longest slice is how long the loop may be kept from drawing.
 * Each engine runs in a pass of its own over the same events (the same seed, a table built
 * again), each evaluation right after its second's events as in the interface, so that none
 * finds its data evicted from the caches by another's; the passes are checked against each
 * other tick by tick. */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/mman.h>
#include <sys/resource.h>

#include "app/alerts/alerts.h"
#include "app/bench/bench.h"
#include "app/cmd/cmd.h"
#include "app/heapwarm.h"
#include "core/alert.h"
#include "core/synth.h"
#include "core/window.h"

#define NSERIES 10000
#define T0_MS 1700000400000LL
#define WARMUP_S 300 /* default event time before the first timed evaluation (fills 5m windows) */
#define NAIVE_TICKS 3

static const char *const services[] = {"api",      "auth",    "billing", "search",
                                       "checkout", "gateway", "profile", "orders"};
static const char *const regions[] = {"eu-west", "us-east", "ap-south", "us-west"};

struct text {
    char *p;
    size_t len, cap;
};

/* Appends a rule whose expression is pattern with its "%s" (at most one) replaced by arg. */
static void rule_add(struct text *t, int *n, const char *pattern, const char *arg)
{
    char expr[256];
    const char *hole = strstr(pattern, "%s");
    if (hole)
        snprintf(expr, sizeof expr, "%.*s%s%s", (int)(hole - pattern), pattern, arg, hole + 2);
    else
        snprintf(expr, sizeof expr, "%s", pattern);
    size_t need = strlen(expr) + 128;
    if (t->len + need > t->cap) {
        t->cap = (t->len + need) * 2;
        t->p = realloc(t->p, t->cap);
        if (!t->p)
            abort();
    }
    t->len +=
        (size_t)snprintf(t->p + t->len, t->cap - t->len,
                         "[rule r%d]\nexpr = %s\nfor = 30s\nsummary = {{value}}\n", (*n)++, expr);
}

/* 100 rules: per series and grouped, summary-only and quantile, 1m and 5m windows, absent(). */
static char *make_rules(int *count)
{
    struct text t = {0};
    int n = 0;
    for (int s = 0; s < 8; s++) {
        const char *sv = services[s];
        rule_add(&t, &n, "p99(latency_ms{service=%s}) over 1m > 250", sv);
        rule_add(&t, &n, "p95(latency_ms{service=%s}) by (region) over 5m > 200", sv);
        rule_add(&t, &n, "p50(latency_ms{service=%s}) over 1m > 120", sv);
        rule_add(&t, &n, "rate(requests{service=%s}) over 1m < 0.5", sv);
        rule_add(&t, &n, "avg(cpu_pct{service=%s}) over 5m > 90", sv);
        rule_add(&t, &n, "max(cpu_pct{service=%s}) over 1m > 99", sv);
        rule_add(&t, &n, "p999(resp_bytes{service=%s}) by (region) over 1m > 1e6", sv);
        rule_add(&t, &n, "count(requests{service=%s}) by (region) over 1m < 10", sv);
        rule_add(&t, &n, "absent(requests{service=%s}) over 1m", sv);
    }
    for (int r = 0; r < 4; r++) {
        const char *rg = regions[r];
        rule_add(&t, &n, "p90(latency_ms{region=%s}) over 1m > 400", rg);
        rule_add(&t, &n, "stddev(cpu_pct{region=%s}) by (service) over 5m > 20", rg);
        rule_add(&t, &n, "sum(resp_bytes{region=%s}) by (service) over 1m > 1e9", rg);
        rule_add(&t, &n, "min(latency_ms{region=%s,shard=~\"1.*\"}) over 1m > 100", rg);
        rule_add(&t, &n, "p99(latency_ms{region=%s}) by (service) over 1m > 300", rg);
    }
    rule_add(&t, &n, "p99(latency_ms) by (service) over 1m > 300%s", "");
    rule_add(&t, &n, "p99(latency_ms) by () over 5m > 300%s", "");
    rule_add(&t, &n, "count(requests) by (region) over 1m < 100%s", "");
    rule_add(&t, &n, "max(cpu_pct) by (region, service) over 1m > 98%s", "");
    rule_add(&t, &n, "p50(resp_bytes) over 1m > 5000%s", "");
    rule_add(&t, &n, "avg(latency_ms{service!~\"api|auth\"}) over 1m > 150%s", "");
    rule_add(&t, &n, "p99(latency_ms{service=~\"a.*\"}) over 5m > 500%s", "");
    rule_add(&t, &n, "count({service=api}) by (__name__) over 1m > 1e6%s", "");
    *count = n;
    return t.p;
}

static double now_ms(void)
{
    return alerts_mono_ms();
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The first write to each of n fresh pages of size page (huge: asked for transparent huge pages,
 * as glibc.malloc.hugetlb=1 does for the heap, app/main.c), timed one by one in thread CPU time:
 * what a slice that takes a fault pays on top of its work. Prints a line; nothing when mapping
 * fails or huge pages are not given. */
static void page_fault_cost(size_t n, size_t page, bool huge)
{
    size_t len = n * page + (huge ? page : 0);
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED)
        return;
    char *p = map;
    if (huge) {
        p = map + (page - (uintptr_t)map % page) % page;
        if (madvise(p, n * page, MADV_HUGEPAGE) != 0) {
            munmap(map, len);
            return;
        }
    }
    struct rusage ru0, ru1;
    getrusage(RUSAGE_SELF, &ru0);
    double total = 0, longest = 0;
    size_t over_ms = 0;
    for (size_t i = 0; i < n; i++) {
        double t = cpu_ms();
        p[i * page] = 1;
        double d = cpu_ms() - t;
        total += d;
        longest = d > longest ? d : longest;
        over_ms += d > 1.0;
    }
    getrusage(RUSAGE_SELF, &ru1);
    munmap(map, len);
    printf("page faults here, first write to %zu fresh %s pages (%ld faults): mean %.3f ms, "
           "longest %.2f ms, %zu over 1 ms.\n",
           n, huge ? "2 MiB (transparent huge)" : "4 KiB", ru1.ru_minflt - ru0.ru_minflt,
           total / (double)n, longest, over_ms);
}

static void ingest_second(struct series_table *tab, const struct synth_series *d,
                          struct synth_rng *r, int64_t sec, int per_s, int64_t warmup_s)
{
    for (int k = 0; k < per_s; k++)
        for (uint32_t i = 0; i < NSERIES; i++) {
            int64_t ts = T0_MS + sec * 1000 + (int64_t)k * (1000 / per_s) + (i % 7);
            /* an anomaly on api latency from second warmup_s + 5, so some alerts move */
            double f = (sec >= warmup_s + 5 && i % 4 == 0 && (i / 4) % 8 == 0) ? 8 : 1;
            series_table_ingest(tab, d[i].key, strlen(d[i].key),
                                synth_series_value(&d[i], r, ts, f), ts);
        }
    series_table_settle(tab, 0); /* as the reader does after each reply: head moves laid out */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One naive tick: every rule's selector over every series, full sliding windows. */
static double naive_tick(const struct rule_set *rules, const struct series_table *tab, int64_t now,
                         size_t *pairs)
{
    double t = now_ms();
    *pairs = 0;
    for (size_t r = 0; r < rules->count; r++) {
        const struct rule_expr *x = &rules->rules[r]->expr;
        for (uint32_t i = 0; i < tab->count; i++) {
            const struct series *s = tab->items[i];
            if (!select_match_key(x->sel, s->key, s->key_len))
                continue;
            struct window_stats st;
            window_sliding(&s->tl, now, x->window_s, 0, &st, NULL);
            (*pairs)++;
        }
    }
    return now_ms() - t;
}

static int parse_rules(const char *text, struct rule_set *set)
{
    char err[512];
    if (rule_parse_file_text(text, strlen(text), "bench.rules", set, err, sizeof err) != 0) {
        fprintf(stderr, "warroom bench: %s\n", err);
        return -1;
    }
    return 0;
}

/* What an engine listed after one evaluation: instances (id, state, value) and transitions. */
struct snap_item {
    char *id;
    enum alert_state state;
    enum rule_agg agg;
    double value;
};
struct snap {
    struct snap_item *items;
    size_t n, transitions;
};

static void snap_take(struct snap *s, struct alert_engine *e, size_t transitions)
{
    const struct alert_instance *const *list;
    s->n = alert_instances(e, &list);
    s->transitions = transitions;
    s->items = calloc(s->n ? s->n : 1, sizeof *s->items);
    if (!s->items)
        abort();
    for (size_t k = 0; k < s->n; k++) {
        s->items[k] = (struct snap_item){.id = strdup(list[k]->id),
                                         .state = list[k]->state,
                                         .agg = list[k]->rule->expr.agg,
                                         .value = list[k]->value};
        if (!s->items[k].id)
            abort();
    }
}

static void snap_free(struct snap *s)
{
    for (size_t k = 0; k < s->n; k++)
        free(s->items[k].id);
    free(s->items);
}

/* One engine evaluated whole and sliced every tick. */
struct engine_run {
    struct alert_engine *whole, *sliced;
    double *cost, *scost; /* per tick: whole evaluation, sum of its slices */
    double first, slice_max, first_slice_max, first_calm_max;
    double slice_cpu_max; /* the longest slice in thread CPU time: without preemption */
    struct alerts_pace pace;
    double slice_calm_max; /* the longest slice (thread CPU) that took no page fault */
    size_t slices_faulted; /* timed slices that took one or more page faults */
    size_t first_slices, first_faulted; /* the first evaluation's slices; those that took one */
    double *slice_cpu;     /* every slice's thread CPU time, for percentiles */
    size_t nslice_cpu, slice_cpu_cap;
    size_t slices, transitions, stransitions;
};

static int engine_run_init(struct engine_run *r, const char *text, bool full, int ticks)
{
    struct rule_set a, b;
    if (parse_rules(text, &a))
        return -1;
    if (parse_rules(text, &b)) {
        rule_set_free(&a);
        return -1;
    }
    struct alert_config cfg = {.resolved_retention_ms = ALERT_DEFAULT_RESOLVED_RETENTION_MS,
                               .full_windows = full};
    *r = (struct engine_run){.whole = alert_engine_new(&cfg), .sliced = alert_engine_new(&cfg)};
    alert_engine_set_rules(r->whole, &a);
    alert_engine_set_rules(r->sliced, &b);
    r->cost = calloc((size_t)ticks, sizeof *r->cost);
    r->scost = calloc((size_t)ticks, sizeof *r->scost);
    if (!r->cost || !r->scost)
        abort();
    return 0;
}

static void engine_run_free(struct engine_run *r)
{
    alert_engine_free(r->whole);
    alert_engine_free(r->sliced);
    free(r->cost);
    free(r->scost);
    free(r->slice_cpu);
}

/* How many timed slices took longer than ms (thread CPU time). */
static size_t slices_over(const struct engine_run *r, double ms)
{
    size_t n = 0;
    for (size_t k = 0; k < r->nslice_cpu; k++)
        n += r->slice_cpu[k] > ms;
    return n;
}

/* The p-th quantile (0..1) of the slices' CPU times (sorts them). */
static double slice_cpu_quantile(struct engine_run *r, double p)
{
    if (r->nslice_cpu == 0)
        return 0;
    qsort(r->slice_cpu, r->nslice_cpu, sizeof *r->slice_cpu, cmp_double);
    return r->slice_cpu[(size_t)(p * (double)(r->nslice_cpu - 1))];
}

/* Evaluation k (-1: the first, untimed per tick) at now by the whole engine; what it listed into
 * snap when given. */
static void engine_tick_whole(struct engine_run *r, const struct series_table *tab, int64_t now,
                              int k, struct snap *snap)
{
    const struct alert_transition *tr;
    double t = now_ms();
    size_t n = alert_eval(r->whole, tab, now, &tr);
    double whole = now_ms() - t;
    if (snap)
        snap_take(snap, r->whole, n);
    if (k < 0) {
        r->first = whole;
        return;
    }
    r->cost[k] = whole;
    r->transitions += n;
}

/* The same by the sliced engine, in slices of ALERTS_SLICE_MS as the interface runs it. */
static void engine_tick_sliced(struct engine_run *r, const struct series_table *tab, int64_t now,
                               int k, struct snap *snap)
{
    const struct alert_transition *tr;
    double total = 0, longest = 0, longest_cpu = 0;
    size_t slices = 0;
    alert_eval_begin(r->sliced, tab, now);
    for (bool done = false; !done; slices++) {
        struct rusage ru0, ru1;
        getrusage(RUSAGE_THREAD, &ru0); /* not the heap helper's faults (app/heapwarm.c) */
        double c = cpu_ms(), t = now_ms();
        done = alerts_eval_slice(r->sliced, ALERTS_SLICE_MS, &r->pace);
        double dt = now_ms() - t, dc = cpu_ms() - c;
        getrusage(RUSAGE_THREAD, &ru1);
        bool faulted = ru1.ru_minflt != ru0.ru_minflt || ru1.ru_majflt != ru0.ru_majflt;
        total += dt;
        longest = dt > longest ? dt : longest;
        longest_cpu = dc > longest_cpu ? dc : longest_cpu;
        if (k < 0 && !faulted && dc > r->first_calm_max)
            r->first_calm_max = dc;
        if (k < 0)
            r->first_slices++, r->first_faulted += faulted;
        if (k >= 0) {
            if (r->nslice_cpu == r->slice_cpu_cap) {
                r->slice_cpu_cap = r->slice_cpu_cap ? 2 * r->slice_cpu_cap : 1024;
                r->slice_cpu = realloc(r->slice_cpu, r->slice_cpu_cap * sizeof *r->slice_cpu);
                if (!r->slice_cpu)
                    abort();
            }
            r->slice_cpu[r->nslice_cpu++] = dc;
            r->slices_faulted += faulted;
            if (!faulted && dc > r->slice_calm_max)
                r->slice_calm_max = dc;
        }
    }
    size_t sn = alert_eval_end(r->sliced, &tr);
    if (snap)
        snap_take(snap, r->sliced, sn);
    if (k < 0) {
        r->first_slice_max = longest;
        return;
    }
    r->scost[k] = total;
    r->slice_max = longest > r->slice_max ? longest : r->slice_max;
    r->slice_cpu_max = longest_cpu > r->slice_cpu_max ? longest_cpu : r->slice_cpu_max;
    r->slices += slices;
    r->stransitions += sn;
}

static double mean_of(const double *v, int n)
{
    double sum = 0;
    for (int k = 0; k < n; k++)
        sum += v[k];
    return sum / n;
}

/* Whether two values agree: to the bit, or for the aggregations computed from sums within the
 * documented 1e-10 relative (docs/architecture.md). */
static bool same_value(enum rule_agg agg, double a, double b)
{
    if (memcmp(&a, &b, sizeof a) == 0)
        return true;
    bool moments = agg == RULE_AGG_SUM || agg == RULE_AGG_AVG || agg == RULE_AGG_STDDEV ||
                   agg == RULE_AGG_STD_S || agg == RULE_AGG_VAR_P || agg == RULE_AGG_VAR_S;
    return moments && fabs(a - b) <= 1e-10 * fmax(fabs(a), fabs(b));
}

/* Whether two evaluations agree: ids, states, values and the number of transitions. */
static bool same_snap(const struct snap *a, const struct snap *b)
{
    if (a->n != b->n || a->transitions != b->transitions)
        return false;
    for (size_t k = 0; k < a->n; k++)
        if (strcmp(a->items[k].id, b->items[k].id) != 0 || a->items[k].state != b->items[k].state ||
            !same_value(a->items[k].agg, a->items[k].value, b->items[k].value))
            return false;
    return true;
}

int bench_alerts(int argc, char **argv)
{
    int per_s = 5, ticks = 60, warmup_s = WARMUP_S;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            per_s = atoi(argv[++i]);
        else if (strcmp(argv[i], "--ticks") == 0 && i + 1 < argc)
            ticks = atoi(argv[++i]);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
            warmup_s = atoi(argv[++i]);
        else
            per_s = 0;
    }
    if (per_s < 1 || per_s > 100 || ticks < NAIVE_TICKS || warmup_s < 300 || warmup_s > 3600) {
        fprintf(stderr, "usage: warroom bench alerts [--rate EVENTS_PER_SERIES_PER_S (1-100)] "
                        "[--ticks N (>= 3)] [--warmup SECONDS (300-3600)]\n");
        return EXIT_USAGE;
    }
    static struct synth_series d[NSERIES];
    for (uint32_t i = 0; i < NSERIES; i++)
        synth_series_describe(i, &d[i]);

    int nrules = 0;
    char *text = make_rules(&nrules);
    struct rule_set naive_rules;
    struct engine_run inc, ref;
    if (parse_rules(text, &naive_rules)) {
        free(text);
        return EXIT_FAILURE_GENERIC;
    }
    if (engine_run_init(&inc, text, false, ticks) || engine_run_init(&ref, text, true, ticks)) {
        free(text);
        return EXIT_FAILURE_GENERIC;
    }
    free(text);

    printf("warroom bench alerts: %d series (demo catalogue), %d rules, %d events/series/s "
           "(%d events/s),\n%d s of event time before the first timed evaluation, then %d "
           "evaluations, one per second of\nevent time; ingest excluded. Wall time of one "
           "thread. Each engine in a pass of its own over\nthe same events (incremental, "
           "sliced; full windows, sliced; naive in the third).\n\n",
           NSERIES, nrules, per_s, NSERIES * per_s, warmup_s, ticks);
    fflush(stdout);

    /* four passes over the same events, each on a table of its own: incremental whole (what it
     * lists kept per tick), incremental sliced, full whole (checked against both, and the
     * naive evaluator timed on its table), full sliced */
    struct snap *snaps = calloc(2 * (size_t)ticks, sizeof *snaps);
    if (!snaps)
        abort();
    struct engine_run *runs[4] = {&inc, &inc, &ref, &ref};
    double naive_sum = 0, table_mb = 0;
    size_t pairs = 0, listed = 0;
    int naive_done = 0;
    bool same = true;
    struct alert_window_counts wc_first = {0};
    for (int pass = 0; pass < 4; pass++) {
        struct engine_run *r = runs[pass];
        bool sliced = pass % 2 == 1;
        struct series_table *tab = series_table_new(NULL);
        struct synth_rng rng;
        synth_seed(&rng, 1);
        for (int64_t s = 0; s < warmup_s; s++)
            ingest_second(tab, d, &rng, s, per_s, warmup_s);
        int64_t now = T0_MS + (int64_t)(warmup_s - 1) * 1000 + 999;
        for (int k = -1; k < ticks; k++) {
            if (k >= 0) {
                ingest_second(tab, d, &rng, warmup_s + k, per_s, warmup_s);
                now = T0_MS + (int64_t)(warmup_s + k) * 1000 + 999;
            }
            struct snap got, *keep = k >= 0 && pass < 2 ? &snaps[2 * k + pass] : NULL;
            struct snap *snap = keep ? keep : k >= 0 && pass == 2 ? &got : NULL;
            if (sliced)
                engine_tick_sliced(r, tab, now, k, snap);
            else
                engine_tick_whole(r, tab, now, k, snap);
            if (pass == 0 && k == -1) /* the first evaluation builds every window */
                alert_engine_window_counts(inc.whole, &wc_first);
            if (snap == &got) { /* the incremental engine, whole and sliced, against the full */
                same = same && same_snap(&snaps[2 * k], &got) && same_snap(&snaps[2 * k + 1], &got);
                if (k == ticks - 1)
                    listed = got.n;
                snap_free(&got);
            }
            if (pass == 2 && naive_done < NAIVE_TICKS &&
                k == (naive_done + 1) * ticks / (NAIVE_TICKS + 1)) {
                naive_sum += naive_tick(&naive_rules, tab, now, &pairs);
                naive_done++;
            }
        }
        table_mb = (double)series_table_memory_bytes(tab) / 1e6;
        series_table_free(tab);
    }
    for (int k = 0; k < 2 * ticks; k++)
        snap_free(&snaps[k]);
    free(snaps);
    struct alert_window_counts wc;
    alert_engine_window_counts(inc.whole, &wc);
    double mean = mean_of(inc.cost, ticks), rmean = mean_of(ref.cost, ticks);
    double naive = naive_sum / naive_done;
    qsort(inc.cost, (size_t)ticks, sizeof *inc.cost, cmp_double);
    qsort(ref.cost, (size_t)ticks, sizeof *ref.cost, cmp_double);

    printf("| measure | incremental windows | full windows (before issue 15) | ratio | naive "
           "(selector on every series, full windows) |\n|---|---|---|---|---|\n");
    printf("| evaluation of %d rules, mean per tick | **%.1f ms** | %.1f ms | %.1fx faster | "
           "%.1f ms |\n",
           nrules, mean, rmean, rmean / mean, naive);
    printf("| per tick: median / p95 / max | %.1f / %.1f / %.1f ms | %.1f / %.1f / %.1f ms | | |\n",
           inc.cost[ticks / 2], inc.cost[ticks * 95 / 100], inc.cost[ticks - 1],
           ref.cost[ticks / 2], ref.cost[ticks * 95 / 100], ref.cost[ticks - 1]);
    printf("| first evaluation (matches %d series x %d rules) | %.1f ms | %.1f ms | | |\n", NSERIES,
           nrules, inc.first, ref.first);
    printf("| sliced (%.1f ms budget): longest slice | **%.1f ms** | %.1f ms | %.1fx shorter | "
           "%.1f ms in one piece |\n",
           ALERTS_SLICE_MS, inc.slice_max, ref.slice_max, ref.slice_max / inc.slice_max, naive);
    printf("| sliced, thread CPU time (no preemption): median / p99 / longest slice; slices over "
           "5 ms | %.1f / %.1f / %.1f ms; %zu of %zu | %.1f / %.1f / %.1f ms; %zu of %zu | | |\n",
           slice_cpu_quantile(&inc, 0.5), slice_cpu_quantile(&inc, 0.99), inc.slice_cpu_max,
           slices_over(&inc, 5.0), inc.nslice_cpu, slice_cpu_quantile(&ref, 0.5),
           slice_cpu_quantile(&ref, 0.99), ref.slice_cpu_max, slices_over(&ref, 5.0),
           ref.nslice_cpu);
    printf("| sliced, thread CPU time: longest slice that took no page fault; slices that took one "
           "| %.1f ms; %zu of %zu | %.1f ms; %zu of %zu | | |\n",
           inc.slice_calm_max, inc.slices_faulted, inc.nslice_cpu, ref.slice_calm_max,
           ref.slices_faulted, ref.nslice_cpu);
    printf("| sliced, first evaluation: longest slice; longest that took no page fault; slices that "
           "took one | %.1f; %.1f ms; %zu of %zu | %.1f; %.1f ms; %zu of %zu | | |\n",
           inc.first_slice_max, inc.first_calm_max, inc.first_faulted, inc.first_slices,
           ref.first_slice_max, ref.first_calm_max, ref.first_faulted, ref.first_slices);
    printf(
        "| sliced: slices per evaluation, total per tick | %.1f, %.1f ms | %.1f, %.1f ms | | |\n",
        (double)inc.slices / ticks, mean_of(inc.scost, ticks), (double)ref.slices / ticks,
        mean_of(ref.scost, ticks));
    printf("| rule-series pairs per tick | %zu (matched once, kept) | %zu | | %zu (matched every "
           "tick) |\n",
           pairs, pairs, pairs);
    printf("| series windows per timed tick (incremental engine): read / rebuilt / full "
           "recompute | %.0f / %.0f / %.0f | | | |\n",
           (double)(wc.incremental - wc_first.incremental) / ticks,
           (double)(wc.rebuilt - wc_first.rebuilt) / ticks,
           (double)(wc.full - wc_first.full) / ticks);
    printf("| `by` group quantiles per timed tick (incremental engine): from the top of the "
           "members' bins / all bins (after a top that fell short) | %.0f / %.0f (%.0f) | | | |\n",
           (double)(wc.group_top - wc_first.group_top) / ticks,
           (double)(wc.group_full - wc_first.group_full) / ticks,
           (double)(wc.group_top_short - wc_first.group_top_short) / ticks);
    bool ok = same && inc.transitions == ref.transitions && inc.stransitions == ref.transitions;
    printf("\n%zu transitions in %d ticks; incremental, sliced and full-window engines %s "
           "(transitions, states, values: to the bit, sums within 1e-10); %zu instances listed at "
           "the end; series "
           "table %.0f MB.\n",
           inc.transitions, ticks, ok ? "agree" : "DISAGREE", listed, table_mb);
    page_fault_cost(65536, 4096, false);
    page_fault_cost(128, 2u << 20, true);
    if (heap_warm_running())
        printf("the heap's fresh pages were faulted in ahead by a helper thread (app/heapwarm.c): "
               "%.0f MiB; WARROOM_HEAP_WARM=0 runs without it.\n",
               (double)heap_warm_bytes() / (1 << 20));
    else
        printf("the heap's fresh pages were faulted in by the slices themselves "
               "(app/heapwarm.c off: WARROOM_HEAP_WARM=0, a sanitizer, or an older kernel).\n");
    printf("targets: <= 20 ms per tick, longest slice <= 5 ms.\n");
    rule_set_free(&naive_rules);
    engine_run_free(&inc);
    engine_run_free(&ref);
    return ok ? EXIT_OK : EXIT_FAILURE_GENERIC;
}
