/* chatlog.c — the chat room model (contract in chatlog.h): an ID-ordered ring of messages with
 * merge and de-duplication, the unread marker, mentions, rendering through the sanitizer, the
 * rate limiter, the online list and the input-line parser. */
#include "core/chatlog.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* ---- kinds and IDs ----------------------------------------------------------------------- */

static const char *const kind_names[] = {
    [CHATLOG_MSG] = "msg",     [CHATLOG_ME] = "me",       [CHATLOG_JOIN] = "join",
    [CHATLOG_PART] = "part",   [CHATLOG_NICK] = "nick",   [CHATLOG_ALERT] = "alert",
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

static void msg_free(struct chatlog_msg *m)
{
    if (m == NULL)
        return;
    free(m->nick);
    free(m->text);
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

size_t chatlog_find_after(const struct chatlog *log, struct chatlog_id id)
{
    size_t lo = 0, hi = log->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (chatlog_id_cmp((*slot(log, mid))->id, id) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
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
    struct chatlog_msg *m = xcalloc(1, sizeof(*m));
    size_t nlen = e->nick_len > CHATLOG_STORE_NICK_MAX ? CHATLOG_STORE_NICK_MAX : e->nick_len;
    size_t tlen = e->text_len > CHATLOG_STORE_TEXT_MAX ? CHATLOG_STORE_TEXT_MAX : e->text_len;
    m->id = e->id;
    m->ts_ms = e->ts_ms;
    m->kind = e->kind;
    m->nick = xstrndup(nlen ? e->nick : "", nlen);
    m->nick_len = strlen(m->nick); /* a NUL inside stops the nick: it is shown as cut there */
    m->text = xmalloc(tlen + 1);
    if (tlen)
        memcpy(m->text, e->text, tlen);
    m->text[tlen] = '\0';
    m->text_len = tlen;
    m->truncated = tlen < e->text_len;
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
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
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

/* ---- rendering ----------------------------------------------------------------------------- */

static void line_put(struct chatlog_line *l, const char *s, size_t n, unsigned mark)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 128;
        while (cap < l->len + n + 1)
            cap *= 2;
        l->s = xrealloc(l->s, cap);
        l->mark = xrealloc(l->mark, cap);
        l->cap = cap;
    }
    memcpy(l->s + l->len, s, n);
    memset(l->mark + l->len, (int)mark, n);
    l->len += n;
    l->s[l->len] = '\0';
    l->mark[l->len] = 0;
}

static void line_puts(struct chatlog_line *l, const char *s)
{
    line_put(l, s, strlen(s), 0);
}

/* Appends the sanitizer's output in l->tmp, marks included. */
static void line_put_tmp(struct chatlog_line *l)
{
    size_t at = l->len;
    line_put(l, l->tmp.s, l->tmp.len, 0);
    memcpy(l->mark + at, l->tmp.mark, l->tmp.len);
}

static void line_put_nick(struct chatlog_line *l, const char *nick, size_t len, unsigned flags,
                          bool record)
{
    text_sanitize(nick, len, TEXT_NICK | (flags & TEXT_ASCII), &l->tmp);
    size_t at = l->len;
    if (l->tmp.len == 0)
        line_puts(l, "?");
    else
        line_put_tmp(l);
    if (record) {
        l->nick_off = at;
        l->nick_len = l->len - at;
    }
}

static void line_put_text(struct chatlog_line *l, const struct chatlog_msg *m, unsigned flags)
{
    text_sanitize(m->text, m->text_len, flags, &l->tmp);
    line_put_tmp(l);
    if (m->truncated && !l->tmp.truncated) {
        const char *marker = flags & TEXT_ASCII ? "..." : "\xE2\x80\xA6";
        line_put(l, marker, strlen(marker), TEXT_MARK_TRUNC);
    }
}

static void line_put_room(struct chatlog_line *l, const char *room, unsigned flags)
{
    line_puts(l, " #");
    text_sanitize(room, strlen(room), TEXT_NICK | (flags & TEXT_ASCII), &l->tmp);
    line_put_tmp(l);
}

void chatlog_render(const struct chatlog_msg *m, const char *room, unsigned text_flags,
                    struct chatlog_line *out)
{
    struct chatlog_line *l = out;
    bool has_room = room && *room;
    l->len = 0;
    l->nick_off = l->nick_len = 0;
    if (l->s)
        l->s[0] = '\0';
    switch (m->kind) {
    case CHATLOG_ME:
        l->style = CHATLOG_STYLE_ACTION;
        line_puts(l, "* ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, " ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_JOIN:
    case CHATLOG_PART:
        l->style = CHATLOG_STYLE_EVENT;
        line_puts(l, "-!- ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, m->kind == CHATLOG_JOIN ? " has joined" : " has left");
        if (has_room)
            line_put_room(l, room, text_flags);
        l->body_off = l->len;
        if (m->kind == CHATLOG_PART && m->text_len > 0) {
            line_puts(l, " (");
            line_put_text(l, m, text_flags);
            line_puts(l, ")");
        }
        break;
    case CHATLOG_NICK:
        l->style = CHATLOG_STYLE_EVENT;
        line_puts(l, "-!- ");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, " is now known as ");
        l->body_off = l->len;
        line_put_nick(l, m->text, m->text_len, text_flags, false);
        break;
    case CHATLOG_SYSTEM:
        l->style = CHATLOG_STYLE_SYSTEM;
        line_puts(l, "-!- ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_ALERT:
        l->style = CHATLOG_STYLE_ALERT;
        line_puts(l, "-!- [alert] ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    case CHATLOG_MSG:
    default:
        l->style = CHATLOG_STYLE_MSG;
        line_puts(l, "<");
        line_put_nick(l, m->nick, m->nick_len, text_flags, true);
        line_puts(l, "> ");
        l->body_off = l->len;
        line_put_text(l, m, text_flags);
        break;
    }
    if (l->s == NULL)
        line_put(l, "", 0, 0);
}

void chatlog_line_free(struct chatlog_line *l)
{
    if (l == NULL)
        return;
    free(l->s);
    free(l->mark);
    text_buf_free(&l->tmp);
    *l = (struct chatlog_line){0};
}

/* ---- send rate limit ----------------------------------------------------------------------- */

void chatlog_rate_init(struct chatlog_rate *r, unsigned burst, unsigned interval_ms)
{
    r->burst = burst ? burst : 1;
    r->interval_ms = interval_ms;
    r->tat_ms = INT64_MIN;
}

int64_t chatlog_rate_take(struct chatlog_rate *r, int64_t now_ms)
{
    if (r->interval_ms == 0)
        return 0;
    int64_t tat = r->tat_ms > now_ms ? r->tat_ms : now_ms;
    int64_t allowed = now_ms + (int64_t)(r->burst - 1) * r->interval_ms;
    if (tat > allowed)
        return tat - allowed;
    r->tat_ms = tat + r->interval_ms;
    return 0;
}

/* ---- online list --------------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Index where nick is or would go. */
static size_t presence_pos(const struct chatlog_presence *p, const char *nick, bool *found)
{
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->nicks[mid], nick);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

void chatlog_presence_set(struct chatlog_presence *p, const char *const *nicks, size_t n,
                          chatlog_presence_fn *fn, void *privdata)
{
    char **next = xcalloc(n ? n : 1, sizeof(*next));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        next[i] = xstrdup(nicks[i]);
    qsort(next, n, sizeof(*next), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(next[k - 1], next[i]) == 0)
            free(next[i]);
        else
            next[k++] = next[i];
    }
    if (fn) {
        for (size_t i = 0, j = 0; i < p->n; i++) { /* went: in old, not in new */
            while (j < k && strcmp(next[j], p->nicks[i]) < 0)
                j++;
            if (j == k || strcmp(next[j], p->nicks[i]) != 0)
                fn(privdata, p->nicks[i], false);
        }
        for (size_t j = 0, i = 0; j < k; j++) { /* came: in new, not in old */
            while (i < p->n && strcmp(p->nicks[i], next[j]) < 0)
                i++;
            if (i == p->n || strcmp(p->nicks[i], next[j]) != 0)
                fn(privdata, next[j], true);
        }
    }
    for (size_t i = 0; i < p->n; i++)
        free(p->nicks[i]);
    free(p->nicks);
    p->nicks = next;
    p->n = k;
    p->cap = n ? n : 1;
}

int chatlog_presence_add(struct chatlog_presence *p, const char *nick)
{
    bool found;
    size_t pos = presence_pos(p, nick, &found);
    if (found)
        return 0;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->nicks = xrealloc(p->nicks, p->cap * sizeof(*p->nicks));
    }
    memmove(p->nicks + pos + 1, p->nicks + pos, (p->n - pos) * sizeof(*p->nicks));
    p->nicks[pos] = xstrdup(nick);
    p->n++;
    return 1;
}

int chatlog_presence_remove(struct chatlog_presence *p, const char *nick)
{
    bool found;
    size_t pos = presence_pos(p, nick, &found);
    if (!found)
        return 0;
    free(p->nicks[pos]);
    memmove(p->nicks + pos, p->nicks + pos + 1, (p->n - pos - 1) * sizeof(*p->nicks));
    p->n--;
    return 1;
}

bool chatlog_presence_has(const struct chatlog_presence *p, const char *nick)
{
    bool found;
    presence_pos(p, nick, &found);
    return found;
}

void chatlog_presence_free(struct chatlog_presence *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->nicks[i]);
    free(p->nicks);
    *p = (struct chatlog_presence){0};
}

/* ---- rooms and the input line -------------------------------------------------------------- */

int chatlog_room_normalize(const char *in, char *out, size_t cap)
{
    if (cap > 0)
        out[0] = '\0';
    if (in == NULL)
        return -1;
    if (*in == '#')
        in++;
    size_t n = strlen(in);
    if (n == 0 || n > CHATLOG_ROOM_MAX || n + 1 > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (!(is_word_byte(c) || c == '.'))
            return -1;
    }
    memcpy(out, in, n + 1);
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

struct cmd_word {
    const char *name;
    enum chatlog_cmd cmd;
    int arg; /* 0: ignored/optional, 1: required text, 2: required single word */
    const char *usage;
};

static const struct cmd_word cmd_words[] = {
    {"me", CHATLOG_CMD_ME, 1, "usage: /me ACTION"},
    {"nick", CHATLOG_CMD_NICK, 2, "usage: /nick NEWNICK"},
    {"join", CHATLOG_CMD_JOIN, 2, "usage: /join ROOM"},
    {"part", CHATLOG_CMD_PART, 0, NULL},
    {"leave", CHATLOG_CMD_PART, 0, NULL},
    {"who", CHATLOG_CMD_WHO, 0, NULL},
    {"names", CHATLOG_CMD_WHO, 0, NULL},
    {"clear", CHATLOG_CMD_CLEAR, 0, NULL},
    {"help", CHATLOG_CMD_HELP, 0, NULL},
    {"quit", CHATLOG_CMD_QUIT, 0, NULL},
    {"exit", CHATLOG_CMD_QUIT, 0, NULL},
    {"ack", CHATLOG_CMD_ACK, 0, NULL},
    {"silence", CHATLOG_CMD_SILENCE, 0, NULL},
};

void chatlog_parse_input(const char *line, size_t len, struct chatlog_input *out)
{
    *out = (struct chatlog_input){.cmd = CHATLOG_CMD_NONE, .arg = line, .name = line};
    size_t i = 0;
    while (i < len && (is_blank(line[i]) || line[i] == '\n'))
        i++;
    if (i == len)
        return;
    if (line[0] != '/' || (len > 1 && line[1] == '/')) {
        out->cmd = CHATLOG_CMD_SAY;
        out->arg = line[0] == '/' ? line + 1 : line;
        out->arg_len = line[0] == '/' ? len - 1 : len;
        return;
    }
    size_t w = 1;
    while (w < len && !is_blank(line[w]))
        w++;
    out->name = line + 1;
    out->name_len = w - 1;
    size_t a = w, b = len;
    while (a < b && is_blank(line[a]))
        a++;
    while (b > a && (is_blank(line[b - 1]) || line[b - 1] == '\n'))
        b--;
    out->arg = line + a;
    out->arg_len = b - a;
    out->cmd = CHATLOG_CMD_UNKNOWN;
    for (size_t k = 0; k < sizeof(cmd_words) / sizeof(cmd_words[0]); k++) {
        const struct cmd_word *c = &cmd_words[k];
        if (strlen(c->name) != out->name_len)
            continue;
        size_t j = 0;
        while (j < out->name_len && fold((unsigned char)out->name[j]) == (unsigned char)c->name[j])
            j++;
        if (j < out->name_len)
            continue;
        out->cmd = c->cmd;
        bool has_blank = false;
        for (size_t x = 0; x < out->arg_len; x++)
            has_blank |= is_blank(out->arg[x]) || out->arg[x] == '\n';
        if ((c->arg >= 1 && out->arg_len == 0) || (c->arg == 2 && has_blank)) {
            out->cmd = CHATLOG_CMD_USAGE;
            out->error = c->usage;
        }
        return;
    }
}

static const char *const help_lines[] = {
    "/me ACTION        say what you are doing (* nick ACTION)",
    "/nick NEWNICK     change your nick (letters, digits, _-.[]{}|^, up to 24 columns)",
    "/join ROOM        leave this room and join ROOM",
    "/part [REASON]    leave the room",
    "/who              who is online here (heartbeat in the last 30 s)",
    "/clear            clear the pane (the history stays in Redis)",
    "/help             this list",
    "/quit [REASON]    leave the room and quit",
    "//TEXT            send TEXT that starts with '/'",
    "keys: PgUp/PgDn scroll, End jumps to the newest, Up/Down recall input, Tab completes nicks",
};

const char *chatlog_help_line(size_t i)
{
    return i < sizeof(help_lines) / sizeof(help_lines[0]) ? help_lines[i] : NULL;
}
