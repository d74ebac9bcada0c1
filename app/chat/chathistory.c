/* chathistory.c — the room's messages in order: subscribe, then read the history (XREVRANGE on
 * join, XRANGE from the last ID after a reconnect), merging live messages by ID. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/chat/chat_impl.h"

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
        chat_emit(c, CHAT_EV_MESSAGE, m, live, NULL, false);
        if (c->closing || gen != c->gen)
            return;
    }
}

void chathistory_add_live(struct chat *c, const struct chatlog_entry *e)
{
    size_t at;
    chatpresence_follow(c, e);
    if (chatlog_add(c->log, e, &at) != CHATLOG_ADDED)
        return;
    const struct chatlog_msg *m = chatlog_get(c->log, at);
    if (m->id.local != 0) { /* no ID: a bare PUBLISH, reported as it comes */
        chat_emit(c, CHAT_EV_MESSAGE, m, true, NULL, false);
        return;
    }
    if (c->syncing || !c->joined)
        return; /* reported in order when the read ends */
    if (chatlog_id_cmp(m->id, c->delivered) > 0)
        c->delivered = m->id;
    chat_emit(c, CHAT_EV_MESSAGE, m, true, NULL, false);
}

/* ---------------------------------------------------------------------------------------------
 * History: on join and after every resubscription
 * ------------------------------------------------------------------------------------------ */

static void on_read(struct rconn *rc, const redisReply *reply, void *privdata);

static void read_page(struct chat *c, struct chatlog_id after)
{
    struct chat_req *r = chat_req_new(c, REQ_CATCHUP);
    char start[CHATLOG_ID_MAX + 1], count[24];
    snprintf(count, sizeof(count), "%d", CHAT_PAGE);
    if (chatlog_id_is_zero(after)) {
        snprintf(start, sizeof(start), "-");
    } else {
        start[0] = '(';
        chatlog_id_format(after, start + 1, sizeof(start) - 1);
    }
    if (rconn_command(c->cmd, on_read, r, "XRANGE %s %s + COUNT %s", c->log_key, start, count) != 0)
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
    struct chat_req *r = chat_req_new(c, REQ_HISTORY);
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
    chat_emit(c, first ? CHAT_EV_JOINED : CHAT_EV_RESYNCED, NULL, !first, NULL, false);
}

static void on_read(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    enum req_kind kind = r->kind;
    bool current = chat_req_current(r);
    free(r);
    if (!current)
        return;
    if (reply == NULL) { /* timed out or connection lost: read again soon */
        if (c->subscribed)
            ev_timer_start(c->loop, &c->sync_retry);
        return;
    }
    if (reply->type != REDIS_REPLY_ARRAY) {
        chat_notice(c, true, "cannot read the history of #%s: %s", c->room,
                    reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected reply");
        finish_sync(c);
        return;
    }
    struct chatlog_entry e;
    for (size_t i = 0; i < reply->elements; i++) {
        /* XREVRANGE lists newest first: add oldest first, so a full log keeps the newest */
        size_t k = kind == REQ_HISTORY ? reply->elements - 1 - i : i;
        if (chat_entry_parse(reply->element[k], &e) != 0)
            continue;
        chatlog_add(c->log, &e, NULL);
        if (kind == REQ_HISTORY && c->history == CHAT_HISTORY_NONE &&
            chatlog_id_cmp(e.id, c->delivered) > 0)
            c->delivered = e.id; /* known, not reported */
    }
    if (kind == REQ_CATCHUP && reply->elements == CHAT_PAGE) {
        chat_entry_parse(reply->element[reply->elements - 1], &e);
        read_page(c, e.id);
        return;
    }
    finish_sync(c);
}

void chathistory_on_sync_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    struct chat *c = t->data;
    if (c->subscribed)
        start_sync(c);
}

/* ---------------------------------------------------------------------------------------------
 * The pub/sub connection
 * ------------------------------------------------------------------------------------------ */

void chathistory_on_sub_up(struct rconn *rc, void *privdata)
{
    struct chat *c = privdata;
    c->subscribed = false;
    if (c->room[0])
        rconn_subscribe(rc, c->channel, 0);
}

static bool is_channel(const struct chat *c, const char *s, size_t len)
{
    return c->room[0] && s && strlen(c->channel) == len && memcmp(c->channel, s, len) == 0;
}

void chathistory_on_message(struct rconn *rc, const redisReply *msg, void *privdata)
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
        if (chat_payload_parse(m.payload, m.payload_len, &e, &json) == 0) {
            if (e.ts_ms <= 0) /* a bare PUBLISH with neither ts nor id: when it arrived */
                e.ts_ms = chat_now_ms();
            chathistory_add_live(c, &e);
        }
        chat_payload_free(json);
    }
}
