/* chatline.h — line mode of `warroom chat ROOM` (app/cmd/chatline.c): the room on stdin and
 * stdout, for scripts and pipes. */
#ifndef WR_CHATLINE_H
#define WR_CHATLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/config.h"

/* Runs line mode in room as nick until stdin ends (or SIGINT/SIGTERM with listen): prints the
 * last history messages (0: none) then live ones, as JSON objects with json, and sends each
 * stdin line; dump prints the history and returns without joining; echo prints our own
 * messages too. Returns the exit code (EXIT_* of app/cmd/cmd.h). */
int chatline_run(struct config *cfg, const char *room, const char *nick, size_t history, bool json,
                 bool listen, bool dump, bool echo);

/* Writes "warroom chat: PREFIXTEXT" to stderr, text sanitized (it may quote Redis). */
void chatline_note(const char *prefix, const char *text);

#endif
