/* rule.h — alert rules: the rule file (`[rule NAME]` blocks of `field = value` lines) and the
 * expression language `AGG(SELECTOR) [by (LABEL, ...)] [over WINDOW] OP NUMBER` or
 * `absent(SELECTOR) [over WINDOW]`. Parsed here, in core, with FILE:LINE:COL errors of the form
 * "expected X, found Y"; evaluated by core/alert. The language reference is in docs/rules.md. */
#ifndef WR_RULE_H
#define WR_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/select.h"

#define RULE_DEFAULT_WINDOW_S 60
#define RULE_MAX_WINDOW_S (30 * 86400) /* 30d */
#define RULE_NAME_MAX 128              /* bytes */

/* The aggregations (exact definitions in docs/query.md). Empty window: count and rate are 0,
 * absent is 1, every other one has no value (NAN, never true in a rule). */
enum rule_agg {
    RULE_AGG_COUNT, /* events in the window */
    RULE_AGG_RATE,  /* events per second of the window (the part data can cover) */
    RULE_AGG_SUM,
    RULE_AGG_AVG,
    RULE_AGG_MIN,
    RULE_AGG_MAX,
    RULE_AGG_FIRST,    /* the value with the smallest event time */
    RULE_AGG_LAST,     /* the value with the largest event time */
    RULE_AGG_RANGE,    /* max - min */
    RULE_AGG_STDDEV,   /* std.p: population standard deviation (also written `stddev`) */
    RULE_AGG_STD_S,    /* sample standard deviation (n - 1); no value under 2 events */
    RULE_AGG_VAR_P,    /* population variance */
    RULE_AGG_VAR_S,    /* sample variance (n - 1); no value under 2 events */
    RULE_AGG_INCREASE, /* last - first */
    RULE_AGG_P50,      /* p50 ... p999: nearest-rank quantiles, clamped to [min, max] */
    RULE_AGG_P90,
    RULE_AGG_P95,
    RULE_AGG_P99,
    RULE_AGG_P999,
    RULE_AGG_QUANTILE, /* any other quantile: `p75`, `p99.99`, `quantile(0.75, SELECTOR)` */
    RULE_AGG_ABSENT,   /* 1 when no matching series had an event in the window, else 0 */
};
#define RULE_AGG_LAST_KIND RULE_AGG_ABSENT

enum rule_op { RULE_OP_GT, RULE_OP_GE, RULE_OP_LT, RULE_OP_LE, RULE_OP_EQ, RULE_OP_NE };

/* In increasing order of urgency (sorting relies on it). */
enum rule_severity { RULE_SEV_INFO, RULE_SEV_WARNING, RULE_SEV_CRITICAL, RULE_SEV_PAGE };

/* A parsed expression. Owns all its memory. */
struct rule_expr {
    bool bare; /* query only: a bare selector (no aggregation, by, over or comparison) */
    enum rule_agg agg;
    double q;    /* the quantile of a quantile aggregation (0.99 for p99), else NAN */
    bool has_op; /* a comparison was written (always in a rule but absent(); optional in a
                    query, where it keeps the rows for which it holds) */
    struct selector *sel;
    char *sel_text; /* the selector as written, blanks around it dropped */
    bool has_by;    /* `by (...)` given; an empty list makes one group of every series */
    char **by;      /* label names in written order, unique ("__name__" is the metric) */
    size_t nby;
    uint32_t window_s; /* RULE_DEFAULT_WINDOW_S when `over` is not given */
    bool has_window;   /* `over` was given */
    enum rule_op op;   /* absent(): RULE_OP_EQ (its value is 1 when absent, else 0) */
    double threshold;  /* absent(): 1 */
    char *text;        /* the whole expression as written, blanks around it dropped */
};

struct rule_label {
    char *name;
    char *value;
};

struct rule {
    char *name;
    struct rule_expr expr;
    int64_t for_ms;              /* default 0: fire at the first true evaluation */
    int64_t keep_firing_for_ms;  /* default 0: resolve at the first false evaluation */
    enum rule_severity severity; /* default RULE_SEV_WARNING */
    char *summary;               /* template (core/tmpl); "" when not given */
    char *runbook;               /* template; "" when not given */
    struct rule_label *labels;   /* static labels, sorted by name, unique */
    size_t nlabels;
    unsigned line; /* of the [rule NAME] header */
};

/* The rules of one file, in file order. Owns them. */
struct rule_set {
    struct rule **rules;
    size_t count;
};

/* Parses a rule file held in text (len bytes; the app reads the file). filename is used in
 * messages only (NULL: "<rules>"). On success fills *out (which need not be initialised) and
 * returns 0. On the first error returns -1, leaves *out empty, and writes one line
 * "FILE:LINE:COL: expected X, found Y" (NUL-terminated, truncated to err_cap; err may be NULL).
 * LINE and COL count from 1; COL counts bytes, a tab being one. */
int rule_parse_file_text(const char *text, size_t len, const char *filename, struct rule_set *out,
                         char *err, size_t err_cap);

/* Frees every rule and the array; *set is empty afterwards. NULL is a no-op. */
void rule_set_free(struct rule_set *set);

/* Frees r and everything it owns. NULL is a no-op. */
void rule_free(struct rule *r);

/* Parses one expression of len bytes. Returns 0 with *out filled (free with rule_expr_free),
 * or -1 with *out zeroed, the message "expected X, found Y" in err (truncated to err_cap; err
 * may be NULL) and the 1-based byte column of the problem in *err_col (may be NULL). */
int rule_expr_parse(const char *text, size_t len, struct rule_expr *out, size_t *err_col, char *err,
                    size_t err_cap);

/* The query form of the language, shared by `warroom query` and the interface's filter:
 *     AGG(SELECTOR) [by (LABEL, ...)] [over WINDOW] [OP NUMBER]   (the comparison is optional)
 *     quantile(Q, SELECTOR) ...                                   (also in rules)
 *     SELECTOR                                                     (bare: e->bare is set)
 * Text whose first word is followed by '(' is an aggregation; anything else is one selector,
 * so `eu` is the metric named eu and `~eu` the series whose key contains eu. Same contract
 * as rule_expr_parse. */
int rule_expr_parse_query(const char *text, size_t len, struct rule_expr *out, size_t *err_col,
                          char *err, size_t err_cap);

/* Frees what e owns and zeroes it. */
void rule_expr_free(struct rule_expr *e);

/* Whether the aggregation needs histogram quantiles (p50 ... p999, any other quantile). */
bool rule_agg_is_quantile(enum rule_agg agg);

/* The quantile of a fixed p* aggregation (0.5 for p50, ..., 0.999 for p999); NAN for the others
 * (RULE_AGG_QUANTILE included: its q is in the expression). */
double rule_agg_quantile(enum rule_agg agg);

/* Parses an aggregation name of len bytes: count, rate, sum, avg, min, max, first, last, range,
 * std.p (or stddev), std.s, var.p, var.s, increase, absent, quantile, and pX for any decimal X
 * in [0, 100] (p50, p75, p99.9; p999 is p99.9). Sets *agg and *q (the quantile, NAN for the
 * non-quantile ones and for "quantile", whose q is written in the call). Returns 0 or -1. */
int rule_agg_parse(const char *text, size_t len, enum rule_agg *agg, double *q);

/* The aggregation's value over one window, from the window's summary s, its merged histogram h
 * (needed only when rule_agg_is_quantile; NULL gives NAN for those) and covered_s, the seconds
 * of the window data can cover (for rate). q is the quantile (rule_expr.q). Quantiles are the
 * nearest-rank value of h clamped to [s->min, s->max] (hist_quantile_clamp). */
struct summary;
struct hist;
double rule_agg_value(enum rule_agg agg, double q, const struct summary *s, const struct hist *h,
                      double covered_s);

/* A column title for an aggregation: its name, or "pX" for a quantile (q 0.75: "p75"; a q with
 * no short percent form: "quantile(Q)"). Writes buf (cap >= 32) and returns it. */
const char *rule_agg_label(enum rule_agg agg, double q, char *buf, size_t cap);

/* `value OP threshold`; false whenever value is NaN. */
bool rule_op_holds(enum rule_op op, double value, double threshold);

/* Names as written in rules: "p99", ">=", "critical". Never NULL ("?" when out of range). */
const char *rule_agg_name(enum rule_agg agg);
const char *rule_op_name(enum rule_op op);
const char *rule_severity_name(enum rule_severity sev);

/* Parses a severity name (exact, lower case). Returns 0, or -1 (out untouched). */
int rule_severity_parse(const char *text, size_t len, enum rule_severity *out);

/* Writes a description of what starts at text[i] (of len bytes) for "found ..." in messages:
 * "the end" at the end, a quoted word, number or operator ("'p98'", "'=>'"), a quoted single
 * character, or "byte 0xNN" for a control or non-ASCII byte. Returns buf. cap >= 48 is enough. */
const char *rule_describe_at(const char *text, size_t len, size_t i, char *buf, size_t cap);

#endif
