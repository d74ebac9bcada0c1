/* mkroll.c — test tool: turns event lines (`metric{k=v} value ts_ms`, as `warroom ingest` reads
 * them) into the rollup entries `worker --group` would write for them, as RESP commands for
 * `redis-cli --pipe`: one XADD NS:roll:TIER:{pI} <period start>-0 KEY BLOB ... per partition and
 * period, in ID order. For the read side's tests before (and besides) the real writer.
 *   mkroll [--ns NS] [--partitions N] [--tier 1s|1m|1h] [--shuffle SEED] < events.txt |
 *       redis-cli --pipe */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "core/partition.h"
#include "core/rollsum.h"

struct ev {
    unsigned part;
    int64_t period_ms, ts_ms;
    double value;
    char key[EVENT_KEY_MAX + 1];
};

static int ev_cmp(const void *a, const void *b)
{
    const struct ev *x = a, *y = b;
    if (x->part != y->part)
        return x->part < y->part ? -1 : 1;
    if (x->period_ms != y->period_ms)
        return x->period_ms < y->period_ms ? -1 : 1;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    return (x->ts_ms > y->ts_ms) - (x->ts_ms < y->ts_ms);
}

static void bulk(const void *p, size_t n)
{
    printf("$%zu\r\n", n);
    fwrite(p, 1, n, stdout);
    printf("\r\n");
}

static void bulk_str(const char *s)
{
    bulk(s, strlen(s));
}

/* One XADD for events ev[0..n) (same partition and period), one blob per series: in key order,
 * or, with shuffle != 0, in an order drawn from it, the period and the partition (a reader must
 * not rely on a partition's entries naming their series in the same order). */
static void emit(const char *ns, const char *tier, const struct ev *ev, size_t n,
                 unsigned long shuffle)
{
    struct pair {
        const char *key;
        unsigned char *blob;
        size_t len;
    } *pairs = malloc(n * sizeof(*pairs));
    size_t np = 0;
    for (size_t i = 0; i < n;) {
        struct rollsum r;
        rollsum_init(&r);
        size_t j = i;
        for (; j < n && strcmp(ev[j].key, ev[i].key) == 0; j++)
            rollsum_add(&r, ev[j].value, ev[j].ts_ms);
        size_t len = rollsum_encode(&r, ev[i].period_ms, NULL, 0);
        pairs[np] = (struct pair){ev[i].key, malloc(len), len};
        rollsum_encode(&r, ev[i].period_ms, pairs[np++].blob, len);
        rollsum_free(&r);
        i = j;
    }
    unsigned long long x =
        shuffle * 0x9E3779B97F4A7C15ULL ^ (unsigned long long)ev[0].period_ms ^ ev[0].part;
    for (size_t i = np; shuffle && i > 1; i--) { /* Fisher-Yates on an xorshift */
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        size_t k = (size_t)(x % i);
        struct pair t = pairs[i - 1];
        pairs[i - 1] = pairs[k];
        pairs[k] = t;
    }
    char key[160], id[48];
    partition_roll_key(ns, tier, ev[0].part, key, sizeof(key));
    snprintf(id, sizeof(id), "%lld-0", (long long)ev[0].period_ms);
    printf("*%zu\r\n", 3 + 2 * np);
    bulk_str("XADD");
    bulk_str(key);
    bulk_str(id);
    for (size_t i = 0; i < np; i++) {
        bulk_str(pairs[i].key);
        bulk(pairs[i].blob, pairs[i].len);
        free(pairs[i].blob);
    }
    free(pairs);
}

int main(int argc, char **argv)
{
    const char *ns = "wr", *tier = "1s";
    unsigned parts = 8;
    unsigned long shuffle = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--ns") == 0)
            ns = argv[i + 1];
        else if (strcmp(argv[i], "--partitions") == 0)
            parts = (unsigned)atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--tier") == 0)
            tier = argv[i + 1];
        else if (strcmp(argv[i], "--shuffle") == 0)
            shuffle = strtoul(argv[i + 1], NULL, 10);
    }
    int64_t period = strcmp(tier, "1h") == 0 ? 3600000 : strcmp(tier, "1m") == 0 ? 60000 : 1000;
    size_t n = 0, cap = 1024;
    struct ev *evs = malloc(cap * sizeof(*evs));
    char line[4096];
    struct event e;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now); /* lines without a time, and the skew check */
    int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    struct event_limits lim = event_limits_default();
    lim.max_past_ms = INT64_MAX / 4; /* the long tiers hold days of history */
    while (fgets(line, sizeof(line), stdin)) {
        char reason[128];
        if (event_parse_line(line, strlen(line), now_ms, &lim, &e, reason, sizeof(reason)) !=
            EVENT_OK)
            continue;
        if (n == cap)
            evs = realloc(evs, (cap *= 2) * sizeof(*evs));
        struct ev *v = &evs[n];
        int kl = event_key(&e, v->key, sizeof(v->key));
        if (kl < 0)
            continue;
        v->part = partition_of(v->key, (size_t)kl, parts);
        v->ts_ms = e.ts_ms;
        v->value = e.value;
        v->period_ms = (e.ts_ms / period) * period;
        n++;
    }
    qsort(evs, n, sizeof(*evs), ev_cmp);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && evs[j].part == evs[i].part && evs[j].period_ms == evs[i].period_ms)
            j++;
        emit(ns, tier, evs + i, j - i, shuffle);
        i = j;
    }
    free(evs);
    return 0;
}
