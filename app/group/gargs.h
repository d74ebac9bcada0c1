/* gargs.h — a growable list of binary-safe arguments for one script call, kept in one buffer
 * (offsets while growing, pointers only when sent). */
#ifndef WR_APP_GROUP_GARGS_H
#define WR_APP_GROUP_GARGS_H

#include <stddef.h>
#include <stdint.h>

struct gargs {
    char *buf;
    size_t len, cap;
    size_t *off, *alen; /* argument i: buf[off[i] .. off[i] + alen[i]) */
    size_t n, ncap;
    const char **argv; /* filled by gargs_argv */
};

void gargs_reset(struct gargs *a);
void gargs_free(struct gargs *a);
void gargs_add(struct gargs *a, const void *p, size_t len);
void gargs_str(struct gargs *a, const char *s);
void gargs_u64(struct gargs *a, uint64_t v);
void gargs_i64(struct gargs *a, int64_t v);
/* Room for len bytes at the end, as a new argument whose bytes the caller writes; returns them. */
uint8_t *gargs_reserve(struct gargs *a, size_t len);
/* Replaces argument i (already added) with a decimal number. */
void gargs_set_u64(struct gargs *a, size_t i, uint64_t v);
/* Pointers for sending (valid until the next change). */
const char **gargs_argv(struct gargs *a);

#endif
