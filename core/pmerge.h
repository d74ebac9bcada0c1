/* pmerge.h — merges the per-partition batches of one stream read into entry-ID order.
 * Pure: the caller describes each batch (a count and an ID lookup) and gets the entries back
 * through a callback, oldest first (docs/architecture.md §6). */
#ifndef WR_CORE_PMERGE_H
#define WR_CORE_PMERGE_H

#include <stddef.h>
#include <stdint.h>

/* One partition's batch. The caller fills batch, part and count (> 0); pmerge_run uses pos, ms
 * and seq as it goes. */
struct pmerge_cursor {
    const void *batch; /* the caller's handle for the batch, passed back to the callbacks */
    unsigned part;     /* the caller's partition index, passed back */
    size_t count;      /* entries in the batch */
    size_t pos;        /* entry under the cursor */
    uint64_t ms, seq;  /* its ID */
};

/* The ID of entry pos of batch into *ms, *seq; 0-0 when it has none (such an entry is then
 * taken first). */
typedef void pmerge_id_fn(const void *batch, size_t pos, uint64_t *ms, uint64_t *seq);
/* Receives one entry: entry pos of batch, from partition part. */
typedef void pmerge_take_fn(void *ctx, const void *batch, unsigned part, size_t pos);

/* -1, 0, 1 as (ams, aseq) is before, equal to, after (bms, bseq). */
int pmerge_id_cmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq);

/* Calls take for the entries of the n batches in cur[] in entry-ID order across batches. A batch
 * that came back full (count >= batch_max) may have more entries after its last one: nothing
 * after the earliest such last ID is taken (the cutoff), as a later read may bring entries
 * before it from that partition. Returns the number of entries taken; cur[] is scratch
 * afterwards. */
size_t pmerge_run(struct pmerge_cursor *cur, size_t n, size_t batch_max, pmerge_id_fn *id,
                  pmerge_take_fn *take, void *ctx);

#endif
