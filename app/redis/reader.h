/* reader.h — the ingest side of warroom: tails every partition stream NS:ev:{pI} on one blocking
 * connection, replays the core's window of history at start, feeds each entry to a series table
 * and sends every entry it cannot parse to its partition's dead-letter stream NS:dlq:{pI}.
 * Resumes from the last ID it processed after any reconnect, so a Redis restart neither loses
 * nor double-counts.
 *
 * Connections (docs/architecture.md §5.1): one RCONN_MODE_BLOCKING connection runs
 *     XREAD COUNT c BLOCK b STREAMS NS:ev:{p0} ... NS:ev:{pN-1} id0 ... idN-1
 * in a loop, one at a time (the next one is sent as soon as a reply arrives, before its entries are
 * processed, from the last entry each partition's merge will take); one RCONN_MODE_COMMAND
 * connection carries the dead-letter writes and a periodic XINFO STREAM per partition (lag and
 * replay targets).
 *
 * Replay: every partition starts right before (start_ms - replay_ms), start_ms being the wall
 * clock at reader_new(). A partition has caught up when the last ID processed reaches the stream's
 * last-generated-id as XINFO STREAM reported it at start (its "target"), or when an XREAD answers
 * without entries for it (nothing newer exists). When every partition has caught up the replay is
 * done and the reader is live.
 *
 * Lag of a partition: the stream's last-generated-id time minus the time of the last ID
 * processed, in ms, from the latest XINFO STREAM (every lag_interval_ms); 0 when we hold the last
 * entry. It measures how far the reader is behind the producers in Redis time, not event time.
 *
 * Unreadable partitions: when the XREAD is refused (a partition key of another type, an ACL that
 * denies one key), every partition it named is probed on the command connection (TYPE, then
 * XREAD COUNT 1 of that stream alone). The ones whose probe fails are unreadable: left out of the
 * XREAD, so the others keep flowing, counted as caught up (they do not hold the replay back),
 * reported by reader_unreadable_text() and READER_PARTITIONS, and probed again on every tick; once
 * a probe succeeds (the key was fixed or deleted) the partition is read again from its last ID.
 * A refusal no probe can explain leaves the state "read error" and the XREAD is retried on the
 * tick.
 *
 * Failover losses: each partition keeps the IDs of the last events it read (a ring of up to 4096
 * IDs). Every time the ingest connection comes back after a loss (a restart, or a Sentinel
 * failover to a replica), before the next XREAD on that connection it asks
 *     XRANGE key - + COUNT 1            (the stream's first entry: older IDs were trimmed)
 *     XRANGE key oldest newest COUNT cap
 * and counts the ring's IDs the server lacks (not trimmed) as lost: read and counted, but no
 * longer in Redis (asynchronous replication lost them). They are dropped from the ring, so a
 * later reconnect does not count them again. The XREAD resumes from the last ID read.
 *
 * Dead letters (wire format v2): XADD NS:dlq:{pI} MAXLEN ~ dlq_maxlen <entry id> <original
 * fields> reason <class> detail <message>: the dead-letter stream of the entry's partition, under
 * the rejected entry's own ID. Redis refuses an ID not above the stream's top, so a second reader
 * (or a restart replaying the same entry) cannot add it again: that refusal counts as
 * dlq_duplicate, not as a failure. A failed write (connection lost, timeout) is retried once on
 * the next connection; after that it counts in dlq_failed. */
#ifndef WR_READER_H
#define WR_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "app/redis/rconn.h"
#include "app/redis/redisaddr.h"
#include "core/series.h"

#define READER_ID_MAX 48               /* "18446744073709551615-18446744073709551615" and its NUL */
#define READER_PARTITION_ERROR_MAX 160 /* why a partition is unreadable, with its NUL */
/* Rollup entries per XREAD and partition: each holds one second of every series of its
 * partition (10 000 series on 8 partitions: ~130 kB), so a reply stays a few megabytes; Redis
 * builds far bigger replies much more slowly (bench scale, part 6). */
#define READER_ROLL_COUNT 4

struct reader;

/* What the reader tails. Rollups (group mode, docs/protocol.md): NS:roll:1s:{pI} instead of
 * NS:ev:{pI}, the same XREAD loop, replay, routing, resume and lost check; each entry (ID: the
 * period's start) holds field pairs series key -> rollsum blob, each decoded (core/rollsum.h)
 * and merged into the table (series_table_merge). A pair that fails to decode is counted in
 * roll_rejected (reader_roll_text says why), never dead-lettered: dead letters are for raw
 * events only. */
enum reader_source {
    READER_SOURCE_EVENTS,  /* raw events (embedded mode, the default) */
    READER_SOURCE_ROLLUPS, /* the 1-s rollups of worker --group (group mode) */
};

struct reader_config {
    const char *ns;              /* key namespace (copied) */
    unsigned partitions;         /* >= 1 */
    int64_t replay_ms;           /* history to replay at start; 0: start at the wall clock */
    unsigned count;              /* XREAD COUNT per stream; 0: 1000, less past 16 partitions
                                    (16000 / partitions, at least 16) to bound a reply;
                                    rollups: READER_ROLL_COUNT */
    unsigned block_ms;           /* XREAD BLOCK; 0: 1000 */
    unsigned lag_interval_ms;    /* XINFO STREAM period; 0: 1000 */
    unsigned dlq_maxlen;         /* MAXLEN ~ of each NS:dlq:{pI}; 0: 100000 */
    unsigned connect_timeout_ms; /* 0: rconn's default */
    unsigned command_timeout_ms; /* 0: rconn's default */
    const char *name;            /* client name suffix ("worker"); NULL: "reader" (copied) */
    enum reader_source source;   /* default READER_SOURCE_EVENTS */
};

/* What just happened, for reader_notify_fn. */
enum reader_event {
    READER_DATA,        /* entries were processed: the series table changed */
    READER_REPLAY_DONE, /* every partition caught up: the reader is live (fires once) */
    READER_CONN_STATE,  /* the state or attempt count of either connection changed */
    READER_PARTITIONS,  /* a partition became unreadable, or readable again */
};

typedef void reader_notify_fn(struct reader *rd, enum reader_event event, void *privdata);

struct reader_stats {
    uint64_t entries;        /* stream entries read (events + rejected; rollup entries) */
    uint64_t events;         /* parsed and handed to the series table (rollups: the events
                                the merged summaries hold) */
    uint64_t rollups;        /* rollups: series summaries merged into the table */
    uint64_t roll_rejected;  /* rollups: entries or field pairs that failed to decode */
    uint64_t rejected;       /* failed to parse: sent to the dead-letter stream */
    uint64_t dlq_written;    /* dead letters added by us */
    uint64_t dlq_duplicate;  /* already dead-lettered (by another reader or an earlier run) */
    uint64_t dlq_failed;     /* could not be written (Redis error or connection lost twice) */
    uint64_t dlq_pending;    /* dead-letter writes in flight */
    uint64_t replay_entries; /* entries processed before the replay was done */
    bool replay_done;
    double replay_progress; /* 0..1: share of the replay span covered, averaged over partitions */
    double replay_s;        /* how long the replay took (0 while it runs) */
    int64_t max_lag_ms;     /* largest partition lag; -1 before the first XINFO answer */
    uint64_t reconnects;    /* times the ingest connection came back up after a loss */
    enum rconn_state state; /* of the ingest (blocking) connection */
    unsigned attempt;       /* its failed attempts since it was last up */
    enum rconn_state cmd_state; /* of the command connection (dead letters, lag) */
    unsigned unreadable;        /* partitions that cannot be read, left out of the XREAD */
    /* Events read, then missing on the server the ingest connection reached again (a failover
     * to a replica that had not received them: replication is asynchronous). They stay counted
     * (the core cannot un-count an event); see reader_lost_text. */
    uint64_t failover_lost;
    unsigned lost_check_failed; /* partitions whose last check got an error reply */
    /* Redis Cluster (cluster is false on a single Redis): masters known, and the cluster
     * replies the reader's connections followed. */
    bool cluster;
    unsigned cluster_nodes;
    uint64_t cluster_moved, cluster_ask, cluster_tryagain;
};

struct reader_partition {
    const char *key;             /* "NS:ev:{pI}", owned by the reader */
    char last_id[READER_ID_MAX]; /* last ID processed (or the replay start ID) */
    uint64_t entries;            /* entries read from this partition */
    int64_t lag_ms;              /* -1 before the first XINFO answer */
    bool caught_up;              /* replay phase finished for this partition */
    bool unreadable;             /* its stream cannot be read (see reader_unreadable_text) */
    uint64_t lost;               /* events read from it that a failover lost (failover_lost) */
    const char *error;           /* why: "wr:ev:{p0} is a string"; "" when readable; owned by
                                    the reader, valid until its next callback */
};

void reader_config_defaults(struct reader_config *cfg);

/* Creates a reader on loop and starts connecting (nothing runs inside this call). The series
 * table is borrowed: the caller owns it and must keep it alive until reader_close(). notify may
 * be NULL. Returns NULL (with a message in err) only for a bad config: ns NULL or invalid,
 * partitions 0. */
struct reader *reader_new(struct ev_loop *loop, const struct redisaddr *addr,
                          const struct reader_config *cfg, struct series_table *tab,
                          reader_notify_fn *notify, void *privdata, char *err, size_t errcap);

/* Stops reading new entries (closes the ingest connection) but keeps the command connection so
 * dead-letter writes in flight can finish; see reader_stats.dlq_pending. Idempotent. */
void reader_stop(struct reader *rd);

/* Closes both connections and frees rd (the table is left alone). Dead-letter writes still in
 * flight are abandoned and counted in dlq_failed. No callback runs after it returns. NULL is a
 * no-op. Safe to call from the notify callback. */
void reader_close(struct reader *rd);

void reader_get_stats(const struct reader *rd, struct reader_stats *out);

/* The reader's command connection (dead-letter writes, XINFO), for other request/reply reads
 * of the same process that should not open one of their own (the dead-letter view). Borrowed:
 * valid until reader_close(). */
struct rconn *reader_command_conn(struct reader *rd);

/* Number of partitions, and the state of partition i (< that number). */
unsigned reader_partition_count(const struct reader *rd);
void reader_partition_info(const struct reader *rd, unsigned i, struct reader_partition *out);

/* On a Redis Cluster each partition is read by its own blocking XREAD (Redis refuses one XREAD
 * over keys of several slots), on a connection routed to the partition's master; the ingest
 * state shown is the worst of them. */

/* A short text for a status line: "replay", "live", "reconnecting (attempt 3)", "auth failed",
 * "connecting", "read error" (the XREAD was refused; see reader_last_error), "stopped". Written
 * into buf, which is returned. */
const char *reader_state_text(const struct reader *rd, char *buf, size_t cap);

/* Why the ingest connection last failed, or why the last XREAD was refused ("" when neither). */
const char *reader_last_error(const struct reader *rd);

/* The unreadable partitions for a status line, "" when there are none:
 * "partition 0 unreadable: wr:ev:{p0} is a string", or
 * "2 partitions unreadable (0,5): wr:ev:{p0} is a string, ...". Written into buf (returned). */
const char *reader_unreadable_text(const struct reader *rd, char *buf, size_t cap);

/* Rollup mode: the rejected rollups for a status line, "" when none: "2 rollups rejected
 * (wr:roll:1s:{p0} 1700000000000-0 m{a=b}: truncated)", naming the last one. Written into buf
 * (returned). */
const char *reader_roll_text(const struct reader *rd, char *buf, size_t cap);

/* "rollups 1s" or "raw events": the source the reader tails, for status lines. */
const char *reader_source_text(const struct reader *rd);

/* Events a failover lost, for a status line, "" when none: "3 events read before a failover are
 * not on the new master (lost by replication; counted; partitions 0,5)", and when a check failed
 * "failover check failed on 2 partitions: ...". Written into buf (returned). */
const char *reader_lost_text(const struct reader *rd, char *buf, size_t cap);

#endif
