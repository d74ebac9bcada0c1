/* fuzz_duration.c — duration_parse_ms and duration_format. Properties: text made of whole
 * numbers parses to exactly the sum of its parts (an independent reference computes it with
 * 128-bit integers) or is refused when that sum is out of range; whatever parses is printed in a
 * form that parses back to the same milliseconds; printing into a short buffer writes a
 * NUL-terminated prefix of the full text and never past the buffer. */
#include <string.h>

#include "core/duration.h"

#define SATURATED ((__int128)1 << 80) /* times a unit, still far below 2^127 */

enum ref_result { REF_INVALID, REF_FRACTION, REF_OK };

/* The reference for text without '.': parts "DIGITS UNIT" (any number, any order) or one bare
 * number of seconds. Sets *sum (saturating at SATURATED). REF_FRACTION: there is a '.', no
 * verdict. */
static enum ref_result reference(const char *s, size_t n, __int128 *sum)
{
    static const struct {
        const char *name;
        long long ms;
    } units[] = {{"ms", 1},      {"s", 1000},     {"m", 60000},
                 {"h", 3600000}, {"d", 86400000}, {"w", 604800000}};
    if (memchr(s, '.', n))
        return REF_FRACTION;
    size_t i = 0, parts = 0;
    *sum = 0;
    while (i < n) {
        __int128 v = 0;
        size_t start = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            v = v >= SATURATED ? SATURATED : v * 10 + (s[i] - '0');
        if (i == start)
            return REF_INVALID;
        size_t u = i;
        while (u < n && s[u] >= 'a' && s[u] <= 'z')
            u++;
        long long mult = -1;
        if (u == i && parts == 0 && i == n)
            mult = 1000;
        for (size_t k = 0; u > i && k < sizeof units / sizeof units[0]; k++)
            if (strlen(units[k].name) == u - i && memcmp(units[k].name, s + i, u - i) == 0)
                mult = units[k].ms;
        if (mult < 0)
            return REF_INVALID;
        *sum += v * mult;
        if (*sum > SATURATED)
            *sum = SATURATED;
        parts++;
        i = u;
    }
    return parts ? REF_OK : REF_INVALID;
}

static void check_format(int64_t ms, size_t cap_hint)
{
    char full[64];
    int n = duration_format(ms, full, sizeof full);
    FUZZ_CHECK(n > 0 && (size_t)n < sizeof full && strlen(full) == (size_t)n);

    int64_t back = -1;
    FUZZ_CHECK(duration_parse_ms(full, (size_t)n, &back) == 0);
    FUZZ_CHECK(back == ms);

    /* a short buffer of exactly cap bytes (heap, so ASan sees any write past it) */
    size_t cap = cap_hint % ((size_t)n + 2);
    char *small = malloc(cap ? cap : 1);
    int m = duration_format(ms, cap ? small : NULL, cap);
    FUZZ_CHECK(m == n);
    if (cap) {
        size_t len = strlen(small);
        FUZZ_CHECK(len == (cap - 1 < (size_t)n ? cap - 1 : (size_t)n));
        FUZZ_CHECK(memcmp(small, full, len) == 0);
    }
    free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    int64_t ms = -7;
    int rc = duration_parse_ms(s, size, &ms);
    FUZZ_CHECK(rc == 0 || rc == -1);
    if (rc != 0)
        FUZZ_CHECK(ms == -7); /* out untouched */

    __int128 sum;
    switch (reference(s, size, &sum)) {
    case REF_INVALID:
        FUZZ_CHECK(rc == -1);
        break;
    case REF_OK:
        if (sum <= INT64_MAX) /* exact over the whole int64 range */
            FUZZ_CHECK(rc == 0 && ms == (int64_t)sum);
        else
            FUZZ_CHECK(rc == -1);
        break;
    case REF_FRACTION:
        break;
    }

    if (rc == 0) {
        FUZZ_CHECK(ms >= 0);
        check_format(ms, size);
    }
    return 0;
}
