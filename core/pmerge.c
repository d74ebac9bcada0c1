/* pmerge.c — cross-partition merge of one stream read in entry-ID order (contract in pmerge.h).
 * A min-heap of cursors, one per partition's batch. */
#include "core/pmerge.h"

#include <stdbool.h>

int pmerge_id_cmp(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    if (ams != bms)
        return ams < bms ? -1 : 1;
    return aseq < bseq ? -1 : aseq > bseq;
}

static void cursor_load(struct pmerge_cursor *c, pmerge_id_fn *id)
{
    c->ms = c->seq = 0;
    id(c->batch, c->pos, &c->ms, &c->seq);
}

static bool cursor_less(const struct pmerge_cursor *a, const struct pmerge_cursor *b)
{
    return pmerge_id_cmp(a->ms, a->seq, b->ms, b->seq) < 0;
}

static void heap_down(struct pmerge_cursor *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && cursor_less(&h[l], &h[m]))
            m = l;
        if (l + 1 < n && cursor_less(&h[l + 1], &h[m]))
            m = l + 1;
        if (m == i)
            return;
        struct pmerge_cursor t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

size_t pmerge_run(struct pmerge_cursor *cur, size_t n, size_t batch_max, pmerge_id_fn *id,
                  pmerge_take_fn *take, void *ctx)
{
    bool have_cutoff = false;
    uint64_t cut_ms = 0, cut_seq = 0;
    for (size_t i = 0; i < n; i++) {
        struct pmerge_cursor *c = &cur[i];
        if (c->count >= batch_max) {
            c->pos = c->count - 1;
            cursor_load(c, id);
            if (!have_cutoff || pmerge_id_cmp(c->ms, c->seq, cut_ms, cut_seq) < 0) {
                cut_ms = c->ms;
                cut_seq = c->seq;
            }
            have_cutoff = true;
        }
        c->pos = 0;
        cursor_load(c, id);
    }
    for (size_t i = n; i-- > 0;)
        heap_down(cur, n, i);
    size_t taken = 0;
    while (n > 0) {
        struct pmerge_cursor *top = &cur[0];
        if (have_cutoff && pmerge_id_cmp(top->ms, top->seq, cut_ms, cut_seq) > 0)
            break;
        take(ctx, top->batch, top->part, top->pos);
        taken++;
        if (++top->pos < top->count)
            cursor_load(top, id);
        else
            cur[0] = cur[--n];
        heap_down(cur, n, 0);
    }
    return taken;
}
