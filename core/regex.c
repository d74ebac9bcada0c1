/* regex.c — the bounded regex engine of regex.h: the tree of core/regexparse.c is emitted as a
 * Thompson-NFA program, and a Pike VM runs it over the text one code point at a time with each
 * instruction at most once per position. Characters and classes: core/regexclass.c. */
#include "core/regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/regex_impl.h"

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
    const struct regexparse_node *nodes;
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
static void emit_repeat(struct emitter *e, const struct regexparse_node *nd)
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
    const struct regexparse_node *nd = &e->nodes[k];
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
    struct regexparse_tree tree;
    struct regex *re = NULL;

    if (err && err_cap)
        err[0] = '\0';
    if (regexparse_parse(&tree, pat, len, err, err_cap, err_pos) < 0)
        return NULL;

    size_t nprog = tree.nodes[tree.root].size + 1;
    re = xcalloc(1, sizeof *re);
    re->prog = xcalloc(nprog, sizeof *re->prog);
    re->nprog = nprog;
    struct emitter e = {.prog = re->prog, .cap = nprog, .nodes = tree.nodes};
    emit(&e, (uint32_t)tree.root);
    put(&e, OP_MATCH, 0, 0);
    if (e.n != nprog) { /* the size arithmetic and the emitter disagree: a bug, refuse */
        if (err && err_cap)
            snprintf(err, err_cap, "internal error: program size %zu, expected %zu", e.n, nprog);
        if (err_pos)
            *err_pos = 0;
        regex_free(re);
        re = NULL;
        goto out;
    }
    size_t nranges = tree.ranges.n, nclass = tree.nclass;
    re->ranges = xmalloc((nranges ? nranges : 1) * 2 * sizeof *re->ranges);
    if (nranges)
        memcpy(re->ranges, tree.ranges.r, nranges * 2 * sizeof *re->ranges);
    re->class_off = xmalloc((nclass + 1) * sizeof *re->class_off);
    if (nclass)
        memcpy(re->class_off, tree.class_off, (nclass + 1) * sizeof *re->class_off);
    else
        re->class_off[0] = 0;
    re->scratch = xcalloc(5 * nprog, sizeof *re->scratch);
    re->mem_bytes = sizeof *re + nprog * sizeof *re->prog +
                    (nranges ? nranges : 1) * 2 * sizeof *re->ranges +
                    (nclass + 1) * sizeof *re->class_off + 5 * nprog * sizeof *re->scratch;
out:
    regexparse_tree_free(&tree);
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
        uint32_t c = regexclass_next_cp(u, len, &i);
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
