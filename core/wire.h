/* wire.h — the byte-level primitives of warroom's binary formats (histogram, rollsum and
 * rollup checkpoint codecs): LEB128 varints in their shortest form and little-endian IEEE-754
 * doubles, written through a writer that can also only measure, read through a bounds-checked
 * reader. Pure. */
#ifndef WR_WIRE_H
#define WR_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A writer: buf NULL only counts the bytes (n) that writing would take. The caller sizes buf
 * (a measuring pass first); nothing here checks capacity. */
struct wire_w {
    uint8_t *buf;
    size_t n;
};

/* A reader over [p, end): every get returns 0 and advances, or -1 (past the end, or not the
 * canonical form) and leaves p anywhere inside the range. */
struct wire_r {
    const uint8_t *p, *end;
};

void wire_put_u8(struct wire_w *w, uint8_t v);
/* Unsigned LEB128: 7 bits per byte, least significant first, high bit set on every byte but
 * the last; always the shortest form (1 to 10 bytes). */
void wire_put_varint(struct wire_w *w, uint64_t v);
/* zigzag: 0, -1, 1, -2 ... as 0, 1, 2, 3 ..., then a varint. */
void wire_put_svarint(struct wire_w *w, int64_t v);
/* The 8 bytes of the IEEE-754 binary64 bit pattern, least significant byte first. */
void wire_put_f64(struct wire_w *w, double v);
void wire_put_bytes(struct wire_w *w, const void *p, size_t n);

static inline size_t wire_left(const struct wire_r *r)
{
    return (size_t)(r->end - r->p);
}

/* The getters decode every rollup a reader merges at start-up: inline. */
static inline int wire_get_u8(struct wire_r *r, uint8_t *out)
{
    if (r->p == r->end)
        return -1;
    *out = *r->p++;
    return 0;
}

/* Refuses an overlong varint (a zero last byte after the first) and one past 64 bits. */
static inline int wire_get_varint(struct wire_r *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end)
            return -1;
        uint8_t byte = *r->p++;
        if (shift == 63 && byte > 1)
            return -1; /* more than 64 bits */
        if (shift > 0 && byte == 0)
            return -1; /* overlong: the encoder writes every number in its shortest form */
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int wire_get_svarint(struct wire_r *r, int64_t *out);

/* Any bit pattern, NaN and infinities included: the caller checks what it accepts. */
static inline int wire_get_f64(struct wire_r *r, double *out)
{
    if (wire_left(r) < 8)
        return -1;
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
        bits |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    memcpy(out, &bits, sizeof bits);
    return 0;
}

/* Points *out at the next n bytes (inside the input) and skips them. */
int wire_get_bytes(struct wire_r *r, size_t n, const uint8_t **out);

#endif
