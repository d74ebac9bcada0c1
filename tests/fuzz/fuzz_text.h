/* fuzz_text.h — the terminal-safety property fuzz targets check on every string they get back
 * from a sanitizing parser (core/text's promise). */
#ifndef WR_FUZZ_TEXT_H
#define WR_FUZZ_TEXT_H

#include <string.h>

#include "core/text.h"

/* s, an array of cap bytes, is terminated inside it, valid UTF-8, and holds no C0 control, DEL,
 * C1 control or bidi control. */
static inline void fuzz_check_safe(const char *s, size_t cap)
{
    size_t len = strnlen(s, cap);
    FUZZ_CHECK(len < cap);
    FUZZ_CHECK(text_valid(s, len));
    for (size_t off = 0; off < len;) {
        uint32_t cp;
        off += text_decode(s + off, len - off, &cp, NULL);
        FUZZ_CHECK(cp >= 0x20 && cp != 0x7F && !(cp >= 0x80 && cp < 0xA0));
        FUZZ_CHECK(!text_cp_is_bidi(cp));
    }
}

#endif
