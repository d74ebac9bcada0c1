/* chatpayload.c — the chat pub/sub payload (docs/protocol.md, Chat) into a log entry: every
 * receiver parses every message, so the flat object the send script publishes is read by a
 * scanner that allocates once; anything it does not know for certain (escapes, nesting, odd
 * numbers) goes to cJSON, so the result is always cJSON's (tests/fuzz/fuzz_chat_json.c). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app/chat/chat.h"
#include "core/mem.h"

/* What *json holds: the strings e points to, and the cJSON tree when cJSON parsed it. */
struct payload {
    cJSON *tree;
    char s[]; /* nick '\0' text '\0' (fast path only) */
};

/* One member value found by the scanner: a string without escapes or controls, or an integer
 * of at most 15 digits (exact as a double). */
struct member {
    bool found, is_str, is_int;
    const char *s;
    size_t len;
    int64_t n;
};

enum { M_ID, M_TS, M_KIND, M_NICK, M_TEXT, M_COUNT };

static const char *const member_names[M_COUNT] = {"id", "ts", "kind", "nick", "text"};

/* cJSON skips every byte <= 32 as white space. */
static size_t skip_ws(const char *p, size_t i, size_t len)
{
    while (i < len && (unsigned char)p[i] <= 32)
        i++;
    return i;
}

/* A string at p[i] == '"': sets *s, *n to its bytes and returns the index after the closing
 * quote, or 0 when it has an escape or a control byte (or no end): cJSON decides then. */
static size_t scan_string(const char *p, size_t i, size_t len, const char **s, size_t *n)
{
    size_t start = ++i;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"') {
            *s = p + start;
            *n = i - start;
            return i + 1;
        }
        if (c == '\\' || c < 0x20)
            return 0;
    }
    return 0;
}

/* A value at p[i]: fills *m (when m is not NULL) and returns the index after it, or 0 when the
 * scanner does not take it. */
static size_t scan_value(const char *p, size_t i, size_t len, struct member *m)
{
    struct member v = {.found = true};
    if (p[i] == '"') {
        i = scan_string(p, i, len, &v.s, &v.len);
        v.is_str = true;
    } else if (p[i] == '-' || (p[i] >= '0' && p[i] <= '9')) {
        bool neg = p[i] == '-';
        size_t d = neg ? i + 1 : i, digits = 0;
        for (; d < len && p[d] >= '0' && p[d] <= '9' && digits <= 15; d++, digits++)
            v.n = v.n * 10 + (p[d] - '0');
        /* stop at anything strtod might take as part of the number */
        if (digits == 0 || digits > 15 || (d < len && strchr("0123456789+-eE.", p[d]) && p[d]))
            return 0;
        v.n = neg ? -v.n : v.n;
        v.is_int = true;
        i = d;
    } else {
        static const char *const words[] = {"true", "false", "null"};
        size_t k = 0;
        for (; k < 3; k++)
            if (len - i >= strlen(words[k]) && memcmp(p + i, words[k], strlen(words[k])) == 0)
                break;
        if (k == 3)
            return 0;
        i += strlen(words[k]);
    }
    if (m && i)
        *m = v;
    return i;
}

/* The flat object, or false when cJSON must decide. m gets the first of each known member. */
static bool scan_object(const char *p, size_t len, struct member m[M_COUNT])
{
    size_t i = skip_ws(p, 0, len);
    if (i >= len || p[i] != '{')
        return false;
    i = skip_ws(p, i + 1, len);
    if (i < len && p[i] == '}')
        return true;
    for (;;) {
        const char *key;
        size_t klen;
        if (i >= len || p[i] != '"' || (i = scan_string(p, i, len, &key, &klen)) == 0)
            return false;
        i = skip_ws(p, i, len);
        if (i >= len || p[i] != ':')
            return false;
        i = skip_ws(p, i + 1, len);
        if (i >= len)
            return false;
        struct member *slot = NULL;
        for (int k = 0; k < M_COUNT; k++)
            if (!m[k].found && strlen(member_names[k]) == klen &&
                memcmp(member_names[k], key, klen) == 0)
                slot = &m[k];
        if ((i = scan_value(p, i, len, slot)) == 0)
            return false;
        i = skip_ws(p, i, len);
        if (i < len && p[i] == '}')
            return true; /* cJSON_ParseWithLength ignores what follows */
        if (i >= len || p[i] != ',')
            return false;
        i = skip_ws(p, i + 1, len);
    }
}

/* The fast path: the entry from the scanned members, strings copied into one block. */
static struct payload *from_members(const struct member m[M_COUNT], struct chatlog_entry *e)
{
    const struct member *nick = &m[M_NICK], *text = &m[M_TEXT];
    size_t nl = nick->is_str ? nick->len : 0, tl = text->is_str ? text->len : 0;
    struct payload *pl = xmalloc(sizeof(*pl) + nl + tl + 2);
    pl->tree = NULL;
    memcpy(pl->s, nl ? nick->s : "", nl);
    pl->s[nl] = '\0';
    memcpy(pl->s + nl + 1, tl ? text->s : "", tl);
    pl->s[nl + 1 + tl] = '\0';
    e->nick = pl->s;
    e->nick_len = nl;
    e->text = pl->s + nl + 1;
    e->text_len = tl;
    if (m[M_ID].is_str)
        chatlog_id_parse(m[M_ID].s, m[M_ID].len, &e->id);
    e->ts_ms = (int64_t)e->id.ms;
    const struct member *ts = &m[M_TS];
    if (ts->is_int && ts->n >= 0) /* 15 digits: always below the 9e15 cJSON's path accepts */
        e->ts_ms = ts->n;
    else if (ts->is_str)
        e->ts_ms = chatlog_ts_parse(ts->s, ts->len, e->ts_ms);
    if (m[M_KIND].is_str)
        chatlog_kind_parse(m[M_KIND].s, m[M_KIND].len, &e->kind);
    return pl;
}

static const char *json_str(const cJSON *o, const char *name, size_t *len)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (cJSON_IsString(v) && v->valuestring) {
        *len = strlen(v->valuestring);
        return v->valuestring;
    }
    *len = 0;
    return "";
}

/* The general path: whatever cJSON makes of it. */
static struct payload *from_cjson(const char *payload, size_t len, struct chatlog_entry *e)
{
    cJSON *o = cJSON_ParseWithLength(payload, len);
    if (o == NULL || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return NULL;
    }
    struct payload *pl = xmalloc(sizeof(*pl));
    pl->tree = o;
    size_t n;
    const char *s = json_str(o, "id", &n);
    chatlog_id_parse(s, n, &e->id);
    e->ts_ms = (int64_t)e->id.ms;
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
    if (cJSON_IsNumber(ts) && ts->valuedouble >= 0 && ts->valuedouble < 9e15)
        e->ts_ms = (int64_t)ts->valuedouble;
    else if (cJSON_IsString(ts) && ts->valuestring)
        e->ts_ms = chatlog_ts_parse(ts->valuestring, strlen(ts->valuestring), e->ts_ms);
    s = json_str(o, "kind", &n);
    chatlog_kind_parse(s, n, &e->kind);
    e->nick = json_str(o, "nick", &e->nick_len);
    e->text = json_str(o, "text", &e->text_len);
    return pl;
}

int chat_payload_parse(const char *payload, size_t len, struct chatlog_entry *e, void **json)
{
    *e = (struct chatlog_entry){0};
    struct member m[M_COUNT] = {0};
    struct payload *pl = scan_object(payload, len, m) ? from_members(m, e) : NULL;
    if (pl == NULL) {
        *e = (struct chatlog_entry){0};
        pl = from_cjson(payload, len, e);
    }
    *json = pl;
    return pl ? 0 : -1;
}

void chat_payload_free(void *json)
{
    struct payload *pl = json;
    if (pl == NULL)
        return;
    cJSON_Delete(pl->tree);
    free(pl);
}
