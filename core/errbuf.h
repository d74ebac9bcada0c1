/* errbuf.h — filling a caller's error buffer (char *err, size_t cap), the way every fallible
 * function in the project reports detail. */
#ifndef WR_CORE_ERRBUF_H
#define WR_CORE_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/* Formats into err (truncated to errlen; nothing when err is NULL or errlen is 0) and returns
 * -1, so a failure path reads `return errbuf_fail(err, errlen, "...", ...);`. Control bytes in
 * the result (below 0x20, and 0x7f) become '?': a message quoting input (a regex's range that
 * holds an escaped newline) stays one line that a terminal shows as it is. */
int errbuf_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list: for a parser's own fail(), which records a position first. */
int errbuf_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Copies len bytes of another program's text (a server's error, a type name) into dst for a
 * status line or message: at most cap - 1 bytes, anything but printable ASCII becomes '?',
 * always terminated. cap must be > 0. */
void errbuf_copy_text(char *dst, size_t cap, const char *src, size_t len);

#endif
