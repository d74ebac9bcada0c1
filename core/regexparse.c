/* regexparse.c — the regex engine's parser (core/regex_impl.h): a recursive descent over the
 * pattern that builds a tree whose program size is known before anything is emitted, so a
 * counted repetition cannot blow up; every refusal carries a reason and a byte offset. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errbuf.h"
#include "core/mem.h"
#include "core/regex_impl.h"

#define SIZE_LIMIT (REGEX_PROGRAM_MAX + 1)
#define FLAG_FOLD 1u /* (?i): ASCII letters match either case */
#define NO_NODE (-1)
#define FLAG_GROUP (-2) /* parse_atom: a (?flags) group, which matches nothing */

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
 * The parser: pattern -> tree, each node knowing the size of its program
 * ------------------------------------------------------------------------------------------ */

struct parser {
    const unsigned char *s;
    size_t n, i;
    struct regexparse_node *nodes;
    size_t nnodes, nodes_cap;
    struct regexclass ranges; /* every class's ranges, one class after another */
    uint32_t *class_off;      /* class k: pairs class_off[k] .. class_off[k + 1] of ranges */
    size_t nclass, class_cap;
    struct regexclass tmp; /* the class being parsed */
    char *err;
    size_t err_cap, err_pos;
};

__attribute__((format(printf, 3, 4))) static int fail(struct parser *p, size_t pos, const char *fmt,
                                                      ...)
{
    p->err_pos = pos;
    va_list ap;
    va_start(ap, fmt);
    errbuf_vfail(p->err, p->err_cap, fmt, ap);
    va_end(ap);
    return -1;
}

static size_t saturate(size_t v)
{
    return v > SIZE_LIMIT ? SIZE_LIMIT : v;
}

static int new_node(struct parser *p, enum regexparse_kind kind, uint32_t a, uint32_t b,
                    size_t size)
{
    if (p->nnodes == p->nodes_cap) {
        p->nodes_cap = p->nodes_cap ? p->nodes_cap * 2 : 64;
        p->nodes = xrealloc(p->nodes, p->nodes_cap * sizeof *p->nodes);
    }
    p->nodes[p->nnodes] = (struct regexparse_node){kind, a, b, 0, 0, saturate(size)};
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
static int finish_class(struct parser *p, struct regexclass *b, bool negate, bool fold)
{
    regexclass_normalize(b);
    if (fold)
        regexclass_fold(b);
    if (p->nclass + 1 >= p->class_cap) {
        p->class_cap = p->class_cap ? p->class_cap * 2 : 16;
        p->class_off = xrealloc(p->class_off, p->class_cap * sizeof *p->class_off);
    }
    p->class_off[p->nclass] = (uint32_t)p->ranges.n;
    if (negate)
        regexclass_add_complement(&p->ranges, b->r, b->n);
    else
        for (size_t k = 0; k < b->n; k++)
            regexclass_add(&p->ranges, b->r[2 * k], b->r[2 * k + 1]);
    p->class_off[++p->nclass] = (uint32_t)p->ranges.n;
    b->n = 0;
    return new_node(p, N_CLASS, (uint32_t)(p->nclass - 1), 0, 1);
}

static int literal(struct parser *p, uint32_t cp, unsigned flags)
{
    if ((flags & FLAG_FOLD) && (is_upper(cp) || is_lower(cp))) {
        p->tmp.n = 0;
        regexclass_add(&p->tmp, cp, cp);
        return finish_class(p, &p->tmp, false, true);
    }
    return new_node(p, N_CHAR, cp, 0, 1);
}

enum esc_kind { ESC_CHAR, ESC_CLASS };

/* The escape at p->i (the backslash). A literal sets *cp and gives ESC_CHAR; a class escape
 * (\d \w \s \D \W \S) adds its ranges to cls and gives ESC_CLASS, or is refused when cls is
 * NULL (the end of a range). -1 on refusal. */
static int parse_escape(struct parser *p, uint32_t *cp, struct regexclass *cls)
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
        regexclass_add_named(cls, name, strlen(name), is_upper(c));
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
static int class_char(struct parser *p, uint32_t *cp, struct regexclass *cls)
{
    if (p->s[p->i] == '\\')
        return parse_escape(p, cp, cls);
    *cp = regexclass_next_cp(p->s, p->n, &p->i);
    return ESC_CHAR;
}

/* [:name:] or [:^name:] at p->i (the '['), added to cls. */
static int parse_named(struct parser *p, struct regexclass *cls)
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
    if (regexclass_add_named(cls, (const char *)p->s + name, j - name, negate) < 0)
        /* the name is echoed up to 16 bytes: a reason is never cut */
        return fail(p, at, "unknown class name '[:%.*s%s:]'", (int)(j - name > 16 ? 16 : j - name),
                    (const char *)p->s + name, j - name > 16 ? "..." : "");
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
            regexclass_add(&p->tmp, lo, lo);
            continue;
        }
        p->i++; /* the '-' */
        if (class_char(p, &hi, NULL) < 0)
            return -1;
        if (hi < lo)
            return fail(p, item, "range out of order: '%.*s'", (int)(p->i - item),
                        (const char *)p->s + item);
        regexclass_add(&p->tmp, lo, hi);
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
        return literal(p, regexclass_next_cp(p->s, p->n, &p->i), *flags);
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
 * The entry point
 * ------------------------------------------------------------------------------------------ */

int regexparse_parse(struct regexparse_tree *t, const char *pat, size_t len, char *err,
                     size_t err_cap, size_t *err_pos)
{
    struct parser p = {.s = (const unsigned char *)pat, .n = len, .err = err, .err_cap = err_cap};
    int root = -1;

    if (len > REGEX_PATTERN_MAX)
        fail(&p, REGEX_PATTERN_MAX, "longer than %d bytes (%zu)", REGEX_PATTERN_MAX, len);
    else
        root = parse_alt(&p, 0, 0);
    free(p.tmp.r);
    if (root < 0) {
        if (err_pos)
            *err_pos = p.err_pos;
        free(p.nodes);
        free(p.ranges.r);
        free(p.class_off);
        *t = (struct regexparse_tree){.root = NO_NODE};
        return -1;
    }
    *t = (struct regexparse_tree){.nodes = p.nodes,
                                  .nnodes = p.nnodes,
                                  .root = root,
                                  .ranges = p.ranges,
                                  .class_off = p.class_off,
                                  .nclass = p.nclass};
    return 0;
}

void regexparse_tree_free(struct regexparse_tree *t)
{
    free(t->nodes);
    free(t->ranges.r);
    free(t->class_off);
    *t = (struct regexparse_tree){.root = NO_NODE};
}
