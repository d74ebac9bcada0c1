/* bench_scale_start.c — parts 5 and 6 of `warroom bench scale`: how long the interface's
 * reader (as `worker --exit-after-replay`) takes from start to live, from rollups and from raw
 * events; then with 15 minutes of history at many series, the rollups written here directly as
 * group workers would have written them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/bench/bench_scale.h"
#include "core/mem.h"
#include "core/partition.h"
#include "core/rollsum.h"

/* 5. How long a reader (the interface's, as `worker --exit-after-replay`) takes from start to
 * live on the data 3. left, reading rollups (group mode) and the raw events (embedded): from
 * the fork to the moment it prints "replay done" (what it does after, freeing its tables on the
 * way out, is not start-up). */
static double replay_s(const struct benchsrv *s, redisContext *c, const char *mode)
{
    bscale_command(c, "HSET wr:meta mode %s", mode);
    char *argv[] = {bscale_exe, "worker", "--redis", (char *)s->url, "--exit-after-replay",
                    "--quiet",  NULL};
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    fflush(stdout);
    double t0 = bscale_now_s(), live = -1;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)e;
        execv(bscale_exe, argv);
        _exit(127);
    }
    close(fd[1]);
    FILE *in = fdopen(fd[0], "r");
    char line[512];
    while (in && fgets(line, sizeof(line), in))
        if (live < 0 && strstr(line, "replay done"))
            live = bscale_now_s() - t0;
    if (in)
        fclose(in);
    else
        close(fd[0]);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? live : -1;
}

int bscale_startup(const struct benchsrv *s, redisContext *c, size_t n, unsigned series,
                   double *raw_eps)
{
    printf("5. reader start-up to live (replay of the default 15 min window) on the data of 3.\n");
    double g = replay_s(s, c, "group"), e = replay_s(s, c, "embedded");
    bscale_command(c, "HSET wr:meta mode group");
    long long summaries = 0;
    for (unsigned i = 0; i < SCALE_PARTS; i++) {
        redisReply *r = redisCommand(c, "XRANGE wr:roll:1s:{p%u} - +", i);
        if (r && r->type == REDIS_REPLY_ARRAY)
            for (size_t e2 = 0; e2 < r->elements; e2++)
                if (r->element[e2]->elements == 2)
                    summaries += (long long)r->element[e2]->element[1]->elements / 2;
        if (r)
            freeReplyObject(r);
    }
    printf("%10s %14s %10s\n", "source", "read", "seconds");
    printf("%10s %8lld summ. %10.3f\n", "rollups", summaries, g);
    printf("%10s %8zu events %9.3f\n", "raw", n, e);
    printf("   %u series; start-up reads one summary per series and second that had events\n\n",
           series);
    fflush(stdout);
    *raw_eps = e > 0 ? (double)n / e : 0;
    return g < 0 || e < 0;
}

/* 6. Start-up with 15 minutes of history at `series` series, each with 5 events a second: the
 * rollups group workers would have written (1m tier for the older whole minutes, 1s tier for
 * the rest), written here directly; the raw replay of the same history (45 M events at 10 000
 * series) is estimated from 5.'s measured rate, not run. */
static int write_tier(redisContext *c, const char *tier, int64_t period_ms, uint32_t len_ms,
                      int values, char **keys, unsigned *part, unsigned series, size_t *fields)
{
    struct rollsum r;
    rollsum_init(&r);
    for (int i = 0; i < values; i++)
        rollsum_add(&r, 10.0 + i % 17, period_ms + (int64_t)i * len_ms / values);
    uint8_t blob[512];
    size_t blen = rollsum_encode(&r, period_ms, blob, sizeof(blob));
    rollsum_free(&r);
    if (blen > sizeof(blob))
        return -1;
    const char **argv = xmalloc((3 + 2 * (size_t)series) * sizeof(*argv));
    size_t *alen = xmalloc((3 + 2 * (size_t)series) * sizeof(*alen));
    char key[64], id[32];
    snprintf(id, sizeof(id), "%" PRId64 "-0", period_ms);
    int sent = 0;
    for (unsigned pi = 0; pi < SCALE_PARTS; pi++) {
        snprintf(key, sizeof(key), "wr:roll:%s:{p%u}", tier, pi);
        int n = 0;
        argv[n] = "XADD", alen[n++] = 4;
        argv[n] = key, alen[n++] = strlen(key);
        argv[n] = id, alen[n++] = strlen(id);
        for (unsigned k = 0; k < series; k++)
            if (part[k] == pi) {
                argv[n] = keys[k], alen[n++] = strlen(keys[k]);
                argv[n] = (const char *)blob, alen[n++] = blen;
            }
        if (n > 3) {
            redisAppendCommandArgv(c, n, argv, alen);
            sent++;
            *fields += (size_t)(n - 3) / 2;
        }
    }
    int rc = 0;
    for (; sent > 0; sent--) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || rep == NULL ||
            rep->type == REDIS_REPLY_ERROR)
            rc = -1;
        if (rep)
            freeReplyObject(rep);
    }
    free(argv);
    free(alen);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int bscale_startup15(const struct benchsrv *s, redisContext *c, unsigned series, int rate,
                     double raw_eps)
{
    benchsrv_flush(s);
    bscale_command(c, "HSET wr:meta version 2 partitions %d mode group", SCALE_PARTS);
    char **keys = xmalloc(series * sizeof(*keys));
    unsigned *part = xmalloc(series * sizeof(*part));
    for (unsigned k = 0; k < series; k++) {
        char b[48];
        snprintf(b, sizeof(b), "bench_ms{id=%u}", k);
        keys[k] = xstrdup(b);
        part[k] = partition_of(b, strlen(b), SCALE_PARTS);
    }
    int64_t now = bscale_wall_ms(), start = now - 15 * 60000LL;
    int64_t lo = (start + 59999) / 60000 * 60000, hi = (now - 120000) / 60000 * 60000;
    size_t f1m = 0, f1s = 0;
    int rc = 0;
    double t0 = bscale_now_s();
    for (int64_t m = lo; m < hi && rc == 0; m += 60000)
        rc = write_tier(c, "1m", m, 60000, 60 * rate, keys, part, series, &f1m);
    for (int64_t sec = hi; sec < now - 6000 && rc == 0; sec += 1000)
        rc = write_tier(c, "1s", sec, 1000, rate, keys, part, series, &f1s);
    double write_s = bscale_now_s() - t0;
    for (unsigned k = 0; k < series; k++)
        free(keys[k]);
    free(keys);
    free(part);
    double run[3] = {-1, -1, -1}; /* three start-ups on the same data: median and range */
    for (int i = 0; i < 3 && rc == 0; i++)
        if ((run[i] = replay_s(s, c, "group")) < 0)
            rc = -1;
    qsort(run, 3, sizeof(run[0]), cmp_double);
    double g = rc == 0 ? run[1] : -1;
    double events = (double)series * rate * 900;
    long long mem1m = 0, mem1s = 0;
    for (unsigned i = 0; i < SCALE_PARTS; i++) {
        long long a = bscale_reply_int(c, "MEMORY USAGE wr:roll:1m:{p%u} SAMPLES 0", i);
        long long b = bscale_reply_int(c, "MEMORY USAGE wr:roll:1s:{p%u} SAMPLES 0", i);
        mem1m += a > 0 ? a : 0;
        mem1s += b > 0 ? b : 0;
    }
    printf("6. reader start-up with 15 min of history at %u series, %d event%s/s each (rollups "
           "written directly, %.1f s)\n",
           series, rate, rate == 1 ? "" : "s", write_s);
    printf("   rollups: %zu 1m + %zu 1s summaries read in %.3f s (median of 3 start-ups, "
           "%.3f-%.3f; goal < 1 s)\n",
           f1m, f1s, g, run[0], run[2]);
    if (raw_eps > 0)
        printf("   raw: %.0f M events, ~%.0f s at 5.'s measured %.0f events/s (estimated, not "
               "run)\n",
               events / 1e6, events / raw_eps, raw_eps);
    printf("   Redis memory: 1m tier %.1f B/summary, 1s tier %.1f B/summary\n\n",
           f1m ? (double)mem1m / (double)f1m : 0, f1s ? (double)mem1s / (double)f1s : 0);
    fflush(stdout);
    return g < 0;
}
