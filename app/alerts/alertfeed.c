/* alertfeed.c — the shared alert board of one process: subscribe to NS:alerts, read the
 * three hashes (state, acks, silences), then replay what arrived meanwhile; live messages after. */
#include <string.h>

#include "app/alerts/alerts_impl.h"
#include "app/clock.h"

#include "app/alerts/alerts_json.h"
#include "core/mem.h"

bool alertfeed_silenced_now(struct alerts *a, const struct alert_board_entry *e)
{
    return alert_board_silenced(a->board, e->rule ? e->rule : "", e->short_id,
                                e->labels ? e->labels : "", clock_wall_ms()) != NULL;
}

/* A silence from Redis whose matcher was refused: it silences nothing (the board keeps it
 * among the rejected ones); say so once, where the user looks. */
static void notice_rejected(struct alerts *a, const char *matcher, const char *reason)
{
    size_t n = strlen(matcher);
    alerts_notice(a, true, "silence %.*s%s rejected (not applied): %s", (int)(n > 120 ? 120 : n),
                  matcher, n > 120 ? "..." : "", reason);
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
                 !alertfeed_silenced_now(a, &m.entry);
        if (live)
            alerts_emit(a, &e);
        break;
    }
    case ALERTS_MSG_ACK:
        if (alert_board_ack(a->board, m.id, m.who, m.at_ms) == 0 && live) {
            e.ev = ALERTS_EV_ACK;
            e.entry = alert_board_find(a->board, m.id);
            e.who = m.who;
            alerts_emit(a, &e);
        }
        break;
    case ALERTS_MSG_SILENCE:
        if (m.until_ms <= clock_wall_ms())
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
            alerts_emit(a, &e);
        }
        break;
    case ALERTS_MSG_UNSILENCE:
        if (alert_board_unsilence(a->board, m.matcher) == 0 && live) {
            e.ev = ALERTS_EV_SILENCE;
            e.matcher = m.matcher;
            e.who = m.who;
            alerts_emit(a, &e);
        }
        break;
    case ALERTS_MSG_LEADER:
        free(a->leader_nick);
        a->leader_nick = xstrdup(m.who ? m.who : "?");
        break;
    }
    alerts_msg_clear(&m);
    if (live)
        alerts_emit_simple(a, ALERTS_EV_BOARD);
}

static void raw_free(struct raw *r, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(r[k].s);
    free(r);
}

void alertfeed_reset(struct alerts *a)
{
    for (int p = 0; p < LOAD_PARTS; p++) {
        raw_free(a->load[p], a->nload[p]);
        a->load[p] = NULL;
        a->nload[p] = 0;
    }
}

void alertfeed_queue_clear(struct alerts *a)
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
    int64_t now = clock_wall_ms();
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
        const char *matcher = a->load[LOAD_SILENCES][k].s;
        if (alerts_json_parse(v->s, v->len, ALERTS_MSG_SILENCE, &m) != 0) {
            /* any client can write the hash: a value that is not a silence is shown, not lost */
            alert_board_reject_silence(a->board, matcher, ALERTS_SILENCE_UNREADABLE,
                                       ALERT_BOARD_UNTIL_UNKNOWN);
            size_t j = 0;
            while (j < nold && strcmp(old[j], matcher) != 0)
                j++;
            if (j == nold)
                notice_rejected(a, matcher, ALERTS_SILENCE_UNREADABLE);
            continue;
        }
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
    alertfeed_reset(a);
    a->loading = false;
    a->loaded = true;
    bool overflow = a->queue_overflow;
    for (size_t k = 0; k < a->nqueue; k++)
        apply_message(a, a->queue[k].s, a->queue[k].len, true);
    alertfeed_queue_clear(a);
    alerts_emit_simple(a, ALERTS_EV_BOARD);
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
    alerts_req_free(r);
    if (!current)
        return;
    if (!reply || reply->type != REDIS_REPLY_ARRAY) {
        if (reply && reply->type == REDIS_REPLY_ERROR)
            alerts_notice(a, true, "alerts: cannot read the shared state: %s", reply->str);
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
    alertfeed_reset(a);
    a->loading = true;
    a->load_epoch++;
    a->load_left = LOAD_PARTS;
    for (int p = 0; p < LOAD_PARTS; p++) {
        struct req *r = alerts_req_new(a);
        r->epoch = a->load_epoch;
        r->part = p;
        if (rconn_command(a->cmd, on_load, r, "HGETALL %s", keys[p]) != 0) {
            alerts_req_free(r);
            a->load_epoch++;
            ev_timer_start(a->loop, &a->load_retry);
            return;
        }
    }
}

void alertfeed_on_load_retry(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct alerts *a = t->data;
    ev_timer_stop(a->loop, t);
    if (a->loading)
        start_load(a);
}

void alertfeed_on_sub_up(struct rconn *rc, void *privdata)
{
    struct alerts *a = privdata;
    rconn_subscribe(rc, a->k_channel, 0);
}

void alertfeed_on_message(struct rconn *rc, const redisReply *msg, void *privdata)
{
    (void)rc;
    struct alerts *a = privdata;
    struct rconn_msg m;
    if (rconn_message_parse(msg, &m) != 0 || !m.channel || m.channel_len != strlen(a->k_channel) ||
        memcmp(m.channel, a->k_channel, m.channel_len))
        return;
    if (strcmp(m.kind, "subscribe") == 0) {
        alertfeed_queue_clear(a);
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
