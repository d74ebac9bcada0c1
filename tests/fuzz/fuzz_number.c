/* fuzz_number.c — number_parse_decimal against the C library. Properties: an accepted text gives
 * bit for bit what strtod gives (the fuzz process runs in the C locale), an overflow is what
 * strtod calls HUGE_VAL, a refused text is one strtod does not read whole or one of the forms the
 * grammar excludes (leading blanks, hex, inf, nan); and every double printed with %.17g reads
 * back to itself. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/number.h"

static int same_double(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Whether s holds a byte that only strtod's wider grammar accepts. */
static int has_non_decimal(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 'x' || c == 'X' || c == 'i' || c == 'I' || c == 'n' || c == 'N' || c == ' ' ||
            (c >= '\t' && c <= '\r'))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) /* strtod's cost grows with the digits; the property does not */
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';

    double v = 12345.0;
    int rc = number_parse_decimal(s, size, &v);
    FUZZ_CHECK(rc == 0 || rc == 1 || rc == -1);

    int nul_inside = strlen(s) != size;
    char *end;
    errno = 0;
    double ref = strtod(s, &end);
    int whole = !nul_inside && size > 0 && end == s + size;

    if (rc == 0) {
        FUZZ_CHECK(whole);
        FUZZ_CHECK(isfinite(v));
        FUZZ_CHECK(same_double(v, ref));
    } else if (rc == 1) {
        FUZZ_CHECK(whole && isinf(ref) && errno == ERANGE);
        FUZZ_CHECK(v == 12345.0); /* untouched */
    } else {
        FUZZ_CHECK(v == 12345.0);
        FUZZ_CHECK(!whole || has_non_decimal(s, size));
    }

    /* %.17g of the input's first 8 bytes (as a double) reads back bit for bit */
    if (size >= 8) {
        double d;
        memcpy(&d, data, sizeof d);
        if (isfinite(d)) {
            char buf[40];
            int n = snprintf(buf, sizeof buf, "%.17g", d);
            double back;
            FUZZ_CHECK(number_parse_decimal(buf, (size_t)n, &back) == 0);
            FUZZ_CHECK(same_double(back, d));
        }
    }
    free(s);
    return 0;
}
