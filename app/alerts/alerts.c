/* alerts.c — the on-call loop (see alerts.h): sliced evaluation on the libev loop, the
 * announcer lease, exactly-once announcements, and the shared board fed by NS:alerts. */
#include "app/alerts/alerts.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app/alerts/alerts_json.h"
#include "app/chat/chat.h"
#include "app/redis/rconnpair.h"
#include "core/chatlog.h"
#include "core/mem.h"
#include "core/tmpl.h"

/* ---------------------------------------------------------------------------------------------
 * Scripts (documented in alerts.h and docs/protocol.md)
 * ------------------------------------------------------------------------------------------ */

const char alerts_announce_script[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "local cur = redis.call('HGET', KEYS[2], ARGV[2])\n"
    "local st = 'inactive'\n"
    "if cur then\n"
    "  local ok, o = pcall(cjson.decode, cur)\n"
    "  if ok and type(o) == 'table' and type(o.state) == 'string' then st = o.state end\n"
    "end\n"
    "if st == ARGV[3] then return 1 end\n"
    "local id = redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'type', 'transition',"
    " 'id', ARGV[2], 'to', ARGV[3], 'json', ARGV[4])\n"
    "if ARGV[3] == 'inactive' then redis.call('HDEL', KEYS[2], ARGV[2])\n"
    "else redis.call('HSET', KEYS[2], ARGV[2], ARGV[4]) end\n"
    "if ARGV[3] ~= 'pending' and ARGV[3] ~= 'firing' then redis.call('HDEL', KEYS[4], ARGV[2])"
    " end\n"
    "redis.call('PUBLISH', KEYS[5], ARGV[4])\n"
    "return id\n";

const char alerts_ack_script[] =
    "local cur = redis.call('HGET', KEYS[1], ARGV[1])\n"
    "if not cur then return 0 end\n"
    "local ok, o = pcall(cjson.decode, cur)\n"
    "if not ok or type(o) ~= 'table' or (o.state ~= 'firing' and o.state ~= 'pending') then"
    " return 0 end\n"
    "redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])\n"
    "redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'type', 'ack', 'id', ARGV[1],"
    " 'json', ARGV[2])\n"
    "redis.call('PUBLISH', KEYS[4], ARGV[2])\n"
    "return 1\n";

const char alerts_silence_script[] =
    "if ARGV[4] == 'del' then\n"
    "  if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end\n"
    "else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end\n"
    "local t = 'silence'\n"
    "if ARGV[4] == 'del' then t = 'unsilence' end\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'type', t, 'matcher', ARGV[1],"
    " 'json', ARGV[2])\n"
    "redis.call('PUBLISH', KEYS[3], ARGV[2])\n"
    "return 1\n";

/* KEYS = lease; ARGV = token, lease ms. 1 when renewed, 0 when the lease is not ours. */
static const char renew_script[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                   "  return redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                                   "end\n"
                                   "return 0\n";

/* KEYS = lease; ARGV = token. */
static const char release_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* KEYS = silences; ARGV = matcher, now ms: deletes the silence if it has expired. */
static const char expire_script[] = "local v = redis.call('HGET', KEYS[1], ARGV[1])\n"
                                    "if not v then return 0 end\n"
                                    "local ok, o = pcall(cjson.decode, v)\n"
                                    "if ok and type(o) == 'table' and tonumber(o.until_ms) and"
                                    " tonumber(o.until_ms) <= tonumber(ARGV[2]) then\n"
                                    "  return redis.call('HDEL', KEYS[1], ARGV[1])\n"
                                    "end\n"
                                    "return 0\n";

/* ---------------------------------------------------------------------------------------------
 * State
 * ------------------------------------------------------------------------------------------ */

enum load_part { LOAD_STATE, LOAD_ACKS, LOAD_SILENCES, LOAD_PARTS };

struct inflight {
    char *id;
    enum alert_state to;
};

struct raw {
    char *s;
    size_t len;
};

struct alerts {
    struct ev_loop *loop;
    struct rconn *cmd, *sub;
    char *ns, *room, *nick, *token;
    char *k_lease, *k_channel, *k_log, *k_state, *k_acks, *k_silences;
    char *k_chat_log, *k_chat_channel; /* NULL without a room */
    struct alert_engine *engine;       /* NULL: display only */
    const struct series_table *tab;
    struct alert_board *board;
    unsigned lease_ms, renew_ms, eval_interval_ms;
    int64_t stall_grace_ms;
    alerts_notify_fn *notify;
    void *privdata;
    ev_timer eval_timer, slice_timer, lease_timer, load_retry;

    bool ready, warm, stopping, closing;
    bool leader;
    double leader_valid_until; /* monotonic ms */
    bool lease_busy;
    char *leader_nick; /* from the latest leader message */

    /* loading the board: subscribe, then read the three hashes, then replay what arrived */
    bool loaded, loading;
    unsigned load_epoch;
    int load_left;
    struct raw *load[LOAD_PARTS]; /* field, value, field, value ... */
    size_t nload[LOAD_PARTS];
    struct raw *queue;
    size_t nqueue, queue_cap;
    bool queue_overflow;

    /* evaluation */
    double eval_started; /* monotonic ms */
    double eval_spent;   /* ms in slices of the evaluation in progress */
    int64_t newest_seen, newest_wall, last_eval;
    struct inflight *inflight;
    size_t ninflight, inflight_cap;
    int chat_budget;
    size_t chat_suppressed;
    char summary[TMPL_TEXT_MAX], runbook[TMPL_TEXT_MAX]; /* rendering scratch */
    struct alerts_stats stats;
};

/* A request whose callback needs more than the alerts object. */
struct req {
    struct alerts *a;
    unsigned epoch;                 /* load: the load it belongs to */
    int part;                       /* load: which hash */
    double sent;                    /* lease: monotonic ms when sent */
    struct alert_board_entry entry; /* announce: the state announced (owned copy) */
    enum alert_state from;
    char *chat; /* announce: the chat line to post once announced, or NULL */
    char *note; /* ack/silence: the chat note to post once done */
    char *what; /* ack/silence: for messages */
    char *who;  /* ack/silence: the nick the note is posted as */
};

static void req_free(struct req *r)
{
    alert_board_entry_clear(&r->entry);
    free(r->chat);
    free(r->note);
    free(r->what);
    free(r->who);
    free(r);
}

static struct req *req_new(struct alerts *a)
{
    struct req *r = xcalloc(1, sizeof *r);
    r->a = a;
    return r;
}

double alerts_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *key(const char *ns, const char *suffix)
{
    size_t n = strlen(ns) + strlen(suffix) + 2;
    char *k = xmalloc(n);
    snprintf(k, n, "%s:%s", ns, suffix);
    return k;
}

static void emit(struct alerts *a, struct alerts_event_info *e)
{
    if (a->notify && !a->closing)
        a->notify(a, e, a->privdata);
}

static void emit_simple(struct alerts *a, enum alerts_event ev)
{
    struct alerts_event_info e = {.ev = ev};
    emit(a, &e);
}

static void notice(struct alerts *a, bool error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void notice(struct alerts *a, bool error, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    struct alerts_event_info e = {.ev = ALERTS_EV_NOTICE, .text = buf, .error = error};
    emit(a, &e);
}

/* Copies the strings of src into dst (dst owns them). */
static void entry_copy(struct alert_board_entry *dst, const struct alert_board_entry *src)
{
    *dst = *src;
    dst->id = xstrdup(src->id ? src->id : "");
    dst->rule = xstrdup(src->rule ? src->rule : "");
    dst->labels = xstrdup(src->labels ? src->labels : "");
    dst->expr = xstrdup(src->expr ? src->expr : "");
    dst->series = xstrdup(src->series ? src->series : "");
    dst->summary = xstrdup(src->summary ? src->summary : "");
    dst->runbook = xstrdup(src->runbook ? src->runbook : "");
    dst->ack_by = src->ack_by ? xstrdup(src->ack_by) : NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Chat: the chat module's send script, on our command connection
 * ------------------------------------------------------------------------------------------ */

static void chat_post(struct alerts *a, const char *nick, enum chatlog_kind kind, const char *text)
{
    if (!a->k_chat_log || a->closing)
        return;
    char ts[32];
    snprintf(ts, sizeof ts, "%" PRId64, wall_ms());
    size_t tlen = strlen(text);
    if (tlen > CHATLOG_TEXT_MAX) /* cut on a UTF-8 boundary */
        for (tlen = CHATLOG_TEXT_MAX; tlen > 0 && ((unsigned char)text[tlen] & 0xC0) == 0x80;)
            tlen--;
    struct chat_send_args args;
    chat_send_args(&args, a->k_chat_log, a->k_chat_channel, nick, kind, text, tlen, ts);
    if (rconn_command_argv(a->cmd, NULL, NULL, CHAT_SEND_ARGC, args.argv, args.len) == 0 &&
        kind == CHATLOG_ALERT)
        a->stats.chat_sent++;
}

/* ---------------------------------------------------------------------------------------------
 * The board: loading and live messages
 * ------------------------------------------------------------------------------------------ */

static bool is_silenced_now(struct alerts *a, const struct alert_board_entry *e)
{
    return alert_board_silenced(a->board, e->rule ? e->rule : "", e->short_id,
                                e->labels ? e->labels : "", wall_ms()) != NULL;
}

/* A silence from Redis whose matcher was refused: it silences nothing (the board keeps it
 * among the rejected ones); say so once, where the user looks. */
static void notice_rejected(struct alerts *a, const char *matcher, const char *reason)
{
    size_t n = strlen(matcher);
    notice(a, true, "silence %.*s%s rejected (not applied): %s", (int)(n > 120 ? 120 : n), matcher,
           n > 120 ? "..." : "", reason);
}

static void apply_message(struct alerts *a, const char *json, size_t len, bool live)
{
    struct alerts_msg m;
    if (alerts_json_parse(json, len, ALERTS_MSG_TRANSITION, &m) != 0)
        return;
    struct alerts_event_info e = {0};
    char err[256];
    switch (m.type) {
    case ALERTS_MSG_TRANSITION: {
        const struct alert_board_entry *prev = alert_board_find(a->board, m.entry.id);
        bool was_firing = prev && strcmp(prev->id, m.entry.id) == 0 && prev->state == ALERT_FIRING;
        const struct alert_board_entry *now = alert_board_put(a->board, &m.entry);
        e.ev = ALERTS_EV_TRANSITION;
        e.entry = now ? now : &m.entry;
        e.from = m.from;
        e.to = m.to;
        e.bell = live && m.to == ALERT_FIRING && !was_firing &&
                 m.entry.severity >= RULE_SEV_CRITICAL && !m.entry.silenced &&
                 !is_silenced_now(a, &m.entry);
        if (live)
            emit(a, &e);
        break;
    }
    case ALERTS_MSG_ACK:
        if (alert_board_ack(a->board, m.id, m.who, m.at_ms) == 0 && live) {
            e.ev = ALERTS_EV_ACK;
            e.entry = alert_board_find(a->board, m.id);
            e.who = m.who;
            emit(a, &e);
        }
        break;
    case ALERTS_MSG_SILENCE:
        if (m.until_ms <= wall_ms())
            break;
        if (alert_board_silence(a->board, m.matcher, m.until_ms, m.who, m.comment, err,
                                sizeof err) != 0) {
            if (live)
                notice_rejected(a, m.matcher, err);
        } else if (live) {
            e.ev = ALERTS_EV_SILENCE;
            e.matcher = m.matcher;
            e.who = m.who;
            e.comment = m.comment;
            e.until_ms = m.until_ms;
            emit(a, &e);
        }
        break;
    case ALERTS_MSG_UNSILENCE:
        if (alert_board_unsilence(a->board, m.matcher) == 0 && live) {
            e.ev = ALERTS_EV_SILENCE;
            e.matcher = m.matcher;
            e.who = m.who;
            emit(a, &e);
        }
        break;
    case ALERTS_MSG_LEADER:
        free(a->leader_nick);
        a->leader_nick = xstrdup(m.who ? m.who : "?");
        break;
    }
    alerts_msg_clear(&m);
    if (live)
        emit_simple(a, ALERTS_EV_BOARD);
}

static void raw_free(struct raw *r, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(r[k].s);
    free(r);
}

static void load_reset(struct alerts *a)
{
    for (int p = 0; p < LOAD_PARTS; p++) {
        raw_free(a->load[p], a->nload[p]);
        a->load[p] = NULL;
        a->nload[p] = 0;
    }
}

static void queue_clear(struct alerts *a)
{
    raw_free(a->queue, a->nqueue);
    a->queue = NULL;
    a->nqueue = a->queue_cap = 0;
    a->queue_overflow = false;
}

static void start_load(struct alerts *a);

/* All three hashes are in: rebuild the board, then apply what arrived meanwhile. */
static void finish_load(struct alerts *a)
{
    char err[256];
    int64_t now = wall_ms();
    /* the rejections already reported, so a reload does not repeat them */
    const struct alert_board_rejected *rej;
    size_t nold = alert_board_rejected_silences(a->board, &rej);
    char **old = xcalloc(nold + 1, sizeof *old);
    for (size_t k = 0; k < nold; k++)
        old[k] = xstrdup(rej[k].matcher);
    alert_board_clear(a->board);
    alert_board_clear_silences(a->board);
    for (size_t k = 0; k + 1 < a->nload[LOAD_STATE]; k += 2)
        apply_message(a, a->load[LOAD_STATE][k + 1].s, a->load[LOAD_STATE][k + 1].len, false);
    for (size_t k = 0; k + 1 < a->nload[LOAD_ACKS]; k += 2) {
        struct alerts_msg m;
        const struct raw *v = &a->load[LOAD_ACKS][k + 1];
        if (alerts_json_parse(v->s, v->len, ALERTS_MSG_ACK, &m) != 0)
            continue;
        alert_board_ack(a->board, a->load[LOAD_ACKS][k].s, m.who, m.at_ms);
        alerts_msg_clear(&m);
    }
    for (size_t k = 0; k + 1 < a->nload[LOAD_SILENCES]; k += 2) {
        struct alerts_msg m;
        const struct raw *v = &a->load[LOAD_SILENCES][k + 1];
        if (alerts_json_parse(v->s, v->len, ALERTS_MSG_SILENCE, &m) != 0)
            continue;
        const char *matcher = a->load[LOAD_SILENCES][k].s;
        if (m.until_ms > now && alert_board_silence(a->board, matcher, m.until_ms, m.who, m.comment,
                                                    err, sizeof err) != 0) {
            size_t j = 0;
            while (j < nold && strcmp(old[j], matcher) != 0)
                j++;
            if (j == nold)
                notice_rejected(a, matcher, err);
        }
        alerts_msg_clear(&m);
    }
    for (size_t k = 0; k < nold; k++)
        free(old[k]);
    free(old);
    load_reset(a);
    a->loading = false;
    a->loaded = true;
    bool overflow = a->queue_overflow;
    for (size_t k = 0; k < a->nqueue; k++)
        apply_message(a, a->queue[k].s, a->queue[k].len, true);
    queue_clear(a);
    emit_simple(a, ALERTS_EV_BOARD);
    if (overflow) /* too much arrived meanwhile: read the hashes again */
        start_load(a);
}

static void on_load(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    bool current = !a->closing && r->epoch == a->load_epoch && a->loading;
    int part = r->part;
    req_free(r);
    if (!current)
        return;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply && reply->type == REDIS_REPLY_ERROR)
            notice(a, true, "alerts: cannot read the shared state: %s", reply->str);
        a->load_epoch++; /* the other parts of this load are void */
        if (!ev_is_active(&a->load_retry))
            ev_timer_start(a->loop, &a->load_retry);
        return;
    }
    size_t n = reply->elements;
    a->load[part] = xcalloc(n + 1, sizeof(struct raw));
    for (size_t k = 0; k < n; k++) {
        const redisReply *el = reply->element[k];
        if (el->type != REDIS_REPLY_STRING)
            continue;
        a->load[part][a->nload[part]].s = xmalloc(el->len + 1);
        memcpy(a->load[part][a->nload[part]].s, el->str, el->len);
        a->load[part][a->nload[part]].s[el->len] = '\0';
        a->load[part][a->nload[part]].len = el->len;
        a->nload[part]++;
    }
    if (--a->load_left == 0)
        finish_load(a);
}

static void start_load(struct alerts *a)
{
    const char *keys[LOAD_PARTS] = {a->k_state, a->k_acks, a->k_silences};
    load_reset(a);
    a->loading = true;
    a->load_epoch++;
    a->load_left = LOAD_PARTS;
    for (int p = 0; p < LOAD_PARTS; p++) {
        struct req *r = req_new(a);
        r->epoch = a->load_epoch;
        r->part = p;
        if (rconn_command(a->cmd, on_load, r, "HGETALL %s", keys[p]) != 0) {
            req_free(r);
            a->load_epoch++;
            ev_timer_start(a->loop, &a->load_retry);
            return;
        }
    }
}

static void on_load_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct alerts *a = t->data;
    ev_timer_stop(a->loop, t);
    if (a->loading)
        start_load(a);
}

static void on_sub_up(struct rconn *rc, void *privdata)
{
    struct alerts *a = privdata;
    rconn_subscribe(rc, a->k_channel, 0);
}

static void on_sub_message(struct rconn *rc, const redisReply *msg, void *privdata)
{
    (void)rc;
    struct alerts *a = privdata;
    struct rconn_msg m;
    if (rconn_message_parse(msg, &m) != 0 || !m.channel || m.channel_len != strlen(a->k_channel) ||
        memcmp(m.channel, a->k_channel, m.channel_len))
        return;
    if (strcmp(m.kind, "subscribe") == 0) {
        queue_clear(a);
        start_load(a);
    } else if (strcmp(m.kind, "message") == 0) {
        if (!a->loading) {
            apply_message(a, m.payload, m.payload_len, true);
            return;
        }
        if (a->nqueue >= ALERTS_QUEUE_MAX) {
            a->queue_overflow = true;
            return;
        }
        if (a->nqueue == a->queue_cap) {
            a->queue_cap = a->queue_cap ? 2 * a->queue_cap : 64;
            a->queue = xrealloc(a->queue, a->queue_cap * sizeof *a->queue);
        }
        struct raw *q = &a->queue[a->nqueue++];
        q->s = xmalloc(m.payload_len + 1);
        memcpy(q->s, m.payload, m.payload_len);
        q->s[m.payload_len] = '\0';
        q->len = m.payload_len;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Announcing (leader only)
 * ------------------------------------------------------------------------------------------ */

static void step_down(struct alerts *a, const char *why)
{
    if (!a->leader)
        return;
    a->leader = false;
    struct alerts_event_info e = {.ev = ALERTS_EV_LEADER, .text = why};
    emit(a, &e);
}

static void inflight_remove(struct alerts *a, const char *id, enum alert_state to)
{
    for (size_t k = 0; k < a->ninflight; k++)
        if (a->inflight[k].to == to && strcmp(a->inflight[k].id, id) == 0) {
            free(a->inflight[k].id);
            a->inflight[k] = a->inflight[--a->ninflight];
            return;
        }
}

/* The state the board will show for id once what we sent has arrived. */
static enum alert_state shared_state(struct alerts *a, const char *id)
{
    for (size_t k = a->ninflight; k-- > 0;)
        if (strcmp(a->inflight[k].id, id) == 0)
            return a->inflight[k].to;
    const struct alert_board_entry *b = alert_board_find(a->board, id);
    return b && strcmp(b->id, id) == 0 ? b->state : ALERT_INACTIVE;
}

static void on_announce(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    inflight_remove(a, r->entry.id, r->entry.state);
    if (a->closing || !reply) {
        req_free(r);
        return;
    }
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        step_down(a, "another instance holds the lease");
    } else if (reply->type == REDIS_REPLY_INTEGER) {
        a->stats.duplicates++;
    } else if (reply->type == REDIS_REPLY_STRING) {
        a->stats.announced++;
        struct alerts_event_info e = {
            .ev = ALERTS_EV_ANNOUNCED, .entry = &r->entry, .from = r->from, .to = r->entry.state};
        emit(a, &e);
        if (r->chat)
            chat_post(a, ALERTS_CHAT_NICK, CHATLOG_ALERT, r->chat);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        notice(a, true, "alerts: announcing %s failed: %s", r->entry.id, reply->str);
    }
    req_free(r);
}

/* Announces that e (whose state is the new one) moved from `from`. */
static void announce(struct alerts *a, const struct alert_board_entry *e, enum alert_state from)
{
    struct req *r = req_new(a);
    entry_copy(&r->entry, e);
    r->entry.silenced = is_silenced_now(a, e);
    r->from = from;
    if (e->state != ALERT_INACTIVE && !r->entry.silenced && a->k_chat_log) {
        if (a->chat_budget > 0) {
            char text[CHATLOG_TEXT_MAX];
            alerts_chat_text(&r->entry, from, text, sizeof text);
            r->chat = xstrdup(text);
            a->chat_budget--;
        } else {
            a->chat_suppressed++;
        }
    }
    char *json = alerts_json_transition(&r->entry, from, a->token);
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    const char *to = alert_state_name(e->state);
    const char *argv[] = {
        "EVAL",    alerts_announce_script, "5",      a->k_lease,  a->k_state, a->k_log,
        a->k_acks, a->k_channel,           a->token, r->entry.id, to,         json,
        maxlen};
    if (a->ninflight == a->inflight_cap) {
        a->inflight_cap = a->inflight_cap ? 2 * a->inflight_cap : 16;
        a->inflight = xrealloc(a->inflight, a->inflight_cap * sizeof *a->inflight);
    }
    a->inflight[a->ninflight++] = (struct inflight){xstrdup(e->id), e->state};
    if (rconn_command_argv(a->cmd, on_announce, r, 13, argv, NULL) != 0) {
        inflight_remove(a, e->id, e->state);
        req_free(r);
    }
    free(json);
}

/* The board form of an engine instance (strings borrowed from inst, summary and runbook from
 * the buffers; e->series allocated: the caller frees it). */
static void entry_of_instance(const struct alert_instance *in, struct alert_board_entry *e,
                              char *summary, char *runbook, size_t cap)
{
    memset(e, 0, sizeof *e);
    e->series = alert_instance_series(in);
    alert_render(in, in->rule->summary, summary, cap);
    alert_render(in, in->rule->runbook, runbook, cap);
    e->id = in->id;
    memcpy(e->short_id, in->short_id, sizeof e->short_id);
    e->rule = in->rule->name;
    e->labels = in->labels;
    e->expr = in->rule->expr.text;
    e->summary = summary;
    e->runbook = runbook;
    e->state = in->state;
    e->severity = in->rule->severity;
    e->value = in->value;
    e->threshold = in->rule->expr.threshold;
    e->since_ms = in->since_ms;
    e->active_since_ms = in->active_since_ms;
}

/* Announces every difference between the engine and the board: the engine's transitions of
 * this evaluation, and, after a takeover, whatever changed while nobody announced. */
static void reconcile(struct alerts *a)
{
    if (!a->leader || a->loading || !a->loaded || !a->warm || a->stopping)
        return;
    if (alerts_mono_ms() > a->leader_valid_until) {
        step_down(a, "the lease was not renewed in time");
        return;
    }
    a->chat_budget = ALERTS_CHAT_MAX_PER_EVAL;
    a->chat_suppressed = 0;

    const struct alert_instance *const *list;
    size_t n = alert_instances(a->engine, &list);
    for (size_t k = 0; k < n; k++) {
        enum alert_state cur = shared_state(a, list[k]->id);
        if (cur == list[k]->state)
            continue;
        struct alert_board_entry e;
        entry_of_instance(list[k], &e, a->summary, a->runbook, sizeof a->summary);
        announce(a, &e, cur);
        free(e.series);
    }

    /* on the board but not in the engine: the engine holds them inactive */
    const struct alert_board_entry *const *bl;
    size_t nb = alert_board_list(a->board, &bl);
    const struct alert_board_entry **gone = xmalloc((nb + 1) * sizeof *gone);
    size_t ngone = 0;
    for (size_t k = 0; k < nb; k++) {
        const struct alert_instance *in = alert_find(a->engine, bl[k]->id);
        if (!in || strcmp(in->id, bl[k]->id) != 0)
            gone[ngone++] = bl[k];
    }
    for (size_t k = 0; k < ngone; k++) {
        const struct alert_board_entry *b = gone[k];
        enum alert_state cur = shared_state(a, b->id), to;
        if (cur == ALERT_FIRING)
            to = ALERT_RESOLVED;
        else if (cur == ALERT_PENDING)
            to = ALERT_INACTIVE;
        else if (cur == ALERT_RESOLVED &&
                 a->last_eval - b->since_ms >= ALERT_DEFAULT_RESOLVED_RETENTION_MS)
            to = ALERT_INACTIVE;
        else
            continue;
        struct alert_board_entry e = *b;
        e.state = to;
        e.since_ms = a->last_eval;
        e.value = NAN; /* the engine has no value for it: the announced one is stale */
        e.acked = false;
        e.ack_by = NULL;
        announce(a, &e, cur);
    }
    free(gone);
    if (a->chat_suppressed) {
        char text[256];
        snprintf(text, sizeof text,
                 "%zu more alert transitions are not shown here: see the alerts panel or "
                 "`warroom alerts`",
                 a->chat_suppressed);
        chat_post(a, ALERTS_CHAT_NICK, CHATLOG_SYSTEM, text);
    }
}

/* ---------------------------------------------------------------------------------------------
 * The lease
 * ------------------------------------------------------------------------------------------ */

static void become_leader(struct alerts *a, double sent)
{
    a->leader = true;
    a->leader_valid_until = sent + a->lease_ms - ALERTS_LEASE_MARGIN_MS;
    a->stats.lease_taken++;
    char *json = alerts_json_leader(a->token, a->nick, wall_ms());
    rconn_command(a->cmd, NULL, NULL, "PUBLISH %s %s", a->k_channel, json);
    free(json);
    struct alerts_event_info e = {.ev = ALERTS_EV_LEADER, .text = "took the announcer lease"};
    emit(a, &e);
    if (!alert_eval_running(a->engine)) /* else the evaluation's end does it */
        reconcile(a);
}

static void on_lease(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    double sent = r->sent;
    bool renew = r->part != 0;
    req_free(r);
    a->lease_busy = false;
    if (a->closing || a->stopping || !reply)
        return;
    if (renew) {
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1)
            a->leader_valid_until = sent + a->lease_ms - ALERTS_LEASE_MARGIN_MS;
        else if (reply->type == REDIS_REPLY_INTEGER)
            step_down(a, "the lease was taken over");
    } else if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0) {
        become_leader(a, sent);
    }
}

static void on_lease_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct alerts *a = t->data;
    double now = alerts_mono_ms();
    if (a->stopping || !a->engine)
        return;
    if (a->leader && now > a->leader_valid_until)
        step_down(a, "the lease was not renewed in time");
    if (a->lease_busy || !a->warm || !a->loaded || a->loading)
        return;
    struct req *r = req_new(a);
    r->sent = now;
    r->part = a->leader;
    char ms[16];
    snprintf(ms, sizeof ms, "%u", a->lease_ms);
    int rc;
    if (a->leader)
        rc = rconn_command(a->cmd, on_lease, r, "EVAL %s 1 %s %s %s", renew_script, a->k_lease,
                           a->token, ms);
    else
        rc = rconn_command(a->cmd, on_lease, r, "SET %s %s NX PX %s", a->k_lease, a->token, ms);
    if (rc != 0)
        req_free(r);
    else
        a->lease_busy = true;
}

/* ---------------------------------------------------------------------------------------------
 * Evaluation
 * ------------------------------------------------------------------------------------------ */

bool alerts_eval_slice(struct alert_engine *e, double budget_ms, uint64_t *steps)
{
    double t0 = alerts_mono_ms();
    do {
        if (alert_eval_step(e, ALERTS_STEP_UNITS))
            return true;
        if (steps)
            (*steps)++;
    } while (alerts_mono_ms() - t0 < budget_ms);
    return false;
}

/* Event time for the next evaluation (see alerts.h), never earlier than the last one. */
static int64_t eval_time(struct alerts *a, int64_t wall)
{
    int64_t newest = a->tab->max_ts_ms, t;
    if (newest == INT64_MIN) {
        t = wall;
    } else {
        if (newest != a->newest_seen) {
            a->newest_seen = newest;
            a->newest_wall = wall;
        }
        int64_t idle = wall - a->newest_wall - a->stall_grace_ms;
        t = idle > 0 ? newest + idle : newest;
    }
    /* the last ms of its second: evaluations of consecutive seconds are then exactly 1 s apart
     * in event time, so `for` is met at the evaluation it names, not one later by jitter */
    t = (t >= 0 ? t / 1000 : (t - 999) / 1000) * 1000 + 999;
    return t > a->last_eval ? t : a->last_eval;
}

/* Where this engine lags what was announced (it started later, or just took over), it
 * continues from the announced state: see alert_adopt. */
static void adopt_board(struct alerts *a)
{
    if (!a->loaded || a->loading)
        return;
    const struct alert_instance *const *list;
    size_t n = alert_instances(a->engine, &list), npend = 0;
    char **pend = xmalloc((n + 1) * sizeof *pend);
    for (size_t k = 0; k < n; k++)
        if (list[k]->state == ALERT_PENDING)
            pend[npend++] = xstrdup(list[k]->id);
    for (size_t k = 0; k < npend; k++) {
        const struct alert_board_entry *b = alert_board_find(a->board, pend[k]);
        if (b && strcmp(b->id, pend[k]) == 0 &&
            (b->state == ALERT_FIRING || b->state == ALERT_PENDING))
            alert_adopt(a->engine, pend[k], b->state, b->since_ms,
                        b->active_since_ms ? b->active_since_ms : b->since_ms);
        free(pend[k]);
    }
    free(pend);
}

static void eval_done(struct alerts *a)
{
    const struct alert_transition *tr;
    alert_eval_end(a->engine, &tr);
    a->stats.evaluations++;
    a->stats.eval_ms_last = a->eval_spent;
    a->stats.eval_time_ms = a->last_eval;
    if (a->ready)
        a->warm = true;
    adopt_board(a);
    reconcile(a);
    emit_simple(a, ALERTS_EV_BOARD); /* live values changed */
}

static void on_slice(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct alerts *a = t->data;
    double t0 = alerts_mono_ms();
    bool done = alerts_eval_slice(a->engine, ALERTS_SLICE_MS, NULL);
    double dt = alerts_mono_ms() - t0;
    a->stats.slices++;
    a->eval_spent += dt;
    if (dt > a->stats.slice_ms_max)
        a->stats.slice_ms_max = dt;
    if (done) {
        eval_done(a);
        return;
    }
    ev_timer_set(t, 0., 0.); /* the rest on the next loop iteration, after pending I/O */
    ev_timer_start(loop, t);
}

static void on_eval_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)revents;
    struct alerts *a = t->data;
    int64_t wall = wall_ms();
    if (a->leader) { /* tidy the hash; every instance expires silences locally anyway */
        const struct silence *const *sil;
        size_t n = alert_board_silences(a->board, &sil);
        char now[32];
        snprintf(now, sizeof now, "%" PRId64, wall);
        for (size_t k = 0; k < n; k++)
            if (sil[k]->until_ms <= wall)
                rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s %s", expire_script,
                              a->k_silences, sil[k]->matcher, now);
        const struct alert_board_rejected *rej;
        n = alert_board_rejected_silences(a->board, &rej);
        for (size_t k = 0; k < n; k++)
            if (rej[k].until_ms <= wall)
                rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s %s", expire_script,
                              a->k_silences, rej[k].matcher, now);
    }
    if (alert_board_expire_silences(a->board, wall) > 0)
        emit_simple(a, ALERTS_EV_BOARD);
    if (!a->engine || !a->ready || a->stopping || alert_eval_running(a->engine))
        return;
    int64_t now = eval_time(a, wall);
    if (alert_eval_begin(a->engine, a->tab, now) != 0)
        return;
    a->last_eval = now;
    a->eval_spent = 0;
    a->eval_started = alerts_mono_ms();
    ev_timer_set(&a->slice_timer, 0., 0.);
    ev_timer_start(loop, &a->slice_timer);
}

/* ---------------------------------------------------------------------------------------------
 * Acks and silences
 * ------------------------------------------------------------------------------------------ */

static void on_change(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    if (!a->closing) {
        if (!reply)
            notice(a, true, "%s: not sent (connection lost)", r->what);
        else if (reply->type == REDIS_REPLY_ERROR)
            notice(a, true, "%s: %s", r->what, reply->str);
        else if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0)
            notice(a, true, "%s: refused (no longer pending or firing, or unknown)", r->what);
        else if (r->note)
            chat_post(a, r->who ? r->who : a->nick, CHATLOG_SYSTEM, r->note);
    }
    req_free(r);
}

int alerts_ack(struct alerts *a, const char *id_or_short, const char *who, char *err, size_t errcap)
{
    const struct alert_board_entry *e = alert_board_find(a->board, id_or_short);
    if (!e) {
        snprintf(err, errcap, "no alert '%s' (give its short id or full id; see /alerts)",
                 id_or_short);
        return -1;
    }
    if (e->state != ALERT_PENDING && e->state != ALERT_FIRING) {
        snprintf(err, errcap, "%s [%s] is %s: only pending or firing alerts take an ack", e->id,
                 e->short_id, alert_state_name(e->state));
        return -1;
    }
    if (!who || !*who)
        who = a->nick;
    char *json = alerts_json_ack(e->id, e->short_id, who, wall_ms());
    char maxlen[16], note[512];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    snprintf(note, sizeof note, "%s acknowledged %s [%s]", who, e->id, e->short_id);
    struct req *r = req_new(a);
    r->note = xstrdup(note);
    r->what = xstrdup("ack");
    r->who = xstrdup(who);
    const char *argv[] = {"EVAL",   alerts_ack_script, "4",   a->k_state, a->k_acks,
                          a->k_log, a->k_channel,      e->id, json,       maxlen};
    int rc = rconn_command_argv(a->cmd, on_change, r, 10, argv, NULL);
    free(json);
    if (rc != 0) {
        req_free(r);
        snprintf(err, errcap, "ack not sent: the connection is closing");
        return -1;
    }
    return 0;
}

static int send_silence(struct alerts *a, const char *matcher, const char *json, bool del,
                        const char *who, const char *note)
{
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    struct req *r = req_new(a);
    r->note = xstrdup(note);
    r->what = xstrdup(del ? "unsilence" : "silence");
    r->who = xstrdup(who);
    const char *argv[] = {"EVAL",   alerts_silence_script, "3",     a->k_silences,
                          a->k_log, a->k_channel,          matcher, json,
                          maxlen,   del ? "del" : "set"};
    if (rconn_command_argv(a->cmd, on_change, r, 10, argv, NULL) != 0) {
        req_free(r);
        return -1;
    }
    return 0;
}

int alerts_silence(struct alerts *a, const char *matcher, int64_t duration_ms, const char *who,
                   const char *comment, char *err, size_t errcap)
{
    char msg[256];
    if (duration_ms <= 0) {
        snprintf(err, errcap, "a silence needs a positive duration (e.g. 30m, 2h)");
        return -1;
    }
    struct silence *s = alert_silence_new(matcher, 0, NULL, NULL, msg, sizeof msg);
    if (!s) {
        snprintf(err, errcap, "bad matcher '%s': %s", matcher, msg);
        return -1;
    }
    alert_silence_free(s);
    if (!who || !*who)
        who = a->nick;
    int64_t until = wall_ms() + duration_ms;
    char *json = alerts_json_silence(matcher, until, who, comment ? comment : "");
    char note[768], dur[32];
    if (duration_ms % 3600000 == 0)
        snprintf(dur, sizeof dur, "%" PRId64 "h", duration_ms / 3600000);
    else if (duration_ms % 60000 == 0)
        snprintf(dur, sizeof dur, "%" PRId64 "m", duration_ms / 60000);
    else
        snprintf(dur, sizeof dur, "%" PRId64 "s", (duration_ms + 999) / 1000);
    snprintf(note, sizeof note, "%s silenced %s for %s%s%s", who, matcher, dur,
             comment && *comment ? ": " : "", comment ? comment : "");
    int rc = send_silence(a, matcher, json, false, who, note);
    free(json);
    if (rc != 0)
        snprintf(err, errcap, "silence not sent: the connection is closing");
    return rc;
}

int alerts_unsilence(struct alerts *a, const char *matcher, const char *who, char *err,
                     size_t errcap)
{
    const struct silence *const *sil;
    const struct alert_board_rejected *rej;
    size_t n = alert_board_silences(a->board, &sil), k = 0;
    size_t nrej = alert_board_rejected_silences(a->board, &rej), j = 0;
    while (k < n && strcmp(sil[k]->matcher, matcher) != 0)
        k++;
    while (j < nrej && strcmp(rej[j].matcher, matcher) != 0) /* a rejected one can go too */
        j++;
    if (k == n && j == nrej) {
        snprintf(err, errcap, "no silence '%s'", matcher);
        return -1;
    }
    if (!who || !*who)
        who = a->nick;
    char *json = alerts_json_unsilence(matcher, who, wall_ms());
    char note[512];
    snprintf(note, sizeof note, "%s removed the silence %s", who, matcher);
    int rc = send_silence(a, matcher, json, true, who, note);
    free(json);
    if (rc != 0)
        snprintf(err, errcap, "not sent: the connection is closing");
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Life cycle
 * ------------------------------------------------------------------------------------------ */

static char *make_token(void)
{
    char host[128] = "host";
    unsigned char rnd[8] = {0};
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        uint64_t x =
            (uint64_t)wall_ms() ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(alerts_mono_ms() * 1e3);
        memcpy(rnd, &x, sizeof rnd);
    }
    char buf[200];
    int n = snprintf(buf, sizeof buf, "%s:%d:", host, (int)getpid());
    for (size_t k = 0; k < sizeof rnd && n > 0 && (size_t)n + 2 < sizeof buf; k++)
        n += snprintf(buf + n, sizeof buf - (size_t)n, "%02x", rnd[k]);
    return xstrdup(buf);
}

static void on_state(struct rconn *rc, enum rconn_state state, void *privdata)
{
    (void)rc;
    (void)state;
    emit_simple(privdata, ALERTS_EV_BOARD);
}

struct alerts *alerts_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct alerts_opts *opts, char *err, size_t errcap)
{
    char room[CHATLOG_ROOM_MAX + 1] = "";
    if (opts->room && *opts->room && chatlog_room_normalize(opts->room, room, sizeof room) != 0) {
        snprintf(err, errcap, "bad room '%s'", opts->room);
        return NULL;
    }
    struct alerts *a = xcalloc(1, sizeof *a);
    a->loop = loop;
    a->ns = xstrdup(opts->ns ? opts->ns : "wr");
    a->nick = xstrdup(opts->nick && *opts->nick ? opts->nick : "warroom");
    a->token = make_token();
    a->k_lease = key(a->ns, "alerts:lease");
    a->k_channel = key(a->ns, "alerts");
    a->k_log = key(a->ns, "alerts:log");
    a->k_state = key(a->ns, "alerts:state");
    a->k_acks = key(a->ns, "alerts:acks");
    a->k_silences = key(a->ns, "alerts:silences");
    if (room[0]) {
        char buf[128];
        a->room = xstrdup(room);
        snprintf(buf, sizeof buf, "chat:%s", room);
        a->k_chat_channel = key(a->ns, buf);
        snprintf(buf, sizeof buf, "chat:%s:log", room);
        a->k_chat_log = key(a->ns, buf);
    }
    a->board = alert_board_new();
    a->tab = opts->tab;
    if (opts->tab && opts->rules && opts->rules->count) {
        a->engine = alert_engine_new(NULL);
        alert_engine_set_rules(a->engine, opts->rules);
    }
    a->lease_ms = opts->lease_ms ? opts->lease_ms : ALERTS_LEASE_MS;
    a->renew_ms = opts->renew_ms ? opts->renew_ms : ALERTS_RENEW_MS;
    a->eval_interval_ms = opts->eval_interval_ms ? opts->eval_interval_ms : ALERTS_EVAL_INTERVAL_MS;
    a->stall_grace_ms = opts->stall_grace_ms ? opts->stall_grace_ms : ALERTS_STALL_GRACE_MS;
    a->notify = opts->notify;
    a->privdata = opts->privdata;
    a->newest_seen = INT64_MIN;
    a->last_eval = INT64_MIN;

    ev_timer_init(&a->eval_timer, on_eval_timer, a->eval_interval_ms / 1000.,
                  a->eval_interval_ms / 1000.);
    ev_init(&a->slice_timer, on_slice);
    ev_timer_init(&a->lease_timer, on_lease_timer, a->renew_ms / 1000., a->renew_ms / 1000.);
    ev_timer_init(&a->load_retry, on_load_retry, 1., 0.);
    a->eval_timer.data = a->slice_timer.data = a->lease_timer.data = a->load_retry.data = a;
    ev_timer_start(loop, &a->eval_timer);
    if (a->engine)
        ev_timer_start(loop, &a->lease_timer);

    struct rconnpair_opts po = {
        .name = opts->name ? opts->name : "alerts",
        .connect_timeout_ms = opts->connect_timeout_ms,
        .command_timeout_ms = opts->command_timeout_ms,
        .on_state = on_state,
        .on_sub_up = on_sub_up,
        .on_message = on_sub_message,
        .privdata = a,
    };
    rconnpair_open(loop, addr, &po, &a->sub, &a->cmd);
    return a;
}

void alerts_set_ready(struct alerts *a)
{
    if (a->ready)
        return;
    a->ready = true;
    if (a->engine && !a->stopping) /* evaluate at once rather than at the next tick */
        on_eval_timer(a->loop, &a->eval_timer, 0);
}

void alerts_stop(struct alerts *a)
{
    if (a->stopping)
        return;
    a->stopping = true;
    ev_timer_stop(a->loop, &a->lease_timer);
    ev_timer_stop(a->loop, &a->slice_timer);
    if (a->leader) {
        rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s", release_script, a->k_lease, a->token);
        step_down(a, "stopping: lease released");
    }
}

int alerts_release_blocking(struct alerts *a, redisContext *c)
{
    if (!a->leader)
        return 0;
    redisReply *r = redisCommand(c, "EVAL %s 1 %s %s", release_script, a->k_lease, a->token);
    int rc = r && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r)
        freeReplyObject(r);
    a->stopping = true;
    step_down(a, "stopping: lease released");
    return rc;
}

void alerts_free(struct alerts *a)
{
    if (!a)
        return;
    a->closing = true;
    ev_timer_stop(a->loop, &a->eval_timer);
    ev_timer_stop(a->loop, &a->slice_timer);
    ev_timer_stop(a->loop, &a->lease_timer);
    ev_timer_stop(a->loop, &a->load_retry);
    rconn_close(a->sub);
    rconn_close(a->cmd);
    load_reset(a);
    queue_clear(a);
    for (size_t k = 0; k < a->ninflight; k++)
        free(a->inflight[k].id);
    free(a->inflight);
    alert_engine_free(a->engine);
    alert_board_free(a->board);
    free(a->ns);
    free(a->room);
    free(a->nick);
    free(a->token);
    free(a->leader_nick);
    free(a->k_lease);
    free(a->k_channel);
    free(a->k_log);
    free(a->k_state);
    free(a->k_acks);
    free(a->k_silences);
    free(a->k_chat_log);
    free(a->k_chat_channel);
    free(a);
}

size_t alerts_pending(const struct alerts *a)
{
    return rconn_pending(a->cmd);
}

struct alert_board *alerts_board(struct alerts *a)
{
    return a->board;
}

struct alert_engine *alerts_engine(struct alerts *a)
{
    return a->engine;
}

double alerts_live_value(struct alerts *a, const char *id)
{
    if (!a->engine)
        return NAN;
    const struct alert_instance *in = alert_find(a->engine, id);
    return in && strcmp(in->id, id) == 0 ? in->value : NAN;
}

bool alerts_is_leader(const struct alerts *a)
{
    return a->leader;
}

bool alerts_board_loaded(const struct alerts *a)
{
    return a->loaded;
}

const char *alerts_token(const struct alerts *a)
{
    return a->token;
}

/* The role alone: "leader", "follower (leader: NICK)", ... */
static const char *role_text(const struct alerts *a, char *buf, size_t cap)
{
    enum rconn_state st = rconn_get_state(a->cmd);
    if (st != RCONN_UP)
        snprintf(buf, cap, "%s", rconn_state_name(st));
    else if (!a->engine)
        snprintf(buf, cap, "display only");
    else if (a->leader)
        snprintf(buf, cap, "leader");
    else if (!a->ready)
        snprintf(buf, cap, "starting");
    else if (!a->warm)
        snprintf(buf, cap, "warming up");
    else if (a->leader_nick)
        snprintf(buf, cap, "follower (leader: %s)", a->leader_nick);
    else
        snprintf(buf, cap, "follower");
    return buf;
}

const char *alerts_role_text(const struct alerts *a, char *buf, size_t cap)
{
    const struct alert_board_rejected *rej;
    size_t nrej = alert_board_rejected_silences(a->board, &rej);
    char role[96];
    if (nrej == 0)
        return role_text(a, buf, cap);
    /* the rejections first: a short buffer cuts the role, not them */
    snprintf(buf, cap, "%zu silence%s rejected; %s", nrej, nrej == 1 ? "" : "s",
             role_text(a, role, sizeof role));
    return buf;
}

void alerts_get_stats(const struct alerts *a, struct alerts_stats *out)
{
    *out = a->stats;
}

/* ---------------------------------------------------------------------------------------------
 * Rule files
 * ------------------------------------------------------------------------------------------ */

int alerts_load_rules(const char *path, struct rule_set *out, char *err, size_t errcap)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    char *text = xmalloc(cap);
    size_t n;
    while ((n = fread(text + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            text = xrealloc(text, cap);
        }
    }
    bool failed = ferror(f) != 0;
    int saved = errno;
    fclose(f);
    if (failed) {
        snprintf(err, errcap, "cannot read %s: %s", path, strerror(saved));
        free(text);
        return -1;
    }
    int rc = rule_parse_file_text(text, len, path, out, err, errcap);
    free(text);
    return rc == 0 ? 0 : -2;
}

const char *alerts_rules_path(const char *cfg_rules, char *buf, size_t cap)
{
    if (cfg_rules && *cfg_rules) {
        snprintf(buf, cap, "%s", cfg_rules);
        return buf;
    }
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    int n = -1;
    if (xdg && *xdg)
        n = snprintf(buf, cap, "%s/warroom/rules.conf", xdg);
    else if (home && *home)
        n = snprintf(buf, cap, "%s/.config/warroom/rules.conf", home);
    if (n < 0 || (size_t)n >= cap || access(buf, F_OK) != 0)
        return NULL;
    return buf;
}
