/* fuzz_regex.c — core/regex on any pattern and text: the input is the pattern up to the first
 * newline (all of it when there is none) and the text after it. Aborts when a compiled regex
 * passes REGEX_PROGRAM_MAX instructions or REGEX_MEMORY_MAX bytes, when a match takes more than
 * (text length + 1) x REGEX_PROGRAM_MAX steps, when a refusal has no reason or points past the
 * pattern, or when a pattern over REGEX_PATTERN_MAX bytes is accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/regex.h"

/* Matches text with re and checks the step bound and that both entry points agree. */
static void check_match(const struct regex *re, const char *text, size_t len)
{
    uint64_t steps = 0;
    bool m = regex_full_match_steps(re, text, len, &steps);
    if (steps > regex_step_bound(re, len) || steps > ((uint64_t)len + 1) * REGEX_PROGRAM_MAX)
        abort();
    if (m != regex_full_match(re, text, len))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : size;
    const char *text = nl ? nl + 1 : in + size;
    size_t tlen = size - (nl ? plen + 1 : plen);
    char err[REGEX_ERR_MAX];
    size_t pos = SIZE_MAX;

    struct regex *re = regex_compile(in, plen, err, sizeof err, &pos);
    if (!re) {
        if (err[0] == '\0' || pos > plen || strlen(err) + 1 >= sizeof err)
            abort();
        return 0;
    }
    if (plen > REGEX_PATTERN_MAX || regex_program_size(re) > REGEX_PROGRAM_MAX ||
        regex_memory_size(re) > REGEX_MEMORY_MAX)
        abort();
    check_match(re, text, tlen);
    check_match(re, in, plen); /* the pattern as a text too */
    check_match(re, "", 0);
    regex_free(re);
    return 0;
}
