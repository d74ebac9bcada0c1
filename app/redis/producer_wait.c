/* producer_wait.c — replicated delivery (`--min-replicas`, contract in producer.h): one batch at
 * a time, each confirmed by WAIT; a short WAIT asks where the master is now and resends there,
 * or waits again on the same master, until opts.give_up_ms. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/clock.h"
#include "app/errmsg.h"
#include "app/redis/producer_impl.h"
#include "app/redis/sentinel.h"

/* Whether the node p->c talks to is still where writes belong: ROLE says master and, behind
 * Sentinel, the sentinels still name it. Returns 0, or -1 with the cause. */
static int still_master(struct producer *p, char *cause, size_t cause_cap)
{
    char err[512];
    if (sentinel_role_check(p->c, "the node written to", err, sizeof err) != 0) {
        snprintf(cause, cause_cap, "%s", err);
        return -1;
    }
    if (p->addr->sentinel && p->c->connection_type == REDIS_CONN_TCP) {
        char ip[REDISADDR_IP_MAX];
        int port;
        if (sentinel_resolve(p->addr->sentinel, p->opts.timeout_ms, ip, &port, err, sizeof err) ==
                0 &&
            (strcmp(ip, p->c->tcp.host) != 0 || port != p->c->tcp.port)) {
            snprintf(cause, cause_cap, "the sentinels moved the master to %s:%d", ip, port);
            return -1;
        }
    }
    return 0;
}

/* Sends the batch (if not yet sent on this connection) and reads its XADD replies, keeping the
 * commands; then WAIT. Returns 0 when confirmed (the batch is dropped), 1 when WAIT came back
 * short on a node that is still the master, -1 with the cause when the connection failed or
 * the node is not the master any more (resend), -2 when giving up (p->error says why). */
static int wait_round(struct producer *p, char *cause, size_t cause_cap)
{
    if (p->nsent < p->ncmd) {
        if (producer_send_pending(p, cause, cause_cap) != 0)
            return -1;
        p->batch_acked = 0;
        for (size_t i = 0; i < p->ncmd; i++) {
            redisReply *r = NULL;
            if (redisGetReply(p->c, (void **)&r) != REDIS_OK || r == NULL) {
                snprintf(cause, cause_cap, "%s", p->c->err ? p->c->errstr : "no reply");
                return -1;
            }
            if (producer_is_loading_error(r)) {
                snprintf(cause, cause_cap, "%s", r->str);
                freeReplyObject(r);
                return -1;
            }
            if (r->type == REDIS_REPLY_STRING) {
                p->batch_acked++;
                if (i + 1 == p->ncmd && r->len < sizeof p->last_id)
                    memcpy(p->last_id, r->str, r->len + 1);
            }
            producer_note_reply(p, r);
            freeReplyObject(r);
        }
    }
    redisReply *w =
        redisCommand(p->c, "WAIT %u %lld", p->opts.min_replicas, (long long)p->opts.wait_ms);
    if (w == NULL || w->type != REDIS_REPLY_INTEGER) {
        if (w)
            producer_copy_reason(cause, cause_cap, w);
        else
            snprintf(cause, cause_cap, "WAIT: %s", p->c->errstr);
        if (w)
            freeReplyObject(w);
        return -1;
    }
    long long got = w->integer;
    freeReplyObject(w);
    if (got >= (long long)p->opts.min_replicas) {
        p->stats.confirmed += p->batch_acked;
        p->batch_acked = 0;
        p->short_since = 0;
        producer_batch_drop(p, p->ncmd);
        return 0;
    }
    p->stats.waits_short++;
    int64_t now = clock_mono_ms();
    if (p->short_since == 0)
        p->short_since = now;
    if (p->opts.log && now - p->short_note_ms >= PRODUCER_REFUSAL_REPORT_MS) {
        fprintf(p->opts.log,
                "%s%zu events not yet on %u replica(s) after %.1f s (WAIT: %lld); "
                "waiting\n",
                errmsg_prefix(), p->ncmd, p->opts.min_replicas,
                (double)(now - p->short_since) / 1000.0, got);
        fflush(p->opts.log);
        p->short_note_ms = now;
    }
    if (now - p->short_since >= p->opts.give_up_ms) {
        snprintf(p->error, sizeof p->error,
                 "events were not replicated to %u replica(s) within %.0f s (the last WAIT "
                 "counted %lld); giving up",
                 p->opts.min_replicas, (double)(now - p->short_since) / 1000.0, got);
        return -2;
    }
    return still_master(p, cause, cause_cap) == 0 ? 1 : -1;
}

/* pump() with opts.min_replicas: the whole buffer is one batch, sent and confirmed before the
 * call returns. On failure the batch's accepted events become stats.unconfirmed. */
int producer_wait_pump(struct producer *p)
{
    char cause[512];
    while (p->ncmd > 0) {
        int r = p->c ? wait_round(p, cause, sizeof cause) : -1;
        if (p->c == NULL)
            snprintf(cause, sizeof cause, "not connected");
        if (r == 0)
            break;
        if (r == 1)
            continue;
        if (r == -1) {
            size_t resend = p->nsent;
            p->stats.resent += resend;
            p->nsent = 0;
            if (producer_reconnect(p, cause, resend) == 0)
                continue;
            p->failed = PRODUCER_FAILED_LOST;
        } else {
            p->failed = PRODUCER_FAILED_UNREPLICATED;
        }
        p->stats.unconfirmed += p->batch_acked;
        p->batch_acked = 0;
        return -1;
    }
    return producer_refusals_check(p);
}

void producer_replication_note(const struct producer *p, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (p->opts.min_replicas == 0)
        return;
    snprintf(buf, cap, ", %" PRIu64 " confirmed on %u replica(s), %" PRIu64 " unconfirmed",
             p->stats.confirmed, p->opts.min_replicas, p->stats.unconfirmed);
}
