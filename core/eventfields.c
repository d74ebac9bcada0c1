/* eventfields.c — the stream-entry form of an event: the field/value strings of an XREAD entry
 * and its ID (event_parse_fields). The scanners are eventscan.c's. */
#include "core/event_impl.h"
#include "core/number.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field { F_METRIC, F_VALUE, F_TS, F_LABELS, F_COUNT };

static const char *const field_names[F_COUNT] = {"metric", "value", "ts", "labels"};

/* Error-message context per field: constant, so the hot path formats nothing. */
static const char *const field_where[F_COUNT] = {"field 'metric'", "field 'value'", "field 'ts'",
                                                 "field 'labels'"};

/* Points the parser at field f's text, trimmed, with messages in "field 'f'" context. */
static void parser_on_field(struct event_parser *p, const char *s, size_t n, enum field f)
{
    p->s = s;
    p->i = 0;
    p->n = n;
    p->where = field_where[f];
    event_scan_trim(s, &p->i, &p->n);
}

enum event_error eventfields_parse(const char *const *strs, const size_t *lens, size_t nstr,
                                   const char *id, size_t id_len, const struct event_limits *lim,
                                   struct event *ev, char *reason, size_t reason_cap)
{
    struct event_parser p;
    size_t at[F_COUNT];
    uint64_t id_ms;
    char tb[48];
    enum event_error r;

    event_scan_init(&p, "", 0, "stream entry", lim, ev, reason, reason_cap);
    if (nstr % 2)
        return eventscan_fail_at(&p, EVENT_NO_POS, EVENT_E_SYNTAX, "odd number of strings (%zu)",
                                 nstr);
    for (int f = 0; f < F_COUNT; f++)
        at[f] = SIZE_MAX;
    for (size_t k = 0; k < nstr; k += 2) {
        for (int f = 0; f < F_COUNT; f++) {
            if (lens[k] != strlen(field_names[f]) || memcmp(strs[k], field_names[f], lens[k]))
                continue;
            if (at[f] != SIZE_MAX)
                return eventscan_fail_at(&p, EVENT_NO_POS, EVENT_E_FIELD_DUP,
                                         "duplicate field '%s'", field_names[f]);
            at[f] = k + 1;
        }
    }
    if (event_stream_id_parse(id, id_len, &id_ms, NULL) < 0 || id_ms > INT64_MAX)
        return eventscan_fail_at(&p, EVENT_NO_POS, EVENT_E_STREAM_ID, "bad stream entry ID \"%s\"",
                                 eventscan_show_token(id, id_len, tb));
    for (int f = F_METRIC; f <= F_VALUE; f++)
        if (at[f] == SIZE_MAX)
            return eventscan_fail_at(&p, EVENT_NO_POS, EVENT_E_FIELD_MISSING, "missing field '%s'",
                                     field_names[f]);

    parser_on_field(&p, strs[at[F_METRIC]], lens[at[F_METRIC]], F_METRIC);
    if ((r = eventscan_metric(&p, false)))
        return r;
    if (at[F_LABELS] != SIZE_MAX) {
        parser_on_field(&p, strs[at[F_LABELS]], lens[at[F_LABELS]], F_LABELS);
        if ((r = eventscan_labels(&p, 0, EVENT_NO_POS)))
            return r;
    }
    if ((r = event_scan_key_len(&p)))
        return r;
    parser_on_field(&p, strs[at[F_VALUE]], lens[at[F_VALUE]], F_VALUE);
    if ((r = eventscan_value(&p, p.i, p.n)))
        return r;
    ev->ts_ms = (int64_t)id_ms;
    if (at[F_TS] != SIZE_MAX) {
        parser_on_field(&p, strs[at[F_TS]], lens[at[F_TS]], F_TS);
        if ((r = eventscan_ts(&p, p.i, p.n, &ev->ts_ms)))
            return r;
        ev->has_ts = true;
        if ((r = eventscan_skew(&p, ev->ts_ms, (int64_t)id_ms, EVENT_NO_POS)))
            return r;
    }
    return EVENT_OK;
}
