/* colfmt.h — text for fixed-width terminal columns: display width of UTF-8 (CJK wide = 2
 * columns, combining marks = 0), truncation at column boundaries with an ellipsis, padding and
 * alignment, and a metric's values humanised by what its name says it measures. */
#ifndef WR_COLFMT_H
#define WR_COLFMT_H

#include <stddef.h>
#include <stdint.h>

enum colfmt_align {
    COLFMT_LEFT,
    COLFMT_RIGHT,
    COLFMT_CENTER,
};

enum colfmt_flags {
    COLFMT_ASCII = 1u << 0,       /* output ASCII only: u for µ, ~ for the ellipsis, ? else */
    COLFMT_NO_ELLIPSIS = 1u << 1, /* cut without marking the cut */
    COLFMT_MIDDLE = 1u << 2,      /* cut out of the middle, so both ends show: "req{a…c=d}" */
};

/* Decodes one UTF-8 code point from s (n >= 1 bytes available). Returns the bytes consumed
 * (1-4); an invalid, overlong, surrogate or truncated sequence gives U+FFFD and consumes 1. */
size_t colfmt_decode(const char *s, size_t n, uint32_t *cp);

/* Columns code point cp takes: libc wcwidth() for printable characters (2 for East Asian wide,
 * 0 for combining marks; LC_CTYPE must be a UTF-8 locale for those, otherwise every non-ASCII
 * character counts 1). Controls (C0, DEL, C1) count 1: colfmt_fit draws them as '?'. */
int colfmt_cp_width(uint32_t cp);

/* Display columns of the NUL-terminated UTF-8 string s. */
int colfmt_width(const char *s);

/* Writes s into buf fitted to exactly width columns: padded with spaces by align when shorter,
 * cut at a column boundary when longer, with an ellipsis ("…", or "~" with COLFMT_ASCII) as the
 * last column unless COLFMT_NO_ELLIPSIS. A wide character that would straddle the edge is left
 * out and replaced by a space. Controls become '?', invalid bytes U+FFFD ('?' in ASCII).
 * buf is always NUL-terminated; cap >= 4 * width + 1 never truncates. Returns the bytes written
 * (without the NUL). width <= 0 writes "". */
size_t colfmt_fit(const char *s, int width, enum colfmt_align align, unsigned flags, char *buf,
                  size_t cap);

/* What a metric's values are, from its name. */
enum colfmt_unit {
    COLFMT_UNIT_NONE,     /* plain number: 1.23k */
    COLFMT_UNIT_DURATION, /* a duration: 850µs, 12.3ms, 1.50s */
    COLFMT_UNIT_BYTES,    /* a size: 1.23kB */
};

struct colfmt_unit_info {
    enum colfmt_unit unit;
    double to_ms; /* COLFMT_UNIT_DURATION: factor from the metric's unit to milliseconds */
};

/* Guesses the unit of a series from its metric name (the key up to '{'), case-insensitively:
 *   suffix _ms, _msec, _millis, _milliseconds       -> duration, ms
 *          _us, _usec, _micros, _microseconds       -> duration, µs
 *          _ns, _nsec, _nanos, _nanoseconds         -> duration, ns
 *          _s, _sec, _secs, _seconds                -> duration, s
 *   no unit suffix but "latency" or "duration" in the name -> duration, ms assumed
 *   suffix _bytes or _b                              -> bytes
 *   anything else                                    -> plain number. */
void colfmt_unit_of(const char *key, struct colfmt_unit_info *out);

/* A value in the unit: fmt_duration_ms(v * to_ms) for durations, fmt_si with a "B" for bytes,
 * fmt_si otherwise ("-" for NAN). Returns buf. cap >= 16 suffices. */
char *colfmt_value(double v, const struct colfmt_unit_info *u, char *buf, size_t cap);

#endif
