/* slotmap.h — Redis Cluster routing facts, pure: which master owns each hash slot, where a
 * command's key sits among its arguments, and what the cluster error replies (MOVED, ASK,
 * TRYAGAIN, CLUSTERDOWN, CROSSSLOT) and `INFO cluster` say. The connections live in app/redis
 * (csync: synchronous, rroute: on rconn); slots of keys come from core/partition. */
#ifndef WR_SLOTMAP_H
#define WR_SLOTMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core/partition.h"

#define SLOTMAP_NODES_MAX 64 /* masters a map can name; a bigger cluster is refused */
#define SLOTMAP_HOST_MAX 64  /* a node's host as Redis names it, with its NUL */

struct slotmap_node {
    char host[SLOTMAP_HOST_MAX]; /* numeric address or name, as CLUSTER SLOTS / MOVED give it */
    int port;
};

/* Slot -> master. Nodes are only ever added, so an index stays valid for the map's life. */
struct slotmap {
    int16_t owner[PARTITION_SLOTS]; /* node index, -1: unknown */
    unsigned nnodes;
    struct slotmap_node nodes[SLOTMAP_NODES_MAX];
};

/* Empties m: no node, every slot unknown. */
void slotmap_init(struct slotmap *m);

/* Forgets every slot's owner (the nodes stay, so their indexes keep their meaning). */
void slotmap_clear_owners(struct slotmap *m);

/* The index of node host:port (host of hlen bytes), added when new. Returns -1 when host is
 * empty, too long or holds a control character or space, the port is outside 1..65535, or the
 * map is full. */
int slotmap_node(struct slotmap *m, const char *host, size_t hlen, long port);

/* Gives slots start..end (inclusive) to node. Returns 0, or -1 (m unchanged) when the range is
 * outside 0..16383, reversed, or node is not an index of m. */
int slotmap_assign(struct slotmap *m, long start, long end, int node);

/* The owner of slot (node index), or -1 when unknown or slot >= 16384. */
int slotmap_owner(const struct slotmap *m, unsigned slot);

/* Slots with a known owner. */
unsigned slotmap_covered(const struct slotmap *m);

enum slotmap_reply {
    SLOTMAP_REPLY_OTHER = 0,   /* not a cluster error: the caller's business */
    SLOTMAP_REPLY_MOVED,       /* the slot lives elsewhere for good: update, resend there */
    SLOTMAP_REPLY_ASK,         /* the slot is migrating: ASKING + resend on the target, once */
    SLOTMAP_REPLY_TRYAGAIN,    /* a multi-key command during a migration: retry after a pause */
    SLOTMAP_REPLY_CLUSTERDOWN, /* the cluster cannot serve: retry after a pause */
    SLOTMAP_REPLY_CROSSSLOT,   /* keys of several slots in one command: a bug, never retried */
};

struct slotmap_redirect {
    enum slotmap_reply kind;
    unsigned slot;               /* MOVED/ASK */
    char host[SLOTMAP_HOST_MAX]; /* MOVED/ASK: "" when Redis left it out (the same host) */
    long port;
};

/* Classifies an error reply's text (err, len bytes, no NUL needed) into *out. MOVED and ASK
 * must read "MOVED <slot> <host>:<port>" (the host may be empty, IPv6 is split at the last ':');
 * a malformed one is SLOTMAP_REPLY_OTHER. Returns out->kind. */
enum slotmap_reply slotmap_reply_parse(const char *err, size_t len, struct slotmap_redirect *out);

/* "moved", "ask", ... for messages; "" for SLOTMAP_REPLY_OTHER. */
const char *slotmap_reply_name(enum slotmap_reply kind);

/* From `INFO cluster` text: 1 when it says cluster_enabled:1, 0 when cluster_enabled:0, -1 when
 * the field is missing. */
int slotmap_info_cluster_enabled(const char *info, size_t len);

/* Which argument of a command (argv[0] is its name) decides where it runs: the index of its
 * first key, or -1 when it names no key and may run on any node (PING, INFO, PUBLISH, SCRIPT,
 * CLUSTER, EVAL with 0 keys, ...). XREAD/XREADGROUP: the first key after STREAMS; EVAL/EVALSHA/
 * FCALL: the first key after numkeys; XINFO/XGROUP/OBJECT/MEMORY: argv[2]; anything else:
 * argv[1]. lens NULL means NUL-terminated arguments. */
int slotmap_key_arg(int argc, const char *const *argv, const size_t *lens);

#endif
