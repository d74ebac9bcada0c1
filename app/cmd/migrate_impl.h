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

/* Moves v1's single NS:dlq to NS:dlq:{pI} (app/cmd/migrate_dlq.c), or with m->dry says what it
 * would move. Returns 0, or -1 after printing why (NS:dlq is then kept). */
int migrate_dlq(struct mig *m);

#endif
