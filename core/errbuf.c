/* errbuf.c — filling a caller's error buffer (contract in errbuf.h). */
#include "core/errbuf.h"

#include <stdarg.h>
#include <stdio.h>

int errbuf_vfail(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen > 0) {
        vsnprintf(err, errlen, fmt, ap);
        for (char *c = err; *c; c++) /* input quoted in a message: one line, no escapes */
            if ((unsigned char)*c < 0x20 || *c == 0x7f)
                *c = '?';
    }
    return -1;
}

int errbuf_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    errbuf_vfail(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

void errbuf_copy_text(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)src[i];
        dst[i] = ch < 0x20 || ch >= 0x7f ? '?' : (char)ch;
    }
    dst[n] = '\0';
}
