/* group.h — series grouped by the value of one label (the table's `g`, as htop's tree or k9s'
 * grouping): one row per value with the members' window stats merged exactly — counts, sums
 * and rates added, min and max of both, quantiles read off the union of the members'
 * histograms, so a group row equals one series fed every member's events. */
#ifndef WR_GROUP_H
#define WR_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/rank.h"

struct group_row {
    const char *value;         /* the label's value; "" for the members without the label */
    bool has_label;            /* false: the group of series without the label */
    size_t first, n;           /* members: group_member(g, first .. first + n - 1), best first */
    struct window_stats stats; /* merged over the members */
};

struct group_set;

/* An empty set. Never returns NULL. */
struct group_set *group_new(void);

/* Frees the set, its rows and members. NULL is a no-op. */
void group_free(struct group_set *g);

/* Groups the series of tab passing q's filters by the value of label (an exact label name)
 * over q's window, and ranks the groups by q's column and direction (RANK_KEY: by value;
 * empty windows last; ties by value), and the members of each group the same way. q->prev is
 * ignored. Replaces the set's previous content (pointers from it become invalid). Returns the
 * number of groups. */
size_t group_compute(struct group_set *g, const struct series_table *tab,
                     const struct rank_query *q, const char *label);

/* Row i (< the count group_compute returned), and member j of the set (a row's members are
 * first .. first + n - 1), with its own stats. */
const struct group_row *group_row(const struct group_set *g, size_t i);
const struct rank_row *group_member(const struct group_set *g, size_t j);

/* The distinct label names of the series of tab passing q's filters, sorted, written to out
 * (each a malloc'd string the caller frees) up to cap; returns how many there are. */
size_t group_label_names(const struct series_table *tab, const struct rank_query *q, char **out,
                         size_t cap);

#endif
