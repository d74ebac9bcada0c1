/* migrate_letter.c — reading one v1 dead letter for `warroom migrate`: where it goes in wire
 * format v2 (partition, entry ID) and which of its fields it keeps. Pure: no I/O, so it is
 * fuzzed (tests/fuzz/fuzz_migrate_letter.c). */
#include <stdbool.h>
#include <string.h>

#include "app/cmd/migrate_impl.h"
#include "core/event.h"
#include "core/partition.h"

static bool str_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(s, name, n) == 0;
}

/* Partition of a v1 "stream" value, exactly NS:ev:{pI} with I < partitions, or -1. */
static int part_of_stream(const char *ns, unsigned partitions, const char *s, size_t n)
{
    size_t nl = strlen(ns), at = nl + 6, i = 0;
    if (n < at + 2 || memcmp(s, ns, nl) != 0 || memcmp(s + nl, ":ev:{p", 6) != 0)
        return -1;
    unsigned long v = 0;
    for (; at + i < n && i < 6 && s[at + i] >= '0' && s[at + i] <= '9'; i++)
        v = v * 10 + (unsigned long)(s[at + i] - '0');
    char key[128];
    int kl = i && v < partitions ? partition_stream_key(ns, (unsigned)v, key, sizeof key) : -1;
    return kl >= 0 && (size_t)kl == n && memcmp(key, s, n) == 0 ? (int)v : -1;
}

/* Partition recomputed from the series key of the entry's metric and labels, or -1. */
static int part_of_series(unsigned partitions, const char *const *strs, const size_t *lens,
                          size_t n, const char *id)
{
    const char *f[6] = {"metric", NULL, "value", "0", "labels", NULL};
    size_t fl[6] = {6, 0, 5, 1, 6, 0};
    for (size_t i = 0; i + 1 < n; i += 2) {
        int slot = str_is(strs[i], lens[i], "metric")   ? 1
                   : str_is(strs[i], lens[i], "labels") ? 5
                                                        : -1;
        if (slot > 0 && f[slot] == NULL) {
            f[slot] = strs[i + 1];
            fl[slot] = lens[i + 1];
        }
    }
    struct event ev;
    char key[EVENT_KEY_MAX + 1];
    if (f[1] == NULL ||
        event_parse_fields(f, fl, f[5] ? 6 : 4, id, strlen(id), NULL, &ev, NULL, 0) != EVENT_OK)
        return -1;
    int kl = event_key(&ev, key, sizeof key);
    return kl < 0 ? -1 : (int)partition_of(key, (size_t)kl, partitions);
}

int migrate_letter_parse(const char *ns, unsigned partitions, const char *eid, size_t eid_len,
                         const char *const *strs, const size_t *lens, size_t n,
                         struct migrate_letter *out)
{
    memset(out, 0, sizeof *out);
    n -= n % 2;
    const char *id = eid; /* fallback: the time it was dead-lettered */
    size_t id_len = eid_len;
    int part = -1;
    if (n >= 4 && str_is(strs[n - 4], lens[n - 4], "stream") &&
        str_is(strs[n - 2], lens[n - 2], "id")) {
        if (event_stream_id_parse(strs[n - 1], lens[n - 1], NULL, NULL) == 0)
            id = strs[n - 1], id_len = lens[n - 1];
        part = part_of_stream(ns, partitions, strs[n - 3], lens[n - 3]);
        n -= 4;
    }
    if (n > MIGRATE_LETTER_FIELDS_MAX || id_len >= sizeof out->id ||
        event_stream_id_parse(id, id_len, &out->ms, &out->seq) != 0)
        return -1;
    memcpy(out->id, id, id_len);
    out->id[id_len] = '\0';
    if (part < 0)
        part = part_of_series(partitions, strs, lens, n, out->id);
    out->guessed = part < 0;
    out->part = part < 0 ? 0 : (unsigned)part;
    out->nkeep = n;
    return 0;
}
