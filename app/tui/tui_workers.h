/* tui_workers.h — the workers view's reads: while the view is open (model.workers.open), the
 * group-mode workers and partitions (app/redis/wread) read on the reader's command connection
 * every TUI_WORKERS_EVERY_MS, put in the model for ui/view_workers. Nothing blocks. */
#ifndef WR_TUI_WORKERS_H
#define WR_TUI_WORKERS_H

#include <stdint.h>

#include "app/tui/tui_source.h"

#define TUI_WORKERS_EVERY_MS 2000

/* Installs the reload callback in src->m->workers (src is copied); src->changed runs whenever
 * m->workers changed. Never NULL. */
struct tui_workers *tui_workers_new(const struct tui_source *src);

/* The poll, called about every second: starts a read when the view is open, none is in flight
 * and the last one is TUI_WORKERS_EVERY_MS old (wall clock now_ms). */
void tui_workers_tick(struct tui_workers *w, int64_t now_ms);

/* Drops replies still in flight (they are freed when they come), clears m->workers, frees w.
 * NULL is a no-op. */
void tui_workers_free(struct tui_workers *w);

#endif
