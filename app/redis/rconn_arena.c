/* rconn_arena.c — hiredis reply objects bump-allocated from reusable blocks (contract in
 * rconn_arena.h). A root reply is preceded by a pointer to its arena, which is how freeObject,
 * given nothing but the reply, finds the arena to reset. */
#include "app/redis/rconn_arena.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "core/mem.h"

/* Under AddressSanitizer the unused part of every block is poisoned, and a block is poisoned
 * again when the arena is reset: code that keeps a reply past its callback (replies are
 * borrowed) reads poison and fails, as it would read freed memory with hiredis' own functions. */
#if defined(__SANITIZE_ADDRESS__)
#define ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARENA_ASAN 1
#endif
#endif
#ifdef ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define ALIGN _Alignof(redisReply)
#define ROUND(n) (((n) + ALIGN - 1) & ~(size_t)(ALIGN - 1))
#define ROOT_HEADER ROUND(sizeof(struct rconn_arena *))

struct block {
    struct block *next; /* blocks filled earlier, or dedicated ones */
    size_t cap, used;
    _Alignas(redisReply) unsigned char data[];
};

struct rconn_arena {
    struct block *head; /* the block being filled */
    size_t grow;        /* capacity of the next ordinary block */
    bool released;      /* the owner let go: free once no reply lives */
    struct rconn_arena_stats st;
};

static void *create_string(const redisReadTask *task, char *str, size_t len);
static void *create_array(const redisReadTask *task, int elements);
static void *create_integer(const redisReadTask *task, long long value);
static void *create_nil(const redisReadTask *task);
static void free_object(void *reply);

static redisReplyObjectFunctions arena_functions = {
    .createString = create_string,
    .createArray = create_array,
    .createInteger = create_integer,
    .createNil = create_nil,
    .freeObject = free_object,
};

/* ---------------------------------------------------------------------------------------------
 * Blocks
 * ------------------------------------------------------------------------------------------ */

/* n bytes (a multiple of ALIGN) from the arena, or NULL when malloc fails. A request larger
 * than the next ordinary block gets a block of its own, linked behind the current one so that
 * the current one keeps filling. */
static void *arena_alloc(struct rconn_arena *a, size_t n)
{
    struct block *b = a->head;
    if (b && b->cap - b->used >= n) {
        void *p = b->data + b->used;
        b->used += n;
        UNPOISON(p, n);
        return p;
    }
    bool dedicated = n > a->grow;
    size_t cap = dedicated ? n : a->grow;
    struct block *nb = malloc(sizeof(*nb) + cap);
    if (nb == NULL)
        return NULL;
    nb->cap = cap;
    nb->used = n;
    POISON(nb->data + n, cap - n);
    a->st.blocks_made++;
    if (dedicated && b) {
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        a->head = nb;
        if (!dedicated)
            a->grow = a->grow * 2 <= RCONN_ARENA_KEEP_MAX ? a->grow * 2 : RCONN_ARENA_KEEP_MAX;
    }
    return nb->data;
}

/* No reply lives: keep the largest block (at most RCONN_ARENA_KEEP_MAX) for the next one, free
 * the others. Replies of a steady size settle in one block after two or three rounds. */
static void arena_reset(struct rconn_arena *a)
{
    struct block *keep = NULL;
    for (struct block *b = a->head; b; b = b->next)
        if (b->cap <= RCONN_ARENA_KEEP_MAX && (keep == NULL || b->cap > keep->cap))
            keep = b;
    for (struct block *b = a->head, *next; b; b = next) {
        next = b->next;
        if (b != keep) {
            UNPOISON(b->data, b->cap);
            free(b);
        }
    }
    a->head = keep;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
        POISON(keep->data, keep->cap);
        if (a->grow < keep->cap)
            a->grow = keep->cap;
    }
}

static void arena_destroy(struct rconn_arena *a)
{
    for (struct block *b = a->head, *next; b; b = next) {
        next = b->next;
        UNPOISON(b->data, b->cap);
        free(b);
    }
    free(a);
}

/* ---------------------------------------------------------------------------------------------
 * Reply objects
 * ------------------------------------------------------------------------------------------ */

/* A zeroed redisReply of type with extra bytes after it, linked into its parent; a root gets
 * its arena pointer in front. NULL when the arena cannot grow. */
static redisReply *new_reply(const redisReadTask *task, int type, size_t extra)
{
    struct rconn_arena *a = task->privdata;
    bool root = task->parent == NULL;
    size_t n = (root ? ROOT_HEADER : 0) + sizeof(redisReply) + extra;
    unsigned char *p = arena_alloc(a, ROUND(n));
    if (p == NULL)
        return NULL;
    if (root) {
        memcpy(p, &a, sizeof(a));
        p += ROOT_HEADER;
        a->st.live++;
        a->st.replies++;
    }
    redisReply *r = (redisReply *)p;
    *r = (redisReply){.type = type};
    if (!root) {
        redisReply *parent = task->parent->obj;
        assert(parent->type == REDIS_REPLY_ARRAY && (size_t)task->idx < parent->elements);
        parent->element[task->idx] = r;
    }
    return r;
}

static void *create_string(const redisReadTask *task, char *str, size_t len)
{
    assert(task->type == REDIS_REPLY_ERROR || task->type == REDIS_REPLY_STATUS ||
           task->type == REDIS_REPLY_STRING);
    if (len > SIZE_MAX / 2) /* the reader holds the bytes, so this cannot be: never wrap */
        return NULL;
    redisReply *r = new_reply(task, task->type, len + 1);
    if (r == NULL)
        return NULL;
    r->str = (char *)(r + 1);
    memcpy(r->str, str, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

static void *create_array(const redisReadTask *task, int elements)
{
    if (elements < 0 || (unsigned)elements > RCONN_ARENA_MAX_ELEMENTS)
        return NULL;
    redisReply *r = new_reply(task, REDIS_REPLY_ARRAY, (size_t)elements * sizeof(redisReply *));
    if (r == NULL)
        return NULL;
    r->elements = (size_t)elements;
    /* Every slot is written by its element's create call before the reply is complete; a
     * reply cut short is only ever freed, and freeing does not look at the slots. */
    r->element = elements > 0 ? (redisReply **)(r + 1) : NULL;
    return r;
}

static void *create_integer(const redisReadTask *task, long long value)
{
    redisReply *r = new_reply(task, REDIS_REPLY_INTEGER, 0);
    if (r)
        r->integer = value;
    return r;
}

static void *create_nil(const redisReadTask *task)
{
    return new_reply(task, REDIS_REPLY_NIL, 0);
}

/* hiredis calls it with a root reply only (a whole one after use, or one cut short by an error
 * or by redisReaderFree). */
static void free_object(void *reply)
{
    struct rconn_arena *a;
    memcpy(&a, (unsigned char *)reply - ROOT_HEADER, sizeof(a));
    assert(a->st.live > 0);
    if (--a->st.live > 0)
        return;
    if (a->released)
        arena_destroy(a);
    else
        arena_reset(a);
}

/* ---------------------------------------------------------------------------------------------
 * Public API
 * ------------------------------------------------------------------------------------------ */

struct rconn_arena *rconn_arena_new(void)
{
    struct rconn_arena *a = xcalloc(1, sizeof(*a));
    a->grow = RCONN_ARENA_FIRST_BLOCK;
    return a;
}

void rconn_arena_attach(struct rconn_arena *a, redisReader *r)
{
    r->fn = &arena_functions;
    r->privdata = a;
}

void rconn_arena_release(struct rconn_arena *a)
{
    if (a == NULL)
        return;
    if (a->st.live == 0)
        arena_destroy(a);
    else
        a->released = true;
}

struct rconn_arena *rconn_arena_of(const redisReader *r)
{
    return r->fn == &arena_functions ? r->privdata : NULL;
}

void rconn_arena_get_stats(const struct rconn_arena *a, struct rconn_arena_stats *out)
{
    *out = a->st;
    out->kept = 0;
    for (const struct block *b = a->head; b; b = b->next)
        out->kept += b->cap;
}
