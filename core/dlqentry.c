/* dlqentry.c — a dead-letter stream entry as the dead-letter view shows it. */
#include "core/dlqentry.h"

#include <string.h>

#include "core/text.h"

/* Copies the sanitized in[0..len) into dst (cap bytes, cut with a marker when longer). */
static void put(char *dst, size_t cap, const char *in, size_t len, struct text_buf *tb)
{
    text_sanitize_limit(in, len, 0, cap - 1, 0, tb);
    memcpy(dst, tb->s, tb->len + 1);
}

int dlqentry_partition_of(const char *s, size_t len)
{
    for (size_t i = 0; i + 3 < len; i++) {
        if (s[i] != '{' || s[i + 1] != 'p')
            continue;
        size_t j = i + 2;
        long v = 0;
        while (j < len && j - i - 2 < 5 && s[j] >= '0' && s[j] <= '9')
            v = v * 10 + (s[j++] - '0');
        if (j > i + 2 && j < len && s[j] == '}')
            return (int)v;
    }
    return -1;
}

/* The millisecond part of a stream ID "MS-SEQ" (or "MS"); 0 when it is not one. */
static int64_t id_ms(const char *s, size_t len)
{
    int64_t v = 0;
    size_t i = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (INT64_MAX - 9) / 10)
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    return i > 0 && (i == len || s[i] == '-') ? v : 0;
}

static int is(const char *s, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(s, name, len) == 0;
}

void dlqentry_parse(const char *key, size_t key_len, const char *entry_id, size_t id_len,
                    const char *const *f, const size_t *flen, size_t n, struct dlqentry *out)
{
    struct text_buf tb = TEXT_BUF_INIT;
    *out = (struct dlqentry){.partition = -1};
    strcpy(out->reason, "?");
    const char *rid = entry_id; /* the rejected entry's ID: the "id" field when there is one */
    size_t rid_len = id_len;
    int part = -1;
    size_t flen_used = 0; /* bytes of out->fields in use */
    for (size_t i = 0; i < n; i += 2) {
        const char *name = f[i], *value = i + 1 < n ? f[i + 1] : "";
        size_t nlen = flen[i], vlen = i + 1 < n ? flen[i + 1] : 0;
        if (is(name, nlen, "reason")) {
            put(out->reason, sizeof(out->reason), value, vlen, &tb);
        } else if (is(name, nlen, "detail")) {
            put(out->detail, sizeof(out->detail), value, vlen, &tb);
        } else if (is(name, nlen, "stream")) {
            part = dlqentry_partition_of(value, vlen);
        } else if (is(name, nlen, "id")) {
            rid = value, rid_len = vlen;
        } else if (flen_used + 2 < sizeof(out->fields)) { /* name=value, blank separated */
            char *dst = out->fields + flen_used;
            size_t room = sizeof(out->fields) - flen_used;
            if (flen_used > 0)
                *dst++ = ' ', room--;
            put(dst, room, name, nlen, &tb);
            size_t used = strlen(dst);
            if (used + 2 < room) {
                dst[used] = '=';
                put(dst + used + 1, room - used - 1, value, vlen, &tb);
            }
            flen_used = (size_t)(dst - out->fields) + strlen(dst);
        }
    }
    out->partition = part >= 0 ? part : dlqentry_partition_of(key, key_len);
    put(out->id, sizeof(out->id), rid, rid_len, &tb);
    out->ts_ms = id_ms(rid, rid_len);
    text_buf_free(&tb);
}
