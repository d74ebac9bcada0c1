/* duration.c — parsing and printing "1h30m"-style durations. */
#include "core/duration.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int64_t ms;
} units[] = {
    /* "ms" before "m" so the longest unit name matches first */
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
};

int duration_parse_ms(const char *text, size_t len, int64_t *out_ms)
{
    size_t i = 0;
    double total = 0;
    int parts = 0;
    while (i < len) {
        size_t start = i;
        double v = 0, scale = 0;
        int digits = 0;
        for (; i < len && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'); i++) {
            if (text[i] == '.') {
                if (scale != 0)
                    return -1;
                scale = 1;
                continue;
            }
            digits++;
            if (scale != 0) {
                scale /= 10;
                v += (text[i] - '0') * scale;
            } else {
                v = v * 10 + (text[i] - '0');
            }
        }
        if (digits == 0 || i == start)
            return -1;
        size_t ulen = 0;
        while (i + ulen < len && ((text[i + ulen] >= 'a' && text[i + ulen] <= 'z')))
            ulen++;
        int64_t mult = -1;
        if (ulen == 0) {
            if (parts > 0)
                return -1; /* "1h30" is ambiguous */
            mult = 1000;
        }
        for (size_t u = 0; ulen && u < sizeof(units) / sizeof(units[0]); u++)
            if (strlen(units[u].name) == ulen && memcmp(units[u].name, text + i, ulen) == 0)
                mult = units[u].ms;
        if (mult < 0)
            return -1;
        i += ulen;
        total += v * (double)mult;
        parts++;
    }
    /* Below 2^53 ms (285,000 years) every sum of whole parts is exact in a double; above it the
     * value would be rounded, so it is refused rather than silently changed. */
    if (parts == 0 || !(total < DURATION_MAX_EXACT_MS))
        return -1;
    *out_ms = (int64_t)llround(total);
    return 0;
}

int duration_format(int64_t ms, char *buf, size_t cap)
{
    if (ms == 0)
        return snprintf(buf, cap, "0s");
    if (ms < 0 || ms % 1000 != 0)
        return snprintf(buf, cap, "%lldms", (long long)ms);
    size_t n = 0;
    if (cap > 0)
        buf[0] = '\0';
    static const int order[] = {4, 3, 2, 1}; /* d h m s; weeks are written as days */
    int64_t rest = ms;
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        int64_t u = units[order[k]].ms;
        if (rest >= u) {
            /* past the end of buf only the length is counted (no pointer beyond it) */
            int w = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, "%lld%s",
                             (long long)(rest / u), units[order[k]].name);
            n += (size_t)w;
            rest %= u;
        }
    }
    return (int)n;
}
