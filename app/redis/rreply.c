/* rreply.c — capped heap reply objects for synchronous connections (contract in rreply.h). */
#include "app/redis/rreply.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/redis/rconn_arena.h"

/* A zeroed reply of type, linked into its parent's element vector when it has one. Everything
 * that can fail is allocated before this call, so a reply is never linked and then dropped. */
static redisReply *linked(const redisReadTask *task, redisReply *r, int type)
{
    *r = (redisReply){.type = type};
    if (task->parent) {
        redisReply *parent = task->parent->obj;
        assert(parent->type == REDIS_REPLY_ARRAY && (size_t)task->idx < parent->elements);
        parent->element[task->idx] = r;
    }
    return r;
}

static void *heap_string(const redisReadTask *task, char *str, size_t len)
{
    if (len > SIZE_MAX - 1)
        return NULL;
    char *copy = malloc(len + 1);
    redisReply *r = malloc(sizeof(*r));
    if (copy == NULL || r == NULL) {
        free(copy);
        free(r);
        return NULL;
    }
    memcpy(copy, str, len);
    copy[len] = '\0';
    linked(task, r, task->type);
    r->str = copy;
    r->len = len;
    return r;
}

/* The size of the last array this thread refused (0: none since the last successful one). */
static _Thread_local long long refused;

static void *heap_array(const redisReadTask *task, int elements)
{
    if (elements < 0 || (unsigned)elements > RCONN_ARENA_MAX_ELEMENTS) {
        refused = elements;
        return NULL;
    }
    refused = 0;
    /* zeroed: a reply cut short is freed by freeReplyObject, which skips the NULL slots */
    redisReply **slots = elements > 0 ? calloc((size_t)elements, sizeof(*slots)) : NULL;
    redisReply *r = malloc(sizeof(*r));
    if ((elements > 0 && slots == NULL) || r == NULL) {
        free(slots);
        free(r);
        return NULL;
    }
    linked(task, r, REDIS_REPLY_ARRAY);
    r->element = slots;
    r->elements = (size_t)elements;
    return r;
}

static void *heap_integer(const redisReadTask *task, long long value)
{
    redisReply *r = malloc(sizeof(*r));
    if (r == NULL)
        return NULL;
    linked(task, r, REDIS_REPLY_INTEGER)->integer = value;
    return r;
}

static void *heap_nil(const redisReadTask *task)
{
    redisReply *r = malloc(sizeof(*r));
    return r ? linked(task, r, REDIS_REPLY_NIL) : NULL;
}

static redisReplyObjectFunctions capped_functions = {
    .createString = heap_string,
    .createArray = heap_array,
    .createInteger = heap_integer,
    .createNil = heap_nil,
    .freeObject = freeReplyObject,
};

void rreply_cap_reader(redisReader *r)
{
    r->fn = &capped_functions;
}

void rreply_cap(redisContext *c)
{
    rreply_cap_reader(c->reader);
}

const char *rreply_errstr(const redisContext *c)
{
    static _Thread_local char text[128];
    if (c->err != REDIS_ERR_OOM || refused == 0)
        return c->errstr;
    snprintf(text, sizeof(text), "reply refused: an array of %lld elements (over the limit of %u)",
             refused, (unsigned)RCONN_ARENA_MAX_ELEMENTS);
    return text;
}
