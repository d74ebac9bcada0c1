/* model.h — everything the interface shows, filled by the app and read by the views: the series
 * table, the clock, the view settings (window, sort, filter, selection, pause), the status line,
 * and the alert rows and chat lines (empty until the alerts and chat features fill them). The
 * UI never talks to Redis; it renders this. */
#ifndef WR_MODEL_H
#define WR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rank.h"
#include "core/series.h"

#define MODEL_FILTER_MAX 256

/* State of the connection to Redis, for the status line. */
enum model_conn {
    MODEL_CONN_CONNECTING,
    MODEL_CONN_UP,
    MODEL_CONN_RECONNECTING,
    MODEL_CONN_FAILED, /* refused the handshake (auth): needs the user */
};

struct model_status {
    enum model_conn conn;
    char conn_text[64]; /* "live", "replay", "reconnecting (attempt 3)", "auth failed" */
    char addr[128];     /* the address, never a password */
    char ns[40];        /* key namespace */
    unsigned partitions;
    double events_per_s; /* ingest rate over the last second */
    uint64_t events;     /* accepted since start */
    uint64_t late;       /* behind the watermark (still counted) */
    uint64_t rejected;   /* invalid entries sent to the dead-letter stream, plus core refusals */
    bool replay_done;
    double replay_progress; /* 0..1 while replaying */
    char note[64];          /* short extra text ("demo 1k ev/s"), "" for none */
};

enum model_severity {
    MODEL_SEV_INFO,
    MODEL_SEV_WARN,
    MODEL_SEV_CRIT,
};

/* One alert instance as the alerts panel lists it (owned by whoever fills the model). */
struct model_alert {
    enum model_severity severity;
    const char *state;   /* "firing", "pending", "resolved" */
    const char *name;    /* rule name */
    const char *series;  /* series key */
    const char *summary; /* sanitised text */
    int64_t since_ms;
    bool acked, silenced;
};

/* One chat line (owned by whoever fills the model). */
struct model_chat_line {
    int64_t ts_ms;
    const char *nick; /* sanitised */
    const char *kind; /* "msg", "me", "join", "part", "nick", "alert", "system" */
    const char *text; /* sanitised */
    bool mention;
};

struct model {
    const struct series_table *tab; /* borrowed; series are never removed, so pointers last */
    int64_t now_ms;                 /* wall clock: windows end with the second holding it */
    uint64_t version;               /* bumped by the app whenever tab changed */

    /* view settings, changed by keys */
    uint32_t window_s;             /* sliding window of the table and the detail view */
    enum rank_column sort;         /* table order */
    bool ascending;                /* false: largest first (key: A..Z) */
    enum rank_column stat;         /* statistic of sparklines and the detail chart */
    char filter[MODEL_FILTER_MAX]; /* "" for none */
    size_t selected;               /* row index in the table */
    size_t top;                    /* first row shown */
    bool paused;                   /* panes frozen; the status line still runs */

    struct model_status status;

    const struct model_alert *alerts; /* nalerts rows, newest first */
    size_t nalerts;
    const struct model_chat_line *chat; /* nchat lines, oldest first */
    size_t nchat;
    const char *chat_room; /* NULL: none joined */
};

/* Sets the view defaults (1 minute window, by rate, largest first, sparklines of the rate). */
void model_init(struct model *m, const struct series_table *tab);

/* The next window length (10s, 1m, 5m, 15m, then 10s again). */
void model_next_window(struct model *m);

/* The next sort column: key, rate, count, avg, p50, p90, p99, max. */
void model_next_sort(struct model *m);

/* The next statistic of sparklines and charts: rate, count, avg, p50, p90, p99, max. */
void model_next_stat(struct model *m);

/* Short name of a window length: "10s", "1m", "15m". Returns buf. */
const char *model_window_name(uint32_t window_s, char *buf, size_t cap);

#endif
