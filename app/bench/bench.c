/* bench.c — `warroom bench core`: throughput, query latency, memory and accuracy of the
 * processing core, next to a naive baseline (keep every value, sort on query) in the same run. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/bench/bench.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/tui/tui.h"
#include "core/event.h"
#include "core/hist.h"
#include "core/mem.h"
#include "core/series.h"
#include "core/synth.h"
#include "core/window.h"

#define BENCH_T0_MS 1700000000000LL
#define QUERY_SAMPLES 200

struct bench_events {
    uint32_t *series; /* index into keys */
    double *value;
    int64_t *ts_ms;
    size_t n;
};

struct bench_keys {
    char (*key)[192];
    size_t *len;
    uint32_t n;
};

/* One naive series: every (ts, value) kept, sorted copy on query. */
struct naive_series {
    int64_t *ts_ms;
    double *value;
    size_t n, cap;
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------------------------------------
 * Workload: duration_s of event time, events spread over the series, in time order with a
 * little disorder (up to 1 s late), values from each series' realistic shape. */

static void make_keys(struct bench_keys *k, uint32_t nseries)
{
    k->n = nseries;
    k->key = xmalloc(nseries * sizeof(*k->key));
    k->len = xmalloc(nseries * sizeof(*k->len));
    for (uint32_t i = 0; i < nseries; i++) {
        struct synth_series s;
        synth_series_describe(i, &s);
        memcpy(k->key[i], s.key, sizeof(k->key[i]));
        k->len[i] = strlen(s.key);
    }
}

static void make_events(struct bench_events *ev, uint32_t nseries, size_t n, int64_t start_ms,
                        int64_t duration_s, uint64_t seed)
{
    struct synth_rng r;
    synth_seed(&r, seed);
    ev->n = n;
    ev->series = xmalloc(n * sizeof(*ev->series));
    ev->value = xmalloc(n * sizeof(*ev->value));
    ev->ts_ms = xmalloc(n * sizeof(*ev->ts_ms));
    struct synth_series *desc = xmalloc(nseries * sizeof(*desc));
    for (uint32_t i = 0; i < nseries; i++)
        synth_series_describe(i, &desc[i]);
    double step_ms = (double)duration_s * 1000.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        uint32_t s = synth_below(&r, nseries);
        int64_t ts = start_ms + (int64_t)((double)i * step_ms);
        if (synth_below(&r, 100) == 0)
            ts -= synth_below(&r, 1000); /* 1 % arrive up to a second out of order */
        ev->series[i] = s;
        ev->ts_ms[i] = ts;
        ev->value[i] = synth_series_value(&desc[s], &r, ts, 1.0);
    }
    free(desc);
}

static void free_events(struct bench_events *ev, struct bench_keys *k)
{
    free(ev->series);
    free(ev->value);
    free(ev->ts_ms);
    free(k->key);
    free(k->len);
}

/* ---------------------------------------------------------------------------------------------
 * Naive baseline: what a Lua LRANGE + table.sort script does. */

static void naive_add(struct naive_series *s, double v, int64_t ts_ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->ts_ms = xrealloc(s->ts_ms, s->cap * sizeof(*s->ts_ms));
        s->value = xrealloc(s->value, s->cap * sizeof(*s->value));
    }
    s->ts_ms[s->n] = ts_ms;
    s->value[s->n] = v;
    s->n++;
}

/* Quantiles over values with second in [now_s - width_s + 1, now_s]: the same seconds the
 * core's sliding window covers. Returns the number of values. */
static size_t naive_quantiles(const struct naive_series *s, int64_t now_ms, int64_t width_s,
                              double *scratch, const double *qs, double *out, size_t nq)
{
    int64_t hi_s = now_ms / 1000, lo_s = hi_s - width_s + 1;
    size_t m = 0;
    for (size_t i = 0; i < s->n; i++) {
        int64_t sec = s->ts_ms[i] / 1000;
        if (sec >= lo_s && sec <= hi_s)
            scratch[m++] = s->value[i];
    }
    qsort(scratch, m, sizeof(*scratch), cmp_double);
    for (size_t j = 0; j < nq; j++)
        out[j] = m ? scratch[hist_rank(qs[j], m) - 1] : NAN; /* nearest rank */
    return m;
}

/* ---------------------------------------------------------------------------------------------
 * One scenario. */

struct bench_row {
    uint32_t nseries; /* asked for */
    uint32_t kept;    /* in the core's table: at most the series cap */
    uint64_t dropped; /* events refused because the table was full */
    uint32_t max_series;
    size_t events;
    double cold_eps, cold_ns;   /* first 15 min: series and rings created on the way */
    double core_eps, core_ns;   /* ingest, parse excluded, steady state */
    double settle_ns;           /* of which the slices laying out head moves (per event) */
    double parse_eps, parse_ns; /* ingest, parse included */
    double naive_eps, naive_ns;
    double core_q1m_us, naive_q1m_us;
    double core_q15m_us, naive_q15m_us;
    double core_bytes, naive_bytes; /* per series */
    double max_rel_err;
    uint64_t late, expired;
};

/* Up to QUERY_SAMPLES random series that are in the table (a series that got no event, or
 * was refused by the series cap, is not), as indexes into the keys. Returns how many. */
static int pick_present(const struct series_table *tab, const struct bench_keys *k, uint64_t seed,
                        uint32_t *pick)
{
    struct synth_rng r;
    synth_seed(&r, seed);
    int n = 0;
    for (int tries = 0; n < QUERY_SAMPLES && tries < 20 * QUERY_SAMPLES; tries++) {
        uint32_t i = synth_below(&r, k->n);
        if (series_table_find(tab, k->key[i], k->len[i]))
            pick[n++] = i;
    }
    for (uint32_t i = 0; n < QUERY_SAMPLES && n > 0 && i < k->n; i++) /* a sparse table */
        if (series_table_find(tab, k->key[i], k->len[i]))
            pick[n++] = i;
    return n;
}

/* Query latency of the core and of the naive baseline over the npick picked series (all in
 * the table), and the core's largest relative quantile error. */
static double measure_queries(const struct series_table *tab, const struct bench_keys *k,
                              int64_t now_ms, uint32_t width_s, const uint32_t *pick, int npick,
                              struct naive_series *naive, double *naive_us, double *max_err)
{
    static const double qs[3] = {0.5, 0.9, 0.99};
    struct window_stats st;
    *naive_us = NAN;
    if (npick == 0)
        return NAN;
    double t0 = clock_mono_s();
    double sink = 0;
    for (int i = 0; i < npick; i++) {
        const struct series *s = series_table_find(tab, k->key[pick[i]], k->len[pick[i]]);
        if (s == NULL)
            continue; /* not reached: pick_present only picks series in the table */
        window_sliding(&s->tl, now_ms, width_s, 0, &st, NULL);
        sink += st.p99;
    }
    double core_us = (clock_mono_s() - t0) * 1e6 / npick;

    size_t most = 0;
    for (int i = 0; i < npick; i++)
        if (naive[pick[i]].n > most)
            most = naive[pick[i]].n;
    double *scratch = xmalloc((most + 1) * sizeof(*scratch));
    double exact[3];
    t0 = clock_mono_s();
    for (int i = 0; i < npick; i++) {
        naive_quantiles(&naive[pick[i]], now_ms, width_s, scratch, qs, exact, 3);
        sink += exact[2];
    }
    *naive_us = (clock_mono_s() - t0) * 1e6 / npick;

    /* accuracy, outside the timed loops */
    for (int i = 0; i < npick; i++) {
        const struct series *s = series_table_find(tab, k->key[pick[i]], k->len[pick[i]]);
        if (s == NULL)
            continue;
        window_sliding(&s->tl, now_ms, width_s, 0, &st, NULL);
        size_t m = naive_quantiles(&naive[pick[i]], now_ms, width_s, scratch, qs, exact, 3);
        if (m != st.sum.count) {
            fprintf(stderr, "warroom bench: count mismatch for %s: core %" PRIu64 ", naive %zu\n",
                    k->key[pick[i]], st.sum.count, m);
            *max_err = INFINITY;
        }
        double got[3] = {st.p50, st.p90, st.p99};
        for (int j = 0; j < 3; j++) {
            if (m == 0 || exact[j] == 0)
                continue;
            double e = fabs(got[j] - exact[j]) / fabs(exact[j]);
            if (e > *max_err)
                *max_err = e;
        }
    }
    free(scratch);
    if (sink == 12345.678)
        fprintf(stderr, "\n"); /* keeps the loops from being optimised away */
    return core_us;
}

static void run_scenario(uint32_t nseries, uint32_t max_series, size_t nwarm, size_t nevents,
                         size_t nparse, uint64_t seed, struct bench_row *row)
{
    /* 15 minutes of event time fill the retention (cold: every series and ring is created on
     * the way), then the timed minute after it runs in steady state, slots being recycled. */
    const int64_t warm_s = 900, live_s = 60, duration_s = warm_s + live_s;
    struct bench_keys k;
    struct bench_events warm, ev;
    make_keys(&k, nseries);
    make_events(&warm, nseries, nwarm, BENCH_T0_MS, warm_s, seed);
    make_events(&ev, nseries, nevents, BENCH_T0_MS + warm_s * 1000, live_s, seed + 100);
    memset(row, 0, sizeof(*row));
    row->nseries = nseries;
    row->events = nevents;
    row->max_series = max_series;

    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.max_series = max_series; /* the product's cap: past it, series are refused and counted */
    struct series_table *tab = series_table_new(&tc);
    double t0 = clock_cpu_s();
    for (size_t i = 0; i < warm.n; i++) {
        uint32_t s = warm.series[i];
        series_table_ingest(tab, k.key[s], k.len[s], warm.value[i], warm.ts_ms[i]);
        if (i % 1000 == 999) /* the reader's slice after each reply */
            series_table_settle(tab, 0);
    }
    series_table_settle(tab, 0);
    double dt = clock_cpu_s() - t0;
    row->cold_eps = (double)warm.n / dt;
    row->cold_ns = dt * 1e9 / (double)warm.n;

    /* core, parse excluded: the whole path from key to slot, in batches of 1000 events as the
     * reader hands them over (one XREAD reply): their keys one after another in a buffer just
     * read, as the reply's are (laying the batch out is not timed) */
    struct series_event batch[1000];
    char *reply = xmalloc(1000 * (EVENT_KEY_MAX + 1));
    double settle_dt = 0;
    dt = 0;
    for (size_t i = 0; i < ev.n; i += 1000) {
        size_t m = ev.n - i < 1000 ? ev.n - i : 1000, at = 0;
        for (size_t j = 0; j < m; j++) {
            uint32_t s = ev.series[i + j];
            memcpy(reply + at, k.key[s], k.len[s]);
            batch[j] =
                (struct series_event){reply + at, k.len[s], ev.value[i + j], ev.ts_ms[i + j]};
            at += k.len[s];
        }
        t0 = clock_cpu_s();
        series_table_ingest_batch(tab, batch, m, NULL);
        double t1 = clock_cpu_s();
        series_table_settle(tab, 0); /* the reader's slice after each reply: head moves laid out */
        double t2 = clock_cpu_s();
        dt += t2 - t0;
        settle_dt += t2 - t1;
    }
    free(reply);
    row->core_eps = (double)ev.n / dt;
    row->core_ns = dt * 1e9 / (double)ev.n;
    row->settle_ns = settle_dt * 1e9 / (double)ev.n;
    row->late = tab->stats.late;
    row->expired = tab->stats.expired;

    /* core, parse included: text lines through the event parser, then the same path */
    size_t np = nparse < ev.n ? nparse : ev.n;
    char *text = xmalloc(np * 240 + 1);
    size_t *off = xmalloc((np + 1) * sizeof(*off));
    size_t pos = 0;
    for (size_t i = 0; i < np; i++) {
        off[i] = pos;
        pos += (size_t)sprintf(text + pos, "%s %.17g %" PRId64 "\n", k.key[ev.series[i]],
                               ev.value[i], ev.ts_ms[i]);
    }
    off[np] = pos;
    struct series_table *tab2 = series_table_new(&tc);
    struct event e;
    char reason[160], key[EVENT_KEY_MAX + 1];
    size_t parsed = 0;
    int64_t parse_now = BENCH_T0_MS + duration_s * 1000;
    /* the parse run covers its own series table from scratch: pre-create the series so it
     * measures the same steady path plus parsing (past the cap they are refused: NULL, and
     * their events are counted as dropped, as in the timed run) */
    for (uint32_t i = 0; i < nseries && tab2->count < tab2->cfg.max_series; i++)
        series_table_get_or_add(tab2, k.key[i], k.len[i]);
    t0 = clock_cpu_s();
    for (size_t i = 0; i < np; i++) {
        if (event_parse_line(text + off[i], off[i + 1] - off[i], parse_now, NULL, &e, reason,
                             sizeof(reason)) != EVENT_OK)
            continue;
        int kl = event_key(&e, key, sizeof(key));
        if (kl < 0)
            continue;
        series_table_ingest(tab2, key, (size_t)kl, e.value, e.ts_ms);
        parsed++;
        if (i % 1000 == 999)
            series_table_settle(tab2, 0);
    }
    series_table_settle(tab2, 0);
    dt = clock_cpu_s() - t0;
    if (parsed != np)
        fprintf(stderr, "warroom bench: %zu of %zu lines failed to parse\n", np - parsed, np);
    row->parse_eps = (double)np / dt;
    row->parse_ns = dt * 1e9 / (double)np;
    series_table_free(tab2);
    free(text);
    free(off);

    /* naive baseline: append every value */
    struct naive_series *naive = xcalloc(nseries, sizeof(*naive));
    for (size_t i = 0; i < warm.n; i++)
        naive_add(&naive[warm.series[i]], warm.value[i], warm.ts_ms[i]);
    t0 = clock_cpu_s();
    for (size_t i = 0; i < ev.n; i++)
        naive_add(&naive[ev.series[i]], ev.value[i], ev.ts_ms[i]);
    dt = clock_cpu_s() - t0;
    row->naive_eps = (double)ev.n / dt;
    row->naive_ns = dt * 1e9 / (double)ev.n;

    /* queries at the end of the data, on the same random series for both */
    uint32_t pick[QUERY_SAMPLES];
    int npick = pick_present(tab, &k, seed + 1, pick);
    int64_t end_ms = BENCH_T0_MS + duration_s * 1000 - 1;
    row->max_rel_err = 0;
    row->core_q1m_us = measure_queries(tab, &k, end_ms, 60, pick, npick, naive, &row->naive_q1m_us,
                                       &row->max_rel_err);
    row->core_q15m_us = measure_queries(tab, &k, end_ms, 900, pick, npick, naive,
                                        &row->naive_q15m_us, &row->max_rel_err);

    /* per series the core holds (the cap may have refused some) */
    row->kept = tab->count;
    row->dropped = tab->stats.rejected_cap;
    row->core_bytes = tab->count ? (double)series_table_memory_bytes(tab) / tab->count : NAN;
    size_t nb = nseries * sizeof(*naive);
    for (uint32_t i = 0; i < nseries; i++)
        nb += naive[i].cap * (sizeof(int64_t) + sizeof(double));
    row->naive_bytes = (double)nb / nseries;

    for (uint32_t i = 0; i < nseries; i++) {
        free(naive[i].ts_ms);
        free(naive[i].value);
    }
    free(naive);
    series_table_free(tab);
    free(warm.series);
    free(warm.value);
    free(warm.ts_ms);
    free_events(&ev, &k);
}

/* A single busy series: 1000 events every second for the whole default retention. */
static size_t busy_series_bytes(uint64_t seed)
{
    struct series_table *tab = series_table_new(NULL);
    struct synth_rng r;
    synth_seed(&r, seed);
    const char *key = "latency_ms{service=api}";
    int64_t retention_s = tab->cfg.timeline.retention_s;
    for (int64_t sec = 0; sec < retention_s; sec++) {
        for (int i = 0; i < 1000; i++)
            series_table_ingest(tab, key, strlen(key), synth_lognormal(&r, log(50.0), 0.5),
                                BENCH_T0_MS + sec * 1000 + i);
        series_table_settle(tab, 0);
    }
    size_t bytes = series_table_memory_bytes(tab) - sizeof(*tab);
    series_table_free(tab);
    return bytes;
}

/* "1000" -> "1k", "1000000" -> "1M", others as they are. */
static void size_label(uint32_t nseries, char *buf, size_t cap)
{
    if (nseries % 1000000 == 0)
        snprintf(buf, cap, "%uM", nseries / 1000000);
    else if (nseries % 1000 == 0)
        snprintf(buf, cap, "%uk", nseries / 1000);
    else
        snprintf(buf, cap, "%u", nseries);
}

static void print_row(const struct bench_row *w)
{
    char n[32];
    size_label(w->nseries, n, sizeof n);
    printf("| %s series, cold fill of 15 min (series created) | %.1f M ev/s (%.0f ns/ev) | | |\n",
           n, w->cold_eps / 1e6, w->cold_ns);
    printf("| %s series, ingest, parse excluded | %.1f M ev/s (%.0f ns/ev) | "
           "%.1f M ev/s (%.0f ns/ev) | %.2fx |\n",
           n, w->core_eps / 1e6, w->core_ns, w->naive_eps / 1e6, w->naive_ns,
           w->core_eps / w->naive_eps);
    printf("| %s series, of which the event path / the slice after each batch | %.0f / %.0f "
           "ns/ev | | |\n",
           n, w->core_ns - w->settle_ns, w->settle_ns);
    printf("| %s series, ingest, parse included | %.1f M ev/s (%.0f ns/ev) | | |\n", n,
           w->parse_eps / 1e6, w->parse_ns);
    printf("| %s series, p50+p90+p99 of 1 min | %.1f µs | %.1f µs | %.0fx faster |\n", n,
           w->core_q1m_us, w->naive_q1m_us, w->naive_q1m_us / w->core_q1m_us);
    printf("| %s series, p50+p90+p99 of 15 min | %.1f µs | %.1f µs | %.0fx faster |\n", n,
           w->core_q15m_us, w->naive_q15m_us, w->naive_q15m_us / w->core_q15m_us);
    printf("| %s series, bytes per series | %.1f KiB | %.1f KiB | %.1fx smaller |\n", n,
           w->core_bytes / 1024, w->naive_bytes / 1024, w->naive_bytes / w->core_bytes);
    printf("| %s series, max quantile error | %.3f %% | 0 (exact) | |\n", n, w->max_rel_err * 100);
    if (w->dropped) { /* the figures above are those of the series the core kept */
        printf("| %s series: series cap %u reached, %u series kept, %" PRIu64
               " events dropped (raise --max-series) | | | |\n",
               n, w->max_series, w->kept, w->dropped);
        fprintf(stderr,
                "warroom bench: series cap %u reached: %" PRIu64
                " events dropped; raise --max-series\n",
                w->max_series, w->dropped);
    }
}

/* `warroom bench e2e [--events N] [--cluster]`: reads its options, then runs bench_e2e. */
static int bench_e2e_main(int argc, char **argv)
{
    size_t n = 1000000;
    bool cluster = false;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--cluster") == 0)
            cluster = true;
        else
            n = 0;
    }
    if (n == 0) {
        fprintf(stderr, "usage: warroom bench e2e [--events N] [--cluster]\n");
        return EXIT_USAGE;
    }
    return cluster ? bench_e2e_cluster(n) : bench_e2e(n);
}

/* `warroom bench core [OPTIONS]`: the processing core next to the naive baseline. */
static int bench_core(int argc, char **argv)
{
    size_t nevents = 10000000, nparse = 2000000, nwarm = 5000000;
    uint32_t only_series = 0, max_series = 0, nquiet = 1000000;
    static const char core_usage[] =
        "usage: warroom bench core [--series K] [--max-series N] [--events N] [--warm-events N]"
        " [--parse-events N] [--quiet-series N]\n";
    bool bad = false, quiet_set = false;
    for (int i = 2; i < argc; i += 2) { /* every option takes a value */
        if (i + 1 >= argc) {
            bad = true;
            break;
        }
        char *end;
        unsigned long long v = strtoull(argv[i + 1], &end, 10);
        bad |= *end != '\0' || argv[i + 1][0] == '-';
        if (strcmp(argv[i], "--events") == 0)
            nevents = v;
        else if (strcmp(argv[i], "--series") == 0)
            bad |= v < 1 || v > 100000000, only_series = (uint32_t)v;
        else if (strcmp(argv[i], "--max-series") == 0)
            bad |= v < 1 || v > 100000000, max_series = (uint32_t)v;
        else if (strcmp(argv[i], "--warm-events") == 0)
            nwarm = v;
        else if (strcmp(argv[i], "--parse-events") == 0)
            nparse = v;
        else if (strcmp(argv[i], "--quiet-series") == 0)
            bad |= v > 100000000, nquiet = (uint32_t)v, quiet_set = true;
        else
            bad = true;
    }
    if (bad || nevents == 0 || nparse == 0 || nwarm == 0) {
        fputs(core_usage, stderr);
        return EXIT_USAGE;
    }
    if (only_series && !quiet_set)
        nquiet = only_series; /* one size asked for: the memory run uses it too */

    printf("warroom bench core: per scenario %zu events fill 15 min of event time (cold), then\n"
           "%zu events over the next minute are timed (steady state); the parse-included run\n"
           "uses %zu lines. Figures are CPU time of one thread.\n",
           nwarm, nevents, nparse);
    /* memory first: the resident-set growth of the quiet run is not hidden by heap that
     * earlier scenarios freed */
    size_t busy = busy_series_bytes(7);
    int fail = bench_core_memory(nquiet, busy);

    printf("\n| measure | warroom core | naive baseline (keep all, sort on query) | ratio |\n");
    printf("|---|---|---|---|\n");
    struct bench_row row;
    uint32_t sizes[] = {1000, 10000, 100000, 1000000};
    size_t nsizes = only_series ? 1 : sizeof(sizes) / sizeof(sizes[0]);
    double first_ns = 0;
    for (size_t i = 0; i < nsizes; i++) {
        uint32_t n = only_series ? only_series : sizes[i];
        /* the default sizes run past the product's default cap: give each room unless the cap
         * was asked for (then reaching it is the point, and it is reported) */
        uint32_t cap = max_series
                           ? max_series
                           : (n > SERIES_DEFAULT_MAX && !only_series ? n : SERIES_DEFAULT_MAX);
        run_scenario(n, cap, nwarm, nevents, nparse, 1 + (uint64_t)i, &row);
        print_row(&row);
        if (i == 0)
            first_ns = row.core_ns;
        else { /* how ingest degrades as the series outgrow the caches */
            char label[32];
            size_label(n, label, sizeof label);
            printf("| %s series, ingest ns/ev against 1k series | %.2fx | | |\n", label,
                   row.core_ns / first_ns);
        }
        fflush(stdout);
        fail |= row.max_rel_err > 0.01;
    }
    printf("| busy series (1000 ev/s for 15 min), bytes | %.1f KiB | %.1f KiB | %.0fx smaller |\n",
           busy / 1024.0, 900000 * 16 / 1024.0, 900000.0 * 16 / (double)busy);
    printf("\ntargets: >= 10 M ev/s into the core without parsing (<= 100 ns/ev at 1k series, "
           "<= 200 ns/ev at 10k), 1-min p99 <= 50 µs, <= 2 KiB per quiet series, <= 64 KiB per "
           "busy series, quantile error <= 1 %%\n");
    if (fail)
        fprintf(stderr, "warroom bench: a figure is outside its target (above)\n");
    return fail ? EXIT_FAILURE_GENERIC : EXIT_OK;
}

/* ---- the benchmarks `warroom bench NAME` runs: the one list of them ---- */

/* Each gets argv as `warroom bench` got it (argv[1] is its name) and returns an exit code. */
static const struct bench_kind {
    const char *name;
    int (*run)(int argc, char **argv);
} bench_kinds[] = {
    {"core", bench_core}, {"e2e", bench_e2e_main},  {"tui", bench_tui},
    {"chat", bench_chat}, {"alerts", bench_alerts}, {"scale", bench_scale},
};

#define NBENCH_KINDS (sizeof(bench_kinds) / sizeof(bench_kinds[0]))

void bench_print_names(FILE *out)
{
    for (size_t i = 0; i < NBENCH_KINDS; i++)
        fprintf(out, "%s\n", bench_kinds[i].name);
}

/* Without a name: core. An unknown name: the help on stderr, exit 2. */
static int cmd_bench(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "core";
    for (size_t i = 0; i < NBENCH_KINDS; i++)
        if (strcmp(what, bench_kinds[i].name) == 0)
            return bench_kinds[i].run(argc, argv);
    fprintf(stderr, "warroom bench: unknown benchmark '%s'\n", what);
    cmd_print_help(&cmd_bench_entry, stderr);
    return EXIT_USAGE;
}

/* The names here and in the usage line must be those of bench_kinds: tests/integration/
 * test_docs.sh compares them (and README.md, docs/commands.md, assets/warroom.1) with
 * `warroom help --benchmarks`. */
const struct cmd_entry cmd_bench_entry = {
    .name = "bench",
    .usage = "core|e2e|tui|chat|alerts|scale [OPTIONS]",
    .summary = "run a benchmark and print a table with its baseline",
    .help =
        "usage: warroom bench core [--series K] [--max-series N] [--events N] [--warm-events N]\n"
        "                          [--parse-events N] [--quiet-series N]\n"
        "       warroom bench e2e [--events N] [--cluster]\n"
        "       warroom bench tui [--seconds S] [--rate N] [--series K]\n"
        "       warroom bench chat [--messages N] [--rounds R]\n"
        "       warroom bench alerts [--rate EVENTS_PER_SERIES_PER_S (1-100)] [--ticks N]\n"
        "       warroom bench scale [--max-values N] [--events N] [--series K] [--seconds S]\n"
        "                           [--parts 123456]\n\n"
        "Runs one benchmark (core without a name) and prints a table next to a baseline\n"
        "measured in the same run: core (the processing core against keeping every value,\n"
        "and its memory per quiet, normal and busy series),\n"
        "e2e (Redis to core; with --cluster on a local 3-master Redis Cluster next to one\n"
        "Redis, and gen with --min-replicas 1 against none on a master with one replica),\n"
        "tui (the interface), chat (message latency), alerts (rule evaluation),\n"
        "scale (group mode's rollups against raw replay and a naive Lua script).\n"
        "The figures and how to reproduce them: docs/benchmarks.md.\n\n"
        "exit codes: 0 ok, 1 failure (or a figure outside its target), 2 usage\n\n",
    .run = cmd_bench,
};
