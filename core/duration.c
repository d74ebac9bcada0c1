/* duration.c — parsing and printing "1h30m"-style durations. */
#include "core/duration.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int64_t ms;
} units[] = {
    /* "ms" before "m" so the longest unit name matches first */
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000}, {"w", 604800000},
};

/* n * mult + frac_ms into *acc, refusing overflow of int64. */
static int add_part(int64_t *acc, uint64_t n, int64_t mult, int64_t frac_ms)
{
    if (n > (uint64_t)(INT64_MAX - frac_ms) / (uint64_t)mult)
        return -1;
    int64_t part = (int64_t)n * mult + frac_ms;
    if (part > INT64_MAX - *acc)
        return -1;
    *acc += part;
    return 0;
}

/* round(0.DIGITS * mult) for the fraction digits frac[0..n), exactly: the digits times mult by
 * schoolbook multiplication from the last digit, whose carry ends as the integer part and whose
 * first product digit decides the rounding (half up, as llround). mult < 2^31 keeps every
 * intermediate far below 2^63, whatever the number of digits. */
static int64_t fraction_ms(const char *frac, size_t n, int64_t mult)
{
    int64_t carry = 0, first = 0;
    for (size_t k = n; k-- > 0;) {
        int64_t t = (frac[k] - '0') * mult + carry;
        first = t % 10;
        carry = t / 10;
    }
    return carry + (n > 0 && first >= 5);
}

int duration_parse_ms(const char *text, size_t len, int64_t *out_ms)
{
    size_t i = 0;
    int64_t total = 0;
    int parts = 0;
    while (i < len) {
        uint64_t whole = 0;
        bool whole_overflow = false;
        size_t digits = 0, frac_at = 0, frac_n = 0;
        for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits++) {
            unsigned d = (unsigned)(text[i] - '0');
            if (whole > (UINT64_MAX - d) / 10)
                whole_overflow = true;
            else
                whole = whole * 10 + d;
        }
        if (i < len && text[i] == '.') {
            frac_at = ++i;
            for (; i < len && text[i] >= '0' && text[i] <= '9'; i++)
                frac_n++;
            digits += frac_n;
            if (i < len && text[i] == '.')
                return -1;
        }
        if (digits == 0 || whole_overflow)
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
        if (add_part(&total, whole, mult, fraction_ms(text + frac_at, frac_n, mult)) != 0)
            return -1;
        parts++;
    }
    if (parts == 0)
        return -1;
    *out_ms = total;
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
