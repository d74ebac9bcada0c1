/* gargs.c — script arguments in one growable buffer (gargs.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/group/gargs.h"
#include "core/mem.h"

void gargs_reset(struct gargs *a)
{
    a->len = 0;
    a->n = 0;
}

void gargs_free(struct gargs *a)
{
    free(a->buf);
    free(a->off);
    free(a->alen);
    free(a->argv);
    memset(a, 0, sizeof(*a));
}

uint8_t *gargs_reserve(struct gargs *a, size_t len)
{
    if (a->n == a->ncap) {
        a->ncap = a->ncap ? a->ncap * 2 : 64;
        a->off = xrealloc(a->off, a->ncap * sizeof(*a->off));
        a->alen = xrealloc(a->alen, a->ncap * sizeof(*a->alen));
    }
    if (a->len + len > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + len)
            cap *= 2;
        a->buf = xrealloc(a->buf, cap);
        a->cap = cap;
    }
    a->off[a->n] = a->len;
    a->alen[a->n] = len;
    a->n++;
    uint8_t *p = (uint8_t *)a->buf + a->len;
    a->len += len;
    return p;
}

void gargs_add(struct gargs *a, const void *p, size_t len)
{
    uint8_t *dst = gargs_reserve(a, len);
    if (len)
        memcpy(dst, p, len);
}

void gargs_str(struct gargs *a, const char *s)
{
    gargs_add(a, s, strlen(s));
}

void gargs_u64(struct gargs *a, uint64_t v)
{
    char b[24];
    gargs_add(a, b, (size_t)snprintf(b, sizeof(b), "%" PRIu64, v));
}

void gargs_i64(struct gargs *a, int64_t v)
{
    char b[24];
    gargs_add(a, b, (size_t)snprintf(b, sizeof(b), "%" PRId64, v));
}

void gargs_set_u64(struct gargs *a, size_t i, uint64_t v)
{
    /* numbers are set before anything large follows them in practice; rewrite in place when it
     * fits (padding is not allowed), else append a copy and point the argument at it */
    char b[24];
    size_t len = (size_t)snprintf(b, sizeof(b), "%" PRIu64, v);
    if (len <= a->alen[i]) {
        memcpy(a->buf + a->off[i], b, len);
        a->alen[i] = len;
        return;
    }
    size_t n = a->n;
    gargs_add(a, b, len);
    a->off[i] = a->off[n];
    a->alen[i] = len;
    a->n = n;
}

const char **gargs_argv(struct gargs *a)
{
    a->argv = xrealloc(a->argv, (a->n ? a->n : 1) * sizeof(*a->argv));
    for (size_t i = 0; i < a->n; i++)
        a->argv[i] = a->buf + a->off[i];
    return a->argv;
}
