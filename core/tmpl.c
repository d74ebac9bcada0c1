/* tmpl.c — rendering {{placeholders}} in alert summaries and runbooks into a bounded buffer. */
#include "core/tmpl.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Output that counts the full length but stores only what fits. */
struct tout {
    char *buf;
    size_t cap, len;
    int dropped; /* first byte that did not fit, -1 while everything fitted */
};

static void put(struct tout *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, o->len++) {
        if (o->cap > 0 && o->len < o->cap - 1)
            o->buf[o->len] = s[i];
        else if (o->dropped < 0)
            o->dropped = (unsigned char)s[i];
    }
}

static void put_str(struct tout *o, const char *s)
{
    put(o, s, strlen(s));
}

int tmpl_format_value(double v, char *buf, size_t cap)
{
    if (isnan(v))
        return snprintf(buf, cap, "NaN");
    if (isinf(v))
        return snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
    double a = fabs(v);
    /* 9999.5 and up would round to 5 digits, which %.4g writes with an exponent */
    if (a < 1e15 && (a >= 9999.5 || v == floor(v)))
        return snprintf(buf, cap, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
    return snprintf(buf, cap, "%.4g", v);
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && memcmp(name, want, len) == 0;
}

/* Appends the expansion of placeholder name (len bytes). Returns false when it is unknown or
 * its value is missing: the caller then copies the placeholder literally. */
static bool expand(struct tout *o, const char *name, size_t len, const struct tmpl_vars *v)
{
    char num[64];
    const char *s = NULL;

    if (name_is(name, len, "value") || name_is(name, len, "threshold")) {
        tmpl_format_value(name[0] == 'v' ? v->value : v->threshold, num, sizeof num);
        s = num;
    } else if (name_is(name, len, "rule")) {
        s = v->rule;
    } else if (name_is(name, len, "severity")) {
        s = v->severity;
    } else if (name_is(name, len, "instance")) {
        s = v->instance;
    } else if (name_is(name, len, "id")) {
        s = v->id;
    } else if (name_is(name, len, "labels")) {
        s = v->labels;
    } else if (len > 7 && memcmp(name, "labels.", 7) == 0 && v->label) {
        s = v->label(v->privdata, name + 7, len - 7);
    }
    if (!s)
        return false;
    put_str(o, s);
    return true;
}

size_t tmpl_render(const char *tmpl, const struct tmpl_vars *vars, char *out, size_t cap)
{
    struct tout o = {out, cap, 0, -1};
    const char *p = tmpl;

    while (*p) {
        if (p[0] == '{' && p[1] == '{') {
            const char *close = strstr(p + 2, "}}");
            if (close) {
                const char *a = p + 2, *b = close;
                while (a < b && (*a == ' ' || *a == '\t'))
                    a++;
                while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
                    b--;
                if (expand(&o, a, (size_t)(b - a), vars)) {
                    p = close + 2;
                    continue;
                }
            }
            /* not a placeholder: keep this brace and look again from the next one, so that
             * "{{{value}}}" renders as "{" + value + "}" */
        }
        put(&o, p, 1);
        p++;
    }
    if (cap > 0) {
        size_t end = o.len < cap - 1 ? o.len : cap - 1;
        if (o.dropped >= 0 && (o.dropped & 0xC0) == 0x80) {
            /* the cut falls inside a character: drop its leading bytes too */
            while (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0x80)
                end--;
            if (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0xC0)
                end--;
        }
        out[end] = '\0';
    }
    return o.len;
}
