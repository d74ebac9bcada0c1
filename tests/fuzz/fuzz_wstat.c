/* fuzz_wstat.c — what Redis answers to `warroom workers`' reads, through app/redis/wread into
 * core/wstat. The input is a series of replies in RESP (hiredis' reader parses them), each after
 * one byte naming the command it answers (kind, mod 8) and one giving the row. Properties: no
 * crash; every string kept and every table cell is terminated inside its array, valid UTF-8 and
 * terminal-safe (no C0 control, DEL, C1 control or bidi control); at most WSTAT_WORKERS_MAX
 * workers; a number marked ok is in [0, 2^53]. */
#include <string.h>

#include <hiredis/hiredis.h>

#include "app/redis/wread.h"
#include "core/text.h"
#include "tests/fuzz/fuzz_text.h"
#include "core/wstat.h"

#define FUZZ_PARTITIONS 4

static void check_num(struct wstat_num n)
{
    FUZZ_CHECK(n.st != WSTAT_OK || (n.v >= 0 && n.v <= WSTAT_NUM_MAX));
}

static void check(const struct wstat *s)
{
    char wc[WSTAT_WC_N][WSTAT_CELL_MAX], pc[WSTAT_PC_N][WSTAT_CELL_MAX];
    FUZZ_CHECK(s->nworkers <= WSTAT_WORKERS_MAX);
    fuzz_check_safe(s->mode, sizeof(s->mode));
    fuzz_check_safe(s->error, sizeof(s->error));
    for (size_t i = 0; i < s->nworkers; i++) {
        const struct wstat_worker *w = &s->workers[i];
        fuzz_check_safe(w->id, sizeof(w->id));
        fuzz_check_safe(w->host, sizeof(w->host));
        fuzz_check_safe(w->partitions, sizeof(w->partitions));
        fuzz_check_safe(w->error, sizeof(w->error));
        check_num(w->events);
        check_num(w->heartbeat_ms);
        wstat_worker_cells(s, w, wc);
        for (int c = 0; c < WSTAT_WC_N; c++)
            fuzz_check_safe(wc[c], sizeof(wc[c]));
    }
    for (unsigned i = 0; i < s->partitions; i++) {
        const struct wstat_part *p = &s->parts[i];
        fuzz_check_safe(p->owner, sizeof(p->owner));
        fuzz_check_safe(p->ckpt_owner, sizeof(p->ckpt_owner));
        fuzz_check_safe(p->last, sizeof(p->last));
        fuzz_check_safe(p->error, sizeof(p->error));
        check_num(p->token);
        check_num(p->closed_ms);
        wstat_part_cells(s, p, pc);
        for (int c = 0; c < WSTAT_PC_N; c++)
            fuzz_check_safe(pc[c], sizeof(pc[c]));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wstat s;
    if (wstat_init(&s, FUZZ_PARTITIONS) != 0)
        return 0;
    size_t off = 0;
    while (off + 2 < size) {
        enum wread_kind kind = (enum wread_kind)(data[off] % 8);
        size_t index = data[off + 1];
        off += 2;
        redisReader *rd = redisReaderCreate();
        if (rd == NULL)
            break;
        void *reply = NULL;
        /* feed byte by byte up to the end of one reply, so the next one starts after it */
        while (off < size && reply == NULL) {
            if (redisReaderFeed(rd, (const char *)data + off, 1) != REDIS_OK)
                break;
            off++;
            if (redisReaderGetReply(rd, &reply) != REDIS_OK)
                break;
        }
        redisReaderFree(rd);
        if (reply == NULL)
            break;
        wread_apply(&s, kind, index, "k\033", reply, NULL);
        freeReplyObject(reply);
    }
    wstat_finish(&s, 1000000);
    check(&s);
    wstat_free(&s);
    return 0;
}
