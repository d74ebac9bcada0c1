/* regex.c — the bounded regex engine of regex.h: a recursive-descent parser builds a small
 * tree whose program size is known before anything is emitted (so a counted repetition cannot
 * blow up), the tree is emitted as a Thompson-NFA program, and a Pike VM runs it over the text
 * one code point at a time with each instruction at most once per position. */
#include "core/regex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define CP_BYTE 0x110000u         /* CP_BYTE + b: byte b, not part of well-formed UTF-8 */
#define CP_LAST (CP_BYTE + 0xFFu) /* the largest character */
#define SIZE_LIMIT (REGEX_PROGRAM_MAX + 1)
#define REPEAT_INF (-1)
#define FLAG_FOLD 1u /* (?i): ASCII letters match either case */
#define NO_NODE (-1)
#define FLAG_GROUP (-2) /* parse_atom: a (?flags) group, which matches nothing */

/* ---------------------------------------------------------------------------------------------
 * Characters
 * ------------------------------------------------------------------------------------------ */

/* The character at s[*i] (*i < n), *i moved past it: a well-formed UTF-8 sequence gives its
 * code point; any other byte b gives CP_BYTE + b and is one byte long. */
static uint32_t next_cp(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char b = s[*i];
    size_t need;
    uint32_t cp, min;

    if (b < 0x80) {
        (*i)++;
        return b;
    }
    if (b >= 0xC2 && b <= 0xDF)
        need = 1, cp = b & 0x1Fu, min = 0x80;
    else if (b >= 0xE0 && b <= 0xEF)
        need = 2, cp = b & 0x0Fu, min = 0x800;
    else if (b >= 0xF0 && b <= 0xF4)
        need = 3, cp = b & 0x07u, min = 0x10000;
    else
        goto bad;
    if (n - *i <= need)
        goto bad;
    for (size_t k = 1; k <= need; k++) {
        unsigned char c = s[*i + k];
        if ((c & 0xC0) != 0x80)
            goto bad;
        cp = cp << 6 | (c & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        goto bad;
    *i += need + 1;
    return cp;
bad:
    (*i)++;
    return CP_BYTE + b;
}

static bool is_upper(uint32_t c)
{
    return c >= 'A' && c <= 'Z';
}

static bool is_lower(uint32_t c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_value(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Classes: sorted, disjoint, inclusive ranges of characters
 * ------------------------------------------------------------------------------------------ */

struct rbuf {
    uint32_t *r; /* lo, hi pairs */
    size_t n;    /* pairs */
    size_t cap;  /* pairs */
};

static void rbuf_add(struct rbuf *b, uint32_t lo, uint32_t hi)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->r = xrealloc(b->r, b->cap * 2 * sizeof *b->r);
    }
    b->r[2 * b->n] = lo;
    b->r[2 * b->n + 1] = hi;
    b->n++;
}

static int pair_cmp(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0;
}

/* Sorts the ranges and merges those that overlap or touch. */
static void rbuf_normalize(struct rbuf *b)
{
    size_t out = 0;

    if (b->n == 0)
        return;
    qsort(b->r, b->n, 2 * sizeof *b->r, pair_cmp);
    for (size_t k = 1; k < b->n; k++) {
        uint32_t lo = b->r[2 * k], hi = b->r[2 * k + 1];
        if (lo <= b->r[2 * out + 1] + 1) {
            if (hi > b->r[2 * out + 1])
                b->r[2 * out + 1] = hi;
        } else {
            out++;
            b->r[2 * out] = lo;
            b->r[2 * out + 1] = hi;
        }
    }
    b->n = out + 1;
}

/* Adds the other case of every ASCII letter in b (normalized after). */
static void rbuf_fold(struct rbuf *b)
{
    size_t n = b->n;
    for (size_t k = 0; k < n; k++) {
        uint32_t lo = b->r[2 * k], hi = b->r[2 * k + 1];
        uint32_t l = lo > 'a' ? lo : 'a', h = hi < 'z' ? hi : 'z';
        if (l <= h)
            rbuf_add(b, l - 32, h - 32);
        l = lo > 'A' ? lo : 'A', h = hi < 'Z' ? hi : 'Z';
        if (l <= h)
            rbuf_add(b, l + 32, h + 32);
    }
    rbuf_normalize(b);
}

/* Appends the complement (within 0..CP_LAST) of the n sorted, disjoint pairs r to b. */
static void rbuf_add_complement(struct rbuf *b, const uint32_t *r, size_t n)
{
    uint32_t next = 0;
    bool done = false;
    for (size_t k = 0; k < n; k++) {
        if (r[2 * k] > next)
            rbuf_add(b, next, r[2 * k] - 1);
        if (r[2 * k + 1] >= CP_LAST) {
            done = true;
            break;
        }
        next = r[2 * k + 1] + 1;
    }
    if (!done)
        rbuf_add(b, next, CP_LAST);
}

/* The POSIX names of [:name:] (ASCII); each list sorted and disjoint. */
static const struct named_class {
    const char *name;
    unsigned char n; /* pairs */
    unsigned char r[8];
} named_classes[] = {
    {"alnum", 3, {'0', '9', 'A', 'Z', 'a', 'z'}},
    {"alpha", 2, {'A', 'Z', 'a', 'z'}},
    {"ascii", 1, {0x00, 0x7F}},
    {"blank", 2, {'\t', '\t', ' ', ' '}},
    {"cntrl", 2, {0x00, 0x1F, 0x7F, 0x7F}},
    {"digit", 1, {'0', '9'}},
    {"graph", 1, {0x21, 0x7E}},
    {"lower", 1, {'a', 'z'}},
    {"print", 1, {0x20, 0x7E}},
    {"punct", 4, {0x21, 0x2F, 0x3A, 0x40, 0x5B, 0x60, 0x7B, 0x7E}},
    {"space", 2, {'\t', '\r', ' ', ' '}},
    {"upper", 1, {'A', 'Z'}},
    {"word", 4, {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}},
    {"xdigit", 3, {'0', '9', 'A', 'F', 'a', 'f'}},
};

static const struct named_class *named_find(const char *name, size_t len)
{
    for (size_t k = 0; k < sizeof named_classes / sizeof named_classes[0]; k++)
        if (strlen(named_classes[k].name) == len && memcmp(named_classes[k].name, name, len) == 0)
            return &named_classes[k];
    return NULL;
}

static void rbuf_add_named(struct rbuf *b, const struct named_class *nc, bool negate)
{
    uint32_t r[8];
    for (size_t k = 0; k < 2u * nc->n; k++)
        r[k] = nc->r[k];
    if (negate)
        rbuf_add_complement(b, r, nc->n);
    else
        for (size_t k = 0; k < nc->n; k++)
            rbuf_add(b, r[2 * k], r[2 * k + 1]);
}

/* ---------------------------------------------------------------------------------------------
 * The parser: pattern -> tree, each node knowing the size of its program
 * ------------------------------------------------------------------------------------------ */

enum node_kind { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REPEAT };

struct node {
    enum node_kind kind;
    uint32_t a, b; /* CHAR: code point; CLASS: class index; CAT, ALT: the parts; REPEAT: a */
    int min, max;  /* REPEAT: max is REPEAT_INF for no bound */
    size_t size;   /* instructions it compiles to, saturated at SIZE_LIMIT */
};

struct parser {
    const unsigned char *s;
    size_t n, i;
    struct node *nodes;
    size_t nnodes, nodes_cap;
    struct rbuf ranges;  /* every class's ranges, one class after another */
    uint32_t *class_off; /* class k: pairs class_off[k] .. class_off[k + 1] of ranges */
    size_t nclass, class_cap;
    struct rbuf tmp; /* the class being parsed */
    char *err;
    size_t err_cap, err_pos;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, size_t pos, const char *fmt,
                                                      ...)
{
    p->err_pos = pos;
    if (p->err && p->err_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->err_cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static size_t saturate(size_t v)
{
    return v > SIZE_LIMIT ? SIZE_LIMIT : v;
}

static int new_node(struct parser *p, enum node_kind kind, uint32_t a, uint32_t b, size_t size)
{
    if (p->nnodes == p->nodes_cap) {
        p->nodes_cap = p->nodes_cap ? p->nodes_cap * 2 : 64;
        p->nodes = xrealloc(p->nodes, p->nodes_cap * sizeof *p->nodes);
    }
    p->nodes[p->nnodes] = (struct node){kind, a, b, 0, 0, saturate(size)};
    return (int)p->nnodes++;
}

/* Refuses node k when its program, with the final match, would pass REGEX_PROGRAM_MAX. */
static int check_size(struct parser *p, int k, size_t pos)
{
    if (p->nodes[k].size + 1 > REGEX_PROGRAM_MAX)
        return fail(p, pos,
                    "too large: more than %d instructions once repetitions are expanded "
                    "(counted repetitions multiply what they repeat)",
                    REGEX_PROGRAM_MAX);
    return k;
}

/* A node for the class in b (normalized here; b is emptied after). */
static int finish_class(struct parser *p, struct rbuf *b, bool negate, bool fold)
{
    rbuf_normalize(b);
    if (fold)
        rbuf_fold(b);
    if (p->nclass + 1 >= p->class_cap) {
        p->class_cap = p->class_cap ? p->class_cap * 2 : 16;
        p->class_off = xrealloc(p->class_off, p->class_cap * sizeof *p->class_off);
    }
    p->class_off[p->nclass] = (uint32_t)p->ranges.n;
    if (negate)
        rbuf_add_complement(&p->ranges, b->r, b->n);
    else
        for (size_t k = 0; k < b->n; k++)
            rbuf_add(&p->ranges, b->r[2 * k], b->r[2 * k + 1]);
    p->class_off[++p->nclass] = (uint32_t)p->ranges.n;
    b->n = 0;
    return new_node(p, N_CLASS, (uint32_t)(p->nclass - 1), 0, 1);
}

static int literal(struct parser *p, uint32_t cp, unsigned flags)
{
    if ((flags & FLAG_FOLD) && (is_upper(cp) || is_lower(cp))) {
        p->tmp.n = 0;
        rbuf_add(&p->tmp, cp, cp);
        return finish_class(p, &p->tmp, false, true);
    }
    return new_node(p, N_CHAR, cp, 0, 1);
}

enum esc_kind { ESC_CHAR, ESC_CLASS };

/* The escape at p->i (the backslash). A literal sets *cp and gives ESC_CHAR; a class escape
 * (\d \w \s \D \W \S) adds its ranges to cls and gives ESC_CLASS, or is refused when cls is
 * NULL (the end of a range). -1 on refusal. */
static int parse_escape(struct parser *p, uint32_t *cp, struct rbuf *cls)
{
    size_t at = p->i;
    if (p->i + 1 >= p->n)
        return fail(p, at, "trailing backslash: nothing to escape");
    unsigned char c = p->s[p->i + 1];
    p->i += 2;
    switch (c) {
    case 'n':
        *cp = '\n';
        return ESC_CHAR;
    case 't':
        *cp = '\t';
        return ESC_CHAR;
    case 'r':
        *cp = '\r';
        return ESC_CHAR;
    case 'f':
        *cp = '\f';
        return ESC_CHAR;
    case 'v':
        *cp = '\v';
        return ESC_CHAR;
    case 'd':
    case 'D':
    case 'w':
    case 'W':
    case 's':
    case 'S': {
        if (!cls)
            return fail(p, at, "a class escape (\\%c) cannot end a range", c);
        const char *name = (c | 0x20) == 'd' ? "digit" : (c | 0x20) == 'w' ? "word" : "space";
        rbuf_add_named(cls, named_find(name, strlen(name)), is_upper(c));
        return ESC_CLASS;
    }
    case 'x': {
        uint32_t v = 0;
        if (p->i < p->n && p->s[p->i] == '{') {
            size_t k = p->i + 1, digits = 0;
            for (; k < p->n && hex_value(p->s[k]) >= 0 && digits < 7; k++, digits++)
                v = v * 16 + (uint32_t)hex_value(p->s[k]);
            if (digits == 0 || k >= p->n || p->s[k] != '}' || v > 0x10FFFF)
                return fail(p, at, "expected a code point up to 10FFFF in \\x{...}");
            p->i = k + 1;
        } else {
            if (p->i + 1 >= p->n || hex_value(p->s[p->i]) < 0 || hex_value(p->s[p->i + 1]) < 0)
                return fail(p, at, "expected two hex digits or {...} after \\x");
            v = (uint32_t)(hex_value(p->s[p->i]) * 16 + hex_value(p->s[p->i + 1]));
            p->i += 2;
        }
        *cp = v;
        return ESC_CHAR;
    }
    case 'b':
    case 'B':
        return fail(p, at, "word boundaries (\\%c) are not supported", c);
    case 'A':
    case 'z':
    case 'Z':
        return fail(p, at, "\\%c is not supported (the whole value must match anyway)", c);
    case 'p':
    case 'P':
        return fail(p, at, "Unicode classes (\\%c) are not supported", c);
    default:
        break;
    }
    if (c == '0')
        return fail(p, at, "octal escapes (\\0) are not supported; use \\xHH");
    if (is_digit(c))
        return fail(p, at, "backreferences (\\%c) are not supported", c);
    if (c < 0x80 && !is_upper(c) && !is_lower(c) && c >= 0x20 && c != 0x7F) {
        *cp = c; /* escaped punctuation or space */
        return ESC_CHAR;
    }
    if (c < 0x20 || c >= 0x7F)
        return fail(p, at, "unsupported escape: a backslash before byte 0x%02X", c);
    return fail(p, at, "unsupported escape '\\%c'", c);
}

/* A class character at p->i: a literal (*cp, ESC_CHAR) or a class escape added to cls. */
static int class_char(struct parser *p, uint32_t *cp, struct rbuf *cls)
{
    if (p->s[p->i] == '\\')
        return parse_escape(p, cp, cls);
    *cp = next_cp(p->s, p->n, &p->i);
    return ESC_CHAR;
}

/* [:name:] or [:^name:] at p->i (the '['), added to cls. */
static int parse_named(struct parser *p, struct rbuf *cls)
{
    size_t at = p->i, j = at + 2;
    bool negate = j < p->n && p->s[j] == '^';
    if (negate)
        j++;
    size_t name = j;
    while (j < p->n && is_lower(p->s[j]))
        j++;
    if (j + 1 >= p->n || p->s[j] != ':' || p->s[j + 1] != ']')
        return fail(p, at, "expected a class name like [:alpha:] after '[:'");
    const struct named_class *nc = named_find((const char *)p->s + name, j - name);
    if (!nc) /* the name is echoed up to 16 bytes: a reason is never cut */
        return fail(p, at, "unknown class name '[:%.*s%s:]'", (int)(j - name > 16 ? 16 : j - name),
                    (const char *)p->s + name, j - name > 16 ? "..." : "");
    rbuf_add_named(cls, nc, negate);
    p->i = j + 2;
    return 0;
}

/* A bracket class at p->i (the '['). */
static int parse_class(struct parser *p, unsigned flags)
{
    size_t open = p->i++;
    bool negate = false, first = true;

    p->tmp.n = 0;
    if (p->i < p->n && p->s[p->i] == '^') {
        negate = true;
        p->i++;
    }
    for (;;) {
        if (p->i >= p->n)
            return fail(p, open, "missing ']' to close the '['");
        unsigned char c = p->s[p->i];
        if (c == ']' && !first) {
            p->i++;
            break;
        }
        first = false;
        if (c == '[' && p->i + 1 < p->n && p->s[p->i + 1] == ':') {
            if (parse_named(p, &p->tmp) < 0)
                return -1;
            continue;
        }
        if (c == '[' && p->i + 1 < p->n && (p->s[p->i + 1] == '=' || p->s[p->i + 1] == '.'))
            return fail(p, p->i, "collating elements ([= =], [. .]) are not supported");
        size_t item = p->i;
        uint32_t lo, hi;
        int k = class_char(p, &lo, &p->tmp);
        if (k < 0)
            return -1;
        bool range = p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']';
        if (k == ESC_CLASS) {
            if (range)
                return fail(p, item, "a class escape (%.*s) cannot start a range",
                            (int)(p->i - item), (const char *)p->s + item);
            continue;
        }
        if (!range) {
            rbuf_add(&p->tmp, lo, lo);
            continue;
        }
        p->i++; /* the '-' */
        if (class_char(p, &hi, NULL) < 0)
            return -1;
        if (hi < lo)
            return fail(p, item, "range out of order: '%.*s'", (int)(p->i - item),
                        (const char *)p->s + item);
        rbuf_add(&p->tmp, lo, hi);
    }
    return finish_class(p, &p->tmp, negate, flags & FLAG_FOLD);
}

static int parse_alt(struct parser *p, unsigned flags, int depth);

/* A group at p->i (the '('): its node, or FLAG_GROUP after a (?flags) that changed *flags. */
static int parse_group(struct parser *p, unsigned *flags, int depth)
{
    size_t open = p->i++;
    unsigned inner = *flags;

    if (p->i < p->n && p->s[p->i] == '?') {
        p->i++;
        unsigned char c = p->i < p->n ? p->s[p->i] : 0;
        unsigned char c1 = p->i + 1 < p->n ? p->s[p->i + 1] : 0;
        if (c == '=' || c == '!')
            return fail(p, open, "lookahead (?%c is not supported", c);
        if (c == '<' && (c1 == '=' || c1 == '!'))
            return fail(p, open, "lookbehind (?<%c is not supported", c1);
        if (c == ':') {
            p->i++;
        } else if (c == '<' || (c == 'P' && c1 == '<')) { /* a name, ignored */
            size_t j = p->i + (c == 'P' ? 2 : 1), name = j;
            while (j < p->n &&
                   (is_upper(p->s[j]) || is_lower(p->s[j]) || is_digit(p->s[j]) || p->s[j] == '_'))
                j++;
            if (j == name || j >= p->n || p->s[j] != '>')
                return fail(p, open,
                            "expected a group name of letters, digits and '_' "
                            "then '>'");
            p->i = j + 1;
        } else {
            bool negate = false, any = false;
            for (;; p->i++) {
                if (p->i >= p->n)
                    return fail(p, open, "missing ')' to close the '('");
                c = p->s[p->i];
                if (c == ')' || c == ':') {
                    if (!any)
                        return fail(p, open, "empty flag group '(?%s%c'", negate ? "-" : "", c);
                    p->i++;
                    if (c == ':')
                        break;
                    *flags = inner;
                    return FLAG_GROUP;
                }
                if (c == '-' && !negate) {
                    negate = true;
                    continue;
                }
                if (c == 'i')
                    inner = negate ? inner & ~FLAG_FOLD : inner | FLAG_FOLD;
                else if (c == 's' && negate)
                    return fail(p, p->i, "(?-s) is not supported: '.' always matches newline");
                else if (c == 'm')
                    return fail(p, p->i, "multi-line mode (?m) is not supported");
                else if (c != 's' && c != 'U')
                    return fail(p, p->i,
                                "unsupported group flag '%c' (supported: (?:...), (?i), (?s), "
                                "(?U), (?P<name>...))",
                                c >= 0x20 && c < 0x7F ? c : '?');
                any = true;
            }
        }
    }
    int sub = parse_alt(p, inner, depth + 1);
    if (sub < 0)
        return -1;
    if (p->i >= p->n || p->s[p->i] != ')')
        return fail(p, open, "missing ')' to close the '('");
    p->i++;
    return sub;
}

/* One atom at p->i: a character, '.', a class, a group, '^' or '$'. */
static int parse_atom(struct parser *p, unsigned *flags, int depth)
{
    size_t at = p->i;
    unsigned char c = p->s[p->i];
    uint32_t cp;

    switch (c) {
    case '(':
        return parse_group(p, flags, depth);
    case '[':
        return parse_class(p, *flags);
    case '.':
        p->i++;
        return new_node(p, N_ANY, 0, 0, 1);
    case '^':
        p->i++;
        return new_node(p, N_BOL, 0, 0, 1);
    case '$':
        p->i++;
        return new_node(p, N_EOL, 0, 0, 1);
    case '*':
    case '+':
    case '?':
        return fail(p, at, "'%c' has nothing to repeat", c);
    case '{':
        return fail(p, at, "'{' has nothing to repeat (write \\{ for a literal brace)");
    case '\\': {
        p->tmp.n = 0;
        int k = parse_escape(p, &cp, &p->tmp);
        if (k < 0)
            return -1;
        if (k == ESC_CLASS)
            return finish_class(p, &p->tmp, false, *flags & FLAG_FOLD);
        return literal(p, cp, *flags);
    }
    default: /* a ')' with no '(' open is a literal too */
        return literal(p, next_cp(p->s, p->n, &p->i), *flags);
    }
}

static bool is_quantifier(const struct parser *p)
{
    if (p->i >= p->n)
        return false;
    unsigned char c = p->s[p->i];
    return c == '*' || c == '+' || c == '?' || c == '{';
}

/* A decimal count at p->s[*j], *j moved past it; -1 when there is no digit. Large values are
 * kept above REGEX_REPEAT_MAX without overflowing. */
static int parse_count(const struct parser *p, size_t *j)
{
    int v = -1;
    for (; *j < p->n && is_digit(p->s[*j]); (*j)++) {
        int d = p->s[*j] - '0';
        v = v < 0 ? d : v > REGEX_REPEAT_MAX ? v : v * 10 + d;
    }
    return v;
}

/* {m}, {m,} or {m,n} at p->i. */
static int parse_braces(struct parser *p, int *min, int *max)
{
    size_t open = p->i, j = open + 1;
    *min = parse_count(p, &j);
    *max = *min;
    if (*min >= 0 && j < p->n && p->s[j] == ',') {
        j++;
        *max = parse_count(p, &j);
        if (*max < 0)
            *max = REPEAT_INF;
    }
    if (*min < 0 || j >= p->n || p->s[j] != '}')
        return fail(p, open,
                    "expected a repetition count like {2}, {2,} or {2,5} "
                    "(write \\{ for a literal brace)");
    if (*min > REGEX_REPEAT_MAX || *max > REGEX_REPEAT_MAX)
        return fail(p, open, "repetition count over the limit of %d", REGEX_REPEAT_MAX);
    if (*max != REPEAT_INF && *max < *min)
        return fail(p, open, "repetition {%d,%d}: the minimum is larger than the maximum", *min,
                    *max);
    p->i = j + 1;
    return 0;
}

static size_t repeat_size(size_t s, int min, int max)
{
    size_t m = (size_t)min;
    if (max == REPEAT_INF)
        return min == 0 ? s + 2 : m * s + 1;
    return m * s + ((size_t)max - m) * (s + 1);
}

/* The quantifier after atom, if any (with an optional lazy '?'). */
static int parse_quantifier(struct parser *p, int atom)
{
    if (!is_quantifier(p))
        return atom;
    size_t at = p->i;
    int min, max;
    switch (p->s[p->i]) {
    case '*':
        min = 0, max = REPEAT_INF, p->i++;
        break;
    case '+':
        min = 1, max = REPEAT_INF, p->i++;
        break;
    case '?':
        min = 0, max = 1, p->i++;
        break;
    default:
        if (parse_braces(p, &min, &max) < 0)
            return -1;
        break;
    }
    if (p->i < p->n && p->s[p->i] == '?')
        p->i++; /* lazy: a yes/no answer is the same */
    if (is_quantifier(p))
        return fail(p, p->i,
                    "'%c' after a quantifier: stacked or possessive quantifiers (x++, a**) are "
                    "not supported; group instead: (x+)+",
                    p->s[p->i]);
    int k = new_node(p, N_REPEAT, (uint32_t)atom, 0, repeat_size(p->nodes[atom].size, min, max));
    p->nodes[k].min = min;
    p->nodes[k].max = max;
    return check_size(p, k, at);
}

/* Atoms up to '|', the end, or (inside a group) ')'. *flags may change on the way. */
static int parse_concat(struct parser *p, unsigned *flags, int depth)
{
    int left = NO_NODE;
    while (p->i < p->n) {
        unsigned char c = p->s[p->i];
        if (c == '|' || (c == ')' && depth > 0))
            break;
        size_t start = p->i;
        int atom = parse_atom(p, flags, depth);
        if (atom == FLAG_GROUP)
            continue;
        if (atom < 0 || (atom = parse_quantifier(p, atom)) < 0)
            return -1;
        if (left == NO_NODE) {
            left = atom;
            continue;
        }
        left = new_node(p, N_CAT, (uint32_t)left, (uint32_t)atom,
                        p->nodes[left].size + p->nodes[atom].size);
        if (check_size(p, left, start) < 0)
            return -1;
    }
    return left != NO_NODE ? left : new_node(p, N_EMPTY, 0, 0, 0);
}

static int parse_alt(struct parser *p, unsigned flags, int depth)
{
    int left = parse_concat(p, &flags, depth);
    while (left >= 0 && p->i < p->n && p->s[p->i] == '|') {
        size_t bar = p->i++;
        int right = parse_concat(p, &flags, depth);
        if (right < 0)
            return -1;
        left = new_node(p, N_ALT, (uint32_t)left, (uint32_t)right,
                        p->nodes[left].size + p->nodes[right].size + 2);
        left = check_size(p, left, bar);
    }
    return left;
}

/* ---------------------------------------------------------------------------------------------
 * The program
 * ------------------------------------------------------------------------------------------ */

enum op { OP_CHAR, OP_ANY, OP_CLASS, OP_BOL, OP_EOL, OP_SPLIT, OP_JMP, OP_MATCH };

/* CHAR: x is the code point; CLASS: x is the class; SPLIT: go on at x and at y; JMP: at x. */
struct inst {
    uint32_t op, x, y;
};

struct regex {
    struct inst *prog;
    size_t nprog;
    uint32_t *ranges;    /* lo, hi pairs of every class */
    uint32_t *class_off; /* class k: pairs class_off[k] .. class_off[k + 1] */
    uint32_t *scratch;   /* 5 x nprog: dense and sparse of two thread sets, and a stack */
    size_t mem_bytes;
};

struct emitter {
    struct inst *prog;
    size_t n, cap;
    struct inst spill; /* where a write past cap goes (never, as sizes are exact) */
    const struct node *nodes;
};

static struct inst *inst_at(struct emitter *e, size_t k)
{
    return k < e->cap ? &e->prog[k] : &e->spill;
}

static size_t put(struct emitter *e, enum op op, size_t x, size_t y)
{
    size_t k = e->n++;
    *inst_at(e, k) = (struct inst){op, (uint32_t)x, (uint32_t)y};
    return k;
}

static void emit(struct emitter *e, uint32_t k);

/* e{min,max}: min copies, then either a loop or max - min nested optional copies whose SPLITs
 * all lead to the end (chained through y until the end is known). */
static void emit_repeat(struct emitter *e, const struct node *nd)
{
    if (nd->max == REPEAT_INF) {
        if (nd->min == 0) {
            size_t split = put(e, OP_SPLIT, 0, 0);
            emit(e, nd->a);
            put(e, OP_JMP, split, 0);
            *inst_at(e, split) = (struct inst){OP_SPLIT, (uint32_t)split + 1, (uint32_t)e->n};
            return;
        }
        for (int k = 0; k < nd->min - 1; k++)
            emit(e, nd->a);
        size_t top = e->n;
        emit(e, nd->a);
        put(e, OP_SPLIT, top, e->n + 1);
        return;
    }
    for (int k = 0; k < nd->min; k++)
        emit(e, nd->a);
    size_t chain = SIZE_MAX;
    for (int k = nd->min; k < nd->max; k++) {
        size_t split = put(e, OP_SPLIT, e->n + 1, chain);
        chain = split;
        emit(e, nd->a);
    }
    while (chain != SIZE_MAX) {
        struct inst *in = inst_at(e, chain);
        chain = in->y == UINT32_MAX ? SIZE_MAX : in->y;
        in->y = (uint32_t)e->n;
    }
}

static void emit(struct emitter *e, uint32_t k)
{
    const struct node *nd = &e->nodes[k];
    switch (nd->kind) {
    case N_EMPTY:
        break;
    case N_CHAR:
        put(e, OP_CHAR, nd->a, 0);
        break;
    case N_ANY:
        put(e, OP_ANY, 0, 0);
        break;
    case N_CLASS:
        put(e, OP_CLASS, nd->a, 0);
        break;
    case N_BOL:
        put(e, OP_BOL, 0, 0);
        break;
    case N_EOL:
        put(e, OP_EOL, 0, 0);
        break;
    case N_CAT:
        emit(e, nd->a);
        emit(e, nd->b);
        break;
    case N_ALT: {
        size_t split = put(e, OP_SPLIT, 0, 0);
        emit(e, nd->a);
        size_t jmp = put(e, OP_JMP, 0, 0);
        *inst_at(e, split) = (struct inst){OP_SPLIT, (uint32_t)split + 1, (uint32_t)e->n};
        emit(e, nd->b);
        inst_at(e, jmp)->x = (uint32_t)e->n;
        break;
    }
    case N_REPEAT:
        emit_repeat(e, nd);
        break;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Compile
 * ------------------------------------------------------------------------------------------ */

struct regex *regex_compile(const char *pat, size_t len, char *err, size_t err_cap, size_t *err_pos)
{
    struct parser p = {.s = (const unsigned char *)pat, .n = len, .err = err, .err_cap = err_cap};
    struct regex *re = NULL;

    if (err && err_cap)
        err[0] = '\0';
    if (len > REGEX_PATTERN_MAX) {
        fail(&p, REGEX_PATTERN_MAX, "longer than %d bytes (%zu)", REGEX_PATTERN_MAX, len);
        goto out;
    }
    int root = parse_alt(&p, 0, 0);
    if (root < 0)
        goto out;

    size_t nprog = p.nodes[root].size + 1;
    re = xcalloc(1, sizeof *re);
    re->prog = xcalloc(nprog, sizeof *re->prog);
    re->nprog = nprog;
    struct emitter e = {.prog = re->prog, .cap = nprog, .nodes = p.nodes};
    emit(&e, (uint32_t)root);
    put(&e, OP_MATCH, 0, 0);
    if (e.n != nprog) { /* the size arithmetic and the emitter disagree: a bug, refuse */
        fail(&p, 0, "internal error: program size %zu, expected %zu", e.n, nprog);
        regex_free(re);
        re = NULL;
        goto out;
    }
    size_t nranges = p.ranges.n, nclass = p.nclass;
    re->ranges = xmalloc((nranges ? nranges : 1) * 2 * sizeof *re->ranges);
    if (nranges)
        memcpy(re->ranges, p.ranges.r, nranges * 2 * sizeof *re->ranges);
    re->class_off = xmalloc((nclass + 1) * sizeof *re->class_off);
    if (nclass)
        memcpy(re->class_off, p.class_off, (nclass + 1) * sizeof *re->class_off);
    else
        re->class_off[0] = 0;
    re->scratch = xcalloc(5 * nprog, sizeof *re->scratch);
    re->mem_bytes = sizeof *re + nprog * sizeof *re->prog +
                    (nranges ? nranges : 1) * 2 * sizeof *re->ranges +
                    (nclass + 1) * sizeof *re->class_off + 5 * nprog * sizeof *re->scratch;
out:
    if (!re && err_pos)
        *err_pos = p.err_pos;
    free(p.nodes);
    free(p.ranges.r);
    free(p.class_off);
    free(p.tmp.r);
    return re;
}

void regex_free(struct regex *re)
{
    if (!re)
        return;
    free(re->prog);
    free(re->ranges);
    free(re->class_off);
    free(re->scratch);
    free(re);
}

size_t regex_program_size(const struct regex *re)
{
    return re->nprog;
}

size_t regex_memory_size(const struct regex *re)
{
    return re->mem_bytes;
}

uint64_t regex_step_bound(const struct regex *re, size_t len)
{
    return ((uint64_t)len + 1) * re->nprog;
}

/* ---------------------------------------------------------------------------------------------
 * The Pike VM
 * ------------------------------------------------------------------------------------------ */

/* A set of program counters: membership in O(1), no clearing cost (sparse-set trick). */
struct tset {
    uint32_t *dense, *sparse;
    size_t n;
};

static bool tset_has(const struct tset *t, uint32_t pc)
{
    uint32_t k = t->sparse[pc];
    return k < t->n && t->dense[k] == pc;
}

static void tset_add(struct tset *t, uint32_t pc)
{
    t->sparse[pc] = (uint32_t)t->n;
    t->dense[t->n++] = pc;
}

static bool class_has(const struct regex *re, uint32_t k, uint32_t c)
{
    size_t lo = re->class_off[k], hi = re->class_off[k + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < re->ranges[2 * mid])
            hi = mid;
        else if (c > re->ranges[2 * mid + 1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Adds pc and everything reachable from it without consuming a character to t. Each
 * instruction enters t at most once, and each entry is one step. */
static void add_thread(const struct regex *re, struct tset *t, uint32_t *stack, uint32_t pc,
                       bool at_start, bool at_end, uint64_t *steps)
{
    size_t top = 0;
    if (tset_has(t, pc))
        return;
    tset_add(t, pc);
    (*steps)++;
    stack[top++] = pc;
    while (top > 0) {
        const struct inst *in = &re->prog[stack[--top]];
        uint32_t next[2];
        int nn = 0;
        uint32_t here = (uint32_t)(in - re->prog);
        switch (in->op) {
        case OP_JMP:
            next[nn++] = in->x;
            break;
        case OP_SPLIT:
            next[nn++] = in->x;
            next[nn++] = in->y;
            break;
        case OP_BOL:
            if (at_start)
                next[nn++] = here + 1;
            break;
        case OP_EOL:
            if (at_end)
                next[nn++] = here + 1;
            break;
        default:
            break;
        }
        for (int k = 0; k < nn; k++)
            if (!tset_has(t, next[k])) {
                tset_add(t, next[k]);
                (*steps)++;
                stack[top++] = next[k];
            }
    }
}

bool regex_full_match_steps(const struct regex *re, const char *s, size_t len, uint64_t *steps)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t *w = re->scratch;
    size_t np = re->nprog, i = 0;
    struct tset cur = {w, w + np, 0}, next = {w + 2 * np, w + 3 * np, 0};
    uint32_t *stack = w + 4 * np;
    uint64_t n_steps = 0;

    add_thread(re, &cur, stack, 0, true, len == 0, &n_steps);
    while (i < len && cur.n > 0) {
        uint32_t c = next_cp(u, len, &i);
        bool at_end = i == len;
        next.n = 0;
        for (size_t k = 0; k < cur.n; k++) {
            uint32_t pc = cur.dense[k];
            const struct inst *in = &re->prog[pc];
            bool ok = (in->op == OP_CHAR && in->x == c) || in->op == OP_ANY ||
                      (in->op == OP_CLASS && class_has(re, in->x, c));
            if (ok)
                add_thread(re, &next, stack, pc + 1, false, at_end, &n_steps);
        }
        struct tset t = cur;
        cur = next;
        next = t;
    }
    if (steps)
        *steps += n_steps;
    return i == len && tset_has(&cur, (uint32_t)(np - 1));
}

bool regex_full_match(const struct regex *re, const char *s, size_t len)
{
    return regex_full_match_steps(re, s, len, NULL);
}
