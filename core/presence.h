/* presence.h — the set of nicks seen online in a chat room, sorted, with the differences
 * reported when it is replaced. Pure. */
#ifndef WR_PRESENCE_H
#define WR_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>

/* The nicks seen online, sorted by bytes, no duplicates. Zero-initialise; free with
 * presence_free. */
struct presence {
    char **nicks;
    size_t n, cap;
};

/* Called by presence_set for each nick that came (came = true) or went. */
typedef void presence_fn(void *privdata, const char *nick, bool came);

/* Replaces the list with nicks[0..n) (copied; duplicates dropped) and reports the differences
 * to fn (may be NULL): first the nicks that went, then those that came, each in byte order. */
void presence_set(struct presence *p, const char *const *nicks, size_t n, presence_fn *fn,
                  void *privdata);
/* Adds or removes one nick (a join, part or nick change seen in the room). 1 if it changed. */
int presence_add(struct presence *p, const char *nick);
int presence_remove(struct presence *p, const char *nick);
bool presence_has(const struct presence *p, const char *nick);
void presence_free(struct presence *p);

#endif
