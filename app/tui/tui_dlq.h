/* tui_dlq.h — the dead-letter view's reads: on request (model.dlq.reload), the newest rejected
 * entries of the namespace's dead-letter stream(s), read on an existing command connection and
 * put in the model for ui/view_deadletters. Nothing blocks; nothing is read until asked. */
#ifndef WR_TUI_DLQ_H
#define WR_TUI_DLQ_H

#include "ui/model.h"

struct rconn;

#define TUI_DLQ_PER_STREAM 100 /* newest entries read per dead-letter stream */

/* Installs the reload callback in m->dlq. cmd (a COMMAND-mode rconn) and m are borrowed and
 * must outlive the result; changed(privdata) runs whenever m->dlq changed (the view redraws).
 * Never returns NULL. */
struct tui_dlq *tui_dlq_new(struct rconn *cmd, const char *ns, unsigned partitions, struct model *m,
                            void (*changed)(void *privdata), void *privdata);

/* Stops caring about replies still in flight (they are dropped when they come), clears
 * m->dlq and frees d. NULL is a no-op. */
void tui_dlq_free(struct tui_dlq *d);

#endif
