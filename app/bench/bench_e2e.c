/* bench_e2e.c — `warroom bench e2e`: Redis to core, end to end, against a private redis-server.
 * Producer side: `warroom ingest` of a file and `warroom gen` next to `redis-cli --pipe` of the
 * same XADDs.
 * Reader side: the warroom reader draining preloaded streams into the core next to a plain
 * synchronous reader that fetches the same XREAD batches and discards them (the ceiling).
 * With --cluster: the same on a 3-master cluster next to one Redis, then the cost of WAIT
 * (`warroom gen --min-replicas 1` against none) on a master with one replica. */
#include <errno.h>
#include <ev.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app/bench/bench.h"
#include "app/bench/benchcluster.h"
#include "app/bench/benchsrv.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/redis/reader.h"
#include "app/redis/redisaddr.h"
#include "core/event.h"
#include "core/partition.h"
#include "core/series.h"
#include "core/synth.h"

#define E2E_PARTITIONS 8

/* Runs argv with stdin from in_path (NULL: /dev/null), stdout to /dev/null and stderr to
 * err_path (NULL: /dev/null); returns the exit status, or -1. */
static int run_quiet(char *const argv[], const char *in_path, const char *err_path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        FILE *in = freopen(in_path ? in_path : "/dev/null", "r", stdin);
        FILE *out = freopen("/dev/null", "w", stdout);
        FILE *err = freopen(err_path ? err_path : "/dev/null", "w", stderr);
        (void)in, (void)out, (void)err;
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* ---------------------------------------------------------------------------------------------
 * Input files: the same events as text lines and as the RESP of their XADDs. */

static void resp_arg(FILE *f, const char *s)
{
    fprintf(f, "$%zu\r\n%s\r\n", strlen(s), s);
}

static int write_inputs(const char *text_path, const char *resp_path, size_t n, int64_t now_ms)
{
    FILE *text = fopen(text_path, "w"), *resp = fopen(resp_path, "w");
    if (!text || !resp) {
        if (text)
            fclose(text);
        if (resp)
            fclose(resp);
        return -1;
    }
    struct synth_rng r;
    synth_seed(&r, 42);
    struct synth_series desc[1000];
    for (uint32_t i = 0; i < 1000; i++)
        synth_series_describe(i, &desc[i]);
    char stream[64], value[32], ts[24], minid[32];
    snprintf(minid, sizeof(minid), "%" PRId64, now_ms - 3600000);
    for (size_t i = 0; i < n; i++) {
        const struct synth_series *s = &desc[synth_below(&r, 1000)];
        int64_t t = now_ms - 60000 + (int64_t)(i * 60000 / n);
        snprintf(value, sizeof(value), "%.6g", synth_series_value(s, &r, t, 1.0));
        snprintf(ts, sizeof(ts), "%" PRId64, t);
        fprintf(text, "%s %s %s\n", s->key, value, ts);
        unsigned p = partition_of(s->key, strlen(s->key), E2E_PARTITIONS);
        partition_stream_key("pipe", p, stream, sizeof(stream));
        fprintf(resp, "*14\r\n");
        resp_arg(resp, "XADD");
        resp_arg(resp, stream);
        resp_arg(resp, "MINID");
        resp_arg(resp, "~");
        resp_arg(resp, minid);
        resp_arg(resp, "*");
        resp_arg(resp, "metric");
        resp_arg(resp, s->metric);
        resp_arg(resp, "value");
        resp_arg(resp, value);
        resp_arg(resp, "ts");
        resp_arg(resp, ts);
        resp_arg(resp, "labels");
        resp_arg(resp, s->labels);
    }
    int rc = ferror(text) || ferror(resp) ? -1 : 0;
    rc |= fclose(text) | fclose(resp);
    return rc ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------------
 * Readers. */

/* The ceiling: XREAD COUNT 1000 over all partitions, replies discarded. Returns entries read. */
static size_t plain_drain(const char *sock, const char *ns)
{
    redisContext *c = redisConnectUnix(sock);
    if (c == NULL || c->err) {
        if (c)
            redisFree(c);
        return 0;
    }
    char keys[E2E_PARTITIONS][64], ids[E2E_PARTITIONS][48];
    const char *argv[4 + 2 * E2E_PARTITIONS];
    int argc = 0;
    argv[argc++] = "XREAD";
    argv[argc++] = "COUNT";
    argv[argc++] = "1000";
    argv[argc++] = "STREAMS";
    for (int p = 0; p < E2E_PARTITIONS; p++) {
        partition_stream_key(ns, (unsigned)p, keys[p], sizeof(keys[p]));
        argv[argc++] = keys[p];
    }
    for (int p = 0; p < E2E_PARTITIONS; p++) {
        snprintf(ids[p], sizeof(ids[p]), "0-0");
        argv[argc++] = ids[p];
    }
    size_t total = 0;
    for (;;) {
        redisReply *r = redisCommandArgv(c, argc, argv, NULL);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
            if (r)
                freeReplyObject(r);
            break;
        }
        size_t got = 0;
        for (size_t i = 0; i < r->elements; i++) {
            redisReply *st = r->element[i], *entries = st->element[1];
            int p = 0;
            while (p < E2E_PARTITIONS && strcmp(keys[p], st->element[0]->str) != 0)
                p++;
            if (p == E2E_PARTITIONS || entries->elements == 0)
                continue;
            got += entries->elements;
            redisReply *last = entries->element[entries->elements - 1];
            snprintf(ids[p], sizeof(ids[p]), "%s", last->element[0]->str);
        }
        freeReplyObject(r);
        if (got == 0)
            break;
        total += got;
    }
    redisFree(c);
    return total;
}

struct drain_ctx {
    struct ev_loop *loop;
    struct reader *rd;
    size_t want;
    bool done;
};

static void on_reader(struct reader *rd, enum reader_event event, void *privdata)
{
    struct drain_ctx *d = privdata;
    struct reader_stats st;
    reader_get_stats(rd, &st);
    if ((event == READER_REPLAY_DONE || st.entries >= d->want) && !d->done) {
        d->done = true;
        ev_break(d->loop, EVBREAK_ALL);
    }
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)w, (void)revents;
    ev_break(loop, EVBREAK_ALL);
}

/* The warroom reader draining the streams at url (a cluster node when cluster) into a fresh
 * core. Returns events ingested. */
static size_t warroom_drain(const char *url, bool cluster, const char *ns, size_t want,
                            double *seconds)
{
    char err[256];
    struct redisaddr *addr = redisaddr_new(url, err, sizeof(err));
    if (addr == NULL)
        return 0;
    addr->cluster = cluster;
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    struct series_table *tab = series_table_new(NULL);
    struct reader_config cfg;
    reader_config_defaults(&cfg);
    cfg.ns = ns;
    cfg.partitions = E2E_PARTITIONS;
    cfg.replay_ms = 3600000;
    struct drain_ctx d = {.loop = loop, .want = want};
    ev_timer guard;
    ev_timer_init(&guard, on_timeout, 120.0, 0);
    ev_timer_start(loop, &guard);
    double t0 = clock_mono_s();
    d.rd = reader_new(loop, addr, &cfg, tab, on_reader, &d, err, sizeof(err));
    size_t events = 0;
    if (d.rd) {
        ev_run(loop, 0);
        *seconds = clock_mono_s() - t0;
        struct reader_stats st;
        reader_get_stats(d.rd, &st);
        events = st.events;
        reader_close(d.rd);
    } else {
        fprintf(stderr, "warroom bench: %s\n", err);
    }
    ev_timer_stop(loop, &guard);
    series_table_free(tab);
    ev_loop_destroy(loop);
    redisaddr_free(addr);
    return events;
}

/* ---------------------------------------------------------------------------------------------
 * The command. */

/* The path of this binary (to run `warroom ingest`) into self. Returns 0, or -1 with a note. */
static int own_binary(char *self, size_t cap)
{
    ssize_t len = readlink("/proc/self/exe", self, cap - 1);
    if (len <= 0) {
        fprintf(stderr, "warroom bench: cannot find my own binary\n");
        return -1;
    }
    self[len] = '\0';
    return 0;
}

/* Each side of a comparison runs this many times, the two alternating, and its best time
 * counts: on a shared machine a burst of other work then hits both sides alike. */
#define E2E_ROUNDS 3

static void keep_best(double *best, double s)
{
    if (*best == 0 || s < *best)
        *best = s;
}

/* Times argv (stdin from in_path) into *best; then empties the server. Returns its exit status. */
static int timed_run(struct benchsrv *srv, char *const argv[], const char *in_path, double *best)
{
    double t0 = clock_mono_s();
    int rc = run_quiet(argv, in_path, NULL);
    keep_best(best, clock_mono_s() - t0);
    benchsrv_flush(srv);
    return rc;
}

static void print_row(const char *what, size_t n, double s, double base_s)
{
    printf("| %s | %.0f k ev/s (%.2f s) | %.0f k ev/s (%.2f s) | **%.0f %%** |\n", what,
           n / s / 1e3, s, n / base_s / 1e3, base_s, 100 * base_s / s);
}

int bench_e2e(size_t n)
{
    char self[512];
    if (own_binary(self, sizeof(self)) != 0)
        return EXIT_FAILURE_GENERIC;
    struct benchsrv srv = {0};
    if (benchsrv_start(&srv, "e2e") != 0) {
        fprintf(stderr, "warroom bench: cannot start redis-server (is it installed?)\n");
        benchsrv_stop(&srv);
        return EXIT_FAILURE_GENERIC;
    }
    char text_path[192], resp_path[192], url[192], nbuf[24], count[24];
    snprintf(text_path, sizeof(text_path), "%s/events.txt", srv.dir);
    snprintf(resp_path, sizeof(resp_path), "%s/events.resp", srv.dir);
    snprintf(url, sizeof(url), "unix://%s", srv.sock);
    snprintf(nbuf, sizeof(nbuf), "%u", E2E_PARTITIONS);
    snprintf(count, sizeof(count), "%zu", n);
    int rc = EXIT_FAILURE_GENERIC;
    if (write_inputs(text_path, resp_path, n, clock_wall_ms()) != 0) {
        fprintf(stderr, "warroom bench: cannot write the input files in %s\n", srv.dir);
        goto out;
    }

    /* Producers, each into an empty server: the same 1000-series XADDs pre-formatted for
     * redis-cli --pipe, parsed from the text file by ingest, and synthesised by gen. */
    char *pipe_argv[] = {"redis-cli", "-s", srv.sock, "--pipe", NULL};
    char *ingest_argv[] = {self, "ingest", "--redis", url, "--partitions", nbuf, text_path, NULL};
    char *gen_argv[] = {self,     "gen", "--redis",  url,    "--partitions", nbuf,  "--ns", "gen",
                        "--rate", "0",   "--series", "1000", "--count",      count, NULL};
    double pipe_s = 0, ingest_s = 0, gen_s = 0;
    for (int r = 0; r < E2E_ROUNDS; r++) {
        int prc = timed_run(&srv, pipe_argv, resp_path, &pipe_s);
        int irc = timed_run(&srv, ingest_argv, NULL, &ingest_s);
        int grc = timed_run(&srv, gen_argv, NULL, &gen_s);
        if (prc != 0 || irc != 0 || grc != 0) {
            fprintf(stderr,
                    "warroom bench: redis-cli --pipe exited %d, warroom ingest %d, warroom gen "
                    "%d\n",
                    prc, irc, grc);
            goto out;
        }
    }

    /* Readers, over the same streams (loaded once by ingest). */
    if (run_quiet(ingest_argv, NULL, NULL) != 0) {
        fprintf(stderr, "warroom bench: warroom ingest exited non-zero\n");
        goto out;
    }
    double plain_s = 0, reader_s = 0;
    for (int r = 0; r < E2E_ROUNDS; r++) {
        double t0 = clock_mono_s(), s = 0;
        size_t plain = plain_drain(srv.sock, "wr");
        keep_best(&plain_s, clock_mono_s() - t0);
        size_t events = warroom_drain(url, false, "wr", n, &s);
        keep_best(&reader_s, s);
        if (plain != n || events != n) {
            fprintf(stderr,
                    "warroom bench: expected %zu entries; plain reader got %zu, warroom %zu\n", n,
                    plain, events);
            goto out;
        }
    }

    printf("warroom bench e2e: %zu events, %d partitions, private redis-server on a unix socket;"
           " wall-clock time, best of %d runs alternating with the baseline's\n\n",
           n, E2E_PARTITIONS, E2E_ROUNDS);
    printf("| measure | warroom | baseline | ratio |\n|---|---|---|---|\n");
    print_row("producer: file -> XADD (`warroom ingest` vs `redis-cli --pipe`)", n, ingest_s,
              pipe_s);
    print_row("producer: synthetic -> XADD (`warroom gen --rate 0` vs `redis-cli --pipe`)", n,
              gen_s, pipe_s);
    print_row("reader: XREAD -> core (warroom reader vs discarding XREAD loop)", n, reader_s,
              plain_s);
    printf("\ntargets: the warroom reader drains at >= 90 %% of the ceiling; the producers "
           "write at >= 100 %% of redis-cli --pipe\n");
    rc = EXIT_OK;
out:
    unlink(text_path);
    unlink(resp_path);
    benchsrv_stop(&srv);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * `--cluster`: a local 3-master Redis Cluster next to one plain redis-server, both on TCP. */

struct e2e_run {
    double ingest_s, reader_s;
};

/* ingest of text_path into the servers at srv->url, then the warroom reader drains them. */
static int run_on(const char *self, const char *text_path, const struct benchcluster *srv,
                  bool cluster, size_t n, struct e2e_run *out)
{
    char nbuf[24];
    snprintf(nbuf, sizeof(nbuf), "%u", E2E_PARTITIONS);
    char *argv[] = {(char *)self,   "ingest", "--redis",         (char *)srv->url,
                    "--partitions", nbuf,     (char *)text_path, NULL};
    double t0 = clock_mono_s();
    int rc = run_quiet(argv, NULL, NULL);
    out->ingest_s = clock_mono_s() - t0;
    if (rc != 0) {
        fprintf(stderr, "warroom bench: warroom ingest into %s exited %d\n", srv->url, rc);
        return -1;
    }
    size_t events = warroom_drain(srv->url, cluster, "wr", n, &out->reader_s);
    if (events != n) {
        fprintf(stderr, "warroom bench: expected %zu events from %s, the reader got %zu\n", n,
                srv->url, events);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * The cost of `--min-replicas 1`: `warroom gen` into a master with one replica, without and with
 * a WAIT after each batch. */

#define E2E_REPL_DURATION "3s" /* each gen stops after this, or after n events */

struct repl_run {
    double seconds;
    unsigned long long accepted, confirmed, unconfirmed;
    unsigned long long held; /* entries of the namespace on the replica afterwards */
};

/* Sum of XLEN over the namespace's partition streams on the server at port, or -1. */
static long long xlen_sum(int port, const char *ns)
{
    struct timeval tv = {5, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, tv);
    long long sum = c && !c->err ? 0 : -1;
    for (unsigned p = 0; sum >= 0 && p < E2E_PARTITIONS; p++) {
        char key[64];
        partition_stream_key(ns, p, key, sizeof(key));
        redisReply *r = redisCommand(c, "XLEN %s", key);
        sum = r && r->type == REDIS_REPLY_INTEGER ? sum + r->integer : -1;
        if (r)
            freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return sum;
}

/* Reads gen's final line ("gen: N events accepted in ... reconnects[, C confirmed on R
 * replica(s), U unconfirmed]") from path into out, and the last line of the file into last.
 * Returns 0, or -1 when there is none. */
static int read_gen_line(const char *path, struct repl_run *out, char *last, size_t cap)
{
    snprintf(last, cap, "no output");
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    int found = -1;
    while (fgets(line, sizeof(line), f)) {
        snprintf(last, cap, "%.*s", (int)strcspn(line, "\n"), line);
        if (sscanf(line, "gen: %llu events accepted in", &out->accepted) != 1)
            continue;
        found = 0;
        const char *c = strstr(line, " reconnects, ");
        unsigned replicas;
        if (c && sscanf(c, " reconnects, %llu confirmed on %u replica(s), %llu unconfirmed",
                        &out->confirmed, &replicas, &out->unconfirmed) != 3)
            found = -1;
    }
    fclose(f);
    return found;
}

/* `warroom gen --rate 0` of at most n events for at most E2E_REPL_DURATION into the master of
 * pair, namespace ns, with --min-replicas min_replicas. Returns 0, or -1 with a note on stderr. */
static int run_gen(const char *self, const struct benchcluster *pair, const char *ns,
                   unsigned min_replicas, size_t n, struct repl_run *out)
{
    char count[24], mr[16], err_path[128];
    snprintf(count, sizeof(count), "%zu", n);
    snprintf(mr, sizeof(mr), "%u", min_replicas);
    snprintf(err_path, sizeof(err_path), "%s/gen-%s.err", pair->dir, ns);
    char *argv[] = {(char *)self, "gen",    "--redis",    (char *)pair->url, "--ns",
                    (char *)ns,   "--rate", "0",          "--series",        "1000",
                    "--count",    count,    "--duration", E2E_REPL_DURATION, "--min-replicas",
                    mr,           NULL};
    memset(out, 0, sizeof(*out));
    double t0 = clock_mono_s();
    int rc = run_quiet(argv, NULL, err_path);
    out->seconds = clock_mono_s() - t0;
    char last[256];
    int parsed = read_gen_line(err_path, out, last, sizeof(last));
    unlink(err_path);
    long long held = xlen_sum(pair->port[1], ns);
    out->held = held > 0 ? (unsigned long long)held : 0;
    if (rc != 0 || parsed != 0 || out->accepted == 0) {
        fprintf(stderr, "warroom bench: warroom gen --min-replicas %u into %s exited %d: %s\n",
                min_replicas, pair->url, rc, last);
        return -1;
    }
    if (min_replicas > 0 &&
        (out->confirmed != out->accepted || out->unconfirmed != 0 || out->held < out->confirmed)) {
        fprintf(stderr,
                "warroom bench: gen --min-replicas %u: %llu accepted, %llu confirmed, %llu "
                "unconfirmed, "
                "the replica holds %lld\n",
                min_replicas, out->accepted, out->confirmed, out->unconfirmed, held);
        return -1;
    }
    return 0;
}

/* Runs gen without and with --min-replicas 1 on a fresh master + replica and prints the table.
 * Returns 0, or -1 with a note on stderr. */
static int bench_min_replicas(const char *self, size_t n)
{
    struct benchcluster pair = {0};
    struct repl_run none, one;
    int rc = -1;
    if (benchcluster_start_pair(&pair) != 0) {
        fprintf(stderr,
                "warroom bench: cannot start a master and a replica (redis-server --replicaof)\n");
        goto out;
    }
    if (run_gen(self, &pair, "nowait", 0, n, &none) != 0 ||
        run_gen(self, &pair, "wait1", 1, n, &one) != 0)
        goto out;
    printf("\nthe cost of `--min-replicas 1`: `warroom gen --rate 0 --series 1000` for at most %s "
           "or %zu events into a master with one replica (redis-server --replicaof), TCP "
           "127.0.0.1\n\n",
           E2E_REPL_DURATION, n);
    printf("| measure | no WAIT | `--min-replicas 1` | with / without |\n|---|---|---|---|\n");
    printf("| producer: `warroom gen` -> XADD | %.0f k ev/s (%llu events, %.2f s) | %.0f k ev/s "
           "(%llu events, %.2f s) | %.0f %% |\n",
           none.accepted / none.seconds / 1e3, none.accepted, none.seconds,
           one.accepted / one.seconds / 1e3, one.accepted, one.seconds,
           100 * (one.accepted / one.seconds) / (none.accepted / none.seconds));
    printf("| confirmed by WAIT | - | %llu of %llu accepted, %llu unconfirmed (replica holds "
           "%llu) | |\n",
           one.confirmed, one.accepted, one.unconfirmed, one.held);
    rc = 0;
out:
    benchcluster_stop(&pair);
    return rc;
}

int bench_e2e_cluster(size_t n)
{
    char self[512];
    if (own_binary(self, sizeof(self)) != 0)
        return EXIT_FAILURE_GENERIC;
    struct benchcluster single = {0}, cl = {0};
    char text_path[128] = "", resp_path[128] = "";
    int rc = EXIT_FAILURE_GENERIC;
    struct e2e_run one = {0}, three = {0};
    if (benchcluster_start(&single, 1, 0) != 0) {
        fprintf(stderr, "warroom bench: cannot start redis-server on TCP (is it installed?)\n");
        goto out;
    }
    snprintf(text_path, sizeof(text_path), "%s/events.txt", single.dir);
    snprintf(resp_path, sizeof(resp_path), "%s/events.resp", single.dir);
    if (write_inputs(text_path, resp_path, n, clock_wall_ms()) != 0) {
        fprintf(stderr, "warroom bench: cannot write the input files in %s\n", single.dir);
        goto out;
    }
    if (run_on(self, text_path, &single, false, n, &one) != 0)
        goto out;
    if (benchcluster_start(&cl, 3, 1) != 0) {
        fprintf(stderr,
                "warroom bench: cannot start a 3-master cluster (redis-server, redis-cli)\n");
        goto out;
    }
    if (run_on(self, text_path, &cl, true, n, &three) != 0)
        goto out;

    printf("warroom bench e2e --cluster: %zu events, %d partitions, TCP on 127.0.0.1; "
           "wall-clock time\n\n",
           n, E2E_PARTITIONS);
    printf("| measure | one Redis | 3-master cluster | cluster / one |\n|---|---|---|---|\n");
    printf("| producer: file -> XADD (`warroom ingest`) | %.0f k ev/s (%.2f s) | %.0f k ev/s "
           "(%.2f s) | %.0f %% |\n",
           n / one.ingest_s / 1e3, one.ingest_s, n / three.ingest_s / 1e3, three.ingest_s,
           100 * one.ingest_s / three.ingest_s);
    printf("| reader: XREAD -> core (warroom reader) | %.0f k ev/s (%.2f s) | %.0f k ev/s "
           "(%.2f s) | %.0f %% |\n",
           n / one.reader_s / 1e3, one.reader_s, n / three.reader_s / 1e3, three.reader_s,
           100 * one.reader_s / three.reader_s);
    fflush(stdout);
    unlink(text_path);
    unlink(resp_path);
    benchcluster_stop(&cl); /* idle servers out of the way of the next measurement */
    benchcluster_stop(&single);
    if (bench_min_replicas(self, n) == 0)
        rc = EXIT_OK;
out:
    if (single.dir[0]) {
        unlink(text_path);
        unlink(resp_path);
    }
    benchcluster_stop(&cl);
    benchcluster_stop(&single);
    return rc;
}
