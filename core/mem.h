/* mem.h — allocation wrappers that never return NULL.
 * Out of memory is the one condition the program aborts on; the app installs a handler that
 * restores the terminal first (style rule 6). Core stays free of I/O: the default handler aborts. */
#ifndef WR_MEM_H
#define WR_MEM_H

#include <stddef.h>

typedef void (*mem_oom_fn)(size_t size_bytes);

/* Installs the function called before abort() when an allocation fails. NULL restores the
 * default (abort at once). Set once at start-up, before any other thread could exist. */
void mem_set_oom_handler(mem_oom_fn fn);

void *xmalloc(size_t size_bytes);
void *xcalloc(size_t n, size_t size_bytes);
void *xrealloc(void *p, size_t size_bytes);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
