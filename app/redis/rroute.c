/* rroute.c — routes an rconn's commands by key slot over a Redis Cluster (contract in
 * rroute.h): the slot table, one connection per master, and the MOVED/ASK/TRYAGAIN/CLUSTERDOWN
 * replies. */
#include "app/redis/rroute.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/redis/csync.h"
#include "app/redis/rconn_impl.h"
#include "core/mem.h"
#include "core/slotmap.h"

#define REFRESH_MIN_GAP_S 1.0
#define RETRY_PAUSE_MIN_S 0.05
#define RETRY_PAUSE_MAX_S 1.0

struct route_req {
    struct rroute *rt;
    struct route_req *prev, *next;
    rconn_reply_fn *cb;
    void *privdata;
    char *cmd; /* our copy, for resends */
    size_t len;
    int slot; /* -1: keyless, any node */
    int node; /* where it was last sent */
    int tries;
    double pause_s;
    bool held;     /* waits for the first slot table */
    ev_timer wait; /* TRYAGAIN/CLUSTERDOWN pause */
};

struct rroute {
    struct rconn *front;
    struct ev_loop *loop;
    struct redisaddr *base; /* the front's address, for the other masters' */
    struct slotmap *map;
    int self;                              /* the front's node index */
    struct rconn *conn[SLOTMAP_NODES_MAX]; /* other masters; conn[self] stays NULL */
    int current;                           /* node of the last command */
    struct route_req *head;                /* every live request */
    size_t n;
    bool table_inflight, table_loaded;
    double last_refresh;
    struct rconn_cluster_stats st;
    int depth;
    bool dead;
};

static void hold(struct rroute *rt)
{
    rt->depth++;
}

static void destroy(struct rroute *rt)
{
    free(rt->map);
    redisaddr_free(rt->base);
    free(rt);
}

static void release(struct rroute *rt)
{
    if (--rt->depth == 0 && rt->dead)
        destroy(rt);
}

static void req_unlink(struct rroute *rt, struct route_req *q)
{
    if (q->prev)
        q->prev->next = q->next;
    else
        rt->head = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->prev = q->next = NULL;
    rt->n--;
}

static void req_free(struct route_req *q)
{
    ev_timer_stop(q->rt->loop, &q->wait);
    free(q->cmd);
    free(q);
}

/* Calls the owner back (once) and forgets the request. */
static void deliver(struct rroute *rt, struct route_req *q, const redisReply *reply)
{
    req_unlink(rt, q);
    if (q->cb)
        q->cb(rt->front, reply, q->privdata);
    req_free(q);
}

/* ---------------------------------------------------------------------------------------------
 * Connections
 * ------------------------------------------------------------------------------------------ */

static void on_node_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    struct rroute *rt = privdata;
    struct rconn *f = rt->front;
    if (!f->closed && f->opts.on_state)
        f->opts.on_state(f, rconn_get_state(f), f->opts.privdata);
}

/* The connection to node (made when first needed), or NULL when its address does not resolve. */
static struct rconn *conn_of(struct rroute *rt, int node)
{
    if (node == rt->self)
        return rt->front;
    if (rt->conn[node])
        return rt->conn[node];
    char err[256];
    const struct slotmap_node *n = &rt->map->nodes[node];
    struct redisaddr *a = redisaddr_for_node(rt->base, n->host, n->port, err, sizeof(err));
    if (a == NULL)
        return NULL;
    a->cluster = false; /* the node's own connection must not route again */
    struct rconn_opts o = rt->front->opts;
    char name[96];
    snprintf(name, sizeof(name), "%s-%d", rt->front->name ? rt->front->name + 8 : "node", n->port);
    o.name = name;
    o.on_up = NULL;
    o.on_message = NULL;
    o.on_state = on_node_state;
    o.privdata = rt;
    rt->conn[node] = rconn_new(rt->loop, a, &o);
    redisaddr_free(a);
    return rt->conn[node];
}

static void on_reply(struct rconn *via, const redisReply *reply, void *privdata);

/* Sends q to node (ASKING first when asking). Returns 0, or -1 when it could not be queued. */
static int send_to(struct rroute *rt, struct route_req *q, int node, bool asking)
{
    struct rconn *c = conn_of(rt, node);
    if (c == NULL)
        return -1;
    if (asking) {
        char *ask = NULL;
        int al = redisFormatCommand(&ask, "ASKING");
        if (al < 0 || rconn_submit_direct(c, NULL, NULL, ask, (size_t)al) != 0)
            return -1;
    }
    char *copy = xmalloc(q->len);
    memcpy(copy, q->cmd, q->len);
    if (rconn_submit_direct(c, on_reply, q, copy, q->len) != 0)
        return -1;
    q->node = node;
    rt->current = node;
    return 0;
}

/* The master of q's slot; the front when unknown (it redirects) or keyless. */
static int owner_of(struct rroute *rt, const struct route_req *q)
{
    int node = q->slot < 0 ? -1 : slotmap_owner(rt->map, (unsigned)q->slot);
    return node < 0 ? rt->self : node;
}

/* ---------------------------------------------------------------------------------------------
 * The slot table
 * ------------------------------------------------------------------------------------------ */

static void release_held(struct rroute *rt)
{
    for (struct route_req *q = rt->head, *next; q; q = next) {
        next = q->next;
        if (!q->held)
            continue;
        q->held = false;
        if (send_to(rt, q, owner_of(rt, q), false) != 0)
            deliver(rt, q, NULL);
    }
}

static void on_slots(struct rconn *via, const redisReply *reply, void *privdata)
{
    (void)via;
    struct rroute *rt = privdata;
    if (rt->dead)
        return;
    rt->table_inflight = false;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        struct slotmap fresh = *rt->map;
        slotmap_clear_owners(&fresh);
        if (csync_slots_load(&fresh, reply, rt->map->nodes[rt->self].host) > 0) {
            memcpy(rt->map, &fresh, sizeof(fresh));
            rt->st.refreshes++;
            rt->st.nodes = rt->map->nnodes;
        }
    }
    rt->table_loaded = true;
    hold(rt);
    release_held(rt);
    release(rt);
}

/* Asks for CLUSTER SLOTS, at most once per REFRESH_MIN_GAP_S, on the front when it is up, else
 * on any master connection that is. */
static void refresh(struct rroute *rt)
{
    double now = ev_now(rt->loop);
    if (rt->table_inflight || (rt->table_loaded && now - rt->last_refresh < REFRESH_MIN_GAP_S))
        return;
    struct rconn *c = rt->front;
    for (int i = 0; i < SLOTMAP_NODES_MAX && rconn_get_state(c) != RCONN_UP && rt->table_loaded;
         i++)
        if (rt->conn[i] && rt->conn[i]->state == RCONN_UP)
            c = rt->conn[i];
    char *cmd = NULL;
    int len = redisFormatCommand(&cmd, "CLUSTER SLOTS");
    if (len < 0)
        return;
    if (rconn_submit_direct(c, on_slots, rt, cmd, (size_t)len) == 0) {
        rt->table_inflight = true;
        rt->last_refresh = now;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------------------------ */

static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    struct route_req *q = w->data;
    struct rroute *rt = q->rt;
    hold(rt);
    if (send_to(rt, q, owner_of(rt, q), false) != 0)
        deliver(rt, q, NULL);
    release(rt);
}

/* Sends q again to its slot's master after a pause (50 ms, doubling up to 1 s per request). */
static void pause_then_resend(struct rroute *rt, struct route_req *q)
{
    q->pause_s = q->pause_s < RETRY_PAUSE_MIN_S       ? RETRY_PAUSE_MIN_S
                 : q->pause_s * 2 > RETRY_PAUSE_MAX_S ? RETRY_PAUSE_MAX_S
                                                      : q->pause_s * 2;
    ev_timer_set(&q->wait, q->pause_s, 0.);
    ev_timer_start(rt->loop, &q->wait);
}

/* Hands the owner an error reply that names the node and says what to do. */
static void deliver_explained(struct rroute *rt, struct route_req *q, const redisReply *reply)
{
    redisReply copy = *reply;
    char node[96];
    const struct slotmap_node *n = &rt->map->nodes[q->node];
    snprintf(node, sizeof(node), "%s:%d", n->host, n->port);
    copy.str = xmalloc(reply->len + 1);
    memcpy(copy.str, reply->str, reply->len + 1);
    csync_explain(&copy, node, true); /* may replace copy.str */
    deliver(rt, q, &copy);
    free(copy.str);
}

static void on_reply(struct rconn *via, const redisReply *reply, void *privdata)
{
    (void)via;
    struct route_req *q = privdata;
    struct rroute *rt = q->rt;
    hold(rt);
    struct slotmap_redirect rd;
    enum slotmap_reply kind = reply && reply->type == REDIS_REPLY_ERROR && !rt->dead
                                  ? slotmap_reply_parse(reply->str, reply->len, &rd)
                                  : SLOTMAP_REPLY_OTHER;
    if (reply == NULL || rt->dead) {
        if (!rt->dead)
            refresh(rt); /* the master may have failed over */
        deliver(rt, q, NULL);
    } else if (kind == SLOTMAP_REPLY_OTHER) {
        deliver(rt, q, reply);
    } else if (kind == SLOTMAP_REPLY_CROSSSLOT || ++q->tries >= CSYNC_REDIRECTS_MAX) {
        deliver_explained(rt, q, reply);
    } else if (kind == SLOTMAP_REPLY_MOVED || kind == SLOTMAP_REPLY_ASK) {
        const char *host = rd.host[0] ? rd.host : rt->map->nodes[q->node].host;
        int node = slotmap_node(rt->map, host, strlen(host), rd.port);
        if (kind == SLOTMAP_REPLY_MOVED) {
            rt->st.moved++;
            if (node >= 0)
                slotmap_assign(rt->map, rd.slot, rd.slot, node);
            refresh(rt);
        } else {
            rt->st.ask++;
        }
        rt->st.nodes = rt->map->nnodes;
        if (node < 0) {
            deliver_explained(rt, q, reply);
        } else if (q->tries > CSYNC_REDIRECTS_FREE && kind == SLOTMAP_REPLY_MOVED) {
            pause_then_resend(rt, q); /* nodes disagree mid-migration: let them settle */
        } else if (send_to(rt, q, node, kind == SLOTMAP_REPLY_ASK) != 0) {
            deliver_explained(rt, q, reply);
        }
    } else { /* TRYAGAIN, CLUSTERDOWN: the same request again after a pause */
        if (kind == SLOTMAP_REPLY_TRYAGAIN)
            rt->st.tryagain++;
        else
            rt->st.clusterdown++;
        pause_then_resend(rt, q);
    }
    release(rt);
}

/* ---------------------------------------------------------------------------------------------
 * API
 * ------------------------------------------------------------------------------------------ */

struct rroute *rroute_new(struct rconn *front, const struct redisaddr *addr)
{
    struct rroute *rt = xcalloc(1, sizeof(*rt));
    char err[64];
    rt->front = front;
    rt->loop = front->loop;
    rt->base = redisaddr_for_node(addr, addr->ip, addr->url.port, err, sizeof(err));
    rt->map = xmalloc(sizeof(*rt->map));
    slotmap_init(rt->map);
    rt->self = slotmap_node(rt->map, addr->ip, strlen(addr->ip), addr->url.port);
    rt->current = rt->self;
    rt->st.nodes = 1;
    refresh(rt);
    return rt;
}

void rroute_free(struct rroute *rt)
{
    if (rt == NULL)
        return;
    hold(rt);
    rt->dead = true;
    for (int i = 0; i < SLOTMAP_NODES_MAX; i++) {
        struct rconn *c = rt->conn[i];
        rt->conn[i] = NULL;
        rconn_close(c); /* its requests come back through on_reply with NULL */
    }
    while (rt->head)
        deliver(rt, rt->head, NULL); /* held or pausing */
    release(rt);
}

int rroute_submit(struct rroute *rt, rconn_reply_fn *cb, void *privdata, char *cmd, size_t len)
{
    struct route_req *q = xcalloc(1, sizeof(*q));
    q->rt = rt;
    q->cb = cb;
    q->privdata = privdata;
    q->cmd = xmalloc(len);
    memcpy(q->cmd, cmd, len);
    redisFreeCommand(cmd);
    q->len = len;
    q->slot = csync_command_slot(q->cmd, len);
    ev_timer_init(&q->wait, on_wait, 0., 0.);
    q->wait.data = q;
    q->next = rt->head;
    if (rt->head)
        rt->head->prev = q;
    rt->head = q;
    rt->n++;
    if (!rt->table_loaded && q->slot >= 0) {
        q->held = true; /* the first table is on its way: send it straight to its master */
        q->node = rt->self;
        return 0;
    }
    if (send_to(rt, q, owner_of(rt, q), false) != 0) {
        req_unlink(rt, q);
        req_free(q);
        return -1;
    }
    return 0;
}

const struct rconn *rroute_current(const struct rroute *rt)
{
    const struct rconn *c = rt->current == rt->self ? NULL : rt->conn[rt->current];
    return c ? c : rt->front;
}

size_t rroute_pending(const struct rroute *rt)
{
    return rt->n;
}

void rroute_stats(const struct rroute *rt, struct rconn_cluster_stats *out)
{
    *out = rt->st;
    out->nodes = rt->map->nnodes;
}
