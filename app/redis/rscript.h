/* rscript.h — a Lua script run by its SHA1 (EVALSHA), so its body crosses the wire once per
 * server script cache instead of with every call. A server that lacks it (after SCRIPT FLUSH, a
 * restart, a Sentinel failover, or a cluster master that never ran it) answers NOSCRIPT and the
 * caller sends the same call once as EVAL, which loads it there again. */
#ifndef WR_RSCRIPT_H
#define WR_RSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "app/redis/csync.h"

#define RSCRIPT_ARGC_MAX 32 /* arguments of one call, EVAL and script included */
#define RSCRIPT_SHA_LEN 40   /* a SHA1 in hex */

struct rscript {
    const char *src; /* borrowed: must outlive the rscript (scripts are static strings) */
    size_t len;
    char sha[RSCRIPT_SHA_LEN + 1]; /* what Redis names it: SHA1 of the body, lower-case hex */
};

/* Names src (SHA1 computed once here). */
void rscript_init(struct rscript *s, const char *src);

/* Turns an EVAL call (argv[0] "EVAL", argv[1] the body of s, then numkeys, keys, args) into the
 * same EVALSHA call, in place: only argv[0..1] and argvlen[0..1] change (to static strings and
 * s->sha, so argv may be sent as long as s lives). */
void rscript_use_sha(const struct rscript *s, const char **argv, size_t *argvlen);

/* Whether r is Redis' NOSCRIPT error (the script is not in that server's cache). NULL: false. */
bool rscript_is_noscript(const redisReply *r);

/* Runs an EVAL call (argv as for rscript_use_sha, unchanged on return) as EVALSHA, and on
 * NOSCRIPT once more as EVAL, on the node that owns its key. Returns what csync_command_argv
 * returns for the last try. argc <= RSCRIPT_ARGC_MAX, else NULL (nothing sent). */
redisReply *rscript_csync(struct csync *c, const struct rscript *s, int argc, const char **argv,
                          const size_t *argvlen);

#endif
