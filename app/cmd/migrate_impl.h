/* migrate_impl.h — shared by the two files of `warroom migrate`: cmd_migrate.c (the command,
 * alert keys, markers, meta, cluster-redirected commands) and migrate_dlq.c (dead letters). */
#ifndef WR_MIGRATE_IMPL_H
#define WR_MIGRATE_IMPL_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/redis/redisaddr.h"

#define MIGRATE_NODES 16    /* connections to other Redis Cluster nodes */
#define MIGRATE_REDIRECTS 5 /* MOVED/ASK followed per command */

/* Another Redis Cluster node, reached after a MOVED or ASK. */
struct mig_node {
    char hostport[64];
    redisContext *c;
};

struct mig {
    redisContext *c;              /* the node given by --redis */
    const struct redisaddr *addr; /* its address: user, password, timeout for other nodes */
    int64_t timeout_ms;
    struct mig_node nodes[MIGRATE_NODES];
    int nnodes;
    const char *ns;
    unsigned partitions;
    bool dry;
    unsigned moved; /* keys and entries moved or deleted (or that would be) */
};

/* Sends one single-key command on m->c, following Redis Cluster's MOVED (to the node that owns
 * the key) and ASK (ASKING first) redirects. Returns the reply (an error reply included) and the
 * connection that gave it in *on, or NULL when a connection failed (message printed). */
redisReply *migrate_send(struct mig *m, int argc, const char **argv, const size_t *lens,
                         redisContext **on);

/* As migrate_send, but an error reply is printed naming what, and gives NULL. */
redisReply *migrate_run(struct mig *m, const char *what, int argc, const char **argv,
                        const size_t *lens);

/* As migrate_run for an integer reply: the integer, or -1. */
long long migrate_run_int(struct mig *m, const char *what, int argc, const char **argv);

#define MIGRATE_LETTER_FIELDS_MAX 4096 /* strings of one v1 dead letter; more is refused */

/* Where a v1 dead letter goes. */
struct migrate_letter {
    unsigned part;    /* its partition: from the "stream" field, else its series key, else 0 */
    bool guessed;     /* neither told the partition: 0 was taken */
    char id[48];      /* its v2 entry ID: the rejected entry's ("id" field), else the letter's */
    uint64_t ms, seq; /* id, parsed */
    size_t nkeep;     /* leading strings kept: all but a trailing stream S id I (v1's) */
};

/* Reads one v1 dead letter (entry ID eid, field strings strs/lens, n of them; an odd last one
 * is ignored) of namespace ns with `partitions` partitions. The partition comes from a trailing
 * "stream NS:ev:{pI} id ID" pair only when it names exactly a partition below `partitions`; the
 * ID from "id" when it is a valid stream ID. Returns 0, or -1 when the letter cannot be moved
 * (no valid ID at all, or more than MIGRATE_LETTER_FIELDS_MAX strings kept). Pure: no I/O. */
int migrate_letter_parse(const char *ns, unsigned partitions, const char *eid, size_t eid_len,
                         const char *const *strs, const size_t *lens, size_t n,
                         struct migrate_letter *out);

/* Moves v1's single NS:dlq to NS:dlq:{pI} (app/cmd/migrate_dlq.c), or with m->dry says what it
 * would move. Returns 0, or -1 after printing why (NS:dlq is then kept). */
int migrate_dlq(struct mig *m);

#endif
