/* mem.c — allocation wrappers: abort through one OOM handler instead of returning NULL. */
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

static mem_oom_fn oom_handler;

void mem_set_oom_handler(mem_oom_fn fn)
{
    oom_handler = fn;
}

static void *oom(size_t size_bytes)
{
    if (oom_handler)
        oom_handler(size_bytes);
    abort();
}

void *xmalloc(size_t size_bytes)
{
    void *p = malloc(size_bytes ? size_bytes : 1);
    return p ? p : oom(size_bytes);
}

void *xcalloc(size_t n, size_t size_bytes)
{
    void *p = calloc(n ? n : 1, size_bytes ? size_bytes : 1);
    return p ? p : oom(n * size_bytes);
}

void *xrealloc(void *p, size_t size_bytes)
{
    void *q = realloc(p, size_bytes ? size_bytes : 1);
    return q ? q : oom(size_bytes);
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = xmalloc(len + 1);
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}
