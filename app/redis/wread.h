/* wread.h — reads what `warroom workers` and the workers view show (core/wstat): NS:meta's mode,
 * NS:workers, each worker's hash, and each partition's owner key, checkpoint and consumer group.
 * Every key of one command is one key (or keys of one {pI}), so a cluster routes each by slot.
 * The commands are listed here once; the command runs them on a csync client (wread_sync), the
 * interface on its async command connection (app/tui/tui_workers). */
#ifndef WR_WREAD_H
#define WR_WREAD_H

#include <hiredis/hiredis.h>
#include <stddef.h>

#include "app/redis/csync.h"
#include "core/wstat.h"

#define WREAD_ROUNDS 2 /* 0: meta, workers, partitions; 1: each worker's hash (needs round 0) */
#define WREAD_ARGV_MAX 16
#define WREAD_KEY_MAX (WSTAT_RAW_ID_MAX + 128)
#define WREAD_GROUP "warroom" /* the consumer group of group-mode workers */

enum wread_kind {
    WREAD_META,    /* HMGET NS:meta mode */
    WREAD_ZCARD,   /* ZCARD NS:workers */
    WREAD_WORKERS, /* ZREVRANGE NS:workers 0 N-1 WITHSCORES: the newest heartbeats */
    WREAD_OWN,     /* GET NS:own:{pI} */
    WREAD_PTTL,    /* PTTL NS:own:{pI} */
    WREAD_CKPT,    /* HMGET NS:ckpt:{pI} fence owner ... */
    WREAD_GROUPS,  /* XINFO GROUPS NS:ev:{pI} */
    WREAD_WORKER,  /* HMGET NS:worker:ID host pid ... */
};

/* One command: argv points into the struct (key) and static strings; valid during emit only. */
struct wread_cmd {
    enum wread_kind kind;
    size_t index; /* the partition, or the worker's row in s->workers */
    int argc;
    const char *argv[WREAD_ARGV_MAX];
    size_t argvlen[WREAD_ARGV_MAX];
    char key[WREAD_KEY_MAX];
};

/* Calls emit for each command of round (0 .. WREAD_ROUNDS-1) over s (round 1 needs round 0's
 * replies applied). emit returns 0 when the command is on its way, -1 when it could not be sent
 * (the caller applies a NULL reply for it). Returns the number of commands emitted. */
size_t wread_round(const struct wstat *s, const char *ns, int round,
                   int (*emit)(void *ctx, const struct wread_cmd *c), void *ctx);

/* Puts reply r of a command (kind, index, key) into s. r NULL: no answer (why says why). A
 * reply of the wrong type or shape becomes an error in the row it concerns, never a crash. */
void wread_apply(struct wstat *s, enum wread_kind kind, size_t index, const char *key,
                 const redisReply *r, const char *why);

/* Both rounds on c, then wstat_finish(s, now_ms). s was wstat_init'ed. Returns 0, or -1 when a
 * connection failed (csync_error(c) says why; s holds what was read). */
int wread_sync(struct csync *c, const char *ns, struct wstat *s, int64_t now_ms);

#endif
