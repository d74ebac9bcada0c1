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
#include "app/redis/csync.h"
#include "app/redis/redisaddr.h"

/* Resolves the address to use: cfg->redis_url when set, else the local default (127.0.0.1:6379
 * if it answers, else the private server, started when needed; see app/redis/localredis.h).
 * A --redis node that says cluster_enabled:1 (INFO cluster) is marked as a cluster node, so every
 * connection made from the address routes by key slot. Returns a new address, or NULL with a
 * message in err. */
struct redisaddr *rsync_address(const struct config *cfg, char *err, size_t errcap);

/* Connects, authenticates and selects the database, each step bounded by timeout_ms; the
 * connection keeps timeout_ms as its command timeout. Returns the context, or NULL with a
 * message naming the address (never the password) and the cause. */
redisContext *rsync_connect(const struct redisaddr *a, int64_t timeout_ms, char *err,
                            size_t errcap);

/* rsync_connect, then a client that routes by key slot when a is a cluster node (csync.h).
 * Returns it, or NULL with a message in err. */
struct csync *rsync_client(const struct redisaddr *a, int64_t timeout_ms, char *err,
                           size_t errcap);

/* The wire format this warroom speaks (docs/protocol.md): NS:meta's "version". */
#define RSYNC_WIRE_VERSION 2
#define RSYNC_WIRE_VERSION_STR "2"

/* Looks for the version 1 keys of ns (NS:dlq, NS:alerts:log|state|acks|silences|lease: in a
 * namespace without a version in NS:meta they mark it as version 1), one EXISTS per key
 * (routed by slot on a cluster); a cluster node's MOVED/ASK counts as absent (v1 never ran on a cluster). Returns 1
 * and their names, comma-separated, in found; 0 when there is none; -1 on an error (message in
 * err). */
int rsync_v1_probe(struct csync *cs, const char *ns, char *found, size_t foundcap, char *err,
                   size_t errcap);

/* A namespace in wire format version 1 (NS:meta says version 1, or it has v1 keys and no
 * version) is refused by both meta functions below, with a message naming `warroom migrate`.
 *
 * For producers: reads NS:meta and creates it (version 2, partitions) when absent. When the
 * namespace exists with another partition count: if explicit, fails with a message naming both
 * numbers; else adopts the namespace's count into *partitions. Returns 0 or -1 (message in err,
 * saying "writing" when the write was refused, e.g. by a read-only user or a full Redis). */
int rsync_meta_check(struct csync *c, const char *ns, unsigned *partitions, bool explicit,
                     char *err, size_t errcap);

/* For readers (query, worker, the interface without producers): reads NS:meta and never writes,
 * so a read-only user or a Redis at maxmemory can still look. When it is missing (no producer
 * has written to the namespace yet), *found is false and *partitions stays as configured; else
 * as rsync_meta_check. Returns 0 or -1 (message in err). */
int rsync_meta_read(struct csync *c, const char *ns, unsigned *partitions, bool explicit,
                    bool *found, char *err, size_t errcap);

/* The whole start-up of a command that reads: address, connect, meta read (never a write).
 * Returns the client (and the address in *addr_out when not NULL, owned by the caller), or
 * NULL after printing the error to stderr prefixed with errmsg_prefix() ("warroom CMD: "), with the exit code in
 * *exit_code (EXIT_UNREACHABLE, or EXIT_FAILURE_GENERIC when Redis refused the namespace). */
struct csync *rsync_open(struct config *cfg, struct redisaddr **addr_out, int *exit_code);

#endif
