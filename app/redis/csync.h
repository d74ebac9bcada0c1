/* csync.h — a synchronous Redis client for short-lived commands that runs the same on a single
 * Redis and on a Redis Cluster: on a cluster it keeps the slot table (CLUSTER SLOTS), one
 * connection per master made when first needed, sends each command to the master of its key's
 * slot and follows MOVED (table updated, resent), ASK (ASKING + resent on the target) and
 * TRYAGAIN/CLUSTERDOWN (resent after a pause). On a single Redis it is a thin shell around one
 * hiredis context. The async side is app/redis/rroute.h. */
#ifndef WR_CSYNC_H
#define WR_CSYNC_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdint.h>

#include "app/redis/redisaddr.h"
#include "core/slotmap.h"

#define CSYNC_REDIRECTS_MAX 16 /* redirects and retries of one command before it gives up */
/* Redirects followed at once; later ones wait 50 ms doubling to 1 s first, because during a
 * migration two nodes can send a command back and forth (the old owner already says MOVED, the
 * new one does not know yet) until both agree. */
#define CSYNC_REDIRECTS_FREE 3

struct csync;

/* Cluster replies seen (and followed) so far. */
struct csync_stats {
    uint64_t moved, ask, tryagain, clusterdown;
    uint64_t refreshes; /* CLUSTER SLOTS loads */
};

/* Takes c, connected to a by rsync_connect (a is copied). When a->cluster, loads the slot table
 * from c. Returns the client, or NULL with a message in err (c is freed then). */
struct csync *csync_new(redisContext *c, const struct redisaddr *a, int64_t timeout_ms, char *err,
                        size_t errcap);

/* Frees cs and every connection it holds. NULL is a no-op. */
void csync_free(struct csync *cs);

bool csync_is_cluster(const struct csync *cs);

/* The connection to the node cs was opened on (borrowed; for keyless commands). */
redisContext *csync_seed(struct csync *cs);

/* Runs a command (hiredis format, or an argument vector) on the node that owns its key (any
 * node for a keyless one), following redirects. Returns the reply (free with freeReplyObject):
 * an error reply when Redis refused it; a cluster error that could not be followed (CROSSSLOT,
 * too many redirects, the cluster down) has its text rewritten to name the node and what to do.
 * Returns NULL when a connection failed (csync_error says why; that connection is dropped and
 * made again by the next command). */
redisReply *csync_command(struct csync *cs, const char *fmt, ...);
redisReply *csync_command_argv(struct csync *cs, int argc, const char **argv,
                               const size_t *argvlen);
/* As csync_command, for a command already formatted by hiredis (cmd, len bytes). */
redisReply *csync_formatted(struct csync *cs, const char *cmd, size_t len);

/* The hash slot of a hiredis-formatted command's key (slotmap_key_arg), or -1 when it names
 * none or does not parse. */
int csync_command_slot(const char *cmd, size_t len);

/* A pipeline on c (from csync_context_for_key) found the connection dead: drops it, and sets
 * csync_error to c's error, so the caller's failure counts as a lost connection. */
void csync_note_lost(struct csync *cs, redisContext *c);

/* A pipeline got error reply r: when it is MOVED, ASK, TRYAGAIN, CLUSTERDOWN or LOADING (it
 * will pass), counts it and sets csync_error, so the caller treats it as a lost connection and
 * tries again. Other errors are left alone. */
void csync_note_transient(struct csync *cs, const redisReply *r);

/* Why the last NULL reply; "" when none. */
const char *csync_error(const struct csync *cs);

/* The connection to the master of key's slot (any node's on a single Redis), made when needed:
 * for a short pipeline on one key (borrowed; a redirect reply is then the caller's to handle).
 * NULL when no master owns the slot or the connection failed (csync_error says why). */
redisContext *csync_context_for_key(struct csync *cs, const char *key, size_t len);

/* Pipelines by node (producers): the node index that owns slot, loading the table when the slot
 * is unknown; -1 when no node owns it. A single Redis is node 0 for every slot. */
int csync_node_of_slot(struct csync *cs, unsigned slot);
/* Number of nodes known (indexes 0..n-1 stay valid for cs's life). */
unsigned csync_nodes(const struct csync *cs);
/* A new address for node i (free with redisaddr_free), or NULL with a reason in err. */
struct redisaddr *csync_node_addr(struct csync *cs, int node, char *err, size_t errcap);
/* "127.0.0.1:30001": node i as Redis names it ("" when out of range). */
const char *csync_node_name(const struct csync *cs, int node, char *buf, size_t cap);

/* Reloads the slot table now (at most once per second; later calls within it do nothing).
 * Returns 0, or -1 with csync_error set. */
int csync_refresh(struct csync *cs);

/* A pipeline saw a cluster reply: count it; MOVED also updates the table (slot -> target). */
void csync_note_redirect(struct csync *cs, const struct slotmap_redirect *r);

const struct csync_stats *csync_stats(const struct csync *cs);

/* Fills m from a CLUSTER SLOTS reply (`[[start, end, [host, port, id], replicas...], ...]`);
 * an empty host means seed_host. Entries that do not parse are skipped. Returns the number of
 * ranges taken, or -1 when r is not an array. Exposed for app/redis/rroute.c and the fuzz
 * target. */
int csync_slots_load(struct slotmap *m, const redisReply *r, const char *seed_host);

/* Rewrites a cluster error reply that reaches a user so it says what is wrong and what to do,
 * naming node (e.g. "CROSSSLOT ... (node 127.0.0.1:30001): a command or script names keys of
 * several hash slots, ..."). routed: the command went through cluster routing (else a MOVED
 * means warroom did not know the node is part of a cluster). Other replies are left alone. */
void csync_explain(redisReply *r, const char *node, bool routed);

#endif
