/* tui_timeline.h — `t` in the alerts panel: the incident timeline of an alert (as `warroom
 * incident` prints it: transitions, acks, silences, the room's chat, values per step) built
 * for the overlay, from the alert log read on the alerts' command connection (never blocking
 * the loop), the chat already received and the series table in memory. */
#ifndef WR_TUI_TIMELINE_H
#define WR_TUI_TIMELINE_H

#include "app/alerts/alerts.h"
#include "core/series.h"
#include "ui/model.h"

struct tui_timeline;

/* m: the model whose timeline_* fields it fills; tab: the values' source; changed: the
 * timeline changed (schedule a frame). */
struct tui_timeline *tui_timeline_new(struct model *m, const struct series_table *tab,
                                      void (*changed)(void *privdata), void *privdata);

/* Shows "reading the alert log ..." for instance id at once, then the timeline when the log
 * arrives (or why it could not be read). A newer request supersedes one still in flight. */
void tui_timeline_request(struct tui_timeline *tl, struct alerts *a, const char *id,
                          const char *short_id);

/* Frees it; call after alerts_free of the loop requests were sent on (its callbacks use tl). */
void tui_timeline_free(struct tui_timeline *tl);

#endif
