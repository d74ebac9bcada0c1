/* hist_codec.h — a histogram as compact bytes and back: canonical (equal histograms encode to
 * equal bytes), and a decoder safe on any input. Pure. */
#ifndef WR_HIST_CODEC_H
#define WR_HIST_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "core/hist.h"

#define HIST_CODEC_VERSION 1

/* Compact serialisation: a version byte, then varint-encoded stores. Returns the number of
 * bytes the encoding needs; writes it to buf only when cap is large enough. */
size_t hist_codec_encode(const struct hist *h, uint8_t *buf, size_t cap);

/* Replaces h's content (h must be initialised) with the decoded histogram; h keeps its own
 * max_bins. Returns 0, or -1 on an unknown version, malformed/truncated/trailing or
 * non-canonical input (anything hist_codec_encode would not write), or a store wider than
 * h->max_bins, or counts whose sum passes UINT64_MAX (h is then empty). Never allocates more
 * than max_bins cells. */
int hist_codec_decode(struct hist *h, const uint8_t *buf, size_t len);

#endif
