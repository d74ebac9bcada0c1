/* sentinel.h — a Redis master found through Sentinel (redis+sentinel:// URLs) and the ROLE
 * check that keeps warroom from writing to a node that is not a master. One sentinel object is
 * shared, reference counted, by every connection made from one address: it asks the sentinels
 * in turn for the master, follows +switch-master on the libev loop, and tells its listeners
 * (the rconns) to move at once. Sentinels are asked without AUTH: the URL's user and password
 * are for the data nodes. */
#ifndef WR_SENTINEL_H
#define WR_SENTINEL_H

#include <ev.h>
#include <hiredis/hiredis.h>
#include <stdint.h>
#include <stdio.h>

#include "core/redisurl.h"

#define SENTINEL_REFRESH_MIN_MS 500 /* at most one async re-ask per this */

struct sentinel;

/* Resolves the sentinels' host names (blocking: call it before the loop runs) and asks them
 * for the master of u->master (sentinel_resolve). u must be a REDISURL_SENTINEL URL; it is
 * copied. Returns a new object holding one reference, or NULL with a reason in err. */
struct sentinel *sentinel_new(const struct redisurl *u, int64_t timeout_ms, char *err,
                              size_t errcap);

/* Takes one more reference; returns s. */
struct sentinel *sentinel_ref(struct sentinel *s);

/* Drops one reference; the last one closes the sentinel connections and frees s. NULL: no-op. */
void sentinel_unref(struct sentinel *s);

/* Asks the sentinels in turn, each bounded by timeout_ms, for the master's address, and copies
 * it to ip (at least 46 bytes) and *port. A new address is taken as the current master (a
 * change is a failover followed: logged, listeners told). Blocks: for sync commands and start.
 * Returns 0, or -1 with err naming what each sentinel said. */
int sentinel_resolve(struct sentinel *s, int64_t timeout_ms, char *ip, int *port, char *err,
                     size_t errcap);

/* The master as last known: numeric ip (46 bytes) and port. */
void sentinel_master(const struct sentinel *s, char *ip, int *port);

/* "MASTER at ip:port", plus ", failover followed HH:MM:SS" (local time) once one was. */
void sentinel_describe(const struct sentinel *s, char *buf, size_t cap);

/* Wall time (ms) the last failover was followed; 0: none yet. */
int64_t sentinel_failover_ms(const struct sentinel *s);

/* Where "warroom: sentinel: ..." lines go (a followed failover, a sentinel lost); NULL: nowhere.
 * Default stderr; the interface sets NULL and shows sentinel_describe on its status line. */
void sentinel_set_log(struct sentinel *s, FILE *log);

/* ---- on the libev loop ---- */

/* Called when the master's address changed. */
typedef void sentinel_moved_fn(void *privdata);

/* Starts following +switch-master on loop (a pub/sub connection to one sentinel, the next one
 * when it fails). Idempotent; every later call must pass the same loop. */
void sentinel_attach(struct sentinel *s, struct ev_loop *loop);

/* Adds or removes a listener (fn, privdata). A listener may not unlisten from its callback. */
void sentinel_listen(struct sentinel *s, sentinel_moved_fn *fn, void *privdata);
void sentinel_unlisten(struct sentinel *s, sentinel_moved_fn *fn, void *privdata);

/* A connection found the master unreachable or not a master: ask the sentinels again, on the
 * loop (at most once per SENTINEL_REFRESH_MIN_MS). A no-op before sentinel_attach. */
void sentinel_suspect(struct sentinel *s);

/* Parses a +switch-master message, "<name> <old-ip> <old-port> <new-ip> <new-port>" (hostile:
 * any bytes, len of them). Returns 0 with the new address in ip (a numeric IPv4 or IPv6
 * address, at most 45 characters) and *port (1..65535) when it is about master; 1 when it is
 * well formed but about another master; -1 when malformed or the new host is not an address. */
int sentinel_parse_switch(const char *payload, size_t len, const char *master, char *ip, int *port);

/* ---- ROLE ---- */

enum sentinel_role {
    SENTINEL_ROLE_MASTER,
    SENTINEL_ROLE_NOT_MASTER, /* a replica, or a sentinel */
    SENTINEL_ROLE_UNKNOWN,    /* ROLE refused (an ACL user without it) or an odd reply */
};

/* Classifies a ROLE reply (NULL: unknown). what gets the role Redis named ("slave") or the
 * error (at most cap bytes, sanitized). */
enum sentinel_role sentinel_role_of(const redisReply *r, char *what, size_t cap);

/* Sends ROLE on a sync connection. Returns 0 for a master, or when the role cannot be read
 * (ROLE refused by an ACL: the server's READONLY then still guards replicas); -1 with a message
 * naming node when it is not a master or the connection failed. */
int sentinel_role_check(redisContext *c, const char *node, char *err, size_t errcap);

#endif
