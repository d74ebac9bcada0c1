/* rconn.h — one resilient Redis connection on the libev loop. Wraps a hiredis 0.14
 * redisAsyncContext and adds what 0.14 lacks: connect and command timeouts, AUTH/SELECT on every
 * connect, reconnect with capped exponential backoff and jitter, a visible state, and reply
 * callbacks that run exactly once. Every part of warroom that talks to Redis goes through it.
 *
 * Wiring (the app's job):
 *   - signal(SIGPIPE, SIG_IGN) once at start: hiredis writes to sockets that may be closed.
 *   - Resolve the address once with redisaddr_new() before the loop runs.
 *   - One rconn per role (docs/architecture.md §5.1): a COMMAND connection for request/reply,
 *     a PUBSUB connection for subscriptions, one BLOCKING connection per blocking reader.
 *
 * Callback rules, all modes:
 *   - No callback ever runs inside rconn_new(), rconn_command*(), rconn_subscribe() or
 *     rconn_unsubscribe(); they all run from the loop, or inside rconn_close() (NULL replies).
 *   - Any callback may call any rconn function on the same connection, rconn_close() included.
 *   - After rconn_close() returns, no callback of that connection runs again.
 *
 * Pub/sub owner (chat, alerts), with opts.mode = RCONN_MODE_PUBSUB:
 *   - In on_up, call rconn_subscribe() for every channel you want: a new connection has none.
 *     on_up fires after the first connect and after every reconnect.
 *   - Every subscribe confirmation and every message arrives at opts.on_message (parse it with
 *     rconn_message_parse). A subscription has no timeout: a dead server shows up as a state
 *     change (TCP keepalive is on for TCP connections), then on_up fires again once it is back.
 *   - For "subscribe first, then read history" (docs/protocol.md, Chat): when the "subscribe"
 *     confirmation for a room arrives, read the room's log from the last ID you hold on the
 *     COMMAND connection and de-duplicate live messages by ID.
 *   - Normal commands are refused on this connection (in hiredis 0.14 one would kill it).
 *
 * Blocking reader (ingest, workers), with opts.mode = RCONN_MODE_BLOCKING:
 *   - In on_up, issue XREAD ... BLOCK n ... from the last ID you processed; in its reply
 *     callback, process and issue the next one. On a NULL reply, do nothing: if the connection
 *     failed, on_up fires again when it is back; if rconn_get_state() says RCONN_CLOSED, stop.
 *     Issue reads only from those two places, so exactly one is outstanding at a time.
 *   - The command timeout of a blocking command is its block time plus opts.block_margin_ms
 *     (BLOCK 0, or a 0 timeout for BLPOP and friends, has no timeout at all). Keep n finite
 *     (1-5 s) so a hung server is noticed.
 *
 * Failure policy:
 *   - Connection refused, reset, timed out, or a transient handshake error (LOADING, BUSY, ...):
 *     state RCONN_RECONNECTING, retry after backoff_min_ms doubling up to backoff_max_ms, each
 *     delay jittered by +-20 % so that many clients do not reconnect in step.
 *   - The server refuses the handshake (wrong password, unknown ACL user, NOAUTH, SELECT of a db
 *     it lacks, protected mode): state RCONN_AUTH_FAILED with Redis' own text in
 *     rconn_last_error(). This is a configuration error, so it is not retried fast: one quiet
 *     retry every auth_retry_ms (default 30 s, +-20 %), so fixing the server heals the client;
 *     with RCONN_NEVER it stays AUTH_FAILED until closed. Commands waiting for the connection
 *     get NULL when AUTH_FAILED is entered. A one-shot CLI should exit on RCONN_AUTH_FAILED.
 */
#ifndef WR_RCONN_H
#define WR_RCONN_H

#include <stddef.h>
#include <stdint.h>

#include <ev.h>
#include <hiredis/hiredis.h>

#include "app/redis/redisaddr.h"
#include "core/synth.h"

struct rconn;

enum rconn_state {
    RCONN_CONNECTING,   /* the first attempt is under way */
    RCONN_UP,           /* connected, AUTH/SELECT done: commands flow */
    RCONN_RECONNECTING, /* lost or failed; rconn_attempt() failures so far; a retry is armed */
    RCONN_AUTH_FAILED,  /* the server refused the handshake; see rconn_last_error() */
    RCONN_CLOSED,       /* rconn_close() is running (seen only from callbacks inside it) */
};

enum rconn_mode {
    RCONN_MODE_COMMAND,  /* request/reply; blocking commands and (P)SUBSCRIBE are refused */
    RCONN_MODE_PUBSUB,   /* rconn_subscribe/rconn_unsubscribe only */
    RCONN_MODE_BLOCKING, /* one blocking reader: timeout = block time + block_margin_ms */
};

#define RCONN_NEVER (-1) /* for rconn_opts.auth_retry_ms */

/* A reply to one command. reply is borrowed: valid only during the call, never free it (it is
 * built in the connection's arena, rconn_arena.h, whose memory the next reply reuses). It is
 * NULL when the command failed to get a reply: timeout, connection lost, AUTH_FAILED while it
 * waited, or rconn_close(). A Redis error reply is not NULL: it has type REDIS_REPLY_ERROR. */
typedef void rconn_reply_fn(struct rconn *rc, const redisReply *reply, void *privdata);

/* Called on every change of state, and of attempt count while RECONNECTING or AUTH_FAILED. */
typedef void rconn_state_fn(struct rconn *rc, enum rconn_state state, void *privdata);

/* Called after every (re)connection is fully ready (AUTH/SELECT done), right after the state
 * callback reports RCONN_UP: the place to subscribe again or resume reading. */
typedef void rconn_up_fn(struct rconn *rc, void *privdata);

/* PUBSUB mode: one pub/sub event (an array reply: subscribe, message, pmessage, unsubscribe).
 * Borrowed, as for rconn_reply_fn; never NULL. */
typedef void rconn_message_fn(struct rconn *rc, const redisReply *msg, void *privdata);

struct rconn_opts {
    enum rconn_mode mode;
    const char *name;            /* short role name ("cmd", "chat", "ingest-p3"), sent as
                                    CLIENT SETNAME warroom-NAME when it is made of letters,
                                    digits and -_.: (at most 64); NULL: none. Copied. */
    unsigned connect_timeout_ms; /* TCP connect plus handshake; 0: 2000 */
    unsigned command_timeout_ms; /* per command, from the call until its reply; 0: 5000 */
    unsigned block_margin_ms;    /* BLOCKING mode: added to a command's block time; 0: 2000 */
    unsigned backoff_min_ms;     /* first retry delay; 0: 100 */
    unsigned backoff_max_ms;     /* cap before jitter; 0: 5000 */
    int auth_retry_ms;           /* retry period in AUTH_FAILED; 0: 30000; RCONN_NEVER: none */
    uint64_t seed;               /* jitter PRNG seed; 0: seeded from pid, time and address */
    rconn_state_fn *on_state;    /* each may be NULL */
    rconn_up_fn *on_up;
    rconn_message_fn *on_message;
    void *privdata; /* passed to the three callbacks above */
};

/* Creates a connection to addr on loop and starts connecting on the loop's next iteration
 * (state RCONN_CONNECTING; no callback runs inside this call). addr is copied (the caller may
 * free it); opts may be NULL for all defaults. Never returns NULL (allocation aborts). */
struct rconn *rconn_new(struct ev_loop *loop, const struct redisaddr *addr,
                        const struct rconn_opts *opts);

/* Stops everything and frees rc. Inside this call, every command still pending gets its
 * callback once with a NULL reply (rconn_get_state() says RCONN_CLOSED then); after it returns,
 * no callback of rc runs again. The state callback is not called for the close itself.
 * Safe to call from any rconn callback. NULL is a no-op; do not call it twice. */
void rconn_close(struct rconn *rc);

/* Sends a command, hiredis format ("SET %s %b", key, val, len). Returns 0 when accepted: cb runs
 * exactly once, later, with the reply or NULL. While the connection is not up, the command
 * waits, at most its timeout, and is sent in order as soon as it is up again (before on_up
 * runs); from then on its reply gets the full timeout again. A command that was sent is never
 * re-sent after a reconnect: its callback gets NULL instead. The timeout is
 * opts.command_timeout_ms; on a BLOCKING connection, a blocking command's is its block time
 * plus opts.block_margin_ms (none for BLOCK 0). When a sent command times out, the connection
 * is dropped (the only way to cancel it), every command in flight gets NULL, and it reconnects.
 * Returns -1, and cb never runs, when: rc is closing, the format is bad, the mode is PUBSUB,
 * the command is (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE or MONITOR, or (COMMAND mode) the command
 * blocks (XREAD/XREADGROUP BLOCK, BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
 * BZMPOP, WAIT). cb may be NULL to ignore the reply. */
int rconn_command(struct rconn *rc, rconn_reply_fn *cb, void *privdata, const char *fmt, ...);

/* As rconn_command, with an argument vector (binary safe; argvlen NULL means strlen). */
int rconn_command_argv(struct rconn *rc, rconn_reply_fn *cb, void *privdata, int argc,
                       const char **argv, const size_t *argvlen);

/* Writes the commands queued on rc to the socket now instead of when the loop next runs, so a
 * command sent from a reply callback (the next XREAD) reaches Redis while that reply is still
 * being processed. Best effort: a failed write is left for the loop to find; no-op on a routed
 * (cluster) connection or one that is not up. */
void rconn_flush(struct rconn *rc);

/* PUBSUB mode: SUBSCRIBE channel (PSUBSCRIBE when pattern != 0). Confirmation and messages go
 * to opts.on_message. Only while RCONN_UP (call it from on_up); returns 0, or -1 when not up or
 * not in PUBSUB mode. Subscriptions do not survive a reconnect: on_up must subscribe again. */
int rconn_subscribe(struct rconn *rc, const char *channel, int pattern);

/* PUBSUB mode: UNSUBSCRIBE channel (PUNSUBSCRIBE when pattern != 0); channel NULL means all.
 * The confirmation goes to opts.on_message. Returns 0, or -1 when not up, not in PUBSUB mode,
 * or not subscribed to anything. */
int rconn_unsubscribe(struct rconn *rc, const char *channel, int pattern);

/* A pub/sub event taken apart. Strings point into the borrowed reply. */
struct rconn_msg {
    const char *kind;    /* "message", "pmessage", "subscribe", "unsubscribe", ... */
    const char *pattern; /* pmessage/psubscribe/punsubscribe: the pattern; else NULL */
    size_t pattern_len;
    const char *channel; /* message/pmessage/(un)subscribe: the channel; else NULL */
    size_t channel_len;
    const char *payload; /* message/pmessage: the payload; else NULL */
    size_t payload_len;
    long long count; /* (p)(un)subscribe: subscriptions left on the connection; else 0 */
};

/* Fills *out from a pub/sub event. Returns 0, or -1 if msg does not have that shape. */
int rconn_message_parse(const redisReply *msg, struct rconn_msg *out);

enum rconn_state rconn_get_state(const struct rconn *rc);
const char *rconn_state_name(enum rconn_state state);  /* "connecting", "up", ... */
unsigned rconn_attempt(const struct rconn *rc);        /* failed attempts since last up */
unsigned rconn_retry_delay_ms(const struct rconn *rc); /* delay of the armed retry, or 0 */
const char *rconn_last_error(const struct rconn *rc);  /* why the last attempt failed; "" */
const char *rconn_display(const struct rconn *rc);     /* the address, without password */
size_t rconn_pending(const struct rconn *rc);          /* commands waiting or in flight */

/* Redis Cluster (the address was marked a cluster node, see rsync_address): rconn_command*
 * route each command by its key's slot to the master that owns it, over connections made as
 * needed, following MOVED, ASK, TRYAGAIN and CLUSTERDOWN (app/redis/rroute.h). PUBSUB
 * connections are not routed (pub/sub reaches every node). The state, attempt count and last
 * error shown are those of the connection the last command went to. */
struct rconn_cluster_stats {
    unsigned long long moved, ask, tryagain, clusterdown; /* replies followed */
    unsigned long long refreshes;                         /* CLUSTER SLOTS loads */
    unsigned nodes;                                       /* masters known */
};

/* 1 with *out filled when rc routes over a cluster; else 0 (out zeroed). */
int rconn_cluster_stats(const struct rconn *rc, struct rconn_cluster_stats *out);

/* The delay before retry number attempt (1, 2, ...): min_ms doubled attempt-1 times, capped at
 * max_ms, times a jitter factor in [0.8, 1.2) drawn from rng (no jitter when rng is NULL).
 * Exposed for tests. */
unsigned rconn_backoff_ms(unsigned attempt, unsigned min_ms, unsigned max_ms,
                          struct synth_rng *rng);

/* How long a command may block the server: -1 if it does not block, 0 if forever, else the
 * block time in ms (rounded up). Exposed for tests. */
long long rconn_block_ms(int argc, const char **argv, const size_t *argvlen);

#endif
