/* test_event_lib.h — what the event parser tests share: a parse into a static event, the
 * expected-error check, key rendering, repeated text, a seeded generator. Each helper may go
 * unused in one of the test files, hence the attributes. */
#ifndef WR_TEST_EVENT_LIB_H
#define WR_TEST_EVENT_LIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

#define NOW 1700000000000LL

__attribute__((unused)) static struct event ev;
__attribute__((unused)) static char reason[EVENT_REASON_MAX];

__attribute__((unused)) static enum event_error parse(const char *line)
{
    return event_parse_line(line, strlen(line), NOW, NULL, &ev, reason, sizeof reason);
}

/* Parses line, expects code and a reason containing `part` (NULL: only the code). */
__attribute__((unused)) static void expect_err(const char *line, enum event_error code,
                                               const char *part)
{
    enum event_error r = parse(line);
    if (r != code || (part && !strstr(reason, part)))
        fail_msg("line \"%s\": got %d (%s) \"%s\", want %d (%s) with \"%s\"", line, r,
                 event_strerror(r), reason, code, event_strerror(code), part ? part : "");
}

__attribute__((unused)) static const char *key_of(const struct event *e)
{
    static char buf[EVENT_KEY_MAX + 1];
    assert_true(event_key(e, buf, sizeof buf) >= 0);
    return buf;
}

/* "m 1 " followed by n copies of c, into a static buffer. */
__attribute__((unused)) static const char *rep(const char *head, char c, size_t n, const char *tail)
{
    static char buf[8192];
    size_t h = strlen(head);
    memcpy(buf, head, h);
    memset(buf + h, c, n);
    strcpy(buf + h + n, tail);
    return buf;
}

__attribute__((unused)) static uint64_t rng_state;

__attribute__((unused)) static uint64_t rng(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
