/* alertlease.c — the announcer lease NS:{alerts}:lease: taken with SET NX PX, renewed by a
 * compare-and-renew script, released on exit; whoever holds it announces. */
#include <stdio.h>
#include <string.h>

#include "app/alerts/alerts_impl.h"
#include "app/clock.h"

#include "app/alerts/alerts_json.h"

/* KEYS = lease; ARGV = token, lease ms. 1 when renewed, 0 when the lease is not ours. */
static const char renew_script[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                                   "  return redis.call('PEXPIRE', KEYS[1], ARGV[2])\n"
                                   "end\n"
                                   "return 0\n";

/* KEYS = lease; ARGV = token. */
static const char release_script[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

void alertlease_step_down(struct alerts *a, const char *why)
{
    if (!a->leader)
        return;
    a->leader = false;
    struct alerts_event_info e = {.ev = ALERTS_EV_LEADER, .text = why};
    alerts_emit(a, &e);
}

static void become_leader(struct alerts *a, double sent)
{
    a->leader = true;
    a->leader_valid_until = sent + a->lease_ms - ALERTS_LEASE_MARGIN_MS;
    a->stats.lease_taken++;
    char *json = alerts_json_leader(a->token, a->nick, clock_wall_ms());
    rconn_command(a->cmd, NULL, NULL, "PUBLISH %s %s", a->k_channel, json);
    free(json);
    struct alerts_event_info e = {.ev = ALERTS_EV_LEADER, .text = "took the announcer lease"};
    alerts_emit(a, &e);
    if (!alert_eval_running(a->engine)) /* else the evaluation's end does it */
        announce_reconcile(a);
}

static void on_lease(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    double sent = r->sent;
    bool renew = r->part != 0;
    alerts_req_free(r);
    a->lease_busy = false;
    if (a->closing || a->stopping || !reply)
        return;
    if (renew) {
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 1)
            a->leader_valid_until = sent + a->lease_ms - ALERTS_LEASE_MARGIN_MS;
        else if (reply->type == REDIS_REPLY_INTEGER)
            alertlease_step_down(a, "the lease was taken over");
    } else if (reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "OK") == 0) {
        become_leader(a, sent);
    }
}

void alertlease_on_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)revents;
    struct alerts *a = t->data;
    double now = alerts_mono_ms();
    if (a->stopping || !a->engine)
        return;
    if (a->leader && now > a->leader_valid_until)
        alertlease_step_down(a, "the lease was not renewed in time");
    if (a->lease_busy || !a->warm || !a->loaded || a->loading)
        return;
    struct req *r = alerts_req_new(a);
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
        alerts_req_free(r);
    else
        a->lease_busy = true;
}

void alertlease_release(struct alerts *a)
{
    rconn_command(a->cmd, NULL, NULL, "EVAL %s 1 %s %s", release_script, a->k_lease, a->token);
}

int alertlease_release_blocking(struct alerts *a, struct csync *c)
{
    redisReply *r = csync_command(c, "EVAL %s 1 %s %s", release_script, a->k_lease, a->token);
    int rc = r && r->type == REDIS_REPLY_INTEGER ? 0 : -1;
    if (r)
        freeReplyObject(r);
    return rc;
}
