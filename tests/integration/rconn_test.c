/* rconn_test.c — integration tests for app/rconn, app/redisaddr and app/localredis against a
 * real redis-server (started by test_rconn.sh through lib.sh). Not a cmocka test: it needs the
 * server and the libev loop. Usage: rconn_test SCENARIO; prints "ok NAME" / "not ok NAME: why"
 * lines and exits 1 if any check failed. Environment: REDIS_PORT, REDIS_SOCK, REDIS_DIR,
 * RCONN_CLOSED_PORT (a port nothing listens on), RCONN_STOP_CMD, RCONN_START_CMD. */
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

static struct ev_loop *loop;
static int failures;

/* ---------------------------------------------------------------------------------------------
 * Harness
 * ------------------------------------------------------------------------------------------ */

static void check(const char *name, int cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void check(const char *name, int cond, const char *fmt, ...)
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
static void run_once(void)
{
    ev_timer guard;
    ev_timer_init(&guard, guard_cb, 0.005, 0.);
    ev_timer_start(loop, &guard);
    ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &guard);
}

/* Runs the loop until cond holds or timeout_s passes (a bound against hangs, not a check). */
#define RUN_UNTIL(cond, timeout_s)                                                                 \
    do {                                                                                           \
        ev_tstamp end_ = ev_time() + (timeout_s);                                                  \
        while (!(cond) && ev_time() < end_)                                                        \
            run_once();                                                                            \
    } while (0)

static void run_for(double s)
{
    ev_tstamp end = ev_time() + s;
    while (ev_time() < end)
        run_once();
}

static const char *env(const char *name)
{
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "rconn_test: %s is not set\n", name);
        exit(2);
    }
    return v;
}

static char *tcp_url(const char *suffix)
{
    static char buf[8][256];
    static int i;
    char *b = buf[i++ % 8];
    snprintf(b, sizeof(buf[0]), "redis://%s127.0.0.1:%s%s", "", env("REDIS_PORT"), suffix);
    return b;
}

/* Connection tracker: every state change and on_up call, plus optional actions. */
struct track {
    struct rconn *rc;
    int ups;
    int nstates;
    enum rconn_state states[512];
    unsigned attempts[512];
    unsigned delays[512];
    char error[256];
    int close_on_state; /* 1 + state: rconn_close inside the state callback */
    int close_on_up;
    /* pub/sub */
    const char *sub_channel, *sub_pattern;
    int confirmations, messages;
    char last_kind[32], last_channel[64], last_pattern[64], last_payload[64];
    long long last_count;
    int close_on_message;
    int closed_in_callback;
};

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

static struct rconn *open_url(const char *url, const struct rconn_opts *o, struct track *t)
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

/* Reply recorder. */
struct rec {
    int calls, nulls;
    int type;
    char str[256];
    size_t len;
    long long integer;
    size_t elements;
    enum rconn_state state_at_call;
    int close_on_reply;
    long long expect; /* for ordered INCR checks */
    int out_of_order;
};

static void r_reply(struct rconn *rc, const redisReply *r, void *pd)
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

static int has_state(const struct track *t, enum rconn_state st)
{
    for (int i = 0; i < t->nstates; i++)
        if (t->states[i] == st)
            return 1;
    return 0;
}

/* Runs one command on a short-lived connection and waits for its reply (setup and checks). */
static void admin(struct rconn *rc, struct rec *x, const char *fmt, const char *arg)
{
    memset(x, 0, sizeof(*x));
    if (rconn_command(rc, r_reply, x, fmt, arg) < 0) {
        x->calls = -1;
        return;
    }
    RUN_UNTIL(x->calls > 0, 10);
}

static pid_t server_pid(void)
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

static pid_t stopped_pid;

static void wake_server(void)
{
    if (stopped_pid > 0)
        kill(stopped_pid, SIGCONT);
    stopped_pid = 0;
}

/* ---------------------------------------------------------------------------------------------
 * pure: backoff, block detection, message parsing, address resolution
 * ------------------------------------------------------------------------------------------ */

static redisReply *resp_n(const char *bytes, size_t n)
{
    redisReader *r = redisReaderCreate();
    redisReaderFeed(r, bytes, n);
    void *rep = NULL;
    if (redisReaderGetReply(r, &rep) != REDIS_OK)
        rep = NULL;
    redisReaderFree(r);
    return rep;
}

static redisReply *resp(const char *bytes)
{
    return resp_n(bytes, strlen(bytes));
}

static void scenario_pure(void)
{
    static const unsigned want[] = {100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000};
    int exact = 1;
    for (unsigned i = 0; i < 9; i++)
        exact &= rconn_backoff_ms(i + 1, 100, 5000, NULL) == want[i];
    check("backoff_doubles_to_cap", exact, "100,200,...,5000 expected");
    check("backoff_huge_attempt_capped", rconn_backoff_ms(1000000, 100, 5000, NULL) == 5000,
          "got %u", rconn_backoff_ms(1000000, 100, 5000, NULL));

    struct synth_rng rng;
    synth_seed(&rng, 42);
    unsigned lo = ~0u, hi = 0;
    double sum = 0;
    int n = 20000;
    for (int i = 0; i < n; i++) {
        unsigned d = rconn_backoff_ms(3, 100, 5000, &rng);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
        sum += d;
    }
    check("backoff_jitter_within_20pct", lo >= 320 && hi <= 480, "range %u..%u", lo, hi);
    check("backoff_jitter_spread", lo < 330 && hi > 470 && sum / n > 395 && sum / n < 405,
          "range %u..%u mean %.1f", lo, hi, sum / n);
    /* Delays with jitter still grow strictly until the cap: 0.8 * 2d > 1.2 * d. */
    int grows = 1;
    for (int k = 0; k < 1000; k++)
        for (unsigned a = 1; a < 6; a++)
            grows &=
                rconn_backoff_ms(a + 1, 100, 5000, &rng) > rconn_backoff_ms(a, 100, 5000, &rng);
    check("backoff_jitter_monotonic_below_cap", grows, "a delay did not grow");

    struct {
        const char *words[10];
        long long want;
    } cases[] = {
        {{"XREAD", "COUNT", "10", "BLOCK", "1500", "STREAMS", "s", "0"}, 1500},
        {{"xreadgroup", "GROUP", "g", "c", "block", "0", "STREAMS", "s", ">"}, 0},
        {{"XREAD", "STREAMS", "s", "0"}, -1},
        {{"XREAD", "STREAMS", "BLOCK", "5", "0", "0"}, -1}, /* a stream named BLOCK */
        {{"XREAD", "BLOCK", "abc", "STREAMS", "s", "0"}, -1},
        {{"BLPOP", "a", "b", "2.5"}, 2500},
        {{"BRPOP", "a", "0"}, 0},
        {{"BZPOPMIN", "z", "0.0004"}, 1},
        {{"BRPOPLPUSH", "a", "b", "1"}, 1000},
        {{"BLMOVE", "a", "b", "LEFT", "RIGHT", "3"}, 3000},
        {{"BLMPOP", "0.5", "2", "a", "b", "LEFT"}, 500},
        {{"BZMPOP", "2", "1", "z", "MIN"}, 2000},
        {{"WAIT", "1", "100"}, 100},
        {{"blpop", "a", "-1"}, -1},
        {{"GET", "k"}, -1},
        {{"XADD", "s", "*", "BLOCK", "1"}, -1},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int argc = 0;
        while (argc < 10 && cases[i].words[argc])
            argc++;
        long long got = rconn_block_ms(argc, cases[i].words, NULL);
        char name[64];
        snprintf(name, sizeof(name), "block_ms_%zu_%s", i, cases[i].words[0]);
        check(name, got == cases[i].want, "got %lld want %lld", got, cases[i].want);
    }

    struct rconn_msg m;
    static const char raw[] = "*3\r\n$7\r\nmessage\r\n$3\r\nch1\r\n$5\r\nhe\0lo\r\n";
    redisReply *r = resp_n(raw, sizeof(raw) - 1);
    int okm = r && rconn_message_parse(r, &m) == 0 && strcmp(m.kind, "message") == 0 &&
              m.channel_len == 3 && memcmp(m.channel, "ch1", 3) == 0 && m.payload_len == 5 &&
              memcmp(m.payload, "he\0lo", 5) == 0 && m.pattern == NULL;
    check("msg_parse_message", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n$1\r\nx\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.pattern_len == 2 && m.channel_len == 2 &&
          memcmp(m.channel, "pq", 2) == 0 && m.payload_len == 1;
    check("msg_parse_pmessage", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:3\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.count == 3 && m.payload == NULL &&
          m.channel_len == 2;
    check("msg_parse_subscribe", okm, "bad parse");
    freeReplyObject(r);
    r = resp("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
    okm = r && rconn_message_parse(r, &m) == 0 && m.count == 0 && m.channel == NULL;
    check("msg_parse_unsubscribe_nil", okm, "bad parse");
    freeReplyObject(r);
    static const char *bad[] = {"*2\r\n$7\r\nmessage\r\n$3\r\nch1\r\n", ":1\r\n",
                                "*3\r\n:1\r\n$1\r\na\r\n$1\r\nb\r\n",
                                "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n$1\r\nx\r\n",
                                "*4\r\n$8\r\npmessage\r\n$2\r\np*\r\n$2\r\npq\r\n:1\r\n"};
    int rejects = 1;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        r = resp(bad[i]);
        rejects &= r != NULL && rconn_message_parse(r, &m) == -1;
        freeReplyObject(r);
    }
    check("msg_parse_rejects_malformed", rejects && rconn_message_parse(NULL, &m) == -1,
          "a malformed event was accepted");

    char err[256];
    struct redisaddr *a = redisaddr_new("redis://ops:pw@localhost:7001/3", err, sizeof(err));
    check("addr_resolves_localhost",
          a && (strcmp(a->ip, "127.0.0.1") == 0 || strcmp(a->ip, "::1") == 0) &&
              strcmp(a->display, "redis://ops@localhost:7001/3") == 0 &&
              strcmp(a->url.password, "pw") == 0,
          "ip %s display %s", a ? a->ip : "-", a ? a->display : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://[::1]:6380", err, sizeof(err));
    check("addr_ipv6_literal", a && strcmp(a->ip, "::1") == 0, "%s", a ? a->ip : err);
    redisaddr_free(a);
    a = redisaddr_new("unix:///tmp/x.sock?db=1", err, sizeof(err));
    check("addr_unix_no_ip", a && a->ip[0] == '\0' && strcmp(a->url.path, "/tmp/x.sock") == 0, "%s",
          a ? a->ip : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://:topsecret@no-such-host.invalid:1", err, sizeof(err));
    check("addr_unresolvable",
          a == NULL && strstr(err, "cannot resolve Redis host") &&
              strstr(err, "no-such-host.invalid") && !strstr(err, "topsecret"),
          "%s", a ? "resolved" : err);
    redisaddr_free(a);
    a = redisaddr_new("redis://h:99999", err, sizeof(err));
    check("addr_parse_error_passed_on", a == NULL && strstr(err, "port"), "%s", err);
    redisaddr_free(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * basic: connect, commands, queueing before up, refusals
 * ------------------------------------------------------------------------------------------ */

static void scenario_basic(void)
{
    struct track t = {0};
    struct rconn_opts o = {.name = "basic"};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    check("new_state_connecting", rconn_get_state(rc) == RCONN_CONNECTING && t.nstates == 0,
          "state %s, %d callbacks", rconn_state_name(rconn_get_state(rc)), t.nstates);

    struct rec set = {0}, get = {0};
    int rv = rconn_command(rc, r_reply, &set, "SET wr:test:basic %s", "hello");
    check("queued_before_up_no_sync_callback", rv == 0 && set.calls == 0, "rv %d calls %d", rv,
          set.calls);
    rconn_command(rc, r_reply, &get, "GET wr:test:basic");
    check("pending_counts_waiting", rconn_pending(rc) == 2, "%zu", rconn_pending(rc));

    RUN_UNTIL(t.ups == 1 && get.calls == 1, 10);
    check("connect_up",
          t.ups == 1 && rconn_get_state(rc) == RCONN_UP && t.nstates == 1 &&
              t.states[0] == RCONN_UP,
          "ups %d states %d", t.ups, t.nstates);
    check("queued_commands_sent_in_order",
          set.calls == 1 && set.type == REDIS_REPLY_STATUS && strcmp(set.str, "OK") == 0 &&
              get.calls == 1 && strcmp(get.str, "hello") == 0,
          "set %d/%s get %d/%s", set.calls, set.str, get.calls, get.str);
    char want[128];
    snprintf(want, sizeof(want), "redis://127.0.0.1:%s", env("REDIS_PORT"));
    check("display", strcmp(rconn_display(rc), want) == 0, "%s", rconn_display(rc));

    const char *argv[3] = {"SET", "wr:test:bin", "a\0b"};
    size_t lens[3] = {3, 11, 3};
    struct rec bset = {0}, bget = {0}, err = {0}, info = {0};
    rconn_command_argv(rc, r_reply, &bset, 3, argv, lens);
    rconn_command(rc, r_reply, &bget, "GET %s", "wr:test:bin");
    rconn_command(rc, r_reply, &err, "INCR wr:test:bin");
    rconn_command(rc, r_reply, &info, "CLIENT INFO");
    RUN_UNTIL(info.calls == 1, 10);
    check("argv_binary_safe", bget.len == 3 && memcmp(bget.str, "a\0b", 3) == 0, "len %zu",
          bget.len);
    check("error_reply_is_not_null",
          err.calls == 1 && err.nulls == 0 && err.type == REDIS_REPLY_ERROR, "type %d nulls %d",
          err.type, err.nulls);
    check("client_setname", strstr(info.str, "name=warroom-basic ") != NULL, "%s", info.str);

    enum { N = 2000 };
    static struct rec incr[N];
    struct rec del;
    admin(rc, &del, "DEL %s", "wr:test:ctr");
    for (int i = 0; i < N; i++) {
        memset(&incr[i], 0, sizeof(incr[i]));
        incr[i].expect = i + 1;
        rconn_command(rc, r_reply, &incr[i], "INCR wr:test:ctr");
    }
    RUN_UNTIL(incr[N - 1].calls == 1, 20);
    int once = 1, order = 1;
    for (int i = 0; i < N; i++) {
        once &= incr[i].calls == 1 && incr[i].nulls == 0;
        order &= !incr[i].out_of_order;
    }
    check("pipeline_2000_each_once_in_order", once && order, "once %d order %d", once, order);
    check("pending_zero_when_idle", rconn_pending(rc) == 0, "%zu", rconn_pending(rc));

    struct rec never = {0};
    int refused = rconn_command(rc, r_reply, &never, "SUBSCRIBE x") == -1 &&
                  rconn_command(rc, r_reply, &never, "psubscribe x") == -1 &&
                  rconn_command(rc, r_reply, &never, "UNSUBSCRIBE") == -1 &&
                  rconn_command(rc, r_reply, &never, "MONITOR") == -1 &&
                  rconn_command(rc, r_reply, &never, "XREAD BLOCK 10 STREAMS s 0") == -1 &&
                  rconn_command(rc, r_reply, &never, "BLPOP k 1") == -1 &&
                  rconn_command_argv(rc, r_reply, &never, 0, argv, NULL) == -1 &&
                  rconn_subscribe(rc, "x", 0) == -1 && rconn_unsubscribe(rc, NULL, 0) == -1;
    struct rec xr = {0};
    int nonblocking_xread = rconn_command(rc, r_reply, &xr, "XREAD STREAMS wr:test:none 0") == 0;
    RUN_UNTIL(xr.calls == 1, 10);
    check("command_mode_refusals", refused && never.calls == 0, "refused %d calls %d", refused,
          never.calls);
    check("command_mode_xread_without_block",
          nonblocking_xread && xr.calls == 1 && xr.type == REDIS_REPLY_NIL, "type %d", xr.type);
    struct rec ignored_reply = {0};
    check("null_callback_allowed", rconn_command(rc, NULL, NULL, "PING") == 0, "refused");
    admin(rc, &ignored_reply, "ECHO %s", "after");
    check("after_null_callback", strcmp(ignored_reply.str, "after") == 0, "%s", ignored_reply.str);
    rconn_close(rc);
}

/* unix socket with ?db=N; the TCP URL /db form */
static void scenario_unix(void)
{
    char url[512];
    snprintf(url, sizeof(url), "unix://%s?db=2", env("REDIS_SOCK"));
    struct track t = {0}, t0 = {0}, t2 = {0};
    struct rconn_opts o = {.name = "unix"};
    struct rconn *rc = open_url(url, &o, &t);
    struct rconn *r0 = open_url(tcp_url(""), NULL, &t0);
    struct rconn *r2 = open_url(tcp_url("/2"), NULL, &t2);
    RUN_UNTIL(t.ups && t0.ups && t2.ups, 10);
    check("unix_up",
          t.ups == 1 && strncmp(rconn_display(rc), "unix:///", 8) == 0 &&
              strstr(rconn_display(rc), "?db=2"),
          "ups %d display %s", t.ups, rconn_display(rc));
    struct rec info, set, get0, get2;
    admin(rc, &info, "CLIENT %s", "INFO");
    check("unix_selected_db", strstr(info.str, " db=2 ") != NULL, "%s", info.str);
    admin(rc, &set, "SET wr:test:db2 %s", "two");
    admin(r0, &get0, "GET %s", "wr:test:db2");
    admin(r2, &get2, "GET %s", "wr:test:db2");
    check("db_isolation", get0.type == REDIS_REPLY_NIL && strcmp(get2.str, "two") == 0,
          "db0 type %d db2 %s", get0.type, get2.str);
    rconn_close(rc);
    rconn_close(r0);
    rconn_close(r2);
}

/* ---------------------------------------------------------------------------------------------
 * auth: password, ACL user, wrong password, slow retry, SELECT refusal
 * ------------------------------------------------------------------------------------------ */

static void scenario_auth(void)
{
    struct track ta = {0};
    struct rconn *adm = open_url(tcp_url(""), NULL, &ta);
    RUN_UNTIL(ta.ups == 1, 10);
    struct rec x;
    admin(adm, &x, "CONFIG SET requirepass %s", "s3cret");
    admin(adm, &x, "ACL SETUSER alice on >%s ~* &* +@all", "alice-pw");
    check("auth_setup", x.type == REDIS_REPLY_STATUS, "%s", x.str);

    struct track tg = {0}, tb = {0}, tn = {0}, tu = {0}, tub = {0}, tdb = {0};
    struct rconn_opts never = {.auth_retry_ms = RCONN_NEVER, .command_timeout_ms = 500};
    struct rconn *good = open_url(tcp_url(""), NULL, &tg);
    rconn_close(good); /* a close before the first attempt: no callback, nothing leaks */
    check("close_before_first_attempt", tg.nstates == 0, "%d states", tg.nstates);
    char url[256];
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%s", env("REDIS_PORT"));
    good = open_url(url, NULL, &tg);
    snprintf(url, sizeof(url), "redis://:nope@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *bad = open_url(url, &never, &tb);
    struct rec queued = {0};
    rconn_command(bad, r_reply, &queued, "GET %s", "k");
    struct rconn *nopass = open_url(tcp_url(""), &never, &tn);
    snprintf(url, sizeof(url), "redis://alice:alice-pw@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *user = open_url(url, NULL, &tu);
    snprintf(url, sizeof(url), "redis://alice:wrong@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *userbad = open_url(url, &never, &tub);
    snprintf(url, sizeof(url), "redis://:s3cret@127.0.0.1:%s/99", env("REDIS_PORT"));
    struct rconn *baddb = open_url(url, &never, &tdb);

    RUN_UNTIL(tg.ups && tb.nstates && tn.nstates && tu.ups && tub.nstates && tdb.nstates, 10);
    struct rec ping;
    admin(good, &ping, "PING%s", "");
    check("auth_password_ok", tg.ups == 1 && strcmp(ping.str, "PONG") == 0, "ups %d ping %s",
          tg.ups, ping.str);
    check("auth_wrong_password_fails_at_once",
          tb.nstates == 1 && tb.states[0] == RCONN_AUTH_FAILED && tb.attempts[0] == 1 &&
              strncmp(tb.error, "WRONGPASS", 9) == 0,
          "states %d first %s attempt %u error '%s'", tb.nstates,
          tb.nstates ? rconn_state_name(tb.states[0]) : "-", tb.attempts[0], tb.error);
    check("auth_failed_fails_waiting_command",
          queued.calls == 1 && queued.nulls == 1 && queued.state_at_call == RCONN_AUTH_FAILED,
          "calls %d nulls %d", queued.calls, queued.nulls);
    check("auth_no_password_noauth",
          tn.nstates == 1 && tn.states[0] == RCONN_AUTH_FAILED && strstr(tn.error, "NOAUTH"),
          "states %d error '%s'", tn.nstates, tn.error);
    struct rec who;
    admin(user, &who, "ACL %s", "WHOAMI");
    check("auth_acl_user_ok", tu.ups == 1 && strcmp(who.str, "alice") == 0, "whoami %s", who.str);
    check("auth_acl_user_wrong_password",
          tub.nstates == 1 && tub.states[0] == RCONN_AUTH_FAILED &&
              strncmp(tub.error, "WRONGPASS", 9) == 0,
          "error '%s'", tub.error);
    check("auth_select_out_of_range",
          tdb.nstates == 1 && tdb.states[0] == RCONN_AUTH_FAILED && strstr(tdb.error, "DB index"),
          "error '%s'", tdb.error);

    /* RCONN_NEVER: no further attempt however long we wait. */
    run_for(0.4);
    check("auth_never_retry_stays_put",
          tb.nstates == 1 && rconn_attempt(bad) == 1 && rconn_retry_delay_ms(bad) == 0 &&
              rconn_get_state(bad) == RCONN_AUTH_FAILED,
          "states %d attempt %u", tb.nstates, rconn_attempt(bad));
    struct rec late = {0};
    rconn_command(bad, r_reply, &late, "PING");
    check("auth_failed_accepts_then_times_out", late.calls == 0, "sync callback");

    /* Slow retry: quiet AUTH_FAILED attempts, then the server is fixed and it comes up. */
    struct track ts = {0};
    struct rconn_opts slow = {.auth_retry_ms = 150};
    snprintf(url, sizeof(url), "redis://:later@127.0.0.1:%s", env("REDIS_PORT"));
    struct rconn *retry = open_url(url, &slow, &ts);
    RUN_UNTIL(ts.nstates >= 3, 10);
    int all_af = ts.nstates >= 3;
    for (int i = 0; i < ts.nstates; i++)
        all_af &= ts.states[i] == RCONN_AUTH_FAILED && ts.attempts[i] == (unsigned)i + 1 &&
                  ts.delays[i] >= 120 && ts.delays[i] <= 180;
    check("auth_slow_retry", all_af, "states %d delay %u", ts.nstates, ts.delays[0]);
    admin(adm, &x, "CONFIG SET requirepass %s", "later");
    RUN_UNTIL(ts.ups == 1, 10);
    check("auth_heals_when_server_fixed",
          ts.ups == 1 && ts.states[ts.nstates - 1] == RCONN_UP &&
              !has_state(&ts, RCONN_RECONNECTING) && rconn_attempt(retry) == 0 &&
              rconn_last_error(retry)[0] == '\0',
          "ups %d", ts.ups);

    admin(adm, &x, "CONFIG SET requirepass %s", "");
    admin(adm, &x, "ACL DELUSER %s", "alice");
    RUN_UNTIL(late.calls == 1, 10);
    check("auth_failed_command_gets_null_by_timeout", late.calls == 1 && late.nulls == 1,
          "calls %d", late.calls);
    rconn_close(good);
    rconn_close(bad);
    rconn_close(nopass);
    rconn_close(user);
    rconn_close(userbad);
    rconn_close(baddb);
    rconn_close(retry);
    rconn_close(adm);
}

/* ---------------------------------------------------------------------------------------------
 * unreachable: refused connects with growing delays; a server that never answers
 * ------------------------------------------------------------------------------------------ */

static void scenario_unreachable(void)
{
    char url[128];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%s", env("RCONN_CLOSED_PORT"));
    struct track t = {0};
    struct rconn_opts o = {.backoff_min_ms = 20, .backoff_max_ms = 160, .seed = 7};
    struct rconn *rc = open_url(url, &o, &t);
    RUN_UNTIL(t.nstates >= 8, 15);
    int states_ok = t.nstates >= 8, delays_ok = 1;
    unsigned nominal = 20;
    for (int i = 0; i < t.nstates && i < 8; i++) {
        states_ok &= t.states[i] == RCONN_RECONNECTING && t.attempts[i] == (unsigned)i + 1;
        delays_ok &= t.delays[i] >= nominal * 8 / 10 && t.delays[i] <= nominal * 12 / 10;
        if (i < 3)
            delays_ok &= t.delays[i + 1] > t.delays[i];
        nominal = nominal * 2 > 160 ? 160 : nominal * 2;
    }
    check("unreachable_reconnecting_attempts", states_ok, "%d states", t.nstates);
    check("unreachable_delays_grow_and_cap", delays_ok, "delays %u %u %u %u %u", t.delays[0],
          t.delays[1], t.delays[2], t.delays[3], t.delays[4]);
    check("unreachable_error_text", strstr(t.error, "refused") != NULL, "'%s'", t.error);
    check("unreachable_never_up", t.ups == 0 && !has_state(&t, RCONN_UP), "ups %d", t.ups);
    rconn_close(rc);

    /* A listener that never accepts: TCP connects, the handshake never gets an answer. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
        check("connect_timeout_setup", 0, "%s", strerror(errno));
        return;
    }
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", ntohs(sa.sin_port));
    struct track ts = {0};
    struct rconn_opts so = {.connect_timeout_ms = 150, .backoff_min_ms = 10};
    struct rconn *silent = open_url(url, &so, &ts);
    struct rec q = {0};
    rconn_command(silent, r_reply, &q, "PING");
    RUN_UNTIL(ts.nstates >= 3, 10);
    check("connect_timeout_fires",
          ts.nstates >= 3 && ts.states[0] == RCONN_RECONNECTING &&
              strcmp(ts.error, "connect timed out after 150 ms") == 0,
          "states %d error '%s'", ts.nstates, ts.error);
    rconn_close(silent);
    check("connect_timeout_waiting_command_null_on_close", q.calls == 1 && q.nulls == 1, "calls %d",
          q.calls);
    close(fd);
}

/* ---------------------------------------------------------------------------------------------
 * restart: the server goes away and comes back; on_up fires again; data survives (AOF)
 * ------------------------------------------------------------------------------------------ */

static void scenario_restart(void)
{
    struct track t = {0};
    struct rconn_opts o = {
        .command_timeout_ms = 20000, .backoff_min_ms = 50, .backoff_max_ms = 400};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    RUN_UNTIL(t.ups == 1, 10);
    struct rec x;
    admin(rc, &x, "SET wr:test:restart %s", "kept");
    check("restart_setup", t.ups == 1 && strcmp(x.str, "OK") == 0, "ups %d", t.ups);

    int rv = system(env("RCONN_STOP_CMD"));
    check("restart_server_stopped", rv == 0, "stop command returned %d", rv);
    RUN_UNTIL(rconn_attempt(rc) >= 3, 15);
    check("restart_reconnecting",
          rconn_get_state(rc) == RCONN_RECONNECTING && rconn_attempt(rc) >= 3 &&
              t.states[t.nstates - 1] == RCONN_RECONNECTING,
          "state %s attempt %u", rconn_state_name(rconn_get_state(rc)), rconn_attempt(rc));
    struct rec q = {0};
    rconn_command(rc, r_reply, &q, "GET wr:test:restart");

    rv = system(env("RCONN_START_CMD"));
    check("restart_server_started", rv == 0, "start command returned %d", rv);
    RUN_UNTIL(t.ups == 2 && q.calls == 1, 15);
    check("restart_up_again_on_up_fires",
          t.ups == 2 && rconn_get_state(rc) == RCONN_UP && rconn_attempt(rc) == 0,
          "ups %d state %s", t.ups, rconn_state_name(rconn_get_state(rc)));
    check("restart_waiting_command_delivered_after_reconnect",
          q.calls == 1 && q.nulls == 0 && strcmp(q.str, "kept") == 0, "calls %d nulls %d '%s'",
          q.calls, q.nulls, q.str);
    int seq = 0; /* UP, RECONNECTING..., UP */
    seq = t.nstates >= 3 && t.states[0] == RCONN_UP && t.states[1] == RCONN_RECONNECTING &&
          t.attempts[1] == 1 && t.states[t.nstates - 1] == RCONN_UP;
    for (int i = 1; i < t.nstates - 1; i++)
        seq &= t.states[i] == RCONN_RECONNECTING && t.attempts[i] == (unsigned)i;
    check("restart_state_sequence", seq, "%d states", t.nstates);
    rconn_close(rc);
}

/* ---------------------------------------------------------------------------------------------
 * timeout: a stopped server; a sent command and a waiting command each get NULL once
 * ------------------------------------------------------------------------------------------ */

static void scenario_timeout(void)
{
    struct track t = {0};
    struct rconn_opts o = {.command_timeout_ms = 300,
                           .connect_timeout_ms = 250,
                           .backoff_min_ms = 20,
                           .backoff_max_ms = 100};
    struct rconn *rc = open_url(tcp_url(""), &o, &t);
    RUN_UNTIL(t.ups == 1, 10);
    stopped_pid = server_pid();
    atexit(wake_server);
    if (stopped_pid <= 0 || kill(stopped_pid, SIGSTOP) < 0) {
        check("timeout_setup", 0, "cannot stop the server (pid %ld)", (long)stopped_pid);
        return;
    }
    struct rec p[3] = {{0}};
    for (int i = 0; i < 3; i++)
        rconn_command(rc, r_reply, &p[i], "PING");
    RUN_UNTIL(p[2].calls >= 1, 10);
    check("timeout_sent_commands_null_once",
          p[0].calls == 1 && p[0].nulls == 1 && p[1].calls == 1 && p[1].nulls == 1 &&
              p[2].calls == 1 && p[2].nulls == 1,
          "calls %d %d %d", p[0].calls, p[1].calls, p[2].calls);
    check("timeout_drops_connection",
          rconn_get_state(rc) == RCONN_RECONNECTING &&
              strstr(t.error, "command timed out after 300 ms"),
          "state %s error '%s'", rconn_state_name(rconn_get_state(rc)), t.error);

    struct rec w = {0};
    rconn_command(rc, r_reply, &w, "PING");
    RUN_UNTIL(w.calls >= 1, 10);
    unsigned attempts = rconn_attempt(rc);
    check("timeout_waiting_command_null_once",
          w.calls == 1 && w.nulls == 1 && w.state_at_call != RCONN_UP, "calls %d", w.calls);
    RUN_UNTIL(rconn_attempt(rc) >= attempts + 2, 10);
    check("timeout_handshake_times_out_while_stopped",
          rconn_attempt(rc) >= attempts + 2 && rconn_get_state(rc) == RCONN_RECONNECTING,
          "attempt %u error '%s'", rconn_attempt(rc), t.error);

    wake_server();
    RUN_UNTIL(t.ups == 2, 10);
    struct rec ok = {0};
    admin(rc, &ok, "ECHO %s", "back");
    check("timeout_recovers", t.ups == 2 && strcmp(ok.str, "back") == 0, "ups %d", t.ups);
    run_for(0.4);
    check("timeout_no_second_callback",
          p[0].calls == 1 && p[1].calls == 1 && p[2].calls == 1 && w.calls == 1,
          "calls %d %d %d %d", p[0].calls, p[1].calls, p[2].calls, w.calls);
    rconn_close(rc);
}

/* ---------------------------------------------------------------------------------------------
 * blocking: timeout = block + margin; BLOCK 0 has none
 * ------------------------------------------------------------------------------------------ */

static void scenario_blocking(void)
{
    struct track tb = {0}, tc = {0};
    struct rconn_opts bo = {
        .mode = RCONN_MODE_BLOCKING, .command_timeout_ms = 100, .block_margin_ms = 400};
    struct rconn *b = open_url(tcp_url(""), &bo, &tb);
    struct rconn *c = open_url(tcp_url(""), NULL, &tc);
    RUN_UNTIL(tb.ups && tc.ups, 10);
    struct rec x;
    admin(c, &x, "DEL %s", "wr:test:bs");

    struct rec r1 = {0};
    rconn_command(b, r_reply, &r1, "XREAD BLOCK 400 STREAMS wr:test:empty $");
    RUN_UNTIL(r1.calls == 1, 10);
    check("blocking_timeout_is_block_plus_margin",
          r1.calls == 1 && r1.nulls == 0 && r1.type == REDIS_REPLY_NIL &&
              rconn_get_state(b) == RCONN_UP && tb.ups == 1,
          "calls %d nulls %d type %d", r1.calls, r1.nulls, r1.type);

    struct rec r2 = {0};
    rconn_command(b, r_reply, &r2, "XREAD BLOCK 0 STREAMS wr:test:bs 0");
    run_for(0.7); /* longer than command timeout + margin: BLOCK 0 must not time out */
    check("blocking_block0_has_no_timeout", r2.calls == 0 && rconn_get_state(b) == RCONN_UP,
          "calls %d", r2.calls);
    admin(c, &x, "XADD wr:test:bs * metric %s", "cpu");
    RUN_UNTIL(r2.calls == 1, 10);
    check("blocking_block0_gets_entry",
          r2.calls == 1 && r2.type == REDIS_REPLY_ARRAY && r2.elements == 1, "type %d", r2.type);

    struct rec r3 = {0};
    check("blocking_blpop_accepted",
          rconn_command(b, r_reply, &r3, "BLPOP wr:test:list %s", "0.2") == 0, "refused");
    RUN_UNTIL(r3.calls == 1, 10);
    check("blocking_blpop_times_out_on_server", r3.calls == 1 && r3.type == REDIS_REPLY_NIL,
          "type %d nulls %d", r3.type, r3.nulls);
    rconn_close(b);
    rconn_close(c);
}

/* ---------------------------------------------------------------------------------------------
 * pubsub: subscribe in on_up, messages, resubscribe after the connection is killed
 * ------------------------------------------------------------------------------------------ */

static void scenario_pubsub(void)
{
    struct track tp = {.sub_channel = "wr:test:chat", .sub_pattern = "wr:test:al*"};
    struct track tc = {0};
    struct rconn_opts po = {.mode = RCONN_MODE_PUBSUB, .command_timeout_ms = 100, .name = "pubsub"};
    struct rconn *ps = open_url(tcp_url(""), &po, &tp);
    struct rconn *c = open_url(tcp_url(""), NULL, &tc);
    RUN_UNTIL(tp.confirmations == 2 && tc.ups, 10);
    check("pubsub_subscribed_in_on_up", tp.ups == 1 && tp.confirmations == 2, "confirm %d",
          tp.confirmations);
    struct rec x;
    admin(c, &x, "PUBLISH wr:test:chat %s", "hello");
    RUN_UNTIL(tp.messages == 1, 10);
    check("pubsub_message",
          tp.messages == 1 && strcmp(tp.last_kind, "message") == 0 &&
              strcmp(tp.last_channel, "wr:test:chat") == 0 && strcmp(tp.last_payload, "hello") == 0,
          "messages %d kind %s", tp.messages, tp.last_kind);
    admin(c, &x, "PUBLISH wr:test:alerts %s", "fire");
    RUN_UNTIL(tp.messages == 2, 10);
    check("pubsub_pmessage",
          tp.messages == 2 && strcmp(tp.last_kind, "pmessage") == 0 &&
              strcmp(tp.last_pattern, "wr:test:al*") == 0 &&
              strcmp(tp.last_channel, "wr:test:alerts") == 0,
          "kind %s pattern %s", tp.last_kind, tp.last_pattern);
    struct rec never = {0};
    check("pubsub_refuses_commands",
          rconn_command(ps, r_reply, &never, "PING") == -1 &&
              rconn_command(ps, r_reply, &never, "SUBSCRIBE x") == -1,
          "accepted");
    run_for(0.3); /* longer than the command timeout: subscriptions have none */
    check("pubsub_no_timeout_on_subscription", tp.ups == 1 && rconn_get_state(ps) == RCONN_UP,
          "ups %d", tp.ups);

    admin(c, &x, "CLIENT KILL TYPE %s", "pubsub");
    RUN_UNTIL(tp.ups == 2 && tp.confirmations == 4, 10);
    check("pubsub_resubscribes_after_reconnect",
          tp.ups == 2 && tp.confirmations == 4 && has_state(&tp, RCONN_RECONNECTING),
          "ups %d confirmations %d", tp.ups, tp.confirmations);
    admin(c, &x, "PUBLISH wr:test:chat %s", "again");
    RUN_UNTIL(tp.messages == 3, 10);
    check("pubsub_message_after_reconnect",
          tp.messages == 3 && strcmp(tp.last_payload, "again") == 0, "messages %d", tp.messages);
    check("pubsub_unsubscribe", rconn_unsubscribe(ps, "wr:test:chat", 0) == 0, "refused");
    RUN_UNTIL(strcmp(tp.last_kind, "unsubscribe") == 0, 10);
    check("pubsub_unsubscribe_confirmed",
          strcmp(tp.last_kind, "unsubscribe") == 0 && tp.last_count == 1, "kind %s count %lld",
          tp.last_kind, tp.last_count);
    admin(c, &x, "PUBLISH wr:test:chat %s", "unheard");
    check("pubsub_unsubscribed_channel_silent", x.integer == 0, "receivers %lld", x.integer);

    /* Close from inside the message callback. */
    tp.close_on_message = 1;
    admin(c, &x, "PUBLISH wr:test:alerts %s", "last");
    RUN_UNTIL(tp.closed_in_callback, 10);
    run_for(0.1);
    check("pubsub_close_inside_message_callback", tp.closed_in_callback && tp.messages == 4,
          "messages %d", tp.messages);
    rconn_close(c);
}

/* ---------------------------------------------------------------------------------------------
 * close: pending commands get NULL once, inside close; close from inside callbacks
 * ------------------------------------------------------------------------------------------ */

enum { NREC = 100 };
static struct rec recs[NREC];

static int all_once_null(int from, int to, int *bad_state)
{
    int ok = 1;
    *bad_state = 0;
    for (int i = from; i < to; i++) {
        ok &= recs[i].calls == 1 && recs[i].nulls == 1;
        *bad_state |= recs[i].calls && recs[i].state_at_call != RCONN_CLOSED;
    }
    return ok;
}

static void scenario_close(void)
{
    int bad_state = 0;
    /* a) close while UP with 100 commands in flight */
    struct track t = {0};
    struct rconn *rc = open_url(tcp_url(""), NULL, &t);
    RUN_UNTIL(t.ups == 1, 10);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < NREC; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    rconn_close(rc);
    int all = all_once_null(0, NREC, &bad_state);
    check("close_pending_null_inside_close", all && !bad_state,
          "once %d, state seen in callback not CLOSED: %d", all, bad_state);
    run_for(0.2);
    check("close_no_callback_after_close", all_once_null(0, NREC, &bad_state),
          "a callback ran after close");
    check("close_no_state_callback", t.nstates == 1, "%d state callbacks", t.nstates);

    /* b) close from inside a reply callback with more replies pending */
    memset(&t, 0, sizeof(t));
    rc = open_url(tcp_url(""), NULL, &t);
    RUN_UNTIL(t.ups == 1, 10);
    memset(recs, 0, sizeof(recs));
    recs[0].close_on_reply = 1;
    for (int i = 0; i < 50; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    RUN_UNTIL(recs[0].calls == 1, 10);
    int first_ok = recs[0].calls == 1 && recs[0].nulls == 0 && strcmp(recs[0].str, "PONG") == 0;
    check("close_inside_reply_callback", first_ok && all_once_null(1, 50, &bad_state), "first %d",
          first_ok);
    run_for(0.2);
    check("close_inside_reply_no_late_callbacks",
          recs[0].calls == 1 && all_once_null(1, 50, &bad_state), "late callback");

    /* c) close while reconnecting, commands waiting */
    char url[128];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%s", env("RCONN_CLOSED_PORT"));
    memset(&t, 0, sizeof(t));
    struct rconn_opts fast = {.backoff_min_ms = 10};
    rc = open_url(url, &fast, &t);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < 10; i++)
        rconn_command(rc, r_reply, &recs[i], "GET k");
    RUN_UNTIL(rconn_attempt(rc) >= 2, 10);
    check("close_reconnecting_setup", rconn_pending(rc) == 10, "%zu", rconn_pending(rc));
    rconn_close(rc);
    check("close_while_reconnecting", all_once_null(0, 10, &bad_state), "calls %d", recs[0].calls);

    /* d) close inside the state callback after the server kills the connection */
    struct track ta = {0}, tv = {.close_on_state = 1 + RCONN_RECONNECTING};
    struct rconn *adm = open_url(tcp_url(""), NULL, &ta);
    struct rconn *victim = open_url(tcp_url(""), NULL, &tv);
    RUN_UNTIL(ta.ups && tv.ups, 10);
    struct rec id, kill;
    admin(victim, &id, "CLIENT %s", "ID");
    char idbuf[32];
    snprintf(idbuf, sizeof(idbuf), "%lld", id.integer);
    admin(adm, &kill, "CLIENT KILL ID %s", idbuf);
    RUN_UNTIL(tv.closed_in_callback, 10);
    run_for(0.1);
    check("close_inside_state_callback",
          tv.closed_in_callback && kill.integer == 1 && tv.nstates == 2,
          "closed %d killed %lld states %d", tv.closed_in_callback, kill.integer, tv.nstates);

    /* e) close inside a NULL callback while hiredis tears down a failed connection */
    struct track tb = {0};
    struct rconn_opts bo = {.mode = RCONN_MODE_BLOCKING};
    struct rconn *b = open_url(tcp_url(""), &bo, &tb);
    RUN_UNTIL(tb.ups, 10);
    admin(b, &id, "CLIENT %s", "ID");
    snprintf(idbuf, sizeof(idbuf), "%lld", id.integer);
    memset(recs, 0, sizeof(recs));
    recs[0].close_on_reply = 1;
    rconn_command(b, r_reply, &recs[0], "XREAD BLOCK 5000 STREAMS wr:test:never $");
    rconn_command(b, r_reply, &recs[1], "XREAD BLOCK 5000 STREAMS wr:test:never $");
    run_for(0.1);
    admin(adm, &kill, "CLIENT KILL ID %s", idbuf);
    RUN_UNTIL(recs[0].calls == 1, 10);
    run_for(0.1);
    check("close_inside_null_callback_of_dying_context",
          recs[0].calls == 1 && recs[0].nulls == 1 && recs[1].calls == 1 && recs[1].nulls == 1 &&
              recs[1].state_at_call == RCONN_CLOSED && tb.nstates == 1,
          "calls %d %d states %d", recs[0].calls, recs[1].calls, tb.nstates);

    /* f) close inside on_up, with commands that were waiting for it (already sent by then) */
    struct track tu = {.close_on_up = 1};
    rc = open_url(tcp_url(""), NULL, &tu);
    memset(recs, 0, sizeof(recs));
    for (int i = 0; i < 5; i++)
        rconn_command(rc, r_reply, &recs[i], "PING");
    RUN_UNTIL(tu.closed_in_callback, 10);
    run_for(0.1);
    check("close_inside_on_up", tu.closed_in_callback && all_once_null(0, 5, &bad_state),
          "calls %d", recs[0].calls);
    rconn_close(adm);
    rconn_close(NULL);
}

/* ---------------------------------------------------------------------------------------------
 * localredis: probe, start, reuse, stop
 * ------------------------------------------------------------------------------------------ */

static int dir_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) ? (int)(st.st_mode & 0777) : -1;
}

static pid_t pid_in(const char *pidfile)
{
    FILE *f = fopen(pidfile, "r");
    long v = 0;
    if (f) {
        if (fscanf(f, "%ld", &v) != 1)
            v = 0;
        fclose(f);
    }
    return (pid_t)v;
}

static void scenario_localredis(void)
{
    char err[512], want[512];
    struct localredis_paths p;
    check("local_paths", localredis_paths(&p, err, sizeof(err)) == 0, "%s", err);
    snprintf(want, sizeof(want), "%s/warroom/redis.sock", env("XDG_RUNTIME_DIR"));
    check("local_paths_xdg", strcmp(p.sock, want) == 0, "%s", p.sock);

    struct localredis_opts o = {.probe_port = atoi(env("REDIS_PORT"))};
    char *url = localredis_url(&o, err, sizeof(err));
    snprintf(want, sizeof(want), "redis://127.0.0.1:%s", env("REDIS_PORT"));
    check("local_probe_uses_answering_tcp", url && strcmp(url, want) == 0, "%s", url ? url : err);
    free(url);

    o.probe_port = atoi(env("RCONN_CLOSED_PORT"));
    url = localredis_url(&o, err, sizeof(err));
    snprintf(want, sizeof(want), "unix://%s", p.sock);
    check("local_starts_private_server", url && strcmp(url, want) == 0, "%s", url ? url : err);
    free(url);
    pid_t pid = pid_in(p.pidfile);
    check("local_dirs_private", dir_mode(p.run_dir) == 0700 && dir_mode(p.state_dir) == 0700,
          "modes %o %o", dir_mode(p.run_dir), dir_mode(p.state_dir));
    check("local_pidfile", pid > 0 && kill(pid, 0) == 0, "pid %ld", (long)pid);

    o.quiet = 1;
    url = localredis_url(&o, err, sizeof(err));
    check("local_reuses_running_server", url && pid_in(p.pidfile) == pid, "%s", url ? url : err);

    struct track t = {0};
    struct rconn *rc = open_url(url ? url : "unix:///nonexistent", NULL, &t);
    free(url);
    RUN_UNTIL(t.ups == 1, 10);
    struct rec aof, dir;
    admin(rc, &aof, "CONFIG GET %s", "appendonly");
    admin(rc, &dir, "CONFIG GET %s", "port");
    check("local_server_config", t.ups == 1 && aof.elements == 2, "ups %d", t.ups);
    rconn_close(rc);

    char msg[512];
    enum localredis_stop_result sr = localredis_stop(msg, sizeof(msg));
    check("local_stop", sr == LOCALREDIS_STOPPED && strstr(msg, "stopped the private"), "%d %s", sr,
          msg);
    sr = localredis_stop(msg, sizeof(msg));
    check("local_stop_when_none",
          sr == LOCALREDIS_NOT_RUNNING && strstr(msg, "no private redis-server is running"),
          "%d %s", sr, msg);

    /* The socket file gone: stop falls back to the pid in the pidfile. */
    url = localredis_url(&o, err, sizeof(err));
    free(url);
    pid = pid_in(p.pidfile);
    unlink(p.sock);
    sr = localredis_stop(msg, sizeof(msg));
    check("local_stop_by_pidfile", pid > 0 && sr == LOCALREDIS_STOPPED, "%d %s", sr, msg);

    /* A run dir open to others is refused. */
    chmod(p.run_dir, 0755);
    url = localredis_url(&o, err, sizeof(err));
    check("local_refuses_open_run_dir", url == NULL && strstr(err, "open to other users"), "%s",
          url ? url : err);
    free(url);
    chmod(p.run_dir, 0700);

    o.redis_server = "/nonexistent/redis-server";
    url = localredis_url(&o, err, sizeof(err));
    check("local_missing_server_binary", url == NULL && strstr(err, "redis-server"), "%s",
          url ? url : err);
    free(url);

    unsetenv("XDG_RUNTIME_DIR");
    localredis_paths(&p, err, sizeof(err));
    snprintf(want, sizeof(want), "/tmp/warroom-%u/redis.sock", (unsigned)getuid());
    check("local_paths_tmp_fallback", strcmp(p.sock, want) == 0, "%s", p.sock);
}

/* ---------------------------------------------------------------------------------------------
 * main
 * ------------------------------------------------------------------------------------------ */

static const struct {
    const char *name;
    void (*run)(void);
} scenarios[] = {
    {"pure", scenario_pure},
    {"basic", scenario_basic},
    {"unix", scenario_unix},
    {"auth", scenario_auth},
    {"unreachable", scenario_unreachable},
    {"restart", scenario_restart},
    {"timeout", scenario_timeout},
    {"blocking", scenario_blocking},
    {"pubsub", scenario_pubsub},
    {"close", scenario_close},
    {"localredis", scenario_localredis},
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc != 2) {
        fprintf(stderr, "usage: rconn_test SCENARIO\n");
        return 2;
    }
    loop = ev_loop_new(EVFLAG_AUTO);
    for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
        if (strcmp(argv[1], scenarios[i].name) == 0) {
            scenarios[i].run();
            ev_loop_destroy(loop);
            return failures ? 1 : 0;
        }
    }
    fprintf(stderr, "rconn_test: unknown scenario %s\n", argv[1]);
    return 2;
}
