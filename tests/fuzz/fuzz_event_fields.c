/* fuzz_event_fields.c — the stream entry form (event_parse_fields) and stream entry IDs
 * (event_stream_id_parse). Input: lines; the first is the entry ID, the others alternate field
 * and value (binary-safe lengths, so a value may hold NUL bytes). Properties: what the line form
 * promises (event_props.h); the default timestamp is the ID's time and skew is measured from it;
 * the `labels` field accepts exactly what the same text accepts between the braces of a key,
 * with the same result; an ID parses only when it is two decimal numbers that print back to the
 * same values. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/event.h"
#include "tests/fuzz/event_props.h"

#define MAX_STRS 64

static void check_id(const char *id, size_t n)
{
    uint64_t ms = 7, seq = 7;
    if (event_stream_id_parse(id, n, &ms, &seq) != 0) {
        FUZZ_CHECK(ms == 7 && seq == 7);
        return;
    }
    char buf[48];
    int w = snprintf(buf, sizeof buf, "%" PRIu64 "-%" PRIu64, ms, seq);
    uint64_t ms2, seq2;
    FUZZ_CHECK(event_stream_id_parse(buf, (size_t)w, &ms2, &seq2) == 0 && ms2 == ms && seq2 == seq);
    /* written without leading zeros, the input is exactly that text */
    if (n > 0 && id[0] != '0' && memchr(id, '-', n) && ((const char *)memchr(id, '-', n))[1] != '0')
        FUZZ_CHECK((size_t)w == n && memcmp(buf, id, n) == 0);
}

static const char *find_field(const char *const *strs, const size_t *lens, size_t nstr,
                              const char *name, size_t *len)
{
    for (size_t k = 0; k + 1 < nstr; k += 2)
        if (lens[k] == strlen(name) && memcmp(strs[k], name, lens[k]) == 0) {
            *len = lens[k + 1];
            return strs[k + 1];
        }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *strs[MAX_STRS];
    size_t lens[MAX_STRS], nstr = 0;

    const char *nl = memchr(s, '\n', size);
    const char *id = s;
    size_t id_len = nl ? (size_t)(nl - s) : size;
    check_id(id, id_len);
    if (nl) {
        const char *p = nl + 1, *end = s + size;
        while (nstr < MAX_STRS) {
            const char *e = memchr(p, '\n', (size_t)(end - p));
            strs[nstr] = p;
            lens[nstr++] = e ? (size_t)(e - p) : (size_t)(end - p);
            if (!e)
                break;
            p = e + 1;
        }
    }

    struct event ev;
    struct event_limits lim = event_limits_default();
    char reason[EVENT_REASON_MAX], key[EVENT_KEY_MAX + 1], small[16];
    enum event_error r =
        event_parse_fields(strs, lens, nstr, id, id_len, NULL, &ev, reason, sizeof reason);
    FUZZ_CHECK(r != EVENT_SKIP);
    if (r != EVENT_OK) {
        check_reason(r, reason, sizeof reason);
        struct event other;
        FUZZ_CHECK(event_parse_fields(strs, lens, nstr, id, id_len, NULL, &other, small,
                                      sizeof small) == r);
        check_reason(r, small, sizeof small);
        return 0;
    }
    check_event(&ev, &lim, key);

    uint64_t id_ms;
    FUZZ_CHECK(event_stream_id_parse(id, id_len, &id_ms, NULL) == 0);
    if (ev.has_ts)
        FUZZ_CHECK(ev.ts_ms >= (int64_t)id_ms - lim.max_past_ms &&
                   ev.ts_ms <= (int64_t)id_ms + lim.max_future_ms);
    else
        FUZZ_CHECK(ev.ts_ms == (int64_t)id_ms);

    /* the labels field read as the inside of a key */
    size_t llen = 0;
    const char *labels = find_field(strs, lens, nstr, "labels", &llen);
    char braced[EVENT_KEY_MAX + 600];
    int w = snprintf(braced, sizeof braced, "%s{%.*s}", event_metric(&ev), (int)llen,
                     labels ? labels : "");
    if (w > 0 && (size_t)w < sizeof braced && !memchr(braced, '\0', (size_t)w)) {
        struct event as_key;
        FUZZ_CHECK(event_parse_key(braced, (size_t)w, &as_key) == EVENT_OK);
        FUZZ_CHECK(same_identity(&ev, &as_key));
    }
    return 0;
}
