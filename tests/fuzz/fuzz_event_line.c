/* fuzz_event_line.c — the text line form (event_parse_line) and series keys (event_parse_key,
 * event_key). Properties of an accepted line: every string is within its limit, free of NUL and
 * control characters, values are valid UTF-8, labels are sorted and unique, the timestamp is
 * within the skew bounds; its canonical key is within the key limit, parses back to the same
 * identity and prints to itself; key, value and timestamp written as a new line parse to the same
 * event; tighter limits never accept what the defaults refuse. A refused line has a one-line
 * reason that fits its buffer, whatever the buffer's size. */
#include <stdio.h>
#include <string.h>

#include "core/event.h"
#include "tests/fuzz/event_props.h"

#define NOW_MS 1700000000000LL

static void check_line(const char *s, size_t n)
{
    struct event ev, again;
    struct event_limits lim = event_limits_default();
    char reason[EVENT_REASON_MAX], key[EVENT_KEY_MAX + 1];

    enum event_error r = event_parse_line(s, n, NOW_MS, NULL, &ev, reason, sizeof reason);
    if (r == EVENT_OK) {
        int klen = check_event(&ev, &lim, key);
        if (ev.has_ts)
            FUZZ_CHECK(ev.ts_ms >= NOW_MS - lim.max_past_ms &&
                       ev.ts_ms <= NOW_MS + lim.max_future_ms);
        else
            FUZZ_CHECK(ev.ts_ms == NOW_MS);

        /* the same event written out again */
        char line[EVENT_KEY_MAX + 64];
        int w = snprintf(line, sizeof line, "%.*s %.17g %lld", klen, key, ev.value,
                         (long long)ev.ts_ms);
        FUZZ_CHECK(w > 0 && (size_t)w < sizeof line);
        FUZZ_CHECK(event_parse_line(line, (size_t)w, NOW_MS, NULL, &again, NULL, 0) == EVENT_OK);
        FUZZ_CHECK(same_identity(&ev, &again));
        FUZZ_CHECK(memcmp(&ev.value, &again.value, sizeof ev.value) == 0);
        FUZZ_CHECK(again.ts_ms == ev.ts_ms && again.has_ts);
    } else if (r != EVENT_SKIP) {
        check_reason(r, reason, sizeof reason);
    }

    /* tighter limits: never accept more, and agree when they accept */
    struct event_limits tight = {8, 4, 8, 2, 40, 1000, 1000};
    char small[12];
    enum event_error rt = event_parse_line(s, n, NOW_MS, &tight, &again, small, sizeof small);
    if (rt == EVENT_OK) {
        FUZZ_CHECK(r == EVENT_OK);
        check_event(&again, &tight, key);
        FUZZ_CHECK(same_identity(&ev, &again) && again.ts_ms == ev.ts_ms);
    } else if (rt == EVENT_SKIP) {
        FUZZ_CHECK(r == EVENT_SKIP);
    } else {
        check_reason(rt, small, sizeof small);
    }
}

static void check_key(const char *s, size_t n)
{
    struct event ev;
    struct event_limits lim = event_limits_default();
    char key[EVENT_KEY_MAX + 1];

    if (event_parse_key(s, n, &ev) == EVENT_OK) {
        check_event(&ev, &lim, key);
        FUZZ_CHECK(ev.value == 0 && ev.ts_ms == 0 && !ev.has_ts);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_line(s, size);
    check_key(s, size);
    return 0;
}
