/* alerts_json.c — encoding and decoding the alerting JSON (cJSON), and the chat texts. */
#include "app/alerts/alerts_json.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/tmpl.h"

static const char *const state_names[] = {"inactive", "pending", "firing", "resolved"};

int alerts_state_parse(const char *s, enum alert_state *out)
{
    for (int k = 0; k < 4; k++)
        if (strcmp(s, state_names[k]) == 0) {
            *out = (enum alert_state)k;
            return 0;
        }
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Encoding */

static void add_number(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

static void add_string(cJSON *o, const char *name, const char *v)
{
    cJSON_AddStringToObject(o, name, v ? v : "");
}

static char *print_free(cJSON *o)
{
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!s) /* cJSON's allocation failed */
        return xstrdup("{}");
    char *copy = xstrdup(s); /* the caller frees with free(), whatever cJSON's allocator */
    cJSON_free(s);
    return copy;
}

char *alerts_json_transition(const struct alert_board_entry *e, enum alert_state from,
                             const char *by)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", "transition");
    add_string(o, "id", e->id);
    add_string(o, "short", e->short_id);
    add_string(o, "rule", e->rule);
    add_string(o, "labels", e->labels);
    add_string(o, "expr", e->expr);
    add_string(o, "series", e->series);
    add_string(o, "from", alert_state_name(from));
    add_string(o, "to", alert_state_name(e->state));
    add_string(o, "state", alert_state_name(e->state));
    add_string(o, "severity", rule_severity_name(e->severity));
    add_number(o, "value", e->value);
    add_number(o, "threshold", e->threshold);
    add_number(o, "since_ms", (double)e->since_ms);
    add_number(o, "active_since_ms", (double)e->active_since_ms);
    add_string(o, "summary", e->summary);
    add_string(o, "runbook", e->runbook);
    cJSON_AddBoolToObject(o, "silenced", e->silenced);
    add_string(o, "by", by);
    return print_free(o);
}

char *alerts_json_ack(const char *id, const char *short_id, const char *who, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", "ack");
    add_string(o, "id", id);
    add_string(o, "short", short_id);
    add_string(o, "who", who);
    add_number(o, "at_ms", (double)at_ms);
    return print_free(o);
}

char *alerts_json_silence(const char *matcher, int64_t until_ms, const char *who,
                          const char *comment)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", "silence");
    add_string(o, "matcher", matcher);
    add_number(o, "until_ms", (double)until_ms);
    add_string(o, "who", who);
    add_string(o, "comment", comment);
    return print_free(o);
}

char *alerts_json_unsilence(const char *matcher, const char *who, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", "unsilence");
    add_string(o, "matcher", matcher);
    add_string(o, "who", who);
    add_number(o, "at_ms", (double)at_ms);
    return print_free(o);
}

char *alerts_json_leader(const char *token, const char *nick, int64_t at_ms)
{
    cJSON *o = cJSON_CreateObject();
    add_string(o, "type", "leader");
    add_string(o, "token", token);
    add_string(o, "nick", nick);
    add_number(o, "at_ms", (double)at_ms);
    return print_free(o);
}

/* ---------------------------------------------------------------------------------------------
 * Decoding */

/* A copy of string member name, or NULL when absent or not a string. */
static char *get_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) && v->valuestring ? xstrdup(v->valuestring) : NULL;
}

static double get_num(const cJSON *o, const char *name, double dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int64_t get_ms(const cJSON *o, const char *name)
{
    double d = get_num(o, name, 0);
    return isfinite(d) && fabs(d) < 9e15 ? (int64_t)d : 0;
}

void alerts_msg_clear(struct alerts_msg *m)
{
    alert_board_entry_clear(&m->entry);
    free(m->by);
    free(m->id);
    free(m->who);
    free(m->matcher);
    free(m->comment);
    memset(m, 0, sizeof *m);
}

static int parse_transition(const cJSON *o, struct alerts_msg *m)
{
    struct alert_board_entry *e = &m->entry;
    char *state = get_str(o, "state"), *from = get_str(o, "from"), *sev = get_str(o, "severity");
    char *sid = get_str(o, "short");
    int rc = -1;

    e->id = get_str(o, "id");
    if (!e->id || !*e->id || !state || alerts_state_parse(state, &e->state) != 0)
        goto out;
    m->to = e->state;
    if (!from || alerts_state_parse(from, &m->from) != 0)
        m->from = ALERT_INACTIVE;
    if (sid)
        snprintf(e->short_id, sizeof e->short_id, "%s", sid);
    e->rule = get_str(o, "rule");
    e->labels = get_str(o, "labels");
    e->expr = get_str(o, "expr");
    e->series = get_str(o, "series");
    e->summary = get_str(o, "summary");
    e->runbook = get_str(o, "runbook");
    if (!sev || rule_severity_parse(sev, strlen(sev), &e->severity) != 0)
        e->severity = RULE_SEV_WARNING;
    e->value = get_num(o, "value", NAN);
    e->threshold = get_num(o, "threshold", NAN);
    e->since_ms = get_ms(o, "since_ms");
    e->active_since_ms = get_ms(o, "active_since_ms");
    e->silenced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "silenced"));
    m->by = get_str(o, "by");
    rc = 0;
out:
    free(state);
    free(from);
    free(sev);
    free(sid);
    return rc;
}

int alerts_json_parse(const char *json, size_t len, enum alerts_msg_type fallback,
                      struct alerts_msg *out)
{
    memset(out, 0, sizeof *out);
    cJSON *o = cJSON_ParseWithLength(json, len);
    if (!o || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    static const char *const types[] = {"transition", "ack", "silence", "unsilence", "leader"};
    char *type = get_str(o, "type");
    int rc = -1;
    out->type = fallback;
    if (type) {
        size_t k = 0;
        while (k < 5 && strcmp(type, types[k]) != 0)
            k++;
        if (k == 5)
            goto out;
        out->type = (enum alerts_msg_type)k;
    }
    switch (out->type) {
    case ALERTS_MSG_TRANSITION:
        rc = parse_transition(o, out);
        break;
    case ALERTS_MSG_ACK: {
        out->id = get_str(o, "id");
        out->who = get_str(o, "who");
        out->at_ms = get_ms(o, "at_ms");
        char *sid = get_str(o, "short");
        if (sid)
            snprintf(out->entry.short_id, sizeof out->entry.short_id, "%s", sid);
        free(sid);
        rc = out->id && *out->id ? 0 : -1;
        break;
    }
    case ALERTS_MSG_SILENCE:
    case ALERTS_MSG_UNSILENCE:
        out->matcher = get_str(o, "matcher");
        out->who = get_str(o, "who");
        out->comment = get_str(o, "comment");
        out->until_ms = get_ms(o, "until_ms");
        out->at_ms = get_ms(o, "at_ms");
        rc = out->matcher && *out->matcher ? 0 : -1;
        break;
    case ALERTS_MSG_LEADER:
        out->by = get_str(o, "token");
        out->who = get_str(o, "nick");
        out->at_ms = get_ms(o, "at_ms");
        rc = out->by ? 0 : -1;
        break;
    }
out:
    free(type);
    cJSON_Delete(o);
    if (rc != 0)
        alerts_msg_clear(out);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Texts */

const char *alerts_value_text(double v, char *buf, size_t cap)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else
        tmpl_format_value(v, buf, cap);
    return buf;
}

void alerts_threshold_text(const char *expr, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (!expr || !*expr)
        return;
    if (strncmp(expr, "absent", 6) == 0) {
        snprintf(buf, cap, "absent");
        return;
    }
    const char *tail = strrchr(expr, ')');
    tail = tail ? tail + 1 : expr;
    const char *op = NULL;
    for (const char *p = tail; *p; p++)
        if (strchr("<>=!", *p) && (!op || p != op + 1))
            op = p;
    if (op)
        snprintf(buf, cap, "%s", op);
}

void alerts_chat_text(const struct alert_board_entry *e, enum alert_state from, char *buf,
                      size_t cap)
{
    static const char *const head[] = {"INACTIVE", "PENDING", "FIRING", "RESOLVED"};
    char v[32], th[64];
    (void)from;
    alerts_value_text(e->value, v, sizeof v);
    alerts_threshold_text(e->expr, th, sizeof th);
    /* one line, the facts in the order they are read: what, how bad, which, how much, id */
    int n;
    if (strcmp(th, "absent") == 0)
        n = snprintf(buf, cap, "%s %s %s absent [%s]", head[e->state & 3],
                     rule_severity_name(e->severity), e->id, e->short_id);
    else if (e->state == ALERT_RESOLVED)
        n = snprintf(buf, cap, "%s %s %s %s, limit %s [%s]", head[e->state & 3],
                     rule_severity_name(e->severity), e->id, isnan(e->value) ? "no data" : v,
                     *th ? th : "?", e->short_id);
    else
        n = snprintf(buf, cap, "%s %s %s %s %s [%s]", head[e->state & 3],
                     rule_severity_name(e->severity), e->id, v, *th ? th : "?", e->short_id);
    (void)n;
}
