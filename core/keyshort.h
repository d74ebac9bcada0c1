/* keyshort.h — shorter series names for a table: labels whose value is the same on every row
 * shown are said once (in the pane title) and left out of each row, so what tells the rows
 * apart is what they show. */
#ifndef WR_KEYSHORT_H
#define WR_KEYSHORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"

struct keyshort {
    struct event common; /* the first key's metric and the labels every key shares */
    size_t ncommon;      /* common.nlabels; 0: nothing to leave out */
};

/* Finds the labels (name and value) all n keys share. With fewer than two keys, or a key that
 * does not parse, there are none (each row then shows its whole key). */
void keyshort_find(struct keyshort *k, const char *const *keys, size_t n);

/* The common labels as "name=value,name=value" (quoted as in keys), "" for none. Returns buf. */
char *keyshort_labels(const struct keyshort *k, char *buf, size_t cap);

/* key without the common labels ("requests{service=api}", or "requests" when no label is
 * left); the key itself when it does not parse or nothing is common. Returns buf. */
char *keyshort_apply(const struct keyshort *k, const char *key, char *buf, size_t cap);

#endif
