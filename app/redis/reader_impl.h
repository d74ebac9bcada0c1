/* reader_impl.h — the reader's state, shared by reader.c (read loop, replay, public API),
 * reader_probe.c (unreadable partitions), reader_xinfo.c (replay targets, lag), reader_status.c
 * (stats, status texts) and deadletter.c.
 * Private to app/redis/: everything else uses reader.h. */
#ifndef WR_APP_REDIS_READER_IMPL_H
#define WR_APP_REDIS_READER_IMPL_H

#include "app/redis/reader.h"
#include "core/event.h"
#include "core/pmerge.h"
#include "core/rollsum.h"

struct reader_id {
    uint64_t ms, seq;
};

struct part {
    char *key;
    size_t key_len;
    char last_id[READER_ID_MAX];
    uint64_t last_ms, last_seq;
    uint64_t start_ms; /* ms of the replay start ID, for progress */
    uint64_t entries;
    /* rollup mode: the series of each field pair of the last run merged (entries of a
     * partition name the same keys in the same order, so this skips most lookups; the table
     * never frees a series while it lives) */
    struct series **hint;
    size_t hint_n;
    /* from XINFO STREAM */
    bool target_known; /* the first answer arrived: target_* is the replay target */
    bool target_none;  /* the stream did not exist at start */
    uint64_t target_ms, target_seq;
    bool lastgen_known; /* latest last-generated-id */
    uint64_t lastgen_ms, lastgen_seq;
    bool caught_up;
    /* A partition whose stream cannot be read (a key of another type, an ACL that denies it)
     * is left out of the XREAD so the others keep flowing; the tick probes it again. */
    bool unreadable;
    bool requested;                         /* named in the XREAD in flight */
    char error[READER_PARTITION_ERROR_MAX]; /* why it is unreadable */
    /* reader_lost.c: the IDs of the last events read (a ring, oldest at (head - n) mod cap),
     * checked against the server after every reconnect of the ingest connection. */
    struct reader_id *ring; /* NULL until the first event */
    unsigned ring_head, ring_n;
    uint64_t lost;     /* events read whose entries the server lacked after a reconnect */
    bool check_failed; /* the last check got an error reply */
    /* reader_roll.c: the start-up preload from the 1m tier (rollup mode) */
    enum { PRELOAD_NONE, PRELOAD_SECONDS, PRELOAD_MINUTES, PRELOAD_DONE } pre_phase;
    char pre_from[READER_ID_MAX + 1]; /* the next XRANGE's start */
};

/* Redis Cluster: partitions live in different slots, and Redis refuses one XREAD over keys of
 * several slots (CROSSSLOT), so each partition gets its own blocking connection (a lane), routed
 * to the master that owns it (rconn routes by slot and follows MOVED/ASK). */
struct lane {
    struct reader *rd;
    unsigned part;
    struct rconn *rc;
    bool inflight;
    bool was_up;
};

struct reader {
    struct ev_loop *loop;
    struct series_table *tab;
    reader_notify_fn *notify;
    void *privdata;
    struct reader_config cfg;
    char *ns;
    char *name;

    struct rconn *blk;  /* ingest: XREAD BLOCK (NULL on a cluster: see lanes) */
    struct lane *lanes; /* on a Redis Cluster: one per partition; else NULL */
    bool lanes_open;    /* lanes made and not yet closed */
    struct rconn_cluster_stats lanes_closed; /* what the lanes had followed when closed */
    struct rconn *cmd;                       /* dead letters, XINFO */
    struct part *parts;
    bool *seen; /* scratch: partitions present in one XREAD reply */
    struct pmerge_cursor
        *cursors; /* scratch: one per stream of a reply, as a min-heap by entry ID */
    size_t *take; /* scratch: entries of each cursor's batch the merge takes (advance_ids) */

    const char **xargv; /* XREAD arguments: fixed words, keys, then the ID buffers */
    size_t *xargvlen;
    char count_buf[16], block_buf[16];
    bool xread_inflight;
    bool blk_was_up;
    int xinfo_pending; /* XINFO answers outstanding in the current round */

    /* Probes (per-partition XREAD COUNT 1 + TYPE on the command connection): after a failed
     * XREAD, to find the partitions to blame; on the tick, to re-check the unreadable ones. */
    int probe_pending;      /* probes outstanding */
    bool probe_after_error; /* a failed XREAD is being explained: hold the XREAD loop */
    unsigned blamed;        /* partitions found unreadable since that XREAD failed */
    bool xread_failed;      /* the XREAD failed and no partition was to blame: the tick retries */
    unsigned unreadable;    /* partitions left out of the XREAD */

    unsigned ring_cap;     /* IDs each partition's ring keeps (reader_lost.c) */
    char check_error[160]; /* the last failed check's error reply */

    /* scratch for one entry */
    const char **strs;
    size_t *lens;
    size_t strs_cap;
    struct event ev;
    char key[EVENT_KEY_MAX + 1];
    size_t key_prefix_len;  /* of "NS:ev:{p" or "NS:roll:1s:{p" in the partition keys */
    struct rollsum roll;    /* rollup mode: one decoded blob (reader_roll.c) */
    const redisReply **run; /* rollup mode: entries naming the same keys, and their IDs' ms */
    uint64_t *run_ms;
    size_t run_cap;
    unsigned preload_left; /* partitions whose start-up preload runs: the XREAD waits for them */
    int64_t pre_lo_ms, pre_hi_ms; /* the whole minutes preloaded from the 1m tier */
    char roll_error[256];         /* the last rejected rollup, for reader_roll_text */

    ev_timer tick; /* XINFO rounds, and restarts the XREAD loop if it ever stalls */
    double started_at;
    double replay_done_at;

    struct reader_stats st;
    char last_error[640];

    int depth; /* frames of ours on the stack; freed when it drops to 0 after close */
    bool closed;
    bool stopped;
};

/* Frames of ours on the stack: a reader closed inside a callback is freed by the last release. */
void reader_hold(struct reader *rd);
void reader_release(struct reader *rd);
/* Calls the owner's notify callback unless the reader is closed. */
void reader_notify(struct reader *rd, enum reader_event e);
/* Marks p caught up once it reached its replay target. */
void reader_check_caught_up(struct part *p);
/* Ends the replay once every partition has caught up. */
void reader_check_replay_done(struct reader *rd);
/* Sends the next XREAD if none is in flight and the ingest connection is up. */
void reader_issue_xread(struct reader *rd);

/* reader_probe.c: the XREAD failed; probe every partition it named, holding the XREAD loop
 * until the verdicts are in. */
void reader_probe_after_failed_xread(struct reader *rd);
/* reader_probe.c, on the tick: probe the unreadable partitions again. */
void reader_probe_unreadable(struct reader *rd);

/* reader_lost.c: remembers the ID of an event read from partition p. */
void reader_ring_add(struct reader *rd, struct part *p, uint64_t ms, uint64_t seq);
/* reader_lost.c: the ingest connection rc (which reads partitions from..to-1) came back after a
 * loss: asks it, before the next XREAD (same connection, so the answers come first), which of
 * the events read recently it still holds; the ones it lacks count in st.failover_lost. */
void reader_lost_check(struct reader *rd, struct rconn *rc, unsigned from, unsigned to);

/* reader_roll.c: the stream key of partition i for the configured source; as
 * partition_stream_key. */
int reader_part_key(const struct reader *rd, unsigned i, char *buf, size_t cap);
/* reader_roll.c: rollup entries e[0..n) ([id, [key, blob, ...]], in ID order) of partition pi,
 * merged into the table; bad pairs are counted, never dead-lettered. history: the start-up's
 * replay, merged partition by partition and series by series (series_table_merge_series). */
void reader_roll_entries(struct reader *rd, unsigned pi, const redisReply *const *e, size_t n,
                         bool history);
/* Rollup mode, at start: the replay window's whole minutes older than the last 2 minutes are read
 * from NS:roll:1m:{pI} (the seconds before the first of them from the 1s tier), each partition's
 * XREAD then resumes right after the last minute merged; until every partition is done the XREAD
 * waits. A refused or lost reply ends that partition's preload where it is (the 1s tier covers
 * the rest). No-op in event mode or when no whole minute is old enough. */
void reader_roll_preload(struct reader *rd, int64_t start_ms, int64_t now_ms);

/* reader_xinfo.c: one XINFO STREAM per partition, for replay targets and lag. */
void reader_xinfo_round(struct reader *rd);

#endif
