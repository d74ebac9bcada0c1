/* chatlog.c — the chat room model (contract in chatlog.h): an ID-ordered ring of messages with
 * merge and de-duplication, the unread marker and mentions. */
#include "core/chatlog.h"

#include <stdlib.h>
#include <string.h>

#include "core/bsearch.h"
#include "core/mem.h"

/* ---- kinds and IDs ----------------------------------------------------------------------- */

static const char *const kind_names[] = {
    [CHATLOG_MSG] = "msg",       [CHATLOG_ME] = "me",     [CHATLOG_JOIN] = "join",
    [CHATLOG_PART] = "part",     [CHATLOG_NICK] = "nick", [CHATLOG_ALERT] = "alert",
    [CHATLOG_SYSTEM] = "system",
};

#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))

const char *chatlog_kind_name(enum chatlog_kind kind)
{
    return (size_t)kind < NKINDS ? kind_names[kind] : "msg";
}

int chatlog_kind_parse(const char *s, size_t len, enum chatlog_kind *out)
{
    for (size_t k = 0; k < NKINDS; k++) {
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], s, len) == 0) {
            *out = (enum chatlog_kind)k;
            return 0;
        }
    }
    *out = CHATLOG_MSG;
    return -1;
}

/* Parses a run of decimal digits into *v. Returns the bytes used (0: none, or overflow). */
static size_t parse_u64(const char *s, size_t len, uint64_t *v)
{
    size_t i = 0;
    uint64_t x = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10)
            return 0;
        x = x * 10 + d;
        i++;
    }
    *v = x;
    return i;
}

int chatlog_id_parse(const char *s, size_t len, struct chatlog_id *out)
{
    struct chatlog_id id = {0};
    *out = id;
    if (s == NULL)
        return -1;
    size_t n = parse_u64(s, len, &id.ms);
    if (n == 0)
        return -1;
    if (n < len) {
        if (s[n] != '-')
            return -1;
        size_t m = parse_u64(s + n + 1, len - n - 1, &id.seq);
        if (m == 0 || n + 1 + m != len)
            return -1;
    }
    *out = id;
    return 0;
}

int64_t chatlog_ts_parse(const char *s, size_t len, int64_t fallback)
{
    uint64_t v;
    if (s == NULL || len == 0 || parse_u64(s, len, &v) != len || v > INT64_MAX)
        return fallback;
    return (int64_t)v;
}

static void put_u64(char *buf, size_t *pos, size_t cap, uint64_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && *pos + 1 < cap)
        buf[(*pos)++] = tmp[--n];
}

char *chatlog_id_format(struct chatlog_id id, char *buf, size_t cap)
{
    size_t pos = 0;
    if (cap == 0)
        return buf;
    put_u64(buf, &pos, cap, id.ms);
    if (pos + 1 < cap)
        buf[pos++] = '-';
    put_u64(buf, &pos, cap, id.seq);
    buf[pos] = '\0';
    return buf;
}

int chatlog_id_cmp(struct chatlog_id a, struct chatlog_id b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    if (a.local != b.local)
        return a.local < b.local ? -1 : 1;
    return 0;
}

bool chatlog_id_is_zero(struct chatlog_id id)
{
    return id.ms == 0 && id.seq == 0 && id.local == 0;
}

/* ---- the message list ---------------------------------------------------------------------- */

struct chatlog {
    struct chatlog_msg **ring; /* cap slots; message i is ring[(head + i) % cap] */
    size_t cap, head, count;
    struct chatlog_id last_id; /* highest remote ID ever added */
    struct chatlog_id read_id; /* the read marker: messages above it are unread */
    uint64_t version;
    char *nick;
};

struct chatlog *chatlog_new(size_t max_msgs)
{
    struct chatlog *log = xcalloc(1, sizeof(*log));
    log->cap = max_msgs ? max_msgs : CHATLOG_DEFAULT_SCROLLBACK;
    log->ring = xcalloc(log->cap, sizeof(*log->ring));
    return log;
}

/* A message and its strings are one allocation (msg_make): every receiver adds every message. */
static void msg_free(struct chatlog_msg *m)
{
    free(m);
}

static struct chatlog_msg **slot(const struct chatlog *log, size_t i)
{
    return &log->ring[(log->head + i) % log->cap];
}

static void drop_all(struct chatlog *log)
{
    for (size_t i = 0; i < log->count; i++) {
        msg_free(*slot(log, i));
        *slot(log, i) = NULL;
    }
    log->head = log->count = 0;
    log->version++;
}

void chatlog_free(struct chatlog *log)
{
    if (log == NULL)
        return;
    drop_all(log);
    free(log->ring);
    free(log->nick);
    free(log);
}

void chatlog_set_nick(struct chatlog *log, const char *nick)
{
    free(log->nick);
    log->nick = nick && *nick ? xstrdup(nick) : NULL;
}

size_t chatlog_count(const struct chatlog *log)
{
    return log->count;
}

const struct chatlog_msg *chatlog_get(const struct chatlog *log, size_t i)
{
    return i < log->count ? *slot(log, i) : NULL;
}

struct find_key {
    const struct chatlog *log;
    struct chatlog_id id;
};

static int cmp_msg_id(const void *ctx, size_t i)
{
    const struct find_key *k = ctx;
    return chatlog_id_cmp((*slot(k->log, i))->id, k->id);
}

size_t chatlog_find_after(const struct chatlog *log, struct chatlog_id id)
{
    struct find_key key = {log, id};
    return bsearch_upper(log->count, cmp_msg_id, &key);
}

struct chatlog_id chatlog_last_id(const struct chatlog *log)
{
    return log->last_id;
}

uint64_t chatlog_version(const struct chatlog *log)
{
    return log->version;
}

/* The ID of a new local entry: right behind the newest message held (or the last remote ID
 * when that is higher, e.g. after /clear). */
static struct chatlog_id next_local_id(const struct chatlog *log)
{
    struct chatlog_id id = {log->last_id.ms, log->last_id.seq, 1};
    if (log->count > 0) {
        struct chatlog_id top = (*slot(log, log->count - 1))->id;
        struct chatlog_id base = {top.ms, top.seq, 0};
        if (chatlog_id_cmp(base, (struct chatlog_id){id.ms, id.seq, 0}) >= 0)
            id = (struct chatlog_id){top.ms, top.seq, top.local + 1};
    }
    return id;
}

static bool may_mention(enum chatlog_kind kind)
{
    return kind == CHATLOG_MSG || kind == CHATLOG_ME || kind == CHATLOG_ALERT ||
           kind == CHATLOG_SYSTEM;
}

static struct chatlog_msg *msg_make(const struct chatlog *log, const struct chatlog_entry *e)
{
    size_t nlen = e->nick_len > CHATLOG_STORE_NICK_MAX ? CHATLOG_STORE_NICK_MAX : e->nick_len;
    size_t tlen = e->text_len > CHATLOG_STORE_TEXT_MAX ? CHATLOG_STORE_TEXT_MAX : e->text_len;
    nlen = nlen ? strnlen(e->nick, nlen) : 0; /* a NUL inside stops the nick: shown as cut there */
    struct chatlog_msg *m = xmalloc(sizeof(*m) + nlen + 1 + tlen + 1);
    char *nick = (char *)(m + 1), *text = nick + nlen + 1;
    if (nlen)
        memcpy(nick, e->nick, nlen);
    nick[nlen] = '\0';
    if (tlen)
        memcpy(text, e->text, tlen);
    text[tlen] = '\0';
    *m = (struct chatlog_msg){.id = e->id,
                              .ts_ms = e->ts_ms,
                              .kind = e->kind,
                              .nick = nick,
                              .nick_len = nlen,
                              .text = text,
                              .text_len = tlen,
                              .truncated = tlen < e->text_len};
    m->own = log->nick && m->nick_len && strcmp(m->nick, log->nick) == 0;
    m->mention = !m->own && log->nick && may_mention(m->kind) &&
                 chatlog_mentions(m->text, m->text_len, log->nick);
    return m;
}

/* Inserts m at index pos, dropping the oldest message first when full. Returns the index m got,
 * or (size_t)-1 when it was older than everything in a full log (m is then freed). */
static size_t insert_at(struct chatlog *log, size_t pos, struct chatlog_msg *m)
{
    if (log->count == log->cap) {
        if (pos == 0) {
            msg_free(m);
            return (size_t)-1;
        }
        msg_free(*slot(log, 0));
        *slot(log, 0) = NULL;
        log->head = (log->head + 1) % log->cap;
        log->count--;
        pos--;
    }
    for (size_t j = log->count; j > pos; j--)
        *slot(log, j) = *slot(log, j - 1);
    *slot(log, pos) = m;
    log->count++;
    log->version++;
    return pos;
}

enum chatlog_add_result chatlog_add(struct chatlog *log, const struct chatlog_entry *e,
                                    size_t *index)
{
    struct chatlog_entry copy = *e;
    size_t pos;
    if (chatlog_id_is_zero(e->id)) {
        copy.id = next_local_id(log);
        pos = log->count;
    } else {
        copy.id.local = 0;
        if (log->count == 0 || chatlog_id_cmp((*slot(log, log->count - 1))->id, copy.id) < 0) {
            pos = log->count;
        } else {
            pos = chatlog_find_after(log, copy.id);
            if (pos > 0 && chatlog_id_cmp((*slot(log, pos - 1))->id, copy.id) == 0)
                return CHATLOG_DUPLICATE;
        }
    }
    size_t at = insert_at(log, pos, msg_make(log, &copy));
    if (at == (size_t)-1)
        return CHATLOG_TOO_OLD;
    if (copy.id.local == 0 && chatlog_id_cmp(copy.id, log->last_id) > 0)
        log->last_id = copy.id;
    if (index)
        *index = at;
    return CHATLOG_ADDED;
}

size_t chatlog_add_local(struct chatlog *log, enum chatlog_kind kind, int64_t ts_ms,
                         const char *text, size_t len)
{
    struct chatlog_entry e = {
        .id = next_local_id(log), .ts_ms = ts_ms, .kind = kind, .text = text, .text_len = len};
    struct chatlog_msg *m = msg_make(log, &e);
    m->mention = false;
    return insert_at(log, log->count, m);
}

void chatlog_clear(struct chatlog *log)
{
    drop_all(log);
}

void chatlog_reset(struct chatlog *log)
{
    drop_all(log);
    log->last_id = log->read_id = (struct chatlog_id){0};
}

/* ---- unread marker ------------------------------------------------------------------------- */

void chatlog_mark_read(struct chatlog *log)
{
    if (log->count == 0)
        return;
    struct chatlog_id top = (*slot(log, log->count - 1))->id;
    if (chatlog_id_cmp(top, log->read_id) != 0) {
        log->read_id = top;
        log->version++;
    }
}

size_t chatlog_first_unread(const struct chatlog *log)
{
    return chatlog_find_after(log, log->read_id);
}

size_t chatlog_unread(const struct chatlog *log, size_t *mentions)
{
    size_t n = 0, men = 0;
    for (size_t i = chatlog_first_unread(log); i < log->count; i++) {
        const struct chatlog_msg *m = *slot(log, i);
        if (m->own || m->id.local != 0)
            continue;
        n++;
        men += m->mention;
    }
    if (mentions)
        *mentions = men;
    return n;
}

/* ---- mentions ------------------------------------------------------------------------------ */

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static unsigned char fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

int chatlog_mentions(const char *text, size_t len, const char *nick)
{
    size_t n = nick ? strlen(nick) : 0;
    if (n == 0 || len < n)
        return 0;
    const unsigned char *t = (const unsigned char *)text, *k = (const unsigned char *)nick;
    int check_start = is_word_byte(k[0]), check_end = is_word_byte(k[n - 1]);
    for (size_t i = 0; i + n <= len; i++) {
        size_t j = 0;
        while (j < n && fold(t[i + j]) == fold(k[j]))
            j++;
        if (j < n)
            continue;
        if (check_start && i > 0 && is_word_byte(t[i - 1]))
            continue;
        if (check_end && i + n < len && is_word_byte(t[i + n]))
            continue;
        return 1;
    }
    return 0;
}
