/* partition.h — where an event goes: CRC16 (XMODEM, the one Redis Cluster uses) of the canonical
 * series key picks the partition stream; the Redis hash-slot rule maps keys to cluster slots.
 * Both are wire contracts: producers in any language compute the same numbers. */
#ifndef WR_PARTITION_H
#define WR_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#define PARTITION_SLOTS 16384 /* Redis Cluster hash slots */

/* CRC16/XMODEM: polynomial 0x1021, init 0, no reflection, no final xor.
 * "123456789" -> 0x31C3. n == 0 gives 0. */
uint16_t partition_crc16(const void *p, size_t n);

/* Partition of a canonical series key (event_key): crc16(whole key) % nparts.
 * No hash-tag rule applies here. nparts must be > 0; 0 returns 0. */
unsigned partition_of(const char *key, size_t len, unsigned nparts);

/* Redis Cluster slot of a Redis key: crc16 & 16383, hashing only the hash tag when the key has a
 * '{' followed later by a '}' with at least one byte between the first '{' and the first '}'
 * after it; otherwise the whole key. */
unsigned partition_key_slot(const char *key, size_t len);

/* Writes the stream key of partition i, "NS:ev:{pI}" (e.g. "wr:ev:{p3}"), NUL-terminated.
 * Returns its length, or -1 when it does not fit in cap bytes (buf then holds nothing useful). */
int partition_stream_key(const char *ns, unsigned i, char *buf, size_t cap);

/* Writes the dead-letter stream key of partition i, "NS:dlq:{pI}" (same hash tag, so the same
 * cluster slot, as the partition's stream). Returns as partition_stream_key. */
int partition_dlq_key(const char *ns, unsigned i, char *buf, size_t cap);

/* Writes the rollup stream key of partition i for a tier ("1s", "1m", "1h"),
 * "NS:roll:TIER:{pI}" (same hash tag as the partition's stream). Returns as
 * partition_stream_key. */
int partition_roll_key(const char *ns, const char *tier, unsigned i, char *buf, size_t cap);

#endif
