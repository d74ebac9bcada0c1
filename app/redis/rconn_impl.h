/* rconn_impl.h — the state of one rconn, shared by rconn.c (the API, the command queue) and
 * rconn_link.c (connect, handshake, reconnect, timeouts). Private to them: use rconn.h. */
#ifndef WR_APP_REDIS_RCONN_IMPL_H
#define WR_APP_REDIS_RCONN_IMPL_H

#include <hiredis/async.h>

#include "app/redis/rconn.h"

enum req_kind {
    REQ_USER, /* a caller's command */
    REQ_AUTH, /* the handshake, in the order it is sent */
    REQ_SELECT,
    REQ_SETNAME,
    REQ_ROLE, /* sentinel-backed connections only: the node must be a master */
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
    struct sentinel *sentinel; /* redis+sentinel://: host/port follow its master; else NULL */

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
    struct rroute *route; /* a Redis Cluster: commands are routed by slot (rroute.h) */
    int direct;           /* inside rconn_submit_direct: do not route */
    int depth; /* rconn frames on the stack; rc is freed when it drops to 0 after close */
    int closed;
};

/* rconn.c: helpers for both halves. */
/* Begins a frame: rc stays allocated until the matching rconn_release(). */
void rconn_hold(struct rconn *rc);
/* Ends a frame begun by rconn_hold(). rc may be gone after this returns. */
void rconn_release(struct rconn *rc);
void rconn_list_append(struct req_list *l, struct rconn_req *r);
void rconn_list_unlink(struct req_list *l, struct rconn_req *r);
void rconn_req_free(struct rconn_req *r);
/* Sets last_error from server or hiredis text, control characters blanked. */
void rconn_set_error(struct rconn *rc, const char *why);
/* Arms a one-shot timer. Never on a closed rc: its timers must stay stopped. */
void rconn_timer_arm(struct rconn *rc, ev_timer *t, double after_s);
/* Sets the state and tells the owner (unless closed). */
void rconn_set_state(struct rconn *rc, enum rconn_state st);

/* Sends a formatted command (ownership of cmd taken) on rc's own connection, never routed.
 * Returns 0 or -1 as rconn_command. */
int rconn_submit_direct(struct rconn *rc, rconn_reply_fn *cb, void *privdata, char *cmd,
                        size_t len);

/* rconn_link.c: the connection to the server. */
/* Lets go of the live context (its pending callbacks get NULL); a no-op without one. */
void rconn_link_drop(struct rconn *rc);
/* Hands a request to hiredis on the live context. Returns 0, or -1 if hiredis refused it (the
 * context is dying); the request is then unchanged. */
int rconn_link_send(struct rconn *rc, struct rconn_req *r);
/* Makes sure the command timer fires no later than deadline (0: none). */
void rconn_link_deadline_add(struct rconn *rc, double deadline);
/* Every subscription's hiredis callback. */
void rconn_link_on_pubsub(redisAsyncContext *ac, void *reply, void *privdata);
/* The timers' callbacks: next connect attempt, connect deadline, earliest command deadline. */
void rconn_link_on_retry(struct ev_loop *loop, ev_timer *w, int revents);
void rconn_link_on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents);
void rconn_link_on_cmd_timeout(struct ev_loop *loop, ev_timer *w, int revents);
/* The sentinel's listener: the master moved, leave the old node now (privdata: the rconn). */
void rconn_link_on_master_moved(void *privdata);

#endif
