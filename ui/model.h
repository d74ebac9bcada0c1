/* model.h — everything the interface shows, filled by the app and read by the views: the series
 * table, the clock, the view settings (window, sort, filter, selection, pause), the status line,
 * and the alert rows and chat lines (empty until the alerts and chat features fill them). The
 * UI never talks to Redis; it renders this. */
#ifndef WR_MODEL_H
#define WR_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/chatlog.h"
#include "core/dlqentry.h"
#include "core/presence.h"
#include "core/lineedit.h"
#include "core/rank.h"
#include "core/series.h"
#include "ui/theme.h"

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
    char source[48];     /* what the reader tails: "raw events" or "rollups 1s" (group mode),
                            with ", N s behind" while the rollups lag the wall clock */
    double events_per_s; /* ingest rate over the last second */
    uint64_t events;     /* accepted since start */
    uint64_t late;       /* behind the watermark (still counted) */
    uint64_t rejected;   /* invalid entries sent to the dead-letter stream, plus core refusals */
    bool replay_done;
    double replay_progress;   /* 0..1 while replaying */
    char note[64];            /* short extra text ("demo 1k ev/s"), "" for none */
    char series_warning[192]; /* the series cap reached ("series cap 100000 reached: 12 events
                                 dropped; raise --max-series") or a --max-series memory cannot
                                 hold: drawn as a warning right after the connection; "" none */
    /* partitions that cannot be read ("partition 0 unreadable: wr:ev:{p0} is a string"): shown
     * on the status line, right after the connection; "" for none */
    char unreadable[192];
    /* The connection is not up: with no data, the dashboard shows these instead of its empty
     * state, so an unreachable Redis never looks like an empty one */
    char conn_error[192]; /* what failed: "connection refused (attempt 3, retrying)"; "" while
                             up or during the first attempt */
    char conn_hint[160];  /* what to check: "is redis-server running there? check --redis ..." */
};

enum model_severity {
    MODEL_SEV_INFO,
    MODEL_SEV_WARN,
    MODEL_SEV_CRIT,
    MODEL_SEV_PAGE,
};

/* One alert instance as the alerts panel lists it (owned by whoever fills the model). Strings
 * from Redis are sanitised by the app. */
struct model_alert {
    enum model_severity severity;
    const char *state;   /* "firing", "pending", "resolved" */
    const char *name;    /* rule name */
    const char *series;  /* the instance: labels "k=v,k=v" ("" when none) */
    const char *summary; /* sanitised text */
    int64_t since_ms;    /* when it entered this state */
    bool acked, silenced;
    const char *short_id;  /* 6 hex digits, for /ack; NULL: none */
    const char *value;     /* the current value, formatted ("312.5", "-"); NULL: none */
    const char *threshold; /* the comparison it is held against ("> 250"); NULL: none */
    const char *ack_by;    /* who acknowledged it; NULL when not acked */
};

/* What the alerts panel asks the app to do with a row (enum for model.alert_action). */
enum model_alert_action {
    MODEL_ALERT_ACK,      /* acknowledge it */
    MODEL_ALERT_SILENCE,  /* silence it (or lift the silence the panel put on it) */
    MODEL_ALERT_OPEN,     /* open the detail view of its series */
    MODEL_ALERT_TIMELINE, /* show its incident timeline (ui_open_timeline) */
};

/* The chat pane's data, filled by the app and drawn by ui/view_chat. The room's messages are
 * kept as received (core/chatlog); the view renders them through the sanitizer. */
struct model_chat {
    struct chatlog *log;           /* NULL: no chat; the view may add local notices
                                      and move the unread marker */
    struct lineedit *input;        /* the input line (owned by the app) */
    const struct presence *online; /* nicks online in the room; may be NULL */
    const char *room;              /* "" when in no room */
    const char *nick;              /* ours */
    const char *state;             /* "up", "reconnecting (attempt 2): ..." */
    bool hide_alerts;              /* /filter alerts: alert lines are not drawn */
    /* Each line the user sends (a message or a /command), carried out by the app. */
    void (*submit)(void *privdata, const char *line, size_t len);
    void *privdata;
};

/* The dead-letter view's data: the newest rejected entries, read by the app when the view opens
 * or asks again (reload), never by the view. Strings are sanitized (core/dlqentry). */
struct model_dlq {
    const struct dlqentry *rows; /* by partition, newest first within one; owned by the app */
    size_t n;
    uint64_t total;     /* entries the dead-letter streams hold (>= n) */
    const char *source; /* what was read, e.g. "wr:dlq", for the title; NULL: nothing yet */
    bool loading;       /* a read is under way */
    char error[192];    /* why the last read failed (Redis' words, sanitized); "" when fine */
    int64_t read_ms;    /* when rows were read; 0: never */
    /* Asks the app to read them again (NULL: no Redis to read from, the view says so) */
    void (*reload)(void *privdata);
    void *privdata;
};

struct wstat;

/* The workers view's data (group mode): read by the app about every 2 s while the view is open
 * (open, set by the view), never by the view. Strings are sanitized (core/wstat). */
struct model_workers {
    const struct wstat *st; /* the last complete read (owned by the app); NULL: none yet */
    bool open;              /* the view is showing: the app keeps reading */
    bool loading;           /* a read is under way */
    char error[192];        /* why the last read failed (sanitized); "" when fine */
    int64_t read_ms;        /* when st was read; 0: never */
    /* Asks the app to read now (NULL: no Redis to read from, the view says so) */
    void (*reload)(void *privdata);
    void *privdata;
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
    /* Rank every series from scratch each frame (core/rank's rank_top) instead of through the
     * table's cache (core/rankcache): the same rows, slower; `bench tui`'s baseline. */
    bool rank_uncached;

    struct model_status status;

    const struct model_alert *alerts; /* nalerts rows: firing, pending, then resolved */
    size_t nalerts;
    /* Alert actions from the panel, carried out by the app (NULL: the panel is read-only);
     * row indexes alerts. The app may change the model and the UI (open the detail view). */
    void (*alert_action)(void *privdata, enum model_alert_action action, size_t row);
    void *alert_privdata;
    char alert_note[96]; /* feedback of the last action or a role ("leader"), "" for none */
    int64_t alerts_stale_since_ms; /* nobody evaluates the rules since (wall ms); 0: fresh */
    /* The incident timeline of an alert (`t`), filled by the app, drawn by the overlay that
     * ui_open_timeline opens: a title and lines, sanitised by the app (owned by it). */
    char timeline_title[160];
    const char *const *timeline_lines;
    size_t ntimeline;

    /* The themes `T` cycles through (owned by the app; NULL: none) and the one in use. */
    const struct theme *themes;
    size_t nthemes, theme_current;
    struct model_chat chat;
    struct model_dlq dlq;
    struct model_workers workers;
};

/* Sets the view defaults (1 minute window, by rate, largest first, sparklines of the rate). */
void model_init(struct model *m, const struct series_table *tab);

/* The next window length (10s, 1m, 5m, 15m, then 10s again). */
void model_next_window(struct model *m);

/* The next sort column: key, rate, count, avg, p50, p90, p99, max, then the statistic of the
 * sparklines (m->stat) when no column shows it (stddev, min, increase ...), then key again. */
void model_next_sort(struct model *m);

/* Whether the series table has a column of its own for col (rate, count, avg, p50, p90, p99,
 * max, and the key); the others are reached as the sparklines' statistic. */
bool model_sort_has_column(enum rank_column col);

/* The next statistic of sparklines and charts: rate, count, avg, p50, p90, p99, max, min, sum,
 * first, last, range, stddev, increase. A table sorted by the statistic it replaces (one with no
 * column of its own) is then sorted by the new one: the order stays with the trend column. */
void model_next_stat(struct model *m);

/* Short name of a window length: "10s", "1m", "15m". Returns buf. */
const char *model_window_name(uint32_t window_s, char *buf, size_t cap);

/* The sliding window's name, saying how much of it data can cover when that is not all of it
 * (right after start, or a window longer than the history kept): "1m", or "1m (38s of data)".
 * Rates are per second of that covered part. Returns buf. */
const char *model_window_label(const struct model *m, char *buf, size_t cap);

/* The first moment whose data the table can hold now (series_table_data_from_ms); INT64_MIN
 * without a table. For rates over windows data cannot fill (window_rate_from). */
int64_t model_data_from_ms(const struct model *m);

#endif
