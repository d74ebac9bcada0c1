/* alert_silence.c — silences: parsing a matcher (rule name, short id or selector), the
 * engine's silence list with expiry, and matching instances against it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alert_impl.h"

static void silence_free(struct silence *s)
{
    if (!s)
        return;
    free(s->matcher);
    free(s->who);
    free(s->comment);
    free(s->rule_name);
    select_free(s->labels);
    free(s);
}

static bool is_rule_name(const char *s, size_t n)
{
    if (n == 0 || n > RULE_NAME_MAX)
        return false;
    for (size_t k = 0; k < n; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= 'A' && s[k] <= 'Z') ||
              (s[k] >= '0' && s[k] <= '9') || s[k] == '_' || s[k] == '.' || s[k] == '-'))
            return false;
    return true;
}

struct silence *alert_silence_new(const char *matcher, int64_t until_ms, const char *who,
                                  const char *comment, char *err, size_t err_cap)
{
    const char *a = matcher, *brace = strchr(matcher, '{');
    const char *b = brace ? brace : matcher + strlen(matcher);
    struct silence *s = xcalloc(1, sizeof *s);

    if (err && err_cap)
        err[0] = '\0';
    while (*a == ' ' || *a == '\t')
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    size_t n = (size_t)(b - a);
    if (!(n == 1 && *a == '*') && !(n == 0 && brace)) {
        if (!is_rule_name(a, n)) {
            if (err && err_cap)
                snprintf(err, err_cap,
                         "expected a rule name, '*', a short id or a selector, found '%.*s'",
                         (int)n, a);
            silence_free(s);
            return NULL;
        }
        s->rule_name = xstrndup(a, n);
    }
    if (brace) {
        char msg[256];
        s->labels = select_new(brace, strlen(brace), msg, sizeof msg);
        if (!s->labels) {
            /* select counts columns from the '{': count them from the matcher's start */
            char *col = strstr(msg, " at column ");
            if (col) {
                size_t c = (size_t)strtoul(col + strlen(" at column "), NULL, 10);
                snprintf(col, sizeof msg - (size_t)(col - msg), " at column %zu",
                         c + (size_t)(brace - matcher));
            }
            if (err && err_cap)
                snprintf(err, err_cap, "%s", msg);
            silence_free(s);
            return NULL;
        }
    }
    s->matcher = xstrdup(matcher);
    s->until_ms = until_ms;
    s->who = xstrdup(who ? who : "");
    s->comment = xstrdup(comment ? comment : "");
    return s;
}

void alert_silence_free(struct silence *s)
{
    silence_free(s);
}

int alert_silence_add(struct alert_engine *e, const char *matcher, int64_t until_ms,
                      const char *who, const char *comment, char *err, size_t err_cap)
{
    struct silence *s = alert_silence_new(matcher, until_ms, who, comment, err, err_cap);
    if (!s)
        return -1;
    for (size_t k = 0; k < e->nsil; k++)
        if (strcmp(e->sil[k]->matcher, matcher) == 0) {
            silence_free(e->sil[k]);
            e->sil[k] = s;
            return 0;
        }
    e->sil = xrealloc(e->sil, (e->nsil + 1) * sizeof *e->sil);
    e->sil[e->nsil++] = s;
    return 0;
}

static void silence_remove_at(struct alert_engine *e, size_t k)
{
    silence_free(e->sil[k]);
    memmove(e->sil + k, e->sil + k + 1, (e->nsil - k - 1) * sizeof *e->sil);
    e->nsil--;
}

int alert_silence_remove(struct alert_engine *e, const char *matcher)
{
    for (size_t k = 0; k < e->nsil; k++)
        if (strcmp(e->sil[k]->matcher, matcher) == 0) {
            silence_remove_at(e, k);
            return 0;
        }
    return -1;
}

void alert_silence_expire(struct alert_engine *e, int64_t now)
{
    for (size_t k = e->nsil; k-- > 0;)
        if (e->sil[k]->until_ms <= now)
            silence_remove_at(e, k);
}

size_t alert_silence_list(const struct alert_engine *e, const struct silence *const **out)
{
    *out = (const struct silence *const *)e->sil;
    return e->nsil;
}

bool alert_silence_matches(const struct silence *s, const char *rule, const char *short_id,
                           const char *labels)
{
    if (!s->labels) {
        return !s->rule_name || strcmp(s->rule_name, rule) == 0 ||
               strcmp(s->rule_name, short_id) == 0;
    }
    if (s->rule_name && strcmp(s->rule_name, rule) != 0)
        return false;
    struct alert_sbuf b = {0};
    struct event ev;
    alert_labels_puts(&b, "x{");
    alert_labels_puts(&b, labels);
    alert_labels_puts(&b, "}");
    bool ok = event_parse_key(b.p, b.len, &ev) == EVENT_OK && select_match(s->labels, &ev);
    free(b.p);
    return ok;
}

static bool silence_matches(const struct silence *s, const struct alert_instance *in)
{
    return alert_silence_matches(s, in->rule->name, in->short_id, in->labels);
}

const struct silence *alert_silence_find(const struct alert_engine *e,
                                         const struct alert_instance *inst, int64_t now_ms)
{
    for (size_t k = 0; k < e->nsil; k++)
        if (e->sil[k]->until_ms > now_ms && silence_matches(e->sil[k], inst))
            return e->sil[k];
    return NULL;
}
