/* bench_scale.c — `warroom bench scale`: what group mode (worker --group, rollups) buys, each
 * figure next to its baseline measured in the same run on a private redis-server:
 *   1. `warroom query` p99 of one series from the rollups, from the raw events (embedded mode),
 *      and a naive Lua script (every value in a Redis list, EVAL LRANGE + table.sort), at 10^4,
 *      10^5 and 10^6 values; the answers are compared too;
 *   2. the Redis bytes per second one reader (the interface's reader, as `warroom worker`) reads
 *      at --series series while gen writes at several rates: group mode against embedded mode;
 *   3. events/s end to end (a backlog folded into checkpointed rollups) with 1 and 2 workers;
 *   4. Redis memory per series and period of each rollup tier.
 * Every process is this binary (/proc/self/exe) run as a subcommand, so the figures are those a
 * user gets. Parts 5 and 6 (reader start-up) are in bench_scale_start.c. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "app/bench/bench.h"
#include "app/bench/bench_scale.h"
#include "app/bench/benchsrv.h"
#include "app/cmd/cmd.h"
#include "core/mem.h"
#include "core/partition.h"

#define SCALE_KEY "latency_ms{service=api}"
#define SCALE_WAIT_S 300.0 /* a phase that takes longer is reported as failed */

char bscale_exe[PATH_MAX];

double bscale_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t bscale_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv (this binary) with stdout to out (NULL: /dev/null), stderr to /dev/null. */
pid_t bscale_spawn(char *const argv[], const char *out)
{
    fflush(stdout); /* else the child's freopen writes our buffer a second time */
    pid_t pid = fork();
    if (pid == 0) {
        FILE *o = freopen(out ? out : "/dev/null", "w", stdout);
        FILE *e = freopen("/dev/null", "w", stderr);
        (void)o, (void)e;
        execv(bscale_exe, argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

long long bscale_reply_int(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    long long v = -1;
    if (r && r->type == REDIS_REPLY_INTEGER)
        v = r->integer;
    else if (r && r->type == REDIS_REPLY_STRING)
        v = strtoll(r->str, NULL, 10);
    if (r)
        freeReplyObject(r);
    return v;
}

void bscale_command(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (r)
        freeReplyObject(r);
}

/* Sum of a checkpoint counter over the partitions. */
static long long ckpt_sum(redisContext *c, const char *field)
{
    long long n = 0;
    for (unsigned i = 0; i < SCALE_PARTS; i++) {
        long long v = bscale_reply_int(c, "HGET wr:ckpt:{p%u} %s", i, field);
        n += v > 0 ? v : 0;
    }
    return n;
}

/* The smallest `closed` over the partitions' checkpoints (0 when one has none). */
static long long ckpt_min_closed(redisContext *c)
{
    long long m = LLONG_MAX;
    for (unsigned i = 0; i < SCALE_PARTS; i++) {
        long long v = bscale_reply_int(c, "HGET wr:ckpt:{p%u} closed", i);
        m = v < m ? v : m;
    }
    return m < 0 ? 0 : m;
}

/* Waits until the checkpoints have folded n events. Returns the seconds it took, or -1. */
static double wait_folded(redisContext *c, long long n, double t0)
{
    while (ckpt_sum(c, "events") < n) {
        if (bscale_now_s() - t0 > SCALE_WAIT_S)
            return -1;
        usleep(20000);
    }
    return bscale_now_s() - t0;
}

static char *group_argv[] = {NULL, "worker",  "--redis", NULL, "--group", "--lease",
                             "2s", "--quiet", "--id",    NULL, NULL};

/* A group worker; its lines go to DIR/ID.log (shown when a phase fails). */
static pid_t start_worker(const struct benchsrv *s, const char *id)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s.log", s->dir, id);
    group_argv[0] = bscale_exe;
    group_argv[3] = (char *)s->url;
    group_argv[9] = (char *)id;
    return bscale_spawn(group_argv, path);
}

/* ---------------------------------------------------------------------------------------------
 * 1. query p99 of one series
 * ------------------------------------------------------------------------------------------ */

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* n values of one series stamped over the last 50 minutes (explicit entry IDs), into its
 * partition stream and, for the naive script, into the list naive:vals. */
static int load_series(redisContext *c, size_t n, int64_t *last_ms)
{
    size_t errors = 0;
    unsigned part = partition_of(SCALE_KEY, strlen(SCALE_KEY), SCALE_PARTS);
    int64_t t0 = bscale_wall_ms() - 50 * 60000LL, span = 48 * 60000LL;
    uint64_t rng = 88172645463325252ULL;
    size_t pending = 0;
    static char vals[1000][24];
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        /* a log-normal-ish latency: exp of a sum of uniforms */
        double u = 0;
        for (int k = 0; k < 4; k++)
            u += (double)(rng_next(&rng) >> 11) / 9007199254740992.0;
        double v = floor(exp(3.0 + u) * 1000.0) / 1000.0;
        int64_t ms = t0 + (int64_t)((double)i * (double)span / (double)n);
        *last_ms = ms;
        char key[32], id[48], val[24];
        snprintf(key, sizeof(key), "wr:ev:{p%u}", part);
        snprintf(id, sizeof(id), "%" PRId64 "-%zu", ms, i);
        snprintf(val, sizeof(val), "%.3f", v);
        redisAppendCommand(c, "XADD %s %s metric latency_ms labels service=api value %s", key, id,
                           val);
        snprintf(vals[nv++], sizeof(vals[0]), "%.3f", v);
        pending++;
        if (nv == 1000 || i + 1 == n) {
            const char *argv[1002];
            size_t len[1002];
            argv[0] = "RPUSH";
            argv[1] = "naive:vals";
            len[0] = 5;
            len[1] = 10;
            for (size_t k = 0; k < nv; k++) {
                argv[2 + k] = vals[k];
                len[2 + k] = strlen(vals[k]);
            }
            redisAppendCommandArgv(c, (int)nv + 2, argv, len);
            pending++;
            nv = 0;
        }
        if (pending >= 10000 || i + 1 == n) {
            for (; pending > 0; pending--) {
                redisReply *r = NULL;
                if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
                    fprintf(stderr, "bench scale: loading failed: %s\n", c->errstr);
                    return -1;
                }
                if (r->type == REDIS_REPLY_ERROR && errors++ == 0)
                    fprintf(stderr, "bench scale: loading: %s\n", r->str);
                freeReplyObject(r);
            }
        }
    }
    return errors ? -1 : 0;
}

/* The start of the newest entry of the partition's 1m tier, -1 when none. */
static int64_t last_minute(redisContext *c, unsigned part)
{
    redisReply *r = redisCommand(c, "XREVRANGE wr:roll:1m:{p%u} + - COUNT 1", part);
    int64_t ms = -1;
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
        r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 1 &&
        r->element[0]->element[0]->type == REDIS_REPLY_STRING)
        ms = strtoll(r->element[0]->element[0]->str, NULL, 10);
    if (r)
        freeReplyObject(r);
    return ms;
}

static const char naive_src[] =
    "local v = redis.call('LRANGE', KEYS[1], 0, -1)\n"
    "for i = 1, #v do v[i] = tonumber(v[i]) end\n"
    "table.sort(v)\n"
    "return tostring(v[math.max(1, math.ceil(#v * tonumber(ARGV[1])))])\n";

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One `warroom query 'p99(latency_ms)' --window 1h --json` run: its wall time and answer. */
static double query_once(const struct benchsrv *s, double *p99)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/query.json", s->dir);
    char *argv[] = {bscale_exe, "query",  "--redis", (char *)s->url, "p99(latency_ms)", "--window",
                    "1h",       "--json", NULL};
    double t0 = bscale_now_s();
    pid_t pid = bscale_spawn(argv, path);
    int st = 0;
    waitpid(pid, &st, 0);
    double dt = bscale_now_s() - t0;
    *p99 = NAN;
    FILE *f = fopen(path, "r");
    char line[4096];
    if (f && fgets(line, sizeof(line), f)) {
        const char *v = strstr(line, "\"p99\":");
        if (v)
            *p99 = atof(v + 6);
    }
    if (f)
        fclose(f);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? dt : -1;
}

struct qstat {
    double p50_ms, p99_ms, answer;
};

static void summarize(double *t, int k, struct qstat *q)
{
    qsort(t, (size_t)k, sizeof(*t), cmp_double);
    q->p50_ms = t[k / 2] * 1000;
    q->p99_ms = t[(int)ceil(0.99 * k) - 1] * 1000;
}

static int measure_query(const struct benchsrv *s, redisContext *c, const char *mode, int k,
                         struct qstat *q)
{
    bscale_command(c, "HSET wr:meta mode %s", mode);
    double t[32];
    for (int i = 0; i < k; i++)
        if ((t[i] = query_once(s, &q->answer)) < 0)
            return -1;
    summarize(t, k, q);
    return 0;
}

static int measure_naive(redisContext *c, int k, struct qstat *q)
{
    double t[32];
    for (int i = 0; i < k; i++) {
        double t0 = bscale_now_s();
        redisReply *r = redisCommand(c, "EVAL %s 1 naive:vals 0.99", naive_src);
        t[i] = bscale_now_s() - t0;
        if (r == NULL || r->type != REDIS_REPLY_STRING) {
            if (r)
                freeReplyObject(r);
            return -1;
        }
        q->answer = atof(r->str);
        freeReplyObject(r);
    }
    summarize(t, k, q);
    return 0;
}

static int bench_query(const struct benchsrv *s, redisContext *c, size_t max_n)
{
    printf("1. query p99 of one series (%d partitions), wall time of the whole command\n",
           SCALE_PARTS);
    printf("%9s %12s %12s %12s %12s %10s %10s %9s\n", "values", "rollups p99", "raw p99",
           "naive p99", "rollup s", "vs naive", "vs raw", "answer");
    int fail = 0;
    for (size_t n = 10000; n <= max_n; n *= 10) {
        benchsrv_flush(s);
        bscale_command(c, "HSET wr:meta version 2 partitions %d", SCALE_PARTS);
        int64_t last_ms = 0;
        if (load_series(c, n, &last_ms) != 0) {
            fail = 1;
            continue;
        }
        double t0 = bscale_now_s();
        pid_t w = start_worker(s, "bench-1");
        double fold = wait_folded(c, (long long)n, t0);
        /* ... and every period closed, every minute merged into the 1m tier */
        unsigned part = partition_of(SCALE_KEY, strlen(SCALE_KEY), SCALE_PARTS);
        while (fold >= 0 && last_minute(c, part) < last_ms / 60000 * 60000) {
            if (bscale_now_s() - t0 > SCALE_WAIT_S)
                fold = -1;
            usleep(20000);
        }
        if (fold >= 0)
            fold = bscale_now_s() - t0;
        stop(w);
        int k = n >= 1000000 ? 5 : n >= 100000 ? 9 : 15;
        struct qstat roll = {0}, raw = {0}, naive = {0};
        if (fold < 0 || measure_query(s, c, "group", k, &roll) != 0 ||
            measure_query(s, c, "embedded", k, &raw) != 0 || measure_naive(c, k, &naive) != 0) {
            printf("%9zu  failed (fold %.1f s)\n", n, fold);
            fail = 1;
            continue;
        }
        double err = fabs(roll.answer - naive.answer) / naive.answer * 100;
        printf("%9zu %9.1f ms %9.1f ms %9.1f ms %12.2f %9.1fx %9.1fx %7.2f%%\n", n, roll.p99_ms,
               raw.p99_ms, naive.p99_ms, fold, naive.p99_ms / roll.p99_ms, raw.p99_ms / roll.p99_ms,
               err);
        if (err > 1.0)
            fail = 1;
    }
    printf("   rollup s: one worker folding the values into 1s periods and merging the 1m tier\n"
           "   answer: |rollups p99 - exact p99| / exact p99 (the naive script's nearest rank)\n"
           "   goal: >= 100x faster than the naive script at 10^6 values\n\n");
    fflush(stdout);
    return fail;
}

/* ---------------------------------------------------------------------------------------------
 * 2. Redis bytes per second read by one reader, by event rate
 * ------------------------------------------------------------------------------------------ */

/* Bytes this process read through read(2)-like calls (its sockets here), from /proc/PID/io. */
static long long proc_rchar(pid_t pid)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
    FILE *f = fopen(path, "r");
    long long v = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "rchar: ", 7) == 0)
            v = atoll(line + 7);
    if (f)
        fclose(f);
    return v;
}

struct flow {
    double bytes_per_s, events_per_s;
};

static int reader_flow(const struct benchsrv *s, redisContext *c, bool group, unsigned series,
                       unsigned rate, double secs, struct flow *out)
{
    benchsrv_flush(s);
    bscale_command(c, "HSET wr:meta version 2 partitions %d", SCALE_PARTS);
    pid_t w1 = 0, w2 = 0;
    if (group) {
        w1 = start_worker(s, "bench-1");
        w2 = start_worker(s, "bench-2");
        while (bscale_reply_int(c, "HEXISTS wr:meta mode") != 1)
            usleep(10000);
    }
    char rate_s[16], series_s[16];
    snprintf(rate_s, sizeof(rate_s), "%u", rate);
    snprintf(series_s, sizeof(series_s), "%u", series);
    char *gen_argv[] = {bscale_exe, "gen",    "--redis", (char *)s->url, "--rate", rate_s,
                        "--series", series_s, NULL};
    pid_t gen = bscale_spawn(gen_argv, NULL);
    char *rd_argv[] = {bscale_exe, "worker", "--redis", (char *)s->url, "--quiet", NULL};
    sleep(2); /* gen at speed, workers settled */
    pid_t rd = bscale_spawn(rd_argv, NULL);
    sleep(2); /* the reader past its start-up */
    long long b0 = proc_rchar(rd), e0 = 0;
    for (unsigned i = 0; i < SCALE_PARTS; i++)
        e0 += bscale_reply_int(c, "XLEN wr:ev:{p%u}", i);
    double t0 = bscale_now_s();
    usleep((useconds_t)(secs * 1e6));
    long long b1 = proc_rchar(rd), e1 = 0;
    for (unsigned i = 0; i < SCALE_PARTS; i++)
        e1 += bscale_reply_int(c, "XLEN wr:ev:{p%u}", i);
    double dt = bscale_now_s() - t0;
    stop(rd);
    stop(gen);
    stop(w1);
    stop(w2);
    out->bytes_per_s = (double)(b1 - b0) / dt;
    out->events_per_s = (double)(e1 - e0) / dt;
    return b0 < 0 || b1 < 0 ? -1 : 0;
}

static int bench_flow(const struct benchsrv *s, redisContext *c, unsigned series, double secs)
{
    static const unsigned rates[] = {10000, 50000, 200000};
    printf("2. Redis bytes/s read by one reader (`warroom worker`, the interface's reader) at %u "
           "series, %.0f s each\n",
           series, secs);
    printf("%12s %12s %14s %14s %10s\n", "target ev/s", "written ev/s", "embedded B/s", "group B/s",
           "ratio");
    int fail = 0;
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        struct flow emb, grp;
        if (reader_flow(s, c, false, series, rates[i], secs, &emb) != 0 ||
            reader_flow(s, c, true, series, rates[i], secs, &grp) != 0) {
            printf("%12u  failed\n", rates[i]);
            fail = 1;
            continue;
        }
        printf("%12u %12.0f %14.0f %14.0f %9.1fx\n", rates[i],
               (emb.events_per_s + grp.events_per_s) / 2, emb.bytes_per_s, grp.bytes_per_s,
               grp.bytes_per_s > 0 ? emb.bytes_per_s / grp.bytes_per_s : 0);
    }
    printf("   written ev/s: what gen reached on this machine (both runs averaged); goal: group "
           "flat in the rate, embedded proportional\n\n");
    fflush(stdout);
    return fail;
}

/* ---------------------------------------------------------------------------------------------
 * 3. throughput with 1 and 2 workers; 4. memory per tier
 * ------------------------------------------------------------------------------------------ */

static int bench_throughput(const struct benchsrv *s, redisContext *c, size_t n, unsigned series)
{
    printf(
        "3. a backlog of %zu events (%u series) read, folded and checkpointed by group workers\n",
        n, series);
    printf("%8s %10s %12s\n", "workers", "seconds", "events/s");
    int fail = 0;
    char count_s[24], series_s[16];
    snprintf(count_s, sizeof(count_s), "%zu", n);
    snprintf(series_s, sizeof(series_s), "%u", series);
    for (int k = 1; k <= 2; k++) {
        benchsrv_flush(s);
        bscale_command(c, "HSET wr:meta version 2 partitions %d", SCALE_PARTS);
        char *gen_argv[] = {bscale_exe, "gen",    "--redis", (char *)s->url, "--rate", "0",
                            "--series", series_s, "--count", count_s,        NULL};
        pid_t gen = bscale_spawn(gen_argv, NULL);
        waitpid(gen, NULL, 0);
        int64_t written_ms = bscale_wall_ms();
        double t0 = bscale_now_s();
        pid_t w1 = start_worker(s, "bench-1"), w2 = k == 2 ? start_worker(s, "bench-2") : 0;
        double dt = wait_folded(c, (long long)n, t0);
        if (dt < 0) {
            printf("%8d  failed\n", k);
            fail = 1;
        } else {
            printf("%8d %10.2f %12.0f\n", k, dt, (double)n / dt);
        }
        if (k == 2) /* for the memory figures: every period closed and written */
            while (ckpt_min_closed(c) < written_ms / 1000 * 1000 &&
                   bscale_now_s() - t0 < SCALE_WAIT_S)
                usleep(50000);
        stop(w1);
        stop(w2);
    }
    printf(
        "   (includes start-up, lease acquisition and the last period's closing: --lateness)\n\n");
    fflush(stdout);
    return fail;
}

static void bench_memory(redisContext *c)
{
    static const char *const tiers[] = {"1s", "1m", "1h"};
    printf("4. Redis memory of the rollup tiers (after 3.)\n");
    printf("%6s %10s %12s %14s\n", "tier", "entries", "bytes", "bytes/summary");
    for (int t = 0; t < 3; t++) {
        long long bytes = 0, entries = 0, fields = 0;
        for (unsigned i = 0; i < SCALE_PARTS; i++) {
            long long b =
                bscale_reply_int(c, "MEMORY USAGE wr:roll:%s:{p%u} SAMPLES 0", tiers[t], i);
            bytes += b > 0 ? b : 0;
            redisReply *r = redisCommand(c, "XRANGE wr:roll:%s:{p%u} - +", tiers[t], i);
            if (r && r->type == REDIS_REPLY_ARRAY) {
                entries += (long long)r->elements;
                for (size_t e = 0; e < r->elements; e++)
                    if (r->element[e]->elements == 2)
                        fields += (long long)r->element[e]->element[1]->elements / 2;
            }
            if (r)
                freeReplyObject(r);
        }
        if (fields > 0)
            printf("%6s %10lld %12lld %14.1f\n", tiers[t], entries, bytes,
                   (double)bytes / (double)fields);
        else
            printf("%6s %10lld %12lld %14s\n", tiers[t], entries, bytes, "-");
    }
    printf("   a summary = one series in one period; per series and day: 86400 x the 1s figure "
           "(kept 1 h by default), 1440 x the 1m, 24 x the 1h\n\n");
    fflush(stdout);
}

int bench_scale(int argc, char **argv)
{
    size_t max_n = 1000000, backlog = 1000000;
    unsigned series = 10000;
    double secs = 5;
    const char *parts = "123456";
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--max-values") == 0 && i + 1 < argc)
            max_n = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            backlog = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--series") == 0 && i + 1 < argc)
            series = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            secs = atof(argv[++i]);
        else if (strcmp(argv[i], "--parts") == 0 && i + 1 < argc)
            parts = argv[++i];
        else {
            fprintf(stderr, "usage: warroom bench scale [--max-values N] [--events N] "
                            "[--series N] [--seconds S] [--parts 123456]\n");
            return EXIT_USAGE;
        }
    }
    if (max_n < 10000 || backlog < 1000 || series < 1 || secs <= 0) {
        fprintf(stderr, "warroom bench scale: --max-values >= 10000, --events >= 1000, "
                        "--series >= 1, --seconds > 0\n");
        return EXIT_USAGE;
    }
    ssize_t k = readlink("/proc/self/exe", bscale_exe, sizeof(bscale_exe) - 1);
    if (k <= 0) {
        fprintf(stderr, "warroom bench scale: cannot find its own binary\n");
        return EXIT_FAILURE_GENERIC;
    }
    bscale_exe[k] = '\0';
    struct benchsrv s = {0};
    redisContext *c = NULL;
    if (benchsrv_start(&s, "scale") != 0 || (c = benchsrv_connect(&s)) == NULL) {
        fprintf(stderr, "warroom bench scale: cannot start redis-server\n");
        benchsrv_stop(&s);
        return EXIT_FAILURE_GENERIC;
    }
    printf("warroom bench scale: group mode (worker --group, rollups) against its baselines, on a "
           "private redis-server\n\n");
    int fail = 0;
    double raw_eps = 0;
    if (strchr(parts, '1'))
        fail |= bench_query(&s, c, max_n);
    if (strchr(parts, '2'))
        fail |= bench_flow(&s, c, series, secs);
    if (strchr(parts, '3'))
        fail |= bench_throughput(&s, c, backlog, series);
    if (strchr(parts, '4'))
        bench_memory(c);
    if (strchr(parts, '5') && strchr(parts, '3')) /* on the data 3. left */
        fail |= bscale_startup(&s, c, backlog, series, &raw_eps);
    if (strchr(parts, '6'))
        for (int rate = 1; rate <= 5; rate += 4)
            fail |= bscale_startup15(&s, c, series, rate, raw_eps);
    redisFree(c);
    benchsrv_stop(&s);
    return fail ? EXIT_FAILURE_GENERIC : EXIT_OK;
}
