/* rule_agg.c — the aggregations of the expression language (rules, `warroom query`, sorting):
 * their names and what each computes from a window's summary and merged histogram. One place,
 * so a rule, a query row and a sort column can never disagree about what `p99` means. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "core/number.h"
#include "core/rule.h"
#include "core/summary.h"

static const char *const agg_names[] = {
    [RULE_AGG_COUNT] = "count",   [RULE_AGG_RATE] = "rate",         [RULE_AGG_SUM] = "sum",
    [RULE_AGG_AVG] = "avg",       [RULE_AGG_MIN] = "min",           [RULE_AGG_MAX] = "max",
    [RULE_AGG_FIRST] = "first",   [RULE_AGG_LAST] = "last",         [RULE_AGG_RANGE] = "range",
    [RULE_AGG_STDDEV] = "stddev", [RULE_AGG_STD_S] = "std.s",       [RULE_AGG_VAR_P] = "var.p",
    [RULE_AGG_VAR_S] = "var.s",   [RULE_AGG_INCREASE] = "increase", [RULE_AGG_P50] = "p50",
    [RULE_AGG_P90] = "p90",       [RULE_AGG_P95] = "p95",           [RULE_AGG_P99] = "p99",
    [RULE_AGG_P999] = "p999",     [RULE_AGG_QUANTILE] = "quantile", [RULE_AGG_ABSENT] = "absent",
};
#define NAGG (sizeof agg_names / sizeof agg_names[0])

static const double fixed_q[] = {0.5, 0.9, 0.95, 0.99, 0.999}; /* RULE_AGG_P50 ... P999 */

const char *rule_agg_name(enum rule_agg agg)
{
    return (unsigned)agg < NAGG ? agg_names[agg] : "?";
}

bool rule_agg_is_quantile(enum rule_agg agg)
{
    return (agg >= RULE_AGG_P50 && agg <= RULE_AGG_P999) || agg == RULE_AGG_QUANTILE;
}

double rule_agg_quantile(enum rule_agg agg)
{
    return agg >= RULE_AGG_P50 && agg <= RULE_AGG_P999 ? fixed_q[agg - RULE_AGG_P50] : NAN;
}

/* pX: X a decimal in [0, 100] ("99.9"), read as the decimal X / 100 by moving the point two
 * places (so p99.9 is exactly the double nearest 0.999, as hist_rank expects). */
static int parse_percent(const char *x, size_t n, double *q)
{
    char buf[48];
    size_t dot = n, k = 0;

    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == '.' && dot == n && i > 0 && i + 1 < n)
            dot = i;
        else if (x[i] < '0' || x[i] > '9')
            return -1;
    }
    if (dot > 3)
        return -1;
    buf[k++] = '0';
    buf[k++] = '.';
    for (size_t pad = dot; pad < 2; pad++) /* "5" -> 0.05 */
        buf[k++] = '0';
    if (dot == 3) { /* 100 and beyond: only 100 itself */
        k = 0;
        buf[k++] = x[0];
        buf[k++] = '.';
    }
    for (size_t i = dot == 3 ? 1 : 0; i < n; i++)
        if (i != dot)
            buf[k++] = x[i];
    buf[k] = '\0';
    if (number_parse_decimal(buf, k, q) != 0 || !(*q >= 0 && *q <= 1))
        return -1;
    return 0;
}

int rule_agg_parse(const char *text, size_t len, enum rule_agg *agg, double *q)
{
    static const struct {
        const char *name;
        enum rule_agg agg;
    } aliases[] = {{"std.p", RULE_AGG_STDDEV}, {"p99.9", RULE_AGG_P999}};

    for (size_t k = 0; k < NAGG; k++)
        if (strlen(agg_names[k]) == len && memcmp(agg_names[k], text, len) == 0) {
            *agg = (enum rule_agg)k;
            *q = rule_agg_quantile(*agg);
            return 0;
        }
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++)
        if (strlen(aliases[k].name) == len && memcmp(aliases[k].name, text, len) == 0) {
            *agg = aliases[k].agg;
            *q = rule_agg_quantile(*agg);
            return 0;
        }
    double v;
    if (len < 2 || text[0] != 'p' || parse_percent(text + 1, len - 1, &v) != 0)
        return -1;
    *agg = RULE_AGG_QUANTILE;
    for (size_t k = 0; k < sizeof fixed_q / sizeof fixed_q[0]; k++)
        if (fixed_q[k] == v)
            *agg = (enum rule_agg)(RULE_AGG_P50 + k);
    *q = v;
    return 0;
}

double rule_agg_value(enum rule_agg agg, double q, const struct summary *s, const struct hist *h,
                      double covered_s)
{
    double n = (double)s->count;

    switch (agg) {
    case RULE_AGG_COUNT:
        return n;
    case RULE_AGG_RATE:
        return covered_s > 0 ? n / covered_s : NAN;
    case RULE_AGG_ABSENT:
        return s->count == 0 ? 1.0 : 0.0;
    default:
        break;
    }
    if (s->count == 0)
        return NAN;
    double m2 = s->m2 > 0 ? s->m2 : 0;
    switch (agg) {
    case RULE_AGG_SUM:
        return s->sum;
    case RULE_AGG_AVG:
        return summary_mean(s);
    case RULE_AGG_MIN:
        return s->min;
    case RULE_AGG_MAX:
        return s->max;
    case RULE_AGG_FIRST:
        return s->first;
    case RULE_AGG_LAST:
        return s->last;
    case RULE_AGG_RANGE:
        return s->max - s->min;
    case RULE_AGG_STDDEV:
        return summary_stddev(s);
    case RULE_AGG_STD_S:
        return s->count < 2 ? NAN : sqrt(m2 / (n - 1));
    case RULE_AGG_VAR_P:
        return summary_variance(s);
    case RULE_AGG_VAR_S:
        return s->count < 2 ? NAN : m2 / (n - 1);
    case RULE_AGG_INCREASE:
        return s->last - s->first;
    default:
        break;
    }
    if (!rule_agg_is_quantile(agg) || h == NULL)
        return NAN;
    if (agg != RULE_AGG_QUANTILE)
        q = rule_agg_quantile(agg);
    return hist_quantile_clamp(hist_quantile(h, q), q, s->count, s->min, s->max);
}

const char *rule_agg_label(enum rule_agg agg, double q, char *buf, size_t cap)
{
    if (agg != RULE_AGG_QUANTILE) {
        snprintf(buf, cap, "%s", rule_agg_name(agg));
        return buf;
    }
    /* the shortest "pX" that parses back to q, else the explicit form */
    for (int digits = 1; digits <= 15; digits++) {
        char pct[40];
        double back;
        enum rule_agg a;
        snprintf(pct, sizeof pct, "p%.*g", digits, q * 100);
        if (!strchr(pct, 'e') && rule_agg_parse(pct, strlen(pct), &a, &back) == 0 && back == q) {
            snprintf(buf, cap, "%s", pct);
            return buf;
        }
    }
    snprintf(buf, cap, "quantile(%.17g)", q);
    return buf;
}
