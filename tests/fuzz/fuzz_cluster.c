/* fuzz_cluster.c — what a Redis Cluster node (or anything posing as one) sends us: error replies
 * (slotmap_reply_parse), INFO text (slotmap_info_cluster_enabled), CLUSTER SLOTS replies
 * (csync_slots_load, fed through hiredis' own RESP reader) and formatted commands
 * (csync_command_slot). Properties: a MOVED/ASK parse names a slot below 16384, a port in
 * 1..65535 and a host without spaces or control bytes, and prints back to a text that parses to
 * the same redirect; a slot table only ever holds owners that are known nodes; an explained error
 * keeps Redis' text first. */
#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app/redis/csync.h"
#include "core/slotmap.h"

static struct slotmap map; /* 32 KB: not on the stack */

static void check_redirect(const char *s, size_t n)
{
    struct slotmap_redirect r, back;
    enum slotmap_reply k = slotmap_reply_parse(s, n, &r);
    FUZZ_CHECK(k == r.kind);
    if (k != SLOTMAP_REPLY_MOVED && k != SLOTMAP_REPLY_ASK)
        return;
    FUZZ_CHECK(r.slot < PARTITION_SLOTS && r.port >= 1 && r.port <= 65535);
    FUZZ_CHECK(strlen(r.host) < SLOTMAP_HOST_MAX);
    for (const char *h = r.host; *h; h++)
        FUZZ_CHECK((unsigned char)*h > ' ' && *h != 0x7f);
    char text[128];
    int len = snprintf(text, sizeof(text), "%s %u %s:%ld",
                       k == SLOTMAP_REPLY_MOVED ? "MOVED" : "ASK", r.slot, r.host, r.port);
    FUZZ_CHECK(slotmap_reply_parse(text, (size_t)len, &back) == k);
    FUZZ_CHECK(back.slot == r.slot && back.port == r.port && strcmp(back.host, r.host) == 0);
}

static void check_slots(const redisReply *r)
{
    slotmap_init(&map);
    int taken = csync_slots_load(&map, r, "127.0.0.1");
    FUZZ_CHECK(taken >= -1);
    FUZZ_CHECK((taken == -1) == (r->type != REDIS_REPLY_ARRAY));
    FUZZ_CHECK(map.nnodes <= SLOTMAP_NODES_MAX);
    FUZZ_CHECK(taken <= 0 || map.nnodes > 0);
    for (unsigned s = 0; s < PARTITION_SLOTS; s++)
        FUZZ_CHECK(map.owner[s] >= -1 && map.owner[s] < (int)map.nnodes);
    for (unsigned i = 0; i < map.nnodes; i++)
        FUZZ_CHECK(map.nodes[i].port >= 1 && map.nodes[i].port <= 65535 && map.nodes[i].host[0]);
}

static void check_explain(const redisReply *r)
{
    if (r->type != REDIS_REPLY_ERROR)
        return;
    redisReply copy = *r;
    copy.str = malloc(r->len + 1);
    FUZZ_CHECK(copy.str != NULL);
    memcpy(copy.str, r->str, r->len + 1);
    csync_explain(&copy, "127.0.0.1:7000", r->len % 2 == 0);
    FUZZ_CHECK(copy.len >= r->len && memcmp(copy.str, r->str, r->len) == 0);
    FUZZ_CHECK(copy.str[copy.len] == '\0');
    free(copy.str);
}

/* Whether a multi-bulk header ("*N" at the start of a line) announces more elements than the
 * input has bytes: hiredis' own reader allocates the announced array at once, zeroed, which
 * under ASan takes seconds for a count no input of this size could fill, and tests only
 * hiredis (the same input run with plain glibc costs nothing: the memory is never touched). */
static bool announces_too_many(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (data[i] != '*' || (i > 0 && data[i - 1] != '\n'))
            continue;
        unsigned long long n = 0;
        for (size_t j = i + 1; j < size && data[j] >= '0' && data[j] <= '9' && n <= size; j++)
            n = n * 10 + (data[j] - '0');
        if (n > size)
            return true;
    }
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    check_redirect(s, size);
    int on = slotmap_info_cluster_enabled(s, size);
    FUZZ_CHECK(on >= -1 && on <= 1);
    int slot = csync_command_slot(s, size);
    FUZZ_CHECK(slot >= -1 && slot < PARTITION_SLOTS);

    if (announces_too_many(data, size))
        return 0;
    redisReader *rd = redisReaderCreate();
    FUZZ_CHECK(rd != NULL);
    redisReaderFeed(rd, s, size);
    for (int i = 0; i < 8; i++) {
        void *rep = NULL;
        if (redisReaderGetReply(rd, &rep) != REDIS_OK || rep == NULL)
            break;
        check_slots(rep);
        check_explain(rep);
        freeReplyObject(rep);
    }
    redisReaderFree(rd);
    return 0;
}
