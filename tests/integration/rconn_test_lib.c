/* rconn_test_lib.c — the harness of the rconn integration scenarios (contract in rconn_test.h). */
#include "tests/integration/rconn_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/redis/localredis.h"
#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"

struct ev_loop *loop;
int failures;

/* ---------------------------------------------------------------------------------------------
 * Harness
 * ------------------------------------------------------------------------------------------ */

void check(const char *name, int cond, const char *fmt, ...)
{
    if (cond) {
        printf("ok %s\n", name);
    } else {
        va_list ap;
        va_start(ap, fmt);
        printf("not ok %s: ", name);
        vprintf(fmt, ap);
        printf("\n");
        va_end(ap);
        failures++;
    }
    fflush(stdout);
}

static void guard_cb(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
}

/* One loop iteration, returning within 5 ms even when nothing happens. */
void run_once(void)
{
    ev_timer guard;
    ev_timer_init(&guard, guard_cb, 0.005, 0.);
    ev_timer_start(loop, &guard);
    ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
}

void run_for(double s)
{
    ev_tstamp end = ev_time() + s;
    while (ev_time() < end)
        run_once();
}

const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "rconn_test: %s is not set\n", name);
        exit(2);
    }
    return v;
}

char *tcp_url(const char *suffix)
{
    static char buf[8][256];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, sizeof(buf[0]), "redis://%s127.0.0.1:%s%s", "", env("REDIS_PORT"), suffix);
    return b;
}

static void t_state(struct rconn *rc, enum rconn_state st, void *pd)
{
    struct track *t = pd;
    if (t->nstates < 512) {
        t->states[t->nstates] = st;
        t->attempts[t->nstates] = rconn_attempt(rc);
        t->delays[t->nstates] = rconn_retry_delay_ms(rc);
        t->nstates++;
    }
    snprintf(t->error, sizeof(t->error), "%s", rconn_last_error(rc));
    if (t->close_on_state == 1 + (int)st) {
        t->closed_in_callback = 1;
        rconn_close(rc);
    }
}

static void t_up(struct rconn *rc, void *pd)
{
    struct track *t = pd;
    t->ups++;
    if (t->sub_channel)
        rconn_subscribe(rc, t->sub_channel, 0);
    if (t->sub_pattern)
        rconn_subscribe(rc, t->sub_pattern, 1);
    if (t->close_on_up) {
        t->closed_in_callback = 1;
        rconn_close(rc);
    }
}

static void copy_str(char *dst, size_t n, const char *s, size_t len)
{
    if (s == NULL) {
        dst[0] = '\0';
        return;
    }
    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static void t_message(struct rconn *rc, const redisReply *msg, void *pd)
{
    struct track *t = pd;
    struct rconn_msg m;
    if (rconn_message_parse(msg, &m) < 0)
        return;
    copy_str(t->last_kind, sizeof(t->last_kind), m.kind, strlen(m.kind));
    copy_str(t->last_channel, sizeof(t->last_channel), m.channel, m.channel_len);
    copy_str(t->last_pattern, sizeof(t->last_pattern), m.pattern, m.pattern_len);
    copy_str(t->last_payload, sizeof(t->last_payload), m.payload, m.payload_len);
    t->last_count = m.count;
    if (m.payload)
        t->messages++;
    else if (strstr(m.kind, "subscribe") && !strstr(m.kind, "unsub"))
        t->confirmations++;
    if (t->close_on_message && m.payload) {
        t->closed_in_callback = 1;
        rconn_close(rc);
    }
}

struct rconn *open_url(const char *url, const struct rconn_opts *o, struct track *t)
{
    char err[256];
    struct redisaddr *a = redisaddr_new(url, err, sizeof(err));
    if (a == NULL) {
        fprintf(stderr, "rconn_test: %s: %s\n", url, err);
        exit(2);
    }
    struct rconn_opts opts = {0};
    if (o)
        opts = *o;
    opts.on_state = t_state;
    opts.on_up = t_up;
    opts.on_message = t_message;
    opts.privdata = t;
    t->rc = rconn_new(loop, a, &opts);
    redisaddr_free(a); /* rconn keeps its own copy */
    return t->rc;
}

void r_reply(struct rconn *rc, const redisReply *r, void *pd)
{
    struct rec *x = pd;
    x->calls++;
    x->state_at_call = rconn_get_state(rc);
    if (r == NULL) {
        x->nulls++;
    } else {
        x->type = r->type;
        x->integer = r->integer;
        x->elements = r->elements;
        x->len = r->len;
        copy_str(x->str, sizeof(x->str), r->str, r->str ? r->len : 0);
        if (x->expect && (r->type != REDIS_REPLY_INTEGER || r->integer != x->expect))
            x->out_of_order = 1;
    }
    if (x->close_on_reply)
        rconn_close(rc);
}

int has_state(const struct track *t, enum rconn_state st)
{
    for (int i = 0; i < t->nstates; i++)
        if (t->states[i] == st)
            return 1;
    return 0;
}

void admin(struct rconn *rc, struct rec *x, const char *fmt, const char *arg)
{
    memset(x, 0, sizeof(*x));
    if (rconn_command(rc, r_reply, x, fmt, arg) < 0) {
        x->calls = -1;
        return;
    }
    RUN_UNTIL(x->calls > 0, 10);
}

pid_t server_pid(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/redis.pid", env("REDIS_DIR"));
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

pid_t stopped_pid;

void wake_server(void)
{
    if (stopped_pid > 0)
        kill(stopped_pid, SIGCONT);
    stopped_pid = 0;
}
