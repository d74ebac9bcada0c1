/* number.c — locale-independent, correctly rounded decimal to double conversion. */
#include "core/number.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Powers of ten exactly representable as doubles. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define SLOW_DIGITS 780 /* > 767, the most significant digits correct rounding ever needs */

/* Fast path: up to 19 significant digits with a mantissa <= 2^53 and a small exponent is one
 * exactly rounded multiplication or division (Clinger; assumes round-to-nearest and
 * FLT_EVAL_METHOD 0, as on x86-64 and arm64). Otherwise the digits are rewritten as an integer
 * with an exponent, which has no radix character, and handed to strtod: correctly rounded in
 * glibc and independent of LC_NUMERIC, since only the radix character is locale-dependent. */
int number_parse_decimal(const char *s, size_t n, double *out)
{
    size_t i = 0, ndigits = 0;
    bool neg = false, inexact = false;
    uint64_t mant = 0;
    int nsig = 0;    /* significant digits kept in mant */
    int64_t e10 = 0; /* value = mant * 10^e10 (when exact) */
    int64_t exp10 = 0;

    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t digits_at = i;
    bool frac = false;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.' && !frac) {
            frac = true;
            continue;
        }
        if (!is_digit(c))
            break;
        ndigits++;
        int d = c - '0';
        if (nsig == 0 && d == 0) {
            e10 -= frac;
        } else if (nsig < 19) {
            mant = mant * 10 + (uint64_t)d;
            nsig++;
            e10 -= frac;
        } else {
            e10 += !frac;
            inexact |= d != 0;
        }
    }
    size_t digits_end = i;
    if (ndigits == 0)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= n || !is_digit(s[i]))
            return -1;
        for (; i < n && is_digit(s[i]); i++)
            if (exp10 < 100000000)
                exp10 = exp10 * 10 + (s[i] - '0');
        exp10 = eneg ? -exp10 : exp10;
    }
    if (i != n)
        return -1;
    e10 += exp10;

    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return 0;
    }
    if (!inexact && mant <= (1ULL << 53)) {
        double v = (double)mant;
        bool done = true;
        if (e10 >= 0 && e10 <= 22) {
            v *= pow10_exact[e10];
        } else if (e10 < 0 && e10 >= -22) {
            v /= pow10_exact[-e10];
        } else if (e10 > 22 && e10 <= 22 + 16) {
            /* mant * 10^(e10-22) may still be an exact integer <= 2^53 ("1e30") */
            uint64_t m = mant;
            int64_t k = 22;
            for (; k < e10 && m <= (1ULL << 53) / 10; k++)
                m *= 10;
            if (k == e10)
                v = (double)m * 1e22;
            else
                done = false;
        } else {
            done = false;
        }
        if (done) {
            *out = neg ? -v : v;
            return 0;
        }
    }

    /* Slow path: "DIGITSeEXP" with DIGITS the significant digits (at most SLOW_DIGITS, plus a
     * sticky '1' standing for any nonzero digits dropped), so rounding stays correct. */
    char buf[SLOW_DIGITS + 2 + 24];
    size_t k = 0;
    int64_t after_point = 0, dropped = 0;
    bool sticky = false, started = false;
    frac = false;
    for (size_t j = digits_at; j < digits_end; j++) {
        char c = s[j];
        if (c == '.') {
            frac = true;
            continue;
        }
        after_point += frac; /* every digit after the point, leading zeros included */
        if (!started && c == '0')
            continue;
        started = true;
        if (k < SLOW_DIGITS) {
            buf[k++] = c;
        } else {
            dropped++;
            sticky |= c != '0';
        }
    }
    int64_t e = exp10 - after_point + dropped;
    if (sticky) {
        buf[k++] = '1';
        e--;
    }
    snprintf(buf + k, sizeof buf - k, "e%" PRId64, e);
    char *end;
    double v = strtod(buf, &end); /* underflow to a subnormal or zero is accepted */
    if (*end != '\0')
        return -1; /* cannot happen: buf is digits and an exponent */
    if (isinf(v))
        return 1;
    *out = neg ? -v : v;
    return 0;
}
