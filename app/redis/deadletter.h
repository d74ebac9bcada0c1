/* deadletter.h — the reader's dead letters (NS:dlq:{pI}, one stream per partition), written on
 * its command connection. Private to the reader (app/redis/reader*.c) and `warroom migrate`. */
#ifndef WR_APP_REDIS_DEADLETTER_H
#define WR_APP_REDIS_DEADLETTER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

struct reader;

/* Queues the dead letter for one rejected entry of partition pi: XADD NS:dlq:{pI} MAXLEN ~ n
 * <its entry ID> <its original strings (the reader's scratch strs/lens, nstr of them, padded to
 * pairs)> reason <class> detail <message>. Counted in the reader's dlq_* stats: a refusal
 * because the ID is not above the stream's top (deadletter_is_duplicate) counts as a duplicate
 * (another reader, or an earlier run, recorded it); a write that fails is counted, never
 * retried past DLQ_MAX_TRIES. Copies everything it needs: the reply may go after it returns. */
void deadletter_queue(struct reader *rd, unsigned pi, const char *id, size_t id_len, size_t nstr,
                      const char *reason_class, const char *detail);

/* True when r is Redis refusing an XADD whose explicit ID is equal to or smaller than the
 * stream's top item: for a dead letter, "already recorded". */
bool deadletter_is_duplicate(const redisReply *r);

#endif
