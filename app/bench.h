/* bench.h — the benchmarks behind `warroom bench`: each prints a table with its baseline. */
#ifndef WR_BENCH_H
#define WR_BENCH_H

#include <stddef.h>

/* Redis -> core end to end on a private redis-server: n events. Returns an exit code. */
int bench_e2e(size_t n);

#endif
