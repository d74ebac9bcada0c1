/* cmd_demo.c — `warroom demo`: the interface with demo data generated in-process (tui_main
 * with the generator of app/tui/demo.c), or with --plain (or when stdout is not a terminal) the
 * plain table: events fed straight into the core, the busiest series printed every second, no
 * Redis needed. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/tui/tui.h"
#include "core/fmt.h"
#include "core/mem.h"
#include "core/rank.h"
#include "core/series.h"
#include "core/synth.h"

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
    synth_seed(&rng, (uint64_t)clock_wall_ms());
    int64_t start = clock_wall_ms(), next_print = start + 1000;
    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.data_start_ms = start - PLAIN_TICK_MS; /* events are stamped up to a tick back */
    struct series_table *tab = series_table_new(&tc);
    int tty = isatty(STDOUT_FILENO);

    long per_tick = rate * PLAIN_TICK_MS / 1000;
    if (per_tick < 1)
        per_tick = 1;
    while (!plain_stop) {
        int64_t now = clock_wall_ms();
        for (long i = 0; i < per_tick; i++) {
            uint32_t s = synth_below(&rng, (uint32_t)nseries);
            int64_t ts = now - (int64_t)synth_below(&rng, PLAIN_TICK_MS);
            series_table_ingest(tab, desc[s].key, strlen(desc[s].key),
                                synth_series_value(&desc[s], &rng, ts, 1.0), ts);
        }
        series_table_settle(tab, 0); /* the tick's head moves laid out (series.h) */
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
            fprintf(stderr,
                    "warroom demo: bad argument '%s'\n"
                    "usage: warroom demo --plain [--seconds N] [--series K] [--rate N]\n",
                    argv[i]);
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
            "over 48 series), written to Redis as any producer would, with the shipped alert\n"
            "rules (assets/rules.conf) unless --rules or a rules file is set: 20 s in, and every\n"
            "5 min, the api's latency in eu-west goes bad and api_latency_high fires (bell,\n"
            "chat), ready to ack. With --plain, or when stdin or stdout is not a terminal: no\n"
            "Redis, events (default 20000/s over 64 series) fed straight into the core and\n"
            "printed as a plain table until Ctrl-C or N seconds. Keys: ? inside the interface.\n\n"
            "exit codes: 0 ok, 1 failure, 2 usage, 4 Redis never reached during the session\n\n",
    .common_options = true,
    .run = cmd_demo,
};
