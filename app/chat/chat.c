/* chat.c — one chat room over Redis (contract in chat.h): subscribe, then read history, merge
 * by ID; resume with XRANGE after a reconnect; send through one script; presence heartbeats. */
#include "app/chat/chat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "app/redis/rconnpair.h"
#include "core/mem.h"
#include "core/text.h"

#define CHAT_PAGE 1000            /* entries per XRANGE page when catching up */
#define CHAT_SYNC_RETRY_S 1.0     /* after a failed history read */
#define CHAT_PRESENCE_KEEP_MS 86400000LL /* heartbeats older than this are removed */
#define CHAT_PRESENCE_EVENTS 32 /* live presence changes remembered for replay */

const char chat_send_script[] =
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', "
    "'nick', ARGV[1], 'kind', ARGV[2], 'text', ARGV[3], 'ts', ARGV[4])\n"
    "local sent = redis.pcall('PUBLISH', KEYS[2], cjson.encode({id = id, "
    "ts = tonumber(ARGV[4]), nick = ARGV[1], kind = ARGV[2], text = ARGV[3]}))\n"
    "if type(sent) == 'table' and sent.err then return {id, sent.err} end\n"
    "return id\n";

void chat_send_args(struct chat_send_args *out, const char *log_key, const char *channel,
                    const char *nick, enum chatlog_kind kind, const char *text, size_t text_len,
                    const char *ts)
{
    snprintf(out->maxlen, sizeof out->maxlen, "%d", CHAT_STREAM_MAXLEN);
    const char *kname = chatlog_kind_name(kind);
    const char *argv[CHAT_SEND_ARGC] = {"EVAL", chat_send_script, "2",  log_key,
                                        channel, nick, kname, text, ts, out->maxlen};
    size_t len[CHAT_SEND_ARGC] = {4,
                                  strlen(chat_send_script),
                                  1,
                                  strlen(log_key),
                                  strlen(channel),
                                  strlen(nick),
                                  strlen(kname),
                                  text_len,
                                  strlen(ts),
                                  strlen(out->maxlen)};
    memcpy(out->argv, argv, sizeof argv);
    memcpy(out->len, len, sizeof len);
}

int chat_send_reply_parse(const redisReply *r, const char **id, const char **why)
{
    *id = *why = NULL;
    if (r == NULL)
        return -1;
    if (r->type == REDIS_REPLY_STRING) {
        *id = r->str;
        return 0;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
        *id = r->element[0]->str;
        *why = r->element[1]->str;
        return 0;
    }
    return -1;
}

/* One message waiting to be sent; it carries its room's keys, so a /join after typing cannot
 * send it elsewhere. */
struct chat_out {
    struct chat_out *next;
    enum chatlog_kind kind;
    char *text;
    size_t len;
    char *nick;
    char *log_key, *channel;
    char ts[24];  /* set when first sent, kept when sent again */
    int verified; /* after a lost reply: 1 found in the log, -1 not there, 0 unknown */
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
    struct chatlog_presence presence;
    bool presence_known;  /* a snapshot arrived for this room */
    unsigned presence_epoch; /* bumped by every join/part/nick seen live */
    /* The last joins, parts and nick changes seen live, replayed over a snapshot that was
     * taken before them (so a snapshot never undoes what the room just said). */
    struct presence_event {
        unsigned epoch;
        enum chatlog_kind kind;
        char *nick, *other;
    } pev[CHAT_PRESENCE_EVENTS];

    unsigned gen;        /* bumped by every join and part */
    unsigned sync_seq;   /* bumped by every history read started */
    bool subscribed;     /* the current connection confirmed the room's channel */
    bool syncing;        /* a history read is under way: live messages wait to be reported */
    bool joined;         /* the join's history was read */
    struct chatlog_id delivered; /* the newest message reported */

    struct chatlog_rate rate;
    struct chat_out *q_head, *q_tail;
    size_t q_len, inflight;
    /* Messages whose EVAL got no reply (connection lost): stored or not? Checked against the
     * log once reconnected, then re-sent if absent. Sending waits until they are settled, so
     * order is kept and nothing is sent twice. */
    struct chat_out *unsure_head, *unsure_tail;
    size_t unsure_len, verifying;
    bool rate_noticed;

    ev_timer heartbeat, send_timer, sync_retry;
    chat_notify_fn *notify;
    void *privdata;
    bool closing;
};

void chat_default_nick(const char *configured, char *out, size_t cap)
{
    const char *user = getenv("USER");
    if (configured && *configured) {
        snprintf(out, cap, "%s", configured);
    } else if (user && text_nick_valid(user)) {
        snprintf(out, cap, "%s", user);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        unsigned x = ((unsigned)getpid() * 2654435761u) ^ (unsigned)ts.tv_nsec;
        snprintf(out, cap, "anon-%04x", x & 0xFFFFu);
    }
}

int64_t chat_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(struct chat *c, enum chat_event ev, const struct chatlog_msg *m, bool live,
                 const char *text, bool error)
{
    if (c->notify == NULL || c->closing)
        return;
    struct chat_event_info e = {.ev = ev, .msg = m, .live = live, .text = text, .error = error};
    c->notify(c, &e, c->privdata);
}

static void notice(struct chat *c, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notice(struct chat *c, bool error, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    emit(c, CHAT_EV_NOTICE, NULL, false, buf, error);
}

static struct chat_req *req_new(struct chat *c, enum req_kind kind)
{
    struct chat_req *r = xmalloc(sizeof(*r));
    *r = (struct chat_req){.c = c, .kind = kind, .gen = c->gen, .seq = c->sync_seq};
    return r;
}

/* Whether a reply still matters: not closing, same room, and for reads the same sync. */
static bool req_current(const struct chat_req *r)
{
    const struct chat *c = r->c;
    if (c->closing || r->gen != c->gen)
        return false;
    return (r->kind != REQ_HISTORY && r->kind != REQ_CATCHUP) || r->seq == c->sync_seq;
}

/* ---------------------------------------------------------------------------------------------
 * Parsing what Redis sends
 * ------------------------------------------------------------------------------------------ */

static int64_t parse_ts(const char *s, size_t len, int64_t fallback)
{
    return chatlog_ts_parse(s, len, fallback);
}

static const char *json_str(const cJSON *o, const char *name, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(v) && v->valuestring) {
        *len = strlen(v->valuestring);
        return v->valuestring;
    }
    *len = 0;
    return "";
}

int chat_payload_parse(const char *payload, size_t len, struct chatlog_entry *e, void **json)
{
    *e = (struct chatlog_entry){0};
    *json = NULL;
    cJSON *o = cJSON_ParseWithLength(payload, len);
    if (o == NULL || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    *json = o;
    size_t n;
    const char *s = json_str(o, "id", &n);
    chatlog_id_parse(s, n, &e->id);
    e->ts_ms = (int64_t)e->id.ms;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
    if (cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 9e15)
        e->ts_ms = (int64_t)ts->valuedouble;
    else if (cJSON_IsString(ts) && ts->valuestring)
        e->ts_ms = parse_ts(ts->valuestring, strlen(ts->valuestring), e->ts_ms);
    s = json_str(o, "kind", &n);
    chatlog_kind_parse(s, n, &e->kind);
    e->nick = json_str(o, "nick", &e->nick_len);
    e->text = json_str(o, "text", &e->text_len);
    return 0;
}

void chat_payload_free(void *json)
{
    cJSON_Delete(json);
}

/* Fills e from one stream entry [id, [field, value, ...]]. Returns 0, or -1 if malformed. */
static int entry_parse(const redisReply *r, struct chatlog_entry *e)
{
    *e = (struct chatlog_entry){0};
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY)
        return -1;
    if (chatlog_id_parse(r->element[0]->str, r->element[0]->len, &e->id) != 0)
        return -1;
    e->ts_ms = (int64_t)e->id.ms;
    e->nick = e->text = "";
    const redisReply *f = r->element[1];
    for (size_t i = 0; i + 1 < f->elements; i += 2) {
        const redisReply *k = f->element[i], *v = f->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
            continue;
        if (k->len == 4 && memcmp(k->str, "nick", 4) == 0) {
            e->nick = v->str;
            e->nick_len = v->len;
        } else if (k->len == 4 && memcmp(k->str, "text", 4) == 0) {
            e->text = v->str;
            e->text_len = v->len;
        } else if (k->len == 4 && memcmp(k->str, "kind", 4) == 0) {
            chatlog_kind_parse(v->str, v->len, &e->kind);
        } else if (k->len == 2 && memcmp(k->str, "ts", 2) == 0) {
            e->ts_ms = parse_ts(v->str, v->len, e->ts_ms);
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Reporting messages in order
 * ------------------------------------------------------------------------------------------ */

/* Reports every remote message above c->delivered, in ID order. Stops if the owner switches
 * rooms from inside a report. */
static void deliver_pending(struct chat *c, bool live)
{
    unsigned gen = c->gen;
    for (;;) {
        size_t i = chatlog_find_after(c->log, c->delivered), n = chatlog_count(c->log);
        const struct chatlog_msg *m = NULL;
        for (; i < n; i++) {
            m = chatlog_get(c->log, i);
            if (m->id.local == 0)
                break;
        }
        if (i >= n)
            return;
        c->delivered = m->id;
        emit(c, CHAT_EV_MESSAGE, m, live, NULL, false);
        if (c->closing || gen != c->gen)
            return;
    }
}

/* A join, part or nick change seen live updates the online list without waiting for the next
 * heartbeat; pending snapshots become stale. */
static void presence_follow(struct chat *c, const struct chatlog_entry *e)
{
    char nick[CHATLOG_STORE_NICK_MAX + 1], other[CHATLOG_STORE_NICK_MAX + 1];
    int changed = 0;
    if (e->kind != CHATLOG_JOIN && e->kind != CHATLOG_PART && e->kind != CHATLOG_NICK)
        return;
    snprintf(nick, sizeof(nick), "%.*s", (int)e->nick_len, e->nick);
    if (e->kind == CHATLOG_JOIN) {
        changed = chatlog_presence_add(&c->presence, nick);
    } else {
        changed = chatlog_presence_remove(&c->presence, nick);
        if (e->kind == CHATLOG_NICK) {
            snprintf(other, sizeof(other), "%.*s", (int)e->text_len, e->text);
            changed |= chatlog_presence_add(&c->presence, other);
        }
    }
    c->presence_epoch++;
    struct presence_event *pe = &c->pev[c->presence_epoch % CHAT_PRESENCE_EVENTS];
    free(pe->nick);
    free(pe->other);
    pe->epoch = c->presence_epoch;
    pe->kind = e->kind;
    pe->nick = xstrdup(nick);
    pe->other = e->kind == CHATLOG_NICK ? xstrdup(other) : NULL;
    if (changed)
        emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

/* Applies the live changes after epoch since to p. Returns -1 when some are forgotten. */
static int presence_replay(const struct chat *c, unsigned since, struct chatlog_presence *p)
{
    if (c->presence_epoch - since > CHAT_PRESENCE_EVENTS)
        return -1;
    for (unsigned ep = since + 1; ep - since <= c->presence_epoch - since; ep++) {
        const struct presence_event *pe = &c->pev[ep % CHAT_PRESENCE_EVENTS];
        if (pe->kind == CHATLOG_JOIN) {
            chatlog_presence_add(p, pe->nick);
        } else {
            chatlog_presence_remove(p, pe->nick);
            if (pe->kind == CHATLOG_NICK)
                chatlog_presence_add(p, pe->other);
        }
    }
    return 0;
}

static void add_live(struct chat *c, const struct chatlog_entry *e)
{
    size_t at;
    presence_follow(c, e);
    if (chatlog_add(c->log, e, &at) != CHATLOG_ADDED)
        return;
    const struct chatlog_msg *m = chatlog_get(c->log, at);
    if (m->id.local != 0) { /* no ID: a bare PUBLISH, reported as it comes */
        emit(c, CHAT_EV_MESSAGE, m, true, NULL, false);
        return;
    }
    if (c->syncing || !c->joined)
        return; /* reported in order when the read ends */
    if (chatlog_id_cmp(m->id, c->delivered) > 0)
        c->delivered = m->id;
    emit(c, CHAT_EV_MESSAGE, m, true, NULL, false);
}

/* ---------------------------------------------------------------------------------------------
 * History: on join and after every resubscription
 * ------------------------------------------------------------------------------------------ */

static void on_read(struct rconn *rc, const redisReply *reply, void *privdata);

static void read_page(struct chat *c, struct chatlog_id after)
{
    struct chat_req *r = req_new(c, REQ_CATCHUP);
    char start[CHATLOG_ID_MAX + 1], count[24];
    snprintf(count, sizeof(count), "%d", CHAT_PAGE);
    if (chatlog_id_is_zero(after)) {
        snprintf(start, sizeof(start), "-");
    } else {
        start[0] = '(';
        chatlog_id_format(after, start + 1, sizeof(start) - 1);
    }
    if (rconn_command(c->cmd, on_read, r, "XRANGE %s %s + COUNT %s", c->log_key, start,
                      count) != 0)
        free(r);
}

static void start_sync(struct chat *c)
{
    ev_timer_stop(c->loop, &c->sync_retry);
    c->syncing = true;
    c->sync_seq++;
    if (c->joined) {
        read_page(c, chatlog_last_id(c->log));
        return;
    }
    /* with no history wanted, the newest entry is still read: it is where a resume starts */
    struct chat_req *r = req_new(c, REQ_HISTORY);
    char count[24];
    snprintf(count, sizeof(count), "%zu", c->history == CHAT_HISTORY_NONE ? 1 : c->history);
    if (rconn_command(c->cmd, on_read, r, "XREVRANGE %s + - COUNT %s", c->log_key, count) != 0)
        free(r);
}

static void finish_sync(struct chat *c)
{
    bool first = !c->joined;
    c->syncing = false;
    c->joined = true;
    unsigned gen = c->gen;
    deliver_pending(c, !first);
    if (c->closing || gen != c->gen)
        return;
    emit(c, first ? CHAT_EV_JOINED : CHAT_EV_RESYNCED, NULL, !first, NULL, false);
}

static void on_read(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    enum req_kind kind = r->kind;
    bool current = req_current(r);
    free(r);
    if (!current)
        return;
    if (reply == NULL) { /* timed out or connection lost: read again soon */
        if (c->subscribed)
            ev_timer_start(c->loop, &c->sync_retry);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        notice(c, true, "cannot read the history of #%s: %s", c->room,
               reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        finish_sync(c);
        return;
    }
    struct chatlog_entry e;
    for (size_t i = 0; i < reply->elements; i++) {
        /* XREVRANGE lists newest first: add oldest first, so a full log keeps the newest */
        size_t k = kind == REQ_HISTORY ? reply->elements - 1 - i : i;
        if (entry_parse(reply->element[k], &e) != 0)
            continue;
        chatlog_add(c->log, &e, NULL);
        if (kind == REQ_HISTORY && c->history == CHAT_HISTORY_NONE &&
            chatlog_id_cmp(e.id, c->delivered) > 0)
            c->delivered = e.id; /* known, not reported */
    }
    if (kind == REQ_CATCHUP && reply->elements == CHAT_PAGE) {
        entry_parse(reply->element[reply->elements - 1], &e);
        read_page(c, e.id);
        return;
    }
    finish_sync(c);
}

static void on_sync_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    struct chat *c = t->data;
    if (c->subscribed)
        start_sync(c);
}

/* ---------------------------------------------------------------------------------------------
 * The pub/sub connection
 * ------------------------------------------------------------------------------------------ */

static void on_sub_up(struct rconn *rc, void *privdata)
{
    struct chat *c = privdata;
    c->subscribed = false;
    if (c->room[0])
        rconn_subscribe(rc, c->channel, 0);
}

static void on_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    struct chat *c = privdata;
    if (rc == c->sub && state != RCONN_UP) {
        c->subscribed = false;
        ev_timer_stop(c->loop, &c->sync_retry);
    }
    emit(c, CHAT_EV_STATE, NULL, true, NULL, false);
}

static bool is_channel(const struct chat *c, const char *s, size_t len)
{
    return c->room[0] && s && strlen(c->channel) == len && memcmp(c->channel, s, len) == 0;
}

static void on_sub_message(struct rconn *rc, const redisReply *msg, void *privdata)
{
    (void)rc;
    struct chat *c = privdata;
    struct rconn_msg m;
    if (rconn_message_parse(msg, &m) != 0 || !is_channel(c, m.channel, m.channel_len))
        return;
    if (strcmp(m.kind, "subscribe") == 0) {
        c->subscribed = true;
        start_sync(c);
    } else if (strcmp(m.kind, "message") == 0) {
        struct chatlog_entry e;
        void *json;
        if (chat_payload_parse(m.payload, m.payload_len, &e, &json) == 0)
            add_live(c, &e);
        chat_payload_free(json);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Presence
 * ------------------------------------------------------------------------------------------ */

static void on_presence_diff(void *privdata, const char *nick, bool came)
{
    struct chat *c = privdata;
    if (!came && strcmp(nick, c->nick) != 0) {
        struct text_buf b = TEXT_BUF_INIT;
        text_sanitize(nick, strlen(nick), TEXT_NICK, &b);
        notice(c, false, "%s has quit (no heartbeat for %d s)", b.s, CHAT_ONLINE_MS / 1000);
        text_buf_free(&b);
    }
}

static void on_presence(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    bool current = req_current(r);
    unsigned since = r->seq;
    free(r);
    if (!current || reply == NULL || reply->type != REDIS_REPLY_ARRAY)
        return;
    const char **nicks = xcalloc(reply->elements + 1, sizeof(*nicks));
    size_t n = 0;
    for (size_t i = 0; i < reply->elements; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING)
            nicks[n++] = reply->element[i]->str;
    /* the snapshot, then what the room said since it was asked for */
    struct chatlog_presence snap = {0};
    chatlog_presence_set(&snap, nicks, n, NULL, NULL);
    free(nicks);
    if (presence_replay(c, since, &snap) != 0) {
        chatlog_presence_free(&snap);
        return; /* too much happened meanwhile: the next heartbeat tells */
    }
    size_t before = c->presence.n;
    bool first = !c->presence_known;
    c->presence_known = true;
    chatlog_presence_set(&c->presence, (const char *const *)snap.nicks, snap.n,
                         first ? NULL : on_presence_diff, c);
    chatlog_presence_free(&snap);
    if (first || before != c->presence.n)
        emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

static void heartbeat_now(struct chat *c)
{
    if (c->room[0] == '\0' || rconn_get_state(c->cmd) != RCONN_UP)
        return;
    int64_t now = chat_now_ms();
    char score[24], old[24], since[24], keep[24];
    snprintf(score, sizeof(score), "%lld", (long long)now);
    snprintf(old, sizeof(old), "%lld", (long long)(now - CHAT_PRESENCE_KEEP_MS));
    snprintf(since, sizeof(since), "(%lld", (long long)(now - CHAT_ONLINE_MS));
    snprintf(keep, sizeof(keep), "%lld", CHAT_PRESENCE_KEEP_MS);
    if (!c->quiet_join) {
        rconn_command(c->cmd, NULL, NULL, "ZADD %s %s %s", c->presence_key, score, c->nick);
        rconn_command(c->cmd, NULL, NULL, "ZREMRANGEBYSCORE %s -inf (%s", c->presence_key, old);
        rconn_command(c->cmd, NULL, NULL, "PEXPIRE %s %s", c->presence_key, keep);
    }
    struct chat_req *r = req_new(c, REQ_PRESENCE);
    r->seq = c->presence_epoch;
    if (rconn_command(c->cmd, on_presence, r, "ZRANGEBYSCORE %s %s +inf", c->presence_key,
                      since) != 0)
        free(r);
}

static void on_heartbeat(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    heartbeat_now(t->data);
}

/* ---------------------------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------------------------ */

static void out_free(struct chat_out *o)
{
    free(o->text);
    free(o->nick);
    free(o->log_key);
    free(o->channel);
    free(o);
}

static void maybe_idle(struct chat *c)
{
    if (c->q_len == 0 && c->inflight == 0)
        emit(c, CHAT_EV_IDLE, NULL, true, NULL, false);
}

/* The script stored o as id but its PUBLISH was refused (why): nobody got it live, not even
 * us. It is in the room's history, so it joins our log as if it had come back, and the owner
 * is told exactly that. */
static void stored_not_broadcast(struct chat *c, struct chat_out *o, const char *id,
                                 const char *why)
{
    struct chatlog_entry e = {.kind = o->kind,
                              .ts_ms = parse_ts(o->ts, strlen(o->ts), 0),
                              .nick = o->nick,
                              .nick_len = strlen(o->nick),
                              .text = o->text,
                              .text_len = o->len};
    bool here = c->room[0] && strcmp(o->log_key, c->log_key) == 0;
    if (here && chatlog_id_parse(id, strlen(id), &e.id) == 0)
        add_live(c, &e);
    bool said = o->kind == CHATLOG_MSG || o->kind == CHATLOG_ME;
    const char *room = strrchr(o->channel, ':'); /* NS:chat:ROOM; a room has no ':' */
    notice(c, false,
           "%s%s stored in the history of #%s as %s but not broadcast (Redis refused the "
           "PUBLISH: %s): others see it only when they read the history again (on joining or "
           "reconnecting)",
           said ? "message" : chatlog_kind_name(o->kind), said ? "" : " message",
           room ? room + 1 : o->channel, id, why);
    emit(c, CHAT_EV_NOT_BROADCAST, NULL, true, id, false);
}

static void on_sent(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    struct chat_out *o = r->out;
    free(r);
    if (c->closing) {
        out_free(o);
        return;
    }
    c->inflight--;
    if (reply == NULL) { /* lost with the connection: settle it once reconnected */
        o->next = NULL;
        o->verified = 0;
        if (c->unsure_tail)
            c->unsure_tail->next = o;
        else
            c->unsure_head = o;
        c->unsure_tail = o;
        c->unsure_len++;
        return;
    }
    const char *id, *why;
    if (chat_send_reply_parse(reply, &id, &why) != 0)
        notice(c, true, "message not sent: %s",
               reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
    else if (why == NULL)
        emit(c, CHAT_EV_SENT, NULL, true, id, false);
    else
        stored_not_broadcast(c, o, id, why);
    out_free(o);
    maybe_idle(c);
}

/* Whether stream entry e is message o (same nick, kind, text and client time stamp). */
static bool entry_is(const redisReply *e, const struct chat_out *o)
{
    struct chatlog_entry x;
    if (entry_parse(e, &x) != 0 || x.kind != o->kind)
        return false;
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)x.ts_ms);
    return strcmp(ts, o->ts) == 0 && x.nick_len == strlen(o->nick) &&
           memcmp(x.nick, o->nick, x.nick_len) == 0 && x.text_len == o->len &&
           memcmp(x.text, o->text, o->len) == 0;
}

static void pump(struct chat *c);

/* All checks answered: report what was stored, put the rest back at the head of the queue in
 * their order, and carry on sending. If a check itself failed, wait for the next connection. */
static void settle_unsure(struct chat *c)
{
    for (struct chat_out *o = c->unsure_head; o; o = o->next)
        if (o->verified == 0)
            return;
    struct chat_out *again = NULL, *last = NULL;
    size_t n = 0;
    while (c->unsure_head) {
        struct chat_out *o = c->unsure_head;
        c->unsure_head = o->next;
        if (o->verified > 0) {
            emit(c, CHAT_EV_SENT, NULL, true, o->id, false);
            out_free(o);
            continue;
        }
        o->next = NULL;
        if (last)
            last->next = o;
        else
            again = o;
        last = o;
        n++;
    }
    c->unsure_tail = NULL;
    c->unsure_len = 0;
    if (again) { /* back at the head of the queue, in their order */
        last->next = c->q_head;
        if (c->q_head == NULL)
            c->q_tail = last;
        c->q_head = again;
        c->q_len += n;
    }
    pump(c);
    maybe_idle(c);
}

static void on_verify(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    struct chat_out *o = r->out;
    free(r);
    if (c->closing)
        return;
    c->verifying--;
    if (reply && reply->type == REDIS_REPLY_ARRAY) {
        o->verified = -1;
        for (size_t i = 0; i < reply->elements && o->verified < 0; i++) {
            if (entry_is(reply->element[i], o)) {
                o->verified = 1;
                snprintf(o->id, sizeof(o->id), "%s", reply->element[i]->element[0]->str);
            }
        }
    } else if (reply && reply->type == REDIS_REPLY_ERROR) {
        o->verified = -1; /* the log is unreadable: sending again reports the real error */
    }
    if (c->verifying == 0)
        settle_unsure(c);
}

/* Looks for each unsure message among the newest entries of its room's log. */
static void verify_unsure(struct chat *c)
{
    if (c->verifying > 0)
        return;
    for (struct chat_out *o = c->unsure_head; o; o = o->next) {
        struct chat_req *r = req_new(c, REQ_VERIFY);
        r->out = o;
        o->verified = 0;
        if (rconn_command(c->cmd, on_verify, r, "XREVRANGE %s + - COUNT 500", o->log_key) == 0)
            c->verifying++;
        else
            free(r);
    }
}

static void pump(struct chat *c)
{
    while (c->q_head && c->unsure_head == NULL && rconn_get_state(c->cmd) == RCONN_UP) {
        int64_t wait = chatlog_rate_take(&c->rate, chat_now_ms());
        if (wait > 0) {
            if (!ev_is_active(&c->send_timer)) {
                ev_timer_set(&c->send_timer, (double)wait / 1000., 0.);
                ev_timer_start(c->loop, &c->send_timer);
            }
            if (!c->rate_noticed)
                notice(c, false, "rate limit: holding messages back, one goes every %u ms",
                       c->rate.interval_ms);
            c->rate_noticed = true;
            return;
        }
        struct chat_out *o = c->q_head;
        c->q_head = o->next;
        if (c->q_head == NULL)
            c->q_tail = NULL;
        c->q_len--;
        if (o->ts[0] == '\0')
            snprintf(o->ts, sizeof(o->ts), "%lld", (long long)chat_now_ms());
        struct chat_send_args args;
        chat_send_args(&args, o->log_key, o->channel, o->nick, o->kind, o->text, o->len, o->ts);
        struct chat_req *r = req_new(c, REQ_SEND);
        r->out = o;
        if (rconn_command_argv(c->cmd, on_sent, r, CHAT_SEND_ARGC, args.argv, args.len) == 0) {
            c->inflight++;
        } else {
            free(r);
            out_free(o);
        }
    }
    if (c->q_head == NULL)
        c->rate_noticed = false;
}

static void on_send_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    pump(t->data);
}

static void enqueue(struct chat *c, enum chatlog_kind kind, const char *text, size_t len)
{
    struct chat_out *o = xcalloc(1, sizeof(*o));
    o->kind = kind;
    o->text = xstrndup(len ? text : "", len);
    o->len = len;
    o->nick = xstrdup(c->nick);
    o->log_key = xstrdup(c->log_key);
    o->channel = xstrdup(c->channel);
    if (c->q_tail)
        c->q_tail->next = o;
    else
        c->q_head = o;
    c->q_tail = o;
    c->q_len++;
    pump(c);
}

enum chat_send_result chat_send(struct chat *c, enum chatlog_kind kind, const char *text,
                                size_t len, char *err, size_t errcap)
{
    if (c->room[0] == '\0') {
        snprintf(err, errcap, "you are in no room: /join ROOM first");
        return CHAT_SEND_NOT_JOINED;
    }
    if (len > CHATLOG_TEXT_MAX) {
        snprintf(err, errcap, "message not sent: %zu bytes, the limit is %d", len,
                 CHATLOG_TEXT_MAX);
        return CHAT_SEND_TOO_LONG;
    }
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
        i++;
    if (i == len) {
        snprintf(err, errcap, "nothing to send");
        return CHAT_SEND_EMPTY;
    }
    if (c->q_len >= CHAT_QUEUE_MAX) {
        snprintf(err, errcap, "message not sent: %d messages are already waiting (rate limit)",
                 CHAT_QUEUE_MAX);
        return CHAT_SEND_QUEUE_FULL;
    }
    if (rconn_get_state(c->cmd) != RCONN_UP && c->q_len == 0)
        notice(c, false, "not connected to Redis: the message goes out when it is back");
    enqueue(c, kind, text, len);
    return CHAT_SEND_QUEUED;
}

size_t chat_pending(const struct chat *c)
{
    return c->q_len + c->inflight + c->unsure_len;
}

/* ---------------------------------------------------------------------------------------------
 * The command connection
 * ------------------------------------------------------------------------------------------ */

static void on_cmd_up(struct rconn *rc, void *privdata)
{
    (void)rc;
    struct chat *c = privdata;
    verify_unsure(c);
    pump(c);
    heartbeat_now(c);
}

/* ---------------------------------------------------------------------------------------------
 * Rooms and nicks
 * ------------------------------------------------------------------------------------------ */

/* "NS:MIDDLE:ROOM" followed by suffix. */
static char *make_key(const char *ns, const char *middle, const char *room, const char *suffix)
{
    size_t n = strlen(ns) + strlen(middle) + strlen(room) + strlen(suffix) + 3;
    char *s = xmalloc(n);
    snprintf(s, n, "%s:%s:%s%s", ns, middle, room, suffix);
    return s;
}

static void enter_room(struct chat *c, const char *room)
{
    snprintf(c->room, sizeof(c->room), "%s", room);
    free(c->channel);
    free(c->log_key);
    free(c->presence_key);
    c->channel = make_key(c->ns, "chat", room, "");
    c->log_key = make_key(c->ns, "chat", room, ":log");
    c->presence_key = make_key(c->ns, "presence", room, "");
    chatlog_reset(c->log);
    chatlog_presence_free(&c->presence);
    c->presence_known = false;
    c->gen++;
    c->joined = c->syncing = c->subscribed = false;
    c->delivered = (struct chatlog_id){0};
    if (!c->quiet_join)
        enqueue(c, CHATLOG_JOIN, "", 0);
    if (rconn_get_state(c->sub) == RCONN_UP)
        rconn_subscribe(c->sub, c->channel, 0);
    heartbeat_now(c);
}

void chat_part(struct chat *c, const char *reason)
{
    if (c->room[0] == '\0')
        return;
    if (!c->quiet_join) {
        enqueue(c, CHATLOG_PART, reason ? reason : "", reason ? strlen(reason) : 0);
        rconn_command(c->cmd, NULL, NULL, "ZREM %s %s", c->presence_key, c->nick);
    }
    if (c->subscribed || rconn_get_state(c->sub) == RCONN_UP)
        rconn_unsubscribe(c->sub, c->channel, 0);
    c->room[0] = '\0';
    c->gen++;
    c->joined = c->syncing = c->subscribed = false;
    ev_timer_stop(c->loop, &c->sync_retry);
    chatlog_presence_free(&c->presence);
    c->presence_known = false;
    emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

int chat_join(struct chat *c, const char *room, char *err, size_t errcap)
{
    char norm[CHATLOG_ROOM_MAX + 1];
    if (chatlog_room_normalize(room, norm, sizeof(norm)) != 0) {
        snprintf(err, errcap, "bad room name: use 1-%d letters, digits, '_', '-' or '.'",
                 CHATLOG_ROOM_MAX);
        return -1;
    }
    if (strcmp(norm, c->room) == 0) {
        snprintf(err, errcap, "you are in #%s already", norm);
        return -1;
    }
    chat_part(c, NULL);
    enter_room(c, norm);
    return 0;
}

int chat_set_nick(struct chat *c, const char *nick, char *err, size_t errcap)
{
    if (!text_nick_valid(nick)) {
        snprintf(err, errcap, "bad nick: 1-%d columns of letters, digits or _-.[]{}|^ "
                              "(no spaces or controls)", TEXT_NICK_MAX_COLS);
        return -1;
    }
    if (strcmp(nick, c->nick) == 0) {
        snprintf(err, errcap, "you are %s already", nick);
        return -1;
    }
    if (chatlog_presence_has(&c->presence, nick)) {
        snprintf(err, errcap, "nick %s is in use in this room", nick);
        return -1;
    }
    if (c->room[0] && !c->quiet_join) {
        enqueue(c, CHATLOG_NICK, nick, strlen(nick));
        rconn_command(c->cmd, NULL, NULL, "ZREM %s %s", c->presence_key, c->nick);
    }
    free(c->nick);
    c->nick = xstrdup(nick);
    chatlog_set_nick(c->log, nick);
    heartbeat_now(c);
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle and accessors
 * ------------------------------------------------------------------------------------------ */

struct chat *chat_new(struct ev_loop *loop, const struct redisaddr *addr,
                      const struct chat_opts *opts, char *err, size_t errcap)
{
    char room[CHATLOG_ROOM_MAX + 1] = "";
    if (opts->nick == NULL || !text_nick_valid(opts->nick)) {
        snprintf(err, errcap, "bad nick '%s': 1-%d columns of letters, digits or _-.[]{}|^",
                 opts->nick ? opts->nick : "", TEXT_NICK_MAX_COLS);
        return NULL;
    }
    if (opts->room && chatlog_room_normalize(opts->room, room, sizeof(room)) != 0) {
        snprintf(err, errcap, "bad room name '%.40s': use 1-%d letters, digits, '_', '-' or '.'",
                 opts->room, CHATLOG_ROOM_MAX);
        return NULL;
    }
    struct chat *c = xcalloc(1, sizeof(*c));
    c->loop = loop;
    c->ns = xstrdup(opts->ns ? opts->ns : "wr");
    c->nick = xstrdup(opts->nick);
    c->history = opts->history ? opts->history : CHAT_DEFAULT_HISTORY;
    size_t scrollback = opts->scrollback;
    if (scrollback == 0 && c->history == CHAT_HISTORY_NONE)
        scrollback = CHATLOG_DEFAULT_SCROLLBACK;
    else if (scrollback == 0)
        scrollback = c->history > CHATLOG_DEFAULT_SCROLLBACK ? c->history
                                                             : CHATLOG_DEFAULT_SCROLLBACK;
    c->log = chatlog_new(scrollback);
    chatlog_set_nick(c->log, c->nick);
    c->heartbeat_ms = opts->heartbeat_ms ? opts->heartbeat_ms : CHAT_DEFAULT_HEARTBEAT_MS;
    c->quiet_join = opts->quiet_join;
    c->notify = opts->notify;
    c->privdata = opts->privdata;
    int interval = opts->rate_interval_ms == 0 ? CHAT_RATE_INTERVAL_MS : opts->rate_interval_ms;
    chatlog_rate_init(&c->rate, opts->rate_burst ? opts->rate_burst : CHAT_RATE_BURST,
                      interval < 0 ? 0 : (unsigned)interval);

    ev_timer_init(&c->heartbeat, on_heartbeat, (double)c->heartbeat_ms / 1000.,
                  (double)c->heartbeat_ms / 1000.);
    ev_init(&c->send_timer, on_send_timer);
    ev_timer_init(&c->sync_retry, on_sync_retry, CHAT_SYNC_RETRY_S, 0.);
    c->heartbeat.data = c->send_timer.data = c->sync_retry.data = c;
    ev_timer_start(loop, &c->heartbeat);

    struct rconnpair_opts po = {
        .name = opts->name ? opts->name : "chat",
        .connect_timeout_ms = opts->connect_timeout_ms,
        .command_timeout_ms = opts->command_timeout_ms,
        .on_state = on_state,
        .on_sub_up = on_sub_up,
        .on_message = on_sub_message,
        .on_cmd_up = on_cmd_up,
        .privdata = c,
    };
    rconnpair_open(loop, addr, &po, &c->sub, &c->cmd);
    if (room[0])
        enter_room(c, room);
    return c;
}

void chat_free(struct chat *c)
{
    if (c == NULL)
        return;
    c->closing = true;
    ev_timer_stop(c->loop, &c->heartbeat);
    ev_timer_stop(c->loop, &c->send_timer);
    ev_timer_stop(c->loop, &c->sync_retry);
    rconn_close(c->sub);
    rconn_close(c->cmd);
    while (c->q_head) {
        struct chat_out *o = c->q_head;
        c->q_head = o->next;
        out_free(o);
    }
    while (c->unsure_head) {
        struct chat_out *o = c->unsure_head;
        c->unsure_head = o->next;
        out_free(o);
    }
    chatlog_free(c->log);
    chatlog_presence_free(&c->presence);
    for (size_t i = 0; i < CHAT_PRESENCE_EVENTS; i++) {
        free(c->pev[i].nick);
        free(c->pev[i].other);
    }
    free(c->ns);
    free(c->nick);
    free(c->channel);
    free(c->log_key);
    free(c->presence_key);
    free(c);
}

struct chatlog *chat_log(struct chat *c)
{
    return c->log;
}

const struct chatlog_presence *chat_presence(const struct chat *c)
{
    return &c->presence;
}

const char *chat_room(const struct chat *c)
{
    return c->room;
}

const char *chat_nick(const struct chat *c)
{
    return c->nick;
}

bool chat_joined(const struct chat *c)
{
    return c->room[0] && c->joined;
}

static int state_rank(enum rconn_state s)
{
    switch (s) {
    case RCONN_UP:
        return 0;
    case RCONN_CONNECTING:
        return 1;
    case RCONN_RECONNECTING:
        return 2;
    case RCONN_AUTH_FAILED:
        return 3;
    default:
        return 4;
    }
}

enum rconn_state chat_state(const struct chat *c)
{
    enum rconn_state a = rconn_get_state(c->sub), b = rconn_get_state(c->cmd);
    return state_rank(a) >= state_rank(b) ? a : b;
}

void chat_state_text(const struct chat *c, char *buf, size_t cap)
{
    enum rconn_state a = rconn_get_state(c->sub), b = rconn_get_state(c->cmd);
    const struct rconn *worst = state_rank(a) >= state_rank(b) ? c->sub : c->cmd;
    enum rconn_state s = rconn_get_state(worst);
    const char *why = rconn_last_error(worst);
    if (s == RCONN_UP)
        snprintf(buf, cap, "up");
    else if (s == RCONN_RECONNECTING)
        snprintf(buf, cap, "reconnecting (attempt %u)%s%s", rconn_attempt(worst),
                 *why ? ": " : "", why);
    else
        snprintf(buf, cap, "%s%s%s", rconn_state_name(s), *why ? ": " : "", why);
}
