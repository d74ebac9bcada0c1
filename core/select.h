/* select.h — series selectors `metric{k=v,k!=v,k=~re,k!~re}` (Prometheus label-matcher
 * semantics) and the case-insensitive substring filter, used by the dashboard, queries and
 * alert rules to pick series. */
#ifndef WR_SELECT_H
#define WR_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"

struct regex;

enum select_op {
    SELECT_EQ,  /* k=v   */
    SELECT_NE,  /* k!=v  */
    SELECT_RE,  /* k=~re */
    SELECT_NRE, /* k!~re */
    SELECT_SUB, /* ~text: the series key contains text, ignoring ASCII case (name is "") */
};

struct select_matcher {
    char *name;
    char *value; /* unquoted text; for SELECT_RE and SELECT_NRE the regex source */
    enum select_op op;
    struct regex *re; /* compiled for SELECT_RE and SELECT_NRE only (core/regex), else NULL */
};

/* A parsed selector. It owns all its memory; read-only after select_new. */
struct selector {
    char *metric; /* NULL: any metric ("*" or no metric given) */
    size_t nmatchers;
    struct select_matcher *matchers;
};

/* Parses a selector of len bytes:
 *     [metric | '*'] ['{' [matcher {',' matcher} [',']] '}']
 *     matcher = name ('=' | '!=' | '=~' | '!~') value  |  '~' value
 * with at least a metric, '*' or braces, or the shorthand '~' value (= `*{~value}`). A '~'
 * matcher has no label name: it holds when the canonical series key contains the value, ignoring
 * ASCII case (select_substring_match), so `~eu` and `{~"eu"}` pick every series whose key
 * mentions eu. Values are unquoted (up to ',' or '}', surrounding
 * blanks dropped) or double-quoted with \" \\ \n escapes (any other backslash pair is kept as is,
 * so "a\.b" is the regex a\.b). Regexes use the bounded syntax of core/regex.h (RE2-like, no
 * backtracking, at most REGEX_PATTERN_MAX bytes) and must match the whole value; a refused
 * regex names the column of the offending byte. Returns a new selector, or NULL with a message
 * naming the column and what was expected in err (NUL-terminated, truncated to err_cap; err may
 * be NULL). */
struct selector *select_new(const char *text, size_t len, char *err, size_t err_cap);

/* Frees sel and everything it owns. NULL is a no-op. */
void select_free(struct selector *sel);

/* Whether the series identity ev (metric and labels; value and time ignored) passes every
 * matcher. A label the series lacks counts as the empty string, as in Prometheus: `k=` matches
 * series without k, `k!=v` (v non-empty) matches them too, `k=~.*` matches everything. */
bool select_match(const struct selector *sel, const struct event *ev);

/* select_match on a series key (event_parse_key). False when the key does not parse. */
bool select_match_key(const struct selector *sel, const char *key, size_t len);

/* Whether needle occurs in key, ignoring ASCII case (other bytes compare exactly). Both are
 * NUL-terminated; an empty needle matches every key. */
bool select_substring_match(const char *key, const char *needle);

#endif
