/* regexclass.c — characters and classes of the regex engine (core/regex_impl.h): UTF-8
 * decoding with a character of its own for each stray byte, classes as sorted lists of ranges
 * (merge, ASCII case folding, complement) and the POSIX [:name:] tables. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/regex_impl.h"

#define CP_BYTE 0x110000u         /* CP_BYTE + b: byte b, not part of well-formed UTF-8 */
#define CP_LAST (CP_BYTE + 0xFFu) /* the largest character */

/* ---------------------------------------------------------------------------------------------
 * Characters
 * ------------------------------------------------------------------------------------------ */

/* The character at s[*i] (*i < n), *i moved past it: a well-formed UTF-8 sequence gives its
 * code point; any other byte b gives CP_BYTE + b and is one byte long. */
uint32_t regexclass_next_cp(const unsigned char *s, size_t n, size_t *i)
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

/* ---------------------------------------------------------------------------------------------
 * Classes: sorted, disjoint, inclusive ranges of characters
 * ------------------------------------------------------------------------------------------ */

void regexclass_add(struct regexclass *b, uint32_t lo, uint32_t hi)
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
void regexclass_normalize(struct regexclass *b)
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
void regexclass_fold(struct regexclass *b)
{
    size_t n = b->n;
    for (size_t k = 0; k < n; k++) {
        uint32_t lo = b->r[2 * k], hi = b->r[2 * k + 1];
        uint32_t l = lo > 'a' ? lo : 'a', h = hi < 'z' ? hi : 'z';
        if (l <= h)
            regexclass_add(b, l - 32, h - 32);
        l = lo > 'A' ? lo : 'A', h = hi < 'Z' ? hi : 'Z';
        if (l <= h)
            regexclass_add(b, l + 32, h + 32);
    }
    regexclass_normalize(b);
}

/* Appends the complement (within 0..CP_LAST) of the n sorted, disjoint pairs r to b. */
void regexclass_add_complement(struct regexclass *b, const uint32_t *r, size_t n)
{
    uint32_t next = 0;
    bool done = false;
    for (size_t k = 0; k < n; k++) {
        if (r[2 * k] > next)
            regexclass_add(b, next, r[2 * k] - 1);
        if (r[2 * k + 1] >= CP_LAST) {
            done = true;
            break;
        }
        next = r[2 * k + 1] + 1;
    }
    if (!done)
        regexclass_add(b, next, CP_LAST);
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

int regexclass_add_named(struct regexclass *b, const char *name, size_t len, bool negate)
{
    const struct named_class *nc = named_find(name, len);
    uint32_t r[8];

    if (!nc)
        return -1;
    for (size_t k = 0; k < 2u * nc->n; k++)
        r[k] = nc->r[k];
    if (negate)
        regexclass_add_complement(b, r, nc->n);
    else
        for (size_t k = 0; k < nc->n; k++)
            regexclass_add(b, r[2 * k], r[2 * k + 1]);
    return 0;
}
