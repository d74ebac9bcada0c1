/* demo.h — demo data for `warroom --demo`: an in-process generator on the libev loop that
 * XADDs synthetic events (the core/synth catalogue) to the partition streams through an rconn
 * COMMAND connection, in the wire format of docs/protocol.md, so the interface shows live data
 * with no other program running. */
#ifndef WR_DEMO_H
#define WR_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "app/redis/redisaddr.h"

#define DEMO_DEFAULT_RATE 1000 /* events per second */
#define DEMO_DEFAULT_SERIES 48

/* The anomaly: DEMO_ANOMALY_FIRST_S after the start, and then every DEMO_ANOMALY_PERIOD_S, the
 * first series of DEMO_ANOMALY_METRIC with DEMO_ANOMALY_LABEL (latency_ms{region=eu-west,
 * service=api}) gets 6 times its values and 4 times its events for DEMO_ANOMALY_LEN_S, long
 * enough for assets/rules.conf's api_latency_high (p99 over 1m > 250 for 30s) to fire. */
#define DEMO_ANOMALY_FIRST_S 20
#define DEMO_ANOMALY_LEN_S 60
#define DEMO_ANOMALY_PERIOD_S 300
#define DEMO_ANOMALY_METRIC "latency_ms"
#define DEMO_ANOMALY_LABEL "service=api"

struct demo_gen_opts {
    const char *ns;       /* key namespace (copied) */
    unsigned partitions;  /* as in NS:meta */
    unsigned rate;        /* events per second; 0: DEMO_DEFAULT_RATE */
    uint32_t series;      /* series of the catalogue; 0: DEMO_DEFAULT_SERIES */
    int64_t retention_ms; /* XADD ... MINID ~ (now - retention); 0: no trimming */
    uint64_t seed;        /* 0: from the clock */
};

struct demo_gen;

/* Starts generating on loop: every 50 ms a batch of rate / 20 events, paced by the loop clock.
 * While the connection is not up, nothing is queued (the gap shows in the charts). Never
 * returns NULL. */
struct demo_gen *demo_gen_new(struct ev_loop *loop, const struct redisaddr *addr,
                              const struct demo_gen_opts *opts);

/* Stops and frees; NULL is a no-op. */
void demo_gen_free(struct demo_gen *g);

/* Whether the anomaly is on, since_start_ms after the generator started. */
bool demo_anomaly_active(int64_t since_start_ms);

/* Events handed to the connection so far. */
uint64_t demo_gen_sent(const struct demo_gen *g);

#endif
