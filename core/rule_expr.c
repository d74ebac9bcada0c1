/* rule_expr.c — the expression language of rules, `warroom query` and the interface's filter:
 * `AGG(SELECTOR) [by (L, ...)] [over W] OP NUMBER`, `absent(SELECTOR) [over W]`, and in queries
 * an optional comparison or a bare selector; parsed by hand so every error names its column.
 * The selector itself is parsed by core/select; this file only finds where it ends. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/errbuf.h"
#include "core/mem.h"
#include "core/number.h"
#include "core/rule.h"

static const char *const op_names[] = {
    [RULE_OP_GT] = ">",  [RULE_OP_GE] = ">=", [RULE_OP_LT] = "<",
    [RULE_OP_LE] = "<=", [RULE_OP_EQ] = "==", [RULE_OP_NE] = "!=",
};
#define NOP (sizeof op_names / sizeof op_names[0])

#define OPS_TEXT "an operator (>, >=, <, <=, ==, !=)"

/* ---------------------------------------------------------------------------------------------
 * Names and small semantics. */

const char *rule_op_name(enum rule_op op)
{
    return (unsigned)op < NOP ? op_names[op] : "?";
}

bool rule_op_holds(enum rule_op op, double value, double threshold)
{
    if (isnan(value))
        return false;
    switch (op) {
    case RULE_OP_GT:
        return value > threshold;
    case RULE_OP_GE:
        return value >= threshold;
    case RULE_OP_LT:
        return value < threshold;
    case RULE_OP_LE:
        return value <= threshold;
    case RULE_OP_EQ:
        return value == threshold;
    case RULE_OP_NE:
        return value != threshold;
    }
    return false;
}

/* ---------------------------------------------------------------------------------------------
 * Lexical helpers. */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_op_char(char c)
{
    return c != '\0' && strchr("<>=!~", c) != NULL;
}

const char *rule_describe_at(const char *text, size_t len, size_t i, char *buf, size_t cap)
{
    enum { SHOW_MAX = 24 };
    size_t j = i;

    if (i >= len) {
        snprintf(buf, cap, "the end");
        return buf;
    }
    unsigned char c = (unsigned char)text[i];
    if ((c == '+' || c == '-') && i + 1 < len && is_digit(text[i + 1]))
        j++;
    if (is_word(text[j]) || text[j] == '.' || text[j] == ':') {
        while (j < len && (is_word(text[j]) || text[j] == '.' || text[j] == ':'))
            j++;
    } else if (is_op_char(text[j])) {
        while (j < len && is_op_char(text[j]))
            j++;
    } else if (c == ' ') {
        snprintf(buf, cap, "a space");
        return buf;
    } else if (c == '\t') {
        snprintf(buf, cap, "a tab");
        return buf;
    } else if (c < 0x20 || c >= 0x7f) {
        snprintf(buf, cap, "byte 0x%02X", c);
        return buf;
    } else {
        j = i + 1;
    }
    size_t n = j - i;
    snprintf(buf, cap, "'%.*s%s'", (int)(n > SHOW_MAX ? SHOW_MAX : n), text + i,
             n > SHOW_MAX ? "..." : "");
    return buf;
}

/* ---------------------------------------------------------------------------------------------
 * The parser. */

struct xp {
    const char *s;
    size_t n, i;
    char *err;
    size_t err_cap;
    size_t err_col;
};

/* Records the message (fmt) for byte position pos; returns -1. */
__attribute__((format(printf, 3, 4))) static int xfail(struct xp *p, size_t pos, const char *fmt,
                                                       ...)
{
    p->err_col = pos + 1;
    va_list ap;
    va_start(ap, fmt);
    errbuf_vfail(p->err, p->err_cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* The "found ..." text for position pos, in the caller's buffer. */
static const char *found(const struct xp *p, size_t pos, char buf[64])
{
    return rule_describe_at(p->s, p->n, pos, buf, 64);
}

static void skip_blanks(struct xp *p)
{
    while (p->i < p->n && is_blank(p->s[p->i]))
        p->i++;
}

static size_t word_len(const struct xp *p, size_t i)
{
    size_t j = i;
    while (j < p->n && is_word(p->s[j]))
        j++;
    return j - i;
}

/* Whether the word at p->i is exactly kw (consumed when it is). */
static bool take_keyword(struct xp *p, const char *kw)
{
    size_t w = word_len(p, p->i), k = strlen(kw);
    if (w != k || memcmp(p->s + p->i, kw, k) != 0)
        return false;
    p->i += k;
    return true;
}

/* Where a selector starting at i ends: outside braces it is a metric name, '*' and blanks;
 * inside braces matchers are followed far enough to skip quoted values (which may hold ')').
 * Returns the position after the closing '}', or where the name part stops, or n. */
static size_t selector_end(const char *s, size_t n, size_t i)
{
    enum { NAME, VALSTART, UNQUOTED, QUOTED, AFTERQ } st = NAME;

    if (i < n && s[i] == '~') { /* `~value`: up to the end of a quoted value, or a blank/')' */
        for (i++; i < n && is_blank(s[i]); i++)
            ;
        if (i < n && s[i] == '"') {
            for (i++; i < n && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
            return i < n ? i + 1 : n;
        }
        while (i < n && !is_blank(s[i]) && s[i] != ')')
            i++;
        return i;
    }
    while (i < n && (is_word(s[i]) || s[i] == ':' || s[i] == '.' || s[i] == '*' || is_blank(s[i])))
        i++;
    if (i >= n || s[i] != '{')
        return i;
    for (i++; i < n; i++) {
        char c = s[i];
        switch (st) {
        case NAME:
            if (c == '}')
                return i + 1;
            if (c == '~') {
                st = VALSTART;
            } else if (c == '=' || c == '!') {
                if (i + 1 < n && (s[i + 1] == '~' || s[i + 1] == '='))
                    i++;
                st = VALSTART;
            }
            break;
        case VALSTART:
            if (is_blank(c))
                break;
            if (c == '"') {
                st = QUOTED;
                break;
            }
            st = UNQUOTED; /* and c is the value's first byte: */
            /* fall through */
        case UNQUOTED:
        case AFTERQ:
            if (c == ',')
                st = NAME;
            else if (c == '}')
                return i + 1;
            break;
        case QUOTED:
            if (c == '\\')
                i++;
            else if (c == '"')
                st = AFTERQ;
            break;
        }
    }
    return n;
}

static int parse_selector(struct xp *p, struct rule_expr *e, bool in_parens)
{
    char fb[64], msg[256];
    size_t start = p->i, end = selector_end(p->s, p->n, p->i);

    while (end > start && is_blank(p->s[end - 1]))
        end--;
    if (end == start)
        return xfail(p, start, "expected a selector, found %s", found(p, start, fb));
    e->sel = select_new(p->s + start, end - start, msg, sizeof msg);
    if (!e->sel) {
        /* select reports "... at column N" relative to the selector: make it absolute */
        size_t col = 1;
        char *at = NULL;
        for (char *q = strstr(msg, " at column "); q; q = strstr(q + 1, " at column "))
            at = q;
        if (at) {
            col = (size_t)strtoul(at + strlen(" at column "), NULL, 10);
            *at = '\0';
        }
        /* inside the parentheses, the end of the selector is the ')' */
        char *end_of = in_parens ? strstr(msg, "the end, found") : NULL;
        if (end_of && strncmp(end_of + strlen("the end, found"), " the end", 8) != 0) {
            memmove(end_of + 3, end_of + 7, strlen(end_of + 7) + 1);
            memcpy(end_of, "')'", 3);
        }
        size_t mlen = strlen(msg);
        if (mlen >= 9 && strcmp(msg + mlen - 9, " starting") == 0)
            snprintf(msg + mlen, sizeof msg - mlen, " here");
        return xfail(p, start + (col ? col - 1 : 0), "bad selector: %s", msg);
    }
    e->sel_text = xstrndup(p->s + start, end - start);
    p->i = end;
    return 0;
}

static int parse_by(struct xp *p, struct rule_expr *e)
{
    char fb[64];

    skip_blanks(p);
    if (p->i >= p->n || p->s[p->i] != '(')
        return xfail(p, p->i, "expected '(' after 'by', found %s", found(p, p->i, fb));
    p->i++;
    e->has_by = true;
    skip_blanks(p);
    if (p->i < p->n && p->s[p->i] == ')') {
        p->i++;
        return 0;
    }
    for (;;) {
        size_t at = p->i, w = word_len(p, at);
        if (w == 0 || is_digit(p->s[at]))
            return xfail(p, at, "expected a label name, found %s", found(p, at, fb));
        for (size_t k = 0; k < e->nby; k++)
            if (strlen(e->by[k]) == w && memcmp(e->by[k], p->s + at, w) == 0)
                return xfail(p, at, "expected each label once in by (...), found a second '%.*s'",
                             (int)w, p->s + at);
        e->by = xrealloc(e->by, (e->nby + 1) * sizeof *e->by);
        e->by[e->nby++] = xstrndup(p->s + at, w);
        p->i += w;
        skip_blanks(p);
        if (p->i < p->n && p->s[p->i] == ')') {
            p->i++;
            return 0;
        }
        if (p->i >= p->n || p->s[p->i] != ',')
            return xfail(p, p->i, "expected ',' or ')' after a label name, found %s",
                         found(p, p->i, fb));
        p->i++;
        skip_blanks(p);
    }
}

static int parse_window(struct xp *p, struct rule_expr *e)
{
    char fb[64];
    int64_t ms;

    skip_blanks(p);
    size_t start = p->i;
    while (p->i < p->n && (is_word(p->s[p->i]) || p->s[p->i] == '.'))
        p->i++;
    size_t w = p->i - start;
    if (w == 0 || duration_parse_ms(p->s + start, w, &ms) < 0)
        return xfail(p, start, "expected a duration after 'over' (e.g. 30s, 5m, 1h), found %s",
                     found(p, start, fb));
    if (ms < 1000 || ms % 1000 != 0)
        return xfail(p, start, "expected a window of whole seconds, at least 1s, found '%.*s'",
                     (int)w, p->s + start);
    if (ms > (int64_t)RULE_MAX_WINDOW_S * 1000)
        return xfail(p, start, "expected a window of at most 30d, found '%.*s'", (int)w,
                     p->s + start);
    e->window_s = (uint32_t)(ms / 1000);
    e->has_window = true;
    return 0;
}

static int parse_op(struct xp *p, struct rule_expr *e, const char *expected)
{
    char fb[64];
    size_t start = p->i;

    while (p->i < p->n && is_op_char(p->s[p->i]))
        p->i++;
    size_t w = p->i - start;
    for (size_t k = 0; w && k < NOP; k++)
        if (strlen(op_names[k]) == w && memcmp(op_names[k], p->s + start, w) == 0) {
            e->op = (enum rule_op)k;
            return 0;
        }
    return xfail(p, start, "expected %s, found %s", expected, found(p, start, fb));
}

static int parse_number(struct xp *p, double *out)
{
    char fb[64], num[72];
    size_t start = p->i, j = p->i, digits = 0;

    if (j < p->n && (p->s[j] == '+' || p->s[j] == '-'))
        j++;
    for (; j < p->n && is_digit(p->s[j]); j++)
        digits++;
    if (j < p->n && p->s[j] == '.')
        for (j++; j < p->n && is_digit(p->s[j]); j++)
            digits++;
    if (digits == 0)
        return xfail(p, start, "expected a number, found %s", found(p, start, fb));
    if (j < p->n && (p->s[j] == 'e' || p->s[j] == 'E')) {
        size_t k = j + 1;
        if (k < p->n && (p->s[k] == '+' || p->s[k] == '-'))
            k++;
        if (k < p->n && is_digit(p->s[k])) {
            while (k < p->n && is_digit(p->s[k]))
                k++;
            j = k;
        }
    }
    size_t w = j - start;
    if (w >= sizeof num)
        return xfail(p, start, "expected a number of at most %zu characters, found %zu",
                     sizeof num - 1, w);
    memcpy(num, p->s + start, w);
    num[w] = '\0';
    double v;
    /* not strtod: the interface sets LC_ALL, and a comma locale would read "0.5" as 0 */
    int rc = number_parse_decimal(num, w, &v);
    if (rc != 0 || !isfinite(v))
        return xfail(p, start, "expected a finite number, found '%s'", num);
    *out = v;
    p->i = j;
    return 0;
}

void rule_expr_free(struct rule_expr *e)
{
    select_free(e->sel);
    free(e->sel_text);
    for (size_t k = 0; k < e->nby; k++)
        free(e->by[k]);
    free(e->by);
    free(e->text);
    memset(e, 0, sizeof *e);
}

#define AGGS_TEXT                                                                                  \
    "an aggregation (count, rate, sum, avg, min, max, first, last, range, std.p, std.s, var.p, "   \
    "var.s, increase, p50 ... p99.9, quantile or absent)"

/* Length of the word at i, dots included (`std.p`, `p99.9`). */
static size_t agg_word_len(const struct xp *p, size_t i)
{
    size_t j = i;
    while (j < p->n && (is_word(p->s[j]) || p->s[j] == '.'))
        j++;
    return j - i;
}

/* `quantile(` was read: Q ',' (the selector follows). */
static int parse_quantile_arg(struct xp *p, struct rule_expr *e)
{
    char fb[64];
    size_t at = p->i;

    if (parse_number(p, &e->q) < 0)
        return -1;
    if (!(e->q >= 0 && e->q <= 1))
        return xfail(p, at, "expected a quantile between 0 and 1, found '%.*s'", (int)(p->i - at),
                     p->s + at);
    for (int k = RULE_AGG_P50; k <= RULE_AGG_P999; k++) /* quantile(0.99, x) is p99(x) */
        if (rule_agg_quantile((enum rule_agg)k) == e->q)
            e->agg = (enum rule_agg)k;
    skip_blanks(p);
    if (p->i >= p->n || p->s[p->i] != ',')
        return xfail(p, p->i, "expected ',' after the quantile, found %s", found(p, p->i, fb));
    p->i++;
    skip_blanks(p);
    return 0;
}

/* The comparison and the end; in a query both the comparison and `by`/`over` may be missing. */
static int parse_tail(struct xp *p, struct rule_expr *e, bool query, const char *expected)
{
    char fb[64], want[160];

    if (query && p->i >= p->n)
        return 0;
    snprintf(want, sizeof want, "%s%s", expected, query ? " or the end" : "");
    if (parse_op(p, e, want) < 0)
        return -1;
    e->has_op = true;
    skip_blanks(p);
    if (parse_number(p, &e->threshold) < 0)
        return -1;
    skip_blanks(p);
    if (p->i < p->n)
        return xfail(p, p->i, "expected the end, found %s", found(p, p->i, fb));
    return 0;
}

static int parse_expr(struct xp *p, struct rule_expr *e, bool query)
{
    char fb[64];

    skip_blanks(p);
    size_t at = p->i, w = agg_word_len(p, at);
    if (query) { /* a word and '(' make an aggregation; anything else is a bare selector */
        size_t j = at + w;
        while (j < p->n && is_blank(p->s[j]))
            j++;
        if (w == 0 || j >= p->n || p->s[j] != '(') {
            e->bare = true;
            if (parse_selector(p, e, false) < 0)
                return -1;
            skip_blanks(p);
            if (p->i < p->n) /* selector_end stopped early: let select say what is wrong */
                return xfail(p, p->i, "expected the end of the selector, found %s",
                             found(p, p->i, fb));
            return 0;
        }
    }
    if (w == 0 || rule_agg_parse(p->s + at, w, &e->agg, &e->q) < 0)
        return xfail(p, at, "expected " AGGS_TEXT ", found %s", found(p, at, fb));
    p->i += w;
    skip_blanks(p);
    if (p->i >= p->n || p->s[p->i] != '(')
        return xfail(p, p->i, "expected '(' after '%.*s', found %s", (int)w, p->s + at,
                     found(p, p->i, fb));
    p->i++;
    skip_blanks(p);
    if (e->agg == RULE_AGG_QUANTILE && isnan(e->q) && parse_quantile_arg(p, e) < 0)
        return -1;
    if (parse_selector(p, e, true) < 0)
        return -1;
    skip_blanks(p);
    if (p->i >= p->n || p->s[p->i] != ')')
        return xfail(p, p->i, "expected ')' after the selector, found %s", found(p, p->i, fb));
    p->i++;
    skip_blanks(p);

    if (e->agg == RULE_AGG_ABSENT) {
        bool over = take_keyword(p, "over");
        if (over && parse_window(p, e) < 0)
            return -1;
        skip_blanks(p);
        if (p->i < p->n)
            return xfail(p, p->i, "expected %sthe end, found %s", over ? "" : "'over' or ",
                         found(p, p->i, fb));
        e->op = RULE_OP_EQ; /* its value is 1 when absent, 0 when not */
        e->threshold = 1;
        return 0; /* has_op stays false: no comparison is written */
    }
    const char *expected = "'by', 'over' or " OPS_TEXT;
    if (take_keyword(p, "by")) {
        if (parse_by(p, e) < 0)
            return -1;
        skip_blanks(p);
        expected = "'over' or " OPS_TEXT;
    }
    if (take_keyword(p, "over")) {
        if (parse_window(p, e) < 0)
            return -1;
        skip_blanks(p);
        expected = OPS_TEXT;
    }
    return parse_tail(p, e, query, expected);
}

static int parse_any(const char *text, size_t len, bool query, struct rule_expr *out,
                     size_t *err_col, char *err, size_t err_cap)
{
    struct xp p = {text, len, 0, err, err_cap, 0};

    memset(out, 0, sizeof *out);
    out->window_s = RULE_DEFAULT_WINDOW_S;
    out->q = NAN;
    if (err && err_cap)
        err[0] = '\0';
    if (parse_expr(&p, out, query) < 0) {
        rule_expr_free(out);
        out->q = NAN;
        if (err_col)
            *err_col = p.err_col;
        return -1;
    }
    size_t a = 0, b = len;
    while (a < b && is_blank(text[a]))
        a++;
    while (b > a && is_blank(text[b - 1]))
        b--;
    out->text = xstrndup(text + a, b - a);
    return 0;
}

int rule_expr_parse_query(const char *text, size_t len, struct rule_expr *out, size_t *err_col,
                          char *err, size_t err_cap)
{
    return parse_any(text, len, true, out, err_col, err, err_cap);
}

int rule_expr_parse(const char *text, size_t len, struct rule_expr *out, size_t *err_col, char *err,
                    size_t err_cap)
{
    return parse_any(text, len, false, out, err_col, err, err_cap);
}
