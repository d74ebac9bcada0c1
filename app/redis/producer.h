/* producer.h — the write side of the event contract (docs/protocol.md): pipelined XADDs of
 * validated events to their partition streams on a synchronous hiredis connection, with
 * reconnect and resend when Redis goes away. Used by `warroom send`, `ingest` and `gen`.
 *
 * Delivery is at-least-once. Commands are sent in batches; a batch is kept until every reply
 * has been read. When the connection drops mid-batch, the commands whose replies were not read
 * are sent again on the new connection (stats.resent). Redis may have applied some of them
 * before it went away, so those events can appear twice in the streams.
 *
 * Refusals: an XADD Redis answers with an error (OOM at maxmemory, WRONGTYPE, NOPERM) is counted
 * in stats.errors and not sent again. While it happens, a line goes to opts.log at most once
 * per second (PRODUCER_REFUSAL_REPORT_MS) with the count and Redis' reason. When every XADD
 * answered for opts.give_up_ms was refused (none accepted meanwhile), the producer gives up as
 * it does when it cannot reconnect: calls return -1 and producer_failure says why.
 *
 * Replication (opts.min_replicas N > 0, `--min-replicas`): one batch at a time, each followed by
 * `WAIT N wait_ms`. An event counts as confirmed (stats.confirmed) only once WAIT says N
 * replicas hold it. When WAIT comes back short, the producer asks again where the master is
 * (ROLE, and the sentinels for a redis+sentinel:// address): if the node it wrote to is no
 * longer the master, the batch is resent to the new one like unacknowledged XADDs; if it still
 * is, it waits again (a resend would only add duplicates to the same node). After give_up_ms
 * without confirmation it gives up (PRODUCER_FAILED_UNREPLICATED); the batch's accepted events
 * are then counted in stats.unconfirmed. */
#ifndef WR_PRODUCER_H
#define WR_PRODUCER_H

#include <hiredis/hiredis.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "app/config.h"
#include "app/redis/csync.h"
#include "app/redis/redisaddr.h"
#include "core/event.h"

#define PRODUCER_BATCH_DEFAULT 512
#define PRODUCER_GIVE_UP_DEFAULT_MS 60000
#define PRODUCER_BACKOFF_MIN_MS 100
#define PRODUCER_BACKOFF_MAX_MS 2000
#define PRODUCER_REFUSAL_REPORT_MS 1000 /* at most one refusal line on opts.log per this */
#define PRODUCER_WAIT_DEFAULT_MS 1000

struct producer_opts {
    const char *ns;       /* key namespace (copied) */
    unsigned partitions;  /* partition streams, as checked against NS:meta */
    int64_t retention_ms; /* each XADD trims its stream with MINID ~ now - retention; 0: none */
    unsigned batch;       /* XADDs per round trip; 0: PRODUCER_BATCH_DEFAULT */
    /* How long to keep trying, before failing, while Redis is away (total reconnect time) or
     * refuses every XADD; 0: the default (60 s). */
    int64_t give_up_ms;
    int64_t timeout_ms; /* connect and command timeout of each reconnect attempt */
    /* Polled while reconnecting: nonzero stops the attempts (set it from a signal handler). */
    const volatile sig_atomic_t *cancel;
    /* Where reconnect and refusal notes go ("warroom CMD: lost connection ..."); NULL: silent. */
    FILE *log;
    unsigned min_replicas; /* WAIT for this many replicas after each batch; 0: no WAIT */
    int64_t wait_ms;       /* WAIT's timeout; 0: PRODUCER_WAIT_DEFAULT_MS */
};

struct producer_stats {
    uint64_t sent;       /* events queued with producer_add */
    uint64_t acked;      /* XADDs answered with an entry ID */
    uint64_t errors;     /* XADDs answered with an error reply (see producer_reply_error) */
    uint64_t resent;     /* XADDs sent again after a reconnect (possible duplicates) */
    uint64_t reconnects; /* successful reconnects */
    /* with opts.min_replicas: */
    uint64_t confirmed;   /* accepted and held by min_replicas replicas (WAIT) */
    uint64_t unconfirmed; /* accepted, never confirmed (the producer gave up or was stopped) */
    uint64_t waits_short; /* WAITs that came back with fewer replicas */
};

struct producer;

/* Why a producer stopped working (after a call returned -1). */
enum producer_failure {
    PRODUCER_FAILED_NOT = 0,      /* it did not */
    PRODUCER_FAILED_LOST,         /* the connection was lost and not restored (or the namespace
                                     changed, or opts.cancel was set while reconnecting) */
    PRODUCER_FAILED_REFUSED,      /* Redis refused every XADD for opts.give_up_ms */
    PRODUCER_FAILED_UNREPLICATED, /* WAIT fell short of min_replicas for opts.give_up_ms */
};

/* Result of opening the connection for a producing command. */
enum producer_open_result {
    PRODUCER_OPEN_OK = 0,
    PRODUCER_OPEN_BAD_URL,     /* the --redis URL does not parse */
    PRODUCER_OPEN_UNREACHABLE, /* no answer, refused, authentication failed */
    PRODUCER_OPEN_META,        /* NS:meta does not match (e.g. another partition count) */
};

/* The start-up of a producing command: address (cfg->redis_url, else the local default),
 * connect, AUTH/SELECT, and the NS:meta check (which may adopt the namespace's partition count
 * into cfg->partitions). On success *out is a new producer with ns, partitions, retention_ms
 * timeout_ms, min_replicas and wait_ms taken from cfg and the other fields from opts (NULL:
 * defaults).
 * On failure prints errmsg_prefix() and the reason to stderr, sets *out to NULL and returns the
 * class. */
enum producer_open_result producer_open(struct config *cfg, const struct producer_opts *opts,
                                        struct producer **out);

/* The command exit code for a failed producer_open (app/cmd.h): a bad URL is a usage error,
 * an unreachable or refusing server EXIT_UNREACHABLE, anything else a failure. */
int producer_open_exit_code(enum producer_open_result r);

/* Wraps a connected client (rsync_client). Takes ownership of cs and addr (addr is used to
 * reconnect). On a Redis Cluster every master gets its own pipeline (a child producer with its
 * own connection and batch): each event goes to the master of its partition stream's slot, and an
 * XADD answered with MOVED, ASK, TRYAGAIN or CLUSTERDOWN is sent again through cs, which follows
 * the redirect (counted in csync_stats). Never returns NULL. */
struct producer *producer_new(struct csync *cs, struct redisaddr *addr,
                              const struct producer_opts *opts);

/* On a Redis Cluster, a line for stderr: "cluster: 3 masters; followed 2 MOVED, 5 ASK, ...";
 * else "" (returns 0). Returns the length. */
int producer_cluster_note(const struct producer *p, char *buf, size_t cap);

/* Queues `XADD NS:ev:{pI} [MINID ~ T] * metric M value V [ts T] [labels L]` for ev, where
 * pI = partition_of(event_key(ev)) and ts is written only when ev->has_ts. The value is written
 * by producer_format_value. Sends the batch when it is full (a batch sent earlier is then
 * read back, so that one batch is in Redis' hands while the next is filled). ev must be valid (from
 * event_parse_*). Returns 0, or -1 when the connection was lost and could not be restored
 * (producer_error says why; the producer is then unusable). */
int producer_add(struct producer *p, const struct event *ev);

/* Sends what is queued and reads every reply. Returns 0 or -1 as producer_add. */
int producer_flush(struct producer *p);

const struct producer_stats *producer_stats(const struct producer *p);

/* Why the producer stopped working; PRODUCER_FAILED_NOT while it works. */
enum producer_failure producer_failure(const struct producer *p);

/* The command exit code for a producer that failed: EXIT_FAILURE_GENERIC when Redis refused
 * the events, EXIT_UNREACHABLE when it was lost (app/cmd.h). */
int producer_failure_exit_code(const struct producer *p);

/* With opts.min_replicas, the part of a command's final line about replication:
 * ", 1200 confirmed on 1 replica(s), 0 unconfirmed"; "" without. */
void producer_replication_note(const struct producer *p, char *buf, size_t cap);

/* Why the last call failed; "" when none did. */
const char *producer_error(const struct producer *p);

/* The first error reply Redis sent to an XADD (e.g. WRONGTYPE ...), sanitized for a terminal;
 * "" when none. */
const char *producer_reply_error(const struct producer *p);

/* The entry ID of the last XADD acknowledged, "" when none yet. */
const char *producer_last_id(const struct producer *p);

/* Writes v to buf in a short decimal form that reads back as exactly v: plain notation with the
 * fewest decimals when that takes at most 9 ("12.5", "0.1", "-3"), else the shortest of %.15g,
 * %.16g, %.17g. The radix character is always '.'. buf must hold 32 bytes. Returns the length. */
int producer_format_value(double v, char *buf);

/* Frees p, its connection and address, without flushing. NULL is a no-op. */
void producer_free(struct producer *p);

#endif
