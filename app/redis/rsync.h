/* rsync.h — synchronous Redis connections for short-lived commands (send, ingest, query,
 * server checks): connect with a timeout, AUTH, SELECT, and the namespace's wr:meta check.
 * The long-running reader uses app/rconn (async, on the libev loop) instead. */
#ifndef WR_RSYNC_H
#define WR_RSYNC_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/config.h"
#include "app/redis/redisaddr.h"

/* Resolves the address to use: cfg->redis_url when set, else the local default (127.0.0.1:6379
 * if it answers, else the private server, started when needed; see app/redis/localredis.h).
 * Returns a new address, or NULL with a message in err. */
struct redisaddr *rsync_address(const struct config *cfg, char *err, size_t errcap);

/* Connects, authenticates and selects the database, each step bounded by timeout_ms; the
 * connection keeps timeout_ms as its command timeout. Returns the context, or NULL with a
 * message naming the address (never the password) and the cause. */
redisContext *rsync_connect(const struct redisaddr *a, int64_t timeout_ms, char *err,
                            size_t errcap);

/* For producers: reads NS:meta and creates it (version 1, partitions) when absent. When the
 * namespace exists with another partition count: if explicit, fails with a message naming both
 * numbers; else adopts the namespace's count into *partitions. Returns 0 or -1 (message in err,
 * saying "writing" when the write was refused, e.g. by a read-only user or a full Redis). */
int rsync_meta_check(redisContext *c, const char *ns, unsigned *partitions, bool explicit,
                     char *err, size_t errcap);

/* For readers (query, worker, the interface without producers): reads NS:meta and never writes,
 * so a read-only user or a Redis at maxmemory can still look. When it is missing (no producer
 * has written to the namespace yet), *found is false and *partitions stays as configured; else
 * as rsync_meta_check. Returns 0 or -1 (message in err). */
int rsync_meta_read(redisContext *c, const char *ns, unsigned *partitions, bool explicit,
                    bool *found, char *err, size_t errcap);

/* The whole start-up of a command that reads: address, connect, meta read (never a write).
 * Returns the context (and the address in *addr_out when not NULL, owned by the caller), or
 * NULL after printing the error to stderr prefixed with errmsg_prefix() ("warroom CMD: "). */
redisContext *rsync_open(struct config *cfg, struct redisaddr **addr_out);

#endif
