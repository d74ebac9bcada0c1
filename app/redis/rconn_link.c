/* rconn_link.c — one rconn's connection to the server: connect, handshake, reconnect with
 * backoff, connect and command timeouts. The one file in the project that includes
 * <hiredis/adapters/libev.h>; the hiredis 0.14 rules it follows are in docs/architecture.md §5.3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/adapters/libev.h>

#include "app/redis/rconn_arena.h"
#include "app/redis/rconn_impl.h"
#include "app/redis/sentinel.h"
#include "core/mem.h"

static void on_reply(redisAsyncContext *ac, void *reply, void *privdata);
static void conn_failed(struct rconn *rc, enum rconn_state st, const char *why);

static int has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---------------------------------------------------------------------------------------------
 * Command deadlines
 * ------------------------------------------------------------------------------------------ */

/* Makes sure the command timer fires no later than deadline. */
void rconn_link_deadline_add(struct rconn *rc, double deadline)
{
    if (deadline <= 0)
        return;
    if (!ev_is_active(&rc->cmd_timer) || deadline < rc->cmd_timer_at) {
        rc->cmd_timer_at = deadline;
        rconn_timer_arm(rc, &rc->cmd_timer, deadline - ev_now(rc->loop));
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
        rconn_link_deadline_add(rc, min);
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
            rconn_list_unlink(&rc->waiting, r);
            if (r->cb)
                r->cb(rc, NULL, r->privdata);
            rconn_req_free(r);
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
void rconn_link_drop(struct rconn *rc)
{
    redisAsyncContext *ac = rc->ac;
    if (ac == NULL)
        return;
    rc->ac = NULL;
    ev_timer_stop(rc->loop, &rc->connect_timer);
    ac->data = NULL;
    /* No reply is built after this: freed now, or inside redisAsyncFree (or after the callback
     * running now) when the reply it holds is freed. */
    rconn_arena_release(rconn_arena_of(ac->c.reader));
    redisAsyncFree(ac);
    deadline_rearm(rc);
}

static void on_connect(const redisAsyncContext *cac, int status);
static void on_disconnect(const redisAsyncContext *cac, int status);

/* Starts one connect attempt. Failures that hiredis reports at once count as a failed attempt. */
static void conn_start(struct rconn *rc)
{
    rc->retry_delay_ms = 0;
    if (rc->sentinel) { /* wherever the sentinels last said the master is */
        char ip[REDISADDR_IP_MAX];
        sentinel_master(rc->sentinel, ip, &rc->port);
        free(rc->host);
        rc->host = xstrdup(ip);
    }
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
    /* Replies are built in an arena of the context's own, not one malloc per element
     * (rconn_arena.h); it is released where the context is let go of. */
    rconn_arena_attach(rconn_arena_new(), ac->c.reader);
    /* Order matters (docs/architecture.md §5.3): attach first, then the connect callback arms
     * the write watcher. */
    redisLibevAttach(rc->loop, ac);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    rconn_timer_arm(rc, &rc->connect_timer, rc->opts.connect_timeout_ms / 1000.);
}

/* Records a failed attempt and arms the next one. st is RCONN_RECONNECTING (network, timeout,
 * transient server state) or RCONN_AUTH_FAILED (the server refused us). The caller has already
 * let go of the context. */
static void conn_failed(struct rconn *rc, enum rconn_state st, const char *why)
{
    ev_timer_stop(rc->loop, &rc->connect_timer);
    if (rc->closed)
        return; /* a callback run by the failure closed us */
    rconn_set_error(rc, why);
    rc->attempt++;
    if (rc->sentinel && st == RCONN_RECONNECTING)
        sentinel_suspect(rc->sentinel); /* the master may have moved: ask again */
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
        rconn_timer_arm(rc, &rc->retry_timer, delay / 1000.);
    rconn_set_state(rc, st);
    if (st == RCONN_AUTH_FAILED && !rc->closed)
        fail_waiting(rc, 1);
}

/* Hands a request to hiredis on the live context. Returns 0, or -1 if hiredis refused it (the
 * context is dying); the request is then unchanged. */
int rconn_link_send(struct rconn *rc, struct rconn_req *r)
{
    if (redisAsyncFormattedCommand(rc->ac, on_reply, r, r->cmd, r->len) != REDIS_OK)
        return -1;
    redisFreeCommand(r->cmd);
    r->cmd = NULL;
    r->ac = rc->ac;
    rconn_list_append(&rc->inflight, r);
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
        rconn_list_unlink(&rc->waiting, r);
        /* The wait is over: the reply gets the full timeout. Without this, a command that was
         * almost out of time would kill the fresh connection a moment later. */
        if (r->deadline > 0)
            r->deadline = now + r->timeout_ms / 1000.;
        if (rconn_link_send(rc, r) < 0) {
            rconn_list_append(&rc->waiting, r); /* cannot happen on a fresh context; keep it */
            break;
        }
    }
    deadline_rearm(rc);
    rconn_set_state(rc, RCONN_UP);
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
    if (reply->type == REDIS_REPLY_ERROR && kind != REQ_SETNAME &&
        !(kind == REQ_ROLE && has_prefix(reply->str, "NOPERM"))) {
        /* Redis 6+ refuses AUTH when no password is set; the connection works anyway. */
        if (kind == REQ_AUTH && strstr(reply->str, "without any password configured"))
            return;
        char why[256];
        snprintf(why, sizeof(why), "%s", reply->str);
        rconn_link_drop(rc);
        conn_failed(rc, transient_error(why) ? RCONN_RECONNECTING : RCONN_AUTH_FAILED, why);
        return;
    }
    if (kind == REQ_ROLE) {
        char what[128];
        if (sentinel_role_of(reply, what, sizeof(what)) == SENTINEL_ROLE_NOT_MASTER) {
            /* never write to it: a demoted master's writes are flushed when it resyncs */
            char why[256];
            snprintf(why, sizeof(why), "%s:%d is a %s, not the master; asking the sentinels",
                     rc->host, rc->port, strcmp(what, "slave") == 0 ? "replica" : what);
            rconn_link_drop(rc);
            conn_failed(rc, RCONN_RECONNECTING, why);
        }
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
        if (rconn_link_send(rc, r) == 0)
            return;
    }
    rconn_req_free(r); /* cannot happen inside on_connect; the connect timer would catch it */
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
        rconn_arena_release(rconn_arena_of(cac->c.reader)); /* the context is freed next */
        rconn_hold(rc);
        conn_failed(rc, RCONN_RECONNECTING, why);
        rconn_release(rc);
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
    if (rc->sentinel) {
        const char *role[1] = {"ROLE"};
        handshake_send(rc, REQ_ROLE, 1, role);
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
    rconn_arena_release(rconn_arena_of(cac->c.reader)); /* the context is freed next */
    rconn_hold(rc);
    deadline_rearm(rc);
    conn_failed(rc, RCONN_RECONNECTING, why);
    rconn_release(rc);
}

/* Every command's hiredis callback. */
static void on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
    struct rconn_req *r = privdata;
    struct rconn *rc = r->rc;
    if (rc == NULL) { /* orphaned by rconn_close, which already called back with NULL */
        rconn_req_free(r);
        return;
    }
    rconn_list_unlink(&rc->inflight, r);
    rconn_hold(rc);
    if (r->kind == REQ_USER) {
        if (r->cb)
            r->cb(rc, reply, r->privdata);
    } else if (ac == rc->ac) {
        handshake_reply(rc, r->kind, reply);
    }
    rconn_req_free(r);
    rconn_release(rc);
}

/* Every subscription's hiredis callback (one per channel, called for each event). */
void rconn_link_on_pubsub(redisAsyncContext *ac, void *reply, void *privdata)
{
    (void)privdata;
    struct rconn *rc = ac->data;
    if (rc == NULL || ac != rc->ac || reply == NULL)
        return; /* NULL: the context is dying; the state callback tells the owner */
    rconn_hold(rc);
    if (rc->opts.on_message)
        rc->opts.on_message(rc, reply, rc->opts.privdata);
    rconn_release(rc);
}

/* ---------------------------------------------------------------------------------------------
 * Timers
 * ------------------------------------------------------------------------------------------ */

void rconn_link_on_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct rconn *rc = w->data;
    rconn_hold(rc);
    conn_start(rc);
    rconn_release(rc);
}

void rconn_link_on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct rconn *rc = w->data;
    if (rc->ac == NULL || rc->state == RCONN_UP)
        return;
    rconn_hold(rc);
    char why[64];
    snprintf(why, sizeof(why), "connect timed out after %u ms", rc->opts.connect_timeout_ms);
    rconn_link_drop(rc);
    conn_failed(rc, RCONN_RECONNECTING, why);
    rconn_release(rc);
}

/* A command past its deadline: if it waits, it alone fails; if it was sent, the server is stuck
 * or gone, and the only way to cancel a sent command is to drop the connection (every command
 * in flight gets NULL) and reconnect. */
void rconn_link_on_cmd_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)revents;
    struct rconn *rc = w->data;
    double now = ev_now(loop);
    rconn_hold(rc);
    fail_waiting(rc, 0);
    if (!rc->closed && rc->ac) {
        for (struct rconn_req *r = rc->inflight.head; r; r = r->next) {
            if (r->deadline > 0 && r->deadline <= now && r->ac == rc->ac) {
                char why[64];
                snprintf(why, sizeof(why), "command timed out after %u ms", r->timeout_ms);
                rconn_link_drop(rc);
                conn_failed(rc, RCONN_RECONNECTING, why);
                break;
            }
        }
    }
    if (!rc->closed)
        deadline_rearm(rc);
    rconn_release(rc);
}

/* ---------------------------------------------------------------------------------------------
 * Sentinel
 * ------------------------------------------------------------------------------------------ */

void rconn_link_on_master_moved(void *privdata)
{
    struct rconn *rc = privdata;
    char ip[REDISADDR_IP_MAX];
    int port;
    sentinel_master(rc->sentinel, ip, &port);
    if (rc->closed || (rc->ac && strcmp(rc->host, ip) == 0 && rc->port == port))
        return; /* already there (or on the way) */
    rconn_hold(rc);
    rconn_link_drop(rc); /* commands in flight get NULL, as for any lost connection */
    if (!rc->closed) {
        char why[128];
        snprintf(why, sizeof(why), "the master moved to %s:%d", ip, port);
        rconn_set_error(rc, why);
        rc->attempt = 0;
        rc->retry_delay_ms = 0;
        ev_timer_stop(rc->loop, &rc->retry_timer);
        rconn_timer_arm(rc, &rc->retry_timer, 0.);
        rconn_set_state(rc, RCONN_RECONNECTING);
    }
    rconn_release(rc);
}
