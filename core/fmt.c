/* fmt.c — humanised numbers for narrow columns. */
#include "core/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Three significant digits: 1.23, 12.3, 123. */
static void sig3(double m, const char *suffix, char *buf, size_t cap)
{
    double a = fabs(m);
    if (a >= 99.95 || a == floor(a))
        snprintf(buf, cap, "%.0f%s", m, suffix);
    else if (a >= 9.995)
        snprintf(buf, cap, "%.1f%s", m, suffix);
    else
        snprintf(buf, cap, "%.2f%s", m, suffix);
}

/* Below 1: a plain decimal with two significant digits ("0.70", "0.042", "0.0042"), never an
 * SI prefix, since "700m" reads as 700 million; smaller still, "2.5e-6". */
static void below_one(double v, char *buf, size_t cap)
{
    double a = fabs(v);
    if (a >= 0.0995) {
        snprintf(buf, cap, "%.2f", v);
    } else if (a >= 0.00995) {
        snprintf(buf, cap, "%.3f", v);
    } else if (a >= 0.000995) {
        snprintf(buf, cap, "%.4f", v);
    } else { /* "2.5e-06" without the exponent's leading zeros */
        char t[32];
        snprintf(t, sizeof(t), "%.1e", v);
        char *e = strchr(t, 'e');
        size_t k = e ? (size_t)(e - t) + 2 : 0; /* past "e-" */
        while (e && t[k] == '0' && t[k + 1] != '\0')
            memmove(t + k, t + k + 1, strlen(t + k));
        snprintf(buf, cap, "%s", t);
    }
}

char *fmt_si(double v, char *buf, size_t cap)
{
    static const char *const big[] = {"", "k", "M", "G", "T", "P"};
    if (isnan(v)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    if (isinf(v)) {
        snprintf(buf, cap, v > 0 ? "inf" : "-inf");
        return buf;
    }
    double a = fabs(v);
    if (a == 0) {
        snprintf(buf, cap, "0");
        return buf;
    }
    if (a >= 999.5e15) {
        snprintf(buf, cap, "%.2e", v);
        return buf;
    }
    int i = 0;
    if (a >= 999.5) {
        while (a >= 999.5 && i < 5) {
            a /= 1000;
            v /= 1000;
            i++;
        }
        sig3(v, big[i], buf, cap);
    } else if (a < 0.995) {
        below_one(v, buf, cap);
    } else {
        sig3(v, "", buf, cap);
    }
    return buf;
}

char *fmt_duration_ms(double ms, char *buf, size_t cap)
{
    if (isnan(ms)) {
        snprintf(buf, cap, "-");
        return buf;
    }
    double a = fabs(ms);
    const char *sign = ms < 0 ? "-" : "";
    if (a < 1.0) {
        snprintf(buf, cap, "%s%.0f\xc2\xb5s", sign, a * 1000);
    } else if (a < 1000) {
        sig3(a, "ms", buf, cap);
        if (*sign) {
            char t[32];
            snprintf(t, sizeof(t), "-%s", buf);
            snprintf(buf, cap, "%s", t);
        }
    } else if (a < 60000) {
        snprintf(buf, cap, "%s%.2fs", sign, a / 1000);
    } else if (a < 3600000) {
        long s = (long)(a / 1000);
        snprintf(buf, cap, "%s%ldm%02lds", sign, s / 60, s % 60);
    } else {
        long m = (long)(a / 60000);
        snprintf(buf, cap, "%s%ldh%02ldm", sign, m / 60, m % 60);
    }
    return buf;
}
