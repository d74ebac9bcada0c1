/* chatoutq.c — the outgoing queue: messages wait here for the rate limit and the connection,
 * go out through chat_send_script in order, and are checked against the log when a reply is
 * lost, so nothing is sent twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/chat/chat_impl.h"

#include "core/mem.h"

void chatoutq_out_free(struct chat_out *o)
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
        chat_emit(c, CHAT_EV_IDLE, NULL, true, NULL, false);
}

/* The script stored o as id but its PUBLISH was refused (why): nobody got it live, not even
 * us. It is in the room's history, so it joins our log as if it had come back, and the owner
 * is told exactly that. */
static void stored_not_broadcast(struct chat *c, struct chat_out *o, const char *id,
                                 const char *why)
{
    struct chatlog_entry e = {.kind = o->kind,
                              .ts_ms = chat_parse_ts(o->ts, strlen(o->ts), 0),
                              .nick = o->nick,
                              .nick_len = strlen(o->nick),
                              .text = o->text,
                              .text_len = o->len};
    bool here = c->room[0] && strcmp(o->log_key, c->log_key) == 0;
    if (here && chatlog_id_parse(id, strlen(id), &e.id) == 0)
        chathistory_add_live(c, &e);
    bool said = o->kind == CHATLOG_MSG || o->kind == CHATLOG_ME;
    const char *room = strrchr(o->channel, ':'); /* NS:chat:ROOM; a room has no ':' */
    chat_notice(c, false,
                "%s%s stored in the history of #%s as %s but not broadcast (Redis refused the "
                "PUBLISH: %s): others see it only when they read the history again (on joining or "
                "reconnecting)",
                said ? "message" : chatlog_kind_name(o->kind), said ? "" : " message",
                room ? room + 1 : o->channel, id, why);
    chat_emit(c, CHAT_EV_NOT_BROADCAST, NULL, true, id, false);
}

static void settle_unsure(struct chat *c);

static void on_sent(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    struct chat_out *o = r->out;
    free(r);
    if (c->closing) {
        chatoutq_out_free(o);
        return;
    }
    c->inflight--;
    if (reply == NULL || rscript_is_noscript(reply)) {
        /* NULL: lost with the connection, settled once reconnected. NOSCRIPT: not stored; sent
         * again, the first as EVAL, once every send before it has answered. */
        o->next = NULL;
        o->noscript = reply != NULL;
        o->verified = o->noscript ? -1 : 0;
        c->send_body |= o->noscript;
        if (c->unsure_tail)
            c->unsure_tail->next = o;
        else
            c->unsure_head = o;
        c->unsure_tail = o;
        c->unsure_len++;
        if (reply == NULL)
            return;
    } else {
        const char *id, *why;
        if (chat_send_reply_parse(reply, &id, &why) != 0)
            chat_notice(c, true, "message not sent: %s",
                        reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        else if (why == NULL)
            chat_emit(c, CHAT_EV_SENT, NULL, true, id, false);
        else
            stored_not_broadcast(c, o, id, why);
        chatoutq_out_free(o);
    }
    if (c->unsure_head && c->inflight == 0 && c->verifying == 0)
        settle_unsure(c); /* idle, or sending again */
    else
        maybe_idle(c);
}

/* Whether stream entry e is message o (same nick, kind, text and client time stamp). */
static bool entry_is(const redisReply *e, const struct chat_out *o)
{
    struct chatlog_entry x;
    if (chat_entry_parse(e, &x) != 0 || x.kind != o->kind)
        return false;
    char ts[24];
    snprintf(ts, sizeof(ts), "%lld", (long long)x.ts_ms);
    return strcmp(ts, o->ts) == 0 && x.nick_len == strlen(o->nick) &&
           memcmp(x.nick, o->nick, x.nick_len) == 0 && x.text_len == o->len &&
           memcmp(x.text, o->text, o->len) == 0;
}

void chatoutq_pump(struct chat *c);

/* All checks answered (and nothing in flight): report what was stored, put the rest back at the
 * head of the queue in their order, and carry on sending. If a check itself failed, wait for the
 * next connection. */
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
            chat_emit(c, CHAT_EV_SENT, NULL, true, o->id, false);
            chatoutq_out_free(o);
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
    chatoutq_pump(c);
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
void chatoutq_verify_unsure(struct chat *c)
{
    if (c->verifying > 0)
        return;
    for (struct chat_out *o = c->unsure_head; o; o = o->next) {
        if (o->noscript)
            continue; /* known not stored */
        struct chat_req *r = chat_req_new(c, REQ_VERIFY);
        r->out = o;
        o->verified = 0;
        if (rconn_command(c->cmd, on_verify, r, "XREVRANGE %s + - COUNT 500", o->log_key) == 0)
            c->verifying++;
        else
            free(r);
    }
}

void chatoutq_pump(struct chat *c)
{
    while (c->q_head && c->unsure_head == NULL && rconn_get_state(c->cmd) == RCONN_UP) {
        int64_t wait = ratelimit_take(&c->rate, chat_now_ms());
        if (wait > 0) {
            if (!ev_is_active(&c->send_timer)) {
                ev_timer_set(&c->send_timer, (double)wait / 1000., 0.);
                ev_timer_start(c->loop, &c->send_timer);
            }
            if (!c->rate_noticed)
                chat_notice(c, false, "rate limit: holding messages back, one goes every %u ms",
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
        if (!c->send_body) /* the body only when the server lost it */
            rscript_use_sha(&c->send_script, args.argv, args.len);
        c->send_body = false;
        struct chat_req *r = chat_req_new(c, REQ_SEND);
        r->out = o;
        if (rconn_command_argv(c->cmd, on_sent, r, CHAT_SEND_ARGC, args.argv, args.len) == 0) {
            c->inflight++;
        } else {
            free(r);
            chatoutq_out_free(o);
        }
    }
    if (c->q_head == NULL)
        c->rate_noticed = false;
}

void chatoutq_on_send_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    chatoutq_pump(t->data);
}

void chatoutq_enqueue(struct chat *c, enum chatlog_kind kind, const char *text, size_t len)
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
    chatoutq_pump(c);
}
