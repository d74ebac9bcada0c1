/* producer_impl.h — the producer's state and the helpers its files share: producer.c (batches,
 * sending, reconnect, refusals), producer_wait.c (--min-replicas: WAIT after each batch),
 * producer_cluster.c (one pipeline per master of a Redis Cluster) and producer_open.c (the
 * start-up of a producing command). Private to them: everything else uses producer.h. */
#ifndef WR_APP_REDIS_PRODUCER_IMPL_H
#define WR_APP_REDIS_PRODUCER_IMPL_H

#include <stdbool.h>

#include "app/redis/producer.h"
#include "core/synth.h"

#define STREAM_KEY_MAX 64
#define LOST_RESEND "the cluster node to resend it to did not answer"

struct producer {
    redisContext *c;  /* NULL while reconnecting; borrowed from cs when cs is set */
    struct csync *cs; /* the top producer's client (wr:meta, cluster routing); NULL in a child */
    /* Redis Cluster: the top producer formats nothing itself; each event goes to the child
     * producer of the master that owns its partition's slot (one pipeline per master). */
    struct producer **child; /* [SLOTMAP_NODES_MAX], NULL when not a cluster */
    struct producer *parent; /* a child's top producer */
    int node;                /* a child's node index in parent->cs */
    unsigned *part_slot;     /* top producer on a cluster: slot of each partition's stream */
    struct redisaddr *addr;
    struct producer_opts opts;
    char *ns;
    char (*stream_key)[STREAM_KEY_MAX]; /* per partition */
    uint8_t *stream_key_len;

    /* Commands not yet answered, in RESP, one after another: the first nsent were written to
     * the connection, the rest wait for a full batch. cmd_off[i] is where command i starts,
     * cmd_off[ncmd] == len. Up to two batches are in flight, so Redis works on one while
     * the replies of the other are read and the next is formatted. */
    char *buf;
    size_t len, cap;
    size_t *cmd_off;
    size_t ncmd, nsent;

    enum producer_failure failed; /* set: every later call fails at once */
    struct synth_rng jitter;      /* seeded per process, so producers do not retry in step */
    char minid[24]; /* MINID threshold of the batch being filled, "" when not yet set */
    size_t minid_len;

    /* Refusals (error replies): since the last note on opts.log, and in a row. */
    uint64_t note_refused, note_acked; /* replies since the last note */
    int64_t note_ms;                   /* when the last note was written (or the start) */
    bool noted;                        /* a note was written: the next waits its turn */
    char note_error[256];              /* the first reason since the last note */
    int64_t refusing_since_ms;         /* first refusal after the last accepted XADD; 0: none */
    uint64_t refused_in_row;

    /* --min-replicas: the batch in the buffer (ncmd commands) until WAIT confirms it */
    uint64_t batch_acked;  /* its XADDs answered with an ID on the current connection */
    int64_t short_since;   /* first short WAIT for it (monotonic ms); 0: none */
    int64_t short_note_ms; /* last "not yet replicated" note */

    struct producer_stats stats;
    char error[1024];
    char reply_error[256];
    char last_id[48];
};

/* producer.c */
/* Sleeps ms (a signal cuts it short: the caller then looks at opts.cancel). */
void producer_sleep_ms(int64_t ms);
/* Replaces the dead connection with backoff for at most opts.give_up_ms. Returns 0 or -1. */
int producer_reconnect(struct producer *p, const char *cause, size_t resend);
/* Redis' reason from error reply r into buf, made safe for a terminal. */
void producer_copy_reason(char *buf, size_t cap, const redisReply *r);
/* Counts one XADD reply (NULL: the cluster resend got none) as accepted or refused. */
void producer_note_reply(struct producer *p, const redisReply *r);
/* The refusal note and giving up (see producer.h). Returns 0, or -1 when giving up. */
int producer_refusals_check(struct producer *p);
/* Drops the first k commands of the buffer (their replies were read). */
void producer_batch_drop(struct producer *p, size_t k);
/* Writes the commands not yet sent. Returns 0, or -1 with the cause. */
int producer_send_pending(struct producer *p, char *cause, size_t cause_cap);
bool producer_is_loading_error(const redisReply *r);

/* producer_wait.c: pump() with opts.min_replicas (the whole buffer is one batch, sent and
 * confirmed by WAIT before it returns). Returns 0 or -1. */
int producer_wait_pump(struct producer *p);

/* producer_cluster.c */
/* A child's XADD number k got error reply r: follows a cluster redirect. Returns the reply to
 * count instead of r (r itself when it is not a redirect; NULL when the resend got none). */
redisReply *producer_cluster_follow_redirect(struct producer *p, size_t k, redisReply *r);
/* producer_add/producer_flush of the top producer of a cluster: through the child producers. */
int producer_cluster_add(struct producer *p, const struct event *ev, unsigned part);
int producer_cluster_flush(struct producer *p);

#endif
