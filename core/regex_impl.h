/* regex_impl.h — the regex engine's private types and the functions its three files share:
 * core/regexclass.c (characters, classes as range lists, [:name:] tables), core/regexparse.c
 * (pattern -> tree) and core/regex.c (tree -> program, the Pike VM, the API of regex.h). Not
 * for use outside those files and their tests. */
#ifndef WR_REGEX_IMPL_H
#define WR_REGEX_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/regex.h"

#define REPEAT_INF (-1) /* the max of a repetition with no upper bound */

/* ---------------------------------------------------------------------------------------------
 * Characters and classes (core/regexclass.c)
 * ------------------------------------------------------------------------------------------ */

/* A list of inclusive ranges of characters; a class once normalized (sorted, disjoint). */
struct regexclass {
    uint32_t *r; /* lo, hi pairs */
    size_t n;    /* pairs */
    size_t cap;  /* pairs */
};

/* The character at s[*i] (*i < n), *i moved past it: a well-formed UTF-8 sequence gives its
 * code point; any other byte b gives 0x110000 + b and is one byte long. */
uint32_t regexclass_next_cp(const unsigned char *s, size_t n, size_t *i);

/* Appends the range lo..hi to b (growing it; aborts only when out of memory). */
void regexclass_add(struct regexclass *b, uint32_t lo, uint32_t hi);

/* Sorts the ranges and merges those that overlap or touch. */
void regexclass_normalize(struct regexclass *b);

/* Adds the other case of every ASCII letter in b (normalized after). */
void regexclass_fold(struct regexclass *b);

/* Appends the complement (within all characters) of the n sorted, disjoint pairs r to b. */
void regexclass_add_complement(struct regexclass *b, const uint32_t *r, size_t n);

/* Appends the ranges of the POSIX class named by the len bytes of name ("alpha", ... see
 * regex.h), or their complement when negate, to b. -1 (b unchanged) for an unknown name. */
int regexclass_add_named(struct regexclass *b, const char *name, size_t len, bool negate);

/* ---------------------------------------------------------------------------------------------
 * The tree (core/regexparse.c), each node knowing the size of its program
 * ------------------------------------------------------------------------------------------ */

enum regexparse_kind { N_EMPTY, N_CHAR, N_ANY, N_CLASS, N_BOL, N_EOL, N_CAT, N_ALT, N_REPEAT };

struct regexparse_node {
    enum regexparse_kind kind;
    uint32_t a, b; /* CHAR: code point; CLASS: class index; CAT, ALT: the parts; REPEAT: a */
    int min, max;  /* REPEAT: max is REPEAT_INF for no bound */
    size_t size;   /* instructions it compiles to, saturated at REGEX_PROGRAM_MAX + 1 */
};

/* A parsed pattern: the nodes (root's program plus a final match fits REGEX_PROGRAM_MAX) and
 * every class's ranges. */
struct regexparse_tree {
    struct regexparse_node *nodes;
    size_t nnodes;
    int root;
    struct regexclass ranges; /* every class's ranges, one class after another */
    uint32_t *class_off;      /* class k: pairs class_off[k] .. class_off[k + 1] of ranges */
    size_t nclass;
};

/* Parses the len bytes of pat into *t (nothing is read past len). 0, or -1 with *t emptied, the
 * reason in err (NUL-terminated, truncated to err_cap; err may be NULL) and the byte offset of
 * the offending construct in *err_pos (may be NULL). Free *t with regexparse_tree_free. */
int regexparse_parse(struct regexparse_tree *t, const char *pat, size_t len, char *err,
                     size_t err_cap, size_t *err_pos);

/* Frees what t holds and empties it. */
void regexparse_tree_free(struct regexparse_tree *t);

#endif
