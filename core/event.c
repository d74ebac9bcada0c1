/* event.c — metric events: the shared part of the parsers (limits, parse setup, the series key
 * form), the canonical series key, and lookups. The line form is eventline.c, the stream-entry
 * form eventfields.c, the scanners all three share eventscan.c. Nothing here allocates. */
#include "core/event_impl.h"
#include "core/number.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- canonical key */

static bool value_needs_quotes(const char *v, size_t n)
{
    if (n == 0)
        return true;
    for (size_t j = 0; j < n; j++) {
        char c = v[j];
        if (c == ',' || c == '}' || c == '=' || c == '"' || c == '\\' || c == ' ' || c == '\t')
            return true;
    }
    return false;
}

static inline void put(char *buf, size_t cap, size_t *len, char c)
{
    if (*len < cap)
        buf[*len] = c;
    ++*len;
}

static inline void put_n(char *buf, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n <= cap)
        memcpy(buf + *len, s, n);
    *len += n;
}

/* Writes what fits of the key in buf[0, cap) (no NUL) and returns the full key length. */
static size_t key_write(const struct event *ev, char *buf, size_t cap)
{
    size_t len = 0;

    put_n(buf, cap, &len, ev->buf, ev->metric_len);
    if (ev->nlabels == 0)
        return len;
    put(buf, cap, &len, '{');
    for (size_t j = 0; j < ev->nlabels; j++) {
        const struct event_label *l = &ev->labels[j];
        const char *v = ev->buf + l->value_off;
        if (j)
            put(buf, cap, &len, ',');
        put_n(buf, cap, &len, ev->buf + l->name_off, l->name_len);
        put(buf, cap, &len, '=');
        if (!value_needs_quotes(v, l->value_len)) {
            put_n(buf, cap, &len, v, l->value_len);
            continue;
        }
        put(buf, cap, &len, '"');
        for (size_t k = 0; k < l->value_len; k++) {
            if (v[k] == '"' || v[k] == '\\')
                put(buf, cap, &len, '\\');
            put(buf, cap, &len, v[k]);
        }
        put(buf, cap, &len, '"');
    }
    put(buf, cap, &len, '}');
    return len;
}

int event_key(const struct event *ev, char *buf, size_t cap)
{
    size_t len = key_write(ev, buf, cap);

    if (len >= cap || len > INT_MAX)
        return -1;
    buf[len] = '\0';
    return (int)len;
}

enum event_error event_scan_key_len(struct event_parser *p)
{
    size_t len = p->key_len + (p->ev->nlabels > 0); /* the '}' */

    if (len > p->lim.max_key_len)
        return eventscan_fail_at(p, EVENT_NO_POS, EVENT_E_KEY_TOO_LONG,
                                 "series key is %zu bytes (max %zu)", len, p->lim.max_key_len);
    return EVENT_OK;
}

/* ---------------------------------------------------------------- entry points */

struct event_limits event_limits_default(void)
{
    struct event_limits lim = EVENT_LIMITS_DEFAULT;
    return lim;
}

static size_t clamp(size_t v, size_t max)
{
    return v < max ? v : max;
}

void event_scan_init(struct event_parser *p, const char *s, size_t n, const char *where,
                     const struct event_limits *lim, struct event *ev, char *reason,
                     size_t reason_cap)
{
    p->s = s;
    p->i = 0;
    p->n = n;
    p->where = where;
    p->reason = reason;
    p->reason_cap = reason_cap;
    p->lim = lim ? *lim : event_limits_default();
    p->lim.max_metric_len = clamp(p->lim.max_metric_len, EVENT_METRIC_MAX);
    p->lim.max_label_name_len = clamp(p->lim.max_label_name_len, EVENT_LABEL_NAME_MAX);
    p->lim.max_label_value_len = clamp(p->lim.max_label_value_len, EVENT_LABEL_VALUE_MAX);
    p->lim.max_labels = clamp(p->lim.max_labels, EVENT_MAX_LABELS);
    p->lim.max_key_len = clamp(p->lim.max_key_len, EVENT_KEY_MAX);
    p->ev = ev;
    p->used = 0;
    p->nseen = 0;
    p->key_len = 0;
    ev->nlabels = 0;
    ev->metric_len = 0;
    ev->buf[0] = '\0';
    ev->value = 0;
    ev->ts_ms = 0;
    ev->has_ts = false;
    if (reason && reason_cap)
        reason[0] = '\0';
}

void event_scan_trim(const char *s, size_t *start, size_t *end)
{
    while (*start < *end && eventscan_is_space((unsigned char)s[*start]))
        ++*start;
    while (*end > *start && eventscan_is_space((unsigned char)s[*end - 1]))
        --*end;
}

enum event_error event_parse_line(const char *line, size_t len, int64_t now_ms,
                                  const struct event_limits *lim, struct event *ev, char *reason,
                                  size_t reason_cap)
{
    return eventline_parse(line, len, now_ms, lim, ev, reason, reason_cap);
}

enum event_error event_parse_fields(const char *const *strs, const size_t *lens, size_t nstr,
                                    const char *id, size_t id_len, const struct event_limits *lim,
                                    struct event *ev, char *reason, size_t reason_cap)
{
    return eventfields_parse(strs, lens, nstr, id, id_len, lim, ev, reason, reason_cap);
}

int event_stream_id_parse(const char *id, size_t len, uint64_t *ms, uint64_t *seq)
{
    uint64_t part[2] = {0, 0};
    size_t i = 0;

    for (int k = 0; k < 2; k++) {
        size_t start = i;
        for (; i < len && eventscan_is_digit((unsigned char)id[i]); i++) {
            unsigned d = (unsigned)(id[i] - '0');
            if (part[k] > UINT64_MAX / 10 || (part[k] == UINT64_MAX / 10 && d > UINT64_MAX % 10))
                return -1;
            part[k] = part[k] * 10 + d;
        }
        if (i == start)
            return -1;
        if (k == 0 && (i >= len || id[i++] != '-'))
            return -1;
    }
    if (i != len)
        return -1;
    if (ms)
        *ms = part[0];
    if (seq)
        *seq = part[1];
    return 0;
}

enum event_error event_parse_key(const char *key, size_t len, struct event *ev)
{
    struct event_parser p;
    enum event_error r;

    event_scan_init(&p, key, len, "key", NULL, ev, NULL, 0);
    if ((r = eventscan_metric(&p, true)))
        return r;
    if (p.i < p.n && key[p.i] == '{') {
        size_t open = p.i++;
        if ((r = eventscan_labels(&p, '}', open)))
            return r;
    }
    if (p.i != p.n)
        return EVENT_E_SYNTAX;
    return event_scan_key_len(&p);
}

const char *event_label_find(const struct event *ev, const char *name)
{
    for (size_t j = 0; j < ev->nlabels; j++)
        if (strcmp(ev->buf + ev->labels[j].name_off, name) == 0)
            return ev->buf + ev->labels[j].value_off;
    return NULL;
}

const char *event_strerror(enum event_error code)
{
    static const char *const names[EVENT_ERROR_COUNT] = {
        [EVENT_OK] = "ok",
        [EVENT_SKIP] = "blank or comment",
        [EVENT_E_SYNTAX] = "syntax error",
        [EVENT_E_METRIC_EMPTY] = "missing metric name",
        [EVENT_E_METRIC_TOO_LONG] = "metric name too long",
        [EVENT_E_METRIC_CHAR] = "bad metric name",
        [EVENT_E_LABEL_NAME_EMPTY] = "empty label name",
        [EVENT_E_LABEL_NAME_TOO_LONG] = "label name too long",
        [EVENT_E_LABEL_NAME_CHAR] = "bad label name",
        [EVENT_E_LABEL_DUP] = "duplicate label",
        [EVENT_E_LABEL_VALUE_TOO_LONG] = "label value too long",
        [EVENT_E_LABEL_VALUE_UTF8] = "invalid utf-8",
        [EVENT_E_LABEL_VALUE_CONTROL] = "control character",
        [EVENT_E_TOO_MANY_LABELS] = "too many labels",
        [EVENT_E_VALUE_EMPTY] = "missing value",
        [EVENT_E_VALUE_NOT_NUMBER] = "value not a number",
        [EVENT_E_VALUE_NOT_FINITE] = "value not finite",
        [EVENT_E_TS_INVALID] = "bad timestamp",
        [EVENT_E_TS_SKEW] = "timestamp skew",
        [EVENT_E_KEY_TOO_LONG] = "series key too long",
        [EVENT_E_FIELD_MISSING] = "missing field",
        [EVENT_E_FIELD_DUP] = "duplicate field",
        [EVENT_E_STREAM_ID] = "bad stream id",
    };

    if ((unsigned)code >= EVENT_ERROR_COUNT || !names[code])
        return "unknown error";
    return names[code];
}
