/* rule.c — the rule file: `[rule NAME]` headers, `field = value` lines, `#`/`;` comments.
 * A small line-based parser of its own (not libinih) so that core stays library-free and every
 * error carries FILE:LINE:COL. Expressions are handed to rule_expr.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/duration.h"
#include "core/mem.h"
#include "core/rule.h"

enum rule_field { F_EXPR, F_FOR, F_KEEP, F_SEVERITY, F_SUMMARY, F_RUNBOOK, F_LABELS, NFIELDS };

static const char *const field_names[NFIELDS] = {
    [F_EXPR] = "expr",         [F_FOR] = "for",         [F_KEEP] = "keep_firing_for",
    [F_SEVERITY] = "severity", [F_SUMMARY] = "summary", [F_RUNBOOK] = "runbook",
    [F_LABELS] = "labels",
};

static const char *const severity_names[] = {
    [RULE_SEV_INFO] = "info",
    [RULE_SEV_WARNING] = "warning",
    [RULE_SEV_CRITICAL] = "critical",
    [RULE_SEV_PAGE] = "page",
};
#define NSEV (sizeof severity_names / sizeof severity_names[0])

const char *rule_severity_name(enum rule_severity sev)
{
    return (unsigned)sev < NSEV ? severity_names[sev] : "?";
}

int rule_severity_parse(const char *text, size_t len, enum rule_severity *out)
{
    for (size_t k = 0; k < NSEV; k++)
        if (strlen(severity_names[k]) == len && memcmp(severity_names[k], text, len) == 0) {
            *out = (enum rule_severity)k;
            return 0;
        }
    return -1;
}

void rule_free(struct rule *r)
{
    if (!r)
        return;
    free(r->name);
    rule_expr_free(&r->expr);
    free(r->summary);
    free(r->runbook);
    for (size_t k = 0; k < r->nlabels; k++) {
        free(r->labels[k].name);
        free(r->labels[k].value);
    }
    free(r->labels);
    free(r);
}

void rule_set_free(struct rule_set *set)
{
    if (!set)
        return;
    for (size_t k = 0; k < set->count; k++)
        rule_free(set->rules[k]);
    free(set->rules);
    set->rules = NULL;
    set->count = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Parser state: the current line and the rule being filled. */

struct fparser {
    const char *file;
    unsigned line;
    const char *ls; /* current line, without its "\n" or "\r\n" */
    size_t ln;
    char *err;
    size_t err_cap;
    struct rule_set *set;
    struct rule *cur;             /* the rule being filled, already appended to set */
    size_t cur_name_col;          /* 0-based column of its name in its header line */
    unsigned field_line[NFIELDS]; /* where each field of cur was set, 0: not yet */
};

__attribute__((format(printf, 4, 5))) static int ffail(struct fparser *p, unsigned line,
                                                       size_t col0, const char *fmt, ...)
{
    if (!p->err || !p->err_cap)
        return -1;
    int w = snprintf(p->err, p->err_cap, "%s:%u:%zu: ", p->file, line, col0 + 1);
    if (w >= 0 && (size_t)w < p->err_cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + w, p->err_cap - (size_t)w, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* "found ..." for column i of the current line. */
static const char *lfound(const struct fparser *p, size_t i, char buf[64])
{
    if (i >= p->ln) {
        snprintf(buf, 64, "the end of the line");
        return buf;
    }
    return rule_describe_at(p->ls, p->ln, i, buf, 64);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_alpha_(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_alnum_(char c)
{
    return is_alpha_(c) || (c >= '0' && c <= '9');
}

static bool is_name_char(char c)
{
    return is_alnum_(c) || c == '.' || c == '-';
}

static size_t skip(const struct fparser *p, size_t i)
{
    while (i < p->ln && is_blank(p->ls[i]))
        i++;
    return i;
}

/* Checks that the rule being filled is complete. */
static int finish_rule(struct fparser *p)
{
    if (p->cur && !p->field_line[F_EXPR])
        return ffail(p, p->cur->line, p->cur_name_col,
                     "expected an 'expr' field in rule '%s', found the end of the rule",
                     p->cur->name);
    p->cur = NULL;
    return 0;
}

/* `[rule NAME]` */
static int parse_header(struct fparser *p, size_t i)
{
    char fb[64];

    i = skip(p, i + 1);
    size_t w = 0;
    while (i + w < p->ln && is_alnum_(p->ls[i + w]))
        w++;
    if (w != 4 || memcmp(p->ls + i, "rule", 4) != 0)
        return ffail(p, p->line, i, "expected 'rule' after '[', found %s", lfound(p, i, fb));
    i = skip(p, i + 4);
    size_t name = i;
    while (i < p->ln && is_name_char(p->ls[i]))
        i++;
    size_t nlen = i - name;
    if (nlen == 0)
        return ffail(p, p->line, name,
                     "expected a rule name (letters, digits, '_', '.', '-'), found %s",
                     lfound(p, name, fb));
    if (nlen > RULE_NAME_MAX)
        return ffail(p, p->line, name, "expected a rule name of at most %d bytes, found %zu",
                     RULE_NAME_MAX, nlen);
    i = skip(p, i);
    if (i >= p->ln || p->ls[i] != ']')
        return ffail(p, p->line, i, "expected ']' after the rule name, found %s", lfound(p, i, fb));
    i = skip(p, i + 1);
    if (i < p->ln)
        return ffail(p, p->line, i, "expected the end of the line, found %s", lfound(p, i, fb));
    if (finish_rule(p) < 0)
        return -1;
    for (size_t k = 0; k < p->set->count; k++) {
        const struct rule *o = p->set->rules[k];
        if (strlen(o->name) == nlen && memcmp(o->name, p->ls + name, nlen) == 0)
            return ffail(p, p->line, name,
                         "expected a new rule name, found '%s' (already used at line %u)", o->name,
                         o->line);
    }
    struct rule *r = xcalloc(1, sizeof *r);
    r->name = xstrndup(p->ls + name, nlen);
    r->severity = RULE_SEV_WARNING;
    r->summary = xstrdup("");
    r->runbook = xstrdup("");
    r->line = p->line;
    p->set->rules = xrealloc(p->set->rules, (p->set->count + 1) * sizeof *p->set->rules);
    p->set->rules[p->set->count++] = r;
    p->cur = r;
    p->cur_name_col = name;
    memset(p->field_line, 0, sizeof p->field_line);
    return 0;
}

static int label_cmp(const void *a, const void *b)
{
    return strcmp(((const struct rule_label *)a)->name, ((const struct rule_label *)b)->name);
}

/* Reads a label value at i: "quoted" (\" and \\ escapes; other pairs kept as written) or
 * unquoted up to ',' with blanks around it dropped. Control bytes are refused. */
static int parse_label_value(struct fparser *p, size_t *ip, char **out)
{
    char fb[64];
    size_t i = *ip;
    char *v = xmalloc(p->ln - i + 1);
    size_t n = 0;

    if (i < p->ln && p->ls[i] == '"') {
        for (i++;; i++) {
            if (i >= p->ln) {
                free(v);
                return ffail(p, p->line, i, "expected '\"' to close the quoted value, found %s",
                             lfound(p, i, fb));
            }
            char c = p->ls[i];
            if (c == '"')
                break;
            if (c == '\\' && i + 1 < p->ln && (p->ls[i + 1] == '"' || p->ls[i + 1] == '\\'))
                c = p->ls[++i];
            else if ((unsigned char)c < 0x20 || c == 0x7f)
                goto control;
            v[n++] = c;
        }
        i++;
    } else {
        size_t end = i;
        while (end < p->ln && p->ls[end] != ',')
            end++;
        size_t stop = end;
        while (end > i && is_blank(p->ls[end - 1]))
            end--;
        for (; i < end; i++) {
            if ((unsigned char)p->ls[i] < 0x20 || p->ls[i] == 0x7f)
                goto control;
            v[n++] = p->ls[i];
        }
        i = stop;
    }
    v[n] = '\0';
    *out = v;
    *ip = i;
    return 0;
control:
    free(v);
    return ffail(p, p->line, i, "expected a label value without control characters, found %s",
                 lfound(p, i, fb));
}

/* `labels = team=core, tier="1"` */
static int parse_labels(struct fparser *p, size_t i)
{
    char fb[64];
    struct rule *r = p->cur;

    while (i < p->ln) {
        size_t name = i;
        while (i < p->ln && is_alnum_(p->ls[i]))
            i++;
        if (i == name || !is_alpha_(p->ls[name]))
            return ffail(p, p->line, name, "expected a label name, found %s", lfound(p, name, fb));
        size_t nlen = i - name;
        for (size_t k = 0; k < r->nlabels; k++)
            if (strlen(r->labels[k].name) == nlen &&
                memcmp(r->labels[k].name, p->ls + name, nlen) == 0)
                return ffail(p, p->line, name, "expected each label once, found a second '%.*s'",
                             (int)nlen, p->ls + name);
        i = skip(p, i);
        if (i >= p->ln || p->ls[i] != '=')
            return ffail(p, p->line, i, "expected '=' after label name '%.*s', found %s", (int)nlen,
                         p->ls + name, lfound(p, i, fb));
        i = skip(p, i + 1);
        char *value = NULL;
        if (parse_label_value(p, &i, &value) < 0)
            return -1;
        r->labels = xrealloc(r->labels, (r->nlabels + 1) * sizeof *r->labels);
        r->labels[r->nlabels].name = xstrndup(p->ls + name, nlen);
        r->labels[r->nlabels++].value = value;
        i = skip(p, i);
        if (i < p->ln && p->ls[i] != ',')
            return ffail(p, p->line, i, "expected ',' or the end of the line, found %s",
                         lfound(p, i, fb));
        if (i < p->ln)
            i = skip(p, i + 1);
    }
    if (r->nlabels > 1)
        qsort(r->labels, r->nlabels, sizeof *r->labels, label_cmp);
    return 0;
}

/* `field = value`, the value running to the end of the line (blanks around it dropped). */
static int parse_field(struct fparser *p, size_t i)
{
    char fb[64], msg[256];
    struct rule *r = p->cur;
    size_t key = i;

    while (i < p->ln && is_alnum_(p->ls[i]))
        i++;
    size_t klen = i - key;
    if (klen == 0)
        return ffail(p, p->line, key, "expected a field name or '[rule NAME]', found %s",
                     lfound(p, key, fb));
    if (!r)
        return ffail(p, p->line, key,
                     "expected a '[rule NAME]' header before the first field, "
                     "found '%.*s'",
                     (int)klen, p->ls + key);
    int f = 0;
    while (f < NFIELDS &&
           !(strlen(field_names[f]) == klen && memcmp(field_names[f], p->ls + key, klen) == 0))
        f++;
    if (f == NFIELDS)
        return ffail(p, p->line, key,
                     "expected a field (expr, for, keep_firing_for, severity, summary, runbook, "
                     "labels), found '%.*s'",
                     (int)klen, p->ls + key);
    if (p->field_line[f])
        return ffail(p, p->line, key,
                     "expected each field once per rule, found a second '%s' (first at line %u)",
                     field_names[f], p->field_line[f]);
    i = skip(p, i);
    if (i >= p->ln || p->ls[i] != '=')
        return ffail(p, p->line, i, "expected '=' after '%s', found %s", field_names[f],
                     lfound(p, i, fb));
    size_t v = skip(p, i + 1), vend = p->ln;
    while (vend > v && is_blank(p->ls[vend - 1]))
        vend--;
    size_t vlen = vend - v;
    const char *val = p->ls + v;
    p->field_line[f] = p->line;

    switch ((enum rule_field)f) {
    case F_EXPR: {
        size_t col = 1;
        if (rule_expr_parse(val, vlen, &r->expr, &col, msg, sizeof msg) < 0)
            return ffail(p, p->line, v + col - 1, "%s", msg);
        return 0;
    }
    case F_FOR:
    case F_KEEP: {
        int64_t *dst = f == F_FOR ? &r->for_ms : &r->keep_firing_for_ms;
        if (vlen == 0)
            return ffail(p, p->line, v,
                         "expected a duration (e.g. 30s, 5m, 1h30m), found the "
                         "end of the line");
        if (duration_parse_ms(val, vlen, dst) < 0)
            return ffail(p, p->line, v, "expected a duration (e.g. 30s, 5m, 1h30m), found '%.*s%s'",
                         (int)(vlen > 32 ? 32 : vlen), val, vlen > 32 ? "..." : "");
        return 0;
    }
    case F_SEVERITY:
        if (rule_severity_parse(val, vlen, &r->severity) < 0)
            return ffail(p, p->line, v,
                         "expected a severity (info, warning, critical, page), found %s",
                         lfound(p, v, fb));
        return 0;
    case F_SUMMARY:
    case F_RUNBOOK: {
        /* the text is kept as a C string: a NUL would silently cut it */
        const char *nul = memchr(val, '\0', vlen);
        if (nul)
            return ffail(p, p->line, v + (size_t)(nul - val),
                         "expected text without NUL bytes, found byte 0x00");
        char **dst = f == F_SUMMARY ? &r->summary : &r->runbook;
        free(*dst);
        *dst = xstrndup(val, vlen);
        return 0;
    }
    case F_LABELS:
        return parse_labels(p, v);
    case NFIELDS:
        break;
    }
    return 0;
}

int rule_parse_file_text(const char *text, size_t len, const char *filename, struct rule_set *out,
                         char *err, size_t err_cap)
{
    struct fparser p = {
        .file = filename ? filename : "<rules>", .err = err, .err_cap = err_cap, .set = out};
    size_t pos = 0;

    out->rules = NULL;
    out->count = 0;
    if (err && err_cap)
        err[0] = '\0';
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3; /* UTF-8 byte order mark */
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        p.line++;
        p.ls = text + pos;
        p.ln = end - pos;
        if (p.ln > 0 && p.ls[p.ln - 1] == '\r')
            p.ln--;
        pos = nl ? end + 1 : len;

        size_t i = skip(&p, 0);
        if (i >= p.ln || p.ls[i] == '#' || p.ls[i] == ';')
            continue;
        if ((p.ls[i] == '[' ? parse_header(&p, i) : parse_field(&p, i)) < 0)
            goto err;
    }
    if (finish_rule(&p) < 0)
        goto err;
    return 0;
err:
    rule_set_free(out);
    return -1;
}
