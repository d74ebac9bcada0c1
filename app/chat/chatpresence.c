/* chatpresence.c — who is in the room: heartbeats into NS:presence:ROOM, snapshots read back,
 * and the joins, parts and nick changes seen live replayed over them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/chat/chat_impl.h"

#include "core/mem.h"
#include "core/text.h"

/* A join, part or nick change seen live updates the online list without waiting for the next
 * heartbeat; pending snapshots become stale. */
void chatpresence_follow(struct chat *c, const struct chatlog_entry *e)
{
    char nick[CHATLOG_STORE_NICK_MAX + 1], other[CHATLOG_STORE_NICK_MAX + 1];
    int changed = 0;
    if (e->kind != CHATLOG_JOIN && e->kind != CHATLOG_PART && e->kind != CHATLOG_NICK)
        return;
    snprintf(nick, sizeof(nick), "%.*s", (int)e->nick_len, e->nick);
    if (e->kind == CHATLOG_JOIN) {
        changed = presence_add(&c->presence, nick);
    } else {
        changed = presence_remove(&c->presence, nick);
        if (e->kind == CHATLOG_NICK) {
            snprintf(other, sizeof(other), "%.*s", (int)e->text_len, e->text);
            changed |= presence_add(&c->presence, other);
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
        chat_emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

/* Applies the live changes after epoch since to p. Returns -1 when some are forgotten. */
static int presence_replay(const struct chat *c, unsigned since, struct presence *p)
{
    if (c->presence_epoch - since > CHAT_PRESENCE_EVENTS)
        return -1;
    for (unsigned ep = since + 1; ep - since <= c->presence_epoch - since; ep++) {
        const struct presence_event *pe = &c->pev[ep % CHAT_PRESENCE_EVENTS];
        if (pe->kind == CHATLOG_JOIN) {
            presence_add(p, pe->nick);
        } else {
            presence_remove(p, pe->nick);
            if (pe->kind == CHATLOG_NICK)
                presence_add(p, pe->other);
        }
    }
    return 0;
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
        chat_notice(c, false, "%s has quit (no heartbeat for %d s)", b.s, CHAT_ONLINE_MS / 1000);
        text_buf_free(&b);
    }
}

static void on_presence(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct chat_req *r = privdata;
    struct chat *c = r->c;
    bool current = chat_req_current(r);
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
    struct presence snap = {0};
    presence_set(&snap, nicks, n, NULL, NULL);
    free(nicks);
    if (presence_replay(c, since, &snap) != 0) {
        presence_free(&snap);
        return; /* too much happened meanwhile: the next heartbeat tells */
    }
    size_t before = c->presence.n;
    bool first = !c->presence_known;
    c->presence_known = true;
    presence_set(&c->presence, (const char *const *)snap.nicks, snap.n,
                         first ? NULL : on_presence_diff, c);
    presence_free(&snap);
    if (first || before != c->presence.n)
        chat_emit(c, CHAT_EV_PRESENCE, NULL, true, NULL, false);
}

void chatpresence_heartbeat(struct chat *c)
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
    struct chat_req *r = chat_req_new(c, REQ_PRESENCE);
    r->seq = c->presence_epoch;
    if (rconn_command(c->cmd, on_presence, r, "ZRANGEBYSCORE %s %s +inf", c->presence_key, since) !=
        0)
        free(r);
}

void chatpresence_on_heartbeat(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    chatpresence_heartbeat(t->data);
}
