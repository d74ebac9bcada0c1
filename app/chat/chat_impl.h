/* chat_impl.h — private to app/chat/: the chat object shared by its files (chat.c the room
 * and its life cycle, chathistory.c history sync and the pub/sub feed, chatpresence.c
 * presence, chatoutq.c the outgoing queue). */
#ifndef WARROOM_CHAT_IMPL_H
#define WARROOM_CHAT_IMPL_H

#include "app/chat/chat.h"
#include "app/redis/rscript.h"
#include "core/presence.h"
#include "core/ratelimit.h"

#define CHAT_PAGE 1000                   /* entries per XRANGE page when catching up */
#define CHAT_SYNC_RETRY_S 1.0            /* after a failed history read */
#define CHAT_PRESENCE_KEEP_MS 86400000LL /* heartbeats older than this are removed */
#define CHAT_PRESENCE_EVENTS 32          /* live presence changes remembered for replay */

/* One message waiting to be sent; it carries its room's keys, so a /join after typing cannot
 * send it elsewhere. */
struct chat_out {
    struct chat_out *next;
    enum chatlog_kind kind;
    char *text;
    size_t len;
    char *nick;
    char *log_key, *channel;
    char ts[24];   /* set when first sent, kept when sent again */
    int verified;  /* after a lost reply: 1 found in the log, -1 not there, 0 unknown */
    bool noscript; /* the server answered NOSCRIPT: not stored (verified -1), to send again */
    char id[CHATLOG_ID_MAX];
};

enum req_kind {
    REQ_HISTORY, /* XREVRANGE on join */
    REQ_CATCHUP, /* XRANGE (last + after a reconnect */
    REQ_PRESENCE,
    REQ_SEND,
    REQ_VERIFY, /* was a message whose reply was lost stored? */
};

/* Privdata of one command: replies to an older room or sync are recognised and dropped. */
struct chat_req {
    struct chat *c;
    enum req_kind kind;
    unsigned gen, seq;
    struct chat_out *out; /* REQ_SEND: owned by the request; REQ_VERIFY: borrowed */
};

struct chat {
    struct ev_loop *loop;
    struct rconn *sub, *cmd;
    char *ns, *nick;
    char room[CHATLOG_ROOM_MAX + 1];
    char *channel, *log_key, *presence_key;
    size_t history;
    unsigned heartbeat_ms;
    bool quiet_join;
    struct chatlog *log;
    struct presence presence;
    bool presence_known;     /* a snapshot arrived for this room */
    unsigned presence_epoch; /* bumped by every join/part/nick seen live */
    /* The last joins, parts and nick changes seen live, replayed over a snapshot that was
     * taken before them (so a snapshot never undoes what the room just said). */
    struct presence_event {
        unsigned epoch;
        enum chatlog_kind kind;
        char *nick, *other;
    } pev[CHAT_PRESENCE_EVENTS];

    unsigned gen;      /* bumped by every join and part */
    unsigned sync_seq; /* bumped by every history read started */
    bool subscribed;   /* the current connection confirmed the room's channel */
    bool syncing;      /* a history read is under way: live messages wait to be reported */
    bool joined;       /* the join's history was read */
    struct chatlog_id delivered; /* the newest message reported */

    struct ratelimit rate;
    struct chat_out *q_head, *q_tail;
    size_t q_len, inflight;
    /* Messages whose send got no reply (connection lost): stored or not? Checked against the
     * log once reconnected, then re-sent if absent. Messages refused with NOSCRIPT join them
     * (known not stored). Sending waits until they are settled and nothing is in flight, so
     * order is kept and nothing is sent twice. */
    struct chat_out *unsure_head, *unsure_tail;
    size_t unsure_len, verifying;
    bool rate_noticed;
    /* Sends go as EVALSHA; the first on each new connection, and the next after a NOSCRIPT
     * (SCRIPT FLUSH, a cluster master that never ran it), go as EVAL, which loads the script. */
    struct rscript send_script;
    bool send_body;

    ev_timer heartbeat, send_timer, sync_retry;
    chat_notify_fn *notify;
    void *privdata;
    bool closing;
};

/* chat.c: events, requests, parsing */
void chat_emit(struct chat *c, enum chat_event ev, const struct chatlog_msg *m, bool live,
               const char *text, bool error);
void chat_notice(struct chat *c, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct chat_req *chat_req_new(struct chat *c, enum req_kind kind);
bool chat_req_current(const struct chat_req *r);
int64_t chat_parse_ts(const char *s, size_t len, int64_t fallback);
/* One stream entry (ID + fields) as a log entry borrowing from r: 0, or -1 when malformed. */
int chat_entry_parse(const redisReply *r, struct chatlog_entry *e);

/* chathistory.c: history sync and the live feed */
void chathistory_add_live(struct chat *c, const struct chatlog_entry *e);
void chathistory_on_sync_retry(struct ev_loop *loop, ev_timer *t, int revents);
void chathistory_on_sub_up(struct rconn *rc, void *privdata);
void chathistory_on_message(struct rconn *rc, const redisReply *msg, void *privdata);

/* chatpresence.c: who is online */
void chatpresence_follow(struct chat *c, const struct chatlog_entry *e);
void chatpresence_heartbeat(struct chat *c);
void chatpresence_on_heartbeat(struct ev_loop *loop, ev_timer *t, int revents);

/* chatoutq.c: the outgoing queue */
void chatoutq_out_free(struct chat_out *o);
void chatoutq_verify_unsure(struct chat *c);
void chatoutq_pump(struct chat *c);
void chatoutq_on_send_timer(struct ev_loop *loop, ev_timer *t, int revents);
/* Queues one message for the current room (nick and keys copied now) and pumps. */
void chatoutq_enqueue(struct chat *c, enum chatlog_kind kind, const char *text, size_t len);

#endif
