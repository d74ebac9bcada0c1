/* alert.h — alert evaluation: every rule over the series table at a given event time, one
 * instance per matching series or per `by` group, the Prometheus-like state machine
 * inactive -> pending -> firing -> resolved, transitions for the app to publish, the instance
 * table behind the alerts panel, and helpers for acks and silences (whose truth lives in Redis).
 * Nothing here reads a clock: time is the now_ms the caller passes (event time). */
#ifndef WR_ALERT_H
#define WR_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rule.h"
#include "core/select.h"
#include "core/series.h"

#define ALERT_SHORT_ID_LEN 6 /* hex digits */
#define ALERT_DEFAULT_RESOLVED_RETENTION_MS (15 * 60 * 1000LL)

enum alert_state {
    ALERT_INACTIVE, /* not listed: condition false (or never true) */
    ALERT_PENDING,  /* condition true for less than the rule's `for` */
    ALERT_FIRING,   /* condition true for at least `for` (then false for less than
                       keep_firing_for) */
    ALERT_RESOLVED, /* was firing, condition false for keep_firing_for; listed for the
                       retention, then inactive */
};

struct alert_config {
    int64_t resolved_retention_ms; /* how long a resolved instance stays listed; default
                                      ALERT_DEFAULT_RESOLVED_RETENTION_MS */
    bool full_windows; /* the reference evaluator: every window merged from all its slots at
                          every evaluation, none followed incrementally (tests, bench; and a
                          table whose watermark is restarted between evaluations, which the
                          incremental windows cannot follow: see docs/architecture.md 7.5) */
};

/* One rule instance: a rule and one set of instance labels. Owned by the engine; read-only to
 * callers. Instances exist only while pending, firing or resolved. */
struct alert_instance {
    const struct rule *rule;
    char *id; /* "rule{k=v,...}" with the instance labels in canonical form (core/event's
                 quoting); the bare rule name when the instance has no labels */
    char short_id[ALERT_SHORT_ID_LEN + 1]; /* hex digits of a hash of id, for /ack */
    char *labels; /* instance labels merged with the rule's static labels (these win on a name
                     clash), sorted, "k=v,k=v"; "" when none */
    enum alert_state state;
    double value;            /* at the last evaluation; NAN when the window had no data */
    int64_t since_ms;        /* when it entered the current state */
    int64_t active_since_ms; /* first true evaluation of the current episode */
    int64_t last_eval_ms;
    bool acked; /* cleared when the instance resolves */
    char *ack_by;
    int64_t ack_at_ms;

    /* private to the engine */
    int64_t false_since_ms; /* while firing: first false evaluation, INT64_MIN when true */
    struct rule_label *dyn; /* the instance labels (those in id), sorted */
    struct rule_label *lab; /* merged with the static ones (those in labels), sorted */
    size_t ndyn, nlab;
    size_t active_pos; /* in the engine's list of listed instances */
};

/* A state change found by alert_eval. Strings are owned by the engine and valid until the next
 * alert_eval, alert_engine_set_rules or alert_engine_free. */
struct alert_transition {
    const struct rule *rule; /* valid while its rule set is installed */
    const char *instance_id;
    char short_id[ALERT_SHORT_ID_LEN + 1];
    const char *labels; /* as alert_instance.labels */
    enum alert_state from, to;
    double value;     /* the value that caused it (NAN: no data) */
    double threshold; /* the rule's number (1 for absent()) */
    int64_t at_ms;    /* the evaluation time */
    enum rule_severity severity;
    const char *summary; /* rendered templates (core/tmpl), at most TMPL_TEXT_MAX - 1 bytes */
    const char *runbook;
    bool silenced; /* an unexpired silence matched the instance at at_ms: do not announce */
};

/* A silence mutes the announcement of matching instances until until_ms (exclusive, in the same
 * time base as the now_ms given to alert_eval). The matcher is one of:
 *   - a rule name ("api_latency_high"), or "*" for every rule;
 *   - a short id ("3fa2c1"): that instance;
 *   - RULE{MATCHERS}, *{MATCHERS} or {MATCHERS}: instances of that rule (any rule) whose labels
 *     pass the selector matchers (core/select syntax: = != =~ !~). An instance id is of this
 *     form and matches its instance, and any other instance of the rule with those labels. */
struct silence {
    char *matcher;
    int64_t until_ms;
    char *who;
    char *comment;

    /* private to the engine */
    char *rule_name;         /* NULL: any rule */
    struct selector *labels; /* NULL: no label condition */
};

struct alert_engine;

/* Returns a new engine with no rules (cfg NULL: defaults). Free with alert_engine_free. */
struct alert_engine *alert_engine_new(const struct alert_config *cfg);
void alert_engine_free(struct alert_engine *e);

/* Installs a rule set, taking ownership of its rules (*rules is left empty). Instances of a
 * rule whose name and expression text are unchanged keep their state (severity, templates,
 * for, keep_firing_for and static labels take the new values); all other instances are dropped
 * without transitions. Transitions and instance pointers handed out earlier become invalid. */
void alert_engine_set_rules(struct alert_engine *e, struct rule_set *rules);

/* The installed rules, in file order. */
size_t alert_engine_rule_count(const struct alert_engine *e);
const struct rule *alert_engine_rule(const struct alert_engine *e, size_t i);

/* Evaluates every rule at event time now_ms over tab (always the same table: passing another
 * one resets every instance) and runs the state machine. Call it about once per second of
 * event time. Sets *out to the transitions found (engine-owned, valid until the next call; in
 * evaluation order: rules grouped by window length, then in file order) and returns their
 * number. A now_ms earlier than the previous evaluation's does nothing and
 * returns 0. Silences that expired by now_ms are removed. */
size_t alert_eval(struct alert_engine *e, const struct series_table *tab, int64_t now_ms,
                  const struct alert_transition **out);

/* The same evaluation in slices, so that a caller with a UI to draw never waits for all the
 * rules at once (alert_eval is begin + end):
 *   alert_eval_begin starts an evaluation at now_ms (clearing the previous transitions) and
 *   returns 0; it returns -1 and starts nothing when now_ms is earlier than the previous
 *   evaluation's or when one is still in progress.
 *   alert_eval_step does about `budget` units of work (a unit is one series matched against
 *   the rules, or one series window or group evaluated; a unit costs from well under a
 *   microsecond to some tens of microseconds) and returns true once everything is done (or
 *   nothing is in progress). Calling it with small budgets gives exactly the transitions and
 *   states one alert_eval at now_ms would give on the same data. The table may receive events
 *   between steps (a window already computed in this evaluation is not recomputed; series
 *   added after begin wait for the next evaluation), but must not be replaced.
 *   alert_eval_end completes what is left, expires silences and sets *out to the evaluation's
 *   transitions (as alert_eval); with nothing in progress it returns the transitions already
 *   held (none after a failed begin).
 * Between the steps any other engine function may run; alert_engine_set_rules abandons the
 * evaluation in progress (no transitions). */
int alert_eval_begin(struct alert_engine *e, const struct series_table *tab, int64_t now_ms);
bool alert_eval_step(struct alert_engine *e, size_t budget);
size_t alert_eval_end(struct alert_engine *e, const struct alert_transition **out);

/* Whether an evaluation is in progress (between a successful begin and its end). */
bool alert_eval_running(const struct alert_engine *e);

/* How the series windows of the evaluations so far were had: from the kept aggregate of their
 * closed seconds (incremental: of those, rebuilt: read again from all their slots, after a late
 * event or on first use), or merged from all their slots (full: cfg.full_windows, windows
 * that need sums or variances, windows past the retention). Idle windows are not counted. */
struct alert_window_counts {
    uint64_t incremental, rebuilt, full;
    /* quantiles of `by` groups: answered by summing only the top of their members' bins (from
     * a little below the last answer), or by summing all of them; top_short: of those, after
     * a top sum fell short of the rank */
    uint64_t group_top, group_full, group_top_short;
};
void alert_engine_window_counts(const struct alert_engine *e, struct alert_window_counts *out);

/* The listed instances (pending, firing, resolved) sorted for the alerts panel: firing, then
 * pending, then resolved; within a state by severity (page first), then most recent `since`
 * first, then id. Sets *out to an engine-owned array valid until the next call of any function
 * that takes a non-const engine; returns the count. */
size_t alert_instances(struct alert_engine *e, const struct alert_instance *const **out);

/* The listed instance whose id is id_or_short, or else whose short id is id_or_short (NULL
 * when none, or when two listed instances share that short id). */
const struct alert_instance *alert_find(const struct alert_engine *e, const char *id_or_short);

/* Marks a pending or firing instance acknowledged by who (NULL: "") at at_ms. Returns 0, or -1
 * when no such instance is pending or firing (see alert_find). The ack ends when it resolves. */
int alert_ack(struct alert_engine *e, const char *id_or_short, const char *who, int64_t at_ms);

/* The canonical key of the one series an instance watches (a rule without `by` and not
 * absent()), newly allocated; NULL for `by` groups and absent(). */
char *alert_instance_series(const struct alert_instance *inst);

/* Continues from a state announced elsewhere (another process's engine, which may have seen a
 * longer history): for an instance pending here (its condition holds now) that was announced
 * pending or firing, the episode's start becomes the earlier of the two, and when it was
 * announced firing the instance becomes firing since since_ms. No transition is recorded.
 * Returns 0, or -1 (nothing changed) when id is not a pending instance here or state is
 * neither pending nor firing. */
int alert_adopt(struct alert_engine *e, const char *id, enum alert_state state, int64_t since_ms,
                int64_t active_since_ms);

/* Renders a template (core/tmpl) for an instance with its current value. Returns as tmpl_render. */
size_t alert_render(const struct alert_instance *inst, const char *tmpl, char *out, size_t cap);

/* Adds a silence (or replaces the one with the same matcher text). Returns 0, or -1 with a
 * message in err (truncated to err_cap; err may be NULL) when the matcher does not parse. */
int alert_silence_add(struct alert_engine *e, const char *matcher, int64_t until_ms,
                      const char *who, const char *comment, char *err, size_t err_cap);

/* A silence on its own, outside an engine (the alerts board keeps these): the matcher parsed
 * as alert_silence_add does. Returns NULL with a message in err when it does not parse. Free
 * with alert_silence_free (NULL is a no-op). */
struct silence *alert_silence_new(const char *matcher, int64_t until_ms, const char *who,
                                  const char *comment, char *err, size_t err_cap);
void alert_silence_free(struct silence *s);

/* Whether s matches an instance of rule `rule` with this short id and labels ("k=v,k=v" as in
 * alert_instance.labels), whatever its expiry. */
bool alert_silence_matches(const struct silence *s, const char *rule, const char *short_id,
                           const char *labels);

/* Removes the silence with this matcher text. Returns 0, or -1 when there is none. */
int alert_silence_remove(struct alert_engine *e, const char *matcher);

/* The silences, in the order they were added. Valid until the silences change. */
size_t alert_silence_list(const struct alert_engine *e, const struct silence *const **out);

/* The first silence with until_ms > now_ms that matches inst, or NULL. */
const struct silence *alert_silence_find(const struct alert_engine *e,
                                         const struct alert_instance *inst, int64_t now_ms);

/* "inactive", "pending", "firing", "resolved". */
const char *alert_state_name(enum alert_state s);

#endif
