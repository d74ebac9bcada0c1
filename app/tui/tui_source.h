/* tui_source.h — what the interface's on-demand reads (the dead-letter and workers views) are
 * given: the reader's command connection, the namespace and its partitions, the model they fill
 * and whom to tell when it changed. */
#ifndef WR_TUI_SOURCE_H
#define WR_TUI_SOURCE_H

#include <stdlib.h>

#include "core/mem.h"
#include "ui/model.h"

struct rconn;

struct tui_source {
    struct rconn *cmd; /* a COMMAND-mode rconn (borrowed, outlives the reads) */
    char *ns;          /* owned by each holder (tui_source_copy) */
    unsigned partitions;
    struct model *m;                 /* borrowed */
    void (*changed)(void *privdata); /* the model changed: redraw */
    void *privdata;
};

/* *dst = *src with its own copy of ns; release with tui_source_clear. */
static inline void tui_source_copy(struct tui_source *dst, const struct tui_source *src)
{
    *dst = *src;
    dst->ns = xstrdup(src->ns);
}

static inline void tui_source_clear(struct tui_source *s)
{
    free(s->ns);
    s->ns = NULL;
}

#endif
