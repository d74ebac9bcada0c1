/* dlqentry.h — one dead letter (a rejected stream entry as readers store it in the dead-letter
 * stream, docs/protocol.md) made into what the dead-letter view shows: partition, time, reason,
 * detail and the original fields, every string sanitized for the terminal. Pure. */
#ifndef WR_DLQENTRY_H
#define WR_DLQENTRY_H

#include <stddef.h>
#include <stdint.h>

#define DLQENTRY_ID_MAX 48
#define DLQENTRY_REASON_MAX 96
#define DLQENTRY_TEXT_MAX 400

struct dlqentry {
    int partition; /* from the "stream" field's or the key's {pI}; -1 when neither names one */
    int64_t ts_ms; /* the millisecond part of the rejected entry's ID (its arrival); 0: none */
    char id[DLQENTRY_ID_MAX];         /* the rejected entry's ID ("id" field, else the key's) */
    char reason[DLQENTRY_REASON_MAX]; /* the reason class; "?" when missing */
    char detail[DLQENTRY_TEXT_MAX];   /* the full message; "" when missing */
    char fields[DLQENTRY_TEXT_MAX];   /* the original fields, "metric=cpu value=abc" */
};

/* Fills out from one entry of a dead-letter stream: key is the stream it was read from ("wr:dlq",
 * or one per partition such as "wr:dlq:{p3}"), entry_id its ID there, f[0..n) its strings
 * alternating name and value (flen their lengths; an odd last name has an empty value). The
 * fields reason, detail, stream and id describe the rejection; the others are the original
 * fields. Never fails: anything missing or malformed leaves the defaults above; every string is
 * sanitized (controls made visible, bidi controls removed, invalid UTF-8 replaced) and cut with
 * a marker to fit. */
void dlqentry_parse(const char *key, size_t key_len, const char *entry_id, size_t id_len,
                    const char *const *f, const size_t *flen, size_t n, struct dlqentry *out);

/* The partition a stream name tags, "{pI}" anywhere in it (I decimal, 0-99999); -1 when none. */
int dlqentry_partition_of(const char *s, size_t len);

#endif
