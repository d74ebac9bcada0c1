/* hist_codec.c — the compact, canonical byte encoding of a histogram (contract in
 * hist_codec.h): LEB128 varints, runs of empty bins, a decoder that accepts only what the
 * encoder writes. */
#include "core/hist_codec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist_impl.h"
#include "core/mem.h"
#include "core/wire.h"

/* Layout (all integers LEB128 varints):
 *   u8 version | zero_count | collapsed_bins | store pos | store neg
 *   store: len (of the window trimmed to its first and last non-empty bins; 0 = empty), then
 *          when len > 0: zigzag(offset) and tokens covering exactly len cells:
 *          t odd         -> a run of (t >> 1) + 1 empty bins
 *          t even, != 0  -> one bin with count t >> 1
 *          t == 0        -> one bin whose count (>= 2^63) follows as its own varint
 * The first and last bins of a store are non-empty, so equal histograms encode to equal
 * bytes. The decoder accepts only this canonical form (shortest varints, one token per gap), so
 * decoding then encoding gives back the input. */

static void put_store(struct wire_w *w, const struct hist_store *s)
{
    uint32_t first, last;
    if (!store_extent(s, &first, &last)) {
        wire_put_varint(w, 0);
        return;
    }
    int64_t off = s->offset + (int64_t)first;
    wire_put_varint(w, last - first + 1);
    wire_put_svarint(w, off);
    for (uint32_t i = first; i <= last;) {
        uint64_t c = cell_get(s, i);
        if (c == 0) {
            uint32_t run = 0;
            while (cell_get(s, i) == 0) { /* stops at last, which is non-empty */
                run++;
                i++;
            }
            wire_put_varint(w, ((uint64_t)(run - 1) << 1) | 1);
            continue;
        }
        if (c < (1ULL << 63)) {
            wire_put_varint(w, c << 1);
        } else {
            wire_put_varint(w, 0);
            wire_put_varint(w, c);
        }
        i++;
    }
}

static size_t hist_encode(const struct hist *h, uint8_t *buf)
{
    struct wire_w w = {buf, 1};
    if (buf)
        buf[0] = HIST_CODEC_VERSION;
    wire_put_varint(&w, h->zero_count);
    wire_put_varint(&w, h->collapsed_bins);
    put_store(&w, &h->pos);
    put_store(&w, &h->neg);
    return w.n;
}

size_t hist_codec_encode(const struct hist *h, uint8_t *buf, size_t cap)
{
    size_t need = hist_encode(h, NULL);
    if (buf && cap >= need)
        hist_encode(h, buf);
    return need;
}

/* Reads the next token: a run of empty bins (*count = 0, *run >= 1) or one bin. */
static int get_token(struct wire_r *r, uint64_t *count, uint64_t *run)
{
    uint64_t t;
    if (wire_get_varint(r, &t) < 0)
        return -1;
    if (t & 1) {
        *count = 0;
        *run = (t >> 1) + 1;
        return 0;
    }
    *run = 1;
    if (t)
        *count = t >> 1;
    else if (wire_get_varint(r, count) < 0 || *count < (1ULL << 63))
        return -1; /* an escaped count must be one that needed the escape */
    return 0;
}

/* Decodes one store into s (empty on entry). Validates everything before allocating, so the
 * allocation is bounded by max_bins whatever the input. *total accumulates the counts. */
static int get_store(struct wire_r *r, struct hist_store *s, uint32_t max_bins, uint64_t *total)
{
    uint64_t len, zz;
    if (wire_get_varint(r, &len) < 0)
        return -1;
    if (len == 0)
        return 0;
    if (len > max_bins || wire_get_varint(r, &zz) < 0)
        return -1;
    int64_t off = zz & 1 ? -(int64_t)(zz >> 1) - 1 : (int64_t)(zz >> 1);
    if ((zz >> 1) > INT32_MAX || off < hist_index_min() || off > hist_index_max() ||
        off + (int64_t)len - 1 > hist_index_max())
        return -1;

    struct wire_r start = *r;
    uint64_t cells = 0, max = 0, sum = *total, count, run;
    int after_run = 0;
    while (cells < len) {
        if (get_token(r, &count, &run) < 0 || run > len - cells)
            return -1;
        if (count == 0 && (cells == 0 || cells + run == len || after_run))
            return -1; /* first and last bins are non-empty, a gap is one run */
        after_run = count == 0;
        if (sum + count < sum)
            return -1;
        sum += count;
        max = count > max ? count : max;
        cells += run;
    }

    *r = start;
    *s = (struct hist_store){
        .counts = xcalloc(len, width_for(max)),
        .offset = (int32_t)off,
        .len = (uint32_t)len,
        .width = width_for(max),
    };
    for (cells = 0; cells < len; cells += run) {
        get_token(r, &count, &run);
        if (count)
            cell_set(s, (uint32_t)cells, count);
    }
    *total = sum;
    return 0;
}

int hist_codec_decode(struct hist *h, const uint8_t *buf, size_t len)
{
    hist_clear(h);
    if (!buf || len == 0 || buf[0] != HIST_CODEC_VERSION)
        return -1;
    struct wire_r r = {buf + 1, buf + len};
    uint64_t zero, collapsed, total;
    if (wire_get_varint(&r, &zero) < 0 || wire_get_varint(&r, &collapsed) < 0 ||
        collapsed > UINT32_MAX)
        goto err;
    total = zero;
    if (get_store(&r, &h->pos, h->max_bins, &total) < 0 ||
        get_store(&r, &h->neg, h->max_bins, &total) < 0 || r.p != r.end)
        goto err;
    h->zero_count = zero;
    h->collapsed_bins = (uint32_t)collapsed;
    h->count = total;
    return 0;
err:
    hist_clear(h);
    return -1;
}
