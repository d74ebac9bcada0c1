/* presence.c — the online list of a chat room (contract in presence.h). */
#include "core/presence.h"

#include <stdlib.h>
#include <string.h>

#include "core/bsearch.h"
#include "core/mem.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct nick_key {
    const struct presence *p;
    const char *nick;
};

static int cmp_nick(const void *ctx, size_t i)
{
    const struct nick_key *k = ctx;
    return strcmp(k->p->nicks[i], k->nick);
}

/* Index where nick is or would go. */
static size_t presence_pos(const struct presence *p, const char *nick, bool *found)
{
    struct nick_key key = {p, nick};
    return bsearch_lower(p->n, cmp_nick, &key, found);
}

void presence_set(struct presence *p, const char *const *nicks, size_t n, presence_fn *fn,
                  void *privdata)
{
    char **next = xcalloc(n ? n : 1, sizeof(*next));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        next[i] = xstrdup(nicks[i]);
    qsort(next, n, sizeof(*next), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(next[k - 1], next[i]) == 0)
            free(next[i]);
        else
            next[k++] = next[i];
    }
    if (fn) {
        for (size_t i = 0, j = 0; i < p->n; i++) { /* went: in old, not in new */
            while (j < k && strcmp(next[j], p->nicks[i]) < 0)
                j++;
            if (j == k || strcmp(next[j], p->nicks[i]) != 0)
                fn(privdata, p->nicks[i], false);
        }
        for (size_t j = 0, i = 0; j < k; j++) { /* came: in new, not in old */
            while (i < p->n && strcmp(p->nicks[i], next[j]) < 0)
                i++;
            if (i == p->n || strcmp(p->nicks[i], next[j]) != 0)
                fn(privdata, next[j], true);
        }
    }
    for (size_t i = 0; i < p->n; i++)
        free(p->nicks[i]);
    free(p->nicks);
    p->nicks = next;
    p->n = k;
    p->cap = n ? n : 1;
}

int presence_add(struct presence *p, const char *nick)
{
    bool found;
    size_t pos = presence_pos(p, nick, &found);
    if (found)
        return 0;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 8;
        p->nicks = xrealloc(p->nicks, p->cap * sizeof(*p->nicks));
    }
    memmove(p->nicks + pos + 1, p->nicks + pos, (p->n - pos) * sizeof(*p->nicks));
    p->nicks[pos] = xstrdup(nick);
    p->n++;
    return 1;
}

int presence_remove(struct presence *p, const char *nick)
{
    bool found;
    size_t pos = presence_pos(p, nick, &found);
    if (!found)
        return 0;
    free(p->nicks[pos]);
    memmove(p->nicks + pos, p->nicks + pos + 1, (p->n - pos - 1) * sizeof(*p->nicks));
    p->n--;
    return 1;
}

bool presence_has(const struct presence *p, const char *nick)
{
    bool found;
    presence_pos(p, nick, &found);
    return found;
}

void presence_free(struct presence *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        free(p->nicks[i]);
    free(p->nicks);
    *p = (struct presence){0};
}
