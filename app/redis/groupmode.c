/* groupmode.c — reads NS:meta "mode" (contract in groupmode.h). */
#include "app/redis/groupmode.h"

#include <stdio.h>
#include <string.h>

int groupmode_read(struct csync *c, const char *ns, bool *group, char *err, size_t errcap)
{
    char key[96];
    snprintf(key, sizeof(key), "%s:meta", ns);
    *group = false;
    redisReply *r = csync_command(c, "HGET %s mode", key);
    if (r == NULL) {
        snprintf(err, errcap, "reading %s mode: %s", key, csync_error(c));
        return -1;
    }
    *group = r->type == REDIS_REPLY_STRING && r->len == 5 && memcmp(r->str, "group", 5) == 0;
    freeReplyObject(r);
    return 0;
}
