/* incident_log.c — what `warroom incident` reads besides the metrics: the alert log
 * (NS:{alerts}:log) and a room's chat log (NS:chat:ROOM:log), turned into timeline items
 * (incident.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/alerts/alerts.h"
#include "app/cmd/cmd.h"
#include "app/cmd/incident.h"
#include "core/alert.h"
#include "core/chatlog.h"
#include "core/duration.h"
#include "core/event.h"
#include "core/mem.h"
#include "core/query.h"

#define INC_PAGE 1000    /* XRANGE COUNT */
#define INC_AUTO_ROWS 60 /* the default step gives about this many value rows */

struct inc_item *inc_push(struct inc_items *it, int64_t at_ms, const char *kind)
{
    if (it->n == it->cap) {
        it->cap = it->cap ? it->cap * 2 : 64;
        it->v = xrealloc(it->v, it->cap * sizeof *it->v);
    }
    struct inc_item *x = &it->v[it->n];
    *x = (struct inc_item){.at_ms = at_ms, .seq = it->n, .kind = kind, .value = NAN};
    it->n++;
    return x;
}

void inc_items_free(struct inc_items *it)
{
    for (size_t i = 0; i < it->n; i++) {
        free(it->v[i].who);
        free(it->v[i].text);
        free(it->v[i].from);
        free(it->v[i].to);
    }
    free(it->v);
}

static int cmp_item(const void *a, const void *b)
{
    const struct inc_item *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void inc_items_sort(struct inc_items *it)
{
    qsort(it->v, it->n, sizeof *it->v, cmp_item);
}

/* ---------------------------------------------------------------------------------------------
 * The alert log
 * ------------------------------------------------------------------------------------------ */

void inc_log_free(struct inc_log *l)
{
    for (size_t i = 0; i < l->n; i++)
        alerts_msg_clear(&l->v[i].m);
    free(l->v);
}

/* The value of field name in a stream entry's field array, or NULL. */
static const redisReply *field(const redisReply *f, const char *name)
{
    if (f->type != REDIS_REPLY_ARRAY)
        return NULL;
    for (size_t i = 0; i + 1 < f->elements; i += 2)
        if (f->element[i]->type == REDIS_REPLY_STRING && strcmp(f->element[i]->str, name) == 0 &&
            f->element[i + 1]->type == REDIS_REPLY_STRING)
            return f->element[i + 1];
    return NULL;
}

typedef void entry_fn(const redisReply *id, int64_t at_ms, const redisReply *fields, void *priv);

/* Calls fn for every well-formed entry of an XRANGE reply (an array). */
static void each_entry(const redisReply *r, entry_fn *fn, void *priv)
{
    for (size_t i = 0; i < r->elements; i++) {
        const redisReply *e = r->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING)
            continue;
        uint64_t ms = 0;
        event_stream_id_parse(e->element[0]->str, e->element[0]->len, &ms, NULL);
        fn(e->element[0], (int64_t)ms, e->element[1], priv);
    }
}

/* XRANGE key from to, page by page, calling fn per entry. Returns 0, or an exit code after a
 * message on stderr. */
static int xrange_all(struct csync *c, const char *key, const char *from, const char *to,
                      entry_fn *fn, void *priv)
{
    char start[64];
    snprintf(start, sizeof start, "%s", from);
    for (;;) {
        redisReply *r = csync_command(c, "XRANGE %s %s %s COUNT %d", key, start, to, INC_PAGE);
        if (r == NULL) {
            fprintf(stderr, "warroom incident: reading %s: %s\n", key, csync_error(c));
            return EXIT_UNREACHABLE;
        }
        if (r->type != REDIS_REPLY_ARRAY) {
            fprintf(stderr, "warroom incident: reading %s: %.200s\n", key,
                    r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
            freeReplyObject(r);
            return EXIT_FAILURE_GENERIC;
        }
        size_t got = r->elements;
        each_entry(r, fn, priv);
        const redisReply *last = got ? r->element[got - 1] : NULL;
        bool more = got == INC_PAGE && last->type == REDIS_REPLY_ARRAY && last->elements >= 1 &&
                    last->element[0]->type == REDIS_REPLY_STRING && last->element[0]->len < 48;
        if (more)
            snprintf(start, sizeof start, "(%s", last->element[0]->str);
        freeReplyObject(r);
        if (!more)
            return 0;
    }
}

static void take_log(const redisReply *id, int64_t at_ms, const redisReply *f, void *priv)
{
    (void)id;
    struct inc_log *l = priv;
    const redisReply *type = field(f, "type"), *json = field(f, "json");
    if (type == NULL || json == NULL)
        return;
    enum alerts_msg_type fallback = strcmp(type->str, "ack") == 0         ? ALERTS_MSG_ACK
                                    : strcmp(type->str, "silence") == 0   ? ALERTS_MSG_SILENCE
                                    : strcmp(type->str, "unsilence") == 0 ? ALERTS_MSG_UNSILENCE
                                                                          : ALERTS_MSG_TRANSITION;
    struct alerts_msg m;
    if (alerts_json_parse(json->str, json->len, fallback, &m) != 0)
        return;
    /* a hand-written transition may lack them: "" from here on */
    char **opt[] = {&m.entry.rule, &m.entry.labels, &m.entry.expr, &m.entry.series};
    for (size_t i = 0; i < sizeof opt / sizeof opt[0]; i++)
        if (*opt[i] == NULL)
            *opt[i] = xstrdup("");
    if (m.type == ALERTS_MSG_LEADER) {
        alerts_msg_clear(&m);
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (struct log_entry){.at_ms = at_ms, .m = m};
}

static const char *entry_id(const struct log_entry *e)
{
    if (e->m.type == ALERTS_MSG_TRANSITION)
        return e->m.entry.id;
    return e->m.type == ALERTS_MSG_ACK ? e->m.id : NULL;
}

/* The instance id that arg names (full id, or short id of exactly one instance). Returns it
 * (borrowed from l), or NULL after a message on stderr. */
const char *inc_resolve_id(const struct inc_log *l, const char *arg)
{
    for (size_t i = 0; i < l->n; i++) {
        const char *id = entry_id(&l->v[i]);
        if (id && strcmp(id, arg) == 0)
            return id;
    }
    /* the distinct instances with this short id, in order of first appearance */
    const char **ids = NULL;
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct log_entry *e = &l->v[i];
        if (e->m.type != ALERTS_MSG_TRANSITION || strcmp(e->m.entry.short_id, arg) != 0)
            continue;
        size_t k = 0;
        while (k < n && strcmp(ids[k], e->m.entry.id) != 0)
            k++;
        if (k == n) {
            ids = xrealloc(ids, (n + 1) * sizeof *ids);
            ids[n++] = e->m.entry.id;
        }
    }
    const char *found = n == 1 ? ids[0] : NULL;
    if (n == 0)
        fprintf(stderr,
                "warroom incident: no alert '%s' in the alert log (a short id as shown in the "
                "alerts panel, or a full instance id; `warroom alerts` lists them)\n",
                arg);
    if (n > 1) {
        fprintf(stderr, "warroom incident: '%s' is ambiguous: it is the short id of", arg);
        for (size_t k = 0; k < n; k++)
            fprintf(stderr, "%s %s", k ? "," : "", ids[k]);
        fprintf(stderr, "; give the full instance id\n");
    }
    free(ids);
    return found;
}

/* The latest episode of id: from its last transition out of inactive/resolved to the first
 * transition back (or to_ms = 0: still active). Returns the index of the last transition of
 * id (its entry carries rule, expr, series), or -1. */
long inc_episode(const struct inc_log *l, const char *id, int64_t *from_ms, int64_t *to_ms)
{
    long last = -1, start = -1;
    for (size_t i = 0; i < l->n; i++) {
        const struct log_entry *e = &l->v[i];
        if (e->m.type != ALERTS_MSG_TRANSITION || strcmp(e->m.entry.id, id) != 0)
            continue;
        last = (long)i;
        bool active = e->m.to == ALERT_PENDING || e->m.to == ALERT_FIRING;
        bool was = e->m.from == ALERT_PENDING || e->m.from == ALERT_FIRING;
        if (active && !was)
            start = (long)i;
    }
    if (start < 0)
        start = last;
    if (start < 0)
        return -1;
    *from_ms = l->v[start].at_ms;
    *to_ms = 0;
    for (size_t i = (size_t)start + 1; i < l->n; i++) {
        const struct log_entry *e = &l->v[i];
        if (e->m.type == ALERTS_MSG_TRANSITION && strcmp(e->m.entry.id, id) == 0 &&
            e->m.to != ALERT_PENDING && e->m.to != ALERT_FIRING) {
            *to_ms = e->at_ms;
            return (long)i;
        }
    }
    return last;
}

/* Transitions and acks of id, silences whose matcher covers it, in [lo_ms, hi_ms]. */
void inc_log_items(const struct inc_log *l, const struct alert_board_entry *a, int64_t lo_ms,
                   int64_t hi_ms, struct inc_items *it)
{
    char buf[512], vbuf[64];
    for (size_t i = 0; i < l->n; i++) {
        const struct log_entry *e = &l->v[i];
        const struct alerts_msg *m = &e->m;
        if (e->at_ms < lo_ms || e->at_ms > hi_ms)
            continue;
        if (m->type == ALERTS_MSG_TRANSITION && strcmp(m->entry.id, a->id) == 0) {
            struct inc_item *x = inc_push(it, e->at_ms, "transition");
            x->from = xstrdup(alert_state_name(m->from));
            x->to = xstrdup(alert_state_name(m->to));
            x->value = m->entry.value;
            snprintf(buf, sizeof buf, "%s -> %s, value %s", x->from, x->to,
                     alerts_value_text(m->entry.value, vbuf, sizeof vbuf));
            x->text = xstrdup(buf);
        } else if (m->type == ALERTS_MSG_ACK && strcmp(m->id, a->id) == 0) {
            struct inc_item *x = inc_push(it, e->at_ms, "ack");
            x->who = xstrdup(m->who ? m->who : "");
            x->text = xstrdup("acknowledged");
        } else if (m->type == ALERTS_MSG_SILENCE || m->type == ALERTS_MSG_UNSILENCE) {
            char err[256];
            struct silence *s = alert_silence_new(m->matcher, 1, "", "", err, sizeof err);
            bool hit = s && alert_silence_matches(s, a->rule, a->short_id, a->labels);
            alert_silence_free(s);
            if (!hit)
                continue;
            bool on = m->type == ALERTS_MSG_SILENCE && m->until_ms > 0;
            struct inc_item *x = inc_push(it, e->at_ms, on ? "silence" : "unsilence");
            x->who = xstrdup(m->who ? m->who : "");
            if (on) {
                char d[32];
                duration_format(m->until_ms > e->at_ms ? m->until_ms - e->at_ms : 0, d, sizeof d);
                snprintf(buf, sizeof buf, "silenced %s for %s%s%s", m->matcher, d,
                         m->comment && m->comment[0] ? ": " : "", m->comment ? m->comment : "");
            } else {
                snprintf(buf, sizeof buf, "silence %s removed", m->matcher);
            }
            x->text = xstrdup(buf);
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * The chat of the room
 * ------------------------------------------------------------------------------------------ */

struct chat_ctx {
    struct inc_items *it;
    int64_t lo_ms, hi_ms;
};

static void take_chat(const redisReply *id, int64_t at_ms, const redisReply *f, void *priv)
{
    (void)id;
    struct chat_ctx *cx = priv;
    const redisReply *nick = field(f, "nick"), *kind = field(f, "kind"), *text = field(f, "text"),
                     *ts = field(f, "ts");
    enum chatlog_kind k = CHATLOG_MSG;
    if (kind)
        chatlog_kind_parse(kind->str, kind->len, &k);
    if (k != CHATLOG_MSG && k != CHATLOG_ME && k != CHATLOG_ALERT)
        return; /* joins, parts, nick changes: not the incident */
    int64_t t = ts ? chatlog_ts_parse(ts->str, ts->len, at_ms) : at_ms;
    if (t < cx->lo_ms || t > cx->hi_ms)
        return;
    struct inc_item *x = inc_push(cx->it, t, "chat");
    x->who = xstrdup(nick ? nick->str : "");
    x->text = xstrdup(text ? text->str : "");
}

int inc_log_read(struct csync *c, const char *ns, struct inc_log *l)
{
    char key[256];
    snprintf(key, sizeof key, "%s:%s", ns, ALERTS_KEY_LOG);
    return xrange_all(c, key, "-", "+", take_log, l);
}

int inc_chat_read(struct csync *c, const char *ns, const char *room, int64_t lo_ms, int64_t hi_ms,
                  struct inc_items *it)
{
    char key[256], from[32], to[32];
    snprintf(key, sizeof key, "%s:chat:%s:log", ns, room);
    /* a message's ts may precede its entry ID by the clock skew chat tolerates */
    snprintf(from, sizeof from, "%" PRId64, lo_ms > 60000 ? lo_ms - 60000 : 0);
    snprintf(to, sizeof to, "%" PRId64, hi_ms + 60000);
    struct chat_ctx cx = {it, lo_ms, hi_ms};
    return xrange_all(c, key, from, to, take_chat, &cx);
}

/* The row of the instance: its series (per-series rule) or its group's labels ("k=v,..."
 * inside the id's braces). Returns the group index, or -1. */
static long instance_group(const struct query_result *r, const struct alert_board_entry *a)
{
    char key[1024] = "";
    if (a->series && a->series[0]) {
        snprintf(key, sizeof key, "%s", a->series);
    } else {
        const char *b = strchr(a->id, '{');
        size_t n = b ? strlen(b + 1) : 0;
        if (n > 0 && b[n] == '}')
            n--;
        snprintf(key, sizeof key, "%.*s", (int)n, b ? b + 1 : "");
    }
    for (size_t g = 0; g < r->ngroups; g++)
        if (strcmp(r->groups[g].key, key) == 0)
            return (long)g;
    return r->ngroups == 1 && (!a->series || !a->series[0]) ? 0 : -1;
}

void inc_value_items(const struct series_table *tab, const struct rule_expr *e,
                     const struct alert_board_entry *a, const struct query_window *w, size_t n,
                     struct inc_items *it)
{
    struct query_result qr = {0};
    query_run(tab, e, w, n, rule_agg_is_quantile(e->agg), &qr);
    long g = instance_group(&qr, a);
    char buf[64];
    for (size_t k = 0; k < n; k++) {
        struct inc_item *x = inc_push(it, w[k].end_s * 1000, "value");
        x->value = g < 0 ? NAN : query_value(&qr, (size_t)g, k, e->agg, e->q, (double)e->window_s);
        x->text = xstrdup(alerts_value_text(x->value, buf, sizeof buf));
    }
    query_result_free(&qr);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

struct query_window *inc_step_windows(int64_t lo_ms, int64_t hi_ms, int64_t step_ms,
                                      uint32_t window_s, size_t *n)
{
    int64_t step_s = step_ms / 1000;
    int64_t first_s = (floor_div(floor_div(lo_ms, 1000), step_s) + 1) * step_s;
    int64_t last_s = floor_div(floor_div(hi_ms, 1000), step_s) * step_s;
    *n = last_s < first_s ? 0 : (size_t)((last_s - first_s) / step_s + 1);
    struct query_window *w = xcalloc(*n ? *n : 1, sizeof *w);
    for (size_t k = 0; k < *n; k++) {
        int64_t t = first_s + (int64_t)k * step_s;
        w[k] = (struct query_window){t - window_s, t};
    }
    return w;
}

/* A round step for span_ms giving about INC_AUTO_ROWS rows. */
int64_t inc_auto_step_ms(int64_t span_ms)
{
    static const int64_t steps_s[] = {1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600};
    size_t n = sizeof steps_s / sizeof steps_s[0];
    for (size_t i = 0; i < n; i++)
        if (span_ms / (steps_s[i] * 1000) <= INC_AUTO_ROWS)
            return steps_s[i] * 1000;
    return steps_s[n - 1] * 1000;
}

void inc_log_add_reply(struct inc_log *l, const redisReply *r)
{
    if (r && r->type == REDIS_REPLY_ARRAY)
        each_entry(r, take_log, l);
}
