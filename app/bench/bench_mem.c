/* bench_mem.c — the memory part of `warroom bench core`: bytes per series for quiet, normal and
 * busy series, and the resident memory of many quiet series over the whole retention, each next
 * to its target and to what the full-ring layout (before issue 15) cost at the very least. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/bench/bench.h"
#include "app/clock.h"
#include "core/series.h"
#include "core/synth.h"

#define MEM_T0_MS 1700000000000LL
#define QUIET_TARGET_BYTES 2048.0
#define BUSY_TARGET_BYTES 65536.0
#define RSS_TARGET_BYTES (4.0 * 1024 * 1024 * 1024) /* for 10^6 quiet series */

/* Resident set size of this process in bytes, or 0 when /proc cannot tell. */
static double rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long long size = 0, resident = 0;
    if (f == NULL)
        return 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    return n == 2 ? (double)resident * (double)sysconf(_SC_PAGESIZE) : 0;
}

/* What the full-ring layout took per series before any histogram count: every fine slot and
 * every coarse slot (136 bytes each, plus 8 for a coarse slot's start) allocated once the
 * series had events in both ranges, and its 80-byte struct timeline. */
static double old_layout_floor(const struct timeline_config *c)
{
    double ncoarse = (c->retention_s - c->fine_slots + c->coarse_s - 1) / c->coarse_s + 1;
    return 80.0 + c->fine_slots * 136.0 + ncoarse * 144.0;
}

static int series_key(char *buf, size_t cap, uint32_t i)
{
    return snprintf(buf, cap, "http_requests_total{service=svc-%u,instance=i-%u}", i % 977, i);
}

/* nseries series, each with one event every period_ms (phases spread) for the whole retention,
 * events of all series in time order. Fills *rss_delta (may be NULL) and returns the table's
 * bytes per series; *ns_per_event gets the CPU time per event. */
static double fill_series(uint32_t nseries, int64_t period_ms, uint32_t per_tick, double *rss_delta,
                          double *ns_per_event)
{
    struct series_table_config tc;
    series_table_config_defaults(&tc);
    tc.max_series = nseries;
    double rss0 = rss_bytes();
    struct series_table *tab = series_table_new(&tc);
    struct synth_rng r;
    synth_seed(&r, 11);
    char key[96];
    int64_t span_ms = (int64_t)tc.timeline.retention_s * 1000;
    uint64_t events = 0;
    double t0 = clock_cpu_s();
    for (int64_t tick = 0; tick * period_ms < span_ms; tick++) {
        for (uint32_t i = 0; i < nseries; i++) {
            int64_t ts = MEM_T0_MS + tick * period_ms + (int64_t)i * period_ms / nseries;
            int n = series_key(key, sizeof key, i);
            for (uint32_t j = 0; j < per_tick; j++)
                series_table_ingest(tab, key, (size_t)n, synth_lognormal(&r, log(50.0), 0.5),
                                    ts + j * (period_ms / per_tick));
            events += per_tick;
        }
        series_table_settle(tab, 0); /* as the reader does after each reply */
    }
    *ns_per_event = (clock_cpu_s() - t0) * 1e9 / (double)events;
    double per = (double)series_table_memory_bytes(tab) / nseries;
    if (rss_delta)
        *rss_delta = rss_bytes() - rss0;
    if (tab->stats.rejected_cap || tab->stats.expired)
        fprintf(stderr, "warroom bench: %" PRIu64 " events refused in the memory run\n",
                tab->stats.rejected_cap + tab->stats.expired);
    series_table_free(tab);
    return per;
}

static void print_bytes(char *buf, size_t cap, double bytes)
{
    if (bytes >= 1024.0 * 1024 * 1024)
        snprintf(buf, cap, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    else if (bytes >= 1024.0 * 1024)
        snprintf(buf, cap, "%.1f MiB", bytes / (1024.0 * 1024));
    else if (bytes >= 1024.0)
        snprintf(buf, cap, "%.1f KiB", bytes / 1024.0);
    else
        snprintf(buf, cap, "%.0f B", bytes);
}

int bench_core_memory(uint32_t nquiet, size_t busy_bytes)
{
    struct timeline_config cfg;
    timeline_config_defaults(&cfg);
    double old = old_layout_floor(&cfg), ns, rss = 0, per = 0, rss_ns = 0;
    char a[32], b[32], o[32];
    int fail = 0;
    if (nquiet > 0) /* first: heap freed by the smaller runs would hide its growth */
        per = fill_series(nquiet, 60000, 1, &rss, &rss_ns);
    print_bytes(o, sizeof o, old);
    printf("\n| memory per series (15 min retention) | warroom core | target | "
           "full-ring layout (before) |\n|---|---|---|---|\n");

    double quiet = fill_series(1000, 60000, 1, NULL, &ns);
    print_bytes(a, sizeof a, quiet);
    printf("| quiet series (1 ev/min), bytes per series | %s | <= 2 KiB | >= %s: %.0fx smaller |\n",
           a, o, old / quiet);
    fail |= quiet > QUIET_TARGET_BYTES;

    double normal = fill_series(1000, 1000, 1, NULL, &ns);
    print_bytes(a, sizeof a, normal);
    printf("| normal series (1 ev/s), bytes per series | %s | | >= %s: %.1fx smaller |\n", a, o,
           old / normal);

    print_bytes(a, sizeof a, (double)busy_bytes);
    printf("| busy series (1000 ev/s), bytes | %s | <= 64 KiB | >= %s (63 KiB measured) |\n", a, o);
    fail |= (double)busy_bytes > BUSY_TARGET_BYTES;

    if (nquiet > 0) {
        print_bytes(a, sizeof a, per);
        print_bytes(b, sizeof b, rss);
        print_bytes(o, sizeof o, old * nquiet);
        printf("| %u quiet series x 15 min: heap per series, RSS growth | %s, %s "
               "(%.0f ns/ev) | <= 4 GiB for 10^6 | >= %s |\n",
               nquiet, a, b, rss_ns, o);
        fail |= rss > RSS_TARGET_BYTES * (nquiet / 1e6 > 1 ? nquiet / 1e6 : 1);
    }
    if (fail)
        fprintf(stderr, "warroom bench: a memory figure is above its target\n");
    return fail;
}
