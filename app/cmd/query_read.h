/* query_read.h — reading events for a one-shot answer: XRANGE every partition stream of a
 * namespace, page by page, into a fresh series table (`warroom query`, `warroom incident`). */
#ifndef WR_QUERY_READ_H
#define WR_QUERY_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app/redis/csync.h"
#include "core/series.h"

/* A partition Redis would not let us read (a key of another type, an ACL that denies it). */
struct qread_unreadable {
    unsigned part;
    char key[128];
    char error[256]; /* "wr:ev:{p0} is a string", or "KEY: <Redis' error>" */
};

struct qread_stats {
    int64_t now_ms;
    uint64_t entries;  /* stream entries read (the range read is wider than the window) */
    uint64_t events;   /* valid events inside the window */
    uint64_t rejected; /* invalid entries whose ID time lies inside the window */
    double covered_s;  /* the part of the window data can be in: the window, or the streams'
                          retention when that is shorter; rates are per second of it */
    struct qread_unreadable *unreadable; /* partitions Redis refused to read (owned: free()) */
    size_t nunreadable;
    unsigned partitions;
    const char *source; /* "raw events" or "rollups 1m" (points into the struct or static) */
    char source_buf[24];
    uint64_t rollups;       /* rollups: series summaries merged (events: the events they hold) */
    uint64_t roll_rejected; /* rollups: entries or field pairs that failed to decode */
    char roll_error[256];   /* the last one: "wr:roll:1s:{p0} 1700000000000-0 m: truncated" */
};

/* Reads every partition of namespace ns: events whose own time lies in [lo_ms, hi_ms] go to
 * tab (entry IDs from lo_ms - EVENT_MAX_FUTURE_MS up to hi_ms are read); counts go to res,
 * refused partitions to res->unreadable (the caller frees it). Returns 0, or an exit code
 * (EXIT_UNREACHABLE: the connection broke; EXIT_FAILURE_GENERIC: namespace too long) after a
 * message on stderr that starts with prog. */
int qread_all(struct csync *c, const char *ns, unsigned partitions, int64_t lo_ms, int64_t hi_ms,
              struct series_table *tab, struct qread_stats *res, const char *prog);

/* Group mode: the rollup tier a span is read from: "1s" up to an hour, "1m" up to 7 days, "1h"
 * beyond; its period in *period_ms, how long it is kept by default in *keep_ms. */
const char *qread_tier(int64_t span_ms, uint32_t *period_ms, int64_t *keep_ms);

/* Group mode: a table config set so that the tier's periods (period_ms) land in whole slots:
 * coarse slots a multiple of the period (at least the period for an instant query), retention
 * a period and two coarse slots more. */
void qread_tier_table(struct series_table_config *tc, uint32_t period_ms, bool instant);

/* As qread_all, from the rollup tier NS:roll:TIER:{pI} (period period_ms) instead of the raw
 * events: every period whose start lies in [lo_ms, hi_ms] is merged whole into tab
 * (series_table_merge: it lands in the slot holding its start second); res->events counts the
 * events the merged summaries hold, res->roll_rejected the entries and field pairs that failed
 * to decode (never fatal: the reason of the last one in res->roll_error). With instant (one
 * window: no range, no sessions) on the 1s tier over 2 minutes or more, the window's whole
 * minutes come from the 1m tier as far as the owners have merged it, the rest from the 1s tier:
 * the same events, sixty times fewer summaries. */
int qread_rollups(struct csync *c, const char *ns, unsigned partitions, const char *tier,
                  uint32_t period_ms, bool instant, int64_t lo_ms, int64_t hi_ms,
                  struct series_table *tab, struct qread_stats *res, const char *prog);

#endif
