/* event.h — metric events: parsing the text line and stream-entry forms, validation with precise
 * reasons, and the canonical series key `metric{k1=v1,k2=v2}` that names a series everywhere.
 * Parsing allocates nothing: an event holds its strings in one fixed inline buffer. */
#ifndef WR_EVENT_H
#define WR_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hard limits; struct event_limits may only tighten them. */
#define EVENT_MAX_LABELS 16
#define EVENT_METRIC_MAX 128      /* bytes */
#define EVENT_LABEL_NAME_MAX 64   /* bytes */
#define EVENT_LABEL_VALUE_MAX 256 /* bytes, after unquoting */
#define EVENT_KEY_MAX 1024        /* bytes of the canonical key, without the NUL */
#define EVENT_MAX_FUTURE_MS (5 * 60 * 1000LL)
#define EVENT_MAX_PAST_MS (60 * 60 * 1000LL)
#define EVENT_REASON_MAX 256 /* a reason buffer this big never truncates a message */

/* The canonical key contains every byte of the metric, names and values, so this holds all of
 * them with a NUL after each. */
#define EVENT_BUF_SIZE (EVENT_KEY_MAX + 1 + 2 * EVENT_MAX_LABELS)

struct event_limits {
    size_t max_metric_len;      /* 1..EVENT_METRIC_MAX */
    size_t max_label_name_len;  /* 1..EVENT_LABEL_NAME_MAX */
    size_t max_label_value_len; /* 0..EVENT_LABEL_VALUE_MAX */
    size_t max_labels;          /* 0..EVENT_MAX_LABELS */
    size_t max_key_len;         /* ..EVENT_KEY_MAX */
    int64_t max_future_ms;      /* reject ts > ref_ms + max_future_ms */
    int64_t max_past_ms;        /* reject ts < ref_ms - max_past_ms */
};

#define EVENT_LIMITS_DEFAULT                                                                       \
    {                                                                                              \
        EVENT_METRIC_MAX, EVENT_LABEL_NAME_MAX, EVENT_LABEL_VALUE_MAX, EVENT_MAX_LABELS,           \
            EVENT_KEY_MAX, EVENT_MAX_FUTURE_MS, EVENT_MAX_PAST_MS                                  \
    }

/* Result of every parse function. EVENT_OK and EVENT_SKIP are not errors. */
enum event_error {
    EVENT_OK = 0,
    EVENT_SKIP,                  /* blank line or '#' comment: nothing to do */
    EVENT_E_SYNTAX,              /* structure: missing '}', '=', unterminated quote, junk ... */
    EVENT_E_METRIC_EMPTY,        /* no metric name */
    EVENT_E_METRIC_TOO_LONG,     /* over max_metric_len */
    EVENT_E_METRIC_CHAR,         /* byte outside [a-zA-Z_:][a-zA-Z0-9_:.]* */
    EVENT_E_LABEL_NAME_EMPTY,    /* "=v" */
    EVENT_E_LABEL_NAME_TOO_LONG, /* over max_label_name_len */
    EVENT_E_LABEL_NAME_CHAR,     /* byte outside [a-zA-Z_][a-zA-Z0-9_]* */
    EVENT_E_LABEL_DUP,           /* the same label name twice */
    EVENT_E_LABEL_VALUE_TOO_LONG,
    EVENT_E_LABEL_VALUE_UTF8,    /* not valid UTF-8 */
    EVENT_E_LABEL_VALUE_CONTROL, /* C0, DEL or C1 control character (escaped \n included) */
    EVENT_E_TOO_MANY_LABELS,
    EVENT_E_VALUE_EMPTY,
    EVENT_E_VALUE_NOT_NUMBER, /* not a decimal number (hex floats included) */
    EVENT_E_VALUE_NOT_FINITE, /* NaN, inf, or overflows a double (1e999) */
    EVENT_E_TS_INVALID,       /* not a non-negative integer of unix ms, or over INT64_MAX */
    EVENT_E_TS_SKEW,          /* too far from the reference time */
    EVENT_E_KEY_TOO_LONG,     /* canonical key over max_key_len */
    EVENT_E_FIELD_MISSING,    /* stream entry without `metric` or `value` */
    EVENT_E_FIELD_DUP,        /* stream entry with a known field twice */
    EVENT_E_STREAM_ID,        /* malformed stream entry ID */
    EVENT_ERROR_COUNT
};

struct event_label {
    uint16_t name_off, name_len;   /* into event.buf, NUL-terminated */
    uint16_t value_off, value_len; /* into event.buf, NUL-terminated */
};

/* A parsed event. Labels are sorted by name (bytewise) and unique. The metric starts at buf[0].
 * Strings never contain NUL or control bytes; values are valid UTF-8. Copy with plain `=`. */
struct event {
    double value;
    int64_t ts_ms;
    bool has_ts; /* false: ts_ms was defaulted (now_ms, or the stream entry ID's time) */
    uint16_t metric_len;
    uint16_t nlabels;
    struct event_label labels[EVENT_MAX_LABELS];
    char buf[EVENT_BUF_SIZE];
};

struct event_limits event_limits_default(void);

/* Parses one text line `metric{k=v,...} value [ts_ms]` of len bytes (need not be NUL-terminated;
 * a trailing "\n" or "\r\n" is fine). now_ms is the default ts and the skew reference.
 * lim NULL means the defaults. Returns EVENT_OK with *ev filled, EVENT_SKIP for a blank or
 * comment line, or an error code with a one-line message in reason (NUL-terminated, truncated to
 * reason_cap; reason may be NULL). *ev is unspecified unless EVENT_OK. */
enum event_error event_parse_line(const char *line, size_t len, int64_t now_ms,
                                  const struct event_limits *lim, struct event *ev, char *reason,
                                  size_t reason_cap);

/* Parses one stream entry as XREAD returns it: nstr strings (field, value, field, value, ...),
 * each with its length (binary-safe). Fields `metric` and `value` are required, `ts` (unix ms) and
 * `labels` ("k=v,k=v", same quoting as the line form) optional, others ignored; a known field
 * twice is an error. id is the entry ID ("1700000000000-0"). Its ms time is the default ts AND
 * the skew reference (the time Redis accepted the entry), so every instance, live or replaying,
 * accepts or rejects the same entries. Returns and fills as event_parse_line (never EVENT_SKIP). */
enum event_error event_parse_fields(const char *const *strs, const size_t *lens, size_t nstr,
                                    const char *id, size_t id_len, const struct event_limits *lim,
                                    struct event *ev, char *reason, size_t reason_cap);

/* Parses a stream entry ID "MS-SEQ" (two decimal uint64, nothing else). Returns 0 and sets *ms,
 * *seq (either may be NULL), or -1 when malformed (outputs unchanged). */
int event_stream_id_parse(const char *id, size_t len, uint64_t *ms, uint64_t *seq);

/* Writes the canonical series key of ev, NUL-terminated: the metric, then, when there are labels,
 * '{' name=value pairs sorted by name joined by ',' '}'. A value that is empty or contains any of
 * , } = " \ or a space is written in double quotes with " and \ escaped by a backslash.
 * Returns the key length, or -1 when length + 1 > cap. */
int event_key(const struct event *ev, char *buf, size_t cap);

/* Parses a series key (canonical or not: same grammar as the labels of the line form) back into
 * an event identity: metric and labels; value 0, ts_ms 0, has_ts false. Default limits.
 * Returns EVENT_OK or an error code; *ev is unspecified on error. */
enum event_error event_parse_key(const char *key, size_t len, struct event *ev);

/* The reason class of a code: a short fixed phrase, e.g. "timestamp skew" (used as the `reason`
 * field of the dead-letter stream). Never NULL. */
const char *event_strerror(enum event_error code);

/* Value of label `name` (NUL-terminated), or NULL when ev has no such label. */
const char *event_label_find(const struct event *ev, const char *name);

static inline const char *event_metric(const struct event *ev)
{
    return ev->buf;
}

static inline const char *event_label_name(const struct event *ev, size_t i)
{
    return ev->buf + ev->labels[i].name_off;
}

static inline const char *event_label_value(const struct event *ev, size_t i)
{
    return ev->buf + ev->labels[i].value_off;
}

#endif
