/* wstat.h — what group-mode workers and partitions look like to `warroom workers` and the
 * interface's workers view: built value by value from what Redis holds (NS:meta mode, NS:workers,
 * NS:worker:ID, NS:own:{pI}, NS:ckpt:{pI}, the partition stream's consumer group), each value
 * checked and each string sanitized, then summarised into the table cells both print.
 * Pure: the caller reads Redis and the clock (app/redis/wread). */
#ifndef WR_WSTAT_H
#define WR_WSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSTAT_TEXT_MAX 64                /* bytes of a sanitized id, host or owner, with its NUL */
#define WSTAT_RAW_ID_MAX 256             /* bytes of a worker id that are used to read its hash */
#define WSTAT_ERR_MAX 160                /* bytes of a row's first error, with its NUL */
#define WSTAT_CELL_MAX WSTAT_TEXT_MAX    /* bytes of one table cell, with its NUL */
#define WSTAT_WORKERS_MAX 256            /* workers read from NS:workers (the newest heartbeats) */
#define WSTAT_DEFAULT_LEASE_MS 10000     /* a worker whose hash holds no lease */
#define WSTAT_NUM_MAX 9007199254740992LL /* 2^53: larger counts are refused as hostile */

/* A number read from Redis: absent (the key or field is not there), ok, or bad (not a decimal
 * integer in [0, WSTAT_NUM_MAX], or the wrong type). */
enum wstat_num_state { WSTAT_ABSENT = 0, WSTAT_OK, WSTAT_BAD };

struct wstat_num {
    int64_t v; /* meaningful when st == WSTAT_OK */
    enum wstat_num_state st;
};

/* The fields of NS:worker:ID this reads (HMGET order) and of NS:ckpt:{pI} (the binary `state`
 * is never read). */
enum wstat_wfield {
    WSTAT_W_HOST,
    WSTAT_W_PID,
    WSTAT_W_STARTED,
    WSTAT_W_PARTITIONS,
    WSTAT_W_EVENTS,
    WSTAT_W_LATE,
    WSTAT_W_RATE,
    WSTAT_W_LEASE,
    WSTAT_W_TS,
    WSTAT_W_NFIELDS
};
extern const char *const wstat_worker_fields[WSTAT_W_NFIELDS];

enum wstat_cfield {
    WSTAT_C_FENCE,
    WSTAT_C_OWNER,
    WSTAT_C_LAST,
    WSTAT_C_CLOSED,
    WSTAT_C_EVENTS,
    WSTAT_C_LATE,
    WSTAT_C_REJECTED,
    WSTAT_C_REFUSED,
    WSTAT_C_TS,
    WSTAT_C_NFIELDS
};
extern const char *const wstat_ckpt_fields[WSTAT_C_NFIELDS];

struct wstat_worker {
    char id[WSTAT_TEXT_MAX];       /* sanitized */
    char raw_id[WSTAT_RAW_ID_MAX]; /* as stored (binary), raw_id_len bytes; not NUL-terminated */
    size_t raw_id_len;             /* 0 when the id is too long to read its hash */
    struct wstat_num heartbeat_ms; /* its score in NS:workers */
    bool has_hash;                 /* NS:worker:ID answered with at least one field */
    char host[WSTAT_TEXT_MAX];
    char partitions[WSTAT_TEXT_MAX]; /* the hash's own list, sanitized */
    struct wstat_num pid, started_ms, events, late, lease_ms, ts_ms;
    double rate; /* events/s; meaningful when rate_st == WSTAT_OK */
    enum wstat_num_state rate_st;
    unsigned owned;            /* partitions whose NS:own names this worker (wstat_finish) */
    bool dead;                 /* heartbeat older than its lease, or unreadable (wstat_finish) */
    char error[WSTAT_ERR_MAX]; /* the first problem, "" when none */
};

enum wstat_own { WSTAT_UNOWNED = 0, WSTAT_OWNED, WSTAT_OWN_BAD };

struct wstat_part {
    unsigned part;
    enum wstat_own own;
    char owner[WSTAT_TEXT_MAX]; /* from NS:own:{pI} "ID TOKEN", sanitized */
    struct wstat_num token, pttl_ms;
    bool has_ckpt; /* NS:ckpt:{pI} answered with at least one field */
    char ckpt_owner[WSTAT_TEXT_MAX];
    char last[WSTAT_TEXT_MAX]; /* last entry ID covered, sanitized */
    struct wstat_num fence, closed_ms, events, late, rejected, refused, ts_ms;
    bool has_group;                /* the consumer group `warroom` exists on NS:ev:{pI} */
    struct wstat_num pending, lag; /* lag absent before Redis 7 or when Redis cannot tell */
    char error[WSTAT_ERR_MAX];
};

struct wstat {
    char mode[WSTAT_TEXT_MAX]; /* NS:meta mode, sanitized; "" when absent */
    bool group;                /* mode is "group" */
    unsigned partitions;
    struct wstat_part *parts; /* partitions rows, parts[i].part == i */
    struct wstat_worker *workers;
    size_t nworkers;
    struct wstat_num workers_total; /* ZCARD NS:workers (more than nworkers when capped) */
    char error[WSTAT_ERR_MAX];      /* a namespace-wide problem (NS:workers, NS:meta) */
    unsigned problems;              /* rows and keys with an error, counted by wstat_finish */
    size_t dead;                    /* workers marked dead (wstat_finish) */
    unsigned unowned;               /* partitions without an owner (wstat_finish) */
    int64_t now_ms;                 /* wall clock of wstat_finish */
};

/* Prepares s for partitions rows (all unowned, nothing read). Returns 0, or -1 when partitions is
 * 0 or above 65536 (s left empty, safe to free). */
int wstat_init(struct wstat *s, unsigned partitions);
/* Frees the rows; s is empty after. NULL is a no-op. */
void wstat_free(struct wstat *s);

/* Parses a decimal integer in [0, WSTAT_NUM_MAX] ("-1" and "1e3" are bad). v NULL: absent. */
struct wstat_num wstat_num_parse(const char *v, size_t len);

/* Records a problem in err (cap WSTAT_ERR_MAX) unless one is there: "what: detail", the detail
 * sanitized (it may come from Redis). */
void wstat_note(char *err, const char *what, const char *detail, size_t len);

/* NS:meta's mode (v NULL: absent). */
void wstat_set_mode(struct wstat *s, const char *v, size_t len);

/* One member of NS:workers with its score. Returns the row, or NULL when WSTAT_WORKERS_MAX rows
 * are there already. */
struct wstat_worker *wstat_add_worker(struct wstat *s, const char *id, size_t idlen,
                                      const char *score, size_t scorelen);
/* Field f of the worker's hash (v NULL: absent). */
void wstat_worker_set(struct wstat_worker *w, enum wstat_wfield f, const char *v, size_t len);

/* NS:own:{pI}'s value "ID TOKEN" (v NULL: unowned). */
void wstat_part_own(struct wstat_part *p, const char *v, size_t len);
/* Field f of NS:ckpt:{pI} (v NULL: absent). */
void wstat_part_ckpt(struct wstat_part *p, enum wstat_cfield f, const char *v, size_t len);

/* Redis refused to read a key (wrong type): the owner key, the checkpoint or a worker's hash;
 * what it would have given shows as bad ("?"), not as absent. */
void wstat_part_own_unreadable(struct wstat_part *p);
void wstat_part_ckpt_unreadable(struct wstat_part *p);
void wstat_worker_unreadable(struct wstat_worker *w);

/* Sorts the workers by id, then derives what is not stored: each worker's owned count and dead mark
 * (heartbeat older than its lease at now_ms), and s->problems. */
void wstat_finish(struct wstat *s, int64_t now_ms);

/* ---- table cells (the command and the view print the same text) --------------------------- */

enum wstat_wcol {
    WSTAT_WC_ID,
    WSTAT_WC_HOST,
    WSTAT_WC_PID,
    WSTAT_WC_OWNED,
    WSTAT_WC_RATE,
    WSTAT_WC_EVENTS,
    WSTAT_WC_LATE,
    WSTAT_WC_HEARTBEAT,
    WSTAT_WC_STATE,
    WSTAT_WC_N
};
extern const char *const wstat_worker_cols[WSTAT_WC_N];

enum wstat_pcol {
    WSTAT_PC_PART,
    WSTAT_PC_OWNER,
    WSTAT_PC_TOKEN,
    WSTAT_PC_TTL,
    WSTAT_PC_CKPT,
    WSTAT_PC_LAST,
    WSTAT_PC_CLOSED,
    WSTAT_PC_PENDING,
    WSTAT_PC_LAG,
    WSTAT_PC_EVENTS,
    WSTAT_PC_LATE,
    WSTAT_PC_REFUSED,
    WSTAT_PC_N
};
extern const char *const wstat_part_cols[WSTAT_PC_N];

/* Column widths in terminal columns for a table: width[c] is the widest of header[c] and
 * cells[r * ncols + c] over the nrows rows (sanitized strings). */
void wstat_col_widths(const char *const *header, size_t ncols, const char (*cells)[WSTAT_CELL_MAX],
                      size_t nrows, size_t *width);

/* A row's cells: "-" for absent, "?" for a bad value (the row's error says which), ages
 * relative to s->now_ms ("1.50s"), the closed period's end as UTC "HH:MM:SS". */
void wstat_worker_cells(const struct wstat *s, const struct wstat_worker *w,
                        char cells[WSTAT_WC_N][WSTAT_CELL_MAX]);
void wstat_part_cells(const struct wstat *s, const struct wstat_part *p,
                      char cells[WSTAT_PC_N][WSTAT_CELL_MAX]);

#endif
