/* gscripts.h — the Lua scripts of group mode. Every script names keys of one partition only
 * (one {pI} hash tag), so it runs in one slot on Redis Cluster; every write checks the fencing
 * token first: a worker whose lease was taken over (paused, partitioned away) writes nothing.
 * Replies and errors are described with each script; an error reply of these scripts starts
 * with WRFENCED (the lease is not ours any more) or WRTYPE (a key holds another type). */
#ifndef WR_APP_GROUP_GSCRIPTS_H
#define WR_APP_GROUP_GSCRIPTS_H

#include "app/redis/rscript.h"

/* KEYS own ckpt ev; ARGV id lease_ms group.
 * When own is free or already ours: makes sure ev has the consumer group and sets the group's
 * delivery point back to the checkpoint's last ID (so entries read but never checkpointed by the
 * previous owner are delivered again, to us), issues the next fencing token (HINCRBY ckpt fence)
 * and takes the lease (SET own "id token" PX lease). Reply: [token, last, closed, state, events,
 * late, rejected, refused] ("" for a missing field). When another worker holds it: [0, holder]. */
extern struct rscript gscript_acquire;

/* KEYS own; ARGV "id token" lease_ms. Reply 1 (renewed) or 0 (not ours any more). */
extern struct rscript gscript_renew;

/* KEYS own; ARGV "id token". Deletes the lease if still ours. Reply 1 or 0. */
extern struct rscript gscript_release;

/* KEYS own ev; ARGV "id token" group consumer count.
 * XREADGROUP ... COUNT count STREAMS ev > when the lease is ours, else WRFENCED. Reply:
 * [server time ms, entries] (entries absent when there were none). */
extern struct rscript gscript_read;

/* KEYS own ckpt ev roll; ARGV "id token" group last closed state events late rejected
 * trim_ms n, then n entries, each: entry-id nfields field value ...
 * When the lease is ours: XADDs each entry to roll (one refused by Redis because its ID is not
 * above the stream's top — a replayed period — is counted, not written), writes the checkpoint
 * (last closed state events late rejected ts; refused += refused ones), XACKs every pending entry
 * of ev up to last, and trims roll's entries older than trim_ms (0: no trim). Reply: [written,
 * refused]. */
extern struct rscript gscript_commit;

/* KEYS own roll source; ARGV "id token" trim_ms source_trim_ms n, then n entries as for commit:
 * the fenced XADD of a 1m or 1h tier period, then the trims of the tier and of its source tier
 * (0: none). Reply [written, refused]. */
extern struct rscript gscript_tier;

/* Computes the scripts' SHA1s; call once before any use. */
void gscripts_init(void);

#endif
