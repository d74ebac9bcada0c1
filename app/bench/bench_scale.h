/* bench_scale.h — what bench_scale.c (query, reader bytes, throughput, memory) and
 * bench_scale_start.c (reader start-up) share: the private server's partition count and the
 * helpers that run this binary and talk to that server. Private to app/bench/. */
#ifndef WR_APP_BENCH_BENCH_SCALE_H
#define WR_APP_BENCH_BENCH_SCALE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "app/bench/benchsrv.h"

#define SCALE_PARTS 8

extern char bscale_exe[]; /* this binary (/proc/self/exe) */

double bscale_now_s(void);    /* monotonic seconds */
int64_t bscale_wall_ms(void); /* wall clock ms */
/* Runs argv (this binary) with stdout to out (NULL: /dev/null), stderr to /dev/null. */
pid_t bscale_spawn(char *const argv[], const char *out);
/* A command whose reply is an integer or a decimal string (-1 otherwise), or whose reply is
 * ignored. */
long long bscale_reply_int(redisContext *c, const char *fmt, ...);
void bscale_command(redisContext *c, const char *fmt, ...);

/* 5. and 6. (bench_scale_start.c): reader start-up on 3.'s data (*raw_eps: the raw replay's
 * events/s), then with 15 min of synthetic rollups at `series` series, `rate` events a second each.
 * Return 1 on failure. */
int bscale_startup(const struct benchsrv *s, redisContext *c, size_t n, unsigned series,
                   double *raw_eps);
int bscale_startup15(const struct benchsrv *s, redisContext *c, unsigned series, int rate,
                     double raw_eps);

#endif
