/* reply_same.h — deep equality of two hiredis reply trees, for the tests and the fuzz target of
 * app/redis/rconn_arena (shared so both check the same thing). */
#ifndef WR_TESTS_REPLY_SAME_H
#define WR_TESTS_REPLY_SAME_H

#include <string.h>

#include <hiredis/hiredis.h>

/* 1 when a and b have the same type and content all the way down (strings also NUL-ended). */
static inline int reply_same(const redisReply *a, const redisReply *b)
{
    if (a == NULL || b == NULL)
        return a == b;
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case REDIS_REPLY_INTEGER:
        return a->integer == b->integer;
    case REDIS_REPLY_NIL:
        return 1;
    case REDIS_REPLY_ARRAY:
        if (a->elements != b->elements)
            return 0;
        for (size_t i = 0; i < a->elements; i++)
            if (!reply_same(a->element[i], b->element[i]))
                return 0;
        return 1;
    default: /* STRING, STATUS, ERROR */
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0 && a->str[a->len] == '\0';
    }
}

#endif
