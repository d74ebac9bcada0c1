/* demo.c — the in-process demo generator (demo_gen) behind `warroom --demo`: synthetic events
 * written to Redis like any producer would. The `demo` command itself is app/cmd/cmd_demo.c. */
#include "app/tui/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/clock.h"
#include "app/redis/producer.h"
#include "app/redis/rconn.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/synth.h"

#define DEMO_TICK_S 0.05
#define DEMO_MAX_PENDING 20000  /* commands queued on the connection before batches are skipped */
#define DEMO_ANOMALY_FACTOR 6.0 /* values of the series in trouble, times this */
#define DEMO_ANOMALY_RATE_FACTOR 4.0 /* and its events (retries), so it tops the rate sort */

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
    double extra; /* the same for the anomaly's extra events */
    double last;  /* loop time of the last tick */
    uint64_t sent;
    int64_t start_ms; /* wall clock at start: the anomaly's schedule counts from here */
    uint32_t target;  /* the series in trouble during the anomaly */
};

bool demo_anomaly_active(int64_t since_start_ms)
{
    int64_t t = since_start_ms / 1000 - DEMO_ANOMALY_FIRST_S;
    return t >= 0 && t % DEMO_ANOMALY_PERIOD_S < DEMO_ANOMALY_LEN_S;
}

static void demo_send(struct demo_gen *g, uint32_t i, int64_t now_ms)
{
    const struct synth_series *s = &g->desc[i];
    /* the api's latency in one region goes bad for a while: the shipped rule
     * api_latency_high (assets/rules.conf) fires, rings and is posted to chat */
    double factor =
        i == g->target && demo_anomaly_active(now_ms - g->start_ms) ? DEMO_ANOMALY_FACTOR : 1.0;
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
    int64_t now_ms = clock_wall_ms();
    for (long k = 0; k < n; k++)
        demo_send(g, synth_below(&g->rng, g->o.series), now_ms);
    if (demo_anomaly_active(now_ms - g->start_ms)) { /* the retries of the series in trouble */
        g->extra += (double)n * (DEMO_ANOMALY_RATE_FACTOR - 1.0) / g->o.series;
        for (; g->extra >= 1.0; g->extra -= 1.0)
            demo_send(g, g->target, now_ms);
    }
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
    synth_seed(&g->rng, opts->seed ? opts->seed : (uint64_t)clock_wall_ms());
    g->desc = xmalloc(g->o.series * sizeof(*g->desc));
    g->stream = xmalloc(g->o.series * sizeof(*g->stream));
    g->start_ms = clock_wall_ms();
    bool found = false;
    for (uint32_t i = 0; i < g->o.series; i++) {
        synth_series_describe(i, &g->desc[i]);
        if (strcmp(g->desc[i].metric, DEMO_ANOMALY_METRIC) == 0 &&
            strstr(g->desc[i].labels, DEMO_ANOMALY_LABEL) && !found) {
            g->target = i;
            found = true;
        }
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
