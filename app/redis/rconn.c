/* rconn.c — resilient hiredis 0.14 connection on libev (contract in rconn.h): the API, the
 * command queue and its classification (blocking commands, pub/sub), backoff. The connection
 * itself (connect, handshake, reconnect, timeouts) is in rconn_link.c. */
#include "app/redis/rconn.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "app/redis/rconn_impl.h"
#include "app/redis/sentinel.h"
#include "app/redis/rroute.h"
#include "core/mem.h"

#define DEFAULT_CONNECT_TIMEOUT_MS 2000
#define DEFAULT_COMMAND_TIMEOUT_MS 5000
#define DEFAULT_BLOCK_MARGIN_MS 2000
#define DEFAULT_BACKOFF_MIN_MS 100
#define DEFAULT_BACKOFF_MAX_MS 5000
#define DEFAULT_AUTH_RETRY_MS 30000

/* ---------------------------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------------------------ */

void rconn_hold(struct rconn *rc)
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

/* Ends a frame begun by rconn_hold(). rc may be gone after this returns. */
void rconn_release(struct rconn *rc)
{
    if (--rc->depth == 0 && rc->closed)
        destroy(rc);
}

void rconn_list_append(struct req_list *l, struct rconn_req *r)
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

void rconn_list_unlink(struct req_list *l, struct rconn_req *r)
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

void rconn_req_free(struct rconn_req *r)
{
    if (r->cmd)
        redisFreeCommand(r->cmd);
    free(r);
}

void rconn_set_error(struct rconn *rc, const char *why)
{
    snprintf(rc->last_error, sizeof(rc->last_error), "%s", why ? why : "unknown error");
    for (char *p = rc->last_error; *p; p++) /* server text: keep the status bar sane */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
}

/* Arms a one-shot timer. Never on a closed rc: its timers must stay stopped. */
void rconn_timer_arm(struct rconn *rc, ev_timer *t, double after_s)
{
    ev_timer_stop(rc->loop, t);
    if (rc->closed)
        return;
    ev_timer_set(t, after_s > 0 ? after_s : 0., 0.);
    ev_timer_start(rc->loop, t);
}

void rconn_set_state(struct rconn *rc, enum rconn_state st)
{
    rc->state = st;
    if (!rc->closed && rc->opts.on_state)
        rc->opts.on_state(rc, st, rc->opts.privdata);
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
    if (addr->sentinel) {
        rc->sentinel = sentinel_ref(addr->sentinel);
        sentinel_attach(rc->sentinel, loop);
        sentinel_listen(rc->sentinel, rconn_link_on_master_moved, rc);
    }

    uint64_t seed = o->seed;
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
               (uint64_t)(uintptr_t)rc;
    }
    synth_seed(&rc->rng, seed);

    ev_timer_init(&rc->retry_timer, rconn_link_on_retry, 0., 0.);
    ev_timer_init(&rc->connect_timer, rconn_link_on_connect_timeout, 0., 0.);
    ev_timer_init(&rc->cmd_timer, rconn_link_on_cmd_timeout, 0., 0.);
    rc->retry_timer.data = rc->connect_timer.data = rc->cmd_timer.data = rc;
    rc->state = RCONN_CONNECTING;
    ev_timer_start(loop, &rc->retry_timer); /* first attempt on the next loop iteration */
    if (addr->cluster && o->mode != RCONN_MODE_PUBSUB && !rc->is_unix)
        rc->route = rroute_new(rc, addr);
    return rc;
}

void rconn_close(struct rconn *rc)
{
    if (rc == NULL || rc->closed)
        return;
    rconn_hold(rc);
    rc->closed = 1;
    rc->state = RCONN_CLOSED;
    if (rc->sentinel) {
        sentinel_unlisten(rc->sentinel, rconn_link_on_master_moved, rc);
        sentinel_unref(rc->sentinel);
        rc->sentinel = NULL;
    }
    ev_timer_stop(rc->loop, &rc->retry_timer);
    ev_timer_stop(rc->loop, &rc->connect_timer);
    ev_timer_stop(rc->loop, &rc->cmd_timer);
    rconn_link_drop(rc);
    ev_timer_stop(rc->loop, &rc->cmd_timer);
    /* When close runs inside a hiredis callback, the free above is deferred: hiredis will call
     * the in-flight callbacks only after we return. Call back now and orphan the requests. */
    while (rc->inflight.head) {
        struct rconn_req *r = rc->inflight.head;
        rconn_list_unlink(&rc->inflight, r);
        r->rc = NULL;
        if (r->kind == REQ_USER && r->cb)
            r->cb(rc, NULL, r->privdata);
    }
    while (rc->waiting.head) {
        struct rconn_req *r = rc->waiting.head;
        rconn_list_unlink(&rc->waiting, r);
        if (r->cb)
            r->cb(rc, NULL, r->privdata);
        rconn_req_free(r);
    }
    struct rroute *route = rc->route;
    rc->route = NULL;
    rroute_free(route);
    rconn_release(rc);
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
    if (rc->route && !rc->direct)
        return rroute_submit(rc->route, cb, privdata, cmd, len);

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
    if (rc->state != RCONN_UP || rc->ac == NULL || rconn_link_send(rc, r) < 0)
        rconn_list_append(&rc->waiting, r);
    rconn_link_deadline_add(rc, r->deadline);
    return 0;
}

int rconn_submit_direct(struct rconn *rc, rconn_reply_fn *cb, void *privdata, char *cmd, size_t len)
{
    if (rc->closed) {
        redisFreeCommand(cmd);
        return -1;
    }
    rc->direct++;
    int rv = submit(rc, cb, privdata, cmd, len);
    rc->direct--;
    return rv;
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

void rconn_flush(struct rconn *rc)
{
    if (rc->closed || rc->state != RCONN_UP || rc->ac == NULL || (rc->route && !rc->direct))
        return;
    int done = 0;
    (void)redisBufferWrite(&rc->ac->c, &done); /* an error stays in c->err: the loop's next
                                                  write finds it and disconnects as usual */
}

static int pubsub_send(struct rconn *rc, const char *verb, const char *channel)
{
    if (rc->closed || rc->opts.mode != RCONN_MODE_PUBSUB || rc->state != RCONN_UP || rc->ac == NULL)
        return -1;
    const char *argv[2] = {verb, channel};
    int rv = redisAsyncCommandArgv(rc->ac, rconn_link_on_pubsub, NULL, channel ? 2 : 1, argv, NULL);
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
    /* hiredis 0.14 ignores UNSUBSCRIBE's own callback: the confirmation goes to
     * rconn_link_on_pubsub. */
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

/* What a routed connection shows: the connection its last command went to. */
static const struct rconn *shown(const struct rconn *rc)
{
    return rc->route ? rroute_current(rc->route) : rc;
}

enum rconn_state rconn_get_state(const struct rconn *rc)
{
    return rc->closed ? rc->state : shown(rc)->state;
}

int rconn_cluster_stats(const struct rconn *rc, struct rconn_cluster_stats *out)
{
    memset(out, 0, sizeof(*out));
    if (rc->route == NULL)
        return 0;
    rroute_stats(rc->route, out);
    return 1;
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
    return shown(rc)->attempt;
}

unsigned rconn_retry_delay_ms(const struct rconn *rc)
{
    return rc->retry_delay_ms;
}

const char *rconn_last_error(const struct rconn *rc)
{
    return shown(rc)->last_error;
}

const char *rconn_display(const struct rconn *rc)
{
    return rc->display;
}

size_t rconn_pending(const struct rconn *rc)
{
    if (rc->route)
        return rroute_pending(rc->route);
    size_t n = rc->waiting.n;
    for (const struct rconn_req *r = rc->inflight.head; r; r = r->next)
        n += r->kind == REQ_USER;
    return n;
}
