/* qrank.c — the nearest rank of a quantile among count values, ceil(q * count), computed exactly
 * in integers for every count: q as the decimal it was written as, else its binary value. */
#include "core/qrank.h"

#include <math.h>
#include <stdbool.h>

/* hi:lo = a * b, from 32-bit halves (no 128-bit type needed). */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = a & 0xffffffffu, a1 = a >> 32, b0 = b & 0xffffffffu, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
    *lo = (mid << 32) | (p00 & 0xffffffffu);
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

/* ceil(a * b / d), d > 0, when the quotient fits in 64 bits (then hi < d below). */
static uint64_t ceil_mul_div(uint64_t a, uint64_t b, uint64_t d)
{
    uint64_t hi, lo;
    mul_64x64(a, b, &hi, &lo);
    if (hi == 0)
        return lo / d + (lo % d != 0);
    uint64_t q = 0, r = hi; /* long division, one bit of lo at a time; r < d < 2^63 */
    for (int i = 63; i >= 0; i--) {
        r = (r << 1) | ((lo >> i) & 1);
        q <<= 1;
        if (r >= d) {
            r -= d;
            q |= 1;
        }
    }
    return q + (r != 0);
}

/* The shortest decimal fraction num / 10^k (k <= 15, so num and 10^k are exact doubles) whose
 * nearest double is q: what the caller wrote (0.9, 0.999). Returns 0 when there is none. */
static int decimal_of(double q, uint64_t *num, uint64_t *den)
{
    double scale = 1;
    uint64_t d = 1;
    for (int k = 1; k <= 15; k++) {
        scale *= 10;
        d *= 10;
        double n = nearbyint(q * scale);
        if (n / scale == q) {
            *num = (uint64_t)n;
            *den = d;
            return 1;
        }
    }
    return 0;
}

/* ceil(q * count) for the binary value of q (0 < q < 1): q = m * 2^-s exactly, m a 53-bit
 * integer and s >= 53, so q * count is the product m * count shifted right by s, plus one when
 * any bit shifted out was set. */
static uint64_t ceil_binary(double q, uint64_t count)
{
    int e;
    double frac = frexp(q, &e); /* q = frac * 2^e, frac in [0.5, 1), e <= 0 */
    uint64_t m = (uint64_t)ldexp(frac, 53), hi, lo, r;
    int s = 53 - e;
    bool rest;
    mul_64x64(m, count, &hi, &lo);
    if (s >= 128) {
        r = 0;
        rest = (hi | lo) != 0;
    } else if (s >= 64) {
        r = s == 64 ? hi : hi >> (s - 64);
        rest = lo != 0 || (s > 64 && (hi & ((UINT64_C(1) << (s - 64)) - 1)) != 0);
    } else { /* 53 <= s < 64: the result is below count, so hi >> s is 0 */
        r = (lo >> s) | (hi << (64 - s));
        rest = (lo & ((UINT64_C(1) << s) - 1)) != 0;
    }
    return r + rest;
}

uint64_t qrank_nearest(double q, uint64_t count)
{
    if (count == 0 || isnan(q))
        return 0;
    if (q <= 0)
        return 1;
    if (q >= 1)
        return count;
    /* q as the decimal it was written as: the double 0.9 is a little above 9/10, and p90 of
     * ten values is the 9th, not the 10th. Integer arithmetic keeps it exact for any count. */
    uint64_t num, den, r;
    if (decimal_of(q, &num, &den))
        r = ceil_mul_div(num, count, den);
    else
        r = ceil_binary(q, count);
    return r < 1 ? 1 : r > count ? count : r;
}
