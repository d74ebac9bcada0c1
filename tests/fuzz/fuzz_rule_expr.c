/* fuzz_rule_expr.c — the expression language of rules (rule_expr_parse) and of queries and the
 * interface's filter (rule_expr_parse_query), one parser. Query form: whatever a rule accepts
 * it accepts with the same fields; an accepted query (bare selector or aggregation) parses again
 * from its text and from its fields written out; a refusal names a column as a rule's does.
 * Properties of an accepted
 * expression: fields in range (a selector, a window of 1 s to 30 d, a finite threshold, unique
 * label names; absent() has no `by` and the fixed comparison), its text is the input without
 * surrounding blanks and parses to the same expression, and so does the expression written out
 * again from its fields. A refused one gives an "expected ..." or "bad selector: ..." message in
 * one line and a column inside the text (or just past it). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rule.h"

static void same_expr(const struct rule_expr *a, const struct rule_expr *b)
{
    FUZZ_CHECK(a->agg == b->agg && a->op == b->op && a->window_s == b->window_s);
    FUZZ_CHECK(a->bare == b->bare && a->has_op == b->has_op);
    FUZZ_CHECK((isnan(a->q) && isnan(b->q)) || a->q == b->q);
    FUZZ_CHECK(memcmp(&a->threshold, &b->threshold, sizeof a->threshold) == 0);
    FUZZ_CHECK(a->has_by == b->has_by && a->nby == b->nby);
    for (size_t i = 0; i < a->nby; i++)
        FUZZ_CHECK(strcmp(a->by[i], b->by[i]) == 0);
    FUZZ_CHECK(strcmp(a->sel_text, b->sel_text) == 0);
    FUZZ_CHECK(a->sel->nmatchers == b->sel->nmatchers);
}

/* Writes the expression out from its fields (query: the comparison only when given). */
static char *write_out(const struct rule_expr *e, size_t *out_len)
{
    size_t cap = strlen(e->sel_text) + 64 * (e->nby + 5);
    char *w = malloc(cap);
    size_t len;
    if (e->bare) {
        len = (size_t)snprintf(w, cap, "%s", e->sel_text);
        *out_len = len;
        return w;
    }
    if (e->agg == RULE_AGG_QUANTILE)
        len = (size_t)snprintf(w, cap, "quantile(%.17g, %s)", e->q, e->sel_text);
    else
        len = (size_t)snprintf(w, cap, "%s(%s)", rule_agg_name(e->agg), e->sel_text);
    if (e->has_by) {
        len += (size_t)snprintf(w + len, cap - len, " by (");
        for (size_t i = 0; i < e->nby; i++)
            len += (size_t)snprintf(w + len, cap - len, "%s%s", i ? ", " : "", e->by[i]);
        len += (size_t)snprintf(w + len, cap - len, ")");
    }
    len += (size_t)snprintf(w + len, cap - len, " over %us", (unsigned)e->window_s);
    if (e->agg != RULE_AGG_ABSENT && e->has_op)
        len += (size_t)snprintf(w + len, cap - len, " %s %.17g", rule_op_name(e->op), e->threshold);
    FUZZ_CHECK(len < cap);
    *out_len = len;
    return w;
}

static void check_expr(const struct rule_expr *e, const char *s, size_t n)
{
    FUZZ_CHECK((unsigned)e->agg <= RULE_AGG_LAST_KIND && (unsigned)e->op <= RULE_OP_NE);
    FUZZ_CHECK(!e->bare && e->has_op == (e->agg != RULE_AGG_ABSENT));
    FUZZ_CHECK(rule_agg_is_quantile(e->agg) ? e->q >= 0 && e->q <= 1 : isnan(e->q));
    FUZZ_CHECK(e->sel != NULL && e->sel_text && *e->sel_text);
    FUZZ_CHECK(e->window_s >= 1 && e->window_s <= RULE_MAX_WINDOW_S);
    FUZZ_CHECK(isfinite(e->threshold));
    FUZZ_CHECK(strcmp(rule_agg_name(e->agg), "?") != 0);
    FUZZ_CHECK(e->agg == RULE_AGG_QUANTILE ||
               rule_agg_is_quantile(e->agg) == !isnan(rule_agg_quantile(e->agg)));
    if (e->agg == RULE_AGG_ABSENT)
        FUZZ_CHECK(!e->has_by && e->op == RULE_OP_EQ && e->threshold == 1);
    FUZZ_CHECK(e->has_by || e->nby == 0);
    for (size_t i = 0; i < e->nby; i++) {
        FUZZ_CHECK(*e->by[i] && !isdigit((unsigned char)e->by[i][0]));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(e->by[i], e->by[j]) != 0);
    }

    /* text: the input without surrounding blanks */
    size_t a = 0, b = n;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    FUZZ_CHECK(strlen(e->text) == b - a && memcmp(e->text, s + a, b - a) == 0);

    struct rule_expr again;
    FUZZ_CHECK(rule_expr_parse(e->text, strlen(e->text), &again, NULL, NULL, 0) == 0);
    same_expr(e, &again);
    rule_expr_free(&again);

    /* written out from the fields */
    size_t len;
    char *w = write_out(e, &len);
    char err[256];
    size_t col = 0;
    int rc = rule_expr_parse(w, len, &again, &col, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "rewritten expression \"%s\" refused at column %zu: %s\n", w, col, err);
    FUZZ_CHECK(rc == 0);
    same_expr(e, &again);
    rule_expr_free(&again);
    free(w);
}

/* The query form of the same input; as_rule: what the rule form made of it, or NULL. */
static void check_query(const char *s, size_t size, const struct rule_expr *as_rule)
{
    struct rule_expr e, again;
    char err[256];
    size_t col = 0;

    if (rule_expr_parse_query(s, size, &e, &col, err, sizeof err) != 0) {
        FUZZ_CHECK(as_rule == NULL);
        FUZZ_CHECK(e.sel == NULL && e.text == NULL && e.by == NULL && e.nby == 0);
        size_t len = strnlen(err, sizeof err);
        FUZZ_CHECK(len > 0 && len < sizeof err && !memchr(err, '\n', len));
        FUZZ_CHECK(strncmp(err, "expected ", 9) == 0 || strncmp(err, "bad selector: ", 14) == 0);
        FUZZ_CHECK(col >= 1 && col <= size + 1);
        return;
    }
    FUZZ_CHECK(e.sel != NULL && e.sel_text != NULL && e.text != NULL);
    FUZZ_CHECK((unsigned)e.agg <= RULE_AGG_LAST_KIND);
    if (as_rule) {
        FUZZ_CHECK(!e.bare);
        same_expr(as_rule, &e);
    }
    FUZZ_CHECK(!e.bare || (!e.has_by && !e.has_op));
    FUZZ_CHECK(rule_expr_parse_query(e.text, strlen(e.text), &again, NULL, NULL, 0) == 0);
    same_expr(&e, &again);
    rule_expr_free(&again);
    size_t len;
    char *w = write_out(&e, &len);
    int rc = rule_expr_parse_query(w, len, &again, &col, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "rewritten query \"%s\" refused at column %zu: %s\n", w, col, err);
    FUZZ_CHECK(rc == 0);
    same_expr(&e, &again);
    rule_expr_free(&again);
    free(w);
    rule_expr_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct rule_expr e;
    char err[256];
    size_t col = 0;

    if (rule_expr_parse(s, size, &e, &col, err, sizeof err) == 0) {
        check_expr(&e, s, size);
        check_query(s, size, &e);
        rule_expr_free(&e);
        FUZZ_CHECK(e.sel == NULL && e.text == NULL && e.by == NULL);
        return 0;
    }
    FUZZ_CHECK(e.sel == NULL && e.text == NULL && e.by == NULL && e.nby == 0);
    check_query(s, size, NULL);
    size_t len = strnlen(err, sizeof err);
    FUZZ_CHECK(len > 0 && len < sizeof err && !memchr(err, '\n', len));
    FUZZ_CHECK(strncmp(err, "expected ", 9) == 0 || strncmp(err, "bad selector: ", 14) == 0);
    FUZZ_CHECK(col >= 1 && col <= size + 1);

    char small[6];
    size_t col2 = 0;
    FUZZ_CHECK(rule_expr_parse(s, size, &e, &col2, small, sizeof small) == -1);
    FUZZ_CHECK(col2 == col && strlen(small) < sizeof small && strncmp(small, err, 5) == 0);
    return 0;
}
