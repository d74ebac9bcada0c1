/* rconn_arena.h — hiredis 0.14 reply objects built into a reusable arena instead of one malloc
 * per element: a redisReader's redisReplyObjectFunctions (createString/Array/Integer/Nil,
 * freeObject) that bump-allocate every redisReply, its string and its element vector from a few
 * large blocks, reclaimed all at once when the reply is freed. An XREAD reply of 8000 entries
 * costs ~100 000 mallocs with hiredis' own functions and none here once the arena has grown to
 * the size of a reply (docs/architecture.md §6).
 *
 * The replies are ordinary redisReply trees: any code that reads a reply works unchanged. Only
 * their release differs: a root reply (what redisReaderGetReply returned) must be released with
 * the reader's fn->freeObject (hiredis' async context does that after each callback), never with
 * freeReplyObject, and never a reply nested in another.
 *
 * Lifetime: every reply lives until it is freed; the arena reuses its memory only once every root
 * reply built in it has been freed (normally one at a time). The owner ends its part with
 * rconn_arena_release(); the arena then frees itself as soon as no reply lives in it, which may be
 * later, from hiredis' redisReaderFree of a partly read reply. So a reader must never build new
 * replies after its arena was released: release it only when its context is being freed. */
#ifndef WR_RCONN_ARENA_H
#define WR_RCONN_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/read.h>

/* Arrays longer than this are refused (hiredis then reports "Out of memory" and the connection
 * fails) rather than reserving gigabytes for a hostile "*2000000000" header. */
#define RCONN_ARENA_MAX_ELEMENTS (1u << 26)
/* The arena keeps one block across replies, at most this large; a larger one is freed. */
#define RCONN_ARENA_KEEP_MAX ((size_t)64 << 20)
#define RCONN_ARENA_FIRST_BLOCK ((size_t)4 << 10)

struct rconn_arena;

struct rconn_arena_stats {
    uint64_t blocks_made; /* blocks allocated so far (the arena's only mallocs) */
    uint64_t replies;     /* root replies built */
    size_t kept;          /* bytes held in blocks (after a reset: the one kept) */
    unsigned live;        /* root replies not yet freed */
};

/* A new, empty arena (no block until the first reply). Never NULL (allocation aborts). */
struct rconn_arena *rconn_arena_new(void);

/* Makes reader r build its replies in a: sets r->fn and r->privdata. Call it before the reader
 * builds anything (right after the context is created). */
void rconn_arena_attach(struct rconn_arena *a, redisReader *r);

/* The owner's end: a frees itself now if no reply lives in it, else when the last is freed.
 * NULL is a no-op. */
void rconn_arena_release(struct rconn_arena *a);

/* The arena a reader builds into (its privdata), or NULL when r has hiredis' own functions. */
struct rconn_arena *rconn_arena_of(const redisReader *r);

void rconn_arena_get_stats(const struct rconn_arena *a, struct rconn_arena_stats *out);

#endif
