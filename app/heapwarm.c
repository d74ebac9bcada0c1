/* heapwarm.c — fresh heap memory faulted in by a helper thread, not by the event loop.
 *
 * On the virtual machines we measure on, the first write to a fresh page costs ~1.5 ms per MiB
 * (`warroom bench alerts` prints it: 3.2 ms for a 2 MiB page, 11 us for a 4 KiB one), and the
 * loop pays it wherever the heap grows: inside an alert slice that builds windows, in the
 * reader's first seconds. glibc's main heap grows by moving the break (brk); this module makes
 * it grow in steps of HEAP_WARM_STEP (M_TOP_PAD) and has one thread, holding no lock malloc
 * knows of and allocating nothing, ask the kernel to populate each new step
 * (madvise MADV_POPULATE_WRITE: the pages are faulted in as a write would, their contents, all
 * zero, untouched). The loop then finds the pages present. Costs: up to one step of resident
 * memory that nothing uses yet. Where the kernel has no MADV_POPULATE_WRITE (before Linux 5.14)
 * the thread ends at its first try and the heap behaves as without it. WARROOM_HEAP_WARM=0 in
 * the environment leaves all this off (docs/operations.md). */
#include "app/heapwarm.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define HEAP_WARM_STEP ((size_t)64 << 20) /* the heap grows by this much beyond a request */
#define HEAP_WARM_CHUNK ((size_t)2 << 20) /* populated per call: brk never waits for more */
#define HEAP_WARM_POLL_MIN_MS 5           /* between looks at the break while it moves, */
#define HEAP_WARM_POLL_MAX_MS 320         /* doubling up to this while it does not */

static atomic_bool warm_running;
static atomic_size_t warm_bytes;

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
static uintptr_t current_break(void)
{
    return (uintptr_t)syscall(SYS_brk, 0);
}

static void *warm_thread(void *arg)
{
    /* from the break as it was before the thread existed: the loop may have moved it since */
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), done = (uintptr_t)arg;
    long wait_ms = HEAP_WARM_POLL_MIN_MS;
    for (;;) {
        struct timespec pause = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        uintptr_t brk = current_break();
        if (brk < done) /* trimmed: what lay above is gone */
            done = brk;
        done -= done % page;
        wait_ms = done < brk
                      ? HEAP_WARM_POLL_MIN_MS
                      : (wait_ms * 2 > HEAP_WARM_POLL_MAX_MS ? HEAP_WARM_POLL_MAX_MS : wait_ms * 2);
        while (done < brk) {
            size_t len = brk - done < HEAP_WARM_CHUNK ? brk - done : HEAP_WARM_CHUNK;
            if (madvise((void *)done, len, MADV_POPULATE_WRITE) != 0) {
                if (errno != EINVAL)
                    break; /* the break moved down meanwhile (ENOMEM): look again */
                atomic_store(&warm_running, false); /* no such advice in this kernel */
                return NULL;
            }
            done += len;
            atomic_fetch_add(&warm_bytes, len);
        }
    }
    return NULL;
}
#endif

int heap_warm_start(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return -1; /* the sanitizer's allocator does not use the break */
#else
    const char *off = getenv("WARROOM_HEAP_WARM");
    if (off && strcmp(off, "0") == 0)
        return -1;
    /* a top pad also fixes glibc's mmap threshold at 128 KiB (it would rise with the blocks
     * freed, to 32 MiB); raising it to 32 MiB by hand put blocks in the heap ahead of the
     * thread: 16 of ~300 alert slices took a fault again, none with the threshold left alone */
    if (mallopt(M_TOP_PAD, (int)HEAP_WARM_STEP) != 1)
        return -1;
    sigset_t all, was;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &was); /* signals stay the loop's */
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, (size_t)64 << 10);
    atomic_store(&warm_running, true);
    int rc = pthread_create(&t, &attr, warm_thread, (void *)current_break());
    pthread_attr_destroy(&attr);
    pthread_sigmask(SIG_SETMASK, &was, NULL);
    if (rc != 0)
        atomic_store(&warm_running, false);
    return rc == 0 ? 0 : -1;
#endif
}

bool heap_warm_running(void)
{
    return atomic_load(&warm_running);
}

size_t heap_warm_bytes(void)
{
    return atomic_load(&warm_bytes);
}
