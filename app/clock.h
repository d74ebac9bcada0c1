/* clock.h — the one home of the program's clock reads: wall-clock time for event stamps and
 * Redis IDs, the monotonic clock for deadlines and measurements (core/ never reads a clock). */
#ifndef WR_APP_CLOCK_H
#define WR_APP_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_REALTIME in ms since the epoch (event timestamps, stream IDs, alert times). */
int64_t clock_wall_ms(void);

/* CLOCK_MONOTONIC in ms, ns and seconds: for intervals only, never shown as a date. */
int64_t clock_mono_ms(void);
int64_t clock_mono_ns(void);
double clock_mono_s(void);

/* The local time of day now, "HH:MM:SS", for log lines (cap >= 9). */
void clock_hms(char *buf, size_t cap);

/* CPU time used by this process in seconds (benchmarks). */
double clock_cpu_s(void);

#endif
