/* deadletter.h — the reader's dead letters (NS:dlq), written on its command connection.
 * Private to the reader (app/redis/reader*.c). */
#ifndef WR_APP_REDIS_DEADLETTER_H
#define WR_APP_REDIS_DEADLETTER_H

#include <stddef.h>

struct reader;

/* Queues the dead letter for one rejected entry of partition pi: its original strings (the
 * reader's scratch strs/lens, nstr of them, padded to pairs), then reason, detail, stream and
 * id. Counted in the reader's dlq_* stats; a write that fails is counted, never retried past
 * DLQ_MAX_TRIES. Copies everything it needs: the reply may go after it returns. */
void deadletter_queue(struct reader *rd, unsigned pi, const char *id, size_t id_len, size_t nstr,
                      const char *reason_class, const char *detail);

#endif
