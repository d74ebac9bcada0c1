/* bench.h — the benchmarks behind `warroom bench`: each prints a table with its baseline. */
#ifndef WR_BENCH_H
#define WR_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The names `warroom bench NAME` accepts, one a line, in the order of its table (for
 * `warroom help --benchmarks`). */
void bench_print_names(FILE *out);

/* Redis -> core end to end on a private redis-server: n events. Returns an exit code. */
int bench_e2e(size_t n);
/* `warroom bench e2e --cluster`: ingest and reader on a local 3-master Redis Cluster next to one
 * redis-server, both on TCP, then `warroom gen` with --min-replicas 1 against none on a master
 * with one replica (app/bench/bench_e2e.c). */
int bench_e2e_cluster(size_t n);

/* `warroom bench alerts [--rate N] [--ticks N]`: alert evaluation cost, 10 000 series and 100
 * rules, with a naive baseline and the sliced evaluation's longest slice. Returns an exit
 * code. */
int bench_alerts(int argc, char **argv);

/* `warroom bench chat [--messages N]`: chat latency and throughput with 1, 10 and 50 clients
 * in one room, next to raw PUBLISH -> SUBSCRIBE in the same run. Returns an exit code. */
int bench_chat(int argc, char **argv);

/* `warroom bench scale [--max-values N] [--events N] [--series N] [--seconds S]`: group mode
 * (rollups) against raw replay and a naive Lua script, reader bytes by event rate, worker
 * throughput, tier memory (app/bench/bench_scale.c). Returns an exit code. */
int bench_scale(int argc, char **argv);

/* The memory part of `warroom bench core`: bytes per quiet, normal and busy series (busy_bytes
 * measured by the caller) and nquiet quiet series over the whole retention (0: skipped), next
 * to targets and the full-ring layout. Prints table rows; returns 1 when a figure misses its
 * target, else 0 (app/bench/bench_mem.c). */
int bench_core_memory(uint32_t nquiet, size_t busy_bytes);

#endif
