/* tui_dlq.h — the dead-letter view's reads: on request (model.dlq.reload), the newest rejected
 * entries of the namespace's dead-letter stream(s), read on an existing command connection and
 * put in the model for ui/view_deadletters. Nothing blocks; nothing is read until asked. */
#ifndef WR_TUI_DLQ_H
#define WR_TUI_DLQ_H

#include "app/tui/tui_source.h"

#define TUI_DLQ_PER_STREAM 100 /* newest entries read per dead-letter stream */

/* Installs the reload callback in src->m->dlq (src is copied); src->changed runs whenever
 * m->dlq changed (the view redraws). Never returns NULL. */
struct tui_dlq *tui_dlq_new(const struct tui_source *src);

/* Stops caring about replies still in flight (they are dropped when they come), clears
 * m->dlq and frees d. NULL is a no-op. */
void tui_dlq_free(struct tui_dlq *d);

#endif
