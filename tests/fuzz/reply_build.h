/* reply_build.h — hiredis replies built by hand for the fuzz targets that feed reply readers
 * (fuzz_incident_log.c, fuzz_rollentries.c), shaped as hiredis builds them, so hiredis'
 * freeReplyObject frees them. Static helpers only. */
#ifndef WR_FUZZ_REPLY_BUILD_H
#define WR_FUZZ_REPLY_BUILD_H

#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

/* A reply of a type without contents (integer 0, nil). */
static inline redisReply *reply_of(int type)
{
    redisReply *r = calloc(1, sizeof *r);
    r->type = type;
    return r;
}

static inline redisReply *str_reply(const void *s, size_t len)
{
    redisReply *r = reply_of(REDIS_REPLY_STRING);
    r->str = malloc(len + 1);
    memcpy(r->str, s, len);
    r->str[len] = '\0';
    r->len = len;
    return r;
}

/* An array of n elements, each to be set by the caller. */
static inline redisReply *array_reply(size_t n)
{
    redisReply *r = reply_of(REDIS_REPLY_ARRAY);
    r->elements = n;
    r->element = calloc(n ? n : 1, sizeof *r->element);
    return r;
}

#endif
