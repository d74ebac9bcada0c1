/* fuzz_incident_log.c — the alert log as `warroom incident` and the interface's `t` read it
 * (app/cmd/incident_log.c), which any Redis client can write. Input: the first line is the
 * ALERT_ID asked for; each further line one log entry, "MS TYPE JSON" (entry time in ms, the
 * type field, the json field; times only grow, as a stream's IDs do). Properties: an id resolves
 * only to an instance the log names, by its full id or its short id; the episode starts no later
 * than it ends; the items lie in the range asked for, have known kinds and sort by time with ties
 * in reading order. */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/cmd/incident.h"
#include "tests/fuzz/reply_build.h"

#define MAX_ENTRIES 64

/* One XRANGE entry: [ID, [type, T, id, -, json, J]]. */
static redisReply *entry(const char *text, size_t len, size_t k, long long *prev)
{
    char buf[32];
    char *line = strndup(text, len); /* strtoll needs a terminated string */
    len = strlen(line);
    char *end;
    long long ms = strtoll(line, &end, 10);
    if (ms < *prev || ms > 1000000000000000LL) /* a stream's IDs only grow */
        ms = *prev;
    *prev = ms;
    const char *rest = end, *stop = line + len;
    while (rest < stop && *rest == ' ')
        rest++;
    const char *sp = memchr(rest, ' ', (size_t)(stop - rest));
    const char *type = rest, *json = sp ? sp + 1 : stop;
    size_t tlen = sp ? (size_t)(sp - rest) : (size_t)(stop - rest);
    redisReply *e = array_reply(2);
    snprintf(buf, sizeof buf, "%lld-%zu", ms, k);
    e->element[0] = str_reply(buf, strlen(buf));
    redisReply *f = array_reply(6);
    f->element[0] = str_reply("type", 4);
    f->element[1] = str_reply(type, tlen);
    f->element[2] = str_reply("id", 2);
    f->element[3] = str_reply("-", 1);
    f->element[4] = str_reply("json", 4);
    f->element[5] = str_reply(json, (size_t)(stop - json));
    e->element[1] = f;
    free(line);
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *end = s + size;
    const char *nl = memchr(s, '\n', size);
    if (nl == NULL)
        return 0;
    char *arg = strndup(s, (size_t)(nl - s));
    redisReply *r = array_reply(MAX_ENTRIES);
    size_t n = 0;
    long long prev = 0;
    for (const char *p = nl + 1; p < end && n < MAX_ENTRIES;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t len = e ? (size_t)(e - p) : (size_t)(end - p);
        r->element[n] = entry(p, len, n, &prev);
        n++;
        p += len + 1;
    }
    r->elements = n;

    struct inc_log l = {0};
    inc_log_add_reply(&l, r);
    FUZZ_CHECK(l.n <= n);
    freeReplyObject(r);
    const char *id = inc_resolve_id(&l, arg);
    if (id) {
        bool named = false;
        for (size_t i = 0; i < l.n; i++) {
            const struct alerts_msg *m = &l.v[i].m;
            const char *mid = m->type == ALERTS_MSG_TRANSITION ? m->entry.id
                              : m->type == ALERTS_MSG_ACK      ? m->id
                                                               : NULL;
            named = named || (mid && strcmp(mid, id) == 0 &&
                              (strcmp(id, arg) == 0 || strcmp(m->entry.short_id, arg) == 0));
        }
        FUZZ_CHECK(named);
        int64_t from = 0, to = 0;
        long li = inc_episode(&l, id, &from, &to);
        if (li >= 0) {
            FUZZ_CHECK((size_t)li < l.n && l.v[li].m.type == ALERTS_MSG_TRANSITION);
            FUZZ_CHECK(to == 0 || from <= to);
            struct inc_items it = {0};
            int64_t lo = from - 60000, hi = (to ? to : from) + 60000;
            inc_log_items(&l, &l.v[li].m.entry, lo, hi, &it);
            inc_items_sort(&it);
            for (size_t i = 0; i < it.n; i++) {
                const struct inc_item *x = &it.v[i];
                FUZZ_CHECK(x->at_ms >= lo && x->at_ms <= hi && x->text != NULL);
                FUZZ_CHECK(strcmp(x->kind, "transition") == 0 || strcmp(x->kind, "ack") == 0 ||
                           strcmp(x->kind, "silence") == 0 || strcmp(x->kind, "unsilence") == 0);
                if (i > 0)
                    FUZZ_CHECK(it.v[i - 1].at_ms < x->at_ms ||
                               (it.v[i - 1].at_ms == x->at_ms && it.v[i - 1].seq < x->seq));
            }
            inc_items_free(&it);
        }
    }
    inc_log_free(&l);
    free(arg);
    return 0;
}
