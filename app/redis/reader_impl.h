/* reader_impl.h — the reader's state, shared by reader.c (read loop, replay, public API),
 * reader_probe.c (unreadable partitions), reader_xinfo.c (replay targets, lag), reader_status.c
 * (stats, status texts) and deadletter.c.
 * Private to app/redis/: everything else uses reader.h. */
#ifndef WR_APP_REDIS_READER_IMPL_H
#define WR_APP_REDIS_READER_IMPL_H

#include "app/redis/reader.h"
#include "core/event.h"
#include "core/pmerge.h"

struct part {
    char *key;
    size_t key_len;
    char last_id[READER_ID_MAX];
    uint64_t last_ms, last_seq;
    uint64_t start_ms; /* ms of the replay start ID, for progress */
    uint64_t entries;
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

    struct rconn *blk;   /* ingest: XREAD BLOCK (NULL on a cluster: see lanes) */
    struct lane *lanes;  /* on a Redis Cluster: one per partition; else NULL */
    bool lanes_open;     /* lanes made and not yet closed */
    struct rconn_cluster_stats lanes_closed; /* what the lanes had followed when closed */
    struct rconn *cmd; /* dead letters, XINFO */
    struct part *parts;
    bool *seen; /* scratch: partitions present in one XREAD reply */
    struct pmerge_cursor
        *cursors; /* scratch: one per stream of a reply, as a min-heap by entry ID */

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

    /* scratch for one entry */
    const char **strs;
    size_t *lens;
    size_t strs_cap;
    struct event ev;
    char key[EVENT_KEY_MAX + 1];

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

/* reader_xinfo.c: one XINFO STREAM per partition, for replay targets and lag. */
void reader_xinfo_round(struct reader *rd);

#endif
