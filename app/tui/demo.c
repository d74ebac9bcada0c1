/* demo.c — `warroom demo` / `warroom --demo`: the interface with synthetic events generated
 * in-process and written to Redis like any producer would (demo_gen), or with --plain (or when
 * stdout is not a terminal) the original plain table: events fed straight into the core, the
 * busiest series printed every second, no Redis needed. */
#include "app/tui/demo.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/cmd/cmd.h"
#include "app/redis/producer.h"
#include "app/redis/rconn.h"
#include "app/tui/tui.h"
#include "core/fmt.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/rank.h"
#include "core/series.h"
#include "core/synth.h"

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------------------------------------
 * The in-process generator
 * ------------------------------------------------------------------------------------------ */

#define DEMO_TICK_S 0.05
#define DEMO_MAX_PENDING 20000 /* commands queued on the connection before batches are skipped */
#define DEMO_ANOMALY_PERIOD_S 120
#define DEMO_ANOMALY_LEN_S 25
#define DEMO_ANOMALY_FACTOR 6.0

struct demo_gen {
    struct ev_loop *loop;
    struct rconn *rc;
    ev_timer tick;
    struct demo_gen_opts o;
    char *ns;
    struct synth_series *desc;
    char (*stream)[96]; /* partition stream key of each series */
    struct synth_rng rng;
    double carry; /* fractional events owed to the next tick */
    double last;  /* loop time of the last tick */
    uint64_t sent;
};

static void demo_send(struct demo_gen *g, uint32_t i, int64_t now_ms)
{
    const struct synth_series *s = &g->desc[i];
    /* one series at a time misbehaves for a while: something for the eye and for alerts */
    int64_t now_s = now_ms / 1000;
    double factor = 1.0;
    if (now_s % DEMO_ANOMALY_PERIOD_S < DEMO_ANOMALY_LEN_S &&
        (uint32_t)(now_s / DEMO_ANOMALY_PERIOD_S) % g->o.series == i)
        factor = DEMO_ANOMALY_FACTOR;
    char value[32], minid[24];
    producer_format_value(synth_series_value(s, &g->rng, now_ms, factor), value);
    int64_t min = now_ms - g->o.retention_ms;
    snprintf(minid, sizeof(minid), "%lld", (long long)(min > 0 ? min : 0));
    const char *argv[12];
    int argc = 0;
    argv[argc++] = "XADD";
    argv[argc++] = g->stream[i];
    if (g->o.retention_ms > 0) {
        argv[argc++] = "MINID";
        argv[argc++] = "~";
        argv[argc++] = minid;
    }
    argv[argc++] = "*";
    argv[argc++] = "metric";
    argv[argc++] = s->metric;
    argv[argc++] = "value";
    argv[argc++] = value;
    if (s->labels[0]) {
        argv[argc++] = "labels";
        argv[argc++] = s->labels;
    }
    if (rconn_command_argv(g->rc, NULL, NULL, argc, argv, NULL) == 0)
        g->sent++;
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct demo_gen *g = w->data;
    double now = ev_now(loop), dt = now - g->last;
    g->last = now;
    if (dt > 1.0)
        dt = 1.0; /* after a stall, do not burst */
    if (rconn_get_state(g->rc) != RCONN_UP || rconn_pending(g->rc) > DEMO_MAX_PENDING) {
        g->carry = 0;
        return;
    }
    g->carry += dt * g->o.rate;
    long n = (long)g->carry;
    g->carry -= (double)n;
    int64_t now_ms = wall_ms();
    for (long k = 0; k < n; k++)
        demo_send(g, synth_below(&g->rng, g->o.series), now_ms);
}

struct demo_gen *demo_gen_new(struct ev_loop *loop, const struct redisaddr *addr,
                              const struct demo_gen_opts *opts)
{
    struct demo_gen *g = xcalloc(1, sizeof(*g));
    g->loop = loop;
    g->o = *opts;
    g->ns = xstrdup(opts->ns);
    g->o.ns = g->ns;
    if (g->o.rate == 0)
        g->o.rate = DEMO_DEFAULT_RATE;
    if (g->o.series == 0)
        g->o.series = DEMO_DEFAULT_SERIES;
    if (g->o.partitions == 0)
        g->o.partitions = 1;
    synth_seed(&g->rng, opts->seed ? opts->seed : (uint64_t)wall_ms());
    g->desc = xmalloc(g->o.series * sizeof(*g->desc));
    g->stream = xmalloc(g->o.series * sizeof(*g->stream));
    for (uint32_t i = 0; i < g->o.series; i++) {
        synth_series_describe(i, &g->desc[i]);
        const char *key = g->desc[i].key;
        unsigned p = partition_of(key, strlen(key), g->o.partitions);
        if (partition_stream_key(g->ns, p, g->stream[i], sizeof(g->stream[i])) < 0)
            g->stream[i][0] = '\0';
    }
    struct rconn_opts ro = {.mode = RCONN_MODE_COMMAND, .name = "demo"};
    g->rc = rconn_new(loop, addr, &ro);
    ev_timer_init(&g->tick, on_tick, DEMO_TICK_S, DEMO_TICK_S);
    g->tick.data = g;
    g->last = ev_now(loop);
    ev_timer_start(loop, &g->tick);
    return g;
}

void demo_gen_free(struct demo_gen *g)
{
    if (g == NULL)
        return;
    ev_timer_stop(g->loop, &g->tick);
    rconn_close(g->rc);
    free(g->desc);
    free(g->stream);
    free(g->ns);
    free(g);
}

uint64_t demo_gen_sent(const struct demo_gen *g)
{
    return g->sent;
}

/* ---------------------------------------------------------------------------------------------
 * The plain table (no Redis, no curses)
 * ------------------------------------------------------------------------------------------ */

#define PLAIN_ROWS 16
#define PLAIN_TICK_MS 100

static volatile sig_atomic_t plain_stop;

static void on_signal(int sig)
{
    (void)sig;
    plain_stop = 1;
}

static void print_table(const struct series_table *tab, int64_t now_ms, double elapsed_s, int tty)
{
    struct rank_row rows[PLAIN_ROWS];
    struct rank_query q = {.now_ms = now_ms, .width_s = 60, .column = RANK_RATE};
    size_t n = rank_top(tab, &q, rows, PLAIN_ROWS);
    if (tty)
        fputs("\033[H\033[2J", stdout);
    printf("warroom demo — %u series, %llu events in %.0f s, last 1 min, by rate "
           "(Ctrl-C stops)\n\n",
           tab->count, (unsigned long long)tab->stats.events, elapsed_s);
    printf("%-52s %7s %7s %7s %7s %7s %7s %7s\n", "series", "rate/s", "count", "avg", "p50", "p90",
           "p99", "max");
    for (size_t i = 0; i < n && i < PLAIN_ROWS; i++) {
        const struct window_stats *st = &rows[i].stats;
        char c[7][16];
        printf("%-52.52s %7s %7s %7s %7s %7s %7s %7s\n", rows[i].series->key,
               fmt_si(st->rate, c[0], 16), fmt_si((double)st->sum.count, c[1], 16),
               fmt_si(summary_mean(&st->sum), c[2], 16), fmt_si(st->p50, c[3], 16),
               fmt_si(st->p90, c[4], 16), fmt_si(st->p99, c[5], 16),
               fmt_si(st->sum.count ? st->sum.max : NAN, c[6], 16));
    }
    fflush(stdout);
}

static int demo_plain(long seconds, long nseries, long rate)
{
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct synth_series *desc = xmalloc((size_t)nseries * sizeof(*desc));
    for (long i = 0; i < nseries; i++)
        synth_series_describe((uint32_t)i, &desc[i]);
    struct synth_rng rng;
    synth_seed(&rng, (uint64_t)wall_ms());
    int64_t start = wall_ms(), next_print = start + 1000;
    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.data_start_ms = start - PLAIN_TICK_MS; /* events are stamped up to a tick back */
    struct series_table *tab = series_table_new(&tc);
    int tty = isatty(STDOUT_FILENO);

    long per_tick = rate * PLAIN_TICK_MS / 1000;
    if (per_tick < 1)
        per_tick = 1;
    while (!plain_stop) {
        int64_t now = wall_ms();
        for (long i = 0; i < per_tick; i++) {
            uint32_t s = synth_below(&rng, (uint32_t)nseries);
            int64_t ts = now - (int64_t)synth_below(&rng, PLAIN_TICK_MS);
            series_table_ingest(tab, desc[s].key, strlen(desc[s].key),
                                synth_series_value(&desc[s], &rng, ts, 1.0), ts);
        }
        if (now >= next_print) {
            print_table(tab, now, (double)(now - start) / 1000.0, tty);
            next_print += 1000;
        }
        if (seconds > 0 && now - start >= seconds * 1000)
            break;
        struct timespec nap = {0, PLAIN_TICK_MS * 1000000L};
        while (nanosleep(&nap, &nap) != 0 && errno == EINTR && !plain_stop)
            ;
    }
    series_table_free(tab);
    free(desc);
    return EXIT_OK;
}

int cmd_demo(int argc, char **argv)
{
    bool plain = !isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO);
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--plain") == 0)
            plain = true;
    if (!plain)
        return tui_main(argc, argv, true);

    long seconds = 0, nseries = 64, rate = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--plain") == 0)
            continue;
        long *dst = NULL;
        if (strcmp(argv[i], "--seconds") == 0)
            dst = &seconds;
        else if (strcmp(argv[i], "--series") == 0)
            dst = &nseries;
        else if (strcmp(argv[i], "--rate") == 0)
            dst = &rate;
        char *end = NULL;
        if (dst == NULL || i + 1 >= argc || (*dst = strtol(argv[++i], &end, 10), *end) ||
            *dst < 0 || (dst != &seconds && *dst == 0)) {
            fprintf(stderr, "usage: warroom demo --plain [--seconds N] [--series K] "
                            "[--rate N]\n");
            return EXIT_USAGE;
        }
    }
    return demo_plain(seconds, nseries, rate);
}

const struct cmd_entry cmd_demo_entry = {
    .name = "demo",
    .usage = "[--rate N] [--series K] | --plain [--seconds N]",
    .summary =
        "the interface with demo data generated in-process (--plain: a text table, no Redis)",
    .help = "usage: warroom demo [--rate N] [--series K] [OPTIONS]     (or warroom --demo ...)\n"
            "       warroom demo --plain [--seconds N] [--series K] [--rate N]\n\n"
            "Opens the interface and generates demo events in-process (default 1000 events/s\n"
            "over 48 series), written to Redis as any producer would. With --plain, or when\n"
            "stdin or stdout is not a terminal: no Redis, events (default 20000/s over 64\n"
            "series) fed straight into the core and printed as a plain table until Ctrl-C or\n"
            "N seconds. Keys: ? inside the interface.\n\n"
            "exit codes: 0 ok, 1 failure, 2 usage, 4 Redis never reached during the session\n\n",
    .common_options = true,
    .run = cmd_demo,
};
