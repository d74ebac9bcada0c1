/* rconn.c — resilient hiredis 0.14 connection on libev (contract in rconn.h).
 * The one file in the project that includes <hiredis/adapters/libev.h>. The hard-won hiredis
 * 0.14 rules it follows are in docs/architecture.md §5.3; the comments below cite them. */
#include "app/redis/rconn.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libev.h>

#include "core/mem.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 2000
#define DEFAULT_COMMAND_TIMEOUT_MS 5000
#define DEFAULT_BLOCK_MARGIN_MS 2000
#define DEFAULT_BACKOFF_MIN_MS 100
#define DEFAULT_BACKOFF_MAX_MS 5000
#define DEFAULT_AUTH_RETRY_MS 30000

enum req_kind {
    REQ_USER, /* a caller's command */
    REQ_AUTH, /* the handshake, in the order it is sent */
    REQ_SELECT,
    REQ_SETNAME,
    REQ_PING,
};

/* One command. While it waits for the connection, rconn owns it (list "waiting"). Once handed
 * to hiredis it is in list "inflight", and hiredis owns the memory: on_reply frees it, because
 * hiredis calls every reply callback exactly once (reply, or NULL when the context dies). */
struct rconn_req {
    struct rconn *rc; /* NULL once rconn_close() orphaned it: only free it then */
    struct rconn_req *prev, *next;
    enum req_kind kind;
    rconn_reply_fn *cb;
    void *privdata;
    char *cmd; /* formatted command while waiting; NULL once sent */
    size_t len;
    redisAsyncContext *ac; /* the context it was sent on */
    double deadline;       /* ev_now() time, 0: none */
    unsigned timeout_ms;
};

struct req_list {
    struct rconn_req *head, *tail;
    size_t n;
};

struct rconn {
    struct ev_loop *loop;
    redisAsyncContext *ac; /* the live context, or NULL. A context we let go of has data NULL */
    struct rconn_opts opts;
    char *name;
    int is_unix;
    char *host; /* numeric address, or the socket path */
    int port;
    char *user, *password;
    int db;
    char *display;

    enum rconn_state state;
    unsigned attempt;
    unsigned retry_delay_ms;
    char last_error[256];
    struct synth_rng rng;

    ev_timer retry_timer;   /* next connect attempt */
    ev_timer connect_timer; /* connect + handshake deadline */
    ev_timer cmd_timer;     /* earliest command deadline */
    double cmd_timer_at;

    struct req_list waiting, inflight;
    int depth; /* rconn frames on the stack; rc is freed when it drops to 0 after close */
    int closed;
};

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);
static void conn_failed(struct rconn *rc, enum rconn_state st, const char *why);

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------ */

static void hold(struct rconn *rc)
{
    rc->depth++;
}

static void destroy(struct rconn *rc)
{
    free(rc->name);
    free(rc->host);
    free(rc->user);
    free(rc->password);
    free(rc->display);
    free(rc);
}

/* Ends a frame begun by hold(). rc may be gone after this returns. */
static void release(struct rconn *rc)
{
    if (--rc->depth == 0 && rc->closed)
        destroy(rc);
}

static void list_append(struct req_list *l, struct rconn_req *r)
{
    r->next = NULL;
    r->prev = l->tail;
    if (l->tail)
        l->tail->next = r;
    else
        l->head = r;
    l->tail = r;
    l->n++;
}

static void list_unlink(struct req_list *l, struct rconn_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        l->head = r->next;
    if (r->next)
        r->next->prev = r->prev;
    else
        l->tail = r->prev;
    r->prev = r->next = NULL;
    l->n--;
}

static void req_free(struct rconn_req *r)
{
    if (r->cmd)
        redisFreeCommand(r->cmd);
    free(r);
}

static void set_error(struct rconn *rc, const char *why)
{
    snprintf(rc->last_error, sizeof(rc->last_error), "%s", why ? why : "unknown error");
    for (char *p = rc->last_error; *p; p++) /* server text: keep the status bar sane */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* Arms a one-shot timer. Never on a closed rc: its timers must stay stopped. */
static void timer_arm(struct rconn *rc, ev_timer *t, double after_s)
{
    ev_timer_stop(rc->loop, t);
    if (rc->closed)
        return;
    ev_timer_set(t, after_s > 0 ? after_s : 0., 0.);
    ev_timer_start(rc->loop, t);
}

static void set_state(struct rconn *rc, enum rconn_state st)
{
    rc->state = st;
    if (!rc->closed && rc->opts.on_state)
        rc->opts.on_state(rc, st, rc->opts.privdata);
}

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int arg_is(const char *a, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(a, word, n) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Backoff and command classification (pure)
 * ------------------------------------------------------------------------------------------ */

unsigned rconn_backoff_ms(unsigned attempt, unsigned min_ms, unsigned max_ms, struct synth_rng *rng)
{
    double d = min_ms;
    for (unsigned i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    if (rng)
        d *= 0.8 + 0.4 * synth_uniform(rng);
    unsigned ms = (unsigned)(d + 0.5);
    return ms > 0 ? ms : 1;
}

/* Parses a non-negative integer (ms) or decimal (s, when seconds) argument into ms.
 * Returns -2 when it is not a number. */
static long long parse_timeout(const char *a, size_t n, int seconds)
{
    char buf[32];
    if (n == 0 || n >= sizeof(buf))
        return -2;
    memcpy(buf, a, n);
    buf[n] = '\0';
    char *end;
    double v = strtod(buf, &end);
    if (*end != '\0' || !(v >= 0) || v > 1e12)
        return -2;
    if (seconds)
        v *= 1000.;
    long long ms = (long long)v;
    return ms < v ? ms + 1 : ms;
}

long long rconn_block_ms(int argc, const char **argv, const size_t *argvlen)
{
    if (argc < 1)
        return -1;
#define LEN(i) (argvlen ? argvlen[i] : strlen(argv[i]))
    const char *c = argv[0];
    size_t cl = LEN(0);
    long long t = -2;
    if (arg_is(c, cl, "XREAD") || arg_is(c, cl, "XREADGROUP")) {
        for (int i = 1; i + 1 < argc; i++) {
            if (arg_is(argv[i], LEN(i), "STREAMS"))
                break;
            if (arg_is(argv[i], LEN(i), "BLOCK")) {
                t = parse_timeout(argv[i + 1], LEN(i + 1), 0);
                break;
            }
        }
        if (t == -2)
            return -1;
    } else if (arg_is(c, cl, "BLPOP") || arg_is(c, cl, "BRPOP") || arg_is(c, cl, "BZPOPMIN") ||
               arg_is(c, cl, "BZPOPMAX") || arg_is(c, cl, "BRPOPLPUSH") ||
               arg_is(c, cl, "BLMOVE")) {
        t = argc >= 2 ? parse_timeout(argv[argc - 1], LEN(argc - 1), 1) : -2;
    } else if (arg_is(c, cl, "BLMPOP") || arg_is(c, cl, "BZMPOP")) {
        t = argc >= 2 ? parse_timeout(argv[1], LEN(1), 1) : -2;
    } else if (arg_is(c, cl, "WAIT")) {
        t = argc >= 3 ? parse_timeout(argv[2], LEN(2), 0) : -2;
    } else {
        return -1;
    }
#undef LEN
    /* A malformed timeout makes the server answer at once with an error: no long block. */
    return t == -2 ? -1 : t;
}

/* Splits a formatted command ("*N\r\n$L\r\n<arg>\r\n...") into new arrays. Returns argc, or -1
 * when the text is not of that form (it always is when hiredis formatted it). */
static int split_command(const char *cmd, size_t len, const char ***argv, size_t **argvlen)
{
    const char *p = cmd, *end = cmd + len;
    char *e;
    if (len < 4 || *p != '*')
        return -1;
    long n = strtol(p + 1, &e, 10);
    if (n < 1 || n > 1000000 || e + 2 > end || e[0] != '\r')
        return -1;
    p = e + 2;
    *argv = xmalloc((size_t)n * sizeof(**argv));
    *argvlen = xmalloc((size_t)n * sizeof(**argvlen));
    for (long i = 0; i < n; i++) {
        long l = (p < end && *p == '$') ? strtol(p + 1, &e, 10) : -1;
        if (l < 0 || e + 2 > end || (size_t)(end - (e + 2)) < (size_t)l + 2) {
            free(*argv);
            free(*argvlen);
            return -1;
        }
        (*argv)[i] = e + 2;
        (*argvlen)[i] = (size_t)l;
        p = e + 2 + l + 2;
    }
    return (int)n;
}

/* ---------------------------------------------------------------------------------------------
 * Command deadlines
 * ------------------------------------------------------------------------------------------ */

/* Makes sure the command timer fires no later than deadline. */
static void deadline_add(struct rconn *rc, double deadline)
{
    if (deadline <= 0)
        return;
    if (!ev_is_active(&rc->cmd_timer) || deadline < rc->cmd_timer_at) {
        rc->cmd_timer_at = deadline;
        timer_arm(rc, &rc->cmd_timer, deadline - ev_now(rc->loop));
    }
}

/* Re-arms the command timer for the earliest deadline left, or stops it. O(pending). */
static void deadline_rearm(struct rconn *rc)
{
    double min = 0;
    struct req_list *lists[2] = {&rc->waiting, &rc->inflight};
    for (int k = 0; k < 2; k++)
        for (struct rconn_req *r = lists[k]->head; r; r = r->next)
            if (r->deadline > 0 && (min == 0 || r->deadline < min))
                min = r->deadline;
    ev_timer_stop(rc->loop, &rc->cmd_timer);
    if (min > 0)
        deadline_add(rc, min);
}

/* Fails waiting commands with NULL: all of them (all != 0) or only those past their deadline.
 * Commands queued by the callbacks themselves are left alone. Stops if rc gets closed, since
 * rconn_close() then fails the rest itself. */
static void fail_waiting(struct rconn *rc, int all)
{
    struct rconn_req *r = rc->waiting.head, *last = rc->waiting.tail;
    double now = ev_now(rc->loop);
    while (r && !rc->closed) {
        struct rconn_req *next = r == last ? NULL : r->next;
        if (all || (r->deadline > 0 && r->deadline <= now)) {
            list_unlink(&rc->waiting, r);
            if (r->cb)
                r->cb(rc, NULL, r->privdata);
            req_free(r);
        }
        r = next;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Connection life cycle
 * ------------------------------------------------------------------------------------------ */

/* Lets go of the live context. hiredis runs the pending reply callbacks with NULL, at once or,
 * when we are inside one of its callbacks, right after that callback returns (the
 * REDIS_IN_CALLBACK deferral). Its data is cleared first, so the disconnect callback and
 * subscription callbacks that follow know it is no longer ours. */
static void conn_drop(struct rconn *rc)
{
    redisAsyncContext *ac = rc->ac;
    if (ac == NULL)
        return;
    rc->ac = NULL;
    ev_timer_stop(rc->loop, &rc->connect_timer);
    ac->data = NULL;
    redisAsyncFree(ac);
    deadline_rearm(rc);
}

static void on_connect(const redisAsyncContext *cac, int status);
static void on_disconnect(const redisAsyncContext *cac, int status);

/* Starts one connect attempt. Failures that hiredis reports at once count as a failed attempt. */
static void conn_start(struct rconn *rc)
{
    rc->retry_delay_ms = 0;
    redisAsyncContext *ac =
        rc->is_unix ? redisAsyncConnectUnix(rc->host) : redisAsyncConnect(rc->host, rc->port);
    if (ac == NULL) {
        conn_failed(rc, RCONN_RECONNECTING, "out of memory");
        return;
    }
    if (ac->err) {
        char why[256];
        snprintf(why, sizeof(why), "%s", ac->errstr);
        redisAsyncFree(ac); /* never connected: no callback runs */
        conn_failed(rc, RCONN_RECONNECTING, why);
        return;
    }
    ac->data = rc;
    rc->ac = ac;
    /* Order matters (docs/architecture.md §5.3): attach first, then the connect callback arms
     * the write watcher. */
    redisLibevAttach(rc->loop, ac);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    timer_arm(rc, &rc->connect_timer, rc->opts.connect_timeout_ms / 1000.);
}

/* Records a failed attempt and arms the next one. st is RCONN_RECONNECTING (network, timeout,
 * transient server state) or RCONN_AUTH_FAILED (the server refused us). The caller has already
 * let go of the context. */
static void conn_failed(struct rconn *rc, enum rconn_state st, const char *why)
{
    ev_timer_stop(rc->loop, &rc->connect_timer);
    if (rc->closed)
        return; /* a callback run by the failure closed us */
    set_error(rc, why);
    rc->attempt++;
    unsigned delay = 0;
    if (st == RCONN_AUTH_FAILED) {
        if (rc->opts.auth_retry_ms > 0)
            delay = rconn_backoff_ms(1, (unsigned)rc->opts.auth_retry_ms,
                                     (unsigned)rc->opts.auth_retry_ms, &rc->rng);
    } else {
        delay = rconn_backoff_ms(rc->attempt, rc->opts.backoff_min_ms, rc->opts.backoff_max_ms,
                                 &rc->rng);
    }
    rc->retry_delay_ms = delay;
    if (delay > 0)
        timer_arm(rc, &rc->retry_timer, delay / 1000.);
    set_state(rc, st);
    if (st == RCONN_AUTH_FAILED && !rc->closed)
        fail_waiting(rc, 1);
}

/* Hands a request to hiredis on the live context. Returns 0, or -1 if hiredis refused it (the
 * context is dying); the request is then unchanged. */
static int req_send(struct rconn *rc, struct rconn_req *r)
{
    if (redisAsyncFormattedCommand(rc->ac, on_reply, r, r->cmd, r->len) != REDIS_OK)
        return -1;
    redisFreeCommand(r->cmd);
    r->cmd = NULL;
    r->ac = rc->ac;
    list_append(&rc->inflight, r);
    return 0;
}

/* The handshake finished: the connection is ready for the caller. */
static void conn_up(struct rconn *rc)
{
    redisAsyncContext *ac = rc->ac;
    ev_timer_stop(rc->loop, &rc->connect_timer);
    rc->attempt = 0;
    rc->retry_delay_ms = 0;
    rc->last_error[0] = '\0';
    double now = ev_now(rc->loop);
    while (rc->waiting.head) {
        struct rconn_req *r = rc->waiting.head;
        list_unlink(&rc->waiting, r);
        /* The wait is over: the reply gets the full timeout. Without this, a command that was
         * almost out of time would kill the fresh connection a moment later. */
        if (r->deadline > 0)
            r->deadline = now + r->timeout_ms / 1000.;
        if (req_send(rc, r) < 0) {
            list_append(&rc->waiting, r); /* cannot happen on a fresh context; keep it */
            break;
        }
    }
    deadline_rearm(rc);
    set_state(rc, RCONN_UP);
    if (!rc->closed && rc->ac == ac && rc->opts.on_up)
        rc->opts.on_up(rc, rc->opts.privdata);
}

/* Errors during the handshake that mean "try again soon" rather than "fix your config". */
static int transient_error(const char *e)
{
    return has_prefix(e, "LOADING") || has_prefix(e, "BUSY") || has_prefix(e, "MASTERDOWN") ||
           has_prefix(e, "TRYAGAIN") || has_prefix(e, "CLUSTERDOWN") ||
           strstr(e, "max number of clients") != NULL;
}

static void handshake_reply(struct rconn *rc, enum req_kind kind, const redisReply *reply)
{
    if (reply == NULL)
        return; /* the context is dying: on_disconnect follows and handles it */
    if (reply->type == REDIS_REPLY_ERROR && kind != REQ_SETNAME) {
        /* Redis 6+ refuses AUTH when no password is set; the connection works anyway. */
        if (kind == REQ_AUTH && strstr(reply->str, "without any password configured"))
            return;
        char why[256];
        snprintf(why, sizeof(why), "%s", reply->str);
        conn_drop(rc);
        conn_failed(rc, transient_error(why) ? RCONN_RECONNECTING : RCONN_AUTH_FAILED, why);
        return;
    }
    if (kind == REQ_PING)
        conn_up(rc);
}

/* Queues one handshake command on the live context. */
static void handshake_send(struct rconn *rc, enum req_kind kind, int argc, const char **argv)
{
    struct rconn_req *r = xcalloc(1, sizeof(*r));
    r->rc = rc;
    r->kind = kind;
    int len = redisFormatCommandArgv(&r->cmd, argc, argv, NULL);
    if (len >= 0) {
        r->len = (size_t)len;
        if (req_send(rc, r) == 0)
            return;
    }
    req_free(r); /* cannot happen inside on_connect; the connect timer would catch it */
}

/* hiredis 0.14: on failure the context is freed right after this returns and the disconnect
 * callback never comes (docs/architecture.md §5.3). On success we must not free it here, and we
 * run no caller callback here (the context is const and not marked "in callback"). */
static void on_connect(const redisAsyncContext *cac, int status)
{
    struct rconn *rc = cac->data;
    if (rc == NULL || cac != rc->ac)
        return;
    if (status != REDIS_OK) {
        char why[256];
        snprintf(why, sizeof(why), "%s", cac->errstr ? cac->errstr : "connect failed");
        rc->ac = NULL;
        hold(rc);
        conn_failed(rc, RCONN_RECONNECTING, why);
        release(rc);
        return;
    }
    if (!rc->is_unix && redisEnableKeepAlive(&rc->ac->c) != REDIS_OK) {
        rc->ac->c.err = 0; /* keepalive is a nicety; do not let hiredis treat this as fatal */
        rc->ac->c.errstr[0] = '\0';
    }
    char dbuf[16];
    if (rc->password) {
        const char *auth[3] = {"AUTH", rc->user ? rc->user : rc->password, rc->password};
        handshake_send(rc, REQ_AUTH, rc->user ? 3 : 2, auth);
    }
    if (rc->db != 0) {
        snprintf(dbuf, sizeof(dbuf), "%d", rc->db);
        const char *sel[2] = {"SELECT", dbuf};
        handshake_send(rc, REQ_SELECT, 2, sel);
    }
    if (rc->name) {
        const char *setname[3] = {"CLIENT", "SETNAME", rc->name};
        handshake_send(rc, REQ_SETNAME, 3, setname);
    }
    const char *ping[1] = {"PING"};
    handshake_send(rc, REQ_PING, 1, ping);
}

/* hiredis frees the context right after this returns: forget it, never free it here. */
static void on_disconnect(const redisAsyncContext *cac, int status)
{
    struct rconn *rc = cac->data;
    if (rc == NULL || cac != rc->ac)
        return; /* a context we already let go of */
    char why[256];
    snprintf(why, sizeof(why), "%s",
             status == REDIS_OK || cac->errstr == NULL ? "connection closed" : cac->errstr);
    rc->ac = NULL;
    hold(rc);
    deadline_rearm(rc);
    conn_failed(rc, RCONN_RECONNECTING, why);
    release(rc);
}

/* Every command's hiredis callback. */
static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct rconn_req *r = privdata;
    struct rconn *rc = r->rc;
    if (rc == NULL) { /* orphaned by rconn_close, which already called back with NULL */
        req_free(r);
        return;
    }
    list_unlink(&rc->inflight, r);
    hold(rc);
    if (r->kind == REQ_USER) {
        if (r->cb)
            r->cb(rc, reply, r->privdata);
    } else if (ac == rc->ac) {
        handshake_reply(rc, r->kind, reply);
    }
    req_free(r);
    release(rc);
}

/* Every subscription's hiredis callback (one per channel, called for each event). */
static void on_pubsub(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    struct rconn *rc = ac->data;
    if (rc == NULL || ac != rc->ac || reply == NULL)
        return; /* NULL: the context is dying; the state callback tells the owner */
    hold(rc);
    if (rc->opts.on_message)
        rc->opts.on_message(rc, reply, rc->opts.privdata);
    release(rc);
}

/* ---------------------------------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------------------------------ */

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct rconn *rc = w->data;
    hold(rc);
    conn_start(rc);
    release(rc);
}

static void connect_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct rconn *rc = w->data;
    if (rc->ac == NULL || rc->state == RCONN_UP)
        return;
    hold(rc);
    char why[64];
    snprintf(why, sizeof(why), "connect timed out after %u ms", rc->opts.connect_timeout_ms);
    conn_drop(rc);
    conn_failed(rc, RCONN_RECONNECTING, why);
    release(rc);
}

/* A command past its deadline: if it waits, it alone fails; if it was sent, the server is stuck
 * or gone, and the only way to cancel a sent command is to drop the connection (every command
 * in flight gets NULL) and reconnect. */
static void cmd_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct rconn *rc = w->data;
    double now = ev_now(loop);
    hold(rc);
    fail_waiting(rc, 0);
    if (!rc->closed && rc->ac) {
        for (struct rconn_req *r = rc->inflight.head; r; r = r->next) {
            if (r->deadline > 0 && r->deadline <= now && r->ac == rc->ac) {
                char why[64];
                snprintf(why, sizeof(why), "command timed out after %u ms", r->timeout_ms);
                conn_drop(rc);
                conn_failed(rc, RCONN_RECONNECTING, why);
                break;
            }
        }
    }
    if (!rc->closed)
        deadline_rearm(rc);
    release(rc);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------ */

static int name_ok(const char *s)
{
    if (*s == '\0' || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.:", *s))
            return 0;
    return 1;
}

struct rconn *rconn_new(struct ev_loop *loop, const struct redisaddr *addr,
                        const struct rconn_opts *opts)
{
    struct rconn *rc = xcalloc(1, sizeof(*rc));
    rc->loop = loop;
    if (opts)
        rc->opts = *opts;
    struct rconn_opts *o = &rc->opts;
    if (o->connect_timeout_ms == 0)
        o->connect_timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    if (o->command_timeout_ms == 0)
        o->command_timeout_ms = DEFAULT_COMMAND_TIMEOUT_MS;
    if (o->block_margin_ms == 0)
        o->block_margin_ms = DEFAULT_BLOCK_MARGIN_MS;
    if (o->backoff_min_ms == 0)
        o->backoff_min_ms = DEFAULT_BACKOFF_MIN_MS;
    if (o->backoff_max_ms == 0)
        o->backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
    if (o->backoff_max_ms < o->backoff_min_ms)
        o->backoff_max_ms = o->backoff_min_ms;
    if (o->auth_retry_ms == 0)
        o->auth_retry_ms = DEFAULT_AUTH_RETRY_MS;
    if (o->name && name_ok(o->name)) {
        size_t n = strlen(o->name) + sizeof("warroom-");
        rc->name = xmalloc(n);
        snprintf(rc->name, n, "warroom-%s", o->name);
    }
    o->name = NULL; /* not kept: rc->name is our copy */

    const struct redisurl *u = &addr->url;
    rc->is_unix = u->kind == REDISURL_UNIX;
    rc->host = xstrdup(rc->is_unix ? u->path : addr->ip);
    rc->port = u->port;
    rc->user = u->user ? xstrdup(u->user) : NULL;
    rc->password = u->password ? xstrdup(u->password) : NULL;
    rc->db = u->db;
    rc->display = xstrdup(addr->display ? addr->display : "");

    uint64_t seed = o->seed;
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
               (uint64_t)(uintptr_t)rc;
    }
    synth_seed(&rc->rng, seed);

    ev_timer_init(&rc->retry_timer, retry_cb, 0., 0.);
    ev_timer_init(&rc->connect_timer, connect_timeout_cb, 0., 0.);
    ev_timer_init(&rc->cmd_timer, cmd_timeout_cb, 0., 0.);
    rc->retry_timer.data = rc->connect_timer.data = rc->cmd_timer.data = rc;
    rc->state = RCONN_CONNECTING;
    ev_timer_start(loop, &rc->retry_timer); /* first attempt on the next loop iteration */
    return rc;
}

void rconn_close(struct rconn *rc)
{
    if (rc == NULL || rc->closed)
        return;
    hold(rc);
    rc->closed = 1;
    rc->state = RCONN_CLOSED;
    ev_timer_stop(rc->loop, &rc->retry_timer);
    ev_timer_stop(rc->loop, &rc->connect_timer);
    ev_timer_stop(rc->loop, &rc->cmd_timer);
    conn_drop(rc);
    ev_timer_stop(rc->loop, &rc->cmd_timer);
    /* When close runs inside a hiredis callback, the free above is deferred: hiredis will call
     * the in-flight callbacks only after we return. Call back now and orphan the requests. */
    while (rc->inflight.head) {
        struct rconn_req *r = rc->inflight.head;
        list_unlink(&rc->inflight, r);
        r->rc = NULL;
        if (r->kind == REQ_USER && r->cb)
            r->cb(rc, NULL, r->privdata);
    }
    while (rc->waiting.head) {
        struct rconn_req *r = rc->waiting.head;
        list_unlink(&rc->waiting, r);
        if (r->cb)
            r->cb(rc, NULL, r->privdata);
        req_free(r);
    }
    release(rc);
}

/* Takes ownership of cmd (formatted by hiredis). */
static int submit(struct rconn *rc, rconn_reply_fn *cb, void *privdata, char *cmd, size_t len)
{
    const char **argv = NULL;
    size_t *argvlen = NULL;
    int argc = split_command(cmd, len, &argv, &argvlen);
    if (argc < 1) {
        redisFreeCommand(cmd);
        return -1;
    }
    const char *c = argv[0];
    size_t cl = argvlen[0];
    int refused = rc->opts.mode == RCONN_MODE_PUBSUB || arg_is(c, cl, "SUBSCRIBE") ||
                  arg_is(c, cl, "PSUBSCRIBE") || arg_is(c, cl, "SSUBSCRIBE") ||
                  arg_is(c, cl, "UNSUBSCRIBE") || arg_is(c, cl, "PUNSUBSCRIBE") ||
                  arg_is(c, cl, "SUNSUBSCRIBE") || arg_is(c, cl, "MONITOR");
    long long block = rconn_block_ms(argc, argv, argvlen);
    free(argv);
    free(argvlen);
    if (refused || (block >= 0 && rc->opts.mode != RCONN_MODE_BLOCKING)) {
        redisFreeCommand(cmd);
        return -1;
    }

    struct rconn_req *r = xcalloc(1, sizeof(*r));
    r->rc = rc;
    r->kind = REQ_USER;
    r->cb = cb;
    r->privdata = privdata;
    r->cmd = cmd;
    r->len = len;
    if (block < 0)
        r->timeout_ms = rc->opts.command_timeout_ms;
    else if (block > 0)
        r->timeout_ms = (unsigned)(block + rc->opts.block_margin_ms);
    if (r->timeout_ms > 0)
        r->deadline = ev_now(rc->loop) + r->timeout_ms / 1000.;
    if (rc->state != RCONN_UP || rc->ac == NULL || req_send(rc, r) < 0)
        list_append(&rc->waiting, r);
    deadline_add(rc, r->deadline);
    return 0;
}

int rconn_command(struct rconn *rc, rconn_reply_fn *cb, void *privdata, const char *fmt, ...)
{
    if (rc->closed)
        return -1;
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int len = redisvFormatCommand(&cmd, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    return submit(rc, cb, privdata, cmd, (size_t)len);
}

int rconn_command_argv(struct rconn *rc, rconn_reply_fn *cb, void *privdata, int argc,
                       const char **argv, const size_t *argvlen)
{
    if (rc->closed || argc < 1)
        return -1;
    char *cmd = NULL;
    int len = redisFormatCommandArgv(&cmd, argc, argv, argvlen);
    if (len < 0)
        return -1;
    return submit(rc, cb, privdata, cmd, (size_t)len);
}

static int pubsub_send(struct rconn *rc, const char *verb, const char *channel)
{
    if (rc->closed || rc->opts.mode != RCONN_MODE_PUBSUB || rc->state != RCONN_UP || rc->ac == NULL)
        return -1;
    const char *argv[2] = {verb, channel};
    int rv = redisAsyncCommandArgv(rc->ac, on_pubsub, NULL, channel ? 2 : 1, argv, NULL);
    return rv == REDIS_OK ? 0 : -1;
}

int rconn_subscribe(struct rconn *rc, const char *channel, int pattern)
{
    if (channel == NULL)
        return -1;
    return pubsub_send(rc, pattern ? "PSUBSCRIBE" : "SUBSCRIBE", channel);
}

int rconn_unsubscribe(struct rconn *rc, const char *channel, int pattern)
{
    /* hiredis 0.14 ignores UNSUBSCRIBE's own callback: the confirmation goes to on_pubsub. */
    return pubsub_send(rc, pattern ? "PUNSUBSCRIBE" : "UNSUBSCRIBE", channel);
}

int rconn_message_parse(const redisReply *msg, struct rconn_msg *out)
{
    memset(out, 0, sizeof(*out));
    if (msg == NULL || msg->type != REDIS_REPLY_ARRAY || msg->elements < 3)
        return -1;
    for (size_t i = 0; i < msg->elements; i++)
        if (msg->element[i] == NULL)
            return -1;
    const redisReply *k = msg->element[0];
    if (k->type != REDIS_REPLY_STRING)
        return -1;
    out->kind = k->str;
    const redisReply *a = msg->element[1], *b = msg->element[2];
    if (strcmp(k->str, "pmessage") == 0) {
        const redisReply *c = msg->elements == 4 ? msg->element[3] : NULL;
        if (!c || a->type != REDIS_REPLY_STRING || b->type != REDIS_REPLY_STRING ||
            c->type != REDIS_REPLY_STRING)
            return -1;
        out->pattern = a->str;
        out->pattern_len = a->len;
        out->channel = b->str;
        out->channel_len = b->len;
        out->payload = c->str;
        out->payload_len = c->len;
        return 0;
    }
    if (msg->elements != 3)
        return -1;
    if (strcmp(k->str, "message") == 0) {
        if (a->type != REDIS_REPLY_STRING || b->type != REDIS_REPLY_STRING)
            return -1;
        out->channel = a->str;
        out->channel_len = a->len;
        out->payload = b->str;
        out->payload_len = b->len;
        return 0;
    }
    if (b->type != REDIS_REPLY_INTEGER)
        return -1;
    out->count = b->integer;
    if (a->type == REDIS_REPLY_STRING) {
        if (k->str[0] == 'p') {
            out->pattern = a->str;
            out->pattern_len = a->len;
        } else {
            out->channel = a->str;
            out->channel_len = a->len;
        }
    } else if (a->type != REDIS_REPLY_NIL) { /* "unsubscribe" from nothing has a nil name */
        return -1;
    }
    return 0;
}

enum rconn_state rconn_get_state(const struct rconn *rc)
{
    return rc->state;
}

const char *rconn_state_name(enum rconn_state state)
{
    switch (state) {
    case RCONN_CONNECTING:
        return "connecting";
    case RCONN_UP:
        return "up";
    case RCONN_RECONNECTING:
        return "reconnecting";
    case RCONN_AUTH_FAILED:
        return "auth failed";
    case RCONN_CLOSED:
        return "closed";
    }
    return "?";
}

unsigned rconn_attempt(const struct rconn *rc)
{
    return rc->attempt;
}

unsigned rconn_retry_delay_ms(const struct rconn *rc)
{
    return rc->retry_delay_ms;
}

const char *rconn_last_error(const struct rconn *rc)
{
    return rc->last_error;
}

const char *rconn_display(const struct rconn *rc)
{
    return rc->display;
}

size_t rconn_pending(const struct rconn *rc)
{
    size_t n = rc->waiting.n;
    for (const struct rconn_req *r = rc->inflight.head; r; r = r->next)
        n += r->kind == REQ_USER;
    return n;
}
