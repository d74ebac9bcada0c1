/* heapwarm.h — the heap's fresh pages faulted in off the event loop (app/heapwarm.c). */
#ifndef WR_APP_HEAPWARM_H
#define WR_APP_HEAPWARM_H

#include <stdbool.h>
#include <stddef.h>

/* Makes the main heap grow in large steps and starts a thread that faults each new step in.
 * Returns 0, or -1 when it did nothing (WARROOM_HEAP_WARM=0, a sanitizer, no thread). Call
 * once, early, before any other thread exists. */
int heap_warm_start(void);

/* Whether that thread runs (it stops where the kernel lacks MADV_POPULATE_WRITE). */
bool heap_warm_running(void);

/* Bytes it has faulted in so far. */
size_t heap_warm_bytes(void);

#endif
