/* event_impl.h — private to the event parsers (event.c, eventscan.c, eventline.c, eventfields.c):
 * the parse in progress, the byte classes, and the scanners they share. Not for other modules. */
#ifndef WR_EVENT_IMPL_H
#define WR_EVENT_IMPL_H

#include "core/event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EVENT_NO_POS ((size_t)-1)

/* One parse in progress: the text being scanned, where errors go, the event being filled. */
struct event_parser {
    const char *s;
    size_t i, n;       /* position and end (exclusive) in s */
    const char *where; /* NULL for a line; else e.g. "field 'labels'", appended to messages */
    char *reason;
    size_t reason_cap;
    struct event_limits lim;
    struct event *ev;
    size_t used;    /* bytes of ev->buf in use */
    size_t nseen;   /* labels seen, stored or not */
    size_t key_len; /* canonical key length so far, without the closing '}' */
};

/* ---------------------------------------------------------------- character classes */

static inline bool eventscan_is_space(unsigned char b)
{
    return b == ' ' || b == '\t';
}

/* Byte classes, one table lookup per byte in the scanning loops. */
enum {
    EVENTSCAN_C_METRIC_FIRST = 0x01, /* [a-zA-Z_:] */
    EVENTSCAN_C_METRIC = 0x02,       /* [a-zA-Z0-9_:.] */
    EVENTSCAN_C_NAME_FIRST = 0x04,   /* [a-zA-Z_] */
    EVENTSCAN_C_NAME = 0x08,         /* [a-zA-Z0-9_] */
    EVENTSCAN_C_PLAIN = 0x10, /* 0x21..0x7e but , } = " \\ : copied as is, never quoted in a key */
    EVENTSCAN_C_DIGIT = 0x20, /* [0-9] */
};

/* Byte class of every byte (a bit set of the EVENTSCAN_C_* above), defined in eventscan.c. */
extern const unsigned char eventscan_byte_class[256];

static inline bool eventscan_has_class(unsigned char b, unsigned cls)
{
    return (eventscan_byte_class[b] & cls) != 0;
}

static inline bool eventscan_is_digit(unsigned char b)
{
    return eventscan_has_class(b, EVENTSCAN_C_DIGIT);
}

static inline bool eventscan_is_metric_char(unsigned char b, bool first)
{
    return eventscan_has_class(b, first ? EVENTSCAN_C_METRIC_FIRST : EVENTSCAN_C_METRIC);
}

static inline bool eventscan_is_name_char(unsigned char b, bool first)
{
    return eventscan_has_class(b, first ? EVENTSCAN_C_NAME_FIRST : EVENTSCAN_C_NAME);
}

/* Index of the first byte at or after i without class cls. Scanning helpers work on a local
 * index: a store through the parser in the loop would cost a cycle per byte. */
static inline size_t eventscan_span_class(const char *s, size_t i, size_t n, unsigned cls)
{
    while (i < n && eventscan_has_class((unsigned char)s[i], cls))
        i++;
    return i;
}

static inline void eventscan_skip_space(struct event_parser *p)
{
    size_t i = p->i;
    while (i < p->n && eventscan_is_space((unsigned char)p->s[i]))
        i++;
    p->i = i;
}

/* ---------------------------------------------------------------- eventscan.c */

/* Writes b for a message: "'#'" when printable ASCII, else "byte 0x07". */
const char *eventscan_show_byte(unsigned char b, char out[16]);
/* Writes a token for a message: at most 40 bytes, anything but printable ASCII as '?'. */
const char *eventscan_show_token(const char *s, size_t n, char out[48]);
/* Fills the reason with fmt, then " at column N" (1-based byte column in p->s) unless pos is
 * EVENT_NO_POS, then the context (" of field 'labels'"). Returns code. */
__attribute__((format(printf, 4, 5))) enum event_error
eventscan_fail_at(struct event_parser *p, size_t pos, enum event_error code, const char *fmt, ...);
/* Scans a metric name at p->i. In a line or key the name ends at a space or '{'; in a field it
 * must fill the rest of the text. Stores it at ev->buf[0]. */
enum event_error eventscan_metric(struct event_parser *p, bool stop_at_brace);
/* Parses labels until close (consumed), or until the end when close is 0. open is the position
 * of the '{' for messages (EVENT_NO_POS for the `labels` field). */
enum event_error eventscan_labels(struct event_parser *p, char close, size_t open);
/* Parses the value token s[start, end) of p->s into ev->value. */
enum event_error eventscan_value(struct event_parser *p, size_t start, size_t end);
/* Parses the timestamp token s[start, end) of p->s (unix ms) into *ts. */
enum event_error eventscan_ts(struct event_parser *p, size_t start, size_t end, int64_t *ts);
/* Rejects ts further than the limits from ref_ms (either bound itself is accepted). */
enum event_error eventscan_skew(struct event_parser *p, int64_t ts, int64_t ref_ms, size_t pos);

/* ---------------------------------------------------------------- event.c */

/* Starts a parse of s[0, n) into ev: limits clamped to the hard ones, ev and reason emptied. */
void event_scan_init(struct event_parser *p, const char *s, size_t n, const char *where,
                     const struct event_limits *lim, struct event *ev, char *reason,
                     size_t reason_cap);
/* Narrows [*start, *end) of s to exclude leading and trailing spaces and tabs. */
void event_scan_trim(const char *s, size_t *start, size_t *end);
/* Rejects a canonical key (as scanned so far, plus its '}') over max_key_len. */
enum event_error event_scan_key_len(struct event_parser *p);

/* ---------------------------------------------------------------- eventline.c, eventfields.c */

/* event_parse_line and event_parse_fields of event.h (thin wrappers in event.c). */
enum event_error eventline_parse(const char *line, size_t len, int64_t now_ms,
                                 const struct event_limits *lim, struct event *ev, char *reason,
                                 size_t reason_cap);
enum event_error eventfields_parse(const char *const *strs, const size_t *lens, size_t nstr,
                                   const char *id, size_t id_len, const struct event_limits *lim,
                                   struct event *ev, char *reason, size_t reason_cap);

#endif
