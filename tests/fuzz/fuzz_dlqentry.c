/* fuzz_dlqentry.c — dlqentry_parse, fed what any Redis client can XADD to a dead-letter stream.
 * The input is split at NUL bytes: key, entry ID, then the field strings. Properties: every
 * output string is terminated inside its array and terminal-safe (no C0 control, DEL, C1
 * control or bidi control; valid UTF-8); the partition is -1 or what the "stream" field or the
 * key tags; the time is never negative. */
#include <string.h>

#include "core/dlqentry.h"
#include "core/text.h"
#include "tests/fuzz/fuzz_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *part[66];
    size_t len[66], n = 0, start = 0;
    for (size_t i = 0; i <= size && n < 66; i++)
        if (i == size || data[i] == 0) {
            part[n] = (const char *)data + start;
            len[n++] = i - start;
            start = i + 1;
        }
    if (n < 2)
        return 0;
    struct dlqentry e;
    dlqentry_parse(part[0], len[0], part[1], len[1], part + 2, len + 2, n - 2, &e);
    fuzz_check_safe(e.id, sizeof(e.id));
    fuzz_check_safe(e.reason, sizeof(e.reason));
    fuzz_check_safe(e.detail, sizeof(e.detail));
    fuzz_check_safe(e.fields, sizeof(e.fields));
    FUZZ_CHECK(e.ts_ms >= 0);
    int from_stream = -1;
    for (size_t i = 2; i < n; i += 2) /* the last "stream" decides; an odd last name: "" */
        if (len[i] == 6 && memcmp(part[i], "stream", 6) == 0)
            from_stream = i + 1 < n ? dlqentry_partition_of(part[i + 1], len[i + 1]) : -1;
    int want = from_stream >= 0 ? from_stream : dlqentry_partition_of(part[0], len[0]);
    FUZZ_CHECK(e.partition == want);
    return 0;
}
