/* chat.h — one chat room over Redis (wire contract: docs/protocol.md, Chat): a PUBSUB
 * connection for live messages and a COMMAND connection for sending (one script: XADD then
 * PUBLISH), history, resume after a reconnect, and presence heartbeats. Keeps the room in a
 * core/chatlog and tells its owner what changed through one callback; the TUI pane and line mode
 * are both owners.
 *
 * Ordering guarantee: CHAT_EV_MESSAGE reports each message once, in ID order, except a message
 * that arrives after a newer one was reported (only possible when a writer XADDs and PUBLISHes
 * by hand, out of order): it is reported late rather than dropped. After a reconnect, what was
 * missed is read with XRANGE (last-id + before any live message newer than it is reported. */
#ifndef WR_CHAT_H
#define WR_CHAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"
#include "core/chatlog.h"
#include "core/chatinput.h"
#include "core/presence.h"

#define CHAT_DEFAULT_HISTORY 200
#define CHAT_HISTORY_NONE ((size_t)-1)
#define CHAT_DEFAULT_HEARTBEAT_MS 5000
#define CHAT_ONLINE_MS 30000      /* a nick is online when its heartbeat is this recent */
#define CHAT_RATE_BURST 8         /* messages that may go at once ... */
#define CHAT_RATE_INTERVAL_MS 250 /* ... then one per interval */
#define CHAT_QUEUE_MAX 200        /* messages waiting to be sent, at most */
#define CHAT_STREAM_MAXLEN 10000  /* MAXLEN ~ of the room's log */

/* The send script: KEYS = log stream (the one key: wire format v2); ARGV = nick, kind, text, ts,
 * maxlen, channel (a pub/sub channel is an argument, never a key, so it runs on a cluster). Returns
 * the new entry ID; when the PUBLISH is refused (e.g. an ACL user without it) the message is still
 * stored, and it returns {ID, Redis' reason} instead. Documented in the README so any client can
 * send the same way. */
extern const char chat_send_script[];

/* Reads the reply of chat_send_script: sets *id (and *why when the message was stored but not
 * broadcast, else NULL), both pointing into r. Returns 0, or -1 when nothing was stored (an
 * error reply, NULL, or an unexpected shape). */
int chat_send_reply_parse(const redisReply *r, const char **id, const char **why);

/* One EVAL of chat_send_script, ready for rconn_command_argv(rc, fn, pd, CHAT_SEND_ARGC,
 * args.argv, args.len): the one place its arguments are built (chat's queue and alerts' chat
 * posts both send through it). */
#define CHAT_SEND_ARGC 10
struct chat_send_args {
    const char *argv[CHAT_SEND_ARGC];
    size_t len[CHAT_SEND_ARGC];
    char maxlen[16]; /* CHAT_STREAM_MAXLEN, pointed to by argv */
};

/* Fills *out for one message of kind: text is text_len bytes, ts the client time stamp (ms,
 * decimal). The strings are borrowed: they, and *out (which must not be copied), must live
 * until the command is sent. */
void chat_send_args(struct chat_send_args *out, const char *log_key, const char *channel,
                    const char *nick, enum chatlog_kind kind, const char *text, size_t text_len,
                    const char *ts);

struct chat;

enum chat_event {
    CHAT_EV_MESSAGE,  /* msg: a message added to the log (see the ordering guarantee) */
    CHAT_EV_JOINED,   /* the history of the room joined is in the log and was reported */
    CHAT_EV_RESYNCED, /* after a reconnect: the messages missed meanwhile were reported */
    CHAT_EV_STATE,    /* a connection changed state (chat_state_text) */
    CHAT_EV_PRESENCE, /* the online list changed (chat_presence) */
    CHAT_EV_NOTICE,   /* text: something to tell the user (a nick timed out, a send failed,
                         the rate limit); error: true when it is a failure */
    CHAT_EV_SENT,     /* text: the ID one of our messages got; error + text when it failed */
    /* text: the ID of one of our messages that was stored in the history but not published
     * (the PUBLISH was refused); it was added to our log, and a CHAT_EV_NOTICE said why */
    CHAT_EV_NOT_BROADCAST,
    CHAT_EV_IDLE, /* nothing waits to be sent and nothing is in flight */
};

struct chat_event_info {
    enum chat_event ev;
    const struct chatlog_msg *msg; /* CHAT_EV_MESSAGE: valid during the call */
    bool live; /* CHAT_EV_MESSAGE: false while the history of a join is reported */
    const char *text;
    bool error;
};

typedef void chat_notify_fn(struct chat *c, const struct chat_event_info *e, void *privdata);

struct chat_opts {
    const char *ns;        /* key namespace; NULL: "wr" */
    const char *room;      /* normalized room to join at once, or NULL */
    const char *nick;      /* must pass text_nick_valid */
    size_t history;        /* messages read on join; 0: CHAT_DEFAULT_HISTORY;
                              CHAT_HISTORY_NONE: report only messages sent after the join */
    size_t scrollback;     /* messages kept; 0: max(CHATLOG_DEFAULT_SCROLLBACK, history) */
    unsigned heartbeat_ms; /* 0: CHAT_DEFAULT_HEARTBEAT_MS */
    unsigned rate_burst;   /* 0: CHAT_RATE_BURST */
    int rate_interval_ms;  /* 0: CHAT_RATE_INTERVAL_MS; -1: no rate limit (benchmarks) */
    bool quiet_join;       /* do not post join/part messages nor heartbeat (read-only use) */
    unsigned connect_timeout_ms, command_timeout_ms; /* 0: rconn's defaults */
    const char *name; /* connection name suffix for CLIENT SETNAME; NULL: "chat" */
    chat_notify_fn *notify;
    void *privdata;
};

/* Creates the room client and starts connecting on the loop's next iteration (no callback runs
 * inside this call). Strings in opts are copied. Returns NULL with a message in err when the
 * nick or room is invalid. */
struct chat *chat_new(struct ev_loop *loop, const struct redisaddr *addr,
                      const struct chat_opts *opts, char *err, size_t errcap);

/* Closes both connections at once (messages still queued are dropped: call chat_part and wait
 * for CHAT_EV_IDLE first to leave cleanly). No callback runs after it returns. NULL: no-op. */
void chat_free(struct chat *c);

/* Leaves the current room (posting a part message) and joins room (normalized with
 * chatinput_room_normalize; the log is reset). Returns 0, or -1 with a message in err. */
int chat_join(struct chat *c, const char *room, char *err, size_t errcap);

/* Leaves the current room: posts a part message with reason (may be NULL), drops our presence
 * and unsubscribes. No-op when not in a room. */
void chat_part(struct chat *c, const char *reason);

/* Changes our nick: validates it, refuses a nick seen online, posts a nick message and moves
 * our presence. Returns 0, or -1 with a message in err. */
int chat_set_nick(struct chat *c, const char *nick, char *err, size_t errcap);

enum chat_send_result {
    CHAT_SEND_QUEUED = 0, /* accepted: sent now or when the rate limit or connection allows */
    CHAT_SEND_NOT_JOINED, /* no room */
    CHAT_SEND_TOO_LONG,   /* text over CHATLOG_TEXT_MAX bytes */
    CHAT_SEND_EMPTY,      /* nothing but blanks */
    CHAT_SEND_QUEUE_FULL, /* CHAT_QUEUE_MAX messages are waiting already */
};

/* Sends one message of kind (CHATLOG_MSG, CHATLOG_ME, CHATLOG_ALERT or CHATLOG_SYSTEM) with
 * text[0..len) to the current room. Results other than CHAT_SEND_QUEUED come with a message in
 * err. Messages go out in order; while the rate limit holds them back a CHAT_EV_NOTICE says so
 * (once per hold). */
enum chat_send_result chat_send(struct chat *c, enum chatlog_kind kind, const char *text,
                                size_t len, char *err, size_t errcap);

/* Messages queued or in flight. */
size_t chat_pending(const struct chat *c);

struct chatlog *chat_log(struct chat *c); /* the room's messages; owned by c */
const struct presence *chat_presence(const struct chat *c);
const char *chat_room(const struct chat *c); /* "" when in no room */
const char *chat_nick(const struct chat *c);
bool chat_joined(const struct chat *c); /* the join's history has been read */

/* The worse state of the two connections. */
enum rconn_state chat_state(const struct chat *c);
/* "up", "connecting", "reconnecting (attempt 3): Connection refused", ... */
void chat_state_text(const struct chat *c, char *buf, size_t cap);

/* The nick to use when none is given: configured (may be NULL), else the first of $USER,
 * $LOGNAME and the passwd name of the real uid that is a valid nick, else "uidN". The same for
 * chat, acks and silences, in every process of one user. Writes it to out. */
void chat_default_nick(const char *configured, char *out, size_t cap);

/* Wall-clock time in ms (what timestamps and heartbeats use). */
int64_t chat_now_ms(void);

/* Parses a pub/sub payload (the JSON object of docs/protocol.md, Chat; app/chat/chatpayload.c)
 * into e, whose strings point into storage kept in *json for the caller (free with
 * chat_payload_free; NULL on failure). A missing or bad "id" leaves e->id zero (shown live,
 * never a duplicate); a missing "ts" takes the ID's time (0 when there is no ID either: the
 * live feed then stamps the arrival time). Returns 0, or -1 if payload is not a JSON object.
 * Exposed for tests. */
int chat_payload_parse(const char *payload, size_t len, struct chatlog_entry *e, void **json);
void chat_payload_free(void *json);

#endif
