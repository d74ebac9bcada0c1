/* fuzz_migrate_letter.c — migrate_letter_parse, which reads v1 dead letters (hostile: anything
 * may have written NS:dlq). Input: one byte for the partition count (1-32), then NUL-separated
 * strings: the letter's entry ID, then its fields. Properties: the partition is below the count;
 * a trailing "stream wr:ev:{pI} id ID" with I below the count gives exactly I; the kept fields are
 * all of them or all but that trailing pair of pairs; the ID is a valid stream ID, the letter's
 * own or the "id" field's; a guessed partition is 0; the same input gives the same answer. */
#include <stdio.h>
#include <string.h>

#include "app/cmd/migrate_impl.h"
#include "core/event.h"

#define MAX_STRS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned parts = 1 + data[0] % 32;
    const char *strs[MAX_STRS];
    size_t lens[MAX_STRS], n = 0;
    const char *s = (const char *)data + 1;
    size_t left = size - 1;
    while (left > 0 && n < MAX_STRS) {
        const char *z = memchr(s, '\0', left);
        size_t l = z ? (size_t)(z - s) : left;
        strs[n] = s, lens[n++] = l;
        s += l + (z != NULL);
        left -= l + (z != NULL);
    }
    if (n == 0)
        return 0;
    struct migrate_letter a, b;
    int rc = migrate_letter_parse("wr", parts, strs[0], lens[0], strs + 1, lens + 1, n - 1, &a);
    FUZZ_CHECK(rc == 0 || rc == -1);
    int rc2 = migrate_letter_parse("wr", parts, strs[0], lens[0], strs + 1, lens + 1, n - 1, &b);
    FUZZ_CHECK(rc2 == rc);
    if (rc != 0)
        return 0;
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    FUZZ_CHECK(a.part < parts);
    FUZZ_CHECK(!a.guessed || a.part == 0);

    const char *const *f = strs + 1;
    const size_t *fl = lens + 1;
    size_t nf = (n - 1) - (n - 1) % 2;
    bool tail = nf >= 4 && fl[nf - 4] == 6 && memcmp(f[nf - 4], "stream", 6) == 0 &&
                fl[nf - 2] == 2 && memcmp(f[nf - 2], "id", 2) == 0;
    FUZZ_CHECK(a.nkeep == (tail ? nf - 4 : nf));

    size_t idl = strlen(a.id);
    uint64_t ms, seq;
    FUZZ_CHECK(event_stream_id_parse(a.id, idl, &ms, &seq) == 0 && ms == a.ms && seq == a.seq);
    bool own = idl == lens[0] && memcmp(a.id, strs[0], idl) == 0;
    bool field = tail && idl == fl[nf - 1] && memcmp(a.id, f[nf - 1], idl) == 0;
    FUZZ_CHECK(own || field);
    if (tail && event_stream_id_parse(f[nf - 1], fl[nf - 1], NULL, NULL) == 0)
        FUZZ_CHECK(field);

    for (unsigned i = 0; tail && i < parts; i++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "wr:ev:{p%u}", i);
        if ((size_t)kl == fl[nf - 3] && memcmp(key, f[nf - 3], (size_t)kl) == 0)
            FUZZ_CHECK(a.part == i && !a.guessed);
    }
    return 0;
}
