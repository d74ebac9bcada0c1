/* wire.c — varints, doubles and raw bytes in and out of buffers (contract in wire.h). */
#include "core/wire.h"

#include <string.h>

void wire_put_u8(struct wire_w *w, uint8_t v)
{
    if (w->buf)
        w->buf[w->n] = v;
    w->n++;
}

void wire_put_varint(struct wire_w *w, uint64_t v)
{
    do {
        uint8_t byte = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            byte |= 0x80;
        wire_put_u8(w, byte);
    } while (v);
}

void wire_put_svarint(struct wire_w *w, int64_t v)
{
    wire_put_varint(w, v < 0 ? ((uint64_t)(-(v + 1)) << 1) | 1 : (uint64_t)v << 1);
}

void wire_put_f64(struct wire_w *w, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++)
        wire_put_u8(w, (uint8_t)(bits >> (8 * i)));
}

void wire_put_bytes(struct wire_w *w, const void *p, size_t n)
{
    if (w->buf && n)
        memcpy(w->buf + w->n, p, n);
    w->n += n;
}

int wire_get_svarint(struct wire_r *r, int64_t *out)
{
    uint64_t zz;
    if (wire_get_varint(r, &zz) < 0)
        return -1;
    *out = zz & 1 ? -(int64_t)(zz >> 1) - 1 : (int64_t)(zz >> 1);
    return 0;
}

int wire_get_bytes(struct wire_r *r, size_t n, const uint8_t **out)
{
    if (wire_left(r) < n)
        return -1;
    *out = r->p;
    r->p += n;
    return 0;
}
