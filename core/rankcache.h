/* rankcache.h — rank_top for a live table drawn every second: the same rows, bit for bit, but
 * each series' window statistics are kept between calls and recomputed only when its timeline
 * or the slots its window covers changed, filter results are kept per series, ties are broken
 * by a precomputed key order instead of strcmp, and only the best rows are sorted. What the
 * series table of the interface ranks with (docs/architecture.md, "Rendering"). */
#ifndef WR_RANKCACHE_H
#define WR_RANKCACHE_H

#include <stddef.h>

#include "core/rank.h"
#include "core/series.h"

struct rankcache;

/* An empty cache (owns no series). Never NULL (aborts on out of memory). rankcache_free(NULL)
 * is a no-op. */
struct rankcache *rankcache_new(void);
void rankcache_free(struct rankcache *rc);

/* Forgets which series pass the filter: call whenever q->select or q->substring change what
 * they match (a new filter text; a selector freed and another made, even at the same address). */
void rankcache_filter_changed(struct rankcache *rc);

/* Same contract and result as rank_top(tab, q, out, cap): the best min(n, cap) rows with full
 * window stats, n the series passing the filters. Relies on what series_table guarantees: series
 * are only appended to tab->items and never removed or renamed, and a series' timeline changes
 * only when an event is stored in it (s->events grows); a different tab starts afresh. */
size_t rankcache_top(struct rankcache *rc, const struct series_table *tab,
                     const struct rank_query *q, struct rank_row *out, size_t cap);

#endif
