/* fuzz_select.c — series selectors (select_new, select_match, select_match_key) and the
 * substring filter. Input: a selector, optionally followed by a line holding a series key to
 * match. Properties: an accepted selector has a valid metric (or none) and valid label names;
 * matching a parsed key agrees with matching its text; a selector of equality matchers matches
 * the series built from exactly those labels, and the same selector with every '=' turned into
 * '!=' does not; a refused selector says where, in one line, with a column inside the text; the
 * substring filter agrees with a naive search. (The cost of regexes is fuzz_regex's subject.) */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/select.h"

static int name_ok(const char *s, int metric)
{
    if (!*s)
        return 0;
    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        int ok = isalpha(c) || c == '_' || (i > 0 && isdigit(c)) ||
                 (metric && (c == ':' || (i > 0 && c == '.')));
        if (!ok)
            return 0;
    }
    return 1;
}

static int naive_substring(const char *key, const char *needle)
{
    size_t n = strlen(needle), k = strlen(key);
    if (n == 0)
        return 1;
    for (size_t i = 0; i + n <= k; i++) {
        size_t j = 0;
        while (j < n && tolower((unsigned char)key[i + j]) == tolower((unsigned char)needle[j]))
            j++;
        if (j == n)
            return 1;
    }
    return 0;
}

/* Appends value v to out as a quoted key value; returns the new length. */
static size_t put_quoted(char *out, size_t len, size_t cap, const char *v)
{
    if (len < cap)
        out[len] = '"';
    len++;
    for (; *v; v++) {
        if (*v == '"' || *v == '\\') {
            if (len < cap)
                out[len] = '\\';
            len++;
        }
        if (len < cap)
            out[len] = *v;
        len++;
    }
    if (len < cap)
        out[len] = '"';
    return len + 1;
}

/* For a selector of '=' matchers on distinct names: the series made of those labels matches. */
static void check_equalities(const struct selector *sel)
{
    if (!sel->metric || sel->nmatchers == 0)
        return;
    for (size_t i = 0; i < sel->nmatchers; i++) {
        if (sel->matchers[i].op != SELECT_EQ || !*sel->matchers[i].value)
            return;
        for (size_t j = 0; j < i; j++)
            if (strcmp(sel->matchers[i].name, sel->matchers[j].name) == 0)
                return;
    }
    char key[4 * EVENT_KEY_MAX];
    size_t len = (size_t)snprintf(key, sizeof key, "%s{", sel->metric);
    for (size_t i = 0; i < sel->nmatchers && len < sizeof key; i++) {
        len += (size_t)snprintf(key + len, sizeof key - len, "%s%s=", i ? "," : "",
                                sel->matchers[i].name);
        len = put_quoted(key, len, sizeof key, sel->matchers[i].value);
    }
    if (len + 1 >= sizeof key)
        return;
    key[len++] = '}';
    key[len] = '\0';
    struct event ev;
    if (event_parse_key(key, len, &ev) != EVENT_OK)
        return; /* a value no series may carry (controls, invalid UTF-8, too long) */
    FUZZ_CHECK(select_match(sel, &ev));
    FUZZ_CHECK(select_match_key(sel, key, len));

    /* the same matchers negated: a series with all those values fails them */
    char text[4 * EVENT_KEY_MAX];
    size_t tl = (size_t)snprintf(text, sizeof text, "%s{", sel->metric);
    for (size_t i = 0; i < sel->nmatchers && tl < sizeof text; i++) {
        tl += (size_t)snprintf(text + tl, sizeof text - tl, "%s!=", sel->matchers[i].name);
        tl = put_quoted(text, tl, sizeof text, sel->matchers[i].value);
        if (tl < sizeof text)
            text[tl++] = ',';
    }
    if (tl + 1 >= sizeof text)
        return;
    text[tl++] = '}';
    struct selector *neg = select_new(text, tl, NULL, 0);
    FUZZ_CHECK(neg != NULL);
    FUZZ_CHECK(!select_match(neg, &ev));
    select_free(neg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *nl = memchr(s, '\n', size);
    size_t sel_len = nl ? (size_t)(nl - s) : size;
    char err[200];

    struct selector *sel = select_new(s, sel_len, err, sizeof err);
    if (!sel) {
        size_t len = strnlen(err, sizeof err);
        FUZZ_CHECK(len > 0 && len < sizeof err && !memchr(err, '\n', len));
        const char *at = strstr(err, " at column ");
        if (at && len + 1 < sizeof err) { /* not truncated */
            unsigned long col = strtoul(at + 11, NULL, 10);
            FUZZ_CHECK(col >= 1 && col <= sel_len + 1);
        }
        char small[10];
        FUZZ_CHECK(select_new(s, sel_len, small, sizeof small) == NULL);
        FUZZ_CHECK(strlen(small) < sizeof small);
    } else {
        FUZZ_CHECK(!sel->metric || name_ok(sel->metric, 1));
        for (size_t i = 0; i < sel->nmatchers; i++) {
            FUZZ_CHECK(sel->matchers[i].op == SELECT_SUB ? !*sel->matchers[i].name
                                                         : name_ok(sel->matchers[i].name, 0));
            FUZZ_CHECK(sel->matchers[i].value != NULL);
        }
        check_equalities(sel);
    }

    if (nl) {
        const char *key = nl + 1;
        size_t key_len = size - sel_len - 1;
        struct event ev;
        if (sel && event_parse_key(key, key_len, &ev) == EVENT_OK)
            FUZZ_CHECK(select_match(sel, &ev) == select_match_key(sel, key, key_len));
        else if (sel)
            FUZZ_CHECK(!select_match_key(sel, key, key_len));

        /* the substring filter, on NUL-terminated copies of both lines */
        char *hay = malloc(key_len + 1), *needle = malloc(sel_len + 1);
        memcpy(hay, key, key_len);
        hay[key_len] = '\0';
        memcpy(needle, s, sel_len);
        needle[sel_len] = '\0';
        FUZZ_CHECK(select_substring_match(hay, needle) == naive_substring(hay, needle));
        free(hay);
        free(needle);
    }
    select_free(sel);
    return 0;
}
