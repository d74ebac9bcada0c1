/* rreply.h — reply objects for synchronous connections: laid out as hiredis 0.14 lays out its
 * own (a redisReply, its string and its element vector each from malloc), so freeReplyObject
 * frees them, but an array header announcing more than RCONN_ARENA_MAX_ELEMENTS elements is
 * refused, as the asynchronous connections' arena refuses it (rconn_arena.h). hiredis' own
 * functions reserve whatever a header announces: "*2000000000" from a hostile or broken server
 * is 16 GB, which hiredis' allocator turns into abort() where it cannot be had. A refused array
 * fails the command with REDIS_ERR_OOM on the context, whose text hiredis makes "Out of
 * memory": rreply_errstr says what happened instead. */
#ifndef WR_RREPLY_H
#define WR_RREPLY_H

#include <hiredis/hiredis.h>

/* Makes c's reader build its replies with these functions. Call it right after connecting,
 * before the first command. */
void rreply_cap(redisContext *c);

/* The same for a bare reader (tests, fuzz targets). */
void rreply_cap_reader(redisReader *r);

/* c's error text: hiredis' own, except after an array this thread refused, which hiredis
 * reports as "Out of memory": then "reply refused: an array of N elements (over the limit of
 * 67108864)". The text lives until the thread's next call. */
const char *rreply_errstr(const redisContext *c);

#endif
