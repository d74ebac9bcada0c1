/* fuzz.h — included by every fuzz target (the Makefile force-includes it): the libFuzzer entry
 * point and FUZZ_CHECK, which states a property and aborts when it fails, so a broken property
 * is a crash both under libFuzzer (`make fuzz`) and in the corpus driver (`make check`). */
#ifndef WR_FUZZ_H
#define WR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called once per input; data is valid for the call only. Returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property failed: %s\n", file, line, what);
    abort();
}

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

#endif
