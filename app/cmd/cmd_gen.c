/* cmd_gen.c — `warroom gen`: synthetic load for demos and tests. Events of the demo catalogue
 * (core/synth) stamped with the wall clock, paced to a rate, optionally with an anomaly that
 * multiplies the values of some series for a while, so that alerts have something to fire on. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/config.h"
#include "app/redis/producer.h"
#include "core/duration.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/select.h"
#include "core/synth.h"

#define GEN_TICK_MS 10
#define GEN_DEFAULT_RATE 1000
#define GEN_DEFAULT_SERIES 32
#define GEN_MAX_SERIES 1000000

static const char gen_help[] =
    "usage: warroom gen [--rate N|unlimited] [--series K] [--count N | --duration DUR]\n"
    "                   [--seed S] [--anomaly MATCH [--anomaly-factor F] [--anomaly-at DUR]\n"
    "                   [--anomaly-for DUR]] [--give-up DUR]\n\n"
    "Writes synthetic events (the demo catalogue: latency_ms, requests, cpu_pct, resp_bytes\n"
    "per region and service, values with at most 3 decimals) to the partition streams, stamped\n"
    "with the current time.\n"
    "  --rate N           events per second (default 1000); 0 or 'unlimited': as fast as possible\n"
    "  --series K         number of series (default 32)\n"
    "  --count N          stop after N events\n"
    "  --duration DUR     stop after DUR (e.g. 30s, 5m); default: run until Ctrl-C\n"
    "  --seed S           random seed (default 1)\n"
    "  --anomaly MATCH    series to disturb: an index, a selector with braces\n"
    "                     ('latency_ms{service=api}'), or a substring of the series key\n"
    "  --anomaly-factor F multiply their values by F (default 10); counter series (requests)\n"
    "                     are sent F times as often instead\n"
    "  --anomaly-at DUR   start, from the start of gen (default 0s)\n"
    "  --anomaly-for DUR  length (default: until the end)\n"
    "  --give-up DUR      when Redis goes away, keep reconnecting this long; when it\n"
    "                     refuses every event (e.g. OOM at maxmemory), stop after this\n"
    "                     long (default 60s)\n\n"
    "Refusals by Redis are reported as they happen (at most one line a second); totals are\n"
    "printed on stderr at the end. exit codes: 0 every event accepted, 1 failure (Redis refused\n"
    "events), 2 usage, 4 Redis unreachable, or lost for longer than --give-up\n\n";

const struct cmd_entry cmd_gen_entry = {
    .name = "gen",
    .usage = "[--rate N] [--count N|--duration D]",
    .summary = "write synthetic load (see gen --help)",
    .help = gen_help,
    .common_options = true,
    .run = cmd_gen,
};

static volatile sig_atomic_t gen_stop;

static void on_signal(int sig)
{
    (void)sig;
    gen_stop = 1;
}

struct gen_opts {
    uint64_t rate; /* events/s, 0: unlimited */
    uint32_t series;
    uint64_t count;      /* 0: no limit */
    int64_t duration_ms; /* 0: no limit */
    uint64_t seed;
    const char *anomaly; /* NULL: none */
    double anomaly_factor;
    int64_t anomaly_at_ms, anomaly_for_ms; /* for 0: until the end */
    int64_t give_up_ms;                    /* 0: the producer's default */
};

struct gen {
    struct gen_opts o;
    struct synth_series *desc;
    struct event *ev; /* the identity of each series; value and ts set per event */
    bool *anomalous;
    size_t nanomalous;
    double *cumw; /* cumulative pick weights; NULL while all weights are 1 */
    bool anomaly_on;
    struct synth_rng rng;
    struct producer *p;
};

/* ---------------------------------------------------------------- options */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static int parse_dur(const char *opt, const char *v, int64_t *out)
{
    if (duration_parse_ms(v, strlen(v), out) != 0) {
        fprintf(stderr, "warroom gen: %s: '%s' is not a duration like 500ms, 30s or 5m\n", opt, v);
        return -1;
    }
    return 0;
}

/* Parses the command's own options. Returns -1 (usage printed), 0, or 1 for --help. */
static int parse_opts(int argc, char **argv, struct gen_opts *o)
{
    *o = (struct gen_opts){
        .rate = GEN_DEFAULT_RATE, .series = GEN_DEFAULT_SERIES, .seed = 1, .anomaly_factor = 10.0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return 1;
        char name[32];
        const char *eq = strchr(a, '=');
        if (strncmp(a, "--", 2) != 0 || (eq && (size_t)(eq - a) >= sizeof name)) {
            fprintf(stderr, "warroom gen: unexpected argument '%s'\n%s", a, gen_help);
            return -1;
        }
        if (eq) {
            snprintf(name, sizeof name, "%.*s", (int)(eq - a), a);
            v = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", a);
            if (i + 1 >= argc) {
                fprintf(stderr, "warroom gen: %s needs a value\n", a);
                return -1;
            }
            v = argv[++i];
        }
        uint64_t u;
        if (strcmp(name, "--rate") == 0) {
            if (strcmp(v, "unlimited") == 0 || strcmp(v, "max") == 0)
                o->rate = 0;
            else if (parse_u64(v, &o->rate) != 0) {
                fprintf(stderr, "warroom gen: --rate: '%s' is not a number of events/s\n", v);
                return -1;
            }
        } else if (strcmp(name, "--series") == 0) {
            if (parse_u64(v, &u) != 0 || u < 1 || u > GEN_MAX_SERIES) {
                fprintf(stderr, "warroom gen: --series must be from 1 to %d\n", GEN_MAX_SERIES);
                return -1;
            }
            o->series = (uint32_t)u;
        } else if (strcmp(name, "--count") == 0) {
            if (parse_u64(v, &o->count) != 0 || o->count == 0) {
                fprintf(stderr, "warroom gen: --count must be a positive number\n");
                return -1;
            }
        } else if (strcmp(name, "--duration") == 0) {
            if (parse_dur(name, v, &o->duration_ms) != 0)
                return -1;
        } else if (strcmp(name, "--seed") == 0) {
            if (parse_u64(v, &o->seed) != 0) {
                fprintf(stderr, "warroom gen: --seed must be a number\n");
                return -1;
            }
        } else if (strcmp(name, "--give-up") == 0) {
            if (parse_dur(name, v, &o->give_up_ms) != 0)
                return -1;
        } else if (strcmp(name, "--anomaly") == 0) {
            o->anomaly = v;
        } else if (strcmp(name, "--anomaly-factor") == 0) {
            char *end;
            o->anomaly_factor = strtod(v, &end);
            if (*end || end == v || !(o->anomaly_factor > 0) || o->anomaly_factor > 1e6) {
                fprintf(stderr, "warroom gen: --anomaly-factor must be a number > 0\n");
                return -1;
            }
        } else if (strcmp(name, "--anomaly-at") == 0) {
            if (parse_dur(name, v, &o->anomaly_at_ms) != 0)
                return -1;
        } else if (strcmp(name, "--anomaly-for") == 0) {
            if (parse_dur(name, v, &o->anomaly_for_ms) != 0)
                return -1;
        } else {
            fprintf(stderr, "warroom gen: unknown option '%s'\n%s", name, gen_help);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- series */

static void gen_series_init(struct gen *g)
{
    uint32_t k = g->o.series;
    g->desc = xmalloc(k * sizeof *g->desc);
    g->ev = xmalloc(k * sizeof *g->ev);
    g->anomalous = xcalloc(k, sizeof *g->anomalous);
    for (uint32_t i = 0; i < k; i++) {
        synth_series_describe(i, &g->desc[i]);
        /* catalogue keys are canonical and valid: parsing cannot fail */
        event_parse_key(g->desc[i].key, strlen(g->desc[i].key), &g->ev[i]);
        g->ev[i].has_ts = true;
    }
}

static bool all_digits(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Marks the series MATCH names. Returns the number marked, or -1 (message printed). */
static int gen_anomaly_match(struct gen *g, const char *match)
{
    struct selector *sel = NULL;
    char err[256];
    size_t n = 0;

    if (all_digits(match)) {
        unsigned long i = strtoul(match, NULL, 10);
        if (i >= g->o.series) {
            fprintf(stderr, "warroom gen: --anomaly %s: there are only %u series (0-%u)\n", match,
                    g->o.series, g->o.series - 1);
            return -1;
        }
        g->anomalous[i] = true;
        return 1;
    }
    if (strchr(match, '{')) {
        sel = select_new(match, strlen(match), err, sizeof err);
        if (sel == NULL) {
            fprintf(stderr, "warroom gen: --anomaly: %s\n", err);
            return -1;
        }
    }
    for (uint32_t i = 0; i < g->o.series; i++) {
        bool hit =
            sel ? select_match(sel, &g->ev[i]) : select_substring_match(g->desc[i].key, match);
        g->anomalous[i] = hit;
        n += hit;
    }
    select_free(sel);
    if (n == 0) {
        fprintf(stderr, "warroom gen: --anomaly '%s' matches none of the %u series (e.g. %s)\n",
                match, g->o.series, g->desc[0].key);
        return -1;
    }
    return (int)n;
}

/* Turns the anomaly on or off: counters that are part of it get weight factor. */
static void gen_anomaly_set(struct gen *g, bool on)
{
    g->anomaly_on = on;
    if (!on) {
        free(g->cumw);
        g->cumw = NULL;
        return;
    }
    bool any_counter = false;
    for (uint32_t i = 0; i < g->o.series; i++)
        any_counter |= g->anomalous[i] && g->desc[i].shape == SYNTH_COUNTER;
    if (!any_counter)
        return;
    g->cumw = xmalloc(g->o.series * sizeof *g->cumw);
    double sum = 0;
    for (uint32_t i = 0; i < g->o.series; i++) {
        bool boost = g->anomalous[i] && g->desc[i].shape == SYNTH_COUNTER;
        sum += boost ? g->o.anomaly_factor : 1.0;
        g->cumw[i] = sum;
    }
}

static uint32_t gen_pick(struct gen *g)
{
    if (g->cumw == NULL)
        return synth_below(&g->rng, g->o.series);
    double x = synth_uniform(&g->rng) * g->cumw[g->o.series - 1];
    uint32_t lo = 0, hi = g->o.series - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (g->cumw[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Makes and queues one event. Returns producer_add's result. */
static int gen_one(struct gen *g, int64_t ts_ms)
{
    uint32_t i = gen_pick(g);
    struct event *ev = &g->ev[i];
    double factor = g->anomaly_on && g->anomalous[i] ? g->o.anomaly_factor : 1.0;
    /* Three decimals, as a measurement would have: the wire then carries "38.367" rather than
     * 17 digits of noise, and formatting it takes the producer's fast path (a shortest
     * round-trip printf was a third of gen's CPU, making it slower than redis-cli --pipe). */
    double v = synth_series_value(&g->desc[i], &g->rng, ts_ms, factor);
    double r = round(v * 1000.0) / 1000.0;
    ev->value = isfinite(r) ? r : v;
    ev->ts_ms = ts_ms;
    return producer_add(g->p, ev);
}

/* ---------------------------------------------------------------- the loop */

static void anomaly_update(struct gen *g, int64_t elapsed_ms)
{
    if (g->o.anomaly == NULL)
        return;
    bool on = elapsed_ms >= g->o.anomaly_at_ms &&
              (g->o.anomaly_for_ms == 0 || elapsed_ms < g->o.anomaly_at_ms + g->o.anomaly_for_ms);
    if (on != g->anomaly_on)
        gen_anomaly_set(g, on);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* Runs until the count, the duration or a signal. Returns 0, or -1 when the producer failed. */
static int gen_run(struct gen *g, int64_t start)
{
    uint64_t sent = 0, base_sent = 0;
    int64_t base = start;

    for (;;) {
        int64_t now = clock_mono_ms(), elapsed = now - start;
        if (gen_stop || (g->o.duration_ms && elapsed >= g->o.duration_ms) ||
            (g->o.count && sent >= g->o.count))
            break;
        anomaly_update(g, elapsed);
        uint64_t due;
        if (g->o.rate == 0) {
            due = sent + 4096; /* check the clock and the signal flag every 4096 events */
        } else {
            due = base_sent + (uint64_t)(now - base) * g->o.rate / 1000;
            if (due > sent + g->o.rate) {
                /* over a second behind (Redis was away, or the rate is beyond reach): pace
                 * from now on rather than send the backlog in one burst */
                base = now;
                base_sent = sent;
                due = sent;
            }
        }
        if (g->o.count && due > g->o.count)
            due = g->o.count;
        int64_t ts = clock_wall_ms();
        for (uint64_t k = 0; sent < due; k++, sent++) {
            if ((k & 255) == 255)
                ts = clock_wall_ms();
            if (gen_one(g, ts) != 0)
                return -1;
        }
        if (g->o.rate != 0) {
            /* a paced producer sends what it has every tick: nothing waits for a full batch */
            if (producer_flush(g->p) != 0)
                return -1;
            sleep_ms(GEN_TICK_MS);
        }
    }
    return producer_flush(g->p);
}

int cmd_gen(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    struct gen g = {0};
    int rc = EXIT_USAGE;

    if (config_load(&cfg, &argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "warroom gen: %s\n", err);
        return EXIT_USAGE;
    }
    int po = parse_opts(argc, argv, &g.o);
    if (po != 0) {
        if (po > 0) {
            cmd_print_help(&cmd_gen_entry, stdout);
            rc = EXIT_OK;
        }
        goto out;
    }
    gen_series_init(&g);
    int nmatch = 0;
    if (g.o.anomaly && (nmatch = gen_anomaly_match(&g, g.o.anomaly)) < 0)
        goto out;
    synth_seed(&g.rng, g.o.seed);

    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    struct producer_opts popts = {.log = stderr, .cancel = &gen_stop, .give_up_ms = g.o.give_up_ms};
    enum producer_open_result opened = producer_open(&cfg, &popts, &g.p);
    if (opened != PRODUCER_OPEN_OK) {
        rc = producer_open_exit_code(opened);
        goto out;
    }
    if (g.o.anomaly) {
        char at[32], len[40] = "until the end";
        duration_format(g.o.anomaly_at_ms, at, sizeof at);
        if (g.o.anomaly_for_ms) {
            memcpy(len, "for ", 4);
            duration_format(g.o.anomaly_for_ms, len + 4, sizeof len - 4);
        }
        fprintf(stderr, "gen: anomaly x%g on %d series matching '%s', from %s %s\n",
                g.o.anomaly_factor, nmatch, g.o.anomaly, at, len);
    }

    int64_t start = clock_mono_ms();
    int res = gen_run(&g, start);
    double s = (double)(clock_mono_ms() - start) / 1000.0;
    const struct producer_stats *st = producer_stats(g.p);
    if (res != 0)
        fprintf(stderr, "warroom gen: %s\n", producer_error(g.p));
    char repl[128];
    producer_replication_note(g.p, repl, sizeof repl);
    fprintf(stderr,
            "gen: %" PRIu64 " events accepted in %.1f s (%.0f/s), %" PRIu64 " refused by Redis, "
            "%" PRIu64 " resent after reconnect, %" PRIu64 " reconnects%s\n",
            st->acked, s, s > 0 ? (double)st->acked / s : 0.0, st->errors, st->resent,
            st->reconnects, repl);
    char note[160];
    if (producer_cluster_note(g.p, note, sizeof(note)) > 0)
        fprintf(stderr, "gen: %s\n", note);
    if (st->errors)
        fprintf(stderr, "warroom gen: Redis refused %" PRIu64 " events; first reason: %s\n",
                st->errors, producer_reply_error(g.p));
    rc = res != 0 ? producer_failure_exit_code(g.p) : st->errors ? EXIT_FAILURE_GENERIC : EXIT_OK;
out:
    producer_free(g.p);
    free(g.desc);
    free(g.ev);
    free(g.anomalous);
    free(g.cumw);
    config_free(&cfg);
    return rc;
}
