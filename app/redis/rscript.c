/* rscript.c — scripts by SHA1 with the NOSCRIPT fallback (contract in rscript.h). The async
 * callers keep their own order when they fall back (see app/chat/chatoutq.c); this file holds
 * what every caller shares. */
#include "app/redis/rscript.h"

#include <stdint.h>
#include <string.h>

#include <sha1.h> /* libmd */

void rscript_init(struct rscript *s, const char *src)
{
    s->src = src;
    s->len = strlen(src);
    SHA1Data((const uint8_t *)src, s->len, s->sha); /* lower-case hex, as Redis names it */
}

void rscript_use_sha(const struct rscript *s, const char **argv, size_t *argvlen)
{
    argv[0] = "EVALSHA";
    argvlen[0] = 7;
    argv[1] = s->sha;
    argvlen[1] = RSCRIPT_SHA_LEN;
}

bool rscript_is_noscript(const redisReply *r)
{
    return r && r->type == REDIS_REPLY_ERROR && r->str && strncmp(r->str, "NOSCRIPT", 8) == 0;
}

redisReply *rscript_csync(struct csync *c, const struct rscript *s, int argc, const char **argv,
                          const size_t *argvlen)
{
    if (argc < 2 || argc > RSCRIPT_ARGC_MAX)
        return NULL;
    const char *v[RSCRIPT_ARGC_MAX];
    size_t n[RSCRIPT_ARGC_MAX];
    memcpy(v, argv, (size_t)argc * sizeof *v);
    memcpy(n, argvlen, (size_t)argc * sizeof *n);
    rscript_use_sha(s, v, n);
    redisReply *r = csync_command_argv(c, argc, v, n);
    if (!rscript_is_noscript(r))
        return r;
    freeReplyObject(r);
    return csync_command_argv(c, argc, argv, argvlen);
}
