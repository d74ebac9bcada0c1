/* rollsum.c — a period's per-series summary: fold, merge, and the v1 blob codec (contract in
 * rollsum.h). */
#include "core/rollsum.h"

#include <math.h>

#include "core/hist_codec.h"
#include "core/wire.h"

/* v1: u8 version | varint count | varint late | when count > 0: f64 sum, m2, min, max, first,
 * last | varint first_off_ms | varint last_off_ms | the histogram (hist_codec) to the end. */

void rollsum_init(struct rollsum *r)
{
    summary_init(&r->sum);
    hist_init(&r->hist);
    r->late = 0;
}

void rollsum_free(struct rollsum *r)
{
    hist_clear(&r->hist);
}

void rollsum_add(struct rollsum *r, double v, int64_t ts_ms)
{
    summary_add(&r->sum, v, ts_ms);
    hist_add(&r->hist, v);
}

void rollsum_merge(struct rollsum *dst, const struct rollsum *src)
{
    summary_merge(&dst->sum, &src->sum);
    hist_merge(&dst->hist, &src->hist);
    dst->late = dst->late + src->late < dst->late ? UINT64_MAX : dst->late + src->late;
}

static void encode_to(const struct rollsum *r, int64_t period_ms, struct wire_w *w)
{
    const struct summary *s = &r->sum;
    wire_put_u8(w, ROLLSUM_VERSION);
    wire_put_varint(w, s->count);
    wire_put_varint(w, r->late);
    if (s->count == 0)
        return;
    wire_put_f64(w, s->sum);
    wire_put_f64(w, s->m2);
    wire_put_f64(w, s->min);
    wire_put_f64(w, s->max);
    wire_put_f64(w, s->first);
    wire_put_f64(w, s->last);
    wire_put_varint(w, (uint64_t)s->first_ts_ms - (uint64_t)period_ms);
    wire_put_varint(w, (uint64_t)s->last_ts_ms - (uint64_t)period_ms);
    size_t n = hist_codec_encode(&r->hist, NULL, 0);
    if (w->buf)
        hist_codec_encode(&r->hist, w->buf + w->n, n);
    w->n += n;
}

size_t rollsum_encode(const struct rollsum *r, int64_t period_ms, uint8_t *buf, size_t cap)
{
    struct wire_w w = {NULL, 0};
    encode_to(r, period_ms, &w);
    if (buf && cap >= w.n) {
        struct wire_w out = {buf, 0};
        encode_to(r, period_ms, &out);
    }
    return w.n;
}

static int fail(struct rollsum *r, const char **why, const char *reason)
{
    summary_init(&r->sum);
    hist_clear(&r->hist);
    r->late = 0;
    if (why)
        *why = reason;
    return -1;
}

int rollsum_decode(struct rollsum *r, int64_t period_ms, uint32_t period_len_ms, const uint8_t *buf,
                   size_t len, const char **why)
{
    struct wire_r in = {buf, buf + (buf ? len : 0)};
    uint8_t version;
    uint64_t count, late;
    if (wire_get_u8(&in, &version) < 0)
        return fail(r, why, "empty rollup summary");
    if (version != ROLLSUM_VERSION)
        return fail(r, why, "unknown rollup summary version");
    if (wire_get_varint(&in, &count) < 0 || wire_get_varint(&in, &late) < 0)
        return fail(r, why, "truncated or malformed rollup summary");
    struct summary s;
    summary_init(&s);
    if (count == 0) {
        if (wire_left(&in) != 0)
            return fail(r, why, "trailing bytes after an empty rollup summary");
        r->sum = s;
        hist_clear(&r->hist);
        r->late = late;
        return 0;
    }
    double f[6];
    for (int i = 0; i < 6; i++) {
        if (wire_get_f64(&in, &f[i]) < 0)
            return fail(r, why, "truncated rollup summary");
        if (!isfinite(f[i]))
            return fail(r, why, "non-finite number in rollup summary");
    }
    double sum = f[0], m2 = f[1], min = f[2], max = f[3], first = f[4], last = f[5];
    if (min > max)
        return fail(r, why, "rollup summary min > max");
    if (first < min || first > max || last < min || last > max)
        return fail(r, why, "rollup summary first/last outside [min, max]");
    if (m2 < 0)
        return fail(r, why, "rollup summary m2 < 0");
    uint64_t first_off, last_off;
    if (wire_get_varint(&in, &first_off) < 0 || wire_get_varint(&in, &last_off) < 0)
        return fail(r, why, "truncated or malformed rollup summary times");
    if (first_off >= period_len_ms || last_off >= period_len_ms ||
        period_ms > INT64_MAX - (int64_t)period_len_ms)
        return fail(r, why, "rollup summary times outside the period");
    if (first_off > last_off)
        return fail(r, why, "rollup summary first time after last");
    if (wire_left(&in) == 0 || hist_codec_decode(&r->hist, in.p, wire_left(&in)) < 0)
        return fail(r, why, "malformed histogram in rollup summary");
    if (hist_count(&r->hist) != count)
        return fail(r, why, "rollup summary count differs from its histogram's");
    s.count = count;
    s.sum = sum;
    s.m2 = m2;
    s.mean = sum / (double)count; /* finite: count >= 1 */
    s.min = min;
    s.max = max;
    s.first = first;
    s.last = last;
    s.first_ts_ms = period_ms + (int64_t)first_off;
    s.last_ts_ms = period_ms + (int64_t)last_off;
    r->sum = s;
    r->late = late;
    return 0;
}

size_t rollsum_memory_bytes(const struct rollsum *r)
{
    return hist_memory_bytes(&r->hist);
}
