/* bench_chat.c — `warroom bench chat`: K chat clients (1, 10, 50) in one room on a private
 * redis-server, each sending its next message as soon as its previous one came back (a closed
 * loop, K messages in flight). Measures publish-to-receive latency at every receiver and the
 * messages per second, next to the same loop over raw PUBLISH -> SUBSCRIBE (no stream, no
 * script, no JSON) on the same connections library, in the same run. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/bench/bench.h"
#include "app/bench/benchsrv.h"
#include "app/chat/chat.h"
#include "app/clock.h"
#include "app/cmd/cmd.h"
#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"
#include "core/mem.h"

#define BENCH_CHAT_GUARD_S 120.0 /* a run that takes longer than this is reported as failed */

/* ---------------------------------------------------------------------------------------------
 * Samples
 * ------------------------------------------------------------------------------------------ */

struct result {
    double p50_us, p99_us, msgs_per_s, deliveries_per_s;
    double client_cpu_us, server_cpu_us; /* CPU time per message: this process, redis-server */
    bool ok;
};

struct run {
    struct ev_loop *loop;
    int k;             /* clients */
    int per_client;    /* messages each client sends */
    int ready;         /* clients joined or subscribed */
    double *lat_us;    /* one sample per delivery */
    size_t nlat, want; /* deliveries so far, expected */
    int64_t t0_ns;
    double elapsed_s;
    redisContext *info;                /* the server, for its CPU time */
    double cpu0_self_s, cpu0_server_s; /* at t0 */
    double cpu_self_s, cpu_server_s;   /* spent from t0 to the last delivery */
    bool started, failed;
};

/* CPU seconds (user + system) of this process. */
static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (user + system) of the server, from INFO cpu; 0 when unreadable. */
static double server_cpu_s(redisContext *rc)
{
    redisReply *r = rc ? redisCommand(rc, "INFO cpu") : NULL;
    double user = 0, sys = 0;
    if (r && r->type == REDIS_REPLY_STRING) {
        const char *u = strstr(r->str, "used_cpu_user:"), *y = strstr(r->str, "used_cpu_sys:");
        user = u ? atof(u + 14) : 0;
        sys = y ? atof(y + 13) : 0;
    }
    if (r)
        freeReplyObject(r);
    return user + sys;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_result(struct run *r, struct result *out)
{
    *out = (struct result){.ok = !r->failed && r->nlat == r->want};
    if (r->nlat == 0)
        return;
    qsort(r->lat_us, r->nlat, sizeof(double), cmp_double);
    out->p50_us = r->lat_us[(r->nlat - 1) / 2];
    out->p99_us = r->lat_us[(size_t)((double)(r->nlat - 1) * 0.99)];
    double msgs = (double)r->k * r->per_client;
    out->msgs_per_s = r->elapsed_s > 0 ? msgs / r->elapsed_s : 0;
    out->deliveries_per_s = r->elapsed_s > 0 ? (double)r->nlat / r->elapsed_s : 0;
    out->client_cpu_us = r->cpu_self_s / msgs * 1e6;
    out->server_cpu_us = r->cpu_server_s / msgs * 1e6;
}

/* The timed phase starts: clock and CPU counters. */
static void run_start(struct run *r)
{
    r->started = true;
    r->cpu0_self_s = self_cpu_s();
    r->cpu0_server_s = server_cpu_s(r->info);
    r->t0_ns = clock_mono_ns();
}

/* ... and ends (after the loop stopped). */
static void run_stop(struct run *r)
{
    r->cpu_self_s = self_cpu_s() - r->cpu0_self_s;
    r->cpu_server_s = server_cpu_s(r->info) - r->cpu0_server_s;
}

/* A message's text: "SENDER SEQ SEND_NS". Records the delivery; returns the sender and seq. */
static int record(struct run *r, const char *text, int *seq)
{
    int sender;
    long long sent_ns;
    if (sscanf(text, "%d %d %lld", &sender, seq, &sent_ns) != 3)
        return -1;
    if (r->nlat < r->want)
        r->lat_us[r->nlat++] = (double)(clock_mono_ns() - sent_ns) / 1e3;
    if (r->nlat == r->want) {
        r->elapsed_s = (double)(clock_mono_ns() - r->t0_ns) / 1e9;
        ev_break(r->loop, EVBREAK_ALL);
    }
    return sender;
}

static void on_guard(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct run *r = t->data;
    r->failed = true;
    ev_break(loop, EVBREAK_ALL);
}

/* ---------------------------------------------------------------------------------------------
 * warroom chat clients
 * ------------------------------------------------------------------------------------------ */

struct chat_client {
    struct run *run;
    struct chat *chat;
    int index, sent;
};

static void chat_send_next(struct chat_client *cl)
{
    char text[64], err[128];
    if (cl->sent >= cl->run->per_client)
        return;
    int n =
        snprintf(text, sizeof(text), "%d %d %lld", cl->index, cl->sent, (long long)clock_mono_ns());
    if (chat_send(cl->chat, CHATLOG_MSG, text, (size_t)n, err, sizeof(err)) != CHAT_SEND_QUEUED) {
        fprintf(stderr, "warroom bench: %s\n", err);
        cl->run->failed = true;
        ev_break(cl->run->loop, EVBREAK_ALL);
        return;
    }
    cl->sent++;
}

static void on_chat_event(struct chat *c, const struct chat_event_info *e, void *privdata)
{
    (void)c;
    struct chat_client *cl = privdata;
    struct run *r = cl->run;
    if (e->ev == CHAT_EV_JOINED) {
        if (++r->ready == r->k)
            ev_break(r->loop, EVBREAK_ALL);
    } else if (e->ev == CHAT_EV_MESSAGE && e->live && r->started) {
        int seq;
        if (record(r, e->msg->text, &seq) == cl->index)
            chat_send_next(cl);
    } else if (e->ev == CHAT_EV_NOTICE && e->error) {
        fprintf(stderr, "warroom bench: client %d: %s\n", cl->index, e->text);
    }
}

/* Fills a receiver's log as a client that has been up a while has it: full, so each new message
 * replaces the oldest (steady state), instead of 50 logs growing the heap during the run. The
 * older messages look like the live ones (same sizes). */
static void fill_scrollback(struct chatlog *log)
{
    char text[64];
    for (int i = 0; i < CHATLOG_DEFAULT_SCROLLBACK; i++) {
        int n = snprintf(text, sizeof(text), "%d %d %lld", i % 50, i, (long long)clock_mono_ns());
        struct chatlog_entry e = {.id = {.ms = 1, .seq = (uint64_t)i + 1},
                                  .ts_ms = 1,
                                  .kind = CHATLOG_MSG,
                                  .nick = "bench10",
                                  .nick_len = 7,
                                  .text = text,
                                  .text_len = (size_t)n};
        chatlog_add(log, &e, NULL);
    }
}

static void run_chat(const struct redisaddr *addr, redisContext *info, int k, int per_client,
                     struct result *out)
{
    struct run r = {.k = k, .per_client = per_client, .info = info};
    r.want = (size_t)k * (size_t)per_client * (size_t)k;
    r.lat_us = xmalloc(r.want * sizeof(double));
    r.loop = ev_loop_new(EVFLAG_AUTO);
    ev_timer guard;
    ev_timer_init(&guard, on_guard, BENCH_CHAT_GUARD_S, 0.);
    guard.data = &r;
    ev_timer_start(r.loop, &guard);
    struct chat_client *cl = xcalloc((size_t)k, sizeof(*cl));
    char err[256];
    for (int i = 0; i < k; i++) {
        char nick[24];
        snprintf(nick, sizeof(nick), "bench%d", i);
        struct chat_opts o = {.room = "bench",
                              .nick = nick,
                              .history = CHAT_HISTORY_NONE,
                              .rate_interval_ms = -1,
                              .quiet_join = true,
                              .name = "bench",
                              .notify = on_chat_event,
                              .privdata = &cl[i]};
        cl[i] = (struct chat_client){.run = &r, .index = i};
        cl[i].chat = chat_new(r.loop, addr, &o, err, sizeof(err));
    }
    ev_run(r.loop, 0); /* until every client has joined */
    for (int i = 0; i < k; i++)
        fill_scrollback(chat_log(cl[i].chat));
    if (!r.failed) {
        run_start(&r);
        for (int i = 0; i < k; i++)
            chat_send_next(&cl[i]);
        ev_run(r.loop, 0);
        run_stop(&r);
    }
    run_result(&r, out);
    for (int i = 0; i < k; i++)
        chat_free(cl[i].chat);
    free(cl);
    ev_timer_stop(r.loop, &guard);
    ev_loop_destroy(r.loop);
    free(r.lat_us);
}

/* ---------------------------------------------------------------------------------------------
 * The baseline: raw PUBLISH -> SUBSCRIBE, one publisher and one subscriber connection per client
 * ------------------------------------------------------------------------------------------ */

struct raw_client {
    struct run *run;
    struct rconn *pub, *sub;
    int index, sent;
};

static void raw_publish_next(struct raw_client *cl)
{
    char text[64];
    if (cl->sent >= cl->run->per_client)
        return;
    snprintf(text, sizeof(text), "%d %d %lld", cl->index, cl->sent, (long long)clock_mono_ns());
    rconn_command(cl->pub, NULL, NULL, "PUBLISH bench:raw %s", text);
    cl->sent++;
}

static void on_raw_up(struct rconn *rc, void *privdata)
{
    (void)privdata;
    rconn_subscribe(rc, "bench:raw", 0);
}

static void on_raw_message(struct rconn *rc, const redisReply *msg, void *privdata)
{
    (void)rc;
    struct raw_client *cl = privdata;
    struct run *r = cl->run;
    struct rconn_msg m;
    if (rconn_message_parse(msg, &m) != 0)
        return;
    if (strcmp(m.kind, "subscribe") == 0) {
        if (++r->ready == r->k)
            ev_break(r->loop, EVBREAK_ALL);
    } else if (strcmp(m.kind, "message") == 0 && r->started) {
        char text[64];
        snprintf(text, sizeof(text), "%.*s", (int)m.payload_len, m.payload);
        int seq;
        if (record(r, text, &seq) == cl->index)
            raw_publish_next(cl);
    }
}

static void run_raw(const struct redisaddr *addr, redisContext *info, int k, int per_client,
                    struct result *out)
{
    struct run r = {.k = k, .per_client = per_client, .info = info};
    r.want = (size_t)k * (size_t)per_client * (size_t)k;
    r.lat_us = xmalloc(r.want * sizeof(double));
    r.loop = ev_loop_new(EVFLAG_AUTO);
    ev_timer guard;
    ev_timer_init(&guard, on_guard, BENCH_CHAT_GUARD_S, 0.);
    guard.data = &r;
    ev_timer_start(r.loop, &guard);
    struct raw_client *cl = xcalloc((size_t)k, sizeof(*cl));
    for (int i = 0; i < k; i++) {
        cl[i] = (struct raw_client){.run = &r, .index = i};
        struct rconn_opts o = {.mode = RCONN_MODE_PUBSUB,
                               .on_up = on_raw_up,
                               .on_message = on_raw_message,
                               .privdata = &cl[i]};
        cl[i].sub = rconn_new(r.loop, addr, &o);
        cl[i].pub = rconn_new(r.loop, addr, NULL);
    }
    ev_run(r.loop, 0); /* until every subscriber is subscribed */
    if (!r.failed) {
        run_start(&r);
        for (int i = 0; i < k; i++)
            raw_publish_next(&cl[i]);
        ev_run(r.loop, 0);
        run_stop(&r);
    }
    run_result(&r, out);
    for (int i = 0; i < k; i++) {
        rconn_close(cl[i].sub);
        rconn_close(cl[i].pub);
    }
    free(cl);
    ev_timer_stop(r.loop, &guard);
    ev_loop_destroy(r.loop);
    free(r.lat_us);
}

/* ---------------------------------------------------------------------------------------------
 * The command
 * ------------------------------------------------------------------------------------------ */

static void fmt_us(double us, char *buf, size_t cap)
{
    if (us >= 1000)
        snprintf(buf, cap, "%.2f ms", us / 1000);
    else
        snprintf(buf, cap, "%.0f µs", us);
}

static int cmp_result_p99(const void *a, const void *b)
{
    return cmp_double(&((const struct result *)a)->p99_us, &((const struct result *)b)->p99_us);
}

/* The round whose p99 is the median of n rounds (its other figures go with it); ok when all
 * rounds were. Sorts r. */
static struct result median_round(struct result *r, int n)
{
    bool ok = true;
    for (int i = 0; i < n; i++)
        ok = ok && r[i].ok;
    qsort(r, (size_t)n, sizeof(*r), cmp_result_p99);
    struct result m = r[(n - 1) / 2];
    m.ok = ok;
    return m;
}

static void print_row(int k, const struct result *c, const struct result *w)
{
    char a[24], b[24], d[24], e[24];
    fmt_us(c->p50_us, a, sizeof(a));
    fmt_us(c->p99_us, b, sizeof(b));
    fmt_us(w->p50_us, d, sizeof(d));
    fmt_us(w->p99_us, e, sizeof(e));
    printf("| %d | %s | %s | %.0f | %s | %s | %.0f | %.2fx | %.0f / %.0f µs | %.0f / %.0f µs |\n",
           k, a, b, c->msgs_per_s, d, e, w->msgs_per_s, w->p99_us > 0 ? c->p99_us / w->p99_us : 0,
           c->client_cpu_us, c->server_cpu_us, w->client_cpu_us, w->server_cpu_us);
    fflush(stdout);
}

int bench_chat(int argc, char **argv)
{
    int messages = 10000, rounds = 3; /* messages per run, split over the clients */
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc) {
            messages = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else {
            messages = 0;
            break;
        }
    }
    if (messages < 50 || messages > 10000000 || rounds < 1 || rounds > 99) {
        fprintf(stderr, "usage: warroom bench chat [--messages N] [--rounds R]   (N >= 50, "
                        "default 10000; R 1-99, default 3)\n");
        return EXIT_USAGE;
    }
    struct benchsrv s = {0};
    if (benchsrv_start(&s, "chat") != 0) {
        fprintf(stderr, "warroom bench: cannot start redis-server (is it installed?)\n");
        benchsrv_stop(&s);
        return EXIT_FAILURE_GENERIC;
    }
    char url[192], err[256];
    snprintf(url, sizeof(url), "unix://%s", s.sock);
    struct redisaddr *addr = redisaddr_new(url, err, sizeof(err));
    redisContext *info = benchsrv_connect(&s);
    if (addr == NULL) {
        fprintf(stderr, "warroom bench: %s\n", err);
        if (info)
            redisFree(info);
        benchsrv_stop(&s);
        return EXIT_FAILURE_GENERIC;
    }
    printf("warroom bench chat: K clients in one room on a private redis-server (unix socket),\n"
           "each sending its next message when its previous one came back (K in flight), "
           "%d messages\nper run; latency from send to receipt at every client; wall-clock "
           "time, one process.\n%d rounds of warroom chat then raw pub/sub, alternating; each "
           "side shows its median round\n(by p99). CPU: per message, this process / "
           "redis-server.\n\n",
           messages, rounds);
    printf("| clients | warroom chat p50 | p99 | messages/s | raw PUBLISH->SUBSCRIBE p50 | p99 "
           "| messages/s | p99 ratio | chat CPU/msg | raw CPU/msg |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    fflush(stdout);
    const int ks[] = {1, 10, 50};
    int rc = EXIT_OK;
    struct result *chat_r = xcalloc((size_t)rounds, sizeof(*chat_r));
    struct result *raw_r = xcalloc((size_t)rounds, sizeof(*raw_r));
    for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
        int k = ks[i], per = messages / k;
        for (int j = 0; j < rounds; j++) {
            benchsrv_flush(&s);
            run_chat(addr, info, k, per, &chat_r[j]);
            benchsrv_flush(&s);
            run_raw(addr, info, k, per, &raw_r[j]);
        }
        struct result c = median_round(chat_r, rounds), w = median_round(raw_r, rounds);
        print_row(k, &c, &w);
        if (!c.ok || !w.ok) {
            fprintf(stderr,
                    "warroom bench: the run with %d clients did not deliver every message\n", k);
            rc = EXIT_FAILURE_GENERIC;
        }
    }
    printf("\nwarroom chat = EVALSHA (XADD + PUBLISH of JSON) per message, JSON parse and ordered "
           "merge at\nevery receiver; a delivery is one message arriving at one client.\n");
    free(chat_r);
    free(raw_r);
    if (info)
        redisFree(info);
    redisaddr_free(addr);
    benchsrv_stop(&s);
    return rc;
}
