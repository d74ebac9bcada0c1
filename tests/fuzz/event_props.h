/* event_props.h — properties shared by the event fuzz targets (fuzz_event_line.c,
 * fuzz_event_fields.c): what every accepted event and every refusal must satisfy. Static
 * helpers only. */
#ifndef WR_FUZZ_EVENT_PROPS_H
#define WR_FUZZ_EVENT_PROPS_H

#include <math.h>
#include <string.h>

#include "core/event.h"
#include "tests/fuzz/fuzz.h"

/* Whether s[0..n) is valid UTF-8 without C0, DEL or C1 control characters. */
static int clean_utf8(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned char b = s[i];
        if (b < 0x20 || b == 0x7f)
            return 0;
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t k = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        uint32_t cp = b >= 0xf0 ? b & 0x07u : b >= 0xe0 ? b & 0x0fu : b & 0x1fu;
        if (b < 0xc2 || b > 0xf4 || i + k > n)
            return 0;
        for (size_t j = 1; j < k; j++) {
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + j] & 0x3fu);
        }
        uint32_t min = k == 2 ? 0x80 : k == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0x9f)
            return 0;
        i += k;
    }
    return 1;
}

static int is_metric_byte(unsigned char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && ((c >= '0' && c <= '9') || c == '.'));
}

static int is_name_byte(unsigned char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && c >= '0' && c <= '9');
}

static int same_identity(const struct event *a, const struct event *b)
{
    if (a->metric_len != b->metric_len || strcmp(event_metric(a), event_metric(b)) != 0 ||
        a->nlabels != b->nlabels)
        return 0;
    for (size_t i = 0; i < a->nlabels; i++)
        if (strcmp(event_label_name(a, i), event_label_name(b, i)) != 0 ||
            strcmp(event_label_value(a, i), event_label_value(b, i)) != 0 ||
            a->labels[i].value_len != b->labels[i].value_len)
            return 0;
    return 1;
}

/* Checks an accepted event against lim and returns its key length. */
static int check_event(const struct event *ev, const struct event_limits *lim, char *key)
{
    const char *m = event_metric(ev);
    FUZZ_CHECK(ev->metric_len >= 1 && ev->metric_len <= lim->max_metric_len);
    FUZZ_CHECK(strlen(m) == ev->metric_len);
    for (size_t i = 0; i < ev->metric_len; i++)
        FUZZ_CHECK(is_metric_byte((unsigned char)m[i], i == 0));
    FUZZ_CHECK(ev->nlabels <= lim->max_labels);
    for (size_t i = 0; i < ev->nlabels; i++) {
        const char *n = event_label_name(ev, i), *v = event_label_value(ev, i);
        FUZZ_CHECK(ev->labels[i].name_len >= 1 &&
                   ev->labels[i].name_len <= lim->max_label_name_len);
        FUZZ_CHECK(strlen(n) == ev->labels[i].name_len);
        for (size_t j = 0; j < ev->labels[i].name_len; j++)
            FUZZ_CHECK(is_name_byte((unsigned char)n[j], j == 0));
        FUZZ_CHECK(ev->labels[i].value_len <= lim->max_label_value_len);
        FUZZ_CHECK(strlen(v) == ev->labels[i].value_len);
        FUZZ_CHECK(clean_utf8(v, ev->labels[i].value_len));
        if (i > 0)
            FUZZ_CHECK(strcmp(event_label_name(ev, i - 1), n) < 0);
        FUZZ_CHECK(event_label_find(ev, n) == v);
    }
    FUZZ_CHECK(isfinite(ev->value));

    int klen = event_key(ev, key, EVENT_KEY_MAX + 1);
    FUZZ_CHECK(klen > 0 && (size_t)klen <= lim->max_key_len);
    FUZZ_CHECK(strlen(key) == (size_t)klen);
    char tiny[8];
    FUZZ_CHECK(event_key(ev, tiny, sizeof tiny) == ((size_t)klen < sizeof tiny ? klen : -1));

    struct event back;
    char key2[EVENT_KEY_MAX + 1];
    FUZZ_CHECK(event_parse_key(key, (size_t)klen, &back) == EVENT_OK);
    FUZZ_CHECK(same_identity(ev, &back));
    FUZZ_CHECK(event_key(&back, key2, sizeof key2) == klen && strcmp(key, key2) == 0);
    return klen;
}

static void check_reason(enum event_error r, const char *reason, size_t cap)
{
    FUZZ_CHECK(r > EVENT_SKIP && r < EVENT_ERROR_COUNT);
    FUZZ_CHECK(event_strerror(r) != NULL);
    size_t len = strnlen(reason, cap);
    FUZZ_CHECK(len < cap);
    FUZZ_CHECK(cap < 2 || len > 0);
    FUZZ_CHECK(memchr(reason, '\n', len) == NULL);
}

#endif
