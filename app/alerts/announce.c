/* announce.c — announcing (leader only): every difference between the engine and the shared
 * board goes out exactly once through alerts_announce_script, with a chat line for the room. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "app/alerts/alerts_impl.h"

#include "app/alerts/alerts_json.h"
#include "core/mem.h"

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

/* ---------------------------------------------------------------------------------------------
 * Chat lines: one per firing or resolved transition; transitions announced together (one
 * evaluation's, answered before the last of them) collapsed into one, posted when the last
 * answer is in (ALERTS_CHAT_BURST_MS bounds the wait)
 * ------------------------------------------------------------------------------------------ */

void announce_burst_clear(struct alerts *a)
{
    struct chat_burst *b = &a->burst;
    free(b->first);
    for (size_t k = 0; k < b->nrules; k++)
        free(b->rules[k].rule);
    memset(b, 0, sizeof *b);
}

static void burst_add(struct alerts *a, const struct alert_board_entry *e, const char *line)
{
    struct chat_burst *b = &a->burst;
    if (b->n++ == 0) {
        b->first = xstrdup(line);
        b->worst = e->severity;
        ev_timer_set(&a->burst_timer, ALERTS_CHAT_BURST_MS / 1000., 0.);
        ev_timer_start(a->loop, &a->burst_timer);
    }
    if (e->severity > b->worst)
        b->worst = e->severity;
    if (e->state == ALERT_FIRING)
        b->fired++;
    else
        b->resolved++;
    size_t k = 0;
    while (k < b->nrules && strcmp(b->rules[k].rule, e->rule) != 0)
        k++;
    if (k < b->nrules) {
        b->rules[k].n++;
    } else if (k < ALERTS_CHAT_BURST_RULES) {
        b->rules[k].rule = xstrdup(e->rule);
        b->rules[k].n = 1;
        b->nrules++;
    } else {
        b->other_rules++;
    }
}

void announce_chat_flush(struct alerts *a)
{
    struct chat_burst *b = &a->burst;
    ev_timer_stop(a->loop, &a->burst_timer);
    if (b->n == 1) {
        alerts_chat_post(a, ALERTS_CHAT_NICK, CHATLOG_ALERT, b->first);
    } else if (b->n > 1) {
        /* "5 alerts: FIRING 3, RESOLVED 2, worst critical: api_latency_high x3, cpu_spike x2" */
        char text[512];
        size_t len = (size_t)snprintf(text, sizeof text, "%zu alerts:", b->n);
        if (b->fired)
            len += (size_t)snprintf(text + len, sizeof text - len, " FIRING %zu,", b->fired);
        if (b->resolved && len < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len, " RESOLVED %zu,", b->resolved);
        if (len < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len,
                                    " worst %s:", rule_severity_name(b->worst));
        for (size_t k = 0; k < b->nrules && len < sizeof text; k++) {
            len += (size_t)snprintf(text + len, sizeof text - len, "%s %s", k ? "," : "",
                                    b->rules[k].rule);
            if (b->rules[k].n > 1 && len < sizeof text)
                len += (size_t)snprintf(text + len, sizeof text - len, " x%zu", b->rules[k].n);
        }
        if (b->other_rules && len < sizeof text)
            len += (size_t)snprintf(text + len, sizeof text - len, " and %zu more", b->other_rules);
        if (len < sizeof text)
            snprintf(text + len, sizeof text - len, " (the alerts panel lists them)");
        alerts_chat_post(a, ALERTS_CHAT_NICK, CHATLOG_ALERT, text);
    }
    announce_burst_clear(a);
}

void announce_on_burst_timer(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop, (void)revents;
    announce_chat_flush(t->data);
}

/* ---------------------------------------------------------------------------------------------
 * Announcing
 * ------------------------------------------------------------------------------------------ */

static void on_announce(struct rconn *rc, const redisReply *reply, void *privdata)
{
    (void)rc;
    struct req *r = privdata;
    struct alerts *a = r->a;
    inflight_remove(a, r->entry.id, r->entry.state);
    if (a->closing || !reply) {
        alerts_req_free(r);
        return;
    }
    if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0) {
        alertlease_step_down(a, "another instance holds the lease");
    } else if (reply->type == REDIS_REPLY_INTEGER) {
        a->stats.duplicates++;
    } else if (reply->type == REDIS_REPLY_STRING) {
        a->stats.announced++;
        struct alerts_event_info e = {
            .ev = ALERTS_EV_ANNOUNCED, .entry = &r->entry, .from = r->from, .to = r->entry.state};
        alerts_emit(a, &e);
        if (r->chat)
            burst_add(a, &r->entry, r->chat);
    } else if (reply->type == REDIS_REPLY_ERROR) {
        alerts_notice(a, true, "alerts: announcing %s failed: %s", r->entry.id, reply->str);
    }
    alerts_req_free(r);
    /* Every transition announced together has its answer: post their chat line now rather
     * than at the end of the window, so a leader that dies a moment later (kill -9) has not
     * taken an announced transition's chat line with it. */
    if (a->ninflight == 0 && a->burst.n > 0)
        announce_chat_flush(a);
}

/* Announces that e (whose state is the new one) moved from `from`. */
static void announce(struct alerts *a, const struct alert_board_entry *e, enum alert_state from)
{
    struct req *r = alerts_req_new(a);
    entry_copy(&r->entry, e);
    r->entry.silenced = alertfeed_silenced_now(a, e);
    /* a state starts no earlier than the one it leaves: after a takeover our event time may
     * lag the previous leader's, and "since" must not go back (the board clamps it too) */
    const struct alert_board_entry *was = alert_board_find(a->board, e->id);
    if (was && strcmp(was->id, e->id) == 0 && r->entry.since_ms < was->since_ms)
        r->entry.since_ms = was->since_ms;
    r->from = from;
    /* chat: what needs people (firing) and what frees them (resolved); pending is only on
     * the panel, so a flapping rule does not drown the room */
    if ((e->state == ALERT_FIRING || e->state == ALERT_RESOLVED) && !r->entry.silenced &&
        a->k_chat_log) {
        char text[CHATLOG_TEXT_MAX];
        alerts_chat_text(&r->entry, from, text, sizeof text);
        r->chat = xstrdup(text);
    }
    char *json = alerts_json_transition(&r->entry, from, a->token);
    char maxlen[16];
    snprintf(maxlen, sizeof maxlen, "%d", ALERTS_LOG_MAXLEN);
    const char *to = alert_state_name(e->state);
    const char *argv[] = {"EVAL",      alerts_announce_script,
                          "4",         a->k_lease,
                          a->k_state,  a->k_log,
                          a->k_acks,   a->token,
                          r->entry.id, to,
                          json,        maxlen,
                          a->k_channel};
    if (a->ninflight == a->inflight_cap) {
        a->inflight_cap = a->inflight_cap ? 2 * a->inflight_cap : 16;
        a->inflight = xrealloc(a->inflight, a->inflight_cap * sizeof *a->inflight);
    }
    a->inflight[a->ninflight++] = (struct inflight){xstrdup(e->id), e->state};
    if (rconn_command_argv(a->cmd, on_announce, r, 13, argv, NULL) != 0) {
        inflight_remove(a, e->id, e->state);
        alerts_req_free(r);
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
void announce_reconcile(struct alerts *a)
{
    if (!a->leader || a->loading || !a->loaded || !a->warm || a->stopping)
        return;
    if (alerts_mono_ms() > a->leader_valid_until) {
        alertlease_step_down(a, "the lease was not renewed in time");
        return;
    }

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
}
