/* chat.c — one chat room over Redis (contract in chat.h): the room object, join/part/nick, the
 * send script and its arguments, parsing stream entries, life cycle. History sync and the live
 * feed are chathistory.c, the pub/sub payload chatpayload.c, presence chatpresence.c, the
 * outgoing queue chatoutq.c (shared: chat_impl.h). */
#include "app/chat/chat_impl.h"
#include "app/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pwd.h>
#include <unistd.h>

#include "app/redis/rconnpair.h"
#include "core/mem.h"
#include "core/text.h"

const char chat_send_script[] =
    "local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', "
    "'nick', ARGV[1], 'kind', ARGV[2], 'text', ARGV[3], 'ts', ARGV[4])\n"
    "local sent = redis.pcall('PUBLISH', ARGV[6], cjson.encode({id = id, "
    "ts = tonumber(ARGV[4]), nick = ARGV[1], kind = ARGV[2], text = ARGV[3]}))\n"
    "if type(sent) == 'table' and sent.err then return {id, sent.err} end\n"
    "return id\n";

void chat_send_args(struct chat_send_args *out, const char *log_key, const char *channel,
                    const char *nick, enum chatlog_kind kind, const char *text, size_t text_len,
                    const char *ts)
{
    snprintf(out->maxlen, sizeof out->maxlen, "%d", CHAT_STREAM_MAXLEN);
    const char *kname = chatlog_kind_name(kind);
    const char *argv[CHAT_SEND_ARGC] = {
        "EVAL", chat_send_script, "1", log_key, nick, kname, text, ts, out->maxlen, channel};
    size_t len[CHAT_SEND_ARGC] = {4,
                                  strlen(chat_send_script),
                                  1,
                                  strlen(log_key),
                                  strlen(nick),
                                  strlen(kname),
                                  text_len,
                                  strlen(ts),
                                  strlen(out->maxlen),
                                  strlen(channel)};
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

void chat_default_nick(const char *configured, char *out, size_t cap)
{
    if (configured && *configured) {
        snprintf(out, cap, "%s", configured);
        return;
    }
    /* the login name, as who(1) and git do: the same person gets the same nick everywhere */
    const char *env[] = {getenv("USER"), getenv("LOGNAME")};
    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
        if (env[i] && text_nick_valid(env[i])) {
            snprintf(out, cap, "%s", env[i]);
            return;
        }
    const struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && text_nick_valid(pw->pw_name)) {
        snprintf(out, cap, "%s", pw->pw_name);
        return;
    }
    snprintf(out, cap, "uid%lu", (unsigned long)getuid()); /* stable, unlike a random name */
}

int64_t chat_now_ms(void)
{
    return clock_wall_ms();
}

void chat_emit(struct chat *c, enum chat_event ev, const struct chatlog_msg *m, bool live,
               const char *text, bool error)
{
    if (c->notify == NULL || c->closing)
        return;
    struct chat_event_info e = {.ev = ev, .msg = m, .live = live, .text = text, .error = error};
    c->notify(c, &e, c->privdata);
}

void chat_notice(struct chat *c, bool error, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    chat_emit(c, CHAT_EV_NOTICE, NULL, false, buf, error);
}

struct chat_req *chat_req_new(struct chat *c, enum req_kind kind)
{
    struct chat_req *r = xmalloc(sizeof(*r));
    *r = (struct chat_req){.c = c, .kind = kind, .gen = c->gen, .seq = c->sync_seq};
    return r;
}

/* Whether a reply still matters: not closing, same room, and for reads the same sync. */
bool chat_req_current(const struct chat_req *r)
{
    const struct chat *c = r->c;
    if (c->closing || r->gen != c->gen)
        return false;
    return (r->kind != REQ_HISTORY && r->kind != REQ_CATCHUP) || r->seq == c->sync_seq;
}

/* ---------------------------------------------------------------------------------------------
 * Parsing what Redis sends
 * ------------------------------------------------------------------------------------------ */

int64_t chat_parse_ts(const char *s, size_t len, int64_t fallback)
{
    return chatlog_ts_parse(s, len, fallback);
}

/* Fills e from one stream entry [id, [field, value, ...]]. Returns 0, or -1 if malformed. */
int chat_entry_parse(const redisReply *r, struct chatlog_entry *e)
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
            e->ts_ms = chat_parse_ts(v->str, v->len, e->ts_ms);
        }
    }
    return 0;
}

static void on_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    struct chat *c = privdata;
    if (rc == c->sub && state != RCONN_UP) {
        c->subscribed = false;
        ev_timer_stop(c->loop, &c->sync_retry);
    }
    chat_emit(c, CHAT_EV_STATE, NULL, true, NULL, false);
}

/* ---------------------------------------------------------------------------------------------
 * Sending
 * ------------------------------------------------------------------------------------------ */

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
        chat_notice(c, false, "not connected to Redis: the message goes out when it is back");
    chatoutq_enqueue(c, kind, text, len);
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
    /* a new connection may be to a server without the script (restart, failover): its first
     * send carries the body rather than paying a NOSCRIPT round trip, and goes out as early as
     * an EVAL always did (a join is stored before the join's history read, as before) */
    c->send_body = true;
    chatoutq_verify_unsure(c);
    chatoutq_pump(c);
    chatpresence_heartbeat(c);
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
    presence_free(&c->presence);
    c->presence_known = false;
    c->gen++;
    c->joined = c->syncing = c->subscribed = false;
    c->delivered = (struct chatlog_id){0};
    if (!c->quiet_join)
        chatoutq_enqueue(c, CHATLOG_JOIN, "", 0);
    if (rconn_get_state(c->sub) == RCONN_UP)
        rconn_subscribe(c->sub, c->channel, 0);
    chatpresence_heartbeat(c);
}

void chat_part(struct chat *c, const char *reason)
{
    if (c->room[0] == '\0')
        return;
    if (!c->quiet_join) {
        chatoutq_enqueue(c, CHATLOG_PART, reason ? reason : "", reason ? strlen(reason) : 0);
        rconn_command(c->cmd, NULL, NULL, "ZREM %s %s", c->presence_key, c->nick);
    }
    if (c->subscribed || rconn_get_state(c->sub) == RCONN_UP)
        rconn_unsubscribe(c->sub, c->channel, 0);
    c->room[0] = '\0';
    c->gen++;
    c->joined = c->syncing = c->subscribed = false;
    ev_timer_stop(c->loop, &c->sync_retry);
    presence_free(&c->presence);
    c->presence_known = false;
    chat_emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

int chat_join(struct chat *c, const char *room, char *err, size_t errcap)
{
    char norm[CHATLOG_ROOM_MAX + 1];
    if (chatinput_room_normalize(room, norm, sizeof(norm)) != 0) {
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
        snprintf(err, errcap,
                 "bad nick: 1-%d columns of letters, digits or _-.[]{}|^ "
                 "(no spaces or controls)",
                 TEXT_NICK_MAX_COLS);
        return -1;
    }
    if (strcmp(nick, c->nick) == 0) {
        snprintf(err, errcap, "you are %s already", nick);
        return -1;
    }
    if (presence_has(&c->presence, nick)) {
        snprintf(err, errcap, "nick %s is in use in this room", nick);
        return -1;
    }
    if (c->room[0] && !c->quiet_join) {
        chatoutq_enqueue(c, CHATLOG_NICK, nick, strlen(nick));
        rconn_command(c->cmd, NULL, NULL, "ZREM %s %s", c->presence_key, c->nick);
    }
    free(c->nick);
    c->nick = xstrdup(nick);
    chatlog_set_nick(c->log, nick);
    chatpresence_heartbeat(c);
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
    if (opts->room && chatinput_room_normalize(opts->room, room, sizeof(room)) != 0) {
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
        scrollback =
            c->history > CHATLOG_DEFAULT_SCROLLBACK ? c->history : CHATLOG_DEFAULT_SCROLLBACK;
    c->log = chatlog_new(scrollback);
    chatlog_set_nick(c->log, c->nick);
    c->heartbeat_ms = opts->heartbeat_ms ? opts->heartbeat_ms : CHAT_DEFAULT_HEARTBEAT_MS;
    c->quiet_join = opts->quiet_join;
    rscript_init(&c->send_script, chat_send_script);
    c->notify = opts->notify;
    c->privdata = opts->privdata;
    int interval = opts->rate_interval_ms == 0 ? CHAT_RATE_INTERVAL_MS : opts->rate_interval_ms;
    ratelimit_init(&c->rate, opts->rate_burst ? opts->rate_burst : CHAT_RATE_BURST,
                   interval < 0 ? 0 : (unsigned)interval);

    ev_timer_init(&c->heartbeat, chatpresence_on_heartbeat, (double)c->heartbeat_ms / 1000.,
                  (double)c->heartbeat_ms / 1000.);
    ev_init(&c->send_timer, chatoutq_on_send_timer);
    ev_timer_init(&c->sync_retry, chathistory_on_sync_retry, CHAT_SYNC_RETRY_S, 0.);
    c->heartbeat.data = c->send_timer.data = c->sync_retry.data = c;
    ev_timer_start(loop, &c->heartbeat);

    struct rconnpair_opts po = {
        .name = opts->name ? opts->name : "chat",
        .connect_timeout_ms = opts->connect_timeout_ms,
        .command_timeout_ms = opts->command_timeout_ms,
        .on_state = on_state,
        .on_sub_up = chathistory_on_sub_up,
        .on_message = chathistory_on_message,
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
        chatoutq_out_free(o);
    }
    while (c->unsure_head) {
        struct chat_out *o = c->unsure_head;
        c->unsure_head = o->next;
        chatoutq_out_free(o);
    }
    chatlog_free(c->log);
    presence_free(&c->presence);
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

const struct presence *chat_presence(const struct chat *c)
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
        snprintf(buf, cap, "reconnecting (attempt %u)%s%s", rconn_attempt(worst), *why ? ": " : "",
                 why);
    else
        snprintf(buf, cap, "%s%s%s", rconn_state_name(s), *why ? ": " : "", why);
}
