/* text.h — UTF-8 decoding, terminal display width, and the sanitizer that every untrusted string
 * (chat text, nicks, alert text from Redis) passes through before it reaches the screen.
 * Pure and locale-free: widths come from our own tables (Unicode 14.0), never libc wcwidth. */
#ifndef WR_TEXT_H
#define WR_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TEXT_REPLACEMENT 0xFFFDu /* U+FFFD, substituted for each maximal invalid subpart */

/* ---- UTF-8 ------------------------------------------------------------------------------- */

/* Decodes the code point at the start of s[0..len). Well-formed sequences follow Unicode Table 3-7
 * (no overlongs, no surrogates, nothing above U+10FFFF): stores the code point in *cp and returns
 * its length 1..4. Otherwise stores TEXT_REPLACEMENT and returns the length of the maximal
 * subpart (1..3 bytes), as Unicode §3.9 "U+FFFD substitution of maximal subparts" recommends;
 * *valid (if not NULL) tells the two cases apart. Returns 0 (nothing stored) when len == 0. */
size_t text_decode(const char *s, size_t len, uint32_t *cp, int *valid);

/* Encodes cp into out. Returns 1..4, or 0 (out untouched) for a surrogate or cp > U+10FFFF. */
size_t text_encode(uint32_t cp, char out[4]);

/* 1 if s[0..len) is well-formed UTF-8, else 0. */
int text_valid(const char *s, size_t len);

/* ---- display width (core/text_width.c) ----------------------------------------------------- */

/* Columns a terminal uses for cp: 2 for East Asian Wide/Fullwidth (CJK, kana, Hangul syllables,
 * fullwidth forms, emoji with default emoji presentation, planes 2-3), 0 for combining marks
 * (Mn, Me), format characters (Cf, except U+00AD and the visible prepended concatenation marks
 * such as U+0600, which count 1) and Hangul medial/final jamo,
 * -1 for C0 controls, DEL, C1 controls, surrogates and values above U+10FFFF, 1 otherwise
 * (East Asian Ambiguous counts 1, unassigned counts like its assigned neighbours). */
int text_cp_width(uint32_t cp);

/* 1 if cp is a format character (general category Cf: bidi controls, ZWSP/ZWNJ/ZWJ, word
 * joiner, BOM, soft hyphen, tag characters, ...), else 0. */
int text_cp_is_format(uint32_t cp);

/* 1 if cp has the Unicode White_Space property (includes \t \n \v \f \r, U+0085, NBSP,
 * U+2000-U+200A, U+2028/2029, U+202F, U+205F, U+3000), else 0. */
int text_cp_is_space(uint32_t cp);

/* 1 for a code point that can be part of an emoji ZWJ sequence before the ZWJ: pictographs
 * (U+1F000-U+1FAFF, the symbol blocks U+2600-U+27BF, (c), (r), TM, arrows, ...), VS16 (U+FE0F)
 * and skin-tone modifiers. An approximation of Extended_Pictographic. */
int text_cp_is_emoji_part(uint32_t cp);

/* 1 for the bidirectional controls the sanitizer strips: U+061C, U+200E, U+200F,
 * U+202A-U+202E, U+2066-U+2069. */
int text_cp_is_bidi(uint32_t cp);

/* Columns of s[0..len) meant for sanitized text: the sum of text_cp_width over its code points,
 * with controls (\n included) counting 0 and each invalid subpart counting 1 (as U+FFFD). */
size_t text_width(const char *s, size_t len);

/* Returns the end offset of the character cluster starting at off (off < len): one code point
 * plus every following zero-width code point (combining marks, ZWJ, variation selectors), so a
 * cursor or a line break never separates a mark from its base. Stores the cluster's columns in
 * *cols if not NULL (a control counts 0). Returns len when off >= len. */
size_t text_cluster_next(const char *s, size_t len, size_t off, int *cols);

/* Returns the start offset of the cluster that ends at off (0 when off == 0). */
size_t text_cluster_prev(const char *s, size_t off);

/* Returns the length of the longest prefix of s[0..len) that fits in max_cols columns without
 * splitting a cluster (a wide character that would straddle the limit is left out). Stores the
 * prefix's columns in *cols if not NULL. */
size_t text_fit(const char *s, size_t len, size_t max_cols, size_t *cols);

/* ---- the sanitizer ------------------------------------------------------------------------- */

enum text_flags {
    TEXT_KEEP_NEWLINE = 1u << 0, /* keep \n (and turn \r\n into \n); else \n shows as ^J */
    TEXT_EXPAND_TAB = 1u << 1,   /* \t becomes spaces to the next multiple of 8 columns (per
                                    line); else \t shows as ^I */
    TEXT_ASCII = 1u << 2,        /* truncation marker "..." and replacement "?" instead of
                                    U+2026 and U+FFFD (for --ascii terminals) */
    TEXT_NICK = 1u << 3,         /* nick mode: also strip every White_Space and every format
                                    character (ZWSP, ZWNJ, ZWJ, WJ, BOM, soft hyphen, ...), and
                                    cap at TEXT_NICK_MAX_COLS columns by default */
};

/* Marks, one per output byte, so a renderer can draw substitutions in reverse video. */
enum text_mark {
    TEXT_MARK_CTRL = 1u << 0,  /* part of a visible control (^[, <9B>) or of a replacement for
                                  invalid input */
    TEXT_MARK_TRUNC = 1u << 1, /* part of the truncation marker */
};

#define TEXT_DEFAULT_MAX_BYTES 16384 /* output cap of text_sanitize without TEXT_NICK */
#define TEXT_NICK_MAX_COLS 24        /* column cap of text_sanitize with TEXT_NICK */
#define TEXT_NICK_MAX_BYTES 128      /* byte cap of text_sanitize with TEXT_NICK */

/* Sanitizer output. Zero-initialise (TEXT_BUF_INIT), reuse across calls, free with
 * text_buf_free. s and mark are owned by the buffer and valid until the next call. */
struct text_buf {
    char *s;             /* NUL-terminated, well-formed UTF-8 (never NULL after a call) */
    unsigned char *mark; /* mark[i] holds the text_mark bits of s[i] */
    size_t len;          /* bytes in s, excluding the NUL */
    size_t cap;          /* allocated bytes behind s and mark */
    size_t cols;         /* display columns of s (summed over all lines) */
    size_t n_ctrl;       /* controls made visible */
    size_t n_invalid;    /* invalid subparts replaced */
    size_t n_stripped;   /* code points removed (bidi controls; in nick mode spaces, formats) */
    int truncated;       /* 1 if the input did not fit and the truncation marker was added */
};

/* clang-format off */
#define TEXT_BUF_INIT {0}
/* clang-format on */

/* Makes in[0..len) safe to write to a terminal, replacing out's previous contents:
 * - C0 controls and DEL become caret notation marked TEXT_MARK_CTRL: ESC -> "^[", \r -> "^M",
 *   NUL -> "^@", DEL -> "^?" (\n and \t by flags as above);
 * - C1 controls U+0080-U+009F become "<80>".."<9F>" (uppercase hex, marked), because caret
 *   notation would make U+009B look like ESC;
 * - bidi controls (text_cp_is_bidi) are removed;
 * - a ZWJ (U+200D) after an emoji (text_cp_is_emoji_part) is removed, so 👩‍👩‍👧 shows
 * as 👩👩👧: a terminal that joins the sequence draws it in 2 columns where curses (and text_width)
 * count 2 per emoji, and every cell after it, a pane border included, would be drawn out of place;
 * without the joiner every terminal agrees with the count;
 * - each maximal invalid subpart becomes U+FFFD (marked).
 * Writing out->s to a terminal therefore never emits a byte below 0x20 (except \n with
 * TEXT_KEEP_NEWLINE), 0x7F, a C1 control or a bidi control. Output is capped at
 * TEXT_DEFAULT_MAX_BYTES bytes (nick mode: TEXT_NICK_MAX_BYTES bytes and TEXT_NICK_MAX_COLS
 * columns); see text_sanitize_limit. in may be NULL when len == 0. */
void text_sanitize(const char *in, size_t len, unsigned flags, struct text_buf *out);

/* As text_sanitize with explicit caps on output bytes and columns (0 = no cap). When the text
 * does not fit, it is cut at a code point boundary so that the kept text plus the marker ("…",
 * or "..." with TEXT_ASCII) fits both caps, and out->truncated is set. Scanning stops at the
 * cut, so the cost is bounded by the caps, not by len. */
void text_sanitize_limit(const char *in, size_t len, unsigned flags, size_t max_bytes,
                         size_t max_cols, struct text_buf *out);

/* Returns the end of the run of bytes starting at off (off < end <= b->len) that share
 * b->mark[off], storing that mark in *mark if not NULL: lets a renderer draw span by span. */
size_t text_buf_run(const struct text_buf *b, size_t off, size_t end, unsigned *mark);

/* Frees s and mark and zeroes the buffer; NULL is a no-op. */
void text_buf_free(struct text_buf *b);

/* ---- nicks --------------------------------------------------------------------------------- */

#define TEXT_NICK_VALID_MAX_BYTES 64 /* byte cap checked by text_nick_valid */

/* 1 if nick (NUL-terminated) is acceptable, else 0. Rules: well-formed UTF-8, at most
 * TEXT_NICK_VALID_MAX_BYTES bytes, 1..TEXT_NICK_MAX_COLS columns; ASCII limited to letters,
 * digits and _-.[]{}|^ ; non-ASCII allowed when printable with width 1 or 2 (letters of any
 * script, CJK, emoji), and combining marks allowed after a base character. Rejected: controls,
 * C1, any White_Space, every format character (bidi, zero-width, BOM, soft hyphen), private use
 * (U+E000-U+F8FF, planes 15-16), noncharacters, U+FFFD, letters that render blank (Hangul
 * fillers U+115F/U+1160/U+3164/U+FFA0, braille blank U+2800) and a leading combining mark. */
int text_nick_valid(const char *nick);

/* A stable colour slot for nick in [0, ncolors): 32-bit FNV-1a over the bytes, mod ncolors.
 * Returns 0 when ncolors <= 0 or nick is NULL. Same result on every machine. */
int text_nick_color(const char *nick, int ncolors);

#endif
