/* fuzz_rule.c — the rule file (rule_parse_file_text). Properties of an accepted file: rules have
 * unique valid names, an expression that parses again from its text, sorted unique labels
 * without control bytes, durations >= 0, and the file written out again from the rules parses to
 * the same rules. A refused file leaves the set empty and gives one line
 * "FILE:LINE:COL: message" whose line exists and whose column lies inside it (or just past it). */
#include <stdio.h>
#include <string.h>

#include "core/duration.h"
#include "core/rule.h"

/* Growing text buffer for the rewritten file. */
struct out {
    char *s;
    size_t len, cap;
};

static void out_add(struct out *o, const char *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        o->cap = (o->len + n + 1) * 2;
        o->s = realloc(o->s, o->cap);
    }
    memcpy(o->s + o->len, s, n);
    o->len += n;
    o->s[o->len] = '\0';
}

static void out_str(struct out *o, const char *s)
{
    out_add(o, s, strlen(s));
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Writes set as a rule file; returns 0, or -1 when a value cannot be written as it is (a text
 * that ends in a carriage return, which the line reader strips). */
static int write_rules(const struct rule_set *set, struct out *o)
{
    char d[64];
    for (size_t k = 0; k < set->count; k++) {
        const struct rule *r = set->rules[k];
        const char *texts[] = {r->summary, r->runbook};
        for (int t = 0; t < 2; t++)
            if (*texts[t] && texts[t][strlen(texts[t]) - 1] == '\r')
                return -1;
        out_str(o, "[rule ");
        out_str(o, r->name);
        out_str(o, "]\nexpr = ");
        out_str(o, r->expr.text);
        duration_format(r->for_ms, d, sizeof d);
        out_str(o, "\nfor = ");
        out_str(o, d);
        duration_format(r->keep_firing_for_ms, d, sizeof d);
        out_str(o, "\nkeep_firing_for = ");
        out_str(o, d);
        out_str(o, "\nseverity = ");
        out_str(o, rule_severity_name(r->severity));
        out_str(o, "\nsummary = ");
        out_str(o, r->summary);
        out_str(o, "\nrunbook = ");
        out_str(o, r->runbook);
        if (r->nlabels) {
            out_str(o, "\nlabels = ");
            for (size_t i = 0; i < r->nlabels; i++) {
                out_str(o, i ? ", " : "");
                out_str(o, r->labels[i].name);
                out_str(o, "=\"");
                for (const char *v = r->labels[i].value; *v; v++) {
                    if (*v == '"' || *v == '\\')
                        out_add(o, "\\", 1);
                    out_add(o, v, 1);
                }
                out_str(o, "\"");
            }
        }
        out_str(o, "\n\n");
    }
    if (!o->s)
        out_str(o, "");
    return 0;
}

static void check_set(const struct rule_set *set, unsigned nlines)
{
    for (size_t k = 0; k < set->count; k++) {
        const struct rule *r = set->rules[k];
        size_t nlen = strlen(r->name);
        FUZZ_CHECK(nlen >= 1 && nlen <= RULE_NAME_MAX);
        for (size_t i = 0; i < nlen; i++)
            FUZZ_CHECK(name_char(r->name[i]));
        for (size_t j = 0; j < k; j++)
            FUZZ_CHECK(strcmp(r->name, set->rules[j]->name) != 0);
        FUZZ_CHECK(r->line >= 1 && r->line <= nlines);
        FUZZ_CHECK(r->expr.sel && r->expr.text);
        FUZZ_CHECK(r->for_ms >= 0 && r->keep_firing_for_ms >= 0);
        FUZZ_CHECK((unsigned)r->severity <= RULE_SEV_PAGE);
        FUZZ_CHECK(r->summary && r->runbook);
        for (size_t i = 0; i < r->nlabels; i++) {
            if (i)
                FUZZ_CHECK(strcmp(r->labels[i - 1].name, r->labels[i].name) < 0);
            for (const char *v = r->labels[i].value; *v; v++)
                FUZZ_CHECK((unsigned char)*v >= 0x20 && *v != 0x7f);
        }
        struct rule_expr e;
        FUZZ_CHECK(rule_expr_parse(r->expr.text, strlen(r->expr.text), &e, NULL, NULL, 0) == 0);
        FUZZ_CHECK(e.agg == r->expr.agg && e.window_s == r->expr.window_s);
        rule_expr_free(&e);
    }
}

static void same_sets(const struct rule_set *a, const struct rule_set *b)
{
    FUZZ_CHECK(a->count == b->count);
    for (size_t k = 0; k < a->count; k++) {
        const struct rule *x = a->rules[k], *y = b->rules[k];
        FUZZ_CHECK(strcmp(x->name, y->name) == 0 && strcmp(x->expr.text, y->expr.text) == 0);
        FUZZ_CHECK(x->for_ms == y->for_ms && x->keep_firing_for_ms == y->keep_firing_for_ms);
        FUZZ_CHECK(x->severity == y->severity);
        FUZZ_CHECK(strcmp(x->summary, y->summary) == 0 && strcmp(x->runbook, y->runbook) == 0);
        FUZZ_CHECK(x->nlabels == y->nlabels);
        for (size_t i = 0; i < x->nlabels; i++)
            FUZZ_CHECK(strcmp(x->labels[i].name, y->labels[i].name) == 0 &&
                       strcmp(x->labels[i].value, y->labels[i].value) == 0);
    }
}

/* Length of line `line` (1-based) as the parser sees it: BOM and "\r\n" excluded; -1 if none. */
static long line_length(const char *s, size_t n, unsigned line)
{
    size_t pos = n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    for (unsigned l = 1; pos < n; l++) {
        const char *nl = memchr(s + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - s) : n;
        size_t len = end - pos;
        if (len > 0 && s[end - 1] == '\r')
            len--;
        if (l == line)
            return (long)len;
        pos = nl ? end + 1 : n;
    }
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct rule_set set;
    char err[300];

    unsigned nlines = 1;
    for (size_t i = 0; i < size; i++)
        nlines += s[i] == '\n';

    if (rule_parse_file_text(s, size, NULL, &set, err, sizeof err) != 0) {
        FUZZ_CHECK(set.count == 0 && set.rules == NULL);
        size_t len = strnlen(err, sizeof err);
        FUZZ_CHECK(len < sizeof err && !memchr(err, '\n', len));
        unsigned line = 0;
        size_t col = 0;
        int used = 0;
        FUZZ_CHECK(sscanf(err, "<rules>:%u:%zu: %n", &line, &col, &used) == 2 && used > 0);
        long ll = line_length(s, size, line);
        FUZZ_CHECK(line >= 1 && ll >= 0);
        FUZZ_CHECK(col >= 1 && col <= (size_t)ll + 1);
        return 0;
    }
    check_set(&set, nlines);

    struct out o = {0};
    if (write_rules(&set, &o) == 0) {
        struct rule_set again;
        char err2[300];
        int rc = rule_parse_file_text(o.s, o.len, "rewritten", &again, err2, sizeof err2);
        if (rc != 0)
            fprintf(stderr, "rewritten file refused: %s\n---\n%s---\n", err2, o.s);
        FUZZ_CHECK(rc == 0);
        same_sets(&set, &again);
        rule_set_free(&again);
    }
    free(o.s);
    rule_set_free(&set);
    FUZZ_CHECK(set.count == 0 && set.rules == NULL);
    rule_set_free(NULL);
    return 0;
}
