/* groupmode.h — which source a reader of the namespace uses: NS:meta "mode" is "group" once a
 * `worker --group` runs (readers then merge rollups, docs/protocol.md), anything else or absent
 * means embedded mode (every reader ingests the raw events). Read once at start. */
#ifndef WR_APP_REDIS_GROUPMODE_H
#define WR_APP_REDIS_GROUPMODE_H

#include <stdbool.h>
#include <stddef.h>

#include "app/redis/csync.h"

/* HGET NS:meta mode. Sets *group and returns 0; any error reply (NS:meta of another type, an
 * ACL that denies it) counts as embedded mode. Returns -1 only when the connection was lost
 * (message in err). */
int groupmode_read(struct csync *c, const char *ns, bool *group, char *err, size_t errcap);

#endif
